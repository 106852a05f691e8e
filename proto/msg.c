/* msg.c: sync protocol frames and messages (msg.h, docs/PROTOCOL.md).
 *
 * Encoding uses msgpack-c's packer into a bounded sink; decoding reads the
 * untrusted frame body with the bounds-checked reader of mp.h and points
 * into it (ops and strings are never copied).
 */
#include <string.h>

#include <msgpack.h>

#include "enrollpay.h"
#include "mp.h"
#include "msg.h"
#include "proto.h"

/* Elements in each message's array, type included. */
static int msg_arity(int type)
{
    switch (type) {
    case PROTO_MSG_HELLO:
        return 6;
    case PROTO_MSG_WELCOME:
        return 12; /* 6 in version 1, 8 in 2, 9 in 3: welcome_arity() */
    case PROTO_MSG_PUSH:
        return 3;
    case PROTO_MSG_PUSH_ACK:
        return 3;
    case PROTO_MSG_PULL:
        return 2;
    case PROTO_MSG_OPS:
        return 4;
    case PROTO_MSG_BYE:
        return 3;
    case PROTO_MSG_ERROR:
        return 3;
    case PROTO_MSG_PULL_OWN:
        return 2;
    case PROTO_MSG_ATT_OFFER:
        return 2;
    case PROTO_MSG_ATT_STATE:
        return 4;
    case PROTO_MSG_ATT_CHUNK:
        return 5;
    case PROTO_MSG_ATT_DONE:
        return 3;
    case PROTO_MSG_ATT_WANT:
        return 3;
    case PROTO_MSG_REDIRECT:
        return 5;
    default:
        return -1;
    }
}

int proto_frame_next(const uint8_t *buf, size_t len, uint32_t max_frame,
                     const uint8_t **body, size_t *body_len, size_t *consumed)
{
    if (len < PROTO_FRAME_HEADER)
        return RND_EAGAIN;
    uint32_t n = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
                 (uint32_t)buf[2] << 8 | buf[3];
    if (n == 0)
        return RND_EMALFORMED;
    /* Refused on the header alone: a huge announced frame is never
     * buffered. */
    if (n > max_frame)
        return RND_ETOOBIG;
    if (len - PROTO_FRAME_HEADER < n)
        return RND_EAGAIN;
    *body = buf + PROTO_FRAME_HEADER;
    *body_len = n;
    *consumed = PROTO_FRAME_HEADER + (size_t)n;
    return 0;
}

size_t proto_msg_ops_overhead(uint32_t nops)
{
    /* Frame header, array header, type, batch or cursor (uint64: 9),
     * more flag, the ops array header (5), and a bin32 header (5) per op. */
    return PROTO_FRAME_HEADER + 1 + 1 + 9 + 9 + 1 + 5 + (size_t)nops * 5;
}

/* WELCOME's element count: the version-1 form has no incarnation and no
 * cert_next, the version-2 form no have_hash. */
static int welcome_arity_of(uint32_t version)
{
    /* Version 5 changed no WELCOME element: 12, as version 4. */
    return version == 1 ? 6 : version == 2 ? 8 : version == 3 ? 9 : 12;
}

static int welcome_arity(const proto_msg *m)
{
    return welcome_arity_of(m->u.welcome.version);
}

static int pack_text(msgpack_packer *pk, proto_bytes b)
{
    if (b.len > PROTO_TEXT_MAX || (b.p == NULL && b.len > 0))
        return -1;
    int rc = msgpack_pack_str(pk, b.len);
    if (rc == 0 && b.len)
        rc = msgpack_pack_str_body(pk, b.p, b.len);
    return rc;
}

static int pack_ops(msgpack_packer *pk, const proto_bytes *ops, uint32_t n)
{
    if (n > PROTO_BATCH_MAX_OPS || (n > 0 && ops == NULL))
        return -1;
    int rc = msgpack_pack_array(pk, n);
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        if (ops[i].len == 0 || ops[i].len > PROTO_OP_MAX_BYTES)
            return -1;
        rc = msgpack_pack_bin(pk, ops[i].len);
        if (rc == 0)
            rc = msgpack_pack_bin_body(pk, ops[i].p, ops[i].len);
    }
    return rc;
}

static int pack_hash(msgpack_packer *pk, const uint8_t *hash)
{
    int rc = msgpack_pack_bin(pk, PROTO_HASH_LEN);
    return rc ? rc : msgpack_pack_bin_body(pk, hash, PROTO_HASH_LEN);
}

