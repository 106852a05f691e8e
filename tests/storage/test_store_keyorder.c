/* test_store_keyorder.c: the store's key order is LMDB's default order.
 *
 * store.c opens every database with its own comparison (store__key_cmp,
 * eight bytes at a time) instead of LMDB's default (memcmp, then the
 * shorter key first). Were the two ever to disagree, a store written by one
 * would be a corrupt B-tree to the other (mdb_dump, older builds, any LMDB
 * reader). So:
 *  1. on random key pairs built to share prefixes of every length and to
 *     differ in bytes where signed and unsigned compares part (0x7f/0x80,
 *     0x00/0xff), both give the same sign;
 *  2. a store written through the store API, then read with plain LMDB
 *     and the default order: every table's keys come out strictly
 *     ascending and each is found by mdb_get().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "store.h"
#include "store_int.h"
#include "test.h"

static uint64_t rng = 0x6b65796f72646572;

static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* LMDB's default: mdb_cmp_memn. */
static int ref_cmp(const MDB_val *a, const MDB_val *b)
{
    size_t n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
    int c = n ? memcmp(a->mv_data, b->mv_data, n) : 0;
    if (c)
        return c;
    return (a->mv_size > b->mv_size) - (a->mv_size < b->mv_size);
}

static int sign(int v)
{
    return (v > 0) - (v < 0);
}

static uint8_t rnd_byte(void)
{
    static const uint8_t edge[] = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};
    return rnd() % 3 ? edge[rnd() % sizeof edge] : (uint8_t)rnd();
}

static void random_pairs(void)
{
    uint8_t a[48], b[48];
    int less = 0, equal = 0, more = 0;
    for (int n = 0; n < 300000; n++) {
        size_t la = rnd() % 49, lb = rnd() % 3 ? la : rnd() % 49;
        for (size_t i = 0; i < la; i++)
            a[i] = rnd_byte();
        /* b: a's first bytes (a shared prefix of any length), then its
         * own. */
        size_t shared = rnd() % (la + 1);
        for (size_t i = 0; i < lb; i++)
            b[i] = i < shared ? a[i] : rnd_byte();
        MDB_val x = {la, a}, y = {lb, b};
        int want = sign(ref_cmp(&x, &y));
        int got = sign(store__key_cmp(&x, &y));
        if (got != want)
            TEST_FAIL_("keys of %zu and %zu bytes sharing %zu: order %d, "
                       "LMDB's %d",
                       la, lb, shared, got, want);
        ASSERT_EQ(sign(store__key_cmp(&y, &x)), -want);
        less += want < 0;
        equal += want == 0;
        more += want > 0;
    }
    /* The draw covered all three answers. */
    ASSERT_GT(less, 1000);
    ASSERT_GT(equal, 1000);
    ASSERT_GT(more, 1000);
    printf("random pairs: 300000 pairs (%d less, %d equal, %d more), same "
           "order\n",
           less, equal, more);
}

/* ---- a store read with LMDB's default order ----------------------------- */

typedef struct fill_ctx {
    uint64_t dev, seq;
} fill_ctx;

/* 600 ops from three devices, of scans, visits (some left) and work
 * orders, so every table (open included) has keys. */
static int fill(store_txn *txn, void *arg)
{
    fill_ctx *c = arg;
    static proto_op op;
    static uint8_t enc[PROTO_OP_MAX_BYTES];
    for (int i = 0; i < 600; i++) {
        size_t len;
        int added;
        proto_op_init(&op);
        op.device_id = c->dev + (uint64_t)(i % 3) * 0x0100000000000001ull;
        op.seq = c->seq + (uint64_t)i / 3;
        op.wall_ms = 1700000000000 + i;
        op.hlc = PROTO_HLC_MAKE(op.wall_ms, 0);
        int k = i % 5;
        op.kind = k < 2   ? PROTO_KIND_SCAN
                  : k < 4 ? PROTO_KIND_VISIT
                          : PROTO_KIND_WORKORDER;
        op.action = k == 3 ? PROTO_ACTION_EXIT : PROTO_ACTION_CREATE;
        uint64_t e = k == 3 ? (uint64_t)i - 1 : (uint64_t)i;
        proto_be64_put(op.entity, op.wall_ms - (i - (int64_t)e));
        proto_be64_put(op.entity + 8, e * 0x9e3779b97f4a7c15u);
        ASSERT_OK(proto_op_add_int(&op, "n", i));
        ASSERT_OK(proto_op_encode(&op, enc, sizeof enc, &len));
        ASSERT_OK(store_ingest(txn, enc, len, 1, &added));
        ASSERT_EQ(added, 1);
    }
    return 0;
}

static void default_order_reads(const char *dir)
{
    static const char *const dbs[] = {"ops",    "log",  "eops",  "entities",
                                      "bykind", "open", "heads", "meta"};
    store *s;
    fill_ctx c = {0x00ff00ff00ff0001ull, 1};
    ASSERT_OK(store_open(dir, STORE_CREATE, &s));
    ASSERT_OK(store_write(s, fill, &c));
    store_close(s);

    MDB_env *env;
    MDB_txn *txn;
    ASSERT_EQ(mdb_env_create(&env), 0);
    ASSERT_EQ(mdb_env_set_maxdbs(env, 16), 0);
    ASSERT_EQ(mdb_env_open(env, dir, MDB_RDONLY, 0600), 0);
    ASSERT_EQ(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    size_t total = 0;
    for (size_t d = 0; d < sizeof dbs / sizeof dbs[0]; d++) {
        MDB_dbi dbi;
        MDB_cursor *cur;
        MDB_val k, v, prev = {0, NULL}, found;
        size_t n = 0;
        ASSERT_EQ(mdb_dbi_open(txn, dbs[d], 0, &dbi), 0);
        ASSERT_EQ(mdb_cursor_open(txn, dbi, &cur), 0);
        for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
            if (n > 0 && ref_cmp(&prev, &k) >= 0)
                TEST_FAIL_("%s: key %zu not above the one before", dbs[d], n);
            ASSERT_EQ(mdb_get(txn, dbi, &k, &found), 0);
            ASSERT_EQ(found.mv_size, v.mv_size);
            prev = k;
            n++;
        }
        mdb_cursor_close(cur);
        ASSERT_GT(n, 0);
        total += n;
    }
    mdb_txn_abort(txn);
    mdb_env_close(env);
    printf("default order: %zu keys in 8 tables, ascending and found\n", total);
}

int main(void)
{
    char *dir = test_tmpdir("store-keyorder");
    random_pairs();
    default_order_reads(dir);
    test_rmtree(dir);
    free(dir);
    return 0;
}
