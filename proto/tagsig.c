/* tagsig.c: signing, parsing and verifying checkpoint tag payloads. See
 * tagsig.h for the format and the signed message. */
#include "tagsig.h"
#include "errors.h"
#include "pii.h"
#include "proto.h"

#include <string.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/sha256.h>

_Static_assert(PROTO_TAG_PUB_LEN == PROTO_PII_PUB_LEN, "P-256 public key");
_Static_assert(PROTO_TAG_PRIV_LEN == PROTO_PII_PRIV_LEN, "P-256 key");

static const char domain[] = "rounds-tag-v1";
static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char hexup[] = "0123456789ABCDEF";

int proto_tag_keygen(uint8_t priv[PROTO_TAG_PRIV_LEN],
                     uint8_t pub[PROTO_TAG_PUB_LEN])
{
    return proto_pii_keygen(priv, pub);
}

int proto_tag_pub_of(const uint8_t priv[PROTO_TAG_PRIV_LEN],
                     uint8_t pub[PROTO_TAG_PUB_LEN])
{
    return proto_pii_pub_of(priv, pub);
}

void proto_tag_key_id(const uint8_t pub[PROTO_TAG_PUB_LEN],
                      uint8_t id[PROTO_TAG_KEYID_LEN],
                      char hex[PROTO_TAG_KEYID_HEX + 1])
{
    uint8_t h[32];
    mbedtls_sha256_ret(pub, PROTO_TAG_PUB_LEN, h, 0);
    memcpy(id, h, PROTO_TAG_KEYID_LEN);
    proto_hex(h, PROTO_TAG_KEYID_LEN, hex);
}

