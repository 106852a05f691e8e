/* handover.c: the handover report: handovers written in the window, what
 * each handed over, and whether the incoming shift acknowledged it.
 * docs/REPORTS.md, "handover", defines every figure.
 *
 * The item lists are the snapshot the handheld wrote into the handover
 * (handheld/handheld.c, handover_snapshot): entries joined by ", ", cut
 * with a last entry "..." when the list outgrew its 1 KiB buffer; a visit
 * is "name@unit", a vehicle its plate, a work order "<id 32 hex> <place>
 * <status>", an anomaly "<tag>: <note>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "patrol_int.h"
#include "signatures.h"

#define MIN_MS (60000LL)
#define HO_COLS 20 /* the handovers section's columns */

typedef struct ho_run {
    const rpt_params *p;
    rpt_section *hos, *items, *counted;
    int64_t acked, pending, oldest_pending, invalid_acks, mismatches;
    /* The patrol part (patrol_int.h): routes, roster and scans, loaded at
     * the first handover; store_txn for that load. */
    store_txn *txn;
    pat_set ps;
    int loaded;     /* 1: master data, 2: and the scans */
    int64_t missed; /* missed checkpoints of outgoing shifts */
    fold_state st;
    char buf[6][PROTO_FIELD_STR_MAX + 1];
    int err;
} ho_run;

static const char *fs(ho_run *r, int i, const char *name)
{
    return rpt_field_cstr(&r->st, name, r->buf[i], sizeof r->buf[i]);
}

static int64_t fi(const fold_state *st, const char *name)
{
    return rpt_field_int(st, name, 0);
}

