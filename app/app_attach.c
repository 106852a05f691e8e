/* app_attach.c: the attachment endpoints of `rounds app` (docs/APP-API.md,
 * "Attachments"): POST /api/attach (a photo or a PDF, the raw bytes as
 * the body), GET /api/attachments?record=ID (a record's list) and GET
 * /api/attachment/HASH (the bytes, when this handheld holds them). Every
 * rule is handheld/attach.c's (what the bytes may be, the size, the
 * quota, who attaches): this file only carries bytes and words, under
 * the hh mutex like app_api.c.
 */
#include <stdlib.h>
#include <string.h>

#include "app_int.h"

/* The bytes of an attachment are named by their hash and never change. */
#define ATT_CACHE "private, max-age=31536000, immutable"

static void lock_hh(app *a)
{
    pthread_mutex_lock(&a->hh_mu);
}

static void unlock_hh(app *a)
{
    pthread_mutex_unlock(&a->hh_mu);
}

size_t app_body_max(const char *path)
{
    return path && strcmp(path, "/api/attach") == 0 ? APP_ATTACH_BODY_MAX
                                                    : APP_BODY_MAX;
}

/* The library's failure on an attachment: what is wrong with the file
 * names the field "file", with a status that says so (415, 413, 507). */
static void fail_att(app *a, app_response *rs, int rc, const char *field)
{
    const char *msg = hh_last_error(a->h);
    char named[32];
    int status = web_status_for(rc);
    if (msg && web_field_of(msg, named, sizeof named) == 0)
        field = named; /* the library's "field 'role'" */
    if (rc == RND_EMEDIA)
        status = 415;
    else if (rc == RND_EQUOTA)
        status = 507;
    if (rc == RND_EMEDIA || rc == RND_ETOOBIG || rc == RND_EQUOTA)
        field = "file";
    app_fail_status(rs, status, rnd_errname(rc), field,
                    msg && msg[0] ? msg : rnd_strerror(rc), NULL, 0);
}

static void jw_att(rpt_jw *j, const hh_attachment *x)
{
    rpt_jw_obj(j);
    rpt_jw_kstr(j, "hash", x->hash);
    rpt_jw_kstr(j, "record", x->record);
    rpt_jw_kint(j, "size", (int64_t)x->size);
    rpt_jw_kstr(j, "type", x->type);
    rpt_jw_kstr(j, "role", x->role);
    rpt_jw_kstr(j, "of", x->of[0] ? x->of : NULL);
    rpt_jw_kint(j, "wall_ms", x->wall_ms);
    rpt_jw_kbool(j, "present", x->present);
    rpt_jw_kbool(j, "sent", x->sent);
    rpt_jw_end(j);
}

static int list_cb(const hh_attachment *x, void *ctx)
{
    jw_att(ctx, x);
    return 0;
}

/* POST /api/attach?record=ID[&role=photo|document]: the body is the
 * file's bytes. */
static void post_attach(app *a, const app_request *rq, app_response *rs)
{
    char target[40], role[16] = "", user[128] = "", hash[65], hex[33];
    int rc = web_query_get(rq->query, "record", target, sizeof target);
    if (rc != 0 || target[0] == '\0') {
        app_fail(rs, RND_EFIELD, "record",
                 "field 'record' names the record (?record=ID)");
        return;
    }
    rc = web_query_get(rq->query, "role", role, sizeof role);
    if (rc == RND_EFIELD || (rc == 0 && strcmp(role, "photo") != 0 &&
                             strcmp(role, "document") != 0)) {
        app_fail(rs, RND_EFIELD, "role", "field 'role' is photo or document");
        return;
    }
    if (rq->body_len == 0) {
        app_fail(rs, RND_EMEDIA, "file", "the file is empty");
        return;
    }
    lock_hh(a);
    rc = hh_signed_in(a->h, user, sizeof user);
    if (rc == 0 && user[0] == '\0') {
        unlock_hh(a);
        app_fail_status(rs, 401, "ESIGNIN", NULL,
                        "nobody is signed in: sign in with your PIN", NULL, 0);
        return;
    }
    if (rc == 0)
        rc = hh_resolve_id(a->h, target, hex);
    if (rc) {
        fail_att(a, rs, rc, "record");
        unlock_hh(a);
        return;
    }
    hh_attach_opts o = {.role = role[0] ? role : NULL, .by = user};
    rc = hh_attach_bytes(a->h, hex, (const uint8_t *)rq->body, rq->body_len, &o,
                         hash);
    if (rc) {
        fail_att(a, rs, rc,
                 rc == RND_EINVAL || rc == RND_ENOTFOUND ? "record" : NULL);
        unlock_hh(a);
        return;
    }
    app_sync_note_status(a);
    unlock_hh(a);
    app_out out;
    if (app_out_begin(&out) != 0) {
        app_fail(rs, RND_ENOMEM, NULL, NULL);
        return;
    }
    rpt_jw_kstr(&out.jw, "record", hex);
    rpt_jw_kstr(&out.jw, "hash", hash);
    app_out_end(&out, rs, 200);
}