int proto_tag_name_ok(const char *s, size_t len)
{
    if (s == NULL || len == 0 || len > PROTO_TAG_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

static int plain_byte(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Appends s percent-encoded to out at *n (cap checked by the caller). */
static void put_name(char *out, size_t *n, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (plain_byte(c)) {
            out[(*n)++] = (char)c;
        } else {
            out[(*n)++] = '%';
            out[(*n)++] = hexup[c >> 4];
            out[(*n)++] = hexup[c & 15];
        }
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1; /* lower case is another spelling: refused */
}

/* Decodes s[0..len) (one percent-encoded name) into out; 0 or
 * RND_EMALFORMED. */
static int get_name(const char *s, size_t len, char *out, size_t *olen)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (n == PROTO_TAG_NAME_MAX)
            return RND_EMALFORMED;
        if (plain_byte(c)) {
            out[n++] = (char)c;
            continue;
        }
        if (c != '%' || len - i < 3)
            return RND_EMALFORMED;
        int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
        if (hi < 0 || lo < 0)
            return RND_EMALFORMED;
        unsigned char v = (unsigned char)(hi << 4 | lo);
        if (plain_byte(v)) /* must have been written plain */
            return RND_EMALFORMED;
        out[n++] = (char)v;
        i += 2;
    }
    out[n] = '\0';
    *olen = n;
    return proto_tag_name_ok(out, n) ? 0 : RND_EMALFORMED;
}

static void b64url_encode(const uint8_t in[PROTO_TAG_SIG_LEN], char *out)
{
    size_t n = 0, i = 0;
    for (; i + 3 <= PROTO_TAG_SIG_LEN; i += 3) {
        uint32_t v =
            (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[n++] = b64url[v >> 18 & 63];
        out[n++] = b64url[v >> 12 & 63];
        out[n++] = b64url[v >> 6 & 63];
        out[n++] = b64url[v & 63];
    }
    /* 64 = 21 * 3 + 1: one byte left, two characters. */
    uint32_t v = (uint32_t)in[i] << 16;
    out[n++] = b64url[v >> 18 & 63];
    out[n++] = b64url[v >> 12 & 63];
}

static int b64val(char c)
{
    const char *p = c ? strchr(b64url, c) : NULL;
    return p ? (int)(p - b64url) : -1;
}

static int b64url_decode(const char *s, uint8_t out[PROTO_TAG_SIG_LEN])
{
    int v[PROTO_TAG_SIG_B64];
    for (size_t i = 0; i < PROTO_TAG_SIG_B64; i++)
        if ((v[i] = b64val(s[i])) < 0)
            return RND_EMALFORMED;
    size_t n = 0, i = 0;
    for (; i + 4 <= PROTO_TAG_SIG_B64; i += 4) {
        uint32_t w = (uint32_t)v[i] << 18 | (uint32_t)v[i + 1] << 12 |
                     (uint32_t)v[i + 2] << 6 | (uint32_t)v[i + 3];
        out[n++] = (uint8_t)(w >> 16);
        out[n++] = (uint8_t)(w >> 8);
        out[n++] = (uint8_t)w;
    }
    if (v[i + 1] & 15) /* the unused low bits: one spelling only */
        return RND_EMALFORMED;
    out[n] = (uint8_t)(v[i] << 2 | v[i + 1] >> 4);
    return 0;
}

/* SHA-256 of the signed message (tagsig.h). */
static void digest(const char *site, size_t site_len, const char *tag,
                   size_t tag_len, const char key_hex[PROTO_TAG_KEYID_HEX],
                   uint8_t h[32])
{
    mbedtls_sha256_context c;
    static const unsigned char zero = 0;
    mbedtls_sha256_init(&c);
    mbedtls_sha256_starts_ret(&c, 0);
    mbedtls_sha256_update_ret(&c, (const unsigned char *)domain, sizeof domain);
    mbedtls_sha256_update_ret(&c, (const unsigned char *)site, site_len);
    mbedtls_sha256_update_ret(&c, &zero, 1);
    mbedtls_sha256_update_ret(&c, (const unsigned char *)tag, tag_len);
    mbedtls_sha256_update_ret(&c, &zero, 1);
    mbedtls_sha256_update_ret(&c, (const unsigned char *)key_hex,
                              PROTO_TAG_KEYID_HEX);
    mbedtls_sha256_finish_ret(&c, h);
    mbedtls_sha256_free(&c);
}

/* s > n/2? ECDSA's (r, n - s) verifies too: only the low one is taken, so
 * a (site, tag, key) has one valid payload. Returns 1 for a high s. */
static int high_s(const mbedtls_ecp_group *grp, const mbedtls_mpi *s)
{
    mbedtls_mpi half;
    mbedtls_mpi_init(&half);
    int high = mbedtls_mpi_copy(&half, &grp->N) != 0 ||
               mbedtls_mpi_shift_r(&half, 1) != 0 ||
               mbedtls_mpi_cmp_mpi(s, &half) > 0;
    mbedtls_mpi_free(&half);
    return high;
}

/* Replaces a high s by n - s. */
static int low_s(const mbedtls_ecp_group *grp, mbedtls_mpi *s)
{
    if (!high_s(grp, s))
        return 0;
    return mbedtls_mpi_sub_mpi(s, &grp->N, s);
}

/* Blinding randomness for the signer (it does not change the signature). */
static int os_rng(void *unused, unsigned char *buf, size_t n)
{
    (void)unused;
    return proto_random(buf, n) == 0 ? 0 : -1;
}

int proto_tag_format(const proto_tag_payload *p, char *out, size_t cap,
                     size_t *len)
{
    if (!proto_tag_name_ok(p->site, p->site_len) ||
        !proto_tag_name_ok(p->tag, p->tag_len))
        return RND_EINVAL;
    size_t need = 4 + 1 + PROTO_TAG_KEYID_HEX + 1 + PROTO_TAG_SIG_B64 + 1 + 1;
    for (size_t i = 0; i < p->site_len; i++)
        need += plain_byte((unsigned char)p->site[i]) ? 1 : 3;
    for (size_t i = 0; i < p->tag_len; i++)
        need += plain_byte((unsigned char)p->tag[i]) ? 1 : 3;
    if (cap < need)
        return RND_ENOSPACE;
    size_t n = 4;
    memcpy(out, PROTO_TAG_PREFIX, 4);
    put_name(out, &n, p->site, p->site_len);
    out[n++] = '.';
    put_name(out, &n, p->tag, p->tag_len);
    out[n++] = '.';
    proto_hex(p->key_id, PROTO_TAG_KEYID_LEN, out + n);
    n += PROTO_TAG_KEYID_HEX;
    out[n++] = '.';
    b64url_encode(p->sig, out + n);
    n += PROTO_TAG_SIG_B64;
    out[n] = '\0';
    *len = n;
    return 0;
}

int proto_tag_sign(const uint8_t priv[PROTO_TAG_PRIV_LEN], const char *site,
                   size_t site_len, const char *tag, size_t tag_len, char *out,
                   size_t cap, size_t *len)
{
    static _Thread_local proto_tag_payload p;
    uint8_t pub[PROTO_TAG_PUB_LEN], h[32];
    if (!proto_tag_name_ok(site, site_len) || !proto_tag_name_ok(tag, tag_len))
        return RND_EINVAL;
    memset(&p, 0, sizeof p);
    memcpy(p.site, site, site_len);
    p.site_len = site_len;
    memcpy(p.tag, tag, tag_len);
    p.tag_len = tag_len;
    size_t dummy;
    /* The length first (a zero signature formats the same), then sign. */
    int rc = proto_tag_format(&p, out, cap, &dummy);
    if (rc)
        return rc;
    if (proto_tag_pub_of(priv, pub) != 0)
        return RND_EINVAL;
    proto_tag_key_id(pub, p.key_id, p.key_hex);
    digest(site, site_len, tag, tag_len, p.key_hex, h);

    mbedtls_ecp_group grp;
    mbedtls_mpi d, r, s;
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    rc = RND_ECRYPTO;
    if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
        mbedtls_mpi_read_binary(&d, priv, PROTO_TAG_PRIV_LEN) == 0 &&
        mbedtls_ecdsa_sign_det_ext(&grp, &r, &s, &d, h, sizeof h,
                                   MBEDTLS_MD_SHA256, os_rng, NULL) == 0 &&
        low_s(&grp, &s) == 0 && mbedtls_mpi_write_binary(&r, p.sig, 32) == 0 &&
        mbedtls_mpi_write_binary(&s, p.sig + 32, 32) == 0)
        rc = 0;
    mbedtls_mpi_free(&s);
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&d);
    mbedtls_ecp_group_free(&grp);
    if (rc)
        return rc;
    return proto_tag_format(&p, out, cap, len);
}

