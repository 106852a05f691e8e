/* cmd_backup.c: see cmd_backup.h. `roundsd backup`, `roundsd restore` and
 * `roundsd cert next|rotate|status` (docs/OPERATIONS.md, "Backup and
 * restore drill" and "Certificate rotation").
 *
 * A backup directory holds:
 *   registry/, sites/<site>/   compacted LMDB copies (store_copy), each a
 *                              consistent snapshot taken while serve runs
 *   server.key, server.crt, and every other regular file at the top of the
 *                              data directory (staged or previous
 *                              certificates, configuration), mode and
 *                              modification time kept
 *   MANIFEST.json              written last (temp file, fsync, rename): a
 *                              backup without it is incomplete
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../proto/sha256.h"
#include "cert.h"
#include "cmd_backup.h"
#include "dump.h"
#include "site.h"

#ifndef ROUNDS_VERSION
#define ROUNDS_VERSION "unknown"
#endif

#define MANIFEST "MANIFEST.json"
#define MANIFEST_FORMAT 1
#define PATH_CAP 4200
#define MAX_STORES 1024
#define MAX_FILES 64

/* snprintf for paths and messages that are cut at the buffer's size (paths
 * are bounded by PATH_CAP, far over any real one): the release build's
 * -Wformat-truncation would flag each call with a %s of a path. */
static void fmt_to(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fmt_to(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, cap, fmt, ap);
    va_end(ap);
}

/* ---- files -------------------------------------------------------------- */

/* 0: dir does not exist; 1: an empty directory; 2: not empty (or not a
 * directory); -1: cannot tell (errno). */
static int dir_state(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return errno == ENOENT ? 0 : (errno == ENOTDIR ? 2 : -1);
    struct dirent *e;
    int st = 1;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            st = 2;
            break;
        }
    closedir(d);
    return st;
}

static int fsync_path(const char *path, int dir)
{
    int fd = open(path, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Copies src to dst (which must not exist) with src's mode and
 * modification time, durably, and hashes it. 0 or an errno value. */
static int copy_file(const char *src, const char *dst, uint8_t sha[32],
                     uint64_t *bytes)
{
    struct stat st;
    int in = open(src, O_RDONLY);
    if (in < 0)
        return errno;
    if (fstat(in, &st) != 0) {
        int e = errno;
        close(in);
        return e;
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL, st.st_mode & 07777);
    if (out < 0) {
        int e = errno;
        close(in);
        return e;
    }
    proto_sha256_ctx h;
    proto_sha256_init(&h);
    char buf[65536];
    int e = 0;
    *bytes = 0;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            e = errno;
            break;
        }
        if (n == 0)
            break;
        proto_sha256_update(&h, buf, (size_t)n);
        *bytes += (uint64_t)n;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                e = errno;
                break;
            }
            off += w;
        }
        if (e)
            break;
    }
    proto_sha256_final(&h, sha);
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (e == 0 && (fchmod(out, st.st_mode & 07777) != 0 ||
                   futimens(out, times) != 0 || fsync(out) != 0))
        e = errno;
    if (close(out) != 0 && e == 0)
        e = errno;
    close(in);
    if (e)
        unlink(dst);
    return e;
}

static int hash_file(const char *path, uint8_t sha[32], uint64_t *bytes)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return errno;
    proto_sha256_ctx h;
    proto_sha256_init(&h);
    char buf[65536];
    ssize_t n;
    *bytes = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        proto_sha256_update(&h, buf, (size_t)n);
        *bytes += (uint64_t)n;
    }
    int e = n < 0 ? errno : 0;
    close(fd);
    proto_sha256_final(&h, sha);
    return e;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir that pass keep(), sorted; *n of them (malloc'd, free
 * with free_names). Returns 0 or an errno value (ENOENT: no dir). */
static int list_names(const char *dir,
                      int (*keep)(const char *dir, const char *name),
                      char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return errno;
    size_t cap = 16;
    char **v = malloc(cap * sizeof *v);
    struct dirent *e;
    int err = v ? 0 : ENOMEM;
    while (err == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !keep(dir, e->d_name))
            continue;
        if (*n == cap) {
            char **w = realloc(v, 2 * cap * sizeof *v);
            if (w == NULL) {
                err = ENOMEM;
                break;
            }
            v = w;
            cap *= 2;
        }
        if ((v[*n] = strdup(e->d_name)) == NULL)
            err = ENOMEM;
        else
            (*n)++;
    }
    closedir(d);
    if (v)
        qsort(v, *n, sizeof *v, cmp_str);
    *out = v;
    return err;
}

