/* test_proto_op.c: building, encoding and decoding ops, the canonical field
 * order, the builders' limits, the prev_hash chain, names of kinds and
 * actions, and entity ids. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "test.h"

static uint8_t encbuf[PROTO_OP_MAX_BYTES];

static void fill_header(proto_op *op)
{
    proto_op_init(op);
    op->device_id = 0xfedcba9876543210u;
    op->seq = 42;
    op->hlc = PROTO_HLC_MAKE(1700000000123, 7);
    op->wall_ms = 1700000000120;
    op->kind = PROTO_KIND_WORKORDER;
    op->action = PROTO_ACTION_DISPATCH;
    for (int k = 0; k < PROTO_ENTITY_LEN; k++)
        op->entity[k] = (uint8_t)(0xa0 + k);
    for (int k = 0; k < PROTO_HASH_LEN; k++)
        op->prev_hash[k] = (uint8_t)(k * 7);
}

static void assert_same_field(const proto_field *a, const proto_field *b)
{
    ASSERT_EQ(a->name_len, b->name_len);
    ASSERT_MEM_EQ(a->name, b->name, a->name_len);
    ASSERT_EQ(a->type, b->type);
    ASSERT_EQ(a->i, b->i);
    ASSERT_EQ(a->str_len, b->str_len);
    if (a->str_len > 0)
        ASSERT_MEM_EQ(a->str, b->str, a->str_len);
}

static void assert_same_header(const proto_op *a, const proto_op *b)
{
    ASSERT_EQ(a->version, b->version);
    ASSERT_U64_EQ(a->device_id, b->device_id);
    ASSERT_U64_EQ(a->seq, b->seq);
    ASSERT_U64_EQ(a->hlc, b->hlc);
    ASSERT_EQ(a->wall_ms, b->wall_ms);
    ASSERT_EQ(a->kind, b->kind);
    ASSERT_EQ(a->action, b->action);
    ASSERT_MEM_EQ(a->entity, b->entity, PROTO_ENTITY_LEN);
    ASSERT_MEM_EQ(a->prev_hash, b->prev_hash, PROTO_HASH_LEN);
}

/* Every value type, including the integer edges where msgpack-c switches
 * encodings, survives a round trip; decoded strings point into the buffer. */
static void test_round_trip(void)
{
    static char big[PROTO_FIELD_STR_MAX];
    memset(big, 'x', sizeof big);
    static const struct {
        const char *name;
        int64_t v;
    } ints[] = {
        {"i00", 0},           {"i01", 127},        {"i02", 128},
        {"i03", 255},         {"i04", 256},        {"i05", 65535},
        {"i06", 65536},       {"i07", 4294967295}, {"i08", 4294967296},
        {"i09", INT64_MAX},   {"i10", -1},         {"i11", -32},
        {"i12", -33},         {"i13", -128},       {"i14", -129},
        {"i15", -32768},      {"i16", -32769},     {"i17", INT32_MIN},
        {"i18", -2147483649}, {"i19", INT64_MIN},
    };
    proto_op op, back;
    fill_header(&op);
    for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++)
        ASSERT_OK(proto_op_add_int(&op, ints[k].name, ints[k].v));
    ASSERT_OK(proto_op_add_str(&op, "s_empty", "", 0));
    ASSERT_OK(proto_op_add_str(&op, "s_null", NULL, 0));
    ASSERT_OK(proto_op_add_str(&op, "s_31", big, 31));
    ASSERT_OK(proto_op_add_str(&op, "s_32", big, 32));
    ASSERT_OK(proto_op_add_str(&op, "s_256", big, 256));
    ASSERT_OK(proto_op_add_str(&op, "s_max", big, sizeof big));
    ASSERT_OK(proto_op_add_str(&op, "s_utf8",
                               "Bl\xc3\xb6"
                               "ck 3",
                               8));
    ASSERT_OK(proto_op_add_bool(&op, "b_true", 5));
    ASSERT_OK(proto_op_add_bool(&op, "b_false", 0));
    ASSERT_OK(proto_op_add_nil(&op, "n"));

    size_t len;
    ASSERT_OK(proto_op_encode(&op, encbuf, sizeof encbuf, &len));
    ASSERT_OK(proto_op_decode(encbuf, len, &back));
    assert_same_header(&op, &back);
    ASSERT_EQ(back.nfields, op.nfields);
    for (uint32_t k = 0; k < op.nfields; k++) {
        const proto_field *want = &op.fields[k];
        char name[PROTO_FIELD_NAME_MAX + 1];
        memcpy(name, want->name, want->name_len);
        name[want->name_len] = '\0';
        const proto_field *got = proto_op_field(&back, name);
        ASSERT(got != NULL);
        assert_same_field(want, got);
        /* Zero-copy: the decoded name lies inside the encoded bytes. */
        ASSERT((const uint8_t *)got->name >= encbuf &&
               (const uint8_t *)got->name + got->name_len <= encbuf + len);
    }
    ASSERT_EQ(proto_op_field(&back, "b_true")->i, 1);
    ASSERT_EQ(proto_op_field(&back, "i19")->i, INT64_MIN);
    ASSERT(proto_op_field(&back, "absent") == NULL);
    ASSERT(proto_op_field(&back, "i1") == NULL); /* prefix of i10.. */

    /* Re-encoding the decoded op gives the same bytes: the form is
     * canonical. */
    static uint8_t again[PROTO_OP_MAX_BYTES];
    size_t len2;
    ASSERT_OK(proto_op_encode(&back, again, sizeof again, &len2));
    ASSERT_EQ(len2, len);
    ASSERT_MEM_EQ(again, encbuf, len);
}

