/* now.c: the Now document (now.h; docs/REPORTS.md, "now"): what is due for
 * the person carrying a handheld right now. The rounds come from the
 * patrol logic (patrol_int.h, schedule.c), the work orders' clocks from
 * wo_clock.c, the vacant units' due dates from the vacant report. Reads
 * only what is due: the master data, the scans of the rounds that run
 * now, the open work orders and handovers, the vacant units.
 */
#define _GNU_SOURCE /* memmem */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "now.h"
#include "patrol_int.h"
#include "render.h"
#include "wo_int.h"

#define NOW_SHIFT_MS (12 * 3600 * 1000LL)

static int user_set(const rpt_now *n)
{
    return n->user[0] != '\0';
}

static int str_eq(const proto_field *f, const char *s)
{
    size_t len = strlen(s);
    return f && f->type == PROTO_STR && f->str_len == len &&
           memcmp(f->str, s, len) == 0;
}

static char *dup_s(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* ---- rounds ------------------------------------------------------------- */

/* Whether user is one of the comma-separated names in list. */
static int in_list(const char *list, const char *user)
{
    size_t n = strlen(user);
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && memcmp(p, user, n) == 0)
            return 1;
        p += k + (p[k] == ',');
    }
    return 0;
}

/* Marks in want[] the routes of the user (now.h, "how the rounds were
 * chosen"): rostered now, else scanned by them in the last 12 hours, else
 * every route with a round running now. */
static const char *my_routes(const pat_set *ps, const rpt_now *n, char *want)
{
    char who[512];
    size_t hits = 0;
    if (user_set(n)) {
        for (size_t i = 0; i < ps->nroutes; i++) {
            if (pat_roster_who(ps, ps->routes[i].key, 0, n->now_ms, n->tz_min,
                               who, sizeof who) > 0 &&
                in_list(who, n->user)) {
                want[i] = 1;
                hits++;
            }
        }
        if (hits)
            return "roster";
        for (size_t s = 0; s < ps->nscans; s++) {
            const pat_scan *sc = &ps->scans[s];
            if (sc->t < n->now_ms - NOW_SHIFT_MS || sc->t > n->now_ms ||
                sc->by == NULL || strcmp(sc->by, n->user) != 0)
                continue;
            for (size_t i = 0; i < ps->nroutes; i++)
                if (!want[i] && pat_scan_on_route(sc, &ps->routes[i])) {
                    want[i] = 1;
                    hits++;
                }
        }
        if (hits)
            return "scanned";
    }
    for (size_t i = 0; i < ps->nroutes; i++) {
        int64_t s, e;
        want[i] = pat_round_of(&ps->routes[i], n->now_ms, n->tz_min, &s, &e) &&
                  s >= ps->routes[i].since;
    }
    return "active";
}

static int round_add(rpt_now *n, const pat_set *ps, const pat_route *rt)
{
    int64_t now = n->now_ms, s, e;
    int running = pat_round_of(rt, now, n->tz_min, &s, &e);
    if (s < rt->since) { /* a round begun before the route existed */
        pat_round_next(rt, rt->since, n->tz_min, &s, &e);
        running = s <= now;
    }
    pat_round rd;
    int rc = pat_round_eval(ps, rt, s, e, now, &rd);
    if (rc) {
        pat_round_free(&rd);
        return rc;
    }
    rpt_now_round *r = &n->rounds[n->nrounds++];
    memset(r, 0, sizeof *r);
    r->route = dup_s(rt->key);
    r->name = dup_s(rt->name);
    r->start_ms = s;
    r->end_ms = e;
    r->total = rt->ntags;
    r->next = rt->ntags ? calloc(rt->ntags, sizeof *r->next) : NULL;
    if (!r->route || (rt->name && !r->name) || (rt->ntags && !r->next)) {
        pat_round_free(&rd);
        return RND_ENOMEM;
    }
    int overdue = 0;
    for (uint32_t c = 0; c < rt->ntags; c++) {
        rpt_now_cp *cp = &r->next[r->nnext++];
        const pat_checkpoint *m = pat_checkpoint_find(ps, rt->tags[c]);
        int64_t dl = pat_deadline(rt, c, s, e);
        cp->tag = dup_s(rt->tags[c]);
        cp->name = dup_s(m ? m->name : NULL);
        cp->place = dup_s(m ? m->place : NULL);
        if (!cp->tag || (m && m->name && !cp->name) ||
            (m && m->place && !cp->place)) {
            pat_round_free(&rd);
            return RND_ENOMEM;
        }
        cp->due_ms = s + (rt->due_ms ? rt->due_ms[c] : 0);
        if (running && rd.first[c] >= 0) {
            cp->state = "done";
            r->done++;
        } else if (running && now > dl) {
            cp->state = "overdue";
            cp->late_ms = now - dl;
            overdue = 1;
        } else {
            cp->state = "due";
            cp->left_ms = dl - now;
        }
    }
    pat_round_free(&rd);
    r->state = !running              ? "upcoming"
               : r->done == r->total ? "done"
               : overdue             ? "overdue"
                                     : "due";
    return 0;
}

