/* time.c: report times, offsets, durations and windows, and the one parser
 * of dates and times both command lines use (rounds' --called-at and
 * fields, roundsd's --day, --from, --to, --now). See report.h.
 *
 * Civil dates are converted with rpt_days_from_civil (Howard Hinnant's
 * algorithm, public domain), so a time with an offset depends on nothing
 * else: a report means the same window on every machine given the same
 * offset. A time without a zone in RPT_TZ_LOCAL goes through glibc's
 * mktime in the process's zone ($TZ, which rpt_tz_set sets from --tz:
 * tzdata's rules, daylight saving included).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"

#define MIN_MS 60000LL
#define HOUR_MS 3600000LL
#define DAY_MS 86400000LL

int64_t rpt_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void rpt_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int64_t rpt_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t rpt_day_of(int64_t ms, int tz_min)
{
    return rpt_floor_div(ms + (int64_t)tz_min * MIN_MS, DAY_MS);
}

int rpt_day_parse(const char *s, size_t len, int64_t *day)
{
    int v[3] = {0, 0, 0}, k = 0;
    if (len != 10 || s[4] != '-' || s[7] != '-')
        return RND_EINVAL;
    for (size_t i = 0; i < len; i++) {
        if (i == 4 || i == 7) {
            k++;
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            return RND_EINVAL;
        v[k] = v[k] * 10 + (s[i] - '0');
    }
    /* A real day: it must round-trip (no 2026-02-30). */
    int64_t days = rpt_days_from_civil(v[0], v[1], v[2]);
    int y, m, d;
    rpt_civil_from_days(days, &y, &m, &d);
    if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || y != v[0] || m != v[1] ||
        d != v[2])
        return RND_EINVAL;
    *day = days;
    return 0;
}

/* Local broken-down time of ms at offset tz_min. */
static void split(int64_t ms, int tz_min, int *y, int *mo, int *d, int *h,
                  int *mi, int *s)
{
    int64_t local = ms + (int64_t)tz_min * MIN_MS;
    int64_t days = rpt_floor_div(local, DAY_MS);
    int64_t rest = local - days * DAY_MS;
    rpt_civil_from_days(days, y, mo, d);
    *h = (int)(rest / HOUR_MS);
    *mi = (int)(rest / MIN_MS % 60);
    *s = (int)(rest / 1000 % 60);
}

void rpt_time_iso(int64_t ms, int tz_min, char *out, size_t cap)
{
    int y, mo, d, h, mi, s;
    split(ms, tz_min, &y, &mo, &d, &h, &mi, &s);
    if (tz_min == 0) {
        snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi,
                 s);
        return;
    }
    int m = tz_min < 0 ? -tz_min : tz_min;
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, mo, d, h,
             mi, s, tz_min < 0 ? '-' : '+', (m / 60) % 100, m % 60);
}

void rpt_time_text(int64_t ms, int tz_min, char *out, size_t cap)
{
    if (ms <= 0) {
        snprintf(out, cap, "-");
        return;
    }
    int y, mo, d, h, mi, s;
    split(ms, tz_min, &y, &mo, &d, &h, &mi, &s);
    snprintf(out, cap, "%04d-%02d-%02d %02d:%02d", y, mo, d, h, mi);
}

/* n digits at *p into *v; advances *p. */
static int digits(const char **p, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        *v = *v * 10 + (c - '0');
    }
    *p += n;
    return 0;
}

static int zone(const char *s, int *tz_min)
{
    if (strcmp(s, "Z") == 0 || strcmp(s, "UTC") == 0) {
        *tz_min = 0;
        return 0;
    }
    int h, m;
    if ((s[0] != '+' && s[0] != '-') || strlen(s) != 6 || s[3] != ':')
        return RND_EINVAL;
    const char *p = s + 1;
    if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &m) || h > 14 ||
        m > 59)
        return RND_EINVAL;
    *tz_min = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
    return 0;
}

int rpt_tz_parse(const char *s, int *tz_min)
{
    return zone(s, tz_min);
}

int rpt_tz_local(int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (localtime_r(&t, &tm) == NULL)
        return 0;
    return (int)(tm.tm_gmtoff / 60);
}

static int all_digits(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

int rpt_time_parse(const char *s, int tz_min, int64_t *out)
{
    if (all_digits(s)) {
        errno = 0;
        long long v = strtoll(s, NULL, 10);
        if (errno || strlen(s) > 15)
            return RND_EINVAL;
        *out = v;
        return 0;
    }
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d))
        return RND_EINVAL;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
            return RND_EINVAL;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &sec))
                return RND_EINVAL;
        }
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59)
        return RND_EINVAL;
    int off = tz_min;
    int explicit_zone = *p != '\0';
    if (explicit_zone && zone(p, &off) != 0)
        return RND_EINVAL;
    /* Reject 2026-02-30 and the like: the day must round-trip. */
    int64_t days = rpt_days_from_civil(y, mo, d);
    int cy, cm, cd;
    rpt_civil_from_days(days, &cy, &cm, &cd);
    if (cy != y || cm != mo || cd != d || y < 1970)
        return RND_EINVAL;
    if (!explicit_zone && tz_min == RPT_TZ_LOCAL) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        tm.tm_year = y - 1900;
        tm.tm_mon = mo - 1;
        tm.tm_mday = d;
        tm.tm_hour = h;
        tm.tm_min = mi;
        tm.tm_sec = sec;
        tm.tm_isdst = -1;
        time_t t = mktime(&tm);
        if (t == (time_t)-1)
            return RND_EINVAL;
        *out = (int64_t)t * 1000;
        return 0;
    }
    if (off == RPT_TZ_LOCAL)
        off = 0;
    *out = days * DAY_MS + h * HOUR_MS + mi * MIN_MS + sec * 1000LL -
           (int64_t)off * MIN_MS;
    return 0;
}

