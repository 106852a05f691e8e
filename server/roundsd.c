/* roundsd.c: the `roundsd` command line: init, enroll, revoke, devices,
 * dump and serve, a thin shell over rnd_server.
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

#include <mbedtls/sha256.h>

#include "../storage/fold.h"
#include "cert.h"
#include "dump.h"
#include "registry.h"
#include "server.h"
#include "site.h"

enum exit_code {
    EXIT_OK = 0,
    EXIT_FAIL = 1,
    EXIT_USAGE = 2,
    EXIT_NOTFOUND = 3,
    EXIT_REFUSED = 4,
    EXIT_STORAGE = 5,
};

static int exit_for(int rc)
{
    switch (rc) {
    case 0:
        return EXIT_OK;
    case RND_EINVAL:
        return EXIT_USAGE;
    case RND_ENOTFOUND:
    case RND_ENOTINIT:
        return EXIT_NOTFOUND;
    case RND_EEXIST:
        return EXIT_REFUSED;
    case RND_ESTORE:
    case RND_EMAPFULL:
    case RND_EDISKFULL:
    case RND_ECORRUPT:
    case RND_ESTOREVER:
    case RND_ELOCKED:
    case RND_EIO:
        return EXIT_STORAGE;
    default:
        return EXIT_FAIL;
    }
}

/* ---- flags -------------------------------------------------------------- */

#define MAX_FLAGS 16

typedef struct flag_spec {
    const char *name;
    const char *meta; /* the value's placeholder; NULL: takes no value */
    const char *help;
} flag_spec;

typedef struct command {
    const char *name;
    const char *summary;
    const char *usage;
    const flag_spec *flags;
    int (*run)(void);
} command;

static struct {
    const command *cmd;
    const char *values[MAX_FLAGS]; /* by index in cmd->flags */
    int set[MAX_FLAGS];
} args;

static const char *flag(const char *name)
{
    for (int i = 0; args.cmd->flags[i].name; i++)
        if (strcmp(args.cmd->flags[i].name, name) == 0)
            return args.set[i] ? (args.values[i] ? args.values[i] : "") : NULL;
    return NULL;
}

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "roundsd %s: ", args.cmd ? args.cmd->name : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'roundsd %s --help')\n",
            args.cmd ? args.cmd->name : "");
    return EXIT_USAGE;
}

static int fail(int rc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(int rc, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "roundsd %s: ", args.cmd->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return exit_for(rc);
}

static const char *data_dir(void)
{
    const char *d = flag("data");
    if (d && *d)
        return d;
    d = getenv("ROUNDSD_DATA");
    return d && *d ? d : "./roundsd-data";
}

static int parse_u32(const char *fl, uint32_t lo, uint32_t hi, uint32_t *out)
{
    const char *v = flag(fl);
    if (v == NULL)
        return 0;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno || *v == '-' || x < lo || x > hi)
        return usage_error("--%s %s: expected a whole number from %" PRIu32
                           " to %" PRIu32,
                           fl, v, lo, hi);
    *out = (uint32_t)x;
    return 0;
}

static int need_name(const char *fl)
{
    const char *v = flag(fl);
    if (v == NULL || *v == '\0')
        return usage_error("--%s NAME is required", fl);
    if (!srv_name_valid(v, strlen(v)))
        return usage_error("--%s %s: a name is 1 to %d characters of "
                           "A-Z a-z 0-9 _ . - (not . or ..)",
                           fl, v, SRV_NAME_MAX);
    return 0;
}

