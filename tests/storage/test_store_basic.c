/* test_store_basic.c: the store's contract on one thread: create, open and
 * reopen, identity, local appends and their chain, ingest and dedupe of a
 * second writer's ops, the arrival log, meta, format version and read-only
 * opening. */
#include <errno.h>
#include <string.h>

#include "fold.h"
#include "storetest.h"
#include "test.h"

#define DEV_A 0x0a0a0a0a00000001ull
#define DEV_B 0x0b0b0b0b00000002ull
#define NENT_A 50
#define NENT_B 7
#define TAG_A 0xa
#define TAG_B 0xb
#define BATCH 1000
#define SINGLES 100
#define NB 20

typedef struct ident_ctx {
    uint64_t device_id;
    const char *site;
    const char *name;
} ident_ctx;

static int init_identity(store_txn *txn, void *ctx)
{
    ident_ctx *c = ctx;
    return store_identity_init(txn, c->device_id, c->site, c->name);
}

typedef struct append_ctx {
    uint64_t first; /* number of the first op of the series to append */
    uint64_t n;
    unsigned nent;
    uint8_t tag;
    uint64_t last_seq; /* out: reset at the start, the write may replay */
} append_ctx;

static int append_series(store_txn *txn, void *ctx)
{
    append_ctx *c = ctx;
    c->last_seq = 0;
    for (uint64_t i = 0; i < c->n; i++) {
        proto_op op;
        char buf[ST_STR_CAP];
        uint64_t n = c->first + i, seq;
        st_fill_op(&op, n, c->nent, c->tag, buf);
        int rc = store_append_local(txn, &op, ST_WALL(n), &seq);
        if (rc)
            return rc;
        ASSERT_U64_EQ(seq, n);
        ASSERT_U64_EQ(op.seq, n);
        c->last_seq = seq;
    }
    return 0;
}

static void append(store *s, uint64_t first, uint64_t n, unsigned nent,
                   uint8_t tag)
{
    append_ctx c = {first, n, nent, tag, 0};
    ASSERT_OK(store_write(s, append_series, &c));
    ASSERT_U64_EQ(c.last_seq, first + n - 1);
}

/* ---- copies of a device's encoded ops ------------------------------------ */

typedef struct op_copy {
    uint8_t enc[1024];
    size_t len;
} op_copy;

typedef struct copy_ctx {
    op_copy *ops;
    size_t n, cap;
} copy_ctx;

static int copy_op(const uint8_t *enc, size_t len, int64_t recv_ms, void *ctx)
{
    copy_ctx *c = ctx;
    ASSERT_LT(c->n, c->cap);
    ASSERT_LE(len, sizeof c->ops[0].enc);
    memcpy(c->ops[c->n].enc, enc, len);
    c->ops[c->n].len = len;
    c->n++;
    return 0;
}

typedef struct ingest_ctx {
    op_copy *ops;
    size_t n;
    int64_t recv_ms;
    int check_chain;
    size_t added; /* out */
} ingest_ctx;

static int ingest_all(store_txn *txn, void *ctx)
{
    ingest_ctx *c = ctx;
    c->added = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (c->check_chain) {
            proto_op op;
            ASSERT_OK(proto_op_decode(c->ops[i].enc, c->ops[i].len, &op));
            ASSERT_OK(store_chain_check(txn, &op));
            /* A wrong link or a skipped seq is refused. */
            op.prev_hash[0] ^= 1;
            ASSERT_ERR(store_chain_check(txn, &op), RND_ECHAIN);
            if (i + 1 < c->n) {
                ASSERT_OK(
                    proto_op_decode(c->ops[i + 1].enc, c->ops[i + 1].len, &op));
                ASSERT_ERR(store_chain_check(txn, &op), RND_ECHAIN);
            }
        }
        int added = -1;
        int rc =
            store_ingest(txn, c->ops[i].enc, c->ops[i].len, c->recv_ms, &added);
        if (rc)
            return rc;
        ASSERT(added == 0 || added == 1);
        c->added += (size_t)added;
    }
    return 0;
}

/* ---- log and entity walks ------------------------------------------------ */

typedef struct log_ctx {
    uint64_t seen;
    uint64_t stop_after; /* return 1 after this many; 0 = never */
    int fail_at;         /* return an error at this visit (1-based); 0 no */
    uint64_t want_dev[2048];
    uint64_t want_seq[2048];
    uint64_t base; /* index into want_* of the first visit */
} log_ctx;

/* store_log_writers' visits, checked against a log_ctx's wanted writers. */
typedef struct writer_ctx {
    const log_ctx *lc;
    uint64_t n, next_pos, stop_after;
} writer_ctx;

static int log_writer(uint64_t pos, uint64_t device_id, void *ctx)
{
    writer_ctx *w = ctx;
    ASSERT_U64_EQ(pos, w->lc->base + w->n);
    ASSERT_U64_EQ(device_id, w->lc->want_dev[w->lc->base + w->n]);
    w->n++;
    w->next_pos = pos + 1;
    return w->stop_after && w->n == w->stop_after ? 1 : 0;
}

static int log_op(const uint8_t *enc, size_t len, int64_t recv_ms, void *ctx)
{
    log_ctx *c = ctx;
    proto_op op;
    ASSERT_OK(proto_op_decode(enc, len, &op));
    uint64_t i = c->base + c->seen;
    ASSERT_U64_EQ(op.device_id, c->want_dev[i]);
    ASSERT_U64_EQ(op.seq, c->want_seq[i]);
    c->seen++;
    if (c->fail_at && c->seen == (uint64_t)c->fail_at)
        return RND_EFIELD;
    if (c->stop_after && c->seen == c->stop_after)
        return 1;
    return 0;
}

