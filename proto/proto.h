/* proto.h: the op (change) format shared by handhelds and the server.
 *
 * Every record a handheld or the office makes is an op in its writer's
 * append-only log. An op is identified by (device_id, seq), carries a hybrid
 * logical clock stamp, the device's wall time, the entity it changes, an
 * action, a small map of named fields, and the SHA-256 of the same device's
 * previous encoded op (a tamper-evident chain).
 *
 * Wire form (MessagePack, format version 1): an array of 10 elements
 *   [version u8, device_id u64, seq u64, hlc u64, wall_ms i64, kind u8,
 *    entity bin(16), action u8, fields map, prev_hash bin(32)]
 * fields is a map of str keys (1..PROTO_FIELD_NAME_MAX bytes, strictly
 * ascending bytewise, so the encoding is canonical) to nil, bool, int or str
 * values. docs/DATA-MODEL.md describes every kind, action and field.
 *
 * No I/O here: encode into a caller's buffer, decode from a caller's bytes.
 */
#ifndef RND_PROTO_H
#define RND_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

#define PROTO_OP_VERSION 1
#define PROTO_OP_MAX_FIELDS 48
#define PROTO_FIELD_NAME_MAX 32
#define PROTO_FIELD_STR_MAX 4096
#define PROTO_OP_MAX_BYTES 65536
#define PROTO_ENTITY_LEN 16
#define PROTO_HASH_LEN 32

/* Entity kinds. Values are part of the wire format: never renumber. */
#define PROTO_KIND_MAP(XX)                                                     \
    XX(SCAN, 1, "scan")                                                        \
    XX(VISIT, 2, "visit")                                                      \
    XX(VEHICLE, 3, "vehicle")                                                  \
    XX(WORKORDER, 4, "workorder")                                              \
    XX(INSPECTION, 5, "inspection")                                            \
    XX(HANDOVER, 6, "handover")                                                \
    XX(DUTYLOG, 7, "dutylog")                                                  \
    XX(INCIDENT, 8, "incident")                                                \
    XX(OWNERKEY, 9, "ownerkey")                                                \
    XX(LOSTFOUND, 10, "lostfound")                                             \
    XX(EXITSLIP, 11, "exitslip")                                               \
    XX(TASK, 12, "task")                                                       \
    XX(SITE, 32, "site")                                                       \
    XX(UNIT, 33, "unit")                                                       \
    XX(ROUTE, 34, "route")                                                     \
    XX(CHECKPOINT, 35, "checkpoint")                                           \
    XX(STAFF, 36, "staff")                                                     \
    XX(PLATE, 37, "plate")                                                     \
    XX(BLACKLIST, 38, "blacklist")                                             \
    XX(RESOLUTION, 39, "resolution")                                           \
    XX(PII_ACCESS, 40, "pii_access")                                           \
    XX(PII_KEY, 41, "pii_key")                                                 \
    XX(HOLIDAY, 42, "holiday")                                                 \
    XX(ROSTER, 43, "roster")                                                   \
    XX(TASKPLAN, 44, "taskplan")                                               \
    XX(TAG_KEY, 45, "tag_key")

enum proto_kind {
#define PROTO_KIND_ENUM_(name, val, str) PROTO_KIND_##name = val,
    PROTO_KIND_MAP(PROTO_KIND_ENUM_)
#undef PROTO_KIND_ENUM_
};

/* Actions. Values are part of the wire format: never renumber. */
#define PROTO_ACTION_MAP(XX)                                                   \
    XX(CREATE, 1, "create")                                                    \
    XX(SET, 2, "set")                                                          \
    XX(EXIT, 3, "exit")                                                        \
    XX(REFUSE, 4, "refuse")                                                    \
    XX(DISPATCH, 10, "dispatch")                                               \
    XX(ARRIVE, 11, "arrive")                                                   \
    XX(COMPLETE, 12, "complete")                                               \
    XX(CALLBACK, 13, "callback")                                               \
    XX(CLOSE, 14, "close")                                                     \
    XX(CANCEL, 15, "cancel")                                                   \
    XX(REOPEN, 16, "reopen")                                                   \
    XX(RECEIVE, 17, "receive")                                                 \
    XX(FEEDBACK, 18, "feedback")                                               \
    XX(ESCALATE, 19, "escalate")                                               \
    XX(ACK, 20, "ack")                                                         \
    XX(REPLY, 21, "reply")                                                     \
    XX(ASSESS, 22, "assess")                                                   \
    XX(ATTACH, 23, "attach")                                                   \
    XX(RETIRE, 30, "retire")                                                   \
    XX(RETURN, 51, "return")                                                   \
    XX(DISPOSE, 52, "dispose")

enum proto_action {
#define PROTO_ACTION_ENUM_(name, val, str) PROTO_ACTION_##name = val,
    PROTO_ACTION_MAP(PROTO_ACTION_ENUM_)
#undef PROTO_ACTION_ENUM_
};

/* Name of a kind or action ("workorder", "dispatch"), or NULL if unknown. */
const char *proto_kind_name(int kind);
const char *proto_action_name(int action);
/* For a master-data kind (site .. blacklist), its fields in the order
 * listings show them, NULL-terminated; the first is the natural key the
 * office keys it by (docs/DATA-MODEL.md). NULL for other kinds. Static. */
