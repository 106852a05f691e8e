/* test_merge_property.c: the merge property (DESIGN.md, principle 2) on
 * random op sets, through the real storage code.
 *
 * Each case: 4 to 6 devices, each with its own store and its own wall clock
 * (one hours fast, one hours slow, the others off by random amounts and
 * jumping now and then), write a few dozen ops of every record kind with
 * store_append_local. Before writing, a device sometimes ingests a prefix of
 * some other devices' logs, as a sync would deliver them, so HLCs and _seen
 * vectors interleave and the same entity gets concurrent edits (two
 * dispatches with different assignees, two exits, a complete racing a
 * cancel...), and photos are attached to records (from a small pool, so
 * two devices attach the same one offline). Device 0 plays the office: it
 * writes master data and resolves conflicts it sees with a set covering every
 * head. Then the union of all ops goes to fresh replicas in random orders and
 * random batch splits, duplicates included (one replica ingests as roundsd
 * does: store_prepare, then store_ingest_prepared), and every writer ingests
 * everything too: every store must end with the same canonical digest, and
 * re-folding a replica from scratch must not change it.
 *
 * Environment: ROUNDS_MERGE_SEED=S repeats a run (the seed is printed at
 * the start and on failure), ROUNDS_MERGE_CASES=N sets the number of cases
 * (2,000 by default), ROUNDS_MERGE_FIRST=I starts at case I (each case's
 * randomness depends only on the seed and its number, so a failure can be
 * replayed alone). scripts/merge-soak.sh runs a long campaign.
 *
 * The stores live under /dev/shm when TMPDIR is unset: durability is the
 * store tests' business, and thousands of fsyncs on a disk would make the
 * campaign slow without testing anything more about the merge.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mergetest.h"
#include "test.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define HAVE_SANITIZER 1
#endif

#define MAX_DEV 6
#define MAX_ENT 64
#define NREPLICAS 3
#define HOUR_MS (3600 * 1000LL)

typedef struct entity {
    uint8_t id[PROTO_ENTITY_LEN];
    uint8_t kind;
} entity;

typedef struct device {
    store *s;
    uint64_t id;
    int64_t skew; /* how far its wall clock is off, ms */
    char user[16];
    uint8_t **ops; /* its own ops, encoded, by seq */
    size_t *lens;
    size_t nops, cap;
    size_t had[MAX_DEV]; /* prefix of each device's log it has ingested */
} device;

typedef struct kase {
    uint64_t rng;
    char *dir;
    int ndev;
    device d[MAX_DEV];
    int nent;
    entity e[MAX_ENT];
    int64_t now; /* true time, ms */
} kase;

static kase K;
static uint64_t seed;

/* What the cases covered, printed at the end: a property test that never
 * met a conflict or a reopen would prove little. */
static struct {
    uint64_t ops, entities, devices, syncs, resolutions, conflicts;
    uint64_t attaches;  /* attach ops written (the digest covers them) */
    uint64_t status[8]; /* work orders by final status */
} stats;
static const char *const wo_statuses[8] = {
    "reported",    "dispatched", "arrived",   "completed",
    "called_back", "closed",     "cancelled", "reopened"};
static char fail_note[256];

/* ---- randomness: splitmix64, so a case is a function of (seed, number) */

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rnd(void)
{
    return splitmix(&K.rng);
}

static uint32_t below(uint32_t n)
{
    return n ? (uint32_t)(rnd() % n) : 0;
}

static int chance(int pct)
{
    return below(100) < (uint32_t)pct;
}

#define PICK(arr) ((arr)[below(sizeof(arr) / sizeof *(arr))])

static const char *const people[] = {"zhang", "li", "wang", "zhao"};
static const char *const gates[] = {"A", "B", "C"};
static const char *const units[] = {"1-1-101", "3-2-1201", "5-1-302"};
static const char *const texts[] = {"ok", "leak", "noise", "broken lamp"};
static const char *const categories[] = {"plumbing", "electrical", "elevator",
                                         "other", "complaint"};

/* Entity ids as the handheld makes them (ULID-shaped), from the case's
 * randomness so a seed replays exactly. */
static void new_id(uint8_t id[PROTO_ENTITY_LEN], int64_t wall_ms)
{
    uint64_t a = rnd(), b = rnd();
    for (int i = 0; i < 6; i++)
        id[i] = (uint8_t)((uint64_t)wall_ms >> (8 * (5 - i)));
    memcpy(id + 6, &a, 8);
    memcpy(id + 14, &b, 2);
}

static int64_t wall_of(const device *d)
{
    return K.now + d->skew + (int64_t)below(2001) - 1000;
}

/* ---- writing ----------------------------------------------------------- */

static void keep_op(device *d, uint64_t seq)
{
    if (d->nops == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 32;
        d->ops = realloc(d->ops, d->cap * sizeof *d->ops);
        d->lens = realloc(d->lens, d->cap * sizeof *d->lens);
        ASSERT(d->ops != NULL && d->lens != NULL);
    }
    ASSERT_U64_EQ(seq, d->nops + 1);
    mt_get_op(d->s, d->id, seq, &d->ops[d->nops], &d->lens[d->nops]);
    d->nops++;
}