static void free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* A site store directory: a valid site name holding data.mdb. */
static int keep_site(const char *dir, const char *name)
{
    char p[PATH_CAP];
    struct stat st;
    if (!srv_name_valid(name, strlen(name)))
        return 0;
    fmt_to(p, sizeof p, "%s/%s/data.mdb", dir, name);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* A regular file at the top of the data directory (key, certificates,
 * configuration); not the manifest or a temp file of ours. */
static int keep_file(const char *dir, const char *name)
{
    char p[PATH_CAP];
    struct stat st;
    fmt_to(p, sizeof p, "%s/%s", dir, name);
    return lstat(p, &st) == 0 && S_ISREG(st.st_mode) &&
           strcmp(name, MANIFEST) != 0 && strstr(name, ".tmp") == NULL;
}

/* ---- store summaries ---------------------------------------------------- */

typedef struct store_sum {
    char path[80];               /* "registry" or "sites/<site>" */
    char site[SRV_NAME_MAX + 1]; /* "" for the registry */
    int format;
    uint64_t ops, entities, incarnation;
    char digest[65];
} store_sum;

/* Opens the store at dir read-only and sums it up. */
static int summarise(const char *dir, store_sum *s)
{
    store *st;
    int rc = store_open(dir, STORE_RDONLY, &st);
    if (rc)
        return rc;
    uint8_t d[32];
    s->format = store_format(st);
    rc = srv_dump(st, NULL, NULL, d, &s->entities, &s->ops);
    if (rc == 0)
        rc = srv_store_incarnation(st, &s->incarnation);
    store_close(st);
    if (rc == 0)
        proto_hex(d, 32, s->digest);
    return rc;
}

/* ---- backup ------------------------------------------------------------- */

typedef struct file_sum {
    char name[256];
    uint64_t bytes;
    char sha256[65];
} file_sum;

static void json_store(FILE *f, const store_sum *s)
{
    fprintf(f,
            "{\"path\":\"%s\",\"site\":\"%s\",\"format\":%d,\"ops\":%" PRIu64
            ",\"entities\":%" PRIu64 ",\"digest\":\"%s\","
            "\"incarnation\":\"%016" PRIx64 "\"}",
            s->path, s->site, s->format, s->ops, s->entities, s->digest,
            s->incarnation);
}

static void json_file(FILE *f, const file_sum *x)
{
    fprintf(f, "{\"name\":\"%s\",\"bytes\":%" PRIu64 ",\"sha256\":\"%s\"}",
            x->name, x->bytes, x->sha256);
}

/* Copies one store (src dir) to dst dir and sums up the copy. */
static int backup_store(const char *src, const char *dst, store_sum *s,
                        char *err, size_t errlen)
{
    store *st;
    int rc = store_open(src, STORE_RDONLY, &st);
    if (rc) {
        fmt_to(err, errlen, "cannot open %s: %s", src, rnd_strerror(rc));
        return rc;
    }
    rc = store_copy(st, dst);
    if (rc)
        fmt_to(err, errlen, "cannot copy %s to %s: %s (%s)", src, dst,
               rnd_strerror(rc), store_last_raw_text(st));
    store_close(st);
    if (rc)
        return rc;
    char p[PATH_CAP];
    fmt_to(p, sizeof p, "%s/data.mdb", dst);
    if (fsync_path(p, 0) != 0 || fsync_path(dst, 1) != 0) {
        fmt_to(err, errlen, "cannot sync %s: %s", p, strerror(errno));
        return RND_EIO;
    }
    rc = summarise(dst, s);
    if (rc)
        fmt_to(err, errlen, "the copy %s does not open: %s", dst,
               rnd_strerror(rc));
    return rc;
}

static int write_manifest(const char *dir, int64_t now, const char *source,
                          const store_sum *stores, size_t ns,
                          const file_sum *files, size_t nf)
{
    char tmp[PATH_CAP], fin[PATH_CAP], when[40];
    fmt_to(tmp, sizeof tmp, "%s/%s.tmp", dir, MANIFEST);
    fmt_to(fin, sizeof fin, "%s/%s", dir, MANIFEST);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return errno;
    cli_fmt_time(now, when, sizeof when);
    fprintf(f,
            "{\"manifest\":%d,\"time_ms\":%" PRId64 ",\"time\":\"%s\","
            "\"version\":\"roundsd %s\",\"protocol\":%d,"
            "\"store_format\":%d,\"source\":",
            MANIFEST_FORMAT, now, when, ROUNDS_VERSION, PROTO_VERSION,
            STORE_FORMAT_VERSION);
    /* cli_json_str writes to stdout: the source path is escaped here. */
    fputc('"', f);
    for (const char *p = source; *p; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', f);
        if ((unsigned char)*p >= 0x20)
            fputc(*p, f);
    }
    fputs("\",\n\"stores\":[", f);
    for (size_t i = 0; i < ns; i++) {
        fputs(i ? ",\n  " : "\n  ", f);
        json_store(f, &stores[i]);
    }
    fputs("],\n\"files\":[", f);
    for (size_t i = 0; i < nf; i++) {
        fputs(i ? ",\n  " : "\n  ", f);
        json_file(f, &files[i]);
    }
    fputs("]}\n", f);
    int e = 0;
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        e = errno;
    if (fclose(f) != 0 && e == 0)
        e = errno;
    if (e == 0 && rename(tmp, fin) != 0)
        e = errno;
    if (e == 0 && fsync_path(dir, 1) != 0)
        e = errno;
    if (e)
        unlink(tmp);
    return e;
}

static int cmd_backup(void)
{
    const char *data = cli_data_dir();
    int json = cli_flag("json") != NULL;
    if (cli_args.npos != 1)
        return cli_usage("give the backup directory: roundsd backup DIR");
    const char *dir = cli_args.pos[0];
    char src[PATH_CAP], dst[PATH_CAP], err[PATH_CAP + 200], abs[PATH_CAP];
    fmt_to(src, sizeof src, "%s/registry/data.mdb", data);
    struct stat st;
    if (stat(src, &st) != 0)
        return cli_fail(RND_ENOTFOUND,
                        "no server data in %s: nothing to back up (--data?)",
                        data);
    int ds = dir_state(dir);
    if (ds == 2)
        return cli_fail(RND_EEXIST,
                        "%s is not empty: give a new or empty directory", dir);
    if (ds < 0)
        return cli_fail(RND_EIO, "%s: %s", dir, strerror(errno));
    int e = store_mkdirs(dir);
    if (e)
        return cli_fail(RND_EIO, "cannot create %s: %s", dir, strerror(e));
    int64_t began = cli_now_ms();

    /* Sites first, then the registry: a device enrolled meanwhile is then
     * in the copied registry, and can sync with the restored server. */
    char sites_dir[PATH_CAP];
    fmt_to(sites_dir, sizeof sites_dir, "%s/sites", data);
    char **names;
    size_t nsites;
    e = list_names(sites_dir, keep_site, &names, &nsites);
    if (e && e != ENOENT) {
        free_names(names, nsites);
        return cli_fail(RND_EIO, "cannot list %s: %s", sites_dir, strerror(e));
    }
    if (nsites + 1 > MAX_STORES) {
        free_names(names, nsites);
        return cli_fail(RND_EINVAL, "more than %d site stores", MAX_STORES - 1);
    }
    store_sum *stores = calloc(nsites + 1, sizeof *stores);
    if (stores == NULL) {
        free_names(names, nsites);
        return cli_fail(RND_ENOMEM, "out of memory");
    }
    size_t ns = 0;
    int rc = 0;
    FILE *prog = json ? stderr : stdout;
    for (size_t i = 0; i <= nsites && rc == 0; i++) {
        store_sum *s = &stores[ns];
        if (i < nsites) {
            fmt_to(s->path, sizeof s->path, "sites/%s", names[i]);
            fmt_to(s->site, sizeof s->site, "%s", names[i]);
        } else {
            fmt_to(s->path, sizeof s->path, "registry");
        }
        fmt_to(src, sizeof src, "%s/%s", data, s->path);
        fmt_to(dst, sizeof dst, "%s/%s", dir, s->path);
        rc = backup_store(src, dst, s, err, sizeof err);
        if (rc == 0) {
            ns++;
            fprintf(prog,
                    "%-24s %10" PRIu64 " ops %8" PRIu64 " entities  digest "
                    "%.16s...\n",
                    s->path, s->ops, s->entities, s->digest);
            fflush(prog);
        }
    }
    free_names(names, nsites);
    if (rc) {
        free(stores);
        return cli_fail(rc,
                        "%s (the backup in %s is incomplete: it has no "
                        "%s)",
                        err, dir, MANIFEST);
    }

    char **fnames;
    size_t nf;
    file_sum files[MAX_FILES];
    e = list_names(data, keep_file, &fnames, &nf);
    for (size_t i = 0; e == 0 && i < nf; i++) {
        if (i == MAX_FILES || strlen(fnames[i]) >= sizeof files[i].name) {
            e = E2BIG;
            break;
        }
        uint8_t sha[32];
        fmt_to(files[i].name, sizeof files[i].name, "%s", fnames[i]);
        fmt_to(src, sizeof src, "%s/%s", data, fnames[i]);
        fmt_to(dst, sizeof dst, "%s/%s", dir, fnames[i]);
        e = copy_file(src, dst, sha, &files[i].bytes);
        if (e == 0) {
            proto_hex(sha, 32, files[i].sha256);
            fprintf(prog, "%-24s %10" PRIu64 " bytes\n", fnames[i],
                    files[i].bytes);
        }
    }
    if (e) {
        free_names(fnames, nf);
        free(stores);
        return cli_fail(RND_EIO,
                        "cannot copy the files of %s: %s (the backup in %s is "
                        "incomplete)",
                        data, strerror(e), dir);
    }
    free_names(fnames, nf);
    const char *source = realpath(data, abs) ? abs : data;
    e = write_manifest(dir, began, source, stores, ns, files, nf);
    if (e) {
        free(stores);
        return cli_fail(RND_EIO, "cannot write %s/%s: %s", dir, MANIFEST,
                        strerror(e));
    }
    uint64_t total = 0;
    for (size_t i = 0; i < ns; i++)
        total += stores[i].ops;
    if (json) {
        printf("{\"ok\":true,\"dir\":");
        cli_json_str(realpath(dir, abs) ? abs : dir);
        printf(",\"time_ms\":%" PRId64 ",\"ops\":%" PRIu64 ",\"stores\":[",
               began, total);
        for (size_t i = 0; i < ns; i++) {
            if (i)
                putchar(',');
            json_store(stdout, &stores[i]);
        }
        printf("],\"files\":[");
        for (size_t i = 0; i < nf; i++) {
            if (i)
                putchar(',');
            json_file(stdout, &files[i]);
        }
        printf("]}\n");
    } else {
        printf("backup complete: %zu stores (%" PRIu64 " ops), %zu files, "
               "%s/%s\n",
               ns, total, nf, dir, MANIFEST);
    }
    free(stores);
    return RND_EXIT_OK;
}

/* ---- a small JSON reader for the manifest ------------------------------- */

/* The manifest is our own file, but it is read back as untrusted text: the
 * reader is bounded (depth, sizes) and fails cleanly on anything odd. */
typedef struct jv {
    char type; /* 'o' object, 'a' array, 's' string, 'n' number, 'b', 'z' */
    char *str; /* string value */
    uint64_t num;
    size_t n;
    char **keys; /* objects */
    struct jv *kids;
} jv;

static void jv_free(jv *v)
{
    for (size_t i = 0; i < v->n; i++) {
        if (v->keys)
            free(v->keys[i]);
        jv_free(&v->kids[i]);
    }
    free(v->keys);
    free(v->kids);
    free(v->str);
    memset(v, 0, sizeof *v);
}

static void skip_ws(const char **p)
{
    while (**p == ' ' || **p == '\n' || **p == '\r' || **p == '\t')
        (*p)++;
}

static char *parse_str(const char **p)
{
    if (**p != '"')
        return NULL;
    const char *s = ++*p;
    size_t cap = 64, n = 0;
    char *out = malloc(cap);
    while (out && *s && *s != '"') {
        char c = *s++;
        if (c == '\\') {
            c = *s++;
            if (c == 'n')
                c = '\n';
            else if (c == 't')
                c = '\t';
            else if (c != '"' && c != '\\' && c != '/') {
                free(out);
                return NULL; /* \u is not needed for our own manifest */
            }
        }
        if (n + 2 > cap) {
            char *w = cap < 65536 ? realloc(out, cap *= 2) : NULL;
            if (w == NULL) {
                free(out);
                return NULL;
            }
            out = w;
        }
        out[n++] = c;
    }
    if (out == NULL || *s != '"') {
        free(out);
        return NULL;
    }
    out[n] = '\0';
    *p = s + 1;
    return out;
}

static int parse_val(const char **p, jv *v, int depth);

static int add_kid(jv *v, char *key, const char **p, int depth)
{
    jv *k = realloc(v->kids, (v->n + 1) * sizeof *k);
    if (k == NULL)
        return -1;
    v->kids = k;
    if (v->type == 'o') {
        char **ks = realloc(v->keys, (v->n + 1) * sizeof *ks);
        if (ks == NULL)
            return -1;
        v->keys = ks;
        ks[v->n] = key;
    }
    memset(&v->kids[v->n], 0, sizeof *v->kids);
    v->n++;
    return parse_val(p, &v->kids[v->n - 1], depth + 1);
}

static int parse_val(const char **p, jv *v, int depth)
{
    if (depth > 8)
        return -1;
    skip_ws(p);
    char c = **p;
    if (c == '{' || c == '[') {
        v->type = c == '{' ? 'o' : 'a';
        char end = c == '{' ? '}' : ']';
        (*p)++;
        skip_ws(p);
        if (**p == end) {
            (*p)++;
            return 0;
        }
        for (;;) {
            char *key = NULL;
            skip_ws(p);
            if (v->type == 'o') {
                if ((key = parse_str(p)) == NULL)
                    return -1;
                skip_ws(p);
                if (**p != ':') {
                    free(key);
                    return -1;
                }
                (*p)++;
            }
            if (add_kid(v, key, p, depth) != 0)
                return -1;
            skip_ws(p);
            if (**p == ',') {
                (*p)++;
                continue;
            }
            if (**p != end)
                return -1;
            (*p)++;
            return 0;
        }
    }
    if (c == '"') {
        v->type = 's';
        v->str = parse_str(p);
        return v->str ? 0 : -1;
    }
    if (c >= '0' && c <= '9') {
        char *end;
        errno = 0;
        v->type = 'n';
        v->num = strtoull(*p, &end, 10);
        if (errno)
            return -1;
        *p = end;
        return 0;
    }
    if (c == '-') { /* negative numbers: not in our manifest, skipped */
        char *end;
        (void)strtoll(*p, &end, 10);
        v->type = 'n';
        *p = end;
        return end == *p ? -1 : 0;
    }
    static const char *const words[] = {"true", "false", "null"};
    for (int i = 0; i < 3; i++)
        if (strncmp(*p, words[i], strlen(words[i])) == 0) {
            v->type = i < 2 ? 'b' : 'z';
            v->num = i == 0;
            *p += strlen(words[i]);
            return 0;
        }
    return -1;
}

static const jv *jv_get(const jv *o, const char *key, char type)
{
    if (o == NULL || o->type != 'o')
        return NULL;
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(o->keys[i], key) == 0)
            return o->kids[i].type == type ? &o->kids[i] : NULL;
    return NULL;
}

