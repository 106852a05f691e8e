/* test_now_refs.c: the refs of format 4 (storage/store_refs.c) against a
 * walk of the states they stand for, and the Now document made with them
 * against the one made without (the walk of every open work order and
 * inspection, what a format-3 store opened read-only still does).
 *
 * A store of work orders filed, dispatched, reassigned, closed and
 * reopened among five people (one name too long to index), handovers
 * pending and acknowledged, vacant units inspected 0 to 120 days ago
 * (some with a flagged clock, one moved to another unit): after every
 * stage, for each kind and person and each unit, store_refs_person and
 * store_refs_unit list exactly the entities the walk finds, with the
 * record event the reports read; Now's JSON for each person is the same
 * byte for byte with and without refs. Then the store is taken back to
 * format 3 (refs dropped): read-only it has none and Now is still the
 * same; opened writable it is migrated (from 3) and everything agrees
 * again, also after more writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../report/now.h"
#include "../merge/mergetest.h"
#include "fold.h"
#include "store_int.h"
#include "test.h"

#define T0 1795824000000LL /* 2026-11-28T00:00:00Z */
#define M 60000LL
#define H (60 * M)
#define D (24 * H)
#define NOW (T0 + 10 * H)

static store *S;
static char path[512];
static char longname[STORE_REF_MAX + 8];
static const char *people[] = {"tech-li", "tech-wu", "guard-zhao", "office",
                               longname};
#define NPEOPLE (sizeof people / sizeof *people)
static const char *units[] = {"1-1-101", "1-1-102", "1-1-103", "2-1-201",
                              "2-1-202"};
#define NUNITS (sizeof units / sizeof *units)

#define NWO 60
static uint8_t wos[NWO][PROTO_ENTITY_LEN];
static uint8_t hos[6][PROTO_ENTITY_LEN];
static uint8_t moved[PROTO_ENTITY_LEN];

/* ---- the records -------------------------------------------------------- */

static void unit(const char *key)
{
    mt_op op = {.kind = PROTO_KIND_UNIT, .action = PROTO_ACTION_CREATE};
    ASSERT_OK(proto_random(op.entity + 6, 10));
    mt_str(&op, "unit", key);
    mt_bool(&op, "vacant", 1);
    mt_str(&op, "by", "office");
    ASSERT_OK(mt_write(S, &op, T0 - 200 * D, NULL));
}

static void inspect(const char *key, int64_t t, int64_t clk, uint8_t *id)
{
    mt_op op = {.kind = PROTO_KIND_INSPECTION, .action = PROTO_ACTION_CREATE};
    ASSERT_OK(proto_entity_new(op.entity, t));
    mt_str(&op, "unit", key);
    mt_str(&op, "water", "ok");
    mt_str(&op, "by", "tech-wu");
    if (clk)
        mt_int(&op, FOLD_CLK_FIELD, clk);
    ASSERT_OK(mt_write(S, &op, t, NULL));
    if (id)
        memcpy(id, op.entity, PROTO_ENTITY_LEN);
}

static void wo_step(int i, int action, const char *assignee, int64_t t)
{
    mt_op op = {.kind = PROTO_KIND_WORKORDER,
                .action = (uint8_t)action,
                .with_seen = 1};
    memcpy(op.entity, wos[i], PROTO_ENTITY_LEN);
    if (assignee)
        mt_str(&op, "assignee", assignee);
    mt_str(&op, "by", "office");
    ASSERT_OK(mt_write(S, &op, t, NULL));
}

