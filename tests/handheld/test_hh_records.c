/* test_hh_records.c: every record kind and work-order transition through the
 * handheld C API, with the validation a guard depends on: a bad or missing
 * field is named, an illegal transition is refused, and nothing is written
 * when a call fails. */
#include <string.h>

#include "../../handheld/handheld.h"
#include "../../storage/store.h"
#include "test.h"

static int64_t fake_now = 1795860000000; /* 2026-11-28T10:00:00Z */
static int64_t clock_fn(void *ctx)
{
    return fake_now;
}

static hh *h;
static char idhex[33];

static uint64_t own_ops(void)
{
    hh_status_info st;
    ASSERT_OK(hh_status(h, &st));
    return st.own_ops;
}

/* Records verb with "name=value" pairs; returns the rc. The id lands in
 * idhex. */
static int rec(const char *verb, const char *target, const char *const *pairs)
{
    hh_kv kv[32];
    char buf[32][128];
    size_t n = 0;
    uint8_t id[16];
    for (; pairs && pairs[n]; n++) {
        snprintf(buf[n], sizeof buf[n], "%s", pairs[n]);
        char *eq = strchr(buf[n], '=');
        ASSERT(eq != NULL);
        *eq = '\0';
        kv[n].name = buf[n];
        kv[n].value = eq + 1;
    }
    int rc = hh_record(h, verb, target, kv, n, id, NULL);
    if (rc == 0)
        proto_entity_hex(id, idhex);
    return rc;
}

#define P(...) ((const char *const[]){__VA_ARGS__, NULL})

typedef struct got {
    fold_state st;
    char status[24];
    char field[256];
    const char *want_field;
    int calls;
} got;

static int get_cb(const fold_state *st, void *arg)
{
    got *g = arg;
    g->calls++;
    strcpy(g->status, st->status);
    g->field[0] = '\0';
    if (g->want_field) {
        const proto_field *f = fold_state_field(st, g->want_field);
        if (f && f->type == PROTO_STR)
            snprintf(g->field, sizeof g->field, "%.*s", (int)f->str_len,
                     f->str);
        else if (f)
            snprintf(g->field, sizeof g->field, "%lld", (long long)f->i);
    }
    return 0;
}

static const char *status_of(const char *hex)
{
    static got g;
    memset(&g, 0, sizeof g);
    ASSERT_OK(hh_get(h, hex, get_cb, &g));
    return g.status;
}

static const char *field_of(const char *hex, const char *name)
{
    static got g;
    memset(&g, 0, sizeof g);
    g.want_field = name;
    ASSERT_OK(hh_get(h, hex, get_cb, &g));
    return g.field;
}

static int count_cb(const fold_state *st, void *arg)
{
    (*(int *)arg)++;
    return 0;
}

static int count(int kind, int open_only)
{
    int n = 0;
    ASSERT_OK(hh_list(h, kind, open_only, count_cb, &n));
    return n;
}

