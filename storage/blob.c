/* blob.c: the blob store of storage/blob.h: attachment bytes in files named
 * by their SHA-256, beside a store. It owns the folder's layout (ab/cdef...,
 * partial/, tmp/), the order of writes, fsyncs and renames that makes a
 * file appear whole or not at all, and the translation of errno into
 * RND_E* codes.
 *
 * Paths, not a held folder descriptor: a folder removed or replaced behind
 * our back then gives an error instead of writes into a ghost.
 */
#include "attach.h"
#include "blob.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "../proto/errors.h"
#include "../proto/proto.h"
#include "../proto/sha256.h"

/* Longest path we build: the folder plus "/partial/" and 64 hex digits, or
 * "/tmp/" and a tmp name. Longer folders are refused at open. */
#define PATH_CAP 4096
#define NAME_ROOM 96
/* Reads and hashes go through one heap buffer of this size per call. */
#define BUF_SIZE (64 * 1024)

struct blob_store {
    char *dir; /* the folder, no trailing slash */
    size_t dir_len;
    _Atomic uint64_t seq; /* makes tmp names unique within the process */
    /* Hex folders known to exist with their entry in dir fsynced, one bit
     * each. Only ever set (or cleared when one vanished); a race costs an
     * extra fsync, never a missed one. */
    _Atomic uint64_t dir_ok[4];
};

/* ---- errors, paths, small I/O helpers ----------------------------------- */

static int err_of(int e)
{
    switch (e) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG: /* a file-size limit (RLIMIT_FSIZE): as full for us */
        return RND_EDISKFULL;
    case ENOMEM:
        return RND_ENOMEM;
    default:
        return RND_EIO;
    }
}

static const char hexd[] = "0123456789abcdef";

void blob_hex(const uint8_t hash[BLOB_HASH_LEN], char out[BLOB_HEX_LEN + 1])
{
    proto_hash_hex(hash, out);
}

int blob_unhex(const char *hex, uint8_t hash[BLOB_HASH_LEN])
{
    /* strnlen: a short string is not read past its end. */
    if (hex == NULL || strnlen(hex, BLOB_HEX_LEN + 1) != BLOB_HEX_LEN)
        return RND_EINVAL;
    return proto_hash_unhex(hex, BLOB_HEX_LEN, hash);
}

/* Lower-case hex only: the names this file writes. */
static int is_lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[n] == '\0';
}

/* dir/ab (the hex folder of hash). */
static void hexdir_path(const blob_store *bs, const uint8_t *hash,
                        char out[PATH_CAP])
{
    snprintf(out, PATH_CAP, "%s/%c%c", bs->dir, hexd[hash[0] >> 4],
             hexd[hash[0] & 15]);
}

/* dir/ab/cdef... (the attachment). */
static void obj_path(const blob_store *bs, const uint8_t *hash,
                     char out[PATH_CAP])
{
    char hex[BLOB_HEX_LEN + 1];
    blob_hex(hash, hex);
    snprintf(out, PATH_CAP, "%s/%.2s/%s", bs->dir, hex, hex + 2);
}

/* dir/partial/abcdef... */
static void partial_path(const blob_store *bs, const uint8_t *hash,
                         char out[PATH_CAP])
{
    char hex[BLOB_HEX_LEN + 1];
    blob_hex(hash, hex);
    snprintf(out, PATH_CAP, "%s/partial/%s", bs->dir, hex);
}

/* A name no other writer uses: pid (so blob_open can tell a crashed
 * writer's leftovers from a live one's), a per-store counter (threads of
 * one process) and random bits (two blob_stores of one folder in one
 * process). O_EXCL at creation is the final word. */
static void unique_name(blob_store *bs, char *out, size_t cap)
{
    uint64_t r = 0;
    (void)proto_random(&r, sizeof r); /* on failure: pid + counter still */
    uint64_t n = atomic_fetch_add(&bs->seq, 1);
    snprintf(out, cap, "%ld-%llu-%016llx", (long)getpid(),
             (unsigned long long)n, (unsigned long long)r);
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return err_of(errno);
        }
        if (w == 0)
            return RND_EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads up to n bytes; fewer only at the end of the file. */
