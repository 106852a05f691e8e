/* tls.c: mbedTLS 2.28 over libuv through memory BIO callbacks (tls.h): the
 * shared server configuration and the per-connection engine that moves
 * bytes between the socket, TLS and the session. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/error.h>

#include "stats.h"
#include "tls.h"

/* ---- configuration ------------------------------------------------------ */

void srv_tls_strerror(int raw, char *out, size_t cap)
{
    char text[160];
    mbedtls_strerror(raw, text, sizeof text);
    snprintf(out, cap, "%s0x%04x (%s)", raw < 0 ? "-" : "",
             (unsigned)(raw < 0 ? -raw : raw), text);
}

static int tls_fail(char *err, size_t errlen, int rc, int raw, const char *what)
{
    char text[220];
    srv_tls_strerror(raw, text, sizeof text);
    snprintf(err, errlen, "%s: %s", what, text);
    return rc;
}

int srv_tls_init(srv_tls *t, const char *cert_path, const char *key_path,
                 char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    mbedtls_entropy_init(&t->entropy);
    mbedtls_ctr_drbg_init(&t->drbg);
    mbedtls_x509_crt_init(&t->cert);
    mbedtls_pk_init(&t->key);
    mbedtls_ssl_config_init(&t->conf);
    mbedtls_ssl_ticket_init(&t->ticket);
    mbedtls_ssl_cache_init(&t->cache);
    t->ready = 1;

    static const char pers[] = "roundsd tls";
    int raw =
        mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy,
                              (const unsigned char *)pers, sizeof pers - 1);
    if (raw)
        return tls_fail(err, errlen, RND_ECRYPTO, raw, "seeding the RNG");
    raw = mbedtls_x509_crt_parse_file(&t->cert, cert_path);
    if (raw) {
        char what[4200];
        snprintf(what, sizeof what, "reading the certificate %s", cert_path);
        return tls_fail(err, errlen, RND_ECERT, raw, what);
    }
    raw = mbedtls_pk_parse_keyfile(&t->key, key_path, NULL);
    if (raw) {
        char what[4200];
        snprintf(what, sizeof what, "reading the key %s", key_path);
        return tls_fail(err, errlen, RND_ECERT, raw, what);
    }
    if (!mbedtls_pk_can_do(&t->key, MBEDTLS_PK_ECKEY)) {
        snprintf(err, errlen, "the key %s is not an EC key", key_path);
        return RND_ECERT;
    }
    raw = mbedtls_pk_check_pair(&t->cert.pk, &t->key);
    if (raw)
        return tls_fail(err, errlen, RND_ECERT, raw,
                        "the certificate and the key do not match");

    mbedtls_ssl_config *c = &t->conf;
    raw = mbedtls_ssl_config_defaults(c, MBEDTLS_SSL_IS_SERVER,
                                      MBEDTLS_SSL_TRANSPORT_STREAM,
                                      MBEDTLS_SSL_PRESET_DEFAULT);
    if (raw)
        return tls_fail(err, errlen, RND_ETLS, raw, "TLS configuration");
    mbedtls_ssl_conf_rng(c, mbedtls_ctr_drbg_random, &t->drbg);
    /* TLS 1.2 only; AEAD with ECDHE-ECDSA, the faster ChaCha20 first. */
    mbedtls_ssl_conf_min_version(c, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(c, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3);
    t->ciphersuites[0] = MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256;
    t->ciphersuites[1] = MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
    t->ciphersuites[2] = 0;
    mbedtls_ssl_conf_ciphersuites(c, t->ciphersuites);
    /* ECDHE on P-256 first (the server's preference wins), X25519 for
     * clients that offer only that. */
    static const mbedtls_ecp_group_id curves[] = {MBEDTLS_ECP_DP_SECP256R1,
                                                  MBEDTLS_ECP_DP_CURVE25519,
                                                  MBEDTLS_ECP_DP_NONE};
    mbedtls_ssl_conf_curves(c, curves);
    mbedtls_ssl_conf_authmode(c, MBEDTLS_SSL_VERIFY_NONE);
    raw = mbedtls_ssl_conf_own_cert(c, &t->cert, &t->key);
    if (raw)
        return tls_fail(err, errlen, RND_ETLS, raw, "TLS certificate");
    /* Resumption: stateless tickets, and a session cache for clients that
     * resume by session id. mbedTLS 2.28 seals tickets with GCM or CCM
     * only (ChaCha20-Poly1305 is refused), hence AES-256-GCM. */
    raw = mbedtls_ssl_ticket_setup(&t->ticket, mbedtls_ctr_drbg_random,
                                   &t->drbg, MBEDTLS_CIPHER_AES_256_GCM,
                                   SRV_TICKET_LIFETIME);
    if (raw)
        return tls_fail(err, errlen, RND_ETLS, raw, "TLS session tickets");
    mbedtls_ssl_conf_session_tickets_cb(c, mbedtls_ssl_ticket_write,
                                        mbedtls_ssl_ticket_parse, &t->ticket);
    mbedtls_ssl_cache_set_timeout(&t->cache, SRV_TICKET_LIFETIME);
    mbedtls_ssl_cache_set_max_entries(&t->cache, 1000);
    mbedtls_ssl_conf_session_cache(c, &t->cache, mbedtls_ssl_cache_get,
                                   mbedtls_ssl_cache_set);
    return 0;
}

