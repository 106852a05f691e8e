/* srvtest.c: the harness of srvtest.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srvtest.h"

static int64_t h_now(void *ctx)
{
    return ((harness *)ctx)->now;
}

static void h_log(void *ctx, const char *line)
{
    harness *h = ctx;
    fprintf(stderr, "log: %s\n", line);
    if (h->nlog < H_LOG_MAX)
        snprintf(h->log[h->nlog++], sizeof h->log[0], "%s", line);
}

void h_init(harness *h, const char *tag, uint32_t max_frame)
{
    memset(h, 0, sizeof *h);
    h->dir = test_tmpdir(tag);
    h->now = 1700000000000;
    ASSERT_OK(srv_registry_open(h->dir, 1, &h->reg));
    ASSERT_OK(srv_sites_new(h->dir, h_now, h, &h->sites));
    h->ctx.reg = h->reg;
    h->ctx.sites = h->sites;
    h->ctx.max_frame = max_frame;
    h->ctx.now_ms = h_now;
    h->ctx.clock_ctx = h;
    h->ctx.log = h_log;
    h->ctx.log_ctx = h;
    ASSERT_OK(srv_ctx_init(&h->ctx));
}

void h_free(harness *h)
{
    ASSERT_OK(srv_registry_flush(h->reg));
    srv_ctx_free(&h->ctx);
    srv_sites_free(h->sites);
    srv_registry_close(h->reg);
    test_rmtree(h->dir);
    free(h->dir);
}

void h_enroll(harness *h, const char *site, const char *name,
              char cred[SRV_CRED_LEN + 1])
{
    ASSERT_OK(srv_registry_enroll(h->reg, site, name, h->now, cred));
    ASSERT_EQ(strlen(cred), SRV_CRED_LEN);
}

void h_flush(harness *h)
{
    ASSERT_OK(srv_sites_flush(h->sites));
}

static void on_wake(void *owner)
{
    ((peer *)owner)->wakes++;
}

void peer_open(peer *p, harness *h)
{
    memset(p, 0, sizeof *p);
    p->h = h;
    srv_bufq_init(&p->in, SRV_IN_CAP(h->ctx.max_frame));
    srv_bufq_init(&p->out, SRV_OUT_CAP(h->ctx.max_frame));
    p->frame = malloc(h->ctx.max_frame + PROTO_FRAME_HEADER);
    ASSERT(p->frame != NULL);
    ASSERT_OK(srv_session_new(&h->ctx, &p->out, on_wake, p, &p->s));
}

void peer_close(peer *p)
{
    srv_session_free(p->s);
    srv_bufq_free(&p->in);
    srv_bufq_free(&p->out);
    free(p->frame);
}

void peer_run(peer *p)
{
    ASSERT_OK(srv_session_input(p->s, &p->in));
}

void peer_send_raw(peer *p, const void *bytes, size_t n)
{
    ASSERT_OK(srv_bufq_push(&p->in, bytes, n));
    peer_run(p);
}

void peer_send(peer *p, const proto_msg *msg)
{
    size_t cap = p->h->ctx.max_frame + PROTO_FRAME_HEADER, len;
    uint8_t *buf = malloc(cap);
    ASSERT(buf != NULL);
    ASSERT_OK(proto_msg_encode(msg, buf, cap, &len));
    peer_send_raw(p, buf, len);
    free(buf);
}

int peer_recv(peer *p, proto_msg *m)
{
    const uint8_t *b, *body;
    size_t n = srv_bufq_peek(&p->out, &b), blen, used;
    int rc = proto_frame_next(b, n, p->h->ctx.max_frame, &body, &blen, &used);
    if (rc == RND_EAGAIN)
        return rc;
    ASSERT_OK(rc);
    memcpy(p->frame, body, blen);
    srv_bufq_consume(&p->out, used);
    ASSERT_OK(proto_msg_decode(p->frame, blen, m, p->ops, PROTO_BATCH_MAX_OPS));
    return 0;
}

void peer_expect(peer *p, int want, proto_msg *m)
{
    int rc = peer_recv(p, m);
    if (rc)
        TEST_FAIL_("expected a frame of type %d, got none", want);
    if (m->type == PROTO_MSG_ERROR && want != PROTO_MSG_ERROR)
        TEST_FAIL_("expected type %d, got ERROR %.*s: %.*s", want,
                   (int)m->u.error.name.len, m->u.error.name.p,
                   (int)m->u.error.message.len, m->u.error.message.p);
    ASSERT_EQ(m->type, want);
}

void peer_expect_error(peer *p, const char *name)
{
    proto_msg m;
    peer_expect(p, PROTO_MSG_ERROR, &m);
    fprintf(stderr, "ERROR %.*s: %.*s\n", (int)m.u.error.name.len,
            m.u.error.name.p, (int)m.u.error.message.len, m.u.error.message.p);
    if (m.u.error.name.len != strlen(name) ||
        memcmp(m.u.error.name.p, name, strlen(name)) != 0)
        TEST_FAIL_("expected ERROR %s, got %.*s", name, (int)m.u.error.name.len,
                   m.u.error.name.p);
    ASSERT(m.u.error.message.len > 0);
    ASSERT_EQ(srv_session_state_of(p->s), SRV_CLOSING);
}

void peer_hello(peer *p, uint64_t device_id, const char *site, const char *name,
                const char *cred)
{
    proto_msg m = {.type = PROTO_MSG_HELLO};
    m.u.hello.version = PROTO_VERSION;
    m.u.hello.device_id = device_id;
    m.u.hello.site =
        (proto_bytes){(const uint8_t *)site, (uint32_t)strlen(site)};
    m.u.hello.device =
        (proto_bytes){(const uint8_t *)name, (uint32_t)strlen(name)};
    m.u.hello.credential =
        (proto_bytes){(const uint8_t *)cred, (uint32_t)strlen(cred)};
    peer_send(p, &m);
}

/* ---- devices ------------------------------------------------------------ */

