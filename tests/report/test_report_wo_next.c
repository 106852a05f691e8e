/* test_report_wo_next.c: an order's next clock and its row's state
 * (report/wo_clock.c, wo_next_clock), the one rule the office board's
 * orders and the office's work-order list both show: the running clock of
 * the current cycle due first, complaint clocks included; "bad" on a
 * clock of the current cycle breached or past due, "warn" on one at risk
 * or due within the hour. Orders made in memory, their clocks set by
 * hand. */
#include <stdio.h>
#include <string.h>

#include "../../report/wo_int.h"
#include "test.h"

#define MIN 60000LL
#define H (60 * MIN)
#define NOW (1795824000000LL)

static wo_cycle cyc[2];
static wo o;

/* An open order of ncyc cycles, every clock n/a. */
static void fresh(uint32_t ncyc)
{
    memset(cyc, 0, sizeof cyc);
    memset(&o, 0, sizeof o);
    o.open = 1;
    o.cyc = cyc;
    o.ncyc = ncyc;
}

/* Clock id of cycle c: started at start, limit long, as of NOW; stopped
 * at stop (0: running). */
static void set(int c, int id, int state, int64_t start, int64_t limit,
                int64_t stop)
{
    wo_clock *k = id < NCLOCKS ? &cyc[c].clk[id] : &cyc[c].xclk[id - NCLOCKS];
    k->state = state;
    k->start = start;
    k->limit_ms = limit;
    k->stop = stop;
    k->elapsed_ms = (stop ? stop : NOW) - start;
}

static void test_none(void)
{
    fresh(1);
    wo_next nx = wo_next_clock(&o, NOW);
    ASSERT_EQ(nx.clock, -1);
    ASSERT_EQ(nx.due, 0);
    ASSERT_EQ(nx.left_ms, 0);
    ASSERT_STR_EQ(nx.state, "ok");
    /* A closed order has no next clock, whatever its clocks say. */
    set(0, CL_RESOLVE, ST_RUNNING, NOW - H, 24 * H, 0);
    o.open = 0;
    nx = wo_next_clock(&o, NOW);
    ASSERT_EQ(nx.clock, -1);
    ASSERT_STR_EQ(nx.state, "ok");
}

static void test_due_first(void)
{
    /* resolve due in 23 h, a complaint's feedback in 3 h: feedback. */
    fresh(1);
    set(0, CL_RESOLVE, ST_RUNNING, NOW - H, 24 * H, 0);
    set(0, CL_FEEDBACK, ST_RUNNING, NOW - H, 4 * H, 0);
    set(0, CL_NOTIFY, ST_MET, NOW - H, 30 * MIN, NOW - 50 * MIN);
    wo_next nx = wo_next_clock(&o, NOW);
    ASSERT_EQ(nx.clock, CL_FEEDBACK);
    ASSERT_STR_EQ(wo_clock_name(nx.clock), "feedback");
    ASSERT_EQ(nx.due, NOW + 3 * H);
    ASSERT_EQ(nx.left_ms, 3 * H);
    ASSERT_STR_EQ(nx.state, "ok");
    /* Stopped clocks are never next, even one due sooner. */
    set(0, CL_ON_SITE, ST_MET, NOW - H, 15 * MIN, NOW - 50 * MIN);
    ASSERT_EQ(wo_next_clock(&o, NOW).clock, CL_FEEDBACK);
}

static void test_warn(void)
{
    /* Due within the hour. */
    fresh(1);
    set(0, CL_ON_SITE, ST_RUNNING, NOW - 5 * MIN, 50 * MIN, 0);
    wo_next nx = wo_next_clock(&o, NOW);
    ASSERT_EQ(nx.clock, CL_ON_SITE);
    ASSERT_EQ(nx.left_ms, 45 * MIN);
    ASSERT_STR_EQ(nx.state, "warn");
    /* At risk (80% of its limit gone) with more than an hour left. */
    fresh(1);
    set(0, CL_RESOLVE, ST_AT_RISK, NOW - 20 * H, 24 * H, 0);
    nx = wo_next_clock(&o, NOW);
    ASSERT_EQ(nx.clock, CL_RESOLVE);
    ASSERT_EQ(nx.left_ms, 4 * H);
    ASSERT_STR_EQ(nx.state, "warn");
}

static void test_bad(void)
{
    /* Running past its due: next, left negative, bad. */
    fresh(1);
    set(0, CL_NOTIFY, ST_BREACHED, NOW - H, 30 * MIN, 0);
    set(0, CL_RESOLVE, ST_RUNNING, NOW - H, 24 * H, 0);
    wo_next nx = wo_next_clock(&o, NOW);
    ASSERT_EQ(nx.clock, CL_NOTIFY);
    ASSERT_EQ(nx.left_ms, -30 * MIN);
    ASSERT_STR_EQ(nx.state, "bad");
    /* A clock of the current cycle that stopped breached: bad, though
     * the next one has long to go. */
    fresh(1);
    set(0, CL_ON_SITE, ST_BREACHED, NOW - 2 * H, 15 * MIN, NOW - H);
    set(0, CL_RESOLVE, ST_RUNNING, NOW - 2 * H, 24 * H, 0);
    nx = wo_next_clock(&o, NOW);
    ASSERT_EQ(nx.clock, CL_RESOLVE);
    ASSERT_STR_EQ(nx.state, "bad");
    /* Breached in an earlier cycle only: the current one decides. */
    fresh(2);
    set(0, CL_ON_SITE, ST_BREACHED, NOW - 30 * H, 15 * MIN, NOW - 29 * H);
    set(1, CL_RESOLVE, ST_RUNNING, NOW - 2 * H, 24 * H, 0);
    nx = wo_next_clock(&o, NOW);
    ASSERT_EQ(nx.clock, CL_RESOLVE);
    ASSERT_STR_EQ(nx.state, "ok");
}

int main(void)
{
    test_none();
    test_due_first();
    test_warn();
    test_bad();
    printf("test_report_wo_next: ok\n");
    return 0;
}
