/* config.c: see config.h. */
#include "config.h"
#include "ship_rows.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../proto/enrollpay.h"
#include "../proto/errors.h"
#include "../report/report.h"
#include "log.h"
#include "server.h"

/* Ranges: the same as the flags of `roundsd serve` had before the file. */
#define MAX_FRAME_MAX (64u << 20)

/* clang-format off */
const srv_config_key_info srv_config_keys[SRV_CFG_NKEYS] = {
    [SRV_CFG_DATA] = {"data", "data", "DIR", "./roundsd-data",
        "data directory: registry, site stores, certificate, stats.json"},
    [SRV_CFG_LISTEN] = {"listen", "listen", "HOST:PORT", SRV_LISTEN_DEFAULT,
        "address to accept handhelds on; port 0: any free one"},
    [SRV_CFG_PUBLIC_ADDRESS] = {"public_address", "public-address",
        "HOST:PORT", "", "the address handhelds reach the server at, put "
        "into enrollment payloads (default: listen, unless it is a "
        "wildcard or port 0)"},
    [SRV_CFG_CERT] = {"cert", "cert", "PEM", "DATA/server.crt",
        "the server's TLS certificate"},
    [SRV_CFG_KEY] = {"key", "key", "PEM", "DATA/server.key",
        "its private key (EC P-256)"},
    [SRV_CFG_MAX_FRAME] = {"max_frame", "max-frame", "BYTES", "1048576",
        "largest frame accepted from a handheld"},
    [SRV_CFG_MAX_CONNS] = {"max_conns", "max-conns", "N", "2000",
        "sessions at once; more get EBUSY"},
    [SRV_CFG_IDLE_TIMEOUT] = {"idle_timeout", "idle-timeout", "SEC", "60",
        "close a connection idle this long"},
    [SRV_CFG_HANDSHAKE_TIMEOUT] = {"handshake_timeout", "handshake-timeout",
        "SEC", "10", "limit on the TLS handshake"},
    [SRV_CFG_HELLO_TIMEOUT_MS] = {"hello_timeout_ms", "hello-timeout-ms",
        "MS", "5000", "a new connection must finish TLS and have its HELLO "
        "accepted within this"},
    [SRV_CFG_HELLO_POOL] = {"hello_pool", "hello-pool", "N", "256",
        "connections at once not yet past HELLO (beside max_conns); when "
        "full the one silent longest goes"},
    [SRV_CFG_HELLO_PER_ADDR] = {"hello_per_addr", "hello-per-addr", "N", "16",
        "of those, from one IPv4 address or IPv6 /64"},
    [SRV_CFG_RETENTION_DAYS] = {"retention_days", "retention-days", "DAYS",
        "180", "keep visitors' ID numbers this many days (per site: "
        "retention_days.SITE; not enforced yet)"},
    [SRV_CFG_OVERSTAY] = {"overstay", "overstay", "DUR", "4h",
        "default of 'roundsd report inside --overstay'"},
    [SRV_CFG_SKEW_LIMIT_MIN] = {"skew_limit_min", "skew-limit-min", "MIN",
        "5", "default of 'roundsd devices --skew-limit-min'"},
    [SRV_CFG_MAX_CLOCK_OFFSET_MIN] = {"max_clock_offset_min",
        "max-clock-offset-min", "MIN", "5", "a pushed stamp past the "
        "server's time plus this does not move the site's clock"},
    [SRV_CFG_LOG] = {"log", "log", "FILE", "stderr",
        "where serve logs: stderr, or a file it appends to (reopened on "
        "SIGHUP)"},
    [SRV_CFG_LOG_LEVEL] = {"log_level", "log-level", "LEVEL", "info",
        "serve's log keeps lines up to: error, warn, info or debug"},
    [SRV_CFG_MAX_CONNS_PER_DEVICE] = {"max_conns_per_device",
        "max-conns-per-device", "N", "2", "sessions at once of one "
        "handheld (one credential); one more gets EBUSY"},
    [SRV_CFG_WEB_LISTEN] = {"web_listen", "web-listen", "HOST:PORT", "",
        "the office dashboard's HTTPS address; empty: no dashboard"},
    [SRV_CFG_WEB_CERT] = {"web_cert", "web-cert", "PEM", "the cert",
        "the dashboard's TLS certificate (default: the server's)"},
    [SRV_CFG_WEB_KEY] = {"web_key", "web-key", "PEM", "the key",
        "its private key (default: the server's)"},
    [SRV_CFG_WEB_SESSION_IDLE_MIN] = {"web_session_idle_min",
        "web-session-idle-min", "MIN", "30", "a dashboard session idle "
        "this long ends (and any after 12 h)"},
    [SRV_CFG_PG_DSN] = {"pg_dsn", "pg-dsn", "DSN", "",
        "PostgreSQL (libpq connection string or URI, e.g. 'host=db "
        "dbname=rounds user=roundsd'): serve ships every site's ops and "
        "records to it, and reads the node directory there; empty: none"},
    [SRV_CFG_NODE_NAME] = {"node_name", "node-name", "NAME", "",
        "this node's name in the node directory (docs/NODES.md); empty: a "
        "single server"},
    [SRV_CFG_GROUP_REFRESH_S] = {"group_refresh_s", "group-refresh-s", "SEC",
        "300", "with pg_dsn: serve writes every site's group report facts "
        "(docs/POSTGRES.md, \"Group reports\") every SEC seconds, and a "
        "site whose ops changed after 30 s; 0: never"},
};
/* clang-format on */

