/* fuzz_env.c: the fuzz targets' server world (fuzz_env.h). */
/* nftw() is an X/Open function. */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_env.h"

static fz_env env;
static int env_ready;

static void die(const char *what, int rc)
{
    fprintf(stderr, "fuzz_env: %s failed: %s\n", what,
            rc ? rnd_strerror(rc) : "");
    abort();
}

/* out = dir + rest; a path that does not fit is the end of the run (the
 * buffers are sized for the directory plus the longest rest). */
static void path_join(char *out, size_t cap, const char *dir, const char *rest)
{
    if (snprintf(out, cap, "%s%s", dir, rest) >= (int)cap)
        die("path too long", 0);
}

static int64_t fixed_now(void *ctx)
{
    (void)ctx;
    return FZ_NOW_MS;
}

static void quiet_log(void *ctx, const char *line)
{
    (void)ctx;
    static int verbose = -1;
    if (verbose < 0)
        verbose = getenv("FUZZ_VERBOSE") != NULL;
    if (verbose)
        fprintf(stderr, "log: %s\n", line);
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rmtree(const char *dir)
{
    if (dir[0] != '\0' && strstr(dir, "rounds-fuzz-") != NULL)
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- a writing device ---------------------------------------------------- */

typedef struct dev_ctx {
    uint64_t id;
    int n;
    size_t text_len;
} dev_ctx;

static int dev_fill(store_txn *txn, void *vctx)
{
    dev_ctx *c = vctx;
    int rc = store_identity_init(txn, c->id, FZ_SITE, "dev");
    char *text = malloc(c->text_len + 1);
    if (text == NULL)
        return RND_ENOMEM;
    memset(text, 'x', c->text_len);
    for (int i = 0; rc == 0 && i < c->n; i++) {
        proto_op op;
        proto_op_init(&op);
        op.kind = PROTO_KIND_DUTYLOG;
        op.action = PROTO_ACTION_CREATE;
        rc = proto_entity_new(op.entity, FZ_NOW_MS - 100000 + i);
        if (rc == 0)
            rc = proto_op_add_str(&op, "by", "fuzzer", 6);
        if (rc == 0)
            rc = proto_op_add_str(&op, "text", text, c->text_len);
        if (rc == 0)
            rc = store_append_local(txn, &op, FZ_NOW_MS - 100000 + i, NULL);
    }
    free(text);
    return rc;
}

store *fz_device_make(const char *dir, uint64_t id, int n, size_t text_len)
{
    store *st;
    int rc = store_open(dir, STORE_CREATE, &st);
    if (rc)
        die("opening a device store", rc);
    dev_ctx c = {id, n, text_len};
    rc = store_write(st, dev_fill, &c);
    if (rc)
        die("writing device ops", rc);
    return st;
}

/* ---- set-up -------------------------------------------------------------- */

typedef struct copy_ctx {
    store *from;
    uint64_t id;
} copy_ctx;

static int copy_cb(const uint8_t *enc, size_t len, int64_t recv_ms, void *ctx)
{
    store_txn *to = ctx;
    int added;
    return store_ingest(to, enc, len, recv_ms, &added);
}

static int seed_fn(store_txn *txn, void *vctx)
{
    copy_ctx *c = vctx;
    store_txn *r;
    int rc = store_read_begin(c->from, &r);
    if (rc)
        return rc;
    rc = store_ops_each_device(r, c->id, 1, copy_cb, txn);
    store_read_end(r);
    return rc;
}

static int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY), out = -1, ok = 0;
    if (in >= 0)
        out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out >= 0) {
        char buf[65536];
        ssize_t n;
        ok = 1;
        while ((n = read(in, buf, sizeof buf)) > 0)
            if (write(out, buf, (size_t)n) != n)
                ok = 0;
        if (n < 0)
            ok = 0;
    }
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return ok ? 0 : -1;
}

static void cleanup(void)
{
    if (!env_ready)
        return;
    env_ready = 0;
    srv_ctx_free(&env.ctx);
    srv_sites_free(env.sites);
    srv_registry_close(env.reg);
    rmtree(env.dir);
}

static void open_sites(fz_env *e)
{
    int rc = srv_sites_new(e->dir, fixed_now, NULL, &e->sites);
    if (rc)
        die("srv_sites_new", rc);
    e->ctx.sites = e->sites;
}

