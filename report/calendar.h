/* calendar.h: working days from the office's holiday calendar (master
 * data kind holiday, docs/DATA-MODEL.md, "Holidays"), for every clock
 * counted in working days (a serious complaint: 5 working days).
 *
 * A day is a local calendar day of the report's offset, numbered as days
 * since 1970-01-01. Monday to Friday are working days unless the calendar
 * marks the day "holiday"; Saturday and Sunday are not, unless it marks
 * the day "workday" (a weekend day worked in exchange for a holiday,
 * China's 调休). A retired entry counts for nothing.
 *
 * Ownership: an rpt_calendar owns its arrays (rpt_calendar_free); the
 * functions below only read it, so one calendar may serve many threads.
 * A NULL or empty calendar is plain Monday to Friday.
 */
#ifndef RND_REPORT_CALENDAR_H
#define RND_REPORT_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#include "../storage/store.h"
#include "report.h"

typedef struct rpt_calendar {
    int64_t *day;     /* days since 1970-01-01, ascending, unique */
    uint8_t *workday; /* per day: 1 a worked weekend day, 0 a holiday */
    size_t n;
} rpt_calendar;

/* Reads the site's active holiday entries from txn (a read transaction)
 * into cal (initialised here; free it with rpt_calendar_free even on
 * error). Entries whose date is not YYYY-MM-DD are skipped. 0, RND_ENOMEM
 * or a store error. */
int rpt_calendar_load(store_txn *txn, rpt_calendar *cal);
void rpt_calendar_free(rpt_calendar *cal);

/* Adds one entry (tests, and the loader): date "YYYY-MM-DD", workday 1
 * for a worked weekend day. A date given twice keeps the last. 0,
 * RND_EINVAL for a bad date, RND_ENOMEM. */
int rpt_calendar_add(rpt_calendar *cal, const char *date, size_t len,
                     int workday);

/* Days are rpt_day_parse's and rpt_day_of's (report.h). */

/* 1 when day is a working day by cal (see the top of this file). */
int rpt_is_workday(const rpt_calendar *cal, int64_t day);

/* The same local time as start_ms on the days-th working day after
 * start_ms's own day (the day of the start does not count, whether
 * working or not): the deadline of a limit of that many working days. */
int64_t rpt_workdays_add(const rpt_calendar *cal, int64_t start_ms, int tz_min,
                         int days);

#endif
