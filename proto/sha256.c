/* sha256.c: SHA-256 with a SHA-NI compression function where the CPU has
 * one and a portable one elsewhere (sha256.h).
 *
 * Why our own and not mbedTLS's: mbedTLS 2.28 as Debian builds it hashes
 * in portable C only, and every op the server ingests costs one SHA-256 of
 * about 140 bytes (three blocks) for its chain. The SHA extensions do a
 * block in a fraction of the time.
 *
 * Only the SHA-NI functions are compiled for "sha,ssse3,sse4.1" (a
 * function attribute), so the rest of the build keeps the default target
 * and the binary still runs on CPUs without them: those never call it.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"

#if (defined(__x86_64__) || defined(__i386__)) &&                              \
    (defined(__GNUC__) || defined(__clang__))
#define HAVE_SHANI_CODE 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

/* Hashes nblocks 64-byte blocks of p into h. */
typedef void (*compress_fn)(uint32_t h[8], const uint8_t *p, size_t nblocks);

/* ---- portable ----------------------------------------------------------- */

static inline uint32_t ror(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static void compress_portable(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
    uint32_t w[64];
    for (; nblocks > 0; nblocks--, p += PROTO_SHA256_BLOCK) {
        for (int t = 0; t < 16; t++)
            w[t] = be32(p + 4 * t);
        for (int t = 16; t < 64; t++) {
            uint32_t s0 =
                ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^ (w[t - 15] >> 3);
            uint32_t s1 =
                ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
        uint32_t e = h[4], f = h[5], g = h[6], hh = h[7];
        for (int t = 0; t < 64; t++) {
            uint32_t S1 = ror(e, 6) ^ ror(e, 11) ^ ror(e, 25);
            uint32_t ch = (e & f) ^ (~e & g);
            uint32_t t1 = hh + S1 + ch + K[t] + w[t];
            uint32_t S0 = ror(a, 2) ^ ror(a, 13) ^ ror(a, 22);
            uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
            uint32_t t2 = S0 + maj;
            hh = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += hh;
    }
}

/* ---- SHA-NI ------------------------------------------------------------- */

#ifdef HAVE_SHANI_CODE
#define SHANI_TARGET __attribute__((target("sha,ssse3,sse4.1")))

/* Four rounds: k4 is the next four schedule words already added to their
 * constants. SHA256RNDS2 does two rounds with the low half of k4 and takes
 * the state as (ABEF, CDGH); the second call swaps their roles. */
SHANI_TARGET static inline void rounds4(__m128i *abef, __m128i *cdgh,
                                        __m128i k4)
{
    *cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, k4);
    *abef = _mm_sha256rnds2_epu32(*abef, *cdgh, _mm_shuffle_epi32(k4, 0x0e));
}

/* The next four schedule words from the previous sixteen (m0 oldest):
 * SHA256MSG1 adds sigma0 of the words after m0, the alignr brings in
 * W[t-7..t-4], SHA256MSG2 adds sigma1 of W[t-2] (and of the words it
 * produces itself). */
SHANI_TARGET static inline __m128i schedule(__m128i m0, __m128i m1, __m128i m2,
                                            __m128i m3)
{
    __m128i x = _mm_sha256msg1_epu32(m0, m1);
    x = _mm_add_epi32(x, _mm_alignr_epi8(m3, m2, 4));
    return _mm_sha256msg2_epu32(x, m3);
}

SHANI_TARGET static void compress_shani(uint32_t h[8], const uint8_t *p,
                                        size_t nblocks)
{
    /* The message words are big-endian: swap the bytes of each dword. */
    const __m128i bswap =
        _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    /* h[0..3] = (a, b, c, d) and h[4..7] = (e, f, g, h) become the two
     * registers the instructions work on: (a, b, e, f) and (c, d, g, h),
     * highest dword first. */
    __m128i dcba = _mm_loadu_si128((const __m128i *)(const void *)h);
    __m128i hgfe = _mm_loadu_si128((const __m128i *)(const void *)(h + 4));
    __m128i cdab = _mm_shuffle_epi32(dcba, 0xb1);
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1b);
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xf0);

    for (; nblocks > 0; nblocks--, p += PROTO_SHA256_BLOCK) {
        __m128i abef0 = abef, cdgh0 = cdgh;
        __m128i m[4];
        for (int i = 0; i < 4; i++) {
            m[i] = _mm_shuffle_epi8(
                _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i)),
                bswap);
            rounds4(&abef, &cdgh,
                    _mm_add_epi32(
                        m[i], _mm_loadu_si128(
                                  (const __m128i *)(const void *)(K + 4 * i))));
        }
        for (int i = 4; i < 16; i++) {
            __m128i n = schedule(m[i & 3], m[(i + 1) & 3], m[(i + 2) & 3],
                                 m[(i + 3) & 3]);
            m[i & 3] = n;
            rounds4(&abef, &cdgh,
                    _mm_add_epi32(
                        n, _mm_loadu_si128(
                               (const __m128i *)(const void *)(K + 4 * i))));
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }

    /* Back to (a..d) and (e..h). */
    __m128i feba = _mm_shuffle_epi32(abef, 0x1b);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);
    dcba = _mm_blend_epi16(feba, dchg, 0xf0);
    hgfe = _mm_alignr_epi8(dchg, feba, 8);
    _mm_storeu_si128((__m128i *)(void *)h, dcba);
    _mm_storeu_si128((__m128i *)(void *)(h + 4), hgfe);
}

