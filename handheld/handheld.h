/* handheld.h: the Rounds handheld library, the C API an app links.
 *
 * A handheld records patrol scans, visitors, vehicles, work orders, vacant-
 * unit inspections, shift handovers and duty-log notes while offline, each
 * as an op in its own append-only log inside a local LMDB store. Every
 * recording call returns only after the op is durably committed: when it
 * returns 0 the record survives a dead battery.
 *
 * Records are written through one generic call, hh_record(), that takes a
 * verb ("visit.enter", "workorder.dispatch", ...) and named values. Each verb
 * has a field table (hh_verbs()) that says which fields it takes, which are
 * required, their types and allowed values; the same table validates input
 * from the C API and the `rounds` CLI and documents itself in `--help`.
 * A bad field is refused with RND_EFIELD and a message naming it
 * (hh_last_error()), and nothing is written.
 *
 * Threads: an hh handle is used from one thread at a time.
 * Errors: functions return 0 or a negative RND_E* code (proto/errors.h).
 *
 * ABI: librounds_handheld.so exports the functions declared here (marked
 * HH_API) and those of proto/errors.h (rnd_strerror, ...), nothing else;
 * the store, the op format and the sync internals are linked in but
 * hidden, and test_install checks it. The handle (hh) and the records
 * handed to callbacks (hh_entity) are opaque: read them through the
 * functions below. The structs here are plain values the caller owns.
 */
#ifndef RND_HANDHELD_H
#define RND_HANDHELD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../proto/errors.h"

/* Marks the library's API: built with -fvisibility=hidden, the shared
 * library exports only what carries it. */
#if defined(__GNUC__)
#define HH_API __attribute__((visibility("default")))
#else
#define HH_API
#endif

/* Bytes of an entity id (a record's id); its text form is 32 hex digits. */
#define HH_ID_LEN 16

/* The text form of an id: 32 hex digits and a NUL. */
HH_API void hh_id_hex(const uint8_t id[HH_ID_LEN], char hex[33]);

/* Kinds of records, as hh_list() takes them and hh_entity_kind() returns
 * them (docs/DATA-MODEL.md; the values are those of the op format). 1..12
 * are the handheld's records, 32 and up the office's master data and
 * registers, synced down. */
enum hh_kind {
    HH_KIND_SCAN = 1,
    HH_KIND_VISIT = 2,
    HH_KIND_VEHICLE = 3,
    HH_KIND_WORKORDER = 4,
    HH_KIND_INSPECTION = 5,
    HH_KIND_HANDOVER = 6,
    HH_KIND_DUTYLOG = 7,
    HH_KIND_INCIDENT = 8,
    HH_KIND_OWNERKEY = 9,
    HH_KIND_LOSTFOUND = 10,
    HH_KIND_EXITSLIP = 11,
    HH_KIND_TASK = 12,
    HH_KIND_SITE = 32,
    HH_KIND_UNIT = 33,
    HH_KIND_ROUTE = 34,
    HH_KIND_CHECKPOINT = 35,
    HH_KIND_STAFF = 36,
    HH_KIND_PLATE = 37,
    HH_KIND_BLACKLIST = 38,
    HH_KIND_RESOLUTION = 39,
    HH_KIND_PII_ACCESS = 40,
    HH_KIND_PII_KEY = 41,
    HH_KIND_HOLIDAY = 42, /* the office's holiday calendar */
    HH_KIND_TASKPLAN = 44,
    HH_KIND_TAG_KEY = 45, /* the office's checkpoint tag keys */
    HH_KIND_ROSTER = 43,  /* who holds which route or post each shift */
};

/* The name of a kind ("workorder") or of an op's action ("dispatch"),
 * or NULL when unknown. Static storage. */
HH_API const char *hh_kind_name(int kind);
HH_API const char *hh_action_name(int action);

/* Environment variable naming the data directory when --data is absent. */
#define HH_DATA_ENV "ROUNDS_DATA"

typedef struct hh hh; /* opaque */

/* Opens the store in dir. RND_ENOTFOUND if there is none there,
 * RND_ENOTINIT if it has no device identity. *out is owned by the caller
 * until hh_close(). */
HH_API int hh_open(const char *dir, hh **out);

/* Creates a store in dir and gives the device a new random 64-bit id, the
 * site it belongs to and a name. RND_EEXIST if dir already holds a device. */
HH_API int hh_init(const char *dir, const char *site, const char *name,
                   hh **out);

/* Closes the handle; NULL is allowed. */
HH_API void hh_close(hh *h);

/* Puts the store's map in this process's page tables ahead of use
 * (store_prefault), so the first reads of a new process fault less: for
 * a thread of its own, started after hh_open, beside the handle's other
 * calls on other threads (it only uses read transactions of its own). It
 * must end before hh_close. 0 or a storage error. */
