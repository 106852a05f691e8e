/* bench_attach_limit.c: what this machine allows a shift change's photos
 * to reach (issue 18): C handhelds each sending P photos of S bytes
 * (default 100 x 20 x 300,000 bytes = 600 MB), for bench_attach.sh's
 * "limit" rows. Every figure is MB/s (1e6 bytes) over the same total:
 *
 *   AEAD seal: mbedTLS ChaCha20-Poly1305 and AES-128-GCM sealing the
 *     photos' bytes as 16 KiB TLS records (benchaead.c): what TLS does to
 *     every byte, on one core.
 *   Sequential write: every photo written to its own new file in one
 *     folder, made durable with fdatasync once per photo ("file"), or once
 *     per 256 KiB chunk ("chunk": what a server that answers each chunk
 *     only once it is durable pays), or all written first and then each
 *     fdatasync'd in turn ("batch": a group commit, which lets the kernel
 *     write the whole batch at once: the disk's own rate, for context);
 *     then one fsync of the folder, so the names are durable too. The clock
 * runs from the first open to that fsync, after a sync() that writes back
 * whatever else was waiting. Files are removed between runs, outside the clock.
 *   SHA-256: proto_sha256 over every photo once (a receiver hashes every
 *     byte once to check it against its content address).
 *
 * The photos are random bytes (incompressible), made before any clock
 * starts: a pool of up to 16 distinct photos, used in turn. Each figure is
 * the median of R runs; the write modes take turns going first. The
 * CPU-bound figures are also given per second of the thread's CPU time
 * (MB/CPU-s): what one core does when the machine is not shared.
 * Exits 0 on success, 1 on errors, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "benchaead.h"
#include "benchops.h"
#include "sha256.h"

#define CHUNK (256u * 1024u) /* the protocol's attachment chunk */
#define POOL_MAX 16          /* distinct photos kept in memory */
#define REPEAT_MAX 100

#ifndef BENCH_BUILD_DIR
#define BENCH_BUILD_DIR "/tmp"
#endif

typedef struct params {
    uint64_t clients, photos, size, repeat;
    const char *dir; /* where the scratch folder is made */
    int json;
} params;

/* The figures, each an array of R runs (medians taken at the end). */
enum {
    F_CHACHA,
    F_GCM,
    F_FILE,
    F_CHUNK,
    F_BATCH,
    F_SHA,
    F_CHACHA_CPU,
    F_GCM_CPU,
    F_SHA_CPU,
    F_N
};
static const char *const fig_key[F_N] = {
    "chachapoly_mb_per_s",       "aes128gcm_mb_per_s",
    "write_sync_file_mb_per_s",  "write_sync_chunk_mb_per_s",
    "write_sync_batch_mb_per_s", "sha256_mb_per_s",
    "chachapoly_cpu_mb_per_s",   "aes128gcm_cpu_mb_per_s",
    "sha256_cpu_mb_per_s"};

typedef struct photos {
    uint8_t *pool; /* npool photos of size bytes, back to back */
    uint64_t npool, count, size;
} photos;

static const uint8_t *photo(const photos *ph, uint64_t i)
{
    return ph->pool + (i % ph->npool) * ph->size;
}

/* xorshift64*: random-looking, incompressible bytes, the same every run. */
static void fill_random(uint8_t *p, size_t n)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < n; i++) {
        if (i % 8 == 0) {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
        }
        p[i] = (uint8_t)((x * 0x2545f4914f6cdd1dull) >> (8 * (i % 8)));
    }
}

/* ---- sequential write ---------------------------------------------------- */

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* How write_run makes the photos durable. */
typedef enum wmode { W_FILE, W_CHUNK, W_BATCH, W_N } wmode;

/* fdatasync of a file already written and closed (W_BATCH's second pass):
 * Linux writes back an inode's dirty pages through any descriptor. */
static int sync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fdatasync(fd);
    return close(fd) != 0 ? -1 : rc;
}

