/* rounds_args.c: the command line of `rounds`: its table of commands (each
 * with its flags, bare words and help), parsing argv through cli/args.h,
 * every command's --help, `rounds verbs`, `rounds completion bash` and
 * --version.
 *
 * The recording commands come from the verb table (hh_verbs): "visit
 * enter" is visit.enter, "scan" is scan.record; their flags are the verb's
 * fields ('_' typed as '-'); their values are checked by hh_record, as for
 * an app (EFIELD, exit 2). Global flags (--data, --json,
 * --tz, --help, --version) go before or after the command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/args.h"
#include "../i18n/i18n.h"
#include "../report/report.h"
#include "handheld.h"
#include "rounds_cli.h"

/* ---- flag tables -------------------------------------------------------- */

static const args_flag global_flags[] = {
    {"data", "DIR",
     "the device's data directory ($" HH_DATA_ENV ", else ./rounds-data)"},
    {"json", NULL, N_("machine-readable output (errors too: an object)")},
    {"tz", "ZONE",
     N_("time zone of times typed and shown: Z, +HH:MM or an IANA name "
        "(Asia/Shanghai); default $TZ, else the machine's"),
     ARGS_TZ},
    {"help", NULL, N_("this command's help")},
    {"version", NULL, N_("print the version")},
    {NULL}};

static const args_flag init_flags[] = {
    {"site", "SITE", N_("the site this device belongs to (required)")},
    {"name", "NAME", N_("this device's name (required)")},
    {"user", "PERSON", N_("who carries it")},
    {NULL}};
static const args_flag signin_flags[] = {
    {"staff", "ID", N_("who signs in: a staff id (required)")},
    {"pin-stdin", NULL,
     N_("read the PIN from standard input (else it is asked on the "
        "terminal)")},
    {NULL}};
static const args_flag enroll_flags[] = {
    {"server", "HOST:PORT", N_("the office's server (required)")},
    {"cert", "FILE", N_("its certificate, as the office gave it (required)")},
    {"credential", "CRED", N_("the one-time credential (required)")},
    {"payload", "TEXT",
     N_("or all of it at once: the text of the office's enrollment QR code "
        "(the certificate is taken from the server when its SHA-256 is the "
        "code's)")},
    {"timeout", "SEC",
     N_("with --payload: give up after SEC seconds "
        "(default 30)")},
    {NULL}};
static const args_flag sync_flags[] = {
    {"server", "HOST:PORT", N_("another server than the enrolled one")},
    {"timeout", "SEC", N_("give up after SEC seconds (default 30)")},
    {NULL}};
static const args_flag list_flags[] = {
    {"all", NULL, N_("closed and retired ones too")},
    {"limit", "N", N_("only the N newest"), ARGS_INT, 1, 1000000000000000LL},
    {NULL}};
static const char *const formats[] = {"text", "csv", "json", NULL};
static const args_flag now_flags[] = {
    {"at", "TIME", N_("as of this time (default: now)"), ARGS_TIME},
    {"user", "ID", N_("for this staff id (default: the device's user)")},
    {NULL}};

static const args_flag report_flags[] = {
    {"since", "TIME",
     N_("window start (default: the later of 12 hours ago and this device's "
        "last handover)"),
     ARGS_TIME},
    {"route", "R", N_("missed checkpoints of this route only")},
    {"format", "FMT", N_("text (default), csv or json"), ARGS_ENUM, 0, 0,
     formats},
    {NULL}};
static const char *const langs[] = {"zh-CN", "en", NULL};
static const args_flag app_flags[] = {
    {"port", "N", N_("listen on 127.0.0.1:N (default: a free port)"), ARGS_INT,
     0, 65535},
    {"url-file", "FILE",
     N_("also write the address to FILE (mode 0600) once listening")},
    {"lang", "LANG", N_("the page's language: zh-CN (default) or en"),
     ARGS_ENUM, 0, 0, langs},
    {NULL}};
static const char *const att_roles[] = {"photo", "signature", "document",
                                        "thumb", NULL};
static const args_flag attach_flags[] = {
    {"role", "ROLE",
     N_("photo, signature (a PNG drawing), document (a PDF) or thumb "
        "(default: photo, or document for a PDF)"),
     ARGS_ENUM, 0, 0, att_roles},
    {"of", "HASH",
     N_("with --role thumb: the attachment it is a thumbnail of")},
    {"by", "PERSON", N_("who attaches it (default: the device's person)")},
    {"keep-location", NULL,
     N_("keep a photo's GPS location (taken out by default: personal data)")},
    {NULL}};
