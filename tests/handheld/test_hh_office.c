/* test_hh_office.c: the office's master data on the handheld, offline:
 * blacklist hits at visitor and vehicle entry are recorded with
 * blacklist_hit / blacklist_reason / blacklist_id and reported
 * (hh_blacklist_hits, hh_last_warning) while the call succeeds; a
 * resident plate is refused with RND_EEXIST and nothing is written; a
 * retired entry no longer matches; hh_conflicts lists a concurrent
 * assignment. The office's ops are made in a store of their own and
 * ingested, as a sync would. */
#include <stdlib.h>
#include <string.h>

#include "../../handheld/handheld.h"
#include "../../handheld/hh_internal.h" /* hh_store */
#include "../../proto/pii.h"
#include "../../storage/store.h"
#include "test.h"

#define OFFICE_ID 0x0ff1ce0000000001ull
#define OTHER_ID 0x0123456789abcdefull

static int64_t fake_now = 1795860000000; /* 2026-11-28T10:00:00Z */
static int64_t clock_fn(void *ctx)
{
    return fake_now;
}

static hh *h;
static store *office;
static uint64_t synced; /* office ops already copied to the handheld */
static char idhex[33];

typedef struct op_ctx {
    proto_op op;
} op_ctx;

static int append_fn(store_txn *t, void *arg)
{
    op_ctx *c = arg;
    return store_append_local(t, &c->op, fake_now, NULL);
}

/* The office writes one op: kind, action, entity n (a made-up id), and
 * NULL-terminated name, value string pairs. */
static void office_op(int kind, int action, int n, const char *const *kv)
{
    static op_ctx c;
    proto_op_init(&c.op);
    c.op.kind = (uint8_t)kind;
    c.op.action = (uint8_t)action;
    c.op.entity[15] = (uint8_t)n;
    c.op.entity[14] = (uint8_t)kind;
    for (int i = 0; kv && kv[i]; i += 2)
        ASSERT_OK(proto_op_add_str(&c.op, kv[i], kv[i + 1], strlen(kv[i + 1])));
    fake_now++;
    ASSERT_OK(store_write(office, append_fn, &c));
}

typedef struct copy_ctx {
    uint8_t *bufs[64];
    size_t lens[64];
    size_t n;
} copy_ctx;

static int collect_cb(const uint8_t *enc, size_t len, int64_t recv_ms,
                      void *arg)
{
    copy_ctx *c = arg;
    ASSERT(c->n < 64);
    c->bufs[c->n] = malloc(len);
    memcpy(c->bufs[c->n], enc, len);
    c->lens[c->n++] = len;
    return 0;
}

static int ingest_fn(store_txn *t, void *arg)
{
    copy_ctx *c = arg;
    for (size_t i = 0; i < c->n; i++) {
        int added;
        int rc = store_ingest(t, c->bufs[i], c->lens[i], fake_now, &added);
        if (rc)
            return rc;
    }
    return 0;
}

/* Copies the office's new ops into the handheld's store (a pull). */
static void sync_down(void)
{
    copy_ctx c = {0};
    store_txn *t;
    ASSERT_OK(store_read_begin(office, &t));
    ASSERT_OK(store_ops_each_device(t, OFFICE_ID, synced + 1, collect_cb, &c));
    store_read_end(t);
    ASSERT_OK(store_write(hh_store(h), ingest_fn, &c));
    synced += c.n;
    for (size_t i = 0; i < c.n; i++)
        free(c.bufs[i]);
}

static int rec(const char *verb, const char *target, const char *const *pairs)
{
    hh_kv kv[32];
    size_t n = 0;
    uint8_t id[16];
    for (; pairs && pairs[n * 2]; n++) {
        kv[n].name = pairs[n * 2];
        kv[n].value = pairs[n * 2 + 1];
    }
    int rc = hh_record(h, verb, target, kv, n, id, NULL);
    if (rc == 0)
        proto_entity_hex(id, idhex);
    return rc;
}

#define P(...) ((const char *const[]){__VA_ARGS__, NULL})

static fold_state got;
static int copy_cb(const fold_state *st, void *arg)
{
    memcpy(&got, st, sizeof got);
    return 0;
}

static const char *field(const char *id, const char *name)
{
    static char buf[PROTO_FIELD_STR_MAX + 1];
    ASSERT_OK(hh_get(h, id, copy_cb, NULL));
    const proto_field *f = fold_state_field(&got, name);
    if (f == NULL)
        return "(absent)";
    if (f->type == PROTO_BOOL)
        return f->i ? "true" : "false";
    snprintf(buf, sizeof buf, "%.*s", (int)f->str_len, f->str);
    return buf;
}

static uint64_t own_ops(void)
{
    hh_status_info st;
    ASSERT_OK(hh_status(h, &st));
    return st.own_ops;
}

