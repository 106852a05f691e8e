/* mpobj.h: the small MessagePack helpers the server's own records share
 * (the registry's devices, registry.c; the office's accounts,
 * accounts.c): writing a str, reading a decoded msgpack-c object as an
 * integer, bytes or a string, and walking a record's map. Our own bytes, but
 * checked: a damaged record gives RND_ECORRUPT, never a crash. Header-only,
 * internal.
 */
#ifndef RND_SRV_MPOBJ_H
#define RND_SRV_MPOBJ_H

#include <msgpack.h>
#include <stdint.h>
#include <string.h>

#include "../proto/errors.h"

static inline void srv_mp_pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

/* 1 when k is the str s. */
static inline int srv_mp_key_is(const msgpack_object *k, const char *s)
{
    size_t n = strlen(s);
    return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
           memcmp(k->via.str.ptr, s, n) == 0;
}

static inline int srv_mp_i64(const msgpack_object *o, int64_t *out)
{
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX)
        *out = (int64_t)o->via.u64;
    else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        *out = o->via.i64;
    else
        return RND_ECORRUPT;
    return 0;
}

static inline int srv_mp_u64(const msgpack_object *o, uint64_t *out)
{
    if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return RND_ECORRUPT;
    *out = o->via.u64;
    return 0;
}

/* Exactly n bytes of bin into out. */
static inline int srv_mp_bin(const msgpack_object *o, void *out, size_t n)
{
    if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != n)
        return RND_ECORRUPT;
    memcpy(out, o->via.bin.ptr, n);
    return 0;
}

/* A str shorter than cap, NUL-terminated into out. */
static inline int srv_mp_str(const msgpack_object *o, char *out, size_t cap)
{
    if (o->type != MSGPACK_OBJECT_STR || o->via.str.size >= cap)
        return RND_ECORRUPT;
    memcpy(out, o->via.str.ptr, o->via.str.size);
    out[o->via.str.size] = '\0';
    return 0;
}

/* 1 when buf[0..len) starts with one whole MessagePack object whose
 * arrays and maps claim no more elements than there are bytes left for
 * them (each element takes one byte at least), else 0. msgpack-c
 * allocates an array's or a map's elements when it reads its header, so
 * 6 bytes claiming 2^32 entries would make it ask for 256 GiB before it
 * finds the input short (found by fuzz_registry_import): this check,
 * run first, bounds what msgpack_unpack_next allocates by the input's
 * size. */
static inline int srv_mp_bounded(const void *buf, size_t len)
{
    const uint8_t *p = buf, *end = p + len;
    uint64_t pending = 1; /* objects still to read */
    while (pending > 0) {
        if (p >= end || pending > (uint64_t)(end - p))
            return 0;
        pending--;
        uint8_t b = *p++;
        uint64_t skip = 0, n = 0, hdr = 0, elems = 0;
        if (b <= 0x7f || b >= 0xe0 || (b >= 0xc0 && b <= 0xc3)) {
            if (b == 0xc1) /* never used */
                return 0;
            continue;
        }
        if (b >= 0x80 && b <= 0x8f) {
            elems = 2u * (b & 0x0fu);
        } else if (b >= 0x90 && b <= 0x9f) {
            elems = b & 0x0fu;
        } else if (b >= 0xa0 && b <= 0xbf) {
            skip = b & 0x1fu;
        } else {
            switch (b) {
            case 0xcc:
            case 0xd0:
                skip = 1;
                break;
            case 0xcd:
            case 0xd1:
                skip = 2;
                break;
            case 0xca:
            case 0xce:
            case 0xd2:
                skip = 4;
                break;
            case 0xcb:
            case 0xcf:
            case 0xd3:
                skip = 8;
                break;
            case 0xd4:
                skip = 2;
                break;
            case 0xd5:
                skip = 3;
                break;
            case 0xd6:
                skip = 5;
                break;
            case 0xd7:
                skip = 9;
                break;
            case 0xd8:
                skip = 17;
                break;
            case 0xc4:
            case 0xd9:
                hdr = 1;
                break; /* bin8, str8 */
            case 0xc5:
            case 0xda:
                hdr = 2;
                break;
            case 0xc6:
            case 0xdb:
                hdr = 4;
                break;
            case 0xc7:
                hdr = 1;
                skip = 1;
                break; /* ext8: length, type */
            case 0xc8:
                hdr = 2;
                skip = 1;
                break;
            case 0xc9:
                hdr = 4;
                skip = 1;
                break;
            case 0xdc:
            case 0xde:
                hdr = 2;
                break; /* array16, map16 */
            case 0xdd:
            case 0xdf:
                hdr = 4;
                break;
            default:
                return 0;
            }
        }
        if (hdr) {
            if ((uint64_t)(end - p) < hdr)
                return 0;
            for (uint64_t i = 0; i < hdr; i++)
                n = n << 8 | *p++;
            if (b == 0xdc || b == 0xdd)
                elems = n;
            else if (b == 0xde || b == 0xdf)
                elems = 2 * n;
            else
                skip += n;
        }
        if (skip > (uint64_t)(end - p))
            return 0;
        p += skip;
        pending += elems;
    }
    return 1;
}

/* The field callback of srv_mp_record: one entry of the record's map
 * (its key a str, or anything: unknown keys are passed on too). 0 to go
 * on; an error stops the walk and is returned. */
typedef int (*srv_mp_field_fn)(const msgpack_object *k, const msgpack_object *v,
                               void *ctx);

/* Decodes buf (len bytes) as one record: a map whose "v" entry is its
 * format's version, the others fields handed to field one by one.
 * RND_ECORRUPT when buf is not a map or "v" is not a whole number,
 * RND_ESTOREVER when "v" is above version (written by a newer roundsd),
 * else field's first failure or 0. */
static inline int srv_mp_record(const void *buf, size_t len, uint64_t version,
                                srv_mp_field_fn field, void *ctx)
{
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    int rc = RND_ECORRUPT;
    if (srv_mp_bounded(buf, len) &&
        msgpack_unpack_next(&u, buf, len, &off) == MSGPACK_UNPACK_SUCCESS &&
        u.data.type == MSGPACK_OBJECT_MAP) {
        const msgpack_object_map *m = &u.data.via.map;
        rc = 0;
        for (uint32_t i = 0; i < m->size && rc == 0; i++) {
            const msgpack_object *k = &m->ptr[i].key, *v = &m->ptr[i].val;
            uint64_t ver;
            if (srv_mp_key_is(k, "v")) {
                rc = srv_mp_u64(v, &ver);
                if (rc == 0 && ver > version)
                    rc = RND_ESTOREVER;
            } else {
                rc = field(k, v, ctx);
            }
        }
    }
    msgpack_unpacked_destroy(&u);
    return rc;
}

#endif
