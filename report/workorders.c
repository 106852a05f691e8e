/* workorders.c: open work orders and their SLA clocks (docs/REPORTS.md,
 * "workorders"; the promises are ../shared/DOMAIN.md's "Service promises").
 *
 * Which orders: every open one (the store's open index), whatever its age,
 * plus every order created in the window. Entities are skipped by the
 * creation time in their id before any parsing: only orders created from
 * 30 days before the earliest listed order (the repeat look-back) are
 * parsed, so a month's report on a store of years reads a month of orders.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "report.h"

#define MIN_MS 60000LL
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS (24 * HOUR_MS)
#define REPEAT_MS (30 * DAY_MS) /* a repeat: same place, same category */
#define UNSATISFIED "unsatisfied"

enum { CL_RECORD, CL_NOTIFY, CL_ON_SITE, CL_RESOLVE, CL_CALLBACK, NCLOCKS };
static const char *const clock_names[NCLOCKS] = {"record", "notify", "on_site",
                                                 "resolve", "callback"};

/* ST_UNVERIFIED: its start or stop event was made with a flagged clock
 * (rpt_clock_flag): neither met nor breached, its times are in doubt. */
enum clock_state {
    ST_NA,
    ST_RUNNING,
    ST_AT_RISK,
    ST_MET,
    ST_BREACHED,
    ST_UNVERIFIED
};
static const char *const state_names[] = {"n/a", "running",  "at_risk",
                                          "met", "breached", "unverified"};

typedef struct wo_clock {
    int state;
    int64_t start, limit_ms; /* start 0: n/a */
    int64_t elapsed_ms;      /* to its stop, or to now while running */
    const char *flag;        /* ST_UNVERIFIED: the flag (static) */
} wo_clock;

typedef struct wo {
    uint8_t id[PROTO_ENTITY_LEN];
    char hex[33];
    char *place, *assignee; /* malloc'd; assignee may be NULL */
    char category[24], priority[12], severity[12], status[24];
    int urgent, open, cancelled, closed, listed;
    int64_t id_ms, created, called_at; /* called_at 0: not recorded */
    int64_t cycle_ms; /* the last reopen (or unsatisfied callback), or 0 */
    int64_t t_dispatch, t_arrive, t_complete, t_callback; /* this cycle */
    /* The clock flags (rpt_clock_flag, static strings or NULL) of the
     * events the times above come from. */
    const char *f_created, *f_cycle, *f_dispatch, *f_arrive, *f_complete,
        *f_callback;
    uint32_t reopen_count;
    wo_clock clk[NCLOCKS];
    int64_t prev; /* index of the repeated order, -1 for none */
    int repeat;
} wo;

typedef struct wo_set {
    wo *v;
    size_t n, cap;
    store_txn *txn;
    const rpt_params *p;
    fold_state *st;
    proto_op *op;
    int64_t lo, hi; /* walk 2: id times parsed */
    int rc;
} wo_set;

static int64_t id_ms(const uint8_t id[PROTO_ENTITY_LEN])
{
    int64_t t = 0;
    for (int i = 0; i < 6; i++)
        t = (t << 8) | id[i];
    return t;
}

static char *dup_field(const fold_state *st, const char *name)
{
    return rpt_str_dup(fold_state_field(st, name));
}

/* Whether the callback op (device, seq) said "unsatisfied": the events
 * keep no fields, so the op itself is read (callbacks are few). */
static int callback_unsatisfied(wo_set *w, const fold_event *e)
{
    const uint8_t *enc;
    size_t len;
    int64_t recv;
    if (store_op_get(w->txn, e->device_id, e->seq, &enc, &len, &recv) != 0 ||
        proto_op_decode(enc, len, w->op) != 0)
        return 0;
    const proto_field *f = proto_op_field(w->op, "satisfaction");
    return f && f->type == PROTO_STR && f->str_len == strlen(UNSATISFIED) &&
           memcmp(f->str, UNSATISFIED, f->str_len) == 0;
}

