/* test_store_migrate.c: stores written by the last format-1 code (the
 * fixtures in data/format1, made by make-fixture.sh at e4002b6) still open.
 *
 * For a handheld store and a server site store, on copies of the fixture:
 * read-only, the old format is read as it is (format 1, same digest, chain
 * heads computed from the ops); writable, the open migrates it to format 2
 * (heads right for every device, digest and op count unchanged, chains
 * intact), a second open migrates nothing, a local append and the ingest
 * of another device's next op continue the chains, and a newer format is
 * refused. Last, the heads of 600 devices written in one transaction (more
 * than the in-transaction cache holds) all read back right. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storetest.h"
#include "test.h"

#ifndef FIXTURE_DIR
#error "FIXTURE_DIR must name tests/storage/data/format1"
#endif

/* What the fixtures held when made (`rounds dump`, `roundsd dump --ops`,
 * mdb_stat): the digest over every entity's id and state in (kind, id)
 * order, the op count and the number of devices with ops. */
typedef struct fixture {
    const char *name;
    const char *digest;
    uint64_t ops;
    uint64_t entities;
    size_t devices;
} fixture;

static const fixture fixtures[] = {
    {"handheld",
     "4aef92c8c5d859067f7bca51bdc92c0a3ab12f37c3e0615798d589861b560126", 49, 44,
     4},
    {"server",
     "5c37fb6d5c0577d8c3f7cc2c28636b91391b6b29875ab2f41f42e118143da108", 45, 41,
     4},
};

/* ---- helpers ------------------------------------------------------------ */

static void copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY);
    ASSERT(in >= 0);
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ASSERT(out >= 0);
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        ASSERT_EQ(write(out, buf, (size_t)n), n);
    ASSERT_EQ(n, 0);
    close(in);
    ASSERT_EQ(close(out), 0);
}

/* A fresh copy of fixture name in a new temporary directory. */
static void copy_fixture(const char *name, char dir[256])
{
    snprintf(dir, 256, "/tmp/rnd-migrate-XXXXXX");
    ASSERT(mkdtemp(dir) != NULL);
    char from[512], to[512];
    snprintf(from, sizeof from, "%s/%s/data.mdb", FIXTURE_DIR, name);
    snprintf(to, sizeof to, "%s/data.mdb", dir);
    copy_file(from, to);
}

static void remove_dir(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/lock.mdb", dir);
    unlink(path);
    ASSERT_EQ(rmdir(dir), 0);
}

/* The dump digest (store_digest: server/dump.c, `rounds dump`), in hex;
 * *entities gets how many entities it covered. */
static void digest_hex(store *s, char out[65], uint64_t *entities)
{
    store_txn *txn;
    uint8_t dig[32];
    ASSERT_OK(store_read_begin(s, &txn));
    ASSERT_OK(store_digest(txn, NULL, NULL, dig, entities));
    store_read_end(txn);
    proto_hex(dig, sizeof dig, out);
}

/* Every device with ops, its highest seq and the hash of that op, from a
 * walk over all ops (not from heads). */
#define MAX_DEVICES 16
typedef struct dev_heads {
    size_t n;
    uint64_t id[MAX_DEVICES];
    uint64_t seq[MAX_DEVICES];
    uint8_t hash[MAX_DEVICES][PROTO_HASH_LEN];
    uint64_t ops;
} dev_heads;

static int heads_cb(const uint8_t *enc, size_t len, int64_t recv_ms, void *ctx)
{
    (void)recv_ms;
    dev_heads *h = ctx;
    proto_op op;
    ASSERT_OK(proto_op_decode(enc, len, &op));
    size_t i = 0;
    while (i < h->n && h->id[i] != op.device_id)
        i++;
    if (i == h->n) {
        ASSERT_LT(h->n, MAX_DEVICES);
        h->n++;
        h->id[i] = op.device_id;
        h->seq[i] = 0;
    }
    if (op.seq > h->seq[i]) {
        h->seq[i] = op.seq;
        proto_op_hash(enc, len, h->hash[i]);
    }
    h->ops++;
    return 0;
}

