/* registry_notes.c: what each finished sync changes in its device's
 * registry record (registry.h, srv_sync_note): queued on the loop thread,
 * committed as a group, on a worker of the loop's thread pool once
 * srv_registry_start() ran. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "registry_int.h"

int srv_registry_note(srv_registry *r, const srv_sync_note *n)
{
    if (r->nnotes == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        srv_sync_note *p = realloc(r->notes, cap * sizeof *p);
        if (p == NULL)
            return RND_ENOMEM;
        r->notes = p;
        r->cap = cap;
    }
    r->notes[r->nnotes++] = *n;
    return 0;
}

typedef struct notes_job {
    const srv_sync_note *notes;
    size_t n;
} notes_job;

static int notes_fn(store_txn *txn, void *vctx)
{
    const notes_job *job = vctx;
    for (size_t i = 0; i < job->n; i++) {
        const srv_sync_note *n = &job->notes[i];
        srv_device d;
        int rc = srv_registry__record_get(txn, n->site, n->name, &d);
        if (rc == RND_ENOTFOUND)
            continue;
        if (rc)
            return rc;
        if (d.device_id != n->device_id)
            continue; /* re-enrolled meanwhile: the note is stale */
        if (n->ok) {
            d.last_sync_ms = n->sync_ms;
            d.last_ops_in = n->ops_in;
            d.last_ops_out = n->ops_out;
        }
        if (n->have_skew) {
            d.last_skew_ms = n->skew_ms;
            d.have_clock = 1;
            d.clock_ahead_ms = n->ahead_ms;
            d.clock_behind_ms = n->behind_ms;
        }
        if (d.beyond_ops <= UINT64_MAX - n->beyond)
            d.beyond_ops += n->beyond;
        if (n->held_seq > d.held_seq)
            d.held_seq = n->held_seq;
        if (n->have_pull) {
            d.have_pull = 1;
            d.pull_cursor = n->pull_cursor;
        }
        rc = srv_registry__record_put(txn, &d);
        if (rc)
            return rc;
    }
    return 0;
}

/* Gives the queue's memory back after a burst of notes. */
static void trim(srv_sync_note **notes, size_t *cap)
{
    if (*cap > 1024) {
        free(*notes);
        *notes = NULL;
        *cap = 0;
    }
}

void srv_registry_set_notify(srv_registry *r,
                             void (*fn)(void *ctx, const char *site), void *ctx)
{
    r->notify = fn;
    r->notify_ctx = ctx;
}

/* A sync the office's board should hear of: a complete one, or one cut
 * after its pushed ops were stored (a handheld that lost its signal after
 * the acks still changed the site). */
static int landed(const srv_sync_note *n)
{
    return n->ok || n->ops_in > 0;
}

/* The notes are durable: each site with a sync that landed, once. */
static void notify_landed(const srv_registry *r, const srv_sync_note *notes,
                          size_t n)
{
    if (r->notify == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        if (!landed(&notes[i]))
            continue;
        size_t j = 0;
        while (j < i &&
               !(landed(&notes[j]) && !strcmp(notes[j].site, notes[i].site)))
            j++;
        if (j == i)
            r->notify(r->notify_ctx, notes[i].site);
    }
}

/* One durable commit of notes[0..n) (any thread), then the notify hook. */
static int write_notes(const srv_registry *r, const srv_sync_note *notes,
                       size_t n)
{
    notes_job job = {notes, n};
    int rc = store_write(r->st, notes_fn, &job);
    if (rc == 0)
        notify_landed(r, notes, n);
    return rc;
}

/* A pool thread: one durable commit of the notes handed over. */
static void notes_work(uv_work_t *w)
{
    srv_registry *r = w->data;
    r->work_rc = write_notes(r, r->inflight, r->ninflight);
    uv_mutex_lock(&r->mu);
    r->busy = 0;
    uv_cond_broadcast(&r->cv);
    uv_mutex_unlock(&r->mu);
}

static void log_flush_error(srv_registry *r, int rc)
{
    if (r->log == NULL)
        return;
    char line[300];
    snprintf(line, sizeof line, "registry: sync notes lost: %s (%s)",
             rnd_strerror(rc), store_last_raw_text(r->st));
    r->log(r->log_ctx, line);
}

static void start_work(srv_registry *r);

static void notes_done(uv_work_t *w, int status)
{
    srv_registry *r = w->data;
    r->queued = 0;
    if (status == 0 && r->work_rc)
        log_flush_error(r, r->work_rc);
    r->ninflight = 0;
    trim(&r->inflight, &r->inflight_cap);
    /* What queued meanwhile is the next commit. */
    if (r->nnotes > 0)
        start_work(r);
}

/* Hands the queued notes to a pool thread (loop thread; none in flight). */
static void start_work(srv_registry *r)
{
    srv_sync_note *t = r->inflight;
    size_t tcap = r->inflight_cap;
    r->inflight = r->notes;
    r->inflight_cap = r->cap;
    r->ninflight = r->nnotes;
    r->notes = t;
    r->cap = tcap;
    r->nnotes = 0;
    r->work_rc = 0;
    r->busy = 1;
    r->work.data = r;
    if (uv_queue_work(r->loop, &r->work, notes_work, notes_done) != 0) {
        /* Not reached with a live loop; commit here rather than lose them. */
        r->busy = 0;
        int rc = write_notes(r, r->inflight, r->ninflight);
        r->ninflight = 0;
        if (rc)
            log_flush_error(r, rc);
        return;
    }
    r->queued = 1;
}

int srv_registry_start(srv_registry *r, uv_loop_t *loop,
                       void (*log)(void *ctx, const char *line), void *log_ctx)
{
    if (r->loop != NULL)
        return 0;
    if (uv_mutex_init(&r->mu) != 0)
        return RND_ENOMEM;
    if (uv_cond_init(&r->cv) != 0) {
        uv_mutex_destroy(&r->mu);
        return RND_ENOMEM;
    }
    r->log = log;
    r->log_ctx = log_ctx;
    r->loop = loop;
    return 0;
}

void srv_registry_kick(srv_registry *r)
{
    if (r->loop == NULL) {
        int rc = srv_registry_flush(r);
        if (rc)
            log_flush_error(r, rc);
        return;
    }
    if (r->nnotes > 0 && !r->queued)
        start_work(r);
}

int srv_registry_flush(srv_registry *r)
{
    if (r->loop != NULL) {
        /* The commit in flight goes first: notes commit in queue order. */
        uv_mutex_lock(&r->mu);
        while (r->busy)
            uv_cond_wait(&r->cv, &r->mu);
        uv_mutex_unlock(&r->mu);
    }
    if (r->nnotes == 0)
        return 0;
    int rc = write_notes(r, r->notes, r->nnotes);
    r->nnotes = 0;
    trim(&r->notes, &r->cap);
    return rc;
}