static int pack_body(msgpack_packer *pk, const proto_msg *m)
{
    int arity =
        m->type == PROTO_MSG_WELCOME ? welcome_arity(m) : msg_arity(m->type);
    int rc = msgpack_pack_array(pk, (size_t)arity);
    if (rc == 0)
        rc = msgpack_pack_uint8(pk, m->type);
    if (rc)
        return rc;
    switch (m->type) {
    case PROTO_MSG_HELLO:
        if ((rc = msgpack_pack_uint32(pk, m->u.hello.version)) ||
            (rc = msgpack_pack_uint64(pk, m->u.hello.device_id)) ||
            (rc = pack_text(pk, m->u.hello.site)) ||
            (rc = pack_text(pk, m->u.hello.device)))
            return rc;
        return pack_text(pk, m->u.hello.credential);
    case PROTO_MSG_WELCOME:
        if ((rc = msgpack_pack_uint32(pk, m->u.welcome.version)) ||
            (rc = msgpack_pack_uint64(pk, m->u.welcome.have_seq)) ||
            (rc = msgpack_pack_int64(pk, m->u.welcome.server_ms)) ||
            (rc = msgpack_pack_uint32(pk, m->u.welcome.max_frame)) ||
            (rc = msgpack_pack_uint32(pk, m->u.welcome.window)))
            return rc;
        if (welcome_arity(m) == 6)
            return 0;
        if (m->u.welcome.cert_next.len > PROTO_CERT_MAX ||
            (m->u.welcome.cert_next.p == NULL && m->u.welcome.cert_next.len))
            return -1;
        if ((rc = msgpack_pack_uint64(pk, m->u.welcome.incarnation)) ||
            (rc = msgpack_pack_bin(pk, m->u.welcome.cert_next.len)))
            return rc;
        if (m->u.welcome.cert_next.len &&
            (rc = msgpack_pack_bin_body(pk, m->u.welcome.cert_next.p,
                                        m->u.welcome.cert_next.len)))
            return rc;
        if (welcome_arity(m) == 8)
            return 0;
        if (m->u.welcome.have_hash.len > PROTO_HASH_LEN ||
            (m->u.welcome.have_hash.p == NULL && m->u.welcome.have_hash.len))
            return -1;
        if ((rc = msgpack_pack_bin(pk, m->u.welcome.have_hash.len)))
            return rc;
        if (m->u.welcome.have_hash.len &&
            (rc = msgpack_pack_bin_body(pk, m->u.welcome.have_hash.p,
                                        m->u.welcome.have_hash.len)))
            return rc;
        if (welcome_arity(m) == 9)
            return 0;
        if ((rc = msgpack_pack_uint64(pk, m->u.welcome.att_max)) ||
            (rc = msgpack_pack_uint64(pk, m->u.welcome.att_quota)))
            return rc;
        return msgpack_pack_uint32(pk, m->u.welcome.att_chunk);
    case PROTO_MSG_PUSH:
        if ((rc = msgpack_pack_uint32(pk, m->u.push.batch)))
            return rc;
        return pack_ops(pk, m->u.push.ops, m->u.push.nops);
    case PROTO_MSG_PUSH_ACK:
        if ((rc = msgpack_pack_uint32(pk, m->u.push_ack.batch)))
            return rc;
        return msgpack_pack_uint64(pk, m->u.push_ack.acked_seq);
    case PROTO_MSG_PULL:
        return msgpack_pack_uint64(pk, m->u.pull.cursor);
    case PROTO_MSG_PULL_OWN:
        return msgpack_pack_uint64(pk, m->u.pull_own.from_seq);
    case PROTO_MSG_OPS:
        if ((rc = pack_ops(pk, m->u.ops.ops, m->u.ops.nops)) ||
            (rc = msgpack_pack_uint64(pk, m->u.ops.next_cursor)))
            return rc;
        return m->u.ops.more ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    case PROTO_MSG_BYE:
        if ((rc = msgpack_pack_uint64(pk, m->u.bye.ops_in)))
            return rc;
        return msgpack_pack_uint64(pk, m->u.bye.ops_out);
    case PROTO_MSG_ERROR:
        if ((rc = pack_text(pk, m->u.error.name)))
            return rc;
        return pack_text(pk, m->u.error.message);
    case PROTO_MSG_REDIRECT:
        if (m->u.redirect.node.len == 0 ||
            m->u.redirect.node.len > PROTO_NODE_MAX ||
            m->u.redirect.addr.len == 0 ||
            m->u.redirect.addr.len > PROTO_ADDR_MAX ||
            m->u.redirect.cert.len == 0 ||
            m->u.redirect.cert.len > PROTO_CERT_MAX ||
            m->u.redirect.cert.p == NULL || m->u.redirect.epoch == 0)
            return -1;
        if ((rc = pack_text(pk, m->u.redirect.node)) ||
            (rc = pack_text(pk, m->u.redirect.addr)) ||
            (rc = msgpack_pack_bin(pk, m->u.redirect.cert.len)) ||
            (rc = msgpack_pack_bin_body(pk, m->u.redirect.cert.p,
                                        m->u.redirect.cert.len)))
            return rc;
        return msgpack_pack_uint64(pk, m->u.redirect.epoch);
    case PROTO_MSG_ATT_OFFER:
        return pack_hash(pk, m->u.att.hash);
    case PROTO_MSG_ATT_STATE:
        if ((rc = pack_hash(pk, m->u.att.hash)) ||
            (rc = msgpack_pack_uint8(pk, m->u.att.state)))
            return rc;
        return msgpack_pack_uint64(pk, m->u.att.offset);
    case PROTO_MSG_ATT_WANT:
        if ((rc = pack_hash(pk, m->u.att.hash)))
            return rc;
        return msgpack_pack_uint64(pk, m->u.att.offset);
    case PROTO_MSG_ATT_DONE:
        if ((rc = pack_hash(pk, m->u.att.hash)))
            return rc;
        return pack_text(pk, m->u.att.error);
    case PROTO_MSG_ATT_CHUNK:
        if (m->u.att.data.len == 0 || m->u.att.data.len > PROTO_ATT_CHUNK_MAX ||
            m->u.att.data.p == NULL ||
            m->u.att.offset + m->u.att.data.len > m->u.att.total)
            return -1;
        if ((rc = pack_hash(pk, m->u.att.hash)) ||
            (rc = msgpack_pack_uint64(pk, m->u.att.offset)) ||
            (rc = msgpack_pack_uint64(pk, m->u.att.total)) ||
            (rc = msgpack_pack_bin(pk, m->u.att.data.len)))
            return rc;
        return msgpack_pack_bin_body(pk, m->u.att.data.p, m->u.att.data.len);
    }
    return -1;
}

