/* render.c: values as text, CSV and JSON, the JSON writer, and the three
 * printed forms of a report document (rpt_emit). See render.h and
 * report.h.
 *
 * No static buffers: a cell is formatted into a buffer on the caller's
 * stack (CELL_MAX), so two threads may print two documents at once. */
#define _GNU_SOURCE /* newlocale, uselocale, wcwidth */
#include <inttypes.h>
#include <locale.h>
#include <pthread.h>
#include <wchar.h>
#include <string.h>

#include "../proto/utf8.h"
#include "doc_int.h"
#include "../i18n/i18n.h"
#include "render.h"

#define CELL_MAX 4200 /* a 4,096-byte field value and some */

/* ---- values ------------------------------------------------------------ */

const char *rpt_bool_text(int b)
{
    return b ? "yes" : "no";
}

void rpt_cell_format(const rpt_cell *c, rpt_style style, int tz_min, char *out,
                     size_t cap)
{
    int data = style == RPT_STYLE_DATA;
    switch (c->type) {
    case RPT_STR:
        snprintf(out, cap, "%s", c->s);
        break;
    case RPT_INT:
        snprintf(out, cap, "%" PRId64, c->i);
        break;
    case RPT_TIME:
        if (data)
            rpt_time_iso(c->i, tz_min, out, cap);
        else
            rpt_time_text(c->i, tz_min, out, cap);
        break;
    case RPT_BOOL:
        snprintf(out, cap, "%s",
                 data ? (c->i ? "true" : "false") : rpt_bool_text((int)c->i));
        break;
    case RPT_REAL:
        snprintf(out, cap, "%.2f", c->d);
        break;
    default:
        snprintf(out, cap, "%s", data ? "" : "-");
    }
}

void rpt_field_text(const proto_field *f, char *out, size_t cap)
{
    if (f == NULL) {
        snprintf(out, cap, "-");
        return;
    }
    switch (f->type) {
    case PROTO_STR:
        if (proto_field_is_id_no(f))
            proto_mask_id(f->str, f->str_len, out, cap);
        else
            snprintf(out, cap, "%.*s", (int)f->str_len, f->str);
        break;
    case PROTO_INT:
        snprintf(out, cap, "%" PRId64, f->i);
        break;
    case PROTO_BOOL:
        snprintf(out, cap, "%s", rpt_bool_text((int)f->i));
        break;
    default:
        snprintf(out, cap, "-");
    }
}

void rpt_time_utc(int64_t ms, char *out, size_t cap)
{
    if (ms <= 0)
        snprintf(out, cap, "-");
    else
        rpt_time_iso(ms, 0, out, cap);
}

void rpt_time_local(int64_t ms, char *out, size_t cap)
{
    rpt_time_text(ms, rpt_tz_local(ms), out, cap);
}

void rpt_tz_format(int tz_min, char *out, size_t cap)
{
    int m = tz_min < 0 ? -tz_min : tz_min;
    snprintf(out, cap, "%c%02d:%02d", tz_min < 0 ? '-' : '+', (m / 60) % 100,
             m % 60);
}

/* ---- text and CSV ------------------------------------------------------ */

/* Widths come from glibc's wcwidth under a C.UTF-8 locale made once with
 * newlocale and switched to for the call with uselocale (per thread), so
 * they do not depend on the process's LANG: a cron job under LANG=C aligns
 * CJK columns too. The code points are decoded here (proto_utf8_next), so
 * no locale-dependent conversion is involved. Without that locale (not on
 * Debian: glibc builds it in) the East Asian Wide ranges stand in. */
