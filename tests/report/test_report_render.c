/* test_report_render.c: the one rendering module (report/render.h: value
 * forms, times, the JSON writer) and the one JSON reader
 * (report/jsonread.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../report/jsonread.h"
#include "../../report/render.h"
#include "test.h"

#define T0 1795824000000LL /* 2026-11-28T00:00:00Z */

static proto_field field(const char *name, int type, const char *s, int64_t i)
{
    proto_field f;
    memset(&f, 0, sizeof f);
    f.name = name;
    f.name_len = (uint32_t)strlen(name);
    f.type = (uint8_t)type;
    f.str = s;
    f.str_len = s ? (uint32_t)strlen(s) : 0;
    f.i = i;
    return f;
}

/* The forms of render.h's table: the same value prints the same way in
 * `rounds` and `roundsd` (booleans were "true" in one, "yes" in the
 * other). */
static void test_values(void)
{
    char buf[64];
    ASSERT_STR_EQ(rpt_bool_text(1), "yes");
    ASSERT_STR_EQ(rpt_bool_text(0), "no");
    proto_field b = field("vacant", PROTO_BOOL, NULL, 1);
    rpt_field_text(&b, buf, sizeof buf);
    ASSERT_STR_EQ(buf, "yes");
    b.i = 0;
    rpt_field_text(&b, buf, sizeof buf);
    ASSERT_STR_EQ(buf, "no");
    rpt_field_text(NULL, buf, sizeof buf);
    ASSERT_STR_EQ(buf, "-");
    proto_field n = field("floor", PROTO_INT, NULL, -3);
    rpt_field_text(&n, buf, sizeof buf);
    ASSERT_STR_EQ(buf, "-3");
    proto_field id = field("id_no", PROTO_STR, "110101199001011234", 0);
    rpt_field_text(&id, buf, sizeof buf);
    ASSERT(strcmp(buf, "110101199001011234") != 0); /* masked */
    ASSERT(strncmp(buf, "110", 3) == 0 && strchr(buf, '*') != NULL);

    rpt_cell c = rpt_b(1);
    rpt_cell_format(&c, RPT_STYLE_TEXT, 0, buf, sizeof buf);
    ASSERT_STR_EQ(buf, "yes");
    rpt_cell_format(&c, RPT_STYLE_DATA, 0, buf, sizeof buf);
    ASSERT_STR_EQ(buf, "true");
    c = rpt_null();
    rpt_cell_format(&c, RPT_STYLE_TEXT, 0, buf, sizeof buf);
    ASSERT_STR_EQ(buf, "-");
    rpt_cell_format(&c, RPT_STYLE_DATA, 0, buf, sizeof buf);
    ASSERT_STR_EQ(buf, "");
    c = rpt_t(T0);
    rpt_cell_format(&c, RPT_STYLE_TEXT, 480, buf, sizeof buf);
    ASSERT_STR_EQ(buf, "2026-11-28 08:00");
    rpt_cell_format(&c, RPT_STYLE_DATA, 480, buf, sizeof buf);
    ASSERT_STR_EQ(buf, "2026-11-28T08:00:00+08:00");
}

/* One time formatter: UTC for JSON and roundsd's listings, local for
 * rounds' text (was strftime in two places). */
static void test_times(void)
{
    char buf[40];
    rpt_time_utc(T0 + 61000, buf, sizeof buf);
    ASSERT_STR_EQ(buf, "2026-11-28T00:01:01Z");
    rpt_time_utc(0, buf, sizeof buf);
    ASSERT_STR_EQ(buf, "-");
    setenv("TZ", "XYZ-8", 1); /* POSIX: 8 hours east, no tz database */
    tzset();
    rpt_time_local(T0 + 61000, buf, sizeof buf);
    ASSERT_STR_EQ(buf, "2026-11-28 08:01");
    rpt_tz_format(-330, buf, sizeof buf);
    ASSERT_STR_EQ(buf, "-05:30");
}

static char *jw_text(void (*fn)(rpt_jw *))
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    ASSERT(f != NULL);
    rpt_jw j;
    rpt_jw_init(&j, f);
    fn(&j);
    fclose(f);
    return out;
}

static void write_nested(rpt_jw *j)
{
    rpt_jw_obj(j);
    rpt_jw_kstr(j, "s", "a\"b\\c\n\x01");
    rpt_jw_kint(j, "i", -5);
    rpt_jw_kuint(j, "u", 18446744073709551615ULL);
    rpt_jw_kbool(j, "b", 0);
    rpt_jw_knull(j, "z");
    rpt_jw_kstr(j, "n", NULL);
    rpt_jw_key(j, "dev");
    rpt_jw_hex64(j, 0xabcULL);
    rpt_jw_key(j, "a");
    rpt_jw_arr(j);
    rpt_jw_arr(j);
    rpt_jw_end(j);
    rpt_jw_obj(j);
    rpt_jw_end(j);
    rpt_jw_real(j, 0.5, 2);
    rpt_jw_end(j);
    rpt_jw_end(j);
}

static void write_breaks(rpt_jw *j)
{
    rpt_jw_obj(j);
    rpt_jw_kint(j, "m", 1);
    rpt_jw_break(j, "\n");
    rpt_jw_key(j, "l");
    rpt_jw_arr(j);
    for (int i = 0; i < 2; i++) {
        rpt_jw_break(j, "\n  ");
        rpt_jw_int(j, i);
    }
    rpt_jw_end(j);
    rpt_jw_end(j);
}

