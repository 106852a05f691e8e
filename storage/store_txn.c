/* store_txn.c: transactions (store.h, store_write and store_read_begin).
 *
 * Writes run in store_write(): one LMDB write transaction per call,
 * committed with full durability (the environment is never opened with
 * MDB_NOSYNC, MDB_NOMETASYNC or MDB_MAPASYNC). Calls from several threads
 * take turns on the store's writer mutex (wmu); a nested call on the same
 * thread is refused. When a put or the commit finds the map full, the
 * transaction is aborted, the map doubled (store.c) and the caller's
 * function replayed, so a growing store never fails a write for lack of
 * map. Before each commit the counters and chain heads the transaction
 * cached are written out, and meta "txnid" records the transaction id.
 *
 * Read transactions are counted (the reader guard: mu, readers, growing)
 * so that a growth of the map waits for them, and begin again when they
 * catch a commit not yet durable (snapshot_newer).
 *
 * Also here: meta, and the counters a write transaction caches (next seq,
 * chain head, HLC, next log position) until its commit.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "store.h"
#include "store_int.h"

/* ---- transactions ------------------------------------------------------- */

/* Read transactions this thread holds, of any store: a writer that holds
 * one must not wait for readers to end before it grows a map. */
_Thread_local int store__thread_readers;

/* The store_write() calls this thread is inside, innermost first: each
 * call's frame links itself in. Thread-local, so a thread asks only about
 * itself and reads nothing another writer changes. */
typedef struct write_frame {
    const store *s;
    struct write_frame *up;
} write_frame;
static _Thread_local write_frame *thread_writes;

static int flush_counters(store_txn *t);
static int write_locked(store *s, store_write_fn fn, void *ctx);
static int put_u64_raw(store_txn *t, const char *key, uint64_t v);

int store_write(store *s, store_write_fn fn, void *ctx)
{
    if (s->rdonly) {
        store__fail(s, EACCES);
        return RND_EINVAL;
    }
    /* store_write inside store_write of the same store on the same thread
     * would wait for itself; another thread only waits its turn. */
    for (const write_frame *f = thread_writes; f != NULL; f = f->up)
        if (f->s == s)
            return RND_EINVAL;
    write_frame frame = {.s = s, .up = thread_writes};
    thread_writes = &frame;
    pthread_mutex_lock(&s->wmu);
    int rc = write_locked(s, fn, ctx);
    pthread_mutex_unlock(&s->wmu);
    thread_writes = frame.up;
    return rc;
}

static int write_locked(store *s, store_write_fn fn, void *ctx)
{
    for (;;) {
        MDB_txn *txn;
        int rc = store__begin(s, 0, &txn);
        if (rc)
            return store__fail(s, rc);
        /* A new generation leaves the heads cache of an earlier (maybe
         * aborted) attempt behind. */
        if (++s->hgen == 0) {
            memset(s->hc, 0, HEADS_SLOTS * sizeof *s->hc);
            s->hgen = 1;
        }
        s->w = (store_txn){.s = s, .txn = txn, .write = 1, .hgen = s->hgen};
        rc = fn(&s->w, ctx);
        if (rc == 0)
            rc = s->w.broken;
        if (rc == 0)
            rc = flush_counters(&s->w);
        if (rc == 0)
            rc = store__flush_heads(&s->w);
        if (rc == 0)
            rc = put_u64_raw(&s->w, TXNID_KEY, mdb_txn_id(txn));
        if (rc == 0 && !s->w.mapfull) {
            int mrc = mdb_txn_commit(txn); /* frees txn even on failure */
            s->w.txn = NULL;
            if (mrc == 0)
                return 0;
            rc = txfail(&s->w, mrc);
        } else {
            mdb_txn_abort(txn);
            s->w.txn = NULL;
        }
        if (!s->w.mapfull)
            return rc;
        rc = store__grow(s);
        if (rc)
            return rc;
    }
}

/* LMDB 0.9 lets a read transaction that was slow to start (preempted
 * between taking the last committed transaction id and copying that
 * commit's meta page) copy the meta of a later commit, written into the
 * same page, whose write may not yet be durable: seen beside a writer
 * thread as a read that shows more than the next one. Every store_write
 * records its transaction id in meta TXNID_KEY; a read that finds one
 * above its own id has such a copy and starts again. */
#define SNAPSHOT_TRIES 100000

static int snapshot_newer(store *s, MDB_txn *txn)
{
    MDB_val k = {sizeof TXNID_KEY - 1, TXNID_KEY}, v;
    if (mdb_get(txn, s->meta, &k, &v) != 0 || v.mv_size != 8)
        return 0;
    return proto_be64_get(v.mv_data) > (uint64_t)mdb_txn_id(txn);
}

/* A read transaction of s is about to begin: waits for a growth of the
 * map in progress, then counts it. */
static void read_counted(store *s)
{
    pthread_mutex_lock(&s->mu);
    while (s->growing)
        pthread_cond_wait(&s->mu_cv, &s->mu);
    s->readers++;
    pthread_mutex_unlock(&s->mu);
}

/* A read transaction of s ended (or failed to begin). */
static void read_done(store *s)
{
    pthread_mutex_lock(&s->mu);
    if (--s->readers == 0)
        pthread_cond_broadcast(&s->mu_cv);
    pthread_mutex_unlock(&s->mu);
}

