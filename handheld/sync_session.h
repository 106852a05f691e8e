/* sync_session.h: the client side of a sync session as bytes in, bytes out.
 *
 * No sockets and no TLS here (sync.c carries the bytes): the session makes
 * the frames to send and consumes the frames received, following the
 * sequence in proto/msg.h exactly:
 *
 *   HELLO -> WELCOME [-> PULL_OWN -> OPS...] -> PUSH... / PUSH_ACK...
 *         -> PULL -> OPS... -> BYE/BYE
 *
 * Pushing is pipelined: up to WELCOME's window PUSH batches are unacked at
 * once; each batch is read from the store when it is about to be sent (one
 * read transaction per batch), so memory stays bounded whatever the size of
 * the store. Pulled OPS frames are kept (their ops copied into one growing
 * buffer) and stored together with the last one's next_cursor in one
 * durable write transaction once HH_SESS_PULL_OPS ops or HH_SESS_PULL_BYTES
 * bytes are held, at the last OPS (more = false), or when the transport
 * ends the session early (hh_sess_flush), so the pull cursor never covers
 * ops that are not committed and a cut keeps the progress made. After the
 * server's BYE, "acked_seq" and "last_sync_ms" are written in one
 * transaction.
 *
 * Store meta keys read: "credential" (and the identity); written:
 * "server_cursor" (u64), "acked_seq" (u64), "last_sync_ms" (u64), and at
 * WELCOME, when they changed: "server_incarnation" (u64; a new one resets
 * "server_cursor" to 0 in the same transaction) and "server_cert_next"
 * (the PEM of the server's next certificate with its NUL; empty = none).
 *
 * Internal to the handheld library (not installed). Errors are 0 or a
 * negative RND_E* code; the handle's hh_last_error() holds the sentence.
 * After an error the session is failed: every further call returns it.
 */
#ifndef RND_HH_SYNC_SESSION_H
#define RND_HH_SYNC_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "../proto/msg.h"
#include "handheld.h"

/* Largest frame the handheld sends or accepts, whatever WELCOME says. */
#define HH_SESS_FRAME_CAP (16u << 20)

enum hh_sess_state {
    HH_SESS_HELLO = 1, /* HELLO queued or sent, waiting for WELCOME */
    HH_SESS_RECOVER,   /* PULL_OWN sent, receiving this device's own ops */
    HH_SESS_PUSH,      /* pushing batches, waiting for their PUSH_ACKs */
    HH_SESS_PULL,      /* PULL sent, receiving OPS */
    HH_SESS_ATT,       /* attachments up, then down (protocol 4) */
    HH_SESS_BYE,       /* BYE sent, waiting for the server's BYE */
    HH_SESS_DONE,      /* server's BYE received and recorded */
    HH_SESS_FAILED,
};

/* Most unacknowledged PUSH batches the client keeps, whatever WELCOME says. */
#define HH_SESS_WINDOW_MAX 64

/* A pull stores the OPS frames it holds, in one durable commit, once they
 * carry this many ops or bytes (or at the last OPS). One commit per frame
 * (4,096 ops) made a 1M-op pull ~245 durable commits, each rewriting the
 * B-tree's branch pages and syncing. Measured on a 1M-op pull (Release,
 * bench_hh against roundsd on loopback, 2 shared cores; handheld CPU):
 * 4,096 ops per commit 4.8-4.9 s, 16,384 and 32,768 4.2-4.4 s, 65,536
 * 4.3-4.7 s, 131,072 5.0-5.2 s (above ~64k, LMDB's per-transaction dirty
 * page list grows costly to search and insert into); wall time, with the
 * machine loaded, was about the same from 16,384 to 65,536 and 25-50%
 * below one commit per frame. 32,768 is in the middle of the flat part,
 * with half the syncs of 16,384 (a sync costs more on slow flash than on
 * this machine) and a fraction of a second of pulling to redo after a
 * crash. The bytes bound the memory held, beside the receive buffer,
 * whatever the ops' size: 16 MiB, the largest frame the handheld accepts
 * (HH_SESS_FRAME_CAP). */
#define HH_SESS_PULL_OPS 32768u
#define HH_SESS_PULL_BYTES HH_SESS_FRAME_CAP

