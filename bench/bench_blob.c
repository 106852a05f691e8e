/* bench_blob.c: how fast attachments reach the disk durably through the
 * blob store (storage/blob.h), beside the machine's limit measured in the
 * same run.
 *
 * Four measurements of the same N payloads of S bytes (300 kB, a phone
 * photo), each repeated R times in a fresh folder, their order rotated
 * from run to run:
 *   put:     blob_put of each payload: hash, tmp file, write, fsync,
 *            rename, fsync of the hex folder (what a handheld does per
 *            photo), into a store whose 256 hex folders exist (made before
 *            the clock starts): the steady state;
 *   put_new: the same into a new, empty store: the first attachment of
 *            each hex folder also makes it and fsyncs the folder above;
 *   upload:  each payload in chunks of C bytes (256 KiB) through
 *            blob_partial_write, then blob_partial_finish: rehash from
 *            disk, fsync, rename, fsync of the hex folder (the server's
 *            side), hex folders present;
 *   limit:   the same bytes appended to one file, one fdatasync per
 *            payload: one durable write per attachment and nothing else,
 *            what no content-addressed store can beat on this disk.
 * Prints the median MB/s (10^6 bytes) and attachments/s of each and its
 * ratio to the limit: the median of each run's ratio, as a run's four
 * measurements are taken within seconds of each other while a shared
 * disk's speed drifts over a minute by more than the ratios differ. As a
 * table or one JSON line (--json). Its files go
 * under --dir (default $TMPDIR or /tmp) and are removed after each run.
 * A benchmark, not a test: exits 0 on any figure, non-zero on errors.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "../proto/errors.h"
#include "../proto/sha256.h"
#include "blob.h"

#define MAX_REPEAT 101

enum { M_PUT, M_PUT_NEW, M_UPLOAD, M_LIMIT, M_COUNT };
static const char *const m_name[M_COUNT] = {"put", "put_new", "upload",
                                            "limit"};

typedef struct params {
    size_t n, size, chunk, repeat;
    const char *dir;
    int json;
} params;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- folders ------------------------------------------------------------ */

static int rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    DIR *d = opendir(path);
    if (d == NULL)
        return -1;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char sub[4096];
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        int n = snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if (n < 0 || (size_t)n >= sizeof sub || rm_tree(sub) != 0)
            rc = -1;
    }
    closedir(d);
    return rc == 0 ? rmdir(path) : -1;
}

