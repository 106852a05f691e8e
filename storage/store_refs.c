/* store_refs.c: the refs database (format 4): records by the person and
 * the unit they name, kept in step with entities, so that "my open work
 * orders" and "this unit's inspections" are a seek and a few adjacent
 * keys instead of a read of every open record's or inspection's state,
 * pages scattered across the whole file (docs/DATA-MODEL.md, "Store
 * layout"; docs/PERFORMANCE.md, "The handheld app").
 *
 * Keys (store.h, store_refs_person and store_refs_unit):
 *   'p' kind PERSON 0x00 id  every open work order and handover, under each
 *                            distinct string value of its fields by,
 *                            assignee and to
 *   'u' kind UNIT 0x00 id    every inspection with a string unit; value
 *                            the record event's wall_ms, hlc and clk
 * A value longer than STORE_REF_MAX bytes, or holding a NUL byte, is not
 * indexed (no staff id or unit is that long). The keys are a function of
 * the entity's stored state alone, so replicas agree and the digests,
 * which read entities only, do not see them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "fold.h"
#include "migrate.h"
#include "store.h"
#include "store_int.h"

#define REF_PERSON 'p'
#define REF_UNIT 'u'
#define REF_KEY_MAX (2 + STORE_REF_MAX + 1 + PROTO_ENTITY_LEN)
#define REF_UNIT_VAL 24
#define REFS_MAX 4 /* by, assignee, to; unit */

static const char *const person_fields[] = {"by", "assignee", "to"};

struct store_refset {
    size_t n;
    size_t klen[REFS_MAX], vlen[REFS_MAX];
    uint8_t key[REFS_MAX][REF_KEY_MAX];
    uint8_t val[REFS_MAX][REF_UNIT_VAL];
};

/* Whether an entity of kind, open or not, has refs at all: only these
 * states are parsed on a write. */
/* The kinds whose open records are indexed by person: what a handheld's
 * Now asks for. Not visits and vehicles, most of the open records a
 * store takes in, whose states would otherwise be parsed at each write. */
static int person_kind(int kind)
{
    return kind == PROTO_KIND_WORKORDER || kind == PROTO_KIND_HANDOVER;
}

static int has_refs(int kind, int open)
{
    return (open && person_kind(kind)) || kind == PROTO_KIND_INSPECTION;
}

static int indexable(const proto_field *f)
{
    return f && f->type == PROTO_STR && f->str_len > 0 &&
           f->str_len <= STORE_REF_MAX && memchr(f->str, 0, f->str_len) == NULL;
}

static size_t ref_key(uint8_t *key, int tag, int kind, const char *v,
                      size_t len, const uint8_t id[PROTO_ENTITY_LEN])
{
    key[0] = (uint8_t)tag;
    key[1] = (uint8_t)kind;
    memcpy(key + 2, v, len);
    key[2 + len] = 0;
    memcpy(key + 3 + len, id, PROTO_ENTITY_LEN);
    return 3 + len + PROTO_ENTITY_LEN;
}

static int add_ref(store_refset *r, const uint8_t *key, size_t klen,
                   const uint8_t *val, size_t vlen)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->klen[i] == klen && memcmp(r->key[i], key, klen) == 0)
            return 0; /* by and assignee the same person */
    if (r->n == REFS_MAX)
        return RND_ECORRUPT;
    memcpy(r->key[r->n], key, klen);
    r->klen[r->n] = klen;
    if (vlen)
        memcpy(r->val[r->n], val, vlen);
    r->vlen[r->n] = vlen;
    r->n++;
    return 0;
}

/* The refs of an entity from its state (st: scratch for the parse). */
static int refs_of(const uint8_t id[PROTO_ENTITY_LEN], int kind, int open,
                   const uint8_t *state, size_t len, fold_state *st,
                   store_refset *r)
{
    r->n = 0;
    if (!has_refs(kind, open))
        return 0;
    int rc = fold_state_parse(state, len, st);
    if (rc)
        return rc;
    uint8_t key[REF_KEY_MAX];
    for (size_t i = 0; open && person_kind(kind) && rc == 0 && i < 3; i++) {
        const proto_field *f = fold_state_field(st, person_fields[i]);
        if (indexable(f))
            rc = add_ref(r, key,
                         ref_key(key, REF_PERSON, kind, f->str, f->str_len, id),
                         NULL, 0);
    }
    if (rc == 0 && kind == PROTO_KIND_INSPECTION) {
        const proto_field *u = fold_state_field(st, "unit");
        /* The record's event as the reports read it (rpt_record_event):
         * the first create, else the first op. */
        const fold_event *e = fold_state_first(st, PROTO_ACTION_CREATE);
        if (e == NULL && st->nevents > 0)
            e = &st->events[0];
        if (indexable(u) && e) {
            uint8_t v[REF_UNIT_VAL];
            proto_be64_put(v, (uint64_t)e->wall_ms);
            proto_be64_put(v + 8, e->hlc);
            proto_be64_put(v + 16, (uint64_t)e->clk);
            rc = add_ref(r, key,
                         ref_key(key, REF_UNIT, kind, u->str, u->str_len, id),
                         v, sizeof v);
        }
    }
    return rc;
}

