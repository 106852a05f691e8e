/* session_att.c: the attachments of a sync session (protocol 4,
 * docs/PROTOCOL.md "Attachments"), the server's side.
 *
 * Once its pushes are acknowledged (the reference client: before its
 * pull; an older one: after it) a client offers the attachments it holds
 * that the server may lack (ATT_OFFER); the server answers each (ATT_STATE:
 * send from this offset, held already, refused) from its store's attachment
 * index and its files (storage/blob.h). Uploaded chunks (ATT_CHUNK) are written
 * on a worker of the loop's thread pool, one at a time per session, and
 * the last one's upload is rehashed, fsynced and renamed there too: the
 * loop thread never waits for the disk, so other handhelds' ops go on
 * while photos upload. An upload counts (ATT_DONE) only once its bytes
 * hash to its name. Then the client asks for what it wants (ATT_WANT);
 * the server sends the chunks while the output queue has room, as it
 * sends OPS.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../proto/attach.h"
#include "../proto/clock.h"
#include "../storage/blob.h"
#include "session_int.h"
#include "site_int.h"

/* A chunk written, or an upload finished, on a worker. */
typedef struct srv_att_job {
    srv_work w;
    srv_session *s; /* NULL once the session is gone: done frees the job */
    blob_store *bs;
    uint8_t hash[PROTO_HASH_LEN];
    uint64_t offset, total;
    uint8_t *data;
    size_t len, cap; /* cap: data's size, given back to the session */
    int last;        /* the chunk ends the attachment: finish the upload */
    int rc;
} srv_att_job;

static proto_bytes err_text(int rc)
{
    const char *n = rc ? rnd_errname(rc) : "";
    return (proto_bytes){(const uint8_t *)n, (uint32_t)strlen(n)};
}

static int send_state(srv_session *s, const uint8_t *hash, int state,
                      uint64_t offset)
{
    proto_msg m = {.type = PROTO_MSG_ATT_STATE};
    memcpy(m.u.att.hash, hash, PROTO_HASH_LEN);
    m.u.att.state = (uint8_t)state;
    m.u.att.offset = offset;
    int rc = srv__send_msg(s, &m, SMALL_MSG_MAX);
    if (rc)
        srv__fail(s, rc, NULL);
    return rc;
}

static int blobs(srv_session *s, blob_store **bs)
{
    int rc = srv_site_blobs(s->site, bs);
    if (rc)
        srv__fail_storage(s, rc, "open the site's attachments");
    return rc;
}

/* ---- what a device's attachments take (its quota) ----------------------- */

typedef struct used_walk {
    uint64_t device_id, used;
    blob_store *bs;
} used_walk;

static int used_cb(const store_att_ref *r, const store_att *a, void *ctx)
{
    used_walk *u = ctx;
    if (r->device_id == u->device_id && blob_has(u->bs, r->hash, NULL) == 0)
        u->used += a->size;
    return 0;
}

/* What the site's index says of hash, into *a: 0, RND_ENOTFOUND (no op
 * names it), or -1 after failing the session for a storage error. With
 * used, also what the device's attachments take, once a session. */
static int lookup(srv_session *s, const uint8_t *hash, store_att *a,
                  blob_store *used)
{
    store_txn *txn;
    int rc = store_read_begin(srv_site_store(s->site), &txn);
    if (rc == 0) {
        rc = store_att_get(txn, hash, a);
        if (rc == 0 && used && !s->att.have_used) {
            used_walk u = {s->device_id, 0, used};
            rc = store_att_each_of(txn, NULL, used_cb, &u);
            s->att.used = u.used;
            s->att.have_used = rc == 0;
        }
        store_read_end(txn);
    }
    if (rc && rc != RND_ENOTFOUND) {
        srv__fail_storage(s, rc, "read the site's store");
        return -1;
    }
    return rc;
}

