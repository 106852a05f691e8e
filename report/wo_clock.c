/* wo_clock.c: a work order's SLA clocks, cycle by cycle (docs/REPORTS.md,
 * "workorders"). Owns the one table of the service promises' limits
 * (../shared/DOMAIN.md, "Service promises"; docs/REPORTS.md reproduces
 * it), the split of an order's events into cycles (a reopen, or an
 * unsatisfied callback, that moves the order back starts a new cycle with
 * clocks of its own), each cycle's steps, the delivery of its dispatch to
 * the assignee's device (receive ops), its agreed appointment, a
 * complaint's feedback and deferred reply, and the evaluation of every
 * clock. Working days come from the holiday calendar (calendar.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "fields.h"
#include "wo_int.h"

#define UNSATISFIED "unsatisfied"
/* With an agreed appointment the technician is on site, with tools and
 * parts, this long before it (DOMAIN.md, "Complaints and callbacks"). */
#define APPOINTMENT_EARLY_MS (5 * WO_MIN_MS)
/* Dispatches of one cycle looked at for deliveries (more are rare: the
 * first ones decide). */
#define MAX_DISPATCH 8

const char *const wo_clock_names[NCLOCKS] = {"record", "notify", "on_site",
                                             "resolve", "callback"};
const char *const wo_xclock_names[NXCLOCKS] = {"feedback", "reply"};
/* States and stops are marked for the catalogue: the dashboard shows
 * them in words (i18n_tr_lang), the CLIs print them as they are. */
const char *const wo_state_names[] = {N_("n/a"),      N_("running"),
                                      N_("at_risk"),  N_("met"),
                                      N_("breached"), N_("unverified")};
const char *const wo_stop_names[] = {NULL,
                                     N_("create"),
                                     N_("delivered"),
                                     N_("dispatched_to_self"),
                                     N_("arrived"),
                                     N_("completed"),
                                     N_("callback"),
                                     N_("reopen"),
                                     N_("dispatched_not_delivered"),
                                     N_("feedback"),
                                     N_("reply")};

/* ---- the limits --------------------------------------------------------- */

/* One promise: the first row whose clock, category and severity match (and
 * urgency, when urgent is 1) gives the limit. category or severity NULL:
 * any. working_days: the limit is that many working days (the holiday
 * calendar's: calendar.h). */
typedef struct wo_limit {
    int clock;
    const char *category, *severity;
    int urgent;
    int64_t limit_ms;
    int working_days;
} wo_limit;

static const wo_limit limits[] = {
    /* recorded within 3 minutes of the call */
    {CL_RECORD, NULL, NULL, 0, 3 * WO_MIN_MS, 0},
    /* engineering notified within 2 minutes (of the record) */
    {CL_NOTIFY, NULL, NULL, 0, 2 * WO_MIN_MS, 0},
    /* complaints: on site within 1 hour */
    {CL_ON_SITE, "complaint", NULL, 0, WO_HOUR_MS, 0},
    /* urgent repairs: within 30 minutes at most */
    {CL_ON_SITE, NULL, NULL, 1, 30 * WO_MIN_MS, 0},
    /* technician on site within 10-15 minutes: 15 is the line */
    {CL_ON_SITE, NULL, NULL, 0, 15 * WO_MIN_MS, 0},
    /* serious complaints: 5 working days; general complaints 8 hours */
    {CL_RESOLVE, "complaint", "serious", 0, 0, 5},
    {CL_RESOLVE, "complaint", NULL, 0, 8 * WO_HOUR_MS, 0},
    /* public lighting: complex fault 48 hours, simple 8 hours */
    {CL_RESOLVE, "public_lighting", "complex", 0, 48 * WO_HOUR_MS, 0},
    {CL_RESOLVE, "public_lighting", NULL, 0, 8 * WO_HOUR_MS, 0},
    /* difficult fault or missing parts 48 hours, major problems 72 */
    {CL_RESOLVE, NULL, "difficult", 0, 48 * WO_HOUR_MS, 0},
    {CL_RESOLVE, NULL, "major", 0, 72 * WO_HOUR_MS, 0},
    /* general fault fixed on the spot: read as within the day */
    {CL_RESOLVE, NULL, NULL, 0, 24 * WO_HOUR_MS, 0},
    /* 100% get a callback: the project's reading, within a day */
    {CL_CALLBACK, NULL, NULL, 0, 24 * WO_HOUR_MS, 0},
    /* feedback to the resident within 4 hours (complaints; any request) */
    {CL_FEEDBACK, NULL, NULL, 0, 4 * WO_HOUR_MS, 0},
    /* a deferred reply within 3 days (or by the agreed time, if earlier) */
    {CL_REPLY, NULL, NULL, 0, 3 * WO_DAY_MS, 0},
};

