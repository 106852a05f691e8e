/* test_sync_session.c: the handheld's sync client state machine driven in
 * memory against scripted server frames (no sockets): HELLO, resuming the
 * push after WELCOME's have_seq, batches within max_frame and the window,
 * PUSH_ACK checks, PULL with the saved cursor, OPS ingested with their
 * cursor in one transaction (checked by reopening the store), the final
 * BYE, ERROR mapping and unexpected messages; plus hh_enroll's validation,
 * hh_digest, and hh_sync's network failures (refused, timeout). */
#include "sesstest.h"

/* ---- tests -------------------------------------------------------------- */

typedef struct prog {
    uint64_t push_done, push_total, pull_done;
    int push_calls, pull_calls;
} prog;

static void on_progress(const char *phase, uint64_t done, uint64_t total,
                        void *ctx)
{
    prog *p = ctx;
    if (strcmp(phase, "push") == 0) {
        ASSERT_GE(done, p->push_done);
        p->push_done = done;
        p->push_total = total;
        p->push_calls++;
    } else {
        ASSERT_STR_EQ(phase, "pull");
        ASSERT_GE(done, p->pull_done);
        p->pull_done = done;
        p->pull_calls++;
    }
}

/* WELCOME says the server holds up to seq 20 of 60: only 21..60 are pushed,
 * in order, in frames under max_frame, never more than `window` batches
 * unacked; then PULL carries the saved cursor. */
static void test_push_window(void)
{
    hh_sess s;
    proto_msg m;
    prog pr = {0};
    const uint32_t max_frame = 1200, window = 2;
    uint32_t sent_batches = 0, acked_batches = 0;
    uint64_t next_seq = 21, batch_last[64], dev;

    setup(60);
    meta_put_u64("server_cursor", 77);
    ASSERT_OK(hh_sess_init(&s, h));
    s.progress = on_progress;
    s.progress_ctx = &pr;
    expect_hello(&s);
    ASSERT_OK(feed_welcome(&s, 20, max_frame, window));
    ASSERT_EQ(s.state, HH_SESS_PUSH);

    for (;;) {
        int got = take(&s, &m);
        if (got && m.type == PROTO_MSG_PULL) {
            ASSERT_U64_EQ(m.u.pull.cursor, 77);
            break;
        }
        if (got) {
            ASSERT_EQ(m.type, PROTO_MSG_PUSH);
            ASSERT_EQ(m.u.push.batch, sent_batches);
            ASSERT_LE(out_frame_len, max_frame + PROTO_FRAME_HEADER);
            ASSERT_GT(m.u.push.nops, 1); /* batched, not one per frame */
            for (uint32_t i = 0; i < m.u.push.nops; i++) {
                ASSERT_U64_EQ(op_seq(&m.u.push.ops[i], &dev), next_seq);
                ASSERT_U64_EQ(dev, device_id());
                next_seq++;
            }
            batch_last[sent_batches++] = next_seq - 1;
            ASSERT_LE(sent_batches - acked_batches, window);
            continue;
        }
        /* Window full (or all sent): the server acks the oldest batch. */
        ASSERT(sent_batches > acked_batches);
        if (next_seq <= 60)
            ASSERT_EQ(sent_batches - acked_batches, window);
        ASSERT_OK(feed_ack(&s, acked_batches, batch_last[acked_batches]));
        acked_batches++;
    }
    ASSERT_U64_EQ(next_seq, 61);
    ASSERT_EQ(acked_batches, sent_batches);
    ASSERT_U64_EQ(s.pushed, 40);
    ASSERT_U64_EQ(s.acked_seq, 60);
    ASSERT_U64_EQ(pr.push_done, 40);
    ASSERT_U64_EQ(pr.push_total, 40);
    ASSERT_EQ(pr.push_calls, (int)acked_batches + 1);
    ASSERT_EQ(s.state, HH_SESS_PULL);
    ASSERT(!take(&s, &m));

    /* An empty pull ends the session. */
    ASSERT_OK(feed_ops(&s, NULL, 0, 0, 77, 0));
    ASSERT(take(&s, &m));
    ASSERT_EQ(m.type, PROTO_MSG_BYE);
    ASSERT_U64_EQ(m.u.bye.ops_in, 40); /* pushed, then pulled */
    ASSERT_U64_EQ(m.u.bye.ops_out, 0);
    ASSERT(!hh_sess_done(&s));
    uint64_t v;
    ASSERT_ERR(meta_u64("acked_seq", &v), RND_ENOTFOUND);
    ASSERT_OK(feed_bye(&s));
    ASSERT(hh_sess_done(&s));
    ASSERT_OK(meta_u64("acked_seq", &v));
    ASSERT_U64_EQ(v, 60);
    ASSERT_OK(meta_u64("last_sync_ms", &v));
    ASSERT_U64_EQ(v, (uint64_t)fake_now);
    hh_status_info st;
    ASSERT_OK(hh_status(h, &st));
    ASSERT_U64_EQ(st.unsynced, 0);
    hh_sess_free(&s);
    teardown();
}

