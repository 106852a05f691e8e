/* fuzz_tagsig.c: libFuzzer target for checkpoint tag payloads
 * (proto/tagsig.h): the text a QR code or an NFC tag hands a handheld,
 * which anyone can print or write.
 *
 * Promises checked on every input (a broken one aborts):
 *  - proto_tag_parse never reads past the input and either refuses it
 *    (RND_EMALFORMED) or gives names proto_tag_name_ok accepts;
 *  - what it accepts is in the one spelling: proto_tag_format gives back
 *    the input byte for byte;
 *  - verifying against a fixed key gives 0 or RND_EAUTH, and 0 only for
 *    the one payload that key signs for the site and tag (the corpus has
 *    one: a high-s twin of it must not verify).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/errors.h"
#include "../../proto/tagsig.h"

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_tagsig: %s\n", what);
    abort();
}

/* The key of the corpus's valid payload (tests/fuzz/corpus/tagsig/valid:
 * RT1.S1.CP-04 signed with it). */
static const uint8_t priv[PROTO_TAG_PRIV_LEN] = {
    1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t pub[PROTO_TAG_PUB_LEN];
    static int ready;
    if (!ready) {
        if (proto_tag_pub_of(priv, pub) != 0)
            fail("fixed key");
        ready = 1;
    }
    /* An exact-size copy, so ASan catches any read past the end. */
    char *s = malloc(size ? size : 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    proto_tag_payload p;
    int rc = proto_tag_parse(s, size, &p);
    if (rc != 0 && rc != RND_EMALFORMED)
        fail("parse: an error other than EMALFORMED");
    if (rc == 0) {
        char out[PROTO_TAG_PAYLOAD_MAX + 1];
        size_t len = 0;
        if (!proto_tag_name_ok(p.site, p.site_len) ||
            !proto_tag_name_ok(p.tag, p.tag_len) ||
            strlen(p.site) != p.site_len || strlen(p.tag) != p.tag_len)
            fail("parse: a name a payload cannot hold");
        if (proto_tag_format(&p, out, sizeof out, &len) != 0)
            fail("format of a parsed payload");
        if (len != size || memcmp(out, s, size) != 0)
            fail("parse accepted another spelling");
        int v = proto_tag_verify(pub, &p);
        if (v != 0 && v != RND_EAUTH)
            fail("verify: an error other than EAUTH");
        if (v == 0) {
            /* One valid payload per (site, tag, key): the key's own. */
            char again[PROTO_TAG_PAYLOAD_MAX + 1];
            size_t n2;
            if (proto_tag_sign(priv, p.site, p.site_len, p.tag, p.tag_len,
                               again, sizeof again, &n2) != 0 ||
                n2 != size || memcmp(again, s, size) != 0)
                fail("verified a payload the key did not sign");
        }
    }
    free(s);
    return 0;
}
