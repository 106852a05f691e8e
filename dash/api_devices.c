/* api_devices.c: the dashboard's JSON API for handhelds: the list,
 * enrollment with its QR code, revocation (docs/WEB-API.md, "Handhelds and
 * enrollment"). Thin: parameters and answers here, the work in devices.c
 * and the registry, which every handler holds through dash_registry_lock.
 */
#include <stdlib.h>
#include <string.h>

#include "../proto/errors.h"
#include "../server/enroll_qr.h"
#include "../server/log.h"
#include "dash_int.h"
#include "devices.h"

static int name_param(dash_ctx *c, char *name, size_t cap)
{
    if (dash_param_req(c, "name", name, cap) != 0)
        return RND_EFIELD;
    if (!srv_name_valid(name, strlen(name))) {
        dash_fail(c, RND_EFIELD, "name",
                  "field 'name' must be 1..63 bytes of A-Z a-z 0-9 _ . -");
        return RND_EFIELD;
    }
    return 0;
}

/* GET /api/devices?site=S (clerk) -> {"ok":true,"table":TABLE} */
static void h_devices(dash_ctx *c)
{
    store *st = NULL;
    store_txn *txn = NULL;
    /* Without the site's store (none yet) the registry's counts serve;
     * dash_store's answer is replaced by the one below. */
    if (dash_store(c, &st) == 0 && store_read_begin(st, &txn) != 0)
        txn = NULL;
    srv_registry *r = dash_registry_lock(c->d);
    if (r == NULL) {
        if (txn)
            store_read_end(txn);
        dash_fail(c, RND_ESTORE, NULL, "the registry is not open");
        return;
    }
    rpt_jw *j = dash_out_begin(c);
    int rc = RND_ENOMEM;
    if (j) {
        rpt_jw_key(j, "table");
        rc = dash_dev_table(j, r, txn, c->site, c->lang, c->tz_min,
                            (int64_t)dash_dev_config()->skew_limit_min * 60000);
    }
    dash_registry_unlock(c->d);
    if (txn)
        store_read_end(txn);
    if (j && rc == 0)
        dash_out_end(c, 200);
    else if (j) {
        dash_out_end(c, 200); /* closes the writer; replaced below */
        dash_fail(c, rc, NULL, "cannot read the registry");
    }
}

/* POST /api/devices/enroll {"site","name"} (admin) -> {"ok":true,"site",
 * "name","credential","payload","qr"} */
static void h_enroll(dash_ctx *c)
{
    char name[SRV_NAME_MAX + 1], err[1024];
    if (name_param(c, name, sizeof name) != 0)
        return;
    /* Several nodes: the site is this node's (assigned at its first
     * enrollment) or the enrollment is refused naming its node, as
     * `roundsd enroll` does; before the site's store is opened, so a
     * refusal leaves no empty store of it here. */
    int rc = srv_enroll_assign(dash_dev_config(), c->site, err, sizeof err);
    if (rc) {
        dash_fail(c, rc, "site", err);
        return;
    }
    store *st;
    if (dash_store(c, &st) != 0)
        return;
    srv_registry *r = dash_registry_lock(c->d);
    if (r == NULL) {
        dash_fail(c, RND_ESTORE, NULL, "the registry is not open");
        return;
    }
    dash_dev_enrollment e;
    rc = dash_dev_enroll(r, st, dash_dev_config(), dash_data_dir(c->d), c->site,
                         name, c->now_ms, &e, err, sizeof err);
    dash_registry_unlock(c->d);
    if (rc) {
        dash_dev_enrollment_free(&e);
        dash_fail(c, rc, rc == RND_EEXIST ? "name" : NULL, err);
        return;
    }
    srv_log(SRV_LOG_INFO, "web: %s enrolled %s/%s from %s", c->by, c->site,
            name, c->rq && c->rq->peer ? c->rq->peer : "-");
    rpt_jw *j = dash_out_begin(c);
    if (j) {
        rpt_jw_kstr(j, "site", c->site);
        rpt_jw_kstr(j, "name", name);
        rpt_jw_kstr(j, "credential", e.credential);
        rpt_jw_kstr(j, "payload", e.payload);
        rpt_jw_kstr(j, "qr", e.qr_url);
        dash_out_end(c, 200);
    }
    dash_dev_enrollment_free(&e);
}

/* POST /api/devices/revoke {"site","name"} (admin) -> {"ok":true,"site",
 * "name","was_revoked"} */
static void h_revoke(dash_ctx *c)
{
    char name[SRV_NAME_MAX + 1];
    if (name_param(c, name, sizeof name) != 0)
        return;
    srv_registry *r = dash_registry_lock(c->d);
    if (r == NULL) {
        dash_fail(c, RND_ESTORE, NULL, "the registry is not open");
        return;
    }
    int was = 0;
    int rc = srv_registry_revoke(r, c->site, name, &was);
    dash_registry_unlock(c->d);
    if (rc == RND_ENOTFOUND) {
        dash_fail(c, rc, "name", "no such handheld is enrolled on this site");
        return;
    }
    if (rc) {
        dash_fail(c, rc, NULL, "cannot revoke it");
        return;
    }
    srv_log(SRV_LOG_INFO, "web: %s revoked %s/%s%s from %s", c->by, c->site,
            name, was ? " (already revoked)" : "",
            c->rq && c->rq->peer ? c->rq->peer : "-");
    rpt_jw *j = dash_out_begin(c);
    if (j) {
        rpt_jw_kstr(j, "site", c->site);
        rpt_jw_kstr(j, "name", name);
        rpt_jw_kbool(j, "was_revoked", was);
        dash_out_end(c, 200);
    }
}

const dash_route dash_device_routes[] = {
    {"GET", "/api/devices", 1, SRV_ROLE_CLERK, h_devices},
    {"POST", "/api/devices/enroll", 1, SRV_ROLE_ADMIN, h_enroll},
    {"POST", "/api/devices/revoke", 1, SRV_ROLE_ADMIN, h_revoke},
    {NULL, NULL, 0, 0, NULL}};