/* ---- restore ------------------------------------------------------------ */

/* Reads BACKUP/MANIFEST.json into root. Prints why on failure and returns
 * an exit code. */
static int read_manifest(const char *bdir, jv *root)
{
    char path[PATH_CAP];
    fmt_to(path, sizeof path, "%s/%s", bdir, MANIFEST);
    memset(root, 0, sizeof *root);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        if (errno == ENOENT && dir_state(bdir) == 0)
            return cli_fail(RND_ENOTFOUND, "no backup at %s", bdir);
        if (errno == ENOENT)
            return cli_fail(RND_EEXIST,
                            "%s has no %s: not a complete backup (a backup "
                            "that did not finish has none); refused",
                            bdir, MANIFEST);
        return cli_fail(RND_EIO, "%s: %s", path, strerror(errno));
    }
    size_t cap = 1 << 20;
    char *text = malloc(cap + 1);
    size_t n = text ? fread(text, 1, cap, f) : 0;
    int too_big = text && !feof(f);
    fclose(f);
    if (text == NULL)
        return cli_fail(RND_ENOMEM, "out of memory");
    text[n] = '\0';
    const char *p = text;
    int bad = too_big || parse_val(&p, root, 0) != 0;
    if (!bad) {
        skip_ws(&p);
        bad = *p != '\0';
    }
    free(text);
    const jv *fmt = jv_get(root, "manifest", 'n');
    if (bad || fmt == NULL || jv_get(root, "stores", 'a') == NULL ||
        jv_get(root, "files", 'a') == NULL) {
        jv_free(root);
        return cli_fail(RND_ECORRUPT, "%s does not read as a backup manifest",
                        path);
    }
    if (fmt->num > MANIFEST_FORMAT) {
        jv_free(root);
        return cli_fail(RND_EVERSION,
                        "%s has manifest format %" PRIu64
                        "; this roundsd reads format %d",
                        path, fmt->num, MANIFEST_FORMAT);
    }
    return 0;
}

