/* test_store_threads.c: one thread writes while others read (store.h,
 * Threads), as roundsd's commit thread does beside its event loop.
 *
 * 1. A write that must grow the map waits for a read transaction of
 *    another thread to end (the map must not move under it), then
 *    succeeds; the reader saw its snapshot whole.
 * 2. The same write with a read transaction of the writer's own thread
 *    open fails with RND_EMAPFULL (waiting would never end) and succeeds
 *    once that read has ended.
 * 3. Readers on one thread and small writes on another, interleaved many
 *    times on a busy machine: every read sees a whole number of writes,
 *    never fewer than before (LMDB alone can show a later read fewer:
 *    store_txn.c, snapshot_newer), and at the end all of them.
 * 4. Two threads calling store_write at once take turns: no write is
 *    refused and every op lands, chained. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "storetest.h"
#include "test.h"

#define DEV 0x746872656164ull
#define NFIELDS 12
#define FIELD_LEN 4000
/* About 48 KB per op: 1,500 of them pass the initial 64 MiB map. */
#define BIG_OPS 1500
#define SMALL_WRITES 1000
#define OPS_PER_WRITE 4

static char text[FIELD_LEN];
static const char *const names[NFIELDS] = {"f00", "f01", "f02", "f03",
                                           "f04", "f05", "f06", "f07",
                                           "f08", "f09", "f10", "f11"};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int init_identity(store_txn *txn, void *ctx)
{
    (void)ctx;
    return store_identity_init(txn, DEV, "site", "threads");
}

static store *fresh(const char *dir)
{
    store *s;
    ASSERT_OK(store_open(dir, STORE_CREATE, &s));
    ASSERT_OK(store_write(s, init_identity, NULL));
    return s;
}

/* n big ops, each its own entity: enough of them fill the map. */
typedef struct big_ctx {
    unsigned calls;
    uint64_t n;
} big_ctx;

static int append_big(store_txn *txn, void *ctx)
{
    big_ctx *c = ctx;
    c->calls++;
    for (uint64_t i = 1; i <= c->n; i++) {
        proto_op op;
        proto_op_init(&op);
        op.kind = PROTO_KIND_WORKORDER;
        op.action = PROTO_ACTION_CREATE;
        proto_be64_put(op.entity, 0x200);
        proto_be64_put(op.entity + 8, i);
        for (int f = 0; f < NFIELDS; f++)
            ASSERT_OK(proto_op_add_str(&op, names[f], text + (i + f) % 64,
                                       FIELD_LEN - 64));
        int rc = store_append_local(txn, &op, ST_WALL(i), NULL);
        if (rc)
            return rc;
    }
    return 0;
}

static uint64_t count(store *s)
{
    store_txn *txn;
    uint64_t n;
    ASSERT_OK(store_read_begin(s, &txn));
    ASSERT_OK(store_op_count(txn, &n));
    store_read_end(txn);
    return n;
}

/* ---- 1: a reader on another thread holds the map in place --------------- */

typedef struct holder {
    store *s;
    int started;
    uint64_t seen_before, seen_after;
    int64_t ended_us;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} holder;

static void *hold_read(void *arg)
{
    holder *h = arg;
    store_txn *txn;
    ASSERT_OK(store_read_begin(h->s, &txn));
    ASSERT_OK(store_op_count(txn, &h->seen_before));
    pthread_mutex_lock(&h->mu);
    h->started = 1;
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
    /* Long enough for the writer to fill the map and have to wait. */
    usleep(300 * 1000);
    ASSERT_OK(store_op_count(txn, &h->seen_after));
    h->ended_us = now_us();
    store_read_end(txn);
    return NULL;
}

static void reader_holds_map(const char *dir)
{
    store *s = fresh(dir);
    holder h = {.s = s};
    pthread_mutex_init(&h.mu, NULL);
    pthread_cond_init(&h.cv, NULL);
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, hold_read, &h), 0);
    pthread_mutex_lock(&h.mu);
    while (!h.started)
        pthread_cond_wait(&h.cv, &h.mu);
    pthread_mutex_unlock(&h.mu);

    big_ctx c = {0, BIG_OPS};
    ASSERT_OK(store_write(s, append_big, &c));
    int64_t wrote_us = now_us();
    ASSERT_GE(c.calls, 2); /* it filled the map and replayed */
    ASSERT_EQ(pthread_join(t, NULL), 0);
    /* The grown write committed only after the reader let go, and the
     * reader's snapshot stayed whole meanwhile. */
    ASSERT_GE(wrote_us, h.ended_us);
    ASSERT_U64_EQ(h.seen_before, 0);
    ASSERT_U64_EQ(h.seen_after, 0);
    ASSERT_U64_EQ(count(s), BIG_OPS);
    ASSERT_U64_EQ(st_check_chain(s, DEV), BIG_OPS);
    pthread_mutex_destroy(&h.mu);
    pthread_cond_destroy(&h.cv);
    store_close(s);
}

