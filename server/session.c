/* session.c: the server side of a sync session as a state machine over
 * byte queues (session.h; the protocol is docs/PROTOCOL.md). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../proto/clock.h"
#include "log.h"
#include "session.h"
#include "session_int.h"
#include "site_int.h"
#include "stats.h"

/* Ops skipped (the device's own) before a pull frame is sent anyway, so
 * one step of a pull is bounded even over a long run of own ops. */
#define PULL_VISIT_MAX 65536
/* Returned by the pull callback to stop before an op that does not fit. */
#define PULL_FULL 2
/* Before a HELLO is accepted the only frame allowed is a HELLO: three
 * strings of at most PROTO_TEXT_MAX bytes and two integers, under 3.2 KB.
 * A larger one is refused on its header, so a peer that has not
 * authenticated can make the server buffer this much, not max_frame (1 MiB
 * by default, on each of thousands of connections: 300 connections each
 * sending 1 MiB less one byte held 325 MB). */
#define HELLO_FRAME_MAX 4096

static void on_site_ready(srv_site_wait *w, int rc, srv_site *site);

static int64_t system_now_ms(void *ctx)
{
    (void)ctx;
    return rnd_clock_now_ms(RND_CLOCK_ENV_OFFICE);
}

static void stderr_log(void *ctx, const char *line)
{
    (void)ctx;
    srv_log_line(SRV_LOG_INFO, line);
}

int srv_ctx_init(srv_ctx *ctx)
{
    if (ctx->max_frame == 0)
        ctx->max_frame = PROTO_FRAME_MAX_DEFAULT;
    if (ctx->max_frame < SRV_MAX_FRAME_MIN)
        return RND_EINVAL;
    if (ctx->window == 0)
        ctx->window = SRV_WINDOW_DEFAULT;
    if (ctx->att_max == 0)
        ctx->att_max = SRV_ATT_MAX_DEFAULT;
    if (ctx->att_quota == 0)
        ctx->att_quota = SRV_ATT_QUOTA_DEFAULT;
    /* A chunk and its frame fit in max_frame. */
    ctx->att_chunk = PROTO_ATT_CHUNK_DEFAULT;
    if (ctx->att_chunk > ctx->max_frame - 256)
        ctx->att_chunk = ctx->max_frame - 256;
    if (ctx->now_ms == NULL)
        ctx->now_ms = system_now_ms;
    if (ctx->log == NULL)
        ctx->log = stderr_log;
    ctx->ops_scratch_ = calloc(PROTO_BATCH_MAX_OPS, sizeof(proto_bytes));
    return ctx->ops_scratch_ ? 0 : RND_ENOMEM;
}

void srv_ctx_free(srv_ctx *ctx)
{
    free(ctx->ops_scratch_);
    ctx->ops_scratch_ = NULL;
}

static int64_t now_ms(const srv_session *s)
{
    return s->ctx->now_ms(s->ctx->clock_ctx);
}

/* ---- output ------------------------------------------------------------- */

/* Appends msg as one frame to the output queue. */
int srv__send_msg(srv_session *s, const proto_msg *msg, size_t need)
{
    uint8_t *p;
    size_t avail, len;
    int rc = srv_bufq_reserve(s->out, need, need, &p, &avail);
    if (rc)
        return rc == RND_EAGAIN ? RND_ENOSPACE : rc;
    rc = proto_msg_encode(msg, p, avail, &len);
    if (rc == 0)
        srv_bufq_commit(s->out, len);
    return rc;
}

static proto_bytes text(const char *str)
{
    size_t n = strlen(str);
    if (n > PROTO_TEXT_MAX)
        n = PROTO_TEXT_MAX;
    return (proto_bytes){(const uint8_t *)str, (uint32_t)n};
}

/* ---- the end of a session ----------------------------------------------- */

