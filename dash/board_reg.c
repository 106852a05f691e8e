/* board_reg.c: the reports as the dashboard answers them (the document
 * `roundsd report` builds, its CSV, the page's chart hints), every table
 * as the API's TABLE JSON, the registers searched, and a record's personal
 * data opened with a reason (board.h). */
#define _GNU_SOURCE /* strcasestr */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "../proto/pii.h"
#include "../report/wo_int.h"
#include "../server/report_run.h"
#include "../storage/fold.h"
#include "board_int.h"
#include "office.h"
#include "office_int.h"

/* ---- reports ------------------------------------------------------------ */

int dash_report(const dash_src *s, srv_registry *reg, const char *name,
                int64_t from, int64_t to, rpt_doc *out)
{
    memset(out, 0, sizeof *out);
    const srv_report_kind *k = srv_report_find(name);
    if (k == NULL)
        return RND_ENOTFOUND;
    rpt_params p = params_of(s, from, to);
    return srv_report_build(k, s->st, reg, &p, out);
}

int dash_report_csv(const rpt_doc *d, const char *table, char **buf,
                    size_t *len)
{
    *buf = NULL;
    *len = 0;
    if (table == NULL || *table == '\0')
        table = rpt_csv_table(d, 1) ? rpt_csv_table(d, 1) : "summary";
    FILE *f = open_memstream(buf, len);
    if (f == NULL)
        return RND_ENOMEM;
    int rc = rpt_emit_csv_table(d, table, f);
    if (fclose(f) != 0 && rc == 0)
        rc = RND_ENOMEM;
    if (rc) {
        free(*buf);
        *buf = NULL;
        *len = 0;
    }
    return rc;
}

/* What the page may draw per report: section, label column, values. */
static const struct chart {
    const char *report, *section, *label;
    const char *values[6];
} charts[] = {
    {"patrol", "rounds", "round_start", {"tqi"}},
    {"patrol", "guards", "guard", {"on_time", "late", "out_of_order"}},
    {"workorders",
     "by_category",
     "category",
     {"record_met", "notify_met", "on_site_met", "resolve_met",
      "callback_met"}},
    {"workorders",
     "by_category",
     "category",
     {"record_breached", "notify_breached", "on_site_breached",
      "resolve_breached", "callback_breached"}},
    {"month",
     "people",
     "person",
     {"scans_on_time", "scans_late", "checkpoints_missed", "clocks_met",
      "clocks_breached", "callbacks"}},
    {"month", "clocks_by_category", "category", {"met", "breached", "open"}},
    {"month", "routes", "route", {"on_time", "late", "missed"}},
    {NULL, NULL, NULL, {NULL}}};

void dash_report_charts(rpt_jw *j, const rpt_doc *d)
{
    for (const struct chart *c = charts; c->report; c++) {
        if (strcmp(c->report, d->report) != 0)
            continue;
        const rpt_section *sec = rpt_doc_section(d, c->section);
        if (sec == NULL || col_of(sec, c->label) < 0)
            continue;
        rpt_jw_obj(j);
        rpt_jw_kstr(j, "section", c->section);
        rpt_jw_kstr(j, "label", c->label);
        rpt_jw_key(j, "values");
        rpt_jw_arr(j);
        for (int i = 0; i < 6 && c->values[i]; i++)
            if (col_of(sec, c->values[i]) >= 0)
                rpt_jw_str(j, c->values[i]);
        rpt_jw_end(j);
        rpt_jw_end(j);
    }
}

/* ---- JSON ---------------------------------------------------------------- */

/* An _ms column's type: the time left on a clock counts down on the page
 * (duration); any other length of time (a limit, an offset) is a span,
 * shown as it was answered. */
static const char *ms_type(const char *name, size_t n)
{
    return n >= 7 && !strcmp(name + n - 7, "left_ms") ? "duration" : "span";
}

