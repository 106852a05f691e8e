/* fuzz_msg_decode.c: libFuzzer target for the sync protocol's frame reader
 * and message decoder (proto_frame_next, proto_msg_decode): what the server
 * reads from any client and a handheld reads from the network.
 *
 * The input is treated as a byte stream of frames. Besides "no crash, no
 * out-of-bounds read" (ASan) it checks the codec's promises on every frame
 * that decodes: ops and strings point inside the frame, the message
 * re-encodes, and the re-encoding decodes to the same message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_msg_decode: %s\n", what);
    abort();
}

static proto_bytes ops_a[PROTO_BATCH_MAX_OPS], ops_b[PROTO_BATCH_MAX_OPS];
static uint8_t again[PROTO_FRAME_MAX_DEFAULT + 64];

static int inside(proto_bytes b, const uint8_t *buf, size_t len)
{
    return b.len == 0 || (b.p >= buf && b.p <= buf + len &&
                          b.len <= (size_t)(buf + len - b.p));
}

static int same_bytes(proto_bytes a, proto_bytes b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static int same_ops(const proto_bytes *a, uint32_t na, const proto_bytes *b,
                    uint32_t nb)
{
    if (na != nb)
        return 0;
    for (uint32_t i = 0; i < na; i++)
        if (!same_bytes(a[i], b[i]))
            return 0;
    return 1;
}

static void check(const uint8_t *body, size_t len, const proto_msg *m)
{
    proto_msg back;
    size_t n, blen, used;
    const uint8_t *b2;

    switch (m->type) {
    case PROTO_MSG_HELLO:
        if (!inside(m->u.hello.site, body, len) ||
            !inside(m->u.hello.device, body, len) ||
            !inside(m->u.hello.credential, body, len))
            fail("hello text outside the frame");
        break;
    case PROTO_MSG_PUSH:
    case PROTO_MSG_OPS: {
        const proto_bytes *ops =
            m->type == PROTO_MSG_PUSH ? m->u.push.ops : m->u.ops.ops;
        uint32_t nops =
            m->type == PROTO_MSG_PUSH ? m->u.push.nops : m->u.ops.nops;
        for (uint32_t i = 0; i < nops; i++)
            if (!inside(ops[i], body, len))
                fail("op outside the frame");
        break;
    }
    case PROTO_MSG_WELCOME:
        if (m->u.welcome.cert_next.len &&
            !inside(m->u.welcome.cert_next, body, len))
            fail("cert_next outside the frame");
        break;
    case PROTO_MSG_REDIRECT:
        if (!inside(m->u.redirect.node, body, len) ||
            !inside(m->u.redirect.addr, body, len) ||
            !inside(m->u.redirect.cert, body, len))
            fail("redirect field outside the frame");
        (void)proto_redirect_check(m); /* must not read out of bounds */
        break;
    case PROTO_MSG_ERROR:
        if (!inside(m->u.error.name, body, len) ||
            !inside(m->u.error.message, body, len))
            fail("error text outside the frame");
        break;
    }
    if (proto_msg_encode(m, again, sizeof again, &n) != 0)
        fail("a decoded message does not re-encode");
    if (proto_frame_next(again, n, sizeof again, &b2, &blen, &used) != 0 ||
        used != n)
        fail("re-encoded frame is not one whole frame");
    if (proto_msg_decode(b2, blen, &back, ops_b, PROTO_BATCH_MAX_OPS) != 0)
        fail("re-encoded message does not decode");
    if (back.type != m->type)
        fail("type changed");
    int same = 1;
    switch (m->type) {
    case PROTO_MSG_HELLO:
        same = back.u.hello.version == m->u.hello.version &&
               back.u.hello.device_id == m->u.hello.device_id &&
               same_bytes(back.u.hello.site, m->u.hello.site) &&
               same_bytes(back.u.hello.device, m->u.hello.device) &&
               same_bytes(back.u.hello.credential, m->u.hello.credential);
        break;
    case PROTO_MSG_WELCOME:
        same = back.u.welcome.version == m->u.welcome.version &&
               back.u.welcome.have_seq == m->u.welcome.have_seq &&
               back.u.welcome.server_ms == m->u.welcome.server_ms &&
               back.u.welcome.max_frame == m->u.welcome.max_frame &&
               back.u.welcome.window == m->u.welcome.window &&
               back.u.welcome.incarnation == m->u.welcome.incarnation &&
               same_bytes(back.u.welcome.cert_next, m->u.welcome.cert_next);
        break;
    case PROTO_MSG_PUSH:
        same = back.u.push.batch == m->u.push.batch &&
               same_ops(back.u.push.ops, back.u.push.nops, m->u.push.ops,
                        m->u.push.nops);
        break;
    case PROTO_MSG_PUSH_ACK:
        same = back.u.push_ack.batch == m->u.push_ack.batch &&
               back.u.push_ack.acked_seq == m->u.push_ack.acked_seq;
        break;
    case PROTO_MSG_PULL:
        same = back.u.pull.cursor == m->u.pull.cursor;
        break;
    case PROTO_MSG_OPS:
        same = back.u.ops.next_cursor == m->u.ops.next_cursor &&
               back.u.ops.more == m->u.ops.more &&
               same_ops(back.u.ops.ops, back.u.ops.nops, m->u.ops.ops,
                        m->u.ops.nops);
        break;
    case PROTO_MSG_BYE:
        same = back.u.bye.ops_in == m->u.bye.ops_in &&
               back.u.bye.ops_out == m->u.bye.ops_out;
        break;
    case PROTO_MSG_REDIRECT:
        same = same_bytes(back.u.redirect.node, m->u.redirect.node) &&
               same_bytes(back.u.redirect.addr, m->u.redirect.addr) &&
               same_bytes(back.u.redirect.cert, m->u.redirect.cert) &&
               back.u.redirect.epoch == m->u.redirect.epoch;
        break;
    case PROTO_MSG_ERROR:
        same = same_bytes(back.u.error.name, m->u.error.name) &&
               same_bytes(back.u.error.message, m->u.error.message);
        break;
    }
    if (!same)
        fail("round trip changed the message");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    while (off < size) {
        const uint8_t *body;
        size_t blen, used;
        int rc = proto_frame_next(data + off, size - off,
                                  PROTO_FRAME_MAX_DEFAULT, &body, &blen, &used);
        if (rc != 0)
            break; /* EAGAIN, ETOOBIG, EMALFORMED: a reader stops here */
        if (used > size - off || blen + PROTO_FRAME_HEADER != used)
            fail("frame bounds");
        proto_msg m;
        if (proto_msg_decode(body, blen, &m, ops_a, PROTO_BATCH_MAX_OPS) == 0)
            check(body, blen, &m);
        off += used;
    }
    return 0;
}
