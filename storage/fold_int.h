/* fold_int.h: internal to storage/: what the files of the fold share.
 *   fold.c          the fold: per-kind status rules, the field merge
 *   fold_conflict.c concurrent writes of a field: conflicts
 *   fold_pack.c     the encoding of a state (fold_pack.h)
 *   fold_state.c    reading a state back
 */
#ifndef RND_FOLD_INT_H
#define RND_FOLD_INT_H

#include <stdint.h>
#include <string.h>

#include "fold.h"

/* The order of field names: bytewise, a prefix first. */
static inline int name_cmp(const proto_field *a, const proto_field *b)
{
    uint32_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
    int c = memcmp(a->name, b->name, n);
    if (c)
        return c;
    return (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

/* Whether two fields hold the same value. */
static inline int value_eq(const proto_field *a, const proto_field *b)
{
    if (a->type != b->type)
        return 0;
    switch (a->type) {
    case PROTO_BOOL:
        return !a->i == !b->i;
    case PROTO_INT:
        return a->i == b->i;
    case PROTO_STR:
        return a->str_len == b->str_len &&
               (a->str_len == 0 || memcmp(a->str, b->str, a->str_len) == 0);
    default:
        return 1;
    }
}

/* What differs[i] says of merged field i: written with two different
 * values (only such a field needs the heads pass: its last-writer-wins
 * value is picked among its heads, and it may be in conflict), and whether
 * it is attribution (heads pass, never a conflict). */
enum { DIFFERS_NO = 0, DIFFERS_VALUE = 1, DIFFERS_ATTRIBUTION = 2 };

/* Picks the merged value of every field written with different values
 * among its heads, and fills st->conflicts, given the merged fields and
 * which of them were so written (differs; encs and lens the n ops folded,
 * op scratch room for one decoded op). fold_conflict.c. */
int fold__find_conflicts(const uint8_t *const *encs, const size_t *lens,
                         size_t n, proto_op *op, fold_state *st,
                         const uint8_t *differs);

/* How many of st's conflicts fit beside a base state of base bytes within
 * FOLD_STATE_MAX (fold_pack.c). */
uint32_t fold__conflicts_that_fit(const fold_state *st, size_t base);

#endif
