/* store_ingest.c: ops entering the store.
 *
 * The identity of the store's own writer (kept in meta), its new ops
 * (store_append_local), ops received from other writers (store_ingest,
 * store_prepare, store_ingest_prepared) with the clock bound on the HLC,
 * and the rebase of a store restored from an older copy of itself. Each
 * new op is stored in ops here, then indexed (store_log.c), its chain
 * head moved (store_heads.c) and its entity folded (store_entity.c).
 */
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "fold.h"
#include "store.h"
#include "store_int.h"

/* ---- identity and new ops ----------------------------------------------- */

static int name_ok(const char *s)
{
    return s != NULL && strlen(s) < STORE_NAME_MAX;
}

/* A store that already holds ops of device_id (one restored from a server)
 * continues its chain rather than reusing seqs; a fresh one starts at seq 1
 * with a zero chain head, as store.h says. */
int store_identity_init(store_txn *txn, uint64_t device_id, const char *site,
                        const char *name)
{
    if (!txn->write || !name_ok(site) || !name_ok(name))
        return RND_EINVAL;
    uint64_t v;
    int rc = store_meta_get_u64(txn, "device_id", &v);
    if (rc == 0)
        return RND_EEXIST;
    if (rc != RND_ENOTFOUND)
        return rc;
    uint64_t max, hlc;
    uint8_t head[PROTO_HASH_LEN];
    rc = store_device_head(txn, device_id, &max, head);
    if (rc == 0)
        rc = store__meta_u64_or(txn, "hlc", 0, &hlc);
    if (rc)
        return rc;
    rc = store_meta_put_u64(txn, "device_id", device_id);
    if (rc == 0)
        rc = store_meta_put(txn, "site", site, strlen(site));
    if (rc == 0)
        rc = store_meta_put(txn, "name", name, strlen(name));
    if (rc == 0)
        rc = store_meta_put_u64(txn, "next_seq", max + 1);
    if (rc == 0)
        rc = store_meta_put_u64(txn, "hlc", hlc);
    if (rc == 0)
        rc = store_meta_put(txn, "chain_head", head, sizeof head);
    return broke(txn, rc);
}

static int get_name(store_txn *t, const char *key, char out[STORE_NAME_MAX])
{
    const void *v;
    size_t len;
    int rc = store_meta_get(t, key, &v, &len);
    if (rc)
        return rc == RND_ENOTFOUND ? RND_ECORRUPT : rc;
    if (len >= STORE_NAME_MAX)
        return RND_ECORRUPT;
    memcpy(out, v, len);
    out[len] = '\0';
    return 0;
}

/* The part of the identity a new op needs. In a write transaction it is
 * loaded once and then kept in the transaction (see flush_counters). */
static int writer_state(store_txn *t, store_identity *id)
{
    if (!t->have_writer) {
        int rc = store_meta_get_u64(t, "device_id", &t->device_id);
        if (rc)
            return rc == RND_ENOTFOUND ? RND_ENOTINIT : rc;
        rc = store_meta_get_u64(t, "next_seq", &t->next_seq);
        if (rc)
            return rc == RND_ENOTFOUND ? RND_ECORRUPT : rc;
        const void *v;
        size_t len;
        rc = store_meta_get(t, "chain_head", &v, &len);
        if (rc)
            return rc == RND_ENOTFOUND ? RND_ECORRUPT : rc;
        if (len != PROTO_HASH_LEN)
            return RND_ECORRUPT;
        memcpy(t->chain_head, v, PROTO_HASH_LEN);
        t->have_writer = t->write; /* read transactions do not cache */
    }
    id->device_id = t->device_id;
    id->next_seq = t->next_seq;
    memcpy(id->chain_head, t->chain_head, PROTO_HASH_LEN);
    return store__hlc_get(t, &id->hlc);
}

