/* bench_board.c: the office board's data (GET /api/board's server time) on
 * a site store of 1,000,000 ops, beside the named peer measured in the
 * same run (docs/PERFORMANCE.md, "The office board"; issue 17's target:
 * under 200 ms).
 *
 * The site store is bench_report's (a month of an estate, estate.h), built
 * once into DIR-N and shared with it, with the registry of its 8 handhelds.
 * Timed, each the median of RUNS (default 21) in this process with the
 * store open (as the dashboard process keeps it): the whole board as the
 * handler makes it (dash_board_devices, dash_board_rest, every table
 * written as JSON into memory), and each of its parts alone. "now" is the
 * month's end (2026-12-01T08:00+08:00: the morning shift change), the
 * night 18:00-06:00 before it.
 *
 * The peer (--peer-js FILE, run with node; scripts/bench.sh board sets it
 * up): PouchDB (pouchdb-node, LevelDB) holding the same number of
 * documents in the estate's mix, with the board's three queries an app
 * on it would make: a Mango find of the open work orders (index on kind
 * and status), a find of the visits still inside, and an allDocs of the
 * night's scans. It computes no clocks, rounds or device state: the peer
 * does less.
 *
 * Usage: bench_board [--ops N] [--dir DIR] [--runs R] [--peer-js FILE]
 *                    [--peer-dir DIR]
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../dash/board.h"
#include "../server/admin.h"
#include "../server/registry.h"
#include "../storage/store.h"
#include "estate.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of this process: what the board costs whatever else the
 * machine runs (wall time on a shared machine is not the board's alone). */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return v[n / 2];
}

/* The site store and registry of bench_report, built once. */
static int build(const char *data, const char *sitedir, uint64_t target)
{
    char done[4300];
    snprintf(done, sizeof done, "%s/.built", data);
    struct stat sb;
    if (stat(done, &sb) == 0)
        return 0;
    if (store_mkdirs(sitedir) != 0) {
        fprintf(stderr, "bench_board: cannot make %s\n", sitedir);
        return 1;
    }
    store *s;
    int rc = store_open(sitedir, STORE_CREATE, &s);
    if (rc) {
        fprintf(stderr, "bench_board: %s: %s\n", sitedir, rnd_strerror(rc));
        return 1;
    }
    fprintf(stderr, "building a site store of %" PRIu64 " ops in %s ...\n",
            target, sitedir);
    double a = now_ms();
    est_build(s, target);
    store_close(s);
    fprintf(stderr, "built in %.1f s\n", (now_ms() - a) / 1e3);
    srv_registry *r;
    if ((rc = srv_registry_open(data, 1, &r)) != 0) {
        fprintf(stderr, "bench_board: registry: %s\n", rnd_strerror(rc));
        return 1;
    }
    for (int i = 0; i < NDEV; i++) {
        char cred[SRV_CRED_LEN + 1];
        srv_device out;
        const char *why;
        if (srv_registry_enroll(r, "S1", devs[i].name, START, cred) ||
            srv_registry_auth(r, "S1", 2, devs[i].name, strlen(devs[i].name),
                              (const uint8_t *)cred, SRV_CRED_LEN, devs[i].id,
                              0, &out, &why)) {
            fprintf(stderr, "bench_board: cannot enroll %s\n", devs[i].name);
            return 1;
        }
    }
    srv_registry_close(r);
    FILE *f = fopen(done, "w");
    if (f)
        fclose(f);
    return 0;
}

/* The board as the handler makes it: the tables, then their JSON. *rows:
 * rows in all; *bytes: the JSON's size. */
static int board_once(const dash_src *src, srv_registry *reg, uint64_t *rows,
                      size_t *bytes)
{
    rpt_doc d;
    int rc = dash_board_devices(src, reg, &d);
    if (rc == 0)
        rc = dash_board_rest(src, &d);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (rc == 0 && f) {
        rpt_jw j;
        rpt_jw_init(&j, f);
        rpt_jw_obj(&j);
        *rows = 0;
        for (uint32_t i = 0; i < d.nsections; i++) {
            rpt_jw_key(&j, rpt_section_name(d.sections[i]));
            dash_table_json(&j, d.sections[i], src->tz_min, "zh-CN");
            *rows += rpt_section_rows(d.sections[i]);
        }
        rpt_jw_end(&j);
    }
    if (f)
        fclose(f);
    *bytes = len;
    free(buf);
    rpt_doc_free(&d);
    return rc;
}

