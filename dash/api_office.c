/* api_office.c: the dashboard's JSON API for master data, staff PINs, tag
 * sheets, conflicts and work orders (docs/WEB-API.md, "Master data, staff
 * PINs and tag sheets", "Work orders", "Conflicts"). Thin handlers: the
 * parameters in, office.c / office_wo.c's answer out. Every write is an
 * office op by c->by through the CLI's own function.
 */
#include <stdlib.h>
#include <string.h>

#include "dash_int.h"
#include "office.h"

/* The most rows GET /api/workorders?status=all answers (newest first). */
#define WO_LIST_MAX 500

/* Answers e's failure with rc's status, naming e->field. */
static void fail_err(dash_ctx *c, int rc, const office_err *e)
{
    dash_fail(c, rc, e->field[0] ? e->field : NULL, e->msg);
}

/* "1", "true", "yes": on. */
static int flag_param(const dash_ctx *c, const char *name)
{
    char v[8];
    if (dash_param(c, name, v, sizeof v) != 0)
        return 0;
    return !strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes");
}

/* ---- master data ----------------------------------------------------------
 */

/* Answers what fn writes in the request's language: a form's description
 * (no store read). */
static void describe(dash_ctx *c, void (*fn)(rpt_jw *j, const char *lang))
{
    rpt_jw *j = dash_out_begin(c);
    if (j == NULL)
        return;
    fn(j, c->lang);
    dash_out_end(c, 200);
}

static void h_md_kinds(dash_ctx *c)
{
    describe(c, office_md_kinds);
}

static void h_md_list(dash_ctx *c)
{
    char kind[32];
    store *st;
    if (dash_param_req(c, "kind", kind, sizeof kind))
        return;
    const srv_md_kind *k = srv_md_find(kind);
    if (k == NULL) {
        dash_fail(c, RND_EFIELD, "kind", "unknown master-data kind");
        return;
    }
    if (dash_store(c, &st))
        return;
    rpt_jw *j = dash_out_begin(c);
    if (j == NULL)
        return;
    rpt_jw_kstr(j, "kind", k->noun);
    int rc = office_md_table(j, st, k, flag_param(c, "all"),
                             flag_param(c, "vacant"), c->tz_min, c->lang);
    if (rc) {
        dash_fail(c, rc, NULL, NULL);
        return;
    }
    dash_out_end(c, 200);
}

static void h_md_write(dash_ctx *c)
{
    char kind[32], mode[16], target[40], reason[PROTO_FIELD_STR_MAX + 1];
    store *st;
    office_err e = {"", ""};
    srv_admin_out out;
    if (dash_param_req(c, "kind", kind, sizeof kind) ||
        dash_param_req(c, "mode", mode, sizeof mode))
        return;
    if (dash_param(c, "target", target, sizeof target) == RND_EFIELD) {
        dash_fail(c, RND_EFIELD, "target", "target is a 32-hex id");
        return;
    }
    if (dash_param(c, "reason", reason, sizeof reason) == RND_EFIELD) {
        dash_fail(c, RND_EFIELD, "reason", "reason is too long");
        return;
    }
    const rpt_jv *values = rpt_jv_get(c->json, "values", RPT_JV_OBJ);
    if (values == NULL && rpt_jv_get(c->json, "values", RPT_JV_NULL) == NULL &&
        c->json && c->json->type == RPT_JV_OBJ) {
        for (size_t i = 0; i < c->json->n; i++)
            if (strcmp(c->json->keys[i], "values") == 0) {
                dash_fail(c, RND_EFIELD, "values",
                          "values is an object {flag: value}");
                return;
            }
    }
    if (dash_store(c, &st))
        return;
    int rc = office_md_write(st, c->site, kind, mode, target, values, reason,
                             c->by, c->now_ms, &out, &e);
    if (rc) {
        fail_err(c, rc, &e);
        return;
    }
    char hex[33];
    proto_entity_hex(out.id, hex);
    rpt_jw *j = dash_out_begin(c);
    if (j == NULL)
        return;
    rpt_jw_kstr(j, "id", hex);
    rpt_jw_kstr(j, "key", out.key);
    rpt_jw_kstr(j, "action", proto_action_name(out.action));
    rpt_jw_kbool(j, "revived", out.revived);
    dash_out_end(c, 200);
}

