/* callbacks.c: callback coverage and method (docs/REPORTS.md,
 * "callbacks"; ../shared/DOMAIN.md, "Complaints and callbacks"): every
 * repair and every complaint with a name or contact completed in the
 * window needs a callback (100%); at least 40% of callback records are
 * door-to-door with the resident's signature, where a fourth or later
 * callback on one order may be by phone ("after the third callback,
 * phone is enough"); an unsatisfied callback starts the order again. The
 * orders and their cycles are wo_load's (workorders.c, wo_clock.c); each
 * callback record is its op.
 */
#include <stdlib.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "fields.h"
#include "wo_int.h"

/* The seeds' targets (DOMAIN.md). */
#define COVERAGE_TARGET 1.0
#define DOOR_SHARE_TARGET 0.40
/* From this callback on an order, phone is enough. */
#define PHONE_ENOUGH_FROM 4

enum { M_DOOR, M_PHONE, M_LETTER, M_NONE, NMETHODS };
static const char *const method_names[NMETHODS] = {"door", "phone", "letter",
                                                   "-"};

typedef struct cb_counts {
    int64_t needed, called, records, door_signed, door_unsigned, base,
        phone_enough, reopened, missing;
    int64_t by_method[NMETHODS], signed_by_method[NMETHODS];
} cb_counts;

static int str_is(const proto_field *f, const char *s)
{
    return f && f->type == PROTO_STR && f->str_len == strlen(s) &&
           memcmp(f->str, s, f->str_len) == 0;
}

static int method_of(const proto_field *f)
{
    for (int m = 0; m < M_NONE; m++)
        if (str_is(f, method_names[m]))
            return m;
    return M_NONE;
}

static int by_created(const void *a, const void *b)
{
    const wo *x = *(const wo *const *)a, *y = *(const wo *const *)b;
    int c = x->created < y->created ? -1 : x->created > y->created;
    return c ? c : memcmp(x->id, y->id, PROTO_ENTITY_LEN);
}

typedef struct cb_ctx {
    store_txn *txn;
    const rpt_params *p;
    fold_state *st;
    proto_op *op;
    rpt_section *records, *missing;
    cb_counts n;
} cb_ctx;

/* One order's callback records in the window. */
static int order_records(cb_ctx *x, const wo *o)
{
    int64_t nth = 0;
    int rc;
    for (uint32_t i = 0; i < x->st->nevents; i++) {
        const fold_event *e = &x->st->events[i];
        if (e->action != PROTO_ACTION_CALLBACK)
            continue;
        nth++;
        if (e->wall_ms < x->p->from || e->wall_ms >= x->p->to)
            continue;
        const uint8_t *enc;
        size_t len;
        int64_t recv;
        if (store_op_get(x->txn, e->device_id, e->seq, &enc, &len, &recv) ||
            proto_op_decode(enc, len, x->op))
            continue;
        const proto_op *op = x->op;
        int m = method_of(proto_op_field(op, "callback_method"));
        const proto_field *sig = proto_op_field(op, "callback_signature");
        int sgn = sig && sig->type == PROTO_STR && sig->str_len > 0;
        int door_signed = m == M_DOOR && sgn;
        int enough = m == M_PHONE && nth >= PHONE_ENOUGH_FROM;
        int reopened =
            str_is(proto_op_field(op, "satisfaction"), "unsatisfied");
        char *by = rpt_str_dup(proto_op_field(op, "callback_by"));
        char *result = rpt_str_dup(proto_op_field(op, "callback_result"));
        char *sat = rpt_str_dup(proto_op_field(op, "satisfaction"));
        rpt_cell row[] = {rpt_s(o->hex),
                          rpt_s(o->place),
                          rpt_s(o->category),
                          rpt_i(nth),
                          rpt_t(e->wall_ms),
                          rpt_s(by),
                          rpt_k(method_names[m]),
                          rpt_b(sgn),
                          rpt_b(door_signed),
                          rpt_b(enough),
                          rpt_s(sat),
                          rpt_b(reopened),
                          rpt_s(result)};
        rc = rpt_row(x->records, row);
        free(by);
        free(result);
        free(sat);
        if (rc)
            return rc;
        x->n.records++;
        x->n.by_method[m]++;
        x->n.signed_by_method[m] += sgn;
        x->n.door_signed += door_signed;
        x->n.door_unsigned += m == M_DOOR && !sgn;
        x->n.phone_enough += enough;
        x->n.base += !enough;
        x->n.reopened += reopened;
    }
    return 0;
}

/* One order's completions in the window, each needing a callback in its
 * cycle (an anonymous complaint needs none). */
static int order_coverage(cb_ctx *x, const wo *o, int anonymous)
{
    if (anonymous || o->cancelled)
        return 0;
    for (uint32_t k = 0; k < o->ncyc; k++) {
        const wo_cycle *c = &o->cyc[k];
        if (c->t_complete < x->p->from || c->t_complete >= x->p->to ||
            c->t_complete <= 0)
            continue;
        x->n.needed++;
        if (c->t_callback) {
            x->n.called++;
            continue;
        }
        x->n.missing++;
        rpt_cell row[] = {rpt_s(o->hex),
                          rpt_s(o->place),
                          rpt_s(o->category),
                          rpt_s(o->assignee),
                          rpt_i(k + 1),
                          rpt_t(c->t_complete),
                          rpt_i((x->p->now - c->t_complete) / WO_HOUR_MS)};
        int rc = rpt_row(x->missing, row);
        if (rc)
            return rc;
    }
    return 0;
}

