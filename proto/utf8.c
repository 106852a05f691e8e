/* utf8.c: the UTF-8 validator, decoder, character count and full-width
 * fold (utf8.h). The well-formed byte sequences are the table of RFC 3629
 * section 4 (Unicode 15, table 3-7): the lead byte gives the length and
 * the range of the second byte; later bytes are 80..BF.
 */
#include "utf8.h"

#include "errors.h"

/* Lead byte ranges: length and the allowed range of the second byte. */
static const struct lead {
    unsigned char lo, hi; /* lead byte range */
    unsigned char len;
    unsigned char min2, max2; /* second byte range */
} leads[] = {
    {0xC2, 0xDF, 2, 0x80, 0xBF}, {0xE0, 0xE0, 3, 0xA0, 0xBF},
    {0xE1, 0xEC, 3, 0x80, 0xBF}, {0xED, 0xED, 3, 0x80, 0x9F},
    {0xEE, 0xEF, 3, 0x80, 0xBF}, {0xF0, 0xF0, 4, 0x90, 0xBF},
    {0xF1, 0xF3, 4, 0x80, 0xBF}, {0xF4, 0xF4, 4, 0x80, 0x8F},
};

size_t proto_utf8_next(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    if (len == 0)
        return 0;
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    for (size_t k = 0; k < sizeof leads / sizeof leads[0]; k++) {
        const struct lead *l = &leads[k];
        if (p[0] < l->lo || p[0] > l->hi)
            continue;
        if (len < l->len || p[1] < l->min2 || p[1] > l->max2)
            return 0;
        uint32_t v = p[0] & (0xFF >> (l->len + 1));
        for (size_t i = 1; i < l->len; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
            v = v << 6 | (p[i] & 0x3F);
        }
        *cp = v;
        return l->len;
    }
    return 0; /* 80..C1, F5..FF: never a lead byte */
}

int proto_utf8_is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

int proto_utf8_check(const char *s, size_t len, int rule, size_t *at,
                     const char **why)
{
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = proto_utf8_next(s + i, len - i, &cp);
        const char *bad = NULL;
        if (n == 0)
            bad = "not valid UTF-8";
        else if (proto_utf8_is_control(cp) &&
                 !(rule == PROTO_TEXT_MULTILINE && (cp == '\n' || cp == '\t')))
            bad = "control character";
        if (bad) {
            if (at)
                *at = i;
            if (why)
                *why = bad;
            return RND_EFIELD;
        }
        i += n;
    }
    return 0;
}

size_t proto_utf8_offset(const char *s, size_t len, size_t k)
{
    size_t i = 0;
    while (i < len && k > 0) {
        uint32_t cp;
        size_t n = proto_utf8_next(s + i, len - i, &cp);
        i += n ? n : 1;
        k--;
    }
    return i;
}

size_t proto_utf8_count(const char *s, size_t len)
{
    size_t count = 0;
    for (size_t i = 0; i < len; count++) {
        uint32_t cp;
        size_t n = proto_utf8_next(s + i, len - i, &cp);
        i += n ? n : 1;
    }
    return count;
}

size_t proto_utf8_fold_width(const char *s, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = proto_utf8_next(s + i, len - i, &cp);
        if (n == 3 && cp >= 0xFF01 && cp <= 0xFF5E) {
            if (o + 1 < cap)
                out[o++] = (char)(cp - 0xFF01 + 0x21);
        } else if (n == 3 && cp == 0x3000) {
            if (o + 1 < cap)
                out[o++] = ' ';
        } else {
            if (n == 0)
                n = 1; /* a stray byte is copied as it is */
            if (o + n < cap)
                for (size_t k = 0; k < n; k++)
                    out[o++] = s[i + k];
        }
        i += n;
    }
    if (cap)
        out[o] = '\0';
    return o;
}
