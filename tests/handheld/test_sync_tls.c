/* test_sync_tls.c: hh_sync over real loopback TLS against a small scripted
 * server in a thread (mbedTLS, the same certificate shape as roundsd's):
 * a full sync with pipelined pushes and a pull, TLS session resumption on
 * the next sync, a certificate that is not the enrolled one (ECERT), the
 * server's refusal (EAUTH), a server that goes silent (ETIMEOUT) and one
 * that hangs up mid-push (ECLOSED), after which a re-run loses nothing;
 * a server breaking the protocol is told so (ERROR EPROTO). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>

#include "../../handheld/handheld.h"
#include "../../proto/msg.h"
#include "../../server/cert.h"
#include "../../storage/store.h"
#include "test.h"

/* The server's self-signed P-256 certificate (CN=roundsd, CA:true) and key,
 * and another certificate it does not hold: made when the test starts by
 * roundsd's own generator, so their validity starts today whatever today
 * is (a certificate embedded here would start on the day it was made). */
static char *srv_crt, *srv_key, *other_crt;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ASSERT(f != NULL);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    ASSERT(n > 0 && n < sizeof buf - 1);
    buf[n] = '\0';
    return strdup(buf);
}

static void make_certs(const char *dir)
{
    char key[4200], crt[4200], okey[4200], ocrt[4200], err[256];
    snprintf(key, sizeof key, "%s/made.key", dir);
    snprintf(crt, sizeof crt, "%s/made.crt", dir);
    snprintf(okey, sizeof okey, "%s/made-other.key", dir);
    snprintf(ocrt, sizeof ocrt, "%s/made-other.crt", dir);
    ASSERT_OK(srv_cert_generate(key, crt, err, sizeof err));
    ASSERT_OK(srv_cert_generate(okey, ocrt, err, sizeof err));
    srv_crt = slurp(crt);
    srv_key = slurp(key);
    other_crt = slurp(ocrt);
}

#define CREDENTIAL "rdc1-good"
#define NFOREIGN 10

/* How the scripted server behaves on the next connection. */
enum mode {
    M_NORMAL,
    M_SILENT,      /* reads HELLO, then never answers */
    M_HANGUP_PUSH, /* closes after the first PUSH, unacked */
    M_BOGUS,       /* a second WELCOME: the client must say EPROTO */
};

static struct {
    int lfd;
    int port;
    atomic_int mode;
    _Atomic uint64_t have_seq; /* the device's ops the server "holds" */
    atomic_int sessions, bad, client_eproto;
    uint32_t max_frame, window;
    uint8_t foreign[NFOREIGN][256];
    size_t foreign_len[NFOREIGN];
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt crt;
    mbedtls_pk_context key;
    mbedtls_ssl_ticket_context ticket;
} srv;

/* ---- the scripted server ------------------------------------------------ */

typedef struct peer {
    mbedtls_ssl_context ssl;
    mbedtls_net_context net;
    uint8_t *buf;
    size_t have;
    proto_bytes ops[PROTO_BATCH_MAX_OPS];
} peer;

static int send_msg(peer *p, const proto_msg *m)
{
    static uint8_t out[PROTO_FRAME_MAX_DEFAULT + PROTO_FRAME_HEADER];
    size_t len, off = 0;
    ASSERT_OK(proto_msg_encode(m, out, sizeof out, &len));
    while (off < len) {
        int w = mbedtls_ssl_write(&p->ssl, out + off, len - off);
        if (w <= 0)
            return -1;
        off += (size_t)w;
    }
    return 0;
}

/* Reads one message; -1 when the client went away. The message points
 * into p->buf until the next call. */
