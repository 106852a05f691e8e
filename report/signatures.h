/* signatures.h: what makes a signature mean something (docs/DATA-MODEL.md,
 * "Signatures"), shared by the handheld's checks at recording
 * (handheld/staff.c) and the office's reports (handover, workorders):
 *   - the site's staff list: the active staff master data, and whether a
 *     name (an assignee, a handover's recipient) is on it;
 *   - a handover's counted keys and tools: "name=count;name=count";
 *   - the check digit of a PRC resident ID card number (GB 11643).
 * Pure functions over a store's read transaction or plain strings.
 */
#ifndef RND_REPORT_SIGNATURES_H
#define RND_REPORT_SIGNATURES_H

#include <stddef.h>
#include <stdint.h>

#include "../storage/store.h"

/* ---- the staff list -------------------------------------------------- */

/* The active staff entities' keys (field "staff"), sorted. Owns keys. */
typedef struct rpt_staff {
    char **keys;
    size_t n;
} rpt_staff;

/* Loads the active staff of the store in txn into *s (zeroed first; the
 * caller frees it with rpt_staff_free even on error). 0 or RND_ENOMEM or a
 * storage error. */
int rpt_staff_load(store_txn *txn, rpt_staff *s);
void rpt_staff_free(rpt_staff *s);

/* Whether name[0..len) is on the list: 1 yes, 0 no, -1 when the site keeps
 * no list (no active staff at all: then anyone may be named). Exact
 * comparison: a staff key is what handhelds record as --by. */
int rpt_staff_listed(const rpt_staff *s, const char *name, size_t len);

/* The staff key closest to name[0..len) by edit distance, when it is at
 * most 2 edits away (a typo); NULL otherwise. Points into s. */
const char *rpt_staff_nearest(const rpt_staff *s, const char *name, size_t len);

/* For reports: the rows of d's section whose column name_col names
 * someone not on the site's staff list (ops that came from a handheld that
 * did not check, or before the list existed), as a new section called
 * key with columns "id" (the row's id_col), what (the name) and
 * "did_you_mean", headed title; and the summary figure key: their
 * count. Adds nothing when the site keeps no list. 0, RND_ENOMEM, or a
 * storage error. */
struct rpt_doc;
int rpt_staff_flag(store_txn *txn, struct rpt_doc *d, const char *section,
                   uint32_t id_col, uint32_t name_col, const char *what,
                   const char *key, const char *title);

/* ---- counted items ----------------------------------------------------- */

#define RPT_ITEMS_MAX 32     /* items in one handover */
#define RPT_ITEM_NAME_MAX 64 /* bytes of an item's name */
#define RPT_ITEM_COUNT_MAX 9999

typedef struct rpt_item {
    char name[RPT_ITEM_NAME_MAX + 1];
    int64_t count;
} rpt_item;

/* Parses "name=count;name=count" (spaces around names and counts are
 * trimmed; a trailing ';' is allowed) into items[RPT_ITEMS_MAX], *n.
 * Names are 1..RPT_ITEM_NAME_MAX bytes without '=' or ';' and appear
 * once; counts are whole numbers 0..RPT_ITEM_COUNT_MAX. On error returns
 * RND_EINVAL and writes why (English, for a message that names the field)
 * into err. */
int rpt_items_parse(const char *s, size_t len, rpt_item *items, size_t *n,
                    char *err, size_t errcap);

/* The index of name in items[0..n), or -1. */
int rpt_items_find(const rpt_item *items, size_t n, const char *name);

/* ---- ID numbers -------------------------------------------------------- */

/* Whether s[0..len) is a well-formed 18-character PRC resident ID number:
 * 17 digits and a check character (0-9 or X, x accepted) that matches
 * the ISO 7064 MOD 11-2 checksum of the 17 digits; spaces and '-' are
 * ignored. */
int rpt_prc_id_valid(const char *s, size_t len);

#endif
