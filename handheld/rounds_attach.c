/* rounds_attach.c: the attachment commands of `rounds`: attach ID FILE,
 * attachment list [ID], attachment get HASH --out FILE, attachment want
 * HASH, attachment gc, and the
 * attachments `rounds show` lists (handheld.h, "attachments"). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/args.h"
#include "../i18n/i18n.h"
#include "../report/render.h"
#include "rounds_cli.h"

/* ---- one attachment, as text and as JSON --------------------------------- */

static void att_json(rpt_jw *j, const hh_attachment *a)
{
    char ts[40];
    rpt_jw_obj(j);
    rpt_jw_kstr(j, "record", a->record);
    rpt_jw_kstr(j, "hash", a->hash);
    rpt_jw_kstr(j, "role", a->role);
    rpt_jw_kstr(j, "type", a->type);
    rpt_jw_kuint(j, "size", a->size);
    if (a->of[0])
        rpt_jw_kstr(j, "of", a->of);
    rpt_jw_key(j, "device");
    rpt_jw_hex64(j, a->device_id);
    rpt_jw_kuint(j, "seq", a->seq);
    fmt_time(a->wall_ms, ts, sizeof ts, 1);
    rpt_jw_kstr(j, "at", ts);
    rpt_jw_kbool(j, "present", a->present);
    rpt_jw_kbool(j, "sent", a->sent);
    rpt_jw_end(j);
}

/* "photo  image/jpeg  301234 bytes  3f2a9c...  here" */
static void att_line(const hh_attachment *a, int with_record)
{
    if (with_record)
        printf("%.12s  ", a->record);
    char size[48];
    snprintf(size, sizeof size, _("%" PRIu64 " bytes"), a->size);
    printf("%-9s %-15s %16s  %s  %.16s  %s\n", a->role, a->type, size,
           a->present ? _("here    ") : _("not here"), a->hash,
           a->sent ? _("on the server") : "");
}

/* ---- rounds show: the record's attachments ------------------------------ */

typedef struct show_walk {
    rpt_jw *j;
    int n;
} show_walk;

static int show_cb(const hh_attachment *a, void *ctx)
{
    show_walk *w = ctx;
    if (w->j) {
        att_json(w->j, a);
    } else {
        if (w->n == 0)
            printf("%s\n", _("attachments:"));
        printf("  ");
        att_line(a, 0);
    }
    w->n++;
    return 0;
}

int rounds_show_attachments(hh *h, const char *id, rpt_jw *j)
{
    show_walk w = {j, 0};
    if (j) {
        rpt_jw_key(j, "attachments");
        rpt_jw_arr(j);
    }
    int rc = hh_attachments(h, id, show_cb, &w);
    if (j)
        rpt_jw_end(j);
    return rc;
}

/* ---- rounds attach ID FILE ------------------------------------------------
 */

typedef struct find_att {
    const char *hash;
    hh_attachment a;
    int found;
} find_att;

static int find_cb(const hh_attachment *a, void *ctx)
{
    find_att *f = ctx;
    if (strcmp(a->hash, f->hash) != 0)
        return 0;
    f->a = *a;
    f->found = 1;
    return 1;
}

int cmd_attach(void)
{
    hh *h;
    char hash[65], hex[33];
    const char *id;
    hh_attach_opts ao = {0};
    ao.role = kv_take("role");
    ao.of = kv_take("of");
    ao.by = kv_take("by");
    ao.keep_location = kv_take("keep_location") != NULL;
    if (o.npos < 3)
        return usage_error(_("attach: give a record id and a file%s"), "");
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    if ((rc = resolve_id(h, o.positional[1], 0, hex, &id, "attach")) != 0) {
        hh_close(h);
        return rc;
    }
    rc = hh_attach_file(h, id, o.positional[2], &ao, hash);
    find_att f = {hash, {{0}}, 0};
    if (rc == 0) {
        /* What the record holds now, read back. */
        rc = hh_attachments(h, id, find_cb, &f);
        if (rc == 1)
            rc = 0;
    }
    if (rc) {
        int ex = report_error(h, rc, "attach");
        hh_close(h);
        return ex;
    }
    hh_close(h);
    if (o.json) {
        rpt_jw j;
        rpt_jw_init(&j, stdout);
        if (f.found)
            att_json(&j, &f.a);
        else
            printf("{\"record\":\"%s\",\"hash\":\"%s\"}", id, hash);
        putchar('\n');
        return RND_EXIT_OK;
    }
    printf(_("attached to %s: %s %s, %" PRIu64 " bytes\n"), id,
           f.found ? f.a.role : "?", f.found ? f.a.type : "?",
           f.found ? f.a.size : 0);
    printf("%s\n", hash);
    return RND_EXIT_OK;
}

/* ---- rounds attachment list [ID] ----------------------------------------- */

typedef struct list_walk {
    rpt_jw *j;
    int n;
} list_walk;

