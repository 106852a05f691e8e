/* sync_att.c: a sync session's attachments, the handheld's side (protocol
 * 4, docs/PROTOCOL.md "Attachments"), bytes in and bytes out like the rest
 * of sync_session.c.
 *
 *  1. up, once every PUSH is acknowledged (the attach ops are durable on
 *     the server) and before the PULL: one ATT_OFFER for each attachment
 *     this handheld holds that the server is not known to hold (no
 *     STORE_ATT_SENT flag); the server's ATT_STATE says where to start
 *     (SEND: from the bytes it holds of an upload a cut interrupted), that
 *     it holds it (HAVE), or why not. The chunks are sent back to back;
 *     each upload ends with one ATT_DONE: stored (its hash checked) or why
 *     not. Then the PULL. Photos first: at a shift change each handheld
 *     pulls every other's ops, thousands, and a photo waiting behind that
 *     pull is a photo not yet safe (docs/PERFORMANCE.md, "Session 13").
 *  2. down, after the pull (every op is durable on both sides by then, so
 *     the policy sees every record): one ATT_WANT for each attachment the
 *     policy wants and this handheld lacks: thumbnails always, every
 *     attachment of an open work order, and what `rounds attachment want`
 *     asked; from the bytes of an interrupted download held. Chunks are
 *     written as they come; the last is rehashed, fsynced and renamed
 *     (storage/blob.h) before the attachment counts.
 *  3. BYE; its transaction marks what the server now holds.
 * A refusal (too big, over the quota, missing on the server) is not an
 * error of the sync: ops synced; the result says what stayed behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/attach.h"
#include "../storage/blob.h"
#include "../storage/store.h"
#include "hh_internal.h"
#include "sync_session.h"

enum { ATT_UP = 1, ATT_DOWN };

/* Attachments offered or wanted by one sync at most (more: the next). */
#define ATT_LIST_MAX 4096

typedef struct att_item {
    uint8_t hash[PROTO_HASH_LEN];
    uint64_t size;
    uint64_t offset; /* up: where to send from; down: next byte expected */
    int state;       /* up: the ATT_STATE got, -1 before */
} att_item;

typedef struct hh_sess_att {
    blob_store *bs;
    int phase; /* ATT_UP, then ATT_DOWN (after the pull) */
    att_item up[ATT_LIST_MAX];
    size_t nup, up_offered, up_answered;
    size_t up_cur;     /* the upload being sent (after every answer) */
    size_t up_waiting; /* uploads sent whole, ATT_DONE not yet come */
    att_item down[ATT_LIST_MAX];
    size_t ndown, down_asked, down_answered, down_open;
    /* Hashes the server holds now (HAVE, DONE, a download): marked at
     * BYE. */
    uint8_t (*sent)[PROTO_HASH_LEN];
    size_t nsent, sent_cap;
    uint8_t *buf; /* a chunk read to send */
} hh_sess_att;

static int fail(hh_sess *s, int rc, const char *what)
{
    return hh__sess_fail(s, rc, "sync: attachments: %s: %s", what,
                         rnd_strerror(rc));
}

static void refused(hh_sess *s, const uint8_t *hash, const char *why)
{
    char hex[PROTO_ATTACH_HEX + 1];
    proto_hash_hex(hash, hex);
    snprintf(s->att_error, sizeof s->att_error, "attachment %.16s: %s", hex,
             why);
    s->att_refused++;
}

static int note_sent(hh_sess_att *a, const uint8_t *hash)
{
    if (a->nsent == a->sent_cap) {
        size_t cap = a->sent_cap ? 2 * a->sent_cap : 64;
        void *p = realloc(a->sent, cap * sizeof *a->sent);
        if (p == NULL)
            return RND_ENOMEM;
        a->sent = p;
        a->sent_cap = cap;
    }
    memcpy(a->sent[a->nsent++], hash, PROTO_HASH_LEN);
    return 0;
}

/* ---- what goes up and what comes down ------------------------------------ */

typedef struct plan {
    hh_sess_att *a;
    store_txn *t;
    uint8_t (*open)[PROTO_ENTITY_LEN]; /* open work orders, ascending */
    size_t nopen, open_cap;
} plan;

