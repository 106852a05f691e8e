/* test_store_from.c: the two index walks the Now document relies on
 * (storage/store.h): store_entities_from starts at the first id of a
 * given creation time (so a walk of the last hours skips the month before
 * it) and store_entities_count counts an index's keys without reading a
 * state; on a handheld store whose records were made at pinned times. */
#include <string.h>

#include "../../handheld/handheld.h"
#include "../../storage/store.h"
#include "test.h"

#define T0 1795860000000LL /* 2026-11-28T10:00:00Z */
#define MIN 60000LL

static int64_t now_ms;
static int64_t clock_fn(void *ctx)
{
    (void)ctx;
    return now_ms;
}

typedef struct seen {
    int n;
    int64_t first_ms, last_ms;
} seen;

static int64_t id_ms(const uint8_t id[PROTO_ENTITY_LEN])
{
    int64_t t = 0;
    for (int i = 0; i < 6; i++)
        t = (t << 8) | id[i];
    return t;
}

static int seen_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                   const uint8_t *state, size_t len, void *arg)
{
    (void)kind, (void)state, (void)len;
    seen *s = arg;
    if (s->n++ == 0)
        s->first_ms = id_ms(id);
    s->last_ms = id_ms(id);
    return 0;
}

static void from_time(int64_t t, uint8_t out[PROTO_ENTITY_LEN])
{
    memset(out, 0, PROTO_ENTITY_LEN);
    for (int i = 5; i >= 0; i--, t >>= 8)
        out[i] = (uint8_t)t;
}

int main(void)
{
    char *dir = test_tmpdir("from");
    char path[4200];
    snprintf(path, sizeof path, "%s/store", dir);
    hh *h;
    ASSERT_OK(hh_init(path, "S1", "HH-01", &h));
    hh_set_clock(h, clock_fn, NULL);
    ASSERT_OK(hh_set_user(h, "guard-li"));
    /* 10 scans a minute apart, and 3 work orders of which one is closed
     * (cancelled): 2 open. */
    for (int i = 0; i < 10; i++) {
        now_ms = T0 + i * MIN;
        hh_kv kv[] = {{"tag", "CP-01"}};
        ASSERT_OK(hh_record(h, "scan.record", NULL, kv, 1, NULL, NULL));
    }
    uint8_t id[HH_ID_LEN];
    char hex[33];
    for (int i = 0; i < 3; i++) {
        now_ms = T0 + (20 + i) * MIN;
        hh_kv kv[] = {{"place", "1-1-101"},
                      {"category", "plumbing"},
                      {"description", "tap"}};
        ASSERT_OK(hh_record(h, "workorder.create", NULL, kv, 3, id, NULL));
    }
    hh_id_hex(id, hex);
    hh_kv why[] = {{"reason", "duplicate"}};
    ASSERT_OK(hh_record(h, "workorder.cancel", hex, why, 1, NULL, NULL));
    hh_close(h);

    store *s;
    store_txn *t;
    ASSERT_OK(store_open(path, 0, &s));
    ASSERT_OK(store_read_begin(s, &t));
    uint8_t from[PROTO_ENTITY_LEN];
    /* From the 7th scan's minute: the last 4, in time order. */
    seen a = {0};
    from_time(T0 + 6 * MIN, from);
    ASSERT_OK(store_entities_from(t, PROTO_KIND_SCAN, 0, from, seen_cb, &a));
    ASSERT_EQ(a.n, 4);
    ASSERT_EQ(a.first_ms, T0 + 6 * MIN);
    ASSERT_EQ(a.last_ms, T0 + 9 * MIN);
    /* NULL: every one, as store_entities_each; past the last: none, and
     * never another kind's. */
    seen b = {0}, c = {0}, e = {0};
    ASSERT_OK(store_entities_from(t, PROTO_KIND_SCAN, 0, NULL, seen_cb, &b));
    ASSERT_EQ(b.n, 10);
    from_time(T0 + 10 * MIN, from);
    ASSERT_OK(store_entities_from(t, PROTO_KIND_SCAN, 0, from, seen_cb, &c));
    ASSERT_EQ(c.n, 0);
    ASSERT_OK(store_entities_each(t, PROTO_KIND_SCAN, 0, seen_cb, &e));
    ASSERT_EQ(e.n, 10);
    /* Counts from the keys: all, open, none of a kind without records. */
    uint64_t n;
    ASSERT_OK(store_entities_count(t, PROTO_KIND_SCAN, 0, &n));
    ASSERT_U64_EQ(n, 10);
    ASSERT_OK(store_entities_count(t, PROTO_KIND_WORKORDER, 0, &n));
    ASSERT_U64_EQ(n, 3);
    ASSERT_OK(store_entities_count(t, PROTO_KIND_WORKORDER, 1, &n));
    ASSERT_U64_EQ(n, 2);
    ASSERT_OK(store_entities_count(t, PROTO_KIND_VISIT, 0, &n));
    ASSERT_U64_EQ(n, 0);
    ASSERT_ERR(store_entities_count(t, 256, 0, &n), RND_EINVAL);
    store_read_end(t);
    store_close(s);
    test_rmtree(dir);
    free(dir);
    printf("test_store_from: ok\n");
    return 0;
}
