/* registers.c: the registers report: incidents, owners' keys, lost and
 * found, exit slips (docs/REPORTS.md, "registers"). Each register lists
 * the records made in the window and every one still open (an incident
 * not closed, a key out, a found item not returned), whenever made.
 * Personal data shows as the handheld stored it: masked (the sealed
 * envelope is the office's to open with `roundsd pii show`).
 */
#include <stdlib.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "patrol_int.h"

#define NBUF 12
#define MIN_MS (60000LL)

typedef struct reg_run {
    const rpt_params *p;
    rpt_section *incidents, *keys, *lost, *slips;
    int64_t inc_open, inc_escalated, keys_out, keys_back, lost_open,
        lost_returned, slips_passed, slips_stopped;
    char buf[NBUF][PROTO_FIELD_STR_MAX + 1];
    int err;
} reg_run;

static const char *fs(reg_run *r, const fold_state *st, int i, const char *name)
{
    return rpt_field_cstr(st, name, r->buf[i], sizeof r->buf[i]);
}

/* Device time of the first op of action, or 0. */
static int64_t when(const fold_state *st, int action)
{
    const fold_event *e = fold_state_first(st, action);
    return e ? e->wall_ms : 0;
}

/* Whether a record belongs in the report: made in the window, or made
 * before its end and still open. */
static int listed(const reg_run *r, const fold_state *st, int open)
{
    int64_t t = pat_device_time(st);
    if (t >= r->p->to)
        return 0;
    return open || t >= r->p->from;
}

static int incident_cb(const fold_state *st, void *arg)
{
    reg_run *r = arg;
    int open = !strcmp(st->status, "open") || !strcmp(st->status, "escalated");
    if (!listed(r, st, open))
        return 0;
    char hex[33];
    proto_entity_hex(st->entity, hex);
    int64_t rec = pat_device_time(st);
    int64_t occ = rpt_field_int(st, "occurred_at", rec);
    r->inc_open += open;
    r->inc_escalated += when(st, PROTO_ACTION_ESCALATE) > 0;
    rpt_cell row[14] = {rpt_s(hex),
                        rpt_s(fs(r, st, 0, "type")),
                        rpt_s(fs(r, st, 1, "place")),
                        rpt_t(occ),
                        rpt_t(rec),
                        rpt_s(st->status),
                        rpt_s(fs(r, st, 2, "escalated_to")),
                        rpt_t(when(st, PROTO_ACTION_ESCALATE)),
                        rpt_t(when(st, PROTO_ACTION_CLOSE)),
                        rpt_s(fs(r, st, 3, "people")),
                        rpt_s(fs(r, st, 4, "phone")),
                        rpt_s(fs(r, st, 5, "actions")),
                        rpt_s(fs(r, st, 6, "description")),
                        rpt_s(fs(r, st, 7, "by"))};
    return r->err = rpt_row(r->incidents, row);
}

static int key_cb(const fold_state *st, void *arg)
{
    reg_run *r = arg;
    int open = !strcmp(st->status, "out");
    if (!listed(r, st, open))
        return 0;
    char hex[33];
    proto_entity_hex(st->entity, hex);
    int64_t out = pat_device_time(st), back = when(st, PROTO_ACTION_RETURN);
    int64_t end = back > 0 ? back : r->p->now;
    r->keys_out += open;
    r->keys_back += back > 0;
    rpt_cell row[13] = {rpt_s(hex),
                        rpt_s(fs(r, st, 0, "unit")),
                        rpt_s(fs(r, st, 1, "key_label")),
                        rpt_s(st->status),
                        rpt_s(fs(r, st, 2, "to")),
                        rpt_s(fs(r, st, 3, "signature")),
                        rpt_t(out),
                        rpt_s(fs(r, st, 4, "by")),
                        rpt_t(back),
                        rpt_s(fs(r, st, 5, "back_signature")),
                        rpt_s(fs(r, st, 6, "back_by")),
                        rpt_i(end > out ? (end - out) / MIN_MS : 0),
                        rpt_s(fs(r, st, 7, "phone"))};
    return r->err = rpt_row(r->keys, row);
}

static int lost_cb(const fold_state *st, void *arg)
{
    reg_run *r = arg;
    int open = !strcmp(st->status, "found");
    if (!listed(r, st, open))
        return 0;
    char hex[33];
    proto_entity_hex(st->entity, hex);
    int64_t rec = pat_device_time(st);
    int ret = !strcmp(st->status, "returned");
    r->lost_open += open;
    r->lost_returned += ret;
    rpt_cell row[14] = {rpt_s(hex),
                        rpt_s(fs(r, st, 0, "item")),
                        rpt_s(fs(r, st, 1, "place")),
                        rpt_t(rpt_field_int(st, "found_at", rec)),
                        rpt_t(rec),
                        rpt_s(fs(r, st, 2, "finder")),
                        rpt_s(fs(r, st, 3, "kept_at")),
                        rpt_s(st->status),
                        rpt_s(fs(r, st, 4, "claimant")),
                        rpt_s(fs(r, st, 5, "return_signature")),
                        rpt_t(when(st, PROTO_ACTION_RETURN)),
                        rpt_t(when(st, PROTO_ACTION_DISPOSE)),
                        rpt_s(fs(r, st, 6, "dispose_reason")),
                        rpt_s(fs(r, st, 7, "by"))};
    return r->err = rpt_row(r->lost, row);
}