static const args_flag attachment_get_flags[] = {
    {"out", "FILE", N_("write the attachment to FILE (required)")}, {NULL}};
static const args_flag attachment_gc_flags[] = {
    {"min-age", "AGE",
     N_("keep files younger than AGE (3600, 90s, 30m, 1h, 2d; default 1h; "
        "0 keeps none)")},
    {"dry-run", NULL, N_("list the orphans, remove nothing")},
    {NULL}};
static const char *const shells[] = {"bash", NULL};
static const args_flag no_flags[] = {{NULL}};

/* ---- the commands ------------------------------------------------------- */

static int run_help(void);
static int run_verbs(void);
static int run_completion(void);
static int run_record(void);

/* "list KIND": every kind (rounds.c's cmd_list knows what each shows). */
static const struct {
    const char *kind, *help;
} lists[] = {
    {"visitors", "visitors inside (--all: every visit)"},
    {"vehicles", "vehicles inside (--all: every one)"},
    {"workorders", "open work orders (--all: every one)"},
    {"scans", "checkpoint scans"},
    {"inspections", "vacant-unit inspections"},
    {"handovers", "shift handovers"},
    {"log", "duty log entries"},
    {"units", "units (the office's master data, as last synced)"},
    {"vacant", "vacant units"},
    {"routes", "patrol routes"},
    {"checkpoints", "checkpoints"},
    {"staff", "staff"},
    {"plates", "resident plates"},
    {"blacklist", "the gate's blacklist"},
    {"sites", "sites"},
    {"holidays",
     "the office's holiday calendar (holidays, worked weekend days)"},
    {"pii_access", "the office's openings of sealed personal data"},
    {"pii_keys", "the office's keys for personal data"},
    {"tag_keys", "the office's keys for checkpoint tags"},
    {"incidents", "open incidents (--all: every one)"},
    {"keys", "owners' keys out (--all: returned ones too)"},
    {"lostfound", "found items not returned (--all: every one)"},
    {"exitslips", "exit slips checked at the gate"},
    {"tasks", "recurring tasks done"},
    {"taskplans", "the office's recurring task plans"},
    {"roster", "the roster: who holds which route or post each shift"},
};

static const rcmd fixed[] = {
    {"init", "--site SITE --name NAME [--user PERSON]", N_("make this device"),
     init_flags, 0, 0, NULL, cmd_init},
    {"user", "PERSON", N_("who carries the device now"), no_flags, 1, 1, NULL,
     cmd_user},
    {"signin", "--staff ID [--pin-stdin]",
     N_("sign in with your PIN: you are the 'by' of what you record"),
     signin_flags, 0, 0, NULL, cmd_signin},
    {"signout", "", N_("sign out: nobody holds the device"), no_flags, 0, 0,
     NULL, cmd_signout},
    {"whoami", "", N_("who is signed in"), no_flags, 0, 0, NULL, cmd_whoami},
    {"status", "", N_("device, op counts, unsynced work"), no_flags, 0, 0, NULL,
     cmd_status},
    {"enroll",
     "--server HOST:PORT --cert FILE --credential CRED | --payload TEXT",
     N_("store what the office gave: the server, its certificate, the secret"),
     enroll_flags, 0, 0, NULL, cmd_enroll},
    {"sync", "[--server HOST:PORT] [--timeout SEC]",
     N_("push own records, pull the site's"), sync_flags, 0, 0, NULL, cmd_sync},
    {"dump", "", N_("every merged record and their digest"), no_flags, 0, 0,
     NULL, cmd_dump},
    {"conflicts", "",
     N_("records with concurrent different writes to a field (the office "
        "resolves them)"),
     no_flags, 0, 0, NULL, cmd_conflicts},
    {"show", "ID", N_("one record with its history (ID: 8+ hex of its id)"),
     no_flags, 1, 1, NULL, cmd_show},
    {"attach", "ID FILE [--role ROLE] [--of HASH] [--by PERSON]",
     N_("put a photo, a drawn signature or a PDF on a record (checked by its "
        "bytes, location taken out)"),
     attach_flags, 2, 2, NULL, cmd_attach},
    {"attachment list", "[ID]",
     N_("the attachments of a record, or of every record"), no_flags, 0, 1,
     NULL, cmd_attachment_list},
    {"attachment get", "HASH --out FILE",
     N_("copy an attachment out, its hash checked"), attachment_get_flags, 1, 1,
     NULL, cmd_attachment_get},
    {"attachment want", "HASH",
     N_("fetch this attachment at the next sync (one the handheld would "
        "not fetch by itself)"),
     no_flags, 1, 1, NULL, cmd_attachment_want},
    {"attachment gc", "[--min-age AGE] [--dry-run]",
     N_("remove attachment files no record names (left by an attach that "
        "did not finish)"),
     attachment_gc_flags, 0, 0, NULL, cmd_attachment_gc},
    {"report shift", "[--since TIME] [--route R] [--format FMT]",
     N_("my shift so far, offline: my scans, missed checkpoints, visitors I "
        "let in still inside"),
     report_flags, 0, 0, NULL, cmd_report},
    {"app", "[--port N] [--url-file FILE] [--lang zh-CN|en]",
     N_("serve the handheld's app to this device's browser (127.0.0.1)"),
     app_flags, 0, 0, NULL, cmd_app},
    {"now", "[--at TIME] [--user ID]",
     N_("what is due for me now: my rounds, work orders by their clocks, "
        "vacant units, handovers to acknowledge"),
     now_flags, 0, 0, NULL, cmd_now},
    {"help", "[COMMAND [SUBCOMMAND]]", N_("a command's help"), no_flags, 0, 2,
     NULL, run_help},
    {"verbs", "", N_("every recording command and its fields"), no_flags, 0, 0,
     NULL, run_verbs},
    {"completion", "bash", N_("print the bash completion script"), no_flags, 1,
     1, NULL, run_completion},
};

