/* test_report_vacant.c: the vacant report on a known day: units vacant and
 * not, retired, inspected 10 and 40 days ago and never, a failed
 * inspection with the work order it opened (now dispatched). Every figure
 * asserted through the doc and in text, CSV and JSON. */
#include <stdlib.h>
#include <string.h>

#include "../merge/mergetest.h"
#include "rpttest.h"
#include "test.h"

#define T0 1795824000000LL /* 2026-11-28T00:00:00Z */
#define M 60000LL
#define H (60 * M)
#define D (24 * H)
#define AT(d, hh, mm) (T0 + (d)*D + (hh)*H + (mm)*M)

static store *S;

static void unit(const char *key, const char *cluster, int vacant, int retire)
{
    mt_op op = {.kind = PROTO_KIND_UNIT, .action = PROTO_ACTION_CREATE};
    /* Master data ids start with six zero bytes (DATA-MODEL.md). */
    ASSERT_OK(proto_random(op.entity + 6, 10));
    mt_str(&op, "unit", key);
    mt_str(&op, "building", rt_fmt("%.1s", key));
    mt_str(&op, "cluster", cluster);
    mt_bool(&op, "vacant", vacant);
    mt_str(&op, "by", "office");
    ASSERT_OK(mt_write(S, &op, AT(-60, 9, 0), NULL));
    if (retire) {
        mt_op r = {.kind = PROTO_KIND_UNIT,
                   .action = PROTO_ACTION_RETIRE,
                   .with_seen = 1};
        memcpy(r.entity, op.entity, PROTO_ENTITY_LEN);
        mt_str(&r, "retire_by", "office");
        ASSERT_OK(mt_write(S, &r, AT(-59, 9, 0), NULL));
    }
}

static void inspect(const char *key, int64_t t, const char *by,
                    const char *fail1, const char *fail2, const char *note,
                    const uint8_t *wo)
{
    mt_op op = {.kind = PROTO_KIND_INSPECTION, .action = PROTO_ACTION_CREATE};
    ASSERT_OK(proto_entity_new(op.entity, t));
    mt_str(&op, "unit", key);
    static const char *const items[] = {"doors_windows", "water", "power",
                                        "gas",           "leaks", "cracks"};
    for (int i = 0; i < 6; i++)
        mt_str(&op, items[i],
               (fail1 && strcmp(items[i], fail1) == 0) ||
                       (fail2 && strcmp(items[i], fail2) == 0)
                   ? "fail"
                   : "ok");
    if (note)
        mt_str(&op, "note", note);
    if (wo) {
        char hex[33];
        proto_entity_hex(wo, hex);
        mt_str(&op, "workorder", rt_fmt("%s", hex));
    }
    mt_str(&op, "by", by);
    ASSERT_OK(mt_write(S, &op, t, NULL));
}