static int open_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                   const uint8_t *state, size_t len, void *ctx)
{
    (void)kind, (void)state, (void)len;
    plan *p = ctx;
    if (p->nopen == p->open_cap) {
        size_t cap = p->open_cap ? 2 * p->open_cap : 64;
        void *n = realloc(p->open, cap * sizeof *p->open);
        if (n == NULL)
            return RND_ENOMEM;
        p->open = n;
        p->open_cap = cap;
    }
    memcpy(p->open[p->nopen++], id, PROTO_ENTITY_LEN);
    return 0;
}

static int is_open(const plan *p, const uint8_t *id)
{
    size_t lo = 0, hi = p->nopen;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = memcmp(p->open[mid], id, PROTO_ENTITY_LEN);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int up_cb(const store_att *att, void *ctx)
{
    plan *p = ctx;
    hh_sess_att *a = p->a;
    if ((att->flags & STORE_ATT_SENT) || a->nup == ATT_LIST_MAX ||
        blob_has(a->bs, att->hash, NULL) != 0)
        return 0;
    att_item *it = &a->up[a->nup++];
    memcpy(it->hash, att->hash, PROTO_HASH_LEN);
    it->size = att->size;
    it->offset = 0;
    it->state = -1;
    return 0;
}

static int down_cb(const store_att_ref *r, const store_att *att, void *ctx)
{
    plan *p = ctx;
    hh_sess_att *a = p->a;
    if (a->ndown == ATT_LIST_MAX)
        return 0;
    int want = r->role == PROTO_ATT_THUMB || (att->flags & STORE_ATT_WANTED) ||
               is_open(p, r->entity);
    if (!want || blob_has(a->bs, r->hash, NULL) == 0)
        return 0;
    for (size_t i = 0; i < a->ndown; i++) /* on two records: once */
        if (memcmp(a->down[i].hash, r->hash, PROTO_HASH_LEN) == 0)
            return 0;
    att_item *it = &a->down[a->ndown++];
    memcpy(it->hash, r->hash, PROTO_HASH_LEN);
    it->size = att->size;
    uint64_t have = 0;
    if (blob_partial_size(a->bs, r->hash, &have) != 0 || have >= att->size)
        have = 0;
    it->offset = have;
    it->state = -1;
    return 0;
}

/* Makes the session's attachment state and plans phase: ATT_UP lists
 * the uploads, ATT_DOWN the downloads (and the uploads too if they were
 * never listed). */
static int plan_phase(hh_sess *s, int phase)
{
    hh_sess_att *a = s->att;
    int rc;
    if (a == NULL) {
        if ((a = calloc(1, sizeof *a)) == NULL)
            return fail(s, RND_ENOMEM, "out of memory");
        s->att = a;
        if ((rc = hh__blobs(s->h, &a->bs)) != 0)
            return fail(s, rc, "opening the attachments folder");
    }
    int up = a->phase == 0;
    a->phase = phase;
    plan p = {a, NULL, NULL, 0, 0};
    rc = store_read_begin(hh_store(s->h), &p.t);
    if (rc)
        return fail(s, rc, "reading the store");
    if (up)
        rc = store_att_each(p.t, up_cb, &p);
    if (rc == 0 && phase == ATT_DOWN)
        rc = store_entities_each(p.t, PROTO_KIND_WORKORDER, 1, open_cb, &p);
    if (rc == 0 && phase == ATT_DOWN)
        rc = store_att_each_of(p.t, NULL, down_cb, &p);
    store_read_end(p.t);
    free(p.open);
    if (rc)
        return fail(s, rc, "reading the store");
    return 0;
}

int hh__att_up(hh_sess *s)
{
    if (plan_phase(s, ATT_UP))
        return s->failed;
    if (s->att->nup > 0)
        s->state = HH_SESS_ATT;
    return 0;
}

int hh__att_begin(hh_sess *s)
{
    if (plan_phase(s, ATT_DOWN))
        return s->failed;
    hh_sess_att *a = s->att;
    /* Uploads not yet answered (listed only now): offered first. */
    s->state = a->up_answered < a->nup || a->ndown ? HH_SESS_ATT : HH_SESS_BYE;
    return 0;
}

/* ---- frames out ---------------------------------------------------------- */

static int queue_msg(hh_sess *s, const proto_msg *m)
{
    size_t len;
    int rc = proto_msg_encode(m, s->out, s->out_cap, &len);
    if (rc)
        return fail(s, rc, "encoding a message");
    s->out_off = 0;
    s->out_len = len;
    return 0;
}

/* The next upload's next chunk: 1 when one was queued. */
static int next_chunk(hh_sess *s)
{
    hh_sess_att *a = s->att;
    while (a->up_cur < a->nup) {
        att_item *it = &a->up[a->up_cur];
        if (it->state != PROTO_ATT_SEND || it->offset >= it->size) {
            a->up_cur++;
            continue;
        }
        if (a->buf == NULL && (a->buf = malloc(s->att_chunk)) == NULL)
            return fail(s, RND_ENOMEM, "out of memory");
        uint64_t left = it->size - it->offset;
        size_t want = left < s->att_chunk ? (size_t)left : s->att_chunk;
        size_t got = 0;
        int rc = blob_read(a->bs, it->hash, it->offset, a->buf, want, &got);
        if (rc || got != want) {
            /* Gone since the offer (purged): the server's partial stays
             * for nobody; say so and go on. */
            refused(s, it->hash, "no longer on this handheld");
            a->up_cur++;
            continue;
        }
        proto_msg m = {.type = PROTO_MSG_ATT_CHUNK};
        memcpy(m.u.att.hash, it->hash, PROTO_HASH_LEN);
        m.u.att.offset = it->offset;
        m.u.att.total = it->size;
        m.u.att.data = (proto_bytes){a->buf, (uint32_t)got};
        it->offset += got;
        if (it->offset == it->size) {
            a->up_waiting++;
            a->up_cur++;
        }
        s->att_up_bytes += got;
        return queue_msg(s, &m) ? -1 : 1;
    }
    return 0;
}

int hh__att_pump(hh_sess *s)
{
    hh_sess_att *a = s->att;
    proto_msg m;
    memset(&m, 0, sizeof m);
    /* 1. offers, all at once (each answered in order) */
    if (a->up_offered < a->nup) {
        m.type = PROTO_MSG_ATT_OFFER;
        memcpy(m.u.att.hash, a->up[a->up_offered++].hash, PROTO_HASH_LEN);
        return queue_msg(s, &m);
    }
    if (a->up_answered < a->nup)
        return 0;
    /* 2. the uploads' chunks, back to back */
    int q = next_chunk(s);
    if (q < 0)
        return s->failed;
    if (q > 0)
        return 0;
    if (a->up_waiting > 0)
        return 0;
    /* Every upload answered: now the pull, then the downloads. */
    if (a->phase == ATT_UP)
        return hh__sess_pull(s);
    /* 3. wants */
    if (a->down_asked < a->ndown) {
        att_item *it = &a->down[a->down_asked++];
        m.type = PROTO_MSG_ATT_WANT;
        memcpy(m.u.att.hash, it->hash, PROTO_HASH_LEN);
        m.u.att.offset = it->offset;
        return queue_msg(s, &m);
    }
    if (a->down_answered < a->ndown || a->down_open > 0)
        return 0;
    s->state = HH_SESS_BYE;
    return 0;
}

/* ---- frames in ----------------------------------------------------------- */

static att_item *find(att_item *list, size_t n, const uint8_t *hash)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(list[i].hash, hash, PROTO_HASH_LEN) == 0)
            return &list[i];
    return NULL;
}

