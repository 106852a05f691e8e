/* test_report_patrol.c: the patrol report over the known day of day_a.h:
 * every row of every section and every summary figure, for the whole
 * site, for --guard g2 and for --route R2; and the --route R2 report
 * printed exactly in text, CSV and JSON. */
#include <stdlib.h>
#include <string.h>

#include "day_a.h"
#include "test.h"

enum {
    RT_ROUTE,
    RT_START,
    RT_END,
    RT_GUARD,
    RT_REQ,
    RT_ON,
    RT_LATE,
    RT_MISSED,
    RT_PENDING,
    RT_OOO,
    RT_DUP,
    RT_TQI
};

/* One rounds row: tqi < 0 means null. */
static void round_row(const rpt_section *s, uint32_t r, const char *route,
                      int64_t start, int64_t end, const char *guard,
                      int64_t req, int64_t on, int64_t late, int64_t missed,
                      int64_t pending, int64_t ooo, int64_t dup, double tqi)
{
    cell_s(s, r, RT_ROUTE, route);
    cell_t(s, r, RT_START, start);
    cell_t(s, r, RT_END, end);
    cell_s(s, r, RT_GUARD, guard);
    cell_i(s, r, RT_REQ, req);
    cell_i(s, r, RT_ON, on);
    cell_i(s, r, RT_LATE, late);
    cell_i(s, r, RT_MISSED, missed);
    cell_i(s, r, RT_PENDING, pending);
    cell_i(s, r, RT_OOO, ooo);
    cell_i(s, r, RT_DUP, dup);
    if (tqi < 0)
        cell_null(s, r, RT_TQI);
    else
        cell_r(s, r, RT_TQI, tqi);
}

static void missed_row(const rpt_section *s, uint32_t r, const char *route,
                       int64_t start, const char *tag, const char *name,
                       const char *place)
{
    cell_s(s, r, 0, route);
    cell_t(s, r, 1, start);
    cell_s(s, r, 2, tag);
    cell_s(s, r, 3, name);
    cell_s(s, r, 4, place);
}

/* minutes < 0: null */
static void exc_row(const rpt_section *s, uint32_t r, int64_t t,
                    const char *route, int64_t start, const char *tag,
                    const char *guard, const char *what, int64_t minutes)
{
    cell_t(s, r, 0, t);
    cell_s(s, r, 1, route);
    cell_t(s, r, 2, start);
    cell_s(s, r, 3, tag);
    cell_s(s, r, 4, guard);
    cell_s(s, r, 5, what);
    if (minutes < 0)
        cell_null(s, r, 6);
    else
        cell_i(s, r, 6, minutes);
}

static void guard_row(const rpt_section *s, uint32_t r, const char *g,
                      int64_t rounds, int64_t scans, int64_t on, int64_t late,
                      int64_t ooo, int64_t dup)
{
    cell_s(s, r, 0, g);
    cell_i(s, r, 1, rounds);
    cell_i(s, r, 2, scans);
    cell_i(s, r, 3, on);
    cell_i(s, r, 4, late);
    cell_i(s, r, 5, ooo);
    cell_i(s, r, 6, dup);
}

static void sums(const rpt_doc *d, int64_t routes, int64_t rounds, int64_t req,
                 int64_t visited, int64_t on, int64_t late, int64_t missed,
                 int64_t pending, int64_t ooo, int64_t dup, int64_t anomalies,
                 double tqi)
{
    sum_i(d, "routes", routes);
    sum_i(d, "rounds", rounds);
    sum_i(d, "required", req);
    sum_i(d, "visited", visited);
    sum_i(d, "on_time", on);
    sum_i(d, "late", late);
    sum_i(d, "missed", missed);
    sum_i(d, "pending", pending);
    sum_i(d, "out_of_order", ooo);
    sum_i(d, "duplicates", dup);
    sum_i(d, "anomalies", anomalies);
    const rpt_cell *c = summary(d, "tqi");
    ASSERT_EQ(c->type, RPT_REAL);
    ASSERT(c->d > tqi - 1e-9 && c->d < tqi + 1e-9);
}

