/* fuzz_tls_server.c: libFuzzer target for the server's TLS endpoint: the
 * memory-BIO engine of server/tls.c (handshake, record layer, the pump
 * between TLS and the session, closing) fed the bytes a client sends.
 *
 * The real srv_conn runs on a real libuv loop: the harness listens on a
 * Unix socket in the fuzz directory (uv_accept takes any stream fd into
 * the connection's uv_tcp_t), connects to it, writes the client's bytes
 * and runs the loop without blocking until nothing moves, committing
 * PUSH batches after each turn as the server's uv_check does. A Unix
 * socket delivers each write whole, so a run depends on the input alone.
 *
 * Input: byte 0 is the mode and flags, byte 1 seeds the chunk sizes (0 =
 * one piece), the rest is the payload.
 *   mode 0: the payload is the raw TCP stream from the first byte (the
 *           ClientHello and whatever follows);
 *   mode 1: an mbedTLS client first completes a handshake (resuming the
 *           session the harness made at set-up, so no ECDHE per run), then
 *           sends the payload as application data;
 *   mode 2: the same handshake, then the payload raw on the socket (forged
 *           records after a valid handshake);
 *   mode 3: as mode 1, then the client sends close_notify;
 *   flag 4: in modes 1 and 3, a valid HELLO of the enrolled device first;
 *   flag 8: the connection is accepted over the limit (ERROR EBUSY).
 * Checks, besides ASan/UBSan: what the server sends in modes 1 and 3
 * decrypts to whole, decodable server frames; when the client goes away
 * the connection closes and is freed without waiting for a timer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "cert.h"
#include "fuzz_env.h"
#include "tls.h"

enum { F_MODE = 3, F_HELLO = 4, F_BUSY = 8 };

typedef struct tls_world {
    fz_env *e;
    uv_loop_t loop;
    uv_pipe_t listener;
    srv_tls tls;
    srv_conn_env cenv;
    char sock[300];
    int busy;     /* the next accept is over the limit */
    int accepted; /* connections accepted */
    int closed;   /* and freed */
    /* The client: a fixed RNG, the server's certificate as trust anchor,
     * and the session of the handshake made at set-up. */
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt ca;
    mbedtls_ssl_config conf;
    mbedtls_ssl_session saved;
    int have_saved;
} tls_world;

static tls_world *world;

static void die(const char *what)
{
    fprintf(stderr, "fuzz_tls_server: %s\n", what);
    abort();
}

/* A constant entropy source: the client's randomness is the same in
 * every run (the server's is the server's own). */
static int fixed_entropy(void *ctx, unsigned char *out, size_t len)
{
    (void)ctx;
    memset(out, 0x5a, len);
    return 0;
}

static void on_closed(void *arg, srv_conn *c)
{
    (void)c;
    ((tls_world *)arg)->closed++;
}

static void on_connection(uv_stream_t *server, int status)
{
    tls_world *w = server->data;
    srv_conn *c;
    if (status < 0)
        die("listener error");
    if (srv_conn_accept(&w->cenv, server, w->busy, &c) != 0)
        die("srv_conn_accept failed");
    w->accepted++;
}

/* Runs the loop until it has nothing ready, committing after each turn. */
static void run_server(tls_world *w)
{
    for (int i = 0; i < 8; i++) {
        int more = uv_run(&w->loop, UV_RUN_NOWAIT);
        fz_env_flush(w->e);
        if (!more)
            break;
    }
}

/* ---- the client ---------------------------------------------------------- */

typedef struct client {
    int fd;
    mbedtls_ssl_context ssl;
    int gone; /* the server closed */
} client;

static int c_send(void *arg, const unsigned char *buf, size_t len)
{
    client *c = arg;
    ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
    if (n >= 0)
        return (int)n;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    c->gone = 1;
    return MBEDTLS_ERR_NET_SEND_FAILED;
}

