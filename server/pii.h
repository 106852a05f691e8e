/* pii.h: the office's keys for visitors' personal data (proto/pii.h has the
 * envelope and the design): key pairs kept in DATA/pii/, their public
 * halves published to each site as master data (kind pii_key) so every
 * handheld seals to the current one, opening an envelope for an explicit
 * office request (logged as a pii_access op), and purging keys after the
 * retention period, which makes what they sealed unreadable everywhere.
 *
 * Keys are per site, so each site's retention applies to its own records.
 * Key file DATA/pii/<site>/<16 hex key id>.key, mode 0600, written atomically
 * (temporary file, fsync, rename):
 *   rounds-pii-key 1
 *   created_ms <ms>
 *   retired_ms <ms, 0 while current>
 *   priv <64 hex>
 * The public key is derived from priv. The current key is the newest one
 * not retired.
 */
#ifndef RND_SRV_PII_H
#define RND_SRV_PII_H

#include <stdint.h>

#include "../proto/pii.h"
#include "../storage/store.h"

typedef struct srv_pii_key {
    uint8_t id[PROTO_PII_KEYID_LEN];
    uint8_t priv[PROTO_PII_PRIV_LEN];
    uint8_t pub[PROTO_PII_PUB_LEN];
    int64_t created_ms;
    int64_t retired_ms; /* 0: the current key */
} srv_pii_key;

/* The current key; with create, makes the first one if there is none.
 * RND_ENOTFOUND when there is none and create is 0. */
int srv_pii_current(const char *data_dir, const char *site, int create,
                    int64_t now_ms, srv_pii_key *out);

/* A new current key; the previous one is retired at now_ms. */
int srv_pii_rotate(const char *data_dir, const char *site, int64_t now_ms,
                   srv_pii_key *out);

/* The key with this id; RND_ENOTFOUND once purged (or never made here). */
int srv_pii_load(const char *data_dir, const char *site,
                 const uint8_t id[PROTO_PII_KEYID_LEN], srv_pii_key *out);

/* Every key, in no particular order. cb returns non-zero to stop. */
typedef int (*srv_pii_key_cb)(const srv_pii_key *k, void *ctx);
int srv_pii_each(const char *data_dir, const char *site, srv_pii_key_cb cb,
                 void *ctx);

/* Deletes every key retired more than retention_ms before now_ms; *deleted
 * gets how many. The records sealed to them can no longer be opened. */
int srv_pii_purge(const char *data_dir, const char *site, int64_t retention_ms,
                  int64_t now_ms, int *deleted);

/* Publishes k on a site's store as the office's pii_key master data (an
 * office op, synced down at the next pull) and retires every other active
 * pii_key there, in one durable write. *written: how many ops (0 when k
 * was already the only active key). */
int srv_pii_publish(store *st, const char *site, const srv_pii_key *k,
                    int64_t now_ms, int *written);

/* ---- opening one record's personal data (pii_show.c) ------------------ */

/* Why srv_pii_show() failed, for the caller's message. */
enum srv_pii_why {
    SRV_PII_OK = 0,
    SRV_PII_NO_RECORD,  /* no such record in the site (RND_ENOTFOUND) */
    SRV_PII_WRONG_KIND, /* a kind that seals nothing (RND_EINVAL) */
    SRV_PII_NONE,       /* nothing sealed on it (RND_ENOTFOUND) */
    SRV_PII_PURGED,     /* its key was purged (RND_ENOTFOUND) */
    SRV_PII_READ,       /* reading the record failed */
    SRV_PII_OPEN,       /* the envelope did not open */
    SRV_PII_LOG         /* the access could not be recorded: nothing shown */
};

/* What srv_pii_show() opened. items point into plain; wipe it
 * (srv_pii_shown_wipe) once shown. */
typedef struct srv_pii_shown {
    int why;  /* enum srv_pii_why */
    int kind; /* the record's kind, 0 when there is none */
    char key_hex[17];
    uint8_t access[PROTO_ENTITY_LEN]; /* the pii_access op's entity */
    uint8_t plain[2048];
    proto_pii_item items[PROTO_PII_MAX_FIELDS];
    size_t n;
} srv_pii_shown;

/* `roundsd pii show` and the dashboard's /api/pii/open: opens the sealed
 * personal data of record id in site's store st with the site's key from
 * data_dir, and records the access (a pii_access op: target, target_kind,
 * fields, reason, by) durably BEFORE anything is returned: when the op
 * cannot be written, nothing is opened for the caller (out->why
 * SRV_PII_LOG, the plain text wiped). reason must not be empty (RND_EFIELD
 * otherwise, nothing written). Thread-safe: callers may share st. Returns
 * 0 or an RND_E* code with out->why saying which step failed. */
int srv_pii_show(store *st, const char *data_dir, const char *site,
                 const uint8_t id[PROTO_ENTITY_LEN], const char *reason,
                 const char *by, int64_t now_ms, srv_pii_shown *out);

/* The id of the key a record's personal data is sealed to (from the op
 * that carries its envelope) into kid, in the read transaction t: 0, or
 * RND_ENOTFOUND when the record holds none (or is of a kind that never
 * does). Opens nothing. For the purge of attachments (cmd_attach.c). */
int srv_pii_record_key(store_txn *t, const uint8_t id[PROTO_ENTITY_LEN],
                       uint8_t kid[PROTO_PII_KEYID_LEN]);

/* Zeroes what srv_pii_show() opened. */
void srv_pii_shown_wipe(srv_pii_shown *out);

#endif
