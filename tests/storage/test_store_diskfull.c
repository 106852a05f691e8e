/* test_store_diskfull.c: a full disk during a record (the handheld's
 * store_append_local) and during a merge (the server's store_ingest of a
 * pushed batch) gives RND_EDISKFULL, loses nothing that was acknowledged,
 * leaves nothing half-written, and the store works again once there is
 * room.
 *
 * The full disk is simulated without root: RLIMIT_FSIZE caps the size a
 * file may grow to, and with SIGXFSZ ignored a write past it fails with
 * EFBIG, which the store must treat like ENOSPC. LMDB's data file grows
 * only when a commit writes pages past its end, so the cap is set to the
 * file's size and commits go on until one needs a new page.
 *
 * With ROUNDS_CLI set to the rounds binary (CTest sets it) it also checks
 * the command line: exit code 5 and a message naming the cause, and
 * `rounds` working again afterwards.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test.h"
#include "store.h"
#include "storetest.h"

#define DEV_A 0x00000000000a0001ull
#define DEV_B 0x00000000000b0002ull
/* Big enough that a few commits need a new page at the end of the file. */
#define TEXT_LEN 4000

static rlim_t hard_limit;

static off_t file_size(const char *dir)
{
    char path[4200];
    struct stat st;
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    ASSERT_OK(stat(path, &st));
    return st.st_size;
}

/* The disk "fills" at the data file's present size plus room bytes. */
static void disk_full(const char *dir, off_t room)
{
    struct rlimit rl = {(rlim_t)(file_size(dir) + room), hard_limit};
    ASSERT_OK(setrlimit(RLIMIT_FSIZE, &rl));
}

static void disk_freed(void)
{
    struct rlimit rl = {hard_limit, hard_limit};
    ASSERT_OK(setrlimit(RLIMIT_FSIZE, &rl));
}

/* ---- the handheld: records ----------------------------------------------- */

typedef struct rec_ctx {
    uint64_t n; /* the record's number: its text says it */
} rec_ctx;

static char text[TEXT_LEN + 1];

static int record_fn(store_txn *txn, void *vctx)
{
    rec_ctx *c = vctx;
    proto_op op;
    proto_op_init(&op);
    op.kind = PROTO_KIND_DUTYLOG;
    op.action = PROTO_ACTION_CREATE;
    snprintf(text, sizeof text, "record %llu ", (unsigned long long)c->n);
    memset(text + strlen(text), 'r', TEXT_LEN - strlen(text));
    int rc = proto_entity_new(op.entity, ST_WALL(c->n));
    if (rc == 0)
        rc = proto_op_add_str(&op, "text", text, TEXT_LEN);
    if (rc == 0)
        rc = store_append_local(txn, &op, ST_WALL(c->n), NULL);
    return rc;
}

static int init_fn(store_txn *txn, void *vctx)
{
    return store_identity_init(txn, *(uint64_t *)vctx, "S1", "dev");
}

/* Checks that the store holds exactly records 1..n of DEV_A, chained. */
static void check_records(store *s, uint64_t n)
{
    ASSERT_U64_EQ(st_check_chain(s, DEV_A), n);
    store_txn *txn;
    ASSERT_OK(store_read_begin(s, &txn));
    for (uint64_t k = 1; k <= n; k++) {
        const uint8_t *enc;
        size_t len;
        proto_op op;
        ASSERT_OK(store_op_get(txn, DEV_A, k, &enc, &len, NULL));
        ASSERT_OK(proto_op_decode(enc, len, &op));
        const proto_field *f = proto_op_field(&op, "text");
        char want[32];
        snprintf(want, sizeof want, "record %llu ", (unsigned long long)k);
        ASSERT(f != NULL && f->str_len == TEXT_LEN);
        ASSERT(memcmp(f->str, want, strlen(want)) == 0);
    }
    uint64_t count;
    ASSERT_OK(store_op_count(txn, &count));
    store_read_end(txn);
    ASSERT_U64_EQ(count, n);
}

