/* group_refresh.c: the group reports' facts written into PostgreSQL
 * (group_refresh.h): the SQL files, the connection, one site's refresh in
 * one transaction, and serve's refresh thread. The rows are
 * group_rows.c's; the reports are report/'s, called as `roundsd report`
 * calls them (report_run.h).
 *
 * grp_connect opens with ship_pg_connect (every roundsd connection does)
 * and then sets the session this file's SQL reads dates in.
 */
#include "group_refresh.h"

#include "../proto/clock.h"
#include "../proto/errors.h"
#include "../report/report.h"
#include "group_int.h"
#include "group_rows.h"
#include "log.h"
#include "report_run.h"
#include "ship_schema.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libpq-fe.h>

/* A site's rows of one refresh: far above a real site's month. */
#define GRP_ROWS_MAX (256u << 20)
/* A site store that did not open is asked for again after this. */
#define GRP_SITE_RETRY_MS 60000
#define GRP_POLL_MS 1000

static const char *const reports[] = {"patrol", "workorders", "callbacks",
                                      "month", NULL};

const char *const *grp_reports(void)
{
    return reports;
}

char *grp_sql(const char *name)
{
    size_t n = strlen(name);
    for (const group_asset *a = group_assets; a->path; a++) {
        const char *base = a->path[0] == '/' ? a->path + 1 : a->path;
        if (strncmp(base, name, n) != 0 || strcmp(base + n, ".sql") != 0)
            continue;
        char *t = malloc(a->len + 1);
        if (t) {
            memcpy(t, a->data, a->len);
            t[a->len] = '\0';
        }
        return t;
    }
    return NULL;
}

/* "what: PostgreSQL's message", on one line. */
static void say(char *err, size_t errlen, const char *what, const char *detail)
{
    snprintf(err, errlen, "%s%s%s", what, detail ? ": " : "",
             detail ? detail : "");
    size_t len = strlen(err);
    while (len && (err[len - 1] == '\n' || err[len - 1] == ' '))
        err[--len] = '\0';
    for (char *p = err; *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

int grp_connect(const char *dsn, int schema, struct pg_conn **out, char *err,
                size_t errlen)
{
    *out = NULL;
    char why[SHIP_CONNECT_ERR_MAX];
    PGconn *conn = NULL;
    int rc =
        ship_pg_connect(dsn, SHIP_CONNECT_TIMEOUT_S, why, sizeof why, &conn);
    if (rc != 0) {
        say(err, errlen, "cannot connect to PostgreSQL", why);
        return rc;
    }
    /* PostgreSQL's NOTICEs ("relation ... already exists, skipping") are
     * not the office's business: libpq would print them on stderr. */
    PQsetNoticeProcessor(conn, quiet, NULL);
    PGresult *r = PQexec(conn, "SET TimeZone = 'UTC'; SET DateStyle = 'ISO'");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        say(err, errlen, "PostgreSQL", PQresultErrorMessage(r));
    PQclear(r);
    if (ok && schema && ship_schema_apply(conn, err, errlen) != 0)
        ok = 0;
    if (!ok) {
        PQfinish(conn);
        return RND_EIO;
    }
    *out = conn;
    return 0;
}

int grp_time_parse(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, sec, used = 0;
    if (sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
               &used) != 6)
        return RND_EINVAL;
    int64_t frac = 0, scale = 1000;
    const char *p = s + used;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (scale > 1) {
                scale /= 10;
                frac += (*p - '0') * scale;
            }
        }
    }
    /* The session's zone is UTC (grp_connect): "+00" or nothing. */
    if (*p && strcmp(p, "+00") != 0)
        return RND_EINVAL;
    int64_t days = rpt_days_from_civil(y, mo, d);
    *ms = ((days * 24 + h) * 60 + mi) * 60000 + (int64_t)sec * 1000 + frac;
    return 0;
}

void grp_default_periods(int64_t now, int tz_min,
                         char out[GRP_PERIODS_DEFAULT][GRP_PERIOD_MAX])
{
    grp_period_name(now, tz_min, 1, out[0], GRP_PERIOD_MAX);
    grp_period_name(now, tz_min, 0, out[1], GRP_PERIOD_MAX);
    if (grp_period_prev(out[0], out[2], GRP_PERIOD_MAX) != 0)
        memcpy(out[2], out[0], GRP_PERIOD_MAX);
    if (grp_period_prev(out[1], out[3], GRP_PERIOD_MAX) != 0)
        memcpy(out[3], out[1], GRP_PERIOD_MAX);
}

