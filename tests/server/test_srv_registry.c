/* test_srv_registry.c: the device registry: credentials (format, only a
 * hash kept), listing order (site, then name), sync notes written by one
 * flush and dropped when the device was re-enrolled meanwhile, records
 * surviving a reopen. */
#include <stdio.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "srvtest.h"

typedef struct names {
    char got[16][140];
    int n;
} names;

static int collect(const srv_device *d, void *ctx)
{
    names *c = ctx;
    snprintf(c->got[c->n++], sizeof c->got[0], "%s/%s", d->site, d->name);
    return 0;
}

int main(void)
{
    harness h;
    h_init(&h, "srv-registry", 0);
    char cred[SRV_CRED_LEN + 1], cred_ba[SRV_CRED_LEN + 1];
    static const char *order[][2] = {{"a", "z"}, {"a-b", "x"}, {"a", "b.1"},
                                     {"b", "a"}, {"a", "B"},   {"a-b", "_"}};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        h_enroll(&h, order[i][0], order[i][1], cred);
        if (strcmp(order[i][0], "b") == 0)
            memcpy(cred_ba, cred, sizeof cred);
        ASSERT(strncmp(cred, "rdc1-", 5) == 0);
        for (int k = 5; k < SRV_CRED_LEN; k++)
            ASSERT((cred[k] >= '0' && cred[k] <= '9') ||
                   (cred[k] >= 'a' && cred[k] <= 'f'));
    }
    names c = {0};
    ASSERT_OK(srv_registry_each(h.reg, NULL, collect, &c));
    ASSERT_EQ(c.n, 6);
    ASSERT_STR_EQ(c.got[0], "a/B");
    ASSERT_STR_EQ(c.got[1], "a/b.1");
    ASSERT_STR_EQ(c.got[2], "a/z");
    ASSERT_STR_EQ(c.got[3], "a-b/_");
    ASSERT_STR_EQ(c.got[4], "a-b/x");
    ASSERT_STR_EQ(c.got[5], "b/a");
    names one = {0};
    ASSERT_OK(srv_registry_each(h.reg, "a-b", collect, &one));
    ASSERT_EQ(one.n, 2);

    /* The record keeps a salted hash, never the credential. */
    srv_device d;
    ASSERT_OK(srv_registry_get(h.reg, "b", "a", &d));
    ASSERT_U64_EQ(d.device_id, 0);
    ASSERT_EQ(d.enrolled_ms, h.now);
    uint8_t buf[SRV_SALT_LEN + SRV_CRED_LEN], want[32];
    memcpy(buf, d.salt, SRV_SALT_LEN);
    memcpy(buf + SRV_SALT_LEN, cred_ba, SRV_CRED_LEN);
    ASSERT_EQ(mbedtls_sha256_ret(buf, sizeof buf, want, 0), 0);
    ASSERT_MEM_EQ(d.hash, want, 32);

    /* Bind through a hello, then a note updates the record. */
    const char *why;
    ASSERT_OK(srv_registry_auth(h.reg, "b", 1, "a", 1, (const uint8_t *)cred_ba,
                                SRV_CRED_LEN, 42, 0, &d, &why));
    ASSERT_U64_EQ(d.device_id, 42);
    srv_sync_note n = {.site = "b",
                       .name = "a",
                       .device_id = 42,
                       .ok = 1,
                       .sync_ms = 5000,
                       .ops_in = 7,
                       .ops_out = 9,
                       .have_skew = 1,
                       .skew_ms = -1500,
                       .held_seq = 7};
    ASSERT_OK(srv_registry_note(h.reg, &n));
    ASSERT_OK(srv_registry_get(h.reg, "b", "a", &d));
    ASSERT_EQ(d.last_sync_ms, 0); /* not before the flush */
    ASSERT_OK(srv_registry_flush(h.reg));
    ASSERT_OK(srv_registry_get(h.reg, "b", "a", &d));
    ASSERT_EQ(d.last_sync_ms, 5000);
    ASSERT_U64_EQ(d.last_ops_in, 7);
    ASSERT_U64_EQ(d.last_ops_out, 9);
    ASSERT_EQ(d.last_skew_ms, -1500);
    ASSERT_U64_EQ(d.held_seq, 7);

    /* A failed sync updates what it knows but not last_sync_ms. */
    n.ok = 0;
    n.sync_ms = 6000;
    n.held_seq = 8;
    ASSERT_OK(srv_registry_note(h.reg, &n));
    ASSERT_OK(srv_registry_flush(h.reg));
    ASSERT_OK(srv_registry_get(h.reg, "b", "a", &d));
    ASSERT_EQ(d.last_sync_ms, 5000);
    ASSERT_U64_EQ(d.held_seq, 8);

    /* Revoked and re-enrolled: a note of the old binding is dropped. */
    ASSERT_OK(srv_registry_revoke(h.reg, "b", "a", NULL));
    char fresh[SRV_CRED_LEN + 1];
    h_enroll(&h, "b", "a", fresh);
    ASSERT_OK(srv_registry_note(h.reg, &n));
    ASSERT_OK(srv_registry_flush(h.reg));
    ASSERT_OK(srv_registry_get(h.reg, "b", "a", &d));
    ASSERT_U64_EQ(d.device_id, 0);
    ASSERT_EQ(d.last_sync_ms, 0);
    ASSERT(!d.revoked);
    /* The same device id may bind again: its old record is revoked. */
    ASSERT_OK(srv_registry_auth(h.reg, "b", 1, "a", 1, (const uint8_t *)fresh,
                                SRV_CRED_LEN, 42, 0, &d, &why));

    /* Everything survives a reopen; listing still has six names. */
    srv_registry_close(h.reg);
    ASSERT_OK(srv_registry_open(h.dir, 0, &h.reg));
    h.ctx.reg = h.reg;
    ASSERT_OK(srv_registry_get(h.reg, "b", "a", &d));
    ASSERT_U64_EQ(d.device_id, 42);
    names again = {0};
    ASSERT_OK(srv_registry_each(h.reg, NULL, collect, &again));
    ASSERT_EQ(again.n, 6);
    h_free(&h);
    return 0;
}
