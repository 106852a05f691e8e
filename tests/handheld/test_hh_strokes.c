/* test_hh_strokes.c: drawn signatures (issue 16): the text of
 * proto/strokes.c (normal form, every refusal at its byte, the 4000-byte
 * bound) and the field signature_strokes through hh_record: a work order's
 * completion stores the normal form; a bad drawing is RND_EFIELD naming
 * signature_strokes and the byte, with nothing written; nothing drawn is
 * no field; a callback carries strokes only when door-to-door. */
#include <string.h>

#include "../../handheld/handheld.h"
#include "../../proto/strokes.h"
#include "../../storage/fold.h"
#include "test.h"

static char out[PROTO_STROKES_MAX + 8];

/* Normalises s; returns the rc, the normal form in out. */
static int norm(const char *s, size_t *at, const char **why,
                proto_strokes_info *info)
{
    size_t len;
    return proto_strokes_norm(s, strlen(s), out, sizeof out, &len, info, at,
                              why);
}

static void test_text(void)
{
    proto_strokes_info info;
    size_t at;
    const char *why;
    ASSERT_OK(norm("12,40 13,42 20,51;300,200 310,190", &at, &why, &info));
    ASSERT_STR_EQ(out, "12,40 13,42 20,51;300,200 310,190");
    ASSERT_EQ(info.strokes, 2);
    ASSERT_EQ(info.points, 5);
    /* Blanks, empty strokes and leading zeros are normalised away. */
    ASSERT_OK(norm(" 007,0\t 999,399 ;; 5,5;\n", &at, &why, &info));
    ASSERT_STR_EQ(out, "7,0 999,399;5,5");
    ASSERT_EQ(info.strokes, 2);
    ASSERT_EQ(proto_strokes_count(out, strlen(out)), 2);
    /* Nothing drawn. */
    ASSERT_OK(norm(" ;; ", &at, &why, &info));
    ASSERT_STR_EQ(out, "");
    ASSERT_EQ(info.strokes, 0);
    /* Refusals at the byte at fault. */
    static const struct {
        const char *in;
        size_t at;
        const char *why;
    } bad[] = {
        {"1,2 1000,0", 4, "x past 999"}, {"1,2;0,400", 6, "y past 399"},
        {"1,2 3", 5, "expected ','"},    {"1,2;x", 4, "expected a digit"},
        {"1,2,3", 3, "after a point"},   {"12345,1", 4, "longer than 4"},
        {"-1,2", 0, "expected a digit"}, {"1,", 2, "cut short"},
        {"1;2", 1, "expected ','"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        at = 99;
        why = NULL;
        ASSERT_ERR(norm(bad[i].in, &at, &why, &info), RND_EFIELD);
        ASSERT_EQ(at, bad[i].at);
        ASSERT(why && strstr(why, bad[i].why) != NULL);
    }
    /* Bounded: 4000 bytes taken, 4001 refused. */
    char big[PROTO_STROKES_MAX + 2];
    memset(big, ' ', sizeof big);
    memcpy(big, "1,1", 3);
    big[PROTO_STROKES_MAX] = '\0';
    ASSERT_OK(norm(big, &at, &why, &info));
    ASSERT_STR_EQ(out, "1,1");
    big[PROTO_STROKES_MAX] = ' ';
    big[PROTO_STROKES_MAX + 1] = '\0';
    ASSERT_ERR(norm(big, &at, &why, &info), RND_EFIELD);
    ASSERT_EQ(at, PROTO_STROKES_MAX);
    /* A short buffer is said, not overrun. */
    size_t len;
    ASSERT_ERR(proto_strokes_norm("1,1", 3, out, 3, &len, NULL, NULL, NULL),
               RND_ENOSPACE);
}

static hh *h;
static int64_t fake_now = 1795860000000;
static int64_t clock_fn(void *ctx)
{
    (void)ctx;
    return fake_now += 60000;
}

static int rec(const char *verb, const char *target, const hh_kv *kv, size_t n,
               char hex[33])
{
    uint8_t id[HH_ID_LEN];
    int rc = hh_record(h, verb, target, kv, n, id, NULL);
    if (rc == 0 && hex)
        hh_id_hex(id, hex);
    return rc;
}

static char field[PROTO_STROKES_MAX + 1];
static const char *want;
static int field_cb(const hh_entity *e, void *ctx)
{
    (void)ctx;
    hh_value v;
    field[0] = '\0';
    if (hh_entity_field(e, want, &v) == 0 && v.type == HH_VAL_STR)
        snprintf(field, sizeof field, "%.*s", (int)v.str_len, v.str);
    else
        snprintf(field, sizeof field, "(none)");
    return 0;
}

static const char *field_of(const char *hex, const char *name)
{
    want = name;
    ASSERT_OK(hh_get(h, hex, field_cb, NULL));
    return field;
}

static uint64_t own_ops(void)
{
    hh_status_info st;
    ASSERT_OK(hh_status(h, &st));
    return st.own_ops;
}

/* An order taken to arrived; its id in hex. */
static void arrived(char hex[33])
{
    hh_kv c[] = {
        {"place", "1-1-101"}, {"category", "plumbing"}, {"description", "tap"}};
    ASSERT_OK(rec("workorder.create", NULL, c, 3, hex));
    hh_kv d[] = {{"assignee", "guard-li"}};
    ASSERT_OK(rec("workorder.dispatch", hex, d, 1, NULL));
    ASSERT_OK(rec("workorder.arrive", hex, NULL, 0, NULL));
}

static void test_records(void)
{
    char wo[33], wo2[33];
    arrived(wo);
    /* A bad drawing: named, with its byte; nothing written. */
    uint64_t before = own_ops();
    hh_kv bad[] = {{"signature", "Li"},
                   {"labour_min", "20"},
                   {"signature_strokes", "10,10 20,20;30,500"}};
    ASSERT_ERR(rec("workorder.complete", wo, bad, 3, NULL), RND_EFIELD);
    ASSERT(strstr(hh_last_error(h), "'signature_strokes'") != NULL);
    ASSERT(strstr(hh_last_error(h), "y past 399 at byte 15") != NULL);
    ASSERT_U64_EQ(own_ops(), before);
    /* A good one is stored in its normal form. */
    hh_kv good[] = {{"signature", "Li"},
                    {"labour_min", "20"},
                    {"signature_strokes", "010,10  20,20\n;;30,300"}};
    ASSERT_OK(rec("workorder.complete", wo, good, 3, NULL));
    ASSERT_STR_EQ(field_of(wo, "signature_strokes"), "10,10 20,20;30,300");

    /* Nothing drawn ("" from an untouched pad): no field at all. */
    arrived(wo2);
    hh_kv none[] = {
        {"signature", "Wang"}, {"labour_min", "5"}, {"signature_strokes", ""}};
    ASSERT_OK(rec("workorder.complete", wo2, none, 3, NULL));
    ASSERT_STR_EQ(field_of(wo2, "signature_strokes"), "(none)");

    /* A callback: strokes only door-to-door, under their own name. */
    hh_kv phone[] = {{"satisfaction", "satisfied"},
                     {"method", "phone"},
                     {"signature_strokes", "1,1 2,2"}};
    ASSERT_ERR(rec("workorder.callback", wo, phone, 3, NULL), RND_EFIELD);
    ASSERT(strstr(hh_last_error(h), "'signature_strokes'") != NULL);
    ASSERT(strstr(hh_last_error(h), "door") != NULL);
    hh_kv door[] = {{"satisfaction", "satisfied"},
                    {"method", "door"},
                    {"signature", "Li"},
                    {"signature_strokes", "1,1 2,2;3,3"}};
    ASSERT_OK(rec("workorder.callback", wo, door, 4, NULL));
    ASSERT_STR_EQ(field_of(wo, "callback_signature_strokes"), "1,1 2,2;3,3");
    ASSERT_STR_EQ(field_of(wo, "signature_strokes"), "10,10 20,20;30,300");
}

int main(void)
{
    test_text();
    char *dir = test_tmpdir("strokes");
    char path[4200];
    snprintf(path, sizeof path, "%s/store", dir);
    ASSERT_OK(hh_init(path, "S1", "HH-01", &h));
    hh_set_clock(h, clock_fn, NULL);
    ASSERT_OK(hh_set_user(h, "guard-li"));
    test_records();
    hh_close(h);
    test_rmtree(dir);
    free(dir);
    printf("test_hh_strokes: ok\n");
    return 0;
}
