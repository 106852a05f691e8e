/* store_int.h: internal to storage/ (and its tests): never installed,
 * never included outside storage/ but by tests/storage. What the files of
 * the store share: the layout constants of store.h's databases, struct
 * store and struct store_txn, the small LMDB wrappers every file uses
 * (static inline: file-local in each, as they were in one store.c), and
 * the store__ helpers one file defines for the others.
 *
 * The store is written in these files, each saying at its top what it
 * owns:
 *   store.c         the environment: open, close, copy, formats, errors,
 *                   key order, and growing the map
 *   store_txn.c     transactions: store_write() and the writer mutex, read
 *                   transactions and the reader count that guards the map,
 *                   meta and the counters a write transaction caches
 *   store_heads.c   chain heads: the heads database and its cache
 *   store_log.c     the op log (ops) and the arrival log (log, eops)
 *   store_entity.c  merged entities and their indexes (bykind, open)
 *   store_refs.c    the refs: records by person and unit (format 4)
 *   store_ingest.c  ops coming in: the writer's identity, local appends,
 *                   ingest of received ops, and a restored store's rebase
 * LMDB codes never leave storage/: store__fail() translates them.
 */
#ifndef RND_STORE_INT_H
#define RND_STORE_INT_H

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <lmdb.h>

#include "fold.h"
#include "store.h"

/* The meta key where every write records its LMDB transaction id (see
 * snapshot_newer). */
#define TXNID_KEY "txnid"

/* The map a new store starts with; it doubles whenever a write fills it. */
#define INITIAL_MAP ((size_t)64 << 20)

/* Key sizes of the layouts in store.h. */
#define OPS_KEY 16
#define LOG_KEY 8
#define EOPS_KEY (PROTO_ENTITY_LEN + 24)
#define KIND_KEY (1 + PROTO_ENTITY_LEN)
/* An ops value starts with the receive time before the encoded op. */
#define RECV_LEN 8
/* An entities value starts with the kind and the flags before the state. */
#define ENTITY_HDR 2
#define ENTITY_OPEN 1
/* A heads value: the device's highest seq, then the hash of that op. */
#define HEAD_VAL (8 + PROTO_HASH_LEN)

/* Chain heads touched by a write transaction are kept in a small hash
 * table and written to heads once, before the commit: a push of 1,000 ops
 * of one device then costs one heads put, not 1,000. Slots belong to the
 * transaction whose generation they carry; a full probe window writes one
 * slot out early (a shift change with hundreds of devices in one commit). */
#define HEADS_SLOTS 256 /* a power of two */
#define HEADS_PROBE 8
typedef struct head_slot {
    uint64_t device_id;
    uint64_t seq;
    uint32_t gen;
    int dirty;
    /* hash is not yet that of op seq (see head_hash). */
    int stale;
    uint8_t hash[PROTO_HASH_LEN];
} head_slot;

/* The databases a write transaction keeps a cursor on: those every new op
 * writes to. */
#define NWC 5

struct store_txn {
    store *s;
    MDB_txn *txn;
    int write;
    /* Set when any LMDB call of this transaction reported MDB_MAP_FULL, so
     * store_write() grows the map even if fn turned the error into another
     * one or ignored it. */
    int mapfull;
    /* The first error of a store call that failed after it had begun to
     * write (an op stored but not indexed, say). Such a transaction must not
     * commit: store_write() aborts it and returns this even if fn goes on
     * and returns 0. */
    int broken;
    /* Counters every new op changes, kept here while a write transaction
     * runs and written to meta once, before it commits (flush_counters):
     * reading and rewriting four meta keys per op was a third of the cost
     * of a batched record. Loaded lazily; only write transactions cache. */
    int have_writer, have_hlc, have_log;
    int writer_dirty, hlc_dirty, log_dirty;
    uint64_t device_id, next_seq, hlc, log_next;
    uint8_t chain_head[PROTO_HASH_LEN];
    /* This write transaction's generation in the heads cache. */
    uint32_t hgen;
    /* The store's hbuf holds the encoding of op (hdev, hseq), hlen bytes,
     * the last one ingested, while have_hbuf is set. */
    int have_hbuf;
    uint64_t hdev, hseq;
    size_t hlen;
    /* Write transactions keep one cursor per busy database (see put()).
     * LMDB closes them with the transaction. */
    MDB_cursor *wc[NWC];
};