/* Serious complaints: 5 working days: the same local time on the fifth
 * working day after start, by the holiday calendar. */
static int64_t limit_of(const wo *o, int clock, int64_t start, int tz_min,
                        const rpt_calendar *cal)
{
    for (size_t i = 0; i < sizeof limits / sizeof *limits; i++) {
        const wo_limit *l = &limits[i];
        if (l->clock != clock || (l->urgent && !o->urgent) ||
            (l->category && strcmp(l->category, o->category) != 0) ||
            (l->severity && strcmp(l->severity, o->severity) != 0))
            continue;
        return l->working_days
                   ? rpt_workdays_add(cal, start, tz_min, l->working_days) -
                         start
                   : l->limit_ms;
    }
    return 24 * WO_HOUR_MS; /* not reached: each clock has a catch-all */
}

/* ---- cycles -------------------------------------------------------------- */

static const proto_field *op_field(store_txn *txn, proto_op *op,
                                   const fold_event *e, const char *name)
{
    const uint8_t *enc;
    size_t len;
    int64_t recv;
    if (store_op_get(txn, e->device_id, e->seq, &enc, &len, &recv) != 0 ||
        proto_op_decode(enc, len, op) != 0)
        return NULL;
    return proto_op_field(op, name);
}

static int str_is(const proto_field *f, const char *s)
{
    return f && f->type == PROTO_STR && f->str_len == strlen(s) &&
           memcmp(f->str, s, f->str_len) == 0;
}

/* The fold's status ranks (storage/fold.c), replayed over the events to
 * find where each cycle begins: after each backward move. */
enum {
    R_NONE,
    R_REPORTED,
    R_DISPATCHED,
    R_ARRIVED,
    R_COMPLETED,
    R_CALLED_BACK,
    R_CLOSED,
    R_CANCELLED
};

static int add_cycle(wo *o, uint32_t from)
{
    if ((o->ncyc & (o->ncyc - 1)) == 0) { /* 0, 1, 2, 4, ...: grow */
        uint32_t cap = o->ncyc ? o->ncyc * 2 : 1;
        wo_cycle *c = realloc(o->cyc, cap * sizeof *c);
        if (c == NULL)
            return RND_ENOMEM;
        o->cyc = c;
    }
    wo_cycle *c = &o->cyc[o->ncyc++];
    memset(c, 0, sizeof *c);
    c->ev_from = from;
    return 0;
}

/* Splits the events into cycles. */
static int split(store_txn *txn, proto_op *op, int64_t skew_ms,
                 const fold_state *st, wo *o)
{
    int rank = R_NONE, rc;
    if ((rc = add_cycle(o, 0)) != 0)
        return rc;
    for (uint32_t i = 0; i < st->nevents; i++) {
        const fold_event *e = &st->events[i];
        int target = R_NONE, back = 0;
        switch (e->action) {
        case PROTO_ACTION_CREATE:
            target = R_REPORTED;
            break;
        case PROTO_ACTION_DISPATCH:
            target = R_DISPATCHED;
            break;
        case PROTO_ACTION_ARRIVE:
            target = R_ARRIVED;
            break;
        case PROTO_ACTION_COMPLETE:
            target = R_COMPLETED;
            break;
        case PROTO_ACTION_CALLBACK:
            if (str_is(op_field(txn, op, e, "satisfaction"), UNSATISFIED))
                back = 1;
            else
                target = R_CALLED_BACK;
            break;
        case PROTO_ACTION_CLOSE:
            target = R_CLOSED;
            break;
        case PROTO_ACTION_CANCEL:
            if (rank != R_CLOSED)
                rank = R_CANCELLED;
            continue;
        case PROTO_ACTION_REOPEN:
            back = 1;
            break;
        default:
            continue;
        }
        if (back) {
            if (rank >= R_COMPLETED && rank <= R_CLOSED) {
                rank = R_REPORTED;
                wo_cycle *c = &o->cyc[o->ncyc - 1];
                c->ev_to = i + 1; /* the back move is the cycle's last */
                c->end = e->wall_ms;
                if ((rc = add_cycle(o, i + 1)) != 0)
                    return rc;
                c = &o->cyc[o->ncyc - 1];
                c->start = e->wall_ms;
                c->f_start = rpt_clock_flag(e, skew_ms);
                c->by_callback = e->action == PROTO_ACTION_CALLBACK;
            }
            continue;
        }
        if (rank != R_CANCELLED && target > rank)
            rank = target;
    }
    o->cyc[o->ncyc - 1].ev_to = st->nevents;
    return 0;
}

