/* office.c: the office's master data, staff PINs, tag sheets and
 * conflicts in the dashboard, without HTTP (office.h). Every write goes
 * through the function the CLI's command calls (srv_admin_write,
 * srv_staff_pin, srv_admin_resolve, srv_tag_cps + srv_sheet_*); this file
 * only turns JSON into their arguments and their results into tables.
 * Work orders are office_wo.c's. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "../proto/pin.h"
#include "../report/report.h"
#include "../server/staff_pin.h"
#include "../server/tags.h"
#include "../server/tags_sheet.h"
#include "office.h"
#include "office_int.h"

void office_err_set(office_err *e, const char *field, const char *fmt, ...)
{
    if (e == NULL)
        return;
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

/* ---- tables ---------------------------------------------------------------
 */

void office_label(rpt_jw *j, const char *value, const char *words,
                  const char *lang)
{
    char buf[160];
    snprintf(buf, sizeof buf, "%s", i18n_tr_lang(lang, words ? words : value));
    if (buf[0] >= 'a' && buf[0] <= 'z')
        buf[0] = (char)(buf[0] - 'a' + 'A');
    rpt_jw_kstr(j, value, buf);
}

void office_table_begin(rpt_jw *j, const char *name, const char *title,
                        const office_col *cols, size_t ncols, const char *lang)
{
    rpt_jw_key(j, "table");
    office_table_open(j, name, title, cols, ncols, lang);
}

void office_table_open(rpt_jw *j, const char *name, const char *title,
                       const office_col *cols, size_t ncols, const char *lang)
{
    rpt_jw_obj(j);
    rpt_jw_kstr(j, "name", name);
    rpt_jw_kstr(j, "title", i18n_tr_lang(lang, title));
    rpt_jw_key(j, "columns");
    rpt_jw_arr(j);
    for (size_t i = 0; i < ncols; i++) {
        rpt_jw_obj(j);
        rpt_jw_kstr(j, "key", cols[i].key);
        rpt_jw_kstr(j, "title", i18n_tr_lang(lang, cols[i].title));
        rpt_jw_kstr(j, "type", cols[i].type);
        if (cols[i].labels) {
            rpt_jw_key(j, "labels");
            cols[i].labels(j, lang);
        }
        rpt_jw_end(j);
    }
    rpt_jw_end(j);
    rpt_jw_key(j, "rows");
    rpt_jw_arr(j);
}

void office_row_begin(rpt_jw *j, const char *id_hex)
{
    rpt_jw_obj(j);
    rpt_jw_kstr(j, "id", id_hex);
    rpt_jw_key(j, "cells");
    rpt_jw_arr(j);
}

void office_row_end(rpt_jw *j, const char *state)
{
    rpt_jw_end(j); /* cells */
    rpt_jw_kstr(j, "state", state ? state : "ok");
    rpt_jw_end(j);
}

void office_table_end(rpt_jw *j)
{
    rpt_jw_end(j); /* rows */
    rpt_jw_end(j);
}

/* ---- master-data kinds ----------------------------------------------------
 */

static const char *md_type_name(int t)
{
    switch (t) {
    case SRV_MD_INT:
        return "int";
    case SRV_MD_BOOL:
        return "bool";
    case SRV_MD_ENUM:
        return "enum";
    case SRV_MD_LIST:
        return "list";
    default:
        return "str";
    }
}

void office_md_kinds(rpt_jw *j, const char *lang)
{
    rpt_jw_key(j, "kinds");
    rpt_jw_arr(j);
    for (const srv_md_kind *k = srv_md_kinds(); k->noun; k++) {
        rpt_jw_obj(j);
        rpt_jw_kstr(j, "noun", k->noun);
        rpt_jw_kstr(j, "plural", k->plural);
        rpt_jw_kstr(j, "title", i18n_tr_lang(lang, k->help));
        rpt_jw_key(j, "fields");
        rpt_jw_arr(j);
        for (const srv_md_field *f = k->fields; f->flag; f++) {
            rpt_jw_obj(j);
            rpt_jw_kstr(j, "flag", f->flag);
            rpt_jw_kstr(j, "name", f->name);
            rpt_jw_kstr(j, "type", md_type_name(f->type));
            rpt_jw_kbool(j, "key", f->key != 0);
            rpt_jw_kbool(j, "required", f->required != 0);
            rpt_jw_kstrv(j, "choices", f->choices);
            rpt_jw_kstr(j, "default", f->dflt);
            if (f->type == SRV_MD_INT || f->type == SRV_MD_LIST) {
                rpt_jw_kint(j, "min", f->lo);
                rpt_jw_kint(j, "max", f->hi);
            } else {
                rpt_jw_knull(j, "min");
                rpt_jw_knull(j, "max");
            }
            rpt_jw_kstr(j, "meta", f->meta);
            rpt_jw_kstr(j, "help", i18n_tr_lang(lang, f->help));
            rpt_jw_end(j);
        }
        rpt_jw_end(j);
        rpt_jw_end(j);
    }
    rpt_jw_end(j);
}