static void write_fields(rpt_jw *j)
{
    fold_state *st = calloc(1, sizeof *st);
    ASSERT(st != NULL);
    st->fields[0] = field("vacant", PROTO_BOOL, NULL, 1);
    st->fields[1] = field("id_no", PROTO_STR, "110101199001011234", 0);
    st->fields[2] = field("floor", PROTO_INT, NULL, 12);
    st->nfields = 3;
    rpt_jw_fields(j, st);
    free(st);
}

static void test_writer(void)
{
    char *s = jw_text(write_nested);
    ASSERT_STR_EQ(s, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"i\":-5,"
                     "\"u\":18446744073709551615,\"b\":false,\"z\":null,"
                     "\"n\":null,\"dev\":\"0000000000000abc\","
                     "\"a\":[[],{},0.50]}");
    free(s);
    s = jw_text(write_breaks);
    ASSERT_STR_EQ(s, "{\"m\":1,\n\"l\":[\n  0,\n  1]}");
    free(s);
    s = jw_text(write_fields);
    ASSERT(strncmp(s, "{\"vacant\":true,\"id_no\":\"110", 27) == 0);
    ASSERT(strstr(s, "1234") == NULL); /* masked */
    ASSERT(strstr(s, ",\"floor\":12}") != NULL);
    free(s);
}

static int parse(const char *text, rpt_jv *v, size_t *where)
{
    return rpt_jv_parse(text, strlen(text), v, where);
}

static void test_reader(void)
{
    rpt_jv v;
    size_t at;
    ASSERT_OK(parse(" {\"manifest\":1,\"stores\":[{\"path\":\"registry\","
                    "\"ops\":3}],\"neg\":-7,\"t\":true,\"z\":null,"
                    "\"u\":\"\\u00e9\\ud83d\\ude00\\/\"}\n",
                    &v, &at));
    ASSERT_EQ(v.type, RPT_JV_OBJ);
    const rpt_jv *m = rpt_jv_get(&v, "manifest", RPT_JV_NUM);
    ASSERT(m != NULL && m->num == 1 && !m->neg);
    ASSERT(rpt_jv_get(&v, "manifest", RPT_JV_STR) == NULL); /* type */
    ASSERT(rpt_jv_get(&v, "absent", RPT_JV_NUM) == NULL);
    const rpt_jv *st = rpt_jv_get(&v, "stores", RPT_JV_ARR);
    ASSERT(st != NULL && st->n == 1);
    const rpt_jv *p = rpt_jv_get(&st->kids[0], "path", RPT_JV_STR);
    ASSERT(p != NULL);
    ASSERT_STR_EQ(p->str, "registry");
    const rpt_jv *neg = rpt_jv_get(&v, "neg", RPT_JV_NUM);
    ASSERT(neg != NULL && neg->neg && neg->num == 7);
    ASSERT(rpt_jv_get(&v, "t", RPT_JV_BOOL)->num == 1);
    ASSERT(rpt_jv_get(&v, "z", RPT_JV_NULL) != NULL);
    /* é, U+1F600 as UTF-8, then "/". */
    ASSERT_STR_EQ(rpt_jv_get(&v, "u", RPT_JV_STR)->str,
                  "\xc3\xa9\xf0\x9f\x98\x80/");
    rpt_jv_free(&v);

    /* Errors, with where they are. */
    ASSERT_ERR(parse("{\"a\":1} x", &v, &at), RND_EMALFORMED);
    ASSERT_EQ(at, 8);
    rpt_jv_free(&v);
    ASSERT_ERR(parse("{\"a\":1.5}", &v, &at), RND_EMALFORMED);
    ASSERT_EQ(at, 6);
    rpt_jv_free(&v);
    ASSERT_ERR(parse("[18446744073709551616]", &v, &at), RND_ETOOBIG);
    rpt_jv_free(&v);
    ASSERT_ERR(parse("\"\\u0000\"", &v, &at), RND_EMALFORMED);
    rpt_jv_free(&v);
    ASSERT_ERR(parse("\"\\ud800x\"", &v, &at), RND_EMALFORMED);
    rpt_jv_free(&v);
    ASSERT_ERR(parse("[01]", &v, &at), RND_EMALFORMED);
    rpt_jv_free(&v);
    ASSERT_ERR(parse("\"a\tb\"", &v, &at), RND_EMALFORMED);
    rpt_jv_free(&v);
    ASSERT_ERR(parse("", &v, &at), RND_EMALFORMED);
    rpt_jv_free(&v);
    char deep[2 * RPT_JV_DEPTH + 3];
    memset(deep, '[', RPT_JV_DEPTH + 1);
    memset(deep + RPT_JV_DEPTH + 1, ']', RPT_JV_DEPTH + 1);
    deep[2 * RPT_JV_DEPTH + 2] = '\0';
    ASSERT_ERR(parse(deep, &v, &at), RND_ETOOBIG);
    rpt_jv_free(&v);
    deep[2 * RPT_JV_DEPTH + 1] = '\0'; /* RPT_JV_DEPTH levels: fine */
    ASSERT_OK(parse(deep + 1, &v, &at));
    rpt_jv_free(&v);

    /* The input's length is the end, not a NUL: "tru" of "true". */
    ASSERT_ERR(rpt_jv_parse("true", 3, &v, &at), RND_EMALFORMED);
    rpt_jv_free(&v);
    ASSERT_ERR(rpt_jv_parse("\"abc\"", 4, &v, &at), RND_EMALFORMED);
    ASSERT_EQ(at, 4);
    rpt_jv_free(&v);
}

int main(void)
{
    test_values();
    test_times();
    test_writer();
    test_reader();
    printf("test_report_render: ok\n");
    return 0;
}
