/* test_srv_clock.c: the clock check of pushed ops (site.h, srv_batch):
 * a device clock 6 h ahead of the server's and one 6 h behind what it has
 * seen are measured and kept in the registry record; an honest device is
 * not blamed for the stamps of a fast device it pulled (the HLC is capped
 * at the end of its previous sync); the record survives a re-read and a
 * sync that pushes nothing leaves the last measure alone. */
#include <stdlib.h>
#include <string.h>

#include "srvtest.h"

#define ID_HONEST 0x1111111111111111ull
#define ID_AHEAD 0x2222222222222222ull
#define ID_BEHIND 0x3333333333333333ull
#define ID_OTHER 0x4444444444444444ull
#define H6 (6 * 3600 * 1000LL)

typedef struct put_ctx {
    int64_t wall;
} put_ctx;

static int put_fn(store_txn *txn, void *vctx)
{
    put_ctx *c = vctx;
    proto_op op;
    proto_op_init(&op);
    op.kind = PROTO_KIND_DUTYLOG;
    op.action = PROTO_ACTION_CREATE;
    int rc = proto_entity_new(op.entity, c->wall);
    if (rc == 0)
        rc = proto_op_add_str(&op, "text", "note", 4);
    if (rc == 0)
        rc = store_append_local(txn, &op, c->wall, NULL);
    return rc;
}

/* The device writes one op with its own (possibly wrong) clock. */
static void write_at(device *d, int64_t wall)
{
    put_ctx c = {wall};
    ASSERT_OK(store_write(d->st, put_fn, &c));
}

typedef struct seen_ctx {
    const uint8_t *enc;
    size_t len;
} seen_ctx;

static int seen_fn(store_txn *txn, void *vctx)
{
    seen_ctx *c = vctx;
    int added;
    return store_ingest(txn, c->enc, c->len, 0, &added);
}

/* The device pulls an op of another writer stamped hlc_ms: its HLC moves
 * past it. */
static void pull_stamp(device *d, uint64_t seq, int64_t hlc_ms)
{
    proto_op op;
    proto_op_init(&op);
    op.device_id = ID_OTHER + seq; /* a fresh writer each time */
    op.seq = 1;
    op.hlc = PROTO_HLC_MAKE(hlc_ms, 0);
    op.wall_ms = hlc_ms;
    op.kind = PROTO_KIND_DUTYLOG;
    op.action = PROTO_ACTION_CREATE;
    ASSERT_OK(proto_entity_new(op.entity, hlc_ms));
    ASSERT_OK(proto_op_add_str(&op, "text", "pulled", 6));
    uint8_t buf[512];
    size_t len;
    ASSERT_OK(proto_op_encode(&op, buf, sizeof buf, &len));
    seen_ctx c = {buf, len};
    /* The pull is ingested with receive time 0: no clock bound, so the
     * HLC moves as a handheld's within its bound would. */
    store_set_clock_bound(d->st, -1, 0);
    ASSERT_OK(store_write(d->st, seen_fn, &c));
}

static uint64_t max_seq(device *d)
{
    store_txn *t;
    uint64_t v;
    ASSERT_OK(store_read_begin(d->st, &t));
    ASSERT_OK(store_device_max_seq(t, d->id, &v));
    store_read_end(t);
    return v;
}

/* One complete sync pushing ops from..to (none when from > to). */
static void sync_push(harness *h, device *d, const char *name, const char *cred,
                      uint64_t from, uint64_t to)
{
    peer p;
    proto_msg m;
    peer_open(&p, h);
    peer_hello(&p, d->id, "north", name, cred);
    peer_expect(&p, PROTO_MSG_WELCOME, &m);
    if (from <= to) {
        peer_push(&p, 1, d, from, to);
        h_flush(h);
        peer_expect(&p, PROTO_MSG_PUSH_ACK, &m);
        ASSERT_U64_EQ(m.u.push_ack.acked_seq, to);
    }
    proto_msg bye = {.type = PROTO_MSG_BYE};
    peer_send(&p, &bye);
    peer_expect(&p, PROTO_MSG_BYE, &m);
    peer_close(&p);
    ASSERT_OK(srv_registry_flush(h->reg));
}

