/* hostile.c: many misbehaving TLS clients at once, for
 * test_e2e_hostile.sh. Every wait is bounded; the output is one line of
 * counts (or one result word) that the script judges.
 *
 *   hostile PORT CERT multi N_TLS N_TCP SECONDS MODE [HEX]
 *       N_TLS connections do the TLS handshake, N_TCP only connect; all
 *       are held for at most SECONDS. MODE says what a TLS one does next:
 *         silent  nothing (handshake and go silent);
 *         half    half a frame: a header announcing 1,000 bytes and 10 of
 *                 them, then nothing;
 *         fill    a header announcing 1 MiB and all of it but one byte,
 *                 then nothing;
 *         send    the bytes HEX, then waits for the server's answer;
 *         reneg   a TLS renegotiation request (a ClientHello record in the
 *                 established session) at once and then every
 *                 HOSTILE_RENEG_MS (default 1000) ms, nothing else.
 *       Prints "UP" on stderr once every TLS handshake is done, then at
 *       the end "handshakes=H failed=F closed=C open=O reconnects=R"
 *       (closed: by the server) and "ERROR <NAME> <count>" for each error
 *       name heard.
 *       HOSTILE_ADDRS=N: connections come from N source addresses,
 *       127.0.1.1 to 127.0.1.N in turn (loopback: Linux routes all of
 *       127/8 to lo), so per-address limits see N peers; honest clients on
 *       127.0.0.1 are none of them.
 *       HOSTILE_RECONNECT_MS=MS: a connection the server closed is opened
 *       again (a new socket, and TLS) MS ms later, until SECONDS are up:
 *       a flood that keeps its connections up.
 *   hostile PORT CERT push SITE NAME DEVID CRED CASE
 *       HELLO, then one PUSH of a hand-made op of seq have+1: str4096 (a
 *       string at the 4,096-byte limit), str4097 (one byte over), fields49
 *       (one field over the 48 allowed), op65537 (an op over 65,536
 *       bytes), badutf8 (a "text" of "bad \xff": not UTF-8), ctrl (a
 *       "text" holding ESC); then PULL 0. Prints the answer to the PUSH
 *       ("ACK" or "ERROR <NAME>") and, after an ACK, "pulled=N" (ops of
 *       the site).
 *   hostile PORT CERT stamps SITE NAME DEVID CRED ORDER WALL_MS
 *       HELLO as a device that has pushed nothing yet, then one PUSH of
 *       two well-formed dispatches of work order ORDER (32 hex), both with
 *       wall_ms WALL_MS: seq 1 to assignee "eve" stamped ten years past
 *       WALL_MS, seq 2 to "mallory" stamped 2^64-1 (the largest HLC);
 *       then PULL 0. Prints the answer to the PUSH and, after an ACK,
 *       "OK pulled=N".
 *   hostile PORT CERT hog SITE NAME DEVID CRED SECONDS
 *       HELLO, then PULL after PULL without ever reading an answer, for at
 *       most SECONDS. Prints "sent=BYTES closed" when the server cut the
 *       connection (it must: its output is full and no frame completes),
 *       "sent=BYTES open" otherwise.
 *   hostile PORT CERT capture BYTES SESSION SITE NAME DEVID CRED
 *       an honest session (HELLO, PULL until the end, BYE) that records
 *       every byte it sends to BYTES and its TLS session to SESSION.
 *       Prints "OK pulled=N".
 *   hostile PORT CERT replay BYTES
 *       sends BYTES verbatim on a new connection (a replay of a captured
 *       session) and reads what comes back until the server closes.
 *       Prints "CLOSED in=N" or "OPEN in=N" (still open after 10 s).
 *   hostile PORT CERT resume SESSION SITE NAME DEVID CRED [flip]
 *       offers the saved TLS session (with flip: its ticket corrupted),
 *       then an honest session. Prints "RESUMED" or "FULL" (the server
 *       did a full handshake: it did not accept the session), then
 *       "OK pulled=N" or what went wrong.
 */
#include <errno.h>
#include <fcntl.h>
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
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_internal.h> /* mbedtls_ssl_write_record: reneg */
#include <mbedtls/x509_crt.h>
#include <msgpack.h>

#include "../../proto/msg.h"
#include "../../proto/proto.h"

/* TLS handshakes a multi run has in progress at once. */
#define MAX_HANDSHAKING 32

static mbedtls_entropy_context ent;
static mbedtls_ctr_drbg_context drbg;
static mbedtls_x509_crt ca;
static mbedtls_ssl_config conf;
static int port;
/* The hog's receive buffer: small, so the server's output backs up at
 * once instead of after the kernel has buffered tens of MB of it. */
static int small_rcvbuf;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "hostile: %s\n", what);
    exit(1);
}

