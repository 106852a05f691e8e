/* msg.h: sync protocol frames and messages (docs/PROTOCOL.md).
 *
 * Over TLS, both sides exchange frames: a 4-byte big-endian body length
 * (1 .. max_frame) followed by that many bytes of MessagePack: an array whose
 * first element is the message type. No I/O here: encoders write into a
 * caller's buffer, decoders read a caller's bytes and point into them.
 *
 * A session (client = handheld, server = roundsd):
 *   C: HELLO            version, device id, site, device name, credential
 *   S: WELCOME          the highest seq of this device the server holds,
 *                       the site store's incarnation and the server's next
 *                       certificate when one is staged (version 2)
 *      or ERROR         and the server closes
 *   C: PUSH ...         batches of encoded ops, seq > have_seq, in order;
 *                       pipelined: up to `window` unacknowledged batches
 *   S: PUSH_ACK ...     one per PUSH, in order, sent only after the batch
 *                       is durably committed
 *   C: PULL_OWN         (version 3, only when WELCOME's have_seq is past
 *                       what the client knows the server holds: a restored
 *                       store) its own ops from a seq on, before any PUSH
 *   S: OPS ...          those ops, in seq order; the last has more = 0
 *   C: PULL             the client's pull cursor (0 the first time)
 *   S: OPS ...          batches of other devices' ops of the site, each
 *                       with the cursor after it; the last has more = 0
 *   C: BYE              the client is done
 *   S: BYE              totals; the server closes
 * Either side may send ERROR at any point and close.
 */
#ifndef RND_MSG_H
#define RND_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

/* Version 2 added WELCOME's incarnation and cert_next; version 3 added
 * PULL_OWN (a handheld restored from an older copy takes its own ops back).
 * A server also answers a version-1 HELLO, with the 6-element WELCOME of
 * version 1, and a version-2 one (PULL_OWN is then not allowed). Version
 * 4 added the attachments: WELCOME's att_max, att_quota and att_chunk, and
 * the ATT_* messages after the pull (docs/PROTOCOL.md, "Attachments").
 * Version 5 added REDIRECT: the answer to a HELLO for a site that moved to
 * another node (docs/PROTOCOL.md, "REDIRECT"); its WELCOME is version 4's. */
#define PROTO_VERSION 5
#define PROTO_VERSION_REDIRECT 5 /* the first that follows a REDIRECT */
#define PROTO_VERSION_MIN 1
#define PROTO_FRAME_HEADER 4
#define PROTO_FRAME_MAX_DEFAULT (1u << 20) /* 1 MiB */
#define PROTO_BATCH_MAX_OPS 4096           /* ops in one PUSH or OPS message */
#define PROTO_TEXT_MAX 1024  /* site, device, credential, messages */
#define PROTO_CERT_MAX 16384 /* WELCOME's cert_next, REDIRECT's cert (PEM) */
/* REDIRECT's node name (the alphabet of site names) and address
 * (HOST:PORT as in the enrollment payload). */
#define PROTO_NODE_MAX 63
#define PROTO_ADDR_MAX 261
/* An ATT_CHUNK's bytes at most (a chunk is att_chunk bytes, 256 KiB from
 * this server), and the largest attachment a chunk may belong to. */
#define PROTO_ATT_CHUNK_MAX (1u << 20)
#define PROTO_ATT_CHUNK_DEFAULT (256u << 10)
#define PROTO_ATT_SIZE_LIMIT ((uint64_t)1 << 30)
#ifndef PROTO_HASH_LEN
#define PROTO_HASH_LEN 32
#endif

enum proto_msg_type {
    PROTO_MSG_HELLO = 1,
    PROTO_MSG_WELCOME = 2,
    PROTO_MSG_PUSH = 3,
    PROTO_MSG_PUSH_ACK = 4,
    PROTO_MSG_PULL = 5,
    PROTO_MSG_OPS = 6,
    PROTO_MSG_BYE = 7,
    PROTO_MSG_ERROR = 8,
    PROTO_MSG_PULL_OWN = 9, /* version 3 */
    /* version 4: attachments, after the pull */
    PROTO_MSG_ATT_OFFER = 10, /* C: the client holds these bytes */
    PROTO_MSG_ATT_STATE = 11, /* S: what the server does with one */
    PROTO_MSG_ATT_CHUNK = 12, /* both: bytes of one attachment */
    PROTO_MSG_ATT_DONE = 13,  /* S: an upload stored, or why not */
    PROTO_MSG_ATT_WANT = 14,  /* C: send me these bytes */
    /* version 5: the site lives on another node now */
    PROTO_MSG_REDIRECT = 15, /* S: instead of WELCOME */
};

