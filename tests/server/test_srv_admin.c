/* test_srv_admin.c: the office's writes on a site store (admin.h):
 * deterministic master-data ids, add/set/retire and their refusals, flag
 * validation naming the flag, canonical keys (plates, blacklisted persons),
 * _seen on every op after the create, listings sorted by key, and a
 * concurrent-assignment conflict listed and then resolved by an office op.
 */
#include <stdlib.h>
#include <string.h>

#include "../../server/admin.h"
#include "../../server/site.h"
#include "test.h"

#define T0 1795860000000LL
#define ID_A 0xa1a1a1a1a1a1a1a1ull
#define ID_B 0xb2b2b2b2b2b2b2b2ull

static store *st;
static uint64_t office;
static srv_admin_out out;
static int64_t now = T0;

#define KV(...) ((const srv_admin_kv[]){__VA_ARGS__})
#define NKV(...)                                                               \
    (sizeof((const srv_admin_kv[]){__VA_ARGS__}) / sizeof(srv_admin_kv))
/* put(MODE, KIND, TARGET, {"flag","value"}, ...) */
#define put(mode, noun, target, ...)                                           \
    srv_admin_write(st, "S1", srv_md_find(noun), mode, target,                 \
                    KV(__VA_ARGS__), NKV(__VA_ARGS__), now++, &out)

static fold_state fs;

/* Parses the entity id into fs; returns its kind. */
static int get(const uint8_t id[PROTO_ENTITY_LEN])
{
    store_txn *t;
    const uint8_t *state;
    size_t len;
    int kind;
    ASSERT_OK(store_read_begin(st, &t));
    ASSERT_OK(store_entity_get(t, id, &kind, &state, &len));
    ASSERT_OK(fold_state_parse(state, len, &fs));
    store_read_end(t);
    return kind;
}

static const char *str_field(const char *name)
{
    static char buf[PROTO_FIELD_STR_MAX + 1];
    const proto_field *f = fold_state_field(&fs, name);
    if (f == NULL)
        return "(absent)";
    if (f->type == PROTO_STR)
        snprintf(buf, sizeof buf, "%.*s", (int)f->str_len, f->str);
    else if (f->type == PROTO_BOOL)
        snprintf(buf, sizeof buf, "%s", f->i ? "true" : "false");
    else
        snprintf(buf, sizeof buf, "%lld", (long long)f->i);
    return buf;
}

/* The _seen of the office's op seq, or "" when it has none. */
static char seen_buf[FOLD_SEEN_MAX];
static const char *op_seen(uint64_t seq)
{
    store_txn *t;
    const uint8_t *enc;
    size_t len;
    proto_op op;
    ASSERT_OK(store_read_begin(st, &t));
    ASSERT_OK(store_op_get(t, office, seq, &enc, &len, NULL));
    ASSERT_OK(proto_op_decode(enc, len, &op));
    const proto_field *f = proto_op_field(&op, FOLD_SEEN_FIELD);
    snprintf(seen_buf, sizeof seen_buf, "%.*s", f ? (int)f->str_len : 0,
             f ? f->str : "");
    store_read_end(t);
    return seen_buf;
}

typedef struct keys {
    char all[512];
    int n;
} keys;

static int key_cb(const fold_state *s, void *arg)
{
    keys *k = arg;
    char key[SRV_MD_KEY_MAX + 1];
    srv_md_state_key(s, key, sizeof key);
    size_t used = strlen(k->all);
    snprintf(k->all + used, sizeof k->all - used, "%s%s", k->n ? " " : "", key);
    k->n++;
    return 0;
}

static const char *list(const char *noun, int all, int vacant)
{
    static keys k;
    memset(&k, 0, sizeof k);
    ASSERT_OK(srv_admin_list(st, srv_md_find(noun), all, vacant, key_cb, &k));
    return k.all;
}

