/* app.h: `rounds app`, the handheld's own web app server (docs/APP-API.md).
 *
 * The request handling is bytes in, bytes out: app_handle() takes one
 * request (method, path, raw query, the few headers it reads, the body)
 * and fills one response (status, the headers it sets, the body), without
 * sockets, so tests and the fuzzer (tests/fuzz/fuzz_app_api.c) drive it in
 * memory. app_mhd.c is the only file that speaks HTTP (libmicrohttpd).
 *
 * Security (docs/APP-API.md, "Security"): the server answers only a Host
 * of 127.0.0.1:PORT or localhost:PORT; the launch secret (in the URL
 * printed) buys the session cookie at GET /open; every other path needs
 * the cookie; a POST needs the CSRF token of GET /api/session in the
 * X-Rounds-CSRF header, a same-origin Origin when there is one, a JSON
 * content type and a body of at most APP_BODY_MAX bytes (POST /api/attach:
 * any content type, the file's bytes, at most APP_ATTACH_BODY_MAX).
 *
 * Threads: app_handle() may be called from several threads at once. The
 * hh handle is behind one mutex; a sync runs on its own thread
 * (app_sync.c) and its progress is read under a small mutex of its own.
 */
#ifndef RND_APP_H
#define RND_APP_H

#include <stddef.h>
#include <stdint.h>

#include "../handheld/handheld.h"

/* The largest request body taken (larger: 413). */
#define APP_BODY_MAX (64 * 1024)
/* The largest body of POST /api/attach (the file's raw bytes): above the
 * handheld's attachment maximum (HH_ATTACH_MAX_DEFAULT), so that the
 * library, not the HTTP layer, says a file is too large. */
#define APP_ATTACH_BODY_MAX (16 * 1024 * 1024)
/* Hex digits of the launch secret, the session token and the CSRF token
 * (32 random bytes each). */
#define APP_TOKEN_HEX 64
/* The name of the session cookie. */
#define APP_COOKIE "rounds_app"

typedef struct app app; /* opaque */

/* One request, as the HTTP layer hands it over. Every string may be NULL
 * (absent) and is NUL-terminated; body holds body_len bytes (not
 * terminated). Nothing is kept after app_handle() returns. */
typedef struct app_request {
    const char *method;       /* "GET", "POST", ... */
    const char *path;         /* "/api/records", without the query */
    const char *query;        /* raw, still %-encoded, without the '?' */
    const char *host;         /* Host */
    const char *origin;       /* Origin */
    const char *cookie;       /* Cookie */
    const char *content_type; /* Content-Type */
    const char *csrf;         /* X-Rounds-CSRF */
    const char *body;
    size_t body_len;
    int body_cut; /* longer than the path's maximum: not all here */
} app_request;

/* Headers a response may carry besides the fixed security headers
 * (app_security_headers). */
typedef struct app_response {
    int status;                /* HTTP status */
    const char *content_type;  /* static string */
    int no_store;              /* Cache-Control: no-store (API answers) */
    const char *cache_control; /* static; set: this Cache-Control instead */
    char location[64];         /* Location, "" for none */
    char set_cookie[160];      /* Set-Cookie, "" for none */
    char *body;                /* malloc'd, or NULL with static_body */
    const unsigned char *static_body; /* an embedded asset, not freed */
    size_t body_len;
    /* The page (GET /open, GET /): static_body holds the marker
     * APP_BOOT_MARK at boot_at; a server sends the bytes before it at
     * once, then app_boot_block()'s in its place, then the rest. 0: none
     * (sent as it is, the page asks the API for its data). */
    size_t boot_at;
} app_response;

#define APP_BOOT_MARK "<!--boot-->"

/* A security header: name and value, static strings. */
typedef struct app_header {
    const char *name, *value;
} app_header;

/* The headers every answer carries (CSP, X-Frame-Options, ...), ended by
 * a NULL name. Static. */
const app_header *app_security_headers(void);

typedef struct app_config {
    const char *lang; /* "zh-CN" (default) or "en": the page's language */
    /* Fixed tokens instead of random ones (tests, the fuzzer); NULL:
     * random. Each must be APP_TOKEN_HEX hex digits. */
    const char *secret, *session, *csrf;
    /* 1: POST /api/enroll may enroll a handheld not enrolled yet
     * (hh_enroll_payload: it connects to the payload's server); 0: that
     * route answers 403 (the fuzzer, which must not reach the network). */
    int enroll;
} app_config;

/* Makes the server's state around h (which it uses from then on, behind
 * its mutex; the caller still closes h after app_free()). The port the
 * Host check wants is set by app_set_port() once the socket listens.
 * Returns 0, RND_EINVAL (bad config), RND_ENOMEM or RND_ECRYPTO (no
 * randomness). */
int app_new(hh *h, const app_config *cfg, app **out);

/* The port the socket listens on: Host and Origin must name it. */
void app_set_port(app *a, unsigned port);

/* The launch secret (the k of /open?k=), APP_TOKEN_HEX hex digits. Lives
 * as long as a. */
const char *app_secret(const app *a);

/* Waits for a running sync to end, then frees a; NULL is allowed. */
void app_free(app *a);

/* The first screen's data as the page's <script type="application/json"
 * id="boot"> block, malloc'd into *out: {"session":A,"now":A,"staff":A,
 * "prefs":P}, each A {"status":HTTP status,"body":the API's answer} of
 * GET /api/session, /api/now, /api/staff ('<' written \u003c), P the
 * page's language and theme as its rounds_prefs cookie (in cookie, the
 * request's Cookie header, may be NULL) says, or null. The answers made
 * at launch when they are fresh (app_boot.c), else made now. 0 or
 * RND_ENOMEM. */
int app_boot_block(app *a, const char *cookie, char **out, size_t *len);
/* Starts making it at launch, on a thread (rounds app calls it once it
 * listens). 0 or RND_ENOMEM. */
int app_boot_begin(app *a);

/* Handles one request into *rs (zeroed first); always fills a response.
 * Free it with app_response_free(). */
void app_handle(app *a, const app_request *rq, app_response *rs);

/* Frees what rs holds; rs may be reused. */
void app_response_free(app_response *rs);

/* ---- HTTP (app_mhd.c, libmicrohttpd) ------------------------------------ */

typedef struct app_server app_server; /* opaque */

/* Listens on 127.0.0.1:port (0: a free port the kernel picks) and serves
 * a on threads of libmicrohttpd's; *port_out gets the port (also given to
 * app_set_port). RND_EIO when it cannot listen (the port is taken),
 * RND_ENOMEM. a must outlive the server. */
int app_server_start(app *a, unsigned port, app_server **out,
                     unsigned *port_out);

/* Stops listening and waits for the requests in progress; NULL is
 * allowed. */
void app_server_stop(app_server *s);

#endif
