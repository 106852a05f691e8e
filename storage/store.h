/* store.h: the LMDB store shared by the handheld and the server.
 *
 * One LMDB environment per store (a directory), with named databases:
 *   ops      (device_id u64be, seq u64be) -> recv_ms i64be + encoded op
 *   log      arrival position u64be -> (device_id u64be, seq u64be)
 *   eops     (entity 16, hlc u64be, device_id u64be, seq u64be) -> empty
 *   entities entity 16 -> kind u8 + flags u8 + merged state (see fold.h)
 *   bykind   (kind u8, entity 16) -> empty      every entity of a kind
 *   open     (kind u8, entity 16) -> empty      entities in an open state
 *   heads    device_id u64be -> max seq u64be + SHA-256 of that op (32)
 *   meta     str key -> value (identity, next seq, HLC, chain head, ...)
 * docs/DATA-MODEL.md keeps the authoritative key layout.
 *
 * Durability: every store_write() returns only after a durable commit (no
 * MDB_NOSYNC/NOMETASYNC/MAPASYNC anywhere). When the map is full the store
 * grows it and replays the write, so write callbacks must be replayable.
 *
 * Threads: one thread may write (store_write) while others read (each in
 * its own read transaction): roundsd commits on a thread of its own while
 * its event loop serves pulls. store_write() calls from several threads
 * take turns. Any other sharing of one store between threads is the
 * caller's to serialise. Read transactions are cheap; pointers returned
 * from a transaction are valid only until that transaction ends (they
 * point into the LMDB map), and a transaction is used by the thread that
 * began it.
 */
#ifndef RND_STORE_H
#define RND_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../proto/errors.h"
#include "../proto/proto.h"
#include "fold.h"

/* The current on-disk format, kept in meta key "format". A store with a
 * higher one is refused with RND_ESTOREVER. Format 2 added the heads
 * database (every device's chain head, kept in the same transaction as its
 * ops). A format-1 store opened writable is migrated to format 2 by the
 * open itself, in one durable write transaction (all or nothing); opened
 * with STORE_RDONLY it is read as it is: everything reads the same, chain
 * heads are computed from ops (store_device_head). Format 3 added the
 * attachment indexes, format 4 the refs (store_refs_person). */
#define STORE_FORMAT_VERSION 4

typedef struct store store;         /* opaque */
typedef struct store_txn store_txn; /* opaque */

enum store_open_flags {
    STORE_CREATE = 1, /* create the directory and databases if absent */
    STORE_RDONLY = 2, /* read-only: for reports beside a running writer */
};

/* Opens (or with STORE_CREATE creates) the store in directory dir.
 * On success *out owns the environment until store_close(). A writable
 * open migrates an older format first (see STORE_FORMAT_VERSION). Errors:
 * RND_ENOTFOUND (no store and no STORE_CREATE), RND_ESTOREVER, RND_ECORRUPT,
 * RND_ELOCKED, RND_EIO, and any storage error of a migration (the store is
 * then left in its old format). */
int store_open(const char *dir, unsigned flags, store **out);

/* store_open() that also says whether it migrated: *migrated_from (may be
 * NULL) gets the format the store had before this open migrated it, or 0
 * when it needed no migration (already current, new, or read-only). For
 * callers that log the upgrade once or run it on purpose (an explicit
 * migrate command opens with flags 0 and reports *migrated_from). */
int store_open_migrate(const char *dir, unsigned flags, store **out,
                       int *migrated_from);

/* The format of an open store: STORE_FORMAT_VERSION for a writable one, the
 * store's own for a read-only one (1 for an old store read as it is). */
int store_format(const store *s);

/* Creates directory dir and its missing parents (mode 0700), like
 * `mkdir -p`. Returns 0 or an errno value (not an RND code: callers report
 * it with strerror). */
int store_mkdirs(const char *dir);

/* Closes the store; NULL is allowed. No transaction may be open. */
void store_close(store *s);

