/* app_api.c: the JSON API of `rounds app` (docs/APP-API.md), every
 * endpoint under /api/ over handheld.h alone: the session, the staff
 * picker, sign-in and sign-out, the Now document, status, the verb table,
 * records listed and read back, recording one verb, and sync (app_sync.c);
 * attachments are app_attach.c's.
 * Every call on the hh handle is made under its mutex. A record's `by` is
 * never taken from the page: it is the signed-in person.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app_int.h"
#include "../handheld/hh_jw.h"

/* ---- small helpers ------------------------------------------------------ */

static void lock(app *a)
{
    pthread_mutex_lock(&a->hh_mu);
}

static void unlock(app *a)
{
    pthread_mutex_unlock(&a->hh_mu);
}

/* The library's failure rc on a->h as the error answer (hh_mu held). */
static void fail_hh(app *a, app_response *rs, int rc)
{
    app_fail(rs, rc, NULL, hh_last_error(a->h));
}

static void not_signed_in(app_response *rs)
{
    app_fail_status(rs, 401, "ESIGNIN", NULL,
                    "nobody is signed in: sign in with your PIN", NULL, 0);
}

/* hh_value equal to the C string s. */
static int value_is(const hh_value *v, const char *s)
{
    return v->type == HH_VAL_STR && v->str_len == strlen(s) &&
           memcmp(v->str, s, v->str_len) == 0;
}

static void value_copy(const hh_value *v, char *out, size_t cap)
{
    if (v->type == HH_VAL_STR)
        snprintf(out, cap, "%.*s", (int)v->str_len, v->str);
    else
        out[0] = '\0';
}

static void jw_entity(rpt_jw *j, const hh_entity *e, int history)
{
    char hex[33];
    hh_value v;
    hh_event ev;
    hh_entity_id(e, hex);
    rpt_jw_obj(j);
    rpt_jw_kstr(j, "id", hex);
    rpt_jw_kstr(j, "kind", hh_kind_name(hh_entity_kind(e)));
    rpt_jw_kstr(j, "status", hh_entity_status(e));
    rpt_jw_kint(j, "created_ms", hh_entity_created_ms(e));
    rpt_jw_kint(j, "updated_ms", hh_entity_updated_ms(e));
    rpt_jw_key(j, "fields");
    rpt_jw_obj(j);
    for (size_t i = 0; hh_entity_field_at(e, i, &v) == 0; i++) {
        rpt_jw_keyn(j, v.name, v.name_len);
        hh__jw_value(j, &v);
    }
    rpt_jw_end(j);
    if (history) {
        rpt_jw_kuint(j, "conflicts", hh_entity_nconflicts(e));
        rpt_jw_key(j, "history");
        rpt_jw_arr(j);
        for (size_t i = 0; hh_entity_event(e, i, &ev) == 0; i++) {
            rpt_jw_obj(j);
            rpt_jw_kstr(j, "action", hh_action_name(ev.action));
            rpt_jw_kint(j, "wall_ms", ev.wall_ms);
            rpt_jw_key(j, "device_id");
            rpt_jw_hex64(j, ev.device_id);
            rpt_jw_kuint(j, "seq", ev.seq);
            rpt_jw_end(j);
        }
        rpt_jw_end(j);
    }
    rpt_jw_end(j);
}

/* ---- staff -------------------------------------------------------------- */

typedef struct staff_row {
    char staff[128], name[128], role[32];
} staff_row;

typedef struct staff_list {
    staff_row *v;
    size_t n, cap;
    const char *only; /* one staff id, or NULL: all */
    int rc;
} staff_list;

