/* test_proto_decode_reject.c: the decoder against hand-built inputs, valid
 * and malformed. Each input is assembled from hex text, one slot of the
 * 10-element array at a time, so a test changes exactly the slot it is
 * about. Every input is decoded from a heap copy of exactly its length, so
 * ASan reports any read past the end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "test.h"

enum { ARR, VER, DEV, SEQ, HLC, WALL, KIND, ENT, ACT, FIELDS, PREV, TAIL, NS };

#define ENTITY_HEX "000102030405060708090a0b0c0d0e0f"
#define HASH_HEX ENTITY_HEX "101112131415161718191a1b1c1d1e1f"

/* A valid op: device 7, seq 3, hlc (1 ms, counter 2), wall 1024, a
 * workorder dispatch with fields {"a": 12, "b": true, "c": nil, "d": "hi"}.
 */
static const char *const base[NS] = {
    [ARR] = "9a",
    [VER] = "01",
    [DEV] = "07",
    [SEQ] = "03",
    [HLC] = "ce00010002",
    [WALL] = "cd0400",
    [KIND] = "04",
    [ENT] = "c410" ENTITY_HEX,
    [ACT] = "0a",
    [FIELDS] = "84a1610ca162c3a163c0a164a26869",
    [PREV] = "c420" HASH_HEX,
    [TAIL] = "",
};

/* The action slot: base's, or create while decode_create_with runs. */
static const char *base_act = "0a";

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; hex[0] != '\0'; hex += 2) {
        unsigned v;
        if (hex[1] == '\0' || sscanf(hex, "%2x", &v) != 1 || n >= cap)
            TEST_FAIL_("bad hex in test input: %s", hex);
        out[n++] = (uint8_t)v;
    }
    return n;
}

/* Builds base with slot `which` replaced by `hex` (which < 0: no change)
 * into a malloc'd buffer of exactly the input's length. */
static uint8_t *build(int which, const char *hex, size_t *len)
{
    static uint8_t tmp[PROTO_OP_MAX_BYTES * 2];
    size_t n = 0;
    for (int k = 0; k < NS; k++)
        n += unhex(k == which ? hex
                   : k == ACT ? base_act
                              : base[k],
                   tmp + n, sizeof tmp - n);
    uint8_t *p = malloc(n ? n : 1);
    ASSERT(p != NULL);
    memcpy(p, tmp, n);
    *len = n;
    return p;
}

static int decode_with(int which, const char *hex);

/* Decodes base as a create (fits every kind) with slot `which` replaced. */
static int decode_create_with(int which, const char *hex)
{
    const char *saved = base_act;
    base_act = "01";
    int rc = decode_with(which, hex);
    base_act = saved;
    return rc;
}

static int decode_with(int which, const char *hex)
{
    proto_op op;
    size_t len;
    uint8_t *buf = build(which, hex, &len);
    int rc = proto_op_decode_strict(buf, len, &op);
    if (rc != 0)
        ASSERT_EQ(op.nfields, 0);
    /* The lenient decoder (for ops already stored) accepts what the
     * strict one does, and differs only by the admission rules
     * (RND_EMALFORMED; RND_EFIELD: the text rules). */
    int lenient = proto_op_decode(buf, len, &op);
    if (rc == 0)
        ASSERT_OK(lenient);
    else if (rc != RND_EMALFORMED && rc != RND_EFIELD)
        ASSERT_ERR(lenient, rc);
    free(buf);
    return rc;
}

/* Decodes raw bytes from an exact-size heap copy. */
static int decode_raw(const uint8_t *bytes, size_t len, proto_op *op)
{
    uint8_t *p = malloc(len ? len : 1);
    ASSERT(p != NULL);
    if (len > 0)
        memcpy(p, bytes, len);
    int rc = proto_op_decode_strict(p, len, op);
    free(p);
    return rc;
}