static void test_record(const char *dir)
{
    store *s;
    uint64_t id = DEV_A, acked = 0;
    ASSERT_OK(store_open(dir, STORE_CREATE, &s));
    ASSERT_OK(store_write(s, init_fn, &id));
    for (int i = 0; i < 10; i++) {
        rec_ctx c = {++acked};
        ASSERT_OK(store_write(s, record_fn, &c));
    }
    disk_full(dir, 0);
    int rc = 0;
    for (int i = 0; i < 1000 && rc == 0; i++) {
        rec_ctx c = {acked + 1};
        rc = store_write(s, record_fn, &c);
        if (rc == 0)
            acked++; /* fit in pages LMDB had free */
    }
    fprintf(stderr, "record: %llu acknowledged, then %s (%s)\n",
            (unsigned long long)acked, rnd_errname(rc), store_last_raw_text(s));
    ASSERT_ERR(rc, RND_EDISKFULL);
    ASSERT(rnd_is_storage_error(rc));
    /* Still full: refused again, nothing half-written meanwhile. */
    rec_ctx again = {acked + 1};
    ASSERT_ERR(store_write(s, record_fn, &again), RND_EDISKFULL);
    check_records(s, acked);
    disk_freed();
    /* Space again: the same open store records, and the chain goes on. */
    for (int i = 0; i < 5; i++) {
        rec_ctx c = {++acked};
        ASSERT_OK(store_write(s, record_fn, &c));
    }
    check_records(s, acked);
    store_close(s);
    ASSERT_OK(store_open(dir, 0, &s));
    check_records(s, acked);
    store_close(s);
}

/* ---- the server: a pushed batch merged ----------------------------------- */

typedef struct ingest_ctx {
    store *from;
    uint64_t first, last; /* seqs of DEV_A to ingest */
    uint64_t added;
} ingest_ctx;

/* What the server's group commit does with a batch: each op stored with
 * its receive time, in one transaction. */
static int ingest_fn(store_txn *txn, void *vctx)
{
    ingest_ctx *c = vctx;
    store_txn *r;
    c->added = 0;
    int rc = store_read_begin(c->from, &r);
    for (uint64_t k = c->first; rc == 0 && k <= c->last; k++) {
        const uint8_t *enc;
        size_t len;
        int added;
        rc = store_op_get(r, DEV_A, k, &enc, &len, NULL);
        if (rc == 0)
            rc = store_ingest(txn, enc, len, ST_WALL(k) + 5, &added);
        if (rc == 0)
            c->added += (uint64_t)added;
    }
    if (r != NULL)
        store_read_end(r);
    return rc;
}

static uint64_t ops_of(store *s, uint64_t dev)
{
    store_txn *txn;
    uint64_t n;
    ASSERT_OK(store_read_begin(s, &txn));
    ASSERT_OK(store_device_max_seq(txn, dev, &n));
    store_read_end(txn);
    return n;
}

static void test_merge(const char *dev_dir, const char *srv_dir)
{
    store *dev, *srv;
    ASSERT_OK(store_open(dev_dir, 0, &dev)); /* test_record's store */
    uint64_t total = ops_of(dev, DEV_A), id = DEV_B;
    ASSERT(total >= 12);
    ASSERT_OK(store_open(srv_dir, STORE_CREATE, &srv));
    ASSERT_OK(store_write(srv, init_fn, &id));
    /* Batches of 3 ops, as PUSH frames would bring them. */
    uint64_t held = 0;
    ingest_ctx c = {dev, 1, 3, 0};
    ASSERT_OK(store_write(srv, ingest_fn, &c));
    held = 3;
    /* Room for part of a commit: LMDB's write comes up short (EIO from
     * LMDB), as on a disk that fills in the middle of a commit. */
    disk_full(srv_dir, 5000);
    int rc = 0;
    while (rc == 0 && held < total) {
        c = (ingest_ctx){dev, held + 1, held + 3 <= total ? held + 3 : total,
                         0};
        rc = store_write(srv, ingest_fn, &c);
        if (rc == 0)
            held = c.last;
    }
    fprintf(stderr, "merge: %llu ops held, then %s (%s)\n",
            (unsigned long long)held, rnd_errname(rc),
            store_last_raw_text(srv));
    ASSERT_ERR(rc, RND_EDISKFULL);
    /* The refused batch is not there at all; what was acked is. */
    ASSERT_U64_EQ(ops_of(srv, DEV_A), held);
    ASSERT_U64_EQ(st_check_chain(srv, DEV_A), held);
    disk_freed();
    /* The client re-sends the same batch: now it is stored, once. */
    c = (ingest_ctx){dev, held + 1, total, 0};
    ASSERT_OK(store_write(srv, ingest_fn, &c));
    ASSERT_U64_EQ(c.added, total - held);
    c = (ingest_ctx){dev, 1, total, 0};
    ASSERT_OK(store_write(srv, ingest_fn, &c));
    ASSERT_U64_EQ(c.added, 0);
    ASSERT_U64_EQ(st_check_chain(srv, DEV_A), total);
    store_close(srv);
    store_close(dev);
}

