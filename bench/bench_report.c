/* bench_report.c: how long `roundsd report KIND` takes on a site store of
 * 1,000,000 ops (docs/REPORTS.md, "Performance").
 *
 * Builds (once; cached in DIR, keyed by size) a site store of a month of an
 * estate's records: 8 handhelds and the office, mostly patrol scans on 3
 * routes, visits with their exits, vehicles, work orders with their steps
 * (some left open at each stage, some reopened), vacant-unit inspections
 * (some failed), handovers with acks, duty log notes; 2,000 units of which
 * 200 vacant. Ops are encoded with real chains (seq, prev_hash) and enter
 * the store through store_ingest in large write transactions, as a sync
 * would bring them. A follow-up step (an exit, a dispatch) is written right
 * after its record with its later device time.
 *
 * Then times every report, with a window of one day (the last) and one
 * month (all 30 days): each run in a child process (its peak RSS is the
 * report's), 3 runs, the median wall time. There is no PouchDB equivalent
 * of these reports (the peer only syncs documents), so no ratio is given.
 *
 * Usage: bench_report [--ops N] [--dir DIR] [--runs R]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../report/report.h"
#include "../server/registry.h"
#include "../server/report_devices.h"
#include "../storage/store.h"
#include "estate.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef int (*report_fn)(store_txn *, const rpt_params *, rpt_doc *);
static const char *g_data;

static int devices_fn(store_txn *txn, const rpt_params *p, rpt_doc *d)
{
    srv_registry *r;
    int rc = srv_registry_open(g_data, 0, &r);
    if (rc)
        return rc;
    rc = srv_report_devices(r, txn, p, d);
    srv_registry_close(r);
    return rc;
}

static const struct {
    const char *name;
    report_fn fn;
} kinds[] = {{"patrol", rpt_patrol},         {"inside", rpt_inside},
             {"workorders", rpt_workorders}, {"vacant", rpt_vacant},
             {"handover", rpt_handover},     {"devices", devices_fn},
             {"integrity", rpt_integrity}};

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Runs one report `runs` times in a child; prints its median, rows and
 * peak RSS. */
