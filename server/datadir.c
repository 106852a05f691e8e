/* datadir.c: the data directory's lock and owner (see datadir.h). */
#define _XOPEN_SOURCE 700
#include "datadir.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../proto/errors.h"

int srv_datadir_lock(const char *dir, const char *what, int *fdp, char *err,
                     size_t errlen)
{
    char path[4200];
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen,
                 "no data directory %s: run 'roundsd init --data %s' first",
                 dir, dir);
        return RND_ENOTFOUND;
    }
    snprintf(path, sizeof path, "%s/%s", dir, SRV_DATADIR_LOCK_FILE);
    /* Read-write to write the holder's PID; a lock file another user
     * made (root's migrate) may only be readable, which flock allows. */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EACCES)
        fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open the lock %s: %s", path,
                 strerror(errno));
        return RND_EIO;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        char holder[64] = "";
        ssize_t n = pread(fd, holder, sizeof holder - 1, 0);
        close(fd);
        if (e != EWOULDBLOCK) {
            snprintf(err, errlen, "cannot lock %s: %s", path, strerror(e));
            return RND_EIO;
        }
        long pid = 0;
        char cmd[32] = "";
        holder[n > 0 ? n : 0] = '\0';
        if (sscanf(holder, "%ld %31s", &pid, cmd) >= 1 && pid > 0)
            snprintf(err, errlen,
                     "roundsd %s (pid %ld) is running on %s and holds its "
                     "lock: stop it first",
                     cmd[0] ? cmd : "serve", pid, dir);
        else
            snprintf(err, errlen,
                     "another roundsd is running on %s (it holds %s): stop "
                     "it first",
                     dir, path);
        return RND_EEXIST;
    }
    char line[64];
    int len = snprintf(line, sizeof line, "%ld %s\n", (long)getpid(), what);
    /* Best effort: the lock is what counts, the PID only helps the message. */
    if (ftruncate(fd, 0) == 0 && pwrite(fd, line, (size_t)len, 0) == len)
        (void)fsync(fd);
    /* Without fdp, kept open: the lock lives until this process exits. */
    if (fdp)
        *fdp = fd;
    return 0;
}

void srv_datadir_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* drops the flock */
}

void srv_datadir_owner_note(srv_datadir_owner *o, const char *dir)
{
    struct stat st;
    memset(o, 0, sizeof *o);
    if (geteuid() != 0 || dir == NULL || strlen(dir) >= sizeof o->dir ||
        stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid == 0)
        return;
    snprintf(o->dir, sizeof o->dir, "%s", dir);
    o->uid = st.st_uid;
    o->gid = st.st_gid;
    o->known = 1;
}

/* nftw has no context argument: the walk's state, one walk at a time. */
static struct {
    const srv_datadir_owner *o;
    const char *cmd;
    size_t base;
    int changed, failed;
    char first[3][256];
} walk;

static int fix_one(const char *path, const struct stat *st, int flag,
                   struct FTW *ftw)
{
    (void)flag;
    (void)ftw;
    if (st->st_uid != 0)
        return 0;
    const char *rel = path + walk.base;
    while (*rel == '/')
        rel++;
    if (*rel == '\0')
        rel = ".";
    if (lchown(path, walk.o->uid, walk.o->gid) != 0) {
        fprintf(stderr,
                "roundsd %s: %s was created as root and cannot be given to "
                "uid %ld, the data directory's owner: %s; the service "
                "cannot open it (chown -R %ld:%ld %s)\n",
                walk.cmd, path, (long)walk.o->uid, strerror(errno),
                (long)walk.o->uid, (long)walk.o->gid, walk.o->dir);
        walk.failed++;
        return 0;
    }
    if (walk.changed < 3)
        snprintf(walk.first[walk.changed], sizeof walk.first[0], "%s", rel);
    walk.changed++;
    return 0;
}

int srv_datadir_owner_fix(const srv_datadir_owner *o, const char *cmd)
{
    if (o == NULL || !o->known)
        return 0;
    memset(&walk, 0, sizeof walk);
    walk.o = o;
    walk.cmd = cmd ? cmd : "";
    walk.base = strlen(o->dir);
    if (nftw(o->dir, fix_one, 16, FTW_PHYS) != 0)
        return walk.changed;
    if (walk.changed == 0)
        return 0;
    int shown = walk.changed < 3 ? walk.changed : 3;
    char names[900] = "";
    for (int i = 0; i < shown; i++) {
        size_t l = strlen(names);
        snprintf(names + l, sizeof names - l, "%s%s",
                 i == 0                                    ? ""
                 : i == shown - 1 && walk.changed == shown ? " and "
                                                           : ", ",
                 walk.first[i]);
    }
    if (walk.changed > shown) {
        size_t l = strlen(names);
        snprintf(names + l, sizeof names - l, " and %d more",
                 walk.changed - shown);
    }
    fprintf(stderr,
            "roundsd %s: %s in %s %s created as root: given to uid %ld gid "
            "%ld, the data directory's owner, so the service can open "
            "them\n",
            walk.cmd, names, o->dir, walk.changed == 1 ? "was" : "were",
            (long)o->uid, (long)o->gid);
    return walk.changed;
}