/* The exact bytes of a small op: pins the wire form and the minimal
 * integer encodings msgpack-c chooses. */
static void test_golden_bytes(void)
{
    proto_op op;
    proto_op_init(&op);
    op.device_id = 1;
    op.seq = 200;
    op.hlc = PROTO_HLC_MAKE(1, 2);
    op.wall_ms = -1;
    op.kind = PROTO_KIND_SCAN;
    op.action = PROTO_ACTION_CREATE;
    for (int k = 0; k < PROTO_ENTITY_LEN; k++)
        op.entity[k] = (uint8_t)k;
    ASSERT_OK(proto_op_add_int(&op, "a", 1));
    ASSERT_OK(proto_op_add_str(&op, "b", "hi", 2));

    static const uint8_t head[] = {
        0x9a, 0x01, 0x01, 0xcc, 0xc8, 0xce, 0x00, 0x01, 0x00, 0x02, 0xff,
        0x01, 0xc4, 0x10, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
        0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x01, 0x82, 0xa1,
        0x61, 0x01, 0xa1, 0x62, 0xa2, 0x68, 0x69, 0xc4, 0x20,
    };
    size_t len;
    ASSERT_OK(proto_op_encode(&op, encbuf, sizeof encbuf, &len));
    ASSERT_EQ(len, sizeof head + PROTO_HASH_LEN);
    ASSERT_MEM_EQ(encbuf, head, sizeof head);
    static const uint8_t zero[PROTO_HASH_LEN];
    ASSERT_MEM_EQ(encbuf + sizeof head, zero, PROTO_HASH_LEN);
}

/* Fields go out sorted bytewise with a proper prefix first, whatever order
 * they were added in, so two writers produce identical bytes. */
static void test_sorting(void)
{
    static const char *names[] = {"b",  "ab", "a", "\xc3\xa9t\xc3\xa9",
                                  "aa", "B",  "a0"};
    static const char *want[] = {
        "B", "a", "a0", "aa", "ab", "b", "\xc3\xa9t\xc3\xa9"};
    const size_t n = sizeof names / sizeof names[0];
    proto_op fwd, rev, back;
    fill_header(&fwd);
    fill_header(&rev);
    for (size_t k = 0; k < n; k++) {
        ASSERT_OK(proto_op_add_int(&fwd, names[k], (int64_t)k));
        ASSERT_OK(
            proto_op_add_int(&rev, names[n - 1 - k], (int64_t)(n - 1 - k)));
    }
    size_t len1, len2;
    static uint8_t other[PROTO_OP_MAX_BYTES];
    ASSERT_OK(proto_op_encode(&fwd, encbuf, sizeof encbuf, &len1));
    ASSERT_OK(proto_op_encode(&rev, other, sizeof other, &len2));
    ASSERT_EQ(len1, len2);
    ASSERT_MEM_EQ(encbuf, other, len1);

    ASSERT_OK(proto_op_decode(encbuf, len1, &back));
    ASSERT_EQ(back.nfields, n);
    for (size_t k = 0; k < n; k++) {
        ASSERT_EQ(back.fields[k].name_len, strlen(want[k]));
        ASSERT_MEM_EQ(back.fields[k].name, want[k], strlen(want[k]));
    }
    /* Encoding sorts a copy: the caller's op keeps its order. */
    ASSERT_MEM_EQ(fwd.fields[0].name, "b", 1);
}

