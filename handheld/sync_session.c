/* sync_session.c: the handheld's side of the sync protocol as a state
 * machine over frames, with no sockets (sync.c moves the bytes). See
 * sync_session.h for the contract and proto/msg.h for the sequence.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/msg.h"
#include "../storage/store.h"
#include "hh_internal.h"
#include "sync_session.h"

/* Room for HELLO: four texts of at most PROTO_TEXT_MAX and a few ints. */
#define HELLO_CAP (4 * PROTO_TEXT_MAX + 64)

static const char *msg_name(int type)
{
    static const char *const names[] = {
        "?",         "HELLO",    "WELCOME",   "PUSH",
        "PUSH_ACK",  "PULL",     "OPS",       "BYE",
        "ERROR",     "PULL_OWN", "ATT_OFFER", "ATT_STATE",
        "ATT_CHUNK", "ATT_DONE", "ATT_WANT",  "REDIRECT",
    };
    return type > 0 && type <= PROTO_MSG_REDIRECT ? names[type] : "unknown";
}

static const char *state_name(int state)
{
    switch (state) {
    case HH_SESS_HELLO:
        return "waiting for WELCOME";
    case HH_SESS_RECOVER:
        return "taking back own ops";
    case HH_SESS_PUSH:
        return "pushing";
    case HH_SESS_PULL:
        return "pulling";
    case HH_SESS_ATT:
        return "syncing attachments";
    case HH_SESS_BYE:
        return "waiting for BYE";
    case HH_SESS_DONE:
        return "done";
    default:
        return "failed";
    }
}

int hh__sess_fail(hh_sess *s, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->h->err, sizeof s->h->err, fmt, ap);
    va_end(ap);
    s->state = HH_SESS_FAILED;
    s->failed = rc;
    return rc;
}

/* Fails the session with a storage error rc while doing `what`. */
static int store_failed(hh_sess *s, int rc, const char *what)
{
    if (rc == RND_ESTORE || rc == RND_EIO)
        return hh__sess_fail(s, rc, "sync: %s: %s: %s", what, rnd_strerror(rc),
                             store_last_raw_text(hh_store(s->h)));
    return hh__sess_fail(s, rc, "sync: %s: %s", what, rnd_strerror(rc));
}

int hh_sess_error_code(const char *name, size_t len)
{
    for (int code = RND_ERROR_BASE_ + 1; code < RND_ERROR_END_; code++) {
        const char *n = rnd_errname(code);
        if (strlen(n) == len && memcmp(n, name, len) == 0)
            return code;
    }
    return 0;
}

static void progress(hh_sess *s, const char *phase, uint64_t done,
                     uint64_t total)
{
    if (s->progress)
        s->progress(phase, done, total, s->progress_ctx);
}

/* Encodes msg into the (empty) output buffer. */
static int queue(hh_sess *s, const proto_msg *m)
{
    size_t len;
    int rc = proto_msg_encode(m, s->out, s->out_cap, &len);
    if (rc)
        return hh__sess_fail(s, rc, "sync: cannot encode %s: %s",
                             msg_name(m->type), rnd_strerror(rc));
    s->out_off = 0;
    s->out_len = len;
    return 0;
}

/* ---- init ----------------------------------------------------------------
 */

int hh_sess_init(hh_sess *s, hh *h)
{
    store_identity id;
    store_txn *t;
    const void *cred;
    size_t cred_len = 0;
    uint64_t cursor = 0;
    proto_msg m;
    int rc;

    memset(s, 0, sizeof *s);
    s->h = h;
    s->state = HH_SESS_HELLO;
    s->max_frame = PROTO_FRAME_MAX_DEFAULT;
    s->out_cap = HELLO_CAP;
    s->out = malloc(s->out_cap);
    s->ops = malloc(PROTO_BATCH_MAX_OPS * sizeof *s->ops);
    if (s->out == NULL || s->ops == NULL)
        return hh__sess_fail(s, RND_ENOMEM, "sync: out of memory");

    rc = store_read_begin(hh_store(h), &t);
    if (rc)
        return store_failed(s, rc, "reading the store");
    rc = store_identity_get(t, &id);
    if (rc) {
        store_read_end(t);
        return store_failed(s, rc, "reading the device identity");
    }
    rc = store_meta_get(t, "credential", &cred, &cred_len);
    if (rc == RND_ENOTFOUND || (rc == 0 && cred_len == 0)) {
        store_read_end(t);
        return hh__sess_fail(
            s, RND_ENOTENROLLED,
            "sync: handheld not enrolled: run 'rounds enroll "
            "--server HOST:PORT --cert FILE --credential CRED'");
    }
    if (rc == 0 && cred_len > PROTO_TEXT_MAX)
        rc = RND_ECORRUPT;
    if (rc == 0) {
        rc = store_meta_get_u64(t, "server_cursor", &cursor);
        if (rc == RND_ENOTFOUND)
            rc = 0, cursor = 0;
    }
    if (rc == 0) {
        rc = store_meta_get_u64(t, "acked_seq", &s->stored_acked);
        if (rc == RND_ENOTFOUND)
            rc = 0, s->stored_acked = 0;
    }
    if (rc) {
        store_read_end(t);
        return store_failed(s, rc, "reading the enrollment");
    }
    s->device_id = id.device_id;
    s->last_seq = id.next_seq - 1;
    s->cursor = cursor;
    s->held_cursor = cursor;

    memset(&m, 0, sizeof m);
    m.type = PROTO_MSG_HELLO;
    m.u.hello.version = PROTO_VERSION;
    m.u.hello.device_id = id.device_id;
    m.u.hello.site.p = (const uint8_t *)id.site;
    m.u.hello.site.len = (uint32_t)strlen(id.site);
    m.u.hello.device.p = (const uint8_t *)id.name;
    m.u.hello.device.len = (uint32_t)strlen(id.name);
    m.u.hello.credential.p = cred;
    m.u.hello.credential.len = (uint32_t)cred_len;
    rc = queue(s, &m); /* copies the credential out of the map */
    store_read_end(t);
    return rc;
}