int store_identity_get(store_txn *txn, store_identity *out)
{
    memset(out, 0, sizeof *out);
    int rc = writer_state(txn, out);
    if (rc == 0)
        rc = get_name(txn, "site", out->site);
    if (rc == 0)
        rc = get_name(txn, "name", out->name);
    return rc;
}

/* The header of op, which is all the store reads of an op it has folded. */
static void head_of(const proto_op *op, store_op_head *h)
{
    h->version = op->version;
    h->device_id = op->device_id;
    h->seq = op->seq;
    h->hlc = op->hlc;
    h->wall_ms = op->wall_ms;
    h->kind = op->kind;
    h->action = op->action;
    memcpy(h->entity, op->entity, PROTO_ENTITY_LEN);
    memcpy(h->prev_hash, op->prev_hash, PROTO_HASH_LEN);
}

int store_append_local(store_txn *txn, proto_op *op, int64_t wall_ms,
                       uint64_t *out_seq)
{
    if (!txn->write)
        return RND_EINVAL;
    store *s = txn->s;
    store_identity id;
    int rc = writer_state(txn, &id);
    if (rc)
        return rc;
    op->version = PROTO_OP_VERSION;
    op->device_id = id.device_id;
    op->seq = id.next_seq;
    op->hlc = proto_hlc_next(id.hlc, wall_ms);
    op->wall_ms = wall_ms;
    memcpy(op->prev_hash, id.chain_head, PROTO_HASH_LEN);
    store_op_head head;
    head_of(op, &head);

    size_t len;
    int is_new = 0, written = 0;
    fold_info info = {0};
    rc = proto_op_encode(op, s->enc + RECV_LEN, PROTO_OP_MAX_BYTES, &len);
    if (rc == 0 && op->action == PROTO_ACTION_CREATE)
        rc = store__create_entity(txn, &head, NULL, s->enc + RECV_LEN, len,
                                  NULL, &is_new, &written, &info);
    else if (rc == 0)
        rc = store__kind_ok(txn, &head, &is_new);
    if (rc)
        return rc;
    proto_be64_put(s->enc, (uint64_t)wall_ms);
    uint8_t key[OPS_KEY];
    ops_key(key, op->device_id, op->seq);
    rc = put(txn, s->ops, key, sizeof key, s->enc, RECV_LEN + len,
             MDB_NOOVERWRITE);
    if (rc == 0)
        rc = store__index_op(txn, &head);
    if (rc == 0 && op->action == PROTO_ACTION_ATTACH)
        rc = store__index_attach(txn, &head, op, NULL, 0);
    if (rc == 0) {
        txn->next_seq = op->seq + 1;
        proto_op_hash(s->enc + RECV_LEN, len, txn->chain_head);
        txn->writer_dirty = 1;
        hlc_set(txn, op->hlc);
        rc = store__head_set(txn, op->device_id, op->seq, txn->chain_head);
    }
    if (rc == 0 && written)
        rc = store__index_entity(txn, op->entity, &info, 0, 0, 0);
    else if (rc == 0)
        rc = store__refold(txn, op->entity, is_new ? s->enc + RECV_LEN : NULL,
                           len, NULL, NULL);
    if (rc == 0 && out_seq)
        *out_seq = op->seq;
    return broke(txn, rc);
}

void store_set_clock_bound(store *s, int64_t max_offset_ms,
                           int64_t wall_adjust_ms)
{
    s->max_offset_ms = max_offset_ms;
    s->wall_adjust_ms = wall_adjust_ms;
}

/* The receiver's best idea of true time at recv_ms: its clock corrected by
 * the offset it measured (saturating; a handheld's, 0 on the server). */
static int64_t clock_wall(const store *s, int64_t recv_ms)
{
    int64_t a = s->wall_adjust_ms;
    if (a > 0 && recv_ms > INT64_MAX - a)
        return INT64_MAX;
    if (a < 0 && recv_ms < INT64_MIN - a)
        return INT64_MIN;
    return recv_ms + a;
}

