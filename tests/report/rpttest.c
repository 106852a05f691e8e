/* rpttest.c: see rpttest.h. */
#include "rpttest.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "test.h"

const char *rt_fmt(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ASSERT(n >= 0 && (size_t)n < sizeof buf);
    /* A static pool: nothing to free, nothing for LeakSanitizer. */
    static char pool[1 << 17];
    static size_t used;
    ASSERT(used + (size_t)n + 1 <= sizeof pool);
    char *s = memcpy(pool + used, buf, (size_t)n + 1);
    used += (size_t)n + 1;
    return s;
}

/* The expected cell e as the doc would print it: mode 0 text, 1 CSV/JSON
 * value text (unquoted), with *type its type. */
static void exp_text(const char *e, int tz, int iso, char *out, size_t cap,
                     rpt_type *type)
{
    if (strcmp(e, "-") == 0) {
        *type = RPT_NULL;
        snprintf(out, cap, "%s", iso ? "" : "-");
        return;
    }
    ASSERT(strlen(e) >= 2 && e[1] == ':');
    const char *v = e + 2;
    switch (e[0]) {
    case 's':
        *type = RPT_STR;
        snprintf(out, cap, "%s", v);
        break;
    case 'i':
        *type = RPT_INT;
        snprintf(out, cap, "%s", v);
        break;
    case 't':
        *type = RPT_TIME;
        if (iso)
            rpt_time_iso(strtoll(v, NULL, 10), tz, out, cap);
        else
            rpt_time_text(strtoll(v, NULL, 10), tz, out, cap);
        break;
    case 'b':
        *type = RPT_BOOL;
        snprintf(out, cap, "%s",
                 atoi(v) ? (iso ? "true" : "yes") : (iso ? "false" : "no"));
        break;
    case 'r':
        *type = RPT_REAL;
        snprintf(out, cap, "%.2f", strtod(v, NULL));
        break;
    default:
        TEST_FAIL_("bad expected cell '%s'", e);
    }
}

static void check_cell(const char *where, const rpt_cell *c, const char *e)
{
    char want[512];
    rpt_type t;
    exp_text(e, 0, 0, want, sizeof want, &t);
    if (c->type != t)
        TEST_FAIL_("%s: type %d, want %d (%s)", where, c->type, t, e);
    switch (t) {
    case RPT_STR:
        if (strcmp(c->s, e + 2) != 0)
            TEST_FAIL_("%s: \"%s\", want \"%s\"", where, c->s, e + 2);
        break;
    case RPT_INT:
    case RPT_TIME:
    case RPT_BOOL:
        if (c->i != strtoll(e + 2, NULL, 10))
            TEST_FAIL_("%s: %lld, want %s", where, (long long)c->i, e + 2);
        break;
    case RPT_REAL:
        if (c->d < strtod(e + 2, NULL) - 1e-9 ||
            c->d > strtod(e + 2, NULL) + 1e-9)
            TEST_FAIL_("%s: %f, want %s", where, c->d, e + 2);
        break;
    default:
        break;
    }
}

static uint32_t ncells(const char *const *cells)
{
    uint32_t n = 0;
    while (cells[n])
        n++;
    return n;
}

static char *emit(const rpt_doc *d, rpt_format f)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    ASSERT(m != NULL);
    ASSERT_OK(rpt_emit(d, f, m));
    fclose(m);
    return buf;
}

