/* bench_ingest.c: the storage cost of taking in ops from a peer (issue #7):
 * N encoded checkpoint scans ingested through store_ingest_op() into a
 * fresh store, in batches of --batch ops per store_write() (4,096 by
 * default, a push frame), each batch a durable commit, as roundsd does for
 * a push and the handheld for a pull.
 *
 * The ops are the handheld's own, made as bench_limit.c makes them: 40
 * scans (one per tag, every shape of scans.h) are recorded through
 * hh_record_many() into a temporary store and read back; the N ops are
 * those re-encoded under a fixed device id and new seq, HLC, wall time,
 * entity id (one new entity per scan, ids in creation order) and
 * prev_hash (a real chain).
 * All of that, and creating the store, happens before the clock starts.
 *
 * Timed, for each of the two callers, with the commits: the pull (the
 * handheld's ingest_fn: each op's proto_op_decode() then
 * store_ingest_op()) and the push, through roundsd's own code (server/
 * site.h): each batch is copied into a srv_batch, srv_batch_prepare()
 * decodes and store_prepare()s its ops (roundsd's loop thread), and
 * srv_batch_commit() in a store_write() checks each continues its
 * device's chain and stores it with store_ingest_prepared() (roundsd's
 * commit thread: the same function its commit_fn calls). The push's rate
 * is that of the commit, which limits it; the preparing is timed apart,
 * the copy into the batch not at all. The decode alone is timed too, so
 * that the pull's storage part ("storage us": the rest) can be read off.
 * Under callgrind (--repeat 1 --mode M) the timed part is the inclusive
 * cost of ingest_all(), the push's commit that less fill_batch() and
 * srv_batch_prepare().
 * Exits 0 on success, 1 on errors, 2 on bad usage.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "handheld.h"
#include "benchops.h"
#include "scans.h"
#include "site.h"
#include "store.h"

typedef struct params {
    uint64_t ops, repeat, batch;
    int json, stats;
    int only; /* -1: both modes, else the one mode run (--mode) */
} params;

/* ---- the timed part ----------------------------------------------------- */

/* The two callers of store_ingest_op(): the handheld's pull (ingest_fn in
 * handheld/sync_session.c: decode, ingest) and roundsd's push (server/
 * site.c: its loop thread prepares each batch, srv_batch_prepare; its
 * commit thread stores it, srv_batch_commit). The push's rate is its
 * commit's, the thread that limits it; the preparing is timed apart. */
enum mode { PULL, PUSH, NMODES };
static const char *const mode_name[NMODES] = {"pull", "push"};

typedef struct batch_ctx {
    const bo_opset *o;
    enum mode mode;
    uint64_t from, to;
    uint64_t added;
    srv_batch *sb; /* push: ops from .. to-1, as roundsd receives them */
    int64_t now;   /* push: the batch's receive time */
} batch_ctx;

/* The push: ops from .. to-1 copied into a batch of BO_DEVICE_ID, as
 * roundsd's session does with a PUSH frame (not timed). NULL when out of
 * memory. */
__attribute__((noinline)) static srv_batch *
fill_batch(const bo_opset *o, uint64_t from, uint64_t to)
{
    srv_batch *sb =
        srv_batch_new((uint32_t)(to - from), o->off[to] - o->off[from]);
    if (sb == NULL)
        return NULL;
    for (uint64_t i = from; i < to; i++)
        if (srv_batch_add(sb, o->enc + o->off[i],
                          (uint32_t)(o->off[i + 1] - o->off[i])) != 0) {
            srv_batch_free(sb);
            return NULL;
        }
    srv_batch_set_device(sb, BO_DEVICE_ID);
    return sb;
}

/* The pull: each op decoded once and ingested. */
static int pull_fn(store_txn *txn, batch_ctx *b)
{
    static proto_op op; /* large: off the stack */
    const bo_opset *o = b->o;
    for (uint64_t i = b->from; i < b->to; i++) {
        const uint8_t *enc = o->enc + o->off[i];
        size_t len = o->off[i + 1] - o->off[i];
        int added = 0;
        int rc = proto_op_decode(enc, len, &op);
        if (rc == 0)
            rc = store_ingest_op(txn, &op, enc, len, o->recv[i], &added);
        if (rc)
            return rc;
        b->added += (uint64_t)added;
    }
    return 0;
}

