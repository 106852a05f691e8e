/* dump.h: the merged state of a site store and its digest, for `roundsd
 * dump` and `roundsd backup`: store_digest (storage/store.h, which defines
 * the digest and its order) plus the op count, in one read transaction.
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
