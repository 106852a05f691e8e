/* gen_pii_corpus.c: writes seed envelopes for fuzz_pii_open: valid ones
 * sealed to the target's fixed office key and record (one to four items,
 * empty and longest values), one for another record, and a public key.
 *   gen_pii_corpus DIR */
#include <stdio.h>
#include <string.h>

#include "pii.h"

extern const uint8_t fuzz_pii_priv[PROTO_PII_PRIV_LEN];
extern const uint8_t fuzz_pii_entity[PROTO_ENTITY_LEN];

static void put(const char *dir, const char *name, const char *s, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(s, 1, n, f) != n) {
        perror(path);
        return;
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    uint8_t pub[PROTO_PII_PUB_LEN], other[PROTO_ENTITY_LEN] = {7};
    char env[PROTO_PII_ENVELOPE_MAX], name[32], big[PROTO_PII_VALUE_MAX];
    size_t len;
    if (argc != 2 || proto_pii_pub_of(fuzz_pii_priv, pub) != 0)
        return 2;
    memset(big, '9', sizeof big);
    proto_pii_item items[4] = {{"id_no", 5, "110101199003071234", 18},
                               {"phone", 5, "13812345678", 11},
                               {"x", 1, "", 0},
                               {"long", 4, big, sizeof big}};
    for (size_t n = 1; n <= 4; n++) {
        if (proto_pii_seal(pub, fuzz_pii_entity, items, n, env, sizeof env,
                           &len) != 0)
            return 1;
        snprintf(name, sizeof name, "seal-%zu", n);
        put(argv[1], name, env, len);
    }
    if (proto_pii_seal(pub, other, items, 2, env, sizeof env, &len) != 0)
        return 1;
    put(argv[1], "other-record", env, len);
    proto_pii_pub_text(pub, env, sizeof env);
    put(argv[1], "pub", env, strlen(env));
    put(argv[1], "empty-parts", "p1.0011223344556677..", 21);
    return 0;
}