static locale_t utf8_locale;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void utf8_locale_init(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static int wide_range(uint32_t cp)
{
    return cp >= 0x1100 &&
           (cp <= 0x115F || (cp >= 0x2E80 && cp <= 0xA4CF) ||
            (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
            (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
            (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD));
}

/* Columns of s[0..len), stopping before the character that would take the
 * total past max; *used gets the bytes counted. A byte that starts no
 * well-formed sequence takes one column (a terminal shows one U+FFFD);
 * control characters take none. */
static size_t width_upto(const char *s, size_t len, size_t max, size_t *used)
{
    size_t w = 0, i = 0;
    pthread_once(&utf8_once, utf8_locale_init);
    locale_t old = utf8_locale ? uselocale(utf8_locale) : (locale_t)0;
    while (i < len) {
        uint32_t cp;
        size_t n = proto_utf8_next(s + i, len - i, &cp);
        int cw;
        if (n == 0) {
            n = 1;
            cw = 1;
        } else if (proto_utf8_is_control(cp)) {
            cw = 0;
        } else if (utf8_locale) {
            cw = wcwidth((wchar_t)cp);
            if (cw < 0)
                cw = 1; /* unassigned: most terminals give it one */
        } else {
            cw = wide_range(cp) ? 2 : 1;
        }
        if (w + (size_t)cw > max)
            break;
        w += (size_t)cw;
        i += n;
    }
    if (utf8_locale)
        uselocale(old);
    if (used)
        *used = i;
    return w;
}

size_t rpt_display_width(const char *s)
{
    return width_upto(s, strlen(s), SIZE_MAX, NULL);
}

size_t rpt_text_cell(FILE *f, const char *s, size_t width, size_t max)
{
    size_t len = strlen(s), used, w = width_upto(s, len, SIZE_MAX, &used);
    if (max >= 4 && w > max) {
        w = width_upto(s, len, max - 3, &used);
        fwrite(s, 1, used, f);
        fputs("...", f);
        w += 3;
    } else {
        fputs(s, f);
    }
    for (; w < width; w++)
        fputc(' ', f);
    return w;
}

/* A string as CSV: RFC 4180 quoting; a byte that starts no well-formed
 * UTF-8 sequence is written as U+FFFD (a spreadsheet would garble the
 * whole file otherwise). */
static void csv_text(FILE *f, const char *s, int guard)
{
    size_t n = strlen(s);
    int quote = strpbrk(s, ",\"\n\r") != NULL;
    if (quote)
        fputc('"', f);
    if (guard)
        fputc('\'', f);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = proto_utf8_next(s + i, n - i, &cp);
        if (len == 0) {
            fputs("\xEF\xBF\xBD", f);
            i++;
            continue;
        }
        if (s[i] == '"')
            fputc('"', f);
        fwrite(s + i, 1, len, f);
        i += len;
    }
    if (quote)
        fputc('"', f);
}

int rpt_csv_guard_needed(const char *s)
{
    /* OWASP's CSV injection list: a spreadsheet takes a cell that starts
     * with one of these as a formula (tab and CR hide the sign). */
    return s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
}

void rpt_csv_field(FILE *f, const char *s)
{
    csv_text(f, s, rpt_csv_guard_needed(s));
}

/* A report cell as CSV: only text cells are guarded, so that a number
 * (-5 in a numeric column) stays a number. */
static void csv_cell(FILE *f, const rpt_cell *c, int tz_min)
{
    char buf[CELL_MAX];
    rpt_cell_format(c, RPT_STYLE_DATA, tz_min, buf, sizeof buf);
    csv_text(f, buf, c->type == RPT_STR && rpt_csv_guard_needed(buf));
}

/* ---- JSON -------------------------------------------------------------- */

/* The one JSON string writer of both CLIs (rounds.c's json_str and cli.c's
 * cli_json_str call it): whatever a store holds, the output is valid JSON
 * (RFC 8259) in valid UTF-8. Control characters (C0, DEL, C1) are
 * escaped; a byte that starts no well-formed UTF-8 sequence (a store
 * written before text was checked) becomes U+FFFD, one per bad byte. */
void rpt_json_str(FILE *f, const char *s, size_t n)
{
    /* Runs of characters written as they are go out in one fwrite: a
     * dashboard answer holds megabytes of them. */
    size_t run = 0; /* start of the pending run */
    fputc('"', f);
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') {
            i++; /* printable ASCII: part of the run */
            continue;
        }
        uint32_t cp = 0;
        size_t len = proto_utf8_next(s + i, n - i, &cp);
        if (len > 1 && !proto_utf8_is_control(cp)) {
            i += len; /* a well-formed character that is no control */
            continue;
        }
        if (i > run)
            fwrite(s + run, 1, i - run, f);
        if (len == 0) {
            fputs("\xEF\xBF\xBD", f); /* U+FFFD */
            i++;
        } else {
            if (ch == '"' || ch == '\\')
                fprintf(f, "\\%c", ch);
            else if (ch == '\n')
                fputs("\\n", f);
            else if (ch == '\t')
                fputs("\\t", f);
            else if (ch == '\r')
                fputs("\\r", f);
            else if (proto_utf8_is_control(cp))
                fprintf(f, "\\u%04x", (unsigned)cp);
            else
                fwrite(s + i, 1, len, f);
            i += len;
        }
        run = i;
    }
    if (n > run)
        fwrite(s + run, 1, n - run, f);
    fputc('"', f);
}