static size_t last_used;
static int recv_msg(peer *p, proto_msg *m)
{
    const uint8_t *body;
    size_t body_len;

    memmove(p->buf, p->buf + last_used, p->have - last_used);
    p->have -= last_used;
    last_used = 0;
    for (;;) {
        int rc = proto_frame_next(p->buf, p->have, PROTO_FRAME_MAX_DEFAULT,
                                  &body, &body_len, &last_used);
        if (rc == 0)
            break;
        if (rc != RND_EAGAIN)
            return -1;
        int r = mbedtls_ssl_read(&p->ssl, p->buf + p->have,
                                 PROTO_FRAME_MAX_DEFAULT + PROTO_FRAME_HEADER -
                                     p->have);
        if (r <= 0)
            return -1;
        p->have += (size_t)r;
    }
    ASSERT_OK(proto_msg_decode(body, body_len, m, p->ops, PROTO_BATCH_MAX_OPS));
    return 0;
}

static void serve(peer *p)
{
    static proto_op op;
    proto_msg m;
    int mode = atomic_load(&srv.mode);

    if (mbedtls_ssl_handshake(&p->ssl) != 0)
        return; /* the client refused our certificate, or hung up */
    if (recv_msg(p, &m) != 0 || m.type != PROTO_MSG_HELLO)
        return;
    if (m.u.hello.credential.len != strlen(CREDENTIAL) ||
        memcmp(m.u.hello.credential.p, CREDENTIAL, strlen(CREDENTIAL))) {
        proto_msg e = {.type = PROTO_MSG_ERROR};
        e.u.error.name = (proto_bytes){(const uint8_t *)"EAUTH", 5};
        e.u.error.message = (proto_bytes){(const uint8_t *)"wrong secret", 12};
        send_msg(p, &e);
        return;
    }
    if (mode == M_SILENT) {
        recv_msg(p, &m); /* until the client gives up */
        return;
    }
    proto_msg w = {.type = PROTO_MSG_WELCOME};
    w.u.welcome.version = PROTO_VERSION;
    w.u.welcome.have_seq = atomic_load(&srv.have_seq);
    w.u.welcome.max_frame = srv.max_frame;
    w.u.welcome.window = srv.window;
    if (send_msg(p, &w))
        return;
    if (mode == M_BOGUS) {
        if (send_msg(p, &w))
            return;
        /* The client's pushes may come first; then its ERROR. */
        while (recv_msg(p, &m) == 0) {
            if (m.type == PROTO_MSG_ERROR && m.u.error.name.len == 6 &&
                memcmp(m.u.error.name.p, "EPROTO", 6) == 0)
                atomic_store(&srv.client_eproto, 1);
        }
        return;
    }
    while (recv_msg(p, &m) == 0) {
        if (m.type == PROTO_MSG_PUSH) {
            if (mode == M_HANGUP_PUSH)
                return;
            for (uint32_t i = 0; i < m.u.push.nops; i++) {
                ASSERT_OK(proto_op_decode(m.u.push.ops[i].p,
                                          m.u.push.ops[i].len, &op));
                if (op.seq != atomic_load(&srv.have_seq) + 1)
                    atomic_fetch_add(&srv.bad, 1);
                atomic_store(&srv.have_seq, op.seq);
            }
            proto_msg a = {.type = PROTO_MSG_PUSH_ACK};
            a.u.push_ack.batch = m.u.push.batch;
            a.u.push_ack.acked_seq = atomic_load(&srv.have_seq);
            if (send_msg(p, &a))
                return;
        } else if (m.type == PROTO_MSG_PULL) {
            uint64_t c = m.u.pull.cursor;
            do {
                proto_bytes b[4];
                proto_msg o = {.type = PROTO_MSG_OPS};
                while (o.u.ops.nops < 4 && c < NFOREIGN) {
                    b[o.u.ops.nops].p = srv.foreign[c];
                    b[o.u.ops.nops].len = (uint32_t)srv.foreign_len[c];
                    o.u.ops.nops++;
                    c++;
                }
                o.u.ops.ops = b;
                o.u.ops.next_cursor = c;
                o.u.ops.more = c < NFOREIGN;
                if (send_msg(p, &o))
                    return;
            } while (c < NFOREIGN);
        } else if (m.type == PROTO_MSG_BYE) {
            proto_msg b = {.type = PROTO_MSG_BYE};
            send_msg(p, &b);
            mbedtls_ssl_close_notify(&p->ssl);
            atomic_fetch_add(&srv.sessions, 1);
            return;
        } else {
            atomic_fetch_add(&srv.bad, 1);
            return;
        }
    }
}

