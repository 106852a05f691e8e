/* doc.c: the report document (summary + sections of typed cells). Its
 * three printed forms are render.c's (rpt_emit). See report.h. */
#include <stdlib.h>
#include <string.h>

#include "doc_int.h"

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

void rpt_doc_init(rpt_doc *d, const char *report, const char *title,
                  const char *site, int64_t from, int64_t to, int64_t now,
                  int tz_min)
{
    memset(d, 0, sizeof *d);
    snprintf(d->report, sizeof d->report, "%s", report);
    snprintf(d->title, sizeof d->title, "%s", title);
    snprintf(d->site, sizeof d->site, "%s", site ? site : "");
    d->from = from;
    d->to = to;
    d->now = now;
    d->tz_min = tz_min;
}

static void cell_free(rpt_cell *c)
{
    if (c->type == RPT_STR && c->i != RPT_STR_STATIC)
        free((char *)c->s);
}

void rpt_doc_free(rpt_doc *d)
{
    for (uint32_t i = 0; i < d->nsummary; i++)
        cell_free(&d->summary[i].value);
    for (uint32_t i = 0; i < d->nsections; i++) {
        rpt_section *s = d->sections[i];
        for (uint64_t k = 0; k < (uint64_t)s->nrows * s->ncols; k++)
            cell_free(&s->cells[k]);
        for (uint32_t c = 0; c < s->ncols; c++)
            free(s->cols[c]);
        free(s->cells);
        free(s);
    }
    d->nsummary = d->nsections = 0;
}

/* A copy of c whose string the doc owns. */
static int cell_copy(rpt_cell *dst, rpt_cell c)
{
    if (c.type == RPT_STR && c.i == RPT_STR_STATIC && c.s != NULL) {
        /* rpt_k: kept as it is */
    } else if (c.type == RPT_STR) {
        c.i = 0;
        if (c.s == NULL) {
            c.type = RPT_NULL;
        } else if ((c.s = dup_str(c.s)) == NULL) {
            return RND_ENOMEM;
        }
    }
    *dst = c;
    return 0;
}

int rpt_summary(rpt_doc *d, const char *key, rpt_cell value)
{
    uint32_t i;
    for (i = 0; i < d->nsummary; i++)
        if (strcmp(d->summary[i].key, key) == 0)
            break;
    if (i == RPT_MAX_SUMMARY)
        return RND_ETOOBIG;
    rpt_cell c;
    int rc = cell_copy(&c, value);
    if (rc)
        return rc;
    if (i < d->nsummary) {
        cell_free(&d->summary[i].value);
    } else {
        snprintf(d->summary[i].key, sizeof d->summary[i].key, "%s", key);
        d->nsummary++;
    }
    d->summary[i].value = c;
    return 0;
}

rpt_section *rpt_section_add(rpt_doc *d, const char *name, const char *title,
                             const char *const *cols, uint32_t ncols)
{
    if (d->nsections == RPT_MAX_SECTIONS || ncols == 0 || ncols > RPT_MAX_COLS)
        return NULL;
    rpt_section *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->title, sizeof s->title, "%s", title);
    for (uint32_t c = 0; c < ncols; c++) {
        if ((s->cols[c] = dup_str(cols[c])) == NULL) {
            for (uint32_t k = 0; k < c; k++)
                free(s->cols[k]);
            free(s);
            return NULL;
        }
    }
    s->ncols = ncols;
    d->sections[d->nsections++] = s;
    return s;
}

int rpt_row(rpt_section *s, const rpt_cell *cells)
{
    if (s->nrows == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 16;
        rpt_cell *p = realloc(s->cells, (size_t)cap * s->ncols * sizeof *p);
        if (p == NULL)
            return RND_ENOMEM;
        s->cells = p;
        s->cap = cap;
    }
    rpt_cell *row = s->cells + (size_t)s->nrows * s->ncols;
    for (uint32_t c = 0; c < s->ncols; c++) {
        int rc = cell_copy(&row[c], cells[c]);
        if (rc) {
            while (c-- > 0)
                cell_free(&row[c]);
            return rc;
        }
    }
    s->nrows++;
    return 0;
}

int rpt_section_nest(rpt_section *child, const rpt_section *parent,
                     const char *name, uint32_t nkeys)
{
    for (const rpt_section *up = parent; up; up = up->parent)
        if (up == child)
            return RND_EINVAL; /* a loop */
    if (nkeys == 0 || nkeys >= child->ncols || nkeys > parent->ncols)
        return RND_EINVAL;
    child->parent = parent;
    child->nkeys = nkeys;
    snprintf(child->nest, sizeof child->nest, "%s", name);
    return 0;
}

static int cell_same(const rpt_cell *a, const rpt_cell *b)
{
    if (a->type != b->type)
        return 0;
    if (a->type == RPT_STR)
        return strcmp(a->s, b->s) == 0;
    if (a->type == RPT_REAL)
        return a->d == b->d;
    return a->i == b->i;
}

