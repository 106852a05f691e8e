/* day_a.c: builds the known day of day_a.h in real stores. */
#include "day_a.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#define OFFICE_ID 0x0ff1ce00000000a1ull

static int64_t true_now;
static int64_t skew_none = 0, skew_slow = -2 * 3600 * 1000LL;

static int64_t clock_fn(void *ctx)
{
    return true_now + *(int64_t *)ctx;
}

/* ---- the office's master data ---------------------------------------- */

typedef struct office_op {
    proto_op op;
    int64_t wall;
} office_op;

static int office_append(store_txn *t, void *arg)
{
    office_op *c = arg;
    return store_append_local(t, &c->op, c->wall, NULL);
}

static int office_identity(store_txn *t, void *arg)
{
    (void)arg;
    return store_identity_init(t, OFFICE_ID, "S1", "office");
}

/* kv: name, value pairs; a value starting with '#' is an int. */
static void office(store *s, int kind, int n, const char *const *kv)
{
    static office_op c;
    static int64_t wall = DAY_M - 3600 * 1000LL;
    proto_op_init(&c.op);
    c.op.kind = (uint8_t)kind;
    c.op.action = PROTO_ACTION_CREATE;
    c.op.entity[14] = (uint8_t)kind; /* six zero bytes first: master data */
    c.op.entity[15] = (uint8_t)n;
    for (int i = 0; kv[i]; i += 2) {
        if (kv[i + 1][0] == '#')
            ASSERT_OK(proto_op_add_int(&c.op, kv[i], atoll(kv[i + 1] + 1)));
        else
            ASSERT_OK(
                proto_op_add_str(&c.op, kv[i], kv[i + 1], strlen(kv[i + 1])));
    }
    ASSERT_OK(proto_op_add_str(&c.op, "by", "office", 6));
    c.wall = wall++;
    ASSERT_OK(store_write(s, office_append, &c));
}

#define P(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---- copying ops between stores, as a sync would ---------------------- */

typedef struct copy_ctx {
    uint8_t **bufs;
    size_t *lens;
    size_t n, cap;
} copy_ctx;

static int collect_cb(const uint8_t *enc, size_t len, int64_t recv_ms,
                      void *arg)
{
    copy_ctx *c = arg;
    (void)recv_ms;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->bufs = realloc(c->bufs, c->cap * sizeof *c->bufs);
        c->lens = realloc(c->lens, c->cap * sizeof *c->lens);
        ASSERT(c->bufs && c->lens);
    }
    c->bufs[c->n] = malloc(len);
    ASSERT(c->bufs[c->n]);
    memcpy(c->bufs[c->n], enc, len);
    c->lens[c->n++] = len;
    return 0;
}

static int ingest_fn(store_txn *t, void *arg)
{
    copy_ctx *c = arg;
    for (size_t i = 0; i < c->n; i++) {
        int added;
        int rc = store_ingest(t, c->bufs[i], c->lens[i], true_now, &added);
        if (rc)
            return rc;
    }
    return 0;
}

/* Every op from holds goes into to (duplicates are ignored). */
static void sync_all(store *from, store *to)
{
    copy_ctx c = {0};
    store_txn *t;
    uint64_t next;
    ASSERT_OK(store_read_begin(from, &t));
    ASSERT_OK(store_log_each(t, 0, collect_cb, &c, &next));
    store_read_end(t);
    ASSERT_OK(store_write(to, ingest_fn, &c));
    for (size_t i = 0; i < c.n; i++)
        free(c.bufs[i]);
    free(c.bufs);
    free(c.lens);
}

/* ---- handheld records ------------------------------------------------- */

static void rec(hh *h, int64_t at, const char *verb, const char *target,
                const char *const *pairs, char *id_hex, char *extra_hex)
{
    hh_kv kv[32];
    size_t n = 0;
    uint8_t id[16], extra[16];
    for (; pairs && pairs[n * 2]; n++) {
        kv[n].name = pairs[n * 2];
        kv[n].value = pairs[n * 2 + 1];
    }
    true_now = at;
    int rc = hh_record(h, verb, target, kv, n, id, extra);
    if (rc)
        TEST_FAIL_("%s at %lld: %s", verb, (long long)at, hh_last_error(h));
    if (id_hex)
        proto_entity_hex(id, id_hex);
    if (extra_hex)
        proto_entity_hex(extra, extra_hex);
}