/* Nothing to push: PULL right after WELCOME, cursor 0 the first time. */
static void test_nothing_to_push(void)
{
    hh_sess s;
    proto_msg m;
    setup(3);
    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    ASSERT_OK(feed_welcome(&s, 3, PROTO_FRAME_MAX_DEFAULT, 8));
    ASSERT(take(&s, &m));
    ASSERT_EQ(m.type, PROTO_MSG_PULL);
    ASSERT_U64_EQ(m.u.pull.cursor, 0);
    ASSERT_U64_EQ(s.pushed, 0);
    ASSERT_U64_EQ(s.acked_seq, 3);
    hh_sess_free(&s);
    teardown();
}

/* OPS batches and their cursor land in one commit: a batch is held until
 * the transport ends the session early (hh_sess_flush, as hh_sync does on
 * a cut); then the reopened store holds exactly those ops and that cursor;
 * a re-run resumes the pull there, and ops sent again are not duplicated. */
static void test_pull_atomic(void)
{
    static foreign f;
    hh_sess s;
    proto_msg m;
    prog pr = {0};
    uint64_t v, base;

    setup(2);
    base = op_count();
    memset(&f, 0, sizeof f);
    make_foreign(&f, 0x1111222233334444ull, 1, 10);

    ASSERT_OK(hh_sess_init(&s, h));
    s.progress = on_progress;
    s.progress_ctx = &pr;
    expect_hello(&s);
    ASSERT_OK(feed_welcome(&s, 2, PROTO_FRAME_MAX_DEFAULT, 4));
    ASSERT(take(&s, &m));
    ASSERT_EQ(m.type, PROTO_MSG_PULL);
    ASSERT_OK(feed_ops(&s, &f, 0, 4, 4, 1));
    ASSERT_U64_EQ(s.pulled, 0); /* held, not stored yet */
    ASSERT(hh_sess_holding(&s));
    ASSERT_EQ(pr.pull_calls, 1); /* reported as it arrives */
    ASSERT_U64_EQ(pr.pull_done, 4);
    ASSERT(!take(&s, &m)); /* more = 1: nothing to say yet */
    /* The connection is cut here: the transport stores what is held. */
    ASSERT_OK(hh_sess_flush(&s));
    ASSERT(!hh_sess_holding(&s));
    ASSERT_U64_EQ(s.pulled, 4);
    ASSERT_U64_EQ(s.kept, 4);
    ASSERT_U64_EQ(s.cursor, 4);
    ASSERT_OK(hh_sess_flush(&s)); /* nothing held: nothing written */
    ASSERT_U64_EQ(s.pulled, 4);
    hh_sess_free(&s);
    reopen();
    ASSERT_OK(meta_u64("server_cursor", &v));
    ASSERT_U64_EQ(v, 4);
    ASSERT_U64_EQ(op_count(), base + 4);

    /* Run again: PULL from 4; the server re-sends op 4 and goes on. */
    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    ASSERT_OK(feed_welcome(&s, 2, PROTO_FRAME_MAX_DEFAULT, 4));
    ASSERT(take(&s, &m));
    ASSERT_EQ(m.type, PROTO_MSG_PULL);
    ASSERT_U64_EQ(m.u.pull.cursor, 4);
    ASSERT_OK(feed_ops(&s, &f, 3, 4, 7, 1));
    ASSERT_U64_EQ(s.pulled, 0); /* held */
    ASSERT_OK(feed_ops(&s, &f, 7, 3, 10, 0));
    ASSERT_U64_EQ(s.pulled, 6); /* op 4 was already stored */
    ASSERT_U64_EQ(s.cursor, 10);
    ASSERT(take(&s, &m));
    ASSERT_EQ(m.type, PROTO_MSG_BYE);
    ASSERT_OK(feed_bye(&s));
    ASSERT(hh_sess_done(&s));
    hh_sess_free(&s);
    reopen();
    ASSERT_U64_EQ(op_count(), base + 10);
    ASSERT_OK(meta_u64("server_cursor", &v));
    ASSERT_U64_EQ(v, 10);

    /* A server handing this device an op under its own id that the store
     * never wrote is refused, and nothing of that batch is stored. */
    static foreign mine;
    memset(&mine, 0, sizeof mine);
    make_foreign(&mine, device_id(), 3, 1);
    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    ASSERT_OK(feed_welcome(&s, 2, PROTO_FRAME_MAX_DEFAULT, 4));
    ASSERT(take(&s, &m));
    ASSERT_ERR(feed_ops(&s, &mine, 0, 1, 11, 0), RND_EPROTO);
    hh_sess_free(&s);
    ASSERT_U64_EQ(op_count(), base + 10);
    ASSERT_OK(meta_u64("server_cursor", &v));
    ASSERT_U64_EQ(v, 10);
    teardown();
}