/* ---- output helpers ----------------------------------------------------- */

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void fmt_time(int64_t ms, char *out, size_t cap)
{
    if (ms <= 0) {
        snprintf(out, cap, "-");
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void hex_of(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int open_registry(srv_registry **r)
{
    int rc = srv_registry_open(data_dir(), 0, r);
    if (rc == RND_ENOTFOUND)
        return fail(rc,
                    "no server data in %s: run 'roundsd init --data %s' "
                    "first",
                    data_dir(), data_dir());
    if (rc)
        return fail(rc, "cannot open the registry in %s: %s", data_dir(),
                    rnd_strerror(rc));
    return 0;
}

/* ---- init --------------------------------------------------------------- */

static int mkdir_p(const char *dir)
{
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path)
        return ENAMETOOLONG;
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char c = path[i];
        path[i] = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return errno;
        path[i] = c;
    }
    return 0;
}

static int cmd_init(void)
{
    const char *dir = data_dir(), *cert_in = flag("cert"),
               *key_in = flag("key");
    if ((cert_in == NULL) != (key_in == NULL))
        return usage_error("--cert and --key go together");
    char key[4200], crt[4200], err[4500];
    snprintf(key, sizeof key, "%s/server.key", dir);
    snprintf(crt, sizeof crt, "%s/server.crt", dir);
    struct stat st;
    if (stat(key, &st) == 0 || stat(crt, &st) == 0)
        return fail(RND_EEXIST,
                    "%s is already initialised (%s exists); nothing done", dir,
                    stat(key, &st) == 0 ? key : crt);
    int e = mkdir_p(dir);
    if (e)
        return fail(RND_EIO, "cannot create %s: %s", dir, strerror(e));
    int rc = cert_in
                 ? srv_cert_import(cert_in, key_in, crt, key, err, sizeof err)
                 : srv_cert_generate(key, crt, err, sizeof err);
    if (rc)
        return fail(rc, "%s", err);
    srv_registry *r;
    rc = srv_registry_open(dir, 1, &r);
    if (rc)
        return fail(rc, "cannot create the registry in %s: %s", dir,
                    rnd_strerror(rc));
    srv_registry_close(r);
    char sites[4200];
    snprintf(sites, sizeof sites, "%s/sites", dir);
    mkdir(sites, 0700);
    printf("initialised %s\n  certificate %s (%s)\n  key         %s "
           "(mode 0600)\n",
           dir, crt, cert_in ? "imported" : "self-signed, CN=roundsd", key);
    return EXIT_OK;
}

/* ---- enroll / revoke ---------------------------------------------------- */

static int cmd_enroll(void)
{
    int ex = need_name("site");
    if (ex == 0)
        ex = need_name("device");
    if (ex)
        return ex;
    const char *site = flag("site"), *name = flag("device");
    srv_registry *r;
    if ((ex = open_registry(&r)) != 0)
        return ex;
    char cred[SRV_CRED_LEN + 1];
    int rc = srv_registry_enroll(r, site, name, now_ms(), cred);
    srv_registry_close(r);
    if (rc == RND_EEXIST)
        return fail(rc,
                    "%s/%s is already enrolled and not revoked; revoke it "
                    "first ('roundsd revoke --site %s --device %s') to "
                    "enroll it again",
                    site, name, site, name);
    if (rc)
        return fail(rc, "cannot enroll %s/%s: %s", site, name,
                    rnd_strerror(rc));
    /* The site's store, with its office writer, exists from now on. */
    store *st;
    rc = srv_site_open(data_dir(), site, STORE_CREATE, &st, NULL);
    if (rc)
        return fail(rc,
                    "enrolled, but cannot create the store of site %s: "
                    "%s",
                    site, rnd_strerror(rc));
    store_close(st);
    char crt[4200], abs[PATH_MAX];
    snprintf(crt, sizeof crt, "%s/server.crt", data_dir());
    const char *cert = realpath(crt, abs) ? abs : crt;
    if (flag("json")) {
        printf("{\"site\":");
        json_str(site);
        printf(",\"device\":");
        json_str(name);
        printf(",\"credential\":");
        json_str(cred);
        printf(",\"cert\":");
        json_str(cert);
        printf("}\n");
    } else {
        printf("%s\n", cred);
        fprintf(stderr,
                "enrolled %s/%s; the credential above is shown once. On "
                "the handheld (initialised with site %s, name %s):\n"
                "  rounds enroll --server HOST:PORT --cert %s "
                "--credential %s\n",
                site, name, site, name, cert, cred);
    }
    return EXIT_OK;
}

static int cmd_revoke(void)
{
    int ex = need_name("site");
    if (ex == 0)
        ex = need_name("device");
    if (ex)
        return ex;
    const char *site = flag("site"), *name = flag("device");
    srv_registry *r;
    if ((ex = open_registry(&r)) != 0)
        return ex;
    int was = 0;
    int rc = srv_registry_revoke(r, site, name, &was);
    srv_registry_close(r);
    if (rc == RND_ENOTFOUND)
        return fail(rc, "no device %s/%s is enrolled", site, name);
    if (rc)
        return fail(rc, "cannot revoke %s/%s: %s", site, name,
                    rnd_strerror(rc));
    printf("%s %s/%s\n", was ? "already revoked:" : "revoked", site, name);
    return EXIT_OK;
}

/* ---- devices ------------------------------------------------------------ */

typedef struct list_ctx {
    int json;
    int n;
} list_ctx;

/* The highest seq of the device the site's store holds right now (the
 * registry's copy is from the device's last sync). */
static uint64_t live_held(const srv_device *d)
{
    uint64_t held = d->held_seq;
    if (d->device_id == 0)
        return held;
    store *st;
    if (srv_site_open(data_dir(), d->site, STORE_RDONLY, &st, NULL) != 0)
        return held;
    store_txn *txn;
    if (store_read_begin(st, &txn) == 0) {
        uint64_t v;
        if (store_device_max_seq(txn, d->device_id, &v) == 0)
            held = v;
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
    fmt_time(d->enrolled_ms, enr, sizeof enr);
    fmt_time(d->last_sync_ms, last, sizeof last);
    uint64_t held = live_held(d);
    if (c->json) {
        printf("%s{\"site\":", c->n ? "," : "");
        json_str(d->site);
        printf(",\"device\":");
        json_str(d->name);
        printf(",\"device_id\":\"%s\",\"enrolled_ms\":%" PRId64
               ",\"last_sync_ms\":%" PRId64 ",\"held_seq\":%" PRIu64
               ",\"last_ops_in\":%" PRIu64 ",\"last_ops_out\":%" PRIu64
               ",\"last_skew_ms\":%" PRId64 ",\"revoked\":%s}",
               d->device_id ? id : "", d->enrolled_ms, d->last_sync_ms, held,
               d->last_ops_in, d->last_ops_out, d->last_skew_ms,
               d->revoked ? "true" : "false");
    } else {
        if (c->n == 0)
            printf("%-16s %-16s %-16s %-20s %-20s %8s %7s %7s %10s %s\n",
                   "SITE", "DEVICE", "ID", "ENROLLED", "LAST SYNC", "HELD",
                   "IN", "OUT", "SKEW MS", "REVOKED");
        char skew[24];
        if (d->last_sync_ms || d->last_skew_ms)
            snprintf(skew, sizeof skew, "%" PRId64, d->last_skew_ms);
        else
            snprintf(skew, sizeof skew, "-");
        printf("%-16s %-16s %-16s %-20s %-20s %8" PRIu64 " %7" PRIu64
               " %7" PRIu64 " %10s %s\n",
               d->site, d->name, id, enr, last, held, d->last_ops_in,
               d->last_ops_out, skew, d->revoked ? "yes" : "no");
    }
    c->n++;
    return 0;
}

static int cmd_devices(void)
{
    const char *site = flag("site");
    if (site) {
        int ex = need_name("site");
        if (ex)
            return ex;
    }
    srv_registry *r;
    int ex = open_registry(&r);
    if (ex)
        return ex;
    list_ctx c = {.json = flag("json") != NULL};
    if (c.json)
        printf("[");
    int rc = srv_registry_each(r, site, list_cb, &c);
    srv_registry_close(r);
    if (c.json)
        printf("]\n");
    else if (rc == 0 && c.n == 0)
        printf("no devices enrolled%s%s\n", site ? " for site " : "",
               site ? site : "");
    if (rc)
        return fail(rc, "cannot read the registry: %s", rnd_strerror(rc));
    return EXIT_OK;
}

/* ---- dump --------------------------------------------------------------- */

typedef struct dump_ctx {
    int json;
    uint64_t n;
} dump_ctx;

static int dump_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                   const uint8_t *state, size_t len, void *vctx)
{
    static fold_state fs; /* large: not on the stack */
    dump_ctx *c = vctx;
    uint8_t sha[32];
    char idhex[33], shahex[65], kbuf[8];
    if (mbedtls_sha256_ret(state, len, sha, 0) != 0)
        return RND_ECRYPTO;
    hex_of(id, PROTO_ENTITY_LEN, idhex);
    hex_of(sha, sizeof sha, shahex);
    const char *kname = proto_kind_name(kind), *status = "-";
    if (kname == NULL) {
        snprintf(kbuf, sizeof kbuf, "%d", kind);
        kname = kbuf;
    }
    if (fold_state_parse(state, len, &fs) == 0 && fs.status[0])
        status = fs.status;
    if (c->json)
        printf("%s{\"id\":\"%s\",\"kind\":\"%s\",\"status\":\"%s\","
               "\"sha256\":\"%s\"}",
               c->n ? "," : "", idhex, kname, status, shahex);
    else
        printf("%s %s %s %s\n", idhex, kname, status, shahex);
    c->n++;
    return 0;
}

static int cmd_dump(void)
{
    int ex = need_name("site");
    if (ex)
        return ex;
    const char *site = flag("site");
    store *st;
    int rc = srv_site_open(data_dir(), site, STORE_RDONLY, &st, NULL);
    if (rc == RND_ENOTFOUND)
        return fail(rc, "no site %s in %s", site, data_dir());
    if (rc)
        return fail(rc, "cannot open site %s: %s", site, rnd_strerror(rc));
    dump_ctx c = {.json = flag("json") != NULL};
    uint8_t digest[32];
    uint64_t n = 0, ops = 0;
    if (c.json)
        printf("{\"entities\":[");
    rc = srv_dump(st, dump_cb, &c, digest, &n, &ops);
    store_close(st);
    if (rc) {
        if (c.json)
            printf("]}\n");
        return fail(rc, "cannot read site %s: %s", site, rnd_strerror(rc));
    }
    char hex[65];
    hex_of(digest, sizeof digest, hex);
    if (c.json) {
        printf("],\"count\":%" PRIu64 ",\"digest\":\"%s\"", n, hex);
        if (flag("ops"))
            printf(",\"ops\":%" PRIu64, ops);
        printf("}\n");
    } else {
        if (flag("ops"))
            printf("ops %" PRIu64 "\n", ops);
        printf("digest %s\n", hex);
    }
    return EXIT_OK;
}

/* ---- serve -------------------------------------------------------------- */

static int cmd_serve(void)
{
    srv_server_config cfg = {.data_dir = data_dir(), .listen = flag("listen")};
    int ex;
    if ((ex = parse_u32("max-frame", SRV_MAX_FRAME_MIN, 64u << 20,
                        &cfg.max_frame)) ||
        (ex = parse_u32("max-conns", 1, 1000000, &cfg.max_conns)) ||
        (ex = parse_u32("idle-timeout", 1, 86400, &cfg.idle_timeout_s)) ||
        (ex =
             parse_u32("handshake-timeout", 1, 3600, &cfg.handshake_timeout_s)))
        return ex;
    if (cfg.listen) {
        char host[256];
        int port;
        if (srv_parse_hostport(cfg.listen, host, sizeof host, &port) != 0)
            return usage_error("--listen %s: expected HOST:PORT, e.g. "
                               "127.0.0.1:7443 or [::1]:7443",
                               cfg.listen);
    }
    int rc = srv_server_run(&cfg);
    return exit_for(rc);
}

/* ---- the table of commands ---------------------------------------------- */

/* clang-format off */
#define DATA_FLAG {"data", "DIR", "data directory ($ROUNDSD_DATA, else " \
                                  "./roundsd-data)"}
