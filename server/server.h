/* server.h: `roundsd serve`: one libuv loop that accepts TLS connections,
 * runs a sync session on each, group-commits their PUSH batches once per
 * loop iteration and stops cleanly on SIGTERM or SIGINT.
 *
 * Connection limit: up to max_conns sessions run; up to
 * SRV_BUSY_EXTRA more connections are accepted, finish the TLS handshake
 * and get ERROR EBUSY (so a handheld can tell "busy" from "down"); beyond
 * that a connection is accepted and closed at once.
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
#define SRV_BUSY_EXTRA 64

typedef struct srv_server_config {
    const char *data_dir;
    const char *listen;           /* "HOST:PORT"; NULL = SRV_LISTEN_DEFAULT */
    const char *cert;             /* PEM; NULL = DATA/server.crt */
    const char *key;              /* PEM; NULL = DATA/server.key */
    uint32_t max_frame;           /* 0 = PROTO_FRAME_MAX_DEFAULT */
    uint32_t max_conns;           /* 0 = SRV_MAX_CONNS_DEFAULT */
    uint32_t idle_timeout_s;      /* 0 = default */
    uint32_t handshake_timeout_s; /* 0 = default */
    /* The site stores' clock bound (srv_sites_set_max_offset), ms; 0 =
     * STORE_MAX_OFFSET_DEFAULT_MS. */
    int64_t max_clock_offset_ms;
} srv_server_config;

/* Runs the server until it is stopped. Prints "roundsd: listening on
 * HOST:PORT" to stderr once bound (the actual port when 0 was asked).
 * Returns 0 after a clean stop, or an error (with a sentence on stderr)
 * when it could not start: RND_EINVAL (bad address), RND_ECERT, RND_EIO
 * (cannot bind), a store error. */
int srv_server_run(const srv_server_config *cfg);

/* Parses "HOST:PORT" or "[V6]:PORT" into host (cap bytes) and port.
 * RND_EINVAL when malformed. */
int srv_parse_hostport(const char *s, char *host, size_t cap, int *port);

#endif
