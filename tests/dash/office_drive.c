/* office_drive.c: calls one of the office's dashboard handlers
 * (dash_office_routes, api_office.c) the way the web core does, on a real
 * site store, without HTTP: test_dash_office.sh drives it and checks what
 * it wrote with roundsd itself.
 *
 *   office_drive DATA SITE METHOD PATH [QUERY [BODY]]
 *
 * Prints the status on the first line, then the Content-Disposition (or
 * "-"), then the body. The account is $OFFICE_BY (default "web:mgr"), its
 * role on SITE $OFFICE_ROLE (default manager), lang $OFFICE_LANG, the
 * office's offset +08:00, the clock ROUNDSD_CLOCK_MS (the CLI's).
 *
 * It defines the three store accessors of dash.c (this program is the
 * only "web core" linked in): dash_store opens SITE as `roundsd`'s admin
 * commands do, dash_data_dir is DATA, and dash_blobs opens SITE's
 * attachments folder when there is one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../dash/dash_int.h"
#include "../../i18n/i18n.h"
#include "../../proto/clock.h"
#include "../../server/site.h"
#include "../../storage/blob.h"

static const char *data_dir;
static store *site_store;

int dash_store(dash_ctx *c, store **out)
{
    if (site_store == NULL) {
        int rc = srv_site_open(data_dir, c->site, 0, &site_store, NULL);
        if (rc == RND_ENOTFOUND)
            rc = srv_site_open(data_dir, c->site, STORE_CREATE, &site_store,
                               NULL);
        if (rc) {
            dash_fail(c, rc, "site", "cannot open the site");
            return rc;
        }
    }
    *out = site_store;
    return 0;
}

const char *dash_data_dir(const dash *d)
{
    (void)d;
    return data_dir;
}

int dash_blobs(dash_ctx *c, struct blob_store **out)
{
    static blob_store *bs;
    char path[4200];
    struct stat sb;
    snprintf(path, sizeof path, "%s/sites/%s/attachments", data_dir, c->site);
    if (bs == NULL && (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)))
        return RND_ENOTFOUND;
    int rc = bs ? 0 : blob_open(&bs, path);
    *out = bs;
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr,
                "usage: office_drive DATA SITE METHOD PATH [QUERY [BODY]]\n");
        return 2;
    }
    i18n_init("roundsd"); /* as roundsd's main: the titles' catalogue */
    data_dir = argv[1];
    const char *query = argc > 5 ? argv[5] : "";
    const char *body = argc > 6 ? argv[6] : NULL;
    dash_request rq = {.method = argv[3],
                       .path = argv[4],
                       .query = query,
                       .body = body,
                       .body_len = body ? strlen(body) : 0};
    dash_response rs;
    memset(&rs, 0, sizeof rs);
    rpt_jv json;
    memset(&json, 0, sizeof json);
    dash_ctx c = {.rq = &rq, .rs = &rs};
    snprintf(c.by, sizeof c.by, "%s",
             getenv("OFFICE_BY") ? getenv("OFFICE_BY") : "web:mgr");
    snprintf(c.site, sizeof c.site, "%s", argv[2]);
    c.role =
        getenv("OFFICE_ROLE") ? atoi(getenv("OFFICE_ROLE")) : SRV_ROLE_MANAGER;
    c.now_ms = rnd_clock_now_ms(RND_CLOCK_ENV_OFFICE);
    c.tz_min = 480;
    c.lang = getenv("OFFICE_LANG") ? getenv("OFFICE_LANG") : "en";
    if (body) {
        if (rpt_jv_parse(body, strlen(body), &json, NULL) != 0) {
            fprintf(stderr, "office_drive: the body is not JSON\n");
            return 2;
        }
        c.json = &json;
    }
    const dash_route *r = NULL;
    for (const dash_route *p = dash_office_routes; p->path; p++)
        if (!strcmp(p->method, rq.method) && !strcmp(p->path, rq.path))
            r = p;
    if (r == NULL)
        printf("404\n-\n");
    else if (c.role < r->min_role)
        printf("403\n-\n");
    else {
        r->fn(&c);
        printf("%d\n%s\n", rs.status, rs.disposition[0] ? rs.disposition : "-");
        fwrite(rs.body, 1, rs.body_len, stdout);
    }
    dash_response_free(&rs);
    rpt_jv_free(&json);
    if (site_store)
        store_close(site_store);
    return 0;
}
