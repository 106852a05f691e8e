/* test_report_tasks.c: the tasks report's calendar rules on known dates
 * (+08:00): a monthly plan done on Jan 31 is due on Feb 28 (the month's
 * last day), overdue from then; a quarterly one done on Nov 30 is due on
 * Feb 28 too, its period the quarter from Jan 1; a weekly one's period
 * starts on Monday; a plan never done is due a recurrence after its
 * creation; a retired plan is not listed; a task done after --at does not
 * count; a task naming no plan is listed apart. Then the whole doc through
 * rt_verify (text, CSV and JSON). */
#include <stdlib.h>
#include <string.h>

#include "../merge/mergetest.h"
#include "rpttest.h"
#include "test.h"

static store *S;

static int64_t at(const char *iso)
{
    int64_t ms;
    ASSERT_OK(rpt_time_parse(iso, 480, &ms));
    return ms;
}

static void plan(const char *key, const char *rec, const char *created,
                 int retire)
{
    mt_op op = {.kind = PROTO_KIND_TASKPLAN, .action = PROTO_ACTION_CREATE};
    ASSERT_OK(proto_random(op.entity + 6, 10));
    mt_str(&op, "plan", key);
    mt_str(&op, "name", rt_fmt("plan %s", key));
    mt_str(&op, "recurrence", rec);
    mt_str(&op, "by", "office");
    ASSERT_OK(mt_write(S, &op, at(created), NULL));
    if (retire) {
        mt_op r = {.kind = PROTO_KIND_TASKPLAN,
                   .action = PROTO_ACTION_RETIRE,
                   .with_seen = 1};
        memcpy(r.entity, op.entity, PROTO_ENTITY_LEN);
        mt_str(&r, "retire_by", "office");
        ASSERT_OK(mt_write(S, &r, at(created) + 60000, NULL));
    }
}

static void done(const char *key, const char *when, const char *by)
{
    mt_op op = {.kind = PROTO_KIND_TASK, .action = PROTO_ACTION_CREATE};
    ASSERT_OK(proto_entity_new(op.entity, at(when)));
    mt_str(&op, "plan", key);
    mt_str(&op, "by", by);
    ASSERT_OK(mt_write(S, &op, at(when), NULL));
}

static const rpt_section *report(const char *now, rpt_doc *d)
{
    rpt_params p = {.site = "S1",
                    .from = at(now) - 7 * 86400000LL,
                    .to = at(now),
                    .now = at(now),
                    .tz_min = 480};
    store_txn *txn;
    ASSERT_OK(store_read_begin(S, &txn));
    ASSERT_OK(rpt_tasks(txn, &p, d));
    store_read_end(txn);
    return rpt_doc_section(d, "plans");
}

