/* strokes.c: drawn signatures in text (strokes.h): the one validator and
 * normaliser of the field signature_strokes, used by the handheld library
 * before a record is written. A single pass over the input, bounded by
 * PROTO_STROKES_MAX; no allocation.
 */
#include <string.h>

#include "errors.h"
#include "strokes.h"

#define MAX_DIGITS 4

static int blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int refuse(size_t pos, const char *what, size_t *at, const char **why)
{
    if (at)
        *at = pos;
    if (why)
        *why = what;
    return RND_EFIELD;
}

/* A whole number of 1..MAX_DIGITS digits at in[*i], at most hi. */
static int number(const char *in, size_t n, size_t *i, int hi, int *out,
                  const char *past, size_t *at, const char **why)
{
    size_t start = *i, digits = 0;
    int v = 0;
    if (*i >= n || in[*i] < '0' || in[*i] > '9')
        return refuse(*i, *i >= n ? "a point cut short" : "expected a digit",
                      at, why);
    while (*i < n && in[*i] >= '0' && in[*i] <= '9') {
        if (++digits > MAX_DIGITS)
            return refuse(*i, "a number longer than 4 digits", at, why);
        v = v * 10 + (in[*i] - '0');
        (*i)++;
    }
    if (v > hi)
        return refuse(start, past, at, why);
    *out = v;
    return 0;
}

static size_t put_num(char *out, size_t o, int v)
{
    char tmp[8];
    size_t k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k)
        out[o++] = tmp[--k];
    return o;
}

int proto_strokes_norm(const char *in, size_t n, char *out, size_t cap,
                       size_t *out_len, proto_strokes_info *info, size_t *at,
                       const char **why)
{
    proto_strokes_info inf = {0, 0};
    size_t o = 0;
    int in_stroke = 0; /* the current stroke has a point already */
    if (n > PROTO_STROKES_MAX)
        return refuse(PROTO_STROKES_MAX, "too long: more than 4000 bytes", at,
                      why);
    if (cap < n + 1)
        return RND_ENOSPACE;
    for (size_t i = 0; i < n;) {
        char c = in[i];
        if (blank(c)) {
            i++;
            continue;
        }
        if (c == ';') {
            in_stroke = 0; /* empty strokes leave nothing */
            i++;
            continue;
        }
        if (c < '0' || c > '9')
            return refuse(i, "expected a digit, ' ' or ';'", at, why);
        int x, y;
        int rc =
            number(in, n, &i, PROTO_STROKES_W - 1, &x, "x past 999", at, why);
        if (rc)
            return rc;
        if (i >= n || in[i] != ',')
            return refuse(i, "expected ',' after x", at, why);
        i++;
        rc = number(in, n, &i, PROTO_STROKES_H - 1, &y, "y past 399", at, why);
        if (rc)
            return rc;
        if (i < n && !blank(in[i]) && in[i] != ';')
            return refuse(i, "expected ' ' or ';' after a point", at, why);
        /* Separator before the point: ' ' within a stroke, ';' before a
         * new one (none before the first). */
        if (o > 0)
            out[o++] = in_stroke ? ' ' : ';';
        if (!in_stroke)
            inf.strokes++;
        in_stroke = 1;
        inf.points++;
        o = put_num(out, o, x);
        out[o++] = ',';
        o = put_num(out, o, y);
    }
    out[o] = '\0';
    *out_len = o;
    if (info)
        *info = inf;
    return 0;
}

uint32_t proto_strokes_count(const char *s, size_t n)
{
    uint32_t k = 0;
    int in_stroke = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ';')
            in_stroke = 0;
        else if (s[i] >= '0' && s[i] <= '9' && !in_stroke) {
            in_stroke = 1;
            k++;
        }
    }
    return k;
}