void hh_sess_free(hh_sess *s)
{
    if (s == NULL)
        return;
    /* The HELLO held the credential, at the start of the buffer; wiping
     * the whole 1 MiB frame buffer here was 40% of a no-op sync's CPU. */
    if (s->out)
        memset(s->out, 0, s->out_cap < HELLO_CAP ? s->out_cap : HELLO_CAP);
    free(s->out);
    free(s->ops);
    free(s->held);
    free(s->held_lens);
    free(s->redirect_cert);
    s->redirect_cert = NULL;
    hh__att_free(s);
    s->out = NULL;
    s->ops = NULL;
    s->held = NULL;
    s->held_lens = NULL;
}

uint32_t hh_sess_max_frame(const hh_sess *s)
{
    return s->max_frame;
}

int hh_sess_done(const hh_sess *s)
{
    return s->state == HH_SESS_DONE;
}

/* ---- pushing -------------------------------------------------------------
 */

typedef struct batch_ctx {
    hh_sess *s;
    uint32_t n;
    size_t bytes;
    uint64_t want; /* ops left up to last_seq */
    size_t too_big;
} batch_ctx;

static int batch_cb(const uint8_t *enc, size_t len, int64_t recv_ms, void *arg)
{
    batch_ctx *c = arg;
    hh_sess *s = c->s;

    if (c->n == c->want || c->n == PROTO_BATCH_MAX_OPS)
        return 1;
    if (c->bytes + len + proto_msg_ops_overhead(c->n + 1) + PROTO_FRAME_HEADER >
        s->max_frame) {
        if (c->n == 0) {
            c->too_big = len;
            return RND_ETOOBIG;
        }
        return 1;
    }
    s->ops[c->n].p = enc;
    s->ops[c->n].len = (uint32_t)len;
    c->n++;
    c->bytes += len;
    return 0;
}

/* Reads the next batch of own ops from the store and queues its PUSH. */
static int queue_push(hh_sess *s)
{
    batch_ctx c = {s, 0, 0, s->last_seq - s->next_push_seq + 1, 0};
    store_txn *t;
    proto_msg m;
    int rc;

    rc = store_read_begin(hh_store(s->h), &t);
    if (rc)
        return store_failed(s, rc, "reading own ops");
    rc = store_ops_each_device(t, s->device_id, s->next_push_seq, batch_cb, &c);
    if (rc == RND_ETOOBIG) {
        store_read_end(t);
        return hh__sess_fail(
            s, rc,
            "sync: own op seq %llu is %zu bytes, more than the "
            "server's frame limit of %u bytes",
            (unsigned long long)s->next_push_seq, c.too_big, s->max_frame);
    }
    if (rc) {
        store_read_end(t);
        return store_failed(s, rc, "reading own ops");
    }
    if (c.n == 0) {
        store_read_end(t);
        return hh__sess_fail(s, RND_ECORRUPT,
                             "sync: own op seq %llu is missing from the store",
                             (unsigned long long)s->next_push_seq);
    }
    memset(&m, 0, sizeof m);
    m.type = PROTO_MSG_PUSH;
    m.u.push.batch = s->next_batch;
    m.u.push.nops = c.n;
    m.u.push.ops = s->ops;
    rc = queue(s, &m); /* copies the ops out of the map */
    store_read_end(t);
    if (rc)
        return rc;

    uint32_t slot = (s->ring_head + s->inflight) % HH_SESS_WINDOW_MAX;
    s->ring[slot].batch = s->next_batch;
    s->ring[slot].last_seq = s->next_push_seq + c.n - 1;
    s->ring[slot].nops = c.n;
    s->inflight++;
    s->next_batch++;
    s->next_push_seq += c.n;
    return 0;
}

