/* site.h: the server's per-site stores and their group commit.
 *
 * Every site has one store (storage/store.h) at DATA/sites/<site>/, holding
 * the ops of all its devices and the office's own ops. Stores are opened
 * lazily, on first use, and stay open until srv_sites_free(). A new site
 * store gets a writer identity of its own: the site's office (a random
 * device id, name "office"), used for master-data ops. In a server (after
 * srv_sites_start()) srv_sites_open() opens and migrates them on a worker
 * of the loop's thread pool, so the loop goes on serving other sites.
 *
 * Group commit: a session hands each decoded PUSH batch to its site with
 * srv_site_submit(); every queued batch of a site is then committed in ONE
 * durable store_write() (by the commit thread, below, or by
 * srv_sites_flush() without it), then each batch's done callback runs on
 * the loop thread. A batch that fails
 * validation (a gap or bad prev_hash in its chain: RND_ECHAIN; an op of
 * another device: RND_EFOREIGN; an op the store refuses) is taken out and
 * the write replayed without it, so one bad session never costs the others
 * their commit.
 *
 * Threads: the loop thread owns everything here but the queues. After
 * srv_sites_start() the commits themselves (store_write and its fsync) run
 * on a commit thread of their own, one round at a time: while a round of
 * batches commits, the loop goes on decrypting and preparing the next
 * frames, which queue (under a mutex) and form the next round as soon as
 * this one is durable. The thread touches only the batches it took and
 * the site stores; they come back to the loop (a uv_async), where the done
 * callbacks run. Without srv_sites_start() (tests, fuzzers) every flush
 * commits on the caller's thread.
 */
#ifndef RND_SRV_SITE_H
#define RND_SRV_SITE_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "../proto/msg.h"
#include "../storage/store.h"

/* Site and device names: 1..SRV_NAME_MAX bytes of [A-Za-z0-9_.-], not "."
 * or "..". They become directory names and registry keys. */
#define SRV_NAME_MAX 63

/* 1 when s[0..len) is a valid site or device name, else 0. */
int srv_name_valid(const char *s, size_t len);

typedef struct srv_sites srv_sites; /* opaque */
typedef struct srv_site srv_site;   /* opaque; owned by its srv_sites */

/* A PUSH batch on its way to a durable commit: opaque (server/site_int.h
 * defines it for site.c and session.c). Made by srv_batch_new(); owned by
 * the submitter, except while queued (between srv_site_submit() and the
 * done callback, the site holds it). */
typedef struct srv_batch srv_batch;
typedef void (*srv_batch_done_fn)(srv_batch *b, void *owner);

/* Allocates a batch able to hold nops ops of data_bytes bytes in all;
 * srv_batch_add() copies them in. Free with srv_batch_free(). NULL when out
 * of memory. */
srv_batch *srv_batch_new(uint32_t nops, size_t data_bytes);
/* Copies one encoded op into b. RND_ENOSPACE when it would exceed what
 * srv_batch_new() was asked for. */
int srv_batch_add(srv_batch *b, const uint8_t *enc, uint32_t len);
void srv_batch_free(srv_batch *b);

/* The device whose ops b carries (every op must be its). */
void srv_batch_set_device(srv_batch *b, uint64_t device_id);

/* Ops of b new to the store at its last commit (the rest were resends). */
uint32_t srv_batch_added(const srv_batch *b);

/* The two halves of a batch's way to the store, as srv_site_submit() and
 * the commit run them; exported so that bench_ingest times this code.
 * srv_batch_prepare() decodes, hashes and folds every op of b
 * (store_prepare) on the caller's thread, keeping a decode error for the
 * commit to refuse the batch with. srv_batch_commit() stores b's prepared
 * ops in txn, received at now: resends (seq <= what the store holds, with
 * the bytes it holds) are dropped, every new op must continue the
 * device's chain. It returns 0 or why the batch is refused (RND_ECHAIN,
 * RND_EFORK, the prepare's error, a storage error), and leaves the
 * batch's results (added, acked seq, clock checks) in b. Replayable, as a
 * store_write() callback must be. */
void srv_batch_prepare(srv_batch *b);
int srv_batch_commit(store_txn *txn, srv_batch *b, int64_t now);

/* Makes the set of site stores under data_dir (DATA/sites is created when
 * a store is first created). *out is freed with srv_sites_free(). The clock
 * gives receive times (ms since the epoch); NULL means the system clock. */
int srv_sites_new(const char *data_dir, int64_t (*now_ms)(void *),
                  void *clock_ctx, srv_sites **out);