/* The fold's status ranks (storage/fold.c), replayed over the events to
 * find where the current cycle began: the last backward move. */
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

static void steps(wo_set *w, const fold_state *st, wo *o)
{
    int rank = R_NONE;
    uint32_t from = 0; /* first event of the current cycle */
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
            if (callback_unsatisfied(w, e))
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
                from = i + 1;
                o->cycle_ms = e->wall_ms;
                o->f_cycle = rpt_clock_flag(e, w->p->skew_limit_ms);
            }
            continue;
        }
        if (rank != R_CANCELLED && target > rank)
            rank = target;
    }
    for (uint32_t i = from; i < st->nevents; i++) {
        const fold_event *e = &st->events[i];
        int64_t *t = NULL;
        const char **f = NULL;
        switch (e->action) {
        case PROTO_ACTION_DISPATCH:
            t = &o->t_dispatch;
            f = &o->f_dispatch;
            break;
        case PROTO_ACTION_ARRIVE:
            t = &o->t_arrive;
            f = &o->f_arrive;
            break;
        case PROTO_ACTION_COMPLETE:
            t = &o->t_complete;
            f = &o->f_complete;
            break;
        case PROTO_ACTION_CALLBACK:
            t = &o->t_callback;
            f = &o->f_callback;
            break;
        default:
            break;
        }
        if (t && *t == 0) {
            *t = e->wall_ms;
            *f = rpt_clock_flag(e, w->p->skew_limit_ms);
        }
    }
}

static int add_order(wo_set *w, const uint8_t id[PROTO_ENTITY_LEN],
                     const uint8_t *state, size_t len, int listed)
{
    if (fold_state_parse(state, len, w->st) != 0)
        return 0; /* an unreadable state is integrity's business */
    const fold_state *st = w->st;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 256;
        wo *v = realloc(w->v, cap * sizeof *v);
        if (v == NULL)
            return RND_ENOMEM;
        w->v = v;
        w->cap = cap;
    }
    wo *o = &w->v[w->n];
    memset(o, 0, sizeof *o);
    memcpy(o->id, id, PROTO_ENTITY_LEN);
    proto_entity_hex(id, o->hex);
    o->place = dup_field(st, "place");
    if (o->place == NULL && (o->place = calloc(1, 1)) == NULL)
        return RND_ENOMEM;
    o->assignee = dup_field(st, "assignee");
    w->n++;
    fold_state_text(st, "category", o->category, sizeof o->category);
    fold_state_text(st, "priority", o->priority, sizeof o->priority);
    fold_state_text(st, "severity", o->severity, sizeof o->severity);
    snprintf(o->status, sizeof o->status, "%s", st->status);
    if (o->priority[0] == '\0')
        snprintf(o->priority, sizeof o->priority, "normal");
    if (o->severity[0] == '\0')
        snprintf(o->severity, sizeof o->severity, "general");
    o->urgent = strcmp(o->priority, "urgent") == 0 ||
                fold_state_field(st, "urgent_reason") != NULL;
    if (o->urgent)
        snprintf(o->priority, sizeof o->priority, "urgent");
    o->cancelled = strcmp(st->status, "cancelled") == 0;
    o->closed = strcmp(st->status, "closed") == 0;
    o->open = !o->cancelled && !o->closed;
    o->listed = listed;
    o->id_ms = id_ms(id);
    const fold_event *c = fold_state_first(st, PROTO_ACTION_CREATE);
    o->created = c ? c->wall_ms : o->id_ms;
    o->f_created = c ? rpt_clock_flag(c, w->p->skew_limit_ms) : NULL;
    const proto_field *ca = fold_state_field(st, "called_at");
    if (ca && ca->type == PROTO_INT && ca->i > 0)
        o->called_at = ca->i;
    o->reopen_count = st->reopen_count;
    o->prev = -1;
    steps(w, st, o);
    return 0;
}