/* Logs the session's one line and queues its registry update. */
static void finish(srv_session *s)
{
    if (s->logged || !s->hello_seen)
        return;
    s->logged = 1;
    int64_t now = now_ms(s);
    char hex[17], line[400];
    srv_hex64(s->device_id, hex);
    snprintf(line, sizeof line,
             "sync site=%s device=%s id=%s in=%" PRIu64 " out=%" PRIu64
             " ms=%" PRId64 " result=%s",
             s->log_site, s->log_name, hex, s->ops_in, s->ops_out,
             now - s->start_ms, s->result ? rnd_errname(s->result) : "ok");
    if (!s->authed) {
        if (s->ctx->log_refused != NULL)
            s->ctx->log_refused(s->ctx->log_ctx, s->owner, line);
        else
            s->ctx->log(s->ctx->log_ctx, line);
        return;
    }
    s->ctx->log(s->ctx->log_ctx, line);
    srv_sync_note n = {0};
    memcpy(n.site, s->dev.site, sizeof n.site);
    memcpy(n.name, s->dev.name, sizeof n.name);
    n.device_id = s->device_id;
    n.ok = s->result == 0;
    n.sync_ms = now;
    n.ops_in = s->ops_in;
    n.ops_out = s->ops_out;
    n.have_skew = s->have_skew;
    n.skew_ms = s->skew_ms;
    n.ahead_ms = s->ahead_ms;
    n.behind_ms = s->behind_ms;
    n.beyond = s->beyond;
    n.held_seq = s->held_seq;
    n.have_pull = s->pulled;
    n.pull_cursor = s->cursor;
    if (srv_registry_note(s->ctx->reg, &n) != 0) {
        snprintf(line, sizeof line,
                 "registry: sync note for %s/%s dropped: out of memory", n.site,
                 n.name);
        s->ctx->log(s->ctx->log_ctx, line);
    }
}

/* Sends ERROR err (unless fmt is NULL), ends the session with result err. */
void srv__fail(srv_session *s, int err, const char *fmt, ...)
{
    if (s->state == SRV_CLOSING)
        return;
    if (fmt != NULL) {
        char msgtext[PROTO_TEXT_MAX + 1];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msgtext, sizeof msgtext, fmt, ap);
        va_end(ap);
        proto_msg m = {.type = PROTO_MSG_ERROR};
        m.u.error.name = text(rnd_errname(err));
        m.u.error.message = text(msgtext);
        (void)srv__send_msg(s, &m, SMALL_MSG_MAX); /* best effort */
    }
    s->result = err;
    s->pulling = 0;
    s->state = SRV_CLOSING;
    finish(s);
}

/* A storage failure as the peer should see it. */
void srv__fail_storage(srv_session *s, int rc, const char *what)
{
    char line[300];
    snprintf(line, sizeof line, "storage: %s failed: %s", what,
             rnd_strerror(rc));
    s->ctx->log(s->ctx->log_ctx, line);
    srv__fail(s, rc == RND_EDISKFULL ? RND_EDISKFULL : RND_ESTORE,
              "the server could not %s; retry later", what);
}

/* ---- lifecycle ---------------------------------------------------------- */

int srv_session_new(srv_ctx *ctx, srv_bufq *out, srv_session_wake_fn wake,
                    void *owner, srv_session **sp)
{
    *sp = NULL;
    srv_session *s = calloc(1, sizeof *s);
    if (s == NULL)
        return RND_ENOMEM;
    s->ctx = ctx;
    s->out = out;
    s->wake = wake;
    s->owner = owner;
    s->wait.ready = on_site_ready;
    s->wait.owner = s;
    s->start_ms = ctx->now_ms(ctx->clock_ctx);
    *sp = s;
    return 0;
}

void srv_session_free(srv_session *s)
{
    if (s == NULL)
        return;
    if (s->state != SRV_CLOSING) {
        s->result = RND_ECLOSED;
        s->state = SRV_CLOSING;
    }
    finish(s);
    srv_sites_open_cancel(&s->wait);
    srv_stats_session_end(s->hello_seen, s->result, s->ops_in, s->ops_out);
    if (s->site != NULL && s->pending > 0)
        srv_site_cancel(s->site, s);
    srv__att_free(s);
    free(s);
}

srv_session_state srv_session_state_of(const srv_session *s)
{
    return s->state;
}

int srv_session_opening(const srv_session *s)
{
    return s->opening;
}

int srv_session_hello_seen(const srv_session *s)
{
    return s->hello_seen;
}

int srv_session_result(const srv_session *s)
{
    return s->result;
}

const char *srv_session_site(const srv_session *s)
{
    return s->log_site;
}

const char *srv_session_device(const srv_session *s)
{
    return s->log_name;
}

uint64_t srv_session_ops_in(const srv_session *s)
{
    return s->ops_in;
}

uint64_t srv_session_ops_out(const srv_session *s)
{
    return s->ops_out;
}

void srv_session_abort(srv_session *s, int err, const char *message)
{
    if (message)
        srv__fail(s, err, "%s", message);
    else
        srv__fail(s, err, NULL);
}

