/* mpobj.h: the small MessagePack helpers the server's own records share
 * (the registry's devices, registry.c; the office's accounts,
 * accounts.c): writing a str, and reading a decoded msgpack-c object as
 * an integer, bytes or a string. Our own bytes, but checked: a damaged
 * record gives RND_ECORRUPT, never a crash. Header-only, internal.
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

#endif
