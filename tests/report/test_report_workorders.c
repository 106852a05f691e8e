/* test_report_workorders.c: the workorders report on a known day of work
 * orders written through the real write path (store_append_local), with
 * fixed device clocks: every SLA clock on both sides of its line (met by a
 * minute, breached by a minute), at risk, running, a cancelled order, a
 * reopen and an unsatisfied callback (each restarts the clocks), a repeat
 * of the same place and category within 30 days, a serious complaint on
 * the 5-working-days clock across a weekend. Every figure of every section
 * is asserted, through the doc and in its three printed forms. */
#include <stdlib.h>
#include <string.h>

#include "../merge/mergetest.h"
#include "rpttest.h"
#include "test.h"

#define T0 1795824000000LL /* 2026-11-28T00:00:00Z, a Saturday */
#define M 60000LL
#define H (60 * M)
#define D (24 * H)
/* Day d (0 = the report's day, -5 = Monday 2026-11-23), hh:mm UTC. */
#define AT(d, hh, mm) (T0 + (d)*D + (hh)*H + (mm)*M)

static store *S;
static uint64_t Dev; /* S's device */

typedef struct order {
    uint8_t id[PROTO_ENTITY_LEN];
    char hex[33];
} order;

static void put(mt_op *op, int64_t wall)
{
    ASSERT_OK(mt_write(S, op, wall, NULL));
}

static void create(order *o, int64_t created, int64_t called, const char *place,
                   const char *category, const char *severity,
                   const char *urgent_reason)
{
    ASSERT_OK(proto_entity_new(o->id, created));
    proto_entity_hex(o->id, o->hex);
    mt_op op = {.kind = PROTO_KIND_WORKORDER, .action = PROTO_ACTION_CREATE};
    memcpy(op.entity, o->id, PROTO_ENTITY_LEN);
    mt_str(&op, "place", place);
    mt_str(&op, "category", category);
    mt_str(&op, "description", "fault");
    mt_str(&op, "priority", urgent_reason ? "urgent" : "normal");
    if (urgent_reason)
        mt_str(&op, "urgent_reason", urgent_reason);
    mt_str(&op, "severity", severity);
    mt_int(&op, "called_at", called);
    mt_str(&op, "by", "butler-wang");
    put(&op, created);
}

static void step(const order *o, int action, int64_t wall, const char *extra)
{
    mt_op op = {.kind = PROTO_KIND_WORKORDER,
                .action = (uint8_t)action,
                .with_seen = 1};
    memcpy(op.entity, o->id, PROTO_ENTITY_LEN);
    switch (action) {
    case PROTO_ACTION_DISPATCH:
        mt_str(&op, "assignee", "zhang");
        break;
    case PROTO_ACTION_COMPLETE:
        mt_str(&op, "signature", "resident");
        mt_int(&op, "labour_min", 30);
        break;
    case PROTO_ACTION_CALLBACK:
        mt_str(&op, "satisfaction", extra ? extra : "satisfied");
        break;
    case PROTO_ACTION_CANCEL:
        mt_str(&op, "cancel_reason", "duplicate");
        break;
    case PROTO_ACTION_REOPEN:
        mt_str(&op, "reopen_reason", "leaks again");
        break;
    default:
        break;
    }
    uint64_t seq;
    ASSERT_OK(mt_write(S, &op, wall, &seq));
    if (action == PROTO_ACTION_DISPATCH) {
        /* The technician's handheld received it at once (receive.c): the
         * notify clock stops at the dispatch's time. */
        mt_op r = {.kind = PROTO_KIND_WORKORDER,
                   .action = PROTO_ACTION_RECEIVE,
                   .with_seen = 1};
        memcpy(r.entity, o->id, PROTO_ENTITY_LEN);
        mt_str(&r, "receive_by", "zhang");
        mt_str(&r, PROTO_RECEIVE_OF_FIELD,
               rt_fmt("%016llx:%llu", (unsigned long long)Dev,
                      (unsigned long long)seq));
        put(&r, wall);
    }
}

/* Four steps at the given times (0: stop there). */
static void steps(const order *o, int64_t dispatch, int64_t arrive,
                  int64_t complete, int64_t callback)
{
    if (dispatch)
        step(o, PROTO_ACTION_DISPATCH, dispatch, NULL);
    if (arrive)
        step(o, PROTO_ACTION_ARRIVE, arrive, NULL);
    if (complete)
        step(o, PROTO_ACTION_COMPLETE, complete, NULL);
    if (callback)
        step(o, PROTO_ACTION_CALLBACK, callback, NULL);
}

