/* site_move.h: the mark a site's store carries while it moves to another
 * node and after it moved (docs/NODES.md, "Moving a site").
 *
 * `roundsd site move` writes it into the site's own store (meta key
 * "moved"), so the one LMDB write lock that orders every commit of the
 * site also orders the mark: once it is committed, no batch of any
 * session is committed any more (site.c refuses them with RND_EMOVED),
 * and a copy of the store taken after it holds every op ever
 * acknowledged. Two states:
 *   SRV_SITE_MOVING  syncs stopped, the copy is under way: a HELLO is told
 *                    EBUSY (retry), unless the directory already names the
 *                    new node;
 *   SRV_SITE_MOVED   the directory names another node (node, addr, cert,
 *                    epoch): a HELLO of version 5 is answered REDIRECT,
 *                    older ones ERROR EMOVED.
 * The value: a MessagePack array [1, state, epoch, node, addr, cert bin];
 * an empty value (or none) is SRV_SITE_HERE.
 */
#ifndef RND_SRV_SITE_MOVE_H
#define RND_SRV_SITE_MOVE_H

#include <stddef.h>
#include <stdint.h>

#include "../proto/msg.h"
#include "../storage/store.h"

#define SRV_SITE_MOVED_KEY "moved"

enum srv_site_where {
    SRV_SITE_HERE = 0,
    SRV_SITE_MOVING = 1,
    SRV_SITE_MOVED = 2,
};

/* Where a site lives when not here: the node of the directory
 * (directory.h) and what a REDIRECT carries. */
typedef struct srv_node_ref {
    uint64_t epoch; /* the assignment's generation, >= 1 */
    char node[PROTO_NODE_MAX + 1];
    char addr[PROTO_ADDR_MAX + 1];
    size_t cert_len; /* PEM bytes in cert, no NUL counted */
    char cert[PROTO_CERT_MAX + 1];
} srv_node_ref;

/* The state of the site's mark in txn (SRV_SITE_HERE when none): cheap,
 * for the commit path. 0 or a store error (RND_ECORRUPT: a mark that does
 * not decode). */
int srv_site_where(store_txn *txn, int *state);

/* The whole mark: *state and, for SRV_SITE_MOVING and SRV_SITE_MOVED, the
 * node (for MOVING: the node it is moving to). */
int srv_site_mark_get(store_txn *txn, int *state, srv_node_ref *to);

/* Writes the mark (state SRV_SITE_HERE clears it; to may then be NULL). */
int srv_site_mark_put(store_txn *txn, int state, const srv_node_ref *to);

#endif
