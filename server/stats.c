/* stats.c: see stats.h. */
#include "stats.h"

#include "../proto/clock.h"
#include "../report/jsonread.h"
#include "../report/render.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

const uint64_t srv_stats_bucket_us[SRV_STATS_NBUCKETS - 1] = {
    100,   250,   500,   1000,   2500,   5000,
    10000, 25000, 50000, 100000, 250000, 1000000};

static struct {
    srv_stats_snap c; /* the counters (pid, times, percentiles unused) */
    uint64_t conns_closed;
    uint64_t window[SRV_STATS_WINDOW]; /* the last commits' latencies */
    uint64_t nwindow;                  /* commits ever put in the window */
} g;

/* srv_stats_set_extra: kept apart from g, which a reset zeroes. */
static void (*extra_fill)(void *ctx, srv_stats_snap *s);
static void *extra_ctx;

void srv_stats_set_extra(void (*fill)(void *ctx, srv_stats_snap *s), void *ctx)
{
    extra_fill = fill;
    extra_ctx = ctx;
}

/* ---- hooks -------------------------------------------------------------- */

void srv_stats_reset(int64_t now_ms)
{
    memset(&g, 0, sizeof g);
    g.c.started_ms = now_ms;
}

void srv_stats_conn_accepted(int busy)
{
    g.c.conns_accepted++;
    if (busy)
        g.c.conns_refused_busy++;
}

void srv_stats_conn_refused(void)
{
    g.c.conns_refused_busy++;
}

void srv_stats_conn_closed(void)
{
    g.conns_closed++;
}

void srv_stats_error(int err)
{
    if (err < 0 && err > RND_ERROR_BASE_ && err < RND_ERROR_END_)
        g.c.errors[err - RND_ERROR_BASE_ - 1]++;
}

void srv_stats_session_end(int hello, int result, uint64_t ops_in,
                           uint64_t ops_out)
{
    if (hello) {
        if (result == 0)
            g.c.syncs_ok++;
        else
            g.c.syncs_failed++;
    }
    g.c.ops_in += ops_in;
    g.c.ops_out += ops_out;
    /* A peer that went away before saying HELLO (a port scan, a TLS
     * failure already counted) is not an error of the server's. */
    if (result != 0 && (hello || result != RND_ECLOSED))
        srv_stats_error(result);
}

void srv_stats_bytes(uint64_t in, uint64_t out)
{
    g.c.bytes_in += in;
    g.c.bytes_out += out;
}

void srv_stats_upload_wait(void)
{
    g.c.upload_waits++;
}

uint64_t srv_stats_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void srv_stats_commit(uint64_t us)
{
    g.c.commits++;
    g.c.commit_sum_us += us;
    if (us > g.c.commit_max_us)
        g.c.commit_max_us = us;
    int b = 0;
    while (b < SRV_STATS_NBUCKETS - 1 && us > srv_stats_bucket_us[b])
        b++;
    g.c.buckets[b]++;
    g.window[g.nwindow++ % SRV_STATS_WINDOW] = us;
}

/* ---- snapshots ---------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest value with at least pct% of the window at
 * or below it. */
static uint64_t rank(const uint64_t *sorted, uint64_t n, unsigned pct)
{
    if (n == 0)
        return 0;
    uint64_t r = (n * pct + 99) / 100;
    return sorted[r ? r - 1 : 0];
}

void srv_stats_snapshot(srv_stats_snap *out, int64_t now_ms, int running)
{
    uint64_t sorted[SRV_STATS_WINDOW]; /* 8 KB: on the stack, not shared */
    *out = g.c;
    out->pid = (int64_t)getpid();
    out->running = running;
    out->written_ms = now_ms;
    out->conns_open = g.c.conns_accepted - g.conns_closed;
    uint64_t n =
        g.nwindow < SRV_STATS_WINDOW ? g.nwindow : (uint64_t)SRV_STATS_WINDOW;
    memcpy(sorted, g.window, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_u64);
    out->commit_p50_us = rank(sorted, n, 50);
    out->commit_p99_us = rank(sorted, n, 99);
    if (extra_fill)
        extra_fill(extra_ctx, out);
}

