/* test_srv_attach.c: the server's side of the attachments (protocol 4,
 * server/session_att.c), in memory: an offer answered from the index and
 * the files (SEND, HAVE, UNKNOWN, TOOBIG, QUOTA); an upload whose bytes do
 * not hash to their name refused (EHASH) and stored nowhere; an upload
 * cut after its first chunk resumed by the next session from there; a
 * download in chunks that add up to the bytes (COMING), MISSING for bytes
 * not uploaded yet; a chunk of an attachment no op names, or of a refused
 * one, ends the session; a version-3 session may not use them. */
#include <stdlib.h>
#include <string.h>

#include "../../proto/attach.h"
#include "../../proto/sha256.h"
#include "../../storage/blob.h"
#include "srvtest.h"

#define ID_A 0xa1a1a1a1a1a1a1a1ull
#define SIZE 600000 /* three chunks of 256 KiB: 262144 + 262144 + 75712 */

typedef struct att_ctx {
    proto_attach a;
} att_ctx;

static int attach_fn(store_txn *t, void *arg)
{
    static proto_op op;
    static char hex[2][PROTO_ATTACH_HEX + 1];
    att_ctx *c = arg;
    uint8_t id[PROTO_ENTITY_LEN];
    proto_op_init(&op);
    op.kind = PROTO_KIND_DUTYLOG;
    op.action = PROTO_ACTION_CREATE;
    int rc = proto_entity_new(id, 1700000000000);
    memcpy(op.entity, id, sizeof id);
    if (rc == 0)
        rc = proto_op_add_str(&op, "text", "pipe", 4);
    if (rc == 0)
        rc = store_append_local(t, &op, 1700000000000, NULL);
    if (rc)
        return rc;
    proto_op_init(&op);
    op.kind = PROTO_KIND_DUTYLOG;
    op.action = PROTO_ACTION_ATTACH;
    memcpy(op.entity, id, sizeof id);
    rc = proto_attach_fields(&c->a, &op, hex);
    return rc ? rc : store_append_local(t, &op, 1700000000001, NULL);
}

/* Writes a record and an attach op naming bytes[0..n) on d. */
static void attach(device *d, const uint8_t *bytes, size_t n,
                   uint8_t hash[PROTO_HASH_LEN])
{
    att_ctx c = {{{0}}};
    proto_sha256(bytes, n, c.a.hash);
    c.a.size = n;
    c.a.media = PROTO_MEDIA_JPEG;
    c.a.role = PROTO_ATT_PHOTO;
    c.a.by = "guard-a";
    c.a.by_len = 7;
    ASSERT_OK(store_write(d->st, attach_fn, &c));
    memcpy(hash, c.a.hash, PROTO_HASH_LEN);
}

static void offer(peer *p, const uint8_t *hash, int want_state,
                  uint64_t want_offset)
{
    proto_msg m = {.type = PROTO_MSG_ATT_OFFER};
    memcpy(m.u.att.hash, hash, PROTO_HASH_LEN);
    peer_send(p, &m);
    peer_expect(p, PROTO_MSG_ATT_STATE, &m);
    ASSERT_MEM_EQ(m.u.att.hash, hash, PROTO_HASH_LEN);
    ASSERT_EQ(m.u.att.state, want_state);
    ASSERT_U64_EQ(m.u.att.offset, want_offset);
}

static void chunk(peer *p, const uint8_t *hash, const uint8_t *bytes,
                  uint64_t off, size_t len, uint64_t total)
{
    proto_msg m = {.type = PROTO_MSG_ATT_CHUNK};
    memcpy(m.u.att.hash, hash, PROTO_HASH_LEN);
    m.u.att.offset = off;
    m.u.att.total = total;
    m.u.att.data = (proto_bytes){bytes + off, (uint32_t)len};
    peer_send(p, &m);
}

/* Sends bytes[from..total) in 256 KiB chunks. */
static void upload(peer *p, const uint8_t *hash, const uint8_t *bytes,
                   uint64_t from, uint64_t total)
{
    for (uint64_t off = from; off < total; off += 262144) {
        uint64_t left = total - off;
        chunk(p, hash, bytes, off, left < 262144 ? (size_t)left : 262144,
              total);
    }
}