/* ---- master-data listing --------------------------------------------------
 */

typedef struct md_table_ctx {
    rpt_jw *j;
    const srv_md_kind *k;
    const char *const *cols;
    int all, staff, tz_min;
} md_table_ctx;

static const srv_md_field *md_field(const srv_md_kind *k, const char *name)
{
    for (const srv_md_field *f = k->fields; f->flag; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

static int md_row_cb(const fold_state *st, void *arg)
{
    md_table_ctx *c = arg;
    rpt_jw *j = c->j;
    char hex[33], key[SRV_MD_KEY_MAX + 1], ts[48];
    proto_entity_hex(st->entity, hex);
    srv_md_state_key(st, key, sizeof key);
    office_row_begin(j, hex);
    rpt_jw_str(j, key);
    for (int i = 0; c->cols[i]; i++) {
        const proto_field *f = fold_state_field(st, c->cols[i]);
        if (f == NULL)
            rpt_jw_null(j);
        else
            rpt_jw_field(j, f); /* an ID number masked, as the CLI */
    }
    rpt_jw_str(j, st->status);
    if (c->staff) {
        /* The hash itself never leaves the server's store. */
        const proto_field *h = fold_state_field(st, "pin_hash");
        const proto_field *at = fold_state_field(st, "pin_set_ms");
        int set = h && h->type == PROTO_STR && h->str_len > 0;
        rpt_jw_bool(j, set);
        if (at && at->type == PROTO_INT && at->i > 0) {
            rpt_time_iso(at->i, c->tz_min, ts, sizeof ts);
            rpt_jw_str(j, ts);
        } else {
            rpt_jw_null(j);
        }
    }
    office_row_end(j, strcmp(st->status, "active") == 0 ? "ok" : "warn");
    return 0;
}

int office_md_table(rpt_jw *j, store *st, const srv_md_kind *k, int all,
                    int vacant, int tz_min, const char *lang)
{
    office_col cols[24];
    size_t n = 0;
    md_table_ctx c = {
        j,     k, proto_kind_columns(k->kind), all, k->kind == PROTO_KIND_STAFF,
        tz_min};
    cols[n++] = (office_col){"key", N_("Key"), "text", NULL};
    for (int i = 0; c.cols[i] && n < 20; i++) {
        const srv_md_field *f = md_field(k, c.cols[i]);
        const char *type = "text";
        if (f && f->type == SRV_MD_INT)
            type = "int";
        else if (f && f->type == SRV_MD_BOOL)
            type = "bool";
        /* The column's title: the field's flag, as the forms show it. */
        cols[n++] =
            (office_col){c.cols[i], f ? f->flag : c.cols[i], type, NULL};
    }
    cols[n++] = (office_col){"status", N_("Status"), "text", NULL};
    if (c.staff) {
        cols[n++] = (office_col){"pin_set", N_("PIN set"), "bool", NULL};
        cols[n++] = (office_col){"pin_set_at", N_("PIN set at"), "time", NULL};
    }
    office_table_begin(j, k->plural, k->help, cols, n, lang);
    int rc = srv_admin_list(st, k, all, vacant, md_row_cb, &c);
    office_table_end(j);
    return rc;
}

/* ---- master-data writes ---------------------------------------------------
 */

/* The flag srv_admin_write's message names ("--unit ...", "field 'x'"),
 * into field. */
static void field_of_msg(const srv_md_kind *k, const char *msg, char *field,
                         size_t cap)
{
    const char *p = strstr(msg, "--");
    field[0] = '\0';
    if (p) {
        p += 2;
        size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-");
        snprintf(field, cap, "%.*s", (int)n, p);
        return;
    }
    p = strstr(msg, "field '");
    if (p) {
        p += 7;
        size_t n = strcspn(p, "'");
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)n, p);
        const srv_md_field *f = md_field(k, name);
        snprintf(field, cap, "%s", f ? f->flag : name);
    }
}