void srv_tls_free(srv_tls *t)
{
    if (!t->ready)
        return;
    mbedtls_ssl_cache_free(&t->cache);
    mbedtls_ssl_ticket_free(&t->ticket);
    mbedtls_ssl_config_free(&t->conf);
    mbedtls_pk_free(&t->key);
    mbedtls_x509_crt_free(&t->cert);
    mbedtls_ctr_drbg_free(&t->drbg);
    mbedtls_entropy_free(&t->entropy);
    t->ready = 0;
}

/* ---- connection: logging ------------------------------------------------ */

static void conn_log(srv_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void conn_log(srv_conn *c, const char *fmt, ...)
{
    char line[512];
    int n = snprintf(line, sizeof line, "conn peer=%s ", c->peer);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (!c->authed && c->env->log_refused != NULL) {
        c->env->log_refused(c->env->arg, c, line);
        return;
    }
    srv_ctx *ctx = c->env->ctx;
    ctx->log(ctx->log_ctx, line);
}

static void log_tls(srv_conn *c, int raw, const char *during)
{
    char text[220];
    srv_tls_strerror(raw, text, sizeof text);
    conn_log(c, "result=ETLS during=%s raw=%s", during, text);
    srv_stats_error(RND_ETLS);
}

/* ---- connection: memory BIO --------------------------------------------- */

/* mbedTLS wants to send: append to tls_out, flushed by flush_out(). */
static int bio_send(void *arg, const unsigned char *buf, size_t len)
{
    srv_conn *c = arg;
    if (c->in_read)
        c->sent_in_read = 1; /* see pump(): a renegotiation refused */
    if (srv_bufq_len(&c->tls_out) >= SRV_TLS_OUT_HIWAT)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    size_t n = srv_bufq_push_some(&c->tls_out, buf, len);
    c->tls_made += n;
    if (c->in_app_write)
        c->app_out += n;
    return n ? (int)n : MBEDTLS_ERR_SSL_WANT_WRITE;
}

/* mbedTLS wants bytes: drain tls_in, filled by the read callback. */
static int bio_recv(void *arg, unsigned char *buf, size_t len)
{
    srv_conn *c = arg;
    size_t n = srv_bufq_pull(&c->tls_in, buf, len);
    return n ? (int)n : MBEDTLS_ERR_SSL_WANT_READ;
}

/* ---- connection: uploads yield ------------------------------------------ */

static void unpark(srv_conn *c)
{
    if (!c->parked)
        return;
    srv_conn_env *env = c->env;
    if (c->park_prev)
        c->park_prev->park_next = c->park_next;
    else
        env->parked_head = c->park_next;
    if (c->park_next)
        c->park_next->park_prev = c->park_prev;
    else
        env->parked_tail = c->park_prev;
    c->park_prev = c->park_next = NULL;
    c->parked = 0;
}

/* An upload that has spent this turn's budget: no reads, no drive, until
 * srv_conn_turn() comes to it. What it has read stays in tls_in. */
static void park(srv_conn *c)
{
    srv_conn_env *env = c->env;
    if (c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = 0;
    }
    c->parked = 1;
    srv_stats_upload_wait();
    c->park_next = NULL;
    c->park_prev = env->parked_tail;
    if (env->parked_tail)
        env->parked_tail->park_next = c;
    else
        env->parked_head = c;
    env->parked_tail = c;
}

/* 1 when c is an upload that must wait for the next turn. Only a session
 * still running yields: one that ends is driven to its end at once. */
static int must_yield(const srv_conn *c)
{
    const srv_conn_env *env = c->env;
    return env->upload_turn_bytes > 0 && env->upload_left == 0 &&
           c->state == SRV_CONN_OPEN &&
           srv_session_state_of(c->session) != SRV_CLOSING &&
           srv_session_uploading(c->session);
}

/* ---- connection: closing ------------------------------------------------ */

static void free_conn(srv_conn *c)
{
    srv_session_free(c->session);
    mbedtls_ssl_free(&c->ssl);
    srv_bufq_free(&c->tls_in);
    srv_bufq_free(&c->tls_out);
    srv_bufq_free(&c->pt_in);
    srv_bufq_free(&c->pt_out);
    free(c);
}

static void on_close(uv_handle_t *h)
{
    srv_conn *c = h->data;
    if (--c->open_handles > 0)
        return;
    if (c->env->closed)
        c->env->closed(c->env->arg, c);
    free_conn(c);
}

void srv_conn_close(srv_conn *c)
{
    if (c->state == SRV_CONN_CLOSED)
        return;
    if (srv_session_state_of(c->session) != SRV_CLOSING)
        srv_session_abort(c->session, RND_ECLOSED, NULL);
    unpark(c);
    c->state = SRV_CONN_CLOSED;
    c->open_handles = 2;
    uv_close((uv_handle_t *)&c->tcp, on_close);
    uv_close((uv_handle_t *)&c->timer, on_close);
}

/* ---- connection: the pump ----------------------------------------------- */

static void drive(srv_conn *c);

/* Milliseconds left of a stranger's deadline for its HELLO (UINT64_MAX:
 * none). */
static uint64_t hello_left(const srv_conn *c)
{
    if (c->authed || c->env->hello_timeout_ms == 0)
        return UINT64_MAX;
    uint64_t end = c->accepted_ms + c->env->hello_timeout_ms;
    uint64_t now = uv_now(c->env->loop);
    return now >= end ? 0 : end - now;
}

static void on_timer(uv_timer_t *t)
{
    srv_conn *c = t->data;
    switch (c->state) {
    case SRV_CONN_HANDSHAKE:
        conn_log(c, "result=ETIMEOUT during=handshake");
        srv_stats_error(RND_ETIMEOUT);
        srv_conn_close(c);
        break;
    case SRV_CONN_OPEN: {
        char msg[96];
        /* A proven credential whose site's store is still opening on a
         * worker (a big store migrating, a slow disk) is no stranger: it
         * may wait up to the idle timeout from its accept. */
        if (c->session != NULL && srv_session_opening(c->session)) {
            uint64_t end = c->accepted_ms + c->env->idle_timeout_ms;
            uint64_t now = uv_now(c->env->loop);
            if (now < end) {
                uv_timer_start(&c->timer, on_timer, end - now, 0);
                break;
            }
            srv_session_abort(c->session, RND_EBUSY,
                              "the site's store is still opening; retry "
                              "later");
            drive(c);
            break;
        }
        if (hello_left(c) == 0)
            snprintf(msg, sizeof msg, "no HELLO within %llu ms",
                     (unsigned long long)c->env->hello_timeout_ms);
        else
            snprintf(msg, sizeof msg, "no complete frame for %llu s",
                     (unsigned long long)(c->env->idle_timeout_ms / 1000));
        srv_session_abort(c->session, RND_ETIMEOUT, msg);
        drive(c);
        break;
    }
    default:
        srv_conn_close(c); /* could not flush within the linger time */
    }
}

/* The peer made progress: the idle clock starts again. A stranger's
 * clock is the fixed deadline for its HELLO (at most the idle timeout
 * from the end of its handshake), which nothing moves. */
static void touch(srv_conn *c)
{
    if (c->state == SRV_CONN_OPEN && c->authed)
        uv_timer_start(&c->timer, on_timer, c->env->idle_timeout_ms, 0);
}

/* The handshake is done: the idle clock, or a stranger's deadline. */
static void start_open_timer(srv_conn *c)
{
    uint64_t ms = c->env->idle_timeout_ms, left = hello_left(c);
    if (left < ms)
        ms = left;
    uv_timer_start(&c->timer, on_timer, ms, 0);
}

static void on_write(uv_write_t *req, int status)
{
    srv_conn *c = req->data;
    c->writing = 0;
    if (status == 0)
        srv_stats_bytes(0, c->write_len);
    srv_bufq_consume(&c->tls_out, c->write_len);
    srv_bufq_release(&c->tls_out);
    if (c->state == SRV_CONN_CLOSED)
        return;
    if (status < 0) {
        conn_log(c, "result=ECLOSED during=write raw=%s", uv_err_name(status));
        srv_conn_close(c);
        return;
    }
    /* Only a write that carried session data (the peer reads what it
     * asked for) counts as progress; TLS's own records (an alert) never
     * do, or a peer could keep a connection by provoking them. */
    if (c->app_out > 0) {
        c->app_out -= c->app_out < c->write_len ? c->app_out : c->write_len;
        touch(c);
    }
    drive(c);
}

/* Starts one uv_write of everything in tls_out, unless one is in flight.
 * The bytes are held in place until it completes; the queue is first
 * grown to its capacity so mbedTLS can go on appending meanwhile. */
static void flush_out(srv_conn *c)
{
    if (c->writing || c->state == SRV_CONN_CLOSED)
        return;
    if (srv_bufq_len(&c->tls_out) == 0)
        return;
    uint8_t *room;
    size_t avail;
    (void)srv_bufq_reserve(&c->tls_out, 1, srv_bufq_room(&c->tls_out), &room,
                           &avail);
    const uint8_t *p;
    size_t n = srv_bufq_peek(&c->tls_out, &p);
    srv_bufq_hold(&c->tls_out);
    uv_buf_t b = uv_buf_init((char *)p, (unsigned)n);
    c->wreq.data = c;
    int rc = uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, on_write);
    if (rc) {
        srv_bufq_release(&c->tls_out);
        conn_log(c, "result=ECLOSED during=write raw=%s", uv_err_name(rc));
        srv_conn_close(c);
        return;
    }
    c->writing = 1;
    c->write_len = n;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    srv_conn *c = h->data;
    uint8_t *p;
    size_t avail;
    if (srv_bufq_reserve(&c->tls_in, 1, hint, &p, &avail) != 0) {
        *buf = uv_buf_init(NULL, 0); /* read_cb gets UV_ENOBUFS */
        return;
    }
    *buf = uv_buf_init((char *)p, (unsigned)avail);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    (void)buf;
    srv_conn *c = s->data;
    if (c->state == SRV_CONN_CLOSED)
        return;
    if (nread > 0) {
        srv_stats_bytes((uint64_t)nread, 0);
        srv_bufq_commit(&c->tls_in, (size_t)nread);
        c->heard_ms = uv_now(c->env->loop);
        if (!c->authed && c->env->stranger_active != NULL)
            c->env->stranger_active(c->env->arg, c);
        if (c->state == SRV_CONN_CLOSING)
            srv_bufq_consume(&c->tls_in, (size_t)nread); /* not read */
        drive(c);
        return;
    }
    if (nread == 0)
        return;
    if (nread == UV_ENOBUFS) {
        uv_read_stop(s); /* tls_in is full; drive() restarts reading */
        c->reading = 0;
        return;
    }
    uv_read_stop(s);
    c->reading = 0;
    c->peer_eof = 1;
    /* A reset after the session ended (the peer read ERROR or BYE and
     * went) is not worth a line. */
    if (nread != UV_EOF && c->state != SRV_CONN_CLOSING)
        conn_log(c, "result=ECLOSED during=read raw=%s",
                 uv_err_name((int)nread));
    if (c->state == SRV_CONN_OPEN) {
        drive(c); /* what was received before the EOF still counts */
        return;
    }
    srv_conn_close(c);
}

