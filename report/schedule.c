/* schedule.c: patrol schedules and the roster: the text forms of their
 * fields (schedule.h), the calendar of a route's scheduled rounds and the
 * roster look-ups the patrol and handover reports share (patrol_int.h).
 * docs/REPORTS.md, "patrol", defines the rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patrol_int.h"
#include "schedule.h"

#define DAY_MS (86400000LL)
#define MIN_MS (60000LL)

/* ---- text forms ------------------------------------------------------- */

static const char *const wdays[7] = {"mon", "tue", "wed", "thu",
                                     "fri", "sat", "sun"};

int rpt_weekday(int64_t days)
{
    /* 1970-01-01 was a Thursday (3). */
    int64_t w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

static int two_digits(const char *s, int *v)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return -1;
    *v = (s[0] - '0') * 10 + (s[1] - '0');
    return 0;
}

int rpt_hhmm_parse(const char *s, size_t n, int *min)
{
    int h, m;
    if (n != 5 || s[2] != ':' || two_digits(s, &h) || two_digits(s + 3, &m) ||
        h > 23 || m > 59)
        return -1;
    *min = h * 60 + m;
    return 0;
}

static int wday_of(const char *s, size_t n)
{
    if (n != 3)
        return -1;
    for (int i = 0; i < 7; i++) {
        int ok = 1;
        for (size_t k = 0; k < 3 && ok; k++) {
            char c = s[k];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            ok = c == wdays[i][k];
        }
        if (ok)
            return i;
    }
    return -1;
}

static int is_daily(const char *s, size_t n)
{
    static const char d[] = "daily";
    if (n != 5)
        return 0;
    for (size_t i = 0; i < 5; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != d[i])
            return 0;
    }
    return 1;
}

int rpt_days_parse(const char *s, size_t n, unsigned *mask)
{
    unsigned m = 0;
    if (is_daily(s, n)) {
        *mask = RPT_DAYS_ALL;
        return 0;
    }
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && s[j] != ',')
            j++;
        const char *it = s + i;
        size_t len = j - i;
        while (len && *it == ' ') {
            it++;
            len--;
        }
        while (len && it[len - 1] == ' ')
            len--;
        const char *dash = memchr(it, '-', len);
        if (dash) {
            int a = wday_of(it, (size_t)(dash - it));
            int b = wday_of(dash + 1, len - (size_t)(dash - it) - 1);
            if (a < 0 || b < 0)
                return -1;
            for (int d = a;; d = (d + 1) % 7) {
                m |= 1u << d;
                if (d == b)
                    break;
            }
        } else {
            int a = wday_of(it, len);
            if (a < 0)
                return -1;
            m |= 1u << a;
        }
        i = j + 1;
    }
    if (m == 0)
        return -1;
    *mask = m;
    return 0;
}

void rpt_days_text(unsigned mask, char *out, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return;
    out[0] = '\0';
    if ((mask & RPT_DAYS_ALL) == RPT_DAYS_ALL) {
        snprintf(out, cap, "daily");
        return;
    }
    for (int i = 0; i < 7; i++) {
        if (!(mask & (1u << i)) || n + 5 > cap)
            continue;
        if (n)
            out[n++] = ',';
        memcpy(out + n, wdays[i], 4);
        n += 3;
    }
}

int rpt_minutes_parse(const char *s, size_t n, int64_t hi, int64_t *out,
                      uint32_t cap, uint32_t *count)
{
    uint32_t k = 0;
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && s[j] != ',')
            j++;
        size_t a = i, b = j;
        while (a < b && s[a] == ' ')
            a++;
        while (b > a && s[b - 1] == ' ')
            b--;
        if (k == cap)
            return -(int)cap - 1;
        int64_t v = 0;
        if (a == b || b - a > 7)
            return -(int)k - 1;
        for (size_t c = a; c < b; c++) {
            if (s[c] < '0' || s[c] > '9')
                return -(int)k - 1;
            v = v * 10 + (s[c] - '0');
        }
        if (v > hi)
            return -(int)k - 1;
        out[k++] = v;
        i = j + 1;
    }
    *count = k;
    return 0;
}

int rpt_roster_day_parse(const char *s, size_t n, int *type, int64_t *val)
{
    if (is_daily(s, n)) {
        *type = RPT_DAY_DAILY;
        *val = 0;
        return 0;
    }
    int w = wday_of(s, n);
    if (w >= 0) {
        *type = RPT_DAY_WEEKDAY;
        *val = w;
        return 0;
    }
    if (rpt_day_parse(s, n, val) != 0)
        return -1;
    *type = RPT_DAY_DATE;
    return 0;
}

