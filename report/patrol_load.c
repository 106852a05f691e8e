/* patrol_load.c: loading the patrol master data (routes with their
 * schedules, checkpoints, the roster) and the scans of a window into a
 * pat_set (patrol_int.h), for the patrol, handover and shift reports.
 * docs/DATA-MODEL.md ("route", "roster") defines the fields.
 */
#include <stdlib.h>
#include <string.h>

#include "patrol_int.h"

#define MIN_MS (60000LL)

/* ---- loading ---------------------------------------------------------- */

typedef struct load_ctx {
    pat_set *ps;
    const char *route_key;
    size_t cap;
    int64_t lo, hi, limit_ms;
    fold_state *st;
    int err;
} load_ctx;

static int split_tags(const char *list, pat_route *r)
{
    uint32_t n = 1;
    for (const char *p = list; *p; p++)
        n += *p == ',';
    r->tags = calloc(n, sizeof *r->tags);
    if (r->tags == NULL)
        return RND_ENOMEM;
    const char *p = list;
    while (*p) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len > 0) {
            char *t = malloc(len + 1);
            if (t == NULL)
                return RND_ENOMEM;
            memcpy(t, p, len);
            t[len] = '\0';
            r->tags[r->ntags++] = t;
        }
        p += len + (c != NULL);
    }
    return 0;
}

static int recur_of(const fold_state *st)
{
    static const char *const names[] = {"daily", "weekly", "monthly",
                                        "quarterly"};
    char buf[16];
    const char *v = rpt_field_cstr(st, "recurrence", buf, sizeof buf);
    for (int i = 0; v && i < 4; i++)
        if (strcmp(v, names[i]) == 0)
            return i;
    return PAT_DAILY;
}

/* A minute list field of st with exactly n items, into out (ms); 0 when
 * absent or unusable (a count that differs from the checkpoints can only
 * come from concurrent office writes: the list is then ignored). */
static int minute_list(const fold_state *st, const char *name, uint32_t n,
                       int64_t *out)
{
    const proto_field *f = fold_state_field(st, name);
    uint32_t got = 0;
    if (f == NULL || f->type != PROTO_STR || n == 0 ||
        rpt_minutes_parse(f->str, f->str_len, 1000000, out, n, &got) != 0 ||
        got != n)
        return 0;
    for (uint32_t i = 0; i < n; i++)
        out[i] *= MIN_MS;
    return 1;
}

/* The route's schedule fields (docs/DATA-MODEL.md, "route"); a field the
 * office could not have stored is taken as absent. */
static int route_schedule(const fold_state *st, pat_route *r, int recur)
{
    const proto_field *f;
    int a, b;
    unsigned days;
    r->recur = recur;
    r->act_from = r->act_to = -1;
    const proto_field *fa = fold_state_field(st, "active_from");
    const proto_field *fb = fold_state_field(st, "active_to");
    if (fa && fb && fa->type == PROTO_STR && fb->type == PROTO_STR &&
        rpt_hhmm_parse(fa->str, fa->str_len, &a) == 0 &&
        rpt_hhmm_parse(fb->str, fb->str_len, &b) == 0) {
        r->act_from = a;
        r->act_to = b;
    }
    r->days = RPT_DAYS_ALL;
    f = fold_state_field(st, "active_days");
    if (f && f->type == PROTO_STR &&
        rpt_days_parse(f->str, f->str_len, &days) == 0)
        r->days = days;
    uint32_t n = r->ntags ? r->ntags : 1;
    r->due_ms = calloc(n, sizeof *r->due_ms);
    r->tol_ms = calloc(n, sizeof *r->tol_ms);
    if (r->due_ms == NULL || r->tol_ms == NULL)
        return RND_ENOMEM;
    minute_list(st, "offsets", r->ntags, r->due_ms);
    if (!minute_list(st, "tolerances", r->ntags, r->tol_ms)) {
        int64_t tol = rpt_field_int(st, "tolerance_min", -1);
        /* A period route's default: any time in its round. */
        if (tol < 0 && !recur)
            tol = r->window_ms / MIN_MS;
        for (uint32_t i = 0; i < n; i++)
            r->tol_ms[i] = tol < 0 ? -1 : tol * MIN_MS;
    }
    return 0;
}