void rpt_jw_init(rpt_jw *j, FILE *f)
{
    memset(j, 0, sizeof *j);
    j->f = f;
}

static uint64_t bit(uint32_t d)
{
    return d < RPT_JW_DEPTH ? (uint64_t)1 << d : 0;
}

/* Before a value or a key: the comma, unless it is the first member or
 * the value of a key just written. */
static void sep(rpt_jw *j)
{
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (j->depth == 0)
        return;
    if (j->used & bit(j->depth))
        fputc(',', j->f);
    j->used |= bit(j->depth);
    if (j->brk) {
        fputs(j->brk, j->f);
        j->brk = NULL;
    }
}

void rpt_jw_break(rpt_jw *j, const char *ws)
{
    j->brk = ws;
}

static void open_c(rpt_jw *j, char c, int arr)
{
    sep(j);
    fputc(c, j->f);
    j->depth++;
    j->used &= ~bit(j->depth);
    if (arr)
        j->arr |= bit(j->depth);
    else
        j->arr &= ~bit(j->depth);
}

void rpt_jw_obj(rpt_jw *j)
{
    open_c(j, '{', 0);
}

void rpt_jw_arr(rpt_jw *j)
{
    open_c(j, '[', 1);
}

void rpt_jw_end(rpt_jw *j)
{
    if (j->depth == 0)
        return;
    fputc(j->arr & bit(j->depth) ? ']' : '}', j->f);
    j->depth--;
}

void rpt_jw_keyn(rpt_jw *j, const char *key, size_t n)
{
    sep(j);
    rpt_json_str(j->f, key, n);
    fputc(':', j->f);
    j->after_key = 1;
}

void rpt_jw_key(rpt_jw *j, const char *key)
{
    rpt_jw_keyn(j, key, strlen(key));
}

void rpt_jw_strn(rpt_jw *j, const char *s, size_t n)
{
    sep(j);
    rpt_json_str(j->f, s, n);
}

void rpt_jw_str(rpt_jw *j, const char *s)
{
    if (s == NULL)
        rpt_jw_null(j);
    else
        rpt_jw_strn(j, s, strlen(s));
}

void rpt_jw_int(rpt_jw *j, int64_t v)
{
    sep(j);
    fprintf(j->f, "%" PRId64, v);
}

void rpt_jw_uint(rpt_jw *j, uint64_t v)
{
    sep(j);
    fprintf(j->f, "%" PRIu64, v);
}

void rpt_jw_bool(rpt_jw *j, int b)
{
    sep(j);
    fputs(b ? "true" : "false", j->f);
}

void rpt_jw_null(rpt_jw *j)
{
    sep(j);
    fputs("null", j->f);
}

void rpt_jw_real(rpt_jw *j, double d, int decimals)
{
    sep(j);
    fprintf(j->f, "%.*f", decimals, d);
}

void rpt_jw_hex64(rpt_jw *j, uint64_t v)
{
    char hex[17];
    snprintf(hex, sizeof hex, "%016" PRIx64, v);
    rpt_jw_strn(j, hex, 16);
}

void rpt_jw_cell(rpt_jw *j, const rpt_cell *c, int tz_min)
{
    char buf[48];
    switch (c->type) {
    case RPT_STR:
        rpt_jw_str(j, c->s);
        break;
    case RPT_INT:
        rpt_jw_int(j, c->i);
        break;
    case RPT_TIME:
        rpt_time_iso(c->i, tz_min, buf, sizeof buf);
        rpt_jw_str(j, buf);
        break;
    case RPT_BOOL:
        rpt_jw_bool(j, (int)c->i);
        break;
    case RPT_REAL:
        rpt_jw_real(j, c->d, 4);
        break;
    default:
        rpt_jw_null(j);
    }
}