static void test_scans(void)
{
    ASSERT_OK(rec("scan.record", NULL, P("tag=CP-01", "route=R1")));
    /* Typed by hand: manual, not verified (a payload proves presence). */
    ASSERT_STR_EQ(field_of(idhex, "method"), "manual");
    ASSERT_STR_EQ(field_of(idhex, "verified"), "0");
    ASSERT_STR_EQ(field_of(idhex, "by"), "guard-li"); /* the device user */
    ASSERT_OK(rec("scan.record", NULL,
                  P("tag=CP-02", "method=manual", "note=door ajar",
                    "anomaly=true", "workorder=door_window", "by=guard-wu")));
    ASSERT_STR_EQ(field_of(idhex, "by"), "guard-wu");
    char wo[33];
    snprintf(wo, sizeof wo, "%s", field_of(idhex, "workorder"));
    ASSERT_EQ(strlen(wo), 32);
    ASSERT_STR_EQ(status_of(wo), "reported");
    ASSERT_STR_EQ(field_of(wo, "category"), "door_window");

    uint64_t before = own_ops();
    ASSERT_ERR(rec("scan.record", NULL, P("route=R1")), RND_EFIELD);
    ASSERT(strstr(hh_last_error(h), "'tag'") != NULL);
    ASSERT_ERR(rec("scan.record", NULL, P("tag=CP-1", "method=bluetooth")),
               RND_EFIELD);
    ASSERT(strstr(hh_last_error(h), "'method'") != NULL);
    /* nfc or qr claims a reader read the tag: not without its payload. */
    ASSERT_ERR(rec("scan.record", NULL, P("tag=CP-1", "method=qr")),
               RND_EFIELD);
    ASSERT(strstr(hh_last_error(h), "'method'") != NULL);
    ASSERT_ERR(rec("scan.record", NULL, P("payload=CP-1")), RND_EFIELD);
    ASSERT(strstr(hh_last_error(h), "'payload'") != NULL);
    ASSERT_ERR(rec("scan.record", NULL, P("tag=CP-1", "anomaly=maybe")),
               RND_EFIELD);
    ASSERT_ERR(rec("scan.record", NULL, P("tag=CP-1", "colour=red")),
               RND_EFIELD);
    ASSERT(strstr(hh_last_error(h), "'colour'") != NULL);
    ASSERT_ERR(rec("scan.record", NULL, P("tag=CP-1", "workorder=plumbing")),
               RND_EFIELD); /* a work order needs an anomaly */
    ASSERT_ERR(rec("scan.nothing", NULL, P("tag=CP-1")), RND_EFIELD);
    ASSERT_U64_EQ(own_ops(), before); /* nothing written on failure */
    ASSERT_EQ(count(PROTO_KIND_SCAN, 0), 2);
}

static void test_visits(void)
{
    char v1[33];
    ASSERT_OK(
        rec("visit.enter", NULL,
            P("name=Wang Wei", "id_type=id_card", "id_no=110101199001011234",
              "phone=13800000000", "unit=3-2-1201", "purpose=delivery",
              "party=2", "gate=A", "pass=P7", "plate=京A12345")));
    snprintf(v1, sizeof v1, "%s", idhex);
    ASSERT_STR_EQ(status_of(v1), "inside");
    ASSERT_STR_EQ(field_of(v1, "party"), "2");
    ASSERT_EQ(count(PROTO_KIND_VISIT, 1), 1);

    /* One pass per person: P7 is out until it comes back. */
    uint64_t before = own_ops();
    ASSERT_ERR(rec("visit.enter", NULL,
                   P("name=Li", "id_type=id_card", "id_no=1234567",
                     "unit=1-1-101", "purpose=renovation", "pass=P7")),
               RND_EEXIST);
    ASSERT_ERR(rec("visit.enter", NULL,
                   P("name=Li", "id_type=id_card", "unit=1-1-101",
                     "purpose=renovation")),
               RND_EFIELD);
    ASSERT(strstr(hh_last_error(h), "'id_no'") != NULL);
    ASSERT_ERR(rec("visit.enter", NULL,
                   P("name=Li", "id_type=id_card", "id_no=1", "unit=1",
                     "purpose=x", "party=0")),
               RND_EFIELD);
    ASSERT_ERR(rec("visit.enter", NULL,
                   P("name=Li", "id_type=id_card", "id_no=1", "unit=1",
                     "purpose=x", "party=two")),
               RND_EFIELD);
    ASSERT(strstr(hh_last_error(h), "'party'") != NULL);
    ASSERT_U64_EQ(own_ops(), before);

    /* Exit by pass number, at another gate. */
    ASSERT_OK(rec("visit.exit", "P7", P("gate=B")));
    ASSERT_STR_EQ(idhex, v1);
    ASSERT_STR_EQ(status_of(v1), "left");
    ASSERT_STR_EQ(field_of(v1, "gate"), "A");
    ASSERT_STR_EQ(field_of(v1, "exit_gate"), "B");
    ASSERT_EQ(count(PROTO_KIND_VISIT, 1), 0);
    /* Leaving twice is refused; an unknown pass is not found. */
    ASSERT_ERR(rec("visit.exit", v1, NULL), RND_ETRANSITION);
    ASSERT_ERR(rec("visit.exit", "P7", NULL), RND_ENOTFOUND);
    ASSERT_ERR(rec("visit.exit", NULL, NULL), RND_EFIELD);
    /* The pass can be issued again now. */
    ASSERT_OK(rec("visit.enter", NULL,
                  P("name=Li Na", "id_type=passport", "id_no=E12345678",
                    "unit=1-1-101", "purpose=renovation", "pass=P7")));
    ASSERT_OK(rec("visit.exit", idhex, NULL));

    ASSERT_OK(rec("visit.refuse", NULL,
                  P("name=unknown man", "reason=no ID, would not say why")));
    ASSERT_STR_EQ(status_of(idhex), "refused");
    ASSERT_ERR(rec("visit.refuse", NULL, P("name=x")), RND_EFIELD);
    ASSERT(strstr(hh_last_error(h), "'reason'") != NULL);
}

