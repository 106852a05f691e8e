/* tasks.c: the tasks report: recurring tasks beyond a day (the office's
 * task plans, kind taskplan) and when they were last done (kind task),
 * as of p->now (docs/REPORTS.md, "tasks").
 *
 * Per active plan: the calendar period of its recurrence that holds now
 * (a week from Monday, a month, a quarter; local days of p->tz_min), how
 * many times it was done in it, the last done, the due date (the last
 * done plus one recurrence, calendar-aware: the same day of the next
 * month or quarter, clamped to the month's last day; never done: the
 * plan's creation plus one recurrence) and whether it is overdue (now is
 * past the due date). A second section lists every task done in the
 * window, with whether its plan is known.
 */
#include <stdlib.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "patrol_int.h"

#define MIN_MS 60000LL
#define DAY_MS 86400000LL

enum { REC_WEEKLY = 1, REC_MONTHLY = 2, REC_QUARTERLY = 3 };

static int rec_of(const char *s)
{
    if (s == NULL)
        return 0;
    return !strcmp(s, "weekly")      ? REC_WEEKLY
           : !strcmp(s, "monthly")   ? REC_MONTHLY
           : !strcmp(s, "quarterly") ? REC_QUARTERLY
                                     : 0;
}

static int month_days(int64_t y, int m)
{
    static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : n[m - 1];
}

/* ms plus one recurrence, in local calendar terms. */
static int64_t add_period(int64_t ms, int rec, int tz_min)
{
    int64_t off = (int64_t)tz_min * MIN_MS, local = ms + off;
    int64_t days = rpt_floor_div(local, DAY_MS), rest = local - days * DAY_MS;
    if (rec == REC_WEEKLY)
        return ms + 7 * DAY_MS;
    int cy, m, d;
    rpt_civil_from_days(days, &cy, &m, &d);
    int add = rec == REC_QUARTERLY ? 3 : 1;
    int64_t mi = (int64_t)cy * 12 + (m - 1) + add;
    int64_t y = rpt_floor_div(mi, 12);
    m = (int)(mi - y * 12) + 1;
    if (d > month_days(y, m))
        d = month_days(y, m);
    return rpt_days_from_civil(y, m, d) * DAY_MS + rest - off;
}

/* The calendar period of rec holding ms: [*start, *end). */
static void period_of(int64_t ms, int rec, int tz_min, int64_t *start,
                      int64_t *end)
{
    int64_t off = (int64_t)tz_min * MIN_MS;
    int64_t days = rpt_floor_div(ms + off, DAY_MS);
    if (rec == REC_WEEKLY) {
        int64_t monday = days - (((days + 3) % 7) + 7) % 7;
        *start = monday * DAY_MS - off;
        *end = *start + 7 * DAY_MS;
        return;
    }
    int y, m, d;
    rpt_civil_from_days(days, &y, &m, &d);
    if (rec == REC_QUARTERLY)
        m = (m - 1) / 3 * 3 + 1;
    *start = rpt_days_from_civil(y, m, 1) * DAY_MS - off;
    *end = add_period(*start, rec, tz_min);
}

/* ---- the report ---------------------------------------------------------- */

typedef struct plan {
    char *key, *name, *recurrence, *place;
    int rec;
    int64_t created, start, end, last, count;
    char *last_by;
} plan;

typedef struct tasks_run {
    const rpt_params *p;
    plan *plans;
    size_t n, cap;
    rpt_section *done;
    char buf[3][PROTO_FIELD_STR_MAX + 1];
    int err;
} tasks_run;

static int plan_cb(const fold_state *st, void *arg)
{
    tasks_run *r = arg;
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        plan *np = realloc(r->plans, cap * sizeof *np);
        if (np == NULL)
            return r->err = RND_ENOMEM;
        r->plans = np;
        r->cap = cap;
    }
    plan *pl = &r->plans[r->n];
    memset(pl, 0, sizeof *pl);
    pl->key = rpt_str_dup(fold_state_field(st, "plan"));
    pl->name = rpt_str_dup(fold_state_field(st, "name"));
    pl->recurrence = rpt_str_dup(fold_state_field(st, "recurrence"));
    pl->place = rpt_str_dup(fold_state_field(st, "place"));
    if (pl->key == NULL) {
        free(pl->name);
        free(pl->recurrence);
        free(pl->place);
        return 0; /* no key: not a plan a handheld can name */
    }
    pl->rec = rec_of(pl->recurrence);
    pl->created = pat_device_time(st);
    if (pl->rec)
        period_of(r->p->now, pl->rec, r->p->tz_min, &pl->start, &pl->end);
    r->n++;
    return 0;
}

static plan *find_plan(tasks_run *r, const char *key)
{
    for (size_t i = 0; key && i < r->n; i++)
        if (strcmp(r->plans[i].key, key) == 0)
            return &r->plans[i];
    return NULL;
}

