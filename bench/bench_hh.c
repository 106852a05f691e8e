/* bench_hh.c: the handheld side of the sync benchmark (bench_sync.sh).
 *
 * Drives real handheld stores through the C API (handheld.h) and times
 * hh_sync() against a running roundsd over loopback TLS:
 *
 *   bench_hh init DIR SITE NAME USER SERVER CERT CRED [N]
 *       a new store (hh_init), its user, enrolled (hh_enroll), then N
 *       checkpoint scans recorded as in `bench_hh add`
 *   bench_hh add DIR N
 *       N more checkpoint scans in batches of 10,000 (hh_record_many): the
 *       PouchDB peer's workload, scan i of the device: tag CP-<i%40>, route
 *       R1, method manual, a note and an anomaly on every 10th, by the user
 *   bench_hh sync DIR [--repeat R] [--add K]
 *       R syncs one after the other (default 1), each preceded by K new
 *       scans recorded outside the timing; one JSON line per sync
 *   bench_hh shift [--full] DIR...
 *       one process per store; all open their store, wait at a barrier,
 *       then sync at once. By default each handheld stops right after its
 *       last PUSH_ACK (what the peer's push-only replication measures);
 *       --full lets every sync run to the end (push, then pull). One JSON
 *       line with the wall times from the barrier.
 *
 * Times are CLOCK_MONOTONIC around hh_sync(), so they include the TCP
 * connect and the TLS handshake. push_ms is when the last PUSH_ACK arrived
 * (the server acknowledges only after its durable commit). cpu_ms is the
 * handheld's CPU time (user + system) during the sync; for shift, all the
 * children's. Exit 0 when every sync succeeded, 1 otherwise, 2 on bad
 * usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "handheld.h"
#include "scans.h"

#define BATCH 10000
#define MAX_CLIENTS 4096

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* CPU time (user + system) of this process, or of its waited-for
 * children, in ms. */
static double cpu_ms(int who)
{
    struct rusage ru;
    if (getrusage(who, &ru) != 0)
        return -1;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-3;
}

