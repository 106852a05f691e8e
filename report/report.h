/* report.h: the office's reports at shift change, computed from a store's
 * merged records (the server's site store, or a handheld's own store for
 * the shift-scoped versions), and printed as text, CSV or JSON.
 *
 * A report is built in two steps that never touch a socket:
 *   1. a report function (rpt_patrol, rpt_inside, ...) reads a store in one
 *      read transaction and fills an rpt_doc: a few summary figures and
 *      sections, each a table of typed cells;
 *   2. rpt_emit() prints the doc in one of three formats.
 * The same doc gives all three formats, so they can never disagree.
 *
 * Times are ms since the epoch (UTC). A report has one display offset
 * (rpt_params.tz_min, minutes east of UTC: estates keep one local time);
 * windows given as dates are local days of that offset.
 *
 * Ownership: an rpt_doc owns copies of every string given to it
 * (rpt_row, rpt_summary_*); rpt_doc_free() releases them. Report functions
 * only read the store.
 */
#ifndef RND_REPORT_H
#define RND_REPORT_H

#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "../storage/store.h"

/* ---- the document ---------------------------------------------------- */

typedef enum rpt_type {
    RPT_NULL = 0, /* no value: "-" in text, empty in CSV, null in JSON */
    RPT_STR,
    RPT_INT,
    RPT_TIME, /* ms since the epoch; 0 or less prints as no value */
    RPT_BOOL,
    RPT_REAL /* printed with 2 decimals in text and CSV */
} rpt_type;

typedef struct rpt_cell {
    rpt_type type;
    const char *s; /* RPT_STR: NUL-terminated; copied by rpt_row */
    int64_t i;     /* RPT_INT, RPT_TIME, RPT_BOOL */
    double d;      /* RPT_REAL */
} rpt_cell;

/* Cell builders, for rows written as arrays of cells. */
static inline rpt_cell rpt_s(const char *s)
{
    rpt_cell c = {s ? RPT_STR : RPT_NULL, s, 0, 0};
    return c;
}
/* A string that lives as long as the program (a literal, a static
 * table's entry): the doc keeps the pointer instead of a copy, which
 * saves an allocation per cell in long sections. i marks it. */
#define RPT_STR_STATIC 1
static inline rpt_cell rpt_k(const char *s)
{
    rpt_cell c = {s ? RPT_STR : RPT_NULL, s, s ? RPT_STR_STATIC : 0, 0};
    return c;
}
static inline rpt_cell rpt_i(int64_t i)
{
    rpt_cell c = {RPT_INT, NULL, i, 0};
    return c;
}
static inline rpt_cell rpt_t(int64_t ms)
{
    rpt_cell c = {ms > 0 ? RPT_TIME : RPT_NULL, NULL, ms, 0};
    return c;
}
static inline rpt_cell rpt_b(int b)
{
    rpt_cell c = {RPT_BOOL, NULL, b != 0, 0};
    return c;
}
static inline rpt_cell rpt_r(double d)
{
    rpt_cell c = {RPT_REAL, NULL, 0, d};
    return c;
}
static inline rpt_cell rpt_null(void)
{
    rpt_cell c = {RPT_NULL, NULL, 0, 0};
    return c;
}

#define RPT_MAX_COLS 24
#define RPT_MAX_SECTIONS 12
#define RPT_MAX_SUMMARY 48

typedef struct rpt_section rpt_section; /* opaque; owned by its doc */

typedef struct rpt_doc {
    char report[32];  /* "patrol", "inside", ... */
    char title[96];   /* "Patrol report" */
    char site[72];    /* the site, or "" */
    int64_t from, to; /* the window [from, to) */
    int64_t now;      /* "as of": clocks and overdue checks use it */
    int tz_min;       /* display offset, minutes east of UTC */
    uint32_t nsummary;
    struct {
        char key[40];
        rpt_cell value; /* strings point into the doc's own copies */
    } summary[RPT_MAX_SUMMARY];
    uint32_t nsections;
    rpt_section *sections[RPT_MAX_SECTIONS];
} rpt_doc;

/* Starts an empty doc. report is the report's name (JSON "report"), title
 * its human heading. */
void rpt_doc_init(rpt_doc *d, const char *report, const char *title,
                  const char *site, int64_t from, int64_t to, int64_t now,
                  int tz_min);