static const char *col_type(const rpt_section *sec, uint32_t c)
{
    const char *name = rpt_section_col(sec, c);
    size_t n = strlen(name);
    for (uint32_t r = 0; r < rpt_section_rows(sec); r++) {
        const rpt_cell *x = rpt_section_cell(sec, r, c);
        switch (x->type) {
        case RPT_NULL:
            continue;
        case RPT_INT:
            return n > 3 && !strcmp(name + n - 3, "_ms") ? ms_type(name, n)
                                                         : "int";
        case RPT_TIME:
            return "time";
        case RPT_BOOL:
            return "bool";
        case RPT_REAL:
            return "real";
        default:
            return "text";
        }
    }
    return n > 3 && !strcmp(name + n - 3, "_ms") ? ms_type(name, n) : "text";
}

/* Columns whose key means another thing in one section than in the
 * catalogue's usual sense: the board's handhelds have a name that is no
 * person's ("name" is 姓名 elsewhere) and a clock that is the device's,
 * not a service clock ("clock" is 时限 in the work orders). */
static const struct {
    const char *section, *key, *title;
} own_titles[] = {
    {"devices", "name", N_("Handheld")},
    {"devices", "clock", N_("Device clock")},
};

/* Words for the values of columns that hold a code where a word exists
 * (a record's kind, a handheld's clock verdict), on any section. */
static const struct {
    const char *key, *value, *words;
} value_words[] = {
    {"kind", "visit", N_("Visitor")},
    {"kind", "vehicle", N_("Vehicle")},
    {"kind", "workorder", N_("workorder")},
    /* srv_clock_verdict's text when the clock is right, and its flags
     * (server/registry.c) */
    {"clock", "ok", N_("ok")},
    {"clock_flag", "ok", N_("ok")},
    /* TRANSLATORS: a handheld's clock not measured yet (no sync). */
    {"clock_flag", "unknown", N_("not known yet")},
    {"clock_flag", "ahead", N_("ahead")},
    {"clock_flag", "behind", N_("behind")},
    /* TRANSLATORS: a handheld that wrote ops beyond what the server
     * holds: its clock cannot be checked. */
    {"clock_flag", "beyond", N_("ops beyond the server's")},
};

static const char *value_words_of(const char *key, const char *value)
{
    const char *w = office_wo_words(key, value);
    for (size_t i = 0;
         w == NULL && value && i < sizeof value_words / sizeof *value_words;
         i++)
        if (!strcmp(value_words[i].key, key) &&
            !strcmp(value_words[i].value, value))
            w = value_words[i].words;
    return w;
}

/* name's title in lang. A clock's column of the workorders report
 * ("notify_met", made there from the clock's name, so no msgid of its
 * own) is its clock's words and its outcome's: "Notify: met". */
static const char *col_title(const char *lang, const char *section,
                             const char *name, char *buf, size_t cap)
{
    static const char *const what[] = {"met", "breached", "at_risk"};
    for (size_t i = 0; i < sizeof own_titles / sizeof *own_titles; i++)
        if (!strcmp(own_titles[i].section, section) &&
            !strcmp(own_titles[i].key, name))
            return i18n_tr_lang(lang, own_titles[i].title);
    for (int c = 0; c < NCLOCKS + NXCLOCKS; c++) {
        const char *clock = wo_clock_name(c);
        size_t n = strlen(clock);
        if (strncmp(name, clock, n) != 0 || name[n] != '_')
            continue;
        for (size_t k = 0; k < sizeof what / sizeof *what; k++) {
            if (strcmp(name + n + 1, what[k]) != 0)
                continue;
            char w[64];
            snprintf(w, sizeof w, "%s", i18n_tr_lang(lang, what[k]));
            if (w[0] >= 'A' && w[0] <= 'Z') /* English: "Notify: met" */
                w[0] = (char)(w[0] - 'A' + 'a');
            /* TRANSLATORS: a report column's title: a service clock's
             * name, then met, breached or at risk ("Notify: met"). */
            snprintf(buf, cap, i18n_tr_lang(lang, N_("%s: %s")),
                     i18n_tr_lang(lang, clock), w);
            return buf;
        }
    }
    return i18n_tr_lang(lang, name);
}

/* Member "labels" of column c when some of its values have words (a
 * work order's, office_wo_words; value_words): {value: words} for the
 * distinct ones. */
