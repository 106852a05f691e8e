/* test_srv_push.c: PUSH: acks only after the (group) commit, resends
 * dropped, a gap or a bad prev_hash refused with ECHAIN, ops under another
 * device id refused with EFOREIGN, the window, and one session's refused
 * batch not costing another session its commit. */
#include <stdlib.h>
#include <string.h>

#include "srvtest.h"

#define ID_A 0xa1a1a1a1a1a1a1a1ull
#define ID_B 0xb2b2b2b2b2b2b2b2ull

/* Sends one hand-made op (to forge gaps, hashes and ids). */
static void push_forged(peer *p, uint32_t batch, uint64_t device_id,
                        uint64_t seq, const uint8_t prev[PROTO_HASH_LEN])
{
    proto_op op;
    proto_op_init(&op);
    op.device_id = device_id;
    op.seq = seq;
    op.hlc = PROTO_HLC_MAKE(1700000000000, 0);
    op.wall_ms = 1700000000000;
    op.kind = PROTO_KIND_DUTYLOG;
    op.action = PROTO_ACTION_CREATE;
    ASSERT_OK(proto_entity_new(op.entity, 1700000000000));
    ASSERT_OK(proto_op_add_str(&op, "text", "forged", 6));
    memcpy(op.prev_hash, prev, PROTO_HASH_LEN);
    uint8_t buf[1024];
    size_t len;
    ASSERT_OK(proto_op_encode(&op, buf, sizeof buf, &len));
    proto_bytes b = {buf, (uint32_t)len};
    proto_msg m = {.type = PROTO_MSG_PUSH};
    m.u.push.batch = batch;
    m.u.push.nops = 1;
    m.u.push.ops = &b;
    peer_send(p, &m);
}

