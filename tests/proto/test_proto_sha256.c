/* test_proto_sha256.c: proto/sha256.c against NIST's vectors (FIPS 180-2
 * appendix B and the SHA-256 examples) and against mbedTLS on random
 * lengths 0..4096, both through the code the CPU picks (SHA-NI here) and
 * with the portable code forced; one-shot and in random pieces. */
#include <mbedtls/sha256.h>

#include "../../proto/sha256.h"
#include "test.h"

static void hex(const uint8_t *p, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[p[i] >> 4];
        out[2 * i + 1] = d[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static void check_hex(const uint8_t dig[32], const char *want)
{
    char got[65];
    hex(dig, 32, got);
    ASSERT_STR_EQ(got, want);
}

static void nist(void)
{
    uint8_t d[32];
    proto_sha256("", 0, d);
    check_hex(d, "e3b0c44298fc1c149afbf4c8996fb924"
                 "27ae41e4649b934ca495991b7852b855");
    proto_sha256("abc", 3, d);
    check_hex(d, "ba7816bf8f01cfea414140de5dae2223"
                 "b00361a396177a9cb410ff61f20015ad");
    const char *m448 =
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    proto_sha256(m448, strlen(m448), d);
    check_hex(d, "248d6a61d20638b8e5c026930c3e6039"
                 "a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 =
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
        "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    proto_sha256(m896, strlen(m896), d);
    check_hex(d, "cf5b16a778af8380036ce59e7b049237"
                 "0b249b11e8f07a51afac45037afee9d1");
    /* A million 'a', fed 1,000 bytes at a time. */
    uint8_t a[1000];
    memset(a, 'a', sizeof a);
    proto_sha256_ctx c;
    proto_sha256_init(&c);
    for (int i = 0; i < 1000; i++)
        proto_sha256_update(&c, a, sizeof a);
    proto_sha256_final(&c, d);
    check_hex(d, "cdc76e5c9914fb9281a1c7e284d73e67"
                 "f1809a48a497200e046d39ccc7112cd0");
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* Random messages of every length 0..4096 (and some random ones): one-shot
 * and in random-sized pieces, each against mbedTLS. */
static void against_mbedtls(void)
{
    static uint8_t msg[4097];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)next_rand();
    for (size_t len = 0; len <= 4096; len++) {
        uint8_t want[32], got[32];
        ASSERT_EQ(mbedtls_sha256_ret(msg, len, want, 0), 0);
        proto_sha256(msg, len, got);
        if (memcmp(want, got, 32) != 0)
            TEST_FAIL_("one-shot, length %zu: digests differ", len);
        proto_sha256_ctx c;
        proto_sha256_init(&c);
        size_t at = 0;
        while (at < len) {
            size_t n = next_rand() % 150;
            if (n > len - at)
                n = len - at;
            proto_sha256_update(&c, msg + at, n);
            at += n;
        }
        proto_sha256_final(&c, got);
        if (memcmp(want, got, 32) != 0)
            TEST_FAIL_("in pieces, length %zu: digests differ", len);
    }
}

int main(void)
{
    const char *first = proto_sha256_impl();
    printf("sha256: the CPU's choice is %s\n", first);
    nist();
    against_mbedtls();

    proto_sha256_force_portable(1);
    ASSERT_STR_EQ(proto_sha256_impl(), "portable");
    nist();
    against_mbedtls();

    proto_sha256_force_portable(0);
    ASSERT_STR_EQ(proto_sha256_impl(), first);
    printf("ok\n");
    return 0;
}