static fold_state *scratch(store *s)
{
    if (s->refst == NULL)
        s->refst = malloc(sizeof *s->refst);
    return s->refst;
}

int store__refs_of(store_txn *t, const uint8_t id[PROTO_ENTITY_LEN], int kind,
                   int open, const uint8_t *state, size_t len,
                   store_refset **out)
{
    *out = NULL;
    if (!t->s->has_refs || !has_refs(kind, open))
        return 0;
    store_refset *r = malloc(sizeof *r);
    fold_state *st = scratch(t->s);
    if (r == NULL || st == NULL) {
        free(r);
        return RND_ENOMEM;
    }
    int rc = refs_of(id, kind, open, state, len, st, r);
    if (rc) {
        free(r);
        return rc;
    }
    *out = r;
    return 0;
}

static int in_set(const store_refset *r, const uint8_t *key, size_t klen,
                  const uint8_t *val, size_t vlen)
{
    for (size_t i = 0; r && i < r->n; i++)
        if (r->klen[i] == klen && memcmp(r->key[i], key, klen) == 0)
            return r->vlen[i] == vlen &&
                           (vlen == 0 || memcmp(r->val[i], val, vlen) == 0)
                       ? 2
                       : 1;
    return 0;
}

int store__refs_update(store_txn *t, const uint8_t id[PROTO_ENTITY_LEN],
                       store_refset *old, int kind, int open,
                       const uint8_t *state, size_t len)
{
    store *s = t->s;
    if (!s->has_refs) {
        free(old);
        return 0;
    }
    store_refset *now = NULL;
    int rc = store__refs_of(t, id, kind, open, state, len, &now);
    /* Keys the entity no longer has go; new or changed ones are put. */
    for (size_t i = 0; rc == 0 && old && i < old->n; i++)
        if (!in_set(now, old->key[i], old->klen[i], NULL, 0))
            rc = del(t, s->refs, old->key[i], old->klen[i]);
    for (size_t i = 0; rc == 0 && now && i < now->n; i++)
        if (in_set(old, now->key[i], now->klen[i], now->val[i], now->vlen[i]) !=
            2)
            rc = put(t, s->refs, now->key[i], now->klen[i], now->val[i],
                     now->vlen[i], 0);
    free(old);
    free(now);
    return rc;
}

/* ---- the migration from format 3 ----------------------------------------
 */

/* Every entity the refs could hold: the open index (every kind), then
 * every inspection. */
int store__migrate_3_to_4(store *s, MDB_txn *txn, unsigned long *refs)
{
    *refs = 0;
    store_txn t;
    memset(&t, 0, sizeof t);
    t.s = s;
    t.txn = txn;
    t.write = 1;
    fold_state *st = malloc(sizeof *st);
    store_refset *r = malloc(sizeof *r);
    if (st == NULL || r == NULL) {
        free(st);
        free(r);
        return ENOMEM;
    }
    /* Empty first: a store taken back to an older format may keep one. */
    int rc = mdb_drop(txn, s->refs, 0);
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        MDB_cursor *c;
        rc = mdb_cursor_open(txn, pass == 0 ? s->open : s->bykind, &c);
        if (rc)
            break;
        uint8_t k0 = PROTO_KIND_INSPECTION;
        MDB_val k = {1, &k0}, v;
        rc = mdb_cursor_get(c, &k, &v, pass == 0 ? MDB_FIRST : MDB_SET_RANGE);
        for (; rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
            const uint8_t *key = k.mv_data;
            if (k.mv_size != KIND_KEY) {
                rc = MDB_CORRUPTED;
                break;
            }
            if (pass == 1 && key[0] != PROTO_KIND_INSPECTION)
                break;
            MDB_val ek = {PROTO_ENTITY_LEN, (void *)(key + 1)}, ev;
            rc = mdb_get(txn, s->entities, &ek, &ev);
            if (rc)
                break;
            const uint8_t *p = ev.mv_data;
            if (ev.mv_size < ENTITY_HDR) {
                rc = MDB_CORRUPTED;
                break;
            }
            int open = (p[1] & ENTITY_OPEN) != 0;
            if (pass == 1 && open)
                continue; /* done in the first pass */
            if (refs_of(key + 1, p[0], open, p + ENTITY_HDR,
                        ev.mv_size - ENTITY_HDR, st, r) != 0)
                continue; /* a state the reports could not read either */
            for (size_t i = 0; rc == 0 && i < r->n; i++) {
                MDB_val rk = {r->klen[i], r->key[i]};
                MDB_val rv = {r->vlen[i], r->val[i]};
                rc = mdb_put(txn, s->refs, &rk, &rv, 0);
                *refs += rc == 0;
            }
            if (rc)
                break;
        }
        mdb_cursor_close(c);
        if (rc == MDB_NOTFOUND)
            rc = 0;
    }
    free(st);
    free(r);
    return rc;
}