static void test_duplicates(void)
{
    proto_op op;
    size_t len = 123;
    fill_header(&op);
    ASSERT_OK(proto_op_add_int(&op, "x", 1));
    ASSERT_OK(proto_op_add_str(&op, "y", "v", 1));
    ASSERT_OK(proto_op_add_nil(&op, "x"));
    ASSERT_ERR(proto_op_encode(&op, encbuf, sizeof encbuf, &len), RND_EINVAL);
    ASSERT_EQ(len, 0);

    /* Same name reached through a different length must not collide. */
    fill_header(&op);
    ASSERT_OK(proto_op_add_int(&op, "x", 1));
    ASSERT_OK(proto_op_add_int(&op, "xx", 2));
    ASSERT_OK(proto_op_encode(&op, encbuf, sizeof encbuf, &len));
}

static void test_limits(void)
{
    static char big[PROTO_FIELD_STR_MAX + 1];
    static char names[PROTO_OP_MAX_FIELDS + 1][8];
    memset(big, 'y', sizeof big);
    proto_op op;
    size_t len;

    fill_header(&op);
    ASSERT_ERR(proto_op_add_int(&op, "", 1), RND_EINVAL);
    ASSERT_ERR(proto_op_add_int(&op, NULL, 1), RND_EINVAL);
    ASSERT_ERR(proto_op_add_nil(&op, "123456789012345678901234567890123"),
               RND_EINVAL);
    ASSERT_OK(proto_op_add_nil(&op, "12345678901234567890123456789012"));
    ASSERT_ERR(proto_op_add_str(&op, "s", big, sizeof big), RND_ETOOBIG);
    ASSERT_ERR(proto_op_add_str(&op, "s", NULL, 3), RND_EINVAL);
    ASSERT_OK(proto_op_add_str(&op, "s", big, PROTO_FIELD_STR_MAX));
    ASSERT_EQ(op.nfields, 2);

    fill_header(&op);
    for (int k = 0; k <= PROTO_OP_MAX_FIELDS; k++) {
        snprintf(names[k], sizeof names[k], "f%02d", k);
        int rc = proto_op_add_bool(&op, names[k], k & 1);
        if (k < PROTO_OP_MAX_FIELDS)
            ASSERT_OK(rc);
        else
            ASSERT_ERR(rc, RND_ETOOBIG);
    }
    ASSERT_EQ(op.nfields, PROTO_OP_MAX_FIELDS);
    ASSERT_OK(proto_op_encode(&op, encbuf, sizeof encbuf, &len));

    /* Every buffer shorter than the encoding gives ENOSPACE and writes
     * nothing past its end. */
    uint8_t *small = malloc(len);
    ASSERT(small != NULL);
    for (size_t cap = 0; cap < len; cap++) {
        size_t got = 99;
        ASSERT_ERR(proto_op_encode(&op, cap ? small : NULL, cap, &got),
                   RND_ENOSPACE);
        ASSERT_EQ(got, 0);
    }
    ASSERT_OK(proto_op_encode(&op, small, len, &len));
    ASSERT_MEM_EQ(small, encbuf, len);
    free(small);

    /* 15 maximal strings fit in PROTO_OP_MAX_BYTES, 16 do not; ETOOBIG wins
     * over ENOSPACE because no buffer would help. */
    fill_header(&op);
    for (int k = 0; k < 16; k++) {
        ASSERT_OK(proto_op_add_str(&op, names[k], big, PROTO_FIELD_STR_MAX));
        int rc = proto_op_encode(&op, encbuf, sizeof encbuf, &len);
        if (k < 15)
            ASSERT_OK(rc);
        else
            ASSERT_ERR(rc, RND_ETOOBIG);
    }
    ASSERT_ERR(proto_op_encode(&op, encbuf, 10, &len), RND_ETOOBIG);

    /* What the decoder would refuse, the encoder refuses too. */
    fill_header(&op);
    op.kind = 99;
    ASSERT_ERR(proto_op_encode(&op, encbuf, sizeof encbuf, &len), RND_EINVAL);
    fill_header(&op);
    op.action = 0;
    ASSERT_ERR(proto_op_encode(&op, encbuf, sizeof encbuf, &len), RND_EINVAL);
    fill_header(&op);
    op.version = 2;
    ASSERT_ERR(proto_op_encode(&op, encbuf, sizeof encbuf, &len), RND_EVERSION);
    fill_header(&op);
    op.nfields = PROTO_OP_MAX_FIELDS + 1;
    ASSERT_ERR(proto_op_encode(&op, encbuf, sizeof encbuf, &len), RND_ETOOBIG);
    fill_header(&op);
    ASSERT_OK(proto_op_add_nil(&op, "n"));
    op.fields[0].type = 9;
    ASSERT_ERR(proto_op_encode(&op, encbuf, sizeof encbuf, &len), RND_EINVAL);
    ASSERT_ERR(proto_op_encode(NULL, encbuf, sizeof encbuf, &len), RND_EINVAL);
    ASSERT_ERR(proto_op_encode(&op, encbuf, sizeof encbuf, NULL), RND_EINVAL);
}