/* One report run's figures, kept between the store's read and the
 * PostgreSQL transaction. */
typedef struct run_fact {
    const char *report;
    const char *period;
    int64_t from, to, now;
    int tz_min;
    char *summary; /* JSON, NUL-terminated */
} run_fact;

static int exec_ok(PGconn *conn, PGresult *r, ExecStatusType want,
                   const char *what, char *err, size_t errlen)
{
    int ok = PQresultStatus(r) == want;
    if (!ok)
        say(err, errlen, what,
            r ? PQresultErrorMessage(r) : PQerrorMessage(conn));
    PQclear(r);
    return ok ? 0 : RND_EIO;
}

/* The PostgreSQL half: runs replaced, rows copied, one transaction. */
static int write_facts(PGconn *conn, const char *site, const run_fact *f,
                       size_t nf, const ship_buf *rows, char *err,
                       size_t errlen)
{
    int rc = exec_ok(conn, PQexec(conn, "BEGIN"), PGRES_COMMAND_OK, "BEGIN",
                     err, errlen);
    for (size_t i = 0; rc == 0 && i < nf; i++) {
        char from[24], to[24], now[24], tz[16];
        snprintf(from, sizeof from, "%" PRId64, f[i].from);
        snprintf(to, sizeof to, "%" PRId64, f[i].to);
        snprintf(now, sizeof now, "%" PRId64, f[i].now);
        snprintf(tz, sizeof tz, "%d", f[i].tz_min);
        const char *del[] = {site, f[i].report, f[i].period};
        /* report_rows go with their run (ON DELETE CASCADE). */
        rc = exec_ok(conn,
                     PQexecParams(conn,
                                  "DELETE FROM report_runs WHERE site = $1 "
                                  "AND report = $2 AND period = $3",
                                  3, NULL, del, NULL, NULL, 0),
                     PGRES_COMMAND_OK, "report_runs", err, errlen);
        const char *ins[] = {site, f[i].report, f[i].period, from,
                             to,   now,         tz,          f[i].summary};
        if (rc == 0)
            rc = exec_ok(
                conn,
                PQexecParams(conn,
                             "INSERT INTO report_runs (site, report, period, "
                             "from_ts, to_ts, as_of, tz_min, summary) VALUES "
                             "($1, $2, $3, to_timestamp($4::bigint / "
                             "1000.0), to_timestamp($5::bigint / 1000.0), "
                             "to_timestamp($6::bigint / 1000.0), $7::integer, "
                             "$8::jsonb)",
                             8, NULL, ins, NULL, NULL, 0),
                PGRES_COMMAND_OK, "report_runs", err, errlen);
    }
    if (rc == 0)
        rc = exec_ok(
            conn,
            PQexec(conn, "COPY report_rows (" GRP_ROWS_COLUMNS ") FROM STDIN"),
            PGRES_COPY_IN, "COPY report_rows", err, errlen);
    if (rc == 0) {
        /* In pieces: PQputCopyData takes an int. */
        size_t off = 0;
        while (rc == 0 && off < rows->len) {
            size_t n = rows->len - off;
            if (n > (1u << 20))
                n = 1u << 20;
            if (PQputCopyData(conn, rows->p + off, (int)n) != 1) {
                say(err, errlen, "COPY report_rows", PQerrorMessage(conn));
                rc = RND_EIO;
            }
            off += n;
        }
        if (PQputCopyEnd(conn, rc ? "cancelled" : NULL) != 1 && rc == 0) {
            say(err, errlen, "COPY report_rows", PQerrorMessage(conn));
            rc = RND_EIO;
        }
        PGresult *r;
        while ((r = PQgetResult(conn)) != NULL) {
            if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == 0) {
                say(err, errlen, "COPY report_rows", PQresultErrorMessage(r));
                rc = RND_EIO;
            }
            PQclear(r);
        }
    }
    if (rc == 0)
        rc = exec_ok(conn, PQexec(conn, "COMMIT"), PGRES_COMMAND_OK, "COMMIT",
                     err, errlen);
    if (rc && PQstatus(conn) == CONNECTION_OK)
        PQclear(PQexec(conn, "ROLLBACK"));
    return rc;
}

