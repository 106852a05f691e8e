/* shift.c: the handheld's own shift report (`rounds report shift`),
 * offline on the handheld's store: this device's scans and how each
 * counted, the missed checkpoints of its routes so far, and the visitors
 * and vehicles it let in that are still inside. The round logic is the
 * patrol report's (patrol_int.h). docs/REPORTS.md, "rounds report shift",
 * defines every figure.
 */
#include <stdlib.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "patrol_int.h"

#define MIN_MS (60000LL)
#define SHIFT_MS (12 * 3600 * 1000LL)

typedef struct shift_run {
    const rpt_params *p;
    uint64_t me;
    int64_t from, to;
    pat_set ps;
    rpt_section *scans, *missed, *inside;
    int64_t nscans, on_time, late, dup, ooo, nmissed, overdue, visits, vehicles;
    int64_t last_handover;
    fold_state st;
    char buf[4][PROTO_FIELD_STR_MAX + 1];
    int err;
} shift_run;

static const char *fs(shift_run *r, int i, const char *name)
{
    return rpt_field_cstr(&r->st, name, r->buf[i], sizeof r->buf[i]);
}

static uint64_t creator_of(const fold_state *st)
{
    const fold_event *e = fold_state_first(st, PROTO_ACTION_CREATE);
    return e ? e->device_id : st->creator;
}

/* The device time of this device's latest handover up to now. */
static int last_ho_cb(const fold_state *st, void *arg)
{
    shift_run *r = arg;
    int64_t t = pat_device_time(st);
    if (creator_of(st) == r->me && t <= r->p->now && t > r->last_handover)
        r->last_handover = t;
    return 0;
}

static const char *class_name(int cls)
{
    switch (cls) {
    case PAT_ON_TIME:
        return "on_time";
    case PAT_LATE:
        return "late";
    case PAT_DUPLICATE:
        return "duplicate";
    case PAT_CLOCK_FLAGGED:
        return "clock_flagged";
    default:
        return "unknown_tag";
    }
}

/* One row per (own scan, route it belongs to), classified within its
 * round against every scan of the store. */
static int my_scans(shift_run *r)
{
    const rpt_params *p = r->p;
    int rc;
    for (size_t i = 0; i < r->ps.nscans; i++) {
        const pat_scan *s = &r->ps.scans[i];
        if (s->device != r->me || s->t < r->from || s->t >= r->to)
            continue;
        r->nscans++;
        const pat_checkpoint *cp = pat_checkpoint_find(&r->ps, s->tag);
        int on_any = 0;
        for (size_t k = 0; k < r->ps.nroutes; k++) {
            const pat_route *rt = &r->ps.routes[k];
            if (!pat_scan_on_route(s, rt))
                continue;
            on_any = 1;
            int64_t st, en;
            pat_round rd;
            int sched = pat_round_of(rt, s->t, p->tz_min, &st, &en);
            if ((rc = pat_round_eval(&r->ps, rt, st, en, p->now, &rd)) != 0) {
                pat_round_free(&rd);
                return rc;
            }
            const pat_mark *m = NULL;
            for (uint32_t j = 0; j < rd.nmarks && !m; j++)
                if (rd.marks[j].s == s)
                    m = &rd.marks[j];
            int cls = m ? m->cls : PAT_UNKNOWN_TAG, ooo = m ? m->ooo : 0;
            const char *status = sched ? class_name(cls) : "unscheduled";
            r->on_time += cls == PAT_ON_TIME;
            r->late += cls == PAT_LATE;
            r->dup += cls == PAT_DUPLICATE;
            r->ooo += ooo;
            rpt_cell row[7] = {rpt_t(s->t),
                               rpt_s(rt->key),
                               rpt_t(st),
                               rpt_s(s->tag),
                               rpt_s(cp ? cp->name : NULL),
                               rpt_s(status),
                               rpt_b(ooo)};
            pat_round_free(&rd);
            if ((rc = rpt_row(r->scans, row)) != 0)
                return rc;
        }
        if (!on_any) {
            rpt_cell row[7] = {rpt_t(s->t),
                               rpt_s(s->route),
                               rpt_null(),
                               rpt_s(s->tag),
                               rpt_s(cp ? cp->name : NULL),
                               rpt_null(),
                               rpt_null()};
            if ((rc = rpt_row(r->scans, row)) != 0)
                return rc;
        }
    }
    return 0;
}