static void records(void)
{
    memset(longname, 'x', sizeof longname - 1);
    for (size_t u = 0; u < NUNITS; u++)
        unit(units[u]);
    for (int i = 0; i < NWO; i++) {
        int64_t t = T0 - (NWO - i) * H;
        mt_op op = {.kind = PROTO_KIND_WORKORDER,
                    .action = PROTO_ACTION_CREATE};
        ASSERT_OK(proto_entity_new(op.entity, t));
        memcpy(wos[i], op.entity, PROTO_ENTITY_LEN);
        mt_str(&op, "category", i % 2 ? "plumbing" : "electrical");
        mt_str(&op, "place", units[i % NUNITS]);
        mt_str(&op, "by", people[i % NPEOPLE]);
        ASSERT_OK(mt_write(S, &op, t, NULL));
        if (i % 3 == 0)
            wo_step(i, PROTO_ACTION_DISPATCH, people[(i / 3) % NPEOPLE], t + M);
    }
    for (int i = 0; i < 6; i++) {
        int64_t t = T0 + i * M;
        mt_op op = {.kind = PROTO_KIND_HANDOVER, .action = PROTO_ACTION_CREATE};
        ASSERT_OK(proto_entity_new(op.entity, t));
        memcpy(hos[i], op.entity, PROTO_ENTITY_LEN);
        mt_str(&op, "to", people[i % NPEOPLE]);
        mt_str(&op, "items", "radio=2");
        mt_str(&op, "by", people[(i + 1) % NPEOPLE]);
        ASSERT_OK(mt_write(S, &op, t, NULL));
    }
    /* Inspections, oldest first (each written at its own time): 120 days
     * back to now; every third with a clock 10 minutes off (flagged). */
    for (int d = 120; d >= 0; d -= 7)
        for (size_t u = 0; u < NUNITS; u++)
            if ((d / 7 + u) % 4 != 0)
                inspect(units[u], T0 - d * D + (int64_t)u * M + H,
                        (d / 7 + u) % 3 == 0 ? 10 * M : 0, NULL);
    inspect(units[0], T0 + 2 * H, 0, moved);
}

/* Later writes: reassigned, closed, cancelled, reopened, acknowledged;
 * an inspection moved to another unit. */
static void changes(int64_t t)
{
    for (int i = 0; i < NWO; i += 4)
        wo_step(i, PROTO_ACTION_DISPATCH, people[(i / 4 + 2) % NPEOPLE], t);
    for (int i = 1; i < NWO; i += 5)
        wo_step(i, PROTO_ACTION_CLOSE, NULL, t + M);
    for (int i = 2; i < NWO; i += 9)
        wo_step(i, PROTO_ACTION_CANCEL, NULL, t + M);
    for (int i = 1; i < NWO; i += 10)
        wo_step(i, PROTO_ACTION_REOPEN, NULL, t + 2 * M);
    for (int i = 0; i < 6; i += 2) {
        mt_op op = {.kind = PROTO_KIND_HANDOVER,
                    .action = PROTO_ACTION_ACK,
                    .with_seen = 1};
        memcpy(op.entity, hos[i], PROTO_ENTITY_LEN);
        mt_str(&op, "by", people[i % NPEOPLE]);
        ASSERT_OK(mt_write(S, &op, t + 3 * M, NULL));
    }
    mt_op op = {.kind = PROTO_KIND_INSPECTION,
                .action = PROTO_ACTION_SET,
                .with_seen = 1};
    memcpy(op.entity, moved, PROTO_ENTITY_LEN);
    mt_str(&op, "unit", units[(t / M) % NUNITS]);
    mt_str(&op, "by", "tech-wu");
    ASSERT_OK(mt_write(S, &op, t + 4 * M, NULL));
}

/* ---- refs against the walk ---------------------------------------------- */

typedef struct ids {
    size_t n;
    uint8_t id[256][PROTO_ENTITY_LEN];
    int64_t wall[256], clk[256];
    uint64_t hlc[256];
} ids;

static void add(ids *x, const uint8_t *id)
{
    ASSERT(x->n < 256);
    memcpy(x->id[x->n++], id, PROTO_ENTITY_LEN);
}

static int str_is(const proto_field *f, const char *s)
{
    return f && f->type == PROTO_STR && f->str_len == strlen(s) &&
           memcmp(f->str, s, f->str_len) == 0;
}

