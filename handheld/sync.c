/* sync.c: enrollment and the sync transport of the handheld library.
 *
 * hh_enroll keeps what the office gave in the store's meta. hh_sync opens a
 * TCP connection (non-blocking, with a connect timeout), runs a TLS 1.2
 * client over it with mbedTLS (the enrolled certificate is the only trust
 * anchor) and carries the bytes of the protocol state machine in
 * sync_session.c, driving both directions with poll(2) so that pipelined
 * PUSH frames never deadlock against unread PUSH_ACKs. (hh_digest and
 * hh_dump, which compare replicas after a sync, are in read.c.)
 *
 * Store meta keys: "server" (host:port), "server_cert" (PEM with its
 * terminating NUL), "credential", "tls_session" (a saved mbedTLS session for
 * resumption; empty = none), "server_cursor" (u64, reset when the server or
 * its certificate changes at enrollment), "server_cert_next" (the server's
 * next certificate, learned from WELCOME: trusted beside server_cert; once
 * the server presents it, it replaces server_cert).
 *
 * mbedTLS codes are translated at this boundary: the message keeps the raw
 * code and mbedtls_strerror's text.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pem.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "../proto/enrollpay.h"
#include "../proto/sha256.h"
#include "../storage/store.h"
#include "handheld.h"
#include "hh_internal.h"
#include "receive.h"
#include "sync_session.h"

#define fail hh__fail

#define DEFAULT_TIMEOUT_MS 30000
#define CERT_FILE_MAX (64 * 1024)
/* The name in the server's certificate (roundsd makes it CN=roundsd). */
#define SERVER_CN "roundsd"

/* ---- addresses ----------------------------------------------------------
 */

/* Splits "host:port" or "[v6]:port"; port 1..65535. */
static int parse_addr(const char *addr, char *host, size_t host_cap,
                      char port[6])
{
    const char *colon, *h = addr;
    size_t hlen;
    char *end;
    long p;

    if (addr == NULL)
        return -1;
    colon = strrchr(addr, ':');
    if (colon == NULL || colon == addr)
        return -1;
    hlen = (size_t)(colon - addr);
    if (addr[0] == '[') {
        if (hlen < 3 || addr[hlen - 1] != ']')
            return -1;
        h = addr + 1;
        hlen -= 2;
    } else if (memchr(addr, ':', hlen) != NULL) {
        return -1; /* a bare IPv6 address needs brackets */
    }
    if (hlen >= host_cap)
        return -1;
    errno = 0;
    p = strtol(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end != '\0' || p < 1 || p > 65535 ||
        colon[1] == '+' || colon[1] == '-')
        return -1;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    snprintf(port, 6, "%ld", p);
    return 0;
}

static void tls_text(int raw, char *out, size_t cap)
{
    char buf[160];
    mbedtls_strerror(raw, buf, sizeof buf);
    snprintf(out, cap, "-0x%04x %s", (unsigned)-raw, buf);
}

/* ---- enrollment ---------------------------------------------------------
 */

typedef struct enroll_ctx {
    const char *server;
    const uint8_t *pem;
    size_t pem_len; /* with the NUL */
    const char *credential;
} enroll_ctx;

static int meta_equals(store_txn *t, const char *key, const void *v, size_t len)
{
    const void *old;
    size_t old_len;
    return store_meta_get(t, key, &old, &old_len) == 0 && old_len == len &&
           memcmp(old, v, len) == 0;
}

static int enroll_fn(store_txn *t, void *arg)
{
    enroll_ctx *c = arg;
    int same = meta_equals(t, "server", c->server, strlen(c->server)) &&
               meta_equals(t, "server_cert", c->pem, c->pem_len);
    int rc;

    if ((rc = store_meta_put(t, "server", c->server, strlen(c->server))) ||
        (rc = store_meta_put(t, "server_cert", c->pem, c->pem_len)) ||
        (rc = store_meta_put(t, "credential", c->credential,
                             strlen(c->credential))) ||
        (rc = store_meta_put(t, "tls_session", "", 0)))
        return rc;
    /* Another server keeps another log: its cursor starts over (pulling
     * again is harmless, ingest skips ops already held). */
    if (!same)
        rc = store_meta_put_u64(t, "server_cursor", 0);
    return rc;
}

