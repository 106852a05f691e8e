/* roundsd.c: the `roundsd` command line: init, enroll, revoke, devices,
 * dump and serve, and the office's commands (master data KIND add|set|
 * retire, list, conflicts, resolve: admin.h), a thin shell over rnd_server.
 *
 * Exit codes (scripts rely on them; docs/OPERATIONS.md lists them too):
 *   0 done, 1 other failure, 2 usage (bad or missing flag), 3 not found
 *   (no data directory, site or device), 4 refused or already exists,
 *   5 storage error.
 * The data directory is --data DIR, else $ROUNDSD_DATA, else
 * ./roundsd-data.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../dash/dash.h"
#include "../i18n/i18n.h"
#include "../report/render.h"
#include "../storage/fold.h"
#include "admin.h"
#include "cert.h"
#include "cli.h"
#include "cmd_attach.h"
#include "cmd_backup.h"
#include "cmd_cert.h"
#include "cmd_group.h"
#include "cmd_nodes.h"
#include "cmd_office.h"
#include "cmd_ops.h"
#include "cmd_pii.h"
#include "cmd_staff.h"
#include "cmd_user.h"
#include "cmd_tags.h"
#include "cmd_report.h"
#include "datadir.h"
#include "dump.h"
#include "enroll_qr.h"
#include "pii.h"
#include "registry.h"
#include "server.h"
#include "site.h"

/* Master-data commands ("unit add"): the kind and the mode. */
static struct {
    const srv_md_kind *kind;
    int mode;
} md_args;

/* ---- init --------------------------------------------------------------- */

static int cmd_init(void)
{
    const char *dir = cli_data_dir(), *cert_in = cli_flag("cert"),
               *key_in = cli_flag("key");
    if ((cert_in == NULL) != (key_in == NULL))
        return cli_usage(_("--cert and --key go together"));
    char key[4200], crt[4200], err[4500];
    snprintf(key, sizeof key, "%s/server.key", dir);
    snprintf(crt, sizeof crt, "%s/server.crt", dir);
    struct stat st;
    if (stat(key, &st) == 0 || stat(crt, &st) == 0)
        return cli_fail(
            RND_EEXIST,
            _("%s is already initialised (%s exists); nothing done"), dir,
            stat(key, &st) == 0 ? key : crt);
    int e = store_mkdirs(dir);
    if (e)
        return cli_fail(RND_EIO, _("cannot create %s: %s"), dir, strerror(e));
    int rc = cert_in
                 ? srv_cert_import(cert_in, key_in, crt, key, err, sizeof err)
                 : srv_cert_generate(key, crt, err, sizeof err);
    if (rc)
        return cli_fail(rc, "%s", err);
    srv_registry *r;
    rc = srv_registry_open(dir, 1, &r);
    if (rc)
        return cli_fail(rc, _("cannot create the registry in %s: %s"), dir,
                        i18n_tr(rnd_strerror(rc)));
    srv_registry_close(r);
    char sites[4200];
    snprintf(sites, sizeof sites, "%s/sites", dir);
    mkdir(sites, 0700);
    printf("initialised %s\n  certificate %s (%s)\n  key         %s "
           "(mode 0600)\n",
           dir, crt, cert_in ? "imported" : "self-signed, CN=roundsd", key);
    return RND_EXIT_OK;
}

/* ---- enroll / revoke ---------------------------------------------------- */

/* --site and --device (both required names) and the open registry, for
 * the commands about one device. Returns 0 or an exit code. */
static int device_args(const char **site, const char **name, srv_registry **r)
{
    int ex = cli_need_name("site");
    if (ex == 0)
        ex = cli_need_name("device");
    if (ex)
        return ex;
    *site = cli_flag("site");
    *name = cli_flag("device");
    return cli_open_registry(r);
}

/* --qr FILE: the enrollment payload's QR code as SVG (enroll_qr.h). */
static int write_qr(const char *path, const char *payload, const char *site,
                    const char *name)
{
    char *svg;
    size_t len;
    int rc = srv_enroll_qr_svg(payload, site, name, &svg, &len);
    if (rc)
        return cli_fail(rc, _("enrolled, but cannot draw the QR code: %s"),
                        i18n_tr(rnd_strerror(rc)));
    FILE *f = fopen(path, "w");
    int bad = f == NULL || fwrite(svg, 1, len, f) != len;
    if (f && fclose(f) != 0)
        bad = 1;
    free(svg);
    if (bad)
        return cli_fail(RND_EIO, _("enrolled, but cannot write %s: %s"), path,
                        strerror(errno));
    return RND_EXIT_OK;
}

