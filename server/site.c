/* site.c: the group commit of PUSH batches (site.h): batches, their
 * preparation on the loop thread, the commit of a round and the commit
 * thread. Opening the site stores is site_open.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../proto/clock.h"
#include "site.h"
#include "site_int.h"
#include "site_move.h"
#include "stats.h"

static void lock(srv_sites *ss)
{
    if (ss->threaded)
        uv_mutex_lock(&ss->mu);
}

static void unlock(srv_sites *ss)
{
    if (ss->threaded)
        uv_mutex_unlock(&ss->mu);
}

int srv_name_valid(const char *s, size_t len)
{
    if (s == NULL || len == 0 || len > SRV_NAME_MAX)
        return 0;
    if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

/* ---- batches ------------------------------------------------------------ */

/* The ops array and then the bytes follow the struct in one allocation. */
srv_batch *srv_batch_new(uint32_t nops, size_t data_bytes)
{
    size_t head = sizeof(srv_batch) + (size_t)nops * sizeof(proto_bytes);
    srv_batch *b = malloc(head + data_bytes + 1);
    if (b == NULL)
        return NULL;
    memset(b, 0, sizeof *b);
    b->ops = (proto_bytes *)(b + 1);
    b->cap_ops = nops;
    b->data = (uint8_t *)b + head;
    b->cap_data = data_bytes;
    return b;
}

int srv_batch_add(srv_batch *b, const uint8_t *enc, uint32_t len)
{
    if (b->nops >= b->cap_ops || len > b->cap_data - b->bytes)
        return RND_ENOSPACE;
    uint8_t *p = b->data + b->bytes;
    memcpy(p, enc, len);
    b->bytes += len;
    b->ops[b->nops].p = p;
    b->ops[b->nops].len = len;
    b->nops++;
    return 0;
}

void srv_batch_free(srv_batch *b)
{
    if (b == NULL)
        return;
    free(b->meta);
    free(b->states);
    free(b);
}

void srv_batch_set_device(srv_batch *b, uint64_t device_id)
{
    b->device_id = device_id;
}

uint32_t srv_batch_added(const srv_batch *b)
{
    return b->added;
}

/* Decodes, hashes and folds every op of b (store_prepare) into its meta
 * and states. An error (a decode error, or RND_ENOMEM here) is kept for
 * the commit to refuse the batch with (prep_rc, at op prep_failed), as
 * if the commit had met it. Only the loop thread prepares (srv_site_submit)
 * in roundsd. */
void srv_batch_prepare(srv_batch *b)
{
    /* Large: kept off the stack; only the loop thread prepares. */
    static proto_op op;
    srv_op_meta *meta = malloc((b->nops ? b->nops : 1) * sizeof *meta);
    /* A state is about as big as its op: start there, grow when short. */
    size_t cap = b->bytes + 64 * (size_t)b->nops + 1024, used = 0;
    uint8_t *states = malloc(cap);
    b->prep_rc = 0;
    b->prep_failed = 0;
    if (meta == NULL || states == NULL)
        goto nomem;
    for (uint32_t i = 0; i < b->nops; i++) {
        const proto_bytes *o = &b->ops[i];
        int rc = proto_op_decode_strict(o->p, o->len, &op);
        if (rc == 0 && op.device_id != b->device_id)
            rc = RND_EFOREIGN;
        if (rc) {
            b->prep_rc = rc;
            b->prep_failed = i;
            break;
        }
        srv_op_meta *m = &meta[i];
        const proto_field *clk = proto_op_field(&op, FOLD_CLK_FIELD);
        m->clk_ms = clk && clk->type == PROTO_INT ? clk->i : 0;
        for (;;) {
            rc = store_prepare(&op, o->p, o->len, states + used, cap - used,
                               &m->prep);
            if (rc != RND_ENOSPACE || cap - used >= FOLD_STATE_MAX)
                break;
            uint8_t *more = realloc(states, cap * 2);
            if (more == NULL)
                goto nomem;
            states = more;
            cap *= 2;
        }
        if (rc) {
            /* The state of an op that decodes but cannot be folded: the
             * commit refuses it, as the store would. */
            b->prep_rc = rc;
            b->prep_failed = i;
            break;
        }
        /* prep.state is set once states stops moving. */
        m->state_off = used;
        used += m->prep.state_len;
    }
    uint32_t n = b->prep_rc ? b->prep_failed : b->nops;
    for (uint32_t i = 0; i < n; i++)
        meta[i].prep.state = states + meta[i].state_off;
    b->meta = meta;
    b->states = states;
    return;
nomem:
    free(meta);
    free(states);
    b->prep_rc = RND_ENOMEM;
    b->prep_failed = 0;
}

