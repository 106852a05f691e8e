/* doc.c: the report document (summary + sections of typed cells) and its
 * three printed forms. See report.h. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

struct rpt_section {
    char name[40];
    char title[96];
    uint32_t ncols;
    char *cols[RPT_MAX_COLS];
    uint32_t nrows, cap;
    rpt_cell *cells; /* nrows * ncols */
};

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
    if (c->type == RPT_STR)
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
    if (c.type == RPT_STR) {
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

/* ---- printing ---------------------------------------------------------- */

/* A cell as text (text and CSV forms; JSON has its own). */
static void cell_text(const rpt_cell *c, int tz_min, int iso, char *out,
                      size_t cap)
{
    switch (c->type) {
    case RPT_STR:
        snprintf(out, cap, "%s", c->s);
        break;
    case RPT_INT:
        snprintf(out, cap, "%" PRId64, c->i);
        break;
    case RPT_TIME:
        if (iso)
            rpt_time_iso(c->i, tz_min, out, cap);
        else
            rpt_time_text(c->i, tz_min, out, cap);
        break;
    case RPT_BOOL:
        snprintf(out, cap, "%s",
                 c->i ? (iso ? "true" : "yes") : (iso ? "false" : "no"));
        break;
    case RPT_REAL:
        snprintf(out, cap, "%.2f", c->d);
        break;
    default:
        snprintf(out, cap, "%s", iso ? "" : "-");
    }
}

/* Columns on a terminal: CJK and other wide characters take two. */
static size_t display_width(const char *s)
{
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        int n;
        if (*p < 0x80) {
            cp = *p;
            n = 1;
        } else if ((*p & 0xE0) == 0xC0) {
            cp = *p & 0x1F;
            n = 2;
        } else if ((*p & 0xF0) == 0xE0) {
            cp = *p & 0x0F;
            n = 3;
        } else {
            cp = *p & 0x07;
            n = 4;
        }
        int k;
        for (k = 1; k < n && (p[k] & 0xC0) == 0x80; k++)
            cp = cp << 6 | (p[k] & 0x3F);
        p += k;
        w += (cp >= 0x1100 && (cp <= 0x115F || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                               (cp >= 0xAC00 && cp <= 0xD7A3) ||
                               (cp >= 0xF900 && cp <= 0xFAFF) ||
                               (cp >= 0xFE30 && cp <= 0xFE4F) ||
                               (cp >= 0xFF00 && cp <= 0xFF60) ||
                               (cp >= 0xFFE0 && cp <= 0xFFE6) ||
                               (cp >= 0x20000 && cp <= 0x3FFFD)))
                 ? 2
                 : 1;
    }
    return w;
}

static void pad(FILE *f, size_t n)
{
    while (n-- > 0)
        fputc(' ', f);
}

#define CELL_MAX 4200 /* a 4,096-byte field value and some */

static void emit_text(const rpt_doc *d, FILE *f)
{
    char a[40], b[40], c[40], tz[8];
    rpt_time_text(d->from, d->tz_min, a, sizeof a);
    rpt_time_text(d->to, d->tz_min, b, sizeof b);
    rpt_time_text(d->now, d->tz_min, c, sizeof c);
    int m = d->tz_min < 0 ? -d->tz_min : d->tz_min;
    snprintf(tz, sizeof tz, "%c%02d:%02d", d->tz_min < 0 ? '-' : '+',
             (m / 60) % 100, m % 60);
    fprintf(f, "%s%s%s\n", d->title, d->site[0] ? ", site " : "", d->site);
    fprintf(f, "window %s .. %s (%s), as of %s\n", a, b, tz, c);
    static char buf[CELL_MAX];
    if (d->nsummary) {
        size_t kw = 0;
        for (uint32_t i = 0; i < d->nsummary; i++)
            if (strlen(d->summary[i].key) > kw)
                kw = strlen(d->summary[i].key);
        fputc('\n', f);
        for (uint32_t i = 0; i < d->nsummary; i++) {
            cell_text(&d->summary[i].value, d->tz_min, 0, buf, sizeof buf);
            fprintf(f, "  %s", d->summary[i].key);
            pad(f, kw - strlen(d->summary[i].key) + 2);
            fprintf(f, "%s\n", buf);
        }
    }
    for (uint32_t si = 0; si < d->nsections; si++) {
        const rpt_section *s = d->sections[si];
        fprintf(f, "\n%s\n", s->title);
        if (s->nrows == 0) {
            fprintf(f, "  (none)\n");
            continue;
        }
        size_t width[RPT_MAX_COLS];
        for (uint32_t col = 0; col < s->ncols; col++)
            width[col] = strlen(s->cols[col]);
        for (uint32_t r = 0; r < s->nrows; r++)
            for (uint32_t col = 0; col < s->ncols; col++) {
                cell_text(rpt_section_cell(s, r, col), d->tz_min, 0, buf,
                          sizeof buf);
                size_t w = display_width(buf);
                if (w > width[col])
                    width[col] = w;
            }
        fputs(" ", f);
        for (uint32_t col = 0; col < s->ncols; col++) {
            fputc(' ', f);
            for (const char *p = s->cols[col]; *p; p++)
                fputc(*p >= 'a' && *p <= 'z' ? *p - 32 : *p, f);
            if (col + 1 < s->ncols)
                pad(f, width[col] - strlen(s->cols[col]) + 1);
        }
        fputc('\n', f);
        for (uint32_t r = 0; r < s->nrows; r++) {
            fputs(" ", f);
            for (uint32_t col = 0; col < s->ncols; col++) {
                cell_text(rpt_section_cell(s, r, col), d->tz_min, 0, buf,
                          sizeof buf);
                fprintf(f, " %s", buf);
                if (col + 1 < s->ncols)
                    pad(f, width[col] - display_width(buf) + 1);
            }
            fputc('\n', f);
        }
    }
}

