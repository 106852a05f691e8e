/* cmd_report.c: `roundsd report KIND`, the office's reports at shift
 * change (docs/REPORTS.md). Every report reads the site's store in one
 * read transaction, so it is safe while `roundsd serve` runs, and prints
 * the same document as text (default), CSV or JSON.
 *
 * Exit codes: 0 the report was printed; 2 usage; 3 no such site; 5 storage
 * error; `report integrity` exits 1 when it finds a gap or an altered op
 * (after printing the report), so a cron job can alert on it. --group
 * (cmd_group.c) reads PostgreSQL: 5 when it cannot be reached or refuses.
 */
#include "../i18n/i18n.h"
#include "cmd_report.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../report/render.h"
#include "../report/report.h"
#include "cmd_group.h"
#include "report_run.h"
#include "site.h"

/* The table names of d, "a, b, c", for a message. */
static void table_names(const rpt_doc *d, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (uint32_t i = 0; rpt_csv_table(d, i) && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : "",
                              rpt_csv_table(d, i));
}

/* --format csv: one table per file (docs/REPORTS.md, "CSV"): --table NAME
 * to stdout, or every table into --out-dir DIR as DIR/NAME.csv. Frees d. */
static int emit_csv(rpt_doc *d, const char *table, const char *out_dir)
{
    char names[1024], path[4096];
    int rc = 0, ex = RND_EXIT_OK;
    table_names(d, names, sizeof names);
    if (table == NULL && out_dir == NULL) {
        ex = cli_usage(_("--format csv writes one table per file: give "
                         "--table NAME (%s) or --out-dir DIR"),
                       names);
    } else if (table) {
        rc = rpt_emit_csv_table(d, table, stdout);
        if (rc == RND_ENOTFOUND)
            ex = cli_usage(_("--table %s: report %s has the tables %s"), table,
                           d->report, names);
    } else if (mkdir(out_dir, 0755) != 0 && errno != EEXIST) {
        ex = cli_fail(RND_EIO, _("--out-dir %s: %s"), out_dir, strerror(errno));
    } else {
        for (uint32_t i = 0; rc == 0 && rpt_csv_table(d, i); i++) {
            const char *name = rpt_csv_table(d, i);
            snprintf(path, sizeof path, "%s/%s.csv", out_dir, name);
            FILE *f = fopen(path, "w");
            if (f == NULL) {
                ex = cli_fail(RND_EIO, _("cannot write %s: %s"), path,
                              strerror(errno));
                break;
            }
            rc = rpt_emit_csv_table(d, name, f);
            if (fclose(f) != 0 && rc == 0)
                rc = RND_EIO;
            if (rc == 0)
                printf("%s\n", path);
        }
    }
    rpt_doc_free(d);
    if (ex == RND_EXIT_OK && rc)
        ex = cli_fail(rc, _("cannot write the report: %s"),
                      i18n_tr(rnd_strerror(rc)));
    return ex;
}

const char *const *cli_report_names(void)
{
    static const char *names[32];
    const srv_report_kind *k = srv_report_kinds();
    for (size_t i = 0; k[i].name && i + 1 < sizeof names / sizeof *names; i++)
        names[i] = k[i].name;
    return names; /* the last stays NULL */
}

