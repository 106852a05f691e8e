/* fuzz_media.c: libFuzzer target for attachments (proto/media.h): the
 * bytes of a photo or a PDF that a handheld uploads, which anyone can
 * craft.
 *
 * Promises checked on every input (a broken one aborts):
 *  - proto_media_sniff and proto_media_strip_location never read past the
 *    input nor write past the output (both exact-size heap buffers);
 *  - they agree: strip refuses (RND_EMEDIA) exactly what sniff refuses,
 *    and nothing else goes wrong with cap == len;
 *  - a stripped file is no longer than the input, sniffs as the same
 *    type, is the input itself when nothing was removed, and is a fixed
 *    point: stripping it again removes nothing and gives the same bytes.
 * A PNG chunk's CRC of four zero bytes is replaced by the right one before
 * the input is handed over: libFuzzer cannot compute CRCs, and without
 * this no mutated PNG passes its check, so the eXIf and text-chunk paths
 * behind it would be reached by the seeds alone. Any other CRC is left as
 * it is, so the check itself is still fuzzed.
 *
 * The named seeds in corpus/media (gps_ii.jpg, small.pdf, ...) are
 * written by test_media DIR; the files named by a SHA-1 beside them are
 * inputs that reached new coverage in a campaign (scripts/fuzz.sh --merge
 * media).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/errors.h"
#include "../../proto/media.h"

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_media: %s\n", what);
    abort();
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static uint32_t crc32_bits(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

/* Puts the right CRC where a PNG chunk's is 0. */
static void fix_zero_crcs(uint8_t *p, size_t n)
{
    if (n < 8 || memcmp(p, "\x89PNG\r\n\x1a\n", 8) != 0)
        return;
    for (size_t i = 8; n - i >= 12;) {
        uint32_t len = be32(p + i);
        if (len > n - i - 12)
            return;
        uint8_t *crc = p + i + 8 + len;
        if (be32(crc) == 0) {
            uint32_t c = crc32_bits(p + i + 4, 4 + (size_t)len);
            crc[0] = (uint8_t)(c >> 24), crc[1] = (uint8_t)(c >> 16);
            crc[2] = (uint8_t)(c >> 8), crc[3] = (uint8_t)c;
        }
        i += 12 + (size_t)len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *in = malloc(size ? size : 1);
    uint8_t *out = malloc(size ? size : 1), *again = malloc(size ? size : 1);
    if (in == NULL || out == NULL || again == NULL) {
        free(in), free(out), free(again);
        return 0;
    }
    memcpy(in, data, size);
    fix_zero_crcs(in, size);
    int type = proto_media_sniff(in, size);
    size_t len = 0, len2 = 0;
    int removed = -1, removed2 = -1;
    int rc = proto_media_strip_location(in, size, out, size, &len, &removed);
    if (type < 0) {
        if (type != RND_EMEDIA || rc != RND_EMEDIA)
            fail("refused with another error, or refused by one only");
    } else if (type > PROTO_MEDIA_PDF || proto_media_type(type) == NULL) {
        fail("an unknown type");
    } else if (rc != 0) {
        fail("sniffed but not stripped");
    } else {
        if (len > size)
            fail("output longer than the input");
        if (removed != 0 && removed != 1)
            fail("removed neither 0 nor 1");
        if (!removed && (len != size || memcmp(out, in, size) != 0))
            fail("changed with nothing removed");
        if (proto_media_sniff(out, len) != type)
            fail("output not of the input's type");
        if (proto_media_strip_location(out, len, again, len, &len2,
                                       &removed2) != 0)
            fail("output not stripped");
        if (removed2 != 0 || len2 != len || memcmp(again, out, len) != 0)
            fail("stripping not a fixed point");
    }
    free(in);
    free(out);
    free(again);
    return 0;
}
