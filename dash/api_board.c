/* api_board.c: the dashboard's JSON API for the board, the reports, the
 * registers and personal data opened with a reason (docs/WEB-API.md,
 * "Board", "Reports", "Registers and personal data"). Thin: parameters in,
 * board.c's tables out; every rule is in board.c or the report code the
 * CLI shares.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../i18n/i18n.h"
#include "../proto/clock.h"
#include "../server/log.h"
#include "../server/report_run.h"
#include "board.h"
#include "dash_core.h"
#include "dash_int.h"
#include "devices.h"

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The source every handler reads: the request's site store and clock,
 * and the limits of serve's configuration (dash_dev_config: `overstay`,
 * `skew_limit_min`), the ones `roundsd report` takes its defaults from,
 * so that the board, a report here and the terminal flag the same. */
static int src_of(dash_ctx *c, dash_src *s)
{
    memset(s, 0, sizeof *s);
    int rc = dash_store(c, &s->st);
    if (rc)
        return rc; /* the answer is set */
    const srv_config *cfg = dash_dev_config();
    s->site = c->site;
    s->now = c->now_ms;
    s->tz_min = c->tz_min;
    s->overstay_ms = cfg->overstay_ms;
    s->skew_limit_ms = (int64_t)cfg->skew_limit_min * 60000;
    return 0;
}

static void fail_rc(dash_ctx *c, int rc, const char *what)
{
    char msg[160];
    snprintf(msg, sizeof msg, "%s: %s", what, rnd_strerror(rc));
    dash_fail(c, rc, NULL, msg);
}

static void time_member(rpt_jw *j, const char *key, int64_t ms, int tz_min)
{
    char t[40];
    rpt_time_iso(ms, tz_min, t, sizeof t);
    rpt_jw_kstr(j, key, t);
}

/* The last board of each site and language, shared by every open board:
 * at a shift change 100 boards reload on the same sync event, and one
 * computes what the other 99 read. An entry serves a request while no sync
 * of its site has landed since the request began (the event counter) and
 * for at most BOARD_CACHE_MS (the office's own writes and the clocks move
 * it too). While one board of a site and language is being made, the
 * requests for it wait for that one instead of making their own: 100
 * boards made at once on 2 cores took 800 ms each and slowed the syncs
 * landing beside them. */
#define BOARD_CACHE_MS 3000
#define BOARD_CACHE_ENTRIES 16
/* How often a request waiting for another's board looks whether its own
 * client is still there. */
#define BOARD_WAIT_SLICE_MS 500

typedef struct board_cached {
    char site[SRV_NAME_MAX + 1]; /* "": a free entry */
    char lang[8];
    uint64_t events; /* the site's event counter read before it was made */
    int64_t made_us; /* mono_us() when its making began */
    char *body;      /* the board's JSON, malloc'd; NULL: none kept yet */
    size_t len;
    int making;    /* a request is making this site's board now */
    uint64_t kept; /* boards kept in this entry so far */
} board_cached;

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cache_made = PTHREAD_COND_INITIALIZER;
static board_cached cache[BOARD_CACHE_ENTRIES];

/* The entry of site and lang; NULL when there is none. Under cache_mu. */
static board_cached *cache_find(const char *site, const char *lang)
{
    for (int i = 0; i < BOARD_CACHE_ENTRIES; i++)
        if (cache[i].site[0] && strcmp(cache[i].site, site) == 0 &&
            strcmp(cache[i].lang, lang) == 0)
            return &cache[i];
    return NULL;
}

/* A new, empty entry for site and lang: a free one, else the one made
 * longest ago that is not being made (its board is dropped); NULL when
 * every entry is being made. Under cache_mu. */
static board_cached *cache_add(const char *site, const char *lang)
{
    board_cached *e = NULL;
    for (int i = 0; i < BOARD_CACHE_ENTRIES && e == NULL; i++)
        if (cache[i].site[0] == '\0')
            e = &cache[i];
    if (e == NULL)
        for (int i = 0; i < BOARD_CACHE_ENTRIES; i++)
            if (!cache[i].making &&
                (e == NULL || cache[i].made_us < e->made_us))
                e = &cache[i];
    if (e == NULL)
        return NULL;
    free(e->body);
    memset(e, 0, sizeof *e);
    snprintf(e->site, sizeof e->site, "%s", site);
    snprintf(e->lang, sizeof e->lang, "%s", lang);
    return e;
}

