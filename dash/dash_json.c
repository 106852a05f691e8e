/* dash_json.c: the dashboard's answers and parameters: a success object
 * written through report/'s JSON writer into memory, the error object of
 * web/ with its status, bodies that are not JSON (CSV, SVG), and a
 * handler's parameters from the query of a GET or the JSON body of a POST.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../report/report.h"
#include "../web/web.h"
#include "dash_int.h"

/* The answer being written; one per thread is enough (a handler writes one
 * answer at a time). */
typedef struct dash_out {
    FILE *f;
    char *buf;
    size_t len;
    rpt_jw jw;
} dash_out;
static _Thread_local dash_out tl_out;

void dash_response_free(dash_response *rs)
{
    free(rs->body);
    rs->body = NULL;
    rs->body_len = 0;
}

static void set_body(dash_ctx *c, int status, const char *type, char *body,
                     size_t len)
{
    free(c->rs->body);
    c->rs->status = status;
    c->rs->content_type = type;
    c->rs->no_store = 1;
    c->rs->body = body;
    c->rs->static_body = NULL;
    c->rs->body_len = body ? len : 0;
}

void dash_fail_status(dash_ctx *c, int status, const char *code,
                      const char *field, const char *message)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f) {
        web_error_json(f, code, field, message, NULL, 0);
        fclose(f);
    }
    c->rs->disposition[0] = '\0';
    set_body(c, status, "application/json", buf, len);
}

int dash_status_for(int rc)
{
    return web_status_for(rc);
}

void dash_fail(dash_ctx *c, int rc, const char *field, const char *message)
{
    dash_fail_status(c, web_status_for(rc), rnd_errname(rc), field,
                     message && message[0] ? message : rnd_strerror(rc));
}

rpt_jw *dash_out_begin(dash_ctx *c)
{
    dash_out *o = &tl_out;
    if (o->f) { /* an answer begun and never ended: drop it */
        fclose(o->f);
        free(o->buf);
    }
    memset(o, 0, sizeof *o);
    o->f = open_memstream(&o->buf, &o->len);
    if (o->f == NULL) {
        dash_fail(c, RND_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    rpt_jw_init(&o->jw, o->f);
    rpt_jw_obj(&o->jw);
    rpt_jw_kbool(&o->jw, "ok", 1);
    return &o->jw;
}

void dash_out_end(dash_ctx *c, int status)
{
    dash_out *o = &tl_out;
    if (o->f == NULL)
        return;
    rpt_jw_end(&o->jw);
    fputc('\n', o->f);
    int bad = ferror(o->f);
    fclose(o->f);
    o->f = NULL;
    if (bad) {
        free(o->buf);
        dash_fail(c, RND_ENOMEM, NULL, "out of memory");
        return;
    }
    set_body(c, status, "application/json", o->buf, o->len);
}

void dash_send(dash_ctx *c, int status, const char *content_type, char *body,
               size_t len, const char *filename)
{
    set_body(c, status, content_type, body, len);
    c->rs->disposition[0] = '\0';
    if (filename)
        snprintf(c->rs->disposition, sizeof c->rs->disposition,
                 "attachment; filename=\"%s\"", filename);
}

/* 1 when parameter name appears in query at all. */
static int query_has(const char *query, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = query; p && *p;) {
        size_t n = strcspn(p, "&");
        if (n >= nl && strncmp(p, name, nl) == 0 && (n == nl || p[nl] == '='))
            return 1;
        p += n;
        if (*p == '&')
            p++;
    }
    return 0;
}

int dash_query_get(const char *query, const char *name, char *out, size_t cap)
{
    if (cap == 0)
        return RND_EFIELD;
    if (web_query_get(query, name, out, cap) == 0)
        return 0;
    out[0] = '\0';
    return query_has(query, name) ? RND_EFIELD : -1;
}

int dash_param(const dash_ctx *c, const char *name, char *out, size_t cap)
{
    if (cap == 0)
        return RND_EFIELD;
    out[0] = '\0';
    const rpt_jv *o = c->json;
    for (size_t i = 0; o && o->type == RPT_JV_OBJ && i < o->n; i++) {
        if (strcmp(o->keys[i], name) != 0)
            continue;
        const rpt_jv *v = &o->kids[i];
        if (v->type == RPT_JV_NULL)
            return 1;
        if (v->type == RPT_JV_STR) {
            if (v->len >= cap || memchr(v->str, 0, v->len))
                return RND_EFIELD;
            memcpy(out, v->str, v->len);
            out[v->len] = '\0';
            return 0;
        }
        if (v->type == RPT_JV_NUM) {
            int n = snprintf(out, cap, "%s%llu", v->neg ? "-" : "",
                             (unsigned long long)v->num);
            return n < 0 || (size_t)n >= cap ? RND_EFIELD : 0;
        }
        if (v->type == RPT_JV_BOOL) {
            int n = snprintf(out, cap, "%s", v->num ? "true" : "false");
            return n < 0 || (size_t)n >= cap ? RND_EFIELD : 0;
        }
        return RND_EFIELD; /* an object or an array */
    }
    int rc = dash_query_get(c->rq ? c->rq->query : NULL, name, out, cap);
    return rc == -1 ? 1 : rc;
}

int dash_param_req(dash_ctx *c, const char *name, char *out, size_t cap)
{
    int rc = dash_param(c, name, out, cap);
    if (rc == 0 && out[0])
        return 0;
    char msg[160];
    snprintf(msg, sizeof msg, "field '%s' is %s", name,
             rc == RND_EFIELD ? "malformed or too long" : "required");
    dash_fail(c, RND_EFIELD, name, msg);
    return RND_EFIELD;
}

int dash_param_time(dash_ctx *c, const char *name, int64_t *out)
{
    char buf[64];
    int rc = dash_param(c, name, buf, sizeof buf);
    if (rc == 1 || (rc == 0 && buf[0] == '\0'))
        return 1;
    if (rc == 0 && rpt_time_parse(buf, c->tz_min, out) == 0)
        return 0;
    char msg[160];
    snprintf(msg, sizeof msg,
             "field '%s' is not a time (2026-12-03T08:00 or 2026-12-03)", name);
    dash_fail(c, RND_EFIELD, name, msg);
    return RND_EFIELD;
}