static void put_op(device *d, mt_op *op)
{
    uint64_t seq;
    int64_t wall = wall_of(d);
    /* Now and then an op from a writer that does not send _seen (an older
     * client) or sends a mangled one: the fold must treat both the same
     * way on every replica. */
    if (op->with_seen && chance(4))
        op->with_seen = 0;
    else if (op->with_seen && chance(3))
        op->seen = PICK(((const char *const[]){
            "", "zz", "0000000000000001:", "ffffffffffffffff:99999999999",
            "0000000000000002:1,0000000000000001:1"}));
    ASSERT_OK(mt_write(d->s, op, wall, &seq));
    keep_op(d, seq);
}

static const int field_kinds[] = {
    PROTO_KIND_SCAN, PROTO_KIND_VISIT, PROTO_KIND_VISIT, PROTO_KIND_VEHICLE,
    PROTO_KIND_WORKORDER, PROTO_KIND_WORKORDER, PROTO_KIND_INSPECTION,
    PROTO_KIND_HANDOVER, PROTO_KIND_DUTYLOG,
    /* the registers */
    PROTO_KIND_INCIDENT, PROTO_KIND_OWNERKEY, PROTO_KIND_LOSTFOUND,
    PROTO_KIND_EXITSLIP, PROTO_KIND_TASK};
static const int master_kinds[] = {PROTO_KIND_UNIT,       PROTO_KIND_ROUTE,
                                   PROTO_KIND_CHECKPOINT, PROTO_KIND_STAFF,
                                   PROTO_KIND_PLATE,      PROTO_KIND_BLACKLIST,
                                   PROTO_KIND_HOLIDAY,    PROTO_KIND_ROSTER,
                                   PROTO_KIND_TASKPLAN,   PROTO_KIND_TAG_KEY};

/* Master data fields: two per kind, so sets collide. */
static const char *master_field(int kind, int which)
{
    static const char *const f[][2] = {
        {"owner", "vacant"}, {"name", "period"}, {"route", "tag"},
        {"name", "role"},    {"plate", "unit"},  {"name", "reason"},
        {"type", "name"},    {"staff", "start"}, {"name", "recurrence"},
        {"key_id", "pub"}};
    for (size_t i = 0; i < sizeof master_kinds / sizeof *master_kinds; i++)
        if (master_kinds[i] == kind)
            return f[i][which];
    return "note";
}

static void create(device *d, int kind)
{
    mt_op op = {0};
    ASSERT(K.nent < MAX_ENT);
    entity *e = &K.e[K.nent++];
    new_id(e->id, wall_of(d));
    e->kind = (uint8_t)kind;
    op.kind = (uint8_t)kind;
    op.action = PROTO_ACTION_CREATE;
    memcpy(op.entity, e->id, PROTO_ENTITY_LEN);
    switch (kind) {
    case PROTO_KIND_SCAN:
        mt_str(&op, "tag", PICK(((const char *const[]){"CP-1", "CP-2"})));
        mt_str(&op, "route", "R1");
        /* A verified payload, or a typed tag (issue 15's scan proof). */
        if (chance(50)) {
            mt_str(&op, "method", chance(50) ? "nfc" : "qr");
            mt_bool(&op, "verified", 1);
        } else {
            mt_str(&op, "method", "manual");
            mt_bool(&op, "verified", 0);
            if (chance(20))
                mt_bool(&op, "unknown_tag", 1);
        }
        mt_bool(&op, "anomaly", chance(20));
        break;
    case PROTO_KIND_VISIT:
        mt_str(&op, "name", PICK(people));
        mt_str(&op, "id_type", "id_card");
        mt_str(&op, "id_no", "110101199001011234");
        mt_str(&op, "unit", PICK(units));
        mt_str(&op, "purpose", "visit");
        mt_int(&op, "party", 1 + below(3));
        mt_str(&op, "gate", PICK(gates));
        /* A refused entry is a visit of its own, its first op a refuse. */
        if (chance(20)) {
            op.action = PROTO_ACTION_REFUSE;
            mt_str(&op, "reason", "no host");
        }
        break;
    case PROTO_KIND_VEHICLE:
        mt_str(&op, "plate", PICK(((const char *const[]){"A123", "B456"})));
        mt_str(&op, "type", "car");
        mt_str(&op, "gate", PICK(gates));
        break;
    case PROTO_KIND_WORKORDER:
        mt_str(&op, "place", PICK(units));
        mt_str(&op, "category", PICK(categories));
        mt_str(&op, "description", PICK(texts));
        mt_str(&op, "priority", chance(20) ? "urgent" : "normal");
        mt_str(&op, "severity", "general");
        if (chance(30)) { /* a complaint's intake */
            mt_str(&op, "channel", chance(50) ? "phone" : "letter");
            mt_bool(&op, "anonymous", chance(20));
        }
        break;
    case PROTO_KIND_INSPECTION:
        mt_str(&op, "unit", PICK(units));
        mt_str(&op, "water", chance(20) ? "fail" : "ok");
        mt_str(&op, "power", "ok");
        break;
    case PROTO_KIND_HANDOVER:
        mt_str(&op, "to", PICK(people));
        mt_str(&op, "notes", PICK(texts));
        break;
    case PROTO_KIND_DUTYLOG:
        mt_str(&op, "text", PICK(texts));
        break;
    case PROTO_KIND_INCIDENT:
        mt_str(&op, "type", chance(50) ? "fire" : "theft");
        mt_str(&op, "place", PICK(units));
        mt_str(&op, "description", PICK(texts));
        mt_str(&op, "phone", "*******8000");
        break;
    case PROTO_KIND_OWNERKEY:
        mt_str(&op, "unit", PICK(units));
        mt_str(&op, "key_label", "front door");
        mt_str(&op, "to", PICK(people));
        mt_str(&op, "signature", PICK(people));
        break;
    case PROTO_KIND_LOSTFOUND:
        mt_str(&op, "item", PICK(texts));
        mt_str(&op, "place", PICK(units));
        break;
    case PROTO_KIND_EXITSLIP:
        mt_str(&op, "slip", "X-1");
        mt_str(&op, "unit", PICK(units));
        mt_str(&op, "items", PICK(texts));
        mt_str(&op, "result", chance(30) ? "stopped" : "passed");
        break;
    case PROTO_KIND_TASK:
        mt_str(&op, "plan", chance(50) ? "FIRE-EXT" : "TANK");
        break;
    default: /* master data */
        mt_str(&op, master_field(kind, 0), PICK(people));
        mt_str(&op, master_field(kind, 1), PICK(units));
        break;
    }
    mt_str(&op, "by", d->user);
    put_op(d, &op);
}