const char *const *proto_kind_columns(int kind);

/* 1 when action is one an op of kind may carry (docs/DATA-MODEL.md,
 * "Actions"): create and set on every kind, exit on visits and vehicles,
 * refuse on visits, dispatch..receive and feedback, escalate, reply,
 * assess on work orders, ack on handovers, retire on master data
 * (site..blacklist, pii_key, holiday, taskplan, tag_key); escalate and
 * close on incidents, return on owners' keys and lost-and-found items,
 * dispose on lost-and-found items; attach on every record kind (scan ..
 * task: proto/attach.h). The op decoder refuses any other pair. */
int proto_action_fits(int kind, int action);

/* A work order's receive op (action receive): written by the assignee's
 * handheld right after a pull brought it a dispatch naming its user or
 * device (handheld/receive.c), once per dispatch. Its metadata str field
 * PROTO_RECEIVE_OF_FIELD names that dispatch as "<device_id 16 hex>:<seq>";
 * like every field starting with '_' it is not merged into the fields
 * (docs/DATA-MODEL.md, "Delivery of a dispatch"). */
#define PROTO_RECEIVE_OF_FIELD "_dispatch"
/* How far a work order's called_at may lie past the wall clock of the op
 * that records it: a call in the future is a typing or clock error. The
 * handheld refuses more (RND_EFIELD naming called_at); the workorders
 * report flags an older op that carries one (clock_flag
 * called_at_ahead). */
#define PROTO_CALLED_AT_AHEAD_MS (5 * 60 * 1000LL)

/* Reverse look-up; returns the value or 0 when name is unknown. */
int proto_kind_from_name(const char *name);
int proto_action_from_name(const char *name);

enum proto_value_type {
    PROTO_NIL = 0,
    PROTO_BOOL = 1,
    PROTO_INT = 2,
    PROTO_STR = 3,
};

/* One named field. name and str point into memory the caller owns (for a
 * decoded op: into the decoded buffer); they are not NUL-terminated. */
typedef struct proto_field {
    const char *name;
    uint32_t name_len;
    uint8_t type; /* enum proto_value_type */
    int64_t i;    /* PROTO_INT; 0/1 for PROTO_BOOL */
    const char *str;
    uint32_t str_len;
} proto_field;

typedef struct proto_op {
    uint32_t version;
    uint64_t device_id;
    uint64_t seq; /* 1, 2, 3 ... per device, never reused */
    uint64_t hlc; /* PROTO_HLC_MS(hlc) << 16 | logical counter */
    int64_t wall_ms;
    uint8_t kind;
    uint8_t entity[PROTO_ENTITY_LEN];
    uint8_t action;
    uint32_t nfields;
    proto_field fields[PROTO_OP_MAX_FIELDS];
    uint8_t prev_hash[PROTO_HASH_LEN];
} proto_op;

/* Resets op to an empty version-1 op with no fields. */
void proto_op_init(proto_op *op);

/* Field builders. name must be a NUL-terminated literal or string that
 * outlives op; the value is not copied either. Return RND_ETOOBIG when the op
 * already has PROTO_OP_MAX_FIELDS fields or a value is over its limit,
 * RND_EINVAL for an empty or over-long name. */
int proto_op_add_str(proto_op *op, const char *name, const char *str,
                     size_t len);
int proto_op_add_int(proto_op *op, const char *name, int64_t v);
int proto_op_add_bool(proto_op *op, const char *name, int v);
int proto_op_add_nil(proto_op *op, const char *name);

/* Finds a field by NUL-terminated name; NULL when absent. */
const proto_field *proto_op_field(const proto_op *op, const char *name);
/* The same in a list of n fields (a record's input, a merged state). */
const proto_field *proto_fields_find(const proto_field *f, uint32_t n,
                                     const char *name);
/* 1 when f is a str field holding exactly s (NUL-terminated); f may be
 * NULL. */
int proto_field_is(const proto_field *f, const char *s);

/* Encodes op into buf (capacity cap), writing the length to *len. Fields are
 * written sorted by name; duplicate names give RND_EINVAL. Returns
 * RND_ENOSPACE when cap is too small, RND_ETOOBIG when the result would
 * exceed PROTO_OP_MAX_BYTES. */
int proto_op_encode(const proto_op *op, uint8_t *buf, size_t cap, size_t *len);

/* Decodes untrusted bytes. The whole of buf[0..len) must be exactly one op.
 * On success op's field names and strings point into buf: they stay valid
 * while buf does. Errors: RND_ETRUNC, RND_ETYPE, RND_ETOOBIG, RND_EVERSION,
 * RND_EMALFORMED (unknown kind or action, wrong array length, unsorted or
 * duplicate field names, trailing bytes, bad bin lengths). Never reads
 * outside buf. */
int proto_op_decode(const uint8_t *buf, size_t len, proto_op *op);

