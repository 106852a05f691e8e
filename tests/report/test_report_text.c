/* test_report_text.c: text out. The one JSON string writer gives valid
 * JSON in valid UTF-8 for every byte string (stores written before text
 * was checked hold bad bytes); tables pad by display width (CJK takes two
 * columns); CSV tables carry the BOM, RFC 4180 quoting and the formula
 * guard on text cells only. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/utf8.h"
#include "../../report/render.h"
#include "../../report/report.h"
#include "../test.h"

static char *json_of(const char *s, size_t n, size_t *len)
{
    char *buf = NULL;
    FILE *m = open_memstream(&buf, len);
    ASSERT(m != NULL);
    rpt_json_str(m, s, n);
    fclose(m);
    return buf;
}

/* A strict check of one JSON string (RFC 8259 section 7): quoted, no raw
 * control character, only the defined escapes, valid UTF-8. */
static int json_string_ok(const char *j, size_t n)
{
    if (n < 2 || j[0] != '"' || j[n - 1] != '"')
        return 0;
    if (proto_utf8_check(j, n, PROTO_TEXT_LINE, NULL, NULL) != 0)
        return 0;
    for (size_t i = 1; i + 1 < n; i++) {
        if (j[i] == '"')
            return 0;
        if (j[i] != '\\')
            continue;
        i++;
        if (i + 1 >= n)
            return 0;
        if (j[i] == 'u') {
            for (int k = 1; k <= 4; k++)
                if (i + (size_t)k + 1 >= n ||
                    strchr("0123456789abcdefABCDEF", j[i + k]) == NULL)
                    return 0;
            i += 4;
        } else if (strchr("\"\\/bfnrt", j[i]) == NULL) {
            return 0;
        }
    }
    return 1;
}

static void test_json_every_byte(void)
{
    size_t len;
    for (int b = 0; b < 256; b++) {
        char in[3] = {'a', (char)b, 'z'};
        char *j = json_of(in, 3, &len);
        if (!json_string_ok(j, len))
            TEST_FAIL_("byte 0x%02x: %s", b, j);
        free(j);
    }
    /* The users' strings. */
    char *j = json_of("bad \xff", 5, &len);
    ASSERT_STR_EQ(j, "\"bad \xef\xbf\xbd\"");
    free(j);
    j = json_of("guard-\xc3", 7, &len);
    ASSERT_STR_EQ(j, "\"guard-\xef\xbf\xbd\"");
    free(j);
    j = json_of("沪A\n\t\"\\\x1b\x7f\xc2\x9b", strlen("沪A") + 8, &len);
    ASSERT_STR_EQ(j, "\"沪A\\n\\t\\\"\\\\\\u001b\\u007f\\u009b\"");
    free(j);
    j = json_of("a\0b", 3, &len);
    ASSERT_STR_EQ(j, "\"a\\u0000b\"");
    free(j);
}

static void test_json_random(void)
{
    unsigned seed = 12345;
    char in[64];
    size_t len;
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(rand_r(&seed) % (int)sizeof in);
        for (size_t k = 0; k < n; k++) {
            /* Mostly high bytes, where the trouble is. */
            int r = rand_r(&seed);
            in[k] = (char)(r % 4 ? 0x80 | (r >> 3 & 0x7f) : r >> 3 & 0xff);
        }
        char *j = json_of(in, n, &len);
        if (!json_string_ok(j, len))
            TEST_FAIL_("round %d: not a valid JSON string", round);
        free(j);
    }
}

static void test_width(void)
{
    /* Widths do not depend on the process's locale. */
    setlocale(LC_ALL, "C");
    ASSERT_EQ(rpt_display_width("abc"), 3);
    ASSERT_EQ(rpt_display_width("王小明"), 6);
    ASSERT_EQ(rpt_display_width("沪A12345"), 8);
    ASSERT_EQ(rpt_display_width("ＡＢ"), 4);
    ASSERT_EQ(rpt_display_width("e\xcc\x81"), 1); /* e + combining acute */
    ASSERT_EQ(rpt_display_width("a\xff"), 2);

    char *buf = NULL;
    size_t len;
    FILE *m = open_memstream(&buf, &len);
    ASSERT(m != NULL);
    ASSERT_EQ(rpt_text_cell(m, "王小明", 10, 0), 10);
    fputc('|', m);
    ASSERT_EQ(rpt_text_cell(m, "wang", 10, 0), 10);
    fputc('|', m);
    /* Cut at a character boundary: 8 columns, "..." included. */
    ASSERT_EQ(rpt_text_cell(m, "一二三四五六七八", 0, 8), 7);
    fclose(m);
    ASSERT_STR_EQ(buf, "王小明    |wang      |一二...");
    free(buf);
}

/* A text table's columns line up on a terminal: every row's second
 * column starts at the same display column. */