/* A route counts when --route names it, else when this device scanned it
 * in the window. */
static int route_wanted(shift_run *r, const pat_route *rt)
{
    if (r->p->route)
        return strcmp(r->p->route, rt->key) == 0;
    for (size_t i = 0; i < r->ps.nscans; i++) {
        const pat_scan *s = &r->ps.scans[i];
        if (s->device == r->me && s->t >= r->from && s->t < r->to &&
            pat_scan_on_route(s, rt))
            return 1;
    }
    return 0;
}

static int missed_so_far(shift_run *r)
{
    const rpt_params *p = r->p;
    int rc;
    for (size_t k = 0; k < r->ps.nroutes; k++) {
        const pat_route *rt = &r->ps.routes[k];
        if (!route_wanted(r, rt))
            continue;
        int64_t s, e;
        /* The round running when the shift began is the shift's too. */
        pat_round_of(rt, r->from, p->tz_min, &s, &e);
        if (s < rt->since) /* a round begun before the route existed */
            pat_round_next(rt, rt->since, p->tz_min, &s, &e);
        while (s < r->to && s <= p->now) {
            pat_round rd;
            if ((rc = pat_round_eval(&r->ps, rt, s, e, p->now, &rd)) != 0) {
                pat_round_free(&rd);
                return rc;
            }
            for (uint32_t c = 0; c < rt->ntags; c++) {
                if (rd.first[c] >= 0 ||
                    (!rd.ended && p->now <= pat_deadline(rt, c, s, e)))
                    continue;
                const pat_checkpoint *cp =
                    pat_checkpoint_find(&r->ps, rt->tags[c]);
                rpt_cell row[7] = {rpt_s(rt->key),
                                   rpt_t(s),
                                   rpt_t(e),
                                   rpt_s(rt->tags[c]),
                                   rpt_s(cp ? cp->name : NULL),
                                   rpt_s(cp ? cp->place : NULL),
                                   rpt_s(rd.ended ? "missed" : "overdue")};
                if ((rc = rpt_row(r->missed, row)) != 0) {
                    pat_round_free(&rd);
                    return rc;
                }
                if (rd.ended)
                    r->nmissed++;
                else
                    r->overdue++;
            }
            pat_round_free(&rd);
            pat_round_of(rt, e, p->tz_min, &s, &e);
        }
    }
    return 0;
}

static int inside_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                     const uint8_t *state, size_t len, void *arg)
{
    shift_run *r = arg;
    if (fold_state_parse(state, len, &r->st) != 0 ||
        strcmp(r->st.status, "inside") != 0 || creator_of(&r->st) != r->me)
        return 0;
    int64_t tin = pat_device_time(&r->st);
    if (tin >= r->to)
        return 0;
    char hex[33];
    proto_entity_hex(id, hex);
    int visit = kind == PROTO_KIND_VISIT;
    if (visit)
        r->visits++;
    else
        r->vehicles++;
    rpt_cell row[7] = {rpt_s(visit ? "visit" : "vehicle"),
                       rpt_s(hex),
                       rpt_s(fs(r, 0, visit ? "name" : "plate")),
                       rpt_s(fs(r, 1, "unit")),
                       rpt_s(fs(r, 2, "gate")),
                       rpt_t(tin),
                       rpt_i((r->p->now - tin) / MIN_MS)};
    return r->err = rpt_row(r->inside, row);
}

