/* bench_record.c: how fast a handheld records patrol checkpoint scans
 * through the C API (handheld.h), beside SQLite writing the same records as
 * rows, both measured in the same run.
 *
 * Two measurements, each repeated R times with ours and SQLite alternating
 * which goes first, each run in a fresh temporary directory:
 *   single: N records, one durable transaction each (hh_record(); SQLite
 *           autocommit INSERT, journal_mode=WAL, synchronous=FULL);
 *   batch:  N records in batches of B (hh_record_many(); SQLite BEGIN, B
 *           INSERTs through one prepared statement, COMMIT).
 * Prints the median rate of each in records/s and the ratio ours/SQLite,
 * with the targets: single at least SQLite's rate, batch at least
 * 500,000 records/s. A benchmark, not a test: exits 0 whether or not the
 * targets are met, non-zero only when something fails.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "handheld.h"

#define BATCH_TARGET 500000.0 /* records/s, from the issue */
#define SINGLE_TARGET 1.0     /* ratio ours/SQLite, from the issue */
#define NTAGS 40              /* tags CP-0..CP-39; a multiple of 10 */

typedef struct params {
    size_t single, batch, batch_size, repeat;
    int json;
} params;

/* ---- the records -------------------------------------------------------- */

/* Record i is fully determined by i % NTAGS (the note and anomaly repeat
 * every 10), so the NTAGS field lists are built once. */
static char tag_text[NTAGS][8];
static hh_kv rec_kv[NTAGS][6];
static size_t rec_nkv[NTAGS];

static const char *const ROUTE = "R1", *const METHOD = "manual";
static const char *const NOTE = "stairwell door ajar", *const BY = "G1";

static void records_build(void)
{
    for (int i = 0; i < NTAGS; i++) {
        size_t n = 0;
        int flagged = i % 10 == 0;
        snprintf(tag_text[i], sizeof tag_text[i], "CP-%d", i);
        rec_kv[i][n++] = (hh_kv){"tag", tag_text[i]};
        rec_kv[i][n++] = (hh_kv){"route", ROUTE};
        rec_kv[i][n++] = (hh_kv){"method", METHOD};
        if (flagged)
            rec_kv[i][n++] = (hh_kv){"note", NOTE};
        rec_kv[i][n++] = (hh_kv){"anomaly", flagged ? "true" : "false"};
        rec_kv[i][n++] = (hh_kv){"by", BY};
        rec_nkv[i] = n;
    }
}

/* ---- small helpers ------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* splitmix64: the SQLite rows' 16-byte random ids. Seeded once from the OS
 * so the peer is not charged a getrandom() call per row. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static void random_id(uint8_t id[16])
{
    uint64_t a = rng_next(), b = rng_next();
    memcpy(id, &a, 8);
    memcpy(id + 8, &b, 8);
}

static const char *tmp_base(void)
{
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

/* Makes a fresh directory under $TMPDIR (or /tmp); path gets its name. */
static int tmp_make(char *path, size_t cap)
{
    int n = snprintf(path, cap, "%s/rounds-bench-XXXXXX", tmp_base());
    if (n < 0 || (size_t)n >= cap) {
        fprintf(stderr, "bench_record: temp path too long\n");
        return -1;
    }
    if (mkdtemp(path) == NULL) {
        fprintf(stderr, "bench_record: mkdtemp %s: %s\n", path,
                strerror(errno));
        return -1;
    }
    return 0;
}

/* Removes path and everything under it; symlinks are not followed. */
static int rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        int rc = 0;
        if (d == NULL)
            return -1;
        while ((e = readdir(d)) != NULL) {
            char sub[4096];
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            int n = snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            if (n < 0 || (size_t)n >= sizeof sub || rm_tree(sub) != 0)
                rc = -1;
        }
        closedir(d);
        if (rc != 0 || rmdir(path) != 0)
            return -1;
        return 0;
    }
    return unlink(path);
}

static void tmp_remove(const char *path)
{
    if (rm_tree(path) != 0)
        fprintf(stderr, "bench_record: warning: could not remove %s\n", path);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, size_t n)
{
    double *s = malloc(n * sizeof *s);
    double m;
    if (s == NULL)
        return 0;
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    free(s);
    return m;
}

