/* test_merge_scenarios.c: the merge scenarios issue #4 names, each through
 * real stores: devices write with store_append_local (carrying _seen as the
 * handheld does), exchange ops with store_ingest, and every replica, in
 * whatever order it got the ops, must show the same merged state.
 *
 * Usage: test_merge_scenarios [NAME]; CTest runs each scenario as its own
 * entry (test_merge_<name>). Names: late_status, cross_gate, exit_first,
 * assignment_conflict, skewed_clock, reopen_order, future_stamp,
 * key_back_first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mergetest.h"
#include "test.h"

#define HOUR_MS (3600 * 1000LL)
#define T0 1795860000000LL /* 2026-11-28T10:00:00Z */

typedef struct device {
    store *s;
    uint64_t id;
    int64_t skew; /* how far its wall clock is off, ms */
    const char *user;
} device;

static char *dir;
static int64_t now = T0; /* true time; each write moves it on a second */
static int nstores;

static device dev_new(uint64_t id, int64_t skew, const char *user)
{
    char name[32];
    snprintf(name, sizeof name, "dev%d", nstores++);
    device d = {mt_open(dir, name, id), id, skew, user};
    return d;
}

static store *replica_new(void)
{
    char name[32];
    snprintf(name, sizeof name, "replica%d", nstores++);
    return mt_open(dir, name, 0xfeed0000u + (uint64_t)nstores);
}

/* An op on entity id by d; the caller adds fields. with_seen as the
 * handheld: every op but a create. */
static mt_op op_new(const uint8_t id[PROTO_ENTITY_LEN], int kind, int action)
{
    mt_op op = {0};
    op.kind = (uint8_t)kind;
    op.action = (uint8_t)action;
    op.with_seen = action != PROTO_ACTION_CREATE;
    memcpy(op.entity, id, PROTO_ENTITY_LEN);
    return op;
}

static uint64_t put(device *d, mt_op *op)
{
    uint64_t seq;
    now += 1000;
    ASSERT_OK(mt_write(d->s, op, now + d->skew, &seq));
    return seq;
}

/* One op of d's log, by seq, as a one-op list to ingest elsewhere. */
typedef struct oplist {
    uint8_t **encs;
    size_t *lens;
    size_t n;
} oplist;

static oplist ops_of(device *d, uint64_t from)
{
    oplist l;
    l.n = mt_ops_of(d->s, d->id, from, &l.encs, &l.lens);
    return l;
}

static void give(store *s, oplist l)
{
    ASSERT_OK(
        mt_ingest(s, (const uint8_t *const *)l.encs, l.lens, l.n, now, NULL));
}

/* dst ingests everything src wrote. */
static void sync_from(device *dst, device *src)
{
    oplist l = ops_of(src, 1);
    give(dst->s, l);
    mt_free_ops(l.encs, l.lens, l.n);
}

/* A fresh replica that ingests the ops of devs[0], then devs[1], ...;
 * reversed when backwards, one op per transaction. */
static store *replica_of(device **devs, int n, int backwards)
{
    store *s = replica_new();
    for (int k = 0; k < n; k++) {
        device *d = devs[backwards ? n - 1 - k : k];
        oplist l = ops_of(d, 1);
        for (size_t i = 0; i < l.n; i++) {
            size_t j = backwards ? l.n - 1 - i : i;
            ASSERT_OK(mt_ingest(s, (const uint8_t *const *)&l.encs[j],
                                &l.lens[j], 1, now, NULL));
        }
        mt_free_ops(l.encs, l.lens, l.n);
    }
    return s;
}

static void same_digest(store *a, store *b)
{
    uint8_t x[32], y[32];
    mt_digest(a, x, NULL);
    mt_digest(b, y, NULL);
    if (memcmp(x, y, 32) != 0) {
        mt_diff(a, b);
        mt_diff(b, a);
        TEST_FAIL_("digests differ");
    }
}

static uint8_t statebuf[FOLD_STATE_MAX];
static fold_state st;

/* Reads id's merged state in s into st. */
static fold_state *state(store *s, const uint8_t id[PROTO_ENTITY_LEN])
{
    ASSERT_OK(mt_state(s, id, statebuf, sizeof statebuf, &st));
    return &st;
}

static int is_open(store *s, int kind, const uint8_t id[PROTO_ENTITY_LEN]);

