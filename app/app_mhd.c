/* app_mhd.c: the only file of `rounds app` that speaks HTTP: Debian's
 * libmicrohttpd listening on 127.0.0.1 alone, a thread per connection (a
 * request waiting for the hh mutex during a sync does not stop GET
 * /api/sync), the body gathered up to its path's maximum (app_body_max), the
 * raw query kept from the URI log callback, and app_handle()'s answer sent with
 * the security headers on every response.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "app_int.h"

struct app_server {
    struct MHD_Daemon *d;
    app *a;
};

/* One request in progress. */
typedef struct req {
    char *uri; /* raw, with the query */
    char *body;
    size_t len;
    size_t max; /* the path's largest body (app_body_max), 0 until known */
    int too_big, started;
} req;

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    req *r = calloc(1, sizeof *r);
    if (r)
        r->uri = strdup(uri ? uri : "/");
    return r;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    req *r = *con_cls;
    if (r) {
        free(r->uri);
        free(r->body);
        free(r);
    }
    *con_cls = NULL;
}

static enum MHD_Result send_answer(struct MHD_Connection *c,
                                   const app_response *rs)
{
    struct MHD_Response *m;
    if (rs->static_body)
        m = MHD_create_response_from_buffer(
            rs->body_len, (void *)rs->static_body, MHD_RESPMEM_PERSISTENT);
    else
        m = MHD_create_response_from_buffer(rs->body ? rs->body_len : 0,
                                            rs->body, MHD_RESPMEM_MUST_COPY);
    if (m == NULL)
        return MHD_NO;
    for (const app_header *h = app_security_headers(); h->name; h++)
        MHD_add_response_header(m, h->name, h->value);
    if (rs->content_type)
        MHD_add_response_header(m, "Content-Type", rs->content_type);
    MHD_add_response_header(m, "Cache-Control",
                            rs->cache_control ? rs->cache_control
                            : rs->no_store    ? "no-store"
                                              : "no-cache");
    if (rs->location[0])
        MHD_add_response_header(m, "Location", rs->location);
    if (rs->set_cookie[0])
        MHD_add_response_header(m, "Set-Cookie", rs->set_cookie);
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)rs->status, m);
    MHD_destroy_response(m);
    return ok;
}

static const char *hdr(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    app *a = cls;
    req *r = *con_cls;
    if (r == NULL || r->uri == NULL)
        return MHD_NO;
    if (!r->started) {
        r->started = 1; /* the headers: the body (if any) comes next */
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        if (r->max == 0) {
            size_t plen = strcspn(r->uri, "?");
            char path[16] = "";
            if (plen < sizeof path)
                memcpy(path, r->uri, plen), path[plen] = '\0';
            r->max = app_body_max(path);
        }
        if (r->len + n > r->max) {
            r->too_big = 1;
        } else if (!r->too_big) {
            char *p = realloc(r->body, r->len + n);
            if (p == NULL)
                return MHD_NO;
            memcpy(p + r->len, upload, n);
            r->body = p;
            r->len += n;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    app_response rs;
    char *q = strchr(r->uri, '?');
    if (q)
        *q++ = '\0';
    app_request rq = {
        .method = method,
        .path = r->uri, /* as sent: no %-decoding of the path */
        .query = q,
        .host = hdr(c, "Host"),
        .origin = hdr(c, "Origin"),
        .cookie = hdr(c, "Cookie"),
        .content_type = hdr(c, "Content-Type"),
        .csrf = hdr(c, "X-Rounds-CSRF"),
        .body = r->body,
        .body_len = r->len,
        .body_cut = r->too_big,
    };
    app_handle(a, &rq, &rs);
    enum MHD_Result ok = send_answer(c, &rs);
    app_response_free(&rs);
    return ok;
}

int app_server_start(app *a, unsigned port, app_server **out,
                     unsigned *port_out)
{
    struct sockaddr_in sa;
    *out = NULL;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    app_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return RND_ENOMEM;
    s->a = a;
    s->d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
            MHD_USE_POLL | MHD_USE_ERROR_LOG,
        (uint16_t)port, NULL, NULL, on_request, a, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&sa, MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)64, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
        MHD_OPTION_END);
    if (s->d == NULL) {
        free(s);
        return RND_EIO;
    }
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned bound = di ? di->port : port;
    if (bound == 0) {
        MHD_stop_daemon(s->d);
        free(s);
        return RND_EIO;
    }
    app_set_port(a, bound);
    *port_out = bound;
    *out = s;
    return 0;
}

void app_server_stop(app_server *s)
{
    if (s == NULL)
        return;
    MHD_stop_daemon(s->d);
    free(s);
}
