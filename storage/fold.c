/* fold.c: an entity's merged state as a deterministic fold over its ops.
 *
 * The store gives us every op of one entity sorted by (hlc, device_id, seq);
 * the fold walks them in that order and writes a canonical MessagePack map.
 * Because the input order is a total order on the op set, and every rule
 * below depends only on that order, replicas holding the same ops produce
 * byte-identical states (DESIGN.md, principle 2).
 *
 * Rules (docs/DATA-MODEL.md has the full table):
 *  - fields: last-writer-wins by (hlc, device_id, seq) among the field's
 *    heads (causality before clocks: a write that saw another wins over it
 *    whatever their stamps); when every write of a field has one value,
 *    that is simply the last op in fold order that names it;
 *  - events: every op is kept (a union), in fold order;
 *  - status: per kind. Visits and vehicles take the highest rank seen, so an
 *    exit that sorts before its entry (clock skew between gates) still
 *    leaves the visit "left". Work orders only move forward along their life
 *    cycle; a stale backward transition is ignored, and only an explicit
 *    reopen (or a callback with satisfaction "unsatisfied") moves a
 *    completed, called-back or closed order back to "reopened";
 *  - conflicts: a field whose latest writes (the "heads": writes no other
 *    write of the field has seen, by the writers' _seen vectors) hold two
 *    or more different values is listed under "x" with every head, so the
 *    office sees what last-writer-wins picked among. Only fields written
 *    twice with different values can be in conflict, which keeps this off
 *    the common path.
 */
#include <stdio.h>
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

/* ---- status rules per kind --------------------------------------------- */

/* Work order life cycle ranks: a transition applies only if it moves the
 * order strictly forward. */
enum wo_rank {
    WO_NONE = 0,
    WO_REPORTED = 1,
    WO_DISPATCHED = 2,
    WO_ARRIVED = 3,
    WO_COMPLETED = 4,
    WO_CALLED_BACK = 5,
    WO_CLOSED = 6,
    WO_CANCELLED = 7,
};

static const char *const wo_status_names[] = {
    "",          "reported",    "dispatched", "arrived",
    "completed", "called_back", "closed",     "cancelled",
};

static int field_is(const proto_op *op, const char *name, const char *val)
{
    const proto_field *f = proto_op_field(op, name);
    size_t n = strlen(val);
    return f && f->type == PROTO_STR && f->str_len == n &&
           memcmp(f->str, val, n) == 0;
}

typedef struct fold_acc {
    int rank;     /* kind-specific status rank */
    int reopened; /* work order: last backward move was a reopen */
    uint32_t reopen_count;
} fold_acc;

static void wo_apply(fold_acc *a, const proto_op *op)
{
    int target = WO_NONE;
    switch (op->action) {
    case PROTO_ACTION_CREATE:
        target = WO_REPORTED;
        break;
    case PROTO_ACTION_DISPATCH:
        target = WO_DISPATCHED;
        break;
    case PROTO_ACTION_ARRIVE:
        target = WO_ARRIVED;
        break;
    case PROTO_ACTION_COMPLETE:
        target = WO_COMPLETED;
        break;
    case PROTO_ACTION_CALLBACK:
        if (field_is(op, "satisfaction", "unsatisfied")) {
            if (a->rank >= WO_COMPLETED && a->rank <= WO_CLOSED) {
                a->rank = WO_REPORTED;
                a->reopened = 1;
                a->reopen_count++;
            }
            return;
        }
        target = WO_CALLED_BACK;
        break;
    case PROTO_ACTION_CLOSE:
        target = WO_CLOSED;
        break;
    case PROTO_ACTION_CANCEL:
        if (a->rank != WO_CLOSED)
            a->rank = WO_CANCELLED;
        return;
    case PROTO_ACTION_REOPEN:
        if (a->rank >= WO_COMPLETED && a->rank <= WO_CLOSED) {
            a->rank = WO_REPORTED;
            a->reopened = 1;
            a->reopen_count++;
        }
        return;
    default:
        return;
    }
    if (a->rank == WO_CANCELLED)
        return;
    if (target > a->rank) {
        a->rank = target;
        if (target > WO_REPORTED)
            a->reopened = 0;
    }
}

