/* group_rows.c: a report document as the group reports' facts
 * (group_rows.h): summary JSON and report_rows' COPY lines. */
#include "group_rows.h"

#include "../proto/errors.h"
#include "../proto/utf8.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int puts_(ship_buf *b, const char *s)
{
    return ship_buf_put(b, s, strlen(s));
}

/* A JSON string of s; ill-formed UTF-8 and U+0000 become U+FFFD. */
static int json_str(ship_buf *b, const char *s)
{
    size_t n = strlen(s), i = 0;
    int rc = ship_buf_put(b, "\"", 1);
    while (i < n && rc == 0) {
        uint32_t cp;
        size_t l = proto_utf8_next(s + i, n - i, &cp);
        if (l == 0 || cp == 0) {
            rc = ship_buf_put(b, "\xef\xbf\xbd", 3);
            i += l ? l : 1;
            continue;
        }
        if (cp == '"') {
            rc = puts_(b, "\\\"");
        } else if (cp == '\\') {
            rc = puts_(b, "\\\\");
        } else if (cp < 0x20) {
            char e[8];
            snprintf(e, sizeof e, "\\u%04x", (unsigned)cp);
            rc = puts_(b, e);
        } else {
            rc = ship_buf_put(b, s + i, l);
        }
        i += l;
    }
    return rc ? rc : ship_buf_put(b, "\"", 1);
}

int grp_json_cell(ship_buf *b, const rpt_cell *c, int tz_min)
{
    char tmp[64];
    switch (c->type) {
    case RPT_STR:
        return json_str(b, c->s ? c->s : "");
    case RPT_INT:
        snprintf(tmp, sizeof tmp, "%" PRId64, c->i);
        return puts_(b, tmp);
    case RPT_TIME:
        if (c->i <= 0)
            return puts_(b, "null");
        tmp[0] = '"';
        rpt_time_iso(c->i, tz_min, tmp + 1, sizeof tmp - 2);
        strcat(tmp, "\"");
        return puts_(b, tmp);
    case RPT_BOOL:
        return puts_(b, c->i ? "true" : "false");
    case RPT_REAL:
        /* As --json prints it; a NaN or an infinity is no JSON number. */
        if (c->d != c->d || c->d > 1e300 || c->d < -1e300)
            return puts_(b, "null");
        snprintf(tmp, sizeof tmp, "%.4f", c->d);
        return puts_(b, tmp);
    default:
        return puts_(b, "null");
    }
}

int grp_summary_json(ship_buf *b, const rpt_doc *d)
{
    size_t mark = b->len;
    int rc = puts_(b, "{");
    for (uint32_t i = 0; rc == 0 && i < d->nsummary; i++) {
        if (i)
            rc = puts_(b, ",");
        if (rc == 0)
            rc = json_str(b, d->summary[i].key);
        if (rc == 0)
            rc = puts_(b, ":");
        if (rc == 0)
            rc = grp_json_cell(b, &d->summary[i].value, d->tz_min);
    }
    if (rc == 0)
        rc = puts_(b, "}");
    if (rc)
        b->len = mark;
    return rc;
}

/* A text column that is not JSON: as a JSON string's content would be
 * wrong (names are identifiers and site names), so escaped only. */
static int put_text(ship_buf *b, const char *s)
{
    return ship_buf_put_esc(b, s, strlen(s));
}

static int one_row(ship_buf *b, ship_buf *js, const rpt_doc *d,
                   const rpt_section *s, uint32_t r, const char *site,
                   const char *period)
{
    uint32_t nc = rpt_section_ncols(s);
    js->len = 0;
    int rc = puts_(js, "{");
    for (uint32_t c = 0; rc == 0 && c < nc; c++) {
        if (c)
            rc = puts_(js, ",");
        if (rc == 0)
            rc = json_str(js, rpt_section_col(s, c));
        if (rc == 0)
            rc = puts_(js, ":");
        if (rc == 0)
            rc = grp_json_cell(js, rpt_section_cell(s, r, c), d->tz_min);
    }
    if (rc == 0)
        rc = puts_(js, "}");
    char num[16];
    snprintf(num, sizeof num, "\t%" PRIu32 "\t", r);
    if (rc == 0)
        rc = put_text(b, site);
    if (rc == 0)
        rc = puts_(b, "\t");
    if (rc == 0)
        rc = put_text(b, d->report);
    if (rc == 0)
        rc = puts_(b, "\t");
    if (rc == 0)
        rc = put_text(b, period);
    if (rc == 0)
        rc = puts_(b, "\t");
    if (rc == 0)
        rc = put_text(b, rpt_section_name(s));
    if (rc == 0)
        rc = puts_(b, num);
    if (rc == 0)
        rc = ship_buf_put_esc(b, js->p, js->len);
    if (rc == 0)
        rc = puts_(b, "\n");
    return rc;
}

int grp_rows_copy(ship_buf *b, const rpt_doc *d, const char *site,
                  const char *period, uint64_t *nrows)
{
    size_t mark = b->len;
    uint64_t n = 0;
    ship_buf js;
    ship_buf_init(&js, b->max);
    int rc = 0;
    for (uint32_t i = 0; rc == 0 && i < d->nsections; i++) {
        const rpt_section *s = d->sections[i];
        uint32_t rows = rpt_section_rows(s);
        for (uint32_t r = 0; rc == 0 && r < rows; r++, n++)
            rc = one_row(b, &js, d, s, r, site, period);
    }
    ship_buf_free(&js);
    if (rc) {
        b->len = mark;
        n = 0;
    }
    if (nrows)
        *nrows = n;
    return rc;
}

void grp_period_name(int64_t ms, int tz_min, int month, char *out, size_t cap)
{
    int y, m, dd;
    rpt_civil_from_days(rpt_day_of(ms, tz_min), &y, &m, &dd);
    if (month)
        snprintf(out, cap, "%04d-%02d", y % 10000, m);
    else
        snprintf(out, cap, "%04d-%02d-%02d", y % 10000, m, dd);
}

int grp_period_kind(const char *name)
{
    size_t n = strlen(name);
    int64_t day;
    if (n == 10)
        return rpt_day_parse(name, n, &day) == 0 ? 0 : RND_EINVAL;
    if (n != 7)
        return RND_EINVAL;
    char full[16];
    snprintf(full, sizeof full, "%s-01", name);
    return rpt_day_parse(full, 10, &day) == 0 ? 1 : RND_EINVAL;
}

int grp_period_prev(const char *name, char *out, size_t cap)
{
    int kind = grp_period_kind(name);
    if (kind < 0)
        return kind;
    int64_t day;
    char full[16];
    snprintf(full, sizeof full, "%.7s-01", name);
    if (kind == 0) {
        (void)rpt_day_parse(name, 10, &day);
        int y, m, dd;
        rpt_civil_from_days(day - 1, &y, &m, &dd);
        snprintf(out, cap, "%04d-%02d-%02d", y % 10000, m, dd);
        return 0;
    }
    (void)rpt_day_parse(full, 10, &day);
    int y, m, dd;
    rpt_civil_from_days(day - 1, &y, &m, &dd);
    snprintf(out, cap, "%04d-%02d", y % 10000, m);
    return 0;
}
