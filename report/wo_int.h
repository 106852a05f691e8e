/* wo_int.h: what the two files of the workorders report share:
 * workorders.c (which orders, repeats, the document) and wo_clock.c (the
 * service promises' limits, an order's cycles and their SLA clocks).
 * Internal to report/. */
#ifndef RND_REPORT_WO_INT_H
#define RND_REPORT_WO_INT_H

#include <stdint.h>

#include "../storage/fold.h"
#include "calendar.h"
#include "report.h"

#define WO_MIN_MS 60000LL
#define WO_HOUR_MS (60 * WO_MIN_MS)
#define WO_DAY_MS (24 * WO_HOUR_MS)

enum { CL_RECORD, CL_NOTIFY, CL_ON_SITE, CL_RESOLVE, CL_CALLBACK, NCLOCKS };
extern const char *const wo_clock_names[NCLOCKS];
/* The complaint clocks (docs/REPORTS.md, "complaints"), kept apart from
 * the five every work-order listing shows: feedback to the resident
 * within 4 hours (any request), and the deferred reply (by the agreed
 * time, within 3 days). Their ids follow on: a cycle's xclk[id -
 * NCLOCKS]. */
enum { CL_FEEDBACK = NCLOCKS, CL_REPLY, CL_END };
#define NXCLOCKS (CL_END - NCLOCKS)
extern const char *const wo_xclock_names[NXCLOCKS];

/* ST_UNVERIFIED: its start or stop event was made with a flagged clock
 * (rpt_clock_flag, or a called_at ahead of its op): neither met nor
 * breached, its times are in doubt. */
enum wo_clock_state {
    ST_NA,
    ST_RUNNING,
    ST_AT_RISK,
    ST_MET,
    ST_BREACHED,
    ST_UNVERIFIED
};
extern const char *const wo_state_names[];

/* What stopped a clock (or, for a running notify clock, that the order
 * was dispatched but has not reached the assignee's device). */
enum wo_stop {
    STOP_NONE,
    STOP_CREATE,      /* record: the order was recorded */
    STOP_DELIVERED,   /* notify: a receive op of the assignee's device */
    STOP_SELF,        /* notify: dispatched to the one who dispatched */
    STOP_ARRIVED,     /* notify (nothing delivered before), on_site */
    STOP_COMPLETED,   /* resolve */
    STOP_CALLBACK,    /* callback */
    STOP_REOPEN,      /* the cycle ended (a reopen) before the clock stopped */
    STOP_UNDELIVERED, /* notify, still running: dispatched, not delivered */
    STOP_FEEDBACK,    /* feedback: a feedback op */
    STOP_REPLY,       /* reply: a reply op that gave the answer */
};
extern const char *const wo_stop_names[];

typedef struct wo_clock {
    int state;
    int stop_by;         /* enum wo_stop */
    int64_t start, stop; /* start 0: n/a; stop 0: not stopped */
    int64_t limit_ms;    /* the limit it is measured against */
    int64_t elapsed_ms;  /* to its stop, or to now while running */
    const char *flag;    /* ST_UNVERIFIED: the flag (static) */
} wo_clock;

/* One cycle of an order: from the call (or the reopen that began it) to
 * the reopen that ended it, or now. */
typedef struct wo_cycle {
    int64_t start;           /* cycle 1: the call; then the reopen's time */
    const char *f_start;     /* its clock flag */
    int64_t end;             /* the device time of the reopen ending it; 0 */
    int by_callback;         /* begun by an unsatisfied callback */
    uint32_t ev_from, ev_to; /* its events, [from, to) */
    int64_t t_dispatch, t_deliver, t_arrive, t_complete, t_callback;
    const char *f_deliver, *f_arrive, *f_complete, *f_callback;
    int deliver_by;      /* STOP_DELIVERED or STOP_SELF; 0 */
    int64_t appointment; /* the last agreed in the cycle; 0: none */
    /* Complaints: the first feedback; the first deferral (a reply op with
     * answer_by), its agreed time, and the first answer after it (a reply
     * without answer_by). 0: none. */
    int64_t t_feedback, t_defer, answer_by, t_reply;
    const char *f_feedback, *f_defer, *f_reply;
    int64_t t_first_reply; /* the first reply op of any kind; 0: none */
    const char *f_first_reply;
    wo_clock clk[NCLOCKS];
    wo_clock xclk[NXCLOCKS]; /* CL_FEEDBACK, CL_REPLY */
} wo_cycle;

