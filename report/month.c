/* month.c: the month-end report (docs/REPORTS.md, "month"): per person
 * and per category, the figures the other reports compute, added up over
 * the window (a month: roundsd report month --month YYYY-MM). It calls
 * those reports and reads their documents; it never re-derives their
 * rules:
 *   - patrol (rpt_patrol): each guard's scans on time and late (section
 *     "guards"), checkpoints missed per round's guard and per route
 *     (section "rounds");
 *   - work orders (rpt_workorders): every clock of every cycle (section
 *     "cycle_clocks") counted by the order's assignee and category
 *     (section "orders");
 *   - callbacks done: the callbacks made in the window, per callback_by.
 */
#include <stdlib.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "doc_int.h"
#include "fields.h"
#include "report.h"
#include "wo_int.h"

/* Clock states counted: met, breached, open (running or at risk),
 * unverified (wo_state_names). */
enum { K_MET, K_BREACHED, K_OPEN, K_UNVERIFIED, NK };

typedef struct person {
    char *name;
    int64_t on_time, late, missed, rounds;
    int64_t orders, clk[NK], callbacks;
} person;

typedef struct group {
    char *key; /* a route, a person, or a category */
    int clock; /* index into wo_clock_names; -1 for routes */
    int64_t a, b, c, d;
} group;

typedef struct month {
    person *pp;
    size_t np, capp;
    group *gg;
    size_t ng, capg;
    const rpt_params *p;
    int rc;
} month;

static const char *cell_str(const rpt_cell *c)
{
    return c && c->type == RPT_STR ? c->s : NULL;
}

static int64_t cell_int(const rpt_cell *c)
{
    return c && (c->type == RPT_INT || c->type == RPT_BOOL) ? c->i : 0;
}

/* Columns are found by name, so that a report gaining columns does not
 * shift what is read here. */
static uint32_t col(const rpt_section *s, const char *name)
{
    for (uint32_t i = 0; i < s->ncols; i++)
        if (strcmp(s->cols[i], name) == 0)
            return i;
    return UINT32_MAX;
}

static const rpt_cell *cell(const rpt_section *s, uint32_t row, uint32_t c)
{
    return c == UINT32_MAX ? NULL : rpt_section_cell(s, row, c);
}

static person *person_get(month *m, const char *name)
{
    if (name == NULL || *name == '\0')
        name = "-";
    for (size_t i = 0; i < m->np; i++)
        if (strcmp(m->pp[i].name, name) == 0)
            return &m->pp[i];
    if (m->np == m->capp) {
        size_t cap = m->capp ? 2 * m->capp : 32;
        person *p = realloc(m->pp, cap * sizeof *p);
        if (p == NULL)
            return NULL;
        m->pp = p;
        m->capp = cap;
    }
    person *p = &m->pp[m->np];
    memset(p, 0, sizeof *p);
    if ((p->name = strdup(name)) == NULL)
        return NULL;
    m->np++;
    return p;
}

/* kind: 'r' route, 'a' assignee, 'c' category (kept apart by a prefix). */
static group *group_get(month *m, char kind, const char *key, int clock)
{
    char k[256];
    snprintf(k, sizeof k, "%c%s", kind, key && *key ? key : "-");
    for (size_t i = 0; i < m->ng; i++)
        if (m->gg[i].clock == clock && strcmp(m->gg[i].key, k) == 0)
            return &m->gg[i];
    if (m->ng == m->capg) {
        size_t cap = m->capg ? 2 * m->capg : 64;
        group *g = realloc(m->gg, cap * sizeof *g);
        if (g == NULL)
            return NULL;
        m->gg = g;
        m->capg = cap;
    }
    group *g = &m->gg[m->ng];
    memset(g, 0, sizeof *g);
    if ((g->key = strdup(k)) == NULL)
        return NULL;
    g->clock = clock;
    m->ng++;
    return g;
}

static int state_index(const char *s)
{
    if (s == NULL)
        return -1;
    if (strcmp(s, "met") == 0)
        return K_MET;
    if (strcmp(s, "breached") == 0)
        return K_BREACHED;
    if (strcmp(s, "running") == 0 || strcmp(s, "at_risk") == 0)
        return K_OPEN;
    if (strcmp(s, "unverified") == 0)
        return K_UNVERIFIED;
    return -1; /* n/a */
}

static int clock_index(const char *s)
{
    for (int i = 0; s && i < NCLOCKS; i++)
        if (strcmp(wo_clock_names[i], s) == 0)
            return i;
    return -1;
}

/* Patrol: the report's per-guard figures and each round's missed
 * checkpoints, attributed as the patrol report attributes them. */
