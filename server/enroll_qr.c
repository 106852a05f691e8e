/* enroll_qr.c: the office's side of enrolling a handheld beside
 * srv_registry_enroll: the personal-data key, the payload and its QR code.
 * See enroll_qr.h. */
#define _GNU_SOURCE
#include "enroll_qr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/errors.h"
#include "cert.h"
#include "directory.h"
#include "pii.h"
#include "qr.h"
#include "server.h"

#define QUIET 4 /* modules of quiet zone each side */
#define PX 8    /* the drawing's size: pixels per module */

/* A host serve binds to on every interface: not one a handheld can dial. */
static int wildcard(const char *host)
{
    return host[0] == '\0' || strcmp(host, "0.0.0.0") == 0 ||
           strcmp(host, "::") == 0 || strcmp(host, "*") == 0 ||
           strcmp(host, "::0") == 0;
}

int srv_enroll_address(const srv_config *cfg, char *out, size_t cap, char *err,
                       size_t errlen)
{
    char host[256];
    int port;
    out[0] = '\0';
    if (cfg->public_address[0]) {
        if ((size_t)snprintf(out, cap, "%s", cfg->public_address) >= cap)
            goto bad;
        return 0;
    }
    if (srv_parse_hostport(cfg->listen, host, sizeof host, &port) == 0 &&
        !wildcard(host) && port > 0 &&
        proto_enroll_addr_ok(cfg->listen, strlen(cfg->listen))) {
        if ((size_t)snprintf(out, cap, "%s", cfg->listen) >= cap)
            goto bad;
        return 0;
    }
bad:
    out[0] = '\0';
    snprintf(err, errlen,
             "no address for handhelds: serve listens on %s, which is not "
             "one a handheld can dial (a wildcard or port 0); set "
             "public_address = HOST:PORT (the address handhelds reach the "
             "server at) in the configuration file, or give "
             "--public-address HOST:PORT",
             cfg->listen);
    return RND_EINVAL;
}

static int directory_on(const srv_config *cfg)
{
    return cfg->pg_dsn[0] && cfg->node_name[0];
}

int srv_enroll_assign(const srv_config *cfg, const char *site, char *err,
                      size_t errlen)
{
    if (!directory_on(cfg))
        return 0;
    dir_conn *dc;
    char cerr[512];
    int rc = dir_connect(cfg->pg_dsn, &dc, cerr, sizeof cerr);
    if (rc) {
        snprintf(err, errlen, "cannot reach the node directory: %s", cerr);
        return rc;
    }
    dir_site cur;
    rc = dir_site_assign(dc, site, cfg->node_name, &cur);
    if (rc == RND_EEXIST)
        snprintf(err, errlen,
                 "site %s lives on node %s, not on this node (%s): enroll "
                 "its handhelds there",
                 site, cur.node, cfg->node_name);
    else if (rc == RND_ENOTFOUND)
        snprintf(err, errlen,
                 "this node (%s) is not in the node directory: run "
                 "'roundsd node add' first",
                 cfg->node_name);
    else if (rc)
        snprintf(err, errlen, "the node directory: %s", dir_error(dc));
    dir_close(dc);
    return rc;
}

/* With a node directory: the address and fingerprint of the node site
 * lives on (this node's when the site is not assigned yet). */