static void test_base_is_valid(void)
{
    proto_op op;
    size_t len;
    uint8_t *buf = build(-1, NULL, &len);
    ASSERT_OK(proto_op_decode(buf, len, &op));
    ASSERT_EQ(op.version, 1);
    ASSERT_U64_EQ(op.device_id, 7);
    ASSERT_U64_EQ(op.seq, 3);
    ASSERT_U64_EQ(op.hlc, PROTO_HLC_MAKE(1, 2));
    ASSERT_EQ(op.wall_ms, 1024);
    ASSERT_EQ(op.kind, PROTO_KIND_WORKORDER);
    ASSERT_EQ(op.action, PROTO_ACTION_DISPATCH);
    ASSERT_EQ(op.entity[15], 0x0f);
    ASSERT_EQ(op.prev_hash[31], 0x1f);
    ASSERT_EQ(op.nfields, 4);
    ASSERT_EQ(op.fields[0].type, PROTO_INT);
    ASSERT_EQ(op.fields[0].i, 12);
    ASSERT_EQ(op.fields[1].type, PROTO_BOOL);
    ASSERT_EQ(op.fields[1].i, 1);
    ASSERT_EQ(op.fields[2].type, PROTO_NIL);
    ASSERT_EQ(op.fields[3].type, PROTO_STR);
    ASSERT_EQ(op.fields[3].str_len, 2);
    ASSERT_MEM_EQ(op.fields[3].str, "hi", 2);
    ASSERT((const uint8_t *)op.fields[3].str > buf &&
           (const uint8_t *)op.fields[3].str < buf + len);
    free(buf);
}

/* Cutting a valid op short anywhere, the empty input included, is
 * ETRUNC; an encoder-made op with long strings is cut at every byte too. */
static void test_truncation(void)
{
    proto_op op;
    size_t len;
    uint8_t *full = build(-1, NULL, &len);
    for (size_t cut = 0; cut < len; cut++)
        ASSERT_ERR(decode_raw(full, cut, &op), RND_ETRUNC);
    free(full);

    static char big[300];
    memset(big, 'z', sizeof big);
    static uint8_t enc[PROTO_OP_MAX_BYTES];
    proto_op_init(&op);
    op.device_id = UINT64_MAX;
    op.seq = 1u << 20;
    op.hlc = PROTO_HLC_MAKE(1700000000000, 65535);
    op.wall_ms = INT64_MIN;
    op.kind = PROTO_KIND_PII_KEY;
    op.action = PROTO_ACTION_RETIRE;
    ASSERT_OK(proto_op_add_str(&op, "big", big, sizeof big));
    ASSERT_OK(proto_op_add_str(&op, "mid", big, 40));
    ASSERT_OK(proto_op_add_int(&op, "neg", -70000));
    ASSERT_OK(proto_op_add_bool(&op, "no", 0));
    ASSERT_OK(proto_op_encode(&op, enc, sizeof enc, &len));
    ASSERT_OK(decode_raw(enc, len, &op));
    for (size_t cut = 0; cut < len; cut++)
        ASSERT_ERR(decode_raw(enc, cut, &op), RND_ETRUNC);
}

/* Any valid MessagePack integer encoding is read in integer slots. */
/* Integers in an op must be in their shortest form, as msgpack-c writes
 * them (docs/DATA-MODEL.md): any longer encoding of the same value is
 * EMALFORMED, so every op has one encoding. */