static const fold_conflict *conflict(const fold_state *f, const char *name)
{
    size_t n = strlen(name);
    for (uint32_t i = 0; i < f->nconflicts; i++)
        if (f->conflicts[i].field_len == n &&
            memcmp(f->conflicts[i].field, name, n) == 0)
            return &f->conflicts[i];
    return NULL;
}

static int str_is(const proto_field *f, const char *v)
{
    return f && f->type == PROTO_STR && f->str_len == strlen(v) &&
           memcmp(f->str, v, f->str_len) == 0;
}

static void new_id(uint8_t id[PROTO_ENTITY_LEN])
{
    ASSERT_OK(proto_entity_new(id, now));
}

typedef struct open_ctx {
    const uint8_t *id;
    int found;
} open_ctx;

static int open_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                   const uint8_t *state_, size_t len, void *arg)
{
    open_ctx *c = arg;
    if (memcmp(id, c->id, PROTO_ENTITY_LEN) == 0)
        c->found = 1;
    return 0;
}

/* Whether id is in s's "open" index (visitors inside, orders not closed). */
static int is_open(store *s, int kind, const uint8_t id[PROTO_ENTITY_LEN])
{
    store_txn *t;
    open_ctx c = {id, 0};
    ASSERT_OK(store_read_begin(s, &t));
    ASSERT_OK(store_entities_each(t, kind, 1, open_cb, &c));
    store_read_end(t);
    return c.found;
}

static mt_op wo_create(const uint8_t id[PROTO_ENTITY_LEN], const char *by)
{
    mt_op op = op_new(id, PROTO_KIND_WORKORDER, PROTO_ACTION_CREATE);
    mt_str(&op, "place", "3-2-1201");
    mt_str(&op, "category", "plumbing");
    mt_str(&op, "description", "leak under the sink");
    mt_str(&op, "by", by);
    return op;
}

static mt_op wo_step(const uint8_t id[PROTO_ENTITY_LEN], int action,
                     const char *by_field, const char *by)
{
    mt_op op = op_new(id, PROTO_KIND_WORKORDER, action);
    if (by_field)
        mt_str(&op, by_field, by);
    return op;
}

static void put_dispatch(device *d, const uint8_t id[PROTO_ENTITY_LEN],
                         const char *assignee)
{
    mt_op op = wo_step(id, PROTO_ACTION_DISPATCH, "dispatch_by", d->user);
    mt_str(&op, "assignee", assignee);
    put(d, &op);
}

static void put_complete(device *d, const uint8_t id[PROTO_ENTITY_LEN])
{
    mt_op op = wo_step(id, PROTO_ACTION_COMPLETE, "complete_by", d->user);
    mt_str(&op, "signature", "Wang");
    mt_int(&op, "labour_min", 40);
    put(d, &op);
}

/* ---- scenarios ----------------------------------------------------------- */

/* A completed order is not undone by an older dispatch arriving later, nor
 * by a dispatch stamped later by a device that had not seen the
 * completion. */
static void late_status(void)
{
    uint8_t wo[PROTO_ENTITY_LEN];
    device a = dev_new(0xa, 0, "butler-a");
    device b = dev_new(0xb, 0, "tech-b");
    device c = dev_new(0xc, -HOUR_MS, "butler-c"); /* an hour slow */
    device d = dev_new(0xd, HOUR_MS, "butler-d");  /* an hour fast */
    new_id(wo);
    mt_op op = wo_create(wo, a.user);
    put(&a, &op);
    sync_from(&b, &a);
    sync_from(&c, &a);
    sync_from(&d, &a);
    /* c, offline, dispatches first; b then does the whole job. */
    put_dispatch(&c, wo, "zhao");
    put_dispatch(&b, wo, "zhang");
    op = wo_step(wo, PROTO_ACTION_ARRIVE, "arrive_by", b.user);
    put(&b, &op);
    put_complete(&b, wo);
    /* d, an hour fast and unaware of b's work, dispatches: its stamp is
     * after the completion. */
    put_dispatch(&d, wo, "li");

    device *all[] = {&a, &b, &c, &d};
    store *fwd = replica_of(all, 4, 0), *back = replica_of(all, 4, 1);
    ASSERT_STR_EQ(state(fwd, wo)->status, "completed");
    ASSERT(state(fwd, wo)->events[st.nevents - 1].device_id == d.id);
    ASSERT_STR_EQ(state(back, wo)->status, "completed");
    ASSERT(is_open(back, PROTO_KIND_WORKORDER, wo));
    same_digest(fwd, back);
    /* c's stale dispatch reaches b (which completed) last: still done. */
    sync_from(&b, &d);
    sync_from(&b, &c);
    ASSERT_STR_EQ(state(b.s, wo)->status, "completed");
    same_digest(fwd, b.s);
    /* The three dispatches had seen only the create: the assignee is a
     * conflict, whatever the status did. */
    const fold_conflict *k = conflict(state(b.s, wo), "assignee");
    ASSERT(k != NULL);
    ASSERT_EQ(k->ncand, 3);
    store_close(fwd);
    store_close(back);
    store_close(a.s);
    store_close(b.s);
    store_close(c.s);
    store_close(d.s);
}