static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n\r") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void emit_csv(const rpt_doc *d, FILE *f)
{
    static char buf[CELL_MAX];
    fputs("summary,key,value\n", f);
    rpt_cell win[3] = {rpt_t(d->from), rpt_t(d->to), rpt_t(d->now)};
    const char *wk[3] = {"from", "to", "now"};
    for (int i = 0; i < 3; i++) {
        cell_text(&win[i], d->tz_min, 1, buf, sizeof buf);
        fprintf(f, "summary,%s,%s\n", wk[i], buf);
    }
    for (uint32_t i = 0; i < d->nsummary; i++) {
        cell_text(&d->summary[i].value, d->tz_min, 1, buf, sizeof buf);
        fprintf(f, "summary,%s,", d->summary[i].key);
        csv_field(f, buf);
        fputc('\n', f);
    }
    for (uint32_t si = 0; si < d->nsections; si++) {
        const rpt_section *s = d->sections[si];
        fputs("section", f);
        for (uint32_t col = 0; col < s->ncols; col++)
            fprintf(f, ",%s", s->cols[col]);
        fputc('\n', f);
        for (uint32_t r = 0; r < s->nrows; r++) {
            fputs(s->name, f);
            for (uint32_t col = 0; col < s->ncols; col++) {
                cell_text(rpt_section_cell(s, r, col), d->tz_min, 1, buf,
                          sizeof buf);
                fputc(',', f);
                csv_field(f, buf);
            }
            fputc('\n', f);
        }
    }
}

void rpt_json_str(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", f);
        else if (ch == '\t')
            fputs("\\t", f);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static void json_string(FILE *f, const char *s)
{
    rpt_json_str(f, s, strlen(s));
}

static void json_cell(FILE *f, const rpt_cell *c, int tz_min)
{
    char buf[48];
    switch (c->type) {
    case RPT_STR:
        json_string(f, c->s);
        break;
    case RPT_INT:
        fprintf(f, "%" PRId64, c->i);
        break;
    case RPT_TIME:
        rpt_time_iso(c->i, tz_min, buf, sizeof buf);
        json_string(f, buf);
        break;
    case RPT_BOOL:
        fputs(c->i ? "true" : "false", f);
        break;
    case RPT_REAL:
        fprintf(f, "%.4f", c->d);
        break;
    default:
        fputs("null", f);
    }
}

static void emit_json(const rpt_doc *d, FILE *f)
{
    char buf[48];
    fputs("{\"report\":", f);
    json_string(f, d->report);
    fputs(",\"title\":", f);
    json_string(f, d->title);
    fputs(",\"site\":", f);
    json_string(f, d->site);
    rpt_cell win[3] = {rpt_t(d->from), rpt_t(d->to), rpt_t(d->now)};
    const char *wk[3] = {"from", "to", "now"};
    for (int i = 0; i < 3; i++) {
        fprintf(f, ",\"%s\":", wk[i]);
        json_cell(f, &win[i], d->tz_min);
    }
    int m = d->tz_min < 0 ? -d->tz_min : d->tz_min;
    snprintf(buf, sizeof buf, "%c%02d:%02d", d->tz_min < 0 ? '-' : '+',
             (m / 60) % 100, m % 60);
    fputs(",\"tz\":", f);
    json_string(f, buf);
    fputs(",\"summary\":{", f);
    for (uint32_t i = 0; i < d->nsummary; i++) {
        if (i)
            fputc(',', f);
        json_string(f, d->summary[i].key);
        fputc(':', f);
        json_cell(f, &d->summary[i].value, d->tz_min);
    }
    fputs("},\"sections\":{", f);
    for (uint32_t si = 0; si < d->nsections; si++) {
        const rpt_section *s = d->sections[si];
        if (si)
            fputc(',', f);
        json_string(f, s->name);
        fputs(":[", f);
        for (uint32_t r = 0; r < s->nrows; r++) {
            fputs(r ? ",{" : "{", f);
            for (uint32_t col = 0; col < s->ncols; col++) {
                if (col)
                    fputc(',', f);
                json_string(f, s->cols[col]);
                fputc(':', f);
                json_cell(f, rpt_section_cell(s, r, col), d->tz_min);
            }
            fputc('}', f);
        }
        fputc(']', f);
    }
    fputs("}}\n", f);
}

int rpt_emit(const rpt_doc *d, rpt_format fmt, FILE *f)
{
    switch (fmt) {
    case RPT_FMT_CSV:
        emit_csv(d, f);
        break;
    case RPT_FMT_JSON:
        emit_json(d, f);
        break;
    default:
        emit_text(d, f);
    }
    return fflush(f) == 0 && !ferror(f) ? 0 : RND_EIO;
}