/* Visits and vehicles: the highest rank wins, whatever the order. */
enum visit_rank { V_NONE = 0, V_INSIDE = 1, V_LEFT = 2, V_REFUSED = 3 };
static const char *const visit_status_names[] = {"", "inside", "left",
                                                 "refused"};

static void visit_apply(fold_acc *a, const proto_op *op)
{
    int target = V_NONE;
    if (op->action == PROTO_ACTION_CREATE)
        target = V_INSIDE;
    else if (op->action == PROTO_ACTION_EXIT)
        target = V_LEFT;
    else if (op->action == PROTO_ACTION_REFUSE)
        target = V_REFUSED;
    if (target > a->rank)
        a->rank = target;
}

static int is_master_kind(int kind)
{
    /* The office's PII public keys (proto/pii.h) are master data too:
     * active until a newer key retires them. */
    return (kind >= PROTO_KIND_SITE && kind <= PROTO_KIND_BLACKLIST) ||
           kind == PROTO_KIND_PII_KEY;
}

/* Fills status and the open flag from the accumulated ranks. */
static const char *finish_status(int kind, const fold_acc *a, int *open)
{
    *open = 0;
    switch (kind) {
    case PROTO_KIND_WORKORDER:
        *open = a->rank != WO_CLOSED && a->rank != WO_CANCELLED &&
                a->rank != WO_NONE;
        if (a->reopened && a->rank == WO_REPORTED)
            return "reopened";
        return wo_status_names[a->rank];
    case PROTO_KIND_VISIT:
    case PROTO_KIND_VEHICLE:
        *open = a->rank == V_INSIDE;
        return visit_status_names[a->rank];
    case PROTO_KIND_HANDOVER:
        *open = a->rank == 1;
        return a->rank == 2 ? "acknowledged" : a->rank == 1 ? "pending" : "";
    default:
        if (is_master_kind(kind)) {
            *open = a->rank == 1;
            return a->rank == 2 ? "retired" : a->rank == 1 ? "active" : "";
        }
        return "";
    }
}

static void simple_apply(int kind, fold_acc *a, const proto_op *op)
{
    if (kind == PROTO_KIND_HANDOVER) {
        if (op->action == PROTO_ACTION_ACK)
            a->rank = 2;
        else if (op->action == PROTO_ACTION_CREATE && a->rank < 1)
            a->rank = 1;
    } else if (is_master_kind(kind)) {
        /* Master data is active from its create or set until retired; a
         * later set revives a retired entry (the office changed its mind). */
        if (op->action == PROTO_ACTION_RETIRE)
            a->rank = 2;
        else if (op->action == PROTO_ACTION_CREATE ||
                 op->action == PROTO_ACTION_SET)
            a->rank = 1;
    }
}

/* ---- the fold ------------------------------------------------------------ */

int fold_field_is_attribution(const char *name, size_t len)
{
    return (len == 2 && memcmp(name, "by", 2) == 0) ||
           (len > 3 && memcmp(name + len - 3, "_by", 3) == 0);
}

/* Sets name=value in the merged field list, keeping it sorted by name.
 * differs[i] is set once field i has been written with two different
 * values (see DIFFERS_VALUE). */
