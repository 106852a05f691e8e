/* args.c: the argument parser of both command lines (args.h).
 *
 * Why not glibc's getopt_long: it accepts any unambiguous abbreviation of
 * a long option ("--dat" for "--data", "--dta" is refused but "--da" is
 * not), which is the very surprise users hit; it permutes argv, prints its
 * own messages, and knows nothing of value types, sub-commands or "did you
 * mean". A walk over one table per command, as roundsd's cli.c already
 * did, is shorter than wrapping it, and both programs now share it.
 */
#include "args.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "../i18n/i18n.h"
#include "../report/render.h"
#include "../report/report.h"

#ifndef RND_VERSION
#define RND_VERSION "0.0.0"
#endif

const char *args_version(void)
{
    return RND_VERSION;
}

/* Optimal string alignment distance: Levenshtein plus the swap of two
 * neighbours ("dya" is one edit from "day"). */
size_t args_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    static _Thread_local size_t d[66][66];
    if (la > 64 || lb > 64)
        return 99;
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb] > 99 ? 99 : d[la][lb];
}

/* How many first bytes a and b share. */
static size_t lead(const char *a, const char *b)
{
    size_t k = 0;
    while (a[k] && a[k] == b[k])
        k++;
    return k;
}

void args_best_init(args_best *b, const char *word)
{
    b->word = word;
    b->best = NULL;
    b->dist = 99;
}

void args_best_add(args_best *b, const char *cand)
{
    size_t d = args_distance(b->word, cand);
    /* A word that starts the candidate ("entr" of "enter") counts as 1. */
    size_t n = strlen(b->word);
    if (n >= 2 && strncmp(b->word, cand, n) == 0 && d > 1)
        d = 1;
    /* A tie goes to the one that starts like the word ("vist": visit,
     * not list). */
    if (d < b->dist || (d == b->dist && b->best &&
                        lead(b->word, cand) > lead(b->word, b->best))) {
        b->dist = d;
        b->best = cand;
    }
}

const char *args_best_get(const args_best *b)
{
    size_t n = strlen(b->word);
    /* One edit of a word of 2+ letters, two of a word of 5+. */
    if (b->best == NULL || b->dist == 0 || n < 2 || b->dist > 2 ||
        (b->dist == 2 && n < 5))
        return NULL;
    return b->best;
}

const args_flag *args_find(const args_flag *tbl, const char *name, int *index)
{
    for (int i = 0; tbl && tbl[i].name; i++) {
        if (strcmp(tbl[i].name, name) == 0) {
            if (index)
                *index = i;
            return &tbl[i];
        }
    }
    return NULL;
}

int args_int(const char *v, long long lo, long long hi, long long *out)
{
    char *end;
    if (*v == '\0' || (*v != '-' && (*v < '0' || *v > '9')))
        return -1;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || *end != '\0' || x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

/* The length of the valid UTF-8 sequence at p (1..4), or 0. */
static size_t utf8_len(const unsigned char *p)
{
    unsigned char c = p[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf; /* the second byte's range */
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4;
    else
        return 0;
    if (c == 0xe0)
        lo = 0xa0; /* overlong */
    else if (c == 0xed)
        hi = 0x9f; /* surrogates */
    else if (c == 0xf0)
        lo = 0x90; /* overlong */
    else if (c == 0xf4)
        hi = 0x8f; /* past U+10FFFF */
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

void args_clip(const char *v, char *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)v;
    size_t k = 0, shown = 0;
    if (cap == 0)
        return;
    while (*p && shown < 40 && k + 5 < cap) {
        size_t n = utf8_len(p);
        if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f))) {
            out[k++] = '?';
            p++;
        } else {
            memcpy(out + k, p, n);
            k += n;
            p += n;
        }
        shown++;
    }
    if (*p && k + 4 < cap) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
}

void args_clean(char *msg)
{
    unsigned char *p = (unsigned char *)msg;
    while (*p) {
        size_t n = utf8_len(p);
        if (n == 0 || (n == 1 && ((*p < 0x20 && *p != '\n') || *p == 0x7f))) {
            *p++ = '?';
            continue;
        }
        p += n;
    }
}

static void clip(const char *v, char *out, size_t cap)
{
    args_clip(v, out, cap);
}

int args_tz_apply(const char *tz, char *err, size_t cap)
{
    char shown[200];
    if (rpt_tz_set(tz) == 0)
        return 0;
    clip(tz, shown, sizeof shown);
    snprintf(err, cap,
             _("--tz: '%s' is not a time zone: Z, +HH:MM, -HH:MM or a name of "
               "tzdata such as Asia/Shanghai"),
             shown);
    return -1;
}

