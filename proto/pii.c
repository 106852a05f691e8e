/* pii.c: sealing and opening personal data. See pii.h for the design and
 * the envelope format. */
#include "pii.h"
#include "utf8.h"

#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecp.h>
#include <mbedtls/gcm.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>

#define NONCE_LEN 12
#define TAG_LEN 16
#define AES_KEY_LEN 32
#define PUB_B64_LEN 88 /* base64 of 65 bytes, padded */
#define PLAIN_MAX (PROTO_PII_MAX_FIELDS * (1 + 32 + 2 + PROTO_PII_VALUE_MAX))

static const char info[] = "rounds pii v1";

int proto_pii_is_personal(int kind, const char *name, size_t len)
{
    if (kind == PROTO_KIND_VISIT)
        return (len == 5 && memcmp(name, "id_no", 5) == 0) ||
               (len == 5 && memcmp(name, "phone", 5) == 0);
    if (kind == PROTO_KIND_VEHICLE)
        return len == 5 && memcmp(name, "phone", 5) == 0;
    /* The registers: a phone of the people involved or of who takes a
     * key or carries items out; a claimant's ID number and phone. */
    if (kind == PROTO_KIND_INCIDENT || kind == PROTO_KIND_OWNERKEY ||
        kind == PROTO_KIND_EXITSLIP)
        return len == 5 && memcmp(name, "phone", 5) == 0;
    if (kind == PROTO_KIND_LOSTFOUND)
        return (len == 5 && memcmp(name, "id_no", 5) == 0) ||
               (len == 5 && memcmp(name, "phone", 5) == 0);
    return 0;
}

void proto_pii_mask(const char *name, size_t name_len, const char *value,
                    size_t len, char *out, size_t cap)
{
    if (name_len == 5 && memcmp(name, "phone", 5) == 0) {
        /* Characters, not bytes (a full-width digit is three bytes). */
        size_t chars = proto_utf8_count(value, len), n = 0;
        size_t tail =
            chars > 4 ? proto_utf8_offset(value, len, chars - 4) : len;
        if (cap == 0)
            return;
        for (size_t k = 0; k < (chars > 4 ? chars - 4 : chars) && n + 1 < cap;
             k++)
            out[n++] = '*';
        if (n + (len - tail) < cap)
            for (size_t i = tail; i < len; i++)
                out[n++] = value[i];
        out[n] = '\0';
        return;
    }
    proto_mask_id(value, len, out, cap);
}

/* mbedTLS wants an RNG callback: the OS's, through proto_random. */
static int os_rng(void *unused, unsigned char *buf, size_t n)
{
    (void)unused;
    return proto_random(buf, n) == 0 ? 0 : -1;
}

void proto_pii_key_id(const uint8_t pub[PROTO_PII_PUB_LEN],
                      uint8_t id[PROTO_PII_KEYID_LEN])
{
    uint8_t h[32];
    mbedtls_sha256_ret(pub, PROTO_PII_PUB_LEN, h, 0);
    memcpy(id, h, PROTO_PII_KEYID_LEN);
}

int proto_pii_keygen(uint8_t priv[PROTO_PII_PRIV_LEN],
                     uint8_t pub[PROTO_PII_PUB_LEN])
{
    mbedtls_ecp_group grp;
    mbedtls_mpi d;
    mbedtls_ecp_point q;
    size_t olen;
    int rc = RND_ECRYPTO;

    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
    mbedtls_ecp_point_init(&q);
    if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
        mbedtls_ecp_gen_keypair(&grp, &d, &q, os_rng, NULL) == 0 &&
        mbedtls_mpi_write_binary(&d, priv, PROTO_PII_PRIV_LEN) == 0 &&
        mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED,
                                       &olen, pub, PROTO_PII_PUB_LEN) == 0 &&
        olen == PROTO_PII_PUB_LEN)
        rc = 0;
    mbedtls_ecp_point_free(&q);
    mbedtls_mpi_free(&d);
    mbedtls_ecp_group_free(&grp);
    return rc;
}