typedef struct init_ctx {
    uint64_t id;
} init_ctx;

static int init_fn(store_txn *txn, void *vctx)
{
    return store_identity_init(txn, ((init_ctx *)vctx)->id, "x", "dev");
}

void device_open(device *d, harness *h, const char *name, uint64_t id)
{
    memset(d, 0, sizeof *d);
    size_t n = strlen(h->dir) + strlen(name) + 16;
    d->dir = malloc(n);
    snprintf(d->dir, n, "%s/dev-%s", h->dir, name);
    ASSERT_OK(store_open(d->dir, STORE_CREATE, &d->st));
    init_ctx c = {id};
    ASSERT_OK(store_write(d->st, init_fn, &c));
    d->id = id;
}

void device_close(device *d)
{
    store_close(d->st);
    free(d->dir);
}

typedef struct append_ctx {
    int n;
    size_t text_len;
    char *text;
} append_ctx;

static int append_fn(store_txn *txn, void *vctx)
{
    append_ctx *c = vctx;
    for (int i = 0; i < c->n; i++) {
        proto_op op;
        proto_op_init(&op);
        op.kind = PROTO_KIND_DUTYLOG;
        op.action = PROTO_ACTION_CREATE;
        int rc = proto_entity_new(op.entity, 1700000000000 + i);
        if (rc == 0)
            rc = proto_op_add_str(&op, "by", "tester", 6);
        if (rc == 0)
            rc = proto_op_add_str(&op, "text", c->text, c->text_len);
        if (rc == 0)
            rc = store_append_local(txn, &op, 1700000000000 + i, NULL);
        if (rc)
            return rc;
    }
    return 0;
}

void device_append(device *d, int n, size_t text_len)
{
    append_ctx c = {n, text_len, malloc(text_len + 1)};
    memset(c.text, 'x', text_len);
    ASSERT_OK(store_write(d->st, append_fn, &c));
    free(c.text);
}