int hh__sess_pull(hh_sess *s)
{
    proto_msg m;
    memset(&m, 0, sizeof m);
    s->state = HH_SESS_PULL;
    m.type = PROTO_MSG_PULL;
    m.u.pull.cursor = s->cursor;
    return queue(s, &m);
}

/* Queues the next frame when the previous one is out and the protocol
 * allows one now. */
static int pump(hh_sess *s)
{
    proto_msg m;
    int rc;

    if (s->out_off < s->out_len)
        return 0;
    s->out_off = s->out_len = 0;
    memset(&m, 0, sizeof m);
    switch (s->state) {
    case HH_SESS_PUSH:
        if (s->next_push_seq <= s->last_seq) {
            if (s->inflight < s->window)
                return queue_push(s);
            return 0;
        }
        if (s->inflight > 0)
            return 0;
        /* Everything pushed is durable on the server, the attach ops
         * included: the photos they name go up now (sync_att.c), before
         * the pull, so they are durable on the server as early as they
         * can be: a pull of other handhelds' ops (a shift change's
         * thousands) neither delays them nor, when cut, loses them. */
        if (s->att == NULL) {
            if ((rc = hh__att_up(s)) != 0)
                return rc;
            if (s->state == HH_SESS_ATT)
                return hh__att_pump(s);
        }
        return hh__sess_pull(s);
    case HH_SESS_RECOVER:
        if (s->own_asked)
            return 0;
        s->own_asked = 1;
        m.type = PROTO_MSG_PULL_OWN;
        m.u.pull_own.from_seq = s->own_next;
        return queue(s, &m);
    case HH_SESS_ATT:
        rc = hh__att_pump(s);
        if (rc || s->state != HH_SESS_BYE || s->out_len > 0)
            return rc;
        /* Nothing more to do with attachments: BYE. */
        __attribute__((fallthrough));
    case HH_SESS_BYE:
        if (s->bye_queued)
            return 0;
        s->bye_queued = 1;
        m.type = PROTO_MSG_BYE;
        /* Informational, in the server's order: ops pushed, ops pulled. */
        m.u.bye.ops_in = s->pushed;
        m.u.bye.ops_out = s->received;
        return queue(s, &m);
    default:
        return 0;
    }
}

int hh_sess_output(hh_sess *s, const uint8_t **p, size_t *len)
{
    int rc;

    *p = NULL;
    *len = 0;
    if (s->state == HH_SESS_FAILED)
        return s->failed;
    rc = pump(s);
    if (rc)
        return rc;
    *p = s->out + s->out_off;
    *len = s->out_len - s->out_off;
    return 0;
}

void hh_sess_sent(hh_sess *s, size_t n)
{
    if (n > s->out_len - s->out_off)
        n = s->out_len - s->out_off;
    s->out_off += n;
}

/* ---- receiving -----------------------------------------------------------
 */

typedef struct welcome_ctx {
    uint64_t incarnation; /* to store, with the cursor reset; 0 = keep */
    const uint8_t *cert;  /* cert_next to store (NUL added); NULL = keep */
    size_t cert_len;
    /* The server's limits on attachments (version 4), when they changed:
     * hh_attach checks them before a sync would refuse. */
    int att;
    uint64_t att_max, att_quota;
} welcome_ctx;

static int welcome_fn(store_txn *t, void *arg)
{
    welcome_ctx *c = arg;
    int rc = 0;
    if (c->att &&
        ((rc = store_meta_put_u64(t, HH_META_ATT_MAX, c->att_max)) ||
         (rc = store_meta_put_u64(t, HH_META_ATT_QUOTA, c->att_quota))))
        return rc;
    /* Another incarnation: the server's store was restored from a backup
     * and may lack attachments it acknowledged since; offer them all
     * again (the server answers HAVE for those it holds). */
    if (c->incarnation &&
        ((rc = store_meta_put_u64(t, "server_incarnation", c->incarnation)) ||
         (rc = store_meta_put_u64(t, "server_cursor", 0)) ||
         (rc = store_att_clear_flags(t, STORE_ATT_SENT))))
        return rc;
    if (c->cert) {
        /* Kept like server_cert: the PEM and its terminating NUL (the
         * parser wants it); empty = none. */
        uint8_t *buf = malloc(c->cert_len + 1);
        if (buf == NULL)
            return RND_ENOMEM;
        memcpy(buf, c->cert, c->cert_len);
        buf[c->cert_len] = '\0';
        rc = store_meta_put(t, "server_cert_next", buf,
                            c->cert_len ? c->cert_len + 1 : 0);
        free(buf);
    }
    return rc;
}

/* What WELCOME says about the server's store and certificate, kept with
 * the cursor: another incarnation of the site store (restored from a
 * backup) voids the pull cursor, since the restored log reuses arrival
 * positions for other ops; a staged next certificate is trusted from now
 * on beside the pinned one (sync.c), and forgotten when none is staged.
 * Written only when something changed (a no-op sync stays one read). */