int srv__att_must_wait(const srv_session *s, const proto_msg *m)
{
    switch (m->type) {
    case PROTO_MSG_ATT_OFFER:
        /* Its op must be committed: the index says what it is. */
        return s->pending > 0 || s->att.job != NULL;
    case PROTO_MSG_ATT_WANT:
    case PROTO_MSG_ATT_CHUNK:
    case PROTO_MSG_BYE:
        return s->att.job != NULL;
    default:
        return 0;
    }
}

int srv__att_sending(const srv_session *s)
{
    return s->att.qhead < s->att.qn;
}

int srv_session_uploading(const srv_session *s)
{
    return s->att.job != NULL || s->att.bytes_in > 0;
}

/* ---- ATT_OFFER ----------------------------------------------------------- */

static void on_offer(srv_session *s, const proto_msg *m)
{
    const uint8_t *hash = m->u.att.hash;
    blob_store *bs;
    store_att a;
    uint64_t have = 0;
    if (blobs(s, &bs))
        return;
    int rc = lookup(s, hash, &a, bs);
    if (rc == RND_ENOTFOUND)
        send_state(s, hash, PROTO_ATT_UNKNOWN, 0);
    if (rc)
        return;
    if (blob_has(bs, hash, NULL) == 0) {
        send_state(s, hash, PROTO_ATT_HAVE, a.size);
        return;
    }
    if (a.size > s->ctx->att_max) {
        send_state(s, hash, PROTO_ATT_TOOBIG, 0);
        return;
    }
    if (s->att.used + a.size > s->ctx->att_quota) {
        send_state(s, hash, PROTO_ATT_QUOTA, 0);
        return;
    }
    rc = blob_partial_size(bs, hash, &have);
    if (rc && rc != RND_ENOTFOUND) {
        srv__fail_storage(s, rc, "read an upload under way");
        return;
    }
    /* A partial longer than the attachment cannot be right: start over
     * (blob_partial_write refuses it, blob_partial_finish drops it). */
    if (rc || have > a.size)
        have = 0;
    if (have > 0 && have == a.size)
        have = 0; /* whole but not finished: finish with the last chunk */
    if (have == 0)
        blob_partial_drop(bs, hash);
    send_state(s, hash, PROTO_ATT_SEND, have);
}

/* ---- ATT_CHUNK (an upload) ----------------------------------------------- */

/* Test builds only (-DROUNDS_TEST_CLOCK=ON): $ROUNDSD_TEST_ATT_CHUNK_MS
 * holds each chunk's write that long, so a test can kill the server in
 * the middle of an upload. */
static unsigned test_chunk_ms(void)
{
    const char *v =
        rnd_clock_pinnable() ? getenv("ROUNDSD_TEST_ATT_CHUNK_MS") : NULL;
    return v ? (unsigned)strtoul(v, NULL, 10) : 0;
}

static void job_work(srv_work *w)
{
    srv_att_job *j = (srv_att_job *)w;
    unsigned hold = test_chunk_ms();
    if (hold)
        nanosleep(
            &(struct timespec){hold / 1000, (long)(hold % 1000) * 1000000L},
            NULL);
    j->rc = blob_partial_write(j->bs, j->hash, j->offset, j->data, j->len);
    if (j->rc == RND_EEXIST) {
        j->rc = 0; /* whole already: another upload of the same bytes */
        j->last = 0;
        return;
    }
    if (j->rc == 0 && j->last)
        j->rc = blob_partial_finish(j->bs, j->hash, j->total);
    /* A failed upload is dropped: the next offer starts it over. */
    if (j->rc && j->rc != RND_EINVAL)
        blob_partial_drop(j->bs, j->hash);
}