static int rounds_build(store_txn *txn, rpt_now *n)
{
    pat_set ps;
    memset(&ps, 0, sizeof ps);
    char *want = NULL;
    int rc = pat_load_master(txn, NULL, &ps);
    if (rc || ps.nroutes == 0)
        goto out;
    rc = RND_ENOMEM;
    if ((want = calloc(ps.nroutes, 1)) == NULL ||
        (n->rounds = calloc(ps.nroutes, sizeof *n->rounds)) == NULL)
        goto out;
    /* Only the scans needed: from the earliest start of the rounds shown
     * (the rostered routes'), else of the last 12 hours too (which routes
     * the user walked). A month of scans is most of a store. */
    int64_t lo = n->now_ms - NOW_SHIFT_MS;
    n->routes_by = my_routes(&ps, n, want);
    if (strcmp(n->routes_by, "roster") == 0)
        lo = n->now_ms;
    for (size_t i = 0; i < ps.nroutes; i++) {
        int64_t s, e;
        pat_round_of(&ps.routes[i], n->now_ms, n->tz_min, &s, &e);
        if ((want[i] || lo < n->now_ms) && s < lo)
            lo = s;
    }
    rc = pat_load_scans(txn, lo, n->now_ms + 1, 0, &ps);
    if (rc)
        goto out;
    if (strcmp(n->routes_by, "roster") != 0) {
        memset(want, 0, ps.nroutes);
        n->routes_by = my_routes(&ps, n, want);
    }
    rc = 0;
    for (size_t i = 0; i < ps.nroutes && rc == 0; i++)
        if (want[i])
            rc = round_add(n, &ps, &ps.routes[i]);
out:
    free(want);
    pat_set_free(&ps);
    return rc;
}

/* ---- work orders --------------------------------------------------------- */

/* What the person does to stop each clock, as the page names it. */
static const struct {
    int clock;
    const char *name;
} clock_names[] = {{CL_NOTIFY, "notify"},     {CL_ON_SITE, "arrive"},
                   {CL_RESOLVE, "resolve"},   {CL_CALLBACK, "callback"},
                   {CL_FEEDBACK, "feedback"}, {CL_REPLY, "reply"}};

typedef struct wo_walk {
    rpt_now *n;
    store_txn *txn;
    fold_state *st;
    proto_op *op;
    const rpt_calendar *cal;
    size_t cap;
    int rc;
} wo_walk;

/* The running clock of o's current cycle that runs out first. */
static void next_clock(const wo *o, rpt_now_wo *w, int64_t now)
{
    const wo_cycle *c = &o->cyc[o->ncyc - 1];
    for (size_t i = 0; i < sizeof clock_names / sizeof *clock_names; i++) {
        int id = clock_names[i].clock;
        const wo_clock *k = id < NCLOCKS ? &c->clk[id] : &c->xclk[id - NCLOCKS];
        if (k->start <= 0 || k->stop > 0 ||
            (k->state != ST_RUNNING && k->state != ST_AT_RISK &&
             k->state != ST_BREACHED))
            continue;
        int64_t due = k->start + k->limit_ms;
        if (w->clock == NULL || due < w->due_ms) {
            w->clock = clock_names[i].name;
            w->due_ms = due;
            w->left_ms = due - now;
            w->breached = k->state == ST_BREACHED;
        }
    }
}

