/* test_fold_pack.c: the fold's fast state writer against msgpack-c.
 *
 * store_fold() writes merged states with its own writer (fold.c, "the fast
 * writer"); the format was defined by msgpack-c's packer, and a state that
 * came out one byte different would change every replica's digest. So:
 *  1. random states, with integers at every encoding boundary, strings of
 *     every header width (fixstr, str8, str16, str32), 0..256 events and
 *     0..48 fields across the fix/16-bit header boundary, and conflicts,
 *     are encoded both ways (fold__pack_state) and must give the same
 *     length and the same bytes; a buffer one byte short must be reported
 *     short by both;
 *  2. real folds (store_fold over random ops of every kind and action,
 *     conflicting writes included) are parsed back and re-encoded with
 *     msgpack-c: the stored bytes must be exactly those.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "fold_pack.h"
#include "test.h"

static uint64_t rng = 0x7e57f01d;

static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
    return rnd() % n;
}

/* Unsigned values where msgpack changes form, and either side of them. */
static const uint64_t u_edges[] = {0,
                                   1,
                                   127,
                                   128,
                                   255,
                                   256,
                                   65535,
                                   65536,
                                   4294967295u,
                                   4294967296u,
                                   UINT64_MAX - 1,
                                   UINT64_MAX};
static const int64_t i_edges[] = {-1,
                                  -31,
                                  -32,
                                  -33,
                                  -127,
                                  -128,
                                  -129,
                                  -32767,
                                  -32768,
                                  -32769,
                                  -2147483647LL,
                                  -2147483647LL - 1,
                                  -2147483647LL - 2,
                                  INT64_MIN + 1,
                                  INT64_MIN,
                                  0,
                                  127,
                                  128,
                                  65536,
                                  INT64_MAX};

static uint64_t rnd_u64(void)
{
    if (below(4) == 0)
        return u_edges[below(sizeof u_edges / sizeof u_edges[0])];
    return rnd() >> below(64); /* every width */
}

static int64_t rnd_i64(void)
{
    if (below(4) == 0)
        return i_edges[below(sizeof i_edges / sizeof i_edges[0])];
    int64_t v = (int64_t)(rnd() >> below(64));
    return below(2) ? v : -v - 1;
}

/* Text the strings point into: long enough for a str32 (>= 65536). */
#define POOL (70 * 1024)
static char pool[POOL];

static const char *rnd_str(uint32_t *len)
{
    uint64_t r = below(100);
    uint32_t n;
    if (r < 60)
        n = (uint32_t)below(33); /* fixstr and the first str8 */
    else if (r < 90)
        n = 30 + (uint32_t)below(300); /* str8 and str16 */
    else if (r < 98)
        n = 65530 + (uint32_t)below(12); /* str16 and str32 */
    else
        n = (uint32_t)below(POOL);
    *len = n;
    return pool + below(POOL - n + 1);
}

static void rnd_value(proto_field *f)
{
    f->type = (uint8_t)below(4);
    f->i = 0;
    f->str = NULL;
    f->str_len = 0;
    if (f->type == PROTO_BOOL)
        f->i = (int64_t)below(2);
    else if (f->type == PROTO_INT)
        f->i = rnd_i64();
    else if (f->type == PROTO_STR)
        f->str = rnd_str(&f->str_len);
}

/* Sizes either side of the fix / 16-bit header boundary (16) more often
 * than chance would. */
static uint32_t rnd_count(uint32_t max)
{
    if (below(3) == 0)
        return 14 + (uint32_t)below(4);
    return (uint32_t)below((uint64_t)max + 1);
}