int grp_refresh_site(struct pg_conn *conn, store *st, const char *site,
                     const char *const *periods, size_t n, const grp_opts *o,
                     uint64_t *nrows, char *err, size_t errlen)
{
    enum { NREPORTS = 4 };
    if (nrows)
        *nrows = 0;
    if (n > 16) {
        say(err, errlen, "too many periods", NULL);
        return RND_EINVAL;
    }
    run_fact facts[16 * NREPORTS];
    size_t nf = 0;
    ship_buf rows, js;
    ship_buf_init(&rows, GRP_ROWS_MAX);
    ship_buf_init(&js, 1u << 20);
    store_txn *txn = NULL;
    int rc = store_read_begin(st, &txn);
    if (rc)
        say(err, errlen, "cannot read the site's store", rnd_strerror(rc));
    /* One snapshot for every report of every period. */
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int kind = grp_period_kind(periods[i]);
        if (kind < 0) {
            snprintf(err, errlen, "%s: not a period (YYYY-MM or YYYY-MM-DD)",
                     periods[i]);
            rc = RND_EINVAL;
            break;
        }
        rpt_window_args w = {NULL, NULL, kind ? NULL : periods[i],
                             kind ? periods[i] : NULL, NULL};
        rpt_params p;
        memset(&p, 0, sizeof p);
        p.site = site;
        p.now = o->now;
        p.tz_min = o->tz_min;
        p.skew_limit_ms = o->skew_limit_ms;
        p.overstay_ms = RPT_OVERSTAY_DEFAULT_MS;
        p.vacant_days = RPT_VACANT_DEFAULT_DAYS;
        char werr[160];
        if (rpt_window(&w, p.tz_min, p.now, &p.from, &p.to, werr,
                       sizeof werr)) {
            say(err, errlen, periods[i], werr);
            rc = RND_EINVAL;
            break;
        }
        for (int k = 0; rc == 0 && k < NREPORTS; k++) {
            const srv_report_kind *rk = srv_report_find(reports[k]);
            rpt_doc d;
            memset(&d, 0, sizeof d);
            rc = rk->fn(txn, &p, &d);
            uint64_t got = 0;
            js.len = 0;
            if (rc == 0)
                rc = grp_summary_json(&js, &d);
            if (rc == 0)
                rc = ship_buf_put(&js, "", 1);
            if (rc == 0)
                rc = grp_rows_copy(&rows, &d, site, periods[i], &got);
            if (rc == 0) {
                run_fact *f = &facts[nf];
                f->report = reports[k];
                f->period = periods[i];
                f->from = d.from;
                f->to = d.to;
                f->now = d.now;
                f->tz_min = d.tz_min;
                f->summary = strdup(js.p);
                if (f->summary == NULL)
                    rc = RND_ENOMEM;
                else
                    nf++;
                if (nrows)
                    *nrows += got;
            }
            if (rc)
                say(err, errlen, reports[k], rnd_strerror(rc));
            rpt_doc_free(&d);
        }
    }
    if (txn)
        store_read_end(txn);
    if (rc == 0)
        rc = write_facts(conn, site, facts, nf, &rows, err, errlen);
    for (size_t i = 0; i < nf; i++)
        free(facts[i].summary);
    ship_buf_free(&rows);
    ship_buf_free(&js);
    return rc;
}

/* ---- serve's refresh thread ---------------------------------------------
 */

/* A site of DATA/sites. */
typedef struct grp_site {
    struct grp_site *next;
    char name[SRV_NAME_MAX + 1];
    /* Under g->mu: the store once the loop opened it. */
    store *st;
    int opening;
    int64_t retry_ms;
    srv_site_wait wait;
    struct grp_refresher *g;
    /* The thread's: when it was last refreshed (monotonic; 0 never), the
     * store's op count then. */
    int64_t done_ms;
    uint64_t ops;
} grp_site;

struct grp_refresher {
    char *dsn, *data_dir;
    srv_sites *ss;
    int64_t every_ms, skew_limit_ms;
    int64_t changed_ms; /* GRP_CHANGED_MIN_MS (test builds: see new) */
    int64_t start_ms;   /* mono_ms() at grp_refresher_new */
    uv_thread_t thread;
    int started;
    uv_async_t async;
    int async_on;
    uv_mutex_t mu;
    uv_cond_t cv;
    /* Under mu: */
    int quit;
    grp_site *sites;
    PGcancel *cancel;
    /* The thread's: */
    PGconn *conn;
    int64_t retry_ms, backoff_ms;
    char last_err[256];
    grp_stats stats; /* under mu */
};

