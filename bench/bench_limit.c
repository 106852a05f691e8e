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
#include <mbedtls/chachapoly.h>
#include <mbedtls/gcm.h>

#include "handheld.h"
#include "scans.h"
#include "store.h"

#define AEAD_RECORD 16384
#define AEAD_SECONDS 0.5

typedef struct params {
    uint64_t ops, repeat;
    int json;
} params;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const char *tmp_base(void)
{
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

static int tmp_make(char *path, size_t cap)
{
    int n = snprintf(path, cap, "%s/rounds-limit-XXXXXX", tmp_base());
    if (n < 0 || (size_t)n >= cap || mkdtemp(path) == NULL) {
        fprintf(stderr, "bench_limit: mkdtemp: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

/* Removes the files of a flat directory, then the directory. */
static void tmp_remove(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    if (d != NULL) {
        while ((e = readdir(d)) != NULL) {
            char sub[4400];
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
                unlink(sub);
            }
        }
        closedir(d);
    }
    if (rmdir(path) != 0)
        fprintf(stderr, "bench_limit: warning: could not remove %s\n", path);
}

/* ---- the ops ------------------------------------------------------------ */

/* The 40 template ops, as the handheld encoded them. */
typedef struct templates {
    uint8_t *enc[SCANS_NTAGS];
    size_t len[SCANS_NTAGS];
    size_t n;
} templates;

static int tmpl_cb(const uint8_t *enc, size_t len, int64_t recv_ms, void *ctx)
{
    templates *t = ctx;
    if (t->n == SCANS_NTAGS)
        return 1;
    t->enc[t->n] = malloc(len);
    if (t->enc[t->n] == NULL)
        return RND_ENOMEM;
    memcpy(t->enc[t->n], enc, len);
    t->len[t->n++] = len;
    return 0;
}

/* Records scans 0..39 in a temporary handheld store and keeps their ops. */
static int templates_make(templates *t)
{
    static hh_batch_item items[SCANS_NTAGS];
    static hh_kv kv[SCANS_NTAGS][SCANS_NKV];
    static char tags[SCANS_NTAGS][8];
    char dir[4096];
    hh_status_info st;
    store_txn *txn;
    hh *h;
    int rc;

    memset(t, 0, sizeof *t);
    if (tmp_make(dir, sizeof dir) != 0)
        return -1;
    rc = hh_init(dir, "S1", "HH-0", &h);
    if (rc) {
        fprintf(stderr, "bench_limit: hh_init: %s\n", rnd_strerror(rc));
        tmp_remove(dir);
        return -1;
    }
    scans_tags(tags);
    for (uint64_t i = 0; i < SCANS_NTAGS; i++)
        scans_item(&items[i], kv[i], i, "G0", tags);
    if ((rc = hh_record_many(h, items, SCANS_NTAGS, NULL)) == 0 &&
        (rc = hh_status(h, &st)) == 0 &&
        (rc = store_read_begin(hh_store(h), &txn)) == 0) {
        rc = store_ops_each_device(txn, st.device_id, 1, tmpl_cb, t);
        store_read_end(txn);
    }
    if (rc == 0 && t->n != SCANS_NTAGS)
        rc = RND_ENOTFOUND;
    if (rc)
        fprintf(stderr, "bench_limit: template ops: %s\n", hh_last_error(h));
    hh_close(h);
    tmp_remove(dir);
    return rc ? -1 : 0;
}

static void templates_free(templates *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->enc[i]);
}

/* splitmix64, for entity ids without a getrandom() per op. */
static uint64_t rng = 0x5eed;

static uint64_t rng_next(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* N ops in one arena; op i's LMDB value (recv_ms i64be + encoded op) is
 * val[off[i] .. off[i + 1]). */
typedef struct opset {
    uint64_t n, device_id;
    uint8_t *val;
    size_t *off;
    size_t op_bytes; /* encoded ops only, without the recv_ms prefix */
} opset;

static int opset_make(const templates *t, uint64_t n, opset *o)
{
    static proto_op op;
    size_t maxlen = 0, at = 0;
    uint8_t prev[PROTO_HASH_LEN] = {0};
    int64_t ms = 1795860000000;

    memset(o, 0, sizeof o[0]);
    for (size_t i = 0; i < t->n; i++)
        if (t->len[i] > maxlen)
            maxlen = t->len[i];
    o->n = n;
    o->val = malloc((size_t)n * (maxlen + 32));
    o->off = malloc((size_t)(n + 1) * sizeof *o->off);
    if (o->val == NULL || o->off == NULL) {
        fprintf(stderr, "bench_limit: out of memory for %" PRIu64 " ops\n", n);
        return -1;
    }
    for (uint64_t i = 0; i < n; i++) {
        size_t k = (size_t)(i % SCANS_NTAGS), len;
        uint64_t r1 = rng_next(), r2 = rng_next();
        int rc = proto_op_decode(t->enc[k], t->len[k], &op);
        if (rc == 0) {
            o->device_id = op.device_id;
            op.seq = i + 1;
            op.wall_ms = ms + (int64_t)(i / 100);
            op.hlc = PROTO_HLC_MAKE(op.wall_ms, i % 100);
            proto_be64_put(op.entity, (uint64_t)op.wall_ms << 16 | r1 >> 48);
            memcpy(op.entity + 8, &r2, 8);
            memcpy(op.prev_hash, prev, sizeof prev);
            o->off[i] = at;
            proto_be64_put(o->val + at, (uint64_t)(ms + (int64_t)i / 100));
            rc = proto_op_encode(&op, o->val + at + 8, maxlen + 24, &len);
        }
        if (rc) {
            fprintf(stderr, "bench_limit: op %" PRIu64 ": %s\n", i,
                    rnd_strerror(rc));
            return -1;
        }
        proto_op_hash(o->val + at + 8, len, prev);
        at += 8 + len;
        o->op_bytes += len;
    }
    o->off[n] = at;
    return 0;
}

static void opset_free(opset *o)
{
    free(o->val);
    free(o->off);
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
static int lmdb_run(const opset *o, double *rate)
{
    char dir[4096];
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    uint8_t key[16];
    double t0, t1;
    int rc;

    if (tmp_make(dir, sizeof dir) != 0)
        return -1;
    if ((rc = mdb_env_create(&env)) ||
        (rc = mdb_env_set_mapsize(env, (o->off[o->n] * 3 + (64u << 20)))) ||
        (rc = mdb_env_set_maxdbs(env, 8)) ||
        (rc = mdb_env_open(env, dir, 0, 0644))) {
        lmdb_fail("mdb_env_open", rc);
        goto fail;
    }
    t0 = now_s();
    if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) ||
        (rc = mdb_dbi_open(txn, "ops", MDB_CREATE, &dbi))) {
        lmdb_fail("mdb_txn_begin", rc);
        goto fail;
    }
    proto_be64_put(key, o->device_id);
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
    t1 = now_s();
    if (rc) {
        lmdb_fail("mdb_txn_commit", rc);
        goto fail;
    }
    *rate = (double)o->n / (t1 - t0);
    mdb_env_close(env);
    tmp_remove(dir);
    return 0;
fail:
    if (txn)
        mdb_txn_abort(txn);
    if (env)
        mdb_env_close(env);
    tmp_remove(dir);
    return -1;
}

/* ---- crypto ------------------------------------------------------------- */

static uint8_t aead_in[AEAD_RECORD], aead_out[AEAD_RECORD];

/* Seals 16 KiB records for AEAD_SECONDS; returns MB/s (1e6 bytes). */
static double aes_gcm_rate(void)
{
    static const uint8_t key[16] = {1, 2, 3};
    uint8_t iv[12] = {0}, aad[13] = {0}, tag[16];
    mbedtls_gcm_context g;
    uint64_t bytes = 0;
    double t0, t;

    mbedtls_gcm_init(&g);
    if (mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, 128) != 0) {
        mbedtls_gcm_free(&g);
        return -1;
    }
    t0 = now_s();
    do {
        for (int i = 0; i < 16; i++, bytes += AEAD_RECORD) {
            iv[11]++;
            if (mbedtls_gcm_crypt_and_tag(
                    &g, MBEDTLS_GCM_ENCRYPT, AEAD_RECORD, iv, sizeof iv, aad,
                    sizeof aad, aead_in, aead_out, sizeof tag, tag) != 0) {
                mbedtls_gcm_free(&g);
                return -1;
            }
        }
    } while ((t = now_s() - t0) < AEAD_SECONDS);
    mbedtls_gcm_free(&g);
    return (double)bytes / t / 1e6;
}

static double chachapoly_rate(void)
{
    static const uint8_t key[32] = {1, 2, 3};
    uint8_t iv[12] = {0}, aad[13] = {0}, tag[16];
    mbedtls_chachapoly_context c;
    uint64_t bytes = 0;
    double t0, t;

    mbedtls_chachapoly_init(&c);
    if (mbedtls_chachapoly_setkey(&c, key) != 0) {
        mbedtls_chachapoly_free(&c);
        return -1;
    }
    t0 = now_s();
    do {
        for (int i = 0; i < 16; i++, bytes += AEAD_RECORD) {
            iv[11]++;
            if (mbedtls_chachapoly_encrypt_and_tag(&c, AEAD_RECORD, iv, aad,
                                                   sizeof aad, aead_in,
                                                   aead_out, tag) != 0) {
                mbedtls_chachapoly_free(&c);
                return -1;
            }
        }
    } while ((t = now_s() - t0) < AEAD_SECONDS);
    mbedtls_chachapoly_free(&c);
    return (double)bytes / t / 1e6;
}

/* proto_op_hash over every op once; ops/s. */
static double sha_rate(const opset *o)
{
    uint8_t h[PROTO_HASH_LEN];
    double t0 = now_s();
    for (uint64_t i = 0; i < o->n; i++)
        proto_op_hash(o->val + o->off[i] + 8, o->off[i + 1] - o->off[i] - 8, h);
    return (double)o->n / (now_s() - t0);
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
        char *end;
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
        if (dst == NULL || i + 1 >= argc || argv[i + 1][0] < '0' ||
            argv[i + 1][0] > '9') {
            usage(stderr);
            return -1;
        }
        errno = 0;
        *dst = strtoull(argv[++i], &end, 10);
        if (errno || *end || *dst == 0 || *dst > 100000000) {
            fprintf(stderr, "bench_limit: bad count '%s'\n", argv[i]);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    params p = {1000000, 3, 0};
    templates t;
    opset o;
    double *runs, lmdb, gcm, chacha, sha, wire;
    int rc = 1;

    if (parse_args(argc, argv, &p) != 0)
        return 2;
    runs = calloc(p.repeat, sizeof *runs);
    if (runs == NULL || templates_make(&t) != 0) {
        free(runs);
        return 1;
    }
    if (opset_make(&t, p.ops, &o) != 0)
        goto out;
    for (uint64_t k = 0; k < p.repeat; k++) {
        if (lmdb_run(&o, &runs[k]) != 0)
            goto out;
        if (!p.json)
            fprintf(stderr, "lmdb run %" PRIu64 "/%" PRIu64 ": %.0f ops/s\n",
                    k + 1, p.repeat, runs[k]);
    }
    gcm = aes_gcm_rate();
    chacha = chachapoly_rate();
    sha = sha_rate(&o);
    if (gcm <= 0 || chacha <= 0) {
        fprintf(stderr, "bench_limit: mbedTLS AEAD failed\n");
        goto out;
    }
    /* An op travels as a MessagePack bin (2 header bytes up to 255, else
     * 3) inside a PUSH frame; frame and TLS record overheads are under
     * 0.2% at 4,096 ops a frame and are left out. */
    wire = (double)o.op_bytes / (double)o.n;
    wire += wire < 256 ? 2 : 3;
    if (p.json) {
        printf("{\"bench\":\"limit\",\"ops\":%" PRIu64 ",\"repeat\":%" PRIu64
               ",\"op_bytes_avg\":%.1f,\"wire_bytes_per_op\":%.1f",
               p.ops, p.repeat, (double)o.op_bytes / (double)o.n, wire);
        printf(",\"lmdb_runs\":[");
        for (uint64_t k = 0; k < p.repeat; k++)
            printf("%s%.1f", k ? "," : "", runs[k]);
        lmdb = median(runs, p.repeat);
        printf("],\"lmdb_put_ops_per_s\":%.1f,\"aes128gcm_mb_per_s\":%.1f"
               ",\"chachapoly_mb_per_s\":%.1f,\"aes128gcm_ops_per_s\":%.1f"
               ",\"chachapoly_ops_per_s\":%.1f,\"sha256_ops_per_s\":%.1f}\n",
               lmdb, gcm, chacha, gcm * 1e6 / wire, chacha * 1e6 / wire, sha);
    } else {
        lmdb = median(runs, p.repeat);
        printf("bench_limit: %" PRIu64 " checkpoint-scan ops, %.1f bytes "
               "each encoded (%.1f on the wire)\n\n",
               p.ops, (double)o.op_bytes / (double)o.n, wire);
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
    opset_free(&o);
    templates_free(&t);
    free(runs);
    return rc;
}