/* ---- HELLO -------------------------------------------------------------- */

/* Copies an untrusted name for the log, replacing what a name may not
 * contain by '?'. */
static void log_name(char out[SRV_NAME_MAX + 1], proto_bytes b)
{
    size_t n = b.len < SRV_NAME_MAX ? b.len : SRV_NAME_MAX;
    for (size_t i = 0; i < n; i++) {
        char c = (char)b.p[i];
        out[i] = srv_name_valid(&c, 1) ? c : '?';
    }
    if (n == 0)
        out[n++] = '-';
    out[n] = '\0';
}

/* A refused HELLO: nothing was bound or written. */
static void refuse_hello(srv_session *s, int rc, const char *why)
{
    if (rnd_is_storage_error(rc))
        srv__fail_storage(s, rc, "read the device registry");
    else
        srv__fail(s, rc, "%s", why);
}

static void hello_site(srv_session *s, int rc, srv_site *site);

/* Every check comes before the one write (the binding of a new device
 * id), in the order docs/PROTOCOL.md gives: a refused HELLO changes
 * nothing, and the credential goes on working. */
static void on_hello(srv_session *s, const proto_msg *m)
{
    s->hello_seen = 1;
    s->device_id = m->u.hello.device_id;
    log_name(s->log_site, m->u.hello.site);
    log_name(s->log_name, m->u.hello.device);
    if (m->u.hello.version < PROTO_VERSION_MIN ||
        m->u.hello.version > PROTO_VERSION) {
        srv__fail(s, RND_EVERSION,
                  "protocol version %" PRIu32 " is not supported; this server "
                  "speaks versions %d to %d",
                  m->u.hello.version, PROTO_VERSION_MIN, PROTO_VERSION);
        return;
    }
    const char *why;
    int need_bind;
    int rc = srv_registry_check(
        s->ctx->reg, (const char *)m->u.hello.site.p, m->u.hello.site.len,
        (const char *)m->u.hello.device.p, m->u.hello.device.len,
        m->u.hello.credential.p, m->u.hello.credential.len,
        m->u.hello.device_id, 0, &s->dev, &need_bind, &why);
    if (rc) {
        refuse_hello(s, rc, why);
        return;
    }
    s->need_bind = need_bind;
    s->version = m->u.hello.version;
    /* The device proved its credential for this site: its store may be
     * opened (created on a site's first sync), off the loop thread. */
    srv_site *site;
    rc = srv_sites_open(s->ctx->sites, s->dev.site, strlen(s->dev.site),
                        &s->wait, &site);
    if (rc == RND_EAGAIN) {
        s->opening = 1;
        return;
    }
    hello_site(s, rc, site);
}

/* The site's store opened (or not) on a worker: the HELLO goes on. */
static void on_site_ready(srv_site_wait *w, int rc, srv_site *site)
{
    srv_session *s = w->owner;
    s->opening = 0;
    if (s->state != SRV_CLOSING)
        hello_site(s, rc, site);
    if (s->wake)
        s->wake(s->owner);
}

/* The device's credential is good but its site is not served here any
 * more (site_move.h): the directory's node (fresher: the site may have
 * moved on again) else the mark's, as REDIRECT to a version-5 client and
 * ERROR EMOVED to an older one; while the move is under way and no
 * directory names the new node yet, EBUSY. Nothing is written: the
 * device binds on the node that holds its site. */
static void moved_away(srv_session *s, int where, srv_node_ref *to)
{
    static srv_node_ref dir; /* loop thread only */
    if (s->ctx->where != NULL &&
        s->ctx->where(s->ctx->where_ctx, s->dev.site, &dir) == 0 &&
        (where == SRV_SITE_MOVING || dir.epoch >= to->epoch)) {
        to = &dir;
        where = SRV_SITE_MOVED;
    }
    if (where == SRV_SITE_MOVING) {
        srv__fail(s, RND_EBUSY,
                  "site %s is moving to another node; retry in a minute",
                  s->dev.site);
        return;
    }
    if (s->version < PROTO_VERSION_REDIRECT) {
        srv__fail(s, RND_EMOVED,
                  "site %s moved to node %s at %s: update rounds (it then "
                  "follows by itself) or enroll this handheld there again",
                  s->dev.site, to->node, to->addr);
        return;
    }
    proto_msg r = {.type = PROTO_MSG_REDIRECT};
    r.u.redirect.node = text(to->node);
    r.u.redirect.addr = text(to->addr);
    r.u.redirect.cert =
        (proto_bytes){(const uint8_t *)to->cert, (uint32_t)to->cert_len};
    r.u.redirect.epoch = to->epoch;
    int rc = srv__send_msg(s, &r, SMALL_MSG_MAX + to->cert_len);
    if (rc) {
        srv__fail(s, rc, NULL);
        return;
    }
    char line[600];
    snprintf(line, sizeof line,
             "redirect site=%s device=%s to node=%s addr=%s epoch=%" PRIu64,
             s->dev.site, s->dev.name, to->node, to->addr, to->epoch);
    s->ctx->log(s->ctx->log_ctx, line);
    /* Ends like a refusal: the session's line says result=EMOVED. */
    srv__fail(s, RND_EMOVED, NULL);
}

