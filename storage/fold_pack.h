/* fold_pack.h: internal to storage/ and its tests. The merged state's
 * encoder, exposed so that a test can hold the fast writer the fold uses
 * to the msgpack-c packer that defined the format.
 */
#ifndef RND_FOLD_PACK_H
#define RND_FOLD_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "fold.h"

/* Encodes st as the canonical state map (the bytes store_fold() stores)
 * with reopens as "r", status as "s" and st's first nconflicts conflicts as
 * "x" (none: no "x" key), into out (cap bytes; out may be NULL when cap is
 * 0). Returns the length the encoding needs: it was written in full only if
 * that is <= cap. generic = 1 uses msgpack-c's packer (the reference), 0
 * the fast writer store_fold() uses; both must give the same bytes. */
size_t fold__pack_state(const fold_state *st, uint32_t reopens,
                        const char *status, uint32_t nconflicts, uint8_t *out,
                        size_t cap, int generic);

#endif
