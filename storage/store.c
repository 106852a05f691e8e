/* store.c: the store's environment (store.h): opening, creating and
 * closing it, its format (and the migration of an older one), copying it,
 * LMDB's errors, the key order, and growing the map.
 *
 * One environment per directory with eight named databases (store.h lists
 * their key layouts; store_int.h says which file of storage/ owns what).
 * Every integer in a key or a meta value is big-endian so LMDB's bytewise
 * order is numeric order. LMDB codes never leave storage/: store__fail()
 * translates them into RND_E* and keeps the raw code for the log.
 *
 * The map starts at INITIAL_MAP and doubles whenever a write fills it
 * (store_txn.c replays the write); a growth waits for the read
 * transactions of other threads, which must not have the map moved under
 * them, and adopts a size another process grew the map to.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <lmdb.h>

#include "fold.h"
#include "migrate.h"
#include "store.h"
#include "store_int.h"

/* ---- errors ------------------------------------------------------------- */

/* LMDB reports a short write (what a full disk gives) as EIO: tell a full
 * disk, or a file at its size limit (RLIMIT_FSIZE), from a failing one. */
static int looks_full(const store *s)
{
    mdb_filehandle_t fd;
    struct statvfs v;
    struct stat st;
    struct rlimit rl;
    if (s == NULL || s->env == NULL || mdb_env_get_fd(s->env, &fd) != 0)
        return 0;
    if (fstatvfs(fd, &v) == 0 && (uint64_t)v.f_bavail * v.f_frsize < 1 << 20)
        return 1;
    return fstat(fd, &st) == 0 && getrlimit(RLIMIT_FSIZE, &rl) == 0 &&
           rl.rlim_cur != RLIM_INFINITY &&
           (uint64_t)st.st_size + (1 << 20) > (uint64_t)rl.rlim_cur;
}

/* Keeps raw (an LMDB code or errno) for store_last_raw_* and returns the
 * project code it stands for. */
int store__fail(store *s, int raw)
{
    if (s != NULL) {
        pthread_mutex_lock(&s->mu);
        s->raw = raw;
        snprintf(s->raw_text, sizeof s->raw_text, "%s", mdb_strerror(raw));
        pthread_mutex_unlock(&s->mu);
    }
    switch (raw) {
    case 0:
        return 0;
    case MDB_MAP_FULL:
        return RND_EMAPFULL;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
        return RND_ECORRUPT;
    case MDB_READERS_FULL:
    case EAGAIN:
    case EBUSY:
        return RND_ELOCKED;
    case ENOSPC:
    case EDQUOT:
    case EFBIG: /* a file-size limit (RLIMIT_FSIZE): as full for us */
        return RND_EDISKFULL;
    case EIO:
        return looks_full(s) ? RND_EDISKFULL : RND_EIO;
    case ENOMEM:
        return RND_ENOMEM;
    default:
        return RND_ESTORE;
    }
}

int store_last_raw_error(const store *s)
{
    return s ? s->raw : 0;
}

const char *store_last_raw_text(const store *s)
{
    return s && s->raw ? s->raw_text : "";
}

/* ---- open and close ----------------------------------------------------- */

/* mkdir -p: the store's directory may sit under directories not made yet. */
int store_mkdirs(const char *dir)
{
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path)
        return ENAMETOOLONG;
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char c = path[i];
        path[i] = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return errno;
        path[i] = c;
    }
    return 0;
}

static int remap(store *s, int twice);

/* Adopts the map another process grew (after MDB_MAP_RESIZED): 0, or an
 * LMDB code (MDB_MAP_RESIZED still when a read of this thread holds the
 * old mapping). */
int store__adopt_map(store *s)
{
    int rc = remap(s, 0);
    return rc == RND_EMAPFULL ? MDB_MAP_RESIZED : rc;
}

/* Begins an LMDB transaction, adopting a map another process has grown
 * (unless a read of this thread still uses the old mapping). */
int store__begin(store *s, unsigned flags, MDB_txn **out)
{
    int rc = mdb_txn_begin(s->env, NULL, flags, out);
    if (rc == MDB_MAP_RESIZED && (rc = store__adopt_map(s)) == 0)
        rc = mdb_txn_begin(s->env, NULL, flags, out);
    return rc;
}

/* LMDB's default key order (mdb_cmp_memn: bytewise, then the shorter
 * first), eight bytes at a time: the keys are 8 to 40 bytes of big-endian
 * integers and ids, and the default's call to memcmp() for each of the
 * ~30 key comparisons an ingested op costs was a tenth of an ingest. The
 * order is the same, so the files are the same and any LMDB reader with
 * the default order reads them (test_store_keyorder holds the two to the
 * same answers). */