static void expect_done(peer *p, const uint8_t *hash, const char *error)
{
    proto_msg m;
    peer_expect(p, PROTO_MSG_ATT_DONE, &m);
    ASSERT_MEM_EQ(m.u.att.hash, hash, PROTO_HASH_LEN);
    ASSERT_EQ(m.u.att.error.len, strlen(error));
    ASSERT(memcmp(m.u.att.error.p, error, m.u.att.error.len) == 0);
}

static void bye(peer *p)
{
    proto_msg m = {.type = PROTO_MSG_BYE};
    peer_send(p, &m);
    peer_expect(p, PROTO_MSG_BYE, &m);
}

int main(void)
{
    harness h;
    h_init(&h, "srv-attach", 0);
    char ca[SRV_CRED_LEN + 1];
    h_enroll(&h, "north", "a", ca);
    device a;
    device_open(&a, &h, "a", ID_A);
    static uint8_t photo[SIZE], wrong[SIZE], big[SIZE + 1000];
    for (size_t i = 0; i < SIZE; i++) {
        photo[i] = (uint8_t)(i * 31 + 7);
        wrong[i] = (uint8_t)(i * 31 + 8);
    }
    uint8_t hp[PROTO_HASH_LEN], hm[PROTO_HASH_LEN], hb[PROTO_HASH_LEN];
    uint8_t unknown[PROTO_HASH_LEN];
    attach(&a, photo, SIZE, hp);         /* ops 1, 2 */
    attach(&a, photo + 1, SIZE - 1, hm); /* 3, 4: never uploaded */
    attach(&a, big, sizeof big, hb);     /* 5, 6: over att_max */
    memset(unknown, 0x5a, sizeof unknown);

    peer p;
    peer_open(&p, &h);
    h.ctx.att_max = SIZE; /* big's SIZE + 1,000 bytes are too many */
    peer_welcome(&p, &a, "north", "a", ca);
    peer_push(&p, 1, &a, 1, 6);
    h_flush(&h);
    peer_expect_ack(&p, 1, 6);

    /* Offers: unknown, too big, to send from 0. */
    offer(&p, unknown, PROTO_ATT_UNKNOWN, 0);
    offer(&p, hb, PROTO_ATT_TOOBIG, 0);
    offer(&p, hp, PROTO_ATT_SEND, 0);

    /* Bytes that do not hash to the name: refused, stored nowhere. */
    upload(&p, hp, wrong, 0, SIZE);
    expect_done(&p, hp, "EHASH");
    blob_store *bs;
    char path[600];
    snprintf(path, sizeof path, "%s/sites/north/attachments", h.dir);
    ASSERT_OK(blob_open(&bs, path));
    uint64_t have = 1;
    ASSERT_ERR(blob_has(bs, hp, NULL), RND_ENOTFOUND);
    ASSERT_OK(blob_partial_size(bs, hp, &have));
    ASSERT_U64_EQ(have, 0);

    /* Again, cut after the first chunk: the next session resumes there. */
    offer(&p, hp, PROTO_ATT_SEND, 0);
    chunk(&p, hp, photo, 0, 262144, SIZE);
    proto_msg m;
    ASSERT_ERR(peer_recv(&p, &m), RND_EAGAIN); /* no ATT_DONE mid-upload */
    peer_close(&p);
    ASSERT_OK(blob_partial_size(bs, hp, &have));
    ASSERT_U64_EQ(have, 262144);

    peer_open(&p, &h);
    peer_welcome(&p, &a, "north", "a", ca);
    offer(&p, hp, PROTO_ATT_SEND, 262144);
    upload(&p, hp, photo, 262144, SIZE);
    expect_done(&p, hp, "");
    uint64_t size = 0;
    ASSERT_OK(blob_has(bs, hp, &size));
    ASSERT_U64_EQ(size, SIZE);
    ASSERT_OK(blob_verify(bs, hp));
    offer(&p, hp, PROTO_ATT_HAVE, SIZE);

    /* Downloads: in chunks adding up to the bytes; MISSING and UNKNOWN. */
    proto_msg w = {.type = PROTO_MSG_ATT_WANT};
    memcpy(w.u.att.hash, hp, PROTO_HASH_LEN);
    peer_send(&p, &w);
    peer_expect(&p, PROTO_MSG_ATT_STATE, &m);
    ASSERT_EQ(m.u.att.state, PROTO_ATT_COMING);
    ASSERT_U64_EQ(m.u.att.offset, 0);
    static uint8_t got[SIZE];
    uint64_t at = 0;
    int chunks = 0;
    while (at < SIZE) {
        peer_expect(&p, PROTO_MSG_ATT_CHUNK, &m);
        ASSERT_MEM_EQ(m.u.att.hash, hp, PROTO_HASH_LEN);
        ASSERT_U64_EQ(m.u.att.offset, at);
        ASSERT_U64_EQ(m.u.att.total, SIZE);
        ASSERT(m.u.att.data.len <= 262144);
        memcpy(got + at, m.u.att.data.p, m.u.att.data.len);
        at += m.u.att.data.len;
        chunks++;
    }
    ASSERT_EQ(chunks, 3);
    ASSERT_MEM_EQ(got, photo, SIZE);
    memcpy(w.u.att.hash, hm, PROTO_HASH_LEN);
    peer_send(&p, &w);
    peer_expect(&p, PROTO_MSG_ATT_STATE, &m);
    ASSERT_EQ(m.u.att.state, PROTO_ATT_MISSING);
    memcpy(w.u.att.hash, unknown, PROTO_HASH_LEN);
    peer_send(&p, &w);
    peer_expect(&p, PROTO_MSG_ATT_STATE, &m);
    ASSERT_EQ(m.u.att.state, PROTO_ATT_UNKNOWN);

    /* A download resumed from an offset. */
    memcpy(w.u.att.hash, hp, PROTO_HASH_LEN);
    w.u.att.offset = 500000;
    peer_send(&p, &w);
    peer_expect(&p, PROTO_MSG_ATT_STATE, &m);
    ASSERT_EQ(m.u.att.state, PROTO_ATT_COMING);
    ASSERT_U64_EQ(m.u.att.offset, 500000);
    peer_expect(&p, PROTO_MSG_ATT_CHUNK, &m);
    ASSERT_EQ(m.u.att.data.len, SIZE - 500000);
    ASSERT_MEM_EQ(m.u.att.data.p, photo + 500000, SIZE - 500000);
    bye(&p);
    peer_close(&p);

    /* A chunk of a refused (too big) attachment ends the session. */
    peer_open(&p, &h);
    peer_welcome(&p, &a, "north", "a", ca);
    chunk(&p, hb, big, 0, 1000, sizeof big);
    peer_expect_error(&p, "ETOOBIG");
    peer_close(&p);
    /* So does a chunk no op names. */
    peer_open(&p, &h);
    peer_welcome(&p, &a, "north", "a", ca);
    chunk(&p, unknown, photo, 0, 100, 100);
    peer_expect_error(&p, "EPROTO");
    peer_close(&p);

    /* The quota: what the device's ops name and the server holds (the
     * photo, 600,000 bytes) plus the next one must stay within it. */
    h.ctx.att_quota = SIZE + 1000;
    peer_open(&p, &h);
    peer_welcome(&p, &a, "north", "a", ca);
    offer(&p, hm, PROTO_ATT_QUOTA, 0);
    bye(&p);
    peer_close(&p);

    /* Version 3 has no attachments. */
    peer_open(&p, &h);
    proto_msg hello = {.type = PROTO_MSG_HELLO};
    hello.u.hello.version = 3;
    hello.u.hello.device_id = ID_A;
    hello.u.hello.site = (proto_bytes){(const uint8_t *)"north", 5};
    hello.u.hello.device = (proto_bytes){(const uint8_t *)"a", 1};
    hello.u.hello.credential =
        (proto_bytes){(const uint8_t *)ca, (uint32_t)strlen(ca)};
    peer_send(&p, &hello);
    peer_expect(&p, PROTO_MSG_WELCOME, &m);
    ASSERT_EQ(m.u.welcome.version, 3);
    ASSERT_U64_EQ(m.u.welcome.att_max, 0); /* the 9-element form */
    proto_msg o = {.type = PROTO_MSG_ATT_OFFER};
    memcpy(o.u.att.hash, hp, PROTO_HASH_LEN);
    peer_send(&p, &o);
    peer_expect_error(&p, "EPROTO");
    peer_close(&p);

    blob_close(bs);
    device_close(&a);
    h_free(&h);
    printf("test_srv_attach: ok\n");
    return 0;
}
