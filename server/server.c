/* server.c: the `roundsd serve` event loop (server.h): listener,
 * connection limits (per server, per device), group commit once per loop
 * iteration, signals (a clean shutdown, the log's reopen) and the
 * service manager's notifications. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "../proto/clock.h"
#include "cert.h"
#include "child.h"
#include "datadir.h"
#include "directory.h"
#include "group_refresh.h"
#include "log.h"
#include "server.h"
#include "ship.h"
#include "stats.h"

enum { NOWHERE = 0, IN_POOL = 1, IN_SESSIONS = 2 };

/* ---- a table of address keys and counts --------------------------------- */

/* Open addressing with linear probing and backward-shift deletion; cap is
 * a power of two, at least twice the entries it is meant to hold, so a
 * probe ends soon. Keys are salted per process: a peer cannot choose
 * addresses that collide. */
typedef struct addr_slot {
    srv_addr_key k;
    uint32_t n; /* 0: empty */
} addr_slot;

typedef struct addr_table {
    addr_slot *v;
    size_t cap, used;
    uint64_t salt;
} addr_table;

static int at_init(addr_table *t, size_t entries)
{
    size_t cap = 64;
    while (cap < 2 * entries)
        cap *= 2;
    t->v = calloc(cap, sizeof *t->v);
    t->cap = cap;
    t->used = 0;
    t->salt = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uintptr_t)t;
    return t->v ? 0 : RND_ENOMEM;
}

static void at_free(addr_table *t)
{
    free(t->v);
    t->v = NULL;
}

static void at_clear(addr_table *t)
{
    memset(t->v, 0, t->cap * sizeof *t->v);
    t->used = 0;
}

static size_t at_home(const addr_table *t, const srv_addr_key *k)
{
    uint64_t h = 14695981039346656037ull ^ t->salt;
    h = (h ^ k->len) * 1099511628211ull;
    for (int i = 0; i < k->len; i++)
        h = (h ^ k->b[i]) * 1099511628211ull;
    h ^= h >> 29;
    return (size_t)h & (t->cap - 1);
}

static int key_eq(const srv_addr_key *a, const srv_addr_key *b)
{
    return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

/* The slot holding k, or the empty slot where it would go. */
static size_t at_find(const addr_table *t, const srv_addr_key *k)
{
    size_t i = at_home(t, k);
    while (t->v[i].n != 0 && !key_eq(&t->v[i].k, k))
        i = (i + 1) & (t->cap - 1);
    return i;
}

static uint32_t at_get(const addr_table *t, const srv_addr_key *k)
{
    return t->v[at_find(t, k)].n;
}

/* Adds 1 to k's count. RND_ENOSPACE when k is new and the table holds
 * half its capacity already. */
static int at_inc(addr_table *t, const srv_addr_key *k)
{
    size_t i = at_find(t, k);
    if (t->v[i].n == 0) {
        if (2 * (t->used + 1) > t->cap)
            return RND_ENOSPACE;
        t->v[i].k = *k;
        t->used++;
    }
    t->v[i].n++;
    return 0;
}

/* Takes 1 from k's count, removing k at 0. */
static void at_dec(addr_table *t, const srv_addr_key *k)
{
    size_t i = at_find(t, k);
    if (t->v[i].n == 0 || --t->v[i].n > 0)
        return;
    t->used--;
    /* Backward shift: move up every entry of the run after i that would
     * not be found any more across the hole. */
    size_t hole = i, j = i;
    for (;;) {
        j = (j + 1) & (t->cap - 1);
        if (t->v[j].n == 0)
            break;
        size_t home = at_home(t, &t->v[j].k);
        /* j's entry may fill the hole unless its home lies cyclically
         * in (hole, j]. */
        int stays =
            hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!stays) {
            t->v[hole] = t->v[j];
            hole = j;
        }
    }
    t->v[hole].n = 0;
}

