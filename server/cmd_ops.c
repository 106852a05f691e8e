/* cmd_ops.c: the operator's commands (cmd_ops.h):
 *
 *   check-config  the effective configuration (config.h) with where each
 *                 value came from, and the checks `serve` depends on;
 *   migrate       open the registry and every site store writable, which
 *                 brings an older store format up to date;
 *   stats         what `roundsd serve` counts (stats.h), from
 *                 DATA/stats.json, as text, JSON or Prometheus text.
 *
 * Exit codes as every roundsd command: 0 good, 2 usage or a bad
 * configuration file (the message names FILE:LINE and the key), 3 a
 * missing data directory, certificate or stats file, 4 refused (migrate
 * while serve runs), 5 storage, 1 any other failed check.
 */
#include "../i18n/i18n.h"
#include "cmd_ops.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#include <uv.h>

#include "datadir.h"
#include "server.h"
#include "ship_rows.h"
#include "ship_schema.h"
#include "site.h"
#include "stats.h"

/* ---- check-config ------------------------------------------------------- */

typedef struct check_ctx {
    int json;
    int n;     /* checks printed */
    int first; /* exit code of the first failed check, 0 if none */
} check_ctx;

/* ex: 0 ok, an exit code for a failed check, or CHECK_WARN: said, but
 * serve runs well without it (ExecStartPre must not stop serve for it). */
#define CHECK_WARN (-1)
static void check_report(check_ctx *c, const char *name, int ex,
                         const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void check_report(check_ctx *c, const char *name, int ex,
                         const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int warn = ex == CHECK_WARN;
    if (warn)
        ex = 0;
    if (ex && c->first == 0)
        c->first = ex;
    if (c->json) {
        printf("%s{\"check\":\"%s\",\"ok\":%s,%s\"message\":", c->n ? "," : "",
               name, ex ? "false" : "true", warn ? "\"warning\":true," : "");
        cli_json_str(msg);
        printf("}");
    } else {
        printf("  %-4s  %-9s %s\n", ex ? "FAIL" : (warn ? "WARN" : "ok"), name,
               msg);
    }
    c->n++;
}

static void check_listen(check_ctx *c, const srv_config *cfg)
{
    char host[256];
    int port;
    struct sockaddr_storage ss;
    if (srv_parse_hostport(cfg->listen, host, sizeof host, &port) != 0) {
        check_report(c, "listen", RND_EXIT_FAIL, "%s: expected HOST:PORT",
                     cfg->listen);
        return;
    }
    /* serve binds an address, not a name: the same test it makes. */
    if (uv_ip4_addr(host, port, (struct sockaddr_in *)&ss) != 0 &&
        uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss) != 0) {
        check_report(c, "listen", RND_EXIT_FAIL,
                     "%s: %s is not an IP address (use 0.0.0.0, 127.0.0.1 "
                     "or an IPv6 address in brackets)",
                     cfg->listen, host);
        return;
    }
    check_report(c, "listen", 0, "%s", cfg->listen);
}

/* The dashboard (when web_listen is set): an address, and a certificate
 * and key its process can read (GnuTLS parses them when it starts). */
static void check_web(check_ctx *c, const srv_config *cfg)
{
    char host[256], cert[SRV_CONFIG_PATH_MAX], key[SRV_CONFIG_PATH_MAX];
    int port;
    struct sockaddr_storage ss;
    if (cfg->web_listen[0] == '\0')
        return;
    if (srv_parse_hostport(cfg->web_listen, host, sizeof host, &port) != 0 ||
        (uv_ip4_addr(host, port, (struct sockaddr_in *)&ss) != 0 &&
         uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss) != 0)) {
        check_report(c, "web", RND_EXIT_FAIL,
                     "web_listen %s: expected an IP address and a port",
                     cfg->web_listen);
        return;
    }
    srv_config_web_cert_path(cfg, cert, sizeof cert);
    srv_config_web_key_path(cfg, key, sizeof key);
    const char *bad = access(cert, R_OK) != 0  ? cert
                      : access(key, R_OK) != 0 ? key
                                               : NULL;
    if (bad) {
        check_report(c, "web", RND_EXIT_NOTFOUND, "%s: %s", bad,
                     strerror(errno));
        return;
    }
    check_report(c, "web", 0, "https://%s with %s and %s", cfg->web_listen,
                 cert, key);
}