static int merge_field(proto_field *fields, uint8_t *differs, uint32_t *n,
                       const proto_field *f)
{
    uint32_t i = 0;
    while (i < *n && name_cmp(&fields[i], f) < 0)
        i++;
    if (i < *n && name_cmp(&fields[i], f) == 0) {
        if (!differs[i] && !value_eq(&fields[i], f))
            differs[i] = fold_field_is_attribution(f->name, f->name_len)
                             ? DIFFERS_ATTRIBUTION
                             : DIFFERS_VALUE;
        fields[i] = *f;
        return 0;
    }
    if (*n == PROTO_OP_MAX_FIELDS)
        return RND_ETOOBIG;
    memmove(&fields[i + 1], &fields[i], (*n - i) * sizeof *fields);
    memmove(&differs[i + 1], &differs[i], *n - i);
    fields[i] = *f;
    differs[i] = 0;
    (*n)++;
    return 0;
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
static uint32_t conflicts_that_fit(const fold_state *st, size_t base)
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

/* Takes a metadata field's value into *clk when it is FOLD_CLK_FIELD, an
 * int (anything else reads as absent). Met while the fold skips
 * metadata, so the common op costs a length compare. */
static void clk_of(const proto_field *f, int64_t *clk)
{
    if (f->name_len == 4 && memcmp(f->name, FOLD_CLK_FIELD, 4) == 0 &&
        f->type == PROTO_INT)
        *clk = f->i;
}

int store_fold(const uint8_t *const *encs, const size_t *lens, size_t n,
               uint8_t *out, size_t cap, size_t *len, fold_info *info)
{
    return store_fold_decoded(encs, lens, n, NULL, out, cap, len, info);
}

int store_fold_decoded(const uint8_t *const *encs, const size_t *lens, size_t n,
                       const proto_op *first, uint8_t *out, size_t cap,
                       size_t *len, fold_info *info)
{
    /* Large: kept off the stack so deep call chains stay small. */
    static _Thread_local proto_op op;
    static _Thread_local fold_state st;
    uint8_t differs[PROTO_OP_MAX_FIELDS];
    int any_differs = 0;
    fold_acc acc = {0};
    uint64_t last_hlc = 0;
    int rc;

    if (n == 0)
        return RND_EINVAL;
    /* Only the counts: zeroing the whole 12 KB state for every op was a
     * fifth of a batched record's instructions. */
    st.nfields = st.nevents = st.nconflicts = 0;
    for (size_t i = 0; i < n; i++) {
        /* The op the caller decoded already is not decoded again. */
        const proto_op *cur = &op;
        int64_t clk = 0;
        if (i == 0 && first != NULL) {
            cur = first;
        } else if ((rc = proto_op_decode(encs[i], lens[i], &op)) != 0) {
            return rc;
        }
        if (i == 0) {
            st.kind = cur->kind;
            memcpy(st.entity, cur->entity, PROTO_ENTITY_LEN);
            st.created_hlc = cur->hlc;
            st.creator = cur->device_id;
            /* The decoder guarantees unique names in ascending order, so
             * the first op's fields are already a merged list. */
            for (uint32_t j = 0; j < cur->nfields; j++) {
                if (cur->fields[j].name_len > 0 &&
                    cur->fields[j].name[0] == '_') {
                    clk_of(&cur->fields[j], &clk);
                    continue; /* metadata such as _seen: not a field */
                }
                differs[st.nfields] = 0;
                st.fields[st.nfields++] = cur->fields[j];
            }
        } else if (cur->kind != st.kind ||
                   memcmp(cur->entity, st.entity, PROTO_ENTITY_LEN) != 0 ||
                   cur->hlc < last_hlc) {
            return RND_EMALFORMED;
        } else {
            for (uint32_t j = 0; j < cur->nfields; j++) {
                if (cur->fields[j].name_len > 0 &&
                    cur->fields[j].name[0] == '_') {
                    clk_of(&cur->fields[j], &clk);
                    continue;
                }
                rc = merge_field(st.fields, differs, &st.nfields,
                                 &cur->fields[j]);
                if (rc)
                    return rc;
            }
        }
        last_hlc = cur->hlc;
        if (st.nevents < FOLD_MAX_EVENTS) {
            fold_event *e = &st.events[st.nevents++];
            e->hlc = cur->hlc;
            e->device_id = cur->device_id;
            e->seq = cur->seq;
            e->wall_ms = cur->wall_ms;
            e->action = cur->action;
            e->clk = clk;
        }
        if (cur->kind == PROTO_KIND_WORKORDER)
            wo_apply(&acc, cur);
        else if (cur->kind == PROTO_KIND_VISIT ||
                 cur->kind == PROTO_KIND_VEHICLE)
            visit_apply(&acc, cur);
        else
            simple_apply(cur->kind, &acc, cur);
    }
    st.updated_hlc = last_hlc;
    int open;
    const char *status = finish_status(st.kind, &acc, &open);

    for (uint32_t i = 0; i < st.nfields && !any_differs; i++)
        any_differs = differs[i];
    uint32_t keep = 0;
    if (any_differs) {
        rc = fold__find_conflicts(encs, lens, n, &op, &st, differs);
        if (rc)
            return rc;
    }
    if (st.nconflicts) {
        wbuf cnt = {NULL, 0, 0};
        write_state(&cnt, &st, acc.reopen_count, status, 0);
        keep = conflicts_that_fit(&st, cnt.len);
    }
    wbuf o = {out, cap, 0};
    write_state(&o, &st, acc.reopen_count, status, keep);
    if (o.len > cap)
        return RND_ENOSPACE;
    *len = o.len;
    info->kind = st.kind;
    info->open = open;
    return 0;
}

/* ---- reading a state back ---------------------------------------------- */

static int obj_u64(const msgpack_object *o, uint64_t *v)
{
    if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return RND_ETYPE;
    *v = o->via.u64;
    return 0;
}

static int obj_i64(const msgpack_object *o, int64_t *v)
{
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (o->via.u64 > INT64_MAX)
            return RND_ETYPE;
        *v = (int64_t)o->via.u64;
    } else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        *v = o->via.i64;
    } else {
        return RND_ETYPE;
    }
    return 0;
}

