/* fuzz_text.c: libFuzzer target for text in and out (proto/utf8.h and the
 * JSON string writer of report/render.c), on untrusted bytes: the field
 * values pushed by handhelds and whatever an old store holds.
 *
 * Promises checked on every input (a broken one aborts):
 *  - proto_utf8_check accepts only what proto_utf8_next walks to the end,
 *    and refuses a byte the walk stops at (or an earlier control);
 *  - on valid input, the full-width fold, the masks and the canonical
 *    forms give valid UTF-8 no longer than their input;
 *  - rpt_json_str gives one valid JSON string in valid UTF-8 for any
 *    input at all.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/pii.h"
#include "../../proto/proto.h"
#include "../../proto/utf8.h"
#include "../../report/report.h"

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_text: %s\n", what);
    abort();
}

static void valid_utf8(const char *s, size_t n, const char *what)
{
    if (proto_utf8_check(s, n, PROTO_TEXT_MULTILINE, NULL, NULL) != 0) {
        /* Control characters may pass through (masks, folds): check the
         * encoding only. */
        for (size_t i = 0; i < n;) {
            uint32_t cp;
            size_t k = proto_utf8_next(s + i, n - i, &cp);
            if (k == 0)
                fail(what);
            i += k;
        }
    }
}

static void json_ok(const char *j, size_t n)
{
    if (n < 2 || j[0] != '"' || j[n - 1] != '"')
        fail("json: not quoted");
    if (proto_utf8_check(j, n, PROTO_TEXT_LINE, NULL, NULL) != 0)
        fail("json: raw control character or invalid UTF-8");
    for (size_t i = 1; i + 1 < n; i++) {
        if (j[i] == '"')
            fail("json: unescaped quote");
        if (j[i] != '\\')
            continue;
        i++;
        if (i + 1 >= n)
            fail("json: escape at the end");
        if (j[i] == 'u')
            i += 4;
        else if (strchr("\"\\/bfnrt", j[i]) == NULL)
            fail("json: unknown escape");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char out[PROTO_FIELD_STR_MAX * 4 + 16];
    const char *s = (const char *)data;
    size_t at = 0, walked = 0;
    const char *why = NULL;
    int valid = 1;

    if (size > PROTO_FIELD_STR_MAX)
        size = PROTO_FIELD_STR_MAX;
    while (walked < size) {
        uint32_t cp;
        size_t k = proto_utf8_next(s + walked, size - walked, &cp);
        if (k == 0) {
            valid = 0;
            break;
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            fail("decoded a code point RFC 3629 excludes");
        walked += k;
    }
    int rc = proto_utf8_check(s, size, PROTO_TEXT_MULTILINE, &at, &why);
    /* A control character may stop the check earlier than the walk. */
    if (!valid && (rc == 0 || at > walked))
        fail("check accepts bytes the decoder refuses");
    if (rc != 0 && at < walked && strcmp(why, "control character") != 0)
        fail("check refuses valid UTF-8 as invalid");
    if (rc == 0 && !valid)
        fail("check and decoder disagree");
    if (proto_utf8_count(s, size) > size)
        fail("more characters than bytes");

    if (valid) {
        size_t n = proto_utf8_fold_width(s, size, out, sizeof out);
        if (n > size || strlen(out) > n)
            fail("fold grew");
        valid_utf8(out, n, "fold: invalid UTF-8");
        proto_mask_id(s, size, out, sizeof out);
        valid_utf8(out, strlen(out), "mask: invalid UTF-8");
        proto_mask_id(s, size, out, 1 + size % 13);
        valid_utf8(out, strlen(out), "mask (short): invalid UTF-8");
        proto_pii_mask("phone", 5, s, size, out, sizeof out);
        valid_utf8(out, strlen(out), "phone mask: invalid UTF-8");
        proto_norm_plate(s, size, out, 256);
        proto_norm_id_no(s, size, out, 256);
        proto_norm_name(s, size, out, 256);
    }

    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (m == NULL)
        return 0;
    rpt_json_str(m, s, size);
    fclose(m);
    json_ok(buf, len);
    free(buf);
    return 0;
}
