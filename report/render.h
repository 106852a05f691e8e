/* render.h: the one place a value becomes text, CSV or JSON, for the
 * reports (rpt_emit), `rounds` and `roundsd` alike, so that the same value
 * prints the same way everywhere.
 *
 * The forms, decided once:
 *   value      text (tables, listings)   CSV                JSON
 *   boolean    yes / no                  true / false       true / false
 *   time       YYYY-MM-DD HH:MM (local   ISO 8601 with the  ISO 8601 string
 *              or the report's offset)   offset
 *   no value   -                         (empty)            null
 *   ID number  masked (proto_mask_id)    masked             masked
 * A time that a CLI prints in UTC (`roundsd devices`, `rounds show
 * --json`) is "YYYY-MM-DDTHH:MM:SSZ" (rpt_time_utc).
 *
 * Reentrancy: nothing here keeps state between calls or uses a static
 * buffer; every function writes to the caller's buffer or FILE. A
 * threaded caller (a web dashboard) gives each request its own FILE
 * (open_memstream) and its own rpt_jw.
 */
#ifndef RND_REPORT_RENDER_H
#define RND_REPORT_RENDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../proto/proto.h"
#include "../storage/fold.h"
#include "report.h"

/* ---- values ------------------------------------------------------------ */

/* A boolean in text: "yes" or "no" (static strings). */
const char *rpt_bool_text(int b);

typedef enum rpt_style {
    RPT_STYLE_TEXT = 0, /* tables: yes/no, local "YYYY-MM-DD HH:MM", "-" */
    RPT_STYLE_DATA      /* CSV: true/false, ISO 8601, "" */
} rpt_style;

/* The cell c as text of the style, times in the offset tz_min, into
 * out[cap] (cut at cap). */
void rpt_cell_format(const rpt_cell *c, rpt_style style, int tz_min, char *out,
                     size_t cap);

/* A record's field in text: NULL -> "-", an ID number masked, booleans
 * yes/no, strings as they are. out[cap], cut at cap. */
void rpt_field_text(const proto_field *f, char *out, size_t cap);

/* ms -> "YYYY-MM-DDTHH:MM:SSZ"; "-" when ms <= 0. cap >= 32. */
void rpt_time_utc(int64_t ms, char *out, size_t cap);
/* ms -> "YYYY-MM-DD HH:MM" in this machine's local time at ms; "-" when
 * ms <= 0. cap >= 32. */
void rpt_time_local(int64_t ms, char *out, size_t cap);
/* The offset as "+HH:MM" or "-HH:MM". cap >= 8. */
void rpt_tz_format(int tz_min, char *out, size_t cap);

/* ---- text and CSV ------------------------------------------------------ */

/* Columns s takes on a terminal: glibc's wcwidth of each UTF-8 character
 * (CJK and other wide characters take two), whatever the process's
 * locale. */
size_t rpt_display_width(const char *s);

/* Prints s to f, then spaces up to width columns (display width, as
 * rpt_display_width); with max >= 4, an s wider than max columns is cut
 * at a character boundary and ends in "...", max columns in all. Returns
 * the columns printed. For every text table (reports, listings). */
size_t rpt_text_cell(FILE *f, const char *s, size_t width, size_t max);

/* 1 when a spreadsheet would take text s as a formula: it starts with
 * = + - @ TAB or CR (OWASP, CSV injection). */
int rpt_csv_guard_needed(const char *s);

/* Text s as one CSV field: RFC 4180 (quoted when it holds , " CR or LF),
 * a leading ' when rpt_csv_guard_needed(s), bytes that are not UTF-8 as
 * U+FFFD. For text only: a number is printed as it is. */
void rpt_csv_field(FILE *f, const char *s);

/* The CSV tables of a report document, one file each: i = 0 is
 * "summary" (key,value: from, to, now, then the summary), then each
 * section by its name; NULL past the last. The name lives as long as d. */
const char *rpt_csv_table(const rpt_doc *d, uint32_t i);

/* Writes one table of d (rpt_csv_table) as a CSV file to f: the UTF-8 BOM,
 * a header line of column names, one line per row, CRLF line ends
 * (RFC 4180); text cells quoted as rpt_csv_field does, with the formula
 * guard; numbers, booleans (true/false) and times (ISO 8601) unguarded.
 * Returns 0, RND_ENOTFOUND for no such table, RND_EIO when writing
 * failed. docs/REPORTS.md, "CSV". */
