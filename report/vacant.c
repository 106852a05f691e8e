/* vacant.c: vacant units overdue for inspection, and failed checklist
 * items with their work orders (docs/REPORTS.md, "vacant").
 *
 * Every inspection is read (a unit's last inspection may be of any age);
 * an estate makes a few per vacant unit a month, so that is thousands, not
 * millions, of states.
 */
#include <stdlib.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "fields.h"
#include "report.h"

#define DAY_MS (24 * 3600 * 1000LL)

static const char *const checklist[] = {"doors_windows", "water", "power",
                                        "gas",           "leaks", "cracks"};
#define NCHECKS (sizeof checklist / sizeof *checklist)

typedef struct unit {
    char *key, *building, *cluster; /* malloc'd; building, cluster may be
                                       NULL */
    int64_t last;                   /* device time of the last inspection */
    char *by;                       /* who made it (malloc'd) or NULL */
    /* The latest inspection made with a flagged clock (rpt_clock_flag):
     * listed beside the unit, never counted as its last inspection. */
    int64_t flagged;
    const char *flag; /* static */
} unit;

typedef struct vac {
    unit *u;
    size_t n, cap;
    fold_state *st, *wo;
    store_txn *txn;
    const rpt_params *p;
    rpt_section *failed, *clock;
    int64_t in_window, failed_n, flagged_n;
    int rc;
} vac;

static char *dup_field(const fold_state *st, const char *name)
{
    return rpt_str_dup(fold_state_field(st, name));
}

static int field_is(const fold_state *st, const char *name, const char *val)
{
    const proto_field *f = fold_state_field(st, name);
    size_t n = strlen(val);
    return f && f->type == PROTO_STR && f->str_len == n &&
           memcmp(f->str, val, n) == 0;
}

static int unit_cb(const fold_state *st, void *ctx)
{
    vac *v = ctx;
    const proto_field *f = fold_state_field(st, "vacant");
    if (f == NULL || f->type != PROTO_BOOL || !f->i)
        return 0;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        unit *u = realloc(v->u, cap * sizeof *u);
        if (u == NULL)
            return RND_ENOMEM;
        v->u = u;
        v->cap = cap;
    }
    unit *u = &v->u[v->n];
    memset(u, 0, sizeof *u);
    if ((u->key = dup_field(st, "unit")) == NULL)
        return 0; /* a unit without its key field is not listable */
    u->building = dup_field(st, "building");
    u->cluster = dup_field(st, "cluster");
    v->n++;
    return 0;
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const unit *)a)->key, ((const unit *)b)->key);
}

static int64_t record_time(const fold_state *st)
{
    const fold_event *c = fold_state_first(st, PROTO_ACTION_CREATE);
    if (c)
        return c->wall_ms;
    int64_t t = 0;
    for (int i = 0; i < 6; i++)
        t = (t << 8) | st->entity[i];
    return t;
}

/* The merged status of the work order an inspection opened. */
static void wo_status(vac *v, const proto_field *f, char *out, size_t cap)
{
    uint8_t id[PROTO_ENTITY_LEN];
    char hex[33];
    const uint8_t *state;
    size_t len;
    int kind;
    out[0] = '\0';
    if (f == NULL || f->type != PROTO_STR || f->str_len != 32)
        return;
    memcpy(hex, f->str, 32);
    hex[32] = '\0';
    if (proto_entity_parse(hex, id) != 0 ||
        store_entity_get(v->txn, id, &kind, &state, &len) != 0 ||
        fold_state_parse(state, len, v->wo) != 0)
        return;
    snprintf(out, cap, "%s", v->wo->status);
}