static srv_device rec(harness *h, const char *name)
{
    srv_device d;
    ASSERT_OK(srv_registry_get(h->reg, "north", name, &d));
    return d;
}

int main(void)
{
    harness h;
    h_init(&h, "srv-clock", 0);
    const int64_t t0 = h.now;
    char ch[SRV_CRED_LEN + 1], ca[SRV_CRED_LEN + 1], cb[SRV_CRED_LEN + 1];
    h_enroll(&h, "north", "honest", ch);
    h_enroll(&h, "north", "ahead", ca);
    h_enroll(&h, "north", "behind", cb);
    device hon, ahd, beh;
    device_open(&hon, &h, "honest", ID_HONEST);
    device_open(&ahd, &h, "ahead", ID_AHEAD);
    device_open(&beh, &h, "behind", ID_BEHIND);

    /* Never measured before a sync that pushes. */
    ASSERT_EQ(rec(&h, "ahead").have_clock, 0);
    sync_push(&h, &ahd, "ahead", ca, 1, 0);
    ASSERT_EQ(rec(&h, "ahead").have_clock, 0);

    /* Honest: written a minute ago (it waited offline), pushed now. */
    write_at(&hon, t0 - 60000);
    sync_push(&h, &hon, "honest", ch, 1, 1);
    srv_device d = rec(&h, "honest");
    ASSERT_EQ(d.have_clock, 1);
    ASSERT_EQ(d.clock_ahead_ms, -60000);
    ASSERT_EQ(d.clock_behind_ms, 0);

    /* Ahead: its clock says 6 h later than the server's. */
    write_at(&ahd, t0 + H6);
    write_at(&ahd, t0 + H6 + 10);
    sync_push(&h, &ahd, "ahead", ca, 1, 2);
    d = rec(&h, "ahead");
    ASSERT_EQ(d.have_clock, 1);
    ASSERT_EQ(d.clock_ahead_ms, H6 + 10);
    ASSERT(d.clock_behind_ms <= 1);

    /* Behind: it pulled the site (stamped a minute ago) and then wrote with
     * a clock 6 h slow: its HLC runs 6 h ahead of its wall clock. */
    pull_stamp(&beh, 1, t0 - 60000);
    write_at(&beh, t0 - H6);
    sync_push(&h, &beh, "behind", cb, 1, 1);
    d = rec(&h, "behind");
    ASSERT_EQ(d.have_clock, 1);
    ASSERT(d.clock_ahead_ms < 0);
    ASSERT_EQ(d.clock_behind_ms, H6 - 60000);

    /* Honest again, after pulling the fast device's ops (stamped 6 h in
     * the future): its HLC jumps, its clock is right. The cap (the end of
     * its previous sync, t0) keeps it from being called "behind". */
    h.now = t0 + 5000;
    pull_stamp(&hon, 2, t0 + H6 + 10);
    write_at(&hon, t0 + 4000);
    sync_push(&h, &hon, "honest", ch, 2, max_seq(&hon));
    d = rec(&h, "honest");
    ASSERT_EQ(d.have_clock, 1);
    ASSERT_EQ(d.clock_ahead_ms, -1000);
    ASSERT(d.clock_behind_ms <= 0);

    /* The behind device fixes its clock: the next sync with ops clears it;
     * a sync that pushes nothing keeps the last measure. */
    sync_push(&h, &beh, "behind", cb, 2, 1);
    ASSERT_EQ(rec(&h, "behind").clock_behind_ms, H6 - 60000);
    write_at(&beh, h.now - 100);
    sync_push(&h, &beh, "behind", cb, 2, 2);
    d = rec(&h, "behind");
    ASSERT(d.clock_behind_ms <= 0);
    ASSERT_EQ(d.clock_ahead_ms, -100);

    /* The record round-trips through a reopened registry. */
    srv_registry_close(h.reg);
    ASSERT_OK(srv_registry_open(h.dir, 0, &h.reg));
    h.ctx.reg = h.reg;
    d = rec(&h, "ahead");
    ASSERT_EQ(d.have_clock, 1);
    ASSERT_EQ(d.clock_ahead_ms, H6 + 10);

    device_close(&hon);
    device_close(&ahd);
    device_close(&beh);
    h_free(&h);
    return 0;
}
