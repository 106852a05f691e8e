/* mkcert.c: makes, at test time, a server certificate of the shape
 * `roundsd init` makes (self-signed P-256, CN=roundsd, CA:true) but valid
 * only from FROM to UNTIL (seconds since the epoch), so tests can give a
 * handheld a pinned certificate whose validity window excludes its clock.
 *   mkcert CERT_OUT KEY_OUT FROM UNTIL */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

static void x509_time(time_t t, char out[16])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y%m%d%H%M%S", &tm);
}

static int write_file(const char *path, const unsigned char *pem)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t n = strlen((const char *)pem);
    int bad = fwrite(pem, 1, n, f) != n;
    return fclose(f) != 0 || bad ? -1 : 0;
}

int main(int argc, char **argv)
{
    static unsigned char pem[16384];
    static const unsigned char serial_bytes[] = {0x42, 0x17};
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_pk_context key;
    mbedtls_x509write_cert crt;
    mbedtls_mpi serial;
    char from[16], until[16];
    int raw;

    if (argc != 5) {
        fprintf(stderr, "usage: mkcert CERT_OUT KEY_OUT FROM UNTIL\n");
        return 2;
    }
    x509_time((time_t)strtoll(argv[3], NULL, 10), from);
    x509_time((time_t)strtoll(argv[4], NULL, 10), until);
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_pk_init(&key);
    mbedtls_x509write_crt_init(&crt);
    mbedtls_mpi_init(&serial);
    raw = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0);
    if (raw == 0)
        raw =
            mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
    if (raw == 0)
        raw = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key),
                                  mbedtls_ctr_drbg_random, &drbg);
    mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&crt, &key);
    mbedtls_x509write_crt_set_issuer_key(&crt, &key);
    if (raw == 0)
        raw =
            mbedtls_mpi_read_binary(&serial, serial_bytes, sizeof serial_bytes);
    if (raw == 0)
        raw = mbedtls_x509write_crt_set_serial(&crt, &serial);
    if (raw == 0)
        raw = mbedtls_x509write_crt_set_validity(&crt, from, until);
    if (raw == 0)
        raw = mbedtls_x509write_crt_set_subject_name(&crt, "CN=roundsd");
    if (raw == 0)
        raw = mbedtls_x509write_crt_set_issuer_name(&crt, "CN=roundsd");
    if (raw == 0)
        raw = mbedtls_x509write_crt_set_basic_constraints(&crt, 1, -1);
    if (raw == 0)
        raw = mbedtls_x509write_crt_set_key_usage(
            &crt,
            MBEDTLS_X509_KU_DIGITAL_SIGNATURE | MBEDTLS_X509_KU_KEY_CERT_SIGN);
    if (raw == 0)
        raw = mbedtls_pk_write_key_pem(&key, pem, sizeof pem);
    if (raw == 0 && write_file(argv[2], pem) != 0)
        raw = -1;
    if (raw == 0)
        raw = mbedtls_x509write_crt_pem(&crt, pem, sizeof pem,
                                        mbedtls_ctr_drbg_random, &drbg);
    if (raw == 0 && write_file(argv[1], pem) != 0)
        raw = -1;
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&crt);
    mbedtls_pk_free(&key);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    if (raw != 0) {
        fprintf(stderr, "mkcert: failed (-0x%04x)\n", (unsigned)-raw);
        return 1;
    }
    return 0;
}