int main(void)
{
    char *dir = test_tmpdir("rpt-vac");
    S = mt_open(dir, "B", 0xb1);
    unit("1-1-101", "C1", 1, 0);
    unit("1-1-102", "C1", 1, 0);
    unit("1-1-103", "C2", 1, 0);
    unit("1-1-104", "C2", 0, 0); /* occupied */
    unit("1-1-105", "C2", 1, 1); /* vacant but retired */
    unit("2-1-201", "C3", 1, 0);
    inspect("1-1-102", AT(-50, 9, 0), "butler-zhao", NULL, NULL, NULL, NULL);
    inspect("1-1-102", AT(-40, 9, 0), "butler-li", NULL, NULL, NULL, NULL);
    inspect("1-1-101", AT(-10, 9, 0), "butler-li", NULL, NULL, NULL, NULL);
    inspect("1-1-104", AT(0, 9, 0), "butler-li", NULL, NULL, NULL, NULL);
    inspect("1-1-105", AT(0, 9, 30), "butler-li", NULL, NULL, NULL, NULL);
    /* The failed inspection and the work order it opened, dispatched. */
    mt_op wo = {.kind = PROTO_KIND_WORKORDER, .action = PROTO_ACTION_CREATE};
    ASSERT_OK(proto_entity_new(wo.entity, AT(0, 10, 0)));
    mt_str(&wo, "place", "2-1-201");
    mt_str(&wo, "category", "plumbing");
    mt_str(&wo, "description", "vacant unit inspection failed");
    mt_str(&wo, "by", "butler-li");
    ASSERT_OK(mt_write(S, &wo, AT(0, 10, 0), NULL));
    inspect("2-1-201", AT(0, 10, 0), "butler-li", "water", "leaks",
            "pipe dripping, floor wet", wo.entity);
    mt_op dis = {.kind = PROTO_KIND_WORKORDER,
                 .action = PROTO_ACTION_DISPATCH,
                 .with_seen = 1};
    memcpy(dis.entity, wo.entity, PROTO_ENTITY_LEN);
    mt_str(&dis, "assignee", "zhang");
    ASSERT_OK(mt_write(S, &dis, AT(0, 10, 30), NULL));
    char wohex[33];
    proto_entity_hex(wo.entity, wohex);
    /* 1-1-103 inspected today by a handheld whose clock is 15 days
     * behind (its last sync measured it: _clk): flagged, listed, and not
     * counted as inspected 15 days ago. */
    {
        mt_op op = {.kind = PROTO_KIND_INSPECTION,
                    .action = PROTO_ACTION_CREATE};
        ASSERT_OK(proto_entity_new(op.entity, AT(-15, 11, 0)));
        mt_str(&op, "unit", "1-1-103");
        mt_int(&op, "_clk", 15 * D);
        mt_str(&op, "by", "butler-wu");
        ASSERT_OK(mt_write(S, &op, AT(-15, 11, 0), NULL));
    }

    rpt_params p = {.site = "S1",
                    .from = T0,
                    .to = T0 + D,
                    .now = AT(0, 20, 0),
                    .tz_min = 480,
                    .vacant_days = 30};
    store_txn *txn;
    rpt_doc d;
    ASSERT_OK(store_read_begin(S, &txn));
    ASSERT_OK(rpt_vacant(txn, &p, &d));
    /* The store's clock had reached 10:30 today when the slow handheld's
     * inspection was stamped: its stamp is that far past its wall. */
    const char *clock_gap = NULL;
    {
        const rpt_section *cs = rpt_doc_section(&d, "clock_flagged");
        ASSERT(cs != NULL && rpt_section_rows(cs) == 1);
        int64_t gap = rpt_section_cell(cs, 0, 5)->i;
        ASSERT(gap > 15 * D - H && gap < 15 * D);
        clock_gap = rt_fmt("i:%lld", (long long)gap);
    }
    store_read_end(txn);

    static const char *const ucols[] = {"unit",
                                        "building",
                                        "cluster",
                                        "last_inspected",
                                        "days_since",
                                        "by",
                                        "clock_flagged_inspection",
                                        "clock_flag",
                                        "due",
                                        "overdue",
                                        NULL};
    const char *overdue[] = {"s:1-1-102",
                             "s:1",
                             "s:C1",
                             rt_fmt("t:%lld", AT(-40, 9, 0)),
                             "i:40",
                             "s:butler-li",
                             "-",
                             "-",
                             rt_fmt("t:%lld", AT(-10, 9, 0)),
                             "b:1", /* */
                             "s:1-1-103",
                             "s:1",
                             "s:C2",
                             "-",
                             "-",
                             "-",
                             rt_fmt("t:%lld", AT(-15, 11, 0)),
                             "s:offset",
                             rt_fmt("t:%lld", AT(0, 20, 0)), /* never: now */
                             "b:1",
                             NULL};
    const char *inspected[] = {"s:1-1-101",
                               "s:1",
                               "s:C1",
                               rt_fmt("t:%lld", AT(-10, 9, 0)),
                               "i:10",
                               "s:butler-li",
                               "-",
                               "-",
                               rt_fmt("t:%lld", AT(20, 9, 0)),
                               "b:0", /* */
                               "s:2-1-201",
                               "s:2",
                               "s:C3",
                               rt_fmt("t:%lld", AT(0, 10, 0)),
                               "i:0",
                               "s:butler-li",
                               "-",
                               "-",
                               rt_fmt("t:%lld", AT(30, 10, 0)),
                               "b:0",
                               NULL};
    static const char *const ccols[] = {
        "time", "unit", "by", "clock_flag", "clk_ms", "stamp_minus_wall_ms",
        NULL};
    const char *clock[] = {rt_fmt("t:%lld", AT(-15, 11, 0)),
                           "s:1-1-103",
                           "s:butler-wu",
                           "s:offset",
                           rt_fmt("i:%lld", 15 * D),
                           clock_gap,
                           NULL};
    static const char *const fcols[] = {
        "time", "unit", "by", "failed", "note", "workorder", "workorder_status",
        NULL};
    const char *failed[] = {rt_fmt("t:%lld", AT(0, 10, 0)),
                            "s:2-1-201",
                            "s:butler-li",
                            "s:water leaks",
                            "s:pipe dripping, floor wet",
                            rt_fmt("s:%s", wohex),
                            "s:dispatched",
                            NULL};
    const char *const summary[] = {"vacant_units",
                                   "i:4",
                                   "overdue",
                                   "i:2",
                                   "never_inspected",
                                   "i:1",
                                   "inspections_in_window",
                                   "i:4",
                                   "failed_inspections",
                                   "i:1",
                                   "clock_flagged_inspections",
                                   "i:1",
                                   "days",
                                   "i:30",
                                   NULL};
    const rt_section secs[] = {{"overdue", ucols, overdue},
                               {"inspected", ucols, inspected},
                               {"failed_items", fcols, failed},
                               {"clock_flagged", ccols, clock}};
    rt_expect e = {summary, secs, 4};
    rt_verify(&d, &e);
    if (getenv("RPT_SHOW"))
        rpt_emit(&d, RPT_FMT_TEXT, stdout);
    rpt_doc_free(&d);

    /* --days 45: the unit inspected 40 days ago is no longer overdue. */
    p.vacant_days = 45;
    ASSERT_OK(store_read_begin(S, &txn));
    ASSERT_OK(rpt_vacant(txn, &p, &d));
    store_read_end(txn);
    const rpt_section *so = rpt_doc_section(&d, "overdue");
    ASSERT_EQ(rpt_section_rows(so), 1);
    ASSERT_STR_EQ(rpt_section_cell(so, 0, 0)->s, "1-1-103");
    ASSERT_EQ(rpt_section_rows(rpt_doc_section(&d, "inspected")), 3);
    ASSERT_STR_EQ(d.summary[1].key, "overdue");
    ASSERT_EQ(d.summary[1].value.i, 1);
    rpt_doc_free(&d);

    store_close(S);
    test_rmtree(dir);
    free(dir);
    printf("test_report_vacant: ok\n");
    return 0;
}