static void ids_and_keys(void)
{
    uint8_t a[16], b[16], c[16], d[16];
    static const uint8_t zero6[6] = {0};
    srv_md_entity_id(PROTO_KIND_UNIT, "S1", "3-2-1201", 8, a);
    srv_md_entity_id(PROTO_KIND_UNIT, "S1", "3-2-1201", 8, b);
    srv_md_entity_id(PROTO_KIND_UNIT, "S2", "3-2-1201", 8, c);
    srv_md_entity_id(PROTO_KIND_PLATE, "S1", "3-2-1201", 8, d);
    ASSERT_MEM_EQ(a, b, 16);
    ASSERT_MEM_EQ(a, zero6, 6);
    ASSERT(memcmp(a, c, 16) != 0);
    ASSERT(memcmp(a, d, 16) != 0);

    char p[64];
    proto_norm_plate("京A·12345", strlen("京A·12345"), p, sizeof p);
    ASSERT_STR_EQ(p, "京A12345");
    proto_norm_plate(" hu-b 99.999 ", 13, p, sizeof p);
    ASSERT_STR_EQ(p, "HUB99999");
    proto_norm_name("  Qian   BAO\t", 13, p, sizeof p);
    ASSERT_STR_EQ(p, "qian bao");
    proto_norm_id_no("1101 0119-9001011234x", 21, p, sizeof p);
    ASSERT_STR_EQ(p, "110101199001011234X");
    proto_norm_plate("ABCDEFGH", 8, p, 4); /* cut, NUL-terminated */
    ASSERT_STR_EQ(p, "ABC");
}

static void units(void)
{
    ASSERT_OK(put(SRV_ADMIN_ADD, "unit", NULL, {"unit", "3-2-1201"},
                  {"vacant", "true"}));
    ASSERT_EQ(out.action, PROTO_ACTION_CREATE);
    ASSERT_STR_EQ(out.key, "3-2-1201");
    uint8_t id[16];
    srv_md_entity_id(PROTO_KIND_UNIT, "S1", "3-2-1201", 8, id);
    ASSERT_MEM_EQ(out.id, id, 16);
    ASSERT_EQ(get(id), PROTO_KIND_UNIT);
    ASSERT_STR_EQ(fs.status, "active");
    ASSERT_U64_EQ(fs.creator, office);
    ASSERT_STR_EQ(str_field("building"), "3");
    ASSERT_STR_EQ(str_field("vacant"), "true");
    ASSERT_STR_EQ(str_field("by"), "office");
    ASSERT_STR_EQ(op_seen(1), ""); /* a create needs no _seen */

    /* The same unit again: refused, nothing written. */
    ASSERT_ERR(put(SRV_ADMIN_ADD, "unit", NULL, {"unit", "3-2-1201"}),
               RND_EEXIST);
    ASSERT(strstr(out.msg, "already exists") != NULL);
    /* Set: only what is given, stamped by whom, with _seen. */
    ASSERT_OK(put(SRV_ADMIN_SET, "unit", NULL, {"unit", "3-2-1201"},
                  {"resident", "Li Ming"}, {"vacant", "no"},
                  {"by", "clerk-wu"}));
    ASSERT_EQ(out.action, PROTO_ACTION_SET);
    get(id);
    ASSERT_STR_EQ(str_field("resident"), "Li Ming");
    ASSERT_STR_EQ(str_field("vacant"), "false");
    ASSERT_STR_EQ(str_field("set_by"), "clerk-wu");
    char want[64];
    snprintf(want, sizeof want, "%016llx:1", (unsigned long long)office);
    ASSERT_STR_EQ(op_seen(2), want);
    ASSERT_ERR(put(SRV_ADMIN_SET, "unit", NULL, {"unit", "3-2-1201"}),
               RND_EFIELD);
    ASSERT(strstr(out.msg, "nothing to change") != NULL);
    ASSERT_ERR(
        put(SRV_ADMIN_SET, "unit", NULL, {"unit", "9-9-9"}, {"vacant", "true"}),
        RND_ENOTFOUND);

    /* Retire, by id; again is refused; an add revives it. */
    char hex[33];
    proto_entity_hex(id, hex);
    ASSERT_OK(put(SRV_ADMIN_RETIRE, "unit", hex, {"reason", "merged"}));
    ASSERT_EQ(out.action, PROTO_ACTION_RETIRE);
    get(id);
    ASSERT_STR_EQ(fs.status, "retired");
    ASSERT_STR_EQ(str_field("retire_reason"), "merged");
    ASSERT_ERR(put(SRV_ADMIN_RETIRE, "unit", NULL, {"unit", "3-2-1201"}),
               RND_ETRANSITION);
    ASSERT_ERR(put(SRV_ADMIN_RETIRE, "unit", hex, {"unit", "3-2-1201"}),
               RND_EFIELD);
    ASSERT_OK(put(SRV_ADMIN_ADD, "unit", NULL, {"unit", "3-2-1201"},
                  {"vacant", "true"}));
    ASSERT_EQ(out.action, PROTO_ACTION_SET);
    ASSERT_EQ(out.revived, 1);
    get(id);
    ASSERT_STR_EQ(fs.status, "active");

    /* Listings: sorted by key, active only unless all, vacant filter. */
    ASSERT_OK(put(SRV_ADMIN_ADD, "unit", NULL, {"unit", "1-1-101"}));
    ASSERT_OK(put(SRV_ADMIN_ADD, "unit", NULL, {"unit", "2-1-1"},
                  {"vacant", "true"}, {"building", "B2"}));
    ASSERT_STR_EQ(list("units", 0, 0), "1-1-101 2-1-1 3-2-1201");
    ASSERT_STR_EQ(list("units", 0, 1), "2-1-1 3-2-1201");
    ASSERT_OK(put(SRV_ADMIN_RETIRE, "unit", NULL, {"unit", "2-1-1"}));
    ASSERT_STR_EQ(list("units", 0, 0), "1-1-101 3-2-1201");
    ASSERT_STR_EQ(list("units", 1, 0), "1-1-101 2-1-1 3-2-1201");
}