static void h_staff_pin(dash_ctx *c)
{
    char staff[PROTO_FIELD_STR_MAX + 1], pin[32];
    store *st;
    office_err e = {"", ""};
    if (dash_param_req(c, "staff", staff, sizeof staff))
        return;
    int clear = flag_param(c, "clear");
    int prc = dash_param(c, "pin", pin, sizeof pin);
    if (clear && prc == 0 && pin[0]) {
        dash_fail(c, RND_EFIELD, "pin", "give a pin or clear, not both");
        return;
    }
    if (!clear && (prc != 0 || pin[0] == '\0')) {
        memset(pin, 0, sizeof pin);
        dash_fail(c, RND_EFIELD, "pin", "field 'pin': a PIN is 4 to 8 digits");
        return;
    }
    if (dash_store(c, &st)) {
        memset(pin, 0, sizeof pin);
        return;
    }
    int rc = office_staff_pin(st, c->site, staff, clear ? NULL : pin, c->by,
                              c->now_ms, &e);
    memset(pin, 0, sizeof pin);
    if (rc) {
        fail_err(c, rc, &e);
        return;
    }
    rpt_jw *j = dash_out_begin(c);
    if (j == NULL)
        return;
    rpt_jw_kstr(j, "staff", staff);
    rpt_jw_kstr(j, "pin", clear ? "cleared" : "set");
    dash_out_end(c, 200);
}

static void h_tags_sheet(dash_ctx *c)
{
    char route[SRV_MD_KEY_MAX + 1], format[8], name[SRV_NAME_MAX + 32];
    store *st;
    office_err e = {"", ""};
    char *buf;
    size_t len;
    if (dash_param(c, "route", route, sizeof route) == RND_EFIELD ||
        dash_param(c, "format", format, sizeof format) == RND_EFIELD) {
        dash_fail(c, RND_EFIELD, NULL, "route or format is malformed");
        return;
    }
    if (format[0] == '\0')
        strcpy(format, "svg");
    if (strcmp(format, "svg") && strcmp(format, "pdf")) {
        dash_fail(c, RND_EFIELD, "format", "format is svg or pdf");
        return;
    }
    if (dash_store(c, &st))
        return;
    int rc = office_tags_sheet(st, dash_data_dir(c->d), c->site,
                               route[0] ? route : NULL, format, c->now_ms, &buf,
                               &len, &e);
    if (rc) {
        fail_err(c, rc, &e);
        return;
    }
    snprintf(name, sizeof name, "tags-%s%s%s.%s", c->site, route[0] ? "-" : "",
             route[0] ? "route" : "", format);
    dash_send(c, 200,
              strcmp(format, "pdf") ? "image/svg+xml" : "application/pdf", buf,
              len, name);
}

/* ---- conflicts ------------------------------------------------------------
 */

static void h_conflicts(dash_ctx *c)
{
    store *st;
    if (dash_store(c, &st))
        return;
    rpt_jw *j = dash_out_begin(c);
    if (j == NULL)
        return;
    int rc = office_conflicts_table(j, st, c->tz_min, c->lang);
    if (rc) {
        dash_fail(c, rc, NULL, NULL);
        return;
    }
    dash_out_end(c, 200);
}

static void h_resolve(dash_ctx *c)
{
    char id[40], field[PROTO_FIELD_NAME_MAX + 1];
    char value[PROTO_FIELD_STR_MAX + 1], reason[PROTO_FIELD_STR_MAX + 1];
    store *st;
    office_err e = {"", ""};
    if (dash_param_req(c, "id", id, sizeof id) ||
        dash_param_req(c, "field", field, sizeof field))
        return;
    if (dash_param(c, "value", value, sizeof value) != 0) {
        dash_fail(c, RND_EFIELD, "value", "field 'value' is required");
        return;
    }
    if (dash_param_req(c, "reason", reason, sizeof reason))
        return;
    if (dash_store(c, &st))
        return;
    int rc = office_resolve(st, id, field, value, reason, c->by, c->now_ms, &e);
    if (rc) {
        fail_err(c, rc, &e);
        return;
    }
    rpt_jw *j = dash_out_begin(c);
    if (j == NULL)
        return;
    rpt_jw_kstr(j, "id", id);
    rpt_jw_kstr(j, "field", field);
    rpt_jw_kstr(j, "value", value);
    dash_out_end(c, 200);
}