static int open_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                   const uint8_t *state, size_t len, void *ctx)
{
    (void)kind;
    wo_set *w = ctx;
    return (w->rc = add_order(w, id, state, len, 1));
}

static int by_id(const void *a, const void *b)
{
    return memcmp(((const wo *)a)->id, ((const wo *)b)->id, PROTO_ENTITY_LEN);
}

typedef struct walk2 {
    wo_set *w;
    size_t nopen; /* w->v[0..nopen) are the open orders, sorted by id */
} walk2;

static int all_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                  const uint8_t *state, size_t len, void *ctx)
{
    (void)kind;
    walk2 *x = ctx;
    wo_set *w = x->w;
    int64_t t = id_ms(id);
    if (t < w->lo)
        return 0;
    if (t >= w->hi)
        return 1; /* ids ascend by time: nothing later matters */
    wo key;
    memcpy(key.id, id, PROTO_ENTITY_LEN);
    if (bsearch(&key, w->v, x->nopen, sizeof *w->v, by_id))
        return 0; /* already read as open */
    int in_window = t >= w->p->from && t < w->p->to;
    return (w->rc = add_order(w, id, state, len, in_window));
}

/* ---- clocks --------------------------------------------------------- */

/* Serious complaints: 5 working days (Monday to Friday in the report's
 * offset): the same local time on the fifth working day after start. */
static int64_t working_days_ms(int64_t start, int tz_min, int days)
{
    int64_t local = start + (int64_t)tz_min * MIN_MS;
    int64_t day = local >= 0 ? local / DAY_MS : (local - DAY_MS + 1) / DAY_MS;
    int64_t d = 0;
    int counted = 0;
    while (counted < days) {
        d++;
        int wd = (int)(((day + d) % 7 + 7 + 3) % 7); /* 0 = Monday */
        if (wd < 5)
            counted++;
    }
    return d * DAY_MS;
}

static int64_t resolve_limit(const wo *o, int64_t start, int tz_min)
{
    const char *c = o->category, *s = o->severity;
    if (strcmp(c, "complaint") == 0)
        return strcmp(s, "serious") == 0 ? working_days_ms(start, tz_min, 5)
                                         : 8 * HOUR_MS;
    if (strcmp(c, "public_lighting") == 0)
        return strcmp(s, "complex") == 0 ? 48 * HOUR_MS : 8 * HOUR_MS;
    if (strcmp(s, "difficult") == 0)
        return 48 * HOUR_MS;
    if (strcmp(s, "major") == 0)
        return 72 * HOUR_MS;
    return 24 * HOUR_MS;
}

/* fstart, fstop: the clock flags of the start and stop events. A clock
 * with a flagged start (running or stopped) or a flagged stop is
 * unverified: measured from a doubtful time, it is neither met nor
 * breached. */
static void clock_eval(wo_clock *k, const wo *o, int64_t start, int64_t stop,
                       int64_t limit, int64_t now, const char *fstart,
                       const char *fstop)
{
    k->start = start;
    k->limit_ms = limit;
    k->state = ST_NA;
    k->flag = NULL;
    if (start <= 0)
        return;
    if (fstart || (stop > 0 && fstop)) {
        k->state = ST_UNVERIFIED;
        k->flag = fstart ? fstart : fstop;
        k->elapsed_ms = stop > 0 ? stop - start : 0;
        return;
    }
    if (stop > 0) {
        k->elapsed_ms = stop - start;
        k->state = k->elapsed_ms <= limit ? ST_MET : ST_BREACHED;
        return;
    }
    if (!o->open) /* cancelled or closed before this step: it never ran out */
        return;
    k->elapsed_ms = now - start;
    if (k->elapsed_ms > limit)
        k->state = ST_BREACHED;
    else if (k->elapsed_ms * 5 >= limit * 4)
        k->state = ST_AT_RISK;
    else
        k->state = ST_RUNNING;
}