int proto_msg_encode(const proto_msg *msg, uint8_t *buf, size_t cap,
                     size_t *len)
{
    if (msg == NULL || len == NULL || msg_arity(msg->type) < 0)
        return RND_EINVAL;
    *len = 0;
    if (cap < PROTO_FRAME_HEADER)
        return RND_ENOSPACE;
    /* The body goes after the header; its length is known only at the
     * end. A frame body is at most 4 GiB - 1 by its header. */
    mp_sink s = {buf + PROTO_FRAME_HEADER, cap - PROTO_FRAME_HEADER, UINT32_MAX,
                 0};
    msgpack_packer pk;
    msgpack_packer_init(&pk, &s, mp_sink_write);
    if (pack_body(&pk, msg) != 0)
        return s.len > s.limit ? RND_ETOOBIG : RND_EINVAL;
    if (s.len > s.cap)
        return RND_ENOSPACE;
    buf[0] = (uint8_t)(s.len >> 24);
    buf[1] = (uint8_t)(s.len >> 16);
    buf[2] = (uint8_t)(s.len >> 8);
    buf[3] = (uint8_t)s.len;
    *len = PROTO_FRAME_HEADER + s.len;
    return 0;
}

static int read_u32(mp_cur *c, uint32_t *out)
{
    uint64_t v;
    int rc = mp_read_u64(c, &v);
    if (rc)
        return rc;
    if (v > UINT32_MAX)
        return RND_ETOOBIG;
    *out = (uint32_t)v;
    return 0;
}

static int read_text(mp_cur *c, proto_bytes *b)
{
    const char *s;
    uint32_t n;
    int rc = mp_read_str(c, PROTO_TEXT_MAX, &s, &n);
    if (rc == 0) {
        b->p = (const uint8_t *)s;
        b->len = n;
    }
    return rc;
}

static int read_ops(mp_cur *c, proto_bytes *ops_buf, size_t ops_cap,
                    proto_bytes **ops, uint32_t *nops)
{
    uint64_t n;
    int rc = mp_read_array(c, &n);
    if (rc)
        return rc;
    if (n > PROTO_BATCH_MAX_OPS || n > ops_cap)
        return RND_ETOOBIG;
    for (uint64_t i = 0; i < n; i++) {
        rc = mp_read_bin_ref(c, PROTO_OP_MAX_BYTES, &ops_buf[i].p,
                             &ops_buf[i].len);
        if (rc)
            return rc;
        if (ops_buf[i].len == 0)
            return RND_EMALFORMED;
    }
    *ops = ops_buf;
    *nops = (uint32_t)n;
    return 0;
}

