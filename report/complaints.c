/* complaints.c: the complaint register (docs/REPORTS.md, "complaints";
 * ../shared/DOMAIN.md, "Complaints and callbacks"): every complaint (a
 * work order of category complaint) open now or created in the window,
 * with its intake (channel, anonymous, valid), its clocks cycle by cycle
 * (on site 1 h, feedback 4 h, solved 8 h or, serious, 5 working days by
 * the holiday calendar, the deferred reply by the agreed time within 3
 * days, callback), the escalation of serious ones and the reply deadline.
 * The orders and their clocks are wo_load's (workorders.c, wo_clock.c).
 */
#include <stdlib.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "fields.h"
#include "wo_int.h"

#define COMPLAINT "complaint"

/* Minutes rounded up: a breach by seconds is over by a minute. */
static int64_t ceil_min(int64_t ms)
{
    return ms > 0 ? (ms + WO_MIN_MS - 1) / WO_MIN_MS : -((-ms) / WO_MIN_MS);
}

/* The register's clocks, in its column order: id < NCLOCKS a work-order
 * clock, else a complaint clock (wo_int.h). */
static const int reg_clocks[] = {CL_ON_SITE, CL_FEEDBACK, CL_RESOLVE, CL_REPLY,
                                 CL_CALLBACK};
#define NREG (sizeof reg_clocks / sizeof *reg_clocks)

typedef struct cx_counts {
    int64_t complaints, open, anonymous, valid, invalid, unassessed, serious,
        escalated, not_escalated, breached, deferred, by_clock[NREG];
} cx_counts;

typedef struct chan {
    char name[16];
    int64_t complaints, open, breached;
} chan;

/* The intake and escalation of one complaint, from its merged state. */
typedef struct intake {
    char channel[16], valid[8], escalated_to[64];
    int anonymous;
    int64_t escalated_at;
} intake;

static int read_intake(store_txn *txn, const wo *o, fold_state *st, intake *in)
{
    const uint8_t *state;
    size_t len;
    int kind, rc;
    memset(in, 0, sizeof *in);
    if ((rc = store_entity_get(txn, o->id, &kind, &state, &len)) != 0)
        return rc;
    if (fold_state_parse(state, len, st) != 0)
        return 0; /* unreadable: integrity's business */
    fold_state_text(st, "channel", in->channel, sizeof in->channel);
    fold_state_text(st, "escalate_to", in->escalated_to,
                    sizeof in->escalated_to);
    in->anonymous = rpt_field_bool(st, "anonymous");
    const proto_field *v = fold_state_field(st, "valid");
    if (v && v->type == PROTO_BOOL)
        snprintf(in->valid, sizeof in->valid, "%s", v->i ? "yes" : "no");
    const fold_event *e = fold_state_first(st, PROTO_ACTION_ESCALATE);
    in->escalated_at = e ? e->wall_ms : 0;
    return 0;
}

static void chan_add(chan *ch, size_t *n, size_t cap, const char *name,
                     const wo *o, int breached)
{
    size_t i;
    for (i = 0; i < *n && strcmp(ch[i].name, name) != 0; i++)
        ;
    if (i == *n) {
        if (*n == cap)
            return;
        memset(&ch[i], 0, sizeof ch[i]);
        snprintf(ch[i].name, sizeof ch[i].name, "%s", name);
        (*n)++;
    }
    ch[i].complaints++;
    ch[i].open += o->open;
    ch[i].breached += breached;
}

static int by_created(const void *a, const void *b)
{
    const wo *x = *(const wo *const *)a, *y = *(const wo *const *)b;
    int c = x->created < y->created ? -1 : x->created > y->created;
    return c ? c : memcmp(x->id, y->id, PROTO_ENTITY_LEN);
}

static int by_chan(const void *a, const void *b)
{
    return strcmp(((const chan *)a)->name, ((const chan *)b)->name);
}

