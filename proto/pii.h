/* pii.h: sealing visitors' personal data (ID numbers, phones) so that a
 * handheld never keeps them readable at rest, and only the office can open
 * them, until the key is purged after the retention period.
 *
 * Design (docs/DATA-MODEL.md "Personal data"): the office holds P-256 key
 * pairs ("PII keys"), publishes the current public key as master data (kind
 * pii_key), and keeps the private keys in its data directory. A handheld
 * recording a visitor seals the personal fields to that public key (ECIES:
 * an ephemeral P-256 key, ECDH, HKDF-SHA-256, AES-256-GCM) into the op's
 * "_pii" field and keeps only their masked forms in the visible fields.
 * Nothing on the handheld can open the envelope, so a stolen handheld
 * gives away no ID number. The office opens an envelope only through an
 * explicit command with a reason, which is itself recorded as an op.
 * Purging after the retention period deletes the private key: every
 * envelope sealed to it becomes unreadable everywhere (crypto-shredding),
 * while the op chain, which hashes the exact bytes, stays intact.
 *
 * Envelope (a str field, ASCII):
 *   "p1." KEYID "." B64(EPHEMERAL_PUB) "." B64(NONCE || CIPHERTEXT || TAG)
 * KEYID: 16 lower-case hex digits, the first 8 bytes of SHA-256 of the
 * recipient's 65-byte uncompressed public key. EPHEMERAL_PUB: 65 bytes.
 * NONCE 12 bytes, TAG 16 bytes. B64: standard base64 with padding. The
 * AES key is HKDF-SHA-256(ikm = ECDH x-coordinate, salt = EPHEMERAL_PUB ||
 * recipient public key, info = "rounds pii v1"). The AAD is the record's
 * 16-byte entity id, binding an envelope to its record. The plaintext is a
 * sequence of (name_len u8, name, value_len u16 BE, value).
 *
 * Public key text (the pii_key master data's "pub" field): B64 of the 65
 * uncompressed bytes.
 */
#ifndef RND_PROTO_PII_H
#define RND_PROTO_PII_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define PROTO_PII_FIELD "_pii"
#define PROTO_PII_KEYID_LEN 8
#define PROTO_PII_PUB_LEN 65
#define PROTO_PII_PRIV_LEN 32
#define PROTO_PII_MAX_FIELDS 4
/* Longest envelope: fields of at most PROTO_PII_VALUE_MAX bytes each. */
#define PROTO_PII_VALUE_MAX 256
#define PROTO_PII_ENVELOPE_MAX 2048

/* Whether a field of a record of kind is personal data sealed by the
 * handheld: id_no and phone of visits, phone of vehicles; phone of
 * incidents, owners' keys and exit slips; id_no and phone of lost and
 * found (the claimant's). */
int proto_pii_is_personal(int kind, const char *name, size_t len);

/* The masked form shown in place of a personal field: ID numbers keep
 * their first 3 and last 2 characters (proto_mask_id), phones their last
 * 4 digits. out gets at most cap bytes, NUL-terminated. */
void proto_pii_mask(const char *name, size_t name_len, const char *value,
                    size_t len, char *out, size_t cap);

/* A new key pair from the OS's randomness. */
int proto_pii_keygen(uint8_t priv[PROTO_PII_PRIV_LEN],
                     uint8_t pub[PROTO_PII_PUB_LEN]);
/* The public key of priv (to check a stored pair). */
int proto_pii_pub_of(const uint8_t priv[PROTO_PII_PRIV_LEN],
                     uint8_t pub[PROTO_PII_PUB_LEN]);
void proto_pii_key_id(const uint8_t pub[PROTO_PII_PUB_LEN],
                      uint8_t id[PROTO_PII_KEYID_LEN]);
/* Public key text <-> bytes. out needs 92 bytes (88 + NUL). */
void proto_pii_pub_text(const uint8_t pub[PROTO_PII_PUB_LEN], char *out,
                        size_t cap);
int proto_pii_pub_parse(const char *s, size_t len,
                        uint8_t pub[PROTO_PII_PUB_LEN]);

/* One personal field: name and value point into the caller's memory. */
typedef struct proto_pii_item {
    const char *name;
    uint32_t name_len;
    const char *value;
    uint32_t value_len;
} proto_pii_item;

/* Seals items[0..n) to pub for the record entity, writing the envelope
 * (NUL-terminated) into out; *len gets its length. RND_EINVAL for a bad
 * public key, RND_ETOOBIG for too many or too long items, RND_ENOSPACE if
 * cap is too small, RND_ECRYPTO if the randomness or a cipher fails. */
int proto_pii_seal(const uint8_t pub[PROTO_PII_PUB_LEN],
                   const uint8_t entity[PROTO_ENTITY_LEN],
                   const proto_pii_item *items, size_t n, char *out, size_t cap,
                   size_t *len);

/* The recipient key id of an envelope (without opening it). RND_EMALFORMED
 * for anything that is not an envelope. */
int proto_pii_envelope_key(const char *env, size_t len,
                           uint8_t id[PROTO_PII_KEYID_LEN]);

/* Opens an envelope with the recipient's private key. The plaintext is
 * written into buf (cap bytes) and items[0..*n) point into it (names and
 * values are not NUL-terminated). Errors: RND_EMALFORMED (not an envelope,
 * a bad length or plaintext layout), RND_EAUTH (wrong key, altered
 * envelope or another record's envelope: the GCM tag does not verify),
 * RND_ENOSPACE, RND_ECRYPTO. Never reads past env[len). */
int proto_pii_open(const uint8_t priv[PROTO_PII_PRIV_LEN],
                   const uint8_t entity[PROTO_ENTITY_LEN], const char *env,
                   size_t len, uint8_t *buf, size_t cap,
                   proto_pii_item items[PROTO_PII_MAX_FIELDS], size_t *n);

#endif