static int read_full(int fd, uint8_t *p, size_t n, size_t *got)
{
    size_t have = 0;
    while (have < n) {
        ssize_t r = read(fd, p + have, n - have);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return err_of(errno);
        }
        if (r == 0)
            break;
        have += (size_t)r;
    }
    *got = have;
    return 0;
}

static int close_checked(int fd)
{
    /* On Linux the descriptor is gone even when close fails (EINTR
     * included), so it is never retried; an error still means the bytes
     * may not have reached the file. */
    if (close(fd) != 0 && errno != EINTR)
        return err_of(errno);
    return 0;
}

/* fsyncs a folder, so the entries made or removed in it last. */
static int fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return err_of(errno);
    int rc = 0;
    /* Some file systems cannot fsync a folder (EINVAL) and make its
     * entries durable otherwise; nothing more can be done there. */
    if (fsync(fd) != 0 && errno != EINVAL)
        rc = err_of(errno);
    close(fd);
    return rc;
}

/* The folder holding path: everything before its last '/', or ".". */
static void parent_of(const char *path, char out[PATH_CAP])
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(out, PATH_CAP, ".");
    else if (slash == path)
        snprintf(out, PATH_CAP, "/");
    else
        snprintf(out, PATH_CAP, "%.*s", (int)(slash - path), path);
}

/* Makes sure hash's hex folder exists and that its entry in dir is durable
 * before a file is renamed into it: mkdir, then fsync of dir. When mkdir
 * finds it already there it may have been made a moment ago by another
 * thread or process that has not fsynced dir yet, so dir is fsynced in
 * that case too, once per folder per blob_store. */
static int ensure_hexdir(blob_store *bs, const uint8_t *hash)
{
    unsigned i = hash[0];
    uint64_t bit = (uint64_t)1 << (i & 63);
    if (atomic_load(&bs->dir_ok[i >> 6]) & bit)
        return 0;
    char path[PATH_CAP];
    hexdir_path(bs, hash, path);
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return err_of(errno);
    int rc = fsync_dir(bs->dir);
    if (rc == 0)
        atomic_fetch_or(&bs->dir_ok[i >> 6], bit);
    return rc;
}

static void forget_hexdir(blob_store *bs, const uint8_t *hash)
{
    unsigned i = hash[0];
    atomic_fetch_and(&bs->dir_ok[i >> 6], ~((uint64_t)1 << (i & 63)));
}

/* Renames a whole, fsynced file at from into hash's place and fsyncs the
 * hex folder. A hex folder removed since we saw it is made again once. */
static int install(blob_store *bs, const char *from, const uint8_t *hash)
{
    char to[PATH_CAP], hdir[PATH_CAP];
    obj_path(bs, hash, to);
    hexdir_path(bs, hash, hdir);
    for (int attempt = 0;; attempt++) {
        int rc = ensure_hexdir(bs, hash);
        if (rc != 0)
            return rc;
        if (rename(from, to) == 0)
            break;
        if (errno != ENOENT || attempt > 0)
            return err_of(errno);
        /* from or the hex folder vanished: if it was the folder, try once
         * more after making it again. */
        if (access(from, F_OK) != 0)
            return RND_EIO;
        forget_hexdir(bs, hash);
    }
    return fsync_dir(hdir);
}

/* ---- open, close --------------------------------------------------------- */

static int mkdir_at(const char *dir, const char *sub, int *made)
{
    char path[PATH_CAP];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    if (mkdir(path, 0700) == 0) {
        *made = 1;
        return 0;
    }
    if (errno != EEXIST)
        return err_of(errno);
    struct stat st;
    if (stat(path, &st) != 0)
        return err_of(errno);
    return S_ISDIR(st.st_mode) ? 0 : RND_EIO;
}

/* A tmp file is a crashed writer's when its name carries no pid, or the
 * pid of no running process. A running one (ours included: another
 * blob_store of this process) may be writing it. No clock is asked: a
 * handheld's may jump, and a file's age says nothing about its writer.
 * A leftover whose pid was reused (after a reboot) stays until an open
 * when that pid has gone: it costs only room. */