void rpt_doc_free(rpt_doc *d);

/* A summary figure, printed before the sections in the order added. key
 * is an identifier (JSON key). RND_ETOOBIG past RPT_MAX_SUMMARY. Setting
 * a key already present replaces its value. */
int rpt_summary(rpt_doc *d, const char *key, rpt_cell value);

/* A new section: name is an identifier (JSON key, CSV first column), title
 * a human heading, cols[ncols] the column names (identifiers, copied). The
 * section belongs to d. Returns NULL (and sets *err if err) past
 * RPT_MAX_SECTIONS or RPT_MAX_COLS, or out of memory. */
rpt_section *rpt_section_add(rpt_doc *d, const char *name, const char *title,
                             const char *const *cols, uint32_t ncols);

/* Appends a row of the section's ncols cells (strings copied). Returns 0,
 * RND_ENOMEM. */
int rpt_row(rpt_section *s, const rpt_cell *cells);

/* Nests child in parent for JSON (a work order's cycles, a cycle's
 * clocks): each row of parent gets the key name, an array of the child's
 * rows whose first nkeys cells equal its own first nkeys cells, written
 * without those cells; child's rows must come in the order of their
 * parent rows. child is then no key of "sections"; text and CSV print it
 * as a section of its own. A nested section may hold nested sections.
 * RND_EINVAL when nkeys is 0, not less than child's columns or more than
 * parent's, or when parent is child or nested in it. */
int rpt_section_nest(rpt_section *child, const rpt_section *parent,
                     const char *name, uint32_t nkeys);
/* Rows so far, and a cell of them (for tests and for callers that sort or
 * aggregate after building). */
uint32_t rpt_section_rows(const rpt_section *s);
const rpt_cell *rpt_section_cell(const rpt_section *s, uint32_t row,
                                 uint32_t col);
const rpt_section *rpt_doc_section(const rpt_doc *d, const char *name);

/* A section's identifier, heading, columns, and whether it is nested in
 * another (rpt_section_nest), for callers that print a doc their own way
 * (the dashboard's tables). Strings live as long as the doc. */
const char *rpt_section_name(const rpt_section *s);
const char *rpt_section_title(const rpt_section *s);
uint32_t rpt_section_ncols(const rpt_section *s);
const char *rpt_section_col(const rpt_section *s, uint32_t col);
int rpt_section_nested(const rpt_section *s);

/* Sorts a section's rows by the given columns (ascending; NULL cells
 * first), stable. */
void rpt_section_sort(rpt_section *s, const uint32_t *cols, uint32_t ncols);

typedef enum rpt_format {
    RPT_FMT_TEXT = 0,
    RPT_FMT_CSV,
    RPT_FMT_JSON
} rpt_format;

/* "text", "csv", "json" -> *out; RND_EINVAL otherwise. */
int rpt_format_parse(const char *s, rpt_format *out);

/* Prints d to f.
 * - text: the title, site, window and "as of" in local time (the doc's
 *   offset), the summary as "key  value" lines, then each section: its
 *   title and an aligned table (header = column names), or "(none)".
 * - csv (RFC 4180, CRLF-free: "\n" line ends): every line starts with the
 *   section name; each section begins with its header line
 *   ("section,col1,col2,..."); the summary is section "summary" with
 *   columns key,value, first; the window is in the summary (from, to, now).
 *   Times are ISO 8601 with the doc's offset; booleans true/false; text
 *   cells with the formula guard and U+FFFD for bad bytes (render.h,
 *   rpt_csv_field). Spreadsheets want one table per file, with a BOM:
 *   rpt_emit_csv_table (render.h) writes that.
 * - json: one object {"report", "title", "site", "from", "to", "now",
 *   "tz", "summary": {key: value}, "sections": {name: [{col: value}]}},
 *   times as ISO 8601 strings with the offset, nulls as null; then "\n".
 * Returns 0, or RND_EIO when writing failed. */
int rpt_emit(const rpt_doc *d, rpt_format fmt, FILE *f);

/* s[0..n) as a JSON string, for every JSON the roundsd and rounds commands
 * print: quoted, control characters escaped, well-formed UTF-8 passed
 * through and every byte that starts no well-formed sequence written as
 * U+FFFD, so the output is valid JSON whatever the bytes. */