static int task_cb(const fold_state *st, void *arg)
{
    tasks_run *r = arg;
    const rpt_params *p = r->p;
    int64_t t = pat_device_time(st);
    if (t > p->now)
        return 0; /* after the "as of" time */
    const char *key = rpt_field_cstr(st, "plan", r->buf[0], sizeof r->buf[0]);
    const char *by = rpt_field_cstr(st, "by", r->buf[1], sizeof r->buf[1]);
    plan *pl = find_plan(r, key);
    if (pl) {
        if (t >= pl->last) {
            char *copy = by ? strdup(by) : NULL;
            if (by && copy == NULL)
                return r->err = RND_ENOMEM;
            free(pl->last_by);
            pl->last_by = copy;
            pl->last = t;
        }
        pl->count += pl->rec && t >= pl->start && t < pl->end;
    }
    if (t < p->from || t >= p->to)
        return 0;
    char hex[33];
    proto_entity_hex(st->entity, hex);
    rpt_cell row[6] = {
        rpt_t(t),
        rpt_s(key),
        rpt_b(pl != NULL),
        rpt_s(by),
        rpt_s(rpt_field_cstr(st, "note", r->buf[2], sizeof r->buf[2])),
        rpt_s(hex)};
    return r->err = rpt_row(r->done, row);
}

static int tasks_fill(store_txn *txn, tasks_run *r, rpt_doc *d)
{
    static const char *const pcols[] = {N_("plan"),           N_("name"),
                                        N_("recurrence"),     N_("place"),
                                        N_("period_start"),   N_("period_end"),
                                        N_("done_in_period"), N_("last_done"),
                                        N_("last_done_by"),   N_("due"),
                                        N_("overdue"),        N_("status")};
    static const char *const dcols[] = {N_("time"),       N_("plan"),
                                        N_("known_plan"), N_("by"),
                                        N_("note"),       N_("id")};
    rpt_section *plans =
        rpt_section_add(d, "plans", N_("Recurring tasks"), pcols, 12);
    r->done = rpt_section_add(d, "done", N_("Tasks done"), dcols, 6);
    if (!plans || !r->done)
        return RND_ENOMEM;
    int rc = store_states_each(txn, PROTO_KIND_TASKPLAN, 1, 0, plan_cb, r);
    if (rc == 0 && r->err)
        rc = r->err;
    if (rc == 0)
        rc = store_states_each(txn, PROTO_KIND_TASK, 0, 0, task_cb, r);
    if (rc == 0 && r->err)
        rc = r->err;
    if (rc)
        return rc;
    int64_t ndone = 0, ndue = 0, nover = 0;
    for (size_t i = 0; i < r->n; i++) {
        plan *pl = &r->plans[i];
        int64_t due = 0;
        if (pl->rec)
            due = add_period(pl->last ? pl->last : pl->created, pl->rec,
                             r->p->tz_min);
        int over = pl->rec && r->p->now > due;
        const char *status = !pl->rec    ? "unknown_recurrence"
                             : over      ? "overdue"
                             : pl->count ? "done"
                                         : "due";
        ndone += !over && pl->count > 0;
        ndue += pl->rec && !over && pl->count == 0;
        nover += over;
        rpt_cell row[12] = {
            rpt_s(pl->key),   rpt_s(pl->name),  rpt_s(pl->recurrence),
            rpt_s(pl->place), rpt_t(pl->start), rpt_t(pl->end),
            rpt_i(pl->count), rpt_t(pl->last),  rpt_s(pl->last_by),
            rpt_t(due),       rpt_b(over),      rpt_k(status)};
        if ((rc = rpt_row(plans, row)) != 0)
            return rc;
    }
    static const uint32_t by_key[] = {0};
    rpt_section_sort(plans, by_key, 1);
    static const uint32_t by_time[] = {0, 1};
    rpt_section_sort(r->done, by_time, 2);
    if ((rc = rpt_summary(d, N_("plans"), rpt_i((int64_t)r->n))) ||
        (rc = rpt_summary(d, N_("done"), rpt_i(ndone))) ||
        (rc = rpt_summary(d, N_("due"), rpt_i(ndue))) ||
        (rc = rpt_summary(d, N_("overdue"), rpt_i(nover))) ||
        (rc = rpt_summary(d, N_("done_in_window"),
                          rpt_i(rpt_section_rows(r->done)))))
        return rc;
    return 0;
}

int rpt_tasks(store_txn *txn, const rpt_params *p, rpt_doc *d)
{
    rpt_doc_init(d, "tasks", N_("Recurring tasks report"), p->site, p->from,
                 p->to, p->now, p->tz_min);
    tasks_run *r = calloc(1, sizeof *r);
    if (r == NULL)
        return RND_ENOMEM;
    r->p = p;
    int rc = tasks_fill(txn, r, d);
    for (size_t i = 0; i < r->n; i++) {
        free(r->plans[i].key);
        free(r->plans[i].name);
        free(r->plans[i].recurrence);
        free(r->plans[i].place);
        free(r->plans[i].last_by);
    }
    free(r->plans);
    free(r);
    return rc;
}
