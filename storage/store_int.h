/* store_int.h: internal to storage/ and its tests.
 */
#ifndef RND_STORE_INT_H
#define RND_STORE_INT_H

#include <lmdb.h>

/* The key order every database of a store is opened with (store.c): the
 * same order as LMDB's default (bytewise, a prefix before the longer key),
 * computed faster. Negative, 0 or positive like memcmp(). */
int store__key_cmp(const MDB_val *a, const MDB_val *b);

#endif
