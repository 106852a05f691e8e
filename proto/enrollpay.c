/* enrollpay.c: the enrollment payload's one spelling, written and read.
 * See enrollpay.h. */
#include "enrollpay.h"

#include <stdio.h>
#include <string.h>

#include "errors.h"

static int is_alnum(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9');
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

/* [A-Za-z0-9_.-]{1,max}; names also not "." or "..". */
static int word_ok(const char *s, size_t len, size_t max, int name)
{
    if (len == 0 || len > max)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
            return 0;
    if (name && (len == 1 || len == 2) && s[0] == '.' && s[len - 1] == '.')
        return 0;
    return 1;
}

int proto_enroll_addr_ok(const char *a, size_t len)
{
    size_t colon = len;
    while (colon > 0 && a[colon - 1] != ':')
        colon--;
    if (colon < 2)
        return 0;
    /* PORT: 1..65535, digits, no leading zero. */
    const char *p = a + colon;
    size_t plen = len - colon;
    if (plen == 0 || plen > 5 || p[0] == '0')
        return 0;
    long port = 0;
    for (size_t i = 0; i < plen; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        port = port * 10 + (p[i] - '0');
    }
    if (port > 65535)
        return 0;
    size_t hlen = colon - 1; /* without the ':' */
    if (a[0] == '[') {
        if (hlen < 4 || hlen > 47 || a[hlen - 1] != ']')
            return 0;
        for (size_t i = 1; i + 1 < hlen; i++)
            if (!is_hex(a[i]) && a[i] != ':' && a[i] != '.')
                return 0;
        return 1;
    }
    if (hlen == 0 || hlen > 253)
        return 0;
    for (size_t i = 0; i < hlen; i++)
        if (!is_alnum(a[i]) && a[i] != '.' && a[i] != '-')
            return 0;
    return 1;
}

static int fp_ok(const char *s, size_t len)
{
    if (len != PROTO_ENROLL_FP_HEX)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* The members in their order, with their checks. */
enum { M_ADDR, M_FP, M_SITE, M_DEV, M_CRED, M_N };
static const char *const mname[M_N] = {"addr", "fp", "site", "dev", "cred"};

static int member_ok(int m, const char *s, size_t len)
{
    switch (m) {
    case M_ADDR:
        return len <= PROTO_ENROLL_ADDR_MAX && proto_enroll_addr_ok(s, len);
    case M_FP:
        return fp_ok(s, len);
    case M_SITE:
    case M_DEV:
        return word_ok(s, len, PROTO_ENROLL_NAME_MAX, 1);
    default:
        return word_ok(s, len, PROTO_ENROLL_CRED_MAX, 0);
    }
}

static const char *const bad_member[M_N] = {
    "addr is not HOST:PORT", "fp is not 64 lower-case hex digits",
    "site is not a site name", "dev is not a device name",
    "cred is not a credential"};

static char *member_buf(proto_enroll *p, int m, size_t *cap)
{
    switch (m) {
    case M_ADDR:
        *cap = sizeof p->addr;
        return p->addr;
    case M_FP:
        *cap = sizeof p->fp;
        return p->fp;
    case M_SITE:
        *cap = sizeof p->site;
        return p->site;
    case M_DEV:
        *cap = sizeof p->dev;
        return p->dev;
    default:
        *cap = sizeof p->cred;
        return p->cred;
    }
}

int proto_enroll_parse(const char *s, size_t len, proto_enroll *out,
                       const char **why)
{
    static const char *sink;
    const size_t pl = sizeof PROTO_ENROLL_PREFIX - 1;
    if (why == NULL)
        why = &sink;
    memset(out, 0, sizeof *out);
    if (len > PROTO_ENROLL_MAX) {
        *why = "longer than an enrollment payload";
        return RND_EMALFORMED;
    }
    if (len < pl || memcmp(s, PROTO_ENROLL_PREFIX, pl) != 0) {
        *why = "it does not start with " PROTO_ENROLL_PREFIX;
        return RND_EMALFORMED;
    }
    size_t i = pl;
    for (int m = 0; m < M_N; m++) {
        size_t nl = strlen(mname[m]);
        if (len - i < nl + 1 || memcmp(s + i, mname[m], nl) != 0 ||
            s[i + nl] != '=') {
            static const char *const want[M_N] = {
                "expected addr= after the prefix", "expected &fp= after addr",
                "expected &site= after fp", "expected &dev= after site",
                "expected &cred= after dev"};
            *why = want[m];
            memset(out, 0, sizeof *out);
            return RND_EMALFORMED;
        }
        i += nl + 1;
        size_t v = i;
        while (i < len && s[i] != '&')
            i++;
        size_t cap;
        char *dst = member_buf(out, m, &cap);
        if (!member_ok(m, s + v, i - v) || i - v >= cap) {
            *why = bad_member[m];
            memset(out, 0, sizeof *out);
            return RND_EMALFORMED;
        }
        memcpy(dst, s + v, i - v);
        dst[i - v] = '\0';
        if (m + 1 < M_N) {
            if (i == len) {
                *why = "members are missing";
                memset(out, 0, sizeof *out);
                return RND_EMALFORMED;
            }
            i++; /* '&' */
        } else if (i != len) {
            *why = "something follows cred";
            memset(out, 0, sizeof *out);
            return RND_EMALFORMED;
        }
    }
    *why = "";
    return 0;
}

int proto_enroll_format(const proto_enroll *p, char *out, size_t cap,
                        size_t *len, const char **why)
{
    static const char *sink;
    if (why == NULL)
        why = &sink;
    const char *v[M_N] = {p->addr, p->fp, p->site, p->dev, p->cred};
    for (int m = 0; m < M_N; m++)
        if (!member_ok(m, v[m], strnlen(v[m], PROTO_ENROLL_MAX))) {
            *why = bad_member[m];
            return RND_EINVAL;
        }
    int n =
        snprintf(out, cap, "%saddr=%s&fp=%s&site=%s&dev=%s&cred=%s",
                 PROTO_ENROLL_PREFIX, p->addr, p->fp, p->site, p->dev, p->cred);
    if (n < 0 || (size_t)n >= cap) {
        *why = "the buffer is too small";
        return RND_ENOSPACE;
    }
    if (len)
        *len = (size_t)n;
    *why = "";
    return 0;
}