static size_t unhex(const char *hex, unsigned char *out, size_t cap)
{
    size_t n = 0;
    for (; hex[0] && hex[1] && n < cap; hex += 2) {
        unsigned v;
        if (sscanf(hex, "%2x", &v) != 1)
            break;
        out[n++] = (unsigned char)v;
    }
    return n;
}

/* HOSTILE_ADDRS: source addresses to spread connections over (0: the
 * kernel's choice). */
static int src_addrs;
static unsigned src_next;
/* HOSTILE_RENEG_MS, in seconds. */
static double reneg_period = 1.0;
/* HOSTILE_RECONNECT_MS in seconds; < 0: no reconnecting. */
static double reconnect_after = -1;

/* A non-blocking TCP connection to the server. */
static int tcp_connect(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        die("socket (raise ulimit -n)");
    int one = 1, small = 4096;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (small_rcvbuf)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    if (src_addrs > 0) {
        struct sockaddr_in src = {.sin_family = AF_INET};
        src.sin_addr.s_addr =
            htonl(0x7f000100u + 1 + src_next++ % (unsigned)src_addrs);
        if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0)
            die("bind to a 127.0.1.x source address");
    }
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 &&
        errno != EINPROGRESS)
        die("connect");
    return fd;
}

/* ---- one connection ------------------------------------------------------ */

typedef struct conn {
    int fd;
    int tls;
    mbedtls_ssl_context ssl;
    int state; /* 0 handshake, 1 sending, 2 waiting, 3 closed, 4 failed */
    const unsigned char *out;
    size_t out_len, out_off;
    unsigned char in[4096];
    size_t in_len;
    size_t raw_in;  /* bytes received, TLS records included */
    FILE *record;   /* where the bytes sent are copied (capture) */
    char err[32];   /* the first ERROR name heard */
    int want_write; /* the socket was full (or still connecting) */
    int reneg;            /* renegotiate every reneg_period */
    double next_reneg;    /* when the next request goes */
    double closed_at;     /* when the server closed it (reconnecting) */
    mbedtls_ssl_session *resume; /* offered when it connects again */
} conn;

static int c_send(void *arg, const unsigned char *buf, size_t len)
{
    conn *c = arg;
    ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
    c->want_write = n < 0;
    if (n >= 0) {
        if (c->record)
            fwrite(buf, 1, (size_t)n, c->record);
        return (int)n;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    return MBEDTLS_ERR_NET_SEND_FAILED;
}

static int c_recv(void *arg, unsigned char *buf, size_t len)
{
    conn *c = arg;
    ssize_t n = recv(c->fd, buf, len, 0);
    if (n > 0) {
        c->raw_in += (size_t)n;
        return (int)n;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN))
        return MBEDTLS_ERR_SSL_WANT_READ;
    return n == 0 ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
}

/* A connection; a TLS one connects when its handshake starts (later=1:
 * run_all() connects it when its turn comes). */
static void conn_open(conn *c, int tls, int later)
{
    memset(c, 0, sizeof *c);
    c->fd = later && tls ? -1 : tcp_connect();
    c->tls = tls;
    mbedtls_ssl_init(&c->ssl);
    if (tls) {
        if (mbedtls_ssl_setup(&c->ssl, &conf) != 0 ||
            mbedtls_ssl_set_hostname(&c->ssl, "roundsd") != 0)
            die("TLS set-up");
        mbedtls_ssl_set_bio(&c->ssl, c, c_send, c_recv, NULL);
    } else {
        c->state = 2;
    }
}

