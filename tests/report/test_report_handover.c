/* test_report_handover.c: the handover report over the known day of
 * day_a.h: one handover acknowledged 15 minutes later by the incoming
 * handheld, one still pending; the items each handed over (the snapshot
 * lists the handheld wrote); a window that holds only the first. The
 * whole report is compared exactly as CSV, the narrow one as JSON. */
#include <stdlib.h>
#include <string.h>

#include "day_a.h"
#include "test.h"

static void run(day_a *day, const rpt_params *p, rpt_doc *d)
{
    store_txn *t;
    ASSERT_OK(store_read_begin(day->site, &t));
    ASSERT_OK(rpt_handover(t, p, d));
    store_read_end(t);
}

static void item(const rpt_section *s, uint32_t r, const char *ho,
                 const char *kind, const char *id, const char *text)
{
    cell_s(s, r, 0, ho);
    cell_s(s, r, 1, kind);
    cell_s(s, r, 2, id);
    cell_s(s, r, 3, text);
}

static void whole_day(day_a *day)
{
    rpt_params p = day_a_params();
    rpt_doc d;
    run(day, &p, &d);
    char *text = emit(&d, RPT_FMT_TEXT);
    fputs(text, stdout);
    free(text);

    ASSERT_STR_EQ(d.report, "handover");
    const rpt_section *s = rpt_doc_section(&d, "handovers");
    ASSERT_EQ(rpt_section_rows(s), 2);
    cell_s(s, 0, 0, day->ho1);
    cell_t(s, 0, 1, AT(7, 45));
    cell_s(s, 0, 2, "g1");
    cell_s(s, 0, 3, "g2");
    cell_s(s, 0, 4, "acknowledged");
    cell_s(s, 0, 5, "g2");
    cell_t(s, 0, 6, AT(8, 0));
    cell_i(s, 0, 7, 15);
    cell_i(s, 0, 8, 3);
    cell_i(s, 0, 9, 0);
    cell_i(s, 0, 10, 1);
    cell_i(s, 0, 11, 1);
    cell_s(s, 0, 12, "3 keys, 1 radio");
    cell_s(s, 0, 13, "gate B lock stiff");
    cell_b(s, 0, 14, 1); /* acknowledged by its "to" */
    cell_s(s, 0, 15, NULL);
    cell_null(s, 0, 16);
    cell_s(s, 1, 0, day->ho2);
    cell_t(s, 1, 1, AT(10, 30));
    cell_s(s, 1, 2, "g1");
    cell_s(s, 1, 3, "g3");
    cell_s(s, 1, 4, "pending");
    cell_s(s, 1, 5, NULL);
    cell_t(s, 1, 6, 0);
    cell_null(s, 1, 7);
    cell_i(s, 1, 8, 3);
    cell_i(s, 1, 9, 1);
    cell_i(s, 1, 10, 1);
    cell_i(s, 1, 11, 0);
    cell_s(s, 1, 12, NULL);
    cell_s(s, 1, 13, NULL);
    cell_null(s, 1, 14);

    s = rpt_doc_section(&d, "items");
    ASSERT_EQ(rpt_section_rows(s), 10);
    item(s, 0, day->ho1, "visit", NULL, "Old Guest@1-1-100");
    item(s, 1, day->ho1, "visit", NULL, "Li Lei@1-1-101");
    item(s, 2, day->ho1, "visit", NULL, "Han Mei@1-1-102");
    item(s, 3, day->ho1, "workorder", day->wo, "checkpoint CP-02 reported");
    item(s, 4, day->ho1, "anomaly", NULL, "CP-02: broken lamp");
    item(s, 5, day->ho2, "visit", NULL, "Old Guest@1-1-100");
    item(s, 6, day->ho2, "visit", NULL, "Li Lei@1-1-101");
    item(s, 7, day->ho2, "visit", NULL, "Wang Wu@3-1-301");
    item(s, 8, day->ho2, "vehicle", NULL, "AB123");
    item(s, 9, day->ho2, "workorder", day->wo, "checkpoint CP-02 reported");

    sum_i(&d, "handovers", 2);
    sum_i(&d, "acknowledged", 1);
    sum_i(&d, "pending", 1);
    const rpt_cell *c = summary(&d, "oldest_pending");
    ASSERT_EQ(c->type, RPT_TIME);
    ASSERT_EQ(c->i, AT(10, 30));

    char *csv = emit(&d, RPT_FMT_CSV), want[4096];
    const char *h1 = day->ho1, *h2 = day->ho2, *wo = day->wo;
    snprintf(want, sizeof want,
             "summary,key,value\n"
             "summary,from,2026-03-10T04:00:00+08:00\n"
             "summary,to,2026-03-10T12:00:00+08:00\n"
             "summary,now,2026-03-10T11:00:00+08:00\n"
             "summary,handovers,2\n"
             "summary,acknowledged,1\n"
             "summary,pending,1\n"
             "summary,oldest_pending,2026-03-10T10:30:00+08:00\n"
             "summary,invalid_acks,0\n"
             "summary,item_mismatches,0\n"
             "summary,missed_checkpoints,0\n"
             "section,id,time,from,to,status,ack_by,ack_time,ack_delay_min,"
             "visits_inside,vehicles_inside,workorders_open,anomalies,keys,"
             "notes,ack_valid,items,item_mismatches,missed_checkpoints,"
             "shift_start,before_shift_start\n"
             "handovers,%s,2026-03-10T07:45:00+08:00,g1,g2,acknowledged,g2,"
             "2026-03-10T08:00:00+08:00,15,3,0,1,1,\"3 keys, 1 radio\","
             "gate B lock stiff,true,,,,,unknown\n"
             "handovers,%s,2026-03-10T10:30:00+08:00,g1,g3,pending,,,,3,1,1,"
             "0,,,,,,,,unknown\n"
             "section,handover,kind,item_id,text\n"
             "items,%s,visit,,Old Guest@1-1-100\n"
             "items,%s,visit,,Li Lei@1-1-101\n"
             "items,%s,visit,,Han Mei@1-1-102\n"
             "items,%s,workorder,%s,checkpoint CP-02 reported\n"
             "items,%s,anomaly,,CP-02: broken lamp\n"
             "items,%s,visit,,Old Guest@1-1-100\n"
             "items,%s,visit,,Li Lei@1-1-101\n"
             "items,%s,visit,,Wang Wu@3-1-301\n"
             "items,%s,vehicle,,AB123\n"
             "items,%s,workorder,%s,checkpoint CP-02 reported\n"
             "section,handover,item,handed,confirmed,status\n",
             h1, h2, h1, h1, h1, h1, wo, h1, h2, h2, h2, h2, h2, wo);
    ASSERT_STR_EQ(csv, want);
    free(csv);
    rpt_doc_free(&d);
}

