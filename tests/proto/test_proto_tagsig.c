/* test_proto_tagsig.c: checkpoint tag payloads (proto/tagsig.c): sign and
 * verify round trip, a reprint gives the same payload, the wrong site or
 * tag, a foreign key, every flipped byte and every truncation refused,
 * names that need escaping, and the one-spelling rule. */
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>

#include "../../proto/errors.h"
#include "../../proto/tagsig.h"
#include "test.h"

static uint8_t priv[32], pub[65], priv2[32], pub2[65];

/* Parses and verifies s against pub: 0, RND_EMALFORMED or RND_EAUTH. */
static int check(const uint8_t *key, const char *s, size_t len)
{
    proto_tag_payload p;
    int rc = proto_tag_parse(s, len, &p);
    return rc ? rc : proto_tag_verify(key, &p);
}

static void test_round_trip(void)
{
    char out[PROTO_TAG_PAYLOAD_MAX + 1], again[PROTO_TAG_PAYLOAD_MAX + 1];
    size_t len, len2;
    ASSERT_OK(
        proto_tag_sign(priv, "maple", 5, "CP-04", 5, out, sizeof out, &len));
    ASSERT_EQ(strlen(out), len);
    ASSERT(strncmp(out, "RT1.maple.CP-04.", 16) == 0);
    ASSERT_EQ(len, 16 + 8 + 1 + 86);
    ASSERT_LE(len, PROTO_TAG_NTAG213_MAX);
    /* Deterministic: a reprint is the same payload. */
    ASSERT_OK(proto_tag_sign(priv, "maple", 5, "CP-04", 5, again, sizeof again,
                             &len2));
    ASSERT(len == len2 && memcmp(out, again, len) == 0);

    proto_tag_payload p;
    ASSERT_OK(proto_tag_parse(out, len, &p));
    ASSERT(strcmp(p.site, "maple") == 0 && p.site_len == 5);
    ASSERT(strcmp(p.tag, "CP-04") == 0 && p.tag_len == 5);
    uint8_t kid[4];
    char khex[9];
    proto_tag_key_id(pub, kid, khex);
    ASSERT(memcmp(kid, p.key_id, 4) == 0);
    ASSERT(strcmp(khex, p.key_hex) == 0);
    ASSERT(strstr(out, khex) != NULL);
    ASSERT_OK(proto_tag_verify(pub, &p));
    /* A foreign key (another site's, or a forger's). */
    ASSERT_ERR(proto_tag_verify(pub2, &p), RND_EAUTH);
    /* ECDSA's twin signature (r, n - s) verifies mathematically; it is
     * refused, so the payload has one spelling. */
    {
        mbedtls_ecp_group grp;
        mbedtls_mpi s;
        proto_tag_payload twin = p;
        mbedtls_ecp_group_init(&grp);
        mbedtls_mpi_init(&s);
        ASSERT(mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) == 0);
        ASSERT(mbedtls_mpi_read_binary(&s, p.sig + 32, 32) == 0);
        ASSERT(mbedtls_mpi_sub_mpi(&s, &grp.N, &s) == 0);
        ASSERT(mbedtls_mpi_write_binary(&s, twin.sig + 32, 32) == 0);
        mbedtls_mpi_free(&s);
        mbedtls_ecp_group_free(&grp);
        ASSERT_ERR(proto_tag_verify(pub, &twin), RND_EAUTH);
        ASSERT_OK(proto_tag_format(&twin, again, sizeof again, &len2));
        ASSERT(memcmp(again, out, len) != 0);
    }
    /* A forger's payload names its own key id: still not ours. */
    ASSERT_OK(proto_tag_sign(priv2, "maple", 5, "CP-04", 5, again, sizeof again,
                             &len2));
    ASSERT_ERR(check(pub, again, len2), RND_EAUTH);
}

/* The signature of one (site, tag) moved onto another. */
static void test_wrong_site_or_tag(void)
{
    char a[PROTO_TAG_PAYLOAD_MAX + 1], b[PROTO_TAG_PAYLOAD_MAX + 1];
    char moved[2 * PROTO_TAG_PAYLOAD_MAX];
    size_t la, lb;
    ASSERT_OK(proto_tag_sign(priv, "maple", 5, "CP-04", 5, a, sizeof a, &la));
    ASSERT_OK(proto_tag_sign(priv, "maple", 5, "CP-05", 5, b, sizeof b, &lb));
    /* CP-05's text with CP-04's key id and signature. */
    snprintf(moved, sizeof moved, "RT1.maple.CP-05%s", a + 15);
    ASSERT_ERR(check(pub, moved, strlen(moved)), RND_EAUTH);
    snprintf(moved, sizeof moved, "RT1.birch.CP-04%s", a + 15);
    ASSERT_ERR(check(pub, moved, strlen(moved)), RND_EAUTH);
    ASSERT_OK(check(pub, b, lb));
}

