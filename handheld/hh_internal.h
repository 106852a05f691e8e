/* hh_internal.h: what the files of the handheld library share (handheld.c,
 * records.c, read.c, sync.c, sync_session.c), and what tests that reach
 * inside use. Not installed and not exported from the shared library;
 * apps and the rounds CLI use handheld.h only. */
#ifndef RND_HH_INTERNAL_H
#define RND_HH_INTERNAL_H

#include <stdint.h>

#include "../proto/proto.h"
#include "../storage/fold.h"
#include "../storage/store.h"
#include "handheld.h"

/* handheld.h's values are those of the op format (kinds: read.c). */
_Static_assert(HH_ID_LEN == PROTO_ENTITY_LEN, "id length");
_Static_assert((int)HH_VAL_STR == (int)PROTO_STR &&
                   (int)HH_VAL_INT == (int)PROTO_INT &&
                   (int)HH_VAL_BOOL == (int)PROTO_BOOL &&
                   (int)HH_VAL_NIL == (int)PROTO_NIL,
               "value types");

struct hh {
    store *s;
    /* The attachments' files beside the store, opened at first use
     * (attach.c); path is the store's directory, whole. */
    struct blob_store *blobs;
    char *path;
    int64_t (*now_ms)(void *ctx);
    void *now_ctx;
    char err[512]; /* hh_last_error() */
    /* The last successful hh_record*(): blacklist hits and their warning
     * (hh_blacklist_hits(), hh_last_warning()). */
    int bl_hits;
    char warn[512];
    char dir[256]; /* the store's directory, for messages (cut if longer) */
};

/* The store under the handle, for the library's own files and for tests.
 * Owned by h. */
store *hh_store(hh *h);