/* ---- JSON --------------------------------------------------------------- */

/* s as a JSON string (the shipper's last error: PostgreSQL's words). */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void srv_stats_print_json(const srv_stats_snap *s, int serving, FILE *f)
{
    int64_t up = s->written_ms - s->started_ms;
    fprintf(f, "{\"version\":1,\"pid\":%" PRId64 ",\"running\":%s,", s->pid,
            s->running ? "true" : "false");
    if (serving >= 0)
        fprintf(f, "\"serving\":%s,", serving ? "true" : "false");
    fprintf(
        f,
        "\"started_ms\":%" PRId64 ",\"written_ms\":%" PRId64
        ",\"uptime_s\":%" PRId64 ",\"connections\":{\"accepted\":%" PRIu64
        ",\"open\":%" PRIu64 ",\"refused_busy\":%" PRIu64
        ",\"upload_waits\":%" PRIu64 "},\"syncs\":{\"ok\":%" PRIu64
        ",\"failed\":%" PRIu64 "},\"ops\":{\"in\":%" PRIu64 ",\"out\":%" PRIu64
        "},\"bytes\":{\"in\":%" PRIu64 ",\"out\":%" PRIu64 "},\"errors\":{",
        s->started_ms, s->written_ms, up > 0 ? up / 1000 : 0, s->conns_accepted,
        s->conns_open, s->conns_refused_busy, s->upload_waits, s->syncs_ok,
        s->syncs_failed, s->ops_in, s->ops_out, s->bytes_in, s->bytes_out);
    int n = 0;
    for (int i = 0; i < SRV_STATS_NERR; i++)
        if (s->errors[i])
            fprintf(f, "%s\"%s\":%" PRIu64, n++ ? "," : "",
                    rnd_errname(RND_ERROR_BASE_ + 1 + i), s->errors[i]);
    fprintf(f,
            "},\"commits\":{\"count\":%" PRIu64 ",\"sum_us\":%" PRIu64
            ",\"p50_us\":%" PRIu64 ",\"p99_us\":%" PRIu64 ",\"max_us\":%" PRIu64
            ",\"buckets_us\":{",
            s->commits, s->commit_sum_us, s->commit_p50_us, s->commit_p99_us,
            s->commit_max_us);
    for (int b = 0; b < SRV_STATS_NBUCKETS; b++) {
        if (b < SRV_STATS_NBUCKETS - 1)
            fprintf(f, "\"%" PRIu64 "\":%" PRIu64 ",", srv_stats_bucket_us[b],
                    s->buckets[b]);
        else
            fprintf(f, "\"inf\":%" PRIu64, s->buckets[b]);
    }
    fprintf(f, "}}");
    if (s->ship_enabled) {
        fprintf(f,
                ",\"ship\":{\"connected\":%s,\"positions_known\":%s,"
                "\"ops\":%" PRIu64 ",\"records\":%" PRIu64 ",\"txns\":%" PRIu64
                ",\"behind\":%" PRIu64 ",\"lag_ms\":%" PRIu64
                ",\"errors\":%" PRIu64 ",\"last_error_ms\":%" PRId64
                ",\"last_error\":",
                s->ship_connected ? "true" : "false",
                s->ship_positions_known ? "true" : "false", s->ship_ops,
                s->ship_records, s->ship_txns, s->ship_behind, s->ship_lag_ms,
                s->ship_errors,
                s->ship_last_error_ms > 0 ? s->ship_last_error_ms : 0);
        json_str(f, s->ship_last_error);
        fprintf(f, "}");
    }
    if (s->group_enabled) {
        fprintf(f,
                ",\"group\":{\"connected\":%s,\"refreshes\":%" PRIu64
                ",\"rows\":%" PRIu64 ",\"errors\":%" PRIu64
                ",\"last_ms\":%" PRId64 ",\"last_error_ms\":%" PRId64
                ",\"last_error\":",
                s->group_connected ? "true" : "false", s->group_refreshes,
                s->group_rows, s->group_errors,
                s->group_last_ms > 0 ? s->group_last_ms : 0,
                s->group_last_error_ms > 0 ? s->group_last_error_ms : 0);
        json_str(f, s->group_last_error);
        fprintf(f, "}");
    }
    fprintf(f, "}\n");
}

