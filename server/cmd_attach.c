/* cmd_attach.c: see cmd_attach.h. `roundsd attachment list|get|verify|gc`
 * (docs/OPERATIONS.md, "Attachments"): the office's mirror of `rounds
 * attachment`, reading a site's store read-only (STORE_RDONLY, as `roundsd
 * dump`) beside a running serve, and the site's attachment files through
 * storage/blob.h, which several processes may share. Also the removal of
 * the attachments of purged personal data (`roundsd pii purge`).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../cli/args.h"
#include "../proto/attach.h"
#include "../proto/media.h"
#include "../report/render.h"
#include "../storage/blob.h"
#include "../storage/fold.h"
#include "cmd_attach.h"
#include "pii.h"
#include "site.h"

#define PATH_CAP 4200
#define GC_MIN_AGE_DEFAULT_S 3600 /* an hour: attach writes bytes first */

/* Opens site's attachment folder under data_dir into *bs. */
static int open_blobs(const char *data_dir, const char *site, blob_store **bs)
{
    char p[PATH_CAP];
    int n = snprintf(p, sizeof p, "%s/sites/%s/attachments", data_dir, site);
    if (n < 0 || (size_t)n >= sizeof p)
        return RND_EINVAL;
    return blob_open(bs, p);
}

/* The site's store (read-only) and its attachment files, printing why on
 * failure; returns 0 or an exit code. */
static int open_both(const char *site, store **st, blob_store **bs)
{
    *st = NULL;
    *bs = NULL;
    int ex = cli_open_site_read(site, st);
    if (ex)
        return ex;
    int rc = open_blobs(cli_data_dir(), site, bs);
    if (rc) {
        store_close(*st);
        *st = NULL;
        return cli_fail(rc, _("cannot open the attachments of site %s: %s"),
                        site, i18n_tr(rnd_strerror(rc)));
    }
    return 0;
}

/* A growing list of hashes (and their sizes). */
typedef struct hash_list {
    uint8_t (*h)[BLOB_HASH_LEN];
    uint64_t *size;
    size_t n, cap;
} hash_list;

static int hl_add(hash_list *l, const uint8_t h[BLOB_HASH_LEN], uint64_t size)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        void *a = realloc(l->h, cap * sizeof *l->h);
        if (a == NULL)
            return RND_ENOMEM;
        l->h = a;
        void *b = realloc(l->size, cap * sizeof *l->size);
        if (b == NULL)
            return RND_ENOMEM;
        l->size = b;
        l->cap = cap;
    }
    memcpy(l->h[l->n], h, BLOB_HASH_LEN);
    l->size[l->n++] = size;
    return 0;
}

static void hl_free(hash_list *l)
{
    free(l->h);
    free(l->size);
    memset(l, 0, sizeof *l);
}

static int cmp_hash(const void *a, const void *b)
{
    return memcmp(a, b, BLOB_HASH_LEN);
}

/* Sorts l's hashes for hl_has (their sizes no longer pair with them). */
static void hl_sort(hash_list *l)
{
    if (l->n)
        qsort(l->h, l->n, sizeof *l->h, cmp_hash);
}

/* 1 when a sorted l holds h. */
static int hl_has(const hash_list *l, const uint8_t h[BLOB_HASH_LEN])
{
    return l->n && bsearch(h, l->h, l->n, sizeof *l->h, cmp_hash) != NULL;
}

/* ---- list [ID] ---------------------------------------------------------- */

typedef struct list_walk {
    blob_store *bs;
    rpt_jw *j;
    int n;
} list_walk;