void rpt_jw_field(rpt_jw *j, const proto_field *f)
{
    char masked[PROTO_FIELD_STR_MAX + 1];
    switch (f ? f->type : -1) {
    case PROTO_STR:
        if (proto_field_is_id_no(f)) {
            proto_mask_id(f->str, f->str_len, masked, sizeof masked);
            rpt_jw_str(j, masked);
        } else {
            rpt_jw_strn(j, f->str, f->str_len);
        }
        break;
    case PROTO_INT:
        rpt_jw_int(j, f->i);
        break;
    case PROTO_BOOL:
        rpt_jw_bool(j, (int)f->i);
        break;
    default:
        rpt_jw_null(j);
    }
}

void rpt_jw_fields(rpt_jw *j, const fold_state *st)
{
    rpt_jw_obj(j);
    for (uint32_t i = 0; i < st->nfields; i++) {
        const proto_field *f = &st->fields[i];
        rpt_jw_keyn(j, f->name, f->name_len);
        if (f->name_len == 8 && memcmp(f->name, "pin_hash", 8) == 0)
            rpt_jw_str(j, "set"); /* a listing says so, not the hash */
        else
            rpt_jw_field(j, f);
    }
    rpt_jw_end(j);
}

void rpt_jw_kstr(rpt_jw *j, const char *key, const char *s)
{
    rpt_jw_key(j, key);
    rpt_jw_str(j, s);
}

void rpt_jw_kint(rpt_jw *j, const char *key, int64_t v)
{
    rpt_jw_key(j, key);
    rpt_jw_int(j, v);
}

void rpt_jw_kuint(rpt_jw *j, const char *key, uint64_t v)
{
    rpt_jw_key(j, key);
    rpt_jw_uint(j, v);
}

void rpt_jw_kbool(rpt_jw *j, const char *key, int b)
{
    rpt_jw_key(j, key);
    rpt_jw_bool(j, b);
}

void rpt_jw_knull(rpt_jw *j, const char *key)
{
    rpt_jw_key(j, key);
    rpt_jw_null(j);
}

void rpt_jw_kstrv(rpt_jw *j, const char *key, const char *const *v)
{
    rpt_jw_key(j, key);
    if (v == NULL) {
        rpt_jw_null(j);
        return;
    }
    rpt_jw_arr(j);
    for (; *v; v++)
        rpt_jw_str(j, *v);
    rpt_jw_end(j);
}

/* ---- the document's three forms ---------------------------------------- */

static void pad(FILE *f, size_t n)
{
    while (n-- > 0)
        fputc(' ', f);
}

/* A heading of a text table: the column's name translated (i18n.h), in
 * capitals when it stays in English. */
static void heading(const char *col, char *out, size_t cap)
{
    const char *t = i18n_tr(col);
    size_t i = 0;
    for (; t[i] && i + 1 < cap; i++)
        out[i] = t == col && t[i] >= 'a' && t[i] <= 'z' ? t[i] - 32 : t[i];
    out[i] = '\0';
}

/* The text form of a report, for people: titles, summary keys and column
 * headings are translated (i18n.h); values, CSV and JSON never are. */
