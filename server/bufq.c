/* bufq.c: the bounded byte queue of bufq.h (a linear buffer that compacts
 * to the front and grows by doubling up to its fixed capacity). */
#include <stdlib.h>
#include <string.h>

#include "../proto/errors.h"
#include "bufq.h"

/* The first allocation; small queues (acks, hellos) never need more. */
#define BUFQ_MIN_ALLOC 4096

void srv_bufq_init(srv_bufq *q, size_t cap)
{
    memset(q, 0, sizeof *q);
    q->cap = cap;
}

void srv_bufq_free(srv_bufq *q)
{
    free(q->buf);
    size_t cap = q->cap;
    srv_bufq_init(q, cap);
}

/* Ensures want contiguous free bytes after tail, compacting or growing as
 * allowed; RND_EAGAIN when the capacity (or a hold) does not allow it. */
static int make_room(srv_bufq *q, size_t want)
{
    size_t len = q->tail - q->head;
    if (want > q->cap - len)
        return RND_EAGAIN;
    if (q->alloc - q->tail >= want)
        return 0;
    if (q->held)
        return RND_EAGAIN;
    if (q->head > 0) {
        if (len > 0)
            memmove(q->buf, q->buf + q->head, len);
        q->head = 0;
        q->tail = len;
        if (q->alloc - q->tail >= want)
            return 0;
    }
    size_t need = len + want;
    size_t n = q->alloc ? q->alloc : BUFQ_MIN_ALLOC;
    while (n < need)
        n *= 2;
    if (n > q->cap)
        n = q->cap;
    uint8_t *b = realloc(q->buf, n);
    if (b == NULL)
        return RND_ENOMEM;
    q->buf = b;
    q->alloc = n;
    return 0;
}

int srv_bufq_push(srv_bufq *q, const void *data, size_t n)
{
    if (n == 0)
        return 0;
    int rc = make_room(q, n);
    if (rc)
        return rc;
    memcpy(q->buf + q->tail, data, n);
    q->tail += n;
    return 0;
}

size_t srv_bufq_push_some(srv_bufq *q, const void *data, size_t n)
{
    size_t room = srv_bufq_room(q);
    if (n > room)
        n = room;
    if (n == 0)
        return 0;
    if (make_room(q, n) != 0) {
        /* Held (or out of memory): take what the tail has room for. */
        size_t tail_room = q->alloc - q->tail;
        if (n > tail_room)
            n = tail_room;
        if (n == 0)
            return 0;
    }
    memcpy(q->buf + q->tail, data, n);
    q->tail += n;
    return n;
}

int srv_bufq_reserve(srv_bufq *q, size_t min, size_t want, uint8_t **p,
                     size_t *avail)
{
    *p = NULL;
    *avail = 0;
    if (want < min)
        want = min;
    size_t room = srv_bufq_room(q);
    if (want > room)
        want = room;
    if (min == 0)
        min = 1;
    if (want < min)
        return RND_EAGAIN;
    int rc = make_room(q, want);
    if (rc == RND_EAGAIN && q->alloc - q->tail >= min)
        rc = 0; /* held: settle for the tail room there is */
    if (rc)
        return rc;
    *p = q->buf + q->tail;
    *avail = q->alloc - q->tail;
    if (*avail > room)
        *avail = room;
    return 0;
}

void srv_bufq_commit(srv_bufq *q, size_t n)
{
    if (n > q->alloc - q->tail)
        n = q->alloc - q->tail;
    q->tail += n;
}

size_t srv_bufq_peek(const srv_bufq *q, const uint8_t **p)
{
    size_t len = q->tail - q->head;
    *p = len ? q->buf + q->head : NULL;
    return len;
}

size_t srv_bufq_pull(srv_bufq *q, void *out, size_t n)
{
    size_t len = q->tail - q->head;
    if (n > len)
        n = len;
    if (n > 0)
        memcpy(out, q->buf + q->head, n);
    srv_bufq_consume(q, n);
    return n;
}

void srv_bufq_consume(srv_bufq *q, size_t n)
{
    size_t len = q->tail - q->head;
    if (n >= len) {
        /* Empty: start again at the front, unless someone holds pointers
         * (they point at consumed bytes then, which is harmless). */
        if (!q->held)
            q->head = q->tail = 0;
        else
            q->head = q->tail;
        return;
    }
    q->head += n;
}

void srv_bufq_hold(srv_bufq *q)
{
    q->held = 1;
}

void srv_bufq_release(srv_bufq *q)
{
    q->held = 0;
    if (q->head == q->tail)
        q->head = q->tail = 0;
}

void srv_bufq_trim(srv_bufq *q)
{
    if (q->head == q->tail && !q->held && q->buf != NULL) {
        free(q->buf);
        q->buf = NULL;
        q->alloc = q->head = q->tail = 0;
    }
}