/* The rest of the HELLO's checks (docs/PROTOCOL.md, 7 to 9) once its
 * site's store is open (rc 0), then WELCOME. */
static void hello_site(srv_session *s, int rc, srv_site *site)
{
    if (rc) {
        srv__fail_storage(s, rc, "open the site's store");
        return;
    }
    s->site = site;
    uint64_t office = srv_site_office_id(s->site);
    if (s->device_id == office) {
        srv__fail(s, RND_EAUTH, "device id not allowed");
        return;
    }
    store_txn *txn;
    uint64_t have = 0;
    uint8_t have_hash[PROTO_HASH_LEN];
    static srv_node_ref to; /* 16 KiB: off the stack; loop thread only */
    int where = SRV_SITE_HERE;
    rc = store_read_begin(srv_site_store(s->site), &txn);
    if (rc == 0) {
        rc = srv_site_mark_get(txn, &where, &to);
        if (rc == 0)
            rc = store_device_head(txn, s->device_id, &have, have_hash);
        store_read_end(txn);
    }
    if (rc) {
        srv__fail_storage(s, rc, "read the site's store");
        return;
    }
    if (where != SRV_SITE_HERE) {
        moved_away(s, where, &to);
        return;
    }
    const char *busy = NULL;
    if (s->ctx->admit != NULL &&
        s->ctx->admit(s->ctx->admit_ctx, s->owner, &busy)) {
        srv__fail(s, RND_EBUSY, "%s",
                  busy ? busy
                       : "the server is at its connection limit; retry later");
        return;
    }
    const char *why;
    if (s->need_bind) {
        rc =
            srv_registry_bind(s->ctx->reg, &s->dev, s->device_id, office, &why);
        if (rc) {
            refuse_hello(s, rc, why);
            return;
        }
    }
    s->authed = 1;
    s->held_seq = have;
    proto_msg w = {.type = PROTO_MSG_WELCOME};
    /* A version-1 client gets the WELCOME it knows (no incarnation, no
     * next certificate). */
    w.u.welcome.version = s->version;
    w.u.welcome.have_seq = have;
    w.u.welcome.server_ms = now_ms(s);
    w.u.welcome.max_frame = s->ctx->max_frame;
    w.u.welcome.window = s->ctx->window;
    w.u.welcome.incarnation = srv_site_incarnation(s->site);
    /* Version 3: the client checks its op have_seq against this. */
    if (have > 0)
        w.u.welcome.have_hash = (proto_bytes){have_hash, PROTO_HASH_LEN};
    w.u.welcome.att_max = s->ctx->att_max;
    w.u.welcome.att_quota = s->ctx->att_quota;
    w.u.welcome.att_chunk = s->ctx->att_chunk;
    if (s->ctx->cert_next != NULL && s->version >= 2)
        w.u.welcome.cert_next = s->ctx->cert_next(s->ctx->cert_ctx);
    rc = srv__send_msg(s, &w, SMALL_MSG_MAX + w.u.welcome.cert_next.len);
    if (rc) {
        srv__fail(s, rc, NULL);
        return;
    }
    s->state = SRV_SERVING;
}

/* ---- PUSH --------------------------------------------------------------- */

/* The seq of a batch's op i, or 0 when it does not decode. */
static uint64_t op_seq(const srv_batch *b, uint32_t i)
{
    static proto_op op; /* large: off the stack; loop thread only */
    if (i >= b->nops || proto_op_decode(b->ops[i].p, b->ops[i].len, &op))
        return 0;
    return op.seq;
}

