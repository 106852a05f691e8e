/* fold_pack.c: the encoding of a merged state (fold_pack.h).
 *
 * A state is a canonical MessagePack map (docs/DATA-MODEL.md). Two
 * encoders give the same bytes: msgpack-c's packer, which defined the
 * format and stays as the reference (test_fold_pack), and the direct
 * bounded writer the fold uses. Also here: how many conflicts a state
 * keeps within FOLD_STATE_MAX.
 */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "../proto/mp.h"
#include "fold.h"
#include "fold_int.h"
#include "fold_pack.h"

static void pack_key(msgpack_packer *pk, const char *k)
{
    size_t n = strlen(k);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, k, n);
}

static void pack_field_value(msgpack_packer *pk, const proto_field *f)
{
    switch (f->type) {
    case PROTO_BOOL:
        if (f->i)
            msgpack_pack_true(pk);
        else
            msgpack_pack_false(pk);
        break;
    case PROTO_INT:
        msgpack_pack_int64(pk, f->i);
        break;
    case PROTO_STR:
        msgpack_pack_str(pk, f->str_len);
        msgpack_pack_str_body(pk, f->str, f->str_len);
        break;
    default:
        msgpack_pack_nil(pk);
        break;
    }
}

/* ---- the encoding -------------------------------------------------------- */

static void pack_conflict(msgpack_packer *pk, const fold_conflict *c)
{
    msgpack_pack_array(pk, 2);
    msgpack_pack_str(pk, c->field_len);
    msgpack_pack_str_body(pk, c->field, c->field_len);
    msgpack_pack_array(pk, c->ncand);
    for (uint32_t j = 0; j < c->ncand; j++) {
        const fold_candidate *cand = &c->cand[j];
        msgpack_pack_array(pk, 4);
        msgpack_pack_uint64(pk, cand->hlc);
        msgpack_pack_uint64(pk, cand->device_id);
        msgpack_pack_uint64(pk, cand->seq);
        pack_field_value(pk, &cand->value);
    }
}

/* The events whose op carried a clock offset: "w" lists them. */
static uint32_t clk_count(const fold_state *st)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < st->nevents; i++)
        n += st->events[i].clk != 0;
    return n;
}

/* Writes the canonical map: keys in bytewise order, "w" (the events' clock
 * offsets) only when an op carried one, "x" (the first nconflicts
 * conflicts) only when there is one, so an entity without either encodes
 * as it did before they were kept. */
static void pack_state(mp_sink *o, const fold_state *st, uint32_t reopens,
                       const char *status, uint32_t nconflicts)
{
    msgpack_packer pk;
    uint32_t nclk = clk_count(st);
    msgpack_packer_init(&pk, o, mp_sink_write);
    msgpack_pack_map(&pk, 9 + (nconflicts ? 1 : 0) + (nclk ? 1 : 0));
    pack_key(&pk, "c");
    msgpack_pack_uint64(&pk, st->created_hlc);
    pack_key(&pk, "d");
    msgpack_pack_uint64(&pk, st->creator);
    pack_key(&pk, "e");
    msgpack_pack_array(&pk, st->nevents);
    for (uint32_t i = 0; i < st->nevents; i++) {
        const fold_event *e = &st->events[i];
        msgpack_pack_array(&pk, 5);
        msgpack_pack_uint64(&pk, e->hlc);
        msgpack_pack_uint64(&pk, e->device_id);
        msgpack_pack_uint64(&pk, e->seq);
        msgpack_pack_int64(&pk, e->wall_ms);
        msgpack_pack_uint8(&pk, e->action);
    }
    pack_key(&pk, "f");
    msgpack_pack_map(&pk, st->nfields);
    for (uint32_t i = 0; i < st->nfields; i++) {
        msgpack_pack_str(&pk, st->fields[i].name_len);
        msgpack_pack_str_body(&pk, st->fields[i].name, st->fields[i].name_len);
        pack_field_value(&pk, &st->fields[i]);
    }
    pack_key(&pk, "i");
    msgpack_pack_bin(&pk, PROTO_ENTITY_LEN);
    msgpack_pack_bin_body(&pk, st->entity, PROTO_ENTITY_LEN);
    pack_key(&pk, "k");
    msgpack_pack_uint8(&pk, st->kind);
    pack_key(&pk, "r");
    msgpack_pack_uint32(&pk, reopens);
    pack_key(&pk, "s");
    msgpack_pack_str(&pk, strlen(status));
    msgpack_pack_str_body(&pk, status, strlen(status));
    pack_key(&pk, "u");
    msgpack_pack_uint64(&pk, st->updated_hlc);
    if (nclk) {
        pack_key(&pk, "w");
        msgpack_pack_array(&pk, nclk);
        for (uint32_t i = 0; i < st->nevents; i++) {
            if (st->events[i].clk == 0)
                continue;
            msgpack_pack_array(&pk, 2);
            msgpack_pack_uint32(&pk, i);
            msgpack_pack_int64(&pk, st->events[i].clk);
        }
    }
    if (nconflicts) {
        pack_key(&pk, "x");
        msgpack_pack_array(&pk, nconflicts);
        for (uint32_t i = 0; i < nconflicts; i++)
            pack_conflict(&pk, &st->conflicts[i]);
    }
}

