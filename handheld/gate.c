/* gate.c: what recording checks at the gate and keeps from the store,
 * inside records.c's write transaction: the blacklist and resident plates
 * (docs/DATA-MODEL.md) for visitor and vehicle entries, and the sealing of
 * personal data to the office's key (proto/pii.h) so that the handheld's
 * store holds it masked only.
 */
#include <stdio.h>
#include <string.h>

#include "../proto/pii.h"
#include "../storage/store.h"
#include "hh_internal.h"

#define fail hh__fail
#define store_fail hh__store_fail

/* ---- gate checks: blacklist and resident plates ------------------------ */

/* Plates, names and ID numbers are compared in the canonical forms the
 * office stores keys in (proto_norm_*). */
#define NORM_MAX 256

/* What is looked for, in canonical form ("" = not given). */
typedef struct gate_ctx {
    char name[NORM_MAX], id_no[NORM_MAX], plate[NORM_MAX];
    int found;
    uint8_t id[PROTO_ENTITY_LEN];
    char what[NORM_MAX + 32];           /* "person 'X' (ID number)" */
    char text[PROTO_FIELD_STR_MAX + 1]; /* reason, or the resident's unit */
} gate_ctx;

static int field_norm(const fold_state *st, const char *name,
                      void (*norm)(const char *, size_t, char *, size_t),
                      char *out)
{
    const proto_field *f = fold_state_field(st, name);
    out[0] = '\0';
    if (f == NULL || f->type != PROTO_STR || f->str_len == 0)
        return 0;
    norm(f->str, f->str_len, out, NORM_MAX);
    return out[0] != '\0';
}

/* One active blacklist entry: a plate entry matches the plate; a person
 * entry matches the ID number when it has one, else the name. */
static int blacklist_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                        const uint8_t *state, size_t len, void *arg)
{
    static _Thread_local fold_state st;
    gate_ctx *c = arg;
    char v[NORM_MAX];
    if (fold_state_parse(state, len, &st) != 0)
        return 0;
    if (field_norm(&st, "plate", proto_norm_plate, v)) {
        if (c->plate[0] && strcmp(v, c->plate) == 0)
            snprintf(c->what, sizeof c->what, "plate %s", v);
        else
            return 0;
    } else if (field_norm(&st, "id_no", proto_norm_id_no, v)) {
        if (c->id_no[0] && strcmp(v, c->id_no) == 0)
            snprintf(c->what, sizeof c->what, "person '%s' (ID number)",
                     c->name);
        else
            return 0;
    } else if (field_norm(&st, "name", proto_norm_name, v)) {
        if (c->name[0] && strcmp(v, c->name) == 0)
            snprintf(c->what, sizeof c->what, "person '%s' (name)", c->name);
        else
            return 0;
    } else {
        return 0;
    }
    memcpy(c->id, id, PROTO_ENTITY_LEN);
    fold_state_text(&st, "reason", c->text, sizeof c->text);
    c->found = 1;
    return 1;
}

static int resident_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                       const uint8_t *state, size_t len, void *arg)
{
    static _Thread_local fold_state st;
    gate_ctx *c = arg;
    char v[NORM_MAX];
    if (fold_state_parse(state, len, &st) != 0)
        return 0;
    if (!field_norm(&st, "plate", proto_norm_plate, v) ||
        strcmp(v, c->plate) != 0)
        return 0;
    memcpy(c->id, id, PROTO_ENTITY_LEN);
    fold_state_text(&st, "unit", c->text, sizeof c->text);
    c->found = 1;
    return 1;
}

/* Visitor and vehicle entry: a resident plate needs no registration; a
 * blacklist match is recorded and reported. Both scan the open index of
 * their kind (active entries only) without a dedicated index: an entry
 * costs one state parse, fine for the thousands an estate has. */
int hh__gate_checks(hh *h, const hh_verb_spec *v, const proto_field *plate,
                    const proto_field *name, const proto_field *id_no,
                    store_txn *t, proto_op *op, char bl_id[33], char *bl_reason,
                    size_t reason_cap)
{
    static _Thread_local gate_ctx g;
    const proto_field *f;
    int rc;

    memset(&g, 0, sizeof g);
    if ((f = plate) != NULL)
        proto_norm_plate(f->str, f->str_len, g.plate, sizeof g.plate);
    if (v->kind == PROTO_KIND_VEHICLE && g.plate[0]) {
        rc = store_entities_each(t, PROTO_KIND_PLATE, 1, resident_cb, &g);
        if (rc)
            return store_fail(h, rc);
        if (g.found)
            return fail(h, RND_EEXIST,
                        "%s: plate %.*s is a resident vehicle of unit %s: no "
                        "registration needed",
                        v->verb, (int)f->str_len, f->str,
                        g.text[0] ? g.text : "?");
    }
    if ((f = name) != NULL)
        proto_norm_name(f->str, f->str_len, g.name, sizeof g.name);
    if ((f = id_no) != NULL)
        proto_norm_id_no(f->str, f->str_len, g.id_no, sizeof g.id_no);
    rc = store_entities_each(t, PROTO_KIND_BLACKLIST, 1, blacklist_cb, &g);
    if (rc)
        return store_fail(h, rc);
    if (!g.found)
        return 0;
    proto_entity_hex(g.id, bl_id);
    snprintf(bl_reason, reason_cap, "%s", g.text[0] ? g.text : "blacklisted");
    if ((rc = proto_op_add_bool(op, "blacklist_hit", 1)) ||
        (rc = proto_op_add_str(op, "blacklist_reason", bl_reason,
                               strlen(bl_reason))) ||
        (rc = proto_op_add_str(op, "blacklist_id", bl_id, 32)))
        return fail(h, rc, "%s: %s", v->verb, rnd_strerror(rc));
    size_t used = strlen(h->warn);
    snprintf(h->warn + used, sizeof h->warn - used,
             "%sblacklist hit: %s: %s (recorded with blacklist_hit; the "
             "guard decides)",
             used ? "; " : "", g.what, bl_reason);
    h->bl_hits++;
    return 0;
}

