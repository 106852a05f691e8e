/* bench_attach_hh.c: the handheld side of Rounds' row in bench_attach.sh
 * (issue 18: a shift change's photos). Stores are made and enrolled by
 * `bench_hh init` (bench_hh.c); this program puts the photos on them and
 * times their upload:
 *
 *   bench_attach_hh photos DIR P SIZE SEED
 *       P new checkpoint scans, each with one photo of SIZE bytes attached
 *       through hh_attach_bytes (written and fsynced, then the attach op
 *       committed), before any clock: a whole JPEG (SOI, comment segments
 *       of xorshift random bytes, then an 8x8 grey baseline image, as
 *       tests/proto/test_media.c builds) so the media sniff accepts it and
 *       nothing is taken out. SEED makes the bytes; every photo of every
 *       store must differ (the server keeps one copy of equal bytes), so
 *       the caller gives each store and round its own.
 *   bench_attach_hh shift DIR...
 *       one process per store; all open their store, wait at a barrier,
 *       then run a whole hh_sync at once (push, pull, then the attachment
 *       uploads of protocol 4). A photo counts as sent only after the
 *       server's ATT_DONE, which it sends after the file's fdatasync, its
 *       rename and the folder's fsync: durable. Two clocks: until the last
 *       ATT_DONE of any handheld (durable_ms: every photo durable on the
 *       server; hh_sync's "attach" progress), and until the last sync
 *       returns (wall_ms: its pull and BYE too, since the handheld
 *       uploads before it pulls). One JSON line: photos and bytes sent
 *       (summed att_up, att_up_bytes), refused, ops pushed and pulled, both
 *       clocks and their MB/s (10^6 bytes), and the handhelds' CPU ms
 *       (cpu_ms: whole processes, from fork; sync_cpu_ms: in hh_sync).
 *
 * Exit 0 when every step succeeded, 1 otherwise, 2 on bad usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "handheld.h"
#include "scans.h"

#define MAX_CLIENTS 4096
#define MAX_PHOTO ((size_t)8 << 20) /* the handheld's default maximum */
#define COM_MAX 65533               /* bytes of one comment segment */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static double cpu_ms(int who)
{
    struct rusage ru;
    if (getrusage(who, &ru) != 0)
        return -1;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-3;
}

static int parse_n(const char *s, unsigned long long max, uint64_t *out)
{
    char *end;
    unsigned long long v;
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

/* ---- the photo ---------------------------------------------------------- */

/* The image after SOI: DQT (all ones), SOF0 (8x8, one component), two DHT
 * of one 1-bit code each, SOS, one byte of scan data (DC 0, EOB, padded
 * with ones) and EOI: test_media.c's jpeg() without EXIF or XMP. */
static const uint8_t jpeg_body[] = {
    /* DQT: table 0, 64 ones */
    0xFF, 0xDB, 0x00, 0x43, 0x00, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* SOF0: 8 bits, 8x8, one component 1, 1x1, table 0 */
    0xFF, 0xC0, 0x00, 0x0B, 8, 0, 8, 0, 8, 1, 1, 0x11, 0,
    /* DHT DC 0 and AC 0: one code of length 1, symbol 0 */
    0xFF, 0xC4, 0x00, 0x14, 0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0xFF, 0xC4, 0x00, 0x14, 0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0,
    /* SOS: one component, tables 0/0, spectrum 0..63 */
    0xFF, 0xDA, 0x00, 0x08, 1, 1, 0x00, 0, 63, 0,
    /* scan data, EOI */
    0x3F, 0xFF, 0xD9};

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* Fills p[0..size) with a whole JPEG whose comments are random bytes from
 * seed. size must be at least the image plus SOI. */
static void make_photo(uint8_t *p, size_t size, uint64_t seed)
{
    size_t at = 2, rem = size - 2 - sizeof jpeg_body;
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;

    p[0] = 0xFF;
    p[1] = 0xD8;
    while (rem > 0) {
        /* A segment is 4 bytes of marker and length, then its data; none
         * may be left with fewer than 4 bytes. */
        size_t seg = rem < COM_MAX + 4 ? rem : COM_MAX + 4;
        if (rem - seg > 0 && rem - seg < 4)
            seg = rem - 4;
        p[at] = 0xFF;
        p[at + 1] = 0xFE;
        p[at + 2] = (uint8_t)((seg - 2) >> 8);
        p[at + 3] = (uint8_t)(seg - 2);
        for (size_t k = 4; k < seg; k++)
            p[at + k] = (uint8_t)(xorshift(&s) >> 24);
        at += seg;
        rem -= seg;
    }
    memcpy(p + at, jpeg_body, sizeof jpeg_body);
}

static void to_hex(const uint8_t *id, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[id[i] >> 4];
        out[2 * i + 1] = digits[id[i] & 15];
    }
    out[2 * n] = '\0';
}

