/* estate.h: a month of an estate's records as ops, for the benchmarks
 * that need a big store (bench_report: a site store; bench_now: a
 * handheld's store holding the site's ops as its syncs pulled them).
 *
 * 8 handhelds and the office, mostly patrol scans on 3 routes, visits with
 * their exits, vehicles, work orders with their steps (some left open at
 * each stage, some reopened), vacant-unit inspections (some failed),
 * handovers with acks, duty log notes; 2,000 units of which 200 vacant.
 * Ops are encoded with real chains (seq, prev_hash) and enter the store
 * through store_ingest in large write transactions, as a sync would bring
 * them. A follow-up step (an exit, a dispatch) is written right after its
 * record with its later device time. Single-threaded; state is global.
 */
#ifndef RND_BENCH_ESTATE_H
#define RND_BENCH_ESTATE_H

#include <stdint.h>

#include "../storage/store.h"

#define DAY 86400000LL
/* The month's first day, ms: 2026-11-01T00:00:00Z unless the benchmark
 * sets another before est_build (bench_now: the month up to today). */
extern int64_t est_t0;
#define START est_t0
#define DAYS 30
#define NDEV 8
#define NUNITS 2000

typedef struct dev {
    uint64_t id, seq, hlc;
    uint8_t prev[PROTO_HASH_LEN];
    char name[16];
} dev;

/* [NDEV] is the office. est_build names them guard-0..7 and office and
 * gives them ids 0x1000 + i * 0x1111. */
extern dev devs[NDEV + 1];

/* Writes about target ops into s (units, checkpoints, routes, then the
 * month), flushing as it goes. Exits the process on failure. */
void est_build(store *s, uint64_t target);

/* For extra records after est_build: est_start begins an op of kind and
 * action on entity id; est_str adds a string field; est_emit stamps it as
 * d's next op at device time wall and queues it; est_flush ingests what is
 * queued. */
void est_start(int kind, int action, const uint8_t *id);
void est_str(const char *k, const char *v);
void est_int(const char *k, int64_t v);
void est_emit(store *s, dev *d, int64_t wall);
void est_flush(store *s);
/* A new entity id of creation time wall. */
void est_new_id(uint8_t id[PROTO_ENTITY_LEN], int64_t wall);

#endif
