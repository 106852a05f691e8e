/* test_ship_rows.c: what the PostgreSQL shipper sends (ship_rows.h): COPY
 * text escaping, an op's row and a record's row column by column, JSON of
 * typed fields (ill-formed UTF-8 and U+0000 made U+FFFD), the buffer's
 * ceiling, the order of migrations, and a password kept out of logs
 * and out of libpq's messages. */
#include "../test.h"
#include "ship_rows.h"

#include "../../storage/store.h"

static char *cstr(const ship_buf *b)
{
    static char out[65536];
    ASSERT(b->len < sizeof out);
    memcpy(out, b->p, b->len);
    out[b->len] = '\0';
    return out;
}

/* The n-th tab-separated column of line (0-based) into out. */
static const char *column(const char *line, int n)
{
    static char out[65536];
    const char *p = line;
    for (int i = 0; i < n; i++) {
        p = strchr(p, '\t');
        ASSERT(p != NULL);
        p++;
    }
    size_t len = strcspn(p, "\t\n");
    memcpy(out, p, len);
    out[len] = '\0';
    return out;
}

static void test_json(void)
{
    ship_buf b;
    ship_buf_init(&b, 1 << 20);
    proto_field f[5] = {
        {.name = "anomaly", .name_len = 7, .type = PROTO_BOOL, .i = 1},
        {.name = "gone", .name_len = 4, .type = PROTO_NIL},
        {.name = "party", .name_len = 5, .type = PROTO_INT, .i = -42},
        {.name = "text",
         .name_len = 4,
         .type = PROTO_STR,
         .str = "a\"b\\c\nd\te\x01",
         .str_len = 10},
        {.name = "zh",
         .name_len = 2,
         .type = PROTO_STR,
         .str = "\xe6\x9d\xa5\xff\x00z",
         .str_len = 6},
    };
    ASSERT_OK(ship_json_fields(&b, f, 5));
    /* COPY text escaping over JSON escaping: every backslash doubled, the
     * raw tab and newline never appear. */
    ASSERT_STR_EQ(cstr(&b),
                  "{\"anomaly\":true,\"gone\":null,\"party\":-42,"
                  "\"text\":\"a\\\\\"b\\\\\\\\c\\\\u000ad\\\\u0009e"
                  "\\\\u0001\",\"zh\":\"\xe6\x9d\xa5\xef\xbf\xbd\xef\xbf\xbd"
                  "z\"}");
    ship_buf_free(&b);
}