static int tmp_is_leftover(const char *name)
{
    char *end;
    errno = 0;
    long pid = strtol(name, &end, 10);
    if (errno != 0 || end == name || *end != '-' || pid <= 0)
        return 1;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static int clean_tmp(const char *dir)
{
    char path[PATH_CAP];
    snprintf(path, sizeof path, "%s/tmp", dir);
    DIR *d = opendir(path);
    if (d == NULL)
        return err_of(errno);
    int dfd = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue; /* removed meanwhile */
        if (!S_ISREG(st.st_mode) || !tmp_is_leftover(e->d_name))
            continue;
        /* Best effort: a folder we may not write (a backup mounted
         * read-only) can still be read, and a leftover costs only room. */
        (void)unlinkat(dfd, e->d_name, 0);
    }
    closedir(d);
    return 0;
}

/* Marks the hex folders already in dir as known: dir is fsynced after this
 * (by the caller), so their entries are durable, and puts into them need
 * not fsync dir again. *any says whether there was one. */
static int scan_hexdirs(blob_store *bs, int *any)
{
    DIR *d = opendir(bs->dir);
    if (d == NULL)
        return err_of(errno);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!is_lower_hex(e->d_name, 2))
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISDIR(st.st_mode))
            continue;
        unsigned i = (unsigned)strtoul(
            (const char[3]){e->d_name[0], e->d_name[1], '\0'}, NULL, 16);
        atomic_fetch_or(&bs->dir_ok[i >> 6], (uint64_t)1 << (i & 63));
        *any = 1;
    }
    closedir(d);
    return 0;
}

int blob_open(blob_store **out, const char *dir)
{
    if (out == NULL || dir == NULL || dir[0] == '\0')
        return RND_EINVAL;
    *out = NULL;
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    if (len + NAME_ROOM >= PATH_CAP)
        return RND_EINVAL;
    blob_store *bs = calloc(1, sizeof *bs);
    if (bs == NULL)
        return RND_ENOMEM;
    bs->dir = malloc(len + 1);
    if (bs->dir == NULL) {
        free(bs);
        return RND_ENOMEM;
    }
    memcpy(bs->dir, dir, len);
    bs->dir[len] = '\0';
    bs->dir_len = len;
    atomic_init(&bs->seq, 0);
    for (int i = 0; i < 4; i++)
        atomic_init(&bs->dir_ok[i], 0);

    /* The folder itself: only its last component is made; the store's
     * folder above it must exist (a missing one is an error, not a tree of
     * folders made in the wrong place). */
    int rc = 0, made = 0; /* made: tmp/ or partial/ was made */
    if (mkdir(bs->dir, 0700) == 0) {
        char parent[PATH_CAP];
        parent_of(bs->dir, parent);
        rc = fsync_dir(parent);
    } else if (errno != EEXIST) {
        rc = err_of(errno);
    }
    if (rc == 0)
        rc = mkdir_at(bs->dir, "tmp", &made);
    if (rc == 0)
        rc = mkdir_at(bs->dir, "partial", &made);
    int any = 0;
    if (rc == 0)
        rc = scan_hexdirs(bs, &any);
    if (rc == 0 && made) {
        rc = fsync_dir(bs->dir);
    } else if (rc == 0 && any && fsync_dir(bs->dir) != 0) {
        /* Not ours to fsync (a read-only mount): the puts, if any can
         * be made, fsync dir themselves. */
        for (int i = 0; i < 4; i++)
            atomic_store(&bs->dir_ok[i], 0);
    }
    if (rc == 0)
        rc = clean_tmp(bs->dir);
    if (rc != 0) {
        blob_close(bs);
        return rc;
    }
    *out = bs;
    return 0;
}

void blob_close(blob_store *bs)
{
    if (bs == NULL)
        return;
    free(bs->dir);
    free(bs);
}

/* ---- whole attachments --------------------------------------------------- */

