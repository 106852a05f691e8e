/* test_srv_log.c: the log's line format (server/log.h): a file's line with
 * its UTC time, pid and level, the journal's priority prefixes, a
 * message's newlines flattened, a long line cut with its newline kept;
 * the level names; and the lock of the data directory (datadir.h): a
 * second taker is refused naming the first one's pid, and an unlock frees
 * it. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../proto/errors.h"
#include "../test.h"
#include "datadir.h"
#include "log.h"

int main(void)
{
    char buf[256], want[256];
    /* 2026-12-03T04:05:06.123Z */
    long long t = 1796270706123LL;
    srv_log_format(buf, sizeof buf, SRV_LOG_INFO, "listening on 1.2.3.4:7", t,
                   0);
    snprintf(want, sizeof want,
             "2026-12-03T04:05:06.123Z roundsd[%ld]: info: listening on "
             "1.2.3.4:7\n",
             (long)getpid());
    ASSERT_STR_EQ(buf, want);
    srv_log_format(buf, sizeof buf, SRV_LOG_ERROR, "disk\nfull", t, 0);
    ASSERT(strstr(buf, ": error: disk full\n") != NULL);

    /* The journal: the priority, no time. */
    srv_log_format(buf, sizeof buf, SRV_LOG_ERROR, "x", t, 1);
    ASSERT_STR_EQ(buf, "<3>x\n");
    srv_log_format(buf, sizeof buf, SRV_LOG_WARN, "x", t, 1);
    ASSERT_STR_EQ(buf, "<4>x\n");
    srv_log_format(buf, sizeof buf, SRV_LOG_INFO, "x", t, 1);
    ASSERT_STR_EQ(buf, "<6>x\n");
    srv_log_format(buf, sizeof buf, SRV_LOG_DEBUG, "a\r\nb", t, 1);
    ASSERT_STR_EQ(buf, "<7>a  b\n");

    /* Cut to the buffer, still one line. */
    char small[16];
    size_t n = srv_log_format(small, sizeof small, SRV_LOG_INFO,
                              "a long message indeed", t, 1);
    ASSERT_EQ(n, strlen(small));
    ASSERT(n < sizeof small);
    ASSERT_EQ(small[n - 1], '\n');

    srv_log_level lv;
    ASSERT_OK(srv_log_parse_level("debug", &lv));
    ASSERT_EQ(lv, SRV_LOG_DEBUG);
    ASSERT_OK(srv_log_parse_level("warn", &lv));
    ASSERT_EQ(lv, SRV_LOG_WARN);
    ASSERT_EQ(srv_log_parse_level("verbose", &lv), RND_EINVAL);
    ASSERT_STR_EQ(srv_log_level_name(SRV_LOG_ERROR), "error");

    /* The lock: a child holds it; this process is refused, naming it. */
    char dir[] = "/tmp/rnd-lock-XXXXXX";
    ASSERT(mkdtemp(dir) != NULL);
    char err[600];
    int up[2], down[2]; /* child to parent, parent to child */
    ASSERT_EQ(pipe(up), 0);
    ASSERT_EQ(pipe(down), 0);
    pid_t child = fork();
    ASSERT(child >= 0);
    if (child == 0) {
        int fd;
        char e[600];
        char ok = srv_datadir_lock(dir, "serve", &fd, e, sizeof e) == 0;
        ssize_t w = write(up[1], &ok, 1);
        (void)w;
        char c;
        w = read(down[0], &c, 1); /* until the parent is done */
        _exit(0);
    }
    char ok = 0;
    ASSERT_EQ(read(up[0], &ok, 1), 1);
    ASSERT_EQ(ok, 1);
    ASSERT_EQ(srv_datadir_lock(dir, "migrate", NULL, err, sizeof err),
              RND_EEXIST);
    char pid[64];
    snprintf(pid, sizeof pid, "roundsd serve (pid %ld) is running on",
             (long)child);
    ASSERT(strstr(err, pid) != NULL);
    ASSERT_EQ(write(down[1], "x", 1), 1);
    int st;
    ASSERT_EQ(waitpid(child, &st, 0), child);
    /* The holder is gone: the lock is free, its file notwithstanding. */
    int fd;
    ASSERT_OK(srv_datadir_lock(dir, "migrate", &fd, err, sizeof err));
    srv_datadir_unlock(fd);
    ASSERT_OK(srv_datadir_lock(dir, "serve", &fd, err, sizeof err));
    srv_datadir_unlock(fd);
    char lp[128];
    snprintf(lp, sizeof lp, "%s/lock", dir);
    unlink(lp);
    rmdir(dir);
    ASSERT_EQ(srv_datadir_lock(dir, "serve", NULL, err, sizeof err),
              RND_ENOTFOUND);
    return 0;
}