/* Three ops of one device, each storing the SHA-256 of the previous
 * encoding; a change to any byte of an earlier op breaks the link. */
static void test_hash_chain(void)
{
    static const uint8_t abc_sha256[PROTO_HASH_LEN] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
        0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
        0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
    };
    uint8_t h[PROTO_HASH_LEN];
    proto_op_hash((const uint8_t *)"abc", 3, h);
    ASSERT_MEM_EQ(h, abc_sha256, PROTO_HASH_LEN);

    static uint8_t enc[3][1024];
    size_t len[3];
    uint8_t prev[PROTO_HASH_LEN] = {0};
    for (int k = 0; k < 3; k++) {
        proto_op op;
        proto_op_init(&op);
        op.device_id = 9;
        op.seq = (uint64_t)k + 1;
        op.hlc = PROTO_HLC_MAKE(1000 + k, 0);
        op.wall_ms = 1000 + k;
        op.kind = PROTO_KIND_SCAN;
        op.action = PROTO_ACTION_CREATE;
        ASSERT_OK(proto_op_add_int(&op, "n", k));
        memcpy(op.prev_hash, prev, PROTO_HASH_LEN);
        ASSERT_OK(proto_op_encode(&op, enc[k], sizeof enc[k], &len[k]));
        proto_op_hash(enc[k], len[k], prev);
    }
    for (int k = 1; k < 3; k++) {
        proto_op op;
        ASSERT_OK(proto_op_decode(enc[k], len[k], &op));
        proto_op_hash(enc[k - 1], len[k - 1], h);
        ASSERT_MEM_EQ(op.prev_hash, h, PROTO_HASH_LEN);
    }
    /* Tamper with op 1's field value: its hash no longer matches op 2's. */
    proto_op op2;
    ASSERT_OK(proto_op_decode(enc[1], len[1], &op2));
    enc[0][len[0] - PROTO_HASH_LEN - 3] ^= 1;
    proto_op_hash(enc[0], len[0], h);
    ASSERT(memcmp(op2.prev_hash, h, PROTO_HASH_LEN) != 0);
}

