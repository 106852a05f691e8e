/* web_mhd.c: the libmicrohttpd glue both web servers share. See
 * web_mhd.h. */
#include "web_mhd.h"

#include <stdlib.h>
#include <string.h>

void *web_mhd_on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls, (void)c;
    web_mhd_req *r = calloc(1, sizeof *r);
    if (r)
        r->uri = strdup(uri ? uri : "/");
    return r;
}

void web_mhd_on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                     enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    web_mhd_req *r = *con_cls;
    if (r) {
        free(r->uri);
        free(r->body);
        free(r);
    }
    *con_cls = NULL;
}

/* The body's maximum for r's path; a path too long to copy is no path
 * with a larger maximum. */
static size_t max_of(const web_mhd_req *r, web_mhd_body_max_fn body_max)
{
    char path[64] = "";
    size_t plen = strcspn(r->uri, "?");
    if (plen < sizeof path) {
        memcpy(path, r->uri, plen);
        path[plen] = '\0';
    }
    return body_max(path);
}

int web_mhd_gather(web_mhd_req *r, const char *upload, size_t *upload_size,
                   web_mhd_body_max_fn body_max)
{
    if (r == NULL || r->uri == NULL)
        return WEB_MHD_FAIL;
    if (!r->started) {
        r->started = 1; /* the headers: the body (if any) comes next */
        return WEB_MHD_MORE;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        if (r->max == 0)
            r->max = max_of(r, body_max);
        if (r->len + n > r->max) {
            r->too_big = 1;
        } else if (!r->too_big) {
            char *p = realloc(r->body, r->len + n);
            if (p == NULL)
                return WEB_MHD_FAIL;
            memcpy(p + r->len, upload, n);
            r->body = p;
            r->len += n;
        }
        *upload_size = 0;
        return WEB_MHD_MORE;
    }
    char *q = strchr(r->uri, '?');
    if (q)
        *q++ = '\0';
    r->query = q;
    return WEB_MHD_READY;
}

const char *web_mhd_header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

struct MHD_Response *web_mhd_body(const void *static_body, const char *body,
                                  size_t len)
{
    if (static_body)
        return MHD_create_response_from_buffer(len, (void *)static_body,
                                               MHD_RESPMEM_PERSISTENT);
    return MHD_create_response_from_buffer(body ? len : 0, (void *)body,
                                           MHD_RESPMEM_MUST_COPY);
}

void web_mhd_headers(struct MHD_Response *m, const char *content_type,
                     const char *cache_control, int no_store,
                     const char *location, const char *set_cookie)
{
    if (content_type)
        MHD_add_response_header(m, "Content-Type", content_type);
    MHD_add_response_header(m, "Cache-Control",
                            cache_control ? cache_control
                            : no_store    ? "no-store"
                                          : "no-cache");
    if (location && location[0])
        MHD_add_response_header(m, "Location", location);
    if (set_cookie && set_cookie[0])
        MHD_add_response_header(m, "Set-Cookie", set_cookie);
}
