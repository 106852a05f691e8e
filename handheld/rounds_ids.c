/* rounds_ids.c: ids as a person types and reads them: any unique prefix
 * of 8 or more hex digits is taken where an id is typed (resolve_id, over
 * hh_resolve_id), and text listings show the shortest prefix, 8 or more,
 * that names each listed record alone in the store (short_id_width).
 *
 * Record ids begin with their creation time in ms (48 bits: 12 hex), so
 * records made within the same minute share their first 8 hex digits:
 * the listing widens its column until every id it shows is unique.
 */
#include <stdlib.h>
#include <string.h>

#include "handheld.h"
#include "rounds_cli.h"

/* 1 when s is 8 to 32 hex digits: an id or a prefix of one. */
static int hex_prefix(const char *s)
{
    size_t n = strlen(s);
    if (n < 8 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
              (s[i] >= 'A' && s[i] <= 'F')))
            return 0;
    return 1;
}

int resolve_id(hh *h, const char *typed, int other_ok, char hex[33],
               const char **out, const char *what)
{
    *out = typed;
    if (typed == NULL || (other_ok && !hex_prefix(typed)))
        return 0;
    int rc = hh_resolve_id(h, typed, hex);
    if (rc == 0) {
        *out = hex;
        return 0;
    }
    /* A pass number or plate may look like hex: the library looks it up. */
    if (other_ok && rc == RND_ENOTFOUND)
        return 0;
    return report_error(h, rc, what);
}

typedef struct ids_ctx {
    char (*ids)[34]; /* 32 hex, then 1 when of the listed kind */
    size_t n, cap;
    int kind, rc;
} ids_ctx;

static int collect_cb(const hh_entity *st, void *arg)
{
    ids_ctx *c = arg;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 256;
        char(*p)[34] = realloc(c->ids, cap * sizeof *p);
        if (p == NULL) {
            c->rc = RND_ENOMEM;
            return RND_ENOMEM;
        }
        c->ids = p;
        c->cap = cap;
    }
    hh_entity_id(st, c->ids[c->n]);
    c->ids[c->n][33] = hh_entity_kind(st) == c->kind;
    c->n++;
    return 0;
}

static int id_cmp(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

static int common(const char *a, const char *b)
{
    int k = 0;
    while (k < 32 && a[k] == b[k])
        k++;
    return k;
}

int short_id_width(hh *h, int kind)
{
    ids_ctx c = {NULL, 0, 0, kind, 0};
    int width = 8;
    for (int k = 1; k < 64 && c.rc == 0; k++)
        if (hh_kind_name(k) && hh_list(h, k, 0, collect_cb, &c))
            break;
    if (c.rc || c.n == 0) {
        free(c.ids);
        return c.rc ? 32 : 8;
    }
    qsort(c.ids, c.n, sizeof *c.ids, id_cmp);
    for (size_t i = 0; i + 1 < c.n; i++) {
        if (!c.ids[i][33] && !c.ids[i + 1][33])
            continue;
        int need = common(c.ids[i], c.ids[i + 1]) + 1;
        if (need > width)
            width = need > 32 ? 32 : need;
    }
    free(c.ids);
    return width;
}