/* ---- group commit ------------------------------------------------------- */

void srv_site_submit(srv_site *site, srv_batch *b)
{
    srv_batch_prepare(b);
    b->next = NULL;
    b->rc = 0;
    srv_sites *ss = site->ss;
    lock(ss);
    *site->tailp = b;
    site->tailp = &b->next;
    site->queued++;
    ss->pending++;
    if (!site->dirty) {
        site->dirty = 1;
        site->dirty_next = ss->dirty;
        ss->dirty = site;
    }
    if (ss->threaded)
        uv_cond_broadcast(&ss->cv);
    unlock(ss);
}

size_t srv_site_cancel(srv_site *site, void *owner)
{
    srv_sites *ss = site->ss;
    lock(ss);
    /* Batches the thread holds (committing, or committed and waiting for
     * their callbacks) are marked; it reads none of the fields written. */
    for (srv_batch *b = site->inflight; b; b = b->next)
        if (b->owner == owner)
            b->cancelled = 1;
    for (srv_batch *b = ss->done; b; b = b->next)
        if (b->owner == owner)
            b->cancelled = 1;
    size_t n = 0;
    srv_batch **pp = &site->head;
    site->tailp = &site->head;
    while (*pp) {
        srv_batch *b = *pp;
        if (b->owner == owner) {
            *pp = b->next;
            srv_batch_free(b);
            n++;
            continue;
        }
        pp = &b->next;
        site->tailp = pp;
    }
    site->tailp = pp;
    site->queued -= n;
    ss->pending -= n;
    unlock(ss);
    return n;
}

size_t srv_sites_pending(srv_sites *ss)
{
    lock(ss);
    size_t n = ss->pending;
    unlock(ss);
    return n;
}

int srv_sites_busy(srv_sites *ss)
{
    lock(ss);
    int busy =
        ss->threaded && (ss->pending > 0 || ss->working || ss->done != NULL);
    unlock(ss);
    return busy;
}

typedef struct commit_ctx {
    srv_batch *list;
    srv_batch *failed; /* the batch refused in this attempt */
    int64_t now;
} commit_ctx;

/* 0 when op is the one the store holds as device_id's seq (at most the
 * device's head), RND_EFORK when the store holds other bytes there (two
 * stores write as one device: a copied store, or one restored from a
 * backup by a client that does not recover), RND_ECHAIN for seq 0, or a
 * storage error. */
static int same_as_held(store_txn *txn, uint64_t device_id, uint64_t seq,
                        const proto_bytes *op)
{
    const uint8_t *enc;
    size_t len;
    int rc = store_op_get(txn, device_id, seq, &enc, &len, NULL);
    /* Not held under a seq at or below the head: seq 0, which no chain
     * has (the peer's fault, not the store's). */
    if (rc)
        return rc == RND_ENOTFOUND ? RND_ECHAIN : rc;
    return len == op->len && memcmp(enc, op->p, len) == 0 ? 0 : RND_EFORK;
}

/* Keeps the count of forked pushes refused for device_id in the site
 * store (srv_site_forks) with the last one's time and seq. */
static int note_fork(store_txn *txn, uint64_t device_id, uint64_t seq,
                     int64_t now)
{
    char key[SRV_FORK_KEY_MAX];
    srv_fork_key(device_id, key);
    srv_fork_info f;
    int rc = srv_site_forks(txn, device_id, &f);
    if (rc)
        return rc;
    uint8_t v[24];
    proto_be64_put(v, f.count + 1);
    proto_be64_put(v + 8, (uint64_t)now);
    proto_be64_put(v + 16, seq);
    return store_meta_put(txn, key, v, sizeof v);
}

void srv_fork_key(uint64_t device_id, char key[SRV_FORK_KEY_MAX])
{
    static const char hex[] = "0123456789abcdef";
    memcpy(key, "fork/", 5);
    for (int i = 0; i < 16; i++)
        key[5 + i] = hex[(device_id >> (60 - 4 * i)) & 15];
    key[21] = '\0';
}