static int from_patrol(month *m, const rpt_doc *d)
{
    const rpt_section *g = rpt_doc_section(d, "guards");
    const rpt_section *r = rpt_doc_section(d, "rounds");
    if (g == NULL || r == NULL)
        return RND_EINVAL;
    uint32_t gg = col(g, "guard"), go = col(g, "on_time"), gl = col(g, "late");
    uint32_t rr = col(r, "route"), rg = col(r, "guard"), ro = col(r, "on_time"),
             rl = col(r, "late"), rm = col(r, "missed");
    if (gg == UINT32_MAX || rr == UINT32_MAX || rg == UINT32_MAX)
        return RND_EINVAL;
    for (uint32_t i = 0; i < rpt_section_rows(g); i++) {
        person *p = person_get(m, cell_str(cell(g, i, gg)));
        if (p == NULL)
            return RND_ENOMEM;
        p->on_time += cell_int(cell(g, i, go));
        p->late += cell_int(cell(g, i, gl));
    }
    for (uint32_t i = 0; i < rpt_section_rows(r); i++) {
        const char *route = cell_str(cell(r, i, rr));
        person *p = person_get(m, cell_str(cell(r, i, rg)));
        group *gr = group_get(m, 'r', route, -1);
        if (p == NULL || gr == NULL)
            return RND_ENOMEM;
        int64_t missed = cell_int(cell(r, i, rm));
        p->missed += missed;
        p->rounds++;
        gr->a += cell_int(cell(r, i, ro)); /* on time */
        gr->b += cell_int(cell(r, i, rl)); /* late */
        gr->c += missed;
        gr->d++; /* rounds */
    }
    return 0;
}

/* Work orders: each cycle's clocks, by the order's assignee and
 * category. */
static int from_workorders(month *m, const rpt_doc *d)
{
    const rpt_section *o = rpt_doc_section(d, "orders");
    const rpt_section *k = rpt_doc_section(d, "cycle_clocks");
    if (o == NULL || k == NULL)
        return RND_EINVAL;
    uint32_t oi = col(o, "id"), oa = col(o, "assignee"),
             oc = col(o, "category"), ko = col(k, "order"),
             kc = col(k, "clock"), ks = col(k, "status");
    if (oi == UINT32_MAX || ko == UINT32_MAX)
        return RND_EINVAL;
    uint32_t no = rpt_section_rows(o), row = 0;
    for (uint32_t i = 0; i < no; i++) {
        person *p = person_get(m, cell_str(cell(o, i, oa)));
        if (p == NULL)
            return RND_ENOMEM;
        p->orders++;
    }
    for (uint32_t i = 0; i < rpt_section_rows(k); i++) {
        const char *id = cell_str(cell(k, i, ko));
        /* Clock rows come in the orders' order. */
        while (row < no && id && strcmp(cell_str(cell(o, row, oi)), id) != 0)
            row++;
        if (row == no || id == NULL)
            return RND_EINVAL;
        int ci = clock_index(cell_str(cell(k, i, kc)));
        int si = state_index(cell_str(cell(k, i, ks)));
        if (ci < 0 || si < 0)
            continue;
        const char *who = cell_str(cell(o, row, oa));
        const char *cat = cell_str(cell(o, row, oc));
        person *p = person_get(m, who);
        group *ga = group_get(m, 'a', who, ci);
        group *gc = group_get(m, 'c', cat, ci);
        if (p == NULL || ga == NULL || gc == NULL)
            return RND_ENOMEM;
        p->clk[si]++;
        int64_t *a[NK] = {&ga->a, &ga->b, &ga->c, &ga->d};
        int64_t *c[NK] = {&gc->a, &gc->b, &gc->c, &gc->d};
        (*a[si])++;
        (*c[si])++;
    }
    return 0;
}

/* Callbacks done in the window, per callback_by (the last callback's
 * person when an order was called back in more than one cycle). */
static int callback_cb(const fold_state *st, void *ctx)
{
    month *m = ctx;
    char by[128];
    int64_t n = 0;
    for (uint32_t i = 0; i < st->nevents; i++)
        if (st->events[i].action == PROTO_ACTION_CALLBACK &&
            st->events[i].wall_ms >= m->p->from &&
            st->events[i].wall_ms < m->p->to)
            n++;
    if (n == 0)
        return 0;
    fold_state_text(st, "callback_by", by, sizeof by);
    person *p = person_get(m, by);
    if (p == NULL)
        return m->rc = RND_ENOMEM;
    p->callbacks += n;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const person *)a)->name, ((const person *)b)->name);
}

static int by_group(const void *a, const void *b)
{
    const group *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : x->clock - y->clock;
}