/* A work-order step: mostly one the handheld would allow from the status
 * the writer sees, sometimes any (a stale or odd op must merge sanely). */
static int wo_action(const char *status)
{
    static const int any[] = {
        PROTO_ACTION_DISPATCH, PROTO_ACTION_ARRIVE, PROTO_ACTION_COMPLETE,
        PROTO_ACTION_CALLBACK, PROTO_ACTION_CLOSE,  PROTO_ACTION_CANCEL,
        PROTO_ACTION_REOPEN,   PROTO_ACTION_SET,    PROTO_ACTION_RECEIVE};
    /* A complaint's steps beside its life cycle (no status change). */
    static const int side[] = {PROTO_ACTION_FEEDBACK, PROTO_ACTION_ESCALATE,
                               PROTO_ACTION_REPLY, PROTO_ACTION_ASSESS};
    if (chance(10))
        return PICK(any);
    if (chance(8) && strcmp(status, "cancelled") != 0)
        return PICK(side);
    if (!strcmp(status, "reported") || !strcmp(status, "reopened"))
        return chance(95) ? PROTO_ACTION_DISPATCH : PROTO_ACTION_CANCEL;
    if (!strcmp(status, "dispatched"))
        return chance(30)   ? PROTO_ACTION_DISPATCH
               : chance(30) ? PROTO_ACTION_RECEIVE /* the assignee's */
               : chance(95) ? PROTO_ACTION_ARRIVE
                            : PROTO_ACTION_CANCEL;
    if (!strcmp(status, "arrived"))
        return chance(95) ? PROTO_ACTION_COMPLETE : PROTO_ACTION_CANCEL;
    if (!strcmp(status, "completed"))
        return chance(75) ? PROTO_ACTION_CALLBACK : PROTO_ACTION_REOPEN;
    if (!strcmp(status, "called_back"))
        return chance(75) ? PROTO_ACTION_CLOSE : PROTO_ACTION_REOPEN;
    if (!strcmp(status, "closed"))
        return PROTO_ACTION_REOPEN;
    return 0; /* cancelled: nothing to do */
}

/* A later op on an entity the writer holds. Returns 0 when there is
 * nothing sensible to write. */
