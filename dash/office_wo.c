/* office_wo.c: work orders in the dashboard (office.h): the list with each
 * order's next clock, one order's fields, op history, the clocks of each
 * of its cycles and the steps it can take now; the forms of the steps,
 * and the office's steps recorded. The clocks are report/'s (wo_fill,
 * wo_clocks, the holiday calendar): the numbers `roundsd report
 * workorders` prints, never a second computation. The steps, their
 * fields and their checks are the handheld's verb table and hh_record
 * (handheld/verbs.c, hh_onstore.h), never a copy of them; the words of
 * their values (a category, a status, a clock) are those tables' own,
 * sent as each column's labels. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../handheld/handheld.h"
#include "../handheld/hh_jw.h"
#include "../handheld/hh_onstore.h"
#include "../i18n/i18n.h"
#include "../report/report.h"
#include "../report/wo_int.h"
#include "office.h"
#include "office_int.h"

/* ---- the list -------------------------------------------------------------
 */

typedef struct id_list {
    uint8_t (*v)[PROTO_ENTITY_LEN];
    size_t n, cap;
    const char *q;
    fold_state *fs;
} id_list;

/* Whether the str field name of fs contains q, ignoring ASCII case. */
static int field_has(const fold_state *fs, const char *name, const char *q)
{
    char buf[PROTO_FIELD_STR_MAX + 1];
    fold_state_text(fs, name, buf, sizeof buf);
    return strcasestr(buf, q) != NULL;
}

static int ids_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                  const uint8_t *state, size_t len, void *arg)
{
    (void)kind;
    id_list *l = arg;
    if (l->q && *l->q) {
        char hex[33];
        if (fold_state_parse(state, len, l->fs) != 0)
            return 0;
        proto_entity_hex(id, hex);
        if (!field_has(l->fs, "place", l->q) &&
            !field_has(l->fs, "description", l->q) && !strstr(hex, l->q))
            return 0;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        void *p = realloc(l->v, cap * sizeof *l->v);
        if (p == NULL)
            return RND_ENOMEM;
        l->v = p;
        l->cap = cap;
    }
    memcpy(l->v[l->n++], id, PROTO_ENTITY_LEN);
    return 0;
}

/* Reads order id into o with its clocks as of now. */
static int load_one(store_txn *t, const uint8_t id[PROTO_ENTITY_LEN],
                    fold_state *fs, proto_op *op, const rpt_calendar *cal,
                    int64_t now, int tz_min, wo *o)
{
    const uint8_t *state;
    size_t len;
    int kind;
    int rc = store_entity_get(t, id, &kind, &state, &len);
    if (rc == 0 && kind != PROTO_KIND_WORKORDER)
        rc = RND_ENOTFOUND;
    if (rc == 0)
        rc = fold_state_parse(state, len, fs);
    if (rc)
        return rc;
    rc = wo_fill(t, op, 0, id, fs, o);
    if (rc == 0)
        wo_clocks(o, now, tz_min, cal);
    return rc;
}

static void wo_release(wo *o)
{
    free(o->place);
    free(o->assignee);
    free(o->cyc);
    memset(o, 0, sizeof *o);
}

/* ---- the words of the values --------------------------------------------
 * Each a column's labels (office_labels_fn): every value the column can
 * hold, from the table that owns the values (the verb table's choices,
 * fold's statuses, report/'s clocks, states and stops), in words. */

static void choice_labels(rpt_jw *j, const char *field, const char *lang)
{
    const hh_verb_spec *v = hh_verb_find("workorder.create");
    rpt_jw_obj(j);
    for (const hh_field_spec *f = v ? v->fields : NULL; f && f->name; f++) {
        if (strcmp(f->name, field) != 0 || f->choices == NULL)
            continue;
        for (const char *const *c = f->choices; *c; c++)
            office_label(j, *c, hh__choice_words(f, *c), lang);
    }
    rpt_jw_end(j);
}

static void category_labels(rpt_jw *j, const char *lang)
{
    choice_labels(j, "category", lang);
}

static void priority_labels(rpt_jw *j, const char *lang)
{
    choice_labels(j, "priority", lang);
}

static void status_labels(rpt_jw *j, const char *lang)
{
    rpt_jw_obj(j);
    for (const char *const *s = fold_wo_statuses(); *s; s++)
        office_label(j, *s, NULL, lang);
    rpt_jw_end(j);
}