static int parse_events(const msgpack_object *o, fold_state *st)
{
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size > FOLD_MAX_EVENTS)
        return RND_ETYPE;
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        const msgpack_object *ev = &o->via.array.ptr[i];
        fold_event *e = &st->events[i];
        uint64_t action;
        if (ev->type != MSGPACK_OBJECT_ARRAY || ev->via.array.size != 5)
            return RND_ETYPE;
        const msgpack_object *a = ev->via.array.ptr;
        if (obj_u64(&a[0], &e->hlc) || obj_u64(&a[1], &e->device_id) ||
            obj_u64(&a[2], &e->seq) || obj_i64(&a[3], &e->wall_ms) ||
            obj_u64(&a[4], &action) || action > 255)
            return RND_ETYPE;
        e->action = (uint8_t)action;
        e->clk = 0; /* "w" fills it */
    }
    st->nevents = o->via.array.size;
    return 0;
}

/* A field value (nil, bool, int or str); strings point into the buffer. */
static int obj_value(const msgpack_object *o, proto_field *f)
{
    memset(f, 0, sizeof *f);
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        f->type = PROTO_NIL;
        break;
    case MSGPACK_OBJECT_BOOLEAN:
        f->type = PROTO_BOOL;
        f->i = o->via.boolean;
        break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        f->type = PROTO_INT;
        return obj_i64(o, &f->i);
    case MSGPACK_OBJECT_STR:
        f->type = PROTO_STR;
        f->str = o->via.str.ptr;
        f->str_len = o->via.str.size;
        break;
    default:
        return RND_ETYPE;
    }
    return 0;
}

static int parse_fields(const msgpack_object *o, fold_state *st)
{
    if (o->type != MSGPACK_OBJECT_MAP || o->via.map.size > PROTO_OP_MAX_FIELDS)
        return RND_ETYPE;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        proto_field *f = &st->fields[i];
        if (kv->key.type != MSGPACK_OBJECT_STR || obj_value(&kv->val, f))
            return RND_ETYPE;
        f->name = kv->key.via.str.ptr;
        f->name_len = kv->key.via.str.size;
    }
    st->nfields = o->via.map.size;
    return 0;
}