int srv_stats_write_file(const srv_stats_snap *s, const char *path)
{
    char tmp[4200];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return RND_EIO;
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return RND_EIO;
    srv_stats_print_json(s, -1, f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        unlink(tmp);
        return RND_EIO;
    }
    return 0;
}

/* Reading the file back: the one JSON reader (report/jsonread.h) parses
 * it; each leaf is handed to set() with its dotted path ("syncs.ok",
 * "errors.EAUTH"). */
static void set(srv_stats_snap *s, const char *path, uint64_t v)
{
    static const struct {
        const char *path;
        size_t off;
    } u64s[] = {
        {"connections.accepted", offsetof(srv_stats_snap, conns_accepted)},
        {"connections.open", offsetof(srv_stats_snap, conns_open)},
        {"connections.refused_busy",
         offsetof(srv_stats_snap, conns_refused_busy)},
        {"connections.upload_waits", offsetof(srv_stats_snap, upload_waits)},
        {"syncs.ok", offsetof(srv_stats_snap, syncs_ok)},
        {"syncs.failed", offsetof(srv_stats_snap, syncs_failed)},
        {"ops.in", offsetof(srv_stats_snap, ops_in)},
        {"ops.out", offsetof(srv_stats_snap, ops_out)},
        {"bytes.in", offsetof(srv_stats_snap, bytes_in)},
        {"bytes.out", offsetof(srv_stats_snap, bytes_out)},
        {"commits.count", offsetof(srv_stats_snap, commits)},
        {"commits.sum_us", offsetof(srv_stats_snap, commit_sum_us)},
        {"commits.p50_us", offsetof(srv_stats_snap, commit_p50_us)},
        {"commits.p99_us", offsetof(srv_stats_snap, commit_p99_us)},
        {"commits.max_us", offsetof(srv_stats_snap, commit_max_us)},
        {"ship.ops", offsetof(srv_stats_snap, ship_ops)},
        {"ship.records", offsetof(srv_stats_snap, ship_records)},
        {"ship.txns", offsetof(srv_stats_snap, ship_txns)},
        {"ship.behind", offsetof(srv_stats_snap, ship_behind)},
        {"ship.lag_ms", offsetof(srv_stats_snap, ship_lag_ms)},
        {"ship.errors", offsetof(srv_stats_snap, ship_errors)},
        {"group.refreshes", offsetof(srv_stats_snap, group_refreshes)},
        {"group.rows", offsetof(srv_stats_snap, group_rows)},
        {"group.errors", offsetof(srv_stats_snap, group_errors)},
    };
    for (size_t i = 0; i < sizeof u64s / sizeof u64s[0]; i++)
        if (strcmp(path, u64s[i].path) == 0) {
            memcpy((char *)s + u64s[i].off, &v, sizeof v);
            return;
        }
    if (strcmp(path, "pid") == 0)
        s->pid = (int64_t)v;
    else if (strcmp(path, "running") == 0)
        s->running = (int)v;
    else if (strcmp(path, "started_ms") == 0)
        s->started_ms = (int64_t)v;
    else if (strcmp(path, "written_ms") == 0)
        s->written_ms = (int64_t)v;
    else if (strcmp(path, "ship.connected") == 0)
        s->ship_enabled = 1, s->ship_connected = (int)v;
    else if (strcmp(path, "ship.positions_known") == 0)
        s->ship_positions_known = (int)v;
    else if (strcmp(path, "ship.last_error_ms") == 0)
        s->ship_last_error_ms = (int64_t)v;
    else if (strcmp(path, "group.connected") == 0)
        s->group_enabled = 1, s->group_connected = (int)v;
    else if (strcmp(path, "group.last_ms") == 0)
        s->group_last_ms = (int64_t)v;
    else if (strcmp(path, "group.last_error_ms") == 0)
        s->group_last_error_ms = (int64_t)v;
    else if (strncmp(path, "errors.", 7) == 0) {
        for (int i = 0; i < SRV_STATS_NERR; i++)
            if (strcmp(path + 7, rnd_errname(RND_ERROR_BASE_ + 1 + i)) == 0)
                s->errors[i] = v;
    } else if (strncmp(path, "commits.buckets_us.", 19) == 0) {
        const char *b = path + 19;
        if (strcmp(b, "inf") == 0)
            s->buckets[SRV_STATS_NBUCKETS - 1] = v;
        for (int i = 0; i < SRV_STATS_NBUCKETS - 1; i++) {
            char num[24];
            snprintf(num, sizeof num, "%" PRIu64, srv_stats_bucket_us[i]);
            if (strcmp(b, num) == 0)
                s->buckets[i] = v;
        }
    }
    /* Anything else (version, uptime_s, serving) is derived or ignored. */
}

