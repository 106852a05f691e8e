/* bench_conns.c: roundsd's memory with many handhelds connected at once,
 * for bench_sync.sh's "conns" row.
 *
 *   bench_conns --port PORT --cert PEM --devices FILE --pid PID [--json]
 *
 * FILE has one enrolled device a line: "SITE NAME CREDENTIAL". For each,
 * one after the other, this opens a TCP connection to 127.0.0.1:PORT, runs
 * a full TLS 1.2 handshake with mbedTLS (the server's certificate as the
 * only trust anchor, host name roundsd, as a handheld does), sends HELLO
 * under a fresh random device id and waits for WELCOME, then keeps the
 * session open and idle: the server holds every one in its SERVING state.
 * Once all are connected it reads roundsd's /proc/PID/status (VmRSS, VmHWM,
 * RssAnon, RssFile), which it also read before the first connection, then
 * closes them all and reads it once more. It also reports the CPU time
 * roundsd spent while they connected (full handshakes: ECDHE and ECDSA).
 *
 * Every wait is bounded: 10 s a socket read, and an alarm ends the whole
 * run after 600 s. Loopback only. Exits 0 when every session got its
 * WELCOME, 1 otherwise, 2 on bad usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "msg.h"
#include "proto.h"

#define MAX_CONNS 20000
#define READ_TIMEOUT_MS 10000
#define RUN_LIMIT_S 600

typedef struct conn {
    mbedtls_net_context net;
    mbedtls_ssl_context ssl;
} conn;

typedef struct mem {
    long rss_kb, hwm_kb, anon_kb, file_kb;
} mem;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Reads the memory lines of /proc/PID/status ("self" for this process). */
static int mem_read(const char *pid, mem *m)
{
    char path[64], line[256];
    FILE *f;

    memset(m, 0, sizeof *m);
    snprintf(path, sizeof path, "/proc/%s/status", pid);
    f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "bench_conns: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        sscanf(line, "VmRSS: %ld", &m->rss_kb);
        sscanf(line, "VmHWM: %ld", &m->hwm_kb);
        sscanf(line, "RssAnon: %ld", &m->anon_kb);
        sscanf(line, "RssFile: %ld", &m->file_kb);
    }
    fclose(f);
    return 0;
}

/* CPU time of the process so far in ms (its main thread's schedstat, in
 * ns; roundsd runs its sessions on one thread). -1 when unreadable. */
static double cpu_read(const char *pid)
{
    char path[64];
    unsigned long long ns;
    FILE *f;
    int ok;

    snprintf(path, sizeof path, "/proc/%s/schedstat", pid);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    ok = fscanf(f, "%llu", &ns) == 1;
    fclose(f);
    return ok ? (double)ns / 1e6 : -1;
}

