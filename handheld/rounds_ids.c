/* rounds_ids.c: ids as a person types and reads them: any unique prefix
 * of 8 or more hex digits is taken where an id is typed (resolve_id, over
 * hh_resolve_id), and text listings show the shortest prefix, 8 or more,
 * that names each listed record alone in the store (hh_id_width).
 *
 * Record ids begin with their creation time in ms (48 bits: 12 hex), so
 * records made within the same minute share their first 8 hex digits:
 * the listing widens its column until every id it shows is unique.
 */
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

int short_id_width(hh *h, int kind)
{
    return hh_id_width(h, kind);
}
