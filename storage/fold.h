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

/* store_fold() where first, when not NULL, is encs[0] already decoded by
 * the caller (proto_op_decode of encs[0]): it is used instead of decoding
 * encs[0] again. */
int store_fold_decoded(const uint8_t *const *encs, const size_t *lens, size_t n,
                       const proto_op *first, uint8_t *out, size_t cap,
                       size_t *len, fold_info *info);

/* A merged state parsed back for reading (listings, reports). */
#define FOLD_MAX_EVENTS 256
typedef struct fold_event {
    uint64_t hlc;
    uint64_t device_id;
    uint64_t seq;
    int64_t wall_ms;
    uint8_t action;
    int64_t clk; /* the op's FOLD_CLK_FIELD, 0 when absent */
} fold_event;

/* The int field "_clk" a handheld writes into every op: its last measured
 * offset, ms, server clock minus device clock (absent when under 1 s or
 * never measured; a value that is not an int reads as absent). Metadata,
 * not merged into the fields; the fold keeps it with the op's event (state
 * key "w"), so reports can flag a record made with a wrong clock on every
 * replica alike (docs/DATA-MODEL.md, "Clocks"). */
#define FOLD_CLK_FIELD "_clk"

/* Concurrent writes: every op after an entity's create may carry the str
 * field "_seen", the writer's view of the entity when it wrote: for each
 * device whose ops of this entity it held, "<device_id 16 hex>:<max seq>",
 * joined by ",", devices ascending. Op x has seen op w when they are of the
 * same device and x.seq > w.seq, or x's _seen names w's device with a seq
 * >= w.seq. Fields whose names start with '_' are protocol metadata: they
 * are not merged into the entity's fields. */
#define FOLD_SEEN_FIELD "_seen"
#define FOLD_SEEN_MAX 1024 /* bytes of a _seen value */

/* Attribution fields ("by" and names ending in "_by": who recorded an
 * op) follow last-writer-wins but are never reported as conflicts: two
 * butlers dispatching concurrently disagree on the assignee, and that one
 * conflict is what the office resolves, not also on who dispatched. */
int fold_field_is_attribution(const char *name, size_t len);

/* One of the values written concurrently to a field. value points into the
 * parsed buffer (fold_state_parse) or the ops (store_fold). */
#define FOLD_MAX_CANDIDATES 8
typedef struct fold_candidate {
    uint64_t hlc, device_id, seq; /* the op that wrote it */
    proto_field value;            /* name = the field's name */
} fold_candidate;

/* A field whose latest writes disagree: two or more "heads" (writes no
 * other write of the field has seen) with different values. The merged
 * field keeps the last-writer-wins value; the candidates keep every head,
 * sorted by (hlc, device_id, seq). An op that has seen every head (the
 * office's resolution: a set with a _seen covering them) ends it. */
#define FOLD_MAX_CONFLICTS 8
typedef struct fold_conflict {
    const char *field;
    uint32_t field_len;
    uint32_t ncand;
    fold_candidate cand[FOLD_MAX_CANDIDATES];
} fold_conflict;

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
    uint32_t nconflicts; /* fields in conflict, by name */
    fold_conflict conflicts[FOLD_MAX_CONFLICTS];
} fold_state;

/* Every status a work order's fold_state can have ("reported",
 * "reopened", "dispatched", ... "cancelled"), in life-cycle order,
 * NULL-terminated, static: the one list a page that words statuses
 * walks. */
const char *const *fold_wo_statuses(void);

/* Parses a state made by store_fold. Field strings point into buf. */
int fold_state_parse(const uint8_t *buf, size_t len, fold_state *out);

/* The value of a merged field; NULL when absent. */
const proto_field *fold_state_field(const fold_state *st, const char *name);

/* A str field's text into out (cap bytes, NUL-terminated, cut at cap - 1);
 * "" when absent or not a string. */
void fold_state_text(const fold_state *st, const char *name, char *out,
                     size_t cap);

/* Writes st's view as a _seen value (see FOLD_SEEN_FIELD) into out (cap
 * bytes, NUL-terminated); *len gets its length. RND_ENOSPACE if it does not
 * fit. Built from st's events, so it is exact up to FOLD_MAX_EVENTS ops. */
int fold_seen_encode(const fold_state *st, char *out, size_t cap, size_t *len);

/* The device wall time of the op that wrote candidate cd, from st's events
 * (0 when it is past FOLD_MAX_EVENTS): what listings show as "when". */
int64_t fold_candidate_wall_ms(const fold_state *st, const fold_candidate *cd);

/* The first event with the given action, or NULL. */
const fold_event *fold_state_first(const fold_state *st, int action);

#endif