int main(void)
{
    char *dir = test_tmpdir("rpt-tasks");
    S = mt_open(dir, "B", 0xb2);
    plan("MON", "monthly", "2025-10-01T09:00", 0);
    plan("QTR", "quarterly", "2025-10-01T09:00", 0);
    plan("WK", "weekly", "2025-10-01T09:00", 0);
    plan("NEW", "monthly", "2026-02-20T09:00", 0);
    plan("OLD", "monthly", "2025-10-01T09:00", 1);
    done("MON", "2026-01-05T10:00", "li");
    done("MON", "2026-01-31T10:00", "wang");
    done("QTR", "2025-11-30T10:00", "zhao");
    done("WK", "2026-02-23T09:00", "li"); /* a Monday */
    done("WK", "2026-02-27T18:00", "li"); /* after --at: not counted */
    done("GHOST", "2026-02-25T08:00", "chen");

    const char *const pcols[] = {"plan",
                                 "name",
                                 "recurrence",
                                 "place",
                                 "period_start",
                                 "period_end",
                                 "done_in_period",
                                 "last_done",
                                 "last_done_by",
                                 "due",
                                 "overdue",
                                 "status",
                                 NULL};
    rpt_doc d;
    report("2026-02-27T12:00", &d);
    const char *rows[] = {
        /* MON: due on Feb 28 (Jan 31 + 1 month, clamped), not yet over */
        "s:MON", "s:plan MON", "s:monthly", "-",
        rt_fmt("t:%lld", (long long)at("2026-02-01T00:00")),
        rt_fmt("t:%lld", (long long)at("2026-03-01T00:00")), "i:0",
        rt_fmt("t:%lld", (long long)at("2026-01-31T10:00")), "s:wang",
        rt_fmt("t:%lld", (long long)at("2026-02-28T10:00")), "b:0", "s:due",
        /* NEW: never done, due a month after its creation */
        "s:NEW", "s:plan NEW", "s:monthly", "-",
        rt_fmt("t:%lld", (long long)at("2026-02-01T00:00")),
        rt_fmt("t:%lld", (long long)at("2026-03-01T00:00")), "i:0", "-", "-",
        rt_fmt("t:%lld", (long long)at("2026-03-20T09:00")), "b:0", "s:due",
        /* QTR: Nov 30 + 3 months = Feb 28; the quarter from Jan 1 */
        "s:QTR", "s:plan QTR", "s:quarterly", "-",
        rt_fmt("t:%lld", (long long)at("2026-01-01T00:00")),
        rt_fmt("t:%lld", (long long)at("2026-04-01T00:00")), "i:0",
        rt_fmt("t:%lld", (long long)at("2025-11-30T10:00")), "s:zhao",
        rt_fmt("t:%lld", (long long)at("2026-02-28T10:00")), "b:0", "s:due",
        /* WK: the week from Monday Feb 23; the 18:00 one is after --at */
        "s:WK", "s:plan WK", "s:weekly", "-",
        rt_fmt("t:%lld", (long long)at("2026-02-23T00:00")),
        rt_fmt("t:%lld", (long long)at("2026-03-02T00:00")), "i:1",
        rt_fmt("t:%lld", (long long)at("2026-02-23T09:00")), "s:li",
        rt_fmt("t:%lld", (long long)at("2026-03-02T09:00")), "b:0", "s:done",
        NULL};
    const char *const dcols[] = {"time", "plan", "known_plan", "by",
                                 "note", "id",   NULL};
    (void)dcols;
    const rpt_section *dn = rpt_doc_section(&d, "done");
    ASSERT_EQ(rpt_section_rows(dn), 2);
    ASSERT_STR_EQ(rpt_section_cell(dn, 0, 1)->s, "WK");
    ASSERT_STR_EQ(rpt_section_cell(dn, 1, 1)->s, "GHOST");
    ASSERT_EQ(rpt_section_cell(dn, 1, 2)->i, 0); /* no such plan */
    /* The whole plans section and the summary, in every format. */
    rpt_doc only;
    rpt_doc_init(&only, "tasks", "Recurring tasks report", "S1", d.from, d.to,
                 d.now, d.tz_min);
    rpt_section *ps =
        rpt_section_add(&only, "plans", "Recurring tasks", pcols, 12);
    ASSERT(ps != NULL);
    const rpt_section *got = rpt_doc_section(&d, "plans");
    for (uint32_t r = 0; r < rpt_section_rows(got); r++) {
        rpt_cell row[12];
        for (uint32_t c = 0; c < 12; c++)
            row[c] = *rpt_section_cell(got, r, c);
        ASSERT_OK(rpt_row(ps, row));
    }
    for (uint32_t i = 0; i < d.nsummary; i++)
        ASSERT_OK(rpt_summary(&only, d.summary[i].key, d.summary[i].value));
    const char *const summary[] = {
        "plans",   "i:4", "done",           "i:1", "due", "i:3",
        "overdue", "i:0", "done_in_window", "i:2", NULL};
    const rt_section secs[] = {{"plans", pcols, rows}};
    rt_expect e = {summary, secs, 1};
    rt_verify(&only, &e);
    if (getenv("RPT_SHOW"))
        rpt_emit(&d, RPT_FMT_TEXT, stdout);
    rpt_doc_free(&only);
    rpt_doc_free(&d);

    /* Mar 1: MON and QTR are past Feb 28 10:00, overdue; the new month's
     * period has begun. */
    const rpt_section *s = report("2026-03-01T08:00", &d);
    ASSERT_STR_EQ(rpt_section_cell(s, 0, 0)->s, "MON");
    ASSERT_EQ(rpt_section_cell(s, 0, 10)->i, 1);
    ASSERT_STR_EQ(rpt_section_cell(s, 0, 11)->s, "overdue");
    ASSERT_STR_EQ(rpt_section_cell(s, 2, 0)->s, "QTR");
    ASSERT_STR_EQ(rpt_section_cell(s, 2, 11)->s, "overdue");
    ASSERT_EQ(rpt_section_cell(s, 0, 4)->i, at("2026-03-01T00:00"));
    rpt_doc_free(&d);

    store_close(S);
    test_rmtree(dir);
    free(dir);
    printf("test_report_tasks: ok\n");
    return 0;
}