/* A store path from the manifest: "registry" or "sites/<valid name>". */
static int store_path_ok(const char *p)
{
    if (strcmp(p, "registry") == 0)
        return 1;
    return strncmp(p, "sites/", 6) == 0 && srv_name_valid(p + 6, strlen(p + 6));
}

/* A file name from the manifest: one path component. */
static int file_name_ok(const char *n)
{
    return *n && *n != '.' && strchr(n, '/') == NULL && strlen(n) < 256;
}

/* Checks every store and file of the backup against the manifest. */
static int verify_backup(const char *bdir, const jv *root, int json)
{
    const jv *stores = jv_get(root, "stores", 'a');
    const jv *files = jv_get(root, "files", 'a');
    char path[PATH_CAP];
    int have_registry = 0;
    FILE *prog = json ? stderr : stdout;
    for (size_t i = 0; i < stores->n; i++) {
        const jv *s = &stores->kids[i];
        const jv *sp = jv_get(s, "path", 's'), *ops = jv_get(s, "ops", 'n'),
                 *ent = jv_get(s, "entities", 'n'),
                 *dig = jv_get(s, "digest", 's');
        if (sp == NULL || ops == NULL || ent == NULL || dig == NULL ||
            !store_path_ok(sp->str))
            return cli_fail(RND_ECORRUPT,
                            "%s/%s: store entry %zu lacks path, ops, "
                            "entities or digest",
                            bdir, MANIFEST, i + 1);
        have_registry |= strcmp(sp->str, "registry") == 0;
        store_sum sum = {0};
        fmt_to(path, sizeof path, "%s/%s", bdir, sp->str);
        int rc = summarise(path, &sum);
        if (rc)
            return cli_fail(rc == RND_ENOTFOUND ? RND_ECORRUPT : rc,
                            "the backup's %s does not open: %s", sp->str,
                            rnd_strerror(rc));
        if (sum.ops != ops->num || sum.entities != ent->num ||
            strcmp(sum.digest, dig->str) != 0)
            return cli_fail(RND_ECORRUPT,
                            "the backup's %s does not match its manifest: "
                            "%" PRIu64 " ops, %" PRIu64
                            " entities, digest %.16s... where the manifest "
                            "says %" PRIu64 ", %" PRIu64 ", %.16s...",
                            sp->str, sum.ops, sum.entities, sum.digest,
                            ops->num, ent->num, dig->str);
        fprintf(prog,
                "verified %-24s %10" PRIu64 " ops %8" PRIu64
                " entities  digest %.16s...\n",
                sp->str, sum.ops, sum.entities, sum.digest);
    }
    if (!have_registry)
        return cli_fail(RND_ECORRUPT, "%s/%s lists no registry", bdir,
                        MANIFEST);
    for (size_t i = 0; i < files->n; i++) {
        const jv *f = &files->kids[i];
        const jv *name = jv_get(f, "name", 's'),
                 *sha = jv_get(f, "sha256", 's');
        if (name == NULL || sha == NULL || !file_name_ok(name->str))
            return cli_fail(RND_ECORRUPT, "%s/%s: file entry %zu is malformed",
                            bdir, MANIFEST, i + 1);
        uint8_t h[32];
        uint64_t bytes;
        char hex[65];
        fmt_to(path, sizeof path, "%s/%s", bdir, name->str);
        int e = hash_file(path, h, &bytes);
        if (e)
            return cli_fail(RND_ECORRUPT, "the backup's %s: %s", name->str,
                            strerror(e));
        proto_hex(h, 32, hex);
        if (strcmp(hex, sha->str) != 0)
            return cli_fail(RND_ECORRUPT,
                            "the backup's %s does not match its manifest "
                            "(SHA-256 differs)",
                            name->str);
    }
    return 0;
}

