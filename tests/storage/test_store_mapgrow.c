/* test_store_mapgrow.c: one write larger than the initial 64 MiB map must
 * succeed (the store grows the map and replays the write) and its data must
 * survive a reopen. A second process that had the store open at the old
 * size must adopt the grown map on its next transaction. store_prefault
 * on another thread beside a write that grows the map again: the map
 * does not move under it, and both succeed. */
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "storetest.h"
#include "test.h"

#define DEV 0x6d617067726f77ull
#define NFIELDS 12
#define FIELD_LEN 4000
/* About 48 KB per op: 1,500 of them pass 64 MiB. */
#define NOPS 1500

static char text[FIELD_LEN];
static const char *const names[NFIELDS] = {"f00", "f01", "f02", "f03",
                                           "f04", "f05", "f06", "f07",
                                           "f08", "f09", "f10", "f11"};

static int init_identity(store_txn *txn, void *ctx)
{
    return store_identity_init(txn, DEV, "site", "grow");
}

/* Op n: its own entity (so each refold sees one op), twelve long fields and
 * an int tying it to n. */
static void fill(proto_op *op, uint64_t n)
{
    proto_op_init(op);
    op->kind = PROTO_KIND_WORKORDER;
    op->action = PROTO_ACTION_CREATE;
    proto_be64_put(op->entity, 0x100);
    proto_be64_put(op->entity + 8, n);
    ASSERT_OK(proto_op_add_int(op, "n", (int64_t)n));
    for (int i = 0; i < NFIELDS; i++)
        ASSERT_OK(proto_op_add_str(op, names[i], text + (n + i) % 64,
                                   FIELD_LEN - 64));
}

typedef struct grow_ctx {
    unsigned calls;
    uint64_t last; /* reset at the start: the write may replay */
} grow_ctx;

static int append_all(store_txn *txn, void *ctx)
{
    grow_ctx *c = ctx;
    c->calls++;
    c->last = 0;
    for (uint64_t n = 1; n <= NOPS; n++) {
        proto_op op;
        fill(&op, n);
        int rc = store_append_local(txn, &op, ST_WALL(n), &c->last);
        if (rc)
            return rc;
    }
    return 0;
}

/* NOPS more ops after the last, on their own entities: passes the grown
 * map (128 MiB) too. */
static int append_more(store_txn *txn, void *ctx)
{
    grow_ctx *c = ctx;
    store_identity id;
    c->calls++;
    c->last = 0;
    int rc = store_identity_get(txn, &id);
    for (uint64_t n = id.next_seq; rc == 0 && n < id.next_seq + NOPS; n++) {
        proto_op op;
        fill(&op, n);
        rc = store_append_local(txn, &op, ST_WALL(n), &c->last);
    }
    return rc;
}

static void *prefault_main(void *arg)
{
    static int rc;
    rc = store_prefault(arg);
    return &rc;
}

/* Op n is stored intact: re-encoding what was appended gives its bytes. */
static void check_op(store_txn *txn, uint64_t n)
{
    const uint8_t *enc;
    size_t len, want_len;
    static uint8_t buf[PROTO_OP_MAX_BYTES];
    proto_op op, want;
    int kind;
    ASSERT_OK(store_op_get(txn, DEV, n, &enc, &len, NULL));
    ASSERT_OK(proto_op_decode(enc, len, &op));
    ASSERT_U64_EQ(op.seq, n);
    ASSERT_EQ(op.wall_ms, ST_WALL(n));
    fill(&want, n);
    want.version = op.version;
    want.device_id = op.device_id;
    want.seq = op.seq;
    want.hlc = op.hlc;
    want.wall_ms = op.wall_ms;
    memcpy(want.prev_hash, op.prev_hash, PROTO_HASH_LEN);
    ASSERT_OK(proto_op_encode(&want, buf, sizeof buf, &want_len));
    ASSERT_EQ(len, want_len);
    ASSERT_MEM_EQ(enc, buf, len);
    ASSERT_OK(store_entity_get(txn, op.entity, &kind, NULL, NULL));
    ASSERT_EQ(kind, PROTO_KIND_WORKORDER);
}

