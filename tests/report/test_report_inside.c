/* test_report_inside.c: the inside report over the known day of day_a.h:
 * visitors and vehicles still inside (one entered before the window, one
 * recorded by a handheld 2 hours slow), overstays at the default 4 h and
 * at 6 h, blacklist hits inside and left, a refused entry; an earlier
 * window; ID numbers masked in every format; rows checked in CSV and
 * JSON. */
#include <stdlib.h>
#include <string.h>

#include "day_a.h"
#include "test.h"

static void visitor(const rpt_section *s, uint32_t r, const char *id,
                    const char *name, const char *idno, const char *unit,
                    const char *purpose, int64_t party, const char *gate,
                    const char *guard, const char *pass, int64_t tin,
                    int64_t mins, int over, int hit)
{
    cell_s(s, r, 0, id);
    cell_s(s, r, 1, name);
    cell_s(s, r, 2, idno);
    cell_s(s, r, 3, unit);
    cell_s(s, r, 4, purpose);
    cell_i(s, r, 5, party);
    cell_s(s, r, 6, gate);
    cell_s(s, r, 7, guard);
    cell_s(s, r, 8, pass);
    cell_s(s, r, 9, NULL); /* plate */
    cell_t(s, r, 10, tin);
    cell_i(s, r, 11, mins);
    cell_b(s, r, 12, over);
    cell_b(s, r, 13, hit);
}

static void vehicle(const rpt_section *s, uint32_t r, const char *id,
                    const char *plate, const char *type, const char *unit,
                    const char *guard, int64_t tin, int64_t mins, int over)
{
    cell_s(s, r, 0, id);
    cell_s(s, r, 1, plate);
    cell_s(s, r, 2, type);
    cell_s(s, r, 3, unit);
    cell_s(s, r, 4, "B");
    cell_s(s, r, 5, guard);
    cell_t(s, r, 6, tin);
    cell_i(s, r, 7, mins);
    cell_b(s, r, 8, over);
    cell_b(s, r, 9, 0);
}

static void run(day_a *day, const rpt_params *p, rpt_doc *d)
{
    store_txn *t;
    ASSERT_OK(store_read_begin(day->site, &t));
    ASSERT_OK(rpt_inside(t, p, d));
    store_read_end(t);
}

static void has(const char *out, const char *want)
{
    if (strstr(out, want) == NULL)
        TEST_FAIL_("output lacks \"%s\":\n%s", want, out);
}

