/* ship.h: the PostgreSQL shipper of `roundsd serve` (docs/POSTGRES.md).
 *
 * With pg_dsn configured, serve streams every site's ops and merged
 * records into that database: table ops (append-only, keyed by site,
 * device_id, seq) and table records (partitioned by kind), created and
 * upgraded by the SQL files of server/pg/, embedded at build time and
 * applied in order, each in its own transaction, recorded in
 * rounds_schema.
 *
 * Exactly once: for each site the shipper reads, in one LMDB read
 * transaction, the ops past its position of each device (ship_position
 * in PostgreSQL: the highest seq shipped per site and device) and the
 * merged records they touch, then in ONE PostgreSQL transaction COPYs
 * the ops, COPYs the records into a temporary table and upserts them,
 * and moves the positions. A crash on either side rolls all of it back;
 * the positions are read again from PostgreSQL at every connection.
 *
 * Pipelined: while PostgreSQL takes batch N (its COPYs, then one
 * statement list of the upsert, the positions and COMMIT), a reader
 * thread (one per full batch, joined before N's result is acted on)
 * reads batch N+1 into the second of two buffer sets, from the positions
 * N leaves: N's new positions over the committed ones. N+1 is sent only
 * after N committed; when N fails it is thrown away (the connection is
 * closed, the positions read again, and the next batch is read from
 * them), so no batch is ever sent from positions PostgreSQL does not
 * hold. The reader reads the store and the site's positions only; the
 * positions move after the join.
 *
 * Threads: one thread of its own (ship_start). The sync loop never waits
 * for it: the commit thread wakes it after a durable round (ship_kick: a
 * mutex held for a few instructions and a condition variable). It ships
 * when the pushes pause (SHIP_SETTLE_MS without a commit, or after
 * SHIP_DEFER_MAX_MS of waiting): on a machine of few cores PostgreSQL's
 * COPY and the batch reads took CPU from a shift change's pushes (+55%
 * push time, docs/PERFORMANCE.md), and the head office can wait a second
 * for what the guards cannot. It
 * also looks every SHIP_POLL_MS for ops other processes wrote (the
 * office's commands). Site stores are the server's (srv_sites): the
 * shipper asks the loop to open the sites it finds in DATA/sites through
 * a uv_async, and reads them in read transactions only. When PostgreSQL
 * is down, it retries with a backoff (SHIP_BACKOFF_MIN_MS doubling to
 * SHIP_BACKOFF_MAX_MS) and catches up when it is back; its state (ship_
 * stats) goes into `roundsd stats`.
 */
#ifndef RND_SRV_SHIP_H
#define RND_SRV_SHIP_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "site.h"

#define SHIP_POLL_MS 1000
#define SHIP_BACKOFF_MIN_MS 500
#define SHIP_BACKOFF_MAX_MS 5000
/* One PostgreSQL transaction ships at most this many ops (or about
 * SHIP_BATCH_BYTES of their rows): a bound on a batch's memory and on
 * how long a stop may wait for one. */
#define SHIP_BATCH_OPS 20000
#define SHIP_BATCH_BYTES (16u << 20)
/* The shipper yields to the pushes: while the commit thread woke it in
 * the last SHIP_SETTLE_MS (handhelds are pushing), it waits, for at
 * most SHIP_DEFER_MAX_MS in one pass; then it ships all there is. */
#define SHIP_SETTLE_MS 250
#define SHIP_DEFER_MAX_MS 5000
/* How long serve's stop lets the shipper finish what is pending. */
#define SHIP_STOP_MS 5000
#define SHIP_ERR_MAX 256

typedef struct ship ship; /* opaque */

/* The shipper's state, for stats.h. */
typedef struct ship_stats {
    int enabled;          /* pg_dsn is set */
    int connected;        /* a connection to PostgreSQL is up */
    int positions_known;  /* read from PostgreSQL at least once */
    uint64_t ops_shipped; /* since the start */
    uint64_t records_shipped;
    uint64_t txns;       /* PostgreSQL transactions committed */
    uint64_t ops_behind; /* ops in the stores not in PostgreSQL */
    int64_t lag_ms;      /* age of the oldest op not shipped (0: none) */
    uint64_t errors;     /* connections lost or refused, failed batches */
    int64_t last_error_ms;
    char last_error[SHIP_ERR_MAX]; /* "" when none yet */
} ship_stats;

/* Makes a shipper for the sites under data_dir (ss, the server's) to the
 * database dsn (a libpq connection string or URI). Nothing connects
 * before ship_start(). It logs with srv_log (log.h, any thread).
 * RND_ENOMEM. */
int ship_new(const char *dsn, const char *data_dir, srv_sites *ss, ship **out);

/* Starts the thread and the loop's async handle (loop: the caller's).
 * 0 or RND_EIO. */
int ship_start(ship *sp, uv_loop_t *loop);

/* Wakes the thread: new ops are durable. Any thread; never blocks on
 * PostgreSQL. NULL allowed. */
void ship_kick(void *sp);

/* The loop is closing: closes the async handle (the loop must run once
 * more). The thread goes on with the sites it has. Loop thread. */
void ship_detach(ship *sp);

/* Stops the thread: it ships what is pending for up to bound_ms (if
 * connected), then a statement in flight is cancelled and the thread
 * joined. Call after the last commit and before srv_sites_free(). */
void ship_stop(ship *sp, int64_t bound_ms);

/* Frees sp (stopped, or never started). NULL allowed. */
void ship_free(ship *sp);

/* A copy of the state now. Any thread. */
void ship_get_stats(ship *sp, ship_stats *out);

/* One device's last op in a store, for ship_site_shipped(). */
typedef struct ship_head {
    uint64_t device_id;
    uint64_t seq;
} ship_head;

/* Whether PostgreSQL at dsn holds every op up to heads[i].seq of each
 * device of site (ship_position): *behind gets the ops still missing (0:
 * all shipped). Opens and closes its own connection; for `roundsd site
 * move`'s final ship, which waits on it while `serve`'s shipper ships.
 * 0, RND_ECONNECT or RND_EIO with a sentence in err. */
int ship_site_shipped(const char *dsn, const char *site, const ship_head *heads,
                      size_t n, uint64_t *behind, char *err, size_t errlen);

#endif