/* A visitor let in at gate A and out at gate B (another handheld) is one
 * visit, left, with the entry's and the exit's fields. */
static void cross_gate(void)
{
    uint8_t v[PROTO_ENTITY_LEN];
    device a = dev_new(0xa, 0, "guard-a");
    device b = dev_new(0xb, 0, "guard-b");
    new_id(v);
    mt_op op = op_new(v, PROTO_KIND_VISIT, PROTO_ACTION_CREATE);
    mt_str(&op, "name", "Wang Wei");
    mt_str(&op, "unit", "3-2-1201");
    mt_str(&op, "gate", "A");
    mt_str(&op, "by", a.user);
    put(&a, &op);
    ASSERT(is_open(a.s, PROTO_KIND_VISIT, v));
    sync_from(&b, &a);
    op = op_new(v, PROTO_KIND_VISIT, PROTO_ACTION_EXIT);
    mt_str(&op, "exit_gate", "B");
    mt_str(&op, "exit_by", b.user);
    put(&b, &op);
    sync_from(&a, &b);

    device *all[] = {&a, &b};
    store *r = replica_of(all, 2, 1);
    store *stores[] = {a.s, b.s, r};
    for (int i = 0; i < 3; i++) {
        fold_state *f = state(stores[i], v);
        ASSERT_STR_EQ(f->status, "left");
        ASSERT_EQ(f->nevents, 2);
        ASSERT_EQ(f->nconflicts, 0);
        ASSERT(str_is(fold_state_field(f, "gate"), "A"));
        ASSERT(str_is(fold_state_field(f, "exit_gate"), "B"));
        ASSERT(str_is(fold_state_field(f, "name"), "Wang Wei"));
        ASSERT_U64_EQ(f->creator, a.id);
        ASSERT(!is_open(stores[i], PROTO_KIND_VISIT, v));
    }
    uint64_t n;
    uint8_t dg[32];
    mt_digest(r, dg, &n);
    ASSERT_EQ(n, 1); /* one visit, not two */
    same_digest(a.s, b.s);
    same_digest(a.s, r);
    store_close(r);
    store_close(a.s);
    store_close(b.s);
}

/* A replica that gets the exit before the entry (b synced first) already
 * shows the visit left; when the entry arrives it is still left, now with
 * the entry's fields, and equal to a replica that got them in order. */
static void exit_first(void)
{
    uint8_t v[PROTO_ENTITY_LEN];
    device a = dev_new(0xa, 0, "guard-a");
    device b = dev_new(0xb, 0, "guard-b");
    new_id(v);
    mt_op op = op_new(v, PROTO_KIND_VEHICLE, PROTO_ACTION_CREATE);
    mt_str(&op, "plate", "A12345");
    mt_str(&op, "gate", "A");
    put(&a, &op);
    sync_from(&b, &a);
    op = op_new(v, PROTO_KIND_VEHICLE, PROTO_ACTION_EXIT);
    mt_str(&op, "exit_gate", "B");
    put(&b, &op);

    store *r = replica_new();
    oplist exit = ops_of(&b, 1), entry = ops_of(&a, 1);
    give(r, exit);
    fold_state *f = state(r, v);
    ASSERT_STR_EQ(f->status, "left");
    ASSERT(fold_state_field(f, "plate") == NULL);
    ASSERT(str_is(fold_state_field(f, "exit_gate"), "B"));
    ASSERT(!is_open(r, PROTO_KIND_VEHICLE, v));
    give(r, entry);
    f = state(r, v);
    ASSERT_STR_EQ(f->status, "left");
    ASSERT(str_is(fold_state_field(f, "plate"), "A12345"));
    ASSERT(str_is(fold_state_field(f, "gate"), "A"));
    ASSERT_EQ(f->nevents, 2);
    ASSERT_EQ(f->events[0].action, PROTO_ACTION_CREATE);
    ASSERT(!is_open(r, PROTO_KIND_VEHICLE, v));

    store *inorder = replica_new();
    give(inorder, entry);
    ASSERT(is_open(inorder, PROTO_KIND_VEHICLE, v));
    give(inorder, exit);
    same_digest(r, inorder);
    mt_free_ops(exit.encs, exit.lens, exit.n);
    mt_free_ops(entry.encs, entry.lens, entry.n);
    store_close(r);
    store_close(inorder);
    store_close(a.s);
    store_close(b.s);
}