static int parse_n(const char *s, unsigned long long max, uint64_t *out)
{
    char *end;
    unsigned long long v;
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

static int open_store(const char *dir, hh **h)
{
    int rc = hh_open(dir, h);
    if (rc)
        fprintf(stderr, "bench_hh: open %s: %s\n", dir, rnd_strerror(rc));
    return rc;
}

/* ---- recording ---------------------------------------------------------- */

/* Records n scans after the own_ops already in the store, so scan numbers
 * (and with them tags, notes and anomalies) continue across calls. */
static int add_scans(hh *h, uint64_t n)
{
    static hh_batch_item items[BATCH];
    static hh_kv kv[BATCH][SCANS_NKV];
    static char tags[SCANS_NTAGS][8];
    hh_status_info st;
    int rc = hh_status(h, &st);

    if (rc) {
        fprintf(stderr, "bench_hh: status: %s\n", hh_last_error(h));
        return rc;
    }
    scans_tags(tags);
    for (uint64_t done = 0; done < n;) {
        size_t m = n - done < BATCH ? (size_t)(n - done) : BATCH, failed = 0;
        for (size_t j = 0; j < m; j++)
            scans_item(&items[j], kv[j], st.own_ops + done + j, st.user, tags);
        rc = hh_record_many(h, items, m, &failed);
        if (rc) {
            fprintf(stderr, "bench_hh: record item %zu: %s\n", failed,
                    hh_last_error(h));
            return rc;
        }
        done += m;
    }
    return 0;
}

static int cmd_init(int argc, char **argv)
{
    uint64_t n = 0;
    hh *h;
    int rc;

    if ((argc != 9 && argc != 10) ||
        (argc == 10 && parse_n(argv[9], 100000000, &n) != 0)) {
        fprintf(stderr, "usage: bench_hh init DIR SITE NAME USER SERVER CERT "
                        "CRED [N]\n");
        return 2;
    }
    rc = hh_init(argv[2], argv[3], argv[4], &h);
    if (rc) {
        fprintf(stderr, "bench_hh: init %s: %s\n", argv[2], rnd_strerror(rc));
        return 1;
    }
    if ((rc = hh_set_user(h, argv[5])) == 0 &&
        (rc = hh_enroll(h, argv[6], argv[7], argv[8])) == 0)
        rc = add_scans(h, n);
    if (rc)
        fprintf(stderr, "bench_hh: init %s: %s\n", argv[2], hh_last_error(h));
    hh_close(h);
    return rc ? 1 : 0;
}

static int cmd_add(int argc, char **argv)
{
    uint64_t n;
    double t0;
    hh *h;
    int rc;

    if (argc != 4 || parse_n(argv[3], 100000000, &n) != 0) {
        fprintf(stderr, "usage: bench_hh add DIR N\n");
        return 2;
    }
    if (open_store(argv[2], &h))
        return 1;
    t0 = now_ms();
    rc = add_scans(h, n);
    if (rc == 0)
        printf("{\"added\":%" PRIu64 ",\"ms\":%.3f}\n", n, now_ms() - t0);
    hh_close(h);
    return rc ? 1 : 0;
}

/* ---- syncing ------------------------------------------------------------ */

typedef struct timing {
    double t0;      /* when hh_sync() was called */
    double push_ms; /* from t0 to the last PUSH_ACK, or -1 */
    int stop_after_push;
    int report_fd; /* shift: where a stopping child reports */
    int index;
} timing;

/* One line a shift child sends its parent (well under PIPE_BUF, so each
 * write arrives whole). */
typedef struct report {
    int index, rc, resumed;
    uint64_t pushed, pulled;
    double push_end, end; /* absolute monotonic ms */
} report;

static void on_progress(const char *phase, uint64_t done, uint64_t total,
                        void *ctx)
{
    timing *t = ctx;
    if (strcmp(phase, "push") != 0 || done != total || t->push_ms >= 0)
        return;
    t->push_ms = now_ms() - t->t0;
    if (t->stop_after_push) {
        /* Push-only, like the peer's replication: every op is durable on
         * the server now; leave without pulling. The server sees the
         * connection drop (ECLOSED), which costs it nothing. */
        report r = {t->index, 0, 0, done, 0, t->t0 + t->push_ms, now_ms()};
        ssize_t w = write(t->report_fd, &r, sizeof r);
        _exit(w == (ssize_t)sizeof r ? 0 : 1);
    }
}

static int sync_once(hh *h, timing *t, hh_sync_result *res, double *ms)
{
    hh_sync_options opt;
    int rc;

    memset(&opt, 0, sizeof opt);
    opt.timeout_ms = 120000;
    opt.progress = on_progress;
    opt.progress_ctx = t;
    t->push_ms = -1;
    t->t0 = now_ms();
    rc = hh_sync(h, &opt, res);
    *ms = now_ms() - t->t0;
    if (rc)
        fprintf(stderr, "bench_hh: sync: %s (%s)\n", hh_last_error(h),
                res->server_error);
    return rc;
}

static int cmd_sync(int argc, char **argv)
{
    uint64_t repeat = 1, add = 0;
    timing t = {0, -1, 0, -1, 0};
    hh *h;
    int rc = 0;

    for (int i = 3; i < argc; i += 2) {
        uint64_t *dst = strcmp(argv[i], "--repeat") == 0 ? &repeat
                        : strcmp(argv[i], "--add") == 0  ? &add
                                                         : NULL;
        if (dst == NULL ||
            parse_n(i + 1 < argc ? argv[i + 1] : NULL, 100000000, dst) != 0) {
            fprintf(stderr,
                    "usage: bench_hh sync DIR [--repeat R] [--add K]\n");
            return 2;
        }
    }
    if (argc < 3) {
        fprintf(stderr, "usage: bench_hh sync DIR [--repeat R] [--add K]\n");
        return 2;
    }
    if (open_store(argv[2], &h))
        return 1;
    for (uint64_t k = 0; k < repeat && rc == 0; k++) {
        hh_sync_result res;
        double ms, cpu;
        if (add && (rc = add_scans(h, add)) != 0)
            break;
        cpu = cpu_ms(RUSAGE_SELF);
        rc = sync_once(h, &t, &res, &ms);
        cpu = cpu_ms(RUSAGE_SELF) - cpu;
        if (rc == 0)
            printf("{\"ms\":%.3f,\"push_ms\":%.3f,\"pushed\":%" PRIu64
                   ",\"pulled\":%" PRIu64 ",\"resumed\":%d"
                   ",\"cpu_ms\":%.1f}\n",
                   ms, t.push_ms, res.pushed, res.pulled, res.tls_resumed, cpu);
        fflush(stdout);
    }
    hh_close(h);
    return rc ? 1 : 0;
}

/* A shift child: open the store, say ready, wait for the start, sync. */
static void shift_child(const char *dir, int index, int ready_fd, int go_fd,
                        int report_fd, int full)
{
    timing t = {0, -1, !full, report_fd, index};
    report r = {index, 0, 0, 0, 0, -1, -1};
    hh_sync_result res;
    double ms;
    char c = 'r';
    hh *h;

    if (open_store(dir, &h) != 0) {
        /* Still counts as ready, so the parent never waits for it. */
        r.rc = 1;
        c = 'x';
        if (write(ready_fd, &c, 1) != 1 ||
            write(report_fd, &r, sizeof r) != (ssize_t)sizeof r)
            _exit(1);
        _exit(1);
    }
    if (write(ready_fd, &c, 1) != 1 || read(go_fd, &c, 1) != 0)
        _exit(1); /* the parent closing go_fd is the start signal */
    r.rc = sync_once(h, &t, &res, &ms) ? 1 : 0;
    r.pushed = res.pushed;
    r.pulled = res.pulled;
    r.resumed = res.tls_resumed;
    r.push_end = t.push_ms >= 0 ? t.t0 + t.push_ms : -1;
    r.end = t.t0 + ms;
    hh_close(h);
    _exit(write(report_fd, &r, sizeof r) == (ssize_t)sizeof r && !r.rc ? 0 : 1);
}

static int cmd_shift(int argc, char **argv)
{
    int ready[2], go[2], rep[2], full = 0, first = 2, bad = 0;
    size_t n, got = 0;
    pid_t *pids;
    uint64_t pushed = 0, pulled = 0;
    double t0, push_end = 0, end = 0;
    char c;

    if (argc > 2 && strcmp(argv[2], "--full") == 0) {
        full = 1;
        first = 3;
    }
    n = argc > first ? (size_t)(argc - first) : 0;
    if (n == 0 || n > MAX_CLIENTS) {
        fprintf(stderr, "usage: bench_hh shift [--full] DIR...\n");
        return 2;
    }
    pids = calloc(n, sizeof *pids);
    if (pids == NULL || pipe(ready) || pipe(go) || pipe(rep)) {
        fprintf(stderr, "bench_hh: shift: %s\n", strerror(errno));
        free(pids);
        return 1;
    }
    fflush(stdout);
    for (size_t i = 0; i < n; i++) {
        pids[i] = fork();
        if (pids[i] < 0) {
            fprintf(stderr, "bench_hh: fork: %s\n", strerror(errno));
            bad = 1;
            n = i; /* wait for the ones started */
            break;
        }
        if (pids[i] == 0) {
            close(ready[0]);
            close(go[1]);
            close(rep[0]);
            shift_child(argv[first + (int)i], (int)i, ready[1], go[0], rep[1],
                        full);
        }
    }
    close(ready[1]);
    close(go[0]);
    close(rep[1]);
    /* Every child has opened its store (or failed to, and said so) before
     * the clock starts. */
    while (got < n && read(ready[0], &c, 1) == 1)
        got++;
    t0 = now_ms();
    close(go[1]);
    got = 0;
    for (report r; got < n && read(rep[0], &r, sizeof r) == sizeof r; got++) {
        if (r.rc) {
            bad = 1;
            continue;
        }
        pushed += r.pushed;
        pulled += r.pulled;
        if (r.push_end - t0 > push_end)
            push_end = r.push_end - t0;
        if (r.end - t0 > end)
            end = r.end - t0;
    }
    for (size_t i = 0; i < n; i++) {
        int st;
        if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) ||
            WEXITSTATUS(st) != 0)
            bad = 1;
    }
    if (got < n)
        bad = 1;
    free(pids);
    if (bad) {
        fprintf(stderr,
                "bench_hh: shift: %zu of %zu handhelds reported; some "
                "failed\n",
                got, n);
        return 1;
    }
    printf("{\"clients\":%zu,\"full\":%d,\"pushed\":%" PRIu64
           ",\"pulled\":%" PRIu64 ",\"push_wall_ms\":%.3f,\"wall_ms\":%.3f"
           ",\"cpu_ms\":%.1f}\n",
           n, full, pushed, pulled, push_end, end, cpu_ms(RUSAGE_CHILDREN));
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    signal(SIGPIPE, SIG_IGN);
    if (strcmp(cmd, "init") == 0)
        return cmd_init(argc, argv);
    if (strcmp(cmd, "add") == 0)
        return cmd_add(argc, argv);
    if (strcmp(cmd, "sync") == 0)
        return cmd_sync(argc, argv);
    if (strcmp(cmd, "shift") == 0)
        return cmd_shift(argc, argv);
    fprintf(stderr, "usage: bench_hh init|add|sync|shift ... (see the "
                    "comment at the top of bench/bench_hh.c)\n");
    return 2;
}