int proto_tag_parse(const char *s, size_t len, proto_tag_payload *out)
{
    memset(out, 0, sizeof *out);
    if (s == NULL ||
        len < 4 + 2 + 2 + PROTO_TAG_KEYID_HEX + 1 + PROTO_TAG_SIG_B64 ||
        len > PROTO_TAG_PAYLOAD_MAX || memcmp(s, PROTO_TAG_PREFIX, 4) != 0)
        return RND_EMALFORMED;
    /* From the end: ".KEYID.SIG" has a fixed length. */
    size_t sig_at = len - PROTO_TAG_SIG_B64;
    size_t kid_at = sig_at - 1 - PROTO_TAG_KEYID_HEX;
    if (s[sig_at - 1] != '.' || s[kid_at - 1] != '.')
        return RND_EMALFORMED;
    for (size_t i = 0; i < PROTO_TAG_KEYID_HEX; i++) {
        char c = s[kid_at + i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return RND_EMALFORMED;
    }
    if (proto_unhex(s + kid_at, PROTO_TAG_KEYID_LEN, out->key_id) != 0)
        return RND_EMALFORMED;
    memcpy(out->key_hex, s + kid_at, PROTO_TAG_KEYID_HEX);
    out->key_hex[PROTO_TAG_KEYID_HEX] = '\0';
    if (b64url_decode(s + sig_at, out->sig) != 0)
        return RND_EMALFORMED;
    /* SITE "." TAG between the prefix and the key id: neither holds a
     * plain '.', so the one dot splits them. */
    const char *names = s + 4;
    size_t nlen = kid_at - 1 - 4;
    const char *dot = memchr(names, '.', nlen);
    if (dot == NULL || memchr(dot + 1, '.', nlen - (size_t)(dot + 1 - names)))
        return RND_EMALFORMED;
    size_t slen = (size_t)(dot - names);
    if (slen == 0 || slen == nlen - 1 ||
        get_name(names, slen, out->site, &out->site_len) != 0 ||
        get_name(dot + 1, nlen - slen - 1, out->tag, &out->tag_len) != 0)
        return RND_EMALFORMED;
    return 0;
}

int proto_tag_verify(const uint8_t pub[PROTO_TAG_PUB_LEN],
                     const proto_tag_payload *p)
{
    uint8_t kid[PROTO_TAG_KEYID_LEN], h[32];
    char khex[PROTO_TAG_KEYID_HEX + 1];
    proto_tag_key_id(pub, kid, khex);
    if (memcmp(kid, p->key_id, sizeof kid) != 0)
        return RND_EAUTH;
    digest(p->site, p->site_len, p->tag, p->tag_len, p->key_hex, h);

    mbedtls_ecp_group grp;
    mbedtls_ecp_point q;
    mbedtls_mpi r, s;
    int rc = RND_EINVAL;
    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
        mbedtls_ecp_point_read_binary(&grp, &q, pub, PROTO_TAG_PUB_LEN) == 0 &&
        mbedtls_ecp_check_pubkey(&grp, &q) == 0) {
        rc = RND_EAUTH;
        if (mbedtls_mpi_read_binary(&r, p->sig, 32) == 0 &&
            mbedtls_mpi_read_binary(&s, p->sig + 32, 32) == 0 &&
            !high_s(&grp, &s) &&
            mbedtls_ecdsa_verify(&grp, h, sizeof h, &q, &r, &s) == 0)
            rc = 0;
    }
    mbedtls_mpi_free(&s);
    mbedtls_mpi_free(&r);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    return rc;
}
