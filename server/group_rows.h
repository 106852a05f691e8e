/* group_rows.h: the group reports' facts (docs/POSTGRES.md, "Group
 * reports") as bytes: one site's report document (report/report.h) as
 * the JSON of its summary (report_runs.summary) and as COPY text lines of
 * table report_rows, one line per row of every section. No libpq, no
 * store, no threads: a document in, bytes out, so a unit test drives it.
 *
 * A row is the JSON object --json prints for it (column -> value): text
 * a JSON string (ill-formed UTF-8 and U+0000 become U+FFFD: jsonb takes
 * neither), whole numbers and counts numbers, ratios numbers (4
 * decimals, as --json), booleans, no value null, times ISO 8601 strings
 * with the report's offset ("2026-11-28T08:20:00+08:00": ::timestamptz
 * reads them). A nested section (rpt_section_nest: a work order's cycles
 * and their clocks) is stored flat, as its own rows with its key columns
 * ("order", "cycle"), as text and CSV print it.
 */
#ifndef RND_SRV_GROUP_ROWS_H
#define RND_SRV_GROUP_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "../report/report.h"
#include "ship_rows.h"

/* The columns grp_rows_copy() writes, in their order. */
#define GRP_ROWS_COLUMNS "site, report, period, section, row_no, row"

/* The JSON value of one cell into b (plain JSON, not COPY-escaped); times
 * at offset tz_min. 0, RND_ENOSPACE or RND_ENOMEM. */
int grp_json_cell(ship_buf *b, const rpt_cell *c, int tz_min);

/* d's summary as one JSON object {key: value} into b (plain JSON). On an
 * error b is cut back to where it was. */
int grp_summary_json(ship_buf *b, const rpt_doc *d);

/* Every row of every section of d (nested ones included) as lines of COPY
 * ... FROM STDIN (text format) for report_rows, columns GRP_ROWS_COLUMNS:
 * site, d->report, period, the section's name, the row's number in its
 * section (0, 1, ...) and the row's JSON, escaped for COPY. *nrows (may
 * be NULL) gets the lines written. On an error b is cut back. */
int grp_rows_copy(ship_buf *b, const rpt_doc *d, const char *site,
                  const char *period, uint64_t *nrows);

/* A period's name for the local day or month of ms at offset tz_min:
 * "YYYY-MM-DD" (month 0) or "YYYY-MM" (month 1). out: cap >= 11. */
void grp_period_name(int64_t ms, int tz_min, int month, char *out, size_t cap);

/* The period before name ("2026-11" -> "2026-10", "2026-11-01" ->
 * "2026-10-31") into out (cap >= 11). RND_EINVAL for a bad name. */
int grp_period_prev(const char *name, char *out, size_t cap);

/* Whether name is a period: "YYYY-MM" (1: a month) or "YYYY-MM-DD" (0: a
 * day) of a real date; RND_EINVAL otherwise. */
int grp_period_kind(const char *name);

#endif
