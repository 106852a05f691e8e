/* dash_core.h: what the web core's files of dash/ share beside
 * dash_int.h (dash.c, dash_events.c, dash_http.c, dash_run.c): the
 * security headers, the per-site event counters, the HTTP server, and the
 * session check of a running event stream.
 */
#ifndef RND_DASH_CORE_H
#define RND_DASH_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "dash.h"
#include "dash_int.h"

/* The session cookie's name (the __Host- prefix: Secure, Path=/, no
 * Domain, so no other host or plain-HTTP page can set it). */
#define DASH_COOKIE "__Host-rounds_office"

/* ---- dash.c ------------------------------------------------------------ */

/* A header every answer carries (CSP, HSTS, ...); static strings. */
typedef struct dash_header {
    const char *name, *value;
} dash_header;
/* The security headers, ended by a NULL name. */
const dash_header *dash_security_headers(void);

/* 1 while the session of token (WEB_TOKEN_HEX digits) exists and has not
 * expired (an event stream asks at each wake; it does not count as use). */
int dash_session_alive(dash *d, const char *token);

/* The event counters of d (made by dash_new). */
typedef struct dash_events dash_events;
dash_events *dash_events_of(dash *d);

/* ---- dash_events.c ----------------------------------------------------- */

/* Sites with a counter at once (more: the oldest quiet one is reused). */
#define DASH_EVENT_SITES 4096

int dash_events_new(dash_events **out);
void dash_events_free(dash_events *e);
/* A sync of site landed at at_ms: its counter moves on, its streams wake. */
void dash_events_note(dash_events *e, const char *site, int64_t at_ms);
/* The site's counter now (0 when it never moved). */
uint64_t dash_events_count(dash_events *e, const char *site);
/* Waits up to timeout_ms for site's counter to pass *seen: 1 with *seen
 * and *at_ms (the last sync's time) updated; 0 on the timeout; -1 once
 * dash_events_halt ran. */
int dash_events_wait(dash_events *e, const char *site, uint64_t *seen,
                     int64_t *at_ms, int timeout_ms);
/* Every wait returns -1, now and from now on. */
void dash_events_halt(dash_events *e);

/* ---- dash_http.c ------------------------------------------------------- */

typedef struct dash_http dash_http;

/* Listens on listen ("HOST:PORT", "[V6]:PORT") with TLS from the PEM
 * texts cert and key (kept by the caller until dash_http_stop) and serves
 * d. The bound address goes into url ("https://127.0.0.1:8443", cap
 * bytes). 0; RND_EINVAL (address), RND_EIO (cannot listen, or the TLS
 * keys are refused: err says), RND_ENOMEM. */
int dash_http_start(dash *d, const char *listen, const char *cert,
                    const char *key, dash_http **out, char *url, size_t cap,
                    char *err, size_t errcap);
/* Stops: the event streams must have been halted first. NULL allowed. */
void dash_http_stop(dash_http *h);

#endif