/* Ops of about 2,000 bytes (a long duty-log text) for the byte limit. */
typedef struct bigops {
    uint8_t enc[8][2400];
    size_t len[8];
} bigops;

static void make_big(bigops *b, uint64_t dev)
{
    static proto_op op;
    static char text[2000];
    uint8_t prev[PROTO_HASH_LEN] = {0};
    memset(text, 'x', sizeof text);
    for (int i = 0; i < 8; i++) {
        proto_op_init(&op);
        op.device_id = dev;
        op.seq = 1 + (uint64_t)i;
        op.wall_ms = fake_now - 1000 + i;
        op.hlc = PROTO_HLC_MAKE(op.wall_ms, 0);
        op.kind = PROTO_KIND_DUTYLOG;
        op.action = PROTO_ACTION_CREATE;
        ASSERT_OK(proto_entity_new(op.entity, op.wall_ms));
        ASSERT_OK(proto_op_add_str(&op, "by", "office", 6));
        ASSERT_OK(proto_op_add_str(&op, "text", text, sizeof text));
        memcpy(op.prev_hash, prev, PROTO_HASH_LEN);
        ASSERT_OK(
            proto_op_encode(&op, b->enc[i], sizeof b->enc[i], &b->len[i]));
        proto_op_hash(b->enc[i], b->len[i], prev);
    }
}

/* An OPS frame of n ops cycling through the k encodings enc[i]/len[i]
 * (stride bytes apart): the same op sent again is stored once, which is
 * enough to count the ops and bytes held. */
static int feed_cycle(hh_sess *s, const uint8_t *enc, size_t stride,
                      const size_t *len, int k, uint32_t n, uint64_t next,
                      int more)
{
    static proto_bytes b[PROTO_BATCH_MAX_OPS];
    proto_msg m = {.type = PROTO_MSG_OPS};
    for (uint32_t i = 0; i < n; i++) {
        b[i].p = enc + (i % (uint32_t)k) * stride;
        b[i].len = (uint32_t)len[i % (uint32_t)k];
    }
    m.u.ops.nops = n;
    m.u.ops.ops = b;
    m.u.ops.next_cursor = next;
    m.u.ops.more = (uint8_t)more;
    return feed(s, &m);
}

static uint64_t stored_cursor(void)
{
    uint64_t v = 0;
    int rc = meta_u64("server_cursor", &v);
    if (rc == RND_ENOTFOUND)
        return 0;
    ASSERT_OK(rc);
    return v;
}

/* Several OPS frames are stored in one commit: nothing of them is in the
 * store (ops or cursor) until the last frame, HH_SESS_PULL_OPS ops or
 * HH_SESS_PULL_BYTES bytes; a session that ends without hh_sess_flush
 * (the process killed) loses only what it held, and a bad op refuses
 * everything held. */