HH_API int hh_prefault(hh *h);

/* A human sentence about the last failure on h (names the bad field for
 * RND_EFIELD, the current status for RND_ETRANSITION). Valid until the next
 * call on h. Never NULL. */
HH_API const char *hh_last_error(const hh *h);

/* Replaces the wall clock (ms since the epoch) used to stamp ops; NULL
 * restores the default: the system clock, or in a build made with
 * -DROUNDS_TEST_CLOCK=ON the value of $ROUNDS_CLOCK_MS when it is set
 * (proto/clock.h). For tests and scripted days. */
HH_API void hh_set_clock(hh *h, int64_t (*now_ms)(void *ctx), void *ctx);

/* The wall clock the library stamps records with (ms since the epoch). */
HH_API int64_t hh_now_ms(hh *h);

/* The person now carrying the device: stamped as "by" on records that do not
 * name one. Stored durably; "" clears it. Signs out whoever signed in with a
 * PIN; a staff member who has a PIN is refused (RND_EFIELD naming 'user'):
 * they sign in with hh_signin instead. */
HH_API int hh_set_user(hh *h, const char *user);

/* ---- people: PIN sign-in (handheld/signin.c) ---------------------------- */
/* The office sets each staff member's PIN (4 to 8 digits, `roundsd staff
 * pin`); its Argon2id hash syncs down with the staff list and a handheld
 * verifies a typed PIN against it offline (docs/DATA-MODEL.md, "PINs").
 * A record whose "by" names a staff member who has a PIN is written only
 * while that person is signed in on the device (RND_EFIELD naming 'by'
 * otherwise), so nobody records as someone else. */

/* Wrong PINs in a row, per person and device, before sign-in locks. */
#define HH_PIN_TRIES 5

/* Signs staff in with pin, durably: the signed-in person is also the
 * device user (hh_set_user), the "by" of the records that follow. A
 * shift change on one device is: the outgoing guard records
 * handover.create to the incoming one, who signs in here and records
 * handover.ack. Errors: RND_ENOTFOUND (no active staff of that id in the
 * store), RND_EFIELD (not 4 to 8 digits, or no PIN set for that person),
 * RND_EAUTH (wrong PIN; hh_last_error() says how many tries are left; the
 * count is committed before the call returns), RND_ELOCKOUT (HH_PIN_TRIES
 * wrong PINs in a row: locked on this device until the office sets a new
 * PIN and it syncs down), RND_EMALFORMED (the synced hash is not one the
 * library accepts), storage errors. */
HH_API int hh_signin(hh *h, const char *staff, const char *pin);

/* Nobody signed in, and no device user. */
HH_API int hh_signout(hh *h);

/* The signed-in person's staff id into out (cap bytes, NUL-terminated),
 * "" when nobody. RND_ENOSPACE when it does not fit. */
HH_API int hh_signed_in(hh *h, char *out, size_t cap);

/* A sign-in screen's view of one person: whether the office set a PIN,
 * tries left before the lock (0..HH_PIN_TRIES) and whether it is locked. */
typedef struct hh_pin_state {
    int has_pin, tries_left, locked;
} hh_pin_state;

/* RND_ENOTFOUND when staff is no active staff member in the store. */
HH_API int hh_pin_state_get(hh *h, const char *staff, hh_pin_state *out);

/* ---- recording ---------------------------------------------------------- */

/* A named value given to hh_record(). value is the text form ("12",
 * "true", "urgent"); it is converted to the field's type. */
typedef struct hh_kv {
    const char *name;
    const char *value;
} hh_kv;

/* Records one verb. For verbs that create an entity (".enter", ".create",
 * ".record", ...) target is NULL and a new id is made; for the others target
 * is the entity's 32-hex id, or for "visit.exit"/"vehicle.exit" a pass number
 * or plate of a visit/vehicle still inside. On success the entity's id is
 * written to id_out (may be NULL). Some verbs write more than one op in the
 * same transaction (an inspection with a failed item also opens a work
 * order); id_extra (may be NULL) receives that second entity's id or zeros.
 * Errors: RND_EFIELD (unknown verb or field, missing required field, bad
 * value), RND_ENOTFOUND (no such target), RND_ETRANSITION (verb not allowed
 * in the entity's current status), RND_EEXIST (a pass already out), storage
 * errors. */
HH_API int hh_record(hh *h, const char *verb, const char *target,
                     const hh_kv *kv, size_t nkv, uint8_t id_out[HH_ID_LEN],
                     uint8_t id_extra[HH_ID_LEN]);

/* One record of a batch for hh_record_many(). The caller fills verb, target
 * and kv; id (and extra) are written on success. */
