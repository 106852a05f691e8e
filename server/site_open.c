/* site_open.c: the set of site stores (site.h): opening a site's store
 * (its office writer, clock bound and incarnation), on the caller's thread
 * (srv_sites_get) or, in a server, on a worker of the loop's thread pool
 * (srv_sites_open); and the accessors of an open site. The group commit
 * is site.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/clock.h"
#include "../storage/blob.h"
#include "log.h"
#include "site.h"
#include "site_int.h"

static int64_t system_now_ms(void *ctx)
{
    (void)ctx;
    return rnd_clock_now_ms(RND_CLOCK_ENV_OFFICE);
}

typedef struct office_ctx {
    const char *site;
    uint64_t id;
} office_ctx;

#define INCARNATION_KEY "incarnation"

static int new_incarnation(store_txn *txn, void *vctx)
{
    uint64_t *out = vctx;
    int rc;
    do {
        rc = proto_random(out, sizeof *out);
        if (rc)
            return rc;
    } while (*out == 0);
    return store_meta_put_u64(txn, INCARNATION_KEY, *out);
}

/* Gives a store that has none an incarnation (a new store, or one made
 * before incarnations existed), in the opening transaction. */
static int ensure_incarnation(store_txn *txn)
{
    uint64_t v;
    int rc = store_meta_get_u64(txn, INCARNATION_KEY, &v);
    if (rc == RND_ENOTFOUND)
        rc = new_incarnation(txn, &v);
    return rc;
}

int srv_store_incarnation(store *st, uint64_t *out)
{
    store_txn *txn;
    *out = 0;
    int rc = store_read_begin(st, &txn);
    if (rc)
        return rc;
    rc = store_meta_get_u64(txn, INCARNATION_KEY, out);
    store_read_end(txn);
    return rc == RND_ENOTFOUND ? 0 : rc;
}

int srv_store_new_incarnation(store *st, uint64_t *out)
{
    return store_write(st, new_incarnation, out);
}

uint64_t srv_site_incarnation(const srv_site *site)
{
    return site->incarnation;
}

static int make_office(store_txn *txn, void *vctx)
{
    office_ctx *c = vctx;
    store_identity id;
    int rc = ensure_incarnation(txn);
    if (rc)
        return rc;
    rc = store_identity_get(txn, &id);
    if (rc == 0) {
        c->id = id.device_id;
        return 0;
    }
    if (rc != RND_ENOTINIT)
        return rc;
    do {
        rc = proto_random(&c->id, sizeof c->id);
        if (rc)
            return rc;
    } while (c->id == 0);
    return store_identity_init(txn, c->id, c->site, "office");
}

int srv_site_open(const char *data_dir, const char *name, unsigned flags,
                  store **out, uint64_t *office_id)
{
    *out = NULL;
    if (!srv_name_valid(name, strlen(name)))
        return RND_EINVAL;
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/sites/%s", data_dir, name);
    if (n < 0 || (size_t)n >= sizeof path)
        return RND_EINVAL;
    store *st;
    int from = 0;
    int rc = store_open_migrate(path, flags, &st, &from);
    if (rc)
        return rc;
    /* Said once: the next open finds the store in the new format. */
    if (from != 0)
        srv_log(SRV_LOG_INFO, "site %s: store upgraded from format %d to %d",
                name, from, STORE_FORMAT_VERSION);
    office_ctx oc = {.site = name};
    if (flags & STORE_RDONLY) {
        store_txn *txn;
        rc = store_read_begin(st, &txn);
        if (rc == 0) {
            store_identity id;
            if (store_identity_get(txn, &id) == 0)
                oc.id = id.device_id;
            store_read_end(txn);
        }
    } else {
        rc = store_write(st, make_office, &oc);
    }
    if (rc) {
        store_close(st);
        return rc;
    }
    if (office_id)
        *office_id = oc.id;
    *out = st;
    return 0;
}