/* ---- ours: the handheld C API ------------------------------------------- */

static hh *ours_open(const char *dir)
{
    hh *h;
    int rc = hh_init(dir, "bench-site", "bench-device", &h);
    if (rc) {
        fprintf(stderr, "bench_record: hh_init %s: %s\n", dir,
                rnd_strerror(rc));
        return NULL;
    }
    rc = hh_set_user(h, BY);
    if (rc) {
        fprintf(stderr, "bench_record: hh_set_user: %s\n", hh_last_error(h));
        hh_close(h);
        return NULL;
    }
    return h;
}

/* Checks, outside the timing, that the store holds the n records. */
static int ours_check(hh *h, size_t n)
{
    hh_status_info st;
    int rc = hh_status(h, &st);
    if (rc) {
        fprintf(stderr, "bench_record: hh_status: %s\n", hh_last_error(h));
        return -1;
    }
    if (st.own_ops != n) {
        fprintf(stderr, "bench_record: store holds %" PRIu64 " ops, not %zu\n",
                st.own_ops, n);
        return -1;
    }
    return 0;
}

/* n records, each its own durable transaction; *rate gets records/s. */
static int ours_single(size_t n, double *rate)
{
    char dir[4096];
    hh *h;
    int rc = 0;
    double t0;

    if (tmp_make(dir, sizeof dir) != 0)
        return -1;
    h = ours_open(dir);
    if (h == NULL) {
        tmp_remove(dir);
        return -1;
    }
    t0 = now_s();
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t k = i % NTAGS;
        rc = hh_record(h, "scan.record", NULL, rec_kv[k], rec_nkv[k], NULL,
                       NULL);
        if (rc)
            fprintf(stderr, "bench_record: hh_record #%zu: %s\n", i,
                    hh_last_error(h));
    }
    *rate = (double)n / (now_s() - t0);
    if (rc == 0)
        rc = ours_check(h, n);
    hh_close(h);
    tmp_remove(dir);
    return rc ? -1 : 0;
}

/* n records through hh_record_many() in batches of bs; *rate: records/s. */
static int ours_batch(size_t n, size_t bs, double *rate)
{
    char dir[4096];
    hh_batch_item *items;
    hh *h;
    int rc = 0;
    double t0;

    items = calloc(bs, sizeof *items);
    if (items == NULL) {
        fprintf(stderr, "bench_record: out of memory\n");
        return -1;
    }
    if (tmp_make(dir, sizeof dir) != 0) {
        free(items);
        return -1;
    }
    h = ours_open(dir);
    if (h == NULL) {
        tmp_remove(dir);
        free(items);
        return -1;
    }
    t0 = now_s();
    for (size_t done = 0; done < n && rc == 0;) {
        size_t m = n - done < bs ? n - done : bs, failed = 0;
        for (size_t j = 0; j < m; j++) {
            size_t k = (done + j) % NTAGS;
            items[j].verb = "scan.record";
            items[j].target = NULL;
            items[j].kv = rec_kv[k];
            items[j].nkv = rec_nkv[k];
        }
        rc = hh_record_many(h, items, m, &failed);
        if (rc)
            fprintf(stderr, "bench_record: hh_record_many item %zu: %s\n",
                    done + failed, hh_last_error(h));
        done += m;
    }
    *rate = (double)n / (now_s() - t0);
    if (rc == 0)
        rc = ours_check(h, n);
    hh_close(h);
    tmp_remove(dir);
    free(items);
    return rc ? -1 : 0;
}

/* ---- the peer: SQLite --------------------------------------------------- */

typedef struct peer {
    char dir[4096];
    sqlite3 *db;
    sqlite3_stmt *ins;
} peer;

static int sql_fail(sqlite3 *db, const char *what)
{
    fprintf(stderr, "bench_record: sqlite %s: %s\n", what,
            db ? sqlite3_errmsg(db) : "out of memory");
    return -1;
}

static int sql_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "bench_record: sqlite '%s': %s\n", sql,
                msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static void peer_close(peer *p)
{
    sqlite3_finalize(p->ins);
    sqlite3_close(p->db);
    tmp_remove(p->dir);
}

