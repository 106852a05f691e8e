/* test_srv_move.c: a site moving to another node, seen by the session
 * (site_move.h, docs/NODES.md): once the store's mark says MOVING, a
 * session already past HELLO gets its next batch refused (EMOVED, nothing
 * stored) and a new HELLO is told EBUSY; once it says MOVED, a HELLO of
 * version 5 gets REDIRECT (the mark's node, or the directory's when
 * newer), one of version 4 ERROR EMOVED, and a wrong credential still
 * the one EAUTH. The registry's export and import of the site's devices:
 * the credential and the bound id work on the other registry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "site_move.h"
#include "srvtest.h"

#define ID_A 0x1111222233334444ull

static const char PEM[] = "-----BEGIN CERTIFICATE-----\nMIIB\n"
                          "-----END CERTIFICATE-----\n";

typedef struct mark_ctx {
    int state;
    const srv_node_ref *to;
} mark_ctx;

static int mark_fn(store_txn *t, void *arg)
{
    mark_ctx *c = arg;
    return srv_site_mark_put(t, c->state, c->to);
}

static void mark(harness *h, int state, const srv_node_ref *to)
{
    srv_site *site;
    ASSERT_OK(srv_sites_get(h->sites, "S1", 2, 0, &site));
    mark_ctx c = {state, to};
    ASSERT_OK(store_write(srv_site_store(site), mark_fn, &c));
}

static void hello_v(peer *p, uint32_t version, const char *cred)
{
    proto_msg m = {.type = PROTO_MSG_HELLO};
    m.u.hello.version = version;
    m.u.hello.device_id = ID_A;
    m.u.hello.site = (proto_bytes){(const uint8_t *)"S1", 2};
    m.u.hello.device = (proto_bytes){(const uint8_t *)"h1", 2};
    m.u.hello.credential =
        (proto_bytes){(const uint8_t *)cred, (uint32_t)strlen(cred)};
    peer_send(p, &m);
}

/* The directory's answer in the last test: node-c, epoch 3. */
static srv_node_ref dir_ref;
static int dir_where(void *ctx, const char *site, srv_node_ref *to)
{
    (void)ctx;
    if (strcmp(site, "S1") != 0)
        return RND_ENOTFOUND;
    *to = dir_ref;
    return 0;
}

static int bytes_is(proto_bytes b, const char *s)
{
    return b.len == strlen(s) && memcmp(b.p, s, b.len) == 0;
}