typedef struct srv_server {
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_check_t check;
    uv_idle_t idle;
    uv_signal_t sigterm, sigint, sighup;
    srv_tls tls;
    srv_ctx ctx;
    srv_registry *reg;
    srv_sites *sites;
    ship *ship;           /* the PostgreSQL shipper, with pg_dsn */
    grp_refresher *group; /* the group reports' facts, with pg_dsn */
    srv_conn_env env;
    srv_cert_next cert_next; /* DATA/server.next.crt, when staged */
    srv_child child;         /* the dashboard's process, when configured */
    dir_cache *dir;          /* the node directory, when configured */
    /* Strangers (c->list == IN_POOL), the one silent longest first, and
     * authenticated
     * sessions (IN_SESSIONS); a connection the server closed as a
     * refusal is on neither (NOWHERE) until its close callback. */
    srv_conn *pool_head, *pool_tail, *sessions;
    uint32_t nconns; /* every connection not freed yet */
    uint32_t npool, nsessions;
    uint32_t max_conns, hello_pool, hello_per_addr, max_per_device;
    addr_table per_addr; /* strangers in the pool per address */
    int stopping, stopped;
    int log_file; /* the log is a file (SIGHUP reopens it) */
    /* This minute's refusals before HELLO, for the summary line. */
    uv_timer_t summary;
    int summary_on;
    uint64_t minute_start;
    uint64_t refused_min, dropped_min;
    uint32_t lines_min;
    addr_table addrs_min;
    int addrs_over;
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

/* srv_ctx.log and the stores' lines: the level from what the line is
 * about (a failed commit or lost notes are errors, a fork a warning). */
static void level_log(void *ctx, const char *line)
{
    (void)ctx;
    srv_log_level lv = SRV_LOG_INFO;
    if (strncmp(line, "storage:", 8) == 0 ||
        strncmp(line, "registry:", 9) == 0 || strncmp(line, "commit:", 7) == 0)
        lv = SRV_LOG_ERROR;
    else if (strncmp(line, "fork ", 5) == 0 || strncmp(line, "accept:", 7) == 0)
        lv = SRV_LOG_WARN;
    srv_log_line(lv, line);
}

/* Tells the service manager (systemd, Type=notify) the server's state: a
 * no-op without $NOTIFY_SOCKET. */
static void notify_status(srv_server *sv, const char *state)
{
    sd_notifyf(0, "%sSTATUS=%s: %u sessions, %u connections", state,
               sv->stopping ? "stopping" : "serving", sv->nsessions,
               sv->nconns);
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

/* ---- strangers: the pool, refusals, the log ---------------------------- */

static void pool_append(srv_server *sv, srv_conn *c)
{
    c->prev = sv->pool_tail;
    c->next = NULL;
    if (sv->pool_tail)
        sv->pool_tail->next = c;
    else
        sv->pool_head = c;
    sv->pool_tail = c;
}

static void pool_unlink(srv_server *sv, srv_conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        sv->pool_head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        sv->pool_tail = c->prev;
    c->prev = c->next = NULL;
}

/* env.stranger_active: bytes from a stranger move it to the pool's tail,
 * so the head is the one silent longest (the first to go when the pool is
 * full): a handheld on its way through TLS and HELLO talks every round
 * trip, a flood's idle connections do not. */
static void stranger_active(void *arg, srv_conn *c)
{
    srv_server *sv = arg;
    if (c->list != IN_POOL || sv->pool_tail == c)
        return;
    pool_unlink(sv, c);
    pool_append(sv, c);
}

static void pool_leave(srv_server *sv, srv_conn *c)
{
    pool_unlink(sv, c);
    c->list = NOWHERE;
    sv->npool--;
    at_dec(&sv->per_addr, &c->addr);
}

static void sessions_leave(srv_server *sv, srv_conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        sv->sessions = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    c->list = NOWHERE;
    sv->nsessions--;
}

/* A line about a stranger: at most SRV_PREHELLO_LINES a minute are
 * written, so a flood cannot fill the disk; the summary counts the rest. */
static void stranger_line(srv_server *sv, const char *line)
{
    if (sv->lines_min >= SRV_PREHELLO_LINES) {
        sv->dropped_min++;
        return;
    }
    sv->lines_min++;
    log_line(sv, line);
}

/* A stranger's connection ended without an accepted HELLO. */
static void count_refused(srv_server *sv, const srv_conn *c)
{
    sv->refused_min++;
    if (at_get(&sv->addrs_min, &c->addr) == 0 &&
        at_inc(&sv->addrs_min, &c->addr) != 0)
        sv->addrs_over = 1;
}

/* Logs this minute's refusals before HELLO, if any, and starts the next
 * minute. */
static void summarize(srv_server *sv)
{
    uint64_t now = uv_now(&sv->loop);
    if (sv->refused_min > 0 || sv->dropped_min > 0) {
        char span[32], line[300];
        uint64_t ms = now - sv->minute_start;
        if (ms + 500 >= SRV_PREHELLO_SUMMARY_MS)
            snprintf(span, sizeof span, "the last minute");
        else
            snprintf(span, sizeof span, "the last %llu s",
                     (unsigned long long)((ms + 999) / 1000));
        snprintf(line, sizeof line,
                 "prehello: %llu connections refused before HELLO from "
                 "%s%zu addresses in %s (%llu lines not logged)",
                 (unsigned long long)sv->refused_min,
                 sv->addrs_over ? "at least " : "", sv->addrs_min.used, span,
                 (unsigned long long)sv->dropped_min);
        log_line(sv, line);
    }
    sv->minute_start = now;
    sv->refused_min = sv->dropped_min = 0;
    sv->lines_min = 0;
    if (sv->addrs_min.used > 0)
        at_clear(&sv->addrs_min);
    sv->addrs_over = 0;
}

static void on_summary(uv_timer_t *t)
{
    summarize(t->data);
    notify_status(t->data, "");
}

/* srv_conn_env.log_refused: tls.c's lines about strangers. */
static void conn_refused_log(void *arg, srv_conn *c, const char *line)
{
    (void)c;
    stranger_line(arg, line);
}

/* srv_ctx.log_refused: the line of a refused HELLO, with the peer. */
static void hello_refused_log(void *log_ctx, void *owner, const char *line)
{
    (void)log_ctx;
    srv_conn *c = owner;
    char buf[600];
    snprintf(buf, sizeof buf, "%s peer=%s", line, c->peer);
    stranger_line(c->env->arg, buf);
}

/* Sessions the device of c (its site and name: one credential) holds. */
static uint32_t device_sessions(srv_server *sv, srv_conn *c)
{
    const char *site = srv_session_site(c->session);
    const char *dev = srv_session_device(c->session);
    uint32_t n = 0;
    for (srv_conn *o = sv->sessions; o; o = o->next)
        if (o->session && o != c &&
            srv_session_state_of(o->session) != SRV_CLOSING &&
            strcmp(srv_session_device(o->session), dev) == 0 &&
            strcmp(srv_session_site(o->session), site) == 0)
            n++;
    return n;
}

/* srv_ctx.admit: a HELLO passed every check; it takes a session slot,
 * unless its device already holds max_conns_per_device of them. */
static int admit(void *ctx, void *owner, const char **why)
{
    srv_server *sv = ctx;
    srv_conn *c = owner;
    static char msg[200];
    if (c->list != IN_POOL)
        return RND_EBUSY;
    uint32_t mine = device_sessions(sv, c);
    if (mine >= sv->max_per_device) {
        snprintf(msg, sizeof msg,
                 "this device already has %u connection%s open to the "
                 "server (max_conns_per_device %u); let it finish, then "
                 "retry",
                 mine, mine == 1 ? "" : "s", sv->max_per_device);
        *why = msg;
        return RND_EBUSY;
    }
    if (sv->nsessions >= sv->max_conns)
        return RND_EBUSY;
    pool_leave(sv, c);
    c->prev = NULL;
    c->next = sv->sessions;
    if (sv->sessions)
        sv->sessions->prev = c;
    sv->sessions = c;
    c->list = IN_SESSIONS;
    sv->nsessions++;
    c->authed = 1;
    srv_log(SRV_LOG_DEBUG,
            "session site=%s device=%s admitted (%u of the device, %u in all)",
            srv_session_site(c->session), srv_session_device(c->session),
            mine + 1, sv->nsessions);
    return 0;
}

/* Closes c, a stranger the server refuses: over its address's limit
 * (during accept), or the oldest of a full pool (during hello); limit
 * names the configuration key. */
static void refuse(srv_server *sv, srv_conn *c, const char *during,
                   const char *limit, uint32_t value)
{
    if (c->list == IN_POOL)
        pool_leave(sv, c);
    count_refused(sv, c);
    char line[300];
    snprintf(line, sizeof line, "conn peer=%s result=EBUSY during=%s %s=%u",
             c->peer, during, limit, value);
    stranger_line(sv, line);
    srv_stats_error(RND_EBUSY);
    srv_conn_close(c);
}

static void on_conn_closed(void *arg, srv_conn *c)
{
    srv_server *sv = arg;
    if (c->list == IN_POOL) {
        pool_leave(sv, c);
        count_refused(sv, c);
    } else if (c->list == IN_SESSIONS) {
        sessions_leave(sv, c);
    }
    sv->nconns--;
    srv_stats_conn_closed();
    /* The session queued its registry note: let the check flush it. */
    if (!sv->stopped)
        uv_idle_start(&sv->idle, on_idle);
    if (sv->stopping && sv->nconns == 0)
        close_all_handles(sv);
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
    srv_conn *c;
    int rc = srv_conn_accept(&sv->env, server, 0, &c);
    if (rc) {
        if (rc != RND_EAGAIN) {
            char line[160];
            snprintf(line, sizeof line, "accept: %s", rnd_strerror(rc));
            log_line(sv, line);
        }
        return;
    }
    c->list = NOWHERE;
    sv->nconns++;
    int over = at_get(&sv->per_addr, &c->addr) >= sv->hello_per_addr;
    srv_stats_conn_accepted(over);
    if (over) {
        refuse(sv, c, "accept", "hello_per_addr", sv->hello_per_addr);
        return;
    }
    if (sv->npool >= sv->hello_pool && sv->pool_head != NULL) {
        /* The stranger silent longest goes (stranger_active()), if it had
         * its chance; else the newcomer does. */
        srv_conn *old = sv->pool_head;
        if (uv_now(&sv->loop) - old->heard_ms < SRV_STRANGER_GRACE_MS) {
            refuse(sv, c, "accept", "hello_pool", sv->hello_pool);
            return;
        }
        srv_stats_conn_refused();
        refuse(sv, old, "hello", "hello_pool", sv->hello_pool);
    }
    if (at_inc(&sv->per_addr, &c->addr) != 0) { /* not reached: sized */
        refuse(sv, c, "accept", "hello_pool", sv->hello_pool);
        return;
    }
    pool_append(sv, c);
    c->list = IN_POOL;
    sv->npool++;
}

/* ---- group commit ------------------------------------------------------- */

/* Commits what the sessions queued and the registry's notes. sync: wait
 * for every commit here (shutdown); otherwise the sites' batches go to the
 * commit thread and are acknowledged when it is done with them, and the
 * notes to a worker of the loop's pool: the loop never waits for an fsync
 * of theirs. */
static void flush_all(srv_server *sv, int sync)
{
    int rc = sync ? srv_sites_flush(sv->sites) : srv_sites_kick(sv->sites);
    if (rc) {
        char line[200];
        snprintf(line, sizeof line, "commit: %s", rnd_strerror(rc));
        log_line(sv, line);
    }
    if (!sync) {
        srv_registry_kick(sv->reg); /* commits on a worker; logs errors */
        return;
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

/* The uploads' budget per turn of the loop (tls.h). Test builds only
 * (-DROUNDS_TEST_CLOCK=ON): $ROUNDSD_TEST_UPLOAD_TURN bytes instead, so a
 * test can make an upload wait at nearly every turn (1), or never (0). */
static size_t upload_turn_bytes(void)
{
    const char *v =
        rnd_clock_pinnable() ? getenv("ROUNDSD_TEST_UPLOAD_TURN") : NULL;
    return v ? (size_t)strtoull(v, NULL, 10) : SRV_UPLOAD_TURN_BYTES;
}

/* After the I/O of an iteration: one store_write per site for every batch
 * the sessions queued, then their acks. */
static void on_check(uv_check_t *h)
{
    srv_server *sv = h->data;
    /* Uploads parked for this turn go on (before the flush, which takes
     * what they queue); if some still wait, the next poll must not block
     * either. */
    int parked = srv_conn_turn(&sv->env);
    flush_all(sv, 0);
    /* Batches queued by the callbacks of a flush on this thread must not
     * wait for the next I/O event: an active idle handle keeps the next
     * poll from blocking. (With a round on the commit thread, its end
     * wakes the loop.) */
    if (parked ||
        (srv_sites_pending(sv->sites) > 0 && !srv_sites_busy(sv->sites)))
        uv_idle_start(&sv->idle, on_idle);
    else
        uv_idle_stop(&sv->idle);
}

/* The shipper's and the group refresh's state into the stats (stats.h),
 * on the loop thread. */
static void pg_fill_stats(void *ctx, srv_stats_snap *s)
{
    srv_server *sv = ctx;
    grp_stats gs;
    grp_get_stats(sv->group, &gs);
    s->group_enabled = sv->group != NULL;
    s->group_connected = gs.connected;
    s->group_refreshes = gs.refreshes;
    s->group_rows = gs.rows;
    s->group_errors = gs.errors;
    s->group_last_ms = gs.last_ms;
    s->group_last_error_ms = gs.last_error_ms;
    snprintf(s->group_last_error, sizeof s->group_last_error, "%s",
             gs.last_error);
    ship_stats st;
    ship_get_stats(sv->ship, &st);
    s->ship_enabled = st.enabled;
    s->ship_connected = st.connected;
    s->ship_positions_known = st.positions_known;
    s->ship_ops = st.ops_shipped;
    s->ship_records = st.records_shipped;
    s->ship_txns = st.txns;
    s->ship_behind = st.ops_behind;
    s->ship_lag_ms = (uint64_t)(st.lag_ms > 0 ? st.lag_ms : 0);
    s->ship_errors = st.errors;
    s->ship_last_error_ms = st.last_error_ms;
    snprintf(s->ship_last_error, sizeof s->ship_last_error, "%s",
             st.last_error);
}

/* ---- shutdown ----------------------------------------------------------- */

static void close_all_handles(srv_server *sv)
{
    if (sv->stopped)
        return;
    sv->stopped = 1;
    srv_sites_stop(sv->sites);
    ship_detach(sv->ship);
    grp_refresher_detach(sv->group);
    if (sv->summary_on) {
        summarize(sv);
        uv_close((uv_handle_t *)&sv->summary, NULL);
    }
    uv_close((uv_handle_t *)&sv->check, NULL);
    uv_close((uv_handle_t *)&sv->idle, NULL);
    uv_close((uv_handle_t *)&sv->sigterm, NULL);
    uv_close((uv_handle_t *)&sv->sigint, NULL);
    uv_close((uv_handle_t *)&sv->sighup, NULL);
    srv_child_stop(&sv->child);
    srv_stats_stop();
}

static void stop(srv_server *sv)
{
    if (sv->stopping)
        return;
    sv->stopping = 1;
    srv_log(SRV_LOG_INFO, "stopping");
    notify_status(sv, "STOPPING=1\n");
    uv_close((uv_handle_t *)&sv->listener, NULL);
    /* In-flight commits first, so what sessions pushed is durable and
     * acknowledged before they are told to go. */
    flush_all(sv, 1);
    for (srv_conn *c = sv->sessions; c; c = c->next)
        srv_conn_shutdown(c, RND_ECLOSED, "server shutting down");
    for (srv_conn *c = sv->pool_head; c; c = c->next)
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

/* SIGHUP: the log file is opened again (logrotate renamed it); nothing
 * else is re-read, and every session goes on. */
static void on_sighup(uv_signal_t *h, int signum)
{
    (void)signum;
    srv_server *sv = h->data;
    sd_notify(0, "RELOADING=1");
    if (srv_log_reopen() != 0)
        srv_log(SRV_LOG_ERROR,
                "SIGHUP: cannot reopen the log file: %s; still writing to "
                "the old one",
                strerror(errno));
    else
        srv_log(SRV_LOG_INFO, "SIGHUP: %s (%u sessions go on)",
                sv->log_file ? "log reopened"
                             : "logging to stderr, nothing "
                               "to reopen",
                sv->nsessions);
    srv_child_signal(&sv->child, SIGHUP); /* the dashboard's log too */
    notify_status(sv, "READY=1\n");
}

/* ---- run ---------------------------------------------------------------- */

static int listen_on(srv_server *sv, const char *addr)
{
    char host[256];
    int port;
    if (srv_parse_hostport(addr, host, sizeof host, &port) != 0) {
        srv_log(SRV_LOG_ERROR, "--listen %s: expected HOST:PORT", addr);
        return RND_EINVAL;
    }
    struct sockaddr_storage ss;
    int rc = uv_ip4_addr(host, port, (struct sockaddr_in *)&ss);
    if (rc)
        rc = uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss);
    if (rc) {
        srv_log(SRV_LOG_ERROR,
                "--listen %s: %s is not an IP address (use 127.0.0.1, "
                "0.0.0.0 or an IPv6 address in brackets)",
                addr, host);
        return RND_EINVAL;
    }
    uv_tcp_init(&sv->loop, &sv->listener);
    sv->listener.data = sv;
    rc = uv_tcp_bind(&sv->listener, (struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&sv->listener, 511, on_connection);
    if (rc) {
        srv_log(SRV_LOG_ERROR, "cannot listen on %s: %s", addr,
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
        srv_log(SRV_LOG_INFO, "listening on [%s]:%d", host, actual);
    else
        srv_log(SRV_LOG_INFO, "listening on %s:%d", host, actual);
    return 0;
}

/* The registry's notes of site are durable (any thread): the dashboard's
 * event streams of site wake. */
static void sync_landed(void *ctx, const char *site)
{
    srv_child_notify(ctx, site);
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

/* srv_ctx.where: the directory's cache, memory only. */
static int dir_where(void *ctx, const char *site, srv_node_ref *to)
{
    return dir_cache_where(ctx, site, to);
}

int srv_server_run(const srv_server_config *cfg)
{
    srv_server *sv = calloc(1, sizeof *sv);
    if (sv == NULL)
        return RND_ENOMEM;
    int rc = 0, loop_ok = 0;
    char cert[4096], key[4096], err[4500];
    srv_log_level level = SRV_LOG_LEVEL_DEFAULT;
    if (cfg->log_level && srv_log_parse_level(cfg->log_level, &level) != 0) {
        fprintf(stderr,
                "roundsd: log_level %s: expected error, warn, info "
                "or debug\n",
                cfg->log_level);
        free(sv);
        return RND_EINVAL;
    }
    rc = srv_log_open(cfg->log, level);
    sv->log_file = cfg->log != NULL && strcmp(cfg->log, "stderr") != 0;
    if (rc) {
        fprintf(stderr, "roundsd: log = %s: cannot open it for appending: %s\n",
                cfg->log, strerror(errno));
        free(sv);
        return rc;
    }
    if (cfg->cert)
        snprintf(cert, sizeof cert, "%s", cfg->cert);
    else
        snprintf(cert, sizeof cert, "%s/server.crt", cfg->data_dir);
    if (cfg->key)
        snprintf(key, sizeof key, "%s", cfg->key);
    else
        snprintf(key, sizeof key, "%s/server.key", cfg->data_dir);
    if (!file_exists(cert) || !file_exists(key)) {
        srv_log(SRV_LOG_ERROR,
                "no certificate %s or key %s: run 'roundsd init --data %s' "
                "first",
                cert, key, cfg->data_dir);
        free(sv);
        return RND_ENOTFOUND;
    }
    /* One serve per data directory, and no migrate or restore beside it
     * (after the check above: a directory never initialised gets no lock
     * file). */
    int lock_fd = -1;
    rc = srv_datadir_lock(cfg->data_dir, "serve", &lock_fd, err, sizeof err);
    if (rc) {
        srv_log(SRV_LOG_ERROR, "%s", err);
        free(sv);
        return rc;
    }
    /* The dashboard's process: forked before any store is opened or any
     * thread started (it opens its own); it does not keep the lock. */
    if (cfg->child) {
        rc = srv_child_start(&sv->child, cfg->child, cfg->child_ctx,
                             "dashboard");
        if (rc) {
            srv_log(SRV_LOG_ERROR, "cannot start the dashboard's process: %s",
                    strerror(errno));
            goto out;
        }
    }
    rc = srv_tls_init(&sv->tls, cert, key, err, sizeof err);
    if (rc) {
        srv_log(SRV_LOG_ERROR, "%s", err);
        goto out;
    }
    rc = srv_registry_open(cfg->data_dir, 1, &sv->reg);
    if (rc) {
        srv_log(SRV_LOG_ERROR, "cannot open the registry in %s: %s",
                cfg->data_dir, rnd_strerror(rc));
        goto out;
    }
    if (cfg->child)
        srv_registry_set_notify(sv->reg, sync_landed, &sv->child);
    rc = srv_sites_new(cfg->data_dir, NULL, NULL, &sv->sites);
    if (rc == 0 && cfg->max_clock_offset_ms > 0)
        srv_sites_set_max_offset(sv->sites, cfg->max_clock_offset_ms);
    if (rc)
        goto out;
    if (cfg->pg_dsn && cfg->pg_dsn[0]) {
        rc = ship_new(cfg->pg_dsn, cfg->data_dir, sv->sites, &sv->ship);
        if (rc)
            goto out;
        srv_sites_on_commit(sv->sites, ship_kick, sv->ship);
        if (cfg->group_refresh_s > 0 &&
            (rc = grp_refresher_new(cfg->pg_dsn, cfg->data_dir, sv->sites,
                                    cfg->group_refresh_s, cfg->skew_limit_ms,
                                    &sv->group)) != 0)
            goto out;
    }
    sv->ctx.reg = sv->reg;
    sv->ctx.sites = sv->sites;
    sv->ctx.max_frame = cfg->max_frame;
    srv_cert_next_init(&sv->cert_next, cfg->data_dir);
    sv->ctx.cert_next = staged_cert;
    sv->ctx.cert_ctx = sv;
    sv->ctx.log = level_log;
    sv->ctx.log_refused = hello_refused_log;
    sv->ctx.admit = admit;
    sv->ctx.admit_ctx = sv;
    /* After the dashboard's fork: the directory's reader is a thread. */
    if (cfg->pg_dsn && cfg->pg_dsn[0] && cfg->node_name && cfg->node_name[0]) {
        rc = dir_cache_start(cfg->pg_dsn, cfg->node_name, 0, sites_log, sv,
                             &sv->dir);
        if (rc) {
            srv_log(SRV_LOG_ERROR, "cannot start the directory's reader: %s",
                    rnd_strerror(rc));
            goto out;
        }
        sv->ctx.where = dir_where;
        sv->ctx.where_ctx = sv->dir;
    }
    rc = srv_ctx_init(&sv->ctx);
    if (rc) {
        srv_log(SRV_LOG_ERROR, "bad configuration: %s", rnd_strerror(rc));
        goto out;
    }
    sv->max_conns = cfg->max_conns ? cfg->max_conns : SRV_MAX_CONNS_DEFAULT;
    sv->max_per_device = cfg->max_conns_per_device
                             ? cfg->max_conns_per_device
                             : SRV_MAX_CONNS_PER_DEVICE_DEFAULT;
    sv->hello_pool = cfg->hello_pool ? cfg->hello_pool : SRV_HELLO_POOL_DEFAULT;
    sv->hello_per_addr =
        cfg->hello_per_addr ? cfg->hello_per_addr : SRV_HELLO_PER_ADDR_DEFAULT;
    if (at_init(&sv->per_addr, sv->hello_pool) != 0 ||
        at_init(&sv->addrs_min, SRV_PREHELLO_ADDRS) != 0) {
        rc = RND_ENOMEM;
        goto out;
    }

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
    sv->env.hello_timeout_ms = cfg->hello_timeout_ms
                                   ? cfg->hello_timeout_ms
                                   : SRV_HELLO_TIMEOUT_MS_DEFAULT;
    sv->env.closed = on_conn_closed;
    sv->env.log_refused = conn_refused_log;
    sv->env.stranger_active = stranger_active;
    sv->env.arg = sv;
    sv->env.upload_turn_bytes = upload_turn_bytes();
    sv->env.upload_left = sv->env.upload_turn_bytes;

    /* No handle yet: a failure here leaves nothing to close. */
    rc = srv_registry_start(sv->reg, &sv->loop, sites_log, sv);
    if (rc) {
        srv_log(SRV_LOG_ERROR, "cannot start the registry's commits: %s",
                rnd_strerror(rc));
        goto out;
    }
    rc = srv_sites_start(sv->sites, &sv->loop, sites_log, sv);
    if (rc) {
        srv_log(SRV_LOG_ERROR, "cannot start the commit thread: %s",
                rnd_strerror(rc));
        uv_run(&sv->loop, UV_RUN_DEFAULT);
        goto out;
    }
    if (sv->ship && ship_start(sv->ship, &sv->loop) != 0) {
        /* Sync goes on without it; the stats say it is not connected. */
        srv_log(SRV_LOG_ERROR, "cannot start the PostgreSQL shipper");
    }
    if (sv->group && grp_refresher_start(sv->group, &sv->loop) != 0)
        srv_log(SRV_LOG_ERROR, "cannot start the group reports' refresh");
    srv_stats_set_extra(pg_fill_stats, sv);
    uv_timer_init(&sv->loop, &sv->summary);
    sv->summary.data = sv;
    sv->summary_on = 1;
    sv->minute_start = uv_now(&sv->loop);
    uv_timer_start(&sv->summary, on_summary, SRV_PREHELLO_SUMMARY_MS,
                   SRV_PREHELLO_SUMMARY_MS);
    uv_check_init(&sv->loop, &sv->check);
    sv->check.data = sv;
    uv_check_start(&sv->check, on_check);
    uv_idle_init(&sv->loop, &sv->idle);
    sv->idle.data = sv;
    uv_signal_init(&sv->loop, &sv->sigterm);
    uv_signal_init(&sv->loop, &sv->sigint);
    uv_signal_init(&sv->loop, &sv->sighup);
    sv->sigterm.data = sv->sigint.data = sv->sighup.data = sv;
    uv_signal_start(&sv->sigterm, on_signal, SIGTERM);
    uv_signal_start(&sv->sigint, on_signal, SIGINT);
    uv_signal_start(&sv->sighup, on_sighup, SIGHUP);
    signal(SIGPIPE, SIG_IGN);
    if (srv_child_watch(&sv->child, &sv->loop) != 0)
        srv_log(SRV_LOG_ERROR, "cannot watch the dashboard's process: it "
                               "will not be restarted if it dies");

    rc = listen_on(sv, cfg->listen ? cfg->listen : SRV_LISTEN_DEFAULT);
    if (rc) {
        close_all_handles(sv);
        uv_run(&sv->loop, UV_RUN_DEFAULT);
        goto out;
    }
    (void)srv_stats_start(&sv->loop, cfg->data_dir); /* DATA/stats.json */
    /* The listener accepts: the service manager may start what needs us. */
    notify_status(sv, "READY=1\n");
    uv_run(&sv->loop, UV_RUN_DEFAULT);
    flush_all(sv, 1);
    /* What is durable and not shipped yet goes now, within a bound. */
    ship_stop(sv->ship, SHIP_STOP_MS);
    grp_refresher_stop(sv->group);
    srv_stats_finish();
    srv_log(SRV_LOG_INFO, "stopped");

out:
    if (loop_ok && uv_loop_close(&sv->loop) != 0) {
        srv_log(SRV_LOG_ERROR, "the event loop did not close clean");
        if (rc == 0)
            rc = RND_EIO;
    }
    dir_cache_stop(sv->dir);
    srv_ctx_free(&sv->ctx);
    srv_cert_next_free(&sv->cert_next);
    srv_stats_set_extra(NULL, NULL);
    ship_free(sv->ship); /* its thread reads the stores: before them */
    grp_refresher_free(sv->group); /* so does this one's */
    srv_sites_free(sv->sites);
    srv_registry_close(sv->reg);
    srv_tls_free(&sv->tls);
    srv_child_free(&sv->child);
    at_free(&sv->per_addr);
    at_free(&sv->addrs_min);
    free(sv);
    srv_datadir_unlock(lock_fd);
    return rc;
}
