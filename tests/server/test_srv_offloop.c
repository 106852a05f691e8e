/* test_srv_offloop.c: the serve loop never waits for a durable write of
 * the registry's sync notes or for a site store to open (issue 13, item
 * 8). With a loop started:
 *  - a HELLO to a site whose store is not open yet returns at once: the
 *    session waits (srv_session_opening) and answers nothing until the
 *    store, opened on a worker of the loop's pool, comes back through the
 *    loop; a second HELLO to the same site shares that open; a session
 *    closed while it waits is never called back;
 *  - srv_registry_kick() returns while another thread holds the
 *    registry's write lock (a commit on the caller's thread would wait for
 *    it: the test would hang and time out), and the note is durable once
 *    the lock is released and the worker ran;
 *  - srv_registry_flush() (shutdown) waits for the commit in flight, so
 *    notes commit in the order they were queued. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "srvtest.h"

#define ID_A 0xa1a1a1a1a1a1a1a1ull
#define ID_B 0xb2b2b2b2b2b2b2b2ull
#define ID_C 0xc3c3c3c3c3c3c3c3ull

static void quiet_log(void *ctx, const char *line)
{
    (void)ctx;
    (void)line;
}

/* Runs the loop (a bounded while) until p has a frame to read. */
static void wait_frame(uv_loop_t *loop, peer *p)
{
    for (int i = 0; i < 10000 && srv_bufq_len(&p->out) == 0; i++) {
        uv_run(loop, UV_RUN_NOWAIT);
        if (srv_bufq_len(&p->out) == 0)
            usleep(1000);
    }
    ASSERT(srv_bufq_len(&p->out) > 0);
}

static int64_t last_sync(harness *h, const char *site, const char *name)
{
    srv_device d;
    ASSERT_OK(srv_registry_get(h->reg, site, name, &d));
    return d.last_sync_ms;
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
    h_init(&h, "srv-offloop", 0);
    char ca[SRV_CRED_LEN + 1], cb[SRV_CRED_LEN + 1], cc[SRV_CRED_LEN + 1];
    h_enroll(&h, "north", "a", ca);
    h_enroll(&h, "north", "b", cb);
    h_enroll(&h, "south", "c", cc);

    uv_loop_t loop;
    ASSERT_EQ(uv_loop_init(&loop), 0);
    ASSERT_OK(srv_registry_start(h.reg, &loop, quiet_log, NULL));
    ASSERT_OK(srv_sites_start(h.sites, &loop, quiet_log, NULL));

    /* Three HELLOs to sites not open yet: none is answered before the
     * loop runs the opens' completions. */
    peer pa, pb, pc;
    peer_open(&pa, &h);
    peer_open(&pb, &h);
    peer_open(&pc, &h);
    peer_hello(&pa, ID_A, "north", "a", ca);
    peer_hello(&pb, ID_B, "north", "b", cb);
    peer_hello(&pc, ID_C, "south", "c", cc);
    ASSERT(srv_session_opening(pa.s));
    ASSERT(srv_session_opening(pb.s));
    ASSERT(srv_session_opening(pc.s));
    proto_msg m;
    ASSERT_ERR(peer_recv(&pa, &m), RND_EAGAIN);
    ASSERT_ERR(peer_recv(&pb, &m), RND_EAGAIN);
    /* c leaves while it waits: its session must not be called back (ASan
     * sees a use after free otherwise). */
    peer_close(&pc);

    wait_frame(&loop, &pa);
    peer_expect(&pa, PROTO_MSG_WELCOME, &m);
    ASSERT_U64_EQ(m.u.welcome.have_seq, 0);
    wait_frame(&loop, &pb);
    peer_expect(&pb, PROTO_MSG_WELCOME, &m);
    ASSERT(!srv_session_opening(pa.s));
    ASSERT(pa.wakes > 0 && pb.wakes > 0);
    /* Once open, a HELLO to the site is answered at once. */
    peer pa2;
    peer_open(&pa2, &h);
    srv_site *north;
    ASSERT_OK(srv_sites_open(h.sites, "north", 5, NULL, &north));
    peer_hello(&pa2, ID_A, "north", "a", ca);
    ASSERT(!srv_session_opening(pa2.s));
    peer_expect(&pa2, PROTO_MSG_WELCOME, &m);
    peer_close(&pa2);

    /* The sync notes: another thread holds the registry's write lock. */
    ASSERT_OK(srv_registry_flush(h.reg));
    int64_t before = last_sync(&h, "north", "a");
    blocker bl;
    block(&bl, srv_registry_store(h.reg));
    h.now += 60000;
    bye(&pa);
    peer_close(&pa);          /* queues its note */
    srv_registry_kick(h.reg); /* returns: the commit is on a worker */
    uv_run(&loop, UV_RUN_NOWAIT);
    ASSERT_U64_EQ((uint64_t)last_sync(&h, "north", "a"), (uint64_t)before);
    /* b's note queues behind the commit in flight. */
    h.now += 60000;
    bye(&pb);
    peer_close(&pb);
    srv_registry_kick(h.reg);
    unblock(&bl);
    /* Shutdown's flush: after the commit in flight, then b's. */
    ASSERT_OK(srv_registry_flush(h.reg));
    ASSERT_U64_EQ((uint64_t)last_sync(&h, "north", "a"),
                  (uint64_t)(h.now - 60000));
    ASSERT_U64_EQ((uint64_t)last_sync(&h, "north", "b"), (uint64_t)h.now);

    /* A later note commits on a worker while the loop runs. */
    peer pb2;
    device db;
    device_open(&db, &h, "b2", ID_B);
    peer_open(&pb2, &h);
    peer_welcome(&pb2, &db, "north", "b", cb);
    h.now += 60000;
    bye(&pb2);
    peer_close(&pb2);
    srv_registry_kick(h.reg);
    for (int i = 0; i < 10000 && last_sync(&h, "north", "b") != h.now; i++) {
        uv_run(&loop, UV_RUN_NOWAIT);
        usleep(1000);
    }
    ASSERT_U64_EQ((uint64_t)last_sync(&h, "north", "b"), (uint64_t)h.now);
    device_close(&db);

    srv_sites_stop(h.sites);
    ASSERT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
    ASSERT_EQ(uv_loop_close(&loop), 0);
    h_free(&h);
    return 0;
}
