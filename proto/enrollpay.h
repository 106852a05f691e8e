/* enrollpay.h: the enrollment payload, the one short text the office gives
 * a handheld to enroll it (docs/PROTOCOL.md, "Enrollment payload"): the
 * server's address, the SHA-256 fingerprint of its certificate, the site,
 * the device's name and its one-time credential. `roundsd enroll --qr` and
 * the dashboard print it as a QR code; `rounds enroll --payload` (and the
 * app's enroll screen) read it back. Bytes in, bytes out: nothing here
 * touches a store or the network.
 *
 * Payload (ASCII, at most PROTO_ENROLL_MAX bytes), one spelling only:
 *   "rounds-enroll:1?addr=" ADDR "&fp=" FP "&site=" SITE "&dev=" DEV
 *   "&cred=" CRED
 * ADDR: HOST ":" PORT; HOST a DNS name or IPv4 address (1..253 bytes of
 *   A-Z a-z 0-9 '.' '-') or "[" an IPv6 address "]" (2..45 bytes of hex
 *   digits, ':' and '.'); PORT 1..65535 in decimal, no leading zero.
 * FP: 64 lower-case hex digits, SHA-256 of the certificate's DER bytes.
 * SITE, DEV: 1..63 bytes of A-Z a-z 0-9 '_' '.' '-', not "." or "..".
 * CRED: 1..128 bytes of A-Z a-z 0-9 '_' '.' '-' ("rdc1-" and 32 hex
 *   digits from roundsd).
 * The members come in this order, each once; nothing is %-encoded (no
 * value may need it). A reader refuses anything else (another version is
 * another prefix).
 */
#ifndef RND_PROTO_ENROLLPAY_H
#define RND_PROTO_ENROLLPAY_H

#include <stddef.h>

#define PROTO_ENROLL_PREFIX "rounds-enroll:1?"
#define PROTO_ENROLL_ADDR_MAX 261 /* "[" 253 "]:" 5, rounded up */
#define PROTO_ENROLL_NAME_MAX 63
#define PROTO_ENROLL_CRED_MAX 128
#define PROTO_ENROLL_FP_HEX 64
#define PROTO_ENROLL_MAX 640

/* A payload's members, each NUL-terminated. */
typedef struct proto_enroll {
    char addr[PROTO_ENROLL_ADDR_MAX + 1];
    char fp[PROTO_ENROLL_FP_HEX + 1];
    char site[PROTO_ENROLL_NAME_MAX + 1];
    char dev[PROTO_ENROLL_NAME_MAX + 1];
    char cred[PROTO_ENROLL_CRED_MAX + 1];
} proto_enroll;

/* Reads the payload s[0..len) (untrusted, not NUL-terminated) into *out.
 * 0, or RND_EMALFORMED with *out zeroed; why (may be NULL) gets a short
 * phrase saying which part is wrong (static storage). */
int proto_enroll_parse(const char *s, size_t len, proto_enroll *out,
                       const char **why);

/* Writes the payload of p into out (cap bytes, NUL-terminated), its length
 * to *len (may be NULL). RND_EINVAL when a member is not one a payload can
 * hold (*why says which), RND_ENOSPACE when it does not fit. */
int proto_enroll_format(const proto_enroll *p, char *out, size_t cap,
                        size_t *len, const char **why);

/* 1 when addr is an ADDR as above (HOST:PORT), else 0. */
int proto_enroll_addr_ok(const char *addr, size_t len);

#endif
