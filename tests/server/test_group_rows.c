/* test_group_rows.c: the group reports' facts as bytes (group_rows.h): a
 * report document's summary as JSON, its rows as COPY text lines of
 * report_rows (COPY escaping over JSON escaping, nulls, times with the
 * report's offset, ill-formed UTF-8 made U+FFFD, nested sections stored
 * flat with their key columns), and the periods' names. */
#include "../test.h"
#include "group_rows.h"

#include "../../proto/errors.h"

static char *cstr(const ship_buf *b)
{
    static char out[65536];
    ASSERT(b->len < sizeof out);
    memcpy(out, b->p, b->len);
    out[b->len] = '\0';
    return out;
}

/* 2026-11-28T08:20:00+08:00 */
#define T0 1795825200000LL

static void make_doc(rpt_doc *d)
{
    rpt_doc_init(d, "workorders", "Work orders", "S1", T0 - 3600000, T0, T0,
                 480);
    ASSERT_OK(rpt_summary(d, "orders", rpt_i(2)));
    ASSERT_OK(rpt_summary(d, "coverage", rpt_r(0.5)));
    ASSERT_OK(rpt_summary(d, "none", rpt_null()));
    ASSERT_OK(rpt_summary(d, "at", rpt_t(T0)));
    ASSERT_OK(rpt_summary(d, "ok", rpt_b(1)));
    static const char *const ocols[] = {"id", "place", "called_at"};
    static const char *const ccols[] = {"order", "cycle", "clock"};
    rpt_section *o = rpt_section_add(d, "orders", "Orders", ocols, 3);
    rpt_section *c = rpt_section_add(d, "cycle_clocks", "Clocks", ccols, 3);
    ASSERT(o && c);
    rpt_cell r1[] = {rpt_s("w1"), rpt_s("a\"b\\c\nd\te"), rpt_t(T0)};
    rpt_cell r2[] = {rpt_s("w2"), rpt_s("\xe6\x9d\xa5\xff"), rpt_t(0)};
    ASSERT_OK(rpt_row(o, r1));
    ASSERT_OK(rpt_row(o, r2));
    rpt_cell c1[] = {rpt_s("w1"), rpt_i(1), rpt_s("notify")};
    rpt_cell c2[] = {rpt_s("w1"), rpt_i(1), rpt_s("on_site")};
    ASSERT_OK(rpt_row(c, c1));
    ASSERT_OK(rpt_row(c, c2));
    /* JSON nests the clocks in their order; the facts keep them flat. */
    ASSERT_OK(rpt_section_nest(c, o, "clocks", 1));
}

static void test_summary(void)
{
    rpt_doc d;
    make_doc(&d);
    ship_buf b;
    ship_buf_init(&b, 1 << 20);
    ASSERT_OK(grp_summary_json(&b, &d));
    ASSERT_STR_EQ(cstr(&b), "{\"orders\":2,\"coverage\":0.5000,\"none\":null,"
                            "\"at\":\"2026-11-28T08:20:00+08:00\","
                            "\"ok\":true}");
    /* Past the ceiling: an error, and the buffer as it was. */
    ship_buf small;
    ship_buf_init(&small, 10);
    ASSERT_OK(ship_buf_put(&small, "x", 1));
    ASSERT_EQ(grp_summary_json(&small, &d), RND_ENOSPACE);
    ASSERT_EQ(small.len, 1);
    ship_buf_free(&small);
    ship_buf_free(&b);
    rpt_doc_free(&d);
}

static void test_rows(void)
{
    rpt_doc d;
    make_doc(&d);
    ship_buf b;
    ship_buf_init(&b, 1 << 20);
    uint64_t n = 0;
    ASSERT_OK(grp_rows_copy(&b, &d, "S1", "2026-11", &n));
    ASSERT_EQ(n, 4);
    /* COPY text over JSON: the JSON's backslashes doubled, no raw tab or
     * newline; a bad byte U+FFFD; a time with the offset, none null; the
     * nested clocks flat with their "order" column. */
    ASSERT_STR_EQ(
        cstr(&b),
        "S1\tworkorders\t2026-11\torders\t0\t{\"id\":\"w1\",\"place\":"
        "\"a\\\\\"b\\\\\\\\c\\\\u000ad\\\\u0009e\",\"called_at\":"
        "\"2026-11-28T08:20:00+08:00\"}\n"
        "S1\tworkorders\t2026-11\torders\t1\t{\"id\":\"w2\",\"place\":"
        "\"\xe6\x9d\xa5\xef\xbf\xbd\",\"called_at\":null}\n"
        "S1\tworkorders\t2026-11\tcycle_clocks\t0\t{\"order\":\"w1\","
        "\"cycle\":1,\"clock\":\"notify\"}\n"
        "S1\tworkorders\t2026-11\tcycle_clocks\t1\t{\"order\":\"w1\","
        "\"cycle\":1,\"clock\":\"on_site\"}\n");
    /* A site name with a tab is escaped for COPY (names never have one,
     * but the column must stay one column). */
    b.len = 0;
    ASSERT_OK(grp_rows_copy(&b, &d, "S\t1", "2026-11-28", &n));
    ASSERT(strncmp(cstr(&b), "S\\t1\tworkorders\t2026-11-28\t", 26) == 0);
    /* The ceiling: cut back, nothing counted. */
    ship_buf small;
    ship_buf_init(&small, 100);
    ASSERT_EQ(grp_rows_copy(&small, &d, "S1", "2026-11", &n), RND_ENOSPACE);
    ASSERT_EQ(small.len, 0);
    ASSERT_EQ(n, 0);
    ship_buf_free(&small);
    ship_buf_free(&b);
    rpt_doc_free(&d);
}

static void test_periods(void)
{
    char out[16];
    grp_period_name(T0, 480, 1, out, sizeof out);
    ASSERT_STR_EQ(out, "2026-11");
    grp_period_name(T0, 480, 0, out, sizeof out);
    ASSERT_STR_EQ(out, "2026-11-28");
    /* 2026-11-30T20:00Z is 1 December at +08:00. */
    grp_period_name(1796068800000LL, 480, 1, out, sizeof out);
    ASSERT_STR_EQ(out, "2026-12");
    grp_period_name(1796068800000LL, 0, 0, out, sizeof out);
    ASSERT_STR_EQ(out, "2026-11-30");
    ASSERT_OK(grp_period_prev("2026-01", out, sizeof out));
    ASSERT_STR_EQ(out, "2025-12");
    ASSERT_OK(grp_period_prev("2028-03-01", out, sizeof out));
    ASSERT_STR_EQ(out, "2028-02-29");
    ASSERT_EQ(grp_period_kind("2026-11"), 1);
    ASSERT_EQ(grp_period_kind("2026-11-28"), 0);
    ASSERT_EQ(grp_period_kind("2026-13"), RND_EINVAL);
    ASSERT_EQ(grp_period_kind("2026-02-30"), RND_EINVAL);
    ASSERT_EQ(grp_period_kind("2026-1"), RND_EINVAL);
    ASSERT_EQ(grp_period_prev("x", out, sizeof out), RND_EINVAL);
}

int main(void)
{
    test_summary();
    test_rows();
    test_periods();
    printf("ok\n");
    return 0;
}
