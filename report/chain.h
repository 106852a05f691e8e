/* chain.h: one device's op chain checked end to end (report/integrity.c),
 * shared by `roundsd report integrity` and `roundsd report devices`.
 *
 * A device's ops are seq 1, 2, 3 ... and each op's prev_hash is the
 * SHA-256 of the previous op's exact encoded bytes (32 zero bytes for seq
 * 1). The check walks the ops the store holds for the device in seq order
 * and finds:
 *   - gaps: seqs missing before the first stored op or between two;
 *   - altered: op k whose stored bytes do not hash to the prev_hash op k+1
 *     recorded (op k, or op k+1's prev_hash, changed after it was written),
 *     an op whose device id or seq disagrees with its key, an op 1 whose
 *     prev_hash is not zeros, and (when the caller knows it: the store's
 *     own writer) a last op that does not hash to the chain head;
 *   - undecodable: stored bytes that are not an op.
 * Reads only; nothing is allocated.
 */
#ifndef RND_REPORT_CHAIN_H
#define RND_REPORT_CHAIN_H

#include <stdint.h>

#include "../storage/store.h"

typedef struct rpt_chain {
    uint64_t device_id;
    uint64_t ops;       /* ops stored */
    uint64_t first_seq; /* 0 when none */
    uint64_t last_seq;  /* 0 when none */
    uint64_t gaps;      /* gap ranges */
    uint64_t missing;   /* seqs missing, over every gap */
    uint64_t altered;   /* ops found altered */
    uint64_t undecodable;
    int ok; /* no gap, altered or undecodable op */
} rpt_chain;

/* Called once per problem, in seq order: what is "gap", "altered" or
 * "undecodable"; seqs [from, to] (from == to for one op); detail a short
 * sentence. Return non-zero to stop the check (that value is returned). */
typedef int (*rpt_chain_problem_fn)(uint64_t device_id, uint64_t from,
                                    uint64_t to, const char *what,
                                    const char *detail, void *ctx);

/* Checks device_id's chain in txn into *out. head, if not NULL, is the
 * hash the last op must have (the store identity's chain head, for the
 * store's own writer). problem may be NULL. Returns 0 (whatever was found:
 * see out->ok) or a store error. */
int rpt_chain_check(store_txn *txn, uint64_t device_id,
                    const uint8_t head[PROTO_HASH_LEN], rpt_chain *out,
                    rpt_chain_problem_fn problem, void *ctx);

#endif
