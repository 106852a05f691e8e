/* pin.h: staff PINs (docs/DATA-MODEL.md, "PINs"). The office sets a
 * person's PIN; what syncs down to every handheld is its Argon2id hash in
 * libargon2's encoded form, the staff record's field "pin_hash":
 *   "$argon2id$v=19$m=M,t=T,p=P$" SALT "$" HASH   (SALT, HASH: base64
 *   without padding, as libargon2 writes them)
 * A handheld verifies a typed PIN against it offline. Bytes in, bytes
 * out: nothing here touches a store. The hash is untrusted input on the
 * handheld (it came over the wire): proto_pin_hash_check bounds its cost
 * before libargon2 spends memory and time on it.
 */
#ifndef RND_PROTO_PIN_H
#define RND_PROTO_PIN_H

#include <stddef.h>

/* A PIN is PROTO_PIN_MIN to PROTO_PIN_MAX ASCII digits. */
#define PROTO_PIN_MIN 4
#define PROTO_PIN_MAX 8
/* The longest encoded hash accepted (ours are about 100 bytes). */
#define PROTO_PIN_HASH_MAX 256
/* The office's cost: 19 MiB, 2 passes, 1 lane (OWASP's Argon2id floor);
 * about 40 ms on one core of this project's machines. */
#define PROTO_PIN_M_KIB 19456
#define PROTO_PIN_T 2
#define PROTO_PIN_P 1
/* The most a handheld spends on a hash from the wire. */
#define PROTO_PIN_M_KIB_MAX 262144
#define PROTO_PIN_T_MAX 16
#define PROTO_PIN_P_MAX 8

/* 0 when pin is 4 to 8 ASCII digits, else RND_EFIELD. */
int proto_pin_format_ok(const char *pin);

/* Hashes pin (which must pass proto_pin_format_ok) with a fresh random
 * 16-byte salt at the office's cost, into out (cap bytes, at least
 * PROTO_PIN_HASH_MAX) as a NUL-terminated encoded string. RND_EFIELD for
 * a bad PIN, RND_ECRYPTO when the OS gives no randomness or libargon2
 * fails. */
int proto_pin_hash(const char *pin, char *out, size_t cap);

/* Checks an encoded hash s[0..len) from the wire: the "$argon2id$v=19$"
 * prefix, m, t and p within the handheld's bounds above, then two
 * base64 fields. 0 or RND_EMALFORMED; *why (may be NULL) gets a static
 * phrase. */
int proto_pin_hash_check(const char *s, size_t len, const char **why);

/* Verifies pin against the encoded hash s[0..len): 0 when it matches,
 * RND_EAUTH when not, RND_EMALFORMED when s fails proto_pin_hash_check,
 * RND_EFIELD for a PIN of the wrong form, RND_ENOMEM. */
int proto_pin_verify(const char *s, size_t len, const char *pin);

/* Any secret (an office account's password, 1..PROTO_SECRET_MAX bytes):
 * the same Argon2id at the office's cost, a fresh 16-byte salt, into out
 * (cap >= PROTO_PIN_HASH_MAX). RND_EFIELD for an empty or too long
 * secret, RND_ECRYPTO. proto_pin_hash is this after the PIN's format. */
#define PROTO_SECRET_MAX 1024
int proto_secret_hash(const char *secret, size_t len, char *out, size_t cap);
/* Verifies secret[0..len) against an encoded hash as proto_pin_verify
 * does (the same bounds on its cost first): 0, RND_EAUTH, RND_EMALFORMED,
 * RND_EFIELD, RND_ENOMEM. */
int proto_secret_verify(const char *s, size_t slen, const char *secret,
                        size_t len);

#endif