static int run_report(void)
{
    if (cli_args.npos != 1) {
        char list[512];
        size_t n = 0;
        list[0] = '\0';
        for (const char *const *w = cli_report_names(); *w; w++)
            n += (size_t)snprintf(list + n, sizeof list - n, "%s%s",
                                  n ? ", " : "", *w);
        return cli_usage(_("which report? %s"), list);
    }
    const srv_report_kind *k = srv_report_find(cli_args.pos[0]);
    if (k == NULL)
        return cli_unknown_sub(cli_args.pos[0], cli_report_names());
    int group = cli_flag("group") != NULL, ex;
    if (!group && (ex = cli_need_name("site")) != 0)
        return ex;

    rpt_params p;
    memset(&p, 0, sizeof p);
    p.site = cli_flag("site");
    p.overstay_ms = cli_config()->overstay_ms; /* overstay, default 4h */
    p.skew_limit_ms = (int64_t)cli_config()->skew_limit_min * 60000;
    p.vacant_days = RPT_VACANT_DEFAULT_DAYS;
    p.route = cli_flag("route");
    p.guard = cli_flag("guard");
    p.now = cli_now_ms();
    const char *v;
    /* --tz is in $TZ already (cli_parse: an offset or an IANA zone), so
     * local times are its. */
    if ((v = cli_flag("now")) && rpt_time_parse(v, RPT_TZ_LOCAL, &p.now) != 0)
        return cli_usage(_("--now %s: not a time"), v);
    if ((v = cli_flag("at")) && rpt_time_parse(v, RPT_TZ_LOCAL, &p.now) != 0)
        return cli_usage(_("--at %s: not a time"), v);
    p.tz_min = rpt_tz_local(p.now);
    rpt_window_args w = {cli_flag("from"), cli_flag("to"), cli_flag("day"),
                         cli_flag("month"), cli_flag("hours")};
    char err[160];
    if (rpt_window(&w, p.tz_min, p.now, &p.from, &p.to, err, sizeof err))
        return cli_usage("%s", err);
    if (!group && cli_flag("pg-dsn"))
        return cli_usage(_("--pg-dsn is for --group"));
    if ((v = cli_flag("overstay")) &&
        (rpt_duration_parse(v, &p.overstay_ms) != 0 || p.overstay_ms == 0))
        return cli_usage(_("--overstay %s: expected a duration such as 90m, "
                           "4h or 1d"),
                         v);
    uint32_t days = RPT_VACANT_DEFAULT_DAYS;
    if ((ex = cli_parse_u32("days", 1, 3660, &days)) != 0)
        return ex;
    p.vacant_days = (int)days;
    rpt_format fmt = RPT_FMT_TEXT;
    if ((v = cli_flag("format")) && rpt_format_parse(v, &fmt) != 0)
        return cli_usage(_("--format %s: expected text, csv or json"), v);
    if (cli_flag("json"))
        fmt = RPT_FMT_JSON;
    const char *table = cli_flag("table"), *out_dir = cli_flag("out-dir");
    if ((table || out_dir) && !cli_flag("format") && !cli_flag("json"))
        fmt = RPT_FMT_CSV; /* --table and --out-dir are CSV's */
    if ((table || out_dir) && fmt != RPT_FMT_CSV)
        return cli_usage(_("--table and --out-dir are for --format csv"));
    if (table && out_dir)
        return cli_usage(_("--table NAME prints one table; --out-dir DIR "
                           "writes them all: give one"));

    rpt_doc d;
    int rc = 0;
    if (group) {
        /* Across estates, from PostgreSQL (cmd_group.c). */
        if ((ex = cmd_group_report(k->name, p.now, p.tz_min, &d)) != 0) {
            rpt_doc_free(&d);
            return ex;
        }
    } else {
        store *st;
        if ((ex = cli_open_site_read(p.site, &st)) != 0)
            return ex;
        srv_registry *r = NULL;
        if (k->fn == NULL && (ex = cli_open_registry(&r)) != 0) {
            store_close(st);
            return ex;
        }
        rc = srv_report_build(k, st, r, &p, &d);
        srv_registry_close(r);
        store_close(st);
    }
    if (rc) {
        rpt_doc_free(&d);
        return cli_fail(rc, _("report %s of site %s: %s"), k->name, p.site,
                        i18n_tr(rnd_strerror(rc)));
    }
    /* integrity: the summary's "ok" says whether every chain verified. */
    int problems = 0;
    for (uint32_t i = 0; i < d.nsummary; i++)
        if (strcmp(d.summary[i].key, "ok") == 0 &&
            d.summary[i].value.type == RPT_BOOL && !d.summary[i].value.i)
            problems = 1;
    if (fmt == RPT_FMT_CSV) {
        ex = emit_csv(&d, table, out_dir);
        return ex == RND_EXIT_OK && problems ? RND_EXIT_FAIL : ex;
    }
    rc = rpt_emit(&d, fmt, stdout);
    rpt_doc_free(&d);
    if (rc)
        return cli_fail(rc, _("cannot write the report: %s"),
                        i18n_tr(rnd_strerror(rc)));
    return problems ? RND_EXIT_FAIL : RND_EXIT_OK;
}