static int wo_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                 const uint8_t *state, size_t len, void *arg)
{
    (void)kind;
    wo_walk *x = arg;
    rpt_now *n = x->n;
    /* Most open orders are someone else's: an order whose state bytes do
     * not hold the user's id at all is skipped without parsing it. */
    if (memmem(state, len, n->user, strlen(n->user)) == NULL ||
        fold_state_parse(state, len, x->st) != 0)
        return 0;
    if (!str_eq(fold_state_field(x->st, "assignee"), n->user) &&
        !str_eq(fold_state_field(x->st, "by"), n->user))
        return 0;
    if (n->nwos == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 16;
        rpt_now_wo *v = realloc(n->wos, cap * sizeof *v);
        if (v == NULL)
            return x->rc = RND_ENOMEM;
        n->wos = v;
        x->cap = cap;
    }
    wo o;
    int rc = wo_fill(x->txn, x->op, 0, id, x->st, &o);
    if (rc == 0 && o.ncyc == 0)
        rc = RND_ECORRUPT;
    if (rc == 0) {
        wo_clocks(&o, n->now_ms, n->tz_min, x->cal);
        rpt_now_wo *w = &n->wos[n->nwos++];
        memset(w, 0, sizeof *w);
        memcpy(w->id, o.hex, sizeof w->id);
        w->category = strdup(o.category);
        w->unit = strdup(o.place);
        w->status = strdup(o.status);
        if (!w->category || !w->unit || !w->status)
            rc = RND_ENOMEM;
        next_clock(&o, w, n->now_ms);
    }
    free(o.place);
    free(o.assignee);
    free(o.cyc);
    return rc == RND_ECORRUPT ? 0 : (x->rc = rc);
}

/* Soonest due first; orders with no running clock last, by id. */
static int wo_order(const void *a, const void *b)
{
    const rpt_now_wo *x = a, *y = b;
    if ((x->clock == NULL) != (y->clock == NULL))
        return x->clock == NULL ? 1 : -1;
    if (x->clock && x->due_ms != y->due_ms)
        return x->due_ms < y->due_ms ? -1 : 1;
    return strcmp(x->id, y->id);
}

static int wos_build(store_txn *txn, rpt_now *n)
{
    if (!user_set(n))
        return 0;
    rpt_calendar cal;
    wo_walk x = {.n = n, .txn = txn};
    int rc = rpt_calendar_load(txn, &cal);
    x.cal = &cal;
    x.st = malloc(sizeof *x.st);
    x.op = malloc(sizeof *x.op);
    if (rc == 0 && (!x.st || !x.op))
        rc = RND_ENOMEM;
    /* The refs name the user's open orders (a few keys); without them
     * (an old store read-only) every open order is looked at. */
    if (rc == 0 && store_has_refs(txn))
        rc = store_refs_person(txn, PROTO_KIND_WORKORDER, n->user, wo_cb, &x);
    else if (rc == 0)
        rc = store_entities_each(txn, PROTO_KIND_WORKORDER, 1, wo_cb, &x);
    if (rc == 0)
        rc = x.rc;
    if (rc == 0 && n->nwos > 1)
        qsort(n->wos, n->nwos, sizeof *n->wos, wo_order);
    free(x.st);
    free(x.op);
    rpt_calendar_free(&cal);
    return rc;
}

/* ---- vacant units, handovers --------------------------------------------- */

