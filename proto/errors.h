/* errors.h: the project's one error space.
 *
 * Every function in proto/, storage/, handheld/ and server/ that can fail
 * returns 0 or one of the negative RND_E* codes below. The codes are defined
 * once, in RND_ERRNO_MAP, which also generates rnd_strerror() and
 * rnd_errname(). Codes of libraries (LMDB, mbedTLS, libuv, errno) are
 * translated into this space at the boundary; their ranges overlap, so they
 * never leak out raw. The component that translated keeps the raw code for
 * its log.
 */
#ifndef RND_ERRORS_H
#define RND_ERRORS_H

#define RND_ERRNO_MAP(XX)                                                      \
    XX(EINVAL, "invalid argument")                                             \
    XX(ENOMEM, "out of memory")                                                \
    XX(ETRUNC, "input truncated")                                              \
    XX(ETYPE, "wrong type in encoded data")                                    \
    XX(ETOOBIG, "value larger than the limit")                                 \
    XX(EVERSION, "unsupported format version")                                 \
    XX(EMALFORMED, "malformed encoded data")                                   \
    XX(ENOSPACE, "output buffer too small")                                    \
    XX(ENOTFOUND, "not found")                                                 \
    XX(EEXIST, "already exists")                                               \
    XX(ENOTINIT, "device not initialised: run 'rounds init'")                  \
    XX(EFIELD, "missing or malformed field")                                   \
    XX(ETRANSITION, "illegal state transition")                                \
    XX(ECHAIN, "op chain broken")                                              \
    XX(ESTORE, "storage error")                                                \
    XX(EMAPFULL, "storage map full")                                           \
    XX(EDISKFULL, "disk full")                                                 \
    XX(ECORRUPT, "store corrupted")                                            \
    XX(ESTOREVER, "store written by a newer version")                          \
    XX(ELOCKED, "store busy")                                                  \
    XX(EIO, "input/output error")                                              \
    XX(ECRYPTO, "cryptographic failure")                                       \
    XX(EAGAIN, "try again: more bytes needed or buffer full")                  \
    XX(EPROTO, "protocol violation: unexpected message")                       \
    XX(EAUTH, "wrong device credential")                                       \
    XX(EREVOKED, "device revoked by the office")                               \
    XX(EUNKNOWNDEV, "device not enrolled on this server")                      \
    XX(EFOREIGN, "op under another device's id")                               \
    XX(ESITE, "device belongs to another site")                                \
    XX(ETIMEOUT, "timed out")                                                  \
    XX(ECONNECT, "cannot connect to the server")                               \
    XX(ETLS, "TLS failure")                                                    \
    XX(ECERT, "server certificate does not match the enrolled one")            \
    XX(ECLOSED, "connection closed")                                           \
    XX(EBUSY, "server busy: too many connections")                             \
    XX(ENOTENROLLED, "handheld not enrolled: run 'rounds enroll'")             \
    XX(EFORK, "op forks the device's chain: the server holds that seq "        \
              "with other bytes")                                              \
    XX(ELOCKOUT, "locked after too many wrong PINs")                           \
    XX(EMEDIA, "not a JPEG, PNG, WebP or PDF file, or a damaged one")          \
    XX(EHASH, "bytes do not match their SHA-256")                              \
    XX(EQUOTA, "attachment quota exceeded")                                    \
    XX(ENOTHELD, "not on this device yet: a sync fetches it")                  \
    XX(EMOVED, "the site moved to another node")

enum rnd_error {
    RND_OK = 0,
    RND_ERROR_BASE_ = -30000,
#define RND_ERR_ENUM_(name, msg) RND_##name,
    RND_ERRNO_MAP(RND_ERR_ENUM_)
#undef RND_ERR_ENUM_
        RND_ERROR_END_
};

/* A sentence describing err; never NULL. Static storage. */
const char *rnd_strerror(int err);

/* 1 when err is a storage-class failure (the store or the disk, not the
 * input): ESTORE, EMAPFULL, EDISKFULL, ECORRUPT, ESTOREVER, ELOCKED, EIO,
 * ENOMEM. Servers fail a whole group commit on these; CLIs exit 5. */
int rnd_is_storage_error(int err);

/* Exit codes of the command-line tools (rounds, roundsd): scripts rely on
 * them, docs/OPERATIONS.md lists them. */
enum rnd_exit {
    RND_EXIT_OK = 0,
    RND_EXIT_FAIL = 1,           /* anything else */
    RND_EXIT_USAGE = 2,          /* bad command, flag or field */
    RND_EXIT_NOTFOUND = 3,       /* not found, not initialised/enrolled */
    RND_EXIT_REFUSED = 4,        /* refused by a record's state, exists */
    RND_EXIT_STORAGE = 5,        /* storage or disk */
    RND_EXIT_NETWORK = 6,        /* network, TLS, timeout, protocol */
    RND_EXIT_SERVER_REFUSED = 7, /* the server said no (its ERROR) */
};

/* The exit code for a failure err (0 for 0). */
int rnd_exit_code(int err);

/* The symbolic name of err without the RND_ prefix ("EFIELD"); never NULL.
 * Static storage. Used in --json output and logs. */
const char *rnd_errname(int err);

#endif