static hh *new_hh(day_a *d, const char *name, const char *user, int64_t *skew)
{
    char path[512];
    hh *h;
    snprintf(path, sizeof path, "%s/%s", d->dir, name);
    ASSERT_OK(hh_init(path, "S1", name, &h));
    hh_set_clock(h, clock_fn, skew);
    ASSERT_OK(hh_set_user(h, user));
    return h;
}

void day_a_build(day_a *d)
{
    char path[512], lilei_hex[33], ef[33], hanmei[33];
    memset(d, 0, sizeof *d);
    d->dir = test_tmpdir("report-day-a");
    snprintf(path, sizeof path, "%s/site", d->dir);
    ASSERT_OK(store_open(path, STORE_CREATE, &d->site));
    ASSERT_OK(store_write(d->site, office_identity, NULL));

    static const char *const cps[7][3] = {
        {"CP-01", "North gate", "Block 1"}, {"CP-02", "Pump room", "B2"},
        {"CP-03", "Garden", "Block 3"},     {"CP-04", "Car park", "B1"},
        {"CP-05", "East fence", "Block 5"}, {"CP-06", "Boiler", "Block 6"},
        {"CP-07", "West gate", "Block 7"}};
    for (int i = 0; i < 7; i++)
        office(d->site, PROTO_KIND_CHECKPOINT, i + 1,
               P("tag", cps[i][0], "name", cps[i][1], "place", cps[i][2]));
    office(d->site, PROTO_KIND_ROUTE, 1,
           P("route", "R1", "name", "Inner loop", "interval_min", "#120",
             "window_min", "#15", "checkpoints",
             "CP-01,CP-02,CP-03,CP-04,CP-05", "checkpoint_count", "#5"));
    office(d->site, PROTO_KIND_ROUTE, 2,
           P("route", "R2", "name", "Outer loop", "interval_min", "#240",
             "window_min", "#30", "checkpoints", "CP-06,CP-07",
             "checkpoint_count", "#2"));
    office(d->site, PROTO_KIND_BLACKLIST, 1,
           P("type", "person", "name", "Wang Wu", "reason", "theft"));
    office(d->site, PROTO_KIND_BLACKLIST, 2,
           P("type", "plate", "plate", "EF789", "reason", "dumping"));

    d->h1 = new_hh(d, "h1", "g1", &skew_none);
    d->h2 = new_hh(d, "h2", "g2", &skew_none);
    d->h3 = new_hh(d, "h3", "g3", &skew_slow);
    sync_all(d->site, hh_store(d->h1));
    sync_all(d->site, hh_store(d->h2));
    sync_all(d->site, hh_store(d->h3));
    {
        store_txn *t;
        store_identity me;
        ASSERT_OK(store_read_begin(hh_store(d->h1), &t));
        ASSERT_OK(store_identity_get(t, &me));
        store_read_end(t);
        d->h1_id = me.device_id;
    }

    hh *h1 = d->h1, *h2 = d->h2, *h3 = d->h3;
    rec(h1, AT(2, 0), "visit.enter", NULL,
        P("name", "Old Guest", "id_type", "passport", "id_no", "E12345678",
          "unit", "1-1-100", "purpose", "family", "gate", "A"),
        d->v_old, NULL);
    rec(h2, AT(4, 20), "scan.record", NULL,
        P("tag", "CP-06", "route", "R2", "anomaly", "true", "note",
          "door ajar"),
        NULL, NULL);
    rec(h1, AT(5, 30), "visit.enter", NULL,
        P("name", "Li Lei", "id_type", "id_card", "id_no", "110101199003071234",
          "unit", "1-1-101", "purpose", "delivery", "party", "2", "gate", "A",
          "pass", "P-7"),
        lilei_hex, NULL);
    memcpy(d->v_li, lilei_hex, 33);
    rec(h1, AT(6, 0), "vehicle.enter", NULL,
        P("plate", "EF789", "type", "truck", "unit", "1-1-103", "gate", "B"),
        ef, NULL);
    rec(h1, AT(6, 5), "scan.record", NULL, P("tag", "CP-01"), NULL, NULL);
    rec(h1, AT(6, 10), "scan.record", NULL,
        P("tag", "CP-02", "anomaly", "true", "note", "broken lamp", "workorder",
          "electrical"),
        NULL, d->wo);
    rec(h1, AT(6, 14), "scan.record", NULL, P("tag", "CP-04"), NULL, NULL);
    rec(h1, AT(6, 20), "scan.record", NULL, P("tag", "CP-03"), NULL, NULL);
    rec(h1, AT(6, 30), "vehicle.exit", ef, P("gate", "B"), NULL, NULL);
    rec(h1, AT(6, 31), "scan.record", NULL, P("tag", "CP-05"), NULL, NULL);
    rec(h1, AT(6, 33), "scan.record", NULL, P("tag", "CP-05"), NULL, NULL);
    rec(h1, AT(7, 0), "visit.enter", NULL,
        P("name", "Han Mei", "id_type", "other", "id_no", "-", "unit", "1-1-102",
          "purpose", "visit", "gate", "A"),
        hanmei, NULL);
    rec(h3, AT(7, 30), "vehicle.enter", NULL,
        P("plate", "CD456", "type", "car", "unit", "2-2-202", "gate", "B"),
        d->c_cd, NULL);
    rec(h1, AT(7, 45), "handover.create", NULL,
        P("to", "g2", "notes", "gate B lock stiff", "keys", "3 keys, 1 radio"),
        d->ho1, NULL);
    true_now = AT(7, 50);
    sync_all(hh_store(h1), hh_store(h2));
    rec(h2, AT(8, 0), "handover.ack", d->ho1, NULL, NULL, NULL);
    rec(h1, AT(8, 3), "scan.record", NULL, P("tag", "CP-01"), NULL, NULL);
    rec(h2, AT(8, 10), "scan.record", NULL, P("tag", "CP-07", "route", "R2"),
        NULL, NULL);
    rec(h1, AT(8, 20), "scan.record", NULL, P("tag", "CP-02"), NULL, NULL);
    rec(h1, AT(8, 30), "visit.refuse", NULL,
        P("name", "Zhang San", "reason", "no host answer", "gate", "A"), NULL,
        NULL);
    rec(h2, AT(8, 40), "scan.record", NULL, P("tag", "CP-03", "route", "R1"),
        NULL, NULL);
    rec(h2, AT(8, 41), "scan.record", NULL, P("tag", "CP-01", "route", "R1"),
        NULL, NULL);
    rec(h1, AT(9, 0), "visit.exit", hanmei, P("gate", "A"), NULL, NULL);
    rec(h1, AT(9, 15), "vehicle.enter", NULL,
        P("plate", "AB123", "type", "van", "unit", "2-1-202", "gate", "B"),
        d->c_ab, NULL);
    rec(h3, AT(9, 30), "visit.enter", NULL,
        P("name", "Zhao Liu", "id_type", "id_card", "id_no",
          "310101198001011111", "unit", "1-2-201", "purpose", "repair", "gate",
          "B"),
        d->v_zhao, NULL);
    rec(h1, AT(10, 0), "visit.enter", NULL,
        P("name", "Wang Wu", "id_type", "other", "id_no", "-", "unit", "3-1-301",
          "purpose", "visit", "gate", "A"),
        d->v_wang, NULL);
    rec(h1, AT(10, 5), "scan.record", NULL, P("tag", "CP-01"), NULL, NULL);
    /* Not a checkpoint: the handheld records it only when forced. */
    rec(h1, AT(10, 20), "scan.record", NULL,
        P("tag", "CP-99", "route", "R1", "force", "true"), NULL, NULL);
    rec(h1, AT(10, 30), "handover.create", NULL, P("to", "g3"), d->ho2, NULL);

    true_now = AT(10, 50);
    sync_all(hh_store(h1), d->site);
    sync_all(hh_store(h2), d->site);
    sync_all(hh_store(h3), d->site);
    sync_all(d->site, hh_store(h1));
}