static void test_vehicles(void)
{
    ASSERT_OK(rec("vehicle.enter", NULL,
                  P("plate=沪B99999", "type=van", "unit=2-1-502", "phone=139",
                    "gate=A")));
    char v[33];
    snprintf(v, sizeof v, "%s", idhex);
    ASSERT_EQ(count(PROTO_KIND_VEHICLE, 1), 1);
    ASSERT_ERR(rec("vehicle.enter", NULL, P("plate=X1", "type=tank")),
               RND_EFIELD);
    ASSERT_OK(rec("vehicle.exit", "沪B99999", P("gate=C")));
    ASSERT_STR_EQ(idhex, v);
    ASSERT_STR_EQ(status_of(v), "left");
    ASSERT_EQ(count(PROTO_KIND_VEHICLE, 1), 0);
    ASSERT_EQ(count(PROTO_KIND_VEHICLE, 0), 1);
}

static void test_workorders(void)
{
    char w[33];
    ASSERT_OK(rec("workorder.create", NULL,
                  P("place=3-2-1201", "category=plumbing",
                    "description=burst pipe under sink",
                    "urgent_reason=pump_pipe_leak", "contact=Wang 138")));
    snprintf(w, sizeof w, "%s", idhex);
    ASSERT_STR_EQ(status_of(w), "reported");
    ASSERT_STR_EQ(field_of(w, "priority"), "urgent"); /* implied */

    /* Life cycle with an illegal jump refused at each step. */
    ASSERT_ERR(rec("workorder.arrive", w, NULL), RND_ETRANSITION);
    ASSERT(strstr(hh_last_error(h), "reported") != NULL);
    ASSERT_ERR(rec("workorder.dispatch", w, NULL), RND_EFIELD);
    ASSERT_OK(rec("workorder.dispatch", w, P("assignee=tech-zhang")));
    ASSERT_STR_EQ(status_of(w), "dispatched");
    ASSERT_ERR(
        rec("workorder.complete", w, P("signature=Wang", "labour_min=30")),
        RND_ETRANSITION);
    ASSERT_OK(rec("workorder.arrive", w, P("by=tech-zhang")));
    ASSERT_STR_EQ(field_of(w, "arrive_by"), "tech-zhang");
    ASSERT_ERR(rec("workorder.complete", w, P("signature=Wang")), RND_EFIELD);
    ASSERT(strstr(hh_last_error(h), "'labour_min'") != NULL);
    ASSERT_OK(rec(
        "workorder.complete", w,
        P("signature=Wang", "labour_min=45", "materials=pipe 2m, 2 clamps")));
    ASSERT_STR_EQ(status_of(w), "completed");
    ASSERT_ERR(rec("workorder.close", w, NULL), RND_ETRANSITION);
    ASSERT_ERR(rec("workorder.callback", w, P("satisfaction=meh")), RND_EFIELD);
    /* A bad callback reopens it; it goes round again. */
    ASSERT_OK(rec("workorder.callback", w, P("satisfaction=unsatisfied")));
    ASSERT_STR_EQ(status_of(w), "reopened");
    ASSERT_OK(rec("workorder.dispatch", w, P("assignee=tech-zhao")));
    ASSERT_OK(rec("workorder.arrive", w, NULL));
    ASSERT_OK(
        rec("workorder.complete", w, P("signature=Wang", "labour_min=90")));
    ASSERT_OK(rec("workorder.callback", w, P("satisfaction=satisfied")));
    ASSERT_STR_EQ(status_of(w), "called_back");
    ASSERT_OK(rec("workorder.close", w, NULL));
    ASSERT_STR_EQ(status_of(w), "closed");
    ASSERT_ERR(rec("workorder.cancel", w, P("reason=dup")), RND_ETRANSITION);
    ASSERT_OK(rec("workorder.reopen", w, P("reason=leaks again")));
    ASSERT_STR_EQ(status_of(w), "reopened");
    ASSERT_OK(rec("workorder.cancel", w, P("reason=duplicate of another")));
    ASSERT_STR_EQ(status_of(w), "cancelled");
    ASSERT_ERR(rec("workorder.dispatch", w, P("assignee=x")), RND_ETRANSITION);

    /* Urgent without a reason, and a contradiction, are refused. */
    ASSERT_ERR(rec("workorder.create", NULL,
                   P("place=x", "category=elevator", "description=d",
                     "priority=urgent")),
               RND_EFIELD);
    ASSERT_ERR(rec("workorder.create", NULL,
                   P("place=x", "category=elevator", "description=d",
                     "priority=normal", "urgent_reason=elevator_trapped")),
               RND_EFIELD);
    ASSERT_ERR(rec("workorder.create", NULL,
                   P("place=x", "category=elevator", "description=d",
                     "appointment=tomorrow")),
               RND_EFIELD);
    ASSERT(strstr(hh_last_error(h), "'appointment'") != NULL);
    ASSERT_OK(rec("workorder.create", NULL,
                  P("place=lobby B3", "category=public_lighting",
                    "description=lamp out", "severity=simple",
                    "appointment=2026-11-28T14:00:00+08:00")));
    ASSERT_STR_EQ(field_of(idhex, "appointment"), "1795845600000");
    ASSERT_ERR(rec("workorder.dispatch", "0123456789abcdef0123456789abcdef",
                   P("assignee=x")),
               RND_ENOTFOUND);
}

