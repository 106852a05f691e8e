/* calendar.c: the holiday calendar and working days (calendar.h): reading
 * the office's holiday entries from a store, and counting working days
 * over weekends, holidays and worked weekend days.
 */
#include <stdlib.h>
#include <string.h>

#include "../proto/errors.h"
#include "../proto/proto.h"
#include "calendar.h"
#include "fields.h"

#define DAY_MS 86400000LL
#define MIN_MS 60000LL

/* Index of day in cal, or -1. */
static long find(const rpt_calendar *cal, int64_t day)
{
    size_t lo = 0, hi = cal ? cal->n : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->day[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return cal && lo < cal->n && cal->day[lo] == day ? (long)lo : -1;
}

int rpt_calendar_add(rpt_calendar *cal, const char *date, size_t len,
                     int workday)
{
    int64_t day;
    if (rpt_day_parse(date, len, &day) != 0)
        return RND_EINVAL;
    long at = find(cal, day);
    if (at >= 0) {
        cal->workday[at] = (uint8_t)(workday != 0);
        return 0;
    }
    int64_t *d = realloc(cal->day, (cal->n + 1) * sizeof *d);
    if (d == NULL)
        return RND_ENOMEM;
    cal->day = d;
    uint8_t *w = realloc(cal->workday, cal->n + 1);
    if (w == NULL)
        return RND_ENOMEM;
    cal->workday = w;
    size_t i = cal->n;
    while (i > 0 && cal->day[i - 1] > day) {
        cal->day[i] = cal->day[i - 1];
        cal->workday[i] = cal->workday[i - 1];
        i--;
    }
    cal->day[i] = day;
    cal->workday[i] = (uint8_t)(workday != 0);
    cal->n++;
    return 0;
}

static int holiday_cb(const fold_state *st, void *ctx)
{
    const proto_field *date = fold_state_field(st, "date");
    const proto_field *type = fold_state_field(st, "type");
    if (date == NULL || date->type != PROTO_STR)
        return 0;
    int workday = type && type->type == PROTO_STR && type->str_len == 7 &&
                  memcmp(type->str, "workday", 7) == 0;
    int rc = rpt_calendar_add(ctx, date->str, date->str_len, workday);
    return rc == RND_EINVAL ? 0 : rc;
}

int rpt_calendar_load(store_txn *txn, rpt_calendar *cal)
{
    memset(cal, 0, sizeof *cal);
    /* Active entries only: the fold marks master data open while active. */
    return store_states_each(txn, PROTO_KIND_HOLIDAY, 1, 0, holiday_cb, cal);
}

void rpt_calendar_free(rpt_calendar *cal)
{
    if (cal == NULL)
        return;
    free(cal->day);
    free(cal->workday);
    memset(cal, 0, sizeof *cal);
}

int rpt_is_workday(const rpt_calendar *cal, int64_t day)
{
    long at = find(cal, day);
    if (at >= 0)
        return cal->workday[at];
    int wd = (int)(((day % 7) + 7 + 3) % 7); /* 0 = Monday: 1970-01-01 a Thu */
    return wd < 5;
}

int64_t rpt_workdays_add(const rpt_calendar *cal, int64_t start_ms, int tz_min,
                         int days)
{
    int64_t day = rpt_day_of(start_ms, tz_min), d = 0;
    int counted = 0;
    /* A calendar with years of holidays on end still ends: each 7 plain
     * days hold 5 working ones, and the calendar is finite. */
    while (counted < days) {
        d++;
        if (rpt_is_workday(cal, day + d))
            counted++;
    }
    return start_ms + d * DAY_MS;
}