/* ---- the fast writer ----------------------------------------------------
 * Every ingested op folds its entity, and writing the state through
 * msgpack-c's packer (a callback and a bounds check for each piece, often
 * one byte) was a quarter of an ingest's instructions. The writer below
 * puts the same bytes straight into a bounded buffer: msgpack-c's choices
 * (the shortest form of every integer, positive ints as unsigned, fixstr
 * then str8/16/32, bin8/16/32, fix then 16/32-bit container headers) are
 * copied exactly, so states stay byte-identical; pack_state() above stays
 * as the reference that test_fold_pack compares it with (fold_pack.h). */

/* Like mp_sink: counts past cap (a NULL buffer with cap 0 only measures),
 * and writes a piece only when all of it fits. */
typedef struct wbuf {
    uint8_t *p;
    size_t cap;
    size_t len;
} wbuf;

static inline void w_put(wbuf *w, const void *src, size_t n)
{
    if (n > 0 && n <= w->cap && w->len <= w->cap - n)
        memcpy(w->p + w->len, src, n);
    w->len += n;
}

static inline void w_byte(wbuf *w, uint8_t b)
{
    if (w->len < w->cap)
        w->p[w->len] = b;
    w->len++;
}

/* A one-byte tag followed by v big-endian in n bytes (2, 4 or 8). */
static inline void w_tagged(wbuf *w, uint8_t tag, uint64_t v, size_t n)
{
    uint8_t b[9];
    b[0] = tag;
    for (size_t i = 0; i < n; i++)
        b[1 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    w_put(w, b, n + 1);
}

/* msgpack_pack_uint64 (and uint8/uint32: the same shortest forms). */
static inline void w_uint(wbuf *w, uint64_t v)
{
    if (v < 128) {
        w_byte(w, (uint8_t)v);
    } else if (v < 256) {
        uint8_t b[2] = {0xcc, (uint8_t)v};
        w_put(w, b, 2);
    } else if (v < 65536) {
        w_tagged(w, 0xcd, v, 2);
    } else if (v < (1ULL << 32)) {
        w_tagged(w, 0xce, v, 4);
    } else {
        w_tagged(w, 0xcf, v, 8);
    }
}

/* msgpack_pack_int64: non-negative values as unsigned. */
static inline void w_int(wbuf *w, int64_t v)
{
    if (v >= -32 && v < 0) {
        w_byte(w, (uint8_t)v); /* negative fixint */
    } else if (v >= 0) {
        w_uint(w, (uint64_t)v);
    } else if (v >= -128) {
        uint8_t b[2] = {0xd0, (uint8_t)v};
        w_put(w, b, 2);
    } else if (v >= -32768) {
        w_tagged(w, 0xd1, (uint64_t)v, 2);
    } else if (v >= -2147483648LL) {
        w_tagged(w, 0xd2, (uint64_t)v, 4);
    } else {
        w_tagged(w, 0xd3, (uint64_t)v, 8);
    }
}

/* An array (fix 0x90) or map (fix 0x80) header. */
static inline void w_container(wbuf *w, uint8_t fix, uint8_t t16, size_t n)
{
    if (n < 16)
        w_byte(w, (uint8_t)(fix | n));
    else if (n < 65536)
        w_tagged(w, t16, n, 2);
    else
        w_tagged(w, (uint8_t)(t16 + 1), n, 4);
}

static inline void w_array(wbuf *w, size_t n)
{
    w_container(w, 0x90, 0xdc, n);
}

static inline void w_map(wbuf *w, size_t n)
{
    w_container(w, 0x80, 0xde, n);
}

static inline void w_str(wbuf *w, const char *s, size_t n)
{
    if (n < 32) {
        w_byte(w, (uint8_t)(0xa0 | n));
    } else if (n < 256) {
        uint8_t b[2] = {0xd9, (uint8_t)n};
        w_put(w, b, 2);
    } else if (n < 65536) {
        w_tagged(w, 0xda, n, 2);
    } else {
        w_tagged(w, 0xdb, n, 4);
    }
    w_put(w, s, n);
}

/* The state's keys are one letter: a fixstr of length 1. */
static inline void w_key(wbuf *w, char k)
{
    uint8_t b[2] = {0xa1, (uint8_t)k};
    w_put(w, b, 2);
}

static void w_value(wbuf *w, const proto_field *f)
{
    switch (f->type) {
    case PROTO_BOOL:
        w_byte(w, f->i ? 0xc3 : 0xc2);
        break;
    case PROTO_INT:
        w_int(w, f->i);
        break;
    case PROTO_STR:
        w_str(w, f->str, f->str_len);
        break;
    default:
        w_byte(w, 0xc0);
        break;
    }
}

static void write_conflict(wbuf *w, const fold_conflict *c)
{
    w_array(w, 2);
    w_str(w, c->field, c->field_len);
    w_array(w, c->ncand);
    for (uint32_t j = 0; j < c->ncand; j++) {
        const fold_candidate *cand = &c->cand[j];
        w_array(w, 4);
        w_uint(w, cand->hlc);
        w_uint(w, cand->device_id);
        w_uint(w, cand->seq);
        w_value(w, &cand->value);
    }
}

/* pack_state() through the fast writer. */
static void write_state(wbuf *w, const fold_state *st, uint32_t reopens,
                        const char *status, uint32_t nconflicts)
{
    uint32_t nclk = clk_count(st);
    w_map(w, 9 + (nconflicts ? 1 : 0) + (nclk ? 1 : 0));
    w_key(w, 'c');
    w_uint(w, st->created_hlc);
    w_key(w, 'd');
    w_uint(w, st->creator);
    w_key(w, 'e');
    w_array(w, st->nevents);
    for (uint32_t i = 0; i < st->nevents; i++) {
        const fold_event *e = &st->events[i];
        w_byte(w, 0x95); /* an array of 5 */
        w_uint(w, e->hlc);
        w_uint(w, e->device_id);
        w_uint(w, e->seq);
        w_int(w, e->wall_ms);
        w_uint(w, e->action);
    }
    w_key(w, 'f');
    w_map(w, st->nfields);
    for (uint32_t i = 0; i < st->nfields; i++) {
        w_str(w, st->fields[i].name, st->fields[i].name_len);
        w_value(w, &st->fields[i]);
    }
    w_key(w, 'i');
    uint8_t bin[2] = {0xc4, PROTO_ENTITY_LEN};
    w_put(w, bin, 2);
    w_put(w, st->entity, PROTO_ENTITY_LEN);
    w_key(w, 'k');
    w_uint(w, st->kind);
    w_key(w, 'r');
    w_uint(w, reopens);
    w_key(w, 's');
    w_str(w, status, strlen(status));
    w_key(w, 'u');
    w_uint(w, st->updated_hlc);
    if (nclk) {
        w_key(w, 'w');
        w_array(w, nclk);
        for (uint32_t i = 0; i < st->nevents; i++) {
            if (st->events[i].clk == 0)
                continue;
            w_byte(w, 0x92); /* an array of 2 */
            w_uint(w, i);
            w_int(w, st->events[i].clk);
        }
    }
    if (nconflicts) {
        w_key(w, 'x');
        w_array(w, nconflicts);
        for (uint32_t i = 0; i < nconflicts; i++)
            write_conflict(w, &st->conflicts[i]);
    }
}

size_t fold__pack_state(const fold_state *st, uint32_t reopens,
                        const char *status, uint32_t nconflicts, uint8_t *out,
                        size_t cap, int generic)
{
    if (generic) {
        mp_sink o = {out, cap, SIZE_MAX, 0};
        pack_state(&o, st, reopens, status, nconflicts);
        return o.len;
    }
    wbuf w = {out, cap, 0};
    write_state(&w, st, reopens, status, nconflicts);
    return w.len;
}

/* How many of st's conflicts fit beside a base state of base bytes within
 * FOLD_STATE_MAX. Counted against the constant, not the caller's buffer,
 * so every replica keeps the same ones; only states near the limit (dozens
 * of 4 KB values) lose any. */
uint32_t fold__conflicts_that_fit(const fold_state *st, size_t base)
{
    /* The "x" key, the array header, and the map header growing from 9 to
     * 10 entries (both one byte). */
    size_t used = base + 2 + 1;
    uint32_t k = 0;
    if (used > FOLD_STATE_MAX)
        return 0;
    for (; k < st->nconflicts; k++) {
        wbuf cnt = {NULL, 0, 0};
        write_conflict(&cnt, &st->conflicts[k]);
        if (cnt.len > FOLD_STATE_MAX - used)
            break;
        used += cnt.len;
    }
    return k;
}