static int list_cb(const store_att_ref *r, const store_att *a, void *ctx)
{
    list_walk *w = ctx;
    char rec[33], hex[BLOB_HEX_LEN + 1], of[BLOB_HEX_LEN + 1] = "", ts[40];
    const char *role = proto_att_role_name(r->role);
    const char *type = proto_media_type((proto_media)a->media);
    int here = blob_has(w->bs, a->hash, NULL) == 0;
    proto_entity_hex(r->entity, rec);
    blob_hex(a->hash, hex);
    if (r->has_of)
        blob_hex(r->of, of);
    cli_fmt_time(r->wall_ms, ts, sizeof ts);
    if (w->j) {
        rpt_jw_obj(w->j);
        rpt_jw_kstr(w->j, "record", rec);
        rpt_jw_kstr(w->j, "hash", hex);
        rpt_jw_kstr(w->j, "role", role ? role : "?");
        rpt_jw_kstr(w->j, "type", type ? type : "?");
        rpt_jw_kuint(w->j, "size", a->size);
        if (r->has_of)
            rpt_jw_kstr(w->j, "of", of);
        rpt_jw_key(w->j, "device");
        rpt_jw_hex64(w->j, r->device_id);
        rpt_jw_kuint(w->j, "seq", r->seq);
        rpt_jw_kstr(w->j, "at", ts);
        rpt_jw_kbool(w->j, "present", here);
        rpt_jw_end(w->j);
    } else {
        printf("%.12s  %-9s %-15s %10" PRIu64 " %s  %s  %.16s\n", rec,
               role ? role : "?", type ? type : "?", a->size, _("bytes"),
               here ? _("here    ") : _("not here"), hex);
    }
    w->n++;
    return 0;
}

static int att_list(void)
{
    const char *site = cli_flag("site");
    int json = cli_flag("json") != NULL;
    store *st;
    blob_store *bs;
    int ex = open_both(site, &st, &bs);
    if (ex)
        return ex;
    uint8_t id[PROTO_ENTITY_LEN];
    if (cli_args.npos > 1 && (ex = cli_resolve_id(st, cli_args.pos[1], id))) {
        store_close(st);
        blob_close(bs);
        return ex;
    }
    rpt_jw j;
    list_walk w = {bs, json ? &j : NULL, 0};
    if (json) {
        rpt_jw_init(&j, stdout);
        rpt_jw_arr(&j);
    }
    store_txn *t;
    int rc = store_read_begin(st, &t);
    if (rc == 0) {
        rc = store_att_each_of(t, cli_args.npos > 1 ? id : NULL, list_cb, &w);
        store_read_end(t);
    }
    if (json) {
        rpt_jw_end(&j);
        putchar('\n');
    } else if (rc == 0 && w.n == 0) {
        printf("%s\n", _("no attachments"));
    }
    store_close(st);
    blob_close(bs);
    return rc ? cli_fail(rc, _("cannot read the attachments: %s"),
                         i18n_tr(rnd_strerror(rc)))
              : RND_EXIT_OK;
}

/* ---- get HASH --out FILE ------------------------------------------------ */

static int att_get(void)
{
    const char *site = cli_flag("site"), *out = cli_flag("out");
    uint8_t h[BLOB_HASH_LEN];
    if (cli_args.npos < 2)
        return cli_usage(_("give the attachment's hash: roundsd attachment "
                           "get HASH --site S --out FILE"));
    if (out == NULL || *out == '\0')
        return cli_usage(_("give --out FILE"));
    if (blob_unhex(cli_args.pos[1], h) != 0)
        return cli_usage(_("'%s' is not an attachment's hash (64 hex "
                           "digits)"),
                         cli_args.pos[1]);
    store *st;
    blob_store *bs;
    int ex = open_both(site, &st, &bs);
    if (ex)
        return ex;
    char hex[BLOB_HEX_LEN + 1];
    blob_hex(h, hex);
    int rc = blob_export(bs, h, out);
    if (rc == RND_ENOTFOUND) {
        /* Which of the two: no record names it, or no bytes here yet. */
        store_txn *t;
        store_att a;
        int known = 0;
        if (store_read_begin(st, &t) == 0) {
            known = store_att_get(t, h, &a) == 0;
            store_read_end(t);
        }
        store_close(st);
        blob_close(bs);
        if (known)
            return cli_fail(rc,
                            _("the server does not hold the bytes of %s "
                              "yet (its handheld uploads them at its next "
                              "sync)"),
                            hex);
        return cli_fail(rc, _("no record of site %s has attachment %s"), site,
                        hex);
    }
    store_close(st);
    blob_close(bs);
    if (rc == RND_EHASH)
        return cli_fail(rc,
                        _("attachment %s is damaged: its bytes no longer "
                          "match their hash (nothing written; restore it "
                          "from a backup)"),
                        hex);
    if (rc)
        return cli_fail(rc, _("cannot write %s: %s"), out,
                        i18n_tr(rnd_strerror(rc)));
    if (cli_flag("json")) {
        rpt_jw j;
        rpt_jw_init(&j, stdout);
        rpt_jw_obj(&j);
        rpt_jw_kbool(&j, "ok", 1);
        rpt_jw_kstr(&j, "hash", hex);
        rpt_jw_kstr(&j, "out", out);
        rpt_jw_end(&j);
        putchar('\n');
    } else {
        printf(_("wrote %s\n"), out);
    }
    return RND_EXIT_OK;
}