/* Two butlers dispatch different technicians having seen the same create:
 * a conflict on "assignee" with both candidates on every replica. A third
 * dispatch that had seen only one of them keeps it (two heads still
 * disagree). The office's set, having seen every head, resolves it
 * everywhere, and never moves the order's status. */
static void assignment_conflict(void)
{
    uint8_t wo[PROTO_ENTITY_LEN];
    device a = dev_new(0xa, 0, "resident-desk");
    device b = dev_new(0xb, 0, "butler-b");
    device c = dev_new(0xc, 0, "butler-c");
    device d = dev_new(0xd, 0, "butler-d");
    device office = dev_new(0x0ff1ce, 0, "office");
    new_id(wo);
    mt_op op = wo_create(wo, a.user);
    put(&a, &op);
    sync_from(&b, &a);
    sync_from(&c, &a);
    put_dispatch(&b, wo, "zhang");
    put_dispatch(&c, wo, "li");

    device *bc[] = {&a, &b, &c};
    store *r1 = replica_of(bc, 3, 0), *r2 = replica_of(bc, 3, 1);
    store *reps[] = {r1, r2};
    for (int i = 0; i < 2; i++) {
        fold_state *f = state(reps[i], wo);
        ASSERT_STR_EQ(f->status, "dispatched");
        const fold_conflict *k = conflict(f, "assignee");
        ASSERT(k != NULL);
        ASSERT_EQ(k->ncand, 2);
        /* b wrote first: candidates are in (hlc, device, seq) order. */
        ASSERT_U64_EQ(k->cand[0].device_id, b.id);
        ASSERT(str_is(&k->cand[0].value, "zhang"));
        ASSERT_U64_EQ(k->cand[1].device_id, c.id);
        ASSERT(str_is(&k->cand[1].value, "li"));
        ASSERT(k->cand[0].hlc < k->cand[1].hlc);
        /* The field keeps the last writer's value meanwhile. */
        ASSERT(str_is(fold_state_field(f, "assignee"), "li"));
        /* Who dispatched differs too, but attribution is never a
         * conflict (fold.h): only the assignee is. */
        ASSERT(conflict(f, "dispatch_by") == NULL);
        ASSERT_EQ(f->nconflicts, 1);
    }
    same_digest(r1, r2);

    /* d saw the create and b's dispatch only, and dispatches wang: b's
     * write is covered, c's and d's disagree. */
    sync_from(&d, &a);
    sync_from(&d, &b);
    put_dispatch(&d, wo, "wang");
    device *bcd[] = {&a, &b, &c, &d};
    store *r3 = replica_of(bcd, 4, 1);
    const fold_conflict *k = conflict(state(r3, wo), "assignee");
    ASSERT(k != NULL);
    ASSERT_EQ(k->ncand, 2);
    ASSERT_U64_EQ(k->cand[0].device_id, c.id);
    ASSERT_U64_EQ(k->cand[1].device_id, d.id);
    ASSERT(str_is(&k->cand[1].value, "wang"));

    /* The office holds everything and sets the assignee; its _seen covers
     * every head. */
    for (int i = 0; i < 4; i++)
        sync_from(&office, bcd[i]);
    ASSERT(conflict(state(office.s, wo), "assignee") != NULL);
    op = op_new(wo, PROTO_KIND_WORKORDER, PROTO_ACTION_SET);
    mt_str(&op, "assignee", "li");
    put(&office, &op);
    device *every[] = {&a, &b, &c, &d, &office};
    store *r4 = replica_of(every, 5, 0), *r5 = replica_of(every, 5, 1);
    for (int i = 0; i < 4; i++)
        sync_from(bcd[i], &office);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            if (i != j)
                sync_from(bcd[i], bcd[j]);
    store *after[] = {r4, r5, a.s, b.s, c.s, d.s};
    for (int i = 0; i < 6; i++) {
        fold_state *f = state(after[i], wo);
        ASSERT(conflict(f, "assignee") == NULL);
        ASSERT(str_is(fold_state_field(f, "assignee"), "li"));
        ASSERT_STR_EQ(f->status, "dispatched");
        /* The office set only the assignee, and nothing is left: who
         * dispatched (c and d disagree) is attribution, never a conflict. */
        ASSERT_EQ(f->nconflicts, 0);
        same_digest(r4, after[i]);
    }
    /* A set never moves a work order's status, even one written without
     * any dispatch before it. */
    uint8_t wo2[PROTO_ENTITY_LEN];
    new_id(wo2);
    op = wo_create(wo2, a.user);
    put(&a, &op);
    sync_from(&office, &a);
    op = op_new(wo2, PROTO_KIND_WORKORDER, PROTO_ACTION_SET);
    mt_str(&op, "assignee", "zhao");
    put(&office, &op);
    ASSERT_STR_EQ(state(office.s, wo2)->status, "reported");

    store *rs[] = {r1, r2, r3, r4, r5};
    for (int i = 0; i < 5; i++)
        store_close(rs[i]);
    for (int i = 0; i < 5; i++)
        store_close(every[i]->s);
}

