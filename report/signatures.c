/* signatures.c: the staff list, counted handover items and PRC ID check
 * digits that signatures.h declares, for the handheld's checks at
 * recording and the office's reports alike (docs/DATA-MODEL.md,
 * "Signatures").
 */
#include "signatures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "../proto/errors.h"
#include "../storage/fold.h"
#include "report.h"

/* ---- the staff list -------------------------------------------------- */

typedef struct staff_load {
    rpt_staff *s;
    size_t cap;
} staff_load;

static int staff_cb(const fold_state *st, void *ctx)
{
    staff_load *l = ctx;
    const proto_field *f = fold_state_field(st, "staff");
    if (f == NULL || f->type != PROTO_STR || f->str_len == 0)
        return 0;
    if (l->s->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 32;
        char **k = realloc(l->s->keys, cap * sizeof *k);
        if (k == NULL)
            return RND_ENOMEM;
        l->s->keys = k;
        l->cap = cap;
    }
    char *key = malloc(f->str_len + 1);
    if (key == NULL)
        return RND_ENOMEM;
    memcpy(key, f->str, f->str_len);
    key[f->str_len] = '\0';
    l->s->keys[l->s->n++] = key;
    return 0;
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int rpt_staff_load(store_txn *txn, rpt_staff *s)
{
    staff_load l = {s, 0};
    memset(s, 0, sizeof *s);
    int rc = store_states_each(txn, PROTO_KIND_STAFF, 1, 0, staff_cb, &l);
    if (rc < 0)
        return rc;
    if (s->n > 1)
        qsort(s->keys, s->n, sizeof *s->keys, key_cmp);
    return 0;
}

void rpt_staff_free(rpt_staff *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->keys[i]);
    free(s->keys);
    memset(s, 0, sizeof *s);
}

int rpt_staff_listed(const rpt_staff *s, const char *name, size_t len)
{
    if (s->n == 0)
        return -1;
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *k = s->keys[mid];
        size_t kl = strlen(k);
        int c = memcmp(k, name, kl < len ? kl : len);
        if (c == 0)
            c = kl < len ? -1 : kl > len ? 1 : 0;
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Levenshtein distance, capped: returns cap + 1 once it must exceed cap.
 * Byte-wise (a CJK character differs by up to 3 bytes: then no hint). */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb,
                            size_t cap)
{
    size_t row[RPT_ITEM_NAME_MAX * 2 + 2];
    if (lb + 1 > sizeof row / sizeof *row)
        return cap + 1;
    if ((la > lb ? la - lb : lb - la) > cap)
        return cap + 1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0], best;
        row[0] = best = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t v = diag + (a[i - 1] != b[j - 1]);
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            if (up + 1 < v)
                v = up + 1;
            row[j] = v;
            diag = up;
            if (v < best)
                best = v;
        }
        if (best > cap)
            return cap + 1;
    }
    return row[lb];
}

const char *rpt_staff_nearest(const rpt_staff *s, const char *name, size_t len)
{
    const char *best = NULL;
    size_t bd = 3;
    for (size_t i = 0; i < s->n; i++) {
        size_t d = edit_distance(name, len, s->keys[i], strlen(s->keys[i]), 2);
        if (d < bd) {
            bd = d;
            best = s->keys[i];
        }
    }
    return best;
}

int rpt_staff_flag(store_txn *txn, rpt_doc *d, const char *section,
                   uint32_t id_col, uint32_t name_col, const char *what,
                   const char *key, const char *title)
{
    const rpt_section *src = rpt_doc_section(d, section);
    const char *cols[3] = {N_("id"), what, N_("did_you_mean")};
    rpt_staff s;
    int rc = rpt_staff_load(txn, &s);
    if (rc || s.n == 0) { /* no list: anyone may be named */
        rpt_staff_free(&s);
        return rc;
    }
    rpt_section *out = rpt_section_add(d, key, title, cols, 3);
    if (out == NULL || src == NULL)
        rc = RND_ENOMEM;
    int64_t n = 0;
    for (uint32_t i = 0; rc == 0 && i < rpt_section_rows(src); i++) {
        const rpt_cell *id = rpt_section_cell(src, i, id_col);
        const rpt_cell *who = rpt_section_cell(src, i, name_col);
        if (who->type != RPT_STR ||
            rpt_staff_listed(&s, who->s, strlen(who->s)) != 0)
            continue;
        rpt_cell row[3] = {
            *id, rpt_s(who->s),
            rpt_s(rpt_staff_nearest(&s, who->s, strlen(who->s)))};
        row[0].i = row[0].type == RPT_STR ? 0 : row[0].i; /* copy it */
        rc = rpt_row(out, row);
        n++;
    }
    if (rc == 0)
        rc = rpt_summary(d, key, rpt_i(n));
    rpt_staff_free(&s);
    return rc;
}