/* ---- the calendar of rounds -------------------------------------------- */

static int64_t day_start(int64_t day, int tz_min)
{
    return day * DAY_MS - (int64_t)tz_min * MIN_MS;
}

/* The active period of a daily route that starts on local day day. */
static void period(const pat_route *r, int64_t day, int tz_min, int64_t *ps,
                   int64_t *pe)
{
    int64_t mid = day_start(day, tz_min);
    if (r->act_from < 0) {
        *ps = mid;
        *pe = mid + DAY_MS;
        return;
    }
    int64_t len = (int64_t)(r->act_to - r->act_from) * MIN_MS;
    if (len <= 0)
        len += DAY_MS; /* past midnight; equal times: 24 hours */
    *ps = mid + r->act_from * MIN_MS;
    *pe = *ps + len;
}

static int day_on(const pat_route *r, int64_t day)
{
    return (r->days & (1u << rpt_weekday(day))) != 0;
}

/* The calendar period (week, month, quarter) of a period route holding t;
 * k periods later when k is 1. */
static void cal_period(const pat_route *r, int64_t t, int tz_min, int next,
                       int64_t *s, int64_t *e)
{
    int64_t day = rpt_day_of(t, tz_min);
    if (r->recur == PAT_WEEKLY) {
        int64_t mon = day - rpt_weekday(day) + (next ? 7 : 0);
        *s = day_start(mon, tz_min);
        *e = day_start(mon + 7, tz_min);
        return;
    }
    int y, m, d, step = r->recur == PAT_QUARTERLY ? 3 : 1;
    rpt_civil_from_days(day, &y, &m, &d);
    m = ((m - 1) / step) * step + 1 + (next ? step : 0);
    if (m > 12) {
        m -= 12;
        y++;
    }
    int m2 = m + step, y2 = y;
    if (m2 > 12) {
        m2 -= 12;
        y2++;
    }
    *s = day_start(rpt_days_from_civil(y, m, 1), tz_min);
    *e = day_start(rpt_days_from_civil(y2, m2, 1), tz_min);
}

void pat_round_next(const pat_route *r, int64_t t, int tz_min, int64_t *start,
                    int64_t *end)
{
    if (r->recur != PAT_DAILY) {
        cal_period(r, t, tz_min, 0, start, end);
        if (*start < t)
            cal_period(r, t, tz_min, 1, start, end);
        return;
    }
    int64_t iv = r->interval_ms, d0 = rpt_day_of(t, tz_min);
    for (int64_t d = d0 - 1; d <= d0 + 8; d++) {
        int64_t ps, pe;
        if (!day_on(r, d))
            continue;
        period(r, d, tz_min, &ps, &pe);
        if (pe <= t)
            continue;
        int64_t k = t > ps ? (t - ps + iv - 1) / iv : 0;
        int64_t s = ps + k * iv;
        if (s >= pe)
            continue;
        *start = s;
        *end = s + iv < pe ? s + iv : pe;
        return;
    }
    /* No active day (cannot be stored): nothing is ever due. */
    *start = *end = INT64_MAX / 2;
}

int pat_round_of(const pat_route *r, int64_t t, int tz_min, int64_t *start,
                 int64_t *end)
{
    if (r->recur != PAT_DAILY) {
        cal_period(r, t, tz_min, 0, start, end);
        return 1;
    }
    int64_t iv = r->interval_ms, d0 = rpt_day_of(t, tz_min);
    for (int64_t d = d0 - 1; d <= d0; d++) {
        int64_t ps, pe;
        if (!day_on(r, d))
            continue;
        period(r, d, tz_min, &ps, &pe);
        if (t < ps || t >= pe)
            continue;
        *start = ps + (t - ps) / iv * iv;
        *end = *start + iv < pe ? *start + iv : pe;
        return 1;
    }
    pat_round_next(r, t, tz_min, start, end);
    return 0;
}

int64_t pat_round_max(const pat_route *r)
{
    switch (r->recur) {
    case PAT_WEEKLY:
        return 7 * DAY_MS;
    case PAT_MONTHLY:
        return 31 * DAY_MS;
    case PAT_QUARTERLY:
        return 92 * DAY_MS;
    default:
        return r->interval_ms;
    }
}

