/* fuzz_app_api.c: libFuzzer target for `rounds app`'s request handling
 * (app/app.h: app_handle, bytes in, bytes out, no sockets): the security
 * checks, the query and cookie readers, the JSON body reader and every
 * endpoint of the API over a real handheld store.
 *
 * The store is made once per process in a temporary directory (on
 * /dev/shm when there is one, so durable commits cost no disk flush),
 * with a device user, and removed at exit; the tokens and the port are
 * fixed so inputs can pass the checks. Records an input writes stay for
 * the next ones (the API's answers must hold on any store).
 *
 * Input: byte 0 chooses what the request carries (bit 0: the right Host,
 * else "evil:80"; bit 1: the session cookie; bit 2: the CSRF header; bit
 * 3: an Origin, bit 4: the right one, else a foreign one; bit 5: Content-
 * Type application/json; bit 6: the body was cut at the cap); byte 1 the method
 * (GET, POST, HEAD, PUT); then the target (path and query) up to the first
 * '\n', then the body.
 *
 * Besides ASan's "no crash, no read out of bounds", it checks what every
 * answer promises: a status from 200 to 599, a body of the length given,
 * and an API answer that is one JSON object the project's reader takes
 * back, with "ok".
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "jsonread.h"

#define TOK_SECRET                                                             \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define TOK_SESSION                                                            \
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define TOK_CSRF                                                               \
    "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define FZ_PORT 8080

static char dir[256];
static hh *h;
static app *a;

static int rm_one(const char *p, const struct stat *sb, int flag,
                  struct FTW *ftw)
{
    return remove(p);
}

static void teardown(void)
{
    app_free(a);
    hh_close(h);
    if (dir[0])
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/rounds-fuzz-app-XXXXXX", base);
    if (mkdtemp(dir) == NULL)
        abort();
    app_config cfg = {"zh-CN", TOK_SECRET, TOK_SESSION, TOK_CSRF};
    if (hh_init(dir, "S1", "fz", &h) != 0 || hh_set_user(h, "guard-fz") != 0 ||
        app_new(h, &cfg, &a) != 0)
        abort();
    app_set_port(a, FZ_PORT);
    atexit(teardown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const methods[] = {"GET", "POST", "HEAD", "PUT"};
    char host[32], origin[48];
    if (a == NULL)
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
    snprintf(host, sizeof host, "%s", flags & 1 ? "127.0.0.1:8080" : "evil:80");
    snprintf(origin, sizeof origin, "%s",
             flags & 16 ? "http://localhost:8080" : "http://evil.example");
    app_request rq = {
        .method = methods[data[1] & 3],
        .path = target,
        .query = q,
        .host = host,
        .origin = flags & 8 ? origin : NULL,
        .cookie = flags & 2 ? "x=1; " APP_COOKIE "=" TOK_SESSION : NULL,
        .content_type = flags & 32 ? "application/json" : "text/plain",
        .csrf = flags & 4 ? TOK_CSRF : NULL,
        .body = nl ? nl + 1 : NULL,
        .body_len = nl ? size - tlen - 3 : 0,
        .body_cut = (flags & 64) != 0,
    };
    app_response rs;
    app_handle(a, &rq, &rs);
    if (rs.status < 200 || rs.status > 599)
        abort();
    const char *body = rs.static_body ? (const char *)rs.static_body : rs.body;
    if (rs.body_len && body == NULL)
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
    app_response_free(&rs);
    free(target);
    return 0;
}
