/* sesstest.c: see sesstest.h. */
#include "sesstest.h"

/* A self-signed P-256 certificate, CN=roundsd, CA:true (like roundsd's). */
const char cert_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBejCCASGgAwIBAgIUDb8xgQ1v2G0uB3lF5cW+PuSRBIcwCgYIKoZIzj0EAwIw\n"
    "EjEQMA4GA1UEAwwHcm91bmRzZDAgFw0yNjExMjgxNjI2MTJaGA8yMTI2MTEwNDE2\n"
    "MjYxMlowEjEQMA4GA1UEAwwHcm91bmRzZDBZMBMGByqGSM49AgEGCCqGSM49AwEH\n"
    "A0IABGWEPuUH4fJw68aSY2QqFBLx30bMxW9mZ384Wh6XOQtPZg9fPgVcCFSS1GTM\n"
    "PcKDDmasL7t3MarBVFqQpYSKS8yjUzBRMB0GA1UdDgQWBBR9mqrYYKykV7qADImp\n"
    "VxIxrbnX6jAfBgNVHSMEGDAWgBR9mqrYYKykV7qADImpVxIxrbnX6jAPBgNVHRMB\n"
    "Af8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIBn7JNORIbRkr0ZElMP4rB6QUFl2\n"
    "IH0TCPj7npgsYQy5AiBXL1nclPkXB1hVDV9ExWx6olJMChPIRKm7UmeEivG6dQ==\n"
    "-----END CERTIFICATE-----\n";

int64_t fake_now = 1795860000000; /* 2026-11-28T10:00:00Z */
int64_t clock_fn(void *ctx)
{
    return fake_now;
}

char *dir;
hh *h;

/* ---- helpers ------------------------------------------------------------ */

void record_notes(hh *hd, int n)
{
    hh_kv kv[2] = {{"text", "round done, all quiet at the east gate"},
                   {"by", "guard-li"}};
    hh_batch_item *items = calloc((size_t)n, sizeof *items);
    ASSERT(items != NULL);
    for (int i = 0; i < n; i++) {
        items[i].verb = "log.note";
        items[i].kv = kv;
        items[i].nkv = 2;
    }
    ASSERT_OK(hh_record_many(hd, items, (size_t)n, NULL));
    free(items);
}

typedef struct kv_ctx {
    const char *key;
    const void *val;
    size_t len;
    uint64_t u;
    int is_u64;
} kv_ctx;

int put_fn(store_txn *t, void *arg)
{
    kv_ctx *c = arg;
    return c->is_u64 ? store_meta_put_u64(t, c->key, c->u)
                     : store_meta_put(t, c->key, c->val, c->len);
}

void meta_put(const char *key, const char *val)
{
    kv_ctx c = {key, val, strlen(val), 0, 0};
    ASSERT_OK(store_write(hh_store(h), put_fn, &c));
}

void meta_put_u64(const char *key, uint64_t v)
{
    kv_ctx c = {key, NULL, 0, v, 1};
    ASSERT_OK(store_write(hh_store(h), put_fn, &c));
}

int meta_u64(const char *key, uint64_t *v)
{
    store_txn *t;
    ASSERT_OK(store_read_begin(hh_store(h), &t));
    int rc = store_meta_get_u64(t, key, v);
    store_read_end(t);
    return rc;
}

/* Copies meta key as a string into out ("" when absent); returns its len. */
size_t meta_str(const char *key, char *out, size_t cap)
{
    store_txn *t;
    const void *v;
    size_t len = 0;
    ASSERT_OK(store_read_begin(hh_store(h), &t));
    out[0] = '\0';
    if (store_meta_get(t, key, &v, &len) == 0) {
        ASSERT(len < cap);
        memcpy(out, v, len);
        out[len] = '\0';
    }
    store_read_end(t);
    return len;
}

uint64_t op_count(void)
{
    store_txn *t;
    uint64_t n;
    ASSERT_OK(store_read_begin(hh_store(h), &t));
    ASSERT_OK(store_op_count(t, &n));
    store_read_end(t);
    return n;
}

uint64_t device_id(void)
{
    hh_status_info st;
    ASSERT_OK(hh_status(h, &st));
    return st.device_id;
}

/* A fresh device with n own ops and a credential. */
void setup(int n)
{
    dir = test_tmpdir("sync");
    char path[4200];
    snprintf(path, sizeof path, "%s/hh", dir);
    ASSERT_OK(hh_init(path, "S1", "HH-01", &h));
    hh_set_clock(h, clock_fn, NULL);
    if (n)
        record_notes(h, n);
    meta_put("credential", "rdc1-secret");
}

void reopen(void)
{
    char path[4200];
    hh_close(h);
    snprintf(path, sizeof path, "%s/hh", dir);
    ASSERT_OK(hh_open(path, &h));
    hh_set_clock(h, clock_fn, NULL);
}

void teardown(void)
{
    hh_close(h);
    h = NULL;
    test_rmtree(dir);
    free(dir);
}

/* Feeds one server message; returns hh_sess_recv's rc. */
int feed(hh_sess *s, const proto_msg *m)
{
    static uint8_t buf[PROTO_FRAME_MAX_DEFAULT + PROTO_FRAME_HEADER];
    size_t len, used;
    ASSERT_OK(proto_msg_encode(m, buf, sizeof buf, &len));
    int rc = hh_sess_recv(s, buf, len, &used);
    if (rc == 0)
        ASSERT_EQ(used, len);
    return rc;
}

