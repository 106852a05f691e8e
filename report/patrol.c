/* patrol.c: the patrol report (per route, round and guard: checkpoints on
 * time, late, missed, out of order; duplicates; tour quality; anomalies;
 * the rostered guard; manual and unknown-tag scans) and the round
 * evaluation the handover and shift reports share (patrol_int.h; loading
 * is patrol_load.c, the calendar and roster schedule.c).
 * docs/REPORTS.md, "patrol", defines every figure.
 */
#include <stdlib.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "patrol_int.h"

#define MIN_MS (60000LL)

/* ---- small helpers ---------------------------------------------------- */

int64_t pat_device_time(const fold_state *st)
{
    const fold_event *e = fold_state_first(st, PROTO_ACTION_CREATE);
    if (e == NULL && st->nevents > 0)
        e = &st->events[0];
    return e ? e->wall_ms : 0;
}

static int str_eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

/* ---- rounds ----------------------------------------------------------- */

int pat_route_index(const pat_route *r, const char *tag)
{
    if (tag == NULL)
        return -1;
    for (uint32_t i = 0; i < r->ntags; i++)
        if (strcmp(r->tags[i], tag) == 0)
            return (int)i;
    return -1;
}

int pat_scan_manual(const pat_scan *s)
{
    return !s->verified;
}

int pat_scan_on_route(const pat_scan *s, const pat_route *r)
{
    if (s->route)
        return strcmp(s->route, r->key) == 0;
    return pat_route_index(r, s->tag) >= 0;
}

int pat_round_eval(const pat_set *ps, const pat_route *r, int64_t start,
                   int64_t end, int64_t now, pat_round *out)
{
    memset(out, 0, sizeof *out);
    out->start = start;
    out->end = end;
    out->ended = end <= now;
    out->first = malloc((r->ntags ? r->ntags : 1) * sizeof *out->first);
    if (out->first == NULL)
        return RND_ENOMEM;
    for (uint32_t i = 0; i < r->ntags; i++)
        out->first[i] = -1;

    /* The scans are sorted by time: find the first at or after start. */
    size_t lo = 0, hi = ps->nscans;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        if (ps->scans[m].t < start)
            lo = m + 1;
        else
            hi = m;
    }
    size_t n = 0, cap = 0;
    int maxcp = -1;
    for (size_t i = lo; i < ps->nscans && ps->scans[i].t < end; i++) {
        const pat_scan *s = &ps->scans[i];
        if (!pat_scan_on_route(s, r))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            pat_mark *nm = realloc(out->marks, cap * sizeof *nm);
            if (nm == NULL)
                return RND_ENOMEM;
            out->marks = nm;
        }
        pat_mark *m = &out->marks[n];
        memset(m, 0, sizeof *m);
        m->s = s;
        m->cp = pat_route_index(r, s->tag);
        if (m->cp < 0) {
            m->cls = PAT_UNKNOWN_TAG;
        } else if (s->clock_flag) {
            m->cls = PAT_CLOCK_FLAGGED;
        } else if (out->first[m->cp] >= 0) {
            m->cls = PAT_DUPLICATE;
        } else {
            int64_t due = pat_deadline(r, (uint32_t)m->cp, start, end);
            int64_t early =
                start + (r->due_ms ? r->due_ms[m->cp] : 0) -
                (r->tol_ms && r->tol_ms[m->cp] > 0 ? r->tol_ms[m->cp] : 0);
            out->first[m->cp] = (int32_t)n;
            if (s->t <= due) {
                m->cls = PAT_ON_TIME;
                if (s->t < early)
                    m->early_min = (early - s->t + MIN_MS - 1) / MIN_MS;
            } else {
                m->cls = PAT_LATE;
                m->late_min = (s->t - due + MIN_MS - 1) / MIN_MS;
            }
            m->ooo = m->cp < maxcp;
            if (m->cp > maxcp)
                maxcp = m->cp;
        }
        n++;
    }
    out->nmarks = (uint32_t)n;
    return 0;
}

void pat_round_free(pat_round *rd)
{
    free(rd->marks);
    free(rd->first);
    memset(rd, 0, sizeof *rd);
}

/* ---- the report ------------------------------------------------------- */