static int insp_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                   const uint8_t *state, size_t len, void *ctx)
{
    (void)id;
    (void)kind;
    vac *v = ctx;
    const fold_state *st = v->st;
    if (fold_state_parse(state, len, v->st) != 0)
        return 0;
    int64_t t = record_time(st);
    const proto_field *uf = fold_state_field(st, "unit");
    const proto_field *by = fold_state_field(st, "by");
    const fold_event *ev = rpt_record_event(st);
    const char *flag = ev ? rpt_clock_flag(ev, v->p->skew_limit_ms) : NULL;
    if (uf && uf->type == PROTO_STR) {
        char key[256];
        snprintf(key, sizeof key, "%.*s", (int)uf->str_len, uf->str);
        unit k = {.key = key};
        unit *u = v->n ? bsearch(&k, v->u, v->n, sizeof *v->u, by_key) : NULL;
        if (u && flag && t > u->flagged) {
            u->flagged = t;
            u->flag = flag;
        } else if (u && !flag && t > u->last) {
            u->last = t;
            free(u->by);
            u->by = dup_field(st, "by");
        }
    }
    /* A flagged record's device time is what is in doubt: its window is
     * by the time corrected with the offset it carries. */
    int64_t tw = flag && ev->clk ? t + ev->clk : t;
    if (tw < v->p->from || tw >= v->p->to)
        return 0;
    v->in_window++;
    if (flag) {
        char unitbuf[256] = "", bybuf[128] = "";
        if (uf && uf->type == PROTO_STR)
            snprintf(unitbuf, sizeof unitbuf, "%.*s", (int)uf->str_len,
                     uf->str);
        if (by && by->type == PROTO_STR)
            snprintf(bybuf, sizeof bybuf, "%.*s", (int)by->str_len, by->str);
        v->flagged_n++;
        rpt_cell row[] = {rpt_t(t),
                          rpt_s(unitbuf),
                          bybuf[0] ? rpt_s(bybuf) : rpt_null(),
                          rpt_s(flag),
                          rpt_i(ev->clk),
                          rpt_i(PROTO_HLC_MS(ev->hlc) - ev->wall_ms)};
        if ((v->rc = rpt_row(v->clock, row)) != 0)
            return v->rc;
    }
    char failed[128] = "";
    for (size_t i = 0; i < NCHECKS; i++)
        if (field_is(st, checklist[i], "fail"))
            snprintf(failed + strlen(failed), sizeof failed - strlen(failed),
                     "%s%s", failed[0] ? " " : "", checklist[i]);
    if (failed[0] == '\0')
        return 0;
    v->failed_n++;
    char unitbuf[256] = "", bybuf[128] = "", note[512] = "", wo[33] = "",
         status[24];
    if (uf && uf->type == PROTO_STR)
        snprintf(unitbuf, sizeof unitbuf, "%.*s", (int)uf->str_len, uf->str);
    if (by && by->type == PROTO_STR)
        snprintf(bybuf, sizeof bybuf, "%.*s", (int)by->str_len, by->str);
    const proto_field *nf = fold_state_field(st, "note");
    if (nf && nf->type == PROTO_STR)
        snprintf(note, sizeof note, "%.*s", (int)nf->str_len, nf->str);
    const proto_field *wf = fold_state_field(st, "workorder");
    if (wf && wf->type == PROTO_STR)
        snprintf(wo, sizeof wo, "%.*s", (int)wf->str_len, wf->str);
    wo_status(v, wf, status, sizeof status);
    rpt_cell row[] = {rpt_t(t),
                      rpt_s(unitbuf),
                      bybuf[0] ? rpt_s(bybuf) : rpt_null(),
                      rpt_s(failed),
                      note[0] ? rpt_s(note) : rpt_null(),
                      wo[0] ? rpt_s(wo) : rpt_null(),
                      status[0] ? rpt_s(status) : rpt_null()};
    return (v->rc = rpt_row(v->failed, row));
}