/* pg_dsn: PostgreSQL answers, and its schema is not newer than ours
 * (serve would ship nothing). Changes nothing in the database. Warnings,
 * not failures: serve syncs handhelds without PostgreSQL and ships when
 * it can, so a database that is down must not keep serve from starting. */
static void check_pg(check_ctx *c, const srv_config *cfg)
{
    if (cfg->pg_dsn[0] == '\0')
        return;
    char shown[SRV_CONFIG_PATH_MAX], err[512];
    int have, mine;
    ship_dsn_redact(cfg->pg_dsn, shown, sizeof shown);
    int rc = ship_schema_check(cfg->pg_dsn, &have, &mine, err, sizeof err);
    if (rc) {
        check_report(c, "postgresql", CHECK_WARN,
                     "%s: %s (serve syncs handhelds anyway and ships once it "
                     "answers)",
                     shown, err);
        return;
    }
    if (have > mine) {
        check_report(c, "postgresql", CHECK_WARN,
                     "%s: the database's schema is version %d, this roundsd "
                     "knows up to %d: it would ship nothing",
                     shown, have, mine);
        return;
    }
    if (have == 0)
        check_report(c, "postgresql", 0,
                     "%s answers; no schema yet (serve creates it, version "
                     "%d)",
                     shown, mine);
    else
        check_report(c, "postgresql", 0, "%s answers; schema version %d of %d",
                     shown, have, mine);
}

static int check_data(check_ctx *c, const srv_config *cfg)
{
    struct stat st;
    if (stat(cfg->data, &st) != 0) {
        check_report(c, "data", RND_EXIT_NOTFOUND,
                     "%s: %s (run 'roundsd init' first)", cfg->data,
                     strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        check_report(c, "data", RND_EXIT_FAIL, "%s is not a directory",
                     cfg->data);
        return -1;
    }
    if (access(cfg->data, W_OK | X_OK) != 0) {
        check_report(c, "data", RND_EXIT_FAIL,
                     "%s is not writable by this user (uid %d): run as the "
                     "server's user",
                     cfg->data, (int)getuid());
        return -1;
    }
    check_report(c, "data", 0, "%s exists and is writable", cfg->data);
    return 0;
}

static void check_cert(check_ctx *c, const srv_config *cfg)
{
    char cert[SRV_CONFIG_PATH_MAX], key[SRV_CONFIG_PATH_MAX], text[200];
    srv_config_cert_path(cfg, cert, sizeof cert);
    srv_config_key_path(cfg, key, sizeof key);
    const char *miss = access(cert, F_OK) != 0  ? cert
                       : access(key, F_OK) != 0 ? key
                                                : NULL;
    if (miss) {
        check_report(c, "cert", RND_EXIT_NOTFOUND,
                     "%s does not exist (run 'roundsd init', or set cert "
                     "and key)",
                     miss);
        return;
    }
    mbedtls_x509_crt crt;
    mbedtls_pk_context pk;
    mbedtls_x509_crt_init(&crt);
    mbedtls_pk_init(&pk);
    int raw = mbedtls_x509_crt_parse_file(&crt, cert);
    if (raw) {
        mbedtls_strerror(raw, text, sizeof text);
        check_report(c, "cert", RND_EXIT_FAIL, "%s: %s", cert, text);
    } else if ((raw = mbedtls_pk_parse_keyfile(&pk, key, NULL)) != 0) {
        mbedtls_strerror(raw, text, sizeof text);
        check_report(c, "cert", RND_EXIT_FAIL, "key %s: %s", key, text);
    } else if (!mbedtls_pk_can_do(&pk, MBEDTLS_PK_ECKEY)) {
        check_report(c, "cert", RND_EXIT_FAIL,
                     "key %s is not an EC key (the server offers ECDSA "
                     "ciphersuites only)",
                     key);
    } else if (mbedtls_pk_check_pair(&crt.pk, &pk) != 0) {
        check_report(c, "cert", RND_EXIT_FAIL,
                     "certificate %s and key %s do not match", cert, key);
    } else if (mbedtls_x509_time_is_past(&crt.valid_to)) {
        check_report(c, "cert", RND_EXIT_FAIL,
                     "certificate %s expired on %04d-%02d-%02d", cert,
                     crt.valid_to.year, crt.valid_to.mon, crt.valid_to.day);
    } else {
        char subject[256];
        mbedtls_x509_dn_gets(subject, sizeof subject, &crt.subject);
        check_report(c, "cert", 0,
                     "%s (%s, valid until %04d-%02d-%02d) and key %s match",
                     cert, subject, crt.valid_to.year, crt.valid_to.mon,
                     crt.valid_to.day, key);
    }
    mbedtls_pk_free(&pk);
    mbedtls_x509_crt_free(&crt);
}

/* Opens one store read-only (no migration, beside a running server). */
static int open_ro(const char *path, store **st)
{
    return store_open(path, STORE_RDONLY, st);
}

static void check_stores(check_ctx *c, const srv_config *cfg)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/registry", cfg->data);
    store *st;
    int rc = open_ro(path, &st);
    if (rc)
        check_report(c, "registry",
                     rc == RND_ENOTFOUND ? RND_EXIT_NOTFOUND : cli_exit_for(rc),
                     "%s: %s", path, i18n_tr(rnd_strerror(rc)));
    else
        check_report(c, "registry", 0, "%s opens", path);
    store_close(st);

    snprintf(path, sizeof path, "%s/sites", cfg->data);
    DIR *d = opendir(path);
    if (d == NULL) {
        check_report(c, "sites", 0, "no site yet (%s: %s)", path,
                     strerror(errno));
        return;
    }
    int n = 0, bad = 0;
    char names[1024] = "";
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!srv_name_valid(e->d_name, strlen(e->d_name)))
            continue;
        char sp[4500];
        snprintf(sp, sizeof sp, "%s/%s", path, e->d_name);
        struct stat sst;
        if (stat(sp, &sst) != 0 || !S_ISDIR(sst.st_mode))
            continue;
        rc = open_ro(sp, &st);
        if (rc) {
            check_report(c, "sites", cli_exit_for(rc), "site %s (%s): %s",
                         e->d_name, sp, i18n_tr(rnd_strerror(rc)));
            bad++;
        } else {
            size_t len = strlen(names);
            if (len + strlen(e->d_name) + 3 < sizeof names)
                snprintf(names + len, sizeof names - len, "%s%s", n ? ", " : "",
                         e->d_name);
            n++;
        }
        store_close(st);
    }
    closedir(d);
    if (bad == 0)
        check_report(c, "sites", 0, "%d site store%s open%s%s%s", n,
                     n == 1 ? "" : "s", n ? " (" : "", names, n ? ")" : "");
}