static int cmd_enroll(void)
{
    const char *site, *name, *qr = cli_flag("qr");
    int want_payload = qr || cli_flag("payload");
    /* The address and certificate first: a refusal enrolls nothing. */
    char payload[PROTO_ENROLL_MAX + 1], perr[1024];
    const char *fake = SRV_CRED_PREFIX "00000000000000000000000000000000";
    /* Several nodes: the site's devices are enrolled on its node. */
    if (cli_flag("site") &&
        srv_name_valid(cli_flag("site"), strlen(cli_flag("site")))) {
        int rc = srv_enroll_assign(cli_config(), cli_flag("site"), perr,
                                   sizeof perr);
        if (rc)
            return cli_fail(rc, _("nothing enrolled: %s"), perr);
    }
    if (want_payload) {
        int rc = cli_need_name("site");
        if (rc == 0)
            rc = cli_need_name("device");
        if (rc)
            return rc;
        rc = srv_enroll_payload(cli_config(), cli_flag("site"),
                                cli_flag("device"), fake, payload,
                                sizeof payload, perr, sizeof perr);
        if (rc)
            return cli_fail(rc, _("nothing enrolled: %s"), perr);
    }
    srv_registry *r;
    int ex = device_args(&site, &name, &r);
    if (ex)
        return ex;
    char cred[SRV_CRED_LEN + 1];
    int rc = srv_registry_enroll(r, site, name, cli_now_ms(), cred);
    srv_registry_close(r);
    if (rc == RND_EEXIST)
        return cli_fail(
            rc,
            _("%s/%s is already enrolled and not revoked; revoke it "
              "first ('roundsd revoke --site %s --device %s') to "
              "enroll it again"),
            site, name, site, name);
    if (rc)
        return cli_fail(rc, _("cannot enroll %s/%s: %s"), site, name,
                        i18n_tr(rnd_strerror(rc)));
    /* The site's store, with its office writer, exists from now on, and
     * holds the office's current key for personal data, so the device's
     * first pull brings it (pii.h). */
    store *st;
    rc = srv_site_open(cli_data_dir(), site, STORE_CREATE, &st, NULL);
    if (rc)
        return cli_fail(rc,
                        _("enrolled, but cannot create the store of site %s: "
                          "%s"),
                        site, i18n_tr(rnd_strerror(rc)));
    rc = srv_enroll_publish(st, cli_data_dir(), site, cli_now_ms());
    store_close(st);
    if (rc)
        return cli_fail(rc,
                        _("enrolled, but cannot publish the personal-data key "
                          "to site %s: %s"),
                        site, i18n_tr(rnd_strerror(rc)));
    if (want_payload &&
        (rc = srv_enroll_payload(cli_config(), site, name, cred, payload,
                                 sizeof payload, perr, sizeof perr)) != 0)
        return cli_fail(rc, _("enrolled, but %s"), perr);
    if (qr && (ex = write_qr(qr, payload, site, name)) != 0)
        return ex;
    char crt[4200], abs[PATH_MAX];
    snprintf(crt, sizeof crt, "%s/server.crt", cli_data_dir());
    const char *cert = realpath(crt, abs) ? abs : crt;
    if (cli_flag("json")) {
        printf("{\"site\":");
        cli_json_str(site);
        printf(",\"device\":");
        cli_json_str(name);
        printf(",\"credential\":");
        cli_json_str(cred);
        printf(",\"cert\":");
        cli_json_str(cert);
        if (want_payload) {
            printf(",\"payload\":");
            cli_json_str(payload);
        }
        printf("}\n");
    } else if (cli_flag("payload")) {
        printf("%s\n", payload);
        fprintf(stderr,
                "enrolled %s/%s; the payload above holds its credential, "
                "shown once. On the handheld:\n  rounds enroll --payload "
                "'%s'\n",
                site, name, payload);
    } else {
        printf("%s\n", cred);
        fprintf(stderr,
                "enrolled %s/%s; the credential above is shown once. On "
                "the handheld (initialised with site %s, name %s):\n"
                "  rounds enroll --server HOST:PORT --cert %s "
                "--credential %s\n",
                site, name, site, name, cert, cred);
        if (qr)
            fprintf(stderr,
                    "or scan the QR code in %s (rounds enroll --payload "
                    "TEXT)\n",
                    qr);
    }
    return RND_EXIT_OK;
}

static int cmd_revoke(void)
{
    const char *site, *name;
    srv_registry *r;
    int ex = device_args(&site, &name, &r);
    if (ex)
        return ex;
    int was = 0;
    int rc = srv_registry_revoke(r, site, name, &was);
    srv_registry_close(r);
    if (rc == RND_ENOTFOUND)
        return cli_fail(rc, _("no device %s/%s is enrolled"), site, name);
    if (rc)
        return cli_fail(rc, _("cannot revoke %s/%s: %s"), site, name,
                        i18n_tr(rnd_strerror(rc)));
    printf("%s %s/%s\n", was ? "already revoked:" : "revoked", site, name);
    return RND_EXIT_OK;
}

/* ---- devices ------------------------------------------------------------ */

typedef struct list_ctx {
    int json;
    int n;
    int64_t skew_limit_ms;
    rpt_jw j; /* json: the output */
} list_ctx;

/* The highest seq of the device the site's store holds right now (the
 * registry's copy is from the device's last sync), and the forked pushes
 * the site refused from it (*forks: zeros when none or unreadable). */
static uint64_t live_held(const srv_device *d, srv_fork_info *forks)
{
    uint64_t held = d->held_seq;
    memset(forks, 0, sizeof *forks);
    if (d->device_id == 0)
        return held;
    store *st;
    if (srv_site_open(cli_data_dir(), d->site, STORE_RDONLY, &st, NULL) != 0)
        return held;
    store_txn *txn;
    if (store_read_begin(st, &txn) == 0) {
        uint64_t v;
        if (store_device_max_seq(txn, d->device_id, &v) == 0)
            held = v;
        if (srv_site_forks(txn, d->device_id, forks) != 0)
            memset(forks, 0, sizeof *forks);
        store_read_end(txn);
    }
    store_close(st);
    return held;
}

