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

#include "../i18n/i18n.h"
#include "fields.h"
#include "signatures.h"
#include "wo_int.h"

#define MIN_MS WO_MIN_MS
#define DAY_MS WO_DAY_MS
#define REPEAT_MS (30 * DAY_MS) /* a repeat: same place, same category */

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

static int add_order(wo_set *w, const uint8_t id[PROTO_ENTITY_LEN],
                     const uint8_t *state, size_t len, int listed)
{
    if (fold_state_parse(state, len, w->st) != 0)
        return 0; /* an unreadable state is integrity's business */
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 256;
        wo *v = realloc(w->v, cap * sizeof *v);
        if (v == NULL)
            return RND_ENOMEM;
        w->v = v;
        w->cap = cap;
    }
    wo *o = &w->v[w->n];
    int rc = wo_fill(w->txn, w->op, w->p->skew_limit_ms, id, w->st, o);
    if (o->place) { /* filled far enough to be freed */
        o->listed = listed;
        w->n++;
    }
    return rc;
}

int wo_fill(store_txn *txn, proto_op *op, int64_t skew_ms,
            const uint8_t id[PROTO_ENTITY_LEN], const fold_state *st, wo *o)
{
    memset(o, 0, sizeof *o);
    memcpy(o->id, id, PROTO_ENTITY_LEN);
    proto_entity_hex(id, o->hex);
    o->place = dup_field(st, "place");
    if (o->place == NULL && (o->place = calloc(1, 1)) == NULL)
        return RND_ENOMEM;
    o->assignee = dup_field(st, "assignee");
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
    o->id_ms = id_ms(id);
    const fold_event *c = fold_state_first(st, PROTO_ACTION_CREATE);
    o->created = c ? c->wall_ms : o->id_ms;
    o->f_created = c ? rpt_clock_flag(c, skew_ms) : NULL;
    const proto_field *ca = fold_state_field(st, "called_at");
    if (ca && ca->type == PROTO_INT && ca->i > 0)
        o->called_at = ca->i;
    o->reopen_count = st->reopen_count;
    o->prev = -1;
    return wo_cycles(txn, op, skew_ms, st, o);
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
    /* Every cycle's clocks: a breach of a cycle a reopen ended counts. */
    for (uint32_t k = 0; k < o->ncyc; k++)
        for (int c = 0; c < NCLOCKS; c++) {
            int s = o->cyc[k].clk[c].state;
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
            snprintf(names[c * 3 + k], sizeof names[0], "%s_%s",
                     wo_clock_names[c], what[k]);
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

/* Appends " name" to a list of names (deduplicated). */
static void name_add(char *list, size_t cap, const char *name)
{
    size_t n = strlen(name), len = strlen(list);
    for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return;
    snprintf(list + len, cap - len, "%s%s", len ? " " : "", name);
}

typedef struct wo_sections {
    rpt_section *orders, *breaches, *at_risk, *cycles, *clocks;
} wo_sections;

/* The rows of one cycle: the cycle, its clocks and their breaches and
 * risks. */
static int cycle_rows(const wo_sections *x, const rpt_params *p, const wo *o,
                      uint32_t k)
{
    const wo_cycle *c = &o->cyc[k];
    int64_t nb = 0;
    int rc;
    for (int ci = 0; ci < NCLOCKS; ci++)
        nb += c->clk[ci].state == ST_BREACHED;
    rpt_cell crow[] = {rpt_s(o->hex),
                       rpt_i(k + 1),
                       rpt_t(c->start),
                       rpt_k(k == 0           ? "call"
                             : c->by_callback ? "callback"
                                              : "reopen"),
                       rpt_t(c->end),
                       rpt_t(c->appointment),
                       rpt_i(nb)};
    if ((rc = rpt_row(x->cycles, crow)) != 0)
        return rc;
    for (int ci = 0; ci < NCLOCKS; ci++) {
        const wo_clock *ck = &c->clk[ci];
        if (ci == CL_RECORD && k > 0)
            continue; /* the call is recorded once */
        int timed = ck->start > 0 && ck->state != ST_NA;
        int64_t due = ck->start > 0 ? ck->start + ck->limit_ms : 0;
        rpt_cell row[] = {rpt_s(o->hex),
                          rpt_i(k + 1),
                          rpt_k(wo_clock_names[ci]),
                          rpt_k(wo_state_names[ck->state]),
                          rpt_i(ck->limit_ms / MIN_MS),
                          timed || ck->stop ? rpt_i(ceil_min(ck->elapsed_ms))
                                            : rpt_null(),
                          rpt_t(ck->start),
                          rpt_t(ck->stop),
                          rpt_t(due),
                          rpt_k(wo_stop_names[ck->stop_by]),
                          rpt_k(ck->flag)};
        if ((rc = rpt_row(x->clocks, row)) != 0)
            return rc;
        if (ck->state == ST_BREACHED) {
            rpt_cell b[] = {rpt_s(o->hex),
                            rpt_k(wo_clock_names[ci]),
                            rpt_i(ck->limit_ms / MIN_MS),
                            rpt_i(ceil_min(ck->elapsed_ms)),
                            rpt_i(ceil_min(ck->elapsed_ms - ck->limit_ms)),
                            rpt_i(k + 1)};
            if ((rc = rpt_row(x->breaches, b)) != 0)
                return rc;
        } else if (ck->state == ST_AT_RISK) {
            rpt_cell a[] = {rpt_s(o->hex), rpt_k(wo_clock_names[ci]),
                            rpt_t(due), rpt_i(floor_min(due - p->now))};
            if ((rc = rpt_row(x->at_risk, a)) != 0)
                return rc;
        }
    }
    return 0;
}

static int build(rpt_doc *d, const rpt_params *p, wo *v, size_t n, size_t *idx,
                 wo **ptr, group *gp, group *gc)
{
    static const char *const ocols[] = {
        N_("id"),           N_("place"),      N_("category"),   N_("priority"),
        N_("severity"),     N_("status"),     N_("assignee"),   N_("called_at"),
        N_("age_min"),      N_("record"),     N_("notify"),     N_("on_site"),
        N_("resolve"),      N_("callback"),   N_("breached"),   N_("repeat"),
        N_("reopen_count"), N_("unverified"), N_("clock_flag"), N_("breaches")};
    static const char *const bcols[] = {N_("order"),     N_("clock"),
                                        N_("limit_min"), N_("elapsed_min"),
                                        N_("over_min"),  N_("cycle")};
    static const char *const acols[] = {N_("order"), N_("clock"), N_("due"),
                                        N_("minutes_left")};
    static const char *const rcols[] = {N_("order"),        N_("place"),
                                        N_("category"),     N_("previous"),
                                        N_("days_between"), N_("reopen_count")};
    static const char *const ccols[] = {
        N_("order"), N_("cycle"),       N_("start"),   N_("begun_by"),
        N_("end"),   N_("appointment"), N_("breaches")};
    static const char *const kcols[] = {
        N_("order"),     N_("cycle"),       N_("clock"),     N_("status"),
        N_("limit_min"), N_("elapsed_min"), N_("start"),     N_("stop"),
        N_("due"),       N_("stopped_by"),  N_("clock_flag")};
    wo_sections x;
    x.orders = rpt_section_add(d, "orders", N_("Work orders"), ocols, 20);
    x.breaches =
        rpt_section_add(d, "breaches", N_("Breached clocks"), bcols, 6);
    x.at_risk = rpt_section_add(d, "at_risk", N_("Clocks at risk"), acols, 4);
    if (!x.orders || !x.breaches || !x.at_risk)
        return RND_ENOMEM;
    /* Added after the others (their order in text and CSV), filled in
     * the orders' loop, in the orders' order (rpt_section_nest). */
    rpt_section *sr = NULL;
    int rc;
    int64_t orders = 0, open = 0, urgent = 0, breached = 0, at_risk = 0,
            nrep = 0, completed = 0, called_back = 0, unverified = 0,
            nbreaches = 0, undelivered = 0;
    size_t ngp = 0, ngc = 0;
    size_t nl = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].listed)
            idx[nl++] = i;
    sort_idx(v, idx, nl, ptr, by_created);
    /* by_priority, by_category and repeats come before the cycles. */
    for (size_t k = 0; k < nl; k++) {
        const wo *o = &v[idx[k]];
        group_add(gp, &ngp, MAX_GROUPS, o->priority, o);
        group_add(gc, &ngc, MAX_GROUPS, o->category[0] ? o->category : "-", o);
    }
    if ((rc = group_section(d, "by_priority", "By priority", "priority", gp,
                            ngp)) ||
        (rc = group_section(d, "by_category", "By category", "category", gc,
                            ngc)))
        return rc;
    if ((sr = rpt_section_add(d, "repeats", N_("Repeat repairs"), rcols, 6)) ==
        NULL)
        return RND_ENOMEM;
    x.cycles = rpt_section_add(d, "cycles", N_("Cycles"), ccols, 7);
    x.clocks = rpt_section_add(d, "cycle_clocks", N_("Clocks of each cycle"),
                               kcols, 11);
    if (!x.cycles || !x.clocks)
        return RND_ENOMEM;
    if ((rc = rpt_section_nest(x.cycles, x.orders, "cycles", 1)) ||
        (rc = rpt_section_nest(x.clocks, x.cycles, "clocks", 2)))
        return rc;
    for (size_t k = 0; k < nl; k++) {
        wo *o = &v[idx[k]];
        const wo_cycle *cur = &o->cyc[o->ncyc - 1];
        char bnames[64] = "", unames[64] = "";
        const char *uflag = NULL;
        int64_t nb = 0;
        int any_r = 0;
        for (uint32_t cy = 0; cy < o->ncyc; cy++)
            for (int c = 0; c < NCLOCKS; c++) {
                const wo_clock *ck = &o->cyc[cy].clk[c];
                if (ck->state == ST_UNVERIFIED) {
                    name_add(unames, sizeof unames, wo_clock_names[c]);
                    if (uflag == NULL)
                        uflag = ck->flag;
                } else if (ck->state == ST_BREACHED) {
                    name_add(bnames, sizeof bnames, wo_clock_names[c]);
                    nb++;
                } else if (ck->state == ST_AT_RISK) {
                    any_r = 1;
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
                          rpt_k(wo_state_names[o->cyc[0].clk[CL_RECORD].state]),
                          rpt_k(wo_state_names[cur->clk[CL_NOTIFY].state]),
                          rpt_k(wo_state_names[cur->clk[CL_ON_SITE].state]),
                          rpt_k(wo_state_names[cur->clk[CL_RESOLVE].state]),
                          rpt_k(wo_state_names[cur->clk[CL_CALLBACK].state]),
                          nb ? rpt_s(bnames) : rpt_null(),
                          rpt_b(o->repeat),
                          rpt_i(o->reopen_count),
                          uflag ? rpt_s(unames) : rpt_null(),
                          rpt_s(uflag),
                          rpt_i(nb)};
        if ((rc = rpt_row(x.orders, row)) != 0)
            return rc;
        for (uint32_t cy = 0; cy < o->ncyc; cy++)
            if ((rc = cycle_rows(&x, p, o, cy)) != 0)
                return rc;
        unverified += uflag != NULL;
        orders++;
        open += o->open;
        urgent += o->urgent;
        breached += nb > 0;
        nbreaches += nb;
        at_risk += any_r;
        nrep += o->repeat;
        undelivered +=
            cur->clk[CL_NOTIFY].stop_by == STOP_UNDELIVERED && o->open;
        if (cur->t_complete >= p->from && cur->t_complete < p->to) {
            completed++;
            called_back += cur->t_callback != 0;
        }
    }
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
    if ((rc = rpt_summary(d, N_("orders"), rpt_i(orders))) ||
        (rc = rpt_summary(d, N_("open"), rpt_i(open))) ||
        (rc = rpt_summary(d, N_("urgent"), rpt_i(urgent))) ||
        (rc = rpt_summary(d, N_("breached"), rpt_i(breached))) ||
        (rc = rpt_summary(d, N_("at_risk"), rpt_i(at_risk))) ||
        (rc = rpt_summary(d, N_("unverified"), rpt_i(unverified))) ||
        (rc = rpt_summary(d, N_("repeats"), rpt_i(nrep))) ||
        (rc = rpt_summary(d, N_("completed_in_window"), rpt_i(completed))) ||
        (rc = rpt_summary(d, N_("called_back"), rpt_i(called_back))) ||
        (rc = rpt_summary(d, N_("callback_coverage"),
                          completed
                              ? rpt_r((double)called_back / (double)completed)
                              : rpt_null())) ||
        (rc = rpt_summary(d, N_("breaches"), rpt_i(nbreaches))) ||
        (rc = rpt_summary(d, N_("undelivered"), rpt_i(undelivered))))
        return rc;
    return 0;
}

int wo_load(store_txn *txn, const rpt_params *p, const rpt_calendar *cal,
            wo **out, size_t *nout)
{
    wo_set w = {.txn = txn, .p = p};
    int rc = RND_ENOMEM;
    *out = NULL;
    *nout = 0;
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
    if (!p->open_only) { /* the board: the open ones are enough */
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
    }
    for (size_t i = 0; i < w.n; i++)
        wo_clocks(&w.v[i], p->now, p->tz_min, cal);
out:
    free(w.st);
    free(w.op);
    if (rc) {
        wo_free_all(w.v, w.n);
        return rc;
    }
    *out = w.v;
    *nout = w.n;
    return 0;
}

void wo_free_all(wo *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].place);
        free(v[i].assignee);
        free(v[i].cyc);
    }
    free(v);
}