static void clock_labels(rpt_jw *j, const char *lang)
{
    rpt_jw_obj(j);
    for (int i = 0; i < NCLOCKS; i++)
        office_label(j, wo_clock_names[i], NULL, lang);
    for (int i = 0; i < NXCLOCKS; i++)
        office_label(j, wo_xclock_names[i], NULL, lang);
    rpt_jw_end(j);
}

static void state_labels(rpt_jw *j, const char *lang)
{
    rpt_jw_obj(j);
    for (int i = ST_NA; i <= ST_UNVERIFIED; i++)
        office_label(j, wo_state_names[i], NULL, lang);
    rpt_jw_end(j);
}

static void stop_labels(rpt_jw *j, const char *lang)
{
    rpt_jw_obj(j);
    for (int i = STOP_CREATE; i <= STOP_REPLY; i++)
        office_label(j, wo_stop_names[i], NULL, lang);
    rpt_jw_end(j);
}

const char *office_wo_words(const char *key, const char *value)
{
    if (key == NULL || value == NULL)
        return NULL;
    if (!strcmp(key, "clock") || !strcmp(key, "next_clock")) {
        for (int i = 0; i < NCLOCKS; i++)
            if (!strcmp(value, wo_clock_names[i]))
                return wo_clock_names[i];
        for (int i = 0; i < NXCLOCKS; i++)
            if (!strcmp(value, wo_xclock_names[i]))
                return wo_xclock_names[i];
        return NULL;
    }
    if (!strcmp(key, "status")) {
        for (const char *const *s = fold_wo_statuses(); *s; s++)
            if (!strcmp(value, *s))
                return *s;
        for (int i = ST_NA; i <= ST_UNVERIFIED; i++) /* a clock's */
            if (!strcmp(value, wo_state_names[i]))
                return wo_state_names[i];
        return NULL;
    }
    const hh_verb_spec *v = hh_verb_find("workorder.create");
    for (const hh_field_spec *f = v ? v->fields : NULL; f && f->name; f++) {
        if (strcmp(f->name, key) != 0 || f->choices == NULL)
            continue;
        for (const char *const *c = f->choices; *c; c++)
            if (!strcmp(*c, value)) {
                const char *w = hh__choice_words(f, *c);
                return w ? w : *c;
            }
    }
    return NULL;
}

static void time_cell(rpt_jw *j, int64_t ms, int tz_min)
{
    char ts[48];
    if (ms <= 0) {
        rpt_jw_null(j);
        return;
    }
    rpt_time_iso(ms, tz_min, ts, sizeof ts);
    rpt_jw_str(j, ts);
}

int office_wo_table(rpt_jw *j, store *st, int all, const char *q,
                    int64_t now_ms, int tz_min, const char *lang, size_t limit,
                    int *more)
{
    static const office_col cols[] = {
        {"id", N_("ID"), "text", NULL},
        {"created", N_("Created"), "time", NULL},
        {"place", N_("Place"), "text", NULL},
        {"category", N_("Category"), "text", category_labels},
        {"priority", N_("Priority"), "text", priority_labels},
        {"status", N_("Status"), "text", status_labels},
        {"assignee", N_("Assignee"), "text", NULL},
        {"clock", N_("Next clock"), "text", clock_labels},
        {"due", N_("Due"), "time", NULL},
        {"left_ms", N_("Time left"), "duration", NULL},
    };
    id_list l = {NULL, 0, 0, q, NULL};
    rpt_calendar cal;
    store_txn *t;
    wo o;
    *more = 0;
    proto_op *op = malloc(sizeof *op);
    l.fs = malloc(sizeof *l.fs);
    int rc = op && l.fs ? store_read_begin(st, &t) : RND_ENOMEM;
    if (rc) {
        free(op);
        free(l.fs);
        return rc;
    }
    rc = rpt_calendar_load(t, &cal);
    if (rc == 0)
        rc = store_entities_each(t, PROTO_KIND_WORKORDER, !all, ids_cb, &l);
    office_table_begin(j, "workorders",
                       all ? N_("Work orders") : N_("Open work orders"), cols,
                       sizeof cols / sizeof *cols, lang);
    /* Ids ascend by time: the newest first, at most limit. */
    size_t shown = 0;
    for (size_t i = l.n; rc == 0 && i-- > 0;) {
        if (limit && shown == limit) {
            *more = 1;
            break;
        }
        memset(&o, 0, sizeof o);
        rc = load_one(t, l.v[i], l.fs, op, &cal, now_ms, tz_min, &o);
        if (rc == RND_ENOTFOUND) {
            rc = 0;
            continue;
        }
        if (rc) {
            wo_release(&o);
            break;
        }
        wo_next nx = wo_next_clock(&o, now_ms);
        office_row_begin(j, o.hex);
        rpt_jw_str(j, o.hex);
        time_cell(j, o.called_at ? o.called_at : o.created, tz_min);
        rpt_jw_str(j, o.place);
        rpt_jw_str(j, o.category);
        rpt_jw_str(j, o.priority);
        rpt_jw_str(j, o.status);
        rpt_jw_str(j, o.assignee);
        rpt_jw_str(j, nx.clock >= 0 ? wo_clock_name(nx.clock) : NULL);
        time_cell(j, nx.due, tz_min);
        if (nx.clock >= 0)
            rpt_jw_int(j, nx.left_ms);
        else
            rpt_jw_null(j);
        office_row_end(j, nx.state);
        wo_release(&o);
        shown++;
    }
    office_table_end(j);
    rpt_calendar_free(&cal);
    store_read_end(t);
    free(l.v);
    free(l.fs);
    free(op);
    return rc;
}