/* ---- work orders ----------------------------------------------------------
 */

static void h_workorders(dash_ctx *c)
{
    char status[8], q[128];
    store *st;
    int more = 0;
    if (dash_param(c, "status", status, sizeof status) == RND_EFIELD ||
        (status[0] && strcmp(status, "open") && strcmp(status, "all"))) {
        dash_fail(c, RND_EFIELD, "status", "status is open or all");
        return;
    }
    if (dash_param(c, "q", q, sizeof q) == RND_EFIELD) {
        dash_fail(c, RND_EFIELD, "q", "q is at most 127 bytes");
        return;
    }
    int all = strcmp(status, "all") == 0;
    if (dash_store(c, &st))
        return;
    rpt_jw *j = dash_out_begin(c);
    if (j == NULL)
        return;
    int rc = office_wo_table(j, st, all, q, c->now_ms, c->tz_min, c->lang,
                             WO_LIST_MAX, &more);
    if (rc) {
        dash_fail(c, rc, NULL, NULL);
        return;
    }
    rpt_jw_kbool(j, "more", more);
    dash_out_end(c, 200);
}

static void h_workorder_forms(dash_ctx *c)
{
    describe(c, office_wo_forms);
}

static void h_workorder(dash_ctx *c)
{
    char id[40];
    store *st;
    office_err e = {"", ""};
    if (dash_param_req(c, "id", id, sizeof id))
        return;
    if (dash_store(c, &st))
        return;
    rpt_jw *j = dash_out_begin(c);
    if (j == NULL)
        return;
    int rc = office_wo_detail(j, st, id, c->now_ms, c->tz_min, c->lang, &e);
    if (rc) {
        fail_err(c, rc, &e);
        return;
    }
    uint8_t wid[PROTO_ENTITY_LEN];
    if (proto_entity_parse(id, wid) == 0 &&
        (rc = dash_att_list(c, j, st, wid)) != 0) {
        dash_fail(c, rc, NULL, NULL);
        return;
    }
    dash_out_end(c, 200);
}

static void h_workorder_post(dash_ctx *c)
{
    char action[16], id[40];
    uint8_t wid[PROTO_ENTITY_LEN];
    store *st;
    office_err e = {"", ""};
    if (dash_param_req(c, "action", action, sizeof action))
        return;
    if (dash_param(c, "id", id, sizeof id) == RND_EFIELD) {
        dash_fail(c, RND_EFIELD, "id", "id is a 32-hex work order id");
        return;
    }
    if (dash_store(c, &st))
        return;
    int rc = office_wo_write(st, action, id, c->json, c->by, c->now_ms,
                             c->tz_min, wid, &e);
    if (rc) {
        fail_err(c, rc, &e);
        return;
    }
    char hex[33];
    proto_entity_hex(wid, hex);
    rpt_jw *j = dash_out_begin(c);
    if (j == NULL)
        return;
    rpt_jw_kstr(j, "id", hex);
    rpt_jw_kstr(j, "action", action);
    dash_out_end(c, 200);
}

#define CLERK SRV_ROLE_CLERK
#define MANAGER SRV_ROLE_MANAGER
const dash_route dash_office_routes[] = {
    {"GET", "/api/md/kinds", 0, CLERK, h_md_kinds},
    {"GET", "/api/md", 1, CLERK, h_md_list},
    {"POST", "/api/md", 1, MANAGER, h_md_write},
    {"POST", "/api/staff/pin", 1, MANAGER, h_staff_pin},
    {"GET", "/api/tags/sheet", 1, MANAGER, h_tags_sheet},
    {"GET", "/api/conflicts", 1, CLERK, h_conflicts},
    {"POST", "/api/resolve", 1, MANAGER, h_resolve},
    {"GET", "/api/workorders", 1, CLERK, h_workorders},
    {"GET", "/api/workorder/forms", 0, CLERK, h_workorder_forms},
    {"GET", "/api/workorder", 1, CLERK, h_workorder},
    {"POST", "/api/workorder", 1, CLERK, h_workorder_post},
    {NULL, NULL, 0, 0, NULL}};
