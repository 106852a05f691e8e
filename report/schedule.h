/* schedule.h: the text forms of the patrol schedule and roster fields
 * (docs/DATA-MODEL.md, "route" and "roster"): times of day "HH:MM",
 * weekday sets ("mon-fri,sun", "daily"), minute lists ("0,10,20") and
 * roster days ("2026-03-10", "mon", "daily"). One parser for the office,
 * which validates and stores the canonical form (server/admin.c), and the
 * reports, which read it back (report/schedule.c). Pure functions: no
 * allocation, no state; errors are -1 (or a negative item position).
 */
#ifndef RND_REPORT_SCHEDULE_H
#define RND_REPORT_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

/* Every weekday: bit 0 Monday .. bit 6 Sunday. */
#define RPT_DAYS_ALL 0x7f

/* "HH:MM", 00:00..23:59 (n bytes of s) into minutes after midnight. */
int rpt_hhmm_parse(const char *s, size_t n, int *min);

/* A weekday set: "daily", or comma-separated "mon".."sun" and ranges
 * "mon-fri" (case ignored; a range may wrap: "fri-mon") into a mask of
 * RPT_DAYS_ALL bits (never 0). */
int rpt_days_parse(const char *s, size_t n, unsigned *mask);

/* The canonical text of a weekday mask: "daily" for every day, else the
 * days in week order, "mon,wed,fri". cap >= 28. */
void rpt_days_text(unsigned mask, char *out, size_t cap);

/* Comma-separated whole minutes, each 0..hi, at most cap of them, into
 * out (*count set). -k when item k (1-based) is malformed or out of range,
 * -(cap + 1) when there are more than cap. */
int rpt_minutes_parse(const char *s, size_t n, int64_t hi, int64_t *out,
                      uint32_t cap, uint32_t *count);

/* A roster day: a date "YYYY-MM-DD" (type RPT_DAY_DATE, *val days since
 * 1970-01-01), a weekday "mon".."sun" (RPT_DAY_WEEKDAY, *val 0 = Monday),
 * or "daily" (RPT_DAY_DAILY). */
enum { RPT_DAY_DATE = 1, RPT_DAY_WEEKDAY, RPT_DAY_DAILY };
int rpt_roster_day_parse(const char *s, size_t n, int *type, int64_t *val);

/* The weekday (0 = Monday) of a day since 1970-01-01 (report.h has the
 * civil-date conversions). */
int rpt_weekday(int64_t days);

#endif