/* A handheld whose clock is 6 hours slow still orders its own ops, and
 * its ops do not reorder anyone else's: its exit of a visit entered
 * elsewhere closes the visit, its create precedes its dispatch, and a
 * correct device's own create -> dispatch -> arrive keeps its order. */
static void skewed_clock(void)
{
    uint8_t v[PROTO_ENTITY_LEN], mine[PROTO_ENTITY_LEN],
        theirs[PROTO_ENTITY_LEN];
    device a = dev_new(0xa, 0, "guard-a");
    device s = dev_new(0x5, -6 * HOUR_MS, "guard-slow");
    device f = dev_new(0xf, 6 * HOUR_MS, "guard-fast");

    /* s, never synced, records a work order and dispatches it: both
     * stamped 6 hours in the past, in their own order. */
    new_id(mine);
    mt_op op = wo_create(mine, s.user);
    put(&s, &op);
    put_dispatch(&s, mine, "zhang");

    /* a, on time, lets a visitor in and files its own work order. */
    new_id(v);
    op = op_new(v, PROTO_KIND_VISIT, PROTO_ACTION_CREATE);
    mt_str(&op, "name", "Li Na");
    mt_str(&op, "gate", "A");
    put(&a, &op);
    new_id(theirs);
    op = wo_create(theirs, a.user);
    put(&a, &op);
    put_dispatch(&a, theirs, "li");
    op = wo_step(theirs, PROTO_ACTION_ARRIVE, "arrive_by", a.user);
    put(&a, &op);

    /* s syncs (its clock is still 6 hours slow) and lets the visitor
     * out. */
    sync_from(&s, &a);
    op = op_new(v, PROTO_KIND_VISIT, PROTO_ACTION_EXIT);
    mt_str(&op, "exit_gate", "C");
    put(&s, &op);
    /* f, 6 hours fast, syncs and completes a's order. */
    sync_from(&f, &a);
    sync_from(&f, &s);
    put_complete(&f, theirs);

    device *all[] = {&a, &s, &f};
    store *r1 = replica_of(all, 3, 0), *r2 = replica_of(all, 3, 1);
    same_digest(r1, r2);

    fold_state *st_ = state(r1, v);
    ASSERT_STR_EQ(st_->status, "left");
    ASSERT_EQ(st_->nevents, 2);
    ASSERT_EQ(st_->events[0].action, PROTO_ACTION_CREATE);
    ASSERT_EQ(st_->events[1].action, PROTO_ACTION_EXIT);
    /* The exit's wall time shows the slow clock; its stamp does not. */
    ASSERT_LT(st_->events[1].wall_ms, st_->events[0].wall_ms);
    ASSERT(st_->events[1].hlc > st_->events[0].hlc);

    st_ = state(r1, mine);
    ASSERT_STR_EQ(st_->status, "dispatched");
    ASSERT_EQ(st_->events[0].action, PROTO_ACTION_CREATE);
    ASSERT_EQ(st_->events[1].action, PROTO_ACTION_DISPATCH);
    ASSERT_LT(PROTO_HLC_MS(st_->events[1].hlc), T0);

    st_ = state(r1, theirs);
    ASSERT_STR_EQ(st_->status, "completed");
    ASSERT_EQ(st_->nevents, 4);
    static const int want[] = {PROTO_ACTION_CREATE, PROTO_ACTION_DISPATCH,
                               PROTO_ACTION_ARRIVE, PROTO_ACTION_COMPLETE};
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(st_->events[i].action, want[i]);
    ASSERT_EQ(st_->nconflicts, 0);

    /* a syncs f's ops and is not pulled forward: f's stamps are past a's
     * time plus the maximum offset (store_set_clock_bound), so a's next op
     * is stamped by a's own clock and sorts before f's completion; the
     * status machine still ends called_back (forward moves are monotone),
     * and causality, not the stamps, decides a's fields over f's. */
    sync_from(&a, &f);
    op = wo_step(theirs, PROTO_ACTION_CALLBACK, "callback_by", a.user);
    mt_str(&op, "satisfaction", "satisfied");
    put(&a, &op);
    device *again[] = {&f, &s, &a};
    store *r3 = replica_of(again, 3, 1);
    st_ = state(r3, theirs);
    ASSERT_STR_EQ(st_->status, "called_back");
    ASSERT_EQ(st_->events[3].device_id, a.id);
    ASSERT_EQ(st_->events[3].action, PROTO_ACTION_CALLBACK);
    ASSERT_EQ(st_->events[4].device_id, f.id);
    ASSERT_LT(PROTO_HLC_MS(st_->events[3].hlc), now + HOUR_MS);
    store_close(r1);
    store_close(r2);
    store_close(r3);
    store_close(a.s);
    store_close(s.s);
    store_close(f.s);
}