static void walk_heads(store *s, dev_heads *h)
{
    memset(h, 0, sizeof *h);
    store_txn *txn;
    ASSERT_OK(store_read_begin(s, &txn));
    ASSERT_OK(store_log_each(txn, 0, heads_cb, h, NULL));
    store_read_end(txn);
}

/* store_device_head agrees with the walk for every device, chains verify,
 * and a device with no ops has head (0, zeros). */
static void check_heads(store *s, const dev_heads *h)
{
    store_txn *txn;
    ASSERT_OK(store_read_begin(s, &txn));
    for (size_t i = 0; i < h->n; i++) {
        uint64_t seq;
        uint8_t hash[PROTO_HASH_LEN];
        ASSERT_OK(store_device_head(txn, h->id[i], &seq, hash));
        ASSERT_U64_EQ(seq, h->seq[i]);
        ASSERT_MEM_EQ(hash, h->hash[i], PROTO_HASH_LEN);
    }
    uint64_t seq = 99;
    uint8_t hash[PROTO_HASH_LEN], zero[PROTO_HASH_LEN] = {0};
    ASSERT_OK(store_device_head(txn, 0x0123456789abcdefULL, &seq, hash));
    ASSERT_U64_EQ(seq, 0);
    ASSERT_MEM_EQ(hash, zero, PROTO_HASH_LEN);
    store_read_end(txn);
    for (size_t i = 0; i < h->n; i++)
        ASSERT_U64_EQ(st_check_chain(s, h->id[i]), h->seq[i]);
}

static void check_contents(store *s, const fixture *f, dev_heads *h)
{
    char hex[65];
    uint64_t entities;
    digest_hex(s, hex, &entities);
    ASSERT_STR_EQ(hex, f->digest);
    ASSERT_U64_EQ(entities, f->entities);
    store_txn *txn;
    uint64_t ops;
    ASSERT_OK(store_read_begin(s, &txn));
    ASSERT_OK(store_op_count(txn, &ops));
    store_read_end(txn);
    ASSERT_U64_EQ(ops, f->ops);
    walk_heads(s, h);
    ASSERT_U64_EQ(h->ops, f->ops);
    ASSERT_EQ(h->n, f->devices);
    check_heads(s, h);
}

/* ---- continuing the chains ---------------------------------------------- */

typedef struct append_ctx {
    uint64_t seq;
} append_ctx;

static int append_fn(store_txn *txn, void *vctx)
{
    append_ctx *c = vctx;
    proto_op op;
    proto_op_init(&op);
    op.kind = PROTO_KIND_DUTYLOG;
    op.action = PROTO_ACTION_CREATE;
    int rc = proto_entity_new(op.entity, ST_WALL(0));
    if (rc == 0)
        rc = proto_op_add_str(&op, "text", "after the migration", 19);
    if (rc == 0)
        rc = store_append_local(txn, &op, ST_WALL(0) + 1000000000000, &c->seq);
    return rc;
}

typedef struct ingest_ctx {
    const uint8_t *enc;
    size_t len;
    proto_op op;
    int chain_rc;
    int added;
} ingest_ctx;

static int ingest_fn(store_txn *txn, void *vctx)
{
    ingest_ctx *c = vctx;
    c->chain_rc = store_chain_check(txn, &c->op);
    if (c->chain_rc)
        return 0;
    return store_ingest(txn, c->enc, c->len, ST_WALL(0), &c->added);
}

/* Encodes the op that follows device dev's head (or, with skew, one whose
 * seq or prev_hash is off) into buf. */
