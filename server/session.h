/* session.h: the server side of one sync session, bytes in, bytes out.
 *
 * A session never sees a socket or TLS: the connection (tls.h) puts the
 * decrypted bytes it receives into an input queue and calls
 * srv_session_input(); the session takes whole frames from it, answers by
 * appending frames to its output queue, and asks the site to commit PUSH
 * batches (site.h). Tests and fuzzers drive it the same way, in memory.
 *
 * States: AWAIT_HELLO -> SERVING -> CLOSING (docs/PROTOCOL.md section 4).
 * In CLOSING the session reads nothing more; its owner flushes the output
 * and closes the connection. Any malformed frame, a frame over max_frame,
 * a message not allowed in the state, a refused hello or a refused PUSH
 * batch makes the session send ERROR (name = rnd_errname() of the code,
 * message = a sentence) and enter CLOSING.
 *
 * Flow control, so memory per connection stays bounded:
 *  - the session reads no further frame while the output queue holds
 *    SRV_OUT_HIWAT(max_frame) bytes or more;
 *  - at most `window` PUSH batches, and about SRV_PENDING_MAX(max_frame)
 *    bytes of them, are waiting for their commit; PULL and BYE wait until
 *    none is;
 *  - OPS frames are produced only while the output queue is below the
 *    high-water mark; call srv_session_input() again once it has drained.
 * The output queue must have a capacity of at least SRV_OUT_CAP(max_frame).
 *
 * Exactly one log line per session that received a HELLO (see srv_ctx.log):
 *   sync site=S device=NAME id=HEX in=N out=M ms=T result=ok|<ERRNAME>
 */
#ifndef RND_SRV_SESSION_H
#define RND_SRV_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "bufq.h"
#include "registry.h"
#include "site.h"
#include "site_move.h"

#define SRV_WINDOW_DEFAULT 8
#define SRV_ATT_MAX_DEFAULT ((uint64_t)8 << 20)   /* 8 MiB */
#define SRV_ATT_QUOTA_DEFAULT ((uint64_t)1 << 30) /* 1 GiB a device */
/* The smallest max_frame that still carries the largest op. */
#define SRV_MAX_FRAME_MIN (PROTO_OP_MAX_BYTES + 1024)
/* Output queue: reading stops at the high-water mark; the capacity leaves
 * room for one more OPS frame and the small replies (acks, ERROR, BYE). */
#define SRV_OUT_HIWAT(max_frame) ((size_t)(max_frame))
#define SRV_OUT_CAP(max_frame) (2 * (size_t)(max_frame) + 65536)
/* PUSH batches waiting for their commit, per session: at most `window`
 * of them, and no new one is read once they hold this many bytes. */
#define SRV_PENDING_MAX(max_frame) (2 * (size_t)(max_frame))
/* Input queue: one whole frame of max_frame bytes and its header. */
#define SRV_IN_CAP(max_frame) ((size_t)(max_frame) + PROTO_FRAME_HEADER)

/* What all sessions of a server share. Set the public fields, then
 * srv_ctx_init(); free with srv_ctx_free(). Outlives every session. */
