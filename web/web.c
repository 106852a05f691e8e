/* web.c: the pieces both web servers share (web.h): query parameters,
 * statuses, the field a message names, the error object.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "../proto/errors.h"
#include "../report/render.h"
#include "web.h"

int web_status_for(int rc)
{
    switch (rc) {
    case RND_EFIELD:
    case RND_EINVAL:
    case RND_EMALFORMED:
    case RND_ETYPE:
        return 400;
    case RND_EAUTH:
        return 401;
    case RND_ENOTFOUND:
    case RND_ENOTHELD: /* a record has it, its bytes are not here yet */
        return 404;
    case RND_ETRANSITION:
    case RND_EEXIST:
        return 409;
    case RND_ETOOBIG:
        return 413;
    case RND_ELOCKOUT: /* too many wrong PINs or passwords */
        return 423;
    case RND_ELOCKED: /* the store is busy */
        return 503;
    }
    return 500;
}

int web_field_of(const char *message, char *out, size_t cap)
{
    const char *p = message ? strstr(message, "field '") : NULL;
    if (p == NULL || cap == 0)
        return -1;
    p += 7;
    size_t n = strcspn(p, "'");
    if (p[n] != '\'' || n == 0 || n >= cap)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
              (c >= 'A' && c <= 'Z') || c == '-'))
            return -1;
    }
    memcpy(out, p, n);
    out[n] = '\0';
    return 0;
}

void web_error_json(FILE *f, const char *code, const char *field,
                    const char *message, const char *extra_key,
                    int64_t extra_val)
{
    char fbuf[64];
    if (field == NULL && web_field_of(message, fbuf, sizeof fbuf) == 0)
        field = fbuf;
    rpt_jw j;
    rpt_jw_init(&j, f);
    rpt_jw_obj(&j);
    rpt_jw_kbool(&j, "ok", 0);
    rpt_jw_key(&j, "error");
    rpt_jw_obj(&j);
    rpt_jw_kstr(&j, "code", code);
    if (field)
        rpt_jw_kstr(&j, "field", field);
    rpt_jw_kstr(&j, "message", message ? message : "");
    if (extra_key)
        rpt_jw_kint(&j, extra_key, extra_val);
    rpt_jw_end(&j);
    rpt_jw_end(&j);
    fputc('\n', f);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int web_query_get(const char *query, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = query;
    while (p && *p) {
        size_t n = strcspn(p, "&");
        if (n >= nl && strncmp(p, name, nl) == 0 && (n == nl || p[nl] == '=')) {
            const char *v = n == nl ? p + n : p + nl + 1;
            const char *end = p + n;
            size_t k = 0;
            while (v < end) {
                int c = (unsigned char)*v;
                if (c == '%') {
                    int hi = end - v > 2 ? hexval(v[1]) : -1;
                    int lo = end - v > 2 ? hexval(v[2]) : -1;
                    if (hi < 0 || lo < 0)
                        return -1;
                    c = hi * 16 + lo;
                    v += 3;
                } else {
                    c = c == '+' ? ' ' : c;
                    v++;
                }
                if (c == 0 || k + 1 >= cap)
                    return -1;
                out[k++] = (char)c;
            }
            out[k] = '\0';
            return 0;
        }
        p += n;
        if (*p == '&')
            p++;
    }
    return -1;
}

/* ---- tokens, types, cookies -------------------------------------------- */

int web_is_token(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return 0;
    return n == WEB_TOKEN_HEX;
}

int web_token_new(const char *fixed, char out[WEB_TOKEN_HEX + 1])
{
    static const char hexd[] = "0123456789abcdef";
    uint8_t raw[WEB_TOKEN_HEX / 2];
    if (fixed) {
        if (!web_is_token(fixed))
            return RND_EINVAL;
        memcpy(out, fixed, WEB_TOKEN_HEX + 1);
        return 0;
    }
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return RND_ECRYPTO;
        got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof raw; i++) {
        out[2 * i] = hexd[raw[i] >> 4];
        out[2 * i + 1] = hexd[raw[i] & 15];
    }
    out[WEB_TOKEN_HEX] = '\0';
    memset(raw, 0, sizeof raw);
    return 0;
}

int web_token_eq(const char *s, size_t n, const char *t)
{
    unsigned char d = n != WEB_TOKEN_HEX;
    for (size_t i = 0; i < WEB_TOKEN_HEX; i++)
        d |= (unsigned char)((i < n ? (unsigned char)s[i] : 0) ^
                             (unsigned char)t[i]);
    return d == 0;
}

int web_cookie_get(const char *cookie, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *p = cookie; p && *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        size_t n = strcspn(p, ";");
        if (n > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            const char *v = p + nl + 1;
            size_t vl = n - nl - 1;
            while (vl && v[vl - 1] == ' ')
                vl--;
            if (vl >= cap)
                return -1;
            memcpy(out, v, vl);
            out[vl] = '\0';
            return 0;
        }
        p += n;
    }
    return -1;
}

const char *web_mime_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".wasm", "application/wasm"},
        {".woff2", "font/woff2"},
        {".woff", "font/woff"},
        {".ttf", "font/ttf"},
        {".txt", "text/plain; charset=utf-8"},
        {".webmanifest", "application/manifest+json"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof *types; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

int web_is_json_type(const char *ct)
{
    static const char want[] = "application/json";
    if (ct == NULL || strncasecmp(ct, want, sizeof want - 1) != 0)
        return 0;
    char c = ct[sizeof want - 1];
    return c == '\0' || c == ';' || c == ' ';
}