/* ---- the office's steps: which, and their forms ---------------------------
 */

/* What the office records itself; arriving and completing are the
 * technician's, on site. */
static const char *const office_actions[] = {
    "create",   "dispatch", "callback", "feedback", "reply", "assess",
    "escalate", "close",    "cancel",   "reopen",   NULL};

static int office_records(const char *action)
{
    for (const char *const *a = office_actions; *a; a++)
        if (action && strcmp(*a, action) == 0)
            return 1;
    return 0;
}

/* The step a work-order verb is ("dispatch" of "workorder.dispatch"), or
 * NULL for a verb of another kind. */
static const char *step_of(const hh_verb_spec *v)
{
    static const char pre[] = "workorder.";
    if (v->kind != PROTO_KIND_WORKORDER || strncmp(v->verb, pre, strlen(pre)))
        return NULL;
    return v->verb + strlen(pre);
}

/* Whether the office's form asks f: not "by" (the signed-in account,
 * office_wo_write refuses it as a value) nor a signature drawn on a
 * handheld's screen. */
static void asked(rpt_jw *j, const hh_verb_spec *v, const hh_field_spec *f,
                  void *arg)
{
    (void)v;
    (void)arg;
    rpt_jw_kbool(j, "asked",
                 strcmp(f->name, "by") && strcmp(f->name, "signature_strokes"));
}

void office_wo_forms(rpt_jw *j, const char *lang)
{
    rpt_jw_key(j, "steps");
    rpt_jw_arr(j);
    for (const hh_verb_spec *v = hh_verbs(); v->verb; v++) {
        const char *name = step_of(v);
        if (name == NULL)
            continue;
        rpt_jw_obj(j);
        rpt_jw_kstr(j, "name", name);
        rpt_jw_kbool(j, "office", office_records(name));
        hh__jw_verb(j, v, lang, asked, NULL);
        rpt_jw_end(j);
    }
    rpt_jw_end(j);
}

/* Member "steps": the office's steps the order can take in its status. */
static void steps_now(rpt_jw *j, const char *status)
{
    rpt_jw_key(j, "steps");
    rpt_jw_arr(j);
    for (const hh_verb_spec *v = hh_verbs(); v->verb; v++) {
        const char *name = step_of(v);
        if (name && !v->creates && office_records(name) &&
            hh__verb_allows(v, status))
            rpt_jw_str(j, name);
    }
    rpt_jw_end(j);
}

/* ---- one order ------------------------------------------------------------
 */

/* Who made op: its "by", else the first "*_by" field (dispatch_by...). */
static const proto_field *op_by(const proto_op *op)
{
    const proto_field *by = proto_op_field(op, "by");
    if (by && by->type == PROTO_STR)
        return by;
    for (uint32_t i = 0; i < op->nfields; i++) {
        const proto_field *f = &op->fields[i];
        if (f->type == PROTO_STR && f->name_len > 3 &&
            memcmp(f->name + f->name_len - 3, "_by", 3) == 0 &&
            f->name[0] != '_')
            return f;
    }
    return NULL;
}