/* One part of the board alone: the devices (with the registry), or the
 * rest with every section but one dropped is not possible from outside,
 * so the parts are timed through the reports they read. */
typedef int (*part_fn)(const dash_src *, srv_registry *, rpt_doc *);

static int part_devices(const dash_src *s, srv_registry *r, rpt_doc *d)
{
    return dash_board_devices(s, r, d);
}

static int part_report(const dash_src *s, const char *name, int64_t from,
                       int64_t to, rpt_doc *d)
{
    return dash_report(s, NULL, name, from, to, d);
}

static int part_inside(const dash_src *s, srv_registry *r, rpt_doc *d)
{
    (void)r;
    return part_report(s, "inside", s->now - DASH_STALE_MS, s->now + 1, d);
}

static int part_patrol(const dash_src *s, srv_registry *r, rpt_doc *d)
{
    (void)r;
    int64_t f, t;
    dash_board_night(s->now, s->tz_min, &f, &t);
    return part_report(s, "patrol", f, t, d);
}

static int part_workorders(const dash_src *s, srv_registry *r, rpt_doc *d)
{
    (void)r;
    rpt_params p = {.site = s->site,
                    .from = s->now,
                    .to = s->now + 1,
                    .now = s->now,
                    .tz_min = s->tz_min,
                    .open_only = 1};
    store_txn *txn;
    rpt_doc_init(d, "workorders", "", s->site, p.from, p.to, p.now, p.tz_min);
    int rc = store_read_begin(s->st, &txn);
    if (rc == 0) {
        rc = rpt_workorders_open(txn, &p, d);
        store_read_end(txn);
    }
    return rc;
}

static int none_cb(const fold_state *st, void *ctx)
{
    (void)st, (void)ctx;
    return 0;
}

static int part_conflicts(const dash_src *s, srv_registry *r, rpt_doc *d)
{
    (void)r;
    memset(d, 0, sizeof *d);
    return srv_admin_conflicts(s->st, none_cb, NULL);
}

static int part_tables(const dash_src *s, srv_registry *r, rpt_doc *d)
{
    return dash_board(s, r, d);
}

/* A number after "key": in a JSON line, or -1. */
static double json_num(const char *line, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(line, pat);
    return p ? atof(p + strlen(pat)) : -1;
}