static void test_inspection_handover_log(void)
{
    int open_before = count(PROTO_KIND_WORKORDER, 1);
    ASSERT_OK(rec("inspection.record", NULL, P("unit=5-1-301")));
    ASSERT_STR_EQ(field_of(idhex, "leaks"), "ok");
    ASSERT_EQ(count(PROTO_KIND_WORKORDER, 1), open_before);
    ASSERT_OK(rec(
        "inspection.record", NULL,
        P("unit=5-1-302", "leaks=fail", "cracks=fail", "note=damp ceiling")));
    char wo[33];
    snprintf(wo, sizeof wo, "%s", field_of(idhex, "workorder"));
    ASSERT_EQ(count(PROTO_KIND_WORKORDER, 1), open_before + 1);
    ASSERT_STR_EQ(field_of(wo, "place"), "5-1-302");
    ASSERT_STR_EQ(field_of(wo, "category"), "plumbing");
    ASSERT(strstr(field_of(wo, "description"), "leaks cracks") != NULL);
    ASSERT_ERR(rec("inspection.record", NULL, P("unit=5-1-303", "gas=bad")),
               RND_EFIELD);

    /* A visitor still inside shows up in the handover. */
    ASSERT_OK(rec("visit.enter", NULL,
                  P("name=Chen", "id_type=id_card", "id_no=44030019800101",
                    "unit=7-1-101", "purpose=family")));
    ASSERT_OK(rec("handover.create", NULL,
                  P("to=guard-chen", "keys=gate keys x3, torch x1",
                    "notes=lift 2 noisy")));
    char ho[33];
    snprintf(ho, sizeof ho, "%s", idhex);
    ASSERT_STR_EQ(status_of(ho), "pending");
    ASSERT_STR_EQ(field_of(ho, "visits_inside"), "1");
    ASSERT(strstr(field_of(ho, "visits_list"), "Chen@7-1-101") != NULL);
    ASSERT_STR_EQ(field_of(ho, "anomalies"), "1"); /* CP-02 door ajar */
    char n[16];
    snprintf(n, sizeof n, "%d", count(PROTO_KIND_WORKORDER, 1));
    ASSERT_STR_EQ(field_of(ho, "workorders_open"), n);
    ASSERT_OK(rec("handover.ack", ho, P("by=guard-chen")));
    ASSERT_STR_EQ(status_of(ho), "acknowledged");
    ASSERT_ERR(rec("handover.ack", ho, NULL), RND_ETRANSITION);
    /* The next handover only lists anomalies seen since this one. */
    fake_now += 60000;
    ASSERT_OK(rec("handover.create", NULL, P("to=guard-li")));
    ASSERT_STR_EQ(field_of(idhex, "anomalies"), "0");

    ASSERT_OK(rec("log.note", NULL, P("text=fire drill at 15:00")));
    ASSERT_ERR(rec("log.note", NULL, NULL), RND_EFIELD);
}

