/* digest.c: a replica's digest and dump lines. See store.h. */
#include <stdio.h>

#include "../proto/sha256.h"
#include "store.h"

typedef struct digest_walk {
    proto_sha256_ctx sha;
    store_entity_cb cb;
    void *ctx;
    uint64_t n;
} digest_walk;

static int digest_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                     const uint8_t *state, size_t len, void *arg)
{
    digest_walk *w = arg;
    proto_sha256_update(&w->sha, id, PROTO_ENTITY_LEN);
    proto_sha256_update(&w->sha, state, len);
    w->n++;
    return w->cb ? w->cb(id, kind, state, len, w->ctx) : 0;
}

int store_digest(store_txn *txn, store_entity_cb cb, void *ctx,
                 uint8_t digest[32], uint64_t *entities)
{
    digest_walk w = {.cb = cb, .ctx = ctx, .n = 0};
    int rc = 0;
    proto_sha256_init(&w.sha);
    for (int kind = 1; rc == 0 && kind <= 255; kind++)
        rc = store_entities_each(txn, kind, 0, digest_cb, &w);
    if (rc)
        return rc;
    proto_sha256_final(&w.sha, digest);
    if (entities)
        *entities = w.n;
    return 0;
}

int store_dump_entry(FILE *f, int json, int first,
                     const uint8_t id[PROTO_ENTITY_LEN], int kind,
                     const uint8_t *state, size_t len)
{
    static _Thread_local fold_state st; /* large: not on the stack */
    uint8_t sha[32];
    char idhex[33], shahex[65], kbuf[8];
    const char *kname = proto_kind_name(kind), *status = "-";

    proto_sha256(state, len, sha);
    proto_hex(id, PROTO_ENTITY_LEN, idhex);
    proto_hex(sha, sizeof sha, shahex);
    if (kname == NULL) {
        snprintf(kbuf, sizeof kbuf, "%d", kind);
        kname = kbuf;
    }
    if (fold_state_parse(state, len, &st) == 0 && st.status[0])
        status = st.status;
    int n = json ? fprintf(f,
                           "%s{\"id\":\"%s\",\"kind\":\"%s\",\"status\":\"%s\","
                           "\"sha256\":\"%s\"}",
                           first ? "" : ",", idhex, kname, status, shahex)
                 : fprintf(f, "%s %s %s %s\n", idhex, kname, status, shahex);
    return n < 0 ? RND_EIO : 0;
}