int rpt_emit_csv_table(const rpt_doc *d, const char *table, FILE *f);

/* ---- JSON -------------------------------------------------------------- */

/* A JSON writer: it places the commas and colons, so callers only say
 * what comes next. Compact (no spaces), UTF-8 passed through, control
 * characters escaped. Containers nest up to RPT_JW_DEPTH.
 *
 *   rpt_jw j;
 *   rpt_jw_init(&j, stdout);
 *   rpt_jw_obj(&j);
 *   rpt_jw_kstr(&j, "site", "S1");
 *   rpt_jw_key(&j, "ops");
 *   rpt_jw_arr(&j); ... rpt_jw_end(&j);
 *   rpt_jw_end(&j);            -> {"site":"S1","ops":[...]}
 *
 * The writer holds no memory; it may be dropped at any point. */
#define RPT_JW_DEPTH 64
typedef struct rpt_jw {
    FILE *f;
    uint32_t depth;  /* containers open */
    uint64_t used;   /* bit d: the container at depth d has a member */
    uint64_t arr;    /* bit d: the container at depth d is an array */
    int after_key;   /* a key was written: its value takes no comma */
    const char *brk; /* whitespace before the next member, or NULL */
} rpt_jw;

void rpt_jw_init(rpt_jw *j, FILE *f);
void rpt_jw_obj(rpt_jw *j); /* { */
void rpt_jw_arr(rpt_jw *j); /* [ */
void rpt_jw_end(rpt_jw *j); /* } or ], whichever is open */
void rpt_jw_key(rpt_jw *j, const char *key);
void rpt_jw_keyn(rpt_jw *j, const char *key, size_t n);
void rpt_jw_str(rpt_jw *j, const char *s); /* NULL -> null */
void rpt_jw_strn(rpt_jw *j, const char *s, size_t n);
void rpt_jw_int(rpt_jw *j, int64_t v);
void rpt_jw_uint(rpt_jw *j, uint64_t v);
void rpt_jw_bool(rpt_jw *j, int b);
void rpt_jw_null(rpt_jw *j);
/* A real with the given number of decimals (a JSON number). */
void rpt_jw_real(rpt_jw *j, double d, int decimals);
/* v as 16 lowercase hex digits in a string (device ids). */
void rpt_jw_hex64(rpt_jw *j, uint64_t v);
/* A report cell: times as ISO 8601 strings in the offset tz_min. */
void rpt_jw_cell(rpt_jw *j, const rpt_cell *c, int tz_min);
/* A record's field: an ID number masked; types other than string, int
 * and bool as null. */
void rpt_jw_field(rpt_jw *j, const proto_field *f);
/* A merged record's fields as an object {name: value} (rpt_jw_field), for
 * listings: a staff member's "pin_hash" is written as "set", never the
 * hash (`roundsd dump` keeps the record as merged). */
void rpt_jw_fields(rpt_jw *j, const fold_state *st);

/* The head of one conflict of record st (entity id hex) in both CLIs'
 * `conflicts` listing: with json, opens its object (id, kind, status,
 * field) and its "candidates" array, which the caller fills and closes
 * with the object; otherwise prints its text line to stdout. */
void rpt_conflict_head(rpt_jw *j, int json, const char *hex,
                       const fold_state *st, const fold_conflict *cf);

/* Whitespace (a line break and indent) written before the next member,
 * after its comma: for files people read too. ws is not copied. */
void rpt_jw_break(rpt_jw *j, const char *ws);

/* key and value in one call. */
void rpt_jw_kstr(rpt_jw *j, const char *key, const char *s);
void rpt_jw_kint(rpt_jw *j, const char *key, int64_t v);
void rpt_jw_kuint(rpt_jw *j, const char *key, uint64_t v);
void rpt_jw_kbool(rpt_jw *j, const char *key, int b);
void rpt_jw_knull(rpt_jw *j, const char *key);
/* key and a NULL-terminated list of strings as an array (v NULL: null):
 * the choices of a form's field. */
void rpt_jw_kstrv(rpt_jw *j, const char *key, const char *const *v);

#endif