static void visitor(const char *name, const char *id_no, const char *plate)
{
    if (plate)
        ASSERT_OK(
            rec("visit.enter", NULL,
                P("name", name, "id_type", "id_card", "id_no", id_no, "unit",
                  "1-1-101", "purpose", "visit", "plate", plate)));
    else
        ASSERT_OK(rec("visit.enter", NULL,
                      P("name", name, "id_type", "id_card", "id_no", id_no,
                        "unit", "1-1-101", "purpose", "visit")));
}

static uint8_t pii_priv[PROTO_PII_PRIV_LEN];

static int contains(const uint8_t *p, size_t n, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(p + i, s, k) == 0)
            return 1;
    return 0;
}

/* The office's key for personal data, as `roundsd enroll` publishes it. */
static void publish_key(void)
{
    uint8_t pub[PROTO_PII_PUB_LEN];
    char text[100];
    ASSERT_OK(proto_pii_keygen(pii_priv, pub));
    proto_pii_pub_text(pub, text, sizeof text);
    office_op(PROTO_KIND_PII_KEY, PROTO_ACTION_CREATE, 9,
              P("key_id", "0011223344556677", "pub", text));
}

static void gate(void)
{
    /* Before any master data: nothing matches, and with no office key
     * the personal data is kept masked only, with a warning. */
    visitor("Qian Bao", "110101199001011234", NULL);
    ASSERT_EQ(hh_blacklist_hits(h), 0);
    ASSERT(strstr(hh_last_warning(h), "no office key") != NULL);
    ASSERT_STR_EQ(field(idhex, "id_no"), "110*************34");
    publish_key();
    sync_down();
    visitor("Qian Bao", "110101199001011234", NULL);
    ASSERT_STR_EQ(hh_last_warning(h), "");

    office_op(PROTO_KIND_BLACKLIST, PROTO_ACTION_CREATE, 1,
              P("type", "person", "name", "Qian Bao", "id_no",
                "110101199001011234", "reason", "theft in 2025"));
    office_op(
        PROTO_KIND_BLACKLIST, PROTO_ACTION_CREATE, 2,
        P("type", "person", "name", "Zhao Si", "reason", "harassed residents"));
    office_op(PROTO_KIND_BLACKLIST, PROTO_ACTION_CREATE, 3,
              P("type", "plate", "plate", "沪B99999", "reason", "dumping"));
    office_op(PROTO_KIND_PLATE, PROTO_ACTION_CREATE, 4,
              P("plate", "京A12345", "unit", "1-1-101"));
    sync_down();

    /* By ID number: the name may be spelt otherwise. */
    visitor("qian  BAO", "110101 199001011234", NULL);
    ASSERT_EQ(hh_blacklist_hits(h), 1);
    ASSERT(strstr(hh_last_warning(h), "theft in 2025") != NULL);
    ASSERT(strstr(hh_last_warning(h), "ID number") != NULL);
    ASSERT_STR_EQ(field(idhex, "blacklist_hit"), "true");
    ASSERT_STR_EQ(field(idhex, "blacklist_reason"), "theft in 2025");
    ASSERT_STR_EQ(field(idhex, "blacklist_id"),
                  "00000000000000000000000000002601");
    ASSERT_STR_EQ(got.status, "inside");
    /* The entry has an ID number: the same name with another is no hit. */
    visitor("Qian Bao", "999", NULL);
    ASSERT_EQ(hh_blacklist_hits(h), 0);
    ASSERT_STR_EQ(field(idhex, "blacklist_hit"), "(absent)");
    /* By name when the entry has none. */
    visitor(" ZHAO si ", "E1", NULL);
    ASSERT_EQ(hh_blacklist_hits(h), 1);
    ASSERT(strstr(hh_last_warning(h), "harassed residents") != NULL);
    /* A visitor's car. */
    visitor("Sun Li", "321", "沪b-99999");
    ASSERT_EQ(hh_blacklist_hits(h), 1);
    ASSERT(strstr(hh_last_warning(h), "plate 沪B99999") != NULL);
    /* Vehicles. */
    ASSERT_OK(rec("vehicle.enter", NULL, P("plate", "沪B·99999", "gate", "A")));
    ASSERT_EQ(hh_blacklist_hits(h), 1);
    ASSERT_STR_EQ(field(idhex, "blacklist_reason"), "dumping");
    ASSERT_OK(rec("vehicle.enter", NULL, P("plate", "粤C55555")));
    ASSERT_EQ(hh_blacklist_hits(h), 0);
    /* A refusal is not checked (the guard already turned them away). */
    ASSERT_OK(
        rec("visit.refuse", NULL, P("name", "Zhao Si", "reason", "no ID")));
    ASSERT_EQ(hh_blacklist_hits(h), 0);

    /* A resident vehicle: refused, nothing written. */
    uint64_t before = own_ops();
    ASSERT_ERR(rec("vehicle.enter", NULL, P("plate", "京a 12345")), RND_EEXIST);
    ASSERT(strstr(hh_last_error(h),
                  "plate 京a 12345 is a resident vehicle of unit 1-1-101: "
                  "no registration needed") != NULL);
    ASSERT_EQ(own_ops(), before);
    ASSERT_EQ(hh_blacklist_hits(h), 0);

    /* A batch counts its hits. */
    hh_kv v1[] = {{"name", "Zhao Si"},
                  {"id_type", "other"},
                  {"id_no", "-"},
                  {"unit", "1-1-101"},
                  {"purpose", "x"}};
    hh_kv v2[] = {{"plate", "X-1"}};
    hh_batch_item items[2] = {{"visit.enter", NULL, v1, 5, {0}, {0}},
                              {"vehicle.enter", NULL, v2, 1, {0}, {0}}};
    ASSERT_OK(hh_record_many(h, items, 2, NULL));
    ASSERT_EQ(hh_blacklist_hits(h), 1);

    /* Retired entries match no more; a retired resident plate registers. */
    office_op(PROTO_KIND_BLACKLIST, PROTO_ACTION_RETIRE, 3, NULL);
    office_op(PROTO_KIND_PLATE, PROTO_ACTION_RETIRE, 4, NULL);
    sync_down();
    ASSERT_OK(rec("vehicle.enter", NULL, P("plate", "沪B99999")));
    ASSERT_EQ(hh_blacklist_hits(h), 0);
    ASSERT_OK(rec("vehicle.enter", NULL, P("plate", "京A12345")));
}