int store_ingest_beyond(store_txn *txn, uint64_t hlc, int64_t recv_ms)
{
    const store *s = txn->s;
    return proto_hlc_beyond(hlc, clock_wall(s, recv_ms), s->max_offset_ms);
}

int store_ingest(store_txn *txn, const uint8_t *enc, size_t len,
                 int64_t recv_ms, int *added)
{
    *added = 0;
    if (!txn->write)
        return RND_EINVAL;
    /* Large: kept off the stack, as the fold does. */
    static _Thread_local proto_op op;
    int rc = proto_op_decode(enc, len, &op);
    if (rc)
        return rc;
    return store_ingest_op(txn, &op, enc, len, recv_ms, added);
}

static int ingest(store_txn *txn, const store_op_head *op,
                  const proto_op *decoded, const uint8_t *enc, size_t len,
                  int64_t recv_ms, const store_prep *pre, int *added);

int store_ingest_op(store_txn *txn, const proto_op *op, const uint8_t *enc,
                    size_t len, int64_t recv_ms, int *added)
{
    store_op_head head;
    head_of(op, &head);
    return ingest(txn, &head, op, enc, len, recv_ms, NULL, added);
}

int store_prepare(const proto_op *op, const uint8_t *enc, size_t len,
                  uint8_t *out, size_t cap, store_prep *p)
{
    const uint8_t *encs[1] = {enc};
    size_t lens[1] = {len};
    head_of(op, &p->head);
    p->enc = enc;
    p->len = len;
    proto_op_hash(enc, len, p->hash);
    p->state = out;
    p->info = (fold_info){0};
    return store_fold_decoded(encs, lens, 1, op, out, cap, &p->state_len,
                              &p->info);
}

int store_ingest_prepared(store_txn *txn, const store_prep *p, int64_t recv_ms,
                          int *added)
{
    return ingest(txn, &p->head, NULL, p->enc, p->len, recv_ms, p, added);
}

/* Stores op (its header), encoded as enc, received at recv_ms. decoded is
 * enc decoded, or NULL when pre (store_prepare's) is given: the fold is
 * then done already, and only the header is read. */
static int ingest(store_txn *txn, const store_op_head *op,
                  const proto_op *decoded, const uint8_t *enc, size_t len,
                  int64_t recv_ms, const store_prep *pre, int *added)
{
    *added = 0;
    if (!txn->write)
        return RND_EINVAL;
    int is_new = 0, written = 0;
    fold_info info = {0};
    int rc = op->action == PROTO_ACTION_CREATE
                 ? store__create_entity(txn, op, decoded, enc, len, pre,
                                        &is_new, &written, &info)
                 : store__kind_ok(txn, op, &is_new);
    if (rc)
        return rc;

    /* Reserving the value lets the encoding be copied once, behind its
     * receive time; an existing key is the dedupe (an op already held has
     * its entity already: if store__create_entity() just wrote that, the store
     * was damaged). */
    uint8_t key[OPS_KEY];
    ops_key(key, op->device_id, op->seq);
    MDB_val k = {sizeof key, key}, v = {RECV_LEN + len, NULL};
    rc = put_val(txn, txn->s->ops, &k, &v, MDB_NOOVERWRITE | MDB_RESERVE);
    if (rc == MDB_KEYEXIST)
        return written ? broke(txn, RND_ECORRUPT) : 0;
    if (rc)
        return broke(txn, txfail(txn, rc));
    proto_be64_put(v.mv_data, (uint64_t)recv_ms);
    memcpy((uint8_t *)v.mv_data + RECV_LEN, enc, len);

    uint64_t hlc;
    head_slot *h;
    rc = store__index_op(txn, op);
    if (rc == 0 && op->action == PROTO_ACTION_ATTACH)
        rc = store__index_attach(txn, op, decoded, enc, len);
    if (rc == 0)
        rc = store__hlc_get(txn, &hlc);
    if (rc == 0)
        hlc_set(txn, proto_hlc_recv_bounded(hlc, op->hlc,
                                            clock_wall(txn->s, recv_ms),
                                            txn->s->max_offset_ms));
    /* The head is the device's highest seq held, whatever order its ops
     * came in. */
    if (rc == 0)
        rc = store__head_slot_get(txn, op->device_id, &h);
    if (rc == 0 && op->seq > h->seq) {
        /* Without a prepared hash, hashed when asked for (head_hash), from
         * this copy. */
        h->seq = op->seq;
        h->dirty = 1;
        h->stale = pre == NULL;
        if (pre) {
            memcpy(h->hash, pre->hash, PROTO_HASH_LEN);
        } else {
            txn->have_hbuf = len <= PROTO_OP_MAX_BYTES;
            if (txn->have_hbuf)
                memcpy(txn->s->hbuf, enc, len);
            txn->hdev = op->device_id;
            txn->hseq = op->seq;
            txn->hlen = len;
        }
    }
    if (rc == 0 && written)
        rc = store__index_entity(txn, op->entity, &info, 0, 0, 0);
    else if (rc == 0)
        rc = store__refold(txn, op->entity, is_new ? enc : NULL, len, decoded,
                           pre);
    if (rc == 0)
        *added = 1;
    return broke(txn, rc);
}