/* A pushed op under a seq the site holds with other bytes: two stores
 * write as this device. Logged for the office (the commit counted it in
 * the site store: `roundsd devices`, FORKS) and refused. */
static void refuse_fork(srv_session *s, const srv_batch *b)
{
    char hex[17], line[400];
    uint64_t seq = op_seq(b, b->failed_op);
    srv_hex64(s->device_id, hex);
    snprintf(line, sizeof line,
             "fork site=%s device=%s id=%s seq=%" PRIu64
             ": a pushed op differs from the op held under that seq "
             "(refused; see docs/OPERATIONS.md, \"A forked handheld\")",
             s->dev.site, s->dev.name, hex, seq);
    s->ctx->log(s->ctx->log_ctx, line);
    srv__fail(
        s, RND_EFORK,
        "batch %" PRIu32 ", op %" PRIu32 ": the server holds seq %" PRIu64
        " of this device with other bytes: two stores write as this device "
        "(a copied store, or a restored one); nothing of the batch was "
        "stored",
        b->batch, b->failed_op, seq);
}

static void batch_done(srv_batch *b, void *owner)
{
    srv_session *s = owner;
    s->pending--;
    s->pending_bytes -= b->bytes;
    if (s->state != SRV_CLOSING) {
        if (b->rc == 0) {
            s->ops_in += b->added;
            s->beyond += b->beyond;
            if (b->acked_seq > s->held_seq)
                s->held_seq = b->acked_seq;
            if (b->added > 0) {
                if (!s->have_skew || b->ahead_ms > s->ahead_ms)
                    s->ahead_ms = b->ahead_ms;
                if (!s->have_skew || b->behind_ms > s->behind_ms)
                    s->behind_ms = b->behind_ms;
                s->have_skew = 1;
                s->skew_ms = b->last_wall_ms - b->recv_ms;
            }
            proto_msg a = {.type = PROTO_MSG_PUSH_ACK};
            a.u.push_ack.batch = b->batch;
            a.u.push_ack.acked_seq = b->acked_seq;
            int rc = srv__send_msg(s, &a, SMALL_MSG_MAX);
            if (rc)
                srv__fail(s, rc, NULL);
        } else if (b->rc == RND_ECHAIN) {
            srv__fail(s, RND_ECHAIN,
                      "batch %" PRIu32 ", op %" PRIu32
                      ": the op does not continue "
                      "this device's chain (a gap in seq or a wrong prev_hash)",
                      b->batch, b->failed_op);
        } else if (b->rc == RND_EFORK) {
            refuse_fork(s, b);
        } else if (rnd_is_storage_error(b->rc)) {
            srv__fail_storage(s, b->rc, "commit the batch");
        } else {
            srv__fail(s, b->rc, "batch %" PRIu32 ", op %" PRIu32 " refused: %s",
                      b->batch, b->failed_op, rnd_strerror(b->rc));
        }
    }
    srv_batch_free(b);
    if (s->wake && !s->in_input)
        s->wake(s->owner);
}

static int op_device(const uint8_t *enc, size_t len, uint64_t *id);

/* Each op is decoded in full once, when the batch is submitted (site.c),
 * and the commit refuses the batch with the decoder's error; here only
 * its device id is read. */