static void emit_text(const rpt_doc *d, FILE *f)
{
    char a[40], b[40], c[40], tz[8], buf[CELL_MAX];
    rpt_time_text(d->from, d->tz_min, a, sizeof a);
    rpt_time_text(d->to, d->tz_min, b, sizeof b);
    rpt_time_text(d->now, d->tz_min, c, sizeof c);
    rpt_tz_format(d->tz_min, tz, sizeof tz);
    fputs(i18n_tr(d->title), f);
    if (d->site[0])
        fprintf(f, _(", site %s"), d->site);
    fputc('\n', f);
    /* TRANSLATORS: the report's window: from, to, the offset, as of. */
    fprintf(f, _("window %s .. %s (%s), as of %s\n"), a, b, tz, c);
    if (d->nsummary) {
        size_t kw = 0;
        for (uint32_t i = 0; i < d->nsummary; i++) {
            size_t w = rpt_display_width(i18n_tr(d->summary[i].key));
            if (w > kw)
                kw = w;
        }
        fputc('\n', f);
        for (uint32_t i = 0; i < d->nsummary; i++) {
            const char *key = i18n_tr(d->summary[i].key);
            rpt_cell_format(&d->summary[i].value, RPT_STYLE_TEXT, d->tz_min,
                            buf, sizeof buf);
            fprintf(f, "  %s", key);
            pad(f, kw - rpt_display_width(key) + 2);
            fprintf(f, "%s\n", buf);
        }
    }
    for (uint32_t si = 0; si < d->nsections; si++) {
        const rpt_section *s = d->sections[si];
        char head[RPT_MAX_COLS][64];
        fprintf(f, "\n%s\n", i18n_tr(s->title));
        if (s->nrows == 0) {
            fprintf(f, "  %s\n", _("(none)"));
            continue;
        }
        size_t width[RPT_MAX_COLS];
        for (uint32_t col = 0; col < s->ncols; col++) {
            heading(s->cols[col], head[col], sizeof head[col]);
            width[col] = rpt_display_width(head[col]);
        }
        for (uint32_t r = 0; r < s->nrows; r++)
            for (uint32_t col = 0; col < s->ncols; col++) {
                rpt_cell_format(rpt_section_cell(s, r, col), RPT_STYLE_TEXT,
                                d->tz_min, buf, sizeof buf);
                size_t w = rpt_display_width(buf);
                if (w > width[col])
                    width[col] = w;
            }
        fputs(" ", f);
        for (uint32_t col = 0; col < s->ncols; col++) {
            fprintf(f, " %s", head[col]);
            if (col + 1 < s->ncols)
                pad(f, width[col] - rpt_display_width(head[col]) + 1);
        }
        fputc('\n', f);
        for (uint32_t r = 0; r < s->nrows; r++) {
            fputs(" ", f);
            for (uint32_t col = 0; col < s->ncols; col++) {
                rpt_cell_format(rpt_section_cell(s, r, col), RPT_STYLE_TEXT,
                                d->tz_min, buf, sizeof buf);
                fprintf(f, " %s", buf);
                if (col + 1 < s->ncols)
                    pad(f, width[col] - rpt_display_width(buf) + 1);
            }
            fputc('\n', f);
        }
    }
}

static void emit_csv(const rpt_doc *d, FILE *f)
{
    char buf[CELL_MAX];
    fputs("summary,key,value\n", f);
    rpt_cell win[3] = {rpt_t(d->from), rpt_t(d->to), rpt_t(d->now)};
    const char *wk[3] = {"from", "to", "now"};
    for (int i = 0; i < 3; i++) {
        rpt_cell_format(&win[i], RPT_STYLE_DATA, d->tz_min, buf, sizeof buf);
        fprintf(f, "summary,%s,%s\n", wk[i], buf);
    }
    for (uint32_t i = 0; i < d->nsummary; i++) {
        fprintf(f, "summary,%s,", d->summary[i].key);
        csv_cell(f, &d->summary[i].value, d->tz_min);
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
                fputc(',', f);
                csv_cell(f, rpt_section_cell(s, r, col), d->tz_min);
            }
            fputc('\n', f);
        }
    }
}

const char *rpt_csv_table(const rpt_doc *d, uint32_t i)
{
    if (i == 0)
        return "summary";
    return i <= d->nsections ? d->sections[i - 1]->name : NULL;
}

int rpt_emit_csv_table(const rpt_doc *d, const char *table, FILE *f)
{
    const rpt_section *s = NULL;
    if (strcmp(table, "summary") != 0 &&
        (s = rpt_doc_section(d, table)) == NULL)
        return RND_ENOTFOUND;
    fputs("\xEF\xBB\xBF", f); /* the BOM: Excel and WPS read UTF-8 */
    if (s == NULL) {
        rpt_cell win[3] = {rpt_t(d->from), rpt_t(d->to), rpt_t(d->now)};
        const char *wk[3] = {"from", "to", "now"};
        fputs("key,value\r\n", f);
        for (int i = 0; i < 3; i++) {
            fprintf(f, "%s,", wk[i]);
            csv_cell(f, &win[i], d->tz_min);
            fputs("\r\n", f);
        }
        for (uint32_t i = 0; i < d->nsummary; i++) {
            fprintf(f, "%s,", d->summary[i].key);
            csv_cell(f, &d->summary[i].value, d->tz_min);
            fputs("\r\n", f);
        }
    } else {
        for (uint32_t col = 0; col < s->ncols; col++)
            fprintf(f, "%s%s", col ? "," : "", s->cols[col]);
        fputs("\r\n", f);
        for (uint32_t r = 0; r < s->nrows; r++) {
            for (uint32_t col = 0; col < s->ncols; col++) {
                if (col)
                    fputc(',', f);
                csv_cell(f, rpt_section_cell(s, r, col), d->tz_min);
            }
            fputs("\r\n", f);
        }
    }
    return fflush(f) == 0 && !ferror(f) ? 0 : RND_EIO;
}

