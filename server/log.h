/* log.h: the log of `roundsd serve`: one line per event, with a level, to
 * stderr or to a file, reopened on SIGHUP for log rotation.
 *
 * Line format (docs/OPERATIONS.md, "Logs"):
 *  - to a file, or to stderr that is not the journal:
 *      2026-12-03T04:05:06.123Z roundsd[PID]: LEVEL: MESSAGE
 *    (UTC, milliseconds; LEVEL is error, warn, info or debug);
 *  - to the journal (systemd sets $JOURNAL_STREAM to stderr's
 *    "DEV:INODE"): "<N>MESSAGE", the sd-daemon(3) priority prefix (3 error,
 *    4 warn, 6 info, 7 debug); journald adds the time and the PID itself.
 * Lines above the configured level are dropped. A message never holds a
 * newline (one is replaced by a space).
 *
 * A log file is opened O_APPEND and placed on file descriptor 2, so that
 * anything else written to stderr lands in the same file; srv_log_reopen()
 * opens the path again and swaps it onto fd 2 atomically (dup2), so lines
 * written meanwhile by other threads go to the old file or the new one,
 * whole. Each line is one write(2): lines of several threads never mix.
 *
 * State is process-wide (one log per process); srv_log_* may be called
 * from any thread once srv_log_open() returned. Without srv_log_open()
 * (the short commands, which share code with serve) srv_log() writes
 * "roundsd: MESSAGE" lines to stderr, up to level info.
 */
#ifndef RND_SRV_LOG_H
#define RND_SRV_LOG_H

#include <stddef.h>

typedef enum srv_log_level {
    SRV_LOG_ERROR = 0,
    SRV_LOG_WARN = 1,
    SRV_LOG_INFO = 2,
    SRV_LOG_DEBUG = 3,
} srv_log_level;

#define SRV_LOG_LEVEL_DEFAULT SRV_LOG_INFO

/* Starts logging to path ("stderr" or NULL: stderr as it is; else a file,
 * created mode 0640 if missing and appended to) at level. Returns 0, or
 * RND_EIO when the file cannot be opened (errno is kept). */
int srv_log_open(const char *path, srv_log_level level);

/* Opens the log file again (after logrotate renamed it) and writes to the
 * new one from now on; a no-op for stderr. Returns 0, or RND_EIO when it
 * cannot be opened: the old file stays in use. Safe from any thread. */
int srv_log_reopen(void);

/* 1 when the log goes to the journal (prefixes instead of timestamps). */
int srv_log_to_journal(void);

/* The level lines are kept up to. */
srv_log_level srv_log_get_level(void);

/* "error", "warn", "info", "debug" -> level; RND_EINVAL otherwise. */
int srv_log_parse_level(const char *s, srv_log_level *out);

/* The level's name as above; static storage. */
const char *srv_log_level_name(srv_log_level level);

/* Logs one line (no newline needed) at level. */
void srv_log(srv_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Logs line as it is (no format). */
void srv_log_line(srv_log_level level, const char *line);

/* Formats one line as srv_log() would write it into out (cap bytes, with
 * the newline, NUL-terminated, cut at cap); for the tests. now_ms: the
 * time, journal: 1 for the journal's form. Returns its length. */
size_t srv_log_format(char *out, size_t cap, srv_log_level level,
                      const char *msg, long long now_ms, int journal);

#endif