/* Reads the whole (small) file into a NUL-terminated malloc'd buffer. */
static int read_file(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    size_t n;

    *out = NULL;
    if (f == NULL)
        return -1;
    buf = malloc(CERT_FILE_MAX + 1);
    if (buf == NULL) {
        fclose(f);
        errno = ENOMEM;
        return -1;
    }
    n = fread(buf, 1, CERT_FILE_MAX + 1, f);
    if (ferror(f) || n > CERT_FILE_MAX) {
        if (!ferror(f))
            errno = EFBIG;
        fclose(f);
        free(buf);
        return -1;
    }
    fclose(f);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

int hh_enroll(hh *h, const char *server_addr, const char *cert_path,
              const char *credential)
{
    char host[256], port[6], text[200];
    mbedtls_x509_crt crt;
    enroll_ctx c;
    uint8_t *pem;
    size_t len;
    int rc;

    h->err[0] = '\0';
    if (parse_addr(server_addr, host, sizeof host, port) != 0)
        return fail(h, RND_EFIELD,
                    "enroll: field 'server' must be HOST:PORT with a port "
                    "1..65535, got '%s'",
                    server_addr ? server_addr : "");
    if (credential == NULL || *credential == '\0')
        return fail(h, RND_EFIELD, "enroll: field 'credential' is empty");
    if (strlen(credential) > PROTO_TEXT_MAX)
        return fail(h, RND_EFIELD,
                    "enroll: field 'credential' is longer than %d bytes",
                    PROTO_TEXT_MAX);
    if (cert_path == NULL || *cert_path == '\0')
        return fail(h, RND_EFIELD, "enroll: field 'cert' is required");
    if (read_file(cert_path, &pem, &len) != 0)
        return fail(h, RND_EFIELD, "enroll: field 'cert': cannot read %s: %s",
                    cert_path, strerror(errno));
    if (strstr((const char *)pem, "-----BEGIN CERTIFICATE-----") == NULL) {
        free(pem);
        return fail(h, RND_EFIELD,
                    "enroll: field 'cert': %s is not a PEM certificate "
                    "(no BEGIN CERTIFICATE line)",
                    cert_path);
    }
    mbedtls_x509_crt_init(&crt);
    rc = mbedtls_x509_crt_parse(&crt, pem, len + 1);
    mbedtls_x509_crt_free(&crt);
    if (rc != 0) {
        free(pem);
        tls_text(rc, text, sizeof text);
        return fail(h, RND_EFIELD,
                    "enroll: field 'cert': %s is not a valid certificate "
                    "(%s)",
                    cert_path, text);
    }
    c.server = server_addr;
    c.pem = pem;
    c.pem_len = len + 1;
    c.credential = credential;
    rc = store_write(hh_store(h), enroll_fn, &c);
    free(pem);
    return rc ? hh__store_fail(h, rc) : 0;
}

/* ---- the connection -----------------------------------------------------
 */

typedef struct conn {
    hh *h;
    const char *addr;
    int timeout_ms;
    int fd;
    int sock_errno; /* errno of the last failed send/recv */
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;
    mbedtls_x509_crt ca;
    mbedtls_x509_crt next; /* server_cert_next, parsed, when there is one */
    uint8_t *next_pem;     /* its stored bytes (with the NUL) */
    size_t next_len;
    mbedtls_ssl_session saved;
    int offered;  /* a saved session was offered for resumption */
    int verified; /* the certificate chain was checked (full handshake) */
} conn;

static void conn_init(conn *c, hh *h, const char *addr, int timeout_ms)
{
    memset(c, 0, sizeof *c);
    c->h = h;
    c->addr = addr;
    c->timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
    c->fd = -1;
    mbedtls_entropy_init(&c->entropy);
    mbedtls_ctr_drbg_init(&c->drbg);
    mbedtls_ssl_config_init(&c->conf);
    mbedtls_ssl_init(&c->ssl);
    mbedtls_x509_crt_init(&c->ca);
    mbedtls_x509_crt_init(&c->next);
    mbedtls_ssl_session_init(&c->saved);
}

static void conn_free(conn *c)
{
    mbedtls_ssl_free(&c->ssl);
    mbedtls_ssl_config_free(&c->conf);
    mbedtls_ctr_drbg_free(&c->drbg);
    mbedtls_entropy_free(&c->entropy);
    mbedtls_x509_crt_free(&c->ca);
    mbedtls_x509_crt_free(&c->next);
    free(c->next_pem);
    c->next_pem = NULL;
    mbedtls_ssl_session_free(&c->saved);
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

/* Waits for events on the socket; RND_ETIMEOUT after the timeout. */
static int wait_fd(conn *c, short events, const char *doing)
{
    struct pollfd p = {c->fd, events, 0};
    int n;

    do
        n = poll(&p, 1, c->timeout_ms);
    while (n < 0 && errno == EINTR);
    if (n == 0)
        return fail(c->h, RND_ETIMEOUT,
                    "sync: no answer from %s in %d ms while %s", c->addr,
                    c->timeout_ms, doing);
    if (n < 0)
        return fail(c->h, RND_EIO, "sync: poll: %s", strerror(errno));
    return 0;
}

/* Connects without blocking longer than the timeout (mbedtls_net_connect
 * would wait for the kernel's SYN retries, minutes on a dead network). */
static int tcp_connect(conn *c, const char *host, const char *port)
{
    struct addrinfo hints, *res = NULL, *ai;
    int rc, err = 0, timed_out = 0;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0)
        return fail(c->h, RND_ECONNECT, "sync: cannot connect to %s: %s",
                    c->addr, gai_strerror(rc));
    for (ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                        ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
            err = errno;
            close(fd);
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            if (errno != EINPROGRESS) {
                err = errno;
                close(fd);
                continue;
            }
            struct pollfd p = {fd, POLLOUT, 0};
            int n;
            do
                n = poll(&p, 1, c->timeout_ms);
            while (n < 0 && errno == EINTR);
            socklen_t sl = sizeof err;
            if (n == 0) {
                timed_out = 1;
                err = ETIMEDOUT;
                close(fd);
                continue;
            }
            if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) ||
                err) {
                if (n < 0)
                    err = errno;
                close(fd);
                continue;
            }
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->fd = fd;
        break;
    }
    freeaddrinfo(res);
    if (c->fd >= 0)
        return 0;
    if (timed_out)
        return fail(c->h, RND_ETIMEOUT,
                    "sync: no answer from %s in %d ms while connecting",
                    c->addr, c->timeout_ms);
    return fail(c->h, RND_ECONNECT, "sync: cannot connect to %s: %s", c->addr,
                strerror(err));
}

