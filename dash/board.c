/* board.c: the office board's data, the reports and the registers as
 * tables, without HTTP (board.h). The board is built from the reports
 * `roundsd report` prints (devices, inside, patrol, workorders) and the
 * conflicts `roundsd conflicts` lists, so the page and the terminal never
 * disagree; the registers of visitors and vehicles walk the store the way
 * report/inside.c does.
 */
#define _GNU_SOURCE /* strcasestr */
#include "board.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "../proto/pii.h"
#include "../server/report_devices.h"
#include "../server/report_run.h"
#include "../storage/fold.h"

#define MIN_MS 60000LL
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS (24 * HOUR_MS)

/* ---- helpers ---------------------------------------------------------- */

static rpt_params params_of(const dash_src *s, int64_t from, int64_t to)
{
    rpt_params p;
    memset(&p, 0, sizeof p);
    p.site = s->site;
    p.from = from;
    p.to = to;
    p.now = s->now;
    p.tz_min = s->tz_min;
    p.overstay_ms = s->overstay_ms;
    p.skew_limit_ms = s->skew_limit_ms;
    p.vacant_days = RPT_VACANT_DEFAULT_DAYS;
    return p;
}

static const char *cstr(const rpt_cell *c)
{
    return c && c->type == RPT_STR ? c->s : NULL;
}

static int64_t cint(const rpt_cell *c)
{
    return c && c->type != RPT_NULL ? c->i : 0;
}

/* The index of column name in sec, or -1. */
static int col_of(const rpt_section *sec, const char *name)
{
    for (uint32_t i = 0; i < rpt_section_ncols(sec); i++)
        if (strcmp(rpt_section_col(sec, i), name) == 0)
            return (int)i;
    return -1;
}

static const rpt_cell *cell_at(const rpt_section *sec, uint32_t r,
                               const char *col)
{
    int c = col_of(sec, col);
    return c < 0 ? NULL : rpt_section_cell(sec, r, (uint32_t)c);
}

void dash_board_night(int64_t now, int tz_min, int64_t *from, int64_t *to)
{
    int64_t off = (int64_t)tz_min * MIN_MS;
    int64_t day = rpt_floor_div(now + off, DAY_MS) * DAY_MS - off; /* 00:00 */
    int64_t eve = day + DASH_NIGHT_FROM_H * HOUR_MS;
    if (now < eve)
        eve -= DAY_MS; /* the night that ended (or is ending) this morning */
    *from = eve;
    *to = eve + (24 - DASH_NIGHT_FROM_H + DASH_NIGHT_TO_H) * HOUR_MS;
}

/* ---- devices ---------------------------------------------------------- */

int dash_board_devices(const dash_src *s, srv_registry *reg, rpt_doc *out)
{
    int64_t nf, nt;
    dash_board_night(s->now, s->tz_min, &nf, &nt);
    rpt_doc_init(out, "board", N_("Shift-change board"), s->site, nf, nt,
                 s->now, s->tz_min);
    static const char *const cols[] = {N_("name"),      N_("device_id"),
                                       N_("last_sync"), N_("hours_since_sync"),
                                       N_("ops_held"),  N_("ops_behind"),
                                       N_("clock"),     N_("clock_flag"),
                                       N_("revoked"),   N_("state")};
    rpt_section *sec =
        rpt_section_add(out, "devices", N_("Handhelds"), cols, 10);
    if (sec == NULL)
        return RND_ENOMEM;
    if (reg == NULL)
        return 0;
    rpt_params p = params_of(s, s->now - DASH_STALE_MS, s->now);
    p.no_chain = 1; /* integrity is its own report: the board must be fast */
    rpt_doc d;
    memset(&d, 0, sizeof d);
    store_txn *txn;
    int rc = store_read_begin(s->st, &txn);
    if (rc)
        return rc;
    rc = srv_report_devices(reg, txn, &p, &d);
    store_read_end(txn);
    const rpt_section *dv = rpt_doc_section(&d, "devices");
    for (uint32_t r = 0; rc == 0 && dv && r < rpt_section_rows(dv); r++) {
        const rpt_cell *last = cell_at(dv, r, "last_sync");
        const char *flag = cstr(cell_at(dv, r, "clock_flag"));
        int revoked = (int)cint(cell_at(dv, r, "revoked"));
        const char *state = "ok";
        if (!revoked) {
            if (flag && strcmp(flag, "ok") && strcmp(flag, "unknown"))
                state = "bad";
            else if (last == NULL || last->type == RPT_NULL ||
                     s->now - last->i > DASH_STALE_MS)
                state = "warn";
        }
        rpt_cell row[10] = {*cell_at(dv, r, "name"),
                            *cell_at(dv, r, "device_id"),
                            *last,
                            *cell_at(dv, r, "hours_since_sync"),
                            *cell_at(dv, r, "ops_held"),
                            *cell_at(dv, r, "ops_behind"),
                            *cell_at(dv, r, "clock"),
                            *cell_at(dv, r, "clock_flag"),
                            *cell_at(dv, r, "revoked"),
                            rpt_k(state)};
        rc = rpt_row(sec, row);
    }
    rpt_doc_free(&d);
    return rc;
}