/* SHA (CPUID.7.0:EBX bit 29), SSSE3 (CPUID.1:ECX bit 9) and SSE4.1
 * (CPUID.1:ECX bit 19). */
static int cpu_has_shani(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    if (!(c & (1u << 9)) || !(c & (1u << 19)))
        return 0;
    if (__get_cpuid_max(0, NULL) < 7)
        return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & (1u << 29)) != 0;
}
#endif

/* ---- choosing ----------------------------------------------------------- */

enum { IMPL_UNKNOWN = 0, IMPL_PORTABLE, IMPL_SHANI };

/* Decided once; atomic so that threads hashing at once (the server's loop
 * and a test's helper threads) do not race on the first use. */
static _Atomic int impl = IMPL_UNKNOWN;

static int detect(void)
{
    int which = IMPL_PORTABLE;
#ifdef HAVE_SHANI_CODE
    const char *env = getenv("ROUNDS_SHA256");
    if ((env == NULL || strcmp(env, "portable") != 0) && cpu_has_shani())
        which = IMPL_SHANI;
#endif
    return which;
}

static compress_fn chosen(void)
{
    int which = atomic_load_explicit(&impl, memory_order_relaxed);
    if (which == IMPL_UNKNOWN) {
        which = detect();
        atomic_store_explicit(&impl, which, memory_order_relaxed);
    }
#ifdef HAVE_SHANI_CODE
    if (which == IMPL_SHANI)
        return compress_shani;
#endif
    return compress_portable;
}

const char *proto_sha256_impl(void)
{
    return chosen() == compress_portable ? "portable" : "sha-ni";
}

void proto_sha256_force_portable(int on)
{
    atomic_store_explicit(&impl, on ? IMPL_PORTABLE : detect(),
                          memory_order_relaxed);
}

/* ---- the hash ----------------------------------------------------------- */

void proto_sha256_init(proto_sha256_ctx *ctx)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                   0xa54ff53a, 0x510e527f, 0x9b05688c,
                                   0x1f83d9ab, 0x5be0cd19};
    memcpy(ctx->h, iv, sizeof iv);
    ctx->total = 0;
    ctx->buflen = 0;
}

void proto_sha256_update(proto_sha256_ctx *ctx, const void *data, size_t len)
{
    const uint8_t *p = data;
    compress_fn fn = chosen();
    ctx->total += len;
    if (ctx->buflen > 0) {
        size_t take = PROTO_SHA256_BLOCK - ctx->buflen;
        if (take > len)
            take = len;
        memcpy(ctx->buf + ctx->buflen, p, take);
        ctx->buflen += take;
        p += take;
        len -= take;
        if (ctx->buflen < PROTO_SHA256_BLOCK)
            return;
        fn(ctx->h, ctx->buf, 1);
        ctx->buflen = 0;
    }
    size_t whole = len / PROTO_SHA256_BLOCK;
    if (whole > 0) {
        fn(ctx->h, p, whole);
        p += whole * PROTO_SHA256_BLOCK;
        len -= whole * PROTO_SHA256_BLOCK;
    }
    if (len > 0) {
        memcpy(ctx->buf, p, len);
        ctx->buflen = len;
    }
}

void proto_sha256_final(proto_sha256_ctx *ctx, uint8_t out[PROTO_SHA256_LEN])
{
    compress_fn fn = chosen();
    uint64_t bits = ctx->total * 8;
    /* The padding: 0x80, zeros, and the length in bits, big-endian, in the
     * last 8 bytes of a block (a second block when they do not fit). */
    ctx->buf[ctx->buflen++] = 0x80;
    if (ctx->buflen > PROTO_SHA256_BLOCK - 8) {
        memset(ctx->buf + ctx->buflen, 0, PROTO_SHA256_BLOCK - ctx->buflen);
        fn(ctx->h, ctx->buf, 1);
        ctx->buflen = 0;
    }
    memset(ctx->buf + ctx->buflen, 0, PROTO_SHA256_BLOCK - 8 - ctx->buflen);
    for (int i = 0; i < 8; i++)
        ctx->buf[PROTO_SHA256_BLOCK - 1 - i] = (uint8_t)(bits >> (8 * i));
    fn(ctx->h, ctx->buf, 1);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(ctx->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(ctx->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(ctx->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)ctx->h[i];
    }
}

void proto_sha256(const void *data, size_t len, uint8_t out[PROTO_SHA256_LEN])
{
    proto_sha256_ctx ctx;
    proto_sha256_init(&ctx);
    proto_sha256_update(&ctx, data, len);
    proto_sha256_final(&ctx, out);
}