static void update_reading(srv_conn *c)
{
    if (c->state == SRV_CONN_CLOSED || c->peer_eof || c->parked)
        return;
    int want = srv_bufq_room(&c->tls_in) > 0;
    if (want && !c->reading) {
        if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
            c->reading = 1;
    } else if (!want && c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = 0;
    }
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)req;
    (void)status; /* the peer's EOF or the linger timer closes */
}

/* Plaintext decrypted ahead of the session while it awaits a HELLO: more
 * than a HELLO frame (4 KiB at most), less than one TLS record. */
#define PRE_HELLO_READ 8192

/* Moves bytes TLS -> session -> TLS until nothing moves. Returns -1 when
 * the connection was closed. */
static int pump(srv_conn *c)
{
    for (;;) {
        int progress = 0;
        if (c->state == SRV_CONN_OPEN &&
            srv_session_state_of(c->session) != SRV_CLOSING) {
            for (;;) {
                uint8_t *p;
                size_t avail;
                /* Before HELLO the session takes one small frame
                 * (session.c refuses a larger one on its header):
                 * decrypting more first would only buffer a stranger's
                 * bytes. */
                if (srv_session_state_of(c->session) == SRV_AWAIT_HELLO &&
                    srv_bufq_len(&c->pt_in) >= PRE_HELLO_READ)
                    break;
                if (srv_bufq_reserve(&c->pt_in, 1, 16384, &p, &avail) != 0)
                    break;
                c->in_read = 1;
                c->sent_in_read = 0;
                int n = mbedtls_ssl_read(&c->ssl, p, avail);
                c->in_read = 0;
                if (n > 0) {
                    srv_bufq_commit(&c->pt_in, (size_t)n);
                    progress = 1;
                    continue;
                }
                /* A handshake record after the handshake is a
                 * renegotiation attempt: mbedTLS refuses it with a
                 * no_renegotiation alert and reads on, so a peer could
                 * provoke that write for ever. It ends the connection. */
                if ((n == MBEDTLS_ERR_SSL_WANT_READ ||
                     n == MBEDTLS_ERR_SSL_WANT_WRITE) &&
                    c->sent_in_read &&
                    c->ssl.in_msgtype == MBEDTLS_SSL_MSG_HANDSHAKE) {
                    conn_log(c, "result=ETLS during=renegotiation");
                    srv_stats_error(RND_ETLS);
                    srv_session_abort(c->session, RND_ETLS, NULL);
                    srv_conn_close(c);
                    return -1;
                }
                if (n == MBEDTLS_ERR_SSL_WANT_READ ||
                    n == MBEDTLS_ERR_SSL_WANT_WRITE)
                    break;
                if (n == 0 || n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
                    c->peer_eof = 1;
                    break;
                }
                log_tls(c, n, "read");
                srv_session_abort(c->session, RND_ETLS, NULL);
                srv_conn_close(c);
                return -1;
            }
            size_t in_before = srv_bufq_len(&c->pt_in);
            size_t out_before = srv_bufq_len(&c->pt_out);
            srv_session_input(c->session, &c->pt_in);
            if (srv_bufq_len(&c->pt_in) < in_before) {
                progress = 1;
                touch(c);
            }
            if (srv_bufq_len(&c->pt_out) != out_before)
                progress = 1;
        }
        while (srv_bufq_len(&c->pt_out) > 0) {
            const uint8_t *p;
            size_t n = srv_bufq_peek(&c->pt_out, &p);
            /* After WANT_WRITE mbedTLS must be called with the same
             * length: it then reports that many bytes as written. */
            if (c->ssl_wlen)
                n = c->ssl_wlen;
            else if (n > MBEDTLS_SSL_OUT_CONTENT_LEN)
                n = MBEDTLS_SSL_OUT_CONTENT_LEN;
            c->in_app_write = 1;
            int w = mbedtls_ssl_write(&c->ssl, p, n);
            c->in_app_write = 0;
            if (w > 0) {
                c->ssl_wlen = 0;
                srv_bufq_consume(&c->pt_out, (size_t)w);
                progress = 1;
                continue;
            }
            if (w == MBEDTLS_ERR_SSL_WANT_WRITE ||
                w == MBEDTLS_ERR_SSL_WANT_READ) {
                c->ssl_wlen = n;
                break;
            }
            log_tls(c, w, "write");
            srv_session_abort(c->session, RND_ETLS, NULL);
            srv_conn_close(c);
            return -1;
        }
        if (!progress)
            return 0;
    }
}

