/* cmd_cert.c: see cmd_cert.h. `roundsd cert next|rotate|status`
 * (docs/OPERATIONS.md, "Certificate rotation"). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../i18n/i18n.h"
#include "../report/render.h"
#include "cert.h"
#include "cmd_cert.h"

#define PATH_CAP 4200

/* ---- certificate rotation ----------------------------------------------- */

static int cert_next(void)
{
    const char *data = cli_data_dir(), *cin = cli_flag("cert"),
               *kin = cli_flag("key");
    char cur[PATH_CAP], crt[PATH_CAP], key[PATH_CAP], err[PATH_CAP + 200];
    if ((cin == NULL) != (kin == NULL))
        return cli_usage(_("--cert and --key go together"));
    if (srv_cert_path(data, SRV_CERT_NAME_CUR, "crt", cur, sizeof cur) ||
        srv_cert_path(data, SRV_CERT_NAME_NEXT, "crt", crt, sizeof crt) ||
        srv_cert_path(data, SRV_CERT_NAME_NEXT, "key", key, sizeof key))
        return cli_usage(_("--data: path too long"));
    struct stat st;
    if (stat(cur, &st) != 0)
        return cli_fail(RND_ENOTFOUND,
                        _("no certificate in %s: run 'roundsd init' first"),
                        data);
    if (stat(crt, &st) == 0 || stat(key, &st) == 0)
        return cli_fail(RND_EEXIST,
                        _("a next certificate is staged already (%s); rotate "
                          "to it, or delete %s and %s to stage another"),
                        crt, crt, key);
    int rc = cin ? srv_cert_import(cin, kin, crt, key, err, sizeof err)
                 : srv_cert_generate(key, crt, err, sizeof err);
    if (rc)
        return cli_fail(rc, "%s", err);
    srv_cert_info ci;
    rc = srv_cert_info_read(crt, &ci, err, sizeof err);
    if (rc)
        return cli_fail(rc, "%s", err);
    if (cli_flag("json")) {
        rpt_jw j;
        rpt_jw_init(&j, stdout);
        rpt_jw_obj(&j);
        rpt_jw_kbool(&j, "ok", 1);
        rpt_jw_kstr(&j, "next", crt);
        rpt_jw_kstr(&j, "sha256", ci.sha256);
        rpt_jw_kstr(&j, "source", cin ? "imported" : "generated");
        rpt_jw_end(&j);
        putchar('\n');
    } else {
        printf("staged the next certificate %s (%s)\n  sha256 %s\n"
               "every handheld learns it at its next sync; 'roundsd cert "
               "status' shows which have;\nthen 'roundsd cert rotate' and "
               "restart 'roundsd serve'\n",
               crt, cin ? "imported" : "generated, CN=roundsd", ci.sha256);
    }
    return RND_EXIT_OK;
}

typedef struct status_ctx {
    int64_t staged_ms; /* 0: nothing staged */
    int json;
    rpt_jw j; /* json: the output */
    size_t n, ready, stranded;
    int pass; /* 0: count; 1: print */
} status_ctx;

/* A device has learned the staged certificate when it finished a sync
 * after it was staged: the server sends it in every WELCOME meanwhile. */
static int device_ready(const srv_device *d, int64_t staged_ms)
{
    return d->last_sync_ms != 0 && d->last_sync_ms >= staged_ms;
}

static int status_cb(const srv_device *d, void *arg)
{
    status_ctx *c = arg;
    if (d->revoked)
        return 0;
    int ready = c->staged_ms && device_ready(d, c->staged_ms);
    if (c->pass == 0) {
        c->n++;
        if (c->staged_ms)
            ready ? c->ready++ : c->stranded++;
        return 0;
    }
    char when[40] = "never";
    if (d->last_sync_ms)
        cli_fmt_time(d->last_sync_ms, when, sizeof when);
    const char *state = !c->staged_ms ? "-" : ready ? "ready" : "stranded";
    if (c->json) {
        c->n++;
        rpt_jw_obj(&c->j);
        rpt_jw_kstr(&c->j, "site", d->site);
        rpt_jw_kstr(&c->j, "device", d->name);
        if (d->last_sync_ms)
            rpt_jw_kint(&c->j, "last_sync_ms", d->last_sync_ms);
        else
            rpt_jw_knull(&c->j, "last_sync_ms");
        rpt_jw_kstr(&c->j, "state", state);
        rpt_jw_end(&c->j);
    } else {
        printf("  %-16s %-20s %-24s %s\n", d->site, d->name, when, state);
    }
    return 0;
}

