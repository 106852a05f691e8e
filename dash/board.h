/* board.h: the data of the office board, the reports and the registers as
 * tables, without HTTP (board.c; board_reg.c: reports, registers,
 * personal data, the TABLE JSON), for the dashboard's handlers
 * (api_board.c), the unit tests (tests/dash) and the bench
 * (bench/bench_board.c). Every function reads a site store (and the
 * registry for the handhelds) given by the caller and fills a report
 * document (report.h): the same sections `roundsd report` builds, or the
 * board's own built from them. dash_table_json() then writes a section as
 * the API's TABLE (docs/WEB-API.md).
 *
 * A section meant for the board carries a last column "state" ("ok",
 * "warn" or "bad"): dash_table_json() turns it into each row's state
 * instead of a cell. A column named "id" holding 32 hex digits is also
 * each row's id. A column whose name ends in "_ms" is a duration.
 *
 * Threads: callers may share the store (reads in their own transactions)
 * and must hold the registry exclusively while a function that takes it
 * runs. The one state kept between calls is the board's list of entities
 * in conflict per open store (board.c, behind a mutex): a store passed to
 * dash_board* must stay open at its address while the process uses it
 * (the dashboard keeps its stores open), or be replaced by one with more
 * ops.
 */
#ifndef RND_DASH_BOARD_H
#define RND_DASH_BOARD_H

#include <stdint.h>

#include "../report/render.h"
#include "../report/report.h"
#include "../server/pii.h"
#include "../server/registry.h"
#include "../storage/store.h"

/* The night the board's patrol table covers: 18:00 to 06:00 office time
 * (routes keep no shift of their own). Before 18:00 it is the night that
 * ended this morning (at the morning shift change the office reads last
 * night); from 18:00 on, tonight. */
#define DASH_NIGHT_FROM_H 18
#define DASH_NIGHT_TO_H 6
/* A handheld not synced for this long is "warn" on the board (a shift). */
#define DASH_STALE_MS (12 * 3600 * 1000LL)
/* Register rows returned at most (then "more"). */
#define DASH_REG_LIMIT 200
#define DASH_REG_LIMIT_MAX 2000

/* What every call reads. */
typedef struct dash_src {
    store *st;        /* the site's store */
    const char *site; /* its name */
    int64_t now;      /* ms since the epoch */
    int tz_min;       /* the office's offset, minutes east of UTC */
    /* inside: overstay after this long; 0: RPT_OVERSTAY_DEFAULT_MS */
    int64_t overstay_ms;
    /* devices: a clock off by more is flagged; 0: the server's default */
    int64_t skew_limit_ms;
} dash_src;

/* [*from, *to) of the night the board shows at now (DASH_NIGHT_*). */
void dash_board_night(int64_t now, int tz_min, int64_t *from, int64_t *to);

/* The board, into out (initialised here; the caller frees it even on
 * error): sections "devices", "inside", "patrol", "workorders",
 * "conflicts" in that order, each with a last column "state"; the doc's
 * window is the night. dash_board_devices() adds only the first (it reads
 * the registry: hold it just for that call) and dash_board_rest() the
 * others, on a doc the first began; dash_board() does both (reg NULL: an
 * empty devices table). Returns 0 or an RND_E* code. */
int dash_board(const dash_src *s, srv_registry *reg, rpt_doc *out);
int dash_board_devices(const dash_src *s, srv_registry *reg, rpt_doc *out);
int dash_board_rest(const dash_src *s, rpt_doc *out);

/* Report name (srv_report_kinds) of s->site over [from, to), exactly as
 * `roundsd report NAME` builds it with the same window and --now. reg:
 * for "devices" (held during the call). RND_ENOTFOUND: no such report. */
int dash_report(const dash_src *s, srv_registry *reg, const char *name,
                int64_t from, int64_t to, rpt_doc *out);

/* One CSV table of d (rpt_emit_csv_table: the bytes `roundsd report ...
 * --format csv --table T` prints) into *buf (malloc'd) and *len. table
 * NULL: the first section's (or "summary" when there is none).
 * RND_ENOTFOUND for no such table. */
int dash_report_csv(const rpt_doc *d, const char *table, char **buf,
                    size_t *len);

/* Chart hints of a report (which section, label column, value columns the
 * page may draw), written as the members of a JSON array. */
void dash_report_charts(rpt_jw *j, const rpt_doc *d);

/* The registers. */
typedef enum dash_reg_kind {
    DASH_REG_VISITORS,
    DASH_REG_VEHICLES,
    DASH_REG_HANDOVERS,
    DASH_REG_DUTYLOG,
    DASH_REG_INCIDENTS
} dash_reg_kind;

/* "visitors", ... -> *out; RND_EINVAL otherwise. */
int dash_reg_kind_parse(const char *s, dash_reg_kind *out);

typedef struct dash_reg_query {
    dash_reg_kind kind;
    int64_t from, to; /* records made in [from, to) */
    /* Filters, NULL or "" for none; each must match (case-insensitive
     * substring): unit (unit or place), plate (compared in the plate's
     * canonical form), person (name, guard, by, from/to of a handover),
     * q (any text cell). */
    const char *unit, *plate, *person, *q;
    uint32_t limit; /* rows at most; 0: DASH_REG_LIMIT */
} dash_reg_query;

/* One register as a doc with one section named after the kind: the rows
 * in the window that match, oldest first, at most q->limit (*more = 1
 * when rows were left out). Personal data as the CLI shows it: ID numbers
 * and phones masked (proto_pii_mask); the sealed forms are opened only
 * through dash_pii_open. */
int dash_registers(const dash_src *s, const dash_reg_query *q, rpt_doc *out,
                   int *more);

/* Opens the personal data of record id_hex (32 hex digits) for reason
 * exactly as `roundsd pii show` does (srv_pii_show: the access recorded
 * first, by `by`). RND_EFIELD: no reason, or id_hex malformed. */
int dash_pii_open(const dash_src *s, const char *data_dir, const char *id_hex,
                  const char *reason, const char *by, srv_pii_shown *out);

/* ---- JSON ------------------------------------------------------------ */

/* Section sec as a TABLE object: name, title and column titles in lang
 * ("zh-CN" or "en"), rows with their id, cells and state. */
void dash_table_json(rpt_jw *j, const rpt_section *sec, int tz_min,
                     const char *lang);

/* The members of a report answer: "report","title","site","from","to",
 * "now","summary":[{key,title,value}],"sections":[TABLE...] (nested
 * sections too, as tables of their own) and "charts". */
void dash_doc_json(rpt_jw *j, const rpt_doc *d, const char *lang);

#endif
