/* test_srv_bufq.c: the bounded byte queue: capacity is never exceeded,
 * full gives RND_EAGAIN, bytes stay contiguous and in order, a hold keeps
 * them in place. */
#include "../test.h"
#include "bufq.h"

int main(void)
{
    srv_bufq q;
    srv_bufq_init(&q, 10000);
    ASSERT_EQ(srv_bufq_len(&q), 0);
    ASSERT(q.buf == NULL); /* nothing allocated until used */

    uint8_t data[12000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7);
    ASSERT_OK(srv_bufq_push(&q, data, 6000));
    ASSERT_EQ(srv_bufq_len(&q), 6000);
    /* All or nothing. */
    ASSERT_ERR(srv_bufq_push(&q, data + 6000, 4001), RND_EAGAIN);
    ASSERT_EQ(srv_bufq_len(&q), 6000);
    ASSERT_OK(srv_bufq_push(&q, data + 6000, 4000));
    ASSERT_EQ(srv_bufq_room(&q), 0);
    ASSERT_ERR(srv_bufq_push(&q, data, 1), RND_EAGAIN);
    ASSERT_EQ(srv_bufq_push_some(&q, data, 1), 0);
    ASSERT(q.alloc <= q.cap);

    const uint8_t *p;
    ASSERT_EQ(srv_bufq_peek(&q, &p), 10000);
    ASSERT_MEM_EQ(p, data, 10000);

    /* Consume some, push more: the queue compacts and stays ordered. */
    uint8_t got[4000];
    ASSERT_EQ(srv_bufq_pull(&q, got, 3000), 3000);
    ASSERT_MEM_EQ(got, data, 3000);
    ASSERT_EQ(srv_bufq_push_some(&q, data + 10000, 2000), 2000);
    ASSERT_EQ(srv_bufq_push_some(&q, data, 5000), 1000);
    ASSERT_EQ(srv_bufq_peek(&q, &p), 10000);
    ASSERT_MEM_EQ(p, data + 3000, 9000);
    ASSERT_MEM_EQ(p + 9000, data, 1000);

    /* A hold keeps the bytes where they are. */
    srv_bufq_consume(&q, 9000);
    ASSERT_EQ(srv_bufq_peek(&q, &p), 1000);
    const uint8_t *held = p;
    srv_bufq_hold(&q);
    size_t tail_room = q.alloc - q.tail;
    if (tail_room < 5000) /* cannot compact while held */
        ASSERT_ERR(srv_bufq_push(&q, data, 5000), RND_EAGAIN);
    ASSERT_EQ(srv_bufq_peek(&q, &p), srv_bufq_len(&q));
    ASSERT(p == held);
    ASSERT_MEM_EQ(p, data, 1000);
    srv_bufq_release(&q);
    ASSERT_OK(srv_bufq_push(&q, data, 5000));
    ASSERT_EQ(srv_bufq_peek(&q, &p), 6000);
    ASSERT_MEM_EQ(p, data, 1000);
    ASSERT_MEM_EQ(p + 1000, data, 5000);

    /* reserve/commit. */
    uint8_t *w;
    size_t avail;
    ASSERT_ERR(srv_bufq_reserve(&q, 4001, 4001, &w, &avail), RND_EAGAIN);
    ASSERT_OK(srv_bufq_reserve(&q, 100, 200, &w, &avail));
    ASSERT(avail >= 100 && avail <= 4000);
    memcpy(w, "hello", 5);
    srv_bufq_commit(&q, 5);
    ASSERT_EQ(srv_bufq_len(&q), 6005);
    ASSERT_EQ(srv_bufq_peek(&q, &p), 6005);
    ASSERT_MEM_EQ(p + 6000, "hello", 5);

    /* Empty, trim gives the memory back; the queue still works. */
    srv_bufq_consume(&q, 100000);
    ASSERT_EQ(srv_bufq_len(&q), 0);
    srv_bufq_trim(&q);
    ASSERT(q.buf == NULL);
    ASSERT_OK(srv_bufq_push(&q, "ab", 2));
    ASSERT_EQ(srv_bufq_pull(&q, got, 10), 2);
    ASSERT_MEM_EQ(got, "ab", 2);
    srv_bufq_free(&q);
    srv_bufq_free(&q);
    return 0;
}