typedef struct hh_sess {
    hh *h;
    int state;  /* enum hh_sess_state */
    int failed; /* the error code once failed */

    /* identity and cursors */
    uint64_t device_id;
    uint64_t last_seq; /* own highest seq when WELCOME came */
    uint64_t have_seq; /* WELCOME's have_seq */
    uint64_t acked_seq;
    uint64_t stored_acked; /* "acked_seq" in meta when the session began */
    uint64_t cursor; /* pull cursor: the stored one (moves at each commit) */
    int64_t server_ms;

    /* pushing */
    uint32_t max_frame;     /* frame body limit, both directions */
    uint32_t window;        /* batches allowed unacked */
    uint64_t next_push_seq; /* first seq not yet put in a PUSH */
    uint32_t next_batch;    /* batch number of the next PUSH */
    uint32_t inflight;      /* PUSH batches sent or queued, not acked */
    uint32_t ring_head;     /* oldest unacked batch in the ring */
    struct {
        uint32_t batch;
        uint64_t last_seq;
        uint32_t nops;
    } ring[HH_SESS_WINDOW_MAX];

    /* results */
    uint64_t pushed;   /* own ops acked this session */
    uint64_t pulled;   /* ops newly stored by ingest */
    uint64_t received; /* ops received in OPS batches */
    uint64_t kept;     /* of those, the ops stored with their cursor */
    int bye_queued;    /* our BYE is queued or sent */
    int cursor_reset;  /* WELCOME named another incarnation: pulled from 0 */
    int cert_next_learned; /* WELCOME brought a new next certificate */
    char server_error[160];
    /* The TLS session to keep for the next sync (set by the caller; not
     * owned): stored with acked_seq at BYE, in the sync's last commit,
     * instead of a commit of its own; tls_session_kept says it was. */
    const uint8_t *tls_session;
    size_t tls_session_len;
    int tls_session_kept;

    /* Recovery (a restored store, see on_welcome): own ops the server
     * holds are pulled back from seq stored_acked + 1 (PULL_OWN); those
     * equal to the store's are skipped; from the first that differs
     * (diverge_seq) on, they are held (in held, below) and stored with
     * the local ops renumbered after them (store_own_rebase) in one
     * transaction once the last OPS came. */
    uint64_t own_next;    /* the seq the next own op received must have */
    uint64_t diverge_seq; /* 0 while every op received matched */
    uint64_t recovered;   /* own ops taken back from the server */
    uint64_t renumbered;  /* local ops given new seqs after them */
    int own_asked;        /* PULL_OWN is queued or sent */
    int held_own;         /* held holds own ops (recovery), not a pull's */

    /* pulling: OPS frames received, not stored yet (see on_ops) */
    uint8_t *held; /* their ops' encodings, back to back */
    size_t held_len, held_cap;
    uint32_t *held_lens; /* each held op's length, in order */
    uint32_t held_nops, held_lens_cap;
    uint64_t held_cursor; /* the last held frame's next_cursor */

    /* the frame being sent: out[out_off .. out_len) */
    uint8_t *out;
    size_t out_cap, out_len, out_off;
    proto_bytes *ops; /* PROTO_BATCH_MAX_OPS entries: decode and encode */

    /* Attachments (protocol 4, sync_att.c): after the pull, this
     * device's attachments the server may lack go up, then those its
     * policy wants come down; then BYE. */
    struct hh_sess_att *att;
    uint32_t att_chunk;
    uint32_t att_up, att_down, att_refused; /* files this session */
    uint64_t att_up_bytes, att_down_bytes;
    char att_error[160]; /* why the last one was refused or failed */

    /* REDIRECT (protocol 5): the site lives on another node now. The
     * session ends (state DONE, redirected 1) with the node as the server
     * sent it; sync.c checks it, stores it and syncs there. */
    int redirected;
    char redirect_node[PROTO_NODE_MAX + 1];
    char redirect_addr[PROTO_ADDR_MAX + 1];
    uint8_t *redirect_cert;   /* malloc'd PEM with a NUL after it */
    size_t redirect_cert_len; /* without the NUL */
    uint64_t redirect_epoch;

    /* Progress, as in hh_sync_options; may be NULL. */
    void (*progress)(const char *phase, uint64_t done, uint64_t total,
                     void *ctx);
    void *progress_ctx;
} hh_sess;