static void conn_close(conn *c)
{
    mbedtls_ssl_free(&c->ssl);
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

/* Looks at the frames received so far: remembers the first ERROR. */
static void parse_frames(conn *c)
{
    for (;;) {
        const uint8_t *body;
        size_t blen, used;
        proto_msg m;
        if (proto_frame_next(c->in, c->in_len, 1u << 24, &body, &blen, &used) !=
                0 ||
            used > c->in_len)
            return;
        if (proto_msg_decode(body, blen, &m, NULL, 0) == 0 &&
            m.type == PROTO_MSG_ERROR && c->err[0] == '\0')
            snprintf(c->err, sizeof c->err, "%.*s", (int)m.u.error.name.len,
                     (const char *)m.u.error.name.p);
        memmove(c->in, c->in + used, c->in_len - used);
        c->in_len -= used;
    }
}

/* A renegotiation request: a ClientHello handshake message (empty: the
 * server refuses renegotiation on its type alone) as a record of the
 * established session. */
static int send_reneg(conn *c)
{
    mbedtls_ssl_context *s = &c->ssl;
    if (s->out_left > 0)
        return mbedtls_ssl_flush_output(s);
    s->out_msgtype = MBEDTLS_SSL_MSG_HANDSHAKE;
    s->out_msglen = 4;
    s->out_msg[0] = MBEDTLS_SSL_HS_CLIENT_HELLO;
    s->out_msg[1] = s->out_msg[2] = s->out_msg[3] = 0;
    return mbedtls_ssl_write_record(s, 1);
}

/* Moves one connection on as far as it goes without blocking. */
static void conn_step(conn *c)
{
    if (c->state == 0) {
        int rc = mbedtls_ssl_handshake(&c->ssl);
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
            return;
        c->state = rc == 0 ? 1 : 4;
        c->next_reneg = now_s();
    }
    if (c->state == 2 && c->reneg && now_s() >= c->next_reneg) {
        int rc = send_reneg(c);
        if (rc == 0)
            c->next_reneg = now_s() + reneg_period;
        else if (rc != MBEDTLS_ERR_SSL_WANT_WRITE)
            c->state = 3;
    }
    while (c->state == 1 && c->out_off < c->out_len) {
        int rc = mbedtls_ssl_write(&c->ssl, c->out + c->out_off,
                                   c->out_len - c->out_off);
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
            return;
        if (rc < 0) {
            c->state = 3;
            return;
        }
        c->out_off += (size_t)rc;
    }
    if (c->state == 1)
        c->state = 2;
    while (c->state == 2) {
        unsigned char tmp[4096];
        int rc;
        if (c->tls) {
            rc = mbedtls_ssl_read(&c->ssl, tmp, sizeof tmp);
        } else {
            rc = c_recv(c, tmp, sizeof tmp);
            if (rc > 0)
                continue; /* a TLS alert or nothing: not parsed */
        }
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
            return;
        if (rc <= 0) {
            c->state = 3;
            return;
        }
        size_t n = (size_t)rc;
        if (n > sizeof c->in - c->in_len)
            n = sizeof c->in - c->in_len;
        memcpy(c->in + c->in_len, tmp, n);
        c->in_len += n;
        parse_frames(c);
        if (c->in_len == sizeof c->in)
            c->in_len = 0; /* a big frame we do not need whole */
    }
}

/* Runs every connection until each is closed or failed, or until the
 * deadline (or, with stop_when_answered, until each heard an ERROR). */
static double all_up_s; /* when every TLS handshake was done, from start */
static long reconnects;

/* A connection the server closed, made new (reconnecting): a new socket
 * and TLS context, connected when run_all() next gets to it. */
static void conn_again(conn *c)
{
    int tls = c->tls, reneg = c->reneg;
    const unsigned char *out = c->out;
    size_t out_len = c->out_len;
    mbedtls_ssl_session *resume = c->resume;
    conn_close(c);
    conn_open(c, tls, 1);
    c->reneg = reneg;
    c->out = out;
    c->out_len = out_len;
    c->resume = resume;
    if (tls && resume && mbedtls_ssl_set_session(&c->ssl, resume))
        die("setting the session");
    reconnects++;
}

static void run_all(conn *cs, int n, double seconds, int stop_when_answered)
{
    struct pollfd *p = calloc((size_t)n, sizeof *p);
    /* Only connections whose socket is ready are stepped: a thousand
     * idle ones must not cost a thousand reads per wake-up. */
    char *ready = malloc((size_t)n);
    memset(ready, 1, (size_t)n);
    double start = now_s(), end = start + seconds;
    all_up_s = -1;
    while (now_s() < end) {
        int live = 0, handshaking = 0;
        double now = now_s();
        for (int i = 0; i < n; i++) {
            conn *c = &cs[i];
            if (reconnect_after >= 0 && c->state >= 3) {
                if (c->closed_at == 0)
                    c->closed_at = now;
                else if (now - c->closed_at >= reconnect_after) {
                    conn_again(c);
                    ready[i] = 1;
                }
            }
            if (c->reneg && c->state == 2 && now >= c->next_reneg)
                ready[i] = 1;
            /* At most MAX_HANDSHAKING at once, as a real client pool
             * would: a thousand ECDHE computations in one round would
             * outlast the server's handshake timeout. */
            int queued =
                c->state == 0 && c->tls && handshaking++ >= MAX_HANDSHAKING;
            if (!queued && c->fd < 0) {
                c->fd = tcp_connect();
                ready[i] = 1;
            }
            if (!queued && c->state < 3 && ready[i])
                conn_step(c);
            int want = !queued && c->state < 3 &&
                       !(stop_when_answered && c->err[0] != '\0');
            p[i].fd = want ? c->fd : -1;
            p[i].events = POLLIN | (c->want_write ? POLLOUT : 0);
            live += want || queued || (reconnect_after >= 0 && c->state >= 3);
        }
        if (live == 0)
            break;
        if (handshaking == 0 && all_up_s < 0) {
            all_up_s = now_s() - start;
            fprintf(stderr, "UP\n");
        }
        if (poll(p, (nfds_t)n, reconnect_after >= 0 ? 20 : 100) < 0 &&
            errno != EINTR)
            die("poll");
        for (int i = 0; i < n; i++)
            ready[i] = p[i].fd >= 0 && p[i].revents != 0;
    }
    free(ready);
    free(p);
}

/* ---- multi --------------------------------------------------------------- */

static conn one;
static int handshake(conn *c);

static int multi(int ntls, int ntcp, double seconds, const char *mode,
                 const char *hex)
{
    static unsigned char payload[(1 << 20) + 4];
    size_t plen = 0;
    if (strcmp(mode, "fill") == 0) {
        /* A frame of 1 MiB (the default max_frame), all but its last
         * byte: the most a server could be made to buffer per
         * connection before it knows who is talking. */
        plen = unhex("00100000", payload, sizeof payload);
        memset(payload + plen, 0x90, (1 << 20) - 1);
        plen += (1 << 20) - 1;
    } else if (strcmp(mode, "half") == 0) {
        plen = unhex("000003e8", payload, sizeof payload);
        memset(payload + plen, 0x90, 10);
        plen += 10;
    } else if (strcmp(mode, "send") == 0) {
        if (hex == NULL)
            die("send needs HEX");
        plen = unhex(hex, payload, sizeof payload);
    } else if (strcmp(mode, "silent") != 0 && strcmp(mode, "reneg") != 0) {
        die("mode: silent, half, fill, send or reneg");
    }
    int n = ntls + ntcp;
    conn *cs = calloc((size_t)n, sizeof *cs);
    if (cs == NULL)
        die("out of memory");
    /* One full handshake; the others resume its session (a ticket), as
     * handhelds do: the client's ECDHE work would otherwise make a
     * thousand handshakes take half a minute. HOSTILE_FULL=1: all full. */
    mbedtls_ssl_session s;
    mbedtls_ssl_session_init(&s);
    int resume = ntls > 0 && getenv("HOSTILE_FULL") == NULL;
    if (resume) {
        /* Retried: a server busy with other floods may refuse it. */
        int tries = 0, rc = -1;
        while (rc != 0 && tries++ < 100) {
            conn_open(&one, 1, 0);
            rc = handshake(&one);
            if (rc == 0)
                rc = mbedtls_ssl_get_session(&one.ssl, &s);
            conn_close(&one);
            if (rc != 0)
                poll(NULL, 0, 50);
        }
        if (rc != 0)
            die("the first handshake failed");
    }
    for (int i = 0; i < n; i++) {
        conn_open(&cs[i], i < ntls, 1);
        cs[i].out = payload;
        cs[i].out_len = plen;
        cs[i].reneg = strcmp(mode, "reneg") == 0;
        cs[i].resume = resume ? &s : NULL;
        if (resume && i < ntls && mbedtls_ssl_set_session(&cs[i].ssl, &s))
            die("setting the session");
    }
    run_all(cs, n, seconds, strcmp(mode, "send") == 0);
    mbedtls_ssl_session_free(&s);
    int hs = 0, failed = 0, closed = 0, open = 0;
    for (int i = 0; i < n; i++) {
        if (cs[i].tls && cs[i].state >= 1 && cs[i].state <= 3)
            hs++;
        failed += cs[i].state == 4;
        closed += cs[i].state == 3;
        open += cs[i].state < 3;
    }
    printf("handshakes=%d failed=%d closed=%d open=%d up_s=%.1f "
           "reconnects=%ld\n",
           hs, failed, closed, open, all_up_s, reconnects);
    /* Error names and their counts, in order of first appearance. */
    for (int i = 0; i < n; i++) {
        if (cs[i].err[0] == '\0')
            continue;
        int seen = 0, count = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = strcmp(cs[j].err, cs[i].err) == 0;
        if (seen)
            continue;
        for (int j = i; j < n; j++)
            count += strcmp(cs[j].err, cs[i].err) == 0;
        printf("ERROR %s %d\n", cs[i].err, count);
    }
    for (int i = 0; i < n; i++)
        conn_close(&cs[i]);
    free(cs);
    return 0;
}

/* ---- one session, blocking with a deadline ------------------------------- */

/* Waits a little for the socket; -1 once the deadline has passed. */
static int wait_step(conn *c, double end)
{
    if (now_s() >= end)
        return -1;
    struct pollfd p = {c->fd, POLLIN, 0};
    if (poll(&p, 1, 50) < 0 && errno != EINTR)
        die("poll");
    return 0;
}

static int handshake(conn *c)
{
    double end = now_s() + 10;
    for (;;) {
        int rc = mbedtls_ssl_handshake(&c->ssl);
        if (rc == 0)
            return 0;
        if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE)
            return rc;
        if (wait_step(c, end) != 0)
            return -1;
    }
}

