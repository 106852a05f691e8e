/* tlsraw.c: a misbehaving client for the integration tests.
 *
 *   tlsraw PORT CERT.pem tls HEX      TLS handshake, send HEX bytes raw,
 *                                     print the server's answer
 *   tlsraw PORT CERT.pem plain HEX    no TLS at all: send HEX bytes raw
 *   tlsraw PORT CERT.pem session SITE NAME DEVID_HEX CRED ATTACK
 *                                     a HELLO, then (once WELCOME comes)
 *                                     one PUSH of a crafted op: ATTACK is
 *                                     foreign (another device's id), gap
 *                                     (seq have+2), badhash (seq have+1
 *                                     with a wrong prev_hash), fork (seq
 *                                     have, held with other bytes), none (no
 *                                     push: print the WELCOME)
 *
 * Prints one line: "ERROR <NAME>" for the first ERROR frame the server
 * sends, "FRAME <type>" for another frame, "CLOSED" when the server closes
 * without a frame, "HANDSHAKE-FAILED" when TLS fails. Exit 0 whatever the
 * server did (the test script judges), 1 on local errors. Loopback only;
 * every wait is bounded (10 s).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "../../proto/msg.h"
#include "../../proto/proto.h"

/* Positions of the session mode's arguments. */
enum { SITE_ARG = 4, NAME_ARG, DEVID_ARG, CRED_ARG, ATTACK_ARG };

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

static void print_frame(const unsigned char *buf, size_t len)
{
    const uint8_t *body;
    size_t blen, used;
    proto_msg m;
    if (proto_frame_next(buf, len, 1u << 24, &body, &blen, &used) != 0 ||
        proto_msg_decode(body, blen, &m, NULL, 0) != 0) {
        printf("FRAME ?\n");
        return;
    }
    if (m.type == PROTO_MSG_ERROR)
        printf("ERROR %.*s\n", (int)m.u.error.name.len,
               (const char *)m.u.error.name.p);
    else
        printf("FRAME %d\n", m.type);
}

static mbedtls_ssl_context ssl;
static unsigned char in[1 << 16];
static size_t got;

static void send_all(const unsigned char *p, size_t n)
{
    size_t sent = 0;
    while (sent < n) {
        int rc = mbedtls_ssl_write(&ssl, p + sent, n - sent);
        if (rc <= 0)
            return;
        sent += (size_t)rc;
    }
}

/* Reads until one whole frame is buffered; returns 0, or -1 when the
 * server closed or the wait ran out first. */
static int read_frame(size_t *used)
{
    const uint8_t *body;
    size_t blen;
    for (;;) {
        if (proto_frame_next(in, got, 1u << 24, &body, &blen, used) == 0)
            return 0;
        int rc = mbedtls_ssl_read(&ssl, in + got, sizeof in - got);
        if (rc <= 0)
            return -1;
        got += (size_t)rc;
    }
}

