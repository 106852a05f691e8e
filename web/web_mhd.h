/* web_mhd.h: the libmicrohttpd glue the project's two web servers share
 * (`rounds app`, app/app_mhd.c; roundsd's dashboard, dash/dash_http.c):
 * a request's raw URI kept from the URI log callback (MHD gives the
 * access handler the path %-decoded and the query parsed; the servers
 * read the raw bytes), its body gathered up to a maximum, and the body
 * and headers of an answer. Each server keeps its own daemon, options,
 * request and answer types; this file holds only what both do alike.
 */
#ifndef RND_WEB_MHD_H
#define RND_WEB_MHD_H

#include <microhttpd.h>
#include <stddef.h>

/* One request in progress: made by web_mhd_on_uri, freed by
 * web_mhd_on_done (MHD's per-connection pointer, con_cls). */
typedef struct web_mhd_req {
    char *uri;         /* raw, with the query, until web_mhd_gather splits it */
    const char *query; /* after the split: the raw query or NULL */
    char *body;        /* malloc'd, len bytes; NULL when empty */
    size_t len;
    size_t max;  /* the body's maximum, 0 until the first chunk */
    int too_big; /* more than max came: read on, kept no more */
    int started; /* the headers have been seen */
} web_mhd_req;

/* MHD_OPTION_URI_LOG_CALLBACK: a new web_mhd_req holding uri (NULL when
 * out of memory: the access handler then refuses the request). */
void *web_mhd_on_uri(void *cls, const char *uri, struct MHD_Connection *c);

/* MHD_OPTION_NOTIFY_COMPLETED: frees the request. */
void web_mhd_on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                     enum MHD_RequestTerminationCode toe);

/* The largest body the server takes for path (the URI before '?'). */
typedef size_t (*web_mhd_body_max_fn)(const char *path);

enum {
    WEB_MHD_FAIL = -1, /* return MHD_NO */
    WEB_MHD_MORE = 0,  /* return MHD_YES: headers seen or a chunk taken */
    WEB_MHD_READY = 1  /* the request is whole: answer it */
};

/* The first steps of an access handler, called with its r (con_cls),
 * upload and upload_size: notes the headers, then gathers each chunk of
 * the body up to body_max(path) bytes (beyond, too_big is set and the
 * rest is read and dropped: the server answers 413). When the request is
 * whole, splits r->uri at '?' (r->uri is then the path, as sent: no
 * %-decoding) and returns WEB_MHD_READY. */
int web_mhd_gather(web_mhd_req *r, const char *upload, size_t *upload_size,
                   web_mhd_body_max_fn body_max);

/* The value of request header name; NULL when absent. Valid while the
 * request lasts. */
const char *web_mhd_header(struct MHD_Connection *c, const char *name);

/* A response of len bytes: static_body when not NULL (kept by the
 * caller for the daemon's life), else a copy of body (may be NULL when
 * len is 0). NULL when out of memory. */
struct MHD_Response *web_mhd_body(const void *static_body, const char *body,
                                  size_t len);

/* Adds the headers both servers send when they are set: Content-Type,
 * Cache-Control (cache_control, else "no-store" when no_store, else
 * "no-cache"), Location and Set-Cookie ("" or NULL: left out). The
 * security headers are each server's own. */
void web_mhd_headers(struct MHD_Response *m, const char *content_type,
                     const char *cache_control, int no_store,
                     const char *location, const char *set_cookie);

#endif
