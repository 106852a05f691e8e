/* board.c: the office board's data as tables, without HTTP (board.h):
 * built from the reports `roundsd report` prints (devices, inside, patrol,
 * workorders) and the conflicts `roundsd conflicts` lists, so the page and
 * the terminal never disagree. Reports, registers, personal data and the
 * TABLE JSON are board_reg.c's.
 */
#include "board_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "../server/report_devices.h"
#include "../storage/fold.h"

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
    p.rounds_only = 1; /* the rest is the patrol report's */
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