static int welcome_meta(hh_sess *s, const proto_msg *m)
{
    welcome_ctx c = {0, NULL, 0, 0, 0, 0};
    const uint8_t *nc = m->u.welcome.cert_next.p;
    size_t nlen = m->u.welcome.cert_next.len;
    uint64_t inc = 0;
    const void *old;
    size_t old_len = 0;
    store_txn *t;
    int rc = store_read_begin(hh_store(s->h), &t);
    if (rc)
        return store_failed(s, rc, "reading the store");
    rc = store_meta_get_u64(t, "server_incarnation", &inc);
    if (rc == RND_ENOTFOUND)
        rc = 0, inc = 0;
    if (rc == 0 && m->u.welcome.incarnation != 0 &&
        inc != m->u.welcome.incarnation)
        c.incarnation = m->u.welcome.incarnation;
    if (rc == 0) {
        rc = store_meta_get(t, "server_cert_next", &old, &old_len);
        if (rc == RND_ENOTFOUND)
            rc = 0, old_len = 0;
        /* The stored value carries a NUL the wire's does not. */
        size_t have = old_len ? old_len - 1 : 0;
        if (rc == 0 && (have != nlen || (nlen && memcmp(old, nc, nlen) != 0)))
            c.cert = nc ? nc : (const uint8_t *)"", c.cert_len = nlen;
    }
    if (rc == 0 && m->u.welcome.att_max && m->u.welcome.att_quota) {
        uint64_t mx = 0, qu = 0;
        if (store_meta_get_u64(t, HH_META_ATT_MAX, &mx) != 0 ||
            store_meta_get_u64(t, HH_META_ATT_QUOTA, &qu) != 0 ||
            mx != m->u.welcome.att_max || qu != m->u.welcome.att_quota) {
            c.att = 1;
            c.att_max = m->u.welcome.att_max;
            c.att_quota = m->u.welcome.att_quota;
        }
    }
    store_read_end(t);
    if (rc)
        return store_failed(s, rc, "reading the server's incarnation");
    if (c.incarnation == 0 && c.cert == NULL && !c.att)
        return 0;
    rc = store_write(hh_store(s->h), welcome_fn, &c);
    if (rc)
        return store_failed(s, rc, "recording the server's incarnation");
    if (c.incarnation) {
        s->cursor_reset = s->cursor != 0;
        s->cursor = 0;
        s->held_cursor = 0;
    }
    s->cert_next_learned = c.cert != NULL && nlen > 0;
    return 0;
}

/* 1 when the store's own op seq hashes to something else than hash, 0
 * when it is the same; on a storage error the session fails: -1. */
static int own_op_differs(hh_sess *s, uint64_t seq, const uint8_t *hash)
{
    uint8_t mine[PROTO_HASH_LEN];
    const uint8_t *enc;
    size_t len;
    store_txn *t;
    int rc = store_read_begin(hh_store(s->h), &t);
    if (rc == 0) {
        rc = store_op_get(t, s->device_id, seq, &enc, &len, NULL);
        if (rc == 0)
            proto_op_hash(enc, len, mine);
        store_read_end(t);
    }
    if (rc) {
        store_failed(s, rc, "reading own ops");
        return -1;
    }
    return memcmp(mine, hash, PROTO_HASH_LEN) != 0;
}

static void start_push(hh_sess *s)
{
    s->next_push_seq = s->have_seq + 1;
    s->state = HH_SESS_PUSH;
    progress(s, "push", 0, s->last_seq - s->have_seq);
}