void srv_config_init(srv_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->data, sizeof c->data, "%s", "./roundsd-data");
    snprintf(c->listen, sizeof c->listen, "%s", SRV_LISTEN_DEFAULT);
    c->max_frame = PROTO_FRAME_MAX_DEFAULT;
    c->max_conns = SRV_MAX_CONNS_DEFAULT;
    c->idle_timeout_s = SRV_IDLE_TIMEOUT_DEFAULT;
    c->handshake_timeout_s = SRV_HANDSHAKE_TIMEOUT_DEFAULT;
    c->hello_timeout_ms = SRV_HELLO_TIMEOUT_MS_DEFAULT;
    c->hello_pool = SRV_HELLO_POOL_DEFAULT;
    c->hello_per_addr = SRV_HELLO_PER_ADDR_DEFAULT;
    c->retention_days = SRV_RETENTION_DAYS_DEFAULT;
    c->overstay_ms = SRV_OVERSTAY_DEFAULT_MS;
    c->skew_limit_min = SRV_SKEW_LIMIT_MIN_DEFAULT;
    c->max_clock_offset_min = SRV_MAX_CLOCK_OFFSET_MIN_DEFAULT;
    snprintf(c->log, sizeof c->log, "%s", "stderr");
    snprintf(c->log_level, sizeof c->log_level, "%s", "info");
    c->max_conns_per_device = SRV_MAX_CONNS_PER_DEVICE_DEFAULT;
    c->web_session_idle_min = SRV_WEB_SESSION_IDLE_MIN_DEFAULT;
    c->group_refresh_s = SRV_GROUP_REFRESH_S_DEFAULT;
}

const char *srv_config_src_name(srv_config_src s)
{
    switch (s) {
    case SRV_CFG_FILE:
        return "file";
    case SRV_CFG_ENV:
        return "env";
    case SRV_CFG_FLAG:
        return "flag";
    default:
        return "default";
    }
}

/* Errors name the key as its source spells it: "max_frame = 5" in the
 * file, "--max-frame 5" on the command line. */
static int bad(char *err, size_t errlen, srv_config_src src, const char *key,
               const char *value, const char *want)
{
    if (src == SRV_CFG_FLAG) {
        char flag[128];
        size_t i = 0;
        for (; key[i] && i + 1 < sizeof flag; i++)
            flag[i] = key[i] == '_' ? '-' : key[i];
        flag[i] = '\0';
        /* "--retention-days.S1 x" reads better as "--retention-days S1=x" */
        char *dot = strchr(flag, '.');
        if (dot) {
            *dot = '\0';
            snprintf(err, errlen, "--%s %s=%s: expected %s", flag, dot + 1,
                     value, want);
        } else {
            snprintf(err, errlen, "--%s %s: expected %s", flag, value, want);
        }
    } else {
        snprintf(err, errlen, "%s = %s: expected %s", key, value, want);
    }
    return RND_EINVAL;
}

