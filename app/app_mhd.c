/* app_mhd.c: the only file of `rounds app` that speaks HTTP: Debian's
 * libmicrohttpd listening on 127.0.0.1 alone, a thread per connection (a
 * request waiting for the hh mutex during a sync does not stop GET
 * /api/sync), the body gathered up to its path's maximum (app_body_max) and
 * the raw query kept from the URI log callback (web/web_mhd.c, the glue it
 * shares with the dashboard), and app_handle()'s answer sent with the
 * security headers on every response; the page (/open, /) streamed with
 * the first screen's data in it (app_boot.c).
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "app_int.h"
#include "web_mhd.h"

struct app_server {
    struct MHD_Daemon *d;
    app *a;
};

/* The page with the first screen's data (app_response.boot_at): the part
 * before the marker, sent at once, so the browser asks for app.css and
 * app.js while app_boot_block waits for the data; the block; the rest. */
typedef struct page_stream {
    app *a;
    const unsigned char *page;
    size_t len, at, mark; /* page's bytes, the marker's offset and size */
    char *block;          /* NULL until the head is sent */
    size_t block_len;
    int made;
    char cookie[1024]; /* the request's Cookie (its prefs), cut */
} page_stream;

static ssize_t page_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    page_stream *p = cls;
    if (pos < p->at) {
        size_t n = p->at - (size_t)pos < max ? p->at - (size_t)pos : max;
        memcpy(buf, p->page + pos, n);
        return (ssize_t)n;
    }
    if (!p->made) {
        /* A connection's own thread (MHD_USE_THREAD_PER_CONNECTION): it
         * may wait here. Without the data the page asks the API. */
        p->made = 1;
        if (app_boot_block(p->a, p->cookie, &p->block, &p->block_len) != 0) {
            p->block = NULL;
            p->block_len = 0;
        }
    }
    size_t off = (size_t)pos - p->at;
    if (off < p->block_len) {
        size_t n = p->block_len - off < max ? p->block_len - off : max;
        memcpy(buf, p->block + off, n);
        return (ssize_t)n;
    }
    size_t rest = p->at + p->mark + (off - p->block_len);
    if (rest >= p->len)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = p->len - rest < max ? p->len - rest : max;
    memcpy(buf, p->page + rest, n);
    return (ssize_t)n;
}

static void page_free(void *cls)
{
    page_stream *p = cls;
    free(p->block);
    free(p);
}

static struct MHD_Response *page_body(app *a, const app_response *rs,
                                      const char *cookie)
{
    page_stream *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->a = a;
    snprintf(p->cookie, sizeof p->cookie, "%s", cookie ? cookie : "");
    p->page = rs->static_body;
    p->len = rs->body_len;
    p->at = rs->boot_at;
    p->mark = sizeof APP_BOOT_MARK - 1;
    /* Size unknown: chunked; blocks of up to 16 KiB. */
    struct MHD_Response *m = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, 16384, page_read, p, page_free);
    if (m == NULL)
        free(p);
    return m;
}

static enum MHD_Result send_answer(app *a, struct MHD_Connection *c,
                                   const app_response *rs,
                                   const app_request *rq)
{
    int head = strcmp(rq->method, "HEAD") == 0;
    struct MHD_Response *m =
        rs->boot_at && rs->static_body && !head
            ? page_body(a, rs, rq->cookie)
            : web_mhd_body(rs->static_body, rs->body, rs->body_len);
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
    enum MHD_Result ok = send_answer(a, c, &rs, &rq);
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