void srv_sites_set_max_offset(srv_sites *ss, int64_t max_offset_ms)
{
    ss->max_offset_ms = max_offset_ms;
}

int srv_sites_new(const char *data_dir, int64_t (*now_ms)(void *),
                  void *clock_ctx, srv_sites **out)
{
    *out = NULL;
    srv_sites *ss = calloc(1, sizeof *ss);
    if (ss == NULL)
        return RND_ENOMEM;
    ss->dir = strdup(data_dir);
    if (ss->dir == NULL) {
        free(ss);
        return RND_ENOMEM;
    }
    ss->now_ms = now_ms ? now_ms : system_now_ms;
    ss->max_offset_ms = STORE_MAX_OFFSET_DEFAULT_MS;
    ss->clock_ctx = clock_ctx;
    *out = ss;
    return 0;
}

void srv_sites_free(srv_sites *ss)
{
    if (ss == NULL)
        return;
    srv_site *site = ss->list;
    while (site) {
        srv_site *next = site->next;
        srv_batch *b = site->head;
        while (b) {
            srv_batch *bn = b->next;
            srv_batch_free(b);
            b = bn;
        }
        blob_close(site->blobs);
        store_close(site->st);
        free(site);
        site = next;
    }
    free(ss->dir);
    free(ss);
}

/* Opens (with create: creating) the site store name as a server uses it:
 * office writer, clock bound, incarnation. Any thread. */
static int open_site_store(const char *dir, const char *name, int create,
                           int64_t max_offset_ms, store **st,
                           uint64_t *office_id, uint64_t *incarnation)
{
    int rc = srv_site_open(dir, name, create ? STORE_CREATE : 0, st, office_id);
    if (rc == 0) {
        store_set_clock_bound(*st, max_offset_ms, 0);
        rc = srv_store_incarnation(*st, incarnation);
    }
    if (rc) {
        store_close(*st);
        *st = NULL;
    }
    return rc;
}

static srv_site *find_site(srv_sites *ss, const char *name, size_t len)
{
    for (srv_site *s = ss->list; s; s = s->next)
        if (strlen(s->name) == len && memcmp(s->name, name, len) == 0)
            return s;
    return NULL;
}

/* Makes the open store st the site name (it takes st). */
static int add_site(srv_sites *ss, const char *name, store *st,
                    uint64_t office_id, uint64_t incarnation, srv_site **out)
{
    srv_site *site = calloc(1, sizeof *site);
    if (site == NULL) {
        store_close(st);
        return RND_ENOMEM;
    }
    snprintf(site->name, sizeof site->name, "%s", name);
    site->st = st;
    site->office_id = office_id;
    site->incarnation = incarnation;
    site->tailp = &site->head;
    site->ss = ss;
    site->next = ss->list;
    ss->list = site;
    *out = site;
    return 0;
}

int srv_sites_get(srv_sites *ss, const char *name, size_t len, int create,
                  srv_site **out)
{
    *out = NULL;
    if (!srv_name_valid(name, len))
        return RND_EINVAL;
    *out = find_site(ss, name, len);
    if (*out != NULL)
        return 0;
    char nm[SRV_NAME_MAX + 1];
    memcpy(nm, name, len);
    nm[len] = '\0';
    store *st;
    uint64_t office, inc;
    int rc = open_site_store(ss->dir, nm, create, ss->max_offset_ms, &st,
                             &office, &inc);
    return rc ? rc : add_site(ss, nm, st, office, inc, out);
}

/* A site store being opened (and perhaps migrated) on a worker of the
 * loop's thread pool, and the callers waiting for it. */
typedef struct open_req {
    uv_work_t work;
    srv_sites *ss;
    struct open_req *next;
    char name[SRV_NAME_MAX + 1];
    int64_t max_offset_ms;
    /* Written by the worker, read after it is done. */
    int rc;
    store *st;
    uint64_t office_id, incarnation;
    srv_site_wait *waiters; /* loop thread */
} open_req;