static int on_welcome(hh_sess *s, const proto_msg *m)
{
    uint32_t max_frame = m->u.welcome.max_frame;
    uint8_t *out;

    if (m->u.welcome.version != PROTO_VERSION)
        return hh__sess_fail(
            s, RND_EVERSION,
            "sync: the server speaks protocol version %u, this "
            "handheld %u",
            m->u.welcome.version, PROTO_VERSION);
    if (m->u.welcome.window == 0 || max_frame < 1024)
        return hh__sess_fail(s, RND_EPROTO,
                             "sync: WELCOME with window %u and max_frame %u",
                             m->u.welcome.window, max_frame);
    if (welcome_meta(s, m) != 0)
        return s->failed;
    /* Before the pull: its stamps are bounded by the corrected clock. */
    int crc = hh__clock_offset_note(s->h, m->u.welcome.server_ms);
    if (crc)
        return store_failed(s, crc, "recording the clock offset");
    if (max_frame > HH_SESS_FRAME_CAP)
        max_frame = HH_SESS_FRAME_CAP;
    /* The HELLO (with the credential) went out before the server could
     * answer it: wipe it now, before realloc may leave a copy behind. */
    if (s->out_off == s->out_len)
        memset(s->out, 0, s->out_cap < HELLO_CAP ? s->out_cap : HELLO_CAP);
    out = realloc(s->out, (size_t)max_frame + PROTO_FRAME_HEADER);
    if (out == NULL)
        return hh__sess_fail(s, RND_ENOMEM, "sync: out of memory");
    s->out = out;
    s->out_cap = (size_t)max_frame + PROTO_FRAME_HEADER;
    s->max_frame = max_frame;
    s->window = m->u.welcome.window < HH_SESS_WINDOW_MAX ? m->u.welcome.window
                                                         : HH_SESS_WINDOW_MAX;
    s->have_seq = m->u.welcome.have_seq;
    s->acked_seq = s->have_seq;
    /* Attachments' chunks: the server's size, within both frame limits. */
    s->att_chunk = m->u.welcome.att_chunk;
    if (s->att_chunk == 0 || s->att_chunk > PROTO_ATT_CHUNK_MAX)
        s->att_chunk = PROTO_ATT_CHUNK_DEFAULT;
    if (s->att_chunk > max_frame - 256)
        s->att_chunk = max_frame - 256;
    s->server_ms = m->u.welcome.server_ms;
    /* The server holds ops of this device this store lacks, or holds its
     * op have_seq with other bytes: this store was restored from an older
     * copy (or copied) and its ops after the copy's last sync have seqs
     * the server holds. Take the server's ops back from the copy's last
     * acknowledged seq on (docs/PROTOCOL.md, "Recovery of a restored
     * handheld") before pushing anything. */
    int forked = 0;
    if (s->have_seq > s->last_seq)
        forked = 1;
    else if (s->have_seq > 0 && m->u.welcome.have_hash.len == PROTO_HASH_LEN &&
             (forked =
                  own_op_differs(s, s->have_seq, m->u.welcome.have_hash.p)) < 0)
        return s->failed;
    if (forked) {
        uint64_t from = s->stored_acked < s->have_seq ? s->stored_acked : 0;
        if (from > s->last_seq)
            from = s->last_seq;
        s->own_next = from + 1;
        s->state = HH_SESS_RECOVER;
        progress(s, "recover", 0, s->have_seq - from);
        return 0;
    }
    start_push(s);
    return 0;
}

static int on_push_ack(hh_sess *s, const proto_msg *m)
{
    uint32_t head = s->ring_head;
    uint64_t acked = m->u.push_ack.acked_seq;

    if (s->inflight == 0)
        return hh__sess_fail(
            s, RND_EPROTO,
            "sync: PUSH_ACK for batch %u but no batch is unacked",
            m->u.push_ack.batch);
    if (m->u.push_ack.batch != s->ring[head].batch)
        return hh__sess_fail(s, RND_EPROTO,
                             "sync: PUSH_ACK for batch %u, expected batch %u",
                             m->u.push_ack.batch, s->ring[head].batch);
    if (acked < s->ring[head].last_seq || acked > s->last_seq)
        return hh__sess_fail(
            s, RND_EPROTO,
            "sync: PUSH_ACK of batch %u says seq %llu is durable; "
            "the batch ended at seq %llu",
            m->u.push_ack.batch, (unsigned long long)acked,
            (unsigned long long)s->ring[head].last_seq);
    s->acked_seq = acked;
    s->pushed += s->ring[head].nops;
    s->ring_head = (head + 1) % HH_SESS_WINDOW_MAX;
    s->inflight--;
    progress(s, "push", s->pushed, s->last_seq - s->have_seq);
    return 0;
}

typedef struct ingest_ctx {
    const hh_sess *s;
    int64_t recv_ms;
    uint64_t added;
    uint32_t bad_op; /* the op that did not decode, when bad_decode */
    int bad_decode;
    uint64_t bad_seq; /* an op of ours we never wrote: its seq */
} ingest_ctx;

/* The held OPS frames and the last one's cursor, in one transaction
 * (replayable). Each op is decoded once, here: checked, then stored from
 * its decoding. The server must not hand this device ops under its own id
 * that it never wrote: storing them would make the next local op reuse a
 * seq (its own ops already held are harmless: ingest skips them). A
 * refused op aborts the whole transaction, so nothing held is stored. */
static int ingest_fn(store_txn *t, void *arg)
{
    static _Thread_local proto_op op;
    ingest_ctx *c = arg;
    const hh_sess *s = c->s;
    const uint8_t *p = s->held;
    int added, rc;

    c->added = 0;
    c->bad_seq = 0;
    c->bad_decode = 0;
    for (uint32_t i = 0; i < s->held_nops; p += s->held_lens[i], i++) {
        size_t len = s->held_lens[i];
        rc = proto_op_decode(p, len, &op);
        if (rc) {
            c->bad_op = i;
            c->bad_decode = 1;
            return rc;
        }
        if (op.device_id == s->device_id && op.seq > s->last_seq) {
            c->bad_seq = op.seq;
            return RND_EPROTO;
        }
        rc = store_ingest_op(t, &op, p, len, c->recv_ms, &added);
        if (rc)
            return rc;
        c->added += (uint64_t)added;
    }
    return store_meta_put_u64(t, "server_cursor", s->held_cursor);
}

int hh_sess_holding(const hh_sess *s)
{
    return s->held_nops > 0 || s->held_cursor != s->cursor;
}

