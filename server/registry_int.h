/* registry_int.h: private to registry.c and registry_notes.c: the
 * registry's definition and its record accessors. */
#ifndef RND_SRV_REGISTRY_INT_H
#define RND_SRV_REGISTRY_INT_H

#include "registry.h"

struct srv_registry {
    store *st;
    srv_sync_note *notes; /* queued on the loop thread */
    size_t nnotes, cap;
    /* srv_registry_start(): the notes commit on a worker of the loop's
     * thread pool. While busy, the worker owns inflight[0..ninflight) and
     * work_rc; the loop owns the rest. mu guards busy, which the worker
     * clears once its commit is durable (srv_registry_flush waits on it,
     * so that notes commit in the order they were queued). */
    uv_loop_t *loop;
    uv_work_t work;
    srv_sync_note *inflight;
    size_t ninflight, inflight_cap;
    int work_rc;
    int queued; /* the loop queued work whose after-callback has not run */
    uv_mutex_t mu;
    uv_cond_t cv;
    int busy;
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
    /* srv_registry_set_notify(): a site's syncs are durable. */
    void (*notify)(void *ctx, const char *site);
    void *notify_ctx;
};

/* The record of site/name in txn: 0, RND_ENOTFOUND or a store error. */
int srv_registry__record_get(store_txn *txn, const char *site, const char *name,
                             srv_device *d);
/* Writes d's record in txn. */
int srv_registry__record_put(store_txn *txn, const srv_device *d);

#endif