/* ---- inside ------------------------------------------------------------ */

static int board_inside(const dash_src *s, store_txn *txn, rpt_doc *out)
{
    static const char *const cols[] = {
        N_("id"),         N_("kind"),     N_("who"),           N_("id_no"),
        N_("unit"),       N_("gate"),     N_("guard"),         N_("time_in"),
        N_("inside_min"), N_("overstay"), N_("blacklist_hit"), N_("state")};
    rpt_section *sec =
        rpt_section_add(out, "inside", N_("Inside now"), cols, 12);
    if (sec == NULL)
        return RND_ENOMEM;
    rpt_params p = params_of(s, s->now - DASH_STALE_MS, s->now + 1);
    rpt_doc d;
    int rc = rpt_inside(txn, &p, &d);
    static const char *const kinds[2] = {"visitors", "vehicles"};
    for (int k = 0; rc == 0 && k < 2; k++) {
        const rpt_section *v = rpt_doc_section(&d, kinds[k]);
        for (uint32_t r = 0; rc == 0 && v && r < rpt_section_rows(v); r++) {
            int over = (int)cint(cell_at(v, r, "overstay"));
            int hit = (int)cint(cell_at(v, r, "blacklist_hit"));
            const rpt_cell *idno = cell_at(v, r, "id_no");
            const rpt_cell *who = cell_at(v, r, k ? "plate" : "name");
            rpt_cell row[12] = {*cell_at(v, r, "id"),
                                rpt_k(k ? "vehicle" : "visit"),
                                *who,
                                idno ? *idno : rpt_null(),
                                *cell_at(v, r, "unit"),
                                *cell_at(v, r, "gate"),
                                *cell_at(v, r, "guard"),
                                *cell_at(v, r, "time_in"),
                                *cell_at(v, r, "inside_min"),
                                rpt_b(over),
                                rpt_b(hit),
                                rpt_k(over || hit ? "bad" : "ok")};
            rc = rpt_row(sec, row);
        }
    }
    rpt_doc_free(&d);
    static const uint32_t by_time[] = {7, 0};
    rpt_section_sort(sec, by_time, 2);
    return rc;
}

/* ---- patrol ------------------------------------------------------------ */

#define MAX_ROUTES 64

typedef struct route_sum {
    const char *route;
    int64_t rounds, required, on_time, late, missed, pending;
    char missed_list[256];
} route_sum;

static route_sum *route_get(route_sum *v, size_t *n, const char *route)
{
    if (route == NULL)
        route = "-";
    for (size_t i = 0; i < *n; i++)
        if (strcmp(v[i].route, route) == 0)
            return &v[i];
    if (*n == MAX_ROUTES)
        return NULL;
    route_sum *r = &v[(*n)++];
    memset(r, 0, sizeof *r);
    r->route = route;
    return r;
}