static void *server_main(void *arg)
{
    static peer p;
    p.buf = malloc(PROTO_FRAME_MAX_DEFAULT + PROTO_FRAME_HEADER);
    ASSERT(p.buf != NULL);
    for (;;) {
        int fd = accept(srv.lfd, NULL, NULL);
        if (fd < 0)
            break; /* shut down */
        mbedtls_ssl_init(&p.ssl);
        ASSERT_OK(mbedtls_ssl_setup(&p.ssl, &srv.conf));
        p.net.fd = fd;
        mbedtls_ssl_set_bio(&p.ssl, &p.net, mbedtls_net_send, mbedtls_net_recv,
                            NULL);
        p.have = 0;
        last_used = 0;
        serve(&p);
        mbedtls_ssl_free(&p.ssl);
        close(fd);
    }
    free(p.buf);
    return NULL;
}

static void server_start(void)
{
    static const int suites[] = {
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 0};
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;

    mbedtls_entropy_init(&srv.entropy);
    mbedtls_ctr_drbg_init(&srv.drbg);
    mbedtls_ssl_config_init(&srv.conf);
    mbedtls_x509_crt_init(&srv.crt);
    mbedtls_pk_init(&srv.key);
    mbedtls_ssl_ticket_init(&srv.ticket);
    ASSERT_EQ(mbedtls_ctr_drbg_seed(&srv.drbg, mbedtls_entropy_func,
                                    &srv.entropy, NULL, 0),
              0);
    ASSERT_EQ(mbedtls_x509_crt_parse(&srv.crt, (const uint8_t *)srv_crt,
                                     strlen(srv_crt) + 1),
              0);
    ASSERT_EQ(mbedtls_pk_parse_key(&srv.key, (const uint8_t *)srv_key,
                                   strlen(srv_key) + 1, NULL, 0),
              0);
    ASSERT_EQ(mbedtls_ssl_config_defaults(&srv.conf, MBEDTLS_SSL_IS_SERVER,
                                          MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT),
              0);
    mbedtls_ssl_conf_rng(&srv.conf, mbedtls_ctr_drbg_random, &srv.drbg);
    mbedtls_ssl_conf_min_version(&srv.conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_ciphersuites(&srv.conf, suites);
    ASSERT_EQ(mbedtls_ssl_conf_own_cert(&srv.conf, &srv.crt, &srv.key), 0);
    ASSERT_EQ(mbedtls_ssl_ticket_setup(&srv.ticket, mbedtls_ctr_drbg_random,
                                       &srv.drbg, MBEDTLS_CIPHER_AES_256_GCM,
                                       3600),
              0);
    mbedtls_ssl_conf_session_tickets_cb(&srv.conf, mbedtls_ssl_ticket_write,
                                        mbedtls_ssl_ticket_parse, &srv.ticket);

    srv.lfd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(srv.lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    ASSERT_EQ(listen(srv.lfd, 8), 0);
    ASSERT_EQ(getsockname(srv.lfd, (struct sockaddr *)&sa, &sl), 0);
    srv.port = ntohs(sa.sin_port);
}

static void server_stop(pthread_t th)
{
    shutdown(srv.lfd, SHUT_RDWR);
    pthread_join(th, NULL);
    close(srv.lfd);
    mbedtls_ssl_ticket_free(&srv.ticket);
    mbedtls_pk_free(&srv.key);
    mbedtls_x509_crt_free(&srv.crt);
    mbedtls_ssl_config_free(&srv.conf);
    mbedtls_ctr_drbg_free(&srv.drbg);
    mbedtls_entropy_free(&srv.entropy);
}

static void make_foreign(void)
{
    static proto_op op;
    uint8_t prev[PROTO_HASH_LEN] = {0};
    for (int i = 0; i < NFOREIGN; i++) {
        proto_op_init(&op);
        op.device_id = 0x0ff1ce;
        op.seq = (uint64_t)i + 1;
        op.wall_ms = 1795860000000 + i;
        op.hlc = PROTO_HLC_MAKE(op.wall_ms, 0);
        op.kind = PROTO_KIND_UNIT;
        op.action = PROTO_ACTION_CREATE;
        ASSERT_OK(proto_entity_new(op.entity, op.wall_ms));
        ASSERT_OK(proto_op_add_str(&op, "unit", "3-2-1201", 8));
        memcpy(op.prev_hash, prev, sizeof prev);
        ASSERT_OK(proto_op_encode(&op, srv.foreign[i], sizeof srv.foreign[i],
                                  &srv.foreign_len[i]));
        proto_op_hash(srv.foreign[i], srv.foreign_len[i], prev);
    }
}

/* ---- the handheld side -------------------------------------------------- */

static void record_notes(hh *h, int n)
{
    hh_kv kv[2] = {{"text", "all quiet at the east gate"}, {"by", "li"}};
    hh_batch_item *items = calloc((size_t)n, sizeof *items);
    ASSERT(items != NULL);
    for (int i = 0; i < n; i++) {
        items[i].verb = "log.note";
        items[i].kv = kv;
        items[i].nkv = 2;
    }
    ASSERT_OK(hh_record_many(h, items, (size_t)n, NULL));
    free(items);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ASSERT(f != NULL);
    fputs(text, f);
    fclose(f);
}

typedef struct prog {
    uint64_t pushed, pulled;
} prog;

static void on_progress(const char *phase, uint64_t done, uint64_t total,
                        void *ctx)
{
    prog *p = ctx;
    if (strcmp(phase, "push") == 0)
        p->pushed = done;
    else
        p->pulled = done;
}

int main(void)
{
    char *dir = test_tmpdir("synctls");
    char path[4200], cert[4200], other[4200], addr[64];
    hh_sync_result r;
    hh_status_info st;
    prog pr = {0};
    hh_sync_options opt = {0};
    pthread_t th;
    hh *h;

    /* The test server writes with plain send(): a client that hung up
     * must not kill the test. (The handheld library uses MSG_NOSIGNAL.) */
    signal(SIGPIPE, SIG_IGN);
    make_certs(dir);
    make_foreign();
    srv.max_frame = 64 * 1024; /* many frames for 3000 ops */
    srv.window = 4;
    server_start();
    ASSERT_EQ(pthread_create(&th, NULL, server_main, NULL), 0);
    snprintf(addr, sizeof addr, "127.0.0.1:%d", srv.port);

    snprintf(path, sizeof path, "%s/hh", dir);
    snprintf(cert, sizeof cert, "%s/server.crt", dir);
    snprintf(other, sizeof other, "%s/other.crt", dir);
    write_file(cert, srv_crt);
    write_file(other, other_crt);
    ASSERT_OK(hh_init(path, "S1", "HH-01", &h));
    record_notes(h, 3000);

    /* A certificate that is not the enrolled one. */
    ASSERT_OK(hh_enroll(h, addr, other, CREDENTIAL));
    ASSERT_ERR(hh_sync(h, NULL, &r), RND_ECERT);
    ASSERT(strstr(hh_last_error(h), "certificate") != NULL);

    /* The server refuses the credential. */
    ASSERT_OK(hh_enroll(h, addr, cert, "rdc1-wrong"));
    ASSERT_ERR(hh_sync(h, NULL, &r), RND_EAUTH);
    ASSERT_STR_EQ(r.server_error, "EAUTH: wrong secret");

    /* A full sync: 3000 ops in pipelined batches, 10 pulled. */
    ASSERT_OK(hh_enroll(h, addr, cert, CREDENTIAL));
    opt.progress = on_progress;
    opt.progress_ctx = &pr;
    ASSERT_OK(hh_sync(h, &opt, &r));
    ASSERT_U64_EQ(r.pushed, 3000);
    ASSERT_U64_EQ(r.pulled, NFOREIGN);
    ASSERT_U64_EQ(r.acked_seq, 3000);
    ASSERT_U64_EQ(r.cursor, NFOREIGN);
    ASSERT_EQ(r.tls_resumed, 0);
    ASSERT_U64_EQ(pr.pushed, 3000);
    ASSERT_U64_EQ(pr.pulled, NFOREIGN);
    ASSERT_U64_EQ(atomic_load(&srv.have_seq), 3000);
    ASSERT_EQ(atomic_load(&srv.bad), 0);
    ASSERT_OK(hh_status(h, &st));
    ASSERT_U64_EQ(st.acked_seq, 3000);
    ASSERT_U64_EQ(st.unsynced, 0);
    ASSERT_U64_EQ(st.ops_total, 3000 + NFOREIGN);
    ASSERT_GT(st.last_sync_ms, 0);

    /* The next sync resumes the TLS session and moves only what is new. */
    record_notes(h, 5);
    ASSERT_OK(hh_sync(h, NULL, &r));
    ASSERT_U64_EQ(r.pushed, 5);
    ASSERT_U64_EQ(r.pulled, 0);
    ASSERT_EQ(r.tls_resumed, 1);

    /* The server goes silent: the handheld gives up after the timeout. */
    atomic_store(&srv.mode, M_SILENT);
    opt.timeout_ms = 300;
    ASSERT_ERR(hh_sync(h, &opt, &r), RND_ETIMEOUT);

    /* The server breaks the protocol: the handheld says so and stops. */
    atomic_store(&srv.mode, M_BOGUS);
    ASSERT_ERR(hh_sync(h, &opt, &r), RND_EPROTO);
    ASSERT(strstr(hh_last_error(h), "unexpected WELCOME") != NULL);
    for (int i = 0; i < 200 && !atomic_load(&srv.client_eproto); i++)
        usleep(10000);
    ASSERT_EQ(atomic_load(&srv.client_eproto), 1);

    /* The server hangs up mid-push: nothing is lost, a re-run finishes
     * and still resumes the TLS session. (The first full sync above
     * stored its session only in its last commit, at BYE: the resumption
     * after it shows that commit kept it.) */
    record_notes(h, 50);
    atomic_store(&srv.mode, M_HANGUP_PUSH);
    opt.timeout_ms = 5000;
    ASSERT_ERR(hh_sync(h, &opt, &r), RND_ECLOSED);
    ASSERT_OK(hh_status(h, &st));
    ASSERT_U64_EQ(st.unsynced, 50);
    atomic_store(&srv.mode, M_NORMAL);
    ASSERT_OK(hh_sync(h, &opt, &r));
    ASSERT_EQ(r.tls_resumed, 1);
    ASSERT_U64_EQ(r.pushed, 50);
    ASSERT_U64_EQ(r.acked_seq, 3055);
    ASSERT_U64_EQ(atomic_load(&srv.have_seq), 3055);
    ASSERT_EQ(atomic_load(&srv.bad), 0);
    ASSERT_EQ(atomic_load(&srv.sessions), 3);

    hh_close(h);
    server_stop(th);
    test_rmtree(dir);
    free(dir);
    free(srv_crt);
    free(srv_key);
    free(other_crt);
    printf("test_sync_tls: ok\n");
    return 0;
}