static void open_work(uv_work_t *w)
{
    open_req *q = w->data;
    q->rc = open_site_store(q->ss->dir, q->name, 1, q->max_offset_ms, &q->st,
                            &q->office_id, &q->incarnation);
}

static void open_done(uv_work_t *w, int status)
{
    open_req *q = w->data;
    srv_sites *ss = q->ss;
    for (open_req **pp = &ss->opening; *pp; pp = &(*pp)->next) {
        if (*pp == q) {
            *pp = q->next;
            break;
        }
    }
    srv_site *site = NULL;
    int rc = status ? RND_EIO : q->rc;
    if (rc == 0)
        rc = add_site(ss, q->name, q->st, q->office_id, q->incarnation, &site);
    else
        store_close(q->st);
    srv_site_wait *list = q->waiters;
    free(q);
    while (list) {
        srv_site_wait *wt = list;
        list = wt->next_;
        wt->next_ = NULL;
        wt->req_ = NULL;
        wt->ready(wt, rc, rc ? NULL : site);
    }
}

int srv_sites_open(srv_sites *ss, const char *name, size_t len,
                   srv_site_wait *w, srv_site **out)
{
    *out = NULL;
    if (ss->loop == NULL)
        return srv_sites_get(ss, name, len, 1, out);
    if (!srv_name_valid(name, len))
        return RND_EINVAL;
    *out = find_site(ss, name, len);
    if (*out != NULL)
        return 0;
    open_req *q = ss->opening;
    while (q && (strlen(q->name) != len || memcmp(q->name, name, len) != 0))
        q = q->next;
    if (q == NULL) {
        q = calloc(1, sizeof *q);
        if (q == NULL)
            return RND_ENOMEM;
        memcpy(q->name, name, len);
        q->ss = ss;
        q->max_offset_ms = ss->max_offset_ms;
        q->work.data = q;
        if (uv_queue_work(ss->loop, &q->work, open_work, open_done) != 0) {
            free(q);
            return RND_EIO;
        }
        q->next = ss->opening;
        ss->opening = q;
    }
    w->req_ = q;
    w->next_ = q->waiters;
    q->waiters = w;
    return RND_EAGAIN;
}

void srv_sites_open_cancel(srv_site_wait *w)
{
    open_req *q = w->req_;
    if (q == NULL)
        return;
    for (srv_site_wait **pp = &q->waiters; *pp; pp = &(*pp)->next_) {
        if (*pp == w) {
            *pp = w->next_;
            break;
        }
    }
    w->req_ = NULL;
    w->next_ = NULL;
}

const char *srv_site_name(const srv_site *site)
{
    return site->name;
}

store *srv_site_store(srv_site *site)
{
    return site->st;
}

srv_sites *srv_site_sites(srv_site *site)
{
    return site->ss;
}

int srv_site_blobs(srv_site *site, blob_store **out)
{
    if (site->blobs == NULL) {
        char path[4096];
        int n = snprintf(path, sizeof path, "%s/sites/%s/attachments",
                         site->ss->dir, site->name);
        if (n < 0 || (size_t)n >= sizeof path)
            return RND_EINVAL;
        int rc = blob_open(&site->blobs, path);
        if (rc)
            return rc;
    }
    *out = site->blobs;
    return 0;
}

/* ---- work on the loop's thread pool -------------------------------------- */

static void work_cb(uv_work_t *req)
{
    srv_work *w = req->data;
    w->work(w);
}

static void work_done_cb(uv_work_t *req, int status)
{
    srv_work *w = req->data;
    w->done(w, status == 0 ? 0 : RND_EIO);
}

int srv_sites_work(srv_sites *ss, srv_work *w)
{
    if (ss->loop == NULL) {
        w->work(w);
        w->done(w, 0);
        return 0;
    }
    w->req_.data = w;
    return uv_queue_work(ss->loop, &w->req_, work_cb, work_done_cb) ? RND_EIO
                                                                    : 0;
}

uint64_t srv_site_office_id(const srv_site *site)
{
    return site->office_id;
}