typedef struct hh_batch_item {
    const char *verb;
    const char *target;
    const hh_kv *kv;
    size_t nkv;
    uint8_t id[HH_ID_LEN];
    uint8_t extra[HH_ID_LEN];
} hh_batch_item;

/* Records n items in one durable transaction (group commit): either all are
 * written or none. Later items see the effect of earlier ones (a visit
 * entered and exited in one batch). On failure *failed (may be NULL) gets
 * the index of the item at fault and hh_last_error() says why. */
HH_API int hh_record_many(hh *h, hh_batch_item *items, size_t n,
                          size_t *failed);

/* Gate checks against the office's master data, made offline from what the
 * store holds (the site's merged blacklist and resident plates, synced down
 * like any other record), inside the recording transaction:
 *  - "visit.enter" and "vehicle.enter" whose visitor (id_no when the
 *    blacklist entry has one, else the name) or plate matches an active
 *    blacklist entry are still recorded (the guard decides) but with the
 *    fields blacklist_hit = true, blacklist_reason and blacklist_id; the
 *    call returns 0 and hh_blacklist_hits() / hh_last_warning() say so;
 *  - "vehicle.enter" of an active resident plate is refused with
 *    RND_EEXIST ("plate P is a resident vehicle of unit U: no registration
 *    needed") and nothing is written.
 * Plates compare in canonical form (ASCII upper case; spaces, '-', '.' and
 * U+00B7 dropped), names with spaces collapsed and ASCII case folded, ID
 * numbers without spaces or '-', upper-cased (docs/DATA-MODEL.md). */

/* Scan proof (docs/DATA-MODEL.md, "Proof of presence"), in the same
 * transaction: "scan.record" with field "payload" (the text a QR code or
 * NFC tag holds) verifies its signature against the site's tag_key master
 * data in the store and records the payload's tag with method nfc (or the
 * given qr) and verified = true; a payload that is not one, is of another
 * site, names a key the site does not have or does not verify is
 * RND_EFIELD naming 'payload', nothing written. Without a payload, "tag"
 * is required and the scan is method manual, verified = false (method nfc
 * or qr is RND_EFIELD). When the store holds checkpoints and the tag is
 * none of them, RND_EFIELD naming 'tag' unless "force" is true: then the
 * scan carries unknown_tag = true and hh_last_warning() says so. */
/* Signature checks, made the same way (docs/DATA-MODEL.md, "Signatures"),
 * each RND_EFIELD naming the field, nothing written:
 *  - "visit.enter" with id_type "none" ("visit.refuse" takes it);
 *  - "workorder.dispatch" whose assignee, "handover.create" whose to, is
 *    not an active staff id, when the store holds any active staff;
 *  - "handover.ack" by anyone but the handover's to (field 'by'; after a
 *    valid ack RND_ETRANSITION), or without a count ("confirm") for every
 *    counted item the handover has ("items": NAME=COUNT;...). */

/* Number of records of the last successful hh_record() / hh_record_many()
 * that matched the blacklist (0 after a failed call). */
HH_API int hh_blacklist_hits(const hh *h);

/* A sentence for the guard about the last successful recording call (the
 * blacklist entries it matched), or "" when there is nothing to say.
 * Valid until the next call on h. */
HH_API const char *hh_last_warning(const hh *h);

/* ---- attachments (handheld/attach.c, attach_gc.c) ------------------- */

/* A photo, a drawn signature or a PDF on a record (docs/DATA-MODEL.md,
 * "Attachments"). The bytes are kept in files beside the store
 * (attachments/), named by their SHA-256; the attach op that puts them on
 * a record is written only after they are durable, and syncs like any
 * record. */
#define HH_ATTACH_MAX_DEFAULT ((uint64_t)8 << 20)   /* 8 MiB a file */
#define HH_ATTACH_QUOTA_DEFAULT ((uint64_t)1 << 30) /* 1 GiB a device */

typedef struct hh_attach_opts {
    /* "photo", "signature", "document" or "thumb"; NULL: photo for an
     * image, document for a PDF. A signature must be a PNG; a thumb
     * needs of. */
    const char *role;
    /* The attachment (64 hex digits) a thumb is a thumbnail of; it must
     * be on the same record already. */
    const char *of;
    /* Who attaches it: NULL for the device's person (as `by` of a
     * record; one with a PIN must be signed in). */
    const char *by;
    /* 1 keeps a photo's EXIF and XMP location (off by default: it is
     * personal data). */
    int keep_location;
} hh_attach_opts;