/* ---- the rounds CLI ------------------------------------------------------ */

/* Runs rounds with args under a file-size cap (0 = none); returns its exit
 * code and leaves its stderr in err. */
static int run_rounds(const char *rounds, const char *data, rlim_t cap,
                      char *const args[], char *err, size_t errcap)
{
    char errpath[4200];
    snprintf(errpath, sizeof errpath, "%s.err", data);
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        if (cap) {
            struct rlimit rl = {cap, hard_limit};
            setrlimit(RLIMIT_FSIZE, &rl);
        }
        if (freopen(errpath, "w", stderr) == NULL ||
            freopen("/dev/null", "w", stdout) == NULL)
            _exit(120);
        setenv("ROUNDS_DATA", data, 1);
        execv(rounds, args);
        _exit(127);
    }
    int status;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    FILE *f = fopen(errpath, "r");
    size_t n = f ? fread(err, 1, errcap - 1, f) : 0;
    err[n] = '\0';
    if (f)
        fclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_cli(const char *rounds, const char *data)
{
    char err[2048];
    char *init[] = {(char *)rounds, "init",   "--site", "S1", "--name",
                    "hh",           "--user", "guard",  NULL};
    ASSERT_EQ(run_rounds(rounds, data, 0, init, err, sizeof err), 0);
    static char note[TEXT_LEN + 1];
    memset(note, 'n', TEXT_LEN);
    char *rec[] = {(char *)rounds, "log", "--text", note, NULL};
    int ok = 0, rc = 0;
    /* Room for a few records, then full. */
    rlim_t cap = (rlim_t)file_size(data) + 64 * 1024;
    for (int i = 0; i < 200; i++) {
        rc = run_rounds(rounds, data, cap, rec, err, sizeof err);
        if (rc != 0)
            break;
        ok++;
    }
    fprintf(stderr, "cli: %d records, then exit %d: %s", ok, rc, err);
    ASSERT_EQ(rc, 5);
    ASSERT(strstr(err, "disk full") != NULL);
    ASSERT(strstr(err, data) != NULL); /* it names the store */
    /* Space again: it records, and holds exactly what it acknowledged. */
    ASSERT_EQ(run_rounds(rounds, data, 0, rec, err, sizeof err), 0);
    store *s;
    ASSERT_OK(store_open(data, 0, &s));
    store_txn *txn;
    uint64_t n;
    ASSERT_OK(store_read_begin(s, &txn));
    ASSERT_OK(store_op_count(txn, &n));
    store_read_end(txn);
    store_close(s);
    ASSERT_U64_EQ(n, (uint64_t)ok + 1);
}

int main(void)
{
    /* Past the cap a write fails with EFBIG instead of killing us. */
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl;
    ASSERT_OK(getrlimit(RLIMIT_FSIZE, &rl));
    hard_limit = rl.rlim_max;
    char *dir = test_tmpdir("diskfull");
    char a[4200], b[4200], c[4200];
    snprintf(a, sizeof a, "%s/hh", dir);
    snprintf(b, sizeof b, "%s/srv", dir);
    snprintf(c, sizeof c, "%s/cli", dir);
    test_record(a);
    test_merge(a, b);
    const char *rounds = getenv("ROUNDS_CLI");
    if (rounds != NULL && *rounds != '\0')
        test_cli(rounds, c);
    test_rmtree(dir);
    free(dir);
    printf("ok\n");
    return 0;
}