static void test_table_alignment(void)
{
    rpt_doc d;
    rpt_doc_init(&d, "t", "T", "S1", 1, 2, 2, 480);
    const char *cols[] = {"guard", "note", "n"};
    rpt_section *s = rpt_section_add(&d, "rows", "Rows", cols, 3);
    ASSERT(s != NULL);
    rpt_cell r1[] = {rpt_s("王小明"), rpt_s("巡逻正常"), rpt_i(1)};
    rpt_cell r2[] = {rpt_s("li"), rpt_s("ok"), rpt_i(22)};
    rpt_cell r3[] = {rpt_s("欧阳"), rpt_s("门未锁 door open"), rpt_i(-5)};
    ASSERT_OK(rpt_row(s, r1));
    ASSERT_OK(rpt_row(s, r2));
    ASSERT_OK(rpt_row(s, r3));
    char *buf = NULL;
    size_t len;
    FILE *m = open_memstream(&buf, &len);
    ASSERT_OK(rpt_emit(&d, RPT_FMT_TEXT, m));
    fclose(m);
    const char *t = strstr(buf, "  GUARD");
    ASSERT(t != NULL);
    size_t want_note = 0, want_n = 0;
    for (int line = 0; line < 4; line++) {
        const char *end = strchr(t, '\n');
        char row[256];
        snprintf(row, sizeof row, "%.*s", (int)(end - t), t);
        /* Column of the note and of the number: display width before. */
        char *p2 = strstr(row, line == 0   ? "NOTE"
                               : line == 1 ? "巡逻"
                               : line == 2 ? "ok"
                                           : "门");
        ASSERT(p2 != NULL);
        char pre[256];
        snprintf(pre, sizeof pre, "%.*s", (int)(p2 - row), row);
        size_t w = rpt_display_width(pre);
        if (line == 0)
            want_note = w;
        else if (w != want_note)
            TEST_FAIL_("line %d: note at column %zu, header at %zu:\n%s", line,
                       w, want_note, buf);
        const char *num[] = {"N", "1", "22", "-5"};
        char *p3 = strstr(p2 + 1, num[line]);
        ASSERT(p3 != NULL);
        snprintf(pre, sizeof pre, "%.*s", (int)(p3 - row), row);
        w = rpt_display_width(pre);
        if (line == 0)
            want_n = w;
        else if (w != want_n)
            TEST_FAIL_("line %d: n at column %zu, header at %zu:\n%s", line, w,
                       want_n, buf);
        t = end + 1;
    }
    free(buf);
    rpt_doc_free(&d);
}

static char *csv_of(const rpt_doc *d, const char *table, int *rc)
{
    char *buf = NULL;
    size_t len;
    FILE *m = open_memstream(&buf, &len);
    ASSERT(m != NULL);
    *rc = rpt_emit_csv_table(d, table, m);
    fclose(m);
    return buf;
}

static void test_csv_tables(void)
{
    rpt_doc d;
    int rc;
    rpt_doc_init(&d, "t", "T", "S1", 1773100800000, 1773144000000,
                 1773144000000, 480);
    ASSERT_OK(rpt_summary(&d, "visits", rpt_i(-5)));
    ASSERT_OK(rpt_summary(&d, "note", rpt_s("=1+1")));
    const char *cols[] = {"name", "delta", "note", "ok"};
    rpt_section *s = rpt_section_add(&d, "rows", "Rows", cols, 4);
    rpt_section_add(&d, "empty", "Empty", cols, 1);
    rpt_cell r1[] = {rpt_s("=HYPERLINK(\"http://x\",\"y\")"), rpt_i(-5),
                     rpt_s("王, \"小\"\n明"), rpt_b(1)};
    rpt_cell r2[] = {rpt_s("+1"), rpt_r(-1.5), rpt_s("-5"), rpt_b(0)};
    rpt_cell r3[] = {rpt_s("@SUM(A1)"), rpt_i(3), rpt_s("\tx"),
                     rpt_s("bad \xff")};
    ASSERT_OK(rpt_row(s, r1));
    ASSERT_OK(rpt_row(s, r2));
    ASSERT_OK(rpt_row(s, r3));

    ASSERT_STR_EQ(rpt_csv_table(&d, 0), "summary");
    ASSERT_STR_EQ(rpt_csv_table(&d, 1), "rows");
    ASSERT_STR_EQ(rpt_csv_table(&d, 2), "empty");
    ASSERT(rpt_csv_table(&d, 3) == NULL);

    char *csv = csv_of(&d, "rows", &rc);
    ASSERT_OK(rc);
    ASSERT_STR_EQ(csv, "\xef\xbb\xbf"
                       "name,delta,note,ok\r\n"
                       "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-5,"
                       "\"王, \"\"小\"\"\n明\",true\r\n"
                       "'+1,-1.50,'-5,false\r\n"
                       "'@SUM(A1),3,'\tx,bad \xef\xbf\xbd\r\n");
    free(csv);
    csv = csv_of(&d, "summary", &rc);
    ASSERT_OK(rc);
    ASSERT_STR_EQ(csv, "\xef\xbb\xbf"
                       "key,value\r\n"
                       "from,2026-03-10T08:00:00+08:00\r\n"
                       "to,2026-03-10T20:00:00+08:00\r\n"
                       "now,2026-03-10T20:00:00+08:00\r\n"
                       "visits,-5\r\n"
                       "note,'=1+1\r\n");
    free(csv);
    csv = csv_of(&d, "empty", &rc);
    ASSERT_OK(rc);
    ASSERT_STR_EQ(csv, "\xef\xbb\xbfname\r\n");
    free(csv);
    csv = csv_of(&d, "nosuch", &rc);
    ASSERT_ERR(rc, RND_ENOTFOUND);
    free(csv);
    rpt_doc_free(&d);
}

int main(void)
{
    test_json_every_byte();
    test_json_random();
    test_width();
    test_table_alignment();
    test_csv_tables();
    printf("test_report_text: ok\n");
    return 0;
}