static int mode_of(const char *mode)
{
    if (mode && strcmp(mode, "add") == 0)
        return SRV_ADMIN_ADD;
    if (mode && strcmp(mode, "set") == 0)
        return SRV_ADMIN_SET;
    if (mode && strcmp(mode, "retire") == 0)
        return SRV_ADMIN_RETIRE;
    return 0;
}

#define MD_KV_MAX 32

int office_md_write(store *st, const char *site, const char *kind,
                    const char *mode, const char *target, const rpt_jv *values,
                    const char *reason, const char *by, int64_t now_ms,
                    srv_admin_out *out, office_err *e)
{
    srv_admin_kv kv[MD_KV_MAX];
    char num[MD_KV_MAX][24];
    size_t n = 0;
    memset(out, 0, sizeof *out);
    const srv_md_kind *k = kind ? srv_md_find(kind) : NULL;
    if (k == NULL) {
        office_err_set(e, "kind", "unknown kind '%s'", kind ? kind : "");
        return RND_EFIELD;
    }
    int m = mode_of(mode);
    if (m == 0) {
        office_err_set(e, "mode", "mode is add, set or retire");
        return RND_EFIELD;
    }
    if (values && values->type != RPT_JV_OBJ && values->type != RPT_JV_NULL) {
        office_err_set(e, "values", "values is an object {flag: value}");
        return RND_EFIELD;
    }
    for (size_t i = 0; values && values->type == RPT_JV_OBJ && i < values->n;
         i++) {
        const char *flag = values->keys[i];
        const rpt_jv *v = &values->kids[i];
        if (n == MD_KV_MAX - 2) {
            office_err_set(e, "values", "too many values");
            return RND_EFIELD;
        }
        /* Who wrote it is the signed-in account, never a value. */
        if (strcmp(flag, "by") == 0) {
            office_err_set(e, "by", "'by' is the signed-in account");
            return RND_EFIELD;
        }
        kv[n].flag = flag;
        switch (v->type) {
        case RPT_JV_STR:
            kv[n].value = v->str;
            break;
        case RPT_JV_NUM:
            snprintf(num[n], sizeof num[n], "%s%llu", v->neg ? "-" : "",
                     (unsigned long long)v->num);
            kv[n].value = num[n];
            break;
        case RPT_JV_BOOL:
            kv[n].value = v->num ? "true" : "false";
            break;
        case RPT_JV_NULL:
            continue; /* an empty form field: not given */
        default:
            office_err_set(e, flag, "field '%s': a string, number or bool",
                           flag);
            return RND_EFIELD;
        }
        n++;
    }
    if (m == SRV_ADMIN_RETIRE && reason && *reason)
        kv[n++] = (srv_admin_kv){"reason", reason};
    kv[n++] = (srv_admin_kv){"by", by};
    int rc = srv_admin_write(st, site, k, m, target && *target ? target : NULL,
                             kv, n, now_ms, out);
    if (rc && e) {
        snprintf(e->msg, sizeof e->msg, "%s", out->msg);
        if (rc == RND_EFIELD)
            field_of_msg(k, out->msg, e->field, sizeof e->field);
        else
            e->field[0] = '\0';
        if (rc == RND_EFIELD && target && strstr(out->msg, "32-hex"))
            snprintf(e->field, sizeof e->field, "target");
    }
    return rc;
}

/* ---- staff PINs -----------------------------------------------------------
 */

int office_staff_pin(store *st, const char *site, const char *staff,
                     const char *pin, const char *by, int64_t now_ms,
                     office_err *e)
{
    char hash[PROTO_PIN_HASH_MAX + 1] = "", msg[256] = "";
    if (staff == NULL || *staff == '\0') {
        office_err_set(e, "staff", "field 'staff' is required");
        return RND_EFIELD;
    }
    if (pin) {
        if (proto_pin_format_ok(pin) != 0) {
            office_err_set(e, "pin", "field 'pin': a PIN is %d to %d digits",
                           PROTO_PIN_MIN, PROTO_PIN_MAX);
            return RND_EFIELD;
        }
        int rc = proto_pin_hash(pin, hash, sizeof hash);
        if (rc) {
            office_err_set(e, "pin", "cannot hash the PIN: %s",
                           rnd_strerror(rc));
            return rc;
        }
    }
    int rc = srv_staff_pin(st, site, staff, hash, by, now_ms, msg, sizeof msg);
    memset(hash, 0, sizeof hash);
    if (rc)
        office_err_set(e, rc == RND_ENOTFOUND ? "staff" : "", "%s", msg);
    return rc;
}