static int staff_cb(const hh_entity *e, void *arg)
{
    staff_list *l = arg;
    hh_value v;
    if (hh_entity_field(e, "staff", &v) != 0 || v.type != HH_VAL_STR)
        return 0;
    if (l->only && !value_is(&v, l->only))
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 32;
        staff_row *p = realloc(l->v, cap * sizeof *p);
        if (p == NULL) {
            l->rc = RND_ENOMEM;
            return 1;
        }
        l->v = p;
        l->cap = cap;
    }
    staff_row *r = &l->v[l->n++];
    value_copy(&v, r->staff, sizeof r->staff);
    r->name[0] = r->role[0] = '\0';
    if (hh_entity_field(e, "name", &v) == 0)
        value_copy(&v, r->name, sizeof r->name);
    if (hh_entity_field(e, "role", &v) == 0)
        value_copy(&v, r->role, sizeof r->role);
    return 0;
}

static int staff_cmp(const void *x, const void *y)
{
    return strcmp(((const staff_row *)x)->staff, ((const staff_row *)y)->staff);
}

/* The active staff (only: one of them) into l, sorted by id (hh_mu
 * held). */
static int staff_load(app *a, staff_list *l, const char *only)
{
    memset(l, 0, sizeof *l);
    l->only = only;
    int rc = hh_list(a->h, HH_KIND_STAFF, 1, staff_cb, l);
    if (rc == 1)
        rc = 0;
    if (rc == 0)
        rc = l->rc;
    if (rc == 0 && l->n > 1)
        qsort(l->v, l->n, sizeof *l->v, staff_cmp);
    return rc;
}

/* ---- GET endpoints ------------------------------------------------------ */

void app_get_session(app *a, app_response *rs, int no_count)
{
    char user[128] = "";
    staff_list l = {0};
    app_out o;
    lock(a);
    /* The device from the last hh_status (app_int.h, ident_known). */
    if (!a->ident_known && !no_count)
        app_sync_note_status(a);
    int known = a->ident_known;
    uint64_t device_id = a->device_id;
    char site[sizeof a->site], name[sizeof a->name];
    memcpy(site, a->site, sizeof site);
    memcpy(name, a->name, sizeof name);
    int rc = hh_signed_in(a->h, user, sizeof user);
    if (rc == 0 && user[0])
        rc = staff_load(a, &l, user);
    int64_t now = hh_now_ms(a->h);
    char server[300] = "";
    hh_server_addr(a->h, server, sizeof server);
    if (rc) {
        fail_hh(a, rs, rc);
        unlock(a);
        free(l.v);
        return;
    }
    unlock(a);
    if (app_out_begin(&o) != 0) {
        free(l.v);
        app_fail(rs, RND_ENOMEM, NULL, NULL);
        return;
    }
    rpt_jw *j = &o.jw;
    rpt_jw_kstr(j, "csrf", a->csrf);
    rpt_jw_key(j, "device");
    if (known) {
        rpt_jw_obj(j);
        rpt_jw_key(j, "id");
        rpt_jw_hex64(j, device_id);
        rpt_jw_kstr(j, "name", name);
        rpt_jw_kstr(j, "site", site);
        rpt_jw_end(j);
    } else {
        rpt_jw_null(j);
    }
    rpt_jw_kstr(j, "user", user[0] ? user : NULL);
    rpt_jw_kstr(j, "user_name", l.n ? l.v[0].name : NULL);
    rpt_jw_kstr(j, "role", l.n ? l.v[0].role : NULL);
    rpt_jw_kstr(j, "lang", a->lang);
    rpt_jw_kint(j, "now_ms", now);
    rpt_jw_kbool(j, "enrolled", server[0] != '\0');
    rpt_jw_kstr(j, "server", server[0] ? server : NULL);
    free(l.v);
    app_out_end(&o, rs, 200);
}