/* The visitor's ID number and phone are sealed in the create op for the
 * office's key; the merged record and the op hold masked forms only. */
static void personal_data(void)
{
    ASSERT_OK(rec("visit.enter", NULL,
                  P("name", "Wang Wei", "id_type", "id_card", "id_no",
                    "110101199003071234", "phone", "13812345678", "unit",
                    "3-2-1201", "purpose", "delivery")));
    ASSERT_STR_EQ(field(idhex, "id_no"), "110*************34");
    ASSERT_STR_EQ(field(idhex, "phone"), "*******5678");
    ASSERT_STR_EQ(field(idhex, "_pii"), "(absent)"); /* op metadata */
    const fold_event *e = &got.events[0];
    store_txn *t;
    const uint8_t *enc;
    size_t len;
    int64_t recv;
    static proto_op op;
    ASSERT_OK(store_read_begin(hh_store(h), &t));
    ASSERT_OK(store_op_get(t, e->device_id, e->seq, &enc, &len, &recv));
    ASSERT_OK(proto_op_decode(enc, len, &op));
    ASSERT(!contains(enc, len, "1101011990"));
    ASSERT(!contains(enc, len, "13812345678"));
    const proto_field *env = proto_op_field(&op, PROTO_PII_FIELD);
    ASSERT(env != NULL);
    uint8_t buf[512];
    proto_pii_item items[PROTO_PII_MAX_FIELDS];
    size_t n;
    ASSERT_OK(proto_pii_open(pii_priv, op.entity, env->str, env->str_len, buf,
                             sizeof buf, items, &n));
    store_read_end(t);
    ASSERT_EQ(n, 2);
    ASSERT(items[0].value_len == 18 &&
           memcmp(items[0].value, "110101199003071234", 18) == 0);
    ASSERT(items[1].value_len == 11 &&
           memcmp(items[1].value, "13812345678", 11) == 0);
}

typedef struct conflict_seen {
    int n;
    char field[32];
    size_t ncand;
    hh_candidate cand[2];
    char value[2][8];
} conflict_seen;

/* Reads the record's first conflict through the public accessors. */
static int conflict_cb(const hh_entity *st, void *arg)
{
    conflict_seen *c = arg;
    hh_conflict cf;
    c->n++;
    ASSERT_EQ((int)hh_entity_nconflicts(st), 1);
    ASSERT_OK(hh_entity_conflict(st, 0, &cf));
    ASSERT_ERR(hh_entity_conflict(st, 1, &cf), RND_ENOTFOUND);
    ASSERT_OK(hh_entity_conflict(st, 0, &cf));
    snprintf(c->field, sizeof c->field, "%.*s", (int)cf.field_len, cf.field);
    c->ncand = cf.ncand;
    for (size_t j = 0; j < 2 && j < cf.ncand; j++) {
        ASSERT_OK(hh_entity_candidate(st, 0, j, &c->cand[j]));
        snprintf(c->value[j], sizeof c->value[j], "%.*s",
                 (int)c->cand[j].value.str_len, c->cand[j].value.str);
    }
    hh_candidate past;
    ASSERT_ERR(hh_entity_candidate(st, 0, cf.ncand, &past), RND_ENOTFOUND);
    ASSERT_ERR(hh_entity_candidate(st, 1, 0, &past), RND_ENOTFOUND);
    ASSERT_EQ(past.device_id, 0);
    return 0;
}