static int run_dir(const params *p, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/rounds-bench-blob-XXXXXX", p->dir);
    if (n < 0 || (size_t)n >= cap || mkdtemp(out) == NULL) {
        fprintf(stderr, "bench_blob: cannot make a folder under %s: %s\n",
                p->dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- the three measurements ---------------------------------------------- */

static int fail(const char *what, int rc)
{
    fprintf(stderr, "bench_blob: %s: %s\n", what, rnd_strerror(rc));
    return -1;
}

/* Makes the blob folder with its 256 hex folders, as a store in use has. */
static int make_hexdirs(const char *dir)
{
    char path[4200];
    if (mkdir(dir, 0700) != 0)
        return -1;
    for (int i = 0; i < 256; i++) {
        snprintf(path, sizeof path, "%s/%02x", dir, i);
        if (mkdir(path, 0700) != 0)
            return -1;
    }
    /* Their creation is not charged to the first puts. */
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int run_put_new(const params *p, const char *dir, uint8_t *const *data,
                       double *secs)
{
    blob_store *bs;
    int rc = blob_open(&bs, dir);
    if (rc != 0)
        return fail("blob_open", rc);
    double t0 = now_s();
    for (size_t i = 0; i < p->n && rc == 0; i++)
        rc = blob_put(bs, data[i], p->size, NULL);
    *secs = now_s() - t0;
    blob_close(bs);
    return rc ? fail("blob_put", rc) : 0;
}

static int run_put(const params *p, const char *dir, uint8_t *const *data,
                   double *secs)
{
    if (make_hexdirs(dir) != 0) {
        fprintf(stderr, "bench_blob: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    return run_put_new(p, dir, data, secs);
}

static int run_upload(const params *p, const char *dir, uint8_t *const *data,
                      double *secs)
{
    if (make_hexdirs(dir) != 0) {
        fprintf(stderr, "bench_blob: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    blob_store *bs;
    int rc = blob_open(&bs, dir);
    if (rc != 0)
        return fail("blob_open", rc);
    double t0 = now_s();
    for (size_t i = 0; i < p->n && rc == 0; i++) {
        /* The client knows the hash before it sends: not timed as ours. */
        uint8_t h[BLOB_HASH_LEN];
        double th = now_s();
        proto_sha256(data[i], p->size, h);
        t0 += now_s() - th;
        for (size_t off = 0; off < p->size && rc == 0; off += p->chunk) {
            size_t len = p->size - off < p->chunk ? p->size - off : p->chunk;
            rc = blob_partial_write(bs, h, off, data[i] + off, len);
        }
        if (rc == 0)
            rc = blob_partial_finish(bs, h, p->size);
    }
    *secs = now_s() - t0;
    blob_close(bs);
    return rc ? fail("blob_partial_write/finish", rc) : 0;
}

static int run_limit(const params *p, const char *dir, uint8_t *const *data,
                     double *secs)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/limit.bin", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "bench_blob: %s: %s\n", path, strerror(errno));
        return -1;
    }
    double t0 = now_s();
    int rc = 0;
    for (size_t i = 0; i < p->n && rc == 0; i++) {
        const uint8_t *b = data[i];
        size_t left = p->size;
        while (left > 0) {
            ssize_t w = write(fd, b, left);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                rc = -1;
                break;
            }
            b += w;
            left -= (size_t)w;
        }
        if (rc == 0 && fdatasync(fd) != 0)
            rc = -1;
    }
    *secs = now_s() - t0;
    if (rc != 0)
        fprintf(stderr, "bench_blob: limit: %s\n", strerror(errno));
    close(fd);
    return rc;
}

typedef int (*run_fn)(const params *, const char *, uint8_t *const *, double *);
static const run_fn m_run[M_COUNT] = {run_put, run_put_new, run_upload,
                                      run_limit};

/* ---- figures ------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, size_t n)
{
    double s[MAX_REPEAT];
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static const char *fs_name(const char *dir)
{
    struct statfs sf;
    if (statfs(dir, &sf) != 0)
        return "unknown";
    switch ((unsigned long)sf.f_type) {
    case 0xef53:
        return "ext4";
    case 0x58465342:
        return "xfs";
    case 0x9123683e:
        return "btrfs";
    case 0x01021994:
        return "tmpfs";
    case 0x794c7630:
        return "overlayfs";
    default:
        return "other";
    }
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_blob [--files N] [--size S] [--chunk C] "
            "[--repeat R]\n"
            "                  [--dir DIR] [--json] [--help]\n"
            "Durable attachments/s and MB/s through the blob store: "
            "blob_put into a store\n"
            "in use and into a new one, and blob_partial_write in chunks + "
            "blob_partial_finish,\n"
            "beside one file appended with one fdatasync per attachment, in "
            "the same run.\n"
            "  --files N   attachments per run (default 100)\n"
            "  --size S    bytes each (default 300000)\n"
            "  --chunk C   upload chunk bytes (default 262144)\n"
            "  --repeat R  runs of each, order rotated; medians (default 5, "
            "at most %d)\n"
            "  --dir DIR   where the runs' folders go (default $TMPDIR or "
            "/tmp); removed\n"
            "  --json      one JSON object line instead of the table\n",
            MAX_REPEAT);
}

static int parse_count(const char *flag, const char *s, size_t *out)
{
    char *end;
    if (s == NULL || *s < '0' || *s > '9') {
        fprintf(stderr, "bench_blob: %s needs a positive number\n", flag);
        return -1;
    }
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end != '\0' || v == 0 || v > 1000000000ull) {
        fprintf(stderr, "bench_blob: %s: bad count '%s'\n", flag, s);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

static int parse_args(int argc, char **argv, params *p)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        size_t *dst = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(a, "--json") == 0) {
            p->json = 1;
            continue;
        } else if (strcmp(a, "--dir") == 0 && i + 1 < argc) {
            p->dir = argv[++i];
            continue;
        } else if (strcmp(a, "--files") == 0) {
            dst = &p->n;
        } else if (strcmp(a, "--size") == 0) {
            dst = &p->size;
        } else if (strcmp(a, "--chunk") == 0) {
            dst = &p->chunk;
        } else if (strcmp(a, "--repeat") == 0) {
            dst = &p->repeat;
        } else {
            fprintf(stderr, "bench_blob: unknown argument '%s'\n", a);
            usage(stderr);
            return -1;
        }
        if (parse_count(a, i + 1 < argc ? argv[i + 1] : NULL, dst) != 0)
            return -1;
        i++;
    }
    if (p->repeat > MAX_REPEAT) {
        fprintf(stderr, "bench_blob: --repeat: at most %d\n", MAX_REPEAT);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *t = getenv("TMPDIR");
    params p = {100, 300000, 256 * 1024, 5, t && *t ? t : "/tmp", 0};
    if (parse_args(argc, argv, &p) != 0)
        return 2;

    /* N distinct payloads (xorshift bytes: photos do not compress). */
    uint8_t **data = calloc(p.n, sizeof *data);
    if (data == NULL)
        return 1;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < p.n; i++) {
        data[i] = malloc(p.size);
        if (data[i] == NULL)
            return 1;
        for (size_t k = 0; k < p.size; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            data[i][k] = (uint8_t)x;
        }
    }

    static double secs[M_COUNT][MAX_REPEAT];
    int rc = 0;
    for (size_t r = 0; r < p.repeat && rc == 0; r++) {
        for (size_t k = 0; k < M_COUNT && rc == 0; k++) {
            size_t m = (r + k) % M_COUNT; /* who goes first rotates */
            char dir[4096];
            if (run_dir(&p, dir, sizeof dir) != 0)
                return 1;
            char sub[4200];
            snprintf(sub, sizeof sub, "%s/attachments", dir);
            rc = m_run[m](&p, m == M_LIMIT ? dir : sub, data, &secs[m][r]);
            if (rm_tree(dir) != 0)
                fprintf(stderr, "bench_blob: warning: could not remove %s\n",
                        dir);
        }
    }
    for (size_t i = 0; i < p.n; i++)
        free(data[i]);
    free(data);
    if (rc != 0)
        return 1;

    double mbs[M_COUNT][MAX_REPEAT], med_mbs[M_COUNT], med_fps[M_COUNT];
    double ratio[M_COUNT][MAX_REPEAT], med_ratio[M_COUNT];
    double bytes = (double)p.n * (double)p.size;
    for (int m = 0; m < M_COUNT; m++) {
        for (size_t r = 0; r < p.repeat; r++)
            mbs[m][r] = bytes / secs[m][r] / 1e6;
        med_mbs[m] = median(mbs[m], p.repeat);
        med_fps[m] = med_mbs[m] * 1e6 / (double)p.size;
    }
    for (int m = 0; m < M_COUNT; m++) {
        for (size_t r = 0; r < p.repeat; r++)
            ratio[m][r] = mbs[m][r] / mbs[M_LIMIT][r];
        med_ratio[m] = median(ratio[m], p.repeat);
    }
    const char *fs = fs_name(p.dir);
    if (p.json) {
        printf("{\"bench\":\"blob\",\"dir\":");
        json_str(p.dir);
        printf(",\"fs\":\"%s\",\"sha256\":\"%s\",\"files\":%zu,\"size\":%zu,"
               "\"chunk\":%zu,\"repeat\":%zu",
               fs, proto_sha256_impl(), p.n, p.size, p.chunk, p.repeat);
        for (int m = 0; m < M_COUNT; m++) {
            printf(",\"%s_mb_s\":%.2f,\"%s_per_s\":%.1f,\"%s_ratio\":%.3f",
                   m_name[m], med_mbs[m], m_name[m], med_fps[m], m_name[m],
                   med_ratio[m]);
            printf(",\"%s_runs_mb_s\":[", m_name[m]);
            for (size_t r = 0; r < p.repeat; r++)
                printf("%s%.2f", r ? "," : "", mbs[m][r]);
            printf("]");
        }
        printf("}\n");
        return 0;
    }
    printf("bench_blob: %zu attachments of %zu bytes, durable, in %s (%s); "
           "SHA-256 %s;\nupload chunks of %zu bytes; median of %zu runs "
           "(vs limit: median of each run's ratio)\n\n",
           p.n, p.size, p.dir, fs, proto_sha256_impl(), p.chunk, p.repeat);
    printf("%-34s %8s %10s %8s %9s\n", "measurement", "MB/s", "files/s",
           "ms/file", "vs limit");
    static const char *const label[M_COUNT] = {
        "blob_put", "blob_put, new store", "blob_partial_write + finish",
        "limit: append + fdatasync, 1 file"};
    for (int m = 0; m < M_COUNT; m++)
        printf("%-34s %8.1f %10.1f %8.2f %8.2fx\n", label[m], med_mbs[m],
               med_fps[m], 1e3 / med_fps[m], med_ratio[m]);
    return 0;
}
