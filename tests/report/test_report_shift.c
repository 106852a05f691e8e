/* test_report_shift.c: the handheld's shift report on h1's own store of
 * the known day of day_a.h (it holds every handheld's ops and the
 * office's master data): with --since 06:00, its scans and how each
 * counted against every scan of its store (h2's included), the missed
 * checkpoints of its route so far (ended rounds: missed; the running
 * round past its window: overdue), the visitors and vehicles it let in
 * still inside; then the default window (since its last handover), with
 * and without --route. */
#include <stdlib.h>
#include <string.h>

#include "day_a.h"
#include "test.h"

static void run(day_a *day, const rpt_params *p, rpt_doc *d)
{
    store_txn *t;
    ASSERT_OK(store_read_begin(hh_store(day->h1), &t));
    ASSERT_OK(rpt_shift(t, p, d));
    store_read_end(t);
}

static rpt_params params(void)
{
    rpt_params p = day_a_params();
    p.from = 0; /* the default: since the last handover, at most 12 h */
    p.to = p.now;
    return p;
}

static void scan_row(const rpt_section *s, uint32_t r, int64_t t, int64_t start,
                     const char *tag, const char *name, const char *status,
                     int ooo)
{
    cell_t(s, r, 0, t);
    cell_s(s, r, 1, "R1");
    cell_t(s, r, 2, start);
    cell_s(s, r, 3, tag);
    cell_s(s, r, 4, name);
    cell_s(s, r, 5, status);
    cell_b(s, r, 6, ooo);
}

static void missed_row(const rpt_section *s, uint32_t r, int64_t start,
                       const char *tag, const char *name, const char *place,
                       const char *state)
{
    cell_s(s, r, 0, "R1");
    cell_t(s, r, 1, start);
    cell_t(s, r, 2, start + 2 * 3600 * 1000LL);
    cell_s(s, r, 3, tag);
    cell_s(s, r, 4, name);
    cell_s(s, r, 5, place);
    cell_s(s, r, 6, state);
}

static void inside_row(const rpt_section *s, uint32_t r, const char *kind,
                       const char *id, const char *who, const char *unit,
                       const char *gate, int64_t tin, int64_t mins)
{
    cell_s(s, r, 0, kind);
    cell_s(s, r, 1, id);
    cell_s(s, r, 2, who);
    cell_s(s, r, 3, unit);
    cell_s(s, r, 4, gate);
    cell_t(s, r, 5, tin);
    cell_i(s, r, 6, mins);
}

static void check_inside(day_a *day, const rpt_doc *d)
{
    const rpt_section *s = rpt_doc_section(d, "my_visitors_inside");
    ASSERT_EQ(rpt_section_rows(s), 4);
    inside_row(s, 0, "visit", day->v_old, "Old Guest", "1-1-100", "A", AT(2, 0),
               540);
    inside_row(s, 1, "visit", day->v_li, "Li Lei", "1-1-101", "A", AT(5, 30),
               330);
    inside_row(s, 2, "vehicle", day->c_ab, "AB123", "2-1-202", "B", AT(9, 15),
               105);
    inside_row(s, 3, "visit", day->v_wang, "Wang Wu", "3-1-301", "A", AT(10, 0),
               60);
    sum_i(d, "visitors_inside", 3);
    sum_i(d, "vehicles_inside", 1);
}