static void validation(void)
{
    ASSERT_ERR(
        put(SRV_ADMIN_ADD, "unit", NULL, {"unit", "4-1-1"}, {"colour", "red"}),
        RND_EFIELD);
    ASSERT(strstr(out.msg, "--colour") != NULL);
    ASSERT_ERR(put(SRV_ADMIN_ADD, "unit", NULL, {"vacant", "true"}),
               RND_EFIELD);
    ASSERT(strstr(out.msg, "--unit") != NULL);
    ASSERT_ERR(put(SRV_ADMIN_ADD, "unit", NULL, {"unit", "4-1-1"},
                   {"vacant", "maybe"}),
               RND_EFIELD);
    ASSERT(strstr(out.msg, "--vacant") != NULL);
    ASSERT_ERR(put(SRV_ADMIN_ADD, "unit", NULL, {"unit", "4,1"}), RND_EFIELD);
    ASSERT(strstr(out.msg, "comma") != NULL);
    ASSERT_ERR(
        put(SRV_ADMIN_ADD, "unit", NULL, {"unit", "4-1-1"}, {"unit", "4-1-2"}),
        RND_EFIELD);
    ASSERT(strstr(out.msg, "twice") != NULL);
    ASSERT_ERR(put(SRV_ADMIN_ADD, "staff", NULL, {"staff", "T-9"},
                   {"name", "X"}, {"role", "chef"}),
               RND_EFIELD);
    ASSERT(strstr(out.msg, "guard|butler|technician|office") != NULL);
    ASSERT_ERR(put(SRV_ADMIN_ADD, "route", NULL, {"route", "R9"}, {"name", "n"},
                   {"interval-min", "0"}, {"checkpoints", "A"}),
               RND_EFIELD);
    ASSERT(strstr(out.msg, "--interval-min") != NULL);
    ASSERT_ERR(put(SRV_ADMIN_ADD, "route", NULL, {"route", "R9"}, {"name", "n"},
                   {"interval-min", "10"}, {"checkpoints", "A"},
                   {"window-min", "20"}),
               RND_EFIELD);
    ASSERT(strstr(out.msg, "--window-min") != NULL);
    ASSERT_ERR(put(SRV_ADMIN_ADD, "route", NULL, {"route", "R9"}, {"name", "n"},
                   {"interval-min", "10"}, {"checkpoints", "A,B,A"}),
               RND_EFIELD);
    ASSERT(strstr(out.msg, "twice") != NULL);
    ASSERT_ERR(put(SRV_ADMIN_ADD, "route", NULL, {"route", "R9"}, {"name", "n"},
                   {"interval-min", "10"}, {"checkpoints", "A,,B"}),
               RND_EFIELD);
    ASSERT_ERR(
        put(SRV_ADMIN_RETIRE, "route", NULL, {"route", "R9"}, {"name", "n"}),
        RND_EFIELD); /* retire takes the key only */
    /* Nothing of the refused writes was stored. */
    ASSERT_STR_EQ(list("routes", 1, 0), "");
}

