/* test_report_doc.c: the report document and its three printed forms,
 * times, offsets, durations and windows (report/doc.c, report/time.c). */
#include <stdlib.h>
#include <string.h>

#include "../../report/report.h"
#include "test.h"

#define T0 1795824000000LL /* 2026-11-28T00:00:00Z */
#define H 3600000LL

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

static void test_times(void)
{
    int64_t t;
    ASSERT_OK(rpt_time_parse("2026-11-28", 0, &t));
    ASSERT_EQ(t, T0);
    ASSERT_OK(rpt_time_parse("2026-11-28T08:00", 480, &t));
    ASSERT_EQ(t, T0); /* 08:00 at +08:00 is midnight UTC */
    ASSERT_OK(rpt_time_parse("2026-11-28 08:00:30Z", 480, &t));
    ASSERT_EQ(t, T0 + 8 * H + 30000);
    ASSERT_OK(rpt_time_parse("2026-11-28T02:00-05:30", 0, &t));
    ASSERT_EQ(t, T0 + 7 * H + 30 * 60000);
    ASSERT_OK(rpt_time_parse("1795824000000", 480, &t));
    ASSERT_EQ(t, T0);
    ASSERT_ERR(rpt_time_parse("2026-02-30", 0, &t), RND_EINVAL);
    ASSERT_ERR(rpt_time_parse("2026-11-28T24:00", 0, &t), RND_EINVAL);
    ASSERT_ERR(rpt_time_parse("2026-11-28T08:00+8", 0, &t), RND_EINVAL);
    ASSERT_ERR(rpt_time_parse("yesterday", 0, &t), RND_EINVAL);
    ASSERT_ERR(rpt_time_parse("", 0, &t), RND_EINVAL);

    char buf[40];
    rpt_time_iso(T0 + 90 * 60000, 480, buf, sizeof buf);
    ASSERT(strcmp(buf, "2026-11-28T09:30:00+08:00") == 0);
    rpt_time_iso(T0, 0, buf, sizeof buf);
    ASSERT(strcmp(buf, "2026-11-28T00:00:00Z") == 0);
    rpt_time_iso(T0, -330, buf, sizeof buf);
    ASSERT(strcmp(buf, "2026-11-27T18:30:00-05:30") == 0);
    rpt_time_text(T0 + 16 * H, 480, buf, sizeof buf);
    ASSERT(strcmp(buf, "2026-11-29 00:00") == 0);

    int tz;
    ASSERT_OK(rpt_tz_parse("+08:00", &tz));
    ASSERT_EQ(tz, 480);
    ASSERT_OK(rpt_tz_parse("-05:30", &tz));
    ASSERT_EQ(tz, -330);
    ASSERT_OK(rpt_tz_parse("Z", &tz));
    ASSERT_EQ(tz, 0);
    ASSERT_ERR(rpt_tz_parse("+8", &tz), RND_EINVAL);
    ASSERT_ERR(rpt_tz_parse("+15:00", &tz), RND_EINVAL);

    int64_t d;
    ASSERT_OK(rpt_duration_parse("90m", &d));
    ASSERT_EQ(d, 90 * 60000);
    ASSERT_OK(rpt_duration_parse("4h", &d));
    ASSERT_EQ(d, 4 * H);
    ASSERT_OK(rpt_duration_parse("2d", &d));
    ASSERT_EQ(d, 48 * H);
    ASSERT_OK(rpt_duration_parse("45", &d));
    ASSERT_EQ(d, 45 * 60000);
    ASSERT_ERR(rpt_duration_parse("-1h", &d), RND_EINVAL);
    ASSERT_ERR(rpt_duration_parse("4 hours", &d), RND_EINVAL);
}

