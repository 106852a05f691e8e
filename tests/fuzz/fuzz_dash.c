/* fuzz_dash.c: libFuzzer target for the office dashboard's request
 * handling (dash/dash.h: dash_handle, bytes in, bytes out, no sockets):
 * the method, path and query, the cookie, the Origin and CSRF checks, the
 * JSON body and every parameter reader, and every API route behind them,
 * over a real data directory (registry, an admin account, site S1).
 *
 * The data directory is made once per process in a temporary directory
 * (on /dev/shm when there is one) and removed at exit; a session with
 * fixed tokens is made for the account "fz" (admin on every site), so
 * inputs reach the API. POST /api/login is left out: each one is an
 * Argon2id hash (the fuzzer would do nothing else); its body goes through
 * the same parameter readers as every other POST.
 *
 * Input: byte 0 chooses what the request carries (bit 0: the right Host,
 * else "evil:443"; bit 1: the session cookie; bit 2: the CSRF header; bit
 * 3: an Origin, bit 4: the right one, else a foreign one; bit 5:
 * Content-Type application/json; bit 6: the body was cut at the cap); byte
 * 1 the method (GET, POST, HEAD, PUT); then the target (path and query) up
 * to the first '\n', then the body.
 *
 * Besides ASan's "no crash, no read out of bounds", it checks what every
 * answer promises: a status from 200 to 599, a body of the length given,
 * an API answer in JSON that the project's reader takes back with "ok",
 * and an event stream only with its site set.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../server/accounts.h"
#include "dash.h"
#include "dash_int.h"
#include "jsonread.h"

#define TOK_SESSION                                                            \
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define TOK_CSRF                                                               \
    "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define FZ_HOST "roundsd:8443"

static char dir[256];
static dash *d;

static int rm_one(const char *p, const struct stat *sb, int flag,
                  struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static void teardown(void)
{
    dash_free(d);
    if (dir[0])
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/rounds-fuzz-dash-XXXXXX", base);
    if (mkdtemp(dir) == NULL)
        abort();
    srv_registry *r;
    srv_grant g = {"*", SRV_ROLE_ADMIN};
    char msg[200];
    if (srv_registry_open(dir, 1, &r) != 0 ||
        srv_acct_add(srv_registry_store(r), "fz", "fuzz password 1", &g, 1,
                     "fuzz", 1, msg, sizeof msg) != 0)
        abort();
    srv_registry_close(r);
    store *st;
    if (srv_site_open(dir, "S1", STORE_CREATE, &st, NULL) != 0)
        abort();
    store_close(st);
    dash_config cfg = {.data_dir = dir, .notify_fd = -1};
    if (dash_new(&cfg, &d) != 0 ||
        dash_session_fixed(d, "fz", TOK_SESSION, TOK_CSRF) != 0)
        abort();
    atexit(teardown);
    /* The session must reach the API, or the campaign fuzzes the door. */
    dash_request rq = {.method = "GET",
                       .path = "/api/session",
                       .host = FZ_HOST,
                       .cookie = "__Host-rounds_office=" TOK_SESSION};
    dash_response rs;
    dash_handle(d, &rq, &rs);
    if (rs.status != 200 || rs.body == NULL ||
        strstr(rs.body, "\"signed_in\":true") == NULL)
        abort();
    dash_response_free(&rs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const methods[] = {"GET", "POST", "HEAD", "PUT"};
    if (d == NULL)
        setup();
    if (size < 2)
        return 0;
    uint8_t flags = data[0];
    const char *nl = memchr(data + 2, '\n', size - 2);
    size_t tlen = nl ? (size_t)(nl - (const char *)data - 2) : size - 2;
    char *target = strndup((const char *)data + 2, tlen);
    if (target == NULL)
        return 0;
    char *q = strchr(target, '?');
    if (q)
        *q++ = '\0';
    if (strcmp(target, "/api/login") == 0) { /* Argon2id: see above */
        free(target);
        return 0;
    }
    dash_request rq = {
        .method = methods[data[1] & 3],
        .path = target,
        .query = q,
        .host = flags & 1 ? FZ_HOST : "evil:443",
        .origin = flags & 8 ? (flags & 16 ? "https://" FZ_HOST
                                          : "https://evil.example")
                            : NULL,
        .cookie = flags & 2 ? "x=1; __Host-rounds_office=" TOK_SESSION : NULL,
        .content_type = flags & 32 ? "application/json" : "text/plain",
        .csrf = flags & 4 ? TOK_CSRF : NULL,
        .peer = "192.0.2.1",
        .body = nl ? nl + 1 : NULL,
        .body_len = nl ? size - tlen - 3 : 0,
        .body_cut = (flags & 64) != 0,
    };
    dash_response rs;
    dash_handle(d, &rq, &rs);
    if (rs.status < 200 || rs.status > 599)
        abort();
    const char *body = rs.static_body ? (const char *)rs.static_body : rs.body;
    if (rs.body_len && body == NULL)
        abort();
    if (rs.event_stream && rs.stream_site[0] == '\0')
        abort();
    if (strncmp(target, "/api/", 5) == 0 && rs.content_type &&
        strcmp(rs.content_type, "application/json") == 0) {
        rpt_jv root;
        if (rpt_jv_parse(body, rs.body_len, &root, NULL) != 0 ||
            root.type != RPT_JV_OBJ ||
            rpt_jv_get(&root, "ok", RPT_JV_BOOL) == NULL)
            abort();
        rpt_jv_free(&root);
    }
    dash_response_free(&rs);
    free(target);
    return 0;
}
