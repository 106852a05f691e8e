/* pii_show.c: opening one record's sealed personal data for an explicit
 * office request, the access recorded first (pii.h, srv_pii_show): the one
 * path of `roundsd pii show` and the dashboard's /api/pii/open. */
#include <string.h>

#include "../storage/fold.h"
#include "pii.h"

typedef struct access_ctx {
    const uint8_t *target;
    int target_kind;
    const char *fields, *reason, *by;
    int64_t now;
    uint8_t id[PROTO_ENTITY_LEN];
} access_ctx;

static int access_fn(store_txn *t, void *arg)
{
    static _Thread_local proto_op op;
    access_ctx *c = arg;
    char hex[33];
    int rc;
    if ((rc = proto_entity_new(c->id, c->now)) != 0)
        return rc;
    proto_entity_hex(c->target, hex);
    const char *kname = proto_kind_name(c->target_kind);
    proto_op_init(&op);
    op.kind = PROTO_KIND_PII_ACCESS;
    op.action = PROTO_ACTION_CREATE;
    memcpy(op.entity, c->id, PROTO_ENTITY_LEN);
    if ((rc = proto_op_add_str(&op, "target", hex, 32)) ||
        (rc = proto_op_add_str(&op, "target_kind", kname, strlen(kname))) ||
        (rc = proto_op_add_str(&op, "fields", c->fields, strlen(c->fields))) ||
        (rc = proto_op_add_str(&op, "reason", c->reason, strlen(c->reason))) ||
        (rc = proto_op_add_str(&op, "by", c->by, strlen(c->by))))
        return rc;
    return store_append_local(t, &op, c->now, NULL);
}

/* The sealed envelope of a record: from the op that created it. */
static int find_envelope(store_txn *t, const uint8_t id[PROTO_ENTITY_LEN],
                         int *kind, char *env, size_t cap, size_t *len)
{
    static _Thread_local fold_state st;
    static _Thread_local proto_op op;
    const uint8_t *state, *enc;
    size_t slen, elen;
    int64_t recv;
    int rc;
    if ((rc = store_entity_get(t, id, kind, &state, &slen)) != 0 ||
        (rc = fold_state_parse(state, slen, &st)) != 0)
        return rc;
    /* The registers seal too: a lost item's claimant on its return op. */
    if (*kind != PROTO_KIND_VISIT && *kind != PROTO_KIND_VEHICLE &&
        (*kind < PROTO_KIND_INCIDENT || *kind > PROTO_KIND_EXITSLIP))
        return RND_EINVAL;
    for (uint32_t i = 0; i < st.nevents; i++) {
        const fold_event *e = &st.events[i];
        if (e->action != PROTO_ACTION_CREATE &&
            e->action != PROTO_ACTION_REFUSE &&
            e->action != PROTO_ACTION_RETURN)
            continue;
        if ((rc = store_op_get(t, e->device_id, e->seq, &enc, &elen, &recv)) !=
                0 ||
            (rc = proto_op_decode(enc, elen, &op)) != 0)
            return rc;
        const proto_field *f = proto_op_field(&op, PROTO_PII_FIELD);
        if (f == NULL || f->type != PROTO_STR || f->str_len >= cap)
            continue; /* the next op that may carry it */
        memcpy(env, f->str, f->str_len);
        env[f->str_len] = '\0';
        *len = f->str_len;
        return 0;
    }
    return RND_ENOTFOUND;
}

int srv_pii_record_key(store_txn *t, const uint8_t id[PROTO_ENTITY_LEN],
                       uint8_t kid[PROTO_PII_KEYID_LEN])
{
    static _Thread_local char env[PROTO_PII_ENVELOPE_MAX];
    size_t elen = 0;
    int kind = 0;
    int rc = find_envelope(t, id, &kind, env, sizeof env, &elen);
    if (rc == RND_EINVAL)
        return RND_ENOTFOUND; /* a kind that never holds any */
    if (rc == 0)
        rc = proto_pii_envelope_key(env, elen, kid);
    return rc;
}

void srv_pii_shown_wipe(srv_pii_shown *out)
{
    memset(out->plain, 0, sizeof out->plain);
    memset(out->items, 0, sizeof out->items);
    out->n = 0;
}

int srv_pii_show(store *st, const char *data_dir, const char *site,
                 const uint8_t id[PROTO_ENTITY_LEN], const char *reason,
                 const char *by, int64_t now_ms, srv_pii_shown *out)
{
    static _Thread_local char env[PROTO_PII_ENVELOPE_MAX];
    memset(out, 0, sizeof *out);
    if (reason == NULL || *reason == '\0')
        return RND_EFIELD;
    size_t elen = 0;
    store_txn *t;
    int rc = store_read_begin(st, &t);
    if (rc == 0) {
        rc = find_envelope(t, id, &out->kind, env, sizeof env, &elen);
        store_read_end(t);
    }
    if (rc) {
        out->why = rc == RND_EINVAL                        ? SRV_PII_WRONG_KIND
                   : rc == RND_ENOTFOUND && out->kind == 0 ? SRV_PII_NO_RECORD
                   : rc == RND_ENOTFOUND                   ? SRV_PII_NONE
                                                           : SRV_PII_READ;
        return rc;
    }
    uint8_t kid[PROTO_PII_KEYID_LEN];
    srv_pii_key key;
    rc = proto_pii_envelope_key(env, elen, kid);
    proto_hex(kid, PROTO_PII_KEYID_LEN, out->key_hex);
    if (rc == 0)
        rc = srv_pii_load(data_dir, site, kid, &key);
    if (rc == RND_ENOTFOUND) {
        out->why = SRV_PII_PURGED;
        return rc;
    }
    if (rc == 0)
        rc = proto_pii_open(key.priv, id, env, elen, out->plain,
                            sizeof out->plain, out->items, &out->n);
    memset(&key, 0, sizeof key);
    if (rc) {
        out->why = SRV_PII_OPEN;
        srv_pii_shown_wipe(out);
        return rc;
    }
    /* The access is on record, durably, before anything is shown. */
    char fields[128] = "";
    for (size_t i = 0; i < out->n; i++) {
        size_t used = strlen(fields);
        snprintf(fields + used, sizeof fields - used, "%s%.*s", i ? "," : "",
                 (int)out->items[i].name_len, out->items[i].name);
    }
    access_ctx ac = {id, out->kind, fields, reason, by, now_ms, {0}};
    rc = store_write(st, access_fn, &ac);
    if (rc) {
        out->why = SRV_PII_LOG;
        srv_pii_shown_wipe(out);
        return rc;
    }
    memcpy(out->access, ac.id, PROTO_ENTITY_LEN);
    return 0;
}