/* One store_write(). Replayable (a grown map runs it again). */
static int batch_fn(store_txn *txn, void *arg)
{
    batch_ctx *b = arg;
    b->added = 0;
    if (b->mode == PULL)
        return pull_fn(txn, b);
    int rc = srv_batch_commit(txn, b->sb, b->now);
    b->added = rc == 0 ? srv_batch_added(b->sb) : 0;
    return rc;
}

/* Everything the clock measures; a function of its own so callgrind's
 * inclusive cost of it is the timed part (the push's commit: that less
 * fill_batch and srv_batch_prepare). *prep_s gets the seconds spent
 * preparing, *skip_s those not timed at all (filling batches). */
__attribute__((noinline)) static int ingest_all(store *s, const bo_opset *o,
                                                enum mode mode, uint64_t batch,
                                                double *prep_s, double *skip_s)
{
    *prep_s = *skip_s = 0;
    for (uint64_t from = 0; from < o->n; from += batch) {
        batch_ctx b = {o, mode, from, from + batch < o->n ? from + batch : o->n,
                       0, NULL, 0};
        int rc = 0;
        if (mode == PUSH) {
            double t0 = bo_now_s();
            b.sb = fill_batch(o, b.from, b.to);
            double t1 = bo_now_s();
            if (b.sb == NULL)
                return RND_ENOMEM;
            srv_batch_prepare(b.sb);
            *skip_s += t1 - t0;
            *prep_s += bo_now_s() - t1;
            /* roundsd gives a batch's ops one receive time, the commit's. */
            b.now = o->recv[b.to - 1];
        }
        rc = store_write(s, batch_fn, &b);
        srv_batch_free(b.sb);
        if (rc)
            return rc;
        if (b.added != b.to - b.from)
            return RND_EEXIST; /* a fresh store must take every op */
    }
    return 0;
}

/* The B-tree of each table of the store in dir, read with LMDB itself
 * (stderr): how full the leaves are tells how often a put split one; then
 * the store's digest. */
static void print_stats(const char *dir)
{
    static const char *const dbs[] = {"ops",    "log",   "eops", "entities",
                                      "bykind", "heads", "meta"};
    MDB_env *env;
    MDB_txn *txn;
    if (mdb_env_create(&env) != 0)
        return;
    if (mdb_env_set_maxdbs(env, 16) == 0 &&
        mdb_env_open(env, dir, MDB_RDONLY, 0600) == 0 &&
        mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0) {
        fprintf(stderr, "%-9s %9s %7s %9s %9s %6s\n", "table", "entries",
                "depth", "branch", "leaf", "B/leaf");
        for (size_t i = 0; i < sizeof dbs / sizeof dbs[0]; i++) {
            MDB_dbi dbi;
            MDB_stat st;
            if (mdb_dbi_open(txn, dbs[i], 0, &dbi) != 0 ||
                mdb_stat(txn, dbi, &st) != 0)
                continue;
            fprintf(stderr, "%-9s %9zu %7u %9zu %9zu %6.0f\n", dbs[i],
                    st.ms_entries, st.ms_depth, st.ms_branch_pages,
                    st.ms_leaf_pages,
                    st.ms_leaf_pages
                        ? (double)st.ms_entries / (double)st.ms_leaf_pages
                        : 0.0);
        }
        mdb_txn_abort(txn);
    }
    mdb_env_close(env);

    /* The replica digest `rounds dump` prints: the same ops must give the
     * same one, whichever code stored them. */
    store *s;
    store_txn *t;
    uint8_t dig[32];
    uint64_t n = 0;
    if (store_open(dir, STORE_RDONLY, &s) != 0)
        return;
    if (store_read_begin(s, &t) == 0) {
        if (store_digest(t, NULL, NULL, dig, &n) == 0) {
            fprintf(stderr, "digest ");
            for (int i = 0; i < 32; i++)
                fprintf(stderr, "%02x", dig[i]);
            fprintf(stderr, " over %" PRIu64 " entities\n", n);
        }
        store_read_end(t);
    }
    store_close(s);
}

