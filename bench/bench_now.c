/* bench_now.c: the library's side of the app benchmark (bench_app.sh,
 * docs/PERFORMANCE.md "The handheld app"), on a handheld store of
 * 1,000,000 ops: the site's month (estate.h) as the handheld's syncs
 * pulled it, plus what fills a Now: tech-li (a technician who patrols)
 * work orders dispatched to her, a handover to her pending.
 *
 * Times, each the median of R runs:
 *   now_ms     hh_report_now(json) as GET /api/now calls it (handle open)
 *   open_now_ms  hh_open + hh_report_now + hh_close in a fresh process:
 *              the library's part of the app's first screen
 *   scan_ms    hh_record("scan.record") of a typed tag: one durable commit,
 *              what POST /api/record of a scan waits for
 *
 * Usage: bench_now [--ops N] [--dir DIR] [--runs R]
 * The store is built into DIR-N (default build-release/bench-now-N),
 * its month ending at the machine's clock, and kept: remove it for a
 * fresh month (bench_app.sh does). Its path is the JSON's "store". One
 * line of JSON on stdout.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../handheld/handheld.h"
#include "../proto/pin.h"
#include "../proto/proto.h"
#include "../storage/store.h"
#include "estate.h"

#define HOUR 3600000LL
#define BENCH_PIN "2468" /* tech-li's PIN (bench_app.sh signs in with it) */
/* The benchmark's now: the machine's clock when it starts; the store's
 * month ends then (so `rounds app`, on the real clock, sees the same
 * month). */
static int64_t g_now;
#define NOW g_now

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_now: %s: %s\n", what, rnd_strerror(rc));
    exit(1);
}

/* tech-li's part of the store: rostered on R1 all day, 5 open orders
 * dispatched to her in the last hours, a handover to her pending. */
static void extras(store *s)
{
    dev *off = &devs[NDEV], *g0 = &devs[0];
    uint8_t id[PROTO_ENTITY_LEN] = {0};
    id[13] = 43;
    est_start(PROTO_KIND_ROSTER, PROTO_ACTION_CREATE, id);
    est_str("roster", "daily/day/route:R1");
    est_str("day", "daily");
    est_str("shift", "day");
    est_str("route", "R1");
    est_str("staff", "tech-li");
    est_str("start", "00:00");
    est_str("end", "00:00");
    est_str("by", "office");
    est_emit(s, off, START - DAY);
    /* Her staff record with PIN 2468: the app signs her in with it. */
    char hash[PROTO_PIN_HASH_MAX + 1];
    if (proto_pin_hash(BENCH_PIN, hash, sizeof hash) != 0)
        die("pin hash", RND_EINVAL);
    proto_md_entity_id(PROTO_KIND_STAFF, "S1", "tech-li", 7, id);
    est_start(PROTO_KIND_STAFF, PROTO_ACTION_CREATE, id);
    est_str("staff", "tech-li");
    est_str("name", "Li Na");
    est_str("role", "technician");
    est_str("pin_hash", hash);
    est_str("by", "office");
    est_emit(s, off, START - DAY);
    for (int k = 0; k < 5; k++) {
        int64_t t = NOW - (5 - k) * HOUR;
        est_new_id(id, t);
        est_start(PROTO_KIND_WORKORDER, PROTO_ACTION_CREATE, id);
        est_str("place", "1-1-101");
        est_str("category", "plumbing");
        est_str("description", "tap drips");
        est_str("priority", "normal");
        est_str("severity", "general");
        est_int("called_at", t - 60000);
        est_str("by", g0->name);
        est_emit(s, g0, t);
        est_start(PROTO_KIND_WORKORDER, PROTO_ACTION_DISPATCH, id);
        est_str("assignee", "tech-li");
        est_str("by", g0->name);
        est_emit(s, g0, t + 60000);
    }
    est_new_id(id, NOW - HOUR);
    est_start(PROTO_KIND_HANDOVER, PROTO_ACTION_CREATE, id);
    est_str("to", "tech-li");
    est_str("items", "master key=3;radio=2");
    est_str("by", g0->name);
    est_emit(s, g0, NOW - HOUR);
    est_flush(s);
}

static void build(const char *hhdir, uint64_t target)
{
    hh *h;
    int rc = hh_init(hhdir, "S1", "bench", &h);
    if (rc)
        die(hhdir, rc);
    if ((rc = hh_set_user(h, "tech-li")) != 0)
        die("user", rc);
    hh_close(h);
    store *s;
    if ((rc = store_open(hhdir, 0, &s)) != 0)
        die("store", rc);
    fprintf(stderr,
            "bench_now: building a handheld store of %" PRIu64
            " ops in %s ...\n",
            target, hhdir);
    double a = now_s();
    est_build(s, target);
    extras(s);
    store_close(s);
    fprintf(stderr, "bench_now: built in %.1f s\n", now_s() - a);
}

static int64_t clock_ms;
static int64_t fixed_clock(void *ctx)
{
    (void)ctx;
    return clock_ms += 1000;
}

