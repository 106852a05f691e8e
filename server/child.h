/* child.h: the helper process `roundsd serve` forks (the office
 * dashboard, dash/): forked once before serve opens a store or starts a
 * thread, told through a pipe which sites' syncs landed, restarted with a
 * backoff when it dies, stopped with serve.
 *
 * The child: its end of the pipe on file descriptor 3 (every other
 * descriptor above 2 closed: no store, socket or the data directory's lock
 * of serve stays open in it), default signal handling, SIGPIPE ignored,
 * PR_SET_PDEATHSIG(SIGTERM) (and the pipe's EOF) when serve goes. It runs
 * fn(ctx, 3) and exits with 0 when fn returns 0, else 1.
 *
 * The pipe carries "SITE\n" lines (srv_child_notify): non-blocking, a line
 * is dropped when the pipe is full (the child is behind: it will see the
 * next one). serve keeps both ends for its life, so a restarted child
 * reads the same pipe.
 *
 * Threads: srv_child_notify may be called from any thread; everything else
 * on the thread that called srv_child_start (the loop's). A restart forks
 * from that thread while other threads run; the child touches none of
 * serve's state (fn opens what it needs itself).
 */
#ifndef RND_SRV_CHILD_H
#define RND_SRV_CHILD_H

#include <stdint.h>
#include <sys/types.h>

#include <uv.h>

/* The child's work: notify_fd is the read end of the pipe. 0: a clean
 * stop. */
typedef int (*srv_child_fn)(void *ctx, int notify_fd);

/* A restart waits SRV_CHILD_BACKOFF_MIN_MS, doubled at each death up to
 * SRV_CHILD_BACKOFF_MAX_MS; a child that lived SRV_CHILD_BACKOFF_MAX_MS
 * resets it. Stopping waits SRV_CHILD_STOP_MS for SIGTERM, then SIGKILL. */
#define SRV_CHILD_BACKOFF_MIN_MS 1000
#define SRV_CHILD_BACKOFF_MAX_MS 60000
#define SRV_CHILD_STOP_MS 5000
/* The child runs this much nicer than serve (nice(2)): it serves people
 * looking at pages, serve the handhelds' syncs. */
#define SRV_CHILD_NICE 5

typedef struct srv_child {
    srv_child_fn fn;
    void *ctx;
    const char *what; /* "dashboard": the log's name for it */
    int on;           /* srv_child_start() succeeded */
    pid_t pid;        /* 0: none running */
    int rfd, wfd;     /* the pipe; -1 when closed */
    /* srv_child_watch(): SIGCHLD and the restart timer. */
    uv_signal_t sigchld;
    uv_timer_t retry;
    int watching, stopping;
    uint64_t started_ms; /* monotonic */
    uint64_t backoff_ms;
} srv_child;

/* Makes the pipe and forks the child (call before any thread starts).
 * 0, or RND_EIO (pipe or fork failed: errno kept) with nothing left
 * open. what is static. */
int srv_child_start(srv_child *c, srv_child_fn fn, void *ctx, const char *what);

/* From now on a death of the child is logged at error level and the child
 * forked again after the backoff (loop's thread). 0 or RND_EIO. */
int srv_child_watch(srv_child *c, uv_loop_t *loop);

/* "site\n" into the pipe, or nothing when it is full or c has no pipe.
 * Any thread; never blocks. */
void srv_child_notify(srv_child *c, const char *site);

/* Sends sig to the running child, if any (SIGHUP: reopen the log). */
void srv_child_signal(srv_child *c, int sig);

/* Stops it: SIGTERM, waits up to SRV_CHILD_STOP_MS, then SIGKILL; closes
 * the watch's handles (the loop then ends without them). No restart after
 * this. */
void srv_child_stop(srv_child *c);

/* srv_child_stop() if it was not called, and closes the pipe. c may be
 * zeroed (never started): a no-op then. */
void srv_child_free(srv_child *c);

#endif