/* ---- verify ------------------------------------------------------------- */

typedef struct verify_walk {
    blob_store *bs;
    hash_list bad;
    uint64_t files, bytes;
    int rc;
} verify_walk;

static int verify_cb(const uint8_t hash[BLOB_HASH_LEN], uint64_t size,
                     int64_t mtime_s, void *arg)
{
    verify_walk *w = arg;
    (void)mtime_s;
    int rc = blob_verify(w->bs, hash);
    if (rc == RND_ENOTFOUND)
        return 0; /* removed meanwhile (a gc, a purge) */
    w->files++;
    w->bytes += size;
    if (rc == RND_EHASH)
        return hl_add(&w->bad, hash, size);
    return rc;
}

/* The attachments the store names whose bytes the server lacks. */
typedef struct missing_walk {
    blob_store *bs;
    uint64_t n;
} missing_walk;

static int missing_cb(const store_att *a, void *ctx)
{
    missing_walk *m = ctx;
    if (blob_has(m->bs, a->hash, NULL) == RND_ENOTFOUND)
        m->n++;
    return 0;
}

static int att_verify(void)
{
    const char *site = cli_flag("site");
    int json = cli_flag("json") != NULL;
    store *st;
    blob_store *bs;
    int ex = open_both(site, &st, &bs);
    if (ex)
        return ex;
    verify_walk w = {bs, {0}, 0, 0, 0};
    int rc = blob_each(bs, verify_cb, &w);
    missing_walk m = {bs, 0};
    store_txn *t;
    if (rc == 0 && (rc = store_read_begin(st, &t)) == 0) {
        rc = store_att_each(t, missing_cb, &m);
        store_read_end(t);
    }
    store_close(st);
    blob_close(bs);
    if (rc) {
        hl_free(&w.bad);
        return cli_fail(rc, _("cannot verify the attachments of site %s: %s"),
                        site, i18n_tr(rnd_strerror(rc)));
    }
    char hex[BLOB_HEX_LEN + 1];
    if (json) {
        rpt_jw j;
        rpt_jw_init(&j, stdout);
        rpt_jw_obj(&j);
        rpt_jw_kbool(&j, "ok", w.bad.n == 0);
        rpt_jw_kstr(&j, "site", site);
        rpt_jw_kuint(&j, "files", w.files);
        rpt_jw_kuint(&j, "bytes", w.bytes);
        rpt_jw_kuint(&j, "missing", m.n);
        rpt_jw_key(&j, "damaged");
        rpt_jw_arr(&j);
        for (size_t i = 0; i < w.bad.n; i++) {
            blob_hex(w.bad.h[i], hex);
            rpt_jw_str(&j, hex);
        }
        rpt_jw_end(&j);
        rpt_jw_end(&j);
        putchar('\n');
    } else {
        for (size_t i = 0; i < w.bad.n; i++) {
            blob_hex(w.bad.h[i], hex);
            printf(_("DAMAGED %s (%" PRIu64 " bytes): its bytes no longer "
                     "match their hash\n"),
                   hex, w.bad.size[i]);
        }
        printf(_("site %s: %" PRIu64 " attachment files (%" PRIu64
                 " bytes) rehashed, %zu damaged; %" PRIu64
                 " named by records but not held here\n"),
               site, w.files, w.bytes, w.bad.n, m.n);
    }
    size_t nbad = w.bad.n;
    hl_free(&w.bad);
    if (nbad)
        return cli_fail(RND_EHASH,
                        _("%zu damaged attachment file(s) in site %s: "
                          "restore them from a backup"),
                        nbad, site);
    return RND_EXIT_OK;
}

/* ---- gc ----------------------------------------------------------------- */

typedef struct gc_walk {
    int64_t now_s, min_age_s;
    hash_list old, young;
} gc_walk;

static int gc_cb(const uint8_t hash[BLOB_HASH_LEN], uint64_t size,
                 int64_t mtime_s, void *arg)
{
    gc_walk *w = arg;
    int young = w->min_age_s > 0 && w->now_s - mtime_s < w->min_age_s;
    return hl_add(young ? &w->young : &w->old, hash, size);
}