void day_a_free(day_a *d)
{
    hh_close(d->h1);
    hh_close(d->h2);
    hh_close(d->h3);
    store_close(d->site);
    test_rmtree(d->dir);
    free(d->dir);
}

rpt_params day_a_params(void)
{
    rpt_params p;
    memset(&p, 0, sizeof p);
    p.site = "S1";
    p.from = AT(4, 0);
    p.to = AT(12, 0);
    p.now = AT(11, 0);
    p.tz_min = DAY_TZ;
    p.overstay_ms = RPT_OVERSTAY_DEFAULT_MS;
    p.vacant_days = RPT_VACANT_DEFAULT_DAYS;
    return p;
}

/* ---- assertions ------------------------------------------------------- */

static const rpt_cell *cell(const rpt_section *s, uint32_t row, uint32_t col,
                            int line)
{
    ASSERT(s != NULL);
    if (row >= rpt_section_rows(s))
        TEST_FAIL_("line %d: row %u of %u", line, row, rpt_section_rows(s));
    const rpt_cell *c = rpt_section_cell(s, row, col);
    ASSERT(c != NULL);
    return c;
}

void cell_s(const rpt_section *s, uint32_t row, uint32_t col, const char *want)
{
    const rpt_cell *c = cell(s, row, col, 0);
    if (want == NULL) {
        if (c->type != RPT_NULL)
            TEST_FAIL_("row %u col %u: want null, got type %d '%s'", row, col,
                       c->type, c->type == RPT_STR ? c->s : "");
        return;
    }
    if (c->type != RPT_STR || strcmp(c->s, want) != 0)
        TEST_FAIL_("row %u col %u: want '%s', got type %d '%s'", row, col, want,
                   c->type, c->type == RPT_STR ? c->s : "");
}

