/* directory.h: the node directory in PostgreSQL (server/pg/010_directory.sql,
 * docs/NODES.md): which roundsd node holds which site, where handhelds
 * reach each node and the certificate it presents.
 *
 * Two uses:
 *   - dir_conn: one libpq connection for the office commands (`roundsd
 *     node add`, `site assign`, `site move`, `enroll`). Blocking; never
 *     used on the sync loop's thread.
 *   - dir_cache: what `roundsd serve` keeps in memory: a thread of its own
 *     reads the assignment every refresh_ms and swaps it in under a mutex;
 *     the loop thread only reads memory (dir_cache_where). When
 *     PostgreSQL is down the last assignment read stays in force and the
 *     thread retries; syncs never wait for it.
 * Errors are 0 or a negative RND_E* code; dir_conn keeps a sentence for
 * the last one (dir_error). libpq's own codes never leave this file.
 */
#ifndef RND_SRV_DIRECTORY_H
#define RND_SRV_DIRECTORY_H

#include <stddef.h>
#include <stdint.h>

#include "site_move.h"

#define DIR_REFRESH_MS_DEFAULT 2000

typedef struct dir_conn dir_conn; /* opaque */

/* Connects to dsn (a libpq connection string). On failure *out is NULL,
 * RND_ECONNECT, with a sentence in err. */
int dir_connect(const char *dsn, dir_conn **out, char *err, size_t errlen);

/* Closes; NULL allowed. */
void dir_close(dir_conn *c);

/* The sentence of the last failure on c (static until the next call). */
const char *dir_error(const dir_conn *c);

/* Adds or replaces node name: its address (HOST:PORT) and certificate
 * (PEM; its SHA-256 fingerprint, 64 hex digits, beside it). */
int dir_node_put(dir_conn *c, const char *name, const char *addr,
                 const char *pem, const char *fp_hex);

/* Reads node name into *out (epoch left 0) and its fingerprint into fp
 * (65 bytes; may be NULL). RND_ENOTFOUND when no such node. */
int dir_node_get(dir_conn *c, const char *name, srv_node_ref *out, char *fp);

/* A site's row. */
typedef struct dir_site {
    char node[PROTO_NODE_MAX + 1];
    uint64_t epoch;
    int moving; /* state 'moving' */
    char move_to[PROTO_NODE_MAX + 1];
} dir_site;

/* Reads site's row. RND_ENOTFOUND when the site is not assigned. */
int dir_site_get(dir_conn *c, const char *site, dir_site *out);

/* Assigns a new site to node (epoch 1). Assigning a site to the node it
 * is on already is a no-op; RND_EEXIST when it is on another node (*out,
 * may be NULL, gets its row); RND_ENOTFOUND when node is not in dir_nodes. */
int dir_site_assign(dir_conn *c, const char *site, const char *node,
                    dir_site *out);

/* A move's first step: site on node from, active, becomes 'moving' to
 * node to. Returns its epoch in *epoch. RND_ETRANSITION when the row is
 * not (site, from, active) -- or already (site, from, moving to `to`):
 * then 0 as well, so a move that stopped half way can run again. */
int dir_move_begin(dir_conn *c, const char *site, const char *from,
                   const char *to, uint64_t *epoch);

/* A move's last step, in one transaction: the row (site, from, epoch,
 * moving to `to`) becomes (site, to, epoch + 1, active), and the move is
 * recorded in dir_moves with the store's op count and digest. Done
 * already (the row is (to, epoch + 1)) is 0; any other row
 * RND_ETRANSITION, nothing changed. */
int dir_move_finish(dir_conn *c, const char *site, const char *from,
                    const char *to, uint64_t epoch, uint64_t ops,
                    const char *digest);

/* Gives up a move that has not finished: (site, from, moving) becomes
 * active again. */
int dir_move_abort(dir_conn *c, const char *site, const char *from);

/* ---- the cache of roundsd serve ----------------------------------------- */

typedef struct dir_cache dir_cache; /* opaque */

/* Starts the thread that reads the directory now and every refresh_ms
 * (0: DIR_REFRESH_MS_DEFAULT). self is this node's name. log (may be NULL)
 * gets a line when PostgreSQL becomes unreachable or reachable again.
 * Returns at once, before the first read; RND_ENOMEM. */
int dir_cache_start(const char *dsn, const char *self, int refresh_ms,
                    void (*log)(void *ctx, const char *line), void *log_ctx,
                    dir_cache **out);

/* Where site lives when the directory names another node than self for
 * it (state active): fills *to and returns 0. RND_ENOTFOUND when the
 * directory names this node, is moving the site, does not know it, or has
 * not been read yet. Any thread; never blocks on PostgreSQL. */
int dir_cache_where(dir_cache *dc, const char *site, srv_node_ref *to);

/* The number of completed reads so far (tests, stats). */
uint64_t dir_cache_reads(dir_cache *dc);

/* Stops the thread and frees; NULL allowed. */
void dir_cache_stop(dir_cache *dc);

#endif