/* ---- counted items ----------------------------------------------------- */

static void trim(const char **p, size_t *n)
{
    while (*n && (**p == ' ' || **p == '\t')) {
        (*p)++;
        (*n)--;
    }
    while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
        (*n)--;
}

int rpt_items_find(const rpt_item *items, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i].name, name) == 0)
            return (int)i;
    return -1;
}

int rpt_items_parse(const char *s, size_t len, rpt_item *items, size_t *n,
                    char *err, size_t errcap)
{
    const char *p = s, *end = s + len;
    *n = 0;
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *stop = semi ? semi : end;
        const char *entry = p;
        size_t elen = (size_t)(stop - p);
        p = semi ? semi + 1 : end;
        trim(&entry, &elen);
        if (elen == 0) {
            if (semi == NULL || p == end)
                continue; /* a trailing ';' */
            snprintf(err, errcap, "an empty item between ';'");
            return RND_EINVAL;
        }
        const char *eq = memchr(entry, '=', elen);
        if (eq == NULL) {
            snprintf(err, errcap,
                     "item '%.*s' has no count (write NAME=COUNT, e.g. "
                     "'master key=3')",
                     (int)(elen > 64 ? 64 : elen), entry);
            return RND_EINVAL;
        }
        const char *nm = entry, *cnt = eq + 1;
        size_t nl = (size_t)(eq - entry), cl = elen - nl - 1;
        trim(&nm, &nl);
        trim(&cnt, &cl);
        if (nl == 0) {
            snprintf(err, errcap, "item '%.*s' has no name", (int)elen, entry);
            return RND_EINVAL;
        }
        if (nl > RPT_ITEM_NAME_MAX) {
            snprintf(err, errcap, "item name '%.*s...' is longer than %d bytes",
                     20, nm, RPT_ITEM_NAME_MAX);
            return RND_EINVAL;
        }
        int64_t v = 0;
        size_t i;
        for (i = 0; i < cl && cnt[i] >= '0' && cnt[i] <= '9' &&
                    v <= RPT_ITEM_COUNT_MAX;
             i++)
            v = v * 10 + (cnt[i] - '0');
        if (cl == 0 || i < cl || v > RPT_ITEM_COUNT_MAX) {
            snprintf(err, errcap,
                     "item '%.*s': count '%.*s' is not a whole number "
                     "0..%d",
                     (int)nl, nm, (int)(cl > 20 ? 20 : cl), cnt,
                     RPT_ITEM_COUNT_MAX);
            return RND_EINVAL;
        }
        if (*n == RPT_ITEMS_MAX) {
            snprintf(err, errcap, "more than %d items", RPT_ITEMS_MAX);
            return RND_EINVAL;
        }
        rpt_item *it = &items[*n];
        memcpy(it->name, nm, nl);
        it->name[nl] = '\0';
        if (rpt_items_find(items, *n, it->name) >= 0) {
            snprintf(err, errcap, "item '%s' is given twice", it->name);
            return RND_EINVAL;
        }
        it->count = v;
        (*n)++;
    }
    return 0;
}

/* ---- ID numbers -------------------------------------------------------- */

int rpt_prc_id_valid(const char *s, size_t len)
{
    static const int w[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                              3, 7, 9,  10, 5, 8, 4, 2};
    static const char check[] = "10X98765432";
    char d[18];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == ' ' || c == '-')
            continue;
        if (n == 18)
            return 0;
        if (c == 'x')
            c = 'X';
        d[n++] = c;
    }
    if (n != 18)
        return 0;
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        if (d[i] < '0' || d[i] > '9')
            return 0;
        sum += (d[i] - '0') * w[i];
    }
    return d[17] == check[sum % 11];
}