/* The first instant of the local month after the one holding ms. */
static int64_t month_end(int64_t ms, int tz_min)
{
    int y, m, d;
    rpt_civil_from_days(rpt_day_of(ms, tz_min), &y, &m, &d);
    if (++m > 12) {
        m = 1;
        y++;
    }
    return rpt_days_from_civil(y, m, 1) * 86400000LL - tz_min * 60000LL;
}

/* A vacant unit's inspection falls due RPT_VACANT_DEFAULT_DAYS after its
 * last one (never inspected: due now), as in the vacant report (vacant.c);
 * an inspection made with a flagged clock does not count. Listed: those
 * due before the end of this month. The inspections of the last day are
 * read first; the older ones only when a unit had none then. */
typedef struct vac_walk {
    rpt_now *n;
    fold_state *st;
    int64_t lo; /* second walk: stop at ids of this time */
    int rc;
} vac_walk;

static int vac_unit_cb(const fold_state *st, void *arg)
{
    vac_walk *x = arg;
    rpt_now *n = x->n;
    const proto_field *f = fold_state_field(st, "vacant");
    const proto_field *u = fold_state_field(st, "unit");
    if (f == NULL || f->type != PROTO_BOOL || !f->i || u == NULL ||
        u->type != PROTO_STR)
        return 0;
    rpt_now_vacant *v = realloc(n->vacant, (n->nvacant + 1) * sizeof *v);
    if (v == NULL)
        return x->rc = RND_ENOMEM;
    n->vacant = v;
    v = &n->vacant[n->nvacant];
    memset(v, 0, sizeof *v);
    if ((v->unit = rpt_str_dup(u)) == NULL)
        return x->rc = RND_ENOMEM;
    n->nvacant++;
    return 0;
}

static int vac_key(const void *a, const void *b)
{
    return strcmp(((const rpt_now_vacant *)a)->unit,
                  ((const rpt_now_vacant *)b)->unit);
}

static int vac_insp_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                       const uint8_t *state, size_t len, void *arg)
{
    (void)kind;
    vac_walk *x = arg;
    rpt_now *n = x->n;
    int64_t idms = 0;
    for (int i = 0; i < 6; i++)
        idms = (idms << 8) | id[i];
    if (x->lo && idms >= x->lo)
        return 1;
    if (fold_state_parse(state, len, x->st) != 0)
        return 0;
    const proto_field *u = fold_state_field(x->st, "unit");
    const fold_event *ev = rpt_record_event(x->st);
    if (u == NULL || u->type != PROTO_STR || ev == NULL ||
        rpt_clock_flag(ev, 0) != NULL)
        return 0;
    char key[256];
    snprintf(key, sizeof key, "%.*s", (int)u->str_len, u->str);
    rpt_now_vacant k = {.unit = key};
    rpt_now_vacant *v =
        bsearch(&k, n->vacant, n->nvacant, sizeof *n->vacant, vac_key);
    int64_t t = pat_device_time(x->st);
    if (v && t > v->last_ms && t <= n->now_ms)
        v->last_ms = t;
    return 0;
}

/* With the refs: each vacant unit's inspections, from the keys alone
 * (id, device time, stamp, clock offset), then the same windows as the
 * walk below over them, so the answer is the walk's. */
typedef struct vac_ref {
    int64_t idms, t;
    size_t unit;
    int counts; /* not made with a flagged clock */
} vac_ref;

typedef struct vac_refs {
    vac_ref *v;
    size_t n, cap, unit;
    int rc;
} vac_refs;

static int vac_ref_cb(const store_unit_ref *r, void *arg)
{
    vac_refs *x = arg;
    if (x->n == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 256;
        vac_ref *v = realloc(x->v, cap * sizeof *v);
        if (v == NULL)
            return x->rc = RND_ENOMEM;
        x->v = v;
        x->cap = cap;
    }
    fold_event e;
    memset(&e, 0, sizeof e);
    e.hlc = r->hlc;
    e.wall_ms = r->wall_ms;
    e.clk = r->clk;
    vac_ref *v = &x->v[x->n++];
    v->idms = 0;
    for (int i = 0; i < 6; i++)
        v->idms = (v->idms << 8) | r->id[i];
    v->t = r->wall_ms;
    v->unit = x->unit;
    v->counts = rpt_clock_flag(&e, 0) == NULL;
    return 0;
}

