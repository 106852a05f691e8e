/* staff.c: the checks that make a handheld's signatures mean something,
 * run by records.c inside its write transaction, offline, from the merged
 * master data in the handheld's own store (docs/DATA-MODEL.md,
 * "Signatures"):
 *   - a work order is dispatched, and a handover handed, only to someone
 *     on the site's staff list (when the office keeps one);
 *   - a handover is acknowledged only by its named recipient, who confirms
 *     the counted keys and tools item by item;
 *   - a visitor is let in only with an ID (id_type none is a refusal).
 */
#include <stdio.h>
#include <string.h>

#include "../report/signatures.h"
#include "../storage/store.h"
#include "hh_internal.h"

#define fail hh__fail
#define store_fail hh__store_fail

int hh__sig_validate(hh *h, const hh_verb_spec *v, const proto_field *f,
                     uint32_t n)
{
    char err[160];
    rpt_item items[RPT_ITEMS_MAX];
    size_t ni;
    if (v->kind == PROTO_KIND_VISIT && v->action == PROTO_ACTION_CREATE) {
        const proto_field *type = proto_fields_find(f, n, "id_type");
        if (proto_field_is(type, "none"))
            return fail(h, RND_EFIELD,
                        "%s: field 'id_type': none: a visitor without an ID "
                        "is not let in; record it with 'visit refuse' "
                        "(which takes --id-type none)",
                        v->verb);
    }
    if (v->kind != PROTO_KIND_HANDOVER)
        return 0;
    const char *name = v->action == PROTO_ACTION_ACK ? "confirm" : "items";
    const proto_field *it = proto_fields_find(f, n, name);
    if (it &&
        rpt_items_parse(it->str, it->str_len, items, &ni, err, sizeof err) != 0)
        return fail(h, RND_EFIELD, "%s: field '%s': %s", v->verb, name, err);
    if (it && ni == 0)
        return fail(h, RND_EFIELD,
                    "%s: field '%s' names no item (NAME=COUNT;NAME=COUNT)",
                    v->verb, name);
    return 0;
}

/* Refuses a name that is not on the site's staff list, when it has one. */
static int on_staff(hh *h, const hh_verb_spec *v, const char *field,
                    const proto_field *who, store_txn *t)
{
    rpt_staff s;
    if (who == NULL || who->type != PROTO_STR)
        return 0;
    int rc = rpt_staff_load(t, &s);
    if (rc) {
        rpt_staff_free(&s);
        return store_fail(h, rc);
    }
    if (rpt_staff_listed(&s, who->str, who->str_len) != 0) {
        rpt_staff_free(&s);
        return 0;
    }
    char hint[96] = "";
    const char *near = rpt_staff_nearest(&s, who->str, who->str_len);
    if (near)
        snprintf(hint, sizeof hint, " (did you mean '%s'?)", near);
    rc = fail(h, RND_EFIELD,
              "%s: field '%s': '%.*s' is not on the site's staff list%s; "
              "see 'rounds list staff'",
              v->verb, field, (int)(who->str_len > 64 ? 64 : who->str_len),
              who->str, hint);
    rpt_staff_free(&s);
    return rc;
}

/* handover.ack: only the handover's "to" acknowledges it, once validly,
 * and confirms every counted item. */
static int ack_check(hh *h, const hh_verb_spec *v, const proto_field *f,
                     uint32_t n, const char *by, store_txn *t,
                     const uint8_t id[PROTO_ENTITY_LEN])
{
    static _Thread_local fold_state st;
    const uint8_t *state;
    size_t len;
    int kind, rc;
    char to[PROTO_FIELD_STR_MAX + 1], prev[PROTO_FIELD_STR_MAX + 1];

    if ((rc = store_entity_get(t, id, &kind, &state, &len)) != 0)
        return store_fail(h, rc);
    if ((rc = fold_state_parse(state, len, &st)) != 0)
        return fail(h, rc, "%s: %s", v->verb, rnd_strerror(rc));
    fold_state_text(&st, "to", to, sizeof to);
    fold_state_text(&st, "ack_by", prev, sizeof prev);
    if (strcmp(st.status, "acknowledged") == 0 && strcmp(prev, to) == 0)
        return fail(h, RND_ETRANSITION,
                    "%s: the handover is acknowledged already by '%s'", v->verb,
                    prev);
    if (strcmp(by, to) != 0)
        return fail(h, RND_EFIELD,
                    "%s: field 'by': '%s' is not the recipient of this "
                    "handover; only '%s' (its 'to') can acknowledge it",
                    v->verb, by, to);

    /* Counted items: the recipient's counts, item by item. */
    static _Thread_local rpt_item handed[RPT_ITEMS_MAX], got[RPT_ITEMS_MAX];
    size_t nh = 0, ng = 0;
    char err[160];
    const proto_field *items = fold_state_field(&st, "items");
    const proto_field *conf = proto_fields_find(f, n, "confirm");
    if (items && items->type == PROTO_STR &&
        rpt_items_parse(items->str, items->str_len, handed, &nh, err,
                        sizeof err) != 0)
        nh = 0; /* written by no handheld of ours: nothing to confirm */
    if (conf)
        rpt_items_parse(conf->str, conf->str_len, got, &ng, err, sizeof err);
    if (nh == 0 && conf)
        return fail(h, RND_EFIELD,
                    "%s: field 'confirm': the handover has no counted items",
                    v->verb);
    if (nh && conf == NULL)
        return fail(h, RND_EFIELD,
                    "%s: field 'confirm' is required: count the %zu item(s) "
                    "handed over (%.*s) and give --confirm 'NAME=COUNT;...'",
                    v->verb, nh,
                    (int)(items->str_len > 200 ? 200 : items->str_len),
                    items->str);
    for (size_t i = 0; i < ng; i++)
        if (rpt_items_find(handed, nh, got[i].name) < 0)
            return fail(h, RND_EFIELD,
                        "%s: field 'confirm': '%s' was not handed over "
                        "(items: %.*s)",
                        v->verb, got[i].name,
                        (int)(items->str_len > 200 ? 200 : items->str_len),
                        items->str);
    for (size_t i = 0; i < nh; i++)
        if (rpt_items_find(got, ng, handed[i].name) < 0)
            return fail(h, RND_EFIELD,
                        "%s: field 'confirm': give a count for '%s' (0 if "
                        "it is missing)",
                        v->verb, handed[i].name);
    return 0;
}

int hh__sig_checks(hh *h, const hh_verb_spec *v, const proto_field *f,
                   uint32_t n, const char *by, store_txn *t,
                   const uint8_t id[PROTO_ENTITY_LEN])
{
    if (v->kind == PROTO_KIND_WORKORDER && v->action == PROTO_ACTION_DISPATCH)
        return on_staff(h, v, "assignee", proto_fields_find(f, n, "assignee"),
                        t);
    if (v->kind == PROTO_KIND_HANDOVER && v->action == PROTO_ACTION_CREATE)
        return on_staff(h, v, "to", proto_fields_find(f, n, "to"), t);
    if (v->kind == PROTO_KIND_HANDOVER && v->action == PROTO_ACTION_ACK)
        return ack_check(h, v, f, n, by, t, id);
    return 0;
}