int main(void)
{
    harness h;
    char cred[SRV_CRED_LEN + 1];
    h_init(&h, "move", 0);
    h_enroll(&h, "S1", "h1", cred);
    device d;
    device_open(&d, &h, "h1", ID_A);
    device_append(&d, 4, 10);

    /* A session past HELLO before the mark. */
    peer p;
    peer_open(&p, &h);
    ASSERT_EQ(peer_welcome(&p, &d, "S1", "h1", cred), 0);
    peer_push(&p, 1, &d, 1, 2);
    h_flush(&h);
    peer_expect_ack(&p, 1, 2);
    uint64_t held = site_op_count(&h, "S1");

    /* MOVING: its next batch is refused, nothing stored. */
    static srv_node_ref to;
    memset(&to, 0, sizeof to);
    to.epoch = 2;
    snprintf(to.node, sizeof to.node, "node-b");
    snprintf(to.addr, sizeof to.addr, "127.0.0.1:7444");
    memcpy(to.cert, PEM, sizeof PEM);
    to.cert_len = sizeof PEM - 1;
    mark(&h, SRV_SITE_MOVING, &to);
    peer_push(&p, 2, &d, 3, 4);
    h_flush(&h);
    peer_expect_error(&p, "EMOVED");
    peer_close(&p);
    ASSERT_U64_EQ(site_op_count(&h, "S1"), held);

    /* A new HELLO while it moves: EBUSY, retry. */
    peer_open(&p, &h);
    hello_v(&p, PROTO_VERSION, cred);
    peer_expect_error(&p, "EBUSY");
    peer_close(&p);

    /* MOVED: REDIRECT to version 5 with the mark's node. */
    mark(&h, SRV_SITE_MOVED, &to);
    peer_open(&p, &h);
    hello_v(&p, 5, cred);
    proto_msg m;
    peer_expect(&p, PROTO_MSG_REDIRECT, &m);
    ASSERT(bytes_is(m.u.redirect.node, "node-b"));
    ASSERT(bytes_is(m.u.redirect.addr, "127.0.0.1:7444"));
    ASSERT(bytes_is(m.u.redirect.cert, PEM));
    ASSERT_U64_EQ(m.u.redirect.epoch, 2);
    ASSERT_OK(proto_redirect_check(&m));
    ASSERT_EQ(srv_session_state_of(p.s), SRV_CLOSING);
    ASSERT(strstr(h.log[h.nlog - 1], "result=EMOVED") != NULL);
    peer_close(&p);

    /* Version 4 cannot follow: ERROR EMOVED naming the node. */
    peer_open(&p, &h);
    hello_v(&p, 4, cred);
    peer_expect_error(&p, "EMOVED");
    peer_close(&p);

    /* A wrong credential learns nothing about the move. */
    char bad[SRV_CRED_LEN + 1];
    memcpy(bad, cred, sizeof bad);
    bad[SRV_CRED_LEN - 1] = bad[SRV_CRED_LEN - 1] == '0' ? '1' : '0';
    peer_open(&p, &h);
    hello_v(&p, 5, bad);
    peer_expect_error(&p, "EAUTH");
    peer_close(&p);

    /* The directory knows better (the site moved on): its node wins. */
    dir_ref = to;
    dir_ref.epoch = 3;
    snprintf(dir_ref.node, sizeof dir_ref.node, "node-c");
    snprintf(dir_ref.addr, sizeof dir_ref.addr, "10.0.0.9:7443");
    h.ctx.where = dir_where;
    peer_open(&p, &h);
    hello_v(&p, 5, cred);
    peer_expect(&p, PROTO_MSG_REDIRECT, &m);
    ASSERT(bytes_is(m.u.redirect.node, "node-c"));
    ASSERT_U64_EQ(m.u.redirect.epoch, 3);
    peer_close(&p);
    h.ctx.where = NULL;

    /* The devices travel: exported here, imported into another registry,
     * the credential and the bound id work there. */
    uint8_t *buf;
    size_t len, n;
    ASSERT_OK(srv_registry_export_site(h.reg, "S1", &buf, &len, &n));
    ASSERT_EQ(n, 1);
    char other[4200];
    snprintf(other, sizeof other, "%s/other", h.dir);
    srv_registry *r2;
    ASSERT_OK(srv_registry_open(other, 1, &r2));
    char why[200];
    ASSERT_OK(srv_registry_import(r2, buf, len, &n, why, sizeof why));
    ASSERT_EQ(n, 1);
    srv_device dev;
    const char *w;
    int need_bind = 1;
    ASSERT_OK(srv_registry_check(r2, "S1", 2, "h1", 2, (const uint8_t *)cred,
                                 strlen(cred), ID_A, 0, &dev, &need_bind, &w));
    ASSERT_EQ(need_bind, 0); /* bound already, to the same id */
    ASSERT_U64_EQ(dev.device_id, ID_A);
    /* Another id with that credential: refused there too. */
    ASSERT_ERR(srv_registry_check(r2, "S1", 2, "h1", 2, (const uint8_t *)cred,
                                  strlen(cred), ID_A + 1, 0, &dev, &need_bind,
                                  &w),
               RND_EAUTH);
    /* Importing twice: refused whole. */
    ASSERT_ERR(srv_registry_import(r2, buf, len, &n, why, sizeof why),
               RND_EEXIST);
    /* Bytes that do not decode. */
    ASSERT_ERR(srv_registry_import(r2, buf, len - 1, &n, why, sizeof why),
               RND_ECORRUPT);
    srv_registry_close(r2);
    free(buf);

    device_close(&d);
    h_free(&h);
    return 0;
}