struct store {
    MDB_env *env;
    MDB_dbi ops, log, eops, entities, bykind, open, meta, heads;
    /* Attachments (store_attach.c): by hash, and by record then hash. */
    MDB_dbi atts, eatts;
    /* 0 in a format-2 store opened read-only: no attachment indexes. */
    int has_atts;
    /* Records by person and unit (store_refs.c), format 4; 0 in an older
     * store opened read-only. refst: scratch for parsing states. */
    MDB_dbi refs;
    int has_refs;
    fold_state *refst;
    int rdonly;
    /* The format the store is in: STORE_FORMAT_VERSION once open for
     * writing (older ones are migrated), what it says when read-only. */
    int format;
    /* 0 in a format-1 store opened read-only: no heads database, so chain
     * heads are read from ops (slowly, as format 1 did). */
    int has_heads;
    head_slot *hc; /* HEADS_SLOTS slots, writable stores only */
    uint32_t hgen; /* the generation of the last write transaction */
    /* mu guards readers, the map size and raw*: a read transaction may
     * begin on one thread while another writes (store.h, Threads). */
    pthread_mutex_t mu;
    pthread_cond_t mu_cv; /* readers fell to 0, or a growth ended */
    int readers; /* read transactions open: the map must not move under them */
    int growing; /* a writer waits for readers to end to grow the map */
    int raw;
    char raw_text[160];
    /* Held for a whole store_write(): writers on several threads take
     * turns. A nested call on the same thread is refused through
     * thread_writes, never by reading w or wmu's owner unlocked. */
    pthread_mutex_t wmu;
    /* The write transaction of store_write(); txn is NULL outside it. */
    store_txn w;
    /* The clock bound of ingest (store_set_clock_bound): a received stamp
     * past recv_ms + wall_adjust_ms + max_offset_ms does not move the HLC. */
    int64_t max_offset_ms, wall_adjust_ms;
    /* Scratch for store_append_local: the receive time then the encoding. */
    uint8_t *enc;
    /* A copy of the last ingested op, for its chain-head hash (head_hash). */
    uint8_t *hbuf;
    /* Scratch for a refold: the entity header then the folded state. */
    uint8_t *state;
    /* Growable arrays handed to store_fold, reused across refolds. */
    const uint8_t **encs;
    size_t *lens;
    size_t cap;
};

/* ---- errors (store.c) -----------------------------------------------------
 */

/* Keeps raw (an LMDB code or errno) for store_last_raw_* and returns the
 * project code it stands for. s may be NULL. */
int store__fail(store *s, int raw);

/* Like store__fail() for a call made inside transaction t: remembers a full map
 * so store_write() knows to grow and replay. */
static inline int txfail(store_txn *t, int raw)
{
    if (raw == MDB_MAP_FULL)
        t->mapfull = 1;
    return store__fail(t->s, raw);
}

/* Records that a store call failed half way through its writes. */
static inline int broke(store_txn *t, int rc)
{
    if (rc && !t->broken)
        t->broken = rc;
    return rc;
}

/* ---- small LMDB wrappers ------------------------------------------------ */

/* The write transaction's own cursor on dbi, for the databases every new
 * op writes to; NULL for others and in read transactions. mdb_put() walks
 * the B-tree from its root every time; a cursor that stays on the leaf it
 * last wrote finds the next key there without a walk when the key falls
 * inside that leaf or past the tree's last key (LMDB's mdb_cursor_set),
 * which is where new ops, their entities (ids begin with their creation
 * time) and log entries mostly land. The log is put with MDB_APPEND, which
 * through a cursor already at the end skips even the walk to the last
 * leaf that mdb_put() makes. */
