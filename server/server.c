/* server.c: the `roundsd serve` event loop (server.h): listener,
 * connection limit, group commit once per loop iteration, signals and a
 * clean shutdown. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cert.h"
#include "server.h"
#include "stats.h"

typedef struct srv_server {
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_check_t check;
    uv_idle_t idle;
    uv_signal_t sigterm, sigint;
    srv_tls tls;
    srv_ctx ctx;
    srv_registry *reg;
    srv_sites *sites;
    srv_conn_env env;
    srv_cert_next cert_next; /* DATA/server.next.crt, when staged */
    srv_conn *conns;
    uint32_t nconns, max_conns;
    int stopping, stopped;
    /* Connections refused outright, counted for a summary log line. */
    uint64_t refused;
    time_t refused_logged;
} srv_server;

int srv_parse_hostport(const char *s, char *host, size_t cap, int *port)
{
    const char *colon;
    size_t hl;
    if (s == NULL || *s == '\0')
        return RND_EINVAL;
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (end == NULL || end[1] != ':')
            return RND_EINVAL;
        hl = (size_t)(end - s - 1);
        s++;
        colon = end + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL || strchr(s, ':') != colon)
            return RND_EINVAL;
        hl = (size_t)(colon - s);
    }
    if (hl == 0 || hl >= cap)
        return RND_EINVAL;
    memcpy(host, s, hl);
    host[hl] = '\0';
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || p < 0 || p > 65535)
        return RND_EINVAL;
    *port = (int)p;
    return 0;
}

/* ---- connections -------------------------------------------------------- */

static void log_line(srv_server *sv, const char *line)
{
    sv->ctx.log(sv->ctx.log_ctx, line);
}

static void close_all_handles(srv_server *sv);

static void sites_log(void *ctx, const char *line)
{
    log_line(ctx, line);
}

/* An active idle handle only keeps the loop's poll from blocking. */
static void on_idle(uv_idle_t *h)
{
    (void)h;
}

static void on_conn_closed(void *arg, srv_conn *c)
{
    srv_server *sv = arg;
    if (c->prev)
        c->prev->next = c->next;
    else
        sv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    sv->nconns--;
    srv_stats_conn_closed();
    /* The session queued its registry note: let the check flush it. */
    if (!sv->stopped)
        uv_idle_start(&sv->idle, on_idle);
    if (sv->stopping && sv->nconns == 0)
        close_all_handles(sv);
}

static void free_handle(uv_handle_t *h)
{
    free(h);
}

static void refuse(srv_server *sv, uv_stream_t *server)
{
    uv_tcp_t *t = malloc(sizeof *t);
    if (t == NULL)
        return;
    if (uv_tcp_init(&sv->loop, t) != 0) {
        free(t);
        return;
    }
    (void)uv_accept(server, (uv_stream_t *)t);
    uv_close((uv_handle_t *)t, free_handle);
    srv_stats_conn_refused();
    sv->refused++;
    time_t now = time(NULL);
    if (now != sv->refused_logged) {
        char line[160];
        snprintf(line, sizeof line,
                 "busy: %llu connections refused at the limit of %u "
                 "(+%d)",
                 (unsigned long long)sv->refused, sv->max_conns,
                 SRV_BUSY_EXTRA);
        log_line(sv, line);
        sv->refused_logged = now;
    }
}

static void on_connection(uv_stream_t *server, int status)
{
    srv_server *sv = server->data;
    if (status < 0) {
        char line[160];
        snprintf(line, sizeof line, "accept: %s", uv_strerror(status));
        log_line(sv, line);
        return;
    }
    if (sv->stopping)
        return;
    if (sv->nconns >= sv->max_conns + SRV_BUSY_EXTRA) {
        refuse(sv, server);
        return;
    }
    srv_conn *c;
    int busy = sv->nconns >= sv->max_conns;
    int rc = srv_conn_accept(&sv->env, server, busy, &c);
    if (rc) {
        if (rc != RND_EAGAIN) {
            char line[160];
            snprintf(line, sizeof line, "accept: %s", rnd_strerror(rc));
            log_line(sv, line);
        }
        return;
    }
    c->prev = NULL;
    c->next = sv->conns;
    if (sv->conns)
        sv->conns->prev = c;
    sv->conns = c;
    sv->nconns++;
    srv_stats_conn_accepted(busy);
    if (busy) {
        char line[160];
        snprintf(line, sizeof line,
                 "conn peer=%s result=EBUSY (%u connections)", c->peer,
                 sv->nconns);
        log_line(sv, line);
    }
}

/* ---- group commit ------------------------------------------------------- */

/* Commits what the sessions queued and the registry's notes. sync: wait
 * for every commit here (shutdown); otherwise the sites' batches go to the
 * commit thread and are acknowledged when it is done with them. */
