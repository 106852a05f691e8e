/* config.h: roundsd's configuration file and the effective configuration
 * of a command: built-in defaults, then the file, then the environment
 * ($ROUNDSD_DATA for the data directory only), then the command's flags.
 *
 * The file (docs/OPERATIONS.md, "Configure", and dist/roundsd.conf):
 *
 *   file    = { line } ;
 *   line    = [ ws ] [ key [ ws ] "=" [ ws ] value [ ws ] ] [ comment ] NL ;
 *   comment = "#" { any character } ;
 *   key     = one of the names in srv_config_keys, or
 *             "retention_days." SITE (a site name) ;
 *   value   = the rest of the line up to a "#" or its end, spaces around it
 *             trimmed; it may be wrapped in double quotes, then it is taken
 *             as is (a "#" inside is kept; no escapes).
 *
 * Blank lines and comment lines are ignored. A key may appear once (a
 * second time is an error: the file says one thing). Lines are at most
 * SRV_CONFIG_LINE_MAX bytes. Every error names FILE:LINE, the key and what
 * was expected; the caller exits 2 (usage).
 *
 * Which file: --config FILE, else $ROUNDSD_CONFIG, else
 * SRV_CONFIG_DEFAULT_PATH when it exists, else none (defaults only). A
 * file named by --config or $ROUNDSD_CONFIG must exist.
 *
 * Lifetime: srv_config is a plain value (no allocation); strings are
 * copied in, bounded by the sizes below.
 */
#ifndef RND_SERVER_CONFIG_H
#define RND_SERVER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "registry.h" /* SRV_SKEW_LIMIT_MIN_DEFAULT */

#define SRV_CONFIG_DEFAULT_PATH "/etc/rounds/roundsd.conf"
#define SRV_CONFIG_ENV "ROUNDSD_CONFIG"
#define SRV_CONFIG_PATH_MAX 1024
#define SRV_CONFIG_LINE_MAX 2048
#define SRV_CONFIG_SITES_MAX 64 /* retention_days.SITE entries */

#define SRV_RETENTION_DAYS_DEFAULT 180
#define SRV_OVERSTAY_DEFAULT_MS (4 * 3600 * 1000LL) /* as the report's */
/* STORE_MAX_OFFSET_DEFAULT_MS in minutes, as the handheld's. */
#define SRV_MAX_CLOCK_OFFSET_MIN_DEFAULT 5
/* The dashboard's sessions end after this many idle minutes (and after
 * 12 h whatever happens: dash/). */
#define SRV_WEB_SESSION_IDLE_MIN_DEFAULT 30
#define SRV_WEB_SESSION_IDLE_MIN_MAX 720
#define SRV_GROUP_REFRESH_S_DEFAULT 300
#define SRV_GROUP_REFRESH_S_MAX 86400

/* Where a value came from. */
typedef enum srv_config_src {
    SRV_CFG_DEFAULT = 0,
    SRV_CFG_FILE = 1,
    SRV_CFG_ENV = 2,
    SRV_CFG_FLAG = 3,
} srv_config_src;

/* The keys, in the order they are documented and printed. */
typedef enum srv_config_key {
    SRV_CFG_DATA,
    SRV_CFG_LISTEN,
    SRV_CFG_PUBLIC_ADDRESS,
    SRV_CFG_CERT,
    SRV_CFG_KEY,
    SRV_CFG_MAX_FRAME,
    SRV_CFG_MAX_CONNS,
    SRV_CFG_IDLE_TIMEOUT,
    SRV_CFG_HANDSHAKE_TIMEOUT,
    SRV_CFG_HELLO_TIMEOUT_MS,
    SRV_CFG_HELLO_POOL,
    SRV_CFG_HELLO_PER_ADDR,
    SRV_CFG_RETENTION_DAYS,
    SRV_CFG_OVERSTAY,
    SRV_CFG_SKEW_LIMIT_MIN,
    SRV_CFG_MAX_CLOCK_OFFSET_MIN,
    SRV_CFG_LOG,
    SRV_CFG_LOG_LEVEL,
    SRV_CFG_MAX_CONNS_PER_DEVICE,
    SRV_CFG_WEB_LISTEN,
    SRV_CFG_WEB_CERT,
    SRV_CFG_WEB_KEY,
    SRV_CFG_WEB_SESSION_IDLE_MIN,
    SRV_CFG_PG_DSN,
    SRV_CFG_NODE_NAME,
    SRV_CFG_GROUP_REFRESH_S,
    SRV_CFG_NKEYS
} srv_config_key;

/* The table of keys: name in the file, flag (without "--"), placeholder,
 * default as text, and a one-line help. Static storage. */
typedef struct srv_config_key_info {
    const char *name;
    const char *flag;
    const char *meta;
    const char *def;
    const char *help;
} srv_config_key_info;
extern const srv_config_key_info srv_config_keys[SRV_CFG_NKEYS];

typedef struct srv_config_site_days {
    char site[64];
    uint32_t days;
    srv_config_src src;
    int line; /* in the file, when src is SRV_CFG_FILE */
} srv_config_site_days;

