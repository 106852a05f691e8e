/* test_board.c: the office board's data, reports, registers and personal
 * data (dash/board.c) over the known day of tests/report/day_a.h, copied
 * into a real data directory (DATA/sites/S1, DATA/registry) as a sync
 * would: the handhelds' last syncs, overstaying visitors, missed
 * checkpoints of last night, a breached work order; the CSV of a report
 * byte for byte against `roundsd report ... --format csv`; a register
 * searched by plate and person with the ID number masked; personal data
 * opened only with a reason, the opening logged as `roundsd pii log`
 * shows it. The clock is pinned (11:00 on the known day).
 *
 * argv[1]: the roundsd binary.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../dash/board.h"
#include "../../dash/dash_int.h"
#include "../../i18n/i18n.h"
#include "../../server/site.h"
#include "../merge/mergetest.h"
#include "../report/day_a.h"
#include "test.h"

static const char *roundsd;

/* ---- a data directory holding the known day ----------------------------- */

typedef struct ops {
    uint8_t **bufs;
    size_t *lens;
    size_t n, cap;
} ops;

static int collect_cb(const uint8_t *enc, size_t len, int64_t recv_ms,
                      void *arg)
{
    ops *c = arg;
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
    ops *c = arg;
    for (size_t i = 0; i < c->n; i++) {
        int added;
        int rc = store_ingest(t, c->bufs[i], c->lens[i], AT(10, 50), &added);
        if (rc)
            return rc;
    }
    return 0;
}

static void copy_all(store *from, store *to)
{
    ops c = {0};
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

typedef struct env {
    day_a day;
    char *data;
    store *st; /* DATA/sites/S1 */
    uint64_t office_id;
    srv_registry *reg;
    dash_src src;
    char sealed[33]; /* sealed_visit's record */
} env;

static void env_build(env *e)
{
    memset(e, 0, sizeof *e);
    day_a_build(&e->day);
    e->data = test_tmpdir("dash-board");
    ASSERT_OK(
        srv_site_open(e->data, "S1", STORE_CREATE, &e->st, &e->office_id));
    copy_all(e->day.site, e->st);

    /* h1 enrolled, bound and synced at 10:50; h2 enrolled, never synced */
    char cred[SRV_CRED_LEN + 1], cred2[SRV_CRED_LEN + 1];
    ASSERT_OK(srv_registry_open(e->data, 1, &e->reg));
    ASSERT_OK(srv_registry_enroll(e->reg, "S1", "h1", AT(1, 0), cred));
    ASSERT_OK(srv_registry_enroll(e->reg, "S1", "h2", AT(1, 0), cred2));
    srv_device dv;
    const char *why;
    ASSERT_OK(srv_registry_auth(e->reg, "S1", 2, "h1", 2, (const uint8_t *)cred,
                                strlen(cred), e->day.h1_id, e->office_id, &dv,
                                &why));
    srv_sync_note n;
    memset(&n, 0, sizeof n);
    strcpy(n.site, "S1");
    strcpy(n.name, "h1");
    n.device_id = e->day.h1_id;
    n.ok = 1;
    n.sync_ms = AT(10, 50);
    ASSERT_OK(srv_registry_note(e->reg, &n));
    ASSERT_OK(srv_registry_flush(e->reg));

    e->src.st = e->st;
    e->src.site = "S1";
    e->src.now = AT(11, 0);
    e->src.tz_min = DAY_TZ;
}

static void env_free(env *e)
{
    srv_registry_close(e->reg);
    store_close(e->st);
    day_a_free(&e->day);
    test_rmtree(e->data);
    free(e->data);
}

/* ---- looking into a doc ------------------------------------------------- */

static int col(const rpt_section *s, const char *name)
{
    for (uint32_t i = 0; i < rpt_section_ncols(s); i++)
        if (strcmp(rpt_section_col(s, i), name) == 0)
            return (int)i;
    TEST_FAIL_("section %s has no column %s", rpt_section_name(s), name);
    return -1;
}

static const rpt_cell *at(const rpt_section *s, uint32_t r, const char *name)
{
    return rpt_section_cell(s, r, (uint32_t)col(s, name));
}

/* The row whose column key holds text want, or aborts. */
static uint32_t row_of(const rpt_section *s, const char *key, const char *want)
{
    for (uint32_t r = 0; r < rpt_section_rows(s); r++) {
        const rpt_cell *c = at(s, r, key);
        if (c->type == RPT_STR && strcmp(c->s, want) == 0)
            return r;
    }
    TEST_FAIL_("section %s: no row with %s = %s", rpt_section_name(s), key,
               want);
    return 0;
}

static const char *state(const rpt_section *s, uint32_t r)
{
    return at(s, r, "state")->s;
}

static char *table_json(const rpt_section *s, const char *lang)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ASSERT(f);
    rpt_jw j;
    rpt_jw_init(&j, f);
    dash_table_json(&j, s, DAY_TZ, lang);
    fclose(f);
    return buf;
}