int srv_site_forks(store_txn *txn, uint64_t device_id, srv_fork_info *out)
{
    char key[SRV_FORK_KEY_MAX];
    const void *v;
    size_t len;
    memset(out, 0, sizeof *out);
    srv_fork_key(device_id, key);
    int rc = store_meta_get(txn, key, &v, &len);
    if (rc == RND_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    if (len != 24)
        return RND_ECORRUPT;
    out->count = proto_be64_get(v);
    out->last_ms = (int64_t)proto_be64_get((const uint8_t *)v + 8);
    out->last_seq = proto_be64_get((const uint8_t *)v + 16);
    return 0;
}

/* Stores one batch's ops (site.h). The ops were decoded, hashed and
 * folded when the batch was submitted (srv_batch_prepare): here only what
 * that prepared is read (store_ingest_prepared), and the chain head is
 * carried from one op's hash to the next op's prev_hash. */
static int commit_batch(store_txn *txn, srv_batch *b, int64_t now)
{
    uint64_t max;
    uint8_t head[PROTO_HASH_LEN];
    int rc = store_device_head(txn, b->device_id, &max, head);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < b->nops; i++) {
        b->failed_op = i;
        if (b->prep_rc && i == b->prep_failed)
            return b->prep_rc;
        const srv_op_meta *m = &b->meta[i];
        const store_op_head *h = &m->prep.head;
        if (h->seq <= max) {
            /* A resend after a cut carries the very bytes held; other
             * bytes under a held seq fork the device's chain. */
            rc = same_as_held(txn, b->device_id, h->seq, &b->ops[i]);
            if (rc)
                return rc;
            continue;
        }
        /* store_chain_check's test, on the head this loop carries. */
        if (h->seq != max + 1 ||
            memcmp(h->prev_hash, head, PROTO_HASH_LEN) != 0)
            return RND_ECHAIN;
        int added = 0;
        rc = store_ingest_prepared(txn, &m->prep, now, &added);
        if (rc)
            return rc;
        if (added) {
            int64_t cap = b->hlc_cap_ms > 0 ? b->hlc_cap_ms : now;
            int64_t hlc_ms = PROTO_HLC_MS(h->hlc);
            /* How far off the device's clock was: what its op shows
             * against this server's clock and its HLC, or what it measured
             * itself at its last WELCOME (_clk, when it carries one),
             * whichever is more. */
            int64_t ahead = h->wall_ms - now;
            int64_t behind = (hlc_ms < cap ? hlc_ms : cap) - h->wall_ms;
            if (m->clk_ms < 0 && -m->clk_ms > ahead)
                ahead = -m->clk_ms;
            if (m->clk_ms > 0 && m->clk_ms > behind)
                behind = m->clk_ms;
            if (b->added == 0 || ahead > b->ahead_ms)
                b->ahead_ms = ahead;
            if (b->added == 0 || behind > b->behind_ms)
                b->behind_ms = behind;
            b->added++;
            b->beyond += store_ingest_beyond(txn, h->hlc, now) != 0;
            b->last_wall_ms = h->wall_ms;
            max = h->seq;
            memcpy(head, m->prep.hash, PROTO_HASH_LEN);
        }
    }
    b->acked_seq = max;
    return 0;
}

int srv_batch_commit(store_txn *txn, srv_batch *b, int64_t now)
{
    b->added = 0;
    b->acked_seq = 0;
    b->last_wall_ms = 0;
    b->ahead_ms = b->behind_ms = 0;
    b->beyond = 0;
    b->recv_ms = now;
    return commit_batch(txn, b, now);
}

/* The seq a batch refused with RND_EFORK forked at (0 if unknown). */
static uint64_t fork_seq(const srv_batch *b)
{
    uint32_t i = b->failed_op;
    if (i >= b->nops || b->meta == NULL || (b->prep_rc && i >= b->prep_failed))
        return 0;
    return b->meta[i].prep.head.seq;
}

/* Counts the forks refused in this round, once per device (the session's
 * later batches refused with the first are not forks of their own). */