static int list_cb(const srv_device *d, void *vctx)
{
    list_ctx *c = vctx;
    char id[17], enr[32], last[32];
    if (d->device_id)
        srv_hex64(d->device_id, id);
    else
        snprintf(id, sizeof id, "-");
    cli_fmt_time(d->enrolled_ms, enr, sizeof enr);
    cli_fmt_time(d->last_sync_ms, last, sizeof last);
    srv_fork_info forks;
    uint64_t held = live_held(d, &forks);
    char clock[48];
    const char *cflag;
    srv_clock_verdict(d, c->skew_limit_ms, clock, sizeof clock, &cflag);
    if (c->json) {
        rpt_jw *j = &c->j;
        rpt_jw_obj(j);
        rpt_jw_kstr(j, "site", d->site);
        rpt_jw_kstr(j, "device", d->name);
        rpt_jw_kstr(j, "device_id", d->device_id ? id : "");
        rpt_jw_kint(j, "enrolled_ms", d->enrolled_ms);
        rpt_jw_kint(j, "last_sync_ms", d->last_sync_ms);
        rpt_jw_kuint(j, "held_seq", held);
        rpt_jw_kuint(j, "last_ops_in", d->last_ops_in);
        rpt_jw_kuint(j, "last_ops_out", d->last_ops_out);
        rpt_jw_kint(j, "last_skew_ms", d->last_skew_ms);
        if (d->have_clock) {
            rpt_jw_kint(j, "clock_ahead_ms", d->clock_ahead_ms);
            rpt_jw_kint(j, "clock_behind_ms", d->clock_behind_ms);
        } else {
            rpt_jw_knull(j, "clock_ahead_ms");
            rpt_jw_knull(j, "clock_behind_ms");
        }
        rpt_jw_kuint(j, "clock_beyond_ops", d->beyond_ops);
        rpt_jw_kstr(j, "clock_flag", cflag);
        rpt_jw_kstr(j, "clock", clock);
        rpt_jw_kbool(j, "revoked", d->revoked);
        rpt_jw_kuint(j, "forks", forks.count);
        if (forks.count) {
            rpt_jw_kint(j, "last_fork_ms", forks.last_ms);
            rpt_jw_kuint(j, "last_fork_seq", forks.last_seq);
        } else {
            rpt_jw_knull(j, "last_fork_ms");
            rpt_jw_knull(j, "last_fork_seq");
        }
        rpt_jw_end(j);
    } else {
        if (c->n == 0)
            printf("%-16s %-16s %-16s %-20s %-20s %8s %7s %7s %-13s %-7s "
                   "%s\n",
                   "SITE", "DEVICE", "ID", "ENROLLED", "LAST SYNC", "HELD",
                   "IN", "OUT", "CLOCK", "REVOKED", "FORKS");
        printf("%-16s %-16s %-16s %-20s %-20s %8" PRIu64 " %7" PRIu64
               " %7" PRIu64 " %-13s %-7s %" PRIu64 "\n",
               d->site, d->name, id, enr, last, held, d->last_ops_in,
               d->last_ops_out, clock, rpt_bool_text(d->revoked), forks.count);
    }
    c->n++;
    return 0;
}

static int cmd_devices(void)
{
    const char *site = cli_flag("site");
    uint32_t limit_min = cli_config()->skew_limit_min;
    int ex;
    if (site && (ex = cli_need_name("site")) != 0)
        return ex;
    if ((ex = cli_parse_u32("skew-limit-min", 1, 525600, &limit_min)) != 0)
        return ex;
    srv_registry *r;
    ex = cli_open_registry(&r);
    if (ex)
        return ex;
    list_ctx c = {.json = cli_flag("json") != NULL,
                  .skew_limit_ms = (int64_t)limit_min * 60000};
    rpt_jw_init(&c.j, stdout);
    if (c.json)
        rpt_jw_arr(&c.j);
    int rc = srv_registry_each(r, site, list_cb, &c);
    srv_registry_close(r);
    if (c.json) {
        rpt_jw_end(&c.j);
        putchar('\n');
    } else if (rc == 0 && c.n == 0)
        printf("no devices enrolled%s%s\n", site ? " for site " : "",
               site ? site : "");
    if (rc)
        return cli_fail(rc, _("cannot read the registry: %s"),
                        i18n_tr(rnd_strerror(rc)));
    return RND_EXIT_OK;
}

/* ---- dump --------------------------------------------------------------- */

typedef struct dump_ctx {
    int json;
    uint64_t n;
} dump_ctx;

static int dump_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                   const uint8_t *state, size_t len, void *vctx)
{
    dump_ctx *c = vctx;
    return store_dump_entry(stdout, c->json, c->n++ == 0, id, kind, state, len);
}

