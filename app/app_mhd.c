/* app_mhd.c: the only file of `rounds app` that speaks HTTP: Debian's
 * libmicrohttpd listening on 127.0.0.1 alone, a thread per connection (a
 * request waiting for the hh mutex during a sync does not stop GET
 * /api/sync), the body gathered up to its path's maximum (app_body_max) and
 * the raw query kept from the URI log callback (web/web_mhd.c, the glue it
 * shares with the dashboard), and app_handle()'s answer sent with the
 * security headers on every response.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "app_int.h"
#include "web_mhd.h"

struct app_server {
    struct MHD_Daemon *d;
    app *a;
};

static enum MHD_Result send_answer(struct MHD_Connection *c,
                                   const app_response *rs)
{
    struct MHD_Response *m =
        web_mhd_body(rs->static_body, rs->body, rs->body_len);
    if (m == NULL)
        return MHD_NO;
    for (const app_header *h = app_security_headers(); h->name; h++)
        MHD_add_response_header(m, h->name, h->value);
    web_mhd_headers(m, rs->content_type, rs->cache_control, rs->no_store,
                    rs->location, rs->set_cookie);
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)rs->status, m);
    MHD_destroy_response(m);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    app *a = cls;
    web_mhd_req *r = *con_cls;
    int step = web_mhd_gather(r, upload, upload_size, app_body_max);
    if (step != WEB_MHD_READY)
        return step == WEB_MHD_MORE ? MHD_YES : MHD_NO;
    app_response rs;
    app_request rq = {
        .method = method,
        .path = r->uri, /* as sent: no %-decoding of the path */
        .query = r->query,
        .host = web_mhd_header(c, "Host"),
        .origin = web_mhd_header(c, "Origin"),
        .cookie = web_mhd_header(c, "Cookie"),
        .content_type = web_mhd_header(c, "Content-Type"),
        .csrf = web_mhd_header(c, "X-Rounds-CSRF"),
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
        (struct sockaddr *)&sa, MHD_OPTION_URI_LOG_CALLBACK, web_mhd_on_uri,
        NULL, MHD_OPTION_NOTIFY_COMPLETED, web_mhd_on_done, NULL,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_END);
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
