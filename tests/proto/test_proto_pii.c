/* test_proto_pii.c: sealing personal data to the office's key and opening
 * it (proto/pii.c): round trip, the wrong key, another record, every
 * altered byte and every truncation refused cleanly, masks. */
#include <string.h>

#include "../../proto/pii.h"
#include "test.h"

static void test_round_trip(void)
{
    uint8_t priv[32], pub[65], priv2[32], pub2[65], back[65];
    ASSERT_OK(proto_pii_keygen(priv, pub));
    ASSERT_OK(proto_pii_keygen(priv2, pub2));
    ASSERT_OK(proto_pii_pub_of(priv, back));
    ASSERT(memcmp(pub, back, 65) == 0);

    char text[100];
    proto_pii_pub_text(pub, text, sizeof text);
    ASSERT_EQ(strlen(text), 88);
    ASSERT_OK(proto_pii_pub_parse(text, strlen(text), back));
    ASSERT(memcmp(pub, back, 65) == 0);
    ASSERT_ERR(proto_pii_pub_parse(text, 87, back), RND_EINVAL);

    uint8_t entity[16] = {1, 2, 3}, other[16] = {9};
    proto_pii_item in[2] = {{"id_no", 5, "110101199003071234", 18},
                            {"phone", 5, "13800138000", 11}};
    char env[PROTO_PII_ENVELOPE_MAX], env2[PROTO_PII_ENVELOPE_MAX];
    size_t len, len2;
    ASSERT_OK(proto_pii_seal(pub, entity, in, 2, env, sizeof env, &len));
    ASSERT_EQ(strlen(env), len);
    ASSERT(strncmp(env, "p1.", 3) == 0);
    /* The plaintext is nowhere in the envelope. */
    ASSERT(strstr(env, "1101011990") == NULL);
    /* Sealing twice gives different envelopes (fresh ephemeral key). */
    ASSERT_OK(proto_pii_seal(pub, entity, in, 2, env2, sizeof env2, &len2));
    ASSERT(len != len2 || memcmp(env, env2, len) != 0);

    uint8_t kid[8], want[8];
    ASSERT_OK(proto_pii_envelope_key(env, len, kid));
    proto_pii_key_id(pub, want);
    ASSERT(memcmp(kid, want, 8) == 0);

    uint8_t buf[1024];
    proto_pii_item out[PROTO_PII_MAX_FIELDS];
    size_t n = 0;
    ASSERT_OK(proto_pii_open(priv, entity, env, len, buf, sizeof buf, out, &n));
    ASSERT_EQ(n, 2);
    ASSERT(out[0].name_len == 5 && memcmp(out[0].name, "id_no", 5) == 0);
    ASSERT(out[0].value_len == 18 &&
           memcmp(out[0].value, "110101199003071234", 18) == 0);
    ASSERT(out[1].value_len == 11 &&
           memcmp(out[1].value, "13800138000", 11) == 0);

    /* The wrong key, or the envelope moved to another record. */
    ASSERT_ERR(
        proto_pii_open(priv2, entity, env, len, buf, sizeof buf, out, &n),
        RND_EAUTH);
    ASSERT_ERR(proto_pii_open(priv, other, env, len, buf, sizeof buf, out, &n),
               RND_EAUTH);

    /* Every byte altered: refused, never accepted with other content. */
    for (size_t i = 0; i < len; i++) {
        char save = env[i];
        env[i] = env[i] == 'A' ? 'B' : 'A';
        int rc =
            proto_pii_open(priv, entity, env, len, buf, sizeof buf, out, &n);
        if (rc == 0) {
            /* base64 padding bits may change without changing bytes */
            ASSERT_EQ(n, 2);
            ASSERT(memcmp(out[0].value, "110101199003071234", 18) == 0);
        } else {
            ASSERT(rc == RND_EAUTH || rc == RND_EMALFORMED);
        }
        env[i] = save;
    }
    /* Every truncation: refused cleanly (ASan checks the reads). */
    for (size_t cut = 0; cut < len; cut++)
        ASSERT(proto_pii_open(priv, entity, env, cut, buf, sizeof buf, out,
                              &n) != 0);
    ASSERT_ERR(
        proto_pii_open(priv, entity, "p1.zz", 5, buf, sizeof buf, out, &n),
        RND_EMALFORMED);

    /* Limits. */
    char big[PROTO_PII_VALUE_MAX + 1];
    memset(big, '7', sizeof big);
    proto_pii_item huge = {"id_no", 5, big, sizeof big};
    ASSERT_ERR(proto_pii_seal(pub, entity, &huge, 1, env, sizeof env, &len),
               RND_ETOOBIG);
    ASSERT_ERR(proto_pii_seal(pub, entity, in, 2, env, 40, &len), RND_ENOSPACE);
    uint8_t badpub[65] = {4};
    ASSERT_ERR(proto_pii_seal(badpub, entity, in, 2, env, sizeof env, &len),
               RND_EINVAL);
}

static void test_masks(void)
{
    char out[64];
    proto_pii_mask("id_no", 5, "110101199003071234", 18, out, sizeof out);
    ASSERT(strcmp(out, "110*************34") == 0);
    proto_pii_mask("phone", 5, "13800138000", 11, out, sizeof out);
    ASSERT(strcmp(out, "*******8000") == 0);
    proto_pii_mask("phone", 5, "110", 3, out, sizeof out);
    ASSERT(strcmp(out, "***") == 0);
    ASSERT(proto_pii_is_personal(PROTO_KIND_VISIT, "id_no", 5));
    ASSERT(proto_pii_is_personal(PROTO_KIND_VISIT, "phone", 5));
    ASSERT(proto_pii_is_personal(PROTO_KIND_VEHICLE, "phone", 5));
    ASSERT(!proto_pii_is_personal(PROTO_KIND_VEHICLE, "plate", 5));
    ASSERT(!proto_pii_is_personal(PROTO_KIND_BLACKLIST, "id_no", 5));
}

int main(void)
{
    test_round_trip();
    test_masks();
    printf("test_proto_pii: ok\n");
    return 0;
}