int blob_put(blob_store *bs, const uint8_t *data, size_t len,
             uint8_t hash_out[BLOB_HASH_LEN])
{
    if (bs == NULL || (data == NULL && len > 0))
        return RND_EINVAL;
    uint8_t hash[BLOB_HASH_LEN];
    proto_sha256(data, len, hash);
    if (hash_out != NULL)
        memcpy(hash_out, hash, sizeof hash);

    char path[PATH_CAP];
    struct stat st;
    obj_path(bs, hash, path);
    if (stat(path, &st) == 0)
        return 0; /* content-addressed: the same bytes are there */
    if (errno != ENOENT)
        return err_of(errno);

    char tmp[PATH_CAP], name[NAME_ROOM];
    unique_name(bs, name, sizeof name);
    snprintf(tmp, sizeof tmp, "%s/tmp/%s", bs->dir, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_of(errno);
    int rc = write_all(fd, data, len);
    /* fsync, not fdatasync: the new file's size is metadata. */
    if (rc == 0 && fsync(fd) != 0)
        rc = err_of(errno);
    int crc = close_checked(fd);
    if (rc == 0)
        rc = crc;
    if (rc == 0)
        rc = install(bs, tmp, hash);
    if (rc != 0)
        unlink(tmp); /* nothing half-written stays, not even in tmp/ */
    return rc;
}

int blob_has(blob_store *bs, const uint8_t hash[BLOB_HASH_LEN], uint64_t *size)
{
    if (bs == NULL || hash == NULL)
        return RND_EINVAL;
    char path[PATH_CAP];
    struct stat st;
    obj_path(bs, hash, path);
    if (stat(path, &st) != 0)
        return errno == ENOENT ? RND_ENOTFOUND : err_of(errno);
    if (!S_ISREG(st.st_mode))
        return RND_EIO;
    if (size != NULL)
        *size = (uint64_t)st.st_size;
    return 0;
}

static int open_obj(blob_store *bs, const uint8_t *hash, int *fd)
{
    char path[PATH_CAP];
    obj_path(bs, hash, path);
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return errno == ENOENT ? RND_ENOTFOUND : err_of(errno);
    return 0;
}

int blob_read(blob_store *bs, const uint8_t hash[BLOB_HASH_LEN],
              uint64_t offset, uint8_t *buf, size_t len, size_t *got)
{
    if (bs == NULL || hash == NULL || got == NULL || (buf == NULL && len > 0))
        return RND_EINVAL;
    *got = 0;
    if (offset > (uint64_t)INT64_MAX)
        return RND_EINVAL;
    int fd, rc = open_obj(bs, hash, &fd);
    if (rc != 0)
        return rc;
    size_t have = 0;
    while (have < len) {
        ssize_t r = pread(fd, buf + have, len - have, (off_t)(offset + have));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = err_of(errno);
            break;
        }
        if (r == 0)
            break;
        have += (size_t)r;
    }
    close(fd);
    if (rc == 0)
        *got = have;
    return rc;
}

/* Hashes fd from its present position to its end into out; when copy_fd
 * is not -1, writes every byte read there too. *total is the count. */
static int hash_fd(int fd, int copy_fd, uint8_t out[BLOB_HASH_LEN],
                   uint64_t *total)
{
    uint8_t *buf = malloc(BUF_SIZE);
    if (buf == NULL)
        return RND_ENOMEM;
    proto_sha256_ctx ctx;
    proto_sha256_init(&ctx);
    uint64_t n = 0;
    int rc;
    for (;;) {
        size_t got;
        rc = read_full(fd, buf, BUF_SIZE, &got);
        if (rc != 0 || got == 0)
            break;
        proto_sha256_update(&ctx, buf, got);
        n += got;
        if (copy_fd >= 0 && (rc = write_all(copy_fd, buf, got)) != 0)
            break;
    }
    free(buf);
    if (rc == 0) {
        proto_sha256_final(&ctx, out);
        if (total != NULL)
            *total = n;
    }
    return rc;
}

int blob_verify(blob_store *bs, const uint8_t hash[BLOB_HASH_LEN])
{
    if (bs == NULL || hash == NULL)
        return RND_EINVAL;
    int fd, rc = open_obj(bs, hash, &fd);
    if (rc != 0)
        return rc;
    uint8_t got[BLOB_HASH_LEN];
    rc = hash_fd(fd, -1, got, NULL);
    close(fd);
    if (rc == 0 && memcmp(got, hash, BLOB_HASH_LEN) != 0)
        rc = RND_EHASH;
    return rc;
}