static void drive_once(srv_conn *c)
{
    if (c->state == SRV_CONN_HANDSHAKE) {
        int rc = mbedtls_ssl_handshake(&c->ssl);
        if (rc == MBEDTLS_ERR_SSL_WANT_READ ||
            rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
            if (c->peer_eof) {
                conn_log(c, "result=ECLOSED during=handshake");
                srv_conn_close(c);
            }
            return;
        }
        if (rc) {
            /* Let the alert mbedTLS queued reach the peer, then close. */
            log_tls(c, rc, "handshake");
            c->state = SRV_CONN_CLOSING;
            c->notify_sent = 1;
            uv_timer_start(&c->timer, on_timer, SRV_CONN_LINGER_MS, 0);
            srv_bufq_consume(&c->tls_in, srv_bufq_len(&c->tls_in));
            return;
        }
        c->state = SRV_CONN_OPEN;
        start_open_timer(c);
        if (c->busy)
            srv_session_abort(c->session, RND_EBUSY,
                              "the server is at its connection limit; "
                              "retry later");
    }
    if (c->state == SRV_CONN_OPEN || c->state == SRV_CONN_CLOSING) {
        if (pump(c) != 0)
            return;
    }
    if (c->state == SRV_CONN_OPEN &&
        srv_session_state_of(c->session) != SRV_CLOSING && c->peer_eof) {
        /* The peer went away in the middle of the session. */
        srv_conn_close(c);
        return;
    }
    if (c->state == SRV_CONN_OPEN &&
        srv_session_state_of(c->session) == SRV_CLOSING) {
        /* A stranger refused before any HELLO (a timeout, a frame that is
         * not a HELLO): the session logs nothing, this line names the
         * peer. */
        if (!c->authed && !srv_session_hello_seen(c->session))
            conn_log(c, "result=%s during=hello",
                     rnd_errname(srv_session_result(c->session)));
        c->state = SRV_CONN_CLOSING;
        uv_timer_start(&c->timer, on_timer, SRV_CONN_LINGER_MS, 0);
        srv_bufq_consume(&c->tls_in, srv_bufq_len(&c->tls_in));
    }
    if (c->state == SRV_CONN_CLOSING && srv_bufq_len(&c->pt_out) == 0 &&
        !c->notify_sent) {
        int rc = mbedtls_ssl_close_notify(&c->ssl);
        if (rc != MBEDTLS_ERR_SSL_WANT_WRITE)
            c->notify_sent = 1; /* sent, or failed: nothing more to say */
    }
}

