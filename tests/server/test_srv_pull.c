/* test_srv_pull.c: PULL: a device gets every other device's ops of its
 * site in arrival order, never its own, never another site's; frames stay
 * under max_frame and page with more = 1 until the last; cursors resume;
 * OPS frames are produced only while the output is below its high-water
 * mark; PULL waits for pending commits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srvtest.h"

#define ID_A 0x0a0a0a0a0a0a0a0aull
#define ID_B 0x0b0b0b0b0b0b0b0bull
#define ID_C 0x0c0c0c0c0c0c0c0cull
#define TEXT 4000

static void push_all(harness *h, device *d, const char *site, const char *name,
                     const char *cred, uint64_t n)
{
    peer p;
    peer_open(&p, h);
    peer_welcome(&p, d, site, name, cred);
    /* Batches of 10 ops stay under the small max_frame of this test. */
    proto_msg m;
    for (uint64_t from = 1; from <= n; from += 10) {
        uint64_t to = from + 9 < n ? from + 9 : n;
        peer_push(&p, (uint32_t)from, d, from, to);
        h_flush(h);
        peer_expect(&p, PROTO_MSG_PUSH_ACK, &m);
        ASSERT_U64_EQ(m.u.push_ack.acked_seq, to);
    }
    peer_close(&p);
}

static void send_pull(peer *p, uint64_t cursor)
{
    proto_msg m = {.type = PROTO_MSG_PULL};
    m.u.pull.cursor = cursor;
    peer_send(p, &m);
}

/* Reads OPS frames until more = 0, checking each op is device d's next
 * one; returns the number of frames, sets *cursor. */
static int read_pull(peer *p, device *d, uint64_t *next_seq, uint64_t *cursor,
                     uint32_t max_frame)
{
    int frames = 0;
    for (;;) {
        proto_msg m;
        int rc = peer_recv(p, &m);
        if (rc == RND_EAGAIN) {
            peer_run(p); /* the output drained: more frames */
            rc = peer_recv(p, &m);
        }
        ASSERT_OK(rc);
        ASSERT_EQ(m.type, PROTO_MSG_OPS);
        frames++;
        size_t bytes = 0;
        for (uint32_t i = 0; i < m.u.ops.nops; i++) {
            size_t len;
            uint8_t *want = device_op(d, (*next_seq)++, &len);
            ASSERT_EQ(m.u.ops.ops[i].len, len);
            ASSERT_MEM_EQ(m.u.ops.ops[i].p, want, len);
            free(want);
            bytes += len;
        }
        ASSERT_LE(bytes + proto_msg_ops_overhead(m.u.ops.nops), max_frame);
        *cursor = m.u.ops.next_cursor;
        if (!m.u.ops.more)
            return frames;
    }
}

int main(void)
{
    harness h;
    h_init(&h, "srv-pull", SRV_MAX_FRAME_MIN);
    uint32_t max_frame = h.ctx.max_frame;
    char ca[SRV_CRED_LEN + 1], cb[SRV_CRED_LEN + 1], cc[SRV_CRED_LEN + 1];
    h_enroll(&h, "north", "a", ca);
    h_enroll(&h, "north", "b", cb);
    h_enroll(&h, "south", "c", cc);
    device a, b, c;
    device_open(&a, &h, "a", ID_A);
    device_open(&b, &h, "b", ID_B);
    device_open(&c, &h, "c", ID_C);
    device_append(&a, 100, TEXT);
    device_append(&b, 10, 10);
    device_append(&c, 5, 10);
    push_all(&h, &b, "north", "b", cb, 5); /* b's first ops arrive first */
    push_all(&h, &a, "north", "a", ca, 100);
    push_all(&h, &c, "south", "c", cc, 5);

    /* b pushes its last 5 and pulls in the same breath: the PULL waits for
     * the commit, then b gets a's 100 ops in several frames and none of
     * its own. */
    peer p;
    peer_open(&p, &h);
    peer_welcome(&p, &b, "north", "b", cb);
    peer_push(&p, 1, &b, 6, 10);
    send_pull(&p, 0);
    proto_msg m;
    ASSERT_ERR(peer_recv(&p, &m), RND_EAGAIN);
    h_flush(&h);
    peer_expect(&p, PROTO_MSG_PUSH_ACK, &m);
    peer_run(&p); /* the wake */
    /* Backpressure: the session stopped at the high-water mark. */
    ASSERT(srv_bufq_len(&p.out) >= SRV_OUT_HIWAT(max_frame));
    ASSERT(srv_bufq_len(&p.out) <= SRV_OUT_CAP(max_frame));
    ASSERT(srv_session_ops_out(p.s) < 100);
    uint64_t next_seq = 1, cursor = 0;
    int frames = read_pull(&p, &a, &next_seq, &cursor, max_frame);
    ASSERT_U64_EQ(next_seq, 101);
    ASSERT_GT(frames, 4);       /* 100 ops of ~4 KB under a ~66 KB frame */
    ASSERT_U64_EQ(cursor, 110); /* b 5, a 100, b 5: past all of them */
    ASSERT_EQ(srv_session_ops_out(p.s), 100);

    /* Caught up: a second PULL from the cursor gives one empty frame. */
    send_pull(&p, cursor);
    peer_expect(&p, PROTO_MSG_OPS, &m);
    ASSERT_EQ(m.u.ops.nops, 0);
    ASSERT_EQ(m.u.ops.more, 0);
    ASSERT_U64_EQ(m.u.ops.next_cursor, cursor);
    proto_msg bye = {.type = PROTO_MSG_BYE};
    peer_send(&p, &bye);
    peer_expect(&p, PROTO_MSG_BYE, &m);
    ASSERT_U64_EQ(m.u.bye.ops_in, 5);
    ASSERT_U64_EQ(m.u.bye.ops_out, 100);
    peer_close(&p);
    ASSERT(strstr(h.log[h.nlog - 1], "in=5 out=100") != NULL);

    /* Resuming from a cursor in the middle (after a cut): a pulls from 0
     * and gets b's ops only, 1..10 (5 before its own, 5 after). */
    peer_open(&p, &h);
    peer_welcome(&p, &a, "north", "a", ca);
    send_pull(&p, 0);
    next_seq = 1;
    read_pull(&p, &b, &next_seq, &cursor, max_frame);
    ASSERT_U64_EQ(next_seq, 11);
    peer_close(&p);
    peer_open(&p, &h);
    peer_welcome(&p, &a, "north", "a", ca);
    send_pull(&p, 3); /* b's ops 4 and 5, then b's 6..10 */
    next_seq = 4;
    read_pull(&p, &b, &next_seq, &cursor, max_frame);
    ASSERT_U64_EQ(next_seq, 11);
    peer_close(&p);

    /* c, at the other site, sees nothing of north. */
    peer_open(&p, &h);
    peer_welcome(&p, &c, "south", "c", cc);
    send_pull(&p, 0);
    peer_expect(&p, PROTO_MSG_OPS, &m);
    ASSERT_EQ(m.u.ops.nops, 0);
    ASSERT_EQ(m.u.ops.more, 0);
    /* PULL before HELLO on another connection: EPROTO. */
    peer q;
    peer_open(&q, &h);
    send_pull(&q, 0);
    peer_expect_error(&q, "EPROTO");
    peer_close(&q);
    peer_close(&p);

    device_close(&a);
    device_close(&b);
    device_close(&c);
    h_free(&h);
    return 0;
}