static int send_all(conn *c, const uint8_t *p, size_t n)
{
    double end = now_s() + 10;
    size_t off = 0;
    while (off < n) {
        int rc = mbedtls_ssl_write(&c->ssl, p + off, n - off);
        if (rc > 0) {
            off += (size_t)rc;
            continue;
        }
        if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE)
            return -1;
        if (wait_step(c, end) != 0)
            return -1;
    }
    return 0;
}

static uint8_t frame_buf[1 << 21];
static size_t frame_len;

/* Reads one whole frame into m (pointing into frame_buf until the next
 * call). 0, or -1 when the server closed or 10 s went by. */
static int recv_msg(conn *c, proto_msg *m)
{
    static size_t used_before;
    static proto_bytes ops[PROTO_BATCH_MAX_OPS];
    memmove(frame_buf, frame_buf + used_before, frame_len - used_before);
    frame_len -= used_before;
    used_before = 0;
    double end = now_s() + 10;
    for (;;) {
        const uint8_t *body;
        size_t blen, used;
        if (proto_frame_next(frame_buf, frame_len, 1u << 24, &body, &blen,
                             &used) == 0 &&
            used <= frame_len) {
            used_before = used;
            return proto_msg_decode(body, blen, m, ops, PROTO_BATCH_MAX_OPS)
                       ? -1
                       : 0;
        }
        int rc = mbedtls_ssl_read(&c->ssl, frame_buf + frame_len,
                                  sizeof frame_buf - frame_len);
        if (rc > 0) {
            frame_len += (size_t)rc;
            continue;
        }
        if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE)
            return -1;
        if (wait_step(c, end) != 0)
            return -1;
    }
}

