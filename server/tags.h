/* tags.h: the office's tag-signing keys (proto/tagsig.h has the payload):
 * one P-256 key pair per site, kept in DATA/tags/<site>/, whose public
 * halves are published to the site as master data (kind tag_key) so every
 * handheld verifies a scanned checkpoint payload offline.
 *
 * Key file DATA/tags/<site>/<8 hex key id>.key, mode 0600, written
 * atomically (temporary file, fsync, rename):
 *   rounds-tag-key 1
 *   created_ms <ms>
 *   retired_ms <ms, 0 while active>
 *   priv <64 hex>
 * The public key is derived from priv. Payloads are signed with the current
 * key: the newest active one. Rotation makes a new current key and leaves
 * the previous one active, so tags already on the walls keep verifying
 * until they are replaced and the old key is retired (docs/OPERATIONS.md,
 * "Checkpoint tags"). A retired key's tag_key is retired on the site too:
 * a handheld then refuses its payloads.
 */
#ifndef RND_SRV_TAGS_H
#define RND_SRV_TAGS_H

#include <stdint.h>

#include "../proto/tagsig.h"
#include "../storage/store.h"

typedef struct srv_tag_key {
    uint8_t id[PROTO_TAG_KEYID_LEN];
    char hex[PROTO_TAG_KEYID_HEX + 1];
    uint8_t priv[PROTO_TAG_PRIV_LEN];
    uint8_t pub[PROTO_TAG_PUB_LEN];
    int64_t created_ms;
    int64_t retired_ms; /* 0: active */
} srv_tag_key;

/* The current key of site; with create, makes the first one when there is
 * none (*made set to 1). RND_ENOTFOUND when there is none and create is 0. */
int srv_tag_current(const char *data_dir, const char *site, int create,
                    int64_t now_ms, srv_tag_key *out, int *made);

/* A new current key (created at now_ms, or just after the newest key when
 * the clock says otherwise); the previous ones stay active. */
int srv_tag_rotate(const char *data_dir, const char *site, int64_t now_ms,
                   srv_tag_key *out);

/* Retires the key whose id is hex (8 hex digits) at now_ms. RND_ENOTFOUND
 * when there is no such key, RND_EEXIST when it is already retired,
 * RND_ETRANSITION when it is the only active key. */
int srv_tag_retire(const char *data_dir, const char *site, const char *hex,
                   int64_t now_ms, srv_tag_key *out);

/* Every key of site, in no particular order; cb returns non-zero to stop. */
typedef int (*srv_tag_key_cb)(const srv_tag_key *k, void *ctx);
int srv_tag_each(const char *data_dir, const char *site, srv_tag_key_cb cb,
                 void *ctx);

/* Makes the site's active tag_key master data match the active keys of
 * the data directory, in one durable write: a create for each active key
 * not yet published, a retire for each published key that is retired or
 * unknown here. *written: how many ops (0 when it already matched). */
int srv_tag_publish(store *st, const char *data_dir, const char *site,
                    int64_t now_ms, int *written);

#endif