int blob_export(blob_store *bs, const uint8_t hash[BLOB_HASH_LEN],
                const char *path)
{
    if (bs == NULL || hash == NULL || path == NULL || path[0] == '\0')
        return RND_EINVAL;
    char tmp[PATH_CAP], dir[PATH_CAP], name[NAME_ROOM];
    unique_name(bs, name, sizeof name);
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp-%s", path, name) >=
        sizeof tmp)
        return RND_EINVAL;
    parent_of(path, dir);

    int in, rc = open_obj(bs, hash, &in);
    if (rc != 0)
        return rc;
    /* 0600: attachments are residents' photos and signatures; whoever
     * exported one widens it on purpose. */
    int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        rc = err_of(errno);
        close(in);
        return rc;
    }
    uint8_t got[BLOB_HASH_LEN];
    rc = hash_fd(in, out, got, NULL);
    close(in);
    if (rc == 0 && memcmp(got, hash, BLOB_HASH_LEN) != 0)
        rc = RND_EHASH;
    if (rc == 0 && fsync(out) != 0)
        rc = err_of(errno);
    int crc = close_checked(out);
    if (rc == 0)
        rc = crc;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = err_of(errno);
    if (rc != 0) {
        unlink(tmp);
        return rc;
    }
    return fsync_dir(dir);
}

int blob_remove(blob_store *bs, const uint8_t hash[BLOB_HASH_LEN])
{
    if (bs == NULL || hash == NULL)
        return RND_EINVAL;
    char path[PATH_CAP], hdir[PATH_CAP];
    obj_path(bs, hash, path);
    if (unlink(path) != 0)
        return errno == ENOENT ? RND_ENOTFOUND : err_of(errno);
    /* A purge must stay done after a crash. */
    hexdir_path(bs, hash, hdir);
    return fsync_dir(hdir);
}

/* ---- resumable uploads --------------------------------------------------- */

int blob_partial_size(blob_store *bs, const uint8_t hash[BLOB_HASH_LEN],
                      uint64_t *have)
{
    if (bs == NULL || hash == NULL || have == NULL)
        return RND_EINVAL;
    *have = 0;
    uint64_t size;
    int rc = blob_has(bs, hash, &size);
    if (rc == 0) {
        *have = size;
        return 0;
    }
    if (rc != RND_ENOTFOUND)
        return rc;
    char path[PATH_CAP];
    struct stat st;
    partial_path(bs, hash, path);
    if (stat(path, &st) != 0)
        return errno == ENOENT ? 0 : err_of(errno);
    *have = (uint64_t)st.st_size;
    return 0;
}

int blob_partial_write(blob_store *bs, const uint8_t hash[BLOB_HASH_LEN],
                       uint64_t offset, const uint8_t *data, size_t len)
{
    if (bs == NULL || hash == NULL || (data == NULL && len > 0))
        return RND_EINVAL;
    int rc = blob_has(bs, hash, NULL);
    if (rc == 0)
        return RND_EEXIST; /* already whole: nothing more to take */
    if (rc != RND_ENOTFOUND)
        return rc;
    char path[PATH_CAP];
    partial_path(bs, hash, path);
    /* Only an upload's first bytes make its file: a resume of one that is
     * gone is refused without leaving an empty one behind. */
    int fd =
        open(path, O_WRONLY | O_CLOEXEC | (offset == 0 ? O_CREAT : 0), 0600);
    if (fd < 0)
        return errno == ENOENT && offset != 0 ? RND_EINVAL : err_of(errno);
    struct stat st;
    if (fstat(fd, &st) != 0)
        rc = err_of(errno);
    else if ((uint64_t)st.st_size != offset)
        rc = RND_EINVAL; /* the caller asks where to resume */
    else if (lseek(fd, (off_t)offset, SEEK_SET) < 0)
        rc = err_of(errno);
    else
        rc = write_all(fd, data, len);
    /* A failed write may leave a tail: it is bytes received, and whatever
     * is wrong with it blob_partial_finish's rehash finds. */
    int crc = close_checked(fd);
    return rc != 0 ? rc : crc;
}