/* Writes a consistent, compacted copy of the store into directory dir
 * (created like store_mkdirs(); it must not hold a store already): LMDB's
 * mdb_env_copy2(MDB_CP_COMPACT), which reads one snapshot, so it runs
 * beside a live writer (another process included) and copies what was
 * committed when it began. Works on a read-only store. Errors: RND_EEXIST
 * (dir holds a data.mdb), RND_EIO and storage errors (raw text as usual). */
int store_copy(store *s, const char *dir);

/* Maps the pages of the data file that are in the page cache into this
 * process's page tables (MADV_POPULATE_READ, Linux 5.14; nothing before
 * it), so the first reads of a new process fault less (the first Now of
 * `rounds app`, docs/PERFORMANCE.md). Reads nothing from the disk. In
 * chunks of 16 MiB, each under its own read transaction (a writer may grow
 * and move the map between two). For a thread of its own beside the
 * store's other users: 15-30 ms for 545 MB here. Returns 0 or a storage
 * error. */
int store_prefault(store *s);

/* The raw error (LMDB or errno) behind the last RND_ESTORE-class failure,
 * and its text, for logs. */
int store_last_raw_error(const store *s);
const char *store_last_raw_text(const store *s);

/* Runs fn(txn, ctx) in one write transaction and commits it durably.
 * If fn returns non-zero the transaction is aborted and that value returned.
 * If the map fills (inside fn or at commit), the transaction is aborted, the
 * map doubled and fn called again from the start: fn must only change
 * state through txn, or reset what it sets in ctx at its start.
 * Returns 0 only once the commit is on disk. */
typedef int (*store_write_fn)(store_txn *txn, void *ctx);
int store_write(store *s, store_write_fn fn, void *ctx);

/* A read transaction: a consistent snapshot until store_read_end(). */
int store_read_begin(store *s, store_txn **out);
void store_read_end(store_txn *txn);

/* ---- meta ---------------------------------------------------------------
 * Small named values. Keys are NUL-terminated strings. *val points into the
 * map, valid until the transaction ends. RND_ENOTFOUND when absent. */
int store_meta_get(store_txn *txn, const char *key, const void **val,
                   size_t *len);
int store_meta_put(store_txn *txn, const char *key, const void *val,
                   size_t len);
int store_meta_get_u64(store_txn *txn, const char *key, uint64_t *out);
int store_meta_put_u64(store_txn *txn, const char *key, uint64_t v);

/* ---- identity of this store's own writer -------------------------------- */
#define STORE_NAME_MAX 64
typedef struct store_identity {
    uint64_t device_id;
    char site[STORE_NAME_MAX];          /* NUL-terminated */
    char name[STORE_NAME_MAX];          /* NUL-terminated */
    uint64_t next_seq;                  /* seq the next local op will get */
    uint64_t hlc;                       /* last HLC stamp issued or seen */
    uint8_t chain_head[PROTO_HASH_LEN]; /* hash of our last op, or zeros */
} store_identity;

/* Sets the writer identity once: RND_EEXIST if already set. next_seq starts
 * at 1, chain_head at zeros. */
int store_identity_init(store_txn *txn, uint64_t device_id, const char *site,
                        const char *name);
/* RND_ENOTINIT when the store has no identity yet. */
int store_identity_get(store_txn *txn, store_identity *out);

/* Appends a new op written by this store's own writer. Fills op->version,
 * device_id, seq (next_seq), hlc (proto_hlc_next over the stored HLC and
 * wall_ms), wall_ms and prev_hash (chain head); encodes it; stores it with
 * recv_ms = wall_ms; advances next_seq, HLC and chain head; indexes and folds
 * its entity. The caller sets kind, entity, action and fields. Optional
 * out_seq receives the seq. */
int store_append_local(store_txn *txn, proto_op *op, int64_t wall_ms,
                       uint64_t *out_seq);