int hh_sess_flush(hh_sess *s)
{
    ingest_ctx c = {.s = s, .recv_ms = hh__now_ms(s->h)};
    uint32_t nops = s->held_nops;
    int rc;

    if (s->held_own) {
        s->held_own = 0;
        s->held_len = 0;
        s->held_nops = 0;
    }
    if (!hh_sess_holding(s))
        return 0;
    rc = store_write(hh_store(s->h), ingest_fn, &c);
    s->held_len = 0;
    s->held_nops = 0;
    if (rc) {
        s->held_cursor = s->cursor;
        if (rc == RND_EPROTO && c.bad_seq != 0)
            return hh__sess_fail(s, RND_EPROTO,
                                 "sync: the server sent seq %llu under this "
                                 "device's id, which this store never wrote",
                                 (unsigned long long)c.bad_seq);
        if (c.bad_decode)
            return hh__sess_fail(s, rc, "sync: pulled op %u of %u: %s",
                                 c.bad_op + 1, nops, rnd_strerror(rc));
        return store_failed(s, rc, "storing pulled ops");
    }
    s->cursor = s->held_cursor;
    s->pulled += c.added;
    s->kept += nops;
    return 0;
}

/* Grows the held buffers for a frame of nops ops and bytes more bytes. */
static int hold_room(hh_sess *s, uint32_t nops, size_t bytes)
{
    if (s->held_len + bytes > s->held_cap) {
        size_t cap = s->held_cap ? s->held_cap : (size_t)1 << 20;
        while (cap < s->held_len + bytes)
            cap *= 2;
        uint8_t *p = realloc(s->held, cap);
        if (p == NULL)
            return RND_ENOMEM;
        s->held = p;
        s->held_cap = cap;
    }
    if (s->held_nops + nops > s->held_lens_cap) {
        uint32_t cap = s->held_lens_cap ? s->held_lens_cap : 8192;
        while (cap < s->held_nops + nops)
            cap *= 2;
        uint32_t *l = realloc(s->held_lens, cap * sizeof *l);
        if (l == NULL)
            return RND_ENOMEM;
        s->held_lens = l;
        s->held_lens_cap = cap;
    }
    return 0;
}

/* An OPS frame: its ops are copied out of the receive buffer and held;
 * what is held is stored (hh_sess_flush) once it reaches HH_SESS_PULL_OPS
 * ops or would pass HH_SESS_PULL_BYTES, and at the last frame. The server
 * streams OPS without waiting for the handheld (docs/PROTOCOL.md), so
 * holding frames cannot stall the session. Progress is reported per frame,
 * as ops arrive. */
static int on_ops(hh_sess *s, const proto_msg *m)
{
    uint32_t n = m->u.ops.nops;
    size_t bytes = 0;
    int rc;

    for (uint32_t i = 0; i < n; i++)
        bytes += m->u.ops.ops[i].len;
    if (s->held_nops > 0 && s->held_len + bytes > HH_SESS_PULL_BYTES &&
        hh_sess_flush(s) != 0)
        return s->failed;
    if (hold_room(s, n, bytes) != 0)
        return hh__sess_fail(s, RND_ENOMEM, "sync: out of memory");
    for (uint32_t i = 0; i < n; i++) {
        const proto_bytes *o = &m->u.ops.ops[i];
        memcpy(s->held + s->held_len, o->p, o->len);
        s->held_len += o->len;
        s->held_lens[s->held_nops++] = o->len;
    }
    s->held_cursor = m->u.ops.next_cursor;
    s->received += n;
    progress(s, "pull", s->received, 0);
    if (s->held_nops >= HH_SESS_PULL_OPS || s->held_len >= HH_SESS_PULL_BYTES ||
        !m->u.ops.more) {
        rc = hh_sess_flush(s);
        if (rc)
            return rc;
    }
    if (!m->u.ops.more)
        return hh__att_begin(s); /* then BYE */
    return 0;
}

/* ---- recovery of a restored store ---------------------------------------
 */

typedef struct rebase_ctx {
    hh_sess *s;
    uint64_t server_last; /* the server's highest seq of this device */
    int64_t now;
    uint64_t renumbered;
} rebase_ctx;

/* Replayable: store_own_rebase reads everything from the transaction. */
static int rebase_fn(store_txn *t, void *arg)
{
    rebase_ctx *c = arg;
    hh_sess *s = c->s;
    int rc = store_own_rebase(t, s->diverge_seq, s->held, s->held_lens,
                              s->held_nops, c->now, &c->renumbered);
    if (rc == 0)
        rc = store_meta_put_u64(t, "acked_seq", c->server_last);
    return rc;
}

/* The last own op came back: when one differed from the store's (or the
 * server holds more than the store), the server's take their seqs and the
 * local ops from there on are renumbered after them, in one transaction;
 * then the session pushes those. */