/* ---- reading -------------------------------------------------------------
 */

typedef int (*ref_cb)(const uint8_t id[PROTO_ENTITY_LEN], const uint8_t *val,
                      size_t vlen, void *ctx);

/* Every key under (tag, kind, value), in id order. */
static int refs_walk(store_txn *txn, int tag, int kind, const char *value,
                     ref_cb cb, void *ctx)
{
    if (!txn->s->has_refs)
        return RND_ENOTFOUND;
    if (kind < 0 || kind > 255 || value == NULL)
        return RND_EINVAL;
    size_t len = strlen(value);
    if (len == 0 || len > STORE_REF_MAX)
        return 0; /* never indexed: no record names it */
    uint8_t k0[REF_KEY_MAX];
    static const uint8_t zero[PROTO_ENTITY_LEN];
    size_t plen = ref_key(k0, tag, kind, value, len, zero) - PROTO_ENTITY_LEN;
    MDB_cursor *c;
    int rc = cursor(txn, txn->s->refs, &c);
    if (rc)
        return rc;
    MDB_val k = {plen, k0}, v;
    for (rc = step(txn, c, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = step(txn, c, &k, &v, MDB_NEXT)) {
        if (k.mv_size != plen + PROTO_ENTITY_LEN ||
            memcmp(k.mv_data, k0, plen) != 0) {
            rc = 1;
            break;
        }
        rc = cb((const uint8_t *)k.mv_data + plen, v.mv_data, v.mv_size, ctx);
        if (rc)
            break;
    }
    mdb_cursor_close(c);
    return rc == 1 ? 0 : rc;
}

typedef struct person_ctx {
    store_txn *txn;
    store_entity_cb cb;
    void *ctx;
} person_ctx;

static int person_cb(const uint8_t id[PROTO_ENTITY_LEN], const uint8_t *val,
                     size_t vlen, void *arg)
{
    (void)val;
    (void)vlen;
    person_ctx *x = arg;
    int kind;
    const uint8_t *state;
    size_t len;
    int rc = store_entity_get(x->txn, id, &kind, &state, &len);
    if (rc)
        return rc == RND_ENOTFOUND ? RND_ECORRUPT : rc;
    return x->cb(id, kind, state, len, x->ctx);
}

int store_refs_person(store_txn *txn, int kind, const char *person,
                      store_entity_cb cb, void *ctx)
{
    if (!person_kind(kind))
        return RND_EINVAL; /* not indexed: walk the open records */
    person_ctx x = {txn, cb, ctx};
    return refs_walk(txn, REF_PERSON, kind, person, person_cb, &x);
}

typedef struct unit_ctx {
    store_unit_cb cb;
    void *ctx;
} unit_ctx;

static int unit_cb(const uint8_t id[PROTO_ENTITY_LEN], const uint8_t *val,
                   size_t vlen, void *arg)
{
    unit_ctx *x = arg;
    if (vlen != REF_UNIT_VAL)
        return RND_ECORRUPT;
    store_unit_ref r;
    memcpy(r.id, id, PROTO_ENTITY_LEN);
    r.wall_ms = (int64_t)proto_be64_get(val);
    r.hlc = proto_be64_get(val + 8);
    r.clk = (int64_t)proto_be64_get(val + 16);
    return x->cb(&r, x->ctx);
}

int store_refs_unit(store_txn *txn, int kind, const char *unit,
                    store_unit_cb cb, void *ctx)
{
    if (kind != PROTO_KIND_INSPECTION)
        return RND_EINVAL;
    unit_ctx x = {cb, ctx};
    return refs_walk(txn, REF_UNIT, kind, unit, unit_cb, &x);
}

int store_has_refs(const store_txn *txn)
{
    return txn && txn->s->has_refs;
}