/* One run into a fresh store; *rate is ops/s of ingest_all() (of the
 * push's commits alone), *prep_us the push's preparing an op. */
static int ingest_run(const bo_opset *o, enum mode mode, uint64_t batch,
                      int stats, double *rate, double *prep_us)
{
    char dir[4096];
    store *s;
    double prep_s = 0, skip_s = 0;
    if (bo_tmp_make(dir, sizeof dir) != 0)
        return -1;
    int rc = store_open(dir, STORE_CREATE, &s);
    if (rc) {
        fprintf(stderr, "bench_ingest: store_open: %s\n", rnd_strerror(rc));
        bo_tmp_remove(dir);
        return -1;
    }
    double t0 = bo_now_s();
    rc = ingest_all(s, o, mode, batch, &prep_s, &skip_s);
    double t1 = bo_now_s();
    if (rc)
        fprintf(stderr, "bench_ingest: ingest: %s (%s)\n", rnd_strerror(rc),
                store_last_raw_text(s));
    store_close(s);
    if (rc == 0 && stats)
        print_stats(dir);
    bo_tmp_remove(dir);
    if (rc)
        return -1;
    *rate = (double)o->n / (t1 - t0 - prep_s - skip_s);
    *prep_us = prep_s * 1e6 / (double)o->n;
    return 0;
}

/* proto_op_decode over every op once (the caller's share); ops/s. */
__attribute__((noinline)) static double decode_rate(const bo_opset *o)
{
    static proto_op op;
    double t0 = bo_now_s();
    for (uint64_t i = 0; i < o->n; i++)
        if (proto_op_decode(o->enc + o->off[i], o->off[i + 1] - o->off[i],
                            &op) != 0)
            return -1;
    return (double)o->n / (bo_now_s() - t0);
}