static void col_labels(rpt_jw *j, const rpt_section *sec, uint32_t c,
                       const char *lang)
{
    const char *key = rpt_section_col(sec, c), *seen[64];
    size_t n = 0;
    for (uint32_t r = 0; r < rpt_section_rows(sec) && n < 64; r++) {
        const char *v = cstr(rpt_section_cell(sec, r, c));
        const char *w = value_words_of(key, v);
        size_t k = 0;
        while (w && k < n && strcmp(seen[k], v) != 0)
            k++;
        if (w == NULL || k < n)
            continue;
        if (n == 0) {
            rpt_jw_key(j, "labels");
            rpt_jw_obj(j);
        }
        seen[n++] = v;
        office_label(j, v, w, lang);
    }
    if (n)
        rpt_jw_end(j);
}

void dash_table_json(rpt_jw *j, const rpt_section *sec, int tz_min,
                     const char *lang)
{
    char title[160];
    uint32_t nc = rpt_section_ncols(sec);
    int state = col_of(sec, "state"), id = col_of(sec, "id");
    rpt_jw_obj(j);
    rpt_jw_kstr(j, "name", rpt_section_name(sec));
    rpt_jw_kstr(j, "title", i18n_tr_lang(lang, rpt_section_title(sec)));
    rpt_jw_key(j, "columns");
    rpt_jw_arr(j);
    for (uint32_t c = 0; c < nc; c++) {
        if ((int)c == state)
            continue;
        rpt_jw_obj(j);
        rpt_jw_kstr(j, "key", rpt_section_col(sec, c));
        rpt_jw_kstr(j, "title",
                    col_title(lang, rpt_section_name(sec),
                              rpt_section_col(sec, c), title, sizeof title));
        rpt_jw_kstr(j, "type", col_type(sec, c));
        col_labels(j, sec, c, lang);
        rpt_jw_end(j);
    }
    rpt_jw_end(j);
    rpt_jw_key(j, "rows");
    rpt_jw_arr(j);
    for (uint32_t r = 0; r < rpt_section_rows(sec); r++) {
        rpt_jw_obj(j);
        const char *rid =
            id >= 0 ? cstr(rpt_section_cell(sec, r, (uint32_t)id)) : NULL;
        rpt_jw_kstr(j, "id", is_hex32(rid) ? rid : NULL);
        rpt_jw_key(j, "cells");
        rpt_jw_arr(j);
        for (uint32_t c = 0; c < nc; c++)
            if ((int)c != state)
                rpt_jw_cell(j, rpt_section_cell(sec, r, c), tz_min);
        rpt_jw_end(j);
        const char *st =
            state >= 0 ? cstr(rpt_section_cell(sec, r, (uint32_t)state)) : NULL;
        rpt_jw_kstr(j, "state", st ? st : "ok");
        rpt_jw_end(j);
    }
    rpt_jw_end(j);
    rpt_jw_end(j);
}

void dash_doc_json(rpt_jw *j, const rpt_doc *d, const char *lang)
{
    char t[40];
    rpt_jw_kstr(j, "report", d->report);
    rpt_jw_kstr(j, "title", i18n_tr_lang(lang, d->title));
    rpt_jw_kstr(j, "site", d->site);
    rpt_time_iso(d->from, d->tz_min, t, sizeof t);
    rpt_jw_kstr(j, "from", t);
    rpt_time_iso(d->to, d->tz_min, t, sizeof t);
    rpt_jw_kstr(j, "to", t);
    rpt_time_iso(d->now, d->tz_min, t, sizeof t);
    rpt_jw_kstr(j, "now", t);
    rpt_jw_key(j, "summary");
    rpt_jw_arr(j);
    for (uint32_t i = 0; i < d->nsummary; i++) {
        rpt_jw_obj(j);
        rpt_jw_kstr(j, "key", d->summary[i].key);
        rpt_jw_kstr(j, "title", i18n_tr_lang(lang, d->summary[i].key));
        rpt_jw_key(j, "value");
        rpt_jw_cell(j, &d->summary[i].value, d->tz_min);
        rpt_jw_end(j);
    }
    rpt_jw_end(j);
    rpt_jw_key(j, "sections");
    rpt_jw_arr(j);
    for (uint32_t i = 0; i < d->nsections; i++)
        dash_table_json(j, d->sections[i], d->tz_min, lang);
    rpt_jw_end(j);
    rpt_jw_key(j, "charts");
    rpt_jw_arr(j);
    dash_report_charts(j, d);
    rpt_jw_end(j);
}