/* ---- a restored store takes its own ops back ----------------------------- */

/* The local ops a rebase takes out: copies of their encodings (the map
 * moves under a write), back to back. */
typedef struct own_copy {
    uint8_t *buf;
    size_t len, cap;
    uint32_t *lens;
    size_t n, ncap;
    uint64_t next_seq; /* the seq the walk expects next */
} own_copy;

static int own_copy_cb(uint64_t seq, const uint8_t *enc, size_t len,
                       int64_t recv_ms, void *arg)
{
    (void)recv_ms;
    own_copy *c = arg;
    if (seq != c->next_seq)
        return RND_ECORRUPT; /* a hole in the writer's own log */
    if (c->len + len > c->cap) {
        size_t cap = c->cap ? c->cap : 65536;
        while (cap < c->len + len)
            cap *= 2;
        uint8_t *p = realloc(c->buf, cap);
        if (p == NULL)
            return RND_ENOMEM;
        c->buf = p;
        c->cap = cap;
    }
    if (c->n == c->ncap) {
        size_t cap = c->ncap ? c->ncap * 2 : 256;
        uint32_t *l = realloc(c->lens, cap * sizeof *l);
        if (l == NULL)
            return RND_ENOMEM;
        c->lens = l;
        c->ncap = cap;
    }
    memcpy(c->buf + c->len, enc, len);
    c->len += len;
    c->lens[c->n++] = (uint32_t)len;
    c->next_seq++;
    return 0;
}

/* Takes op (device_id, seq), decoded, out of ops, eops and the arrival log
 * (whose entry is found by walking the log back from its end: the ops a
 * rebase takes out, newest first, arrived last but for what was pulled
 * meanwhile). Its entity is left to the refold of the ops that follow. */
static int own_take_out(store_txn *t, MDB_cursor *lc, const proto_op *op)
{
    uint8_t key[OPS_KEY], ekey[EOPS_KEY];
    ops_key(key, op->device_id, op->seq);
    memcpy(ekey, op->entity, PROTO_ENTITY_LEN);
    proto_be64_put(ekey + PROTO_ENTITY_LEN, op->hlc);
    ops_key(ekey + PROTO_ENTITY_LEN + 8, op->device_id, op->seq);
    int rc = del(t, t->s->eops, ekey, sizeof ekey);
    if (rc == 0 && op->action == PROTO_ACTION_ATTACH)
        rc = store__unindex_attach(t, op);
    if (rc == 0)
        rc = del(t, t->s->ops, key, sizeof key);
    if (rc)
        return rc;
    MDB_val k, v;
    for (rc = step(t, lc, &k, &v, MDB_LAST); rc == 0;
         rc = step(t, lc, &k, &v, MDB_PREV)) {
        if (v.mv_size == OPS_KEY && memcmp(v.mv_data, key, OPS_KEY) == 0) {
            int mrc = mdb_cursor_del(lc, 0);
            return mrc ? txfail(t, mrc) : 0;
        }
    }
    return rc == 1 ? 0 : rc; /* not in the log: nothing to take out */
}