static void clocks(wo *o, const rpt_params *p)
{
    int64_t first = o->called_at ? o->called_at : o->created;
    int64_t cyc = o->cycle_ms ? o->cycle_ms : first;
    int complaint = strcmp(o->category, "complaint") == 0;
    /* called_at is the create's field: the create's flag is its flag. */
    const char *ffirst = o->f_created;
    const char *fcyc = o->cycle_ms ? o->f_cycle : ffirst;
    clock_eval(&o->clk[CL_RECORD], o, o->called_at, o->created, 3 * MIN_MS,
               p->now, ffirst, o->f_created);
    /* The record clock stopped at the create: a cancelled order keeps it. */
    clock_eval(&o->clk[CL_NOTIFY], o, o->cycle_ms ? o->cycle_ms : o->created,
               o->t_dispatch, 2 * MIN_MS, p->now,
               o->cycle_ms ? o->f_cycle : o->f_created, o->f_dispatch);
    clock_eval(&o->clk[CL_ON_SITE], o, cyc, o->t_arrive,
               complaint   ? HOUR_MS
               : o->urgent ? 30 * MIN_MS
                           : 15 * MIN_MS,
               p->now, fcyc, o->f_arrive);
    clock_eval(&o->clk[CL_RESOLVE], o, cyc, o->t_complete,
               resolve_limit(o, cyc, p->tz_min), p->now, fcyc, o->f_complete);
    clock_eval(&o->clk[CL_CALLBACK], o, o->t_complete, o->t_callback,
               24 * HOUR_MS, p->now, o->f_complete, o->f_callback);
}

/* ---- repeats -------------------------------------------------------- */

/* The sorts below order pointers to orders (qsort passes no context, and
 * a file-level base pointer would make two reports at once race). */
static int by_place(const void *a, const void *b)
{
    const wo *x = *(const wo *const *)a, *y = *(const wo *const *)b;
    int c = strcmp(x->place, y->place);
    if (c == 0)
        c = strcmp(x->category, y->category);
    if (c == 0)
        c = x->created < y->created ? -1 : x->created > y->created;
    if (c == 0)
        c = memcmp(x->id, y->id, PROTO_ENTITY_LEN);
    return c;
}

static int by_created(const void *a, const void *b)
{
    const wo *x = *(const wo *const *)a, *y = *(const wo *const *)b;
    int c = x->created < y->created ? -1 : x->created > y->created;
    return c ? c : memcmp(x->id, y->id, PROTO_ENTITY_LEN);
}

/* Sorts the orders v[idx[0..n)] by cmp, through ptr[n]. */
static void sort_idx(wo *v, size_t *idx, size_t n, wo **ptr,
                     int (*cmp)(const void *, const void *))
{
    if (n < 2)
        return;
    for (size_t i = 0; i < n; i++)
        ptr[i] = &v[idx[i]];
    qsort(ptr, n, sizeof *ptr, cmp);
    for (size_t i = 0; i < n; i++)
        idx[i] = (size_t)(ptr[i] - v);
}

static void repeats(wo *v, size_t n, size_t *idx, wo **ptr)
{
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    sort_idx(v, idx, n, ptr, by_place);
    for (size_t i = 1; i < n; i++) {
        wo *o = &v[idx[i]];
        const wo *q = &v[idx[i - 1]];
        if (o->place[0] && strcmp(o->place, q->place) == 0 &&
            strcmp(o->category, q->category) == 0 &&
            o->created - q->created <= REPEAT_MS)
            o->prev = (int64_t)idx[i - 1];
    }
    for (size_t i = 0; i < n; i++)
        v[i].repeat = v[i].reopen_count > 0 || v[i].prev >= 0;
}

/* ---- the report ----------------------------------------------------- */

/* Minutes rounded up: a breach by seconds is over by a minute. */
static int64_t ceil_min(int64_t ms)
{
    return ms > 0 ? (ms + MIN_MS - 1) / MIN_MS : -((-ms) / MIN_MS);
}