/* ---- registers ----------------------------------------------------------- */

int dash_reg_kind_parse(const char *s, dash_reg_kind *out)
{
    static const char *const names[] = {"visitors", "vehicles", "handovers",
                                        "dutylog", "incidents"};
    for (int i = 0; s && i < 5; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (dash_reg_kind)i;
            return 0;
        }
    return RND_EINVAL;
}

static int given(const char *s)
{
    return s && *s;
}

/* Whether text holds want, ignoring ASCII case. */
static int has(const char *text, const char *want)
{
    return text && strcasestr(text, want) != NULL;
}

/* Whether text (a plate) holds want, both in the canonical plate form. */
static int has_plate(const char *text, const char *want)
{
    char a[PROTO_FIELD_STR_MAX + 1], b[128];
    if (text == NULL)
        return 0;
    proto_norm_plate(text, strlen(text), a, sizeof a);
    proto_norm_plate(want, strlen(want), b, sizeof b);
    return strstr(a, b) != NULL;
}

/* Whether row r of sec matches q: unit (columns unit, place), plate
 * (plate), person (name, guard, by, from, to, who, ack_by, people), q
 * (any text cell). */
static int row_matches(const rpt_section *sec, uint32_t r,
                       const dash_reg_query *q)
{
    static const char *const units[] = {"unit", "place", NULL};
    static const char *const people[] = {
        "name", "guard", "by", "from", "to", "who", "ack_by", "people", NULL};
    if (given(q->unit)) {
        int ok = 0;
        for (int i = 0; units[i] && !ok; i++)
            ok = has(cstr(cell_at(sec, r, units[i])), q->unit);
        if (!ok)
            return 0;
    }
    if (given(q->plate) && !has_plate(cstr(cell_at(sec, r, "plate")), q->plate))
        return 0;
    if (given(q->person)) {
        int ok = 0;
        for (int i = 0; people[i] && !ok; i++)
            ok = has(cstr(cell_at(sec, r, people[i])), q->person);
        if (!ok)
            return 0;
    }
    if (given(q->q)) {
        int ok = 0;
        for (uint32_t c = 0; c < rpt_section_ncols(sec) && !ok; c++)
            ok = has(cstr(rpt_section_cell(sec, r, c)), q->q);
        if (!ok)
            return 0;
    }
    return 1;
}

/* Copies the rows of src that match into a section of out of the same
 * columns, at most limit. */
static int copy_matching(const rpt_section *src, const char *name,
                         const char *title, const dash_reg_query *q,
                         uint32_t limit, rpt_doc *out, int *more)
{
    const char *cols[RPT_MAX_COLS];
    uint32_t nc = rpt_section_ncols(src);
    for (uint32_t c = 0; c < nc; c++)
        cols[c] = rpt_section_col(src, c);
    rpt_section *dst = rpt_section_add(out, name, title, cols, nc);
    if (dst == NULL)
        return RND_ENOMEM;
    rpt_cell row[RPT_MAX_COLS];
    for (uint32_t r = 0; r < rpt_section_rows(src); r++) {
        if (!row_matches(src, r, q))
            continue;
        if (rpt_section_rows(dst) == limit) {
            *more = 1;
            break;
        }
        for (uint32_t c = 0; c < nc; c++)
            row[c] = *rpt_section_cell(src, r, c);
        int rc = rpt_row(dst, row);
        if (rc)
            return rc;
    }
    return 0;
}

static int64_t id_ms(const uint8_t id[PROTO_ENTITY_LEN])
{
    int64_t t = 0;
    for (int i = 0; i < 6; i++)
        t = (t << 8) | id[i];
    return t;
}