static void whole_site(day_a *day)
{
    rpt_params p = day_a_params();
    rpt_doc d;
    store_txn *t;
    ASSERT_OK(store_read_begin(day->site, &t));
    ASSERT_OK(rpt_patrol(t, &p, &d));
    store_read_end(t);
    char *text = emit(&d, RPT_FMT_TEXT);
    fputs(text, stdout);
    free(text);

    ASSERT_STR_EQ(d.report, "patrol");
    const rpt_section *s = rpt_doc_section(&d, "rounds");
    ASSERT_EQ(rpt_section_rows(s), 7);
    round_row(s, 0, "R1", AT(4, 0), AT(6, 0), NULL, 5, 0, 0, 5, 0, 0, 0, 0);
    round_row(s, 1, "R1", AT(6, 0), AT(8, 0), "g1", 5, 3, 2, 0, 0, 1, 1, 1);
    round_row(s, 2, "R1", AT(8, 0), AT(10, 0), "g1", 5, 1, 1, 2, 0, 0, 0, 0.4);
    round_row(s, 3, "R1", AT(8, 0), AT(10, 0), "g2", 5, 0, 1, 2, 0, 0, 1, 0.2);
    round_row(s, 4, "R1", AT(10, 0), AT(12, 0), "g1", 0, 1, 0, 0, 4, 0, 0, -1);
    round_row(s, 5, "R2", AT(4, 0), AT(8, 0), "g2", 2, 1, 0, 1, 0, 0, 0, 0.5);
    round_row(s, 6, "R2", AT(8, 0), AT(12, 0), "g2", 0, 1, 0, 0, 1, 0, 0, -1);

    s = rpt_doc_section(&d, "missed");
    ASSERT_EQ(rpt_section_rows(s), 8);
    missed_row(s, 0, "R1", AT(4, 0), "CP-01", "North gate", "Block 1");
    missed_row(s, 1, "R1", AT(4, 0), "CP-02", "Pump room", "B2");
    missed_row(s, 2, "R1", AT(4, 0), "CP-03", "Garden", "Block 3");
    missed_row(s, 3, "R1", AT(4, 0), "CP-04", "Car park", "B1");
    missed_row(s, 4, "R1", AT(4, 0), "CP-05", "East fence", "Block 5");
    missed_row(s, 5, "R1", AT(8, 0), "CP-04", "Car park", "B1");
    missed_row(s, 6, "R1", AT(8, 0), "CP-05", "East fence", "Block 5");
    missed_row(s, 7, "R2", AT(4, 0), "CP-07", "West gate", "Block 7");

    s = rpt_doc_section(&d, "exceptions");
    ASSERT_EQ(rpt_section_rows(s), 8);
    exc_row(s, 0, AT(6, 20), "R1", AT(6, 0), "CP-03", "g1", "late", 5);
    exc_row(s, 1, AT(6, 20), "R1", AT(6, 0), "CP-03", "g1", "out_of_order", -1);
    exc_row(s, 2, AT(6, 31), "R1", AT(6, 0), "CP-05", "g1", "late", 16);
    exc_row(s, 3, AT(6, 33), "R1", AT(6, 0), "CP-05", "g1", "duplicate", -1);
    exc_row(s, 4, AT(8, 20), "R1", AT(8, 0), "CP-02", "g1", "late", 5);
    exc_row(s, 5, AT(8, 40), "R1", AT(8, 0), "CP-03", "g2", "late", 25);
    exc_row(s, 6, AT(8, 41), "R1", AT(8, 0), "CP-01", "g2", "duplicate", -1);
    exc_row(s, 7, AT(10, 20), "R1", AT(10, 0), "CP-99", "g1", "unknown_tag",
            -1);

    s = rpt_doc_section(&d, "anomalies");
    ASSERT_EQ(rpt_section_rows(s), 2);
    cell_t(s, 0, 0, AT(4, 20));
    cell_s(s, 0, 1, "R2");
    cell_s(s, 0, 2, "CP-06");
    cell_s(s, 0, 3, "Boiler");
    cell_s(s, 0, 4, "g2");
    cell_s(s, 0, 5, "door ajar");
    cell_s(s, 0, 6, NULL);
    cell_t(s, 1, 0, AT(6, 10));
    cell_s(s, 1, 1, "R1"); /* no route field: the route holding its tag */
    cell_s(s, 1, 2, "CP-02");
    cell_s(s, 1, 3, "Pump room");
    cell_s(s, 1, 4, "g1");
    cell_s(s, 1, 5, "broken lamp");
    cell_s(s, 1, 6, day->wo);

    s = rpt_doc_section(&d, "guards");
    ASSERT_EQ(rpt_section_rows(s), 2);
    guard_row(s, 0, "g1", 3, 10, 5, 3, 1, 1);
    guard_row(s, 1, "g2", 3, 4, 2, 1, 0, 1);

    sums(&d, 2, 6, 17, 9, 7, 4, 8, 5, 1, 2, 2, 9.0 / 17.0);

    /* The board's patrol (rounds_only): the same rounds and missed
     * checkpoints, cell for cell, without the rows it does not show. */
    p.rounds_only = 1;
    rpt_doc b;
    ASSERT_OK(store_read_begin(day->site, &t));
    ASSERT_OK(rpt_patrol(t, &p, &b));
    store_read_end(t);
    static const char *const same[] = {"rounds", "missed"};
    for (int k = 0; k < 2; k++) {
        const rpt_section *x = rpt_doc_section(&d, same[k]);
        const rpt_section *y = rpt_doc_section(&b, same[k]);
        ASSERT_EQ(rpt_section_rows(y), rpt_section_rows(x));
        for (uint32_t r = 0; r < rpt_section_rows(x); r++)
            for (uint32_t c = 0; c < rpt_section_ncols(x); c++) {
                const rpt_cell *cx = rpt_section_cell(x, r, c);
                const rpt_cell *cy = rpt_section_cell(y, r, c);
                ASSERT_EQ(cx->type, cy->type);
                if (cx->type == RPT_STR)
                    ASSERT_STR_EQ(cx->s, cy->s);
                else
                    ASSERT(cx->i == cy->i && cx->d == cy->d);
            }
    }
    ASSERT_EQ(rpt_section_rows(rpt_doc_section(&b, "anomalies")), 0);
    ASSERT_EQ(rpt_section_rows(rpt_doc_section(&b, "unknown_tags")), 0);
    ASSERT_EQ(rpt_section_rows(rpt_doc_section(&b, "guards")), 0);
    rpt_doc_free(&b);
    rpt_doc_free(&d);
}