/* A reopen is ordered like any op: a stale complete stamped before the
 * reopen does not re-complete the order; one stamped after does; an
 * unsatisfied callback reopens too. */
static void reopen_order(void)
{
    uint8_t wo[PROTO_ENTITY_LEN];
    device a = dev_new(0xa, 0, "butler-a");
    device b = dev_new(0xb, 0, "butler-b");
    device c = dev_new(0xc, -2 * HOUR_MS, "tech-c"); /* 2 hours slow */
    device d = dev_new(0xd, 0, "tech-d");
    new_id(wo);
    mt_op op = wo_create(wo, a.user);
    put(&a, &op);
    put_dispatch(&a, wo, "zhang");
    op = wo_step(wo, PROTO_ACTION_ARRIVE, "arrive_by", a.user);
    put(&a, &op);
    /* c and d get the order as far as "arrived". */
    sync_from(&c, &a);
    sync_from(&d, &a);
    put_complete(&a, wo);
    op = wo_step(wo, PROTO_ACTION_CALLBACK, "callback_by", a.user);
    mt_str(&op, "satisfaction", "satisfied");
    put(&a, &op);
    op = wo_step(wo, PROTO_ACTION_CLOSE, "close_by", a.user);
    put(&a, &op);
    sync_from(&b, &a);
    op = wo_step(wo, PROTO_ACTION_REOPEN, "reopen_by", b.user);
    mt_str(&op, "reopen_reason", "leaking again");
    put(&b, &op);
    /* c completes offline: its stamp is just past what it had seen, long
     * before the reopen. */
    put_complete(&c, wo);

    device *abc[] = {&a, &b, &c};
    store *r1 = replica_of(abc, 3, 0), *r2 = replica_of(abc, 3, 1);
    fold_state *f = state(r1, wo);
    ASSERT_STR_EQ(f->status, "reopened");
    ASSERT_EQ(f->reopen_count, 1);
    ASSERT(is_open(r1, PROTO_KIND_WORKORDER, wo));
    same_digest(r1, r2);

    /* d completes after the reopen (it had not seen it, but its stamp is
     * later): the order goes round again to completed. */
    put_complete(&d, wo);
    device *abcd[] = {&a, &b, &c, &d};
    store *r3 = replica_of(abcd, 4, 1);
    ASSERT_STR_EQ(state(r3, wo)->status, "completed");
    ASSERT_EQ(st.reopen_count, 1);
    /* An unsatisfied callback after that reopens it a second time. */
    sync_from(&a, &b);
    sync_from(&a, &c);
    sync_from(&a, &d);
    op = wo_step(wo, PROTO_ACTION_CALLBACK, "callback_by", a.user);
    mt_str(&op, "satisfaction", "unsatisfied");
    put(&a, &op);
    store *r4 = replica_of(abcd, 4, 0), *r5 = replica_of(abcd, 4, 1);
    ASSERT_STR_EQ(state(r4, wo)->status, "reopened");
    ASSERT_EQ(st.reopen_count, 2);
    same_digest(r4, r5);
    store *rs[] = {r1, r2, r3, r4, r5};
    for (int i = 0; i < 5; i++)
        store_close(rs[i]);
    for (int i = 0; i < 4; i++)
        store_close(abcd[i]->s);
}