/* The number of clock names in a "breached" list. */
static int nbr(const char *names)
{
    int n = 0;
    for (const char *p = names; p && *p; p++)
        n += p == names || p[-1] == ' ';
    return n;
}

static const char *S_(const char *s)
{
    return rt_fmt("s:%s", s);
}
static const char *I_(long long i)
{
    return rt_fmt("i:%lld", i);
}
static const char *T_(long long t)
{
    return rt_fmt("t:%lld", t);
}

/* Two orders in a store of their own, written in time order: wx's
 * dispatch was made by a handheld whose last sync measured its clock 3
 * hours slow (_clk): notify is unverified (29 min, it would be breached),
 * on_site (called 08:00, arrived 08:40 on an honest clock) is breached as
 * ever. wy's create carries the same _clk: every clock it starts is
 * unverified, running or not. */
static void flagged_clocks(const char *dir)
{
    S = mt_open(dir, "B", 0xb1);
    Dev = 0xb1;
    order wx, wy;
    create(&wx, AT(0, 8, 1), AT(0, 8, 0), "8-1-801", "plumbing", "general",
           NULL);
    {
        mt_op op = {.kind = PROTO_KIND_WORKORDER,
                    .action = PROTO_ACTION_DISPATCH,
                    .with_seen = 1};
        memcpy(op.entity, wx.id, PROTO_ENTITY_LEN);
        mt_str(&op, "assignee", "zhang");
        mt_int(&op, "_clk", 3 * H);
        uint64_t seq;
        ASSERT_OK(mt_write(S, &op, AT(0, 8, 30), &seq));
        /* Received by a handheld with the same doubtful clock. */
        mt_op r = {.kind = PROTO_KIND_WORKORDER,
                   .action = PROTO_ACTION_RECEIVE,
                   .with_seen = 1};
        memcpy(r.entity, wx.id, PROTO_ENTITY_LEN);
        mt_str(&r, "receive_by", "zhang");
        mt_str(&r, PROTO_RECEIVE_OF_FIELD,
               rt_fmt("%016llx:%llu", (unsigned long long)Dev,
                      (unsigned long long)seq));
        mt_int(&r, "_clk", 3 * H);
        put(&r, AT(0, 8, 30));
    }
    step(&wx, PROTO_ACTION_ARRIVE, AT(0, 8, 40), NULL);
    {
        ASSERT_OK(proto_entity_new(wy.id, AT(0, 9, 1)));
        proto_entity_hex(wy.id, wy.hex);
        mt_op op = {.kind = PROTO_KIND_WORKORDER,
                    .action = PROTO_ACTION_CREATE};
        memcpy(op.entity, wy.id, PROTO_ENTITY_LEN);
        mt_str(&op, "place", "8-1-802");
        mt_str(&op, "category", "plumbing");
        mt_str(&op, "description", "fault");
        mt_str(&op, "priority", "normal");
        mt_str(&op, "severity", "general");
        mt_int(&op, "called_at", AT(0, 9, 0));
        mt_str(&op, "by", "butler-wang");
        mt_int(&op, "_clk", 3 * H);
        put(&op, AT(0, 9, 1));
    }
    rpt_params p = {.site = "S1",
                    .from = T0,
                    .to = T0 + D,
                    .now = AT(0, 20, 0),
                    .tz_min = 0};
    store_txn *txn;
    rpt_doc d;
    ASSERT_OK(store_read_begin(S, &txn));
    ASSERT_OK(rpt_workorders(txn, &p, &d));
    store_read_end(txn);
    const rpt_section *so = rpt_doc_section(&d, "orders");
    ASSERT_EQ(rpt_section_rows(so), 2);
    static const char *const want[2][7] = {
        {"met", "unverified", "breached", "running", "n/a", "notify", "offset"},
        {"unverified", "unverified", "unverified", "unverified", "n/a",
         "record notify on_site resolve", "offset"}};
    for (uint32_t r = 0; r < 2; r++) {
        ASSERT_STR_EQ(rpt_section_cell(so, r, 0)->s, r ? wy.hex : wx.hex);
        for (uint32_t c = 0; c < 5; c++)
            ASSERT_STR_EQ(rpt_section_cell(so, r, 9 + c)->s, want[r][c]);
        ASSERT_STR_EQ(rpt_section_cell(so, r, 17)->s, want[r][5]);
        ASSERT_STR_EQ(rpt_section_cell(so, r, 18)->s, want[r][6]);
    }
    /* wx's on_site is its one breach; unverified clocks are in neither
     * breaches nor at_risk nor the groups' counts. */
    const rpt_section *sb = rpt_doc_section(&d, "breaches");
    ASSERT_EQ(rpt_section_rows(sb), 1);
    ASSERT_STR_EQ(rpt_section_cell(sb, 0, 1)->s, "on_site");
    ASSERT_EQ(rpt_section_rows(rpt_doc_section(&d, "at_risk")), 0);
    const rpt_section *gp = rpt_doc_section(&d, "by_priority");
    ASSERT_EQ(rpt_section_rows(gp), 1);
    ASSERT_EQ(rpt_section_cell(gp, 0, 3)->i, 1); /* record_met: wx */
    ASSERT_EQ(rpt_section_cell(gp, 0, 6)->i, 0); /* notify_met */
    ASSERT_EQ(rpt_section_cell(gp, 0, 7)->i, 0); /* notify_breached */
    ASSERT_STR_EQ(d.summary[3].key, "breached");
    ASSERT_EQ(d.summary[3].value.i, 1);
    ASSERT_STR_EQ(d.summary[5].key, "unverified");
    ASSERT_EQ(d.summary[5].value.i, 2);
    rpt_doc_free(&d);
    store_close(S);
}