static int finish_recover(hh_sess *s)
{
    uint64_t server_last = s->own_next - 1;
    rebase_ctx c = {s, server_last, hh__now_ms(s->h), 0};
    int rc;

    if (server_last < s->have_seq)
        return hh__sess_fail(
            s, RND_EPROTO,
            "sync: the server said it holds this device's ops up "
            "to seq %llu but sent them back only up to %llu",
            (unsigned long long)s->have_seq, (unsigned long long)server_last);
    if (s->diverge_seq != 0) {
        rc = store_write(hh_store(s->h), rebase_fn, &c);
        s->held_own = 0;
        s->held_len = 0;
        s->held_nops = 0;
        if (rc == RND_ECHAIN)
            return hh__sess_fail(
                s, rc,
                "sync: the ops of this device the server sent back "
                "from seq %llu do not continue this store's chain: "
                "nothing was changed; tell the office",
                (unsigned long long)s->diverge_seq);
        if (rc)
            return store_failed(s, rc, "taking back this device's ops");
        s->recovered = server_last - s->diverge_seq + 1;
        s->renumbered = c.renumbered;
        s->last_seq = server_last + c.renumbered;
    }
    s->have_seq = server_last;
    s->acked_seq = server_last;
    start_push(s);
    return 0;
}

/* An OPS frame of this device's own ops (PULL_OWN), in seq order. Ops
 * equal to the store's are skipped; from the first that differs, or that
 * the store lacks, each is held for finish_recover. */
static int on_own_ops(hh_sess *s, const proto_msg *m)
{
    static _Thread_local proto_op op;
    uint32_t n = m->u.ops.nops;
    store_txn *t;
    int rc = store_read_begin(hh_store(s->h), &t);

    if (rc)
        return store_failed(s, rc, "reading own ops");
    for (uint32_t i = 0; i < n; i++) {
        const proto_bytes *o = &m->u.ops.ops[i];
        const uint8_t *mine;
        size_t mine_len;

        rc = proto_op_decode(o->p, o->len, &op);
        if (rc) {
            store_read_end(t);
            return hh__sess_fail(s, rc, "sync: own op %u sent back: %s", i + 1,
                                 rnd_strerror(rc));
        }
        if (op.device_id != s->device_id || op.seq != s->own_next) {
            store_read_end(t);
            return hh__sess_fail(
                s, RND_EPROTO,
                "sync: the server sent back seq %llu of device "
                "%016llx; expected seq %llu of this device",
                (unsigned long long)op.seq, (unsigned long long)op.device_id,
                (unsigned long long)s->own_next);
        }
        if (s->diverge_seq == 0 && op.seq <= s->last_seq) {
            rc = store_op_get(t, s->device_id, op.seq, &mine, &mine_len, NULL);
            if (rc) {
                store_read_end(t);
                return store_failed(s, rc, "reading own ops");
            }
            if (mine_len != o->len || memcmp(mine, o->p, o->len) != 0)
                s->diverge_seq = op.seq;
        } else if (s->diverge_seq == 0) {
            s->diverge_seq = op.seq;
        }
        s->own_next++;
        if (s->diverge_seq == 0)
            continue;
        if (hold_room(s, 1, o->len) != 0) {
            store_read_end(t);
            return hh__sess_fail(s, RND_ENOMEM, "sync: out of memory");
        }
        memcpy(s->held + s->held_len, o->p, o->len);
        s->held_len += o->len;
        s->held_lens[s->held_nops++] = o->len;
        s->held_own = 1;
    }
    store_read_end(t);
    progress(s, "recover", s->own_next - 1 - s->stored_acked, 0);
    if (!m->u.ops.more)
        return finish_recover(s);
    return 0;
}

typedef struct finish_ctx {
    hh_sess *s;
    uint64_t acked_seq;
    int64_t now;
    const uint8_t *tls_session;
    size_t tls_session_len;
} finish_ctx;

static int finish_fn(store_txn *t, void *arg)
{
    finish_ctx *c = arg;
    int rc = store_meta_put_u64(t, "acked_seq", c->acked_seq);
    if (rc == 0)
        rc = store_meta_put_u64(t, "last_sync_ms", (uint64_t)c->now);
    if (rc == 0 && c->tls_session)
        rc = store_meta_put(t, "tls_session", c->tls_session,
                            c->tls_session_len);
    if (rc == 0)
        rc = hh__att_finish(c->s, t);
    return rc;
}

static int on_bye(hh_sess *s, const proto_msg *m)
{
    finish_ctx c = {s, s->acked_seq, hh__now_ms(s->h), s->tls_session,
                    s->tls_session_len};
    int rc = store_write(hh_store(s->h), finish_fn, &c);
    if (rc)
        return store_failed(s, rc, "recording the sync");
    s->tls_session_kept = s->tls_session != NULL;
    s->state = HH_SESS_DONE;
    return 0;
}