#define MAX_CMDS 96
static rcmd cmds[MAX_CMDS];
static size_t ncmds;
static char names[MAX_CMDS][48];

/* A verb's command as typed: "visit.enter" -> "visit enter", "scan.record"
 * -> "scan", "inspection.record" -> "inspect", "log.note" -> "log". */
static void verb_command(const char *verb, char *out, size_t cap)
{
    if (strcmp(verb, "scan.record") == 0)
        snprintf(out, cap, "scan");
    else if (strcmp(verb, "inspection.record") == 0)
        snprintf(out, cap, "inspect");
    else if (strcmp(verb, "log.note") == 0)
        snprintf(out, cap, "log");
    else {
        snprintf(out, cap, "%s", verb);
        char *dot = strchr(out, '.');
        if (dot)
            *dot = ' ';
    }
}

/* The flags of a verb: its fields, typed. */
static args_flag vflags[ARGS_MAX_FLAGS];
static char vnames[ARGS_MAX_FLAGS][48];

static const char *field_meta(const hh_field_spec *f)
{
    if (f->type == HH_SWITCH)
        return NULL; /* "--force" (the library reads "" as true) */
    switch (f->type) {
    case HH_INT:
        return "N";
    case HH_TIME:
        return "TIME";
    case HH_BOOL:
        return "yes|no";
    case HH_ENUM:
        return "CHOICE";
    }
    return "TEXT";
}

static void verb_flags(const hh_verb_spec *v)
{
    int n = 0;
    for (const hh_field_spec *f = v->fields; f->name && n < ARGS_MAX_FLAGS - 1;
         f++, n++) {
        size_t i;
        for (i = 0; f->name[i] && i + 1 < sizeof vnames[n]; i++)
            vnames[n][i] = f->name[i] == '_' ? '-' : f->name[i];
        vnames[n][i] = '\0';
        /* Names only: the values are the library's to check (hh_record:
         * the verb table is the one source of truth, EFIELD). */
        vflags[n] = (args_flag){vnames[n], field_meta(f), f->help};
    }
    vflags[n] = (args_flag){NULL};
}

static void add_cmd(rcmd c)
{
    if (ncmds < MAX_CMDS)
        cmds[ncmds++] = c;
}