int args_check(const args_flag *f, const char *v, char *err, size_t cap)
{
    char shown[200], list[256];
    long long x;
    int64_t t;
    clip(v, shown, sizeof shown);
    switch (f->type) {
    case ARGS_STR:
        return 0;
    case ARGS_INT:
        if (args_int(v, f->lo, f->hi, &x) == 0)
            return 0;
        if (f->hi >= 1000000000000LL)
            snprintf(err, cap,
                     _("--%s: '%s' is not a whole number \u2265 %lld"), f->name,
                     shown, f->lo);
        else
            snprintf(err, cap,
                     _("--%s: '%s' is not a whole number from %lld to %lld"),
                     f->name, shown, f->lo, f->hi);
        return -1;
    case ARGS_BOOL:
        if (!strcmp(v, "true") || !strcmp(v, "false") || !strcmp(v, "yes") ||
            !strcmp(v, "no") || !strcmp(v, "1") || !strcmp(v, "0"))
            return 0;
        snprintf(err, cap, _("--%s: '%s' is not true or false"), f->name,
                 shown);
        return -1;
    case ARGS_TIME:
        if (rpt_time_parse(v, RPT_TZ_LOCAL, &t) == 0)
            return 0;
        snprintf(err, cap,
                 _("--%s: '%s' is not a time: YYYY-MM-DD[THH:MM[:SS]] with an "
                   "optional Z or +HH:MM (a real date and time), or ms since "
                   "the epoch"),
                 f->name, shown);
        return -1;
    case ARGS_DAY:
        if (strlen(v) == 10 && rpt_time_parse(v, 0, &t) == 0)
            return 0;
        snprintf(err, cap,
                 _("--%s: '%s' is not a day: YYYY-MM-DD (a real date)"),
                 f->name, shown);
        return -1;
    case ARGS_TZ: {
        int m;
        if (rpt_tz_parse(v, &m) == 0)
            return 0;
        /* An IANA name: checked (and set) by rpt_tz_set; here only its
         * form, so that parsing has no side effect. */
        size_t n = strlen(v);
        int ok = n > 0 && n < 64 && strstr(v, "..") == NULL && v[0] != '/';
        for (const char *c = v; ok && *c; c++)
            ok = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
                 (*c >= '0' && *c <= '9') || *c == '/' || *c == '_' ||
                 *c == '-' || *c == '+';
        if (ok)
            return 0;
        snprintf(err, cap,
                 _("--%s: '%s' is not a time zone: Z, +HH:MM, -HH:MM or a name "
                   "such as Asia/Shanghai"),
                 f->name, shown);
        return -1;
    }
    case ARGS_ENUM: {
        args_best b;
        args_best_init(&b, v);
        size_t n = 0;
        list[0] = '\0';
        for (const char *const *c = f->choices; c && *c; c++) {
            if (strcmp(*c, v) == 0)
                return 0;
            args_best_add(&b, *c);
            if (n + 1 < sizeof list)
                n += (size_t)snprintf(list + n, sizeof list - n, "%s%s",
                                      n ? ", " : "", *c);
        }
        const char *near = args_best_get(&b);
        snprintf(err, cap, _("--%s: '%s' is not one of %s%s%s%s"), f->name,
                 shown, list, near ? _("; did you mean '") : "",
                 near ? near : "", near ? "'?" : "");
        return -1;
    }
    }
    return 0;
}

/* "unknown flag --dta; did you mean --data?" */
static int unknown_flag(const args_flag *flags, const char *name, char *err,
                        size_t cap)
{
    args_best b;
    char shown[200];
    args_best_init(&b, name);
    for (int i = 0; flags && flags[i].name; i++)
        args_best_add(&b, flags[i].name);
    const char *near = args_best_get(&b);
    clip(name, shown, sizeof shown);
    snprintf(err, cap, _("unknown flag --%s%s%s%s"), shown,
             near ? _("; did you mean --") : "", near ? near : "",
             near ? "?" : "");
    return -1;
}

int args_parse(const args_flag *flags, int max_pos, int argc, char **argv,
               int first, args_parsed *out, char *err, size_t cap)
{
    int flags_done = 0;
    char shown[200];
    if (max_pos > ARGS_MAX_POS)
        max_pos = ARGS_MAX_POS;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (!flags_done && strcmp(a, "--") == 0) {
            flags_done = 1;
            continue;
        }
        if (!flags_done && strcmp(a, "-h") == 0)
            a = "--help";
        if (flags_done || a[0] != '-' || a[1] == '\0') {
            if (out->npos < max_pos) {
                out->pos[out->npos++] = a;
                continue;
            }
            clip(a, shown, sizeof shown);
            snprintf(err, cap, _("unexpected argument '%s'"), shown);
            return -1;
        }
        if (a[1] != '-') {
            clip(a, shown, sizeof shown);
            snprintf(err, cap, _("unknown flag %s (flags start with --)"),
                     shown);
            return -1;
        }
        char name[65];
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (len == 0 || len >= sizeof name) {
            clip(a, shown, sizeof shown);
            snprintf(err, cap, _("unknown flag %s"), shown);
            return -1;
        }
        memcpy(name, a + 2, len);
        name[len] = '\0';
        int k;
        const args_flag *f = args_find(flags, name, &k);
        if (f == NULL || k >= ARGS_MAX_FLAGS)
            return unknown_flag(flags, name, err, cap);
        const char *v = "";
        if (f->meta) {
            if (eq) {
                v = eq + 1;
            } else if (i + 1 < argc) {
                v = argv[++i];
            } else {
                snprintf(err, cap, _("--%s needs a value (%s)"), name, f->meta);
                return -1;
            }
            if (args_check(f, v, err, cap) != 0)
                return -1;
        } else if (eq) {
            snprintf(err, cap, _("--%s takes no value"), name);
            return -1;
        }
        out->values[k] = v;
        out->set[k] = 1;
    }
    return 0;
}