static int shift_fill(store_txn *txn, shift_run *r, rpt_doc *d)
{
    static const char *const scols[] = {
        N_("time"), N_("route"),  N_("round_start"), N_("tag"),
        N_("name"), N_("status"), N_("out_of_order")};
    static const char *const mcols[] = {
        N_("route"), N_("round_start"), N_("round_end"), N_("tag"),
        N_("name"),  N_("place"),       N_("state")};
    static const char *const icols[] = {
        N_("kind"), N_("id"),      N_("who"),       N_("unit"),
        N_("gate"), N_("time_in"), N_("inside_min")};
    const rpt_params *p = r->p;
    int rc;

    r->scans = rpt_section_add(d, "my_scans", N_("My scans"), scols, 7);
    r->missed = rpt_section_add(d, "missed_so_far",
                                N_("Missed checkpoints so far"), mcols, 7);
    r->inside = rpt_section_add(
        d, "my_visitors_inside",
        N_("Visitors and vehicles I let in, still inside"), icols, 7);
    if (!r->scans || !r->missed || !r->inside)
        return RND_ENOMEM;

    r->me = p->device_id;
    if (r->me == 0) {
        store_identity id;
        if ((rc = store_identity_get(txn, &id)) != 0)
            return rc;
        r->me = id.device_id;
    }
    r->to = p->to > 0 ? p->to : p->now;
    r->from = p->from;
    if (r->from <= 0) {
        /* Default: since this device's last handover, at most 12 h. */
        r->from = p->now - SHIFT_MS;
        rc = store_states_each(txn, PROTO_KIND_HANDOVER, 0, 0, last_ho_cb, r);
        if (rc)
            return rc;
        if (r->last_handover > r->from)
            r->from = r->last_handover;
    }
    d->from = r->from;
    d->to = r->to;

    if ((rc = pat_load_master(txn, NULL, &r->ps)) != 0)
        return rc;
    int64_t maxiv = 0;
    for (size_t i = 0; i < r->ps.nroutes; i++)
        if (pat_round_max(&r->ps.routes[i]) > maxiv)
            maxiv = pat_round_max(&r->ps.routes[i]);
    if ((rc = pat_load_scans(txn, r->from - maxiv, r->to + maxiv,
                             p->skew_limit_ms, &r->ps)))
        return rc;
    if ((rc = my_scans(r)) != 0 || (rc = missed_so_far(r)) != 0)
        return rc;
    static const int kinds[2] = {PROTO_KIND_VISIT, PROTO_KIND_VEHICLE};
    for (int k = 0; k < 2; k++) {
        rc = store_entities_each(txn, kinds[k], 1, inside_cb, r);
        if (rc == 0 && r->err)
            rc = r->err;
        if (rc)
            return rc;
    }
    static const uint32_t by_time[] = {5, 0};
    rpt_section_sort(r->inside, by_time, 2);
    if ((rc = rpt_summary(d, N_("my_scans"), rpt_i(r->nscans))) ||
        (rc = rpt_summary(d, N_("on_time"), rpt_i(r->on_time))) ||
        (rc = rpt_summary(d, N_("late"), rpt_i(r->late))) ||
        (rc = rpt_summary(d, N_("duplicates"), rpt_i(r->dup))) ||
        (rc = rpt_summary(d, N_("out_of_order"), rpt_i(r->ooo))) ||
        (rc = rpt_summary(d, N_("missed"), rpt_i(r->nmissed))) ||
        (rc = rpt_summary(d, N_("overdue"), rpt_i(r->overdue))) ||
        (rc = rpt_summary(d, N_("visitors_inside"), rpt_i(r->visits))) ||
        (rc = rpt_summary(d, N_("vehicles_inside"), rpt_i(r->vehicles))))
        return rc;
    return 0;
}

int rpt_shift(store_txn *txn, const rpt_params *p, rpt_doc *d)
{
    rpt_doc_init(d, "shift", N_("Shift report"), p->site, p->from, p->to,
                 p->now, p->tz_min);
    shift_run *r = calloc(1, sizeof *r);
    if (r == NULL)
        return RND_ENOMEM;
    r->p = p;
    int rc = shift_fill(txn, r, d);
    pat_set_free(&r->ps);
    free(r);
    return rc;
}