void app_get_staff(app *a, app_response *rs)
{
    staff_list l;
    app_out o;
    lock(a);
    int rc = staff_load(a, &l, NULL);
    hh_pin_state *ps = calloc(l.n ? l.n : 1, sizeof *ps);
    if (rc == 0 && ps == NULL)
        rc = RND_ENOMEM;
    for (size_t i = 0; rc == 0 && i < l.n; i++)
        rc = hh_pin_state_get(a->h, l.v[i].staff, &ps[i]);
    if (rc) {
        fail_hh(a, rs, rc);
        unlock(a);
        free(l.v);
        free(ps);
        return;
    }
    unlock(a);
    if (app_out_begin(&o) == 0) {
        rpt_jw *j = &o.jw;
        rpt_jw_key(j, "staff");
        rpt_jw_arr(j);
        for (size_t i = 0; i < l.n; i++) {
            rpt_jw_obj(j);
            rpt_jw_kstr(j, "staff", l.v[i].staff);
            rpt_jw_kstr(j, "name", l.v[i].name);
            rpt_jw_kstr(j, "role", l.v[i].role);
            rpt_jw_kbool(j, "has_pin", ps[i].has_pin);
            rpt_jw_kint(j, "tries_left", ps[i].tries_left);
            rpt_jw_kbool(j, "locked", ps[i].locked);
            rpt_jw_end(j);
        }
        rpt_jw_end(j);
        app_out_end(&o, rs, 200);
    } else {
        app_fail(rs, RND_ENOMEM, NULL, NULL);
    }
    free(l.v);
    free(ps);
}

static void get_status(app *a, app_response *rs)
{
    hh_status_info st;
    char user[128] = "";
    app_out o;
    lock(a);
    int rc = hh_status(a->h, &st);
    if (rc == 0)
        rc = hh_signed_in(a->h, user, sizeof user);
    if (rc) {
        fail_hh(a, rs, rc);
        unlock(a);
        return;
    }
    unlock(a);
    if (app_out_begin(&o) != 0) {
        app_fail(rs, RND_ENOMEM, NULL, NULL);
        return;
    }
    rpt_jw *j = &o.jw;
    rpt_jw_key(j, "device_id");
    rpt_jw_hex64(j, st.device_id);
    rpt_jw_kstr(j, "site", st.site);
    rpt_jw_kstr(j, "name", st.name);
    rpt_jw_kstr(j, "user", st.user);
    rpt_jw_kuint(j, "ops_total", st.ops_total);
    rpt_jw_kuint(j, "own_ops", st.own_ops);
    rpt_jw_kuint(j, "acked_seq", st.acked_seq);
    rpt_jw_kuint(j, "unsynced", st.unsynced);
    rpt_jw_kint(j, "last_sync_ms", st.last_sync_ms);
    rpt_jw_kuint(j, "open_visits", st.open_visits);
    rpt_jw_kuint(j, "open_vehicles", st.open_vehicles);
    rpt_jw_kuint(j, "open_workorders", st.open_workorders);
    rpt_jw_kstr(j, "signed_in", user[0] ? user : NULL);
    app_out_end(&o, rs, 200);
}

static void get_verbs(app_response *rs)
{
    app_out o;
    if (app_out_begin(&o) != 0) {
        app_fail(rs, RND_ENOMEM, NULL, NULL);
        return;
    }
    rpt_jw *j = &o.jw;
    rpt_jw_key(j, "verbs");
    rpt_jw_arr(j);
    for (const hh_verb_spec *v = hh_verbs(); v->verb; v++) {
        rpt_jw_obj(j);
        hh__jw_verb(j, v, NULL, NULL, NULL);
        rpt_jw_end(j);
    }
    rpt_jw_end(j);
    app_out_end(&o, rs, 200);
}

/* ---- records ------------------------------------------------------------ */

typedef struct rec_ref {
    char id[33];
    int64_t created;
} rec_ref;

typedef struct rec_list {
    rec_ref *v;
    size_t n, cap;
    const char *mine; /* the signed-in person, or NULL: everyone's */
    int rc;
} rec_list;

/* Mine: I wrote it (by), it is assigned to me, or handed over to me. */
static int is_mine(const hh_entity *e, const char *user)
{
    static const char *const who[] = {"by", "assignee", "to"};
    hh_value v;
    for (size_t i = 0; i < sizeof who / sizeof *who; i++)
        if (hh_entity_field(e, who[i], &v) == 0 && value_is(&v, user))
            return 1;
    return 0;
}