static int note_forks(store_txn *txn, const srv_batch *list, int64_t now)
{
    for (const srv_batch *b = list; b; b = b->next) {
        if (b->rc != RND_EFORK)
            continue;
        const srv_batch *e = list;
        while (e != b && !(e->rc == RND_EFORK && e->device_id == b->device_id))
            e = e->next;
        if (e != b)
            continue;
        int rc = note_fork(txn, b->device_id, fork_seq(b), now);
        if (rc)
            return rc;
    }
    return 0;
}

static int commit_fn(store_txn *txn, void *vctx)
{
    commit_ctx *c = vctx;
    c->failed = NULL;
    /* A site marked as moving (or moved) takes no more ops: `roundsd site
     * move` copies the store after its mark is committed, so anything
     * committed after it would be lost on the new node. The mark is read
     * under this write's lock: no batch slips in between. */
    int where;
    int wrc = srv_site_where(txn, &where);
    if (wrc)
        return wrc;
    if (where != SRV_SITE_HERE) {
        for (srv_batch *b = c->list; b; b = b->next)
            if (b->rc == 0) {
                b->rc = RND_EMOVED;
                b->failed_op = 0;
            }
        return 0;
    }
    /* Batches refused by an earlier attempt are not retried; the forks
     * among them are recorded with this attempt's commit. */
    int frc = note_forks(txn, c->list, c->now);
    if (frc)
        return frc;
    for (srv_batch *b = c->list; b; b = b->next) {
        if (b->rc)
            continue;
        int rc = srv_batch_commit(txn, b, c->now);
        if (rc == 0)
            continue;
        if (rnd_is_storage_error(rc))
            return rc;
        /* Refuse this batch and every later one of the same session
         * (they build on it), then have the write replayed without them. */
        b->rc = rc;
        for (srv_batch *l = b->next; l; l = l->next) {
            if (l->owner == b->owner && l->rc == 0) {
                l->rc = rc;
                l->failed_op = 0;
            }
        }
        c->failed = b;
        return rc;
    }
    return 0;
}

/* Commits the batches of one site (already detached from its queue);
 * sets each one's rc. Touches only the list and the store: it runs on the
 * commit thread as well. *us gets how long it took. */
static int commit_site(srv_site *site, srv_batch *list, int64_t now,
                       uint64_t *us)
{
    commit_ctx c = {.list = list, .now = now};
    size_t n = 0;
    for (srv_batch *b = list; b; b = b->next)
        n++;
    /* Each refused batch costs one attempt and is out of the next, so
     * n + 1 attempts always end in a commit or a storage error. */
    int rc;
    size_t attempts = 0;
    uint64_t t0 = srv_stats_now_us();
    do {
        rc = store_write(site->st, commit_fn, &c);
    } while (rc != 0 && c.failed != NULL && ++attempts <= n);
    *us = srv_stats_now_us() - t0;
    if (rc) {
        for (srv_batch *b = list; b; b = b->next)
            if (b->rc == 0)
                b->rc = rc;
    }
    return rc;
}

/* Runs the callbacks of a committed list (on the loop thread). */
static void finish_list(srv_batch *list)
{
    while (list) {
        srv_batch *next = list->next;
        list->next = NULL;
        if (list->cancelled)
            srv_batch_free(list);
        else
            list->done(list, list->owner); /* may free list */
        list = next;
    }
}

static int flush_site(srv_site *site, srv_batch *list, int64_t now)
{
    uint64_t us;
    int rc = commit_site(site, list, now, &us);
    srv_stats_commit(us);
    finish_list(list);
    return rc;
}

/* Takes the batches queued on a dirty site off its queue. */
static srv_batch *detach(srv_sites *ss, srv_site *site)
{
    site->dirty_next = NULL;
    site->dirty = 0;
    srv_batch *list = site->head;
    ss->pending -= site->queued;
    site->head = NULL;
    site->tailp = &site->head;
    site->queued = 0;
    return list;
}

/* ---- the commit thread ------------------------------------------------- */

/* Takes every queued batch off its site's queue into a round (mu held
 * when the thread runs). */
static srv_site *take_round(srv_sites *ss)
{
    srv_site *round = NULL, **tail = &round;
    srv_site *dirty = ss->dirty;
    ss->dirty = NULL;
    while (dirty) {
        srv_site *site = dirty;
        dirty = site->dirty_next;
        srv_batch *list = detach(ss, site);
        if (list == NULL)
            continue;
        site->inflight = list;
        site->round_next = NULL;
        *tail = site;
        tail = &site->round_next;
    }
    return round;
}