static void test_batch(void)
{
    hh_kv k1[] = {{"tag", "CP-10"}};
    hh_kv bad[] = {{"tag", "CP-11"}, {"method", "smoke"}};
    hh_batch_item items[3] = {{"scan.record", NULL, k1, 1, {0}, {0}},
                              {"scan.record", NULL, k1, 1, {0}, {0}},
                              {"scan.record", NULL, bad, 2, {0}, {0}}};
    size_t failed = 99;
    uint64_t before = own_ops();
    ASSERT_ERR(hh_record_many(h, items, 3, &failed), RND_EFIELD);
    ASSERT_EQ(failed, 2);
    ASSERT_U64_EQ(own_ops(), before); /* all or nothing */
    ASSERT_OK(hh_record_many(h, items, 2, &failed));
    ASSERT_U64_EQ(own_ops(), before + 2);
    ASSERT(memcmp(items[0].id, items[1].id, 16) != 0);
}

static void test_mask(void)
{
    char out[64];
    hh_mask_id("110101199001011234", 18, out, sizeof out);
    ASSERT_STR_EQ(out, "110*************34");
    hh_mask_id("12345", 5, out, sizeof out);
    ASSERT_STR_EQ(out, "*****");
}

int main(void)
{
    char *dir = test_tmpdir("hh");
    char path[4200];
    snprintf(path, sizeof path, "%s/store", dir);

    ASSERT_ERR(hh_open(path, &h), RND_ENOTFOUND);
    ASSERT_OK(hh_init(path, "S1", "HH-01", &h));
    hh_set_clock(h, clock_fn, NULL);
    /* Without a user or --by, records that need a person are refused. */
    ASSERT_ERR(rec("scan.record", NULL, P("tag=CP-01")), RND_EFIELD);
    ASSERT(strstr(hh_last_error(h), "'by'") != NULL);
    ASSERT_OK(hh_set_user(h, "guard-li"));

    test_scans();
    test_visits();
    test_vehicles();
    test_workorders();
    test_inspection_handover_log();
    test_batch();
    test_mask();

    /* Everything is still there after a reopen, with a contiguous log. */
    uint64_t ops = own_ops();
    hh_close(h);
    hh *again;
    ASSERT_ERR(hh_init(path, "S1", "HH-01", &again), RND_EEXIST);
    ASSERT_OK(hh_open(path, &h));
    ASSERT_U64_EQ(own_ops(), ops);
    hh_status_info st;
    ASSERT_OK(hh_status(h, &st));
    ASSERT_U64_EQ(st.ops_total, ops);
    ASSERT_U64_EQ(st.unsynced, ops);
    ASSERT_STR_EQ(st.site, "S1");
    hh_close(h);
    test_rmtree(dir);
    free(dir);
    return 0;
}
