/* test_srv_commit.c: the commit thread (site.h, srv_sites_start). Batches
 * are committed on the thread while the loop goes on; their acks come
 * back through the loop, in order; what sessions queue while a round
 * commits is the next round; a session that goes away while the thread
 * holds its batch is never called back, yet what it sent is committed;
 * srv_sites_flush() waits for the thread; after srv_sites_stop() commits
 * run on the caller's thread again. srv_sites_last_commit_ms() says when
 * the thread last committed, also after the stop (the shipper asks while
 * serve stops), and srv_yield_ms() is the rule the shipper and the group
 * reports wait by.
 *
 * To hold the thread in the middle of a round, another thread of the test
 * keeps the site store's write lock (store_write waits for it). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Runs the loop until nothing is queued, committing or waiting for its
 * callback. */
static void settle(uv_loop_t *loop, harness *h)
{
    for (int i = 0; i < 100000 && srv_sites_busy(h->sites); i++)
        uv_run(loop, UV_RUN_NOWAIT);
    ASSERT(!srv_sites_busy(h->sites));
    ASSERT_EQ(srv_sites_pending(h->sites), 0);
}

/* Waits (a bounded while) until the commit thread has taken every queued
 * batch. */
static void wait_taken(harness *h)
{
    for (int i = 0; i < 5000 && srv_sites_pending(h->sites) > 0; i++)
        usleep(1000);
    ASSERT_EQ(srv_sites_pending(h->sites), 0);
}

/* srv_yield_ms on given times: settle 250 ms, at most 5000 ms a pass. */
static void check_yield_rule(void)
{
    int64_t since = -1;
    /* No commit yet, or the last one 250 ms old or more: go at once. */
    ASSERT_EQ(srv_yield_ms(1000, 0, 250, 5000, &since), 0);
    ASSERT_EQ(srv_yield_ms(1000, 750, 250, 5000, &since), 0);
    ASSERT_EQ(since, -1); /* not waiting */
    /* A commit 100 ms ago: wait the 150 ms left of the settle; the first
     * wait starts the pass's clock. */
    ASSERT_EQ(srv_yield_ms(1000, 900, 250, 5000, &since), 150);
    ASSERT_EQ(since, 1000);
    /* Commits keep coming: wait again, never past the pass's 5000 ms. */
    ASSERT_EQ(srv_yield_ms(3000, 2990, 250, 5000, &since), 240);
    ASSERT_EQ(srv_yield_ms(5900, 5890, 250, 5000, &since), 100);
    ASSERT_EQ(srv_yield_ms(6000, 5999, 250, 5000, &since), 0);
    ASSERT_EQ(since, 1000); /* the caller resets it for the next pass */
}

int main(void)
{
    check_yield_rule();
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
    ASSERT_EQ(srv_sites_last_commit_ms(h.sites), 0);
    ASSERT_OK(srv_sites_start(h.sites, &loop, count_log, NULL));

    /* Open before the HELLOs, which then find it open (test_srv_offloop
     * covers a HELLO that waits for its site's store). */
    srv_site *north;
    ASSERT_OK(srv_sites_get(h.sites, "north", 5, 1, &north));
    peer pa, pb;
    peer_open(&pa, &h);
    peer_open(&pb, &h);
    peer_welcome(&pa, &a, "north", "a", ca);
    peer_welcome(&pb, &b, "north", "b", cb);

    /* The thread takes a's batch at once and waits for the store; b's,
     * sent meanwhile, queues for the next round. Nothing is acked. */
    blocker bl;
    block(&bl, srv_site_store(north));
    peer_push(&pa, 1, &a, 1, 10);
    ASSERT_OK(srv_sites_kick(h.sites));
    wait_taken(&h);
    ASSERT(srv_sites_busy(h.sites));
    peer_push(&pb, 1, &b, 1, 10);
    ASSERT_EQ(srv_sites_pending(h.sites), 1);
    uv_run(&loop, UV_RUN_NOWAIT);
    proto_msg m;
    ASSERT_ERR(peer_recv(&pa, &m), RND_EAGAIN);
    ASSERT_ERR(peer_recv(&pb, &m), RND_EAGAIN);

    /* a goes away with its batch in the thread's hands; b queues two more
     * batches. */
    peer_close(&pa);
    peer_push(&pb, 2, &b, 11, 20);
    peer_push(&pb, 3, &b, 21, 30);
    ASSERT_EQ(srv_sites_pending(h.sites), 3);
    unblock(&bl);

    settle(&loop, &h);
    int64_t committed = srv_sites_last_commit_ms(h.sites);
    ASSERT(committed > 0 && committed <= (int64_t)(uv_hrtime() / 1000000u));
    peer_expect_ack(&pb, 1, 10);
    peer_expect_ack(&pb, 2, 20);
    peer_expect_ack(&pb, 3, 30);
    ASSERT_ERR(peer_recv(&pb, &m), RND_EAGAIN);
    /* a's ops were taken before a left: committed, just not acked. */
    ASSERT_U64_EQ(site_max_seq(&h, "north", ID_A), 10);
    ASSERT_U64_EQ(site_max_seq(&h, "north", ID_B), 30);
    ASSERT_U64_EQ(site_op_count(&h, "north"), 40);

    /* srv_sites_flush() waits for the thread, then runs the callbacks
     * here. */
    block(&bl, srv_site_store(north));
    peer_push(&pb, 4, &b, 31, 35);
    wait_taken(&h);
    peer_push(&pb, 5, &b, 36, 38);
    unblock(&bl);
    h_flush(&h);
    ASSERT(!srv_sites_busy(h.sites));
    peer_expect_ack(&pb, 4, 35);
    peer_expect_ack(&pb, 5, 38);

    /* Stopped: kicks commit at once, on the caller's thread. */
    srv_sites_stop(h.sites);
    ASSERT(srv_sites_last_commit_ms(h.sites) >= committed);
    ASSERT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0); /* closes the async */
    ASSERT_EQ(uv_loop_close(&loop), 0);
    peer_push(&pb, 6, &b, 39, 40);
    ASSERT_EQ(srv_sites_pending(h.sites), 1);
    ASSERT_OK(srv_sites_kick(h.sites));
    ASSERT_EQ(srv_sites_pending(h.sites), 0);
    peer_expect_ack(&pb, 6, 40);
    ASSERT_U64_EQ(site_op_count(&h, "north"), 50);
    ASSERT_EQ(nlogged, 0);

    peer_close(&pb);
    device_close(&a);
    device_close(&b);
    h_free(&h);
    return 0;
}
