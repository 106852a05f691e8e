/* dash_http.c: the only file of dash/ that speaks HTTP: Debian's
 * libmicrohttpd with its TLS (GnuTLS), a thread per connection (an event
 * stream blocks its own thread only), a limit of connections in all and
 * per address, the body gathered up to DASH_BODY_MAX and the raw query kept
 * from the URI log callback (web/web_mhd.c, the glue it shares with
 * `rounds app`), dash_handle()'s answer sent with the security headers on
 * every response, and the event stream of GET /api/events.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "../server/log.h"
#include "../server/server.h"
#include "dash_core.h"
#include "web_mhd.h"

/* TLS 1.2 and 1.3 only, GnuTLS's usual suites. */
#define DASH_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
/* A connection silent this long is closed (the event stream's
 * keep-alive comes every DASH_KEEPALIVE_MS). */
#define DASH_CONN_TIMEOUT_S 60
/* A stream sends at most one sync event this often: the syncs that land
 * in between (a shift change lands 100 in half a second) become one, so
 * 100 open boards reload once or twice, not 100 times each, and the page
 * still sees a sync within DASH_EVENT_GAP_MS of when it landed. */
#define DASH_EVENT_GAP_MS 1000
/* And it waits for the syncs to pause this long (at most
 * DASH_EVENT_MAX_WAIT_MS): the boards reload after a shift change's burst
 * of pushes, not in the middle of it, where 100 reloads took CPU from the
 * pushes (bench_boards.sh: +18% on the 100,000-op push). A lone sync
 * reaches the board 0.25 s later. */
#define DASH_EVENT_QUIET_MS 250
#define DASH_EVENT_MAX_WAIT_MS 1000
/* A stream waiting for an event looks this often whether its browser has
 * gone (a page closed or reloaded): its thread and connection are freed
 * then, not at the next keep-alive write. Closed boards held their
 * connections for up to DASH_KEEPALIVE_MS, and a shift change's reloads
 * then ran into the per-address limit (DASH_CONNS_PER_IP). */
#define DASH_GONE_CHECK_MS 500

struct dash_http {
    struct MHD_Daemon *mhd;
    dash *d;
};

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    srv_log(SRV_LOG_DEBUG, "web: %s", line); /* TLS refusals, mostly */
}

/* ---- the event stream ------------------------------------------------------
 */

typedef struct stream {
    dash *d;
    int fd; /* the connection's socket, -1 when MHD did not say */
    char site[SRV_NAME_MAX + 1];
    char token[65];
    uint64_t seen;
    int64_t last_ms; /* monotonic time of the last sync event sent */
    char buf[256];
    size_t len, off;
} stream;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int conn_fd(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    return ci ? ci->connect_fd : -1;
}

/* Whether the browser has closed its end: it sends nothing on a stream
 * after its request, so hang-up or an error is all a poll can see. */
static int peer_gone(int fd)
{
    if (fd < 0)
        return 0;
    struct pollfd p = {.fd = fd, .events = POLLRDHUP};
    return poll(&p, 1, 0) > 0 &&
           (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

static int request_gone(const dash_request *rq)
{
    return peer_gone(rq->fd);
}

/* The next bytes of the stream: what is left of the last event, else the
 * next event or keep-alive, waited for on this connection's thread. */
static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    stream *s = cls;
    if (s->off == s->len) {
        int64_t at = 0;
        if (!dash_session_alive(s->d, s->token))
            return MHD_CONTENT_READER_END_OF_STREAM;
        int got = 0;
        for (int waited = 0; got == 0 && waited < DASH_KEEPALIVE_MS;
             waited += DASH_GONE_CHECK_MS) {
            got = dash_events_wait(dash_events_of(s->d), s->site, &s->seen, &at,
                                   DASH_GONE_CHECK_MS);
            if (got == 0 && peer_gone(s->fd)) {
                srv_log(SRV_LOG_DEBUG,
                        "web: event stream of %s closed by the browser",
                        s->site);
                return MHD_CONTENT_READER_END_WITH_ERROR;
            }
        }
        if (got < 0)
            return MHD_CONTENT_READER_END_OF_STREAM; /* stopping */
        if (got > 0) {
            /* Sent once the syncs have paused for DASH_EVENT_QUIET_MS, or
             * DASH_EVENT_MAX_WAIT_MS after the first, and never sooner
             * than DASH_EVENT_GAP_MS after the last event; what lands
             * meanwhile rides on this event. */
            int64_t first = mono_ms(), quiet_since = first;
            for (;;) {
                int64_t quiet = quiet_since + DASH_EVENT_QUIET_MS;
                int64_t latest = first + DASH_EVENT_MAX_WAIT_MS;
                int64_t ready = quiet < latest ? quiet : latest;
                if (ready < s->last_ms + DASH_EVENT_GAP_MS)
                    ready = s->last_ms + DASH_EVENT_GAP_MS;
                int64_t wait = ready - mono_ms();
                if (wait <= 0)
                    break;
                int64_t at2 = at;
                int more = dash_events_wait(dash_events_of(s->d), s->site,
                                            &s->seen, &at2, (int)wait);
                if (more < 0)
                    return MHD_CONTENT_READER_END_OF_STREAM;
                if (more > 0) {
                    at = at2;
                    quiet_since = mono_ms();
                }
            }
            s->last_ms = mono_ms();
        }
        int n = got ? snprintf(s->buf, sizeof s->buf,
                               "event: sync\ndata: {\"site\":\"%s\","
                               "\"at_ms\":%lld}\n\n",
                               s->site, (long long)at)
                    : snprintf(s->buf, sizeof s->buf, ": keep-alive\n\n");
        s->len = n > 0 ? (size_t)n : 0;
        s->off = 0;
    }
    size_t n = s->len - s->off < max ? s->len - s->off : max;
    memcpy(out, s->buf + s->off, n);
    s->off += n;
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    stream *s = cls;
    memset(s->token, 0, sizeof s->token);
    free(s);
}

static struct MHD_Response *stream_response(dash *d, struct MHD_Connection *c,
                                            const dash_response *rs)
{
    stream *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->d = d;
    s->fd = conn_fd(c);
    snprintf(s->site, sizeof s->site, "%s", rs->stream_site);
    snprintf(s->token, sizeof s->token, "%s", rs->stream_token);
    s->seen = dash_events_count(dash_events_of(d), s->site);
    /* The first bytes at once: the client knows it is connected. */
    s->len = (size_t)snprintf(s->buf, sizeof s->buf, "retry: 3000\n\n");
    struct MHD_Response *m = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, 1024, stream_read, s, stream_free);
    if (m == NULL)
        free(s);
    return m;
}