int blob_partial_finish(blob_store *bs, const uint8_t hash[BLOB_HASH_LEN],
                        uint64_t total)
{
    if (bs == NULL || hash == NULL)
        return RND_EINVAL;
    char path[PATH_CAP];
    partial_path(bs, hash, path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT)
            return err_of(errno);
        /* Nothing held: fine when it is already whole (another upload of
         * the same bytes finished first), or when it is empty. */
        uint64_t size;
        int rc = blob_has(bs, hash, &size);
        if (rc == 0)
            return size == total ? 0 : RND_EINVAL;
        if (rc != RND_ENOTFOUND)
            return rc;
        if (total != 0)
            return RND_EINVAL;
        uint8_t empty[BLOB_HASH_LEN];
        rc = blob_put(bs, NULL, 0, empty);
        if (rc == 0 && memcmp(empty, hash, BLOB_HASH_LEN) != 0) {
            blob_remove(bs, empty);
            rc = RND_EHASH;
        }
        return rc;
    }
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0) {
        rc = err_of(errno);
    } else if ((uint64_t)st.st_size < total) {
        rc = RND_EINVAL; /* kept: the upload goes on */
    } else if ((uint64_t)st.st_size > total) {
        rc = RND_EINVAL; /* more than the whole: it cannot be right */
        unlink(path);
    } else {
        uint8_t got[BLOB_HASH_LEN];
        uint64_t n = 0;
        rc = hash_fd(fd, -1, got, &n);
        if (rc == 0 && (n != total || memcmp(got, hash, BLOB_HASH_LEN))) {
            rc = RND_EHASH;
            unlink(path);
        }
        /* Its bytes durable before its name says it is whole. */
        if (rc == 0 && fsync(fd) != 0)
            rc = err_of(errno);
    }
    close(fd);
    if (rc == 0)
        rc = install(bs, path, hash);
    return rc;
}

int blob_partial_drop(blob_store *bs, const uint8_t hash[BLOB_HASH_LEN])
{
    if (bs == NULL || hash == NULL)
        return RND_EINVAL;
    char path[PATH_CAP];
    partial_path(bs, hash, path);
    if (unlink(path) != 0 && errno != ENOENT)
        return err_of(errno);
    return 0;
}

/* ---- the walk ------------------------------------------------------------ */

static int each_in(blob_store *bs, unsigned i, blob_each_fn fn, void *arg)
{
    char path[PATH_CAP];
    uint8_t first = (uint8_t)i;
    hexdir_path(bs, &first, path);
    DIR *d = opendir(path);
    if (d == NULL)
        return errno == ENOENT ? 0 : err_of(errno);
    int dfd = dirfd(d), rc = 0;
    struct dirent *e;
    for (;;) {
        errno = 0;
        e = readdir(d);
        if (e == NULL) {
            if (errno != 0)
                rc = err_of(errno);
            break;
        }
        if (!is_lower_hex(e->d_name, BLOB_HEX_LEN - 2))
            continue;
        struct stat st;
        if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT)
                continue; /* removed meanwhile */
            rc = err_of(errno);
            break;
        }
        if (!S_ISREG(st.st_mode))
            continue;
        char hex[BLOB_HEX_LEN + 1];
        uint8_t hash[BLOB_HASH_LEN];
        hex[0] = hexd[i >> 4];
        hex[1] = hexd[i & 15];
        memcpy(hex + 2, e->d_name, BLOB_HEX_LEN - 2 + 1);
        if (blob_unhex(hex, hash) != 0)
            continue;
        rc = fn(hash, (uint64_t)st.st_size, (int64_t)st.st_mtime, arg);
        if (rc != 0)
            break;
    }
    closedir(d);
    return rc;
}

int blob_each(blob_store *bs, blob_each_fn fn, void *arg)
{
    if (bs == NULL || fn == NULL)
        return RND_EINVAL;
    /* Only the 256 two-digit lower-case folders are opened: tmp/,
     * partial/ and anything else in the folder are never walked. */
    for (unsigned i = 0; i < 256; i++) {
        int rc = each_in(bs, i, fn, arg);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int blob_now(blob_store *bs, int64_t *now_s)
{
    char dir[PATH_CAP], name[NAME_ROOM];
    unique_name(bs, name, sizeof name);
    snprintf(dir, sizeof dir, "%s/tmp", bs->dir);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return err_of(errno);
    int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        int rc = err_of(errno);
        close(dfd);
        return rc;
    }
    close(fd);
    /* Read back as blob_each reads the files it lists (fstatat), so both
     * see one clock whatever sits between us and the kernel. */
    struct stat st;
    int rc =
        fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : err_of(errno);
    unlinkat(dfd, name, 0);
    close(dfd);
    if (rc == 0)
        *now_s = (int64_t)st.st_mtime;
    return rc;
}