static void since_six(day_a *day)
{
    rpt_params p = params();
    p.from = AT(6, 0);
    rpt_doc d;
    run(day, &p, &d);
    char *text = emit(&d, RPT_FMT_TEXT);
    fputs(text, stdout);
    free(text);

    ASSERT_STR_EQ(d.report, "shift");
    ASSERT_EQ(d.from, AT(6, 0));
    ASSERT_EQ(d.to, AT(11, 0));
    const rpt_section *s = rpt_doc_section(&d, "my_scans");
    ASSERT_EQ(rpt_section_rows(s), 10);
    scan_row(s, 0, AT(6, 5), AT(6, 0), "CP-01", "North gate", "on_time", 0);
    scan_row(s, 1, AT(6, 10), AT(6, 0), "CP-02", "Pump room", "on_time", 0);
    scan_row(s, 2, AT(6, 14), AT(6, 0), "CP-04", "Car park", "on_time", 0);
    scan_row(s, 3, AT(6, 20), AT(6, 0), "CP-03", "Garden", "late", 1);
    scan_row(s, 4, AT(6, 31), AT(6, 0), "CP-05", "East fence", "late", 0);
    scan_row(s, 5, AT(6, 33), AT(6, 0), "CP-05", "East fence", "duplicate", 0);
    scan_row(s, 6, AT(8, 3), AT(8, 0), "CP-01", "North gate", "on_time", 0);
    scan_row(s, 7, AT(8, 20), AT(8, 0), "CP-02", "Pump room", "late", 0);
    scan_row(s, 8, AT(10, 5), AT(10, 0), "CP-01", "North gate", "on_time", 0);
    scan_row(s, 9, AT(10, 20), AT(10, 0), "CP-99", NULL, "unknown_tag", 0);

    s = rpt_doc_section(&d, "missed_so_far");
    ASSERT_EQ(rpt_section_rows(s), 6);
    /* CP-01 and CP-03 of the 08:00 round were scanned by h2 (g2). */
    missed_row(s, 0, AT(8, 0), "CP-04", "Car park", "B1", "missed");
    missed_row(s, 1, AT(8, 0), "CP-05", "East fence", "Block 5", "missed");
    missed_row(s, 2, AT(10, 0), "CP-02", "Pump room", "B2", "overdue");
    missed_row(s, 3, AT(10, 0), "CP-03", "Garden", "Block 3", "overdue");
    missed_row(s, 4, AT(10, 0), "CP-04", "Car park", "B1", "overdue");
    missed_row(s, 5, AT(10, 0), "CP-05", "East fence", "Block 5", "overdue");

    check_inside(day, &d);
    sum_i(&d, "my_scans", 10);
    sum_i(&d, "on_time", 5);
    sum_i(&d, "late", 3);
    sum_i(&d, "duplicates", 1);
    sum_i(&d, "out_of_order", 1);
    sum_i(&d, "missed", 2);
    sum_i(&d, "overdue", 4);

    char *csv = emit(&d, RPT_FMT_CSV);
    char *json = emit(&d, RPT_FMT_JSON);
    if (!strstr(csv, "\nmy_scans,2026-03-10T06:20:00+08:00,R1,"
                     "2026-03-10T06:00:00+08:00,CP-03,Garden,late,true\n") ||
        !strstr(csv, "\nmissed_so_far,R1,2026-03-10T10:00:00+08:00,"
                     "2026-03-10T12:00:00+08:00,CP-05,East fence,Block 5,"
                     "overdue\n") ||
        !strstr(csv, "\nsummary,overdue,4\n"))
        TEST_FAIL_("csv:\n%s", csv);
    if (!strstr(json, "\"summary\":{\"my_scans\":10,\"on_time\":5,"
                      "\"late\":3,\"duplicates\":1,\"out_of_order\":1,"
                      "\"missed\":2,\"overdue\":4,\"visitors_inside\":3,"
                      "\"vehicles_inside\":1}") ||
        !strstr(json, "{\"time\":\"2026-03-10T10:20:00+08:00\","
                      "\"route\":\"R1\",\"round_start\":"
                      "\"2026-03-10T10:00:00+08:00\",\"tag\":\"CP-99\","
                      "\"name\":null,\"status\":\"unknown_tag\","
                      "\"out_of_order\":false}"))
        TEST_FAIL_("json:\n%s", json);
    free(csv);
    free(json);
    rpt_doc_free(&d);
}

/* Default window: since h1's handover of 10:30. It scanned nothing since,
 * so no route is its own unless --route names one. */
static void since_handover(day_a *day)
{
    rpt_params p = params();
    rpt_doc d;
    run(day, &p, &d);
    ASSERT_EQ(d.from, AT(10, 30));
    ASSERT_EQ(rpt_section_rows(rpt_doc_section(&d, "my_scans")), 0);
    ASSERT_EQ(rpt_section_rows(rpt_doc_section(&d, "missed_so_far")), 0);
    check_inside(day, &d);
    sum_i(&d, "my_scans", 0);
    sum_i(&d, "missed", 0);
    sum_i(&d, "overdue", 0);
    rpt_doc_free(&d);

    p.route = "R1";
    run(day, &p, &d);
    const rpt_section *s = rpt_doc_section(&d, "missed_so_far");
    ASSERT_EQ(rpt_section_rows(s), 4);
    missed_row(s, 0, AT(10, 0), "CP-02", "Pump room", "B2", "overdue");
    missed_row(s, 3, AT(10, 0), "CP-05", "East fence", "Block 5", "overdue");
    sum_i(&d, "overdue", 4);
    sum_i(&d, "missed", 0);
    rpt_doc_free(&d);

    /* At 10:10 the last handover is the 07:45 one; the round running then
     * (06:00) counts, the 08:00 round has ended with two missed, and the
     * 10:00 round's window (to 10:15) is still open: nothing overdue. */
    p.now = p.to = AT(10, 10);
    run(day, &p, &d);
    ASSERT_EQ(d.from, AT(7, 45));
    s = rpt_doc_section(&d, "missed_so_far");
    ASSERT_EQ(rpt_section_rows(s), 2);
    missed_row(s, 0, AT(8, 0), "CP-04", "Car park", "B1", "missed");
    missed_row(s, 1, AT(8, 0), "CP-05", "East fence", "Block 5", "missed");
    sum_i(&d, "missed", 2);
    sum_i(&d, "overdue", 0);
    rpt_doc_free(&d);
}

int main(void)
{
    day_a day;
    day_a_build(&day);
    since_six(&day);
    since_handover(&day);
    day_a_free(&day);
    printf("test_report_shift: ok\n");
    return 0;
}
