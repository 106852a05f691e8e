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
    if (msgpack_unpack_next(&u, buf, len, &off) == MSGPACK_UNPACK_SUCCESS &&
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