/* Whether e's board may answer a request that began at event counter
 * events: no sync of its site has landed since, and it is younger than
 * BOARD_CACHE_MS or was made while the request waited for it (however
 * long that took: kept_before is e->kept when the wait began, or -1
 * when the request has not waited). Under cache_mu. */
static int cache_fresh(const board_cached *e, uint64_t events,
                       int64_t kept_before)
{
    if (e->body == NULL || e->events < events)
        return 0;
    if (kept_before >= 0 && e->kept != (uint64_t)kept_before)
        return 1;
    return mono_us() - e->made_us < BOARD_CACHE_MS * 1000LL;
}

static int gone(const dash_ctx *c)
{
    return c->rq->gone && c->rq->gone(c->rq);
}

/* Waits under cache_mu for a board to be made, at most
 * BOARD_WAIT_SLICE_MS. */
static void cache_wait_slice(void)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += BOARD_WAIT_SLICE_MS * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&cache_made, &cache_mu, &until);
}

/* The board of c's site and language for a request that began at event
 * counter events. Returns a malloc'd copy of a fresh one (*len its
 * length); or NULL with *to_make set: this request is to make it, and
 * cache_put must follow; or NULL alone: the client has gone, or every
 * entry is being made (make it unshared). While another request makes
 * the same board, waits for it, in slices, so that a board closed
 * meanwhile stops waiting. */
static char *cache_get(const dash_ctx *c, uint64_t events, size_t *len,
                       board_cached **to_make)
{
    char *out = NULL;
    int64_t kept_before = -1; /* not waited yet */
    *to_make = NULL;
    pthread_mutex_lock(&cache_mu);
    for (;;) {
        board_cached *e = cache_find(c->site, c->lang);
        if (e && cache_fresh(e, events, kept_before)) {
            if ((out = malloc(e->len)) != NULL) {
                memcpy(out, e->body, e->len);
                *len = e->len;
            }
            break;
        }
        if (e && e->making) {
            if (kept_before < 0)
                kept_before = (int64_t)e->kept;
            cache_wait_slice();
            if (gone(c))
                break;
            continue;
        }
        if (e == NULL && (e = cache_add(c->site, c->lang)) == NULL)
            break;
        e->making = 1;
        *to_make = e;
        break;
    }
    pthread_mutex_unlock(&cache_mu);
    return out;
}

/* Test builds only (-DROUNDS_TEST_CLOCK=ON): $ROUNDSD_TEST_BOARD_HOLD_MS
 * makes each board take that much longer, so that test_dash_board's
 * boards surely ask while one is being made. */