static int parse_u32(const char *v, uint32_t lo, uint32_t hi, uint32_t *out)
{
    char *end;
    errno = 0;
    if (*v < '0' || *v > '9')
        return RND_EINVAL;
    unsigned long long x = strtoull(v, &end, 10);
    if (*end != '\0' || errno || x < lo || x > hi)
        return RND_EINVAL;
    *out = (uint32_t)x;
    return 0;
}

int srv_config_duration(const char *s, int64_t *out_ms)
{
    /* The same grammar as the report's --overstay. */
    return rpt_duration_parse(s, out_ms);
}

static int set_path(char *dst, size_t cap, srv_config_src src, const char *key,
                    const char *v, char *err, size_t errlen)
{
    if (*v == '\0')
        return bad(err, errlen, src, key, v, "a path (not empty)");
    if (strlen(v) >= cap)
        return bad(err, errlen, src, key, "...",
                   "a path shorter than 1024 bytes");
    snprintf(dst, cap, "%s", v);
    return 0;
}

/* retention_days.SITE = N */
static int set_site_days(srv_config *c, const char *site, const char *v,
                         srv_config_src src, int line, char *err, size_t errlen)
{
    char key[128];
    snprintf(key, sizeof key, "retention_days.%s", site);
    if (!srv_name_valid(site, strlen(site)))
        return bad(err, errlen, src, key, v,
                   "a site name after 'retention_days.' (A-Z a-z 0-9 _ . -)");
    uint32_t days;
    if (parse_u32(v, 1, 36500, &days))
        return bad(err, errlen, src, key, v,
                   "a whole number of days, 1 to 36500");
    srv_config_site_days *d = NULL;
    for (int i = 0; i < c->nsite_days; i++)
        if (strcmp(c->site_days[i].site, site) == 0)
            d = &c->site_days[i];
    if (d && src == SRV_CFG_FILE && d->src == SRV_CFG_FILE) {
        snprintf(err, errlen, "%s: given twice in the file (first on line %d)",
                 key, d->line);
        return RND_EINVAL;
    }
    if (d == NULL) {
        if (c->nsite_days >= SRV_CONFIG_SITES_MAX)
            return bad(err, errlen, src, key, v,
                       "at most 64 sites with their own retention");
        d = &c->site_days[c->nsite_days++];
        snprintf(d->site, sizeof d->site, "%s", site);
    }
    d->days = days;
    d->src = src;
    d->line = line;
    return 0;
}

/* --retention-days N[,SITE=N...]: the default and per-site values. */
static int set_retention_list(srv_config *c, const char *v, srv_config_src src,
                              int line, char *err, size_t errlen)
{
    char buf[SRV_CONFIG_LINE_MAX];
    if (strlen(v) >= sizeof buf)
        return bad(err, errlen, src, "retention_days", "...", "a shorter list");
    snprintf(buf, sizeof buf, "%s", v);
    int rc = 0;
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item && rc == 0;
         item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (eq) {
            *eq = '\0';
            rc = set_site_days(c, item, eq + 1, src, line, err, errlen);
            continue;
        }
        uint32_t days;
        if (parse_u32(item, 1, 36500, &days))
            return bad(err, errlen, src, "retention_days", item,
                       "a whole number of days, 1 to 36500 (or SITE=DAYS)");
        c->retention_days = days;
        c->src[SRV_CFG_RETENTION_DAYS] = src;
        c->line[SRV_CFG_RETENTION_DAYS] = line;
    }
    if (rc == 0 && buf[0] == '\0')
        return bad(err, errlen, src, "retention_days", v, "a number of days");
    return rc;
}