static int cmd_restore(void)
{
    const char *data = cli_data_dir();
    int json = cli_flag("json") != NULL, force = cli_flag("force") != NULL;
    if (cli_args.npos != 1)
        return cli_usage("give the backup directory: roundsd restore BACKUP "
                         "--data DIR");
    const char *bdir = cli_args.pos[0];
    jv root;
    int ex = read_manifest(bdir, &root);
    if (ex)
        return ex;
    char aside[PATH_CAP] = "";
    int ds = dir_state(data);
    if (ds == 2 && !force) {
        jv_free(&root);
        return cli_fail(RND_EEXIST,
                        "%s is not empty: give a new or empty --data "
                        "directory, or --force to move it aside",
                        data);
    }
    if ((ex = verify_backup(bdir, &root, json)) != 0) {
        jv_free(&root);
        return ex;
    }
    if (ds == 2) {
        /* Nothing is deleted: the data directory being replaced is kept
         * beside the restored one. */
        fmt_to(aside, sizeof aside, "%s.before-restore-%" PRId64, data,
               cli_now_ms());
        if (rename(data, aside) != 0) {
            int e = errno;
            jv_free(&root);
            return cli_fail(RND_EIO, "cannot move %s aside to %s: %s", data,
                            aside, strerror(e));
        }
    }
    int e = store_mkdirs(data);
    if (e) {
        jv_free(&root);
        return cli_fail(RND_EIO, "cannot create %s: %s", data, strerror(e));
    }
    const jv *stores = jv_get(&root, "stores", 'a');
    const jv *files = jv_get(&root, "files", 'a');
    char src[PATH_CAP], dst[PATH_CAP];
    store_sum *out = calloc(stores->n ? stores->n : 1, sizeof *out);
    int rc = out ? 0 : RND_ENOMEM;
    const char *what = "";
    for (size_t i = 0; rc == 0 && i < files->n; i++) {
        const char *name = jv_get(&files->kids[i], "name", 's')->str;
        uint8_t h[32];
        uint64_t bytes;
        fmt_to(src, sizeof src, "%s/%s", bdir, name);
        fmt_to(dst, sizeof dst, "%s/%s", data, name);
        if ((e = copy_file(src, dst, h, &bytes)) != 0) {
            rc = RND_EIO;
            what = name;
        }
    }
    for (size_t i = 0; rc == 0 && i < stores->n; i++) {
        const jv *s = &stores->kids[i];
        const char *sp = jv_get(s, "path", 's')->str;
        store *st = NULL;
        what = sp;
        fmt_to(src, sizeof src, "%s/%s", bdir, sp);
        fmt_to(dst, sizeof dst, "%s/%s", data, sp);
        rc = store_open(src, STORE_RDONLY, &st);
        if (rc == 0)
            rc = store_copy(st, dst);
        store_close(st);
        if (rc)
            break;
        /* A writable open brings an older format up to date; a site store
         * gets a new incarnation, so that every handheld's pull cursor
         * (a position in the log this store had) starts over. */
        rc = store_open(dst, 0, &st);
        if (rc == 0 && strcmp(sp, "registry") != 0)
            rc = srv_store_new_incarnation(st, &out[i].incarnation);
        store_close(st);
        if (rc == 0)
            rc = summarise(dst, &out[i]);
        if (rc == 0 && out[i].ops != jv_get(s, "ops", 'n')->num)
            rc = RND_ECORRUPT;
        fmt_to(out[i].path, sizeof out[i].path, "%s", sp);
        if (strncmp(sp, "sites/", 6) == 0)
            fmt_to(out[i].site, sizeof out[i].site, "%s", sp + 6);
    }
    if (rc == 0 && fsync_path(data, 1) != 0)
        rc = RND_EIO, what = data;
    if (rc) {
        free(out);
        jv_free(&root);
        return cli_fail(
            rc, "restoring %s into %s failed: %s%s%s", what, data,
            rc == RND_EIO ? strerror(e ? e : errno) : rnd_strerror(rc),
            aside[0] ? "; the former data directory is " : "", aside);
    }
    const jv *t = jv_get(&root, "time", 's');
    if (json) {
        printf("{\"ok\":true,\"data\":");
        cli_json_str(data);
        printf(",\"backup\":");
        cli_json_str(bdir);
        printf(",\"backup_time\":");
        cli_json_str(t ? t->str : "");
        printf(",\"moved_aside\":");
        if (aside[0])
            cli_json_str(aside);
        else
            printf("null");
        printf(",\"stores\":[");
        for (size_t i = 0; i < stores->n; i++) {
            if (i)
                putchar(',');
            json_store(stdout, &out[i]);
        }
        printf("],\"files\":%zu}\n", files->n);
    } else {
        for (size_t i = 0; i < stores->n; i++) {
            printf("restored %-24s %10" PRIu64 " ops %8" PRIu64 " entities",
                   out[i].path, out[i].ops, out[i].entities);
            if (out[i].site[0])
                printf("  new incarnation %016" PRIx64, out[i].incarnation);
            putchar('\n');
        }
        for (size_t i = 0; i < files->n; i++)
            printf("restored %s\n", jv_get(&files->kids[i], "name", 's')->str);
        printf("restore complete: the backup of %s is in %s%s%s\n"
               "start 'roundsd serve --data %s'; handhelds re-push what it "
               "lacks and pull the site again at their next sync\n",
               t ? t->str : "?", data,
               aside[0] ? "; the former data directory is " : "", aside, data);
    }
    free(out);
    jv_free(&root);
    return RND_EXIT_OK;
}

