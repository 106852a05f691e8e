/* benchaead.h: what TLS does to every byte a sync sends, timed: mbedTLS
 * sealing 16 KiB records (the TLS maximum) with the two AEAD suites the
 * server offers (server/tls.c: ChaCha20-Poly1305 first, then AES-128-GCM).
 * Shared by bench_limit (the ops of a push) and bench_attach_limit (the
 * photos of a shift change). Benchmarks only, not a library. */
#ifndef RND_BENCHAEAD_H
#define RND_BENCHAEAD_H

#include <stddef.h>
#include <stdint.h>

#define BA_RECORD 16384 /* bytes sealed per record */

typedef enum ba_aead { BA_CHACHAPOLY, BA_AES128GCM } ba_aead;

/* "ChaCha20-Poly1305" or "AES-128-GCM" (static). */
const char *ba_name(ba_aead which);

/* Seals full BA_RECORD-byte records read in turn from pool[0..len) (it
 * wraps; len >= BA_RECORD) until at least min_bytes are sealed and at
 * least min_s seconds have passed, each record with its own nonce and a
 * TLS 1.2 record header as additional data, as TLS 1.2 does. Returns the
 * rate in MB/s (1e6 bytes) of wall time, or -1 when mbedTLS fails (said on
 * stderr). When cpu_mb_s is not NULL, *cpu_mb_s gets the rate per second
 * of this thread's CPU time: what one core does when it is not shared. */
double ba_seal_rate(ba_aead which, const uint8_t *pool, size_t len,
                    uint64_t min_bytes, double min_s, double *cpu_mb_s);

/* This thread's CPU time in seconds (CLOCK_THREAD_CPUTIME_ID). */
double ba_cpu_s(void);

#endif
