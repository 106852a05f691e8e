/* session_int.h: internal to server/session*.c: the session's state and
 * what session.c gives session_att.c (the attachments of protocol 4).
 * session.h is the interface; nothing else includes this. */
#ifndef RND_SRV_SESSION_INT_H
#define RND_SRV_SESSION_INT_H

#include <stddef.h>
#include <stdint.h>

#include "../proto/msg.h"
#include "session.h"
#include "site.h"

/* Room reserved for a small reply (everything but OPS and ATT_CHUNK). */
#define SMALL_MSG_MAX (64 + 2 * PROTO_TEXT_MAX)

/* An attachment the session sends (an ATT_WANT answered COMING). */
typedef struct srv_att_out {
    uint8_t hash[PROTO_HASH_LEN];
    uint64_t offset, total;
} srv_att_out;

struct srv_att_job; /* session_att.c: a chunk written on a worker */

/* The session's attachments (session_att.c). */
typedef struct srv_att {
    /* Downloads: what ATT_WANT asked and the server is sending, in order;
     * one ATT_CHUNK is produced per step while the output has room. */
    srv_att_out *q;
    size_t qhead, qn, qcap;
    /* Uploads: a chunk being written (or an upload finished) on a
     * worker; no further ATT message is read meanwhile. */
    struct srv_att_job *job;
    uint8_t *in; /* an uploaded chunk's copy, kept for the next */
    size_t in_cap;
    uint8_t *buf;  /* a chunk read to send (att_chunk bytes) */
    uint64_t used; /* bytes of attachments the device's ops name (quota) */
    int have_used;
    uint64_t bytes_in, bytes_out;
    uint32_t files_in, files_out;
} srv_att;

struct srv_session {
    srv_ctx *ctx;
    srv_bufq *out;
    srv_session_wake_fn wake;
    void *owner;
    srv_session_state state;
    int result;
    int in_input;   /* inside srv_session_input(): no wake calls */
    int hello_seen; /* a HELLO arrived: the session gets a log line */
    int authed;     /* the HELLO was accepted */
    int logged;
    int64_t start_ms;
    /* Who the peer said it was (sanitised, for the log), then who it is. */
    char log_site[SRV_NAME_MAX + 1];
    char log_name[SRV_NAME_MAX + 1];
    uint64_t device_id;
    srv_device dev;
    srv_site *site;
    /* The HELLO passed its registry checks and waits for its site's store
     * (srv_sites_open on a worker): no input is read meanwhile. */
    srv_site_wait wait;
    int opening;
    int need_bind;
    uint32_t pending;     /* batches queued for commit */
    size_t pending_bytes; /* their size */
    uint32_t version;     /* the HELLO's protocol version */
    int pulling;
    int pulled; /* an OPS was sent: cursor is where the next pull starts */
    /* PULL_OWN (version 3): the pull sends the device's own ops from seq
     * own_next on instead of the site's log. */
    int own;
    uint64_t own_next;
    uint64_t cursor;
    uint64_t ops_in, ops_out;
    uint64_t held_seq;
    int have_skew;
    int64_t skew_ms;
    int64_t ahead_ms, behind_ms; /* max over the session's new ops */
    uint64_t beyond; /* new ops stamped past the site's clock bound */
    srv_att att;     /* protocol 4 (session_att.c) */
};

/* Appends msg as one frame to the output queue (need: the room to
 * reserve). 0, RND_ENOSPACE, or an encoding error. */
int srv__send_msg(srv_session *s, const proto_msg *msg, size_t need);
/* Sends ERROR err (unless fmt is NULL), ends the session with result err. */
void srv__fail(srv_session *s, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A storage failure as the peer should see it (logged with what). */
void srv__fail_storage(srv_session *s, int rc, const char *what);

/* session_att.c: an ATT_OFFER, ATT_WANT or ATT_CHUNK. */
void srv__att_dispatch(srv_session *s, const proto_msg *m);
/* 1 when m must wait: an attachment message while a chunk is on a
 * worker, an ATT_OFFER while PUSH batches wait for their commit. */
int srv__att_must_wait(const srv_session *s, const proto_msg *m);
/* 1 while the session has ATT_CHUNKs to send (srv__att_step sends one). */
int srv__att_sending(const srv_session *s);
void srv__att_step(srv_session *s);
/* Releases what the session's attachments hold; a job still on a worker
 * is left to free itself. */
void srv__att_free(srv_session *s);

#endif