typedef struct guard_stat {
    char *guard;
    int64_t rounds, scans, on_time, late, ooo, dup, manual;
    int64_t rostered, missed; /* rounds rostered to the guard, their misses */
} guard_stat;

typedef struct sums {
    int64_t rounds, required, visited, on_time, late, missed, pending, ooo, dup;
    int64_t flagged; /* scans made with a flagged clock, PAT_CLOCK_FLAGGED */
    int64_t early, manual, unscheduled;
} sums;

typedef struct patrol_run {
    const rpt_params *p;
    pat_set ps;
    rpt_section *rounds, *missed, *exc, *anom, *guards, *unknown;
    guard_stat *gs;
    size_t ngs, gcap;
    sums sum;
    const char **rtags; /* report_anomalies: the routes' tags, sorted */
    size_t nrtags;
} patrol_run;

static guard_stat *guard_get(patrol_run *pr, const char *g)
{
    for (size_t i = 0; i < pr->ngs; i++)
        if (strcmp(pr->gs[i].guard, g) == 0)
            return &pr->gs[i];
    if (pr->ngs == pr->gcap) {
        size_t ncap = pr->gcap ? pr->gcap * 2 : 8;
        guard_stat *n = realloc(pr->gs, ncap * sizeof *n);
        if (n == NULL)
            return NULL;
        pr->gs = n;
        pr->gcap = ncap;
    }
    guard_stat *s = &pr->gs[pr->ngs];
    memset(s, 0, sizeof *s);
    s->guard = strdup(g);
    if (s->guard == NULL)
        return NULL;
    pr->ngs++;
    return s;
}

static int cstr_cmp(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    if (x == NULL || y == NULL)
        return (x != NULL) - (y != NULL);
    return strcmp(x, y);
}

/* Whether g is one of the comma-joined names of list. */
static int in_list(const char *list, const char *g)
{
    size_t n = g ? strlen(g) : 0;
    if (n == 0 || list == NULL)
        return 0;
    for (const char *p = list; *p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == n && memcmp(p, g, n) == 0)
            return 1;
        p += len + (c != NULL);
    }
    return 0;
}

/* Charges each rostered guard of an ended round with it and its misses. */
static int charge_roster(patrol_run *pr, const char *list, int64_t missed)
{
    char name[PROTO_FIELD_STR_MAX + 1];
    for (const char *p = list; *p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len > 0 && len < sizeof name) {
            memcpy(name, p, len);
            name[len] = '\0';
            if (pr->p->guard == NULL || strcmp(pr->p->guard, name) == 0) {
                guard_stat *gs = guard_get(pr, name);
                if (gs == NULL)
                    return RND_ENOMEM;
                gs->rostered++;
                gs->missed += missed;
            }
        }
        p += len + (c != NULL);
    }
    return 0;
}

/* One row per guard of the round (a row with guard null when nobody
 * scanned it), the round's missed checkpoints and its exceptions. */