static void test_int_encodings(void)
{
    static const char *seven[] = {
        "cc07", "cd0007", "ce00000007", "cf0000000000000007",
        "d007", "d10007", "d200000007", "d30000000000000007"};
    ASSERT_OK(decode_with(DEV, "07"));
    ASSERT_OK(decode_with(SEQ, "07"));
    for (size_t k = 0; k < sizeof seven / sizeof seven[0]; k++) {
        ASSERT_ERR(decode_with(DEV, seven[k]), RND_EMALFORMED);
        ASSERT_ERR(decode_with(SEQ, seven[k]), RND_EMALFORMED);
        ASSERT_ERR(decode_with(KIND, seven[k]), RND_EMALFORMED);
    }
    ASSERT_ERR(decode_with(VER, "cc01"), RND_EMALFORMED);
    /* The boundaries: the smallest value of each longer form is accepted,
     * the one below it (which fits the shorter form) is not. */
    ASSERT_OK(decode_with(DEV, "cc80"));
    ASSERT_ERR(decode_with(DEV, "cc7f"), RND_EMALFORMED);
    ASSERT_OK(decode_with(DEV, "cd0100"));
    ASSERT_ERR(decode_with(DEV, "cd00ff"), RND_EMALFORMED);
    ASSERT_OK(decode_with(DEV, "ce00010000"));
    ASSERT_ERR(decode_with(DEV, "ce0000ffff"), RND_EMALFORMED);
    ASSERT_OK(decode_with(DEV, "cf0000000100000000"));
    ASSERT_ERR(decode_with(DEV, "cf00000000ffffffff"), RND_EMALFORMED);
    ASSERT_OK(decode_with(WALL, "d0df"));                    /* -33 */
    ASSERT_ERR(decode_with(WALL, "d0e0"), RND_EMALFORMED);   /* -32: fixint */
    ASSERT_OK(decode_with(WALL, "d1ff7f"));                  /* -129 */
    ASSERT_ERR(decode_with(WALL, "d1ff80"), RND_EMALFORMED); /* -128 */
    ASSERT_OK(decode_with(WALL, "d2ffff7fff"));              /* -32769 */
    ASSERT_ERR(decode_with(WALL, "d2ffff8000"), RND_EMALFORMED);
    ASSERT_OK(decode_with(WALL, "d3ffffffff7fffffff"));
    ASSERT_ERR(decode_with(WALL, "d3ffffffff80000000"), RND_EMALFORMED);
    ASSERT_ERR(decode_with(FIELDS, "81a161d07f"), RND_EMALFORMED); /* 127 */
    /* Stored ops are read with the lenient decoder: any form. */
    proto_op lop;
    size_t llen;
    uint8_t *lbuf = build(DEV, "cf0000000000000007", &llen);
    ASSERT_OK(proto_op_decode(lbuf, llen, &lop));
    ASSERT_U64_EQ(lop.device_id, 7);
    free(lbuf);

    static const char *minus_one[] = {"d0ff", "d1ffff", "d2ffffffff",
                                      "d3ffffffffffffffff"};
    ASSERT_OK(decode_with(WALL, "ff"));
    ASSERT_ERR(decode_with(DEV, "ff"), RND_ETYPE);
    ASSERT_ERR(decode_with(SEQ, "ff"), RND_ETYPE);
    ASSERT_ERR(decode_with(HLC, "ff"), RND_ETYPE);
    ASSERT_ERR(decode_with(VER, "ff"), RND_ETYPE);
    ASSERT_ERR(decode_with(KIND, "ff"), RND_ETYPE);
    for (size_t k = 0; k < sizeof minus_one / sizeof minus_one[0]; k++)
        ASSERT_ERR(decode_with(WALL, minus_one[k]), RND_EMALFORMED);
    proto_op op;
    size_t len;
    uint8_t *buf = build(WALL, "d38000000000000000", &len);
    ASSERT_OK(proto_op_decode(buf, len, &op));
    ASSERT_EQ(op.wall_ms, INT64_MIN);
    free(buf);
    buf = build(DEV, "cfffffffffffffffff", &len);
    ASSERT_OK(proto_op_decode(buf, len, &op));
    ASSERT_U64_EQ(op.device_id, UINT64_MAX);
    free(buf);
    buf = build(FIELDS, "81a161d1ff7f", &len);
    ASSERT_OK(proto_op_decode(buf, len, &op));
    ASSERT_EQ(op.fields[0].i, -129);
    free(buf);

    /* A uint64 above INT64_MAX does not fit the signed slots. */
    ASSERT_ERR(decode_with(WALL, "cf8000000000000000"), RND_ETOOBIG);
    ASSERT_ERR(decode_with(FIELDS, "81a161cf8000000000000000"), RND_ETOOBIG);
    ASSERT_OK(decode_with(FIELDS, "81a161cf7fffffffffffffff"));
}