static void test_pull_coalesced(void)
{
    static foreign f, mine;
    static bigops big;
    hh_sess s;
    proto_msg m;
    prog pr = {0};
    uint64_t base;

    setup(2);
    base = op_count();
    memset(&f, 0, sizeof f);
    make_foreign(&f, 0x5555666677778888ull, 1, 30);

    /* Three frames, then the last: one commit, at the last. */
    ASSERT_OK(hh_sess_init(&s, h));
    s.progress = on_progress;
    s.progress_ctx = &pr;
    expect_hello(&s);
    ASSERT_OK(feed_welcome(&s, 2, PROTO_FRAME_MAX_DEFAULT, 4));
    ASSERT(take(&s, &m));
    ASSERT_EQ(m.type, PROTO_MSG_PULL);
    ASSERT_OK(feed_ops(&s, &f, 0, 5, 5, 1));
    ASSERT_OK(feed_ops(&s, &f, 5, 5, 10, 1));
    ASSERT_OK(feed_ops(&s, &f, 10, 0, 12, 1)); /* only the cursor moves */
    ASSERT_EQ(pr.pull_calls, 3);
    ASSERT_U64_EQ(pr.pull_done, 10);
    ASSERT_U64_EQ(stored_cursor(), 0);
    ASSERT_U64_EQ(op_count(), base);
    ASSERT_U64_EQ(s.pulled, 0);
    ASSERT_U64_EQ(s.cursor, 0);
    ASSERT_OK(feed_ops(&s, &f, 10, 5, 15, 0));
    ASSERT_EQ(pr.pull_calls, 4);
    ASSERT_U64_EQ(pr.pull_done, 15);
    ASSERT_U64_EQ(s.pulled, 15);
    ASSERT_U64_EQ(s.cursor, 15);
    ASSERT_U64_EQ(stored_cursor(), 15);
    ASSERT_U64_EQ(op_count(), base + 15);
    ASSERT(take(&s, &m));
    ASSERT_EQ(m.type, PROTO_MSG_BYE);
    ASSERT_U64_EQ(m.u.bye.ops_out, 15);
    hh_sess_free(&s);

    /* Held frames of a session that just stops are not stored: the next
     * pull starts again at the stored cursor. */
    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    ASSERT_OK(feed_welcome(&s, 2, PROTO_FRAME_MAX_DEFAULT, 4));
    ASSERT(take(&s, &m));
    ASSERT_U64_EQ(m.u.pull.cursor, 15);
    ASSERT_OK(feed_ops(&s, &f, 15, 5, 20, 1));
    hh_sess_free(&s);
    reopen();
    ASSERT_U64_EQ(stored_cursor(), 15);
    ASSERT_U64_EQ(op_count(), base + 15);

    /* A bad op in a later frame refuses everything held, the good frame
     * before it too (ops are checked when stored); afterwards nothing is
     * held. */
    memset(&mine, 0, sizeof mine);
    make_foreign(&mine, device_id(), 3, 1); /* seq 3: never written */
    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    ASSERT_OK(feed_welcome(&s, 2, PROTO_FRAME_MAX_DEFAULT, 4));
    ASSERT(take(&s, &m));
    ASSERT_OK(feed_ops(&s, &f, 15, 5, 20, 1));
    ASSERT_OK(feed_ops(&s, &mine, 0, 1, 21, 1)); /* held: checked later */
    ASSERT_ERR(hh_sess_flush(&s), RND_EPROTO);   /* as after a cut */
    ASSERT(strstr(hh_last_error(h), "seq 3 under this device's id") != NULL);
    ASSERT(!hh_sess_holding(&s));
    ASSERT_OK(hh_sess_flush(&s));
    ASSERT_U64_EQ(s.received, 6);
    ASSERT_U64_EQ(s.kept, 0);
    hh_sess_free(&s);
    ASSERT_U64_EQ(stored_cursor(), 15);
    ASSERT_U64_EQ(op_count(), base + 15);

    /* HH_SESS_PULL_OPS ops held: stored without waiting for the last
     * frame, with the cursor of the frame that reached the limit. */
    ASSERT_EQ(HH_SESS_PULL_OPS % PROTO_BATCH_MAX_OPS, 0);
    uint32_t frames = HH_SESS_PULL_OPS / PROTO_BATCH_MAX_OPS;
    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    ASSERT_OK(feed_welcome(&s, 2, PROTO_FRAME_MAX_DEFAULT, 4));
    ASSERT(take(&s, &m));
    for (uint32_t i = 1; i <= frames; i++) {
        ASSERT_OK(feed_cycle(&s, f.enc[15], sizeof f.enc[0], &f.len[15], 15,
                             PROTO_BATCH_MAX_OPS, 100 + i, 1));
        ASSERT_U64_EQ(stored_cursor(), i < frames ? 15 : 100 + frames);
    }
    ASSERT(!hh_sess_holding(&s));
    ASSERT_U64_EQ(s.pulled, 15);
    ASSERT_U64_EQ(op_count(), base + 30);
    /* One frame more is held again, and stored by the flush of a cut. */
    ASSERT_OK(feed_ops(&s, &f, 0, 1, 200, 1));
    ASSERT_U64_EQ(stored_cursor(), 100 + frames);
    ASSERT_OK(hh_sess_flush(&s));
    ASSERT_U64_EQ(stored_cursor(), 200);
    hh_sess_free(&s);

    /* Big ops: the held frames are stored before one would take them
     * over HH_SESS_PULL_BYTES, so never more than that is held. */
    make_big(&big, 0x9999aaaabbbbccccull);
    uint32_t per = 480; /* ~1 MB frames */
    size_t frame_bytes = 0;
    for (uint32_t i = 0; i < per; i++)
        frame_bytes += big.len[i % 8];
    uint32_t fit = (uint32_t)(HH_SESS_PULL_BYTES / frame_bytes);
    ASSERT_LT(fit * per, HH_SESS_PULL_OPS); /* the bytes limit comes first */
    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    ASSERT_OK(feed_welcome(&s, 2, PROTO_FRAME_MAX_DEFAULT, 4));
    ASSERT(take(&s, &m));
    for (uint32_t i = 1; i <= fit + 1; i++) {
        ASSERT_OK(feed_cycle(&s, big.enc[0], sizeof big.enc[0], big.len, 8, per,
                             300 + i, 1));
        ASSERT_LE(s.held_len, HH_SESS_PULL_BYTES);
        /* frame fit + 1 would pass the limit: 1..fit are stored first */
        ASSERT_U64_EQ(stored_cursor(), i <= fit ? 200 : 300 + fit);
    }
    ASSERT_U64_EQ(s.held_nops, per);
    ASSERT_U64_EQ(s.pulled, 8);
    hh_sess_free(&s);
    teardown();
}

