/* test_proto_msg.c: sync frames and messages: every message type round
 * trips, frames split at every byte are reassembled, announced lengths over
 * the limit are refused on the header, and malformed bodies are refused
 * without reading out of bounds. */
#include <stdlib.h>
#include <string.h>

#include "../../proto/msg.h"
#include "../../proto/proto.h"
#include "test.h"

static proto_bytes B(const char *s)
{
    proto_bytes b = {(const uint8_t *)s, (uint32_t)strlen(s)};
    return b;
}

static uint8_t frame[1 << 21];
static proto_bytes opsbuf[PROTO_BATCH_MAX_OPS];
static proto_bytes scratch[PROTO_BATCH_MAX_OPS]; /* for refused decodes */

/* Encodes m, checks the frame is found whole, decodes it into out. */
static size_t round_trip(const proto_msg *m, proto_msg *out)
{
    size_t len, body_len, consumed;
    const uint8_t *body;
    ASSERT_OK(proto_msg_encode(m, frame, sizeof frame, &len));
    ASSERT_OK(proto_frame_next(frame, len, PROTO_FRAME_MAX_DEFAULT * 2, &body,
                               &body_len, &consumed));
    ASSERT_EQ(consumed, len);
    ASSERT_EQ(body_len + PROTO_FRAME_HEADER, len);
    ASSERT_OK(
        proto_msg_decode(body, body_len, out, opsbuf, PROTO_BATCH_MAX_OPS));
    ASSERT_EQ(out->type, m->type);
    /* Every strict prefix of a frame is "not yet"; every strict prefix of
     * a body is refused, never read past. */
    for (size_t cut = 0; cut < len; cut++)
        ASSERT_ERR(proto_frame_next(frame, cut, PROTO_FRAME_MAX_DEFAULT * 2,
                                    &body, &body_len, &consumed),
                   RND_EAGAIN);
    proto_msg tmp;
    for (size_t cut = 0; cut < len - PROTO_FRAME_HEADER && cut < 4096; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, frame + PROTO_FRAME_HEADER, cut);
        ASSERT(proto_msg_decode(copy, cut, &tmp, scratch,
                                PROTO_BATCH_MAX_OPS) != 0);
        free(copy);
    }
    return len;
}

static int eq(proto_bytes a, const char *s)
{
    return a.len == strlen(s) && memcmp(a.p, s, a.len) == 0;
}