/* An action must fit its kind; seq and HLC are never 0. */
static void test_op_rules(void)
{
    ASSERT_ERR(decode_with(KIND, "07"), RND_EMALFORMED); /* dutylog dispatch */
    ASSERT_ERR(decode_with(KIND, "01"), RND_EMALFORMED); /* scan dispatch */
    ASSERT_OK(decode_with(ACT, "01"));                   /* create */
    ASSERT_OK(decode_with(ACT, "02"));                   /* set */
    ASSERT_ERR(decode_with(ACT, "03"), RND_EMALFORMED);  /* exit */
    ASSERT_ERR(decode_with(ACT, "14"), RND_EMALFORMED);  /* ack */
    ASSERT_ERR(decode_with(ACT, "1e"), RND_EMALFORMED);  /* retire */
    ASSERT_OK(decode_with(ACT, "10"));                   /* reopen */
    ASSERT_ERR(decode_with(SEQ, "00"), RND_EMALFORMED);
    ASSERT_ERR(decode_with(HLC, "00"), RND_EMALFORMED);
    ASSERT_OK(decode_with(HLC, "01"));
    proto_op op;
    size_t len;
    uint8_t *buf = build(KIND, "07", &len); /* a dutylog dispatch, stored */
    ASSERT_OK(proto_op_decode(buf, len, &op));
    free(buf);
    for (int kind = 0; kind < 256; kind++)
        for (int action = 0; action < 256; action++)
            if (proto_action_fits(kind, action))
                ASSERT(proto_kind_name(kind) && proto_action_name(action));
    ASSERT(proto_action_fits(PROTO_KIND_BLACKLIST, PROTO_ACTION_RETIRE));
    ASSERT(proto_action_fits(PROTO_KIND_PII_KEY, PROTO_ACTION_RETIRE));
    ASSERT(!proto_action_fits(PROTO_KIND_PII_ACCESS, PROTO_ACTION_RETIRE));
    ASSERT(proto_action_fits(PROTO_KIND_VEHICLE, PROTO_ACTION_EXIT));
    ASSERT(!proto_action_fits(PROTO_KIND_VEHICLE, PROTO_ACTION_REFUSE));
}

static void test_wrong_types(void)
{
    ASSERT_ERR(decode_with(ARR, "8a"), RND_ETYPE);   /* map, not array */
    ASSERT_ERR(decode_with(ARR, "c0"), RND_ETYPE);   /* nil */
    ASSERT_ERR(decode_with(VER, "a131"), RND_ETYPE); /* "1" */
    ASSERT_ERR(decode_with(VER, "c3"), RND_ETYPE);   /* true */
    ASSERT_ERR(decode_with(DEV, "cb3ff0000000000000"), RND_ETYPE); /* 1.0 */
    ASSERT_ERR(decode_with(SEQ, "ca3f800000"), RND_ETYPE);         /* 1.0f */
    ASSERT_ERR(decode_with(HLC, "c0"), RND_ETYPE);
    ASSERT_ERR(decode_with(WALL, "c2"), RND_ETYPE);
    ASSERT_ERR(decode_with(KIND, "a453636e"), RND_ETYPE);
    ASSERT_ERR(decode_with(ENT, "b0" ENTITY_HEX), RND_ETYPE); /* str */
    ASSERT_ERR(decode_with(ENT, "dc0000"), RND_ETYPE);
    ASSERT_ERR(decode_with(ACT, "c1"), RND_ETYPE);    /* never-used tag */
    ASSERT_ERR(decode_with(FIELDS, "90"), RND_ETYPE); /* array, not map */
    ASSERT_ERR(decode_with(FIELDS, "c0"), RND_ETYPE);
    ASSERT_ERR(decode_with(PREV, "d9"
                                 "20" HASH_HEX),
               RND_ETYPE);
    ASSERT_ERR(decode_with(PREV, "d70000000000000000"), RND_ETYPE); /* ext */
    /* Keys must be str; values nil, bool, int or str. */
    ASSERT_ERR(decode_with(FIELDS, "810101"), RND_ETYPE);
    ASSERT_ERR(decode_with(FIELDS, "81c40161"
                                   "01"),
               RND_ETYPE);
    ASSERT_ERR(decode_with(FIELDS, "81a161c40100"), RND_ETYPE);
    ASSERT_ERR(decode_with(FIELDS, "81a16190"), RND_ETYPE);
    ASSERT_ERR(decode_with(FIELDS, "81a16180"), RND_ETYPE);
    ASSERT_ERR(decode_with(FIELDS, "81a161cb0000000000000000"), RND_ETYPE);
    ASSERT_ERR(decode_with(FIELDS, "81a161d40000"), RND_ETYPE); /* fixext */
    ASSERT_ERR(decode_with(FIELDS, "81a161c1"), RND_ETYPE);
}