static int rec_cb(const hh_entity *e, void *arg)
{
    rec_list *l = arg;
    if (l->mine && !is_mine(e, l->mine))
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        rec_ref *p = realloc(l->v, cap * sizeof *p);
        if (p == NULL) {
            l->rc = RND_ENOMEM;
            return 1;
        }
        l->v = p;
        l->cap = cap;
    }
    hh_entity_id(e, l->v[l->n].id);
    l->v[l->n].created = hh_entity_created_ms(e);
    l->n++;
    return 0;
}

/* Newest first; ids (which begin with the creation time) break ties. */
static int rec_cmp(const void *x, const void *y)
{
    const rec_ref *a = x, *b = y;
    if (a->created != b->created)
        return a->created < b->created ? 1 : -1;
    return -strcmp(a->id, b->id);
}

static int entity_json_cb(const hh_entity *e, void *arg)
{
    jw_entity(arg, e, 0);
    return 0;
}

static int entity_full_cb(const hh_entity *e, void *arg)
{
    jw_entity(arg, e, 1);
    return 0;
}

static int kind_by_name(const char *name)
{
    for (int k = 1; k < 256; k++) {
        const char *n = hh_kind_name(k);
        if (n && strcmp(n, name) == 0)
            return k;
    }
    return 0;
}

static void get_records(app *a, const app_request *rq, app_response *rs)
{
    char kind_s[32], flag[8], lim[24], user[128] = "";
    long limit = 200;
    if (web_query_get(rq->query, "kind", kind_s, sizeof kind_s) != 0) {
        app_fail(rs, RND_EFIELD, "kind", "give kind=workorder (or another)");
        return;
    }
    int kind = kind_by_name(kind_s);
    if (kind == 0) {
        app_fail(rs, RND_EFIELD, "kind", "no such kind of record");
        return;
    }
    int open_only = web_query_get(rq->query, "open", flag, sizeof flag) == 0 &&
                    strcmp(flag, "1") == 0;
    int mine = web_query_get(rq->query, "mine", flag, sizeof flag) == 0 &&
               strcmp(flag, "1") == 0;
    if (web_query_get(rq->query, "limit", lim, sizeof lim) == 0) {
        char *end;
        limit = strtol(lim, &end, 10);
        if (end == lim || *end || limit < 1 || limit > 10000) {
            app_fail(rs, RND_EFIELD, "limit", "limit is 1 to 10000");
            return;
        }
    }
    app_out o;
    rec_list l = {0};
    lock(a);
    int rc = 0;
    if (mine) {
        rc = hh_signed_in(a->h, user, sizeof user);
        if (rc == 0 && user[0] == '\0') {
            unlock(a);
            not_signed_in(rs);
            return;
        }
        l.mine = user;
    }
    if (rc == 0)
        rc = hh_list(a->h, kind, open_only, rec_cb, &l);
    if (rc == 1)
        rc = 0;
    if (rc == 0)
        rc = l.rc;
    if (rc == 0)
        rc = app_out_begin(&o);
    if (rc) {
        fail_hh(a, rs, rc);
        unlock(a);
        free(l.v);
        return;
    }
    if (l.n > 1)
        qsort(l.v, l.n, sizeof *l.v, rec_cmp);
    rpt_jw_key(&o.jw, "records");
    rpt_jw_arr(&o.jw);
    for (size_t i = 0; i < l.n && i < (size_t)limit; i++)
        hh_get(a->h, l.v[i].id, entity_json_cb, &o.jw);
    unlock(a);
    free(l.v);
    rpt_jw_end(&o.jw);
    app_out_end(&o, rs, 200);
}

static void get_record(app *a, const char *typed, app_response *rs)
{
    char hex[33];
    app_out o;
    lock(a);
    int rc = hh_resolve_id(a->h, typed, hex);
    if (rc == 0 && (rc = app_out_begin(&o)) == 0) {
        rpt_jw_key(&o.jw, "record");
        rc = hh_get(a->h, hex, entity_full_cb, &o.jw);
        if (rc) {
            fclose(o.f);
            free(o.buf);
        }
    }
    if (rc) {
        fail_hh(a, rs, rc);
        unlock(a);
        return;
    }
    unlock(a);
    app_out_end(&o, rs, 200);
}

