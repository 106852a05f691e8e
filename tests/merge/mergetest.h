/* mergetest.h: helpers shared by the merge tests. Devices each own a real
 * store (and identity) and write ops through store_append_local, carrying
 * _seen as the handheld does; replicas take ops through store_ingest; a
 * store's merged state is compared through the canonical digest that
 * `rounds dump` and `roundsd dump` print. */
#ifndef RND_MERGETEST_H
#define RND_MERGETEST_H

#include <stddef.h>
#include <stdint.h>

#include "../../storage/fold.h"
#include "../../storage/store.h"

/* One field of an op to write. s is not copied: it must outlive the
 * mt_write call. */
typedef struct mt_field {
    const char *name;
    uint8_t type; /* enum proto_value_type */
    int64_t i;
    const char *s;
    uint32_t s_len;
} mt_field;

#define MT_MAX_FIELDS 16

/* An op to append: the store fills device, seq, hlc and chain. */
typedef struct mt_op {
    uint8_t kind;
    uint8_t action;
    uint8_t entity[PROTO_ENTITY_LEN];
    /* 1: add _seen from the writer's merged state of the entity, as the
     * handheld does for every op but a create (none if it has no state). */
    int with_seen;
    const char *seen; /* if set, this _seen verbatim instead */
    uint32_t nf;
    mt_field f[MT_MAX_FIELDS];
} mt_op;

void mt_str(mt_op *op, const char *name, const char *s);
void mt_int(mt_op *op, const char *name, int64_t v);
void mt_bool(mt_op *op, const char *name, int v);

/* Opens (creating) the store in dir/name with device_id as its writer.
 * Asserts on failure. */
store *mt_open(const char *dir, const char *name, uint64_t device_id);

/* Appends op on s at wall clock wall_ms; the seq lands in *seq (may be
 * NULL). Returns the store's error, if any. */
int mt_write(store *s, const mt_op *op, int64_t wall_ms, uint64_t *seq);

/* Copies out the encoding of op (device_id, seq) from s: *enc is malloc'd,
 * the caller frees it. Asserts it exists. */
void mt_get_op(store *s, uint64_t device_id, uint64_t seq, uint8_t **enc,
               size_t *len);

/* Ingests n ops in one write transaction (duplicates are skipped by the
 * store). Returns the number newly added through *added (may be NULL).
 * With mt_ingest_prepared set, each op goes through store_prepare() and
 * store_ingest_prepared() (roundsd's path) instead of store_ingest(). */
extern int mt_ingest_prepared;
int mt_ingest(store *s, const uint8_t *const *encs, const size_t *lens,
              size_t n, int64_t recv_ms, size_t *added);

/* The encodings of device_id's ops with seq >= from that s holds, in seq
 * order, copied into malloc'd *encs and *lens; returns how many. Free with
 * mt_free_ops. */
size_t mt_ops_of(store *s, uint64_t device_id, uint64_t from, uint8_t ***encs,
                 size_t **lens);
void mt_free_ops(uint8_t **encs, size_t *lens, size_t n);

/* SHA-256 over every entity of kinds 1..255 ascending, each as its 16-byte
 * id then its state bytes, in store_entities_each order: the definition of
 * hh_digest (handheld/sync.c) and of `roundsd dump`. */
void mt_digest(store *s, uint8_t out[32], uint64_t *entities);

/* Reads an entity's merged state into buf (cap bytes) and parses it into
 * st (pointers into buf). Returns RND_ENOTFOUND if s lacks it. */
int mt_state(store *s, const uint8_t id[PROTO_ENTITY_LEN], uint8_t *buf,
             size_t cap, fold_state *st);

/* Describes the first entity whose state differs between a and b on
 * stderr (for failure reports). */
void mt_diff(store *a, store *b);

/* Removes a directory tree made by test_tmpdir (without spawning a
 * shell: the property test makes thousands). */
void mt_rmtree(const char *dir);

#endif
