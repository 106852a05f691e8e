/* test_store_crash.c: crash safety. A child process appends ops, one
 * durable store_write per op, and acknowledges each seq on a pipe once the
 * write returned. The parent SIGKILLs it at random moments and, with the
 * child dead, reopens the store and checks that it opens, that the device's
 * seqs run 1..max without gaps, that every acknowledged op is there with its
 * content, that the chain verifies, and that the next child continues at
 * max + 1. Nothing is open in the parent when it forks. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "storetest.h"
#include "test.h"

#define DEV 0xc7a5400000000001ull
#define NENT 5
#define TAG 0xc
#define KILLS 30

/* ---- the child ----------------------------------------------------------- */

static int ensure_identity(store_txn *txn, void *ctx)
{
    store_identity id;
    int rc = store_identity_get(txn, &id);
    if (rc == RND_ENOTINIT)
        rc = store_identity_init(txn, DEV, "site", "crash");
    return rc;
}

/* Appends the next op of the series; its content follows from its seq. */
static int append_next(store_txn *txn, void *ctx)
{
    uint64_t *seq = ctx;
    store_identity id;
    proto_op op;
    char buf[ST_STR_CAP];
    int rc = store_identity_get(txn, &id);
    if (rc)
        return rc;
    st_fill_op(&op, id.next_seq, NENT, TAG, buf);
    rc = store_append_local(txn, &op, ST_WALL(id.next_seq), seq);
    if (rc == 0 && *seq != id.next_seq)
        rc = RND_ECORRUPT;
    return rc;
}

static void child(const char *dir, int fd)
{
    store *s;
    if (store_open(dir, STORE_CREATE, &s) != 0)
        _exit(10);
    if (store_write(s, ensure_identity, NULL) != 0)
        _exit(11);
    for (;;) {
        uint64_t seq = 0;
        if (store_write(s, append_next, &seq) != 0)
            _exit(12);
        if (write(fd, &seq, sizeof seq) != (ssize_t)sizeof seq)
            _exit(13);
    }
}

/* ---- the parent ---------------------------------------------------------- */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Reads one acknowledgement; 0 at end of file. */
static int read_ack(int fd, uint64_t *seq)
{
    size_t got = 0;
    while (got < sizeof *seq) {
        ssize_t r = read(fd, (char *)seq + got, sizeof *seq - got);
        if (r < 0 && errno == EINTR)
            continue;
        ASSERT_GE(r, 0);
        if (r == 0) {
            ASSERT_EQ(got, 0); /* acks are written whole (< PIPE_BUF) */
            return 0;
        }
        got += (size_t)r;
    }
    return 1;
}

static int check_content(const uint8_t *enc, size_t len, int64_t recv_ms,
                         void *ctx)
{
    uint64_t *n = ctx;
    (*n)++;
    ASSERT_EQ(recv_ms, ST_WALL(*n));
    st_check_op(enc, len, DEV, *n, NENT, TAG);
    return 0;
}

static int count_op(const uint8_t *enc, size_t len, int64_t recv_ms, void *ctx)
{
    (*(uint64_t *)ctx)++;
    return 0;
}

/* Checks the store after a kill; returns its highest seq of DEV. */
static uint64_t check_store(const char *dir, uint64_t acked)
{
    store *s;
    store_txn *txn;
    int rc = store_open(dir, 0, &s);
    if (rc == RND_ENOTFOUND && acked == 0)
        return 0; /* killed before the store's first commit */
    ASSERT_OK(rc);

    uint64_t max = st_check_chain(s, DEV);
    /* Every acknowledged op is there; at most one more committed op whose
     * acknowledgement the kill cut off. */
    ASSERT_GE(max, acked);
    ASSERT_LE(max, acked + 1);

    ASSERT_OK(store_read_begin(s, &txn));
    uint64_t n = 0, v;
    ASSERT_OK(store_ops_each_device(txn, DEV, 1, check_content, &n));
    ASSERT_U64_EQ(n, max);
    ASSERT_OK(store_op_count(txn, &v));
    ASSERT_U64_EQ(v, max);
    n = 0;
    ASSERT_OK(store_log_each(txn, 0, count_op, &n, &v));
    ASSERT_U64_EQ(n, max);
    ASSERT_U64_EQ(v, max);
    store_identity id;
    rc = store_identity_get(txn, &id);
    if (rc == RND_ENOTINIT) {
        ASSERT_U64_EQ(max, 0);
    } else {
        ASSERT_OK(rc);
        ASSERT_U64_EQ(id.next_seq, max + 1);
        if (max > 0) {
            const uint8_t *enc;
            size_t len;
            uint8_t head[PROTO_HASH_LEN];
            ASSERT_OK(store_op_get(txn, DEV, max, &enc, &len, NULL));
            proto_op_hash(enc, len, head);
            ASSERT_MEM_EQ(id.chain_head, head, PROTO_HASH_LEN);
        }
    }
    /* Seq q writes entity q % NENT: check those the stored seqs reached. */
    for (uint64_t q = 1; q <= NENT && q <= max; q++) {
        uint8_t ent[PROTO_ENTITY_LEN];
        int kind;
        st_entity(ent, q, NENT, TAG);
        ASSERT_OK(store_entity_get(txn, ent, &kind, NULL, NULL));
        ASSERT_EQ(kind, PROTO_KIND_SCAN);
    }
    store_read_end(txn);
    store_close(s);
    return max;
}

int main(void)
{
    char *dir = test_tmpdir("store-crash");
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    if (getenv("ROUNDS_TEST_SEED"))
        seed = (unsigned)strtoul(getenv("ROUNDS_TEST_SEED"), NULL, 10);
    printf("seed %u (set ROUNDS_TEST_SEED to repeat)\n", seed);
    fflush(stdout);
    srand(seed);

    uint64_t max = 0, total_acks = 0;
    for (int round = 0; round < KILLS; round++) {
        int p[2];
        ASSERT_EQ(pipe(p), 0);
        pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            close(p[0]);
            child(dir, p[1]);
        }
        close(p[1]);

        /* Most kills land while the child is appending; every fifth may
         * land while it is still opening the store. */
        uint64_t first = 0, seq;
        int have_first = 0;
        if (round % 5 != 0) {
            struct pollfd pfd = {p[0], POLLIN, 0};
            ASSERT_EQ(poll(&pfd, 1, 10000), 1);
            ASSERT_EQ(read_ack(p[0], &first), 1);
            have_first = 1;
        }
        sleep_ms(1 + rand() % 50);
        ASSERT_EQ(kill(pid, SIGKILL), 0);
        int status;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        if (!WIFSIGNALED(status))
            TEST_FAIL_("child exited with %d before the kill",
                       WEXITSTATUS(status));

        /* Acknowledgements continue the previous round's last seq without a
         * gap or a reuse. */
        uint64_t acked = max, nacks = 0;
        for (int more = have_first; more || read_ack(p[0], &seq); more = 0) {
            if (more)
                seq = first;
            ASSERT_U64_EQ(seq, acked + 1);
            acked = seq;
            nacks++;
        }
        close(p[0]);
        total_acks += nacks;

        uint64_t now = check_store(dir, acked);
        ASSERT_GE(now, max);
        max = now;
    }
    printf("%d kills, %llu acknowledged writes, %llu ops stored\n", KILLS,
           (unsigned long long)total_acks, (unsigned long long)max);
    ASSERT_GT(total_acks, KILLS);

    test_rmtree(dir);
    free(dir);
    return 0;
}