static void test_version(void)
{
    ASSERT_ERR(decode_with(VER, "02"), RND_EVERSION);
    ASSERT_ERR(decode_with(VER, "00"), RND_EVERSION);
    ASSERT_ERR(decode_with(VER, "cd0101"), RND_EVERSION);
    ASSERT_ERR(decode_with(VER, "cfffffffffffffffff"), RND_EVERSION);
    /* A later format may have a different number of slots: the version
     * is still what is reported. */
    ASSERT_ERR(decode_with(ARR, "9b"), RND_EMALFORMED);
    size_t len;
    uint8_t *buf = build(ARR, "9b", &len);
    buf[1] = 0x02;
    proto_op op;
    ASSERT_ERR(proto_op_decode(buf, len, &op), RND_EVERSION);
    /* Checked as soon as read: a version-2 op cut after its version. */
    ASSERT_ERR(proto_op_decode(buf, 2, &op), RND_EVERSION);
    free(buf);
}

static void test_array_and_codes(void)
{
    ASSERT_OK(decode_with(ARR, "dc000a"));     /* array16 of 10 */
    ASSERT_OK(decode_with(ARR, "dd0000000a")); /* array32 of 10 */
    ASSERT_ERR(decode_with(ARR, "99"), RND_EMALFORMED);
    ASSERT_ERR(decode_with(ARR, "dc0009"), RND_EMALFORMED);
    proto_op op;
    static const uint8_t empty_array[] = {0x90};
    ASSERT_ERR(decode_raw(empty_array, 1, &op), RND_EMALFORMED);

    ASSERT_ERR(decode_with(KIND, "00"), RND_EMALFORMED);
    ASSERT_ERR(decode_with(KIND, "08"), RND_EMALFORMED);
    ASSERT_ERR(decode_with(KIND, "2a"), RND_EMALFORMED);
    ASSERT_ERR(decode_with(KIND, "cd0101"), RND_EMALFORMED); /* 257 */
    ASSERT_OK(decode_create_with(KIND, "20"));               /* site */
    ASSERT_OK(decode_create_with(KIND, "28"));               /* pii_access */
    ASSERT_OK(decode_create_with(KIND, "29"));               /* pii_key */
    ASSERT_ERR(decode_with(ACT, "00"), RND_EMALFORMED);
    ASSERT_ERR(decode_with(ACT, "05"), RND_EMALFORMED);
    ASSERT_ERR(decode_with(ACT, "cd011e"), RND_EMALFORMED); /* 286 */
    ASSERT_ERR(decode_with(ACT, "1e"),
               RND_EMALFORMED); /* a workorder's retire */
}

static void test_bin_lengths(void)
{
    ASSERT_OK(decode_with(ENT, "c50010" ENTITY_HEX));
    ASSERT_OK(decode_with(ENT, "c600000010" ENTITY_HEX));
    ASSERT_OK(decode_with(PREV, "c50020" HASH_HEX));
    ASSERT_ERR(decode_with(ENT, "c40f000102030405060708090a0b0c0d0e"),
               RND_EMALFORMED);
    ASSERT_ERR(decode_with(ENT, "c411" ENTITY_HEX "10"), RND_EMALFORMED);
    ASSERT_ERR(decode_with(ENT, "c400"), RND_EMALFORMED);
    ASSERT_ERR(decode_with(PREV, "c410" ENTITY_HEX), RND_EMALFORMED);
    ASSERT_ERR(decode_with(PREV, "c421" HASH_HEX "20"), RND_EMALFORMED);
}

static void test_field_names(void)
{
    /* Strictly ascending bytewise, a proper prefix first. */
    ASSERT_OK(decode_with(FIELDS, "82a16101a2616101"));
    ASSERT_ERR(decode_with(FIELDS, "82a2616101a16101"), RND_EMALFORMED);
    ASSERT_ERR(decode_with(FIELDS, "82a16201a16101"), RND_EMALFORMED);
    ASSERT_ERR(decode_with(FIELDS, "82a16101a16102"), RND_EMALFORMED);
    ASSERT_OK(decode_with(FIELDS, "82a17a01a2c3a901")); /* 0xc3 > 'z' */
    ASSERT_ERR(decode_with(FIELDS, "82a2c3a901a17a01"), RND_EMALFORMED);
    ASSERT_ERR(decode_with(FIELDS, "83a16101a16301a16201"), RND_EMALFORMED);
    ASSERT_ERR(decode_with(FIELDS, "81a001"), RND_EMALFORMED); /* "" */
    /* Any str header length form may carry a name. */
    ASSERT_OK(decode_with(FIELDS, "81d9016101"));
    ASSERT_OK(decode_with(FIELDS, "81da00016101"));
    ASSERT_OK(decode_with(FIELDS, "81db000000016101"));
    ASSERT_OK(decode_with(FIELDS, "80"));
    ASSERT_OK(decode_with(FIELDS, "de0000"));
    ASSERT_OK(decode_with(FIELDS, "df00000001a16101"));
}

