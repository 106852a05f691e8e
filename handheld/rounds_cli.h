/* rounds_cli.h: what the files of the `rounds` command line share: the
 * parsed command line and the helpers every command uses (errors, usage,
 * the data directory, opening the handheld, JSON strings and times).
 *
 * rounds.c holds them, the help, the listings and main(); rounds_records.c
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

typedef struct opts {
    const char *data;
    int json;
    int all;
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
/* Prints "rounds: " fmt (with arg) and a hint; returns RND_EXIT_USAGE. */
int usage_error(const char *fmt, const char *arg);
/* Removes flag --name from o.kv and returns its value, or NULL. */
const char *kv_take(const char *name);
/* --data, else $ROUNDS_DATA, else ./rounds-data. */
const char *data_dir(void);
/* Opens the handheld in data_dir(); 0 or an exit code after a message. */
int open_handheld(hh **h);

/* The commands: each returns an exit code. */
int cmd_init(void);
int cmd_user(void);
int cmd_record(const char *verb, const char *target);
int cmd_status(void);
int cmd_enroll(void);
int cmd_sync(void);
int cmd_dump(void);
int cmd_report(void);

#endif