static void history(rpt_jw *j, store_txn *t, const fold_state *fs, proto_op *op,
                    int tz_min)
{
    char dev[17];
    rpt_jw_key(j, "history");
    rpt_jw_arr(j);
    for (uint32_t i = 0; i < fs->nevents; i++) {
        const fold_event *e = &fs->events[i];
        const uint8_t *enc;
        size_t len;
        int64_t recv;
        int have =
            store_op_get(t, e->device_id, e->seq, &enc, &len, &recv) == 0 &&
            proto_op_decode(enc, len, op) == 0;
        rpt_jw_obj(j);
        rpt_jw_key(j, "at");
        time_cell(j, e->wall_ms, tz_min);
        rpt_jw_kint(j, "at_ms", e->wall_ms);
        const proto_field *by = have ? op_by(op) : NULL;
        rpt_jw_key(j, "by");
        if (by)
            rpt_jw_strn(j, by->str, by->str_len);
        else
            rpt_jw_null(j);
        snprintf(dev, sizeof dev, "%016llx", (unsigned long long)e->device_id);
        rpt_jw_kstr(j, "device", dev);
        rpt_jw_kuint(j, "seq", e->seq);
        rpt_jw_kstr(j, "action", proto_action_name(e->action));
        rpt_jw_key(j, "fields");
        rpt_jw_obj(j);
        for (uint32_t k = 0; have && k < op->nfields; k++) {
            const proto_field *f = &op->fields[k];
            if (f->name_len == 0 || f->name[0] == '_')
                continue; /* protocol metadata (_seen, _clk) */
            rpt_jw_keyn(j, f->name, f->name_len);
            rpt_jw_field(j, f);
        }
        rpt_jw_end(j);
        rpt_jw_end(j);
    }
    rpt_jw_end(j);
}

static void clock_row(rpt_jw *j, uint32_t cycle, const char *name,
                      const wo_clock *k, int tz_min)
{
    if (k->state == ST_NA && k->start == 0)
        return;
    office_row_begin(j, NULL);
    rpt_jw_int(j, cycle);
    rpt_jw_str(j, name);
    rpt_jw_str(j, wo_state_names[k->state]);
    time_cell(j, k->start, tz_min);
    time_cell(j, k->stop, tz_min);
    rpt_jw_int(j, k->limit_ms);
    rpt_jw_int(j, k->elapsed_ms);
    if (k->start && k->stop == 0)
        rpt_jw_int(j, k->limit_ms - k->elapsed_ms);
    else
        rpt_jw_null(j);
    rpt_jw_str(j, k->stop_by ? wo_stop_names[k->stop_by] : NULL);
    office_row_end(j, k->state == ST_BREACHED  ? "bad"
                      : k->state == ST_AT_RISK ? "warn"
                                               : "ok");
}

static void cycles(rpt_jw *j, const wo *o, int tz_min, const char *lang)
{
    static const office_col cols[] = {
        {"cycle", N_("Cycle"), "int", NULL},
        {"clock", N_("Clock"), "text", clock_labels},
        {"state", N_("State"), "text", state_labels},
        {"start", N_("Start"), "time", NULL},
        {"stop", N_("Stop"), "time", NULL},
        {"limit_ms", N_("Limit"), "span", NULL},
        {"elapsed_ms", N_("Elapsed"), "span", NULL},
        {"left_ms", N_("Time left"), "duration", NULL},
        {"stopped_by", N_("Stopped by"), "text", stop_labels},
    };
    rpt_jw_key(j, "cycles");
    office_table_open(j, "cycles", N_("Clocks per cycle"), cols,
                      sizeof cols / sizeof *cols, lang);
    for (uint32_t c = 0; c < o->ncyc; c++) {
        for (int i = 0; i < NCLOCKS; i++)
            clock_row(j, c + 1, wo_clock_names[i], &o->cyc[c].clk[i], tz_min);
        for (int i = 0; i < NXCLOCKS; i++)
            clock_row(j, c + 1, wo_xclock_names[i], &o->cyc[c].xclk[i], tz_min);
    }
    office_table_end(j);
}

int office_wo_detail(rpt_jw *j, store *st, const char *id_hex, int64_t now_ms,
                     int tz_min, const char *lang, office_err *e)
{
    uint8_t id[PROTO_ENTITY_LEN];
    rpt_calendar cal;
    store_txn *t;
    wo o;
    memset(&o, 0, sizeof o);
    if (id_hex == NULL || proto_entity_parse(id_hex, id) != 0) {
        office_err_set(e, "id", "'%s' is not a 32-hex work order id",
                       id_hex ? id_hex : "");
        return RND_EFIELD;
    }
    proto_op *op = malloc(sizeof *op);
    fold_state *fs = malloc(sizeof *fs);
    int rc = op && fs ? store_read_begin(st, &t) : RND_ENOMEM;
    if (rc) {
        free(op);
        free(fs);
        return rc;
    }
    rc = rpt_calendar_load(t, &cal);
    if (rc == 0) {
        rc = load_one(t, id, fs, op, &cal, now_ms, tz_min, &o);
        rpt_calendar_free(&cal);
    }
    if (rc == RND_ENOTFOUND)
        office_err_set(e, "id", "no work order %s", id_hex);
    if (rc == 0) {
        rpt_jw_kstr(j, "id", o.hex);
        rpt_jw_kstr(j, "status", o.status);
        steps_now(j, fs->status);
        rpt_jw_key(j, "fields");
        rpt_jw_fields(j, fs);
        history(j, t, fs, op, tz_min);
        cycles(j, &o, tz_min, lang);
    }
    wo_release(&o);
    store_read_end(t);
    free(op);
    free(fs);
    return rc;
}