/* Puts the bytes data[0..len) on the record target (an id or its
 * prefix, as hh_resolve_id takes): checked by their bytes (JPEG, PNG,
 * WebP or PDF, whole: RND_EMEDIA), location taken out unless asked,
 * at most the device's maximum (RND_ETOOBIG) and within its quota of
 * attachments it wrote (RND_EQUOTA); written and fsynced, then the
 * attach op committed. hash_out (65 bytes, may be NULL) gets the
 * attachment's hash in hex. Attaching the same bytes to the same record
 * again writes nothing and returns 0. A record that is master data, or
 * none: RND_EINVAL / RND_ENOTFOUND. hh_last_error() names what was
 * wrong. */
HH_API int hh_attach_bytes(hh *h, const char *target, const uint8_t *data,
                           size_t len, const hh_attach_opts *opts,
                           char hash_out[65]);
/* The same with the bytes of the file at path (read whole, at most the
 * maximum + 1 bytes). */
HH_API int hh_attach_file(hh *h, const char *target, const char *path,
                          const hh_attach_opts *opts, char hash_out[65]);

/* One attachment of a record, as listed. */
typedef struct hh_attachment {
    char record[33];    /* the record's id, hex */
    char hash[65];      /* hex */
    uint64_t size;      /* bytes */
    const char *type;   /* media type, static */
    const char *role;   /* static */
    char of[65];        /* a thumb's original, "" otherwise */
    uint64_t device_id; /* the first op naming it: its writer, */
    uint64_t seq;       /* seq */
    int64_t wall_ms;    /* and time */
    int present;        /* 1 when this device holds the bytes */
    int sent;           /* 1 when the server holds them (this device's) */
} hh_attachment;
typedef int (*hh_attachment_cb)(const hh_attachment *a, void *ctx);

/* The attachments of the record target (id or prefix; NULL: of every
 * record), by hash; cb returns 0 to go on, anything else stops the walk
 * and is returned. */
HH_API int hh_attachments(hh *h, const char *target, hh_attachment_cb cb,
                          void *ctx);

/* Writes the attachment whose hash is hex (64 digits, any case) to the
 * file path (created or replaced), checking its hash on the way:
 * RND_ENOTFOUND when no record has it, RND_ENOTHELD when a record has it
 * but this device does not hold its bytes yet (a sync fetches them, or
 * hh_attachment_want asks for them), RND_EHASH when the bytes held are
 * damaged (no file is left). */
HH_API int hh_attachment_get(hh *h, const char *hex, const char *path);

/* Reads the attachment whose hash is hex into memory (handheld/
 * attach_app.c, for `rounds app`: showing a photo writes no file): *out
 * gets a malloc'd buffer of *len bytes (the caller frees it), rehashed;
 * *type (may be NULL) its media type, static. RND_ENOTFOUND when no
 * record has it, RND_ENOTHELD when this device does not hold its bytes
 * yet, RND_EHASH when the bytes held are damaged, RND_ETOOBIG when larger
 * than max bytes, RND_EINVAL when hex is not a hash. */
HH_API int hh_attachment_read(hh *h, const char *hex, size_t max, uint8_t **out,
                              size_t *len, const char **type);

/* Asks the next sync to fetch the attachment whose hash is hex (one this
 * handheld's policy would not fetch: not a thumbnail, not of an open
 * work order). RND_ENOTFOUND when no record has it; 0 with nothing to do
 * when its bytes are here already. */
HH_API int hh_attachment_want(hh *h, const char *hex);

/* Collects orphan attachment files (handheld/attach_gc.c): files in the
 * store's attachments/ that no attach op names. An attach writes its
 * bytes before its op commits, so a crash in between leaves one. Files
 * modified less than min_age_s seconds ago (by the system clock) are
 * kept, so an attach under way in another process keeps its bytes; 0
 * keeps none. Removes them (unless dry_run) and calls cb (may be NULL;
 * non-zero stops and is returned) with each one's hash (hex) and size
 * after it is removed (or would be). *out gets the counts. */
typedef struct hh_gc_result {
    uint64_t files;      /* orphans removed (or that would be) */
    uint64_t bytes;      /* their bytes */
    uint64_t kept_young; /* orphans newer than min_age_s, kept */
} hh_gc_result;
typedef int (*hh_attachment_gc_cb)(const char *hash, uint64_t size, void *ctx);
HH_API int hh_attachment_gc(hh *h, int64_t min_age_s, int dry_run,
                            hh_attachment_gc_cb cb, void *ctx,
                            hh_gc_result *out);

/* ---- the verb table ----------------------------------------------------- */
/* HH_TIME values are ms since the epoch, given as digits or as ISO 8601
 * "YYYY-MM-DDTHH:MM[:SS]" with "Z" or "+HH:MM" (local time without). */