static void test_op_row(void)
{
    proto_op op;
    proto_op_init(&op);
    op.device_id = 0xfedcba9876543210ull; /* above 2^63: negative bigint */
    op.seq = 7;
    op.hlc = PROTO_HLC_MAKE(1764806400000LL, 3);
    op.wall_ms = 1764806400000LL;
    op.kind = PROTO_KIND_SCAN;
    op.action = PROTO_ACTION_CREATE;
    for (int i = 0; i < PROTO_ENTITY_LEN; i++)
        op.entity[i] = (uint8_t)(0xa0 + i);
    op.prev_hash[0] = 0xab;
    ASSERT_OK(proto_op_add_str(&op, "tag", "CP-1", 4));
    ASSERT_OK(proto_op_add_str(&op, "_pii", "p1.00.x", 7));
    uint8_t enc[1024];
    size_t len;
    ASSERT_OK(proto_op_encode(&op, enc, sizeof enc, &len));
    proto_op dec;
    ASSERT_OK(proto_op_decode(enc, len, &dec));

    ship_buf b;
    ship_buf_init(&b, 1 << 20);
    ASSERT_OK(ship_row_op(&b, "S1", &dec, enc, len, 1764806401234LL));
    const char *line = cstr(&b);
    ASSERT_EQ(line[strlen(line) - 1], '\n');
    ASSERT_STR_EQ(column(line, 0), "S1");
    ASSERT_STR_EQ(column(line, 1), "-81985529216486896");
    ASSERT_STR_EQ(column(line, 2), "7");
    char hlc[32];
    snprintf(hlc, sizeof hlc, "%" PRId64, (int64_t)op.hlc);
    ASSERT_STR_EQ(column(line, 3), hlc);
    ASSERT_STR_EQ(column(line, 4), "1764806400000");
    ASSERT_STR_EQ(column(line, 5), "1764806401234");
    ASSERT_STR_EQ(column(line, 6), "1");
    ASSERT_STR_EQ(column(line, 7), "1");
    ASSERT_STR_EQ(column(line, 8), "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
    /* The sealed envelope is shipped as it is: no key opens it here. */
    ASSERT_STR_EQ(column(line, 9), "{\"_pii\":\"p1.00.x\",\"tag\":\"CP-1\"}");
    ASSERT(strncmp(column(line, 10), "\\\\xab00", 7) == 0);
    ASSERT_EQ(strlen(column(line, 10)), 3 + 64);
    ASSERT_EQ(strlen(column(line, 11)), 3 + 2 * len);

    /* The ceiling: a row that does not fit leaves the buffer as it was. */
    size_t before = b.len;
    b.max = before + 20;
    ASSERT_ERR(ship_row_op(&b, "S1", &dec, enc, len, 0), RND_ENOSPACE);
    ASSERT_EQ(b.len, before);
    ship_buf_free(&b);
}

static void test_record_row(void)
{
    proto_op op;
    proto_op_init(&op);
    op.device_id = 5;
    op.seq = 1;
    op.hlc = PROTO_HLC_MAKE(1764806400123LL, 0);
    op.wall_ms = 1764806400123LL;
    op.kind = PROTO_KIND_VISIT;
    op.action = PROTO_ACTION_CREATE;
    op.entity[15] = 1;
    ASSERT_OK(proto_op_add_int(&op, "party", 2));
    ASSERT_OK(proto_op_add_str(&op, "name", "Li", 2));
    uint8_t enc[1024], state[4096];
    size_t len, slen;
    ASSERT_OK(proto_op_encode(&op, enc, sizeof enc, &len));
    const uint8_t *encs[1] = {enc};
    size_t lens[1] = {len};
    fold_info info;
    ASSERT_OK(store_fold(encs, lens, 1, state, sizeof state, &slen, &info));
    static fold_state st;
    ASSERT_OK(fold_state_parse(state, slen, &st));

    ship_buf b;
    ship_buf_init(&b, 1 << 20);
    ASSERT_OK(ship_row_record(&b, "S2", &st, state, slen));
    const char *line = cstr(&b);
    ASSERT_STR_EQ(column(line, 0), "S2");
    ASSERT_STR_EQ(column(line, 1), "2");
    ASSERT_STR_EQ(column(line, 2), "00000000000000000000000000000001");
    ASSERT_STR_EQ(column(line, 3), "inside");
    ASSERT_STR_EQ(column(line, 6), "2025-12-04 00:00:00.123Z");
    ASSERT_STR_EQ(column(line, 8), "5");
    ASSERT_STR_EQ(column(line, 9), "0");
    ASSERT_STR_EQ(column(line, 10), "1");
    ASSERT_STR_EQ(column(line, 11), "{\"name\":\"Li\",\"party\":2}");
    ASSERT_STR_EQ(column(line, 12), "\\N"); /* no conflict */
    ASSERT_EQ(strlen(column(line, 13)), 3 + 2 * slen);
    ship_buf_free(&b);
}

static void test_migrations(void)
{
    const char *paths[] = {"/README",          "/010_directory.sql",
                           "/002_records.sql", "/001_ops.sql",
                           "/0x1_bad.sql",     "/003_Bad.sql"};
    const unsigned char *data[6] = {
        (const unsigned char *)"r", (const unsigned char *)"d",
        (const unsigned char *)"b", (const unsigned char *)"a",
        (const unsigned char *)"x", (const unsigned char *)"y"};
    size_t lens[6] = {1, 1, 1, 1, 1, 1}, n;
    ship_migration m[8];
    ASSERT_OK(ship_migrations_order(paths, data, lens, 6, m, 8, &n));
    ASSERT_EQ(n, 3);
    ASSERT_EQ(m[0].version, 1);
    ASSERT_STR_EQ(m[0].name, "001_ops.sql");
    ASSERT_EQ(m[1].version, 2);
    ASSERT_EQ(m[2].version, 10);
    ASSERT_STR_EQ(m[2].name, "010_directory.sql");
    ASSERT_ERR(ship_migrations_order(paths, data, lens, 6, m, 2, &n),
               RND_ENOSPACE);
    const char *dup[] = {"/001_a.sql", "/001_b.sql"};
    ASSERT_ERR(ship_migrations_order(dup, data, lens, 2, m, 8, &n), RND_EEXIST);
}

static void test_redact(void)
{
    char out[256];
    ship_dsn_redact("host=db user=r password=s3cret dbname=rounds", out,
                    sizeof out);
    ASSERT_STR_EQ(out, "host=db user=r password=*** dbname=rounds");
    ship_dsn_redact("password='a b\\'c' host=x", out, sizeof out);
    ASSERT_STR_EQ(out, "password=*** host=x");
    ship_dsn_redact("postgresql://r:pw@db:5432/rounds", out, sizeof out);
    ASSERT_STR_EQ(out, "postgresql://r:***@db:5432/rounds");
    ship_dsn_redact("postgresql://db/rounds", out, sizeof out);
    ASSERT_STR_EQ(out, "postgresql://db/rounds");
    ship_dsn_redact("postgresql://r:p:w@db/x?password=two&sslmode=require", out,
                    sizeof out);
    ASSERT_STR_EQ(out, "postgresql://r:***@db/x?password=***&sslmode=require");
    ship_dsn_redact("host=a password = s dbname=x", out, sizeof out);
    ASSERT_STR_EQ(out, "host=a password = *** dbname=x");
    /* libpq's messages may quote the dsn back: the password never shows. */
    ship_pg_message("host=db password=s3cr et",
                    "missing \"=\" after \"et\" in connection info "
                    "string\n",
                    out, sizeof out);
    ASSERT_STR_EQ(out, "missing \"=\" after \"et\" in connection info string");
    ship_pg_message("postgresql://r:se%zzcret@db/rounds",
                    "invalid percent-encoded token: \"se%zzcret\"\n", out,
                    sizeof out);
    ASSERT_STR_EQ(out, "invalid percent-encoded token: \"***\"");
    ship_pg_message("password='a b' host=x", "bad 'a b' and a b\n", out,
                    sizeof out);
    ASSERT_STR_EQ(out, "bad *** and ***");
    ship_pg_message("host=x", "connection refused\n\n", out, sizeof out);
    ASSERT_STR_EQ(out, "connection refused");
    ship_pg_message(NULL, NULL, out, sizeof out);
    ASSERT_STR_EQ(out, "");
}

int main(void)
{
    test_json();
    test_op_row();
    test_record_row();
    test_migrations();
    test_redact();
    printf("ok\n");
    return 0;
}