/* [04:00, 09:00): only the acknowledged handover. */
static void morning(day_a *day)
{
    rpt_params p = day_a_params();
    p.to = AT(9, 0);
    rpt_doc d;
    run(day, &p, &d);
    ASSERT_EQ(rpt_section_rows(rpt_doc_section(&d, "handovers")), 1);
    ASSERT_EQ(rpt_section_rows(rpt_doc_section(&d, "items")), 5);
    sum_i(&d, "handovers", 1);
    sum_i(&d, "acknowledged", 1);
    sum_i(&d, "pending", 0);
    ASSERT_EQ(summary(&d, "oldest_pending")->type, RPT_NULL);

    char *json = emit(&d, RPT_FMT_JSON), want[4096];
    const char *h1 = day->ho1;
    snprintf(
        want, sizeof want,
        "{\"report\":\"handover\",\"title\":\"Handover report\","
        "\"site\":\"S1\",\"from\":\"2026-03-10T04:00:00+08:00\","
        "\"to\":\"2026-03-10T09:00:00+08:00\","
        "\"now\":\"2026-03-10T11:00:00+08:00\",\"tz\":\"+08:00\","
        "\"summary\":{\"handovers\":1,\"acknowledged\":1,\"pending\":0,"
        "\"oldest_pending\":null,\"invalid_acks\":0,\"item_mismatches\":0,"
        "\"missed_checkpoints\":0},"
        "\"sections\":{\"handovers\":[{\"id\":\"%s\","
        "\"time\":\"2026-03-10T07:45:00+08:00\",\"from\":\"g1\",\"to\":\"g2\","
        "\"status\":\"acknowledged\",\"ack_by\":\"g2\","
        "\"ack_time\":\"2026-03-10T08:00:00+08:00\",\"ack_delay_min\":15,"
        "\"visits_inside\":3,\"vehicles_inside\":0,\"workorders_open\":1,"
        "\"anomalies\":1,\"keys\":\"3 keys, 1 radio\","
        "\"notes\":\"gate B lock stiff\",\"ack_valid\":true,\"items\":null,"
        "\"item_mismatches\":null,\"missed_checkpoints\":null,"
        "\"shift_start\":null,\"before_shift_start\":\"unknown\"}],\"items\":["
        "{\"handover\":\"%s\",\"kind\":\"visit\",\"item_id\":null,"
        "\"text\":\"Old Guest@1-1-100\"},"
        "{\"handover\":\"%s\",\"kind\":\"visit\",\"item_id\":null,"
        "\"text\":\"Li Lei@1-1-101\"},"
        "{\"handover\":\"%s\",\"kind\":\"visit\",\"item_id\":null,"
        "\"text\":\"Han Mei@1-1-102\"},"
        "{\"handover\":\"%s\",\"kind\":\"workorder\",\"item_id\":\"%s\","
        "\"text\":\"checkpoint CP-02 reported\"},"
        "{\"handover\":\"%s\",\"kind\":\"anomaly\",\"item_id\":null,"
        "\"text\":\"CP-02: broken lamp\"}],\"counted_items\":[]}}\n",
        h1, h1, h1, h1, h1, day->wo, h1);
    ASSERT_STR_EQ(json, want);
    free(json);
    rpt_doc_free(&d);
}

int main(void)
{
    day_a day;
    day_a_build(&day);
    whole_day(&day);
    morning(&day);
    day_a_free(&day);
    printf("test_report_handover: ok\n");
    return 0;
}
