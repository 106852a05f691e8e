/* storetest.h: helpers shared by the storage tests: a deterministic series
 * of ops whose content follows from their number, and a chain walker. */
#ifndef RND_STORETEST_H
#define RND_STORETEST_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Wall time of op n of a series: fixed so contents can be checked. */
#define ST_WALL(n) ((int64_t)1700000000000 + (int64_t)(n))

/* Room for the string field of one op of the series. */
#define ST_STR_CAP 64

/* Fills op with op n of the series: a scan of one of nent entities (tag
 * tells series apart), with an int and a string field derived from n. The
 * string lives in buf, which must outlive op. */
void st_fill_op(proto_op *op, uint64_t n, unsigned nent, uint8_t tag,
                char buf[ST_STR_CAP]);

/* The entity op n of the series changes. */
void st_entity(uint8_t out[PROTO_ENTITY_LEN], uint64_t n, unsigned nent,
               uint8_t tag);

/* Asserts that enc is op n of the series as written by device_id with
 * wall time ST_WALL(n). */
void st_check_op(const uint8_t *enc, size_t len, uint64_t device_id, uint64_t n,
                 unsigned nent, uint8_t tag);

/* Walks every op of device_id in one read transaction and asserts that the
 * seqs run 1, 2, 3 ... without gaps and each prev_hash is the hash of the
 * op before (zeros for seq 1). Returns the highest seq. */
uint64_t st_check_chain(store *s, uint64_t device_id);

#endif
