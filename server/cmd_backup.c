/* cmd_backup.c: see cmd_backup.h. `roundsd backup` and `roundsd restore`
 * (docs/OPERATIONS.md, "Backup and restore drill"); the manifest is read
 * by the project's one JSON reader (report/jsonread.h).
 *
 * A backup directory holds:
 *   registry/, sites/<site>/   compacted LMDB copies (store_copy), each a
 *                              consistent snapshot taken while serve runs
 *   sites/<site>/attachments/ab/cdef...
 *                              the site's attachment files (storage/blob.h),
 *                              each rehashed while copied (blob_export); a
 *                              damaged one is not copied but named, in the
 *                              manifest's "damaged" and on stderr, and the
 *                              backup exits 1 (docs/OPERATIONS.md says why)
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../i18n/i18n.h"
#include "../proto/sha256.h"
#include "../report/jsonread.h"
#include "../report/render.h"
#include "../storage/blob.h"
#include "cert.h"
#include "cli.h"
#include "cmd_backup.h"
#include "datadir.h"
#include "dump.h"
#include "site.h"

#ifndef ROUNDS_VERSION
#define ROUNDS_VERSION "unknown"
#endif

#define MANIFEST "MANIFEST.json"
/* Format 2 adds "attachments" and "damaged"; format 1 (no attachments)
 * still restores. */
#define MANIFEST_FORMAT 2
/* A manifest lists every attachment: about 130 bytes each. */
#define MANIFEST_CAP ((size_t)64 << 20)
#define PATH_CAP 4200
#define MAX_STORES 1024
#define MAX_FILES 64

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
    cli_fmt(p, sizeof p, "%s/%s/data.mdb", dir, name);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* A regular file at the top of the data directory (key, certificates,
 * configuration); not the manifest or a temp file of ours. */
static int keep_file(const char *dir, const char *name)
{
    char p[PATH_CAP];
    struct stat st;
    cli_fmt(p, sizeof p, "%s/%s", dir, name);
    return lstat(p, &st) == 0 && S_ISREG(st.st_mode) &&
           strcmp(name, MANIFEST) != 0 && strstr(name, ".tmp") == NULL &&
           strcmp(name, SRV_DATADIR_LOCK_FILE) != 0;
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

/* One attachment file of a site, copied or found damaged. */
typedef struct att_sum {
    uint16_t site; /* index in the stores */
    uint8_t hash[BLOB_HASH_LEN];
    uint64_t bytes;
} att_sum;

typedef struct att_list {
    att_sum *v;
    size_t n, cap;
} att_list;

static int al_add(att_list *l, uint16_t site, const uint8_t h[BLOB_HASH_LEN],
                  uint64_t bytes)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        att_sum *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].site = site;
    memcpy(l->v[l->n].hash, h, BLOB_HASH_LEN);
    l->v[l->n++].bytes = bytes;
    return 0;
}

static void json_att(rpt_jw *j, const store_sum *stores, const att_sum *a)
{
    char hex[BLOB_HEX_LEN + 1];
    blob_hex(a->hash, hex);
    rpt_jw_obj(j);
    rpt_jw_kstr(j, "site", stores[a->site].site);
    rpt_jw_kstr(j, "hash", hex);
    rpt_jw_kuint(j, "bytes", a->bytes);
    rpt_jw_end(j);
}

static void json_store(rpt_jw *j, const store_sum *s)
{
    char inc[17];
    snprintf(inc, sizeof inc, "%016" PRIx64, s->incarnation);
    rpt_jw_obj(j);
    rpt_jw_kstr(j, "path", s->path);
    rpt_jw_kstr(j, "site", s->site);
    rpt_jw_kint(j, "format", s->format);
    rpt_jw_kuint(j, "ops", s->ops);
    rpt_jw_kuint(j, "entities", s->entities);
    rpt_jw_kstr(j, "digest", s->digest);
    rpt_jw_kstr(j, "incarnation", inc);
    rpt_jw_end(j);
}

static void json_file(rpt_jw *j, const file_sum *x)
{
    rpt_jw_obj(j);
    rpt_jw_kstr(j, "name", x->name);
    rpt_jw_kuint(j, "bytes", x->bytes);
    rpt_jw_kstr(j, "sha256", x->sha256);
    rpt_jw_end(j);
}