/* Walks object o under path (plen bytes of path[256] used). The file
 * holds objects of whole numbers and booleans only: anything else is not
 * ours. Returns 0, or -1 with *at on the offending value. */
static int walk(const rpt_jv *o, char *path, size_t plen, srv_stats_snap *s,
                size_t *at)
{
    if (o->type != RPT_JV_OBJ || plen > 200) {
        *at = o->at;
        return -1;
    }
    for (size_t i = 0; i < o->n; i++) {
        const rpt_jv *v = &o->kids[i];
        size_t klen = strlen(o->keys[i]), n = plen;
        if (plen + klen + 2 >= 256) {
            *at = v->at;
            return -1;
        }
        if (plen)
            path[n++] = '.';
        memcpy(path + n, o->keys[i], klen + 1);
        if (v->type == RPT_JV_OBJ) {
            if (walk(v, path, n + klen, s, at) != 0)
                return -1;
        } else if (v->type == RPT_JV_BOOL ||
                   (v->type == RPT_JV_NUM && !v->neg)) {
            set(s, path, v->num);
        } else if (v->type == RPT_JV_STR &&
                   strcmp(path, "ship.last_error") == 0) {
            snprintf(s->ship_last_error, sizeof s->ship_last_error, "%s",
                     v->str);
        } else if (v->type == RPT_JV_STR &&
                   strcmp(path, "group.last_error") == 0) {
            snprintf(s->group_last_error, sizeof s->group_last_error, "%s",
                     v->str);
        } else {
            *at = v->at;
            return -1;
        }
        path[plen] = '\0';
    }
    return 0;
}

int srv_stats_read_file(const char *path, srv_stats_snap *out, char *err,
                        size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? RND_ENOTFOUND : RND_EIO;
    }
    /* The file is a few KB; more is not ours (and is cut here). */
    size_t cap = 16384;
    char *buf = malloc(cap);
    if (buf == NULL) {
        fclose(f);
        snprintf(err, errlen, "%s: out of memory", path);
        return RND_ENOMEM;
    }
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    rpt_jv root;
    size_t at = 0;
    char kpath[256] = "";
    int rc = rpt_jv_parse(buf, n, &root, &at);
    if (rc == 0 && walk(&root, kpath, 0, out, &at) != 0)
        rc = RND_EMALFORMED;
    rpt_jv_free(&root);
    free(buf);
    if (rc == RND_ENOMEM) {
        snprintf(err, errlen, "%s: out of memory", path);
        return rc;
    }
    if (rc) {
        snprintf(err, errlen, "%s: not a stats file of roundsd (at byte %zu)",
                 path, at);
        return RND_EMALFORMED;
    }
    return 0;
}

/* ---- Prometheus --------------------------------------------------------- */

