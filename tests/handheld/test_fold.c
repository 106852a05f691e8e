/* test_fold.c: the fold's per-kind rules on hand-made op sets: work orders
 * only move forward unless reopened, a visit's exit wins over its entry
 * whatever their stamps, fields are last-writer-wins by (hlc, device), and
 * the state parses back to what went in. */
#include <string.h>

#include "../../storage/fold.h"
#include "test.h"

#define MAXOPS 16

typedef struct opset {
    uint8_t buf[MAXOPS][1024];
    const uint8_t *encs[MAXOPS];
    size_t lens[MAXOPS];
    size_t n;
} opset;

static const uint8_t entity[16] = {1, 2,  3,  4,  5,  6,  7,  8,
                                   9, 10, 11, 12, 13, 14, 15, 16};

/* Adds an op; callers add in (hlc, device, seq) order as the store would. */
static void add(opset *s, int kind, int action, uint64_t dev, uint64_t seq,
                int64_t ms, const char *k, const char *v)
{
    proto_op op;
    proto_op_init(&op);
    op.device_id = dev;
    op.seq = seq;
    op.hlc = PROTO_HLC_MAKE(ms, 0);
    op.wall_ms = ms;
    op.kind = (uint8_t)kind;
    op.action = (uint8_t)action;
    memcpy(op.entity, entity, 16);
    if (k)
        ASSERT_OK(proto_op_add_str(&op, k, v, strlen(v)));
    ASSERT(s->n < MAXOPS);
    ASSERT_OK(
        proto_op_encode(&op, s->buf[s->n], sizeof s->buf[0], &s->lens[s->n]));
    s->encs[s->n] = s->buf[s->n];
    s->n++;
}

static fold_state st;
static uint8_t out[FOLD_STATE_MAX];

static const char *fold(opset *s, int *open)
{
    size_t len;
    fold_info info;
    ASSERT_OK(store_fold(s->encs, s->lens, s->n, out, sizeof out, &len, &info));
    ASSERT_OK(fold_state_parse(out, len, &st));
    ASSERT_EQ(info.kind, st.kind);
    *open = info.open;
    return st.status;
}