static int follow_up(device *d, const entity *e, const fold_state *st)
{
    mt_op op = {0};
    op.kind = e->kind;
    op.with_seen = 1;
    memcpy(op.entity, e->id, PROTO_ENTITY_LEN);
    /* Now and then a photo on any record (proto/attach.h): from a pool of
     * four, so two devices attach the same photo to one record offline
     * and the index must keep the same reference everywhere; a thumbnail
     * of the first now and then. Never a field, never a conflict. */
    if (e->kind <= PROTO_KIND_TASK && chance(10)) {
        static const char *const hashes[] = {
            "1111111111111111111111111111111111111111111111111111111111111111",
            "2222222222222222222222222222222222222222222222222222222222222222",
            "3333333333333333333333333333333333333333333333333333333333333333",
            "4444444444444444444444444444444444444444444444444444444444444444"};
        int k = (int)below(4);
        op.action = PROTO_ACTION_ATTACH;
        op.with_seen = chance(50);
        mt_str(&op, "att_by", d->user);
        mt_str(&op, "att_hash", hashes[k]);
        if (k == 3) {
            mt_str(&op, "att_of", hashes[0]);
            mt_str(&op, "att_role", "thumb");
        } else {
            mt_str(&op, "att_role", "photo");
        }
        mt_int(&op, "att_size", 300000 + k);
        mt_str(&op, "att_type", "image/jpeg");
        put_op(d, &op);
        stats.attaches++;
        return 1;
    }
    switch (e->kind) {
    case PROTO_KIND_VISIT:
    case PROTO_KIND_VEHICLE:
        if (strcmp(st->status, "inside") != 0 && !chance(15))
            return 0;
        op.action = PROTO_ACTION_EXIT;
        mt_str(&op, "exit_gate", PICK(gates));
        mt_str(&op, "exit_by", d->user);
        break;
    case PROTO_KIND_WORKORDER:
        op.action = (uint8_t)wo_action(st->status);
        switch (op.action) {
        case 0:
            return 0;
        case PROTO_ACTION_DISPATCH:
            mt_str(&op, "assignee", PICK(people));
            mt_str(&op, "dispatch_by", d->user);
            break;
        case PROTO_ACTION_ARRIVE:
            mt_str(&op, "arrive_by", d->user);
            break;
        case PROTO_ACTION_COMPLETE:
            mt_str(&op, "signature", PICK(people));
            mt_int(&op, "labour_min", 30 * (1 + below(3)));
            mt_str(&op, "complete_by", d->user);
            break;
        case PROTO_ACTION_CALLBACK:
            mt_str(&op, "satisfaction",
                   chance(30) ? "unsatisfied" : "satisfied");
            if (chance(50)) {
                mt_str(&op, "callback_method", "door");
                mt_str(&op, "callback_signature", PICK(people));
            } else {
                mt_str(&op, "callback_method", "phone");
            }
            mt_str(&op, "callback_by", d->user);
            break;
        case PROTO_ACTION_CLOSE:
            mt_str(&op, "close_by", d->user);
            break;
        case PROTO_ACTION_CANCEL:
            mt_str(&op, "cancel_reason", PICK(texts));
            mt_str(&op, "cancel_by", d->user);
            break;
        case PROTO_ACTION_REOPEN:
            mt_str(&op, "reopen_reason", PICK(texts));
            mt_str(&op, "reopen_by", d->user);
            break;
        case PROTO_ACTION_FEEDBACK:
            mt_str(&op, "feedback_method", "phone");
            mt_str(&op, "feedback_note", PICK(texts));
            mt_str(&op, "feedback_by", d->user);
            break;
        case PROTO_ACTION_ESCALATE:
            mt_str(&op, "escalate_to", PICK(people));
            mt_str(&op, "escalate_by", d->user);
            break;
        case PROTO_ACTION_REPLY:
            mt_str(&op, "reply_text", PICK(texts));
            if (chance(50))
                mt_int(&op, "answer_by", wall_of(d) + 3600000);
            mt_str(&op, "reply_by", d->user);
            break;
        case PROTO_ACTION_ASSESS:
            mt_bool(&op, "valid", chance(70));
            mt_str(&op, "severity", chance(50) ? "serious" : "general");
            mt_str(&op, "assess_by", d->user);
            break;
        case PROTO_ACTION_RECEIVE: { /* handheld/receive.c's op */
            static char of[40];      /* mt_str keeps the pointer */
            snprintf(of, sizeof of, "%016llx:%u", (unsigned long long)below(8),
                     (unsigned)below(40));
            mt_str(&op, "receive_by", d->user);
            mt_str(&op, PROTO_RECEIVE_OF_FIELD, of);
            break;
        }
        default: /* an office edit */
            mt_str(&op, "priority", chance(50) ? "urgent" : "normal");
            break;
        }
        break;
    case PROTO_KIND_HANDOVER:
        if (strcmp(st->status, "pending") != 0 && !chance(15))
            return 0;
        op.action = PROTO_ACTION_ACK;
        mt_str(&op, "ack_by", d->user);
        break;
    case PROTO_KIND_INCIDENT:
        /* Escalate or close, mostly from what the writer sees; now and
         * then a stale one (an escalate racing a close). */
        if (!strcmp(st->status, "closed") && !chance(15))
            return 0;
        if (chance(50)) {
            op.action = PROTO_ACTION_ESCALATE;
            mt_str(&op, "escalated_to", PICK(people));
            mt_str(&op, "escalate_by", d->user);
        } else {
            op.action = PROTO_ACTION_CLOSE;
            mt_str(&op, "close_note", PICK(texts));
            mt_str(&op, "close_by", d->user);
        }
        break;
    case PROTO_KIND_OWNERKEY:
        /* Two handhelds may both take the key back. */
        if (strcmp(st->status, "out") != 0 && !chance(15))
            return 0;
        op.action = PROTO_ACTION_RETURN;
        mt_str(&op, "back_signature", PICK(people));
        mt_str(&op, "back_by", d->user);
        break;
    case PROTO_KIND_LOSTFOUND:
        /* A return racing a disposal. */
        if (strcmp(st->status, "found") != 0 && !chance(15))
            return 0;
        if (chance(70)) {
            op.action = PROTO_ACTION_RETURN;
            mt_str(&op, "claimant", PICK(people));
            mt_str(&op, "return_signature", PICK(people));
            mt_str(&op, "return_by", d->user);
        } else {
            op.action = PROTO_ACTION_DISPOSE;
            mt_str(&op, "dispose_reason", PICK(texts));
            mt_str(&op, "dispose_by", d->user);
        }
        break;
    case PROTO_KIND_SCAN:
    case PROTO_KIND_INSPECTION:
    case PROTO_KIND_DUTYLOG:
    case PROTO_KIND_EXITSLIP:
    case PROTO_KIND_TASK:
        /* Records with no life cycle: only an office correction. */
        if (!chance(20))
            return 0;
        op.action = PROTO_ACTION_SET;
        mt_str(&op, "note", PICK(texts));
        break;
    default: /* master data */
        if (chance(25)) {
            op.action = PROTO_ACTION_RETIRE;
        } else {
            op.action = PROTO_ACTION_SET;
            mt_str(&op, master_field(e->kind, (int)below(2)),
                   chance(50) ? PICK(people) : PICK(units));
        }
        break;
    }
    put_op(d, &op);
    return 1;
}