/* The maximum clock offset (ms; negative: none) given to every site store
 * opened from now on (store_set_clock_bound): a pushed stamp past the
 * server's time plus it does not move the site's HLC. Default
 * STORE_MAX_OFFSET_DEFAULT_MS; roundsd serve sets max_clock_offset_min. */
void srv_sites_set_max_offset(srv_sites *ss, int64_t max_offset_ms);

/* Closes every store. Queued batches are freed without their callbacks:
 * flush first. NULL allowed. */
void srv_sites_free(srv_sites *ss);

/* The site named name[0..len), opening (with create: creating) its store
 * on first use. RND_EINVAL for an invalid name, RND_ENOTFOUND when it does
 * not exist and create is 0, or a store error. The site lives as long as
 * ss. */
int srv_sites_get(srv_sites *ss, const char *name, size_t len, int create,
                  srv_site **out);

/* A caller waiting for a site store that srv_sites_open() opens on a
 * worker thread. Owned by the caller, who sets ready and owner; the rest
 * is srv_sites'. It must stay valid until ready runs or
 * srv_sites_open_cancel(). */
typedef struct srv_site_wait srv_site_wait;
struct srv_site_wait {
    /* Called on the loop thread once the store is open (rc 0, site set)
     * or could not be opened (rc, site NULL). */
    void (*ready)(srv_site_wait *w, int rc, srv_site *site);
    void *owner;
    void *req_;           /* private */
    srv_site_wait *next_; /* private */
};

/* srv_sites_get(name, create) without opening a store on the loop thread:
 * 0 with *out set when the site is open already; RND_EAGAIN when its store
 * is being opened (or migrated) on a worker of the loop's thread pool,
 * then w->ready runs later on the loop thread (every waiter of one site
 * shares one open); another code for a bad name or no memory. Before
 * srv_sites_start() (no loop) it opens the store here, like
 * srv_sites_get(). */
int srv_sites_open(srv_sites *ss, const char *name, size_t len,
                   srv_site_wait *w, srv_site **out);

/* w no longer waits: its ready callback will not run. No-op when w is not
 * waiting. */
void srv_sites_open_cancel(srv_site_wait *w);

const char *srv_site_name(const srv_site *site);
store *srv_site_store(srv_site *site);
/* The site's attachments (storage/blob.h), in its folder's attachments/:
 * opened at the first call (a few folder syncs), then kept. 0 or a blob
 * error. Loop thread. */
struct blob_store;
int srv_site_blobs(srv_site *site, struct blob_store **out);

/* Work for the loop's thread pool: work runs on a worker, then done on
 * the loop thread with 0 (or RND_EIO when the pool failed it). Before
 * srv_sites_start() (no loop: tests) both run at once, inside the call.
 * The caller owns w until done runs. */
typedef struct srv_work srv_work;
struct srv_work {
    void (*work)(srv_work *w);
    void (*done)(srv_work *w, int rc);
    uv_work_t req_; /* private */
};
int srv_sites_work(srv_sites *ss, srv_work *w);
/* The sites a site belongs to. */
srv_sites *srv_site_sites(srv_site *site);
/* The device id of the site's office writer. */
uint64_t srv_site_office_id(const srv_site *site);

/* The site store's incarnation (meta "incarnation", u64): a random,
 * non-zero id set when the store is created (or first opened for writing
 * by a server that knows it) and changed by `roundsd restore`. Sent in
 * WELCOME: a handheld whose pull cursor was given by another incarnation
 * pulls again from 0, because a restored log reuses arrival positions. */
uint64_t srv_site_incarnation(const srv_site *site);

/* Reads st's incarnation into *out (0 when it has none yet). */
int srv_store_incarnation(store *st, uint64_t *out);

/* Gives writable store st a new random incarnation, durably (restore). */
int srv_store_new_incarnation(store *st, uint64_t *out);

/* Forked pushes refused for a device (RND_EFORK: an op under a seq the
 * store holds with other bytes), kept in the site store's meta under
 * "fork/<device id, 16 hex>" (24 bytes: count, last_ms, last_seq, u64
 * big-endian each), written by the commit that refuses them. */
typedef struct srv_fork_info {
    uint64_t count;    /* 0: never */
    int64_t last_ms;   /* server time of the last one */
    uint64_t last_seq; /* the held seq it forked at (0: unknown) */
} srv_fork_info;
#define SRV_FORK_KEY_MAX 22
void srv_fork_key(uint64_t device_id, char key[SRV_FORK_KEY_MAX]);
/* Reads device_id's record into *out (zeros when none). */
int srv_site_forks(store_txn *txn, uint64_t device_id, srv_fork_info *out);

