/* cert.c: key and self-signed certificate generation (cert.h), with
 * mbedTLS's pk, ecp and x509write modules. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../proto/clock.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>

#include "../proto/proto.h"
#include "../proto/sha256.h"
#include "cert.h"

static int crypto_fail(char *err, size_t errlen, int raw, const char *what)
{
    char text[160];
    mbedtls_strerror(raw, text, sizeof text);
    snprintf(err, errlen, "%s: -0x%04x (%s)", what, (unsigned)-raw, text);
    return RND_ECRYPTO;
}

/* Writes n bytes to a new file (O_EXCL) with mode, durably. */
static int write_new(const char *path, const void *data, size_t n, mode_t mode,
                     char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(e));
        return e == EEXIST ? RND_EEXIST : RND_EIO;
    }
    const char *p = data;
    int rc = 0;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = RND_EIO;
            break;
        }
        p += w;
        n -= (size_t)w;
    }
    if (rc == 0 && (fchmod(fd, mode) != 0 || fsync(fd) != 0))
        rc = RND_EIO;
    if (close(fd) != 0 && rc == 0)
        rc = RND_EIO;
    if (rc) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(path);
    }
    return rc;
}

static void x509_time(time_t t, char out[16])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    if (strftime(out, 16, "%Y%m%d%H%M%S", &tm) == 0)
        out[0] = '\0';
}

int srv_cert_generate(const char *key_path, const char *cert_path, char *err,
                      size_t errlen)
{
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_pk_context key;
    mbedtls_x509write_cert crt;
    mbedtls_mpi serial;
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_pk_init(&key);
    mbedtls_x509write_crt_init(&crt);
    mbedtls_mpi_init(&serial);
    unsigned char *pem = malloc(16384);
    int rc = 0, raw;
    if (pem == NULL) {
        snprintf(err, errlen, "out of memory");
        rc = RND_ENOMEM;
        goto out;
    }
    static const char pers[] = "roundsd init";
    raw = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                                (const unsigned char *)pers, sizeof pers - 1);
    if (raw) {
        rc = crypto_fail(err, errlen, raw, "seeding the RNG");
        goto out;
    }
    raw = mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
    if (raw == 0)
        raw = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key),
                                  mbedtls_ctr_drbg_random, &drbg);
    if (raw) {
        rc = crypto_fail(err, errlen, raw, "generating the P-256 key");
        goto out;
    }

    /* A random positive serial of 128 bits (RFC 5280: at most 20 bytes). */
    unsigned char sbytes[16];
    rc = proto_random(sbytes, sizeof sbytes);
    if (rc) {
        snprintf(err, errlen, "no randomness from the OS");
        goto out;
    }
    sbytes[0] = (unsigned char)((sbytes[0] & 0x7f) | 0x40);
    char from[16], until[16];
    /* From a day before the office clock: a handheld never judges the
     * dates (it pins the certificate's bytes), but other clients may. */
    time_t now = (time_t)(rnd_clock_now_ms(RND_CLOCK_ENV_OFFICE) / 1000);
    x509_time(now - 86400, from);
    x509_time(now + (time_t)SRV_CERT_YEARS * 365 * 86400 +
                  (time_t)(SRV_CERT_YEARS / 4) * 86400,
              until);
    const char *name = "CN=" SRV_CERT_CN;
    mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&crt, &key);
    mbedtls_x509write_crt_set_issuer_key(&crt, &key);
    raw = mbedtls_mpi_read_binary(&serial, sbytes, sizeof sbytes);
    if (raw == 0)
        raw = mbedtls_x509write_crt_set_serial(&crt, &serial);
    if (raw == 0)
        raw = mbedtls_x509write_crt_set_validity(&crt, from, until);
    if (raw == 0)
        raw = mbedtls_x509write_crt_set_subject_name(&crt, name);
    if (raw == 0)
        raw = mbedtls_x509write_crt_set_issuer_name(&crt, name);
    if (raw == 0)
        raw = mbedtls_x509write_crt_set_basic_constraints(&crt, 1, -1);
    if (raw == 0)
        raw = mbedtls_x509write_crt_set_subject_key_identifier(&crt);
    if (raw == 0)
        raw = mbedtls_x509write_crt_set_authority_key_identifier(&crt);
    if (raw == 0)
        raw = mbedtls_x509write_crt_set_key_usage(
            &crt,
            MBEDTLS_X509_KU_DIGITAL_SIGNATURE | MBEDTLS_X509_KU_KEY_CERT_SIGN);
    if (raw) {
        rc = crypto_fail(err, errlen, raw, "building the certificate");
        goto out;
    }

    raw = mbedtls_pk_write_key_pem(&key, pem, 16384);
    if (raw) {
        rc = crypto_fail(err, errlen, raw, "encoding the key");
        goto out;
    }
    rc = write_new(key_path, pem, strlen((char *)pem), 0600, err, errlen);
    mbedtls_platform_zeroize(pem, 16384);
    if (rc)
        goto out;
    raw = mbedtls_x509write_crt_pem(&crt, pem, 16384, mbedtls_ctr_drbg_random,
                                    &drbg);
    if (raw) {
        rc = crypto_fail(err, errlen, raw, "signing the certificate");
        unlink(key_path);
        goto out;
    }
    rc = write_new(cert_path, pem, strlen((char *)pem), 0644, err, errlen);
    if (rc)
        unlink(key_path);
