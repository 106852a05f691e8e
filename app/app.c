/* app.c: the front of `rounds app`'s request handling: the launch tokens,
 * the security checks every request passes (Host, the session cookie, and
 * for a POST the Origin, the CSRF token, the content type and the body's
 * size), GET /open, the embedded assets by path, and the hand-over to the
 * JSON API (app_api.c). Bytes in, bytes out: no socket here (app.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "app_int.h"

static const app_header sec_headers[] = {
    {"Content-Security-Policy",
     "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
     "style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
     "connect-src 'self'; object-src 'none'; base-uri 'none'; "
     "frame-ancestors 'none'; form-action 'self'"},
    {"X-Frame-Options", "DENY"},
    {"X-Content-Type-Options", "nosniff"},
    /* Nothing of the app (a resident's photo least of all) is for a page
     * of another origin, even as an <img>. */
    {"Cross-Origin-Resource-Policy", "same-origin"},
    {"Referrer-Policy", "no-referrer"},
    {NULL, NULL}};

const app_header *app_security_headers(void)
{
    return sec_headers;
}

/* ---- tokens (web/) ----------------------------------------------------- */

static int make_token(const char *fixed, char out[APP_TOKEN_HEX + 1])
{
    return web_token_new(fixed, out);
}

static int token_eq(const char *s, size_t n, const char *t)
{
    return web_token_eq(s, n, t);
}

int app_new(hh *h, const app_config *cfg, app **out)
{
    app_config none = {0};
    if (cfg == NULL)
        cfg = &none;
    *out = NULL;
    const char *lang = cfg->lang ? cfg->lang : "zh-CN";
    if (h == NULL || (strcmp(lang, "zh-CN") != 0 && strcmp(lang, "en") != 0))
        return RND_EINVAL;
    app *a = calloc(1, sizeof *a);
    if (a == NULL)
        return RND_ENOMEM;
    int rc = make_token(cfg->secret, a->secret);
    if (rc == 0)
        rc = make_token(cfg->session, a->session);
    if (rc == 0)
        rc = make_token(cfg->csrf, a->csrf);
    if (rc) {
        free(a);
        return rc;
    }
    a->h = h;
    snprintf(a->lang, sizeof a->lang, "%s", lang);
    a->enroll = cfg->enroll;
    pthread_mutex_init(&a->hh_mu, NULL);
    pthread_mutex_init(&a->sync_mu, NULL);
    pthread_mutex_init(&a->boot_mu, NULL);
    pthread_cond_init(&a->boot_cv, NULL);
    /* No hh_status here: its counts of the open records were 150 ms of a
     * 1M-op store's launch; the device and the sync counts are noted by
     * the first call that needs them (app_int.h, ident_known). */
    *out = a;
    return 0;
}

void app_set_port(app *a, unsigned port)
{
    a->port = port;
}

const char *app_secret(const app *a)
{
    return a->secret;
}

void app_free(app *a)
{
    if (a == NULL)
        return;
    app_sync_join(a);
    app_boot_join(a);
    pthread_mutex_destroy(&a->hh_mu);
    pthread_mutex_destroy(&a->sync_mu);
    pthread_mutex_destroy(&a->boot_mu);
    pthread_cond_destroy(&a->boot_cv);
    free(a);
}

void app_response_free(app_response *rs)
{
    free(rs->body);
    memset(rs, 0, sizeof *rs);
}

/* ---- the checks --------------------------------------------------------- */

/* 1 when v is exactly prefix + "127.0.0.1:PORT" or "localhost:PORT". */
static int is_self(const app *a, const char *v, const char *prefix)
{
    char want[64];
    if (v == NULL)
        return 0;
    snprintf(want, sizeof want, "%s127.0.0.1:%u", prefix, a->port);
    if (strcmp(v, want) == 0)
        return 1;
    snprintf(want, sizeof want, "%slocalhost:%u", prefix, a->port);
    return strcmp(v, want) == 0;
}

/* 1 when the Cookie header holds rounds_app=<the session token>. */
static int has_session(const app *a, const char *cookie)
{
    char v[APP_TOKEN_HEX + 2];
    return web_cookie_get(cookie, APP_COOKIE, v, sizeof v) == 0 &&
           token_eq(v, strlen(v), a->session);
}

static int is_json_type(const char *ct)
{
    return web_is_json_type(ct);
}

static void page(app_response *rs, int status, const char *text)
{
    static const char head[] = "<!doctype html><meta charset=utf-8>"
                               "<title>Rounds</title><p>";
    size_t n = sizeof head - 1 + strlen(text) + 1;
    rs->status = status;
    rs->content_type = "text/html; charset=utf-8";
    rs->body = malloc(n + 1);
    if (rs->body == NULL) {
        rs->body_len = 0;
        return;
    }
    rs->body_len = (size_t)snprintf(rs->body, n + 1, "%s%s\n", head, text);
}