static int read_hash(mp_cur *c, uint8_t out[PROTO_HASH_LEN])
{
    const uint8_t *p;
    uint32_t n;
    int rc = mp_read_bin_ref(c, PROTO_HASH_LEN, &p, &n);
    if (rc == 0 && n != PROTO_HASH_LEN)
        return RND_EMALFORMED;
    if (rc == 0)
        memcpy(out, p, PROTO_HASH_LEN);
    return rc;
}

static int decode_body(mp_cur *c, proto_msg *m, proto_bytes *ops_buf,
                       size_t ops_cap)
{
    uint64_t n, type;
    int rc, more;

    if ((rc = mp_read_array(c, &n)) || (rc = mp_read_u64(c, &type)))
        return rc;
    if (type > 255 || msg_arity((int)type) < 0)
        return RND_EMALFORMED;
    if (n != (uint64_t)msg_arity((int)type) &&
        !(type == PROTO_MSG_WELCOME && (n == 6 || n == 8 || n == 9)))
        return RND_EMALFORMED;
    memset(m, 0, sizeof *m);
    m->type = (uint8_t)type;
    switch (m->type) {
    case PROTO_MSG_HELLO:
        if ((rc = read_u32(c, &m->u.hello.version)) ||
            (rc = mp_read_u64(c, &m->u.hello.device_id)) ||
            (rc = read_text(c, &m->u.hello.site)) ||
            (rc = read_text(c, &m->u.hello.device)))
            return rc;
        return read_text(c, &m->u.hello.credential);
    case PROTO_MSG_WELCOME:
        if ((rc = read_u32(c, &m->u.welcome.version)) ||
            (rc = mp_read_u64(c, &m->u.welcome.have_seq)) ||
            (rc = mp_read_i64(c, &m->u.welcome.server_ms)) ||
            (rc = read_u32(c, &m->u.welcome.max_frame)) ||
            (rc = read_u32(c, &m->u.welcome.window)))
            return rc;
        /* Each form is its version's and only its version's, so a
         * message re-encodes to the same bytes. */
        if (n != (uint64_t)welcome_arity_of(m->u.welcome.version))
            return RND_EMALFORMED;
        if (n == 6)
            return 0;
        if ((rc = mp_read_u64(c, &m->u.welcome.incarnation)) ||
            (rc = mp_read_bin_ref(c, PROTO_CERT_MAX, &m->u.welcome.cert_next.p,
                                  &m->u.welcome.cert_next.len)))
            return rc;
        if (n == 8)
            return 0;
        rc = mp_read_bin_ref(c, PROTO_HASH_LEN, &m->u.welcome.have_hash.p,
                             &m->u.welcome.have_hash.len);
        if (rc == 0 && m->u.welcome.have_hash.len != 0 &&
            m->u.welcome.have_hash.len != PROTO_HASH_LEN)
            return RND_EMALFORMED;
        if (rc || n == 9)
            return rc;
        if ((rc = mp_read_u64(c, &m->u.welcome.att_max)) ||
            (rc = mp_read_u64(c, &m->u.welcome.att_quota)))
            return rc;
        return read_u32(c, &m->u.welcome.att_chunk);
    case PROTO_MSG_PUSH:
        if ((rc = read_u32(c, &m->u.push.batch)))
            return rc;
        return read_ops(c, ops_buf, ops_cap, &m->u.push.ops, &m->u.push.nops);
    case PROTO_MSG_PUSH_ACK:
        if ((rc = read_u32(c, &m->u.push_ack.batch)))
            return rc;
        return mp_read_u64(c, &m->u.push_ack.acked_seq);
    case PROTO_MSG_PULL:
        return mp_read_u64(c, &m->u.pull.cursor);
    case PROTO_MSG_PULL_OWN:
        return mp_read_u64(c, &m->u.pull_own.from_seq);
    case PROTO_MSG_OPS:
        if ((rc = read_ops(c, ops_buf, ops_cap, &m->u.ops.ops,
                           &m->u.ops.nops)) ||
            (rc = mp_read_u64(c, &m->u.ops.next_cursor)) ||
            (rc = mp_read_bool(c, &more)))
            return rc;
        m->u.ops.more = (uint8_t)more;
        return 0;
    case PROTO_MSG_BYE:
        if ((rc = mp_read_u64(c, &m->u.bye.ops_in)))
            return rc;
        return mp_read_u64(c, &m->u.bye.ops_out);
    case PROTO_MSG_ERROR:
        if ((rc = read_text(c, &m->u.error.name)))
            return rc;
        return read_text(c, &m->u.error.message);
    case PROTO_MSG_REDIRECT:
        if ((rc = read_text(c, &m->u.redirect.node)) ||
            (rc = read_text(c, &m->u.redirect.addr)) ||
            (rc = mp_read_bin_ref(c, PROTO_CERT_MAX, &m->u.redirect.cert.p,
                                  &m->u.redirect.cert.len)) ||
            (rc = mp_read_u64(c, &m->u.redirect.epoch)))
            return rc;
        if (m->u.redirect.node.len == 0 ||
            m->u.redirect.node.len > PROTO_NODE_MAX ||
            m->u.redirect.addr.len == 0 ||
            m->u.redirect.addr.len > PROTO_ADDR_MAX ||
            m->u.redirect.cert.len == 0 || m->u.redirect.epoch == 0)
            return RND_EMALFORMED;
        return 0;
    case PROTO_MSG_ATT_OFFER:
        return read_hash(c, m->u.att.hash);
    case PROTO_MSG_ATT_STATE:
        if ((rc = read_hash(c, m->u.att.hash)) || (rc = mp_read_u64(c, &n)))
            return rc;
        if (n > 255)
            return RND_EMALFORMED;
        m->u.att.state = (uint8_t)n;
        return mp_read_u64(c, &m->u.att.offset);
    case PROTO_MSG_ATT_WANT:
        if ((rc = read_hash(c, m->u.att.hash)))
            return rc;
        return mp_read_u64(c, &m->u.att.offset);
    case PROTO_MSG_ATT_DONE:
        if ((rc = read_hash(c, m->u.att.hash)))
            return rc;
        return read_text(c, &m->u.att.error);
    case PROTO_MSG_ATT_CHUNK:
        if ((rc = read_hash(c, m->u.att.hash)) ||
            (rc = mp_read_u64(c, &m->u.att.offset)) ||
            (rc = mp_read_u64(c, &m->u.att.total)) ||
            (rc = mp_read_bin_ref(c, PROTO_ATT_CHUNK_MAX, &m->u.att.data.p,
                                  &m->u.att.data.len)))
            return rc;
        /* A chunk carries bytes, inside the attachment it belongs to. */
        if (m->u.att.data.len == 0 || m->u.att.total > PROTO_ATT_SIZE_LIMIT ||
            m->u.att.offset > m->u.att.total ||
            m->u.att.data.len > m->u.att.total - m->u.att.offset)
            return RND_EMALFORMED;
        return 0;
    }
    return RND_EMALFORMED;
}