/* Builds a fields slot of n int fields named f00, f01, ... */
static void many_fields(char *hex, int n)
{
    char *p = hex + sprintf(hex, "de%04x", n);
    for (int k = 0; k < n; k++)
        p += sprintf(p, "a366%02x%02x%02x", '0' + k / 10, '0' + k % 10, k);
}

static void test_limits(void)
{
    static char hex[PROTO_OP_MAX_BYTES * 3];
    many_fields(hex, PROTO_OP_MAX_FIELDS);
    ASSERT_OK(decode_with(FIELDS, hex));
    many_fields(hex, PROTO_OP_MAX_FIELDS + 1);
    ASSERT_ERR(decode_with(FIELDS, hex), RND_ETOOBIG);

    /* A 32-byte name passes, 33 bytes do not. */
    char *p = hex + sprintf(hex, "81bf"); /* fixstr of 31 */
    for (int k = 0; k < 31; k++)
        p += sprintf(p, "61");
    sprintf(p, "01");
    ASSERT_OK(decode_with(FIELDS, hex));
    p = hex + sprintf(hex, "81d920");
    for (int k = 0; k < 32; k++)
        p += sprintf(p, "61");
    sprintf(p, "01");
    ASSERT_OK(decode_with(FIELDS, hex));
    p = hex + sprintf(hex, "81d921");
    for (int k = 0; k < 33; k++)
        p += sprintf(p, "61");
    sprintf(p, "01");
    ASSERT_ERR(decode_with(FIELDS, hex), RND_ETOOBIG);

    /* A 4096-byte string value passes, 4097 bytes do not. */
    p = hex + sprintf(hex, "81a161da%04x", PROTO_FIELD_STR_MAX);
    for (int k = 0; k < PROTO_FIELD_STR_MAX; k++)
        p += sprintf(p, "78");
    ASSERT_OK(decode_with(FIELDS, hex));
    p = hex + sprintf(hex, "81a161da%04x", PROTO_FIELD_STR_MAX + 1);
    for (int k = 0; k <= PROTO_FIELD_STR_MAX; k++)
        p += sprintf(p, "78");
    ASSERT_ERR(decode_with(FIELDS, hex), RND_ETOOBIG);

    /* Input over PROTO_OP_MAX_BYTES is refused before it is read. */
    proto_op op;
    uint8_t *big = calloc(1, PROTO_OP_MAX_BYTES + 1);
    ASSERT(big != NULL);
    ASSERT_ERR(proto_op_decode(big, PROTO_OP_MAX_BYTES + 1, &op), RND_ETOOBIG);
    free(big);
    ASSERT_ERR(proto_op_decode(NULL, 0, &op), RND_ETRUNC);
    ASSERT_ERR(proto_op_decode(NULL, 5, &op), RND_EINVAL);
    ASSERT_ERR(proto_op_decode((const uint8_t *)"\x9a", 1, NULL), RND_EINVAL);
}

/* Lengths announced past the end of the input: over a limit they are
 * ETOOBIG (or EMALFORMED where only one length is legal), within the limits
 * ETRUNC; none is trusted enough to read. */