/* mbedTLS BIO over the non-blocking socket. send() with MSG_NOSIGNAL: a
 * server that hung up must not kill the app with SIGPIPE. */
static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    conn *c = ctx;
    ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
    if (n >= 0)
        return (int)n;
    c->sock_errno = errno;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    if (errno == EPIPE || errno == ECONNRESET)
        return MBEDTLS_ERR_NET_CONN_RESET;
    return MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    conn *c = ctx;
    ssize_t n = recv(c->fd, buf, len, 0);
    if (n >= 0)
        return (int)n;
    c->sock_errno = errno;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return MBEDTLS_ERR_SSL_WANT_READ;
    if (errno == EPIPE || errno == ECONNRESET)
        return MBEDTLS_ERR_NET_CONN_RESET;
    return MBEDTLS_ERR_NET_RECV_FAILED;
}

/* Pinning by the bytes. The server's certificate is trusted when it is,
 * byte for byte, the enrolled one or the announced next one (the trust
 * anchors in c->ca); then whatever mbedTLS flagged is cleared: validity
 * dates judged by this device's clock (a handheld whose clock is years off
 * must still sync: the pin is the trust, and the office replaces the
 * certificate through rotation, not by its dates), the name (the office
 * gave exactly this certificate). Any other certificate is refused, even
 * one the pinned certificate signed. Called for each certificate of the
 * chain mbedTLS built (the presented one and the anchor it matched, both
 * the pinned bytes when they are); it also counts checks: a resumed
 * handshake has none. */
static int verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth,
                     uint32_t *flags)
{
    conn *c = ctx;
    (void)depth;
    c->verified++;
    for (const mbedtls_x509_crt *a = &c->ca; a != NULL && a->raw.len > 0;
         a = a->next) {
        if (a->raw.len == crt->raw.len &&
            memcmp(a->raw.p, crt->raw.p, crt->raw.len) == 0) {
            *flags = 0;
            return 0;
        }
    }
    *flags |= MBEDTLS_X509_BADCERT_NOT_TRUSTED;
    return 0;
}

/* Translates an mbedTLS failure while doing `doing`. */
static int tls_fail(conn *c, int raw, const char *doing)
{
    char text[200];

    if (raw == MBEDTLS_ERR_NET_CONN_RESET || raw == MBEDTLS_ERR_SSL_CONN_EOF ||
        raw == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || raw == 0)
        return fail(c->h, RND_ECLOSED,
                    "sync: %s closed the connection while %s", c->addr, doing);
    tls_text(raw, text, sizeof text);
    if (raw == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        char info[256];
        uint32_t flags = mbedtls_ssl_get_verify_result(&c->ssl);
        if (mbedtls_x509_crt_verify_info(info, sizeof info, "", flags) < 0)
            info[0] = '\0';
        for (char *p = info; *p; p++)
            if (*p == '\n')
                *p = (p[1] ? ';' : '\0');
        return fail(c->h, RND_ECERT,
                    "sync: the certificate of %s is not the enrolled one "
                    "(%s; flags 0x%x; %s): re-enroll with the server's "
                    "current certificate if it was replaced",
                    c->addr, info, (unsigned)flags, text);
    }
    if (raw == MBEDTLS_ERR_NET_SEND_FAILED ||
        raw == MBEDTLS_ERR_NET_RECV_FAILED)
        return fail(c->h, RND_ETLS, "sync: %s with %s: %s (%s)", doing, c->addr,
                    strerror(c->sock_errno), text);
    return fail(c->h, RND_ETLS, "sync: TLS failure with %s while %s: %s",
                c->addr, doing, text);
}