typedef struct srv_ctx {
    srv_registry *reg;
    srv_sites *sites;
    uint32_t max_frame; /* 0 = PROTO_FRAME_MAX_DEFAULT */
    uint32_t window;    /* 0 = SRV_WINDOW_DEFAULT */
    /* Wall clock in ms since the epoch; NULL = the system clock. */
    int64_t (*now_ms)(void *clock_ctx);
    void *clock_ctx;
    /* The certificate staged to replace the server's (PEM), sent in every
     * version-2 WELCOME so handhelds learn it before the switch; NULL or
     * an empty result = none staged. Called once per accepted HELLO; the
     * bytes must stay valid until the next call. */
    proto_bytes (*cert_next)(void *cert_ctx);
    void *cert_ctx;
    /* Receives each log line (no newline); NULL = a line on stderr. */
    void (*log)(void *log_ctx, const char *line);
    void *log_ctx;
    /* The line of a session whose HELLO was not accepted (a stranger's,
     * so the server may rate-limit it and add the peer's address; owner
     * is the session's owner); NULL = log. */
    void (*log_refused)(void *log_ctx, void *owner, const char *line);
    /* Asked once per HELLO that passed every check, before anything is
     * written: 0 takes a session slot for owner, non-zero refuses the
     * HELLO with ERROR EBUSY and the sentence *why (static storage or
     * valid until the next call; left NULL: "the server is at its
     * connection limit; retry later"). NULL = always a slot. */
    int (*admit)(void *admit_ctx, void *owner, const char **why);
    void *admit_ctx;
    /* Attachments (protocol 4): the largest one taken, and the bytes of
     * attachments one device's ops may name (its quota); 0 = the
     * defaults, SRV_ATT_MAX_DEFAULT and SRV_ATT_QUOTA_DEFAULT. */
    uint64_t att_max, att_quota;
    /* Set by srv_ctx_init: the chunk size (256 KiB, less when max_frame
     * is small). */
    uint32_t att_chunk;
    /* Where a site marked as moved away lives now (site_move.h): the
     * directory's cache (directory.h) fills *to and returns 0, or returns
     * non-zero when it does not know or names this node. Called on the
     * loop thread, so it must not block (it reads memory). NULL = no
     * directory: the mark's own node is used. */
    int (*where)(void *where_ctx, const char *site, srv_node_ref *to);
    void *where_ctx;
    /* Internal: decoding scratch shared by the sessions (one thread). */
    proto_bytes *ops_scratch_;
} srv_ctx;

int srv_ctx_init(srv_ctx *ctx);
void srv_ctx_free(srv_ctx *ctx);

typedef enum srv_session_state {
    SRV_AWAIT_HELLO = 0,
    SRV_SERVING = 1,
    SRV_CLOSING = 2,
} srv_session_state;

typedef struct srv_session srv_session; /* opaque */

/* Called when the session has new output or can make progress again
 * without new input (a commit finished): the owner should flush the
 * output and call srv_session_input() again. Never called from inside
 * srv_session_input(). */
typedef void (*srv_session_wake_fn)(void *owner);

/* Makes a session writing frames to out (the owner's queue, which must
 * outlive the session). wake may be NULL. RND_ENOMEM. */
int srv_session_new(srv_ctx *ctx, srv_bufq *out, srv_session_wake_fn wake,
                    void *owner, srv_session **sp);

/* Ends the session: cancels its batches still queued for commit and, if
 * the session got a HELLO and has not logged yet, logs it with result
 * ECLOSED (the peer went away). NULL allowed. */
void srv_session_free(srv_session *s);

/* Processes every whole frame of in that can be processed now (removing
 * it from in), answering into out. Returns 0; a protocol or peer failure
 * is not an error of the call: it shows as srv_session_state() ==
 * SRV_CLOSING. Returns a negative code only for a failure of the server
 * itself (out of memory), after which the session is CLOSING too. */
int srv_session_input(srv_session *s, srv_bufq *in);

srv_session_state srv_session_state_of(const srv_session *s);
/* 1 while the session's HELLO proved its credential and waits for its
 * site's store to open on a worker (srv_sites_open). The owner's deadline
 * for a stranger's HELLO no longer applies; past its idle timeout it
 * answers EBUSY (retry later). */
int srv_session_opening(const srv_session *s);

/* 1 once a HELLO arrived (accepted or not): the session logs a line. */
int srv_session_hello_seen(const srv_session *s);

/* The code the session ended with: 0 after a clean BYE, else the error
 * it reported (or was aborted with). Meaningful in CLOSING. */
int srv_session_result(const srv_session *s);

/* Stops the session from outside (idle timeout, server shutdown, server
 * full): sends ERROR err with message (if the output has room), logs, and
 * enters CLOSING. No-op when already closing. */
void srv_session_abort(srv_session *s, int err, const char *message);

/* The site and device names the HELLO claimed ("" before a HELLO); valid
 * while the session lives. Once the session is admitted they are the
 * enrolled names its credential proved. */
const char *srv_session_site(const srv_session *s);
const char *srv_session_device(const srv_session *s);

/* 1 once the session has taken an attachment's chunk (ATT_CHUNK): its
 * connection is an upload, which yields to other sessions (tls.h). */
int srv_session_uploading(const srv_session *s);

/* Counters for tests and reports. */
uint64_t srv_session_ops_in(const srv_session *s);
uint64_t srv_session_ops_out(const srv_session *s);

#endif