static int vacant_refs(store_txn *txn, rpt_now *n)
{
    vac_refs x = {0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n->nvacant; i++) {
        x.unit = i;
        rc = store_refs_unit(txn, PROTO_KIND_INSPECTION, n->vacant[i].unit,
                             vac_ref_cb, &x);
    }
    if (rc == 0)
        rc = x.rc;
    int64_t hi = 0, span = 86400000LL;
    for (int k = 0; rc == 0; k++, span *= 2) {
        size_t missing = 0;
        for (size_t i = 0; i < n->nvacant; i++)
            missing += n->vacant[i].last_ms == 0;
        if (k > 0 && (missing == 0 || hi == 0))
            break;
        int64_t lo = k < 7 ? n->now_ms - span : 0;
        for (size_t j = 0; j < x.n; j++) {
            const vac_ref *r = &x.v[j];
            rpt_now_vacant *v = &n->vacant[r->unit];
            if ((lo > 0 && r->idms < lo) || (hi && r->idms >= hi))
                continue;
            if (r->counts && r->t > v->last_ms && r->t <= n->now_ms)
                v->last_ms = r->t;
        }
        hi = lo;
    }
    free(x.v);
    return rc;
}

static int vac_order(const void *a, const void *b)
{
    const rpt_now_vacant *x = a, *y = b;
    if (x->due_ms != y->due_ms)
        return x->due_ms < y->due_ms ? -1 : 1;
    return strcmp(x->unit, y->unit);
}

static int vacant_build(store_txn *txn, rpt_now *n)
{
    const int64_t period = RPT_VACANT_DEFAULT_DAYS * 86400000LL;
    int64_t end = month_end(n->now_ms, n->tz_min);
    vac_walk x = {n, NULL, 0, 0};
    int rc = store_states_each(txn, PROTO_KIND_UNIT, 1, 0, vac_unit_cb, &x);
    if (rc == 0)
        rc = x.rc;
    if (rc || n->nvacant == 0)
        return rc;
    qsort(n->vacant, n->nvacant, sizeof *n->vacant, vac_key);
    int refs = store_has_refs(txn);
    for (size_t i = 0; refs && i < n->nvacant; i++)
        refs = strlen(n->vacant[i].unit) <= STORE_REF_MAX;
    if (refs) {
        rc = vacant_refs(txn, n);
        goto due;
    }
    if ((x.st = malloc(sizeof *x.st)) == NULL)
        return RND_ENOMEM;
    /* Ids begin with their creation time. Windows back from now, each
     * twice the last (1 day, 2, 4, ... 64, then all before): a unit's
     * latest inspection is in the first window that has one, so only the
     * units still without one need the next. */
    int64_t hi = 0, span = 86400000LL;
    rc = 0;
    for (int k = 0; rc == 0; k++, span *= 2) {
        size_t missing = 0;
        for (size_t i = 0; i < n->nvacant; i++)
            missing += n->vacant[i].last_ms == 0;
        if (k > 0 && (missing == 0 || hi == 0))
            break;
        int64_t lo = k < 7 ? n->now_ms - span : 0;
        uint8_t from[PROTO_ENTITY_LEN] = {0};
        uint64_t t = lo > 0 ? (uint64_t)lo : 0;
        for (int i = 5; i >= 0; i--, t >>= 8)
            from[i] = (uint8_t)t;
        x.lo = hi;
        rc = store_entities_from(txn, PROTO_KIND_INSPECTION, 0,
                                 lo > 0 ? from : NULL, vac_insp_cb, &x);
        hi = lo;
    }
    if (rc == 0)
        rc = x.rc;
    free(x.st);
due:
    if (rc)
        return rc;
    size_t k = 0;
    for (size_t i = 0; i < n->nvacant; i++) {
        rpt_now_vacant *v = &n->vacant[i];
        v->due_ms = v->last_ms ? v->last_ms + period : n->now_ms;
        if (v->due_ms < end)
            n->vacant[k++] = *v;
        else
            free(v->unit);
    }
    n->nvacant = k;
    if (n->nvacant > 1)
        qsort(n->vacant, n->nvacant, sizeof *n->vacant, vac_order);
    return 0;
}