/* Indices of the entities d holds, into idx; returns how many. */
static int known(device *d, int *idx)
{
    store_txn *t;
    int n = 0;
    ASSERT_OK(store_read_begin(d->s, &t));
    for (int i = 0; i < K.nent; i++) {
        const uint8_t *state;
        size_t len;
        int kind;
        int rc = store_entity_get(t, K.e[i].id, &kind, &state, &len);
        if (rc == 0)
            idx[n++] = i;
        else
            ASSERT_ERR(rc, RND_ENOTFOUND);
    }
    store_read_end(t);
    return n;
}

/* The office picks one head of a conflict it holds and sets the field to
 * it, having seen every head (its _seen is its whole view). */
static int resolve_one(device *d, const int *idx, int n)
{
    static uint8_t buf[FOLD_STATE_MAX];
    static fold_state st;
    static char name[PROTO_FIELD_NAME_MAX + 1];
    static char value[PROTO_FIELD_STR_MAX + 1];
    for (int k = 0; k < n; k++) {
        const entity *e = &K.e[idx[k]];
        ASSERT_OK(mt_state(d->s, e->id, buf, sizeof buf, &st));
        if (st.nconflicts == 0)
            continue;
        const fold_conflict *c = &st.conflicts[below(st.nconflicts)];
        const proto_field *v = &c->cand[below(c->ncand)].value;
        mt_op op = {0};
        op.kind = e->kind;
        op.action = PROTO_ACTION_SET;
        op.with_seen = 1;
        memcpy(op.entity, e->id, PROTO_ENTITY_LEN);
        memcpy(name, c->field, c->field_len);
        name[c->field_len] = '\0';
        if (v->type == PROTO_STR) {
            memcpy(value, v->str, v->str_len);
            value[v->str_len] = '\0';
            mt_str(&op, name, value);
        } else if (v->type == PROTO_INT) {
            mt_int(&op, name, v->i);
        } else if (v->type == PROTO_BOOL) {
            mt_bool(&op, name, (int)v->i);
        } else {
            continue;
        }
        uint64_t seq;
        ASSERT_OK(mt_write(d->s, &op, wall_of(d), &seq));
        keep_op(d, seq);
        stats.resolutions++;
        return 1;
    }
    return 0;
}

static void step(int di)
{
    static int idx[MAX_ENT];
    static uint8_t buf[FOLD_STATE_MAX];
    static fold_state st;
    device *d = &K.d[di];
    int office = di == 0;
    int n = known(d, idx);

    if (office && n && chance(40) && resolve_one(d, idx, n))
        return;
    /* Mostly later ops on what the device holds, work orders and visits
     * first: that is where life cycles and concurrent edits happen. */
    for (int tries = 0; n && tries < 3 && !chance(25); tries++) {
        const entity *e = &K.e[idx[below((uint32_t)n)]];
        for (int k = 0; k < 4 && e->kind != PROTO_KIND_WORKORDER &&
                        e->kind != PROTO_KIND_VISIT && chance(60);
             k++)
            e = &K.e[idx[below((uint32_t)n)]];
        ASSERT_OK(mt_state(d->s, e->id, buf, sizeof buf, &st));
        if (follow_up(d, e, &st))
            return;
    }
    if (K.nent == MAX_ENT)
        return;
    create(d, office && chance(80) ? PICK(master_kinds) : PICK(field_kinds));
}

/* d takes a prefix of other devices' logs, as a sync through the server
 * delivers them (each device's ops in seq order). */
static void sync_from_others(int di)
{
    device *d = &K.d[di];
    for (int j = 0; j < K.ndev; j++) {
        device *o = &K.d[j];
        if (j == di || d->had[j] == o->nops || !chance(60))
            continue;
        size_t to = d->had[j] + 1 + below((uint32_t)(o->nops - d->had[j]));
        ASSERT_OK(mt_ingest(d->s, (const uint8_t *const *)o->ops + d->had[j],
                            o->lens + d->had[j], to - d->had[j], wall_of(d),
                            NULL));
        d->had[j] = to;
        stats.syncs++;
    }
}

/* ---- checking ---------------------------------------------------------- */

typedef struct unionset {
    const uint8_t **encs;
    size_t *lens;
    size_t n;
} unionset;

/* Names the first entity that differs; the abort handler then says how to
 * repeat the case. */
static void fail_report(const char *what, store *a, store *b)
{
    fprintf(stderr, "%s:\n", what);
    mt_diff(a, b);
    mt_diff(b, a);
    abort();
}

/* Applies the ops in a random order with some duplicates, in batches of a
 * random shape, one store_write each. */
