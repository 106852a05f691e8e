/* gen_corpus.c: writes the seed corpus of the op_decode fuzz target.
 *
 * Usage: gen_corpus DIR   (normally tests/fuzz/corpus/op_decode)
 * The seeds are deterministic (fixed ids, clocks and hashes), so running it
 * again rewrites identical files: one valid op of every kind, with every
 * value type and each str/int length form, plus a few malformed and
 * non-canonical ones that start the fuzzer near the decoder's error paths.
 * The files named by a SHA-1 beside the seeds are inputs that reached new
 * coverage in fuzzing campaigns, merged in by scripts/fuzz.sh --merge;
 * crashers found by fuzzing belong there too, once fixed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

static const char *outdir;
static uint8_t enc[PROTO_OP_MAX_BYTES];
static char longstr[PROTO_FIELD_STR_MAX];

static void write_seed(const char *name, const uint8_t *p, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void check(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "gen_corpus: %s: %s\n", what, rnd_errname(rc));
        exit(1);
    }
}

static void header(proto_op *op, int kind, int action, uint64_t seq)
{
    proto_op_init(op);
    op->device_id = 0x0000000100000003u;
    op->seq = seq;
    op->wall_ms = 1764340000000 + (int64_t)seq * 1000;
    op->hlc = PROTO_HLC_MAKE(op->wall_ms, seq % 3);
    op->kind = (uint8_t)kind;
    op->action = (uint8_t)action;
    for (int k = 0; k < PROTO_ENTITY_LEN; k++)
        op->entity[k] =
            (uint8_t)(k < 6 ? (op->wall_ms >> (40 - 8 * k)) : 0x11 * k + kind);
    for (int k = 0; k < PROTO_HASH_LEN; k++)
        op->prev_hash[k] = seq == 1 ? 0 : (uint8_t)(0x3d * k + seq);
}

#define S(op, name, lit)                                                       \
    check(proto_op_add_str(op, name, lit, strlen(lit)), name)
#define I(op, name, v) check(proto_op_add_int(op, name, v), name)
#define B(op, name, v) check(proto_op_add_bool(op, name, v), name)
#define N(op, name) check(proto_op_add_nil(op, name), name)

/* One op per kind with fields a real one would carry. */
static void valid_seeds(void)
{
    proto_op op;
    uint64_t seq = 1;

    static const int kinds[] = {
#define KIND_VALUE_(name, val, str) val,
        PROTO_KIND_MAP(KIND_VALUE_)
#undef KIND_VALUE_
    };
    /* An action each kind plausibly takes, in the order of kinds[]. */
    static const int actions[] = {
        PROTO_ACTION_CREATE, PROTO_ACTION_EXIT, PROTO_ACTION_SET,
        PROTO_ACTION_DISPATCH, PROTO_ACTION_COMPLETE, PROTO_ACTION_ACK,
        PROTO_ACTION_CLOSE,
        /* registers: incident .. task */
        PROTO_ACTION_ESCALATE, PROTO_ACTION_RETURN, PROTO_ACTION_DISPOSE,
        PROTO_ACTION_CREATE, PROTO_ACTION_CREATE,
        /* master data */
        PROTO_ACTION_CREATE, PROTO_ACTION_SET, PROTO_ACTION_RETIRE,
        PROTO_ACTION_SET, PROTO_ACTION_CREATE, PROTO_ACTION_REFUSE,
        PROTO_ACTION_CREATE, PROTO_ACTION_CALLBACK, PROTO_ACTION_CREATE,
        PROTO_ACTION_RETIRE, PROTO_ACTION_CREATE, /* holiday */
        PROTO_ACTION_SET,    /* roster */
        PROTO_ACTION_CREATE, /* taskplan */
        PROTO_ACTION_CREATE, /* tag_key */
    };
    _Static_assert(sizeof kinds == sizeof actions, "one action per kind");
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        header(&op, kinds[k], actions[k], seq++);
        switch (kinds[k]) {
        case PROTO_KIND_SCAN:
            S(&op, "checkpoint", "0190f1a2b3c4d5e6f708192a3b4c5d6e");
            S(&op, "route", "north-loop");
            I(&op, "late_s", -45);
            B(&op, "nfc", 1);
            N(&op, "note");
            break;
        case PROTO_KIND_VISIT:
            S(&op, "name", "J. Tan");
            S(&op, "unit", "B-12-04");
            S(&op, "plate", "SGX1234A");
            I(&op, "party", 3);
            break;
        case PROTO_KIND_VEHICLE:
            S(&op, "plate", "WXY 9981");
            B(&op, "resident", 0);
            I(&op, "bay", 250);
            break;
        case PROTO_KIND_WORKORDER:
            S(&op, "place", "Block C lift lobby");
            S(&op, "category", "lighting");
            check(proto_op_add_str(&op, "description", longstr, 300),
                  "description");
            S(&op, "priority", "urgent");
            S(&op, "severity", "general");
            S(&op, "by", "guard-07");
            break;
        case PROTO_KIND_INSPECTION:
            S(&op, "unit", "A-03-11");
            B(&op, "water_off", 1);
            B(&op, "power_off", 0);
            I(&op, "photos", 70000);
            break;
        case PROTO_KIND_HANDOVER:
            check(proto_op_add_str(&op, "notes", longstr, PROTO_FIELD_STR_MAX),
                  "notes");
            S(&op, "to", "guard-11");
            break;
        case PROTO_KIND_DUTYLOG:
            I(&op, "at", 1764340000123);
            S(&op, "event", "on_duty");
            break;
        default:
            S(&op, "name", "\xe9\xa6\x99\xe6\xb8\xaf Tower \xe2\x9c\x93");
            I(&op, "order", (int64_t)k - 10);
            I(&op, "min", INT64_MIN);
            I(&op, "max", INT64_MAX);
            N(&op, "retired_at");
            break;
        }
        size_t len;
        check(proto_op_encode(&op, enc, sizeof enc, &len), "encode");
        char name[64];
        snprintf(name, sizeof name, "valid-%s-%s", proto_kind_name(op.kind),
                 proto_action_name(op.action));
        write_seed(name, enc, len);
    }

    /* The most fields an op may have, each of a different value type. */
    header(&op, PROTO_KIND_SITE, PROTO_ACTION_SET, seq++);
    static char names[PROTO_OP_MAX_FIELDS][8];
    for (int k = 0; k < PROTO_OP_MAX_FIELDS; k++) {
        snprintf(names[k], sizeof names[k], "f%02d", k);
        switch (k % 4) {
        case 0:
            I(&op, names[k], -(int64_t)k * 1000003);
            break;
        case 1:
            B(&op, names[k], k & 2);
            break;
        case 2:
            N(&op, names[k]);
            break;
        default:
            check(proto_op_add_str(&op, names[k], longstr, (size_t)k * 5),
                  names[k]);
        }
    }
    size_t len;
    check(proto_op_encode(&op, enc, sizeof enc, &len), "encode");
    write_seed("valid-max-fields", enc, len);
}