int feed_welcome(hh_sess *s, uint64_t have, uint32_t max_frame, uint32_t window)
{
    proto_msg m = {.type = PROTO_MSG_WELCOME};
    m.u.welcome.version = PROTO_VERSION;
    m.u.welcome.have_seq = have;
    m.u.welcome.server_ms = fake_now;
    m.u.welcome.max_frame = max_frame;
    m.u.welcome.window = window;
    return feed(s, &m);
}

int feed_ack(hh_sess *s, uint32_t batch, uint64_t acked)
{
    proto_msg m = {.type = PROTO_MSG_PUSH_ACK};
    m.u.push_ack.batch = batch;
    m.u.push_ack.acked_seq = acked;
    return feed(s, &m);
}

int feed_error(hh_sess *s, const char *name, const char *msg)
{
    proto_msg m = {.type = PROTO_MSG_ERROR};
    m.u.error.name.p = (const uint8_t *)name;
    m.u.error.name.len = (uint32_t)strlen(name);
    m.u.error.message.p = (const uint8_t *)msg;
    m.u.error.message.len = (uint32_t)strlen(msg);
    return feed(s, &m);
}

int feed_bye(hh_sess *s)
{
    proto_msg m = {.type = PROTO_MSG_BYE};
    return feed(s, &m);
}

/* Takes the next frame the session wants sent; 0 if none. The message
 * points into a static copy valid until the next call. */
proto_bytes out_ops[PROTO_BATCH_MAX_OPS];
size_t out_frame_len;
int take(hh_sess *s, proto_msg *m)
{
    static uint8_t copy[HH_SESS_FRAME_CAP + PROTO_FRAME_HEADER];
    const uint8_t *p, *body;
    size_t len, body_len, used;

    ASSERT_OK(hh_sess_output(s, &p, &len));
    if (len == 0)
        return 0;
    memcpy(copy, p, len);
    /* Sent in two pieces, as a socket might take it. */
    hh_sess_sent(s, len / 2);
    const uint8_t *p2;
    size_t len2;
    ASSERT_OK(hh_sess_output(s, &p2, &len2));
    ASSERT_EQ(len2, len - len / 2);
    ASSERT_MEM_EQ(p2, copy + len / 2, len2);
    hh_sess_sent(s, len2);
    ASSERT_OK(proto_frame_next(copy, len, HH_SESS_FRAME_CAP, &body, &body_len,
                               &used));
    ASSERT_EQ(used, len);
    out_frame_len = len;
    ASSERT_OK(
        proto_msg_decode(body, body_len, m, out_ops, PROTO_BATCH_MAX_OPS));
    return 1;
}

uint64_t op_seq(const proto_bytes *b, uint64_t *dev)
{
    static proto_op op;
    ASSERT_OK(proto_op_decode(b->p, b->len, &op));
    *dev = op.device_id;
    return op.seq;
}

void make_foreign(foreign *f, uint64_t dev, uint64_t from, int n)
{
    static proto_op op;
    for (int i = 0; i < n; i++) {
        proto_op_init(&op);
        op.device_id = dev;
        op.seq = from + (uint64_t)i;
        op.wall_ms = fake_now - 1000 + i;
        op.hlc = PROTO_HLC_MAKE(op.wall_ms, 0);
        op.kind = PROTO_KIND_DUTYLOG;
        op.action = PROTO_ACTION_CREATE;
        ASSERT_OK(proto_entity_new(op.entity, op.wall_ms));
        ASSERT_OK(proto_op_add_str(&op, "by", "office", 6));
        ASSERT_OK(proto_op_add_str(&op, "text", "gate B closed", 13));
        memcpy(op.prev_hash, f->last_hash, PROTO_HASH_LEN);
        ASSERT_OK(
            proto_op_encode(&op, f->enc[i], sizeof f->enc[i], &f->len[i]));
        proto_op_hash(f->enc[i], f->len[i], f->last_hash);
    }
}

int feed_ops(hh_sess *s, foreign *f, int from, int n, uint64_t next, int more)
{
    proto_bytes b[64];
    proto_msg m = {.type = PROTO_MSG_OPS};
    for (int i = 0; i < n; i++) {
        b[i].p = f->enc[from + i];
        b[i].len = (uint32_t)f->len[from + i];
    }
    m.u.ops.nops = (uint32_t)n;
    m.u.ops.ops = b;
    m.u.ops.next_cursor = next;
    m.u.ops.more = (uint8_t)more;
    return feed(s, &m);
}

void expect_hello(hh_sess *s)
{
    proto_msg m;
    ASSERT(take(s, &m));
    ASSERT_EQ(m.type, PROTO_MSG_HELLO);
    ASSERT_EQ(m.u.hello.version, PROTO_VERSION);
    ASSERT_U64_EQ(m.u.hello.device_id, device_id());
    ASSERT_EQ(m.u.hello.site.len, 2);
    ASSERT_MEM_EQ(m.u.hello.site.p, "S1", 2);
    ASSERT_EQ(m.u.hello.device.len, 5);
    ASSERT_MEM_EQ(m.u.hello.device.p, "HH-01", 5);
    ASSERT_EQ(m.u.hello.credential.len, 11);
    ASSERT_MEM_EQ(m.u.hello.credential.p, "rdc1-secret", 11);
    ASSERT(!take(s, &m)); /* nothing more until WELCOME */
}