static void test_names(void)
{
    int nkinds = 0, nactions = 0;
#define CHECK_KIND_(name, val, str)                                            \
    ASSERT_STR_EQ(proto_kind_name(val), str);                                  \
    ASSERT_EQ(proto_kind_from_name(str), val);                                 \
    nkinds++;
    PROTO_KIND_MAP(CHECK_KIND_)
#undef CHECK_KIND_
#define CHECK_ACTION_(name, val, str)                                          \
    ASSERT_STR_EQ(proto_action_name(val), str);                                \
    ASSERT_EQ(proto_action_from_name(str), val);                               \
    nactions++;
    PROTO_ACTION_MAP(CHECK_ACTION_)
#undef CHECK_ACTION_
    /* + the registers 8..12, holiday 42, roster 43, taskplan 44, tag_key 45 */
    ASSERT_EQ(nkinds, 26);
    ASSERT(proto_action_fits(PROTO_KIND_TAG_KEY, PROTO_ACTION_RETIRE));
    ASSERT(proto_action_fits(PROTO_KIND_ROSTER, PROTO_ACTION_RETIRE));
    /* + feedback, escalate, reply, assess, return, dispose, attach */
    ASSERT_EQ(nactions, 21);
    ASSERT(proto_action_fits(PROTO_KIND_SCAN, PROTO_ACTION_ATTACH));
    ASSERT(proto_action_fits(PROTO_KIND_TASK, PROTO_ACTION_ATTACH));
    ASSERT(!proto_action_fits(PROTO_KIND_STAFF, PROTO_ACTION_ATTACH));
    ASSERT(!proto_action_fits(PROTO_KIND_PII_ACCESS, PROTO_ACTION_ATTACH));
    ASSERT(proto_action_fits(PROTO_KIND_INCIDENT, PROTO_ACTION_ESCALATE));
    ASSERT(proto_action_fits(PROTO_KIND_INCIDENT, PROTO_ACTION_CLOSE));
    ASSERT(proto_action_fits(PROTO_KIND_OWNERKEY, PROTO_ACTION_RETURN));
    ASSERT(proto_action_fits(PROTO_KIND_LOSTFOUND, PROTO_ACTION_DISPOSE));
    ASSERT(proto_action_fits(PROTO_KIND_TASKPLAN, PROTO_ACTION_RETIRE));
    ASSERT(!proto_action_fits(PROTO_KIND_OWNERKEY, PROTO_ACTION_DISPOSE));
    ASSERT(!proto_action_fits(PROTO_KIND_VISIT, PROTO_ACTION_ESCALATE));
    ASSERT(!proto_action_fits(PROTO_KIND_TASK, PROTO_ACTION_RETURN));
    ASSERT(proto_action_fits(PROTO_KIND_WORKORDER, PROTO_ACTION_RECEIVE));
    /* A complaint's feedback, escalation, reply and assessment. */
    ASSERT(proto_action_fits(PROTO_KIND_WORKORDER, PROTO_ACTION_FEEDBACK));
    ASSERT(proto_action_fits(PROTO_KIND_WORKORDER, PROTO_ACTION_ESCALATE));
    ASSERT(proto_action_fits(PROTO_KIND_WORKORDER, PROTO_ACTION_REPLY));
    ASSERT(proto_action_fits(PROTO_KIND_WORKORDER, PROTO_ACTION_ASSESS));
    ASSERT(!proto_action_fits(PROTO_KIND_VISIT, PROTO_ACTION_REPLY));
    ASSERT(proto_action_fits(PROTO_KIND_HOLIDAY, PROTO_ACTION_RETIRE));
    ASSERT(!proto_action_fits(PROTO_KIND_HOLIDAY, PROTO_ACTION_FEEDBACK));
    ASSERT(!proto_action_fits(PROTO_KIND_VISIT, PROTO_ACTION_RECEIVE));
    ASSERT_STR_EQ(proto_kind_name(PROTO_KIND_WORKORDER), "workorder");
    ASSERT_STR_EQ(proto_action_name(PROTO_ACTION_DISPATCH), "dispatch");
    ASSERT(proto_kind_name(0) == NULL);
    ASSERT(proto_kind_name(13) == NULL);
    ASSERT(proto_kind_name(-1) == NULL);
    ASSERT(proto_action_name(5) == NULL);
    ASSERT_EQ(proto_kind_from_name("Scan"), 0);
    ASSERT_EQ(proto_kind_from_name(""), 0);
    ASSERT_EQ(proto_kind_from_name(NULL), 0);
    ASSERT_EQ(proto_action_from_name("dispatched"), 0);
    ASSERT_EQ(proto_action_from_name(NULL), 0);
}