static void test_oversized_lengths(void)
{
    ASSERT_ERR(decode_with(FIELDS, "81a161dbffffffff"), RND_ETOOBIG);
    ASSERT_ERR(decode_with(FIELDS, "81dbffffffff"), RND_ETOOBIG);
    ASSERT_ERR(decode_with(FIELDS, "dfffffffff"), RND_ETOOBIG);
    ASSERT_ERR(decode_with(FIELDS, "deffff"), RND_ETOOBIG);
    ASSERT_ERR(decode_with(ARR, "ddffffffff"), RND_EMALFORMED);
    ASSERT_ERR(decode_with(ENT, "c6ffffffff"), RND_EMALFORMED);
    ASSERT_ERR(decode_with(PREV, "c5ffff"), RND_EMALFORMED);

    /* Within the limits but past the end of the buffer. */
    proto_op op;
    static const uint8_t str_past_end[] = {
        0x9a, 0x01, 0x07, 0x03, 0x01, 0x01, 0x04, 0xc4, 0x10, 0,    0, 0,
        0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0, 0,
        0,    0x0a, 0x81, 0xa1, 0x61, 0xda, 0x0f, 0xa0, 0x78, 0x78,
    };
    ASSERT_ERR(decode_raw(str_past_end, sizeof str_past_end, &op), RND_ETRUNC);
    static const uint8_t map_past_end[] = {
        0x9a, 0x01, 0x07, 0x03, 0x01, 0x01, 0x04, 0xc4, 0x10, 0,    0,
        0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
        0,    0,    0,    0x0a, 0xde, 0x00, 0x30, 0xa1, 0x61, 0x01,
    };
    ASSERT_ERR(decode_raw(map_past_end, sizeof map_past_end, &op), RND_ETRUNC);
    static const uint8_t name_past_end[] = {
        0x9a, 0x01, 0x07, 0x03, 0x01, 0x01, 0x04, 0xc4, 0x10, 0,
        0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
        0,    0,    0,    0,    0,    0x0a, 0x81, 0xbf, 0x61,
    };
    ASSERT_ERR(decode_raw(name_past_end, sizeof name_past_end, &op),
               RND_ETRUNC);
}

static void test_trailing(void)
{
    ASSERT_ERR(decode_with(TAIL, "00"), RND_EMALFORMED);
    ASSERT_ERR(decode_with(TAIL, "c0"), RND_EMALFORMED);
    /* Two valid ops back to back are not one op. */
    size_t len;
    uint8_t *one = build(-1, NULL, &len);
    uint8_t *two = malloc(2 * len);
    ASSERT(two != NULL);
    memcpy(two, one, len);
    memcpy(two + len, one, len);
    proto_op op;
    ASSERT_ERR(proto_op_decode(two, 2 * len, &op), RND_EMALFORMED);
    ASSERT_OK(proto_op_decode(two, len, &op));
    free(one);
    free(two);
}

/* Text of a new op (docs/DATA-MODEL.md, "Text"): field names and string
 * values are well-formed UTF-8 without control characters (values may
 * hold LF and TAB); anything else is RND_EFIELD from the strict decoder,
 * while the lenient one still reads what old stores hold. */
static void test_text(void)
{
    /* {"a": "沪A12345"}, {"a": "a\nb\tc"} */
    ASSERT_OK(decode_with(FIELDS, "81a161a9e6b2aa413132333435"));
    ASSERT_OK(decode_with(FIELDS, "81a161a5610a620963"));
    /* "bad \xff", a cut sequence "guard-\xc3", an overlong '/', a
     * surrogate, past U+10FFFF, a stray continuation byte */
    const char *bad[] = {"81a161a562616420ff", "81a161a7677561726420c3",
                         "81a161a2c0af",       "81a161a3eda080",
                         "81a161a4f4908080",   "81a161a180"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        ASSERT_ERR(decode_with(FIELDS, bad[k]), RND_EFIELD);
    /* control characters: NUL, ESC, CR, DEL, U+009B (CSI) */
    const char *ctl[] = {"81a161a3610062", "81a161a3611b62", "81a161a3610d62",
                         "81a161a3617f62", "81a161a2c29b"};
    for (size_t k = 0; k < sizeof ctl / sizeof ctl[0]; k++)
        ASSERT_ERR(decode_with(FIELDS, ctl[k]), RND_EFIELD);
    /* a field name: one line of UTF-8 */
    ASSERT_ERR(decode_with(FIELDS, "81a1ff01"), RND_EFIELD);
    ASSERT_ERR(decode_with(FIELDS, "81a20a6101"), RND_EFIELD);
    /* the lenient decoder reads the bad bytes (old stores) */
    size_t len;
    proto_op op;
    uint8_t *buf = build(FIELDS, "81a161a562616420ff", &len);
    ASSERT_OK(proto_op_decode(buf, len, &op));
    free(buf);
}

int main(void)
{
    test_base_is_valid();
    test_truncation();
    test_int_encodings();
    test_op_rules();
    test_wrong_types();
    test_version();
    test_array_and_codes();
    test_bin_lengths();
    test_field_names();
    test_limits();
    test_oversized_lengths();
    test_trailing();
    test_text();
    printf("test_proto_decode_reject: ok\n");
    return 0;
}