/* "<device 16 hex>:<seq>" of a receive op's PROTO_RECEIVE_OF_FIELD. */
static int parse_of(const proto_field *f, uint64_t *dev, uint64_t *seq)
{
    char buf[48], *end;
    if (f == NULL || f->type != PROTO_STR || f->str_len >= sizeof buf ||
        f->str_len < 18 || f->str[16] != ':')
        return -1;
    memcpy(buf, f->str, f->str_len);
    buf[f->str_len] = '\0';
    buf[16] = '\0';
    *dev = strtoull(buf, &end, 16);
    if (end != buf + 16)
        return -1;
    *seq = strtoull(buf + 17, &end, 10);
    return *end == '\0' ? 0 : -1;
}

/* The cycle whose dispatch (dev, seq) is, or NULL. */
static wo_cycle *cycle_of_dispatch(const fold_state *st, wo *o, uint64_t dev,
                                   uint64_t seq)
{
    for (uint32_t k = 0; k < o->ncyc; k++) {
        wo_cycle *c = &o->cyc[k];
        for (uint32_t i = c->ev_from; i < c->ev_to; i++) {
            const fold_event *e = &st->events[i];
            if (e->action == PROTO_ACTION_DISPATCH && e->device_id == dev &&
                e->seq == seq)
                return c;
        }
    }
    return NULL;
}

/* A cycle's steps: the first of each action in it. */
static void cycle_steps(const fold_state *st, int64_t skew_ms, wo_cycle *c)
{
    for (uint32_t i = c->ev_from; i < c->ev_to; i++) {
        const fold_event *e = &st->events[i];
        int64_t *t = NULL;
        const char **f = NULL;
        switch (e->action) {
        case PROTO_ACTION_DISPATCH:
            if (c->t_dispatch == 0)
                c->t_dispatch = e->wall_ms;
            continue;
        case PROTO_ACTION_ARRIVE:
            t = &c->t_arrive;
            f = &c->f_arrive;
            break;
        case PROTO_ACTION_COMPLETE:
            t = &c->t_complete;
            f = &c->f_complete;
            break;
        case PROTO_ACTION_CALLBACK:
            t = &c->t_callback;
            f = &c->f_callback;
            break;
        case PROTO_ACTION_FEEDBACK:
            t = &c->t_feedback;
            f = &c->f_feedback;
            break;
        case PROTO_ACTION_REPLY:
            t = &c->t_first_reply;
            f = &c->f_first_reply;
            break;
        default:
            continue;
        }
        if (*t == 0) {
            *t = e->wall_ms;
            *f = rpt_clock_flag(e, skew_ms);
        }
    }
}

/* Deliveries: each receive op stops the notify clock of the cycle its
 * dispatch belongs to (the first, in fold order). A cycle still without
 * one whose dispatch named as assignee the person who dispatched it
 * (assignee = dispatch_by: taken on one's own handheld) was delivered by
 * that dispatch. */