/* "w": [[event index, clk], ...]; it follows "e" in the canonical order. */
static int parse_clk(const msgpack_object *o, fold_state *st)
{
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size > FOLD_MAX_EVENTS)
        return RND_ETYPE;
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        const msgpack_object *y = &o->via.array.ptr[i];
        uint64_t idx;
        int64_t clk;
        if (y->type != MSGPACK_OBJECT_ARRAY || y->via.array.size != 2 ||
            obj_u64(&y->via.array.ptr[0], &idx) ||
            obj_i64(&y->via.array.ptr[1], &clk))
            return RND_ETYPE;
        if (idx < st->nevents)
            st->events[idx].clk = clk;
    }
    return 0;
}

/* "x": [[field, [[hlc, device, seq, value], ...]], ...]. */
static int parse_conflicts(const msgpack_object *o, fold_state *st)
{
    if (o->type != MSGPACK_OBJECT_ARRAY ||
        o->via.array.size > FOLD_MAX_CONFLICTS)
        return RND_ETYPE;
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        const msgpack_object *x = &o->via.array.ptr[i];
        fold_conflict *c = &st->conflicts[i];
        if (x->type != MSGPACK_OBJECT_ARRAY || x->via.array.size != 2)
            return RND_ETYPE;
        const msgpack_object *name = &x->via.array.ptr[0];
        const msgpack_object *cands = &x->via.array.ptr[1];
        if (name->type != MSGPACK_OBJECT_STR ||
            cands->type != MSGPACK_OBJECT_ARRAY ||
            cands->via.array.size > FOLD_MAX_CANDIDATES)
            return RND_ETYPE;
        c->field = name->via.str.ptr;
        c->field_len = name->via.str.size;
        for (uint32_t j = 0; j < cands->via.array.size; j++) {
            const msgpack_object *y = &cands->via.array.ptr[j];
            fold_candidate *cand = &c->cand[j];
            if (y->type != MSGPACK_OBJECT_ARRAY || y->via.array.size != 4)
                return RND_ETYPE;
            const msgpack_object *a = y->via.array.ptr;
            if (obj_u64(&a[0], &cand->hlc) ||
                obj_u64(&a[1], &cand->device_id) ||
                obj_u64(&a[2], &cand->seq) || obj_value(&a[3], &cand->value))
                return RND_ETYPE;
            cand->value.name = c->field;
            cand->value.name_len = c->field_len;
        }
        c->ncand = cands->via.array.size;
    }
    st->nconflicts = o->via.array.size;
    return 0;
}

static int parse_map(const msgpack_object *root, fold_state *out)
{
    if (root->type != MSGPACK_OBJECT_MAP)
        return RND_ETYPE;
    for (uint32_t i = 0; i < root->via.map.size; i++) {
        const msgpack_object_kv *kv = &root->via.map.ptr[i];
        uint64_t v = 0;
        int rc = 0;
        if (kv->key.type != MSGPACK_OBJECT_STR || kv->key.via.str.size != 1)
            return RND_ETYPE;
        switch (kv->key.via.str.ptr[0]) {
        case 'c':
            rc = obj_u64(&kv->val, &out->created_hlc);
            break;
        case 'd':
            rc = obj_u64(&kv->val, &out->creator);
            break;
        case 'e':
            rc = parse_events(&kv->val, out);
            break;
        case 'f':
            rc = parse_fields(&kv->val, out);
            break;
        case 'i':
            if (kv->val.type != MSGPACK_OBJECT_BIN ||
                kv->val.via.bin.size != PROTO_ENTITY_LEN)
                return RND_ETYPE;
            memcpy(out->entity, kv->val.via.bin.ptr, PROTO_ENTITY_LEN);
            break;
        case 'k':
            rc = obj_u64(&kv->val, &v);
            out->kind = (uint8_t)v;
            break;
        case 'r':
            rc = obj_u64(&kv->val, &v);
            out->reopen_count = (uint32_t)v;
            break;
        case 's':
            if (kv->val.type != MSGPACK_OBJECT_STR ||
                kv->val.via.str.size >= sizeof out->status)
                return RND_ETYPE;
            memcpy(out->status, kv->val.via.str.ptr, kv->val.via.str.size);
            out->status[kv->val.via.str.size] = '\0';
            break;
        case 'u':
            rc = obj_u64(&kv->val, &out->updated_hlc);
            break;
        case 'w':
            rc = parse_clk(&kv->val, out);
            break;
        case 'x':
            rc = parse_conflicts(&kv->val, out);
            break;
        default:
            break; /* newer keys are ignored by older readers */
        }
        if (rc)
            return rc;
    }
    return 0;
}

