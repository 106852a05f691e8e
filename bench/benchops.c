/* benchops.c: what bench_limit and bench_ingest share (benchops.h). */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchops.h"
#include "handheld.h"
#include "hh_internal.h" /* hh_store */
#include "store.h"

const char *bo_prog = "bench";

int bo_count_arg(int argc, char **argv, int *i, uint64_t *dst)
{
    char *end;
    if (*i + 1 >= argc || argv[*i + 1][0] < '0' || argv[*i + 1][0] > '9')
        return -1;
    errno = 0;
    *dst = strtoull(argv[++*i], &end, 10);
    if (errno || *end || *dst == 0 || *dst > 100000000) {
        fprintf(stderr, "%s: bad count '%s'\n", bo_prog, argv[*i]);
        return -2;
    }
    return 0;
}

double bo_now_s(void)
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

double bo_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const char *tmp_base(void)
{
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

int bo_tmp_make(char *path, size_t cap)
{
    int n = snprintf(path, cap, "%s/rounds-%s-XXXXXX", tmp_base(), bo_prog);
    if (n < 0 || (size_t)n >= cap || mkdtemp(path) == NULL) {
        fprintf(stderr, "%s: mkdtemp: %s\n", bo_prog, strerror(errno));
        return -1;
    }
    return 0;
}

/* Removes the files of a flat directory, then the directory. */
void bo_tmp_remove(const char *path)
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
        fprintf(stderr, "%s: warning: could not remove %s\n", bo_prog, path);
}

static int tmpl_cb(const uint8_t *enc, size_t len, int64_t recv_ms, void *ctx)
{
    bo_templates *t = ctx;
    (void)recv_ms;
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
int bo_templates_make(bo_templates *t)
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
    if (bo_tmp_make(dir, sizeof dir) != 0)
        return -1;
    rc = hh_init(dir, "S1", "HH-0", &h);
    if (rc) {
        fprintf(stderr, "%s: hh_init: %s\n", bo_prog, rnd_strerror(rc));
        bo_tmp_remove(dir);
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
        fprintf(stderr, "%s: template ops: %s\n", bo_prog, hh_last_error(h));
    hh_close(h);
    bo_tmp_remove(dir);
    return rc ? -1 : 0;
}

void bo_templates_free(bo_templates *t)
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

/* N encoded ops in one arena: op i is enc[off[i] .. off[i + 1]), received
 * at recv[i]. */

int bo_opset_make(const bo_templates *t, uint64_t n, bo_opset *o)
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
    o->enc = malloc((size_t)n * (maxlen + 24));
    o->off = malloc((size_t)(n + 1) * sizeof *o->off);
    o->recv = malloc((size_t)n * sizeof *o->recv);
    if (o->enc == NULL || o->off == NULL || o->recv == NULL) {
        fprintf(stderr, "%s: out of memory for %" PRIu64 " ops\n", bo_prog, n);
        return -1;
    }
    for (uint64_t i = 0; i < n; i++) {
        size_t k = (size_t)(i % SCANS_NTAGS), len;
        uint64_t r1 = rng_next(), r2 = rng_next();
        int rc = proto_op_decode(t->enc[k], t->len[k], &op);
        if (rc == 0) {
            /* A fixed device too (hh_init picks a random one), so that
             * every run, of any build, stores the same ops: --stats's
             * digests can be compared. */
            op.device_id = BO_DEVICE_ID;
            op.seq = i + 1;
            op.wall_ms = ms + (int64_t)(i / 100);
            op.hlc = PROTO_HLC_MAKE(op.wall_ms, i % 100);
            proto_be64_put(op.entity, (uint64_t)op.wall_ms << 16 | r1 >> 48);
            memcpy(op.entity + 8, &r2, 8);
            memcpy(op.prev_hash, prev, sizeof prev);
            o->off[i] = at;
            o->recv[i] = ms + (int64_t)i / 100;
            rc = proto_op_encode(&op, o->enc + at, maxlen + 24, &len);
        }
        if (rc) {
            fprintf(stderr, "%s: op %" PRIu64 ": %s\n", bo_prog, i,
                    rnd_strerror(rc));
            return -1;
        }
        proto_op_hash(o->enc + at, len, prev);
        at += len;
    }
    o->off[n] = at;
    return 0;
}

void bo_opset_free(bo_opset *o)
{
    free(o->enc);
    free(o->off);
    free(o->recv);
}
