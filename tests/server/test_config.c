/* test_config.c: roundsd's configuration file (server/config.h): the
 * grammar (comments, blanks, spaces, quotes), every key's value and where
 * it came from, precedence (flag over file over default), per-site
 * retention, and every bad key or value refused with FILE:LINE and the
 * key named. */
#include <stdlib.h>
#include <unistd.h>

#include "../proto/errors.h"
#include "../test.h"
#include "config.h"

static char dir[] = "/tmp/rnd-config-XXXXXX";
static char path[256];

static void write_file(const char *text)
{
    FILE *f = fopen(path, "w");
    ASSERT(f != NULL);
    fputs(text, f);
    fclose(f);
}

/* Loads text into a fresh config; returns the code, err the message. */
static int load(const char *text, srv_config *c, char *err, size_t cap)
{
    write_file(text);
    srv_config_init(c);
    err[0] = '\0';
    return srv_config_load(c, path, err, cap);
}

/* The file must be refused with exactly "PATH:LINE: want". */
static void refused(const char *text, int line, const char *want)
{
    srv_config c;
    char err[1500], full[1600];
    ASSERT_ERR(load(text, &c, err, sizeof err), RND_EINVAL);
    snprintf(full, sizeof full, "%s:%d: %s", path, line, want);
    ASSERT_STR_EQ(err, full);
}