static void build_table(void)
{
    if (ncmds)
        return;
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        add_cmd(fixed[i]);
    for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
        snprintf(names[ncmds], sizeof names[0], "list %s", lists[i].kind);
        add_cmd((rcmd){names[ncmds], "[--all] [--limit N]", lists[i].help,
                       list_flags, 0, 0, NULL, cmd_list});
    }
    for (const hh_verb_spec *v = hh_verbs(); v->verb; v++) {
        verb_command(v->verb, names[ncmds], sizeof names[0]);
        /* key back: ID, or --unit U instead (rounds_records.c). */
        int by_unit = strcmp(v->verb, "key.back") == 0;
        add_cmd((rcmd){names[ncmds],
                       v->creates ? "[--FIELD VALUE]..."
                       : by_unit  ? "ID|UNIT | --unit UNIT [--FIELD VALUE]..."
                                  : "ID [--FIELD VALUE]...",
                       v->help, NULL, v->creates || by_unit ? 0 : 1,
                       v->creates ? 0 : 1, v->verb, run_record});
    }
}

/* The flags of c: its own (a verb's from the verb table). */
static const args_flag *own_flags(const rcmd *c)
{
    if (c->verb) {
        verb_flags(hh_verb_find(c->verb));
        return vflags;
    }
    return c->flags;
}

/* The first word of a command's name, in buf. */
static const char *group_of(const char *name, char *buf, size_t cap)
{
    size_t n = strcspn(name, " ");
    snprintf(buf, cap, "%.*s", (int)n, name);
    return buf;
}

static int is_group(const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i < ncmds; i++)
        if (strncmp(cmds[i].name, word, n) == 0 && cmds[i].name[n] == ' ')
            return 1;
    return 0;
}

static const rcmd *find_cmd(const char *name)
{
    for (size_t i = 0; i < ncmds; i++)
        if (strcmp(cmds[i].name, name) == 0)
            return &cmds[i];
    return NULL;
}

/* ---- errors ------------------------------------------------------------- */

/* The group ("visit") of a sub-command that was not found, for the hint. */
static const char *err_group;

int usage_error(const char *fmt, const char *arg)
{
    char msg[1024];
    snprintf(msg, sizeof msg, fmt, arg);
    args_clean(msg);
    fprintf(stderr, "rounds: %s\n", msg);
    if (o.cmd)
        fprintf(stderr, _("Try 'rounds %s --help'.\n"), o.cmd->name);
    else if (err_group)
        fprintf(stderr, _("Try 'rounds %s --help'.\n"), err_group);
    else
        fprintf(stderr, "%s", _("Try 'rounds --help'.\n"));
    if (o.json) {
        printf("{\"ok\":false,\"error\":\"usage\",\"message\":");
        json_cstr(stdout, msg);
        printf("}\n");
    }
    return RND_EXIT_USAGE;
}

/* ---- parsing ------------------------------------------------------------ */

static args_flag all_flags[ARGS_MAX_FLAGS];

/* c's flags then the global ones, into all_flags. */
static const args_flag *merged(const rcmd *c)
{
    int n = 0;
    const args_flag *own = c ? own_flags(c) : NULL;
    for (int i = 0; own && own[i].name && n < ARGS_MAX_FLAGS - 8; i++)
        all_flags[n++] = own[i];
    for (int i = 0; global_flags[i].name; i++)
        all_flags[n++] = global_flags[i];
    all_flags[n] = (args_flag){NULL};
    return all_flags;
}

static int suggest_command(const char *word, const char *group)
{
    static char gwords[MAX_CMDS][48];
    args_best b;
    char shown[200], msg[512];
    args_best_init(&b, word);
    size_t n = group ? strlen(group) : 0;
    for (size_t i = 0; i < ncmds; i++) {
        if (group == NULL)
            args_best_add(&b,
                          group_of(cmds[i].name, gwords[i], sizeof gwords[i]));
        else if (strncmp(cmds[i].name, group, n) == 0 && cmds[i].name[n] == ' ')
            args_best_add(&b, cmds[i].name + n + 1);
    }
    if (group == NULL)
        args_best_add(&b, "wo");
    const char *near = args_best_get(&b);
    args_clip(word, shown, sizeof shown);
    err_group = group;
    if (group)
        snprintf(msg, sizeof msg, _("unknown subcommand '%s' of '%s'%s%s%s"),
                 shown, group, near ? _("; did you mean '") : "",
                 near ? near : "", near ? "'?" : "");
    else
        snprintf(msg, sizeof msg, _("unknown command '%s'%s%s%s"), shown,
                 near ? _("; did you mean '") : "", near ? near : "",
                 near ? "'?" : "");
    return usage_error("%s", msg);
}