/* ATT_STATE's state: the server's answer to an ATT_OFFER (SEND, HAVE,
 * UNKNOWN, TOOBIG, QUOTA) or an ATT_WANT (COMING, MISSING, UNKNOWN). */
enum proto_att_state {
    PROTO_ATT_SEND = 0,    /* upload it, from offset (bytes held already) */
    PROTO_ATT_HAVE = 1,    /* held whole: nothing to send */
    PROTO_ATT_UNKNOWN = 2, /* no op the server holds names it */
    PROTO_ATT_TOOBIG = 3,  /* over att_max: refused */
    PROTO_ATT_QUOTA = 4,   /* over the device's att_quota: refused */
    PROTO_ATT_MISSING = 5, /* the server does not hold its bytes yet */
    PROTO_ATT_COMING = 6,  /* ATT_CHUNKs follow, from offset */
};

/* Bytes owned by someone else (the frame being decoded, or the caller's
 * memory when encoding). */
typedef struct proto_bytes {
    const uint8_t *p;
    uint32_t len;
} proto_bytes;

typedef struct proto_msg {
    uint8_t type; /* enum proto_msg_type */
    union {
        /* [1, version, device_id, site, device, credential] */
        struct {
            uint32_t version;
            uint64_t device_id;
            proto_bytes site, device, credential; /* str */
        } hello;
        /* version 1: [2, version, have_seq, server_ms, max_frame, window];
         * version 2 adds incarnation and cert_next (8 elements), version 3
         * have_hash (9). The encoder writes the form of the version; the
         * decoder takes any (by its element count, which must agree with
         * the version; shorter forms leave the later fields 0 or empty). */
        struct {
            uint32_t version;
            uint64_t have_seq; /* highest seq of this device held */
            int64_t server_ms; /* server clock, for skew display */
            uint32_t max_frame;
            uint32_t window; /* PUSH batches the client may have unacked */
            /* The site store's incarnation: random, never 0, changed when
             * the store is restored from a backup (pull cursors of another
             * incarnation are void). */
            uint64_t incarnation;
            /* bin: the PEM certificate the server will switch to, 0 bytes
             * when none is staged; at most PROTO_CERT_MAX bytes. */
            proto_bytes cert_next;
            /* bin (version 3): the SHA-256 of the encoded op have_seq of
             * this device as the server holds it (PROTO_HASH_LEN bytes), 0
             * bytes when have_seq is 0. A client compares it with its own
             * op have_seq: another hash means its store forked (restored
             * from an older copy), and it takes its ops back (PULL_OWN). */
            proto_bytes have_hash;
            /* version 4: the largest attachment the server takes, the
             * bytes of attachments this device may have on it, and the
             * chunk size it sends and wants. */
            uint64_t att_max, att_quota;
            uint32_t att_chunk;
        } welcome;
        /* [3, batch, [bin op, ...]] */
        struct {
            uint32_t batch; /* client's batch counter, echoed in the ack */
            uint32_t nops;
            proto_bytes *ops; /* decode: caller's array; see decode */
        } push;
        /* [4, batch, acked_seq] */
        struct {
            uint32_t batch;
            uint64_t acked_seq; /* every seq <= this is durable */
        } push_ack;
        /* [5, cursor] */
        struct {
            uint64_t cursor;
        } pull;
        /* [9, from_seq]: the session's own device's ops the server holds
         * with seq >= from_seq, answered with OPS frames in seq order
         * (next_cursor: the seq after the frame's last op). */
        struct {
            uint64_t from_seq;
        } pull_own;
        /* [6, [bin op, ...], next_cursor, more] */
        struct {
            uint32_t nops;
            proto_bytes *ops;
            uint64_t next_cursor;
            uint8_t more; /* 0 on the last OPS of a pull */
        } ops;
        /* [7, ops_in, ops_out] */
        struct {
            uint64_t ops_in, ops_out;
        } bye;
        /* [15, node, addr, cert, epoch] (version 5), the server's answer
         * to a HELLO whose credential it accepted for a site that moved:
         * node is the name of the node that holds the site now (str,
         * 1..PROTO_NODE_MAX bytes), addr where handhelds reach it
         * ("HOST:PORT", str, 1..PROTO_ADDR_MAX bytes), cert its TLS
         * certificate (PEM, bin, 1..PROTO_CERT_MAX bytes) and epoch the
         * directory's generation of the site's assignment (>= 1: every
         * move adds one). The syntax of node and addr is checked by
         * proto_redirect_check(), not by the decoder. */
        struct {
            proto_bytes node, addr; /* str */
            proto_bytes cert;       /* bin */
            uint64_t epoch;
        } redirect;
        /* [8, name, message]: name is an RND_E* name without "RND_" */
        struct {
            proto_bytes name, message; /* str */
        } error;
        /* The attachment messages (version 4), by their fields:
         *   [10, hash]                           ATT_OFFER
         *   [11, hash, state, offset]            ATT_STATE
         *   [12, hash, offset, total, bin data]  ATT_CHUNK
         *   [13, hash, error]                    ATT_DONE ("" = stored)
         *   [14, hash, offset]                   ATT_WANT
         * hash is a bin of PROTO_HASH_LEN bytes (copied here); a chunk's
         * data (1 .. PROTO_ATT_CHUNK_MAX bytes) lies within total. */
        struct {
            uint8_t hash[PROTO_HASH_LEN];
            uint8_t state; /* enum proto_att_state */
            uint64_t offset, total;
            proto_bytes data;  /* bin */
            proto_bytes error; /* str */
        } att;
    } u;
} proto_msg;

