/* test_store_attach.c: attach ops in the op format and in the store.
 *
 * - The strict decoder takes an attach op with exactly its fields and
 *   refuses one with a field missing, malformed or extra (EFIELD), and an
 *   attach on master data (EMALFORMED).
 * - The fold keeps attach ops as events, never as fields: two devices
 *   attaching photos to one work order offline make no conflict.
 * - The store indexes each attachment by hash (atts) and by record
 *   (eatts), the reference being the first attach op in fold order, so
 *   two replicas that took the same ops in other orders hold the same
 *   references and the same digest.
 * - Flags are kept; a format-2 store holding attach ops (a handheld that
 *   pulled them before it was upgraded) has them indexed by the open that
 *   migrates it to format 3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "sha256.h"
#include "fold.h"
#include "store.h"
#include "store_int.h"
#include "test.h"

static const uint8_t WO[PROTO_ENTITY_LEN] = {0x01, 0x90, 1, 2,  3,  4,  5,  6,
                                             7,    8,    9, 10, 11, 12, 13, 14};

static void hash_of(char c, uint8_t out[PROTO_HASH_LEN])
{
    proto_sha256(&c, 1, out);
}

/* An encoded op from device dev, seq seq, stamp hlc, in buf. */
typedef struct built {
    proto_op op;
    uint8_t enc[4096];
    size_t len;
    char hex[2][PROTO_ATTACH_HEX + 1];
} built;

static void build_create(built *b, uint64_t dev, uint64_t seq, uint64_t hlc)
{
    proto_op_init(&b->op);
    b->op.device_id = dev;
    b->op.seq = seq;
    b->op.hlc = hlc;
    b->op.wall_ms = (int64_t)(hlc >> 16);
    b->op.kind = PROTO_KIND_WORKORDER;
    b->op.action = PROTO_ACTION_CREATE;
    memcpy(b->op.entity, WO, sizeof WO);
    ASSERT_OK(proto_op_add_str(&b->op, "place", "B3 lobby", 8));
    ASSERT_OK(proto_op_add_str(&b->op, "category", "plumbing", 8));
    ASSERT_OK(proto_op_encode(&b->op, b->enc, sizeof b->enc, &b->len));
}

static void build_attach(built *b, uint64_t dev, uint64_t seq, uint64_t hlc,
                         char which, const char *by)
{
    proto_attach a = {0};
    hash_of(which, a.hash);
    a.size = 300000 + (uint64_t)which;
    a.media = PROTO_MEDIA_JPEG;
    a.role = PROTO_ATT_PHOTO;
    a.by = by;
    a.by_len = (uint32_t)strlen(by);
    proto_op_init(&b->op);
    b->op.device_id = dev;
    b->op.seq = seq;
    b->op.hlc = hlc;
    b->op.wall_ms = (int64_t)(hlc >> 16);
    b->op.kind = PROTO_KIND_WORKORDER;
    b->op.action = PROTO_ACTION_ATTACH;
    memcpy(b->op.entity, WO, sizeof WO);
    ASSERT_OK(proto_attach_fields(&a, &b->op, b->hex));
    ASSERT_OK(proto_op_encode(&b->op, b->enc, sizeof b->enc, &b->len));
}

/* ---- the op format ------------------------------------------------------ */