static int build(rpt_doc *d, cb_ctx *x, wo **list, size_t nl)
{
    static const char *const rcols[] = {
        N_("order"),        N_("place"),        N_("category"),
        N_("nth"),          N_("at"),           N_("by"),
        N_("method"),       N_("signed"),       N_("door_signed"),
        N_("phone_enough"), N_("satisfaction"), N_("reopened"),
        N_("result")};
    static const char *const mcols[] = {N_("method"), N_("callbacks"),
                                        N_("signed")};
    static const char *const xcols[] = {
        N_("order"), N_("place"),     N_("category"),   N_("assignee"),
        N_("cycle"), N_("completed"), N_("hours_since")};
    x->records =
        rpt_section_add(d, "callbacks", N_("Callback records"), rcols, 13);
    rpt_section *sm =
        rpt_section_add(d, "by_method", N_("By method"), mcols, 3);
    x->missing = rpt_section_add(d, "missing",
                                 N_("Completed without a callback"), xcols, 7);
    if (!x->records || !sm || !x->missing)
        return RND_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < nl && rc == 0; i++) {
        const wo *o = list[i];
        const uint8_t *state;
        size_t len;
        int kind;
        if ((rc = store_entity_get(x->txn, o->id, &kind, &state, &len)) != 0)
            break;
        if (fold_state_parse(state, len, x->st) != 0)
            continue; /* unreadable: integrity's business */
        int anonymous = strcmp(o->category, "complaint") == 0 &&
                        rpt_field_bool(x->st, "anonymous");
        rc = order_records(x, o);
        if (rc == 0)
            rc = order_coverage(x, o, anonymous);
    }
    if (rc)
        return rc;
    for (int m = 0; m < NMETHODS; m++) {
        rpt_cell row[] = {rpt_k(method_names[m]), rpt_i(x->n.by_method[m]),
                          rpt_i(x->n.signed_by_method[m])};
        if ((rc = rpt_row(sm, row)) != 0)
            return rc;
    }
    const cb_counts *n = &x->n;
    if ((rc = rpt_summary(d, N_("completed"), rpt_i(n->needed))) ||
        (rc = rpt_summary(d, N_("called_back"), rpt_i(n->called))) ||
        (rc = rpt_summary(d, N_("coverage"),
                          n->needed
                              ? rpt_r((double)n->called / (double)n->needed)
                              : rpt_null())) ||
        (rc = rpt_summary(d, N_("coverage_target"), rpt_r(COVERAGE_TARGET))) ||
        (rc = rpt_summary(d, N_("missing"), rpt_i(n->missing))) ||
        (rc = rpt_summary(d, N_("callbacks"), rpt_i(n->records))) ||
        (rc = rpt_summary(d, N_("door_signed"), rpt_i(n->door_signed))) ||
        (rc = rpt_summary(d, N_("door_unsigned"), rpt_i(n->door_unsigned))) ||
        (rc = rpt_summary(d, N_("phone_enough"), rpt_i(n->phone_enough))) ||
        (rc = rpt_summary(d, N_("door_share_base"), rpt_i(n->base))) ||
        (rc = rpt_summary(d, N_("door_share"),
                          n->base
                              ? rpt_r((double)n->door_signed / (double)n->base)
                              : rpt_null())) ||
        (rc = rpt_summary(d, N_("door_share_target"),
                          rpt_r(DOOR_SHARE_TARGET))) ||
        (rc = rpt_summary(d, N_("reopened"), rpt_i(n->reopened))))
        return rc;
    return 0;
}

int rpt_callbacks(store_txn *txn, const rpt_params *p, rpt_doc *d)
{
    rpt_doc_init(d, "callbacks", N_("Callbacks"), p->site, p->from, p->to,
                 p->now, p->tz_min);
    wo *v = NULL, **list = NULL;
    size_t n = 0;
    cb_ctx x;
    memset(&x, 0, sizeof x);
    x.txn = txn;
    x.p = p;
    rpt_calendar cal;
    int rc = rpt_calendar_load(txn, &cal);
    if (rc == 0)
        rc = wo_load(txn, p, &cal, &v, &n);
    if (rc == 0 && ((n && (list = malloc(n * sizeof *list)) == NULL) ||
                    (x.st = malloc(sizeof *x.st)) == NULL ||
                    (x.op = malloc(sizeof *x.op)) == NULL))
        rc = RND_ENOMEM;
    if (rc == 0) {
        /* Every order read, listed or history: a completion or callback
         * in the window may belong to an order created before it. */
        for (size_t i = 0; i < n; i++)
            list[i] = &v[i];
        if (n > 1)
            qsort(list, n, sizeof *list, by_created);
        rc = build(d, &x, list, n);
    }
    free(list);
    free(x.st);
    free(x.op);
    wo_free_all(v, n);
    rpt_calendar_free(&cal);
    return rc;
}