/* Whether the ", "-separated list holds item. */
static int in_list(const char *list, const char *item)
{
    size_t n = strlen(item);
    for (const char *p = list; (p = strstr(p, item)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

static int board_patrol(const dash_src *s, store_txn *txn, rpt_doc *out)
{
    static const char *const cols[] = {
        N_("route"),   N_("rounds"), N_("required"),
        N_("on_time"), N_("late"),   N_("missed"),
        N_("pending"), N_("tqi"),    N_("missed_checkpoints"),
        N_("state")};
    rpt_section *sec =
        rpt_section_add(out, "patrol", N_("Tonight's patrol"), cols, 10);
    if (sec == NULL)
        return RND_ENOMEM;
    rpt_params p = params_of(s, out->from, out->to);
    rpt_doc d;
    int rc = rpt_patrol(txn, &p, &d);
    route_sum *v = calloc(MAX_ROUTES, sizeof *v);
    size_t n = 0;
    if (v == NULL)
        rc = rc ? rc : RND_ENOMEM;
    const rpt_section *rs = rc ? NULL : rpt_doc_section(&d, "rounds");
    for (uint32_t r = 0; rs && r < rpt_section_rows(rs); r++) {
        route_sum *x = route_get(v, &n, cstr(cell_at(rs, r, "route")));
        if (x == NULL)
            break;
        x->rounds++;
        x->required += cint(cell_at(rs, r, "required"));
        x->on_time += cint(cell_at(rs, r, "on_time"));
        x->late += cint(cell_at(rs, r, "late"));
        x->missed += cint(cell_at(rs, r, "missed"));
        x->pending += cint(cell_at(rs, r, "pending"));
    }
    const rpt_section *ms = rc ? NULL : rpt_doc_section(&d, "missed");
    for (uint32_t r = 0; ms && r < rpt_section_rows(ms); r++) {
        route_sum *x = route_get(v, &n, cstr(cell_at(ms, r, "route")));
        if (x == NULL)
            break;
        const char *tag = cstr(cell_at(ms, r, "tag"));
        const char *name = cstr(cell_at(ms, r, "name"));
        char one[128];
        snprintf(one, sizeof one, "%s%s%s", tag ? tag : "?", name ? " " : "",
                 name ? name : "");
        if (in_list(x->missed_list, one))
            continue; /* once per checkpoint, however many rounds */
        size_t len = strlen(x->missed_list);
        if (len + 1 < sizeof x->missed_list)
            snprintf(x->missed_list + len, sizeof x->missed_list - len, "%s%s",
                     len ? ", " : "", one);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const route_sum *x = &v[i];
        int64_t due = x->required - x->pending;
        const char *state = x->missed ? "bad" : x->late ? "warn" : "ok";
        rpt_cell row[10] = {
            rpt_s(x->route),
            rpt_i(x->rounds),
            rpt_i(x->required),
            rpt_i(x->on_time),
            rpt_i(x->late),
            rpt_i(x->missed),
            rpt_i(x->pending),
            due > 0 ? rpt_r((double)(x->on_time + x->late) / (double)due)
                    : rpt_null(),
            x->missed_list[0] ? rpt_s(x->missed_list) : rpt_null(),
            rpt_k(state)};
        rc = rpt_row(sec, row);
    }
    free(v);
    rpt_doc_free(&d);
    static const uint32_t by_route[] = {0};
    rpt_section_sort(sec, by_route, 1);
    return rc;
}

/* ---- work orders -------------------------------------------------------- */

/* Every open order and its next clock, computed as `roundsd report
 * workorders` computes them, sorted by due (rpt_workorders_open adds the
 * section to the board's doc itself: 10,000s of rows are not copied). */
static int board_workorders(const dash_src *s, store_txn *txn, rpt_doc *out)
{
    rpt_params p = params_of(s, s->now, s->now + 1);
    return rpt_workorders_open(txn, &p, out);
}

/* ---- conflicts ---------------------------------------------------------- */

/* Finding the entities in conflict means reading every entity's state
 * (srv_admin_conflicts: about 0.5 s at 1M ops), too slow for each board.
 * So the dashboard process keeps, per open store, the ids of the
 * entities in conflict and the arrival-log position they are true at; a
 * board reads only the ops that arrived since (a sync's worth) and
 * re-checks the entities they touched. The first board of a store after
 * the process starts does the full walk. The cache only ever adds what a
 * newer snapshot shows; rows are re-checked against the reader's own
 * snapshot before they are shown. */
#define CONF_STORES 64

typedef struct conf_cache {
    const store *st;
    char site[72];
    uint64_t pos;                     /* log read up to here */
    uint8_t (*ids)[PROTO_ENTITY_LEN]; /* in conflict, unsorted */
    size_t n, cap;
} conf_cache;

static pthread_mutex_t conf_mu = PTHREAD_MUTEX_INITIALIZER;
static conf_cache conf_caches[CONF_STORES];

static int conf_find(const conf_cache *c, const uint8_t id[PROTO_ENTITY_LEN])
{
    for (size_t i = 0; i < c->n; i++)
        if (memcmp(c->ids[i], id, PROTO_ENTITY_LEN) == 0)
            return (int)i;
    return -1;
}

static int conf_add(conf_cache *c, const uint8_t id[PROTO_ENTITY_LEN])
{
    if (conf_find(c, id) >= 0)
        return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        void *v = realloc(c->ids, cap * sizeof *c->ids);
        if (v == NULL)
            return RND_ENOMEM;
        c->ids = v;
        c->cap = cap;
    }
    memcpy(c->ids[c->n++], id, PROTO_ENTITY_LEN);
    return 0;
}

static int conf_full_cb(const fold_state *st, void *arg)
{
    return conf_add(arg, st->entity);
}

/* The entity an arrived op touched: re-checked. */
static int conf_log_cb(const uint8_t *enc, size_t len, int64_t recv_ms,
                       void *arg)
{
    static _Thread_local proto_op op;
    static _Thread_local fold_state st;
    (void)recv_ms;
    conf_cache *c = ((void **)arg)[0];
    store_txn *txn = ((void **)arg)[1];
    if (proto_op_decode(enc, len, &op) != 0)
        return 0; /* integrity's business */
    const uint8_t *state;
    size_t slen;
    int kind;
    if (store_entity_get(txn, op.entity, &kind, &state, &slen) != 0 ||
        fold_state_parse(state, slen, &st) != 0)
        return 0;
    int at = conf_find(c, op.entity);
    if (st.nconflicts && at < 0)
        return conf_add(c, op.entity);
    if (!st.nconflicts && at >= 0) /* resolved */
        memcpy(c->ids[at], c->ids[--c->n], PROTO_ENTITY_LEN);
    return 0;
}

/* Brings the cache of s's store up to txn's snapshot (the caller holds
 * conf_mu). */
static int conf_update(const dash_src *s, store_txn *txn, conf_cache **out)
{
    conf_cache *c = NULL, *free_slot = NULL;
    for (int i = 0; i < CONF_STORES && c == NULL; i++) {
        conf_cache *x = &conf_caches[i];
        if (x->st == s->st && strcmp(x->site, s->site) == 0)
            c = x;
        else if (x->st == NULL && free_slot == NULL)
            free_slot = x;
    }
    uint64_t count = 0;
    int rc = store_op_count(txn, &count);
    if (rc)
        return rc;
    if (c && count < c->pos) { /* another store where one was: start over */
        c->n = 0;
        c->pos = 0;
        c->st = NULL;
        free_slot = c;
        c = NULL;
    }
    if (c == NULL) {
        if (free_slot == NULL)
            free_slot = &conf_caches[0]; /* more stores than slots: reuse */
        c = free_slot;
        c->n = 0;
        snprintf(c->site, sizeof c->site, "%s", s->site);
        rc = store_states_each(txn, 0, 0, 1, conf_full_cb, c);
        if (rc) {
            c->n = 0;
            return rc;
        }
        c->st = s->st;
        c->pos = count; /* arrival positions are 0 .. count - 1 */
    } else if (count > c->pos) {
        void *arg[2] = {c, txn};
        uint64_t next = c->pos;
        if ((rc = store_log_each(txn, c->pos, conf_log_cb, arg, &next)) != 0)
            return rc;
        c->pos = next;
    }
    *out = c;
    return 0;
}

typedef struct conf_row {
    uint8_t kind;
    uint8_t id[PROTO_ENTITY_LEN];
} conf_row;

static int by_kind_id(const void *a, const void *b)
{
    const conf_row *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return memcmp(x->id, y->id, PROTO_ENTITY_LEN);
}

/* The rows of one entity in conflict: one per field. */
static int conflict_rows(rpt_section *sec, const fold_state *st)
{
    char hex[33], vals[256], one[PROTO_FIELD_STR_MAX + 1], field[64];
    proto_entity_hex(st->entity, hex);
    for (uint32_t i = 0; i < st->nconflicts; i++) {
        const fold_conflict *cf = &st->conflicts[i];
        size_t len = 0;
        vals[0] = '\0';
        for (uint32_t j = 0; j < cf->ncand && len + 1 < sizeof vals; j++) {
            rpt_field_text(&cf->cand[j].value, one, sizeof one);
            len += (size_t)snprintf(vals + len, sizeof vals - len, "%s%s",
                                    j ? " | " : "", one);
        }
        snprintf(field, sizeof field, "%.*s", (int)cf->field_len, cf->field);
        rpt_cell row[7] = {rpt_s(hex),
                           rpt_k(proto_kind_name(st->kind)),
                           rpt_s(st->status[0] ? st->status : NULL),
                           rpt_s(field),
                           rpt_i(cf->ncand),
                           rpt_s(vals),
                           rpt_k("warn")};
        int rc = rpt_row(sec, row);
        if (rc)
            return rc;
    }
    return 0;
}

static int board_conflicts(const dash_src *s, store_txn *txn, rpt_doc *out)
{
    static const char *const cols[] = {
        N_("id"),         N_("kind"),   N_("status"), N_("field"),
        N_("candidates"), N_("values"), N_("state")};
    rpt_section *sec = rpt_section_add(
        out, "conflicts", N_("Conflicts waiting for the office"), cols, 7);
    if (sec == NULL)
        return RND_ENOMEM;
    pthread_mutex_lock(&conf_mu);
    conf_cache *c;
    int rc = conf_update(s, txn, &c);
    size_t n = rc ? 0 : c->n;
    conf_row *v = n ? malloc(n * sizeof *v) : NULL;
    if (n && v == NULL)
        rc = RND_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++)
        memcpy(v[i].id, c->ids[i], PROTO_ENTITY_LEN);
    pthread_mutex_unlock(&conf_mu);
    fold_state *st = rc == 0 && n ? malloc(sizeof *st) : NULL;
    if (n && st == NULL && rc == 0)
        rc = RND_ENOMEM;
    /* Re-read in this snapshot: kind order, then id (as `roundsd
     * conflicts` lists them). */
    size_t m = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const uint8_t *state;
        size_t slen;
        int kind;
        if (store_entity_get(txn, v[i].id, &kind, &state, &slen) == 0) {
            v[m] = v[i];
            v[m++].kind = (uint8_t)kind;
        }
    }
    if (m > 1)
        qsort(v, m, sizeof *v, by_kind_id);
    for (size_t i = 0; rc == 0 && i < m; i++) {
        const uint8_t *state;
        size_t slen;
        int kind;
        if (store_entity_get(txn, v[i].id, &kind, &state, &slen) != 0 ||
            fold_state_parse(state, slen, st) != 0 || st->nconflicts == 0)
            continue;
        rc = conflict_rows(sec, st);
    }
    free(st);
    free(v);
    return rc;
}