#define HELP_FLAG {"help", NULL, "this help"}
/* clang-format on */

static const flag_spec init_flags[] = {
    DATA_FLAG,
    {"cert", "PEM", "use this certificate instead of generating one"},
    {"key", "PEM", "its EC private key (with --cert)"},
    HELP_FLAG,
    {NULL, NULL, NULL}};
static const flag_spec enroll_flags[] = {
    DATA_FLAG,
    {"site", "NAME", "the device's site (required)"},
    {"device", "NAME", "the device's name (required)"},
    {"json", NULL, "print {site, device, credential, cert} as JSON"},
    HELP_FLAG,
    {NULL, NULL, NULL}};
static const flag_spec revoke_flags[] = {
    DATA_FLAG,
    {"site", "NAME", "the device's site (required)"},
    {"device", "NAME", "the device's name (required)"},
    HELP_FLAG,
    {NULL, NULL, NULL}};
static const flag_spec devices_flags[] = {DATA_FLAG,
                                          {"site", "NAME", "only this site"},
                                          {"json", NULL, "a JSON array"},
                                          HELP_FLAG,
                                          {NULL, NULL, NULL}};
static const flag_spec dump_flags[] = {
    DATA_FLAG,
    {"site", "NAME", "the site (required)"},
    {"ops", NULL, "also print the number of ops"},
    {"json", NULL, "one JSON object"},
    HELP_FLAG,
    {NULL, NULL, NULL}};