/* Copies one store (src dir) to dst dir and sums up the copy. */
static int backup_store(const char *src, const char *dst, store_sum *s,
                        char *err, size_t errlen)
{
    store *st;
    int rc = store_open(src, STORE_RDONLY, &st);
    if (rc) {
        cli_fmt(err, errlen, "cannot open %s: %s", src,
                i18n_tr(rnd_strerror(rc)));
        return rc;
    }
    rc = store_copy(st, dst);
    if (rc)
        cli_fmt(err, errlen, "cannot copy %s to %s: %s (%s)", src, dst,
                i18n_tr(rnd_strerror(rc)), store_last_raw_text(st));
    store_close(st);
    if (rc)
        return rc;
    char p[PATH_CAP];
    cli_fmt(p, sizeof p, "%s/data.mdb", dst);
    if (fsync_path(p, 0) != 0 || fsync_path(dst, 1) != 0) {
        cli_fmt(err, errlen, "cannot sync %s: %s", p, strerror(errno));
        return RND_EIO;
    }
    rc = summarise(dst, s);
    if (rc)
        cli_fmt(err, errlen, "the copy %s does not open: %s", dst,
                i18n_tr(rnd_strerror(rc)));
    return rc;
}

static int write_manifest(const char *dir, int64_t now, const char *source,
                          const store_sum *stores, size_t ns,
                          const file_sum *files, size_t nf,
                          const att_list *atts, const att_list *bad)
{
    char tmp[PATH_CAP], fin[PATH_CAP], when[40];
    cli_fmt(tmp, sizeof tmp, "%s/%s.tmp", dir, MANIFEST);
    cli_fmt(fin, sizeof fin, "%s/%s", dir, MANIFEST);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return errno;
    cli_fmt_time(now, when, sizeof when);
    char version[64];
    snprintf(version, sizeof version, "roundsd %s", ROUNDS_VERSION);
    /* One member a line in the lists: people read the manifest too. */
    rpt_jw j;
    rpt_jw_init(&j, f);
    rpt_jw_obj(&j);
    rpt_jw_kint(&j, "manifest", MANIFEST_FORMAT);
    rpt_jw_kint(&j, "time_ms", now);
    rpt_jw_kstr(&j, "time", when);
    rpt_jw_kstr(&j, "version", version);
    rpt_jw_kint(&j, "protocol", PROTO_VERSION);
    rpt_jw_kint(&j, "store_format", STORE_FORMAT_VERSION);
    rpt_jw_kstr(&j, "source", source);
    rpt_jw_break(&j, "\n");
    rpt_jw_key(&j, "stores");
    rpt_jw_arr(&j);
    for (size_t i = 0; i < ns; i++) {
        rpt_jw_break(&j, "\n  ");
        json_store(&j, &stores[i]);
    }
    rpt_jw_end(&j);
    rpt_jw_break(&j, "\n");
    rpt_jw_key(&j, "files");
    rpt_jw_arr(&j);
    for (size_t i = 0; i < nf; i++) {
        rpt_jw_break(&j, "\n  ");
        json_file(&j, &files[i]);
    }
    rpt_jw_end(&j);
    rpt_jw_break(&j, "\n");
    rpt_jw_key(&j, "attachments");
    rpt_jw_arr(&j);
    for (size_t i = 0; i < atts->n; i++) {
        rpt_jw_break(&j, "\n  ");
        json_att(&j, stores, &atts->v[i]);
    }
    rpt_jw_end(&j);
    rpt_jw_break(&j, "\n");
    rpt_jw_key(&j, "damaged");
    rpt_jw_arr(&j);
    for (size_t i = 0; i < bad->n; i++) {
        rpt_jw_break(&j, "\n  ");
        json_att(&j, stores, &bad->v[i]);
    }
    rpt_jw_end(&j);
    rpt_jw_end(&j);
    fputc('\n', f);
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

/* The hashes of a folder's attachments (blob_each). */
typedef struct walk_hashes {
    att_list *l;
    uint16_t site;
} walk_hashes;

static int walk_cb(const uint8_t hash[BLOB_HASH_LEN], uint64_t size,
                   int64_t mtime_s, void *arg)
{
    walk_hashes *w = arg;
    (void)mtime_s;
    return al_add(w->l, w->site, hash, size) ? RND_ENOMEM : 0;
}

/* Copies the attachment files of the store stores[si] (a site) from the
 * data directory to the backup dir, each rehashed while copied
 * (blob_export): copied ones are added to atts, damaged ones (not copied)
 * to bad and named on stderr. A file removed meanwhile (gc, purge) is
 * skipped. 0 or an RND_E* code, with err set. */
static int backup_atts(const char *data, const char *dir,
                       const store_sum *stores, size_t si, att_list *atts,
                       att_list *bad, uint64_t *bytes, char *err, size_t errlen)
{
    char src[PATH_CAP], dst[PATH_CAP], hex[BLOB_HEX_LEN + 1];
    struct stat st;
    cli_fmt(src, sizeof src, "%s/%s/attachments", data, stores[si].path);
    *bytes = 0;
    if (stat(src, &st) != 0)
        return 0; /* a site that never held any */
    blob_store *bs;
    int rc = blob_open(&bs, src);
    if (rc) {
        cli_fmt(err, errlen, "cannot open %s: %s", src,
                i18n_tr(rnd_strerror(rc)));
        return rc;
    }
    att_list found = {0};
    walk_hashes w = {&found, (uint16_t)si};
    rc = blob_each(bs, walk_cb, &w);
    if (rc)
        cli_fmt(err, errlen, "cannot list %s: %s", src,
                i18n_tr(rnd_strerror(rc)));
    cli_fmt(dst, sizeof dst, "%s/%s/attachments", dir, stores[si].path);
    if (rc == 0 && found.n && mkdir(dst, 0700) != 0 && errno != EEXIST) {
        cli_fmt(err, errlen, "cannot create %s: %s", dst, strerror(errno));
        rc = RND_EIO;
    }
    for (size_t i = 0; rc == 0 && i < found.n; i++) {
        att_sum *a = &found.v[i];
        blob_hex(a->hash, hex);
        cli_fmt(dst, sizeof dst, "%s/%s/attachments/%.2s", dir, stores[si].path,
                hex);
        if (mkdir(dst, 0700) != 0 && errno != EEXIST) {
            cli_fmt(err, errlen, "cannot create %s: %s", dst, strerror(errno));
            rc = RND_EIO;
            break;
        }
        cli_fmt(dst, sizeof dst, "%s/%s/attachments/%.2s/%s", dir,
                stores[si].path, hex, hex + 2);
        int r = blob_export(bs, a->hash, dst);
        if (r == RND_ENOTFOUND)
            continue;
        if (r == RND_EHASH) {
            fprintf(stderr,
                    _("roundsd backup: WARNING: attachment %s of site %s is "
                      "damaged (its bytes no longer match their hash): not "
                      "copied\n"),
                    hex, stores[si].site);
            if (al_add(bad, a->site, a->hash, a->bytes))
                rc = RND_ENOMEM;
            continue;
        }
        if (r) {
            cli_fmt(err, errlen, "cannot copy attachment %s of site %s: %s",
                    hex, stores[si].site, i18n_tr(rnd_strerror(r)));
            rc = r;
            break;
        }
        if (al_add(atts, a->site, a->hash, a->bytes))
            rc = RND_ENOMEM;
        *bytes += a->bytes;
    }
    if (rc == RND_ENOMEM)
        cli_fmt(err, errlen, "out of memory");
    free(found.v);
    blob_close(bs);
    return rc;
}

static int cmd_backup(void)
{
    const char *data = cli_data_dir();
    int json = cli_flag("json") != NULL;
    if (cli_args.npos != 1)
        return cli_usage(_("give the backup directory: roundsd backup DIR"));
    const char *dir = cli_args.pos[0];
    char src[PATH_CAP], dst[PATH_CAP], err[PATH_CAP + 200], abs[PATH_CAP];
    cli_fmt(src, sizeof src, "%s/registry/data.mdb", data);
    struct stat st;
    if (stat(src, &st) != 0)
        return cli_fail(RND_ENOTFOUND,
                        _("no server data in %s: nothing to back up (--data?)"),
                        data);
    int ds = dir_state(dir);
    if (ds == 2)
        return cli_fail(RND_EEXIST,
                        _("%s is not empty: give a new or empty directory"),
                        dir);
    if (ds < 0)
        return cli_fail(RND_EIO, _("%s: %s"), dir, strerror(errno));
    int e = store_mkdirs(dir);
    if (e)
        return cli_fail(RND_EIO, _("cannot create %s: %s"), dir, strerror(e));
    int64_t began = cli_now_ms();

    /* Sites first, then the registry: a device enrolled meanwhile is then
     * in the copied registry, and can sync with the restored server. */
    char sites_dir[PATH_CAP];
    cli_fmt(sites_dir, sizeof sites_dir, "%s/sites", data);
    char **names;
    size_t nsites;
    e = list_names(sites_dir, keep_site, &names, &nsites);
    if (e && e != ENOENT) {
        free_names(names, nsites);
        return cli_fail(RND_EIO, _("cannot list %s: %s"), sites_dir,
                        strerror(e));
    }
    if (nsites + 1 > MAX_STORES) {
        free_names(names, nsites);
        return cli_fail(RND_EINVAL, _("more than %d site stores"),
                        MAX_STORES - 1);
    }
    store_sum *stores = calloc(nsites + 1, sizeof *stores);
    if (stores == NULL) {
        free_names(names, nsites);
        return cli_fail(RND_ENOMEM, _("out of memory"));
    }
    size_t ns = 0;
    int rc = 0;
    FILE *prog = json ? stderr : stdout;
    att_list atts = {0}, bad = {0};
    for (size_t i = 0; i <= nsites && rc == 0; i++) {
        store_sum *s = &stores[ns];
        if (i < nsites) {
            cli_fmt(s->path, sizeof s->path, "sites/%s", names[i]);
            cli_fmt(s->site, sizeof s->site, "%s", names[i]);
        } else {
            cli_fmt(s->path, sizeof s->path, "registry");
        }
        cli_fmt(src, sizeof src, "%s/%s", data, s->path);
        cli_fmt(dst, sizeof dst, "%s/%s", dir, s->path);
        rc = backup_store(src, dst, s, err, sizeof err);
        if (rc == 0) {
            ns++;
            fprintf(prog,
                    "%-24s %10" PRIu64 " ops %8" PRIu64 " entities  digest "
                    "%.16s...\n",
                    s->path, s->ops, s->entities, s->digest);
            fflush(prog);
        }
        /* After its store: every attachment the copied store names and
         * the server held is still there (only gc and purge remove). */
        if (rc == 0 && i < nsites) {
            size_t before = atts.n;
            uint64_t bytes = 0;
            rc = backup_atts(data, dir, stores, ns - 1, &atts, &bad, &bytes,
                             err, sizeof err);
            if (rc == 0 && atts.n > before) {
                char what[120];
                cli_fmt(what, sizeof what, "%s/attachments", s->path);
                fprintf(prog, "%-24s %10zu files %8" PRIu64 " bytes\n", what,
                        atts.n - before, bytes);
                fflush(prog);
            }
        }
    }
    free_names(names, nsites);
    if (rc) {
        free(stores), free(atts.v), free(bad.v);
        return cli_fail(rc,
                        _("%s (the backup in %s is incomplete: it has no "
                          "%s)"),
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
        cli_fmt(files[i].name, sizeof files[i].name, "%s", fnames[i]);
        cli_fmt(src, sizeof src, "%s/%s", data, fnames[i]);
        cli_fmt(dst, sizeof dst, "%s/%s", dir, fnames[i]);
        e = copy_file(src, dst, sha, &files[i].bytes);
        if (e == 0) {
            proto_hex(sha, 32, files[i].sha256);
            fprintf(prog, "%-24s %10" PRIu64 " bytes\n", fnames[i],
                    files[i].bytes);
        }
    }
    if (e) {
        free_names(fnames, nf);
        free(stores), free(atts.v), free(bad.v);
        return cli_fail(
            RND_EIO,
            _("cannot copy the files of %s: %s (the backup in %s is "
              "incomplete)"),
            data, strerror(e), dir);
    }
    free_names(fnames, nf);
    const char *source = realpath(data, abs) ? abs : data;
    e = write_manifest(dir, began, source, stores, ns, files, nf, &atts, &bad);
    if (e) {
        free(stores), free(atts.v), free(bad.v);
        return cli_fail(RND_EIO, _("cannot write %s/%s: %s"), dir, MANIFEST,
                        strerror(e));
    }
    uint64_t total = 0, att_bytes = 0;
    for (size_t i = 0; i < ns; i++)
        total += stores[i].ops;
    for (size_t i = 0; i < atts.n; i++)
        att_bytes += atts.v[i].bytes;
    if (json) {
        rpt_jw j;
        rpt_jw_init(&j, stdout);
        rpt_jw_obj(&j);
        rpt_jw_kbool(&j, "ok", 1);
        rpt_jw_kstr(&j, "dir", realpath(dir, abs) ? abs : dir);
        rpt_jw_kint(&j, "time_ms", began);
        rpt_jw_kuint(&j, "ops", total);
        rpt_jw_key(&j, "stores");
        rpt_jw_arr(&j);
        for (size_t i = 0; i < ns; i++)
            json_store(&j, &stores[i]);
        rpt_jw_end(&j);
        rpt_jw_key(&j, "files");
        rpt_jw_arr(&j);
        for (size_t i = 0; i < nf; i++)
            json_file(&j, &files[i]);
        rpt_jw_end(&j);
        rpt_jw_kuint(&j, "attachments", atts.n);
        rpt_jw_kuint(&j, "attachment_bytes", att_bytes);
        rpt_jw_key(&j, "damaged");
        rpt_jw_arr(&j);
        for (size_t i = 0; i < bad.n; i++)
            json_att(&j, stores, &bad.v[i]);
        rpt_jw_end(&j);
        rpt_jw_end(&j);
        putchar('\n');
    } else {
        printf("backup complete: %zu stores (%" PRIu64 " ops), %zu files, "
               "%zu attachments (%" PRIu64 " bytes), %s/%s\n",
               ns, total, nf, atts.n, att_bytes, dir, MANIFEST);
    }
    size_t nbad = bad.n;
    free(stores), free(atts.v), free(bad.v);
    if (nbad)
        return cli_fail(RND_EHASH,
                        _("%zu damaged attachment file(s) were not backed "
                          "up (named above and in %s/%s): the rest of the "
                          "backup is complete; restore them from an older "
                          "backup"),
                        nbad, dir, MANIFEST);
    return RND_EXIT_OK;
}

/* ---- restore ------------------------------------------------------------ */

/* Reads BACKUP/MANIFEST.json into root. Prints why on failure and returns
 * an exit code. */
static int read_manifest(const char *bdir, rpt_jv *root)
{
    char path[PATH_CAP];
    cli_fmt(path, sizeof path, "%s/%s", bdir, MANIFEST);
    memset(root, 0, sizeof *root);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        if (errno == ENOENT && dir_state(bdir) == 0)
            return cli_fail(RND_ENOTFOUND, _("no backup at %s"), bdir);
        if (errno == ENOENT)
            return cli_fail(RND_EEXIST,
                            _("%s has no %s: not a complete backup (a backup "
                              "that did not finish has none); refused"),
                            bdir, MANIFEST);
        return cli_fail(RND_EIO, _("%s: %s"), path, strerror(errno));
    }
    size_t cap = MANIFEST_CAP;
    char *text = malloc(cap);
    size_t n = text ? fread(text, 1, cap, f) : 0;
    int too_big = text && n == cap && fgetc(f) != EOF;
    fclose(f);
    if (text == NULL)
        return cli_fail(RND_ENOMEM, _("out of memory"));
    int rc = too_big ? RND_ETOOBIG : rpt_jv_parse(text, n, root, NULL);
    free(text);
    if (rc == RND_ENOMEM) {
        rpt_jv_free(root);
        return cli_fail(rc, _("out of memory"));
    }
    const rpt_jv *fmt = rpt_jv_get(root, "manifest", RPT_JV_NUM);
    if (rc || fmt == NULL || fmt->neg ||
        rpt_jv_get(root, "stores", RPT_JV_ARR) == NULL ||
        rpt_jv_get(root, "files", RPT_JV_ARR) == NULL) {
        rpt_jv_free(root);
        return cli_fail(RND_ECORRUPT,
                        _("%s does not read as a backup manifest"), path);
    }
    if (fmt->num > MANIFEST_FORMAT) {
        rpt_jv_free(root);
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

/* An attachment entry of the manifest: its site (one the manifest lists
 * a store of), hash and size. Returns 0 or -1 when malformed. */
static int att_entry(const rpt_jv *root, const rpt_jv *a, const char **site,
                     uint8_t h[BLOB_HASH_LEN], uint64_t *bytes)
{
    const rpt_jv *stores = rpt_jv_get(root, "stores", RPT_JV_ARR);
    const rpt_jv *si = rpt_jv_get(a, "site", RPT_JV_STR),
                 *hx = rpt_jv_get(a, "hash", RPT_JV_STR),
                 *by = rpt_jv_get(a, "bytes", RPT_JV_NUM);
    if (si == NULL || hx == NULL || by == NULL || by->neg ||
        !srv_name_valid(si->str, strlen(si->str)) ||
        strlen(hx->str) != BLOB_HEX_LEN || blob_unhex(hx->str, h) != 0)
        return -1;
    char hex[BLOB_HEX_LEN + 1];
    blob_hex(h, hex);
    if (strcmp(hex, hx->str) != 0)
        return -1; /* upper case: not a name a backup writes */
    for (size_t i = 0; i < stores->n; i++) {
        const rpt_jv *sp = rpt_jv_get(&stores->kids[i], "path", RPT_JV_STR);
        if (sp && strncmp(sp->str, "sites/", 6) == 0 &&
            strcmp(sp->str + 6, si->str) == 0) {
            *site = si->str;
            *bytes = by->num;
            return 0;
        }
    }
    return -1;
}

/* Rehashes every attachment the manifest lists: its bytes must hash to
 * its name and number what the manifest says. */
static int verify_atts(const char *bdir, const rpt_jv *root, FILE *prog)
{
    const rpt_jv *atts = rpt_jv_get(root, "attachments", RPT_JV_ARR);
    if (atts == NULL)
        return 0; /* manifest format 1: none */
    char path[PATH_CAP], hex[BLOB_HEX_LEN + 1], got[65];
    uint64_t total = 0;
    for (size_t i = 0; i < atts->n; i++) {
        const char *site;
        uint8_t h[BLOB_HASH_LEN], sha[32];
        uint64_t want, bytes;
        if (att_entry(root, &atts->kids[i], &site, h, &want) != 0)
            return cli_fail(RND_ECORRUPT,
                            _("%s/%s: attachment entry %zu is malformed"), bdir,
                            MANIFEST, i + 1);
        blob_hex(h, hex);
        cli_fmt(path, sizeof path, "%s/sites/%s/attachments/%.2s/%s", bdir,
                site, hex, hex + 2);
        int e = hash_file(path, sha, &bytes);
        if (e)
            return cli_fail(RND_ECORRUPT,
                            _("the backup's attachment %s of site %s: %s"), hex,
                            site, strerror(e));
        proto_hex(sha, 32, got);
        if (strcmp(got, hex) != 0 || bytes != want)
            return cli_fail(RND_ECORRUPT,
                            _("the backup's attachment %s of site %s is "
                              "damaged: its bytes do not match their name; "
                              "refused, nothing restored"),
                            hex, site);
        total += bytes;
    }
    if (atts->n)
        fprintf(prog, "verified %zu attachments (%" PRIu64 " bytes)\n", atts->n,
                total);
    return 0;
}

/* Checks every store and file of the backup against the manifest. */
static int verify_backup(const char *bdir, const rpt_jv *root, int json)
{
    const rpt_jv *stores = rpt_jv_get(root, "stores", RPT_JV_ARR);
    const rpt_jv *files = rpt_jv_get(root, "files", RPT_JV_ARR);
    char path[PATH_CAP];
    int have_registry = 0;
    FILE *prog = json ? stderr : stdout;
    for (size_t i = 0; i < stores->n; i++) {
        const rpt_jv *s = &stores->kids[i];
        const rpt_jv *sp = rpt_jv_get(s, "path", RPT_JV_STR),
                     *ops = rpt_jv_get(s, "ops", RPT_JV_NUM),
                     *ent = rpt_jv_get(s, "entities", RPT_JV_NUM),
                     *dig = rpt_jv_get(s, "digest", RPT_JV_STR);
        if (sp == NULL || ops == NULL || ent == NULL || dig == NULL ||
            ops->neg || ent->neg || !store_path_ok(sp->str))
            return cli_fail(RND_ECORRUPT,
                            _("%s/%s: store entry %zu lacks path, ops, "
                              "entities or digest"),
                            bdir, MANIFEST, i + 1);
        have_registry |= strcmp(sp->str, "registry") == 0;
        store_sum sum = {0};
        cli_fmt(path, sizeof path, "%s/%s", bdir, sp->str);
        int rc = summarise(path, &sum);
        if (rc)
            return cli_fail(rc == RND_ENOTFOUND ? RND_ECORRUPT : rc,
                            "the backup's %s does not open: %s", sp->str,
                            i18n_tr(rnd_strerror(rc)));
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
        return cli_fail(RND_ECORRUPT, _("%s/%s lists no registry"), bdir,
                        MANIFEST);
    for (size_t i = 0; i < files->n; i++) {
        const rpt_jv *f = &files->kids[i];
        const rpt_jv *name = rpt_jv_get(f, "name", RPT_JV_STR),
                     *sha = rpt_jv_get(f, "sha256", RPT_JV_STR);
        if (name == NULL || sha == NULL || !file_name_ok(name->str))
            return cli_fail(RND_ECORRUPT,
                            _("%s/%s: file entry %zu is malformed"), bdir,
                            MANIFEST, i + 1);
        uint8_t h[32];
        uint64_t bytes;
        char hex[65];
        cli_fmt(path, sizeof path, "%s/%s", bdir, name->str);
        int e = hash_file(path, h, &bytes);
        if (e)
            return cli_fail(RND_ECORRUPT, _("the backup's %s: %s"), name->str,
                            strerror(e));
        proto_hex(h, 32, hex);
        if (strcmp(hex, sha->str) != 0)
            return cli_fail(RND_ECORRUPT,
                            _("the backup's %s does not match its manifest "
                              "(SHA-256 differs)"),
                            name->str);
    }
    return verify_atts(bdir, root, prog);
}

/* Copies every attachment the manifest lists into the data directory
 * (after the stores: DATA/sites/S exists), rehashing each on the way, and
 * fsyncs the folders it made. 0 or an RND_E* code (RND_EIO with *errn,
 * RND_EHASH for bytes changed since they were verified); *what names
 * what failed. */
static int restore_atts(const char *bdir, const char *data, const rpt_jv *root,
                        size_t *n, int *errn, const char **what)
{
    static char failed[PATH_CAP];
    const rpt_jv *atts = rpt_jv_get(root, "attachments", RPT_JV_ARR);
    char src[PATH_CAP], dst[PATH_CAP], hex[BLOB_HEX_LEN + 1], got[65];
    *n = 0;
    for (size_t i = 0; atts && i < atts->n; i++) {
        const char *site;
        uint8_t h[BLOB_HASH_LEN], sha[32];
        uint64_t want, bytes;
        if (att_entry(root, &atts->kids[i], &site, h, &want) != 0)
            return RND_ECORRUPT; /* verified before: cannot happen */
        blob_hex(h, hex);
        cli_fmt(failed, sizeof failed, "attachment %s of site %s", hex, site);
        *what = failed;
        cli_fmt(dst, sizeof dst, "%s/sites/%s/attachments", data, site);
        if (mkdir(dst, 0700) != 0 && errno != EEXIST)
            return *errn = errno, RND_EIO;
        cli_fmt(dst, sizeof dst, "%s/sites/%s/attachments/%.2s", data, site,
                hex);
        if (mkdir(dst, 0700) != 0 && errno != EEXIST)
            return *errn = errno, RND_EIO;
        cli_fmt(src, sizeof src, "%s/sites/%s/attachments/%.2s/%s", bdir, site,
                hex, hex + 2);
        cli_fmt(dst, sizeof dst, "%s/sites/%s/attachments/%.2s/%s", data, site,
                hex, hex + 2);
        int e = copy_file(src, dst, sha, &bytes);
        if (e)
            return *errn = e, RND_EIO;
        proto_hex(sha, 32, got);
        if (strcmp(got, hex) != 0 || bytes != want) {
            unlink(dst);
            return RND_EHASH;
        }
        (*n)++;
    }
    /* The folders made, durably: each hex folder, attachments/, the
     * site's folder (a few hundred fsyncs a site at most). */
    const rpt_jv *stores = rpt_jv_get(root, "stores", RPT_JV_ARR);
    for (size_t i = 0; *n && i < stores->n; i++) {
        const char *sp = rpt_jv_get(&stores->kids[i], "path", RPT_JV_STR)->str;
        if (strncmp(sp, "sites/", 6) != 0)
            continue;
        struct stat st;
        cli_fmt(dst, sizeof dst, "%s/%s/attachments", data, sp);
        if (stat(dst, &st) != 0)
            continue;
        for (int b = 0; b < 256; b++) {
            cli_fmt(dst, sizeof dst, "%s/%s/attachments/%02x", data, sp, b);
            if (stat(dst, &st) == 0 && fsync_path(dst, 1) != 0) {
                *what = sp;
                return *errn = errno, RND_EIO;
            }
        }
        cli_fmt(dst, sizeof dst, "%s/%s/attachments", data, sp);
        if (fsync_path(dst, 1) != 0) {
            *what = sp;
            return *errn = errno, RND_EIO;
        }
        cli_fmt(dst, sizeof dst, "%s/%s", data, sp);
        if (fsync_path(dst, 1) != 0) {
            *what = sp;
            return *errn = errno, RND_EIO;
        }
    }
    *what = "";
    return 0;
}

static int cmd_restore(void)
{
    const char *data = cli_data_dir();
    int json = cli_flag("json") != NULL, force = cli_flag("force") != NULL;
    if (cli_args.npos != 1)
        return cli_usage(_("give the backup directory: roundsd restore BACKUP "
                           "--data DIR"));
    const char *bdir = cli_args.pos[0];
    rpt_jv root;
    int ex = read_manifest(bdir, &root);
    if (ex)
        return ex;
    char aside[PATH_CAP] = "";
    int ds = dir_state(data);
    if (ds == 2 && !force) {
        rpt_jv_free(&root);
        return cli_fail(RND_EEXIST,
                        _("%s is not empty: give a new or empty --data "
                          "directory, or --force to move it aside"),
                        data);
    }
    if ((ex = verify_backup(bdir, &root, json)) != 0) {
        rpt_jv_free(&root);
        return ex;
    }
    if (ds == 2) {
        /* Never under a running serve: its lock (datadir.h), kept until
         * restore exits (it moves aside with the directory). */
        char lerr[PATH_CAP + 200];
        if (srv_datadir_lock(data, "restore", NULL, lerr, sizeof lerr) != 0) {
            rpt_jv_free(&root);
            return cli_fail(RND_EEXIST, "%s", lerr);
        }
        /* Nothing is deleted: the data directory being replaced is kept
         * beside the restored one. */
        cli_fmt(aside, sizeof aside, "%s.before-restore-%" PRId64, data,
                cli_now_ms());
        if (rename(data, aside) != 0) {
            int e = errno;
            rpt_jv_free(&root);
            return cli_fail(RND_EIO, _("cannot move %s aside to %s: %s"), data,
                            aside, strerror(e));
        }
    }
    int e = store_mkdirs(data);
    if (e) {
        rpt_jv_free(&root);
        return cli_fail(RND_EIO, _("cannot create %s: %s"), data, strerror(e));
    }
    /* The new directory too: no serve may start on it half restored. */
    char lerr2[PATH_CAP + 200];
    if (srv_datadir_lock(data, "restore", NULL, lerr2, sizeof lerr2) != 0) {
        rpt_jv_free(&root);
        return cli_fail(RND_EEXIST, "%s", lerr2);
    }
    const rpt_jv *stores = rpt_jv_get(&root, "stores", RPT_JV_ARR);
    const rpt_jv *files = rpt_jv_get(&root, "files", RPT_JV_ARR);
    char src[PATH_CAP], dst[PATH_CAP];
    store_sum *out = calloc(stores->n ? stores->n : 1, sizeof *out);
    int rc = out ? 0 : RND_ENOMEM;
    const char *what = "";
    for (size_t i = 0; rc == 0 && i < files->n; i++) {
        const char *name = rpt_jv_get(&files->kids[i], "name", RPT_JV_STR)->str;
        uint8_t h[32];
        uint64_t bytes;
        cli_fmt(src, sizeof src, "%s/%s", bdir, name);
        cli_fmt(dst, sizeof dst, "%s/%s", data, name);
        if ((e = copy_file(src, dst, h, &bytes)) != 0) {
            rc = RND_EIO;
            what = name;
        }
    }
    for (size_t i = 0; rc == 0 && i < stores->n; i++) {
        const rpt_jv *s = &stores->kids[i];
        const char *sp = rpt_jv_get(s, "path", RPT_JV_STR)->str;
        store *st = NULL;
        what = sp;
        cli_fmt(src, sizeof src, "%s/%s", bdir, sp);
        cli_fmt(dst, sizeof dst, "%s/%s", data, sp);
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
        if (rc == 0 && out[i].ops != rpt_jv_get(s, "ops", RPT_JV_NUM)->num)
            rc = RND_ECORRUPT;
        cli_fmt(out[i].path, sizeof out[i].path, "%s", sp);
        if (strncmp(sp, "sites/", 6) == 0)
            cli_fmt(out[i].site, sizeof out[i].site, "%s", sp + 6);
    }
    size_t natts = 0;
    if (rc == 0)
        rc = restore_atts(bdir, data, &root, &natts, &e, &what);
    if (rc == 0 && fsync_path(data, 1) != 0)
        rc = RND_EIO, what = data;
    if (rc) {
        free(out);
        rpt_jv_free(&root);
        return cli_fail(
            rc, "restoring %s into %s failed: %s%s%s", what, data,
            rc == RND_EIO ? strerror(e ? e : errno) : i18n_tr(rnd_strerror(rc)),
            aside[0] ? "; the former data directory is " : "", aside);
    }
    const rpt_jv *t = rpt_jv_get(&root, "time", RPT_JV_STR);
    if (json) {
        rpt_jw j;
        rpt_jw_init(&j, stdout);
        rpt_jw_obj(&j);
        rpt_jw_kbool(&j, "ok", 1);
        rpt_jw_kstr(&j, "data", data);
        rpt_jw_kstr(&j, "backup", bdir);
        rpt_jw_kstr(&j, "backup_time", t ? t->str : "");
        rpt_jw_kstr(&j, "moved_aside", aside[0] ? aside : NULL);
        rpt_jw_key(&j, "stores");
        rpt_jw_arr(&j);
        for (size_t i = 0; i < stores->n; i++)
            json_store(&j, &out[i]);
        rpt_jw_end(&j);
        rpt_jw_kuint(&j, "files", files->n);
        rpt_jw_kuint(&j, "attachments", natts);
        rpt_jw_end(&j);
        putchar('\n');
    } else {
        for (size_t i = 0; i < stores->n; i++) {
            printf("restored %-24s %10" PRIu64 " ops %8" PRIu64 " entities",
                   out[i].path, out[i].ops, out[i].entities);
            if (out[i].site[0])
                printf("  new incarnation %016" PRIx64, out[i].incarnation);
            putchar('\n');
        }
        for (size_t i = 0; i < files->n; i++)
            printf("restored %s\n",
                   rpt_jv_get(&files->kids[i], "name", RPT_JV_STR)->str);
        if (natts)
            printf("restored %zu attachments\n", natts);
        printf("restore complete: the backup of %s is in %s%s%s\n"
               "start 'roundsd serve --data %s'; handhelds re-push what it "
               "lacks and pull the site again at their next sync\n",
               t ? t->str : "?", data,
               aside[0] ? "; the former data directory is " : "", aside, data);
    }
    free(out);
    rpt_jv_free(&root);
    return RND_EXIT_OK;
}

/* ---- the table ---------------------------------------------------------- */

static const cli_flag_spec backup_flags[] = {
    CLI_DATA_FLAG,
    {"json", NULL, N_("print the result as JSON (progress goes to stderr)")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};
static const cli_flag_spec restore_flags[] = {
    CLI_DATA_FLAG,
    {"force", NULL, N_("move a non-empty --data directory aside first")},
    {"json", NULL, N_("print the result as JSON (progress goes to stderr)")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};
const cli_command cli_backup_commands[] = {
    {"backup", N_("copy the data directory consistently while serve runs"),
     "roundsd backup DIR [--data DIR] [--json]\n\n"
     "DIR must be new or empty. Copies every store (compacted LMDB snapshot),\n"
     "each site's attachment files (rehashed while copied; a damaged one is\n"
     "named, left out, and the backup exits 1), the key and certificates,\n"
     "then writes DIR/MANIFEST.json last.",
     backup_flags, cmd_backup, 1},
    {"restore", N_("restore a backup into a data directory (serve stopped)"),
     "roundsd restore BACKUP --data DIR [--force] [--json]\n\n"
     "Verifies BACKUP against its manifest (each store opens, op counts and\n"
     "digests match, every attachment's bytes hash to its name) before\n"
     "copying; gives each site store a new incarnation\n"
     "so handhelds pull the site again.",
     restore_flags, cmd_restore, 1},
    {NULL, NULL, NULL, NULL, NULL, 0}};