static void has(const char *text, const char *want)
{
    if (strstr(text, want) == NULL)
        TEST_FAIL_("no \"%s\" in:\n%s", want, text);
}

/* ---- the board ---------------------------------------------------------- */

static void board(env *e)
{
    rpt_doc d;
    ASSERT_OK(dash_board(&e->src, e->reg, &d));

    /* The night shown at 11:00: yesterday 18:00 to 06:00 this morning. */
    ASSERT_EQ(d.from, AT(-6, 0));
    ASSERT_EQ(d.to, AT(6, 0));

    /* Handhelds: h1's last sync shows and is fresh; h2 never synced. */
    const rpt_section *dv = rpt_doc_section(&d, "devices");
    ASSERT_EQ(rpt_section_rows(dv), 2);
    uint32_t r = row_of(dv, "name", "h1");
    ASSERT_EQ(at(dv, r, "last_sync")->type, RPT_TIME);
    ASSERT_EQ(at(dv, r, "last_sync")->i, AT(10, 50));
    ASSERT_STR_EQ(state(dv, r), "ok");
    r = row_of(dv, "name", "h2");
    ASSERT_EQ(at(dv, r, "last_sync")->type, RPT_NULL);
    ASSERT_STR_EQ(state(dv, r), "warn");

    /* Inside: Old Guest (in since 02:00) overstays: bad; the van AB123
     * (since 09:15) is fine; Wang Wu is a blacklist hit: bad. */
    const rpt_section *in = rpt_doc_section(&d, "inside");
    r = row_of(in, "who", "Old Guest");
    ASSERT_EQ(at(in, r, "overstay")->i, 1);
    ASSERT_STR_EQ(state(in, r), "bad");
    ASSERT_STR_EQ(at(in, r, "id_no")->s, "E12****78"); /* masked */
    r = row_of(in, "who", "AB123");
    ASSERT_STR_EQ(at(in, r, "kind")->s, "vehicle");
    ASSERT_STR_EQ(state(in, r), "ok");
    r = row_of(in, "who", "Wang Wu");
    ASSERT_STR_EQ(state(in, r), "bad");

    /* Patrol over the night: R1's rounds (from its creation at 23:00)
     * were not walked
     * (its first scans are at 06:05): missed checkpoints counted, bad. */
    const rpt_section *pa = rpt_doc_section(&d, "patrol");
    r = row_of(pa, "route", "R1");
    ASSERT(at(pa, r, "missed")->i > 0);
    ASSERT_EQ(at(pa, r, "rounds")->i, 3); /* 00:00, 02:00, 04:00 */
    ASSERT_EQ(at(pa, r, "missed")->i, 15);
    ASSERT_STR_EQ(state(pa, r), "bad");
    ASSERT_EQ(at(pa, r, "missed_checkpoints")->type, RPT_STR);
    /* each missed checkpoint once */
    ASSERT_STR_EQ(at(pa, r, "missed_checkpoints")->s,
                  "CP-01 North gate, CP-02 Pump room, CP-03 Garden, CP-04 Car "
                  "park, CP-05 East fence");

    /* The 06:10 electrical order was never dispatched: its clock is
     * breached at 11:00, left_ms negative, the row bad. */
    const rpt_section *wo = rpt_doc_section(&d, "workorders");
    r = row_of(wo, "id", e->day.wo);
    ASSERT_STR_EQ(state(wo, r), "bad");
    ASSERT_EQ(at(wo, r, "left_ms")->type, RPT_INT);
    ASSERT(at(wo, r, "left_ms")->i < 0);
    ASSERT_EQ(at(wo, r, "due")->type, RPT_TIME);
    ASSERT_EQ(at(wo, r, "left_ms")->i, at(wo, r, "due")->i - AT(11, 0));

    ASSERT(rpt_doc_section(&d, "conflicts") != NULL);
    if (getenv("BOARD_DUMP"))
        rpt_emit(&d, RPT_FMT_TEXT, stdout);

    /* As the API's TABLE: the row's id and state, left_ms a duration,
     * titles in Chinese by default and in English words on request (the
     * key stays the key). */
    char *js = table_json(wo, "en");
    has(js, "\"key\":\"left_ms\",\"title\":\"Time left\","
            "\"type\":\"duration\"");
    {
        /* Other lengths of time (the vacant report's clock offsets) are
         * spans: shown as answered, not counted down. */
        rpt_doc v;
        rpt_doc_init(&v, "vacant", "Vacant", "S1", 0, 1, 1, DAY_TZ);
        static const char *const vc[] = {"clk_ms", "left_ms"};
        rpt_section *vs = rpt_section_add(&v, "t", "T", vc, 2);
        ASSERT(vs);
        rpt_cell row[2] = {rpt_i(-5000), rpt_i(60000)};
        ASSERT_OK(rpt_row(vs, row));
        char *vj = table_json(vs, "en");
        has(vj, "\"key\":\"clk_ms\",\"title\":\"Clock offset\","
                "\"type\":\"span\"");
        has(vj, "\"key\":\"left_ms\",\"title\":\"Time left\","
                "\"type\":\"duration\"");
        free(vj);
        rpt_doc_free(&v);
    }
    has(js, e->day.wo);
    has(js, "\"state\":\"bad\"");
    /* A work order's values with their words (the cells keep the value):
     * the verb table's category, fold's status, report/'s clock. */
    has(js, "\"key\":\"category\",\"title\":\"Category\",\"type\":\"text\","
            "\"labels\":{\"electrical\":\"Electrical\"}");
    has(js, "\"labels\":{\"reported\":\"Reported\"}");
    has(js, "\"labels\":{\"notify\":\"Notify\"}");
    has(js, "\"electrical\",\"normal\",\"reported\"");
    free(js);
    js = table_json(wo, "zh-CN");
    has(js, "\"labels\":{\"electrical\":\"电气\"}");
    has(js, "\"labels\":{\"reported\":\"已报修\"}");
    free(js);
    js = table_json(in, "zh-CN");
    has(js, "\"title\":\"在园(分)\""); /* inside_min, from po/zh_CN.po */
    has(js, "\"title\":\"当前在园\""); /* Inside now */
    free(js);
    js = table_json(in, "en");
    has(js, "\"key\":\"inside_min\",\"title\":\"Inside (min)\"");
    has(js, "\"title\":\"Inside now\"");
    free(js);
    rpt_doc_free(&d);

    /* Before 18:00 the night is the one that ended this morning; from
     * 18:00 on, tonight. */
    int64_t f, t;
    dash_board_night(AT(17, 59), DAY_TZ, &f, &t);
    ASSERT_EQ(f, AT(-6, 0));
    dash_board_night(AT(18, 0), DAY_TZ, &f, &t);
    ASSERT_EQ(f, AT(18, 0));
    ASSERT_EQ(t, AT(30, 0));
    dash_board_night(AT(2, 0), DAY_TZ, &f, &t);
    ASSERT_EQ(f, AT(-6, 0));
}