/* The clock of order row r, cycle k, named clock, in the cycle_clocks
 * section (NULL when absent). */
static const rpt_cell *cyc_cell(const rpt_doc *d, const char *hex, int64_t k,
                                const char *clock, uint32_t col)
{
    const rpt_section *s = rpt_doc_section(d, "cycle_clocks");
    for (uint32_t r = 0; r < rpt_section_rows(s); r++)
        if (strcmp(rpt_section_cell(s, r, 0)->s, hex) == 0 &&
            rpt_section_cell(s, r, 1)->i == k &&
            strcmp(rpt_section_cell(s, r, 2)->s, clock) == 0)
            return rpt_section_cell(s, r, col);
    return NULL;
}

/* Issue 15's wrong answers, in a store of their own: a dispatch nobody
 * received, a call time in the future (an op of an older handheld), an
 * appointment met and one missed, and the cycles nested in JSON. */
static void cycles_and_flags(const char *dir)
{
    S = mt_open(dir, "C", 0xc1);
    Dev = 0xc1;
    order wa, wb, wc, wd;
    /* wa: dispatched a minute after the record, never delivered. */
    create(&wa, AT(0, 8, 1), AT(0, 8, 0), "9-1-901", "plumbing", "general",
           NULL);
    {
        mt_op op = {.kind = PROTO_KIND_WORKORDER,
                    .action = PROTO_ACTION_DISPATCH,
                    .with_seen = 1};
        memcpy(op.entity, wa.id, PROTO_ENTITY_LEN);
        mt_str(&op, "assignee", "zhang");
        mt_str(&op, "dispatch_by", "desk");
        put(&op, AT(0, 8, 2));
    }
    /* wb: the call 10 minutes after its own record. */
    create(&wb, AT(0, 9, 0), AT(0, 9, 10), "9-1-902", "plumbing", "general",
           NULL);
    /* wc, wd: called at 10:00 for an appointment at 12:00 (on site by
     * 11:55): wc there at 11:54, wd at 11:56. */
    order *ap[2] = {&wc, &wd};
    for (int i = 0; i < 2; i++) {
        order *o = ap[i];
        ASSERT_OK(proto_entity_new(o->id, AT(0, 10, 1 + i)));
        proto_entity_hex(o->id, o->hex);
        mt_op op = {.kind = PROTO_KIND_WORKORDER,
                    .action = PROTO_ACTION_CREATE};
        memcpy(op.entity, o->id, PROTO_ENTITY_LEN);
        mt_str(&op, "place", i ? "9-1-904" : "9-1-903");
        mt_str(&op, "category", "plumbing");
        mt_str(&op, "description", "fault");
        mt_str(&op, "priority", "normal");
        mt_str(&op, "severity", "general");
        mt_int(&op, "called_at", AT(0, 10, 0));
        mt_int(&op, "appointment", AT(0, 12, 0));
        mt_str(&op, "by", "butler-wang");
        put(&op, AT(0, 10, 1 + i));
        step(o, PROTO_ACTION_DISPATCH, AT(0, 10, 3), NULL);
        step(o, PROTO_ACTION_ARRIVE, AT(0, 11, i ? 56 : 54), NULL);
    }
    rpt_params p = {.site = "S1",
                    .from = T0,
                    .to = T0 + D,
                    .now = AT(0, 20, 0),
                    .tz_min = 0,
                    .skew_limit_ms = D};
    store_txn *txn;
    rpt_doc d;
    ASSERT_OK(store_read_begin(S, &txn));
    ASSERT_OK(rpt_workorders(txn, &p, &d));
    store_read_end(txn);
    const rpt_section *so = rpt_doc_section(&d, "orders");
    ASSERT_EQ(rpt_section_rows(so), 4);
    /* wa: dispatched is not delivered: breached, never met. */
    ASSERT_STR_EQ(rpt_section_cell(so, 0, 10)->s, "breached");
    ASSERT_STR_EQ(cyc_cell(&d, wa.hex, 1, "notify", 9)->s,
                  "dispatched_not_delivered");
    ASSERT_EQ(cyc_cell(&d, wa.hex, 1, "notify", 5)->i, 719);
    /* wb: its call time is in doubt: the clocks it starts are
     * unverified, not met. */
    ASSERT_STR_EQ(rpt_section_cell(so, 1, 9)->s, "unverified");
    ASSERT_STR_EQ(rpt_section_cell(so, 1, 17)->s, "record on_site resolve");
    ASSERT_STR_EQ(rpt_section_cell(so, 1, 18)->s, "called_at_ahead");
    ASSERT_STR_EQ(cyc_cell(&d, wb.hex, 1, "record", 10)->s, "called_at_ahead");
    /* wc met its appointment, wd missed it by a minute: the limit runs
     * from the call to 5 minutes before the appointment. */
    ASSERT_STR_EQ(rpt_section_cell(so, 2, 11)->s, "met");
    ASSERT_STR_EQ(rpt_section_cell(so, 3, 11)->s, "breached");
    ASSERT_EQ(cyc_cell(&d, wd.hex, 1, "on_site", 4)->i, 115);
    ASSERT_EQ(cyc_cell(&d, wd.hex, 1, "on_site", 8)->i, AT(0, 11, 55));
    ASSERT_STR_EQ(d.summary[11].key, "undelivered");
    ASSERT_EQ(d.summary[11].value.i, 1);
    /* JSON: the cycles inside their order, the clocks inside their cycle,
     * neither a section of its own. */
    char *js = NULL;
    size_t jl = 0;
    FILE *f = open_memstream(&js, &jl);
    ASSERT_OK(rpt_emit(&d, RPT_FMT_JSON, f));
    fclose(f);
    ASSERT(strstr(js, rt_fmt("{\"id\":\"%s\",", wa.hex)) != NULL);
    ASSERT(strstr(js, "\"breaches\":1,\"cycles\":[{\"cycle\":1,") != NULL);
    ASSERT(strstr(js, "\"clocks\":[{\"clock\":\"record\",") != NULL);
    ASSERT(strstr(js, "\"stopped_by\":\"dispatched_not_delivered\"") != NULL);
    ASSERT(strstr(js, "\"cycle_clocks\"") == NULL);
    ASSERT(strstr(js, "\"cycles\":[{\"order\"") == NULL);
    free(js);
    rpt_doc_free(&d);
    store_close(S);
}