static int64_t floor_min(int64_t ms)
{
    return ms >= 0 ? ms / MIN_MS : -((-ms + MIN_MS - 1) / MIN_MS);
}

typedef struct group {
    char name[24];
    int64_t orders, open, n[NCLOCKS][3]; /* met, breached, at_risk */
} group;

static void group_add(group *g, size_t *ng, size_t cap, const char *name,
                      const wo *o)
{
    size_t i;
    for (i = 0; i < *ng && strcmp(g[i].name, name) != 0; i++)
        ;
    if (i == *ng) {
        if (*ng == cap)
            return;
        memset(&g[i], 0, sizeof g[i]);
        snprintf(g[i].name, sizeof g[i].name, "%s", name);
        (*ng)++;
    }
    g[i].orders++;
    g[i].open += o->open;
    for (int c = 0; c < NCLOCKS; c++) {
        int s = o->clk[c].state;
        if (s == ST_MET)
            g[i].n[c][0]++;
        else if (s == ST_BREACHED)
            g[i].n[c][1]++;
        else if (s == ST_AT_RISK)
            g[i].n[c][2]++;
    }
}

static int by_group_name(const void *a, const void *b)
{
    return strcmp(((const group *)a)->name, ((const group *)b)->name);
}

static int group_section(rpt_doc *d, const char *name, const char *title,
                         const char *key, group *g, size_t ng)
{
    const char *cols[3 + 3 * NCLOCKS];
    char names[3 * NCLOCKS][24];
    static const char *const what[3] = {"met", "breached", "at_risk"};
    cols[0] = key;
    cols[1] = "orders";
    cols[2] = "open";
    for (int c = 0; c < NCLOCKS; c++)
        for (int k = 0; k < 3; k++) {
            snprintf(names[c * 3 + k], sizeof names[0], "%s_%s", clock_names[c],
                     what[k]);
            cols[3 + c * 3 + k] = names[c * 3 + k];
        }
    rpt_section *s = rpt_section_add(d, name, title, cols, 3 + 3 * NCLOCKS);
    if (s == NULL)
        return RND_ENOMEM;
    if (ng > 1)
        qsort(g, ng, sizeof *g, by_group_name);
    for (size_t i = 0; i < ng; i++) {
        rpt_cell row[3 + 3 * NCLOCKS];
        row[0] = rpt_s(g[i].name);
        row[1] = rpt_i(g[i].orders);
        row[2] = rpt_i(g[i].open);
        for (int c = 0; c < NCLOCKS; c++)
            for (int k = 0; k < 3; k++)
                row[3 + c * 3 + k] = rpt_i(g[i].n[c][k]);
        int rc = rpt_row(s, row);
        if (rc)
            return rc;
    }
    return 0;
}

#define MAX_GROUPS 32