static inline MDB_cursor *wcursor(store_txn *t, MDB_dbi dbi)
{
    store *s = t->s;
    int i;
    if (!t->write)
        return NULL;
    if (dbi == s->ops)
        i = 0;
    else if (dbi == s->eops)
        i = 1;
    else if (dbi == s->entities)
        i = 2;
    else if (dbi == s->bykind)
        i = 3;
    else if (dbi == s->log)
        i = 4;
    else
        return NULL;
    if (t->wc[i] == NULL && mdb_cursor_open(t->txn, dbi, &t->wc[i]) != 0)
        t->wc[i] = NULL; /* mdb_put below works without it */
    return t->wc[i];
}

static inline int get(store_txn *t, MDB_dbi dbi, const void *key, size_t klen,
                      MDB_val *v)
{
    MDB_val k = {klen, (void *)key};
    MDB_cursor *c = wcursor(t, dbi);
    int rc =
        c ? mdb_cursor_get(c, &k, v, MDB_SET) : mdb_get(t->txn, dbi, &k, v);
    if (rc == MDB_NOTFOUND)
        return RND_ENOTFOUND;
    return rc ? txfail(t, rc) : 0;
}

/* A put through the transaction's cursor where it has one. v is updated
 * (MDB_RESERVE gives back where to write). */
static inline int put_val(store_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v,
                          unsigned flags)
{
    MDB_cursor *c = wcursor(t, dbi);
    return c ? mdb_cursor_put(c, k, v, flags)
             : mdb_put(t->txn, dbi, k, v, flags);
}

static inline int put(store_txn *t, MDB_dbi dbi, const void *key, size_t klen,
                      const void *val, size_t vlen, unsigned flags)
{
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    int rc = put_val(t, dbi, &k, &v, flags);
    /* Callers use MDB_NOOVERWRITE and MDB_APPEND only where the key must be
     * new: a clash means the indexes disagree with each other. */
    if (rc == MDB_KEYEXIST)
        return RND_ECORRUPT;
    return rc ? txfail(t, rc) : 0;
}

static inline int del(store_txn *t, MDB_dbi dbi, const void *key, size_t klen)
{
    MDB_val k = {klen, (void *)key};
    int rc = mdb_del(t->txn, dbi, &k, NULL);
    if (rc == MDB_NOTFOUND)
        return 0;
    return rc ? txfail(t, rc) : 0;
}

static inline int cursor(store_txn *t, MDB_dbi dbi, MDB_cursor **c)
{
    int rc = mdb_cursor_open(t->txn, dbi, c);
    return rc ? txfail(t, rc) : 0;
}

/* A cursor step that maps "no more keys" to 1. */
static inline int step(store_txn *t, MDB_cursor *c, MDB_val *k, MDB_val *v,
                       MDB_cursor_op op)
{
    int rc = mdb_cursor_get(c, k, v, op);
    if (rc == MDB_NOTFOUND)
        return 1;
    return rc ? txfail(t, rc) : 0;
}

static inline void ops_key(uint8_t key[OPS_KEY], uint64_t device_id,
                           uint64_t seq)
{
    proto_be64_put(key, device_id);
    proto_be64_put(key + 8, seq);
}

/* ---- the environment and the map (store.c) ---------------------------------
 */

/* The key order every database of a store is opened with (store.c): the
 * same order as LMDB's default (bytewise, a prefix before the longer key),
 * computed faster. Negative, 0 or positive like memcmp(). */
int store__key_cmp(const MDB_val *a, const MDB_val *b);

/* Begins an LMDB transaction, adopting a map another process has grown
 * (unless a read of this thread still uses the old mapping). An LMDB
 * code. */
int store__begin(store *s, unsigned flags, MDB_txn **out);

/* Adopts the map another process grew (after MDB_MAP_RESIZED): 0, or an
 * LMDB code (MDB_MAP_RESIZED still when a read of this thread holds the
 * old mapping). */
int store__adopt_map(store *s);

/* Doubles the map (no write transaction open). */
int store__grow(store *s);

/* Read transactions this thread holds, of any store (store_txn.c counts
 * them): a writer that holds one must not wait for readers to end before
 * it grows a map. */
extern _Thread_local int store__thread_readers;

/* ---- meta and cached counters (store_txn.c) ------------------------------ */

