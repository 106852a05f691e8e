/* test_proto_utf8.c: the UTF-8 validator (RFC 3629), the character count,
 * the full-width fold of the canonical forms, and the masks that count
 * characters (proto/utf8.h, proto_mask_id, proto_pii_mask). */
#include <stdio.h>
#include <string.h>

#include "../../proto/pii.h"
#include "../../proto/proto.h"
#include "../../proto/utf8.h"
#include "../test.h"

static int check(const char *s, int rule)
{
    return proto_utf8_check(s, strlen(s), rule, NULL, NULL);
}

static void test_validator(void)
{
    size_t at = 99;
    const char *why = NULL;
    ASSERT_OK(check("", PROTO_TEXT_LINE));
    ASSERT_OK(check("guard-王 沪A12345 ＡＢ €𝄞", PROTO_TEXT_LINE));
    ASSERT_OK(check("line 1\n\tline 2", PROTO_TEXT_MULTILINE));
    ASSERT_ERR(check("line 1\nline 2", PROTO_TEXT_LINE), RND_EFIELD);
    ASSERT_ERR(check("a\tb", PROTO_TEXT_LINE), RND_EFIELD);
    ASSERT_ERR(check("a\rb", PROTO_TEXT_MULTILINE), RND_EFIELD);
    ASSERT_ERR(check("a\x1b[2Jb", PROTO_TEXT_MULTILINE), RND_EFIELD);
    ASSERT_ERR(check("a\x7f", PROTO_TEXT_MULTILINE), RND_EFIELD);
    ASSERT_ERR(check("a\xc2\x9b", PROTO_TEXT_MULTILINE), RND_EFIELD);
    /* The user's case: "bad \xff" is refused at byte 4. */
    ASSERT_ERR(proto_utf8_check("bad \xff", 5, PROTO_TEXT_LINE, &at, &why),
               RND_EFIELD);
    ASSERT_EQ(at, 4);
    ASSERT_STR_EQ(why, "not valid UTF-8");
    ASSERT_ERR(proto_utf8_check("a\nb", 3, PROTO_TEXT_LINE, &at, &why),
               RND_EFIELD);
    ASSERT_EQ(at, 1);
    ASSERT_STR_EQ(why, "control character");
    /* RFC 3629's exclusions: cut, overlong, surrogates, > U+10FFFF, stray
     * continuation bytes, bytes that never appear. */
    const char *bad[] = {"guard-\xc3",
                         "\xe6\xb2",
                         "\xc0\xaf",
                         "\xc1\xbf",
                         "\xe0\x80\xaf",
                         "\xe0\x9f\xbf",
                         "\xed\xa0\x80",
                         "\xed\xbf\xbf",
                         "\xf0\x80\x80\x80",
                         "\xf0\x8f\xbf\xbf",
                         "\xf4\x90\x80\x80",
                         "\xf5\x80\x80\x80",
                         "\x80",
                         "\xbf",
                         "\xfe",
                         "\xff",
                         "\xe6\x41\x41",
                         "\xf0\x9d\x84"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        ASSERT_ERR(check(bad[k], PROTO_TEXT_MULTILINE), RND_EFIELD);
    /* The edges that are allowed. */
    const char *good[] = {"\xc2\xa0",         "\xdf\xbf",        "\xe0\xa0\x80",
                          "\xed\x9f\xbf",     "\xee\x80\x80",    "\xef\xbf\xbd",
                          "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf"};
    for (size_t k = 0; k < sizeof good / sizeof good[0]; k++)
        ASSERT_OK(check(good[k], PROTO_TEXT_LINE));
}

/* Every code point encodes and decodes back; every surrogate is refused. */
static void test_all_code_points(void)
{
    for (uint32_t cp = 0x80; cp <= 0x10FFFF; cp++) {
        char b[4];
        size_t n;
        if (cp < 0x800) {
            b[0] = (char)(0xC0 | cp >> 6);
            b[1] = (char)(0x80 | (cp & 0x3F));
            n = 2;
        } else if (cp < 0x10000) {
            b[0] = (char)(0xE0 | cp >> 12);
            b[1] = (char)(0x80 | (cp >> 6 & 0x3F));
            b[2] = (char)(0x80 | (cp & 0x3F));
            n = 3;
        } else {
            b[0] = (char)(0xF0 | cp >> 18);
            b[1] = (char)(0x80 | (cp >> 12 & 0x3F));
            b[2] = (char)(0x80 | (cp >> 6 & 0x3F));
            b[3] = (char)(0x80 | (cp & 0x3F));
            n = 4;
        }
        uint32_t got = 0;
        size_t len = proto_utf8_next(b, n, &got);
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            ASSERT_EQ(len, 0);
        } else {
            ASSERT_EQ(len, n);
            ASSERT_EQ(got, cp);
        }
        ASSERT_EQ(proto_utf8_next(b, n - 1, &got), 0); /* cut short */
    }
}