/* ---- requests ------------------------------------------------------------ */

static enum MHD_Result send_answer(dash *d, struct MHD_Connection *c,
                                   const dash_response *rs)
{
    struct MHD_Response *m =
        rs->event_stream
            ? stream_response(d, c, rs)
            : web_mhd_body(rs->static_body, rs->body, rs->body_len);
    if (m == NULL)
        return MHD_NO;
    for (const dash_header *h = dash_security_headers(); h->name; h++)
        MHD_add_response_header(m, h->name, h->value);
    web_mhd_headers(m, rs->content_type, rs->cache_control, rs->no_store,
                    rs->location, rs->set_cookie);
    if (rs->event_stream) /* nginx: pass each event on at once */
        MHD_add_response_header(m, "X-Accel-Buffering", "no");
    if (rs->disposition[0])
        MHD_add_response_header(m, "Content-Disposition", rs->disposition);
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)rs->status, m);
    MHD_destroy_response(m);
    return ok;
}

/* Every path takes bodies up to DASH_BODY_MAX (413 beyond). */
static size_t body_max(const char *path)
{
    (void)path;
    return DASH_BODY_MAX;
}

static void peer_of(struct MHD_Connection *c, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, cap, "-");
    if (ci == NULL || ci->client_addr == NULL)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
                  (socklen_t)cap);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
                  (socklen_t)cap);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)url, (void)version;
    dash *d = cls;
    web_mhd_req *r = *con_cls;
    int step = web_mhd_gather(r, upload, upload_size, body_max);
    if (step != WEB_MHD_READY)
        return step == WEB_MHD_MORE ? MHD_YES : MHD_NO;
    char peer[INET6_ADDRSTRLEN + 1];
    peer_of(c, peer, sizeof peer);
    dash_request rq = {
        .method = method,
        .path = r->uri, /* as sent: no %-decoding of the path */
        .query = r->query,
        .host = web_mhd_header(c, "Host"),
        .origin = web_mhd_header(c, "Origin"),
        .cookie = web_mhd_header(c, "Cookie"),
        .content_type = web_mhd_header(c, "Content-Type"),
        .csrf = web_mhd_header(c, "X-Rounds-CSRF"),
        .peer = peer,
        .body = r->body,
        .body_len = r->len,
        .body_cut = r->too_big,
        .gone = request_gone,
        .fd = conn_fd(c),
    };
    dash_response rs;
    dash_handle(d, &rq, &rs);
    enum MHD_Result ok = send_answer(d, c, &rs);
    dash_response_free(&rs);
    return ok;
}

/* ---- the daemon ------------------------------------------------------------
 */

int dash_http_start(dash *d, const char *listen, const char *cert,
                    const char *key, dash_http **out, char *url, size_t cap,
                    char *err, size_t errcap)
{
    *out = NULL;
    char host[256];
    int port;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                     MHD_USE_TLS | MHD_USE_ERROR_LOG;
    if (srv_parse_hostport(listen, host, sizeof host, &port) != 0) {
        snprintf(err, errcap, "web_listen %s: expected HOST:PORT", listen);
        return RND_EINVAL;
    }
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(err, errcap,
                 "web_listen %s: %s is not an IP address (use 127.0.0.1, "
                 "0.0.0.0 or an IPv6 address in brackets)",
                 listen, host);
        return RND_EINVAL;
    }
    dash_http *h = calloc(1, sizeof *h);
    if (h == NULL)
        return RND_ENOMEM;
    h->d = d;
    h->mhd = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, d, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_HTTPS_MEM_CERT, cert,
        MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_HTTPS_PRIORITIES,
        DASH_TLS_PRIORITIES, MHD_OPTION_URI_LOG_CALLBACK, web_mhd_on_uri, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, web_mhd_on_done, NULL,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)DASH_CONNS_MAX,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)DASH_CONNS_PER_IP,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)DASH_CONN_TIMEOUT_S,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
    if (h->mhd == NULL) {
        snprintf(err, errcap,
                 "cannot serve https on %s: the port is taken, or the "
                 "certificate or key is not one GnuTLS takes (debug log: "
                 "why)",
                 listen);
        free(h);
        return RND_EIO;
    }
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
    unsigned bound = di ? di->port : (unsigned)port;
    if (v6->sin6_family == AF_INET6)
        snprintf(url, cap, "https://[%s]:%u", host, bound);
    else
        snprintf(url, cap, "https://%s:%u", host, bound);
    *out = h;
    return 0;
}

void dash_http_stop(dash_http *h)
{
    if (h == NULL)
        return;
    MHD_stop_daemon(h->mhd);
    free(h);
}
