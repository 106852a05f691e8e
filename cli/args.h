/* args.h: the one argument parser of both command lines, `rounds` and
 * `roundsd` (prefix args_, library rnd_args in cli/).
 *
 * A command's flags are a table of args_flag: name, value placeholder,
 * help and the value's type (string, whole number in a range, yes/no,
 * time, day, one of a list, time zone). args_parse() walks argv against
 * such a table: unknown flags, missing values and bad values are refused
 * with a message that names the flag and, for a misspelt flag, the
 * nearest one ("did you mean --data?", by edit distance: args_best). The
 * programs keep their own command tables and print the messages (stderr,
 * or a JSON object with --json) with their own exit code, 2.
 *
 * Lifetime: nothing here allocates; args_parsed points into argv and the
 * tables, which outlive it.
 */
#ifndef RND_ARGS_H
#define RND_ARGS_H

#include <stddef.h>
#include <stdio.h>

enum args_type {
    ARGS_STR = 0, /* any text */
    ARGS_INT,     /* a whole number in [lo, hi] */
    ARGS_BOOL,    /* true|false|yes|no|1|0 */
    ARGS_TIME,    /* report/time.c: YYYY-MM-DD[THH:MM[:SS]][zone] or ms */
    ARGS_DAY,     /* YYYY-MM-DD, a real day */
    ARGS_ENUM,    /* one of choices */
    ARGS_TZ       /* Z, +HH:MM or an IANA zone (rpt_tz_set) */
};

typedef struct args_flag {
    const char *name; /* without "--" */
    const char *meta; /* the value's placeholder; NULL: takes no value */
    const char *help;
    int type;                   /* enum args_type; 0 (string) if omitted */
    long long lo, hi;           /* ARGS_INT: the allowed range */
    const char *const *choices; /* ARGS_ENUM: NULL-terminated */
} args_flag;

#define ARGS_MAX_FLAGS 64
#define ARGS_MAX_POS 4

/* What args_parse() found: values by index in the flag table. */
typedef struct args_parsed {
    const char *values[ARGS_MAX_FLAGS]; /* "" for a set flag without value */
    int set[ARGS_MAX_FLAGS];
    const char *pos[ARGS_MAX_POS];
    int npos;
} args_parsed;

/* The program's version, the CMake project's ("0.1.0"). Static. */
const char *args_version(void);

/* Edit distance between a and b (bytes; a swap of neighbours is one
 * edit), capped at 99; 99 for words over 64 bytes. */
size_t args_distance(const char *a, const char *b);

/* The nearest of a set of words to a mistyped one: init with the word,
 * add every candidate, get the best one close enough to be what was meant
 * (one edit of a word of 2+ letters, two of 5+, or the start of the
 * candidate), or NULL. */
typedef struct args_best {
    const char *word;
    const char *best;
    size_t dist;
} args_best;
void args_best_init(args_best *b, const char *word);
void args_best_add(args_best *b, const char *cand);
const char *args_best_get(const args_best *b);

/* The flag called name in the table (ends with a NULL name), or NULL;
 * its index into *index when index is not NULL. */
const args_flag *args_find(const args_flag *tbl, const char *name, int *index);

/* Checks v against f's type. 0, or -1 with a message naming the flag in
 * err ("--limit: 'abc' is not a whole number from 1 to 100000"). */
int args_check(const args_flag *f, const char *v, char *err, size_t cap);

/* Parses argv[first..argc) against flags into *out: "--name value",
 * "--name=value", "-h" for "--help", "--" ends the flags; at most max_pos
 * bare words. Every value is checked (args_check). 0, or -1 with the
 * message in err. */
int args_parse(const args_flag *flags, int max_pos, int argc, char **argv,
               int first, args_parsed *out, char *err, size_t cap);

/* Applies --tz (rpt_tz_set: $TZ for every time typed and shown); when tz
 * is no zone, writes the message naming --tz into err[cap] and returns
 * -1. Both programs call it once their flags are parsed. */
int args_tz_apply(const char *tz, char *err, size_t cap);

/* A whole number in [lo, hi], all of v. 0 or -1. */
int args_int(const char *v, long long lo, long long hi, long long *out);

/* An age as typed after --min-age: "3600", "90s", "30m", "1h", "2d", in
 * seconds, at most ten years; -1 when malformed. */
long long args_age(const char *v);

/* A value typed by a user, for a message: its first 40 characters ("..."
 * after), control bytes and invalid UTF-8 as '?', so that stderr and JSON
 * stay readable text. out: cap >= 200 holds any. */
void args_clip(const char *v, char *out, size_t cap);

/* Makes msg readable text in place: control bytes (but newlines) and
 * invalid UTF-8 (a value cut short, random bytes) become '?'. The CLIs'
 * error messages go through it before stderr and JSON. */
void args_clean(char *msg);

/* Prints a flag table as help lines ("  --limit N   help"). */
void args_help_flags(FILE *f, const args_flag *flags);

/* ---- bash completion ---------------------------------------------------
 * The script completes the words typed so far: "rounds visit <TAB>" gives
 * the sub-commands, "rounds visit enter --<TAB>" its flags. The program
 * calls begin, then one case per command path ("", "visit", "visit
 * enter") with the words that may follow it, then end. */
void args_bash_begin(FILE *f, const char *prog);
/* words: space-separated; value_flags: the flags of this path that take a
 * value (their next word is not completed as a command word). */
void args_bash_case(FILE *f, const char *path, const char *words);
void args_bash_end(FILE *f, const char *prog, const char *value_flags);
/* The flags of a table as "--a --b " appended to buf. */
void args_flag_words(const args_flag *flags, char *buf, size_t cap,
                     int value_only);

/* JSON: s as a JSON string to f (report/render.h's rpt_json_str). */
void args_json_str(FILE *f, const char *s);

/* Reads one line of standard input into out (cap bytes, NUL-terminated,
 * without its newline) for a secret such as a PIN: on a terminal, prompt
 * goes to stderr and echo is off while typing. -1 at end of input or when
 * the line is longer than cap - 1 bytes (out then holds nothing useful;
 * the caller clears it). */
int args_read_secret(const char *prompt, char *out, size_t cap);

#endif