typedef struct foreign_ctx {
    uint8_t buf[1024];
    size_t len;
} foreign_ctx;

static int foreign_fn(store_txn *t, void *arg)
{
    foreign_ctx *c = arg;
    int added;
    return store_ingest(t, c->buf, c->len, fake_now, &added);
}

static void conflicts(void)
{
    conflict_seen cs = {0};
    ASSERT_OK(hh_conflicts(h, conflict_cb, &cs));
    ASSERT_EQ(cs.n, 0);

    ASSERT_OK(rec(
        "workorder.create", NULL,
        P("place", "1-1-101", "category", "plumbing", "description", "leak")));
    char wo[33];
    memcpy(wo, idhex, sizeof wo);
    /* Another handheld saw the create (all this device's ops so far) and
     * dispatched to T-02; this one dispatches to T-01 without seeing it. */
    hh_status_info si;
    ASSERT_OK(hh_status(h, &si));
    char seen[64];
    snprintf(seen, sizeof seen, "%016llx:%llu",
             (unsigned long long)si.device_id, (unsigned long long)si.own_ops);
    ASSERT_OK(
        rec("workorder.dispatch", wo, P("assignee", "T-01", "by", "desk")));
    proto_op op;
    proto_op_init(&op);
    op.device_id = OTHER_ID;
    op.seq = 1;
    op.wall_ms = fake_now;
    op.hlc = PROTO_HLC_MAKE(fake_now, 5);
    op.kind = PROTO_KIND_WORKORDER;
    op.action = PROTO_ACTION_DISPATCH;
    ASSERT_OK(proto_entity_parse(wo, op.entity));
    ASSERT_OK(proto_op_add_str(&op, "assignee", "T-02", 4));
    ASSERT_OK(proto_op_add_str(&op, "dispatch_by", "desk", 4));
    ASSERT_OK(proto_op_add_str(&op, FOLD_SEEN_FIELD, seen, strlen(seen)));
    foreign_ctx fc;
    ASSERT_OK(proto_op_encode(&op, fc.buf, sizeof fc.buf, &fc.len));
    ASSERT_OK(store_write(hh_store(h), foreign_fn, &fc));

    ASSERT_OK(hh_conflicts(h, conflict_cb, &cs));
    ASSERT_EQ(cs.n, 1);
    ASSERT_STR_EQ(cs.field, "assignee");
    ASSERT_EQ((int)cs.ncand, 2);
    /* The candidates (in (hlc, device, seq) order), each with its op's
     * writer, number, stamp and wall clock. */
    int mine = strcmp(cs.value[0], "T-01") == 0 ? 0 : 1;
    const hh_candidate *a = &cs.cand[mine], *b = &cs.cand[!mine];
    ASSERT_STR_EQ(cs.value[mine], "T-01");
    ASSERT_STR_EQ(cs.value[!mine], "T-02");
    ASSERT(cs.cand[0].hlc <= cs.cand[1].hlc);
    ASSERT_EQ(a->value.type, HH_VAL_STR);
    ASSERT_U64_EQ(a->device_id, si.device_id);
    ASSERT_U64_EQ(a->seq, si.own_ops + 1);
    ASSERT_EQ(a->time_ms, hh_hlc_ms(a->hlc));
    ASSERT_EQ(a->wall_ms, fake_now);
    ASSERT_U64_EQ(b->device_id, OTHER_ID);
    ASSERT_U64_EQ(b->seq, 1);
    ASSERT_U64_EQ(b->hlc, PROTO_HLC_MAKE(fake_now, 5));
    ASSERT_EQ(b->time_ms, fake_now);
    ASSERT_EQ(b->wall_ms, fake_now);
}

static int init_office(store_txn *t, void *arg)
{
    return store_identity_init(t, OFFICE_ID, "S1", "office");
}

int main(void)
{
    char *dir = test_tmpdir("hh-office");
    char hdir[4096], odir[4096];
    snprintf(hdir, sizeof hdir, "%s/hh", dir);
    snprintf(odir, sizeof odir, "%s/office", dir);
    ASSERT_OK(hh_init(hdir, "S1", "gate-1", &h));
    hh_set_clock(h, clock_fn, NULL);
    ASSERT_OK(hh_set_user(h, "guard-li"));
    ASSERT_OK(store_open(odir, STORE_CREATE, &office));
    ASSERT_OK(store_write(office, init_office, NULL));

    gate();
    personal_data();
    conflicts();

    store_close(office);
    hh_close(h);
    test_rmtree(dir);
    free(dir);
    return 0;
}
