/* cmd_group.c: `roundsd group refresh` and `roundsd report KIND --group`
 * (cmd_group.h). The facts are written by group_refresh.c and read here
 * by the SQL of server/group_sql/, one query per section, the same text
 * docs/POSTGRES.md shows; the result is an rpt_doc, so text, CSV and JSON
 * print as every report does.
 *
 * Exit codes: 0 done; 2 usage; 3 no such site; 5 PostgreSQL unreachable
 * or refusing, or a site's store unreadable.
 */
#include "../i18n/i18n.h"
#include "cmd_group.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libpq-fe.h>

#include "group_refresh.h"
#include "group_rows.h"
#include "site.h"

#define MAX_SITES 256

/* ---- report KIND --group ------------------------------------------------ */

typedef struct grp_query {
    const char *section; /* NULL: the totals, into the summary */
    const char *title;
    const char *file; /* server/group_sql/FILE.sql */
} grp_query;

typedef struct grp_report {
    const char *name;
    const char *title;
    grp_query q[4];
} grp_report;

/* clang-format off */
static const grp_report group_reports[] = {
    {"patrol", N_("Patrol report, across estates"),
     {{NULL, NULL, "patrol_totals"},
      {"estates", N_("Per estate"), "patrol_estates"}}},
    {"workorders", N_("Work orders, across estates"),
     {{NULL, NULL, "workorders_totals"},
      {"estates", N_("Per estate"), "workorders_estates"},
      {"clocks", N_("Clocks per estate"), "workorders_clocks"}}},
    {"callbacks", N_("Callbacks, across estates"),
     {{NULL, NULL, "callbacks_totals"},
      {"estates", N_("Per estate"), "callbacks_estates"}}},
    {"month", N_("Month end, across estates"),
     {{NULL, NULL, "month_totals"},
      {"people", N_("Per person across estates"), "month_people"},
      {"site_people", N_("Per estate and person"), "month_site_people"}}},
    {NULL, NULL, {{NULL, NULL, NULL}}}};
/* clang-format on */

/* The column names of the sections and totals, for the catalogue (the
 * report prints them through i18n_tr). */
static const char *const group_words[]
    __attribute__((unused)) = {N_("estates"), N_("oldest_as_of"), N_("as_of"),
                               N_("site"),    N_("person"),       N_("clock")};

/* PostgreSQL's type OIDs (pg_type.h) of the columns the SQL gives. */
enum {
    OID_BOOL = 16,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_TIMESTAMPTZ = 1184,
    OID_NUMERIC = 1700
};

static rpt_cell cell_of(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return rpt_null();
    const char *v = PQgetvalue(r, row, col);
    int64_t ms;
    switch (PQftype(r, col)) {
    case OID_INT8:
    case OID_INT2:
    case OID_INT4:
        return rpt_i(strtoll(v, NULL, 10));
    case OID_NUMERIC:
    case OID_FLOAT4:
    case OID_FLOAT8:
        return rpt_r(strtod(v, NULL));
    case OID_BOOL:
        return rpt_b(v[0] == 't');
    case OID_TIMESTAMPTZ:
        return grp_time_parse(v, &ms) == 0 ? rpt_t(ms) : rpt_s(v);
    default:
        return rpt_s(v);
    }
}