static int key_cmp(const MDB_val *a, const MDB_val *b)
{
    const uint8_t *p = a->mv_data, *q = b->mv_data;
    size_t n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
    for (; n >= 8; n -= 8, p += 8, q += 8) {
        uint64_t x = proto_be64_get(p), y = proto_be64_get(q);
        if (x != y)
            return x < y ? -1 : 1;
    }
    for (; n > 0; n--, p++, q++)
        if (*p != *q)
            return *p < *q ? -1 : 1;
    return (a->mv_size > b->mv_size) - (a->mv_size < b->mv_size);
}

int store__key_cmp(const MDB_val *a, const MDB_val *b)
{
    return key_cmp(a, b);
}

/* The named databases; meta comes last because open_dbs() opens it first. */
#define NDBS 7
static const char *const db_names[NDBS] = {"ops",    "log",  "eops", "entities",
                                           "bykind", "open", "meta"};

static MDB_dbi *db_handle(store *s, int i)
{
    MDB_dbi *h[NDBS] = {&s->ops,    &s->log,  &s->eops, &s->entities,
                        &s->bykind, &s->open, &s->meta};
    return h[i];
}

/* Opens the named databases and checks (or on creation writes) the format.
 * meta is opened first: its absence means there is no store here. A
 * writable store of an older format is migrated in this same transaction
 * (migrate.h), so it is either wholly upgraded or left as it was; its old
 * format goes to *migrated_from (else 0). */
