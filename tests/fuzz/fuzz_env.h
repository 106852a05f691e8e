/* fuzz_env.h: the server world the session and TLS fuzz targets run in.
 *
 * Made once per process (libFuzzer calls the target millions of times):
 * a temporary data directory (on /dev/shm when there is one, so durable
 * commits cost no disk flush), a registry with device FZ_DEV_A ("S1/hh-a")
 * enrolled and already bound, and site S1 holding FZ_SEED_OPS ops of a
 * second device so a PULL has something to send, in more than one OPS
 * frame. The clock is fixed and log lines are dropped (FUZZ_VERBOSE=1
 * prints them), so a run depends on the input alone.
 *
 * Every input must start from the same state: fz_env_reset() puts the
 * site store back to its pristine copy when the previous input managed to
 * commit ops of FZ_DEV_A. The directory is removed at exit.
 */
#ifndef RND_FUZZ_ENV_H
#define RND_FUZZ_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "bufq.h"
#include "registry.h"
#include "session.h"
#include "site.h"

/* The fuzzed device's id; the corpus generator writes its ops under it. */
#define FZ_DEV_A 0x00000000a11ce001ull
#define FZ_DEV_B 0x00000000b0b00002ull
#define FZ_SITE "S1"
#define FZ_NAME_A "hh-a"
#define FZ_NAME_B "hh-b"
/* Small enough that the backpressure limits are reached by short inputs,
 * and still the smallest frame the server allows. */
#define FZ_MAX_FRAME SRV_MAX_FRAME_MIN
#define FZ_SEED_OPS 120
#define FZ_NOW_MS 1795860000000ll

typedef struct fz_env {
    char dir[256];
    srv_registry *reg;
    srv_sites *sites;
    srv_ctx ctx;
    char cred_a[SRV_CRED_LEN + 1];
    uint8_t hello[256]; /* a valid HELLO frame of FZ_DEV_A */
    size_t hello_len;
} fz_env;

/* The process's environment, made on the first call (aborts on failure:
 * a harness that cannot set up must not report "no crash"). */
fz_env *fz_env_get(void);

/* Brings the site store back to its state after set-up if an input
 * changed it. */
void fz_env_reset(fz_env *e);

/* Commits queued PUSH batches and queued registry notes, as the server's
 * loop does once per iteration. */
void fz_env_flush(fz_env *e);

/* Checks that out holds only whole, decodable server frames of the types a
 * server may send, consumes them, and aborts otherwise. *ended is set when
 * an ERROR or BYE was seen; a frame after it aborts too. */
void fz_check_output(srv_bufq *out, int *ended);

/* A deterministic generator for chunk sizes and the like. */
static inline uint32_t fz_rand(uint32_t *state)
{
    uint32_t x = *state ? *state : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* Writes a small test device's n chained dutylog ops (device id, text of
 * text_len bytes) into a fresh store under dir; returns the store (close
 * with store_close()). Used for the seed ops and the corpus generator. */
store *fz_device_make(const char *dir, uint64_t id, int n, size_t text_len);

#endif