static void metric(FILE *f, const char *name, const char *type,
                   const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A metric of one sample: its HELP and TYPE, then "name value" with the
 * value printed by fmt. */
static void metric_one(FILE *f, const char *name, const char *type,
                       const char *help, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void metric_one(FILE *f, const char *name, const char *type,
                       const char *help, const char *fmt, ...)
{
    metric(f, name, type, help);
    fprintf(f, "%s ", name);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
}

/* The group reports' refresh, with pg_dsn and group_refresh_s only. */
static void print_group_prometheus(const srv_stats_snap *s, FILE *f)
{
    if (!s->group_enabled)
        return;
    metric_one(f, "roundsd_group_connected", "gauge",
               "1 while the group refresh is connected to PostgreSQL", "%d",
               s->group_connected);
    metric_one(f, "roundsd_group_refreshes_total", "counter",
               "sites whose group report facts were replaced since the start",
               "%" PRIu64, s->group_refreshes);
    metric_one(f, "roundsd_group_rows_total", "counter",
               "group report fact rows written since the start", "%" PRIu64,
               s->group_rows);
    metric_one(
        f, "roundsd_group_errors_total", "counter",
        "group refresh errors: connections refused or lost, failed sites",
        "%" PRIu64, s->group_errors);
    metric_one(f, "roundsd_group_last_refresh_timestamp_seconds", "gauge",
               "office clock at the last site refreshed (0: none yet)", "%.3f",
               s->group_last_ms > 0 ? s->group_last_ms / 1000.0 : 0.0);
}

void srv_stats_print_prometheus(const srv_stats_snap *s, int serving, FILE *f)
{
    int64_t up = s->written_ms - s->started_ms;
    metric_one(f, "roundsd_up", "gauge",
               "1 while the roundsd that wrote the stats runs", "%d",
               serving > 0);
    metric_one(f, "roundsd_uptime_seconds", "gauge",
               "seconds from the start of serve to the stats' writing", "%.3f",
               up > 0 ? up / 1000.0 : 0.0);
    metric_one(f, "roundsd_stats_written_timestamp_seconds", "gauge",
               "when serve wrote these stats", "%.3f", s->written_ms / 1000.0);
    metric_one(f, "roundsd_connections_accepted_total", "counter",
               "connections given a session", "%" PRIu64, s->conns_accepted);
    metric_one(f, "roundsd_connections_open", "gauge", "connections open now",
               "%" PRIu64, s->conns_open);
    metric_one(f, "roundsd_connections_refused_busy_total", "counter",
               "connections refused at the connection limit", "%" PRIu64,
               s->conns_refused_busy);
    metric(f, "roundsd_syncs_total", "counter",
           "sync sessions (a HELLO received) by result");
    fprintf(f, "roundsd_syncs_total{result=\"ok\"} %" PRIu64 "\n", s->syncs_ok);
    fprintf(f, "roundsd_syncs_total{result=\"failed\"} %" PRIu64 "\n",
            s->syncs_failed);
    metric_one(f, "roundsd_ops_in_total", "counter",
               "ops pushed by handhelds and new to the server", "%" PRIu64,
               s->ops_in);
    metric_one(f, "roundsd_ops_out_total", "counter", "ops sent to handhelds",
               "%" PRIu64, s->ops_out);
    metric_one(f, "roundsd_upload_waits_total", "counter",
               "times an upload waited a turn so other syncs went first",
               "%" PRIu64, s->upload_waits);
    metric_one(f, "roundsd_bytes_in_total", "counter", "TLS bytes received",
               "%" PRIu64, s->bytes_in);
    metric_one(f, "roundsd_bytes_out_total", "counter", "TLS bytes sent",
               "%" PRIu64, s->bytes_out);
    metric(f, "roundsd_errors_total", "counter",
           "sessions and connections that ended with an error, by name");
    for (int i = 0; i < SRV_STATS_NERR; i++)
        if (s->errors[i])
            fprintf(f, "roundsd_errors_total{error=\"%s\"} %" PRIu64 "\n",
                    rnd_errname(RND_ERROR_BASE_ + 1 + i), s->errors[i]);
    metric(f, "roundsd_commit_latency_seconds", "histogram",
           "duration of each group commit (one durable write of a site)");
    uint64_t cum = 0;
    for (int b = 0; b < SRV_STATS_NBUCKETS - 1; b++) {
        cum += s->buckets[b];
        fprintf(
            f, "roundsd_commit_latency_seconds_bucket{le=\"%g\"} %" PRIu64 "\n",
            srv_stats_bucket_us[b] / 1e6, cum);
    }
    cum += s->buckets[SRV_STATS_NBUCKETS - 1];
    fprintf(f,
            "roundsd_commit_latency_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n",
            cum);
    fprintf(f, "roundsd_commit_latency_seconds_sum %.6f\n",
            s->commit_sum_us / 1e6);
    fprintf(f, "roundsd_commit_latency_seconds_count %" PRIu64 "\n",
            s->commits);
    metric_one(f, "roundsd_commit_latency_p50_seconds", "gauge",
               "median commit latency over the last 1024 commits", "%.6f",
               s->commit_p50_us / 1e6);
    metric_one(f, "roundsd_commit_latency_p99_seconds", "gauge",
               "99th percentile commit latency over the last 1024 commits",
               "%.6f", s->commit_p99_us / 1e6);
    metric_one(f, "roundsd_commit_latency_max_seconds", "gauge",
               "longest commit since the start", "%.6f",
               s->commit_max_us / 1e6);
    print_group_prometheus(s, f);
    if (!s->ship_enabled)
        return;
    metric_one(f, "roundsd_ship_connected", "gauge",
               "1 while the shipper is connected to PostgreSQL", "%d",
               s->ship_connected);
    metric_one(f, "roundsd_ship_ops_total", "counter",
               "ops shipped into PostgreSQL since the start", "%" PRIu64,
               s->ship_ops);
    metric_one(f, "roundsd_ship_records_total", "counter",
               "merged records upserted into PostgreSQL since the start",
               "%" PRIu64, s->ship_records);
    metric_one(f, "roundsd_ship_transactions_total", "counter",
               "PostgreSQL transactions the shipper committed", "%" PRIu64,
               s->ship_txns);
    metric_one(f, "roundsd_ship_ops_behind", "gauge",
               "ops in the site stores not yet in PostgreSQL", "%" PRIu64,
               s->ship_behind);
    metric_one(f, "roundsd_ship_lag_seconds", "gauge",
               "age of the oldest op not yet in PostgreSQL (0: none)", "%.3f",
               s->ship_lag_ms / 1000.0);
    metric_one(f, "roundsd_ship_errors_total", "counter",
               "shipper errors: connections refused or lost, failed batches",
               "%" PRIu64, s->ship_errors);
}

/* ---- the periodic writer ------------------------------------------------ */

static uv_timer_t timer;
static int timer_on;
static char file_path[4200];

static int64_t wall_ms(void)
{
    return rnd_clock_now_ms(RND_CLOCK_ENV_OFFICE);
}

static void write_now(int running)
{
    srv_stats_snap s;
    srv_stats_snapshot(&s, wall_ms(), running);
    /* A failed write is retried at the next tick; serving goes on. */
    (void)srv_stats_write_file(&s, file_path);
}

static void on_tick(uv_timer_t *t)
{
    (void)t;
    write_now(1);
}

int srv_stats_start(void *loop, const char *data_dir)
{
    int n = snprintf(file_path, sizeof file_path, "%s/%s", data_dir,
                     SRV_STATS_FILE);
    if (n < 0 || (size_t)n >= sizeof file_path)
        return RND_EIO;
    srv_stats_reset(wall_ms());
    if (uv_timer_init(loop, &timer) != 0)
        return RND_EIO;
    timer_on = 1;
    uv_timer_start(&timer, on_tick, 0, SRV_STATS_INTERVAL_MS);
    return 0;
}

void srv_stats_stop(void)
{
    if (!timer_on)
        return;
    timer_on = 0;
    uv_close((uv_handle_t *)&timer, NULL);
}

void srv_stats_finish(void)
{
    if (file_path[0])
        write_now(0);
}