static int send_msg(conn *c, const proto_msg *m)
{
    static uint8_t buf[1 << 20];
    size_t n;
    if (proto_msg_encode(m, buf, sizeof buf, &n) != 0)
        die("encode");
    return send_all(c, buf, n);
}

static void print_answer(const proto_msg *m)
{
    if (m->type == PROTO_MSG_ERROR)
        printf("ERROR %.*s\n", (int)m->u.error.name.len,
               (const char *)m->u.error.name.p);
    else if (m->type == PROTO_MSG_PUSH_ACK)
        printf("ACK\n");
    else
        printf("FRAME %d\n", m->type);
}

/* HELLO; returns have_seq, or -1 after printing what came instead. */
static long long hello(conn *c, char **a)
{
    proto_msg m = {.type = PROTO_MSG_HELLO};
    m.u.hello.version = PROTO_VERSION;
    m.u.hello.device_id = strtoull(a[2], NULL, 16);
    m.u.hello.site = (proto_bytes){(const uint8_t *)a[0], strlen(a[0])};
    m.u.hello.device = (proto_bytes){(const uint8_t *)a[1], strlen(a[1])};
    m.u.hello.credential = (proto_bytes){(const uint8_t *)a[3], strlen(a[3])};
    if (send_msg(c, &m) != 0 || recv_msg(c, &m) != 0) {
        printf("CLOSED\n");
        return -1;
    }
    if (m.type != PROTO_MSG_WELCOME) {
        print_answer(&m);
        return -1;
    }
    return (long long)m.u.welcome.have_seq;
}

/* PULL from 0 to the end, then BYE; prints "OK pulled=N". */
static int pull_all(conn *c)
{
    proto_msg m = {.type = PROTO_MSG_PULL};
    uint64_t pulled = 0;
    if (send_msg(c, &m) != 0) {
        printf("CLOSED\n");
        return 0;
    }
    for (;;) {
        if (recv_msg(c, &m) != 0) {
            printf("CLOSED\n");
            return 0;
        }
        if (m.type != PROTO_MSG_OPS) {
            print_answer(&m);
            return 0;
        }
        pulled += m.u.ops.nops;
        if (!m.u.ops.more)
            break;
    }
    m = (proto_msg){.type = PROTO_MSG_BYE};
    if (send_msg(c, &m) != 0 || recv_msg(c, &m) != 0 ||
        m.type != PROTO_MSG_BYE) {
        printf("NO-BYE\n");
        return 0;
    }
    printf("OK pulled=%llu\n", (unsigned long long)pulled);
    return 0;
}

/* ---- hand-made ops ------------------------------------------------------- */

/* An op as the wire has it (proto.h), written field by field so that it
 * can break the limits proto_op_encode() keeps. */