static void test_windows(void)
{
    int64_t f, t, now = T0 + 20 * H;
    char err[160];
    rpt_window_args a = {0};
    ASSERT_OK(rpt_window(&a, 480, now, &f, &t, err, sizeof err));
    ASSERT_EQ(t, now);
    ASSERT_EQ(f, now - 12 * H);

    a.day = "2026-11-28";
    ASSERT_OK(rpt_window(&a, 480, now, &f, &t, err, sizeof err));
    ASSERT_EQ(f, T0 - 8 * H);
    ASSERT_EQ(t, T0 + 16 * H);

    memset(&a, 0, sizeof a);
    a.month = "2026-12";
    ASSERT_OK(rpt_window(&a, 0, now, &f, &t, err, sizeof err));
    ASSERT_EQ(f, T0 + 3 * 24 * H);
    ASSERT_EQ(t, T0 + 34 * 24 * H);

    memset(&a, 0, sizeof a);
    a.hours = "8";
    ASSERT_OK(rpt_window(&a, 0, now, &f, &t, err, sizeof err));
    ASSERT_EQ(t - f, 8 * H);

    memset(&a, 0, sizeof a);
    a.from = "2026-11-28T06:00Z";
    ASSERT_OK(rpt_window(&a, 480, now, &f, &t, err, sizeof err));
    ASSERT_EQ(f, T0 + 6 * H);
    ASSERT_EQ(t, now);

    a.to = "2026-11-28T05:00Z";
    ASSERT_ERR(rpt_window(&a, 480, now, &f, &t, err, sizeof err), RND_EINVAL);
    ASSERT(strstr(err, "--from") != NULL);

    memset(&a, 0, sizeof a);
    a.day = "2026-11-31";
    ASSERT_ERR(rpt_window(&a, 0, now, &f, &t, err, sizeof err), RND_EINVAL);
    ASSERT(strstr(err, "--day 2026-11-31") != NULL);

    a.hours = "3";
    ASSERT_ERR(rpt_window(&a, 0, now, &f, &t, err, sizeof err), RND_EINVAL);
    ASSERT(strstr(err, "one window") != NULL);

    memset(&a, 0, sizeof a);
    a.to = "soon";
    ASSERT_ERR(rpt_window(&a, 0, now, &f, &t, err, sizeof err), RND_EINVAL);
    ASSERT(strstr(err, "--to soon") != NULL);
}