void rpt_json_str(FILE *f, const char *s, size_t n);

/* ---- time ------------------------------------------------------------ */

/* ms -> "YYYY-MM-DDTHH:MM:SS+HH:MM" (iso) or "YYYY-MM-DD HH:MM" (text), in
 * the offset tz_min. cap >= 32. */
void rpt_time_iso(int64_t ms, int tz_min, char *out, size_t cap);
void rpt_time_text(int64_t ms, int tz_min, char *out, size_t cap);

/* tz_min of rpt_time_parse: a time without a zone is in the process's
 * zone ($TZ, daylight saving included: rpt_tz_set). */
#define RPT_TZ_LOCAL INT_MIN

/* The one parser of times of both command lines. Parses digits (ms since
 * the epoch), or YYYY-MM-DD[THH:MM[:SS]] (a space also separates) with an
 * optional Z or +HH:MM/-HH:MM; without a zone, the time is in the offset
 * tz_min, or in the process's zone when tz_min is RPT_TZ_LOCAL. Refuses
 * impossible dates and times (2026-02-30, month 13, 24:00, 10:60) and
 * years before 1970: RND_EINVAL. */
int rpt_time_parse(const char *s, int tz_min, int64_t *out);

/* --tz: "Z", "UTC", "+08:00", "-05:30" or an IANA zone ("Asia/Shanghai",
 * a file of tzdata under $TZDIR or /usr/share/zoneinfo). Sets $TZ and
 * calls tzset(), so local times (rpt_tz_local, RPT_TZ_LOCAL, localtime_r)
 * follow it for the rest of the process. 0, or RND_EINVAL for a zone that
 * does not exist (glibc would silently take UTC). */
int rpt_tz_set(const char *spec);

/* Civil dates (Howard Hinnant's algorithms): days since 1970-01-01 of a
 * date, and back; floor division; the local day of ms at offset tz_min. */
int64_t rpt_days_from_civil(int64_t y, int m, int d);
void rpt_civil_from_days(int64_t z, int *y, int *m, int *d);
int64_t rpt_floor_div(int64_t a, int64_t b);
int64_t rpt_day_of(int64_t ms, int tz_min);

/* "YYYY-MM-DD" (len bytes) -> days since 1970-01-01; RND_EINVAL unless a
 * real day of 1970 or later. */
int rpt_day_parse(const char *s, size_t len, int64_t *day);

/* "+08:00", "-05:30", "Z" or "UTC" -> minutes east of UTC. */
int rpt_tz_parse(const char *s, int *tz_min);

/* The machine's local offset at ms (for the default --tz). */
int rpt_tz_local(int64_t ms);

/* Durations: "90m", "8h", "2d", "45" (minutes) -> ms. RND_EINVAL else. */
int rpt_duration_parse(const char *s, int64_t *out);

/* A report window from the command line's choices, exactly one of:
 * from/to (either may be NULL: from defaults to to - 12 h, to to now),
 * day ("YYYY-MM-DD": that local day), month ("YYYY-MM": that local
 * month), hours ("N": the N hours up to now). All NULL: the last 12 hours
 * (a shift). On error writes a message naming the bad flag into err and
 * returns RND_EINVAL. */
typedef struct rpt_window_args {
    const char *from, *to, *day, *month, *hours;
} rpt_window_args;
int rpt_window(const rpt_window_args *a, int tz_min, int64_t now, int64_t *from,
               int64_t *to, char *err, size_t errcap);

/* ---- the reports ----------------------------------------------------- */

