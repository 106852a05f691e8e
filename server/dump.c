/* dump.c: a site store's entities and digest (store_digest), with its op
 * count, in one read transaction. */
#include "dump.h"

int srv_dump(store *st, srv_dump_cb cb, void *ctx, uint8_t digest[32],
             uint64_t *entities, uint64_t *ops)
{
    store_txn *txn;
    int rc = store_read_begin(st, &txn);
    if (rc)
        return rc;
    rc = store_digest(txn, cb, ctx, digest, entities);
    if (rc == 0 && ops)
        rc = store_op_count(txn, ops);
    store_read_end(txn);
    return rc;
}