typedef struct wo {
    uint8_t id[PROTO_ENTITY_LEN];
    char hex[33];
    char *place, *assignee; /* malloc'd; assignee may be NULL */
    char category[24], priority[12], severity[12], status[24];
    int urgent, open, cancelled, closed, listed;
    int64_t id_ms, created, called_at; /* called_at 0: not recorded */
    const char *f_created;             /* the create op's clock flag */
    uint32_t reopen_count;
    wo_cycle *cyc; /* malloc'd, ncyc >= 1 once read */
    uint32_t ncyc;
    int64_t prev; /* index of the repeated order, -1 for none */
    int repeat;
} wo;

/* Fills o's cycles from st (o's create, called_at, category, ... already
 * set): where each begins and ends, its steps, deliveries and
 * appointment. Reads the ops it needs (callbacks, receives, replies, and
 * the dispatches of cycles with nothing delivered or with an appointment)
 * from txn into op. Returns 0 or RND_ENOMEM. */
int wo_cycles(store_txn *txn, proto_op *op, int64_t skew_ms,
              const fold_state *st, wo *o);

/* Fills o from the merged state st of order id: its fields, its cycles
 * (wo_cycles), not its clocks; listed 0. o->place is set (maybe "")
 * unless out of memory: from then on wo_free_all may free o. 0 or
 * RND_ENOMEM. workorders.c. */
int wo_fill(store_txn *txn, proto_op *op, int64_t skew_ms,
            const uint8_t id[PROTO_ENTITY_LEN], const fold_state *st, wo *o);

/* Every clock of every cycle of o, as of now; working days by cal (the
 * holiday calendar, rpt_calendar_load; NULL: Monday to Friday). */
void wo_clocks(wo *o, int64_t now, int tz_min, const rpt_calendar *cal);

/* Clock id (< CL_END: a CL_* of the five, or a complaint clock) of cycle
 * c, and its name ("resolve", "feedback"). */
const wo_clock *wo_clock_of(const wo_cycle *c, int id);
const char *wo_clock_name(int id);

/* What an order's row says of its clocks, the one rule of the office
 * board's orders (rpt_workorders_open) and the office's work-order list
 * (dash/office_wo.c): its next clock, the one running in its current
 * cycle (stop 0 and running, at risk or breached; any of the CL_END
 * clocks, complaint clocks included) due first; and its state. */
typedef struct wo_next {
    int clock;         /* CL_* id; -1: none running (or the order is closed) */
    int64_t due;       /* the clock's start + limit; 0 with none */
    int64_t left_ms;   /* due - now, negative once breached; 0 with none */
    const char *state; /* "bad": a clock of the current cycle breached or
                          left_ms < 0; "warn": one at risk or left_ms
                          under RPT_WO_WARN_MS; "ok". Static. */
} wo_next;

/* o's next clock as of now (o's clocks made by wo_clocks as of now). */
wo_next wo_next_clock(const wo *o, int64_t now);

/* The orders a report of the window [p->from, p->to) looks at: every
 * open one and every one created in the window (listed 1), and those of
 * the 30 days before the earliest of them (listed 0: the history repeats
 * are looked up in), each with its cycles and its clocks as of p->now,
 * working days by cal. *v is malloc'd (wo_free_all), in no set order.
 * 0, RND_ENOMEM or a store error. workorders.c. */
int wo_load(store_txn *txn, const rpt_params *p, const rpt_calendar *cal,
            wo **v, size_t *n);
void wo_free_all(wo *v, size_t n);

#endif
