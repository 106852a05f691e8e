/* now.h: the Now document (docs/REPORTS.md, "now"): what is due for one
 * person right now, computed offline from a handheld's store: the rounds
 * of their route with each checkpoint's time left, their open work orders
 * by the SLA clock that runs next, vacant units due for inspection this
 * month, handovers waiting for their acknowledgement.
 *
 * Ownership: an rpt_now owns copies of every string it holds (nothing
 * points into the LMDB map); rpt_now_free() releases them. rpt_now_build
 * only reads the store.
 */
#ifndef RND_REPORT_NOW_H
#define RND_REPORT_NOW_H

#include <stdint.h>
#include <stdio.h>

#include "report.h"

typedef struct rpt_now_params {
    int64_t now;      /* ms since the epoch */
    const char *user; /* staff id; NULL or "": nobody (every route active
                         now, no work orders or handovers) */
    int tz_min;       /* local offset: active hours, "this month" */
    uint64_t unsynced;
    int64_t last_sync_ms; /* 0: never */
} rpt_now_params;

typedef struct rpt_now_cp {
    char *tag, *name, *place; /* name, place may be NULL */
    int64_t due_ms;           /* round start + the checkpoint's offset */
    int64_t late_ms, left_ms; /* past its deadline; to its deadline */
    const char *state;        /* "due", "overdue", "done" (static) */
} rpt_now_cp;

typedef struct rpt_now_round {
    char *route, *name;
    int64_t start_ms, end_ms;
    const char *state; /* "upcoming", "due", "overdue", "done" (static) */
    uint32_t done, total;
    rpt_now_cp *next; /* every checkpoint in walking order */
    uint32_t nnext;
} rpt_now_round;

typedef struct rpt_now_wo {
    char id[33];
    char *category, *unit, *status;
    const char *clock; /* "notify", "arrive", "resolve", "callback",
                          "feedback", "reply" (static), NULL: none runs */
    int64_t due_ms, left_ms;
    int breached;
} rpt_now_wo;

typedef struct rpt_now_vacant {
    char *unit;
    int64_t due_ms, last_ms; /* last 0: never inspected */
} rpt_now_vacant;

typedef struct rpt_now_ho {
    char id[33];
    char *from, *items; /* may be NULL */
    int64_t created_ms;
} rpt_now_ho;

typedef struct rpt_now {
    int64_t now_ms;
    char user[64];
    uint64_t unsynced;
    int64_t last_sync_ms;
    int tz_min;
    /* How the rounds were chosen: "roster", "scanned", "active". */
    const char *routes_by;
    rpt_now_round *rounds;
    size_t nrounds;
    rpt_now_wo *wos;
    size_t nwos;
    rpt_now_vacant *vacant;
    size_t nvacant;
    rpt_now_ho *hos;
    size_t nhos;
} rpt_now;

/* Fills n (initialised here; rpt_now_free it even on error) from the
 * store in txn, a read transaction. 0, RND_ENOMEM or a store error. */
int rpt_now_build(store_txn *txn, const rpt_now_params *p, rpt_now *n);
void rpt_now_free(rpt_now *n);

/* Prints n as the JSON object of ISSUE16.md section 3 (times in ms since
 * the epoch, one line) or as text for a terminal (times local to
 * n->tz_min). 0 or RND_EIO. */
int rpt_now_emit(const rpt_now *n, rpt_format fmt, FILE *f);

#endif
