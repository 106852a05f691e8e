/* store_entity.c: merged entities and their indexes.
 *
 * entities keeps each entity's merged state (fold.h) behind its kind and
 * flags; bykind and open index it by kind and by open state. Here: the
 * fold of an entity from its ops (store__refold), the one-put store of a
 * new entity (store__create_entity), the walks over entities and states,
 * and the refold of every entity.
 */
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "fold.h"
#include "store.h"
#include "store_int.h"

/* ---- entities ----------------------------------------------------------- */

/* Makes room for n ops in the arrays handed to store_fold. */
static int reserve(store *s, size_t n)
{
    if (n <= s->cap)
        return 0;
    size_t cap = s->cap ? s->cap * 2 : 64;
    while (cap < n)
        cap *= 2;
    const uint8_t **encs = realloc(s->encs, cap * sizeof *encs);
    if (encs == NULL)
        return RND_ENOMEM;
    s->encs = encs;
    size_t *lens = realloc(s->lens, cap * sizeof *lens);
    if (lens == NULL)
        return RND_ENOMEM;
    s->lens = lens;
    s->cap = cap;
    return 0;
}

/* Gathers the encodings of an entity's ops in eops order, that is by (hlc,
 * device_id, seq). The pointers are into the map: they stay valid until the
 * transaction next writes. */
