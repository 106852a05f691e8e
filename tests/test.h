/* test.h: tiny typed assertions that print both sides, libuv-style.
 * A failing assertion prints file:line, the expression and both values, and
 * aborts the test process (so CTest marks it failed). */
#ifndef RND_TEST_H
#define RND_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_FAIL_(...)                                                        \
    do {                                                                       \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                        \
        fprintf(stderr, __VA_ARGS__);                                          \
        fputc('\n', stderr);                                                   \
        abort();                                                               \
    } while (0)

#define ASSERT(expr)                                                           \
    do {                                                                       \
        if (!(expr))                                                           \
            TEST_FAIL_("assertion failed: %s", #expr);                         \
    } while (0)

#define ASSERT_INT_(a, op, b)                                                  \
    do {                                                                       \
        int64_t a_ = (int64_t)(a), b_ = (int64_t)(b);                          \
        if (!(a_ op b_))                                                       \
            TEST_FAIL_("%s %s %s: %" PRId64 " vs %" PRId64, #a, #op, #b, a_,   \
                       b_);                                                    \
    } while (0)
#define ASSERT_EQ(a, b) ASSERT_INT_(a, ==, b)
#define ASSERT_NE(a, b) ASSERT_INT_(a, !=, b)
#define ASSERT_LT(a, b) ASSERT_INT_(a, <, b)
#define ASSERT_LE(a, b) ASSERT_INT_(a, <=, b)
#define ASSERT_GT(a, b) ASSERT_INT_(a, >, b)
#define ASSERT_GE(a, b) ASSERT_INT_(a, >=, b)

#define ASSERT_U64_EQ(a, b)                                                    \
    do {                                                                       \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                       \
        if (a_ != b_)                                                          \
            TEST_FAIL_("%s == %s: %" PRIu64 " vs %" PRIu64, #a, #b, a_, b_);   \
    } while (0)

/* Project calls returning 0 or RND_E*: prints the error's name on failure. */
#define ASSERT_OK(expr)                                                        \
    do {                                                                       \
        int rc_ = (expr);                                                      \
        if (rc_ != 0)                                                          \
            TEST_FAIL_("%s: %d %s (%s)", #expr, rc_, rnd_errname(rc_),         \
                       rnd_strerror(rc_));                                     \
    } while (0)
#define ASSERT_ERR(expr, want)                                                 \
    do {                                                                       \
        int rc_ = (expr), w_ = (want);                                         \
        if (rc_ != w_)                                                         \
            TEST_FAIL_("%s: got %s, want %s", #expr, rnd_errname(rc_),         \
                       rnd_errname(w_));                                       \
    } while (0)

#define ASSERT_STR_EQ(a, b)                                                    \
    do {                                                                       \
        const char *a_ = (a), *b_ = (b);                                       \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                   \
            TEST_FAIL_("%s == %s: \"%s\" vs \"%s\"", #a, #b,                   \
                       a_ ? a_ : "(null)", b_ ? b_ : "(null)");                \
    } while (0)

#define ASSERT_MEM_EQ(a, b, n)                                                 \
    do {                                                                       \
        if (memcmp((a), (b), (n)) != 0)                                        \
            TEST_FAIL_("%s == %s: %zu bytes differ", #a, #b, (size_t)(n));     \
    } while (0)

/* A temporary directory under $TMPDIR (or /tmp), created; caller frees with
 * test_rmtree(). Returns a malloc'd path. */
char *test_tmpdir(const char *tag);
void test_rmtree(const char *path);

#endif