void args_help_flags(FILE *f, const args_flag *flags)
{
    for (int i = 0; flags && flags[i].name; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", flags[i].name,
                 flags[i].meta ? " " : "", flags[i].meta ? flags[i].meta : "");
        if (strlen(left) > 22)
            fprintf(f, "  %s\n  %-22s %s\n", left, "", i18n_tr(flags[i].help));
        else
            fprintf(f, "  %-22s %s\n", left, i18n_tr(flags[i].help));
    }
}

void args_flag_words(const args_flag *flags, char *buf, size_t cap,
                     int value_only)
{
    size_t n = strlen(buf);
    for (int i = 0; flags && flags[i].name; i++) {
        if (value_only && !flags[i].meta)
            continue;
        char w[80];
        int m = snprintf(w, sizeof w, "%s--%s", n ? " " : "", flags[i].name);
        if (m > 0 && n + (size_t)m + 1 < cap) {
            memcpy(buf + n, w, (size_t)m + 1);
            n += (size_t)m;
        }
    }
}

void args_bash_begin(FILE *f, const char *prog)
{
    fprintf(f,
            "# bash completion for %s %s, generated by '%s completion "
            "bash'.\n"
            "_%s_words()\n{\n    case \"$1\" in\n",
            prog, RND_VERSION, prog, prog);
}

void args_bash_case(FILE *f, const char *path, const char *words)
{
    fprintf(f, "    \"%s\") echo \"%s\" ;;\n", path, words);
}

void args_bash_end(FILE *f, const char *prog, const char *value_flags)
{
    fprintf(f,
            "    *) return 1 ;;\n    esac\n}\n"
            "_%s()\n{\n"
            "    local cur=${COMP_WORDS[COMP_CWORD]} path=\"\" w i skip=0\n"
            "    local vflags=\" %s \"\n"
            "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
            "        w=${COMP_WORDS[i]}\n"
            "        if ((skip)); then skip=0; continue; fi\n"
            "        case $w in\n"
            "        --*=*) ;;\n"
            "        -*) [[ $vflags == *\" $w \"* ]] && skip=1 ;;\n"
            "        *) path=${path:+$path }$w ;;\n"
            "        esac\n"
            "    done\n"
            "    ((skip)) && { COMPREPLY=($(compgen -f -- \"$cur\")); "
            "return; }\n"
            "    local words\n"
            "    while ! words=$(_%s_words \"$path\"); do\n"
            "        [[ -z $path ]] && return\n"
            "        [[ $path == *\" \"* ]] && path=${path%% *} || path=\"\"\n"
            "    done\n"
            "    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
            "}\n"
            "complete -F _%s %s\n",
            prog, value_flags, prog, prog, prog);
}

void args_json_str(FILE *f, const char *s)
{
    rpt_json_str(f, s, strlen(s));
}

int args_read_secret(const char *prompt, char *out, size_t cap)
{
    struct termios old, quiet;
    int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        fputs(prompt, stderr);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *got = fgets(out, (int)cap, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (got == NULL)
        return -1;
    size_t n = strlen(out);
    if (n && out[n - 1] == '\n')
        out[--n] = '\0';
    else if (!feof(stdin))
        return -1; /* longer than cap - 1 */
    if (n && out[n - 1] == '\r')
        out[--n] = '\0';
    return 0;
}

long long args_age(const char *v)
{
    char *end;
    if (v == NULL || *v < '0' || *v > '9')
        return -1;
    unsigned long long n = strtoull(v, &end, 10);
    long long mul = 1;
    if (*end == 'm')
        mul = 60, end++;
    else if (*end == 'h')
        mul = 3600, end++;
    else if (*end == 'd')
        mul = 86400, end++;
    else if (*end == 's')
        end++;
    if (*end != '\0' || n > 3650ULL * 86400)
        return -1;
    /* n * mul may pass ten years ("3650d" is fine, "3650000h" is not). */
    if ((long long)n > 3650LL * 86400 / mul)
        return -1;
    return (long long)n * mul;
}
