/* patrol_int.h: the patrol round logic shared by the office's patrol
 * report (patrol.c) and the handheld's shift report (shift.c). Internal to
 * rnd_report: not installed, not a stable API.
 *
 * Routes and checkpoints are the office's master data (kinds 34 and 35);
 * scans are kind 1. Every time is a device time (the wall_ms of the
 * record's create op). docs/REPORTS.md defines rounds and every figure.
 *
 * Ownership: a pat_set owns copies of every string it loads (nothing
 * points into the LMDB map), so it outlives the read transaction it was
 * loaded in; pat_set_free() releases it.
 */
#ifndef RND_REPORT_PATROL_INT_H
#define RND_REPORT_PATROL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "fields.h"
#include "report.h"
#include "schedule.h"

/* How often a route's rounds recur (field "recurrence"). */
enum pat_recur {
    PAT_DAILY = 0, /* rounds every interval within the active hours */
    PAT_WEEKLY,    /* one round a week, Monday 00:00 local to the next */
    PAT_MONTHLY,   /* one round a calendar month */
    PAT_QUARTERLY  /* one round a calendar quarter (Jan, Apr, Jul, Oct) */
};

typedef struct pat_route {
    char *key, *name;
    int64_t interval_ms, window_ms;
    /* Device time the office created the route: rounds that began before
     * it are not the guards' to walk, so they are not reported. */
    int64_t since;
    uint32_t ntags;
    char **tags; /* checkpoint tags in walking order */
    /* The schedule (docs/REPORTS.md, "patrol"): active hours as minutes
     * after local midnight, act_from < 0 for all day; active weekdays
     * (RPT_DAYS_ALL bits); recurrence (enum pat_recur). */
    int32_t act_from, act_to;
    unsigned days;
    int recur;
    /* Per checkpoint (ntags each): expected offset from the round's start
     * and tolerance after it; a scan later than start + due + tol is
     * late. Without offsets 0, without tolerances window_ms. */
    int64_t *due_ms, *tol_ms;
} pat_route;

/* One roster entry (kind 43): who holds a route or post in a shift. */
typedef struct pat_roster {
    char *shift, *route, *post, *staff; /* route or post is NULL */
    int dtype;          /* RPT_DAY_DATE, _WEEKDAY, _DAILY (schedule.h) */
    int64_t day;        /* date: days since 1970-01-01; weekday: 0 Monday */
    int32_t start, end; /* minutes after midnight; end <= start wraps */
} pat_roster;

typedef struct pat_checkpoint {
    char *tag, *name, *place;
} pat_checkpoint;

typedef struct pat_scan {
    int64_t t; /* device time of the create */
    uint64_t hlc, device, seq;
    char *tag, *route, *by, *note, *workorder; /* NULL when absent */
    char *method;                              /* nfc, qr, manual; NULL */
    int anomaly;
    int verified;    /* the handheld checked the tag payload's signature */
    int unknown_tag; /* the handheld let an unknown tag through */
    /* rpt_clock_flag of its create (static string), NULL when its clock
     * is not flagged; then clk (its _clk) and stamp_minus_wall (its HLC ms
     * minus its wall_ms) say why. */
    const char *clock_flag;
    int64_t clk, stamp_minus_wall;
} pat_scan;

typedef struct pat_set {
    pat_route *routes; /* sorted by key */
    size_t nroutes;
    pat_checkpoint *cps; /* sorted by tag */
    size_t ncps;
    pat_scan *scans; /* sorted by (t, hlc, device, seq) */
    size_t nscans;
    pat_roster *roster; /* active entries, in no particular order */
    size_t nroster;
} pat_set;

/* Loads the active routes (only route_key when not NULL), every active
 * checkpoint and every active roster entry. RND_ENOMEM or a store
 * error. */
int pat_load_master(store_txn *txn, const char *route_key, pat_set *ps);

/* Loads the scans whose device time is in [lo, hi), skipping the others
 * by the creation time in their id before parsing them; each scan's clock
 * flag is taken with the skew limit limit_ms (rpt_clock_flag). */
int pat_load_scans(store_txn *txn, int64_t lo, int64_t hi, int64_t limit_ms,
                   pat_set *ps);

void pat_set_free(pat_set *ps);