static void make_op(msgpack_sbuffer *sb, uint64_t dev, uint64_t seq,
                    int nfields, size_t str_len)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    uint8_t entity[PROTO_ENTITY_LEN], prev[PROTO_HASH_LEN] = {0};
    proto_entity_new(entity, 1795860000000);
    char *s = malloc(str_len + 1);
    memset(s, 'w', str_len);
    msgpack_pack_array(&pk, 10);
    msgpack_pack_uint8(&pk, PROTO_OP_VERSION);
    msgpack_pack_uint64(&pk, dev);
    msgpack_pack_uint64(&pk, seq);
    msgpack_pack_uint64(&pk, PROTO_HLC_MAKE(1795860000000, 0));
    msgpack_pack_int64(&pk, 1795860000000);
    msgpack_pack_uint8(&pk, PROTO_KIND_DUTYLOG);
    msgpack_pack_bin(&pk, sizeof entity);
    msgpack_pack_bin_body(&pk, entity, sizeof entity);
    msgpack_pack_uint8(&pk, PROTO_ACTION_CREATE);
    msgpack_pack_map(&pk, (size_t)nfields);
    for (int i = 0; i < nfields; i++) {
        char name[16];
        /* Names sorted bytewise: "by" < "f00".. < "text". */
        if (i == 0)
            snprintf(name, sizeof name, "by");
        else if (i == nfields - 1)
            snprintf(name, sizeof name, "text");
        else
            snprintf(name, sizeof name, "f%02d", i);
        msgpack_pack_str(&pk, strlen(name));
        msgpack_pack_str_body(&pk, name, strlen(name));
        size_t len = i == nfields - 1 ? str_len : 1;
        msgpack_pack_str(&pk, len);
        msgpack_pack_str_body(&pk, s, len);
    }
    msgpack_pack_bin(&pk, sizeof prev);
    msgpack_pack_bin_body(&pk, prev, sizeof prev);
    free(s);
}

static int push_case(conn *c, char **a, const char *what)
{
    long long have = hello(c, a);
    if (have < 0)
        return 0;
    uint64_t dev = strtoull(a[2], NULL, 16);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    if (strcmp(what, "str4096") == 0)
        make_op(&sb, dev, (uint64_t)have + 1, 2, PROTO_FIELD_STR_MAX);
    else if (strcmp(what, "str4097") == 0)
        make_op(&sb, dev, (uint64_t)have + 1, 2, PROTO_FIELD_STR_MAX + 1);
    else if (strcmp(what, "fields49") == 0)
        make_op(&sb, dev, (uint64_t)have + 1, PROTO_OP_MAX_FIELDS + 1, 1);
    else if (strcmp(what, "badutf8") == 0 || strcmp(what, "ctrl") == 0) {
        /* A duty log whose "text" is "bad \xff..." or "a\x1b[2J...":
         * the string's 8 bytes come just before prev_hash (bin8 of 32). */
        make_op(&sb, dev, (uint64_t)have + 1, 2, 8);
        memcpy(sb.data + sb.size - 2 - PROTO_HASH_LEN - 8,
               what[0] == 'b' ? "bad \xffwww" : "a\x1b[2Jwww", 8);
    } else if (strcmp(what, "op65537") != 0)
        die("case: str4096 str4097 fields49 op65537 badutf8 ctrl");
    if (strcmp(what, "op65537") == 0) {
        /* 17 strings of 4,000 bytes: over the op limit, each string
         * within its own. */
        msgpack_packer pk;
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        uint8_t entity[PROTO_ENTITY_LEN] = {1}, prev[PROTO_HASH_LEN] = {0};
        static char s[4000];
        memset(s, 'w', sizeof s);
        msgpack_pack_array(&pk, 10);
        msgpack_pack_uint8(&pk, PROTO_OP_VERSION);
        msgpack_pack_uint64(&pk, dev);
        msgpack_pack_uint64(&pk, (uint64_t)have + 1);
        msgpack_pack_uint64(&pk, PROTO_HLC_MAKE(1795860000000, 0));
        msgpack_pack_int64(&pk, 1795860000000);
        msgpack_pack_uint8(&pk, PROTO_KIND_DUTYLOG);
        msgpack_pack_bin(&pk, sizeof entity);
        msgpack_pack_bin_body(&pk, entity, sizeof entity);
        msgpack_pack_uint8(&pk, PROTO_ACTION_CREATE);
        msgpack_pack_map(&pk, 17);
        for (int i = 0; i < 17; i++) {
            char name[16];
            snprintf(name, sizeof name, "f%02d", i);
            msgpack_pack_str(&pk, 3);
            msgpack_pack_str_body(&pk, name, 3);
            msgpack_pack_str(&pk, sizeof s);
            msgpack_pack_str_body(&pk, s, sizeof s);
        }
        msgpack_pack_bin(&pk, sizeof prev);
        msgpack_pack_bin_body(&pk, prev, sizeof prev);
    }
    /* The PUSH frame by hand too: proto_msg_encode() refuses an op over
     * the limit. [3, batch 1, [bin32 op]] */
    static uint8_t f[1 << 18];
    size_t n = 4;
    f[n++] = 0x93;
    f[n++] = 0x03;
    f[n++] = 0x01;
    f[n++] = 0x91;
    f[n++] = 0xc6;
    for (int k = 3; k >= 0; k--)
        f[n++] = (uint8_t)(sb.size >> (8 * k));
    memcpy(f + n, sb.data, sb.size);
    n += sb.size;
    uint32_t body = (uint32_t)(n - 4);
    for (int k = 0; k < 4; k++)
        f[k] = (uint8_t)(body >> (8 * (3 - k)));
    msgpack_sbuffer_destroy(&sb);
    proto_msg m;
    if (send_all(c, f, n) != 0 || recv_msg(c, &m) != 0) {
        printf("CLOSED\n");
        return 0;
    }
    print_answer(&m);
    if (m.type == PROTO_MSG_PUSH_ACK)
        return pull_all(c);
    return 0;
}

