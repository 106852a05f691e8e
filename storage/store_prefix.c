/* store_prefix.c: finding records by a prefix of their id, for the
 * command lines, where an id may be typed as its first 8+ hex digits
 * (store.h: store_entity_prefix), and how many digits a listing must show
 * for each to be such a prefix (store_id_width). Ids of records begin
 * with their creation time (records of the same minute share 8 digits),
 * and those of master data with zeros. A walk of every entity's key: a
 * handheld holds thousands, a site's store some hundreds of thousands,
 * a few milliseconds either way for a command a person types.
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"

typedef struct prefix_ctx {
    const char *hex; /* lower case */
    size_t n;
    uint8_t (*ids)[PROTO_ENTITY_LEN];
    size_t max, found;
} prefix_ctx;

static int prefix_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                     const uint8_t *state, size_t len, void *vctx)
{
    prefix_ctx *c = vctx;
    char hex[2 * PROTO_ENTITY_LEN + 1];
    proto_entity_hex(id, hex);
    if (memcmp(hex, c->hex, c->n) != 0)
        return 0;
    if (c->found < c->max)
        memcpy(c->ids[c->found], id, PROTO_ENTITY_LEN);
    c->found++;
    return 0;
}

int store_entity_prefix(store *st, const char *typed,
                        uint8_t (*ids)[PROTO_ENTITY_LEN], size_t max,
                        size_t *found)
{
    char hex[2 * PROTO_ENTITY_LEN + 1];
    size_t n = strlen(typed);
    *found = 0;
    if (n < 8 || n > 2 * PROTO_ENTITY_LEN)
        return RND_EINVAL;
    for (size_t i = 0; i < n; i++) {
        char ch = typed[i];
        if (ch >= 'A' && ch <= 'F')
            ch = (char)(ch - 'A' + 'a');
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            return RND_EINVAL;
        hex[i] = ch;
    }
    hex[n] = '\0';
    store_txn *t;
    int rc = store_read_begin(st, &t);
    if (rc)
        return rc;
    prefix_ctx c = {hex, n, ids, max, 0};
    if (n == 2 * PROTO_ENTITY_LEN) {
        uint8_t id[PROTO_ENTITY_LEN];
        const uint8_t *state;
        size_t len;
        int kind;
        rc = proto_entity_parse(hex, id);
        if (rc == 0)
            rc = store_entity_get(t, id, &kind, &state, &len);
        if (rc == 0)
            prefix_cb(id, kind, state, len, &c);
        else if (rc == RND_ENOTFOUND)
            rc = 0;
    } else {
        for (int kind = 1; kind <= 255 && rc == 0; kind++)
            rc = store_entities_each(t, kind, 0, prefix_cb, &c);
    }
    store_read_end(t);
    *found = c.found;
    return rc;
}

typedef struct width_ctx {
    uint8_t (*ids)[PROTO_ENTITY_LEN + 1]; /* the id, then 1 if of kind */
    size_t n, cap;
    int kind;
} width_ctx;

static int width_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                    const uint8_t *state, size_t len, void *vctx)
{
    width_ctx *c = vctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 256;
        uint8_t(*p)[PROTO_ENTITY_LEN + 1] = realloc(c->ids, cap * sizeof *p);
        if (p == NULL)
            return RND_ENOMEM;
        c->ids = p;
        c->cap = cap;
    }
    memcpy(c->ids[c->n], id, PROTO_ENTITY_LEN);
    c->ids[c->n][PROTO_ENTITY_LEN] = kind == c->kind;
    c->n++;
    return 0;
}

static int id_cmp(const void *a, const void *b)
{
    return memcmp(a, b, PROTO_ENTITY_LEN);
}

/* Hex digits a and b share at their start. */
static int common_hex(const uint8_t *a, const uint8_t *b)
{
    int k = 0;
    for (int i = 0; i < PROTO_ENTITY_LEN; i++) {
        if (a[i] == b[i]) {
            k += 2;
            continue;
        }
        return k + ((a[i] >> 4) == (b[i] >> 4));
    }
    return k;
}

int store_id_width(store *st, int kind, int *width)
{
    width_ctx c = {NULL, 0, 0, kind};
    store_txn *t;
    *width = 8;
    int rc = store_read_begin(st, &t);
    if (rc)
        return rc;
    for (int k = 1; rc == 0 && k <= 255; k++)
        rc = store_entities_each(t, k, 0, width_cb, &c);
    store_read_end(t);
    if (rc == 0 && c.n > 1) {
        qsort(c.ids, c.n, sizeof *c.ids, id_cmp);
        for (size_t i = 0; i + 1 < c.n; i++) {
            if (!c.ids[i][PROTO_ENTITY_LEN] && !c.ids[i + 1][PROTO_ENTITY_LEN])
                continue;
            int need = common_hex(c.ids[i], c.ids[i + 1]) + 1;
            if (need > *width)
                *width = need > 32 ? 32 : need;
        }
    }
    free(c.ids);
    return rc;
}