static size_t next_op(ingest_ctx *c, uint8_t *buf, size_t cap, uint64_t dev,
                      uint64_t head_seq, const uint8_t *head_hash, int skew)
{
    proto_op *op = &c->op;
    proto_op_init(op);
    op->device_id = dev;
    op->seq = head_seq + 1 + (skew == 1);
    op->hlc = PROTO_HLC_MAKE(ST_WALL(0) + 2000000000000, 0);
    op->wall_ms = ST_WALL(0) + 2000000000000;
    op->kind = PROTO_KIND_SCAN;
    op->action = PROTO_ACTION_CREATE;
    ASSERT_OK(proto_entity_new(op->entity, op->wall_ms));
    ASSERT_OK(proto_op_add_str(op, "tag", "CP-09", 5));
    memcpy(op->prev_hash, head_hash, PROTO_HASH_LEN);
    if (skew == 2)
        op->prev_hash[0] ^= 1;
    size_t len;
    ASSERT_OK(proto_op_encode(op, buf, cap, &len));
    /* store_chain_check reads the decoded op, as the server has it. */
    ASSERT_OK(proto_op_decode(buf, len, op));
    c->enc = buf;
    c->len = len;
    return len;
}

static void continue_chains(store *s, dev_heads *h)
{
    store_identity id;
    store_txn *txn;
    ASSERT_OK(store_read_begin(s, &txn));
    ASSERT_OK(store_identity_get(txn, &id));
    store_read_end(txn);

    /* Our own writer: the next local op follows the migrated head. */
    size_t own = 0;
    while (own < h->n && h->id[own] != id.device_id)
        own++;
    uint64_t own_seq = own < h->n ? h->seq[own] : 0;
    ASSERT_U64_EQ(id.next_seq, own_seq + 1);
    append_ctx ac = {0};
    ASSERT_OK(store_write(s, append_fn, &ac));
    ASSERT_U64_EQ(ac.seq, own_seq + 1);

    /* Another device: its next op is accepted, a gap or a wrong prev_hash
     * is not. */
    size_t other = own == 0 ? 1 : 0;
    ASSERT_LT(other, h->n);
    uint8_t buf[1024];
    ingest_ctx ic;
    for (int skew = 1; skew <= 2; skew++) {
        memset(&ic, 0, sizeof ic);
        next_op(&ic, buf, sizeof buf, h->id[other], h->seq[other],
                h->hash[other], skew);
        ASSERT_OK(store_write(s, ingest_fn, &ic));
        ASSERT_ERR(ic.chain_rc, RND_ECHAIN);
    }
    memset(&ic, 0, sizeof ic);
    next_op(&ic, buf, sizeof buf, h->id[other], h->seq[other], h->hash[other],
            0);
    ASSERT_OK(store_write(s, ingest_fn, &ic));
    ASSERT_OK(ic.chain_rc);
    ASSERT_EQ(ic.added, 1);

    /* Both heads moved, and match a fresh walk of the ops. */
    dev_heads after;
    walk_heads(s, &after);
    ASSERT_EQ(after.n, h->n + (own == h->n));
    ASSERT_U64_EQ(after.ops, h->ops + 2);
    check_heads(s, &after);
    ASSERT_U64_EQ(st_check_chain(s, id.device_id), own_seq + 1);
    ASSERT_U64_EQ(st_check_chain(s, h->id[other]), h->seq[other] + 1);
}

static int set_format_fn(store_txn *txn, void *ctx)
{
    return store_meta_put_u64(txn, "format", *(uint64_t *)ctx);
}

/* ---- the test ----------------------------------------------------------- */