static void apply_shuffled(store *s, const unionset *u, int64_t recv_ms)
{
    size_t ndup = below((uint32_t)(u->n / 4 + 1));
    size_t n = u->n + ndup;
    size_t *order = malloc(n * sizeof *order);
    const uint8_t **encs = malloc(n * sizeof *encs);
    size_t *lens = malloc(n * sizeof *lens);
    ASSERT(order && encs && lens);
    for (size_t i = 0; i < u->n; i++)
        order[i] = i;
    for (size_t i = u->n; i < n; i++)
        order[i] = below((uint32_t)u->n);
    for (size_t i = n; i > 1; i--) {
        size_t j = below((uint32_t)i), t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    for (size_t i = 0; i < n; i++) {
        encs[i] = u->encs[order[i]];
        lens[i] = u->lens[order[i]];
    }
    uint32_t shape = below(4), most = shape == 0   ? 1
                                      : shape == 1 ? 8
                                      : shape == 2 ? (uint32_t)n
                                                   : 3;
    for (size_t at = 0; at < n;) {
        size_t k = shape == 2 ? n : 1 + below(most);
        if (k > n - at)
            k = n - at;
        ASSERT_OK(mt_ingest(s, encs + at, lens + at, k, recv_ms, NULL));
        at += k;
    }
    free(order);
    free(encs);
    free(lens);
}

/* ---- an independent reading of the conflict rule ----------------------
 * The fold finds heads through one "how far has this device been seen"
 * figure per writer; here the rule of fold.h is applied literally, pair by
 * pair, and the result must match the conflicts in the merged state. */

#define ORACLE_MAX_OPS 512

typedef struct oseen {
    int n; /* -1: malformed, read as seen nothing */
    uint64_t dev[80], seq[80];
} oseen;

/* _seen per fold.h: "<16 lower-case hex>:<seq>" joined by ",", devices
 * strictly ascending, at most FOLD_SEEN_MAX bytes, never claiming the op
 * itself or a later op of its own writer. */
static void oracle_seen(const proto_op *op, oseen *v)
{
    const proto_field *f = proto_op_field(op, FOLD_SEEN_FIELD);
    char buf[FOLD_SEEN_MAX + 2];
    v->n = 0;
    if (f == NULL)
        return;
    v->n = -1;
    if (f->type != PROTO_STR || f->str_len > FOLD_SEEN_MAX)
        return;
    memcpy(buf, f->str, f->str_len);
    buf[f->str_len] = '\0';
    v->n = 0;
    if (buf[0] == '\0')
        return;
    for (char *tok = buf, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next)
            *next++ = '\0';
        size_t len = strlen(tok);
        if (len < 18 || tok[16] != ':' ||
            strspn(tok, "0123456789abcdef") != 16 ||
            strspn(tok + 17, "0123456789") != len - 17 || v->n == 80)
            goto bad;
        char hex[17];
        memcpy(hex, tok, 16);
        hex[16] = '\0';
        uint64_t dev = strtoull(hex, NULL, 16);
        errno = 0;
        uint64_t seq = strtoull(tok + 17, NULL, 10);
        if (errno == ERANGE || (v->n && dev <= v->dev[v->n - 1]) ||
            (dev == op->device_id && seq >= op->seq))
            goto bad;
        v->dev[v->n] = dev;
        v->seq[v->n++] = seq;
    }
    return;
bad:
    v->n = -1;
}

static int oracle_has_seen(const proto_op *x, const oseen *vx,
                           const proto_op *w)
{
    if (x->device_id == w->device_id && x->seq > w->seq)
        return 1;
    for (int i = 0; i < vx->n; i++)
        if (vx->dev[i] == w->device_id && vx->seq[i] >= w->seq)
            return 1;
    return 0;
}

static int oracle_same(const proto_field *a, const proto_field *b)
{
    if (a->type != b->type)
        return 0;
    if (a->type == PROTO_STR)
        return a->str_len == b->str_len &&
               memcmp(a->str, b->str, a->str_len) == 0;
    return a->type == PROTO_NIL || a->i == b->i;
}

/* Sorts ops by entity, then in fold order (hlc, device_id, seq). */
static int op_order(const void *pa, const void *pb)
{
    const proto_op *a = *(const proto_op *const *)pa;
    const proto_op *b = *(const proto_op *const *)pb;
    int c = memcmp(a->entity, b->entity, PROTO_ENTITY_LEN);
    if (c)
        return c;
    if (a->hlc != b->hlc)
        return a->hlc < b->hlc ? -1 : 1;
    if (a->device_id != b->device_id)
        return a->device_id < b->device_id ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Checks the conflicts of one entity's ops (in fold order) against its
 * merged state in s. */
static void check_entity(store *s, proto_op *const *ops, const oseen *seen,
                         size_t n)
{
    static uint8_t buf[FOLD_STATE_MAX];
    static fold_state st;
    ASSERT_OK(mt_state(s, ops[0]->entity, buf, sizeof buf, &st));
    uint32_t nc = 0;
    for (uint32_t f = 0; f < st.nfields && nc < FOLD_MAX_CONFLICTS; f++) {
        char name[PROTO_FIELD_NAME_MAX + 1];
        const proto_field *head[ORACLE_MAX_OPS];
        size_t hop[ORACLE_MAX_OPS], nh = 0;
        int differ = 0;
        const proto_field *lastw = NULL;
        memcpy(name, st.fields[f].name, st.fields[f].name_len);
        name[st.fields[f].name_len] = '\0';
        for (size_t w = 0; w < n; w++) {
            const proto_field *fw = proto_op_field(ops[w], name);
            int covered = 0;
            if (fw == NULL)
                continue;
            lastw = fw;
            for (size_t x = 0; x < n && !covered; x++)
                covered = x != w && proto_op_field(ops[x], name) &&
                          oracle_has_seen(ops[x], &seen[x], ops[w]);
            if (covered)
                continue;
            if (nh && !oracle_same(head[0], fw))
                differ = 1;
            hop[nh] = w;
            head[nh++] = fw;
        }
        /* Causality before clocks: the merged value is the last head in
         * fold order (the last write when a cycle of lies covers all). */
        ASSERT(lastw != NULL);
        ASSERT(oracle_same(&st.fields[f], nh ? head[nh - 1] : lastw));
        if (fold_field_is_attribution(name, strlen(name)))
            continue; /* never a conflict, by rule (fold.h) */
        if (!differ)
            continue;
        ASSERT(nc < st.nconflicts);
        const fold_conflict *c = &st.conflicts[nc++];
        size_t skip = nh > FOLD_MAX_CANDIDATES ? nh - FOLD_MAX_CANDIDATES : 0;
        ASSERT(c->field_len == st.fields[f].name_len &&
               memcmp(c->field, name, c->field_len) == 0);
        ASSERT_EQ(c->ncand, nh - skip);
        for (uint32_t k = 0; k < c->ncand; k++) {
            const proto_op *o = ops[hop[skip + k]];
            ASSERT_U64_EQ(c->cand[k].hlc, o->hlc);
            ASSERT_U64_EQ(c->cand[k].device_id, o->device_id);
            ASSERT_U64_EQ(c->cand[k].seq, o->seq);
            ASSERT(oracle_same(&c->cand[k].value, head[skip + k]));
        }
    }
    ASSERT_EQ(st.nconflicts, nc);
}

static void check_conflicts(store *s, const unionset *u)
{
    static proto_op all[ORACLE_MAX_OPS];
    static proto_op *ops[ORACLE_MAX_OPS];
    static oseen seen[ORACLE_MAX_OPS];
    ASSERT(u->n <= ORACLE_MAX_OPS);
    for (size_t i = 0; i < u->n; i++) {
        ASSERT_OK(proto_op_decode(u->encs[i], u->lens[i], &all[i]));
        ops[i] = &all[i];
    }
    qsort(ops, u->n, sizeof *ops, op_order);
    for (size_t i = 0; i < u->n; i++)
        oracle_seen(ops[i], &seen[i]);
    for (size_t i = 0, j; i < u->n; i = j) {
        for (j = i + 1; j < u->n && memcmp(ops[j]->entity, ops[i]->entity,
                                           PROTO_ENTITY_LEN) == 0;
             j++)
            ;
        check_entity(s, ops + i, seen + i, j - i);
    }
}

static int stats_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                    const uint8_t *state, size_t len, void *arg)
{
    static fold_state st;
    ASSERT_OK(fold_state_parse(state, len, &st));
    stats.conflicts += st.nconflicts;
    for (int i = 0; kind == PROTO_KIND_WORKORDER && i < 8; i++)
        if (strcmp(st.status, wo_statuses[i]) == 0)
            stats.status[i]++;
    return 0;
}

