/* store_attach.c: the attachment indexes of a store (store.h,
 * "attachments"). Every attach op the store takes in, its own or
 * received, is indexed in the transaction that stores it:
 *
 *   atts   hash (32)               -> size u64, media u8, flags u8
 *   eatts  entity (16) + hash (32) -> role u8, has_of u8, of (32),
 *                                     hlc u64, device_id u64, seq u64,
 *                                     wall_ms i64
 *
 * eatts keeps, of the ops naming one attachment on one record, the first
 * in fold order, so replicas agree whatever order ops came in. The bytes
 * are not here (storage/blob.h). Format 3 added both; the migration from
 * format 2 indexes the attach ops a store already held.
 */
#include <string.h>

#include <lmdb.h>

#include "attach.h"
#include "migrate.h"
#include "store.h"
#include "store_int.h"

#define ATT_VAL 10
#define EATT_KEY (PROTO_ENTITY_LEN + PROTO_HASH_LEN)
#define EATT_VAL (2 + PROTO_HASH_LEN + 32)

static void att_val(const proto_attach *a, uint8_t v[ATT_VAL])
{
    proto_be64_put(v, a->size);
    v[8] = (uint8_t)a->media;
    v[9] = 0;
}

static void eatt_val(const proto_attach *a, const proto_op *op,
                     uint8_t v[EATT_VAL])
{
    v[0] = (uint8_t)a->role;
    v[1] = (uint8_t)(a->has_of != 0);
    memcpy(v + 2, a->has_of ? a->of : (const uint8_t[PROTO_HASH_LEN]){0},
           PROTO_HASH_LEN);
    uint8_t *p = v + 2 + PROTO_HASH_LEN;
    proto_be64_put(p, op->hlc);
    proto_be64_put(p + 8, op->device_id);
    proto_be64_put(p + 16, op->seq);
    proto_be64_put(p + 24, (uint64_t)op->wall_ms);
}

/* 1 when the reference in old (an eatts value) comes after op in fold
 * order (hlc, device_id, seq): op's then replaces it. */
static int comes_after(const uint8_t *old, const proto_op *op)
{
    const uint8_t *p = old + 2 + PROTO_HASH_LEN;
    uint64_t o[3] = {proto_be64_get(p), proto_be64_get(p + 8),
                     proto_be64_get(p + 16)};
    uint64_t n[3] = {op->hlc, op->device_id, op->seq};
    for (int i = 0; i < 3; i++)
        if (o[i] != n[i])
            return o[i] > n[i];
    return 0;
}

/* Indexes op (an attach op) on raw handles: an LMDB code. Shared by ingest
 * and the migration, which runs before the store's transactions exist. */
static int index_raw(MDB_txn *txn, MDB_dbi atts, MDB_dbi eatts,
                     const proto_op *op)
{
    proto_attach a;
    if (proto_attach_read(op, &a) != 0)
        return 0; /* held, but not an attachment anyone can fetch */
    uint8_t av[ATT_VAL], ek[EATT_KEY], ev[EATT_VAL];
    MDB_val k = {PROTO_HASH_LEN, a.hash}, v;
    int rc = mdb_get(txn, atts, &k, &v);
    if (rc == MDB_NOTFOUND) {
        att_val(&a, av);
        v.mv_size = sizeof av;
        v.mv_data = av;
        rc = mdb_put(txn, atts, &k, &v, 0);
    }
    if (rc)
        return rc;
    memcpy(ek, op->entity, PROTO_ENTITY_LEN);
    memcpy(ek + PROTO_ENTITY_LEN, a.hash, PROTO_HASH_LEN);
    k.mv_size = sizeof ek;
    k.mv_data = ek;
    rc = mdb_get(txn, eatts, &k, &v);
    if (rc == 0 && (v.mv_size != EATT_VAL || !comes_after(v.mv_data, op)))
        return v.mv_size == EATT_VAL ? 0 : MDB_CORRUPTED;
    if (rc != 0 && rc != MDB_NOTFOUND)
        return rc;
    eatt_val(&a, op, ev);
    v.mv_size = sizeof ev;
    v.mv_data = ev;
    return mdb_put(txn, eatts, &k, &v, 0);
}