static int on_error(hh_sess *s, const proto_msg *m)
{
    const proto_bytes *name = &m->u.error.name, *msg = &m->u.error.message;
    int code = hh_sess_error_code((const char *)name->p, name->len);

    snprintf(s->server_error, sizeof s->server_error, "%.*s: %.*s",
             (int)name->len, (const char *)name->p, (int)msg->len,
             (const char *)msg->p);
    if (code == 0 || code == RND_EAGAIN)
        code = RND_EPROTO;
    if (code == RND_EFORK)
        return hh__sess_fail(
            s, code,
            "server refused: %s. Run 'rounds sync' again: this "
            "handheld then takes back what the server holds of it "
            "and renumbers its unsynced records after them (nothing "
            "is lost). If it happens again, two handhelds write as "
            "this one (a copied store): use only one and tell the "
            "office",
            s->server_error);
    return hh__sess_fail(s, code, "server refused: %s", s->server_error);
}

/* The server holds this device's credential but no longer its site: it
 * names the node that does (docs/PROTOCOL.md, "REDIRECT"). Kept for
 * sync.c, which checks the certificate, stores the node and goes there;
 * nothing is written here. */
static int on_redirect(hh_sess *s, const proto_msg *m)
{
    if (proto_redirect_check(m) != 0)
        return hh__sess_fail(s, RND_EPROTO,
                             "sync: the server's REDIRECT names no valid "
                             "node, address or certificate");
    uint8_t *pem = malloc((size_t)m->u.redirect.cert.len + 1);
    if (pem == NULL)
        return hh__sess_fail(s, RND_ENOMEM, "sync: out of memory");
    memcpy(pem, m->u.redirect.cert.p, m->u.redirect.cert.len);
    pem[m->u.redirect.cert.len] = '\0';
    free(s->redirect_cert);
    s->redirect_cert = pem;
    s->redirect_cert_len = m->u.redirect.cert.len;
    snprintf(s->redirect_node, sizeof s->redirect_node, "%.*s",
             (int)m->u.redirect.node.len, (const char *)m->u.redirect.node.p);
    snprintf(s->redirect_addr, sizeof s->redirect_addr, "%.*s",
             (int)m->u.redirect.addr.len, (const char *)m->u.redirect.addr.p);
    s->redirect_epoch = m->u.redirect.epoch;
    s->redirected = 1;
    s->state = HH_SESS_DONE;
    return 0;
}

static int on_frame(hh_sess *s, const uint8_t *body, size_t len)
{
    proto_msg m;
    int rc = proto_msg_decode(body, len, &m, s->ops, PROTO_BATCH_MAX_OPS);
    if (rc)
        return hh__sess_fail(
            s, rc, "sync: bad frame from the server (%s, %s): %s",
            state_name(s->state), rnd_errname(rc), rnd_strerror(rc));
    if (m.type == PROTO_MSG_ERROR)
        return on_error(s, &m);
    switch (s->state) {
    case HH_SESS_HELLO:
        if (m.type == PROTO_MSG_WELCOME)
            return on_welcome(s, &m);
        if (m.type == PROTO_MSG_REDIRECT)
            return on_redirect(s, &m);
        break;
    case HH_SESS_RECOVER:
        if (m.type == PROTO_MSG_OPS && s->own_asked)
            return on_own_ops(s, &m);
        break;
    case HH_SESS_PUSH:
        if (m.type == PROTO_MSG_PUSH_ACK)
            return on_push_ack(s, &m);
        break;
    case HH_SESS_PULL:
        if (m.type == PROTO_MSG_OPS)
            return on_ops(s, &m);
        break;
    case HH_SESS_ATT:
        if (m.type == PROTO_MSG_ATT_STATE || m.type == PROTO_MSG_ATT_DONE ||
            m.type == PROTO_MSG_ATT_CHUNK)
            return hh__att_frame(s, &m);
        break;
    case HH_SESS_BYE:
        if (m.type == PROTO_MSG_BYE && s->bye_queued)
            return on_bye(s, &m);
        break;
    default:
        break;
    }
    return hh__sess_fail(s, RND_EPROTO,
                         "sync: unexpected %s from the server while %s",
                         msg_name(m.type), state_name(s->state));
}

int hh_sess_recv(hh_sess *s, const uint8_t *buf, size_t len, size_t *consumed)
{
    const uint8_t *body;
    size_t body_len, used;
    int rc;

    *consumed = 0;
    if (s->state == HH_SESS_FAILED)
        return s->failed;
    while (s->state != HH_SESS_DONE) {
        rc = proto_frame_next(buf + *consumed, len - *consumed, s->max_frame,
                              &body, &body_len, &used);
        if (rc == RND_EAGAIN)
            return 0;
        if (rc == RND_ETOOBIG)
            return hh__sess_fail(
                s, rc,
                "sync: the server sent a frame over the %u-byte "
                "limit",
                s->max_frame);
        if (rc)
            return hh__sess_fail(s, rc,
                                 "sync: bad frame header from the server: %s",
                                 rnd_strerror(rc));
        *consumed += used;
        rc = on_frame(s, body, body_len);
        if (rc)
            return rc;
    }
    return 0;
}