static int report_round(patrol_run *pr, const pat_route *r, const pat_round *rd)
{
    const rpt_params *p = pr->p;
    const char *guards[64];
    uint32_t ng = 0;
    int rc;
    char rost[PROTO_FIELD_STR_MAX + 1];
    pat_roster_who(&pr->ps, r->key, 0, rd->start, p->tz_min, rost, sizeof rost);
    const char *rostered = rost[0] ? rost : NULL;
    int mine = p->guard && in_list(rostered, p->guard);
    for (uint32_t i = 0; i < rd->nmarks; i++) {
        const char *g = rd->marks[i].s->by;
        uint32_t k = 0;
        while (k < ng && !str_eq(guards[k], g))
            k++;
        if (k == ng && ng < 64)
            guards[ng++] = g;
    }
    if (ng > 1)
        qsort(guards, ng, sizeof *guards, cstr_cmp);
    if (ng == 0)
        guards[ng++] = NULL;

    int64_t open = 0;
    for (uint32_t k = 0; k < r->ntags; k++)
        open += rd->first[k] < 0;
    int64_t required = rd->ended ? r->ntags : 0;
    int64_t missed = rd->ended ? open : 0, pending = rd->ended ? 0 : open;
    int shown = 0;

    for (uint32_t gi = 0; gi < ng; gi++) {
        const char *g = guards[gi];
        if (p->guard && !str_eq(p->guard, g) && !mine)
            continue;
        int64_t on = 0, late = 0, ooo = 0, dup = 0, scans = 0, flagged = 0;
        int64_t early = 0, manual = 0;
        for (uint32_t i = 0; i < rd->nmarks; i++) {
            const pat_mark *m = &rd->marks[i];
            if (!str_eq(m->s->by, g))
                continue;
            scans++;
            on += m->cls == PAT_ON_TIME;
            late += m->cls == PAT_LATE;
            dup += m->cls == PAT_DUPLICATE;
            flagged += m->cls == PAT_CLOCK_FLAGGED;
            early += m->early_min > 0;
            manual += pat_scan_manual(m->s);
            ooo += m->ooo;
            const char *what[4];
            int64_t mins[4];
            int nw = 0;
            if (m->cls == PAT_LATE) {
                mins[nw] = m->late_min;
                what[nw++] = "late";
            }
            if (m->early_min > 0) {
                mins[nw] = -1;
                what[nw++] = "early";
            }
            if (m->ooo) {
                mins[nw] = -1;
                what[nw++] = "out_of_order";
            }
            if (m->cls == PAT_DUPLICATE) {
                mins[nw] = -1;
                what[nw++] = "duplicate";
            }
            if (m->cls == PAT_UNKNOWN_TAG) {
                mins[nw] = -1;
                what[nw++] = "unknown_tag";
            }
            if (m->cls == PAT_CLOCK_FLAGGED) {
                mins[nw] = -1;
                what[nw++] = "clock_flagged";
            }
            int timed = m->cls == PAT_LATE || m->early_min > 0;
            int64_t due =
                timed ? rd->start + (r->due_ms ? r->due_ms[m->cp] : 0) : 0;
            for (int w = 0; w < nw; w++) {
                int is_early = strcmp(what[w], "early") == 0;
                rpt_cell row[11] = {
                    rpt_t(m->s->t),
                    rpt_s(r->key),
                    rpt_t(rd->start),
                    rpt_s(m->s->tag),
                    rpt_s(g),
                    rpt_k(what[w]),
                    mins[w] >= 0 ? rpt_i(mins[w]) : rpt_null(),
                    m->s->clock_flag ? rpt_k(m->s->clock_flag) : rpt_null(),
                    is_early ? rpt_i(m->early_min) : rpt_null(),
                    timed && (is_early || mins[w] >= 0) ? rpt_t(due)
                                                        : rpt_null(),
                    rpt_s(rostered)};
                if ((rc = rpt_row(pr->exc, row)) != 0)
                    return rc;
            }
        }
        rpt_cell row[15] = {rpt_s(r->key),
                            rpt_t(rd->start),
                            rpt_t(rd->end),
                            rpt_s(g),
                            rpt_i(required),
                            rpt_i(on),
                            rpt_i(late),
                            rpt_i(missed),
                            rpt_i(pending),
                            rpt_i(ooo),
                            rpt_i(dup),
                            required
                                ? rpt_r((double)(on + late) / (double)required)
                                : rpt_null(),
                            rpt_i(early),
                            rpt_i(manual),
                            rpt_s(rostered)};
        if ((rc = rpt_row(pr->rounds, row)) != 0)
            return rc;
        shown = 1;
        if (g && (p->guard == NULL || str_eq(p->guard, g))) {
            guard_stat *gs = guard_get(pr, g);
            if (gs == NULL)
                return RND_ENOMEM;
            gs->rounds++;
            gs->scans += scans;
            gs->on_time += on;
            gs->late += late;
            gs->ooo += ooo;
            gs->dup += dup;
            gs->manual += manual;
        }
        pr->sum.on_time += on;
        pr->sum.late += late;
        if (rd->ended)
            pr->sum.visited += on + late;
        pr->sum.ooo += ooo;
        pr->sum.dup += dup;
        pr->sum.flagged += flagged;
        pr->sum.early += early;
        pr->sum.manual += manual;
    }
    if (!shown)
        return 0;
    pr->sum.rounds++;
    pr->sum.required += required;
    pr->sum.missed += missed;
    pr->sum.pending += pending;
    if (rostered && rd->ended && (rc = charge_roster(pr, rostered, missed)))
        return rc;
    for (uint32_t k = 0; rd->ended && k < r->ntags; k++) {
        if (rd->first[k] >= 0)
            continue;
        const pat_checkpoint *cp = pat_checkpoint_find(&pr->ps, r->tags[k]);
        rpt_cell row[7] = {rpt_s(r->key),
                           rpt_t(rd->start),
                           rpt_s(r->tags[k]),
                           rpt_s(cp ? cp->name : NULL),
                           rpt_s(cp ? cp->place : NULL),
                           rpt_t(rd->start + (r->due_ms ? r->due_ms[k] : 0)),
                           rpt_s(rostered)};
        if ((rc = rpt_row(pr->missed, row)) != 0)
            return rc;
    }
    return 0;
}