static int build(rpt_doc *d, const rpt_params *p, wo *v, size_t n, size_t *idx,
                 wo **ptr, group *gp, group *gc)
{
    static const char *const ocols[] = {
        "id",     "place",        "category",   "priority",  "severity",
        "status", "assignee",     "called_at",  "age_min",   "record",
        "notify", "on_site",      "resolve",    "callback",  "breached",
        "repeat", "reopen_count", "unverified", "clock_flag"};
    static const char *const bcols[] = {"order", "clock", "limit_min",
                                        "elapsed_min", "over_min"};
    static const char *const acols[] = {"order", "clock", "due",
                                        "minutes_left"};
    static const char *const rcols[] = {"order",        "place",
                                        "category",     "previous",
                                        "days_between", "reopen_count"};
    rpt_section *so = rpt_section_add(d, "orders", "Work orders", ocols, 19);
    rpt_section *sb =
        rpt_section_add(d, "breaches", "Breached clocks", bcols, 5);
    rpt_section *sa = rpt_section_add(d, "at_risk", "Clocks at risk", acols, 4);
    if (!so || !sb || !sa)
        return RND_ENOMEM;
    int rc;
    int64_t orders = 0, open = 0, urgent = 0, breached = 0, at_risk = 0,
            nrep = 0, completed = 0, called_back = 0, unverified = 0;
    size_t ngp = 0, ngc = 0;
    size_t nl = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].listed)
            idx[nl++] = i;
    sort_idx(v, idx, nl, ptr, by_created);
    for (size_t k = 0; k < nl; k++) {
        wo *o = &v[idx[k]];
        char bnames[64] = "", unames[64] = "";
        const char *uflag = NULL;
        int any_b = 0, any_r = 0;
        for (int c = 0; c < NCLOCKS; c++) {
            const wo_clock *ck = &o->clk[c];
            if (ck->state == ST_UNVERIFIED) {
                snprintf(unames + strlen(unames),
                         sizeof unames - strlen(unames), "%s%s",
                         uflag ? " " : "", clock_names[c]);
                if (uflag == NULL)
                    uflag = ck->flag;
            } else if (ck->state == ST_BREACHED) {
                snprintf(bnames + strlen(bnames),
                         sizeof bnames - strlen(bnames), "%s%s",
                         any_b ? " " : "", clock_names[c]);
                any_b = 1;
                rpt_cell row[] = {
                    rpt_s(o->hex), rpt_s(clock_names[c]),
                    rpt_i(ck->limit_ms / MIN_MS),
                    rpt_i(ceil_min(ck->elapsed_ms)),
                    rpt_i(ceil_min(ck->elapsed_ms - ck->limit_ms))};
                if ((rc = rpt_row(sb, row)) != 0)
                    return rc;
            } else if (ck->state == ST_AT_RISK) {
                any_r = 1;
                int64_t due = ck->start + ck->limit_ms;
                rpt_cell row[] = {rpt_s(o->hex), rpt_s(clock_names[c]),
                                  rpt_t(due), rpt_i(floor_min(due - p->now))};
                if ((rc = rpt_row(sa, row)) != 0)
                    return rc;
            }
        }
        int64_t first = o->called_at ? o->called_at : o->created;
        rpt_cell row[] = {rpt_s(o->hex),
                          rpt_s(o->place),
                          rpt_s(o->category),
                          rpt_s(o->priority),
                          rpt_s(o->severity),
                          rpt_s(o->status),
                          rpt_s(o->assignee),
                          rpt_t(o->called_at),
                          rpt_i(floor_min(p->now - first)),
                          rpt_s(state_names[o->clk[CL_RECORD].state]),
                          rpt_s(state_names[o->clk[CL_NOTIFY].state]),
                          rpt_s(state_names[o->clk[CL_ON_SITE].state]),
                          rpt_s(state_names[o->clk[CL_RESOLVE].state]),
                          rpt_s(state_names[o->clk[CL_CALLBACK].state]),
                          any_b ? rpt_s(bnames) : rpt_null(),
                          rpt_b(o->repeat),
                          rpt_i(o->reopen_count),
                          uflag ? rpt_s(unames) : rpt_null(),
                          rpt_s(uflag)};
        if ((rc = rpt_row(so, row)) != 0)
            return rc;
        unverified += uflag != NULL;
        orders++;
        open += o->open;
        urgent += o->urgent;
        breached += any_b;
        at_risk += any_r;
        nrep += o->repeat;
        if (o->t_complete >= p->from && o->t_complete < p->to) {
            completed++;
            called_back += o->t_callback != 0;
        }
        group_add(gp, &ngp, MAX_GROUPS, o->priority, o);
        group_add(gc, &ngc, MAX_GROUPS, o->category[0] ? o->category : "-", o);
    }
    if ((rc = group_section(d, "by_priority", "By priority", "priority", gp,
                            ngp)) ||
        (rc = group_section(d, "by_category", "By category", "category", gc,
                            ngc)))
        return rc;
    rpt_section *sr = rpt_section_add(d, "repeats", "Repeat repairs", rcols, 6);
    if (sr == NULL)
        return RND_ENOMEM;
    for (size_t k = 0; k < nl; k++) {
        const wo *o = &v[idx[k]];
        if (!o->repeat)
            continue;
        const wo *q = o->prev >= 0 ? &v[o->prev] : NULL;
        rpt_cell row[] = {rpt_s(o->hex),
                          rpt_s(o->place),
                          rpt_s(o->category),
                          q ? rpt_s(q->hex) : rpt_null(),
                          q ? rpt_i((o->created - q->created) / DAY_MS)
                            : rpt_null(),
                          rpt_i(o->reopen_count)};
        if ((rc = rpt_row(sr, row)) != 0)
            return rc;
    }
    if ((rc = rpt_summary(d, "orders", rpt_i(orders))) ||
        (rc = rpt_summary(d, "open", rpt_i(open))) ||
        (rc = rpt_summary(d, "urgent", rpt_i(urgent))) ||
        (rc = rpt_summary(d, "breached", rpt_i(breached))) ||
        (rc = rpt_summary(d, "at_risk", rpt_i(at_risk))) ||
        (rc = rpt_summary(d, "unverified", rpt_i(unverified))) ||
        (rc = rpt_summary(d, "repeats", rpt_i(nrep))) ||
        (rc = rpt_summary(d, "completed_in_window", rpt_i(completed))) ||
        (rc = rpt_summary(d, "called_back", rpt_i(called_back))) ||
        (rc = rpt_summary(d, "callback_coverage",
                          completed
                              ? rpt_r((double)called_back / (double)completed)
                              : rpt_null())))
        return rc;
    return 0;
}