/* One query into d: a section, or (section NULL) the summary. */
static int query_into(PGconn *conn, const grp_query *q, const char *period,
                      const char *sites, rpt_doc *d, char *err, size_t errlen)
{
    char *sql = grp_sql(q->file);
    if (sql == NULL) {
        snprintf(err, errlen, "no SQL %s", q->file);
        return RND_ENOMEM;
    }
    const char *params[] = {period, sites};
    PGresult *r = PQexecParams(conn, sql, 2, NULL, params, NULL, NULL, 0);
    free(sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "%s", PQresultErrorMessage(r));
        size_t n = strlen(err);
        while (n && err[n - 1] == '\n')
            err[--n] = '\0';
        PQclear(r);
        return RND_EIO;
    }
    int rc = 0, nc = PQnfields(r), nr = PQntuples(r);
    if (q->section == NULL) {
        for (int c = 0; rc == 0 && nr > 0 && c < nc; c++)
            rc = rpt_summary(d, PQfname(r, c), cell_of(r, 0, c));
    } else {
        const char *cols[RPT_MAX_COLS];
        if (nc > RPT_MAX_COLS)
            nc = RPT_MAX_COLS;
        for (int c = 0; c < nc; c++)
            cols[c] = PQfname(r, c);
        rpt_section *s =
            rpt_section_add(d, q->section, q->title, cols, (uint32_t)nc);
        if (s == NULL)
            rc = RND_ENOMEM;
        rpt_cell cells[RPT_MAX_COLS];
        for (int row = 0; rc == 0 && row < nr; row++) {
            for (int c = 0; c < nc; c++)
                cells[c] = cell_of(r, row, c);
            rc = rpt_row(s, cells);
        }
    }
    if (rc)
        snprintf(err, errlen, "%s", rnd_strerror(rc));
    PQclear(r);
    return rc;
}

/* --site S1,S2 -> the array literal "{S1,S2}" (names are checked, so
 * nothing needs quoting); NULL for all. */
static int sites_array(const char *list, char *out, size_t cap)
{
    size_t n = 0;
    out[n++] = '{';
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (!srv_name_valid(p, len) || n + len + 2 >= cap)
            return cli_usage(_("--site %s: expected site names, separated "
                               "by commas"),
                             list);
        if (n > 1)
            out[n++] = ',';
        memcpy(out + n, p, len);
        n += len;
        p += len;
        if (*p == ',')
            p++;
    }
    out[n++] = '}';
    out[n] = '\0';
    return 0;
}

static const char *pg_dsn(void)
{
    const char *v = cli_flag("pg-dsn");
    return v ? v : cli_config()->pg_dsn;
}

int cmd_group_report(const char *name, int64_t now, int tz_min, rpt_doc *d)
{
    memset(d, 0, sizeof *d);
    const grp_report *g = group_reports;
    while (g->name && strcmp(g->name, name) != 0)
        g++;
    if (g->name == NULL)
        return cli_usage(_("--group: report %s is not kept across estates "
                           "(patrol, workorders, callbacks, month)"),
                         name);
    if (cli_flag("from") || cli_flag("to") || cli_flag("hours"))
        return cli_usage(_("--group: the period is --month YYYY-MM or --day "
                           "YYYY-MM-DD"));
    char period[GRP_PERIOD_MAX];
    const char *v;
    if ((v = cli_flag("month")) || (v = cli_flag("day"))) {
        if (cli_flag("month") && cli_flag("day"))
            return cli_usage(_("--month and --day: give one"));
        int kind = grp_period_kind(v);
        if (kind < 0 || kind != (cli_flag("month") != NULL))
            return cli_usage(_("--%s %s: expected %s"),
                             cli_flag("month") ? "month" : "day", v,
                             cli_flag("month") ? "YYYY-MM" : "YYYY-MM-DD");
        snprintf(period, sizeof period, "%s", v);
    } else {
        grp_period_name(now, tz_min, 1, period, sizeof period);
    }
    char sites[4096];
    const char *sites_p = NULL;
    if ((v = cli_flag("site"))) {
        int ex = sites_array(v, sites, sizeof sites);
        if (ex)
            return ex;
        sites_p = sites;
    }
    const char *dsn = pg_dsn();
    if (dsn[0] == '\0')
        return cli_usage(_("--group reads PostgreSQL: set pg_dsn in the "
                           "configuration or give --pg-dsn DSN"));
    rpt_window_args w = {NULL, NULL, strlen(period) == 10 ? period : NULL,
                         strlen(period) == 7 ? period : NULL, NULL};
    int64_t from = 0, to = 0;
    char werr[160];
    (void)rpt_window(&w, tz_min, now, &from, &to, werr, sizeof werr);
    rpt_doc_init(d, g->name, g->title, "", from, to, now, tz_min);

    char err[512];
    PGconn *conn;
    int rc = grp_connect(dsn, 0, &conn, err, sizeof err);
    if (rc)
        return cli_fail(RND_EIO, _("--group: %s"), err);
    for (int i = 0; rc == 0 && i < 4 && g->q[i].file; i++)
        rc = query_into(conn, &g->q[i], period, sites_p, d, err, sizeof err);
    PQfinish(conn);
    if (rc)
        return cli_fail(RND_EIO,
                        _("--group: PostgreSQL: %s (has `roundsd group "
                          "refresh` or serve with pg_dsn written the "
                          "facts?)"),
                        err);
    return 0;
}