/* Looks at buffered bytes for one whole frame. On success sets *body and
 * *body_len to the frame's body inside buf and *consumed to header + body.
 * RND_EAGAIN: not enough bytes yet (nothing consumed). RND_ETOOBIG: the
 * announced length is over max_frame (the connection must be dropped: it
 * is never buffered). RND_EMALFORMED: a zero length. */
int proto_frame_next(const uint8_t *buf, size_t len, uint32_t max_frame,
                     const uint8_t **body, size_t *body_len, size_t *consumed);

/* Encodes msg as one whole frame (header included) into buf. Returns
 * RND_ENOSPACE when cap is too small, RND_EINVAL for a bad message (unknown
 * type, too many ops, text over PROTO_TEXT_MAX). */
int proto_msg_encode(const proto_msg *msg, uint8_t *buf, size_t cap,
                     size_t *len);

/* Decodes one frame body (untrusted). PUSH and OPS fill the caller's
 * ops_buf (ops_cap entries) with pointers into body; more ops than ops_cap
 * or PROTO_BATCH_MAX_OPS give RND_ETOOBIG. Errors: RND_ETRUNC, RND_ETYPE,
 * RND_EMALFORMED (unknown type, wrong element count, trailing bytes),
 * RND_ETOOBIG. Never reads outside body. */
int proto_msg_decode(const uint8_t *body, size_t len, proto_msg *msg,
                     proto_bytes *ops_buf, size_t ops_cap);

/* Checks a decoded REDIRECT's fields beyond their types: node is a name
 * of 1..PROTO_NODE_MAX bytes of [A-Za-z0-9_.-] (not "." or ".."), addr is
 * HOST:PORT as in the enrollment payload (proto/enrollpay.h), cert begins
 * with a PEM certificate line, epoch >= 1. 0 or RND_EFIELD. */
int proto_redirect_check(const proto_msg *m);

/* Upper bound of the frame size of a PUSH or OPS carrying ops whose
 * encoded sizes add up to ops_bytes (for batching under max_frame). */
size_t proto_msg_ops_overhead(uint32_t nops);

#endif