static int cmd_dump(void)
{
    int ex = cli_need_name("site");
    if (ex)
        return ex;
    const char *site = cli_flag("site");
    store *st;
    int rc = srv_site_open(cli_data_dir(), site, STORE_RDONLY, &st, NULL);
    if (rc == RND_ENOTFOUND)
        return cli_fail(rc, _("no site %s in %s"), site, cli_data_dir());
    if (rc)
        return cli_fail(rc, _("cannot open site %s: %s"), site,
                        i18n_tr(rnd_strerror(rc)));
    dump_ctx c = {.json = cli_flag("json") != NULL};
    uint8_t digest[32];
    uint64_t n = 0, ops = 0;
    if (c.json)
        printf("{\"entities\":[");
    rc = srv_dump(st, dump_cb, &c, digest, &n, &ops);
    store_close(st);
    if (rc) {
        if (c.json)
            printf("]}\n");
        return cli_fail(rc, _("cannot read site %s: %s"), site,
                        i18n_tr(rnd_strerror(rc)));
    }
    char hex[65];
    proto_hex(digest, sizeof digest, hex);
    if (c.json) {
        printf("],\"count\":%" PRIu64 ",\"digest\":\"%s\"", n, hex);
        if (cli_flag("ops"))
            printf(",\"ops\":%" PRIu64, ops);
        printf("}\n");
    } else {
        if (cli_flag("ops"))
            printf("ops %" PRIu64 "\n", ops);
        printf("digest %s\n", hex);
    }
    return RND_EXIT_OK;
}

/* ---- serve -------------------------------------------------------------- */

/* The dashboard's process (server/child.h): the configuration is serve's,
 * read before the fork. */
static dash_config web_cfg;

static int run_dashboard(void *ctx, int notify_fd)
{
    dash_config *w = ctx;
    w->notify_fd = notify_fd;
    return dash_run(w);
}

static int cmd_serve(void)
{
    /* Flags, the configuration file and the defaults are already merged
     * and validated (cli_load_config). */
    const srv_config *c = cli_config();
    char cert[SRV_CONFIG_PATH_MAX], key[SRV_CONFIG_PATH_MAX];
    srv_config_cert_path(c, cert, sizeof cert);
    srv_config_key_path(c, key, sizeof key);
    srv_server_config cfg = {.data_dir = c->data,
                             .listen = c->listen,
                             .cert = cert,
                             .key = key,
                             .max_frame = c->max_frame,
                             .max_conns = c->max_conns,
                             .idle_timeout_s = c->idle_timeout_s,
                             .handshake_timeout_s = c->handshake_timeout_s,
                             .hello_timeout_ms = c->hello_timeout_ms,
                             .hello_pool = c->hello_pool,
                             .hello_per_addr = c->hello_per_addr,
                             .max_clock_offset_ms =
                                 (int64_t)c->max_clock_offset_min * 60000,
                             .max_conns_per_device = c->max_conns_per_device,
                             .log = c->log,
                             .log_level = c->log_level,
                             .pg_dsn = c->pg_dsn,
                             .node_name = c->node_name,
                             .group_refresh_s = c->group_refresh_s,
                             .skew_limit_ms =
                                 (int64_t)c->skew_limit_min * 60000};
    static char web_cert[SRV_CONFIG_PATH_MAX], web_key[SRV_CONFIG_PATH_MAX];
    if (c->web_listen[0]) {
        srv_config_web_cert_path(c, web_cert, sizeof web_cert);
        srv_config_web_key_path(c, web_key, sizeof web_key);
        web_cfg = (dash_config){.data_dir = c->data,
                                .listen = c->web_listen,
                                .cert = web_cert,
                                .key = web_key,
                                .session_idle_min = c->web_session_idle_min,
                                .notify_fd = -1};
        cfg.child = run_dashboard;
        cfg.child_ctx = &web_cfg;
    }
    int rc = srv_server_run(&cfg);
    return cli_exit_for(rc);
}

/* ---- office commands: master data (listings: cmd_office.c) -------------- */

/* Warns about route checkpoints that are not (active) checkpoints yet. */
static void warn_checkpoints(store *st, const char *site, const char *list)
{
    store_txn *t;
    if (store_read_begin(st, &t) != 0)
        return;
    const char *p = list;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        while (len && *p == ' ') {
            p++;
            len--;
        }
        while (len && p[len - 1] == ' ')
            len--;
        uint8_t id[PROTO_ENTITY_LEN];
        const uint8_t *state;
        size_t slen;
        int kind;
        srv_md_entity_id(PROTO_KIND_CHECKPOINT, site, p, len, id);
        if (store_entity_get(t, id, &kind, &state, &slen) != 0)
            fprintf(stderr,
                    "roundsd %s: warning: checkpoint %.*s is not defined "
                    "yet ('roundsd checkpoint add --site %s --tag %.*s "
                    "...')\n",
                    cli_args.cmd->name, (int)len, p, site, (int)len, p);
        if (!comma)
            break;
        p = comma + 1;
    }
    store_read_end(t);
}

