/* store_heads.c: chain heads (store.h, store_device_head).
 *
 * The heads database holds, per device, its highest seq and the SHA-256
 * of that op: the prev_hash its next op must carry. A write transaction
 * keeps the heads it touches in a small cache in the store (head_slot,
 * store_int.h) and writes them out once, before its commit
 * (store__flush_heads), and hashes a head's op only when asked for it.
 */
#include <string.h>

#include <lmdb.h>

#include "store.h"
#include "store_int.h"

/* ---- chain heads -------------------------------------------------------- */

static void head_val(uint8_t val[HEAD_VAL], uint64_t seq,
                     const uint8_t hash[PROTO_HASH_LEN])
{
    proto_be64_put(val, seq);
    memcpy(val + 8, hash, PROTO_HASH_LEN);
}

/* Makes h->hash the hash of op h->seq. An ingest only notes that the head
 * moved: a pull stores thousands of ops of a device in one write and
 * needs the hash of its last one only, at the commit; hashing every op
 * cost a fifth of an ingest's instructions. The op is hashed from the
 * copy of the last ingested one when it is that one (roundsd asks for the
 * head after every op of a push), else read back from ops. */
static int head_hash(store_txn *t, head_slot *h)
{
    if (!h->stale)
        return 0;
    if (t->have_hbuf && t->hdev == h->device_id && t->hseq == h->seq) {
        proto_op_hash(t->s->hbuf, t->hlen, h->hash);
    } else {
        int rc = store__op_hash(t, h->device_id, h->seq, h->hash);
        if (rc)
            return rc;
    }
    h->stale = 0;
    return 0;
}

static int head_write(store_txn *t, head_slot *h)
{
    uint8_t key[8], val[HEAD_VAL];
    int rc = head_hash(t, h);
    if (rc)
        return rc;
    proto_be64_put(key, h->device_id);
    head_val(val, h->seq, h->hash);
    return put(t, t->s->heads, key, sizeof key, val, sizeof val, 0);
}

/* Reads device_id's head from the heads database: seq 0 and zeros when the
 * store holds no op of it. */
static int head_read(store_txn *t, uint64_t device_id, uint64_t *seq,
                     uint8_t hash[PROTO_HASH_LEN])
{
    uint8_t key[8];
    MDB_val v;
    proto_be64_put(key, device_id);
    int rc = get(t, t->s->heads, key, sizeof key, &v);
    if (rc == RND_ENOTFOUND) {
        *seq = 0;
        memset(hash, 0, PROTO_HASH_LEN);
        return 0;
    }
    if (rc)
        return rc;
    if (v.mv_size != HEAD_VAL)
        return RND_ECORRUPT;
    *seq = proto_be64_get(v.mv_data);
    memcpy(hash, (const uint8_t *)v.mv_data + 8, PROTO_HASH_LEN);
    return 0;
}

/* The cache slot of device_id in write transaction t, loaded from heads on
 * first use. */
int store__head_slot_get(store_txn *t, uint64_t device_id, head_slot **out)
{
    store *s = t->s;
    /* Device ids are random: their low bits spread well enough. */
    size_t at = (size_t)(device_id ^ device_id >> 29) & (HEADS_SLOTS - 1);
    head_slot *free_slot = NULL;
    for (int i = 0; i < HEADS_PROBE; i++) {
        head_slot *h = &s->hc[(at + (size_t)i) & (HEADS_SLOTS - 1)];
        if (h->gen != t->hgen) {
            if (free_slot == NULL)
                free_slot = h;
            continue;
        }
        if (h->device_id == device_id) {
            *out = h;
            return 0;
        }
    }
    if (free_slot == NULL) {
        /* All taken by this transaction: write the first one out now. */
        free_slot = &s->hc[at];
        if (free_slot->dirty) {
            int rc = head_write(t, free_slot);
            if (rc)
                return rc;
        }
    }
    head_slot *h = free_slot;
    int rc = head_read(t, device_id, &h->seq, h->hash);
    if (rc)
        return rc;
    h->device_id = device_id;
    h->gen = t->hgen;
    h->dirty = 0;
    h->stale = 0;
    *out = h;
    return 0;
}

int store__head_set(store_txn *t, uint64_t device_id, uint64_t seq,
                    const uint8_t hash[PROTO_HASH_LEN])
{
    head_slot *h;
    int rc = store__head_slot_get(t, device_id, &h);
    if (rc)
        return rc;
    h->seq = seq;
    memcpy(h->hash, hash, PROTO_HASH_LEN);
    h->dirty = 1;
    h->stale = 0;
    return 0;
}

/* Writes the heads this transaction changed; store_write() calls it just
 * before the commit. */
int store__flush_heads(store_txn *t)
{
    store *s = t->s;
    for (size_t i = 0; i < HEADS_SLOTS; i++) {
        head_slot *h = &s->hc[i];
        if (h->gen != t->hgen || !h->dirty)
            continue;
        int rc = head_write(t, h);
        if (rc)
            return rc;
        h->dirty = 0;
    }
    return 0;
}

int store_device_head(store_txn *txn, uint64_t device_id, uint64_t *seq,
                      uint8_t hash[PROTO_HASH_LEN])
{
    if (txn->write) {
        head_slot *h;
        int rc = store__head_slot_get(txn, device_id, &h);
        if (rc == 0)
            rc = head_hash(txn, h);
        if (rc)
            return rc;
        *seq = h->seq;
        memcpy(hash, h->hash, PROTO_HASH_LEN);
        return 0;
    }
    if (txn->s->has_heads)
        return head_read(txn, device_id, seq, hash);
    /* A format-1 store opened read-only: what format 1 did. */
    int rc = store_device_max_seq(txn, device_id, seq);
    if (rc == 0)
        rc = store__op_hash(txn, device_id, *seq, hash);
    return rc;
}

int store_chain_check(store_txn *txn, const proto_op *op)
{
    uint64_t max;
    uint8_t want[PROTO_HASH_LEN];
    int rc = store_device_head(txn, op->device_id, &max, want);
    if (rc)
        return rc;
    if (op->seq != max + 1)
        return RND_ECHAIN;
    return memcmp(want, op->prev_hash, PROTO_HASH_LEN) ? RND_ECHAIN : 0;
}

/* The hash of device_id's op seq, or zeros for seq 0. */
int store__op_hash(store_txn *t, uint64_t device_id, uint64_t seq,
                   uint8_t out[PROTO_HASH_LEN])
{
    memset(out, 0, PROTO_HASH_LEN);
    if (seq == 0)
        return 0;
    const uint8_t *enc;
    size_t len;
    int rc = store_op_get(t, device_id, seq, &enc, &len, NULL);
    if (rc)
        return rc == RND_ENOTFOUND ? RND_ECORRUPT : rc;
    proto_op_hash(enc, len, out);
    return 0;
}