/* Text (HH_STR, HH_TEXT) is well-formed UTF-8 without control characters;
 * HH_STR is one line, HH_TEXT free text that may hold LF and TAB
 * (docs/DATA-MODEL.md, "Text"). Anything else is RND_EFIELD, naming the
 * field and the byte ("field 'text': not valid UTF-8 at byte 4"). */
/* HH_SWITCH is a bool given bare ("--force" on the command line, "" or
 * "true" through the C API) and false when absent. */
enum hh_field_type {
    HH_STR,
    HH_INT,
    HH_BOOL,
    HH_ENUM,
    HH_TIME,
    HH_TEXT,
    HH_SWITCH
};

typedef struct hh_field_spec {
    const char *name; /* input name; CLI flag is --name, '_'->'-' */
    uint8_t type;     /* enum hh_field_type */
    uint8_t required;
    const char *const *choices; /* HH_ENUM: NULL-terminated list */
    const char *dflt;           /* value used when absent, or NULL */
    const char *op_name;        /* field name in the op when not name */
    const char *help;
} hh_field_spec;

typedef struct hh_verb_spec {
    const char *verb; /* "workorder.dispatch" */
    uint8_t kind;     /* enum hh_kind */
    uint8_t action;   /* the op's action: hh_action_name() */
    uint8_t creates;  /* makes a new entity */
    const char *from; /* allowed current statuses, "a|b", or NULL */
    const char *help;
    const hh_field_spec *fields; /* terminated by a NULL name */
} hh_verb_spec;

/* A field type's name as the verb table's JSON listings give it ("string",
 * "int", "bool", "enum", "time", "text", "switch"). Static. */
HH_API const char *hh_field_type_name(int type);

/* The verb table, terminated by an entry with a NULL verb. Static. */
HH_API const hh_verb_spec *hh_verbs(void);
HH_API const hh_verb_spec *hh_verb_find(const char *verb);

/* ---- reading ------------------------------------------------------------ */

typedef struct hh_status_info {
    uint64_t device_id;
    char site[64];
    char name[64];
    char user[64];
    uint64_t ops_total;   /* ops in the store, every device */
    uint64_t own_ops;     /* ops this device wrote */
    uint64_t acked_seq;   /* highest own seq the server acknowledged */
    uint64_t unsynced;    /* own_ops - acked_seq */
    int64_t last_sync_ms; /* 0 = never */
    uint64_t open_visits, open_vehicles, open_workorders;
} hh_status_info;

HH_API int hh_status(hh *h, hh_status_info *out);

/* ---- records as read back -------------------------------------------- */

/* One record's merged state (every op of it folded, docs/DATA-MODEL.md),
 * as hh_list(), hh_get() and hh_conflicts() hand it to their callback.
 * Opaque: read it with the hh_entity_* functions. It and every pointer
 * they return are valid during the callback only. */
typedef struct fold_state hh_entity;

/* Types of a field's value (hh_value.type). */
enum hh_value_type {
    HH_VAL_NIL = 0,
    HH_VAL_BOOL = 1,
    HH_VAL_INT = 2,
    HH_VAL_STR = 3
};

/* A named field of a record. name and str point into the record and are
 * not NUL-terminated (use the lengths); i holds an int, or 0/1 for a
 * bool. */
typedef struct hh_value {
    const char *name;
    size_t name_len;
    int type; /* enum hh_value_type */
    int64_t i;
    const char *str;
    size_t str_len;
} hh_value;

/* One op of a record's history, oldest first. */
typedef struct hh_event {
    uint64_t device_id, seq; /* the op's writer and its number there */
    uint64_t hlc;            /* hybrid logical clock stamp */
    int64_t wall_ms;         /* the writer's wall clock when it wrote it */
    int action;              /* hh_action_name() */
} hh_event;

HH_API int hh_entity_kind(const hh_entity *e); /* enum hh_kind */
/* The record's id as 32 hex digits and a NUL. */
HH_API void hh_entity_id(const hh_entity *e, char hex[33]);
/* Its status ("open", "inside", ...); "" for kinds without one. */
HH_API const char *hh_entity_status(const hh_entity *e);
/* When its first and its last op were stamped, ms since the epoch. */
HH_API int64_t hh_entity_created_ms(const hh_entity *e);
HH_API int64_t hh_entity_updated_ms(const hh_entity *e);
/* Its merged fields, by name: i from 0 to hh_entity_nfields() - 1. */
HH_API size_t hh_entity_nfields(const hh_entity *e);
HH_API int hh_entity_field_at(const hh_entity *e, size_t i, hh_value *out);
/* The field called name; RND_ENOTFOUND when the record has none. */
HH_API int hh_entity_field(const hh_entity *e, const char *name, hh_value *out);
/* Its history (capped at the 256 first ops): i from 0 to
 * hh_entity_nevents() - 1; RND_ENOTFOUND past the end. */