static int route_cb(const fold_state *st, void *arg)
{
    load_ctx *c = arg;
    pat_set *ps = c->ps;
    const proto_field *key = fold_state_field(st, "route");
    int64_t iv = rpt_field_int(st, "interval_min", 0);
    int recur = recur_of(st);
    if (key == NULL || key->type != PROTO_STR || (iv <= 0 && !recur))
        return 0; /* not a usable route: the office always sets both */
    if (c->route_key && (strlen(c->route_key) != key->str_len ||
                         memcmp(c->route_key, key->str, key->str_len) != 0))
        return 0;
    if (ps->nroutes == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 8;
        pat_route *nr = realloc(ps->routes, ncap * sizeof *nr);
        if (nr == NULL)
            return c->err = RND_ENOMEM;
        ps->routes = nr;
        c->cap = ncap;
    }
    pat_route *r = &ps->routes[ps->nroutes++];
    memset(r, 0, sizeof *r);
    r->key = rpt_str_dup(key);
    r->name = rpt_str_dup(fold_state_field(st, "name"));
    r->interval_ms = iv * MIN_MS;
    r->window_ms = rpt_field_int(st, "window_min", 15) * MIN_MS;
    r->since = pat_device_time(st);
    if (r->window_ms > r->interval_ms && !recur)
        r->window_ms = r->interval_ms;
    const proto_field *cps = fold_state_field(st, "checkpoints");
    char *list = rpt_str_dup(cps);
    int rc = r->key ? 0 : RND_ENOMEM;
    if (rc == 0 && list)
        rc = split_tags(list, r);
    free(list);
    if (rc == 0)
        rc = route_schedule(st, r, recur);
    if (rc)
        return c->err = rc;
    return 0;
}

static int checkpoint_cb(const fold_state *st, void *arg)
{
    load_ctx *c = arg;
    pat_set *ps = c->ps;
    const proto_field *tag = fold_state_field(st, "tag");
    if (tag == NULL || tag->type != PROTO_STR)
        return 0;
    if (ps->ncps == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 16;
        pat_checkpoint *n = realloc(ps->cps, ncap * sizeof *n);
        if (n == NULL)
            return c->err = RND_ENOMEM;
        ps->cps = n;
        c->cap = ncap;
    }
    pat_checkpoint *cp = &ps->cps[ps->ncps++];
    cp->tag = rpt_str_dup(tag);
    cp->name = rpt_str_dup(fold_state_field(st, "name"));
    cp->place = rpt_str_dup(fold_state_field(st, "place"));
    if (cp->tag == NULL)
        return c->err = RND_ENOMEM;
    return 0;
}

/* A roster entry (kind 43): the office stores only well-formed ones; an
 * entry missing a field is skipped. */
static int roster_cb(const fold_state *st, void *arg)
{
    load_ctx *c = arg;
    pat_set *ps = c->ps;
    const proto_field *day = fold_state_field(st, "day");
    const proto_field *fs = fold_state_field(st, "start");
    const proto_field *fe = fold_state_field(st, "end");
    const proto_field *shift = fold_state_field(st, "shift");
    const proto_field *staff = fold_state_field(st, "staff");
    const proto_field *route = fold_state_field(st, "route");
    const proto_field *post = fold_state_field(st, "post");
    int dtype, a, b;
    int64_t dval;
    if (!day || !fs || !fe || !shift || !staff || day->type != PROTO_STR ||
        fs->type != PROTO_STR || fe->type != PROTO_STR ||
        shift->type != PROTO_STR || staff->type != PROTO_STR ||
        (!route && !post) ||
        rpt_roster_day_parse(day->str, day->str_len, &dtype, &dval) != 0 ||
        rpt_hhmm_parse(fs->str, fs->str_len, &a) != 0 ||
        rpt_hhmm_parse(fe->str, fe->str_len, &b) != 0)
        return 0;
    if (ps->nroster == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 16;
        pat_roster *n = realloc(ps->roster, ncap * sizeof *n);
        if (n == NULL)
            return c->err = RND_ENOMEM;
        ps->roster = n;
        c->cap = ncap;
    }
    pat_roster *e = &ps->roster[ps->nroster++];
    memset(e, 0, sizeof *e);
    e->dtype = dtype;
    e->day = dval;
    e->start = a;
    e->end = b;
    e->shift = rpt_str_dup(shift);
    e->staff = rpt_str_dup(staff);
    e->route = rpt_str_dup(route);
    e->post = rpt_str_dup(post);
    if (!e->shift || !e->staff || (!e->route && !e->post))
        return c->err = RND_ENOMEM;
    return 0;
}