static int att_gc(void)
{
    const char *site = cli_flag("site");
    int json = cli_flag("json") != NULL, dry = cli_flag("dry-run") != NULL;
    int64_t min_age = GC_MIN_AGE_DEFAULT_S;
    if (cli_flag("min-age") && (min_age = args_age(cli_flag("min-age"))) < 0)
        return cli_usage(_("--min-age: a duration such as 3600, 90s, 30m, "
                           "1h or 2d"));
    store *st;
    blob_store *bs;
    int ex = open_both(site, &st, &bs);
    if (ex)
        return ex;
    /* A store not yet in format 3 opened read-only shows no attachments:
     * every file would look like an orphan. */
    if (store_format(st) < 3) {
        int fmt = store_format(st);
        store_close(st);
        blob_close(bs);
        return cli_fail(RND_ESTOREVER,
                        _("the store of site %s is in format %d, which "
                          "indexes no attachments: start 'roundsd serve' "
                          "once to upgrade it, then collect"),
                        site, fmt);
    }
    /* The files first, then the store: an op committed before the read
     * transaction began is seen, and a file whose op commits later is
     * younger than the grace period (attach writes the bytes first). */
    gc_walk w = {0, min_age, {0}, {0}};
    hash_list orphans = {0};
    uint64_t young = 0; /* orphans newer than min_age, kept */
    /* Ages against the file system's clock, which wrote the mtimes. */
    int rc = blob_now(bs, &w.now_s);
    if (rc == 0)
        rc = blob_each(bs, gc_cb, &w);
    store_txn *t;
    if (rc == 0 && (rc = store_read_begin(st, &t)) == 0) {
        for (size_t i = 0; rc == 0 && i < w.old.n + w.young.n; i++) {
            int is_old = i < w.old.n;
            hash_list *l = is_old ? &w.old : &w.young;
            size_t k = is_old ? i : i - w.old.n;
            store_att a;
            int g = store_att_get(t, l->h[k], &a);
            if (g == RND_ENOTFOUND && is_old)
                rc = hl_add(&orphans, l->h[k], l->size[k]);
            else if (g == RND_ENOTFOUND)
                young++;
            else if (g)
                rc = g;
        }
        store_read_end(t);
    }
    store_close(st);
    uint64_t removed = 0, bytes = 0;
    char hex[BLOB_HEX_LEN + 1];
    rpt_jw j;
    int json_open = json && rc == 0; /* closed below whatever happens */
    if (json_open) {
        rpt_jw_init(&j, stdout);
        rpt_jw_obj(&j);
        rpt_jw_kstr(&j, "site", site);
        rpt_jw_kbool(&j, "dry_run", dry);
        rpt_jw_kint(&j, "min_age_s", min_age);
        rpt_jw_key(&j, "orphans");
        rpt_jw_arr(&j);
    }
    for (size_t i = 0; rc == 0 && i < orphans.n; i++) {
        int r = dry ? 0 : blob_remove(bs, orphans.h[i]);
        if (r == RND_ENOTFOUND)
            continue; /* removed meanwhile */
        if (r) {
            rc = r;
            break;
        }
        removed++;
        bytes += orphans.size[i];
        blob_hex(orphans.h[i], hex);
        if (json) {
            rpt_jw_obj(&j);
            rpt_jw_kstr(&j, "hash", hex);
            rpt_jw_kuint(&j, "size", orphans.size[i]);
            rpt_jw_end(&j);
        } else {
            printf("%s %s %10" PRIu64 " %s\n",
                   dry ? _("would remove") : _("removed"), hex, orphans.size[i],
                   _("bytes"));
        }
    }
    blob_close(bs);
    hl_free(&orphans);
    hl_free(&w.old);
    hl_free(&w.young);
    if (json_open) {
        rpt_jw_end(&j);
        rpt_jw_kuint(&j, "files", removed);
        rpt_jw_kuint(&j, "bytes", bytes);
        rpt_jw_kuint(&j, "kept_young", young);
        rpt_jw_end(&j);
        putchar('\n');
    }
    if (rc)
        return cli_fail(rc, _("collecting the orphans of site %s stopped: %s"),
                        site, i18n_tr(rnd_strerror(rc)));
    if (!json)
        printf(dry ? _("site %s: %" PRIu64 " orphan file(s), %" PRIu64
                       " bytes, would be removed (dry run); %" PRIu64
                       " newer than --min-age kept\n")
                   : _("site %s: %" PRIu64 " orphan file(s), %" PRIu64
                       " bytes, removed; %" PRIu64
                       " newer than --min-age kept\n"),
               site, removed, bytes, young);
    return RND_EXIT_OK;
}