static void routes_plates_blacklist(void)
{
    ASSERT_OK(put(SRV_ADMIN_ADD, "route", NULL, {"route", "R1"},
                  {"name", "North loop"}, {"interval-min", "120"},
                  {"checkpoints", " CP-01 ,CP-02, CP-03"}));
    get(out.id);
    ASSERT_STR_EQ(str_field("checkpoints"), "CP-01,CP-02,CP-03");
    ASSERT_STR_EQ(str_field("checkpoint_count"), "3");
    ASSERT_STR_EQ(str_field("window_min"), "15");
    ASSERT_STR_EQ(str_field("interval_min"), "120");

    /* A plate is one entity whatever its spelling. */
    ASSERT_OK(put(SRV_ADMIN_ADD, "plate", NULL, {"plate", "京A·12345"},
                  {"unit", "1-1-101"}));
    get(out.id);
    ASSERT_STR_EQ(str_field("plate"), "京A12345");
    ASSERT_ERR(put(SRV_ADMIN_ADD, "plate", NULL, {"plate", "京a 12345"},
                   {"unit", "1-1-101"}),
               RND_EEXIST);

    /* Blacklist: a person by ID number, a person by name, a plate. */
    ASSERT_OK(put(SRV_ADMIN_ADD, "blacklist", NULL, {"person", "Qian Bao"},
                  {"id-no", "11010119900101123x"}, {"reason", "theft"}));
    ASSERT_STR_EQ(out.key, "person:11010119900101123X");
    get(out.id);
    ASSERT_STR_EQ(str_field("type"), "person");
    ASSERT_STR_EQ(str_field("id_no"), "11010119900101123X");
    ASSERT_STR_EQ(str_field("name"), "Qian Bao");
    ASSERT_OK(put(SRV_ADMIN_ADD, "blacklist", NULL, {"person", "Zhao  Si"},
                  {"reason", "harassment"}));
    ASSERT_STR_EQ(out.key, "person:zhao si");
    ASSERT_ERR(put(SRV_ADMIN_ADD, "blacklist", NULL, {"person", "zhao si"},
                   {"reason", "again"}),
               RND_EEXIST);
    ASSERT_OK(put(SRV_ADMIN_ADD, "blacklist", NULL, {"plate", "沪B 99999"},
                  {"reason", "dumping"}));
    ASSERT_STR_EQ(out.key, "plate:沪B99999");
    ASSERT_ERR(put(SRV_ADMIN_ADD, "blacklist", NULL, {"plate", "X1"},
                   {"person", "Y"}, {"reason", "r"}),
               RND_EFIELD);
    ASSERT_ERR(put(SRV_ADMIN_ADD, "blacklist", NULL, {"reason", "r"}),
               RND_EFIELD);
    ASSERT_ERR(put(SRV_ADMIN_ADD, "blacklist", NULL, {"plate", "X1"},
                   {"id-no", "1"}, {"reason", "r"}),
               RND_EFIELD);
    ASSERT_ERR(put(SRV_ADMIN_ADD, "blacklist", NULL, {"plate", "X1"}),
               RND_EFIELD); /* --reason is required */
    ASSERT_STR_EQ(list("blacklist", 0, 0),
                  "person:11010119900101123X person:zhao si plate:沪B99999");
    ASSERT_OK(put(SRV_ADMIN_RETIRE, "blacklist", NULL, {"plate", "沪b-99999"},
                  {"reason", "paid"}));
    ASSERT_STR_EQ(list("blacklist", 0, 0),
                  "person:11010119900101123X person:zhao si");

    /* The site's own entity. */
    ASSERT_OK(put(SRV_ADMIN_ADD, "site", NULL, {"name", "Jade Garden"}));
    ASSERT_STR_EQ(out.key, "S1");
    get(out.id);
    ASSERT_STR_EQ(str_field("site"), "S1");
}

/* ---- a conflict and its resolution -------------------------------------- */

static uint8_t wo[16];
static uint8_t prev_a[PROTO_HASH_LEN], prev_b[PROTO_HASH_LEN];
static uint64_t seq_a, seq_b;

typedef struct ingest_ctx {
    uint8_t buf[2048];
    size_t len;
} ingest_ctx;

