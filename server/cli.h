/* cli.h: the plumbing every `roundsd` command shares: flag tables and
 * their parsing, error and usage messages, exit codes, the data directory,
 * small output helpers and opening the registry or a site's store.
 *
 * Commands live in tables of `cli_command` (roundsd.c holds the core
 * ones; cmd_report.c and cmd_ops.c add theirs) and main() in roundsd.c
 * looks a command up in every table. A command's run() reads its flags
 * with cli_flag() and returns an exit code (enum rnd_exit).
 *
 * Lifetime: cli_args is filled once by cli_parse() from argv and points
 * into it; nothing here allocates.
 */
#ifndef RND_SERVER_CLI_H
#define RND_SERVER_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../cli/args.h"
#include "../i18n/i18n.h"
#include "../storage/store.h"
#include "admin.h"
#include "config.h"
#include "registry.h"

#define CLI_MAX_FLAGS 24
#define CLI_MAX_POS 2

/* A flag: {name, value placeholder (NULL: none), help[, type, lo, hi,
 * choices]}, cli/args.h's table entry, shared with `rounds`: a typed flag
 * (ARGS_INT, ARGS_TIME, ARGS_DAY, ARGS_ENUM, ARGS_TZ) is checked while
 * parsing, before the command runs. */
typedef args_flag cli_flag_spec;

typedef struct cli_command {
    const char *name;
    const char *summary;
    const char *usage;
    const cli_flag_spec *flags; /* ends with a NULL name */
    int (*run)(void);
    int max_pos; /* bare arguments allowed (an id, a kind) */
} cli_command;

/* clang-format off */
#define CLI_DATA_FLAG {"data", "DIR", "data directory ($ROUNDSD_DATA, else " \
                                      "./roundsd-data)"}
#define CLI_HELP_FLAG {"help", NULL, N_("this help")}
/* clang-format on */

/* The command being run and its parsed arguments. */
extern struct cli_args {
    const cli_command *cmd;
    const char *values[CLI_MAX_FLAGS]; /* by index in cmd->flags */
    int set[CLI_MAX_FLAGS];
    const char *pos[CLI_MAX_POS];
    int npos;
    /* --config FILE: taken by every command that has --data (it is not
     * in the flag tables; cli_parse() knows it). */
    const char *config;
    /* --tz ZONE: taken by every command (set in $TZ by cli_parse). */
    const char *tz;
    /* --json given (also before the command): errors are JSON objects. */
    int json;
} cli_args;

/* Parses argv[first..argc) against cmd's flags into cli_args (cli/args.h:
 * unknown flags with "did you mean", typed values checked). Returns 0,
 * or the usage exit code after printing why. */
int cli_parse(const cli_command *cmd, int argc, char **argv, int first);

/* Resolves a record id typed as its 32 hex digits or a unique prefix of 8
 * or more (st: a site's store) into out. Returns 0; the usage exit code
 * after printing the candidates of an ambiguous prefix or why it is not
 * an id; or the not-found exit code after saying so. */
int cli_resolve_id(store *st, const char *typed, uint8_t out[16]);

/* The value of flag name ("" for a flag without value that is set), or
 * NULL when not given. */
const char *cli_flag(const char *name);

/* Prints "roundsd CMD: <message> (see 'roundsd CMD --help')" and returns
 * RND_EXIT_USAGE. With --json, also {"ok":false,"error":..,"message":..}
 * on stdout (cli_fail too). */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A word after the command that is none of choices (NULL-terminated):
 * prints "unknown subcommand 'shwo' of 'pii'; did you mean 'show'? (one
 * of keys, rotate, ...)" as cli_usage and returns RND_EXIT_USAGE. */
int cli_unknown_sub(const char *word, const char *const *choices);

/* Prints "roundsd CMD: <message>" and returns the exit code for rc. */
int cli_fail(int rc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* snprintf for the commands' paths and messages, cut at cap (the paths'
 * buffers are far over any real path): the release build's
 * -Wformat-truncation flags each snprintf with a %s of a path whose
 * result is not checked. Returns what vsnprintf does. */
int cli_fmt(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The exit code for an RND_E* code: roundsd documents 0..5 only (the
 * network and server-refusal codes are the handheld's), others give 1. */
int cli_exit_for(int rc);

/* --data DIR, else $ROUNDSD_DATA, else the configuration file's data,
 * else ./roundsd-data. */
const char *cli_data_dir(void);

/* Loads the command's effective configuration (config.h): defaults, the
 * file (--config, $ROUNDSD_CONFIG or /etc/rounds/roundsd.conf when it
 * exists), $ROUNDSD_DATA, then the command's flags that are configuration
 * keys. Prints the error (naming FILE:LINE and the key) and returns the
 * usage exit code for a bad file or value, 3 when a named file is
 * missing; 0 when loaded. main() calls it once, after cli_parse(). */
int cli_load_config(void);

/* The configuration loaded by cli_load_config() (defaults before). */
const srv_config *cli_config(void);

/* --fl as a whole number in [lo, hi] into *out (untouched when the flag
 * is absent). Returns 0 or the usage exit code. */
int cli_parse_u32(const char *fl, uint32_t lo, uint32_t hi, uint32_t *out);

/* --fl must be a valid name (sites, devices). Returns 0 or usage code. */
int cli_need_name(const char *fl);

/* Output helpers (stdout), through report/render.h. */
void cli_json_str(const char *s);
void cli_json_strn(const char *s, size_t n);
void cli_fmt_time(int64_t ms, char *out, size_t cap); /* rpt_time_utc */
int64_t cli_now_ms(void); /* the office clock (proto/clock.h) */

/* Open the registry / a site's store of the data directory, printing a
 * message naming what is missing on failure; return 0 or an exit code.
 * open_site_write creates a site's store in an initialised data dir. */
int cli_open_registry(srv_registry **r);
int cli_open_site_read(const char *site, store **st);
int cli_open_site_write(const char *site, store **st);

/* ---- the commands listed (roundsd.c's tables) -------------------------- */

/* The command of "KIND VERB" (add, set, retire) of master data, or NULL:
 * valid until the next call. */
typedef const cli_command *(*cli_md_fn)(const srv_md_kind *k, const char *verb);

/* A flag table as a JSON array of {flag, value, help} to stdout. */
void cli_json_flags(const cli_flag_spec *fl);

/* `roundsd --help --json`: every command of tables (NULL-terminated) and
 * of master data, with its flags. */
void cli_commands_json(const cli_command *const *tables, cli_md_fn md);

/* `roundsd completion bash` (argv[first] on): the bash completion script
 * from tables and master data. Returns an exit code. */
int cli_completion(const cli_command *const *tables, cli_md_fn md, int argc,
                   char **argv, int first);

#endif