int rpt_workorders(store_txn *txn, const rpt_params *p, rpt_doc *d)
{
    rpt_doc_init(d, "workorders", N_("Work orders"), p->site, p->from, p->to,
                 p->now, p->tz_min);
    wo *v = NULL;
    size_t n = 0;
    size_t *idx = NULL;
    wo **ptr = NULL;
    group *groups = NULL; /* by priority, then by category */
    rpt_calendar cal;
    int rc = rpt_calendar_load(txn, &cal);
    if (rc == 0)
        rc = wo_load(txn, p, &cal, &v, &n);
    if (rc)
        goto out;
    rc = RND_ENOMEM;
    if ((groups = calloc(2 * MAX_GROUPS, sizeof *groups)) == NULL)
        goto out;
    if (n && ((idx = malloc(n * sizeof *idx)) == NULL ||
              (ptr = malloc(n * sizeof *ptr)) == NULL))
        goto out;
    repeats(v, n, idx, ptr);
    rc = build(d, p, v, n, idx, ptr, groups, groups + MAX_GROUPS);
    if (rc == 0) /* id, assignee: docs/REPORTS.md, "workorders" */
        rc = rpt_staff_flag(txn, d, "orders", 0, 6, "assignee",
                            N_("assignee_not_on_staff"),
                            N_("Assignees not on the staff list"));
out:
    wo_free_all(v, n);
    rpt_calendar_free(&cal);
    free(idx);
    free(ptr);
    free(groups);
    return rc;
}