/* The sub-commands of group as "a, b, c". */
static void subs_text(const char *group, char *out, size_t cap)
{
    size_t n = strlen(group), k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < ncmds && k + 1 < cap; i++)
        if (strncmp(cmds[i].name, group, n) == 0 && cmds[i].name[n] == ' ')
            k += (size_t)snprintf(out + k, cap - k, "%s%s", k ? ", " : "",
                                  cmds[i].name + n + 1);
}

static void print_group_help(const char *group);
static void print_cmd_help(const rcmd *c);
static void print_main_help(void);

static int print_version(void)
{
    if (o.json) {
        printf("{\"program\":\"rounds\",\"version\":");
        json_cstr(stdout, args_version());
        printf("}\n");
    } else {
        printf("rounds %s\n", args_version());
    }
    return RND_EXIT_OK;
}

/* Takes the parsed flags of the command into o. */
static int take(const args_flag *fl, const args_parsed *p)
{
    for (int i = 0; fl[i].name; i++) {
        if (!p->set[i])
            continue;
        const char *n = fl[i].name, *v = p->values[i];
        if (!strcmp(n, "data"))
            o.data = v;
        else if (!strcmp(n, "json"))
            o.json = 1;
        else if (!strcmp(n, "tz"))
            o.tz = v;
        else if (!strcmp(n, "help"))
            o.help = 1;
        else if (!strcmp(n, "version"))
            o.version = 1;
        else if (!strcmp(n, "all"))
            o.all = 1;
        else if (!strcmp(n, "limit"))
            o.limit = strtol(v, NULL, 10);
        else {
            if (o.nkv == MAX_KV)
                return usage_error(_("too many flags%s"), "");
            size_t k;
            for (k = 0; n[k] && k + 1 < sizeof o.names[0]; k++)
                o.names[o.nkv][k] = n[k] == '-' ? '_' : n[k];
            o.names[o.nkv][k] = '\0';
            o.kv[o.nkv].name = o.names[o.nkv];
            o.kv[o.nkv].value = v;
            o.nkv++;
        }
    }
    return 0;
}

