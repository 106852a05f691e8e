/* cert.h: the server's TLS identity for `roundsd init`.
 *
 * A fresh EC P-256 key and a self-signed X.509 v3 certificate: CN=roundsd,
 * basicConstraints CA:true (the handheld uses the certificate itself as
 * its only trust anchor, and checks the host name "roundsd"), key usage
 * digitalSignature + keyCertSign, SHA-256, a random positive 128-bit
 * serial, valid from a day ago for 10 years. Both are written as PEM; the
 * key file gets mode 0600.
 */
#ifndef RND_SRV_CERT_H
#define RND_SRV_CERT_H

#include <stddef.h>

#define SRV_CERT_CN "roundsd"
#define SRV_CERT_YEARS 10

/* Generates key and certificate into key_path and cert_path (neither may
 * exist). RND_EEXIST, RND_EIO (with errno's text in err), RND_ECRYPTO
 * (with mbedTLS's). */
int srv_cert_generate(const char *key_path, const char *cert_path, char *err,
                      size_t errlen);

/* Checks that cert_in and key_in are a matching PEM certificate and EC
 * key and copies them to cert_path and key_path (mode 0600 for the key).
 * RND_ECERT with a sentence in err when they are not usable. */
int srv_cert_import(const char *cert_in, const char *key_in,
                    const char *cert_path, const char *key_path, char *err,
                    size_t errlen);

#endif