/* One certificate: a member of j's object when j, else a text line. */
static void print_cert(const char *label, const char *path, rpt_jw *j)
{
    srv_cert_info ci;
    char err[PATH_CAP + 200], until[40];
    int rc = srv_cert_info_read(path, &ci, err, sizeof err);
    if (j) {
        rpt_jw_key(j, label);
        if (rc) {
            rpt_jw_null(j);
            return;
        }
        rpt_jw_obj(j);
        rpt_jw_kstr(j, "file", path);
        rpt_jw_kstr(j, "sha256", ci.sha256);
        rpt_jw_kstr(j, "subject", ci.subject);
        rpt_jw_kint(j, "not_after_ms", ci.not_after_ms);
        rpt_jw_kint(j, "file_mtime_ms", ci.mtime_ms);
        rpt_jw_end(j);
        return;
    }
    if (rc == RND_ENOTFOUND) {
        printf("%-8s none\n", label);
        return;
    }
    if (rc) {
        printf("%-8s %s\n", label, err);
        return;
    }
    cli_fmt_time(ci.not_after_ms, until, sizeof until);
    printf("%-8s %s  %s, valid until %s\n", label, ci.sha256, ci.subject,
           until);
}

/* Counts (and with print, lists) the handhelds and whether they would be
 * stranded by a rotation now. */
static int cert_devices(status_ctx *c, int print)
{
    srv_registry *r;
    int ex = cli_open_registry(&r);
    if (ex)
        return ex;
    c->pass = 0;
    c->n = c->ready = c->stranded = 0;
    int rc = srv_registry_each(r, NULL, status_cb, c);
    if (rc == 0 && print) {
        size_t n = c->n;
        c->pass = 1;
        c->n = 0;
        if (!c->json)
            printf("\n  %-16s %-20s %-24s %s\n", "SITE", "DEVICE", "LAST SYNC",
                   "NEXT CERT");
        rc = srv_registry_each(r, NULL, status_cb, c);
        c->n = n;
    }
    srv_registry_close(r);
    return rc ? cli_fail(rc, _("cannot read the registry: %s"),
                         i18n_tr(rnd_strerror(rc)))
              : 0;
}

static int staged_ms(const char *data, int64_t *out)
{
    char crt[PATH_CAP], err[PATH_CAP + 200];
    srv_cert_info ci;
    *out = 0;
    if (srv_cert_path(data, SRV_CERT_NAME_NEXT, "crt", crt, sizeof crt))
        return RND_EINVAL;
    int rc = srv_cert_info_read(crt, &ci, err, sizeof err);
    if (rc == 0)
        *out = ci.mtime_ms;
    return rc == RND_ENOTFOUND ? 0 : rc;
}

static int cert_status(void)
{
    const char *data = cli_data_dir();
    char p[3][PATH_CAP];
    const char *names[3] = {SRV_CERT_NAME_CUR, SRV_CERT_NAME_NEXT,
                            SRV_CERT_NAME_PREV};
    const char *labels[3] = {"current", "next", "previous"};
    for (int i = 0; i < 3; i++)
        if (srv_cert_path(data, names[i], "crt", p[i], sizeof p[i]))
            return cli_usage(_("--data: path too long"));
    status_ctx c = {0};
    c.json = cli_flag("json") != NULL;
    rpt_jw_init(&c.j, stdout);
    if (staged_ms(data, &c.staged_ms) != 0)
        return cli_fail(RND_ECERT, _("%s does not read as a certificate"),
                        p[1]);
    int ex = cert_devices(&c, 0);
    if (ex)
        return ex;
    if (c.json)
        rpt_jw_obj(&c.j);
    for (int i = 0; i < 3; i++)
        print_cert(labels[i], p[i], c.json ? &c.j : NULL);
    if (c.json) {
        if (c.staged_ms)
            rpt_jw_kint(&c.j, "staged_ms", c.staged_ms);
        else
            rpt_jw_knull(&c.j, "staged_ms");
        rpt_jw_kuint(&c.j, "handhelds", c.n);
        rpt_jw_kuint(&c.j, "ready", c.ready);
        rpt_jw_kuint(&c.j, "stranded", c.stranded);
        rpt_jw_key(&c.j, "devices");
        rpt_jw_arr(&c.j);
    } else if (c.staged_ms) {
        char when[40];
        cli_fmt_time(c.staged_ms, when, sizeof when);
        printf("\nstaged %s: %zu of %zu handhelds have synced since (ready); "
               "%zu would be stranded by a rotation now\n",
               when, c.ready, c.n, c.stranded);
    } else {
        printf("\nno next certificate staged ('roundsd cert next')\n");
    }
    if ((ex = cert_devices(&c, 1)) != 0)
        return ex;
    if (c.json) {
        rpt_jw_end(&c.j);
        rpt_jw_end(&c.j);
        putchar('\n');
    }
    return RND_EXIT_OK;
}