int rpt__nested_in(const rpt_section *child, uint32_t r, uint32_t pr)
{
    for (uint32_t c = 0; c < child->nkeys; c++)
        if (!cell_same(rpt_section_cell(child, r, c),
                       rpt_section_cell(child->parent, pr, c)))
            return 0;
    return 1;
}

uint32_t rpt_section_rows(const rpt_section *s)
{
    return s->nrows;
}

const rpt_cell *rpt_section_cell(const rpt_section *s, uint32_t row,
                                 uint32_t col)
{
    if (row >= s->nrows || col >= s->ncols)
        return NULL;
    return &s->cells[(size_t)row * s->ncols + col];
}

const rpt_section *rpt_doc_section(const rpt_doc *d, const char *name)
{
    for (uint32_t i = 0; i < d->nsections; i++)
        if (strcmp(d->sections[i]->name, name) == 0)
            return d->sections[i];
    return NULL;
}

static int cell_cmp(const rpt_cell *a, const rpt_cell *b)
{
    if (a->type == RPT_NULL || b->type == RPT_NULL)
        return (a->type != RPT_NULL) - (b->type != RPT_NULL);
    if (a->type == RPT_STR && b->type == RPT_STR)
        return strcmp(a->s, b->s);
    if (a->type == RPT_REAL || b->type == RPT_REAL) {
        double x = a->type == RPT_REAL ? a->d : (double)a->i;
        double y = b->type == RPT_REAL ? b->d : (double)b->i;
        return (x > y) - (x < y);
    }
    if (a->type == RPT_STR || b->type == RPT_STR)
        return (a->type == RPT_STR) - (b->type == RPT_STR);
    return (a->i > b->i) - (a->i < b->i);
}

typedef struct sort_key {
    const rpt_section *s;
    const uint32_t *cols;
    uint32_t ncols;
} sort_key;

static int row_cmp(const sort_key *k, uint32_t a, uint32_t b)
{
    const rpt_cell *ra = k->s->cells + (size_t)a * k->s->ncols;
    const rpt_cell *rb = k->s->cells + (size_t)b * k->s->ncols;
    for (uint32_t i = 0; i < k->ncols; i++) {
        if (k->cols[i] >= k->s->ncols)
            continue;
        int c = cell_cmp(&ra[k->cols[i]], &rb[k->cols[i]]);
        if (c)
            return c;
    }
    return 0;
}

/* Bottom-up merge sort of row indexes: stable, O(n log n), so a month's
 * exceptions of a busy estate sort in milliseconds. */
void rpt_section_sort(rpt_section *s, const uint32_t *cols, uint32_t ncols)
{
    uint32_t n = s->nrows;
    if (n < 2)
        return;
    uint32_t *idx = malloc((size_t)n * 2 * sizeof *idx);
    rpt_cell *cells = malloc((size_t)n * s->ncols * sizeof *cells);
    if (idx == NULL || cells == NULL) {
        /* Out of memory: the rows stay in the order they were added. */
        free(idx);
        free(cells);
        return;
    }
    sort_key k = {s, cols, ncols};
    uint32_t *src = idx, *dst = idx + n;
    for (uint32_t i = 0; i < n; i++)
        src[i] = i;
    for (uint32_t w = 1; w < n; w *= 2) {
        for (uint32_t lo = 0; lo < n; lo += 2 * w) {
            uint32_t mid = lo + w < n ? lo + w : n;
            uint32_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            uint32_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi)
                dst[o++] =
                    row_cmp(&k, src[j], src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[o++] = src[i++];
            while (j < hi)
                dst[o++] = src[j++];
        }
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    size_t w = s->ncols;
    for (uint32_t i = 0; i < n; i++)
        memcpy(cells + i * w, s->cells + (size_t)src[i] * w, w * sizeof *cells);
    memcpy(s->cells, cells, (size_t)n * w * sizeof *cells);
    free(cells);
    free(idx);
}

int rpt_format_parse(const char *s, rpt_format *out)
{
    if (strcmp(s, "text") == 0)
        *out = RPT_FMT_TEXT;
    else if (strcmp(s, "csv") == 0)
        *out = RPT_FMT_CSV;
    else if (strcmp(s, "json") == 0)
        *out = RPT_FMT_JSON;
    else
        return RND_EINVAL;
    return 0;
}

const char *rpt_section_name(const rpt_section *s)
{
    return s->name;
}

const char *rpt_section_title(const rpt_section *s)
{
    return s->title;
}

uint32_t rpt_section_ncols(const rpt_section *s)
{
    return s->ncols;
}

const char *rpt_section_col(const rpt_section *s, uint32_t col)
{
    return col < s->ncols ? s->cols[col] : NULL;
}

int rpt_section_nested(const rpt_section *s)
{
    return s->parent != NULL;
}