static void one_guard(day_a *day)
{
    rpt_params p = day_a_params();
    p.guard = "g2";
    rpt_doc d;
    store_txn *t;
    ASSERT_OK(store_read_begin(day->site, &t));
    ASSERT_OK(rpt_patrol(t, &p, &d));
    store_read_end(t);
    const rpt_section *s = rpt_doc_section(&d, "rounds");
    ASSERT_EQ(rpt_section_rows(s), 3);
    round_row(s, 0, "R1", AT(8, 0), AT(10, 0), "g2", 5, 0, 1, 2, 0, 0, 1, 0.2);
    round_row(s, 1, "R2", AT(4, 0), AT(8, 0), "g2", 2, 1, 0, 1, 0, 0, 0, 0.5);
    round_row(s, 2, "R2", AT(8, 0), AT(12, 0), "g2", 0, 1, 0, 0, 1, 0, 0, -1);
    s = rpt_doc_section(&d, "missed");
    ASSERT_EQ(rpt_section_rows(s), 3);
    missed_row(s, 0, "R1", AT(8, 0), "CP-04", "Car park", "B1");
    missed_row(s, 1, "R1", AT(8, 0), "CP-05", "East fence", "Block 5");
    missed_row(s, 2, "R2", AT(4, 0), "CP-07", "West gate", "Block 7");
    s = rpt_doc_section(&d, "exceptions");
    ASSERT_EQ(rpt_section_rows(s), 2);
    exc_row(s, 0, AT(8, 40), "R1", AT(8, 0), "CP-03", "g2", "late", 25);
    exc_row(s, 1, AT(8, 41), "R1", AT(8, 0), "CP-01", "g2", "duplicate", -1);
    s = rpt_doc_section(&d, "anomalies");
    ASSERT_EQ(rpt_section_rows(s), 1);
    cell_s(s, 0, 2, "CP-06");
    s = rpt_doc_section(&d, "guards");
    ASSERT_EQ(rpt_section_rows(s), 1);
    guard_row(s, 0, "g2", 3, 4, 2, 1, 0, 1);
    sums(&d, 2, 3, 7, 2, 2, 1, 3, 1, 0, 1, 1, 2.0 / 7.0);
    rpt_doc_free(&d);
}