/* The server's ERROR comes back as its RND_E* code, with its text. */
static void test_error_mapping(void)
{
    static const struct {
        const char *name;
        int code;
    } cases[] = {
        {"EAUTH", RND_EAUTH},
        {"EREVOKED", RND_EREVOKED},
        {"EUNKNOWNDEV", RND_EUNKNOWNDEV},
        {"ESITE", RND_ESITE},
        {"EBUSY", RND_EBUSY},
        {"EVERSION", RND_EVERSION},
        {"ENOSUCHTHING", RND_EPROTO},
    };
    hh_sess s;
    proto_msg m;

    for (int code = RND_ERROR_BASE_ + 1; code < RND_ERROR_END_; code++) {
        const char *n = rnd_errname(code);
        ASSERT_EQ(hh_sess_error_code(n, strlen(n)), code);
    }
    ASSERT_EQ(hh_sess_error_code("EAUTHX", 6), 0);
    ASSERT_EQ(hh_sess_error_code("EAUTH", 4), 0);

    setup(1);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ASSERT_OK(hh_sess_init(&s, h));
        expect_hello(&s);
        ASSERT_ERR(feed_error(&s, cases[i].name, "no, thank you"),
                   cases[i].code);
        char want[160];
        snprintf(want, sizeof want, "%s: no, thank you", cases[i].name);
        ASSERT_STR_EQ(s.server_error, want);
        ASSERT(strstr(hh_last_error(h), want) != NULL);
        /* Failed for good. */
        ASSERT_ERR(hh_sess_output(&s, &(const uint8_t *){0}, &(size_t){0}),
                   cases[i].code);
        hh_sess_free(&s);
    }
    /* Mid-push, too. */
    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    ASSERT_OK(feed_welcome(&s, 0, PROTO_FRAME_MAX_DEFAULT, 4));
    ASSERT(take(&s, &m));
    ASSERT_EQ(m.type, PROTO_MSG_PUSH);
    ASSERT_ERR(feed_error(&s, "ECHAIN", "seq 1 does not link"), RND_ECHAIN);
    hh_sess_free(&s);
    teardown();
}