/* The checkpoint named tag, or NULL. */
const pat_checkpoint *pat_checkpoint_find(const pat_set *ps, const char *tag);

/* Position of tag in the route's walking order, or -1. */
int pat_route_index(const pat_route *r, const char *tag);

/* Does scan s belong to route r: its route field names r, or it has no
 * route field and r's checkpoints hold its tag. */
int pat_scan_on_route(const pat_scan *s, const pat_route *r);

/* The scheduled round of r containing time t (report/schedule.c): a daily
 * route's rounds start at the start of its active hours (local midnight
 * when it has none) on its active days and every interval after, the
 * last one cut at the end of the active hours; a weekly, monthly or
 * quarterly route has one round per calendar period. Returns 1 when t is
 * in one; else 0, and [start, end) is the next scheduled round. */
int pat_round_of(const pat_route *r, int64_t t, int tz_min, int64_t *start,
                 int64_t *end);

/* The scheduled round of r with the first start >= t. */
void pat_round_next(const pat_route *r, int64_t t, int tz_min, int64_t *start,
                    int64_t *end);

/* The longest round r can have (to load the scans a window's rounds
 * need). */
int64_t pat_round_max(const pat_route *r);

/* The time after which the first scan of checkpoint k in the round
 * starting at start is late: start + due + tolerance, at most end for a
 * route with no tolerance of its own and a period recurrence. */
int64_t pat_deadline(const pat_route *r, uint32_t k, int64_t start,
                     int64_t end);

/* The staff rostered on route (or, post non-zero, on that post) at time t:
 * the entries whose shift holds t, the most specific per shift and day (a
 * date beats a weekday, which beats daily), joined by "," in key order
 * into out (cap bytes). Returns how many; 0 leaves out "". */
int pat_roster_who(const pat_set *ps, const char *where, int post, int64_t t,
                   int tz_min, char *out, size_t cap);

/* The shift of staff nearest t: one holding t, else the one starting
 * next within 12 hours (after=1) or the one ending last within 12 hours
 * before t (after=0). Its [start, end) and entry into *e. Returns 1
 * when found. */
int pat_roster_shift(const pat_set *ps, const char *staff, int64_t t,
                     int tz_min, int after, int64_t *start, int64_t *end,
                     const pat_roster **e);

/* What a scan is within its round. */
enum pat_class {
    PAT_ON_TIME = 1,
    PAT_LATE,
    PAT_DUPLICATE,
    PAT_UNKNOWN_TAG, /* its route field names r but r has no such tag */
    /* Made with a flagged clock (pat_scan.clock_flag): its time is in
     * doubt, so it neither visits its checkpoint (a later scan of it is
     * its first) nor orders the round; the checkpoint stays open. */
    PAT_CLOCK_FLAGGED
};

/* Whether a scan's proof counts as manual (the tags contract in
 * ISSUE15.md: only a verified tag payload is not), and whether it is of
 * an unknown tag (flagged by the handheld, or on no route of the site). */
int pat_scan_manual(const pat_scan *s);

typedef struct pat_mark {
    const pat_scan *s;
    int cls;          /* enum pat_class */
    int ooo;          /* first scan that came after a later checkpoint */
    int cp;           /* index in the route, -1 for PAT_UNKNOWN_TAG */
    int64_t late_min; /* PAT_LATE: minutes past the window, rounded up */
    /* PAT_ON_TIME: minutes before start + due - tolerance (rounded up), 0
     * when not early; the scan still visits its checkpoint. */
    int64_t early_min;
} pat_mark;

/* One round of a route, evaluated. */
typedef struct pat_round {
    int64_t start, end;
    int ended;       /* end <= now */
    pat_mark *marks; /* the round's scans of the route, in time order */
    uint32_t nmarks;
    int32_t *first; /* per checkpoint: index in marks of its first scan, -1 */
} pat_round;

/* Evaluates r's round [start, end) as of now from ps's scans. out's
 * arrays are allocated; pat_round_free() releases them. RND_ENOMEM. */
int pat_round_eval(const pat_set *ps, const pat_route *r, int64_t start,
                   int64_t end, int64_t now, pat_round *out);
void pat_round_free(pat_round *rd);

/* Device time of a record: the wall_ms of its create (else its first
 * op). */
int64_t pat_device_time(const fold_state *st);

#endif
