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

#define DAY 86400000LL
#define START 1793491200000LL /* 2026-11-01T00:00:00Z */
#define DAYS 30
#define NDEV 8
#define NUNITS 2000
#define BATCH 20000

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

typedef struct dev {
    uint64_t id, seq, hlc;
    uint8_t prev[PROTO_HASH_LEN];
    char name[16];
} dev;

static dev devs[NDEV + 1]; /* [NDEV] is the office */

/* The batch being built: encoded ops back to back. */
static uint8_t *bbuf;
static size_t blen, bcap, bn;
static size_t *boff;
static uint64_t total;

static int ingest_fn(store_txn *txn, void *ctx)
{
    (void)ctx;
    for (size_t i = 0; i < bn; i++) {
        size_t end = i + 1 < bn ? boff[i + 1] : blen;
        int added;
        int rc = store_ingest(txn, bbuf + boff[i], end - boff[i],
                              (int64_t)START, &added);
        if (rc)
            return rc;
    }
    return 0;
}

static void flush(store *s)
{
    if (bn == 0)
        return;
    int rc = store_write(s, ingest_fn, NULL);
    if (rc) {
        fprintf(stderr, "bench_report: ingest: %s\n", rnd_strerror(rc));
        exit(1);
    }
    bn = blen = 0;
}

static void emit_op(store *s, dev *d, proto_op *op, int64_t wall)
{
    op->version = PROTO_OP_VERSION;
    op->device_id = d->id;
    op->seq = ++d->seq;
    uint64_t h = PROTO_HLC_MAKE(wall, 0);
    d->hlc = h > d->hlc ? h : d->hlc + 1;
    op->hlc = d->hlc;
    op->wall_ms = wall;
    memcpy(op->prev_hash, d->prev, PROTO_HASH_LEN);
    if (blen + PROTO_OP_MAX_BYTES > bcap) {
        bcap = bcap ? bcap * 2 : (8u << 20);
        bbuf = realloc(bbuf, bcap);
    }
    if (boff == NULL)
        boff = malloc(BATCH * sizeof *boff);
    if (bbuf == NULL || boff == NULL) {
        fprintf(stderr, "bench_report: out of memory\n");
        exit(1);
    }
    size_t len;
    int rc = proto_op_encode(op, bbuf + blen, bcap - blen, &len);
    if (rc) {
        fprintf(stderr, "bench_report: encode: %s\n", rnd_strerror(rc));
        exit(1);
    }
    proto_op_hash(bbuf + blen, len, d->prev);
    boff[bn++] = blen;
    blen += len;
    total++;
    if (bn == BATCH)
        flush(s);
}

static void new_id(uint8_t id[PROTO_ENTITY_LEN], int64_t wall)
{
    for (int i = 5; i >= 0; i--, wall >>= 8)
        id[i] = (uint8_t)wall;
    uint64_t a = rnd(), b = rnd();
    memcpy(id + 6, &a, 8);
    memcpy(id + 14, &b, 2);
}

static proto_op op;
static char sbuf[8][64];

static void start(int kind, int action, const uint8_t *id)
{
    proto_op_init(&op);
    op.kind = (uint8_t)kind;
    op.action = (uint8_t)action;
    memcpy(op.entity, id, PROTO_ENTITY_LEN);
}
static void fstr(const char *k, const char *v)
{
    proto_op_add_str(&op, k, v, strlen(v));
}

static char units[NUNITS][24];

