/* mp.c: the bounds-checked MessagePack reader and bounded sink of mp.h. */
#include <string.h>

#include "mp.h"

int mp_need(const mp_cur *c, size_t n)
{
    return (size_t)(c->end - c->p) >= n ? 0 : RND_ETRUNC;
}

static uint64_t be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t k = 0; k < n; k++)
        v = (v << 8) | p[k];
    return v;
}

/* Reads the tag byte and an n-byte big-endian argument after it. */
static int take(mp_cur *c, size_t n, uint64_t *v)
{
    int rc = mp_need(c, 1 + n);
    if (rc != 0)
        return rc;
    *v = be(c->p + 1, n);
    c->p += 1 + n;
    return 0;
}

int mp_read_integer(mp_cur *c, uint64_t *v, int *neg)
{
    int rc = mp_need(c, 1);
    if (rc != 0)
        return rc;
    uint8_t t = *c->p;
    *neg = 0;
    if (t <= 0x7f) {
        *v = t;
        c->p++;
        return 0;
    }
    if (t >= 0xe0) {
        *v = (uint64_t)(int64_t)(int8_t)t;
        *neg = 1;
        c->p++;
        return 0;
    }
    if (t >= 0xcc && t <= 0xcf) {
        size_t n = (size_t)1 << (t - 0xcc);
        rc = take(c, n, v);
        /* Shortest: a uint of n bytes holds what n/2 bytes (or a fixint,
         * for n = 1) cannot. */
        if (rc == 0 && c->shortest && *v < (n == 1 ? 0x80 : 1ull << (4 * n)))
            return RND_EMALFORMED;
        return rc;
    }
    if (t >= 0xd0 && t <= 0xd3) {
        size_t n = (size_t)1 << (t - 0xd0);
        uint64_t raw;
        rc = take(c, n, &raw);
        if (rc != 0)
            return rc;
        /* Sign-extend the n-byte value to 64 bits. */
        unsigned shift = (unsigned)(64 - 8 * n);
        int64_t sv = (int64_t)(raw << shift) >> shift;
        *v = (uint64_t)sv;
        *neg = sv < 0;
        /* Shortest: a signed form only for a negative value that a
         * negative fixint (n = 1) or a signed form of n/2 bytes cannot
         * hold; values >= 0 are written as uint or positive fixint. */
        if (c->shortest &&
            (sv >= 0 || sv >= (n == 1 ? -32 : -((int64_t)1 << (4 * n - 1)))))
            return RND_EMALFORMED;
        return 0;
    }
    return RND_ETYPE;
}

int mp_read_u64(mp_cur *c, uint64_t *out)
{
    int neg;
    int rc = mp_read_integer(c, out, &neg);
    if (rc == 0 && neg)
        return RND_ETYPE;
    return rc;
}

int mp_read_i64(mp_cur *c, int64_t *out)
{
    uint64_t v;
    int neg;
    int rc = mp_read_integer(c, &v, &neg);
    if (rc != 0)
        return rc;
    if (!neg && v > (uint64_t)INT64_MAX)
        return RND_ETOOBIG;
    *out = (int64_t)v;
    return 0;
}

int mp_read_bool(mp_cur *c, int *out)
{
    int rc = mp_need(c, 1);
    if (rc != 0)
        return rc;
    if (*c->p != 0xc2 && *c->p != 0xc3)
        return RND_ETYPE;
    *out = *c->p == 0xc3;
    c->p++;
    return 0;
}

int mp_read_str(mp_cur *c, uint64_t max, const char **s, uint32_t *n)
{
    uint64_t len;
    int rc = mp_need(c, 1);
    if (rc != 0)
        return rc;
    uint8_t t = *c->p;
    if (t >= 0xa0 && t <= 0xbf) {
        len = t & 0x1f;
        c->p++;
    } else if (t >= 0xd9 && t <= 0xdb) {
        rc = take(c, (size_t)1 << (t - 0xd9), &len);
        if (rc != 0)
            return rc;
    } else {
        return RND_ETYPE;
    }
    if (len > max)
        return RND_ETOOBIG;
    rc = mp_need(c, (size_t)len);
    if (rc != 0)
        return rc;
    *s = (const char *)c->p;
    *n = (uint32_t)len;
    c->p += len;
    return 0;
}

int mp_read_bin_ref(mp_cur *c, uint64_t max, const uint8_t **p, uint32_t *n)
{
    int rc = mp_need(c, 1);
    if (rc != 0)
        return rc;
    uint8_t t = *c->p;
    if (t < 0xc4 || t > 0xc6)
        return RND_ETYPE;
    uint64_t len;
    rc = take(c, (size_t)1 << (t - 0xc4), &len);
    if (rc != 0)
        return rc;
    if (len > max)
        return RND_ETOOBIG;
    rc = mp_need(c, (size_t)len);
    if (rc != 0)
        return rc;
    *p = c->p;
    *n = (uint32_t)len;
    c->p += len;
    return 0;
}

int mp_read_bin(mp_cur *c, uint8_t *out, size_t n)
{
    int rc = mp_need(c, 1);
    if (rc != 0)
        return rc;
    uint8_t t = *c->p;
    if (t < 0xc4 || t > 0xc6)
        return RND_ETYPE;
    uint64_t len;
    rc = take(c, (size_t)1 << (t - 0xc4), &len);
    if (rc != 0)
        return rc;
    if (len != n)
        return RND_EMALFORMED;
    rc = mp_need(c, n);
    if (rc != 0)
        return rc;
    memcpy(out, c->p, n);
    c->p += n;
    return 0;
}

/* An array or map header; fix_base is 0x90 (fixarray) or 0x80 (fixmap),
 * t16 the tag of the 16-bit form (the 32-bit form follows it). */
static int read_container(mp_cur *c, uint8_t fix_base, uint8_t t16,
                          uint64_t *count)
{
    int rc = mp_need(c, 1);
    if (rc != 0)
        return rc;
    uint8_t t = *c->p;
    if (t >= fix_base && t <= fix_base + 0x0f) {
        *count = t & 0x0f;
        c->p++;
        return 0;
    }
    if (t == t16)
        return take(c, 2, count);
    if (t == t16 + 1)
        return take(c, 4, count);
    return RND_ETYPE;
}

int mp_read_array(mp_cur *c, uint64_t *count)
{
    return read_container(c, 0x90, 0xdc, count);
}

int mp_read_map(mp_cur *c, uint64_t *count)
{
    return read_container(c, 0x80, 0xde, count);
}

int mp_sink_write(void *data, const char *p, size_t n)
{
    mp_sink *s = data;
    if (s->len > s->limit || n > s->limit - s->len) {
        s->len = s->limit + 1;
        return -1;
    }
    if (n > 0 && s->len + n <= s->cap)
        memcpy(s->buf + s->len, p, n);
    s->len += n;
    return 0;
}