typedef struct ent_ctx {
    int kind;
    size_t n;
    uint8_t last[PROTO_ENTITY_LEN];
} ent_ctx;

static int count_entity(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                        const uint8_t *state, size_t len, void *ctx)
{
    ent_ctx *c = ctx;
    ASSERT_EQ(kind, c->kind);
    if (c->n > 0)
        ASSERT(memcmp(c->last, id, PROTO_ENTITY_LEN) < 0);
    memcpy(c->last, id, PROTO_ENTITY_LEN);
    c->n++;
    return 0;
}

/* ---- small write callbacks ------------------------------------------------
 */

static int put_format_99(store_txn *txn, void *ctx)
{
    return store_meta_put_u64(txn, "format", 99);
}

static int put_meta(store_txn *txn, void *ctx)
{
    int rc = store_meta_put(txn, "greeting", "hello", 5);
    if (rc == 0)
        rc = store_meta_put_u64(txn, "answer", 42);
    return rc;
}

static int fail_after_put(store_txn *txn, void *ctx)
{
    ASSERT_OK(store_meta_put_u64(txn, "doomed", 1));
    return RND_EFIELD;
}

static int refold_all(store_txn *txn, void *ctx)
{
    return store_refold_all(txn, ctx);
}

static int ingest_garbage(store_txn *txn, void *ctx)
{
    static const uint8_t junk[] = {0x93, 0x01, 0x02};
    int added = -1;
    int rc = store_ingest(txn, junk, sizeof junk, 5, &added);
    ASSERT_EQ(added, 0);
    return rc;
}

/* An op that names an entity of another kind is refused before anything is
 * written, so the write can go on and commit the rest. */
static int append_wrong_kind(store_txn *txn, void *ctx)
{
    uint64_t *n = ctx;
    proto_op op;
    char buf[ST_STR_CAP];
    st_fill_op(&op, *n, NENT_A, TAG_A, buf);
    op.kind = PROTO_KIND_VISIT;
    ASSERT_ERR(store_append_local(txn, &op, ST_WALL(*n), NULL), RND_EMALFORMED);
    st_fill_op(&op, *n, NENT_A, TAG_A, buf);
    return store_append_local(txn, &op, ST_WALL(*n), NULL);
}

/* Two ops of one entity naming 80 fields between them: a fold that bounds
 * the merged fields refuses the second after it was stored. fn ignores the
 * error; the write must still fail rather than commit half an op. */
static int append_overfull(store_txn *txn, void *ctx)
{
    static char names[80][4];
    int *second = ctx;
    proto_op op;
    for (int h = 0; h < 2; h++) {
        proto_op_init(&op);
        op.kind = PROTO_KIND_SCAN;
        op.action = PROTO_ACTION_SET;
        memset(op.entity, 0xee, PROTO_ENTITY_LEN);
        for (int i = 0; i < 40; i++) {
            snprintf(names[h * 40 + i], sizeof names[0], "%c%02d", 'a' + h, i);
            ASSERT_OK(proto_op_add_int(&op, names[h * 40 + i], i));
        }
        int rc = store_append_local(txn, &op, ST_WALL(9000), NULL);
        if (h == 0)
            ASSERT_OK(rc);
        else
            *second = rc;
    }
    return 0;
}

static int append_one(store_txn *txn, void *ctx)
{
    proto_op op;
    char buf[ST_STR_CAP];
    st_fill_op(&op, 1, 1, 0, buf);
    return store_append_local(txn, &op, ST_WALL(1), NULL);
}

/* ---- the entity indexes against the fold ------------------------------- */

/* Whatever the fold rules are, each entity's stored state must be what the
 * fold makes of its ops in (hlc, device_id, seq) order, and the open index
 * must list exactly the entities the fold called open. The checker rebuilds
 * both from the arrival log. */

#define MAX_RECS 64

typedef struct rec {
    uint8_t enc[1024];
    size_t len;
    proto_op op; /* decoded from enc */
} rec;

typedef struct recs {
    rec r[MAX_RECS];
    size_t n;
} recs;

static int collect(const uint8_t *enc, size_t len, int64_t recv_ms, void *ctx)
{
    recs *rs = ctx;
    ASSERT_LT(rs->n, MAX_RECS);
    rec *r = &rs->r[rs->n++];
    ASSERT_LE(len, sizeof r->enc);
    memcpy(r->enc, enc, len);
    r->len = len;
    ASSERT_OK(proto_op_decode(r->enc, len, &r->op));
    return 0;
}

