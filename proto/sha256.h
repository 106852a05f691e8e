/* sha256.h: SHA-256 (FIPS 180-4) for the op chain and anything else that
 * hashes per op on a hot path.
 *
 * On x86 CPUs with the SHA extensions (SHA-NI) plus SSSE3 and SSE4.1, the
 * compression function uses them; elsewhere a portable C one runs. The
 * choice is made once, at the first use, from cpuid. Both give the same
 * digests (tests/proto/test_proto_sha256.c checks them against NIST's
 * vectors and against mbedTLS). Setting the environment variable
 * ROUNDS_SHA256=portable before the first use forces the portable code, to
 * compare or to rule the hardware path out.
 *
 * No allocation, no failure: a context lives wherever the caller puts it.
 */
#ifndef RND_SHA256_H
#define RND_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_SHA256_LEN 32
#define PROTO_SHA256_BLOCK 64

typedef struct proto_sha256_ctx {
    uint32_t h[8];
    uint64_t total; /* bytes hashed so far */
    uint8_t buf[PROTO_SHA256_BLOCK];
    size_t buflen; /* bytes waiting in buf, < PROTO_SHA256_BLOCK */
} proto_sha256_ctx;

/* Starts a new hash in ctx (no _free needed: the context holds no
 * resources). */
void proto_sha256_init(proto_sha256_ctx *ctx);
/* Hashes len more bytes of data (data may be NULL when len is 0). */
void proto_sha256_update(proto_sha256_ctx *ctx, const void *data, size_t len);
/* Writes the digest to out; init ctx again to reuse it. */
void proto_sha256_final(proto_sha256_ctx *ctx, uint8_t out[PROTO_SHA256_LEN]);
/* One-shot: out = SHA-256(data[0..len)). */
void proto_sha256(const void *data, size_t len, uint8_t out[PROTO_SHA256_LEN]);

/* Which compression function runs: "sha-ni" or "portable" (static). */
const char *proto_sha256_impl(void);

/* For tests and benchmarks: force (1) or stop forcing (0) the portable
 * code, whatever the CPU has. Not for use while another thread hashes. */
void proto_sha256_force_portable(int on);

#endif