/* Scans of a route outside its scheduled rounds: exceptions
 * "unscheduled" (only routes whose active hours or days leave gaps). */
static int report_unscheduled(patrol_run *pr, const pat_route *r)
{
    const rpt_params *p = pr->p;
    if (r->recur != PAT_DAILY ||
        (r->act_from < 0 && (r->days & RPT_DAYS_ALL) == RPT_DAYS_ALL))
        return 0;
    for (size_t i = 0; i < pr->ps.nscans; i++) {
        const pat_scan *s = &pr->ps.scans[i];
        int64_t st, en;
        if (s->t < p->from || s->t >= p->to || s->t > p->now ||
            s->t < r->since || !pat_scan_on_route(s, r) ||
            (p->guard && !str_eq(p->guard, s->by)) ||
            pat_round_of(r, s->t, p->tz_min, &st, &en))
            continue;
        pr->sum.unscheduled++;
        rpt_cell row[11] = {rpt_t(s->t),  rpt_s(r->key),
                            rpt_null(),   rpt_s(s->tag),
                            rpt_s(s->by), rpt_s("unscheduled"),
                            rpt_null(),   rpt_s(s->clock_flag),
                            rpt_null(),   rpt_null(),
                            rpt_null()};
        int rc = rpt_row(pr->exc, row);
        if (rc)
            return rc;
    }
    return 0;
}

/* The comma-joined routes scan s belongs to into buf; whether any. */
static int routes_of(const patrol_run *pr, const pat_scan *s, char *buf,
                     size_t cap)
{
    size_t used = 0;
    int on_any = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < pr->ps.nroutes; k++) {
        const pat_route *r = &pr->ps.routes[k];
        if (!pat_scan_on_route(s, r))
            continue;
        on_any = 1;
        if (s->route)
            break;
        size_t len = strlen(r->key);
        if (used + len + 2 < cap) {
            if (used)
                buf[used++] = ',';
            memcpy(buf + used, r->key, len + 1);
            used += len;
        }
    }
    return on_any;
}

static int report_anomalies(patrol_run *pr)
{
    const rpt_params *p = pr->p;
    /* Every tag of the loaded routes, sorted, for the unknown-tag test. */
    size_t n = 0;
    for (size_t k = 0; k < pr->ps.nroutes; k++)
        n += pr->ps.routes[k].ntags;
    pr->rtags = malloc((n ? n : 1) * sizeof *pr->rtags);
    if (pr->rtags == NULL)
        return RND_ENOMEM;
    for (size_t k = 0; k < pr->ps.nroutes; k++)
        for (uint32_t i = 0; i < pr->ps.routes[k].ntags; i++)
            pr->rtags[pr->nrtags++] = pr->ps.routes[k].tags[i];
    if (pr->nrtags > 1)
        qsort(pr->rtags, pr->nrtags, sizeof *pr->rtags, cstr_cmp);
    for (size_t i = 0; i < pr->ps.nscans; i++) {
        const pat_scan *s = &pr->ps.scans[i];
        if (s->t < p->from || s->t >= p->to)
            continue;
        if (p->guard && !str_eq(p->guard, s->by))
            continue;
        /* Unknown tags: flagged by the handheld, or on no route of the
         * site (of --route R: on R's rounds, its tag not R's). */
        int unknown =
            s->unknown_tag || s->tag == NULL ||
            (pr->nrtags == 0 || bsearch(&s->tag, pr->rtags, pr->nrtags,
                                        sizeof *pr->rtags, cstr_cmp) == NULL);
        if (!unknown && !s->anomaly)
            continue;
        /* The route: the scan's own, else every route holding its tag. */
        char routes[512];
        int on_any = routes_of(pr, s, routes, sizeof routes);
        if (unknown && (!p->route || on_any)) {
            rpt_cell row[6] = {rpt_t(s->t),      rpt_s(s->tag),
                               rpt_s(s->route),  rpt_s(s->by),
                               rpt_s(s->method), rpt_b(s->unknown_tag)};
            int rc = rpt_row(pr->unknown, row);
            if (rc)
                return rc;
        }
        if (!s->anomaly || (p->route && !on_any))
            continue;
        const pat_checkpoint *cp = pat_checkpoint_find(&pr->ps, s->tag);
        rpt_cell row[8] = {
            rpt_t(s->t),
            rpt_s(s->route ? s->route : routes[0] ? routes : NULL),
            rpt_s(s->tag),
            rpt_s(cp ? cp->name : NULL),
            rpt_s(s->by),
            rpt_s(s->note),
            rpt_s(s->workorder),
            rpt_s(s->clock_flag)};
        int rc = rpt_row(pr->anom, row);
        if (rc)
            return rc;
    }
    return 0;
}

