/* test_report_calendar.c: working days from the holiday calendar
 * (report/calendar.c): weekends, holidays, worked weekend days, the
 * day of the start, offsets, and a bad date. */
#include <string.h>

#include "../../report/calendar.h"
#include "test.h"

#define MIN 60000LL
#define H (60 * MIN)
#define DAY (24 * H)
/* 2026-11-18T10:00+08:00, a Wednesday. */
#define WED (1794967200000LL)

static void test_days(void)
{
    int64_t d;
    ASSERT_OK(rpt_day_parse("1970-01-01", 10, &d));
    ASSERT_EQ(d, 0);
    ASSERT_OK(rpt_day_parse("2026-11-18", 10, &d));
    ASSERT_EQ(d, rpt_day_of(WED, 480));
    ASSERT_ERR(rpt_day_parse("2026-02-29", 10, &d), RND_EINVAL);
    ASSERT_OK(rpt_day_parse("2028-02-29", 10, &d));
    ASSERT_ERR(rpt_day_parse("2026-11-31", 10, &d), RND_EINVAL);
    ASSERT_ERR(rpt_day_parse("2026-1-18", 9, &d), RND_EINVAL);
    ASSERT_ERR(rpt_day_parse("2026-11-18x", 11, &d), RND_EINVAL);
    /* 02:00 +08:00 on the 18th is still the 17th in UTC. */
    ASSERT_EQ(rpt_day_of(WED - 8 * H, 480), rpt_day_of(WED, 480));
    ASSERT_EQ(rpt_day_of(WED - 8 * H, 0), rpt_day_of(WED, 480) - 1);
}

static void test_workdays(void)
{
    rpt_calendar cal;
    memset(&cal, 0, sizeof cal);
    int64_t wed = rpt_day_of(WED, 480);
    /* No calendar: Monday to Friday; Wed + 5 = next Wed. */
    ASSERT(rpt_is_workday(NULL, wed));
    ASSERT(!rpt_is_workday(NULL, wed + 3)); /* Saturday */
    ASSERT(!rpt_is_workday(NULL, wed + 4)); /* Sunday */
    ASSERT_EQ(rpt_workdays_add(NULL, WED, 480, 5), WED + 7 * DAY);
    /* Thursday and Friday holidays: the following Thursday... */
    ASSERT_OK(rpt_calendar_add(&cal, "2026-11-20", 10, 0));
    ASSERT_OK(rpt_calendar_add(&cal, "2026-11-19", 10, 0));
    ASSERT(!rpt_is_workday(&cal, wed + 1));
    ASSERT_EQ(rpt_workdays_add(&cal, WED, 480, 5), WED + 9 * DAY);
    /* ...one day earlier with Saturday worked (调休). */
    ASSERT_OK(rpt_calendar_add(&cal, "2026-11-21", 10, 1));
    ASSERT(rpt_is_workday(&cal, wed + 3));
    ASSERT_EQ(rpt_workdays_add(&cal, WED, 480, 5), WED + 8 * DAY);
    /* An entry given again keeps the last word. */
    ASSERT_OK(rpt_calendar_add(&cal, "2026-11-21", 10, 0));
    ASSERT_EQ(rpt_workdays_add(&cal, WED, 480, 5), WED + 9 * DAY);
    ASSERT_EQ(cal.n, 3);
    ASSERT_ERR(rpt_calendar_add(&cal, "2026-13-01", 10, 0), RND_EINVAL);
    /* A start on a holiday: its own day never counts. */
    ASSERT_EQ(rpt_workdays_add(&cal, WED + DAY, 480, 1), WED + 5 * DAY);
    rpt_calendar_free(&cal);
    ASSERT_EQ(cal.n, 0);
}

int main(void)
{
    test_days();
    test_workdays();
    printf("test_report_calendar: ok\n");
    return 0;
}