static void deliveries(store_txn *txn, proto_op *op, int64_t skew_ms,
                       const fold_state *st, wo *o)
{
    for (uint32_t i = 0; i < st->nevents; i++) {
        const fold_event *e = &st->events[i];
        uint64_t dev, seq;
        if (e->action != PROTO_ACTION_RECEIVE ||
            parse_of(op_field(txn, op, e, PROTO_RECEIVE_OF_FIELD), &dev,
                     &seq) != 0)
            continue;
        wo_cycle *c = cycle_of_dispatch(st, o, dev, seq);
        if (c && c->deliver_by == 0) {
            c->deliver_by = STOP_DELIVERED;
            c->t_deliver = e->wall_ms;
            c->f_deliver = rpt_clock_flag(e, skew_ms);
        }
    }
    for (uint32_t k = 0; k < o->ncyc; k++) {
        wo_cycle *c = &o->cyc[k];
        int looked = 0;
        for (uint32_t i = c->ev_from;
             i < c->ev_to && c->deliver_by == 0 && looked < MAX_DISPATCH; i++) {
            const fold_event *e = &st->events[i];
            if (e->action != PROTO_ACTION_DISPATCH)
                continue;
            looked++;
            const uint8_t *enc;
            size_t len;
            int64_t recv;
            if (store_op_get(txn, e->device_id, e->seq, &enc, &len, &recv) ||
                proto_op_decode(enc, len, op))
                continue;
            const proto_field *a = proto_op_field(op, "assignee");
            const proto_field *b = proto_op_field(op, "dispatch_by");
            if (a && b && a->type == PROTO_STR && b->type == PROTO_STR &&
                a->str_len == b->str_len &&
                memcmp(a->str, b->str, a->str_len) == 0) {
                c->deliver_by = STOP_SELF;
                c->t_deliver = e->wall_ms;
                c->f_deliver = rpt_clock_flag(e, skew_ms);
            }
        }
    }
}

/* The appointment of each cycle: the last one agreed (on the create, for
 * the first cycle, or on a dispatch) among the cycle's ops. A reopened
 * cycle does not inherit the one before's: its visit is agreed again. */
static void appointments(store_txn *txn, proto_op *op, const fold_state *st,
                         wo *o)
{
    for (uint32_t k = 0; k < o->ncyc; k++) {
        wo_cycle *c = &o->cyc[k];
        for (uint32_t i = c->ev_from; i < c->ev_to; i++) {
            const fold_event *e = &st->events[i];
            if (e->action != PROTO_ACTION_CREATE &&
                e->action != PROTO_ACTION_DISPATCH)
                continue;
            const proto_field *f = op_field(txn, op, e, "appointment");
            if (f && f->type == PROTO_INT && f->i > 0)
                c->appointment = f->i;
        }
    }
}

/* A complaint's deferred reply, per cycle: the first reply op carrying
 * an agreed answer time (answer_by) defers it; the first reply after it
 * without one, or the completion, answers it. */
static void replies(store_txn *txn, proto_op *op, int64_t skew_ms,
                    const fold_state *st, wo *o)
{
    for (uint32_t k = 0; k < o->ncyc; k++) {
        wo_cycle *c = &o->cyc[k];
        for (uint32_t i = c->ev_from; i < c->ev_to; i++) {
            const fold_event *e = &st->events[i];
            if (e->action == PROTO_ACTION_COMPLETE && c->t_defer &&
                c->t_reply == 0) {
                c->t_reply = e->wall_ms;
                c->f_reply = rpt_clock_flag(e, skew_ms);
            }
            if (e->action != PROTO_ACTION_REPLY)
                continue;
            const proto_field *f = op_field(txn, op, e, "answer_by");
            if (f && f->type == PROTO_INT && f->i > 0) {
                if (c->t_defer == 0) {
                    c->t_defer = e->wall_ms;
                    c->f_defer = rpt_clock_flag(e, skew_ms);
                    c->answer_by = f->i;
                }
            } else if (c->t_defer && c->t_reply == 0) {
                c->t_reply = e->wall_ms;
                c->f_reply = rpt_clock_flag(e, skew_ms);
            }
        }
    }
}

int wo_cycles(store_txn *txn, proto_op *op, int64_t skew_ms,
              const fold_state *st, wo *o)
{
    int rc = split(txn, op, skew_ms, st, o);
    if (rc)
        return rc;
    for (uint32_t k = 0; k < o->ncyc; k++)
        cycle_steps(st, skew_ms, &o->cyc[k]);
    int any_dispatch = 0;
    for (uint32_t k = 0; k < o->ncyc; k++)
        any_dispatch |= o->cyc[k].t_dispatch != 0;
    if (any_dispatch)
        deliveries(txn, op, skew_ms, st, o);
    if (fold_state_field(st, "appointment") != NULL)
        appointments(txn, op, st, o);
    if (fold_state_first(st, PROTO_ACTION_REPLY) != NULL)
        replies(txn, op, skew_ms, st, o);
    return 0;
}

/* ---- clocks -------------------------------------------------------------- */