/* The machine's offset from UTC at ms, minutes east (the page runs on
 * the same device). */
static int local_tz_min(int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (localtime_r(&t, &tm) == NULL)
        return 0;
    return (int)(tm.tm_gmtoff / 60);
}

/* GET /api/now[?tz_min=N]: the Now document of the signed-in person
 * (hh_report_now), with "ok":true put first. */
void app_get_now(app *a, const app_request *rq, app_response *rs)
{
    char user[128] = "", tz[16];
    hh_now_options opt = {0};
    char *doc = NULL;
    size_t len = 0;
    int has_tz = web_query_get(rq->query, "tz_min", tz, sizeof tz) == 0;
    if (has_tz) {
        char *end;
        long v = strtol(tz, &end, 10);
        if (end == tz || *end || v < -900 || v > 900) {
            app_fail(rs, RND_EFIELD, "tz_min",
                     "tz_min is minutes east of UTC, -900 to 900");
            return;
        }
        opt.tz_min = (int)v;
    }
    FILE *f = open_memstream(&doc, &len);
    if (f == NULL) {
        app_fail(rs, RND_ENOMEM, NULL, NULL);
        return;
    }
    lock(a);
    int rc = hh_signed_in(a->h, user, sizeof user);
    if (rc == 0 && user[0]) {
        opt.user = user;
        if (!has_tz)
            opt.tz_min = local_tz_min(hh_now_ms(a->h));
        rc = hh_report_now(a->h, &opt, "json", f);
    }
    int bad = fclose(f) != 0;
    if (rc) {
        fail_hh(a, rs, rc);
        unlock(a);
        free(doc);
        return;
    }
    unlock(a);
    if (user[0] == '\0') {
        free(doc);
        not_signed_in(rs);
        return;
    }
    /* One object: "{...}" becomes "{"ok":true,...}". */
    size_t n = len;
    while (n && (doc[n - 1] == '\n' || doc[n - 1] == ' '))
        n--;
    if (bad || n < 2 || doc[0] != '{' || doc[n - 1] != '}') {
        free(doc);
        app_fail(rs, RND_EIO, NULL, "the Now document could not be made");
        return;
    }
    int empty = n == 2;
    char *body = malloc(n + 16);
    if (body == NULL) {
        free(doc);
        app_fail(rs, RND_ENOMEM, NULL, NULL);
        return;
    }
    int k = snprintf(body, 16, "{\"ok\":true%s", empty ? "" : ",");
    memcpy(body + k, doc + 1, n - 1);
    body[k + n - 1] = '\n';
    free(doc);
    rs->status = 200;
    rs->content_type = "application/json";
    rs->body = body;
    rs->body_len = (size_t)k + n;
}

/* ---- POST endpoints ----------------------------------------------------- */

/* The body as a JSON object into *root; 0, or an answer is made. */
static int body_object(const app_request *rq, rpt_jv *root, app_response *rs)
{
    size_t where = 0;
    int rc = rpt_jv_parse(rq->body ? rq->body : "", rq->body_len, root, &where);
    if (rc == 0 && root->type == RPT_JV_OBJ)
        return 0;
    rpt_jv_free(root);
    char msg[96];
    if (rc)
        snprintf(msg, sizeof msg, "the body is not JSON (byte %zu)", where);
    else
        snprintf(msg, sizeof msg, "the body must be a JSON object");
    app_fail_status(rs, 400, "EMALFORMED", NULL, msg, NULL, 0);
    return -1;
}

/* Member key of o as a string, or NULL (absent or not a string). */
static const char *str_of(const rpt_jv *o, const char *key)
{
    const rpt_jv *v = rpt_jv_get(o, key, RPT_JV_STR);
    return v ? v->str : NULL;
}

