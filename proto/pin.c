/* pin.c: staff PINs and office passwords, hashed and verified with
 * Debian's libargon2 (pin.h). The encoded string is libargon2's own; what
 * is ours is the bound on its cost parameters, checked before libargon2
 * sees a hash that came over the wire. */
#include "pin.h"

#include <argon2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "errors.h"

int proto_pin_format_ok(const char *pin)
{
    size_t n = pin ? strlen(pin) : 0;
    if (n < PROTO_PIN_MIN || n > PROTO_PIN_MAX)
        return RND_EFIELD;
    for (size_t i = 0; i < n; i++)
        if (pin[i] < '0' || pin[i] > '9')
            return RND_EFIELD;
    return 0;
}

int proto_secret_hash(const char *secret, size_t len, char *out, size_t cap)
{
    uint8_t salt[16];
    if (len == 0 || len > PROTO_SECRET_MAX)
        return RND_EFIELD;
    if (cap < PROTO_PIN_HASH_MAX)
        return RND_ENOSPACE;
    if (getrandom(salt, sizeof salt, 0) != (ssize_t)sizeof salt)
        return RND_ECRYPTO;
    int rc =
        argon2id_hash_encoded(PROTO_PIN_T, PROTO_PIN_M_KIB, PROTO_PIN_P, secret,
                              len, salt, sizeof salt, 32, out, cap);
    return rc == ARGON2_OK ? 0 : RND_ECRYPTO;
}

int proto_pin_hash(const char *pin, char *out, size_t cap)
{
    if (proto_pin_format_ok(pin) != 0)
        return RND_EFIELD;
    return proto_secret_hash(pin, strlen(pin), out, cap);
}

/* Reads "NAME=" then 1..7 decimal digits at *p; advances past them. */
static int param(const char **p, const char *end, const char *name, uint32_t lo,
                 uint32_t hi, uint32_t *out)
{
    size_t nl = strlen(name);
    if ((size_t)(end - *p) < nl || memcmp(*p, name, nl) != 0)
        return -1;
    *p += nl;
    uint32_t v = 0;
    int digits = 0;
    while (*p < end && **p >= '0' && **p <= '9' && digits < 8) {
        if (digits == 1 && v == 0)
            return -1; /* no leading zero: one spelling per value */
        v = v * 10 + (uint32_t)(**p - '0');
        (*p)++;
        digits++;
    }
    if (digits == 0 || digits == 8 || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* A run of 1..max base64 characters (libargon2's alphabet, no padding). */
static int b64_run(const char **p, const char *end, size_t min, size_t max)
{
    size_t n = 0;
    while (*p < end && **p != '$') {
        char ch = **p;
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
              (ch >= '0' && ch <= '9') || ch == '+' || ch == '/'))
            return -1;
        (*p)++;
        n++;
    }
    return n >= min && n <= max ? 0 : -1;
}

int proto_pin_hash_check(const char *s, size_t len, const char **why)
{
    static const char prefix[] = "$argon2id$v=19$";
    const char *p = s, *end = s + len, *w = NULL;
    uint32_t m, t, par;
    if (len == 0 || len > PROTO_PIN_HASH_MAX)
        w = "not 1..256 bytes";
    else if (len < sizeof prefix - 1 || memcmp(s, prefix, sizeof prefix - 1))
        w = "not an Argon2id (v=19) hash";
    else if ((p += sizeof prefix - 1,
              param(&p, end, "m=", 8, PROTO_PIN_M_KIB_MAX, &m) != 0) ||
             param(&p, end, ",t=", 1, PROTO_PIN_T_MAX, &t) != 0 ||
             param(&p, end, ",p=", 1, PROTO_PIN_P_MAX, &par) != 0 ||
             m < 8 * par)
        w = "its cost (m, t, p) is out of bounds";
    else if (p == end || *p++ != '$' || b64_run(&p, end, 11, 64) != 0 ||
             p == end || *p++ != '$' || b64_run(&p, end, 16, 86) != 0 ||
             p != end)
        w = "its salt or hash is malformed";
    if (why)
        *why = w;
    return w ? RND_EMALFORMED : 0;
}

int proto_pin_verify(const char *s, size_t len, const char *pin)
{
    if (proto_pin_format_ok(pin) != 0)
        return RND_EFIELD;
    return proto_secret_verify(s, len, pin, strlen(pin));
}

int proto_secret_verify(const char *s, size_t slen, const char *secret,
                        size_t len)
{
    char enc[PROTO_PIN_HASH_MAX + 1];
    if (len == 0 || len > PROTO_SECRET_MAX)
        return RND_EFIELD;
    if (proto_pin_hash_check(s, slen, NULL) != 0)
        return RND_EMALFORMED;
    memcpy(enc, s, slen);
    enc[slen] = '\0';
    int rc = argon2id_verify(enc, secret, len);
    if (rc == ARGON2_OK)
        return 0;
    if (rc == ARGON2_VERIFY_MISMATCH)
        return RND_EAUTH;
    if (rc == ARGON2_MEMORY_ALLOCATION_ERROR)
        return RND_ENOMEM;
    return RND_EMALFORMED;
}