static int on_state(hh_sess *s, const proto_msg *m)
{
    hh_sess_att *a = s->att;
    int st = m->u.att.state;
    /* Offers are answered in order, before any want is sent. */
    if (a->up_answered < a->up_offered) {
        att_item *it = &a->up[a->up_answered];
        if (memcmp(it->hash, m->u.att.hash, PROTO_HASH_LEN) != 0)
            return fail(s, RND_EPROTO, "ATT_STATE out of order");
        a->up_answered++;
        it->state = st;
        switch (st) {
        case PROTO_ATT_SEND:
            if (m->u.att.offset >= it->size)
                return fail(s, RND_EPROTO, "ATT_STATE past the end");
            it->offset = m->u.att.offset;
            return 0;
        case PROTO_ATT_HAVE:
            return note_sent(a, it->hash) ? fail(s, RND_ENOMEM, "memory") : 0;
        case PROTO_ATT_TOOBIG:
            refused(s, it->hash, "larger than the server takes");
            return 0;
        case PROTO_ATT_QUOTA:
            refused(s, it->hash, "over this handheld's quota on the server");
            return 0;
        case PROTO_ATT_UNKNOWN:
            refused(s, it->hash, "the server knows no record with it");
            return 0;
        default:
            return fail(s, RND_EPROTO, "an ATT_STATE an offer cannot get");
        }
    }
    if (a->down_answered < a->down_asked) {
        att_item *it = &a->down[a->down_answered];
        if (memcmp(it->hash, m->u.att.hash, PROTO_HASH_LEN) != 0)
            return fail(s, RND_EPROTO, "ATT_STATE out of order");
        a->down_answered++;
        it->state = st;
        if (st == PROTO_ATT_COMING) {
            if (m->u.att.offset != it->offset) {
                /* The server starts over: so do we. */
                blob_partial_drop(a->bs, it->hash);
                it->offset = 0;
                if (m->u.att.offset != 0)
                    return fail(s, RND_EPROTO, "ATT_STATE at an odd offset");
            }
            a->down_open++;
            return 0;
        }
        if (st == PROTO_ATT_MISSING || st == PROTO_ATT_UNKNOWN)
            return 0; /* not on the server yet: a later sync */
        return fail(s, RND_EPROTO, "an ATT_STATE a want cannot get");
    }
    return fail(s, RND_EPROTO, "an ATT_STATE nothing asked for");
}