static int slip_cb(const fold_state *st, void *arg)
{
    reg_run *r = arg;
    if (!listed(r, st, 0))
        return 0;
    char hex[33];
    proto_entity_hex(st->entity, hex);
    r->slips_passed += !strcmp(st->status, "passed");
    r->slips_stopped += !strcmp(st->status, "stopped");
    rpt_cell row[12] = {rpt_s(hex),
                        rpt_t(pat_device_time(st)),
                        rpt_s(fs(r, st, 0, "slip")),
                        rpt_s(fs(r, st, 1, "unit")),
                        rpt_s(fs(r, st, 2, "items")),
                        rpt_b(rpt_field_bool(st, "moving_out")),
                        rpt_s(fs(r, st, 3, "release")),
                        rpt_s(st->status),
                        rpt_s(fs(r, st, 4, "reason")),
                        rpt_s(fs(r, st, 5, "carrier")),
                        rpt_s(fs(r, st, 6, "gate")),
                        rpt_s(fs(r, st, 7, "by"))};
    return r->err = rpt_row(r->slips, row);
}

static int reg_fill(store_txn *txn, reg_run *r, rpt_doc *d)
{
    static const char *const icols[] = {
        N_("id"),          N_("type"),   N_("place"),        N_("occurred_at"),
        N_("recorded_at"), N_("status"), N_("escalated_to"), N_("escalated_at"),
        N_("closed_at"),   N_("people"), N_("phone"),        N_("actions"),
        N_("description"), N_("by")};
    static const char *const kcols[] = {
        N_("id"),      N_("unit"),           N_("key_label"), N_("status"),
        N_("to"),      N_("signature"),      N_("out_at"),    N_("by"),
        N_("back_at"), N_("back_signature"), N_("back_by"),   N_("out_min"),
        N_("phone")};
    static const char *const lcols[] = {N_("id"),
                                        N_("item"),
                                        N_("place"),
                                        N_("found_at"),
                                        N_("recorded_at"),
                                        N_("finder"),
                                        N_("kept_at"),
                                        N_("status"),
                                        N_("claimant"),
                                        N_("return_signature"),
                                        N_("returned_at"),
                                        N_("disposed_at"),
                                        N_("dispose_reason"),
                                        N_("by")};
    static const char *const scols[] = {
        N_("id"),     N_("time"),       N_("slip"),    N_("unit"),
        N_("items"),  N_("moving_out"), N_("release"), N_("result"),
        N_("reason"), N_("carrier"),    N_("gate"),    N_("by")};
    r->incidents = rpt_section_add(d, "incidents", N_("Incidents"), icols, 14);
    r->keys = rpt_section_add(d, "keys", N_("Owners' keys"), kcols, 13);
    r->lost = rpt_section_add(d, "lostfound", N_("Lost and found"), lcols, 14);
    r->slips = rpt_section_add(d, "exitslips", N_("Exit slips"), scols, 12);
    if (!r->incidents || !r->keys || !r->lost || !r->slips)
        return RND_ENOMEM;
    static const struct {
        int kind;
        store_state_cb cb;
    } walks[] = {{PROTO_KIND_INCIDENT, incident_cb},
                 {PROTO_KIND_OWNERKEY, key_cb},
                 {PROTO_KIND_LOSTFOUND, lost_cb},
                 {PROTO_KIND_EXITSLIP, slip_cb}};
    int rc;
    for (size_t k = 0; k < sizeof walks / sizeof *walks; k++) {
        rc = store_states_each(txn, walks[k].kind, 0, 0, walks[k].cb, r);
        if (rc == 0 && r->err)
            rc = r->err;
        if (rc)
            return rc;
    }
    if ((rc = rpt_summary(d, N_("incidents"),
                          rpt_i(rpt_section_rows(r->incidents)))) ||
        (rc = rpt_summary(d, N_("incidents_open"), rpt_i(r->inc_open))) ||
        (rc = rpt_summary(d, N_("incidents_escalated"),
                          rpt_i(r->inc_escalated))) ||
        (rc = rpt_summary(d, N_("keys_out"), rpt_i(r->keys_out))) ||
        (rc = rpt_summary(d, N_("keys_back"), rpt_i(r->keys_back))) ||
        (rc = rpt_summary(d, N_("lostfound_open"), rpt_i(r->lost_open))) ||
        (rc = rpt_summary(d, N_("lostfound_returned"),
                          rpt_i(r->lost_returned))) ||
        (rc = rpt_summary(d, N_("exitslips_passed"), rpt_i(r->slips_passed))) ||
        (rc = rpt_summary(d, N_("exitslips_stopped"), rpt_i(r->slips_stopped))))
        return rc;
    return 0;
}

int rpt_registers(store_txn *txn, const rpt_params *p, rpt_doc *d)
{
    rpt_doc_init(d, "registers", N_("Registers report"), p->site, p->from,
                 p->to, p->now, p->tz_min);
    reg_run *r = calloc(1, sizeof *r);
    if (r == NULL)
        return RND_ENOMEM;
    r->p = p;
    int rc = reg_fill(txn, r, d);
    free(r);
    return rc;
}
