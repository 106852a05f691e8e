/* mp.h: the MessagePack primitives shared inside proto/ and storage/: a
 * bounds-checked reader over untrusted bytes and a bounded sink for
 * msgpack-c's packer. Internal: not part of the public proto API.
 *
 * Every read goes through mp_need(), which checks the remaining length
 * first, so no reader here can pass the end of its input. Readers return 0,
 * RND_ETRUNC (input ends early), RND_ETYPE (another type is there),
 * RND_ETOOBIG (a length over the caller's limit) or RND_EMALFORMED.
 */
#ifndef RND_MP_H
#define RND_MP_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

/* A read position in untrusted bytes; p never passes end. */
typedef struct mp_cur {
    const uint8_t *p;
    const uint8_t *end;
    /* 1: integers must be in their shortest form (RND_EMALFORMED
     * otherwise), as msgpack-c writes them: the canonical form ops are
     * held to (docs/DATA-MODEL.md). */
    int shortest;
} mp_cur;

static inline void mp_cur_init(mp_cur *c, const void *buf, size_t len)
{
    c->p = buf;
    c->end = c->p + len;
    c->shortest = 0;
}

int mp_need(const mp_cur *c, size_t n);
/* Any integer encoding. Negative values set *neg and leave the two's
 * complement bits in *v. */
int mp_read_integer(mp_cur *c, uint64_t *v, int *neg);
int mp_read_u64(mp_cur *c, uint64_t *out); /* negatives: RND_ETYPE */
int mp_read_i64(mp_cur *c, int64_t *out);
int mp_read_bool(mp_cur *c, int *out);
/* A str of at most max bytes; *s points into the input. The limit is
 * checked before the bytes, so a huge announced length is RND_ETOOBIG. */
int mp_read_str(mp_cur *c, uint64_t max, const char **s, uint32_t *n);
/* A bin of at most max bytes, by reference. */
int mp_read_bin_ref(mp_cur *c, uint64_t max, const uint8_t **p, uint32_t *n);
/* A bin of exactly n bytes (else RND_EMALFORMED), copied out. */
int mp_read_bin(mp_cur *c, uint8_t *out, size_t n);
int mp_read_array(mp_cur *c, uint64_t *count);
int mp_read_map(mp_cur *c, uint64_t *count);

/* Where msgpack-c's packer writes (msgpack_packer_init(&pk, &sink,
 * mp_sink_write)). It counts past cap, so the caller can tell "buffer too
 * small" (len > cap) from "over the format's limit" (len > limit, at which
 * point it stops the packer). */
typedef struct mp_sink {
    uint8_t *buf;
    size_t cap;
    size_t limit;
    size_t len; /* bytes the encoding needs so far */
} mp_sink;

int mp_sink_write(void *data, const char *p, size_t n);

#endif
