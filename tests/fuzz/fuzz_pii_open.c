/* fuzz_pii_open.c: libFuzzer target for the personal-data envelope decoder
 * (proto/pii.h): an envelope comes from a handheld, so `roundsd pii show`
 * opens untrusted bytes. Input: an envelope string, opened with a fixed
 * office key for a fixed record; also read as a public key text.
 *
 * Besides ASan's "no crash, no read out of bounds", it checks what opening
 * promises: on success every item lies inside the output buffer within the
 * plaintext limits; the key id is readable whenever opening succeeds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pii.h"

/* The office key of the corpus (gen_pii_corpus seals to its public key). */
const uint8_t fuzz_pii_priv[PROTO_PII_PRIV_LEN] = {
    0x3c, 0x61, 0x2e, 0x05, 0x9a, 0x77, 0x10, 0xd4, 0x4b, 0x28, 0x91,
    0x6f, 0xe3, 0x0a, 0x5d, 0xc2, 0x17, 0x88, 0x39, 0xb6, 0x04, 0x7e,
    0xa1, 0x52, 0xcd, 0x66, 0x2f, 0x93, 0x0b, 0xe8, 0x45, 0x1a};
const uint8_t fuzz_pii_entity[PROTO_ENTITY_LEN] = {
    0x01, 0xa2, 0x23, 0x6b, 0x6f, 0x2d, 0xae, 0xe1,
    0x4d, 0x19, 0x9a, 0xc7, 0x14, 0x28, 0x01, 0x2b};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[2048];
    proto_pii_item items[PROTO_PII_MAX_FIELDS];
    size_t n = 0;
    uint8_t kid[PROTO_PII_KEYID_LEN], pub[PROTO_PII_PUB_LEN];
    const char *env = (const char *)data;

    int rc = proto_pii_open(fuzz_pii_priv, fuzz_pii_entity, env, size, buf,
                            sizeof buf, items, &n);
    if (rc == 0) {
        if (n > PROTO_PII_MAX_FIELDS ||
            proto_pii_envelope_key(env, size, kid) != 0)
            abort();
        for (size_t i = 0; i < n; i++) {
            const uint8_t *nm = (const uint8_t *)items[i].name;
            const uint8_t *v = (const uint8_t *)items[i].value;
            if (nm < buf || nm + items[i].name_len > buf + sizeof buf ||
                v < buf || v + items[i].value_len > buf + sizeof buf ||
                items[i].name_len == 0 || items[i].name_len > 32 ||
                items[i].value_len > PROTO_PII_VALUE_MAX)
                abort();
        }
    }
    (void)proto_pii_envelope_key(env, size, kid);
    (void)proto_pii_pub_parse(env, size, pub);
    return 0;
}