int rpt_workorders(store_txn *txn, const rpt_params *p, rpt_doc *d)
{
    rpt_doc_init(d, "workorders", "Work orders", p->site, p->from, p->to,
                 p->now, p->tz_min);
    wo_set w = {.txn = txn, .p = p};
    size_t *idx = NULL;
    wo **ptr = NULL;
    group *groups = NULL; /* by priority, then by category */
    int rc = RND_ENOMEM;
    w.st = malloc(sizeof *w.st);
    w.op = malloc(sizeof *w.op);
    if (w.st == NULL || w.op == NULL)
        goto out;
    /* 1: every open order, in id order. */
    rc = store_entities_each(txn, PROTO_KIND_WORKORDER, 1, open_cb, &w);
    if (rc == 0)
        rc = w.rc;
    if (rc)
        goto out;
    /* 2: the orders created in the window, and from 30 days before the
     * earliest listed one on (the history repeats are looked up in). */
    walk2 x = {&w, w.n};
    int64_t lo = p->from, hi = p->to;
    for (size_t i = 0; i < w.n; i++) {
        if (w.v[i].id_ms < lo)
            lo = w.v[i].id_ms;
        if (w.v[i].id_ms + 1 > hi)
            hi = w.v[i].id_ms + 1;
    }
    w.lo = lo - REPEAT_MS;
    w.hi = hi;
    rc = store_entities_each(txn, PROTO_KIND_WORKORDER, 0, all_cb, &x);
    if (rc == 0)
        rc = w.rc;
    if (rc)
        goto out;
    for (size_t i = 0; i < w.n; i++)
        clocks(&w.v[i], p);
    rc = RND_ENOMEM;
    if ((groups = calloc(2 * MAX_GROUPS, sizeof *groups)) == NULL)
        goto out;
    if (w.n && ((idx = malloc(w.n * sizeof *idx)) == NULL ||
                (ptr = malloc(w.n * sizeof *ptr)) == NULL))
        goto out;
    repeats(w.v, w.n, idx, ptr);
    rc = build(d, p, w.v, w.n, idx, ptr, groups, groups + MAX_GROUPS);
out:
    for (size_t i = 0; i < w.n; i++) {
        free(w.v[i].place);
        free(w.v[i].assignee);
    }
    free(w.v);
    free(idx);
    free(ptr);
    free(groups);
    free(w.st);
    free(w.op);
    return rc;
}
