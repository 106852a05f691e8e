/* keyfile.h: what the office's two kinds of key pairs share (pii.c's
 * personal-data keys, tags.c's tag-signing keys): the key file, one per
 * key, DATA/<dir>/<site>/<key id>.key, mode 0600, written durably
 * (temporary file, fsync, rename, fsync of the folder):
 *   <magic>             ("rounds-pii-key 1", "rounds-tag-key 1")
 *   created_ms <ms>
 *   retired_ms <ms, 0 while current>
 *   priv <64 hex>
 * and the master-data ops that publish a key's public half to a site's
 * store and retire it there. What a key's public half, id and name are
 * stays with its kind. Internal to server/.
 */
#ifndef RND_SRV_KEYFILE_H
#define RND_SRV_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "../proto/proto.h"
#include "../storage/store.h"

#define SRV_KEYFILE_PRIV_LEN 32

typedef struct srv_keyfile {
    int64_t created_ms;
    int64_t retired_ms; /* 0: current */
    uint8_t priv[SRV_KEYFILE_PRIV_LEN];
} srv_keyfile;

/* Reads the key file path, whose first line starts with magic, into k
 * (zeroed first; the bytes read are wiped). 0; RND_ENOTFOUND when there
 * is no such file, RND_EIO when it cannot be read, RND_ECORRUPT when it
 * is not such a file or its priv is not 64 hex digits. */
int srv_keyfile_read(const char *path, const char *magic, srv_keyfile *k);

/* Writes k durably as DATA/dir/site/name.key (data_dir is DATA), making
 * the folders (0700) as needed. 0, RND_ETOOBIG (a path too long) or
 * RND_EIO. */
int srv_keyfile_write(const char *data_dir, const char *dir, const char *site,
                      const char *name, const char *magic,
                      const srv_keyfile *k);

/* Appends to a site's store, in t, the op that publishes a key: a create
 * of entity (of kind) with key_id (id_len bytes), pub (its text form),
 * created and by "office", at now. 0 or the store's error. */
int srv_keyrec_publish(store_txn *t, int kind,
                       const uint8_t entity[PROTO_ENTITY_LEN],
                       const char *key_id, size_t id_len, const char *pub,
                       int64_t created_ms, int64_t now);

/* Appends the op that retires the published key entity (of kind): a
 * retire by "office" for reason, carrying what its state has seen, at
 * now. 0 or the store's error. */
int srv_keyrec_retire(store_txn *t, int kind,
                      const uint8_t entity[PROTO_ENTITY_LEN],
                      const char *reason, int64_t now);

#endif