/* Two dispatches stamped far ahead, chained as an honest device's
 * (seq 1 from the zero prev_hash, seq 2 on seq 1's hash). */
static int stamps(conn *c, char **a, const char *order, const char *wall)
{
    long long have = hello(c, a);
    if (have < 0)
        return 0;
    if (have != 0)
        die("stamps: the device has pushed before");
    static proto_op op;
    static uint8_t enc[2][4096];
    size_t len[2];
    const int64_t ten_years = 3650LL * 86400000LL;
    int64_t w = atoll(wall);
    static const char *const who[2] = {"eve", "mallory"};
    uint8_t prev[PROTO_HASH_LEN] = {0};
    for (int i = 0; i < 2; i++) {
        proto_op_init(&op);
        op.device_id = strtoull(a[2], NULL, 16);
        op.seq = (uint64_t)i + 1;
        op.hlc = i == 0 ? PROTO_HLC_MAKE(w + ten_years, 0) : UINT64_MAX;
        op.wall_ms = w;
        op.kind = PROTO_KIND_WORKORDER;
        op.action = PROTO_ACTION_DISPATCH;
        if (proto_entity_parse(order, op.entity) != 0)
            die("stamps: ORDER is 32 hex chars");
        memcpy(op.prev_hash, prev, sizeof prev);
        if (proto_op_add_str(&op, "assignee", who[i], strlen(who[i])) ||
            proto_op_add_str(&op, "by", a[1], strlen(a[1])) ||
            proto_op_encode(&op, enc[i], sizeof enc[i], &len[i]))
            die("stamps: encode");
        proto_op_hash(enc[i], len[i], prev);
    }
    proto_bytes ops[2] = {{enc[0], len[0]}, {enc[1], len[1]}};
    proto_msg m = {.type = PROTO_MSG_PUSH};
    m.u.push.batch = 1;
    m.u.push.nops = 2;
    m.u.push.ops = ops;
    if (send_msg(c, &m) != 0 || recv_msg(c, &m) != 0) {
        printf("CLOSED\n");
        return 0;
    }
    print_answer(&m);
    if (m.type == PROTO_MSG_PUSH_ACK)
        return pull_all(c);
    return 0;
}

/* A client that asks and never reads: the server's output fills, then
 * its reading stops; the idle timeout must end it. */
static int hog(conn *c, char **a, double seconds)
{
    if (hello(c, a) < 0)
        return 0;
    uint8_t pull[7] = {0, 0, 0, 3, 0x92, 0x05, 0x00};
    static uint8_t burst[7 * 1024];
    for (size_t k = 0; k < sizeof burst; k += sizeof pull)
        memcpy(burst + k, pull, sizeof pull);
    double end = now_s() + seconds;
    size_t sent = 0;
    int closed = 0;
    while (!closed && now_s() < end) {
        int rc = mbedtls_ssl_write(&c->ssl, burst, sizeof burst);
        if (rc > 0) {
            sent += (size_t)rc;
        } else if (rc == MBEDTLS_ERR_SSL_WANT_WRITE ||
                   rc == MBEDTLS_ERR_SSL_WANT_READ) {
            /* Full: wait, but never read; a reset shows as an error. */
            struct pollfd p = {c->fd, POLLOUT, 0};
            poll(&p, 1, 100);
            if (p.revents & (POLLERR | POLLHUP))
                closed = 1;
        } else {
            closed = 1;
        }
    }
    printf("sent=%zu %s\n", sent, closed ? "closed" : "open");
    return 0;
}

/* ---- capture, replay, resume --------------------------------------------- */

static int save_session(conn *c, const char *path)
{
    mbedtls_ssl_session s;
    mbedtls_ssl_session_init(&s);
    static unsigned char buf[8192];
    size_t n;
    int rc = mbedtls_ssl_get_session(&c->ssl, &s);
    if (rc == 0)
        rc = mbedtls_ssl_session_save(&s, buf, sizeof buf, &n);
    mbedtls_ssl_session_free(&s);
    FILE *f = rc == 0 ? fopen(path, "wb") : NULL;
    if (f == NULL || fwrite(buf, 1, n, f) != n || fclose(f) != 0)
        die("saving the session");
    return 0;
}

