/* clock.c: the one wall clock of both programs (clock.h), and the only
 * place that reads CLOCK_REALTIME. */
#include "clock.h"

#include <stdlib.h>
#include <time.h>

int64_t rnd_clock_system_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int rnd_clock_pinnable(void)
{
#ifdef ROUNDS_TEST_CLOCK
    return 1;
#else
    return 0;
#endif
}

/* The value of a pinning variable, or 0 when it is unset or not a positive
 * decimal (a malformed pin is ignored rather than read as the epoch). */
static int64_t pinned(const char *pin_env)
{
    if (!rnd_clock_pinnable() || pin_env == NULL)
        return 0;
    const char *v = getenv(pin_env);
    if (v == NULL || *v == '\0')
        return 0;
    char *end;
    long long ms = strtoll(v, &end, 10);
    return *end == '\0' && ms > 0 ? (int64_t)ms : 0;
}

int64_t rnd_clock_now_ms(const char *pin_env)
{
    int64_t pin = pinned(pin_env);
    return pin > 0 ? pin : rnd_clock_system_ms();
}
