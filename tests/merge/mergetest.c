/* mergetest.c: helpers shared by the merge tests (see mergetest.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mergetest.h"
#include "test.h"

static void add(mt_op *op, const char *name, uint8_t type, int64_t i,
                const char *s)
{
    ASSERT(op->nf < MT_MAX_FIELDS);
    mt_field *f = &op->f[op->nf++];
    f->name = name;
    f->type = type;
    f->i = i;
    f->s = s;
    f->s_len = s ? (uint32_t)strlen(s) : 0;
}

void mt_str(mt_op *op, const char *name, const char *s)
{
    add(op, name, PROTO_STR, 0, s);
}

void mt_int(mt_op *op, const char *name, int64_t v)
{
    add(op, name, PROTO_INT, v, NULL);
}

void mt_bool(mt_op *op, const char *name, int v)
{
    add(op, name, PROTO_BOOL, v != 0, NULL);
}

typedef struct open_ctx {
    uint64_t device_id;
    const char *name;
} open_ctx;

static int identity_fn(store_txn *t, void *arg)
{
    open_ctx *c = arg;
    return store_identity_init(t, c->device_id, "S1", c->name);
}

store *mt_open(const char *dir, const char *name, uint64_t device_id)
{
    char path[4096];
    store *s;
    open_ctx c = {device_id, name};
    snprintf(path, sizeof path, "%s/%s", dir, name);
    ASSERT_OK(store_open(path, STORE_CREATE, &s));
    ASSERT_OK(store_write(s, identity_fn, &c));
    return s;
}

typedef struct write_ctx {
    const mt_op *in;
    int64_t wall_ms;
    uint64_t seq;
    char seen[FOLD_SEEN_MAX];
} write_ctx;

/* Replayable: builds the op from scratch each time (store_write may run it
 * again after growing the map). */
static int write_fn(store_txn *t, void *arg)
{
    static proto_op op;
    static fold_state st;
    write_ctx *c = arg;
    const mt_op *in = c->in;
    int rc;

    proto_op_init(&op);
    op.kind = in->kind;
    op.action = in->action;
    memcpy(op.entity, in->entity, PROTO_ENTITY_LEN);
    for (uint32_t i = 0; i < in->nf; i++) {
        const mt_field *f = &in->f[i];
        switch (f->type) {
        case PROTO_STR:
            rc = proto_op_add_str(&op, f->name, f->s, f->s_len);
            break;
        case PROTO_INT:
            rc = proto_op_add_int(&op, f->name, f->i);
            break;
        case PROTO_BOOL:
            rc = proto_op_add_bool(&op, f->name, (int)f->i);
            break;
        default:
            rc = proto_op_add_nil(&op, f->name);
            break;
        }
        if (rc)
            return rc;
    }
    if (in->seen) {
        rc = proto_op_add_str(&op, FOLD_SEEN_FIELD, in->seen, strlen(in->seen));
        if (rc)
            return rc;
    } else if (in->with_seen) {
        /* What the handheld does (handheld.c, resolve_target): the writer's
         * view of the entity, from its merged state. */
        const uint8_t *state;
        size_t len, n;
        int kind;
        rc = store_entity_get(t, in->entity, &kind, &state, &len);
        if (rc == 0) {
            if ((rc = fold_state_parse(state, len, &st)) != 0 ||
                (rc = fold_seen_encode(&st, c->seen, sizeof c->seen, &n)) !=
                    0 ||
                (rc = proto_op_add_str(&op, FOLD_SEEN_FIELD, c->seen, n)) != 0)
                return rc;
        } else if (rc != RND_ENOTFOUND) {
            return rc;
        }
    }
    return store_append_local(t, &op, c->wall_ms, &c->seq);
}

int mt_write(store *s, const mt_op *op, int64_t wall_ms, uint64_t *seq)
{
    write_ctx c = {op, wall_ms, 0, {0}};
    int rc = store_write(s, write_fn, &c);
    if (rc == 0 && seq)
        *seq = c.seq;
    return rc;
}

void mt_get_op(store *s, uint64_t device_id, uint64_t seq, uint8_t **enc,
               size_t *len)
{
    store_txn *t;
    const uint8_t *p;
    ASSERT_OK(store_read_begin(s, &t));
    ASSERT_OK(store_op_get(t, device_id, seq, &p, len, NULL));
    *enc = malloc(*len);
    ASSERT(*enc != NULL);
    memcpy(*enc, p, *len);
    store_read_end(t);
}

typedef struct ingest_ctx {
    const uint8_t *const *encs;
    const size_t *lens;
    size_t n;
    int64_t recv_ms;
    size_t added;
} ingest_ctx;

int mt_ingest_prepared;

/* roundsd's way: store_prepare() outside the write, then
 * store_ingest_prepared() given only what it prepared (the decoded op is
 * wiped first, to prove the store does not read it). */
static int ingest_prepared(store_txn *t, const uint8_t *enc, size_t len,
                           int64_t recv_ms, int *added)
{
    static proto_op op;
    static uint8_t state[FOLD_STATE_MAX];
    store_prep prep;
    int rc = proto_op_decode(enc, len, &op);
    if (rc == 0)
        rc = store_prepare(&op, enc, len, state, sizeof state, &prep);
    if (rc)
        return rc;
    memset(&op, 0, sizeof op);
    return store_ingest_prepared(t, &prep, recv_ms, added);
}