static void test_entity(void)
{
    uint8_t id[PROTO_ENTITY_LEN], back[PROTO_ENTITY_LEN];
    char hex[33];
    const int64_t ms = 0x0123456789ab;
    ASSERT_OK(proto_entity_new(id, ms));
    static const uint8_t prefix[] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab};
    ASSERT_MEM_EQ(id, prefix, sizeof prefix);
    proto_entity_hex(id, hex);
    ASSERT_EQ(strlen(hex), 32);
    ASSERT(strncmp(hex, "0123456789ab", 12) == 0);
    for (int k = 0; k < 32; k++)
        ASSERT((hex[k] >= '0' && hex[k] <= '9') ||
               (hex[k] >= 'a' && hex[k] <= 'f'));
    ASSERT_OK(proto_entity_parse(hex, back));
    ASSERT_MEM_EQ(back, id, PROTO_ENTITY_LEN);

    /* Upper case is read too; anything but exactly 32 hex digits is not. */
    ASSERT_OK(proto_entity_parse("00112233445566778899AABBCCDDEEFF", back));
    ASSERT_EQ(back[15], 0xff);
    memset(back, 0x5a, sizeof back);
    ASSERT_ERR(proto_entity_parse("0011", back), RND_EINVAL);
    ASSERT_ERR(proto_entity_parse("", back), RND_EINVAL);
    ASSERT_ERR(proto_entity_parse("00112233445566778899aabbccddeef", back),
               RND_EINVAL);
    ASSERT_ERR(proto_entity_parse("00112233445566778899aabbccddeeff0", back),
               RND_EINVAL);
    ASSERT_ERR(proto_entity_parse("00112233445566778899aabbccddeefg", back),
               RND_EINVAL);
    ASSERT_ERR(proto_entity_parse(" 0112233445566778899aabbccddeeff", back),
               RND_EINVAL);
    ASSERT_ERR(proto_entity_parse(NULL, back), RND_EINVAL);
    ASSERT_EQ(back[0], 0x5a); /* a failed parse leaves out alone */

    /* ULID shape: ids sort by creation ms, bytewise and as hex strings. */
    uint8_t prev[PROTO_ENTITY_LEN];
    char prevhex[33];
    ASSERT_OK(proto_entity_new(prev, 1700000000000));
    proto_entity_hex(prev, prevhex);
    for (int k = 1; k < 200; k++) {
        ASSERT_OK(proto_entity_new(id, 1700000000000 + k * 37));
        proto_entity_hex(id, hex);
        ASSERT_LT(memcmp(prev, id, PROTO_ENTITY_LEN), 0);
        ASSERT_LT(strcmp(prevhex, hex), 0);
        memcpy(prev, id, sizeof id);
        memcpy(prevhex, hex, sizeof hex);
    }
    /* Two ids of the same ms differ in their random tail. */
    ASSERT_OK(proto_entity_new(id, 5));
    ASSERT_OK(proto_entity_new(back, 5));
    ASSERT_MEM_EQ(id, back, 6);
    ASSERT(memcmp(id + 6, back + 6, 10) != 0);
    ASSERT_ERR(proto_entity_new(id, -1), RND_EINVAL);
    ASSERT_ERR(proto_entity_new(id, (int64_t)1 << 48), RND_EINVAL);
    ASSERT_OK(proto_entity_new(id, ((int64_t)1 << 48) - 1));
}

static void test_random(void)
{
    static uint8_t a[4096], b[4096];
    ASSERT_OK(proto_random(a, 0));
    ASSERT_OK(proto_random(a, sizeof a));
    ASSERT_OK(proto_random(b, sizeof b));
    ASSERT(memcmp(a, b, sizeof a) != 0);
    ASSERT_ERR(proto_random(NULL, 4), RND_EINVAL);
}

static void test_hex(void)
{
    const uint8_t b[4] = {0x00, 0x9f, 0xa0, 0xff};
    char h[9];
    uint8_t back[4];
    proto_hex(b, sizeof b, h);
    ASSERT_STR_EQ(h, "009fa0ff");
    ASSERT_OK(proto_unhex(h, sizeof back, back));
    ASSERT(memcmp(b, back, sizeof b) == 0);
    ASSERT_OK(proto_unhex("0aXYZ", 1, back)); /* only 2n chars are read */
    ASSERT_EQ(back[0], 0x0a);
    ASSERT_ERR(proto_unhex("0A", 1, back), RND_EINVAL);
    ASSERT_ERR(proto_unhex("0g", 1, back), RND_EINVAL);
    ASSERT_ERR(proto_unhex("0", 1, back), RND_EINVAL); /* stops at the NUL */
    proto_hex(b, 0, h);
    ASSERT_STR_EQ(h, "");
}

int main(void)
{
    test_hex();
    test_round_trip();
    test_golden_bytes();
    test_sorting();
    test_duplicates();
    test_limits();
    test_hash_chain();
    test_names();
    test_entity();
    test_random();
    printf("test_proto_op: ok\n");
    return 0;
}
