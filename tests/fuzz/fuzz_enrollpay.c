/* fuzz_enrollpay.c: libFuzzer target for enrollment payloads
 * (proto/enrollpay.h): the text of an enrollment QR code, which a handheld
 * scans and anyone can print.
 *
 * Promises checked on every input (a broken one aborts):
 *  - proto_enroll_parse never reads past the input and either refuses it
 *    (RND_EMALFORMED, the payload zeroed, a reason given) or gives members
 *    that are NUL-terminated within their buffers;
 *  - what it accepts is in the one spelling: proto_enroll_format gives back
 *    the input byte for byte, and the address passes proto_enroll_addr_ok.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/enrollpay.h"
#include "../../proto/errors.h"

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_enrollpay: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so ASan catches any read past the end. */
    char *s = malloc(size ? size : 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    proto_enroll p;
    const char *why = NULL;
    int rc = proto_enroll_parse(s, size, &p, &why);
    if (why == NULL)
        fail("parse: no reason");
    if (rc != 0) {
        static const proto_enroll zero;
        if (rc != RND_EMALFORMED)
            fail("parse: an error other than EMALFORMED");
        if (memcmp(&p, &zero, sizeof p) != 0)
            fail("parse: a refused payload left members behind");
        if (why[0] == '\0')
            fail("parse: refused without a reason");
    } else {
        if (memchr(p.addr, 0, sizeof p.addr) == NULL ||
            memchr(p.fp, 0, sizeof p.fp) == NULL ||
            memchr(p.site, 0, sizeof p.site) == NULL ||
            memchr(p.dev, 0, sizeof p.dev) == NULL ||
            memchr(p.cred, 0, sizeof p.cred) == NULL)
            fail("parse: a member without its NUL");
        if (!proto_enroll_addr_ok(p.addr, strlen(p.addr)))
            fail("parse: an address the checker refuses");
        char out[PROTO_ENROLL_MAX + 1];
        size_t len = 0;
        if (proto_enroll_format(&p, out, sizeof out, &len, NULL) != 0)
            fail("format of a parsed payload");
        if (len != size || memcmp(out, s, size) != 0)
            fail("parse accepted another spelling");
    }
    free(s);
    return 0;
}