static void test_hold(void)
{
    const char *v =
        rnd_clock_pinnable() ? getenv("ROUNDSD_TEST_BOARD_HOLD_MS") : NULL;
    long ms = v ? strtol(v, NULL, 10) : 0;
    if (ms > 0 && ms <= 10000) {
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* Ends the making of entry e: keeps a copy of body when it is given
 * (NULL: the board failed, e keeps what it had), and wakes the requests
 * waiting for it. */
static void cache_put(board_cached *e, uint64_t events, int64_t made_us,
                      const char *body, size_t len)
{
    char *copy = body ? malloc(len) : NULL;
    if (copy)
        memcpy(copy, body, len);
    pthread_mutex_lock(&cache_mu);
    if (copy) {
        free(e->body);
        e->events = events;
        e->made_us = made_us;
        e->body = copy;
        e->len = len;
        e->kept++;
    }
    e->making = 0;
    pthread_cond_broadcast(&cache_made);
    pthread_mutex_unlock(&cache_mu);
}

/* GET /api/board?site=S[&at=TIME] */
static void get_board(dash_ctx *c)
{
    int64_t t0 = mono_us();
    dash_src s;
    if (src_of(c, &s))
        return;
    int64_t at;
    int rc = dash_param_time(c, "at", &at);
    if (rc < 0)
        return;
    if (rc == 0)
        s.now = at;
    /* Read before the board is made: a sync landing meanwhile leaves the
     * entry older than the counter, so the next board is made afresh. */
    uint64_t events = dash_events_count(dash_events_of(c->d), c->site);
    /* Only the board of now is shared (?at= asks for another time). */
    board_cached *to_make = NULL;
    if (rc == 1) {
        size_t len = 0;
        char *hit = cache_get(c, events, &len, &to_make);
        if (hit) {
            dash_send(c, 200, "application/json", hit, len, NULL);
            return;
        }
        if (gone(c)) { /* nobody to show it to */
            if (to_make)
                cache_put(to_make, 0, 0, NULL, 0);
            dash_fail(c, RND_EIO, NULL, "the board's client has gone");
            return;
        }
        t0 = mono_us(); /* the wait for another's board is not ours */
    }
    test_hold();
    rpt_doc d;
    /* The registry only for the handhelds, then let go. */
    srv_registry *reg = dash_registry_lock(c->d);
    rc = dash_board_devices(&s, reg, &d);
    dash_registry_unlock(c->d);
    if (rc == 0)
        rc = dash_board_rest(&s, &d);
    if (rc)
        fail_rc(c, rc, "the board");
    rpt_jw *j = rc ? NULL : dash_out_begin(c); /* NULL: the answer is set */
    if (j == NULL) {
        rpt_doc_free(&d);
        if (to_make)
            cache_put(to_make, 0, 0, NULL, 0);
        return;
    }
    rpt_jw_kstr(j, "site", c->site);
    time_member(j, "now", s.now, s.tz_min);
    rpt_jw_kint(j, "now_ms", s.now);
    rpt_jw_key(j, "night");
    rpt_jw_obj(j);
    time_member(j, "from", d.from, s.tz_min);
    time_member(j, "to", d.to, s.tz_min);
    rpt_jw_end(j);
    for (uint32_t i = 0; i < d.nsections; i++) {
        rpt_jw_key(j, rpt_section_name(d.sections[i]));
        dash_table_json(j, d.sections[i], s.tz_min, c->lang);
    }
    rpt_doc_free(&d);
    int64_t ms = (mono_us() - t0 + 500) / 1000;
    rpt_jw_kint(j, "server_ms", ms);
    dash_out_end(c, 200);
    /* test_dash_board counts these: one board per sync for all boards */
    srv_log(SRV_LOG_DEBUG, "web: board of %s (%s) made in %lld ms", c->site,
            c->lang, (long long)ms);
    if (to_make)
        cache_put(to_make, events, t0,
                  c->rs->status == 200 ? c->rs->body : NULL, c->rs->body_len);
}

/* GET /api/reports */
static void get_reports(dash_ctx *c)
{
    rpt_jw *j = dash_out_begin(c);
    if (j == NULL)
        return;
    rpt_jw_key(j, "reports");
    rpt_jw_arr(j);
    for (const srv_report_kind *k = srv_report_kinds(); k->name; k++) {
        rpt_jw_obj(j);
        rpt_jw_kstr(j, "name", k->name);
        rpt_jw_kstr(j, "title", i18n_tr_lang(c->lang, k->title));
        rpt_jw_kstr(j, "help", i18n_tr_lang(c->lang, k->help));
        rpt_jw_end(j);
    }
    rpt_jw_end(j);
    dash_out_end(c, 200);
}

/* The window of a report or register: from/to, day, month or hours as
 * `roundsd report` takes them (rpt_window), in the office's offset. */
static int window_of(dash_ctx *c, int64_t now, int64_t *from, int64_t *to)
{
    static const char *const names[] = {"from", "to", "day", "month", "hours"};
    char v[5][64];
    for (int i = 0; i < 5; i++) {
        int rc = dash_param(c, names[i], v[i], sizeof v[i]);
        if (rc < 0) {
            dash_fail(c, RND_EFIELD, names[i], NULL);
            return RND_EFIELD;
        }
    }
    rpt_window_args w = {v[0][0] ? v[0] : NULL, v[1][0] ? v[1] : NULL,
                         v[2][0] ? v[2] : NULL, v[3][0] ? v[3] : NULL,
                         v[4][0] ? v[4] : NULL};
    char err[160];
    if (rpt_window(&w, c->tz_min, now, from, to, err, sizeof err) != 0) {
        /* the message names a flag (--from): the field is the same word */
        const char *f = strstr(err, "--");
        char field[16] = "";
        if (f)
            sscanf(f + 2, "%15[a-z]", field);
        dash_fail(c, RND_EFIELD, field[0] ? field : NULL, err);
        return RND_EFIELD;
    }
    return 0;
}

/* GET /api/report?site=S&name=N[&from&to|day|month|hours][&at]
 *                 [&format=csv[&table=T]] */
static void get_report(dash_ctx *c)
{
    char name[32], format[8], table[48];
    if (dash_param_req(c, "name", name, sizeof name))
        return;
    const srv_report_kind *k = srv_report_find(name);
    if (k == NULL) {
        dash_fail(c, RND_ENOTFOUND, "name", "no such report");
        return;
    }
    /* month end, integrity and the handhelds: managers */
    if ((!strcmp(name, "month") || !strcmp(name, "integrity") ||
         !strcmp(name, "devices")) &&
        c->role < SRV_ROLE_MANAGER) {
        dash_fail_status(c, 403, "EFORBIDDEN", "name",
                         "this report is for managers");
        return;
    }
    if (dash_param(c, "format", format, sizeof format) < 0 ||
        (format[0] && strcmp(format, "csv") && strcmp(format, "json"))) {
        dash_fail(c, RND_EFIELD, "format", "format is json or csv");
        return;
    }
    if (dash_param(c, "table", table, sizeof table) < 0) {
        dash_fail(c, RND_EFIELD, "table", NULL);
        return;
    }
    dash_src s;
    if (src_of(c, &s))
        return;
    int64_t at, from, to;
    int rc = dash_param_time(c, "at", &at);
    if (rc < 0)
        return;
    if (rc == 0)
        s.now = at;
    if (window_of(c, s.now, &from, &to))
        return;
    rpt_doc d;
    srv_registry *reg = k->fn ? NULL : dash_registry_lock(c->d);
    rc = dash_report(&s, reg, name, from, to, &d);
    if (k->fn == NULL)
        dash_registry_unlock(c->d);
    if (rc) {
        rpt_doc_free(&d);
        fail_rc(c, rc, "the report");
        return;
    }
    if (!strcmp(format, "csv")) {
        char *buf;
        size_t len;
        rc = dash_report_csv(&d, table[0] ? table : NULL, &buf, &len);
        if (rc == 0) {
            char fname[200];
            const char *t = table[0]               ? table
                            : rpt_csv_table(&d, 1) ? rpt_csv_table(&d, 1)
                                                   : "summary";
            snprintf(fname, sizeof fname, "%s-%s-%s.csv", c->site, name, t);
            dash_send(c, 200, "text/csv; charset=utf-8", buf, len, fname);
        } else if (rc == RND_ENOTFOUND) {
            dash_fail(c, RND_EFIELD, "table", "the report has no such table");
        } else {
            fail_rc(c, rc, "the CSV");
        }
        rpt_doc_free(&d);
        return;
    }
    rpt_jw *j = dash_out_begin(c);
    if (j)
        dash_doc_json(j, &d, c->lang);
    rpt_doc_free(&d);
    if (j)
        dash_out_end(c, 200);
}

/* GET /api/registers?site=S&kind=K[&from&to|day|month|hours][&unit&plate
 *                    &person&q&limit] */
static void get_registers(dash_ctx *c)
{
    char kind[16], unit[64], plate[32], person[64], q[128], limit[8];
    dash_reg_query rq;
    memset(&rq, 0, sizeof rq);
    if (dash_param_req(c, "kind", kind, sizeof kind))
        return;
    if (dash_reg_kind_parse(kind, &rq.kind) != 0) {
        dash_fail(c, RND_EFIELD, "kind",
                  "kind is visitors, vehicles, handovers, dutylog or "
                  "incidents");
        return;
    }
    static const char *const fnames[] = {"unit", "plate", "person", "q",
                                         "limit"};
    char *bufs[] = {unit, plate, person, q, limit};
    size_t caps[] = {sizeof unit, sizeof plate, sizeof person, sizeof q,
                     sizeof limit};
    for (int i = 0; i < 5; i++)
        if (dash_param(c, fnames[i], bufs[i], caps[i]) < 0) {
            dash_fail(c, RND_EFIELD, fnames[i], NULL);
            return;
        }
    if (limit[0]) {
        char *end;
        unsigned long n = strtoul(limit, &end, 10);
        if (*end || n == 0 || n > DASH_REG_LIMIT_MAX) {
            dash_fail(c, RND_EFIELD, "limit", "limit is 1 to 2000");
            return;
        }
        rq.limit = (uint32_t)n;
    }
    rq.unit = unit;
    rq.plate = plate;
    rq.person = person;
    rq.q = q;
    dash_src s;
    if (src_of(c, &s))
        return;
    if (window_of(c, s.now, &rq.from, &rq.to))
        return;
    rpt_doc d;
    int more = 0;
    int rc = dash_registers(&s, &rq, &d, &more);
    if (rc) {
        rpt_doc_free(&d);
        fail_rc(c, rc, "the register");
        return;
    }
    rpt_jw *j = dash_out_begin(c);
    if (j) {
        time_member(j, "from", rq.from, s.tz_min);
        time_member(j, "to", rq.to, s.tz_min);
        rpt_jw_key(j, "table");
        dash_table_json(j, d.sections[0], s.tz_min, c->lang);
        rpt_jw_kbool(j, "more", more);
    }
    rpt_doc_free(&d);
    if (j)
        dash_out_end(c, 200);
}

/* POST /api/pii/open {"site","id","reason"} */
static void post_pii_open(dash_ctx *c)
{
    char id[40], reason[520];
    if (dash_param_req(c, "id", id, sizeof id) ||
        dash_param_req(c, "reason", reason, sizeof reason))
        return;
    if (strlen(reason) > 512) {
        dash_fail(c, RND_EFIELD, "reason", "reason: at most 512 characters");
        return;
    }
    dash_src s;
    if (src_of(c, &s))
        return;
    static _Thread_local srv_pii_shown sh;
    int rc = dash_pii_open(&s, dash_data_dir(c->d), id, reason, c->by, &sh);
    if (rc) {
        static const char *const why[] = {
            [SRV_PII_NO_RECORD] = "no such record in this site",
            [SRV_PII_WRONG_KIND] =
                "only visits, vehicles and the registers hold sealed "
                "personal data",
            [SRV_PII_NONE] = "this record holds no sealed personal data",
            [SRV_PII_PURGED] =
                "its personal data was purged after the retention period",
            [SRV_PII_READ] = "the record could not be read",
            [SRV_PII_OPEN] = "the personal data could not be opened",
            [SRV_PII_LOG] =
                "the access could not be recorded, so nothing is shown"};
        const char *m =
            sh.why > 0 && sh.why <= SRV_PII_LOG ? why[sh.why] : NULL;
        dash_fail(c, rc == RND_EINVAL ? RND_ENOTFOUND : rc,
                  rc == RND_EFIELD ? "id" : NULL, m);
        srv_pii_shown_wipe(&sh);
        return;
    }
    char ahex[33];
    proto_entity_hex(sh.access, ahex);
    rpt_jw *j = dash_out_begin(c);
    if (j) {
        rpt_jw_kstr(j, "id", id);
        rpt_jw_kstr(j, "access", ahex);
        rpt_jw_key(j, "fields");
        rpt_jw_obj(j);
        for (size_t i = 0; i < sh.n; i++) {
            rpt_jw_keyn(j, sh.items[i].name, sh.items[i].name_len);
            rpt_jw_strn(j, sh.items[i].value, sh.items[i].value_len);
        }
        rpt_jw_end(j);
        dash_out_end(c, 200);
    }
    srv_pii_shown_wipe(&sh);
}

const dash_route dash_board_routes[] = {
    {"GET", "/api/board", 1, SRV_ROLE_CLERK, get_board},
    {"GET", "/api/reports", 0, SRV_ROLE_CLERK, get_reports},
    {"GET", "/api/report", 1, SRV_ROLE_CLERK, get_report},
    {"GET", "/api/registers", 1, SRV_ROLE_CLERK, get_registers},
    {"POST", "/api/pii/open", 1, SRV_ROLE_CLERK, post_pii_open},
    {NULL, NULL, 0, 0, NULL}};
