/* group_refresh.h: the group reports' facts in PostgreSQL (docs/POSTGRES.md,
 * "Group reports"), written and read.
 *
 * The reports' rules stay in C (report/). For each site and period
 * ("YYYY-MM", a local month, or "YYYY-MM-DD", a local day) roundsd builds
 * the patrol, workorders, callbacks and month documents from the site's
 * store (one LMDB read transaction) and writes them (group_rows.h) into
 * tables report_runs and report_rows (server/pg/020_group_reports.sql),
 * replacing what the site had for those periods in ONE PostgreSQL
 * transaction. Across estates, SQL (server/group_sql/) only filters, sums
 * and divides.
 *
 * Writers: `roundsd group refresh` (cmd_group.c) and serve's refresh
 * thread (grp_refresher below): every site every group_refresh_s, and a
 * site whose ops changed sooner (at most once per GRP_CHANGED_MIN_MS), off
 * the sync loop; when PostgreSQL is down it backs off (GRP_BACKOFF_MIN_MS
 * doubling to GRP_BACKOFF_MAX_MS) and logs it once.
 */
#ifndef RND_SRV_GROUP_REFRESH_H
#define RND_SRV_GROUP_REFRESH_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "site.h"

struct pg_conn; /* libpq's PGconn */

#define GRP_CHANGED_MIN_MS 30000
/* A due refresh waits while handhelds push (srv_sites_yield_ms): until
 * GRP_SETTLE_MS without a commit, at most GRP_DEFER_MAX_MS. */
#define GRP_SETTLE_MS 1000
#define GRP_DEFER_MAX_MS 60000
#define GRP_BACKOFF_MIN_MS 1000
#define GRP_BACKOFF_MAX_MS 60000
#define GRP_PERIOD_MAX 11 /* "YYYY-MM-DD" and its NUL */
#define GRP_PERIODS_DEFAULT 4

/* The reports whose facts are kept, by name, NULL-terminated: patrol,
 * workorders, callbacks, month. Static. */
const char *const *grp_reports(void);

/* A copy of server/group_sql/NAME.sql (NAME without ".sql"),
 * NUL-terminated, for the caller to free(); NULL when there is no such
 * file (or out of memory). */
char *grp_sql(const char *name);

/* Connects to dsn (ship_pg_connect: its timeout, any password hidden in
 * err; session time zone UTC and ISO dates, which grp_time_parse reads).
 * With schema, applies the migrations (ship_schema_apply). 0,
 * RND_ECONNECT (cannot connect), RND_EIO (refused) or RND_ENOMEM, a
 * sentence in err. The caller PQfinish()es *out. */
int grp_connect(const char *dsn, int schema, struct pg_conn **out, char *err,
                size_t errlen);

/* A timestamptz as PostgreSQL prints it in the session grp_connect sets
 * ("2026-11-28 00:20:00+00", fractions allowed) -> ms since the epoch.
 * 0 or RND_EINVAL. */
int grp_time_parse(const char *s, int64_t *ms);

/* What a refresh computes with: the reports' "now", display offset and
 * clock limit (rpt_params). */
typedef struct grp_opts {
    int64_t now;
    int tz_min;
    int64_t skew_limit_ms;
} grp_opts;

/* The default periods at now: this local month and day, and the previous
 * month and day. */
void grp_default_periods(int64_t now, int tz_min,
                         char out[GRP_PERIODS_DEFAULT][GRP_PERIOD_MAX]);

/* Builds grp_reports() of site (store st) for each of periods[n] and
 * writes them in one PostgreSQL transaction on conn. *nrows (may be NULL)
 * gets the report_rows written. 0, RND_EINVAL (a bad period), a store
 * error, RND_EIO (PostgreSQL refused or the connection broke), a sentence
 * in err. */
int grp_refresh_site(struct pg_conn *conn, store *st, const char *site,
                     const char *const *periods, size_t n, const grp_opts *o,
                     uint64_t *nrows, char *err, size_t errlen);

/* ---- serve's refresh thread ---------------------------------------------
 */

typedef struct grp_refresher grp_refresher; /* opaque */

/* What the refresh thread has done since serve started (roundsd stats). */
typedef struct grp_stats {
    int connected;         /* to PostgreSQL, now */
    uint64_t refreshes;    /* sites whose facts were replaced */
    uint64_t rows;         /* fact rows those refreshes wrote */
    uint64_t errors;       /* connections refused or lost, failed refreshes */
    int64_t last_ms;       /* office clock at the last refresh; 0: none */
    int64_t last_error_ms; /* office clock at the last error; 0: none */
    char last_error[256];
} grp_stats;

/* A refresher for the sites under data_dir (ss: the server's stores) into
 * dsn, every every_s seconds (> 0). Nothing runs before start. RND_ENOMEM. */
int grp_refresher_new(const char *dsn, const char *data_dir, srv_sites *ss,
                      uint32_t every_s, int64_t skew_limit_ms,
                      grp_refresher **out);
/* Starts its thread and its async handle on loop (the caller's). 0 or
 * RND_EIO. */
int grp_refresher_start(grp_refresher *g, uv_loop_t *loop);
/* The loop is closing: closes the async handle. Loop thread. NULL ok. */
void grp_refresher_detach(grp_refresher *g);
/* Stops the thread (a statement in flight is cancelled: its transaction
 * rolls back) and joins it. Before srv_sites_free(). NULL ok. */
void grp_refresher_stop(grp_refresher *g);
void grp_refresher_free(grp_refresher *g);
/* Copies the thread's counters. Any thread; g NULL: all zero. */
void grp_get_stats(grp_refresher *g, grp_stats *out);

#endif
