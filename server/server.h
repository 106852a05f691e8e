/* server.h: `roundsd serve`: one libuv loop that accepts TLS connections,
 * runs a sync session on each, group-commits their PUSH batches once per
 * loop iteration and stops cleanly on SIGTERM or SIGINT.
 *
 * Connection limits. A connection is a stranger's until its HELLO is
 * accepted; strangers get a pool of their own, apart from the sessions'
 * slots, so they cannot starve the devices:
 *  - at most hello_pool connections not yet past HELLO; when a new one
 *    comes to a full pool, the stranger that has been silent longest is
 *    closed to make room if it has been silent SRV_STRANGER_GRACE_MS or
 *    more (a handheld on its way through TLS and HELLO sends something
 *    every round trip; a flood's idle connections do not), else the new
 *    one is closed at once (so a burst of new connections cannot push
 *    out one that has not had a round trip yet);
 *  - at most hello_per_addr of them from one address (IPv4, or IPv6 /64):
 *    one more from that address is closed at once;
 *  - each must finish TLS and have its HELLO accepted within
 *    hello_timeout_ms (tls.h);
 *  - a HELLO that passes every check takes one of max_conns session slots
 *    (the session's admit hook), or is answered ERROR EBUSY.
 * Refusals before HELLO are logged with the peer's address, at most
 * SRV_PREHELLO_LINES lines a minute, and summed up once a minute (and at
 * shutdown): "prehello: N connections refused before HELLO from M
 * addresses in the last minute (L lines not logged)".
 *
 * One device (one credential) holds at most max_conns_per_device sessions
 * at once; one more HELLO of it is answered ERROR EBUSY saying so.
 *
 * The data directory is locked (datadir.h) for the server's life: a second
 * serve, migrate or restore on it is refused.
 *
 * SIGHUP reopens the log file (log.h) and changes nothing else. Under
 * systemd (Type=notify, $NOTIFY_SOCKET) the server sends READY=1 once the
 * listener accepts, RELOADING=1 then READY=1 around SIGHUP's reopen,
 * STOPPING=1 when it starts to drain, and STATUS= with its session count.
 *
 * Shutdown (SIGTERM/SIGINT or srv_server_stop()): the listener closes,
 * queued batches are committed, every session gets ERROR ECLOSED ("server
 * shutting down") after what it is owed, connections close (within
 * SRV_CONN_LINGER_MS), the registry is flushed, and srv_server_run()
 * returns 0.
 */
#ifndef RND_SRV_SERVER_H
#define RND_SRV_SERVER_H

#include <stdint.h>

#include <uv.h>

#include "registry.h"
#include "session.h"
#include "site.h"
#include "tls.h"

#define SRV_LISTEN_DEFAULT "127.0.0.1:7443"
#define SRV_MAX_CONNS_DEFAULT 2000
#define SRV_IDLE_TIMEOUT_DEFAULT 60
#define SRV_HANDSHAKE_TIMEOUT_DEFAULT 10
#define SRV_HELLO_TIMEOUT_MS_DEFAULT 5000
#define SRV_HELLO_POOL_DEFAULT 256
#define SRV_HELLO_PER_ADDR_DEFAULT 16
/* Sessions at once under one credential (one enrolled handheld). */
#define SRV_MAX_CONNS_PER_DEVICE_DEFAULT 2
/* How long a stranger must have been silent to be closed for a newcomer
 * to a full pool. */
#define SRV_STRANGER_GRACE_MS 250
/* Log lines about strangers per minute; the rest are only counted. */
#define SRV_PREHELLO_LINES 30
#define SRV_PREHELLO_SUMMARY_MS 60000
/* Distinct addresses a summary counts exactly (more: "at least"). */
#define SRV_PREHELLO_ADDRS 4096

typedef struct srv_server_config {
    const char *data_dir;
    const char *listen;           /* "HOST:PORT"; NULL = SRV_LISTEN_DEFAULT */
    const char *cert;             /* PEM; NULL = DATA/server.crt */
    const char *key;              /* PEM; NULL = DATA/server.key */
    uint32_t max_frame;           /* 0 = PROTO_FRAME_MAX_DEFAULT */
    uint32_t max_conns;           /* 0 = SRV_MAX_CONNS_DEFAULT */
    uint32_t idle_timeout_s;      /* 0 = default */
    uint32_t handshake_timeout_s; /* 0 = default */
    uint32_t hello_timeout_ms;    /* 0 = default */
    uint32_t hello_pool;          /* 0 = default */
    uint32_t hello_per_addr;      /* 0 = default */
    /* The site stores' clock bound (srv_sites_set_max_offset), ms; 0 =
     * STORE_MAX_OFFSET_DEFAULT_MS. */
    int64_t max_clock_offset_ms;
    /* Sessions at once of one device (site and name); 0 =
     * SRV_MAX_CONNS_PER_DEVICE_DEFAULT. One more HELLO of that device
     * gets ERROR EBUSY saying so. */
    uint32_t max_conns_per_device;
    /* The log (log.h): "stderr" or NULL, or a file appended to and
     * reopened on SIGHUP; lines up to log_level. */
    const char *log;
    const char *log_level; /* "error" .. "debug"; NULL = "info" */
    /* The office dashboard (child.h): when child is not NULL, serve forks
     * one process that runs child(child_ctx, notify_fd) once the data
     * directory's lock is taken and before any store is opened, writes
     * "SITE\n" into its pipe once a sync's registry note of SITE is
     * durable, restarts it when it dies and stops it when serve stops. */
    int (*child)(void *ctx, int notify_fd);
    void *child_ctx;
    /* PostgreSQL: every site is shipped to it (ship.h, docs/POSTGRES.md);
     * with node_name too, the node directory (directory.h): a thread of
     * its own keeps the site -> node assignment in memory, and a HELLO for
     * a site moved away is redirected to the node it names. NULL or "" =
     * none. */
    const char *pg_dsn;
    const char *node_name;
    /* With pg_dsn: the group reports' facts of every site every this
     * many seconds (group_refresh.h); 0: none. skew_limit_ms: the
     * reports' clock limit (0: their default). */
    uint32_t group_refresh_s;
    int64_t skew_limit_ms;
} srv_server_config;

/* Runs the server until it is stopped. Logs "listening on HOST:PORT"
 * (log.h) once bound (the actual port when 0 was asked). Returns 0 after
 * a clean stop, or an error (with a sentence in the log) when it could
 * not start: RND_EEXIST (the data directory is locked by another
 * process), RND_EINVAL (bad address), RND_ECERT, RND_EIO
 * (cannot bind), a store error. */
int srv_server_run(const srv_server_config *cfg);

/* Parses "HOST:PORT" or "[V6]:PORT" into host (cap bytes) and port.
 * RND_EINVAL when malformed. */
int srv_parse_hostport(const char *s, char *host, size_t cap, int *port);

#endif
