/* test_proto_hlc.c: the hybrid logical clock stays strictly monotonic under
 * a wall clock that jumps backwards, across counter overflow, and after
 * stamps from a remote clock far in the future; a bounded receive does not
 * let a remote stamp past wall + max offset move it at all. */
#include <stdint.h>

#include "proto.h"
#include "test.h"

#define HOUR_MS (3600 * 1000LL)
#define MS_MAX (((int64_t)1 << 48) - 1)

static uint64_t counter(uint64_t h)
{
    return h & 0xffff;
}

static void test_next_basics(void)
{
    /* The wall clock moving on resets the counter. */
    uint64_t h = proto_hlc_next(0, 1000);
    ASSERT_U64_EQ(h, PROTO_HLC_MAKE(1000, 0));
    h = proto_hlc_next(h, 1001);
    ASSERT_U64_EQ(h, PROTO_HLC_MAKE(1001, 0));
    /* Several events in one ms count up. */
    h = proto_hlc_next(h, 1001);
    ASSERT_U64_EQ(h, PROTO_HLC_MAKE(1001, 1));
    h = proto_hlc_next(h, 1001);
    ASSERT_U64_EQ(h, PROTO_HLC_MAKE(1001, 2));
    h = proto_hlc_next(h, 5000);
    ASSERT_U64_EQ(h, PROTO_HLC_MAKE(5000, 0));
    ASSERT_EQ(PROTO_HLC_MS(h), 5000);
    /* A wall clock before the epoch reads as 0. */
    ASSERT_U64_EQ(proto_hlc_next(0, -5), PROTO_HLC_MAKE(0, 1));
}

/* The device clock is set back three hours (a dead RTC battery, a manual
 * change): stamps keep growing on the counter, never by moving back, and
 * follow the wall clock again once it passes the high mark. */
static void test_clock_jumps_back(void)
{
    const int64_t t0 = 1700000000000;
    uint64_t h = 0, prev = 0;
    for (int64_t t = t0; t < t0 + 100; t++) {
        h = proto_hlc_next(h, t);
        ASSERT_GT(h, prev);
        prev = h;
    }
    const int64_t high = PROTO_HLC_MS(h);
    int64_t wall = t0 - 3 * HOUR_MS;
    for (int k = 0; k < 5000; k++, wall += k % 3 == 0) {
        h = proto_hlc_next(h, wall);
        ASSERT(h > prev);
        ASSERT_EQ(PROTO_HLC_MS(h), high);
        prev = h;
    }
    /* A second jump, further back still. */
    h = proto_hlc_next(h, t0 - 30 * HOUR_MS);
    ASSERT(h > prev);
    prev = h;
    /* The wall clock catches up: ms follows it and the counter resets. */
    h = proto_hlc_next(h, high + 1);
    ASSERT(h > prev);
    ASSERT_U64_EQ(h, PROTO_HLC_MAKE(high + 1, 0));
}

static void test_counter_overflow(void)
{
    uint64_t h = proto_hlc_next(PROTO_HLC_MAKE(1000, 0xfffe), 1000);
    ASSERT_U64_EQ(h, PROTO_HLC_MAKE(1000, 0xffff));
    h = proto_hlc_next(h, 1000);
    ASSERT_U64_EQ(h, PROTO_HLC_MAKE(1001, 0));
    h = proto_hlc_next(PROTO_HLC_MAKE(1000, 0xffff), 10);
    ASSERT_U64_EQ(h, PROTO_HLC_MAKE(1001, 0));

    /* 200000 events in a frozen ms: strictly increasing, running ahead of
     * the wall clock by one ms per 65536 events. */
    uint64_t prev = proto_hlc_next(0, 7);
    for (int k = 0; k < 200000; k++) {
        h = proto_hlc_next(prev, 7);
        ASSERT(h > prev);
        prev = h;
    }
    ASSERT_EQ(PROTO_HLC_MS(h), 7 + 200000 / 65536);

    /* recv overflows the same way. */
    h = proto_hlc_recv(PROTO_HLC_MAKE(50, 3), PROTO_HLC_MAKE(50, 0xffff), 1);
    ASSERT_U64_EQ(h, PROTO_HLC_MAKE(51, 0));
    h = proto_hlc_recv(PROTO_HLC_MAKE(50, 0xffff), PROTO_HLC_MAKE(40, 0), 1);
    ASSERT_U64_EQ(h, PROTO_HLC_MAKE(51, 0));

    /* At the very end of the 48-bit range the clock saturates instead of
     * wrapping to 1970. */
    h = proto_hlc_next(PROTO_HLC_MAKE(MS_MAX, 0xfffe), 0);
    ASSERT_U64_EQ(h, UINT64_MAX);
    ASSERT_U64_EQ(proto_hlc_next(h, 0), UINT64_MAX);
    ASSERT_U64_EQ(proto_hlc_next(0, INT64_MAX), PROTO_HLC_MAKE(MS_MAX, 0));
}