/* ---- conflicts, as they arrive ------------------------------------------ */

/* Two handhelds that both saw the 06:10 order dispatch it, each to its own
 * technician, unaware of the other: the assignee is in conflict once both
 * sync. The board built before (which keeps the conflicts it found)
 * shows it at the next board, from the ops that arrived alone. */
static void conflicts(env *e)
{
    rpt_doc d;
    ASSERT_OK(dash_board(&e->src, e->reg, &d));
    ASSERT_EQ(rpt_section_rows(rpt_doc_section(&d, "conflicts")), 0);
    rpt_doc_free(&d);

    char dir[600];
    snprintf(dir, sizeof dir, "%s/hh", e->data);
    ASSERT_OK(store_mkdirs(dir));
    uint8_t wo[PROTO_ENTITY_LEN];
    ASSERT_OK(proto_entity_parse(e->day.wo, wo));
    static const char *const who[2] = {"zhao", "zhang"};
    store *t[2];
    for (int i = 0; i < 2; i++) { /* both see the order, not each other */
        char name[8];
        snprintf(name, sizeof name, "t%d", i);
        t[i] = mt_open(dir, name, 0x7e0 + (uint64_t)i);
        copy_all(e->st, t[i]);
    }
    for (int i = 0; i < 2; i++) {
        mt_op op;
        memset(&op, 0, sizeof op);
        op.kind = PROTO_KIND_WORKORDER;
        op.action = PROTO_ACTION_DISPATCH;
        memcpy(op.entity, wo, PROTO_ENTITY_LEN);
        op.with_seen = 1;
        mt_str(&op, "dispatch_by", "office");
        mt_str(&op, "assignee", who[i]);
        ASSERT_OK(mt_write(t[i], &op, AT(10, 55), NULL));
    }
    for (int i = 0; i < 2; i++) {
        copy_all(t[i], e->st);
        store_close(t[i]);
    }
    ASSERT_OK(dash_board(&e->src, e->reg, &d));
    const rpt_section *c = rpt_doc_section(&d, "conflicts");
    ASSERT_EQ(rpt_section_rows(c), 1);
    ASSERT_STR_EQ(at(c, 0, "id")->s, e->day.wo);
    ASSERT_STR_EQ(at(c, 0, "field")->s, "assignee");
    ASSERT_EQ(at(c, 0, "candidates")->i, 2);
    ASSERT_STR_EQ(state(c, 0), "warn");
    rpt_doc_free(&d);
}