int main(void)
{
    ASSERT(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/roundsd.conf", dir);
    srv_config c;
    char err[1500], v[1100];

    /* Defaults. */
    srv_config_init(&c);
    ASSERT_STR_EQ(c.data, "./roundsd-data");
    ASSERT_STR_EQ(c.listen, "127.0.0.1:7443");
    ASSERT_EQ(c.max_frame, 1048576);
    ASSERT_EQ(c.max_conns, 2000);
    ASSERT_EQ(c.idle_timeout_s, 60);
    ASSERT_EQ(c.handshake_timeout_s, 10);
    ASSERT_EQ(c.hello_timeout_ms, 5000);
    ASSERT_EQ(c.hello_pool, 256);
    ASSERT_EQ(c.hello_per_addr, 16);
    ASSERT_EQ(c.retention_days, 180);
    ASSERT_EQ(c.overstay_ms, 4 * 3600 * 1000LL);
    ASSERT_EQ(c.skew_limit_min, 5);
    ASSERT_EQ(c.max_clock_offset_min, 5);
    ASSERT_STR_EQ(c.log, "stderr");
    srv_config_cert_path(&c, v, sizeof v);
    ASSERT_STR_EQ(v, "./roundsd-data/server.crt");
    srv_config_key_path(&c, v, sizeof v);
    ASSERT_STR_EQ(v, "./roundsd-data/server.key");
    /* The dashboard: off, the server's certificate, 30 minutes. */
    ASSERT_STR_EQ(c.web_listen, "");
    ASSERT_EQ(c.web_session_idle_min, 30);
    srv_config_web_cert_path(&c, v, sizeof v);
    ASSERT_STR_EQ(v, "./roundsd-data/server.crt");
    srv_config_web_key_path(&c, v, sizeof v);
    ASSERT_STR_EQ(v, "./roundsd-data/server.key");
    ASSERT_ERR(srv_config_set(&c, "web-listen", "localhost", SRV_CFG_FLAG, 0,
                              err, sizeof err),
               RND_EINVAL);
    ASSERT(strstr(err, "--web-listen localhost: expected HOST:PORT") != NULL);
    ASSERT_ERR(srv_config_set(&c, "web-session-idle-min", "721", SRV_CFG_FLAG,
                              0, err, sizeof err),
               RND_EINVAL);
    ASSERT_OK(
        srv_config_set(&c, "web-listen", "", SRV_CFG_FLAG, 0, err, sizeof err));
    srv_config_init(&c);
    for (int k = 0; k < SRV_CFG_NKEYS; k++)
        ASSERT_EQ(c.src[k], SRV_CFG_DEFAULT);

    /* Every key, with the grammar's corners: comments, blank lines,
     * leading spaces, tabs, a trailing comment, a quoted value keeping a
     * '#', CRLF line ends. */
    ASSERT_OK(load("# roundsd.conf\n"
                   "\n"
                   "data = /var/lib/roundsd\n"
                   "  listen=0.0.0.0:7443   # all interfaces\n"
                   "cert\t=\t/etc/rounds/tls/server.crt\n"
                   "key = \"/etc/rounds/tls/#1.key\"  # quoted\n"
                   "max_frame = 2097152\r\n"
                   "max_conns = 3000\n"
                   "idle_timeout = 120\n"
                   "handshake_timeout = 5\n"
                   "retention_days = 90\n"
                   "retention_days.S1 = 30\n"
                   "retention_days.Jade-2 = 365\n"
                   "overstay = 90m\n"
                   "skew_limit_min = 10\n"
                   "max_clock_offset_min = 2\n"
                   "log = /var/log/roundsd/roundsd.log\n"
                   "hello_timeout_ms = 2500\n"
                   "hello_pool = 64\n"
                   "hello_per_addr = 4\n"
                   "log_level = debug\n"
                   "max_conns_per_device = 3\n"
                   "public_address = rounds.example.cn:7443\n"
                   "web_listen = 127.0.0.1:8443\n"
                   "web_cert = /etc/rounds/office.crt\n"
                   "web_key = /etc/rounds/office.key\n"
                   "web_session_idle_min = 15\n"
                   "pg_dsn = \"host=db user=r password=pw dbname=rounds\"\n"
                   "node_name = node-a\n"
                   "group_refresh_s = 60\n",
                   &c, err, sizeof err));
    ASSERT_STR_EQ(c.node_name, "node-a");
    ASSERT_EQ(c.group_refresh_s, 60);
    ASSERT_STR_EQ(c.public_address, "rounds.example.cn:7443");
    /* The dsn as given; shown with its password hidden. */
    ASSERT_STR_EQ(c.pg_dsn, "host=db user=r password=pw dbname=rounds");
    srv_config_value(&c, SRV_CFG_PG_DSN, v, sizeof v);
    ASSERT_STR_EQ(v, "host=db user=r password=*** dbname=rounds");
    ASSERT_STR_EQ(c.web_listen, "127.0.0.1:8443");
    ASSERT_EQ(c.web_session_idle_min, 15);
    srv_config_value(&c, SRV_CFG_WEB_CERT, v, sizeof v);
    ASSERT_STR_EQ(v, "/etc/rounds/office.crt");
    srv_config_value(&c, SRV_CFG_WEB_KEY, v, sizeof v);
    ASSERT_STR_EQ(v, "/etc/rounds/office.key");
    ASSERT_EQ(c.hello_timeout_ms, 2500);
    ASSERT_EQ(c.hello_pool, 64);
    ASSERT_EQ(c.hello_per_addr, 4);
    ASSERT_STR_EQ(c.log_level, "debug");
    ASSERT_EQ(c.max_conns_per_device, 3);
    ASSERT_STR_EQ(c.file, path);
    ASSERT_STR_EQ(c.data, "/var/lib/roundsd");
    ASSERT_STR_EQ(c.listen, "0.0.0.0:7443");
    ASSERT_STR_EQ(c.cert, "/etc/rounds/tls/server.crt");
    ASSERT_STR_EQ(c.key, "/etc/rounds/tls/#1.key");
    ASSERT_EQ(c.max_frame, 2097152);
    ASSERT_EQ(c.max_conns, 3000);
    ASSERT_EQ(c.idle_timeout_s, 120);
    ASSERT_EQ(c.handshake_timeout_s, 5);
    ASSERT_EQ(c.retention_days, 90);
    ASSERT_EQ(c.overstay_ms, 90 * 60000LL);
    ASSERT_EQ(c.skew_limit_min, 10);
    ASSERT_EQ(c.max_clock_offset_min, 2);
    ASSERT_STR_EQ(c.log, "/var/log/roundsd/roundsd.log");
    ASSERT_EQ(srv_config_retention_for(&c, "S1"), 30);
    ASSERT_EQ(srv_config_retention_for(&c, "Jade-2"), 365);
    ASSERT_EQ(srv_config_retention_for(&c, "S9"), 90);
    ASSERT_EQ(c.nsite_days, 2);
    ASSERT_EQ(c.site_days[0].line, 12);
    ASSERT_EQ(c.src[SRV_CFG_DATA], SRV_CFG_FILE);
    ASSERT_EQ(c.line[SRV_CFG_DATA], 3);
    ASSERT_EQ(c.line[SRV_CFG_LISTEN], 4);
    ASSERT_EQ(c.line[SRV_CFG_KEY], 6);
    ASSERT_EQ(c.line[SRV_CFG_LOG], 17);
    for (int k = 0; k < SRV_CFG_NKEYS; k++)
        ASSERT_EQ(c.src[k], SRV_CFG_FILE);
    srv_config_value(&c, SRV_CFG_OVERSTAY, v, sizeof v);
    ASSERT_STR_EQ(v, "90m");
    srv_config_value(&c, SRV_CFG_CERT, v, sizeof v);
    ASSERT_STR_EQ(v, "/etc/rounds/tls/server.crt");

    /* Durations: the report's grammar. */
    int64_t ms;
    ASSERT_OK(srv_config_duration("4h", &ms));
    ASSERT_EQ(ms, 4 * 3600000LL);
    ASSERT_OK(srv_config_duration("2d", &ms));
    ASSERT_EQ(ms, 2 * 86400000LL);
    ASSERT_OK(srv_config_duration("45", &ms));
    ASSERT_EQ(ms, 45 * 60000LL);
    ASSERT_OK(srv_config_duration("30s", &ms));
    ASSERT_EQ(ms, 30000);
    ASSERT_ERR(srv_config_duration("4 hours", &ms), RND_EINVAL);
    ASSERT_ERR(srv_config_duration("-1h", &ms), RND_EINVAL);

    /* Precedence: a flag over the file, the file over the default; the
     * source of each is kept. */
    ASSERT_OK(
        load("max_conns = 100\nidle_timeout = 30\n", &c, err, sizeof err));
    ASSERT_OK(
        srv_config_set(&c, "max-conns", "7", SRV_CFG_FLAG, 0, err, sizeof err));
    ASSERT_EQ(c.max_conns, 7);
    ASSERT_EQ(c.src[SRV_CFG_MAX_CONNS], SRV_CFG_FLAG);
    ASSERT_EQ(c.idle_timeout_s, 30);
    ASSERT_EQ(c.src[SRV_CFG_IDLE_TIMEOUT], SRV_CFG_FILE);
    ASSERT_EQ(c.line[SRV_CFG_IDLE_TIMEOUT], 2);
    ASSERT_EQ(c.handshake_timeout_s, 10);
    ASSERT_EQ(c.src[SRV_CFG_HANDSHAKE_TIMEOUT], SRV_CFG_DEFAULT);
    ASSERT_STR_EQ(srv_config_src_name(c.src[SRV_CFG_MAX_CONNS]), "flag");
    ASSERT_STR_EQ(srv_config_src_name(c.src[SRV_CFG_IDLE_TIMEOUT]), "file");
    ASSERT_STR_EQ(srv_config_src_name(SRV_CFG_DEFAULT), "default");
    /* A flag may override a key the file set, without "given twice". */
    ASSERT_OK(srv_config_set(&c, "idle-timeout", "40", SRV_CFG_FLAG, 0, err,
                             sizeof err));
    ASSERT_EQ(c.idle_timeout_s, 40);
    /* --retention-days N,SITE=N: the default and per-site at once. */
    ASSERT_OK(srv_config_set(&c, "retention-days", "60,S1=10,S2=20",
                             SRV_CFG_FLAG, 0, err, sizeof err));
    ASSERT_EQ(c.retention_days, 60);
    ASSERT_EQ(srv_config_retention_for(&c, "S1"), 10);
    ASSERT_EQ(srv_config_retention_for(&c, "S2"), 20);
    ASSERT_EQ(c.site_days[1].src, SRV_CFG_FLAG);
    /* A bad flag names the flag, not the file key. */
    ASSERT_ERR(
        srv_config_set(&c, "max-frame", "10", SRV_CFG_FLAG, 0, err, sizeof err),
        RND_EINVAL);
    ASSERT_STR_EQ(err, "--max-frame 10: expected a whole number of bytes "
                       "from 66560 to 67108864");
    ASSERT_EQ(c.max_frame, 1048576); /* unchanged */
    ASSERT_ERR(srv_config_set(&c, "retention-days", "S1=0", SRV_CFG_FLAG, 0,
                              err, sizeof err),
               RND_EINVAL);
    ASSERT_STR_EQ(err, "--retention-days S1=0: expected a whole number of "
                       "days, 1 to 36500");
    /* public_address: an address a handheld can dial, or empty. */
    ASSERT_ERR(srv_config_set(&c, "public-address", "0.0.0.0", SRV_CFG_FLAG, 0,
                              err, sizeof err),
               RND_EINVAL);
    ASSERT_ERR(srv_config_set(&c, "public_address", "h:0", SRV_CFG_FILE, 0, err,
                              sizeof err),
               RND_EINVAL);
    ASSERT_OK(srv_config_set(&c, "public-address", "[2001:db8::1]:7443",
                             SRV_CFG_FLAG, 0, err, sizeof err));
    ASSERT_STR_EQ(c.public_address, "[2001:db8::1]:7443");
    ASSERT_OK(srv_config_set(&c, "public-address", "", SRV_CFG_FLAG, 0, err,
                             sizeof err));
    ASSERT_STR_EQ(c.public_address, "");

    /* An empty file and a file of comments: defaults, file recorded. */
    ASSERT_OK(load("", &c, err, sizeof err));
    ASSERT_EQ(c.max_conns, 2000);
    ASSERT_OK(load("# nothing\n   \n\t# still nothing\n", &c, err, sizeof err));
    ASSERT_EQ(c.src[SRV_CFG_DATA], SRV_CFG_DEFAULT);

    /* Every bad key and value, named with FILE:LINE. */
    refused(
        "data = /d\nbogus = 1\n", 2,
        "unknown key 'bogus' (keys: data, listen, public_address, cert, key, "
        "max_frame, max_conns, idle_timeout, handshake_timeout, "
        "hello_timeout_ms, hello_pool, hello_per_addr, "
        "retention_days[.SITE], overstay, skew_limit_min, "
        "max_clock_offset_min, log, log_level, max_conns_per_device, "
        "web_listen, web_cert, web_key, web_session_idle_min, pg_dsn, "
        "node_name, group_refresh_s)");
    refused("group_refresh_s = 86401\n", 1,
            "group_refresh_s = 86401: expected a whole number of seconds "
            "from 0 (off) to 86400");
    refused("\n\nmax-frame = 2000000\n", 3,
            "unknown key 'max-frame' (the file spells keys with '_': "
            "max_frame, not max-frame)");
    refused("listen 0.0.0.0:7443\n", 1,
            "'listen 0.0.0.0:7443': expected KEY = VALUE");
    refused("= 5\n", 1, "a key is missing before '='");
    refused("data =\n", 1, "data = : expected a path (not empty)");
    refused("cert = \"\"\n", 1, "cert = : expected a path (not empty)");
    refused("key = \"/x\n", 1, "key: the value's closing '\"' is missing");
    refused("log = \"/x\" y\n", 1,
            "log: unexpected 'y' after the quoted value");
    refused("listen = 7443\n", 1,
            "listen = 7443: expected HOST:PORT, e.g. 0.0.0.0:7443 or "
            "[::]:7443");
    refused("listen = host:99999\n", 1,
            "listen = host:99999: expected HOST:PORT, e.g. 0.0.0.0:7443 or "
            "[::]:7443");
    refused("max_frame = 1000\n", 1,
            "max_frame = 1000: expected a whole number of bytes from 66560 "
            "to 67108864");
    refused("max_frame = 1MB\n", 1,
            "max_frame = 1MB: expected a whole number of bytes from 66560 "
            "to 67108864");
    refused("max_conns = 0\n", 1,
            "max_conns = 0: expected a whole number from 1 to 1000000");
    refused("max_conns = -5\n", 1,
            "max_conns = -5: expected a whole number from 1 to 1000000");
    refused("idle_timeout = 86401\n", 1,
            "idle_timeout = 86401: expected a whole number of seconds from "
            "1 to 86400");
    refused("hello_timeout_ms = 99\n", 1,
            "hello_timeout_ms = 99: expected a whole number of milliseconds "
            "from 100 to 600000");
    refused("hello_pool = 0\n", 1,
            "hello_pool = 0: expected a whole number from 1 to 1000000");
    refused("hello_per_addr = x\n", 1,
            "hello_per_addr = x: expected a whole number from 1 to 1000000");
    refused("log_level = verbose\n", 1,
            "log_level = verbose: expected error, warn, info or debug");
    refused("max_conns_per_device = 0\n", 1,
            "max_conns_per_device = 0: expected a whole number from 1 to "
            "1000");
    refused("handshake_timeout = ten\n", 1,
            "handshake_timeout = ten: expected a whole number of seconds "
            "from 1 to 3600");
    refused("retention_days = 0\n", 1,
            "retention_days = 0: expected a whole number of days, 1 to 36500 "
            "(or SITE=DAYS)");
    refused("retention_days.S1 = forever\n", 1,
            "retention_days.S1 = forever: expected a whole number of days, 1 "
            "to 36500");
    refused("retention_days.a/b = 3\n", 1,
            "retention_days.a/b = 3: expected a site name after "
            "'retention_days.' (A-Z a-z 0-9 _ . -)");
    refused("overstay = 0\n", 1,
            "overstay = 0: expected a duration such as 90m, 4h or 1d (not "
            "0)");
    refused("overstay = 4 hours\n", 1,
            "overstay = 4 hours: expected a duration such as 90m, 4h or 1d "
            "(not 0)");
    refused("skew_limit_min = 0\n", 1,
            "skew_limit_min = 0: expected a whole number of minutes from 1 "
            "to 525600");
    refused("# two listens\nlisten = 127.0.0.1:1\nlisten = 127.0.0.1:2\n", 3,
            "listen: given twice in the file (first on line 2)");
    refused("retention_days.S1 = 3\nretention_days.S1 = 4\n", 2,
            "retention_days.S1: given twice in the file (first on line 1)");
    /* The first bad line is the one named; the lines before it count. */
    refused("data = /d\n# ok\nmax_conns = 5\nidle_timeout = 0\nbogus\n", 4,
            "idle_timeout = 0: expected a whole number of seconds from 1 to "
            "86400");
    /* A line over the limit. */
    {
        static char big[SRV_CONFIG_LINE_MAX + 100];
        memset(big, 'x', sizeof big - 2);
        memcpy(big, "log = ", 6);
        big[sizeof big - 2] = '\n';
        refused(big, 1, "line longer than 2048 bytes");
    }

    /* A missing file. */
    srv_config_init(&c);
    char missing[300];
    snprintf(missing, sizeof missing, "%s/none.conf", dir);
    ASSERT_ERR(srv_config_load(&c, missing, err, sizeof err), RND_ENOTFOUND);
    ASSERT(strstr(err, "none.conf: No such file or directory") != NULL);

    /* Which file: --config, else $ROUNDSD_CONFIG (both required to
     * exist), else the default path only if it exists. */
    int req;
    ASSERT_STR_EQ(srv_config_pick("/a.conf", &req), "/a.conf");
    ASSERT_EQ(req, 1);
    setenv("ROUNDSD_CONFIG", "/b.conf", 1);
    ASSERT_STR_EQ(srv_config_pick(NULL, &req), "/b.conf");
    ASSERT_EQ(req, 1);
    ASSERT_STR_EQ(srv_config_pick("/a.conf", &req), "/a.conf");
    unsetenv("ROUNDSD_CONFIG");
    const char *def = srv_config_pick(NULL, &req);
    ASSERT_EQ(req, 0);
    if (access(SRV_CONFIG_DEFAULT_PATH, F_OK) == 0)
        ASSERT_STR_EQ(def, SRV_CONFIG_DEFAULT_PATH);
    else
        ASSERT(def == NULL);

    unlink(path);
    rmdir(dir);
    printf("test_config: ok\n");
    return 0;
}