/* Causality before clocks: a rogue device pushes a dispatch stamped
 * 2^64-1 (and one ten years ahead on another order); a butler who synced
 * it dispatches again, stamped by its own (bounded) clock far below. The
 * later write saw the rogue one, so it wins on every replica, attribution
 * included, with no conflict shown; and b's store did not let the rogue
 * stamps drag its clock. */
static void future_stamp(void)
{
    static const uint64_t stamps[2] = {
        UINT64_MAX, PROTO_HLC_MAKE(T0 + 10 * 365 * 24 * HOUR_MS, 0)};
    device a = dev_new(0xa, 0, "butler-a");
    device b = dev_new(0xb, 0, "butler-b");
    uint8_t wo[2][PROTO_ENTITY_LEN];
    uint8_t enc[2][PROTO_OP_MAX_BYTES];
    size_t len[2];
    uint8_t prev[PROTO_HASH_LEN] = {0};
    for (int k = 0; k < 2; k++) {
        new_id(wo[k]);
        mt_op op = wo_create(wo[k], a.user);
        put(&a, &op);
        /* The rogue device 0xe's op, made by hand: no store would stamp
         * it so. Its _seen covers a's create. */
        static proto_op r;
        proto_op_init(&r);
        r.device_id = 0xe;
        r.seq = (uint64_t)k + 1;
        r.hlc = stamps[k];
        r.wall_ms = now;
        r.kind = PROTO_KIND_WORKORDER;
        memcpy(r.entity, wo[k], PROTO_ENTITY_LEN);
        r.action = PROTO_ACTION_DISPATCH;
        memcpy(r.prev_hash, prev, PROTO_HASH_LEN);
        char seen[40];
        snprintf(seen, sizeof seen, "%016llx:%d", (unsigned long long)a.id,
                 2 * k + 1);
        ASSERT_OK(proto_op_add_str(&r, "_seen", seen, strlen(seen)));
        ASSERT_OK(proto_op_add_str(&r, "assignee", "rogue", 5));
        ASSERT_OK(proto_op_add_str(&r, "dispatch_by", "nobody", 6));
        ASSERT_OK(proto_op_encode(&r, enc[k], sizeof enc[k], &len[k]));
        proto_op_hash(enc[k], len[k], prev);
    }
    device e = dev_new(0xe, 0, "rogue");
    const uint8_t *ep[2] = {enc[0], enc[1]};
    ASSERT_OK(mt_ingest(e.s, ep, len, 2, now, NULL));
    sync_from(&b, &a);
    sync_from(&b, &e);
    for (int k = 0; k < 2; k++) {
        ASSERT(
            str_is(fold_state_field(state(b.s, wo[k]), "assignee"), "rogue"));
        put_dispatch(&b, wo[k], "zhang");
    }
    /* The bounded clock: b's stamps stayed by its wall clock. */
    store_txn *t;
    store_identity id;
    ASSERT_OK(store_read_begin(b.s, &t));
    ASSERT_OK(store_identity_get(t, &id));
    store_read_end(t);
    ASSERT(PROTO_HLC_MS(id.hlc) <= now + STORE_MAX_OFFSET_DEFAULT_MS);
    ASSERT(PROTO_HLC_MS(id.hlc) >= now - 60 * 1000);
    device *abe[] = {&a, &b, &e};
    store *r1 = replica_of(abe, 3, 0), *r2 = replica_of(abe, 3, 1);
    store *rs[] = {b.s, r1, r2};
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 2; k++) {
            fold_state *f = state(rs[i], wo[k]);
            ASSERT(str_is(fold_state_field(f, "assignee"), "zhang"));
            ASSERT(str_is(fold_state_field(f, "dispatch_by"), "butler-b"));
            ASSERT_EQ(f->nconflicts, 0);
            ASSERT_STR_EQ(f->status, "dispatched");
        }
    }
    same_digest(r1, r2);
    same_digest(b.s, r1);
    store_close(r1);
    store_close(r2);
    store_close(a.s);
    store_close(b.s);
    store_close(e.s);
}