int main(int argc, char **argv)
{
    uint64_t target = 1000000;
    const char *dir = "build-release/bench-report-v2", *peer_js = NULL,
               *peer_dir = "build-release/bench-board-peer";
    int runs = 21;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc)
            target = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--peer-js") == 0 && i + 1 < argc)
            peer_js = argv[++i];
        else if (strcmp(argv[i], "--peer-dir") == 0 && i + 1 < argc)
            peer_dir = argv[++i];
        else {
            fprintf(stderr,
                    "usage: bench_board [--ops N] [--dir DIR] [--runs R] "
                    "[--peer-js FILE] [--peer-dir DIR]\n"
                    "  times the office board's data on a site store of N "
                    "ops (default 1000000),\n  built once into DIR-N "
                    "(default build-release/bench-report-v2-N, shared with\n"
                    "  bench_report); with --peer-js, the PouchDB peer's "
                    "board queries\n  on N documents in the same run\n");
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    if (runs < 1 || runs > 101)
        runs = 21;
    char data[4096], sitedir[4200];
    snprintf(data, sizeof data, "%s-%" PRIu64, dir, target);
    snprintf(sitedir, sizeof sitedir, "%s/sites/S1", data);
    if (build(data, sitedir, target))
        return 1;

    store *st;
    srv_registry *reg;
    int rc = store_open(sitedir, STORE_RDONLY, &st);
    if (rc == 0)
        rc = srv_registry_open(data, 0, &reg);
    if (rc) {
        fprintf(stderr, "bench_board: %s: %s\n", data, rnd_strerror(rc));
        return 1;
    }
    uint64_t nops = 0;
    store_txn *txn;
    if (store_read_begin(st, &txn) == 0) {
        store_op_count(txn, &nops);
        store_read_end(txn);
    }
    dash_src src = {.st = st,
                    .site = "S1",
                    .now = START + DAYS * DAY, /* 08:00 at +08:00 */
                    .tz_min = 480};

    /* The whole board, as GET /api/board makes it. */
    double *t = calloc((size_t)runs, sizeof *t);
    double *cpu = calloc((size_t)runs, sizeof *cpu);
    uint64_t rows = 0;
    size_t bytes = 0;
    /* The first board after the process starts also walks every entity
     * for conflicts (board.c keeps them from then on). */
    double first = now_ms();
    board_once(&src, reg, &rows, &bytes);
    double first_ms = now_ms() - first;
    for (int r = 0; r < runs; r++) {
        double a = now_ms(), c = cpu_ms();
        if ((rc = board_once(&src, reg, &rows, &bytes)) != 0) {
            fprintf(stderr, "bench_board: the board: %s\n", rnd_strerror(rc));
            return 1;
        }
        t[r] = now_ms() - a;
        cpu[r] = cpu_ms() - c;
    }
    double board_ms = median(t, runs), board_cpu = median(cpu, runs);
    free(cpu);

    static const struct {
        const char *name;
        part_fn fn;
    } parts[] = {{"devices (8 handhelds)", part_devices},
                 {"inside (report inside)", part_inside},
                 {"patrol (report patrol, the night)", part_patrol},
                 {"workorders (rpt_workorders_open)", part_workorders},
                 {"conflicts walked in full (the first board)", part_conflicts},
                 {"the tables without their JSON", part_tables}};
    enum { NPARTS = sizeof parts / sizeof *parts };
    double part_ms[NPARTS];
    for (int k = 0; k < NPARTS; k++) {
        for (int r = 0; r < runs; r++) {
            rpt_doc d;
            double a = now_ms();
            rc = parts[k].fn(&src, reg, &d);
            t[r] = now_ms() - a;
            rpt_doc_free(&d);
            if (rc) {
                fprintf(stderr, "bench_board: %s: %s\n", parts[k].name,
                        rnd_strerror(rc));
                return 1;
            }
        }
        part_ms[k] = median(t, runs);
    }
    free(t);
    srv_registry_close(reg);
    store_close(st);

    /* The peer, in the same run. */
    char line[4096] = "";
    if (peer_js) {
        char cmd[8192];
        snprintf(cmd, sizeof cmd,
                 "node '%s' --dir '%s' --docs %" PRIu64 " --runs %d", peer_js,
                 peer_dir, nops, runs);
        fprintf(stderr,
                "bench_board: the PouchDB peer on %" PRIu64 " docs ...\n",
                nops);
        FILE *p = popen(cmd, "r");
        if (p == NULL || fgets(line, sizeof line, p) == NULL)
            line[0] = '\0';
        if (p && pclose(p) != 0)
            line[0] = '\0';
        if (line[0] == '\0')
            fprintf(stderr, "bench_board: the peer failed\n");
    }
    double peer_board = line[0] ? json_num(line, "board_ms") : -1;

    printf("bench_board: site store %s, %" PRIu64 " ops; median of %d runs; "
           "now 2026-12-01T08:00+08:00, night 18:00-06:00\n",
           sitedir, nops, runs);
    printf("%-44s %10s %10s %8s\n", "figure", "ours_ms", "peer_ms", "ratio");
    if (peer_board > 0)
        printf("%-44s %10.1f %10.1f %8.2f\n", "board (GET /api/board's data)",
               board_ms, peer_board, board_ms / peer_board);
    else
        printf("%-44s %10.1f %10s %8s\n", "board (GET /api/board's data)",
               board_ms, "-", "-");
    printf("  rows %" PRIu64 ", JSON %zu bytes; target < 200 ms: %s\n", rows,
           bytes, board_ms < 200 ? "met" : "NOT met");
    printf("  %-42s %10.1f\n", "its CPU time (median)", board_cpu);
    printf("  %-42s %10.1f\n", "the first board after start (once)", first_ms);
    for (int k = 0; k < NPARTS; k++)
        printf("  %-42s %10.1f\n", parts[k].name, part_ms[k]);
    if (peer_board > 0) {
        printf("  peer: %s\n", line[0] ? "pouchdb-node-9 (LevelDB)" : "-");
        printf("  %-42s %10s %10.1f\n", "peer: find open work orders", "",
               json_num(line, "open_wo_ms"));
        printf("  %-42s %10s %10.1f\n", "peer: find visits inside", "",
               json_num(line, "inside_ms"));
        printf("  %-42s %10s %10.1f\n", "peer: allDocs of the night's scans",
               "", json_num(line, "night_ms"));
        printf("  peer rows: open orders %.0f, inside %.0f, night scans "
               "%.0f\n",
               json_num(line, "open_wo_rows"), json_num(line, "inside_rows"),
               json_num(line, "night_rows"));
    }
    return 0;
}