static int session(char **argv, unsigned char *out, size_t cap)
{
    proto_msg m;
    size_t n, used;
    memset(&m, 0, sizeof m);
    m.type = PROTO_MSG_HELLO;
    m.u.hello.version = PROTO_VERSION;
    m.u.hello.device_id = strtoull(argv[DEVID_ARG], NULL, 16);
    m.u.hello.site.p = (const uint8_t *)argv[SITE_ARG];
    m.u.hello.site.len = (uint32_t)strlen(argv[SITE_ARG]);
    m.u.hello.device.p = (const uint8_t *)argv[NAME_ARG];
    m.u.hello.device.len = (uint32_t)strlen(argv[NAME_ARG]);
    m.u.hello.credential.p = (const uint8_t *)argv[CRED_ARG];
    m.u.hello.credential.len = (uint32_t)strlen(argv[CRED_ARG]);
    if (proto_msg_encode(&m, out, cap, &n) != 0)
        return 1;
    send_all(out, n);
    if (read_frame(&used) != 0) {
        printf("CLOSED\n");
        return 0;
    }
    const uint8_t *body;
    size_t blen;
    proto_frame_next(in, got, 1u << 24, &body, &blen, &used);
    if (proto_msg_decode(body, blen, &m, NULL, 0) != 0 ||
        m.type != PROTO_MSG_WELCOME || strcmp(argv[ATTACK_ARG], "none") == 0) {
        print_frame(in, got);
        return 0;
    }
    uint64_t have = m.u.welcome.have_seq;
    memmove(in, in + used, got - used);
    got -= used;

    proto_op op;
    uint8_t enc[512];
    size_t elen;
    proto_op_init(&op);
    op.device_id = strtoull(argv[DEVID_ARG], NULL, 16);
    op.seq = have + 1;
    op.hlc = PROTO_HLC_MAKE(1795860000000, 0);
    op.wall_ms = 1795860000000;
    op.kind = PROTO_KIND_DUTYLOG;
    op.action = PROTO_ACTION_CREATE;
    proto_entity_new(op.entity, op.wall_ms);
    proto_op_add_str(&op, "text", "forged", 6);
    if (strcmp(argv[ATTACK_ARG], "foreign") == 0)
        op.device_id = strtoull(argv[DEVID_ARG], NULL, 16) ^ 0x5a5a;
    else if (strcmp(argv[ATTACK_ARG], "gap") == 0)
        op.seq = have + 2;
    else if (strcmp(argv[ATTACK_ARG], "badhash") == 0)
        memset(op.prev_hash, 0xaa, sizeof op.prev_hash);
    else if (strcmp(argv[ATTACK_ARG], "fork") == 0 && have > 0)
        op.seq = have; /* held, with other bytes */
    if (proto_op_encode(&op, enc, sizeof enc, &elen) != 0)
        return 1;
    proto_bytes b = {enc, (uint32_t)elen};
    memset(&m, 0, sizeof m);
    m.type = PROTO_MSG_PUSH;
    m.u.push.batch = 1;
    m.u.push.nops = 1;
    m.u.push.ops = &b;
    if (proto_msg_encode(&m, out, cap, &n) != 0)
        return 1;
    send_all(out, n);
    if (read_frame(&used) != 0)
        printf("CLOSED\n");
    else
        print_frame(in, got);
    return 0;
}

int main(int argc, char **argv)
{
    static unsigned char out[1 << 20];
    int is_session = argc == 9 && strcmp(argv[3], "session") == 0;
    if (argc != 5 && !is_session) {
        fprintf(stderr, "usage: tlsraw PORT CERT tls|plain HEX\n"
                        "       tlsraw PORT CERT session SITE NAME DEVID "
                        "CRED foreign|gap|badhash|fork|none\n");
        return 1;
    }
    size_t n = is_session ? 0 : unhex(argv[4], out, sizeof out);
    mbedtls_net_context net;
    mbedtls_net_init(&net);
    if (mbedtls_net_connect(&net, "127.0.0.1", argv[1],
                            MBEDTLS_NET_PROTO_TCP) != 0) {
        fprintf(stderr, "tlsraw: cannot connect\n");
        return 1;
    }
    if (strcmp(argv[3], "plain") == 0) {
        mbedtls_net_send(&net, out, n);
        int r = mbedtls_net_recv_timeout(&net, in, sizeof in, 10000);
        printf(r > 0 ? "DATA\n" : "CLOSED\n");
        mbedtls_net_free(&net);
        return 0;
    }

    mbedtls_entropy_context ent;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt ca;
    mbedtls_ssl_config conf;
    mbedtls_entropy_init(&ent);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_x509_crt_init(&ca);
    mbedtls_ssl_config_init(&conf);
    mbedtls_ssl_init(&ssl);
    int rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, NULL, 0);
    if (rc == 0)
        rc = mbedtls_x509_crt_parse_file(&ca, argv[2]);
    if (rc == 0)
        rc = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
                                         MBEDTLS_SSL_TRANSPORT_STREAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) {
        fprintf(stderr, "tlsraw: set-up failed: -0x%x\n", -rc);
        return 1;
    }
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_read_timeout(&conf, 10000);
    mbedtls_ssl_setup(&ssl, &conf);
    mbedtls_ssl_set_hostname(&ssl, "roundsd");
    mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, NULL,
                        mbedtls_net_recv_timeout);
    while ((rc = mbedtls_ssl_handshake(&ssl)) != 0) {
        if (rc != MBEDTLS_ERR_SSL_WANT_READ &&
            rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
            printf("HANDSHAKE-FAILED\n");
            return 0;
        }
    }
    if (is_session) {
        rc = session(argv, out, sizeof out);
    } else {
        size_t used;
        send_all(out, n);
        if (read_frame(&used) == 0 || got >= PROTO_FRAME_HEADER)
            print_frame(in, got);
        else
            printf("CLOSED\n");
        rc = 0;
    }
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crt_free(&ca);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&ent);
    mbedtls_net_free(&net);
    return rc;
}