/* Gives the memory of empty queues back. Without this a connection that
 * once read a 64 KiB burst (libuv asks for 64 KiB per read) or wrote one
 * keeps ~150 KiB for its whole life: a thousand idle connections held
 * ~150 MB. Allocating again on the next burst costs one malloc. */
static void trim_idle(srv_conn *c)
{
    srv_bufq_trim(&c->tls_in);
    srv_bufq_trim(&c->pt_in);
    srv_bufq_trim(&c->pt_out);
    if (!c->writing)
        srv_bufq_trim(&c->tls_out);
}

static void drive(srv_conn *c)
{
    if (c->state == SRV_CONN_CLOSED)
        return;
    if (c->in_drive) {
        c->redrive = 1;
        return;
    }
    if (must_yield(c)) {
        if (!c->parked)
            park(c);
        return; /* srv_conn_turn() drives it */
    }
    unpark(c); /* a session that ends waits no more */
    size_t tls_before = srv_bufq_len(&c->tls_in);
    uint64_t made_before = c->tls_made;
    c->in_drive = 1;
    do {
        c->redrive = 0;
        drive_once(c);
        flush_out(c);
    } while (c->redrive && c->state != SRV_CONN_CLOSED);
    c->in_drive = 0;
    if (c->state == SRV_CONN_CLOSED)
        return;
    if (c->env->upload_turn_bytes > 0 && srv_session_uploading(c->session)) {
        /* What it decrypted and encrypted is what the turn's budget pays
         * for (its pull after the photos too). */
        size_t tls_after = srv_bufq_len(&c->tls_in);
        size_t spent = tls_before > tls_after ? tls_before - tls_after : 0;
        spent += (size_t)(c->tls_made - made_before);
        srv_conn_env *env = c->env;
        env->upload_left -= spent < env->upload_left ? spent : env->upload_left;
        if (must_yield(c)) {
            trim_idle(c);
            park(c); /* libuv would read on up to 32 times this turn */
            return;
        }
    }
    if (c->state == SRV_CONN_CLOSING && c->notify_sent && !c->writing &&
        srv_bufq_len(&c->tls_out) == 0) {
        if (c->peer_eof) {
            srv_conn_close(c);
            return;
        }
        if (!c->shut) {
            /* Everything is out: send FIN and wait for the peer's EOF (or
             * the linger timer), so the peer reads all before it sees the
             * socket go. */
            c->shut = 1;
            if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, on_shutdown)) {
                srv_conn_close(c);
                return;
            }
        }
    }
    trim_idle(c);
    update_reading(c);
}

