/* read.c: reading the handheld's store back: the listings (hh_list,
 * hh_get, hh_conflicts) and the accessors of the records they hand out
 * (hh_entity_*, which keep fold_state opaque to apps), the replica's digest
 * and dump (hh_digest, hh_dump: the same definition as `roundsd dump`), the
 * enrolled server address and the offline shift report. Every call here is
 * one read transaction; nothing writes. See handheld.h for the contract.
 */
#include <string.h>

#include "../report/render.h"
#include "../report/report.h"
#include "handheld.h"
#include "hh_internal.h"

/* Every kind of the op format has its HH_KIND_ twin with the same value. */
#define CHECK_KIND_(name, val, str)                                            \
    _Static_assert(HH_KIND_##name == (val), "HH_KIND_" #name);
PROTO_KIND_MAP(CHECK_KIND_)
#undef CHECK_KIND_
_Static_assert(HH_VALUE_MAX == PROTO_FIELD_STR_MAX, "HH_VALUE_MAX");

void hh_id_hex(const uint8_t id[HH_ID_LEN], char hex[33])
{
    proto_entity_hex(id, hex);
}

const char *hh_kind_name(int kind)
{
    return proto_kind_name(kind);
}

const char *hh_action_name(int action)
{
    return proto_action_name(action);
}

/* ---- listings ----------------------------------------------------------- */

int hh_list(hh *h, int kind, int open_only, hh_entity_cb cb, void *ctx)
{
    store_txn *t;
    int rc = store_read_begin(h->s, &t);
    if (rc)
        return hh__store_fail(h, rc);
    rc = store_states_each(t, kind, open_only, 0, cb, ctx);
    store_read_end(t);
    return rc;
}

int hh_conflicts(hh *h, hh_entity_cb cb, void *ctx)
{
    store_txn *t;
    int rc = store_read_begin(h->s, &t);
    if (rc)
        return hh__store_fail(h, rc);
    rc = store_states_each(t, 0, 0, 1, cb, ctx);
    store_read_end(t);
    return rc == 1 ? 0 : rc;
}

int hh_get(hh *h, const char *id_hex, hh_entity_cb cb, void *ctx)
{
    uint8_t id[PROTO_ENTITY_LEN];
    const uint8_t *state;
    size_t len;
    store_txn *t;
    int kind, rc;

    if (proto_entity_parse(id_hex, id) != 0)
        return hh__fail(h, RND_EINVAL, "'%s' is not a 32-hex id", id_hex);
    rc = store_read_begin(h->s, &t);
    if (rc)
        return hh__store_fail(h, rc);
    rc = store_entity_get(t, id, &kind, &state, &len);
    if (rc == 0) {
        static _Thread_local fold_state st;
        rc = fold_state_parse(state, len, &st);
        if (rc == 0)
            rc = cb(&st, ctx);
    } else if (rc == RND_ENOTFOUND)
        hh__fail(h, rc, "no record with id %s", id_hex);
    store_read_end(t);
    return rc;
}

int hh_resolve_id(hh *h, const char *typed, char hex_out[33])
{
    uint8_t ids[8][PROTO_ENTITY_LEN];
    size_t found = 0;
    int rc = store_entity_prefix(h->s, typed, ids, 8, &found);
    if (rc == RND_EINVAL)
        return hh__fail(h, rc,
                        "'%.40s' is not a record id: 32 hex digits, or a "
                        "unique prefix of 8 or more",
                        typed);
    if (rc)
        return hh__store_fail(h, rc);
    if (found == 0)
        return hh__fail(h, RND_ENOTFOUND, "no record with id %s", typed);
    if (found > 1) {
        char list[8 * 34 + 8], hex[33];
        size_t k = 0;
        list[0] = '\0';
        for (size_t i = 0; i < found && i < 8; i++) {
            proto_entity_hex(ids[i], hex);
            k += (size_t)snprintf(list + k, sizeof list - k, "%s%s",
                                  i ? ", " : "", hex);
        }
        return hh__fail(h, RND_EINVAL,
                        "id prefix %s is ambiguous: it starts %s%s; type "
                        "more of it",
                        typed, list, found > 8 ? ", ..." : "");
    }
    proto_entity_hex(ids[0], hex_out);
    return 0;
}

int hh_id_width(hh *h, int kind)
{
    int width;
    return store_id_width(h->s, kind, &width) == 0 ? width : 8;
}

/* ---- a record's accessors ----------------------------------------------- */

int hh_entity_kind(const hh_entity *e)
{
    return e->kind;
}

void hh_entity_id(const hh_entity *e, char hex[33])
{
    proto_entity_hex(e->entity, hex);
}

const char *hh_entity_status(const hh_entity *e)
{
    return e->status;
}

int64_t hh_entity_created_ms(const hh_entity *e)
{
    return PROTO_HLC_MS(e->created_hlc);
}

int64_t hh_entity_updated_ms(const hh_entity *e)
{
    return PROTO_HLC_MS(e->updated_hlc);
}

static void value_of(const proto_field *f, hh_value *out)
{
    out->name = f->name;
    out->name_len = f->name_len;
    out->type = f->type;
    out->i = f->i;
    out->str = f->str;
    out->str_len = f->str_len;
}

size_t hh_entity_nfields(const hh_entity *e)
{
    return e->nfields;
}

int hh_entity_field_at(const hh_entity *e, size_t i, hh_value *out)
{
    memset(out, 0, sizeof *out);
    if (i >= e->nfields)
        return RND_ENOTFOUND;
    value_of(&e->fields[i], out);
    return 0;
}

int hh_entity_field(const hh_entity *e, const char *name, hh_value *out)
{
    const proto_field *f = fold_state_field(e, name);
    memset(out, 0, sizeof *out);
    if (f == NULL)
        return RND_ENOTFOUND;
    value_of(f, out);
    return 0;
}

size_t hh_entity_nevents(const hh_entity *e)
{
    return e->nevents;
}

int hh_entity_event(const hh_entity *e, size_t i, hh_event *out)
{
    memset(out, 0, sizeof *out);
    if (i >= e->nevents)
        return RND_ENOTFOUND;
    const fold_event *ev = &e->events[i];
    out->device_id = ev->device_id;
    out->seq = ev->seq;
    out->hlc = ev->hlc;
    out->wall_ms = ev->wall_ms;
    out->action = ev->action;
    return 0;
}

uint64_t hh_entity_creator(const hh_entity *e)
{
    return e->creator;
}

uint32_t hh_entity_reopen_count(const hh_entity *e)
{
    return e->reopen_count;
}

size_t hh_entity_nconflicts(const hh_entity *e)
{
    return e->nconflicts;
}

int hh_entity_conflict(const hh_entity *e, size_t i, hh_conflict *out)
{
    memset(out, 0, sizeof *out);
    if (i >= e->nconflicts)
        return RND_ENOTFOUND;
    const fold_conflict *cf = &e->conflicts[i];
    out->field = cf->field;
    out->field_len = cf->field_len;
    out->ncand = cf->ncand;
    return 0;
}

int hh_entity_candidate(const hh_entity *e, size_t i, size_t j,
                        hh_candidate *out)
{
    memset(out, 0, sizeof *out);
    if (i >= e->nconflicts || j >= e->conflicts[i].ncand)
        return RND_ENOTFOUND;
    const fold_candidate *cd = &e->conflicts[i].cand[j];
    value_of(&cd->value, &out->value);
    out->device_id = cd->device_id;
    out->seq = cd->seq;
    out->hlc = cd->hlc;
    out->time_ms = PROTO_HLC_MS(cd->hlc);
    out->wall_ms = fold_candidate_wall_ms(e, cd);
    return 0;
}

int64_t hh_hlc_ms(uint64_t hlc)
{
    return PROTO_HLC_MS(hlc);
}

const char *const *hh_kind_columns(int kind)
{
    return proto_kind_columns(kind);
}

/* ---- the replica as a whole --------------------------------------------- */

int hh_digest(hh *h, uint8_t out[32], uint64_t *entities)
{
    return hh_dump(h, NULL, 0, out, entities);
}

typedef struct dump_ctx {
    FILE *out;
    int json;
    uint64_t n;
} dump_ctx;

static int dump_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                   const uint8_t *state, size_t len, void *arg)
{
    dump_ctx *c = arg;
    return store_dump_entry(c->out, c->json, c->n++ == 0, id, kind, state, len);
}