static int open_dbs(store *s, unsigned flags, int *migrated_from)
{
    int create = (flags & STORE_CREATE) && !s->rdonly;
    *migrated_from = 0;
    MDB_txn *txn;
    int rc = store__begin(s, s->rdonly ? MDB_RDONLY : 0, &txn);
    if (rc)
        return store__fail(s, rc);
    rc = mdb_dbi_open(txn, "meta", create ? MDB_CREATE : 0, &s->meta);
    if (rc == MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        return RND_ENOTFOUND;
    }
    if (rc == 0)
        rc = mdb_set_compare(txn, s->meta, key_cmp);
    for (int i = 0; rc == 0 && i < NDBS - 1; i++) {
        rc = mdb_dbi_open(txn, db_names[i], create ? MDB_CREATE : 0,
                          db_handle(s, i));
        if (rc == 0)
            rc = mdb_set_compare(txn, *db_handle(s, i), key_cmp);
    }
    if (rc) {
        mdb_txn_abort(txn);
        return rc == MDB_NOTFOUND ? RND_ECORRUPT : store__fail(s, rc);
    }

    MDB_val k = {6, "format"}, v;
    uint8_t buf[8];
    uint64_t format = STORE_FORMAT_VERSION;
    int fresh = 0;
    rc = mdb_get(txn, s->meta, &k, &v);
    if (rc == MDB_NOTFOUND && create) {
        fresh = 1;
        proto_be64_put(buf, STORE_FORMAT_VERSION);
        v.mv_size = 8;
        v.mv_data = buf;
        rc = mdb_put(txn, s->meta, &k, &v, 0);
    } else if (rc == MDB_NOTFOUND) {
        /* An environment whose creating transaction never committed. */
        mdb_txn_abort(txn);
        return RND_ENOTFOUND;
    } else if (rc == 0 && v.mv_size != 8) {
        mdb_txn_abort(txn);
        return RND_ECORRUPT;
    } else if (rc == 0) {
        format = proto_be64_get(v.mv_data);
        if (format > STORE_FORMAT_VERSION) {
            mdb_txn_abort(txn);
            return RND_ESTOREVER;
        }
        if (format < 1) {
            mdb_txn_abort(txn);
            return RND_ECORRUPT;
        }
    }
    /* atts and eatts came with format 3 (created with a new store or by
     * the migration). A format-2 store opened read-only has none: it holds
     * no attachments its readers could ask for (has_atts 0). */
    if (rc == 0 && (format >= 3 || !s->rdonly)) {
        unsigned f = fresh || format < 3 ? MDB_CREATE : 0;
        rc = mdb_dbi_open(txn, "atts", f, &s->atts);
        if (rc == 0)
            rc = mdb_dbi_open(txn, "eatts", f, &s->eatts);
        if (rc == MDB_NOTFOUND) {
            mdb_txn_abort(txn);
            return RND_ECORRUPT;
        }
        s->has_atts = rc == 0;
        if (rc == 0)
            rc = mdb_set_compare(txn, s->atts, key_cmp);
        if (rc == 0)
            rc = mdb_set_compare(txn, s->eatts, key_cmp);
    }
    /* heads came with format 2: created with a new store or by the
     * migration; a format-2 store without it is damaged. A format-1 store
     * opened read-only has none, and its readers do not need it. */
    if (rc == 0 && (format >= 2 || !s->rdonly)) {
        rc = mdb_dbi_open(txn, "heads", fresh || format < 2 ? MDB_CREATE : 0,
                          &s->heads);
        if (rc == MDB_NOTFOUND) {
            mdb_txn_abort(txn);
            return RND_ECORRUPT;
        }
        s->has_heads = rc == 0;
        if (rc == 0)
            rc = mdb_set_compare(txn, s->heads, key_cmp);
    }
    if (rc == 0 && format < 2 && !s->rdonly) {
        unsigned long devices;
        rc = store__migrate_1_to_2(txn, s->ops, s->heads, &devices);
        if (rc == 0) {
            proto_be64_put(buf, 2);
            v.mv_size = 8;
            v.mv_data = buf;
            rc = mdb_put(txn, s->meta, &k, &v, 0);
        }
        if (rc == 0) {
            *migrated_from = (int)format;
            format = 2;
        }
    }
    if (rc == 0 && format < 3 && !s->rdonly) {
        rc = store__migrate_2_to_3(txn, s->ops, s->atts, s->eatts);
        if (rc == 0) {
            proto_be64_put(buf, 3);
            v.mv_size = 8;
            v.mv_data = buf;
            rc = mdb_put(txn, s->meta, &k, &v, 0);
        }
        if (rc == 0) {
            if (*migrated_from == 0)
                *migrated_from = (int)format;
            format = 3;
        }
    }
    /* refs came with format 4, made by the migration from entities. An
     * older store opened read-only has none: its readers walk states. */
    if (rc == 0 && (format >= 4 || !s->rdonly)) {
        unsigned f = fresh || format < 4 ? MDB_CREATE : 0;
        rc = mdb_dbi_open(txn, "refs", f, &s->refs);
        if (rc == MDB_NOTFOUND) {
            mdb_txn_abort(txn);
            return RND_ECORRUPT;
        }
        if (rc == 0)
            rc = mdb_set_compare(txn, s->refs, key_cmp);
        s->has_refs = rc == 0;
    }
    if (rc == 0 && format < 4 && !s->rdonly) {
        unsigned long refs;
        rc = store__migrate_3_to_4(s, txn, &refs);
        if (rc == 0) {
            proto_be64_put(buf, 4);
            v.mv_size = 8;
            v.mv_data = buf;
            rc = mdb_put(txn, s->meta, &k, &v, 0);
        }
        if (rc == 0) {
            if (*migrated_from == 0)
                *migrated_from = (int)format;
            format = 4;
        }
    }
    if (rc) {
        mdb_txn_abort(txn);
        *migrated_from = 0;
        s->has_refs = 0;
        return store__fail(s, rc);
    }
    s->format = (int)format;
    /* Committing keeps the handles open for later transactions. */
    rc = mdb_txn_commit(txn);
    if (rc)
        *migrated_from = 0;
    return rc ? store__fail(s, rc) : 0;
}

int store_open(const char *dir, unsigned flags, store **out)
{
    return store_open_migrate(dir, flags, out, NULL);
}

