/* tls.h: TLS over libuv for roundsd, through memory BIO callbacks.
 *
 * srv_tls is the configuration every connection shares: the server's
 * certificate and P-256 key, TLS 1.2 only, ECDHE-ECDSA with
 * CHACHA20-POLY1305 first then AES-128-GCM (both SHA-256), and session
 * resumption through session tickets (RFC 5077, 24 h, sealed with
 * AES-256-GCM) and a session cache.
 *
 * srv_conn is one accepted connection. mbedTLS never touches the socket:
 *   uv_read  -> tls_in  (bounded queue) -> mbedTLS recv callback, which
 *               returns WANT_READ when the queue is empty;
 *   mbedTLS send callback -> tls_out (bounded queue; WANT_WRITE above its
 *               high-water mark) -> one uv_write at a time;
 *   decrypted bytes -> pt_in -> srv_session_input() -> pt_out ->
 *               mbedtls_ssl_write().
 * Every queue is bounded (bufq.h), reading stops while tls_in is full, and
 * the session stops reading frames while pt_out is above its mark, so a
 * connection's memory stays bounded whatever the peer does.
 *
 * Lifetime: a connection is freed only in the close callback of its
 * handles; the env's closed callback runs once, just before.
 *
 * Timers. Until its HELLO is accepted (authed = 0) a connection is a
 * stranger's: it must finish the handshake within handshake_timeout_ms
 * and have its HELLO accepted within hello_timeout_ms of being accepted,
 * a fixed deadline that nothing the peer does moves (ERROR ETIMEOUT, or a
 * plain close during the handshake). Once authenticated, a connection
 * that completes no frame for idle_timeout_ms gets ERROR ETIMEOUT and is
 * closed; the idle clock restarts on a complete frame from the peer, and
 * on a write of session data completing (the peer reading the answer it
 * asked for, e.g. a long pull), never on TLS's own records (alerts). A
 * closing connection that cannot flush within SRV_CONN_LINGER_MS is cut.
 *
 * Renegotiation: a TLS handshake message after the handshake (a
 * renegotiation attempt) closes the connection at once.
 *
 * Log lines about a connection that is not authenticated go to the env's
 * log_refused (the server rate-limits them), the others to srv_ctx.log.
 */
#ifndef RND_SRV_TLS_H
#define RND_SRV_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>
#include <uv.h>

#include "bufq.h"
#include "session.h"

#define SRV_TICKET_LIFETIME 86400
#define SRV_TLS_IN_CAP (64 * 1024)
#define SRV_TLS_OUT_CAP (64 * 1024)
#define SRV_TLS_OUT_HIWAT (48 * 1024)
#define SRV_CONN_LINGER_MS 5000
/* TLS bytes that connections uploading attachments may decrypt in one
 * turn of the loop, all of them together (srv_conn_turn). */
#define SRV_UPLOAD_TURN_BYTES (128 * 1024)

typedef struct srv_tls {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt cert;
    mbedtls_pk_context key;
    mbedtls_ssl_config conf;
    mbedtls_ssl_ticket_context ticket;
    mbedtls_ssl_cache_context cache;
    int ciphersuites[3];
    int curves_[3]; /* mbedtls_ecp_group_id, NONE-terminated */
    int ready;
} srv_tls;

/* Loads the PEM certificate and key and sets up the configuration. On
 * failure returns RND_ECERT (unreadable or mismatched files) or
 * RND_ECRYPTO / RND_ETLS, with a sentence (naming the raw mbedTLS code) in
 * err. srv_tls_free() is safe either way. */
int srv_tls_init(srv_tls *t, const char *cert_path, const char *key_path,
                 char *err, size_t errlen);
void srv_tls_free(srv_tls *t);

/* Formats an mbedTLS error code as "-0x7780 (SSL - ...)". */
void srv_tls_strerror(int raw, char *out, size_t cap);

typedef struct srv_conn srv_conn;