static int peer_open(peer *p)
{
    char path[4200];
    memset(p, 0, sizeof *p);
    if (tmp_make(p->dir, sizeof p->dir) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/bench.db", p->dir);
    if (sqlite3_open(path, &p->db) != SQLITE_OK) {
        sql_fail(p->db, "open");
        peer_close(p);
        return -1;
    }
    if (sql_exec(p->db, "PRAGMA journal_mode=WAL") != 0 ||
        sql_exec(p->db, "PRAGMA synchronous=FULL") != 0 ||
        sql_exec(p->db, "CREATE TABLE scans(id BLOB PRIMARY KEY, "
                        "device TEXT, seq INTEGER, at INTEGER, tag TEXT, "
                        "route TEXT, method TEXT, note TEXT, "
                        "anomaly INTEGER, by TEXT)") != 0) {
        peer_close(p);
        return -1;
    }
    if (sqlite3_prepare_v2(p->db,
                           "INSERT INTO scans VALUES(?,?,?,?,?,?,?,?,?,?)", -1,
                           &p->ins, NULL) != SQLITE_OK) {
        sql_fail(p->db, "prepare");
        peer_close(p);
        return -1;
    }
    return 0;
}

/* Inserts record i through the prepared statement. */
static int peer_insert(peer *p, size_t i, int64_t at)
{
    sqlite3_stmt *s = p->ins;
    size_t k = i % NTAGS;
    int flagged = k % 10 == 0;
    uint8_t id[16];

    random_id(id);
    if (sqlite3_bind_blob(s, 1, id, sizeof id, SQLITE_STATIC) ||
        sqlite3_bind_text(s, 2, "bench-device", -1, SQLITE_STATIC) ||
        sqlite3_bind_int64(s, 3, (sqlite3_int64)i + 1) ||
        sqlite3_bind_int64(s, 4, at) ||
        sqlite3_bind_text(s, 5, tag_text[k], -1, SQLITE_STATIC) ||
        sqlite3_bind_text(s, 6, ROUTE, -1, SQLITE_STATIC) ||
        sqlite3_bind_text(s, 7, METHOD, -1, SQLITE_STATIC) ||
        (flagged ? sqlite3_bind_text(s, 8, NOTE, -1, SQLITE_STATIC)
                 : sqlite3_bind_null(s, 8)) ||
        sqlite3_bind_int(s, 9, flagged) ||
        sqlite3_bind_text(s, 10, BY, -1, SQLITE_STATIC))
        return sql_fail(p->db, "bind");
    if (sqlite3_step(s) != SQLITE_DONE) {
        sql_fail(p->db, "insert");
        sqlite3_reset(s);
        return -1;
    }
    sqlite3_reset(s);
    return 0;
}

/* Checks, outside the timing, that the table holds the n rows. */
static int peer_check(peer *p, size_t n)
{
    sqlite3_stmt *q;
    sqlite3_int64 got = -1;
    if (sqlite3_prepare_v2(p->db, "SELECT count(*) FROM scans", -1, &q, NULL) !=
        SQLITE_OK)
        return sql_fail(p->db, "prepare count");
    if (sqlite3_step(q) == SQLITE_ROW)
        got = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (got != (sqlite3_int64)n) {
        fprintf(stderr, "bench_record: sqlite holds %lld rows, not %zu\n",
                (long long)got, n);
        return -1;
    }
    return 0;
}

/* n autocommit INSERTs, each its own durable transaction. */
static int peer_single(size_t n, double *rate)
{
    peer p;
    int rc = 0;
    double t0;

    if (peer_open(&p) != 0)
        return -1;
    t0 = now_s();
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = peer_insert(&p, i, wall_ms());
    *rate = (double)n / (now_s() - t0);
    if (rc == 0)
        rc = peer_check(&p, n);
    peer_close(&p);
    return rc;
}

/* n INSERTs in transactions of bs rows. */
static int peer_batch(size_t n, size_t bs, double *rate)
{
    peer p;
    int rc = 0;
    double t0;

    if (peer_open(&p) != 0)
        return -1;
    t0 = now_s();
    for (size_t done = 0; done < n && rc == 0;) {
        size_t m = n - done < bs ? n - done : bs;
        int64_t at = wall_ms();
        rc = sql_exec(p.db, "BEGIN");
        for (size_t j = 0; j < m && rc == 0; j++)
            rc = peer_insert(&p, done + j, at);
        if (rc == 0)
            rc = sql_exec(p.db, "COMMIT");
        done += m;
    }
    *rate = (double)n / (now_s() - t0);
    if (rc == 0)
        rc = peer_check(&p, n);
    peer_close(&p);
    return rc;
}

/* ---- driver ------------------------------------------------------------- */

typedef struct results {
    double *ours_single, *peer_single, *ours_batch, *peer_batch;
    double med_ours_single, med_peer_single, med_ours_batch, med_peer_batch;
} results;

/* Runs every measurement p->repeat times; ours goes first on even runs and
 * SQLite on odd ones, so drift in the machine's load hits both alike. */
static int run_all(const params *p, results *r)
{
    for (size_t k = 0; k < p->repeat; k++) {
        int ours_first = k % 2 == 0;
        for (int pass = 0; pass < 2; pass++) {
            int rc = (pass == 0) == ours_first
                         ? ours_single(p->single, &r->ours_single[k])
                         : peer_single(p->single, &r->peer_single[k]);
            if (rc)
                return -1;
        }
        for (int pass = 0; pass < 2; pass++) {
            int rc =
                (pass == 0) == ours_first
                    ? ours_batch(p->batch, p->batch_size, &r->ours_batch[k])
                    : peer_batch(p->batch, p->batch_size, &r->peer_batch[k]);
            if (rc)
                return -1;
        }
        if (!p->json)
            fprintf(stderr,
                    "run %zu/%zu: single %.0f vs %.0f /s, batch %.0f vs "
                    "%.0f /s\n",
                    k + 1, p->repeat, r->ours_single[k], r->peer_single[k],
                    r->ours_batch[k], r->peer_batch[k]);
    }
    r->med_ours_single = median(r->ours_single, p->repeat);
    r->med_peer_single = median(r->peer_single, p->repeat);
    r->med_ours_batch = median(r->ours_batch, p->repeat);
    r->med_peer_batch = median(r->peer_batch, p->repeat);
    return 0;
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

static void json_runs(const char *name, const double *v, size_t n)
{
    printf(",\"%s\":[", name);
    for (size_t i = 0; i < n; i++)
        printf("%s%.1f", i ? "," : "", v[i]);
    putchar(']');
}

static void print_json(const params *p, const results *r, long ncpu)
{
    double sr = r->med_ours_single / r->med_peer_single;
    double br = r->med_ours_batch / r->med_peer_batch;
    printf("{\"bench\":\"record\",\"nproc\":%ld,\"tmpdir\":", ncpu);
    json_str(tmp_base());
    printf(",\"sqlite_version\":");
    json_str(sqlite3_libversion());
    printf(",\"single\":%zu,\"batch\":%zu,\"batch_size\":%zu,\"repeat\":%zu",
           p->single, p->batch, p->batch_size, p->repeat);
    printf(",\"rounds_single_per_s\":%.1f,\"sqlite_single_per_s\":%.1f"
           ",\"single_ratio\":%.3f",
           r->med_ours_single, r->med_peer_single, sr);
    printf(",\"rounds_batch_per_s\":%.1f,\"sqlite_batch_per_s\":%.1f"
           ",\"batch_ratio\":%.3f",
           r->med_ours_batch, r->med_peer_batch, br);
    printf(",\"single_target_ratio\":%.1f,\"single_target_met\":%s",
           SINGLE_TARGET, sr >= SINGLE_TARGET ? "true" : "false");
    printf(",\"batch_target_per_s\":%.0f,\"batch_target_met\":%s", BATCH_TARGET,
           r->med_ours_batch >= BATCH_TARGET ? "true" : "false");
    json_runs("rounds_single_runs", r->ours_single, p->repeat);
    json_runs("sqlite_single_runs", r->peer_single, p->repeat);
    json_runs("rounds_batch_runs", r->ours_batch, p->repeat);
    json_runs("sqlite_batch_runs", r->peer_batch, p->repeat);
    printf("}\n");
}

static void print_table(const params *p, const results *r, long ncpu)
{
    double sr = r->med_ours_single / r->med_peer_single;
    double br = r->med_ours_batch / r->med_peer_batch;
    printf("bench_record: patrol scans, Rounds C API vs SQLite %s\n"
           "(journal_mode=WAL, synchronous=FULL, same records as rows)\n",
           sqlite3_libversion());
    printf("nproc %ld, tmpdir %s; single %zu, batch %zu in batches of %zu; "
           "median of %zu runs\n\n",
           ncpu, tmp_base(), p->single, p->batch, p->batch_size, p->repeat);
    printf("%-16s %12s %12s %8s  %-18s %s\n", "measurement", "rounds rec/s",
           "sqlite rec/s", "ratio", "target", "result");
    printf("%-16s %12.0f %12.0f %7.2fx  %-18s %s\n", "single durable",
           r->med_ours_single, r->med_peer_single, sr, ">= 1.00x sqlite",
           sr >= SINGLE_TARGET ? "PASS" : "MISS");
    printf("%-16s %12.0f %12.0f %7.2fx  %-18s %s\n", "batched",
           r->med_ours_batch, r->med_peer_batch, br, ">= 500000 rec/s",
           r->med_ours_batch >= BATCH_TARGET ? "PASS" : "MISS");
}

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_record [--single N] [--batch N] [--batch-size B]\n"
               "                    [--repeat R] [--json] [--help]\n"
               "Durable single-record commits/s (hh_record) and batched "
               "records/s\n"
               "(hh_record_many) beside SQLite (WAL, synchronous=FULL) in the "
               "same run.\n"
               "  --single N      records committed one by one (default 2000)\n"
               "  --batch N       records in the batched measurement "
               "(default 200000)\n"
               "  --batch-size B  records per transaction (default 10000)\n"
               "  --repeat R      runs of each, alternating who goes first; "
               "medians\n"
               "                  are reported (default 5)\n"
               "  --json          one JSON object line instead of the table\n"
               "Temporary stores go under $TMPDIR (or /tmp) and are removed.\n"
               "Exits 0 whether or not the targets are met; 1 on errors, 2 on "
               "bad usage.\n");
}