typedef struct ho_walk {
    rpt_now *n;
    int rc;
} ho_walk;

static int ho_cb(const fold_state *st, void *arg)
{
    ho_walk *x = arg;
    rpt_now *n = x->n;
    if (strcmp(st->status, "pending") != 0 ||
        !str_eq(fold_state_field(st, "to"), n->user))
        return 0;
    rpt_now_ho *v = realloc(n->hos, (n->nhos + 1) * sizeof *v);
    if (v == NULL)
        return x->rc = RND_ENOMEM;
    n->hos = v;
    v = &n->hos[n->nhos++];
    memset(v, 0, sizeof *v);
    proto_entity_hex(st->entity, v->id);
    v->created_ms = pat_device_time(st);
    const proto_field *by = fold_state_field(st, "by");
    const proto_field *items = fold_state_field(st, "items");
    if ((by && (v->from = rpt_str_dup(by)) == NULL && by->type == PROTO_STR) ||
        (items && (v->items = rpt_str_dup(items)) == NULL &&
         items->type == PROTO_STR))
        return x->rc = RND_ENOMEM;
    return 0;
}

static int hos_build(store_txn *txn, rpt_now *n)
{
    if (!user_set(n))
        return 0;
    ho_walk x = {n, 0};
    int rc = store_states_each(txn, PROTO_KIND_HANDOVER, 1, 0, ho_cb, &x);
    return rc ? rc : x.rc;
}

/* ---- the document -------------------------------------------------------- */

int rpt_now_build(store_txn *txn, const rpt_now_params *p, rpt_now *n)
{
    memset(n, 0, sizeof *n);
    n->now_ms = p->now;
    snprintf(n->user, sizeof n->user, "%s", p->user ? p->user : "");
    n->unsynced = p->unsynced;
    n->last_sync_ms = p->last_sync_ms;
    n->tz_min = p->tz_min;
    n->routes_by = "active";
    int rc = rounds_build(txn, n);
    if (rc == 0)
        rc = wos_build(txn, n);
    if (rc == 0)
        rc = vacant_build(txn, n);
    if (rc == 0)
        rc = hos_build(txn, n);
    return rc;
}

void rpt_now_free(rpt_now *n)
{
    for (size_t i = 0; i < n->nrounds; i++) {
        rpt_now_round *r = &n->rounds[i];
        for (uint32_t c = 0; c < r->nnext; c++) {
            free(r->next[c].tag);
            free(r->next[c].name);
            free(r->next[c].place);
        }
        free(r->next);
        free(r->route);
        free(r->name);
    }
    free(n->rounds);
    for (size_t i = 0; i < n->nwos; i++) {
        free(n->wos[i].category);
        free(n->wos[i].unit);
        free(n->wos[i].status);
    }
    free(n->wos);
    for (size_t i = 0; i < n->nvacant; i++)
        free(n->vacant[i].unit);
    free(n->vacant);
    for (size_t i = 0; i < n->nhos; i++) {
        free(n->hos[i].from);
        free(n->hos[i].items);
    }
    free(n->hos);
    memset(n, 0, sizeof *n);
}

static void jw_time(rpt_jw *j, const char *key, int64_t ms)
{
    if (ms > 0)
        rpt_jw_kint(j, key, ms);
    else
        rpt_jw_knull(j, key);
}

