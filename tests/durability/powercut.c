/* powercut.c: an LD_PRELOAD shim that shows what a power cut would leave
 * of a store, for the durability tests of this folder.
 *
 * The model. A write to a store file (a regular file whose path ends in
 * ROUNDS_POWERCUT_FILES, "/data.mdb" by default: LMDB's data file; the
 * lock file holds nothing durable) reaches the page cache only. It
 * becomes durable when:
 *   - fsync() or fdatasync() of any descriptor of the same file returns
 *     (they flush the whole inode), or sync()/syncfs() returns;
 *   - it was written through a descriptor opened with O_DSYNC or O_SYNC,
 *     and then only the bytes that write covered (Linux syncs that range
 *     before the write returns: generic_write_sync). LMDB 0.9 writes its
 *     meta page this way, on a second descriptor opened O_WRONLY|O_DSYNC
 *     (mdb.c, MDB_O_META), unless MDB_NOSYNC or MDB_NOMETASYNC send it to
 *     the plain one; data pages go to the plain one with pwrite/pwritev and
 *     are flushed by fdatasync (fsync on old ext3/ext4 kernels) before the
 *     meta page is written, unless MDB_NOSYNC.
 * The shim keeps, per store file, an image of its durable bytes: the file
 * as this process first saw it (what earlier processes left is taken as
 * durable), updated as above. At the cut it writes that image over the
 * file (and truncates it to the image's size), so every write not yet
 * durable is dropped, and a store reopened afterwards holds what a disk
 * would hold after a real power cut at that instant.
 *
 * Not modelled, said here so no test leans on it: a new file's directory
 * entry (LMDB never fsyncs the directory; ext4's journal commits it with
 * the file's first fsync); writes through a writable shared map (MDB_WRITEMAP:
 * the shim refuses such a map of a store file and aborts, it cannot see
 * them); writes in a forked child (tracking stops in children).
 *
 * When the power goes (ROUNDS_POWERCUT_AT):
 *   exit        (the default) as the process ends, by exit() or _exit():
 *               the moment a `rounds` command's exit status reports done.
 *               The cut runs before stdio flushes stdout, so nothing the
 *               command prints can be seen before it.
 *   push_ack:N  when roundsd hands the Nth PUSH_ACK frame (all sessions
 *               counted) to mbedtls_ssl_write, before it is encrypted, so
 *               the acknowledgement never leaves the process; the process
 *               then ends with status 86 (POWERCUT_STATUS).
 * ROUNDS_POWERCUT_LOG names a file each cut appends lines to:
 *   cut at=exit pid=P
 *   cut at=push_ack batch=B acked_seq=S pid=P
 *   file PATH kept=BYTES dropped_writes=N dropped_bytes=M
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define POWERCUT_STATUS 86
#define MAX_FILES 64
#define MAX_SSL 64
/* Our own descriptors of the store files sit above the program's. */
#define FD_FLOOR 700

typedef struct range {
    off_t off;
    size_t len;
} range;

typedef struct tracked {
    dev_t dev;
    ino_t ino;
    int fd; /* our duplicate: reads and the restore */
    char path[PATH_MAX];
    uint8_t *img; /* the durable bytes */
    size_t img_len;
    range *dirty; /* writes not yet durable, oldest first */
    size_t ndirty, cap;
} tracked;

/* A TLS connection's plaintext, cut into frames: 4-byte big-endian body
 * length, then the body (proto/msg.h). */
typedef struct framer {
    const void *ssl;
    uint8_t hdr[4];
    unsigned hdr_have;
    uint32_t body_len, body_have;
    uint8_t head[24]; /* the body's first bytes */
} framer;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static tracked files[MAX_FILES];
static int nfiles;
static framer framers[MAX_SSL];
static unsigned long acks_seen;
static pid_t owner;
static int disabled; /* in a forked child */
static int cut_done;