static int cmd_photos(int argc, char **argv)
{
    uint64_t np, size, seed;
    hh_status_info st;
    char tags[SCANS_NTAGS][8], hex[2 * HH_ID_LEN + 1];
    uint8_t *photo;
    double t0;
    hh *h;
    int rc;

    if (argc != 6 || parse_n(argv[3], 100000, &np) != 0 ||
        parse_n(argv[4], MAX_PHOTO, &size) != 0 ||
        size < 4 + sizeof jpeg_body + 4 ||
        parse_n(argv[5], UINT64_MAX, &seed) != 0) {
        fprintf(stderr, "usage: bench_attach_hh photos DIR P SIZE SEED "
                        "(SIZE 256..8388608)\n");
        return 2;
    }
    if ((photo = malloc(size)) == NULL)
        return 1;
    if ((rc = hh_open(argv[2], &h)) != 0) {
        fprintf(stderr, "bench_attach_hh: open %s: %s\n", argv[2],
                rnd_strerror(rc));
        free(photo);
        return 1;
    }
    scans_tags(tags);
    t0 = now_ms();
    rc = hh_status(h, &st);
    for (uint64_t i = 0; i < np && rc == 0; i++) {
        hh_batch_item item;
        hh_kv kv[SCANS_NKV];
        uint8_t id[HH_ID_LEN];

        scans_item(&item, kv, st.own_ops + i, st.user, tags);
        rc = hh_record(h, item.verb, NULL, item.kv, item.nkv, id, NULL);
        if (rc)
            break;
        to_hex(id, sizeof id, hex);
        make_photo(photo, size, seed * 1000003u + i);
        rc = hh_attach_bytes(h, hex, photo, size, NULL, NULL);
    }
    if (rc)
        fprintf(stderr, "bench_attach_hh: photos %s: %s\n", argv[2],
                hh_last_error(h));
    else
        printf("{\"photos\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"ms\":%.1f}\n",
               np, np * size, now_ms() - t0);
    hh_close(h);
    free(photo);
    return rc ? 1 : 0;
}

/* ---- the shift change --------------------------------------------------- */

/* What a child sends its parent (well under PIPE_BUF: one write). */
typedef struct report {
    int rc;
    uint32_t att_up, att_refused;
    uint64_t att_up_bytes, pushed, pulled;
    double end;     /* absolute monotonic ms */
    double durable; /* when the last ATT_DONE came (abs. ms; 0: none) */
    double cpu_ms;  /* this process's CPU time in hh_sync alone */
} report;

/* hh_sync's progress: "attach" comes with each ATT_DONE, the upload
 * durable on the server. */
static void on_progress(const char *phase, uint64_t done, uint64_t total,
                        void *ctx)
{
    (void)done, (void)total;
    if (strcmp(phase, "attach") == 0)
        *(double *)ctx = now_ms();
}

static void shift_child(const char *dir, int ready_fd, int go_fd, int report_fd)
{
    report r = {1, 0, 0, 0, 0, 0, -1, 0, 0};
    hh_sync_options opt;
    hh_sync_result res;
    char c = 'r';
    hh *h;

    if (hh_open(dir, &h) != 0) {
        fprintf(stderr, "bench_attach_hh: open %s failed\n", dir);
        c = 'x'; /* still counts as ready: the parent never waits for it */
        if (write(ready_fd, &c, 1) != 1 ||
            write(report_fd, &r, sizeof r) != (ssize_t)sizeof r)
            _exit(1);
        _exit(1);
    }
    if (write(ready_fd, &c, 1) != 1 || read(go_fd, &c, 1) != 0)
        _exit(1); /* the parent closing go_fd is the start signal */
    memset(&opt, 0, sizeof opt);
    memset(&res, 0, sizeof res);
    opt.timeout_ms = 300000;
    opt.progress = on_progress;
    opt.progress_ctx = &r.durable;
    double c0 = cpu_ms(RUSAGE_SELF);
    r.rc = hh_sync(h, &opt, &res) ? 1 : 0;
    r.end = now_ms();
    r.cpu_ms = cpu_ms(RUSAGE_SELF) - c0;
    if (r.rc)
        fprintf(stderr, "bench_attach_hh: sync %s: %s (%s)\n", dir,
                hh_last_error(h), res.server_error);
    if (res.att_refused)
        fprintf(stderr, "bench_attach_hh: %s: %u refused: %s\n", dir,
                res.att_refused, res.att_error);
    r.att_up = res.att_up;
    r.att_refused = res.att_refused;
    r.att_up_bytes = res.att_up_bytes;
    r.pushed = res.pushed;
    r.pulled = res.pulled;
    hh_close(h);
    _exit(write(report_fd, &r, sizeof r) == (ssize_t)sizeof r && !r.rc ? 0 : 1);
}