/* ---- certificate rotation ----------------------------------------------- */

static int cert_next(void)
{
    const char *data = cli_data_dir(), *cin = cli_flag("cert"),
               *kin = cli_flag("key");
    char cur[PATH_CAP], crt[PATH_CAP], key[PATH_CAP], err[PATH_CAP + 200];
    if ((cin == NULL) != (kin == NULL))
        return cli_usage("--cert and --key go together");
    if (srv_cert_path(data, SRV_CERT_NAME_CUR, "crt", cur, sizeof cur) ||
        srv_cert_path(data, SRV_CERT_NAME_NEXT, "crt", crt, sizeof crt) ||
        srv_cert_path(data, SRV_CERT_NAME_NEXT, "key", key, sizeof key))
        return cli_usage("--data: path too long");
    struct stat st;
    if (stat(cur, &st) != 0)
        return cli_fail(RND_ENOTFOUND,
                        "no certificate in %s: run 'roundsd init' first", data);
    if (stat(crt, &st) == 0 || stat(key, &st) == 0)
        return cli_fail(RND_EEXIST,
                        "a next certificate is staged already (%s); rotate "
                        "to it, or delete %s and %s to stage another",
                        crt, crt, key);
    int rc = cin ? srv_cert_import(cin, kin, crt, key, err, sizeof err)
                 : srv_cert_generate(key, crt, err, sizeof err);
    if (rc)
        return cli_fail(rc, "%s", err);
    srv_cert_info ci;
    rc = srv_cert_info_read(crt, &ci, err, sizeof err);
    if (rc)
        return cli_fail(rc, "%s", err);
    if (cli_flag("json")) {
        printf("{\"ok\":true,\"next\":");
        cli_json_str(crt);
        printf(",\"sha256\":\"%s\",\"source\":\"%s\"}\n", ci.sha256,
               cin ? "imported" : "generated");
    } else {
        printf("staged the next certificate %s (%s)\n  sha256 %s\n"
               "every handheld learns it at its next sync; 'roundsd cert "
               "status' shows which have;\nthen 'roundsd cert rotate' and "
               "restart 'roundsd serve'\n",
               crt, cin ? "imported" : "generated, CN=roundsd", ci.sha256);
    }
    return RND_EXIT_OK;
}