typedef struct srv_config {
    char file[SRV_CONFIG_PATH_MAX]; /* the file read, "" for none */
    char data[SRV_CONFIG_PATH_MAX];
    char listen[256];
    /* The address handhelds reach the server at, as an enrollment payload
     * carries it (server/enroll_qr.h); "" = the listen address. */
    char public_address[262];
    /* cert and key: "" means DATA/server.crt and DATA/server.key (see
     * srv_config_cert_path). */
    char cert[SRV_CONFIG_PATH_MAX];
    char key[SRV_CONFIG_PATH_MAX];
    uint32_t max_frame;
    uint32_t max_conns;
    uint32_t idle_timeout_s;
    uint32_t handshake_timeout_s;
    /* Connections not yet past HELLO (server.h): their deadline, their
     * pool, and how many of them one address may hold. */
    uint32_t hello_timeout_ms;
    uint32_t hello_pool;
    uint32_t hello_per_addr;
    uint32_t retention_days;
    int64_t overstay_ms;
    uint32_t skew_limit_min;
    uint32_t max_clock_offset_min; /* the site stores' clock bound */
    char log[SRV_CONFIG_PATH_MAX]; /* "stderr" or a file path */
    char log_level[8];             /* "error", "warn", "info", "debug" */
    uint32_t max_conns_per_device; /* sessions at once of one device */
    /* The office dashboard (dash/): "HOST:PORT" of its HTTPS port, ""
     * when off; its certificate and key ("" : the server's, see
     * srv_config_web_cert_path); idle minutes of a session. */
    char web_listen[256];
    char web_cert[SRV_CONFIG_PATH_MAX];
    char web_key[SRV_CONFIG_PATH_MAX];
    uint32_t web_session_idle_min;
    /* PostgreSQL (libpq connection string or URI; "" = none): serve ships
     * every site to it (server/ship.h, docs/POSTGRES.md), and with
     * node_name reads its node directory there (server/directory.h).
     * srv_config_value() shows it with its password hidden. This node's
     * name in the directory ("" = not one of several nodes). */
    char pg_dsn[SRV_CONFIG_PATH_MAX];
    char node_name[64];
    /* With pg_dsn: serve writes every site's group report facts every
     * this many seconds (group_refresh.h); 0: not at all. */
    uint32_t group_refresh_s;
    srv_config_site_days site_days[SRV_CONFIG_SITES_MAX];
    int nsite_days;
    srv_config_src src[SRV_CFG_NKEYS];
    int line[SRV_CFG_NKEYS]; /* line in the file, for SRV_CFG_FILE */
} srv_config;

/* Fills c with the built-in defaults (source SRV_CFG_DEFAULT). */
void srv_config_init(srv_config *c);

/* Sets one key from text: name is a file key ("max_frame",
 * "retention_days.S1") or a flag name ("max-frame"), both accepted. src
 * and line say where it came from. On a bad name or value returns
 * RND_EINVAL with a sentence in err naming the key and what was expected
 * (without the FILE:LINE prefix: srv_config_load adds it). */
int srv_config_set(srv_config *c, const char *name, const char *value,
                   srv_config_src src, int line, char *err, size_t errlen);

/* Reads the file at path into c (over what c holds). Returns 0;
 * RND_ENOTFOUND or RND_EIO when it cannot be read ("PATH: reason" in
 * err); RND_EINVAL for a bad line ("PATH:LINE: ..." in err), at the first
 * bad line. */
int srv_config_load(srv_config *c, const char *path, char *err, size_t errlen);

/* Which file to read: flag (the --config value, may be NULL), else
 * $ROUNDSD_CONFIG, else SRV_CONFIG_DEFAULT_PATH if it exists. Returns the
 * path (flag, the environment's string or a static string), or NULL for
 * none. *required is set to 1 when the file was named explicitly (it must
 * then exist). */
const char *srv_config_pick(const char *flag, int *required);

/* The certificate and key paths: the configured ones, else under data. */
void srv_config_cert_path(const srv_config *c, char *out, size_t cap);
void srv_config_key_path(const srv_config *c, char *out, size_t cap);

/* The dashboard's certificate and key paths: web_cert and web_key, else
 * the server's (srv_config_cert_path). */
void srv_config_web_cert_path(const srv_config *c, char *out, size_t cap);
void srv_config_web_key_path(const srv_config *c, char *out, size_t cap);

/* The value of key k as text (as the file would spell it) into out. */
void srv_config_value(const srv_config *c, srv_config_key k, char *out,
                      size_t cap);

/* The retention in days for site (its retention_days.SITE, else the
 * default). */
uint32_t srv_config_retention_for(const srv_config *c, const char *site);

/* "default", "file", "env" or "flag". */
const char *srv_config_src_name(srv_config_src s);

/* A duration: "90m", "4h", "2d", "30s" or a bare number of minutes ->
 * ms, as `roundsd report --overstay` reads it. RND_EINVAL otherwise. */
int srv_config_duration(const char *s, int64_t *out_ms);

#endif
