/* tagsig.h: signed checkpoint tag payloads, the proof that a guard stood at
 * a checkpoint (docs/DATA-MODEL.md "Tag payloads").
 *
 * The office holds one P-256 key pair per site (server/tags.h), publishes
 * its public half as master data (kind tag_key) and prints, for each
 * checkpoint, a payload signed with the private half as a QR code or
 * writes it to an NFC tag. A handheld verifies a scanned payload offline
 * against the site's published keys. Bytes in, bytes out: nothing here
 * touches a store.
 *
 * Payload (ASCII, at most PROTO_TAG_PAYLOAD_MAX bytes):
 *   "RT1." SITE "." TAG "." KEYID "." SIG
 * SITE, TAG: the site's name and the checkpoint's tag, each 1..64 bytes,
 *   no control characters (below 0x20, 0x7f); in the payload, every byte
 *   other than A-Z a-z 0-9 '-' '_' is written %XX (upper-case hex), and
 *   only those bytes are (one spelling per value).
 * KEYID: 8 lower-case hex digits, the first 4 bytes of SHA-256 of the
 *   signing key's 65-byte uncompressed public key.
 * SIG: the ECDSA P-256 signature (r || s, 32 bytes each, big-endian) in
 *   base64url without padding: 86 characters, unused low bits zero.
 * The signed message is SHA-256 of
 *   "rounds-tag-v1" 0x00 SITE 0x00 TAG 0x00 KEYID
 * (SITE and TAG decoded, KEYID its 8 hex characters). Signatures are
 * deterministic (RFC 6979) with s at most n/2 (a high s is refused), so a
 * (site, tag, key) has exactly one valid payload and a reprint gives it.
 *
 * The public key's text (the tag_key master data's "pub" field) is that of
 * proto/pii.h: standard base64 of the 65 uncompressed bytes.
 */
#ifndef RND_PROTO_TAGSIG_H
#define RND_PROTO_TAGSIG_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_TAG_PREFIX "RT1."
#define PROTO_TAG_KEYID_LEN 4
#define PROTO_TAG_KEYID_HEX 8
#define PROTO_TAG_PUB_LEN 65
#define PROTO_TAG_PRIV_LEN 32
#define PROTO_TAG_SIG_LEN 64
#define PROTO_TAG_SIG_B64 86
#define PROTO_TAG_NAME_MAX 64
#define PROTO_TAG_PAYLOAD_MAX                                                  \
    (4 + 3 * PROTO_TAG_NAME_MAX + 1 + 3 * PROTO_TAG_NAME_MAX + 1 +             \
     PROTO_TAG_KEYID_HEX + 1 + PROTO_TAG_SIG_B64)
/* The longest payload that fits an NTAG213 (144 bytes of user memory) in
 * one NDEF text record with its TLV, header and language code. */
#define PROTO_TAG_NTAG213_MAX 132

/* A parsed payload: site and tag decoded and NUL-terminated. */
typedef struct proto_tag_payload {
    char site[PROTO_TAG_NAME_MAX + 1];
    size_t site_len;
    char tag[PROTO_TAG_NAME_MAX + 1];
    size_t tag_len;
    uint8_t key_id[PROTO_TAG_KEYID_LEN];
    char key_hex[PROTO_TAG_KEYID_HEX + 1];
    uint8_t sig[PROTO_TAG_SIG_LEN];
} proto_tag_payload;

/* A new key pair from the OS's randomness; the public key of priv. */
int proto_tag_keygen(uint8_t priv[PROTO_TAG_PRIV_LEN],
                     uint8_t pub[PROTO_TAG_PUB_LEN]);
int proto_tag_pub_of(const uint8_t priv[PROTO_TAG_PRIV_LEN],
                     uint8_t pub[PROTO_TAG_PUB_LEN]);
/* The key id of pub as bytes and as 8 lower-case hex digits + NUL. */
void proto_tag_key_id(const uint8_t pub[PROTO_TAG_PUB_LEN],
                      uint8_t id[PROTO_TAG_KEYID_LEN],
                      char hex[PROTO_TAG_KEYID_HEX + 1]);

/* Whether site or tag (len bytes) can go into a payload: 1..64 bytes, no
 * control characters. */
int proto_tag_name_ok(const char *s, size_t len);

/* The payload for (site, tag) signed with priv, NUL-terminated in out;
 * *len gets its length. RND_EINVAL for a name proto_tag_name_ok refuses or
 * a bad key, RND_ENOSPACE when cap is too small (PROTO_TAG_PAYLOAD_MAX + 1
 * always suffices), RND_ECRYPTO when signing fails. */
int proto_tag_sign(const uint8_t priv[PROTO_TAG_PRIV_LEN], const char *site,
                   size_t site_len, const char *tag, size_t tag_len, char *out,
                   size_t cap, size_t *len);

/* Writes p back as a payload (the one spelling), NUL-terminated, into out;
 * *len gets its length: proto_tag_parse's inverse. RND_EINVAL for a name
 * proto_tag_name_ok refuses, RND_ENOSPACE when cap is too small. */
int proto_tag_format(const proto_tag_payload *p, char *out, size_t cap,
                     size_t *len);

/* Parses s[0..len) into out without checking the signature. RND_EMALFORMED
 * for anything that is not a payload in the one spelling above. Never
 * reads past s[len). */
int proto_tag_parse(const char *s, size_t len, proto_tag_payload *out);

/* Checks p's signature against pub (whose key id must be p's): 0 when it
 * verifies, RND_EAUTH when it does not (another key, an altered site, tag
 * or signature), RND_EINVAL for a bad public key. */
int proto_tag_verify(const uint8_t pub[PROTO_TAG_PUB_LEN],
                     const proto_tag_payload *p);

#endif