int64_t pat_deadline(const pat_route *r, uint32_t k, int64_t start, int64_t end)
{
    int64_t due = r->due_ms ? r->due_ms[k] : 0;
    int64_t tol = r->tol_ms ? r->tol_ms[k] : r->window_ms;
    if (tol < 0) /* a period route without a tolerance: the whole round */
        return end;
    return start + due + tol;
}

/* ---- the roster -------------------------------------------------------- */

static int applies(const pat_roster *e, int64_t day)
{
    switch (e->dtype) {
    case RPT_DAY_DATE:
        return e->day == day;
    case RPT_DAY_WEEKDAY:
        return e->day == rpt_weekday(day);
    default:
        return 1;
    }
}

static void shift_span(const pat_roster *e, int64_t day, int tz_min, int64_t *s,
                       int64_t *en)
{
    int64_t len = (int64_t)(e->end - e->start) * MIN_MS;
    if (len <= 0)
        len += DAY_MS;
    *s = day_start(day, tz_min) + e->start * MIN_MS;
    *en = *s + len;
}

/* Whether entry e is overridden on day by a more specific entry of the
 * same shift and route or post. */
static int overridden(const pat_set *ps, const pat_roster *e, int64_t day)
{
    for (size_t i = 0; i < ps->nroster; i++) {
        const pat_roster *o = &ps->roster[i];
        if (o == e || o->dtype >= e->dtype || !applies(o, day) ||
            strcmp(o->shift, e->shift) != 0)
            continue;
        if ((e->route && o->route && strcmp(e->route, o->route) == 0) ||
            (e->post && o->post && strcmp(e->post, o->post) == 0))
            return 1;
    }
    return 0;
}

static int cstr_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int pat_roster_who(const pat_set *ps, const char *where, int post, int64_t t,
                   int tz_min, char *out, size_t cap)
{
    const char *who[16];
    int n = 0;
    int64_t d0 = rpt_day_of(t, tz_min);
    if (cap)
        out[0] = '\0';
    for (size_t i = 0; i < ps->nroster; i++) {
        const pat_roster *e = &ps->roster[i];
        const char *w = post ? e->post : e->route;
        if (w == NULL || where == NULL || strcmp(w, where) != 0)
            continue;
        for (int64_t d = d0 - 1; d <= d0; d++) {
            int64_t s, en;
            if (!applies(e, d))
                continue;
            shift_span(e, d, tz_min, &s, &en);
            if (t < s || t >= en || overridden(ps, e, d))
                continue;
            int dup = 0;
            for (int k = 0; k < n; k++)
                dup |= strcmp(who[k], e->staff) == 0;
            if (!dup && n < 16)
                who[n++] = e->staff;
        }
    }
    if (n > 1)
        qsort(who, (size_t)n, sizeof *who, cstr_cmp);
    size_t used = 0;
    for (int k = 0; k < n; k++) {
        size_t len = strlen(who[k]);
        if (used + len + 2 > cap)
            break;
        if (used)
            out[used++] = ',';
        memcpy(out + used, who[k], len + 1);
        used += len;
    }
    return n;
}

int pat_roster_shift(const pat_set *ps, const char *staff, int64_t t,
                     int tz_min, int after, int64_t *start, int64_t *end,
                     const pat_roster **found)
{
    const int64_t reach = 12 * 60 * MIN_MS;
    int64_t d0 = rpt_day_of(t, tz_min), best = 0;
    int have = 0;
    if (staff == NULL)
        return 0;
    for (size_t i = 0; i < ps->nroster; i++) {
        const pat_roster *e = &ps->roster[i];
        if (strcmp(e->staff, staff) != 0)
            continue;
        for (int64_t d = d0 - 2; d <= d0 + 1; d++) {
            int64_t s, en;
            if (!applies(e, d) || overridden(ps, e, d))
                continue;
            shift_span(e, d, tz_min, &s, &en);
            /* How far from t, and on the wanted side: 0 when it holds t. */
            int64_t dist;
            if (t >= s && t < en)
                dist = 0;
            else if (after && s > t && s - t <= reach)
                dist = s - t;
            else if (!after && en <= t && t - en <= reach)
                dist = t - en;
            else
                continue;
            /* Holding t: the incoming looks for its own shift, which may
             * start after a handover written in the previous one's end;
             * prefer the nearest start (after) or the latest end. */
            if (!have || dist < best ||
                (dist == best && (after ? s > *start : en > *end))) {
                have = 1;
                best = dist;
                *start = s;
                *end = en;
                if (found)
                    *found = e;
            }
        }
    }
    return have;
}