fz_env *fz_env_get(void)
{
    if (env_ready)
        return &env;
    fz_env *e = &env;
    memset(e, 0, sizeof *e);
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : NULL;
    if (base == NULL)
        base =
            getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    if (snprintf(e->dir, sizeof e->dir, "%s/rounds-fuzz-XXXXXX", base) >=
        (int)sizeof e->dir)
        die("TMPDIR is too long", 0);
    if (mkdtemp(e->dir) == NULL)
        die("mkdtemp", 0);
    int rc = srv_registry_open(e->dir, 1, &e->reg);
    if (rc)
        die("srv_registry_open", rc);
    char cred_b[SRV_CRED_LEN + 1];
    if ((rc = srv_registry_enroll(e->reg, FZ_SITE, FZ_NAME_A, FZ_NOW_MS,
                                  e->cred_a)) ||
        (rc = srv_registry_enroll(e->reg, FZ_SITE, FZ_NAME_B, FZ_NOW_MS,
                                  cred_b)))
        die("enroll", rc);
    open_sites(e);
    e->ctx.reg = e->reg;
    e->ctx.max_frame = FZ_MAX_FRAME;
    e->ctx.now_ms = fixed_now;
    e->ctx.log = quiet_log;
    if ((rc = srv_ctx_init(&e->ctx)))
        die("srv_ctx_init", rc);
    env_ready = 1;
    atexit(cleanup);

    /* Both devices bound, as after their first sync. */
    srv_device dev;
    const char *why;
    if ((rc = srv_registry_auth(e->reg, FZ_SITE, 2, FZ_NAME_A,
                                strlen(FZ_NAME_A), (const uint8_t *)e->cred_a,
                                SRV_CRED_LEN, FZ_DEV_A, 0, &dev, &why)) ||
        (rc = srv_registry_auth(e->reg, FZ_SITE, 2, FZ_NAME_B,
                                strlen(FZ_NAME_B), (const uint8_t *)cred_b,
                                SRV_CRED_LEN, FZ_DEV_B, 0, &dev, &why)))
        die("binding the devices", rc);

    /* Device B's ops in the site: about two OPS frames' worth. */
    char path[sizeof env.dir + 64];
    path_join(path, sizeof path, e->dir, "/dev-b");
    copy_ctx cc = {fz_device_make(path, FZ_DEV_B, FZ_SEED_OPS, 1000), FZ_DEV_B};
    srv_site *site;
    if ((rc = srv_sites_get(e->sites, FZ_SITE, 2, 1, &site)) ||
        (rc = store_write(srv_site_store(site), seed_fn, &cc)))
        die("seeding the site", rc);
    store_close(cc.from);
    rmtree(path);

    /* The pristine copy fz_env_reset() restores. */
    srv_sites_free(e->sites);
    char from[sizeof env.dir + 64], to[sizeof env.dir + 64];
    path_join(from, sizeof from, e->dir, "/sites/" FZ_SITE "/data.mdb");
    path_join(to, sizeof to, e->dir, "/pristine.mdb");
    if (copy_file(from, to) != 0)
        die("copying the site store", 0);
    open_sites(e);

    proto_msg m = {.type = PROTO_MSG_HELLO};
    m.u.hello.version = PROTO_VERSION;
    m.u.hello.device_id = FZ_DEV_A;
    m.u.hello.site = (proto_bytes){(const uint8_t *)FZ_SITE, 2};
    m.u.hello.device =
        (proto_bytes){(const uint8_t *)FZ_NAME_A, strlen(FZ_NAME_A)};
    m.u.hello.credential =
        (proto_bytes){(const uint8_t *)e->cred_a, SRV_CRED_LEN};
    if ((rc = proto_msg_encode(&m, e->hello, sizeof e->hello, &e->hello_len)))
        die("encoding HELLO", rc);
    return e;
}

void fz_env_reset(fz_env *e)
{
    srv_site *site;
    store_txn *txn;
    uint64_t have = 0;
    int rc = srv_sites_get(e->sites, FZ_SITE, 2, 0, &site);
    if (rc == 0 && (rc = store_read_begin(srv_site_store(site), &txn)) == 0) {
        rc = store_device_max_seq(txn, FZ_DEV_A, &have);
        store_read_end(txn);
    }
    if (rc)
        die("reading the site", rc);
    if (have == 0)
        return;
    srv_sites_free(e->sites);
    char from[sizeof env.dir + 64], to[sizeof env.dir + 64];
    path_join(from, sizeof from, e->dir, "/pristine.mdb");
    path_join(to, sizeof to, e->dir, "/sites/" FZ_SITE "/data.mdb");
    if (copy_file(from, to) != 0)
        die("restoring the site store", 0);
    open_sites(e);
}

void fz_env_flush(fz_env *e)
{
    (void)srv_sites_flush(e->sites);
    (void)srv_registry_flush(e->reg);
}

void fz_check_output(srv_bufq *out, int *ended)
{
    static proto_bytes ops[PROTO_BATCH_MAX_OPS];
    if (srv_bufq_len(out) > SRV_OUT_CAP(FZ_MAX_FRAME)) {
        fprintf(stderr, "fuzz: output queue over its capacity\n");
        abort();
    }
    for (;;) {
        const uint8_t *p, *body;
        size_t n = srv_bufq_peek(out, &p), blen, used;
        int rc = proto_frame_next(p, n, FZ_MAX_FRAME, &body, &blen, &used);
        if (rc == RND_EAGAIN)
            return; /* a frame the server is still writing is fine */
        proto_msg m;
        if (rc == 0)
            rc = proto_msg_decode(body, blen, &m, ops, PROTO_BATCH_MAX_OPS);
        if (rc) {
            fprintf(stderr, "fuzz: the server sent a bad frame: %s\n",
                    rnd_strerror(rc));
            abort();
        }
        if (*ended) {
            fprintf(stderr, "fuzz: a frame after ERROR or BYE\n");
            abort();
        }
        switch (m.type) {
        case PROTO_MSG_ERROR:
        case PROTO_MSG_BYE:
            *ended = 1;
            break;
        case PROTO_MSG_WELCOME:
        case PROTO_MSG_PUSH_ACK:
        case PROTO_MSG_OPS:
        case PROTO_MSG_ATT_STATE: /* version 4: attachments */
        case PROTO_MSG_ATT_CHUNK:
        case PROTO_MSG_ATT_DONE:
            break;
        default:
            fprintf(stderr, "fuzz: the server sent message type %d\n", m.type);
            abort();
        }
        srv_bufq_consume(out, used);
    }
}
