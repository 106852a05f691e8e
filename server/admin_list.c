/* admin_list.c: the office's listings on a site store (admin.h): records
 * in conflict, the natural key of a master-data state, and one kind's
 * entries sorted by key (roundsd list, roundsd conflicts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"

/* ---- listings ----------------------------------------------------------- */

int srv_admin_conflicts(store *st, srv_state_cb cb, void *ctx)
{
    store_txn *t;
    int rc = store_read_begin(st, &t);
    if (rc)
        return rc;
    rc = store_states_each(t, 0, 0, 1, cb, ctx);
    if (rc == 1)
        rc = 0;
    store_read_end(t);
    return rc;
}

void srv_md_state_key(const fold_state *st, char *out, size_t cap)
{
    char v[SRV_MD_KEY_MAX + 1], nm[SRV_MD_KEY_MAX + 1];
    const srv_md_kind *k = srv_md_of_kind(st->kind);
    if (cap == 0)
        return;
    out[0] = '\0';
    if (k == NULL)
        return;
    if (st->kind == PROTO_KIND_SITE) {
        fold_state_text(st, "site", out, cap);
        return;
    }
    if (st->kind == PROTO_KIND_ROSTER) {
        fold_state_text(st, "roster", out, cap);
        return;
    }
    if (st->kind == PROTO_KIND_BLACKLIST) {
        fold_state_text(st, "plate", v, sizeof v);
        if (v[0]) {
            snprintf(out, cap, "plate:%s", v);
            return;
        }
        fold_state_text(st, "id_no", v, sizeof v);
        if (v[0]) {
            snprintf(out, cap, "person:%s", v);
            return;
        }
        fold_state_text(st, "name", v, sizeof v);
        proto_norm_name(v, strlen(v), nm, sizeof nm);
        snprintf(out, cap, "person:%s", nm);
        return;
    }
    for (const srv_md_field *f = k->fields; f->flag; f++) {
        if (f->key) {
            fold_state_text(st, f->name, out, cap);
            return;
        }
    }
}

typedef struct list_item {
    char key[SRV_MD_KEY_MAX + 1];
    uint8_t id[PROTO_ENTITY_LEN];
} list_item;

typedef struct collect_ctx {
    list_item *items;
    size_t n, cap;
    int vacant_only;
} collect_ctx;

static int collect_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                      const uint8_t *state, size_t len, void *arg)
{
    static _Thread_local fold_state st;
    collect_ctx *c = arg;
    int rc = fold_state_parse(state, len, &st);
    if (rc)
        return rc;
    if (c->vacant_only) {
        const proto_field *v = fold_state_field(&st, "vacant");
        if (v == NULL || v->type != PROTO_BOOL || !v->i)
            return 0;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        list_item *p = realloc(c->items, cap * sizeof *p);
        if (p == NULL)
            return RND_ENOMEM;
        c->items = p;
        c->cap = cap;
    }
    srv_md_state_key(&st, c->items[c->n].key, sizeof c->items[c->n].key);
    memcpy(c->items[c->n].id, id, PROTO_ENTITY_LEN);
    c->n++;
    return 0;
}

static int item_cmp(const void *a, const void *b)
{
    const list_item *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : memcmp(x->id, y->id, PROTO_ENTITY_LEN);
}

int srv_admin_list(store *st, const srv_md_kind *k, int all, int vacant_only,
                   srv_state_cb cb, void *ctx)
{
    static _Thread_local fold_state fs;
    collect_ctx c = {NULL, 0, 0, vacant_only};
    store_txn *t;
    int rc = store_read_begin(st, &t);
    if (rc)
        return rc;
    rc = store_entities_each(t, k->kind, !all, collect_cb, &c);
    if (rc == 0 && c.n > 1)
        qsort(c.items, c.n, sizeof *c.items, item_cmp);
    for (size_t i = 0; rc == 0 && i < c.n; i++) {
        const uint8_t *state;
        size_t len;
        int kind;
        rc = store_entity_get(t, c.items[i].id, &kind, &state, &len);
        if (rc == 0)
            rc = fold_state_parse(state, len, &fs);
        if (rc == 0)
            rc = cb(&fs, ctx);
    }
    if (rc == 1)
        rc = 0;
    store_read_end(t);
    free(c.items);
    return rc;
}