static int fold_order(const void *pa, const void *pb)
{
    const proto_op *a = &(*(const rec *const *)pa)->op;
    const proto_op *b = &(*(const rec *const *)pb)->op;
    if (a->hlc != b->hlc)
        return a->hlc < b->hlc ? -1 : 1;
    if (a->device_id != b->device_id)
        return a->device_id < b->device_id ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

typedef struct open_ctx {
    const uint8_t (*ids)[PROTO_ENTITY_LEN];
    const int *open;
    size_t n, seen;
} open_ctx;

static int check_listed_open(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                             const uint8_t *state, size_t len, void *ctx)
{
    open_ctx *c = ctx;
    size_t i = 0;
    while (i < c->n && memcmp(c->ids[i], id, PROTO_ENTITY_LEN) != 0)
        i++;
    ASSERT_LT(i, c->n);
    ASSERT(c->open[i]);
    c->seen++;
    return 0;
}

/* Checks the states and both indexes of every entity of kind. */
static void check_indexes(store *s, int kind)
{
    static recs rs;
    static uint8_t want[FOLD_STATE_MAX];
    uint8_t ids[MAX_RECS][PROTO_ENTITY_LEN];
    int open[MAX_RECS];
    size_t nids = 0, nopen = 0;
    store_txn *txn;
    uint64_t next;

    rs.n = 0;
    ASSERT_OK(store_read_begin(s, &txn));
    ASSERT_OK(store_log_each(txn, 0, collect, &rs, &next));
    for (size_t i = 0; i < rs.n; i++) {
        if (rs.r[i].op.kind != kind)
            continue;
        size_t e = 0;
        while (e < nids && memcmp(ids[e], rs.r[i].op.entity, 16) != 0)
            e++;
        if (e < nids)
            continue;
        memcpy(ids[nids++], rs.r[i].op.entity, PROTO_ENTITY_LEN);

        const rec *mine[MAX_RECS];
        const uint8_t *encs[MAX_RECS];
        size_t lens[MAX_RECS], n = 0, len;
        for (size_t j = i; j < rs.n; j++)
            if (!memcmp(rs.r[j].op.entity, ids[e], PROTO_ENTITY_LEN))
                mine[n++] = &rs.r[j];
        qsort(mine, n, sizeof mine[0], fold_order);
        for (size_t j = 0; j < n; j++) {
            encs[j] = mine[j]->enc;
            lens[j] = mine[j]->len;
        }
        fold_info info;
        ASSERT_OK(store_fold(encs, lens, n, want, sizeof want, &len, &info));
        open[e] = info.open != 0;
        nopen += (size_t)open[e];

        int got_kind;
        const uint8_t *state;
        size_t got_len;
        ASSERT_OK(store_entity_get(txn, ids[e], &got_kind, &state, &got_len));
        ASSERT_EQ(got_kind, kind);
        ASSERT_EQ(got_len, len);
        ASSERT_MEM_EQ(state, want, len);
    }
    open_ctx oc = {(const uint8_t(*)[PROTO_ENTITY_LEN])ids, open, nids, 0};
    ASSERT_OK(store_entities_each(txn, kind, 1, check_listed_open, &oc));
    ASSERT_EQ(oc.seen, nopen);
    ent_ctx ec = {.kind = kind};
    ASSERT_OK(store_entities_each(txn, kind, 0, count_entity, &ec));
    ASSERT_EQ(ec.n, nids);
    store_read_end(txn);
}

/* One op of the index scenario: action on entity number e of kind. */
typedef struct step_op {
    int kind;
    int e;
    int action;
} step_op;

typedef struct steps_ctx {
    const step_op *ops;
    size_t n;
    int64_t wall_ms;
} steps_ctx;

static void index_entity(uint8_t out[PROTO_ENTITY_LEN], int kind, int e)
{
    memset(out, 0, PROTO_ENTITY_LEN);
    out[0] = 0x1d;
    out[1] = (uint8_t)kind;
    out[15] = (uint8_t)e;
}

static int append_steps(store_txn *txn, void *ctx)
{
    steps_ctx *c = ctx;
    for (size_t i = 0; i < c->n; i++) {
        proto_op op;
        proto_op_init(&op);
        op.kind = (uint8_t)c->ops[i].kind;
        op.action = (uint8_t)c->ops[i].action;
        index_entity(op.entity, c->ops[i].kind, c->ops[i].e);
        ASSERT_OK(proto_op_add_int(&op, "step", (int64_t)i));
        int rc = store_append_local(txn, &op, c->wall_ms + (int64_t)i, NULL);
        if (rc)
            return rc;
    }
    return 0;
}

static void run_steps(store *s, const step_op *ops, size_t n, int64_t wall)
{
    steps_ctx c = {ops, n, wall};
    ASSERT_OK(store_write(s, append_steps, &c));
}

/* Workorders and visits from two writers whose clocks disagree, checked
 * against the fold after every write and after a full refold. */
static void index_scenario(const char *dir_c, const char *dir_d)
{
    store *c, *d;
    static const step_op create[] = {
        {PROTO_KIND_WORKORDER, 0, PROTO_ACTION_CREATE},
        {PROTO_KIND_WORKORDER, 1, PROTO_ACTION_CREATE},
        {PROTO_KIND_WORKORDER, 2, PROTO_ACTION_CREATE},
        {PROTO_KIND_VISIT, 0, PROTO_ACTION_CREATE},
        {PROTO_KIND_VISIT, 1, PROTO_ACTION_CREATE},
        {PROTO_KIND_VISIT, 2, PROTO_ACTION_CREATE},
    };
    static const step_op finish[] = {
        {PROTO_KIND_WORKORDER, 0, PROTO_ACTION_CLOSE},
        {PROTO_KIND_VISIT, 0, PROTO_ACTION_EXIT},
    };
    static const step_op remote[] = {
        {PROTO_KIND_WORKORDER, 1, PROTO_ACTION_CANCEL},
        {PROTO_KIND_VISIT, 1, PROTO_ACTION_EXIT},
        {PROTO_KIND_WORKORDER, 2, PROTO_ACTION_DISPATCH},
    };
    static const step_op reopen[] = {
        {PROTO_KIND_WORKORDER, 0, PROTO_ACTION_REOPEN},
        {PROTO_KIND_VISIT, 2, PROTO_ACTION_REFUSE},
    };
    ident_ctx ic = {0xc0, "site", "c"};
    ASSERT_OK(store_open(dir_c, STORE_CREATE, &c));
    ASSERT_OK(store_write(c, init_identity, &ic));
    ic = (ident_ctx){0xd0, "site", "d"};
    ASSERT_OK(store_open(dir_d, STORE_CREATE, &d));
    ASSERT_OK(store_write(d, init_identity, &ic));

    const int64_t t = 1700000000000;
    run_steps(c, create, 6, t + 1000);
    check_indexes(c, PROTO_KIND_WORKORDER);
    check_indexes(c, PROTO_KIND_VISIT);
    run_steps(c, finish, 2, t + 2000);
    check_indexes(c, PROTO_KIND_WORKORDER);
    check_indexes(c, PROTO_KIND_VISIT);

    /* D's clock is behind: its ops sort before some of C's. */
    static op_copy copies[3];
    copy_ctx cc = {copies, 0, 3};
    store_txn *txn;
    run_steps(d, remote, 3, t + 1500);
    ASSERT_OK(store_read_begin(d, &txn));
    ASSERT_OK(store_ops_each_device(txn, 0xd0, 1, copy_op, &cc));
    store_read_end(txn);
    store_close(d);
    ingest_ctx gc = {copies, 3, t + 5000, 0, 0};
    ASSERT_OK(store_write(c, ingest_all, &gc));
    ASSERT_EQ(gc.added, 3);
    check_indexes(c, PROTO_KIND_WORKORDER);
    check_indexes(c, PROTO_KIND_VISIT);

    run_steps(c, reopen, 2, t + 3000);
    check_indexes(c, PROTO_KIND_WORKORDER);
    check_indexes(c, PROTO_KIND_VISIT);
    uint64_t n = 0;
    ASSERT_OK(store_write(c, refold_all, &n));
    ASSERT_U64_EQ(n, 6);
    check_indexes(c, PROTO_KIND_WORKORDER);
    check_indexes(c, PROTO_KIND_VISIT);
    store_close(c);
}

/* A store call that fails half way poisons its transaction: nothing of it
 * is committed even though fn returned 0. (If the fold ever accepts the ops,
 * both are simply stored.) */
static void poison_scenario(const char *dir)
{
    store *s;
    store_txn *txn;
    uint64_t v;
    int second = 0;
    ident_ctx ic = {0xe0, "site", "e"};
    ASSERT_OK(store_open(dir, STORE_CREATE, &s));
    ASSERT_OK(store_write(s, init_identity, &ic));
    ASSERT_EQ(store_write(s, append_overfull, &second), second);
    ASSERT_OK(store_read_begin(s, &txn));
    ASSERT_OK(store_op_count(txn, &v));
    ASSERT_U64_EQ(v, second ? 0 : 2);
    store_read_end(txn);
    store_close(s);
}

/* ---- ingested creates ------------------------------------------------------
 * store_ingest_op() stores a create op's entity with one put that also
 * finds an existing one: a new entity, a create for an entity that exists
 * (two gates recording one visitor), one of another kind (refused before
 * anything is written, the write goes on) and a resend must each end as
 * the fold of the ops held says. */

#define CR_DEV 0xc0c0c0c000000001ull

typedef struct create_ctx {
    uint8_t enc[5][256];
    size_t len[5];
    int rc[5], added[5];
} create_ctx;

/* Op i of the scenario: seq i + 1; ops 0-3 name entity 0xe1..., op 4
 * entity 0xf2...; op 1 is a visit, op 4 a visit too (a new open one). */
static void create_op(create_ctx *c, int i)
{
    proto_op op;
    proto_op_init(&op);
    op.device_id = CR_DEV;
    op.seq = (uint64_t)i + 1;
    op.wall_ms = ST_WALL(i);
    op.hlc = PROTO_HLC_MAKE(op.wall_ms, 0);
    op.kind = i == 1 || i == 4 ? PROTO_KIND_VISIT : PROTO_KIND_SCAN;
    op.action = PROTO_ACTION_CREATE;
    memset(op.entity, i == 4 ? 0xf2 : 0xe1, PROTO_ENTITY_LEN);
    ASSERT_OK(proto_op_add_int(&op, "n", i));
    ASSERT_OK(proto_op_add_str(&op, "tag", i == 3 ? "CP-2" : "CP-1", 4));
    ASSERT_OK(proto_op_encode(&op, c->enc[i], sizeof c->enc[i], &c->len[i]));
}

static int ingest_creates(store_txn *txn, void *ctx)
{
    create_ctx *c = ctx;
    /* 0: new; 1: the same entity as a visit; 2: op 0 again; 3: another
     * create of entity 0's scan; 4: a new visit. */
    static const int order[] = {0, 1, 0, 3, 4};
    for (int k = 0; k < 5; k++) {
        int i = order[k];
        c->added[k] = -1;
        c->rc[k] = store_ingest(txn, c->enc[i], c->len[i], 77, &c->added[k]);
    }
    return 0;
}

static void create_scenario(const char *dir)
{
    static create_ctx c;
    store *s;
    store_txn *txn;
    uint64_t v;
    int kind;
    const uint8_t *state;
    size_t len;
    uint8_t id[PROTO_ENTITY_LEN], want[1024];
    fold_info info;
    ent_ctx ec = {.kind = PROTO_KIND_VISIT};

    for (int i = 0; i < 5; i++)
        create_op(&c, i);
    ASSERT_OK(store_open(dir, STORE_CREATE, &s));
    ASSERT_OK(store_write(s, ingest_creates, &c));
    ASSERT_OK(c.rc[0]);
    ASSERT_EQ(c.added[0], 1);
    ASSERT_ERR(c.rc[1], RND_EMALFORMED);
    ASSERT_EQ(c.added[1], 0);
    ASSERT_OK(c.rc[2]);
    ASSERT_EQ(c.added[2], 0);
    ASSERT_OK(c.rc[3]);
    ASSERT_EQ(c.added[3], 1);
    ASSERT_OK(c.rc[4]);
    ASSERT_EQ(c.added[4], 1);

    ASSERT_OK(store_read_begin(s, &txn));
    ASSERT_OK(store_op_count(txn, &v));
    ASSERT_U64_EQ(v, 3);
    ASSERT_ERR(store_op_get(txn, CR_DEV, 2, NULL, NULL, NULL), RND_ENOTFOUND);
    /* Entity 0 is the fold of ops 0 and 3, byte for byte. */
    const uint8_t *encs[2] = {c.enc[0], c.enc[3]};
    size_t lens[2] = {c.len[0], c.len[3]};
    ASSERT_OK(store_fold(encs, lens, 2, want, sizeof want, &len, &info));
    memset(id, 0xe1, sizeof id);
    size_t slen;
    ASSERT_OK(store_entity_get(txn, id, &kind, &state, &slen));
    ASSERT_EQ(kind, PROTO_KIND_SCAN);
    ASSERT_EQ(slen, len);
    ASSERT_MEM_EQ(state, want, len);
    /* Entity 4 is op 4's fold, listed as a visit and as open. */
    encs[0] = c.enc[4];
    lens[0] = c.len[4];
    ASSERT_OK(store_fold(encs, lens, 1, want, sizeof want, &len, &info));
    ASSERT_EQ(info.open, 1);
    memset(id, 0xf2, sizeof id);
    ASSERT_OK(store_entity_get(txn, id, &kind, &state, &slen));
    ASSERT_EQ(kind, PROTO_KIND_VISIT);
    ASSERT_EQ(slen, len);
    ASSERT_MEM_EQ(state, want, len);
    ASSERT_OK(store_entities_each(txn, PROTO_KIND_VISIT, 1, count_entity, &ec));
    ASSERT_EQ(ec.n, 1);
    ec = (ent_ctx){.kind = PROTO_KIND_SCAN};
    ASSERT_OK(store_entities_each(txn, PROTO_KIND_SCAN, 0, count_entity, &ec));
    ASSERT_EQ(ec.n, 1);
    ec = (ent_ctx){.kind = PROTO_KIND_SCAN};
    ASSERT_OK(store_entities_each(txn, PROTO_KIND_SCAN, 1, count_entity, &ec));
    ASSERT_EQ(ec.n, 0);
    store_read_end(txn);
    store_close(s);
}

/* ---- chain heads of ingested ops ---------------------------------------
 * An ingest only notes that a device's head moved; the hash is made when
 * the head is read or written out. Whichever way (from the copy of the
 * last op, or read back when another device's op came since), the head
 * must be the hash of the device's highest op, in the write and after. */

typedef struct heads_ctx {
    uint8_t enc[8][256];
    size_t len[8];
    const int *order;
    size_t n;
    int ask; /* read the heads inside the write */
} heads_ctx;

/* Op i: device 0xd1 (i < 3, seq i + 1), 0xd2 (i 3..5, seq i - 2) or 0xd3
 * (i 6, 7: seq 1, 2). */
static uint64_t heads_dev(int i)
{
    return i < 3 ? 0xd1 : i < 6 ? 0xd2 : 0xd3;
}

static void heads_op(heads_ctx *c, int i)
{
    proto_op op;
    proto_op_init(&op);
    op.device_id = heads_dev(i);
    op.seq = (uint64_t)(i < 3 ? i + 1 : i < 6 ? i - 2 : i - 5);
    op.wall_ms = ST_WALL(i);
    op.hlc = PROTO_HLC_MAKE(op.wall_ms, 0);
    op.kind = PROTO_KIND_SCAN;
    op.action = PROTO_ACTION_CREATE;
    memset(op.entity, 0x40 + i, PROTO_ENTITY_LEN);
    ASSERT_OK(proto_op_add_int(&op, "n", i));
    ASSERT_OK(proto_op_encode(&op, c->enc[i], sizeof c->enc[i], &c->len[i]));
}

static void check_head(store_txn *txn, heads_ctx *c, int i)
{
    uint64_t seq;
    uint8_t hash[PROTO_HASH_LEN], want[PROTO_HASH_LEN];
    proto_op op;
    ASSERT_OK(proto_op_decode(c->enc[i], c->len[i], &op));
    ASSERT_OK(store_device_head(txn, op.device_id, &seq, hash));
    ASSERT_U64_EQ(seq, op.seq);
    proto_op_hash(c->enc[i], c->len[i], want);
    ASSERT_MEM_EQ(hash, want, PROTO_HASH_LEN);
}

static int ingest_heads(store_txn *txn, void *ctx)
{
    heads_ctx *c = ctx;
    for (size_t k = 0; k < c->n; k++) {
        int i = c->order[k], added = 0;
        ASSERT_OK(store_ingest(txn, c->enc[i], c->len[i], 5, &added));
        ASSERT_EQ(added, 1);
    }
    if (c->ask) {
        check_head(txn, c, 4); /* read back: other devices' ops came since */
        check_head(txn, c, 7); /* the copy of the last op that moved a head */
    }
    return 0;
}

static void heads_scenario(const char *dir)
{
    static heads_ctx c;
    static const int first[] = {0, 3, 1, 4, 2, 7, 6};
    static const int second[] = {5};
    store *s;
    store_txn *txn;
    for (int i = 0; i < 8; i++)
        heads_op(&c, i);
    ASSERT_OK(store_open(dir, STORE_CREATE, &s));
    c.order = first;
    c.n = sizeof first / sizeof first[0];
    c.ask = 1;
    ASSERT_OK(store_write(s, ingest_heads, &c));
    /* Written out at the commit without being read: d1's op 3 (read back)
     * and d2's op 3 (the copy); d3's op 2 stayed its head though its op 1
     * came after it. */
    c.order = second;
    c.n = 1;
    c.ask = 0;
    ASSERT_OK(store_write(s, ingest_heads, &c));
    ASSERT_OK(store_read_begin(s, &txn));
    check_head(txn, &c, 2);
    check_head(txn, &c, 5);
    check_head(txn, &c, 7);
    store_read_end(txn);
    store_close(s);
}

/* ---- the test ------------------------------------------------------------ */

static void check_identity(store *s, uint64_t dev, const char *site,
                           const char *name, uint64_t next_seq)
{
    store_txn *txn;
    store_identity id;
    const uint8_t *enc;
    size_t len;
    uint8_t head[PROTO_HASH_LEN];
    ASSERT_OK(store_read_begin(s, &txn));
    ASSERT_OK(store_identity_get(txn, &id));
    ASSERT_U64_EQ(id.device_id, dev);
    ASSERT_STR_EQ(id.site, site);
    ASSERT_STR_EQ(id.name, name);
    ASSERT_U64_EQ(id.next_seq, next_seq);
    ASSERT_OK(store_op_get(txn, dev, next_seq - 1, &enc, &len, NULL));
    proto_op_hash(enc, len, head);
    ASSERT_MEM_EQ(id.chain_head, head, PROTO_HASH_LEN);
    store_read_end(txn);
}

int main(void)
{
    char *dir = test_tmpdir("store-basic");
    char *dir_b = test_tmpdir("store-basic-b");
    char *dir_c = test_tmpdir("store-basic-c");
    char *dir_d = test_tmpdir("store-basic-d");
    char *dir_e = test_tmpdir("store-basic-e");
    char *dir_f = test_tmpdir("store-basic-f");
    char *dir_g = test_tmpdir("store-basic-g");
    char sub[4200];
    store *s, *b;
    store_txn *txn;
    uint64_t v;
    const void *val;
    size_t len;

    /* Nothing there yet: only STORE_CREATE makes a store (and its
     * missing parent directories). */
    ASSERT_ERR(store_open(dir, 0, &s), RND_ENOTFOUND);
    ASSERT(s == NULL);
    ASSERT_ERR(store_open(dir, STORE_RDONLY, &s), RND_ENOTFOUND);
    snprintf(sub, sizeof sub, "%s/x/y", dir_b);
    ASSERT_OK(store_open(sub, STORE_CREATE, &s));
    store_close(s);
    store_close(NULL);

    ASSERT_OK(store_open(dir, STORE_CREATE, &s));
    ASSERT_OK(store_read_begin(s, &txn));
    store_identity id;
    ASSERT_ERR(store_identity_get(txn, &id), RND_ENOTINIT);
    ASSERT_ERR(store_meta_get(txn, "absent", &val, &len), RND_ENOTFOUND);
    ASSERT_ERR(store_meta_get_u64(txn, "absent", &v), RND_ENOTFOUND);
    ASSERT_OK(store_meta_get_u64(txn, "format", &v));
    ASSERT_U64_EQ(v, STORE_FORMAT_VERSION);
    ASSERT_OK(store_op_count(txn, &v));
    ASSERT_U64_EQ(v, 0);
    /* Writes need a write transaction. */
    ASSERT_ERR(store_meta_put_u64(txn, "x", 1), RND_EINVAL);
    store_read_end(txn);

    ASSERT_ERR(store_write(s, append_one, NULL), RND_ENOTINIT);

    /* Identity: once, with bounded names. */
    char longname[STORE_NAME_MAX + 1];
    memset(longname, 'n', STORE_NAME_MAX);
    longname[STORE_NAME_MAX] = '\0';
    ident_ctx ic = {DEV_A, "site-a", longname};
    ASSERT_ERR(store_write(s, init_identity, &ic), RND_EINVAL);
    longname[STORE_NAME_MAX - 1] = '\0';
    ic.name = longname;
    ASSERT_OK(store_write(s, init_identity, &ic));
    ic.name = "other";
    ASSERT_ERR(store_write(s, init_identity, &ic), RND_EEXIST);

    /* Meta round trip, and an aborted write leaves nothing behind. */
    ASSERT_OK(store_write(s, put_meta, NULL));
    ASSERT_ERR(store_write(s, fail_after_put, NULL), RND_EFIELD);
    ASSERT_OK(store_read_begin(s, &txn));
    ASSERT_OK(store_meta_get(txn, "greeting", &val, &len));
    ASSERT_EQ(len, 5);
    ASSERT_MEM_EQ(val, "hello", 5);
    ASSERT_OK(store_meta_get_u64(txn, "answer", &v));
    ASSERT_U64_EQ(v, 42);
    ASSERT_ERR(store_meta_get_u64(txn, "greeting", &v), RND_ECORRUPT);
    ASSERT_ERR(store_meta_get_u64(txn, "doomed", &v), RND_ENOTFOUND);
    ASSERT_OK(store_identity_get(txn, &id));
    ASSERT_U64_EQ(id.device_id, DEV_A);
    ASSERT_U64_EQ(id.next_seq, 1);
    ASSERT_STR_EQ(id.name, longname);
    static const uint8_t zeros[PROTO_HASH_LEN];
    ASSERT_MEM_EQ(id.chain_head, zeros, PROTO_HASH_LEN);
    store_read_end(txn);

    /* 1,000 appends in one write, then 100 writes of one; a refused op
     * takes no seq. */
    append(s, 1, BATCH, NENT_A, TAG_A);
    for (uint64_t i = 0; i < SINGLES - 1; i++)
        append(s, BATCH + 1 + i, 1, NENT_A, TAG_A);
    uint64_t last = BATCH + SINGLES;
    ASSERT_OK(store_write(s, append_wrong_kind, &last));
    const uint64_t na = BATCH + SINGLES;
    ASSERT_U64_EQ(st_check_chain(s, DEV_A), na);
    check_identity(s, DEV_A, "site-a", longname, na + 1);

    ASSERT_OK(store_read_begin(s, &txn));
    ASSERT_OK(store_op_count(txn, &v));
    ASSERT_U64_EQ(v, na);
    ASSERT_OK(store_device_max_seq(txn, DEV_A, &v));
    ASSERT_U64_EQ(v, na);
    ASSERT_OK(store_device_max_seq(txn, DEV_A - 1, &v));
    ASSERT_U64_EQ(v, 0);
    ASSERT_OK(store_device_max_seq(txn, DEV_A + 1, &v));
    ASSERT_U64_EQ(v, 0);
    ASSERT_OK(store_device_max_seq(txn, UINT64_MAX, &v));
    ASSERT_U64_EQ(v, 0);
    for (uint64_t n = 1; n <= na; n += 97) {
        const uint8_t *enc;
        int64_t recv;
        ASSERT_OK(store_op_get(txn, DEV_A, n, &enc, &len, &recv));
        ASSERT_EQ(recv, ST_WALL(n));
        st_check_op(enc, len, DEV_A, n, NENT_A, TAG_A);
    }
    ASSERT_ERR(store_op_get(txn, DEV_A, na + 1, NULL, NULL, NULL),
               RND_ENOTFOUND);
    ASSERT_OK(store_identity_get(txn, &id));
    uint64_t hlc_a = id.hlc;
    ASSERT_GE(PROTO_HLC_MS(hlc_a), ST_WALL(na));

    /* Every entity is there with its kind, listed in id order. */
    uint8_t ent[PROTO_ENTITY_LEN];
    int kind;
    const uint8_t *state;
    for (unsigned e = 0; e < NENT_A; e++) {
        st_entity(ent, e, NENT_A, TAG_A);
        ASSERT_OK(store_entity_get(txn, ent, &kind, &state, &len));
        ASSERT_EQ(kind, PROTO_KIND_SCAN);
    }
    st_entity(ent, 0, NENT_A, TAG_B);
    ASSERT_ERR(store_entity_get(txn, ent, &kind, &state, &len), RND_ENOTFOUND);
    ent_ctx ec = {.kind = PROTO_KIND_SCAN};
    ASSERT_OK(store_entities_each(txn, PROTO_KIND_SCAN, 0, count_entity, &ec));
    ASSERT_EQ(ec.n, NENT_A);
    ec.n = 0;
    ASSERT_OK(store_entities_each(txn, PROTO_KIND_VISIT, 0, count_entity, &ec));
    ASSERT_EQ(ec.n, 0);
    ec.n = 0;
    ASSERT_OK(store_entities_each(txn, PROTO_KIND_SCAN, 1, count_entity, &ec));
    ASSERT_LE(ec.n, NENT_A);
    store_read_end(txn);

    /* A second writer's ops, ingested in order with chain checks, then
     * again: the second time adds nothing. */
    ASSERT_OK(store_open(dir_b, STORE_CREATE, &b));
    ic = (ident_ctx){DEV_B, "site-a", "hh-b"};
    ASSERT_OK(store_write(b, init_identity, &ic));
    append(b, 1, NB, NENT_B, TAG_B);
    ASSERT_U64_EQ(st_check_chain(b, DEV_B), NB);
    static op_copy copies[NB];
    copy_ctx cc = {copies, 0, NB};
    ASSERT_OK(store_read_begin(b, &txn));
    ASSERT_OK(store_ops_each_device(txn, DEV_B, 1, copy_op, &cc));
    store_read_end(txn);
    ASSERT_EQ(cc.n, NB);
    store_close(b);

    ingest_ctx gc = {copies, NB, 123456, 1, 0};
    ASSERT_OK(store_write(s, ingest_all, &gc));
    ASSERT_EQ(gc.added, NB);
    gc.check_chain = 0;
    ASSERT_OK(store_write(s, ingest_all, &gc));
    ASSERT_EQ(gc.added, 0);
    ASSERT_NE(store_write(s, ingest_garbage, NULL), 0);

    ASSERT_U64_EQ(st_check_chain(s, DEV_B), NB);
    ASSERT_U64_EQ(st_check_chain(s, DEV_A), na);
    ASSERT_OK(store_read_begin(s, &txn));
    ASSERT_OK(store_op_count(txn, &v));
    ASSERT_U64_EQ(v, na + NB);
    ASSERT_OK(store_device_max_seq(txn, DEV_B, &v));
    ASSERT_U64_EQ(v, NB);
    ASSERT_OK(store_device_max_seq(txn, DEV_A, &v));
    ASSERT_U64_EQ(v, na);
    for (uint64_t n = 1; n <= NB; n++) {
        const uint8_t *enc;
        int64_t recv;
        ASSERT_OK(store_op_get(txn, DEV_B, n, &enc, &len, &recv));
        ASSERT_EQ(recv, 123456);
        ASSERT_EQ(len, copies[n - 1].len);
        ASSERT_MEM_EQ(enc, copies[n - 1].enc, len);
        st_check_op(enc, len, DEV_B, n, NENT_B, TAG_B);
    }
    /* The ingested stamps pushed the local clock past them. */
    ASSERT_OK(store_identity_get(txn, &id));
    ASSERT_GE(id.hlc, hlc_a);
    ASSERT_U64_EQ(id.next_seq, na + 1);
    for (unsigned e = 0; e < NENT_B; e++) {
        st_entity(ent, e, NENT_B, TAG_B);
        ASSERT_OK(store_entity_get(txn, ent, &kind, &state, &len));
        ASSERT_EQ(kind, PROTO_KIND_SCAN);
    }
    ec.n = 0;
    ASSERT_OK(store_entities_each(txn, PROTO_KIND_SCAN, 0, count_entity, &ec));
    ASSERT_EQ(ec.n, NENT_A + NENT_B);

    /* ops_each_device from the middle. */
    cc = (copy_ctx){copies, 0, NB};
    ASSERT_OK(store_ops_each_device(txn, DEV_B, 5, copy_op, &cc));
    ASSERT_EQ(cc.n, NB - 4);

    /* The arrival log: A's ops, then B's, positions from 0. */
    static log_ctx lc;
    static writer_ctx wc;
    memset(&lc, 0, sizeof lc);
    for (uint64_t i = 0; i < na; i++) {
        lc.want_dev[i] = DEV_A;
        lc.want_seq[i] = i + 1;
    }
    for (uint64_t i = 0; i < NB; i++) {
        lc.want_dev[na + i] = DEV_B;
        lc.want_seq[na + i] = i + 1;
    }
    uint64_t next = 0;
    ASSERT_OK(store_log_each(txn, 0, log_op, &lc, &next));
    ASSERT_U64_EQ(lc.seen, na + NB);
    ASSERT_U64_EQ(next, na + NB);
    lc.seen = 0;
    lc.base = na - 5;
    ASSERT_OK(store_log_each(txn, na - 5, log_op, &lc, &next));
    ASSERT_U64_EQ(lc.seen, NB + 5);
    ASSERT_U64_EQ(next, na + NB);
    /* Past the end: nothing visited, the cursor stays. */
    lc.seen = 0;
    ASSERT_OK(store_log_each(txn, na + NB, log_op, &lc, &next));
    ASSERT_U64_EQ(lc.seen, 0);
    ASSERT_U64_EQ(next, na + NB);
    /* A callback returning 1 stops with success after taking its op. */
    lc.seen = 0;
    lc.base = 10;
    lc.stop_after = 3;
    ASSERT_OK(store_log_each(txn, 10, log_op, &lc, &next));
    ASSERT_U64_EQ(lc.seen, 3);
    ASSERT_U64_EQ(next, 13);
    /* Any other value stops and is returned; that op is not taken. */
    lc.seen = 0;
    lc.stop_after = 0;
    lc.fail_at = 4;
    ASSERT_ERR(store_log_each(txn, 10, log_op, &lc, &next), RND_EFIELD);
    ASSERT_U64_EQ(next, 13);
    /* The log alone: positions and writers, as store_log_each's ops. */
    memset(&wc, 0, sizeof wc);
    wc.lc = &lc;
    lc.base = na - 5;
    ASSERT_OK(store_log_writers(txn, na - 5, log_writer, &wc));
    ASSERT_U64_EQ(wc.n, NB + 5);
    ASSERT_U64_EQ(wc.next_pos, na + NB);
    wc.n = 0;
    wc.stop_after = 2;
    ASSERT_OK(store_log_writers(txn, na - 5, log_writer, &wc));
    ASSERT_U64_EQ(wc.n, 2);
    wc.n = 0;
    wc.stop_after = 0;
    ASSERT_OK(store_log_writers(txn, na + NB, log_writer, &wc));
    ASSERT_U64_EQ(wc.n, 0);
    store_read_end(txn);

    /* Refolding everything visits each entity once. */
    uint64_t nfold = 0;
    ASSERT_OK(store_write(s, refold_all, &nfold));
    ASSERT_U64_EQ(nfold, NENT_A + NENT_B);
    ASSERT_OK(store_read_begin(s, &txn));
    ec.n = 0;
    ASSERT_OK(store_entities_each(txn, PROTO_KIND_SCAN, 0, count_entity, &ec));
    ASSERT_EQ(ec.n, NENT_A + NENT_B);
    store_read_end(txn);

    /* Reopen: everything is still there and appends continue the chain. */
    store_close(s);
    ASSERT_OK(store_open(dir, 0, &s));
    append(s, na + 1, 3, NENT_A, TAG_A);
    ASSERT_U64_EQ(st_check_chain(s, DEV_A), na + 3);
    ASSERT_U64_EQ(st_check_chain(s, DEV_B), NB);
    check_identity(s, DEV_A, "site-a", longname, na + 4);
    store_close(s);

    /* Read-only: sees the data, refuses writes cleanly, and a writer can
     * still open the store afterwards. */
    ASSERT_OK(store_open(dir, STORE_RDONLY | STORE_CREATE, &s));
    ASSERT_U64_EQ(st_check_chain(s, DEV_A), na + 3);
    check_identity(s, DEV_A, "site-a", longname, na + 4);
    ASSERT_OK(store_read_begin(s, &txn));
    ASSERT_OK(store_op_count(txn, &v));
    ASSERT_U64_EQ(v, na + 3 + NB);
    store_read_end(txn);
    ASSERT_NE(store_write(s, put_meta, NULL), 0);
    ASSERT_EQ(store_last_raw_error(s), EACCES);
    ASSERT(strlen(store_last_raw_text(s)) > 0);
    store_close(s);

    /* A store from a newer format is refused, read-only too. */
    ASSERT_OK(store_open(dir, 0, &s));
    ASSERT_OK(store_write(s, put_format_99, NULL));
    store_close(s);
    ASSERT_ERR(store_open(dir, 0, &s), RND_ESTOREVER);
    ASSERT(s == NULL);
    ASSERT_ERR(store_open(dir, STORE_RDONLY, &s), RND_ESTOREVER);
    ASSERT_ERR(store_open(dir, STORE_CREATE, &s), RND_ESTOREVER);

    index_scenario(dir_c, dir_d);
    poison_scenario(dir_e);
    create_scenario(dir_f);
    heads_scenario(dir_g);

    test_rmtree(dir);
    test_rmtree(dir_b);
    test_rmtree(dir_c);
    test_rmtree(dir_d);
    test_rmtree(dir_e);
    test_rmtree(dir_f);
    test_rmtree(dir_g);
    free(dir);
    free(dir_b);
    free(dir_c);
    free(dir_d);
    free(dir_e);
    free(dir_f);
    free(dir_g);
    return 0;
}
