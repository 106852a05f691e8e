/* jsonread.c: see jsonread.h. A recursive-descent reader over a bounded
 * input: every look at a byte checks the end first, so the input need not
 * be NUL-terminated. */
#include <stdlib.h>
#include <string.h>

#include "../proto/errors.h"
#include "jsonread.h"

typedef struct rd {
    const char *s;
    size_t len, i;
    int err; /* the first error; i stays where it happened */
} rd;

static int fail(rd *r, int err)
{
    if (r->err == 0)
        r->err = err;
    return -1;
}

static void skip_ws(rd *r)
{
    while (r->i < r->len && (r->s[r->i] == ' ' || r->s[r->i] == '\n' ||
                             r->s[r->i] == '\r' || r->s[r->i] == '\t'))
        r->i++;
}

static int peek(const rd *r)
{
    return r->i < r->len ? (unsigned char)r->s[r->i] : -1;
}

static int hex4(rd *r, uint32_t *out)
{
    if (r->len - r->i < 4)
        return fail(r, RND_EMALFORMED);
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        char c = r->s[r->i + (size_t)k];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return fail(r, RND_EMALFORMED);
    }
    r->i += 4;
    *out = v;
    return 0;
}

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static int put(rd *r, sbuf *b, const char *c, size_t n)
{
    if (b->n + n > RPT_JV_STR_MAX)
        return fail(r, RND_ETOOBIG);
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 32;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            return fail(r, RND_ENOMEM);
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, c, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

/* A \u escape (the "\u" already read) as UTF-8 into b. */
static int unicode(rd *r, sbuf *b)
{
    uint32_t cp, lo;
    if (hex4(r, &cp))
        return -1;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return fail(r, RND_EMALFORMED); /* a lone low surrogate */
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (r->len - r->i < 2 || r->s[r->i] != '\\' || r->s[r->i + 1] != 'u')
            return fail(r, RND_EMALFORMED);
        r->i += 2;
        if (hex4(r, &lo))
            return -1;
        if (lo < 0xDC00 || lo > 0xDFFF)
            return fail(r, RND_EMALFORMED);
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    if (cp == 0)
        return fail(r, RND_EMALFORMED);
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12);
        u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18);
        u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return put(r, b, u, n);
}

/* A string at r->i (its opening quote) into a new NUL-terminated copy. */
static int string(rd *r, char **out, size_t *outlen)
{
    sbuf b = {NULL, 0, 0};
    if (peek(r) != '"')
        return fail(r, RND_EMALFORMED);
    r->i++;
    if (put(r, &b, "", 0))
        goto bad;
    for (;;) {
        int c = peek(r);
        if (c < 0 || c < 0x20)
            goto malformed; /* the end, or a raw control character */
        if (c == '"') {
            r->i++;
            break;
        }
        if (c != '\\') {
            /* A run of plain bytes at once. */
            size_t k = r->i;
            while (k < r->len && r->s[k] != '"' && r->s[k] != '\\' &&
                   (unsigned char)r->s[k] >= 0x20)
                k++;
            if (put(r, &b, r->s + r->i, k - r->i))
                goto bad;
            r->i = k;
            continue;
        }
        r->i++;
        c = peek(r);
        r->i++;
        const char *esc = NULL;
        switch (c) {
        case '"':
            esc = "\"";
            break;
        case '\\':
            esc = "\\";
            break;
        case '/':
            esc = "/";
            break;
        case 'b':
            esc = "\b";
            break;
        case 'f':
            esc = "\f";
            break;
        case 'n':
            esc = "\n";
            break;
        case 'r':
            esc = "\r";
            break;
        case 't':
            esc = "\t";
            break;
        case 'u':
            if (unicode(r, &b))
                goto bad;
            continue;
        default:
            r->i--;
            goto malformed;
        }
        if (put(r, &b, esc, 1))
            goto bad;
    }
    *out = b.p;
    *outlen = b.n;
    return 0;
malformed:
    fail(r, RND_EMALFORMED);
bad:
    free(b.p);
    return -1;
}