/* ---- purge: the files of purged personal data --------------------------- */

/* The site's retired pii_key entities (server/pii.c publishes them): key
 * id and when it was retired (the wall time of its retire op). */
#define PURGE_MAX_KEYS 4096
typedef struct retired_key {
    uint8_t id[PROTO_PII_KEYID_LEN];
    int64_t retired_ms;
} retired_key;

typedef struct purge_walk {
    const char *data_dir, *site;
    int64_t before; /* keys retired before this are past retention */
    retired_key *keys;
    size_t nkeys;
    uint8_t last[PROTO_ENTITY_LEN];
    int have_last, last_purged;
    hash_list gone, kept;
} purge_walk;

static int key_cb(const fold_state *st, void *ctx)
{
    purge_walk *p = ctx;
    char hex[24];
    uint8_t id[PROTO_PII_KEYID_LEN];
    if (strcmp(st->status, "retired") != 0 || p->nkeys == PURGE_MAX_KEYS)
        return 0;
    fold_state_text(st, "key_id", hex, sizeof hex);
    if (strlen(hex) != 2 * PROTO_PII_KEYID_LEN ||
        proto_unhex(hex, PROTO_PII_KEYID_LEN, id) != 0)
        return 0;
    int64_t when = 0;
    for (uint32_t i = 0; i < st->nevents; i++)
        if (st->events[i].action == PROTO_ACTION_RETIRE)
            when = st->events[i].wall_ms;
    if (when == 0)
        return 0;
    memcpy(p->keys[p->nkeys].id, id, PROTO_PII_KEYID_LEN);
    p->keys[p->nkeys++].retired_ms = when;
    return 0;
}

/* A record's personal data is purged when the key it is sealed to is
 * gone from DATA/pii/ and the site's store says that key retired more
 * than the retention ago. Both, so that keys merely missing (a data
 * directory restored without DATA/pii/, a key file lost) never cost a
 * record its photos: those were not purged, they were lost. */
static int record_purged(purge_walk *p, store_txn *t,
                         const uint8_t id[PROTO_ENTITY_LEN], int *purged)
{
    uint8_t kid[PROTO_PII_KEYID_LEN];
    srv_pii_key k;
    *purged = 0;
    int rc = srv_pii_record_key(t, id, kid);
    if (rc == RND_ENOTFOUND)
        return 0; /* nothing sealed: nothing purged */
    if (rc)
        return rc;
    rc = srv_pii_load(p->data_dir, p->site, kid, &k);
    memset(&k, 0, sizeof k);
    if (rc != RND_ENOTFOUND)
        return rc; /* 0: the key is there, nothing purged */
    for (size_t i = 0; i < p->nkeys; i++)
        if (memcmp(p->keys[i].id, kid, PROTO_PII_KEYID_LEN) == 0) {
            *purged = p->keys[i].retired_ms < p->before;
            break;
        }
    return 0;
}

typedef struct purge_ctx {
    purge_walk *p;
    store_txn *t;
} purge_ctx;

static int purge_cb(const store_att_ref *r, const store_att *a, void *ctx)
{
    purge_ctx *c = ctx;
    purge_walk *p = c->p;
    if (!p->have_last || memcmp(p->last, r->entity, PROTO_ENTITY_LEN) != 0) {
        int rc = record_purged(p, c->t, r->entity, &p->last_purged);
        if (rc)
            return rc;
        memcpy(p->last, r->entity, PROTO_ENTITY_LEN);
        p->have_last = 1;
    }
    return hl_add(p->last_purged ? &p->gone : &p->kept, r->hash, a->size);
}