static void flush_all(srv_server *sv, int sync)
{
    int rc = sync ? srv_sites_flush(sv->sites) : srv_sites_kick(sv->sites);
    if (rc) {
        char line[200];
        snprintf(line, sizeof line, "commit: %s", rnd_strerror(rc));
        log_line(sv, line);
    }
    rc = srv_registry_flush(sv->reg);
    if (rc) {
        char line[300];
        snprintf(line, sizeof line, "registry: sync notes lost: %s (%s)",
                 rnd_strerror(rc),
                 store_last_raw_text(srv_registry_store(sv->reg)));
        log_line(sv, line);
    }
}

/* After the I/O of an iteration: one store_write per site for every batch
 * the sessions queued, then their acks. */
static void on_check(uv_check_t *h)
{
    srv_server *sv = h->data;
    flush_all(sv, 0);
    /* Batches queued by the callbacks of a flush on this thread must not
     * wait for the next I/O event: an active idle handle keeps the next
     * poll from blocking. (With a round on the commit thread, its end
     * wakes the loop.) */
    if (srv_sites_pending(sv->sites) > 0 && !srv_sites_busy(sv->sites))
        uv_idle_start(&sv->idle, on_idle);
    else
        uv_idle_stop(&sv->idle);
}

/* ---- shutdown ----------------------------------------------------------- */

static void close_all_handles(srv_server *sv)
{
    if (sv->stopped)
        return;
    sv->stopped = 1;
    srv_sites_stop(sv->sites);
    uv_close((uv_handle_t *)&sv->check, NULL);
    uv_close((uv_handle_t *)&sv->idle, NULL);
    uv_close((uv_handle_t *)&sv->sigterm, NULL);
    uv_close((uv_handle_t *)&sv->sigint, NULL);
    srv_stats_stop();
}

static void stop(srv_server *sv)
{
    if (sv->stopping)
        return;
    sv->stopping = 1;
    log_line(sv, "roundsd: stopping");
    uv_close((uv_handle_t *)&sv->listener, NULL);
    /* In-flight commits first, so what sessions pushed is durable and
     * acknowledged before they are told to go. */
    flush_all(sv, 1);
    for (srv_conn *c = sv->conns; c; c = c->next)
        srv_conn_shutdown(c, RND_ECLOSED, "server shutting down");
    flush_all(sv, 1);
    if (sv->nconns == 0)
        close_all_handles(sv);
}

static void on_signal(uv_signal_t *h, int signum)
{
    (void)signum;
    stop(h->data);
}

/* ---- run ---------------------------------------------------------------- */