static int number(rd *r, rpt_jv *v)
{
    v->type = RPT_JV_NUM;
    if (peek(r) == '-') {
        v->neg = 1;
        r->i++;
    }
    int c = peek(r);
    if (c < '0' || c > '9')
        return fail(r, RND_EMALFORMED);
    if (c == '0' && r->i + 1 < r->len && r->s[r->i + 1] >= '0' &&
        r->s[r->i + 1] <= '9')
        return fail(r, RND_EMALFORMED); /* no leading zeros */
    uint64_t n = 0;
    while ((c = peek(r)) >= '0' && c <= '9') {
        uint64_t d = (uint64_t)(c - '0');
        if (n > (UINT64_MAX - d) / 10)
            return fail(r, RND_ETOOBIG);
        n = n * 10 + d;
        r->i++;
    }
    if (c == '.' || c == 'e' || c == 'E')
        return fail(r, RND_EMALFORMED); /* whole numbers only */
    v->num = n;
    if (n == 0)
        v->neg = 0;
    return 0;
}

static int value(rd *r, rpt_jv *v, int depth);

/* One more member of v (an array or object), parsed from r. key is
 * given to v (freed on failure). */
static int member(rd *r, rpt_jv *v, char *key, int depth)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 4;
        rpt_jv *k = realloc(v->kids, cap * sizeof *k);
        if (k == NULL) {
            free(key);
            return fail(r, RND_ENOMEM);
        }
        v->kids = k;
        if (v->type == RPT_JV_OBJ) {
            char **ks = realloc(v->keys, cap * sizeof *ks);
            if (ks == NULL) {
                free(key);
                return fail(r, RND_ENOMEM);
            }
            v->keys = ks;
        }
        v->cap = cap;
    }
    if (v->type == RPT_JV_OBJ)
        v->keys[v->n] = key;
    memset(&v->kids[v->n], 0, sizeof *v->kids);
    v->n++;
    return value(r, &v->kids[v->n - 1], depth + 1);
}

static int container(rd *r, rpt_jv *v, int depth)
{
    int obj = peek(r) == '{';
    char end = obj ? '}' : ']';
    v->type = obj ? RPT_JV_OBJ : RPT_JV_ARR;
    if (depth >= RPT_JV_DEPTH)
        return fail(r, RND_ETOOBIG);
    r->i++;
    skip_ws(r);
    if (peek(r) == end) {
        r->i++;
        return 0;
    }
    for (;;) {
        char *key = NULL;
        skip_ws(r);
        if (obj) {
            size_t klen;
            if (string(r, &key, &klen))
                return -1;
            skip_ws(r);
            if (peek(r) != ':') {
                free(key);
                return fail(r, RND_EMALFORMED);
            }
            r->i++;
        }
        if (member(r, v, key, depth))
            return -1;
        skip_ws(r);
        int c = peek(r);
        if (c == ',') {
            r->i++;
            continue;
        }
        if (c != end)
            return fail(r, RND_EMALFORMED);
        r->i++;
        return 0;
    }
}

static int word(rd *r, const char *w)
{
    size_t n = strlen(w);
    if (r->len - r->i < n || memcmp(r->s + r->i, w, n) != 0)
        return 0;
    r->i += n;
    return 1;
}

static int value(rd *r, rpt_jv *v, int depth)
{
    skip_ws(r);
    v->at = r->i;
    int c = peek(r);
    if (c == '{' || c == '[')
        return container(r, v, depth);
    if (c == '"') {
        v->type = RPT_JV_STR;
        return string(r, &v->str, &v->len);
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return number(r, v);
    if (word(r, "true") || word(r, "false")) {
        v->type = RPT_JV_BOOL;
        v->num = c == 't';
        return 0;
    }
    if (word(r, "null")) {
        v->type = RPT_JV_NULL;
        return 0;
    }
    return fail(r, RND_EMALFORMED);
}

int rpt_jv_parse(const char *text, size_t len, rpt_jv *root, size_t *where)
{
    rd r = {text, len, 0, 0};
    memset(root, 0, sizeof *root);
    if (value(&r, root, 0) == 0) {
        skip_ws(&r);
        if (r.i != r.len)
            fail(&r, RND_EMALFORMED); /* something after the value */
    }
    if (where)
        *where = r.i;
    return r.err;
}

void rpt_jv_free(rpt_jv *v)
{
    for (size_t i = 0; i < v->n; i++) {
        if (v->keys)
            free(v->keys[i]);
        rpt_jv_free(&v->kids[i]);
    }
    free(v->keys);
    free(v->kids);
    free(v->str);
    memset(v, 0, sizeof *v);
}

const rpt_jv *rpt_jv_get(const rpt_jv *o, const char *key, rpt_jv_type type)
{
    if (o == NULL || o->type != RPT_JV_OBJ)
        return NULL;
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(o->keys[i], key) == 0)
            return o->kids[i].type == type ? &o->kids[i] : NULL;
    return NULL;
}