static void build(store *s, uint64_t target)
{
    /* The office: the units, 10% vacant. */
    dev *off = &devs[NDEV];
    for (int u = 0; u < NUNITS; u++) {
        uint8_t id[16] = {0};
        snprintf(units[u], sizeof units[u], "%d-%d-%d", u / 200 + 1,
                 u / 40 % 5 + 1, u % 40 + 101);
        uint64_t r = rnd();
        memcpy(id + 6, &r, 8);
        memcpy(id + 14, &u, 2);
        start(PROTO_KIND_UNIT, PROTO_ACTION_CREATE, id);
        fstr("unit", units[u]);
        snprintf(sbuf[0], 64, "C%d", u / 200 + 1);
        fstr("cluster", sbuf[0]);
        proto_op_add_bool(&op, "vacant", u % 10 == 0);
        fstr("by", "office");
        emit_op(s, off, &op, START - DAY);
    }
    /* Three patrol routes over the 40 checkpoints the scans use, every
     * 2 hours with a 15-minute window, from the day before. */
    static char tags[40 * 6];
    size_t tl = 0;
    for (int c = 0; c < 40; c++) {
        uint8_t id[16] = {0};
        char tag[8];
        snprintf(tag, sizeof tag, "CP-%02d", c);
        tl += (size_t)snprintf(tags + tl, sizeof tags - tl, "%s%s",
                               c ? "," : "", tag);
        id[13] = 35;
        id[15] = (uint8_t)c;
        start(PROTO_KIND_CHECKPOINT, PROTO_ACTION_CREATE, id);
        fstr("tag", tag);
        fstr("name", tag);
        fstr("by", "office");
        emit_op(s, off, &op, START - DAY);
    }
    for (int r = 1; r <= 3; r++) {
        uint8_t id[16] = {0};
        id[13] = 34;
        id[15] = (uint8_t)r;
        snprintf(sbuf[0], 64, "R%d", r);
        start(PROTO_KIND_ROUTE, PROTO_ACTION_CREATE, id);
        fstr("route", sbuf[0]);
        fstr("name", sbuf[0]);
        proto_op_add_int(&op, "interval_min", 120);
        proto_op_add_int(&op, "window_min", 15);
        fstr("checkpoints", tags);
        proto_op_add_int(&op, "checkpoint_count", 40);
        fstr("by", "office");
        emit_op(s, off, &op, START - DAY);
    }
    /* Everything else, spread evenly over the 30 days. */
    uint64_t base = total;
    uint64_t left = target > total ? target - total : 0;
    int64_t span = DAYS * DAY;
    while (total < target) {
        /* Time follows the ops written, not the records (a record may
         * write several ops), so the 30 days are filled to the end. */
        int64_t t =
            START + (int64_t)((double)(total - base) / (double)left * span);
        dev *d = &devs[rnd() % NDEV];
        uint8_t id[16];
        new_id(id, t);
        unsigned pick = (unsigned)(rnd() % 1000);
        if (pick < 700) { /* a scan */
            start(PROTO_KIND_SCAN, PROTO_ACTION_CREATE, id);
            snprintf(sbuf[0], 64, "CP-%02u", (unsigned)(rnd() % 40));
            snprintf(sbuf[1], 64, "R%u", (unsigned)(rnd() % 3 + 1));
            fstr("tag", sbuf[0]);
            fstr("route", sbuf[1]);
            fstr("method", "nfc");
            proto_op_add_bool(&op, "anomaly", rnd() % 50 == 0);
            fstr("by", d->name);
            emit_op(s, d, &op, t);
        } else if (pick < 820) { /* a visit and (mostly) its exit */
            start(PROTO_KIND_VISIT, PROTO_ACTION_CREATE, id);
            fstr("name", "visitor");
            fstr("id_type", "id_card");
            fstr("id_no", "110101199001011234");
            fstr("unit", units[rnd() % NUNITS]);
            fstr("purpose", "visit");
            fstr("gate", "A");
            fstr("by", d->name);
            emit_op(s, d, &op, t);
            if (rnd() % 20) {
                start(PROTO_KIND_VISIT, PROTO_ACTION_EXIT, id);
                fstr("exit_gate", "A");
                fstr("exit_by", d->name);
                emit_op(s, d, &op, t + (int64_t)(rnd() % (3 * 3600000)));
            }
        } else if (pick < 880) { /* a vehicle and its exit */
            start(PROTO_KIND_VEHICLE, PROTO_ACTION_CREATE, id);
            fstr("plate", "A12345");
            fstr("type", "car");
            fstr("by", d->name);
            emit_op(s, d, &op, t);
            if (rnd() % 20) {
                start(PROTO_KIND_VEHICLE, PROTO_ACTION_EXIT, id);
                fstr("exit_by", d->name);
                emit_op(s, d, &op, t + (int64_t)(rnd() % (2 * 3600000)));
            }
        } else if (pick < 940) { /* a work order and its steps */
            static const char *cats[] = {"plumbing",  "electrical",
                                         "elevator",  "door_window",
                                         "complaint", "public_lighting"};
            start(PROTO_KIND_WORKORDER, PROTO_ACTION_CREATE, id);
            fstr("place", units[rnd() % NUNITS]);
            fstr("category", cats[rnd() % 6]);
            fstr("description", "fault");
            int urgent = rnd() % 10 == 0;
            fstr("priority", urgent ? "urgent" : "normal");
            if (urgent)
                fstr("urgent_reason", "pump_pipe_leak");
            fstr("severity", "general");
            proto_op_add_int(&op, "called_at", t - 60000);
            fstr("by", d->name);
            emit_op(s, d, &op, t);
            static const int acts[] = {
                PROTO_ACTION_DISPATCH, PROTO_ACTION_ARRIVE,
                PROTO_ACTION_COMPLETE, PROTO_ACTION_CALLBACK,
                PROTO_ACTION_CLOSE};
            int n = (int)(rnd() % 20); /* most go all the way */
            n = n < 5 ? n : 5;
            int64_t st = t;
            for (int k = 0; k < n; k++) {
                st += (int64_t)(rnd() % (40 * 60000)) + 60000;
                start(PROTO_KIND_WORKORDER, (uint8_t)acts[k], id);
                if (acts[k] == PROTO_ACTION_DISPATCH)
                    fstr("assignee", "zhang");
                if (acts[k] == PROTO_ACTION_CALLBACK)
                    fstr("satisfaction",
                         rnd() % 30 ? "satisfied" : "unsatisfied");
                fstr("by", d->name);
                emit_op(s, d, &op, st);
            }
        } else if (pick < 960) { /* an inspection of a vacant unit */
            start(PROTO_KIND_INSPECTION, PROTO_ACTION_CREATE, id);
            fstr("unit", units[(rnd() % (NUNITS / 10)) * 10]);
            fstr("doors_windows", "ok");
            fstr("water", rnd() % 20 ? "ok" : "fail");
            fstr("power", "ok");
            fstr("by", d->name);
            emit_op(s, d, &op, t);
        } else if (pick < 970) { /* a handover and its ack */
            start(PROTO_KIND_HANDOVER, PROTO_ACTION_CREATE, id);
            fstr("to", "next-shift");
            fstr("notes", "all quiet");
            fstr("by", d->name);
            emit_op(s, d, &op, t);
            start(PROTO_KIND_HANDOVER, PROTO_ACTION_ACK, id);
            fstr("ack_by", "next-shift");
            emit_op(s, d, &op, t + 600000);
        } else { /* a duty log note */
            start(PROTO_KIND_DUTYLOG, PROTO_ACTION_CREATE, id);
            fstr("text", "round done, nothing to report");
            fstr("by", d->name);
            emit_op(s, d, &op, t);
        }
    }
    flush(s);
}

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
        for (int i = 0; i <= NDEV; i++) {
            devs[i].id = 0x1000 + (uint64_t)i * 0x1111;
            snprintf(devs[i].name, sizeof devs[i].name,
                     i < NDEV ? "guard-%d" : "office", i);
        }
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
        build(s, target);
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
