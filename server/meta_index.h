/* meta_index.h: a sorted list of names kept as one MessagePack array in a
 * key of a store's meta table, for the records that live in meta (which
 * has no iteration): the registry's "<site>/<name>" devices and the
 * office's accounts. Used inside the caller's transaction. */
#ifndef RND_SRV_META_INDEX_H
#define RND_SRV_META_INDEX_H

#include <stddef.h>

#include "../storage/store.h"

/* An order of entries: <0, 0, >0 as memcmp. */
typedef int (*srv_index_cmp)(const char *a, size_t an, const char *b,
                             size_t bn);

/* Bytewise, the shorter first on a tie. */
int srv_index_bytes_cmp(const char *a, size_t an, const char *b, size_t bn);

/* Calls cb(entry, len, ctx) for each entry of the list under key, in
 * order (none when the key is absent); a non-zero return stops and is
 * returned. The bytes live as long as txn. RND_ECORRUPT for a damaged
 * list. */
int srv_index_each(store_txn *txn, const char *key,
                   int (*cb)(const char *, size_t, void *), void *ctx);

/* Inserts entry (NUL-terminated) in cmp's order unless it is there. */
int srv_index_add(store_txn *txn, const char *key, const char *entry,
                  srv_index_cmp cmp);

#endif
