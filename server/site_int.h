/* site_int.h: private to server/ (site.c, site_open.c and session.c): the
 * definitions of srv_batch, srv_site and srv_sites, which site.h keeps
 * opaque, and of what the loop thread prepares of each op. Not installed;
 * nothing outside server/ includes it.
 */
#ifndef RND_SRV_SITE_INT_H
#define RND_SRV_SITE_INT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "../proto/msg.h"
#include "../storage/store.h"
#include "site.h"

#include <uv.h>

/* One op of a batch as the loop thread decoded and prepared it
 * (srv_batch_prepare): what store_prepare() gives (the op's header
 * among it), and the op's FOLD_CLK_FIELD. */
typedef struct srv_op_meta {
    store_prep prep; /* prep.state points into the batch's states */
    /* The op's FOLD_CLK_FIELD: the device's own measured offset (server
     * minus device, ms) when it wrote the op, 0 when absent. */
    int64_t clk_ms;
    size_t state_off; /* where prep.state goes, while states are written */
} srv_op_meta;

/* A PUSH batch (site.h). The submitter (session.c) sets device_id, batch,
 * done, owner and hlc_cap_ms before srv_site_submit() and reads the
 * results in its done callback; the fields marked "site.c's" are no one
 * else's. */
struct srv_batch {
    srv_batch *next; /* queue link, the site's */
    uint64_t device_id;
    uint32_t batch; /* the client's batch number, echoed in PUSH_ACK */
    uint32_t nops;
    proto_bytes *ops; /* nops encoded ops, copied into this allocation */
    size_t bytes;     /* their total size */
    srv_batch_done_fn done;
    void *owner;
    /* Set by the submitter: the newest server time the device can have
     * seen legitimately (the end of its previous sync; 0 = none known, then
     * the receive time is used). It caps the HLC in behind_ms below. */
    int64_t hlc_cap_ms;
    /* Results, valid in the done callback: */
    int rc;               /* 0, or why the batch was refused */
    uint32_t failed_op;   /* index of the refused op when rc != 0 */
    uint64_t acked_seq;   /* highest seq of device_id held after commit */
    uint32_t added;       /* ops new to the store (the rest were resends) */
    int64_t recv_ms;      /* server time given to the ops as receive time */
    int64_t last_wall_ms; /* wall_ms of the newest op added, if added > 0 */
    /* Clock checks over the ops added (valid if added > 0), in ms:
     * ahead_ms = max(wall_ms - recv_ms): the device clock ahead of the
     * server's; behind_ms = max(min(HLC ms, hlc_cap_ms) - wall_ms): the
     * device clock behind what it had seen from the site. Either may be
     * negative (an op that waited offline is "behind" the receive time
     * without its clock being wrong: that is not counted as ahead). */
    int64_t ahead_ms;
    int64_t behind_ms;
    /* Ops added stamped past the receive time plus the site store's
     * maximum clock offset (store_ingest_beyond): kept, and counted for
     * good in the device's registry record. */
    uint32_t beyond;
    /* site.c's: set (by the loop thread) when the owner went away while
     * the batch was in a commit round; it is then freed, not done. */
    int cancelled;
    /* site.c's, set by srv_batch_prepare() on the loop thread: one meta
     * per op up to prep_failed (all of them when prep_rc is 0); prep_rc is
     * the decode error of op prep_failed, which the commit refuses the
     * batch with. */
    srv_op_meta *meta;
    uint8_t *states;
    int prep_rc;
    uint32_t prep_failed;
    /* site.c's: where srv_batch_add() copies the next op. */
    uint32_t cap_ops;
    uint8_t *data;
    size_t cap_data;
};

struct srv_site {
    srv_site *next;       /* every open site */
    srv_site *dirty_next; /* sites with queued batches */
    int dirty;
    char name[SRV_NAME_MAX + 1];
    store *st;
    struct blob_store *blobs; /* its attachments, opened at first use */
    uint64_t office_id;
    uint64_t incarnation;
    srv_batch *head;
    srv_batch **tailp;
    size_t queued;
    srv_sites *ss;
    /* The batches the commit thread took off the queue and is committing
     * (srv_sites_start); round_next links the sites of its round. The
     * thread alone writes round_rc and round_us: how their commit went. */
    srv_site *round_next;
    srv_batch *inflight;
    int round_rc;
    uint64_t round_us;
};

#define DONE_US_MAX 64

struct srv_sites {
    char *dir;
    srv_site *list;
    srv_site *dirty;
    size_t pending;
    int64_t (*now_ms)(void *);
    void *clock_ctx;
    int64_t max_offset_ms; /* srv_sites_set_max_offset */
    /* The commit thread (srv_sites_start). Once it runs, mu guards the
     * queues (every site's head, tailp, queued, dirty and inflight, and
     * dirty and pending here) and what follows; the thread reads a batch
     * only between taking it and putting it on done. */
    int threaded;
    uv_thread_t thread;
    uv_async_t async;
    uv_mutex_t mu;
    uv_cond_t cv; /* work queued, quit, or the thread went idle */
    int quit;
    int working;     /* the thread is committing a round */
    srv_batch *done; /* committed, callbacks not run yet: in order */
    srv_batch **done_tail;
    /* Latencies of the rounds' commits not yet given to the stats (the
     * latest are dropped past the end: the stats only sample them). */
    uint64_t done_us[DONE_US_MAX];
    size_t ndone_us;
    int done_rc; /* the last storage error of those rounds, or 0 */
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
    /* srv_sites_on_commit: called on the commit thread after each round
     * (the shipper's wake-up). */
    void (*on_commit)(void *ctx);
    void *on_commit_ctx;
    /* uv_hrtime() in ms at the end of the last commit round (0: none
     * yet); srv_sites_last_commit_ms. Atomic, not under mu: the shipper
     * reads it while serve stops, after srv_sites_stop destroyed mu. */
    _Atomic int64_t last_commit_ms;
    /* srv_sites_open(): stores being opened on the loop's thread pool
     * (loop thread only). */
    uv_loop_t *loop;
    struct open_req *opening;
};

#endif
