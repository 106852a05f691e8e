/* staff_pin.c: the op that sets or clears a staff member's PIN hash
 * (staff_pin.h). */
#include "staff_pin.h"

#include <stdio.h>
#include <string.h>

#include "../proto/pin.h"
#include "../storage/fold.h"

typedef struct pin_ctx {
    const char *site, *staff, *hash, *by;
    int64_t now;
    char *msg;
    size_t cap;
} pin_ctx;

static int pin_fn(store_txn *t, void *arg)
{
    static _Thread_local proto_op op;
    static _Thread_local fold_state st;
    pin_ctx *c = arg;
    char seen[FOLD_SEEN_MAX];
    const uint8_t *state;
    size_t len, slen;
    int kind;

    proto_op_init(&op);
    proto_md_entity_id(PROTO_KIND_STAFF, c->site, c->staff, strlen(c->staff),
                       op.entity);
    int rc = store_entity_get(t, op.entity, &kind, &state, &len);
    if (rc == 0 && (rc = fold_state_parse(state, len, &st)) == 0 &&
        (kind != PROTO_KIND_STAFF || strcmp(st.status, "active") != 0))
        rc = RND_ENOTFOUND;
    if (rc == RND_ENOTFOUND) {
        snprintf(c->msg, c->cap,
                 "no active staff %s on site %s (add it with 'roundsd staff "
                 "add')",
                 c->staff, c->site);
        return rc;
    }
    if (rc || (rc = fold_seen_encode(&st, seen, sizeof seen, &slen)) != 0)
        return rc;
    op.kind = PROTO_KIND_STAFF;
    op.action = PROTO_ACTION_SET;
    if ((rc = proto_op_add_str(&op, "pin_hash", c->hash, strlen(c->hash))) ||
        (rc = proto_op_add_int(&op, "pin_set_ms", c->now)) ||
        (rc = proto_op_add_str(&op, "pin_set_by", c->by, strlen(c->by))) ||
        (rc = proto_op_add_str(&op, FOLD_SEEN_FIELD, seen, slen)))
        return rc;
    return store_append_local(t, &op, c->now, NULL);
}

int srv_staff_pin(store *st, const char *site, const char *staff,
                  const char *hash, const char *by, int64_t now_ms, char *msg,
                  size_t cap)
{
    pin_ctx c = {site, staff, hash, by, now_ms, msg, cap};
    msg[0] = '\0';
    if (*hash && proto_pin_hash_check(hash, strlen(hash), NULL) != 0) {
        snprintf(msg, cap, "the PIN hash is not one a handheld accepts");
        return RND_EFIELD;
    }
    int rc = store_write(st, pin_fn, &c);
    if (rc && msg[0] == '\0')
        snprintf(msg, cap, "cannot write the PIN of %s: %s", staff,
                 rnd_strerror(rc));
    return rc;
}