/* Commits round after round: as soon as one is durable, whatever queued
 * meanwhile is the next, without waiting for the loop to notice. The loop
 * gets the committed batches through done (and a uv_async) and runs their
 * callbacks. */
static void committer(void *arg)
{
    srv_sites *ss = arg;
    uv_mutex_lock(&ss->mu);
    for (;;) {
        while (ss->dirty == NULL && !ss->quit)
            uv_cond_wait(&ss->cv, &ss->mu);
        srv_site *round = take_round(ss);
        if (round == NULL)
            break; /* quit, and nothing left */
        ss->working = 1;
        uv_mutex_unlock(&ss->mu);
        /* The clock is read here, on this thread: receive times are the
         * commit's. */
        int64_t now = ss->now_ms(ss->clock_ctx);
        for (srv_site *site = round; site; site = site->round_next)
            site->round_rc =
                commit_site(site, site->inflight, now, &site->round_us);
        uv_mutex_lock(&ss->mu);
        for (srv_site *site = round; site; site = site->round_next) {
            *ss->done_tail = site->inflight;
            while (*ss->done_tail)
                ss->done_tail = &(*ss->done_tail)->next;
            site->inflight = NULL;
            if (ss->ndone_us < DONE_US_MAX)
                ss->done_us[ss->ndone_us++] = site->round_us;
            if (site->round_rc)
                ss->done_rc = site->round_rc;
        }
        ss->working = 0;
        atomic_store_explicit(&ss->last_commit_ms,
                              (int64_t)(uv_hrtime() / 1000000u),
                              memory_order_relaxed);
        uv_cond_broadcast(&ss->cv);
        uv_async_send(&ss->async);
        if (ss->on_commit) {
            /* Outside the queue's mutex: the hook takes its own. */
            uv_mutex_unlock(&ss->mu);
            ss->on_commit(ss->on_commit_ctx);
            uv_mutex_lock(&ss->mu);
        }
    }
    uv_mutex_unlock(&ss->mu);
}

static void log_commit_error(srv_sites *ss, int rc)
{
    if (ss->log == NULL)
        return;
    char line[200];
    snprintf(line, sizeof line, "commit: %s", rnd_strerror(rc));
    ss->log(ss->log_ctx, line);
}

/* Runs the callbacks of what the thread has committed (loop thread).
 * Returns the last storage error among those rounds. */
static int finish_done(srv_sites *ss)
{
    uv_mutex_lock(&ss->mu);
    srv_batch *list = ss->done;
    ss->done = NULL;
    ss->done_tail = &ss->done;
    uint64_t us[DONE_US_MAX];
    size_t n = ss->ndone_us;
    memcpy(us, ss->done_us, n * sizeof *us);
    ss->ndone_us = 0;
    int rc = ss->done_rc;
    ss->done_rc = 0;
    uv_mutex_unlock(&ss->mu);
    for (size_t i = 0; i < n; i++)
        srv_stats_commit(us[i]);
    finish_list(list);
    return rc;
}

static void on_round_done(uv_async_t *h)
{
    srv_sites *ss = h->data;
    int rc = finish_done(ss);
    if (rc)
        log_commit_error(ss, rc);
}

int srv_sites_start(srv_sites *ss, uv_loop_t *loop,
                    void (*log)(void *ctx, const char *line), void *log_ctx)
{
    if (ss->threaded)
        return 0;
    ss->log = log;
    ss->log_ctx = log_ctx;
    ss->loop = loop;
    if (uv_mutex_init(&ss->mu) != 0)
        return RND_ENOMEM;
    if (uv_cond_init(&ss->cv) != 0) {
        uv_mutex_destroy(&ss->mu);
        return RND_ENOMEM;
    }
    if (uv_async_init(loop, &ss->async, on_round_done) != 0) {
        uv_cond_destroy(&ss->cv);
        uv_mutex_destroy(&ss->mu);
        return RND_EIO;
    }
    ss->async.data = ss;
    ss->quit = ss->working = 0;
    ss->done = NULL;
    ss->done_tail = &ss->done;
    ss->ndone_us = 0;
    ss->done_rc = 0;
    /* Set before the thread exists, so that it and every later call see
     * it (thread creation orders the write before the thread's reads). */
    ss->threaded = 1;
    if (uv_thread_create(&ss->thread, committer, ss) != 0) {
        ss->threaded = 0;
        uv_close((uv_handle_t *)&ss->async, NULL);
        uv_cond_destroy(&ss->cv);
        uv_mutex_destroy(&ss->mu);
        return RND_ENOMEM;
    }
    return 0;
}