/* ---- assets ------------------------------------------------------------- */

static const char *mime_of(const char *path)
{
    return web_mime_type(path);
}

/* Where APP_BOOT_MARK is in the page, or 0. */
static size_t boot_mark(const unsigned char *p, size_t n)
{
    static const char mark[] = APP_BOOT_MARK;
    size_t m = sizeof mark - 1;
    for (size_t i = 1; i + m <= n; i++)
        if (p[i] == '<' && memcmp(p + i, mark, m) == 0)
            return i;
    return 0;
}

static void asset(const app_request *rq, app_response *rs)
{
    int page_ = strcmp(rq->path, "/") == 0;
    const char *path = page_ ? "/index.html" : rq->path;
    for (const app_asset *f = app_assets; f->path; f++) {
        if (strcmp(f->path, path) != 0)
            continue;
        rs->status = 200;
        rs->content_type = mime_of(path);
        rs->static_body = f->data;
        rs->body_len = f->len;
        /* The page at / (and /open) carries the first screen's data
         * (app_boot.c); /index.html is the file as it is. */
        if (page_)
            rs->boot_at = boot_mark(f->data, f->len);
        return;
    }
    page(rs, 404, "not found");
}

/* ---- the request -------------------------------------------------------- */

static void open_session(app *a, const app_request *rq, app_response *rs)
{
    char k[APP_TOKEN_HEX + 2];
    if (web_query_get(rq->query, "k", k, sizeof k) != 0 ||
        !token_eq(k, strlen(k), a->secret)) {
        page(rs, 403,
             "wrong or missing key: open the address rounds app "
             "printed");
        return;
    }
    /* The page itself, with the cookie: a 303 to / cost the first screen
     * one more round trip (docs/PERFORMANCE.md, "The handheld app"). The
     * page puts / in the address bar. Cache-Control stays the pages'
     * no-cache: no-store on the document made Chromium's first screen
     * 60-100 ms slower, and the cookie is the browser's own anyway. */
    app_request index = *rq;
    index.path = "/";
    asset(&index, rs);
    snprintf(rs->set_cookie, sizeof rs->set_cookie,
             "%s=%s; HttpOnly; SameSite=Strict; Path=/", APP_COOKIE,
             a->session);
}

void app_handle(app *a, const app_request *rq, app_response *rs)
{
    memset(rs, 0, sizeof *rs);
    const char *m = rq->method ? rq->method : "";
    const char *path = rq->path ? rq->path : "";
    int get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
    int post = strcmp(m, "POST") == 0;
    int api = strncmp(path, "/api/", 5) == 0;

    /* DNS rebinding: a page of another name that resolves to us. */
    if (!is_self(a, rq->host, "")) {
        page(rs, 421, "wrong host: open the address rounds app printed");
        return;
    }
    if (!get && !post) {
        page(rs, 405, "method not allowed");
        return;
    }
    if (get && strcmp(path, "/open") == 0) {
        open_session(a, rq, rs);
        return;
    }
    if (!has_session(a, rq->cookie)) {
        if (api)
            app_fail_status(rs, 403, "ESESSION", NULL,
                            "no session: open the address rounds app "
                            "printed",
                            NULL, 0);
        else
            page(rs, 403, "open the address rounds app printed");
        return;
    }
    if (post) {
        if (rq->origin && !is_self(a, rq->origin, "http://")) {
            app_fail_status(rs, 403, "EORIGIN", NULL,
                            "another origin may not write here", NULL, 0);
            return;
        }
        if (rq->csrf == NULL ||
            !token_eq(rq->csrf, strlen(rq->csrf), a->csrf)) {
            app_fail_status(rs, 403, "ECSRF", NULL,
                            "missing or wrong X-Rounds-CSRF: reload the "
                            "page",
                            NULL, 0);
            return;
        }
        if (!api) {
            page(rs, 405, "method not allowed");
            return;
        }
        /* POST /api/attach carries a file's bytes: its type is read from
         * the bytes by the library, never from the header; the CSRF
         * token above is what keeps other pages from posting. */
        size_t max = app_body_max(path);
        if (max == APP_BODY_MAX && !is_json_type(rq->content_type)) {
            app_fail_status(rs, 415, "ETYPE", NULL,
                            "the body must be application/json", NULL, 0);
            return;
        }
        if (rq->body_cut || rq->body_len > max) {
            app_fail_status(
                rs, 413, "ETOOBIG", max == APP_BODY_MAX ? NULL : "file",
                max == APP_BODY_MAX ? "the body is larger than 64 KiB"
                                    : "the file is larger than 16 MiB",
                NULL, 0);
            return;
        }
    }
    if (api) {
        /* Whatever a POST does, the first screen's data made before it
         * may no longer be true (app_boot.c). */
        if (post)
            app_boot_stale(a);
        app_api(a, rq, rs);
        rs->no_store = 1;
        return;
    }
    asset(rq, rs);
}