int proto_pii_pub_of(const uint8_t priv[PROTO_PII_PRIV_LEN],
                     uint8_t pub[PROTO_PII_PUB_LEN])
{
    mbedtls_ecp_group grp;
    mbedtls_mpi d;
    mbedtls_ecp_point q;
    size_t olen;
    int rc = RND_EINVAL;

    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
    mbedtls_ecp_point_init(&q);
    if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
        mbedtls_mpi_read_binary(&d, priv, PROTO_PII_PRIV_LEN) == 0 &&
        mbedtls_ecp_check_privkey(&grp, &d) == 0 &&
        mbedtls_ecp_mul(&grp, &q, &d, &grp.G, os_rng, NULL) == 0 &&
        mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED,
                                       &olen, pub, PROTO_PII_PUB_LEN) == 0 &&
        olen == PROTO_PII_PUB_LEN)
        rc = 0;
    mbedtls_ecp_point_free(&q);
    mbedtls_mpi_free(&d);
    mbedtls_ecp_group_free(&grp);
    return rc;
}

void proto_pii_pub_text(const uint8_t pub[PROTO_PII_PUB_LEN], char *out,
                        size_t cap)
{
    size_t olen = 0;
    if (mbedtls_base64_encode((unsigned char *)out, cap, &olen, pub,
                              PROTO_PII_PUB_LEN) != 0 &&
        cap > 0)
        out[0] = '\0';
}

/* Decodes exactly want bytes of base64 from s[0..len). */
static int b64_exact(const char *s, size_t len, uint8_t *out, size_t want)
{
    size_t olen = 0;
    uint8_t tmp[PROTO_PII_ENVELOPE_MAX];
    if (len == 0 || len > sizeof tmp)
        return RND_EMALFORMED;
    if (mbedtls_base64_decode(tmp, sizeof tmp, &olen, (const unsigned char *)s,
                              len) != 0 ||
        olen != want)
        return RND_EMALFORMED;
    memcpy(out, tmp, want);
    return 0;
}

int proto_pii_pub_parse(const char *s, size_t len,
                        uint8_t pub[PROTO_PII_PUB_LEN])
{
    if (len != PUB_B64_LEN || b64_exact(s, len, pub, PROTO_PII_PUB_LEN) != 0 ||
        pub[0] != 0x04)
        return RND_EINVAL;
    return 0;
}

/* AES key for the pair (ephemeral, recipient) from the ECDH secret. */
static int derive(const mbedtls_ecp_group *grp, const mbedtls_mpi *z,
                  const uint8_t eph[PROTO_PII_PUB_LEN],
                  const uint8_t rcpt[PROTO_PII_PUB_LEN],
                  uint8_t key[AES_KEY_LEN])
{
    uint8_t ikm[32], salt[2 * PROTO_PII_PUB_LEN];
    (void)grp;
    if (mbedtls_mpi_write_binary(z, ikm, sizeof ikm) != 0)
        return RND_ECRYPTO;
    memcpy(salt, eph, PROTO_PII_PUB_LEN);
    memcpy(salt + PROTO_PII_PUB_LEN, rcpt, PROTO_PII_PUB_LEN);
    int rc =
        mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), salt,
                     sizeof salt, ikm, sizeof ikm, (const unsigned char *)info,
                     sizeof info - 1, key, AES_KEY_LEN);
    memset(ikm, 0, sizeof ikm);
    return rc == 0 ? 0 : RND_ECRYPTO;
}