static void rnd_state(fold_state *st, char *status, uint32_t *reopens)
{
    static const char *const statuses[] = {
        "",         "inside",      "left",      "reported",
        "reopened", "called_back", "cancelled", "acknowledged"};
    memset(st, 0, sizeof *st);
    st->kind = (uint8_t)rnd_u64();
    for (int i = 0; i < PROTO_ENTITY_LEN; i++)
        st->entity[i] = (uint8_t)rnd();
    st->created_hlc = rnd_u64();
    st->updated_hlc = rnd_u64();
    st->creator = rnd_u64();
    *reopens = (uint32_t)rnd_u64();
    if (below(2)) {
        strcpy(status, statuses[below(8)]);
    } else {
        size_t n = below(24);
        for (size_t i = 0; i < n; i++)
            status[i] = (char)('a' + below(26));
        status[n] = '\0';
    }
    st->nevents = rnd_count(below(8) ? 20 : FOLD_MAX_EVENTS);
    for (uint32_t i = 0; i < st->nevents; i++) {
        fold_event *e = &st->events[i];
        e->hlc = rnd_u64();
        e->device_id = rnd_u64();
        e->seq = rnd_u64();
        e->wall_ms = rnd_i64();
        e->action = (uint8_t)rnd_u64();
        e->clk = below(4) ? 0 : rnd_i64(); /* "w" (a clock offset) */
    }
    st->nfields = rnd_count(PROTO_OP_MAX_FIELDS);
    for (uint32_t i = 0; i < st->nfields; i++) {
        proto_field *f = &st->fields[i];
        rnd_value(f);
        f->name = rnd_str(&f->name_len);
    }
    st->nconflicts = (uint32_t)below(FOLD_MAX_CONFLICTS + 1);
    for (uint32_t i = 0; i < st->nconflicts; i++) {
        fold_conflict *c = &st->conflicts[i];
        c->field = rnd_str(&c->field_len);
        c->ncand = (uint32_t)below(FOLD_MAX_CANDIDATES + 1);
        for (uint32_t j = 0; j < c->ncand; j++) {
            c->cand[j].hlc = rnd_u64();
            c->cand[j].device_id = rnd_u64();
            c->cand[j].seq = rnd_u64();
            rnd_value(&c->cand[j].value);
        }
    }
}

/* Both writers on st: same length, same bytes, same verdict on a buffer
 * one byte short. Returns the length. */
static size_t same_bytes(const fold_state *st, uint32_t reopens,
                         const char *status, uint32_t nx, uint8_t *a,
                         uint8_t *b, size_t cap)
{
    size_t la = fold__pack_state(st, reopens, status, nx, a, cap, 0);
    size_t lb = fold__pack_state(st, reopens, status, nx, b, cap, 1);
    ASSERT_U64_EQ(la, lb);
    ASSERT(la <= cap);
    if (memcmp(a, b, la) != 0) {
        size_t i = 0;
        while (a[i] == b[i])
            i++;
        TEST_FAIL_("states differ at byte %zu of %zu: fast %02x, "
                   "msgpack-c %02x",
                   i, la, a[i], b[i]);
    }
    /* Measuring alone (no buffer) gives the same length. */
    ASSERT_U64_EQ(fold__pack_state(st, reopens, status, nx, NULL, 0, 0), la);
    /* One byte short: both report the full length, so the fold refuses. */
    ASSERT_U64_EQ(fold__pack_state(st, reopens, status, nx, a, la - 1, 0), la);
    ASSERT_U64_EQ(fold__pack_state(st, reopens, status, nx, b, la - 1, 1), la);
    return la;
}

static void random_states(void)
{
    static fold_state st;
    size_t cap = 4 * 1024 * 1024;
    uint8_t *a = malloc(cap), *b = malloc(cap);
    char status[32];
    uint32_t reopens;
    size_t bytes = 0, big = 0;
    ASSERT(a != NULL && b != NULL);
    for (int i = 0; i < POOL; i++)
        pool[i] = (char)(' ' + below(95));
    for (int n = 0; n < 4000; n++) {
        rnd_state(&st, status, &reopens);
        size_t len = same_bytes(&st, reopens, status,
                                (uint32_t)below(st.nconflicts + 1), a, b, cap);
        bytes += len;
        big += len > 65536;
    }
    /* The draw reached every size of string header. */
    ASSERT_GT(big, 100);
    printf("random states: 4000 states, %zu bytes, identical\n", bytes);
    free(a);
    free(b);
}

/* ---- real folds ---------------------------------------------------------- */