static int ingest_fn(store_txn *t, void *arg)
{
    ingest_ctx *c = arg;
    c->added = 0;
    for (size_t i = 0; i < c->n; i++) {
        int added;
        int rc =
            mt_ingest_prepared
                ? ingest_prepared(t, c->encs[i], c->lens[i], c->recv_ms, &added)
                : store_ingest(t, c->encs[i], c->lens[i], c->recv_ms, &added);
        if (rc)
            return rc;
        c->added += (size_t)added;
    }
    return 0;
}

int mt_ingest(store *s, const uint8_t *const *encs, const size_t *lens,
              size_t n, int64_t recv_ms, size_t *added)
{
    ingest_ctx c = {encs, lens, n, recv_ms, 0};
    int rc = store_write(s, ingest_fn, &c);
    if (rc == 0 && added)
        *added = c.added;
    return rc;
}

typedef struct ops_ctx {
    uint8_t **encs;
    size_t *lens;
    size_t n, cap;
} ops_ctx;

static int ops_cb(const uint8_t *enc, size_t len, int64_t recv_ms, void *arg)
{
    ops_ctx *c = arg;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->encs = realloc(c->encs, c->cap * sizeof *c->encs);
        c->lens = realloc(c->lens, c->cap * sizeof *c->lens);
        ASSERT(c->encs != NULL && c->lens != NULL);
    }
    c->encs[c->n] = malloc(len);
    ASSERT(c->encs[c->n] != NULL);
    memcpy(c->encs[c->n], enc, len);
    c->lens[c->n++] = len;
    return 0;
}

size_t mt_ops_of(store *s, uint64_t device_id, uint64_t from, uint8_t ***encs,
                 size_t **lens)
{
    store_txn *t;
    ops_ctx c = {NULL, NULL, 0, 0};
    ASSERT_OK(store_read_begin(s, &t));
    ASSERT_OK(store_ops_each_device(t, device_id, from, ops_cb, &c));
    store_read_end(t);
    *encs = c.encs;
    *lens = c.lens;
    return c.n;
}

void mt_free_ops(uint8_t **encs, size_t *lens, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(encs[i]);
    free(encs);
    free(lens);
}

void mt_digest(store *s, uint8_t out[32], uint64_t *entities)
{
    store_txn *t;
    ASSERT_OK(store_read_begin(s, &t));
    ASSERT_OK(store_digest(t, NULL, NULL, out, entities));
    store_read_end(t);
}

int mt_state(store *s, const uint8_t id[PROTO_ENTITY_LEN], uint8_t *buf,
             size_t cap, fold_state *st)
{
    store_txn *t;
    const uint8_t *state;
    size_t len;
    int kind;
    ASSERT_OK(store_read_begin(s, &t));
    int rc = store_entity_get(t, id, &kind, &state, &len);
    if (rc == 0) {
        ASSERT(len <= cap);
        memcpy(buf, state, len);
    }
    store_read_end(t);
    if (rc == 0)
        rc = fold_state_parse(buf, len, st);
    return rc;
}

typedef struct diff_ctx {
    store *other;
    int reported;
} diff_ctx;

static int diff_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                   const uint8_t *state, size_t len, void *arg)
{
    diff_ctx *c = arg;
    static uint8_t buf[FOLD_STATE_MAX];
    static fold_state a, b;
    char hex[33];
    proto_entity_hex(id, hex);
    int rc = mt_state(c->other, id, buf, sizeof buf, &b);
    if (rc == RND_ENOTFOUND) {
        fprintf(stderr, "  %s %s: only on the first store\n",
                proto_kind_name(kind), hex);
        return c->reported = 1;
    }
    ASSERT_OK(rc);
    if (fold_state_parse(state, len, &a) == 0 &&
        (a.nevents != b.nevents || strcmp(a.status, b.status) != 0 ||
         a.nconflicts != b.nconflicts || a.nfields != b.nfields ||
         memcmp(buf, state, len) != 0)) {
        fprintf(stderr,
                "  %s %s differs: status %s/%s, events %u/%u, fields %u/%u, "
                "conflicts %u/%u\n",
                proto_kind_name(kind), hex, a.status, b.status, a.nevents,
                b.nevents, a.nfields, b.nfields, a.nconflicts, b.nconflicts);
        return c->reported = 1;
    }
    return 0;
}

void mt_diff(store *a, store *b)
{
    store_txn *t;
    diff_ctx c = {b, 0};
    ASSERT_OK(store_read_begin(a, &t));
    for (int kind = 1; kind <= 255 && !c.reported; kind++)
        ASSERT_OK(store_entities_each(t, kind, 0, diff_cb, &c));
    store_read_end(t);
    if (!c.reported)
        fprintf(stderr, "  (the second store has an entity the first lacks)\n");
}

static int rm_cb(const char *path, const struct stat *sb, int flag,
                 struct FTW *ftw)
{
    return remove(path) != 0;
}

void mt_rmtree(const char *dir)
{
    if (dir == NULL || strstr(dir, "rounds-") == NULL)
        return; /* only ever remove what test_tmpdir made */
    if (nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "warning: could not remove %s\n", dir);
}