static int send_all(conn *c, const uint8_t *p, size_t n)
{
    while (n > 0) {
        int w = mbedtls_ssl_write(&c->ssl, p, n);
        if (w == MBEDTLS_ERR_SSL_WANT_READ || w == MBEDTLS_ERR_SSL_WANT_WRITE)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads one whole frame into buf and decodes it into *m. */
static int read_msg(conn *c, uint8_t *buf, size_t cap, proto_msg *m)
{
    size_t got = 0, used, blen;
    const uint8_t *body;
    for (;;) {
        if (proto_frame_next(buf, got, (uint32_t)cap, &body, &blen, &used) == 0)
            return proto_msg_decode(body, blen, m, NULL, 0) ? -1 : 0;
        if (got == cap)
            return -1;
        int r = mbedtls_ssl_read(&c->ssl, buf + got, cap - got);
        if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
}

/* One handheld: TCP, TLS handshake, HELLO, WELCOME. */
static int connect_one(conn *c, const mbedtls_ssl_config *conf,
                       const char *port, char *site, char *name, char *cred)
{
    uint8_t buf[4096];
    proto_msg m;
    size_t n;
    int rc, one = 1;

    if ((rc = mbedtls_net_connect(&c->net, "127.0.0.1", port,
                                  MBEDTLS_NET_PROTO_TCP)) != 0 ||
        (rc = mbedtls_ssl_setup(&c->ssl, conf)) != 0 ||
        (rc = mbedtls_ssl_set_hostname(&c->ssl, "roundsd")) != 0) {
        fprintf(stderr, "bench_conns: connect: -0x%04x\n", (unsigned)-rc);
        return -1;
    }
    /* As the handheld does (handheld/sync.c): no Nagle delay between the
     * small records of a handshake flight. */
    setsockopt(c->net.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    mbedtls_ssl_set_bio(&c->ssl, &c->net, mbedtls_net_send, NULL,
                        mbedtls_net_recv_timeout);
    while ((rc = mbedtls_ssl_handshake(&c->ssl)) != 0) {
        if (rc != MBEDTLS_ERR_SSL_WANT_READ &&
            rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
            fprintf(stderr, "bench_conns: handshake: -0x%04x\n", (unsigned)-rc);
            return -1;
        }
    }
    memset(&m, 0, sizeof m);
    m.type = PROTO_MSG_HELLO;
    m.u.hello.version = PROTO_VERSION;
    do {
        if (proto_random(&m.u.hello.device_id, 8) != 0)
            return -1;
    } while (m.u.hello.device_id == 0);
    m.u.hello.site =
        (proto_bytes){(const uint8_t *)site, (uint32_t)strlen(site)};
    m.u.hello.device =
        (proto_bytes){(const uint8_t *)name, (uint32_t)strlen(name)};
    m.u.hello.credential =
        (proto_bytes){(const uint8_t *)cred, (uint32_t)strlen(cred)};
    if (proto_msg_encode(&m, buf, sizeof buf, &n) != 0 ||
        send_all(c, buf, n) != 0 || read_msg(c, buf, sizeof buf, &m) != 0) {
        fprintf(stderr, "bench_conns: %s/%s: no answer to HELLO\n", site, name);
        return -1;
    }
    if (m.type != PROTO_MSG_WELCOME) {
        fprintf(stderr, "bench_conns: %s/%s: server answered HELLO with %s\n",
                site, name, m.type == PROTO_MSG_ERROR ? "ERROR" : "?");
        return -1;
    }
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_conns --port PORT --cert PEM --devices FILE "
               "--pid PID [--json]\n"
               "Connects every device of FILE (SITE NAME CREDENTIAL a line) "
               "to roundsd on\n"
               "127.0.0.1:PORT at once (TLS, HELLO, WELCOME, then idle) and "
               "reports roundsd's\n"
               "memory from /proc/PID/status before, with all connected, and "
               "after closing.\n");
}

int main(int argc, char **argv)
{
    const char *port = NULL, *cert = NULL, *devices = NULL, *pid = NULL;
    static char site[MAX_CONNS][64], name[MAX_CONNS][64], cred[MAX_CONNS][80];
    mbedtls_entropy_context ent;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt ca;
    mbedtls_ssl_config conf;
    mem before, during, after, self;
    conn *conns = NULL;
    size_t n = 0, nopen = 0;
    double t0, t_conn, cpu0, cpu_conn;
    int json = 0, rc = 1;
    FILE *f;

    for (int i = 1; i < argc; i++) {
        const char **dst = NULL;
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
            continue;
        }
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        }
        dst = strcmp(argv[i], "--port") == 0      ? &port
              : strcmp(argv[i], "--cert") == 0    ? &cert
              : strcmp(argv[i], "--devices") == 0 ? &devices
              : strcmp(argv[i], "--pid") == 0     ? &pid
                                                  : NULL;
        if (dst == NULL || i + 1 >= argc) {
            usage(stderr);
            return 2;
        }
        *dst = argv[++i];
    }
    if (!port || !cert || !devices || !pid) {
        usage(stderr);
        return 2;
    }
    alarm(RUN_LIMIT_S);
    f = fopen(devices, "r");
    if (f == NULL) {
        fprintf(stderr, "bench_conns: %s: %s\n", devices, strerror(errno));
        return 1;
    }
    while (n < MAX_CONNS &&
           fscanf(f, "%63s %63s %79s", site[n], name[n], cred[n]) == 3)
        n++;
    fclose(f);
    /* One descriptor per connection: raise the soft limit if it is low. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n + 64 &&
        rl.rlim_max >= n + 64) {
        rl.rlim_cur = n + 64;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    mbedtls_entropy_init(&ent);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_x509_crt_init(&ca);
    mbedtls_ssl_config_init(&conf);
    conns = calloc(n ? n : 1, sizeof *conns);
    if (conns == NULL ||
        mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, NULL, 0) ||
        mbedtls_x509_crt_parse_file(&ca, cert) ||
        mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
                                    MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT)) {
        fprintf(stderr, "bench_conns: TLS set-up failed\n");
        goto out;
    }
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_read_timeout(&conf, READ_TIMEOUT_MS);
    mbedtls_ssl_conf_max_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3);

    if (mem_read(pid, &before) != 0)
        goto out;
    cpu0 = cpu_read(pid);
    t0 = now_s();
    for (; nopen < n; nopen++) {
        mbedtls_net_init(&conns[nopen].net);
        mbedtls_ssl_init(&conns[nopen].ssl);
        if (connect_one(&conns[nopen], &conf, port, site[nopen], name[nopen],
                        cred[nopen]) != 0) {
            nopen++; /* free this one too */
            goto out;
        }
    }
    t_conn = now_s() - t0;
    cpu_conn = cpu_read(pid) - cpu0;
    sleep(1); /* let the server finish what the last WELCOME started */
    if (mem_read(pid, &during) != 0 || mem_read("self", &self) != 0)
        goto out;
    for (size_t i = 0; i < nopen; i++) {
        mbedtls_ssl_close_notify(&conns[i].ssl);
        mbedtls_ssl_free(&conns[i].ssl);
        mbedtls_net_free(&conns[i].net);
    }
    nopen = 0;
    sleep(2);
    if (mem_read(pid, &after) != 0)
        goto out;
    if (json)
        printf("{\"bench\":\"conns\",\"conns\":%zu,\"connect_s\":%.2f"
               ",\"server_connect_cpu_ms\":%.1f"
               ",\"before_rss_kb\":%ld,\"rss_kb\":%ld,\"hwm_kb\":%ld"
               ",\"anon_kb\":%ld,\"file_kb\":%ld,\"after_rss_kb\":%ld"
               ",\"client_rss_kb\":%ld}\n",
               n, t_conn, cpu_conn, before.rss_kb, during.rss_kb, during.hwm_kb,
               during.anon_kb, during.file_kb, after.rss_kb, self.rss_kb);
    else
        printf("bench_conns: %zu sessions open at once (connected in "
               "%.1f s, %.0f ms of roundsd CPU)\n"
               "roundsd VmRSS: %ld kB before, %ld kB with all connected "
               "(RssAnon %ld, RssFile %ld; VmHWM %ld), %ld kB after closing\n",
               n, t_conn, cpu_conn, before.rss_kb, during.rss_kb,
               during.anon_kb, during.file_kb, during.hwm_kb, after.rss_kb);
    rc = 0;
out:
    for (size_t i = 0; i < nopen; i++) {
        mbedtls_ssl_free(&conns[i].ssl);
        mbedtls_net_free(&conns[i].net);
    }
    free(conns);
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crt_free(&ca);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&ent);
    return rc;
}