/* Recovery of a store restored from an older copy of itself (or copied):
 * the server holds this store's own writer's ops under seqs this store
 * has used for other ops, or has not reached. theirs holds n encoded ops
 * back to back (lens[i] bytes each): the writer's ops as the server holds
 * them, seqs from, from + 1, ..., chained onto this store's op from - 1.
 * In this transaction, the store's own ops with seq >= from (written here
 * after the restore point, never acknowledged) are taken out (ops, eops,
 * log), theirs are stored in their place as the writer's own, and the
 * taken-out ops are appended again after them in their order: new seq,
 * prev_hash and HLC (above every stamp now held), the same kind, entity,
 * action, fields and wall_ms, their entities refolded. Ops refer to each
 * other by entity id, never by seq, so an exit still finds its visit.
 * *renumbered gets the number of ops appended again. Errors: RND_ECHAIN
 * (an op of theirs is another device's, out of seq order or does not
 * chain), RND_EINVAL (from is 0 or past next_seq), RND_ENOMEM, decode
 * and storage errors; the transaction must then not commit (store_write
 * aborts it). */
int store_own_rebase(store_txn *txn, uint64_t from, const uint8_t *theirs,
                     const uint32_t *lens, size_t n, int64_t recv_ms,
                     uint64_t *renumbered);

/* How far a received stamp may move this store's HLC (DESIGN.md, "no
 * receiver lets a remote stamp move its own clock past its wall time plus
 * a configured maximum offset"): an ingested op whose HLC ms is past
 * recv_ms + wall_adjust_ms + max_offset_ms leaves the HLC where it was
 * (proto_hlc_recv_bounded); the op itself is stored as usual. A negative
 * max_offset_ms means no bound. wall_adjust_ms corrects recv_ms to true
 * time: the handheld's measured offset (server minus device), 0 on the
 * server. Defaults: STORE_MAX_OFFSET_DEFAULT_MS and 0. Set it before any
 * write, from the thread that writes. */
#define STORE_MAX_OFFSET_DEFAULT_MS (5 * 60 * 1000LL)

/* Read transactions open at once on one store, across every process that
 * has it open (LMDB's reader table; its default is 126). A transaction
 * holds its slot only while it lasts (MDB_NOTLS). */
#define STORE_MAX_READERS 1024
void store_set_clock_bound(store *s, int64_t max_offset_ms,
                           int64_t wall_adjust_ms);

/* Whether an op stamped hlc, received at recv_ms, is beyond the bound
 * above of txn's store (the server counts such ops per device). */
int store_ingest_beyond(store_txn *txn, uint64_t hlc, int64_t recv_ms);

/* Stores an op encoded by another writer (received through sync).
 * Decodes and validates it; if (device_id, seq) is already present sets
 * *added = 0 and changes nothing, else stores it with recv_ms, advances the
 * local HLC past the op's stamp (within store_set_clock_bound's bound) and
 * the device's chain head (when seq is its highest), indexes and folds its
 * entity and sets *added = 1. Chain checks are the caller's (see
 * store_chain_check). */
int store_ingest(store_txn *txn, const uint8_t *enc, size_t len,
                 int64_t recv_ms, int *added);

/* store_ingest() for a caller that has already decoded enc into op (with
 * proto_op_decode: op's fields point into enc). Saves a decode an op. */
int store_ingest_op(store_txn *txn, const proto_op *op, const uint8_t *enc,
                    size_t len, int64_t recv_ms, int *added);

/* An op's header: all of an op that storing it reads once its entity's
 * state has been folded (store_prepare). */
typedef struct store_op_head {
    uint32_t version;
    uint64_t device_id;
    uint64_t seq;
    uint64_t hlc;
    int64_t wall_ms;
    uint8_t kind;
    uint8_t action;
    uint8_t entity[PROTO_ENTITY_LEN];
    uint8_t prev_hash[PROTO_HASH_LEN];
} store_op_head;

/* One op ready to ingest: everything store_ingest_prepared() needs, worked
 * out from the op alone before any transaction: its header, its encoding,
 * its hash (the device's next prev_hash) and the merged state it gives an
 * entity it creates (most ops create one: a scan, a visit's entry).
 * roundsd prepares on its event-loop thread while its commit thread
 * writes, so that work leaves the commit; the commit never sees the
 * decoded op. */
typedef struct store_prep {
    store_op_head head;
    const uint8_t *enc; /* the encoded op: not copied, see store_prepare */
    size_t len;
    uint8_t hash[PROTO_HASH_LEN];
    const uint8_t *state; /* the state of an entity of this op alone */
    size_t state_len;
    fold_info info;
} store_prep;

