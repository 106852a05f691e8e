/* test_args.c: the argument parser both command lines share (cli/args.h)
 * and the one date parser under it (report/time.c: rpt_time_parse,
 * rpt_tz_set): "did you mean", typed values, impossible dates, zones. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../cli/args.h"
#include "../../proto/errors.h"
#include "../../report/report.h"
#include "test.h"

static const char *suggest(const char *word, const char *const *cands)
{
    args_best b;
    args_best_init(&b, word);
    for (; *cands; cands++)
        args_best_add(&b, *cands);
    return args_best_get(&b);
}

static void test_suggest(void)
{
    static const char *const flags[] = {"data",    "json", "tz",   "help",
                                        "version", "day",  "days", NULL};
    static const char *const cmds[] = {"list",  "visit",  "vehicle",
                                       "verbs", "status", NULL};
    static const char *const subs[] = {"enter", "exit", "refuse", NULL};
    ASSERT_EQ((int)args_distance("dta", "data"), 1);
    ASSERT_EQ((int)args_distance("dya", "day"), 1); /* a swap */
    ASSERT_EQ((int)args_distance("", "abc"), 3);
    ASSERT_STR_EQ(suggest("dta", flags), "data");
    ASSERT_STR_EQ(suggest("dat", flags), "data");
    ASSERT_STR_EQ(suggest("dya", flags), "day");
    ASSERT_STR_EQ(suggest("vist", cmds), "visit"); /* not "list" */
    ASSERT_STR_EQ(suggest("entr", subs), "enter");
    ASSERT_STR_EQ(suggest("statsu", cmds), "status");
    ASSERT(suggest("frobnicate", cmds) == NULL);
    ASSERT(suggest("x", subs) == NULL);
}

static void test_check(void)
{
    static const char *const fmts[] = {"text", "csv", "json", NULL};
    args_flag lim = {"limit", "N", "", ARGS_INT, 1, 1000000000000000LL};
    args_flag hrs = {"hours", "N", "", ARGS_INT, 1, 8784};
    args_flag fmt = {"format", "FMT", "", ARGS_ENUM, 0, 0, fmts};
    args_flag at = {"called-at", "TIME", "", ARGS_TIME};
    args_flag day = {"day", "YYYY-MM-DD", "", ARGS_DAY};
    char err[256];
    ASSERT_EQ(args_check(&lim, "5", err, sizeof err), 0);
    ASSERT_EQ(args_check(&lim, "abc", err, sizeof err), -1);
    ASSERT_STR_EQ(err, "--limit: 'abc' is not a whole number \u2265 1");
    ASSERT_EQ(args_check(&lim, "-5", err, sizeof err), -1);
    ASSERT_EQ(args_check(&lim, "0", err, sizeof err), -1);
    ASSERT_EQ(args_check(&lim, "5x", err, sizeof err), -1);
    ASSERT_EQ(args_check(&lim, "", err, sizeof err), -1);
    ASSERT_EQ(args_check(&lim, "99999999999999999999", err, sizeof err), -1);
    ASSERT_EQ(args_check(&hrs, "8785", err, sizeof err), -1);
    ASSERT_STR_EQ(err, "--hours: '8785' is not a whole number from 1 to 8784");
    ASSERT_EQ(args_check(&fmt, "csv", err, sizeof err), 0);
    ASSERT_EQ(args_check(&fmt, "cvs", err, sizeof err), -1);
    ASSERT(strstr(err, "did you mean 'csv'?") != NULL);
    ASSERT_EQ(args_check(&at, "2026-02-28T10:00", err, sizeof err), 0);
    ASSERT_EQ(args_check(&at, "2026-02-30T10:00", err, sizeof err), -1);
    ASSERT(strncmp(err, "--called-at: '2026-02-30T10:00'", 31) == 0);
    ASSERT_EQ(args_check(&day, "2026-03-01", err, sizeof err), 0);
    ASSERT_EQ(args_check(&day, "2026-03-01T10:00", err, sizeof err), -1);
}

static void test_parse(void)
{
    static const args_flag fl[] = {{"data", "DIR", ""},
                                   {"json", NULL, ""},
                                   {"limit", "N", "", ARGS_INT, 1, 100},
                                   {NULL}};
    char *argv[] = {"p", "--json", "x",   "--data=/d", "--limit",
                    "7", "--",     "--y", NULL};
    args_parsed p;
    char err[256];
    memset(&p, 0, sizeof p);
    ASSERT_EQ(args_parse(fl, 2, 8, argv, 1, &p, err, sizeof err), 0);
    ASSERT(p.set[0] && p.set[1] && p.set[2]);
    ASSERT_STR_EQ(p.values[0], "/d");
    ASSERT_STR_EQ(p.values[2], "7");
    ASSERT_EQ(p.npos, 2);
    ASSERT_STR_EQ(p.pos[1], "--y");
    char *bad1[] = {"p", "--dta", "x", NULL};
    memset(&p, 0, sizeof p);
    ASSERT_EQ(args_parse(fl, 2, 3, bad1, 1, &p, err, sizeof err), -1);
    ASSERT_STR_EQ(err, "unknown flag --dta; did you mean --data?");
    char *bad2[] = {"p", "--limit", NULL};
    memset(&p, 0, sizeof p);
    ASSERT_EQ(args_parse(fl, 2, 2, bad2, 1, &p, err, sizeof err), -1);
    ASSERT_STR_EQ(err, "--limit needs a value (N)");
    char *bad3[] = {"p", "--json=1", NULL};
    memset(&p, 0, sizeof p);
    ASSERT_EQ(args_parse(fl, 2, 2, bad3, 1, &p, err, sizeof err), -1);
    char *bad4[] = {"p", "a", "b", NULL};
    memset(&p, 0, sizeof p);
    ASSERT_EQ(args_parse(fl, 1, 3, bad4, 1, &p, err, sizeof err), -1);
    ASSERT_STR_EQ(err, "unexpected argument 'b'");
}