/* Writes every photo to dir/p-N, made durable as mode says, then fsyncs
 * dir; *mb_s: MB/s from the first open to that fsync. */
static int write_run(const photos *ph, const char *dir, wmode mode,
                     double *mb_s)
{
    char path[4200];
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    size_t step = mode == W_CHUNK ? CHUNK : ph->size;
    double t0;

    if (dfd < 0)
        goto fail;
    /* Start with nothing of anyone's waiting to be written back. */
    sync();
    t0 = bo_now_s();
    for (uint64_t i = 0; i < ph->count; i++) {
        const uint8_t *p = photo(ph, i);
        snprintf(path, sizeof path, "%s/p-%06" PRIu64, dir, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
            goto fail;
        for (size_t at = 0; at < ph->size; at += step) {
            size_t n = ph->size - at < step ? ph->size - at : step;
            if (write_all(fd, p + at, n) != 0 ||
                (mode != W_BATCH && fdatasync(fd) != 0)) {
                close(fd);
                goto fail;
            }
        }
        if (close(fd) != 0)
            goto fail;
    }
    for (uint64_t i = 0; mode == W_BATCH && i < ph->count; i++) {
        snprintf(path, sizeof path, "%s/p-%06" PRIu64, dir, i);
        if (sync_path(path) != 0)
            goto fail;
    }
    if (fsync(dfd) != 0)
        goto fail;
    *mb_s = (double)(ph->count * ph->size) / (bo_now_s() - t0) / 1e6;
    close(dfd);
    return 0;
fail:
    fprintf(stderr, "%s: writing in %s: %s\n", bo_prog, dir, strerror(errno));
    if (dfd >= 0)
        close(dfd);
    return -1;
}

/* Removes the files write_run made, keeping dir. */
static void write_clean(const photos *ph, const char *dir)
{
    char path[4200];
    for (uint64_t i = 0; i < ph->count; i++) {
        snprintf(path, sizeof path, "%s/p-%06" PRIu64, dir, i);
        unlink(path);
    }
}

/* A new folder BASE/rounds-bench_attach_limit-XXXXXX in out; 0 or -1. */
static int scratch_make(const char *base, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/rounds-%s-XXXXXX", base, bo_prog);
    if (n < 0 || (size_t)n >= cap || mkdtemp(out) == NULL) {
        fprintf(stderr, "%s: cannot make a folder in %s: %s\n", bo_prog, base,
                strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- SHA-256 ------------------------------------------------------------- */

/* MB/s of wall time; *cpu_mb_s: per second of this thread's CPU time. */
static double sha_run(const photos *ph, double *cpu_mb_s)
{
    static volatile uint8_t sink; /* the digests are used, as a check's */
    uint8_t h[PROTO_SHA256_LEN];
    double t0 = bo_now_s(), c0 = ba_cpu_s();
    for (uint64_t i = 0; i < ph->count; i++) {
        proto_sha256(photo(ph, i), ph->size, h);
        sink ^= h[0];
    }
    *cpu_mb_s = (double)(ph->count * ph->size) / (ba_cpu_s() - c0) / 1e6;
    return (double)(ph->count * ph->size) / (bo_now_s() - t0) / 1e6;
}

/* ---- driver -------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_attach_limit [--clients C] [--photos P] "
            "[--size BYTES]\n"
            "                          [--repeat R] [--dir DIR] [--small] "
            "[--json]\n"
            "The machine's limits for a shift change's photos (C x P "
            "photos of BYTES):\n"
            "  --clients C   handhelds (default 100)\n"
            "  --photos P    photos per handheld (default 20)\n"
            "  --size BYTES  bytes per photo (default 300000)\n"
            "  --repeat R    runs of each figure; medians (default 3)\n"
            "  --dir DIR     where the write runs make their scratch "
            "folder (default\n"
            "                %s); it is removed at the end\n"
            "  --small       a smoke run: 10 clients x 5 photos\n"
            "  --json        one JSON object line instead of the table\n",
            BENCH_BUILD_DIR);
}

static int parse_args(int argc, char **argv, params *p)
{
    for (int i = 1; i < argc; i++) {
        uint64_t *dst = NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(argv[i], "--json") == 0) {
            p->json = 1;
            continue;
        } else if (strcmp(argv[i], "--small") == 0) {
            p->clients = 10;
            p->photos = 5;
            continue;
        } else if (strcmp(argv[i], "--dir") == 0) {
            if (i + 1 >= argc) {
                usage(stderr);
                return -1;
            }
            p->dir = argv[++i];
            continue;
        } else if (strcmp(argv[i], "--clients") == 0) {
            dst = &p->clients;
        } else if (strcmp(argv[i], "--photos") == 0) {
            dst = &p->photos;
        } else if (strcmp(argv[i], "--size") == 0) {
            dst = &p->size;
        } else if (strcmp(argv[i], "--repeat") == 0) {
            dst = &p->repeat;
        } else {
            fprintf(stderr, "bench_attach_limit: unknown flag '%s'\n", argv[i]);
        }
        int rc = dst ? bo_count_arg(argc, argv, &i, dst) : -1;
        if (rc == -1)
            usage(stderr);
        if (rc)
            return -1;
    }
    if (p->size < BA_RECORD || p->clients * p->photos > 1000000 ||
        p->repeat > REPEAT_MAX) {
        fprintf(stderr,
                "bench_attach_limit: --size must be at least %d, C x P at "
                "most 1,000,000 and R at most %d\n",
                BA_RECORD, REPEAT_MAX);
        return -1;
    }
    return 0;
}

static void print_json(const params *p, const photos *ph, double *runs[F_N],
                       const double med[F_N])
{
    printf("{\"bench\":\"attach_limit\",\"clients\":%" PRIu64
           ",\"photos\":%" PRIu64 ",\"photo_bytes\":%" PRIu64
           ",\"total_bytes\":%" PRIu64 ",\"repeat\":%" PRIu64
           ",\"record_bytes\":%d,\"chunk_bytes\":%u,\"sha256_impl\":\"%s\"",
           p->clients, p->photos, p->size, ph->count * ph->size, p->repeat,
           BA_RECORD, CHUNK, proto_sha256_impl());
    for (int f = 0; f < F_N; f++)
        printf(",\"%s\":%.1f", fig_key[f], med[f]);
    printf(",\"runs\":{");
    for (int f = 0; f < F_N; f++) {
        printf("%s\"%s\":[", f ? "," : "", fig_key[f]);
        for (uint64_t k = 0; k < p->repeat; k++)
            printf("%s%.1f", k ? "," : "", runs[f][k]);
        printf("]");
    }
    printf("}}\n");
}

static void print_table(const params *p, const photos *ph,
                        const double med[F_N])
{
    char sha[64];
    snprintf(sha, sizeof sha, "SHA-256 of every byte (proto_sha256, %s)",
             proto_sha256_impl());
    printf("bench_attach_limit: %" PRIu64 " handhelds x %" PRIu64
           " photos x %" PRIu64 " bytes = %.1f MB, medians of %" PRIu64
           " runs\n\n",
           p->clients, p->photos, p->size, (double)(ph->count * ph->size) / 1e6,
           p->repeat);
    printf("%-48s %10s %12s\n", "limit", "MB/s", "MB/CPU-s");
    printf("%-48s %10.1f %12.1f\n", "mbedTLS ChaCha20-Poly1305 seal, 16 KiB",
           med[F_CHACHA], med[F_CHACHA_CPU]);
    printf("%-48s %10.1f %12.1f\n", "mbedTLS AES-128-GCM seal, 16 KiB",
           med[F_GCM], med[F_GCM_CPU]);
    printf("%-48s %10.1f %12s\n", "sequential write, fdatasync per photo",
           med[F_FILE], "-");
    printf("%-48s %10.1f %12s\n", "sequential write, fdatasync per 256 KiB",
           med[F_CHUNK], "-");
    printf("%-48s %10.1f %12s\n", "sequential write, all, then fdatasync each",
           med[F_BATCH], "-");
    printf("%-48s %10.1f %12.1f\n", sha, med[F_SHA], med[F_SHA_CPU]);
}

int main(int argc, char **argv)
{
    bo_prog = "bench_attach_limit";
    params p = {100, 20, 300000, 3, BENCH_BUILD_DIR, 0};
    photos ph = {0};
    double *runs[F_N] = {0}, med[F_N];
    char dir[4096] = "";
    int rc = 1;

    if (parse_args(argc, argv, &p) != 0)
        return 2;
    ph.count = p.clients * p.photos;
    ph.size = p.size;
    ph.npool = ph.count < POOL_MAX ? ph.count : POOL_MAX;
    ph.pool = malloc(ph.npool * ph.size);
    int short_of_memory = ph.pool == NULL;
    for (int f = 0; f < F_N; f++)
        if ((runs[f] = calloc(p.repeat, sizeof *runs[f])) == NULL)
            short_of_memory = 1;
    if (short_of_memory) {
        fprintf(stderr, "bench_attach_limit: out of memory\n");
        goto out;
    }
    fill_random(ph.pool, ph.npool * ph.size);
    if (scratch_make(p.dir, dir, sizeof dir) != 0) {
        dir[0] = '\0';
        goto out;
    }
    uint64_t total = ph.count * ph.size;
    for (uint64_t k = 0; k < p.repeat; k++) {
        /* The write modes go first in turn, so none always meets the
         * disk just after another's deletes. */
        static const int fig[W_N] = {F_FILE, F_CHUNK, F_BATCH};
        for (int m = 0; m < W_N; m++) {
            wmode mode = (wmode)((k + (uint64_t)m) % W_N);
            if (write_run(&ph, dir, mode, &runs[fig[mode]][k]) != 0)
                goto out;
            write_clean(&ph, dir);
        }
        runs[F_CHACHA][k] =
            ba_seal_rate(BA_CHACHAPOLY, ph.pool, ph.npool * ph.size, total, 0,
                         &runs[F_CHACHA_CPU][k]);
        runs[F_GCM][k] = ba_seal_rate(BA_AES128GCM, ph.pool, ph.npool * ph.size,
                                      total, 0, &runs[F_GCM_CPU][k]);
        if (runs[F_CHACHA][k] < 0 || runs[F_GCM][k] < 0)
            goto out;
        runs[F_SHA][k] = sha_run(&ph, &runs[F_SHA_CPU][k]);
        fprintf(stderr,
                "bench_attach_limit: run %" PRIu64 "/%" PRIu64
                ": chacha %.0f (%.0f on CPU), gcm %.0f (%.0f), write/file "
                "%.0f, write/chunk %.0f, write/batch %.0f, sha256 %.0f (%.0f) "
                "MB/s\n",
                k + 1, p.repeat, runs[F_CHACHA][k], runs[F_CHACHA_CPU][k],
                runs[F_GCM][k], runs[F_GCM_CPU][k], runs[F_FILE][k],
                runs[F_CHUNK][k], runs[F_BATCH][k], runs[F_SHA][k],
                runs[F_SHA_CPU][k]);
    }
    for (int f = 0; f < F_N; f++) {
        double tmp[REPEAT_MAX]; /* bo_median sorts: keep the runs' order */
        memcpy(tmp, runs[f], p.repeat * sizeof *tmp);
        med[f] = bo_median(tmp, p.repeat);
    }
    if (p.json)
        print_json(&p, &ph, runs, med);
    else
        print_table(&p, &ph, med);
    rc = 0;
out:
    if (dir[0]) {
        write_clean(&ph, dir);
        if (rmdir(dir) != 0)
            fprintf(stderr, "bench_attach_limit: could not remove %s: %s\n",
                    dir, strerror(errno));
    }
    free(ph.pool);
    for (int f = 0; f < F_N; f++)
        free(runs[f]);
    return rc;
}