/* Fills *p for op, decoded from enc[0..len): the header is copied, enc is
 * not (p->enc points to it: keep it alive and unmoved until the ingest),
 * the state is written to out (cap bytes; p->state points there: keep out
 * alive and unmoved, or set p->state again after moving it). Needs no
 * store. Errors: those of store_fold (RND_ENOSPACE when cap is too
 * small). */
int store_prepare(const proto_op *op, const uint8_t *enc, size_t len,
                  uint8_t *out, size_t cap, store_prep *p);

/* store_ingest_op() of the op p was prepared from (store_prepare): it
 * neither decodes nor hashes the op nor, when the op creates its entity,
 * folds it. */
int store_ingest_prepared(store_txn *txn, const store_prep *p, int64_t recv_ms,
                          int *added);

/* Looks up one op. *enc points into the map until the transaction ends. */
int store_op_get(store_txn *txn, uint64_t device_id, uint64_t seq,
                 const uint8_t **enc, size_t *len, int64_t *recv_ms);

/* Highest stored seq of device_id, 0 when none. */
int store_device_max_seq(store_txn *txn, uint64_t device_id, uint64_t *out);

/* The chain head of device_id: the highest seq the store holds (0 when
 * none) and the SHA-256 of that op's encoding (zeros when none). Read from
 * heads (in a write transaction, from what it has changed so far); in a
 * format-1 store opened read-only, from the last op itself. */
int store_device_head(store_txn *txn, uint64_t device_id, uint64_t *seq,
                      uint8_t hash[PROTO_HASH_LEN]);

/* Checks that the op (already decoded) links to what the store holds of its
 * device: seq is max_seq + 1 and prev_hash is the hash of op max_seq (zeros
 * for seq 1). RND_ECHAIN otherwise. Costs a heads look-up, no op read. */
int store_chain_check(store_txn *txn, const proto_op *op);

/* Iteration callbacks return 0 to go on, non-zero to stop (that value is
 * then returned by the iterating function, unless it is 1, which stops with
 * success). Pointers are valid during the call only. */
typedef int (*store_op_cb)(const uint8_t *enc, size_t len, int64_t recv_ms,
                           void *ctx);

/* The ops of device_id with seq >= from_seq, ascending. */
int store_ops_each_device(store_txn *txn, uint64_t device_id, uint64_t from_seq,
                          store_op_cb cb, void *ctx);

/* The same walk giving each op's seq as its key holds it, so a reader that
 * checks ops (report/integrity.c) can tell a key from what the bytes say,
 * even for bytes that no longer decode. */
typedef int (*store_op_seq_cb)(uint64_t seq, const uint8_t *enc, size_t len,
                               int64_t recv_ms, void *ctx);
int store_ops_each_seq(store_txn *txn, uint64_t device_id, uint64_t from_seq,
                       store_op_seq_cb cb, void *ctx);

/* The smallest device id >= from that has ops in the store (reports walk
 * every device's log with it); RND_ENOTFOUND when there is none. */
int store_ops_next_device(store_txn *txn, uint64_t from, uint64_t *out);

/* Ops in arrival order starting at arrival position from_pos (0 = first);
 * the position after the last visited op is written to *next_pos. Used by
 * the server's pull cursor. */
int store_log_each(store_txn *txn, uint64_t from_pos, store_op_cb cb, void *ctx,
                   uint64_t *next_pos);

/* The log alone from arrival position from_pos: each entry's position and
 * the device that wrote its op, without reading the op (a tenth of
 * store_log_each's cost: report_devices counts every handheld's ops behind
 * in one walk). cb returns 0 to go on, 1 to stop, else an error that is
 * passed back. */
typedef int (*store_log_writer_cb)(uint64_t pos, uint64_t device_id, void *ctx);
int store_log_writers(store_txn *txn, uint64_t from_pos, store_log_writer_cb cb,
                      void *ctx);

/* Number of ops stored (all devices). */
int store_op_count(store_txn *txn, uint64_t *out);