/* Malformed and non-canonical variants, edited from a small valid op. */
static void edited_seeds(void)
{
    proto_op op;
    size_t len;
    header(&op, PROTO_KIND_WORKORDER, PROTO_ACTION_CLOSE, 40);
    S(&op, "a", "x");
    S(&op, "b", "y");
    check(proto_op_encode(&op, enc, sizeof enc, &len), "encode");

    static uint8_t tmp[PROTO_OP_MAX_BYTES + 1];
    write_seed("bad-truncated", enc, len - 7);

    memcpy(tmp, enc, len);
    tmp[len] = 0xc0;
    write_seed("bad-trailing-byte", tmp, len + 1);

    memcpy(tmp, enc, len);
    tmp[1] = 0x02;
    write_seed("bad-version-2", tmp, len);

    /* Swap the two names so the map is out of order. */
    memcpy(tmp, enc, len);
    uint8_t *a = memchr(tmp, 'a', len);
    uint8_t *b = a ? memchr(a, 'b', (size_t)(tmp + len - a)) : NULL;
    if (a == NULL || b == NULL)
        check(RND_EINVAL, "field names not found");
    *a = 'b';
    *b = 'a';
    write_seed("bad-unsorted-names", tmp, len);

    /* Entity announced as 15 bytes. */
    memcpy(tmp, enc, len);
    uint8_t *bin = memchr(tmp, 0xc4, len);
    if (bin == NULL)
        check(RND_EINVAL, "entity not found");
    bin[1] = 15;
    write_seed("bad-entity-len", tmp, len);

    /* Valid but not canonical: every integer slot in its widest form and
     * the array length as array16. Decodes; re-encodes shorter. */
    static const uint8_t wide_head[] = {
        0xdc, 0x00, 0x0a, 0xcf, 0,    0,    0,    0,    0,
        0,    0,    1,                                        /* version */
        0xd3, 0,    0,    0,    0,    0,    0,    0,    9,    /* device_id */
        0xcf, 0,    0,    0,    0,    0,    0,    0,    1,    /* seq */
        0xcf, 0,    0,    0,    0,    0,    1,    0,    0,    /* hlc */
        0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, /* wall */
        0xcd, 0x00, 0x05,                                     /* kind */
        0xc6, 0,    0,    0,    16,                           /* entity */
    };
    static const uint8_t wide_tail[] = {
        0xd0, 0x01,             /* action */
        0xdf, 0,    0,    0, 2, /* fields */
        0xdb, 0,    0,    0, 1, 'k', 0xd1, 0xff, 0x00, 0xd9, 2,
        'k',  'k',  0xda, 0, 3, 'a', 'b',  'c',  0xc5, 0,    32, /* prev_hash */
    };
    size_t n = 0;
    memcpy(tmp + n, wide_head, sizeof wide_head);
    n += sizeof wide_head;
    memset(tmp + n, 0x42, PROTO_ENTITY_LEN);
    n += PROTO_ENTITY_LEN;
    memcpy(tmp + n, wide_tail, sizeof wide_tail);
    n += sizeof wide_tail;
    memset(tmp + n, 0x24, PROTO_HASH_LEN);
    n += PROTO_HASH_LEN;
    proto_op check_op;
    check(proto_op_decode(tmp, n, &check_op), "wide seed must decode");
    write_seed("valid-wide-ints", tmp, n);

    /* Negative device id: the wrong type for an unsigned slot. */
    tmp[12] = 0xff;
    write_seed("bad-negative-device", tmp, n);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    outdir = argv[1];
    memset(longstr, 'w', sizeof longstr);
    valid_seeds();
    edited_seeds();
    return 0;
}