int fold_state_parse(const uint8_t *buf, size_t len, fold_state *out)
{
    msgpack_unpacked u;
    size_t off = 0;
    int rc;

    /* Scalars only: the arrays are filled up to their counts. */
    out->kind = 0;
    memset(out->entity, 0, sizeof out->entity);
    out->status[0] = '\0';
    out->created_hlc = out->updated_hlc = out->creator = 0;
    out->reopen_count = out->nfields = out->nevents = 0;
    out->nconflicts = 0;
    msgpack_unpacked_init(&u);
    if (msgpack_unpack_next(&u, (const char *)buf, len, &off) !=
        MSGPACK_UNPACK_SUCCESS) {
        msgpack_unpacked_destroy(&u);
        return RND_EMALFORMED;
    }
    /* msgpack-c references strings in buf rather than copying them into the
     * zone, so field pointers stay valid after the zone is freed. */
    rc = parse_map(&u.data, out);
    msgpack_unpacked_destroy(&u);
    return rc;
}

const proto_field *fold_state_field(const fold_state *st, const char *name)
{
    size_t n = strlen(name);
    for (uint32_t i = 0; i < st->nfields; i++)
        if (st->fields[i].name_len == n &&
            memcmp(st->fields[i].name, name, n) == 0)
            return &st->fields[i];
    return NULL;
}

void fold_state_text(const fold_state *st, const char *name, char *out,
                     size_t cap)
{
    const proto_field *f = fold_state_field(st, name);
    if (f && f->type == PROTO_STR)
        snprintf(out, cap, "%.*s", (int)f->str_len, f->str);
    else if (cap > 0)
        out[0] = '\0';
}

int fold_seen_encode(const fold_state *st, char *out, size_t cap, size_t *len)
{
    /* The highest seq per device among the entity's ops, devices
     * ascending. Entities have a handful of writers: a quadratic pass over
     * the events is fine. */
    uint64_t last = 0;
    int first = 1;
    size_t n = 0;
    if (cap == 0)
        return RND_ENOSPACE;
    out[0] = '\0';
    for (;;) {
        uint64_t dev = UINT64_MAX, seq = 0;
        int found = 0;
        for (uint32_t i = 0; i < st->nevents; i++) {
            const fold_event *e = &st->events[i];
            if ((first || e->device_id > last) && e->device_id <= dev) {
                if (!found || e->device_id < dev)
                    seq = 0;
                dev = e->device_id;
                found = 1;
                if (e->seq > seq)
                    seq = e->seq;
            }
        }
        if (!found)
            break;
        int w = snprintf(out + n, cap - n, "%s%016llx:%llu", n ? "," : "",
                         (unsigned long long)dev, (unsigned long long)seq);
        if (w < 0 || (size_t)w >= cap - n)
            return RND_ENOSPACE;
        n += (size_t)w;
        last = dev;
        first = 0;
        if (dev == UINT64_MAX)
            break;
    }
    *len = n;
    return 0;
}

int64_t fold_candidate_wall_ms(const fold_state *st, const fold_candidate *cd)
{
    for (uint32_t i = 0; i < st->nevents; i++)
        if (st->events[i].device_id == cd->device_id &&
            st->events[i].seq == cd->seq)
            return st->events[i].wall_ms;
    return 0;
}

const fold_event *fold_state_first(const fold_state *st, int action)
{
    for (uint32_t i = 0; i < st->nevents; i++)
        if (st->events[i].action == action)
            return &st->events[i];
    return NULL;
}