static const flag_spec serve_flags[] = {
    DATA_FLAG,
    {"listen", "HOST:PORT",
     "default " SRV_LISTEN_DEFAULT "; port 0: any free one"},
    {"max-frame", "BYTES", "largest frame accepted (default 1048576)"},
    {"max-conns", "N", "sessions at once (default 2000); more get EBUSY"},
    {"idle-timeout", "SEC", "close a connection idle this long (default 60)"},
    {"handshake-timeout", "SEC", "limit on the TLS handshake (default 10)"},
    HELP_FLAG,
    {NULL, NULL, NULL}};

static const command commands[] = {
    {"init", "make the data directory, a key and a self-signed certificate",
     "roundsd init [--data DIR] [--cert PEM --key PEM]", init_flags, cmd_init},
    {"enroll", "enroll a handheld and print its one-time credential",
     "roundsd enroll --site S --device NAME [--data DIR] [--json]",
     enroll_flags, cmd_enroll},
    {"revoke", "revoke a handheld: it can no longer sync",
     "roundsd revoke --site S --device NAME [--data DIR]", revoke_flags,
     cmd_revoke},
    {"devices", "list enrolled handhelds and their last sync",
     "roundsd devices [--site S] [--data DIR] [--json]", devices_flags,
     cmd_devices},
    {"dump", "print a site's merged records and their digest",
     "roundsd dump --site S [--ops] [--json] [--data DIR]", dump_flags,
     cmd_dump},
    {"serve", "run the TLS sync server",
     "roundsd serve [--data DIR] [--listen HOST:PORT] [--max-frame BYTES]\n"
     "              [--max-conns N] [--idle-timeout SEC] "
     "[--handshake-timeout SEC]",
     serve_flags, cmd_serve},
    {NULL, NULL, NULL, NULL, NULL}};