/* The clock rows of one complaint, every cycle; counts its breaches. */
static int clock_rows(rpt_section *sk, const wo *o, char *bnames, size_t cap,
                      cx_counts *n, int64_t *nb)
{
    int rc;
    for (uint32_t k = 0; k < o->ncyc; k++) {
        const wo_cycle *c = &o->cyc[k];
        for (size_t r = 0; r < NREG; r++) {
            const wo_clock *ck = wo_clock_of(c, reg_clocks[r]);
            if (ck->start <= 0)
                continue; /* a clock that never started: no row */
            int64_t due = ck->start + ck->limit_ms;
            int timed = ck->state != ST_NA || ck->stop;
            rpt_cell row[] = {rpt_s(o->hex),
                              rpt_i(k + 1),
                              rpt_k(wo_clock_name(reg_clocks[r])),
                              rpt_k(wo_state_names[ck->state]),
                              rpt_i(ck->limit_ms / WO_MIN_MS),
                              timed ? rpt_i(ceil_min(ck->elapsed_ms))
                                    : rpt_null(),
                              rpt_t(ck->start),
                              rpt_t(ck->stop),
                              rpt_t(due),
                              rpt_k(wo_stop_names[ck->stop_by]),
                              rpt_k(ck->flag)};
            if ((rc = rpt_row(sk, row)) != 0)
                return rc;
            if (ck->state == ST_BREACHED) {
                const char *nm = wo_clock_name(reg_clocks[r]);
                size_t len = strlen(bnames);
                if (strstr(bnames, nm) == NULL)
                    snprintf(bnames + len, cap - len, "%s%s", len ? " " : "",
                             nm);
                n->by_clock[r]++;
                (*nb)++;
            }
        }
    }
    return 0;
}

#define MAX_CHANNELS 8