static void post_signin(app *a, const app_request *rq, app_response *rs)
{
    rpt_jv root;
    if (body_object(rq, &root, rs) != 0)
        return;
    const char *staff = str_of(&root, "staff"), *pin = str_of(&root, "pin");
    if (staff == NULL || pin == NULL) {
        app_fail(rs, RND_EFIELD, staff ? "pin" : "staff",
                 staff ? "give the PIN" : "give the staff id");
        rpt_jv_free(&root);
        return;
    }
    lock(a);
    int rc = hh_signin(a->h, staff, pin);
    if (rc == RND_EAUTH) {
        hh_pin_state ps = {0};
        char msg[512];
        snprintf(msg, sizeof msg, "%s", hh_last_error(a->h));
        hh_pin_state_get(a->h, staff, &ps);
        unlock(a);
        app_fail_status(rs, 401, "EAUTH", "pin", msg, "tries_left",
                        ps.tries_left);
        rpt_jv_free(&root);
        return;
    }
    if (rc) {
        fail_hh(a, rs, rc);
        unlock(a);
        rpt_jv_free(&root);
        return;
    }
    unlock(a);
    app_out o;
    if (app_out_begin(&o) == 0) {
        rpt_jw_kstr(&o.jw, "user", staff);
        app_out_end(&o, rs, 200);
    } else {
        app_fail(rs, RND_ENOMEM, NULL, NULL);
    }
    rpt_jv_free(&root);
}

/* POST /api/enroll {"payload"}: the enroll screen of a handheld not
 * enrolled yet (the text of the office's QR code; hh_enroll_payload). An
 * enrolled handheld is re-enrolled by the office's hand, on the command
 * line: 409 EEXIST here. */
static void post_enroll(app *a, const app_request *rq, app_response *rs)
{
    if (!a->enroll) {
        app_fail_status(rs, 403, "EFORBIDDEN", NULL,
                        "enrollment is off in this app", NULL, 0);
        return;
    }
    rpt_jv root;
    if (body_object(rq, &root, rs) != 0)
        return;
    const char *payload = str_of(&root, "payload");
    if (payload == NULL || payload[0] == '\0') {
        app_fail(rs, RND_EFIELD, "payload", "scan or type the office's code");
        rpt_jv_free(&root);
        return;
    }
    char server[300] = "";
    lock(a);
    hh_server_addr(a->h, server, sizeof server);
    if (server[0]) {
        unlock(a);
        char msg[400];
        snprintf(msg, sizeof msg,
                 "this handheld is enrolled with %s already: re-enroll it "
                 "with 'rounds enroll'",
                 server);
        app_fail(rs, RND_EEXIST, "payload", msg);
        rpt_jv_free(&root);
        return;
    }
    int rc = hh_enroll_payload(a->h, payload, 15000);
    if (rc == RND_ECERT || rc == RND_ECONNECT || rc == RND_ETIMEOUT ||
        rc == RND_ETLS || rc == RND_ECLOSED) {
        /* The server the payload names: not there, or not the one it
         * says (its certificate's fingerprint). */
        char msg[600];
        snprintf(msg, sizeof msg, "%s", hh_last_error(a->h));
        unlock(a);
        app_fail_status(rs, 502, rnd_errname(rc), "payload", msg, NULL, 0);
        rpt_jv_free(&root);
        return;
    }
    if (rc) {
        fail_hh(a, rs, rc);
        unlock(a);
        rpt_jv_free(&root);
        return;
    }
    hh_server_addr(a->h, server, sizeof server);
    app_sync_note_status(a); /* the device's site and name are new */
    unlock(a);
    rpt_jv_free(&root);
    app_out o;
    if (app_out_begin(&o) == 0) {
        rpt_jw_kstr(&o.jw, "server", server);
        app_out_end(&o, rs, 200);
    } else {
        app_fail(rs, RND_ENOMEM, NULL, NULL);
    }
}