static void strict_decode(void)
{
    static built b;
    static proto_op out;
    proto_attach a;
    build_attach(&b, 7, 1, (uint64_t)1000 << 16, 'x', "guard-wang");
    ASSERT_OK(proto_op_decode_strict(b.enc, b.len, &out));
    ASSERT_OK(proto_attach_read(&out, &a));
    ASSERT_EQ(a.role, PROTO_ATT_PHOTO);
    ASSERT_EQ(a.media, PROTO_MEDIA_JPEG);
    ASSERT_U64_EQ(a.size, 300000 + 'x');
    uint8_t want[PROTO_HASH_LEN];
    hash_of('x', want);
    ASSERT_MEM_EQ(a.hash, want, PROTO_HASH_LEN);

    /* A field too many, one missing, one malformed: EFIELD, each. */
    static built bad;
    bad = b;
    ASSERT_OK(proto_op_add_str(&bad.op, "note", "hello", 5));
    ASSERT_OK(proto_op_encode(&bad.op, bad.enc, sizeof bad.enc, &bad.len));
    ASSERT_ERR(proto_op_decode_strict(bad.enc, bad.len, &out), RND_EFIELD);

    const char *drop[] = {"att_by", "att_hash", "att_role", "att_size",
                          "att_type"};
    for (size_t d = 0; d < sizeof drop / sizeof *drop; d++) {
        bad = b;
        bad.op.nfields = 0;
        for (uint32_t i = 0; i < b.op.nfields; i++)
            if (!proto_field_is(
                    &(proto_field){.type = PROTO_STR,
                                   .str = b.op.fields[i].name,
                                   .str_len = b.op.fields[i].name_len},
                    drop[d]))
                bad.op.fields[bad.op.nfields++] = b.op.fields[i];
        ASSERT_EQ(bad.op.nfields, b.op.nfields - 1);
        ASSERT_OK(proto_op_encode(&bad.op, bad.enc, sizeof bad.enc, &bad.len));
        ASSERT_ERR(proto_op_decode_strict(bad.enc, bad.len, &out), RND_EFIELD);
        /* The lenient decoder of stored ops takes it; the store does not
         * index it (below, nothing to fetch). */
        ASSERT_OK(proto_op_decode(bad.enc, bad.len, &out));
    }
    struct {
        const char *name, *value;
    } wrong[] = {
        {"att_type", "image/gif"},
        {"att_role", "selfie"},
        {"att_hash",
         "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789"},
        {"att_hash", "abc"},
    };
    for (size_t w = 0; w < sizeof wrong / sizeof *wrong; w++) {
        bad = b;
        for (uint32_t i = 0; i < bad.op.nfields; i++)
            if (strlen(wrong[w].name) == bad.op.fields[i].name_len &&
                memcmp(bad.op.fields[i].name, wrong[w].name,
                       bad.op.fields[i].name_len) == 0) {
                bad.op.fields[i].str = wrong[w].value;
                bad.op.fields[i].str_len = (uint32_t)strlen(wrong[w].value);
            }
        ASSERT_OK(proto_op_encode(&bad.op, bad.enc, sizeof bad.enc, &bad.len));
        ASSERT_ERR(proto_op_decode_strict(bad.enc, bad.len, &out), RND_EFIELD);
    }
    /* A size of 0 or past the format's bound. */
    int64_t sizes[] = {0, PROTO_ATTACH_SIZE_MAX + 1};
    for (size_t i = 0; i < 2; i++) {
        bad = b;
        for (uint32_t f = 0; f < bad.op.nfields; f++)
            if (bad.op.fields[f].name_len == 8 &&
                memcmp(bad.op.fields[f].name, "att_size", 8) == 0)
                bad.op.fields[f].i = sizes[i];
        ASSERT_OK(proto_op_encode(&bad.op, bad.enc, sizeof bad.enc, &bad.len));
        ASSERT_ERR(proto_op_decode_strict(bad.enc, bad.len, &out), RND_EFIELD);
    }
    /* A thumbnail must say of what; a photo must not. */
    proto_attach t = a;
    t.role = PROTO_ATT_THUMB;
    static proto_op top;
    proto_op_init(&top);
    ASSERT_ERR(proto_attach_fields(&t, &top, b.hex), RND_EFIELD);
    t.has_of = 1;
    hash_of('y', t.of);
    proto_op_init(&top);
    ASSERT_OK(proto_attach_fields(&t, &top, b.hex));
    top.action = PROTO_ACTION_ATTACH;
    proto_attach back;
    ASSERT_OK(proto_attach_read(&top, &back));
    ASSERT(back.has_of);
    ASSERT_MEM_EQ(back.of, t.of, PROTO_HASH_LEN);

    /* Master data takes no attachment. */
    bad = b;
    bad.op.kind = PROTO_KIND_STAFF;
    ASSERT_OK(proto_op_encode(&bad.op, bad.enc, sizeof bad.enc, &bad.len));
    ASSERT_ERR(proto_op_decode_strict(bad.enc, bad.len, &out), RND_EMALFORMED);

    /* Hex both ways. */
    char hex[PROTO_ATTACH_HEX + 1];
    uint8_t h2[PROTO_HASH_LEN];
    proto_hash_hex(want, hex);
    ASSERT_EQ(strlen(hex), 64);
    ASSERT_OK(proto_hash_unhex(hex, 64, h2));
    ASSERT_MEM_EQ(h2, want, PROTO_HASH_LEN);
    ASSERT_ERR(proto_hash_unhex(hex, 63, h2), RND_EINVAL);
    hex[5] = 'g';
    ASSERT_ERR(proto_hash_unhex(hex, 64, h2), RND_EINVAL);
}

/* ---- the store ---------------------------------------------------------- */

typedef struct feed {
    built *ops;
    const int *order;
    size_t n;
} feed;

static int feed_fn(store_txn *t, void *ctx)
{
    feed *f = ctx;
    for (size_t i = 0; i < f->n; i++) {
        built *b = &f->ops[f->order[i]];
        int added;
        int rc = store_ingest(t, b->enc, b->len, 5, &added);
        if (rc)
            return rc;
    }
    return 0;
}