/* ---- merged entities ---------------------------------------------------- */
typedef int (*store_entity_cb)(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                               const uint8_t *state, size_t len, void *ctx);

/* The merged state of an entity (see fold.h for its encoding). */
int store_entity_get(store_txn *txn, const uint8_t id[PROTO_ENTITY_LEN],
                     int *kind, const uint8_t **state, size_t *len);

/* Every entity of kind, in id order (= creation time order for ULID ids).
 * open_only restricts to those whose fold marked them open (visitors or
 * vehicles inside, work orders not closed or cancelled, ...). */
int store_entities_each(store_txn *txn, int kind, int open_only,
                        store_entity_cb cb, void *ctx);
/* How many entities of kind there are (open_only: in the open index),
 * from the index's keys alone: no state is read. */
int store_entities_count(store_txn *txn, int kind, int open_only, uint64_t *n);

/* The same walk from the first id >= from (NULL: from the first), so a
 * walk of the records created since a time (ids begin with it) skips the
 * older ones without reading them. */
int store_entities_from(store_txn *txn, int kind, int open_only,
                        const uint8_t from[PROTO_ENTITY_LEN],
                        store_entity_cb cb, void *ctx);

/* The same walk with each state parsed (fold_state_parse): kind 0 walks
 * every kind in ascending order; conflicts_only skips entities with no
 * conflict. st is valid during the callback only; the callback convention
 * is the one above. */
typedef int (*store_state_cb)(const fold_state *st, void *ctx);
int store_states_each(store_txn *txn, int kind, int open_only,
                      int conflicts_only, store_state_cb cb, void *ctx);

/* ---- refs: records by the person and the unit they name (format 4) ----
 * Kept in step with every entity's state (store_refs.c): reading one
 * person's open records or one unit's inspections then costs a seek and
 * the few keys that name them, not a read of every open record's or
 * inspection's state. A value longer than STORE_REF_MAX bytes or holding
 * a NUL byte is not indexed. A store opened read-only in an older format
 * has none: these return RND_ENOTFOUND there (store_has_refs() says so
 * first), and the caller walks the states as before. */
#define STORE_REF_MAX 200

/* Whether txn's store holds refs: a writable store, or one of format 4 or
 * later. */
int store_has_refs(const store_txn *txn);

/* Every open entity of kind (a work order or a handover: the kinds
 * indexed; RND_EINVAL for another) whose field by, assignee or to is the
 * string person, once each, in id order; cb as store_entities_each()'s
 * (its non-zero return stops the walk and is returned). A candidate set:
 * the caller still reads which field names the person. */
int store_refs_person(store_txn *txn, int kind, const char *person,
                      store_entity_cb cb, void *ctx);

/* An inspection of a unit, as refs hold it: its id and the record
 * event's (the first create, else the first op: rpt_record_event) device
 * time, stamp and clock offset (fold_event's wall_ms, hlc, clk). */
typedef struct store_unit_ref {
    uint8_t id[PROTO_ENTITY_LEN];
    int64_t wall_ms;
    uint64_t hlc;
    int64_t clk;
} store_unit_ref;
typedef int (*store_unit_cb)(const store_unit_ref *r, void *ctx);

/* Every entity of kind (inspections: the only kind indexed by unit;
 * RND_EINVAL for another) whose string field unit is unit, in id order,
 * without reading their states. */
int store_refs_unit(store_txn *txn, int kind, const char *unit,
                    store_unit_cb cb, void *ctx);

/* The records whose id starts with typed: 8 to 32 hex digits, any case
 * (store_prefix.c). Up to max of their ids go into ids, the count of all
 * into *found (0: none). RND_EINVAL when typed is not such a prefix. Opens
 * its own read transaction. */
int store_entity_prefix(store *st, const char *typed,
                        uint8_t (*ids)[PROTO_ENTITY_LEN], size_t max,
                        size_t *found);

/* The hex digits a listing of kind must show of each id (8 to 32) for
 * every one to be a prefix no other record in the store has, into *width
 * (8 on failure). Opens its own read transaction. 0 or a store error. */
