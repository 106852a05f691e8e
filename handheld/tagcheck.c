/* tagcheck.c: what recording checks on a patrol scan (docs/DATA-MODEL.md,
 * "Proof of presence"): a scanned tag payload is verified offline against
 * the site's tag keys the office published (proto/tagsig.h), a tag typed
 * by hand is recorded as manual, and a tag that is none of the site's
 * checkpoints is refused unless forced. hh__scan_fields runs with the
 * field checks (validate in records.c), hh__scan_checks inside records.c's
 * write transaction, like the gate checks.
 */
#include <stdio.h>
#include <string.h>

#include "../proto/pii.h"
#include "../proto/tagsig.h"
#include "../storage/store.h"
#include "hh_internal.h"

#define fail hh__fail
#define store_fail hh__store_fail

/* The scan's own fields, which hh__scan_fields may rewrite in place. */
static proto_field *find(proto_field *f, uint32_t n, const char *name)
{
    return (proto_field *)proto_fields_find(f, n, name);
}

/* A payload in messages: cut so that a pasted page does not flood them. */
#define SHOWN(f) (int)((f)->str_len > 160 ? 160 : (f)->str_len), (f)->str

int hh__scan_fields(hh *h, const char *verb, proto_field *f, uint32_t *n,
                    uint32_t cap)
{
    static _Thread_local proto_tag_payload p;
    proto_field *payload = find(f, *n, "payload");
    proto_field *tag = find(f, *n, "tag");
    proto_field *method = find(f, *n, "method");

    if (*n + 2 > cap)
        return fail(h, RND_ETOOBIG, "%s: too many fields", verb);
    if (payload == NULL) {
        if (tag == NULL)
            return fail(h, RND_EFIELD,
                        "%s: field 'tag' is required (or 'payload', the text "
                        "the QR code or NFC tag holds)",
                        verb);
        if (method && !proto_field_is(method, "manual"))
            return fail(h, RND_EFIELD,
                        "%s: field 'method' is %.*s but no 'payload' was "
                        "read: a tag typed by hand is recorded as manual "
                        "(give the payload the reader returns, or "
                        "--method manual)",
                        verb, (int)method->str_len, method->str);
        if (method == NULL)
            f[(*n)++] = (proto_field){"method", 6, PROTO_STR, 0, "manual", 6};
        return 0;
    }
    if (proto_tag_parse(payload->str, payload->str_len, &p) != 0)
        return fail(h, RND_EFIELD,
                    "%s: field 'payload': '%.*s' is not a checkpoint tag "
                    "payload (RT1.SITE.TAG.KEY.SIGNATURE)",
                    verb, SHOWN(payload));
    if (method && proto_field_is(method, "manual"))
        return fail(h, RND_EFIELD,
                    "%s: field 'method' is manual but a 'payload' was read: "
                    "give nfc or qr",
                    verb);
    if (tag &&
        (tag->str_len != p.tag_len || memcmp(tag->str, p.tag, p.tag_len) != 0))
        return fail(h, RND_EFIELD,
                    "%s: field 'tag' is %.*s but the payload is for tag %s",
                    verb, (int)tag->str_len, tag->str, p.tag);
    if (tag == NULL)
        f[(*n)++] =
            (proto_field){"tag", 3, PROTO_STR, 0, p.tag, (uint32_t)p.tag_len};
    if (method == NULL)
        f[(*n)++] = (proto_field){"method", 6, PROTO_STR, 0, "nfc", 3};
    return 0;
}

/* ---- inside the write transaction -------------------------------------- */

typedef struct key_ctx {
    const proto_tag_payload *p;
    int found, verified;
} key_ctx;