/* ---- the office's steps ----------------------------------------------------
 */

#define WO_KV_MAX 24

int office_wo_write(store *st, const char *action, const char *id_hex,
                    const rpt_jv *fields, const char *by, int64_t now_ms,
                    int tz_min, uint8_t id_out[PROTO_ENTITY_LEN], office_err *e)
{
    char verb[48], err[512];
    static _Thread_local char vals[WO_KV_MAX][32];
    hh_kv kv[WO_KV_MAX];
    size_t n = 0;
    if (!office_records(action)) {
        office_err_set(e, "action",
                       "action is create, dispatch, callback, feedback, "
                       "reply, assess, escalate, close, cancel or reopen");
        return RND_EFIELD;
    }
    snprintf(verb, sizeof verb, "workorder.%s", action);
    const hh_verb_spec *v = hh_verb_find(verb);
    if (v == NULL) {
        office_err_set(e, "action", "no verb %s", verb);
        return RND_EFIELD;
    }
    int create = strcmp(action, "create") == 0;
    if (!create && (id_hex == NULL || *id_hex == '\0')) {
        office_err_set(e, "id", "field 'id' is required: the work order");
        return RND_EFIELD;
    }
    for (size_t i = 0; fields && fields->type == RPT_JV_OBJ && i < fields->n;
         i++) {
        const char *name = fields->keys[i];
        const rpt_jv *jv = &fields->kids[i];
        if (!strcmp(name, "site") || !strcmp(name, "action") ||
            !strcmp(name, "id"))
            continue;
        if (strcmp(name, "by") == 0) {
            office_err_set(e, "by", "'by' is the signed-in account");
            return RND_EFIELD;
        }
        if (n == WO_KV_MAX - 1) {
            office_err_set(e, name, "too many fields");
            return RND_EFIELD;
        }
        const hh_field_spec *sp = NULL;
        for (const hh_field_spec *f = v->fields; f->name; f++)
            if (strcmp(f->name, name) == 0)
                sp = f;
        kv[n].name = name;
        switch (jv->type) {
        case RPT_JV_STR:
            kv[n].value = jv->str;
            /* A time typed in the office's offset, as ms (the handheld
             * library reads a time without offset as its own local). */
            if (sp && sp->type == HH_TIME) {
                int64_t ms;
                if (rpt_time_parse(jv->str, tz_min, &ms) == 0) {
                    snprintf(vals[n], sizeof vals[n], "%lld", (long long)ms);
                    kv[n].value = vals[n];
                }
            }
            break;
        case RPT_JV_NUM:
            snprintf(vals[n], sizeof vals[n], "%s%llu", jv->neg ? "-" : "",
                     (unsigned long long)jv->num);
            kv[n].value = vals[n];
            break;
        case RPT_JV_BOOL:
            kv[n].value = jv->num ? "true" : "false";
            break;
        case RPT_JV_NULL:
            continue; /* an empty form field: not given */
        default:
            office_err_set(e, name, "field '%s': a string, number or bool",
                           name);
            return RND_EFIELD;
        }
        n++;
    }
    kv[n++] = (hh_kv){"by", by};
    int rc = hh__record_on_store(st, verb, create ? NULL : id_hex, kv, n,
                                 now_ms, id_out, err, sizeof err);
    if (rc) {
        char field[64] = "";
        const char *p = strstr(err, "field '");
        if (p) {
            p += 7;
            snprintf(field, sizeof field, "%.*s", (int)strcspn(p, "'"), p);
        } else if (strstr(err, "id") &&
                   (rc == RND_ENOTFOUND || strstr(err, "32-hex"))) {
            snprintf(field, sizeof field, "id");
        }
        office_err_set(e, field, "%s", err);
    }
    return rc;
}