static int cmd_md_write(void)
{
    const srv_md_kind *k = md_args.kind;
    int mode = md_args.mode, ex;
    if ((ex = cli_need_name("site")) != 0)
        return ex;
    const char *site = cli_flag("site");
    const char *target = cli_args.npos ? cli_args.pos[0] : NULL;
    srv_admin_kv kv[CLI_MAX_FLAGS];
    size_t n = 0;
    for (int i = 0; cli_args.cmd->flags[i].name; i++) {
        const char *fl = cli_args.cmd->flags[i].name;
        if (!cli_args.set[i] || !strcmp(fl, "data") || !strcmp(fl, "site") ||
            !strcmp(fl, "json") || !strcmp(fl, "help"))
            continue;
        kv[n].flag = fl;
        kv[n].value = cli_args.values[i] ? cli_args.values[i] : "";
        n++;
    }
    store *st;
    if ((ex = cli_open_site_write(site, &st)) != 0)
        return ex;
    /* The id as typed: 32 hex digits or a unique prefix of 8+. */
    static char full[33];
    if (target) {
        uint8_t id[PROTO_ENTITY_LEN];
        if ((ex = cli_resolve_id(st, target, id)) != 0) {
            store_close(st);
            return ex;
        }
        proto_entity_hex(id, full);
        target = full;
    }
    srv_admin_out out;
    int rc =
        srv_admin_write(st, site, k, mode, target, kv, n, cli_now_ms(), &out);
    if (rc == 0 && k->kind == PROTO_KIND_ROUTE && cli_flag("checkpoints"))
        warn_checkpoints(st, site, cli_flag("checkpoints"));
    store_close(st);
    if (rc)
        return cli_fail(rc, "%s", out.msg);
    char hex[33];
    proto_entity_hex(out.id, hex);
    const char *done = out.action == PROTO_ACTION_CREATE ? "created"
                       : out.action == PROTO_ACTION_RETIRE
                           ? "retired"
                           : (out.revived ? "revived" : "updated");
    if (cli_flag("json")) {
        printf("{\"ok\":true,\"kind\":\"%s\",\"key\":", k->noun);
        cli_json_str(out.key);
        printf(",\"id\":\"%s\",\"action\":\"%s\",\"result\":\"%s\"}\n", hex,
               proto_action_name(out.action), done);
    } else {
        printf("%s %s %s (id %s); handhelds get it at their next sync\n",
               k->noun, out.key, done, hex);
    }
    return RND_EXIT_OK;
}

/* Builds the command of "roundsd NOUN add|set|retire" from the kind's
 * field table (admin.c), so its flags and --help follow the table. */
static const char *const md_verbs[] = {"add", "set", "retire"};

static cli_flag_spec md_flags[CLI_MAX_FLAGS + 1];
static cli_command md_cmd;
static char md_name[64], md_usage[1024], md_summary[256];