typedef struct refs {
    size_t n;
    store_att_ref r[8];
    store_att a[8];
} refs;

static int ref_cb(const store_att_ref *r, const store_att *a, void *ctx)
{
    refs *x = ctx;
    ASSERT(x->n < 8);
    x->r[x->n] = *r;
    x->a[x->n++] = *a;
    return 0;
}

static void temp_dir(char *dir, size_t cap)
{
    snprintf(dir, cap, "/tmp/rnd-att-XXXXXX");
    ASSERT(mkdtemp(dir) != NULL);
}

static void rm_dir(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ASSERT_EQ(system(cmd), 0);
}

/* Ops: the order's create (device 1), photos x and y from device 1, photo
 * x again from device 2 stamped before device 1's (both offline), photo z
 * from device 2. */
#define NOPS 5
static built ops[NOPS];

static void make_ops(void)
{
    build_create(&ops[0], 1, 1, (uint64_t)1000 << 16);
    build_attach(&ops[1], 1, 2, (uint64_t)2000 << 16, 'x', "guard-wang");
    build_attach(&ops[2], 1, 3, (uint64_t)2001 << 16, 'y', "guard-wang");
    build_attach(&ops[3], 2, 1, (uint64_t)1500 << 16, 'x', "butler-li");
    build_attach(&ops[4], 2, 2, (uint64_t)1600 << 16, 'z', "butler-li");
}

static void replica(const int *order, refs *out, uint8_t digest[32])
{
    char dir[64];
    store *s;
    temp_dir(dir, sizeof dir);
    ASSERT_OK(store_open(dir, STORE_CREATE, &s));
    feed f = {ops, order, NOPS};
    ASSERT_OK(store_write(s, feed_fn, &f));
    store_txn *t;
    ASSERT_OK(store_read_begin(s, &t));
    memset(out, 0, sizeof *out);
    ASSERT_OK(store_att_each_of(t, WO, ref_cb, out));
    ASSERT_OK(store_digest(t, NULL, NULL, digest, NULL));

    /* The work order's state: no att_ field, no conflict, four attach
     * events beside the create. */
    int kind;
    const uint8_t *state;
    size_t len;
    static fold_state st;
    ASSERT_OK(store_entity_get(t, WO, &kind, &state, &len));
    ASSERT_OK(fold_state_parse(state, len, &st));
    for (uint32_t i = 0; i < st.nfields; i++)
        ASSERT(st.fields[i].name_len < 4 ||
               memcmp(st.fields[i].name, "att_", 4) != 0);
    ASSERT_EQ(st.nconflicts, 0);
    ASSERT_EQ(st.nevents, 5);
    int attaches = 0;
    for (uint32_t i = 0; i < st.nevents; i++)
        attaches += st.events[i].action == PROTO_ACTION_ATTACH;
    ASSERT_EQ(attaches, 4);
    ASSERT_STR_EQ(st.status, "reported");
    store_read_end(t);
    store_close(s);
    rm_dir(dir);
}

/* Field by field: a struct's padding is not part of what replicas hold. */
static void same_refs(const refs *x, const refs *y)
{
    ASSERT_EQ(x->n, y->n);
    for (size_t i = 0; i < x->n; i++) {
        const store_att_ref *p = &x->r[i], *q = &y->r[i];
        ASSERT_MEM_EQ(p->entity, q->entity, PROTO_ENTITY_LEN);
        ASSERT_MEM_EQ(p->hash, q->hash, PROTO_HASH_LEN);
        ASSERT_EQ(p->role, q->role);
        ASSERT_EQ(p->has_of, q->has_of);
        ASSERT_MEM_EQ(p->of, q->of, PROTO_HASH_LEN);
        ASSERT_U64_EQ(p->hlc, q->hlc);
        ASSERT_U64_EQ(p->device_id, q->device_id);
        ASSERT_U64_EQ(p->seq, q->seq);
        ASSERT_EQ(p->wall_ms, q->wall_ms);
        ASSERT_U64_EQ(x->a[i].size, y->a[i].size);
        ASSERT_EQ(x->a[i].media, y->a[i].media);
    }
}