/* n ops of one entity of a random kind, sorted as the store sorts them, with
 * fields drawn from a small set so that they overwrite (and conflict with)
 * each other. */
static size_t make_ops(size_t n, uint8_t **encs, size_t *lens)
{
    static const int actions[] = {
        PROTO_ACTION_CREATE,   PROTO_ACTION_SET,      PROTO_ACTION_EXIT,
        PROTO_ACTION_REFUSE,   PROTO_ACTION_DISPATCH, PROTO_ACTION_ARRIVE,
        PROTO_ACTION_COMPLETE, PROTO_ACTION_CALLBACK, PROTO_ACTION_CLOSE,
        PROTO_ACTION_CANCEL,   PROTO_ACTION_REOPEN,   PROTO_ACTION_ACK,
        PROTO_ACTION_RETIRE};
    static const int kinds[] = {1,  2,  3,  4,  5,  6,  7,  32, 33,
                                34, 35, 36, 37, 38, 39, 40, 41};
    static const char *const names[] = {
        "a", "by", "note", "satisfaction", "status_x", "tag", "z"};
    static const char *const texts[] = {"unsatisfied", "ok", "", "CP-1",
                                        "stairwell door ajar"};
    static proto_op op;
    uint8_t entity[PROTO_ENTITY_LEN];
    uint64_t hlc = 1 + below(1000);
    int kind = kinds[below(sizeof kinds / sizeof kinds[0])];
    for (int i = 0; i < PROTO_ENTITY_LEN; i++)
        entity[i] = (uint8_t)rnd();
    for (size_t k = 0; k < n; k++) {
        proto_op_init(&op);
        op.device_id = 1 + below(3);
        op.seq = k + 1;
        hlc += below(3); /* equal stamps too: device and seq break ties */
        op.hlc = hlc;
        op.wall_ms = rnd_i64();
        op.kind = (uint8_t)kind;
        memcpy(op.entity, entity, sizeof entity);
        op.action =
            (uint8_t)(k == 0
                          ? PROTO_ACTION_CREATE
                          : actions[below(sizeof actions / sizeof actions[0])]);
        for (size_t f = 0; f < sizeof names / sizeof names[0]; f++) {
            if (below(2))
                continue;
            if (below(3) == 0)
                ASSERT_OK(proto_op_add_int(&op, names[f], rnd_i64()));
            else if (below(4) == 0)
                ASSERT_OK(proto_op_add_bool(&op, names[f], (int)below(2)));
            else {
                const char *t = texts[below(5)];
                ASSERT_OK(proto_op_add_str(&op, names[f], t, strlen(t)));
            }
        }
        uint8_t *buf = malloc(PROTO_OP_MAX_BYTES);
        ASSERT(buf != NULL);
        ASSERT_OK(proto_op_encode(&op, buf, PROTO_OP_MAX_BYTES, &lens[k]));
        encs[k] = buf;
    }
    return n;
}

static void real_folds(void)
{
    static fold_state st;
    static uint8_t out[FOLD_STATE_MAX], again[FOLD_STATE_MAX];
    uint8_t *encs[40];
    size_t lens[40];
    int conflicts = 0;
    for (int n = 0; n < 600; n++) {
        size_t nops = make_ops(1 + below(40), encs, lens);
        size_t len;
        fold_info info;
        int rc = store_fold((const uint8_t *const *)encs, lens, nops, out,
                            sizeof out, &len, &info);
        for (size_t k = 0; k < nops; k++)
            free(encs[k]);
        ASSERT_OK(rc);
        ASSERT_OK(fold_state_parse(out, len, &st));
        conflicts += st.nconflicts > 0;
        size_t l2 = fold__pack_state(&st, st.reopen_count, st.status,
                                     st.nconflicts, again, sizeof again, 1);
        ASSERT_U64_EQ(l2, len);
        ASSERT(memcmp(again, out, len) == 0);
    }
    /* The draw made conflicting writes, so "x" was written too. */
    ASSERT_GT(conflicts, 10);
    printf("real folds: 600 entities (%d with conflicts), identical\n",
           conflicts);
}

int main(void)
{
    random_states();
    real_folds();
    return 0;
}