/* ---- 2: a read of the writer's own thread ------------------------------- */

static void own_reader_refuses(const char *dir)
{
    store *s = fresh(dir);
    store_txn *txn;
    ASSERT_OK(store_read_begin(s, &txn));
    big_ctx c = {0, BIG_OPS};
    ASSERT_EQ(store_write(s, append_big, &c), RND_EMAPFULL);
    store_read_end(txn);
    ASSERT_U64_EQ(count(s), 0); /* nothing of the refused write */
    c.calls = 0;
    ASSERT_OK(store_write(s, append_big, &c));
    ASSERT_U64_EQ(count(s), BIG_OPS);
    store_close(s);
}

/* ---- 3: reads beside a stream of writes --------------------------------- */

typedef struct stream {
    store *s;
    atomic_int done; /* read by the main thread while this one writes */
    unsigned reads;
} stream;

static int append_small(store_txn *txn, void *ctx)
{
    (void)ctx;
    store_identity id;
    int rc = store_identity_get(txn, &id);
    for (int i = 0; rc == 0 && i < OPS_PER_WRITE; i++) {
        proto_op op;
        char buf[ST_STR_CAP];
        st_fill_op(&op, id.next_seq + (uint64_t)i, 50, 7, buf);
        rc = store_append_local(txn, &op, ST_WALL(id.next_seq + i), NULL);
    }
    return rc;
}

static void *write_stream(void *arg)
{
    stream *w = arg;
    for (int i = 0; i < SMALL_WRITES; i++)
        ASSERT_OK(store_write(w->s, append_small, NULL));
    w->done = 1;
    return NULL;
}

/* Keeps a core busy until told to stop: with more runnable threads than
 * cores the reader gets preempted at any instruction, as on a loaded
 * server, which is when LMDB's slow-start race shows (store_txn.c,
 * snapshot_newer). */
static void *spin(void *arg)
{
    atomic_int *stop = arg;
    while (!atomic_load_explicit(stop, memory_order_relaxed))
        ;
    return NULL;
}

#define SPINNERS 3

static void reads_beside_writes(const char *dir)
{
    stream w = {.s = fresh(dir)};
    pthread_t t, spinners[SPINNERS];
    atomic_int stop = 0;
    for (int i = 0; i < SPINNERS; i++)
        ASSERT_EQ(pthread_create(&spinners[i], NULL, spin, (void *)&stop), 0);
    ASSERT_EQ(pthread_create(&t, NULL, write_stream, &w), 0);
    uint64_t last = 0;
    while (!w.done) {
        uint64_t n = count(w.s);
        ASSERT_GE(n, last);
        ASSERT_U64_EQ(n % OPS_PER_WRITE, 0); /* whole writes only */
        last = n;
        w.reads++;
    }
    ASSERT_EQ(pthread_join(t, NULL), 0);
    stop = 1;
    for (int i = 0; i < SPINNERS; i++)
        ASSERT_EQ(pthread_join(spinners[i], NULL), 0);
    ASSERT_GT(w.reads, 1);
    ASSERT_U64_EQ(count(w.s), (uint64_t)SMALL_WRITES * OPS_PER_WRITE);
    ASSERT_U64_EQ(st_check_chain(w.s, DEV),
                  (uint64_t)SMALL_WRITES * OPS_PER_WRITE);
    store_close(w.s);
}

/* ---- 4: two writers ----------------------------------------------------- */

static void two_writers(const char *dir)
{
    stream a = {.s = fresh(dir)}, b = {.s = a.s};
    pthread_t ta, tb;
    ASSERT_EQ(pthread_create(&ta, NULL, write_stream, &a), 0);
    ASSERT_EQ(pthread_create(&tb, NULL, write_stream, &b), 0);
    ASSERT_EQ(pthread_join(ta, NULL), 0);
    ASSERT_EQ(pthread_join(tb, NULL), 0);
    uint64_t want = 2ull * SMALL_WRITES * OPS_PER_WRITE;
    ASSERT_U64_EQ(count(a.s), want);
    ASSERT_U64_EQ(st_check_chain(a.s, DEV), want);
    store_close(a.s);
}

int main(void)
{
    char *dir = test_tmpdir("store-threads");
    char sub[4200];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (char)('a' + i % 26);

    snprintf(sub, sizeof sub, "%s/holds", dir);
    reader_holds_map(sub);
    snprintf(sub, sizeof sub, "%s/own", dir);
    own_reader_refuses(sub);
    snprintf(sub, sizeof sub, "%s/stream", dir);
    reads_beside_writes(sub);
    snprintf(sub, sizeof sub, "%s/writers", dir);
    two_writers(sub);

    test_rmtree(dir);
    free(dir);
    return 0;
}
