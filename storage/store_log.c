/* store_log.c: the op log and the arrival log.
 *
 * ops keeps every op under (device_id, seq) with its receive time; log
 * numbers ops in their order of arrival (the server's pull cursor); eops
 * lists each entity's ops in fold order. Here: reading ops back by device,
 * seq or arrival, and indexing a new op in log and eops
 * (store__index_op); storing it in ops is store_ingest.c's.
 */
#include <string.h>

#include <lmdb.h>

#include "store.h"
#include "store_int.h"

/* ---- the op log and the arrival log ------------------------------------- */

int store_op_get(store_txn *txn, uint64_t device_id, uint64_t seq,
                 const uint8_t **enc, size_t *len, int64_t *recv_ms)
{
    uint8_t key[OPS_KEY];
    MDB_val v;
    ops_key(key, device_id, seq);
    int rc = get(txn, txn->s->ops, key, sizeof key, &v);
    if (rc)
        return rc;
    if (v.mv_size < RECV_LEN)
        return RND_ECORRUPT;
    const uint8_t *p = v.mv_data;
    if (enc)
        *enc = p + RECV_LEN;
    if (len)
        *len = v.mv_size - RECV_LEN;
    if (recv_ms)
        *recv_ms = (int64_t)proto_be64_get(p);
    return 0;
}

int store_device_max_seq(store_txn *txn, uint64_t device_id, uint64_t *out)
{
    MDB_cursor *c;
    int rc = cursor(txn, txn->s->ops, &c);
    if (rc)
        return rc;
    /* The last key of the device is the one before the first key of the
     * next device, or the last key overall. */
    uint8_t key[OPS_KEY];
    MDB_val k = {sizeof key, key}, v;
    if (device_id == UINT64_MAX) {
        rc = step(txn, c, &k, &v, MDB_LAST);
    } else {
        ops_key(key, device_id + 1, 0);
        rc = step(txn, c, &k, &v, MDB_SET_RANGE);
        if (rc == 0)
            rc = step(txn, c, &k, &v, MDB_PREV);
        else if (rc == 1)
            rc = step(txn, c, &k, &v, MDB_LAST);
    }
    *out = 0;
    if (rc == 0 && k.mv_size == OPS_KEY &&
        proto_be64_get(k.mv_data) == device_id)
        *out = proto_be64_get((const uint8_t *)k.mv_data + 8);
    mdb_cursor_close(c);
    return rc == 1 ? 0 : rc;
}