int srv_config_set(srv_config *c, const char *name, const char *value,
                   srv_config_src src, int line, char *err, size_t errlen)
{
    char key[128];
    size_t n = strlen(name);
    if (n >= sizeof key) {
        snprintf(err, errlen, "unknown key '%.40s...'", name);
        return RND_EINVAL;
    }
    /* Flags spell keys with '-', the file with '_'; a site name after
     * "retention_days." keeps its own spelling. */
    for (size_t i = 0; i <= n; i++)
        key[i] = name[i] == '-' ? '_' : name[i];
    if (strncmp(key, "retention_days.", 15) == 0)
        return set_site_days(c, name + 15, value, src, line, err, errlen);
    int k = -1;
    for (int i = 0; i < SRV_CFG_NKEYS; i++)
        if (strcmp(srv_config_keys[i].name, key) == 0)
            k = i;
    if (k < 0) {
        snprintf(err, errlen,
                 "unknown key '%s' (keys: data, listen, public_address, "
                 "cert, key, "
                 "max_frame, max_conns, idle_timeout, handshake_timeout, "
                 "hello_timeout_ms, hello_pool, hello_per_addr, "
                 "retention_days[.SITE], overstay, skew_limit_min, "
                 "max_clock_offset_min, log, log_level, "
                 "max_conns_per_device, web_listen, web_cert, web_key, "
                 "web_session_idle_min, pg_dsn, node_name, "
                 "group_refresh_s)",
                 name);
        return RND_EINVAL;
    }
    const char *kn = srv_config_keys[k].name;
    /* A key said twice: the file should say one thing. */
    if (src == SRV_CFG_FILE && c->src[k] == SRV_CFG_FILE) {
        snprintf(err, errlen, "%s: given twice in the file (first on line %d)",
                 kn, c->line[k]);
        return RND_EINVAL;
    }
    int rc = 0;
    char host[256];
    int port;
    switch ((srv_config_key)k) {
    case SRV_CFG_DATA:
        rc = set_path(c->data, sizeof c->data, src, kn, value, err, errlen);
        break;
    case SRV_CFG_CERT:
        rc = set_path(c->cert, sizeof c->cert, src, kn, value, err, errlen);
        break;
    case SRV_CFG_KEY:
        rc = set_path(c->key, sizeof c->key, src, kn, value, err, errlen);
        break;
    case SRV_CFG_LOG:
        rc = set_path(c->log, sizeof c->log, src, kn, value, err, errlen);
        break;
    case SRV_CFG_LISTEN:
        if (strlen(value) >= sizeof c->listen ||
            srv_parse_hostport(value, host, sizeof host, &port) != 0)
            return bad(err, errlen, src, kn, value,
                       "HOST:PORT, e.g. 0.0.0.0:7443 or [::]:7443");
        snprintf(c->listen, sizeof c->listen, "%s", value);
        break;
    case SRV_CFG_PUBLIC_ADDRESS:
        if (value[0] && (strlen(value) >= sizeof c->public_address ||
                         !proto_enroll_addr_ok(value, strlen(value))))
            return bad(err, errlen, src, kn, value,
                       "HOST:PORT as handhelds reach the server, e.g. "
                       "rounds.example.cn:7443 or 192.0.2.10:7443 "
                       "(or empty: the listen address)");
        snprintf(c->public_address, sizeof c->public_address, "%s", value);
        break;
    case SRV_CFG_MAX_FRAME:
        if (parse_u32(value, SRV_MAX_FRAME_MIN, MAX_FRAME_MAX, &c->max_frame))
            return bad(err, errlen, src, kn, value,
                       "a whole number of bytes from 66560 to 67108864");
        break;
    case SRV_CFG_MAX_CONNS:
        if (parse_u32(value, 1, 1000000, &c->max_conns))
            return bad(err, errlen, src, kn, value,
                       "a whole number from 1 to 1000000");
        break;
    case SRV_CFG_IDLE_TIMEOUT:
        if (parse_u32(value, 1, 86400, &c->idle_timeout_s))
            return bad(err, errlen, src, kn, value,
                       "a whole number of seconds from 1 to 86400");
        break;
    case SRV_CFG_HANDSHAKE_TIMEOUT:
        if (parse_u32(value, 1, 3600, &c->handshake_timeout_s))
            return bad(err, errlen, src, kn, value,
                       "a whole number of seconds from 1 to 3600");
        break;
    case SRV_CFG_HELLO_TIMEOUT_MS:
        if (parse_u32(value, 100, 600000, &c->hello_timeout_ms))
            return bad(err, errlen, src, kn, value,
                       "a whole number of milliseconds from 100 to 600000");
        break;
    case SRV_CFG_HELLO_POOL:
        if (parse_u32(value, 1, 1000000, &c->hello_pool))
            return bad(err, errlen, src, kn, value,
                       "a whole number from 1 to 1000000");
        break;
    case SRV_CFG_HELLO_PER_ADDR:
        if (parse_u32(value, 1, 1000000, &c->hello_per_addr))
            return bad(err, errlen, src, kn, value,
                       "a whole number from 1 to 1000000");
        break;
    case SRV_CFG_RETENTION_DAYS:
        /* Sets src itself: a list may hold only per-site values. */
        return set_retention_list(c, value, src, line, err, errlen);
    case SRV_CFG_OVERSTAY: {
        int64_t ms;
        if (srv_config_duration(value, &ms) || ms == 0)
            return bad(err, errlen, src, kn, value,
                       "a duration such as 90m, 4h or 1d (not 0)");
        c->overstay_ms = ms;
        break;
    }
    case SRV_CFG_SKEW_LIMIT_MIN:
        if (parse_u32(value, 1, 525600, &c->skew_limit_min))
            return bad(err, errlen, src, kn, value,
                       "a whole number of minutes from 1 to 525600");
        break;
    case SRV_CFG_MAX_CLOCK_OFFSET_MIN:
        if (parse_u32(value, 1, 1440, &c->max_clock_offset_min))
            return bad(err, errlen, src, kn, value,
                       "a whole number of minutes from 1 to 1440");
        break;
    case SRV_CFG_LOG_LEVEL: {
        srv_log_level lv;
        if (srv_log_parse_level(value, &lv) != 0)
            return bad(err, errlen, src, kn, value,
                       "error, warn, info or debug");
        snprintf(c->log_level, sizeof c->log_level, "%s", value);
        break;
    }
    case SRV_CFG_MAX_CONNS_PER_DEVICE:
        if (parse_u32(value, 1, 1000, &c->max_conns_per_device))
            return bad(err, errlen, src, kn, value,
                       "a whole number from 1 to 1000");
        break;
    case SRV_CFG_WEB_LISTEN: /* "" turns the dashboard off */
        if (strlen(value) >= sizeof c->web_listen ||
            (value[0] &&
             srv_parse_hostport(value, host, sizeof host, &port) != 0))
            return bad(err, errlen, src, kn, value,
                       "HOST:PORT, e.g. 127.0.0.1:8443, or \"\" for off");
        snprintf(c->web_listen, sizeof c->web_listen, "%s", value);
        break;
    case SRV_CFG_WEB_CERT:
        rc = set_path(c->web_cert, sizeof c->web_cert, src, kn, value, err,
                      errlen);
        break;
    case SRV_CFG_WEB_KEY:
        rc = set_path(c->web_key, sizeof c->web_key, src, kn, value, err,
                      errlen);
        break;
    case SRV_CFG_PG_DSN:
        if (strlen(value) >= sizeof c->pg_dsn)
            return bad(err, errlen, src, kn, "...",
                       "a libpq connection string under 1024 bytes");
        snprintf(c->pg_dsn, sizeof c->pg_dsn, "%s", value);
        break;
    case SRV_CFG_WEB_SESSION_IDLE_MIN:
        if (parse_u32(value, 1, SRV_WEB_SESSION_IDLE_MIN_MAX,
                      &c->web_session_idle_min))
            return bad(err, errlen, src, kn, value,
                       "a whole number of minutes from 1 to 720");
        break;
    case SRV_CFG_GROUP_REFRESH_S:
        if (parse_u32(value, 0, SRV_GROUP_REFRESH_S_MAX, &c->group_refresh_s))
            return bad(err, errlen, src, kn, value,
                       "a whole number of seconds from 0 (off) to 86400");
        break;
    case SRV_CFG_NODE_NAME:
        if (value[0] && !srv_name_valid(value, strlen(value)))
            return bad(err, errlen, src, kn, value,
                       "a name of 1 to 63 letters, digits, '_', '.' or '-'");
        snprintf(c->node_name, sizeof c->node_name, "%s", value);
        break;
    default:
        break;
    }
    if (rc)
        return rc;
    c->src[k] = src;
    c->line[k] = line;
    return 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
                     s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

/* One line of the file: 0, or RND_EINVAL with the reason in err. */
static int parse_line(srv_config *c, char *text, int lineno, char *err,
                      size_t errlen)
{
    char *eq = strchr(text, '=');
    char *hash = strchr(text, '#');
    if (hash && (eq == NULL || hash < eq)) {
        *hash = '\0';
        eq = NULL;
    }
    char *s = trim(text);
    if (*s == '\0')
        return 0;
    if (eq == NULL) {
        snprintf(err, errlen, "'%.60s': expected KEY = VALUE", s);
        return RND_EINVAL;
    }
    *eq = '\0';
    char *key = trim(s), *v = eq + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    if (*v == '"') {
        char *close = strchr(v + 1, '"');
        if (close == NULL) {
            snprintf(err, errlen, "%s: the value's closing '\"' is missing",
                     key);
            return RND_EINVAL;
        }
        *close = '\0';
        char *rest = trim(close + 1);
        if (*rest != '\0' && *rest != '#') {
            snprintf(err, errlen,
                     "%s: unexpected '%.20s' after the quoted "
                     "value",
                     key, rest);
            return RND_EINVAL;
        }
        v++;
    } else {
        char *h = strchr(v, '#');
        if (h)
            *h = '\0';
        v = trim(v);
    }
    if (*key == '\0') {
        snprintf(err, errlen, "a key is missing before '='");
        return RND_EINVAL;
    }
    /* A '-' is fine in the site of retention_days.SITE, not in a key. */
    if (strncmp(key, "retention_days.", 15) != 0 && strchr(key, '-')) {
        snprintf(err, errlen,
                 "unknown key '%s' (the file spells keys with '_': "
                 "max_frame, not max-frame)",
                 key);
        return RND_EINVAL;
    }
    return srv_config_set(c, key, v, SRV_CFG_FILE, lineno, err, errlen);
}

int srv_config_load(srv_config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return e == ENOENT ? RND_ENOTFOUND : RND_EIO;
    }
    snprintf(c->file, sizeof c->file, "%s", path);
    char line[SRV_CONFIG_LINE_MAX + 2], why[600];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        if (n > 0 && line[n - 1] != '\n' && !feof(f)) {
            snprintf(err, errlen, "%s:%d: line longer than %d bytes", path,
                     lineno, SRV_CONFIG_LINE_MAX);
            rc = RND_EINVAL;
            break;
        }
        if (parse_line(c, line, lineno, why, sizeof why)) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
            rc = RND_EINVAL;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        rc = RND_EIO;
    }
    fclose(f);
    return rc;
}

