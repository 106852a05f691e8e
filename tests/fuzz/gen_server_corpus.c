/* gen_server_corpus.c: writes the seed corpora of the session and
 * tls_server fuzz targets (fuzz_session.c, fuzz_tls_server.c describe the
 * input format): whole honest sessions and each kind of misbehaviour the
 * server must refuse, in one piece and in random pieces.
 *
 * Usage: gen_server_corpus DIR   (writes DIR/session/ and DIR/tls_server/)
 * The ops are real chained ops of the fuzzed device (FZ_DEV_A), made in a
 * scratch store; the HELLO with the real credential is added by the
 * harness (flag), since the credential differs in every process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ssl.h>

#include "fuzz_env.h"

#define NOPS 12

static uint8_t *op_enc[NOPS + 1];
static size_t op_len[NOPS + 1];
static const char *outdir;
static int written;

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
} buf;

static void put(buf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 1024;
        b->p = realloc(b->p, b->cap);
        if (b->p == NULL)
            abort();
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void put_hex(buf *b, const char *hex)
{
    for (; hex[0] && hex[1]; hex += 2) {
        unsigned v;
        sscanf(hex, "%2x", &v);
        uint8_t c = (uint8_t)v;
        put(b, &c, 1);
    }
}

static void put_msg(buf *b, const proto_msg *m)
{
    static uint8_t tmp[4 * 1024 * 1024];
    size_t n;
    if (proto_msg_encode(m, tmp, sizeof tmp, &n) != 0) {
        fprintf(stderr, "gen: encode failed\n");
        exit(1);
    }
    put(b, tmp, n);
}

static void put_push(buf *b, uint32_t batch, uint64_t from, uint64_t to)
{
    proto_bytes ops[NOPS];
    uint32_t n = 0;
    for (uint64_t s = from; s <= to; s++)
        ops[n++] = (proto_bytes){op_enc[s], (uint32_t)op_len[s]};
    proto_msg m = {.type = PROTO_MSG_PUSH};
    m.u.push.batch = batch;
    m.u.push.nops = n;
    m.u.push.ops = ops;
    put_msg(b, &m);
}

static void put_push_raw(buf *b, const uint8_t *op, size_t len)
{
    proto_bytes o = {op, (uint32_t)len};
    proto_msg m = {.type = PROTO_MSG_PUSH};
    m.u.push.batch = 9;
    m.u.push.nops = 1;
    m.u.push.ops = &o;
    put_msg(b, &m);
}

static void put_pull(buf *b, uint64_t cursor)
{
    proto_msg m = {.type = PROTO_MSG_PULL};
    m.u.pull.cursor = cursor;
    put_msg(b, &m);
}

static void put_bye(buf *b)
{
    proto_msg m = {.type = PROTO_MSG_BYE};
    put_msg(b, &m);
}

static void put_hello(buf *b, uint32_t version, uint64_t id, const char *site,
                      const char *name, const char *cred)
{
    proto_msg m = {.type = PROTO_MSG_HELLO};
    m.u.hello.version = version;
    m.u.hello.device_id = id;
    m.u.hello.site = (proto_bytes){(const uint8_t *)site, strlen(site)};
    m.u.hello.device = (proto_bytes){(const uint8_t *)name, strlen(name)};
    m.u.hello.credential = (proto_bytes){(const uint8_t *)cred, strlen(cred)};
    put_msg(b, &m);
}

static void save(const char *target, const char *name, uint8_t b0, uint8_t b1,
                 const buf *b)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s/%s-%02x%02x", outdir, target, name, b0,
             b1);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fputc(b0, f) == EOF || fputc(b1, f) == EOF ||
        (b->len && fwrite(b->p, 1, b->len, f) != b->len) || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
    written++;
}

/* A session-level stream: written for the session target (flags as given,
 * whole and in pieces) and, through TLS, for the tls_server target. */
static void both(const char *name, int hello, int extra, buf *b)
{
    uint8_t f = (uint8_t)((hello ? 1 : 0) | extra);
    save("session", name, f, 0, b);
    save("session", name, f, 37, b);
    uint8_t t = (uint8_t)(1 | (hello ? 4 : 0));
    save("tls_server", name, t, 0, b);
    save("tls_server", name, (uint8_t)(t | 2), 91, b); /* + close_notify */
    free(b->p);
    memset(b, 0, sizeof *b);
}

