/* fuzz_schedule.c: libFuzzer target for the schedule and roster text forms
 * (report/schedule.h) on untrusted bytes: the merged fields of routes and
 * roster entries a store holds, whoever wrote them.
 *
 * Promises checked on every input (a broken one aborts):
 *  - rpt_hhmm_parse gives minutes 0..1439, and accepts exactly its own
 *    canonical "HH:MM" printing of them;
 *  - rpt_days_parse gives a non-empty mask of the 7 days, and its text
 *    (rpt_days_text) parses back to the same mask;
 *  - rpt_minutes_parse never writes past cap, every value is <= hi;
 *  - rpt_roster_day_parse gives a weekday 0..6 or a date that
 *    rpt_civil_from_days turns into a valid month and day.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../report/report.h"
#include "../../report/schedule.h"

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_schedule: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    int min;
    if (rpt_hhmm_parse(s, size, &min) == 0) {
        char buf[32];
        if (min < 0 || min > 1439)
            fail("hhmm range");
        snprintf(buf, sizeof buf, "%02d:%02d", min / 60, min % 60);
        if (size != 5 || memcmp(buf, s, 5) != 0)
            fail("hhmm not canonical");
    }
    unsigned mask;
    if (rpt_days_parse(s, size, &mask) == 0) {
        char buf[32];
        unsigned back;
        if (mask == 0 || (mask & ~(unsigned)RPT_DAYS_ALL))
            fail("days mask");
        rpt_days_text(mask, buf, sizeof buf);
        if (rpt_days_parse(buf, strlen(buf), &back) != 0 || back != mask)
            fail("days round trip");
    }
    int64_t v[9];
    uint32_t n = 0;
    v[8] = 0x5a5a;
    if (rpt_minutes_parse(s, size, 1440, v, 8, &n) == 0) {
        if (n == 0 || n > 8)
            fail("minutes count");
        for (uint32_t i = 0; i < n; i++)
            if (v[i] < 0 || v[i] > 1440)
                fail("minutes range");
    }
    if (v[8] != 0x5a5a)
        fail("minutes past cap");
    int type;
    int64_t day;
    if (rpt_roster_day_parse(s, size, &type, &day) == 0) {
        if (type == RPT_DAY_WEEKDAY && (day < 0 || day > 6))
            fail("weekday");
        if (type == RPT_DAY_DATE) {
            int y, m, d;
            rpt_civil_from_days(day, &y, &m, &d);
            if (m < 1 || m > 12 || d < 1 || d > 31 ||
                rpt_days_from_civil(y, m, d) != day)
                fail("date");
        }
    }
    return 0;
}