static void on_wake(void *owner)
{
    drive(owner);
}

/* ---- connection: accept ------------------------------------------------- */

static void on_close_abandoned(uv_handle_t *h)
{
    srv_conn *c = h->data;
    if (--c->open_handles > 0)
        return;
    free_conn(c);
}

/* Gives up on a connection being set up: closes its handles without the
 * env's closed callback (srv_conn_accept reports the error instead). */
static void abandon(srv_conn *c, int handles)
{
    c->state = SRV_CONN_CLOSED;
    c->open_handles = handles;
    uv_close((uv_handle_t *)&c->tcp, on_close_abandoned);
    if (handles == 2)
        uv_close((uv_handle_t *)&c->timer, on_close_abandoned);
}

static void peer_name(srv_conn *c)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    snprintf(c->peer, sizeof c->peer, "?");
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) != 0)
        return;
    char ip[48];
    if (ss.ss_family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        uv_ip4_name(a, ip, sizeof ip);
        snprintf(c->peer, sizeof c->peer, "%s:%d", ip, ntohs(a->sin_port));
        c->addr.len = 4;
        memcpy(c->addr.b, &a->sin_addr, 4);
    } else if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        uv_ip6_name(a, ip, sizeof ip);
        snprintf(c->peer, sizeof c->peer, "[%s]:%d", ip, ntohs(a->sin6_port));
        const uint8_t *b = a->sin6_addr.s6_addr;
        if (memcmp(b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
            c->addr.len = 4;
            memcpy(c->addr.b, b + 12, 4);
        } else {
            /* One host usually holds a whole /64. */
            c->addr.len = 8;
            memcpy(c->addr.b, b, 8);
        }
    }
}