/* fstart, fstop: the clock flags of the start and stop events. A clock
 * with a flagged start (running or stopped) or a flagged stop is
 * unverified: measured from a doubtful time, it is neither met nor
 * breached. live: the clock may still run (its order is open and this is
 * its current cycle); end: when it stopped running otherwise (a reopen's
 * time), 0 for a cancelled or closed order. */
static void clock_eval(wo_clock *k, int64_t start, int64_t stop, int stop_by,
                       int64_t limit, int live, int64_t now, int64_t end,
                       const char *fstart, const char *fstop)
{
    memset(k, 0, sizeof *k);
    k->start = start;
    k->limit_ms = limit;
    if (start <= 0)
        return;
    if (fstart || (stop > 0 && fstop)) {
        k->state = ST_UNVERIFIED;
        k->flag = fstart ? fstart : fstop;
        k->stop = stop;
        k->stop_by = stop > 0 ? stop_by : STOP_NONE;
        k->elapsed_ms = stop > 0 ? stop - start : 0;
        return;
    }
    if (stop > 0) {
        k->stop = stop;
        k->stop_by = stop_by;
        k->elapsed_ms = stop - start;
        k->state = k->elapsed_ms <= limit ? ST_MET : ST_BREACHED;
        return;
    }
    if (!live && end <= 0)
        return; /* cancelled or closed before this step: it never ran out */
    k->elapsed_ms = (live ? now : end) - start;
    if (k->elapsed_ms > limit)
        k->state = ST_BREACHED;
    else if (!live)
        k->state = ST_NA; /* the cycle ended in time */
    else if (k->elapsed_ms * 5 >= limit * 4)
        k->state = ST_AT_RISK;
    else
        k->state = ST_RUNNING;
    if (!live)
        k->stop_by = STOP_REOPEN;
}

/* The complaint clocks of cycle c (started at start, its flag fstart):
 * feedback, stopped by a feedback op, a reply (an answer, or the agreed
 * time of one: the resident was told) or the completion (the resident
 * signed it), whichever came first; and the deferred reply, running from
 * the call only when the answer was deferred. */
static void cycle_xclocks(wo *o, wo_cycle *c, int live, int64_t now, int tz_min,
                          const rpt_calendar *cal, int64_t start,
                          const char *fstart)
{
    int64_t fstop = c->t_feedback;
    int fby = STOP_FEEDBACK;
    const char *ffstop = c->f_feedback;
    if (c->t_first_reply && (fstop == 0 || c->t_first_reply < fstop)) {
        fstop = c->t_first_reply;
        fby = STOP_REPLY;
        ffstop = c->f_first_reply;
    }
    if (c->t_complete && (fstop == 0 || c->t_complete < fstop)) {
        fstop = c->t_complete;
        fby = STOP_COMPLETED;
        ffstop = c->f_complete;
    }
    clock_eval(&c->xclk[CL_FEEDBACK - NCLOCKS], start, fstop, fby,
               limit_of(o, CL_FEEDBACK, start, tz_min, cal), live, now, c->end,
               fstart, ffstop);
    wo_clock *r = &c->xclk[CL_REPLY - NCLOCKS];
    if (c->t_defer == 0) {
        memset(r, 0, sizeof *r); /* answered on the spot, or not yet asked */
        return;
    }
    int64_t rlimit = limit_of(o, CL_REPLY, start, tz_min, cal);
    if (c->answer_by > start && c->answer_by - start < rlimit)
        rlimit = c->answer_by - start;
    else if (c->answer_by <= start)
        rlimit = 0;
    clock_eval(r, start, c->t_reply, STOP_REPLY, rlimit, live, now, c->end,
               fstart ? fstart : c->f_defer, c->f_reply);
    if (r->stop_by == STOP_REPLY && c->t_reply == c->t_complete)
        r->stop_by = STOP_COMPLETED;
}