const char *srv_config_pick(const char *flag, int *required)
{
    *required = 1;
    if (flag && *flag)
        return flag;
    const char *env = getenv(SRV_CONFIG_ENV);
    if (env && *env)
        return env;
    *required = 0;
    struct stat st;
    if (stat(SRV_CONFIG_DEFAULT_PATH, &st) == 0)
        return SRV_CONFIG_DEFAULT_PATH;
    return NULL;
}

void srv_config_cert_path(const srv_config *c, char *out, size_t cap)
{
    if (c->cert[0])
        snprintf(out, cap, "%s", c->cert);
    else
        snprintf(out, cap, "%s/server.crt", c->data);
}

void srv_config_key_path(const srv_config *c, char *out, size_t cap)
{
    if (c->key[0])
        snprintf(out, cap, "%s", c->key);
    else
        snprintf(out, cap, "%s/server.key", c->data);
}

void srv_config_web_cert_path(const srv_config *c, char *out, size_t cap)
{
    if (c->web_cert[0])
        snprintf(out, cap, "%s", c->web_cert);
    else
        srv_config_cert_path(c, out, cap);
}

void srv_config_web_key_path(const srv_config *c, char *out, size_t cap)
{
    if (c->web_key[0])
        snprintf(out, cap, "%s", c->web_key);
    else
        srv_config_key_path(c, out, cap);
}