static void post_signout(app *a, app_response *rs)
{
    app_out o;
    lock(a);
    int rc = hh_signout(a->h);
    if (rc) {
        fail_hh(a, rs, rc);
        unlock(a);
        return;
    }
    unlock(a);
    if (app_out_begin(&o) == 0)
        app_out_end(&o, rs, 200);
    else
        app_fail(rs, RND_ENOMEM, NULL, NULL);
}

#define APP_MAX_KV 64

/* 1 when s is 8 to 32 hex digits: an id or a prefix of one. */
static int hex_prefix(const char *s)
{
    size_t n = strlen(s);
    if (n < 8 || n > 32)
        return 0;
    return strspn(s, "0123456789abcdefABCDEF") == n;
}

static void post_record(app *a, const app_request *rq, app_response *rs)
{
    hh_kv kv[APP_MAX_KV + 1];
    char vals[APP_MAX_KV][32]; /* numbers and booleans as text */
    char user[128] = "", thex[33], hex[33], xhex[33];
    uint8_t id[HH_ID_LEN], extra[HH_ID_LEN];
    static const uint8_t zero[HH_ID_LEN];
    size_t nkv = 0;
    rpt_jv root;
    if (body_object(rq, &root, rs) != 0)
        return;
    const char *verb = str_of(&root, "verb");
    const char *target = str_of(&root, "target");
    const rpt_jv *fields = rpt_jv_get(&root, "fields", RPT_JV_OBJ);
    const hh_verb_spec *spec = verb ? hh_verb_find(verb) : NULL;
    if (spec == NULL) {
        app_fail(rs, RND_EFIELD, "verb",
                 verb ? "no such verb (GET /api/verbs lists them)"
                      : "give the verb");
        goto out;
    }
    for (size_t i = 0; i < root.n; i++) {
        int t = root.kids[i].type;
        if (strcmp(root.keys[i], "fields") == 0 && t != RPT_JV_OBJ &&
            t != RPT_JV_NULL) {
            app_fail(rs, RND_EFIELD, "fields", "fields must be an object");
            goto out;
        }
    }
    for (size_t i = 0; fields && i < fields->n; i++) {
        const char *name = fields->keys[i];
        const rpt_jv *v = &fields->kids[i];
        char msg[200];
        if (strcmp(name, "by") == 0) {
            app_fail(rs, RND_EFIELD, "by",
                     "field 'by' is the signed-in person: the page does not "
                     "give it");
            goto out;
        }
        if (nkv == APP_MAX_KV) {
            app_fail(rs, RND_EFIELD, name, "too many fields");
            goto out;
        }
        const char *text = NULL;
        switch (v->type) {
        case RPT_JV_NULL:
            continue; /* absent */
        case RPT_JV_STR:
            text = v->str;
            break;
        case RPT_JV_BOOL:
            text = v->num ? "true" : "false";
            break;
        case RPT_JV_NUM:
            snprintf(vals[nkv], sizeof vals[nkv], "%s%" PRIu64,
                     v->neg ? "-" : "", v->num);
            text = vals[nkv];
            break;
        default:
            snprintf(msg, sizeof msg, "field '%.64s' must be text", name);
            app_fail(rs, RND_EFIELD, NULL, msg);
            goto out;
        }
        kv[nkv].name = name;
        kv[nkv].value = text;
        nkv++;
    }
    lock(a);
    int rc = hh_signed_in(a->h, user, sizeof user);
    if (rc) {
        fail_hh(a, rs, rc);
        unlock(a);
        goto out;
    }
    if (user[0] == '\0') {
        unlock(a);
        not_signed_in(rs);
        goto out;
    }
    for (const hh_field_spec *f = spec->fields; f->name; f++)
        if (strcmp(f->name, "by") == 0)
            kv[nkv++] = (hh_kv){"by", user};
    /* `key.back` names the key by its unit, as `rounds key back U`. */
    if (spec->kind == HH_KIND_OWNERKEY && !spec->creates && target == NULL) {
        for (size_t i = 0; i < nkv; i++) {
            if (strcmp(kv[i].name, "unit") == 0) {
                target = kv[i].value;
                kv[i] = kv[--nkv];
                break;
            }
        }
    }
    /* A pass number or a plate may stand for the record (exits). */
    int other_ok = spec->kind == HH_KIND_VISIT ||
                   spec->kind == HH_KIND_VEHICLE ||
                   spec->kind == HH_KIND_OWNERKEY;
    if (target && (!other_ok || hex_prefix(target))) {
        rc = hh_resolve_id(a->h, target, thex);
        if (rc == 0)
            target = thex;
        else if (!(other_ok && rc == RND_ENOTFOUND)) {
            app_fail(rs, rc, "target", hh_last_error(a->h));
            unlock(a);
            goto out;
        }
    }
    rc = hh_record(a->h, verb, spec->creates ? NULL : target, kv, nkv, id,
                   extra);
    if (rc) {
        fail_hh(a, rs, rc);
        unlock(a);
        goto out;
    }
    int hits = hh_blacklist_hits(a->h);
    char warning[1024];
    snprintf(warning, sizeof warning, "%s", hh_last_warning(a->h));
    app_sync_note_status(a);
    unlock(a);
    hh_id_hex(id, hex);
    hh_id_hex(extra, xhex);
    app_out o;
    if (app_out_begin(&o) != 0) {
        app_fail(rs, RND_ENOMEM, NULL, NULL);
        goto out;
    }
    rpt_jw_kstr(&o.jw, "id", hex);
    rpt_jw_kstr(&o.jw, "extra", memcmp(extra, zero, sizeof zero) ? xhex : NULL);
    rpt_jw_kstr(&o.jw, "warning", warning[0] ? warning : NULL);
    rpt_jw_kint(&o.jw, "blacklist_hits", hits);
    app_out_end(&o, rs, 200);
out:
    rpt_jv_free(&root);
}

