/* cmd_user.c: `roundsd user add|passwd|grant|disable|enable|unlock|list|
 * show`: the office's dashboard accounts (accounts.h), see cmd_user.h.
 * A password is read from standard input (--password-stdin, its first
 * line) or typed twice without echo on a terminal; it never appears on a
 * command line, where `ps` would show it. */
#include "../i18n/i18n.h"
#include "cmd_user.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../report/render.h"
#include "accounts.h"
#include "registry.h"

static const char *const subs[] = {"add",     "passwd", "grant",
                                   "disable", "enable", "unlock",
                                   "list",    "show",   NULL};

/* The grants of --grant "S=ROLE[,S=ROLE...]" into g; the exit code of a
 * usage error, or 0. */
static int read_grants(srv_grant *g, int *n)
{
    const char *v = cli_flag("grant");
    char buf[2048], msg[160];
    *n = 0;
    if (v == NULL || v[0] == '\0')
        return cli_usage(_("give --grant SITE=ROLE (or *=ROLE), the "
                           "role clerk, manager or admin"));
    if (strlen(v) >= sizeof buf)
        return cli_usage(_("--grant is too long"));
    snprintf(buf, sizeof buf, "%s", v);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        if (*n == SRV_ACCT_GRANTS_MAX)
            return cli_usage(_("at most %d grants"), SRV_ACCT_GRANTS_MAX);
        if (srv_grant_parse(t, &g[*n], msg, sizeof msg) != 0)
            return cli_usage(_("field 'grant': '%.80s': %s"), t, i18n_tr(msg));
        (*n)++;
    }
    return 0;
}

/* The password into pw (cap bytes): the exit code of a usage error, or 0.
 */
static int read_password(char *pw, size_t cap)
{
    char again[SRV_ACCT_PW_MAX + 2];
    int from_stdin = cli_flag("password-stdin") != NULL;
    if (!from_stdin && !isatty(STDIN_FILENO))
        return cli_usage(_("give --password-stdin (the password on "
                           "standard input) or run it on a terminal"));
    if (args_read_secret(_("password: "), pw, cap) != 0) {
        memset(pw, 0, cap);
        return cli_usage(_("field 'password': a password is %d to %d "
                           "bytes"),
                         SRV_ACCT_PW_MIN, SRV_ACCT_PW_MAX);
    }
    if (!from_stdin) {
        int same = args_read_secret(_("again: "), again, sizeof again) == 0 &&
                   strcmp(pw, again) == 0;
        memset(again, 0, sizeof again);
        if (!same) {
            memset(pw, 0, cap);
            return cli_usage(_("the two passwords differ"));
        }
    }
    return 0;
}

static void grants_text(const srv_account *a, char *out, size_t cap)
{
    size_t at = 0;
    out[0] = '\0';
    for (int i = 0; i < a->ngrants && at < cap; i++)
        at += (size_t)snprintf(out + at, cap - at, "%s%s=%s", i ? "," : "",
                               a->grants[i].site,
                               srv_role_name(a->grants[i].role));
}

static void account_json(rpt_jw *j, const srv_account *a, int64_t now)
{
    rpt_jw_obj(j);
    rpt_jw_kstr(j, "name", a->name);
    rpt_jw_kbool(j, "disabled", a->disabled);
    rpt_jw_kbool(j, "locked", a->locked_until_ms > now);
    if (a->locked_until_ms > now)
        rpt_jw_kint(j, "locked_until_ms", a->locked_until_ms);
    rpt_jw_kint(j, "failed_logins", a->fails);
    rpt_jw_key(j, "grants");
    rpt_jw_arr(j);
    for (int i = 0; i < a->ngrants; i++) {
        rpt_jw_obj(j);
        rpt_jw_kstr(j, "site", a->grants[i].site);
        rpt_jw_kstr(j, "role", srv_role_name(a->grants[i].role));
        rpt_jw_end(j);
    }
    rpt_jw_end(j);
    rpt_jw_kint(j, "created_ms", a->created_ms);
    rpt_jw_kstr(j, "created_by", a->created_by);
    rpt_jw_kint(j, "password_set_ms", a->pw_set_ms);
    if (a->last_login_ms)
        rpt_jw_kint(j, "last_login_ms", a->last_login_ms);
    else {
        rpt_jw_key(j, "last_login_ms");
        rpt_jw_null(j);
    }
    rpt_jw_end(j);
}

typedef struct list_ctx {
    int json, n;
    int64_t now;
    rpt_jw j;
} list_ctx;

static int list_cb(const srv_account *a, void *arg)
{
    list_ctx *c = arg;
    char grants[1024], last[40] = "-";
    if (c->json) {
        account_json(&c->j, a, c->now);
    } else {
        if (c->n == 0)
            printf("%-20s %-8s %-19s %s\n", _("NAME"), _("STATE"),
                   _("LAST LOGIN"), _("GRANTS"));
        grants_text(a, grants, sizeof grants);
        if (a->last_login_ms)
            cli_fmt_time(a->last_login_ms, last, sizeof last);
        printf("%-20s %-8s %-19s %s\n", a->name,
               a->disabled                   ? _("disabled")
               : a->locked_until_ms > c->now ? _("locked")
                                             : _("active"),
               last, grants);
    }
    c->n++;
    return 0;
}

static int done(const char *what, const char *name)
{
    if (cli_flag("json")) {
        printf("{\"ok\":true,\"name\":");
        cli_json_str(name);
        printf(",\"done\":\"%s\"}\n", what);
    } else {
        printf(_("account %s: %s\n"), name, i18n_tr(what));
    }
    return RND_EXIT_OK;
}

