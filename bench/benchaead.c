/* benchaead.c: the AEAD seal rate of TLS's records (benchaead.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mbedtls/chachapoly.h>
#include <mbedtls/gcm.h>

#include "benchaead.h"
#include "benchops.h"

const char *ba_name(ba_aead which)
{
    return which == BA_CHACHAPOLY ? "ChaCha20-Poly1305" : "AES-128-GCM";
}

/* One context of either kind, so the record loop is written once. */
typedef struct sealer {
    ba_aead which;
    mbedtls_chachapoly_context cc;
    mbedtls_gcm_context gcm;
} sealer;

static int seal(sealer *s, const uint8_t iv[12], const uint8_t aad[13],
                const uint8_t *in, uint8_t *out, uint8_t tag[16])
{
    if (s->which == BA_CHACHAPOLY)
        return mbedtls_chachapoly_encrypt_and_tag(&s->cc, BA_RECORD, iv, aad,
                                                  13, in, out, tag);
    return mbedtls_gcm_crypt_and_tag(&s->gcm, MBEDTLS_GCM_ENCRYPT, BA_RECORD,
                                     iv, 12, aad, 13, in, out, 16, tag);
}

double ba_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double ba_seal_rate(ba_aead which, const uint8_t *pool, size_t len,
                    uint64_t min_bytes, double min_s, double *cpu_mb_s)
{
    static const uint8_t key[32] = {1, 2, 3};
    static uint8_t out[BA_RECORD];
    /* TLS 1.2's additional data: sequence number (8 bytes), type 23
     * (application data), version 3.3, length. */
    uint8_t
        iv[12] = {0},
        aad[13] = {
            0, 0, 0, 0, 0, 0, 0, 0, 23, 3, 3, BA_RECORD >> 8, BA_RECORD & 0xff};
    uint8_t tag[16];
    size_t span = len - len % BA_RECORD, at = 0;
    uint64_t bytes = 0, seq = 0;
    sealer s = {.which = which};
    double t0, c0, t = 0;
    int rc;

    if (len < BA_RECORD)
        return -1;
    mbedtls_chachapoly_init(&s.cc);
    mbedtls_gcm_init(&s.gcm);
    rc = which == BA_CHACHAPOLY
             ? mbedtls_chachapoly_setkey(&s.cc, key)
             : mbedtls_gcm_setkey(&s.gcm, MBEDTLS_CIPHER_ID_AES, key, 128);
    t0 = bo_now_s();
    c0 = ba_cpu_s();
    while (rc == 0 && (bytes < min_bytes || t < min_s)) {
        /* 16 records between looks at the clock: a clock read costs
         * little beside 16 KiB of sealing, but need not be paid each. */
        for (int i = 0; i < 16 && rc == 0; i++, bytes += BA_RECORD) {
            seq++;
            for (int b = 0; b < 8; b++)
                aad[b] = iv[4 + b] = (uint8_t)(seq >> (56 - 8 * b));
            rc = seal(&s, iv, aad, pool + at, out, tag);
            at = (at + BA_RECORD) % span;
        }
        t = bo_now_s() - t0;
    }
    if (cpu_mb_s != NULL)
        *cpu_mb_s = (double)bytes / (ba_cpu_s() - c0) / 1e6;
    mbedtls_chachapoly_free(&s.cc);
    mbedtls_gcm_free(&s.gcm);
    if (rc != 0) {
        fprintf(stderr, "%s: mbedTLS %s seal failed (-0x%04x)\n", bo_prog,
                ba_name(which), (unsigned)-rc);
        return -1;
    }
    return (double)bytes / t / 1e6;
}
