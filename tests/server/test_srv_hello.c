/* test_srv_hello.c: the HELLO checks of a session: accepted (and bound on
 * first use), unknown device, revoked, wrong credential, credential of
 * another device id, wrong site, wrong version; one log line each. */
#include <stdio.h>
#include <string.h>

#include "srvtest.h"

#define ID_A 0x1111222233334444ull
#define ID_B 0x5555666677778888ull

static void expect_refused(harness *h, uint64_t id, const char *site,
                           const char *name, const char *cred, const char *err)
{
    peer p;
    peer_open(&p, h);
    int before = h->nlog;
    peer_hello(&p, id, site, name, cred);
    peer_expect_error(&p, err);
    /* Nothing else is sent, and nothing more is read. */
    proto_msg m;
    ASSERT_ERR(peer_recv(&p, &m), RND_EAGAIN);
    ASSERT_EQ(h->nlog, before + 1);
    char want[64];
    snprintf(want, sizeof want, "result=%s", err);
    ASSERT(strstr(h->log[before], want) != NULL);
    peer_close(&p);
    ASSERT_EQ(h->nlog, before + 1); /* freeing does not log again */
}

int main(void)
{
    harness h;
    h_init(&h, "srv-hello", 0);
    char cred[SRV_CRED_LEN + 1], cred2[SRV_CRED_LEN + 1];
    h_enroll(&h, "north", "gate1", cred);
    ASSERT(strncmp(cred, "rdc1-", 5) == 0);
    h_enroll(&h, "south", "gate9", cred2);
    char again[SRV_CRED_LEN + 1];
    ASSERT_ERR(srv_registry_enroll(h.reg, "north", "gate1", 0, again),
               RND_EEXIST);
    ASSERT_ERR(srv_registry_enroll(h.reg, "no/rth", "gate1", 0, again),
               RND_EINVAL);

    /* A good hello: WELCOME, and the device id is bound. */
    peer p;
    peer_open(&p, &h);
    peer_hello(&p, ID_A, "north", "gate1", cred);
    proto_msg m;
    peer_expect(&p, PROTO_MSG_WELCOME, &m);
    ASSERT_EQ(m.u.welcome.version, PROTO_VERSION);
    ASSERT_U64_EQ(m.u.welcome.have_seq, 0);
    ASSERT_EQ(m.u.welcome.server_ms, h.now);
    ASSERT_EQ(m.u.welcome.max_frame, PROTO_FRAME_MAX_DEFAULT);
    ASSERT_EQ(m.u.welcome.window, SRV_WINDOW_DEFAULT);
    /* The site store's incarnation, set when it was created; no next
     * certificate is staged. */
    uint64_t inc = m.u.welcome.incarnation;
    ASSERT(inc != 0);
    ASSERT_EQ(m.u.welcome.cert_next.len, 0);
    ASSERT_EQ(srv_session_state_of(p.s), SRV_SERVING);
    srv_device d;
    ASSERT_OK(srv_registry_get(h.reg, "north", "gate1", &d));
    ASSERT_U64_EQ(d.device_id, ID_A);
    ASSERT(!d.revoked);

    /* HELLO twice is a protocol error. */
    peer_hello(&p, ID_A, "north", "gate1", cred);
    peer_expect_error(&p, "EPROTO");
    peer_close(&p);
    ASSERT(strstr(h.log[h.nlog - 1],
                  "sync site=north device=gate1 "
                  "id=1111222233334444 in=0 out=0 ms=") != NULL);
    ASSERT(strstr(h.log[h.nlog - 1], "result=EPROTO") != NULL);

    /* The same credential again from the same device is fine. */
    peer_open(&p, &h);
    peer_hello(&p, ID_A, "north", "gate1", cred);
    peer_expect(&p, PROTO_MSG_WELCOME, &m);
    proto_msg bye = {.type = PROTO_MSG_BYE};
    peer_send(&p, &bye);
    peer_expect(&p, PROTO_MSG_BYE, &m);
    ASSERT_EQ(srv_session_state_of(p.s), SRV_CLOSING);
    ASSERT_EQ(srv_session_result(p.s), 0);
    ASSERT(strstr(h.log[h.nlog - 1], "result=ok") != NULL);
    peer_close(&p);

    expect_refused(&h, ID_A, "north", "gate2", cred, "EUNKNOWNDEV");
    expect_refused(&h, ID_A, "north", "gate1", cred2, "EAUTH");
    expect_refused(&h, ID_A, "north", "gate1", "", "EAUTH");
    /* The credential is bound to ID_A now. */
    expect_refused(&h, ID_B, "north", "gate1", cred, "EAUTH");
    /* ID_A is a device of north: claiming south is ESITE. */
    expect_refused(&h, ID_A, "south", "gate1", cred, "ESITE");
    /* Names that could never be enrolled. */
    expect_refused(&h, ID_A, "../etc", "gate1", cred, "EUNKNOWNDEV");
    expect_refused(&h, ID_A, "north", "", cred, "EUNKNOWNDEV");
    /* The south device cannot take ID_A, bound to north/gate1. */
    expect_refused(&h, ID_A, "south", "gate9", cred2, "EAUTH");

    /* A wrong protocol version. */
    peer_open(&p, &h);
    proto_msg hm = {.type = PROTO_MSG_HELLO};
    hm.u.hello.version = PROTO_VERSION + 1;
    hm.u.hello.device_id = ID_A;
    hm.u.hello.site = (proto_bytes){(const uint8_t *)"north", 5};
    hm.u.hello.device = (proto_bytes){(const uint8_t *)"gate1", 5};
    hm.u.hello.credential = (proto_bytes){(const uint8_t *)cred, SRV_CRED_LEN};
    peer_send(&p, &hm);
    peer_expect_error(&p, "EVERSION");
    peer_close(&p);

    /* A version-1 client still gets the version-1 WELCOME. */
    peer_open(&p, &h);
    hm.u.hello.version = 1;
    peer_send(&p, &hm);
    peer_expect(&p, PROTO_MSG_WELCOME, &m);
    ASSERT_EQ(m.u.welcome.version, 1);
    ASSERT_U64_EQ(m.u.welcome.incarnation, 0);
    ASSERT_EQ(srv_session_state_of(p.s), SRV_SERVING);
    peer_close(&p);
    /* Version 0 is refused. */
    peer_open(&p, &h);
    hm.u.hello.version = 0;
    peer_send(&p, &hm);
    peer_expect_error(&p, "EVERSION");
    peer_close(&p);
    /* The incarnation is the store's, the same at every hello. */
    peer_open(&p, &h);
    peer_hello(&p, ID_A, "north", "gate1", cred);
    peer_expect(&p, PROTO_MSG_WELCOME, &m);
    ASSERT_U64_EQ(m.u.welcome.incarnation, inc);
    peer_close(&p);

    /* Revoked: refused; re-enrolled: a fresh credential works, the old one
     * does not. */
    int was = 1;
    ASSERT_OK(srv_registry_revoke(h.reg, "north", "gate1", &was));
    ASSERT_EQ(was, 0);
    ASSERT_OK(srv_registry_revoke(h.reg, "north", "gate1", &was));
    ASSERT_EQ(was, 1);
    ASSERT_ERR(srv_registry_revoke(h.reg, "north", "nope", NULL),
               RND_ENOTFOUND);
    expect_refused(&h, ID_A, "north", "gate1", cred, "EREVOKED");
    char fresh[SRV_CRED_LEN + 1];
    h_enroll(&h, "north", "gate1", fresh);
    ASSERT(strcmp(fresh, cred) != 0);
    expect_refused(&h, ID_A, "north", "gate1", cred, "EAUTH");
    peer_open(&p, &h);
    peer_hello(&p, ID_B, "north", "gate1", fresh);
    peer_expect(&p, PROTO_MSG_WELCOME, &m);
    peer_close(&p);
    ASSERT(strstr(h.log[h.nlog - 1], "result=ECLOSED") != NULL);
    ASSERT_OK(srv_registry_get(h.reg, "north", "gate1", &d));
    ASSERT_U64_EQ(d.device_id, ID_B);

    /* A connection that never says HELLO logs nothing. */
    int before = h.nlog;
    peer_open(&p, &h);
    peer_close(&p);
    ASSERT_EQ(h.nlog, before);

    h_free(&h);
    return 0;
}
