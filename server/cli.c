/* cli.c: see cli.h. */
#include "../i18n/i18n.h"
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/clock.h"
#include "../report/render.h"
#include "../report/report.h"
#include "cmd_report.h"
#include "admin.h"
#include "site.h"

struct cli_args cli_args;

static srv_config config;
static int config_loaded;

/* 1 when cmd reads the data directory (and so takes --config too). */
static int has_data_flag(const cli_command *cmd)
{
    for (int j = 0; cmd->flags[j].name && j < CLI_MAX_FLAGS; j++)
        if (strcmp(cmd->flags[j].name, "data") == 0)
            return 1;
    return 0;
}

/* Flags every command takes besides its table's: --config (with --data)
 * and --tz. */
static const cli_flag_spec extra_flags[] = {
    {"config", "FILE", N_("configuration file"), ARGS_STR},
    {"tz", "ZONE", N_("time zone"), ARGS_TZ},
    {NULL, NULL, NULL}};

static void json_error(const char *code, const char *msg)
{
    if (!cli_args.json)
        return;
    printf("{\"ok\":false,\"error\":");
    cli_json_str(code);
    printf(",\"message\":");
    cli_json_str(msg);
    printf("}\n");
}

int cli_parse(const cli_command *cmd, int argc, char **argv, int first)
{
    cli_flag_spec all[ARGS_MAX_FLAGS];
    int n = 0, nown = 0;
    char err[512];
    cli_args.cmd = cmd;
    for (; cmd->flags[n].name && n < CLI_MAX_FLAGS; n++)
        all[n] = cmd->flags[n];
    nown = n;
    for (int j = 0; extra_flags[j].name; j++) {
        if (args_find(cmd->flags, extra_flags[j].name, NULL))
            continue;
        if (!strcmp(extra_flags[j].name, "config") && !has_data_flag(cmd))
            continue;
        all[n++] = extra_flags[j];
    }
    all[n] = (cli_flag_spec){NULL, NULL, NULL};
    args_parsed p;
    memset(&p, 0, sizeof p);
    if (args_parse(all, cmd->max_pos, argc, argv, first, &p, err, sizeof err) !=
        0)
        return cli_usage("%s", err);
    for (int k = 0; k < n; k++) {
        if (!p.set[k])
            continue;
        if (k < nown) {
            cli_args.values[k] = cmd->flags[k].meta ? p.values[k] : NULL;
            cli_args.set[k] = 1;
        }
        if (!strcmp(all[k].name, "config") && k >= nown)
            cli_args.config = p.values[k];
        if (!strcmp(all[k].name, "tz"))
            cli_args.tz = p.values[k];
        if (!strcmp(all[k].name, "json"))
            cli_args.json = 1;
    }
    for (int k = 0; k < p.npos; k++)
        cli_args.pos[cli_args.npos++] = p.pos[k];
    if (cli_args.tz && args_tz_apply(cli_args.tz, err, sizeof err) != 0)
        return cli_usage("%s", err);
    return 0;
}

int cli_resolve_id(store *st, const char *typed, uint8_t out[16])
{
    uint8_t ids[8][16];
    size_t found = 0;
    int rc = store_entity_prefix(st, typed, ids, 8, &found);
    if (rc == RND_EINVAL)
        return cli_usage(_("'%.40s' is not a record id: 32 hex digits, or a "
                           "unique prefix of 8 or more"),
                         typed);
    if (rc)
        return cli_fail(rc, _("cannot read the store: %s"),
                        i18n_tr(rnd_strerror(rc)));
    if (found == 0)
        return cli_fail(RND_ENOTFOUND, _("no record with id %s"), typed);
    if (found > 1) {
        char list[8 * 34 + 16] = "", hex[33];
        size_t k = 0;
        for (size_t i = 0; i < found && i < 8; i++) {
            proto_entity_hex(ids[i], hex);
            k += (size_t)snprintf(list + k, sizeof list - k, " %s", hex);
        }
        return cli_usage(
            _("id prefix %s is ambiguous: it starts%s%s; type more "
              "of it"),
            typed, list, found > 8 ? " ..." : "");
    }
    memcpy(out, ids[0], 16);
    return 0;
}

const char *cli_flag(const char *name)
{
    const cli_flag_spec *f = cli_args.cmd->flags;
    for (int i = 0; f[i].name && i < CLI_MAX_FLAGS; i++)
        if (strcmp(f[i].name, name) == 0)
            return cli_args.set[i]
                       ? (cli_args.values[i] ? cli_args.values[i] : "")
                       : NULL;
    return NULL;
}

int cli_usage(const char *fmt, ...)
{
    const char *name = cli_args.cmd ? cli_args.cmd->name : "";
    va_list ap;
    char msg[1024];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    args_clean(msg);
    fprintf(stderr, "roundsd%s%s: %s (see 'roundsd %s%s--help')\n",
            *name ? " " : "", name, msg, name, *name ? " " : "");
    json_error("usage", msg);
    return RND_EXIT_USAGE;
}