/* ---- personal data: sealed to the office, masked here ----------------- */

typedef struct pii_key_ctx {
    int found;
    int64_t created;
    uint8_t pub[PROTO_PII_PUB_LEN];
} pii_key_ctx;

/* The newest active PII key the office published (proto/pii.h). */
static int pii_key_cb(const fold_state *st, void *arg)
{
    pii_key_ctx *k = arg;
    const proto_field *pub = fold_state_field(st, "pub");
    const proto_field *created = fold_state_field(st, "created");
    uint8_t p[PROTO_PII_PUB_LEN];
    if (pub == NULL || pub->type != PROTO_STR ||
        proto_pii_pub_parse(pub->str, pub->str_len, p) != 0)
        return 0; /* not usable: ignore rather than fail a gate entry */
    int64_t when = created && created->type == PROTO_INT ? created->i : 0;
    if (!k->found || when > k->created ||
        (when == k->created && memcmp(p, k->pub, sizeof p) > 0)) {
        k->found = 1;
        k->created = when;
        memcpy(k->pub, p, sizeof p);
    }
    return 0;
}

/* Replaces the personal fields of op (a visitor's ID number and phone, a
 * driver's phone) by their masked forms and seals the originals into the
 * "_pii" field for the office, so that this store never holds them
 * readable. A handheld that has not synced yet has no office key: it
 * keeps the masked forms only, and says so. */
int hh__pii_seal(hh *h, const char *verb, store_txn *t, proto_op *op)
{
    static _Thread_local char masked[PROTO_PII_MAX_FIELDS]
                                    [PROTO_PII_VALUE_MAX + 1];
    static _Thread_local char env[PROTO_PII_ENVELOPE_MAX];
    proto_pii_item items[PROTO_PII_MAX_FIELDS];
    proto_field *personal[PROTO_PII_MAX_FIELDS];
    size_t n = 0, len;
    int rc;

    for (uint32_t i = 0; i < op->nfields; i++) {
        proto_field *f = &op->fields[i];
        if (f->type != PROTO_STR || f->str_len == 0 ||
            !proto_pii_is_personal(op->kind, f->name, f->name_len))
            continue;
        if (n == PROTO_PII_MAX_FIELDS || f->str_len > PROTO_PII_VALUE_MAX)
            return fail(h, RND_EFIELD,
                        "%s: '%.*s' is longer than %d characters", verb,
                        (int)f->name_len, f->name, PROTO_PII_VALUE_MAX);
        items[n] = (proto_pii_item){f->name, f->name_len, f->str, f->str_len};
        personal[n++] = f;
    }
    if (n == 0)
        return 0;
    pii_key_ctx k;
    memset(&k, 0, sizeof k);
    rc = store_states_each(t, PROTO_KIND_PII_KEY, 1, 0, pii_key_cb, &k);
    if (rc)
        return store_fail(h, rc);
    if (k.found) {
        rc = proto_pii_seal(k.pub, op->entity, items, n, env, sizeof env, &len);
        if (rc)
            return fail(h, rc, "%s: cannot seal personal data: %s", verb,
                        rnd_strerror(rc));
        if ((rc = proto_op_add_str(op, PROTO_PII_FIELD, env, len)) != 0)
            return fail(h, rc, "%s: %s", verb, rnd_strerror(rc));
    } else {
        size_t used = strlen(h->warn);
        snprintf(h->warn + used, sizeof h->warn - used,
                 "%sno office key for personal data yet (sync once after "
                 "enrollment): the ID number and phone are kept masked only",
                 used ? "; " : "");
    }
    for (size_t i = 0; i < n; i++) {
        proto_pii_mask(items[i].name, items[i].name_len, items[i].value,
                       items[i].value_len, masked[i], sizeof masked[i]);
        personal[i]->str = masked[i];
        personal[i]->str_len = (uint32_t)strlen(masked[i]);
    }
    return 0;
}
