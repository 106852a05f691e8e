/* bench_limit.c: what this machine allows a push to reach, measured on the
 * same ops the sync benchmark pushes, for bench_sync.sh's "limit" rows.
 *
 *   LMDB put rate: N encoded checkpoint-scan ops put into one fresh LMDB
 *     environment in ONE write transaction, then a durable commit, with
 *     the store's key layout for ops (device_id u64be, seq u64be) and value
 *     (recv_ms i64be + the encoded op). One table, no indexes: the floor
 *     under any server that keeps each op it receives.
 *   AEAD throughput: mbedTLS AES-128-GCM and ChaCha20-Poly1305 sealing
 *     16 KiB records (the TLS maximum), in MB/s and as ops/s given the
 *     ops' size on the wire.
 *   SHA-256 op hashes/s: the chain hash every op costs (proto_op_hash).
 *
 * The ops are the handheld's own: 40 scans (one per tag, so every shape of
 * the workload in scans.h) are recorded through hh_record_many() into a
 * temporary store and read back; the N ops are those 40 re-encoded with
 * proto_op_encode() under new seq, HLC, wall time, entity id and
 * prev_hash (the chain is real). Encoding happens before the clock starts.
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
#include "benchaead.h"
#include "benchops.h"
#include "scans.h"
#include "store.h"

#define AEAD_SECONDS 0.5

typedef struct params {
    uint64_t ops, repeat;
    int json;
} params;

/* ---- the ops table's values ------------------------------------------- */

/* Each op as the ops table stores it (store.c): its receive time, i64be,
 * then the encoded op; value i is val[off[i] .. off[i + 1]). Made before
 * the timing, so the run puts ready values, as a commit does. */
typedef struct values {
    uint64_t n;
    uint8_t *val;
    size_t *off;
    size_t op_bytes; /* encoded ops only, without the receive times */
} values;

static int values_make(const bo_opset *o, values *v)
{
    memset(v, 0, sizeof *v);
    v->n = o->n;
    v->val = malloc(o->off[o->n] + 8 * (size_t)o->n);
    v->off = malloc((size_t)(o->n + 1) * sizeof *v->off);
    if (v->val == NULL || v->off == NULL) {
        fprintf(stderr, "bench_limit: out of memory for %" PRIu64 " ops\n",
                o->n);
        return -1;
    }
    size_t at = 0;
    for (uint64_t i = 0; i < o->n; i++) {
        size_t len = o->off[i + 1] - o->off[i];
        v->off[i] = at;
        proto_be64_put(v->val + at, (uint64_t)o->recv[i]);
        memcpy(v->val + at + 8, o->enc + o->off[i], len);
        at += 8 + len;
        v->op_bytes += len;
    }
    v->off[o->n] = at;
    return 0;
}

static void values_free(values *v)
{
    free(v->val);
    free(v->off);
}

/* ---- LMDB --------------------------------------------------------------- */

static int lmdb_fail(const char *what, int rc)
{
    fprintf(stderr, "bench_limit: %s: %s\n", what, mdb_strerror(rc));
    return -1;
}

/* Puts every op in one transaction of a fresh environment and commits it
 * durably (LMDB's defaults: no NOSYNC, no NOMETASYNC). *rate: ops/s from
 * mdb_txn_begin to the end of mdb_txn_commit. */
static int lmdb_run(const values *o, double *rate)
{
    char dir[4096];
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    uint8_t key[16];
    double t0, t1;
    int rc;

    if (bo_tmp_make(dir, sizeof dir) != 0)
        return -1;
    if ((rc = mdb_env_create(&env)) ||
        (rc = mdb_env_set_mapsize(env, (o->off[o->n] * 3 + (64u << 20)))) ||
        (rc = mdb_env_set_maxdbs(env, 8)) ||
        (rc = mdb_env_open(env, dir, 0, 0644))) {
        lmdb_fail("mdb_env_open", rc);
        goto fail;
    }
    t0 = bo_now_s();
    if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) ||
        (rc = mdb_dbi_open(txn, "ops", MDB_CREATE, &dbi))) {
        lmdb_fail("mdb_txn_begin", rc);
        goto fail;
    }
    proto_be64_put(key, BO_DEVICE_ID);
    for (uint64_t i = 0; i < o->n; i++) {
        MDB_val k = {sizeof key, key};
        MDB_val v = {o->off[i + 1] - o->off[i], o->val + o->off[i]};
        proto_be64_put(key + 8, i + 1);
        if ((rc = mdb_put(txn, dbi, &k, &v, 0)) != 0) {
            lmdb_fail("mdb_put", rc);
            goto fail;
        }
    }
    rc = mdb_txn_commit(txn);
    txn = NULL;
    t1 = bo_now_s();
    if (rc) {
        lmdb_fail("mdb_txn_commit", rc);
        goto fail;
    }
    *rate = (double)o->n / (t1 - t0);
    mdb_env_close(env);
    bo_tmp_remove(dir);
    return 0;
fail:
    if (txn)
        mdb_txn_abort(txn);
    if (env)
        mdb_env_close(env);
    bo_tmp_remove(dir);
    return -1;
}