/* ---- the real functions -------------------------------------------------- */

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev64)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev2)(int, const struct iovec *, int, off_t, int);
static ssize_t (*real_pwritev64v2)(int, const struct iovec *, int, off_t, int);
static ssize_t (*real_pread)(int, void *, size_t, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_syncfs)(int);
static void (*real_sync)(void);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static void *(*real_mmap64)(void *, size_t, int, int, int, off_t);
static void (*real__exit)(int);
static void (*real__Exit)(int);
static int (*real_ssl_write)(void *, const unsigned char *, size_t);
static int (*real_ssl_setup)(void *, const void *);
static void (*real_ssl_free)(void *);

static void *next(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

/* Resolved lazily: a library's constructor may write before ours runs. */
#define REAL(f, name)                                                          \
    do {                                                                       \
        if (f == NULL)                                                         \
            *(void **)&f = next(name);                                         \
    } while (0)

static void die(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    REAL(real_write, "write");
    if (n > 0 && real_write)
        (void)!real_write(2, buf,
                          (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
    abort();
}

/* ---- store files ----------------------------------------------------------
 */

static const char *suffix(void)
{
    const char *s = getenv("ROUNDS_POWERCUT_FILES");
    return s && *s ? s : "/data.mdb";
}

static int read_all(int fd, uint8_t *buf, size_t len, off_t off)
{
    REAL(real_pread, "pread");
    while (len > 0) {
        ssize_t r = real_pread(fd, buf, len, off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        buf += r;
        len -= (size_t)r;
        off += r;
    }
    return 0;
}

/* Sets the image's length, zero-filling a growth. */
static void img_resize(tracked *t, size_t len)
{
    if (len > t->img_len) {
        uint8_t *p = realloc(t->img, len);
        if (p == NULL)
            die("powercut: out of memory for %s\n", t->path);
        memset(p + t->img_len, 0, len - t->img_len);
        t->img = p;
    }
    t->img_len = len;
}

/* The image takes the file's bytes [off, off + len) as durable. */
static void img_take(tracked *t, off_t off, size_t len, size_t file_len)
{
    if ((size_t)off >= file_len)
        return;
    if ((size_t)off + len > file_len)
        len = file_len - (size_t)off;
    if ((size_t)off + len > t->img_len)
        img_resize(t, (size_t)off + len);
    if (read_all(t->fd, t->img + off, len, off) != 0)
        die("powercut: cannot read back %s\n", t->path);
}

/* The store file behind fd, first seen now if add; NULL for any other
 * descriptor. Called with mu held, before the write it is for. */
static tracked *lookup(int fd, int add)
{
    struct stat st;
    if (disabled || fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return NULL;
    for (int i = 0; i < nfiles; i++)
        if (files[i].dev == st.st_dev && files[i].ino == st.st_ino)
            return &files[i];
    if (!add)
        return NULL;
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0)
        return NULL;
    path[n] = '\0';
    const char *sfx = suffix();
    size_t sl = strlen(sfx);
    if ((size_t)n < sl || strcmp(path + n - sl, sfx) != 0)
        return NULL;
    if (nfiles == MAX_FILES)
        die("powercut: more than %d store files\n", MAX_FILES);
    if (owner == 0)
        owner = getpid();
    tracked *t = &files[nfiles];
    memset(t, 0, sizeof *t);
    t->dev = st.st_dev;
    t->ino = st.st_ino;
    snprintf(t->path, sizeof t->path, "%s", path);
    t->fd = fcntl(fd, F_DUPFD_CLOEXEC, FD_FLOOR);
    if (t->fd < 0)
        die("powercut: cannot keep a descriptor of %s\n", path);
    img_take(t, 0, (size_t)st.st_size, (size_t)st.st_size);
    t->img_len = (size_t)st.st_size;
    nfiles++;
    return t;
}

static size_t file_size(tracked *t)
{
    struct stat st;
    if (fstat(t->fd, &st) != 0)
        die("powercut: cannot stat %s\n", t->path);
    return (size_t)st.st_size;
}

/* A write of len bytes at off through fd reached the file. */
static void wrote(tracked *t, int fd, off_t off, size_t len)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && (fl & O_DSYNC)) {
        /* O_SYNC includes the O_DSYNC bit on Linux. */
        img_take(t, off, len, file_size(t));
        return;
    }
    if (t->ndirty == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        range *r = realloc(t->dirty, cap * sizeof *r);
        if (r == NULL)
            die("powercut: out of memory for %s\n", t->path);
        t->dirty = r;
        t->cap = cap;
    }
    t->dirty[t->ndirty++] = (range){off, len};
}

/* A sync of t returned: the first n dirty writes, made before it began,
 * and the size the file had then, are durable. LMDB writes one file
 * from one thread at a time, so their bytes are still those the sync
 * flushed. */
static void settle(tracked *t, size_t n, size_t size_then)
{
    if (n > t->ndirty)
        n = t->ndirty;
    img_resize(t, size_then);
    for (size_t i = 0; i < n; i++)
        img_take(t, t->dirty[i].off, t->dirty[i].len, size_then);
    memmove(t->dirty, t->dirty + n, (t->ndirty - n) * sizeof *t->dirty);
    t->ndirty -= n;
}

/* ---- the cut --------------------------------------------------------------
 */

static void logf_line(const char *fmt, ...)
{
    const char *path = getenv("ROUNDS_POWERCUT_LOG");
    if (path == NULL || *path == '\0')
        return;
    FILE *f = fopen(path, "a");
    if (f == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
}

/* The power goes: every store file is set to its durable image. Called
 * with mu held; it stays held, so no other thread writes afterwards. */
static void cut(const char *head)
{
    if (cut_done || disabled || (owner != 0 && getpid() != owner))
        return;
    cut_done = 1;
    REAL(real_pwrite, "pwrite");
    logf_line("cut at=%s pid=%ld\n", head, (long)getpid());
    for (int i = 0; i < nfiles; i++) {
        tracked *t = &files[i];
        size_t bytes = 0;
        for (size_t j = 0; j < t->ndirty; j++)
            bytes += t->dirty[j].len;
        size_t done = 0;
        while (done < t->img_len) {
            ssize_t w = real_pwrite(t->fd, t->img + done, t->img_len - done,
                                    (off_t)done);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                die("powercut: cannot restore %s\n", t->path);
            done += (size_t)w;
        }
        if (ftruncate(t->fd, (off_t)t->img_len) != 0)
            die("powercut: cannot truncate %s\n", t->path);
        logf_line("file %s kept=%zu dropped_writes=%zu dropped_bytes=%zu\n",
                  t->path, t->img_len, t->ndirty, bytes);
    }
}

static int at_exit_mode(void)
{
    const char *at = getenv("ROUNDS_POWERCUT_AT");
    return at == NULL || *at == '\0' || strcmp(at, "exit") == 0;
}

static void on_fork_child(void)
{
    disabled = 1;
}

__attribute__((constructor)) static void powercut_init(void)
{
    owner = getpid();
    pthread_atfork(NULL, NULL, on_fork_child);
}

/* Runs from exit() after the atexit handlers and before stdio's final
 * flush (glibc runs _dl_fini, which calls destructors, then _IO_cleanup). */
__attribute__((destructor)) static void powercut_fini(void)
{
    if (!at_exit_mode())
        return;
    pthread_mutex_lock(&mu);
    cut("exit");
    pthread_mutex_unlock(&mu);
}

void _exit(int status)
{
    REAL(real__exit, "_exit");
    if (at_exit_mode()) {
        pthread_mutex_lock(&mu);
        cut("exit");
    }
    real__exit(status);
    abort();
}

void _Exit(int status)
{
    REAL(real__Exit, "_Exit");
    if (at_exit_mode()) {
        pthread_mutex_lock(&mu);
        cut("exit");
    }
    real__Exit(status);
    abort();
}

/* ---- writes ---------------------------------------------------------------
 */

/* Every write wrapper: find the file first (its image is taken before the
 * first write), write under mu so a cut never falls inside a write, then
 * note what reached it. Other descriptors go straight through. */
#define TRACKED_WRITE(fd, off_expr, call)                                      \
    do {                                                                       \
        pthread_mutex_lock(&mu);                                               \
        tracked *t_ = lookup(fd, 1);                                           \
        if (t_ == NULL) {                                                      \
            pthread_mutex_unlock(&mu);                                         \
            return call;                                                       \
        }                                                                      \
        if (cut_done)                                                          \
            die("powercut: %s written after the cut\n", t_->path);             \
        ssize_t r_ = call;                                                     \
        int e_ = errno;                                                        \
        if (r_ > 0)                                                            \
            wrote(t_, fd, (off_expr), (size_t)r_);                             \
        pthread_mutex_unlock(&mu);                                             \
        errno = e_;                                                            \
        return r_;                                                             \
    } while (0)

static off_t pos_before(int fd, ssize_t r)
{
    return lseek(fd, 0, SEEK_CUR) - r;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    REAL(real_write, "write");
    TRACKED_WRITE(fd, pos_before(fd, r_), real_write(fd, buf, n));
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
    REAL(real_writev, "writev");
    TRACKED_WRITE(fd, pos_before(fd, r_), real_writev(fd, iov, n));
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    REAL(real_pwrite, "pwrite");
    TRACKED_WRITE(fd, off, real_pwrite(fd, buf, n, off));
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    REAL(real_pwrite64, "pwrite64");
    TRACKED_WRITE(fd, off, real_pwrite64(fd, buf, n, off));
}

ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
    REAL(real_pwritev, "pwritev");
    TRACKED_WRITE(fd, off, real_pwritev(fd, iov, n, off));
}

ssize_t pwritev64(int fd, const struct iovec *iov, int n, off_t off)
{
    REAL(real_pwritev64, "pwritev64");
    TRACKED_WRITE(fd, off, real_pwritev64(fd, iov, n, off));
}

ssize_t pwritev2(int fd, const struct iovec *iov, int n, off_t off, int fl)
{
    REAL(real_pwritev2, "pwritev2");
    /* off -1 writes at the file position; RWF_DSYNC/RWF_SYNC make this
     * one write durable like O_DSYNC, which wrote() cannot see: refuse. */
    if (fl & (RWF_DSYNC | RWF_SYNC))
        die("powercut: pwritev2 with RWF_DSYNC is not modelled\n");
    TRACKED_WRITE(fd, off == -1 ? pos_before(fd, r_) : off,
                  real_pwritev2(fd, iov, n, off, fl));
}

ssize_t pwritev64v2(int fd, const struct iovec *iov, int n, off_t off, int fl)
{
    REAL(real_pwritev64v2, "pwritev64v2");
    if (fl & (RWF_DSYNC | RWF_SYNC))
        die("powercut: pwritev2 with RWF_DSYNC is not modelled\n");
    TRACKED_WRITE(fd, off == -1 ? pos_before(fd, r_) : off,
                  real_pwritev64v2(fd, iov, n, off, fl));
}

/* ---- syncs ----------------------------------------------------------------
 */

/* fsync and fdatasync: the writes made before the call are durable once
 * it returns 0. */
static int sync_one(int fd, int (*fn)(int))
{
    pthread_mutex_lock(&mu);
    tracked *t = lookup(fd, 1);
    size_t n = t ? t->ndirty : 0;
    size_t size = t ? file_size(t) : 0;
    pthread_mutex_unlock(&mu);
    int rc = fn(fd);
    int e = errno;
    if (rc == 0 && t) {
        pthread_mutex_lock(&mu);
        if (!cut_done)
            settle(t, n, size);
        pthread_mutex_unlock(&mu);
    }
    errno = e;
    return rc;
}

int fsync(int fd)
{
    REAL(real_fsync, "fsync");
    return sync_one(fd, real_fsync);
}

int fdatasync(int fd)
{
    REAL(real_fdatasync, "fdatasync");
    return sync_one(fd, real_fdatasync);
}

/* sync() and syncfs(): every store file (they may sit on another file
 * system than syncfs's fd; a test's stores share one). fd -1 is sync(). */
static int sync_all(int fd)
{
    size_t n[MAX_FILES], size[MAX_FILES];
    pthread_mutex_lock(&mu);
    int count = nfiles;
    for (int i = 0; i < count; i++) {
        n[i] = files[i].ndirty;
        size[i] = file_size(&files[i]);
    }
    pthread_mutex_unlock(&mu);
    int rc = 0;
    if (fd < 0)
        real_sync();
    else
        rc = real_syncfs(fd);
    int e = errno;
    if (rc == 0) {
        pthread_mutex_lock(&mu);
        for (int i = 0; i < count && !cut_done; i++)
            settle(&files[i], n[i], size[i]);
        pthread_mutex_unlock(&mu);
    }
    errno = e;
    return rc;
}

void sync(void)
{
    REAL(real_sync, "sync");
    sync_all(-1);
}

int syncfs(int fd)
{
    REAL(real_syncfs, "syncfs");
    return sync_all(fd);
}

/* ---- maps -----------------------------------------------------------------
 */

static void check_map(int prot, int flags, int fd)
{
    if (fd < 0 || (flags & MAP_ANONYMOUS) || !(prot & PROT_WRITE) ||
        !(flags & MAP_SHARED))
        return;
    pthread_mutex_lock(&mu);
    tracked *t = lookup(fd, 1);
    pthread_mutex_unlock(&mu);
    if (t)
        die("powercut: %s mapped writable and shared (MDB_WRITEMAP?): "
            "writes through the map are invisible to this shim\n",
            t->path);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    REAL(real_mmap, "mmap");
    check_map(prot, flags, fd);
    return real_mmap(addr, len, prot, flags, fd, off);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    REAL(real_mmap64, "mmap64");
    check_map(prot, flags, fd);
    return real_mmap64(addr, len, prot, flags, fd, off);
}

/* ---- roundsd's PUSH_ACK ---------------------------------------------------
 */

static unsigned long ack_target(void)
{
    const char *at = getenv("ROUNDS_POWERCUT_AT");
    if (at == NULL || strncmp(at, "push_ack:", 9) != 0)
        return 0;
    return strtoul(at + 9, NULL, 10);
}

static framer *framer_of(const void *ssl)
{
    framer *free_slot = NULL;
    for (int i = 0; i < MAX_SSL; i++) {
        if (framers[i].ssl == ssl)
            return &framers[i];
        if (framers[i].ssl == NULL && free_slot == NULL)
            free_slot = &framers[i];
    }
    if (free_slot == NULL)
        die("powercut: more than %d TLS connections at once\n", MAX_SSL);
    memset(free_slot, 0, sizeof *free_slot);
    free_slot->ssl = ssl;
    return free_slot;
}

/* A MessagePack unsigned integer at *p (fixint or 0xcc..0xcf). */
static int mp_uint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    if (*p >= end)
        return -1;
    uint8_t t = *(*p)++;
    if (t < 0x80) {
        *v = t;
        return 0;
    }
    size_t n = t == 0xcc   ? 1
               : t == 0xcd ? 2
               : t == 0xce ? 4
               : t == 0xcf ? 8
                           : 0;
    if (n == 0 || (size_t)(end - *p) < n)
        return -1;
    *v = 0;
    for (size_t i = 0; i < n; i++)
        *v = (*v << 8) | *(*p)++;
    return 0;
}

/* Feeds len plaintext bytes to f; returns how many PUSH_ACK frames they
 * complete, the last one's batch and acked seq in *batch and *seq. */
static unsigned feed(framer *f, const uint8_t *p, size_t len, uint64_t *batch,
                     uint64_t *seq)
{
    unsigned acks = 0;
    while (len > 0) {
        if (f->hdr_have < 4) {
            f->hdr[f->hdr_have++] = *p++;
            len--;
            if (f->hdr_have == 4) {
                f->body_len = (uint32_t)f->hdr[0] << 24 |
                              (uint32_t)f->hdr[1] << 16 |
                              (uint32_t)f->hdr[2] << 8 | f->hdr[3];
                f->body_have = 0;
            }
            continue;
        }
        size_t take = f->body_len - f->body_have;
        if (take > len)
            take = len;
        for (size_t i = 0; i < take; i++)
            if (f->body_have + i < sizeof f->head)
                f->head[f->body_have + i] = p[i];
        f->body_have += (uint32_t)take;
        p += take;
        len -= take;
        if (f->body_have < f->body_len)
            continue;
        /* A whole frame: [4, batch, acked_seq] is 0x93 0x04 .. */
        size_t hl = f->body_len < sizeof f->head ? f->body_len : sizeof f->head;
        const uint8_t *q = f->head, *end = f->head + hl;
        if (hl >= 2 && q[0] == 0x93 && q[1] == 0x04) {
            q += 2;
            if (mp_uint(&q, end, batch) == 0 && mp_uint(&q, end, seq) == 0)
                acks++;
        }
        f->hdr_have = 0;
    }
    return acks;
}

int mbedtls_ssl_setup(void *ssl, const void *conf)
{
    REAL(real_ssl_setup, "mbedtls_ssl_setup");
    if (ack_target() == 0)
        return real_ssl_setup(ssl, conf);
    pthread_mutex_lock(&mu);
    framer *f = framer_of(ssl);
    memset(f, 0, sizeof *f);
    f->ssl = ssl;
    pthread_mutex_unlock(&mu);
    return real_ssl_setup(ssl, conf);
}

/* A connection's framer is released with it, so slots are reused. */
void mbedtls_ssl_free(void *ssl)
{
    REAL(real_ssl_free, "mbedtls_ssl_free");
    if (ack_target() > 0) {
        pthread_mutex_lock(&mu);
        for (int i = 0; i < MAX_SSL; i++)
            if (framers[i].ssl == ssl)
                framers[i].ssl = NULL;
        pthread_mutex_unlock(&mu);
    }
    real_ssl_free(ssl);
}

int mbedtls_ssl_write(void *ssl, const unsigned char *buf, size_t len)
{
    REAL(real_ssl_write, "mbedtls_ssl_write");
    unsigned long target = ack_target();
    if (target == 0)
        return real_ssl_write(ssl, buf, len);
    pthread_mutex_lock(&mu);
    framer *f = framer_of(ssl);
    /* Would these bytes carry the target PUSH_ACK? Then the power goes
     * before mbedTLS sees them. */
    framer probe = *f;
    uint64_t batch = 0, seq = 0;
    unsigned acks = feed(&probe, buf, len, &batch, &seq);
    if (acks > 0 && acks_seen + acks >= target) {
        /* The target ack is the (target - acks_seen)th of these. */
        framer again = *f;
        unsigned want = (unsigned)(target - acks_seen), got = 0;
        for (size_t i = 0; i < len && got < want; i++)
            got += feed(&again, buf + i, 1, &batch, &seq);
        char head[96];
        snprintf(head, sizeof head, "push_ack batch=%llu acked_seq=%llu",
                 (unsigned long long)batch, (unsigned long long)seq);
        cut(head);
        REAL(real__exit, "_exit");
        real__exit(POWERCUT_STATUS);
    }
    pthread_mutex_unlock(&mu);
    int w = real_ssl_write(ssl, buf, len);
    if (w > 0) {
        pthread_mutex_lock(&mu);
        acks_seen += feed(framer_of(ssl), buf, (size_t)w, &batch, &seq);
        pthread_mutex_unlock(&mu);
    }
    return w;
}