/* --route R2, printed: small enough to compare whole. */
static const char want_text[] =
    "Patrol report, site S1\n"
    "window 2026-03-10 04:00 .. 2026-03-10 12:00 (+08:00), as of 2026-03-10 "
    "11:00\n"
    "\n"
    "  routes               1\n"
    "  rounds               2\n"
    "  required             2\n"
    "  visited              1\n"
    "  on_time              2\n"
    "  late                 0\n"
    "  missed               1\n"
    "  pending              1\n"
    "  out_of_order         0\n"
    "  duplicates           0\n"
    "  clock_flagged_scans  0\n"
    "  anomalies            1\n"
    "  tqi                  0.50\n"
    "  early                0\n"
    "  manual_scans         2\n"
    "  unknown_tag_scans    0\n"
    "  unscheduled_scans    0\n"
    "\n"
    "Rounds\n"
    "  ROUTE  ROUND_START       ROUND_END         GUARD  REQUIRED  ON_TIME  "
    "LATE  MISSED  PENDING  OUT_OF_ORDER  DUPLICATES  TQI   EARLY  MANUAL  "
    "ROSTERED\n"
    "  R2     2026-03-10 04:00  2026-03-10 08:00  g2     2         1        0  "
    "   1       0        0             0           0.50  0      1       -\n"
    "  R2     2026-03-10 08:00  2026-03-10 12:00  g2     0         1        0  "
    "   0       1        0             0           -     0      1       -\n"
    "\n"
    "Missed checkpoints\n"
    "  ROUTE  ROUND_START       TAG    NAME       PLACE    DUE               "
    "ROSTERED\n"
    "  R2     2026-03-10 04:00  CP-07  West gate  Block 7  2026-03-10 04:00  "
    "-\n"
    "\n"
    "Late, out-of-order, duplicate and clock-flagged scans\n"
    "  (none)\n"
    "\n"
    "Anomalies observed\n"
    "  TIME              ROUTE  TAG    NAME    GUARD  NOTE       WORKORDER  "
    "CLOCK_FLAG\n"
    "  2026-03-10 04:20  R2     CP-06  Boiler  g2     door ajar  -          -\n"
    "\n"
    "Guards\n"
    "  GUARD  ROUNDS  SCANS  ON_TIME  LATE  OUT_OF_ORDER  DUPLICATES  MANUAL  "
    "ROSTERED_ROUNDS  ROSTERED_MISSED\n"
    "  g2     2       2      2        0     0             0           2       "
    "0                0\n"
    "\n"
    "Scans of unknown tags\n"
    "  (none)\n";

static const char want_csv[] =
    "summary,key,value\n"
    "summary,from,2026-03-10T04:00:00+08:00\n"
    "summary,to,2026-03-10T12:00:00+08:00\n"
    "summary,now,2026-03-10T11:00:00+08:00\n"
    "summary,routes,1\n"
    "summary,rounds,2\n"
    "summary,required,2\n"
    "summary,visited,1\n"
    "summary,on_time,2\n"
    "summary,late,0\n"
    "summary,missed,1\n"
    "summary,pending,1\n"
    "summary,out_of_order,0\n"
    "summary,duplicates,0\n"
    "summary,clock_flagged_scans,0\n"
    "summary,anomalies,1\n"
    "summary,tqi,0.50\n"
    "summary,early,0\n"
    "summary,manual_scans,2\n"
    "summary,unknown_tag_scans,0\n"
    "summary,unscheduled_scans,0\n"
    "section,route,round_start,round_end,guard,required,on_time,late,missed,"
    "pending,out_of_order,duplicates,tqi,early,manual,rostered\n"
    "rounds,R2,2026-03-10T04:00:00+08:00,2026-03-10T08:00:00+08:00,g2,2,1,0,1,"
    "0,0,0,0.50,0,1,\n"
    "rounds,R2,2026-03-10T08:00:00+08:00,2026-03-10T12:00:00+08:00,g2,0,1,0,0,"
    "1,0,0,,0,1,\n"
    "section,route,round_start,tag,name,place,due,rostered\n"
    "missed,R2,2026-03-10T04:00:00+08:00,CP-07,West gate,Block "
    "7,2026-03-10T04:00:00+08:00,\n"
    "section,time,route,round_start,tag,guard,what,minutes_late,clock_flag,"
    "minutes_early,due,rostered\n"
    "section,time,route,tag,name,guard,note,workorder,clock_flag\n"
    "anomalies,2026-03-10T04:20:00+08:00,R2,CP-06,Boiler,g2,door ajar,,\n"
    "section,guard,rounds,scans,on_time,late,out_of_order,duplicates,manual,"
    "rostered_rounds,rostered_missed\n"
    "guards,g2,2,2,2,0,0,0,2,0,0\n"
    "section,time,tag,route,guard,method,flagged\n";