HH_API size_t hh_entity_nevents(const hh_entity *e);
HH_API int hh_entity_event(const hh_entity *e, size_t i, hh_event *out);
/* The device that wrote its first op (its creator). */
HH_API uint64_t hh_entity_creator(const hh_entity *e);
/* How many times a work order was reopened; 0 for other kinds. */
HH_API uint32_t hh_entity_reopen_count(const hh_entity *e);
/* Fields in conflict: written concurrently with different values
 * (hh_conflicts()): i from 0 to hh_entity_nconflicts() - 1. */
HH_API size_t hh_entity_nconflicts(const hh_entity *e);

/* One field in conflict. field points into the record (valid during the
 * callback only) and is not NUL-terminated. */
typedef struct hh_conflict {
    const char *field;
    size_t field_len;
    size_t ncand; /* its candidates: hh_entity_candidate() */
} hh_conflict;

/* One candidate value of a conflict: a concurrent write ("head") of the
 * field, by (hlc, device_id, seq). value's pointers point into the record
 * (valid during the callback only). */
typedef struct hh_candidate {
    hh_value value;          /* name = the field's name */
    uint64_t device_id, seq; /* the op that wrote it */
    uint64_t hlc;            /* its hybrid logical clock stamp */
    int64_t time_ms;         /* hh_hlc_ms(hlc) */
    int64_t wall_ms;         /* the writer's wall clock, 0 when the op is
                                past the history's cap */
} hh_candidate;

/* Conflict i of the record; RND_ENOTFOUND past the end (out zeroed). */
HH_API int hh_entity_conflict(const hh_entity *e, size_t i, hh_conflict *out);
/* Candidate j of conflict i; RND_ENOTFOUND past either end (out zeroed). */
HH_API int hh_entity_candidate(const hh_entity *e, size_t i, size_t j,
                               hh_candidate *out);

/* The wall-clock part of a hybrid logical clock stamp (hh_event.hlc,
 * hh_candidate.hlc), ms since the epoch. */
HH_API int64_t hh_hlc_ms(uint64_t hlc);

/* The longest string value a field holds, in bytes (a buffer of
 * HH_VALUE_MAX + 1 holds any with its NUL). */
#define HH_VALUE_MAX 4096

/* The columns of a master-data kind (HH_KIND_SITE, _UNIT, _ROUTE,
 * _CHECKPOINT, _STAFF, _PLATE, _BLACKLIST): its field names in listing
 * order, the first being its key, NULL-terminated; NULL for other kinds.
 * Static storage. */
HH_API const char *const *hh_kind_columns(int kind);

/* Visits records of kind (open_only: only those in an open state: visitors
 * and vehicles inside, work orders not closed or cancelled, handovers not
 * acknowledged). e is valid during the callback only. Return non-zero
 * from cb to stop (1 stops with success). */
typedef int (*hh_entity_cb)(const hh_entity *e, void *ctx);
HH_API int hh_list(hh *h, int kind, int open_only, hh_entity_cb cb, void *ctx);

/* Every record (any kind) that holds a conflict: two or more concurrent
 * writes of different values to one field (hh_entity_nconflicts() > 0),
 * by kind then id. The office settles one with `roundsd resolve`; its op
 * reaches the handheld at a sync and the conflict is gone. */
HH_API int hh_conflicts(hh *h, hh_entity_cb cb, void *ctx);

/* The merged state of one record by its 32-hex id; e is valid during the
 * callback only. RND_EINVAL for a malformed id, RND_ENOTFOUND for none. */
HH_API int hh_get(hh *h, const char *id_hex, hh_entity_cb cb, void *ctx);

/* Resolves an id as a person types it: the 32 hex digits, or any prefix
 * of 8 or more that only one record's id starts with (any case). On 0,
 * hex_out holds the full id (33 bytes with the NUL). RND_EINVAL when typed
 * is not 8 to 32 hex digits, or when the prefix is ambiguous: then
 * hh_last_error() names the candidates ("id prefix 01j9 is ambiguous:
 * 01j9...a1, 01j9...b2"); RND_ENOTFOUND when no record has it. */
HH_API int hh_resolve_id(hh *h, const char *typed, char hex_out[33]);

/* How many hex digits (8 to 32) a listing of kind must show of each id for
 * every one to be a prefix hh_resolve_id takes (no other record in the
 * store starts so). Ids begin with their creation time: records of the
 * same minute share their first 8. Returns 8 when the store cannot be
 * read. */
HH_API int hh_id_width(hh *h, int kind);