int srv_conn_accept(srv_conn_env *env, uv_stream_t *server, int busy,
                    srv_conn **out)
{
    *out = NULL;
    srv_conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return RND_ENOMEM;
    c->env = env;
    c->busy = busy;
    mbedtls_ssl_init(&c->ssl);
    uint32_t max_frame = env->ctx->max_frame;
    srv_bufq_init(&c->tls_in, SRV_TLS_IN_CAP);
    srv_bufq_init(&c->tls_out, SRV_TLS_OUT_CAP);
    srv_bufq_init(&c->pt_in, SRV_IN_CAP(max_frame));
    srv_bufq_init(&c->pt_out, SRV_OUT_CAP(max_frame));
    int rc = uv_tcp_init(env->loop, &c->tcp);
    if (rc) {
        free_conn(c);
        return RND_EIO;
    }
    c->tcp.data = c;
    c->timer.data = c;
    rc = uv_accept(server, (uv_stream_t *)&c->tcp);
    if (rc) {
        abandon(c, 1);
        return rc == UV_EAGAIN ? RND_EAGAIN : RND_EIO;
    }
    rc = uv_timer_init(env->loop, &c->timer);
    if (rc) {
        abandon(c, 1);
        return RND_EIO;
    }
    if (mbedtls_ssl_setup(&c->ssl, &env->tls->conf) != 0 ||
        srv_session_new(env->ctx, &c->pt_out, on_wake, c, &c->session) != 0) {
        abandon(c, 2);
        return RND_ENOMEM;
    }
    mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
    peer_name(c);
    uv_tcp_nodelay(&c->tcp, 1);
    c->accepted_ms = c->heard_ms = uv_now(env->loop);
    uint64_t ms = env->handshake_timeout_ms;
    if (env->hello_timeout_ms != 0 && env->hello_timeout_ms < ms)
        ms = env->hello_timeout_ms;
    uv_timer_start(&c->timer, on_timer, ms, 0);
    c->state = SRV_CONN_HANDSHAKE;
    update_reading(c);
    if (!c->reading) {
        abandon(c, 2);
        return RND_EIO;
    }
    *out = c;
    return 0;
}

int srv_conn_turn(srv_conn_env *env)
{
    env->upload_left = env->upload_turn_bytes;
    while (env->parked_head != NULL && env->upload_left > 0) {
        srv_conn *c = env->parked_head;
        unpark(c);
        drive(c);
    }
    return env->parked_head != NULL;
}

void srv_conn_shutdown(srv_conn *c, int err, const char *message)
{
    if (c->state == SRV_CONN_CLOSED)
        return;
    if (c->state == SRV_CONN_HANDSHAKE) {
        srv_conn_close(c);
        return;
    }
    srv_session_abort(c->session, err, message);
    drive(c);
}
