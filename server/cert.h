/* cert.h: the server's TLS identity for `roundsd init`, and its rotation
 * (`roundsd cert next|rotate|status`).
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
#include <stdint.h>

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

/* ---- rotation -----------------------------------------------------------
 * The files of the data directory: server.{crt,key} (current),
 * server.next.{crt,key} (staged by `roundsd cert next`: sent to every
 * handheld that syncs, which then trusts it too), server.prev.{crt,key}
 * (kept by `roundsd cert rotate`). */
#define SRV_CERT_NAME_CUR "server"
#define SRV_CERT_NAME_NEXT "server.next"
#define SRV_CERT_NAME_PREV "server.prev"

/* "DIR/NAME.crt" or "DIR/NAME.key" into out; RND_EINVAL when too long. */
int srv_cert_path(const char *data_dir, const char *name, const char *ext,
                  char *out, size_t cap);

typedef struct srv_cert_info {
    char sha256[65];      /* of the DER certificate, lowercase hex */
    char subject[128];    /* e.g. "CN=roundsd" */
    int64_t not_after_ms; /* end of validity */
    int64_t mtime_ms;     /* the file's modification time */
} srv_cert_info;

/* Reads and parses the PEM certificate at path. RND_ENOTFOUND when the file
 * does not exist, RND_ECERT (sentence in err) when it does not parse. */
int srv_cert_info_read(const char *path, srv_cert_info *out, char *err,
                       size_t errlen);

/* Checks that certificate and key files match (an EC key). RND_ECERT with
 * a sentence in err when not. */
int srv_cert_check_pair(const char *cert_path, const char *key_path, char *err,
                        size_t errlen);

/* Makes the staged certificate current: server.{crt,key} become
 * server.prev.{crt,key} (replacing older ones), server.next.{crt,key}
 * become server.{crt,key}, and the directory is synced. RND_ENOTFOUND when
 * nothing is staged, RND_ECERT when the staged pair does not match, RND_EIO
 * (sentence in err). */
int srv_cert_rotate(const char *data_dir, char *err, size_t errlen);

/* The staged certificate as the server sends it, re-read only when the
 * file changed (one stat per call). Single-threaded. */
typedef struct srv_cert_next {
    char path[4096];
    unsigned long long dev, ino, size;
    long long mtime_ns;
    int have; /* a file was seen and read */
    char *pem;
    size_t len;
} srv_cert_next;

void srv_cert_next_init(srv_cert_next *c, const char *data_dir);
/* The PEM bytes of DATA/server.next.crt (owned by c, valid until the next
 * call or srv_cert_next_free()) and their length; NULL when none is staged
 * or it does not parse as a certificate, or is over max_len bytes. */
const char *srv_cert_next_get(srv_cert_next *c, size_t max_len, size_t *len);
void srv_cert_next_free(srv_cert_next *c);

#endif