/* hh_open + hh_report_now + hh_close in a child: its wall time, in ms. */
static double open_now(const char *hhdir)
{
    int fd[2];
    if (pipe(fd) != 0)
        exit(1);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        double a = now_s();
        hh *h;
        FILE *out = fopen("/dev/null", "w");
        hh_now_options o = {NOW, NULL, 480};
        int rc = hh_open(hhdir, &h);
        if (rc == 0)
            rc = hh_report_now(h, &o, "json", out);
        hh_close(h);
        double ms = rc ? -1 : (now_s() - a) * 1000;
        if (write(fd[1], &ms, sizeof ms) != sizeof ms)
            _exit(1);
        _exit(0);
    }
    close(fd[1]);
    double ms = -1;
    if (read(fd[0], &ms, sizeof ms) != sizeof ms)
        ms = -1;
    close(fd[0]);
    waitpid(pid, NULL, 0);
    return ms;
}

int main(int argc, char **argv)
{
    uint64_t target = 1000000;
    const char *dir = "build-release/bench-now";
    int runs = 21;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc)
            target = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_now [--ops N] [--dir DIR] "
                            "[--runs R]\n");
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    if (runs < 1 || runs > 1001)
        runs = 21;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    g_now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    est_t0 = g_now - DAYS * DAY;
    char base[4096], hhdir[4200], done[4300];
    snprintf(base, sizeof base, "%s-%" PRIu64, dir, target);
    snprintf(hhdir, sizeof hhdir, "%s/hh", base);
    snprintf(done, sizeof done, "%s/.built", base);
    /* Kept: .built holds the month's start it was built with. */
    FILE *f = fopen(done, "r");
    long long t0;
    if (f && fscanf(f, "%lld", &t0) == 1) {
        est_t0 = t0;
    } else {
        if (store_mkdirs(base) != 0) {
            fprintf(stderr, "bench_now: cannot make %s\n", base);
            return 1;
        }
        build(hhdir, target);
        FILE *w = fopen(done, "w");
        if (w) {
            fprintf(w, "%lld\n", (long long)est_t0);
            fclose(w);
        }
    }
    if (f)
        fclose(f);
    if (g_now > est_t0 + DAYS * DAY + DAY)
        fprintf(stderr,
                "bench_now: %s was built %.1f days ago: remove it "
                "for a store whose month ends now\n",
                base, (double)(g_now - est_t0 - DAYS * DAY) / DAY);

    hh *h;
    int rc = hh_open(hhdir, &h);
    if (rc)
        die(hhdir, rc);
    hh_status_info st;
    if ((rc = hh_status(h, &st)) != 0)
        die("status", rc);
    double *t = calloc((size_t)runs, sizeof *t);
    char *doc = NULL;
    size_t doclen = 0;
    hh_now_options o = {NOW, NULL, 480};
    for (int r = 0; r < runs; r++) {
        FILE *mem = open_memstream(&doc, &doclen);
        double a = now_s();
        rc = hh_report_now(h, &o, "json", mem);
        t[r] = (now_s() - a) * 1000;
        fclose(mem);
        if (rc)
            die("hh_report_now", rc);
        if (r + 1 < runs)
            free(doc);
    }
    qsort(t, (size_t)runs, sizeof *t, cmp_d);
    double now_ms = t[runs / 2], now_max = t[runs - 1];

    for (int r = 0; r < runs; r++)
        t[r] = open_now(hhdir);
    qsort(t, (size_t)runs, sizeof *t, cmp_d);
    double open_ms = t[runs / 2];

    clock_ms = NOW;
    hh_set_clock(h, fixed_clock, NULL);
    /* She has a PIN: her records need her signed in. */
    if ((rc = hh_signin(h, "tech-li", BENCH_PIN)) != 0) {
        fprintf(stderr, "bench_now: signin: %s\n", hh_last_error(h));
        return 1;
    }
    hh_kv kv[] = {{"tag", "CP-01"}, {"route", "R1"}};
    for (int r = 0; r < runs; r++) {
        double a = now_s();
        rc = hh_record(h, "scan.record", NULL, kv, 2, NULL, NULL);
        t[r] = (now_s() - a) * 1000;
        if (rc) {
            fprintf(stderr, "bench_now: scan: %s\n", hh_last_error(h));
            return 1;
        }
    }
    qsort(t, (size_t)runs, sizeof *t, cmp_d);
    double scan_ms = t[runs / 2], scan_max = t[runs - 1];
    hh_close(h);
    printf("{\"store\":\"%s\",\"now\":%" PRId64 ",\"ops\":%" PRIu64
           ",\"runs\":%d,\"now_ms\":%.3f,"
           "\"now_max_ms\":%.3f,\"open_now_ms\":%.3f,\"scan_ms\":%.3f,"
           "\"scan_max_ms\":%.3f,\"now_bytes\":%zu}\n",
           hhdir, NOW, st.ops_total, runs, now_ms, now_max, open_ms, scan_ms,
           scan_max, doclen);
    fprintf(stderr, "bench_now: the Now document: %.*s\n",
            (int)(doclen > 600 ? 600 : doclen), doc);
    free(doc);
    free(t);
    return 0;
}