/* ---- driver ------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_ingest [--ops N] [--batch B] [--repeat R] "
               "[--mode M] [--json] [--stats]\n"
               "Ingest rate of a fresh store (store_ingest_op, durable "
               "commits):\n"
               "  --ops N     checkpoint-scan ops ingested (default "
               "1000000)\n"
               "  --batch B   ops per store_write (default 4096)\n"
               "  --repeat R  runs, each into a fresh store; the median is\n"
               "              reported (default 5)\n"
               "  --json      one JSON object line instead of the table\n"
               "  --mode M    run only M: pull or push (default both)\n"
               "  --stats     print each table's B-tree (entries per leaf)\n"
               "              and the store's digest after the last run\n"
               "              of each mode, on stderr\n"
               "Temporary files go under $TMPDIR (or /tmp) and are "
               "removed.\n");
}

static int parse_args(int argc, char **argv, params *p)
{
    for (int i = 1; i < argc; i++) {
        uint64_t *dst = NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(argv[i], "--json") == 0) {
            p->json = 1;
            continue;
        } else if (strcmp(argv[i], "--stats") == 0) {
            p->stats = 1;
            continue;
        } else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
            i++;
            if (strcmp(argv[i], "pull") == 0) {
                p->only = PULL;
            } else if (strcmp(argv[i], "push") == 0) {
                p->only = PUSH;
            } else {
                fprintf(stderr, "bench_ingest: bad mode '%s'\n", argv[i]);
                return -1;
            }
            continue;
        } else if (strcmp(argv[i], "--ops") == 0) {
            dst = &p->ops;
        } else if (strcmp(argv[i], "--batch") == 0) {
            dst = &p->batch;
        } else if (strcmp(argv[i], "--repeat") == 0) {
            dst = &p->repeat;
        }
        int rc = dst ? bo_count_arg(argc, argv, &i, dst) : -1;
        if (rc == -1)
            usage(stderr);
        if (rc)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    bo_prog = "bench_ingest";
    params p = {1000000, 5, 4096, 0, 0, -1};
    bo_templates t;
    bo_opset o = {0};
    double *runs, *prep, rate[NMODES], storage[NMODES], dec, prep_us = 0;
    int rc = 1;

    if (parse_args(argc, argv, &p) != 0)
        return 2;
    runs = calloc(NMODES * p.repeat, sizeof *runs);
    prep = calloc(p.repeat, sizeof *prep);
    if (runs == NULL || prep == NULL || bo_templates_make(&t) != 0) {
        free(runs);
        free(prep);
        return 1;
    }
    if (bo_opset_make(&t, p.ops, &o) != 0)
        goto out;
    /* The modes take turns, so a busy moment of the machine falls on
     * both. */
    for (uint64_t k = 0; k < p.repeat; k++) {
        for (int m = 0; m < NMODES; m++) {
            double *r = &runs[(size_t)m * p.repeat + k], pu = 0;
            if (p.only >= 0 && m != p.only)
                continue;
            if (ingest_run(&o, (enum mode)m, p.batch,
                           p.stats && k + 1 == p.repeat, r, &pu) != 0)
                goto out;
            if (m == PUSH)
                prep[k] = pu;
            if (!p.json)
                fprintf(stderr, "%s run %" PRIu64 "/%" PRIu64 ": %.0f ops/s\n",
                        mode_name[m], k + 1, p.repeat, *r);
        }
    }
    dec = decode_rate(&o);
    if (dec <= 0) {
        fprintf(stderr, "bench_ingest: decode failed\n");
        goto out;
    }
    /* The pull's storage is its time less the decode; the push's commit
     * decodes nothing. */
    for (int m = 0; m < NMODES; m++) {
        if (p.only >= 0 && m != p.only)
            continue;
        rate[m] = bo_median(&runs[(size_t)m * p.repeat], p.repeat);
        storage[m] = 1e6 / rate[m] - (m == PULL ? 1e6 / dec : 0);
    }
    if (p.only != PULL)
        prep_us = bo_median(prep, p.repeat);
    if (p.json) {
        printf("{\"bench\":\"ingest\",\"ops\":%" PRIu64 ",\"batch\":%" PRIu64
               ",\"repeat\":%" PRIu64,
               p.ops, p.batch, p.repeat);
        for (int m = 0; m < NMODES; m++) {
            if (p.only >= 0 && m != p.only)
                continue;
            printf(",\"%s_runs\":[", mode_name[m]);
            for (uint64_t k = 0; k < p.repeat; k++)
                printf("%s%.1f", k ? "," : "", runs[(size_t)m * p.repeat + k]);
            printf("],\"%s_ops_per_s\":%.1f,\"%s_storage_us_per_op\":%.3f",
                   mode_name[m], rate[m], mode_name[m], storage[m]);
        }
        if (p.only != PULL)
            printf(",\"push_prepare_us_per_op\":%.3f", prep_us);
        printf(",\"decode_ops_per_s\":%.1f}\n", dec);
    } else {
        printf("bench_ingest: %" PRIu64 " checkpoint-scan ops, %" PRIu64
               " per store_write, fresh store, median of %" PRIu64 "\n\n",
               p.ops, p.batch, p.repeat);
        printf("%-46s %10s %8s %10s\n", "path", "ops/s", "us/op", "storage us");
        if (p.only != PUSH)
            printf("%-46s %10.0f %8.3f %10.3f\n",
                   "pull: decode + ingest + commits", rate[PULL],
                   1e6 / rate[PULL], storage[PULL]);
        if (p.only != PULL) {
            printf("%-46s %10.0f %8.3f %10.3f\n",
                   "push commit: chain check + ingest + commits", rate[PUSH],
                   1e6 / rate[PUSH], storage[PUSH]);
            printf("%-46s %10.0f %8.3f %10s\n",
                   "push loop: decode + store_prepare", 1e6 / prep_us, prep_us,
                   "-");
        }
        printf("%-46s %10.0f %8.3f %10s\n", "proto_op_decode alone", dec,
               1e6 / dec, "-");
    }
    rc = 0;
out:
    bo_opset_free(&o);
    bo_templates_free(&t);
    free(runs);
    free(prep);
    return rc;
}