static int tls_setup(conn *c, store_txn *t)
{
    static const int suites[] = {
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        0,
    };
    static const char pers[] = "rounds-handheld";
    const void *v;
    size_t len;
    int rc;

    rc = store_meta_get(t, "server_cert", &v, &len);
    if (rc == RND_ENOTFOUND)
        return fail(c->h, RND_ENOTENROLLED,
                    "sync: no server certificate: run 'rounds enroll'");
    if (rc)
        return hh__store_fail(c->h, rc);
    rc = mbedtls_x509_crt_parse(&c->ca, v, len);
    if (rc != 0) {
        char text[200];
        tls_text(rc, text, sizeof text);
        return fail(c->h, RND_ECERT,
                    "sync: the enrolled certificate does not parse (%s): "
                    "enroll again",
                    text);
    }
    /* The next certificate the server announced (certificate rotation) is
     * the second trust anchor: only these two are trusted. One that does
     * not parse is ignored (the pinned one still works). */
    if (store_meta_get(t, "server_cert_next", &v, &len) == 0 && len > 1 &&
        mbedtls_x509_crt_parse(&c->next, v, len) == 0 &&
        (c->next_pem = malloc(len)) != NULL) {
        memcpy(c->next_pem, v, len);
        c->next_len = len;
        if (mbedtls_x509_crt_parse(&c->ca, v, len) != 0) {
            free(c->next_pem);
            c->next_pem = NULL;
        }
    }
    rc = mbedtls_ctr_drbg_seed(&c->drbg, mbedtls_entropy_func, &c->entropy,
                               (const unsigned char *)pers, sizeof pers - 1);
    if (rc == 0)
        rc = mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT,
                                         MBEDTLS_SSL_TRANSPORT_STREAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc == 0) {
        mbedtls_ssl_conf_min_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                     MBEDTLS_SSL_MINOR_VERSION_3);
        mbedtls_ssl_conf_max_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                     MBEDTLS_SSL_MINOR_VERSION_3);
        mbedtls_ssl_conf_ciphersuites(&c->conf, suites);
        mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
        mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
        mbedtls_ssl_conf_verify(&c->conf, verify_cb, c);
        mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, &c->drbg);
        mbedtls_ssl_conf_session_tickets(&c->conf,
                                         MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
        rc = mbedtls_ssl_setup(&c->ssl, &c->conf);
    }
    if (rc == 0)
        rc = mbedtls_ssl_set_hostname(&c->ssl, SERVER_CN);
    if (rc != 0)
        return tls_fail(c, rc, "setting up TLS");
    mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);

    /* Resumption: a session saved by an earlier sync, if it still loads
     * (a different mbedTLS build refuses it; then a full handshake). */
    if (store_meta_get(t, "tls_session", &v, &len) == 0 && len > 0 &&
        mbedtls_ssl_session_load(&c->saved, v, len) == 0 &&
        mbedtls_ssl_set_session(&c->ssl, &c->saved) == 0)
        c->offered = 1;
    return 0;
}

static int handshake(conn *c)
{
    for (;;) {
        int rc = mbedtls_ssl_handshake(&c->ssl);
        if (rc == 0)
            return 0;
        if (rc == MBEDTLS_ERR_SSL_WANT_READ)
            rc = wait_fd(c, POLLIN, "in the TLS handshake");
        else if (rc == MBEDTLS_ERR_SSL_WANT_WRITE)
            rc = wait_fd(c, POLLOUT, "in the TLS handshake");
        else
            return tls_fail(c, rc, "in the TLS handshake");
        if (rc)
            return rc;
    }
}

typedef struct blob_ctx {
    const char *key;
    const uint8_t *p;
    size_t len;
} blob_ctx;

static int blob_fn(store_txn *t, void *arg)
{
    blob_ctx *b = arg;
    return store_meta_put(t, b->key, b->p, b->len);
}

typedef struct promote_ctx {
    const uint8_t *pem;
    size_t len;
} promote_ctx;

static int promote_fn(store_txn *t, void *arg)
{
    promote_ctx *p = arg;
    int rc = store_meta_put(t, "server_cert", p->pem, p->len);
    if (rc == 0)
        rc = store_meta_put(t, "server_cert_next", "", 0);
    return rc;
}

/* The server presented the next certificate it had announced: it has
 * rotated, so that certificate becomes the pinned one and the old one is
 * no longer trusted. Returns 1 when promoted. */
static int promote_next(conn *c)
{
    const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&c->ssl);
    if (c->next_pem == NULL || peer == NULL ||
        peer->raw.len != c->next.raw.len ||
        memcmp(peer->raw.p, c->next.raw.p, peer->raw.len) != 0)
        return 0;
    promote_ctx p = {c->next_pem, c->next_len};
    int rc = store_write(hh_store(c->h), promote_fn, &p);
    return rc == 0;
}

/* Serialises the negotiated session (with its ticket) into *out (malloc'd:
 * it holds the master secret, so keep_session() wipes it), or leaves it
 * NULL. A failure here only costs a full handshake next time: not
 * reported. */
static void take_session(conn *c, uint8_t **out, size_t *out_len)
{
    mbedtls_ssl_session sess;
    uint8_t *buf = NULL;
    size_t len = 0;

    *out = NULL;
    *out_len = 0;
    mbedtls_ssl_session_init(&sess);
    if (mbedtls_ssl_get_session(&c->ssl, &sess) == 0 &&
        mbedtls_ssl_session_save(&sess, NULL, 0, &len) ==
            MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL &&
        (buf = malloc(len)) != NULL &&
        mbedtls_ssl_session_save(&sess, buf, len, &len) == 0) {
        *out = buf;
        *out_len = len;
    } else {
        free(buf);
    }
    mbedtls_ssl_session_free(&sess);
}

/* Keeps the session for the next sync unless the sync's last commit (at
 * BYE) already did, then wipes it. */
static void keep_session(conn *c, hh_sess *s, uint8_t *blob, size_t len)
{
    if (blob == NULL)
        return;
    if (!s->tls_session_kept) {
        blob_ctx b = {"tls_session", blob, len};
        store_write(hh_store(c->h), blob_fn, &b);
    }
    memset(blob, 0, len);
    free(blob);
    s->tls_session = NULL;
}