static int64_t mono_ms(void)
{
    return (int64_t)(uv_hrtime() / 1000000u);
}

static void site_ready(srv_site_wait *w, int rc, srv_site *site)
{
    grp_site *s = w->owner;
    grp_refresher *g = s->g;
    uv_mutex_lock(&g->mu);
    s->opening = 0;
    if (rc == 0)
        s->st = srv_site_store(site);
    else
        s->retry_ms = mono_ms() + GRP_SITE_RETRY_MS;
    uv_mutex_unlock(&g->mu);
}

/* The loop, woken by the thread: the sites of DATA/sites with a store
 * become known, and are opened as a session's HELLO opens them (the loop
 * owns the stores; the thread only reads them). */
static void on_async(uv_async_t *h)
{
    grp_refresher *g = h->data;
    char path[4200];
    snprintf(path, sizeof path, "%s/sites", g->data_dir);
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (!srv_name_valid(e->d_name, strlen(e->d_name)))
            continue;
        uv_mutex_lock(&g->mu);
        grp_site *s = g->sites;
        while (s && strcmp(s->name, e->d_name) != 0)
            s = s->next;
        uv_mutex_unlock(&g->mu);
        if (s)
            continue;
        char mdb[4600];
        struct stat sb;
        snprintf(mdb, sizeof mdb, "%s/%s/data.mdb", path, e->d_name);
        if (stat(mdb, &sb) != 0 || (s = calloc(1, sizeof *s)) == NULL)
            continue;
        /* (a valid name fits: srv_name_valid) */
        memcpy(s->name, e->d_name, strnlen(e->d_name, SRV_NAME_MAX));
        s->g = g;
        s->wait.owner = s;
        uv_mutex_lock(&g->mu);
        s->next = g->sites; /* only ever prepended */
        g->sites = s;
        uv_mutex_unlock(&g->mu);
    }
    if (d)
        closedir(d);
    for (;;) {
        grp_site *s;
        int64_t now = mono_ms();
        uv_mutex_lock(&g->mu);
        for (s = g->sites; s; s = s->next)
            if (s->st == NULL && !s->opening && now >= s->retry_ms)
                break;
        if (s)
            s->opening = 1;
        uv_mutex_unlock(&g->mu);
        if (s == NULL)
            return;
        s->wait.ready = site_ready;
        srv_site *site = NULL;
        int rc =
            srv_sites_open(g->ss, s->name, strlen(s->name), &s->wait, &site);
        if (rc != RND_EAGAIN)
            site_ready(&s->wait, rc, site);
    }
}

static void drop_conn(grp_refresher *g)
{
    uv_mutex_lock(&g->mu);
    PGcancel *c = g->cancel;
    g->cancel = NULL;
    g->stats.connected = 0;
    uv_mutex_unlock(&g->mu);
    PQfreeCancel(c);
    PQfinish(g->conn);
    g->conn = NULL;
}

/* An error for roundsd stats: counted, its time, its words (cut to fit). */
static void count_error(grp_refresher *g, const char *err)
{
    uv_mutex_lock(&g->mu);
    g->stats.errors++;
    g->stats.last_error_ms = rnd_clock_now_ms(RND_CLOCK_ENV_OFFICE);
    size_t n = strnlen(err, sizeof g->stats.last_error - 1);
    memcpy(g->stats.last_error, err, n);
    g->stats.last_error[n] = '\0';
    uv_mutex_unlock(&g->mu);
}

/* An error: logged once while it stays the same, then the backoff. */
static int quitting(grp_refresher *g);

static void failed(grp_refresher *g, const char *err)
{
    /* A stop cancels the statement in flight: not PostgreSQL's fault. */
    int q = quitting(g);
    int same = strcmp(g->last_err, err) == 0 || q;
    snprintf(g->last_err, sizeof g->last_err, "%s", err);
    if (!q)
        count_error(g, err);
    srv_log(same ? SRV_LOG_DEBUG : SRV_LOG_WARN,
            "group: %s (the group reports' facts wait; retrying)", err);
    drop_conn(g);
    g->backoff_ms = g->backoff_ms ? g->backoff_ms * 2 : GRP_BACKOFF_MIN_MS;
    if (g->backoff_ms > GRP_BACKOFF_MAX_MS)
        g->backoff_ms = GRP_BACKOFF_MAX_MS;
    g->retry_ms = mono_ms() + g->backoff_ms;
}