/* Messages the sequence does not allow are protocol violations. */
static void test_unexpected(void)
{
    hh_sess s;
    proto_msg m;
    setup(5);

    /* OPS before WELCOME. */
    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    ASSERT_ERR(feed_ops(&s, NULL, 0, 0, 1, 0), RND_EPROTO);
    ASSERT(strstr(hh_last_error(h), "unexpected OPS") != NULL);
    hh_sess_free(&s);

    /* A second WELCOME; a PUSH_ACK with no batch out; a wrong batch. */
    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    ASSERT_OK(feed_welcome(&s, 0, PROTO_FRAME_MAX_DEFAULT, 4));
    ASSERT_ERR(feed_welcome(&s, 0, PROTO_FRAME_MAX_DEFAULT, 4), RND_EPROTO);
    hh_sess_free(&s);

    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    ASSERT_OK(feed_welcome(&s, 0, PROTO_FRAME_MAX_DEFAULT, 4));
    ASSERT_ERR(feed_ack(&s, 0, 5), RND_EPROTO);
    hh_sess_free(&s);

    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    ASSERT_OK(feed_welcome(&s, 0, PROTO_FRAME_MAX_DEFAULT, 4));
    ASSERT(take(&s, &m));
    ASSERT_ERR(feed_ack(&s, 7, 5), RND_EPROTO);
    hh_sess_free(&s);

    /* An ack claiming less than the batch, or more than exists. */
    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    ASSERT_OK(feed_welcome(&s, 0, PROTO_FRAME_MAX_DEFAULT, 4));
    ASSERT(take(&s, &m));
    ASSERT_ERR(feed_ack(&s, 0, 4), RND_EPROTO);
    hh_sess_free(&s);
    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    ASSERT_OK(feed_welcome(&s, 0, PROTO_FRAME_MAX_DEFAULT, 4));
    ASSERT(take(&s, &m));
    ASSERT_ERR(feed_ack(&s, 0, 6), RND_EPROTO);
    hh_sess_free(&s);

    /* BYE before the pull is over. */
    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    ASSERT_OK(feed_welcome(&s, 5, PROTO_FRAME_MAX_DEFAULT, 4));
    ASSERT(take(&s, &m));
    ASSERT_ERR(feed_bye(&s), RND_EPROTO);
    hh_sess_free(&s);

    /* The server says it holds more of this device than the store (a
     * restored store): the session takes its own ops back before pushing
     * (test_e2e_restore.sh runs the whole recovery). */
    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    ASSERT_OK(feed_welcome(&s, 9, PROTO_FRAME_MAX_DEFAULT, 4));
    ASSERT_EQ(s.state, HH_SESS_RECOVER);
    ASSERT(take(&s, &m));
    ASSERT_EQ(m.type, PROTO_MSG_PULL_OWN);
    ASSERT_U64_EQ(m.u.pull_own.from_seq, 1);
    hh_sess_free(&s);

    /* REDIRECT (protocol 5) instead of WELCOME: the session ends with the
     * node kept for sync.c, nothing written; a REDIRECT with a bad address
     * fails the session; one after WELCOME is out of sequence. */
    {
        static const char pem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n"
                                  "-----END CERTIFICATE-----\n";
        uint64_t cur_before = 0;
        (void)meta_u64("server_cursor", &cur_before);
        ASSERT_OK(hh_sess_init(&s, h));
        expect_hello(&s);
        m = (proto_msg){.type = PROTO_MSG_REDIRECT};
        m.u.redirect.node = (proto_bytes){(const uint8_t *)"node-b", 6};
        m.u.redirect.addr = (proto_bytes){(const uint8_t *)"10.0.0.6:7443", 13};
        m.u.redirect.cert =
            (proto_bytes){(const uint8_t *)pem, (uint32_t)sizeof pem - 1};
        m.u.redirect.epoch = 2;
        ASSERT_OK(feed(&s, &m));
        ASSERT(hh_sess_done(&s));
        ASSERT_EQ(s.redirected, 1);
        ASSERT_STR_EQ(s.redirect_node, "node-b");
        ASSERT_STR_EQ(s.redirect_addr, "10.0.0.6:7443");
        ASSERT_EQ(s.redirect_cert_len, sizeof pem - 1);
        ASSERT_STR_EQ((const char *)s.redirect_cert, pem);
        ASSERT_U64_EQ(s.redirect_epoch, 2);
        hh_sess_free(&s);
        uint64_t cur_after = 0;
        (void)meta_u64("server_cursor", &cur_after);
        ASSERT_U64_EQ(cur_after, cur_before);

        ASSERT_OK(hh_sess_init(&s, h));
        expect_hello(&s);
        m.u.redirect.addr = (proto_bytes){(const uint8_t *)"nowhere", 7};
        ASSERT_ERR(feed(&s, &m), RND_EPROTO);
        ASSERT_EQ(s.redirected, 0);
        hh_sess_free(&s);

        ASSERT_OK(hh_sess_init(&s, h));
        expect_hello(&s);
        ASSERT_OK(feed_welcome(&s, 0, PROTO_FRAME_MAX_DEFAULT, 4));
        m.u.redirect.addr = (proto_bytes){(const uint8_t *)"10.0.0.6:7443", 13};
        ASSERT_ERR(feed(&s, &m), RND_EPROTO);
        hh_sess_free(&s);
    }

    /* Another protocol version; a window of 0. */
    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    m = (proto_msg){.type = PROTO_MSG_WELCOME};
    m.u.welcome.version = PROTO_VERSION + 1;
    m.u.welcome.max_frame = PROTO_FRAME_MAX_DEFAULT;
    m.u.welcome.window = 4;
    ASSERT_ERR(feed(&s, &m), RND_EVERSION);
    hh_sess_free(&s);
    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    ASSERT_ERR(feed_welcome(&s, 0, PROTO_FRAME_MAX_DEFAULT, 0), RND_EPROTO);
    hh_sess_free(&s);

    /* A frame announced over the limit is refused before it is buffered;
     * garbage is malformed. */
    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    uint8_t big[8] = {0x7f, 0xff, 0xff, 0xff, 0x00};
    size_t used;
    ASSERT_ERR(hh_sess_recv(&s, big, sizeof big, &used), RND_ETOOBIG);
    hh_sess_free(&s);
    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    uint8_t junk[8] = {0, 0, 0, 4, 0xc1, 0xc1, 0xc1, 0xc1};
    ASSERT(hh_sess_recv(&s, junk, sizeof junk, &used) < 0);
    hh_sess_free(&s);

    /* Partial frames wait for more bytes. */
    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    uint8_t wbuf[64];
    size_t wlen;
    m = (proto_msg){.type = PROTO_MSG_WELCOME};
    m.u.welcome.version = PROTO_VERSION;
    m.u.welcome.have_seq = 5;
    m.u.welcome.max_frame = PROTO_FRAME_MAX_DEFAULT;
    m.u.welcome.window = 4;
    ASSERT_OK(proto_msg_encode(&m, wbuf, sizeof wbuf, &wlen));
    ASSERT_OK(hh_sess_recv(&s, wbuf, wlen - 1, &used));
    ASSERT_EQ(used, 0);
    ASSERT_EQ(s.state, HH_SESS_HELLO);
    ASSERT_OK(hh_sess_recv(&s, wbuf, wlen, &used));
    ASSERT_EQ(used, wlen);
    ASSERT_EQ(s.state, HH_SESS_PUSH);
    hh_sess_free(&s);
    teardown();
}

/* A cut mid-push loses nothing: the next session resumes after the
 * server's have_seq, and the unacked batches are sent again. */