int cli_unknown_sub(const char *word, const char *const *choices)
{
    args_best b;
    char list[256] = "";
    size_t n = 0;
    args_best_init(&b, word);
    for (const char *const *c = choices; *c; c++) {
        args_best_add(&b, *c);
        n += (size_t)snprintf(list + n, n < sizeof list ? sizeof list - n : 0,
                              "%s%s", n ? ", " : "", *c);
    }
    const char *near = args_best_get(&b);
    return cli_usage(_("unknown subcommand '%.40s' of '%s'%s%s%s (one of %s)"),
                     word, cli_args.cmd ? cli_args.cmd->name : "",
                     near ? _("; did you mean '") : "", near ? near : "",
                     near ? "'?" : "", list);
}

int cli_exit_for(int rc)
{
    int code = rnd_exit_code(rc);
    return code > RND_EXIT_STORAGE ? RND_EXIT_FAIL : code;
}

int cli_fmt(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    return n;
}

int cli_fail(int rc, const char *fmt, ...)
{
    va_list ap;
    char msg[1024];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    args_clean(msg);
    fprintf(stderr, "roundsd %s: %s\n", cli_args.cmd ? cli_args.cmd->name : "",
            msg);
    json_error(rnd_errname(rc), msg);
    return cli_exit_for(rc);
}

const char *cli_data_dir(void)
{
    if (config_loaded)
        return config.data;
    const char *d = cli_flag("data");
    if (d && *d)
        return d;
    d = getenv("ROUNDSD_DATA");
    return d && *d ? d : "./roundsd-data";
}

const srv_config *cli_config(void)
{
    if (!config_loaded)
        srv_config_init(&config);
    return &config;
}

int cli_load_config(void)
{
    char err[1500];
    int required;
    srv_config_init(&config);
    const char *path = srv_config_pick(cli_args.config, &required);
    if (path) {
        int rc = srv_config_load(&config, path, err, sizeof err);
        if (rc == RND_EINVAL) {
            args_clean(err);
            fprintf(stderr, "roundsd %s: %s\n", cli_args.cmd->name, err);
            json_error("usage", err);
            return RND_EXIT_USAGE;
        }
        if (rc == RND_ENOTFOUND && required)
            return cli_fail(rc, _("no configuration file %s"), err);
        if (rc)
            return cli_fail(rc, _("cannot read the configuration file %s"),
                            err);
    }
    const char *env = getenv("ROUNDSD_DATA");
    if (env && *env &&
        srv_config_set(&config, "data", env, SRV_CFG_ENV, 0, err, sizeof err) !=
            0)
        return cli_usage(_("$ROUNDSD_DATA: %s"), err);
    /* The command's flags that are configuration keys, over the rest. */
    for (int k = 0; k < SRV_CFG_NKEYS; k++) {
        const char *v = cli_flag(srv_config_keys[k].flag);
        if (v && srv_config_set(&config, srv_config_keys[k].flag, v,
                                SRV_CFG_FLAG, 0, err, sizeof err) != 0)
            return cli_usage("%s", err);
    }
    config_loaded = 1;
    return 0;
}

int cli_parse_u32(const char *fl, uint32_t lo, uint32_t hi, uint32_t *out)
{
    const char *v = cli_flag(fl);
    if (v == NULL)
        return 0;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno || *v == '-' || x < lo || x > hi)
        return cli_usage("--%s %s: expected a whole number from %" PRIu32
                         " to %" PRIu32,
                         fl, v, lo, hi);
    *out = (uint32_t)x;
    return 0;
}

int cli_need_name(const char *fl)
{
    const char *v = cli_flag(fl);
    if (v == NULL || *v == '\0')
        return cli_usage(_("--%s NAME is required"), fl);
    if (!srv_name_valid(v, strlen(v)))
        return cli_usage(_("--%s %s: a name is 1 to %d characters of "
                           "A-Z a-z 0-9 _ . - (not . or ..)"),
                         fl, v, SRV_NAME_MAX);
    return 0;
}

void cli_json_strn(const char *s, size_t n)
{
    rpt_json_str(stdout, s, n);
}

void cli_json_str(const char *s)
{
    cli_json_strn(s, strlen(s));
}

void cli_fmt_time(int64_t ms, char *out, size_t cap)
{
    rpt_time_utc(ms, out, cap);
}

int64_t cli_now_ms(void)
{
    return rnd_clock_now_ms(RND_CLOCK_ENV_OFFICE);
}

int cli_open_registry(srv_registry **r)
{
    int rc = srv_registry_open(cli_data_dir(), 0, r);
    if (rc == RND_ENOTFOUND)
        return cli_fail(rc,
                        _("no server data in %s: run 'roundsd init --data %s' "
                          "first"),
                        cli_data_dir(), cli_data_dir());
    if (rc)
        return cli_fail(rc, _("cannot open the registry in %s: %s"),
                        cli_data_dir(), i18n_tr(rnd_strerror(rc)));
    return 0;
}