int main(void)
{
    harness h;
    h_init(&h, "srv-push", 0);
    char ca[SRV_CRED_LEN + 1], cb[SRV_CRED_LEN + 1];
    h_enroll(&h, "north", "a", ca);
    h_enroll(&h, "north", "b", cb);
    device a, b;
    device_open(&a, &h, "a", ID_A);
    device_open(&b, &h, "b", ID_B);
    device_append(&a, 30, 20);
    device_append(&b, 10, 20);

    /* Two pipelined batches: no ack before the commit, both after it, in
     * order, and one commit for both. */
    peer p;
    peer_open(&p, &h);
    ASSERT_U64_EQ(peer_welcome(&p, &a, "north", "a", ca), 0);
    peer_push(&p, 1, &a, 1, 10);
    peer_push(&p, 2, &a, 11, 20);
    proto_msg m;
    ASSERT_ERR(peer_recv(&p, &m), RND_EAGAIN);
    ASSERT_EQ(srv_sites_pending(h.sites), 2);
    ASSERT_U64_EQ(site_op_count(&h, "north"), 0);
    h.now += 5;
    h_flush(&h);
    ASSERT(p.wakes > 0);
    peer_expect_ack(&p, 1, 10);
    peer_expect_ack(&p, 2, 20);
    ASSERT_U64_EQ(site_op_count(&h, "north"), 20);
    ASSERT_EQ(srv_session_ops_in(p.s), 20);

    /* A resend of what is held is dropped, the new part stored. */
    peer_push(&p, 3, &a, 15, 25);
    h_flush(&h);
    peer_expect_ack(&p, 3, 25);
    ASSERT_U64_EQ(site_op_count(&h, "north"), 25);
    ASSERT_EQ(srv_session_ops_in(p.s), 25);
    /* An empty PUSH is acked with what is held. */
    proto_msg empty = {.type = PROTO_MSG_PUSH};
    empty.u.push.batch = 4;
    peer_send(&p, &empty);
    h_flush(&h);
    peer_expect_ack(&p, 4, 25);
    proto_msg bye = {.type = PROTO_MSG_BYE};
    peer_send(&p, &bye);
    peer_expect(&p, PROTO_MSG_BYE, &m);
    ASSERT_U64_EQ(m.u.bye.ops_in, 25);
    ASSERT_U64_EQ(m.u.bye.ops_out, 0);
    peer_close(&p);
    ASSERT(strstr(h.log[h.nlog - 1], "in=25 out=0") != NULL);
    ASSERT(strstr(h.log[h.nlog - 1], "result=ok") != NULL);
    /* The registry learns about the sync at its flush. */
    ASSERT_OK(srv_registry_flush(h.reg));
    srv_device d;
    ASSERT_OK(srv_registry_get(h.reg, "north", "a", &d));
    ASSERT_U64_EQ(d.held_seq, 25);
    ASSERT_U64_EQ(d.last_ops_in, 25);
    ASSERT_EQ(d.last_sync_ms, h.now);
    /* Device wall time of the newest op minus the server's receive time. */
    ASSERT_EQ(d.last_skew_ms, (1700000000000 + 24) - (h.now));

    /* Reconnect: WELCOME says 25; a gap (27 after 25) is ECHAIN and
     * nothing of that batch is stored. */
    peer_open(&p, &h);
    ASSERT_U64_EQ(peer_welcome(&p, &a, "north", "a", ca), 25);
    peer_push(&p, 1, &a, 27, 30);
    h_flush(&h);
    peer_expect_error(&p, "ECHAIN");
    peer_close(&p);
    ASSERT_U64_EQ(site_max_seq(&h, "north", ID_A), 25);
    ASSERT(strstr(h.log[h.nlog - 1], "result=ECHAIN") != NULL);

    /* A wrong prev_hash at the right seq is ECHAIN too. */
    uint8_t zeros[PROTO_HASH_LEN] = {0};
    peer_open(&p, &h);
    ASSERT_U64_EQ(peer_welcome(&p, &a, "north", "a", ca), 25);
    push_forged(&p, 1, ID_A, 26, zeros);
    h_flush(&h);
    peer_expect_error(&p, "ECHAIN");
    peer_close(&p);

    /* An op under another device's id: EFOREIGN, refused before any
     * commit. */
    peer_open(&p, &h);
    ASSERT_U64_EQ(peer_welcome(&p, &a, "north", "a", ca), 25);
    push_forged(&p, 1, ID_B, 1, zeros);
    peer_expect_error(&p, "EFOREIGN");
    ASSERT_EQ(srv_sites_pending(h.sites), 0);
    peer_close(&p);
    ASSERT_U64_EQ(site_max_seq(&h, "north", ID_B), 0);

    /* The window: a 9th unacked PUSH is not read until a commit. */
    peer_open(&p, &h);
    ASSERT_U64_EQ(peer_welcome(&p, &a, "north", "a", ca), 25);
    for (uint32_t i = 0; i < SRV_WINDOW_DEFAULT + 1; i++)
        peer_push(&p, 10 + i, &a, 26, 26);
    ASSERT_EQ(srv_sites_pending(h.sites), SRV_WINDOW_DEFAULT);
    ASSERT(srv_bufq_len(&p.in) > 0);
    h_flush(&h);
    for (uint32_t i = 0; i < SRV_WINDOW_DEFAULT; i++)
        peer_expect_ack(&p, 10 + i, 26);
    peer_run(&p); /* what the connection does on wake */
    ASSERT_EQ(srv_bufq_len(&p.in), 0);
    h_flush(&h);
    peer_expect_ack(&p, 10 + SRV_WINDOW_DEFAULT, 26);
    peer_close(&p);
    ASSERT_U64_EQ(site_max_seq(&h, "north", ID_A), 26);

    /* Group commit: two sessions in one flush; b's batch has a gap, a's is
     * good: a is acked and stored, b refused, in one flush. */
    peer pa, pb;
    peer_open(&pa, &h);
    peer_open(&pb, &h);
    ASSERT_U64_EQ(peer_welcome(&pa, &a, "north", "a", ca), 26);
    ASSERT_U64_EQ(peer_welcome(&pb, &b, "north", "b", cb), 0);
    peer_push(&pb, 1, &b, 1, 3);
    peer_push(&pb, 2, &b, 5, 6); /* gap */
    peer_push(&pa, 1, &a, 27, 30);
    ASSERT_EQ(srv_sites_pending(h.sites), 3);
    h_flush(&h);
    peer_expect_ack(&pb, 1, 3);
    peer_expect_error(&pb, "ECHAIN");
    peer_expect_ack(&pa, 1, 30);
    ASSERT_U64_EQ(site_max_seq(&h, "north", ID_A), 30);
    ASSERT_U64_EQ(site_max_seq(&h, "north", ID_B), 3);

    /* A session that goes away with batches queued: they are dropped,
     * their callbacks never run. */
    peer_push(&pa, 2, &a, 30, 30);
    ASSERT_EQ(srv_sites_pending(h.sites), 1);
    peer_close(&pa);
    ASSERT_EQ(srv_sites_pending(h.sites), 0);
    h_flush(&h);
    peer_close(&pb);

    device_close(&a);
    device_close(&b);
    h_free(&h);

    /* Bytes waiting for a commit are bounded too: with the smallest
     * max_frame, batches of ~60 KB stop being read at 3, window or not. */
    h_init(&h, "srv-push-bytes", SRV_MAX_FRAME_MIN);
    h_enroll(&h, "north", "a", ca);
    device_open(&a, &h, "a", ID_A);
    device_append(&a, 60, 4000);
    peer_open(&p, &h);
    ASSERT_U64_EQ(peer_welcome(&p, &a, "north", "a", ca), 0);
    for (uint32_t i = 0; i < 4; i++)
        peer_push(&p, i + 1, &a, 15 * i + 1, 15 * i + 15);
    ASSERT_EQ(srv_sites_pending(h.sites), 3);
    h_flush(&h);
    for (uint32_t i = 0; i < 3; i++)
        peer_expect_ack(&p, i + 1, 15 * i + 15);
    peer_run(&p);
    h_flush(&h);
    peer_expect_ack(&p, 4, 60);
    peer_close(&p);
    device_close(&a);
    h_free(&h);
    return 0;
}