static void test_cut_and_resume(void)
{
    hh_sess s;
    proto_msg m;
    uint64_t dev, last = 0;
    setup(30);

    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    ASSERT_OK(feed_welcome(&s, 0, 1024, 3));
    ASSERT(take(&s, &m));
    last = op_seq(&m.u.push.ops[m.u.push.nops - 1], &dev);
    ASSERT(take(&s, &m)); /* second batch sent, never acked */
    ASSERT_OK(feed_ack(&s, 0, last));
    hh_sess_free(&s); /* cut */

    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    ASSERT_OK(feed_welcome(&s, last, 1024, 3));
    ASSERT(take(&s, &m));
    ASSERT_EQ(m.u.push.batch, 0);
    ASSERT_U64_EQ(op_seq(&m.u.push.ops[0], &dev), last + 1);
    hh_sess_free(&s);

    /* An own op larger than the server's frame limit cannot be pushed. */
    ASSERT_OK(hh_sess_init(&s, h));
    expect_hello(&s);
    ASSERT_OK(feed_welcome(&s, 0, 1024, 3));
    s.max_frame = 64; /* as if the server had allowed only 64 bytes */
    const uint8_t *p;
    size_t len;
    ASSERT_ERR(hh_sess_output(&s, &p, &len), RND_ETOOBIG);
    hh_sess_free(&s);
    teardown();
}

static void test_not_enrolled(void)
{
    hh_sess s;
    hh_sync_result r;
    char path[4200];
    dir = test_tmpdir("sync");
    snprintf(path, sizeof path, "%s/hh", dir);
    ASSERT_OK(hh_init(path, "S1", "HH-01", &h));
    ASSERT_ERR(hh_sess_init(&s, h), RND_ENOTENROLLED);
    hh_sess_free(&s);
    ASSERT_ERR(hh_sync(h, NULL, &r), RND_ENOTENROLLED);
    ASSERT(strstr(hh_last_error(h), "rounds enroll") != NULL);
    teardown();
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ASSERT(f != NULL);
    fputs(text, f);
    fclose(f);
}

static void test_enroll(void)
{
    char cert[4200], bad[4200], junk[4200], buf[4096];
    char longcred[PROTO_TEXT_MAX + 2];
    uint64_t v;

    setup(0);
    snprintf(cert, sizeof cert, "%s/server.crt", dir);
    snprintf(bad, sizeof bad, "%s/bad.crt", dir);
    snprintf(junk, sizeof junk, "%s/junk.crt", dir);
    write_file(cert, cert_pem);
    write_file(bad, "hello\n");
    write_file(junk, "-----BEGIN CERTIFICATE-----\nAAAA\n"
                     "-----END CERTIFICATE-----\n");
    memset(longcred, 'x', sizeof longcred - 1);
    longcred[sizeof longcred - 1] = '\0';

    static const char *const bad_addrs[] = {
        "",           "host",    "host:",    ":7443",    "host:0",
        "host:65536", "host:-1", "host:12x", "::1:7443", NULL};
    for (int i = 0; bad_addrs[i]; i++) {
        ASSERT_ERR(hh_enroll(h, bad_addrs[i], cert, "c"), RND_EFIELD);
        ASSERT(strstr(hh_last_error(h), "'server'") != NULL);
    }
    ASSERT_ERR(hh_enroll(h, "gate:7443", cert, ""), RND_EFIELD);
    ASSERT(strstr(hh_last_error(h), "'credential'") != NULL);
    ASSERT_ERR(hh_enroll(h, "gate:7443", cert, longcred), RND_EFIELD);
    ASSERT(strstr(hh_last_error(h), "'credential'") != NULL);
    ASSERT_ERR(hh_enroll(h, "gate:7443", "/nonexistent/x.crt", "c"),
               RND_EFIELD);
    ASSERT(strstr(hh_last_error(h), "'cert'") != NULL);
    ASSERT_ERR(hh_enroll(h, "gate:7443", bad, "c"), RND_EFIELD);
    ASSERT(strstr(hh_last_error(h), "'cert'") != NULL);
    ASSERT_ERR(hh_enroll(h, "gate:7443", junk, "c"), RND_EFIELD);
    ASSERT(strstr(hh_last_error(h), "'cert'") != NULL);
    ASSERT_EQ(meta_str("server", buf, sizeof buf), 0); /* nothing written */

    meta_put("tls_session", "old-session");
    meta_put_u64("server_cursor", 42);
    ASSERT_OK(hh_enroll(h, "gate.example:7443", cert, "rdc1-abc"));
    meta_str("server", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "gate.example:7443");
    meta_str("credential", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "rdc1-abc");
    ASSERT_EQ(meta_str("server_cert", buf, sizeof buf), (strlen(cert_pem) + 1));
    ASSERT_STR_EQ(buf, cert_pem); /* with its NUL */
    ASSERT_EQ(meta_str("tls_session", buf, sizeof buf), 0);
    ASSERT_OK(meta_u64("server_cursor", &v));
    ASSERT_U64_EQ(v, 0); /* a new server: pull from the start */

    /* Same server, new credential: the pull cursor stays. */
    meta_put_u64("server_cursor", 42);
    ASSERT_OK(hh_enroll(h, "gate.example:7443", cert, "rdc1-def"));
    ASSERT_OK(meta_u64("server_cursor", &v));
    ASSERT_U64_EQ(v, 42);
    meta_str("credential", buf, sizeof buf);
    ASSERT_STR_EQ(buf, "rdc1-def");
    ASSERT_OK(hh_enroll(h, "[::1]:7443", cert, "rdc1-def"));
    ASSERT_OK(meta_u64("server_cursor", &v));
    ASSERT_U64_EQ(v, 0);
    teardown();
}