static void on_push(srv_session *s, const proto_msg *m)
{
    uint32_t n = m->u.push.nops;
    size_t bytes = 0;
    for (uint32_t i = 0; i < n; i++) {
        const proto_bytes *o = &m->u.push.ops[i];
        uint64_t dev;
        int rc = op_device(o->p, o->len, &dev);
        if (rc) {
            srv__fail(s, rc,
                      "batch %" PRIu32 ", op %" PRIu32 " does not decode: %s",
                      m->u.push.batch, i, rnd_strerror(rc));
            return;
        }
        if (dev != s->device_id) {
            char mine[17], theirs[17];
            srv_hex64(s->device_id, mine);
            srv_hex64(dev, theirs);
            srv__fail(s, RND_EFOREIGN,
                      "batch %" PRIu32 ", op %" PRIu32
                      " is under device id %s; "
                      "this device is %s",
                      m->u.push.batch, i, theirs, mine);
            return;
        }
        bytes += o->len;
    }
    srv_batch *b = srv_batch_new(n, bytes);
    if (b == NULL) {
        srv__fail(s, RND_ENOMEM, "the server is out of memory; retry later");
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        srv_batch_add(b, m->u.push.ops[i].p, m->u.push.ops[i].len);
    b->device_id = s->device_id;
    b->batch = m->u.push.batch;
    b->done = batch_done;
    b->owner = s;
    b->hlc_cap_ms = s->dev.last_sync_ms;
    s->pending++;
    s->pending_bytes += b->bytes;
    srv_site_submit(s->site, b);
}

/* ---- PULL --------------------------------------------------------------- */

/* Reads a MessagePack unsigned integer (any width, or a non-negative
 * signed one) at *p. Returns 0 and advances, or -1. */
static int read_uint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    const uint8_t *q = *p;
    if (q >= end)
        return -1;
    uint8_t t = *q++;
    size_t n;
    int sign = 0;
    if (t <= 0x7f) {
        *v = t;
        *p = q;
        return 0;
    }
    switch (t) {
    case 0xcc:
    case 0xd0:
        n = 1;
        break;
    case 0xcd:
    case 0xd1:
        n = 2;
        break;
    case 0xce:
    case 0xd2:
        n = 4;
        break;
    case 0xcf:
    case 0xd3:
        n = 8;
        break;
    default:
        return -1;
    }
    sign = t >= 0xd0;
    if ((size_t)(end - q) < n || (sign && (q[0] & 0x80)))
        return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x = x << 8 | q[i];
    *v = x;
    *p = q + n;
    return 0;
}

/* The device id of an encoded op without decoding all of it: it is the
 * third element of the op's array (proto.h). Falls back to a full decode
 * for an encoding this shortcut does not know. */
static int op_device(const uint8_t *enc, size_t len, uint64_t *id)
{
    const uint8_t *p = enc, *end = enc + len;
    uint64_t version;
    if (len > 0 && *p == 0x9a) {
        p++;
        if (read_uint(&p, end, &version) == 0 && read_uint(&p, end, id) == 0)
            return 0;
    }
    proto_op op;
    int rc = proto_op_decode(enc, len, &op);
    if (rc == 0)
        *id = op.device_id;
    return rc;
}

typedef struct pull_col {
    uint64_t skip; /* the session's own device */
    proto_bytes *ops;
    uint32_t n;
    uint32_t visited;
    size_t bytes;
    size_t limit; /* frame size limit */
    int stopped;  /* stopped before the end of the log */
} pull_col;

static int pull_cb(const uint8_t *enc, size_t len, int64_t recv_ms, void *ctx)
{
    (void)recv_ms;
    pull_col *c = ctx;
    uint64_t dev;
    if (op_device(enc, len, &dev) != 0)
        return RND_ECORRUPT;
    if (dev != c->skip) {
        if (c->n == PROTO_BATCH_MAX_OPS ||
            c->bytes + len + proto_msg_ops_overhead(c->n + 1) > c->limit) {
            c->stopped = 1;
            return PULL_FULL;
        }
        c->ops[c->n].p = enc;
        c->ops[c->n].len = (uint32_t)len;
        c->n++;
        c->bytes += len;
    }
    if (++c->visited >= PULL_VISIT_MAX) {
        c->stopped = 1;
        return 1;
    }
    return 0;
}

/* The device's own ops from own_next on, for a handheld restored from an
 * older copy of its store (PULL_OWN): in seq order, as many as fit in a
 * frame; next_cursor is the seq after the last one sent. */
typedef struct own_col {
    proto_bytes *ops;
    uint32_t n;
    size_t bytes, limit;
    uint64_t next;
    int stopped;
} own_col;

static int own_cb(uint64_t seq, const uint8_t *enc, size_t len, int64_t recv_ms,
                  void *ctx)
{
    (void)recv_ms;
    own_col *c = ctx;
    if (c->n == PROTO_BATCH_MAX_OPS ||
        c->bytes + len + proto_msg_ops_overhead(c->n + 1) > c->limit) {
        c->stopped = 1;
        return PULL_FULL;
    }
    c->ops[c->n].p = enc;
    c->ops[c->n].len = (uint32_t)len;
    c->n++;
    c->bytes += len;
    c->next = seq + 1;
    return 0;
}

/* Ends a pull walk: sends the OPS frame of what the walk (its result
 * rc) collected, then ends its read transaction. Returns 1 when the frame
 * went out; otherwise what the pull step returns, the session failed: the
 * send's error, or 0 after a storage error. */