static int directory_node(const srv_config *cfg, const char *site,
                          proto_enroll *p, char *err, size_t errlen)
{
    dir_conn *dc;
    char cerr[512];
    int rc = dir_connect(cfg->pg_dsn, &dc, cerr, sizeof cerr);
    if (rc) {
        snprintf(err, errlen, "cannot reach the node directory: %s", cerr);
        return rc;
    }
    dir_site cur;
    const char *node = cfg->node_name;
    rc = dir_site_get(dc, site, &cur);
    if (rc == 0)
        node = cur.node;
    else if (rc == RND_ENOTFOUND)
        rc = 0;
    srv_node_ref *ref = malloc(sizeof *ref); /* 16 KiB: off the stack */
    if (rc == 0 && ref == NULL)
        rc = RND_ENOMEM;
    if (rc == 0)
        rc = dir_node_get(dc, node, ref, p->fp);
    if (rc == RND_ENOTFOUND)
        snprintf(err, errlen,
                 "node %s is not in the node directory: run 'roundsd node "
                 "add' first",
                 node);
    else if (rc)
        snprintf(err, errlen, "the node directory: %s", dir_error(dc));
    else
        snprintf(p->addr, sizeof p->addr, "%s", ref->addr);
    free(ref);
    dir_close(dc);
    return rc;
}

int srv_enroll_payload(const srv_config *cfg, const char *site,
                       const char *name, const char *cred, char *out,
                       size_t cap, char *err, size_t errlen)
{
    proto_enroll p;
    memset(&p, 0, sizeof p);
    int rc;
    /* Several nodes: the payload names the node the site lives on, by its
     * address and certificate as the directory holds them. */
    if (directory_on(cfg)) {
        rc = directory_node(cfg, site, &p, err, errlen);
        if (rc)
            return rc;
        goto names;
    }
    rc = srv_enroll_address(cfg, p.addr, sizeof p.addr, err, errlen);
    if (rc)
        return rc;
    char crt[SRV_CONFIG_PATH_MAX], cerr[512];
    srv_cert_info ci;
    srv_config_cert_path(cfg, crt, sizeof crt);
    rc = srv_cert_info_read(crt, &ci, cerr, sizeof cerr);
    if (rc == RND_ENOTFOUND) {
        snprintf(err, errlen,
                 "no server certificate at %s: run 'roundsd init' first", crt);
        return rc;
    }
    if (rc) {
        snprintf(err, errlen, "%s", cerr);
        return rc;
    }
    snprintf(p.fp, sizeof p.fp, "%s", ci.sha256);
names:
    snprintf(p.site, sizeof p.site, "%s", site);
    snprintf(p.dev, sizeof p.dev, "%s", name);
    snprintf(p.cred, sizeof p.cred, "%s", cred);
    const char *why;
    rc = proto_enroll_format(&p, out, cap, NULL, &why);
    if (rc)
        snprintf(err, errlen, "cannot make the enrollment payload: %s", why);
    return rc;
}

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '"')
            fputs("&quot;", f);
        else
            fputc(*s, f);
    }
}

int srv_enroll_qr_svg(const char *payload, const char *site, const char *name,
                      char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    QRcode *qr = srv_qr_encode(payload);
    if (qr == NULL)
        return errno == ENOMEM ? RND_ENOMEM : RND_EINVAL;
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (f == NULL) {
        QRcode_free(qr);
        return RND_ENOMEM;
    }
    int full = qr->width + 2 * QUIET;
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" data-payload=\"",
            full * PX, full * PX, full, full);
    xml_text(f, payload);
    fputs("\">\n<title>", f);
    xml_text(f, site);
    fputc('/', f);
    xml_text(f, name);
    fputs(": Rounds enrollment</title>\n", f);
    fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", full,
            full);
    fputs("<path fill=\"#000\" shape-rendering=\"crispEdges\" d=\"", f);
    srv_qr_svg_path(f, qr, QUIET);
    fputs("\"/>\n</svg>\n", f);
    QRcode_free(qr);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(buf);
        return RND_ENOMEM;
    }
    *out = buf;
    *len = n;
    return 0;
}

int srv_enroll_publish(store *st, const char *data_dir, const char *site,
                       int64_t now_ms)
{
    srv_pii_key key;
    int written;
    int rc = srv_pii_current(data_dir, site, 1, now_ms, &key);
    if (rc == 0)
        rc = srv_pii_publish(st, site, &key, now_ms, &written);
    memset(&key, 0, sizeof key);
    return rc;
}