int hh_dump(hh *h, FILE *out, int json, uint8_t digest[32], uint64_t *entities)
{
    dump_ctx c = {out, json, 0};
    store_txn *t;
    /* One read transaction: the lines and the digest are of one state. */
    int rc = store_read_begin(h->s, &t);
    if (rc == 0) {
        rc = store_digest(t, out ? dump_cb : NULL, &c, digest, entities);
        store_read_end(t);
    }
    return rc ? hh__store_fail(h, rc) : 0;
}

int hh_server_addr(hh *h, char *out, size_t cap)
{
    const void *v;
    size_t len;
    store_txn *t;
    if (cap == 0)
        return RND_ENOSPACE;
    out[0] = '\0';
    int rc = store_read_begin(h->s, &t);
    if (rc)
        return hh__store_fail(h, rc);
    rc = store_meta_get(t, "server", &v, &len);
    if (rc == 0 && len < cap) {
        memcpy(out, v, len);
        out[len] = '\0';
    } else if (rc == 0) {
        rc = RND_ENOSPACE;
    } else if (rc == RND_ENOTFOUND) {
        rc = 0; /* not enrolled */
    }
    store_read_end(t);
    return rc;
}

/* ---- the shift report --------------------------------------------------- */

int hh_report_shift(hh *h, const hh_shift_options *opt, const char *format,
                    FILE *out)
{
    rpt_format fmt = RPT_FMT_TEXT;
    const char *table = NULL; /* "csv:TABLE": one table, a CSV file */
    if (format && strncmp(format, "csv:", 4) == 0 && format[4])
        table = format + 4;
    else if (format && rpt_format_parse(format, &fmt) != 0)
        return hh__fail(h, RND_EINVAL,
                        "report shift: format '%s': text, csv, csv:TABLE or "
                        "json",
                        format);
    rpt_params p;
    memset(&p, 0, sizeof p);
    p.now = opt->now;
    p.to = opt->now;
    p.from = opt->since;
    p.route = opt->route;
    p.tz_min = opt->tz_min;
    p.overstay_ms = RPT_OVERSTAY_DEFAULT_MS;

    store_txn *t;
    store_identity me;
    rpt_doc d;
    memset(&d, 0, sizeof d);
    int rc = store_read_begin(h->s, &t);
    if (rc)
        return hh__store_fail(h, rc);
    rc = store_identity_get(t, &me);
    if (rc == 0) {
        p.site = me.site;
        p.device_id = me.device_id;
        rc = rpt_shift(t, &p, &d);
    }
    store_read_end(t);
    if (rc == 0 && table) {
        rc = rpt_emit_csv_table(&d, table, out);
        if (rc == RND_ENOTFOUND)
            rc = hh__fail(h, RND_EINVAL, "report shift: no table '%s'", table);
    } else if (rc == 0) {
        rc = rpt_emit(&d, fmt, out);
    }
    rpt_doc_free(&d);
    return rc;
}
