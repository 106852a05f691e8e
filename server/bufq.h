/* bufq.h: a bounded byte queue, the one buffer type of the server.
 *
 * Used for TLS bytes in (filled by uv_read, drained by mbedTLS), TLS bytes
 * out (filled by mbedTLS, drained by uv_write) and plaintext frames in and
 * out of a session. A queue never holds more than its capacity: a push that
 * does not fit returns RND_EAGAIN and changes nothing, a read of an empty
 * queue gives nothing. Memory is allocated lazily and grows (by doubling)
 * only up to the capacity, so an idle connection costs little.
 *
 * The stored bytes are always contiguous (peek gives one pointer): that is
 * what lets a frame be decoded in place. To keep them so, the queue moves
 * its bytes to the front when the tail runs out of room; srv_bufq_hold()
 * forbids that (and any reallocation) while a pointer from peek is in use
 * by someone else, for instance a uv_write in flight.
 *
 * Not thread-safe: one loop thread owns a queue.
 */
#ifndef RND_SRV_BUFQ_H
#define RND_SRV_BUFQ_H

#include <stddef.h>
#include <stdint.h>

#include "../proto/errors.h"

typedef struct srv_bufq {
    uint8_t *buf;
    size_t cap;   /* the hard limit */
    size_t alloc; /* bytes allocated at buf, <= cap */
    size_t head;  /* first stored byte */
    size_t tail;  /* one past the last stored byte */
    int held;     /* srv_bufq_hold() in force */
} srv_bufq;

/* Prepares an empty queue of at most cap bytes; allocates nothing. */
void srv_bufq_init(srv_bufq *q, size_t cap);

/* Frees the memory; q is then an empty queue again (safe to call twice). */
void srv_bufq_free(srv_bufq *q);

/* Bytes stored. */
static inline size_t srv_bufq_len(const srv_bufq *q)
{
    return q->tail - q->head;
}

/* Bytes that could still be pushed (ignoring a hold). */
static inline size_t srv_bufq_room(const srv_bufq *q)
{
    return q->cap - srv_bufq_len(q);
}

/* Appends all n bytes, or none: RND_EAGAIN when they do not fit (or do not
 * fit while held), RND_ENOMEM if growing fails. */
int srv_bufq_push(srv_bufq *q, const void *data, size_t n);

/* Appends as many of the n bytes as fit; returns how many (0 when full). */
size_t srv_bufq_push_some(srv_bufq *q, const void *data, size_t n);

/* Makes at least min (up to want) contiguous bytes writable at the tail and
 * points *p at them, *avail at their number; the caller writes, then
 * srv_bufq_commit()s what it wrote. RND_EAGAIN when min bytes cannot be
 * had, RND_ENOMEM if growing fails. *p is valid until the next call that
 * changes q. */
int srv_bufq_reserve(srv_bufq *q, size_t min, size_t want, uint8_t **p,
                     size_t *avail);

/* Adds n bytes written after srv_bufq_reserve() to the queue. */
void srv_bufq_commit(srv_bufq *q, size_t n);

/* Points *p at the stored bytes and returns their number (0: *p is NULL).
 * Valid until the next call that changes q. */
size_t srv_bufq_peek(const srv_bufq *q, const uint8_t **p);

/* Copies up to n stored bytes to out and removes them; returns how many. */
size_t srv_bufq_pull(srv_bufq *q, void *out, size_t n);

/* Removes n stored bytes (at most all of them) from the front. */
void srv_bufq_consume(srv_bufq *q, size_t n);

/* While held, stored bytes never move (no compaction, no reallocation):
 * pointers from srv_bufq_peek() stay valid across pushes. */
void srv_bufq_hold(srv_bufq *q);
void srv_bufq_release(srv_bufq *q);

/* Frees the allocation if the queue is empty and not held (idle
 * connections give their memory back). */
void srv_bufq_trim(srv_bufq *q);

#endif