static int send_walked(srv_session *s, store_txn *txn, int rc, proto_bytes *ops,
                       uint32_t n, size_t bytes, uint64_t next, int stopped)
{
    if (rc == PULL_FULL)
        rc = 0;
    if (rc == 0) {
        proto_msg m = {.type = PROTO_MSG_OPS};
        m.u.ops.nops = n;
        m.u.ops.ops = ops;
        m.u.ops.next_cursor = next;
        m.u.ops.more = (uint8_t)stopped;
        rc = srv__send_msg(s, &m, bytes + proto_msg_ops_overhead(n));
        if (rc) {
            store_read_end(txn);
            srv__fail(s, rc, NULL);
            return rc;
        }
    }
    store_read_end(txn);
    if (rc) {
        srv__fail_storage(s, rc, "read the site's store");
        return 0;
    }
    return 1;
}

static int pull_own_step(srv_session *s)
{
    own_col c = {.ops = s->ctx->ops_scratch_,
                 .limit = s->ctx->max_frame,
                 .next = s->own_next};
    store_txn *txn;
    int rc = store_read_begin(srv_site_store(s->site), &txn);
    if (rc) {
        srv__fail_storage(s, rc, "read the site's store");
        return 0;
    }
    rc = store_ops_each_seq(txn, s->device_id, s->own_next, own_cb, &c);
    int sent = send_walked(s, txn, rc, c.ops, c.n, c.bytes, c.next, c.stopped);
    if (sent != 1)
        return sent;
    s->ops_out += c.n;
    s->own_next = c.next;
    if (!c.stopped)
        s->pulling = s->own = 0;
    return 0;
}

/* Sends one OPS frame (the output is below its high-water mark). */
static int pull_step(srv_session *s)
{
    if (s->own)
        return pull_own_step(s);
    pull_col c = {.skip = s->device_id,
                  .ops = s->ctx->ops_scratch_,
                  .limit = s->ctx->max_frame};
    store_txn *txn;
    int rc = store_read_begin(srv_site_store(s->site), &txn);
    if (rc) {
        srv__fail_storage(s, rc, "read the site's store");
        return 0;
    }
    uint64_t next = s->cursor;
    rc = store_log_each(txn, s->cursor, pull_cb, &c, &next);
    int sent = send_walked(s, txn, rc, c.ops, c.n, c.bytes, next, c.stopped);
    if (sent != 1)
        return sent;
    s->ops_out += c.n;
    s->cursor = next;
    s->pulled = 1;
    if (!c.stopped)
        s->pulling = 0;
    return 0;
}

/* ---- dispatch ----------------------------------------------------------- */

static const char *type_name(int type)
{
    static const char *names[] = {
        "?",         "HELLO",     "WELCOME",   "PUSH",     "PUSH_ACK",
        "PULL",      "OPS",       "BYE",       "ERROR",    "PULL_OWN",
        "ATT_OFFER", "ATT_STATE", "ATT_CHUNK", "ATT_DONE", "ATT_WANT"};
    return type >= 1 && type <= 14 ? names[type] : "?";
}

/* 1 when msg must wait: PULL and BYE until every commit is done, PUSH
 * while the window is full or the batches waiting for their commit hold
 * SRV_PENDING_MAX(max_frame) bytes already (the rest of the window waits
 * in the peer's and the kernel's buffers, not in ours). */
static int must_wait(const srv_session *s, const proto_msg *m)
{
    if (s->state != SRV_SERVING)
        return 0;
    switch (m->type) {
    case PROTO_MSG_PUSH:
        return s->pending >= s->ctx->window ||
               (s->pending > 0 &&
                s->pending_bytes >= SRV_PENDING_MAX(s->ctx->max_frame));
    case PROTO_MSG_PULL:
    case PROTO_MSG_PULL_OWN:
        return s->pending > 0;
    case PROTO_MSG_BYE:
        return s->pending > 0 || srv__att_must_wait(s, m);
    default:
        return srv__att_must_wait(s, m);
    }
}

static void on_bye(srv_session *s)
{
    proto_msg m = {.type = PROTO_MSG_BYE};
    m.u.bye.ops_in = s->ops_in;
    m.u.bye.ops_out = s->ops_out;
    int rc = srv__send_msg(s, &m, SMALL_MSG_MAX);
    if (rc) {
        srv__fail(s, rc, NULL);
        return;
    }
    s->result = 0;
    s->state = SRV_CLOSING;
    finish(s);
}