static void time_report(const char *sitedir, int k, const char *wname,
                        int64_t from, int64_t to, int runs)
{
    int fd[2];
    if (pipe(fd) != 0)
        exit(1);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        store *s;
        double t[16];
        int rc = store_open(sitedir, STORE_RDONLY, &s);
        uint64_t rows = 0;
        for (int r = 0; r < runs && rc == 0; r++) {
            store_txn *txn;
            rpt_doc d;
            memset(&d, 0, sizeof d);
            rpt_params p = {.site = "S1",
                            .from = from,
                            .to = to,
                            .now = START + DAYS * DAY,
                            .tz_min = 480,
                            .overstay_ms = RPT_OVERSTAY_DEFAULT_MS,
                            .vacant_days = RPT_VACANT_DEFAULT_DAYS};
            double a = now_s();
            if ((rc = store_read_begin(s, &txn)) == 0) {
                rc = kinds[k].fn(txn, &p, &d);
                store_read_end(txn);
            }
            t[r] = now_s() - a;
            rows = 0;
            for (uint32_t i = 0; i < d.nsections; i++)
                rows += rpt_section_rows(d.sections[i]);
            rpt_doc_free(&d);
        }
        qsort(t, (size_t)runs, sizeof *t, cmp_d);
        char line[128];
        int n = snprintf(line, sizeof line, "%d %.3f %" PRIu64, rc,
                         rc ? 0 : t[runs / 2], rows);
        if (write(fd[1], line, (size_t)n) != n)
            _exit(1);
        _exit(0);
    }
    close(fd[1]);
    char line[128] = "";
    ssize_t n = read(fd[0], line, sizeof line - 1);
    close(fd[0]);
    int status;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    int rc = -1;
    double secs = 0;
    uint64_t rows = 0;
    if (n > 0) {
        line[n] = '\0';
        sscanf(line, "%d %lf %" SCNu64, &rc, &secs, &rows);
    }
    if (rc)
        printf("%-11s %-6s %10s %10s %10s   (%s)\n", kinds[k].name, wname, "-",
               "-", "-", rc == -1 ? "crashed" : rnd_strerror(rc));
    else
        printf("%-11s %-6s %10.3f %10" PRIu64 " %10ld\n", kinds[k].name, wname,
               secs, rows, ru.ru_maxrss / 1024);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    uint64_t target = 1000000;
    const char *dir = "build-release/bench-report-v2";
    int runs = 3;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc)
            target = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else {
            fprintf(stderr,
                    "usage: bench_report [--ops N] [--dir DIR] [--runs R]\n"
                    "  times every `roundsd report` kind on a site store of "
                    "N ops (default 1000000),\n  built once and kept in "
                    "DIR-N (default build-release/bench-report-v2-N)\n");
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    if (runs < 1 || runs > 15)
        runs = 3;
    char data[4096], sitedir[4200], done[4300];
    snprintf(data, sizeof data, "%s-%" PRIu64, dir, target);
    snprintf(sitedir, sizeof sitedir, "%s/sites/S1", data);
    snprintf(done, sizeof done, "%s/.built", data);
    g_data = data;
    struct stat sb;
    if (stat(done, &sb) != 0) {
        if (store_mkdirs(sitedir) != 0) {
            fprintf(stderr, "bench_report: cannot make %s\n", sitedir);
            return 1;
        }
        store *s;
        int rc = store_open(sitedir, STORE_CREATE, &s);
        if (rc) {
            fprintf(stderr, "bench_report: %s: %s\n", sitedir,
                    rnd_strerror(rc));
            return 1;
        }
        fprintf(stderr, "building a site store of %" PRIu64 " ops in %s ...\n",
                target, sitedir);
        double a = now_s();
        est_build(s, target);
        store_close(s);
        fprintf(stderr, "built in %.1f s\n", now_s() - a);
        /* A registry with the 8 handhelds enrolled (never synced). */
        srv_registry *r;
        if ((rc = srv_registry_open(data, 1, &r)) != 0) {
            fprintf(stderr, "bench_report: registry: %s\n", rnd_strerror(rc));
            return 1;
        }
        /* Enrolled and bound to their device ids (as their first hello
         * does), so the report checks each one's chain. */
        for (int i = 0; i < NDEV; i++) {
            char cred[SRV_CRED_LEN + 1];
            srv_device out;
            const char *why;
            if (srv_registry_enroll(r, "S1", devs[i].name, START, cred) ||
                srv_registry_auth(r, "S1", 2, devs[i].name,
                                  strlen(devs[i].name), (const uint8_t *)cred,
                                  SRV_CRED_LEN, devs[i].id, 0, &out, &why)) {
                fprintf(stderr, "bench_report: cannot enroll %s\n",
                        devs[i].name);
                return 1;
            }
        }
        srv_registry_close(r);
        FILE *f = fopen(done, "w");
        if (f)
            fclose(f);
    }
    store *s;
    store_txn *txn;
    uint64_t nops = 0;
    if (store_open(sitedir, STORE_RDONLY, &s) == 0 &&
        store_read_begin(s, &txn) == 0) {
        store_op_count(txn, &nops);
        store_read_end(txn);
        store_close(s);
    }
    printf("bench_report: site store %s, %" PRIu64 " ops; median of %d runs "
           "per report\n",
           sitedir, nops, runs);
    printf("(no PouchDB equivalent: the peer has no reports, so no ratio)\n");
    printf("%-11s %-6s %10s %10s %10s\n", "report", "window", "median_s",
           "rows", "peak_MiB");
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        time_report(sitedir, (int)k, "day", START + (DAYS - 1) * DAY,
                    START + DAYS * DAY, runs);
        time_report(sitedir, (int)k, "month", START, START + DAYS * DAY, runs);
    }
    return 0;
}