static int run_user(void)
{
    if (cli_args.npos < 1)
        return cli_usage(_("give add, passwd, grant, disable, enable, "
                           "unlock, list or show"));
    const char *sub = cli_args.pos[0];
    int known = 0;
    for (int i = 0; subs[i]; i++)
        known |= strcmp(sub, subs[i]) == 0;
    if (!known)
        return cli_unknown_sub(sub, subs);
    int listing = strcmp(sub, "list") == 0;
    if (listing && cli_args.npos > 1)
        return cli_usage(_("user list takes no name"));
    if (!listing && cli_args.npos < 2)
        return cli_usage(_("%s: give the account's name"), sub);
    const char *name = cli_args.npos > 1 ? cli_args.pos[1] : NULL;
    srv_grant g[SRV_ACCT_GRANTS_MAX];
    int ng = 0, ex;
    char pw[SRV_ACCT_PW_MAX + 2] = "", msg[256] = "";
    if (!strcmp(sub, "add") || !strcmp(sub, "grant"))
        if ((ex = read_grants(g, &ng)) != 0)
            return ex;
    if (!strcmp(sub, "add") || !strcmp(sub, "passwd"))
        if ((ex = read_password(pw, sizeof pw)) != 0)
            return ex;
    srv_registry *r;
    if ((ex = cli_open_registry(&r)) != 0) {
        memset(pw, 0, sizeof pw);
        return ex;
    }
    store *reg = srv_registry_store(r);
    int64_t now = cli_now_ms();
    int rc = 0;
    if (listing || !strcmp(sub, "show")) {
        list_ctx c = {.json = cli_flag("json") != NULL, .now = now};
        if (c.json) {
            rpt_jw_init(&c.j, stdout);
            if (listing)
                rpt_jw_arr(&c.j);
        }
        if (listing) {
            rc = srv_acct_each(reg, list_cb, &c);
        } else {
            srv_account a;
            rc = srv_acct_get(reg, name, &a);
            if (rc == 0 && c.json)
                account_json(&c.j, &a, now);
            else if (rc == 0)
                list_cb(&a, &c);
        }
        if (c.json && rc == 0) {
            if (listing)
                rpt_jw_end(&c.j);
            putchar('\n');
        } else if (listing && rc == 0 && c.n == 0)
            printf(_("no accounts: add one with 'roundsd user add NAME "
                     "--grant SITE=ROLE'\n"));
        srv_registry_close(r);
        if (rc == RND_ENOTFOUND)
            return cli_fail(rc, _("no account %s"), name);
        if (rc)
            return cli_fail(rc, _("cannot read the accounts: %s"),
                            i18n_tr(rnd_strerror(rc)));
        return RND_EXIT_OK;
    }
    const char *by = cli_flag("by") ? cli_flag("by") : "office";
    const char *what = "";
    if (!strcmp(sub, "add")) {
        rc = srv_acct_add(reg, name, pw, g, ng, by, now, msg, sizeof msg);
        what = N_("added");
    } else if (!strcmp(sub, "passwd")) {
        rc = srv_acct_passwd(reg, name, pw, now, msg, sizeof msg);
        what = N_("password set, failed logins cleared");
    } else if (!strcmp(sub, "grant")) {
        rc = srv_acct_set_grants(reg, name, g, ng, msg, sizeof msg);
        what = N_("grants replaced");
    } else if (!strcmp(sub, "disable") || !strcmp(sub, "enable")) {
        rc = srv_acct_set_disabled(reg, name, sub[0] == 'd');
        what = sub[0] == 'd' ? N_("disabled: it can no longer log in")
                             : N_("enabled");
    } else {
        rc = srv_acct_unlock(reg, name);
        what = N_("unlocked");
    }
    memset(pw, 0, sizeof pw);
    srv_registry_close(r);
    if (rc == RND_ENOTFOUND)
        return cli_fail(rc, _("no account %s"), name);
    if (rc == RND_EFIELD || rc == RND_EEXIST)
        return cli_fail(rc, "%s", i18n_tr(msg));
    if (rc)
        return cli_fail(rc, "%s: %s", sub, i18n_tr(rnd_strerror(rc)));
    return done(what, name);
}

static const cli_flag_spec user_flags[] = {
    CLI_DATA_FLAG,
    {"grant", "SITE=ROLE[,...]",
     N_("add, grant: the roles, per site (* for every site): clerk, "
        "manager or admin")},
    {"password-stdin", NULL,
     N_("add, passwd: read the password from the first line of standard "
        "input")},
    {"by", "NAME", N_("add: who in the office (default: office)")},
    {"json", NULL, N_("print JSON")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};

/* clang-format off */
const cli_command cli_user_commands[] = {
    {"user", N_("office accounts of the dashboard: add, passwd, grant, "
                "disable, enable, unlock, list, show"),
     "roundsd user add NAME --grant SITE=ROLE[,SITE=ROLE...] "
     "[--password-stdin] [--by NAME]\n"
     "       roundsd user passwd NAME [--password-stdin]\n"
     "       roundsd user grant NAME --grant SITE=ROLE[,...]\n"
     "       roundsd user disable|enable|unlock NAME\n"
     "       roundsd user list [--json]\n"
     "       roundsd user show NAME [--json]\n\n"
     "Roles: a clerk reads the board and registers and takes work orders; a\n"
     "manager also edits master data, sets PINs and reads every report; an\n"
     "admin also enrolls and revokes handhelds. A password is 10 to 128\n"
     "bytes, hashed with Argon2id; 5 failed logins in a row lock the account\n"
     "for 15 minutes ('unlock' or 'passwd' ends it).",
     user_flags, run_user, 2},
    {NULL, NULL, NULL, NULL, NULL, 0}};
/* clang-format on */