void cell_i(const rpt_section *s, uint32_t row, uint32_t col, int64_t want)
{
    const rpt_cell *c = cell(s, row, col, 0);
    if (c->type != RPT_INT || c->i != want)
        TEST_FAIL_("row %u col %u: want %lld, got type %d %lld", row, col,
                   (long long)want, c->type, (long long)c->i);
}

void cell_t(const rpt_section *s, uint32_t row, uint32_t col, int64_t want)
{
    const rpt_cell *c = cell(s, row, col, 0);
    if (want <= 0) {
        if (c->type != RPT_NULL)
            TEST_FAIL_("row %u col %u: want null time, got type %d", row, col,
                       c->type);
        return;
    }
    if (c->type != RPT_TIME || c->i != want)
        TEST_FAIL_("row %u col %u: want time %lld (%+lld min from 00:00), "
                   "got type %d %lld (%+lld min)",
                   row, col, (long long)want,
                   (long long)((want - DAY_M) / 60000), c->type,
                   (long long)c->i, (long long)((c->i - DAY_M) / 60000));
}

void cell_b(const rpt_section *s, uint32_t row, uint32_t col, int want)
{
    const rpt_cell *c = cell(s, row, col, 0);
    if (c->type != RPT_BOOL || c->i != (want != 0))
        TEST_FAIL_("row %u col %u: want bool %d, got type %d %lld", row, col,
                   want, c->type, (long long)c->i);
}

void cell_r(const rpt_section *s, uint32_t row, uint32_t col, double want)
{
    const rpt_cell *c = cell(s, row, col, 0);
    if (c->type != RPT_REAL || fabs(c->d - want) > 1e-9)
        TEST_FAIL_("row %u col %u: want %f, got type %d %f", row, col, want,
                   c->type, c->d);
}

void cell_null(const rpt_section *s, uint32_t row, uint32_t col)
{
    const rpt_cell *c = cell(s, row, col, 0);
    if (c->type != RPT_NULL)
        TEST_FAIL_("row %u col %u: want null, got type %d", row, col, c->type);
}

const rpt_cell *summary(const rpt_doc *d, const char *key)
{
    for (uint32_t i = 0; i < d->nsummary; i++)
        if (strcmp(d->summary[i].key, key) == 0)
            return &d->summary[i].value;
    TEST_FAIL_("no summary figure '%s'", key);
    return NULL;
}

void sum_i(const rpt_doc *d, const char *key, int64_t want)
{
    const rpt_cell *c = summary(d, key);
    if (c->type != RPT_INT || c->i != want)
        TEST_FAIL_("summary %s: want %lld, got type %d %lld", key,
                   (long long)want, c->type, (long long)c->i);
}

char *emit(const rpt_doc *d, rpt_format fmt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ASSERT(f != NULL);
    ASSERT_OK(rpt_emit(d, fmt, f));
    fclose(f);
    return buf;
}