static void whole_day(day_a *day)
{
    rpt_params p = day_a_params();
    rpt_doc d;
    run(day, &p, &d);
    char *text = emit(&d, RPT_FMT_TEXT);
    fputs(text, stdout);

    ASSERT_STR_EQ(d.report, "inside");
    const rpt_section *s = rpt_doc_section(&d, "visitors");
    ASSERT_EQ(rpt_section_rows(s), 4);
    visitor(s, 0, day->v_old, "Old Guest", "E12****78", "1-1-100", "family", 1,
            "A", "g1", NULL, AT(2, 0), 540, 1, 0);
    visitor(s, 1, day->v_li, "Li Lei", "110*************34", "1-1-101",
            "delivery", 2, "A", "g1", "P-7", AT(5, 30), 330, 1, 0);
    /* h3's clock is 2 h slow: it entered at 09:30, its device said 07:30,
     * and the report keeps device time (docs/REPORTS.md). */
    visitor(s, 2, day->v_zhao, "Zhao Liu", "310*************11", "1-2-201",
            "repair", 1, "B", "g3", NULL, AT(7, 30), 210, 0, 0);
    visitor(s, 3, day->v_wang, "Wang Wu", "*", "3-1-301", "visit", 1, "A", "g1",
            NULL, AT(10, 0), 60, 0, 1);

    s = rpt_doc_section(&d, "vehicles");
    ASSERT_EQ(rpt_section_rows(s), 2);
    vehicle(s, 0, day->c_cd, "CD456", "car", "2-2-202", "g3", AT(5, 30), 330,
            1);
    vehicle(s, 1, day->c_ab, "AB123", "van", "2-1-202", "g1", AT(9, 15), 105,
            0);

    s = rpt_doc_section(&d, "blacklist_hits");
    ASSERT_EQ(rpt_section_rows(s), 2);
    cell_t(s, 0, 0, AT(6, 0));
    cell_s(s, 0, 1, "vehicle");
    cell_s(s, 0, 2, "EF789");
    cell_s(s, 0, 3, "dumping");
    cell_s(s, 0, 4, "B");
    cell_s(s, 0, 5, "g1");
    cell_s(s, 0, 6, "left");
    cell_t(s, 1, 0, AT(10, 0));
    cell_s(s, 1, 1, "visit");
    cell_s(s, 1, 2, "Wang Wu");
    cell_s(s, 1, 3, "theft");
    cell_s(s, 1, 4, "A");
    cell_s(s, 1, 5, "g1");
    cell_s(s, 1, 6, "inside");

    s = rpt_doc_section(&d, "refused");
    ASSERT_EQ(rpt_section_rows(s), 1);
    cell_t(s, 0, 0, AT(8, 30));
    cell_s(s, 0, 1, "Zhang San");
    cell_s(s, 0, 2, "no host answer");
    cell_s(s, 0, 3, "A");
    cell_s(s, 0, 4, "g1");

    sum_i(&d, "visitors_inside", 4);
    sum_i(&d, "vehicles_inside", 2);
    sum_i(&d, "people_inside", 5);
    sum_i(&d, "overstays", 3);
    sum_i(&d, "blacklist_hits", 2);
    sum_i(&d, "refused", 1);

    /* The same rows in the other formats; never a raw ID number. */
    char *csv = emit(&d, RPT_FMT_CSV);
    char *json = emit(&d, RPT_FMT_JSON);
    char want[512];
    snprintf(want, sizeof want,
             "\nvehicles,%s,CD456,car,2-2-202,B,g3,"
             "2026-03-10T05:30:00+08:00,330,true,false\n",
             day->c_cd);
    has(csv, want);
    snprintf(want, sizeof want,
             "\nvisitors,%s,Li Lei,110*************34,1-1-101,delivery,2,A,"
             "g1,P-7,,2026-03-10T05:30:00+08:00,330,true,false\n",
             day->v_li);
    has(csv, want);
    has(csv, "\nblacklist_hits,2026-03-10T06:00:00+08:00,vehicle,EF789,"
             "dumping,B,g1,left\n");
    has(csv, "\nrefused,2026-03-10T08:30:00+08:00,Zhang San,no host answer,"
             "A,g1\n");
    has(csv, "\nsummary,people_inside,5\n");
    snprintf(want, sizeof want,
             "{\"id\":\"%s\",\"name\":\"Wang Wu\",\"id_no\":\"*\","
             "\"unit\":\"3-1-301\",\"purpose\":\"visit\",\"party\":1,"
             "\"gate\":\"A\",\"guard\":\"g1\",\"pass\":null,\"plate\":null,"
             "\"time_in\":\"2026-03-10T10:00:00+08:00\",\"inside_min\":60,"
             "\"overstay\":false,\"blacklist_hit\":true}",
             day->v_wang);
    has(json, want);
    has(json, "\"summary\":{\"visitors_inside\":4,\"vehicles_inside\":2,"
              "\"people_inside\":5,\"overstays\":3,\"blacklist_hits\":2,"
              "\"refused\":1}");
    const char *raw[] = {"110101199003071234", "310101198001011111",
                         "E12345678"};
    for (int i = 0; i < 3; i++) {
        ASSERT(strstr(text, raw[i]) == NULL);
        ASSERT(strstr(csv, raw[i]) == NULL);
        ASSERT(strstr(json, raw[i]) == NULL);
    }
    free(text);
    free(csv);
    free(json);
    rpt_doc_free(&d);
}

static void six_hours(day_a *day)
{
    rpt_params p = day_a_params();
    p.overstay_ms = 6 * 3600 * 1000LL;
    rpt_doc d;
    run(day, &p, &d);
    const rpt_section *s = rpt_doc_section(&d, "visitors");
    cell_b(s, 0, 12, 1); /* 540 min */
    cell_b(s, 1, 12, 0); /* 330 min */
    cell_b(rpt_doc_section(&d, "vehicles"), 0, 8, 0);
    sum_i(&d, "overstays", 1);
    rpt_doc_free(&d);
}

static void early_window(day_a *day)
{
    rpt_params p = day_a_params();
    p.to = AT(8, 0);
    rpt_doc d;
    run(day, &p, &d);
    const rpt_section *s = rpt_doc_section(&d, "visitors");
    ASSERT_EQ(rpt_section_rows(s), 3);
    cell_s(s, 2, 1, "Zhao Liu");
    s = rpt_doc_section(&d, "vehicles");
    ASSERT_EQ(rpt_section_rows(s), 1);
    cell_s(s, 0, 1, "CD456");
    s = rpt_doc_section(&d, "blacklist_hits");
    ASSERT_EQ(rpt_section_rows(s), 1);
    cell_s(s, 0, 2, "EF789");
    sum_i(&d, "visitors_inside", 3);
    sum_i(&d, "vehicles_inside", 1);
    sum_i(&d, "people_inside", 4);
    sum_i(&d, "overstays", 3);
    sum_i(&d, "blacklist_hits", 1);
    sum_i(&d, "refused", 0);
    rpt_doc_free(&d);
}

int main(void)
{
    day_a day;
    day_a_build(&day);
    whole_day(&day);
    six_hours(&day);
    early_window(&day);
    day_a_free(&day);
    printf("test_report_inside: ok\n");
    return 0;
}