static int c_recv(void *arg, unsigned char *buf, size_t len)
{
    client *c = arg;
    ssize_t n = recv(c->fd, buf, len, 0);
    if (n > 0)
        return (int)n;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return MBEDTLS_ERR_SSL_WANT_READ;
    c->gone = 1;
    return n == 0 ? 0 : MBEDTLS_ERR_NET_RECV_FAILED;
}

static int client_connect(tls_world *w, client *c)
{
    memset(c, 0, sizeof *c);
    mbedtls_ssl_init(&c->ssl);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    memcpy(a.sun_path, w->sock, strlen(w->sock) + 1);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0)
        die("connect");
    int before = w->accepted;
    run_server(w);
    if (w->accepted != before + 1)
        die("the connection was not accepted");
    return 0;
}

/* The client's handshake, interleaved with the server's loop. */
static int client_handshake(tls_world *w, client *c)
{
    if (mbedtls_ssl_setup(&c->ssl, &w->conf) != 0 ||
        mbedtls_ssl_set_hostname(&c->ssl, SRV_CERT_CN) != 0)
        die("client set-up");
    if (w->have_saved && mbedtls_ssl_set_session(&c->ssl, &w->saved) != 0)
        die("client session");
    mbedtls_ssl_set_bio(&c->ssl, c, c_send, c_recv, NULL);
    for (int i = 0; i < 64; i++) {
        int rc = mbedtls_ssl_handshake(&c->ssl);
        if (rc == 0)
            return 0;
        if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE)
            return -1;
        run_server(w);
    }
    return -1;
}

/* Reads and checks what the server sent; returns when nothing is ready. */
static void client_read(client *c, int tls, srv_bufq *got, int *ended)
{
    uint8_t buf[16384];
    for (;;) {
        int n;
        if (tls) {
            n = mbedtls_ssl_read(&c->ssl, buf, sizeof buf);
            if (n == MBEDTLS_ERR_SSL_WANT_READ ||
                n == MBEDTLS_ERR_SSL_WANT_WRITE)
                return;
        } else {
            n = c_recv(c, buf, sizeof buf);
            if (n == MBEDTLS_ERR_SSL_WANT_READ)
                return;
        }
        if (n <= 0) {
            c->gone = 1;
            return;
        }
        if (!tls)
            continue;
        if (srv_bufq_push(got, buf, (size_t)n) != 0)
            die("the server sent more than its output queue holds");
        fz_check_output(got, ended);
    }
}