/* Appends one word of a usage line, wrapping before column 78. */
static void usage_add(size_t *u, size_t *col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void usage_add(size_t *u, size_t *col, const char *fmt, ...)
{
    char word[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(word, sizeof word, fmt, ap);
    va_end(ap);
    if (n < 0 || *u + (size_t)n + 8 >= sizeof md_usage)
        return;
    if (*col + (size_t)n > 78 && *col > 8) {
        *u += (size_t)snprintf(md_usage + *u, sizeof md_usage - *u, "\n      ");
        *col = 6;
    }
    *u += (size_t)snprintf(md_usage + *u, sizeof md_usage - *u, "%s", word);
    *col += (size_t)n;
}

static int md_command(const srv_md_kind *k, const char *verb)
{
    int mode = 0;
    for (int i = 0; i < 3; i++)
        if (strcmp(verb, md_verbs[i]) == 0)
            mode = i + 1;
    if (mode == 0)
        return -1;
    int n = 0;
    size_t u = 0, col = 0;
    md_flags[n++] = (cli_flag_spec)CLI_DATA_FLAG;
    md_flags[n++] = (cli_flag_spec){
        "site", "NAME", N_("the site (required; the key of a site)")};
    usage_add(&u, &col, "roundsd %s %s --site S", k->noun, verb);
    int bl = k->kind == PROTO_KIND_BLACKLIST;
    if (bl)
        usage_add(&u, &col, " %s(--person NAME [--id-no N] | --plate P)%s",
                  mode == SRV_ADMIN_ADD ? "" : "(ID | ",
                  mode == SRV_ADMIN_ADD ? "" : ")");
    else if (mode != SRV_ADMIN_ADD && k->kind != PROTO_KIND_SITE)
        usage_add(&u, &col, " (ID |");
    for (const srv_md_field *f = k->fields; f->flag && n < CLI_MAX_FLAGS - 4;
         f++) {
        if (mode == SRV_ADMIN_RETIRE && !f->key)
            continue;
        md_flags[n++] = (cli_flag_spec){f->flag, f->meta, f->help};
        if (bl && f->key)
            continue;
        int req = (mode == SRV_ADMIN_ADD && f->required) || f->key;
        usage_add(&u, &col, " %s--%s %s%s", req ? "" : "[", f->flag, f->meta,
                  req ? "" : "]");
        if (f->key && mode != SRV_ADMIN_ADD)
            usage_add(&u, &col, ")");
    }
    if (mode == SRV_ADMIN_RETIRE) {
        md_flags[n++] = (cli_flag_spec){"reason", "R", N_("why it is retired")};
        usage_add(&u, &col, " [--reason R]");
    }
    md_flags[n++] = (cli_flag_spec){"by", "NAME",
                                    N_("who in the office (default: office)")};
    md_flags[n++] =
        (cli_flag_spec){"json", NULL, N_("print the result as JSON")};
    md_flags[n++] = (cli_flag_spec)CLI_HELP_FLAG;
    md_flags[n] = (cli_flag_spec){NULL, NULL, NULL};
    usage_add(&u, &col, " [--by NAME]");
    usage_add(&u, &col, " [--json]");
    usage_add(&u, &col, " [--data DIR]");
    snprintf(md_name, sizeof md_name, "%s %s", k->noun, verb);
    snprintf(md_summary, sizeof md_summary, "%s %s: %s",
             mode == SRV_ADMIN_ADD   ? "add"
             : mode == SRV_ADMIN_SET ? "change"
                                     : "retire",
             k->noun, k->help);
    md_cmd =
        (cli_command){md_name,  md_summary,   md_usage,
                      md_flags, cmd_md_write, mode == SRV_ADMIN_ADD ? 0 : 1};
    md_args.kind = k;
    md_args.mode = mode;
    return 0;
}

static const cli_flag_spec init_flags[] = {
    CLI_DATA_FLAG,
    {"cert", "PEM", N_("use this certificate instead of generating one")},
    {"key", "PEM", N_("its EC private key (with --cert)")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};
static const cli_flag_spec enroll_flags[] = {
    CLI_DATA_FLAG,
    {"site", "NAME", N_("the device's site (required)")},
    {"device", "NAME", N_("the device's name (required)")},
    {"json", NULL,
     N_("print {site, device, credential, cert[, payload]} as JSON")},
    {"qr", "FILE",
     N_("also write the enrollment payload's QR code to FILE (SVG)")},
    {"payload", NULL,
     N_("print the enrollment payload (for rounds enroll --payload) instead "
        "of the bare credential")},
    {"public-address", "HOST:PORT",
     N_("the address handhelds reach the server at (default: the "
        "configuration's public_address, else listen)")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};
static const cli_flag_spec revoke_flags[] = {
    CLI_DATA_FLAG,
    {"site", "NAME", N_("the device's site (required)")},
    {"device", "NAME", N_("the device's name (required)")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};
static const cli_flag_spec devices_flags[] = {
    CLI_DATA_FLAG,
    {"site", "NAME", N_("only this site")},
    {"skew-limit-min", "MIN",
     N_("flag a clock off by more than MIN minutes (default: skew_limit_min, "
        "5)")},
    {"json", NULL, N_("a JSON array")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};
static const cli_flag_spec dump_flags[] = {
    CLI_DATA_FLAG,
    {"site", "NAME", N_("the site (required)")},
    {"ops", NULL, N_("also print the number of ops")},
    {"json", NULL, N_("one JSON object")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};
static const cli_flag_spec serve_flags[] = {
    CLI_DATA_FLAG,
    {"listen", "HOST:PORT",
     "default " SRV_LISTEN_DEFAULT "; port 0: any free one"},
    {"cert", "PEM", N_("TLS certificate (default DATA/server.crt)")},
    {"key", "PEM", N_("its private key (default DATA/server.key)")},
    {"max-frame", "BYTES", N_("largest frame accepted (default 1048576)")},
    {"max-conns", "N", N_("sessions at once (default 2000); more get EBUSY")},
    {"idle-timeout", "SEC",
     N_("close a connection idle this long (default 60)")},
    {"handshake-timeout", "SEC", N_("limit on the TLS handshake (default 10)")},
    {"hello-timeout-ms", "MS",
     N_("a new connection's deadline for TLS and HELLO (default 5000)")},
    {"hello-pool", "N", N_("connections not yet past HELLO (default 256)")},
    {"hello-per-addr", "N", N_("of those, per address (default 16)")},
    {"retention-days", "N[,SITE=N]",
     N_("ID-number retention (default 180; stored, not enforced yet)")},
    {"max-clock-offset-min", "MIN",
     N_("a pushed stamp past the server's time + MIN minutes does not move "
        "the site's clock (default 5)")},
    {"log", "FILE", N_("append the log to FILE (default stderr)")},
    {"web-listen", "HOST:PORT",
     N_("also serve the office dashboard over HTTPS here (default: off)")},
    {"web-cert", "PEM", N_("the dashboard's certificate (default: --cert's)")},
    {"web-key", "PEM", N_("its private key (default: --key's)")},
    {"web-session-idle-min", "MIN",
     N_("a dashboard session idle this long ends (default 30)")},
    {"pg-dsn", "DSN",
     N_("ship every site's ops and records to this PostgreSQL database "
        "(default: none)")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};

static const cli_command commands[] = {
    {"init", N_("make the data directory, a key and a self-signed certificate"),
     "roundsd init [--data DIR] [--cert PEM --key PEM]", init_flags, cmd_init,
     0},
    {"enroll", N_("enroll a handheld and print its one-time credential"),
     "roundsd enroll --site S --device NAME [--qr FILE] [--payload]\n"
     "               [--public-address HOST:PORT] [--data DIR] [--json]",
     enroll_flags, cmd_enroll, 0},
    {"revoke", N_("revoke a handheld: it can no longer sync"),
     "roundsd revoke --site S --device NAME [--data DIR]", revoke_flags,
     cmd_revoke, 0},
    {"devices", N_("list enrolled handhelds, their last sync and clock"),
     "roundsd devices [--site S] [--skew-limit-min MIN] [--data DIR] "
     "[--json]",
     devices_flags, cmd_devices, 0},
    {"dump", N_("print a site's merged records and their digest"),
     "roundsd dump --site S [--ops] [--json] [--data DIR]", dump_flags,
     cmd_dump, 0},
    {"serve", N_("run the TLS sync server"),
     "roundsd serve [--config FILE] [--data DIR] [--listen HOST:PORT]\n"
     "              [--cert PEM] [--key PEM] [--max-frame BYTES] "
     "[--max-conns N]\n"
     "              [--idle-timeout SEC] [--handshake-timeout SEC]\n"
     "              [--hello-timeout-ms MS] [--hello-pool N] "
     "[--hello-per-addr N]\n"
     "              [--retention-days N[,SITE=N]...] "
     "[--max-clock-offset-min MIN]\n"
     "              [--log FILE] [--web-listen HOST:PORT] [--web-cert PEM]\n"
     "              [--web-key PEM] [--web-session-idle-min MIN]\n"
     "              [--pg-dsn DSN]\n\n"
     "Every flag is also a key of the configuration file (--config FILE,\n"
     "else $ROUNDSD_CONFIG, else /etc/rounds/roundsd.conf if it exists);\n"
     "a flag wins over the file. Writes DATA/stats.json every 5 s and at\n"
     "exit ('roundsd stats').",
     serve_flags, cmd_serve, 0},
    {NULL, NULL, NULL, NULL, NULL, 0}};

/* Every table of commands: the core ones above, the office's listings
 * (cmd_office.c) and reports (cmd_report.c), and the operator's
 * (cmd_ops.c, cmd_backup.c, cmd_attach.c, cmd_cert.c, cmd_pii.c, cmd_tags.c),
 * and the dashboard's accounts (cmd_user.c). */
static const cli_command *const tables[] = {
    commands,          cli_office_commands, cli_report_commands,
    cli_ops_commands,  cli_backup_commands, cli_attach_commands,
    cli_cert_commands, cli_pii_commands,    cli_tags_commands,
    cli_user_commands, cli_nodes_commands,  cli_group_commands, NULL};

static const cli_command *find_command(const char *name)
{
    for (int t = 0; tables[t]; t++)
        for (const cli_command *c = tables[t]; c->name; c++)
            if (strcmp(c->name, name) == 0)
                return c;
    return NULL;
}

static void main_help(FILE *f)
{
    fputs(_("roundsd: the Rounds sync server\n\nusage: roundsd COMMAND "
            "[flags]   (roundsd COMMAND --help for its flags)\n\n"),
          f);
    for (int t = 0; tables[t]; t++)
        for (const cli_command *c = tables[t]; c->name; c++)
            fprintf(f, "  %-12s %s\n", c->name, i18n_tr(c->summary));
    fputs(_("\nOffice master data (written as ops, synced down to every "
            "handheld):\n"),
          f);
    for (const srv_md_kind *k = srv_md_kinds(); k->noun; k++) {
        char left[40];
        snprintf(left, sizeof left, "%s add|set|retire", k->noun);
        fprintf(f, "  %-26s %s\n", left, i18n_tr(k->help));
    }
    fprintf(f, "  %-26s %s\n", "site assign|move|accept",
            i18n_tr(cli_nodes_site_command.summary));
    fputs(_("\nThe data directory is --data DIR, else $ROUNDSD_DATA, "
            "else the configuration\nfile's 'data' (--config FILE, else "
            "$ROUNDSD_CONFIG, else /etc/rounds/roundsd.conf\nif it "
            "exists), else ./roundsd-data.\n"
            "Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 "
            "refused or already exists,\n5 storage error.\n"),
          f);
}

static void cmd_help(const cli_command *c)
{
    if (cli_args.json) {
        printf("{\"command\":");
        cli_json_str(c->name);
        printf(",\"summary\":");
        cli_json_str(c->summary);
        printf(",\"usage\":");
        cli_json_str(c->usage);
        printf(",\"flags\":");
        cli_json_flags(c->flags);
        printf("}\n");
        return;
    }
    printf("%s\n\n%s\n\n", i18n_tr(c->summary), c->usage);
    for (const cli_flag_spec *f = c->flags; f->name; f++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", f->name, f->meta ? " " : "",
                 f->meta ? f->meta : "");
        printf("  %-25s %s\n", left, i18n_tr(f->help));
        if (strcmp(f->name, "data") == 0)
            printf("  %-25s %s\n", "--config FILE",
                   _("config file (else $ROUNDSD_CONFIG, else "
                     "/etc/rounds/roundsd.conf)"));
    }
    printf("  %-25s %s\n", "--tz ZONE",
           _("time zone of times typed and shown: Z, +HH:MM or an IANA "
             "name"));
}

/* The command of "KIND VERB" (md_command), for cli.c's listings. */
static const cli_command *md_for(const srv_md_kind *k, const char *verb)
{
    return md_command(k, verb) == 0 ? &md_cmd : NULL;
}

/* "unknown command 'devcies'; did you mean 'devices'?" */
static int unknown_command(const char *name)
{
    args_best b;
    args_best_init(&b, name);
    for (int t = 0; tables[t]; t++)
        for (const cli_command *c = tables[t]; c->name; c++)
            args_best_add(&b, c->name);
    for (const srv_md_kind *k = srv_md_kinds(); k->noun; k++)
        args_best_add(&b, k->noun);
    args_best_add(&b, "completion");
    const char *near = args_best_get(&b);
    return cli_usage(_("unknown command '%.40s'%s%s%s"), name,
                     near ? _("; did you mean '") : "", near ? near : "",
                     near ? "'?" : "");
}

/* Flags that may come before the command, and go after it. */
static const cli_flag_spec global_flags[] = {
    {"data", "DIR", ""},         {"config", "FILE", ""}, {"json", NULL, ""},
    {"tz", "ZONE", "", ARGS_TZ}, {"help", NULL, ""},     {"version", NULL, ""},
    {NULL, NULL, NULL}};

static int print_version(void)
{
    if (cli_args.json) {
        printf("{\"program\":\"roundsd\",\"version\":");
        cli_json_str(args_version());
        printf("}\n");
    } else {
        printf("roundsd %s\n", args_version());
    }
    return RND_EXIT_OK;
}

int main(int argc, char **argv)
{
    char err[512];
    i18n_init("roundsd");
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--json") == 0)
            cli_args.json = 1;
    /* Global flags before the command move after it. */
    static char *args[4096];
    int nargs = 0, i = 1, nlead = 0;
    char *lead[32];
    args[nargs++] = argv[0];
    while (i < argc && argv[i][0] == '-' && strcmp(argv[i], "--") != 0) {
        const char *a = argv[i];
        char name[64];
        size_t len = strcspn(a, "=");
        snprintf(name, sizeof name, "%.*s", (int)(len < 63 ? len : 63), a);
        const cli_flag_spec *f =
            strcmp(a, "-h") == 0
                ? &global_flags[4]
                : (strncmp(name, "--", 2) == 0
                       ? args_find(global_flags, name + 2, NULL)
                       : NULL);
        if (f == NULL) {
            args_parsed p;
            memset(&p, 0, sizeof p);
            char *one[2] = {argv[0], argv[i]};
            args_parse(global_flags, 0, 2, one, 1, &p, err, sizeof err);
            return cli_usage("%s", err);
        }
        if (nlead + 2 >= 32)
            return cli_usage(_("too many flags before the command"));
        lead[nlead++] = argv[i++];
        if (f->meta && a[len] != '=' && i < argc)
            lead[nlead++] = argv[i++];
    }
    if (i < argc && strcmp(argv[i], "--") == 0)
        i++;
    int version = 0, help = 0;
    for (int k = 0; k < nlead; k++) {
        version |= strcmp(lead[k], "--version") == 0;
        help |= strcmp(lead[k], "--help") == 0 || strcmp(lead[k], "-h") == 0;
    }
    if (i >= argc) {
        if (version)
            return print_version();
        if (help && cli_args.json) {
            cli_commands_json(tables, md_for);
            return RND_EXIT_OK;
        }
        main_help(help ? stdout : stderr);
        return help ? RND_EXIT_OK : RND_EXIT_USAGE;
    }
    const char *name = argv[i];
    if (strcmp(name, "help") == 0) {
        if (i + 1 < argc && argv[i + 1][0] != '-') {
            const cli_command *hc = find_command(argv[i + 1]);
            if (hc == NULL)
                return unknown_command(argv[i + 1]);
            cmd_help(hc);
            return RND_EXIT_OK;
        }
        if (cli_args.json)
            cli_commands_json(tables, md_for);
        else
            main_help(stdout);
        return RND_EXIT_OK;
    }
    if (strcmp(name, "completion") == 0)
        return cli_completion(tables, md_for, argc, argv, i + 1);
    int first = i + 1;
    const cli_command *cmd = find_command(name);
    const srv_md_kind *md = srv_md_find(name);
    if (cmd == NULL && md && strcmp(md->noun, name) == 0) {
        const char *verb = i + 1 < argc ? argv[i + 1] : "";
        if (verb[0] == '-' || verb[0] == '\0') {
            cli_args.cmd = NULL;
            if (help ||
                (verb[0] && (!strcmp(verb, "--help") || !strcmp(verb, "-h")))) {
                printf("roundsd %s add|set|retire: %s\n\n'roundsd %s add "
                       "--help' for the flags.\n",
                       name, md->help, name);
                return RND_EXIT_OK;
            }
            return cli_usage(_("%s: give add, set or retire"), name);
        }
        if (md->kind == PROTO_KIND_STAFF && strcmp(verb, "pin") == 0) {
            cmd = &cli_staff_pin_command;
            first = i + 2;
        } else if (strcmp(name, "site") == 0 &&
                   (!strcmp(verb, "assign") || !strcmp(verb, "move") ||
                    !strcmp(verb, "accept"))) {
            /* A site's node (docs/NODES.md): the verb stays an argument. */
            cmd = &cli_nodes_site_command;
        } else if (md_command(md, verb) != 0) {
            args_best b;
            args_best_init(&b, verb);
            for (int v = 0; v < 3; v++)
                args_best_add(&b, md_verbs[v]);
            const char *near = args_best_get(&b);
            return cli_usage(_("unknown subcommand '%.40s' of '%s'%s%s%s; give "
                               "add, set or retire"),
                             verb, name, near ? _("; did you mean '") : "",
                             near ? near : "", near ? "'?" : "");
        } else {
            cmd = &md_cmd;
            first = i + 2;
        }
    }
    if (cmd == NULL)
        return unknown_command(name);
    cli_args.cmd = cmd;
    for (int k = first; k < argc && nargs < 4000; k++)
        args[nargs++] = argv[k];
    for (int k = 0; k < nlead; k++)
        args[nargs++] = lead[k];
    /* --version and --help are everyone's; the tables have --help. */
    for (int k = 1; k < nargs; k++)
        if (strcmp(args[k], "--version") == 0)
            return print_version();
    int ex = cli_parse(cmd, nargs, args, 1);
    if (ex)
        return ex;
    if (cli_flag("help") || help) {
        cmd_help(cli_args.cmd);
        return RND_EXIT_OK;
    }
    if ((ex = cli_load_config()) != 0)
        return ex;
    /* Run as root on a directory the service's user owns, a command gives
     * that user what it created (datadir.h). */
    srv_datadir_owner owner;
    srv_datadir_owner_note(&owner, cli_data_dir());
    ex = cli_args.cmd->run();
    srv_datadir_owner_fix(&owner, cli_args.cmd->name);
    return ex;
}
