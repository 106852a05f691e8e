/* hlc.c: the hybrid logical clock of Kulkarni et al. ("Logical Physical
 * Clocks", 2014), packed as 48 bits of ms and a 16-bit counter.
 *
 * The physical part is the largest of the last stamp's ms, the wall clock
 * and (on receive) the remote stamp's ms, so a clock that jumps backwards
 * never makes stamps go backwards: the counter grows instead until the wall
 * clock catches up. When the counter would pass 0xffff the ms part moves on
 * by one, which keeps stamps strictly increasing at the cost of running up
 * to one ms ahead of the wall clock per 65536 events in the same ms.
 *
 * Bounding how far a remote stamp may pull the clock ahead is policy for the
 * caller (how far, and which wall: the store's option, set by roundsd's
 * max_clock_offset_min and the handheld's corrected clock); this file only
 * does the arithmetic (proto_hlc_recv_bounded, CockroachDB's max-offset
 * rule).
 */
#include "proto.h"

#define MS_MAX ((int64_t)0xffffffffffff) /* the 48 bits of the ms part */
#define COUNTER_MAX 0xffffu

/* Keeps a wall reading inside the 48 bits the stamp has room for. */
static int64_t clamp_ms(int64_t ms)
{
    if (ms < 0)
        return 0;
    return ms > MS_MAX ? MS_MAX : ms;
}

/* Builds a stamp from a physical part and a counter that may have just
 * overflowed. Past the end of the 48-bit ms range, in the year 10889, the
 * clock saturates at the largest stamp rather than wrapping to zero. */
static uint64_t make(int64_t ms, uint64_t counter)
{
    if (counter > COUNTER_MAX) {
        if (ms >= MS_MAX)
            return UINT64_MAX;
        ms++;
        counter = 0;
    }
    return PROTO_HLC_MAKE(ms, counter);
}

uint64_t proto_hlc_next(uint64_t last, int64_t wall_ms)
{
    int64_t lms = PROTO_HLC_MS(last);
    uint64_t lc = last & COUNTER_MAX;
    int64_t pt = clamp_ms(wall_ms);
    if (pt > lms)
        return make(pt, 0);
    return make(lms, lc + 1);
}

uint64_t proto_hlc_recv(uint64_t last, uint64_t remote, int64_t wall_ms)
{
    int64_t lms = PROTO_HLC_MS(last), rms = PROTO_HLC_MS(remote);
    uint64_t lc = last & COUNTER_MAX, rc = remote & COUNTER_MAX;
    int64_t pt = clamp_ms(wall_ms);
    int64_t ms = lms > rms ? lms : rms;
    if (pt > ms)
        return make(pt, 0);
    if (lms == rms)
        return make(ms, (lc > rc ? lc : rc) + 1);
    if (ms == lms)
        return make(ms, lc + 1);
    return make(ms, rc + 1);
}

int proto_hlc_beyond(uint64_t remote, int64_t wall_ms, int64_t max_offset_ms)
{
    if (max_offset_ms < 0)
        return 0;
    /* Saturating: a wall near INT64_MAX plus the offset must not wrap. */
    int64_t bound = wall_ms > INT64_MAX - max_offset_ms
                        ? INT64_MAX
                        : wall_ms + max_offset_ms;
    return PROTO_HLC_MS(remote) > bound;
}

uint64_t proto_hlc_recv_bounded(uint64_t last, uint64_t remote, int64_t wall_ms,
                                int64_t max_offset_ms)
{
    /* A stamp beyond the bound is not believed: the clock does not move
     * for it (CockroachDB refuses the message; we keep the op, flagged). */
    if (proto_hlc_beyond(remote, wall_ms, max_offset_ms))
        return last;
    return proto_hlc_recv(last, remote, wall_ms);
}