static void test_doc(void)
{
    rpt_doc d;
    rpt_doc_init(&d, "demo", "Demo report", "S1", T0, T0 + 12 * H, T0 + 13 * H,
                 480);
    ASSERT_OK(rpt_summary(&d, "rounds", rpt_i(3)));
    ASSERT_OK(rpt_summary(&d, "quality", rpt_r(0.75)));
    ASSERT_OK(rpt_summary(&d, "rounds", rpt_i(4))); /* replaces */
    const char *cols[] = {"route", "start", "guard", "late", "ok"};
    rpt_section *s = rpt_section_add(&d, "rounds", "Rounds", cols, 5);
    ASSERT(s != NULL);
    char name[16];
    strcpy(name, "R2");
    rpt_cell r1[] = {rpt_s(name), rpt_t(T0 + 2 * H), rpt_s("张三"), rpt_i(1),
                     rpt_b(0)};
    ASSERT_OK(rpt_row(s, r1));
    strcpy(name, "clobbered"); /* the doc holds its own copy */
    rpt_cell r2[] = {rpt_s("R1"), rpt_t(T0), rpt_s("li, \"the\" guard"),
                     rpt_i(0), rpt_b(1)};
    ASSERT_OK(rpt_row(s, r2));
    rpt_cell r3[] = {rpt_s("R1"), rpt_t(0), rpt_null(), rpt_i(2), rpt_b(1)};
    ASSERT_OK(rpt_row(s, r3));
    uint32_t by[] = {0, 1};
    rpt_section_sort(s, by, 2);
    ASSERT_EQ(rpt_section_rows(s), 3);
    ASSERT(rpt_section_cell(s, 0, 1)->type == RPT_NULL);
    ASSERT(strcmp(rpt_section_cell(s, 2, 0)->s, "R2") == 0);
    const char *ecols[] = {"x"};
    ASSERT(rpt_section_add(&d, "empty", "Nothing here", ecols, 1) != NULL);
    ASSERT(rpt_doc_section(&d, "rounds") == s);
    ASSERT(rpt_doc_section(&d, "nope") == NULL);

    char *txt = emit(&d, RPT_FMT_TEXT);
    const char *want_txt =
        "Demo report, site S1\n"
        "window 2026-11-28 08:00 .. 2026-11-28 20:00 (+08:00), as of "
        "2026-11-28 21:00\n"
        "\n"
        "  rounds   4\n"
        "  quality  0.75\n"
        "\n"
        "Rounds\n"
        "  ROUTE  START             GUARD            LATE  OK\n"
        "  R1     -                 -                2     yes\n"
        "  R1     2026-11-28 08:00  li, \"the\" guard  0     yes\n"
        "  R2     2026-11-28 10:00  张三             1     no\n"
        "\n"
        "Nothing here\n"
        "  (none)\n";
    if (strcmp(txt, want_txt) != 0)
        TEST_FAIL_("text:\n%s\nwant:\n%s", txt, want_txt);
    free(txt);

    char *csv = emit(&d, RPT_FMT_CSV);
    const char *want_csv =
        "summary,key,value\n"
        "summary,from,2026-11-28T08:00:00+08:00\n"
        "summary,to,2026-11-28T20:00:00+08:00\n"
        "summary,now,2026-11-28T21:00:00+08:00\n"
        "summary,rounds,4\n"
        "summary,quality,0.75\n"
        "section,route,start,guard,late,ok\n"
        "rounds,R1,,,2,true\n"
        "rounds,R1,2026-11-28T08:00:00+08:00,\"li, \"\"the\"\" guard\",0,"
        "true\n"
        "rounds,R2,2026-11-28T10:00:00+08:00,张三,1,false\n"
        "section,x\n";
    if (strcmp(csv, want_csv) != 0)
        TEST_FAIL_("csv:\n%s\nwant:\n%s", csv, want_csv);
    free(csv);

    char *js = emit(&d, RPT_FMT_JSON);
    const char *want_js =
        "{\"report\":\"demo\",\"title\":\"Demo report\",\"site\":\"S1\","
        "\"from\":\"2026-11-28T08:00:00+08:00\","
        "\"to\":\"2026-11-28T20:00:00+08:00\","
        "\"now\":\"2026-11-28T21:00:00+08:00\",\"tz\":\"+08:00\","
        "\"summary\":{\"rounds\":4,\"quality\":0.7500},"
        "\"sections\":{\"rounds\":["
        "{\"route\":\"R1\",\"start\":null,\"guard\":null,\"late\":2,"
        "\"ok\":true},"
        "{\"route\":\"R1\",\"start\":\"2026-11-28T08:00:00+08:00\","
        "\"guard\":\"li, \\\"the\\\" guard\",\"late\":0,\"ok\":true},"
        "{\"route\":\"R2\",\"start\":\"2026-11-28T10:00:00+08:00\","
        "\"guard\":\"张三\",\"late\":1,\"ok\":false}],"
        "\"empty\":[]}}\n";
    if (strcmp(js, want_js) != 0)
        TEST_FAIL_("json:\n%s\nwant:\n%s", js, want_js);
    free(js);

    rpt_format f;
    ASSERT_OK(rpt_format_parse("csv", &f));
    ASSERT_EQ(f, RPT_FMT_CSV);
    ASSERT_ERR(rpt_format_parse("xml", &f), RND_EINVAL);
    rpt_doc_free(&d);
}