/* ---- a report's CSV equals the CLI's ------------------------------------ */

static char *run(const char *cmd, size_t *len)
{
    FILE *p = popen(cmd, "r");
    ASSERT(p);
    char *buf = NULL;
    size_t cap = 0;
    FILE *m = open_memstream(&buf, &cap);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        fwrite(chunk, 1, n, m);
    int st = pclose(p);
    fclose(m);
    if (st != 0)
        TEST_FAIL_("%s: exit %d", cmd, st);
    *len = cap;
    return buf;
}

static void report_csv(env *e, const char *name, const char *table)
{
    rpt_doc d;
    ASSERT_OK(dash_report(&e->src, e->reg, name, AT(4, 0), AT(12, 0), &d));
    char *mine;
    size_t mlen;
    ASSERT_OK(dash_report_csv(&d, table, &mine, &mlen));
    rpt_doc_free(&d);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "%s report %s --site S1 --data '%s' --tz +08:00 "
             "--from 2026-03-10T04:00 --to 2026-03-10T12:00 "
             "--now 2026-03-10T11:00 --format csv --table %s",
             roundsd, name, e->data, table);
    size_t clen;
    char *cli = run(cmd, &clen);
    if (clen != mlen || memcmp(cli, mine, mlen) != 0)
        TEST_FAIL_("report %s table %s differs:\nCLI:\n%.*s\nweb:\n%.*s", name,
                   table, (int)clen, cli, (int)mlen, mine);
    ASSERT(mlen > 40);
    free(cli);
    free(mine);
}

typedef struct visit_ctx {
    proto_op op;
} visit_ctx;

static int visit_fn(store_txn *t, void *arg)
{
    visit_ctx *c = arg;
    return store_append_local(t, &c->op, AT(10, 40), NULL);
}

/* A visit at 10:40 sealed to the site's key, as a handheld records it,
 * its ID number and phone also in the clear (as an old handheld kept
 * them: shown masked all the same); its id into e->sealed. */
static void sealed_visit(env *e)
{
    srv_pii_key k;
    ASSERT_OK(srv_pii_current(e->data, "S1", 1, AT(1, 0), &k));
    static visit_ctx c;
    uint8_t id[PROTO_ENTITY_LEN];
    ASSERT_OK(proto_entity_new(id, AT(10, 40)));
    proto_pii_item items[2] = {{"id_no", 5, "110101199003071234", 18},
                               {"phone", 5, "13800001111", 11}};
    char env_[PROTO_PII_ENVELOPE_MAX];
    size_t elen;
    ASSERT_OK(proto_pii_seal(k.pub, id, items, 2, env_, sizeof env_, &elen));
    proto_op_init(&c.op);
    c.op.kind = PROTO_KIND_VISIT;
    c.op.action = PROTO_ACTION_CREATE;
    memcpy(c.op.entity, id, PROTO_ENTITY_LEN);
    ASSERT_OK(proto_op_add_str(&c.op, "name", "Sun Qi", 6));
    ASSERT_OK(proto_op_add_str(&c.op, "id_no", "110101199003071234", 18));
    ASSERT_OK(proto_op_add_str(&c.op, "phone", "13800001111", 11));
    ASSERT_OK(proto_op_add_str(&c.op, "unit", "2-2-202", 7));
    ASSERT_OK(proto_op_add_str(&c.op, PROTO_PII_FIELD, env_, elen));
    ASSERT_OK(store_write(e->st, visit_fn, &c));
    proto_entity_hex(id, e->sealed);
}