static int route_cmp(const void *a, const void *b)
{
    return strcmp(((const pat_route *)a)->key, ((const pat_route *)b)->key);
}

static int cp_cmp(const void *a, const void *b)
{
    return strcmp(((const pat_checkpoint *)a)->tag,
                  ((const pat_checkpoint *)b)->tag);
}

int pat_load_master(store_txn *txn, const char *route_key, pat_set *ps)
{
    load_ctx c = {ps, route_key, 0, 0, 0, 0, NULL, 0};
    int rc = store_states_each(txn, PROTO_KIND_ROUTE, 1, 0, route_cb, &c);
    if (rc == 0 && c.err)
        rc = c.err;
    if (rc)
        return rc;
    c.cap = 0;
    rc = store_states_each(txn, PROTO_KIND_CHECKPOINT, 1, 0, checkpoint_cb, &c);
    if (rc == 0 && c.err)
        rc = c.err;
    if (rc)
        return rc;
    c.cap = 0;
    rc = store_states_each(txn, PROTO_KIND_ROSTER, 1, 0, roster_cb, &c);
    if (rc == 0 && c.err)
        rc = c.err;
    if (rc)
        return rc;
    if (ps->nroutes > 1)
        qsort(ps->routes, ps->nroutes, sizeof *ps->routes, route_cmp);
    if (ps->ncps > 1)
        qsort(ps->cps, ps->ncps, sizeof *ps->cps, cp_cmp);
    return 0;
}

/* Scans are walked in id order, which is creation-time order: the id's
 * first 6 bytes are the writer's clock at the create, so the walk skips
 * older ones without parsing them and stops at the first newer one. */
static int scan_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                   const uint8_t *state, size_t len, void *arg)
{
    load_ctx *c = arg;
    pat_set *ps = c->ps;
    (void)kind;
    int64_t idms = 0;
    for (int i = 0; i < 6; i++)
        idms = (idms << 8) | id[i];
    if (idms < c->lo)
        return 0;
    if (idms >= c->hi)
        return 1;
    if (fold_state_parse(state, len, c->st) != 0)
        return 0; /* unreadable state: nothing to report from it */
    const fold_state *st = c->st;
    int64_t t = pat_device_time(st);
    if (t < c->lo || t >= c->hi)
        return 0;
    if (ps->nscans == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 256;
        pat_scan *n = realloc(ps->scans, ncap * sizeof *n);
        if (n == NULL)
            return c->err = RND_ENOMEM;
        ps->scans = n;
        c->cap = ncap;
    }
    pat_scan *s = &ps->scans[ps->nscans++];
    memset(s, 0, sizeof *s);
    const fold_event *e = fold_state_first(st, PROTO_ACTION_CREATE);
    s->t = t;
    s->hlc = e ? e->hlc : st->created_hlc;
    s->device = e ? e->device_id : st->creator;
    s->seq = e ? e->seq : 0;
    s->tag = rpt_str_dup(fold_state_field(st, "tag"));
    s->route = rpt_str_dup(fold_state_field(st, "route"));
    s->by = rpt_str_dup(fold_state_field(st, "by"));
    s->note = rpt_str_dup(fold_state_field(st, "note"));
    s->workorder = rpt_str_dup(fold_state_field(st, "workorder"));
    s->method = rpt_str_dup(fold_state_field(st, "method"));
    const proto_field *an = fold_state_field(st, "anomaly");
    s->anomaly = an && an->type == PROTO_BOOL && an->i;
    s->verified = rpt_field_bool(st, "verified");
    s->unknown_tag = rpt_field_bool(st, "unknown_tag");
    const fold_event *ev = rpt_record_event(st);
    s->clock_flag = ev ? rpt_clock_flag(ev, c->limit_ms) : NULL;
    if (s->clock_flag) {
        /* wall_ms is any int64 a peer wrote: the difference saturates. */
        int64_t hms = (int64_t)PROTO_HLC_MS(ev->hlc);
        s->clk = ev->clk;
        s->stamp_minus_wall =
            ev->wall_ms < hms - INT64_MAX ? INT64_MAX : hms - ev->wall_ms;
    }
    return 0;
}