static const char want_json[] =
    "{\"report\":\"patrol\",\"title\":\"Patrol "
    "report\",\"site\":\"S1\",\"from\":\"202"
    "6-03-10T04:00:00+08:00\",\"to\":\"2026-03-10T12:00:00+08:00\",\"now\":\"20"
    "26-03-10T11:00:00+08:00\",\"tz\":\"+08:00\",\"summary\":{\"routes\":1,"
    "\"roun"
    "ds\":2,\"required\":2,\"visited\":1,\"on_time\":2,\"late\":0,\"missed\":1,"
    "\"pe"
    "nding\":1,\"out_of_order\":0,\"duplicates\":0,\"clock_flagged_scans\":0,\""
    "anomalies\":1,\"tqi\":0.5000,\"early\":0,\"manual_scans\":2,\"unknown_tag_"
    "scans\":0,\"unscheduled_scans\":0},\"sections\":{\"rounds\":[{\"route\":"
    "\"R2"
    "\",\"round_start\":\"2026-03-10T04:00:00+08:00\",\"round_end\":\"2026-03-1"
    "0T08:00:00+08:00\",\"guard\":\"g2\",\"required\":2,\"on_time\":1,\"late\":"
    "0,\""
    "missed\":1,\"pending\":0,\"out_of_order\":0,\"duplicates\":0,\"tqi\":0."
    "5000"
    ",\"early\":0,\"manual\":1,\"rostered\":null},{\"route\":\"R2\",\"round_"
    "start\""
    ":\"2026-03-10T08:00:00+08:00\",\"round_end\":\"2026-03-10T12:00:00+08:0"
    "0\",\"guard\":\"g2\",\"required\":0,\"on_time\":1,\"late\":0,\"missed\":0,"
    "\"pend"
    "ing\":1,\"out_of_order\":0,\"duplicates\":0,\"tqi\":null,\"early\":0,"
    "\"manua"
    "l\":1,\"rostered\":null}],\"missed\":[{\"route\":\"R2\",\"round_start\":"
    "\"2026"
    "-03-10T04:00:00+08:00\",\"tag\":\"CP-07\",\"name\":\"West "
    "gate\",\"place\":\"B"
    "lock 7\",\"due\":\"2026-03-10T04:00:00+08:00\",\"rostered\":null}],\"excep"
    "tions\":[],\"anomalies\":[{\"time\":\"2026-03-10T04:20:00+08:00\","
    "\"route\""
    ":\"R2\",\"tag\":\"CP-06\",\"name\":\"Boiler\",\"guard\":\"g2\",\"note\":"
    "\"door ajar"
    "\",\"workorder\":null,\"clock_flag\":null}],\"guards\":[{\"guard\":\"g2\","
    "\"ro"
    "unds\":2,\"scans\":2,\"on_time\":2,\"late\":0,\"out_of_order\":0,"
    "\"duplicate"
    "s\":0,\"manual\":2,\"rostered_rounds\":0,\"rostered_missed\":0}],\"unknown"
    "_tags\":[]}}\n";

static void one_route(day_a *day)
{
    rpt_params p = day_a_params();
    p.route = "R2";
    rpt_doc d;
    store_txn *t;
    ASSERT_OK(store_read_begin(day->site, &t));
    ASSERT_OK(rpt_patrol(t, &p, &d));
    store_read_end(t);
    const rpt_section *s = rpt_doc_section(&d, "rounds");
    ASSERT_EQ(rpt_section_rows(s), 2);
    round_row(s, 0, "R2", AT(4, 0), AT(8, 0), "g2", 2, 1, 0, 1, 0, 0, 0, 0.5);
    round_row(s, 1, "R2", AT(8, 0), AT(12, 0), "g2", 0, 1, 0, 0, 1, 0, 0, -1);
    ASSERT_EQ(rpt_section_rows(rpt_doc_section(&d, "missed")), 1);
    ASSERT_EQ(rpt_section_rows(rpt_doc_section(&d, "exceptions")), 0);
    ASSERT_EQ(rpt_section_rows(rpt_doc_section(&d, "anomalies")), 1);
    sums(&d, 1, 2, 2, 1, 2, 0, 1, 1, 0, 0, 1, 0.5);

    char *text = emit(&d, RPT_FMT_TEXT);
    char *csv = emit(&d, RPT_FMT_CSV);
    char *json = emit(&d, RPT_FMT_JSON);
    ASSERT_STR_EQ(text, want_text);
    ASSERT_STR_EQ(csv, want_csv);
    ASSERT_STR_EQ(json, want_json);
    free(text);
    free(csv);
    free(json);
    rpt_doc_free(&d);
}