static int listen_on(srv_server *sv, const char *addr)
{
    char host[256];
    int port;
    if (srv_parse_hostport(addr, host, sizeof host, &port) != 0) {
        fprintf(stderr, "roundsd: --listen %s: expected HOST:PORT\n", addr);
        return RND_EINVAL;
    }
    struct sockaddr_storage ss;
    int rc = uv_ip4_addr(host, port, (struct sockaddr_in *)&ss);
    if (rc)
        rc = uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss);
    if (rc) {
        fprintf(stderr,
                "roundsd: --listen %s: %s is not an IP address (use "
                "127.0.0.1, 0.0.0.0 or an IPv6 address in brackets)\n",
                addr, host);
        return RND_EINVAL;
    }
    uv_tcp_init(&sv->loop, &sv->listener);
    sv->listener.data = sv;
    rc = uv_tcp_bind(&sv->listener, (struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&sv->listener, 511, on_connection);
    if (rc) {
        fprintf(stderr, "roundsd: cannot listen on %s: %s\n", addr,
                uv_strerror(rc));
        uv_close((uv_handle_t *)&sv->listener, NULL);
        return RND_EIO;
    }
    int len = sizeof ss;
    uv_tcp_getsockname(&sv->listener, (struct sockaddr *)&ss, &len);
    int actual = ss.ss_family == AF_INET6
                     ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                     : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        fprintf(stderr, "roundsd: listening on [%s]:%d\n", host, actual);
    else
        fprintf(stderr, "roundsd: listening on %s:%d\n", host, actual);
    fflush(stderr);
    return 0;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* srv_ctx.cert_next: the staged certificate, re-read when it changed, so
 * `roundsd cert next` takes effect without a restart. */
static proto_bytes staged_cert(void *ctx)
{
    srv_server *sv = ctx;
    size_t len;
    const char *pem = srv_cert_next_get(&sv->cert_next, PROTO_CERT_MAX, &len);
    return (proto_bytes){(const uint8_t *)pem, (uint32_t)len};
}

int srv_server_run(const srv_server_config *cfg)
{
    srv_server *sv = calloc(1, sizeof *sv);
    if (sv == NULL)
        return RND_ENOMEM;
    int rc = 0, loop_ok = 0;
    char cert[4096], key[4096], err[4500];
    if (cfg->cert)
        snprintf(cert, sizeof cert, "%s", cfg->cert);
    else
        snprintf(cert, sizeof cert, "%s/server.crt", cfg->data_dir);
    if (cfg->key)
        snprintf(key, sizeof key, "%s", cfg->key);
    else
        snprintf(key, sizeof key, "%s/server.key", cfg->data_dir);
    if (!file_exists(cert) || !file_exists(key)) {
        fprintf(stderr,
                "roundsd: no certificate %s or key %s: run 'roundsd init "
                "--data %s' first\n",
                cert, key, cfg->data_dir);
        free(sv);
        return RND_ENOTFOUND;
    }
    rc = srv_tls_init(&sv->tls, cert, key, err, sizeof err);
    if (rc) {
        fprintf(stderr, "roundsd: %s\n", err);
        goto out;
    }
    rc = srv_registry_open(cfg->data_dir, 1, &sv->reg);
    if (rc) {
        fprintf(stderr, "roundsd: cannot open the registry in %s: %s\n",
                cfg->data_dir, rnd_strerror(rc));
        goto out;
    }
    rc = srv_sites_new(cfg->data_dir, NULL, NULL, &sv->sites);
    if (rc == 0 && cfg->max_clock_offset_ms > 0)
        srv_sites_set_max_offset(sv->sites, cfg->max_clock_offset_ms);
    if (rc)
        goto out;
    sv->ctx.reg = sv->reg;
    sv->ctx.sites = sv->sites;
    sv->ctx.max_frame = cfg->max_frame;
    srv_cert_next_init(&sv->cert_next, cfg->data_dir);
    sv->ctx.cert_next = staged_cert;
    sv->ctx.cert_ctx = sv;
    rc = srv_ctx_init(&sv->ctx);
    if (rc) {
        fprintf(stderr, "roundsd: bad configuration: %s\n", rnd_strerror(rc));
        goto out;
    }
    sv->max_conns = cfg->max_conns ? cfg->max_conns : SRV_MAX_CONNS_DEFAULT;

    rc = uv_loop_init(&sv->loop);
    if (rc) {
        rc = RND_EIO;
        goto out;
    }
    loop_ok = 1;
    sv->env.loop = &sv->loop;
    sv->env.tls = &sv->tls;
    sv->env.ctx = &sv->ctx;
    sv->env.handshake_timeout_ms =
        1000ull * (cfg->handshake_timeout_s ? cfg->handshake_timeout_s
                                            : SRV_HANDSHAKE_TIMEOUT_DEFAULT);
    sv->env.idle_timeout_ms =
        1000ull *
        (cfg->idle_timeout_s ? cfg->idle_timeout_s : SRV_IDLE_TIMEOUT_DEFAULT);
    sv->env.closed = on_conn_closed;
    sv->env.arg = sv;

    rc = srv_sites_start(sv->sites, &sv->loop, sites_log, sv);
    if (rc) {
        fprintf(stderr, "roundsd: cannot start the commit thread: %s\n",
                rnd_strerror(rc));
        uv_run(&sv->loop, UV_RUN_DEFAULT);
        goto out;
    }
    uv_check_init(&sv->loop, &sv->check);
    sv->check.data = sv;
    uv_check_start(&sv->check, on_check);
    uv_idle_init(&sv->loop, &sv->idle);
    sv->idle.data = sv;
    uv_signal_init(&sv->loop, &sv->sigterm);
    uv_signal_init(&sv->loop, &sv->sigint);
    sv->sigterm.data = sv->sigint.data = sv;
    uv_signal_start(&sv->sigterm, on_signal, SIGTERM);
    uv_signal_start(&sv->sigint, on_signal, SIGINT);
    signal(SIGPIPE, SIG_IGN);

    rc = listen_on(sv, cfg->listen ? cfg->listen : SRV_LISTEN_DEFAULT);
    if (rc) {
        close_all_handles(sv);
        uv_run(&sv->loop, UV_RUN_DEFAULT);
        goto out;
    }
    (void)srv_stats_start(&sv->loop, cfg->data_dir); /* DATA/stats.json */
    uv_run(&sv->loop, UV_RUN_DEFAULT);
    flush_all(sv, 1);
    srv_stats_finish();
    log_line(sv, "roundsd: stopped");

out:
    if (loop_ok && uv_loop_close(&sv->loop) != 0) {
        fprintf(stderr, "roundsd: the event loop did not close clean\n");
        if (rc == 0)
            rc = RND_EIO;
    }
    srv_ctx_free(&sv->ctx);
    srv_cert_next_free(&sv->cert_next);
    srv_sites_free(sv->sites);
    srv_registry_close(sv->reg);
    srv_tls_free(&sv->tls);
    free(sv);
    return rc;
}