/* Owners' keys and lost and found (the registers): a key taken out on a
 * and brought back on b, the return synced first, is "back" and not open;
 * a found item returned on a while b disposes of it, offline, is
 * "returned" on every replica in either order. */
static void key_back_first(void)
{
    uint8_t k[PROTO_ENTITY_LEN], l[PROTO_ENTITY_LEN];
    device a = dev_new(0xa, 0, "guard-a");
    device b = dev_new(0xb, 0, "guard-b");
    new_id(k);
    new_id(l);
    mt_op op = op_new(k, PROTO_KIND_OWNERKEY, PROTO_ACTION_CREATE);
    mt_str(&op, "unit", "3-2-1201");
    mt_str(&op, "key_label", "front door");
    mt_str(&op, "to", "Li");
    mt_str(&op, "signature", "Li");
    put(&a, &op);
    op = op_new(l, PROTO_KIND_LOSTFOUND, PROTO_ACTION_CREATE);
    mt_str(&op, "item", "wallet");
    mt_str(&op, "place", "lobby");
    put(&a, &op);
    sync_from(&b, &a);
    op = op_new(k, PROTO_KIND_OWNERKEY, PROTO_ACTION_RETURN);
    mt_str(&op, "back_signature", "Li");
    put(&b, &op);
    op = op_new(l, PROTO_KIND_LOSTFOUND, PROTO_ACTION_DISPOSE);
    mt_str(&op, "dispose_reason", "unclaimed");
    put(&b, &op);
    op = op_new(l, PROTO_KIND_LOSTFOUND, PROTO_ACTION_RETURN);
    mt_str(&op, "claimant", "Sun");
    mt_str(&op, "return_signature", "Sun");
    put(&a, &op);

    store *r = replica_new();
    oplist back = ops_of(&b, 1);
    give(r, back);
    fold_state *f = state(r, k);
    ASSERT_STR_EQ(f->status, "back");
    ASSERT(!is_open(r, PROTO_KIND_OWNERKEY, k));
    ASSERT_STR_EQ(state(r, l)->status, "disposed");
    oplist out = ops_of(&a, 1);
    give(r, out);
    f = state(r, k);
    ASSERT_STR_EQ(f->status, "back");
    ASSERT(str_is(fold_state_field(f, "signature"), "Li"));
    ASSERT(str_is(fold_state_field(f, "back_signature"), "Li"));
    ASSERT(!is_open(r, PROTO_KIND_OWNERKEY, k));
    ASSERT_STR_EQ(state(r, l)->status, "returned");
    ASSERT(!is_open(r, PROTO_KIND_LOSTFOUND, l));

    device *fwd[2] = {&a, &b};
    store *inorder = replica_of(fwd, 2, 0);
    ASSERT_STR_EQ(state(inorder, l)->status, "returned");
    same_digest(r, inorder);
    mt_free_ops(back.encs, back.lens, back.n);
    mt_free_ops(out.encs, out.lens, out.n);
    store_close(r);
    store_close(inorder);
    store_close(a.s);
    store_close(b.s);
}
static const struct {
    const char *name;
    void (*fn)(void);
} scenarios[] = {
    {"late_status", late_status},
    {"cross_gate", cross_gate},
    {"exit_first", exit_first},
    {"assignment_conflict", assignment_conflict},
    {"skewed_clock", skewed_clock},
    {"reopen_order", reopen_order},
    {"future_stamp", future_stamp},
    {"key_back_first", key_back_first},
};

int main(int argc, char **argv)
{
    int ran = 0;
    for (size_t i = 0; i < sizeof scenarios / sizeof *scenarios; i++) {
        if (argc > 1 && strcmp(argv[1], scenarios[i].name) != 0)
            continue;
        dir = test_tmpdir("scenario");
        nstores = 0;
        now = T0;
        scenarios[i].fn();
        mt_rmtree(dir);
        free(dir);
        printf("%s: ok\n", scenarios[i].name);
        ran++;
    }
    if (!ran) {
        fprintf(stderr, "unknown scenario '%s'\n", argv[1]);
        return 2;
    }
    return 0;
}