static int gather(store_txn *t, const uint8_t id[PROTO_ENTITY_LEN], size_t *n)
{
    store *s = t->s;
    MDB_cursor *c;
    int rc = cursor(t, s->eops, &c);
    if (rc)
        return rc;
    MDB_val k = {PROTO_ENTITY_LEN, (void *)id}, v;
    *n = 0;
    for (rc = step(t, c, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = step(t, c, &k, &v, MDB_NEXT)) {
        if (k.mv_size != EOPS_KEY || memcmp(k.mv_data, id, PROTO_ENTITY_LEN))
            break;
        const uint8_t *ref = (const uint8_t *)k.mv_data + PROTO_ENTITY_LEN;
        rc = reserve(s, *n + 1);
        if (rc == 0)
            rc = store_op_get(t, proto_be64_get(ref + 8),
                              proto_be64_get(ref + 16), &s->encs[*n],
                              &s->lens[*n], NULL);
        if (rc) {
            rc = rc == RND_ENOTFOUND ? RND_ECORRUPT : rc;
            break;
        }
        (*n)++;
    }
    mdb_cursor_close(c);
    return rc == 1 ? 0 : rc;
}

/* An op may only join an entity of its own kind. Checked before anything is
 * written, so a caller can skip such an op (a bad one from a peer) and still
 * commit the rest of its transaction. */
int store__kind_ok(store_txn *t, const store_op_head *op, int *is_new)
{
    MDB_val v;
    int rc = get(t, t->s->entities, op->entity, PROTO_ENTITY_LEN, &v);
    *is_new = rc == RND_ENOTFOUND;
    if (rc == RND_ENOTFOUND)
        return 0;
    if (rc == 0 &&
        (v.mv_size < ENTITY_HDR || ((const uint8_t *)v.mv_data)[0] != op->kind))
        rc = v.mv_size < ENTITY_HDR ? RND_ECORRUPT : RND_EMALFORMED;
    return rc;
}

/* Keeps bykind and open in step with an entity just written with info;
 * had, old_kind and old_open describe the record it replaced (had = 0: a
 * new entity), so an unchanged entity costs no index writes. */
int store__index_entity(store_txn *t, const uint8_t id[PROTO_ENTITY_LEN],
                        const fold_info *info, int had, int old_kind,
                        int old_open)
{
    store *s = t->s;
    int rc = 0;
    uint8_t key[KIND_KEY];
    memcpy(key + 1, id, PROTO_ENTITY_LEN);
    if (had && old_kind != info->kind) {
        key[0] = (uint8_t)old_kind;
        rc = del(t, s->bykind, key, sizeof key);
        if (rc == 0 && old_open)
            rc = del(t, s->open, key, sizeof key);
        if (rc)
            return rc;
        had = old_open = 0;
    }
    key[0] = info->kind;
    if (!had)
        rc = put(t, s->bykind, key, sizeof key, "", 0, 0);
    if (rc == 0 && info->open && !old_open)
        rc = put(t, s->open, key, sizeof key, "", 0, 0);
    else if (rc == 0 && !info->open && old_open)
        rc = del(t, s->open, key, sizeof key);
    return rc;
}

/* Folds an entity's ops into its merged state and keeps bykind and open in
 * step with it. For an entity with no earlier op (first_enc given: the one
 * op just stored), the fold takes that op directly: most records (a scan, a
 * visit's entry) create an entity, and gathering it back from the indexes
 * it was just written to would double their cost. first_op, when not NULL,
 * is first_enc decoded (an ingest has it; a local append's op may list its
 * fields unsorted, so it passes NULL). pre, when not NULL, is first_enc's
 * store_prepare(): its state is taken, and first_op is not needed. */
int store__refold(store_txn *t, const uint8_t id[PROTO_ENTITY_LEN],
                  const uint8_t *first_enc, size_t first_len,
                  const proto_op *first_op, const store_prep *pre)
{
    store *s = t->s;
    size_t n = 1;
    int rc;
    if (first_enc) {
        if ((rc = reserve(s, 1)) != 0)
            return rc;
        s->encs[0] = first_enc;
        s->lens[0] = first_len;
    } else if ((rc = gather(t, id, &n)) != 0) {
        return rc;
    }
    if (n == 0)
        return 0;
    size_t len;
    fold_info info = {0};
    if (first_enc && pre) {
        /* Folded before the transaction (store_prepare). */
        if (pre->state_len > FOLD_STATE_MAX)
            return RND_ENOSPACE;
        memcpy(s->state + ENTITY_HDR, pre->state, pre->state_len);
        len = pre->state_len;
        info = pre->info;
    } else {
        rc = store_fold_decoded(
            s->encs, s->lens, n, first_enc ? first_op : NULL,
            s->state + ENTITY_HDR, FOLD_STATE_MAX, &len, &info);
        if (rc)
            return rc;
    }

    /* The previous record tells which index entries already exist, so an
     * unchanged entity costs no index writes. */
    MDB_val old;
    int had = 0, old_kind = 0, old_open = 0;
    store_refset *old_refs = NULL;
    rc = first_enc ? RND_ENOTFOUND
                   : get(t, s->entities, id, PROTO_ENTITY_LEN, &old);
    if (rc == 0) {
        if (old.mv_size < ENTITY_HDR)
            return RND_ECORRUPT;
        const uint8_t *p = old.mv_data;
        had = 1;
        old_kind = p[0];
        old_open = (p[1] & ENTITY_OPEN) != 0;
        /* Its refs are read now: the put below may move the old state. */
        rc = store__refs_of(t, id, old_kind, old_open, p + ENTITY_HDR,
                            old.mv_size - ENTITY_HDR, &old_refs);
        if (rc)
            return rc;
    } else if (rc != RND_ENOTFOUND) {
        return rc;
    }

    s->state[0] = info.kind;
    s->state[1] = info.open ? ENTITY_OPEN : 0;
    rc = put(t, s->entities, id, PROTO_ENTITY_LEN, s->state, ENTITY_HDR + len,
             0);
    if (rc == 0)
        rc = store__index_entity(t, id, &info, had, old_kind, old_open);
    if (rc == 0)
        return store__refs_update(t, id, old_refs, info.kind, info.open,
                                  s->state + ENTITY_HDR, len);
    free(old_refs);
    return rc;
}

/* A create: an op that creates its entity (a scan, a visitor's entry),
 * which is most of what a push, a pull or a record brings. The entity's
 * state is then the op alone, folded before anything is looked up, and one
 * MDB_NOOVERWRITE put both tells whether the entity exists and writes it
 * if not: one search of entities instead of a look-up for store__kind_ok() and
 * another for the put (the state is what store__refold() would have written).
 * On return *written says the entity was new and is now stored, with info for
 * store__index_entity(); otherwise it exists (*is_new = 0) with the op's kind,
 * or this returns the error store__kind_ok() would (nothing written then). An
 * op whose lone fold fails goes the usual way (*is_new from store__kind_ok()).
 * decoded is enc decoded, as store__refold()'s first_op: NULL for a local
 * append, whose op may list its fields unsorted, and with pre. pre (may be
 * NULL) is the op's store_prepare(): its state is used, not folded again. */
int store__create_entity(store_txn *t, const store_op_head *op,
                         const proto_op *decoded, const uint8_t *enc,
                         size_t len, const store_prep *pre, int *is_new,
                         int *written, fold_info *info)
{
    store *s = t->s;
    const uint8_t *state = s->state;
    size_t slen;
    *written = 0;
    if (pre != NULL && pre->state_len <= FOLD_STATE_MAX) {
        state = pre->state;
        slen = pre->state_len;
        *info = pre->info;
    } else {
        const uint8_t *encs[1] = {enc};
        size_t lens[1] = {len};
        if (pre != NULL || store_fold_decoded(encs, lens, 1, decoded, s->state,
                                              FOLD_STATE_MAX, &slen, info) != 0)
            return store__kind_ok(t, op, is_new);
    }
    MDB_val k = {PROTO_ENTITY_LEN, (void *)op->entity};
    MDB_val v = {ENTITY_HDR + slen, NULL};
    int rc = put_val(t, s->entities, &k, &v, MDB_NOOVERWRITE | MDB_RESERVE);
    if (rc == 0) {
        uint8_t *p = v.mv_data;
        p[0] = info->kind;
        p[1] = info->open ? ENTITY_OPEN : 0;
        memcpy(p + ENTITY_HDR, state, slen);
        *is_new = *written = 1;
        /* A new entity: its refs from the state just written. */
        return broke(t, store__refs_update(t, op->entity, NULL, info->kind,
                                           info->open, state, slen));
    }
    if (rc != MDB_KEYEXIST)
        return broke(t, txfail(t, rc));
    /* v is the stored entity: store__kind_ok()'s test. */
    *is_new = 0;
    if (v.mv_size < ENTITY_HDR)
        return RND_ECORRUPT;
    return ((const uint8_t *)v.mv_data)[0] != op->kind ? RND_EMALFORMED : 0;
}

int store_entity_get(store_txn *txn, const uint8_t id[PROTO_ENTITY_LEN],
                     int *kind, const uint8_t **state, size_t *len)
{
    MDB_val v;
    int rc = get(txn, txn->s->entities, id, PROTO_ENTITY_LEN, &v);
    if (rc)
        return rc;
    if (v.mv_size < ENTITY_HDR)
        return RND_ECORRUPT;
    const uint8_t *p = v.mv_data;
    if (kind)
        *kind = p[0];
    if (state)
        *state = p + ENTITY_HDR;
    if (len)
        *len = v.mv_size - ENTITY_HDR;
    return 0;
}

int store_entities_each(store_txn *txn, int kind, int open_only,
                        store_entity_cb cb, void *ctx)
{
    return store_entities_from(txn, kind, open_only, NULL, cb, ctx);
}

int store_entities_from(store_txn *txn, int kind, int open_only,
                        const uint8_t from[PROTO_ENTITY_LEN],
                        store_entity_cb cb, void *ctx)
{
    if (kind < 0 || kind > 255)
        return RND_EINVAL;
    MDB_cursor *c;
    int rc = cursor(txn, open_only ? txn->s->open : txn->s->bykind, &c);
    if (rc)
        return rc;
    uint8_t k0[KIND_KEY] = {(uint8_t)kind};
    if (from)
        memcpy(k0 + 1, from, PROTO_ENTITY_LEN);
    MDB_val k = {from ? KIND_KEY : 1, k0}, v;
    for (rc = step(txn, c, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = step(txn, c, &k, &v, MDB_NEXT)) {
        const uint8_t *key = k.mv_data;
        if (k.mv_size != KIND_KEY || key[0] != kind) {
            rc = 1;
            break;
        }
        int ekind;
        const uint8_t *state;
        size_t len;
        rc = store_entity_get(txn, key + 1, &ekind, &state, &len);
        if (rc) {
            rc = rc == RND_ENOTFOUND ? RND_ECORRUPT : rc;
            break;
        }
        rc = cb(key + 1, ekind, state, len, ctx);
        if (rc)
            break;
    }
    mdb_cursor_close(c);
    return rc == 1 ? 0 : rc;
}

int store_entities_count(store_txn *txn, int kind, int open_only, uint64_t *n)
{
    *n = 0;
    if (kind < 0 || kind > 255)
        return RND_EINVAL;
    MDB_cursor *c;
    int rc = cursor(txn, open_only ? txn->s->open : txn->s->bykind, &c);
    if (rc)
        return rc;
    uint8_t k0 = (uint8_t)kind;
    MDB_val k = {1, &k0}, v;
    for (rc = step(txn, c, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = step(txn, c, &k, &v, MDB_NEXT)) {
        const uint8_t *key = k.mv_data;
        if (k.mv_size != KIND_KEY || key[0] != kind)
            break;
        (*n)++;
    }
    mdb_cursor_close(c);
    return rc == 1 ? 0 : rc; /* 1: no more keys */
}

typedef struct states_ctx {
    store_state_cb cb;
    void *ctx;
    int conflicts_only;
} states_ctx;

static int state_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                    const uint8_t *state, size_t len, void *arg)
{
    static _Thread_local fold_state st;
    states_ctx *c = arg;
    int rc = fold_state_parse(state, len, &st);
    if (rc)
        return rc;
    if (c->conflicts_only && st.nconflicts == 0)
        return 0;
    return c->cb(&st, c->ctx);
}

int store_states_each(store_txn *txn, int kind, int open_only,
                      int conflicts_only, store_state_cb cb, void *ctx)
{
    states_ctx c = {cb, ctx, conflicts_only};
    if (kind != 0)
        return store_entities_each(txn, kind, open_only, state_cb, &c);
    int rc = 0;
    for (int k = 1; rc == 0 && k <= 255; k++)
        rc = store_entities_each(txn, k, open_only, state_cb, &c);
    return rc;
}

int store_refold_all(store_txn *txn, uint64_t *n)
{
    *n = 0;
    if (!txn->write)
        return RND_EINVAL;
    MDB_cursor *c;
    int rc = cursor(txn, txn->s->eops, &c);
    if (rc)
        return rc;
    /* A key of the entity followed by more 0xff than any eops key holds
     * sorts after all of that entity's keys: seeking to it finds the next
     * entity. store__refold() writes only to other databases, so the cursor
     * stays valid across it. */
    uint8_t next[EOPS_KEY + 1];
    memset(next, 0xff, sizeof next);
    MDB_val k, v;
    for (rc = step(txn, c, &k, &v, MDB_FIRST); rc == 0;
         rc = step(txn, c, &k, &v, MDB_SET_RANGE)) {
        if (k.mv_size != EOPS_KEY) {
            rc = RND_ECORRUPT;
            break;
        }
        memcpy(next, k.mv_data, PROTO_ENTITY_LEN);
        rc = broke(txn, store__refold(txn, next, NULL, 0, NULL, NULL));
        if (rc)
            break;
        (*n)++;
        k.mv_size = sizeof next;
        k.mv_data = next;
    }
    mdb_cursor_close(c);
    return rc == 1 ? 0 : rc;
}
