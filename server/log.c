/* log.c: the server's log lines, their levels and format, and the reopen
 * on SIGHUP (see log.h). */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../proto/errors.h"

#define LINE_MAX_ 4096

static atomic_int level_ = SRV_LOG_LEVEL_DEFAULT;
static atomic_int journal_;
static atomic_int opened_; /* srv_log_open() ran: serve's log */
static char path_[4096];   /* "" for stderr; set before any thread starts */

static const char *const names[] = {"error", "warn", "info", "debug"};
static const int prio[] = {3, 4, 6, 7};

const char *srv_log_level_name(srv_log_level level)
{
    return level <= SRV_LOG_DEBUG ? names[level] : "info";
}

int srv_log_parse_level(const char *s, srv_log_level *out)
{
    for (int i = 0; i <= SRV_LOG_DEBUG; i++)
        if (s && strcmp(s, names[i]) == 0) {
            *out = (srv_log_level)i;
            return 0;
        }
    return RND_EINVAL;
}

srv_log_level srv_log_get_level(void)
{
    return (srv_log_level)atomic_load(&level_);
}

int srv_log_to_journal(void)
{
    return atomic_load(&journal_);
}

/* 1 when $JOURNAL_STREAM names fd 2 (systemd.exec(5)). */
static int stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
        fstat(2, &st) != 0)
        return 0;
    return (unsigned long long)st.st_dev == dev &&
           (unsigned long long)st.st_ino == ino;
}

/* Opens path_ and puts it on fd 2. */
static int open_onto_stderr(void)
{
    int fd = open(path_, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return RND_EIO;
    if (fd != 2) {
        int e = dup2(fd, 2) < 0 ? errno : 0;
        close(fd);
        if (e) {
            errno = e;
            return RND_EIO;
        }
    }
    return 0;
}

int srv_log_open(const char *path, srv_log_level level)
{
    atomic_store(&level_, (int)level);
    atomic_store(&opened_, 1);
    if (path == NULL || strcmp(path, "stderr") == 0) {
        path_[0] = '\0';
        atomic_store(&journal_, stderr_is_journal());
        return 0;
    }
    if (strlen(path) >= sizeof path_) {
        errno = ENAMETOOLONG;
        return RND_EIO;
    }
    snprintf(path_, sizeof path_, "%s", path);
    int rc = open_onto_stderr();
    if (rc) {
        path_[0] = '\0';
        return rc;
    }
    /* stdio's stderr is unbuffered; it now writes to the file too. */
    atomic_store(&journal_, 0);
    return 0;
}

int srv_log_reopen(void)
{
    if (path_[0] == '\0')
        return 0;
    return open_onto_stderr();
}

size_t srv_log_format(char *out, size_t cap, srv_log_level level,
                      const char *msg, long long now_ms, int journal)
{
    if (cap == 0)
        return 0;
    if (level > SRV_LOG_DEBUG)
        level = SRV_LOG_INFO;
    int n;
    if (journal) {
        n = snprintf(out, cap, "<%d>", prio[level]);
    } else {
        time_t secs = (time_t)(now_ms / 1000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        n = snprintf(
            out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ roundsd[%ld]: %s: ",
            tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
            tm.tm_sec, (int)(now_ms % 1000), (long)getpid(), names[level]);
    }
    size_t len = n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
    /* The message, one line: newlines become spaces; room for "\n". */
    for (const char *p = msg; *p && len + 2 < cap; p++)
        out[len++] = *p == '\n' || *p == '\r' ? ' ' : *p;
    if (len + 1 < cap)
        out[len++] = '\n';
    out[len] = '\0';
    return len;
}

void srv_log_line(srv_log_level level, const char *line)
{
    if ((int)level > atomic_load(&level_))
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    char buf[LINE_MAX_];
    size_t len;
    if (atomic_load(&opened_))
        len = srv_log_format(buf, sizeof buf, level, line, now,
                             srv_log_to_journal());
    else /* a short command's message, as its others */
        len = (size_t)snprintf(buf, sizeof buf, "roundsd: %.4000s\n", line);
    /* One write: whole lines, whichever thread. Nothing to do on failure. */
    ssize_t w = write(2, buf, len);
    (void)w;
}

void srv_log(srv_log_level level, const char *fmt, ...)
{
    if ((int)level > atomic_load(&level_))
        return;
    char msg[LINE_MAX_];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    srv_log_line(level, msg);
}