/* ---- tag sheets -----------------------------------------------------------
 */

/* The route's checkpoints (its "checkpoints" list) into out. */
static int route_tags(store *st, const char *site, const char *route, char *out,
                      size_t cap, office_err *e)
{
    static _Thread_local fold_state fs;
    uint8_t id[PROTO_ENTITY_LEN];
    store_txn *t;
    const uint8_t *state;
    size_t len;
    int kind;
    srv_md_entity_id(PROTO_KIND_ROUTE, site, route, strlen(route), id);
    int rc = store_read_begin(st, &t);
    if (rc)
        return rc;
    rc = store_entity_get(t, id, &kind, &state, &len);
    if (rc == 0)
        rc = fold_state_parse(state, len, &fs);
    if (rc == 0 && (kind != PROTO_KIND_ROUTE || strcmp(fs.status, "active")))
        rc = RND_ENOTFOUND;
    if (rc == 0)
        fold_state_text(&fs, "checkpoints", out, cap);
    store_read_end(t);
    if (rc == RND_ENOTFOUND || (rc == 0 && out[0] == '\0')) {
        office_err_set(e, "route", "site %s has no active route %s", site,
                       route);
        return RND_ENOTFOUND;
    }
    return rc;
}

int office_tags_sheet(store *st, const char *data_dir, const char *site,
                      const char *route, const char *format, int64_t now_ms,
                      char **buf, size_t *len, office_err *e)
{
    char only[PROTO_FIELD_STR_MAX + 1];
    srv_tag_key k;
    srv_tag_cp *cps = NULL;
    size_t n = 0, blen;
    int made = 0, ops = 0, stage, rc;
    const char *bad;
    *buf = NULL;
    *len = 0;
    int pdf = format && strcmp(format, "pdf") == 0;
    if (format && !pdf && strcmp(format, "svg") != 0) {
        office_err_set(e, "format", "format is svg or pdf");
        return RND_EFIELD;
    }
    if (route && *route &&
        (rc = route_tags(st, site, route, only, sizeof only, e)) != 0)
        return rc;
    /* The current key, made at first use, and published: `tags print`. */
    rc = srv_tag_current(data_dir, site, 1, now_ms, &k, &made);
    if (rc == 0)
        rc = srv_tag_publish(st, data_dir, site, now_ms, &ops);
    if (rc) {
        memset(k.priv, 0, sizeof k.priv);
        office_err_set(e, "",
                       "cannot make or publish the tag key of site %s: "
                       "%s",
                       site, rnd_strerror(rc));
        return rc;
    }
    rc = srv_tag_cps(st, site, k.priv, route && *route ? only : NULL, &cps, &n,
                     &stage, &bad, &blen);
    memset(k.priv, 0, sizeof k.priv);
    if (rc) {
        if (stage == SRV_TAG_CPS_NONE)
            office_err_set(e, "site", "site %s has no checkpoints", site);
        else if (stage == SRV_TAG_CPS_UNKNOWN)
            office_err_set(e, "route",
                           "route %s lists %.*s, which is not an active "
                           "checkpoint",
                           route, (int)blen, bad);
        else if (stage == SRV_TAG_CPS_SIGN)
            office_err_set(e, "", "checkpoint %s: no payload can be made", bad);
        else
            office_err_set(e, "", "cannot read the checkpoints: %s",
                           rnd_strerror(rc));
        return rc;
    }
    srv_tag_label *labels = calloc(n ? n : 1, sizeof *labels);
    FILE *f = open_memstream(buf, len);
    if (labels == NULL || f == NULL) {
        if (f)
            fclose(f);
        free(*buf);
        *buf = NULL;
        free(labels);
        free(cps);
        office_err_set(e, "", "out of memory");
        return RND_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        labels[i] = (srv_tag_label){cps[i].tag, cps[i].name, cps[i].place,
                                    cps[i].payload};
    rc = pdf ? srv_sheet_pdf(f, site, k.hex, labels, n)
             : srv_sheet_svg(f, site, k.hex, labels, n);
    if (fclose(f) != 0 && rc == 0)
        rc = RND_EIO;
    free(labels);
    free(cps);
    if (rc) {
        free(*buf);
        *buf = NULL;
        *len = 0;
        office_err_set(e, "", "cannot make the sheet: %s", rnd_strerror(rc));
    }
    return rc;
}

/* ---- conflicts ------------------------------------------------------------
 */

typedef struct conflict_ctx {
    rpt_jw *j;
    int tz_min;
} conflict_ctx;

static int conflict_cb(const fold_state *st, void *arg)
{
    conflict_ctx *c = arg;
    rpt_jw *j = c->j;
    char hex[33], val[PROTO_FIELD_STR_MAX + 1], ts[48], dev[17];
    proto_entity_hex(st->entity, hex);
    for (uint32_t i = 0; i < st->nconflicts; i++) {
        const fold_conflict *cf = &st->conflicts[i];
        int64_t last = 0;
        char list[1024] = "";
        size_t used = 0;
        office_row_begin(j, hex);
        rpt_jw_str(j, proto_kind_name(st->kind));
        rpt_jw_strn(j, cf->field, cf->field_len);
        for (uint32_t k = 0; k < cf->ncand; k++) {
            int64_t at = fold_candidate_wall_ms(st, &cf->cand[k]);
            if (at > last)
                last = at;
            rpt_field_text(&cf->cand[k].value, val, sizeof val);
            if (used < sizeof list)
                used += (size_t)snprintf(list + used, sizeof list - used,
                                         "%s%s", k ? " / " : "", val);
        }
        rpt_jw_str(j, list);
        rpt_time_iso(last, c->tz_min, ts, sizeof ts);
        rpt_jw_str(j, ts);
        rpt_jw_end(j); /* cells */
        /* The values to choose from, one by one (beside the cells). */
        rpt_jw_key(j, "candidates");
        rpt_jw_arr(j);
        for (uint32_t k = 0; k < cf->ncand; k++) {
            const fold_candidate *cd = &cf->cand[k];
            rpt_jw_obj(j);
            rpt_jw_key(j, "value");
            rpt_jw_field(j, &cd->value);
            snprintf(dev, sizeof dev, "%016llx",
                     (unsigned long long)cd->device_id);
            rpt_jw_kstr(j, "device", dev);
            rpt_time_iso(fold_candidate_wall_ms(st, cd), c->tz_min, ts,
                         sizeof ts);
            rpt_jw_kstr(j, "at", ts);
            rpt_jw_end(j);
        }
        rpt_jw_end(j);
        rpt_jw_kstr(j, "state", "warn");
        rpt_jw_end(j);
    }
    return 0;
}

int office_conflicts_table(rpt_jw *j, store *st, int tz_min, const char *lang)
{
    static const office_col cols[] = {
        {"kind", N_("Kind"), "text", NULL},
        {"field", N_("Field"), "text", NULL},
        {"candidates", N_("Candidates"), "text", NULL},
        {"latest", N_("Latest write"), "time", NULL},
    };
    conflict_ctx c = {j, tz_min};
    office_table_begin(j, "conflicts", N_("Conflicts waiting"), cols,
                       sizeof cols / sizeof *cols, lang);
    int rc = srv_admin_conflicts(st, conflict_cb, &c);
    office_table_end(j);
    return rc;
}

int office_resolve(store *st, const char *id_hex, const char *field,
                   const char *value, const char *reason, const char *by,
                   int64_t now_ms, office_err *e)
{
    srv_admin_out out;
    int rc =
        srv_admin_resolve(st, id_hex, field, value, reason, by, now_ms, &out);
    if (rc) {
        const char *f = "";
        if (strstr(out.msg, "record id") || strstr(out.msg, "no record"))
            f = "id";
        else if (strstr(out.msg, "--field") || strstr(out.msg, "no conflict"))
            f = "field";
        else if (strstr(out.msg, "--value"))
            f = "value";
        else if (strstr(out.msg, "--reason"))
            f = "reason";
        office_err_set(e, f, "%s", out.msg);
    }
    return rc;
}