static void job_done(srv_work *w, int rc)
{
    srv_att_job *j = (srv_att_job *)w;
    srv_session *s = j->s;
    if (rc && j->rc == 0)
        j->rc = rc;
    if (s == NULL) { /* the session ended meanwhile */
        free(j->data);
        free(j);
        return;
    }
    s->att.job = NULL;
    /* The chunk's buffer serves the session's next chunk: a fresh
     * malloc of 256 KiB is an mmap, page faults and an munmap each. */
    if (s->att.in == NULL) {
        s->att.in = j->data;
        s->att.in_cap = j->cap;
        j->data = NULL;
    }
    if (s->state == SRV_SERVING) {
        s->att.bytes_in += j->len;
        if (j->rc || j->last) {
            proto_msg m = {.type = PROTO_MSG_ATT_DONE};
            memcpy(m.u.att.hash, j->hash, PROTO_HASH_LEN);
            m.u.att.error = err_text(j->rc);
            if (j->rc == 0) {
                s->att.files_in++;
                s->att.used += j->total;
            } else if (rnd_is_storage_error(j->rc)) {
                char hex[PROTO_ATTACH_HEX + 1], line[200];
                proto_hash_hex(j->hash, hex);
                snprintf(line, sizeof line,
                         "storage: attachment %.16s of %s/%s not stored: %s",
                         hex, s->dev.site, s->dev.name, rnd_strerror(j->rc));
                s->ctx->log(s->ctx->log_ctx, line);
            }
            int src = srv__send_msg(s, &m, SMALL_MSG_MAX);
            if (src)
                srv__fail(s, src, NULL);
        }
    }
    free(j->data);
    free(j);
    if (s->wake && !s->in_input)
        s->wake(s->owner);
}

static void on_chunk(srv_session *s, const proto_msg *m)
{
    blob_store *bs;
    store_att a;
    if (blobs(s, &bs))
        return;
    int rc = lookup(s, m->u.att.hash, &a, NULL);
    if (rc == RND_ENOTFOUND)
        srv__fail(s, RND_EPROTO,
                  "ATT_CHUNK of an attachment no op names (offer it first)");
    if (rc)
        return;
    if (m->u.att.total != a.size) {
        srv__fail(s, RND_EMALFORMED,
                  "ATT_CHUNK says %" PRIu64 " bytes; its op says %" PRIu64,
                  m->u.att.total, a.size);
        return;
    }
    if (a.size > s->ctx->att_max || s->att.used + a.size > s->ctx->att_quota) {
        srv__fail(s, a.size > s->ctx->att_max ? RND_ETOOBIG : RND_EQUOTA,
                  "ATT_CHUNK of an attachment refused by its ATT_STATE");
        return;
    }
    srv_att_job *j = calloc(1, sizeof *j);
    size_t len = m->u.att.data.len, cap = s->att.in_cap;
    uint8_t *data = s->att.in;
    if (data == NULL || cap < len) {
        cap = len > s->ctx->att_chunk ? len : s->ctx->att_chunk;
        data = malloc(cap);
    }
    if (j == NULL || data == NULL) {
        free(j);
        if (data != s->att.in)
            free(data);
        srv__fail(s, RND_ENOMEM, "out of memory");
        return;
    }
    if (data == s->att.in) {
        s->att.in = NULL; /* the job's now; job_done gives it back */
        s->att.in_cap = 0;
    }
    memcpy(data, m->u.att.data.p, len);
    j->w.work = job_work;
    j->w.done = job_done;
    j->s = s;
    j->bs = bs;
    memcpy(j->hash, m->u.att.hash, PROTO_HASH_LEN);
    j->offset = m->u.att.offset;
    j->total = m->u.att.total;
    j->data = data;
    j->len = len;
    j->cap = cap;
    j->last = m->u.att.offset + m->u.att.data.len == m->u.att.total;
    s->att.job = j;
    rc = srv_sites_work(srv_site_sites(s->site), &j->w);
    if (rc) {
        s->att.job = NULL;
        free(data);
        free(j);
        srv__fail_storage(s, rc, "queue an attachment's write");
    }
}

/* ---- ATT_WANT (a download) ----------------------------------------------- */