/* GET /api/attachments?record=ID */
static void get_attachments(app *a, const app_request *rq, app_response *rs)
{
    char target[40], hex[33];
    int rc = web_query_get(rq->query, "record", target, sizeof target);
    if (rc != 0 || target[0] == '\0') {
        app_fail(rs, RND_EFIELD, "record",
                 "field 'record' names the record (?record=ID)");
        return;
    }
    app_out o;
    lock_hh(a);
    rc = hh_resolve_id(a->h, target, hex);
    if (rc) {
        fail_att(a, rs, rc, "record");
        unlock_hh(a);
        return;
    }
    if ((rc = app_out_begin(&o)) == 0) {
        rpt_jw_kstr(&o.jw, "record", hex);
        rpt_jw_key(&o.jw, "attachments");
        rpt_jw_arr(&o.jw);
        rc = hh_attachments(a->h, hex, list_cb, &o.jw);
        rpt_jw_end(&o.jw);
        if (rc) {
            fclose(o.f);
            free(o.buf);
        }
    }
    if (rc) {
        fail_att(a, rs, rc, NULL);
        unlock_hh(a);
        return;
    }
    unlock_hh(a);
    app_out_end(&o, rs, 200);
}

/* GET /api/attachment/HASH: the bytes, rehashed by the library on the
 * way out (a damaged file is never shown as the photo), read into memory
 * (hh_attachment_read): showing a thumbnail writes nothing. */
static void get_attachment(app *a, const char *hexarg, app_response *rs)
{
    if (strlen(hexarg) != 64 ||
        strspn(hexarg, "0123456789abcdefABCDEF") != 64) {
        app_fail(rs, RND_EFIELD, "hash", "field 'hash' is 64 hex digits");
        return;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    const char *type = NULL;
    lock_hh(a);
    int rc = hh_attachment_read(a->h, hexarg, APP_ATTACH_BODY_MAX, &buf, &len,
                                &type);
    if (rc) {
        /* The page words "no record has it" (ENOTFOUND) and "not held
         * yet" (ENOTHELD: it comes with a sync) apart. */
        if (rc == RND_ENOTHELD)
            app_fail_status(rs, 404, rnd_errname(rc), "hash",
                            "not on this handheld yet: it comes with a sync",
                            NULL, 0);
        else
            fail_att(a, rs, rc, "hash");
        unlock_hh(a);
        return;
    }
    unlock_hh(a);
    free(rs->body);
    rs->status = 200;
    rs->content_type = type; /* static, from the library */
    rs->cache_control = ATT_CACHE;
    rs->body = (char *)buf;
    rs->body_len = len;
}

int app_attach_api(app *a, const app_request *rq, app_response *rs)
{
    const char *p = rq->path + 5; /* after "/api/" */
    int post = strcmp(rq->method, "POST") == 0;
    if (strcmp(p, "attach") == 0) {
        if (post)
            post_attach(a, rq, rs);
        else
            app_fail_status(rs, 405, "EMETHOD", NULL, "use POST", NULL, 0);
    } else if (strcmp(p, "attachments") == 0) {
        if (!post)
            get_attachments(a, rq, rs);
        else
            app_fail_status(rs, 405, "EMETHOD", NULL, "use GET", NULL, 0);
    } else if (strncmp(p, "attachment/", 11) == 0 && p[11]) {
        if (!post)
            get_attachment(a, p + 11, rs);
        else
            app_fail_status(rs, 405, "EMETHOD", NULL, "use GET", NULL, 0);
    } else {
        return 0;
    }
    return 1;
}