static int cert_rotate(void)
{
    const char *data = cli_data_dir();
    char err[PATH_CAP + 200];
    status_ctx c = {0};
    if (staged_ms(data, &c.staged_ms) != 0)
        return cli_fail(RND_ECERT, _("the staged certificate does not read"));
    if (c.staged_ms == 0)
        return cli_fail(RND_ENOTFOUND,
                        _("no certificate is staged: run 'roundsd cert next' "
                          "first"));
    int ex = cert_devices(&c, 0);
    if (ex)
        return ex;
    if (c.stranded > 0 && !cli_flag("force"))
        return cli_fail(RND_EEXIST,
                        _("%zu handheld(s) have not synced since the next "
                          "certificate was staged and would be stranded (see "
                          "'roundsd cert status'); let them sync first, or "
                          "--force (they then need 'rounds enroll --cert' with "
                          "the new server.crt)"),
                        c.stranded);
    int rc = srv_cert_rotate(data, err, sizeof err);
    if (rc)
        return cli_fail(rc, "%s", err);
    char crt[PATH_CAP];
    srv_cert_info ci;
    if (srv_cert_path(data, SRV_CERT_NAME_CUR, "crt", crt, sizeof crt) ||
        srv_cert_info_read(crt, &ci, err, sizeof err) != 0)
        return cli_fail(RND_ECERT, "%s", err);
    if (cli_flag("json")) {
        rpt_jw j;
        rpt_jw_init(&j, stdout);
        rpt_jw_obj(&j);
        rpt_jw_kbool(&j, "ok", 1);
        rpt_jw_kstr(&j, "current", ci.sha256);
        rpt_jw_kuint(&j, "stranded", c.stranded);
        rpt_jw_end(&j);
        putchar('\n');
    } else {
        printf("rotated: the current certificate is now %s\n  (the former "
               "one is kept as %s.crt/.key)\n"
               "restart 'roundsd serve' to present it; %zu handheld(s) were "
               "not ready\n",
               ci.sha256, SRV_CERT_NAME_PREV, c.stranded);
    }
    return RND_EXIT_OK;
}

static int cmd_cert(void)
{
    const char *verb = cli_args.npos ? cli_args.pos[0] : NULL;
    if (verb == NULL)
        return cli_usage(_("give next, rotate or status"));
    int next = strcmp(verb, "next") == 0, rot = strcmp(verb, "rotate") == 0,
        stat_ = strcmp(verb, "status") == 0;
    static const char *const names[] = {"next", "rotate", "status", NULL};
    if (!next && !rot && !stat_)
        return cli_unknown_sub(verb, names);
    if (!next && (cli_flag("cert") || cli_flag("key")))
        return cli_usage(_("--cert and --key go with 'cert next' only"));
    if (!rot && cli_flag("force"))
        return cli_usage(_("--force goes with 'cert rotate' only"));
    return next ? cert_next() : rot ? cert_rotate() : cert_status();
}

/* ---- the table ---------------------------------------------------------- */

static const cli_flag_spec cert_flags[] = {
    CLI_DATA_FLAG,
    {"cert", "PEM",
     N_("next: stage this certificate instead of generating one")},
    {"key", "PEM", N_("next: its EC private key (with --cert)")},
    {"force", NULL, N_("rotate: even if some handhelds would be stranded")},
    {"json", NULL, N_("print the result as JSON")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};

const cli_command cli_cert_commands[] = {
    {"cert", N_("certificate rotation: next, rotate, status"),
     "roundsd cert next [--cert PEM --key PEM] [--json] [--data DIR]\n"
     "roundsd cert status [--json] [--data DIR]\n"
     "roundsd cert rotate [--force] [--json] [--data DIR]\n\n"
     "next stages server.next.crt/.key (sent to every handheld that syncs);\n"
     "status shows the certificates and which handhelds have learned the\n"
     "next one; rotate makes it current (restart serve).",
     cert_flags, cmd_cert, 1},
    {NULL, NULL, NULL, NULL, NULL, 0}};
