/* dashdev.c: the dashboard's handhelds API (dash/api_devices.c) driven
 * without HTTP, for test_e2e_enroll_qr.sh: a dash_ctx filled here, the
 * handler of a route called, its answer printed (status line, then the
 * body). The store and registry accessors of dash.c are this file's own:
 * the site's store and the registry opened as the admin commands open
 * them, beside a running roundsd.
 *
 *   dashdev DATA ROLE GET  /api/devices        SITE [LANG]
 *   dashdev DATA ROLE POST /api/devices/enroll SITE NAME
 *   dashdev DATA ROLE POST /api/devices/revoke SITE NAME
 * ROLE: clerk, manager or admin (the account's role on SITE); a route
 * above the role answers 403 EFORBIDDEN as dash.c does. The configuration
 * is $ROUNDSD_CONFIG's (public_address, listen), the clock
 * $ROUNDSD_CLOCK_MS's in a test build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../dash/dash_int.h"
#include "../../dash/devices.h"
#include "../../proto/clock.h"
#include "../../report/jsonread.h"
#include "../../server/site.h"

struct dash {
    const char *data;
    srv_registry *reg;
    store *st;
    const char *site;
};

int dash_store(dash_ctx *c, store **out)
{
    *out = NULL;
    if (c->d->st == NULL) {
        int rc = srv_site_open(c->d->data, c->d->site, STORE_CREATE, &c->d->st,
                               NULL);
        if (rc) {
            dash_fail(c, rc, "site", "cannot open the site's store");
            return rc;
        }
    }
    *out = c->d->st;
    return 0;
}

const char *dash_data_dir(const dash *d)
{
    return d->data;
}

srv_registry *dash_registry_lock(dash *d)
{
    if (d->reg == NULL && srv_registry_open(d->data, 0, &d->reg) != 0)
        d->reg = NULL;
    return d->reg;
}

void dash_registry_unlock(dash *d)
{
    (void)d;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: dashdev DATA ROLE METHOD PATH SITE [NAME]\n");
        return 2;
    }
    int role = strcmp(argv[2], "admin") == 0     ? SRV_ROLE_ADMIN
               : strcmp(argv[2], "manager") == 0 ? SRV_ROLE_MANAGER
                                                 : SRV_ROLE_CLERK;
    srv_config cfg;
    srv_config_init(&cfg);
    const char *path = getenv("ROUNDSD_CONFIG");
    char err[1024];
    if (path && srv_config_load(&cfg, path, err, sizeof err) != 0) {
        fprintf(stderr, "dashdev: %s\n", err);
        return 2;
    }
    if (srv_config_set(&cfg, "data", argv[1], SRV_CFG_FLAG, 0, err,
                       sizeof err) != 0) {
        fprintf(stderr, "dashdev: %s\n", err);
        return 2;
    }
    dash_dev_set_config(&cfg);
    dash d = {.data = argv[1], .site = argv[5]};
    dash_request rq = {.method = argv[3], .path = argv[4]};
    dash_response rs = {0};
    dash_ctx c = {.d = &d,
                  .rq = &rq,
                  .rs = &rs,
                  .role = role,
                  .now_ms = rnd_clock_now_ms(RND_CLOCK_ENV_OFFICE),
                  .tz_min = 480,
                  .lang = "zh-CN"};
    snprintf(c.by, sizeof c.by, "web:test");
    snprintf(c.site, sizeof c.site, "%s", argv[5]);
    char body[512], query[256];
    rpt_jv json;
    int have_json = 0;
    if (strcmp(argv[3], "POST") == 0) {
        snprintf(body, sizeof body, "{\"site\":\"%s\",\"name\":\"%s\"}",
                 argv[5], argc > 6 ? argv[6] : "");
        rq.body = body;
        rq.body_len = strlen(body);
        size_t where;
        if (rpt_jv_parse(body, strlen(body), &json, &where) != 0) {
            fprintf(stderr, "dashdev: bad body\n");
            return 2;
        }
        have_json = 1;
        c.json = &json;
    } else {
        snprintf(query, sizeof query, "site=%s", argv[5]);
        rq.query = query;
        if (argc > 6)
            c.lang = argv[6];
    }
    const dash_route *hit = NULL;
    for (const dash_route *r = dash_device_routes; r->path; r++)
        if (strcmp(r->method, argv[3]) == 0 && strcmp(r->path, argv[4]) == 0)
            hit = r;
    if (hit == NULL)
        dash_fail_status(&c, 404, "ENOTFOUND", NULL, "no such route");
    else if (role < hit->min_role)
        dash_fail_status(&c, 403, "EFORBIDDEN", NULL, "not your role");
    else
        hit->fn(&c);
    printf("%d\n%.*s", rs.status, (int)rs.body_len, rs.body ? rs.body : "");
    dash_response_free(&rs);
    if (have_json)
        rpt_jv_free(&json);
    if (d.st)
        store_close(d.st);
    srv_registry_close(d.reg);
    return 0;
}