/* The office board's open orders (report.h, rpt_workorders_open). */
typedef struct open_row {
    const wo *o;
    wo_next nx; /* its next clock and state (wo_next_clock) */
} open_row;

static int by_due(const void *a, const void *b)
{
    const open_row *x = a, *y = b;
    if ((x->nx.clock < 0) != (y->nx.clock < 0))
        return x->nx.clock < 0 ? 1 : -1; /* orders without a clock last */
    if (x->nx.due != y->nx.due)
        return x->nx.due < y->nx.due ? -1 : 1;
    return memcmp(x->o->id, y->o->id, PROTO_ENTITY_LEN);
}

int rpt_workorders_open(store_txn *txn, const rpt_params *p, rpt_doc *d)
{
    static const char *const cols[] = {
        N_("id"),     N_("place"),    N_("category"),  N_("priority"),
        N_("status"), N_("assignee"), N_("called_at"), N_("next_clock"),
        N_("due"),    N_("left_ms"),  N_("breached"),  N_("state")};
    rpt_section *s =
        rpt_section_add(d, "workorders", N_("Open work orders"), cols, 12);
    if (s == NULL)
        return RND_ENOMEM;
    rpt_params q = *p;
    q.open_only = 1;
    wo *v = NULL;
    size_t n = 0, m = 0;
    rpt_calendar cal;
    open_row *rows = NULL;
    int rc = rpt_calendar_load(txn, &cal);
    if (rc == 0)
        rc = wo_load(txn, &q, &cal, &v, &n);
    if (rc == 0 && n && (rows = malloc(n * sizeof *rows)) == NULL)
        rc = RND_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (!v[i].open)
            continue;
        rows[m].o = &v[i];
        rows[m++].nx = wo_next_clock(&v[i], p->now);
    }
    if (m > 1)
        qsort(rows, m, sizeof *rows, by_due);
    for (size_t i = 0; rc == 0 && i < m; i++) {
        const wo_next *nx = &rows[i].nx;
        const wo *o = rows[i].o;
        char bnames[64] = "";
        for (uint32_t cy = 0; cy < o->ncyc; cy++)
            for (int c = 0; c < NCLOCKS; c++)
                if (o->cyc[cy].clk[c].state == ST_BREACHED)
                    name_add(bnames, sizeof bnames, wo_clock_names[c]);
        int next = nx->clock >= 0;
        rpt_cell row[] = {rpt_s(o->hex),
                          rpt_s(o->place),
                          rpt_s(o->category),
                          rpt_s(o->priority),
                          rpt_s(o->status),
                          rpt_s(o->assignee),
                          rpt_t(o->called_at),
                          next ? rpt_k(wo_clock_name(nx->clock)) : rpt_null(),
                          next ? rpt_t(nx->due) : rpt_null(),
                          next ? rpt_i(nx->left_ms) : rpt_null(),
                          bnames[0] ? rpt_s(bnames) : rpt_null(),
                          rpt_k(nx->state)};
        rc = rpt_row(s, row);
    }
    free(rows);
    wo_free_all(v, n);
    return rc;
}