int store_open_migrate(const char *dir, unsigned flags, store **out,
                       int *migrated_from)
{
    *out = NULL;
    if (migrated_from)
        *migrated_from = 0;
    if (dir == NULL || *dir == '\0')
        return RND_EINVAL;
    int rdonly = (flags & STORE_RDONLY) != 0;
    if ((flags & STORE_CREATE) && !rdonly) {
        int e = store_mkdirs(dir);
        if (e)
            return store__fail(NULL, e);
    } else {
        char path[4200];
        struct stat st;
        snprintf(path, sizeof path, "%s/data.mdb", dir);
        if (stat(path, &st) != 0)
            return errno == ENOENT ? RND_ENOTFOUND : store__fail(NULL, errno);
    }

    store *s = calloc(1, sizeof *s);
    if (s == NULL)
        return RND_ENOMEM;
    s->rdonly = rdonly;
    s->max_offset_ms = STORE_MAX_OFFSET_DEFAULT_MS;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->mu_cv, NULL);
    pthread_mutex_init(&s->wmu, NULL);
    int rc = mdb_env_create(&s->env);
    if (rc) {
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->mu_cv);
        pthread_mutex_destroy(&s->wmu);
        free(s);
        return store__fail(NULL, rc);
    }
    rc = mdb_env_set_maxdbs(s->env, 16);
    /* A read transaction holds a reader slot while it lasts, not for its
     * thread's life (MDB_NOTLS): roundsd's dashboard runs a thread per
     * connection, and 100 open boards would otherwise keep 100 slots of
     * the registry's table for as long as they stay open. The table has
     * room for STORE_MAX_READERS at once, across every process. */
    if (rc == 0)
        rc = mdb_env_set_maxreaders(s->env, STORE_MAX_READERS);
    if (rc == 0)
        rc = mdb_env_open(s->env, dir, (rdonly ? MDB_RDONLY : 0) | MDB_NOTLS,
                          0600);
    if (rc == ENOENT) {
        store_close(s);
        return RND_ENOTFOUND;
    }
    if (rc) {
        int err = store__fail(s, rc);
        store_close(s);
        return err;
    }
    /* The map is left unset before the open so that an existing store keeps
     * the size its last writer grew it to; a new or small one gets the
     * initial size. */
    MDB_envinfo info;
    mdb_env_info(s->env, &info);
    if (!rdonly && info.me_mapsize < INITIAL_MAP) {
        rc = mdb_env_set_mapsize(s->env, INITIAL_MAP);
        if (rc) {
            int err = store__fail(s, rc);
            store_close(s);
            return err;
        }
    }
    if (!rdonly) {
        s->enc = malloc(RECV_LEN + PROTO_OP_MAX_BYTES);
        s->hbuf = malloc(PROTO_OP_MAX_BYTES);
        s->state = malloc(ENTITY_HDR + FOLD_STATE_MAX);
        s->hc = calloc(HEADS_SLOTS, sizeof *s->hc);
        if (s->enc == NULL || s->hbuf == NULL || s->state == NULL ||
            s->hc == NULL) {
            store_close(s);
            return RND_ENOMEM;
        }
    }
    int from = 0;
    rc = open_dbs(s, flags, &from);
    /* A migration may need map room the store never had: grow and retry
     * (the failed attempt changed nothing). */
    for (int i = 0; rc == RND_EMAPFULL && !rdonly && i < 8; i++) {
        rc = store__grow(s);
        if (rc == 0)
            rc = open_dbs(s, flags, &from);
    }
    if (rc) {
        store_close(s);
        return rc;
    }
    if (migrated_from)
        *migrated_from = from;
    *out = s;
    return 0;
}

int store_format(const store *s)
{
    return s ? s->format : 0;
}

void store_close(store *s)
{
    if (s == NULL)
        return;
    if (s->env)
        mdb_env_close(s->env);
    free(s->enc);
    free(s->hbuf);
    free(s->state);
    free(s->refst);
    free(s->hc);
    free(s->encs);
    free(s->lens);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->mu_cv);
    pthread_mutex_destroy(&s->wmu);
    free(s);
}

int store_copy(store *s, const char *dir)
{
    char path[4200];
    struct stat st;
    int n = snprintf(path, sizeof path, "%s/data.mdb", dir);
    if (n < 0 || (size_t)n >= sizeof path)
        return store__fail(s, ENAMETOOLONG);
    int e = store_mkdirs(dir);
    if (e)
        return store__fail(s, e);
    if (stat(path, &st) == 0)
        return RND_EEXIST;
    int rc = mdb_env_copy2(s->env, dir, MDB_CP_COMPACT);
    /* A writer in another process grew the map since we opened it. */
    if (rc == MDB_MAP_RESIZED && (rc = store__adopt_map(s)) == 0)
        rc = mdb_env_copy2(s->env, dir, MDB_CP_COMPACT);
    return rc ? store__fail(s, rc) : 0;
}

/* ---- prefaulting ------------------------------------------------------- */

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14 */
#endif
#define PREFAULT_CHUNK (16u << 20)

/* Where this process maps the data file, from p, a pointer into the map:
 * LMDB does not say (mdb_env_info's me_mapaddr is a fixed map's only), so
 * the mapping holding p is looked up in /proc/self/maps, less its file
 * offset. NULL when not found. */
static char *map_base(const void *p)
{
    FILE *f = fopen("/proc/self/maps", "re");
    char line[512];
    char *base = NULL;
    int whole = 1; /* line begins a line of the file, not a long one's rest */
    if (f == NULL)
        return NULL;
    while (base == NULL && fgets(line, sizeof line, f)) {
        unsigned long lo, hi, off;
        int begins = whole;
        whole = strchr(line, '\n') != NULL;
        if (begins && sscanf(line, "%lx-%lx %*s %lx", &lo, &hi, &off) == 3 &&
            (uintptr_t)p >= lo && (uintptr_t)p < hi && off <= lo)
            base = (char *)(uintptr_t)(lo - off);
    }
    fclose(f);
    return base;
}