#define NBUF 12

typedef struct walk_ctx {
    const dash_reg_query *q;
    rpt_section *all; /* every record of the window, before the filters */
    fold_state st;
    char buf[NBUF][PROTO_FIELD_STR_MAX + 1];
    int rc;
} walk_ctx;

/* A field as a C string in buf[i], personal data masked as the CLI shows
 * it (proto_pii_mask), or NULL. */
static const char *fld(walk_ctx *w, int i, const char *name)
{
    const proto_field *f = fold_state_field(&w->st, name);
    if (f == NULL || f->type != PROTO_STR)
        return NULL;
    if (proto_pii_is_personal(w->st.kind, name, strlen(name)))
        proto_pii_mask(name, strlen(name), f->str, f->str_len, w->buf[i],
                       sizeof w->buf[i]);
    else
        snprintf(w->buf[i], sizeof w->buf[i], "%.*s", (int)f->str_len, f->str);
    return w->buf[i];
}

static int64_t when(const fold_state *st, int action)
{
    const fold_event *e = fold_state_first(st, action);
    if (e == NULL && action == PROTO_ACTION_CREATE && st->nevents)
        e = &st->events[0];
    return e ? e->wall_ms : 0;
}

static int walk_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                   const uint8_t *state, size_t len, void *arg)
{
    walk_ctx *w = arg;
    int64_t t = id_ms(id);
    if (t < w->q->from - DAY_MS)
        return 0; /* ids carry the creation time: device clocks may lag */
    if (t >= w->q->to + DAY_MS)
        return 1;
    if (fold_state_parse(state, len, &w->st) != 0)
        return 0;
    int64_t tin = when(&w->st, PROTO_ACTION_CREATE);
    if (tin < w->q->from || tin >= w->q->to)
        return 0;
    char hex[33];
    proto_entity_hex(id, hex);
    const proto_field *pf = fold_state_field(&w->st, "party");
    if (kind == PROTO_KIND_VISIT) {
        rpt_cell row[14] = {rpt_s(hex),
                            rpt_t(tin),
                            rpt_t(when(&w->st, PROTO_ACTION_EXIT)),
                            rpt_s(fld(w, 0, "name")),
                            rpt_s(fld(w, 1, "id_no")),
                            rpt_s(fld(w, 2, "phone")),
                            rpt_s(fld(w, 3, "unit")),
                            rpt_s(fld(w, 4, "purpose")),
                            pf && pf->type == PROTO_INT ? rpt_i(pf->i)
                                                        : rpt_null(),
                            rpt_s(fld(w, 5, "gate")),
                            rpt_s(fld(w, 6, "by")),
                            rpt_s(fld(w, 7, "plate")),
                            rpt_s(fld(w, 8, "pass")),
                            rpt_s(w->st.status[0] ? w->st.status : NULL)};
        return w->rc = rpt_row(w->all, row);
    }
    rpt_cell row[10] = {rpt_s(hex),
                        rpt_t(tin),
                        rpt_t(when(&w->st, PROTO_ACTION_EXIT)),
                        rpt_s(fld(w, 0, "plate")),
                        rpt_s(fld(w, 1, "type")),
                        rpt_s(fld(w, 2, "unit")),
                        rpt_s(fld(w, 3, "phone")),
                        rpt_s(fld(w, 4, "gate")),
                        rpt_s(fld(w, 5, "by")),
                        rpt_s(w->st.status[0] ? w->st.status : NULL)};
    return w->rc = rpt_row(w->all, row);
}