static void check_log(check_ctx *c, const srv_config *cfg)
{
    if (strcmp(cfg->log, "stderr") == 0) {
        check_report(c, "log", 0, "stderr");
        return;
    }
    if (access(cfg->log, F_OK) == 0) {
        if (access(cfg->log, W_OK) != 0)
            check_report(c, "log", RND_EXIT_FAIL, "%s is not writable",
                         cfg->log);
        else
            check_report(c, "log", 0, "%s (appended to)", cfg->log);
        return;
    }
    char dir[SRV_CONFIG_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", cfg->log);
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    if (access(dir, W_OK | X_OK) != 0)
        check_report(c, "log", RND_EXIT_FAIL,
                     "%s cannot be created: %s is not a writable directory",
                     cfg->log, dir);
    else
        check_report(c, "log", 0, "%s (will be created)", cfg->log);
}

static int numeric_key(srv_config_key k)
{
    return k == SRV_CFG_MAX_FRAME || k == SRV_CFG_MAX_CONNS ||
           k == SRV_CFG_IDLE_TIMEOUT || k == SRV_CFG_HANDSHAKE_TIMEOUT ||
           k == SRV_CFG_RETENTION_DAYS || k == SRV_CFG_SKEW_LIMIT_MIN ||
           k == SRV_CFG_MAX_CONNS_PER_DEVICE ||
           k == SRV_CFG_WEB_SESSION_IDLE_MIN || k == SRV_CFG_GROUP_REFRESH_S;
}

static void source_text(srv_config_src src, int line, char *out, size_t cap)
{
    if (src == SRV_CFG_FILE)
        snprintf(out, cap, "file:%d", line);
    else
        snprintf(out, cap, "%s", srv_config_src_name(src));
}

static void print_config_json(const srv_config *cfg)
{
    char v[SRV_CONFIG_PATH_MAX + 64];
    printf("\"file\":");
    if (cfg->file[0])
        cli_json_str(cfg->file);
    else
        printf("null");
    printf(",\"config\":{");
    for (int k = 0; k < SRV_CFG_NKEYS; k++) {
        srv_config_value(cfg, (srv_config_key)k, v, sizeof v);
        printf("%s\"%s\":{\"value\":", k ? "," : "", srv_config_keys[k].name);
        if (numeric_key((srv_config_key)k))
            printf("%s", v);
        else
            cli_json_str(v);
        printf(",\"source\":\"%s\"", srv_config_src_name(cfg->src[k]));
        if (cfg->src[k] == SRV_CFG_FILE)
            printf(",\"line\":%d", cfg->line[k]);
        printf("}");
    }
    for (int i = 0; i < cfg->nsite_days; i++) {
        const srv_config_site_days *d = &cfg->site_days[i];
        printf(",\"retention_days.%s\":{\"value\":%" PRIu32
               ",\"source\":\"%s\"",
               d->site, d->days, srv_config_src_name(d->src));
        if (d->src == SRV_CFG_FILE)
            printf(",\"line\":%d", d->line);
        printf("}");
    }
    printf("}");
}

static void print_config_text(const srv_config *cfg)
{
    char v[SRV_CONFIG_PATH_MAX + 64], src[32];
    printf("configuration file: %s\n\n",
           cfg->file[0] ? cfg->file : "none (defaults)");
    printf("  %-22s %-40s %s\n", "KEY", "VALUE", "FROM");
    for (int k = 0; k < SRV_CFG_NKEYS; k++) {
        srv_config_value(cfg, (srv_config_key)k, v, sizeof v);
        source_text(cfg->src[k], cfg->line[k], src, sizeof src);
        printf("  %-22s %-40s %s\n", srv_config_keys[k].name, v, src);
    }
    for (int i = 0; i < cfg->nsite_days; i++) {
        const srv_config_site_days *d = &cfg->site_days[i];
        char key[96];
        snprintf(key, sizeof key, "retention_days.%s", d->site);
        snprintf(v, sizeof v, "%" PRIu32, d->days);
        source_text(d->src, d->line, src, sizeof src);
        printf("  %-22s %-40s %s\n", key, v, src);
    }
    printf("\nchecks:\n");
}

static int cmd_check_config(void)
{
    const srv_config *cfg = cli_config();
    check_ctx c = {.json = cli_flag("json") != NULL};
    if (c.json) {
        printf("{");
        print_config_json(cfg);
        printf(",\"checks\":[");
    } else {
        print_config_text(cfg);
    }
    check_listen(&c, cfg);
    if (check_data(&c, cfg) == 0) {
        check_cert(&c, cfg);
        check_stores(&c, cfg);
    } else {
        check_cert(&c, cfg); /* the certificate may live elsewhere */
    }
    check_web(&c, cfg);
    check_pg(&c, cfg);
    check_log(&c, cfg);
    if (c.json)
        printf("],\"ok\":%s}\n", c.first ? "false" : "true");
    else
        printf("\n%s\n", c.first ? "configuration has problems (see FAIL "
                                   "above)"
                                 : "configuration is good");
    return c.first;
}

/* ---- stats -------------------------------------------------------------- */

/* 1 when the pid that wrote the stats still runs (and said so). */
static int serving(const srv_stats_snap *s)
{
    if (!s->running || s->pid <= 0)
        return 0;
    return kill((pid_t)s->pid, 0) == 0 || errno == EPERM;
}

static void fmt_us(uint64_t us, char *out, size_t cap)
{
    if (us < 1000)
        snprintf(out, cap, "%" PRIu64 " us", us);
    else if (us < 1000000)
        snprintf(out, cap, "%.1f ms", us / 1000.0);
    else
        snprintf(out, cap, "%.2f s", us / 1e6);
}

static int cmd_stats(void)
{
    if (cli_flag("json") && cli_flag("prometheus"))
        return cli_usage(_("--json and --prometheus: choose one"));
    char path[4200], err[4400];
    snprintf(path, sizeof path, "%s/%s", cli_data_dir(), SRV_STATS_FILE);
    srv_stats_snap s;
    int rc = srv_stats_read_file(path, &s, err, sizeof err);
    if (rc == RND_ENOTFOUND)
        return cli_fail(rc,
                        _("no stats in %s: 'roundsd serve' writes %s every %d "
                          "s (is it running on this data directory?)"),
                        cli_data_dir(), SRV_STATS_FILE,
                        SRV_STATS_INTERVAL_MS / 1000);
    if (rc)
        return cli_fail(rc, "%s", err);
    int on = serving(&s);
    if (cli_flag("json")) {
        srv_stats_print_json(&s, on, stdout);
        return RND_EXIT_OK;
    }
    if (cli_flag("prometheus")) {
        srv_stats_print_prometheus(&s, on, stdout);
        return RND_EXIT_OK;
    }
    char when[32], p50[32], p99[32], max[32];
    cli_fmt_time(s.written_ms, when, sizeof when);
    int64_t up = (s.written_ms - s.started_ms) / 1000;
    printf("roundsd stats from %s, written %s by pid %" PRId64 " (%s)\n", path,
           when, s.pid,
           on          ? "serving"
           : s.running ? "not running: it stopped without a last write"
                       : "stopped cleanly");
    printf("  uptime        %" PRId64 "h%02" PRId64 "m%02" PRId64 "s\n",
           up / 3600, up / 60 % 60, up % 60);
    printf("  connections   accepted %" PRIu64 ", open %" PRIu64
           ", refused busy %" PRIu64 ", upload waits %" PRIu64 "\n",
           s.conns_accepted, s.conns_open, s.conns_refused_busy,
           s.upload_waits);
    printf("  syncs         ok %" PRIu64 ", failed %" PRIu64 "\n", s.syncs_ok,
           s.syncs_failed);
    printf("  ops           in %" PRIu64 ", out %" PRIu64 "\n", s.ops_in,
           s.ops_out);
    printf("  bytes         in %" PRIu64 ", out %" PRIu64 "\n", s.bytes_in,
           s.bytes_out);
    printf("  errors       ");
    int n = 0;
    for (int i = 0; i < SRV_STATS_NERR; i++)
        if (s.errors[i])
            printf("%s %s %" PRIu64, n++ ? "," : "",
                   rnd_errname(RND_ERROR_BASE_ + 1 + i), s.errors[i]);
    printf("%s\n", n ? "" : " none");
    fmt_us(s.commit_p50_us, p50, sizeof p50);
    fmt_us(s.commit_p99_us, p99, sizeof p99);
    fmt_us(s.commit_max_us, max, sizeof max);
    printf("  commits       %" PRIu64 "; latency p50 %s, p99 %s (last %d), "
           "max %s\n",
           s.commits, p50, p99, SRV_STATS_WINDOW, max);
    if (s.ship_enabled) {
        printf(_("  postgresql    %s; shipped %" PRIu64 " ops, %" PRIu64
                 " records in %" PRIu64 " transactions\n"),
               s.ship_connected ? _("connected") : _("not connected"),
               s.ship_ops, s.ship_records, s.ship_txns);
        if (s.ship_positions_known)
            printf(_("  ship lag      %" PRIu64 " ops behind, %.1f s\n"),
                   s.ship_behind, s.ship_lag_ms / 1000.0);
        else
            printf(_("  ship lag      unknown until PostgreSQL answers\n"));
        if (s.ship_last_error[0]) {
            char at[32];
            cli_fmt_time(s.ship_last_error_ms, at, sizeof at);
            printf(_("  ship errors   %" PRIu64 "; last at %s: %s\n"),
                   s.ship_errors, at, s.ship_last_error);
        }
    }
    if (s.group_enabled) {
        char last[32];
        if (s.group_last_ms > 0)
            cli_fmt_time(s.group_last_ms, last, sizeof last);
        else
            snprintf(last, sizeof last, "%s", _("none yet"));
        printf(_("  group         %s; %" PRIu64 " site refreshes, %" PRIu64
                 " rows; last %s\n"),
               s.group_connected ? _("connected") : _("not connected"),
               s.group_refreshes, s.group_rows, last);
        if (s.group_last_error[0]) {
            char at[32];
            cli_fmt_time(s.group_last_error_ms, at, sizeof at);
            printf(_("  group errors  %" PRIu64 "; last at %s: %s\n"),
                   s.group_errors, at, s.group_last_error);
        }
    }
    return RND_EXIT_OK;
}

/* ---- migrate ------------------------------------------------------------ */

typedef struct migrate_ctx {
    int json;
    int n, migrated, failed;
    int first_ex;
} migrate_ctx;

/* Opens one store writable, which migrates an older format, and says
 * what it was and is. */
static void migrate_one(migrate_ctx *m, const char *what, const char *path)
{
    store *st = NULL;
    int before = 0, after = 0, from = 0;
    /* The read-only open tells the format as it is on disk. */
    int rc = store_open(path, STORE_RDONLY, &st);
    if (rc == 0) {
        before = store_format(st);
        store_close(st);
        rc = store_open_migrate(path, 0, &st, &from);
    }
    if (rc == 0)
        after = store_format(st);
    if (from)
        before = from;
    store_close(st);
    if (rc) {
        m->failed++;
        if (m->first_ex == 0)
            m->first_ex = cli_exit_for(rc);
    } else if (before != after) {
        m->migrated++;
    }
    if (m->json) {
        printf("%s{\"store\":", m->n ? "," : "");
        cli_json_str(what);
        printf(",\"path\":");
        cli_json_str(path);
        if (rc) {
            printf(",\"ok\":false,\"error\":\"%s\",\"message\":",
                   rnd_errname(rc));
            cli_json_str(i18n_tr(rnd_strerror(rc)));
            printf("}");
        } else {
            printf(",\"ok\":true,\"format_before\":%d,\"format_after\":%d,"
                   "\"migrated\":%s}",
                   before, after, before != after ? "true" : "false");
        }
    } else if (rc) {
        printf("  %-20s FAILED: %s (%s)\n", what, i18n_tr(rnd_strerror(rc)),
               rnd_errname(rc));
    } else if (before != after) {
        printf("  %-20s format %d -> %d (migrated)\n", what, before, after);
    } else {
        printf("  %-20s format %d (current)\n", what, after);
    }
    m->n++;
}

static int cmd_migrate(void)
{
    const char *data = cli_data_dir();
    char path[4200], err[4400];
    snprintf(path, sizeof path, "%s/registry", data);
    struct stat st;
    if (stat(path, &st) != 0)
        return cli_fail(RND_ENOTFOUND,
                        _("no server data in %s: run 'roundsd init --data %s' "
                          "first"),
                        data, data);
    /* The data directory's lock (datadir.h): serve holds it while it
     * runs; held here until migrate exits, so no serve starts meanwhile. */
    if (srv_datadir_lock(data, "migrate", NULL, err, sizeof err) != 0)
        return cli_fail(RND_EEXIST, "%s", err);
    /* LMDB lets a second process write beside serve (its lock serialises
     * the writers), so LMDB's lock cannot tell that serve runs; a serve
     * older than the data directory's lock leaves the stats file it keeps
     * (pid, running). */
    char sp[4200];
    snprintf(sp, sizeof sp, "%s/%s", data, SRV_STATS_FILE);
    srv_stats_snap s;
    if (srv_stats_read_file(sp, &s, err, sizeof err) == 0 && serving(&s))
        return cli_fail(RND_EEXIST,
                        "roundsd serve (pid %" PRId64 ") is running on %s: "
                        "stop it first (it migrates what it opens itself)",
                        s.pid, data);
    migrate_ctx m = {.json = cli_flag("json") != NULL};
    if (m.json)
        printf("{\"stores\":[");
    else
        printf("migrating %s to store format %d\n", data, STORE_FORMAT_VERSION);
    migrate_one(&m, "registry", path);
    snprintf(sp, sizeof sp, "%s/sites", data);
    /* Sorted, so the output is stable: site names are few. */
    struct dirent **list = NULL;
    int nl = scandir(sp, &list, NULL, alphasort);
    for (int i = 0; i < nl; i++) {
        const char *name = list[i]->d_name;
        char p[4500], what[300];
        snprintf(p, sizeof p, "%s/%s", sp, name);
        struct stat sst;
        if (srv_name_valid(name, strlen(name)) && stat(p, &sst) == 0 &&
            S_ISDIR(sst.st_mode)) {
            snprintf(what, sizeof what, "site %s", name);
            migrate_one(&m, what, p);
        }
        free(list[i]);
    }
    free(list);
    if (m.json)
        printf("],\"migrated\":%d,\"failed\":%d,\"format\":%d}\n", m.migrated,
               m.failed, STORE_FORMAT_VERSION);
    else
        printf("%d store%s, %d migrated, %d failed\n", m.n, m.n == 1 ? "" : "s",
               m.migrated, m.failed);
    return m.first_ex;
}

/* ---- the table ---------------------------------------------------------- */

static const cli_flag_spec check_flags[] = {
    CLI_DATA_FLAG,
    {"listen", "HOST:PORT", "as serve's (default " SRV_LISTEN_DEFAULT ")"},
    {"cert", "PEM", N_("TLS certificate (default DATA/server.crt)")},
    {"key", "PEM", N_("its private key (default DATA/server.key)")},
    {"max-frame", "BYTES", N_("as serve's (default 1048576)")},
    {"max-conns", "N", N_("as serve's (default 2000)")},
    {"idle-timeout", "SEC", N_("as serve's (default 60)")},
    {"handshake-timeout", "SEC", N_("as serve's (default 10)")},
    {"hello-timeout-ms", "MS", N_("as serve's (default 5000)")},
    {"hello-pool", "N", N_("as serve's (default 256)")},
    {"hello-per-addr", "N", N_("as serve's (default 16)")},
    {"retention-days", "N[,SITE=N]", N_("ID-number retention (default 180)")},
    {"overstay", "DUR", N_("default of 'report inside --overstay' (4h)")},
    {"skew-limit-min", "MIN", N_("default of 'devices --skew-limit-min' (5)")},
    {"max-clock-offset-min", "MIN", N_("as serve's (default 5)")},
    {"log", "FILE", N_("serve's log (default stderr)")},
    {"web-listen", "HOST:PORT", N_("as serve's (default: no dashboard)")},
    {"web-cert", "PEM", N_("as serve's (default: the server's cert)")},
    {"web-key", "PEM", N_("as serve's (default: the server's key)")},
    {"web-session-idle-min", "MIN", N_("as serve's (default 30)")},
    {"pg-dsn", "DSN",
     N_("as serve's: PostgreSQL to ship to (checked: it answers, its "
        "schema)")},
    {"json", NULL, N_("one JSON object: config, checks, ok")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};
static const cli_flag_spec migrate_flags[] = {
    CLI_DATA_FLAG,
    {"json", NULL, N_("one JSON object: stores (before/after), counts")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};
static const cli_flag_spec stats_flags[] = {
    CLI_DATA_FLAG,
    {"json", NULL, N_("the stats as one JSON object")},
    {"prometheus", NULL, N_("Prometheus text exposition format")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};

/* clang-format off */
const cli_command cli_ops_commands[] = {
    {"check-config", N_("check the configuration and what serve needs; print "
                     "the effective one"),
     "roundsd check-config [--config FILE] [--data DIR] [--json] "
     "[any flag of serve]\n\n"
     "Prints every key with its value and where it came from (default,\n"
     "file:LINE, env, flag), then checks: listen is an address, the data\n"
     "directory exists and is writable, cert and key are readable, match\n"
     "and have not expired, the registry and every site store open, the\n"
     "dashboard's address, certificate and key (with web_listen), the log\n"
     "can be written. Exit 0 good, 2 bad file or flag, 3 something missing,\n"
     "5 a store does not open, 1 another failed check.",
     check_flags, cmd_check_config, 0},
    {"migrate", N_("bring the registry and every site store to the current "
                "format"),
     "roundsd migrate [--config FILE] [--data DIR] [--json]\n\n"
     "Opens each store writable, which migrates an older format in one\n"
     "durable transaction (all or nothing per store), and prints its format\n"
     "before and after. Refused (exit 4) while roundsd serve runs on the\n"
     "data directory. Back up first (docs/OPERATIONS.md, \"Upgrade\").",
     migrate_flags, cmd_migrate, 0},
    {"stats", N_("what serve counts: connections, syncs, ops, errors, commit "
              "latency"),
     "roundsd stats [--config FILE] [--data DIR] [--json | --prometheus]\n\n"
     "Reads DATA/stats.json, which roundsd serve writes every 5 s and at\n"
     "exit (counters since its start).",
     stats_flags, cmd_stats, 0},
    {NULL, NULL, NULL, NULL, NULL, 0}};
/* clang-format on */
