/* inside.c: the inside report: visitors and vehicles still inside as of
 * now, overstays, blacklist hits and refused entries in the window.
 * docs/REPORTS.md, "inside", defines every figure.
 */
#include <stdlib.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "patrol_int.h"

#define MIN_MS (60000LL)
#define NBUF 8

typedef struct inside_run {
    const rpt_params *p;
    int64_t overstay_ms;
    rpt_section *visitors, *vehicles, *hits, *refused;
    int64_t people, overstays;
    fold_state st;
    char buf[NBUF][PROTO_FIELD_STR_MAX + 1];
    int err;
} inside_run;

/* The string value of a field as a C string in buf[i], or NULL. */
static const char *fs(inside_run *r, int i, const char *name)
{
    return rpt_field_cstr(&r->st, name, r->buf[i], sizeof r->buf[i]);
}

static int64_t id_ms(const uint8_t id[PROTO_ENTITY_LEN])
{
    int64_t ms = 0;
    for (int i = 0; i < 6; i++)
        ms = (ms << 8) | id[i];
    return ms;
}

/* Visitors and vehicles inside (the open index), entered before to. */
static int inside_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                     const uint8_t *state, size_t len, void *arg)
{
    inside_run *r = arg;
    const rpt_params *p = r->p;
    if (id_ms(id) >= p->to)
        return 1; /* ids sort by creation time: the rest entered later */
    if (fold_state_parse(state, len, &r->st) != 0 ||
        strcmp(r->st.status, "inside") != 0)
        return 0;
    int64_t tin = pat_device_time(&r->st);
    if (tin >= p->to)
        return 0;
    char hex[33];
    proto_entity_hex(id, hex);
    int64_t in_ms = p->now - tin;
    int over = in_ms > r->overstay_ms;
    int hit = rpt_field_bool(&r->st, "blacklist_hit");
    r->overstays += over;
    if (kind == PROTO_KIND_VISIT) {
        char masked[64];
        const proto_field *idf = fold_state_field(&r->st, "id_no");
        const char *idno = NULL;
        if (idf && idf->type == PROTO_STR) {
            proto_mask_id(idf->str, idf->str_len, masked, sizeof masked);
            idno = masked;
        }
        const proto_field *pf = fold_state_field(&r->st, "party");
        int64_t party = pf && pf->type == PROTO_INT ? pf->i : 1;
        r->people += party;
        rpt_cell row[14] = {rpt_s(hex),
                            rpt_s(fs(r, 0, "name")),
                            rpt_s(idno),
                            rpt_s(fs(r, 1, "unit")),
                            rpt_s(fs(r, 2, "purpose")),
                            rpt_i(party),
                            rpt_s(fs(r, 3, "gate")),
                            rpt_s(fs(r, 4, "by")),
                            rpt_s(fs(r, 5, "pass")),
                            rpt_s(fs(r, 6, "plate")),
                            rpt_t(tin),
                            rpt_i(in_ms / MIN_MS),
                            rpt_b(over),
                            rpt_b(hit)};
        return r->err = rpt_row(r->visitors, row);
    }
    rpt_cell row[10] = {rpt_s(hex),
                        rpt_s(fs(r, 0, "plate")),
                        rpt_s(fs(r, 1, "type")),
                        rpt_s(fs(r, 2, "unit")),
                        rpt_s(fs(r, 3, "gate")),
                        rpt_s(fs(r, 4, "by")),
                        rpt_t(tin),
                        rpt_i(in_ms / MIN_MS),
                        rpt_b(over),
                        rpt_b(hit)};
    return r->err = rpt_row(r->vehicles, row);
}

/* Every visit and vehicle entered (or refused) in the window. */
static int window_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                     const uint8_t *state, size_t len, void *arg)
{
    inside_run *r = arg;
    const rpt_params *p = r->p;
    int64_t ms = id_ms(id);
    if (ms < p->from)
        return 0;
    if (ms >= p->to)
        return 1;
    if (fold_state_parse(state, len, &r->st) != 0)
        return 0;
    int64_t t = pat_device_time(&r->st);
    if (t < p->from || t >= p->to)
        return 0;
    const char *kname = kind == PROTO_KIND_VISIT ? "visit" : "vehicle";
    const char *who = fs(r, 0, kind == PROTO_KIND_VISIT ? "name" : "plate");
    if (rpt_field_bool(&r->st, "blacklist_hit")) {
        rpt_cell row[7] = {rpt_t(t),
                           rpt_s(kname),
                           rpt_s(who),
                           rpt_s(fs(r, 1, "blacklist_reason")),
                           rpt_s(fs(r, 2, "gate")),
                           rpt_s(fs(r, 3, "by")),
                           rpt_s(r->st.status)};
        if ((r->err = rpt_row(r->hits, row)) != 0)
            return r->err;
    }
    if (kind == PROTO_KIND_VISIT && strcmp(r->st.status, "refused") == 0) {
        rpt_cell row[5] = {rpt_t(t), rpt_s(who), rpt_s(fs(r, 1, "reason")),
                           rpt_s(fs(r, 2, "gate")), rpt_s(fs(r, 3, "by"))};
        if ((r->err = rpt_row(r->refused, row)) != 0)
            return r->err;
    }
    return 0;
}