int main(void)
{
    proto_msg m, out;

    memset(&m, 0, sizeof m);
    m.type = PROTO_MSG_HELLO;
    m.u.hello.version = PROTO_VERSION;
    m.u.hello.device_id = 0xf7b6c744966ee8e8ull;
    m.u.hello.site = B("S1");
    m.u.hello.device = B("HH-01");
    m.u.hello.credential = B("rdc1-00112233445566778899aabbccddeeff");
    round_trip(&m, &out);
    ASSERT_U64_EQ(out.u.hello.device_id, 0xf7b6c744966ee8e8ull);
    ASSERT(eq(out.u.hello.site, "S1") && eq(out.u.hello.device, "HH-01"));
    ASSERT(eq(out.u.hello.credential, "rdc1-00112233445566778899aabbccddeeff"));

    memset(&m, 0, sizeof m);
    m.type = PROTO_MSG_WELCOME;
    m.u.welcome.version = 1;
    m.u.welcome.have_seq = 123456789012ull;
    m.u.welcome.server_ms = -5;
    m.u.welcome.max_frame = 1 << 20;
    m.u.welcome.window = 8;
    round_trip(&m, &out);
    ASSERT_U64_EQ(out.u.welcome.have_seq, 123456789012ull);
    ASSERT_EQ(out.u.welcome.server_ms, -5);
    ASSERT_EQ(out.u.welcome.window, 8);
    /* Version 1's WELCOME has 6 elements: no incarnation, no cert_next. */
    ASSERT_EQ(frame[PROTO_FRAME_HEADER], 0x96);
    ASSERT_U64_EQ(out.u.welcome.incarnation, 0);
    ASSERT_EQ(out.u.welcome.cert_next.len, 0);
    /* The 6-element form with another version is malformed. */
    size_t wl;
    ASSERT_OK(proto_msg_encode(&m, frame, sizeof frame, &wl));
    frame[PROTO_FRAME_HEADER + 2] = 2; /* version (fixint) */
    ASSERT_ERR(proto_msg_decode(frame + PROTO_FRAME_HEADER,
                                wl - PROTO_FRAME_HEADER, &out, scratch,
                                PROTO_BATCH_MAX_OPS),
               RND_EMALFORMED);

    /* Version 2: incarnation and the staged certificate (bin). */
    static const char pem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n"
                              "-----END CERTIFICATE-----\n";
    m.u.welcome.version = 2;
    m.u.welcome.incarnation = 0xfedcba9876543210ull;
    m.u.welcome.cert_next = B(pem);
    round_trip(&m, &out);
    ASSERT_EQ(frame[PROTO_FRAME_HEADER], 0x98);
    ASSERT_EQ(out.u.welcome.version, 2);
    ASSERT_U64_EQ(out.u.welcome.have_seq, 123456789012ull);
    ASSERT_U64_EQ(out.u.welcome.incarnation, 0xfedcba9876543210ull);
    ASSERT(eq(out.u.welcome.cert_next, pem));
    /* The 8-element form claiming version 1 is malformed. */
    ASSERT_OK(proto_msg_encode(&m, frame, sizeof frame, &wl));
    frame[PROTO_FRAME_HEADER + 2] = 1;
    ASSERT_ERR(proto_msg_decode(frame + PROTO_FRAME_HEADER,
                                wl - PROTO_FRAME_HEADER, &out, scratch,
                                PROTO_BATCH_MAX_OPS),
               RND_EMALFORMED);
    /* No certificate staged: an empty bin. */
    m.u.welcome.cert_next = (proto_bytes){NULL, 0};
    round_trip(&m, &out);
    ASSERT_EQ(out.u.welcome.cert_next.len, 0);
    /* A certificate over PROTO_CERT_MAX is not encoded. */
    static uint8_t bigcert[PROTO_CERT_MAX + 1];
    m.u.welcome.cert_next = (proto_bytes){bigcert, sizeof bigcert};
    ASSERT(proto_msg_encode(&m, frame, sizeof frame, &wl) != 0);

    /* Version 4: the attachment limits, 12 elements. */
    m.u.welcome.version = 4;
    m.u.welcome.cert_next = (proto_bytes){NULL, 0};
    m.u.welcome.have_hash = (proto_bytes){NULL, 0};
    m.u.welcome.att_max = 8u << 20;
    m.u.welcome.att_quota = (uint64_t)1 << 30;
    m.u.welcome.att_chunk = 262144;
    round_trip(&m, &out);
    ASSERT_EQ(out.u.welcome.version, 4);
    ASSERT_U64_EQ(out.u.welcome.att_max, 8u << 20);
    ASSERT_U64_EQ(out.u.welcome.att_quota, (uint64_t)1 << 30);
    ASSERT_EQ(out.u.welcome.att_chunk, 262144);
    /* A 12-element WELCOME that says version 3 is malformed. */
    {
        size_t len, bl, cons;
        const uint8_t *body;
        m.u.welcome.version = 4;
        ASSERT_OK(proto_msg_encode(&m, frame, sizeof frame, &len));
        ASSERT_OK(proto_frame_next(frame, len, 1 << 20, &body, &bl, &cons));
        /* [array 12][type 2][version 4]: turn the version into 3. */
        ASSERT_EQ(body[2], 4);
        ((uint8_t *)body)[2] = 3;
        ASSERT_ERR(proto_msg_decode(body, bl, &out, scratch, 1),
                   RND_EMALFORMED);
    }

    /* The attachment messages. */
    {
        static uint8_t data[PROTO_ATT_CHUNK_MAX + 1];
        for (size_t i = 0; i < sizeof data; i++)
            data[i] = (uint8_t)(i * 7);
        memset(&m, 0, sizeof m);
        for (int i = 0; i < PROTO_HASH_LEN; i++)
            m.u.att.hash[i] = (uint8_t)(i + 1);
        m.type = PROTO_MSG_ATT_OFFER;
        round_trip(&m, &out);
        ASSERT_MEM_EQ(out.u.att.hash, m.u.att.hash, PROTO_HASH_LEN);
        m.type = PROTO_MSG_ATT_STATE;
        m.u.att.state = PROTO_ATT_SEND;
        m.u.att.offset = 524288;
        round_trip(&m, &out);
        ASSERT_EQ(out.u.att.state, PROTO_ATT_SEND);
        ASSERT_U64_EQ(out.u.att.offset, 524288);
        m.type = PROTO_MSG_ATT_WANT;
        round_trip(&m, &out);
        ASSERT_U64_EQ(out.u.att.offset, 524288);
        m.type = PROTO_MSG_ATT_DONE;
        m.u.att.error = B("EHASH");
        round_trip(&m, &out);
        ASSERT(eq(out.u.att.error, "EHASH"));
        m.type = PROTO_MSG_ATT_CHUNK;
        m.u.att.offset = 1000;
        m.u.att.total = 1000 + 262144;
        m.u.att.data = (proto_bytes){data, 262144};
        round_trip(&m, &out);
        ASSERT_U64_EQ(out.u.att.offset, 1000);
        ASSERT_U64_EQ(out.u.att.total, 1000 + 262144);
        ASSERT_EQ(out.u.att.data.len, 262144);
        ASSERT_MEM_EQ(out.u.att.data.p, data, 262144);
        /* Not encoded: no bytes, more than a chunk, past the total. */
        size_t wl2;
        m.u.att.data.len = 0;
        ASSERT(proto_msg_encode(&m, frame, sizeof frame, &wl2) != 0);
        m.u.att.data.len = PROTO_ATT_CHUNK_MAX + 1;
        m.u.att.total = (uint64_t)1 << 29;
        ASSERT(proto_msg_encode(&m, frame, sizeof frame, &wl2) != 0);
        m.u.att.data.len = 100;
        m.u.att.total = 1050;
        ASSERT(proto_msg_encode(&m, frame, sizeof frame, &wl2) != 0);
        /* Decoded: a chunk past its total, or a hash of 31 bytes, is
         * malformed (the encoder will not write them: patch a good one). */
        m.u.att.total = 1100;
        size_t len, bl, cons;
        const uint8_t *body;
        ASSERT_OK(proto_msg_encode(&m, frame, sizeof frame, &len));
        ASSERT_OK(proto_frame_next(frame, len, 1 << 20, &body, &bl, &cons));
        /* [95][0c][c4 20 hash...][cd 03e8][cd 044c]...: total 1100 ->
         * 1099 makes offset + len past it. */
        uint8_t *b = (uint8_t *)body;
        ASSERT_EQ(b[2], 0xc4);
        ASSERT_EQ(b[3], PROTO_HASH_LEN);
        size_t tot = 4 + PROTO_HASH_LEN + 3;
        ASSERT_EQ(b[tot], 0xcd);
        b[tot + 2] = 0x4b; /* 1100 = 0x044c -> 0x044b */
        ASSERT_ERR(proto_msg_decode(body, bl, &out, scratch, 1),
                   RND_EMALFORMED);
        b[tot + 2] = 0x4c;
        ASSERT_OK(proto_msg_decode(body, bl, &out, scratch, 1));
        b[3] = PROTO_HASH_LEN - 1;
        ASSERT(proto_msg_decode(body, bl, &out, scratch, 1) != 0);
    }

    /* PUSH with real ops, and OPS with none and with many. */
    static uint8_t encs[100][256];
    static proto_bytes ops[100];
    for (int i = 0; i < 100; i++) {
        proto_op op;
        size_t n;
        proto_op_init(&op);
        op.device_id = 7;
        op.seq = (uint64_t)i + 1;
        op.hlc = (uint64_t)i + 1;
        op.kind = PROTO_KIND_SCAN;
        op.action = PROTO_ACTION_CREATE;
        ASSERT_OK(proto_op_add_str(&op, "tag", "CP-01", 5));
        ASSERT_OK(proto_op_encode(&op, encs[i], sizeof encs[i], &n));
        ops[i].p = encs[i];
        ops[i].len = (uint32_t)n;
    }
    memset(&m, 0, sizeof m);
    m.type = PROTO_MSG_PUSH;
    m.u.push.batch = 42;
    m.u.push.nops = 100;
    m.u.push.ops = ops;
    size_t flen = round_trip(&m, &out);
    ASSERT_EQ(out.u.push.batch, 42);
    ASSERT_EQ(out.u.push.nops, 100);
    size_t total = 0;
    for (int i = 0; i < 100; i++) {
        ASSERT_EQ(out.u.push.ops[i].len, ops[i].len);
        ASSERT_MEM_EQ(out.u.push.ops[i].p, ops[i].p, ops[i].len);
        proto_op back;
        ASSERT_OK(
            proto_op_decode(out.u.push.ops[i].p, out.u.push.ops[i].len, &back));
        ASSERT_U64_EQ(back.seq, (uint64_t)i + 1);
        total += ops[i].len;
    }
    ASSERT_LE(flen, total + proto_msg_ops_overhead(100));
    /* More ops than the caller's array: refused, not overrun. */
    {
        size_t len, bl, cons;
        const uint8_t *body;
        proto_bytes small[10];
        ASSERT_OK(proto_msg_encode(&m, frame, sizeof frame, &len));
        ASSERT_OK(proto_frame_next(frame, len, 1 << 20, &body, &bl, &cons));
        ASSERT_ERR(proto_msg_decode(body, bl, &out, small, 10), RND_ETOOBIG);
    }

    memset(&m, 0, sizeof m);
    m.type = PROTO_MSG_OPS;
    m.u.ops.nops = 0;
    m.u.ops.next_cursor = 99;
    m.u.ops.more = 0;
    round_trip(&m, &out);
    ASSERT_EQ(out.u.ops.nops, 0);
    ASSERT_U64_EQ(out.u.ops.next_cursor, 99);
    ASSERT_EQ(out.u.ops.more, 0);
    m.u.ops.nops = 3;
    m.u.ops.ops = ops;
    m.u.ops.more = 1;
    round_trip(&m, &out);
    ASSERT_EQ(out.u.ops.more, 1);
    ASSERT_EQ(out.u.ops.nops, 3);

    memset(&m, 0, sizeof m);
    m.type = PROTO_MSG_PUSH_ACK;
    m.u.push_ack.batch = 3;
    m.u.push_ack.acked_seq = 1000;
    round_trip(&m, &out);
    ASSERT_U64_EQ(out.u.push_ack.acked_seq, 1000);
    m.type = PROTO_MSG_PULL;
    m.u.pull.cursor = 77;
    round_trip(&m, &out);
    ASSERT_U64_EQ(out.u.pull.cursor, 77);
    memset(&m, 0, sizeof m);
    m.type = PROTO_MSG_BYE;
    m.u.bye.ops_in = 5;
    m.u.bye.ops_out = 6;
    round_trip(&m, &out);
    ASSERT_U64_EQ(out.u.bye.ops_out, 6);
    memset(&m, 0, sizeof m);
    m.type = PROTO_MSG_ERROR;
    m.u.error.name = B("EAUTH");
    m.u.error.message = B("wrong device credential");
    round_trip(&m, &out);
    ASSERT(eq(out.u.error.name, "EAUTH"));

    /* Limits on the encoder: text, op count, unknown type, small buffer. */
    char big[PROTO_TEXT_MAX + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    m.u.error.message = B(big);
    size_t len;
    ASSERT_ERR(proto_msg_encode(&m, frame, sizeof frame, &len), RND_EINVAL);
    m.u.error.message = B("ok");
    ASSERT_ERR(proto_msg_encode(&m, frame, 8, &len), RND_ENOSPACE);
    m.type = 99;
    ASSERT_ERR(proto_msg_encode(&m, frame, sizeof frame, &len), RND_EINVAL);

    /* Frame headers: zero length, over the limit (refused on the header
     * alone, before any body arrives), two frames back to back. */
    const uint8_t *body;
    size_t bl, cons;
    uint8_t hdr0[4] = {0, 0, 0, 0};
    ASSERT_ERR(proto_frame_next(hdr0, 4, 1 << 20, &body, &bl, &cons),
               RND_EMALFORMED);
    uint8_t huge[4] = {0x7f, 0xff, 0xff, 0xff};
    ASSERT_ERR(proto_frame_next(huge, 4, 1 << 20, &body, &bl, &cons),
               RND_ETOOBIG);
    memset(&m, 0, sizeof m);
    m.type = PROTO_MSG_PULL;
    m.u.pull.cursor = 1;
    size_t l1;
    ASSERT_OK(proto_msg_encode(&m, frame, sizeof frame, &l1));
    m.u.pull.cursor = 2;
    ASSERT_OK(proto_msg_encode(&m, frame + l1, sizeof frame - l1, &len));
    ASSERT_OK(proto_frame_next(frame, l1 + len, 1 << 20, &body, &bl, &cons));
    ASSERT_EQ(cons, l1);
    ASSERT_OK(proto_frame_next(frame + cons, len, 1 << 20, &body, &bl, &cons));
    ASSERT_OK(proto_msg_decode(body, bl, &out, NULL, 0));
    ASSERT_U64_EQ(out.u.pull.cursor, 2);

    /* REDIRECT (version 5): round trip, the exact bytes of a small one,
     * the field checks, and its refusals. */
    {
        static const char rpem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n"
                                   "-----END CERTIFICATE-----\n";
        memset(&m, 0, sizeof m);
        m.type = PROTO_MSG_REDIRECT;
        m.u.redirect.node = B("node-b");
        m.u.redirect.addr = B("10.0.0.6:7443");
        m.u.redirect.cert = B(rpem);
        m.u.redirect.epoch = 3;
        round_trip(&m, &out);
        ASSERT(eq(out.u.redirect.node, "node-b"));
        ASSERT(eq(out.u.redirect.addr, "10.0.0.6:7443"));
        ASSERT(eq(out.u.redirect.cert, rpem));
        ASSERT_U64_EQ(out.u.redirect.epoch, 3);
        ASSERT_OK(proto_redirect_check(&out));

        /* [15, "n", "h:1", bin "-", 1] */
        static const uint8_t small[] = {0x00, 0x00, 0x00, 0x0c, 0x95, 0x0f,
                                        0xa1, 'n',  0xa3, 'h',  ':',  '1',
                                        0xc4, 0x01, '-',  0x01};
        size_t rlen;
        m.u.redirect.node = B("n");
        m.u.redirect.addr = B("h:1");
        m.u.redirect.cert = B("-");
        m.u.redirect.epoch = 1;
        ASSERT_OK(proto_msg_encode(&m, frame, sizeof frame, &rlen));
        ASSERT_EQ(rlen, sizeof small);
        ASSERT_MEM_EQ(frame, small, sizeof small);
        ASSERT_OK(proto_msg_decode(small + 4, sizeof small - 4, &out, NULL, 0));
        /* decodes, but a cert that is not PEM fails the check */
        ASSERT_ERR(proto_redirect_check(&out), RND_EFIELD);

        /* The encoder refuses what the decoder would. */
        m.u.redirect.epoch = 0;
        ASSERT_ERR(proto_msg_encode(&m, frame, sizeof frame, &rlen),
                   RND_EINVAL);
        m.u.redirect.epoch = 1;
        m.u.redirect.node = B("");
        ASSERT_ERR(proto_msg_encode(&m, frame, sizeof frame, &rlen),
                   RND_EINVAL);

        /* The decoder: epoch 0, empty node, empty cert, 4 elements. */
        static const struct {
            const char *bytes;
            size_t len;
            int want;
        } rbad[] = {
            {"\x95\x0f\xa1n\xa3h:1\xc4\x01-\x00", 12, RND_EMALFORMED},
            {"\x95\x0f\xa0\xa3h:1\xc4\x01-\x01", 11, RND_EMALFORMED},
            {"\x95\x0f\xa1n\xa3h:1\xc4\x00\x01", 11, RND_EMALFORMED},
            {"\x94\x0f\xa1n\xa3h:1\xc4\x01-", 11, RND_EMALFORMED},
            {"\x95\x0f\xa1n\xa3h:1\xa1-\x01", 11, RND_ETYPE},
        };
        for (size_t i = 0; i < sizeof rbad / sizeof *rbad; i++) {
            int rc = proto_msg_decode((const uint8_t *)rbad[i].bytes,
                                      rbad[i].len, &out, NULL, 0);
            if (rc != rbad[i].want)
                TEST_FAIL_("rbad[%zu]: got %s, want %s", i, rnd_errname(rc),
                           rnd_errname(rbad[i].want));
        }

        /* The check: a bad node name, a bad address. */
        ASSERT_OK(proto_msg_decode(small + 4, sizeof small - 4, &out, NULL, 0));
        out.u.redirect.cert = B(rpem);
        ASSERT_OK(proto_redirect_check(&out));
        out.u.redirect.node = B("..");
        ASSERT_ERR(proto_redirect_check(&out), RND_EFIELD);
        out.u.redirect.node = B("a/b");
        ASSERT_ERR(proto_redirect_check(&out), RND_EFIELD);
        out.u.redirect.node = B("n");
        out.u.redirect.addr = B("h:0");
        ASSERT_ERR(proto_redirect_check(&out), RND_EFIELD);
        out.u.redirect.addr = B("no-port");
        ASSERT_ERR(proto_redirect_check(&out), RND_EFIELD);
    }

    /* Malformed bodies. */
    static const struct {
        const char *bytes;
        size_t len;
        int want;
    } bad[] = {
        {"\x92\x05\x01\x00", 4, RND_EMALFORMED}, /* trailing byte */
        {"\x93\x05\x01\x02", 4, RND_EMALFORMED}, /* wrong arity */
        {"\x92\x63\x01", 3, RND_EMALFORMED},     /* unknown type 99 */
        {"\x92\x05\xa1x", 4, RND_ETYPE},         /* cursor is a str */
        {"\x92\x05\xff", 3, RND_ETYPE},          /* negative cursor */
        {"\x81\x01\x02", 3, RND_ETYPE},          /* a map, not an array */
        {"\x93\x03\x01\x91\xc4\x00", 6, RND_EMALFORMED}, /* empty op */
        {"\x93\x03\x01\x91\xc6\xff\xff\xff\xff", 9, RND_ETOOBIG},
        {"\x93\x03\x01\xdd\xff\xff\xff\xff", 8, RND_ETOOBIG}, /* 4G ops */
        {"\x93\x08\xda\xff\xff", 5, RND_ETOOBIG}, /* 64K error name */
        {"\x94\x06\x90\x01\xc0", 5, RND_ETYPE},   /* more is nil */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = proto_msg_decode((const uint8_t *)bad[i].bytes, bad[i].len,
                                  &out, opsbuf, PROTO_BATCH_MAX_OPS);
        if (rc != bad[i].want)
            TEST_FAIL_("bad[%zu]: got %s, want %s", i, rnd_errname(rc),
                       rnd_errname(bad[i].want));
    }
    return 0;
}