/* A u64 meta value that defaults to dflt when absent. */
int store__meta_u64_or(store_txn *t, const char *key, uint64_t dflt,
                       uint64_t *out);

/* The HLC: cached in write transactions, read from meta in others. */
int store__hlc_get(store_txn *t, uint64_t *out);
static inline void hlc_set(store_txn *t, uint64_t v)
{
    t->hlc = v;
    t->have_hlc = t->hlc_dirty = 1;
}

/* The next arrival position of the log (cached like the HLC). */
int store__log_next_get(store_txn *t, uint64_t *out);

/* ---- chain heads (store_heads.c) ----------------------------------------- */

/* The hash of device_id's op seq, or zeros for seq 0. */
int store__op_hash(store_txn *t, uint64_t device_id, uint64_t seq,
                   uint8_t out[PROTO_HASH_LEN]);

/* The cache slot of device_id in write transaction t, loaded from heads on
 * first use. */
int store__head_slot_get(store_txn *t, uint64_t device_id, head_slot **out);

/* Sets device_id's head in the cache (written out by the commit). */
int store__head_set(store_txn *t, uint64_t device_id, uint64_t seq,
                    const uint8_t hash[PROTO_HASH_LEN]);

/* Writes the heads this transaction changed; store_write() calls it just
 * before the commit. */
int store__flush_heads(store_txn *t);

/* ---- the logs (store_log.c) ---------------------------------------------- */

/* Adds an op already in ops to the arrival log and its entity's index. */
int store__index_op(store_txn *t, const store_op_head *op);

/* ---- attachments (store_attach.c) ---------------------------------------- */

/* Indexes the attachment of an attach op just stored (atts, eatts).
 * decoded may be NULL: enc is decoded then. An op whose attach fields do
 * not read (one a lenient store took in) is stored but not indexed. */
int store__index_attach(store_txn *t, const store_op_head *op,
                        const proto_op *decoded, const uint8_t *enc,
                        size_t len);

/* Takes an attach op's reference out of eatts when it is the one
 * indexed (a rebase renumbers the op, and its append indexes it again). */
int store__unindex_attach(store_txn *t, const proto_op *op);

/* ---- entities (store_entity.c) ------------------------------------------- */

/* RND_EMALFORMED when op's entity exists with another kind; *is_new says
 * whether it exists. */
int store__kind_ok(store_txn *t, const store_op_head *op, int *is_new);

/* Keeps bykind and open in step with an entity just written with info. */
int store__index_entity(store_txn *t, const uint8_t id[PROTO_ENTITY_LEN],
                        const fold_info *info, int had, int old_kind,
                        int old_open);

/* Folds an entity's ops into its merged state (store_entity.c says how). */
int store__refold(store_txn *t, const uint8_t id[PROTO_ENTITY_LEN],
                  const uint8_t *first_enc, size_t first_len,
                  const proto_op *first_op, const store_prep *pre);

/* Stores the entity a create op makes, in one put (store_entity.c). */
int store__create_entity(store_txn *t, const store_op_head *op,
                         const proto_op *decoded, const uint8_t *enc,
                         size_t len, const store_prep *pre, int *is_new,
                         int *written, fold_info *info);

/* ---- refs (store_refs.c) --------------------------------------------------
 */

/* The refs an entity's state gives, computed before the state is
 * overwritten (*out NULL when it has none or the store keeps none; freed
 * by store__refs_update). */
typedef struct store_refset store_refset;
int store__refs_of(store_txn *t, const uint8_t id[PROTO_ENTITY_LEN], int kind,
                   int open, const uint8_t *state, size_t len,
                   store_refset **out);

/* Brings the refs of an entity just written with state (kind, open) in
 * step, old being those of the state it replaced (NULL: none); frees
 * old. */
int store__refs_update(store_txn *t, const uint8_t id[PROTO_ENTITY_LEN],
                       store_refset *old, int kind, int open,
                       const uint8_t *state, size_t len);

/* Format 3 -> 4: fills the (new, empty) refs from entities (migrate.h's
 * contract: an LMDB or errno code). *refs gets the number of keys. */
int store__migrate_3_to_4(store *s, MDB_txn *txn, unsigned long *refs);

#endif