/* Page table entries for the pages of [p, p + n) that are in the page
 * cache, run by run, in one call a run instead of a fault for each 16
 * pages read. A page not in the cache is left alone: populating it would
 * read it from the disk (at a cold start the whole file, beside the reads
 * that matter). No page is read either: on the VM of docs/PERFORMANCE.md
 * a process's first read of each page costs again, one at a time, and a
 * thread reading them all only queued behind the report. 0, or 1 when the
 * kernel has no MADV_POPULATE_READ (before 5.14). */
static int populate_cached(char *p, size_t n, size_t pg)
{
    unsigned char in[PREFAULT_CHUNK / 4096]; /* pages are 4 KiB or more */
    size_t np = (n + pg - 1) / pg;
    if (np > sizeof in || mincore(p, n, in) != 0)
        return 0;
    for (size_t i = 0, j; i < np; i = j) {
        for (j = i; j < np && (in[j] & 1); j++)
            ;
        if (j > i && madvise(p + i * pg, (j - i) * pg, MADV_POPULATE_READ))
            return errno == EINVAL ? 1 : 0;
        if (j == i)
            j++;
    }
    return 0;
}

/* One chunk from off: 0, 1 past the file's end, or a storage error. */
static int prefault_chunk(store *s, uint64_t size, size_t pg, uint64_t off)
{
    store_txn *t;
    MDB_cursor *c;
    MDB_val k, v;
    MDB_envinfo info;
    int rc = store_read_begin(s, &t);
    if (rc)
        return rc;
    /* Counted as a reader, the map cannot move until store_read_end: its
     * place and size as of this chunk. A read transaction's values point
     * into the map. */
    char *base = NULL;
    if (mdb_cursor_open(t->txn, s->meta, &c) == 0) {
        if (mdb_cursor_get(c, &k, &v, MDB_FIRST) == 0)
            base = map_base(v.mv_data);
        mdb_cursor_close(c);
    }
    mdb_env_info(s->env, &info);
    uint64_t end = size < info.me_mapsize ? size : info.me_mapsize;
    if (base == NULL || off >= end) {
        store_read_end(t);
        return 1;
    }
    uint64_t n = end - off < PREFAULT_CHUNK ? end - off : PREFAULT_CHUNK;
    rc = populate_cached(base + off, (size_t)n, pg);
    store_read_end(t);
    return rc;
}

int store_prefault(store *s)
{
    mdb_filehandle_t fd;
    struct stat st;
    long pg = sysconf(_SC_PAGESIZE);
    if (mdb_env_get_fd(s->env, &fd) != 0 || fstat(fd, &st) != 0 || pg < 4096)
        return 0; /* nothing to gain: not an error of the store */
    int rc = 0;
    for (uint64_t off = 0; rc == 0; off += PREFAULT_CHUNK)
        rc = prefault_chunk(s, (uint64_t)st.st_size, (size_t)pg, off);
    return rc == 1 ? 0 : rc;
}

/* ---- growing the map ---------------------------------------------------- */

/* Sets the map to twice its size (twice) or to the size another process
 * grew it to. Only called with no write transaction open. A read
 * transaction would have the map moved under it: those of other threads
 * are waited for (and new ones held back meanwhile); one of this thread's
 * own makes it fail instead. Returns an LMDB code or RND_EMAPFULL. */
static int remap(store *s, int twice)
{
    pthread_mutex_lock(&s->mu);
    if (s->readers > 0 && store__thread_readers > 0) {
        pthread_mutex_unlock(&s->mu);
        return RND_EMAPFULL;
    }
    s->growing = 1;
    while (s->readers > 0)
        pthread_cond_wait(&s->mu_cv, &s->mu);
    MDB_envinfo info;
    int rc = twice ? mdb_env_info(s->env, &info) : 0;
    if (rc == 0)
        rc = mdb_env_set_mapsize(s->env, twice ? info.me_mapsize * 2 : 0);
    s->growing = 0;
    pthread_cond_broadcast(&s->mu_cv);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* Doubles the map. */
int store__grow(store *s)
{
    int rc = remap(s, 1);
    return rc == RND_EMAPFULL ? rc : rc ? store__fail(s, rc) : 0;
}