/* ---- registers ---------------------------------------------------------- */

static void registers(env *e)
{
    dash_reg_query q;
    memset(&q, 0, sizeof q);
    q.from = AT(0, 0);
    q.to = AT(12, 0);
    rpt_doc d;
    int more;

    /* Vehicles by plate, typed the way a guard would. */
    q.kind = DASH_REG_VEHICLES;
    q.plate = "ab-123";
    ASSERT_OK(dash_registers(&e->src, &q, &d, &more));
    const rpt_section *s = rpt_doc_section(&d, "vehicles");
    ASSERT_EQ(rpt_section_rows(s), 1);
    ASSERT_STR_EQ(at(s, 0, "plate")->s, "AB123");
    ASSERT_STR_EQ(at(s, 0, "id")->s, e->day.c_ab);
    ASSERT_EQ(more, 0);
    rpt_doc_free(&d);

    /* Visitors by person: the ID number masked as the CLI masks it. */
    q.kind = DASH_REG_VISITORS;
    q.plate = NULL;
    q.person = "li lei";
    ASSERT_OK(dash_registers(&e->src, &q, &d, &more));
    s = rpt_doc_section(&d, "visitors");
    ASSERT_EQ(rpt_section_rows(s), 1);
    ASSERT_STR_EQ(at(s, 0, "id_no")->s, "110*************34");
    ASSERT_STR_EQ(at(s, 0, "unit")->s, "1-1-101");
    rpt_doc_free(&d);

    /* What is stored in the clear is shown masked all the same. */
    sealed_visit(e);
    q.person = "sun qi";
    ASSERT_OK(dash_registers(&e->src, &q, &d, &more));
    s = rpt_doc_section(&d, "visitors");
    ASSERT_EQ(rpt_section_rows(s), 1);
    ASSERT_STR_EQ(at(s, 0, "id_no")->s, "110*************34");
    ASSERT_STR_EQ(at(s, 0, "phone")->s, "*******1111");
    ASSERT_STR_EQ(at(s, 0, "id")->s, e->sealed);
    rpt_doc_free(&d);

    /* Every visit of the day, two at a time: "more". */
    q.person = NULL;
    q.limit = 2;
    ASSERT_OK(dash_registers(&e->src, &q, &d, &more));
    ASSERT_EQ(rpt_section_rows(rpt_doc_section(&d, "visitors")), 2);
    ASSERT_EQ(more, 1);
    rpt_doc_free(&d);

    /* The handovers by person. */
    q.kind = DASH_REG_HANDOVERS;
    q.limit = 0;
    q.person = "g3";
    ASSERT_OK(dash_registers(&e->src, &q, &d, &more));
    s = rpt_doc_section(&d, "handovers");
    ASSERT_EQ(rpt_section_rows(s), 1);
    ASSERT_STR_EQ(at(s, 0, "id")->s, e->day.ho2);
    rpt_doc_free(&d);
}

/* ---- personal data ------------------------------------------------------ */

static int count_cb(const fold_state *st, void *arg)
{
    (void)st;
    (*(int *)arg)++;
    return 0;
}

static int accesses(env *e)
{
    store_txn *t;
    int n = 0;
    ASSERT_OK(store_read_begin(e->st, &t));
    ASSERT_OK(store_states_each(t, PROTO_KIND_PII_ACCESS, 0, 0, count_cb, &n));
    store_read_end(t);
    return n;
}