static int refold_fn(store_txn *t, void *arg)
{
    return store_refold_all(t, arg);
}

static void check_case(void)
{
    unionset u = {0};
    uint8_t want[32], got[32];
    uint64_t nent_want, nent, count;
    store *rep[NREPLICAS];

    for (int i = 0; i < K.ndev; i++)
        u.n += K.d[i].nops;
    u.encs = malloc(u.n * sizeof *u.encs);
    u.lens = malloc(u.n * sizeof *u.lens);
    ASSERT(u.encs && u.lens);
    u.n = 0;
    for (int i = 0; i < K.ndev; i++)
        for (size_t j = 0; j < K.d[i].nops; j++) {
            u.encs[u.n] = K.d[i].ops[j];
            u.lens[u.n++] = K.d[i].lens[j];
        }

    for (int r = 0; r < NREPLICAS; r++) {
        char name[16];
        snprintf(name, sizeof name, "replica%d", r);
        rep[r] = mt_open(K.dir, name, rnd() | 1);
        /* Odd replicas ingest as roundsd does (prepared outside the
         * write): they must still equal replica 0 byte for byte. */
        mt_ingest_prepared = r % 2;
        apply_shuffled(rep[r], &u, K.now);
        mt_ingest_prepared = 0;
        store_txn *t;
        ASSERT_OK(store_read_begin(rep[r], &t));
        ASSERT_OK(store_op_count(t, &count));
        store_read_end(t);
        ASSERT_U64_EQ(count, u.n);
        if (r == 0) {
            mt_digest(rep[r], want, &nent_want);
            ASSERT_EQ(nent_want, K.nent);
            continue;
        }
        mt_digest(rep[r], got, &nent);
        if (memcmp(got, want, 32) != 0)
            fail_report("replicas differ", rep[0], rep[r]);
    }
    /* The writers end with everything too, whatever they held. */
    for (int i = 0; i < K.ndev; i++) {
        apply_shuffled(K.d[i].s, &u, K.now);
        mt_digest(K.d[i].s, got, &nent);
        if (memcmp(got, want, 32) != 0)
            fail_report("a writer differs from the replicas", rep[0], K.d[i].s);
    }
    /* Folding every entity from scratch gives what the incremental
     * refolds gave. */
    ASSERT_OK(store_write(rep[0], refold_fn, &count));
    mt_digest(rep[0], got, &nent);
    if (memcmp(got, want, 32) != 0)
        fail_report("a full refold differs", rep[0], rep[1]);

    check_conflicts(rep[0], &u);
    store_txn *t;
    ASSERT_OK(store_read_begin(rep[0], &t));
    for (int kind = 1; kind <= 255; kind++)
        ASSERT_OK(store_entities_each(t, kind, 0, stats_cb, NULL));
    store_read_end(t);
    stats.ops += u.n;
    stats.entities += nent;
    stats.devices += (uint64_t)K.ndev;

    for (int r = 0; r < NREPLICAS; r++)
        store_close(rep[r]);
    free(u.encs);
    free(u.lens);
}

/* ---- one case ---------------------------------------------------------- */