int rounds_main(int argc, char **argv)
{
    char err[512], word[48];
    build_table();
    /* --json anywhere makes every error an object on stdout. */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--json") == 0)
            o.json = 1;

    /* Before the command: global flags only. */
    char *rest[512];
    int nrest = 0, i = 1;
    rest[nrest++] = argv[0];
    while (i < argc && argv[i][0] == '-' && argv[i][1] != '\0' &&
           strcmp(argv[i], "--") != 0) {
        const char *a = argv[i];
        char name[64];
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        snprintf(name, sizeof name, "%.*s", (int)(len < 63 ? len : 63), a);
        const char *bare = strncmp(name, "--", 2) == 0 ? name + 2 : name;
        if (strcmp(a, "-h") == 0)
            bare = "help";
        const args_flag *f = args_find(global_flags, bare, NULL);
        if (f == NULL || (strncmp(name, "--", 2) != 0 && strcmp(a, "-h"))) {
            args_parsed p = {0};
            char *one[2] = {argv[0], (char *)a};
            args_parse(global_flags, 0, 2, one, 1, &p, err, sizeof err);
            return usage_error("%s", err);
        }
        if (nrest + 2 >= (int)(sizeof rest / sizeof *rest))
            return usage_error(_("too many arguments%s"), "");
        rest[nrest++] = argv[i++];
        if (f->meta && !eq && i < argc)
            rest[nrest++] = argv[i++];
    }
    if (i < argc && strcmp(argv[i], "--") == 0)
        i++;
    const rcmd *c = NULL;
    int words = 0;
    if (i < argc) {
        const char *w = argv[i];
        if (strcmp(w, "wo") == 0)
            w = "workorder";
        if (is_group(w)) {
            const char *sub = i + 1 < argc ? argv[i + 1] : NULL;
            char full[128];
            snprintf(full, sizeof full, "%s %s", w, sub ? sub : "");
            if (sub && sub[0] != '-' && (c = find_cmd(full)) != NULL) {
                words = 2;
            } else if (sub && sub[0] != '-') {
                return suggest_command(sub, w);
            } else {
                /* "visit --help": the group's help; otherwise which? */
                snprintf(word, sizeof word, "%s", w);
                int help = 0;
                for (int k = i + 1; k < argc; k++)
                    if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h"))
                        help = 1;
                if (help) {
                    if (o.json) {
                        printf("{\"command\":");
                        json_cstr(stdout, word);
                        printf(",\"subcommands\":[");
                        size_t n = strlen(word);
                        int first = 1;
                        for (size_t k = 0; k < ncmds; k++)
                            if (!strncmp(cmds[k].name, word, n) &&
                                cmds[k].name[n] == ' ') {
                                printf(first ? "" : ",");
                                json_cstr(stdout, cmds[k].name + n + 1);
                                first = 0;
                            }
                        printf("]}\n");
                    } else {
                        print_group_help(word);
                    }
                    return RND_EXIT_OK;
                }
                subs_text(word, err, sizeof err);
                char msg[600];
                snprintf(msg, sizeof msg, "%s: give a subcommand: %s", word,
                         err);
                err_group = word;
                return usage_error("%s", msg);
            }
        } else if ((c = find_cmd(w)) != NULL) {
            words = 1;
        } else {
            return suggest_command(w, NULL);
        }
    }
    o.cmd = c;
    for (int k = i + words; k < argc; k++) {
        if (nrest + 1 >= (int)(sizeof rest / sizeof *rest))
            return usage_error(_("too many arguments%s"), "");
        rest[nrest++] = argv[k];
    }
    const args_flag *fl = merged(c);
    args_parsed p;
    memset(&p, 0, sizeof p);
    if (args_parse(fl, c ? c->max_pos : 0, nrest, rest, 1, &p, err,
                   sizeof err) != 0)
        return usage_error("%s", err);
    int rc = take(fl, &p);
    if (rc)
        return rc;
    if (o.tz && args_tz_apply(o.tz, err, sizeof err) != 0)
        return usage_error("%s", err);
    if (o.version)
        return print_version();
    if (c == NULL) {
        if (o.help) {
            print_main_help();
            return RND_EXIT_OK;
        }
        print_main_help();
        return RND_EXIT_USAGE;
    }
    if (o.help) {
        print_cmd_help(c);
        return RND_EXIT_OK;
    }
    if (p.npos < c->min_pos)
        return usage_error(_("missing argument: %s"), c->args);
    /* The positional words as before: the command's words, then bare. */
    o.npos = 0;
    o.positional[o.npos++] = argv[i];
    if (words == 2)
        o.positional[o.npos++] = argv[i + 1];
    for (int k = 0; k < p.npos && o.npos < 4; k++)
        o.positional[o.npos++] = p.pos[k];
    o.target = p.npos ? p.pos[0] : NULL;
    return c->run();
}

/* ---- help --------------------------------------------------------------- */

static void print_globals(void)
{
    printf("\n%s\n", _("Global flags (before or after the command):"));
    args_help_flags(stdout, global_flags);
}

static void json_flags(const args_flag *fl)
{
    printf("[");
    for (int i = 0; fl && fl[i].name; i++) {
        printf("%s{\"flag\":\"--%s\",\"value\":", i ? "," : "", fl[i].name);
        if (fl[i].meta)
            json_cstr(stdout, fl[i].meta);
        else
            printf("null");
        printf(",\"help\":");
        json_cstr(stdout, fl[i].help);
        printf("}");
    }
    printf("]");
}

static void print_verb_fields(const hh_verb_spec *v, int json);

static void print_cmd_help(const rcmd *c)
{
    const args_flag *fl = own_flags(c);
    if (o.json) {
        printf("{\"command\":");
        json_cstr(stdout, c->name);
        printf(",\"usage\":\"rounds %s%s%s\",\"summary\":", c->name,
               c->args[0] ? " " : "", c->args);
        json_cstr(stdout, c->summary);
        if (c->verb) {
            printf(",\"verb\":");
            print_verb_fields(hh_verb_find(c->verb), 1);
        } else {
            printf(",\"flags\":");
            json_flags(fl);
        }
        printf(",\"global_flags\":");
        json_flags(global_flags);
        printf("}\n");
        return;
    }
    printf("rounds %s: %s\n\n%s rounds %s%s%s\n", c->name, i18n_tr(c->summary),
           _("Usage:"), c->name, c->args[0] ? " " : "", c->args);
    if (c->verb) {
        putchar('\n');
        print_verb_fields(hh_verb_find(c->verb), 0);
    } else if (fl && fl[0].name) {
        printf("\n%s\n", _("Flags:"));
        args_help_flags(stdout, fl);
    }
    if (c->run == cmd_report)
        printf("\nTIME: YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM] (no zone: --tz) or "
               "ms since the epoch.\nSections: my_scans, missed_so_far, "
               "my_visitors_inside (docs/REPORTS.md).\n");
    if (c->verb && !hh_verb_find(c->verb)->creates)
        printf("\nID: the record's id, or any unique prefix of 8 or more of "
               "its hex digits%s.\n",
               strstr(c->name, "exit")       ? "; or a pass number / plate"
               : strstr(c->name, "key back") ? "; or the unit of the key out"
                                             : "");
    print_globals();
}