int proto_msg_decode(const uint8_t *body, size_t len, proto_msg *msg,
                     proto_bytes *ops_buf, size_t ops_cap)
{
    mp_cur c;
    if (body == NULL || msg == NULL)
        return RND_EINVAL;
    mp_cur_init(&c, body, len);
    int rc = decode_body(&c, msg, ops_buf, ops_cap);
    if (rc)
        return rc;
    if (c.p != c.end)
        return RND_EMALFORMED; /* trailing bytes */
    return 0;
}

static int node_char_ok(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

int proto_redirect_check(const proto_msg *m)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    if (m == NULL || m->type != PROTO_MSG_REDIRECT)
        return RND_EINVAL;
    const proto_bytes *n = &m->u.redirect.node, *a = &m->u.redirect.addr,
                      *c = &m->u.redirect.cert;
    if (n->len == 0 || n->len > PROTO_NODE_MAX ||
        (n->len == 1 && n->p[0] == '.') ||
        (n->len == 2 && n->p[0] == '.' && n->p[1] == '.'))
        return RND_EFIELD;
    for (uint32_t i = 0; i < n->len; i++)
        if (!node_char_ok(n->p[i]))
            return RND_EFIELD;
    if (a->len == 0 || a->len > PROTO_ADDR_MAX ||
        !proto_enroll_addr_ok((const char *)a->p, a->len))
        return RND_EFIELD;
    /* A PEM file may start with text before its first BEGIN line; the
     * server sends the certificate alone. */
    if (c->len < sizeof begin - 1 || memcmp(c->p, begin, sizeof begin - 1))
        return RND_EFIELD;
    return m->u.redirect.epoch >= 1 ? 0 : RND_EFIELD;
}
