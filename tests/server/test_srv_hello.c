/* test_srv_hello.c: the HELLO checks of a session: accepted (and bound on
 * first use), then every refusal (version, wrong credential, unknown
 * device, bad names, revoked, another site, device id 0, the site's office
 * id, another device's id, a credential bound to another id, the server
 * full, frames before HELLO), each followed by the device's correct HELLO,
 * which must still work: a refused HELLO writes nothing. A wrong
 * credential gets one answer whatever the device's state. One log line
 * per HELLO. */
#include <stdio.h>
#include <string.h>

#include "srvtest.h"

#define ID_A 0x1111222233334444ull
#define ID_B 0x5555666677778888ull
#define ID_F 0x0f0f0f0f0f0f0f0full

/* Reads the ERROR the server sent into name and text. */
static void recv_error(peer *p, char name[32], char text[PROTO_TEXT_MAX + 1])
{
    proto_msg m;
    peer_expect(p, PROTO_MSG_ERROR, &m);
    snprintf(name, 32, "%.*s", (int)m.u.error.name.len,
             (const char *)m.u.error.name.p);
    snprintf(text, PROTO_TEXT_MAX + 1, "%.*s", (int)m.u.error.message.len,
             (const char *)m.u.error.message.p);
    ASSERT_EQ(srv_session_state_of(p->s), SRV_CLOSING);
}

/* A HELLO that must be refused with err (and, if text is not NULL, that
 * sentence); one log line, nothing else sent. */