static void csv_put(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n") == NULL) {
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

static void json_put(FILE *f, const char *e, int tz)
{
    char buf[512];
    rpt_type t;
    exp_text(e, tz, 1, buf, sizeof buf, &t);
    switch (t) {
    case RPT_STR:
    case RPT_TIME:
        fputc('"', f);
        for (const char *p = t == RPT_STR ? e + 2 : buf; *p; p++) {
            if (*p == '"' || *p == '\\')
                fputc('\\', f);
            fputc(*p, f);
        }
        fputc('"', f);
        break;
    case RPT_REAL:
        fprintf(f, "%.4f", strtod(e + 2, NULL));
        break;
    case RPT_NULL:
        fputs("null", f);
        break;
    default:
        fputs(buf, f);
    }
}

/* Splits a text table line into cells (runs of 2+ spaces separate). */
static int split_text(const char *line, char out[][512], int max)
{
    int n = 0;
    const char *p = line;
    while (*p == ' ')
        p++;
    while (*p && n < max) {
        const char *q = strstr(p, "  ");
        size_t len = q ? (size_t)(q - p) : strlen(p);
        snprintf(out[n++], 512, "%.*s", (int)len, p);
        if (!q)
            break;
        p = q;
        while (*p == ' ')
            p++;
    }
    return n;
}

void rt_verify(const rpt_doc *d, const rt_expect *e)
{
    char where[160];
    /* 1. the API */
    uint32_t ns = 0;
    while (e->summary[2 * ns])
        ns++;
    if (d->nsummary != ns)
        TEST_FAIL_("%s: %u summary figures, want %u", d->report, d->nsummary,
                   ns);
    for (uint32_t i = 0; i < ns; i++) {
        ASSERT_STR_EQ(d->summary[i].key, e->summary[2 * i]);
        snprintf(where, sizeof where, "%s summary %s", d->report,
                 e->summary[2 * i]);
        check_cell(where, &d->summary[i].value, e->summary[2 * i + 1]);
    }
    ASSERT_EQ(d->nsections, e->nsections);
    for (int si = 0; si < e->nsections; si++) {
        const rt_section *es = &e->sections[si];
        const rpt_section *s = rpt_doc_section(d, es->name);
        if (s == NULL)
            TEST_FAIL_("%s: no section %s", d->report, es->name);
        ASSERT(d->sections[si] == s);
        uint32_t nc = ncells(es->cols), n = ncells(es->cells);
        uint32_t rows = rpt_section_rows(s);
        if (n != rows * nc)
            TEST_FAIL_("%s.%s: %u rows of %u, want %u cells", d->report,
                       es->name, rows, nc, n);
        for (uint32_t r = 0; r < rows; r++)
            for (uint32_t c = 0; c < nc; c++) {
                snprintf(where, sizeof where, "%s.%s row %u col %s", d->report,
                         es->name, r, es->cols[c]);
                check_cell(where, rpt_section_cell(s, r, c),
                           es->cells[r * nc + c]);
            }
        ASSERT(rpt_section_cell(s, 0, nc) == NULL);
    }

    /* 2. CSV and JSON, exactly */
    char *want = NULL, *wj = NULL;
    size_t wl = 0, wjl = 0;
    FILE *f = open_memstream(&want, &wl);
    FILE *j = open_memstream(&wj, &wjl);
    char buf[512], tz[16];
    rpt_type t;
    int m = d->tz_min < 0 ? -d->tz_min : d->tz_min;
    snprintf(tz, sizeof tz, "%c%02d:%02d", d->tz_min < 0 ? '-' : '+',
             (m / 60) % 100, m % 60);
    fputs("summary,key,value\n", f);
    const int64_t win[3] = {d->from, d->to, d->now};
    const char *wk[3] = {"from", "to", "now"};
    fprintf(j, "{\"report\":\"%s\",\"title\":\"%s\",\"site\":\"%s\"", d->report,
            d->title, d->site);
    for (int i = 0; i < 3; i++) {
        rpt_time_iso(win[i], d->tz_min, buf, sizeof buf);
        fprintf(f, "summary,%s,%s\n", wk[i], buf);
        fprintf(j, ",\"%s\":\"%s\"", wk[i], buf);
    }
    fprintf(j, ",\"tz\":\"%s\",\"summary\":{", tz);
    for (uint32_t i = 0; i < ns; i++) {
        exp_text(e->summary[2 * i + 1], d->tz_min, 1, buf, sizeof buf, &t);
        fprintf(f, "summary,%s,", e->summary[2 * i]);
        csv_put(f, buf);
        fputc('\n', f);
        fprintf(j, "%s\"%s\":", i ? "," : "", e->summary[2 * i]);
        json_put(j, e->summary[2 * i + 1], d->tz_min);
    }
    fputs("},\"sections\":{", j);
    for (int si = 0; si < e->nsections; si++) {
        const rt_section *es = &e->sections[si];
        uint32_t nc = ncells(es->cols), rows = ncells(es->cells) / nc;
        fputs("section", f);
        for (uint32_t c = 0; c < nc; c++)
            fprintf(f, ",%s", es->cols[c]);
        fputc('\n', f);
        fprintf(j, "%s\"%s\":[", si ? "," : "", es->name);
        for (uint32_t r = 0; r < rows; r++) {
            fputs(es->name, f);
            fprintf(j, "%s{", r ? "," : "");
            for (uint32_t c = 0; c < nc; c++) {
                const char *cell = es->cells[r * nc + c];
                exp_text(cell, d->tz_min, 1, buf, sizeof buf, &t);
                fputc(',', f);
                csv_put(f, buf);
                fprintf(j, "%s\"%s\":", c ? "," : "", es->cols[c]);
                json_put(j, cell, d->tz_min);
            }
            fputc('\n', f);
            fputc('}', j);
        }
        fputc(']', j);
    }
    fputs("}}\n", j);
    fclose(f);
    fclose(j);
    char *csv = emit(d, RPT_FMT_CSV);
    if (strcmp(csv, want) != 0)
        TEST_FAIL_("%s csv:\n%s\nwant:\n%s", d->report, csv, want);
    char *js = emit(d, RPT_FMT_JSON);
    if (strcmp(js, wj) != 0)
        TEST_FAIL_("%s json:\n%s\nwant:\n%s", d->report, js, wj);
    free(csv);
    free(js);
    free(want);
    free(wj);

    /* 3. text, parsed back: each summary line, each section's title, its
     * header and rows (cells separated by two or more spaces). */
    char *txt = emit(d, RPT_FMT_TEXT);
    char *save = NULL;
    char *line = strtok_r(txt, "\n", &save);
    ASSERT(line && strstr(line, d->title) == line);
    line = strtok_r(NULL, "\n", &save); /* window */
    static char cells[RPT_MAX_COLS][512];
    for (uint32_t i = 0; i < ns; i++) {
        line = strtok_r(NULL, "\n", &save);
        ASSERT(line != NULL);
        ASSERT_EQ(split_text(line, cells, 2), 2);
        ASSERT_STR_EQ(cells[0], e->summary[2 * i]);
        exp_text(e->summary[2 * i + 1], d->tz_min, 0, buf, sizeof buf, &t);
        if (strcmp(cells[1], buf) != 0)
            TEST_FAIL_("%s text summary %s: '%s', want '%s'", d->report,
                       cells[0], cells[1], buf);
    }
    for (int si = 0; si < e->nsections; si++) {
        const rt_section *es = &e->sections[si];
        uint32_t nc = ncells(es->cols), rows = ncells(es->cells) / nc;
        line = strtok_r(NULL, "\n", &save); /* title */
        ASSERT(line != NULL);
        line = strtok_r(NULL, "\n", &save);
        ASSERT(line != NULL);
        if (rows == 0) {
            ASSERT_STR_EQ(line, "  (none)");
            continue;
        }
        ASSERT_EQ(split_text(line, cells, RPT_MAX_COLS), (int)nc);
        for (uint32_t c = 0; c < nc; c++)
            ASSERT(strcasecmp(cells[c], es->cols[c]) == 0);
        for (uint32_t r = 0; r < rows; r++) {
            line = strtok_r(NULL, "\n", &save);
            ASSERT(line != NULL);
            int got = split_text(line, cells, RPT_MAX_COLS);
            if (got != (int)nc)
                TEST_FAIL_("%s text %s row %u: %d cells, want %u: '%s'",
                           d->report, es->name, r, got, nc, line);
            for (uint32_t c = 0; c < nc; c++) {
                exp_text(es->cells[r * nc + c], d->tz_min, 0, buf, sizeof buf,
                         &t);
                if (strcmp(cells[c], buf) != 0)
                    TEST_FAIL_("%s text %s row %u col %s: '%s', want '%s'",
                               d->report, es->name, r, es->cols[c], cells[c],
                               buf);
            }
        }
    }
    ASSERT(strtok_r(NULL, "\n", &save) == NULL);
    free(txt);
}
