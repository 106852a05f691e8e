/* receive.c: delivery of dispatched work orders to the assignee's handheld.
 *
 * The notify clock of a work order stops when the order reaches the
 * technician's device, not when the clerk dispatches it (docs/REPORTS.md,
 * "workorders"). After a pull, the ops that arrived in the store since
 * meta HH_META_RECEIVE_POS (an arrival-log position) are walked in arrival
 * order; every work-order dispatch written by another device whose
 * assignee is this device's user (meta "user") or its name gets one
 * receive op (PROTO_ACTION_RECEIVE, proto.h), stamped with this device's
 * clock, in one durable write with the new position. Each op enters the
 * log once, so each dispatch is received once per device; the receive ops
 * go up at the next sync like any record. Orders already closed or
 * cancelled are not received.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "receive.h"

/* A store without the key (a store from before this op, or enrolled but
 * never pulled) starts at the log position the caller read before the
 * pull: only dispatches pulled from then on are received. */
#define HH_META_RECEIVE_POS "receive_pos"

/* Dispatches one walk may hold; more wait for the next sync (the
 * position stops at the last one taken). */
#define MAX_DELIVER 256

typedef struct deliver {
    uint8_t entity[PROTO_ENTITY_LEN];
    uint64_t device_id, seq;
} deliver;

typedef struct recv_walk {
    uint64_t self;
    char user[STORE_NAME_MAX], name[STORE_NAME_MAX];
    proto_op op;
    deliver *d;
    size_t n;
    uint64_t pos; /* where the walk starts */
} recv_walk;

static int names_us(const recv_walk *w, const proto_field *f)
{
    if (f == NULL || f->type != PROTO_STR || f->str_len == 0)
        return 0;
    const char *mine[2] = {w->user, w->name};
    for (int i = 0; i < 2; i++)
        if (mine[i][0] && strlen(mine[i]) == f->str_len &&
            memcmp(mine[i], f->str, f->str_len) == 0)
            return 1;
    return 0;
}

static int walk_cb(const uint8_t *enc, size_t len, int64_t recv_ms, void *ctx)
{
    (void)recv_ms;
    recv_walk *w = ctx;
    if (proto_op_decode(enc, len, &w->op) != 0)
        return 0; /* the store checked it on the way in */
    const proto_op *op = &w->op;
    if (op->kind != PROTO_KIND_WORKORDER ||
        op->action != PROTO_ACTION_DISPATCH || op->device_id == w->self ||
        !names_us(w, proto_op_field(op, "assignee")))
        return 0;
    deliver *d = &w->d[w->n++];
    memcpy(d->entity, op->entity, PROTO_ENTITY_LEN);
    d->device_id = op->device_id;
    d->seq = op->seq;
    return w->n == MAX_DELIVER; /* full: the rest at the next sync */
}

typedef struct recv_ctx {
    hh *h;
    uint64_t start; /* the position when the store has none */
    recv_walk *w;
    size_t written;
} recv_ctx;

static int append_receive(recv_ctx *c, store_txn *t, const deliver *d)
{
    static _Thread_local proto_op op;
    static _Thread_local fold_state st;
    char seen[FOLD_SEEN_MAX], of[40];
    const uint8_t *state;
    size_t len, n;
    int kind, rc;

    rc = store_entity_get(t, d->entity, &kind, &state, &len);
    if (rc == RND_ENOTFOUND)
        return 0;
    if (rc || (rc = fold_state_parse(state, len, &st)) != 0)
        return rc;
    if (strcmp(st.status, "closed") == 0 || strcmp(st.status, "cancelled") == 0)
        return 0;
    if ((rc = fold_seen_encode(&st, seen, sizeof seen, &n)) != 0)
        return rc;
    snprintf(of, sizeof of, "%016" PRIx64 ":%" PRIu64, d->device_id, d->seq);
    proto_op_init(&op);
    op.kind = PROTO_KIND_WORKORDER;
    op.action = PROTO_ACTION_RECEIVE;
    memcpy(op.entity, d->entity, PROTO_ENTITY_LEN);
    const char *by = c->w->user[0] ? c->w->user : c->w->name;
    int64_t off = 0;
    if ((rc = proto_op_add_str(&op, "receive_by", by, strlen(by))) ||
        (rc = proto_op_add_str(&op, PROTO_RECEIVE_OF_FIELD, of, strlen(of))) ||
        (rc = proto_op_add_str(&op, FOLD_SEEN_FIELD, seen, n)) ||
        (rc = hh__clock_offset(t, &off)))
        return rc;
    if ((off >= HH_CLK_MIN_MS || off <= -HH_CLK_MIN_MS) &&
        (rc = proto_op_add_int(&op, FOLD_CLK_FIELD, off)) != 0)
        return rc;
    rc = store_append_local(t, &op, hh__now_ms(c->h), NULL);
    if (rc == 0)
        c->written++;
    return rc;
}

static int receive_fn(store_txn *t, void *arg)
{
    recv_ctx *c = arg;
    recv_walk *w = c->w;
    store_identity id;
    uint64_t next;
    int rc;

    c->written = 0; /* a replay after a map resize starts over */
    w->n = 0;
    if ((rc = store_identity_get(t, &id)) != 0)
        return rc;
    w->self = id.device_id;
    snprintf(w->name, sizeof w->name, "%s", id.name);
    hh__meta_str(t, "user", w->user, sizeof w->user);
    rc = store_meta_get_u64(t, HH_META_RECEIVE_POS, &w->pos);
    if (rc == RND_ENOTFOUND)
        w->pos = c->start;
    else if (rc)
        return rc;
    if (w->user[0] == '\0' && w->name[0] == '\0')
        return store_meta_put_u64(t, HH_META_RECEIVE_POS, w->pos);
    /* next: after the last op walk_cb looked at (not the appends below,
     * which are this device's own and would be skipped anyway). */
    rc = store_log_each(t, w->pos, walk_cb, w, &next);
    if (rc)
        return rc;
    for (size_t i = 0; i < w->n; i++)
        if ((rc = append_receive(c, t, &w->d[i])) != 0)
            return rc;
    return store_meta_put_u64(t, HH_META_RECEIVE_POS, next);
}

int hh__receive_dispatches(hh *h, uint64_t start, size_t *written)
{
    recv_ctx c = {h, start, NULL, 0};
    int rc = RND_ENOMEM;
    c.w = calloc(1, sizeof *c.w);
    if (c.w && (c.w->d = calloc(MAX_DELIVER, sizeof *c.w->d)) != NULL)
        rc = store_write(hh_store(h), receive_fn, &c);
    if (c.w)
        free(c.w->d);
    free(c.w);
    if (written)
        *written = rc == 0 ? c.written : 0;
    return rc ? hh__store_fail(h, rc) : 0;
}

int hh__receive_start(store_txn *t, uint64_t *start)
{
    int rc = store_meta_get_u64(t, "log_next", start);
    if (rc == RND_ENOTFOUND) {
        *start = 0;
        rc = 0;
    }
    return rc;
}