int store__index_attach(store_txn *t, const store_op_head *op,
                        const proto_op *decoded, const uint8_t *enc, size_t len)
{
    /* Large: kept off the stack, as the fold does. */
    static _Thread_local proto_op dec;
    (void)op;
    if (!t->s->has_atts)
        return RND_ECORRUPT; /* writable stores always have them */
    if (decoded == NULL) {
        if (proto_op_decode(enc, len, &dec) != 0)
            return 0;
        decoded = &dec;
    }
    int rc = index_raw(t->txn, t->s->atts, t->s->eatts, decoded);
    return rc ? txfail(t, rc) : 0;
}

int store__unindex_attach(store_txn *t, const proto_op *op)
{
    proto_attach a;
    if (!t->s->has_atts || proto_attach_read(op, &a) != 0)
        return 0;
    uint8_t ek[EATT_KEY];
    memcpy(ek, op->entity, PROTO_ENTITY_LEN);
    memcpy(ek + PROTO_ENTITY_LEN, a.hash, PROTO_HASH_LEN);
    MDB_val v;
    int rc = get(t, t->s->eatts, ek, sizeof ek, &v);
    if (rc == RND_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    const uint8_t *p = (const uint8_t *)v.mv_data + 2 + PROTO_HASH_LEN;
    if (v.mv_size != EATT_VAL || proto_be64_get(p + 8) != op->device_id ||
        proto_be64_get(p + 16) != op->seq)
        return 0;
    return del(t, t->s->eatts, ek, sizeof ek);
}

int store__migrate_2_to_3(MDB_txn *txn, MDB_dbi ops, MDB_dbi atts,
                          MDB_dbi eatts)
{
    static _Thread_local proto_op op;
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn, ops, &c);
    if (rc)
        return rc;
    MDB_val k, v;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (v.mv_size < RECV_LEN) {
            rc = MDB_CORRUPTED;
            break;
        }
        if (proto_op_decode((const uint8_t *)v.mv_data + RECV_LEN,
                            v.mv_size - RECV_LEN, &op) != 0 ||
            op.action != PROTO_ACTION_ATTACH)
            continue;
        if ((rc = index_raw(txn, atts, eatts, &op)) != 0)
            break;
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int read_att(const MDB_val *k, const MDB_val *v, store_att *out)
{
    if (k->mv_size != PROTO_HASH_LEN || v->mv_size != ATT_VAL)
        return RND_ECORRUPT;
    const uint8_t *p = v->mv_data;
    memcpy(out->hash, k->mv_data, PROTO_HASH_LEN);
    out->size = proto_be64_get(p);
    out->media = p[8];
    out->flags = p[9];
    return 0;
}

int store_att_get(store_txn *txn, const uint8_t hash[PROTO_HASH_LEN],
                  store_att *out)
{
    if (!txn->s->has_atts)
        return RND_ENOTFOUND;
    MDB_val v, k = {PROTO_HASH_LEN, (void *)hash};
    int rc = get(txn, txn->s->atts, hash, PROTO_HASH_LEN, &v);
    return rc ? rc : read_att(&k, &v, out);
}

int store_att_set_flags(store_txn *txn, const uint8_t hash[PROTO_HASH_LEN],
                        uint8_t flags)
{
    store_att a;
    if (!txn->write)
        return RND_EINVAL;
    int rc = store_att_get(txn, hash, &a);
    if (rc || a.flags == flags)
        return rc;
    uint8_t v[ATT_VAL];
    proto_be64_put(v, a.size);
    v[8] = a.media;
    v[9] = flags;
    return broke(txn,
                 put(txn, txn->s->atts, hash, PROTO_HASH_LEN, v, sizeof v, 0));
}

int store_att_each(store_txn *txn, store_att_cb cb, void *ctx)
{
    if (!txn->s->has_atts)
        return 0;
    MDB_cursor *c;
    int rc = cursor(txn, txn->s->atts, &c);
    if (rc)
        return rc;
    MDB_val k, v;
    for (rc = step(txn, c, &k, &v, MDB_FIRST); rc == 0;
         rc = step(txn, c, &k, &v, MDB_NEXT)) {
        store_att a;
        if ((rc = read_att(&k, &v, &a)) != 0 || (rc = cb(&a, ctx)) != 0)
            break;
    }
    mdb_cursor_close(c);
    return rc == 1 ? 0 : rc;
}

int store_att_each_of(store_txn *txn, const uint8_t *entity,
                      store_att_ref_cb cb, void *ctx)
{
    if (!txn->s->has_atts)
        return 0;
    MDB_cursor *c;
    int rc = cursor(txn, txn->s->eatts, &c);
    if (rc)
        return rc;
    uint8_t from[EATT_KEY] = {0};
    if (entity)
        memcpy(from, entity, PROTO_ENTITY_LEN);
    MDB_val k = {sizeof from, from}, v;
    for (rc = step(txn, c, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = step(txn, c, &k, &v, MDB_NEXT)) {
        if (k.mv_size != EATT_KEY || v.mv_size != EATT_VAL) {
            rc = RND_ECORRUPT;
            break;
        }
        if (entity && memcmp(k.mv_data, entity, PROTO_ENTITY_LEN) != 0)
            break;
        store_att_ref r;
        memset(&r, 0, sizeof r); /* padding too: callers may copy it */
        const uint8_t *p = v.mv_data;
        memcpy(r.entity, k.mv_data, PROTO_ENTITY_LEN);
        memcpy(r.hash, (const uint8_t *)k.mv_data + PROTO_ENTITY_LEN,
               PROTO_HASH_LEN);
        r.role = p[0];
        r.has_of = p[1];
        memcpy(r.of, p + 2, PROTO_HASH_LEN);
        p += 2 + PROTO_HASH_LEN;
        r.hlc = proto_be64_get(p);
        r.device_id = proto_be64_get(p + 8);
        r.seq = proto_be64_get(p + 16);
        r.wall_ms = (int64_t)proto_be64_get(p + 24);
        store_att a = {{0}, 0, 0, 0};
        rc = store_att_get(txn, r.hash, &a);
        if (rc == RND_ENOTFOUND)
            rc = RND_ECORRUPT; /* eatts names only what atts holds */
        if (rc || (rc = cb(&r, &a, ctx)) != 0)
            break;
    }
    mdb_cursor_close(c);
    return rc == 1 ? 0 : rc;
}

int store_att_clear_flags(store_txn *txn, uint8_t mask)
{
    if (!txn->write)
        return RND_EINVAL;
    if (!txn->s->has_atts)
        return 0;
    MDB_cursor *c;
    int rc = cursor(txn, txn->s->atts, &c);
    if (rc)
        return rc;
    MDB_val k, v;
    for (rc = step(txn, c, &k, &v, MDB_FIRST); rc == 0;
         rc = step(txn, c, &k, &v, MDB_NEXT)) {
        if (v.mv_size != ATT_VAL) {
            rc = RND_ECORRUPT;
            break;
        }
        const uint8_t *p = v.mv_data;
        if (!(p[9] & mask))
            continue;
        uint8_t nv[ATT_VAL];
        memcpy(nv, p, ATT_VAL);
        nv[9] = (uint8_t)(nv[9] & ~mask);
        MDB_val val = {sizeof nv, nv};
        int mrc = mdb_cursor_put(c, &k, &val, MDB_CURRENT);
        if (mrc) {
            rc = txfail(txn, mrc);
            break;
        }
    }
    mdb_cursor_close(c);
    return broke(txn, rc == 1 ? 0 : rc);
}