static void test_clean(void)
{
    char s[] = "a\x01\xff\xc3\xa9\xe2\x82\n";
    args_clean(s);
    ASSERT_STR_EQ(s, "a??\xc3\xa9??\n"); /* é kept, a cut € is not */
    char out[200];
    char long_[100];
    memset(long_, 'x', sizeof long_ - 1);
    long_[99] = '\0';
    args_clip(long_, out, sizeof out);
    ASSERT_EQ((int)strlen(out), 43);
}

/* The one date parser: impossible dates and times are refused. */
static void test_dates(void)
{
    int64_t t;
    ASSERT_OK(rpt_time_parse("2026-03-01T02:00:00Z", 0, &t));
    ASSERT(t == 1772330400000LL);
    ASSERT_OK(rpt_time_parse("2026-03-01T10:00+08:00", 0, &t));
    ASSERT(t == 1772330400000LL);
    ASSERT_OK(rpt_time_parse("2028-02-29", 0, &t)); /* a leap year */
    ASSERT_ERR(rpt_time_parse("2026-02-29", 0, &t), RND_EINVAL);
    ASSERT_ERR(rpt_time_parse("2100-02-29", 0, &t), RND_EINVAL);
    ASSERT_ERR(rpt_time_parse("2026-02-30", 0, &t), RND_EINVAL);
    ASSERT_ERR(rpt_time_parse("2026-04-31", 0, &t), RND_EINVAL);
    ASSERT_ERR(rpt_time_parse("2026-13-01", 0, &t), RND_EINVAL);
    ASSERT_ERR(rpt_time_parse("2026-00-01", 0, &t), RND_EINVAL);
    ASSERT_ERR(rpt_time_parse("2026-02-28T24:00", 0, &t), RND_EINVAL);
    ASSERT_ERR(rpt_time_parse("2026-02-28T10:60", 0, &t), RND_EINVAL);
    ASSERT_ERR(rpt_time_parse("2026-02-28T10:00+15:00", 0, &t), RND_EINVAL);
    ASSERT_ERR(rpt_time_parse("2026-02-28T10:00Zjunk", 0, &t), RND_EINVAL);
    ASSERT_ERR(rpt_time_parse("2026-2-28", 0, &t), RND_EINVAL);
    ASSERT_ERR(rpt_time_parse("", 0, &t), RND_EINVAL);
    /* Local times in the process's zone, daylight saving included. */
    ASSERT_OK(rpt_tz_set("Asia/Shanghai"));
    ASSERT_OK(rpt_time_parse("2026-03-01T10:00", RPT_TZ_LOCAL, &t));
    ASSERT(t == 1772330400000LL);
    ASSERT_OK(rpt_tz_set("Europe/Berlin"));
    ASSERT_OK(rpt_time_parse("2026-07-01T12:00", RPT_TZ_LOCAL, &t));
    ASSERT(t == 1782900000000LL); /* 10:00Z: summer time, +02:00 */
    ASSERT_EQ(rpt_tz_local(t), 120);
    ASSERT_OK(rpt_time_parse("2026-01-15T12:00", RPT_TZ_LOCAL, &t));
    ASSERT_EQ(rpt_tz_local(t), 60);
    ASSERT_OK(rpt_tz_set("-05:30"));
    ASSERT_OK(rpt_time_parse("2026-03-01T00:00", RPT_TZ_LOCAL, &t));
    ASSERT(t == 1772323200000LL + 330 * 60000LL);
    ASSERT_EQ(rpt_tz_local(t), -330);
    ASSERT_ERR(rpt_tz_set("Mars/Olympus"), RND_EINVAL);
    ASSERT_ERR(rpt_tz_set("../../etc/passwd"), RND_EINVAL);
    ASSERT_ERR(rpt_tz_set("+25:00"), RND_EINVAL);
    ASSERT_OK(rpt_tz_set("Z"));
    ASSERT_EQ(rpt_tz_local(t), 0);
}

int main(void)
{
    test_suggest();
    test_check();
    test_parse();
    test_clean();
    test_dates();
    printf("test_args: ok\n");
    return 0;
}