/* Waits while handhelds are pushing (a refresh reads the whole site and
 * runs its reports: seconds of CPU on a large site, which on a machine
 * of few cores are the pushes'). 0, or -1 when serve is stopping. */
static int yield_to_pushes(grp_refresher *g)
{
    int64_t since = -1;
    return srv_sites_yield_wait(g->ss, GRP_SETTLE_MS, GRP_DEFER_MAX_MS, &since,
                                &g->mu, &g->cv, &g->quit)
               ? -1
               : 0;
}

static int quitting(grp_refresher *g)
{
    uv_mutex_lock(&g->mu);
    int q = g->quit;
    uv_mutex_unlock(&g->mu);
    return q;
}

/* One pass: each open site that is due. */
static void pass(grp_refresher *g)
{
    char err[512];
    if (g->conn == NULL) {
        if (mono_ms() < g->retry_ms)
            return;
        PGconn *c;
        if (grp_connect(g->dsn, 1, &c, err, sizeof err) != 0) {
            failed(g, err);
            return;
        }
        g->conn = c;
        PGcancel *pc = PQgetCancel(c);
        uv_mutex_lock(&g->mu);
        g->cancel = pc;
        g->stats.connected = 1;
        uv_mutex_unlock(&g->mu);
        if (g->last_err[0])
            srv_log(SRV_LOG_INFO, "group: PostgreSQL answers again");
        g->last_err[0] = '\0';
        g->backoff_ms = 0;
    }
    uv_mutex_lock(&g->mu);
    grp_site *first = g->sites;
    uv_mutex_unlock(&g->mu);
    for (grp_site *s = first; s && g->conn && !quitting(g); s = s->next) {
        uv_mutex_lock(&g->mu);
        store *st = s->st;
        uv_mutex_unlock(&g->mu);
        if (st == NULL)
            continue;
        /* Its op count: a change since the last refresh makes it due
         * sooner. */
        uint64_t ops = 0;
        store_txn *txn;
        if (store_read_begin(st, &txn) == 0) {
            (void)store_op_count(txn, &ops);
            store_read_end(txn);
        }
        int64_t now = mono_ms(), since = now - s->done_ms;
        /* A site never refreshed by this process: changed_ms after the
         * start, not at once (a restarted serve meets its handhelds
         * first; the facts of its last run are in PostgreSQL). */
        int due = s->done_ms == 0
                      ? now - g->start_ms >= g->changed_ms
                      : since >= g->every_ms ||
                            (ops != s->ops && since >= g->changed_ms);
        if (!due)
            continue;
        if (yield_to_pushes(g) != 0)
            break;
        grp_opts o;
        o.now = rnd_clock_now_ms(RND_CLOCK_ENV_OFFICE);
        o.tz_min = rpt_tz_local(o.now);
        o.skew_limit_ms = g->skew_limit_ms;
        char per[GRP_PERIODS_DEFAULT][GRP_PERIOD_MAX];
        grp_default_periods(o.now, o.tz_min, per);
        const char *pp[GRP_PERIODS_DEFAULT];
        for (int i = 0; i < GRP_PERIODS_DEFAULT; i++)
            pp[i] = per[i];
        uint64_t nrows = 0;
        int rc = grp_refresh_site(g->conn, st, s->name, pp, GRP_PERIODS_DEFAULT,
                                  &o, &nrows, err, sizeof err);
        s->done_ms = mono_ms();
        s->ops = ops;
        if (rc == 0) {
            uv_mutex_lock(&g->mu);
            g->stats.refreshes++;
            g->stats.rows += nrows;
            g->stats.last_ms = o.now;
            uv_mutex_unlock(&g->mu);
            srv_log(SRV_LOG_DEBUG,
                    "group: site %s: %" PRIu64 " rows in %" PRId64 " ms",
                    s->name, nrows, s->done_ms - now);
        } else if (rc == RND_EIO) {
            char line[600];
            snprintf(line, sizeof line, "site %s: %s", s->name, err);
            failed(g, line);
        } else {
            /* The store, not PostgreSQL: the next site goes on. */
            char line[600];
            snprintf(line, sizeof line, "site %s: %s", s->name, err);
            srv_log(SRV_LOG_WARN, "group: %s", line);
            count_error(g, line);
        }
    }
}