int cli_open_site_write(const char *site, store **st)
{
    int rc = srv_site_open(cli_data_dir(), site, 0, st, NULL);
    if (rc == RND_ENOTFOUND) {
        /* Master data may come before the first device, but only in an
         * initialised data directory. */
        srv_registry *r;
        int ex = cli_open_registry(&r);
        if (ex)
            return ex;
        srv_registry_close(r);
        rc = srv_site_open(cli_data_dir(), site, STORE_CREATE, st, NULL);
        if (rc == 0)
            fprintf(stderr, "roundsd %s: created the store of site %s\n",
                    cli_args.cmd->name, site);
    }
    if (rc)
        return cli_fail(rc, _("cannot open site %s: %s"), site,
                        i18n_tr(rnd_strerror(rc)));
    return 0;
}

int cli_open_site_read(const char *site, store **st)
{
    int rc = srv_site_open(cli_data_dir(), site, STORE_RDONLY, st, NULL);
    if (rc == RND_ENOTFOUND)
        return cli_fail(rc, _("no site %s in %s"), site, cli_data_dir());
    if (rc)
        return cli_fail(rc, _("cannot open site %s: %s"), site,
                        i18n_tr(rnd_strerror(rc)));
    return 0;
}

/* ---- listings of the commands: --help --json, completion ------------ */

static const char *const md_verbs[] = {"add", "set", "retire", NULL};

void cli_json_flags(const cli_flag_spec *fl)
{
    printf("[");
    for (int i = 0; fl && fl[i].name; i++) {
        printf("%s{\"flag\":\"--%s\",\"value\":", i ? "," : "", fl[i].name);
        if (fl[i].meta)
            cli_json_str(fl[i].meta);
        else
            printf("null");
        printf(",\"help\":");
        cli_json_str(fl[i].help);
        printf("}");
    }
    printf("]");
}

/* One command of the listing as a JSON object, after a comma unless it
 * is the first. */
static void json_command(const cli_command *c, int *first)
{
    printf("%s{\"command\":", *first ? "" : ",");
    cli_json_str(c->name);
    printf(",\"summary\":");
    cli_json_str(c->summary);
    printf(",\"flags\":");
    cli_json_flags(c->flags);
    printf("}");
    *first = 0;
}

void cli_commands_json(const cli_command *const *tables, cli_md_fn md)
{
    printf("{\"program\":\"roundsd\",\"version\":");
    cli_json_str(args_version());
    printf(",\"commands\":[");
    int first = 1;
    for (int t = 0; tables[t]; t++)
        for (const cli_command *c = tables[t]; c->name; c++)
            json_command(c, &first);
    for (const srv_md_kind *k = srv_md_kinds(); k->noun; k++)
        for (int v = 0; md_verbs[v]; v++) {
            const cli_command *c = md(k, md_verbs[v]);
            if (c != NULL)
                json_command(c, &first);
        }
    printf("]}\n");
}

/* Appends " word" to buf. */
static void add_word(char *buf, size_t cap, const char *word)
{
    size_t n = strlen(buf);
    snprintf(buf + n, cap - n, "%s%s", n ? " " : "", word);
}

int cli_completion(const cli_command *const *tables, cli_md_fn md, int argc,
                   char **argv, int first)
{
    static char words[16384], vals[8192];
    if (first >= argc || strcmp(argv[first], "bash") != 0 || first + 1 < argc)
        return cli_usage(_("completion: give the shell: bash"));
    args_bash_begin(stdout, "roundsd");
    snprintf(words, sizeof words, "--version --help completion");
    for (int t = 0; tables[t]; t++)
        for (const cli_command *c = tables[t]; c->name; c++)
            add_word(words, sizeof words, c->name);
    for (const srv_md_kind *k = srv_md_kinds(); k->noun; k++)
        add_word(words, sizeof words, k->noun);
    args_bash_case(stdout, "", words);
    args_bash_case(stdout, "completion", "bash");
    snprintf(vals, sizeof vals, "--config --tz");
    for (int t = 0; tables[t]; t++)
        for (const cli_command *c = tables[t]; c->name; c++) {
            words[0] = '\0';
            args_flag_words(c->flags, words, sizeof words, 0);
            add_word(words, sizeof words, "--tz");
            if (has_data_flag(c))
                add_word(words, sizeof words, "--config");
            if (strcmp(c->name, "report") == 0)
                for (const char *const *w = cli_report_names(); *w; w++)
                    add_word(words, sizeof words, *w);
            args_bash_case(stdout, c->name, words);
            args_flag_words(c->flags, vals, sizeof vals, 1);
        }
    for (const srv_md_kind *k = srv_md_kinds(); k->noun; k++) {
        args_bash_case(stdout, k->noun, "add set retire");
        for (int v = 0; md_verbs[v]; v++) {
            const cli_command *c = md(k, md_verbs[v]);
            if (c == NULL)
                continue;
            words[0] = '\0';
            args_flag_words(c->flags, words, sizeof words, 0);
            args_bash_case(stdout, c->name, words);
            args_flag_words(c->flags, vals, sizeof vals, 1);
        }
    }
    args_bash_end(stdout, "roundsd", vals);
    return RND_EXIT_OK;
}