int rpt_vacant(store_txn *txn, const rpt_params *p, rpt_doc *d)
{
    rpt_doc_init(d, "vacant", N_("Vacant units"), p->site, p->from, p->to,
                 p->now, p->tz_min);
    static const char *const ucols[] = {N_("unit"),
                                        N_("building"),
                                        N_("cluster"),
                                        N_("last_inspected"),
                                        N_("days_since"),
                                        N_("by"),
                                        N_("clock_flagged_inspection"),
                                        N_("clock_flag"),
                                        N_("due"),
                                        N_("overdue")};
    static const char *const ccols[] = {
        N_("time"),       N_("unit"),   N_("by"),
        N_("clock_flag"), N_("clk_ms"), N_("stamp_minus_wall_ms")};
    static const char *const fcols[] = {N_("time"),
                                        N_("unit"),
                                        N_("by"),
                                        N_("failed"),
                                        N_("note"),
                                        N_("workorder"),
                                        N_("workorder_status")};
    int days = p->vacant_days > 0 ? p->vacant_days : RPT_VACANT_DEFAULT_DAYS;
    vac v = {.txn = txn, .p = p};
    int rc = RND_ENOMEM;
    rpt_section *so =
        rpt_section_add(d, "overdue", N_("Vacant units overdue"), ucols, 10);
    rpt_section *si = rpt_section_add(d, "inspected",
                                      N_("Vacant units inspected"), ucols, 10);
    v.failed = rpt_section_add(d, "failed_items", N_("Failed checklist items"),
                               fcols, 7);
    v.clock = rpt_section_add(d, "clock_flagged",
                              N_("Inspections made with a flagged clock (not "
                                 "counted)"),
                              ccols, 6);
    v.st = malloc(sizeof *v.st);
    v.wo = malloc(sizeof *v.wo);
    if (!so || !si || !v.failed || !v.clock || !v.st || !v.wo)
        goto out;
    if ((rc = store_states_each(txn, PROTO_KIND_UNIT, 1, 0, unit_cb, &v)))
        goto out;
    if (v.n)
        qsort(v.u, v.n, sizeof *v.u, by_key);
    rc = store_entities_each(txn, PROTO_KIND_INSPECTION, 0, insp_cb, &v);
    if (rc == 0)
        rc = v.rc;
    if (rc)
        goto out;
    int64_t overdue = 0, never = 0;
    for (size_t i = 0; i < v.n; i++) {
        const unit *u = &v.u[i];
        int late = u->last == 0 || u->last < p->now - days * DAY_MS;
        int64_t since = u->last > p->now ? 0 : (p->now - u->last) / DAY_MS;
        rpt_cell row[] = {rpt_s(u->key), rpt_s(u->building), rpt_s(u->cluster),
                          rpt_t(u->last), u->last ? rpt_i(since) : rpt_null(),
                          rpt_s(u->by), rpt_t(u->flagged), rpt_s(u->flag),
                          /* due: days after the last; never: now */
                          rpt_t(u->last ? u->last + days * DAY_MS : p->now),
                          rpt_b(late)};
        if ((rc = rpt_row(late ? so : si, row)) != 0)
            goto out;
        overdue += late;
        never += u->last == 0;
    }
    if ((rc = rpt_summary(d, N_("vacant_units"), rpt_i((int64_t)v.n))) ||
        (rc = rpt_summary(d, N_("overdue"), rpt_i(overdue))) ||
        (rc = rpt_summary(d, N_("never_inspected"), rpt_i(never))) ||
        (rc =
             rpt_summary(d, N_("inspections_in_window"), rpt_i(v.in_window))) ||
        (rc = rpt_summary(d, N_("failed_inspections"), rpt_i(v.failed_n))) ||
        (rc = rpt_summary(d, N_("clock_flagged_inspections"),
                          rpt_i(v.flagged_n))) ||
        (rc = rpt_summary(d, N_("days"), rpt_i(days))))
        goto out;
out:
    for (size_t i = 0; i < v.n; i++) {
        free(v.u[i].key);
        free(v.u[i].building);
        free(v.u[i].cluster);
        free(v.u[i].by);
    }
    free(v.u);
    free(v.st);
    free(v.wo);
    return rc;
}