static void expect_refused_text(harness *h, uint64_t id, const char *site,
                                const char *name, const char *cred,
                                const char *err, const char *text)
{
    peer p;
    peer_open(&p, h);
    int before = h->nlog;
    peer_hello(&p, id, site, name, cred);
    char got[32], msg[PROTO_TEXT_MAX + 1];
    recv_error(&p, got, msg);
    fprintf(stderr, "ERROR %s: %s\n", got, msg);
    ASSERT_STR_EQ(got, err);
    if (text != NULL)
        ASSERT_STR_EQ(msg, text);
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

static void expect_refused(harness *h, uint64_t id, const char *site,
                           const char *name, const char *cred, const char *err)
{
    expect_refused_text(h, id, site, name, cred, err, NULL);
}

/* The device's correct HELLO is welcomed and its record is bound to id. */
static void expect_works(harness *h, uint64_t id, const char *site,
                         const char *name, const char *cred)
{
    peer p;
    peer_open(&p, h);
    peer_hello(&p, id, site, name, cred);
    proto_msg m;
    peer_expect(&p, PROTO_MSG_WELCOME, &m);
    ASSERT_EQ(srv_session_state_of(p.s), SRV_SERVING);
    proto_msg bye = {.type = PROTO_MSG_BYE};
    peer_send(&p, &bye);
    peer_expect(&p, PROTO_MSG_BYE, &m);
    ASSERT_EQ(srv_session_result(p.s), 0);
    peer_close(&p);
    srv_device d;
    ASSERT_OK(srv_registry_get(h->reg, site, name, &d));
    ASSERT_U64_EQ(d.device_id, id);
    ASSERT(!d.revoked);
}

/* The record of site/name is bound to id (0: unbound). */
static void expect_bound(harness *h, const char *site, const char *name,
                         uint64_t id)
{
    srv_device d;
    ASSERT_OK(srv_registry_get(h->reg, site, name, &d));
    ASSERT_U64_EQ(d.device_id, id);
}

static int full; /* the admit hook says the server is full */
static int admitted;

static int admit(void *ctx, void *owner, const char **why)
{
    (void)why;
    (void)ctx;
    (void)owner;
    if (full)
        return 1;
    admitted++;
    return 0;
}

/* A raw frame before any HELLO is refused; the HELLO after it works. */
static void refused_before_hello(harness *h, const void *bytes, size_t n,
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
    h_init(&h, "srv-hello", 0);
    h.ctx.admit = admit;
    char cred[SRV_CRED_LEN + 1], cred2[SRV_CRED_LEN + 1];
    char credf[SRV_CRED_LEN + 1];
    h_enroll(&h, "north", "gate1", cred);
    ASSERT(strncmp(cred, "rdc1-", 5) == 0);
    h_enroll(&h, "south", "gate9", cred2);
    char again[SRV_CRED_LEN + 1];
    ASSERT_ERR(srv_registry_enroll(h.reg, "north", "gate1", 0, again),
               RND_EEXIST);
    ASSERT_ERR(srv_registry_enroll(h.reg, "no/rth", "gate1", 0, again),
               RND_EINVAL);

    /* A device not bound yet, F, and the id of its site's office writer.
     * Item "HELLO checks everything before it binds anything": F's
     * credential with the office's id is refused and binds nothing, so
     * F's own HELLO works afterwards. */
    h_enroll(&h, "north", "gateF", credf);
    srv_site *north;
    ASSERT_OK(srv_sites_get(h.sites, "north", 5, 1, &north));
    uint64_t office = srv_site_office_id(north);
    ASSERT(office != 0);
    expect_refused_text(&h, office, "north", "gateF", credf, "EAUTH",
                        "device id not allowed");
    expect_bound(&h, "north", "gateF", 0);
    expect_refused_text(&h, 0, "north", "gateF", credf, "EAUTH",
                        "device id not allowed");
    expect_bound(&h, "north", "gateF", 0);
    /* The server full: EBUSY, nothing bound, nothing admitted. */
    full = 1;
    expect_refused(&h, ID_F, "north", "gateF", credf, "EBUSY");
    expect_bound(&h, "north", "gateF", 0);
    ASSERT_EQ(admitted, 0);
    full = 0;
    expect_works(&h, ID_F, "north", "gateF", credf);
    ASSERT_EQ(admitted, 1);

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
    expect_bound(&h, "north", "gate1", ID_A);

    /* HELLO twice is a protocol error. */
    peer_hello(&p, ID_A, "north", "gate1", cred);
    peer_expect_error(&p, "EPROTO");
    peer_close(&p);
    ASSERT(strstr(h.log[h.nlog - 1],
                  "sync site=north device=gate1 "
                  "id=1111222233334444 in=0 out=0 ms=") != NULL);
    ASSERT(strstr(h.log[h.nlog - 1], "result=EPROTO") != NULL);

    /* The same credential again from the same device is fine. */
    expect_works(&h, ID_A, "north", "gate1", cred);
    ASSERT(strstr(h.log[h.nlog - 1], "result=ok") != NULL);

    /* Each refusal, then the device's own HELLO, which still works. A
     * wrong credential gets one answer, whatever the device's state. */
    expect_refused_text(&h, ID_A, "north", "gate2", cred, "EAUTH",
                        SRV_AUTH_WRONG);
    expect_works(&h, ID_A, "north", "gate1", cred);
    expect_refused_text(&h, ID_A, "north", "gate1", cred2, "EAUTH",
                        SRV_AUTH_WRONG);
    expect_works(&h, ID_A, "north", "gate1", cred);
    expect_refused_text(&h, ID_A, "north", "gate1", "", "EAUTH",
                        SRV_AUTH_WRONG);
    expect_works(&h, ID_A, "north", "gate1", cred);
    /* The credential is bound to ID_A now. */
    expect_refused_text(&h, ID_B, "north", "gate1", cred, "EAUTH",
                        "credential belongs to another device");
    expect_works(&h, ID_A, "north", "gate1", cred);
    /* ID_A is a device of north: claiming south with north's credential
     * is ESITE (its holder may learn that); with another credential it
     * is the wrong-credential answer. */
    expect_refused(&h, ID_A, "south", "gate1", cred, "ESITE");
    expect_works(&h, ID_A, "north", "gate1", cred);
    expect_refused_text(&h, ID_A, "south", "gate1", cred2, "EAUTH",
                        SRV_AUTH_WRONG);
    expect_refused_text(&h, ID_A, "south", "gate1", "", "EAUTH",
                        SRV_AUTH_WRONG);
    /* Names that could never be enrolled (with north's credential and
     * id the other site is named, as above). */
    expect_refused(&h, ID_A, "../etc", "gate1", cred, "ESITE");
    expect_refused_text(&h, ID_A, "../etc", "gate1", cred2, "EAUTH",
                        SRV_AUTH_WRONG);
    expect_refused_text(&h, ID_A, "north", "", cred, "EAUTH", SRV_AUTH_WRONG);
    expect_works(&h, ID_A, "north", "gate1", cred);
    /* The south device cannot take ID_A, bound to north/gate1, nor its
     * site's office id; then it binds its own. */
    expect_refused_text(&h, ID_A, "south", "gate9", cred2, "EAUTH",
                        "device id already belongs to another enrolled "
                        "device");
    expect_bound(&h, "south", "gate9", 0);
    srv_site *south;
    ASSERT_OK(srv_sites_get(h.sites, "south", 5, 1, &south));
    expect_refused_text(&h, srv_site_office_id(south), "south", "gate9", cred2,
                        "EAUTH", "device id not allowed");
    expect_bound(&h, "south", "gate9", 0);
    expect_works(&h, ID_B, "south", "gate9", cred2);
    expect_works(&h, ID_A, "north", "gate1", cred);
    /* The server full, for a bound device. */
    full = 1;
    expect_refused(&h, ID_A, "north", "gate1", cred, "EBUSY");
    full = 0;
    expect_works(&h, ID_A, "north", "gate1", cred);

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
    expect_works(&h, ID_A, "north", "gate1", cred);

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
    expect_works(&h, ID_A, "north", "gate1", cred);
    /* The incarnation is the store's, the same at every hello. */
    peer_open(&p, &h);
    peer_hello(&p, ID_A, "north", "gate1", cred);
    peer_expect(&p, PROTO_MSG_WELCOME, &m);
    ASSERT_U64_EQ(m.u.welcome.incarnation, inc);
    peer_close(&p);

    /* Frames before HELLO: another message first (PULL 0), a header over
     * the HELLO limit, MessagePack that does not decode; then the HELLO
     * works. */
    static const uint8_t pull0[] = {0, 0, 0, 3, 0x92, 0x05, 0x00};
    refused_before_hello(&h, pull0, sizeof pull0, "EPROTO");
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff, 0x00};
    refused_before_hello(&h, huge, sizeof huge, "ETOOBIG");
    static const uint8_t junk[] = {0, 0, 0, 4, 0xc1, 0xc1, 0xc1, 0xc1};
    peer_open(&p, &h);
    peer_send_raw(&p, junk, sizeof junk);
    ASSERT_OK(peer_recv(&p, &m));
    ASSERT_EQ(m.type, PROTO_MSG_ERROR);
    peer_close(&p);
    expect_works(&h, ID_A, "north", "gate1", cred);

    /* Revoked: with its own credential it is told so (that takes the
     * secret); with any other credential it gets the wrong-credential
     * answer, like a device that does not exist. Re-enrolled: a fresh
     * credential works, the old one does not. */
    int was = 1;
    ASSERT_OK(srv_registry_revoke(h.reg, "north", "gate1", &was));
    ASSERT_EQ(was, 0);
    ASSERT_OK(srv_registry_revoke(h.reg, "north", "gate1", &was));
    ASSERT_EQ(was, 1);
    ASSERT_ERR(srv_registry_revoke(h.reg, "north", "nope", NULL),
               RND_ENOTFOUND);
    expect_refused_text(&h, ID_A, "north", "gate1", cred, "EREVOKED",
                        "device revoked by the office");
    expect_refused_text(&h, ID_A, "north", "gate1", cred2, "EAUTH",
                        SRV_AUTH_WRONG);
    expect_refused_text(&h, ID_A, "north", "gate1", "", "EAUTH",
                        SRV_AUTH_WRONG);
    expect_bound(&h, "north", "gate1", ID_A);
    char fresh[SRV_CRED_LEN + 1];
    h_enroll(&h, "north", "gate1", fresh);
    ASSERT(strcmp(fresh, cred) != 0);
    expect_refused_text(&h, ID_A, "north", "gate1", cred, "EAUTH",
                        SRV_AUTH_WRONG);
    peer_open(&p, &h);
    peer_hello(&p, ID_B + 1, "north", "gate1", fresh);
    peer_expect(&p, PROTO_MSG_WELCOME, &m);
    peer_close(&p);
    ASSERT(strstr(h.log[h.nlog - 1], "result=ECLOSED") != NULL);
    expect_bound(&h, "north", "gate1", ID_B + 1);

    /* A connection that never says HELLO logs nothing. */
    int before = h.nlog;
    peer_open(&p, &h);
    peer_close(&p);
    ASSERT_EQ(h.nlog, before);

    h_free(&h);
    return 0;
}
