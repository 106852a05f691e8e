/* fuzz_session.c: libFuzzer target for the server's session state machine
 * above TLS (server/session.c): the decrypted bytes a client sends, fed
 * into srv_session_input() in chunks, with the group commit run between
 * them as the server's loop does.
 *
 * Input: byte 0 is a set of flags, byte 1 seeds the chunk sizes, the rest
 * is the client's byte stream.
 *   flag 1: the harness first sends a valid HELLO of the enrolled device
 *           (its credential is random per process, so no input can carry
 *           it), so the rest reaches PUSH, PULL and BYE;
 *   flag 2: commit queued PUSH batches only at the end (the window and the
 *           pending-bytes limit fill up);
 *   flag 4: drain the output only at the end (the high-water mark stops
 *           the session);
 *   seed 0: the stream arrives in one piece; else in pieces of 1..4096
 *           bytes drawn from the seed.
 * Checks, besides ASan/UBSan: the server sends only whole, decodable
 * frames of server message types and nothing after ERROR or BYE; its output
 * queue never exceeds its capacity; before a HELLO is accepted no more than
 * a HELLO-sized frame waits in the input; a session that is not waiting for a
 * commit or for its output to drain always takes a full input queue; at the
 * end every session is freed and nothing leaks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_env.h"

/* The largest frame the server reads before a HELLO is accepted. */
#define FZ_HELLO_FRAME_MAX 4096

enum {
    F_HELLO = 1,
    F_NOFLUSH = 2,
    F_NODRAIN = 4,
};

typedef struct run {
    fz_env *e;
    srv_session *s;
    srv_bufq in, out;
    int flags;
    int ended;
} run;

static void on_wake(void *owner)
{
    (void)owner;
}

static void step(run *r, int last)
{
    int drain = !(r->flags & F_NODRAIN) || last;
    if (drain)
        fz_check_output(&r->out, &r->ended);
    if (srv_session_input(r->s, &r->in) != 0) {
        fprintf(stderr, "fuzz_session: srv_session_input failed\n");
        abort();
    }
    if (!(r->flags & F_NOFLUSH) || last) {
        fz_env_flush(r->e);
        srv_session_input(r->s, &r->in);
    }
    /* Until a HELLO is accepted only a HELLO-sized frame may wait in the
     * input: an unauthenticated peer must not make the server buffer a
     * whole max_frame (session.c, HELLO_FRAME_MAX). */
    if (srv_session_state_of(r->s) == SRV_AWAIT_HELLO &&
        srv_bufq_len(&r->in) > FZ_HELLO_FRAME_MAX + PROTO_FRAME_HEADER) {
        fprintf(stderr, "fuzz_session: %zu bytes buffered before HELLO\n",
                srv_bufq_len(&r->in));
        abort();
    }
    if (drain)
        fz_check_output(&r->out, &r->ended);
}

/* Appends bytes to the input, making room the way a connection does:
 * by letting the session run (commits, drained output) first. */
static void feed(run *r, const uint8_t *p, size_t n)
{
    int stuck = 0;
    while (n > 0) {
        size_t k = srv_bufq_push_some(&r->in, p, n);
        p += k;
        n -= k;
        if (srv_session_state_of(r->s) == SRV_CLOSING) {
            /* The connection discards what a closing session left. */
            srv_bufq_consume(&r->in, srv_bufq_len(&r->in));
            continue;
        }
        if (n == 0)
            break;
        size_t before = srv_bufq_len(&r->in);
        step(r, 1);
        /* A long PULL may take a few rounds before the input moves. */
        if (srv_bufq_len(&r->in) != before)
            stuck = 0;
        else if (srv_session_state_of(r->s) != SRV_CLOSING && ++stuck > 16) {
            fprintf(stderr, "fuzz_session: a full input queue is not "
                            "read although nothing is pending\n");
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    run r = {.e = fz_env_get(), .flags = data[0]};
    uint32_t seed = data[1];
    data += 2;
    size -= 2;
    fz_env_reset(r.e);
    srv_bufq_init(&r.in, SRV_IN_CAP(FZ_MAX_FRAME));
    srv_bufq_init(&r.out, SRV_OUT_CAP(FZ_MAX_FRAME));
    if (srv_session_new(&r.e->ctx, &r.out, on_wake, &r, &r.s) != 0)
        abort();
    if (r.flags & F_HELLO) {
        feed(&r, r.e->hello, r.e->hello_len);
        step(&r, 0);
    }
    size_t off = 0;
    while (off < size) {
        size_t n = size - off;
        if (seed != 0) {
            size_t want = 1 + fz_rand(&seed) % 4096;
            if (n > want)
                n = want;
        }
        feed(&r, data + off, n);
        step(&r, 0);
        off += n;
    }
    /* The end of the stream: commits done and output drained until the
     * session stops making progress (a long PULL takes several rounds). */
    for (int i = 0; i < 64; i++) {
        size_t in = srv_bufq_len(&r.in);
        step(&r, 1);
        if (srv_bufq_len(&r.in) == in && srv_bufq_len(&r.out) == 0 &&
            srv_sites_pending(r.e->sites) == 0)
            break;
    }
    if (r.ended && srv_session_state_of(r.s) != SRV_CLOSING) {
        fprintf(stderr, "fuzz_session: ERROR or BYE sent, session open\n");
        abort();
    }
    srv_session_free(r.s);
    fz_env_flush(r.e);
    srv_bufq_free(&r.in);
    srv_bufq_free(&r.out);
    return 0;
}