static void test_count_and_fold(void)
{
    char out[64];
    ASSERT_EQ(proto_utf8_count("沪A12345", strlen("沪A12345")), 7);
    ASSERT_EQ(proto_utf8_count("a\xffz", 3), 3);
    ASSERT_EQ(proto_utf8_offset("沪A1", 5, 1), 3);
    ASSERT_EQ(proto_utf8_fold_width("沪Ａ１２３４５", strlen("沪Ａ１２３４５"),
                                    out, sizeof out),
              strlen("沪A12345"));
    ASSERT_STR_EQ(out, "沪A12345");
    proto_utf8_fold_width("ＡＢ　ｃ！～", strlen("ＡＢ　ｃ！～"), out,
                          sizeof out);
    ASSERT_STR_EQ(out, "AB c!~");
    /* U+FF00 and U+FF5F are not full-width ASCII; stray bytes stay. */
    proto_utf8_fold_width("\xef\xbc\x80\xef\xbd\x9f\xff", 7, out, sizeof out);
    ASSERT_STR_EQ(out, "\xef\xbc\x80\xef\xbd\x9f\xff");
}

/* The canonical forms fold full width first: 沪Ａ１２３４５ is 沪A12345. */
static void test_canonical(void)
{
    char a[64], b[64];
    const char *fw = "沪Ａ１２３４５", *hw = "沪A12345";
    proto_norm_plate(fw, strlen(fw), a, sizeof a);
    proto_norm_plate(hw, strlen(hw), b, sizeof b);
    ASSERT_STR_EQ(a, b);
    proto_norm_plate("沪ａ　１２３-４５", strlen("沪ａ　１２３-４５"), a,
                     sizeof a);
    ASSERT_STR_EQ(a, "沪A12345");
    proto_norm_id_no("１１０１０５－１９９００３０７１２３４",
                     strlen("１１０１０５－１９９００３０７１２３４"), a,
                     sizeof a);
    ASSERT_STR_EQ(a, "110105199003071234");
    proto_norm_id_no("ｇ１２３４５６７８", strlen("ｇ１２３４５６７８"), a,
                     sizeof a);
    ASSERT_STR_EQ(a, "G12345678");
    proto_norm_name("Ｗａｎｇ　 Ｌｅｉ", strlen("Ｗａｎｇ　 Ｌｅｉ"), a,
                    sizeof a);
    ASSERT_STR_EQ(a, "wang lei");
}

/* Masks count characters: a 7-character number keeps 3 and 2 whole
 * characters and shows 2 stars, whatever their bytes. */
static void test_masks(void)
{
    char out[64];
    proto_mask_id("110105199003071234", 18, out, sizeof out);
    ASSERT_STR_EQ(out, "110*************34");
    const char *cjk = "港澳台通行证号"; /* 7 characters, 21 bytes */
    proto_mask_id(cjk, strlen(cjk), out, sizeof out);
    ASSERT_STR_EQ(out, "港澳台**证号");
    const char *fw = "Ｇ１２３４５６"; /* 7 full-width characters */
    proto_mask_id(fw, strlen(fw), out, sizeof out);
    ASSERT_STR_EQ(out, "Ｇ１２**５６");
    proto_mask_id("王小明", strlen("王小明"), out, sizeof out);
    ASSERT_STR_EQ(out, "***");
    proto_mask_id("12345", 5, out, sizeof out);
    ASSERT_STR_EQ(out, "*****");
    /* A small buffer never ends in half a character. */
    proto_mask_id(cjk, strlen(cjk), out, 8);
    ASSERT_STR_EQ(out, "港澳*");
    proto_mask_id(cjk, strlen(cjk), out, 12);
    ASSERT_STR_EQ(out, "港澳台**");
    const char *ph = "１３８００１３８０００"; /* full-width phone */
    proto_pii_mask("phone", 5, ph, strlen(ph), out, sizeof out);
    ASSERT_STR_EQ(out, "*******８０００");
    proto_pii_mask("phone", 5, "13800138000", 11, out, sizeof out);
    ASSERT_STR_EQ(out, "*******8000");
    proto_pii_mask("id_no", 5, cjk, strlen(cjk), out, sizeof out);
    ASSERT_STR_EQ(out, "港澳台**证号");
}

int main(void)
{
    test_validator();
    test_all_code_points();
    test_count_and_fold();
    test_canonical();
    test_masks();
    printf("test_proto_utf8: ok\n");
    return 0;
}