static int is_hex32(const char *s, size_t n)
{
    if (n != 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* One row per entry of a snapshot list; the "..." that marks a cut list
 * is not an item. */
static int add_items(ho_run *r, const char *hex, const char *kind,
                     const char *list)
{
    if (list == NULL)
        return 0;
    char item[PROTO_FIELD_STR_MAX + 1], idbuf[33];
    const char *p = list;
    while (*p) {
        const char *c = strstr(p, ", ");
        size_t n = c ? (size_t)(c - p) : strlen(p);
        if (n > 0 && !(n == 3 && memcmp(p, "...", 3) == 0)) {
            const char *id = NULL, *text = item;
            memcpy(item, p, n);
            item[n] = '\0';
            if (strcmp(kind, "workorder") == 0 && n > 33 && item[32] == ' ' &&
                is_hex32(item, 32)) {
                memcpy(idbuf, item, 32);
                idbuf[32] = '\0';
                id = idbuf;
                text = item + 33;
            }
            rpt_cell row[4] = {rpt_s(hex), rpt_s(kind), rpt_s(id), rpt_s(text)};
            int rc = rpt_row(r->items, row);
            if (rc)
                return rc;
        }
        p += n + (c ? 2 : 0);
    }
    return 0;
}

/* The counted items of the handover in r->st, one row each with the
 * recipient's count when an ack confirmed them; *mismatches gets the
 * items whose counts differ (or are unconfirmed after an ack). Items
 * that do not parse (not written by a handheld of ours) are listed as
 * the free text they are, in the handovers row only. */
static int ho_counted(ho_run *r, const char *hex, int64_t *mismatches)
{
    static _Thread_local rpt_item handed[RPT_ITEMS_MAX], got[RPT_ITEMS_MAX];
    char err[160];
    size_t nh = 0, ng = 0;
    const proto_field *it = fold_state_field(&r->st, "items");
    const proto_field *cf = fold_state_field(&r->st, "confirm");
    *mismatches = 0;
    if (it == NULL || it->type != PROTO_STR ||
        rpt_items_parse(it->str, it->str_len, handed, &nh, err, sizeof err))
        return 0;
    if (cf == NULL || cf->type != PROTO_STR ||
        rpt_items_parse(cf->str, cf->str_len, got, &ng, err, sizeof err))
        ng = 0;
    int acked = strcmp(r->st.status, "acknowledged") == 0;
    for (size_t i = 0; i < nh; i++) {
        int j = rpt_items_find(got, ng, handed[i].name);
        const char *status = j < 0 ? (acked ? "unconfirmed" : "pending")
                             : got[j].count == handed[i].count ? "ok"
                                                               : "mismatch";
        if (strcmp(status, "mismatch") == 0 ||
            strcmp(status, "unconfirmed") == 0)
            (*mismatches)++;
        rpt_cell row[5] = {
            rpt_s(hex), rpt_s(handed[i].name), rpt_i(handed[i].count),
            j < 0 ? rpt_null() : rpt_i(got[j].count), rpt_k(status)};
        int rc = rpt_row(r->counted, row);
        if (rc)
            return rc;
    }
    r->mismatches += *mismatches;
    return 0;
}

/* Loads routes, checkpoints and the roster at the first handover, and
 * the scans the outgoing shifts need at the first outgoing on the roster
 * (scans: true); a shift ends by its handover, at most 24 hours after it
 * starts. A site without a roster reads no scans. */
static int patrol_load(ho_run *r, int scans)
{
    const rpt_params *p = r->p;
    int rc;
    if (r->loaded == 0) {
        r->loaded = 1;
        if ((rc = pat_load_master(r->txn, NULL, &r->ps)) != 0)
            return rc;
    }
    if (!scans || r->loaded == 2)
        return 0;
    r->loaded = 2;
    int64_t maxiv = 0;
    for (size_t i = 0; i < r->ps.nroutes; i++)
        if (pat_round_max(&r->ps.routes[i]) > maxiv)
            maxiv = pat_round_max(&r->ps.routes[i]);
    return pat_load_scans(r->txn, p->from - 24 * 60 * MIN_MS, p->to + maxiv,
                          p->skew_limit_ms, &r->ps);
}

/* The outgoing shift's missed checkpoints (docs/REPORTS.md, "handover"):
 * the rounds of the outgoing's roster shift on the routes rostered to
 * them, that have ended by now; one item row per missed checkpoint. The
 * count in *n, -1 when the outgoing has no roster shift then. */
static int outgoing_missed(ho_run *r, const char *hex, const char *by,
                           int64_t t, int64_t *n)
{
    const rpt_params *p = r->p;
    int64_t ws, we;
    *n = -1;
    if (!pat_roster_shift(&r->ps, by, t, p->tz_min, 0, &ws, &we, NULL))
        return 0;
    *n = 0;
    int rc = patrol_load(r, 1);
    if (rc)
        return rc;
    for (size_t k = 0; k < r->ps.nroutes; k++) {
        const pat_route *rt = &r->ps.routes[k];
        int64_t s, e;
        pat_round_next(rt, ws > rt->since ? ws : rt->since, p->tz_min, &s, &e);
        for (; s < we && e <= p->now;
             pat_round_next(rt, e, p->tz_min, &s, &e)) {
            char who[PROTO_FIELD_STR_MAX + 1];
            pat_roster_who(&r->ps, rt->key, 0, s, p->tz_min, who, sizeof who);
            int mine = 0;
            for (const char *q = who; *q && !mine;) {
                const char *c = strchr(q, ',');
                size_t len = c ? (size_t)(c - q) : strlen(q);
                mine = len == strlen(by) && memcmp(q, by, len) == 0;
                q += len + (c != NULL);
            }
            if (!mine)
                continue;
            pat_round rd;
            rc = pat_round_eval(&r->ps, rt, s, e, p->now, &rd);
            for (uint32_t c = 0; rc == 0 && c < rt->ntags; c++) {
                if (rd.first[c] >= 0)
                    continue;
                char when[32], text[PROTO_FIELD_STR_MAX + 1];
                rpt_time_text(s, p->tz_min, when, sizeof when);
                snprintf(text, sizeof text, "%s %s %s", rt->key, when,
                         rt->tags[c]);
                rpt_cell row[4] = {rpt_s(hex), rpt_s("missed_checkpoint"),
                                   rpt_null(), rpt_s(text)};
                rc = rpt_row(r->items, row);
                (*n)++;
            }
            pat_round_free(&rd);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int ho_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                 const uint8_t *state, size_t len, void *arg)
{
    ho_run *r = arg;
    const rpt_params *p = r->p;
    (void)kind;
    int64_t ms = 0;
    for (int i = 0; i < 6; i++)
        ms = (ms << 8) | id[i];
    if (ms < p->from)
        return 0;
    if (ms >= p->to)
        return 1; /* ids sort by creation time */
    if (fold_state_parse(state, len, &r->st) != 0)
        return 0;
    const fold_state *st = &r->st;
    int64_t t = pat_device_time(st);
    if (t < p->from || t >= p->to)
        return 0;
    char hex[33];
    proto_entity_hex(id, hex);
    /* An ack counts only by the handover's "to" (docs/REPORTS.md,
     * "handover"): an older handheld may have written another's. */
    const fold_event *ack = NULL;
    for (uint32_t i = 0; i < st->nevents; i++)
        if (st->events[i].action == PROTO_ACTION_ACK)
            ack = &st->events[i];
    const char *to = fs(r, 1, "to");
    const char *ack_by = fs(r, 2, "ack_by");
    int has_ack = strcmp(st->status, "acknowledged") == 0;
    int valid = has_ack && to && ack_by && strcmp(to, ack_by) == 0;
    int acked = has_ack && valid;
    if (has_ack && !valid)
        r->invalid_acks++;
    if (acked) {
        r->acked++;
    } else {
        r->pending++;
        if (r->oldest_pending == 0 || t < r->oldest_pending)
            r->oldest_pending = t;
    }
    int64_t mism = 0;
    int rc = ho_counted(r, hex, &mism);
    if (rc == 0)
        rc = patrol_load(r, 0);
    int64_t missed = 0, ss = 0, se;
    const char *by = fs(r, 0, "by");
    if (rc == 0)
        rc = outgoing_missed(r, hex, by, t, &missed);
    if (rc)
        return r->err = rc;
    if (missed > 0)
        r->missed += missed;
    int have_shift = pat_roster_shift(&r->ps, fs(r, 1, "to"), t, p->tz_min, 1,
                                      &ss, &se, NULL);
    rpt_cell row[HO_COLS] = {
        rpt_s(hex),
        rpt_t(t),
        rpt_s(fs(r, 0, "by")),
        rpt_s(to),
        rpt_s(acked ? "acknowledged" : "pending"),
        rpt_s(has_ack ? ack_by : NULL),
        has_ack && ack ? rpt_t(ack->wall_ms) : rpt_null(),
        acked && ack ? rpt_i((ack->wall_ms - t) / MIN_MS) : rpt_null(),
        rpt_i(fi(st, "visits_inside")),
        rpt_i(fi(st, "vehicles_inside")),
        rpt_i(fi(st, "workorders_open")),
        rpt_i(fi(st, "anomalies")),
        rpt_s(fs(r, 3, "keys")),
        rpt_s(fs(r, 4, "notes")),
        has_ack ? rpt_b(valid) : rpt_null(),
        rpt_s(fs(r, 5, "items")),
        fold_state_field(st, "items") ? rpt_i(mism) : rpt_null(),
        missed >= 0 ? rpt_i(missed) : rpt_null(),
        have_shift ? rpt_t(ss) : rpt_null(),
        rpt_s(!have_shift ? "unknown"
              : t <= ss   ? "yes"
                          : "no")};
    rc = rpt_row(r->hos, row);
    if (rc == 0)
        rc = add_items(r, hex, "visit", fs(r, 5, "visits_list"));
    if (rc == 0)
        rc = add_items(r, hex, "vehicle", fs(r, 5, "vehicles_list"));
    if (rc == 0)
        rc = add_items(r, hex, "workorder", fs(r, 5, "workorders_list"));
    if (rc == 0)
        rc = add_items(r, hex, "anomaly", fs(r, 5, "anomalies_list"));
    return r->err = rc;
}

int rpt_handover(store_txn *txn, const rpt_params *p, rpt_doc *d)
{
    static const char *const hcols[] = {N_("id"),
                                        N_("time"),
                                        N_("from"),
                                        N_("to"),
                                        N_("status"),
                                        N_("ack_by"),
                                        N_("ack_time"),
                                        N_("ack_delay_min"),
                                        N_("visits_inside"),
                                        N_("vehicles_inside"),
                                        N_("workorders_open"),
                                        N_("anomalies"),
                                        N_("keys"),
                                        N_("notes"),
                                        N_("ack_valid"),
                                        N_("items"),
                                        N_("item_mismatches"),
                                        N_("missed_checkpoints"),
                                        N_("shift_start"),
                                        N_("before_shift_start")};
    static const char *const icols[] = {N_("handover"), N_("kind"),
                                        N_("item_id"), N_("text")};
    static const char *const ccols[] = {N_("handover"), N_("item"),
                                        N_("handed"), N_("confirmed"),
                                        N_("status")};
    rpt_doc_init(d, "handover", N_("Handover report"), p->site, p->from, p->to,
                 p->now, p->tz_min);
    ho_run *r = calloc(1, sizeof *r);
    if (r == NULL)
        return RND_ENOMEM;
    r->p = p;
    r->txn = txn;
    int rc = 0;
    r->hos = rpt_section_add(d, "handovers", N_("Handovers"), hcols, HO_COLS);
    r->items = rpt_section_add(d, "items", N_("Items handed over"), icols, 4);
    r->counted = rpt_section_add(d, "counted_items",
                                 N_("Keys and tools counted"), ccols, 5);
    if (!r->hos || !r->items || !r->counted)
        rc = RND_ENOMEM;
    if (rc == 0)
        rc = store_entities_each(txn, PROTO_KIND_HANDOVER, 0, ho_cb, r);
    if (rc == 0 && r->err)
        rc = r->err;
    if (rc == 0) {
        static const uint32_t by_time[] = {1, 0};
        rpt_section_sort(r->hos, by_time, 2);
        int64_t n = r->acked + r->pending;
        if ((rc = rpt_summary(d, N_("handovers"), rpt_i(n))) == 0 &&
            (rc = rpt_summary(d, N_("acknowledged"), rpt_i(r->acked))) == 0 &&
            (rc = rpt_summary(d, N_("pending"), rpt_i(r->pending))) == 0)
            rc = rpt_summary(d, N_("oldest_pending"), rpt_t(r->oldest_pending));
        if (rc == 0)
            rc = rpt_summary(d, N_("invalid_acks"), rpt_i(r->invalid_acks));
        if (rc == 0)
            rc = rpt_summary(d, N_("item_mismatches"), rpt_i(r->mismatches));
        if (rc == 0)
            rc = rpt_summary(d, N_("missed_checkpoints"), rpt_i(r->missed));
        if (rc == 0)
            rc = rpt_staff_flag(txn, d, "handovers", 0, 3, "to",
                                N_("to_not_on_staff"),
                                N_("Recipients not on the staff list"));
    }
    pat_set_free(&r->ps);
    free(r);
    return rc;
}
