/* fold_state.c: reading a merged state back (fold.h: fold_state_parse and
 * the accessors over a parsed state) for reports, dumps and the handheld.
 */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "fold.h"

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

/* The zone's first chunk: 1 KiB holds the objects of most states (about 40;
 * the zone takes more chunks for a bigger one), not msgpack-c's 8 KiB
 * default. A dump or a report parses every record of a site in turn, and
 * an 8 KiB allocation per record was three quarters of a dump's time in
 * the ASan build, which fills the first 4 KiB of each allocation and holds
 * freed memory back, so every record touched fresh pages. */
#define STATE_ZONE_CHUNK 1024

int fold_state_parse(const uint8_t *buf, size_t len, fold_state *out)
{
    msgpack_zone zone;
    msgpack_object root;
    size_t off = 0;
    int rc;

    /* Scalars only: the arrays are filled up to their counts. */
    out->kind = 0;
    memset(out->entity, 0, sizeof out->entity);
    out->status[0] = '\0';
    out->created_hlc = out->updated_hlc = out->creator = 0;
    out->reopen_count = out->nfields = out->nevents = 0;
    out->nconflicts = 0;
    if (!msgpack_zone_init(&zone, STATE_ZONE_CHUNK))
        return RND_ENOMEM;
    /* msgpack_unpack_next's answer for bytes after the object: success. */
    msgpack_unpack_return ur =
        msgpack_unpack((const char *)buf, len, &off, &zone, &root);
    if (ur != MSGPACK_UNPACK_SUCCESS && ur != MSGPACK_UNPACK_EXTRA_BYTES) {
        msgpack_zone_destroy(&zone);
        return RND_EMALFORMED;
    }
    /* msgpack-c references strings in buf rather than copying them into the
     * zone, so field pointers stay valid after the zone is freed. */
    rc = parse_map(&root, out);
    msgpack_zone_destroy(&zone);
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