static void print_group_help(const char *group)
{
    size_t n = strlen(group);
    printf("rounds %s: one of\n\n", group);
    for (size_t i = 0; i < ncmds; i++)
        if (strncmp(cmds[i].name, group, n) == 0 && cmds[i].name[n] == ' ')
            printf("  rounds %-22s %s\n", cmds[i].name,
                   i18n_tr(cmds[i].summary));
    printf("\n'rounds %s SUBCOMMAND --help' for its flags.\n", group);
}

static void print_main_help(void)
{
    if (o.json) {
        printf("{\"program\":\"rounds\",\"version\":");
        json_cstr(stdout, args_version());
        printf(",\"commands\":[");
        for (size_t i = 0; i < ncmds; i++) {
            printf("%s{\"command\":", i ? "," : "");
            json_cstr(stdout, cmds[i].name);
            printf(",\"summary\":");
            json_cstr(stdout, cmds[i].summary);
            printf(",\"flags\":");
            json_flags(own_flags(&cmds[i]));
            printf("}");
        }
        printf("],\"global_flags\":");
        json_flags(global_flags);
        printf("}\n");
        return;
    }
    rounds_print_help();
}

/* ---- verbs -------------------------------------------------------------- */

/* A field's flag name: "id_type" -> "id-type" (cut at cap). */
static void field_flag(const char *name, char *out, size_t cap)
{
    size_t i;
    for (i = 0; name[i] && i + 1 < cap; i++)
        out[i] = name[i] == '_' ? '-' : name[i];
    out[i] = '\0';
}

static void print_verb_fields(const hh_verb_spec *v, int json)
{
    char cmd[48];
    verb_command(v->verb, cmd, sizeof cmd);
    if (json) {
        printf("{\"command\":");
        json_cstr(stdout, cmd);
        printf(",\"verb\":");
        json_cstr(stdout, v->verb);
        printf(",\"kind\":");
        json_cstr(stdout, hh_kind_name(v->kind));
        printf(",\"help\":");
        json_cstr(stdout, v->help);
        printf(",\"takes_id\":%s,\"allowed_from\":",
               v->creates ? "false" : "true");
        if (v->from)
            json_cstr(stdout, v->from);
        else
            printf("null");
        printf(",\"fields\":[");
        for (const hh_field_spec *f = v->fields; f->name; f++) {
            char flag[64];
            field_flag(f->name, flag, sizeof flag);
            printf("%s{\"flag\":\"--%s\",\"field\":", f == v->fields ? "" : ",",
                   flag);
            json_cstr(stdout, f->op_name ? f->op_name : f->name);
            printf(",\"type\":\"%s\",\"required\":%s,\"help\":",
                   hh_field_type_name(f->type), f->required ? "true" : "false");
            json_cstr(stdout, f->help);
            printf(",\"default\":");
            if (f->dflt)
                json_cstr(stdout, f->dflt);
            else
                printf("null");
            if (f->choices) {
                printf(",\"choices\":[");
                for (const char *const *c = f->choices; *c; c++) {
                    printf(c == f->choices ? "" : ",");
                    json_cstr(stdout, *c);
                }
                printf("]");
            }
            printf("}");
        }
        printf("]}");
        return;
    }
    printf("%s: %s\n", cmd, i18n_tr(v->help));
    if (v->from)
        printf("  allowed when the %s is: %s\n", hh_kind_name(v->kind),
               v->from);
    for (const hh_field_spec *f = v->fields; f->name; f++) {
        char flag[64];
        field_flag(f->name, flag, sizeof flag);
        printf("  --%-14s %s%s", flag, f->required ? _("(required) ") : "",
               i18n_tr(f->help));
        if (f->choices) {
            printf(" [");
            for (const char *const *c = f->choices; *c; c++)
                printf("%s%s", c == f->choices ? "" : "|", *c);
            printf("]");
        }
        if (f->dflt)
            printf(" (default %s)", f->dflt);
        if (f->op_name)
            printf(" (field %s)", f->op_name);
        putchar('\n');
    }
}

