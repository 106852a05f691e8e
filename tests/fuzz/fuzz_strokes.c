/* fuzz_strokes.c: libFuzzer target for drawn signatures (proto/strokes.h):
 * the field signature_strokes, which the app's page (or anyone with the
 * library) hands the handheld.
 *
 * Promises checked on every input (a broken one aborts):
 *  - proto_strokes_norm never reads past the input, and either refuses it
 *    (RND_EFIELD, at an offset inside it, with a reason) or gives a
 *    normal form no longer than the input;
 *  - the normal form is a fixed point: normalising it gives it back, with
 *    the same counts, and proto_strokes_count agrees;
 *  - every point of it is in the pad (x < 1000, y < 400).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/errors.h"
#include "../../proto/strokes.h"

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_strokes: %s\n", what);
    abort();
}

static void in_pad(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        long x = strtol(s + i, NULL, 10);
        while (i < n && s[i] != ',')
            i++;
        long y = strtol(s + i + 1, NULL, 10);
        if (x < 0 || x >= PROTO_STROKES_W || y < 0 || y >= PROTO_STROKES_H)
            fail("a point off the pad");
        while (i < n && s[i] != ' ' && s[i] != ';')
            i++;
        i++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so ASan catches any read past the end. */
    char *s = malloc(size ? size : 1);
    char *out = malloc(size + 1), *again = malloc(size + 1);
    if (s == NULL || out == NULL || again == NULL) {
        free(s), free(out), free(again);
        return 0;
    }
    memcpy(s, data, size);
    size_t len = 0, len2 = 0, at = (size_t)-1;
    const char *why = NULL;
    proto_strokes_info a, b;
    int rc = proto_strokes_norm(s, size, out, size + 1, &len, &a, &at, &why);
    if (rc == RND_EFIELD) {
        if (why == NULL || *why == '\0')
            fail("refused without a reason");
        if (at > size)
            fail("refused at an offset past the input");
    } else if (rc != 0) {
        fail("an error other than EFIELD");
    } else {
        if (len > size || strlen(out) != len)
            fail("normal form longer than the input");
        if (proto_strokes_norm(out, len, again, size + 1, &len2, &b, NULL,
                               NULL) != 0)
            fail("normal form refused");
        if (len2 != len || memcmp(again, out, len) != 0)
            fail("normal form not a fixed point");
        if (a.strokes != b.strokes || a.points != b.points ||
            proto_strokes_count(out, len) != a.strokes)
            fail("counts differ");
        if ((a.strokes == 0) != (len == 0) || a.points < a.strokes)
            fail("counts do not match the text");
        in_pad(out, len);
    }
    free(s);
    free(out);
    free(again);
    return 0;
}