int proto_pii_seal(const uint8_t pub[PROTO_PII_PUB_LEN],
                   const uint8_t entity[PROTO_ENTITY_LEN],
                   const proto_pii_item *items, size_t n, char *out, size_t cap,
                   size_t *len)
{
    uint8_t plain[PLAIN_MAX], sealed[NONCE_LEN + PLAIN_MAX + TAG_LEN];
    uint8_t eph[PROTO_PII_PUB_LEN], key[AES_KEY_LEN];
    size_t pn = 0;

    if (n == 0 || n > PROTO_PII_MAX_FIELDS)
        return RND_ETOOBIG;
    for (size_t i = 0; i < n; i++) {
        if (items[i].name_len == 0 || items[i].name_len > 32 ||
            items[i].value_len > PROTO_PII_VALUE_MAX)
            return RND_ETOOBIG;
        plain[pn++] = (uint8_t)items[i].name_len;
        memcpy(plain + pn, items[i].name, items[i].name_len);
        pn += items[i].name_len;
        plain[pn++] = (uint8_t)(items[i].value_len >> 8);
        plain[pn++] = (uint8_t)items[i].value_len;
        memcpy(plain + pn, items[i].value, items[i].value_len);
        pn += items[i].value_len;
    }

    mbedtls_ecp_group grp;
    mbedtls_mpi d, z;
    mbedtls_ecp_point q, rq;
    mbedtls_gcm_context gcm;
    size_t olen;
    int rc = RND_ECRYPTO;
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
    mbedtls_mpi_init(&z);
    mbedtls_ecp_point_init(&q);
    mbedtls_ecp_point_init(&rq);
    mbedtls_gcm_init(&gcm);
    if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) != 0)
        goto done;
    if (mbedtls_ecp_point_read_binary(&grp, &rq, pub, PROTO_PII_PUB_LEN) != 0 ||
        mbedtls_ecp_check_pubkey(&grp, &rq) != 0) {
        rc = RND_EINVAL;
        goto done;
    }
    if (mbedtls_ecp_gen_keypair(&grp, &d, &q, os_rng, NULL) != 0 ||
        mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED,
                                       &olen, eph, sizeof eph) != 0 ||
        mbedtls_ecdh_compute_shared(&grp, &z, &rq, &d, os_rng, NULL) != 0 ||
        derive(&grp, &z, eph, pub, key) != 0 ||
        proto_random(sealed, NONCE_LEN) != 0 ||
        mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, 256) != 0 ||
        mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, pn, sealed,
                                  NONCE_LEN, entity, PROTO_ENTITY_LEN, plain,
                                  sealed + NONCE_LEN, TAG_LEN,
                                  sealed + NONCE_LEN + pn) != 0)
        goto done;

    /* "p1." keyid "." b64(eph) "." b64(sealed) */
    uint8_t kid[PROTO_PII_KEYID_LEN];
    proto_pii_key_id(pub, kid);
    size_t need = 3 + 16 + 1 + PUB_B64_LEN + 1 +
                  4 * ((NONCE_LEN + pn + TAG_LEN + 2) / 3) + 1;
    if (need > cap) {
        rc = RND_ENOSPACE;
        goto done;
    }
    memcpy(out, "p1.", 3);
    proto_hex(kid, sizeof kid, out + 3); /* its NUL becomes the dot */
    out[19] = '.';
    size_t at = 20, w;
    if (mbedtls_base64_encode((unsigned char *)out + at, cap - at, &w, eph,
                              sizeof eph) != 0)
        goto done;
    at += w;
    out[at++] = '.';
    if (mbedtls_base64_encode((unsigned char *)out + at, cap - at, &w, sealed,
                              NONCE_LEN + pn + TAG_LEN) != 0)
        goto done;
    at += w;
    out[at] = '\0';
    *len = at;
    rc = 0;
done:
    memset(key, 0, sizeof key);
    memset(plain, 0, sizeof plain);
    mbedtls_gcm_free(&gcm);
    mbedtls_ecp_point_free(&rq);
    mbedtls_ecp_point_free(&q);
    mbedtls_mpi_free(&z);
    mbedtls_mpi_free(&d);
    mbedtls_ecp_group_free(&grp);
    return rc;
}