static int cmd_shift(int argc, char **argv)
{
    int ready[2], go[2], rep[2], bad = 0;
    size_t n = argc > 2 ? (size_t)(argc - 2) : 0, got = 0;
    uint64_t up = 0, refused = 0, bytes = 0, pushed = 0, pulled = 0;
    double sync_cpu = 0, durable = 0;
    pid_t *pids;
    double t0, end = 0;
    char c;

    if (n == 0 || n > MAX_CLIENTS) {
        fprintf(stderr, "usage: bench_attach_hh shift DIR...\n");
        return 2;
    }
    pids = calloc(n, sizeof *pids);
    if (pids == NULL || pipe(ready) || pipe(go) || pipe(rep)) {
        fprintf(stderr, "bench_attach_hh: shift: %s\n", strerror(errno));
        free(pids);
        return 1;
    }
    fflush(stdout);
    for (size_t i = 0; i < n; i++) {
        pids[i] = fork();
        if (pids[i] < 0) {
            fprintf(stderr, "bench_attach_hh: fork: %s\n", strerror(errno));
            bad = 1;
            n = i; /* wait for the ones started */
            break;
        }
        if (pids[i] == 0) {
            close(ready[0]);
            close(go[1]);
            close(rep[0]);
            shift_child(argv[2 + i], ready[1], go[0], rep[1]);
        }
    }
    close(ready[1]);
    close(go[0]);
    close(rep[1]);
    while (got < n && read(ready[0], &c, 1) == 1)
        got++;
    t0 = now_ms();
    close(go[1]);
    got = 0;
    for (report r; got < n && read(rep[0], &r, sizeof r) == sizeof r; got++) {
        if (r.rc)
            bad = 1;
        up += r.att_up;
        refused += r.att_refused;
        bytes += r.att_up_bytes;
        pushed += r.pushed;
        pulled += r.pulled;
        sync_cpu += r.cpu_ms;
        if (r.end - t0 > end)
            end = r.end - t0;
        if (r.durable > 0 && r.durable - t0 > durable)
            durable = r.durable - t0;
    }
    for (size_t i = 0; i < n; i++) {
        int st;
        if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) ||
            WEXITSTATUS(st) != 0)
            bad = 1;
    }
    free(pids);
    if (bad || got < n) {
        fprintf(stderr,
                "bench_attach_hh: shift: %zu of %zu handhelds "
                "reported; some failed\n",
                got, n);
        return 1;
    }
    printf("{\"clients\":%zu,\"att_up\":%" PRIu64 ",\"att_up_bytes\":%" PRIu64
           ",\"att_refused\":%" PRIu64 ",\"pushed\":%" PRIu64
           ",\"pulled\":%" PRIu64
           ",\"wall_ms\":%.3f,\"mb_per_s\":%.3f,\"cpu_ms\":%.1f"
           ",\"sync_cpu_ms\":%.1f,\"durable_ms\":%.3f"
           ",\"durable_mb_per_s\":%.3f}\n",
           n, up, bytes, refused, pushed, pulled, end,
           end > 0 ? (double)bytes / 1e3 / end : 0.0, cpu_ms(RUSAGE_CHILDREN),
           sync_cpu, durable,
           durable > 0 ? (double)bytes / 1e3 / durable : 0.0);
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    signal(SIGPIPE, SIG_IGN);
    if (strcmp(cmd, "photos") == 0)
        return cmd_photos(argc, argv);
    if (strcmp(cmd, "shift") == 0)
        return cmd_shift(argc, argv);
    fprintf(stderr, "usage: bench_attach_hh photos|shift ... (see the "
                    "comment at the top of bench/bench_attach_hh.c)\n");
    return 2;
}
