/* test_srv_commit.c: the commit thread (site.h, srv_sites_start). Batches
 * handed over with srv_sites_kick() commit on the thread while the loop
 * goes on; their acks come back through the loop, in order; what sessions
 * queue meanwhile forms the next round by itself; a session that goes away
 * while its batch is in the round is never called back, yet what it sent
 * is committed; srv_sites_flush() waits for the round in flight; after
 * srv_sites_stop() commits run on the caller's thread again. */
#include <stdlib.h>
#include <string.h>

#include "srvtest.h"

#define ID_A 0xa1a1a1a1a1a1a1a1ull
#define ID_B 0xb2b2b2b2b2b2b2b2ull

static int nlogged;

static void count_log(void *ctx, const char *line)
{
    (void)ctx;
    (void)line;
    nlogged++;
}

static void welcome(peer *p, device *d, const char *name, const char *cred)
{
    peer_hello(p, d->id, "north", name, cred);
    proto_msg m;
    peer_expect(p, PROTO_MSG_WELCOME, &m);
}

static void expect_ack(peer *p, uint32_t batch, uint64_t acked)
{
    proto_msg m;
    peer_expect(p, PROTO_MSG_PUSH_ACK, &m);
    ASSERT_EQ(m.u.push_ack.batch, batch);
    ASSERT_U64_EQ(m.u.push_ack.acked_seq, acked);
}

/* Runs the loop until no round is in flight and nothing is queued. */
static void settle(uv_loop_t *loop, harness *h)
{
    for (int i = 0; i < 100000 && (srv_sites_busy(h->sites) ||
                                   srv_sites_pending(h->sites) > 0);
         i++)
        uv_run(loop, UV_RUN_ONCE);
    ASSERT(!srv_sites_busy(h->sites));
    ASSERT_EQ(srv_sites_pending(h->sites), 0);
}

int main(void)
{
    harness h;
    h_init(&h, "srv-commit", 0);
    char ca[SRV_CRED_LEN + 1], cb[SRV_CRED_LEN + 1];
    h_enroll(&h, "north", "a", ca);
    h_enroll(&h, "north", "b", cb);
    device a, b;
    device_open(&a, &h, "a", ID_A);
    device_open(&b, &h, "b", ID_B);
    device_append(&a, 10, 20);
    device_append(&b, 40, 20);

    uv_loop_t loop;
    ASSERT_EQ(uv_loop_init(&loop), 0);
    ASSERT_OK(srv_sites_start(h.sites, &loop, count_log, NULL));

    peer pa, pb;
    peer_open(&pa, &h);
    peer_open(&pb, &h);
    welcome(&pa, &a, "a", ca);
    welcome(&pb, &b, "b", cb);

    /* One round with both sessions' batches: nothing is acked before the
     * loop hears the round is done. */
    peer_push(&pa, 1, &a, 1, 10);
    peer_push(&pb, 1, &b, 1, 10);
    ASSERT_EQ(srv_sites_pending(h.sites), 2);
    ASSERT_OK(srv_sites_kick(h.sites));
    ASSERT(srv_sites_busy(h.sites));
    ASSERT_EQ(srv_sites_pending(h.sites), 0);
    proto_msg m;
    ASSERT_ERR(peer_recv(&pb, &m), RND_EAGAIN);

    /* a goes away with its batch in the round; b queues two more batches,
     * which wait for the round in flight. */
    peer_close(&pa);
    peer_push(&pb, 2, &b, 11, 20);
    peer_push(&pb, 3, &b, 21, 30);
    ASSERT_OK(srv_sites_kick(h.sites)); /* busy: only queues stay */
    ASSERT_EQ(srv_sites_pending(h.sites), 2);

    settle(&loop, &h);
    expect_ack(&pb, 1, 10);
    expect_ack(&pb, 2, 20);
    expect_ack(&pb, 3, 30);
    ASSERT_ERR(peer_recv(&pb, &m), RND_EAGAIN);
    /* a's ops were durable before a left: committed, just not acked. */
    ASSERT_U64_EQ(site_max_seq(&h, "north", ID_A), 10);
    ASSERT_U64_EQ(site_max_seq(&h, "north", ID_B), 30);
    ASSERT_U64_EQ(site_op_count(&h, "north"), 40);

    /* srv_sites_flush() waits for the round in flight, then commits what
     * is queued, on this thread. */
    peer_push(&pb, 4, &b, 31, 35);
    ASSERT_OK(srv_sites_kick(h.sites));
    ASSERT(srv_sites_busy(h.sites));
    peer_push(&pb, 5, &b, 36, 38);
    h_flush(&h);
    ASSERT(!srv_sites_busy(h.sites));
    expect_ack(&pb, 4, 35);
    expect_ack(&pb, 5, 38);

    /* Stopped: kicks commit at once, on the caller's thread. */
    srv_sites_stop(h.sites);
    ASSERT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0); /* closes the async */
    ASSERT_EQ(uv_loop_close(&loop), 0);
    peer_push(&pb, 6, &b, 39, 40);
    ASSERT_OK(srv_sites_kick(h.sites));
    ASSERT(!srv_sites_busy(h.sites));
    expect_ack(&pb, 6, 40);
    ASSERT_U64_EQ(site_op_count(&h, "north"), 50);
    ASSERT_EQ(nlogged, 0);

    peer_close(&pb);
    device_close(&a);
    device_close(&b);
    h_free(&h);
    return 0;
}