static int on_done(hh_sess *s, const proto_msg *m)
{
    hh_sess_att *a = s->att;
    att_item *it = find(a->up, a->nup, m->u.att.hash);
    if (it == NULL || a->up_waiting == 0)
        return fail(s, RND_EPROTO, "an ATT_DONE nothing was sent for");
    a->up_waiting--;
    if (m->u.att.error.len == 0) {
        s->att_up++;
        /* Durable on the server: said as it happens (the bench times the
         * last one). */
        if (s->progress)
            s->progress("attach", s->att_up, a->nup, s->progress_ctx);
        return note_sent(a, it->hash) ? fail(s, RND_ENOMEM, "memory") : 0;
    }
    char why[80];
    snprintf(why, sizeof why, "the server did not store it (%.*s)",
             (int)m->u.att.error.len, (const char *)m->u.att.error.p);
    refused(s, it->hash, why);
    return 0;
}

static int on_chunk(hh_sess *s, const proto_msg *m)
{
    hh_sess_att *a = s->att;
    att_item *it = find(a->down, a->down_answered, m->u.att.hash);
    if (it == NULL || it->state != PROTO_ATT_COMING ||
        m->u.att.offset != it->offset || m->u.att.total != it->size)
        return fail(s, RND_EPROTO, "an ATT_CHUNK nothing was asked for");
    int rc = blob_partial_write(a->bs, it->hash, it->offset, m->u.att.data.p,
                                m->u.att.data.len);
    if (rc == RND_EEXIST)
        rc = 0; /* whole already: nothing to write */
    if (rc)
        return fail(s, rc, "writing a download");
    it->offset += m->u.att.data.len;
    s->att_down_bytes += m->u.att.data.len;
    if (it->offset < it->size)
        return 0;
    a->down_open--;
    it->state = -1;
    rc = blob_partial_finish(a->bs, it->hash, it->size);
    if (rc == RND_EHASH) {
        refused(s, it->hash, "its bytes did not match their hash (dropped)");
        return 0;
    }
    if (rc)
        return fail(s, rc, "storing a download");
    s->att_down++;
    return note_sent(a, it->hash) ? fail(s, RND_ENOMEM, "memory") : 0;
}

int hh__att_frame(hh_sess *s, const proto_msg *m)
{
    switch (m->type) {
    case PROTO_MSG_ATT_STATE:
        return on_state(s, m);
    case PROTO_MSG_ATT_DONE:
        return on_done(s, m);
    case PROTO_MSG_ATT_CHUNK:
        return on_chunk(s, m);
    default:
        return fail(s, RND_EPROTO, "an unexpected message");
    }
}

int hh__att_finish(hh_sess *s, store_txn *t)
{
    hh_sess_att *a = s->att;
    for (size_t i = 0; a && i < a->nsent; i++) {
        store_att att;
        int rc = store_att_get(t, a->sent[i], &att);
        if (rc == 0)
            rc = store_att_set_flags(
                t, a->sent[i],
                (uint8_t)((att.flags | STORE_ATT_SENT) & ~STORE_ATT_WANTED));
        if (rc && rc != RND_ENOTFOUND)
            return rc;
    }
    return 0;
}

void hh__att_free(hh_sess *s)
{
    if (s->att == NULL)
        return;
    free(s->att->sent);
    free(s->att->buf);
    free(s->att);
    s->att = NULL;
}