int main(void)
{
    int open;
    const int WO = PROTO_KIND_WORKORDER;

    /* A butler's older "dispatched" sorts after the technician's
     * "completed" (the butler's clock ran ahead): completed stands. */
    opset a = {0};
    add(&a, WO, PROTO_ACTION_CREATE, 1, 1, 1000, "place", "3-2-1201");
    add(&a, WO, PROTO_ACTION_DISPATCH, 1, 2, 2000, "assignee", "zhang");
    add(&a, WO, PROTO_ACTION_ARRIVE, 2, 1, 3000, NULL, NULL);
    add(&a, WO, PROTO_ACTION_COMPLETE, 2, 2, 4000, "signature", "Wang");
    add(&a, WO, PROTO_ACTION_DISPATCH, 3, 1, 5000, "assignee", "zhao");
    ASSERT_STR_EQ(fold(&a, &open), "completed");
    ASSERT_EQ(open, 1);
    ASSERT_EQ(st.nevents, 5);
    /* The field itself is last-writer-wins: the later assignee is kept. */
    const proto_field *f = fold_state_field(&st, "assignee");
    ASSERT(f && f->str_len == 4 && memcmp(f->str, "zhao", 4) == 0);
    ASSERT_U64_EQ(st.creator, 1);
    ASSERT_U64_EQ(PROTO_HLC_MS(st.updated_hlc), 5000);
    ASSERT(memcmp(st.entity, entity, 16) == 0);

    /* Closed cannot be cancelled; an explicit reopen moves it back;
     * cancel is terminal. */
    add(&a, WO, PROTO_ACTION_CALLBACK, 1, 3, 6000, "satisfaction", "satisfied");
    add(&a, WO, PROTO_ACTION_CLOSE, 1, 4, 7000, NULL, NULL);
    ASSERT_STR_EQ(fold(&a, &open), "closed");
    ASSERT_EQ(open, 0);
    add(&a, WO, PROTO_ACTION_CANCEL, 3, 2, 7500, NULL, NULL);
    ASSERT_STR_EQ(fold(&a, &open), "closed"); /* cannot cancel closed */
    add(&a, WO, PROTO_ACTION_REOPEN, 1, 5, 8000, "reopen_reason", "again");
    ASSERT_STR_EQ(fold(&a, &open), "reopened");
    ASSERT_EQ(st.reopen_count, 1);
    ASSERT_EQ(open, 1);
    add(&a, WO, PROTO_ACTION_CANCEL, 1, 6, 9000, NULL, NULL);
    ASSERT_STR_EQ(fold(&a, &open), "cancelled");
    add(&a, WO, PROTO_ACTION_DISPATCH, 2, 3, 9500, NULL, NULL);
    ASSERT_STR_EQ(fold(&a, &open), "cancelled");
    ASSERT_EQ(open, 0);

    /* A bad callback reopens. */
    opset b = {0};
    add(&b, WO, PROTO_ACTION_CREATE, 1, 1, 1000, NULL, NULL);
    add(&b, WO, PROTO_ACTION_COMPLETE, 1, 2, 2000, NULL, NULL);
    add(&b, WO, PROTO_ACTION_CALLBACK, 1, 3, 3000, "satisfaction",
        "unsatisfied");
    ASSERT_STR_EQ(fold(&b, &open), "reopened");

    /* Gate B's exit is stamped before gate A's entry (B's clock is
     * behind): the visit is still "left", with the entry's fields. */
    opset v = {0};
    add(&v, PROTO_KIND_VISIT, PROTO_ACTION_EXIT, 2, 1, 500, "exit_gate", "B");
    add(&v, PROTO_KIND_VISIT, PROTO_ACTION_CREATE, 1, 1, 1000, "name", "Wang");
    ASSERT_STR_EQ(fold(&v, &open), "left");
    ASSERT_EQ(open, 0);
    ASSERT(fold_state_field(&st, "name") != NULL);
    ASSERT_U64_EQ(st.creator, 2); /* first in fold order */
    ASSERT(fold_state_first(&st, PROTO_ACTION_CREATE) != NULL);
    ASSERT(fold_state_first(&st, PROTO_ACTION_REFUSE) == NULL);

    /* Exit alone (its entry not synced yet) already resolves. */
    opset e = {0};
    add(&e, PROTO_KIND_VEHICLE, PROTO_ACTION_EXIT, 2, 1, 500, NULL, NULL);
    ASSERT_STR_EQ(fold(&e, &open), "left");

    /* Equal stamps: the device id breaks the tie, so the input order the
     * store gives (device 1 before 2) decides, identically everywhere. */
    opset t = {0};
    add(&t, PROTO_KIND_UNIT, PROTO_ACTION_CREATE, 1, 1, 1000, "vacant", "yes");
    add(&t, PROTO_KIND_UNIT, PROTO_ACTION_SET, 2, 1, 1000, "vacant", "no");
    ASSERT_STR_EQ(fold(&t, &open), "active");
    f = fold_state_field(&st, "vacant");
    ASSERT(f && f->str_len == 2);
    add(&t, PROTO_KIND_UNIT, PROTO_ACTION_RETIRE, 1, 2, 2000, NULL, NULL);
    ASSERT_STR_EQ(fold(&t, &open), "retired");
    ASSERT_EQ(open, 0);

    /* Mixed entities or kinds, and descending stamps, are refused. */
    opset m = {0};
    add(&m, WO, PROTO_ACTION_CREATE, 1, 1, 1000, NULL, NULL);
    add(&m, PROTO_KIND_VISIT, PROTO_ACTION_EXIT, 1, 2, 2000, NULL, NULL);
    size_t len;
    fold_info info;
    ASSERT_ERR(store_fold(m.encs, m.lens, m.n, out, sizeof out, &len, &info),
               RND_EMALFORMED);
    opset d = {0};
    add(&d, WO, PROTO_ACTION_CREATE, 1, 2, 2000, NULL, NULL);
    add(&d, WO, PROTO_ACTION_CLOSE, 1, 1, 1000, NULL, NULL);
    ASSERT_ERR(store_fold(d.encs, d.lens, d.n, out, sizeof out, &len, &info),
               RND_EMALFORMED);
    /* A tiny output buffer is an error, not an overflow. */
    ASSERT_ERR(store_fold(a.encs, a.lens, a.n, out, 10, &len, &info),
               RND_ENOSPACE);
    /* Garbage state does not parse. */
    ASSERT(fold_state_parse((const uint8_t *)"\x93\x01", 2, &st) != 0);
    return 0;
}