/* Queues b (filled, with done and owner set) for the next flush. Each op
 * is decoded, hashed and folded as its own entity's state here, on the
 * caller's thread (store_prepare), so the commit does not. The done
 * callback runs exactly once, from srv_sites_flush(), unless the batch is
 * cancelled first. */
void srv_site_submit(srv_site *site, srv_batch *b);

/* Takes every queued batch of owner off site's queue and frees it; their
 * callbacks never run. A batch of owner in the commit round in flight is
 * committed (or not) as it goes, then freed without its callback. Returns
 * how many were taken off the queue. */
size_t srv_site_cancel(srv_site *site, void *owner);

/* Batches queued on all sites (not counting those the thread took). */
size_t srv_sites_pending(srv_sites *ss);

/* With the commit thread: 1 while any batch is queued, being committed, or
 * committed with its callback not run yet. 0 without the thread. */
int srv_sites_busy(srv_sites *ss);

/* Commits every queued batch: one store_write() per site that has any,
 * then the done callbacks, in submission order per site. With the commit
 * thread, waits until it has committed everything queued and runs the
 * callbacks here, so on return nothing is queued or in flight. Callbacks
 * may submit new batches: those wait for the next flush. Returns 0, or
 * the last storage error (which the affected batches carry in rc as
 * well). */
int srv_sites_flush(srv_sites *ss);

/* Starts the commit thread: from now on it takes whatever is queued as a
 * round as soon as the previous round is durable, and the loop (whose
 * thread must be the caller's) runs the callbacks. ss's clock is then read
 * on the commit thread. log (may be NULL) is given a line for a failed
 * commit, on the loop thread. Returns 0 or RND_ENOMEM/RND_EIO. */
int srv_sites_start(srv_sites *ss, uv_loop_t *loop,
                    void (*log)(void *ctx, const char *line), void *log_ctx);

/* fn(ctx) runs on the commit thread after each round it committed (the
 * PostgreSQL shipper's wake-up, ship.h): it must not block. Set before
 * srv_sites_start(). */
void srv_sites_on_commit(srv_sites *ss, void (*fn)(void *ctx), void *ctx);

/* When the last commit round ended, in ms of uv_hrtime() (monotonic; 0:
 * none since start). Any thread, also after srv_sites_stop. The
 * background work that serves the head office (the shipper, the group
 * reports) waits while this is recent: handhelds are pushing, and on a
 * machine of few cores their CPU is the pushes' (docs/POSTGRES.md, "How
 * it ships", step 5). */
int64_t srv_sites_last_commit_ms(srv_sites *ss);

/* For such work: how many ms more to wait before it goes on, 0 to go on
 * now: once the last commit is settle_ms old (or there was none), or
 * once it has waited max_ms since *since_ms, which the first wait sets
 * (-1 before it; the caller resets it for each pass, so a server that
 * never pauses still gets its work done every max_ms). */
int64_t srv_sites_yield_ms(srv_sites *ss, int64_t settle_ms, int64_t max_ms,
                           int64_t *since_ms);

/* The wait itself, for a thread of such work: sleeps on cv under mu (a
 * signal of cv ends a sleep early, to measure again) until
 * srv_sites_yield_ms says go (0) or *quit, read under mu, is set (1). */
int srv_sites_yield_wait(srv_sites *ss, int64_t settle_ms, int64_t max_ms,
                         int64_t *since_ms, uv_mutex_t *mu, uv_cond_t *cv,
                         const int *quit);

/* The same rule on given times (ms, one clock; last 0: no commit yet):
 * pure, for srv_sites_yield_ms and its test. */
int64_t srv_yield_ms(int64_t now, int64_t last, int64_t settle_ms,
                     int64_t max_ms, int64_t *since_ms);

/* Without a commit thread: srv_sites_flush(). With one: nothing to do
 * (srv_site_submit() woke it). */
int srv_sites_kick(srv_sites *ss);

/* Commits what is queued, runs the callbacks, stops the thread and closes
 * its async handle (the loop must run once more to finish closing it).
 * Later flushes commit on the caller's thread. No-op if not started. */
void srv_sites_stop(srv_sites *ss);

/* Opens the store of one site for an admin command: the office identity is
 * made on creation. flags as store_open(); *office_id may be NULL. */
int srv_site_open(const char *data_dir, const char *name, unsigned flags,
                  store **out, uint64_t *office_id);

#endif