void srv_config_value(const srv_config *c, srv_config_key k, char *out,
                      size_t cap)
{
    switch (k) {
    case SRV_CFG_DATA:
        snprintf(out, cap, "%s", c->data);
        break;
    case SRV_CFG_LISTEN:
        snprintf(out, cap, "%s", c->listen);
        break;
    case SRV_CFG_PUBLIC_ADDRESS:
        snprintf(out, cap, "%s", c->public_address);
        break;
    case SRV_CFG_CERT:
        srv_config_cert_path(c, out, cap);
        break;
    case SRV_CFG_KEY:
        srv_config_key_path(c, out, cap);
        break;
    case SRV_CFG_MAX_FRAME:
        snprintf(out, cap, "%" PRIu32, c->max_frame);
        break;
    case SRV_CFG_MAX_CONNS:
        snprintf(out, cap, "%" PRIu32, c->max_conns);
        break;
    case SRV_CFG_IDLE_TIMEOUT:
        snprintf(out, cap, "%" PRIu32, c->idle_timeout_s);
        break;
    case SRV_CFG_HANDSHAKE_TIMEOUT:
        snprintf(out, cap, "%" PRIu32, c->handshake_timeout_s);
        break;
    case SRV_CFG_HELLO_TIMEOUT_MS:
        snprintf(out, cap, "%" PRIu32, c->hello_timeout_ms);
        break;
    case SRV_CFG_HELLO_POOL:
        snprintf(out, cap, "%" PRIu32, c->hello_pool);
        break;
    case SRV_CFG_HELLO_PER_ADDR:
        snprintf(out, cap, "%" PRIu32, c->hello_per_addr);
        break;
    case SRV_CFG_RETENTION_DAYS:
        snprintf(out, cap, "%" PRIu32, c->retention_days);
        break;
    case SRV_CFG_OVERSTAY: {
        int64_t ms = c->overstay_ms;
        if (ms % 86400000 == 0)
            snprintf(out, cap, "%" PRId64 "d", ms / 86400000);
        else if (ms % 3600000 == 0)
            snprintf(out, cap, "%" PRId64 "h", ms / 3600000);
        else if (ms % 60000 == 0)
            snprintf(out, cap, "%" PRId64 "m", ms / 60000);
        else
            snprintf(out, cap, "%" PRId64 "s", ms / 1000);
        break;
    }
    case SRV_CFG_SKEW_LIMIT_MIN:
        snprintf(out, cap, "%" PRIu32, c->skew_limit_min);
        break;
    case SRV_CFG_MAX_CLOCK_OFFSET_MIN:
        snprintf(out, cap, "%" PRIu32, c->max_clock_offset_min);
        break;
    case SRV_CFG_LOG:
        snprintf(out, cap, "%s", c->log);
        break;
    case SRV_CFG_LOG_LEVEL:
        snprintf(out, cap, "%s", c->log_level);
        break;
    case SRV_CFG_MAX_CONNS_PER_DEVICE:
        snprintf(out, cap, "%" PRIu32, c->max_conns_per_device);
        break;
    case SRV_CFG_WEB_LISTEN:
        snprintf(out, cap, "%s", c->web_listen);
        break;
    case SRV_CFG_WEB_CERT:
        srv_config_web_cert_path(c, out, cap);
        break;
    case SRV_CFG_WEB_KEY:
        srv_config_web_key_path(c, out, cap);
        break;
    case SRV_CFG_WEB_SESSION_IDLE_MIN:
        snprintf(out, cap, "%" PRIu32, c->web_session_idle_min);
        break;
    case SRV_CFG_PG_DSN:
        ship_dsn_redact(c->pg_dsn, out, cap);
        break;
    case SRV_CFG_NODE_NAME:
        snprintf(out, cap, "%s", c->node_name);
        break;
    case SRV_CFG_GROUP_REFRESH_S:
        snprintf(out, cap, "%" PRIu32, c->group_refresh_s);
        break;
    default:
        snprintf(out, cap, "?");
    }
}

uint32_t srv_config_retention_for(const srv_config *c, const char *site)
{
    for (int i = 0; i < c->nsite_days; i++)
        if (strcmp(c->site_days[i].site, site) == 0)
            return c->site_days[i].days;
    return c->retention_days;
}
