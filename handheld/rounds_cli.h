/* rounds_cli.h: what the files of the `rounds` command line share: the
 * parsed command line and the helpers every command uses (errors, usage,
 * the data directory, opening the handheld, JSON strings and times).
 *
 * rounds_args.c parses the command line (cli/args.h) against its table of
 * commands; rounds.c holds the shared helpers, the help, the listings and
 * main(); rounds_records.c
 * the recording commands (init, user and every verb); rounds_sync.c the
 * device and its server (status, enroll, sync, dump, report shift). The
 * CLI reaches the store through handheld.h only.
 */
#ifndef RND_ROUNDS_CLI_H
#define RND_ROUNDS_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "handheld.h"

#define MAX_KV 64

/* A command of `rounds` (rounds_args.c holds the table). */
typedef struct rcmd {
    const char *name;              /* as typed: "status", "visit enter" */
    const char *args;              /* the usage after the name */
    const char *summary;           /* one line */
    const struct args_flag *flags; /* its own flags; a verb's: its fields */
    int min_pos, max_pos;          /* bare words after the name */
    const char *verb;              /* a recording command's verb, or NULL */
    int (*run)(void);
} rcmd;

typedef struct opts {
    const rcmd *cmd; /* the command being run */
    const char *data;
    const char *tz;     /* --tz, already in $TZ (rpt_tz_set) */
    const char *target; /* the first bare word after the command */
    int json;
    int all;
    int help, version;
    long limit;
    const char *positional[4];
    int npos;
    hh_kv kv[MAX_KV];
    size_t nkv;
    char names[MAX_KV][64]; /* flag names with '-' turned into '_' */
} opts;

/* The command line, parsed once by main() (rounds.c). */
extern opts o;

/* The exit code for an RND_E* code (enum rnd_exit in proto/errors.h). */
int exit_for(int rc);
/* A JSON string of n bytes of s, or of the NUL-terminated s, to f. */
void json_str(FILE *f, const char *s, size_t n);
void json_cstr(FILE *f, const char *s);
/* ms since the epoch as text into out: ISO 8601 UTC when utc, else
 * local "YYYY-MM-DD HH:MM". */
void fmt_time(int64_t ms, char *out, size_t cap, int utc);
/* Prints the failure rc of what (h's last error when h is not NULL) to
 * stderr, and with --json as an object to stdout; returns its exit code. */
int report_error(hh *h, int rc, const char *what);
/* Prints "rounds: " fmt (with arg) and a hint (with --json also an object
 * on stdout); returns RND_EXIT_USAGE. */
int usage_error(const char *fmt, const char *arg);
/* Removes flag --name from o.kv and returns its value, or NULL. */
const char *kv_take(const char *name);
/* --data, else $ROUNDS_DATA, else ./rounds-data. */
const char *data_dir(void);
/* The record id typed (32 hex digits or a unique prefix of 8+: the full
 * id goes into hex and *out points to it). other_ok: typed may also be a
 * pass number or a plate, passed on as it is when it is no id. 0, or an
 * exit code after the message (ambiguous: the candidates). */
int resolve_id(hh *h, const char *typed, int other_ok, char hex[33],
               const char **out, const char *what);
/* The width of ids in a text listing of kind: 8, or more until every id
 * of that kind is unique in the store (rounds_ids.c). */
int short_id_width(hh *h, int kind);
/* Opens the handheld in data_dir(); 0 or an exit code after a message. */
int open_handheld(hh **h);

/* Parses argv and runs the command; returns the exit code
 * (rounds_args.c). */
int rounds_main(int argc, char **argv);
/* The overview of every command (rounds --help). */
void rounds_print_help(void);

/* The commands: each returns an exit code. */
int cmd_list(void);
int cmd_conflicts(void);
int cmd_show(void);
int cmd_init(void);
int cmd_user(void);
int cmd_signin(void);
int cmd_signout(void);
int cmd_whoami(void);
int cmd_record(const char *verb, const char *target);
int cmd_status(void);
int cmd_enroll(void);
int cmd_sync(void);
int cmd_dump(void);
int cmd_report(void);
/* `rounds app` (app/app_cli.c). */
int cmd_app(void);
int cmd_now(void);
/* The attachment commands (rounds_attach.c). */
int cmd_attach(void);
int cmd_attachment_list(void);
int cmd_attachment_get(void);
int cmd_attachment_want(void);
int cmd_attachment_gc(void);
/* The attachments of record id for `rounds show`: lines on stdout, or
 * with j an "attachments" array in the object j is writing. */
struct rpt_jw;
int rounds_show_attachments(hh *h, const char *id, struct rpt_jw *j);

#endif