static void main_help(FILE *f)
{
    fprintf(f, "roundsd: the Rounds sync server\n\nusage: roundsd COMMAND "
               "[flags]   (roundsd COMMAND --help for its flags)\n\n");
    for (const command *c = commands; c->name; c++)
        fprintf(f, "  %-8s %s\n", c->name, c->summary);
    fprintf(f, "\nThe data directory is --data DIR, else $ROUNDSD_DATA, "
               "else ./roundsd-data.\n"
               "Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 "
               "refused or already exists,\n5 storage error.\n");
}

static void cmd_help(const command *c)
{
    printf("%s\n\n%s\n\n", c->summary, c->usage);
    for (const flag_spec *f = c->flags; f->name; f++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", f->name, f->meta ? " " : "",
                 f->meta ? f->meta : "");
        printf("  %-25s %s\n", left, f->help);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        main_help(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
        strcmp(name, "help") == 0) {
        main_help(stdout);
        return EXIT_OK;
    }
    for (const command *c = commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            args.cmd = c;
    if (args.cmd == NULL) {
        fprintf(stderr,
                "roundsd: unknown command '%s' (see 'roundsd "
                "--help')\n",
                name);
        return EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0)
            a = "--help";
        if (strncmp(a, "--", 2) != 0)
            return usage_error("unexpected argument '%s'", a);
        char fname[64];
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (len >= sizeof fname)
            return usage_error("unknown flag %s", a);
        memcpy(fname, a + 2, len);
        fname[len] = '\0';
        int k = -1;
        for (int j = 0; args.cmd->flags[j].name; j++)
            if (strcmp(args.cmd->flags[j].name, fname) == 0)
                k = j;
        if (k < 0)
            return usage_error("unknown flag --%s", fname);
        if (args.cmd->flags[k].meta) {
            if (eq) {
                args.values[k] = eq + 1;
            } else {
                if (i + 1 >= argc)
                    return usage_error("--%s needs a value", fname);
                args.values[k] = argv[++i];
            }
        } else if (eq) {
            return usage_error("--%s takes no value", fname);
        }
        args.set[k] = 1;
    }
    if (flag("help")) {
        cmd_help(args.cmd);
        return EXIT_OK;
    }
    return args.cmd->run();
}