int store_ops_each_seq(store_txn *txn, uint64_t device_id, uint64_t from_seq,
                       store_op_seq_cb cb, void *ctx)
{
    MDB_cursor *c;
    int rc = cursor(txn, txn->s->ops, &c);
    if (rc)
        return rc;
    uint8_t key[OPS_KEY];
    ops_key(key, device_id, from_seq);
    MDB_val k = {sizeof key, key}, v;
    for (rc = step(txn, c, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = step(txn, c, &k, &v, MDB_NEXT)) {
        if (k.mv_size != OPS_KEY || proto_be64_get(k.mv_data) != device_id) {
            rc = 1;
            break;
        }
        if (v.mv_size < RECV_LEN) {
            rc = RND_ECORRUPT;
            break;
        }
        const uint8_t *p = v.mv_data;
        rc = cb(proto_be64_get((const uint8_t *)k.mv_data + 8), p + RECV_LEN,
                v.mv_size - RECV_LEN, (int64_t)proto_be64_get(p), ctx);
        if (rc)
            break;
    }
    mdb_cursor_close(c);
    return rc == 1 ? 0 : rc;
}

/* store_ops_each_device is the same walk without the seq. */
typedef struct each_device_ctx {
    store_op_cb cb;
    void *ctx;
} each_device_ctx;

static int each_device_cb(uint64_t seq, const uint8_t *enc, size_t len,
                          int64_t recv_ms, void *arg)
{
    each_device_ctx *a = arg;
    (void)seq;
    return a->cb(enc, len, recv_ms, a->ctx);
}

int store_ops_each_device(store_txn *txn, uint64_t device_id, uint64_t from_seq,
                          store_op_cb cb, void *ctx)
{
    each_device_ctx a = {cb, ctx};
    return store_ops_each_seq(txn, device_id, from_seq, each_device_cb, &a);
}

int store_ops_next_device(store_txn *txn, uint64_t from, uint64_t *out)
{
    MDB_cursor *c;
    int rc = cursor(txn, txn->s->ops, &c);
    if (rc)
        return rc;
    uint8_t key[OPS_KEY];
    ops_key(key, from, 0);
    MDB_val k = {sizeof key, key}, v;
    rc = step(txn, c, &k, &v, MDB_SET_RANGE);
    if (rc == 0) {
        if (k.mv_size != OPS_KEY)
            rc = RND_ECORRUPT;
        else
            *out = proto_be64_get(k.mv_data);
    }
    mdb_cursor_close(c);
    return rc == 1 ? RND_ENOTFOUND : rc;
}

/* next_pos counts an op as visited once its callback returned 0 or 1, so a
 * callback that stops after taking an op (a full pull batch) resumes after
 * it, and one that fails resumes at it. */
int store_log_each(store_txn *txn, uint64_t from_pos, store_op_cb cb, void *ctx,
                   uint64_t *next_pos)
{
    uint64_t next = from_pos;
    MDB_cursor *c, *oc;
    int rc = cursor(txn, txn->s->log, &c);
    if (rc)
        return rc;
    /* The ops are looked up through one cursor: consecutive log entries
     * are mostly consecutive ops of one device, which LMDB then finds on
     * the leaf it is already on instead of walking down from the root. */
    rc = cursor(txn, txn->s->ops, &oc);
    if (rc) {
        mdb_cursor_close(c);
        return rc;
    }
    uint8_t key[LOG_KEY];
    proto_be64_put(key, from_pos);
    MDB_val k = {sizeof key, key}, v;
    for (rc = step(txn, c, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = step(txn, c, &k, &v, MDB_NEXT)) {
        if (k.mv_size != LOG_KEY || v.mv_size != OPS_KEY) {
            rc = RND_ECORRUPT;
            break;
        }
        uint64_t pos = proto_be64_get(k.mv_data);
        MDB_val ok = v, ov;
        rc = mdb_cursor_get(oc, &ok, &ov, MDB_SET);
        if (rc) {
            rc = rc == MDB_NOTFOUND ? RND_ECORRUPT : txfail(txn, rc);
            break;
        }
        if (ov.mv_size < RECV_LEN) {
            rc = RND_ECORRUPT;
            break;
        }
        const uint8_t *p = ov.mv_data;
        rc = cb(p + RECV_LEN, ov.mv_size - RECV_LEN, (int64_t)proto_be64_get(p),
                ctx);
        if (rc == 0 || rc == 1)
            next = pos + 1;
        if (rc)
            break;
    }
    mdb_cursor_close(oc);
    mdb_cursor_close(c);
    if (next_pos)
        *next_pos = next;
    return rc == 1 ? 0 : rc;
}

int store_log_writers(store_txn *txn, uint64_t from_pos, store_log_writer_cb cb,
                      void *ctx)
{
    MDB_cursor *c;
    int rc = cursor(txn, txn->s->log, &c);
    if (rc)
        return rc;
    uint8_t key[LOG_KEY];
    proto_be64_put(key, from_pos);
    MDB_val k = {sizeof key, key}, v;
    for (rc = step(txn, c, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = step(txn, c, &k, &v, MDB_NEXT)) {
        if (k.mv_size != LOG_KEY || v.mv_size != OPS_KEY) {
            rc = RND_ECORRUPT;
            break;
        }
        rc = cb(proto_be64_get(k.mv_data), proto_be64_get(v.mv_data), ctx);
        if (rc)
            break;
    }
    mdb_cursor_close(c);
    return rc == 1 ? 0 : rc;
}

int store_op_count(store_txn *txn, uint64_t *out)
{
    MDB_stat st;
    int rc = mdb_stat(txn->txn, txn->s->ops, &st);
    if (rc)
        return txfail(txn, rc);
    *out = st.ms_entries;
    return 0;
}

/* Adds an op already in ops to the arrival log and its entity's index. */
int store__index_op(store_txn *t, const store_op_head *op)
{
    uint64_t pos;
    int rc = store__log_next_get(t, &pos);
    if (rc)
        return rc;
    uint8_t lkey[LOG_KEY], lval[OPS_KEY];
    proto_be64_put(lkey, pos);
    ops_key(lval, op->device_id, op->seq);
    rc = put(t, t->s->log, lkey, sizeof lkey, lval, sizeof lval, MDB_APPEND);
    if (rc)
        return rc;
    t->log_next = pos + 1;
    t->log_dirty = 1;
    uint8_t ekey[EOPS_KEY];
    memcpy(ekey, op->entity, PROTO_ENTITY_LEN);
    proto_be64_put(ekey + PROTO_ENTITY_LEN, op->hlc);
    ops_key(ekey + PROTO_ENTITY_LEN + 8, op->device_id, op->seq);
    return put(t, t->s->eops, ekey, sizeof ekey, "", 0, MDB_NOOVERWRITE);
}