static int scan_cmp(const void *a, const void *b)
{
    const pat_scan *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    if (x->hlc != y->hlc)
        return x->hlc < y->hlc ? -1 : 1;
    if (x->device != y->device)
        return x->device < y->device ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int pat_load_scans(store_txn *txn, int64_t lo, int64_t hi, int64_t limit_ms,
                   pat_set *ps)
{
    load_ctx c = {ps, NULL, 0, lo, hi, limit_ms, NULL, 0};
    c.st = malloc(sizeof *c.st);
    if (c.st == NULL)
        return RND_ENOMEM;
    /* Ids begin with their creation time (big-endian ms): start at lo. */
    uint8_t from[PROTO_ENTITY_LEN] = {0};
    uint64_t t = lo > 0 ? (uint64_t)lo : 0;
    for (int i = 5; i >= 0; i--, t >>= 8)
        from[i] = (uint8_t)t;
    int rc = store_entities_from(txn, PROTO_KIND_SCAN, 0, lo > 0 ? from : NULL,
                                 scan_cb, &c);
    free(c.st);
    if (rc == 0 && c.err)
        rc = c.err;
    if (rc)
        return rc;
    if (ps->nscans > 1)
        qsort(ps->scans, ps->nscans, sizeof *ps->scans, scan_cmp);
    return 0;
}

void pat_set_free(pat_set *ps)
{
    for (size_t i = 0; i < ps->nroutes; i++) {
        pat_route *r = &ps->routes[i];
        for (uint32_t k = 0; k < r->ntags; k++)
            free(r->tags[k]);
        free(r->tags);
        free(r->key);
        free(r->name);
        free(r->due_ms);
        free(r->tol_ms);
    }
    free(ps->routes);
    for (size_t i = 0; i < ps->nroster; i++) {
        free(ps->roster[i].shift);
        free(ps->roster[i].staff);
        free(ps->roster[i].route);
        free(ps->roster[i].post);
    }
    free(ps->roster);
    for (size_t i = 0; i < ps->ncps; i++) {
        free(ps->cps[i].tag);
        free(ps->cps[i].name);
        free(ps->cps[i].place);
    }
    free(ps->cps);
    for (size_t i = 0; i < ps->nscans; i++) {
        pat_scan *s = &ps->scans[i];
        free(s->tag);
        free(s->route);
        free(s->by);
        free(s->note);
        free(s->workorder);
        free(s->method);
    }
    free(ps->scans);
    memset(ps, 0, sizeof *ps);
}

const pat_checkpoint *pat_checkpoint_find(const pat_set *ps, const char *tag)
{
    if (tag == NULL || ps->ncps == 0)
        return NULL;
    pat_checkpoint key = {(char *)tag, NULL, NULL};
    return bsearch(&key, ps->cps, ps->ncps, sizeof *ps->cps, cp_cmp);
}
