/* clock.h: the one wall clock of both programs.
 *
 * Every time a record, a report, a key or a certificate is stamped with
 * comes from rnd_clock_now_ms(), so tests can pin it and nothing else in
 * the code reads the system clock for wall time (timers and durations use
 * the monotonic clock, through libuv or clock_gettime(CLOCK_MONOTONIC)).
 *
 * Pinning: a build configured with -DROUNDS_TEST_CLOCK=ON (scripts/test.sh
 * and scripts/demo.sh configure one) reads the environment variable the
 * caller names ($ROUNDS_CLOCK_MS for the handheld, $ROUNDSD_CLOCK_MS for
 * roundsd: milliseconds since the epoch, a positive decimal) and returns
 * its value instead of the system clock. Any other build ignores the
 * variables, so a stray one in production moves nothing (not `roundsd pii
 * purge`, not a record's stamp); rnd_clock_pinnable() says which build
 * this is.
 */
#ifndef RND_CLOCK_H
#define RND_CLOCK_H

#include <stdint.h>

#define RND_CLOCK_ENV_HANDHELD "ROUNDS_CLOCK_MS"
#define RND_CLOCK_ENV_OFFICE "ROUNDSD_CLOCK_MS"

/* The system's wall clock: ms since the epoch (CLOCK_REALTIME). */
int64_t rnd_clock_system_ms(void);

/* The program's wall clock: the pinned value of $pin_env in a test build
 * when it is set to a positive decimal, else the system's. pin_env may be
 * NULL (never pinned). */
int64_t rnd_clock_now_ms(const char *pin_env);

/* 1 when this build honours the pinning variables, 0 otherwise. */
int rnd_clock_pinnable(void);

#endif
