/* app_json.c: the JSON answers of `rounds app`: a success object written
 * through report/'s JSON writer (rpt_jw) into memory, the error object
 * with its HTTP status (docs/APP-API.md, "Errors"; the object, the
 * status and the query's parameters are web/'s, shared with roundsd's
 * dashboard).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "../web/web.h"
#include "app_int.h"

int app_out_begin(app_out *o)
{
    memset(o, 0, sizeof *o);
    o->f = open_memstream(&o->buf, &o->len);
    if (o->f == NULL)
        return RND_ENOMEM;
    rpt_jw_init(&o->jw, o->f);
    rpt_jw_obj(&o->jw);
    rpt_jw_kbool(&o->jw, "ok", 1);
    return 0;
}

void app_out_end(app_out *o, app_response *rs, int status)
{
    rpt_jw_end(&o->jw);
    fputc('\n', o->f);
    int bad = ferror(o->f);
    fclose(o->f);
    if (bad) {
        free(o->buf);
        app_fail(rs, RND_ENOMEM, NULL, "out of memory");
        return;
    }
    free(rs->body);
    rs->status = status;
    rs->content_type = "application/json";
    rs->body = o->buf;
    rs->body_len = o->len;
}

void app_fail_status(app_response *rs, int status, const char *code,
                     const char *field, const char *message,
                     const char *extra_key, int64_t extra_val)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    free(rs->body);
    rs->body = NULL;
    rs->body_len = 0;
    rs->status = status;
    rs->content_type = "application/json";
    if (f == NULL)
        return;
    web_error_json(f, code, field, message, extra_key, extra_val);
    fclose(f);
    rs->body = buf;
    rs->body_len = buf ? len : 0;
}

void app_fail(app_response *rs, int rc, const char *field, const char *message)
{
    app_fail_status(rs, web_status_for(rc), rnd_errname(rc), field,
                    message && message[0] ? message : rnd_strerror(rc), NULL,
                    0);
}