/* Sets h's last-error text from fmt and returns rc. */
int hh__fail(hh *h, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets the last-error text for a storage error rc and returns rc. */
int hh__store_fail(hh *h, int rc);
/* Copies meta key into out as a NUL-terminated string ("" when absent,
 * cut at cap - 1). */
void hh__meta_str(store_txn *t, const char *key, char *out, size_t cap);
/* The handle's clock (hh_set_clock) in ms since the epoch. */
int64_t hh__now_ms(hh *h);

/* The device's clock offset (docs/DATA-MODEL.md, "Clocks"): server time
 * minus device time as measured from the last WELCOME, ms, in meta
 * HH_META_CLOCK_OFFSET (an i64 as u64). Every op the device writes
 * carries it as FOLD_CLK_FIELD when it is HH_CLK_MIN_MS or more either
 * way, and device time plus it is the wall the store bounds pulled
 * stamps by (store_set_clock_bound). */
#define HH_META_CLOCK_OFFSET "clock_offset"
#define HH_CLK_MIN_MS 1000
/* meta keys: the attachment limits the server gave at the last WELCOME
 * (attach.c reads them; the defaults of handheld.h before a sync). */
#define HH_META_ATT_MAX "att_max"
#define HH_META_ATT_QUOTA "att_quota"
/* The attachments' files beside the store, opened at first use. */
struct blob_store;
int hh__blobs(hh *h, struct blob_store **out);

/* The attachment whose hash is hex (64 hex digits, any case), when a
 * record names it and this handheld holds its bytes: its hash, what the
 * index says of it, the blob store and its size (size may be NULL).
 * RND_EINVAL, RND_ENOTFOUND (no record has it), RND_ENOTHELD (its bytes
 * are not here yet) or a storage error, with h's last error set
 * (attach.c). */
struct store_att;
int hh__att_held(hh *h, const char *hex, uint8_t hash[32], struct store_att *a,
                 struct blob_store **bs, uint64_t *size);

/* Adds FOLD_CLK_FIELD to op: the device's last measured clock offset
 * (meta "clock_offset", hh__clock_offset_note), when it is 1 s or more. */
int hh__add_clk(store_txn *t, proto_op *op);
/* The stored offset into *out (0 when never measured). */
int hh__clock_offset(store_txn *t, int64_t *out);
/* Records the offset the WELCOME's server_ms gives against the handle's
 * clock (a durable write when it moved by HH_CLK_MIN_MS or more) and bounds
 * the store's clock with it. server_ms <= 0 (none) changes nothing. */
int hh__clock_offset_note(hh *h, int64_t server_ms);

/* ---- gate.c: inside records.c's write transaction ---------------------- */

/* The gate checks of handheld.h for a visitor or vehicle entry of verb v
 * whose input fields plate, name and id_no (each may be NULL) are given:
 * RND_EEXIST for a resident plate; a blacklist match adds blacklist_hit,
 * _reason and _id to op (their strings are written to bl_id and
 * bl_reason, which must outlive op) and a warning to h. */
int hh__gate_checks(hh *h, const hh_verb_spec *v, const proto_field *plate,
                    const proto_field *name, const proto_field *id_no,
                    store_txn *t, proto_op *op, char bl_id[33], char *bl_reason,
                    size_t reason_cap);

/* Replaces the personal fields of op by their masked forms and seals the
 * originals to the office's newest key in "_pii" (a warning on h when
 * there is no key yet). The masked strings live in thread-local buffers
 * until the next call. verb names the record in messages. */
int hh__pii_seal(hh *h, const char *verb, store_txn *t, proto_op *op);

/* ---- tagcheck.c: a patrol scan's proof of presence ---------------------- */

/* With the field checks of a scan: f[0..*n) are its converted fields (at
 * most cap). A payload is parsed (RND_EFIELD naming 'payload' when it is
 * not one) and gives the tag and method nfc unless given (a given tag must
 * be the payload's); without a payload the tag is required and the method
 * is manual (nfc or qr are refused: nothing was read). The added strings
 * live in thread-local storage until the next call. */
int hh__scan_fields(hh *h, const char *verb, proto_field *f, uint32_t *n,
                    uint32_t cap);

/* Inside the write transaction: a payload's signature is verified against
 * the site's active tag keys (RND_EFIELD naming the payload when it is of
 * another site, signed by a key the site does not have, or does not
 * verify); a tag that is none of the site's checkpoints (when it has any)
 * is RND_EFIELD unless force, which adds unknown_tag=true and a warning.
 * Adds verified (true only for a verified payload) to op. */
int hh__scan_checks(hh *h, const char *verb, store_txn *t, proto_op *op,
                    int force);
/* ---- sigstrokes.c: drawn signatures ------------------------------------ */

/* With the field checks of verb v: its field signature_strokes (op name
 * signature_strokes or callback_signature_strokes) among f[0..*n) is
 * checked and replaced by its normal form (proto/strokes.h; the text lives
 * until the next call), or removed when nothing is drawn. RND_EFIELD
 * naming signature_strokes and the byte, or for strokes on a callback
 * that is not door-to-door. */
int hh__strokes_fields(hh *h, const hh_verb_spec *v, proto_field *f,
                       uint32_t *n);

/* ---- staff.c: signatures (docs/DATA-MODEL.md, "Signatures") ------------ */

/* Rules on a verb's validated input fields f[0..n) alone: a visitor's
 * id_type none; a handover's counted
 * "items" and an ack's "confirm" (NAME=COUNT;...). RND_EFIELD naming the
 * field, with h's error set. */
int hh__sig_validate(hh *h, const hh_verb_spec *v, const proto_field *f,
                     uint32_t n);

/* Rules against the store, inside records.c's write transaction t: a
 * dispatch's assignee and a handover's "to" must be on the site's staff
 * list when it keeps one (RND_EFIELD, with a did-you-mean); an ack of
 * handover id must be by its "to" (RND_EFIELD naming 'by'), not after a
 * valid ack (RND_ETRANSITION), and confirm every counted item. by is the
 * recording person. */
int hh__sig_checks(hh *h, const hh_verb_spec *v, const proto_field *f,
                   uint32_t n, const char *by, store_txn *t,
                   const uint8_t id[PROTO_ENTITY_LEN]);

/* ---- signin.c: PINs (docs/DATA-MODEL.md, "PINs") ---------------------- */

/* Inside a write transaction: RND_EFIELD naming 'by' when by is a staff
 * member with a PIN who is not the signed-in person (hh_signin). */
int hh__by_check(hh *h, const char *verb, const char *by, store_txn *t);
/* Inside a write transaction: RND_EFIELD naming 'user' when user is a
 * staff member with a PIN (they sign in instead: hh_set_user). */
int hh__user_check(hh *h, const char *user, store_txn *t);

#endif