static void on_want(srv_session *s, const proto_msg *m)
{
    const uint8_t *hash = m->u.att.hash;
    blob_store *bs;
    store_att a;
    uint64_t size;
    if (blobs(s, &bs))
        return;
    int rc = lookup(s, hash, &a, NULL);
    if (rc == RND_ENOTFOUND)
        send_state(s, hash, PROTO_ATT_UNKNOWN, 0);
    if (rc)
        return;
    if (blob_has(bs, hash, &size) != 0 || size != a.size || size == 0) {
        send_state(s, hash, PROTO_ATT_MISSING, 0);
        return;
    }
    uint64_t from = m->u.att.offset < size ? m->u.att.offset : 0;
    if (s->att.qn == s->att.qcap) {
        /* Sent ones go: the queue holds what is still to send. */
        if (s->att.qhead > 0) {
            memmove(s->att.q, s->att.q + s->att.qhead,
                    (s->att.qn - s->att.qhead) * sizeof *s->att.q);
            s->att.qn -= s->att.qhead;
            s->att.qhead = 0;
        }
        if (s->att.qn == s->att.qcap) {
            size_t cap = s->att.qcap ? 2 * s->att.qcap : 16;
            srv_att_out *q = realloc(s->att.q, cap * sizeof *q);
            if (q == NULL) {
                srv__fail(s, RND_ENOMEM, "out of memory");
                return;
            }
            s->att.q = q;
            s->att.qcap = cap;
        }
    }
    if (send_state(s, hash, PROTO_ATT_COMING, from))
        return;
    srv_att_out *o = &s->att.q[s->att.qn++];
    memcpy(o->hash, hash, PROTO_HASH_LEN);
    o->offset = from;
    o->total = size;
}

void srv__att_step(srv_session *s)
{
    srv_att_out *o = &s->att.q[s->att.qhead];
    blob_store *bs;
    if (blobs(s, &bs))
        return;
    if (s->att.buf == NULL) {
        s->att.buf = malloc(s->ctx->att_chunk);
        if (s->att.buf == NULL) {
            srv__fail(s, RND_ENOMEM, "out of memory");
            return;
        }
    }
    uint64_t left = o->total - o->offset;
    size_t want = left < s->ctx->att_chunk ? (size_t)left : s->ctx->att_chunk;
    size_t got = 0;
    int rc = blob_read(bs, o->hash, o->offset, s->att.buf, want, &got);
    if (rc || got != want) {
        /* Gone or cut since the ATT_STATE (a purge): say so and go on. */
        s->att.qhead++;
        send_state(s, o->hash, PROTO_ATT_MISSING, 0);
        return;
    }
    proto_msg m = {.type = PROTO_MSG_ATT_CHUNK};
    memcpy(m.u.att.hash, o->hash, PROTO_HASH_LEN);
    m.u.att.offset = o->offset;
    m.u.att.total = o->total;
    m.u.att.data = (proto_bytes){s->att.buf, (uint32_t)got};
    rc = srv__send_msg(s, &m, got + 128);
    if (rc) {
        srv__fail(s, rc, NULL);
        return;
    }
    s->att.bytes_out += got;
    o->offset += got;
    if (o->offset == o->total) {
        s->att.qhead++;
        s->att.files_out++;
    }
    if (s->att.qhead == s->att.qn) {
        s->att.qhead = s->att.qn = 0;
        free(s->att.buf);
        s->att.buf = NULL;
    }
}

void srv__att_dispatch(srv_session *s, const proto_msg *m)
{
    switch (m->type) {
    case PROTO_MSG_ATT_OFFER:
        on_offer(s, m);
        break;
    case PROTO_MSG_ATT_CHUNK:
        on_chunk(s, m);
        break;
    case PROTO_MSG_ATT_WANT:
        on_want(s, m);
        break;
    default:
        srv__fail(s, RND_EPROTO, "unexpected attachment message");
    }
}

void srv__att_free(srv_session *s)
{
    if (s->att.job)
        s->att.job->s = NULL; /* on a worker: its done frees it */
    s->att.job = NULL;
    free(s->att.q);
    free(s->att.buf);
    free(s->att.in);
    s->att.q = NULL;
    s->att.buf = NULL;
    s->att.in = NULL;
    s->att.in_cap = 0;
}
