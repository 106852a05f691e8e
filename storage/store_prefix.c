/* store_prefix.c: finding records by a prefix of their id, for the
 * command lines, where an id may be typed as its first 8+ hex digits
 * (store.h: store_entity_prefix). A walk of every entity's key: a
 * handheld holds thousands, a site's store some hundreds of thousands,
 * a few milliseconds either way for a command a person types.
 */
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