static void emit_json(const rpt_now *n, FILE *f)
{
    rpt_jw j;
    rpt_jw_init(&j, f);
    rpt_jw_obj(&j);
    rpt_jw_kint(&j, "now_ms", n->now_ms);
    rpt_jw_kstr(&j, "user", user_set(n) ? n->user : NULL);
    rpt_jw_kuint(&j, "unsynced", n->unsynced);
    rpt_jw_kint(&j, "last_sync_ms", n->last_sync_ms);
    rpt_jw_kstr(&j, "routes_by", n->routes_by);
    rpt_jw_key(&j, "rounds");
    rpt_jw_arr(&j);
    for (size_t i = 0; i < n->nrounds; i++) {
        const rpt_now_round *r = &n->rounds[i];
        rpt_jw_obj(&j);
        rpt_jw_kstr(&j, "route", r->route);
        rpt_jw_kstr(&j, "name", r->name);
        rpt_jw_kint(&j, "start_ms", r->start_ms);
        rpt_jw_kint(&j, "end_ms", r->end_ms);
        rpt_jw_kstr(&j, "state", r->state);
        rpt_jw_kuint(&j, "done", r->done);
        rpt_jw_kuint(&j, "total", r->total);
        rpt_jw_key(&j, "next");
        rpt_jw_arr(&j);
        for (uint32_t c = 0; c < r->nnext; c++) {
            const rpt_now_cp *cp = &r->next[c];
            rpt_jw_obj(&j);
            rpt_jw_kstr(&j, "tag", cp->tag);
            rpt_jw_kstr(&j, "name", cp->name);
            rpt_jw_kstr(&j, "place", cp->place);
            rpt_jw_kint(&j, "due_ms", cp->due_ms);
            rpt_jw_kint(&j, "late_ms", cp->late_ms);
            rpt_jw_kint(&j, "left_ms", cp->left_ms);
            rpt_jw_kstr(&j, "state", cp->state);
            rpt_jw_end(&j);
        }
        rpt_jw_end(&j);
        rpt_jw_end(&j);
    }
    rpt_jw_end(&j);
    rpt_jw_key(&j, "workorders");
    rpt_jw_arr(&j);
    for (size_t i = 0; i < n->nwos; i++) {
        const rpt_now_wo *w = &n->wos[i];
        rpt_jw_obj(&j);
        rpt_jw_kstr(&j, "id", w->id);
        rpt_jw_kstr(&j, "category", w->category[0] ? w->category : NULL);
        rpt_jw_kstr(&j, "unit", w->unit[0] ? w->unit : NULL);
        rpt_jw_kstr(&j, "status", w->status);
        rpt_jw_kstr(&j, "clock", w->clock);
        if (w->clock) {
            rpt_jw_kint(&j, "due_ms", w->due_ms);
            rpt_jw_kint(&j, "left_ms", w->left_ms);
        } else {
            rpt_jw_knull(&j, "due_ms");
            rpt_jw_knull(&j, "left_ms");
        }
        rpt_jw_kbool(&j, "breached", w->breached);
        rpt_jw_end(&j);
    }
    rpt_jw_end(&j);
    rpt_jw_key(&j, "vacant_due");
    rpt_jw_arr(&j);
    for (size_t i = 0; i < n->nvacant; i++) {
        rpt_jw_obj(&j);
        rpt_jw_kstr(&j, "unit", n->vacant[i].unit);
        rpt_jw_kint(&j, "due_ms", n->vacant[i].due_ms);
        jw_time(&j, "last_ms", n->vacant[i].last_ms);
        rpt_jw_end(&j);
    }
    rpt_jw_end(&j);
    rpt_jw_key(&j, "handovers_to_ack");
    rpt_jw_arr(&j);
    for (size_t i = 0; i < n->nhos; i++) {
        rpt_jw_obj(&j);
        rpt_jw_kstr(&j, "id", n->hos[i].id);
        rpt_jw_kstr(&j, "from", n->hos[i].from);
        rpt_jw_kint(&j, "created_ms", n->hos[i].created_ms);
        rpt_jw_kstr(&j, "items", n->hos[i].items);
        rpt_jw_end(&j);
    }
    rpt_jw_end(&j);
    rpt_jw_end(&j);
    fputc('\n', f);
}

