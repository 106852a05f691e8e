/* fields.h: reading a merged record's fields as C values, for the reports.
 * Internal to rnd_report. Pointers into a fold_state are valid while the
 * state is; the copies below are the caller's. */
#ifndef RND_REPORT_FIELDS_H
#define RND_REPORT_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "../storage/fold.h"

/* A malloc'd NUL-terminated copy of a str field; NULL when f is NULL, not
 * a string, or memory ran out. The caller frees it. */
char *rpt_str_dup(const proto_field *f);

/* The str field name of st copied into buf (cap bytes, NUL-terminated,
 * cut at cap - 1); NULL when absent or not a string. */
const char *rpt_field_cstr(const fold_state *st, const char *name, char *buf,
                           size_t cap);

/* The int field name of st, or dflt when absent or not an int. */
int64_t rpt_field_int(const fold_state *st, const char *name, int64_t dflt);

/* Whether the bool field name of st is true. */
int rpt_field_bool(const fold_state *st, const char *name);

/* The skew limit L when a report is given none (rpt_params.skew_limit_ms
 * 0): roundsd's skew_limit_min default. */
#define RPT_SKEW_LIMIT_DEFAULT_MS (5 * 60000LL)

/* Whether the op of event e was made with a flagged clock
 * (docs/DATA-MODEL.md, "Clocks"), with L = limit_ms (<= 0: the default):
 * "offset" when |_clk| > L, "stamp_ahead" when its HLC ms is more than L
 * past its wall_ms, "wall_ahead" when its wall_ms is more than L past its
 * HLC ms; NULL when none holds. A property of the op's bytes: every
 * replica flags the same ops, for good. */
const char *rpt_clock_flag(const fold_event *e, int64_t limit_ms);

/* The event whose time a record is counted by: its create, else its first
 * op; NULL when it has none. */
const fold_event *rpt_record_event(const fold_state *st);

#endif