/* A handheld restored from an older copy of its store asks for its own
 * ops back (docs/PROTOCOL.md, "Recovery of a restored handheld"). Logged:
 * the office may want to know a device was restored. */
static void on_pull_own(srv_session *s, const proto_msg *m)
{
    if (s->version < 3) {
        srv__fail(s, RND_EPROTO, "PULL_OWN needs protocol version 3");
        return;
    }
    char hex[17], line[300];
    srv_hex64(s->device_id, hex);
    snprintf(
        line, sizeof line,
        "recover site=%s device=%s id=%s from_seq=%" PRIu64 " held=%" PRIu64,
        s->dev.site, s->dev.name, hex, m->u.pull_own.from_seq, s->held_seq);
    s->ctx->log(s->ctx->log_ctx, line);
    s->own = 1;
    s->own_next = m->u.pull_own.from_seq ? m->u.pull_own.from_seq : 1;
    s->pulling = 1;
}

static void dispatch(srv_session *s, const proto_msg *m)
{
    if (m->type == PROTO_MSG_ERROR) {
        /* The peer gives up; nothing to answer. */
        srv__fail(s, RND_ECLOSED, NULL);
        return;
    }
    if (s->state == SRV_AWAIT_HELLO) {
        if (m->type == PROTO_MSG_HELLO)
            on_hello(s, m);
        else
            srv__fail(s, RND_EPROTO, "HELLO expected first, got %s",
                      type_name(m->type));
        return;
    }
    switch (m->type) {
    case PROTO_MSG_PUSH:
        on_push(s, m);
        break;
    case PROTO_MSG_PULL:
        s->pulling = 1;
        s->own = 0;
        s->cursor = m->u.pull.cursor;
        break;
    case PROTO_MSG_PULL_OWN:
        on_pull_own(s, m);
        break;
    case PROTO_MSG_BYE:
        on_bye(s);
        break;
    case PROTO_MSG_ATT_OFFER:
    case PROTO_MSG_ATT_WANT:
    case PROTO_MSG_ATT_CHUNK:
        if (s->version < 4)
            srv__fail(s, RND_EPROTO, "%s needs protocol version 4",
                      type_name(m->type));
        else
            srv__att_dispatch(s, m);
        break;
    default:
        srv__fail(s, RND_EPROTO, "%s is not allowed after HELLO",
                  type_name(m->type));
    }
}

int srv_session_input(srv_session *s, srv_bufq *in)
{
    srv_ctx *ctx = s->ctx;
    s->in_input = 1;
    while (s->state != SRV_CLOSING && !s->opening) {
        /* Nothing more is produced or read while the output is above its
         * high-water mark: the owner calls again once it has drained. */
        if (srv_bufq_len(s->out) >= SRV_OUT_HIWAT(ctx->max_frame))
            break;
        if (s->pulling) {
            pull_step(s);
            continue;
        }
        if (srv__att_sending(s)) {
            srv__att_step(s);
            continue;
        }
        const uint8_t *p, *body;
        size_t n = srv_bufq_peek(in, &p), blen, used;
        uint32_t limit =
            s->state == SRV_AWAIT_HELLO ? HELLO_FRAME_MAX : ctx->max_frame;
        int rc = proto_frame_next(p, n, limit, &body, &blen, &used);
        if (rc == RND_EAGAIN)
            break;
        if (rc == RND_ETOOBIG) {
            uint32_t announced = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
                                 (uint32_t)p[2] << 8 | p[3];
            srv__fail(s, rc,
                      "a frame of %" PRIu32 " bytes is over this server's "
                      "limit of %" PRIu32 " bytes%s",
                      announced, limit,
                      s->state == SRV_AWAIT_HELLO ? " before HELLO" : "");
            break;
        }
        if (rc) {
            srv__fail(s, rc, "malformed frame header (length 0)");
            break;
        }
        proto_msg m;
        rc = proto_msg_decode(body, blen, &m, ctx->ops_scratch_,
                              PROTO_BATCH_MAX_OPS);
        if (rc) {
            srv__fail(s, rc, "a frame of %zu bytes does not decode: %s", blen,
                      rnd_strerror(rc));
            break;
        }
        if (must_wait(s, &m))
            break; /* decoded again once the commits are done */
        dispatch(s, &m);
        srv_bufq_consume(in, used);
    }
    s->in_input = 0;
    return s->result == RND_ENOMEM ? RND_ENOMEM : 0;
}