static void index_and_convergence(void)
{
    make_ops();
    static const int fwd[NOPS] = {0, 1, 2, 3, 4};
    static const int rev[NOPS] = {4, 3, 2, 1, 0};
    static const int mix[NOPS] = {3, 0, 4, 2, 1};
    refs a, b, c;
    uint8_t da[32], db[32], dc[32];
    replica(fwd, &a, da);
    replica(rev, &b, db);
    replica(mix, &c, dc);

    /* Three attachments, by hash within the record. */
    ASSERT_EQ(a.n, 3);
    ASSERT_EQ(b.n, 3);
    ASSERT_EQ(c.n, 3);
    same_refs(&a, &b);
    same_refs(&a, &c);
    ASSERT_MEM_EQ(da, db, 32);
    ASSERT_MEM_EQ(da, dc, 32);
    for (size_t i = 1; i < a.n; i++)
        ASSERT(memcmp(a.r[i - 1].hash, a.r[i].hash, PROTO_HASH_LEN) < 0);
    uint8_t hx[PROTO_HASH_LEN];
    hash_of('x', hx);
    int seen_x = 0;
    for (size_t i = 0; i < a.n; i++) {
        ASSERT_EQ(a.r[i].role, PROTO_ATT_PHOTO);
        ASSERT_EQ(a.a[i].media, PROTO_MEDIA_JPEG);
        ASSERT_EQ(a.a[i].flags, 0);
        if (memcmp(a.r[i].hash, hx, PROTO_HASH_LEN) == 0) {
            /* x was attached by both: the reference is device 2's, first
             * in fold order, whichever came first. */
            seen_x = 1;
            ASSERT_U64_EQ(a.r[i].device_id, 2);
            ASSERT_U64_EQ(a.r[i].seq, 1);
            ASSERT_U64_EQ(a.a[i].size, 300000 + 'x');
        }
    }
    ASSERT(seen_x);
}

static int flags_fn(store_txn *t, void *ctx)
{
    uint8_t h[PROTO_HASH_LEN];
    hash_of(*(char *)ctx, h);
    return store_att_set_flags(t, h, STORE_ATT_SENT);
}

static int count_cb(const store_att *a, void *ctx)
{
    (void)a;
    (*(int *)ctx)++;
    return 0;
}

/* Drops the attachment indexes and says format 2: the store a format-2
 * handheld that pulled attach ops would have. */
static int downgrade_fn(store_txn *t, void *ctx)
{
    (void)ctx;
    int rc = mdb_drop(t->txn, t->s->atts, 0);
    if (rc == 0)
        rc = mdb_drop(t->txn, t->s->eatts, 0);
    return rc ? RND_ESTORE : store_meta_put_u64(t, "format", 2);
}

static void flags_and_migration(void)
{
    make_ops();
    char dir[64];
    store *s;
    temp_dir(dir, sizeof dir);
    ASSERT_OK(store_open(dir, STORE_CREATE, &s));
    static const int fwd[NOPS] = {0, 1, 2, 3, 4};
    feed f = {ops, fwd, NOPS};
    ASSERT_OK(store_write(s, feed_fn, &f));
    char which = 'y';
    ASSERT_OK(store_write(s, flags_fn, &which));
    which = 'q'; /* named by no op */
    ASSERT_ERR(store_write(s, flags_fn, &which), RND_ENOTFOUND);
    store_txn *t;
    store_att att;
    uint8_t hy[PROTO_HASH_LEN];
    hash_of('y', hy);
    ASSERT_OK(store_read_begin(s, &t));
    ASSERT_OK(store_att_get(t, hy, &att));
    ASSERT_EQ(att.flags, STORE_ATT_SENT);
    int n = 0;
    ASSERT_OK(store_att_each(t, count_cb, &n));
    ASSERT_EQ(n, 3);
    store_read_end(t);

    ASSERT_OK(store_write(s, downgrade_fn, NULL));
    store_close(s);
    /* Read-only, a format-2 store is read as it is: no attachments. */
    ASSERT_OK(store_open(dir, STORE_RDONLY, &s));
    ASSERT_EQ(store_format(s), 2);
    ASSERT_OK(store_read_begin(s, &t));
    n = 0;
    ASSERT_OK(store_att_each(t, count_cb, &n));
    ASSERT_EQ(n, 0);
    ASSERT_ERR(store_att_get(t, hy, &att), RND_ENOTFOUND);
    store_read_end(t);
    store_close(s);
    /* Writable: migrated, the attach ops indexed again. */
    int from = 0;
    ASSERT_OK(store_open_migrate(dir, 0, &s, &from));
    ASSERT_EQ(from, 2);
    ASSERT_EQ(store_format(s), STORE_FORMAT_VERSION);
    ASSERT_OK(store_read_begin(s, &t));
    n = 0;
    ASSERT_OK(store_att_each(t, count_cb, &n));
    ASSERT_EQ(n, 3);
    refs r = {0};
    ASSERT_OK(store_att_each_of(t, WO, ref_cb, &r));
    ASSERT_EQ(r.n, 3);
    store_read_end(t);
    store_close(s);
    rm_dir(dir);
}

int main(void)
{
    strict_decode();
    index_and_convergence();
    flags_and_migration();
    printf("test_store_attach: ok\n");
    return 0;
}