/* ---- crypto ------------------------------------------------------------- */

/* What is sealed: one record's worth of zeros, over and over (the rate
 * does not depend on the bytes). */
static const uint8_t aead_in[BA_RECORD];

/* proto_op_hash over every op once; ops/s. */
static double sha_rate(const bo_opset *o)
{
    uint8_t h[PROTO_HASH_LEN];
    double t0 = bo_now_s();
    for (uint64_t i = 0; i < o->n; i++)
        proto_op_hash(o->enc + o->off[i], o->off[i + 1] - o->off[i], h);
    return (double)o->n / (bo_now_s() - t0);
}

/* ---- driver ------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_limit [--ops N] [--repeat R] [--json]\n"
               "The machine's limits for a push, on the benchmark's own "
               "ops:\n"
               "  --ops N     ops put in one LMDB transaction (default "
               "1000000)\n"
               "  --repeat R  LMDB runs, each in a fresh environment; the "
               "median is\n"
               "              reported (default 3)\n"
               "  --json      one JSON object line instead of the table\n"
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
        } else if (strcmp(argv[i], "--ops") == 0) {
            dst = &p->ops;
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
    bo_prog = "bench_limit";
    params p = {1000000, 3, 0};
    bo_templates t;
    bo_opset o = {0};
    values v = {0};
    double *runs, lmdb, gcm, chacha, sha, wire;
    int rc = 1;

    if (parse_args(argc, argv, &p) != 0)
        return 2;
    runs = calloc(p.repeat, sizeof *runs);
    if (runs == NULL || bo_templates_make(&t) != 0) {
        free(runs);
        return 1;
    }
    if (bo_opset_make(&t, p.ops, &o) != 0 || values_make(&o, &v) != 0)
        goto out;
    for (uint64_t k = 0; k < p.repeat; k++) {
        if (lmdb_run(&v, &runs[k]) != 0)
            goto out;
        if (!p.json)
            fprintf(stderr, "lmdb run %" PRIu64 "/%" PRIu64 ": %.0f ops/s\n",
                    k + 1, p.repeat, runs[k]);
    }
    gcm = ba_seal_rate(BA_AES128GCM, aead_in, sizeof aead_in, 0, AEAD_SECONDS,
                       NULL);
    chacha = ba_seal_rate(BA_CHACHAPOLY, aead_in, sizeof aead_in, 0,
                          AEAD_SECONDS, NULL);
    sha = sha_rate(&o);
    if (gcm <= 0 || chacha <= 0) {
        fprintf(stderr, "bench_limit: mbedTLS AEAD failed\n");
        goto out;
    }
    /* An op travels as a MessagePack bin (2 header bytes up to 255, else
     * 3) inside a PUSH frame; frame and TLS record overheads are under
     * 0.2% at 4,096 ops a frame and are left out. */
    wire = (double)v.op_bytes / (double)v.n;
    wire += wire < 256 ? 2 : 3;
    if (p.json) {
        printf("{\"bench\":\"limit\",\"ops\":%" PRIu64 ",\"repeat\":%" PRIu64
               ",\"op_bytes_avg\":%.1f,\"wire_bytes_per_op\":%.1f",
               p.ops, p.repeat, (double)v.op_bytes / (double)v.n, wire);
        printf(",\"lmdb_runs\":[");
        for (uint64_t k = 0; k < p.repeat; k++)
            printf("%s%.1f", k ? "," : "", runs[k]);
        lmdb = bo_median(runs, p.repeat);
        printf("],\"lmdb_put_ops_per_s\":%.1f,\"aes128gcm_mb_per_s\":%.1f"
               ",\"chachapoly_mb_per_s\":%.1f,\"aes128gcm_ops_per_s\":%.1f"
               ",\"chachapoly_ops_per_s\":%.1f,\"sha256_ops_per_s\":%.1f}\n",
               lmdb, gcm, chacha, gcm * 1e6 / wire, chacha * 1e6 / wire, sha);
    } else {
        lmdb = bo_median(runs, p.repeat);
        printf("bench_limit: %" PRIu64 " checkpoint-scan ops, %.1f bytes "
               "each encoded (%.1f on the wire)\n\n",
               p.ops, (double)v.op_bytes / (double)v.n, wire);
        printf("%-44s %14s %10s\n", "limit", "ops/s", "MB/s");
        printf("%-44s %14.0f %10s\n",
               "LMDB puts, one txn + durable commit (median)", lmdb, "-");
        printf("%-44s %14.0f %10.1f\n", "mbedTLS AES-128-GCM seal, 16 KiB",
               gcm * 1e6 / wire, gcm);
        printf("%-44s %14.0f %10.1f\n",
               "mbedTLS ChaCha20-Poly1305 seal, 16 KiB", chacha * 1e6 / wire,
               chacha);
        printf("%-44s %14.0f %10s\n", "SHA-256 op hash (proto_op_hash)", sha,
               "-");
    }
    rc = 0;
out:
    values_free(&v);
    bo_opset_free(&o);
    bo_templates_free(&t);
    free(runs);
    return rc;
}
