/* test_proto_clock.c: the one clock (proto/clock.h). Built twice from
 * proto/clock.c itself: as a test-clock build (ROUNDS_TEST_CLOCK), where
 * $ROUNDS_CLOCK_MS pins the clock, and as a production build, where the
 * same variable must move nothing (a stray one must not move `roundsd pii
 * purge`). EXPECT_PINNABLE says which this executable is. */
#include <stdlib.h>

#include "clock.h"
#include "test.h"

int main(void)
{
    ASSERT_EQ(rnd_clock_pinnable(), EXPECT_PINNABLE);
    const int64_t pin = 1795824000000; /* 2026-11-28T00:00Z */
    ASSERT_EQ(unsetenv(RND_CLOCK_ENV_OFFICE), 0);
    ASSERT_EQ(setenv(RND_CLOCK_ENV_HANDHELD, "1795824000000", 1), 0);
    int64_t before = rnd_clock_system_ms();
    int64_t got = rnd_clock_now_ms(RND_CLOCK_ENV_HANDHELD);
    int64_t after = rnd_clock_system_ms();
    if (EXPECT_PINNABLE) {
        ASSERT_EQ(got, pin);
    } else {
        ASSERT(got >= before && got <= after);
    }
    /* Another program's variable, no variable, or a malformed pin: the
     * system clock, in either build. */
    before = rnd_clock_system_ms();
    got = rnd_clock_now_ms(RND_CLOCK_ENV_OFFICE);
    ASSERT(got >= before && got <= rnd_clock_system_ms());
    ASSERT(rnd_clock_now_ms(NULL) >= before);
    static const char *const bad[] = {"", "abc", "12x", "-5", "0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ASSERT_EQ(setenv(RND_CLOCK_ENV_HANDHELD, bad[i], 1), 0);
        before = rnd_clock_system_ms();
        got = rnd_clock_now_ms(RND_CLOCK_ENV_HANDHELD);
        ASSERT(got >= before && got <= rnd_clock_system_ms());
    }
    printf("test_proto_clock (%s build): ok\n",
           EXPECT_PINNABLE ? "test-clock" : "production");
    return 0;
}