static int run_verbs(void)
{
    int first = 1;
    if (o.json)
        printf("[");
    for (const hh_verb_spec *v = hh_verbs(); v->verb; v++) {
        if (o.json) {
            printf(first ? "" : ",");
            print_verb_fields(v, 1);
        } else {
            print_verb_fields(v, 0);
            putchar('\n');
        }
        first = 0;
    }
    if (o.json)
        printf("]\n");
    return RND_EXIT_OK;
}

static int run_help(void)
{
    char full[128];
    if (o.npos < 2) {
        print_main_help();
        return RND_EXIT_OK;
    }
    const char *w = o.positional[1];
    if (strcmp(w, "wo") == 0)
        w = "workorder";
    snprintf(full, sizeof full, "%s %s", w, o.npos > 2 ? o.positional[2] : "");
    const rcmd *c = o.npos > 2 ? find_cmd(full) : find_cmd(w);
    if (c) {
        print_cmd_help(c);
        return RND_EXIT_OK;
    }
    if (is_group(w) && o.npos == 2) {
        print_group_help(w);
        return RND_EXIT_OK;
    }
    if (is_group(w))
        return suggest_command(o.positional[2], w);
    return suggest_command(w, NULL);
}

static int run_record(void)
{
    return cmd_record(o.cmd->verb, o.target);
}

/* ---- completion --------------------------------------------------------- */

static int run_completion(void)
{
    static char words[8192], vals[4096];
    char group[48];
    if (strcmp(o.positional[1], "bash") != 0) {
        args_flag f = {"shell", "SHELL", "", ARGS_ENUM, 0, 0, shells};
        char err[256];
        args_check(&f, o.positional[1], err, sizeof err);
        return usage_error(_("completion: %s"), err + 9);
    }
    if (o.json)
        return usage_error(_("completion: --json is not offered: it prints a "
                             "shell script%s"),
                           "");
    args_bash_begin(stdout, "rounds");
    /* "": the first words and the global flags. */
    words[0] = '\0';
    for (size_t i = 0; i < ncmds; i++) {
        group_of(cmds[i].name, group, sizeof group);
        char pat[64];
        snprintf(pat, sizeof pat, " %s ", group);
        char padded[8300];
        snprintf(padded, sizeof padded, " %s ", words);
        if (strstr(padded, pat) == NULL)
            snprintf(words + strlen(words), sizeof words - strlen(words),
                     "%s%s", words[0] ? " " : "", group);
    }
    args_flag_words(global_flags, words, sizeof words, 0);
    args_bash_case(stdout, "", words);
    /* Each group: its sub-commands. */
    for (size_t i = 0; i < ncmds; i++) {
        group_of(cmds[i].name, group, sizeof group);
        if (strcmp(group, cmds[i].name) == 0 ||
            (i > 0 && strncmp(cmds[i - 1].name, group, strlen(group)) == 0 &&
             cmds[i - 1].name[strlen(group)] == ' '))
            continue;
        subs_text(group, words, sizeof words);
        char *w = words;
        for (char *p = words; *p; p++)
            if (*p != ',')
                *w++ = *p;
        *w = '\0';
        args_flag_words(global_flags, words, sizeof words, 0);
        args_bash_case(stdout, group, words);
    }
    vals[0] = '\0';
    args_flag_words(global_flags, vals, sizeof vals, 1);
    /* Each command: its flags and the global ones. */
    for (size_t i = 0; i < ncmds; i++) {
        words[0] = '\0';
        const args_flag *fl = merged(&cmds[i]);
        args_flag_words(fl, words, sizeof words, 0);
        if (strcmp(cmds[i].name, "completion") == 0)
            snprintf(words, sizeof words, "bash");
        args_bash_case(stdout, cmds[i].name, words);
        args_flag_words(own_flags(&cmds[i]), vals, sizeof vals, 1);
    }
    args_bash_end(stdout, "rounds", vals);
    return RND_EXIT_OK;
}