int srv_att_purge_sealed(const char *data_dir, const char *site,
                         int64_t retention_ms, int64_t now_ms, uint64_t *files,
                         uint64_t *bytes)
{
    *files = *bytes = 0;
    store *st;
    int rc = srv_site_open(data_dir, site, STORE_RDONLY, &st, NULL);
    if (rc == RND_ENOTFOUND)
        return 0; /* no store: no records, no attachments */
    if (rc)
        return rc;
    purge_walk p = {data_dir, site, now_ms - retention_ms, NULL, 0, {0}, 0, 0,
                    {0},      {0}};
    p.keys = calloc(PURGE_MAX_KEYS, sizeof *p.keys);
    store_txn *t;
    if (p.keys == NULL)
        rc = RND_ENOMEM;
    else if ((rc = store_read_begin(st, &t)) == 0) {
        purge_ctx c = {&p, t};
        rc = store_states_each(t, PROTO_KIND_PII_KEY, 0, 0, key_cb, &p);
        if (rc == 0)
            rc = store_att_each_of(t, NULL, purge_cb, &c);
        store_read_end(t);
    }
    free(p.keys);
    store_close(st);
    blob_store *bs = NULL;
    hl_sort(&p.kept);
    if (rc == 0 && p.gone.n > 0)
        rc = open_blobs(data_dir, site, &bs);
    for (size_t i = 0; rc == 0 && i < p.gone.n; i++) {
        if (hl_has(&p.kept, p.gone.h[i]))
            continue; /* another record, not purged, holds the same bytes */
        int r = blob_remove(bs, p.gone.h[i]);
        if (r == RND_ENOTFOUND)
            continue; /* purged before, or never uploaded */
        if (r) {
            rc = r;
            break;
        }
        (*files)++;
        *bytes += p.gone.size[i];
    }
    blob_close(bs);
    hl_free(&p.gone);
    hl_free(&p.kept);
    return rc;
}

/* ---- dispatch ----------------------------------------------------------- */

static int run_attachment(void)
{
    static const struct {
        const char *name;
        int (*fn)(void);
        int max_pos;
    } subs[] = {{"list", att_list, 2},
                {"get", att_get, 2},
                {"verify", att_verify, 1},
                {"gc", att_gc, 1},
                {NULL, NULL, 0}};
    if (cli_args.npos < 1)
        return cli_usage(_("give list, get, verify or gc"));
    for (int i = 0; subs[i].name; i++) {
        if (strcmp(subs[i].name, cli_args.pos[0]) != 0)
            continue;
        if (cli_args.npos > subs[i].max_pos)
            return cli_usage(_("unexpected argument '%s'"),
                             cli_args.pos[cli_args.npos - 1]);
        int ex = cli_need_name("site");
        if (ex)
            return ex;
        return subs[i].fn();
    }
    static const char *const names[] = {"list", "get", "verify", "gc", NULL};
    return cli_unknown_sub(cli_args.pos[0], names);
}

static const cli_flag_spec attachment_flags[] = {
    CLI_DATA_FLAG,
    {"site", "NAME", N_("the site (required)")},
    {"out", "FILE", N_("get: write the attachment to FILE (required)")},
    {"min-age", "AGE",
     N_("gc: keep files younger than AGE (3600, 90s, 30m, 1h, 2d; default "
        "1h; 0 keeps none)")},
    {"dry-run", NULL, N_("gc: list the orphans, remove nothing")},
    {"json", NULL, N_("print JSON")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};

/* clang-format off */
#define ATTACHMENT_USAGE \
     "roundsd attachment list --site S [ID] [--json] [--data DIR]\n" \
     "       roundsd attachment get HASH --site S --out FILE [--json]\n" \
     "       roundsd attachment verify --site S [--json]\n" \
     "       roundsd attachment gc --site S [--min-age AGE] [--dry-run] " \
     "[--json]\n\n" \
     "The site's attachment files are in DATA/sites/S/attachments/. " \
     "'list', 'get'\nand 'verify' only read, beside a running serve. " \
     "'get' and 'verify' rehash the\nbytes; 'verify' exits non-zero " \
     "naming every damaged file. 'gc' removes the\nfiles no op names " \
     "(orphans) older than --min-age."
const cli_command cli_attach_commands[] = {
    {"attachment", N_("a site's attachment files: list, get, verify, gc"),
     ATTACHMENT_USAGE, attachment_flags, run_attachment, 2},
    {"attachments", N_("the same as 'attachment'"),
     ATTACHMENT_USAGE, attachment_flags, run_attachment, 2},
    {NULL, NULL, NULL, NULL, NULL, 0}};
/* clang-format on */