/* "1h05m" / "-25m": a duration to the minute, for the text form. */
static void dur_text(int64_t ms, char *out, size_t cap)
{
    int64_t m = (ms < 0 ? -ms : ms) / 60000;
    if (m >= 60)
        snprintf(out, cap, "%s%" PRId64 "h%02" PRId64 "m", ms < 0 ? "-" : "",
                 m / 60, m % 60);
    else
        snprintf(out, cap, "%s%" PRId64 "m", ms < 0 ? "-" : "", m);
}

static void emit_text(const rpt_now *n, FILE *f)
{
    char t1[40], t2[40], d[32];
    rpt_time_text(n->now_ms, n->tz_min, t1, sizeof t1);
    fprintf(f, "Now %s for %s\n", t1, user_set(n) ? n->user : "(nobody)");
    if (n->last_sync_ms > 0)
        rpt_time_text(n->last_sync_ms, n->tz_min, t2, sizeof t2);
    fprintf(f, "unsynced %" PRIu64 "  last sync %s\n", n->unsynced,
            n->last_sync_ms > 0 ? t2 : "never");
    fprintf(f, "\nRounds (%s)\n", n->routes_by);
    if (n->nrounds == 0)
        fprintf(f, "  (none)\n");
    for (size_t i = 0; i < n->nrounds; i++) {
        const rpt_now_round *r = &n->rounds[i];
        rpt_time_text(r->start_ms, n->tz_min, t1, sizeof t1);
        rpt_time_text(r->end_ms, n->tz_min, t2, sizeof t2);
        fprintf(f, "  %s %s  %s .. %s  %s  %u/%u\n", r->route,
                r->name ? r->name : "", t1, t2 + 11, r->state, r->done,
                r->total);
        for (uint32_t c = 0; c < r->nnext; c++) {
            const rpt_now_cp *cp = &r->next[c];
            if (strcmp(cp->state, "done") == 0) {
                fprintf(f, "    %-10s done\n", cp->tag);
                continue;
            }
            int late = strcmp(cp->state, "overdue") == 0;
            dur_text(late ? cp->late_ms : cp->left_ms, d, sizeof d);
            fprintf(f, "    %-10s %-8s %s %s  %s\n", cp->tag, cp->state, d,
                    late ? "late" : "left", cp->name ? cp->name : "");
        }
    }
    fprintf(f, "\nWork orders\n");
    if (n->nwos == 0)
        fprintf(f, "  (none)\n");
    for (size_t i = 0; i < n->nwos; i++) {
        const rpt_now_wo *w = &n->wos[i];
        if (w->clock)
            dur_text(w->left_ms, d, sizeof d);
        fprintf(f, "  %.12s  %-12s %-12s %-10s %s %s%s\n", w->id, w->unit,
                w->category, w->status, w->clock ? w->clock : "-",
                w->clock ? d : "", w->breached ? " BREACHED" : "");
    }
    fprintf(f, "\nVacant units due this month\n");
    if (n->nvacant == 0)
        fprintf(f, "  (none)\n");
    for (size_t i = 0; i < n->nvacant; i++) {
        rpt_time_text(n->vacant[i].due_ms, n->tz_min, t1, sizeof t1);
        fprintf(f, "  %-12s due %s\n", n->vacant[i].unit, t1);
    }
    fprintf(f, "\nHandovers to acknowledge\n");
    if (n->nhos == 0)
        fprintf(f, "  (none)\n");
    for (size_t i = 0; i < n->nhos; i++) {
        rpt_time_text(n->hos[i].created_ms, n->tz_min, t1, sizeof t1);
        fprintf(f, "  %.12s  from %s  %s  %s\n", n->hos[i].id,
                n->hos[i].from ? n->hos[i].from : "-", t1,
                n->hos[i].items ? n->hos[i].items : "");
    }
}

int rpt_now_emit(const rpt_now *n, rpt_format fmt, FILE *f)
{
    if (fmt == RPT_FMT_JSON)
        emit_json(n, f);
    else
        emit_text(n, f);
    return ferror(f) ? RND_EIO : 0;
}