static int build(rpt_doc *d, store_txn *txn, wo **list, size_t nl)
{
    static const char *const ccols[] = {
        N_("id"),           N_("place"),        N_("called_at"),
        N_("channel"),      N_("anonymous"),    N_("valid"),
        N_("severity"),     N_("status"),       N_("assignee"),
        N_("on_site"),      N_("feedback"),     N_("resolve"),
        N_("reply"),        N_("callback"),     N_("reply_due"),
        N_("escalated_at"), N_("escalated_to"), N_("escalation"),
        N_("breached"),     N_("breaches")};
    static const char *const hcols[] = {N_("channel"), N_("complaints"),
                                        N_("open"), N_("breached")};
    static const char *const kcols[] = {
        N_("order"),     N_("cycle"),       N_("clock"),     N_("status"),
        N_("limit_min"), N_("elapsed_min"), N_("start"),     N_("stop"),
        N_("due"),       N_("stopped_by"),  N_("clock_flag")};
    rpt_section *sc =
        rpt_section_add(d, "complaints", N_("Complaint register"), ccols, 20);
    rpt_section *sh =
        rpt_section_add(d, "by_channel", N_("By channel"), hcols, 4);
    rpt_section *sk =
        rpt_section_add(d, "clocks", N_("Clocks of each cycle"), kcols, 11);
    if (!sc || !sh || !sk)
        return RND_ENOMEM;
    int rc = rpt_section_nest(sk, sc, "clocks", 1);
    if (rc)
        return rc;
    fold_state *st = malloc(sizeof *st);
    if (st == NULL)
        return RND_ENOMEM;
    cx_counts n;
    memset(&n, 0, sizeof n);
    chan ch[MAX_CHANNELS];
    size_t nch = 0;
    for (size_t i = 0; i < nl; i++) {
        const wo *o = list[i];
        const wo_cycle *cur = &o->cyc[o->ncyc - 1];
        intake in;
        if ((rc = read_intake(txn, o, st, &in)) != 0)
            break;
        int serious = strcmp(o->severity, "serious") == 0;
        const char *esc = !serious          ? "n/a"
                          : in.escalated_at ? "done"
                                            : "missing";
        const wo_clock *reply = wo_clock_of(cur, CL_REPLY);
        char bnames[96] = "";
        int64_t nb = 0;
        /* The clocks first (for the breach names), then the row: the
         * nesting matches rows by the order's id, not by position. */
        if ((rc = clock_rows(sk, o, bnames, sizeof bnames, &n, &nb)) != 0)
            break;
        rpt_cell row[] = {
            rpt_s(o->hex),
            rpt_s(o->place),
            rpt_t(o->called_at ? o->called_at : o->created),
            in.channel[0] ? rpt_s(in.channel) : rpt_null(),
            rpt_b(in.anonymous),
            in.valid[0] ? rpt_b(in.valid[0] == 'y') : rpt_null(),
            rpt_s(o->severity),
            rpt_s(o->status),
            rpt_s(o->assignee),
            rpt_k(wo_state_names[wo_clock_of(cur, CL_ON_SITE)->state]),
            rpt_k(wo_state_names[wo_clock_of(cur, CL_FEEDBACK)->state]),
            rpt_k(wo_state_names[wo_clock_of(cur, CL_RESOLVE)->state]),
            rpt_k(wo_state_names[reply->state]),
            rpt_k(wo_state_names[wo_clock_of(cur, CL_CALLBACK)->state]),
            reply->start > 0 ? rpt_t(reply->start + reply->limit_ms)
                             : rpt_null(),
            rpt_t(in.escalated_at),
            in.escalated_to[0] ? rpt_s(in.escalated_to) : rpt_null(),
            rpt_k(esc),
            nb ? rpt_s(bnames) : rpt_null(),
            rpt_i(nb)};
        if ((rc = rpt_row(sc, row)) != 0)
            break;
        n.complaints++;
        n.open += o->open;
        n.anonymous += in.anonymous;
        n.valid += in.valid[0] == 'y';
        n.invalid += in.valid[0] == 'n';
        n.unassessed += in.valid[0] == '\0';
        n.serious += serious;
        n.escalated += serious && in.escalated_at;
        n.not_escalated += serious && !in.escalated_at;
        n.breached += nb > 0;
        for (uint32_t k = 0; k < o->ncyc; k++)
            n.deferred += o->cyc[k].t_defer != 0;
        chan_add(ch, &nch, MAX_CHANNELS, in.channel[0] ? in.channel : "-", o,
                 nb > 0);
    }
    free(st);
    if (rc)
        return rc;
    if (nch > 1)
        qsort(ch, nch, sizeof *ch, by_chan);
    for (size_t i = 0; i < nch; i++) {
        rpt_cell row[] = {rpt_s(ch[i].name), rpt_i(ch[i].complaints),
                          rpt_i(ch[i].open), rpt_i(ch[i].breached)};
        if ((rc = rpt_row(sh, row)) != 0)
            return rc;
    }
    static const char *const bkeys[NREG] = {
        N_("on_site_breached"), N_("feedback_breached"), N_("resolve_breached"),
        N_("reply_breached"), N_("callback_breached")};
    if ((rc = rpt_summary(d, N_("complaints"), rpt_i(n.complaints))) ||
        (rc = rpt_summary(d, N_("open"), rpt_i(n.open))) ||
        (rc = rpt_summary(d, N_("anonymous"), rpt_i(n.anonymous))) ||
        (rc = rpt_summary(d, N_("valid"), rpt_i(n.valid))) ||
        (rc = rpt_summary(d, N_("invalid"), rpt_i(n.invalid))) ||
        (rc = rpt_summary(d, N_("unassessed"), rpt_i(n.unassessed))) ||
        (rc = rpt_summary(d, N_("serious"), rpt_i(n.serious))) ||
        (rc = rpt_summary(d, N_("escalated"), rpt_i(n.escalated))) ||
        (rc = rpt_summary(d, N_("serious_not_escalated"),
                          rpt_i(n.not_escalated))) ||
        (rc = rpt_summary(d, N_("deferred_replies"), rpt_i(n.deferred))) ||
        (rc = rpt_summary(d, N_("breached"), rpt_i(n.breached))))
        return rc;
    for (size_t r = 0; r < NREG; r++)
        if ((rc = rpt_summary(d, bkeys[r], rpt_i(n.by_clock[r]))) != 0)
            return rc;
    return 0;
}

int rpt_complaints(store_txn *txn, const rpt_params *p, rpt_doc *d)
{
    rpt_doc_init(d, "complaints", N_("Complaint register"), p->site, p->from,
                 p->to, p->now, p->tz_min);
    wo *v = NULL, **list = NULL;
    size_t n = 0, nl = 0;
    rpt_calendar cal;
    int rc = rpt_calendar_load(txn, &cal);
    if (rc == 0)
        rc = wo_load(txn, p, &cal, &v, &n);
    if (rc == 0 && n && (list = malloc(n * sizeof *list)) == NULL)
        rc = RND_ENOMEM;
    if (rc == 0) {
        for (size_t i = 0; i < n; i++)
            if (v[i].listed && strcmp(v[i].category, COMPLAINT) == 0)
                list[nl++] = &v[i];
        if (nl > 1)
            qsort(list, nl, sizeof *list, by_created);
        rc = build(d, txn, list, nl);
    }
    free(list);
    wo_free_all(v, n);
    rpt_calendar_free(&cal);
    return rc;
}