/* ---- group refresh -------------------------------------------------------
 */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sites of DATA/sites that have a store, sorted. */
static size_t list_sites(char names[][SRV_NAME_MAX + 1], size_t cap)
{
    char path[4200];
    cli_fmt(path, sizeof path, "%s/sites", cli_data_dir());
    DIR *d = opendir(path);
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL && n < cap) {
        char mdb[4600];
        struct stat sb;
        if (!srv_name_valid(e->d_name, strlen(e->d_name)))
            continue;
        cli_fmt(mdb, sizeof mdb, "%s/%s/data.mdb", path, e->d_name);
        if (stat(mdb, &sb) != 0)
            continue;
        memset(names[n], 0, SRV_NAME_MAX + 1);
        memcpy(names[n++], e->d_name, strnlen(e->d_name, SRV_NAME_MAX));
    }
    if (d)
        closedir(d);
    char *ptrs[MAX_SITES];
    for (size_t i = 0; i < n; i++)
        ptrs[i] = names[i];
    qsort(ptrs, n, sizeof *ptrs, cmp_str);
    char sorted[MAX_SITES][SRV_NAME_MAX + 1];
    for (size_t i = 0; i < n; i++)
        memcpy(sorted[i], ptrs[i], SRV_NAME_MAX + 1);
    memcpy(names, sorted, n * (SRV_NAME_MAX + 1));
    return n;
}

static int run_refresh(void)
{
    const char *v;
    int64_t now = cli_now_ms();
    if ((v = cli_flag("now")) && rpt_time_parse(v, RPT_TZ_LOCAL, &now) != 0)
        return cli_usage(_("--now %s: not a time"), v);
    int tz_min = rpt_tz_local(now);
    char per[2 * GRP_PERIODS_DEFAULT][GRP_PERIOD_MAX];
    size_t nper = 0;
    if ((v = cli_flag("month"))) {
        if (grp_period_kind(v) != 1)
            return cli_usage(_("--month %s: expected YYYY-MM"), v);
        snprintf(per[nper++], GRP_PERIOD_MAX, "%s", v);
    }
    if ((v = cli_flag("day"))) {
        if (grp_period_kind(v) != 0)
            return cli_usage(_("--day %s: expected YYYY-MM-DD"), v);
        snprintf(per[nper++], GRP_PERIOD_MAX, "%s", v);
    }
    if (nper == 0) {
        grp_default_periods(now, tz_min, per);
        nper = GRP_PERIODS_DEFAULT;
    }
    const char *pp[2 * GRP_PERIODS_DEFAULT];
    for (size_t i = 0; i < nper; i++)
        pp[i] = per[i];

    static char names[MAX_SITES][SRV_NAME_MAX + 1];
    size_t nsites;
    if ((v = cli_flag("site"))) {
        int ex = cli_need_name("site");
        if (ex)
            return ex;
        cli_fmt(names[0], sizeof names[0], "%s", v);
        nsites = 1;
    } else {
        char path[4200];
        struct stat sb;
        cli_fmt(path, sizeof path, "%s/sites", cli_data_dir());
        if (stat(path, &sb) != 0)
            return cli_fail(RND_ENOTFOUND, _("no sites in %s"),
                            cli_data_dir());
        nsites = list_sites(names, MAX_SITES);
    }
    const char *dsn = pg_dsn();
    if (dsn[0] == '\0')
        return cli_usage(_("group refresh writes to PostgreSQL: set pg_dsn "
                           "in the configuration or give --pg-dsn DSN"));
    /* A site named and missing is exit 3 before PostgreSQL is asked. */
    store *st;
    int ex;
    if (cli_flag("site")) {
        if ((ex = cli_open_site_read(names[0], &st)) != 0)
            return ex;
        store_close(st);
    }
    char err[600];
    PGconn *conn;
    int rc = grp_connect(dsn, 1, &conn, err, sizeof err);
    if (rc)
        return cli_fail(RND_EIO, "%s", err);
    grp_opts o = {now, tz_min, (int64_t)cli_config()->skew_limit_min * 60000};
    static uint64_t rows_of[MAX_SITES];
    uint64_t total = 0;
    ex = RND_EXIT_OK;
    for (size_t i = 0; i < nsites && ex == RND_EXIT_OK; i++) {
        if ((ex = cli_open_site_read(names[i], &st)) != 0)
            break;
        rc = grp_refresh_site(conn, st, names[i], pp, nper, &o, &rows_of[i],
                              err, sizeof err);
        store_close(st);
        if (rc) {
            ex = cli_fail(rc, _("site %s: %s"), names[i], err);
            break;
        }
        total += rows_of[i];
        fprintf(stderr, _("group refresh: site %s: %" PRIu64 " rows\n"),
                names[i], rows_of[i]);
    }
    PQfinish(conn);
    if (ex != RND_EXIT_OK)
        return ex;
    if (cli_flag("json")) {
        printf("{\"ok\":true,\"sites\":[");
        for (size_t i = 0; i < nsites; i++) {
            printf("%s{\"site\":", i ? "," : "");
            cli_json_str(names[i]);
            printf(",\"rows\":%" PRIu64 "}", rows_of[i]);
        }
        printf("],\"periods\":[");
        for (size_t i = 0; i < nper; i++) {
            printf("%s", i ? "," : "");
            cli_json_str(per[i]);
        }
        printf("],\"rows\":%" PRIu64 "}\n", total);
    } else {
        printf(_("%zu sites, %zu periods, %" PRIu64 " rows\n"), nsites, nper,
               total);
    }
    return ex;
}

