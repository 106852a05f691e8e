/* dump.c: entity walk and digest of a store, in the order dump.h fixes. */
#include <mbedtls/sha256.h>

#include "dump.h"

typedef struct walk {
    mbedtls_sha256_context sha;
    srv_dump_cb cb;
    void *ctx;
    uint64_t n;
} walk;

static int walk_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                   const uint8_t *state, size_t len, void *arg)
{
    walk *w = arg;
    if (mbedtls_sha256_update_ret(&w->sha, id, PROTO_ENTITY_LEN) != 0 ||
        mbedtls_sha256_update_ret(&w->sha, state, len) != 0)
        return RND_ECRYPTO;
    w->n++;
    return w->cb ? w->cb(id, kind, state, len, w->ctx) : 0;
}

int srv_dump(store *st, srv_dump_cb cb, void *ctx, uint8_t digest[32],
             uint64_t *entities, uint64_t *ops)
{
    walk w = {.cb = cb, .ctx = ctx};
    mbedtls_sha256_init(&w.sha);
    int rc = mbedtls_sha256_starts_ret(&w.sha, 0) ? RND_ECRYPTO : 0;
    store_txn *txn = NULL;
    if (rc == 0)
        rc = store_read_begin(st, &txn);
    /* Ascending kind, then ascending id within the kind. */
    for (int kind = 1; rc == 0 && kind <= 255; kind++)
        rc = store_entities_each(txn, kind, 0, walk_cb, &w);
    if (rc == 0 && ops)
        rc = store_op_count(txn, ops);
    store_read_end(txn);
    if (rc == 0 && mbedtls_sha256_finish_ret(&w.sha, digest) != 0)
        rc = RND_ECRYPTO;
    mbedtls_sha256_free(&w.sha);
    if (rc == 0 && entities)
        *entities = w.n;
    return rc;
}