typedef struct walk {
    const char *value;
    int unit;
    ids *out;
} walk;

static int walk_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                   const uint8_t *state, size_t len, void *arg)
{
    (void)kind;
    static fold_state st;
    walk *w = arg;
    ASSERT_OK(fold_state_parse(state, len, &st));
    if (w->unit) {
        if (!str_is(fold_state_field(&st, "unit"), w->value))
            return 0;
        const fold_event *e = fold_state_first(&st, PROTO_ACTION_CREATE);
        ASSERT(e != NULL);
        ids *x = w->out;
        x->wall[x->n] = e->wall_ms;
        x->hlc[x->n] = e->hlc;
        x->clk[x->n] = e->clk;
        add(x, id);
        return 0;
    }
    if (strlen(w->value) <= STORE_REF_MAX &&
        (str_is(fold_state_field(&st, "by"), w->value) ||
         str_is(fold_state_field(&st, "assignee"), w->value) ||
         str_is(fold_state_field(&st, "to"), w->value)))
        add(w->out, id);
    return 0;
}

static int person_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                     const uint8_t *state, size_t len, void *arg)
{
    (void)kind;
    (void)state;
    (void)len;
    add(arg, id);
    return 0;
}

static int unit_cb(const store_unit_ref *r, void *arg)
{
    ids *x = arg;
    x->wall[x->n] = r->wall_ms;
    x->hlc[x->n] = r->hlc;
    x->clk[x->n] = r->clk;
    add(x, r->id);
    return 0;
}

static void same(const ids *a, const ids *b, int unit)
{
    ASSERT_EQ(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        ASSERT_MEM_EQ(a->id[i], b->id[i], PROTO_ENTITY_LEN);
        if (unit) {
            ASSERT_EQ(a->wall[i], b->wall[i]);
            ASSERT_U64_EQ(a->hlc[i], b->hlc[i]);
            ASSERT_EQ(a->clk[i], b->clk[i]);
        }
    }
}

/* Returns how many refs were compared. */
static size_t refs_agree(void)
{
    static ids a, b;
    static const int kinds[] = {PROTO_KIND_WORKORDER, PROTO_KIND_HANDOVER};
    size_t total = 0;
    store_txn *t;
    ASSERT_OK(store_read_begin(S, &t));
    ASSERT(store_has_refs(t));
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
        for (size_t p = 0; p < NPEOPLE; p++) {
            memset(&a, 0, sizeof a);
            memset(&b, 0, sizeof b);
            walk w = {people[p], 0, &a};
            ASSERT_OK(store_entities_each(t, kinds[k], 1, walk_cb, &w));
            ASSERT_OK(store_refs_person(t, kinds[k], people[p], person_cb, &b));
            same(&a, &b, 0);
            total += b.n;
        }
    for (size_t u = 0; u < NUNITS; u++) {
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        walk w = {units[u], 1, &a};
        ASSERT_OK(
            store_entities_each(t, PROTO_KIND_INSPECTION, 0, walk_cb, &w));
        ASSERT_OK(
            store_refs_unit(t, PROTO_KIND_INSPECTION, units[u], unit_cb, &b));
        ASSERT(b.n > 0);
        same(&a, &b, 1);
        total += b.n;
    }
    /* Kinds not indexed are refused, not answered with nothing. */
    ASSERT_ERR(store_refs_person(t, PROTO_KIND_UNIT, "office", person_cb, &b),
               RND_EINVAL);
    ASSERT_ERR(store_refs_unit(t, PROTO_KIND_WORKORDER, units[0], unit_cb, &b),
               RND_EINVAL);
    /* A value no record names, and one too long to be indexed. */
    memset(&b, 0, sizeof b);
    ASSERT_OK(
        store_refs_person(t, PROTO_KIND_WORKORDER, "nobody", person_cb, &b));
    ASSERT_OK(
        store_refs_person(t, PROTO_KIND_WORKORDER, longname, person_cb, &b));
    ASSERT_EQ(b.n, 0);
    store_read_end(t);
    return total;
}

