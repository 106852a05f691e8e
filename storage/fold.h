/* fold.h: an entity's merged state as a deterministic fold over its ops.
 *
 * Bytes in, bytes out, no LMDB: the store hands the fold every encoded op of
 * one entity sorted by (hlc, device_id, seq) and stores what it returns. Two
 * replicas with the same op set therefore hold byte-identical state, whatever
 * order the ops arrived in. docs/DATA-MODEL.md states the rules per kind.
 */
#ifndef RND_FOLD_H
#define RND_FOLD_H

#include <stddef.h>
#include <stdint.h>

#include "../proto/proto.h"

/* Largest merged state the fold will produce. */
#define FOLD_STATE_MAX (256 * 1024)

typedef struct fold_info {
    uint8_t kind;
    int open; /* the entity belongs in the "open" index */
} fold_info;

/* Folds n encoded ops of one entity, given sorted ascending by (hlc,
 * device_id, seq), into its canonical merged state, written to out (cap
 * bytes, *len set). Returns RND_EMALFORMED if the ops are not all of one
 * entity and kind, RND_ENOSPACE if cap is too small, or a decode error. */
int store_fold(const uint8_t *const *encs, const size_t *lens, size_t n,
               uint8_t *out, size_t cap, size_t *len, fold_info *info);

/* A merged state parsed back for reading (listings, reports). */
#define FOLD_MAX_EVENTS 256
typedef struct fold_event {
    uint64_t hlc;
    uint64_t device_id;
    uint64_t seq;
    int64_t wall_ms;
    uint8_t action;
} fold_event;

typedef struct fold_state {
    uint8_t kind;
    uint8_t entity[PROTO_ENTITY_LEN];
    char status[24];      /* NUL-terminated; "" for kinds without status */
    uint64_t created_hlc; /* stamp of the first op */
    uint64_t updated_hlc; /* stamp of the last op */
    uint64_t creator;     /* device_id of the first op */
    uint32_t reopen_count;
    uint32_t nfields;
    proto_field fields[PROTO_OP_MAX_FIELDS]; /* merged values, by name */
    uint32_t nevents; /* every op, ascending; capped at FOLD_MAX_EVENTS */
    fold_event events[FOLD_MAX_EVENTS];
} fold_state;

/* Parses a state made by store_fold. Field strings point into buf. */
int fold_state_parse(const uint8_t *buf, size_t len, fold_state *out);

/* The value of a merged field; NULL when absent. */
const proto_field *fold_state_field(const fold_state *st, const char *name);

/* The first event with the given action, or NULL. */
const fold_event *fold_state_first(const fold_state *st, int action);

#endif