static int inside_fill(store_txn *txn, inside_run *r, rpt_doc *d)
{
    static const char *const vcols[] = {
        N_("id"),       N_("name"),         N_("id_no"),   N_("unit"),
        N_("purpose"),  N_("party"),        N_("gate"),    N_("guard"),
        N_("pass"),     N_("plate"),        N_("time_in"), N_("inside_min"),
        N_("overstay"), N_("blacklist_hit")};
    static const char *const ccols[] = {
        N_("id"),       N_("plate"),        N_("type"),    N_("unit"),
        N_("gate"),     N_("guard"),        N_("time_in"), N_("inside_min"),
        N_("overstay"), N_("blacklist_hit")};
    static const char *const hcols[] = {N_("time"),   N_("kind"), N_("who"),
                                        N_("reason"), N_("gate"), N_("guard"),
                                        N_("status")};
    static const char *const rcols[] = {N_("time"), N_("name"), N_("reason"),
                                        N_("gate"), N_("guard")};
    r->visitors =
        rpt_section_add(d, "visitors", N_("Visitors inside"), vcols, 14);
    r->vehicles =
        rpt_section_add(d, "vehicles", N_("Vehicles inside"), ccols, 10);
    r->hits =
        rpt_section_add(d, "blacklist_hits", N_("Blacklist hits"), hcols, 7);
    r->refused = rpt_section_add(d, "refused", N_("Refused entries"), rcols, 5);
    if (!r->visitors || !r->vehicles || !r->hits || !r->refused)
        return RND_ENOMEM;
    static const int kinds[2] = {PROTO_KIND_VISIT, PROTO_KIND_VEHICLE};
    int rc;
    for (int k = 0; k < 2; k++) {
        rc = store_entities_each(txn, kinds[k], 1, inside_cb, r);
        if (rc == 0 && r->err)
            rc = r->err;
        if (rc)
            return rc;
        /* ids begin with their creation time: start at the window's */
        uint8_t from[PROTO_ENTITY_LEN] = {0};
        for (int i = 0; i < 6; i++)
            from[i] = (uint8_t)((uint64_t)(r->p->from > 0 ? r->p->from : 0) >>
                                (8 * (5 - i)));
        rc = store_entities_from(txn, kinds[k], 0, from, window_cb, r);
        if (rc == 0 && r->err)
            rc = r->err;
        if (rc)
            return rc;
    }
    static const uint32_t by_time[] = {0, 1};
    rpt_section_sort(r->hits, by_time, 2);
    uint32_t nv = rpt_section_rows(r->visitors);
    uint32_t nc = rpt_section_rows(r->vehicles);
    if ((rc = rpt_summary(d, N_("visitors_inside"), rpt_i(nv))) ||
        (rc = rpt_summary(d, N_("vehicles_inside"), rpt_i(nc))) ||
        (rc = rpt_summary(d, N_("people_inside"), rpt_i(r->people))) ||
        (rc = rpt_summary(d, N_("overstays"), rpt_i(r->overstays))) ||
        (rc = rpt_summary(d, N_("blacklist_hits"),
                          rpt_i(rpt_section_rows(r->hits)))) ||
        (rc = rpt_summary(d, N_("refused"),
                          rpt_i(rpt_section_rows(r->refused)))))
        return rc;
    return 0;
}

int rpt_inside(store_txn *txn, const rpt_params *p, rpt_doc *d)
{
    rpt_doc_init(d, "inside", N_("Inside report"), p->site, p->from, p->to,
                 p->now, p->tz_min);
    inside_run *r = calloc(1, sizeof *r);
    if (r == NULL)
        return RND_ENOMEM;
    r->p = p;
    r->overstay_ms =
        p->overstay_ms > 0 ? p->overstay_ms : RPT_OVERSTAY_DEFAULT_MS;
    int rc = inside_fill(txn, r, d);
    free(r);
    return rc;
}