/* ---- Now with and without ----------------------------------------------- */

/* Now's JSON for person p into buf (a NUL-terminated string). */
static void now_json(store *s, const char *user, char *buf, size_t cap,
                     size_t *nwos, size_t *nvacant)
{
    FILE *f = fmemopen(buf, cap, "w");
    ASSERT(f != NULL);
    store_txn *t;
    ASSERT_OK(store_read_begin(s, &t));
    rpt_now_params p = {.now = NOW, .user = user, .tz_min = 480};
    rpt_now n;
    ASSERT_OK(rpt_now_build(t, &p, &n));
    store_read_end(t);
    ASSERT_OK(rpt_now_emit(&n, RPT_FMT_JSON, f));
    *nwos = n.nwos;
    *nvacant = n.nvacant;
    rpt_now_free(&n);
    ASSERT_EQ(fclose(f), 0);
}

static char want[NPEOPLE][65536];

/* Records each person's Now (with refs) in want[]. */
static void now_keep(void)
{
    size_t w, v, total = 0, last = 0;
    for (size_t p = 0; p < NPEOPLE; p++) {
        now_json(S, people[p], want[p], sizeof want[p], &w, &v);
        total += w;
        last += v;
    }
    ASSERT(total > 0);
    ASSERT(last > 0);
}

static void now_same(store *s)
{
    static char got[65536];
    size_t w, v;
    for (size_t p = 0; p < NPEOPLE; p++) {
        now_json(s, people[p], got, sizeof got, &w, &v);
        ASSERT_STR_EQ(got, want[p]);
    }
}

/* Drops refs and says format 3: the store a format-3 writer left. */
static int downgrade_fn(store_txn *t, void *ctx)
{
    (void)ctx;
    int rc = mdb_drop(t->txn, t->s->refs, 1);
    return rc ? RND_ESTORE : store_meta_put_u64(t, "format", 3);
}

int main(void)
{
    char *dir = test_tmpdir("now-refs");
    S = mt_open(dir, "H", 0xa1);
    snprintf(path, sizeof path, "%s/H", dir);
    ASSERT_EQ(store_format(S), 4);
    records();
    size_t n1 = refs_agree();
    now_keep();
    changes(T0 + 3 * H);
    size_t n2 = refs_agree();
    now_keep();

    /* Format 3 again: read-only, no refs, and Now walks the states. */
    ASSERT_OK(store_write(S, downgrade_fn, NULL));
    store_close(S);
    store *ro;
    ASSERT_OK(store_open(path, STORE_RDONLY, &ro));
    ASSERT_EQ(store_format(ro), 3);
    store_txn *t;
    ASSERT_OK(store_read_begin(ro, &t));
    ASSERT(!store_has_refs(t));
    ids none = {0};
    ASSERT_ERR(
        store_refs_person(t, PROTO_KIND_WORKORDER, "tech-li", person_cb, &none),
        RND_ENOTFOUND);
    store_read_end(t);
    now_same(ro);
    store_close(ro);

    /* Writable: migrated from format 3, the refs rebuilt from entities. */
    int from = 0;
    ASSERT_OK(store_open_migrate(path, 0, &S, &from));
    ASSERT_EQ(from, 3);
    ASSERT_EQ(store_format(S), STORE_FORMAT_VERSION);
    ASSERT_EQ(refs_agree(), n2);
    now_same(S);
    changes(T0 + 5 * H);
    size_t n3 = refs_agree();
    now_keep();
    store_close(S);
    ASSERT_OK(store_open(path, STORE_RDONLY, &ro));
    now_same(ro);
    store_close(ro);
    printf("refs agree with the walk: %zu, %zu, %zu keys; Now the same with "
           "and without refs, across the migration from format 3\n",
           n1, n2, n3);
    mt_rmtree(dir);
    free(dir);
    return 0;
}