static void run_case(unsigned long no)
{
    uint64_t x = seed ^ (no * 0xd1342543de82ef95ull);
    memset(&K, 0, sizeof K);
    K.rng = splitmix(&x);
    snprintf(fail_note, sizeof fail_note,
             "merge property failed at case %lu: repeat with "
             "ROUNDS_MERGE_SEED=%" PRIu64 " ROUNDS_MERGE_FIRST=%lu "
             "ROUNDS_MERGE_CASES=1",
             no, seed, no);
    K.dir = test_tmpdir("merge");
    K.ndev = 4 + (int)below(MAX_DEV - 4 + 1);
    K.now = 1795860000000LL + (int64_t)below(1000) * HOUR_MS;
    for (int i = 0; i < K.ndev; i++) {
        device *d = &K.d[i];
        char name[16];
        d->id = rnd();
        /* The office keeps server time; one handheld runs hours fast, one
         * hours slow, the rest are off by up to an hour either way. */
        if (i == 1)
            d->skew = (int64_t)(1 + below(8)) * HOUR_MS;
        else if (i == 2)
            d->skew = -(int64_t)(1 + below(8)) * HOUR_MS;
        else if (i > 2)
            d->skew = (int64_t)below(2 * HOUR_MS) - HOUR_MS;
        snprintf(name, sizeof name, "dev%d", i);
        snprintf(d->user, sizeof d->user, i ? "guard-%d" : "office", i);
        d->s = mt_open(K.dir, name, d->id);
    }
    int steps = 20 + (int)below(41);
    for (int i = 0; i < steps; i++) {
        /* Ops close together (even in the same ms) as well as far apart. */
        K.now += chance(30) ? (int64_t)below(3) : 1 + (int64_t)below(600000);
        int di = (int)below((uint32_t)K.ndev);
        if (chance(5)) /* a clock is set wrong, or corrected */
            K.d[di].skew += chance(50) ? HOUR_MS : -HOUR_MS;
        if (chance(45))
            sync_from_others(di);
        step(di);
    }
    check_case();
    for (int i = 0; i < K.ndev; i++) {
        store_close(K.d[i].s);
        mt_free_ops(K.d[i].ops, K.d[i].lens, K.d[i].nops);
    }
    mt_rmtree(K.dir);
    free(K.dir);
}

/* ASSERT_* end in abort(): say which case and how to repeat it. */
static void on_abort(int sig)
{
    ssize_t w = write(2, fail_note, strlen(fail_note));
    w = write(2, "\n", 1);
    (void)w;
    signal(sig, SIG_DFL);
    raise(sig);
}

#ifdef HAVE_SANITIZER
/* A sanitizer report ends the process without abort(): same note. */
static void on_sanitizer_death(void)
{
    ssize_t w = write(2, fail_note, strlen(fail_note));
    w = write(2, "\n", 1);
    (void)w;
}
#endif

static unsigned long env_ul(const char *name, unsigned long def)
{
    const char *v = getenv(name);
    return v && *v ? strtoul(v, NULL, 0) : def;
}

int main(void)
{
    const char *s = getenv("ROUNDS_MERGE_SEED");
    if (s && *s) {
        seed = strtoull(s, NULL, 0);
    } else {
        uint64_t t = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
        seed = splitmix(&t);
    }
    /* Under ASan every case costs about 4x: the sanitizer pass runs 600
     * (its job is memory errors in the fold, which a few hundred cases
     * reach), the Release pass of scripts/test.sh the full 2000, each
     * with its own random seed; scripts/merge-soak.sh runs millions. */
#ifdef HAVE_SANITIZER
    unsigned long cases = env_ul("ROUNDS_MERGE_CASES", 600);
#else
    unsigned long cases = env_ul("ROUNDS_MERGE_CASES", 2000);
#endif
    unsigned long first = env_ul("ROUNDS_MERGE_FIRST", 0);
    if (!getenv("TMPDIR") && access("/dev/shm", W_OK) == 0)
        setenv("TMPDIR", "/dev/shm", 1);
    printf("merge property: ROUNDS_MERGE_SEED=%" PRIu64
           " ROUNDS_MERGE_FIRST=%lu ROUNDS_MERGE_CASES=%lu\n",
           seed, first, cases);
    fflush(stdout);
    signal(SIGABRT, on_abort);
#ifdef HAVE_SANITIZER
    __sanitizer_set_death_callback(on_sanitizer_death);
#endif

    clock_t t0 = clock();
    for (unsigned long i = first; i < first + cases; i++) {
        run_case(i);
        if (cases >= 20000 && (i - first + 1) % 10000 == 0) {
            printf("  %lu cases\n", i - first + 1);
            fflush(stdout);
        }
    }
    printf("merge property: %lu cases passed (%.1f s of CPU): %" PRIu64
           " devices, %" PRIu64 " ops, %" PRIu64 " entities, %" PRIu64
           " partial syncs, %" PRIu64 " conflicts left, %" PRIu64
           " resolutions written, %" PRIu64 " attach ops\n  work orders:",
           cases, (double)(clock() - t0) / CLOCKS_PER_SEC, stats.devices,
           stats.ops, stats.entities, stats.syncs, stats.conflicts,
           stats.resolutions, stats.attaches);
    for (int i = 0; i < 8; i++)
        printf(" %s %" PRIu64, wo_statuses[i], stats.status[i]);
    printf("\n");
    /* A run that never attached a photo would prove nothing of them. */
    ASSERT(cases < 20 || stats.attaches > 0);
    return 0;
}