static int load_session(conn *c, const char *path, int flip)
{
    static unsigned char buf[8192];
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die("reading the session");
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    mbedtls_ssl_session s;
    mbedtls_ssl_session_init(&s);
    if (mbedtls_ssl_session_load(&s, buf, n) != 0)
        die("loading the session");
    if (flip && s.ticket != NULL && s.ticket_len > 40)
        s.ticket[s.ticket_len / 2] ^= 0x55; /* a forged ticket */
    int rc = mbedtls_ssl_set_session(&c->ssl, &s);
    mbedtls_ssl_session_free(&s);
    return rc;
}

static int replay(const char *path)
{
    static unsigned char buf[1 << 20];
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die("reading the capture");
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    conn *c = &one;
    conn_open(c, 0, 0);
    double end = now_s() + 10;
    size_t off = 0;
    int closed = 0;
    while (now_s() < end && !closed) {
        if (off < n) {
            ssize_t w = send(c->fd, buf + off, n - off, MSG_NOSIGNAL);
            if (w > 0)
                off += (size_t)w;
            else if (w < 0 && errno != EAGAIN && errno != ENOTCONN)
                closed = 1;
        }
        unsigned char tmp[4096];
        int rc = c_recv(c, tmp, sizeof tmp);
        if (rc == MBEDTLS_ERR_SSL_WANT_READ) {
            struct pollfd p = {c->fd, POLLIN, 0};
            poll(&p, 1, 20);
        } else if (rc <= 0) {
            closed = 1;
        }
    }
    printf("%s in=%zu\n", closed ? "CLOSED" : "OPEN", c->raw_in);
    conn_close(c);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4)
        die("usage: see the comment at the top of hostile.c");
    port = atoi(argv[1]);
    if (getenv("HOSTILE_ADDRS"))
        src_addrs = atoi(getenv("HOSTILE_ADDRS"));
    if (getenv("HOSTILE_RENEG_MS"))
        reneg_period = atof(getenv("HOSTILE_RENEG_MS")) / 1000;
    if (getenv("HOSTILE_RECONNECT_MS"))
        reconnect_after = atof(getenv("HOSTILE_RECONNECT_MS")) / 1000;
    mbedtls_entropy_init(&ent);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_x509_crt_init(&ca);
    mbedtls_ssl_config_init(&conf);
    if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, NULL, 0) ||
        mbedtls_x509_crt_parse_file(&ca, argv[2]) ||
        mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
                                    MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT))
        die("TLS configuration");
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    const char *cmd = argv[3];
    int rc = 0;
    if (strcmp(cmd, "multi") == 0 && (argc == 8 || argc == 9)) {
        rc = multi(atoi(argv[4]), atoi(argv[5]), atof(argv[6]), argv[7],
                   argc == 9 ? argv[8] : NULL);
    } else if (strcmp(cmd, "push") == 0 && argc == 9) {
        conn_open(&one, 1, 0);
        if (handshake(&one) != 0)
            printf("HANDSHAKE-FAILED\n");
        else
            rc = push_case(&one, argv + 4, argv[8]);
        conn_close(&one);
    } else if (strcmp(cmd, "stamps") == 0 && argc == 10) {
        conn_open(&one, 1, 0);
        if (handshake(&one) != 0)
            printf("HANDSHAKE-FAILED\n");
        else
            rc = stamps(&one, argv + 4, argv[8], argv[9]);
        conn_close(&one);
    } else if (strcmp(cmd, "hog") == 0 && argc == 9) {
        small_rcvbuf = 1;
        conn_open(&one, 1, 0);
        if (handshake(&one) != 0)
            printf("HANDSHAKE-FAILED\n");
        else
            rc = hog(&one, argv + 4, atof(argv[8]));
        conn_close(&one);
    } else if (strcmp(cmd, "capture") == 0 && argc == 10) {
        conn_open(&one, 1, 0);
        one.record = fopen(argv[4], "wb");
        if (one.record == NULL)
            die("creating the capture");
        if (handshake(&one) != 0) {
            printf("HANDSHAKE-FAILED\n");
        } else {
            save_session(&one, argv[5]);
            if (hello(&one, argv + 6) >= 0)
                rc = pull_all(&one);
        }
        fclose(one.record);
        conn_close(&one);
    } else if (strcmp(cmd, "replay") == 0 && argc == 5) {
        rc = replay(argv[4]);
    } else if (strcmp(cmd, "resume") == 0 && (argc == 9 || argc == 10)) {
        conn_open(&one, 1, 0);
        if (load_session(&one, argv[4], argc == 10) != 0)
            die("setting the session");
        if (handshake(&one) != 0) {
            printf("HANDSHAKE-FAILED\n");
        } else {
            /* A full handshake sends the certificate: far more bytes than
             * an abbreviated one (ServerHello, ticket, Finished). */
            printf("%s\n", one.raw_in > 600 ? "FULL" : "RESUMED");
            if (hello(&one, argv + 5) >= 0)
                rc = pull_all(&one);
        }
        conn_close(&one);
    } else {
        die("usage: see the comment at the top of hostile.c");
    }
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crt_free(&ca);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&ent);
    return rc;
}