/* ---- scans made with a flagged clock ---------------------------------- */

typedef struct scan_op {
    proto_op op;
    int64_t wall;
} scan_op;

static int scan_append(store_txn *t, void *arg)
{
    scan_op *c = arg;
    return store_append_local(t, &c->op, c->wall, NULL);
}

/* A scan of route R2 by g2 at device time at, made by a handheld whose
 * last sync measured its clock 2 hours slow (_clk): flagged "offset". */
static void flagged_scan(day_a *day, int64_t at, const char *tag)
{
    static scan_op c;
    proto_op_init(&c.op);
    c.op.kind = PROTO_KIND_SCAN;
    c.op.action = PROTO_ACTION_CREATE;
    ASSERT_OK(proto_entity_new(c.op.entity, at));
    ASSERT_OK(proto_op_add_str(&c.op, "tag", tag, strlen(tag)));
    ASSERT_OK(proto_op_add_str(&c.op, "route", "R2", 2));
    ASSERT_OK(proto_op_add_str(&c.op, "by", "g2", 2));
    ASSERT_OK(proto_op_add_int(&c.op, "_clk", 2 * 3600 * 1000LL));
    c.wall = at;
    ASSERT_OK(store_write(day->site, scan_append, &c));
}

/* Two flagged scans on R2: 05:00 CP-07 (its round's only scan of CP-07:
 * it would be late) and 08:15 CP-06 (it would be on time). Neither
 * visits its checkpoint: CP-07 stays missed, CP-06 pending, the tqi is
 * unchanged; both are exceptions "clock_flagged" with their flag. Runs
 * last: it adds to the day's site store. */
static void flagged_clock(day_a *day)
{
    flagged_scan(day, AT(5, 0), "CP-07");
    flagged_scan(day, AT(8, 15), "CP-06");
    rpt_params p = day_a_params();
    p.route = "R2";
    rpt_doc d;
    store_txn *t;
    ASSERT_OK(store_read_begin(day->site, &t));
    ASSERT_OK(rpt_patrol(t, &p, &d));
    store_read_end(t);
    const rpt_section *s = rpt_doc_section(&d, "rounds");
    ASSERT_EQ(rpt_section_rows(s), 2);
    round_row(s, 0, "R2", AT(4, 0), AT(8, 0), "g2", 2, 1, 0, 1, 0, 0, 0, 0.5);
    round_row(s, 1, "R2", AT(8, 0), AT(12, 0), "g2", 0, 1, 0, 0, 1, 0, 0, -1);
    s = rpt_doc_section(&d, "missed");
    ASSERT_EQ(rpt_section_rows(s), 1);
    missed_row(s, 0, "R2", AT(4, 0), "CP-07", "West gate", "Block 7");
    s = rpt_doc_section(&d, "exceptions");
    ASSERT_EQ(rpt_section_rows(s), 2);
    exc_row(s, 0, AT(5, 0), "R2", AT(4, 0), "CP-07", "g2", "clock_flagged", -1);
    cell_s(s, 0, 7, "offset");
    exc_row(s, 1, AT(8, 15), "R2", AT(8, 0), "CP-06", "g2", "clock_flagged",
            -1);
    cell_s(s, 1, 7, "offset");
    s = rpt_doc_section(&d, "anomalies");
    ASSERT_EQ(rpt_section_rows(s), 1);
    cell_null(s, 0, 7);
    s = rpt_doc_section(&d, "guards");
    guard_row(s, 0, "g2", 2, 4, 2, 0, 0, 0);
    sums(&d, 1, 2, 2, 1, 2, 0, 1, 1, 0, 0, 1, 0.5);
    sum_i(&d, "clock_flagged_scans", 2);
    char *json = emit(&d, RPT_FMT_JSON);
    ASSERT(strstr(json, "\"what\":\"clock_flagged\",\"minutes_late\":null,"
                        "\"clock_flag\":\"offset\"") != NULL);
    free(json);
    rpt_doc_free(&d);
}

int main(void)
{
    day_a day;
    day_a_build(&day);
    whole_site(&day);
    one_guard(&day);
    one_route(&day);
    flagged_clock(&day);
    day_a_free(&day);
    printf("test_report_patrol: ok\n");
    return 0;
}