typedef struct one_op {
    const uint8_t *p;
    size_t len;
    int added;
} one_op;

static int ingest_one(store_txn *t, void *arg)
{
    one_op *o = arg;
    return store_ingest(t, o->p, o->len, fake_now, &o->added);
}

/* The digest depends only on the set of ops, not on arrival order. */
static void test_digest(void)
{
    static foreign f;
    static const uint8_t sha_empty[32] = {
        0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
        0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
        0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
    uint8_t d1[32], d2[32], empty[32];
    uint64_t n1, n2;
    hh *h2;
    char path[4200];

    setup(0);
    ASSERT_OK(hh_digest(h, empty, &n1));
    ASSERT_U64_EQ(n1, 0);
    ASSERT_MEM_EQ(empty, sha_empty, 32);

    memset(&f, 0, sizeof f);
    make_foreign(&f, 0x5555, 1, 20);
    snprintf(path, sizeof path, "%s/hh2", dir);
    ASSERT_OK(hh_init(path, "S1", "HH-02", &h2));
    /* h gets the ops in order, h2 in reverse. */
    for (int k = 0; k < 20; k++) {
        one_op a = {f.enc[k], f.len[k], 0},
               b = {f.enc[19 - k], f.len[19 - k], 0};
        ASSERT_OK(store_write(hh_store(h), ingest_one, &a));
        ASSERT_OK(store_write(hh_store(h2), ingest_one, &b));
        ASSERT_EQ(a.added, 1);
        ASSERT_EQ(b.added, 1);
    }
    ASSERT_OK(hh_digest(h, d1, &n1));
    ASSERT_OK(hh_digest(h2, d2, &n2));
    ASSERT_U64_EQ(n1, 20);
    ASSERT_U64_EQ(n2, 20);
    ASSERT_MEM_EQ(d1, d2, 32);
    ASSERT(memcmp(d1, empty, 32) != 0);
    record_notes(h, 1);
    ASSERT_OK(hh_digest(h, d1, &n1));
    ASSERT_U64_EQ(n1, 21);
    ASSERT(memcmp(d1, d2, 32) != 0);
    hh_close(h2);
    teardown();
}

/* hh_sync's network failures: refused, and a server that never answers. */
static void test_network_failures(void)
{
    char cert[4200], addr[64];
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    hh_sync_result r;
    hh_sync_options opt = {0};
    int fd;

    setup(2);
    snprintf(cert, sizeof cert, "%s/server.crt", dir);
    write_file(cert, cert_pem);

    /* A port nobody listens on. */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ASSERT_EQ(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    close(fd);
    snprintf(addr, sizeof addr, "127.0.0.1:%d", ntohs(sa.sin_port));
    ASSERT_OK(hh_enroll(h, addr, cert, "rdc1-x"));
    ASSERT_ERR(hh_sync(h, NULL, &r), RND_ECONNECT);
    ASSERT(strstr(hh_last_error(h), addr) != NULL);

    /* A listener that never speaks TLS: the handshake times out. */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sa.sin_port = 0;
    ASSERT_EQ(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ASSERT_EQ(listen(fd, 4), 0);
    sl = sizeof sa;
    ASSERT_EQ(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    snprintf(addr, sizeof addr, "127.0.0.1:%d", ntohs(sa.sin_port));
    opt.timeout_ms = 200;
    opt.server_addr = addr;
    ASSERT_ERR(hh_sync(h, &opt, &r), RND_ETIMEOUT);
    ASSERT(strstr(hh_last_error(h), "200 ms") != NULL);
    ASSERT_GE(r.ms, 150);
    close(fd);

    /* An override that is not an address. */
    opt.server_addr = "nowhere";
    ASSERT_ERR(hh_sync(h, &opt, &r), RND_EFIELD);
    teardown();
}

int main(void)
{
    test_push_window();
    test_nothing_to_push();
    test_pull_atomic();
    test_pull_coalesced();
    test_error_mapping();
    test_unexpected();
    test_cut_and_resume();
    test_not_enrolled();
    test_enroll();
    test_digest();
    test_network_failures();
    printf("test_sync_session: ok\n");
    return 0;
}