static void one_fixture(const fixture *f)
{
    char ro[256], rw[256];
    store *s;
    int from = -1;
    dev_heads h;

    /* Read-only: format 1 read as it is, and left so. */
    copy_fixture(f->name, ro);
    for (int round = 0; round < 2; round++) {
        ASSERT_OK(store_open_migrate(ro, STORE_RDONLY, &s, &from));
        ASSERT_EQ(from, 0);
        ASSERT_EQ(store_format(s), 1);
        check_contents(s, f, &h);
        store_close(s);
    }
    remove_dir(ro);

    /* Writable: migrated on open, once. */
    copy_fixture(f->name, rw);
    ASSERT_OK(store_open_migrate(rw, 0, &s, &from));
    ASSERT_EQ(from, 1);
    ASSERT_EQ(store_format(s), STORE_FORMAT_VERSION);
    ASSERT_EQ(STORE_FORMAT_VERSION, 4);
    check_contents(s, f, &h);
    store_close(s);
    ASSERT_OK(store_open_migrate(rw, 0, &s, &from));
    ASSERT_EQ(from, 0);
    check_contents(s, f, &h);
    continue_chains(s, &h);
    store_close(s);

    /* Read-only after the migration: the current format, heads from heads. */
    ASSERT_OK(store_open(rw, STORE_RDONLY, &s));
    ASSERT_EQ(store_format(s), STORE_FORMAT_VERSION);
    store_close(s);

    /* A newer format than this code knows is refused. */
    ASSERT_OK(store_open(rw, 0, &s));
    uint64_t newer = STORE_FORMAT_VERSION + 1;
    ASSERT_OK(store_write(s, set_format_fn, &newer));
    store_close(s);
    ASSERT_ERR(store_open(rw, 0, &s), RND_ESTOREVER);
    ASSERT_ERR(store_open(rw, STORE_RDONLY, &s), RND_ESTOREVER);
    remove_dir(rw);
    printf("%s: migrated from format 1, %zu devices, digest %.16s...\n",
           f->name, h.n, f->digest);
}

/* 600 devices, each with 2 ops, in one write transaction: more devices
 * than the heads cache's slots, so some heads are written out early. */
#define MANY 600
typedef struct many_ctx {
    uint8_t hash[MANY][PROTO_HASH_LEN];
} many_ctx;

static int many_fn(store_txn *txn, void *vctx)
{
    many_ctx *m = vctx;
    uint8_t buf[512];
    for (uint64_t seq = 1; seq <= 2; seq++) {
        for (uint64_t d = 0; d < MANY; d++) {
            ingest_ctx c;
            uint8_t prev[PROTO_HASH_LEN] = {0};
            if (seq == 2)
                memcpy(prev, m->hash[d], PROTO_HASH_LEN);
            next_op(&c, buf, sizeof buf, 1000 + d * 256, seq - 1, prev, 0);
            int rc = store_chain_check(txn, &c.op);
            if (rc == 0)
                rc = store_ingest_op(txn, &c.op, c.enc, c.len, 1, &c.added);
            if (rc)
                return rc;
            ASSERT_EQ(c.added, 1);
            proto_op_hash(c.enc, c.len, m->hash[d]);
        }
    }
    return 0;
}

static void many_devices(void)
{
    char dir[256];
    snprintf(dir, sizeof dir, "/tmp/rnd-heads-XXXXXX");
    ASSERT(mkdtemp(dir) != NULL);
    store *s;
    ASSERT_OK(store_open(dir, STORE_CREATE, &s));
    ASSERT_EQ(store_format(s), STORE_FORMAT_VERSION);
    static many_ctx m;
    ASSERT_OK(store_write(s, many_fn, &m));
    store_txn *txn;
    ASSERT_OK(store_read_begin(s, &txn));
    for (uint64_t d = 0; d < MANY; d++) {
        uint64_t seq;
        uint8_t hash[PROTO_HASH_LEN];
        ASSERT_OK(store_device_head(txn, 1000 + d * 256, &seq, hash));
        ASSERT_U64_EQ(seq, 2);
        ASSERT_MEM_EQ(hash, m.hash[d], PROTO_HASH_LEN);
    }
    store_read_end(txn);
    store_close(s);
    remove_dir(dir);
}

int main(void)
{
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++)
        one_fixture(&fixtures[i]);
    many_devices();
    printf("ok\n");
    return 0;
}
