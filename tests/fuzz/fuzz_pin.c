/* fuzz_pin.c: libFuzzer target for staff PIN hashes (proto/pin.h): the
 * "pin_hash" field of a staff record, which a handheld receives over the
 * wire and hands to libargon2 when someone signs in.
 *
 * Promises checked on every input (a broken one aborts):
 *  - proto_pin_hash_check never reads past the input and gives 0 or
 *    RND_EMALFORMED;
 *  - what it accepts is bounded: at most PROTO_PIN_HASH_MAX bytes, and
 *    proto_pin_verify answers 0, RND_EAUTH, RND_EMALFORMED or RND_ENOMEM
 *    for it (run only for cheap costs, m at most 64 KiB and t at most 2,
 *    so a campaign is not spent inside Argon2);
 *  - what it refuses, proto_pin_verify refuses too (RND_EMALFORMED),
 *    without calling libargon2;
 *  - the corpus's "valid" hash (of PIN 1234, m=64,t=1,p=1) verifies 1234
 *    and refuses 1235.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/errors.h"
#include "../../proto/pin.h"

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_pin: %s\n", what);
    abort();
}

/* The m and t an accepted hash names (it passed the check: well formed). */
static void cost(const char *s, unsigned long *m, unsigned long *t)
{
    const char *p = strstr(s, "$m=");
    *m = p ? strtoul(p + 3, NULL, 10) : 0;
    p = strstr(s, ",t=");
    *t = p ? strtoul(p + 3, NULL, 10) : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so ASan catches any read past the end. */
    char *s = malloc(size ? size : 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    const char *why = NULL;
    int rc = proto_pin_hash_check(s, size, &why);
    if (rc != 0 && rc != RND_EMALFORMED)
        fail("check: unexpected code");
    if (rc != 0 && why == NULL)
        fail("check: refused without a reason");
    if (rc != 0) {
        if (proto_pin_verify(s, size, "1234") != RND_EMALFORMED)
            fail("verify took what the check refused");
        free(s);
        return 0;
    }
    if (size > PROTO_PIN_HASH_MAX)
        fail("accepted a hash longer than the bound");
    char z[PROTO_PIN_HASH_MAX + 1];
    memcpy(z, s, size);
    z[size] = '\0';
    if (memchr(s, '\0', size) != NULL)
        fail("accepted a NUL byte");
    unsigned long m, t;
    cost(z, &m, &t);
    if (m <= 64 && t <= 2) {
        int v = proto_pin_verify(s, size, "1234");
        if (v != 0 && v != RND_EAUTH && v != RND_EMALFORMED && v != RND_ENOMEM)
            fail("verify: unexpected code");
        if (v == 0 && proto_pin_verify(s, size, "1235") == 0)
            fail("two PINs verify against one hash");
    }
    free(s);
    return 0;
}