/* ---- routing ------------------------------------------------------------ */

void app_api(app *a, const app_request *rq, app_response *rs)
{
    const char *p = rq->path + 5; /* after "/api/" */
    int post = strcmp(rq->method, "POST") == 0;
    if (app_attach_api(a, rq, rs))
        return;
    if (!post) {
        if (strcmp(p, "session") == 0)
            app_get_session(a, rs, 0);
        else if (strcmp(p, "staff") == 0)
            app_get_staff(a, rs);
        else if (strcmp(p, "status") == 0)
            get_status(a, rs);
        else if (strcmp(p, "verbs") == 0)
            get_verbs(rs);
        else if (strcmp(p, "records") == 0)
            get_records(a, rq, rs);
        else if (strncmp(p, "records/", 8) == 0 && p[8])
            get_record(a, p + 8, rs);
        else if (strcmp(p, "now") == 0)
            app_get_now(a, rq, rs);
        else if (strcmp(p, "sync") == 0)
            app_sync_get(a, rs);
        else if (!strcmp(p, "signin") || !strcmp(p, "signout") ||
                 !strcmp(p, "record") || !strcmp(p, "enroll"))
            app_fail_status(rs, 405, "EMETHOD", NULL, "use POST", NULL, 0);
        else
            app_fail(rs, RND_ENOTFOUND, NULL, "no such API");
        return;
    }
    if (strcmp(p, "signin") == 0)
        post_signin(a, rq, rs);
    else if (strcmp(p, "signout") == 0)
        post_signout(a, rs);
    else if (strcmp(p, "record") == 0)
        post_record(a, rq, rs);
    else if (strcmp(p, "sync") == 0)
        app_sync_start(a, rs);
    else if (strcmp(p, "enroll") == 0)
        post_enroll(a, rq, rs);
    else if (!strcmp(p, "session") || !strcmp(p, "staff") ||
             !strcmp(p, "status") || !strcmp(p, "verbs") ||
             !strcmp(p, "records") || !strcmp(p, "now"))
        app_fail_status(rs, 405, "EMETHOD", NULL, "use GET", NULL, 0);
    else
        app_fail(rs, RND_ENOTFOUND, NULL, "no such API");
}