/* Tells the server why the handheld gives up (ERROR, as the protocol
 * allows either side to), best effort: only between frames and when no TLS
 * record is half written, one try, no waiting. */
static void tell_server(conn *c, hh_sess *s, int rc, int write_pending)
{
    uint8_t buf[PROTO_TEXT_MAX + 64];
    const char *name = rnd_errname(rc), *msg = hh_last_error(c->h);
    proto_msg m;
    size_t len;

    if (write_pending || s->server_error[0] ||
        (s->out_off != 0 && s->out_off != s->out_len))
        return;
    memset(&m, 0, sizeof m);
    m.type = PROTO_MSG_ERROR;
    m.u.error.name.p = (const uint8_t *)name;
    m.u.error.name.len = (uint32_t)strlen(name);
    m.u.error.message.p = (const uint8_t *)msg;
    m.u.error.message.len = (uint32_t)strnlen(msg, PROTO_TEXT_MAX);
    if (proto_msg_encode(&m, buf, sizeof buf, &len) == 0 &&
        mbedtls_ssl_write(&c->ssl, buf, len) == (int)len)
        mbedtls_ssl_close_notify(&c->ssl);
}

/* Runs the session over the TLS connection until the server's BYE. */
static int exchange(conn *c, hh_sess *s)
{
    size_t cap = (size_t)PROTO_FRAME_MAX_DEFAULT + PROTO_FRAME_HEADER;
    size_t have = 0;
    uint8_t *in = malloc(cap);
    int rc = 0, write_pending = 0;

    if (in == NULL)
        return fail(c->h, RND_ENOMEM, "sync: out of memory");
    while (!hh_sess_done(s)) {
        int moved = 0, want_write = 0;
        const uint8_t *p;
        size_t n;

        /* Send what the session has, as far as the socket takes it. */
        for (;;) {
            if ((rc = hh_sess_output(s, &p, &n)) != 0) {
                tell_server(c, s, rc, write_pending);
                goto out;
            }
            if (n == 0)
                break;
            /* After WANT_*, mbedTLS must be called again with the same
             * bytes: the session keeps them until hh_sess_sent(). */
            int w = mbedtls_ssl_write(&c->ssl, p, n);
            write_pending = w <= 0;
            if (w > 0) {
                hh_sess_sent(s, (size_t)w);
                moved = 1;
                continue;
            }
            if (w == MBEDTLS_ERR_SSL_WANT_WRITE) {
                want_write = 1;
                break;
            }
            if (w == MBEDTLS_ERR_SSL_WANT_READ)
                break;
            /* The server may have said why before hanging up (an ERROR
             * after the acks still queued for us): read what is left. */
            for (int r; have < cap && (r = mbedtls_ssl_read(&c->ssl, in + have,
                                                            cap - have)) > 0;) {
                size_t used;
                have += (size_t)r;
                if ((rc = hh_sess_recv(s, in, have, &used)) != 0)
                    goto out;
                memmove(in, in + used, have - used);
                have -= used;
            }
            rc = tls_fail(c, w, "sending");
            goto out;
        }
        /* Take whatever has arrived. */
        for (;;) {
            if (have == cap) { /* cannot happen: a whole frame fits */
                rc = fail(c->h, RND_EPROTO, "sync: receive buffer full");
                goto out;
            }
            int r = mbedtls_ssl_read(&c->ssl, in + have, cap - have);
            if (r > 0) {
                size_t used, need;
                have += (size_t)r;
                moved = 1;
                if ((rc = hh_sess_recv(s, in, have, &used)) != 0) {
                    tell_server(c, s, rc, write_pending);
                    goto out;
                }
                memmove(in, in + used, have - used);
                have -= used;
                need = (size_t)hh_sess_max_frame(s) + PROTO_FRAME_HEADER;
                if (need > cap) {
                    uint8_t *bigger = realloc(in, need);
                    if (bigger == NULL) {
                        rc = fail(c->h, RND_ENOMEM, "sync: out of memory");
                        goto out;
                    }
                    in = bigger;
                    cap = need;
                }
                if (hh_sess_done(s))
                    break;
                continue;
            }
            if (r == MBEDTLS_ERR_SSL_WANT_READ)
                break;
            if (r == MBEDTLS_ERR_SSL_WANT_WRITE) {
                want_write = 1;
                break;
            }
            rc = tls_fail(c, r, "receiving");
            goto out;
        }
        if (!moved && !hh_sess_done(s)) {
            rc = wait_fd(c, (short)(POLLIN | (want_write ? POLLOUT : 0)),
                         s->state == HH_SESS_PUSH   ? "pushing"
                         : s->state == HH_SESS_PULL ? "pulling"
                                                    : "waiting for the server");
            if (rc)
                goto out;
        }
    }
    /* Best effort: the server closes after its BYE anyway. */
    mbedtls_ssl_close_notify(&c->ssl);
out:
    free(in);
    return rc;
}

/* The session ended early with rc: stores the OPS frames it received and
 * holds, so the progress made is kept (the next sync resumes after them).
 * rc and its sentence stay what is reported, with what became of the ops
 * pulled added: a guard whose sync was cut learns that they are kept, or
 * why not. */