static void test_recv(void)
{
    /* Wall clock ahead of both: it wins, counter 0. */
    ASSERT_U64_EQ(
        proto_hlc_recv(PROTO_HLC_MAKE(10, 4), PROTO_HLC_MAKE(20, 9), 30),
        PROTO_HLC_MAKE(30, 0));
    /* Same ms on both sides: one past the larger counter. */
    ASSERT_U64_EQ(
        proto_hlc_recv(PROTO_HLC_MAKE(20, 4), PROTO_HLC_MAKE(20, 9), 5),
        PROTO_HLC_MAKE(20, 10));
    ASSERT_U64_EQ(
        proto_hlc_recv(PROTO_HLC_MAKE(20, 9), PROTO_HLC_MAKE(20, 4), 20),
        PROTO_HLC_MAKE(20, 10));
    /* Local ahead: local counter moves on. */
    ASSERT_U64_EQ(
        proto_hlc_recv(PROTO_HLC_MAKE(25, 4), PROTO_HLC_MAKE(20, 9), 5),
        PROTO_HLC_MAKE(25, 5));
    /* Remote ahead: its counter moves on. */
    ASSERT_U64_EQ(
        proto_hlc_recv(PROTO_HLC_MAKE(15, 4), PROTO_HLC_MAKE(20, 9), 5),
        PROTO_HLC_MAKE(20, 10));
}

/* A stamp from a device whose clock is a year ahead is adopted (deciding
 * whether to trust it is the server's job): the result orders after it,
 * and local stamps stay after it while the wall clock is behind. */
static void test_far_future_remote(void)
{
    const int64_t now = 1700000000000;
    const int64_t year = 365 * 24 * HOUR_MS;
    uint64_t last = proto_hlc_next(0, now);
    uint64_t remote = PROTO_HLC_MAKE(now + year, 17);
    uint64_t h = proto_hlc_recv(last, remote, now + 1);
    ASSERT(h > remote);
    ASSERT(h > last);
    ASSERT_U64_EQ(h, PROTO_HLC_MAKE(now + year, 18));
    uint64_t prev = h;
    for (int k = 0; k < 1000; k++) {
        h = proto_hlc_next(prev, now + 2 + k);
        ASSERT(h > prev);
        prev = h;
    }
    ASSERT_EQ(PROTO_HLC_MS(h), now + year);
    /* A remote at the end of the representable range saturates. */
    h = proto_hlc_recv(last, UINT64_MAX, now);
    ASSERT_U64_EQ(h, UINT64_MAX);
}

/* A random walk of local events and receipts with a wall clock that
 * wanders both ways: every stamp beats the last and every remote. */
static void test_random_walk(void)
{
    uint64_t x = 0x9e3779b97f4a7c15u;
    uint64_t h = 0;
    int64_t wall = 1700000000000;
    for (int k = 0; k < 100000; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        wall += (int64_t)(x % 2001) - 1000;
        uint64_t prev = h;
        if (x & 0x100000) {
            int64_t rms = wall + (int64_t)((x >> 24) % 4001) - 2000;
            uint64_t remote = PROTO_HLC_MAKE(rms, x >> 48);
            h = proto_hlc_recv(h, remote, wall);
            ASSERT(h > remote);
        } else {
            h = proto_hlc_next(h, wall);
        }
        ASSERT(h > prev);
        /* The physical part never lags the wall clock. */
        ASSERT_GE(PROTO_HLC_MS(h), wall);
        /* A local event that moves the physical part resets the counter. */
        if (!(x & 0x100000) && PROTO_HLC_MS(h) > PROTO_HLC_MS(prev))
            ASSERT_EQ(counter(h), 0);
    }
}

/* CockroachDB's max-offset rule: a remote stamp past wall + max offset
 * (2^64-1, ten years ahead) leaves the clock where it was; one within it
 * moves the clock as proto_hlc_recv does; a negative bound is no bound. */
static void test_recv_bounded(void)
{
    const int64_t t0 = 1700000000000, max = 5 * 60 * 1000;
    const uint64_t last = PROTO_HLC_MAKE(t0 - 10, 3);
    const uint64_t ahead = PROTO_HLC_MAKE(t0 + 10 * 8766 * HOUR_MS, 0);
    ASSERT_U64_EQ(proto_hlc_recv_bounded(last, UINT64_MAX, t0, max), last);
    ASSERT_U64_EQ(proto_hlc_recv_bounded(last, ahead, t0, max), last);
    ASSERT(proto_hlc_beyond(UINT64_MAX, t0, max));
    ASSERT(proto_hlc_beyond(ahead, t0, max));
    /* At the bound exactly: believed. One ms past it: not. */
    uint64_t edge = PROTO_HLC_MAKE(t0 + max, 7);
    ASSERT(!proto_hlc_beyond(edge, t0, max));
    ASSERT_U64_EQ(proto_hlc_recv_bounded(last, edge, t0, max),
                  proto_hlc_recv(last, edge, t0));
    ASSERT_U64_EQ(proto_hlc_recv_bounded(last, edge, t0, max),
                  PROTO_HLC_MAKE(t0 + max, 8));
    ASSERT(proto_hlc_beyond(PROTO_HLC_MAKE(t0 + max + 1, 0), t0, max));
    /* Stamps behind the wall clock are ordinary. */
    ASSERT_U64_EQ(proto_hlc_recv_bounded(last, PROTO_HLC_MAKE(5, 0), t0, max),
                  PROTO_HLC_MAKE(t0, 0));
    /* No bound: the old behaviour (the clock saturates). */
    ASSERT_U64_EQ(proto_hlc_recv_bounded(last, UINT64_MAX, t0, -1), UINT64_MAX);
    /* A wall near the top of int64 does not wrap the bound. */
    ASSERT(!proto_hlc_beyond(UINT64_MAX, INT64_MAX - 1, max));
}

int main(void)
{
    test_next_basics();
    test_clock_jumps_back();
    test_counter_overflow();
    test_recv();
    test_far_future_remote();
    test_random_walk();
    test_recv_bounded();
    printf("test_proto_hlc: ok\n");
    return 0;
}
