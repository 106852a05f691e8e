/* stats.h: the counters of `roundsd serve` and the file that shows them.
 *
 * The server counts, from its start: connections accepted, open and
 * refused because of the connection limit (EBUSY, or closed at once
 * beyond it); syncs (sessions that sent a HELLO) that ended ok or failed;
 * ops in (new to the server) and out (sent in pulls); TLS bytes in and
 * out; errors by name (every session that ended with an error, plus TLS
 * failures and handshake timeouts before a session; a connection that
 * just went away before its HELLO is not an error); group commits and
 * their latency (a histogram, and p50/p99 over the last
 * SRV_STATS_WINDOW commits, max since the start).
 *
 * Exposure: every SRV_STATS_INTERVAL_MS and once more at exit the server
 * writes DATA/stats.json atomically (a temporary file, then rename(2), so
 * a reader never sees half a file; not fsynced: these are figures, not
 * records). `roundsd stats` reads it and prints text, the same JSON, or
 * Prometheus text (docs/OPERATIONS.md, "Stats and metrics").
 *
 * Threads: the counters are plain globals of the one loop thread; the
 * hooks are one call per event, from server.c, tls.c, session.c and
 * site.c. Tests that drive sessions in memory count too (harmlessly).
 */
#ifndef RND_SRV_STATS_H
#define RND_SRV_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "../proto/errors.h"

#define SRV_STATS_INTERVAL_MS 5000
#define SRV_STATS_WINDOW 1024 /* commits behind p50 and p99 */
#define SRV_STATS_FILE "stats.json"
/* Histogram bucket upper bounds in microseconds; the last is +Inf. */
#define SRV_STATS_NBUCKETS 13
extern const uint64_t srv_stats_bucket_us[SRV_STATS_NBUCKETS - 1];
#define SRV_STATS_NERR (RND_ERROR_END_ - RND_ERROR_BASE_ - 1)

/* ---- hooks (the loop thread) -------------------------------------------- */

/* Zeroes every counter and notes the start time. */
void srv_stats_reset(int64_t now_ms);
/* A connection got a session (busy: it is told EBUSY). */
void srv_stats_conn_accepted(int busy);
/* A connection beyond the limit, closed at once. */
void srv_stats_conn_refused(void);
/* A connection that had a session closed. */
void srv_stats_conn_closed(void);
/* A session ended: hello says it got a HELLO (a sync), result is 0 or
 * the error it ended with. */
void srv_stats_session_end(int hello, int result, uint64_t ops_in,
                           uint64_t ops_out);
/* A connection failed before any session (ETLS, ETIMEOUT). */
void srv_stats_error(int err);
void srv_stats_bytes(uint64_t in, uint64_t out);
/* An upload waits for a later turn of the loop (tls.c). */
void srv_stats_upload_wait(void);
/* A monotonic clock in microseconds, for commit latency. */
uint64_t srv_stats_now_us(void);
/* One group commit (one store_write of a site) took us microseconds. */
void srv_stats_commit(uint64_t us);

/* ---- snapshots and the file --------------------------------------------- */

typedef struct srv_stats_snap {
    int64_t pid;
    int running; /* 0 in the file written at a clean exit */
    int64_t started_ms, written_ms;
    uint64_t conns_accepted, conns_open, conns_refused_busy;
    /* Times a connection uploading attachments waited for a later turn of
     * the loop so other sessions went first (tls.h). */
    uint64_t upload_waits;
    uint64_t syncs_ok, syncs_failed;
    uint64_t ops_in, ops_out, bytes_in, bytes_out;
    uint64_t errors[SRV_STATS_NERR]; /* by code - RND_ERROR_BASE_ - 1 */
    uint64_t commits, commit_sum_us, commit_p50_us, commit_p99_us,
        commit_max_us;
    uint64_t buckets[SRV_STATS_NBUCKETS]; /* per bucket, not cumulative */
    /* The PostgreSQL shipper (ship.h), when pg_dsn is set: whether it is
     * connected and has read its positions, ops and records shipped and
     * transactions committed since the start, ops not shipped yet and
     * the age of the oldest of them (lag), its errors and the last one. */
    int ship_enabled, ship_connected, ship_positions_known;
    uint64_t ship_ops, ship_records, ship_txns, ship_behind, ship_lag_ms;
    uint64_t ship_errors;
    int64_t ship_last_error_ms;
    char ship_last_error[256];
    /* The group reports' refresh (group_refresh.h), with pg_dsn and
     * group_refresh_s: connected or not, sites refreshed and their fact
     * rows since the start, errors and the last one, the office clock at
     * the last refresh. */
    int group_enabled, group_connected;
    uint64_t group_refreshes, group_rows, group_errors;
    int64_t group_last_ms, group_last_error_ms;
    char group_last_error[256];
} srv_stats_snap;

/* fill(ctx, s) completes every snapshot (the shipper's state: server.c);
 * NULL: none. Loop thread. */
void srv_stats_set_extra(void (*fill)(void *ctx, srv_stats_snap *s), void *ctx);

/* The counters now, as of now_ms (the wall clock). */
void srv_stats_snapshot(srv_stats_snap *out, int64_t now_ms, int running);

/* Writes s as JSON to path atomically (path.tmp, then rename). RND_EIO. */
int srv_stats_write_file(const srv_stats_snap *s, const char *path);

/* Reads a file written by srv_stats_write_file. RND_ENOTFOUND when there
 * is none; RND_EMALFORMED (with where, in err) when it does not parse. */
int srv_stats_read_file(const char *path, srv_stats_snap *out, char *err,
                        size_t errlen);

/* The JSON of the file, one object and a newline. serving >= 0 adds
 * "serving": true|false (whether the writing server still runs). */
void srv_stats_print_json(const srv_stats_snap *s, int serving, FILE *f);

/* Prometheus text exposition format 0.0.4 (# HELP, # TYPE, samples). */
void srv_stats_print_prometheus(const srv_stats_snap *s, int serving, FILE *f);

/* ---- the periodic writer (server.c) ------------------------------------- */

/* Starts a timer on loop that writes DATA/stats.json now and every
 * SRV_STATS_INTERVAL_MS; resets the counters. loop is a uv_loop_t (void
 * here so that readers of the file need not include uv.h). 0 or
 * RND_EIO. */
int srv_stats_start(void *loop, const char *data_dir);
/* Closes the timer (with the server's other handles). */
void srv_stats_stop(void);
/* The last write, at exit: running = 0. */
void srv_stats_finish(void);

#endif
