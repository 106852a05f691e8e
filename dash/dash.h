/* dash.h: roundsd's office dashboard (docs/DASHBOARD.md, docs/WEB-API.md),
 * as roundsd serve runs it: one process, forked by serve (server/child.h),
 * that serves the page and its JSON API over HTTPS (libmicrohttpd with
 * GnuTLS) until serve goes.
 *
 * The request handling is bytes in, bytes out (dash_handle, over the
 * request and response of dash_int.h), so the fuzzer and the tests drive
 * it without sockets; dash_http.c is the only file that speaks HTTP.
 */
#ifndef RND_DASH_H
#define RND_DASH_H

#include <stdint.h>

typedef struct dash dash; /* opaque (dash.c) */
struct dash_request;
struct dash_response;

/* The most connections at once, and from one address (each open board
 * holds one for its event stream; behind a reverse proxy every
 * connection comes from the proxy's address). */
#define DASH_CONNS_MAX 1024
#define DASH_CONNS_PER_IP 256
/* Sessions in memory at once (more: the one idle longest ends). */
#define DASH_SESSIONS_MAX 1024
/* A session's absolute limit, whatever it does. */
#define DASH_SESSION_MAX_MS (12 * 3600 * 1000LL)
/* The event stream's comment line, so proxies keep it open. */
#define DASH_KEEPALIVE_MS 15000

typedef struct dash_config {
    const char *data_dir;      /* the registry and DATA/sites/ */
    const char *listen;        /* "HOST:PORT" (port 0: any free one) */
    const char *cert;          /* PEM certificate chain */
    const char *key;           /* its PEM private key */
    uint32_t session_idle_min; /* 0: 30 */
    /* The read end of serve's pipe ("SITE\n" per landed sync; EOF: serve
     * is gone), or -1. */
    int notify_fd;
} dash_config;

/* The dashboard's process: opens the registry and the site stores, loads
 * the certificate, listens, logs "web: listening on https://HOST:PORT"
 * (server/log.h) once it accepts, and serves until SIGTERM or SIGINT or
 * the pipe's EOF. SIGHUP reopens the log. 0 after a clean stop, or an
 * error (logged) when it could not start. Blocks SIGTERM, SIGINT and
 * SIGHUP in the calling thread (and so in every thread it starts). */
int dash_run(const dash_config *cfg);

/* ---- without sockets: tests and the fuzzer ----------------------------- */

/* The state of dash_handle: opens the registry of cfg->data_dir (only
 * listen, cert and key are not used). 0, a store error, RND_ENOMEM. */
int dash_new(const dash_config *cfg, dash **out);
void dash_free(dash *d);

/* Answers one request into *rs (zeroed first; always filled). Free it
 * with dash_response_free(). Thread-safe. */
void dash_handle(dash *d, const struct dash_request *rq,
                 struct dash_response *rs);

/* A session of account with fixed tokens (64 hex digits each), as a login
 * would make: the fuzzer reaches the API with it. 0, RND_EINVAL. */
int dash_session_fixed(dash *d, const char *account, const char *token,
                       const char *csrf);

/* Stops every event stream (dash_run's stop). Thread-safe. */
void dash_events_stop(dash *d);

#endif