static int ingest_fn(store_txn *t, void *arg)
{
    ingest_ctx *c = arg;
    int added;
    return store_ingest(t, c->buf, c->len, now, &added);
}

/* A handheld's op, as if pushed by a sync. */
static void dev_op(uint64_t dev, int action, const char *assignee,
                   const char *seen)
{
    uint8_t *prev = dev == ID_A ? prev_a : prev_b;
    uint64_t *seq = dev == ID_A ? &seq_a : &seq_b;
    proto_op op;
    proto_op_init(&op);
    op.device_id = dev;
    op.seq = ++*seq;
    op.wall_ms = now;
    op.hlc = PROTO_HLC_MAKE(now, 0);
    now++;
    op.kind = PROTO_KIND_WORKORDER;
    op.action = (uint8_t)action;
    memcpy(op.entity, wo, 16);
    memcpy(op.prev_hash, prev, PROTO_HASH_LEN);
    if (action == PROTO_ACTION_CREATE) {
        ASSERT_OK(proto_op_add_str(&op, "place", "1-1-101", 7));
        ASSERT_OK(proto_op_add_str(&op, "category", "plumbing", 8));
    } else {
        ASSERT_OK(
            proto_op_add_str(&op, "assignee", assignee, strlen(assignee)));
        ASSERT_OK(proto_op_add_str(&op, FOLD_SEEN_FIELD, seen, strlen(seen)));
    }
    ingest_ctx c;
    ASSERT_OK(proto_op_encode(&op, c.buf, sizeof c.buf, &c.len));
    proto_op_hash(c.buf, c.len, prev);
    ASSERT_OK(store_write(st, ingest_fn, &c));
}

static int count_cb(const fold_state *s, void *arg)
{
    (*(int *)arg) += (int)s->nconflicts;
    return 0;
}

static int conflicts(void)
{
    int n = 0;
    ASSERT_OK(srv_admin_conflicts(st, count_cb, &n));
    return n;
}

static void conflict_and_resolution(void)
{
    char seen[64], hex[33];
    ASSERT_OK(proto_entity_new(wo, now));
    proto_entity_hex(wo, hex);
    dev_op(ID_A, PROTO_ACTION_CREATE, NULL, NULL);
    snprintf(seen, sizeof seen, "%016llx:1", (unsigned long long)ID_A);
    /* Both handhelds saw the create, then dispatched offline. */
    dev_op(ID_A, PROTO_ACTION_DISPATCH, "T-01", seen);
    dev_op(ID_B, PROTO_ACTION_DISPATCH, "T-02", seen);
    ASSERT_EQ(conflicts(), 1);
    get(wo);
    ASSERT_EQ(fs.nconflicts, 1);
    ASSERT_EQ(fs.conflicts[0].ncand, 2);

    ASSERT_ERR(srv_admin_resolve(st, "xyz", "assignee", "T-02", NULL, NULL,
                                 now++, &out),
               RND_EFIELD);
    ASSERT_ERR(srv_admin_resolve(st, hex, "priority", "urgent", NULL, NULL,
                                 now++, &out),
               RND_ENOTFOUND);
    ASSERT(strstr(out.msg, "no conflict on field 'priority'") != NULL);
    ASSERT_OK(srv_admin_resolve(st, hex, "assignee", "T-02", "on site",
                                "clerk-wu", now++, &out));
    ASSERT_EQ(conflicts(), 0);
    get(wo);
    ASSERT_STR_EQ(str_field("assignee"), "T-02");
    ASSERT_STR_EQ(str_field("resolve_reason"), "on site");
    ASSERT_STR_EQ(str_field("resolve_by"), "clerk-wu");
    ASSERT_STR_EQ(fs.status, "dispatched");
    ASSERT_ERR(
        srv_admin_resolve(st, hex, "assignee", "T-01", NULL, NULL, now++, &out),
        RND_ENOTFOUND);
}

int main(void)
{
    char *dir = test_tmpdir("srv-admin");
    ASSERT_OK(srv_site_open(dir, "S1", STORE_CREATE, &st, &office));
    ASSERT(office != 0);
    ids_and_keys();
    units();
    validation();
    routes_plates_blacklist();
    conflict_and_resolution();
    store_close(st);
    test_rmtree(dir);
    free(dir);
    return 0;
}
