/* test_report_schedule.c: the calendar of a route's rounds
 * (report/schedule.c, pat_round_next and pat_round_of): a night route's
 * active hours past midnight and its weekdays, and the one round per
 * week, month or quarter of the longer recurrences, in the report's
 * offset. */
#include <stdio.h>
#include <string.h>

#include "../../report/patrol_int.h"
#include "test.h"

#define MIN 60000LL
#define H (60 * MIN)
#define DAY (24 * H)
#define TZ 480 /* +08:00 */

/* Local midnight (+08:00) of a civil date. */
static int64_t midnight(int y, int m, int d)
{
    return rpt_days_from_civil(y, m, d) * DAY - TZ * MIN;
}

static pat_route route(int recur)
{
    pat_route r;
    memset(&r, 0, sizeof r);
    r.interval_ms = 2 * H;
    r.window_ms = 15 * MIN;
    r.act_from = -1;
    r.days = RPT_DAYS_ALL;
    r.recur = recur;
    return r;
}

static void test_night(void)
{
    /* 22:00 to 06:00, weekdays only: rounds start 22:00, 00:00, 02:00,
     * 04:00; Friday night's go on into Saturday, none start on Saturday
     * night. 2026-11-20 is a Friday. */
    pat_route r = route(PAT_DAILY);
    r.act_from = 22 * 60;
    r.act_to = 6 * 60;
    ASSERT_OK(rpt_days_parse("mon-fri", 7, &r.days));
    int64_t fri = midnight(2026, 11, 20), s, e;
    pat_round_next(&r, fri + 12 * H, TZ, &s, &e);
    ASSERT_EQ(s, fri + 22 * H);
    ASSERT_EQ(e, fri + 24 * H);
    pat_round_next(&r, fri + 28 * H + 1, TZ, &s, &e); /* Sat 04:00:00.001 */
    /* The next round after Saturday 04:00 is Monday 22:00. */
    ASSERT_EQ(s, midnight(2026, 11, 23) + 22 * H);
    ASSERT_EQ(e, midnight(2026, 11, 24));
    /* Daytime is not scheduled: no round holds 12:00 on a Monday. */
    ASSERT(!pat_round_of(&r, midnight(2026, 11, 23) + 12 * H, TZ, &s, &e));
    ASSERT(pat_round_of(&r, midnight(2026, 11, 24) + 1 * H, TZ, &s, &e));
    ASSERT_EQ(s, midnight(2026, 11, 24));
}

static void test_longer(void)
{
    int64_t s, e, t = midnight(2026, 11, 18) + 10 * H; /* a Wednesday */
    pat_route w = route(PAT_WEEKLY), m = route(PAT_MONTHLY),
              q = route(PAT_QUARTERLY);
    ASSERT(pat_round_of(&w, t, TZ, &s, &e));
    ASSERT_EQ(s, midnight(2026, 11, 16)); /* Monday */
    ASSERT_EQ(e, midnight(2026, 11, 23));
    ASSERT(pat_round_of(&m, t, TZ, &s, &e));
    ASSERT_EQ(s, midnight(2026, 11, 1));
    ASSERT_EQ(e, midnight(2026, 12, 1));
    ASSERT(pat_round_of(&q, t, TZ, &s, &e));
    ASSERT_EQ(s, midnight(2026, 10, 1));
    ASSERT_EQ(e, midnight(2027, 1, 1));
    /* The next one starts with the next period, across a year's end. */
    pat_round_next(&m, t, TZ, &s, &e);
    ASSERT_EQ(s, midnight(2026, 12, 1));
    ASSERT_EQ(e, midnight(2027, 1, 1));
    pat_round_next(&q, t, TZ, &s, &e);
    ASSERT_EQ(s, midnight(2027, 1, 1));
    ASSERT_EQ(e, midnight(2027, 4, 1));
    /* From the first instant of a period, that period is next. */
    pat_round_next(&m, midnight(2026, 12, 1), TZ, &s, &e);
    ASSERT_EQ(s, midnight(2026, 12, 1));
}

int main(void)
{
    test_night();
    test_longer();
    printf("test_report_schedule: ok\n");
    return 0;
}
