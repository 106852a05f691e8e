/* test_srv_malformed.c: whatever bytes a peer sends, the session answers
 * ERROR with the decoder's error name and closes, never reading on: a
 * zero-length frame, a frame announced over max_frame (refused on its
 * header), garbage, an unknown type, a truncated body, a server-only
 * message; a peer's ERROR just closes. Then random bytes, for crashes. */
#include <stdlib.h>
#include <string.h>

#include "srvtest.h"

static void expect_bytes(harness *h, const void *bytes, size_t n,
                         const char *err)
{
    peer p;
    peer_open(&p, h);
    peer_send_raw(&p, bytes, n);
    peer_expect_error(&p, err);
    peer_close(&p);
}

int main(void)
{
    harness h;
    h_init(&h, "srv-malformed", 0);

    static const uint8_t zero_len[] = {0, 0, 0, 0, 0x91, 0x01};
    expect_bytes(&h, zero_len, sizeof zero_len, "EMALFORMED");
    /* 16 MiB announced: refused as soon as the header is in. */
    static const uint8_t huge[] = {0x01, 0x00, 0x00, 0x00, 0x91};
    expect_bytes(&h, huge, sizeof huge, "ETOOBIG");
    /* One past the limit. */
    uint32_t over = PROTO_FRAME_MAX_DEFAULT + 1;
    uint8_t hdr[4] = {(uint8_t)(over >> 24), (uint8_t)(over >> 16),
                      (uint8_t)(over >> 8), (uint8_t)over};
    expect_bytes(&h, hdr, sizeof hdr, "ETOOBIG");
    /* Not an array. */
    static const uint8_t notarray[] = {0, 0, 0, 1, 0xc0};
    expect_bytes(&h, notarray, sizeof notarray, "ETYPE");
    /* Unknown type 99. */
    static const uint8_t unknown[] = {0, 0, 0, 3, 0x92, 99, 0};
    expect_bytes(&h, unknown, sizeof unknown, "EMALFORMED");
    /* A body cut short inside the array. */
    static const uint8_t truncated[] = {0, 0, 0, 2, 0x92, 0x05};
    expect_bytes(&h, truncated, sizeof truncated, "ETRUNC");
    /* Trailing bytes after the message. */
    static const uint8_t trailing[] = {0, 0, 0, 4, 0x92, 0x05, 0x00, 0x00};
    expect_bytes(&h, trailing, sizeof trailing, "EMALFORMED");
    /* A server's message from a client. */
    proto_msg w = {.type = PROTO_MSG_WELCOME};
    w.u.welcome.version = 1;
    uint8_t buf[256];
    size_t len;
    ASSERT_OK(proto_msg_encode(&w, buf, sizeof buf, &len));
    expect_bytes(&h, buf, len, "EPROTO");

    /* A partial frame is just waited for. */
    peer p;
    peer_open(&p, &h);
    peer_send_raw(&p, buf, 3);
    proto_msg m;
    ASSERT_ERR(peer_recv(&p, &m), RND_EAGAIN);
    ASSERT_EQ(srv_session_state_of(p.s), SRV_AWAIT_HELLO);
    peer_close(&p);

    /* The peer's ERROR: the session closes without answering. */
    peer_open(&p, &h);
    proto_msg e = {.type = PROTO_MSG_ERROR};
    e.u.error.name = (proto_bytes){(const uint8_t *)"ETLS", 4};
    e.u.error.message = (proto_bytes){(const uint8_t *)"bye", 3};
    peer_send(&p, &e);
    ASSERT_ERR(peer_recv(&p, &m), RND_EAGAIN);
    ASSERT_EQ(srv_session_state_of(p.s), SRV_CLOSING);
    peer_close(&p);

    /* After an error nothing more is read, even a good frame. */
    peer_open(&p, &h);
    peer_send_raw(&p, notarray, sizeof notarray);
    peer_expect_error(&p, "ETYPE");
    proto_msg pull = {.type = PROTO_MSG_PULL};
    ASSERT_OK(proto_msg_encode(&pull, buf, sizeof buf, &len));
    peer_send_raw(&p, buf, len);
    ASSERT_ERR(peer_recv(&p, &m), RND_EAGAIN);
    peer_close(&p);

    /* Random bytes with a plausible header: never a crash, always either
     * waiting or CLOSING with one ERROR. */
    srand(12345);
    for (int round = 0; round < 2000; round++) {
        uint8_t junk[64];
        size_t n = 4 + (size_t)(rand() % 60);
        for (size_t i = 0; i < n; i++)
            junk[i] = (uint8_t)rand();
        junk[0] = junk[1] = 0;
        junk[2] = 0;
        junk[3] = (uint8_t)(1 + rand() % (n - 3));
        if (round % 3 == 0)
            junk[4] = (uint8_t)(0x90 | (rand() % 7));
        peer_open(&p, &h);
        peer_send_raw(&p, junk, n);
        if (srv_session_state_of(p.s) == SRV_CLOSING) {
            int rc = peer_recv(&p, &m);
            if (rc == 0)
                ASSERT_EQ(m.type, PROTO_MSG_ERROR);
        }
        peer_close(&p);
    }
    h_free(&h);
    return 0;
}
