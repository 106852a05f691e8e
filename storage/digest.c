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

typedef struct att_walk {
    digest_walk *w;
    int *first;
} att_walk;

/* A reference as both replicas hold it: the record, the hash, the role,
 * the thumbnail's original, the first op naming it, and the size and
 * media type that op gave. */
static int att_digest_cb(const store_att_ref *r, const store_att *a, void *arg)
{
    att_walk *aw = arg;
    proto_sha256_ctx *sha = &aw->w->sha;
    uint8_t b[8 * 4 + 3];
    if (*aw->first) {
        proto_sha256_update(sha, "attachments", 11);
        *aw->first = 0;
    }
    proto_sha256_update(sha, r->entity, PROTO_ENTITY_LEN);
    proto_sha256_update(sha, r->hash, PROTO_HASH_LEN);
    proto_sha256_update(sha, r->has_of ? r->of : r->hash, PROTO_HASH_LEN);
    proto_be64_put(b, r->hlc);
    proto_be64_put(b + 8, r->device_id);
    proto_be64_put(b + 16, r->seq);
    proto_be64_put(b + 24, a->size);
    b[32] = r->role;
    b[33] = r->has_of;
    b[34] = a->media;
    proto_sha256_update(sha, b, sizeof b);
    return 0;
}

int store_digest(store_txn *txn, store_entity_cb cb, void *ctx,
                 uint8_t digest[32], uint64_t *entities)
{
    digest_walk w = {.cb = cb, .ctx = ctx, .n = 0};
    int rc = 0;
    proto_sha256_init(&w.sha);
    for (int kind = 1; rc == 0 && kind <= 255; kind++)
        rc = store_entities_each(txn, kind, 0, digest_cb, &w);
    /* Then the attachments of every record, when there are any (so a
     * store without them keeps the digest it always had). */
    int first = 1;
    if (rc == 0)
        rc = store_att_each_of(txn, NULL, att_digest_cb,
                               &(att_walk){&w, &first});
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