void srv_sites_stop(srv_sites *ss)
{
    if (ss == NULL || !ss->threaded)
        return;
    int rc = srv_sites_flush(ss);
    if (rc)
        log_commit_error(ss, rc);
    uv_mutex_lock(&ss->mu);
    ss->quit = 1;
    uv_cond_broadcast(&ss->cv);
    uv_mutex_unlock(&ss->mu);
    uv_thread_join(&ss->thread);
    /* What callbacks queued after the flush, the thread committed before
     * it quit. */
    rc = finish_done(ss);
    if (rc)
        log_commit_error(ss, rc);
    ss->threaded = 0;
    ss->loop = NULL; /* opens still in flight end in open_done() */
    uv_close((uv_handle_t *)&ss->async, NULL);
    uv_cond_destroy(&ss->cv);
    uv_mutex_destroy(&ss->mu);
}

int srv_sites_kick(srv_sites *ss)
{
    /* With the thread, submitting was enough. */
    return ss->threaded ? 0 : srv_sites_flush(ss);
}

int srv_sites_flush(srv_sites *ss)
{
    if (ss->threaded) {
        /* The thread commits everything queued; wait until it has. */
        uv_mutex_lock(&ss->mu);
        while (ss->dirty != NULL || ss->working)
            uv_cond_wait(&ss->cv, &ss->mu);
        uv_mutex_unlock(&ss->mu);
        return finish_done(ss);
    }
    int last = 0;
    /* Take everything queued first: callbacks may submit again, and what
     * they submit belongs to the next flush. */
    srv_site *round = take_round(ss);
    int64_t now = ss->now_ms(ss->clock_ctx);
    while (round) {
        srv_site *site = round;
        srv_batch *list = site->inflight;
        round = site->round_next;
        site->round_next = NULL;
        site->inflight = NULL;
        int rc = flush_site(site, list, now);
        if (rc)
            last = rc;
    }
    return last;
}

int64_t srv_sites_last_commit_ms(srv_sites *ss)
{
    return atomic_load_explicit(&ss->last_commit_ms, memory_order_relaxed);
}

int64_t srv_yield_ms(int64_t now, int64_t last, int64_t settle_ms,
                     int64_t max_ms, int64_t *since_ms)
{
    int64_t quiet = now - last;
    if (last == 0 || quiet >= settle_ms)
        return 0;
    if (*since_ms < 0)
        *since_ms = now;
    int64_t left = *since_ms + max_ms - now;
    if (left <= 0)
        return 0;
    return settle_ms - quiet < left ? settle_ms - quiet : left;
}

int64_t srv_sites_yield_ms(srv_sites *ss, int64_t settle_ms, int64_t max_ms,
                           int64_t *since_ms)
{
    return srv_yield_ms((int64_t)(uv_hrtime() / 1000000u),
                        srv_sites_last_commit_ms(ss), settle_ms, max_ms,
                        since_ms);
}

int srv_sites_yield_wait(srv_sites *ss, int64_t settle_ms, int64_t max_ms,
                         int64_t *since_ms, uv_mutex_t *mu, uv_cond_t *cv,
                         const int *quit)
{
    for (;;) {
        int64_t wait = srv_sites_yield_ms(ss, settle_ms, max_ms, since_ms);
        uv_mutex_lock(mu);
        int q = *quit;
        if (!q && wait)
            uv_cond_timedwait(cv, mu, (uint64_t)wait * 1000000u);
        uv_mutex_unlock(mu);
        if (q)
            return 1;
        if (wait == 0)
            return 0;
    }
}

void srv_sites_on_commit(srv_sites *ss, void (*fn)(void *ctx), void *ctx)
{
    ss->on_commit = fn;
    ss->on_commit_ctx = ctx;
}