typedef struct status_ctx {
    int64_t staged_ms; /* 0: nothing staged */
    int json;
    size_t n, ready, stranded;
    int pass; /* 0: count; 1: print */
} status_ctx;

/* A device has learned the staged certificate when it finished a sync
 * after it was staged: the server sends it in every WELCOME meanwhile. */
static int device_ready(const srv_device *d, int64_t staged_ms)
{
    return d->last_sync_ms != 0 && d->last_sync_ms >= staged_ms;
}

static int status_cb(const srv_device *d, void *arg)
{
    status_ctx *c = arg;
    if (d->revoked)
        return 0;
    int ready = c->staged_ms && device_ready(d, c->staged_ms);
    if (c->pass == 0) {
        c->n++;
        if (c->staged_ms)
            ready ? c->ready++ : c->stranded++;
        return 0;
    }
    char when[40] = "never";
    if (d->last_sync_ms)
        cli_fmt_time(d->last_sync_ms, when, sizeof when);
    const char *state = !c->staged_ms ? "-" : ready ? "ready" : "stranded";
    if (c->json) {
        printf("%s{\"site\":", c->n++ ? "," : "");
        cli_json_str(d->site);
        printf(",\"device\":");
        cli_json_str(d->name);
        printf(",\"last_sync_ms\":");
        if (d->last_sync_ms)
            printf("%" PRId64, d->last_sync_ms);
        else
            printf("null");
        printf(",\"state\":\"%s\"}", state);
    } else {
        printf("  %-16s %-20s %-24s %s\n", d->site, d->name, when, state);
    }
    return 0;
}

static void print_cert(const char *label, const char *path, int json,
                       int *first)
{
    srv_cert_info ci;
    char err[PATH_CAP + 200], until[40];
    int rc = srv_cert_info_read(path, &ci, err, sizeof err);
    if (json) {
        printf("%s\"%s\":", *first ? "" : ",", label);
        *first = 0;
        if (rc) {
            printf("null");
            return;
        }
        printf("{\"file\":");
        cli_json_str(path);
        printf(",\"sha256\":\"%s\",\"subject\":", ci.sha256);
        cli_json_str(ci.subject);
        printf(",\"not_after_ms\":%" PRId64 ",\"file_mtime_ms\":%" PRId64 "}",
               ci.not_after_ms, ci.mtime_ms);
        return;
    }
    if (rc == RND_ENOTFOUND) {
        printf("%-8s none\n", label);
        return;
    }
    if (rc) {
        printf("%-8s %s\n", label, err);
        return;
    }
    cli_fmt_time(ci.not_after_ms, until, sizeof until);
    printf("%-8s %s  %s, valid until %s\n", label, ci.sha256, ci.subject,
           until);
}

/* Counts (and with print, lists) the handhelds and whether they would be
 * stranded by a rotation now. */
static int cert_devices(status_ctx *c, int print)
{
    srv_registry *r;
    int ex = cli_open_registry(&r);
    if (ex)
        return ex;
    c->pass = 0;
    c->n = c->ready = c->stranded = 0;
    int rc = srv_registry_each(r, NULL, status_cb, c);
    if (rc == 0 && print) {
        size_t n = c->n;
        c->pass = 1;
        c->n = 0;
        if (!c->json)
            printf("\n  %-16s %-20s %-24s %s\n", "SITE", "DEVICE", "LAST SYNC",
                   "NEXT CERT");
        rc = srv_registry_each(r, NULL, status_cb, c);
        c->n = n;
    }
    srv_registry_close(r);
    return rc ? cli_fail(rc, "cannot read the registry: %s", rnd_strerror(rc))
              : 0;
}

static int staged_ms(const char *data, int64_t *out)
{
    char crt[PATH_CAP], err[PATH_CAP + 200];
    srv_cert_info ci;
    *out = 0;
    if (srv_cert_path(data, SRV_CERT_NAME_NEXT, "crt", crt, sizeof crt))
        return RND_EINVAL;
    int rc = srv_cert_info_read(crt, &ci, err, sizeof err);
    if (rc == 0)
        *out = ci.mtime_ms;
    return rc == RND_ENOTFOUND ? 0 : rc;
}

static int cert_status(void)
{
    const char *data = cli_data_dir();
    char p[3][PATH_CAP];
    const char *names[3] = {SRV_CERT_NAME_CUR, SRV_CERT_NAME_NEXT,
                            SRV_CERT_NAME_PREV};
    const char *labels[3] = {"current", "next", "previous"};
    for (int i = 0; i < 3; i++)
        if (srv_cert_path(data, names[i], "crt", p[i], sizeof p[i]))
            return cli_usage("--data: path too long");
    status_ctx c = {0};
    c.json = cli_flag("json") != NULL;
    if (staged_ms(data, &c.staged_ms) != 0)
        return cli_fail(RND_ECERT, "%s does not read as a certificate", p[1]);
    int ex = cert_devices(&c, 0);
    if (ex)
        return ex;
    int first = 1;
    if (c.json)
        printf("{");
    for (int i = 0; i < 3; i++)
        print_cert(labels[i], p[i], c.json, &first);
    if (c.json) {
        printf(",\"staged_ms\":");
        if (c.staged_ms)
            printf("%" PRId64, c.staged_ms);
        else
            printf("null");
        printf(",\"handhelds\":%zu,\"ready\":%zu,\"stranded\":%zu,"
               "\"devices\":[",
               c.n, c.ready, c.stranded);
    } else if (c.staged_ms) {
        char when[40];
        cli_fmt_time(c.staged_ms, when, sizeof when);
        printf("\nstaged %s: %zu of %zu handhelds have synced since (ready); "
               "%zu would be stranded by a rotation now\n",
               when, c.ready, c.n, c.stranded);
    } else {
        printf("\nno next certificate staged ('roundsd cert next')\n");
    }
    if ((ex = cert_devices(&c, 1)) != 0)
        return ex;
    if (c.json)
        printf("]}\n");
    return RND_EXIT_OK;
}

