/* scans.h: the benchmark workload, shared by bench_hh.c and bench_limit.c:
 * the checkpoint scans the PouchDB peer (/work/shared/bench/pouchdb-peer/
 * peer.js, scan()) records. Scan i of a device: tag CP-<i%40>, route R1,
 * method manual (a typed tag: the handheld refuses nfc without a signed
 * payload; the peer's says nfc), the note "stairwell door ajar" and
 * anomaly true on every 10th (i % 10 == 0), by the device's guard.
 * Header-only, for bench/ only.
 */
#ifndef RND_BENCH_SCANS_H
#define RND_BENCH_SCANS_H

#include <stdint.h>
#include <stdio.h>

#include "handheld.h"

#define SCANS_NTAGS 40
#define SCANS_NKV 6

/* Fills item (and its kv, which must hold SCANS_NKV entries and outlive the
 * item) with scan i by guard `by`. tags must hold SCANS_NTAGS strings made
 * by scans_tags(). */
static inline void scans_item(hh_batch_item *item, hh_kv *kv, uint64_t i,
                              const char *by, char (*tags)[8])
{
    int flagged = i % 10 == 0;
    size_t k = 0;
    kv[k++] = (hh_kv){"tag", tags[i % SCANS_NTAGS]};
    kv[k++] = (hh_kv){"route", "R1"};
    kv[k++] = (hh_kv){"method", "manual"};
    if (flagged)
        kv[k++] = (hh_kv){"note", "stairwell door ajar"};
    kv[k++] = (hh_kv){"anomaly", flagged ? "true" : "false"};
    kv[k++] = (hh_kv){"by", by};
    *item = (hh_batch_item){"scan.record", NULL, kv, k, {0}, {0}};
}

/* Makes the tag texts "CP-0" .. "CP-39". */
static inline void scans_tags(char (*tags)[8])
{
    for (int i = 0; i < SCANS_NTAGS; i++)
        snprintf(tags[i], 8, "CP-%d", i);
}

#endif