static const cli_flag_spec report_flags[] = {
    CLI_DATA_FLAG,
    {"site", "NAME",
     N_("the site (required; with --group: S1,S2 keeps those estates)")},
    {"from", "TIME", N_("window start (default: 12 hours before --to)"),
     ARGS_TIME},
    {"to", "TIME", N_("window end (default: now)"), ARGS_TIME},
    {"day", "YYYY-MM-DD", N_("the window is this local day"), ARGS_DAY},
    {"month", "YYYY-MM", N_("the window is this local month")},
    {"hours", "N", N_("the window is the last N hours"), ARGS_INT, 1, 8784},
    {"now", "TIME", N_("as of this time (default: the clock)"), ARGS_TIME},
    {"at", "TIME", N_("tasks: as of this time (same as --now)"), ARGS_TIME},
    {"tz", "ZONE",
     N_("time zone for days and display: Z, +HH:MM or an IANA name such as "
        "Asia/Shanghai (default: $TZ, else the machine's)"),
     ARGS_TZ},
    {"format", "FMT", N_("text (default), csv or json")},
    {"json", NULL, N_("same as --format json")},
    {"table", "NAME",
     N_("csv: print this one table (summary or a section) to stdout")},
    {"out-dir", "DIR", N_("csv: write every table to DIR/NAME.csv")},
    {"route", "ROUTE", N_("patrol: only this route")},
    {"guard", "NAME", N_("patrol, dutylog: only this guard (person)")},
    {"overstay", "DUR",
     N_("inside: overstay after this long (default: the configuration's "
        "overstay, 4h)")},
    {"days", "N",
     N_("vacant: overdue after N days without an inspection "
        "(default 30)")},
    {"group", NULL,
     N_("patrol, workorders, callbacks, month: across estates, from "
        "PostgreSQL (--site S1,S2 keeps some; --month or --day)")},
    {"pg-dsn", "DSN",
     N_("--group: the PostgreSQL database (default: the configuration's "
        "pg_dsn)")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};

/* clang-format off */
const cli_command cli_report_commands[] = {
    {"report", N_("the office's reports: patrol, inside, workorders, "
               "complaints, callbacks, vacant, handover, dutylog, month, "
               "devices, integrity, tags, registers, tasks"),
     "roundsd report KIND --site S [--from T] [--to T | --day D | --month M "
     "| --hours N]\n"
     "               [--now T] [--tz ZONE] [--format text|csv|json] "
     "[--json] [--data DIR]\n"
     "               [--table NAME | --out-dir DIR] (csv: one table per "
     "file)\n"
     "               [--route R] [--guard G] [--overstay DUR] [--days N]\n"
     "       roundsd report patrol|workorders|callbacks|month --group\n"
     "               [--month M | --day D] [--site S1,S2] [--pg-dsn DSN]\n"
     "               [--format text|csv|json]\n\n"
     "KIND: patrol | inside | workorders | complaints | callbacks |\n"
     "      vacant | handover | dutylog | month | devices | integrity |\n"
     "      tags | registers | tasks\n"
     "TIME: YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM] (no zone: --tz) or ms since "
     "the epoch.\n"
     "The window is [from, to); default the last 12 hours (a shift). "
     "docs/REPORTS.md\ndefines every figure.\n"
     "--group reads the facts `roundsd group refresh` (or serve with "
     "pg_dsn)\nwrote into PostgreSQL: one row per estate and the totals "
     "(docs/POSTGRES.md,\n\"Group reports\"); exit 5 when PostgreSQL "
     "cannot be reached or refuses.",
     report_flags, run_report, 1},
    {NULL, NULL, NULL, NULL, NULL, 0}};
/* clang-format on */