static int keep_progress(hh *h, hh_sess *s, int rc)
{
    char why[sizeof h->err];
    uint32_t held = s->held_nops;

    snprintf(why, sizeof why, "%s", h->err);
    if (hh_sess_flush(s) == 0) {
        if (s->kept > 0)
            snprintf(h->err, sizeof h->err,
                     "%.400s (the %llu ops pulled before that are stored)", why,
                     (unsigned long long)s->kept);
        return rc;
    }
    /* Both sentences, cut to fit the 512 bytes of h->err. */
    char lost[200];
    snprintf(lost, sizeof lost, "%.199s", h->err);
    snprintf(h->err, sizeof h->err,
             "%.250s (and the last %u ops pulled before that were not "
             "stored: %s)",
             why, held, lost);
    return rc;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A REDIRECT received (hh_sess.redirected), kept after the session is
 * freed. */
typedef struct follow {
    int redirected;
    char node[PROTO_NODE_MAX + 1];
    char addr[PROTO_ADDR_MAX + 1];
    uint8_t *cert; /* PEM and a NUL; malloc'd */
    size_t cert_len;
    uint64_t epoch;
} follow;

/* One session with the server the store names (or opt->server_addr). */
static int sync_once(hh *h, const hh_sync_options *opt, hh_sync_result *out,
                     follow *f)
{
    char addr[300], host[256], port[6];
    int64_t t0 = mono_ms();
    store_txn *t;
    hh_sess s;
    conn c;
    int rc;

    memset(out, 0, sizeof *out);
    h->err[0] = '\0';

    rc = hh_sess_init(&s, h);
    s.progress = opt->progress;
    s.progress_ctx = opt->progress_ctx;
    conn_init(&c, h, addr, opt->timeout_ms);
    if (rc)
        goto done;

    rc = store_read_begin(hh_store(h), &t);
    if (rc) {
        hh__store_fail(h, rc);
        goto done;
    }
    addr[0] = '\0';
    if (opt->server_addr) {
        snprintf(addr, sizeof addr, "%s", opt->server_addr);
    } else {
        const void *v;
        size_t len;
        if (store_meta_get(t, "server", &v, &len) == 0 && len < sizeof addr) {
            memcpy(addr, v, len);
            addr[len] = '\0';
        }
    }
    if (addr[0] == '\0') {
        store_read_end(t);
        rc = fail(h, RND_ENOTENROLLED,
                  "sync: no server address: run 'rounds enroll'");
        goto done;
    }
    if (parse_addr(addr, host, sizeof host, port) != 0) {
        store_read_end(t);
        rc = fail(h, RND_EFIELD,
                  "sync: server address '%s' is not HOST:PORT (port "
                  "1..65535)",
                  addr);
        goto done;
    }
    uint64_t recv_start = 0;
    rc = hh__receive_start(t, &recv_start);
    if (rc)
        hh__store_fail(h, rc);
    else
        rc = tls_setup(&c, t);
    store_read_end(t);
    if (rc)
        goto done;

    if ((rc = tcp_connect(&c, host, port)) != 0 || (rc = handshake(&c)) != 0)
        goto done;
    out->tls_resumed = c.offered && c.verified == 0;
    out->cert_promoted = promote_next(&c);
    /* Saved with the sync's last commit (one fsync, not two), or after
     * the exchange if it ended early. */
    uint8_t *sess_blob;
    size_t sess_len;
    take_session(&c, &sess_blob, &sess_len);
    s.tls_session = sess_blob;
    s.tls_session_len = sess_len;
    rc = exchange(&c, &s);
    keep_session(&c, &s, sess_blob, sess_len);
    if (rc)
        rc = keep_progress(h, &s, rc);
    /* Work orders this pull brought to this device's user: received now
     * (receive.c), pushed at the next sync. */
    if (rc == 0 && s.pulled > 0)
        rc = hh__receive_dispatches(h, recv_start, NULL);

done:
    out->pushed = s.pushed;
    out->pulled = s.pulled;
    out->acked_seq = s.acked_seq;
    out->cursor = s.cursor;
    out->cursor_reset = s.cursor_reset;
    out->cert_learned = s.cert_next_learned;
    out->recovered = s.recovered;
    out->renumbered = s.renumbered;
    out->att_up = s.att_up;
    out->att_down = s.att_down;
    out->att_refused = s.att_refused;
    out->att_up_bytes = s.att_up_bytes;
    out->att_down_bytes = s.att_down_bytes;
    snprintf(out->att_error, sizeof out->att_error, "%s", s.att_error);
    snprintf(out->server_error, sizeof out->server_error, "%s", s.server_error);
    if (rc == 0 && s.redirected) {
        f->redirected = 1;
        snprintf(f->node, sizeof f->node, "%s", s.redirect_node);
        snprintf(f->addr, sizeof f->addr, "%s", s.redirect_addr);
        f->cert = s.redirect_cert;
        f->cert_len = s.redirect_cert_len;
        f->epoch = s.redirect_epoch;
        s.redirect_cert = NULL;
    }
    conn_free(&c);
    hh_sess_free(&s);
    out->ms = mono_ms() - t0;
    return rc;
}

typedef struct follow_ctx {
    const follow *f;
} follow_ctx;

static int follow_fn(store_txn *t, void *arg)
{
    const follow *f = ((follow_ctx *)arg)->f;
    int rc;
    /* The node's certificate is the one pinned from now on; the old
     * node's session ticket and announced next certificate are not its.
     * The pull cursor stays: the new node's WELCOME names its store's
     * incarnation, and another one resets the cursor there. */
    if ((rc = store_meta_put(t, "server", f->addr, strlen(f->addr))) ||
        (rc = store_meta_put(t, "server_cert", f->cert, f->cert_len + 1)) ||
        (rc = store_meta_put(t, "server_node", f->node, strlen(f->node))) ||
        (rc = store_meta_put_u64(t, "server_epoch", f->epoch)) ||
        (rc = store_meta_put(t, "server_cert_next", "", 0)))
        return rc;
    return store_meta_put(t, "tls_session", "", 0);
}

/* Checks a REDIRECT and makes its node the enrolled server, durably. It
 * came over the TLS session with the pinned server, so it is the office's
 * word; what is checked is that it is usable and not older than what the
 * handheld knows (a node with a stale directory must not send it back). */
static int follow_node(hh *h, const follow *f)
{
    mbedtls_x509_crt crt;
    char text[200];
    uint64_t known = 0;
    store_txn *t;

    mbedtls_x509_crt_init(&crt);
    int rc = mbedtls_x509_crt_parse(&crt, f->cert, f->cert_len + 1);
    mbedtls_x509_crt_free(&crt);
    if (rc != 0) {
        tls_text(rc, text, sizeof text);
        return fail(h, RND_ECERT,
                    "sync: the server sent this site to node %s at %s, "
                    "whose certificate does not parse (%s): ask the office",
                    f->node, f->addr, text);
    }
    rc = store_read_begin(hh_store(h), &t);
    if (rc)
        return hh__store_fail(h, rc);
    rc = store_meta_get_u64(t, "server_epoch", &known);
    store_read_end(t);
    if (rc == RND_ENOTFOUND)
        rc = 0, known = 0;
    if (rc)
        return hh__store_fail(h, rc);
    if (f->epoch <= known)
        return fail(h, RND_EPROTO,
                    "sync: the server sent this site to node %s at %s with "
                    "epoch %llu, not newer than the epoch %llu this handheld "
                    "followed before: ask the office to check the node "
                    "directory",
                    f->node, f->addr, (unsigned long long)f->epoch,
                    (unsigned long long)known);
    follow_ctx c = {f};
    rc = store_write(hh_store(h), follow_fn, &c);
    return rc ? hh__store_fail(h, rc) : 0;
}

/* Redirects followed in one sync at most: a site moves once in a while;
 * more means two nodes disagree. */
#define REDIRECTS_MAX 3

int hh_sync(hh *h, const hh_sync_options *opt, hh_sync_result *out)
{
    static const hh_sync_options none;
    hh_sync_options o = opt ? *opt : none;
    hh_sync_result dummy;
    int64_t t0 = mono_ms();
    char node[PROTO_NODE_MAX + 1] = "";
    int hops = 0, rc;

    if (out == NULL)
        out = &dummy;
    for (;;) {
        follow f;
        memset(&f, 0, sizeof f);
        rc = sync_once(h, &o, out, &f);
        if (rc == 0 && f.redirected && hops == REDIRECTS_MAX)
            rc = fail(h, RND_EPROTO,
                      "sync: sent on to another node %d times in one sync "
                      "(last to node %s at %s): ask the office to check "
                      "the node directory",
                      hops + 1, f.node, f.addr);
        else if (rc == 0 && f.redirected)
            rc = follow_node(h, &f);
        free(f.cert);
        if (rc || !f.redirected)
            break;
        /* The same sync goes on with the node the site lives on now. */
        hops++;
        snprintf(node, sizeof node, "%s", f.node);
        o.server_addr = NULL;
    }
    out->redirected = hops;
    snprintf(out->node, sizeof out->node, "%s", node);
    out->ms = mono_ms() - t0;
    return rc;
}

/* ---- enrollment from a payload (proto/enrollpay.h) ------------------------
 */

/* Trust on first contact, checked against the payload: every certificate
 * passes the handshake's own check; the caller then compares the SHA-256
 * of the one presented with the payload's before trusting it. */
static int accept_any(void *ctx, mbedtls_x509_crt *crt, int depth,
                      uint32_t *flags)
{
    (void)ctx, (void)crt, (void)depth;
    *flags = 0;
    return 0;
}

/* Connects to addr and takes the certificate the server presents: its DER
 * bytes into *der (malloc'd), *der_len. Nothing is sent but the TLS
 * handshake. */
static int fetch_cert(hh *h, const char *addr, int timeout_ms, uint8_t **der,
                      size_t *der_len)
{
    static const int suites[] = {
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        0,
    };
    static const char pers[] = "rounds-handheld-enroll";
    char host[256], port[6];
    conn c;
    int rc;

    *der = NULL;
    *der_len = 0;
    if (parse_addr(addr, host, sizeof host, port) != 0)
        return fail(h, RND_EFIELD, "enroll: field 'payload': bad address '%s'",
                    addr);
    conn_init(&c, h, addr, timeout_ms);
    rc = mbedtls_ctr_drbg_seed(&c.drbg, mbedtls_entropy_func, &c.entropy,
                               (const unsigned char *)pers, sizeof pers - 1);
    if (rc == 0)
        rc = mbedtls_ssl_config_defaults(&c.conf, MBEDTLS_SSL_IS_CLIENT,
                                         MBEDTLS_SSL_TRANSPORT_STREAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc == 0) {
        mbedtls_ssl_conf_min_version(&c.conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                     MBEDTLS_SSL_MINOR_VERSION_3);
        mbedtls_ssl_conf_max_version(&c.conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                     MBEDTLS_SSL_MINOR_VERSION_3);
        mbedtls_ssl_conf_ciphersuites(&c.conf, suites);
        mbedtls_ssl_conf_authmode(&c.conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
        mbedtls_ssl_conf_verify(&c.conf, accept_any, &c);
        mbedtls_ssl_conf_rng(&c.conf, mbedtls_ctr_drbg_random, &c.drbg);
        rc = mbedtls_ssl_setup(&c.ssl, &c.conf);
    }
    if (rc == 0)
        rc = mbedtls_ssl_set_hostname(&c.ssl, SERVER_CN);
    if (rc != 0) {
        rc = tls_fail(&c, rc, "setting up TLS");
        goto out;
    }
    mbedtls_ssl_set_bio(&c.ssl, &c, bio_send, bio_recv, NULL);
    if ((rc = tcp_connect(&c, host, port)) != 0 || (rc = handshake(&c)) != 0)
        goto out;
    const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&c.ssl);
    if (peer == NULL || peer->raw.len == 0) {
        rc = fail(h, RND_ECERT, "enroll: %s presented no certificate", addr);
        goto out;
    }
    if ((*der = malloc(peer->raw.len)) == NULL) {
        rc = fail(h, RND_ENOMEM, "enroll: out of memory");
        goto out;
    }
    memcpy(*der, peer->raw.p, peer->raw.len);
    *der_len = peer->raw.len;
    mbedtls_ssl_close_notify(&c.ssl);
out:
    conn_free(&c);
    return rc;
}

int hh_payload_names(const char *payload, char site[64], char name[64])
{
    proto_enroll p;
    site[0] = name[0] = '\0';
    if (payload == NULL ||
        proto_enroll_parse(payload, strlen(payload), &p, NULL) != 0)
        return RND_EFIELD;
    memcpy(site, p.site, sizeof p.site);
    memcpy(name, p.dev, sizeof p.dev);
    return 0;
}

int hh_enroll_payload(hh *h, const char *payload, int timeout_ms)
{
    char site[64], name[64], hex[65];
    const char *why;
    proto_enroll p;
    store_txn *t;
    uint8_t *der, digest[32];
    size_t der_len;
    int rc;

    h->err[0] = '\0';
    if (payload == NULL ||
        proto_enroll_parse(payload, strlen(payload), &p, &why) != 0)
        return fail(h, RND_EFIELD,
                    "enroll: field 'payload' is not an enrollment payload "
                    "(%s); it is the text of the office's enrollment QR "
                    "code, '" PROTO_ENROLL_PREFIX "addr=...'",
                    payload ? why : "none given");
    if ((rc = store_read_begin(hh_store(h), &t)) != 0)
        return hh__store_fail(h, rc);
    hh__meta_str(t, "site", site, sizeof site);
    hh__meta_str(t, "name", name, sizeof name);
    store_read_end(t);
    if (strcmp(site, p.site) != 0 || strcmp(name, p.dev) != 0)
        return fail(h, RND_EFIELD,
                    "enroll: field 'payload' enrolls device %s of site %s, "
                    "but this handheld is %s of site %s: nothing stored",
                    p.dev, p.site, name, site);
    if ((rc = fetch_cert(h, p.addr, timeout_ms, &der, &der_len)) != 0)
        return rc;
    proto_sha256(der, der_len, digest);
    for (size_t i = 0; i < sizeof digest; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    if (strcmp(hex, p.fp) != 0) {
        free(der);
        return fail(h, RND_ECERT,
                    "enroll: the server at %s presented a certificate whose "
                    "SHA-256 is %s, not the payload's %s: not trusted, "
                    "nothing stored (someone may be in between; ask the "
                    "office for a new code)",
                    p.addr, hex, p.fp);
    }
    /* The certificate as PEM, stored exactly as hh_enroll stores a file. */
    size_t cap = der_len * 2 + 128, pem_len = 0;
    uint8_t *pem = malloc(cap);
    if (pem == NULL) {
        free(der);
        return fail(h, RND_ENOMEM, "enroll: out of memory");
    }
    rc = mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n",
                                  "-----END CERTIFICATE-----\n", der, der_len,
                                  pem, cap, &pem_len);
    free(der);
    if (rc != 0 || pem_len == 0) {
        free(pem);
        return fail(h, RND_ECERT, "enroll: cannot write the certificate");
    }
    enroll_ctx c = {p.addr, pem, pem_len, p.cred}; /* pem_len has the NUL */
    rc = store_write(hh_store(h), enroll_fn, &c);
    free(pem);
    return rc ? hh__store_fail(h, rc) : 0;
}