static int append_one(store_txn *txn, void *ctx)
{
    unsigned *calls = ctx;
    store_identity id;
    proto_op op;
    (*calls)++;
    int rc = store_identity_get(txn, &id);
    if (rc)
        return rc;
    fill(&op, id.next_seq);
    return store_append_local(txn, &op, ST_WALL(id.next_seq), NULL);
}

/* The other process: opens the store at its initial size, waits while the
 * parent grows it, then reads everything and appends one more op. */
static void reader(const char *dir, int to_parent, int from_parent)
{
    store *s;
    char c = 'o';
    ASSERT_OK(store_open(dir, 0, &s));
    ASSERT_EQ(write(to_parent, &c, 1), 1);
    ASSERT_EQ(read(from_parent, &c, 1), 1);
    ASSERT_EQ(c, 'g');
    ASSERT_U64_EQ(st_check_chain(s, DEV), NOPS);
    unsigned calls = 0;
    ASSERT_OK(store_write(s, append_one, &calls));
    store_close(s);
    _exit(0);
}

int main(void)
{
    char *dir = test_tmpdir("store-mapgrow");
    char path[4200];
    struct stat st;
    store *s;
    store_txn *txn;
    uint64_t v;

    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (char)('a' + i % 26);

    ASSERT_OK(store_open(dir, STORE_CREATE, &s));
    ASSERT_OK(store_write(s, init_identity, NULL));
    store_close(s);

    /* Fork with nothing open; both processes then open the store. */
    int up[2], down[2];
    ASSERT_EQ(pipe(up), 0);
    ASSERT_EQ(pipe(down), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        close(up[0]);
        close(down[1]);
        reader(dir, up[1], down[0]);
    }
    close(up[1]);
    close(down[0]);
    char ch;
    ASSERT_EQ(read(up[0], &ch, 1), 1);

    ASSERT_OK(store_open(dir, 0, &s));
    grow_ctx c = {0, 0};
    ASSERT_OK(store_write(s, append_all, &c));
    ASSERT_U64_EQ(c.last, NOPS);
    ASSERT_GE(c.calls, 2); /* it did fill the map and replay */
    store_close(s);

    ch = 'g';
    ASSERT_EQ(write(down[1], &ch, 1), 1);
    int status;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(up[0]);
    close(down[1]);

    snprintf(path, sizeof path, "%s/data.mdb", dir);
    ASSERT_EQ(stat(path, &st), 0);
    ASSERT_GT(st.st_size, (int64_t)64 << 20);

    /* After reopening, every op is there, intact and chained, and the map
     * keeps its grown size: one more op needs no replay. */
    ASSERT_OK(store_open(dir, 0, &s));
    unsigned calls = 0;
    ASSERT_OK(store_write(s, append_one, &calls));
    ASSERT_EQ(calls, 1);
    ASSERT_U64_EQ(st_check_chain(s, DEV), NOPS + 2);
    ASSERT_OK(store_read_begin(s, &txn));
    ASSERT_OK(store_op_count(txn, &v));
    ASSERT_U64_EQ(v, NOPS + 2);
    for (uint64_t n = 1; n <= NOPS; n += 37)
        check_op(txn, n);
    check_op(txn, NOPS);
    check_op(txn, NOPS + 1);
    check_op(txn, NOPS + 2);
    store_read_end(txn);

    /* Every page read on a thread while this one's write grows the map:
     * each chunk is read under a read transaction, which the growth waits
     * for, so nothing is read from an unmapped place. */
    pthread_t pf;
    void *pf_rc;
    ASSERT_OK(store_prefault(s));
    ASSERT_EQ(pthread_create(&pf, NULL, prefault_main, s), 0);
    c.calls = 0;
    ASSERT_OK(store_write(s, append_more, &c));
    ASSERT_EQ(pthread_join(pf, &pf_rc), 0);
    ASSERT_OK(*(int *)pf_rc);
    ASSERT_GE(c.calls, 2); /* it grew the map again */
    ASSERT_U64_EQ(st_check_chain(s, DEV), 2 * NOPS + 2);
    ASSERT_OK(store_prefault(s));
    store_close(s);

    test_rmtree(dir);
    free(dir);
    return 0;
}