/* What a screen or listing may show of a string value v: *s and *len get
 * its text, except for an ID document number (field "id_no"), which is
 * masked into buf (cap bytes) first: hh_mask_id, and a staff member's PIN
 * hash (field "pin_hash"), shown as "set". 0, or RND_EINVAL when v is not
 * a string. */
HH_API int hh_value_shown(const hh_value *v, char *buf, size_t cap,
                          const char **s, size_t *len);

/* Masks an ID document number for display: keeps the first 3 and last 2
 * characters, stars in between ("110*************34"). out gets a
 * NUL-terminated string of at most cap bytes. */
HH_API void hh_mask_id(const char *in, size_t len, char *out, size_t cap);

/* ---- enrollment and sync (handheld/sync.c) ------------------------------ */

/* Stores what the office gave at enrollment, durably in the store's meta:
 * the server address ("host:port"), the server's certificate (the PEM file
 * at cert_path is read and kept in the store; it is the only certificate
 * the handheld will trust) and the one-time credential printed by
 * `roundsd enroll`. Enrolling again replaces them. Errors: RND_EFIELD (bad
 * address, unreadable or non-PEM certificate, empty credential). */
HH_API int hh_enroll(hh *h, const char *server_addr, const char *cert_path,
                     const char *credential);

/* Enrolls from the office's enrollment payload (the text of the QR code
 * `roundsd enroll --qr` and the dashboard show; docs/PROTOCOL.md,
 * "Enrollment payload"): connects to the payload's address (TLS handshake
 * only, nothing else sent; timeout_ms per wait, 0 = 30,000), takes the
 * certificate the server presents only when its SHA-256 is the payload's
 * fingerprint, and stores it, the address and the credential exactly as
 * hh_enroll does with a certificate file. The payload must name this
 * handheld's site and name. Nothing is stored on any failure: RND_EFIELD
 * (not a payload, or another device's), RND_ECERT (the fingerprint does
 * not match: hh_last_error() gives both), RND_ECONNECT, RND_ETIMEOUT,
 * RND_ETLS, storage errors. */
HH_API int hh_enroll_payload(hh *h, const char *payload, int timeout_ms);

/* The site and device name an enrollment payload enrolls (to initialise
 * a new handheld with them before hh_enroll_payload), each 1..63 bytes and
 * NUL-terminated. RND_EFIELD when payload is not one. */
HH_API int hh_payload_names(const char *payload, char site[64], char name[64]);

typedef struct hh_sync_options {
    int timeout_ms;          /* per network wait; 0 = 30,000 */
    const char *server_addr; /* override the enrolled address, or NULL */
    /* Progress, called from within hh_sync: phase is "push" or "pull"
     * (ops), "recover" (ops), or "attach" (attachments uploaded and
     * durable on the server so far, of those this sync offers). */
    void (*progress)(const char *phase, uint64_t done, uint64_t total,
                     void *ctx);
    void *progress_ctx;
} hh_sync_options;

typedef struct hh_sync_result {
    uint64_t pushed;        /* own ops the server acknowledged this time */
    uint64_t pulled;        /* new ops from other devices stored this time */
    uint64_t acked_seq;     /* highest own seq the server holds */
    uint64_t cursor;        /* pull cursor after the sync */
    int64_t ms;             /* wall time of the whole sync */
    int tls_resumed;        /* the TLS session was resumed */
    int cursor_reset;       /* the server's store was restored: pulled from 0 */
    int cert_learned;       /* the server staged a next certificate: kept */
    int cert_promoted;      /* the server presented the next certificate: it is
                               the pinned one from now on */
    char server_error[160]; /* ERROR name and message from the server */
    /* A store restored from an older copy (docs/PROTOCOL.md, "Recovery of
     * a restored handheld"): own ops taken back from the server, and the
     * local ops made since the copy given new seqs after them. */
    uint64_t recovered;
    uint64_t renumbered;
    /* Attachments (protocol 4): sent and stored on the server, fetched,
     * and those that stayed behind (refused: too big, over the quota, not
     * on the server yet; att_error says why, of the last one). */
    uint32_t att_up, att_down, att_refused;
    uint64_t att_up_bytes, att_down_bytes;
    char att_error[160];
    /* The site had moved to another node (protocol 5, REDIRECT): how many
     * times the sync was sent on (0 or 1, at most 3) and the node it ended
     * on, now the enrolled server (its address and certificate stored). */
    int redirected;
    char node[64];
} hh_sync_result;