static int parse_count(const char *flag, const char *s, size_t *out)
{
    char *end;
    unsigned long long v;
    if (s == NULL || *s < '0' || *s > '9') {
        fprintf(stderr, "bench_record: %s needs a positive number\n", flag);
        return -1;
    }
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end != '\0' || v == 0 || v > 1000000000ull) {
        fprintf(stderr, "bench_record: %s: bad count '%s'\n", flag, s);
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
        } else if (strcmp(a, "--single") == 0) {
            dst = &p->single;
        } else if (strcmp(a, "--batch") == 0) {
            dst = &p->batch;
        } else if (strcmp(a, "--batch-size") == 0) {
            dst = &p->batch_size;
        } else if (strcmp(a, "--repeat") == 0) {
            dst = &p->repeat;
        } else {
            fprintf(stderr, "bench_record: unknown argument '%s'\n", a);
            usage(stderr);
            return -1;
        }
        if (parse_count(a, i + 1 < argc ? argv[i + 1] : NULL, dst) != 0)
            return -1;
        i++;
    }
    return 0;
}

int main(int argc, char **argv)
{
    params p = {2000, 200000, 10000, 5, 0};
    results r;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int rc;

    if (parse_args(argc, argv, &p) != 0)
        return 2;
    if (getrandom(&rng_state, sizeof rng_state, 0) != sizeof rng_state)
        rng_state = (uint64_t)wall_ms();
    records_build();
    memset(&r, 0, sizeof r);
    r.ours_single = calloc(p.repeat, sizeof(double));
    r.peer_single = calloc(p.repeat, sizeof(double));
    r.ours_batch = calloc(p.repeat, sizeof(double));
    r.peer_batch = calloc(p.repeat, sizeof(double));
    if (!r.ours_single || !r.peer_single || !r.ours_batch || !r.peer_batch) {
        fprintf(stderr, "bench_record: out of memory\n");
        return 1;
    }
    rc = run_all(&p, &r);
    if (rc == 0) {
        if (p.json)
            print_json(&p, &r, ncpu);
        else
            print_table(&p, &r, ncpu);
    }
    free(r.ours_single);
    free(r.peer_single);
    free(r.ours_batch);
    free(r.peer_batch);
    return rc ? 1 : 0;
}