int dash_board_rest(const dash_src *s, rpt_doc *out)
{
    store_txn *txn;
    int rc = store_read_begin(s->st, &txn);
    if (rc)
        return rc;
    if ((rc = board_inside(s, txn, out)) == 0 &&
        (rc = board_patrol(s, txn, out)) == 0 &&
        (rc = board_workorders(s, txn, out)) == 0)
        rc = board_conflicts(s, txn, out);
    store_read_end(txn);
    return rc;
}

int dash_board(const dash_src *s, srv_registry *reg, rpt_doc *out)
{
    int rc = dash_board_devices(s, reg, out);
    return rc ? rc : dash_board_rest(s, out);
}

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
            return n > 3 && !strcmp(name + n - 3, "_ms") ? "duration" : "int";
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
    return n > 3 && !strcmp(name + n - 3, "_ms") ? "duration" : "text";
}

static int is_hex32(const char *s)
{
    if (s == NULL || strlen(s) != 32)
        return 0;
    for (int i = 0; i < 32; i++)
        if (!strchr("0123456789abcdef", s[i]))
            return 0;
    return 1;
}

void dash_table_json(rpt_jw *j, const rpt_section *sec, int tz_min,
                     const char *lang)
{
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
        rpt_jw_kstr(j, "title", i18n_tr_lang(lang, rpt_section_col(sec, c)));
        rpt_jw_kstr(j, "type", col_type(sec, c));
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
        rc = store_entities_each(
            txn, vis ? PROTO_KIND_VISIT : PROTO_KIND_VEHICLE, 0, walk_cb, w);
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