static void tls_only(const char *name, uint8_t mode, buf *b)
{
    save("tls_server", name, mode, 0, b);
    save("tls_server", name, mode, 13, b);
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* An op of the fuzzed device changed by hand (its chain is then broken). */
static size_t forged(uint8_t *out, size_t cap, int how)
{
    proto_op op;
    size_t n;
    if (proto_op_decode(op_enc[1], op_len[1], &op) != 0)
        abort();
    static char big[PROTO_FIELD_STR_MAX + 1];
    memset(big, 'z', sizeof big);
    switch (how) {
    case 0:
        op.device_id = FZ_DEV_B; /* EFOREIGN */
        break;
    case 1:
        memset(op.prev_hash, 0xaa, sizeof op.prev_hash); /* ECHAIN */
        break;
    case 2:
        op.seq = 3; /* a gap */
        break;
    case 3:
        /* Strings at the limit, up to the largest op. */
        op.nfields = 0;
        for (int i = 0; i < 15; i++) {
            static char names[16][8];
            snprintf(names[i], sizeof names[i], "f%02d", i);
            if (proto_op_add_str(&op, names[i], big, PROTO_FIELD_STR_MAX))
                break;
        }
        break;
    }
    if (proto_op_encode(&op, out, cap, &n) != 0)
        abort();
    return n;
}

/* The first flight of a TLS client: a ClientHello. */
static int zero_entropy(void *ctx, unsigned char *out, size_t len)
{
    (void)ctx;
    memset(out, 0x11, len);
    return 0;
}

static buf hello_flight;

static int capture(void *ctx, const unsigned char *p, size_t n)
{
    (void)ctx;
    put(&hello_flight, p, n);
    return (int)n;
}

static int no_input(void *ctx, unsigned char *p, size_t n)
{
    (void)ctx;
    (void)p;
    (void)n;
    return MBEDTLS_ERR_SSL_WANT_READ;
}

static void client_hello(void)
{
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_ssl_config_init(&conf);
    mbedtls_ssl_init(&ssl);
    if (mbedtls_ctr_drbg_seed(&drbg, zero_entropy, NULL, NULL, 0) ||
        mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
                                    MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT))
        abort();
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_NONE);
    if (mbedtls_ssl_setup(&ssl, &conf) ||
        mbedtls_ssl_set_hostname(&ssl, "roundsd"))
        abort();
    mbedtls_ssl_set_bio(&ssl, NULL, capture, no_input, NULL);
    (void)mbedtls_ssl_handshake(&ssl);
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_ctr_drbg_free(&drbg);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_server_corpus DIR\n");
        return 2;
    }
    outdir = argv[1];
    char path[600];
    snprintf(path, sizeof path, "%s/session", outdir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/tls_server", outdir);
    mkdir(path, 0755);

    char tmpl[] = "/tmp/rounds-fuzz-gen-XXXXXX";
    if (mkdtemp(tmpl) == NULL)
        return 1;
    store *st = fz_device_make(tmpl, FZ_DEV_A, NOPS, 300);
    store_txn *txn;
    if (store_read_begin(st, &txn) != 0)
        return 1;
    for (uint64_t s = 1; s <= NOPS; s++) {
        const uint8_t *enc;
        if (store_op_get(txn, FZ_DEV_A, s, &enc, &op_len[s], NULL) != 0)
            return 1;
        op_enc[s] = malloc(op_len[s]);
        memcpy(op_enc[s], enc, op_len[s]);
    }
    store_read_end(txn);
    store_close(st);
    snprintf(path, sizeof path, "rm -rf '%s'", tmpl);
    if (system(path) != 0)
        return 1;

    buf b = {0};
    static uint8_t op[PROTO_OP_MAX_BYTES + 8];
    size_t n;

    /* Honest sessions. */
    both("hello-only", 1, 0, &b);
    put_pull(&b, 0), put_bye(&b);
    both("pull-bye", 1, 0, &b);
    put_push(&b, 1, 1, 3), put_pull(&b, 0), put_bye(&b);
    both("push-pull-bye", 1, 0, &b);
    put_push(&b, 1, 1, 2), put_push(&b, 2, 3, 4), put_push(&b, 3, 5, 5);
    put_pull(&b, 0), put_bye(&b);
    both("pipelined", 1, 0, &b);
    put_push(&b, 1, 1, 3), put_push(&b, 2, 1, 3), put_push(&b, 3, 2, 4);
    put_bye(&b);
    both("resend", 1, 0, &b);
    for (uint32_t i = 1; i <= NOPS; i++)
        put_push(&b, i, i, i);
    put_pull(&b, 0), put_bye(&b);
    both("window", 1, 2, &b); /* commits held back: the window fills */
    put_pull(&b, 0), put_pull(&b, 7), put_bye(&b);
    both("pull-nodrain", 1, 4, &b);
    put_pull(&b, 60), put_bye(&b);
    both("pull-middle", 1, 0, &b);
    put_pull(&b, UINT64_MAX), put_bye(&b);
    both("pull-far", 1, 0, &b);

    /* Refused pushes. */
    n = forged(op, sizeof op, 0), put_push_raw(&b, op, n);
    both("foreign", 1, 0, &b);
    n = forged(op, sizeof op, 1), put_push_raw(&b, op, n);
    both("badhash", 1, 0, &b);
    n = forged(op, sizeof op, 2), put_push_raw(&b, op, n);
    both("gap", 1, 0, &b);
    n = forged(op, sizeof op, 3), put_push_raw(&b, op, n);
    both("bigop", 1, 0, &b);
    put_push(&b, 1, 2, 3);
    both("gap-batch", 1, 0, &b);
    /* An op bin of 65,537 bytes; an empty op; an empty batch. */
    put_hex(&b, "00010010"
                "9303"
                "09"
                "91"
                "c6"
                "00010001");
    for (int i = 0; i < 65537; i++)
        put(&b, "\x00", 1);
    both("op-too-big", 1, 0, &b);
    put_hex(&b, "00000006"
                "930301"
                "91c400");
    both("op-empty", 1, 0, &b);
    put_hex(&b, "00000004"
                "930301"
                "90");
    put_bye(&b);
    both("push-empty", 1, 0, &b);
    /* 4,097 ops announced. */
    put_hex(&b, "00000008"
                "930301"
                "dc1001"
                "c401");
    both("push-4097", 1, 0, &b);
    put_hex(&b, "00000007"
                "930301"
                "91c40101");
    both("op-garbage", 1, 0, &b);

    /* Frames. */
    put_hex(&b, "7fffffff00");
    both("frame-2g", 1, 0, &b);
    put_hex(&b, "ffffffff");
    both("frame-4g", 0, 0, &b);
    put_hex(&b, "00010401");
    both("frame-over", 1, 0, &b);
    put_hex(&b, "00000000");
    both("frame-zero", 1, 0, &b);
    /* Before HELLO: a frame far bigger than any HELLO, all but its last
     * byte (it used to be buffered whole on every connection). */
    put_hex(&b, "0000ff00");
    for (int i = 0; i < 0xff00 - 1; i++)
        put(&b, "\x90", 1);
    both("prehello-fill", 0, 0, &b);
    put_hex(&b, "00001001");
    both("prehello-4097", 0, 0, &b);
    put_hex(&b, "00001000");
    for (int i = 0; i < 100; i++)
        put(&b, "\x92", 1);
    both("frame-half", 1, 0, &b);
    put_hex(&b, "00000004c1c1c1c1");
    both("msgpack-garbage", 1, 0, &b);
    put_hex(&b, "00000003920500"
                "0000000192");
    both("msgpack-short", 1, 0, &b);
    put_hex(&b, "0000000493050000");
    both("msgpack-extra", 1, 0, &b);
    put_hex(&b, "000000039205ff");
    both("pull-negative", 1, 0, &b);

    /* Messages out of place. */
    put_pull(&b, 0);
    both("pull-first", 0, 0, &b);
    put_push(&b, 1, 1, 1);
    both("push-first", 0, 0, &b);
    put_hello(&b, 1, FZ_DEV_A, FZ_SITE, FZ_NAME_A, "rdc1-x");
    both("hello-twice", 1, 0, &b);
    put_hex(&b, "00000009"
                "9302"
                "01"
                "00"
                "00"
                "00"
                "00");
    put_hex(&b, "00000008"
                "9308a145a3626164");
    both("client-error", 1, 0, &b);
    put_hex(&b, "00000006960201000000000a");
    both("client-welcome", 1, 0, &b);
    put_hex(&b, "00000004930400"
                "01");
    both("client-ack", 1, 0, &b);
    put_hex(&b, "000000069406"
                "90"
                "00"
                "c2");
    both("client-ops", 1, 0, &b);
    put_bye(&b), put_pull(&b, 0);
    both("after-bye", 1, 0, &b);

    /* Attachments (version 4): offers and wants of attachments no op
     * names, and a chunk of one, after the harness's HELLO. */
    {
        static uint8_t bytes[512];
        proto_msg m = {.type = PROTO_MSG_ATT_OFFER};
        for (int k = 0; k < PROTO_HASH_LEN; k++)
            m.u.att.hash[k] = (uint8_t)(k * 5 + 1);
        put_msg(&b, &m);
        m.type = PROTO_MSG_ATT_WANT;
        m.u.att.offset = 7;
        put_msg(&b, &m);
        put_bye(&b);
        both("att-offer-want", 1, 0, &b);
        m.type = PROTO_MSG_ATT_CHUNK;
        m.u.att.offset = 0;
        m.u.att.total = sizeof bytes;
        m.u.att.data = (proto_bytes){bytes, sizeof bytes};
        put_msg(&b, &m);
        put_bye(&b);
        both("att-chunk", 1, 0, &b);
    }

    /* HELLOs that are refused. */
    put_hello(&b, 1, FZ_DEV_A, FZ_SITE, FZ_NAME_A,
              "rdc1-00000000000000000000000000000000");
    both("hello-badcred", 0, 0, &b);
    put_hello(&b, 99, FZ_DEV_A, FZ_SITE, FZ_NAME_A, "rdc1-");
    both("hello-version", 0, 0, &b);
    put_hello(&b, 1, FZ_DEV_A, "S2", FZ_NAME_A, "rdc1-");
    both("hello-site", 0, 0, &b);
    put_hello(&b, 1, 0, FZ_SITE, "nobody", "rdc1-");
    both("hello-unknown", 0, 0, &b);
    put_hello(&b, 1, FZ_DEV_A, "../..", "a/b", "");
    both("hello-badname", 0, 0, &b);
    put_hello(&b, 1, FZ_DEV_A, FZ_SITE, FZ_NAME_B, "rdc1-");
    both("hello-other", 0, 0, &b);

    /* TLS level. */
    client_hello();
    put(&b, hello_flight.p, hello_flight.len);
    tls_only("clienthello", 0, &b);
    put(&b, hello_flight.p, hello_flight.len / 2);
    tls_only("clienthello-half", 0, &b);
    put(&b, hello_flight.p, hello_flight.len);
    put_hex(&b, "1503030002022815030300");
    tls_only("clienthello-alert", 0, &b);
    put_hex(&b, "474554202f20485454502f312e310d0a0d0a");
    tls_only("http", 0, &b);
    put_hex(&b, "160303ffff01");
    tls_only("record-huge", 0, &b);
    put_hex(&b, "8080010301");
    tls_only("sslv2", 0, &b);
    put_hex(&b, "1503030002012800");
    tls_only("alert-first", 0, &b);
    /* After a valid handshake: raw records. */
    put_hex(&b, "17030300200102030405060708090a0b0c0d0e0f1011121314151617181"
                "91a1b1c1d1e1f20");
    tls_only("appdata-forged", 2, &b);
    put_hex(&b, "1703034801");
    tls_only("appdata-huge", 2, &b);
    put_hex(&b, "15030300020100");
    tls_only("alert-plain", 2, &b);
    put_hex(&b, "140303000101");
    tls_only("ccs-again", 2, &b);
    put(&b, hello_flight.p, hello_flight.len);
    tls_only("renegotiate", 2, &b);
    put_pull(&b, 0), put_bye(&b);
    tls_only("busy", 1 | 4 | 8, &b);
    free(hello_flight.p);
    for (int s = 1; s <= NOPS; s++)
        free(op_enc[s]);
    printf("wrote %d inputs\n", written);
    return 0;
}