/* One sync session with the enrolled server over TLS: push every own op the
 * server lacks (pipelined batches; acked only after the server's durable
 * commit), then pull the site's ops from other devices since the pull
 * cursor, several batches at a time committed with the cursor in one
 * transaction (what was received is also committed when the session ends
 * early: the error's sentence then says how many ops pulled are stored;
 * out->pulled counts them). A session cut at any point loses nothing and
 * duplicates nothing: run it again. opt may be NULL. Errors: RND_ENOTENROLLED,
 * RND_ECONNECT, RND_ETLS, RND_ECERT, RND_ETIMEOUT, RND_ECLOSED, RND_EPROTO, and
 * the server's refusal (RND_EAUTH, RND_EREVOKED, RND_EUNKNOWNDEV, RND_ESITE,
 * RND_EFOREIGN, RND_ECHAIN, RND_EVERSION, RND_EBUSY, ...), with hh_last_error()
 * saying more. */
HH_API int hh_sync(hh *h, const hh_sync_options *opt, hh_sync_result *out);

/* ---- the store as a whole (handheld/read.c) ---------------------------- */

/* SHA-256 over the merged state: for each entity, by kind 1..255 and then
 * id, its 16-byte id followed by its state bytes exactly as the store holds
 * them. Two replicas holding the same ops give the same digest; `roundsd
 * dump` computes the same value. *entities (may be NULL) gets the number of
 * entities hashed. */
HH_API int hh_digest(hh *h, uint8_t out[32], uint64_t *entities);

/* hh_digest() that also prints every entity it hashes to out, in the
 * order hashed and in the form `roundsd dump` prints, so two replicas'
 * dumps compare line by line: one line each, or with json one JSON object
 * each, separated by commas (the caller writes the enclosing brackets).
 * The lines and the digest come from one read of the store. */
HH_API int hh_dump(hh *h, FILE *out, int json, uint8_t digest[32],
                   uint64_t *entities);

/* The enrolled server address ("host:port") into out (cap bytes, NUL-
 * terminated); "" when the handheld is not enrolled. RND_ENOSPACE (and "")
 * when it does not fit. */
HH_API int hh_server_addr(hh *h, char *out, size_t cap);

/* ---- the shift report (handheld/read.c) --------------------------------- */

typedef struct hh_shift_options {
    int64_t now;       /* the report's now and the window's end, ms */
    int64_t since;     /* the window's start, ms; 0: the later of 12 hours
                          before now and this device's last handover */
    const char *route; /* missed checkpoints of this route only, or NULL:
                          every route this device scanned in the window */
    int tz_min;        /* display offset, minutes east of UTC */
} hh_shift_options;

/* Prints this device's shift report (docs/REPORTS.md: its scans, the
 * checkpoints missed so far, its visitors inside), made offline from the
 * store as last synced, to out in format "text", "csv" or "json" (NULL is
 * "text"), or "csv:TABLE": one table (summary, my_scans, missed_so_far,
 * ...) as a spreadsheet's CSV file (UTF-8 BOM, CRLF, formula guard:
 * docs/REPORTS.md, "CSV"). Errors: RND_EINVAL (unknown format or table),
 * storage errors. */
HH_API int hh_report_shift(hh *h, const hh_shift_options *opt,
                           const char *format, FILE *out);

/* ---- the Now document (handheld/now.c) ---------------------------------- */

typedef struct hh_now_options {
    int64_t now;      /* ms since the epoch; 0: the handle's clock */
    const char *user; /* staff id; NULL: the device's user (the signed-in
                         person: signing in sets it) */
    int tz_min;       /* local offset, minutes east of UTC: routes' active
                         hours and "this month" */
} hh_now_options;

/* Prints what is due for the user right now (docs/REPORTS.md, "now"),
 * made offline from the store as last synced, to out in format "text" or
 * "json" (NULL is "text"). JSON: one object, times as ms since the epoch:
 *   {"now_ms","user","unsynced","last_sync_ms","routes_by",
 *    "rounds":[{"route","name","start_ms","end_ms",
 *      "state":"upcoming|due|overdue|done","done","total",
 *      "next":[{"tag","name","place","due_ms","late_ms","left_ms",
 *               "state":"due|overdue|done"}]}],
 *    "workorders":[{"id","category","unit","status","clock","due_ms",
 *      "left_ms","breached"}],
 *    "vacant_due":[{"unit","due_ms","last_ms"}],
 *    "handovers_to_ack":[{"id","from","created_ms","items"}]}
 * The rounds are those of the user's routes: rostered to them now (roster
 * kind 43), else scanned by them in the last 12 hours, else every route
 * with a round running now ("routes_by": "roster", "scanned", "active").
 * Work orders: open, assigned to or created by the user, by the clock of
 * theirs that runs out first (null when none runs), soonest first. opt
 * may be NULL. Errors: RND_EINVAL (format), storage errors. */
HH_API int hh_report_now(hh *h, const hh_now_options *opt, const char *format,
                         FILE *out);

#endif