/* What connections share with the server that accepts them. */
typedef struct srv_conn_env {
    uv_loop_t *loop;
    srv_tls *tls;
    srv_ctx *ctx;
    uint64_t handshake_timeout_ms;
    uint64_t idle_timeout_ms;
    uint64_t hello_timeout_ms; /* 0: no deadline for the HELLO */
    /* Runs once per accepted connection, from its close callback, just
     * before it is freed. */
    void (*closed)(void *arg, srv_conn *c);
    /* Receives the log lines of connections not authenticated; NULL =
     * srv_ctx.log. */
    void (*log_refused)(void *arg, srv_conn *c, const char *line);
    /* Called when bytes arrive on a connection not authenticated yet (the
     * server keeps its strangers in order of their last activity); may be
     * NULL. */
    void (*stranger_active)(void *arg, srv_conn *c);
    void *arg;
    /* Uploads yield to everything else: connections whose session is
     * uploading attachments decrypt at most upload_turn_bytes (0: no
     * limit) per turn of the loop, all together; past it each is parked
     * (not read, not driven) until srv_conn_turn() drives it, in the
     * order they were parked. The rest is the env's own. */
    size_t upload_turn_bytes;
    size_t upload_left;
    srv_conn *parked_head, *parked_tail;
} srv_conn_env;

/* The part of a peer's address that per-address limits count: the IPv4
 * address (4 bytes, also for an IPv4-mapped IPv6 address) or the /64 of
 * an IPv6 address (8 bytes). */
#define SRV_ADDR_KEY_MAX 8
typedef struct srv_addr_key {
    uint8_t len; /* 0: unknown */
    uint8_t b[SRV_ADDR_KEY_MAX];
} srv_addr_key;

enum srv_conn_state {
    SRV_CONN_HANDSHAKE = 0,
    SRV_CONN_OPEN = 1,
    SRV_CONN_CLOSING = 2, /* flushing what is left, then close */
    SRV_CONN_CLOSED = 3,  /* uv_close called, waiting for the callbacks */
};

struct srv_conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_write_t wreq;
    uv_shutdown_t sreq;
    srv_conn_env *env;
    srv_conn *prev, *next; /* the server's list; the server links them */
    mbedtls_ssl_context ssl;
    srv_bufq tls_in, tls_out, pt_in, pt_out;
    srv_session *session;
    int state;
    int busy;         /* accepted over the limit: ERROR EBUSY after TLS */
    int writing;      /* a uv_write is in flight */
    size_t write_len; /* its length */
    int reading;
    int peer_eof;     /* the peer closed its side (EOF or close_notify) */
    int notify_sent;  /* close_notify queued */
    int shut;         /* uv_shutdown issued: waiting for the peer's EOF */
    size_t ssl_wlen;  /* length of an mbedtls_ssl_write to repeat */
    int open_handles; /* tcp and timer not closed yet */
    int in_drive;
    int redrive;
    int authed;           /* its HELLO was accepted (set by the server) */
    int list;             /* the server's: which of its lists holds it */
    uint64_t accepted_ms; /* uv_now() at accept */
    uint64_t heard_ms;    /* uv_now() when bytes last came (or accept) */
    int in_read;          /* inside mbedtls_ssl_read() */
    int sent_in_read;     /* mbedTLS wrote something during that read */
    int in_app_write;     /* inside mbedtls_ssl_write() of session data */
    size_t app_out;       /* bytes of session data queued in tls_out */
    int parked;           /* waiting in env's parked list for a turn */
    uint64_t tls_made;    /* TLS bytes queued into tls_out, ever */
    srv_conn *park_prev, *park_next;
    srv_addr_key addr;
    char peer[64];
};

/* Accepts a pending connection of server into a new srv_conn, starts the
 * handshake and its timer. busy: over the connection limit, the session
 * is refused with ERROR EBUSY once TLS is up. If this returns an error,
 * nothing was accepted into a connection and env->closed never runs for
 * it; otherwise it runs exactly once. */
int srv_conn_accept(srv_conn_env *env, uv_stream_t *server, int busy,
                    srv_conn **out);

/* Ends a connection gracefully: the session is aborted with err and
 * message (ERROR frame) if it still runs, what is buffered is flushed,
 * TLS close_notify sent, then the socket closed (at the latest after
 * SRV_CONN_LINGER_MS). */
void srv_conn_shutdown(srv_conn *c, int err, const char *message);

/* Closes at once (no flush). Safe to call more than once. */
void srv_conn_close(srv_conn *c);

/* Once per turn of env's loop, after its I/O (a uv_check): a new budget
 * for the uploads, spent on the parked connections first. Returns 1 when
 * some are still parked: the caller keeps the next poll from blocking. */
int srv_conn_turn(srv_conn_env *env);

#endif