static int run_group(void)
{
    static const char *const subs[] = {"refresh", NULL};
    if (cli_args.npos != 1)
        return cli_usage(_("which? refresh"));
    if (strcmp(cli_args.pos[0], "refresh") != 0)
        return cli_unknown_sub(cli_args.pos[0], subs);
    return run_refresh();
}

static const cli_flag_spec group_flags[] = {
    CLI_DATA_FLAG,
    {"site", "NAME", N_("only this site (default: every site of --data)")},
    {"month", "YYYY-MM",
     N_("this local month (default: this and last month, today and "
        "yesterday)")},
    {"day", "YYYY-MM-DD", N_("this local day"), ARGS_DAY},
    {"now", "TIME", N_("as of this time (default: the clock)"), ARGS_TIME},
    {"pg-dsn", "DSN",
     N_("the PostgreSQL database (default: the configuration's pg_dsn)")},
    {"json", NULL, N_("print the result as JSON")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};

/* clang-format off */
const cli_command cli_group_commands[] = {
    {"group", N_("the group reports across estates: write each site's "
                 "report facts into PostgreSQL (refresh)"),
     "roundsd group refresh [--site S] [--month YYYY-MM] [--day YYYY-MM-DD]\n"
     "               [--now T] [--tz ZONE] [--pg-dsn DSN] [--json] "
     "[--data DIR]\n\n"
     "Computes the patrol, workorders, callbacks and month reports of each\n"
     "site for each period and replaces them in PostgreSQL (tables\n"
     "report_runs, report_rows) in one transaction per site; read-only on\n"
     "the stores, safe while serve runs. Read them with 'roundsd report\n"
     "KIND --group'. docs/POSTGRES.md, \"Group reports\".\n"
     "Exit codes: 0 done; 2 usage; 3 no such site; 5 PostgreSQL\n"
     "unreachable or refusing, or a store unreadable.",
     group_flags, run_group, 1},
    {NULL, NULL, NULL, NULL, NULL, 0}};
/* clang-format on */