static int list_cb(const hh_attachment *a, void *ctx)
{
    list_walk *w = ctx;
    if (w->j)
        att_json(w->j, a);
    else
        att_line(a, 1);
    w->n++;
    return 0;
}

int cmd_attachment_list(void)
{
    hh *h;
    char hex[33];
    const char *id = NULL;
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    if (o.npos >= 3 &&
        (rc = resolve_id(h, o.positional[2], 0, hex, &id, "attachment")) != 0) {
        hh_close(h);
        return rc;
    }
    rpt_jw j;
    list_walk w = {o.json ? &j : NULL, 0};
    if (o.json) {
        rpt_jw_init(&j, stdout);
        rpt_jw_arr(&j);
    }
    rc = hh_attachments(h, id, list_cb, &w);
    if (o.json) {
        rpt_jw_end(&j);
        putchar('\n');
    }
    int ex = rc ? report_error(h, rc, "attachment list") : RND_EXIT_OK;
    if (rc == 0 && !o.json && w.n == 0)
        printf("%s\n", _("no attachments"));
    hh_close(h);
    return ex;
}

/* ---- rounds attachment get HASH --out FILE ------------------------------- */

int cmd_attachment_get(void)
{
    hh *h;
    const char *out = kv_take("out");
    if (o.npos < 3)
        return usage_error(_("attachment get: give the attachment's hash%s"),
                           "");
    if (out == NULL || *out == '\0')
        return usage_error(_("attachment get: give --out FILE%s"), "");
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    rc = hh_attachment_get(h, o.positional[2], out);
    int ex = rc ? report_error(h, rc, "attachment get") : RND_EXIT_OK;
    hh_close(h);
    if (rc == 0) {
        if (o.json) {
            printf("{\"ok\":true,\"hash\":");
            json_cstr(stdout, o.positional[2]);
            printf(",\"out\":");
            json_cstr(stdout, out);
            printf("}\n");
        } else {
            printf(_("wrote %s\n"), out);
        }
    }
    return ex;
}

/* ---- rounds attachment want HASH ----------------------------------------- */

int cmd_attachment_want(void)
{
    hh *h;
    if (o.npos < 3)
        return usage_error(_("attachment want: give the attachment's hash%s"),
                           "");
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    rc = hh_attachment_want(h, o.positional[2]);
    int ex = rc ? report_error(h, rc, "attachment want") : RND_EXIT_OK;
    hh_close(h);
    if (rc == 0) {
        if (o.json)
            printf("{\"ok\":true}\n");
        else
            printf("%s\n", _("the next sync fetches it"));
    }
    return ex;
}

/* ---- rounds attachment gc [--min-age AGE] [--dry-run] -------------------- */

typedef struct gc_print {
    rpt_jw *j;
    int dry;
} gc_print;

static int gc_cb(const char *hash, uint64_t size, void *ctx)
{
    gc_print *p = ctx;
    if (p->j) {
        rpt_jw_obj(p->j);
        rpt_jw_kstr(p->j, "hash", hash);
        rpt_jw_kuint(p->j, "size", size);
        rpt_jw_end(p->j);
    } else {
        printf("%s %s %10" PRIu64 " %s\n",
               p->dry ? _("would remove") : _("removed"), hash, size,
               _("bytes"));
    }
    return 0;
}

int cmd_attachment_gc(void)
{
    hh *h;
    const char *age = kv_take("min_age");
    int dry = kv_take("dry_run") != NULL;
    int64_t min_age = 3600;
    if (age && (min_age = args_age(age)) < 0)
        return usage_error(_("attachment gc: --min-age takes a duration such "
                             "as 3600, 90s, 30m, 1h or 2d%s"),
                           "");
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    rpt_jw j;
    gc_print p = {o.json ? &j : NULL, dry};
    if (o.json) {
        rpt_jw_init(&j, stdout);
        rpt_jw_obj(&j);
        rpt_jw_kbool(&j, "dry_run", dry);
        rpt_jw_kint(&j, "min_age_s", min_age);
        rpt_jw_key(&j, "orphans");
        rpt_jw_arr(&j);
    }
    hh_gc_result r;
    rc = hh_attachment_gc(h, min_age, dry, gc_cb, &p, &r);
    if (o.json) {
        rpt_jw_end(&j);
        rpt_jw_kuint(&j, "files", r.files);
        rpt_jw_kuint(&j, "bytes", r.bytes);
        rpt_jw_kuint(&j, "kept_young", r.kept_young);
        rpt_jw_end(&j);
        putchar('\n');
    }
    int ex = rc ? report_error(h, rc, "attachment gc") : RND_EXIT_OK;
    hh_close(h);
    if (rc == 0 && !o.json)
        printf(dry ? _("%" PRIu64 " orphan file(s), %" PRIu64
                       " bytes, would be removed (dry run); %" PRIu64
                       " newer than --min-age kept\n")
                   : _("%" PRIu64 " orphan file(s), %" PRIu64
                       " bytes, removed; %" PRIu64
                       " newer than --min-age kept\n"),
               r.files, r.bytes, r.kept_young);
    return ex;
}