typedef struct rpt_params {
    const char *site;
    int64_t from, to, now;
    int tz_min;
    /* Optional filters: NULL = all. */
    const char *route; /* patrol: one route (its key) */
    const char *guard; /* patrol: one guard (by) */
    /* inside: a visitor or vehicle inside longer than this overstays
     * (default RPT_OVERSTAY_DEFAULT_MS). */
    int64_t overstay_ms;
    /* vacant: a vacant unit not inspected for this many days is overdue
     * (default RPT_VACANT_DEFAULT_DAYS). */
    int vacant_days;
    /* The handheld's shift report: only records this device created
     * (0 = every device). */
    uint64_t device_id;
    /* devices: a clock off by more than this is flagged (0: the
     * default, SRV_SKEW_LIMIT_MIN_DEFAULT minutes). */
    int64_t skew_limit_ms;
    /* devices: skip the end-to-end chain check (chain_verified null;
     * ops_held is the device's highest seq): the office board, which must
     * answer fast; `report devices` and `report integrity` check. */
    int no_chain;
    /* workorders: only the open orders (none of the window's closed ones,
     * and repeats looked for among the open ones only): the office board. */
    int open_only;
    /* patrol: only the rounds and missed checkpoints (the office board): no
     * rows of anomalies, unknown tags or guards, and no scans read when the
     * site has no route. A night of 100,000 scans of tags on no route made
     * a board of 5 s, nearly all of it rows the board does not show. */
    int rounds_only;
} rpt_params;

#define RPT_OVERSTAY_DEFAULT_MS (4 * 3600 * 1000LL)
#define RPT_VACANT_DEFAULT_DAYS 30

/* Each reads the store in txn (a read transaction) and fills d (which it
 * initialises; the caller frees it even on error). Return 0 or an RND_E*
 * code. docs/REPORTS.md defines every figure. */
int rpt_patrol(store_txn *txn, const rpt_params *p, rpt_doc *d);
int rpt_inside(store_txn *txn, const rpt_params *p, rpt_doc *d);
/* Proof of presence per guard: verified, manual and unknown-tag scans. */
int rpt_tags(store_txn *txn, const rpt_params *p, rpt_doc *d);
int rpt_workorders(store_txn *txn, const rpt_params *p, rpt_doc *d);
/* The office board's work orders: adds to d (initialised by the caller)
 * the section "workorders": every open order with the next clock of its
 * current cycle, computed as rpt_workorders computes them but without
 * its cycles, groups and repeats: id, place, category, priority, status,
 * assignee, called_at, next_clock, due, left_ms and state (the rule of
 * wo_next_clock, report/wo_clock.c: the running clock of the current
 * cycle due first, complaint clocks included; left_ms = due - p->now,
 * negative once breached; "bad": a clock of the current cycle breached
 * or left_ms < 0; "warn": one at risk or due within RPT_WO_WARN_MS;
 * "ok"), breached (the clocks breached in any cycle). Sorted by due,
 * orders without a running clock last. */
#define RPT_WO_WARN_MS (3600 * 1000LL)
int rpt_workorders_open(store_txn *txn, const rpt_params *p, rpt_doc *d);
/* The complaint register: intake, clocks, escalation, reply deadlines. */
int rpt_complaints(store_txn *txn, const rpt_params *p, rpt_doc *d);
/* Callback coverage, methods and the door-to-door share. */
int rpt_callbacks(store_txn *txn, const rpt_params *p, rpt_doc *d);
int rpt_vacant(store_txn *txn, const rpt_params *p, rpt_doc *d);
int rpt_handover(store_txn *txn, const rpt_params *p, rpt_doc *d);
/* The duty log: entries made in the window (p->guard: one person's). */
int rpt_dutylog(store_txn *txn, const rpt_params *p, rpt_doc *d);
/* Month end: per person and per category, from the patrol and work-order
 * reports of the window (report/month.c). */
int rpt_month(store_txn *txn, const rpt_params *p, rpt_doc *d);
/* Every device's op chain, end to end: gaps and altered ops. */
int rpt_integrity(store_txn *txn, const rpt_params *p, rpt_doc *d);
/* The registers: incidents, owners' keys, lost and found, exit slips made
 * in the window or still open (report/registers.c). */
int rpt_registers(store_txn *txn, const rpt_params *p, rpt_doc *d);
/* Recurring tasks: each active task plan's period, last done, due date
 * and overdue flag as of p->now; tasks done in the window
 * (report/tasks.c). */
int rpt_tasks(store_txn *txn, const rpt_params *p, rpt_doc *d);
/* The handheld's own shift: its scans, its route's missed checkpoints so
 * far, visitors it let in who are still inside (p->device_id; 0 = the
 * store's own identity). p->from <= 0 asks for the default window start:
 * the later of p->now - 12 h and this device's latest handover; p->to <= 0
 * means p->now. The doc's from/to hold the window used. */
int rpt_shift(store_txn *txn, const rpt_params *p, rpt_doc *d);

#endif