/* One active tag_key of the site: the one the payload names verifies it. */
static int key_cb(const fold_state *st, void *arg)
{
    key_ctx *k = arg;
    const proto_field *id = fold_state_field(st, "key_id");
    const proto_field *pub = fold_state_field(st, "pub");
    uint8_t p[PROTO_TAG_PUB_LEN];
    if (id == NULL || id->type != PROTO_STR ||
        id->str_len != PROTO_TAG_KEYID_HEX ||
        memcmp(id->str, k->p->key_hex, PROTO_TAG_KEYID_HEX) != 0)
        return 0;
    if (pub == NULL || pub->type != PROTO_STR ||
        proto_pii_pub_parse(pub->str, pub->str_len, p) != 0)
        return 0;
    k->found = 1;
    if (proto_tag_verify(p, k->p) == 0) {
        k->verified = 1;
        return 1;
    }
    return 0;
}

typedef struct cp_ctx {
    const proto_field *tag;
    int any, known;
} cp_ctx;

static int cp_cb(const fold_state *st, void *arg)
{
    cp_ctx *c = arg;
    const proto_field *t = fold_state_field(st, "tag");
    c->any = 1;
    if (t && t->type == PROTO_STR && t->str_len == c->tag->str_len &&
        memcmp(t->str, c->tag->str, t->str_len) == 0) {
        c->known = 1;
        return 1;
    }
    return 0;
}

int hh__scan_checks(hh *h, const char *verb, store_txn *t, proto_op *op,
                    int force)
{
    static _Thread_local proto_tag_payload p;
    const proto_field *payload = proto_op_field(op, "payload");
    const proto_field *tag = proto_op_field(op, "tag");
    int rc, verified = 0;

    if (payload) {
        store_identity id;
        if ((rc = store_identity_get(t, &id)) != 0)
            return store_fail(h, rc);
        if (proto_tag_parse(payload->str, payload->str_len, &p) != 0)
            return fail(h, RND_EFIELD, "%s: field 'payload': not a payload",
                        verb);
        if (strcmp(p.site, id.site) != 0)
            return fail(
                h, RND_EFIELD,
                "%s: field 'payload': '%.*s' is a tag of site %s, not of this "
                "site (%s): nothing recorded",
                verb, SHOWN(payload), p.site, id.site);
        key_ctx k = {&p, 0, 0};
        rc = store_states_each(t, PROTO_KIND_TAG_KEY, 1, 0, key_cb, &k);
        if (rc)
            return store_fail(h, rc);
        if (!k.found)
            return fail(
                h, RND_EFIELD,
                "%s: field 'payload': '%.*s' is signed with key %s, which is "
                "not an active tag key of site %s (a foreign or "
                "retired key, or the office's key has not been "
                "synced yet: run 'rounds sync'): nothing recorded",
                verb, SHOWN(payload), p.key_hex, id.site);
        if (!k.verified)
            return fail(
                h, RND_EFIELD,
                "%s: field 'payload': '%.*s' does not verify against the "
                "site's tag key %s (altered or forged): nothing "
                "recorded",
                verb, SHOWN(payload), p.key_hex);
        verified = 1;
    }
    cp_ctx c = {tag, 0, 0};
    rc = store_states_each(t, PROTO_KIND_CHECKPOINT, 1, 0, cp_cb, &c);
    if (rc)
        return store_fail(h, rc);
    if (c.any && !c.known) {
        if (!force)
            return fail(h, RND_EFIELD,
                        "%s: field 'tag': %.*s is not a checkpoint of this "
                        "site (see 'rounds list checkpoints'; --force records "
                        "it flagged unknown_tag)",
                        verb, (int)tag->str_len, tag->str);
        if ((rc = proto_op_add_bool(op, "unknown_tag", 1)) != 0)
            return fail(h, rc, "%s: %s", verb, rnd_strerror(rc));
        size_t used = strlen(h->warn);
        snprintf(h->warn + used, sizeof h->warn - used,
                 "%stag %.*s is not a checkpoint of this site: recorded "
                 "with unknown_tag",
                 used ? "; " : "", (int)(tag->str_len > 64 ? 64 : tag->str_len),
                 tag->str);
    }
    if ((rc = proto_op_add_bool(op, "verified", verified)) != 0)
        return fail(h, rc, "%s: %s", verb, rnd_strerror(rc));
    return 0;
}