/* proto_op_decode, plus the rules a new op is admitted by
 * (docs/DATA-MODEL.md, "Wire and disk form"): every integer in its
 * shortest form, seq and hlc >= 1, an action that fits the kind
 * (proto_action_fits); any of them broken is RND_EMALFORMED. Every field
 * name and string value is well-formed UTF-8 without control characters
 * (values may hold LF and TAB: proto/utf8.h), else RND_EFIELD. roundsd
 * decodes pushed ops with it; ops already stored (written before these
 * rules, or by this code) are read with proto_op_decode. */
int proto_op_decode_strict(const uint8_t *buf, size_t len, proto_op *op);

/* SHA-256 of an encoded op: what the device's next op stores as prev_hash. */
void proto_op_hash(const uint8_t *enc, size_t len, uint8_t out[PROTO_HASH_LEN]);

/* Hybrid logical clock (Kulkarni et al.): 48 bits of wall-clock ms and a
 * 16-bit logical counter in one uint64 that orders as an integer. */
#define PROTO_HLC_MS(h) ((int64_t)((h) >> 16))
#define PROTO_HLC_MAKE(ms, c) (((uint64_t)(ms) << 16) | ((c)&0xffffu))

/* Stamp for a local event: greater than last, close to wall_ms. */
uint64_t proto_hlc_next(uint64_t last, int64_t wall_ms);
/* Clock after receiving a remote stamp: greater than last and remote. */
uint64_t proto_hlc_recv(uint64_t last, uint64_t remote, int64_t wall_ms);

/* Whether remote's ms part is past wall_ms + max_offset_ms (saturating); a
 * negative max_offset_ms means no bound (never beyond). */
int proto_hlc_beyond(uint64_t remote, int64_t wall_ms, int64_t max_offset_ms);

/* proto_hlc_recv() that no remote stamp can move past wall_ms +
 * max_offset_ms (CockroachDB's max-offset rule): a remote beyond it
 * (proto_hlc_beyond) leaves the clock at last. wall_ms is the receiver's
 * best idea of true time; a negative max_offset_ms means unbounded. */
uint64_t proto_hlc_recv_bounded(uint64_t last, uint64_t remote, int64_t wall_ms,
                                int64_t max_offset_ms);

/* Entity ids are ULID-shaped: 6 bytes of big-endian creation ms, then 10
 * random bytes from the OS, so ids sort by creation time. Returns
 * RND_ECRYPTO if the OS gives no randomness. */
int proto_entity_new(uint8_t out[PROTO_ENTITY_LEN], int64_t wall_ms);
/* The deterministic id of the office's master-data entity of kind with
 * natural key key[0..len) on site: bytes 0..5 zero, bytes 6..15 the first
 * 10 bytes of SHA-256("<kind name>/<site>/<key>") (docs/DATA-MODEL.md,
 * "Master data"). The office writes under it; a handheld finds a staff
 * member's record by it. */
void proto_md_entity_id(int kind, const char *site, const char *key,
                        size_t len, uint8_t out[PROTO_ENTITY_LEN]);
/* n bytes as 2n lowercase hex chars + NUL into out (2n + 1 bytes). */
void proto_hex(const void *p, size_t n, char *out);
/* Exactly 2n lowercase hex chars of s into n bytes; RND_EINVAL on any
 * other character (s need not be NUL-terminated after them). */
int proto_unhex(const char *s, size_t n, uint8_t *out);
/* 32 lowercase hex chars + NUL into out (33 bytes). */
void proto_entity_hex(const uint8_t id[PROTO_ENTITY_LEN], char out[33]);
/* Parses 32 hex chars; RND_EINVAL otherwise. */
int proto_entity_parse(const char *hex, uint8_t out[PROTO_ENTITY_LEN]);

/* Personal data shown on screens and reports: an ID document number field
 * ("id_no") is masked everywhere it is listed (PIPL; docs/DATA-MODEL.md). */
int proto_field_is_id_no(const proto_field *f);
/* Masks an ID number for display: keeps the first 3 and last 2 characters
 * of one longer than 5, stars elsewhere. out gets at most cap bytes,
 * NUL-terminated. */
void proto_mask_id(const char *in, size_t len, char *out, size_t cap);

/* Canonical forms for matching at the gate: the office stores master-data
 * keys in them and the handheld compares in them (docs/DATA-MODEL.md,
 * "Master data"). out gets at most cap - 1 bytes and a NUL.
 * - plate: ASCII letters upper-cased; spaces, tabs, '-', '.' and the middle
 *   dot U+00B7 removed ("京a·12345" -> "京A12345");
 * - name: spaces and tabs trimmed and collapsed, ASCII letters lower-cased;
 * - ID number: spaces, tabs and '-' removed, ASCII letters upper-cased. */
void proto_norm_plate(const char *in, size_t len, char *out, size_t cap);
void proto_norm_name(const char *in, size_t len, char *out, size_t cap);
void proto_norm_id_no(const char *in, size_t len, char *out, size_t cap);

/* Fills buf with n random bytes from the OS; RND_ECRYPTO on failure. */
int proto_random(void *buf, size_t n);

/* Big-endian helpers used by key layouts everywhere. */
static inline void proto_be64_put(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}
static inline uint64_t proto_be64_get(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

#endif