int store_id_width(store *st, int kind, int *width);

/* Re-folds every entity from its ops (used after a fold-rule upgrade and by
 * tests); returns the number of entities folded in *n. */
int store_refold_all(store_txn *txn, uint64_t *n);

/* ---- attachments (storage/store_attach.c) ------------------------------- */

/* What the store knows of an attachment from the attach ops it holds
 * (proto/attach.h): the bytes themselves are in files beside the store
 * (storage/blob.h). atts is keyed by hash; eatts by record then hash, so a
 * record's attachments are one range. Both are written by the transaction
 * that stores the op. */
#define STORE_ATT_SENT 1   /* flags: a handheld's: the server holds them */
#define STORE_ATT_WANTED 2 /* a handheld's: fetch it at the next sync */
typedef struct store_att {
    uint8_t hash[PROTO_HASH_LEN];
    uint64_t size;
    uint8_t media; /* proto_media */
    uint8_t flags; /* STORE_ATT_* */
} store_att;

/* One record's reference to an attachment: the first attach op naming it
 * in fold order (hlc, device_id, seq), whatever order ops arrived in, so
 * two replicas holding the same ops hold the same references. */
typedef struct store_att_ref {
    uint8_t entity[PROTO_ENTITY_LEN];
    uint8_t hash[PROTO_HASH_LEN];
    uint8_t role; /* proto_att_role */
    uint8_t has_of;
    uint8_t of[PROTO_HASH_LEN]; /* a thumbnail's original */
    uint64_t hlc, device_id, seq;
    int64_t wall_ms;
} store_att_ref;

/* The attachment of hash: 0, or RND_ENOTFOUND when no op names it. */
int store_att_get(store_txn *txn, const uint8_t hash[PROTO_HASH_LEN],
                  store_att *out);
/* Sets its flags (a write transaction; RND_ENOTFOUND as above). */
int store_att_set_flags(store_txn *txn, const uint8_t hash[PROTO_HASH_LEN],
                        uint8_t flags);
/* Clears the bits of mask in every attachment's flags (a write
 * transaction): a handheld whose server was restored from a backup no
 * longer knows what the server holds. */
int store_att_clear_flags(store_txn *txn, uint8_t mask);
/* Every attachment, by hash; cb returns 0 to go on, 1 to stop, else an
 * error passed back. */
typedef int (*store_att_cb)(const store_att *att, void *ctx);
int store_att_each(store_txn *txn, store_att_cb cb, void *ctx);
/* The attachments of one record (entity NULL: of every record, by record
 * then hash), each with what atts says of it. */
typedef int (*store_att_ref_cb)(const store_att_ref *ref, const store_att *att,
                                void *ctx);
int store_att_each_of(store_txn *txn, const uint8_t *entity,
                      store_att_ref_cb cb, void *ctx);

/* ---- the digest of a replica (storage/digest.c) ------------------------- */

/* The digest `rounds dump` and `roundsd dump` print, to compare replicas:
 * SHA-256 over, for each entity by ascending kind 1..255 and ascending id
 * within a kind (store_entities_each(txn, kind, 0, ...)), its 16-byte id
 * then its merged state bytes exactly as stored; then, when the store
 * holds any attachment, "attachments" and each record's references
 * (store_att_each_of order: record, hash, original, hlc, device, seq,
 * size, role, has_of, media; digest.c). Two replicas holding the
 * same ops give the same digest. cb (may be NULL) sees each entity in that
 * order; a non-zero return stops the walk and is returned. *entities (may
 * be NULL) gets the count. */
int store_digest(store_txn *txn, store_entity_cb cb, void *ctx,
                 uint8_t digest[32], uint64_t *entities);

/* Prints one entity as `rounds dump` and `roundsd dump` list it (they must
 * agree, line for line): "ID KIND STATUS SHA256-OF-STATE\n", or with json
 * a {"id","kind","status","sha256"} object preceded by "," unless first. */
int store_dump_entry(FILE *f, int json, int first,
                     const uint8_t id[PROTO_ENTITY_LEN], int kind,
                     const uint8_t *state, size_t len);

#endif