/* Splits an envelope into its three parts (pointers into env). */
static int split(const char *env, size_t len, const char **kid,
                 const char **eph, size_t *eph_len, const char **body,
                 size_t *body_len)
{
    if (len < 21 || memcmp(env, "p1.", 3) != 0 || env[19] != '.')
        return RND_EMALFORMED;
    for (int i = 3; i < 19; i++) {
        char c = env[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return RND_EMALFORMED;
    }
    *kid = env + 3;
    *eph = env + 20;
    const char *dot = memchr(*eph, '.', len - 20);
    if (dot == NULL)
        return RND_EMALFORMED;
    *eph_len = (size_t)(dot - *eph);
    *body = dot + 1;
    *body_len = len - (size_t)(*body - env);
    return 0;
}

int proto_pii_envelope_key(const char *env, size_t len,
                           uint8_t id[PROTO_PII_KEYID_LEN])
{
    const char *kid, *eph, *body;
    size_t el, bl;
    int rc = split(env, len, &kid, &eph, &el, &body, &bl);
    if (rc)
        return rc;
    /* split() checked the 16 lowercase hex digits. */
    return proto_unhex(kid, PROTO_PII_KEYID_LEN, id) == 0 ? 0 : RND_EMALFORMED;
}

int proto_pii_open(const uint8_t priv[PROTO_PII_PRIV_LEN],
                   const uint8_t entity[PROTO_ENTITY_LEN], const char *env,
                   size_t len, uint8_t *buf, size_t cap,
                   proto_pii_item items[PROTO_PII_MAX_FIELDS], size_t *n)
{
    const char *kid, *eph_s, *body;
    size_t el, bl, olen = 0;
    uint8_t eph[PROTO_PII_PUB_LEN], rcpt[PROTO_PII_PUB_LEN], key[AES_KEY_LEN];
    uint8_t sealed[NONCE_LEN + PLAIN_MAX + TAG_LEN];
    int rc;

    if ((rc = split(env, len, &kid, &eph_s, &el, &body, &bl)) != 0)
        return rc;
    if (el != PUB_B64_LEN || b64_exact(eph_s, el, eph, PROTO_PII_PUB_LEN) != 0)
        return RND_EMALFORMED;
    if (bl == 0 || bl > 4 * ((sizeof sealed + 2) / 3) ||
        mbedtls_base64_decode(sealed, sizeof sealed, &olen,
                              (const unsigned char *)body, bl) != 0 ||
        olen < NONCE_LEN + TAG_LEN + 1)
        return RND_EMALFORMED;
    size_t pn = olen - NONCE_LEN - TAG_LEN;
    if (pn > cap)
        return RND_ENOSPACE;

    mbedtls_ecp_group grp;
    mbedtls_mpi d, z;
    mbedtls_ecp_point q;
    mbedtls_gcm_context gcm;
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
    mbedtls_mpi_init(&z);
    mbedtls_ecp_point_init(&q);
    mbedtls_gcm_init(&gcm);
    rc = RND_ECRYPTO;
    if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) != 0)
        goto done;
    if (mbedtls_ecp_point_read_binary(&grp, &q, eph, sizeof eph) != 0 ||
        mbedtls_ecp_check_pubkey(&grp, &q) != 0) {
        rc = RND_EMALFORMED;
        goto done;
    }
    if (mbedtls_mpi_read_binary(&d, priv, PROTO_PII_PRIV_LEN) != 0 ||
        proto_pii_pub_of(priv, rcpt) != 0 ||
        mbedtls_ecdh_compute_shared(&grp, &z, &q, &d, os_rng, NULL) != 0 ||
        derive(&grp, &z, eph, rcpt, key) != 0 ||
        mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, 256) != 0)
        goto done;
    if (mbedtls_gcm_auth_decrypt(&gcm, pn, sealed, NONCE_LEN, entity,
                                 PROTO_ENTITY_LEN, sealed + NONCE_LEN + pn,
                                 TAG_LEN, sealed + NONCE_LEN, buf) != 0) {
        rc = RND_EAUTH;
        goto done;
    }
    /* The plaintext was sealed by whoever held the public key: parse it
     * as carefully as any other input. */
    size_t at = 0, k = 0;
    rc = RND_EMALFORMED;
    while (at < pn) {
        if (k == PROTO_PII_MAX_FIELDS)
            goto done;
        size_t nl = buf[at++];
        if (nl == 0 || nl > 32 || at + nl + 2 > pn)
            goto done;
        items[k].name = (const char *)buf + at;
        items[k].name_len = (uint32_t)nl;
        at += nl;
        size_t vl = (size_t)buf[at] << 8 | buf[at + 1];
        at += 2;
        if (vl > PROTO_PII_VALUE_MAX || at + vl > pn)
            goto done;
        items[k].value = (const char *)buf + at;
        items[k].value_len = (uint32_t)vl;
        at += vl;
        k++;
    }
    *n = k;
    rc = 0;
done:
    memset(key, 0, sizeof key);
    mbedtls_gcm_free(&gcm);
    mbedtls_ecp_point_free(&q);
    mbedtls_mpi_free(&z);
    mbedtls_mpi_free(&d);
    mbedtls_ecp_group_free(&grp);
    return rc;
}