static void pii(env *e)
{
    const char *hex = e->sealed;
    /* Without a reason: refused, nothing opened, nothing logged. */
    static srv_pii_shown sh;
    ASSERT_EQ(dash_pii_open(&e->src, e->data, hex, "", "web:clerk1", &sh),
              RND_EFIELD);
    ASSERT_EQ(sh.n, 0);
    ASSERT_EQ(accesses(e), 0);
    ASSERT_EQ(dash_pii_open(&e->src, e->data, "zz", "why", "web:clerk1", &sh),
              RND_EFIELD);

    /* With one: the fields, and the access on record first. */
    ASSERT_OK(dash_pii_open(&e->src, e->data, hex, "resident dispute at 2-2",
                            "web:clerk1", &sh));
    ASSERT_EQ(sh.n, 2);
    ASSERT_EQ(sh.items[0].value_len, 18);
    ASSERT(memcmp(sh.items[0].value, "110101199003071234", 18) == 0);
    srv_pii_shown_wipe(&sh);
    ASSERT_EQ(accesses(e), 1);

    /* `roundsd pii log` shows the line: who, which record, why. */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s pii log --site S1 --data '%s'", roundsd,
             e->data);
    size_t len;
    char *log = run(cmd, &len);
    has(log, "web:clerk1");
    has(log, hex);
    has(log, "resident dispute at 2-2");
    has(log, "id_no,phone");
    free(log);

    /* A record that seals nothing: not found, not logged. */
    ASSERT_EQ(
        dash_pii_open(&e->src, e->data, e->day.wo, "x", "web:clerk1", &sh),
        RND_EINVAL);
    ASSERT_EQ(sh.why, SRV_PII_WRONG_KIND);
    ASSERT_EQ(accesses(e), 1);
}

/* ---- the handlers without a store (the routes, parameters) -------------- */

static dash_handler route(const char *method, const char *path)
{
    for (const dash_route *r = dash_board_routes; r->path; r++)
        if (!strcmp(r->method, method) && !strcmp(r->path, path)) {
            ASSERT(r->per_site == 0 || r->min_role >= SRV_ROLE_CLERK);
            return r->fn;
        }
    TEST_FAIL_("no route %s %s", method, path);
    return NULL;
}

static void handlers(void)
{
    dash_request rq = {.method = "GET", .path = "/api/reports"};
    dash_response rs;
    memset(&rs, 0, sizeof rs);
    dash_ctx c = {.rq = &rq, .rs = &rs, .lang = "en", .role = SRV_ROLE_CLERK};
    strcpy(c.by, "web:clerk1");
    strcpy(c.site, "S1");
    route("GET", "/api/reports")(&c);
    ASSERT_EQ(rs.status, 200);
    has(rs.body, "\"name\":\"patrol\",\"title\":\"Patrol report\"");
    has(rs.body, "\"name\":\"month\"");
    dash_response_free(&rs);

    c.lang = "zh-CN";
    route("GET", "/api/reports")(&c);
    has(rs.body, "\"name\":\"patrol\",\"title\":\"巡更报表\"");
    dash_response_free(&rs);

    /* pii/open without a reason: 400 naming the field, before any store */
    static const char body[] = "{\"site\":\"S1\",\"id\":"
                               "\"0123456789abcdef0123456789abcdef\"}";
    rpt_jv jv;
    size_t where;
    ASSERT_OK(rpt_jv_parse(body, sizeof body - 1, &jv, &where));
    rq.method = "POST";
    rq.path = "/api/pii/open";
    c.json = &jv;
    route("POST", "/api/pii/open")(&c);
    ASSERT_EQ(rs.status, 400);
    has(rs.body, "\"field\":\"reason\"");
    dash_response_free(&rs);
    rpt_jv_free(&jv);

    /* the month-end report is a manager's */
    c.json = NULL;
    rq.method = "GET";
    rq.query = "site=S1&name=month";
    route("GET", "/api/report")(&c);
    ASSERT_EQ(rs.status, 403);
    dash_response_free(&rs);
    rq.query = "site=S1&name=nosuch";
    route("GET", "/api/report")(&c);
    ASSERT_EQ(rs.status, 404);
    dash_response_free(&rs);
    rq.query = "site=S1&kind=letters";
    route("GET", "/api/registers")(&c);
    ASSERT_EQ(rs.status, 400);
    has(rs.body, "\"field\":\"kind\"");
    dash_response_free(&rs);
}

int main(int argc, char **argv)
{
    ASSERT(argc == 2);
    roundsd = argv[1];
    setenv("TZ", "UTC", 1); /* the CLI's --tz decides; nothing local */
    i18n_init("roundsd");   /* $ROUNDS_LOCALEDIR: the build's catalogues */
    env e;
    env_build(&e);
    board(&e);
    report_csv(&e, "workorders", "orders");
    report_csv(&e, "workorders", "cycle_clocks");
    report_csv(&e, "inside", "visitors");
    report_csv(&e, "patrol", "rounds");
    report_csv(&e, "patrol", "summary");
    report_csv(&e, "devices", "devices");
    registers(&e);
    pii(&e);
    conflicts(&e);
    handlers();
    env_free(&e);
    printf("test_board: ok\n");
    return 0;
}