static int reg_walk(const dash_src *s, const dash_reg_query *q, rpt_doc *tmp)
{
    static const char *const vcols[] = {
        N_("id"),    N_("time_in"), N_("time_out"), N_("name"),  N_("id_no"),
        N_("phone"), N_("unit"),    N_("purpose"),  N_("party"), N_("gate"),
        N_("guard"), N_("plate"),   N_("pass"),     N_("status")};
    static const char *const ccols[] = {
        N_("id"),   N_("time_in"), N_("time_out"), N_("plate"), N_("type"),
        N_("unit"), N_("phone"),   N_("gate"),     N_("guard"), N_("status")};
    int vis = q->kind == DASH_REG_VISITORS;
    walk_ctx *w = calloc(1, sizeof *w);
    if (w == NULL)
        return RND_ENOMEM;
    w->q = q;
    w->all = vis ? rpt_section_add(tmp, "visitors", N_("Visitors"), vcols, 14)
                 : rpt_section_add(tmp, "vehicles", N_("Vehicles"), ccols, 10);
    int rc = RND_ENOMEM;
    store_txn *txn;
    if (w->all && (rc = store_read_begin(s->st, &txn)) == 0) {
        /* ids begin with their creation time: start a day early (a slow
         * device clock), skip the older ones unread */
        uint8_t from[PROTO_ENTITY_LEN] = {0};
        int64_t t0 = q->from - DAY_MS > 0 ? q->from - DAY_MS : 0;
        for (int i = 0; i < 6; i++)
            from[i] = (uint8_t)((uint64_t)t0 >> (8 * (5 - i)));
        rc = store_entities_from(txn,
                                 vis ? PROTO_KIND_VISIT : PROTO_KIND_VEHICLE, 0,
                                 from, walk_cb, w);
        store_read_end(txn);
        if (rc == 0)
            rc = w->rc;
    }
    free(w);
    return rc;
}

int dash_registers(const dash_src *s, const dash_reg_query *q, rpt_doc *out,
                   int *more)
{
    static const char *const sec_of[] = {"visitors", "vehicles", "handovers",
                                         "entries", "incidents"};
    static const char *const title_of[] = {
        N_("Visitors"), N_("Vehicles"), N_("Handovers"), N_("Duty log entries"),
        N_("Incidents")};
    static const char *const name_of[] = {"visitors", "vehicles", "handovers",
                                          "dutylog", "incidents"};
    *more = 0;
    memset(out, 0, sizeof *out);
    uint32_t limit = q->limit ? q->limit : DASH_REG_LIMIT;
    if (limit > DASH_REG_LIMIT_MAX)
        limit = DASH_REG_LIMIT_MAX;
    rpt_params p = params_of(s, q->from, q->to);
    rpt_doc tmp;
    memset(&tmp, 0, sizeof tmp);
    int rc;
    switch (q->kind) {
    case DASH_REG_VISITORS:
    case DASH_REG_VEHICLES:
        rpt_doc_init(&tmp, "registers", "", s->site, q->from, q->to, s->now,
                     s->tz_min);
        rc = reg_walk(s, q, &tmp);
        break;
    default: {
        const char *rep = q->kind == DASH_REG_HANDOVERS ? "handover"
                          : q->kind == DASH_REG_DUTYLOG ? "dutylog"
                                                        : "registers";
        rc = srv_report_build(srv_report_find(rep), s->st, NULL, &p, &tmp);
        break;
    }
    }
    rpt_doc_init(out, "registers", N_("Registers"), s->site, q->from, q->to,
                 s->now, s->tz_min);
    const rpt_section *src = rc ? NULL : rpt_doc_section(&tmp, sec_of[q->kind]);
    if (rc == 0 && src == NULL)
        rc = RND_EINVAL;
    if (rc == 0)
        rc = copy_matching(src, name_of[q->kind], title_of[q->kind], q, limit,
                           out, more);
    rpt_doc_free(&tmp);
    return rc;
}

/* ---- personal data ----------------------------------------------------------
 */

int dash_pii_open(const dash_src *s, const char *data_dir, const char *id_hex,
                  const char *reason, const char *by, srv_pii_shown *out)
{
    uint8_t id[PROTO_ENTITY_LEN];
    memset(out, 0, sizeof *out);
    if (!is_hex32(id_hex) || proto_entity_parse(id_hex, id) != 0 ||
        reason == NULL || *reason == '\0' || strlen(reason) > 512)
        return RND_EFIELD;
    return srv_pii_show(s->st, data_dir, s->site, id, reason, by, s->now, out);
}