int store_own_rebase(store_txn *txn, uint64_t from, const uint8_t *theirs,
                     const uint32_t *lens, size_t n, int64_t recv_ms,
                     uint64_t *renumbered)
{
    *renumbered = 0;
    if (!txn->write || from == 0)
        return RND_EINVAL;
    store_identity id;
    int rc = writer_state(txn, &id);
    if (rc)
        return rc;
    if (from > id.next_seq)
        return RND_EINVAL;
    own_copy mine = {.next_seq = from};
    proto_op *op = malloc(sizeof *op);
    MDB_cursor *lc = NULL;
    uint8_t head[PROTO_HASH_LEN];
    if (op == NULL)
        return RND_ENOMEM;
    rc = store_ops_each_seq(txn, id.device_id, from, own_copy_cb, &mine);
    if (rc == 0 && mine.next_seq != id.next_seq)
        rc = RND_ECORRUPT;
    if (rc == 0)
        rc = store__op_hash(txn, id.device_id, from - 1, head);
    if (rc == 0)
        rc = cursor(txn, txn->s->log, &lc);
    if (rc)
        goto out;

    /* 1. The local ops from `from` on leave the store, newest first (each
     * one's log entry is then the nearest to the log's end); the writer's
     * chain goes back to op from - 1. */
    const uint8_t *p = mine.buf + mine.len;
    for (size_t i = mine.n; i > 0 && rc == 0; i--) {
        p -= mine.lens[i - 1];
        rc = proto_op_decode(p, mine.lens[i - 1], op);
        if (rc == 0)
            rc = own_take_out(txn, lc, op);
    }
    if (rc == 0)
        rc = store__head_set(txn, id.device_id, from - 1, head);
    if (rc)
        goto broken;

    /* 2. The server's ops take their seqs, checked against the chain. */
    p = theirs;
    for (size_t i = 0; i < n && rc == 0; p += lens[i], i++) {
        int added = 0;
        rc = proto_op_decode(p, lens[i], op);
        if (rc)
            break;
        if (op->device_id != id.device_id || op->seq != from + i ||
            memcmp(op->prev_hash, head, PROTO_HASH_LEN) != 0) {
            rc = RND_ECHAIN;
            break;
        }
        rc = store_ingest_op(txn, op, p, lens[i], recv_ms, &added);
        if (rc == 0 && !added)
            rc = RND_ECORRUPT;
        proto_op_hash(p, lens[i], head);
    }
    if (rc)
        goto broken;
    txn->next_seq = from + n;
    memcpy(txn->chain_head, head, PROTO_HASH_LEN);
    txn->writer_dirty = 1;

    /* 3. The local ops again, after them: new seq, prev_hash and HLC (the
     * HLC now covers the server's ops), the rest as they were written.
     * Each append refolds its entity from the ops it now has. */
    p = mine.buf;
    for (size_t i = 0; i < mine.n && rc == 0; p += mine.lens[i], i++) {
        rc = proto_op_decode(p, mine.lens[i], op);
        if (rc == 0)
            rc = store_append_local(txn, op, op->wall_ms, NULL);
    }
    if (rc == 0)
        *renumbered = mine.n;
broken:
    rc = broke(txn, rc);
out:
    if (lc)
        mdb_cursor_close(lc);
    free(op);
    free(mine.buf);
    free(mine.lens);
    return rc;
}