/* The zone files of tzdata: $TZDIR, else Debian's place. */
static int zone_file_exists(const char *name)
{
    const char *dir = getenv("TZDIR");
    char path[512];
    if (dir == NULL || *dir == '\0')
        dir = "/usr/share/zoneinfo";
    if (strlen(name) > 200 || strstr(name, "..") || name[0] == '/')
        return 0;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
              (*c >= '0' && *c <= '9') || *c == '/' || *c == '_' || *c == '-' ||
              *c == '+'))
            return 0;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    char magic[4] = {0};
    size_t n = fread(magic, 1, sizeof magic, f);
    fclose(f);
    return n == 4 && memcmp(magic, "TZif", 4) == 0;
}

int rpt_tz_set(const char *spec)
{
    int m;
    char posix[32];
    if (spec == NULL || *spec == '\0')
        return RND_EINVAL;
    if (zone(spec, &m) == 0) {
        /* POSIX counts west of UTC: "+08:00" is "<+0800>-08:00". */
        int a = m < 0 ? -m : m;
        snprintf(posix, sizeof posix, "<%c%02d%02d>%c%02d:%02d",
                 m < 0 ? '-' : '+', a / 60, a % 60, m < 0 ? '+' : '-', a / 60,
                 a % 60);
        spec = posix;
    } else if (!zone_file_exists(spec)) {
        return RND_EINVAL;
    }
    if (setenv("TZ", spec, 1) != 0)
        return RND_ENOMEM;
    tzset();
    return 0;
}

int rpt_duration_parse(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return RND_EINVAL;
    long long v = strtoll(s, &end, 10);
    if (errno || v < 0 || v > 100000000LL)
        return RND_EINVAL;
    int64_t unit;
    if (strcmp(end, "") == 0 || strcmp(end, "m") == 0 ||
        strcmp(end, "min") == 0)
        unit = MIN_MS;
    else if (strcmp(end, "h") == 0)
        unit = HOUR_MS;
    else if (strcmp(end, "d") == 0)
        unit = DAY_MS;
    else if (strcmp(end, "s") == 0)
        unit = 1000;
    else
        return RND_EINVAL;
    *out = (int64_t)v * unit;
    return 0;
}

static int bad(char *err, size_t cap, const char *flag, const char *v,
               const char *want)
{
    snprintf(err, cap, "--%s %s: expected %s", flag, v, want);
    return RND_EINVAL;
}

#define TIME_WANT                                                              \
    "a time: YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM] or ms since the epoch"

int rpt_window(const rpt_window_args *a, int tz_min, int64_t now, int64_t *from,
               int64_t *to, char *err, size_t errcap)
{
    int given = (a->from || a->to) + !!a->day + !!a->month + !!a->hours;
    if (given > 1) {
        snprintf(err, errcap,
                 "give one window: --from/--to, --day, "
                 "--month or --hours");
        return RND_EINVAL;
    }
    if (a->day) {
        int64_t t;
        if (strlen(a->day) != 10 || rpt_time_parse(a->day, tz_min, &t) != 0)
            return bad(err, errcap, "day", a->day, "YYYY-MM-DD");
        *from = t;
        *to = t + DAY_MS;
        return 0;
    }
    if (a->month) {
        const char *p = a->month;
        int y, m;
        if (strlen(p) != 7 || digits(&p, 4, &y) || *p++ != '-' ||
            digits(&p, 2, &m) || m < 1 || m > 12)
            return bad(err, errcap, "month", a->month, "YYYY-MM");
        int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
        *from =
            rpt_days_from_civil(y, m, 1) * DAY_MS - (int64_t)tz_min * MIN_MS;
        *to =
            rpt_days_from_civil(ny, nm, 1) * DAY_MS - (int64_t)tz_min * MIN_MS;
        return 0;
    }
    if (a->hours) {
        char *end;
        errno = 0;
        long h = strtol(a->hours, &end, 10);
        if (*a->hours == '\0' || *end || errno || h < 1 || h > 24 * 366)
            return bad(err, errcap, "hours", a->hours,
                       "a whole number of hours from 1 to 8784");
        *to = now;
        *from = now - h * HOUR_MS;
        return 0;
    }
    *to = now;
    if (a->to && rpt_time_parse(a->to, tz_min, to) != 0)
        return bad(err, errcap, "to", a->to, TIME_WANT);
    *from = *to - 12 * HOUR_MS;
    if (a->from && rpt_time_parse(a->from, tz_min, from) != 0)
        return bad(err, errcap, "from", a->from, TIME_WANT);
    if (*from >= *to) {
        snprintf(err, errcap, "--from must be before --to");
        return RND_EINVAL;
    }
    return 0;
}