uint8_t *device_op(device *d, uint64_t seq, size_t *len)
{
    store_txn *txn;
    ASSERT_OK(store_read_begin(d->st, &txn));
    const uint8_t *enc;
    ASSERT_OK(store_op_get(txn, d->id, seq, &enc, len, NULL));
    uint8_t *copy = malloc(*len);
    memcpy(copy, enc, *len);
    store_read_end(txn);
    return copy;
}

void peer_push(peer *p, uint32_t batch, device *d, uint64_t from, uint64_t to)
{
    uint32_t n = (uint32_t)(to + 1 - from);
    proto_bytes *ops = calloc(n ? n : 1, sizeof *ops);
    for (uint32_t i = 0; i < n; i++) {
        size_t len;
        ops[i].p = device_op(d, from + i, &len);
        ops[i].len = (uint32_t)len;
    }
    proto_msg m = {.type = PROTO_MSG_PUSH};
    m.u.push.batch = batch;
    m.u.push.nops = n;
    m.u.push.ops = ops;
    peer_send(p, &m);
    for (uint32_t i = 0; i < n; i++)
        free((void *)ops[i].p);
    free(ops);
}

uint64_t site_op_count(harness *h, const char *site)
{
    srv_site *s;
    ASSERT_OK(srv_sites_get(h->sites, site, strlen(site), 1, &s));
    store_txn *txn;
    uint64_t n;
    ASSERT_OK(store_read_begin(srv_site_store(s), &txn));
    ASSERT_OK(store_op_count(txn, &n));
    store_read_end(txn);
    return n;
}

uint64_t site_max_seq(harness *h, const char *site, uint64_t device_id)
{
    srv_site *s;
    ASSERT_OK(srv_sites_get(h->sites, site, strlen(site), 1, &s));
    store_txn *txn;
    uint64_t n;
    ASSERT_OK(store_read_begin(srv_site_store(s), &txn));
    ASSERT_OK(store_device_max_seq(txn, device_id, &n));
    store_read_end(txn);
    return n;
}

uint64_t peer_welcome(peer *p, const device *d, const char *site,
                      const char *name, const char *cred)
{
    peer_hello(p, d->id, site, name, cred);
    proto_msg m;
    peer_expect(p, PROTO_MSG_WELCOME, &m);
    return m.u.welcome.have_seq;
}

void peer_expect_ack(peer *p, uint32_t batch, uint64_t acked)
{
    proto_msg m;
    peer_expect(p, PROTO_MSG_PUSH_ACK, &m);
    ASSERT_EQ(m.u.push_ack.batch, batch);
    ASSERT_U64_EQ(m.u.push_ack.acked_seq, acked);
}

/* ---- blocker ------------------------------------------------------------ */

static int block_fn(store_txn *txn, void *arg)
{
    (void)txn;
    blocker *b = arg;
    pthread_mutex_lock(&b->mu);
    b->inside = 1;
    pthread_cond_broadcast(&b->cv);
    while (!b->release)
        pthread_cond_wait(&b->cv, &b->mu);
    pthread_mutex_unlock(&b->mu);
    return 0;
}

static void *block_main(void *arg)
{
    blocker *b = arg;
    ASSERT_OK(store_write(b->st, block_fn, b));
    return NULL;
}

void block(blocker *b, store *st)
{
    memset(b, 0, sizeof *b);
    b->st = st;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    ASSERT_EQ(pthread_create(&b->t, NULL, block_main, b), 0);
    pthread_mutex_lock(&b->mu);
    while (!b->inside)
        pthread_cond_wait(&b->cv, &b->mu);
    pthread_mutex_unlock(&b->mu);
}

void unblock(blocker *b)
{
    pthread_mutex_lock(&b->mu);
    b->release = 1;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    ASSERT_EQ(pthread_join(b->t, NULL), 0);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
}