/* Sorting is stable and handles many rows (merge sort). */
static void test_sort(void)
{
    rpt_doc d;
    rpt_doc_init(&d, "s", "S", "", 0, 1, 1, 0);
    const char *cols[] = {"key", "order"};
    rpt_section *s = rpt_section_add(&d, "rows", "Rows", cols, 2);
    ASSERT(s != NULL);
    for (int i = 0; i < 20000; i++) {
        rpt_cell row[] = {(i % 11) ? rpt_i((i * 7919) % 13) : rpt_null(),
                          rpt_i(i)};
        ASSERT_OK(rpt_row(s, row));
    }
    uint32_t by[] = {0};
    rpt_section_sort(s, by, 1);
    ASSERT_EQ(rpt_section_rows(s), 20000);
    for (uint32_t r = 1; r < 20000; r++) {
        const rpt_cell *a = rpt_section_cell(s, r - 1, 0);
        const rpt_cell *b = rpt_section_cell(s, r, 0);
        int64_t ka = a->type == RPT_NULL ? -1 : a->i;
        int64_t kb = b->type == RPT_NULL ? -1 : b->i;
        ASSERT_LE(ka, kb);
        if (ka == kb) /* stable: equal keys keep their order */
            ASSERT_LT(rpt_section_cell(s, r - 1, 1)->i,
                      rpt_section_cell(s, r, 1)->i);
    }
    rpt_doc_free(&d);
}

/* rpt_section_nest: two levels in JSON, separate tables in text. */
static void test_nest(void)
{
    rpt_doc d;
    rpt_doc_init(&d, "n", "N", "", 0, 1, 1, 0);
    const char *pc[] = {"id", "v"}, *cc[] = {"id", "k"},
               *gc[] = {"id", "k", "x"};
    rpt_section *p = rpt_section_add(&d, "p", "P", pc, 2);
    rpt_section *c = rpt_section_add(&d, "c", "C", cc, 2);
    rpt_section *g = rpt_section_add(&d, "g", "G", gc, 3);
    ASSERT(p && c && g);
    ASSERT_EQ(rpt_section_nest(c, p, "cs", 0), RND_EINVAL);
    ASSERT_EQ(rpt_section_nest(c, p, "cs", 2), RND_EINVAL);
    ASSERT_OK(rpt_section_nest(c, p, "cs", 1));
    ASSERT_OK(rpt_section_nest(g, c, "gs", 2));
    ASSERT_EQ(rpt_section_nest(p, g, "loop", 1), RND_EINVAL);
    rpt_cell r1[] = {rpt_s("a"), rpt_i(1)}, r2[] = {rpt_s("b"), rpt_i(2)};
    ASSERT_OK(rpt_row(p, r1));
    ASSERT_OK(rpt_row(p, r2));
    rpt_cell c1[] = {rpt_s("a"), rpt_i(1)}, c2[] = {rpt_s("a"), rpt_i(2)};
    ASSERT_OK(rpt_row(c, c1));
    ASSERT_OK(rpt_row(c, c2));
    rpt_cell g1[] = {rpt_s("a"), rpt_i(2), rpt_k("x")}; /* not copied */
    ASSERT_OK(rpt_row(g, g1));
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    ASSERT_OK(rpt_emit(&d, RPT_FMT_JSON, f));
    fclose(f);
    const char *want =
        "\"sections\":{\"p\":[{\"id\":\"a\",\"v\":1,\"cs\":[{\"k\":1,"
        "\"gs\":[]},{\"k\":2,\"gs\":[{\"x\":\"x\"}]}]},{\"id\":\"b\","
        "\"v\":2,\"cs\":[]}]}}\n";
    ASSERT(len >= strlen(want));
    ASSERT_STR_EQ(out + len - strlen(want), want);
    free(out);
    out = NULL;
    f = open_memstream(&out, &len);
    ASSERT_OK(rpt_emit(&d, RPT_FMT_CSV, f));
    fclose(f);
    ASSERT(strstr(out, "\ng,a,2,x\n") != NULL);
    free(out);
    rpt_doc_free(&d);
}

int main(void)
{
    test_nest();
    test_times();
    test_windows();
    test_doc();
    test_sort();
    printf("test_report_doc: ok\n");
    return 0;
}