static void test_flips_and_truncations(void)
{
    char out[PROTO_TAG_PAYLOAD_MAX + 1], bad[PROTO_TAG_PAYLOAD_MAX + 1];
    size_t len;
    ASSERT_OK(
        proto_tag_sign(priv, "maple", 5, "CP-04", 5, out, sizeof out, &len));
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(bad, out, len);
            bad[i] ^= (char)(1 << bit);
            int rc = check(pub, bad, len);
            if (rc != RND_EMALFORMED && rc != RND_EAUTH)
                TEST_FAIL_("flip byte %zu bit %d: %s", i, bit, rnd_errname(rc));
        }
    }
    for (size_t n = 0; n < len; n++) {
        memcpy(bad, out, n);
        int rc = check(pub, bad, n);
        if (rc != RND_EMALFORMED && rc != RND_EAUTH)
            TEST_FAIL_("truncated to %zu: %s", n, rnd_errname(rc));
    }
    /* One byte more is not the same payload either. */
    memcpy(bad, out, len);
    bad[len] = 'A';
    ASSERT(check(pub, bad, len + 1) != 0);
}

static void test_names(void)
{
    char out[PROTO_TAG_PAYLOAD_MAX + 1];
    size_t len;
    proto_tag_payload p;
    /* A dot, a space, UTF-8: percent-encoded, decoded back. */
    const char *site = "east.gate", *tag = "B3 门岗";
    ASSERT_OK(proto_tag_sign(priv, site, strlen(site), tag, strlen(tag), out,
                             sizeof out, &len));
    ASSERT(strncmp(out, "RT1.east%2Egate.B3%20%E9%97%A8", 30) == 0);
    ASSERT_OK(proto_tag_parse(out, len, &p));
    ASSERT(strcmp(p.site, site) == 0 && strcmp(p.tag, tag) == 0);
    ASSERT_OK(proto_tag_verify(pub, &p));
    /* Another spelling of the same name is refused: lower-case hex, a
     * plain byte escaped. */
    char alt[PROTO_TAG_PAYLOAD_MAX + 8];
    snprintf(alt, sizeof alt, "RT1.east%%2egate%s", out + 16);
    ASSERT_ERR(proto_tag_parse(alt, strlen(alt), &p), RND_EMALFORMED);
    snprintf(alt, sizeof alt, "RT1.%%65ast%%2Egate%s", out + 16);
    ASSERT_ERR(proto_tag_parse(alt, strlen(alt), &p), RND_EMALFORMED);
    /* Names a payload cannot hold. */
    char longname[PROTO_TAG_NAME_MAX + 2];
    memset(longname, 'a', sizeof longname);
    ASSERT_ERR(proto_tag_sign(priv, "s", 1, longname, sizeof longname, out,
                              sizeof out, &len),
               RND_EINVAL);
    ASSERT_OK(proto_tag_sign(priv, longname, PROTO_TAG_NAME_MAX, longname,
                             PROTO_TAG_NAME_MAX, out, sizeof out, &len));
    ASSERT_OK(check(pub, out, len));
    ASSERT_ERR(proto_tag_sign(priv, "s", 1, "a\nb", 3, out, sizeof out, &len),
               RND_EINVAL);
    ASSERT_ERR(proto_tag_sign(priv, "", 0, "a", 1, out, sizeof out, &len),
               RND_EINVAL);
    ASSERT_ERR(proto_tag_sign(priv, "s", 1, "a", 1, out, 20, &len),
               RND_ENOSPACE);
    /* Not payloads at all. */
    ASSERT_ERR(proto_tag_parse("CP-04", 5, &p), RND_EMALFORMED);
    ASSERT_ERR(proto_tag_parse("", 0, &p), RND_EMALFORMED);
}

int main(void)
{
    ASSERT_OK(proto_tag_keygen(priv, pub));
    ASSERT_OK(proto_tag_keygen(priv2, pub2));
    uint8_t back[65];
    ASSERT_OK(proto_tag_pub_of(priv, back));
    ASSERT(memcmp(pub, back, 65) == 0);
    test_round_trip();
    test_wrong_site_or_tag();
    test_flips_and_truncations();
    test_names();
    printf("ok\n");
    return 0;
}