static void client_free(client *c)
{
    mbedtls_ssl_free(&c->ssl);
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

/* ---- set-up -------------------------------------------------------------- */

static void world_free(void)
{
    tls_world *w = world;
    if (w == NULL)
        return;
    uv_close((uv_handle_t *)&w->listener, NULL);
    uv_run(&w->loop, UV_RUN_DEFAULT);
    uv_loop_close(&w->loop);
    srv_tls_free(&w->tls);
    mbedtls_ssl_session_free(&w->saved);
    mbedtls_ssl_config_free(&w->conf);
    mbedtls_x509_crt_free(&w->ca);
    mbedtls_ctr_drbg_free(&w->drbg);
    free(w);
    world = NULL;
}

static tls_world *world_get(void)
{
    if (world != NULL)
        return world;
    tls_world *w = calloc(1, sizeof *w);
    if (w == NULL)
        die("out of memory");
    w->e = fz_env_get();
    char key[300], crt[300], err[300];
    snprintf(key, sizeof key, "%s/server.key", w->e->dir);
    snprintf(crt, sizeof crt, "%s/server.crt", w->e->dir);
    snprintf(w->sock, sizeof w->sock, "%s/sock", w->e->dir);
    if (strlen(w->sock) >= sizeof(((struct sockaddr_un *)0)->sun_path))
        die("the fuzz directory's path is too long for a socket");
    if (srv_cert_generate(key, crt, err, sizeof err) != 0 ||
        srv_tls_init(&w->tls, crt, key, err, sizeof err) != 0)
        die(err);
    if (uv_loop_init(&w->loop) != 0 ||
        uv_pipe_init(&w->loop, &w->listener, 0) != 0 ||
        uv_pipe_bind(&w->listener, w->sock) != 0)
        die("listening socket");
    w->listener.data = w;
    if (uv_listen((uv_stream_t *)&w->listener, 16, on_connection) != 0)
        die("listen");
    w->cenv = (srv_conn_env){.loop = &w->loop,
                             .tls = &w->tls,
                             .ctx = &w->e->ctx,
                             .handshake_timeout_ms = 10000,
                             .idle_timeout_ms = 60000,
                             .closed = on_closed,
                             .arg = w};

    mbedtls_ctr_drbg_init(&w->drbg);
    mbedtls_x509_crt_init(&w->ca);
    mbedtls_ssl_config_init(&w->conf);
    mbedtls_ssl_session_init(&w->saved);
    if (mbedtls_ctr_drbg_seed(&w->drbg, fixed_entropy, NULL, NULL, 0) ||
        mbedtls_x509_crt_parse_file(&w->ca, crt) ||
        mbedtls_ssl_config_defaults(&w->conf, MBEDTLS_SSL_IS_CLIENT,
                                    MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT))
        die("client configuration");
    mbedtls_ssl_conf_rng(&w->conf, mbedtls_ctr_drbg_random, &w->drbg);
    mbedtls_ssl_conf_ca_chain(&w->conf, &w->ca, NULL);
    mbedtls_ssl_conf_authmode(&w->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_session_tickets(&w->conf,
                                     MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
    world = w;
    atexit(world_free);

    /* One full handshake; every run resumes its session. */
    client c;
    client_connect(w, &c);
    if (client_handshake(w, &c) != 0 ||
        mbedtls_ssl_get_session(&c.ssl, &w->saved) != 0)
        die("the set-up handshake failed");
    w->have_saved = 1;
    client_free(&c);
    for (int i = 0; i < 64 && w->closed < w->accepted; i++)
        run_server(w);
    return w;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    tls_world *w = world_get();
    int flags = data[0], mode = flags & F_MODE;
    uint32_t seed = data[1];
    data += 2;
    size -= 2;
    fz_env_reset(w->e);
    w->busy = (flags & F_BUSY) != 0;
    client c;
    client_connect(w, &c);
    int tls = 0, ended = 0;
    srv_bufq got;
    srv_bufq_init(&got, SRV_OUT_CAP(FZ_MAX_FRAME) + 65536);
    if (mode != 0) {
        tls = client_handshake(w, &c) == 0;
        if (!tls && !c.gone)
            die("a resumed handshake failed");
    }
    if (tls && mode != 2 && (flags & F_HELLO))
        (void)mbedtls_ssl_write(&c.ssl, w->e->hello, w->e->hello_len);
    size_t off = 0, n = 0;
    int stalled = 0;
    while (off < size && !c.gone && stalled < 64) {
        /* After WANT_WRITE mbedTLS must get the same length again. */
        if (n == 0) {
            n = size - off;
            if (seed != 0) {
                size_t want = 1 + fz_rand(&seed) % 4096;
                if (n > want)
                    n = want;
            }
        }
        int sent;
        if (tls && mode != 2)
            sent = mbedtls_ssl_write(&c.ssl, data + off, n);
        else
            sent = c_send(&c, data + off, n);
        run_server(w);
        client_read(&c, tls && mode != 2, &got, &ended);
        if (sent == MBEDTLS_ERR_SSL_WANT_WRITE) {
            stalled++; /* the server stopped reading: again after a turn */
            continue;
        }
        if (sent <= 0)
            break;
        stalled = 0;
        off += (size_t)sent;
        n -= (size_t)sent;
    }
    if (tls && mode == 3)
        (void)mbedtls_ssl_close_notify(&c.ssl);
    for (int i = 0; i < 16; i++) {
        run_server(w);
        client_read(&c, tls && mode != 2, &got, &ended);
    }
    client_free(&c);
    for (int i = 0; i < 64 && w->closed < w->accepted; i++)
        run_server(w);
    if (w->closed != w->accepted)
        die("the client left and the connection is still open");
    srv_bufq_free(&got);
    return 0;
}