static void run(void *arg)
{
    grp_refresher *g = arg;
    for (;;) {
        uv_mutex_lock(&g->mu);
        if (!g->quit)
            uv_cond_timedwait(&g->cv, &g->mu, (uint64_t)GRP_POLL_MS * 1000000u);
        int q = g->quit;
        if (!q && g->async_on)
            uv_async_send(&g->async); /* look for sites */
        uv_mutex_unlock(&g->mu);
        if (q)
            break;
        pass(g);
    }
    drop_conn(g);
}

int grp_refresher_new(const char *dsn, const char *data_dir, srv_sites *ss,
                      uint32_t every_s, int64_t skew_limit_ms,
                      grp_refresher **out)
{
    grp_refresher *g = calloc(1, sizeof *g);
    if (g == NULL)
        return RND_ENOMEM;
    g->dsn = strdup(dsn);
    g->data_dir = strdup(data_dir);
    if (g->dsn == NULL || g->data_dir == NULL) {
        free(g->dsn);
        free(g->data_dir);
        free(g);
        return RND_ENOMEM;
    }
    g->ss = ss;
    g->every_ms = (int64_t)(every_s ? every_s : 1) * 1000;
    g->skew_limit_ms = skew_limit_ms;
    g->changed_ms = GRP_CHANGED_MIN_MS;
    g->start_ms = mono_ms();
    /* Test builds only (-DROUNDS_TEST_CLOCK=ON): $ROUNDSD_TEST_GROUP_MS
     * shortens the wait after a change, so a test sees a changed site
     * refreshed sooner than the others without waiting 30 s. */
    const char *t =
        rnd_clock_pinnable() ? getenv("ROUNDSD_TEST_GROUP_MS") : NULL;
    if (t && atoll(t) > 0)
        g->changed_ms = atoll(t);
    uv_mutex_init(&g->mu);
    uv_cond_init(&g->cv);
    *out = g;
    return 0;
}

int grp_refresher_start(grp_refresher *g, uv_loop_t *loop)
{
    if (uv_async_init(loop, &g->async, on_async) != 0)
        return RND_EIO;
    g->async.data = g;
    g->async_on = 1;
    if (uv_thread_create(&g->thread, run, g) != 0) {
        g->async_on = 0;
        uv_close((uv_handle_t *)&g->async, NULL);
        return RND_EIO;
    }
    g->started = 1;
    return 0;
}

void grp_refresher_detach(grp_refresher *g)
{
    if (g == NULL || !g->async_on)
        return;
    uv_mutex_lock(&g->mu);
    g->async_on = 0;
    for (grp_site *s = g->sites; s; s = s->next) {
        if (s->opening) {
            srv_sites_open_cancel(&s->wait);
            s->opening = 0;
        }
    }
    uv_mutex_unlock(&g->mu);
    uv_close((uv_handle_t *)&g->async, NULL);
}

void grp_refresher_stop(grp_refresher *g)
{
    if (g == NULL || !g->started)
        return;
    uv_mutex_lock(&g->mu);
    g->quit = 1;
    uv_cond_signal(&g->cv);
    /* A refresh in flight is not worth waiting for: its transaction
     * rolls back, and the next start writes it again. */
    if (g->cancel) {
        char err[256];
        (void)PQcancel(g->cancel, err, sizeof err);
    }
    uv_mutex_unlock(&g->mu);
    uv_thread_join(&g->thread);
    g->started = 0;
}

void grp_refresher_free(grp_refresher *g)
{
    if (g == NULL)
        return;
    grp_refresher_stop(g);
    drop_conn(g);
    while (g->sites) {
        grp_site *s = g->sites;
        g->sites = s->next;
        free(s);
    }
    uv_cond_destroy(&g->cv);
    uv_mutex_destroy(&g->mu);
    free(g->dsn);
    free(g->data_dir);
    free(g);
}

void grp_get_stats(grp_refresher *g, grp_stats *out)
{
    if (g == NULL) {
        memset(out, 0, sizeof *out);
        return;
    }
    uv_mutex_lock(&g->mu);
    *out = g->stats;
    uv_mutex_unlock(&g->mu);
}