/* Row r of section si as an object without its first skip cells, with
 * the rows of the sections nested in it (rpt_section_nest); cur[] is the
 * next unwritten row of each section. */
static void json_row(rpt_jw *j, const rpt_doc *d, uint32_t si, uint32_t r,
                     uint32_t skip, uint32_t *cur)
{
    const rpt_section *s = d->sections[si];
    rpt_jw_obj(j);
    for (uint32_t col = skip; col < s->ncols; col++) {
        rpt_jw_key(j, s->cols[col]);
        rpt_jw_cell(j, rpt_section_cell(s, r, col), d->tz_min);
    }
    for (uint32_t ci = 0; ci < d->nsections; ci++) {
        const rpt_section *c = d->sections[ci];
        if (c->parent != s)
            continue;
        rpt_jw_key(j, c->nest);
        rpt_jw_arr(j);
        while (cur[ci] < c->nrows && rpt__nested_in(c, cur[ci], r))
            json_row(j, d, ci, cur[ci]++, c->nkeys, cur);
        rpt_jw_end(j);
    }
    rpt_jw_end(j);
}

static void emit_json(const rpt_doc *d, FILE *f)
{
    uint32_t cur[RPT_MAX_SECTIONS] = {0};
    char tz[8];
    rpt_jw j;
    rpt_jw_init(&j, f);
    rpt_jw_obj(&j);
    rpt_jw_kstr(&j, "report", d->report);
    rpt_jw_kstr(&j, "title", d->title);
    rpt_jw_kstr(&j, "site", d->site);
    rpt_cell win[3] = {rpt_t(d->from), rpt_t(d->to), rpt_t(d->now)};
    const char *wk[3] = {"from", "to", "now"};
    for (int i = 0; i < 3; i++) {
        rpt_jw_key(&j, wk[i]);
        rpt_jw_cell(&j, &win[i], d->tz_min);
    }
    rpt_tz_format(d->tz_min, tz, sizeof tz);
    rpt_jw_kstr(&j, "tz", tz);
    rpt_jw_key(&j, "summary");
    rpt_jw_obj(&j);
    for (uint32_t i = 0; i < d->nsummary; i++) {
        rpt_jw_key(&j, d->summary[i].key);
        rpt_jw_cell(&j, &d->summary[i].value, d->tz_min);
    }
    rpt_jw_end(&j);
    rpt_jw_key(&j, "sections");
    rpt_jw_obj(&j);
    for (uint32_t si = 0; si < d->nsections; si++) {
        const rpt_section *s = d->sections[si];
        if (s->parent)
            continue; /* written inside its parent's rows */
        rpt_jw_key(&j, s->name);
        rpt_jw_arr(&j);
        for (uint32_t r = 0; r < s->nrows; r++)
            json_row(&j, d, si, r, 0, cur);
        rpt_jw_end(&j);
    }
    rpt_jw_end(&j);
    rpt_jw_end(&j);
    fputc('\n', f);
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

void rpt_conflict_head(rpt_jw *j, int json, const char *hex,
                       const fold_state *st, const fold_conflict *cf)
{
    if (!json) {
        printf("%s %s  %s  field %.*s: %u candidates\n",
               proto_kind_name(st->kind), hex, st->status[0] ? st->status : "-",
               (int)cf->field_len, cf->field, cf->ncand);
        return;
    }
    rpt_jw_obj(j);
    rpt_jw_kstr(j, "id", hex);
    rpt_jw_kstr(j, "kind", proto_kind_name(st->kind));
    rpt_jw_kstr(j, "status", st->status);
    rpt_jw_key(j, "field");
    rpt_jw_strn(j, cf->field, cf->field_len);
    rpt_jw_key(j, "candidates");
    rpt_jw_arr(j);
}