static int gs_cmp(const void *a, const void *b)
{
    return strcmp(((const guard_stat *)a)->guard,
                  ((const guard_stat *)b)->guard);
}

static int patrol_fill(store_txn *txn, patrol_run *pr, rpt_doc *d)
{
    const rpt_params *p = pr->p;
    static const char *const rounds_cols[] = {
        N_("route"),    N_("round_start"),  N_("round_end"),  N_("guard"),
        N_("required"), N_("on_time"),      N_("late"),       N_("missed"),
        N_("pending"),  N_("out_of_order"), N_("duplicates"), N_("tqi"),
        N_("early"),    N_("manual"),       N_("rostered")};
    static const char *const missed_cols[] = {
        N_("route"), N_("round_start"), N_("tag"),     N_("name"),
        N_("place"), N_("due"),         N_("rostered")};
    static const char *const exc_cols[] = {
        N_("time"),          N_("route"), N_("round_start"),  N_("tag"),
        N_("guard"),         N_("what"),  N_("minutes_late"), N_("clock_flag"),
        N_("minutes_early"), N_("due"),   N_("rostered")};
    static const char *const anom_cols[] = {
        N_("time"),  N_("route"), N_("tag"),       N_("name"),
        N_("guard"), N_("note"),  N_("workorder"), N_("clock_flag")};
    static const char *const guard_cols[] = {
        N_("guard"),          N_("rounds"), N_("scans"),
        N_("on_time"),        N_("late"),   N_("out_of_order"),
        N_("duplicates"),     N_("manual"), N_("rostered_rounds"),
        N_("rostered_missed")};
    static const char *const unknown_cols[] = {N_("time"),   N_("tag"),
                                               N_("route"),  N_("guard"),
                                               N_("method"), N_("flagged")};
    int rc;

    pr->rounds = rpt_section_add(d, "rounds", N_("Rounds"), rounds_cols, 15);
    pr->missed =
        rpt_section_add(d, "missed", N_("Missed checkpoints"), missed_cols, 7);
    pr->exc = rpt_section_add(d, "exceptions",
                              N_("Late, out-of-order, duplicate and "
                                 "clock-flagged scans"),
                              exc_cols, 11);
    pr->anom =
        rpt_section_add(d, "anomalies", N_("Anomalies observed"), anom_cols, 8);
    pr->guards = rpt_section_add(d, "guards", N_("Guards"), guard_cols, 10);
    pr->unknown = rpt_section_add(d, "unknown_tags",
                                  N_("Scans of unknown tags"), unknown_cols, 6);
    if (!pr->rounds || !pr->missed || !pr->exc || !pr->anom || !pr->guards ||
        !pr->unknown)
        return RND_ENOMEM;

    if ((rc = pat_load_master(txn, p->route, &pr->ps)) != 0)
        return rc;
    /* Rounds start in [from, to) and last at most their longest. */
    int64_t maxiv = 0;
    for (size_t i = 0; i < pr->ps.nroutes; i++)
        if (pat_round_max(&pr->ps.routes[i]) > maxiv)
            maxiv = pat_round_max(&pr->ps.routes[i]);
    if ((!p->rounds_only || pr->ps.nroutes > 0) &&
        (rc = pat_load_scans(txn, p->from, p->to + maxiv, p->skew_limit_ms,
                             &pr->ps)) != 0)
        return rc;

    for (size_t i = 0; i < pr->ps.nroutes; i++) {
        const pat_route *r = &pr->ps.routes[i];
        int64_t s, e;
        pat_round_next(r, p->from > r->since ? p->from : r->since, p->tz_min,
                       &s, &e);
        while (s < p->to && s <= p->now) {
            pat_round rd;
            rc = pat_round_eval(&pr->ps, r, s, e, p->now, &rd);
            if (rc == 0)
                rc = report_round(pr, r, &rd);
            pat_round_free(&rd);
            if (rc)
                return rc;
            pat_round_next(r, e, p->tz_min, &s, &e);
        }
        if ((rc = report_unscheduled(pr, r)) != 0)
            return rc;
    }
    if (!p->rounds_only && (rc = report_anomalies(pr)) != 0)
        return rc;
    static const uint32_t exc_sort[] = {0, 1, 5};
    rpt_section_sort(pr->exc, exc_sort, 3);
    if (pr->ngs > 1)
        qsort(pr->gs, pr->ngs, sizeof *pr->gs, gs_cmp);
    for (size_t i = 0; !p->rounds_only && i < pr->ngs; i++) {
        const guard_stat *g = &pr->gs[i];
        rpt_cell row[10] = {rpt_s(g->guard),    rpt_i(g->rounds),
                            rpt_i(g->scans),    rpt_i(g->on_time),
                            rpt_i(g->late),     rpt_i(g->ooo),
                            rpt_i(g->dup),      rpt_i(g->manual),
                            rpt_i(g->rostered), rpt_i(g->missed)};
        if ((rc = rpt_row(pr->guards, row)) != 0)
            return rc;
    }

    const sums *sm = &pr->sum;
    int64_t visited = sm->visited; /* ended rounds only, like required */
    if ((rc = rpt_summary(d, N_("routes"), rpt_i((int64_t)pr->ps.nroutes))) ||
        (rc = rpt_summary(d, N_("rounds"), rpt_i(sm->rounds))) ||
        (rc = rpt_summary(d, N_("required"), rpt_i(sm->required))) ||
        (rc = rpt_summary(d, N_("visited"), rpt_i(visited))) ||
        (rc = rpt_summary(d, N_("on_time"), rpt_i(sm->on_time))) ||
        (rc = rpt_summary(d, N_("late"), rpt_i(sm->late))) ||
        (rc = rpt_summary(d, N_("missed"), rpt_i(sm->missed))) ||
        (rc = rpt_summary(d, N_("pending"), rpt_i(sm->pending))) ||
        (rc = rpt_summary(d, N_("out_of_order"), rpt_i(sm->ooo))) ||
        (rc = rpt_summary(d, N_("duplicates"), rpt_i(sm->dup))) ||
        (rc = rpt_summary(d, N_("clock_flagged_scans"), rpt_i(sm->flagged))) ||
        (rc = rpt_summary(d, N_("anomalies"),
                          rpt_i(rpt_section_rows(pr->anom)))) ||
        (rc = rpt_summary(d, N_("tqi"),
                          sm->required
                              ? rpt_r((double)visited / (double)sm->required)
                              : rpt_null())) ||
        (rc = rpt_summary(d, N_("early"), rpt_i(sm->early))) ||
        (rc = rpt_summary(d, N_("manual_scans"), rpt_i(sm->manual))) ||
        (rc = rpt_summary(d, N_("unknown_tag_scans"),
                          rpt_i(rpt_section_rows(pr->unknown)))) ||
        (rc = rpt_summary(d, N_("unscheduled_scans"), rpt_i(sm->unscheduled))))
        return rc;
    return 0;
}

int rpt_patrol(store_txn *txn, const rpt_params *p, rpt_doc *d)
{
    rpt_doc_init(d, "patrol", N_("Patrol report"), p->site, p->from, p->to,
                 p->now, p->tz_min);
    patrol_run pr;
    memset(&pr, 0, sizeof pr);
    pr.p = p;
    int rc = patrol_fill(txn, &pr, d);
    for (size_t i = 0; i < pr.ngs; i++)
        free(pr.gs[i].guard);
    free(pr.gs);
    free(pr.rtags);
    pat_set_free(&pr.ps);
    return rc;
}