int main(void)
{
    char *dir = test_tmpdir("rpt-wo");
    S = mt_open(dir, "A", 0xa1);
    Dev = 0xa1;
    order w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12, w13, w14;

    /* Not listed: closed orders before the window. w11 is the previous
     * order of w1 (same place and category, 7 days before); w12 is 39
     * days before: too old to make w11 a repeat. */
    create(&w12, AT(-39, 10, 1), AT(-39, 10, 0), "1-1-101", "plumbing",
           "general", NULL);
    steps(&w12, AT(-39, 10, 2), AT(-39, 10, 10), AT(-39, 11, 0),
          AT(-39, 12, 0));
    step(&w12, PROTO_ACTION_CLOSE, AT(-39, 12, 5), NULL);
    create(&w11, AT(-8, 10, 1), AT(-8, 10, 0), "1-1-101", "plumbing", "general",
           NULL);
    steps(&w11, AT(-8, 10, 2), AT(-8, 10, 10), AT(-8, 11, 0), AT(-8, 12, 0));
    step(&w11, PROTO_ACTION_CLOSE, AT(-8, 12, 5), NULL);

    /* w7: a serious complaint filed Monday 00:30; 5 working days end the
     * next Monday 00:30 (7 calendar days): at 83% now, at risk. */
    create(&w7, AT(-5, 0, 31), AT(-5, 0, 30), "2-2-202", "complaint", "serious",
           NULL);
    steps(&w7, AT(-5, 0, 32), AT(-5, 1, 0), 0, 0);
    /* w14: completed yesterday 08:00, never called back: callback 36 h. */
    create(&w14, AT(-1, 7, 1), AT(-1, 7, 0), "4-1-401", "plumbing", "general",
           NULL);
    steps(&w14, AT(-1, 7, 2), AT(-1, 7, 15), AT(-1, 8, 0), 0);
    /* w9: the callback said unsatisfied yesterday 12:00 (reopened), then
     * dispatched again today 08:00: the clocks restart at 12:00. */
    create(&w9, AT(-1, 9, 1), AT(-1, 9, 0), "2-1-201", "electrical", "general",
           NULL);
    steps(&w9, AT(-1, 9, 2), AT(-1, 9, 10), AT(-1, 10, 0), 0);
    step(&w9, PROTO_ACTION_CALLBACK, AT(-1, 12, 0), "unsatisfied");
    step(&w9, PROTO_ACTION_DISPATCH, AT(0, 8, 0), NULL);
    /* w10: closed, then reopened at 09:00 and not dispatched since. */
    create(&w10, AT(0, 6, 1), AT(0, 6, 0), "3-1-301", "door_window", "general",
           NULL);
    steps(&w10, AT(0, 6, 2), AT(0, 6, 10), AT(0, 7, 0), AT(0, 7, 30));
    step(&w10, PROTO_ACTION_CLOSE, AT(0, 7, 40), NULL);
    step(&w10, PROTO_ACTION_REOPEN, AT(0, 9, 0), NULL);
    /* w1: every clock met, each by a minute where it has a short limit. */
    create(&w1, AT(0, 8, 2), AT(0, 8, 0), "1-1-101", "plumbing", "general",
           NULL);
    steps(&w1, AT(0, 8, 3), AT(0, 8, 14), AT(0, 9, 0), AT(0, 10, 0));
    step(&w1, PROTO_ACTION_CLOSE, AT(0, 10, 5), NULL);
    /* w2: record, notify and on_site breached by a minute. */
    create(&w2, AT(0, 8, 4), AT(0, 8, 0), "1-1-102", "plumbing", "general",
           NULL);
    steps(&w2, AT(0, 8, 7), AT(0, 8, 16), 0, 0);
    /* w6: a complaint on site at exactly 1 h (met), solved in 8 h 1 min. */
    create(&w6, AT(0, 9, 1), AT(0, 9, 0), "6-1-601", "complaint", "general",
           NULL);
    steps(&w6, AT(0, 9, 2), AT(0, 10, 0), AT(0, 17, 1), AT(0, 17, 30));
    /* w13: public lighting, complex: 48 h to resolve. */
    create(&w13, AT(0, 10, 1), AT(0, 10, 0), "north gate lamp",
           "public_lighting", "complex", NULL);
    steps(&w13, AT(0, 10, 2), AT(0, 10, 15), 0, 0);
    /* w8: cancelled before dispatch. */
    create(&w8, AT(0, 11, 1), AT(0, 11, 0), "7-1-701", "other", "general",
           NULL);
    step(&w8, PROTO_ACTION_CANCEL, AT(0, 11, 10), NULL);
    /* w3: urgent, on site in 29 min (met by a minute). */
    create(&w3, AT(0, 12, 1), AT(0, 12, 0), "elevator 3", "elevator", "general",
           "elevator_trapped");
    steps(&w3, AT(0, 12, 2), AT(0, 12, 29), AT(0, 13, 0), 0);
    /* w5: urgent, on site in 31 min (breached by a minute). */
    create(&w5, AT(0, 14, 1), AT(0, 14, 0), "5-2-502", "heating", "general",
           "heating_riser_leak");
    steps(&w5, AT(0, 14, 2), AT(0, 14, 31), AT(0, 15, 0), 0);
    /* w4: urgent, dispatched, 25 of its 30 minutes gone: at risk. */
    create(&w4, AT(0, 19, 36), AT(0, 19, 35), "5-1-501", "plumbing", "general",
           "pump_pipe_leak");
    steps(&w4, AT(0, 19, 37), 0, 0, 0);

    /* One store wrote every device's ops above, out of time order: its
     * HLC runs up to 8 hours past the walls of the later-written earlier
     * ops (stamp_ahead). The skew limit is raised past that so no clock
     * is flagged here; flagged_clocks() below has its own. */
    rpt_params p = {.site = "S1",
                    .from = T0,
                    .to = T0 + D,
                    .now = AT(0, 20, 0),
                    .tz_min = 0,
                    .skew_limit_ms = D};
    store_txn *txn;
    ASSERT_OK(store_read_begin(S, &txn));
    rpt_doc d;
    ASSERT_OK(rpt_workorders(txn, &p, &d));
    store_read_end(txn);

    static const char *const ocols[] = {
        "id",     "place",        "category",   "priority",   "severity",
        "status", "assignee",     "called_at",  "age_min",    "record",
        "notify", "on_site",      "resolve",    "callback",   "breached",
        "repeat", "reopen_count", "unverified", "clock_flag", "breaches",
        NULL};
#define ROW(o, place, cat, prio, sev, status, asg, called, age, c1, c2, c3,    \
            c4, c5, br, rep, reo)                                              \
    S_(o.hex), S_(place), S_(cat), S_(prio), S_(sev), S_(status),              \
        asg ? S_(asg) : "-", T_(called), I_(age), S_(c1), S_(c2), S_(c3),      \
        S_(c4), S_(c5), br ? S_(br) : "-", rep ? "b:1" : "b:0", I_(reo), "-",  \
        "-", I_(nbr(br))
    const char *const *nul = NULL;
    (void)nul;
    const char *orders[] = {
        ROW(w7, "2-2-202", "complaint", "normal", "serious", "arrived", "zhang",
            AT(-5, 0, 30), 8370, "met", "met", "met", "at_risk", "n/a", NULL, 0,
            0),
        ROW(w14, "4-1-401", "plumbing", "normal", "general", "completed",
            "zhang", AT(-1, 7, 0), 2220, "met", "met", "met", "met", "breached",
            "callback", 0, 0),
        ROW(w9, "2-1-201", "electrical", "normal", "general", "dispatched",
            "zhang", AT(-1, 9, 0), 2100, "met", "breached", "breached",
            "breached", "n/a", "notify on_site resolve", 1, 1),
        ROW(w10, "3-1-301", "door_window", "normal", "general", "reopened",
            "zhang", AT(0, 6, 0), 840, "met", "breached", "breached", "running",
            "n/a", "notify on_site", 1, 1),
        ROW(w1, "1-1-101", "plumbing", "normal", "general", "closed", "zhang",
            AT(0, 8, 0), 720, "met", "met", "met", "met", "met", NULL, 1, 0),
        ROW(w2, "1-1-102", "plumbing", "normal", "general", "arrived", "zhang",
            AT(0, 8, 0), 720, "breached", "breached", "breached", "running",
            "n/a", "record notify on_site", 0, 0),
        ROW(w6, "6-1-601", "complaint", "normal", "general", "called_back",
            "zhang", AT(0, 9, 0), 660, "met", "met", "met", "breached", "met",
            "resolve", 0, 0),
        ROW(w13, "north gate lamp", "public_lighting", "normal", "complex",
            "arrived", "zhang", AT(0, 10, 0), 600, "met", "met", "met",
            "running", "n/a", NULL, 0, 0),
        ROW(w8, "7-1-701", "other", "normal", "general", "cancelled", NULL,
            AT(0, 11, 0), 540, "met", "n/a", "n/a", "n/a", "n/a", NULL, 0, 0),
        ROW(w3, "elevator 3", "elevator", "urgent", "general", "completed",
            "zhang", AT(0, 12, 0), 480, "met", "met", "met", "met", "running",
            NULL, 0, 0),
        ROW(w5, "5-2-502", "heating", "urgent", "general", "completed", "zhang",
            AT(0, 14, 0), 360, "met", "met", "breached", "met", "running",
            "on_site", 0, 0),
        ROW(w4, "5-1-501", "plumbing", "urgent", "general", "dispatched",
            "zhang", AT(0, 19, 35), 25, "met", "met", "at_risk", "running",
            "n/a", NULL, 0, 0),
        NULL};
    static const char *const bcols[] = {"order",       "clock",    "limit_min",
                                        "elapsed_min", "over_min", "cycle",
                                        NULL};