/* Prepares a session for h: reads the identity, the credential ("credential"
 * in meta) and the saved pull cursor, and queues HELLO. Errors:
 * RND_ENOTENROLLED (no credential), RND_ENOMEM, storage errors. The session
 * borrows h (which must outlive it) and owns its buffers until
 * hh_sess_free(), which is safe after a failed init. */
int hh_sess_init(hh_sess *s, hh *h);
void hh_sess_free(hh_sess *s);

/* The bytes the session wants sent now: *p (owned by the session, valid
 * until the next call on it) and *len; *len == 0 when there is nothing to
 * send (waiting for the server, or the window is full). Builds the next
 * frame when the previous one has been sent and the protocol allows it
 * (reading the next PUSH batch from the store). Errors: RND_ETOOBIG (an own
 * op larger than the server's frame limit), storage errors, or the
 * session's earlier failure. */
int hh_sess_output(hh_sess *s, const uint8_t **p, size_t *len);

/* Marks n bytes of hh_sess_output's bytes as sent. */
void hh_sess_sent(hh_sess *s, size_t n);

/* Consumes the whole frames at the start of buf[0..len) (header and body)
 * and sets *consumed to the bytes they took (0 when no frame is whole yet).
 * Errors: RND_ETOOBIG (a frame over hh_sess_max_frame()), RND_EMALFORMED and
 * other decode errors, RND_EPROTO (a message the sequence does not allow
 * here), RND_ECHAIN (the own ops the server sends back while recovering a
 * restored or copied store do not chain), the server's ERROR mapped back to
 * its RND_E* code (text in hh_sess.server_error), storage errors. */
int hh_sess_recv(hh_sess *s, const uint8_t *buf, size_t len, size_t *consumed);

/* 1 when OPS frames were received that are not stored yet. */
int hh_sess_holding(const hh_sess *s);

/* Stores the OPS frames held (their ops and the last one's next_cursor) in
 * one durable transaction (own ops held while recovering a restored store
 * are dropped instead: the recovery is all or nothing, and the next sync
 * starts it again). The transport calls it when the session ends
 * before the last OPS (a cut, a timeout, the server's ERROR, a bad frame
 * after good ones), so the progress made is kept and the next sync resumes
 * after it. 0 when nothing is held. A held op that does not decode, or one
 * under this device's id that it never wrote, refuses everything held
 * (nothing of it is stored, the cursor stays). Whatever the result, nothing
 * is held afterwards. Errors: those of hh_sess_recv's storing (the session
 * fails with its sentence), even on a session that had failed already. */
int hh_sess_flush(hh_sess *s);

/* The largest frame body the session accepts now: PROTO_FRAME_MAX_DEFAULT
 * until WELCOME, then WELCOME's max_frame capped at HH_SESS_FRAME_CAP. A
 * receive buffer of this plus PROTO_FRAME_HEADER bytes always holds a whole
 * frame. */
uint32_t hh_sess_max_frame(const hh_sess *s);

/* 1 once the server's BYE has been received and the result recorded. */
int hh_sess_done(const hh_sess *s);

/* Maps an RND_E* name without "RND_" ("EAUTH") to its code; 0 if none. */
int hh_sess_error_code(const char *name, size_t len);

/* Fails the session with rc and a sentence (into the handle's last
 * error); returns rc. */
int hh__sess_fail(hh_sess *s, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* sync_att.c (the session's attachments; internal to the session). */
struct store_txn;
/* After the last PUSH_ACK, before the pull: what goes up; the session
 * then is in HH_SESS_ATT, or stays as it was when nothing does. */
int hh__att_up(hh_sess *s);
/* After the last OPS: what comes down; the session then is in
 * HH_SESS_ATT, or in HH_SESS_BYE when there is nothing. */
int hh__att_begin(hh_sess *s);
/* The next attachment frame to queue (0 with nothing queued: waiting for
 * the server); after the uploads, queues the PULL (hh__sess_pull); after
 * the downloads, moves the session to HH_SESS_BYE. */
int hh__att_pump(hh_sess *s);
/* sync_session.c: moves the session to HH_SESS_PULL and queues its PULL. */
int hh__sess_pull(hh_sess *s);
/* An ATT_STATE, ATT_DONE or ATT_CHUNK from the server. */
int hh__att_frame(hh_sess *s, const proto_msg *m);
/* Inside the BYE's transaction: marks what the server holds now. */
int hh__att_finish(hh_sess *s, struct store_txn *t);
void hh__att_free(hh_sess *s);

#endif