out:
    free(pem);
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&crt);
    mbedtls_pk_free(&key);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    return rc;
}

/* Reads a whole (small) file into a malloc'd NUL-terminated buffer. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    if (buf != NULL) {
        n = fread(buf, 1, cap, f);
        if (ferror(f) || !feof(f)) { /* unreadable or over 64 KiB */
            free(buf);
            buf = NULL;
        } else {
            buf[n] = '\0';
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

int srv_cert_import(const char *cert_in, const char *key_in,
                    const char *cert_path, const char *key_path, char *err,
                    size_t errlen)
{
    mbedtls_x509_crt crt;
    mbedtls_pk_context key;
    mbedtls_x509_crt_init(&crt);
    mbedtls_pk_init(&key);
    int rc = RND_ECERT, raw;
    char text[160];
    char *cpem = NULL, *kpem = NULL;
    size_t clen = 0, klen = 0;
    raw = mbedtls_x509_crt_parse_file(&crt, cert_in);
    if (raw) {
        mbedtls_strerror(raw, text, sizeof text);
        snprintf(err, errlen, "--cert %s: %s", cert_in, text);
        goto out;
    }
    raw = mbedtls_pk_parse_keyfile(&key, key_in, NULL);
    if (raw) {
        mbedtls_strerror(raw, text, sizeof text);
        snprintf(err, errlen, "--key %s: %s", key_in, text);
        goto out;
    }
    if (!mbedtls_pk_can_do(&key, MBEDTLS_PK_ECKEY)) {
        snprintf(err, errlen,
                 "--key %s: not an EC key (the server offers ECDSA "
                 "ciphersuites only)",
                 key_in);
        goto out;
    }
    if (mbedtls_pk_check_pair(&crt.pk, &key) != 0) {
        snprintf(err, errlen, "--cert %s and --key %s do not match", cert_in,
                 key_in);
        goto out;
    }
    cpem = slurp(cert_in, &clen);
    kpem = slurp(key_in, &klen);
    if (cpem == NULL || kpem == NULL) {
        snprintf(err, errlen, "cannot read --cert or --key");
        rc = RND_EIO;
        goto out;
    }
    rc = write_new(key_path, kpem, klen, 0600, err, errlen);
    if (rc == 0) {
        rc = write_new(cert_path, cpem, clen, 0644, err, errlen);
        if (rc)
            unlink(key_path);
    }
out:
    if (kpem)
        mbedtls_platform_zeroize(kpem, klen);
    free(cpem);
    free(kpem);
    mbedtls_pk_free(&key);
    mbedtls_x509_crt_free(&crt);
    return rc;
}

/* ---- rotation ----------------------------------------------------------- */

int srv_cert_path(const char *data_dir, const char *name, const char *ext,
                  char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s.%s", data_dir, name, ext);
    return n < 0 || (size_t)n >= cap ? RND_EINVAL : 0;
}

int srv_cert_info_read(const char *path, srv_cert_info *out, char *err,
                       size_t errlen)
{
    struct stat st;
    memset(out, 0, sizeof *out);
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? RND_ENOTFOUND : RND_EIO;
    }
    out->mtime_ms =
        (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    int raw = mbedtls_x509_crt_parse_file(&crt, path);
    if (raw) {
        char text[160];
        mbedtls_strerror(raw, text, sizeof text);
        snprintf(err, errlen, "%s: not a certificate: %s", path, text);
        mbedtls_x509_crt_free(&crt);
        return RND_ECERT;
    }
    uint8_t h[32];
    proto_sha256(crt.raw.p, crt.raw.len, h);
    for (int i = 0; i < 32; i++)
        snprintf(out->sha256 + 2 * i, 3, "%02x", h[i]);
    if (mbedtls_x509_dn_gets(out->subject, sizeof out->subject, &crt.subject) <
        0)
        snprintf(out->subject, sizeof out->subject, "?");
    struct tm tm = {0};
    tm.tm_year = crt.valid_to.year - 1900;
    tm.tm_mon = crt.valid_to.mon - 1;
    tm.tm_mday = crt.valid_to.day;
    tm.tm_hour = crt.valid_to.hour;
    tm.tm_min = crt.valid_to.min;
    tm.tm_sec = crt.valid_to.sec;
    out->not_after_ms = (int64_t)timegm(&tm) * 1000;
    mbedtls_x509_crt_free(&crt);
    return 0;
}

int srv_cert_check_pair(const char *cert_path, const char *key_path, char *err,
                        size_t errlen)
{
    mbedtls_x509_crt crt;
    mbedtls_pk_context key;
    mbedtls_x509_crt_init(&crt);
    mbedtls_pk_init(&key);
    char text[160];
    int rc = RND_ECERT, raw = mbedtls_x509_crt_parse_file(&crt, cert_path);
    if (raw) {
        mbedtls_strerror(raw, text, sizeof text);
        snprintf(err, errlen, "%s: %s", cert_path, text);
    } else if ((raw = mbedtls_pk_parse_keyfile(&key, key_path, NULL)) != 0) {
        mbedtls_strerror(raw, text, sizeof text);
        snprintf(err, errlen, "%s: %s", key_path, text);
    } else if (!mbedtls_pk_can_do(&key, MBEDTLS_PK_ECKEY)) {
        snprintf(err, errlen, "%s: not an EC key", key_path);
    } else if (mbedtls_pk_check_pair(&crt.pk, &key) != 0) {
        snprintf(err, errlen, "%s and %s do not match", cert_path, key_path);
    } else {
        rc = 0;
    }
    mbedtls_pk_free(&key);
    mbedtls_x509_crt_free(&crt);
    return rc;
}

static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int srv_cert_rotate(const char *data_dir, char *err, size_t errlen)
{
    char p[3][2][4200]; /* [cur, next, prev][crt, key] */
    const char *names[3] = {SRV_CERT_NAME_CUR, SRV_CERT_NAME_NEXT,
                            SRV_CERT_NAME_PREV};
    for (int i = 0; i < 3; i++)
        if (srv_cert_path(data_dir, names[i], "crt", p[i][0], sizeof p[i][0]) ||
            srv_cert_path(data_dir, names[i], "key", p[i][1], sizeof p[i][1])) {
            snprintf(err, errlen, "data directory path too long");
            return RND_EINVAL;
        }
    struct stat st;
    if (stat(p[1][0], &st) != 0 || stat(p[1][1], &st) != 0) {
        snprintf(err, errlen,
                 "no certificate is staged (%s): run 'roundsd cert next' "
                 "first",
                 p[1][0]);
        return RND_ENOTFOUND;
    }
    int rc = srv_cert_check_pair(p[1][0], p[1][1], err, errlen);
    if (rc)
        return rc;
    /* Each step is a rename, so a crash leaves every file whole; the
     * current pair is moved aside first and the staged one takes its
     * place. */
    for (int k = 0; k < 2; k++)
        if (rename(p[0][k], p[2][k]) != 0 || rename(p[1][k], p[0][k]) != 0) {
            snprintf(err, errlen, "cannot move %s into place: %s", p[1][k],
                     strerror(errno));
            return RND_EIO;
        }
    if (sync_dir(data_dir) != 0) {
        snprintf(err, errlen, "cannot sync %s: %s", data_dir, strerror(errno));
        return RND_EIO;
    }
    return 0;
}

void srv_cert_next_init(srv_cert_next *c, const char *data_dir)
{
    memset(c, 0, sizeof *c);
    if (srv_cert_path(data_dir, SRV_CERT_NAME_NEXT, "crt", c->path,
                      sizeof c->path) != 0)
        c->path[0] = '\0';
}

const char *srv_cert_next_get(srv_cert_next *c, size_t max_len, size_t *len)
{
    struct stat st;
    *len = 0;
    if (c->path[0] == '\0' || stat(c->path, &st) != 0) {
        c->have = 0;
        return NULL;
    }
    long long mt =
        (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    if (!c->have || c->dev != (unsigned long long)st.st_dev ||
        c->ino != (unsigned long long)st.st_ino ||
        c->size != (unsigned long long)st.st_size || c->mtime_ns != mt) {
        free(c->pem);
        c->pem = NULL;
        c->len = 0;
        c->have = 1;
        c->dev = (unsigned long long)st.st_dev;
        c->ino = (unsigned long long)st.st_ino;
        c->size = (unsigned long long)st.st_size;
        c->mtime_ns = mt;
        size_t n;
        char *pem = slurp(c->path, &n);
        mbedtls_x509_crt crt;
        mbedtls_x509_crt_init(&crt);
        /* Only a certificate that parses is announced: a handheld would
         * otherwise store something it can never use. */
        if (pem != NULL && n > 0 &&
            mbedtls_x509_crt_parse(&crt, (const uint8_t *)pem, n + 1) == 0) {
            c->pem = pem;
            c->len = n;
        } else {
            free(pem);
        }
        mbedtls_x509_crt_free(&crt);
    }
    if (c->pem == NULL || c->len > max_len)
        return NULL;
    *len = c->len;
    return c->pem;
}

void srv_cert_next_free(srv_cert_next *c)
{
    free(c->pem);
    c->pem = NULL;
    c->len = 0;
    c->have = 0;
}