static int emit(month *m, rpt_doc *d)
{
    static const char *const pcols[] = {N_("person"),
                                        N_("rounds"),
                                        N_("scans_on_time"),
                                        N_("scans_late"),
                                        N_("checkpoints_missed"),
                                        N_("orders"),
                                        N_("clocks_met"),
                                        N_("clocks_breached"),
                                        N_("clocks_open"),
                                        N_("clocks_unverified"),
                                        N_("callbacks")};
    static const char *const rcols[] = {
        N_("route"), N_("rounds"), N_("on_time"), N_("late"), N_("missed")};
    static const char *const acols[] = {N_("assignee"), N_("clock"),
                                        N_("met"),      N_("breached"),
                                        N_("open"),     N_("unverified")};
    static const char *const ccols[] = {N_("category"), N_("clock"),
                                        N_("met"),      N_("breached"),
                                        N_("open"),     N_("unverified")};
    rpt_section *sp = rpt_section_add(d, "people", N_("Per person"), pcols, 11);
    rpt_section *sr =
        rpt_section_add(d, "routes", N_("Patrol per route"), rcols, 5);
    rpt_section *sa =
        rpt_section_add(d, "clocks_by_assignee",
                        N_("Work-order clocks per assignee"), acols, 6);
    rpt_section *sc =
        rpt_section_add(d, "clocks_by_category",
                        N_("Work-order clocks per category"), ccols, 6);
    if (!sp || !sr || !sa || !sc)
        return RND_ENOMEM;
    if (m->np > 1)
        qsort(m->pp, m->np, sizeof *m->pp, by_name);
    if (m->ng > 1)
        qsort(m->gg, m->ng, sizeof *m->gg, by_group);
    int64_t on_time = 0, late = 0, missed = 0, met = 0, breached = 0, cb = 0;
    int rc;
    for (size_t i = 0; i < m->np; i++) {
        const person *p = &m->pp[i];
        rpt_cell row[11] = {rpt_s(p->name),        rpt_i(p->rounds),
                            rpt_i(p->on_time),     rpt_i(p->late),
                            rpt_i(p->missed),      rpt_i(p->orders),
                            rpt_i(p->clk[K_MET]),  rpt_i(p->clk[K_BREACHED]),
                            rpt_i(p->clk[K_OPEN]), rpt_i(p->clk[K_UNVERIFIED]),
                            rpt_i(p->callbacks)};
        if ((rc = rpt_row(sp, row)) != 0)
            return rc;
        on_time += p->on_time;
        late += p->late;
        missed += p->missed;
        met += p->clk[K_MET];
        breached += p->clk[K_BREACHED];
        cb += p->callbacks;
    }
    for (size_t i = 0; i < m->ng; i++) {
        const group *g = &m->gg[i];
        const char *key = g->key + 1;
        if (g->key[0] == 'r') {
            rpt_cell row[5] = {rpt_s(key), rpt_i(g->d), rpt_i(g->a),
                               rpt_i(g->b), rpt_i(g->c)};
            rc = rpt_row(sr, row);
        } else {
            rpt_cell row[6] = {rpt_s(key),  rpt_k(wo_clock_names[g->clock]),
                               rpt_i(g->a), rpt_i(g->b),
                               rpt_i(g->c), rpt_i(g->d)};
            rc = rpt_row(g->key[0] == 'a' ? sa : sc, row);
        }
        if (rc)
            return rc;
    }
    if ((rc = rpt_summary(d, N_("people"), rpt_i((int64_t)m->np))) ||
        (rc = rpt_summary(d, N_("scans_on_time"), rpt_i(on_time))) ||
        (rc = rpt_summary(d, N_("scans_late"), rpt_i(late))) ||
        (rc = rpt_summary(d, N_("checkpoints_missed"), rpt_i(missed))) ||
        (rc = rpt_summary(d, N_("clocks_met"), rpt_i(met))) ||
        (rc = rpt_summary(d, N_("clocks_breached"), rpt_i(breached))) ||
        (rc = rpt_summary(d, N_("callbacks"), rpt_i(cb))))
        return rc;
    return 0;
}

int rpt_month(store_txn *txn, const rpt_params *p, rpt_doc *d)
{
    rpt_doc_init(d, "month", N_("Month end"), p->site, p->from, p->to, p->now,
                 p->tz_min);
    month *m = calloc(1, sizeof *m);
    rpt_doc *sub = calloc(1, sizeof *sub);
    int rc = RND_ENOMEM;
    if (m == NULL || sub == NULL)
        goto out;
    m->p = p;
    rpt_params q = *p;
    q.route = NULL;
    q.guard = NULL;
    if ((rc = rpt_patrol(txn, &q, sub)) == 0)
        rc = from_patrol(m, sub);
    rpt_doc_free(sub);
    memset(sub, 0, sizeof *sub);
    if (rc)
        goto out;
    if ((rc = rpt_workorders(txn, &q, sub)) == 0)
        rc = from_workorders(m, sub);
    rpt_doc_free(sub);
    if (rc)
        goto out;
    rc = store_states_each(txn, PROTO_KIND_WORKORDER, 0, 0, callback_cb, m);
    if (rc == 0)
        rc = m->rc;
    if (rc == 0)
        rc = emit(m, d);
out:
    if (m) {
        for (size_t i = 0; i < m->np; i++)
            free(m->pp[i].name);
        for (size_t i = 0; i < m->ng; i++)
            free(m->gg[i].key);
        free(m->pp);
        free(m->gg);
    }
    free(m);
    free(sub);
    return rc;
}