#define BR(o, clock, lim, el, over, cyc)                                       \
    S_(o.hex), S_(clock), I_(lim), I_(el), I_(over), I_(cyc)
    const char *breaches[] = {BR(w14, "callback", 1440, 2160, 720, 1),
                              BR(w9, "notify", 2, 1200, 1198, 2),
                              BR(w9, "on_site", 15, 1920, 1905, 2),
                              BR(w9, "resolve", 1440, 1920, 480, 2),
                              BR(w10, "notify", 2, 660, 658, 2),
                              BR(w10, "on_site", 15, 660, 645, 2),
                              BR(w2, "record", 3, 4, 1, 1),
                              BR(w2, "notify", 2, 3, 1, 1),
                              BR(w2, "on_site", 15, 16, 1, 1),
                              BR(w6, "resolve", 480, 481, 1, 1),
                              BR(w5, "on_site", 30, 31, 1, 1),
                              NULL};
    static const char *const acols[] = {"order", "clock", "due", "minutes_left",
                                        NULL};
    const char *atrisk[] = {S_(w7.hex),       "s:resolve", T_(AT(2, 0, 30)),
                            "i:1710",         S_(w4.hex),  "s:on_site",
                            T_(AT(0, 20, 5)), "i:5",       NULL};
    static const char *const gp_cols[] = {"priority",
                                          "orders",
                                          "open",
                                          "record_met",
                                          "record_breached",
                                          "record_at_risk",
                                          "notify_met",
                                          "notify_breached",
                                          "notify_at_risk",
                                          "on_site_met",
                                          "on_site_breached",
                                          "on_site_at_risk",
                                          "resolve_met",
                                          "resolve_breached",
                                          "resolve_at_risk",
                                          "callback_met",
                                          "callback_breached",
                                          "callback_at_risk",
                                          NULL};
    static const char *const gc_cols[] = {"category",
                                          "orders",
                                          "open",
                                          "record_met",
                                          "record_breached",
                                          "record_at_risk",
                                          "notify_met",
                                          "notify_breached",
                                          "notify_at_risk",
                                          "on_site_met",
                                          "on_site_breached",
                                          "on_site_at_risk",
                                          "resolve_met",
                                          "resolve_breached",
                                          "resolve_at_risk",
                                          "callback_met",
                                          "callback_breached",
                                          "callback_at_risk",
                                          NULL};
    /* name, orders, open, then met/breached/at_risk of record, notify,
     * on_site, resolve, callback */
    const char *byprio[] = {
        "s:normal", "i:9", "i:7",      "i:8", "i:1", "i:0", "i:7", "i:3",
        "i:0",      "i:7", "i:3",      "i:0", "i:4", "i:2", "i:1", "i:4",
        "i:1",      "i:0", "s:urgent", "i:3", "i:3", "i:3", "i:0", "i:0",
        "i:3",      "i:0", "i:0",      "i:1", "i:1", "i:1", "i:2", "i:0",
        "i:0",      "i:0", "i:0",      "i:0", NULL};
    const char *bycat[] = {"s:complaint",
                           "i:2",
                           "i:2",
                           "i:2",
                           "i:0",
                           "i:0",
                           "i:2",
                           "i:0",
                           "i:0",
                           "i:2",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:1",
                           "i:1",
                           "i:1",
                           "i:0",
                           "i:0",
                           "s:door_window",
                           "i:1",
                           "i:1",
                           "i:1",
                           "i:0",
                           "i:0",
                           "i:1",
                           "i:1",
                           "i:0",
                           "i:1",
                           "i:1",
                           "i:0",
                           "i:1",
                           "i:0",
                           "i:0",
                           "i:1",
                           "i:0",
                           "i:0",
                           "s:electrical",
                           "i:1",
                           "i:1",
                           "i:1",
                           "i:0",
                           "i:0",
                           "i:1",
                           "i:1",
                           "i:0",
                           "i:1",
                           "i:1",
                           "i:0",
                           "i:1",
                           "i:1",
                           "i:0",
                           "i:1",
                           "i:0",
                           "i:0",
                           "s:elevator",
                           "i:1",
                           "i:1",
                           "i:1",
                           "i:0",
                           "i:0",
                           "i:1",
                           "i:0",
                           "i:0",
                           "i:1",
                           "i:0",
                           "i:0",
                           "i:1",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:0",
                           "s:heating",
                           "i:1",
                           "i:1",
                           "i:1",
                           "i:0",
                           "i:0",
                           "i:1",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:1",
                           "i:0",
                           "i:1",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:0",
                           "s:other",
                           "i:1",
                           "i:0",
                           "i:1",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:0",
                           "s:plumbing",
                           "i:4",
                           "i:3",
                           "i:3",
                           "i:1",
                           "i:0",
                           "i:3",
                           "i:1",
                           "i:0",
                           "i:2",
                           "i:1",
                           "i:1",
                           "i:2",
                           "i:0",
                           "i:0",
                           "i:1",
                           "i:1",
                           "i:0",
                           "s:public_lighting",
                           "i:1",
                           "i:1",
                           "i:1",
                           "i:0",
                           "i:0",
                           "i:1",
                           "i:0",
                           "i:0",
                           "i:1",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:0",
                           "i:0",
                           NULL};
    static const char *const rcols[] = {
        "order",        "place",        "category", "previous",
        "days_between", "reopen_count", NULL};
    const char *reps[] = {
        S_(w9.hex),  "s:2-1-201", "s:electrical",  "-",         "-",   "i:1",
        S_(w10.hex), "s:3-1-301", "s:door_window", "-",         "-",   "i:1",
        S_(w1.hex),  "s:1-1-101", "s:plumbing",    S_(w11.hex), "i:7", "i:0",
        NULL};
    const char *const summary[] = {"orders",
                                   "i:12",
                                   "open",
                                   "i:10",
                                   "urgent",
                                   "i:3",
                                   "breached",
                                   "i:6",
                                   "at_risk",
                                   "i:2",
                                   "unverified",
                                   "i:0",
                                   "repeats",
                                   "i:3",
                                   "completed_in_window",
                                   "i:4",
                                   "called_back",
                                   "i:2",
                                   "callback_coverage",
                                   "r:0.5",
                                   "breaches",
                                   "i:11",
                                   "undelivered",
                                   "i:0",
                                   NULL};
    const rt_section secs[] = {
        {"orders", ocols, orders},       {"breaches", bcols, breaches},
        {"at_risk", acols, atrisk},      {"by_priority", gp_cols, byprio},
        {"by_category", gc_cols, bycat}, {"repeats", rcols, reps}};
    rt_expect e = {summary, secs, 6};
    /* The cycles, nested in the orders in JSON, are checked on their own
     * (wo_cycles below): set aside, the rest is checked whole. */
    ASSERT_EQ(d.nsections, 8);
    d.nsections = 6;
    rt_verify(&d, &e);
    d.nsections = 8;
    if (getenv("RPT_SHOW"))
        rpt_emit(&d, RPT_FMT_TEXT, stdout);
    rpt_doc_free(&d);

    /* The same store a day later, window = that day: no order was created
     * in it, so only the open ones are listed; w4's on_site is breached,
     * w7's resolve too (due Monday 00:30, now Sunday 20:00: still at
     * risk). Nothing completed in the window: coverage is null. */
    p.from = T0 + D;
    p.to = T0 + 2 * D;
    p.now = AT(1, 20, 0);
    ASSERT_OK(store_read_begin(S, &txn));
    ASSERT_OK(rpt_workorders(txn, &p, &d));
    store_read_end(txn);
    const rpt_section *so = rpt_doc_section(&d, "orders");
    ASSERT_EQ(rpt_section_rows(so), 10);
    ASSERT_EQ(d.summary[0].value.i, 10); /* orders */
    ASSERT_STR_EQ(d.summary[9].key, "callback_coverage");
    ASSERT_EQ(d.summary[9].value.type, RPT_NULL);
    ASSERT_STR_EQ(d.summary[7].key, "completed_in_window");
    ASSERT_EQ(d.summary[7].value.i, 0);
    const rpt_section *sa = rpt_doc_section(&d, "at_risk");
    ASSERT_EQ(rpt_section_rows(sa), 1);
    ASSERT_STR_EQ(rpt_section_cell(sa, 0, 0)->s, w7.hex);
    ASSERT_EQ(rpt_section_cell(sa, 0, 3)->i, 270);
    rpt_doc_free(&d);

    store_close(S);
    test_rmtree(dir);
    free(dir);
    dir = test_tmpdir("rpt-wo-clk");
    flagged_clocks(dir);
    test_rmtree(dir);
    free(dir);
    dir = test_tmpdir("rpt-wo-cyc");
    cycles_and_flags(dir);
    test_rmtree(dir);
    free(dir);
    printf("test_report_workorders: ok\n");
    return 0;
}
