/* dump.h: the merged state of a site store and its digest, for
 * `roundsd dump` and for comparing replicas with `rounds dump`.
 *
 * Order (the handheld's hh_digest uses the identical one): entities by
 * ascending kind 1..255, and within a kind by ascending 16-byte id, that
 * is store_entities_each(txn, kind, 0, ...) for kind = 1, 2, ... 255.
 * The digest is SHA-256 over, for each entity in that order, its 16-byte
 * id followed by its merged state bytes exactly as the store holds them
 * (store_entity_get). Two replicas holding the same ops give the same
 * digest.
 */
#ifndef RND_SRV_DUMP_H
#define RND_SRV_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "../storage/store.h"

/* Called per entity, in digest order; state is valid during the call.
 * Non-zero stops (and is returned). cb may be NULL. */
typedef int (*srv_dump_cb)(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                           const uint8_t *state, size_t len, void *ctx);

/* Walks the store in one read transaction: calls cb per entity, writes the
 * digest, the entity count and (ops may be NULL) the op count. */
int srv_dump(store *st, srv_dump_cb cb, void *ctx, uint8_t digest[32],
             uint64_t *entities, uint64_t *ops);

#endif