static void cycle_clocks(wo *o, uint32_t ck, int64_t now, int tz_min,
                         const rpt_calendar *cal)
{
    wo_cycle *c = &o->cyc[ck];
    int first = ck == 0;
    int live = o->open && ck + 1 == o->ncyc;
    /* A call recorded as later than its own op (more than the tolerance)
     * is an error: the clocks it starts are unverified. */
    const char *fcall = o->f_created;
    if (fcall == NULL && o->called_at > o->created + PROTO_CALLED_AT_AHEAD_MS)
        fcall = "called_at_ahead";
    int64_t start =
        first ? (o->called_at ? o->called_at : o->created) : c->start;
    const char *fstart = first ? fcall : c->f_start;
    if (first) {
        c->start = start;
        c->f_start = fstart;
        /* The record clock stopped at the create: a cancelled order keeps
         * it. */
        clock_eval(&c->clk[CL_RECORD], o->called_at, o->created, STOP_CREATE,
                   limit_of(o, CL_RECORD, start, tz_min, cal), 1, now, 0, fcall,
                   o->f_created);
    }
    /* notify: from the record (or the reopen) to the order reaching the
     * assignee's device; an arrival on site shows it had, if nothing
     * delivered it before. */
    int64_t nstart = first ? o->created : c->start;
    const char *fn = first ? o->f_created : c->f_start;
    int64_t nstop = c->t_deliver;
    int nby = c->deliver_by;
    const char *fnstop = c->f_deliver;
    if (c->t_arrive && (nstop == 0 || c->t_arrive < nstop)) {
        nstop = c->t_arrive;
        nby = STOP_ARRIVED;
        fnstop = c->f_arrive;
    }
    clock_eval(&c->clk[CL_NOTIFY], nstart, nstop, nby,
               limit_of(o, CL_NOTIFY, nstart, tz_min, cal), live, now, c->end,
               fn, fnstop);
    if (nstop == 0 && c->t_dispatch && c->clk[CL_NOTIFY].stop_by == 0)
        c->clk[CL_NOTIFY].stop_by = STOP_UNDELIVERED;
    /* on_site: against the appointment when one was agreed (on site
     * APPOINTMENT_EARLY_MS before it), else the promise's limit. */
    int64_t olimit = limit_of(o, CL_ON_SITE, start, tz_min, cal);
    if (c->appointment - APPOINTMENT_EARLY_MS > start)
        olimit = c->appointment - APPOINTMENT_EARLY_MS - start;
    clock_eval(&c->clk[CL_ON_SITE], start, c->t_arrive, STOP_ARRIVED, olimit,
               live, now, c->end, fstart, c->f_arrive);
    clock_eval(&c->clk[CL_RESOLVE], start, c->t_complete, STOP_COMPLETED,
               limit_of(o, CL_RESOLVE, start, tz_min, cal), live, now, c->end,
               fstart, c->f_complete);
    clock_eval(&c->clk[CL_CALLBACK], c->t_complete, c->t_callback,
               STOP_CALLBACK, limit_of(o, CL_CALLBACK, start, tz_min, cal),
               live, now, c->end, c->f_complete, c->f_callback);
    cycle_xclocks(o, c, live, now, tz_min, cal, start, fstart);
}

void wo_clocks(wo *o, int64_t now, int tz_min, const rpt_calendar *cal)
{
    for (uint32_t k = 0; k < o->ncyc; k++)
        cycle_clocks(o, k, now, tz_min, cal);
}

const wo_clock *wo_clock_of(const wo_cycle *c, int id)
{
    return id < NCLOCKS ? &c->clk[id] : &c->xclk[id - NCLOCKS];
}

const char *wo_clock_name(int id)
{
    return id < NCLOCKS ? wo_clock_names[id] : wo_xclock_names[id - NCLOCKS];
}

wo_next wo_next_clock(const wo *o, int64_t now)
{
    wo_next nx = {-1, 0, 0, "ok"};
    if (o->ncyc == 0 || !o->open)
        return nx;
    const wo_cycle *c = &o->cyc[o->ncyc - 1];
    int breached = 0, at_risk = 0;
    for (int id = 0; id < CL_END; id++) {
        const wo_clock *k = wo_clock_of(c, id);
        breached |= k->state == ST_BREACHED;
        at_risk |= k->state == ST_AT_RISK;
        if (k->start <= 0 || k->stop != 0 ||
            (k->state != ST_RUNNING && k->state != ST_AT_RISK &&
             k->state != ST_BREACHED))
            continue;
        int64_t due = k->start + k->limit_ms;
        if (nx.clock < 0 || due < nx.due) {
            nx.clock = id;
            nx.due = due;
        }
    }
    if (nx.clock >= 0)
        nx.left_ms = nx.due - now;
    if (breached || (nx.clock >= 0 && nx.left_ms < 0))
        nx.state = "bad";
    else if (at_risk || (nx.clock >= 0 && nx.left_ms < RPT_WO_WARN_MS))
        nx.state = "warn";
    return nx;
}