int store_read_begin(store *s, store_txn **out)
{
    *out = NULL;
    store_txn *t = calloc(1, sizeof *t);
    if (t == NULL)
        return RND_ENOMEM;
    /* Counted before it begins, so a writer on another thread cannot move
     * the map between the two. */
    read_counted(s);
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t->txn);
    if (rc == MDB_MAP_RESIZED) {
        /* Another process grew the map: adopt it (uncounted meanwhile, as
         * the adoption waits for this process's reads to end). */
        read_done(s);
        rc = store__adopt_map(s);
        read_counted(s);
        if (rc == 0)
            rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t->txn);
    }
    /* The writer's commit ends in microseconds: by then a new read
     * transaction takes its id, and the copy agrees. */
    for (int i = 0; rc == 0 && i < SNAPSHOT_TRIES && snapshot_newer(s, t->txn);
         i++) {
        mdb_txn_abort(t->txn);
        sched_yield();
        rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t->txn);
    }
    if (rc) {
        read_done(s);
        free(t);
        return store__fail(s, rc);
    }
    store__thread_readers++;
    t->s = s;
    *out = t;
    return 0;
}

void store_read_end(store_txn *txn)
{
    if (txn == NULL)
        return;
    mdb_txn_abort(txn->txn);
    store__thread_readers--;
    read_done(txn->s);
    free(txn);
}

/* ---- meta --------------------------------------------------------------- */

/* LMDB's default key limit. */
#define MAX_KEY 511

int store_meta_get(store_txn *txn, const char *key, const void **val,
                   size_t *len)
{
    size_t klen = key ? strlen(key) : 0;
    if (klen == 0 || klen > MAX_KEY)
        return RND_EINVAL;
    /* What the cache holds must be in meta before anyone reads meta. */
    int rc = flush_counters(txn);
    if (rc)
        return rc;
    MDB_val v;
    rc = get(txn, txn->s->meta, key, klen, &v);
    if (rc)
        return rc;
    *val = v.mv_data;
    *len = v.mv_size;
    return 0;
}

int store_meta_put(store_txn *txn, const char *key, const void *val, size_t len)
{
    size_t klen = key ? strlen(key) : 0;
    if (!txn->write || klen == 0 || klen > MAX_KEY)
        return RND_EINVAL;
    /* A direct write may change a cached counter: flush, then forget. */
    int rc = flush_counters(txn);
    if (rc)
        return rc;
    txn->have_writer = txn->have_hlc = txn->have_log = 0;
    return put(txn, txn->s->meta, key, klen, val, len, 0);
}

int store_meta_get_u64(store_txn *txn, const char *key, uint64_t *out)
{
    const void *v;
    size_t len;
    int rc = store_meta_get(txn, key, &v, &len);
    if (rc)
        return rc;
    if (len != 8)
        return RND_ECORRUPT;
    *out = proto_be64_get(v);
    return 0;
}

int store_meta_put_u64(store_txn *txn, const char *key, uint64_t v)
{
    uint8_t buf[8];
    proto_be64_put(buf, v);
    return store_meta_put(txn, key, buf, sizeof buf);
}

/* A u64 meta value that defaults to dflt when absent. */
int store__meta_u64_or(store_txn *t, const char *key, uint64_t dflt,
                       uint64_t *out)
{
    int rc = store_meta_get_u64(t, key, out);
    if (rc == RND_ENOTFOUND) {
        *out = dflt;
        return 0;
    }
    return rc;
}

/* ---- counters cached in a write transaction ------------------------------ */

static int put_u64_raw(store_txn *t, const char *key, uint64_t v)
{
    uint8_t buf[8];
    proto_be64_put(buf, v);
    return put(t, t->s->meta, key, strlen(key), buf, sizeof buf, 0);
}

static int flush_counters(store_txn *t)
{
    int rc = 0;
    if (!t->write)
        return 0;
    if (t->writer_dirty) {
        rc = put_u64_raw(t, "next_seq", t->next_seq);
        if (rc == 0)
            rc = put(t, t->s->meta, "chain_head", 10, t->chain_head,
                     PROTO_HASH_LEN, 0);
        if (rc)
            return rc;
        t->writer_dirty = 0;
    }
    if (t->hlc_dirty) {
        if ((rc = put_u64_raw(t, "hlc", t->hlc)) != 0)
            return rc;
        t->hlc_dirty = 0;
    }
    if (t->log_dirty) {
        if ((rc = put_u64_raw(t, "log_next", t->log_next)) != 0)
            return rc;
        t->log_dirty = 0;
    }
    return 0;
}

/* The HLC: cached in write transactions, read from meta in others. */
int store__hlc_get(store_txn *t, uint64_t *out)
{
    if (t->have_hlc) {
        *out = t->hlc;
        return 0;
    }
    int rc = store__meta_u64_or(t, "hlc", 0, out);
    if (rc == 0 && t->write) {
        t->hlc = *out;
        t->have_hlc = 1;
    }
    return rc;
}

int store__log_next_get(store_txn *t, uint64_t *out)
{
    if (!t->have_log) {
        int rc = store__meta_u64_or(t, "log_next", 0, &t->log_next);
        if (rc)
            return rc;
        t->have_log = 1;
    }
    *out = t->log_next;
    return 0;
}
