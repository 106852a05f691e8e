/* test_fold.c: the fold's per-kind rules on hand-made op sets: work orders
 * only move forward unless reopened, a visit's exit wins over its entry
 * whatever their stamps, fields are last-writer-wins by (hlc, device), the
 * state parses back to what went in, and concurrent writes (by their _seen
 * vectors) are kept as conflicts until an op that has seen them all. */
#include <string.h>

#include "../../storage/fold.h"
#include "test.h"

#define MAXOPS 24

typedef struct opset {
    uint8_t buf[MAXOPS][1024];
    const uint8_t *encs[MAXOPS];
    size_t lens[MAXOPS];
    size_t n;
} opset;

static const uint8_t entity[16] = {1, 2,  3,  4,  5,  6,  7,  8,
                                   9, 10, 11, 12, 13, 14, 15, 16};

/* Adds an op with an optional str field k=v and an optional _seen;
 * callers add in (hlc, device, seq) order as the store would. */
static void add_seen(opset *s, int kind, int action, uint64_t dev, uint64_t seq,
                     int64_t ms, const char *k, const char *v, const char *seen)
{
    proto_op op;
    proto_op_init(&op);
    if (seen)
        ASSERT_OK(proto_op_add_str(&op, FOLD_SEEN_FIELD, seen, strlen(seen)));
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

static void add(opset *s, int kind, int action, uint64_t dev, uint64_t seq,
                int64_t ms, const char *k, const char *v)
{
    add_seen(s, kind, action, dev, seq, ms, k, v, NULL);
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

/* The conflict recorded for field name in the last fold, or NULL. */
static const fold_conflict *conflict_of(const char *name)
{
    size_t n = strlen(name);
    for (uint32_t i = 0; i < st.nconflicts; i++)
        if (st.conflicts[i].field_len == n &&
            memcmp(st.conflicts[i].field, name, n) == 0)
            return &st.conflicts[i];
    return NULL;
}

static int cand_is(const fold_candidate *c, uint64_t dev, const char *v)
{
    return c->device_id == dev && c->value.type == PROTO_STR &&
           c->value.str_len == strlen(v) &&
           memcmp(c->value.str, v, c->value.str_len) == 0;
}

#define SEEN1 "0000000000000001:1" /* has seen device 1's create */

static void test_conflicts(void)
{
    const int WO = PROTO_KIND_WORKORDER;
    int open;
    size_t len;
    fold_info info;

    /* Devices 2 and 3 both dispatch having seen only the create: the
     * assignee is in conflict, with both heads, sorted by stamp; the merged
     * value stays last-writer-wins. */
    opset a = {0};
    add(&a, WO, PROTO_ACTION_CREATE, 1, 1, 1000, "place", "3-2-1201");
    add_seen(&a, WO, PROTO_ACTION_DISPATCH, 3, 1, 2000, "assignee", "zhao",
             SEEN1);
    add_seen(&a, WO, PROTO_ACTION_DISPATCH, 2, 1, 2500, "assignee", "zhang",
             SEEN1);
    ASSERT_STR_EQ(fold(&a, &open), "dispatched");
    ASSERT_EQ(st.nconflicts, 1);
    const fold_conflict *c = conflict_of("assignee");
    ASSERT(c != NULL);
    ASSERT_EQ(c->ncand, 2);
    ASSERT(cand_is(&c->cand[0], 3, "zhao"));
    ASSERT(cand_is(&c->cand[1], 2, "zhang"));
    ASSERT_U64_EQ(PROTO_HLC_MS(c->cand[0].hlc), 2000);
    ASSERT_U64_EQ(c->cand[1].seq, 1);
    ASSERT(c->cand[0].value.name_len == 8 &&
           memcmp(c->cand[0].value.name, "assignee", 8) == 0);
    const proto_field *f = fold_state_field(&st, "assignee");
    ASSERT(f && f->str_len == 5 && memcmp(f->str, "zhang", 5) == 0);
    /* The state stays canonical: "x" is the last key of ten. */
    ASSERT_OK(store_fold(a.encs, a.lens, a.n, out, sizeof out, &len, &info));
    ASSERT_EQ(out[0], 0x8a);

    /* Device 4 dispatches having seen the create and device 2's dispatch
     * only: 2's write is covered, 3's and 4's are the heads. */
    add_seen(&a, WO, PROTO_ACTION_DISPATCH, 4, 1, 3000, "assignee", "li",
             "0000000000000001:1,0000000000000002:1");
    fold(&a, &open);
    c = conflict_of("assignee");
    ASSERT(c != NULL);
    ASSERT_EQ(c->ncand, 2);
    ASSERT(cand_is(&c->cand[0], 3, "zhao"));
    ASSERT(cand_is(&c->cand[1], 4, "li"));

    /* The office (device 9) sets the field having seen every head: one
     * head, no conflict; a SET never moves a work order's status. */
    opset r = a;
    for (size_t i = 0; i < r.n; i++)
        r.encs[i] = r.buf[i];
    add_seen(&r, WO, PROTO_ACTION_SET, 9, 1, 4000, "assignee", "zhao",
             "0000000000000001:1,0000000000000002:1,0000000000000003:1,"
             "0000000000000004:1");
    ASSERT_STR_EQ(fold(&r, &open), "dispatched");
    ASSERT_EQ(st.nconflicts, 0);
    f = fold_state_field(&st, "assignee");
    ASSERT(f && f->str_len == 4 && memcmp(f->str, "zhao", 4) == 0);
    ASSERT_OK(store_fold(r.encs, r.lens, r.n, out, sizeof out, &len, &info));
    ASSERT_EQ(out[0], 0x89); /* no "x": encoded as before conflicts */

    /* A resolution that missed a head (device 4's) leaves two heads that
     * differ: the conflict stays. */
    opset m = a;
    for (size_t i = 0; i < m.n; i++)
        m.encs[i] = m.buf[i];
    add_seen(&m, WO, PROTO_ACTION_SET, 9, 1, 4000, "assignee", "zhao",
             "0000000000000001:1,0000000000000002:1,0000000000000003:1");
    fold(&m, &open);
    c = conflict_of("assignee");
    ASSERT(c && c->ncand == 2);
    ASSERT(cand_is(&c->cand[0], 4, "li"));
    ASSERT(cand_is(&c->cand[1], 9, "zhao"));

    /* Concurrent writes of the same value are no conflict. */
    opset same = {0};
    add(&same, WO, PROTO_ACTION_CREATE, 1, 1, 1000, NULL, NULL);
    add_seen(&same, WO, PROTO_ACTION_DISPATCH, 2, 1, 2000, "assignee", "zhao",
             SEEN1);
    add_seen(&same, WO, PROTO_ACTION_DISPATCH, 3, 1, 2100, "assignee", "zhao",
             SEEN1);
    fold(&same, &open);
    ASSERT_EQ(st.nconflicts, 0);

    /* Sequential writes (each saw the one before) are no conflict, and a
     * device's own later write covers its earlier one without any _seen. */
    opset seq = {0};
    add(&seq, WO, PROTO_ACTION_CREATE, 1, 1, 1000, "assignee", "a");
    add_seen(&seq, WO, PROTO_ACTION_DISPATCH, 2, 1, 2000, "assignee", "b",
             SEEN1);
    add_seen(&seq, WO, PROTO_ACTION_DISPATCH, 1, 2, 3000, "assignee", "c",
             "0000000000000001:1,0000000000000002:1");
    add(&seq, WO, PROTO_ACTION_DISPATCH, 1, 3, 4000, "assignee", "d");
    fold(&seq, &open);
    ASSERT_EQ(st.nconflicts, 0);
    /* ...but an op without _seen from another device has seen nothing. */
    add(&seq, WO, PROTO_ACTION_DISPATCH, 5, 1, 5000, "assignee", "e");
    fold(&seq, &open);
    c = conflict_of("assignee");
    ASSERT(c && c->ncand == 2);
    ASSERT(cand_is(&c->cand[0], 1, "d"));
    ASSERT(cand_is(&c->cand[1], 5, "e"));

    /* A visit's exits at two gates, each having seen only the entry: the
     * exit gate is in conflict, the visit is left either way. */
    opset v = {0};
    add(&v, PROTO_KIND_VISIT, PROTO_ACTION_CREATE, 1, 1, 1000, "gate", "A");
    add_seen(&v, PROTO_KIND_VISIT, PROTO_ACTION_EXIT, 2, 1, 2000, "exit_gate",
             "B", SEEN1);
    add_seen(&v, PROTO_KIND_VISIT, PROTO_ACTION_EXIT, 3, 1, 2000, "exit_gate",
             "C", SEEN1);
    ASSERT_STR_EQ(fold(&v, &open), "left");
    ASSERT(conflict_of("exit_gate") != NULL);
    ASSERT(conflict_of("gate") == NULL);

    /* A peer's op with seq 0 (never issued) has not thereby seen all of
     * its own device's ops, itself included: it stays a head. */
    opset z = {0};
    add(&z, WO, PROTO_ACTION_CREATE, 1, 1, 1000, NULL, NULL);
    add_seen(&z, WO, PROTO_ACTION_DISPATCH, 2, 0, 2000, "assignee", "a", SEEN1);
    add_seen(&z, WO, PROTO_ACTION_DISPATCH, 3, 1, 2100, "assignee", "b", SEEN1);
    fold(&z, &open);
    c = conflict_of("assignee");
    ASSERT(c && c->ncand == 2);
    ASSERT_U64_EQ(c->cand[0].seq, 0);
}

/* A _seen that breaks the contract reads as "seen nothing", so the write it
 * carries is concurrent with the one it claims to have seen. */
static void test_seen_malformed(void)
{
    static const char *const bad[] = {
        "000000000000000A:1",                    /* upper-case hex */
        "0000000000000001-1",                    /* no colon */
        "0000000000000001:",                     /* no seq */
        "0000000000000001:1,",                   /* trailing comma */
        "0000000000000001:1x",                   /* junk after the seq */
        "000000000000001:1",                     /* 15 hex digits */
        "0000000000000001:18446744073709551616", /* seq overflows */
        "0000000000000003:1,0000000000000001:1", /* devices descending */
        "0000000000000001:1,0000000000000001:2", /* a device twice */
        "0000000000000001:1,0000000000000002:1", /* claims to see itself */
        ",0000000000000001:1",                   /* leading comma */
    };
    const int U = PROTO_KIND_UNIT;
    int open;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        opset s = {0};
        add(&s, U, PROTO_ACTION_CREATE, 1, 1, 1000, "vacant", "yes");
        add_seen(&s, U, PROTO_ACTION_SET, 2, 1, 2000, "vacant", "no", bad[i]);
        fold(&s, &open);
        if (st.nconflicts != 1)
            TEST_FAIL_("_seen \"%s\" was not read as seen nothing", bad[i]);
    }
    /* The same ops with a well-formed _seen: no conflict. Leading zeros in
     * a seq are accepted and the largest seq parses. */
    static const char *const good[] = {
        "0000000000000001:1",
        "0000000000000001:0001",
        "0000000000000001:18446744073709551615",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        opset s = {0};
        add(&s, U, PROTO_ACTION_CREATE, 1, 1, 1000, "vacant", "yes");
        add_seen(&s, U, PROTO_ACTION_SET, 2, 1, 2000, "vacant", "no", good[i]);
        fold(&s, &open);
        ASSERT_EQ(st.nconflicts, 0);
    }

    /* Not a str, or longer than FOLD_SEEN_MAX: seen nothing, no crash. */
    static char big[FOLD_SEEN_MAX + 64];
    size_t n = 0;
    for (uint64_t d = 1; n + 20 < sizeof big; d++)
        n += (size_t)snprintf(big + n, sizeof big - n, "%s%016llx:1",
                              n ? "," : "", (unsigned long long)d);
    ASSERT(n > FOLD_SEEN_MAX);
    for (int kind = 0; kind < 2; kind++) {
        opset s = {0};
        proto_op op;
        add(&s, U, PROTO_ACTION_CREATE, 1, 1, 1000, "vacant", "yes");
        proto_op_init(&op);
        op.device_id = 2;
        op.seq = 1;
        op.hlc = PROTO_HLC_MAKE(2000, 0);
        op.kind = (uint8_t)U;
        op.action = PROTO_ACTION_SET;
        memcpy(op.entity, entity, 16);
        if (kind == 0)
            ASSERT_OK(proto_op_add_int(&op, FOLD_SEEN_FIELD, 7));
        else
            ASSERT_OK(proto_op_add_str(&op, FOLD_SEEN_FIELD, big, n));
        ASSERT_OK(proto_op_add_str(&op, "vacant", "no", 2));
        static uint8_t enc[4096];
        ASSERT_OK(proto_op_encode(&op, enc, sizeof enc, &s.lens[s.n]));
        s.encs[s.n++] = enc;
        fold(&s, &open);
        ASSERT_EQ(st.nconflicts, 1);
    }
}

/* At most FOLD_MAX_CANDIDATES heads (the latest) and FOLD_MAX_CONFLICTS
 * fields (by name) are kept, and conflicts never push a state past
 * FOLD_STATE_MAX. */
static void test_conflict_bounds(void)
{
    const int U = PROTO_KIND_UNIT;
    int open;
    char name[16], val[16];

    /* Twelve devices set one field concurrently. */
    opset s = {0};
    add(&s, U, PROTO_ACTION_CREATE, 1, 1, 1000, "vacant", "x");
    for (int d = 2; d <= 13; d++) {
        snprintf(val, sizeof val, "v%d", d);
        add_seen(&s, U, PROTO_ACTION_SET, (uint64_t)d, 1, 1000 + d, "vacant",
                 val, SEEN1);
    }
    fold(&s, &open);
    const fold_conflict *c = conflict_of("vacant");
    ASSERT(c && c->ncand == FOLD_MAX_CANDIDATES);
    ASSERT_U64_EQ(c->cand[0].device_id, 13 - FOLD_MAX_CANDIDATES + 1);
    ASSERT_U64_EQ(c->cand[FOLD_MAX_CANDIDATES - 1].device_id, 13);

    /* Ten devices each set twelve fields concurrently, with values of
     * 4,000 bytes: eight conflicts of eight 4,000-byte candidates would not
     * fit in FOLD_STATE_MAX, so only the first few by name are kept. */
    enum { NF = 12, VLEN = 4000, NDEV = 10 };
    static char vals[NDEV][VLEN];
    static char names[NF][8];
    static uint8_t bufs[NDEV + 1][NF * VLEN + 1024];
    const uint8_t *encs[NDEV + 1];
    size_t lens[NDEV + 1];
    for (int f = 0; f < NF; f++)
        snprintf(names[f], sizeof names[f], "f%02d", f);
    for (int d = 0; d <= NDEV; d++) {
        proto_op op;
        proto_op_init(&op);
        op.device_id = (uint64_t)d + 1;
        op.seq = 1;
        op.hlc = PROTO_HLC_MAKE(1000 + d, 0);
        op.kind = (uint8_t)U;
        op.action = d ? PROTO_ACTION_SET : PROTO_ACTION_CREATE;
        memcpy(op.entity, entity, 16);
        if (d) {
            memset(vals[d - 1], 'a' + d, VLEN);
            ASSERT_OK(
                proto_op_add_str(&op, FOLD_SEEN_FIELD, SEEN1, strlen(SEEN1)));
            for (int f = 0; f < NF; f++)
                ASSERT_OK(proto_op_add_str(&op, names[f], vals[d - 1], VLEN));
        }
        ASSERT_OK(proto_op_encode(&op, bufs[d], sizeof bufs[d], &lens[d]));
        encs[d] = bufs[d];
    }
    size_t len;
    fold_info info;
    ASSERT_OK(store_fold(encs, lens, NDEV + 1, out, sizeof out, &len, &info));
    ASSERT(len <= FOLD_STATE_MAX);
    ASSERT_OK(fold_state_parse(out, len, &st));
    ASSERT(st.nconflicts >= 1 && st.nconflicts < FOLD_MAX_CONFLICTS);
    for (uint32_t i = 0; i < st.nconflicts; i++) {
        snprintf(name, sizeof name, "f%02u", i);
        ASSERT(conflict_of(name) != NULL);
        ASSERT_EQ(st.conflicts[i].ncand, FOLD_MAX_CANDIDATES);
    }
    /* Small values: all FOLD_MAX_CONFLICTS fit, the first by name. */
    for (int d = 1; d <= NDEV; d++) {
        proto_op op;
        ASSERT_OK(proto_op_decode(bufs[d], lens[d], &op));
        for (uint32_t f = 0; f < op.nfields; f++)
            if (op.fields[f].type == PROTO_STR && op.fields[f].str_len == VLEN)
                op.fields[f].str_len = 8;
        static uint8_t enc[NF * VLEN + 1024];
        ASSERT_OK(proto_op_encode(&op, enc, sizeof enc, &lens[d]));
        memcpy(bufs[d], enc, lens[d]);
    }
    ASSERT_OK(store_fold(encs, lens, NDEV + 1, out, sizeof out, &len, &info));
    ASSERT_OK(fold_state_parse(out, len, &st));
    ASSERT_EQ(st.nconflicts, FOLD_MAX_CONFLICTS);
    ASSERT(conflict_of("f07") != NULL && conflict_of("f08") == NULL);
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
    /* Garbage state does not parse, nor a conflict list of the wrong
     * shape. */
    ASSERT(fold_state_parse((const uint8_t *)"\x93\x01", 2, &st) != 0);
    ASSERT(fold_state_parse((const uint8_t *)"\x81\xa1x\x05", 4, &st) != 0);
    /* {"x": [["a", [[1, 2, 3]]]]}: a candidate of three elements. */
    static const uint8_t bad_cand[] = {0x81, 0xa1, 'x',  0x91, 0x92, 0xa1,
                                       'a',  0x91, 0x93, 1,    2,    3};
    ASSERT_ERR(fold_state_parse(bad_cand, sizeof bad_cand, &st), RND_ETYPE);

    test_conflicts();
    test_seen_malformed();
    test_conflict_bounds();
    return 0;
}
