/* child.c: the helper process serve forks (child.h): the fork and what
 * the child drops of serve's, the notify pipe, the restart after a death,
 * the stop. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../proto/errors.h"
#include "child.h"
#include "log.h"

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* In the child, right after fork: nothing of serve's but the log (fd 2)
 * and the pipe's read end (as fd 3) stays. Never returns. */
static void become_child(srv_child *c, pid_t parent)
{
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
        _exit(0); /* serve is gone already */
    /* serve's libuv handlers would write into serve's own signal pipe. */
    static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGQUIT};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        signal(sigs[i], SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (c->rfd != 3 && dup2(c->rfd, 3) != 3)
        _exit(1);
    fcntl(3, F_SETFD, 0);
    close_range(4, ~0U, 0); /* stores, sockets, the data directory's lock */
    /* Where the two compete for a core, serve's syncs go first: a shift
     * change's 100 pushes beside 100 open boards (bench_boards.sh) ran 18%
     * slower while boards were being made at the child's equal priority.
     * Set before the child's threads start: they inherit it. */
    errno = 0;
    if (nice(SRV_CHILD_NICE) == -1 && errno != 0)
        srv_log(SRV_LOG_WARN, "web: cannot lower the %s's priority: %s",
                c->what, strerror(errno));
    int rc = c->fn(c->ctx, 3);
    exit(rc == 0 ? 0 : 1); /* atexit handlers: the sanitizers' checks */
}

static int fork_child(srv_child *c)
{
    pid_t parent = getpid();
    fflush(NULL); /* no buffered output is written twice */
    pid_t pid = fork();
    if (pid < 0)
        return RND_EIO;
    if (pid == 0)
        become_child(c, parent);
    c->pid = pid;
    c->started_ms = mono_ms();
    srv_log(SRV_LOG_DEBUG, "web: %s process started (pid %d)", c->what,
            (int)pid);
    return 0;
}

int srv_child_start(srv_child *c, srv_child_fn fn, void *ctx, const char *what)
{
    int fds[2];
    memset(c, 0, sizeof *c);
    c->rfd = c->wfd = -1;
    if (pipe2(fds, O_CLOEXEC) != 0)
        return RND_EIO;
    /* Only the write end is non-blocking: the child's reader blocks. */
    fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
    c->rfd = fds[0];
    c->wfd = fds[1];
    c->fn = fn;
    c->ctx = ctx;
    c->what = what;
    c->backoff_ms = SRV_CHILD_BACKOFF_MIN_MS;
    int rc = fork_child(c);
    if (rc) {
        int e = errno;
        close(c->rfd);
        close(c->wfd);
        c->rfd = c->wfd = -1;
        errno = e;
        return rc;
    }
    c->on = 1;
    return 0;
}

static void on_retry(uv_timer_t *t)
{
    srv_child *c = t->data;
    if (c->stopping || c->pid != 0)
        return;
    if (fork_child(c) != 0) {
        srv_log(SRV_LOG_ERROR, "web: cannot fork the %s process again: %s",
                c->what, strerror(errno));
        uv_timer_start(&c->retry, on_retry, c->backoff_ms, 0);
    }
}

/* SIGCHLD: the child died; it is said, and it comes back after the
 * backoff. */
static void on_sigchld(uv_signal_t *h, int signum)
{
    (void)signum;
    srv_child *c = h->data;
    int st;
    if (c->pid == 0 || waitpid(c->pid, &st, WNOHANG) != c->pid)
        return;
    c->pid = 0;
    if (c->stopping)
        return;
    uint64_t lived = mono_ms() - c->started_ms;
    if (lived >= SRV_CHILD_BACKOFF_MAX_MS)
        c->backoff_ms = SRV_CHILD_BACKOFF_MIN_MS;
    char how[64];
    if (WIFSIGNALED(st))
        snprintf(how, sizeof how, "was killed by signal %d", WTERMSIG(st));
    else
        snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(st));
    srv_log(SRV_LOG_ERROR,
            "web: the %s process %s after %llu ms; starting it again in "
            "%llu ms",
            c->what, how, (unsigned long long)lived,
            (unsigned long long)c->backoff_ms);
    uv_timer_start(&c->retry, on_retry, c->backoff_ms, 0);
    c->backoff_ms *= 2;
    if (c->backoff_ms > SRV_CHILD_BACKOFF_MAX_MS)
        c->backoff_ms = SRV_CHILD_BACKOFF_MAX_MS;
}

int srv_child_watch(srv_child *c, uv_loop_t *loop)
{
    if (!c->on || c->watching)
        return 0;
    if (uv_signal_init(loop, &c->sigchld) != 0)
        return RND_EIO;
    uv_timer_init(loop, &c->retry);
    c->sigchld.data = c->retry.data = c;
    c->watching = 1;
    uv_signal_start(&c->sigchld, on_sigchld, SIGCHLD);
    /* It may have died before the handler was there. */
    on_sigchld(&c->sigchld, SIGCHLD);
    return 0;
}

void srv_child_notify(srv_child *c, const char *site)
{
    char line[128];
    if (!c->on || c->wfd < 0)
        return;
    int n = snprintf(line, sizeof line, "%s\n", site);
    if (n <= 0 || (size_t)n >= sizeof line)
        return;
    /* At most PIPE_BUF bytes: written whole or not at all. */
    ssize_t w = write(c->wfd, line, (size_t)n);
    (void)w; /* full (EAGAIN): dropped */
}

void srv_child_signal(srv_child *c, int sig)
{
    if (c->on && c->pid > 0)
        kill(c->pid, sig);
}

void srv_child_stop(srv_child *c)
{
    if (!c->on || c->stopping)
        return;
    c->stopping = 1;
    if (c->pid > 0) {
        kill(c->pid, SIGTERM);
        uint64_t until = mono_ms() + SRV_CHILD_STOP_MS;
        int st;
        pid_t got;
        while ((got = waitpid(c->pid, &st, WNOHANG)) == 0 &&
               mono_ms() < until) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        if (got == 0) {
            srv_log(SRV_LOG_ERROR,
                    "web: the %s process (pid %d) did not stop within %d "
                    "ms of SIGTERM: killed",
                    c->what, (int)c->pid, SRV_CHILD_STOP_MS);
            kill(c->pid, SIGKILL);
            waitpid(c->pid, &st, 0);
        }
        c->pid = 0;
    }
    if (c->watching) {
        uv_timer_stop(&c->retry);
        uv_close((uv_handle_t *)&c->sigchld, NULL);
        uv_close((uv_handle_t *)&c->retry, NULL);
        c->watching = 0;
    }
}

void srv_child_free(srv_child *c)
{
    if (!c->on)
        return;
    srv_child_stop(c);
    if (c->rfd >= 0)
        close(c->rfd);
    if (c->wfd >= 0)
        close(c->wfd);
    c->rfd = c->wfd = -1;
    c->on = 0;
}