static int cert_rotate(void)
{
    const char *data = cli_data_dir();
    char err[PATH_CAP + 200];
    status_ctx c = {0};
    if (staged_ms(data, &c.staged_ms) != 0)
        return cli_fail(RND_ECERT, "the staged certificate does not read");
    if (c.staged_ms == 0)
        return cli_fail(RND_ENOTFOUND,
                        "no certificate is staged: run 'roundsd cert next' "
                        "first");
    int ex = cert_devices(&c, 0);
    if (ex)
        return ex;
    if (c.stranded > 0 && !cli_flag("force"))
        return cli_fail(RND_EEXIST,
                        "%zu handheld(s) have not synced since the next "
                        "certificate was staged and would be stranded (see "
                        "'roundsd cert status'); let them sync first, or "
                        "--force (they then need 'rounds enroll --cert' with "
                        "the new server.crt)",
                        c.stranded);
    int rc = srv_cert_rotate(data, err, sizeof err);
    if (rc)
        return cli_fail(rc, "%s", err);
    char crt[PATH_CAP];
    srv_cert_info ci;
    if (srv_cert_path(data, SRV_CERT_NAME_CUR, "crt", crt, sizeof crt) ||
        srv_cert_info_read(crt, &ci, err, sizeof err) != 0)
        return cli_fail(RND_ECERT, "%s", err);
    if (cli_flag("json")) {
        printf("{\"ok\":true,\"current\":\"%s\",\"stranded\":%zu}\n", ci.sha256,
               c.stranded);
    } else {
        printf("rotated: the current certificate is now %s\n  (the former "
               "one is kept as %s.crt/.key)\n"
               "restart 'roundsd serve' to present it; %zu handheld(s) were "
               "not ready\n",
               ci.sha256, SRV_CERT_NAME_PREV, c.stranded);
    }
    return RND_EXIT_OK;
}

static int cmd_cert(void)
{
    const char *verb = cli_args.npos ? cli_args.pos[0] : NULL;
    if (verb == NULL)
        return cli_usage("give next, rotate or status");
    int next = strcmp(verb, "next") == 0, rot = strcmp(verb, "rotate") == 0,
        stat_ = strcmp(verb, "status") == 0;
    if (!next && !rot && !stat_)
        return cli_usage("unknown action '%s': give next, rotate or status",
                         verb);
    if (!next && (cli_flag("cert") || cli_flag("key")))
        return cli_usage("--cert and --key go with 'cert next' only");
    if (!rot && cli_flag("force"))
        return cli_usage("--force goes with 'cert rotate' only");
    return next ? cert_next() : rot ? cert_rotate() : cert_status();
}

/* ---- the table ---------------------------------------------------------- */

static const cli_flag_spec backup_flags[] = {
    CLI_DATA_FLAG,
    {"json", NULL, "print the result as JSON (progress goes to stderr)"},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};
static const cli_flag_spec restore_flags[] = {
    CLI_DATA_FLAG,
    {"force", NULL, "move a non-empty --data directory aside first"},
    {"json", NULL, "print the result as JSON (progress goes to stderr)"},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};
static const cli_flag_spec cert_flags[] = {
    CLI_DATA_FLAG,
    {"cert", "PEM", "next: stage this certificate instead of generating one"},
    {"key", "PEM", "next: its EC private key (with --cert)"},
    {"force", NULL, "rotate: even if some handhelds would be stranded"},
    {"json", NULL, "print the result as JSON"},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};

const cli_command cli_backup_commands[] = {
    {"backup", "copy the data directory consistently while serve runs",
     "roundsd backup DIR [--data DIR] [--json]\n\n"
     "DIR must be new or empty. Copies every store (compacted LMDB snapshot),\n"
     "the key and certificates, then writes DIR/MANIFEST.json last.",
     backup_flags, cmd_backup, 1},
    {"restore", "restore a backup into a data directory (serve stopped)",
     "roundsd restore BACKUP --data DIR [--force] [--json]\n\n"
     "Verifies BACKUP against its manifest (each store opens, op counts and\n"
     "digests match) before copying; gives each site store a new incarnation\n"
     "so handhelds pull the site again.",
     restore_flags, cmd_restore, 1},
    {"cert", "certificate rotation: next, rotate, status",
     "roundsd cert next [--cert PEM --key PEM] [--json] [--data DIR]\n"
     "roundsd cert status [--json] [--data DIR]\n"
     "roundsd cert rotate [--force] [--json] [--data DIR]\n\n"
     "next stages server.next.crt/.key (sent to every handheld that syncs);\n"
     "status shows the certificates and which handhelds have learned the\n"
     "next one; rotate makes it current (restart serve).",
     cert_flags, cmd_cert, 1},
    {NULL, NULL, NULL, NULL, NULL, 0}};
