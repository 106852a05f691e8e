/* storetest.c: helpers shared by the storage tests (see storetest.h). */
#include <stdio.h>
#include <string.h>

#include "storetest.h"
#include "test.h"

void st_entity(uint8_t out[PROTO_ENTITY_LEN], uint64_t n, unsigned nent,
               uint8_t tag)
{
    memset(out, 0, PROTO_ENTITY_LEN);
    out[0] = tag;
    proto_be64_put(out + 8, n % nent);
}

void st_fill_op(proto_op *op, uint64_t n, unsigned nent, uint8_t tag,
                char buf[ST_STR_CAP])
{
    proto_op_init(op);
    op->kind = PROTO_KIND_SCAN;
    op->action = PROTO_ACTION_CREATE;
    st_entity(op->entity, n, nent, tag);
    int len = snprintf(buf, ST_STR_CAP, "op %llu of %u", (unsigned long long)n,
                       (unsigned)tag);
    ASSERT_OK(proto_op_add_int(op, "n", (int64_t)(n * 7 + 3)));
    ASSERT_OK(proto_op_add_str(op, "s", buf, (size_t)len));
}

void st_check_op(const uint8_t *enc, size_t len, uint64_t device_id, uint64_t n,
                 unsigned nent, uint8_t tag)
{
    proto_op op;
    char buf[ST_STR_CAP];
    uint8_t entity[PROTO_ENTITY_LEN];
    ASSERT_OK(proto_op_decode(enc, len, &op));
    ASSERT_U64_EQ(op.device_id, device_id);
    ASSERT_U64_EQ(op.seq, n);
    ASSERT_EQ(op.wall_ms, ST_WALL(n));
    ASSERT_EQ(op.kind, PROTO_KIND_SCAN);
    ASSERT_EQ(op.action, PROTO_ACTION_CREATE);
    st_entity(entity, n, nent, tag);
    ASSERT_MEM_EQ(op.entity, entity, PROTO_ENTITY_LEN);
    const proto_field *f = proto_op_field(&op, "n");
    ASSERT(f != NULL);
    ASSERT_EQ(f->type, PROTO_INT);
    ASSERT_EQ(f->i, (int64_t)(n * 7 + 3));
    f = proto_op_field(&op, "s");
    ASSERT(f != NULL);
    int want = snprintf(buf, sizeof buf, "op %llu of %u", (unsigned long long)n,
                        (unsigned)tag);
    ASSERT_EQ(f->type, PROTO_STR);
    ASSERT_EQ(f->str_len, want);
    ASSERT_MEM_EQ(f->str, buf, (size_t)want);
}

typedef struct chain_walk {
    uint64_t device_id;
    uint64_t seq;
    uint8_t prev[PROTO_HASH_LEN];
} chain_walk;

static int walk_op(const uint8_t *enc, size_t len, int64_t recv_ms, void *ctx)
{
    chain_walk *w = ctx;
    proto_op op;
    ASSERT_OK(proto_op_decode(enc, len, &op));
    ASSERT_U64_EQ(op.device_id, w->device_id);
    ASSERT_U64_EQ(op.seq, w->seq + 1);
    ASSERT_MEM_EQ(op.prev_hash, w->prev, PROTO_HASH_LEN);
    proto_op_hash(enc, len, w->prev);
    w->seq = op.seq;
    return 0;
}

uint64_t st_check_chain(store *s, uint64_t device_id)
{
    store_txn *txn;
    chain_walk w = {.device_id = device_id};
    uint64_t max;
    ASSERT_OK(store_read_begin(s, &txn));
    ASSERT_OK(store_ops_each_device(txn, device_id, 0, walk_op, &w));
    ASSERT_OK(store_device_max_seq(txn, device_id, &max));
    ASSERT_U64_EQ(max, w.seq);
    store_read_end(txn);
    return w.seq;
}
