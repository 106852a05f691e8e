/* test_report_signatures.c: the pure parts of report/signatures.h: the
 * counted items (NAME=COUNT;...), the staff list's look-ups and
 * did-you-mean, the PRC ID check digit. */
#include <stdlib.h>
#include <string.h>

#include "../../report/signatures.h"
#include "test.h"

static size_t parse(const char *s, rpt_item *it, char *err)
{
    size_t n = 99;
    ASSERT_OK(rpt_items_parse(s, strlen(s), it, &n, err, 160));
    return n;
}

static void refused(const char *s, const char *why)
{
    rpt_item it[RPT_ITEMS_MAX];
    char err[160] = "";
    size_t n;
    ASSERT_ERR(rpt_items_parse(s, strlen(s), it, &n, err, sizeof err),
               RND_EINVAL);
    if (strstr(err, why) == NULL)
        TEST_FAIL_("'%s': reason '%s' lacks '%s'", s, err, why);
}

static void items(void)
{
    rpt_item it[RPT_ITEMS_MAX];
    char err[160];
    ASSERT_EQ(parse("master key=3;radio=2", it, err), 2);
    ASSERT_STR_EQ(it[0].name, "master key");
    ASSERT_EQ(it[0].count, 3);
    ASSERT_STR_EQ(it[1].name, "radio");
    ASSERT_EQ(it[1].count, 2);
    /* Spaces around names and counts, a trailing ';', CJK names. */
    ASSERT_EQ(parse(" 钥匙 = 3 ; 对讲机=0;", it, err), 2);
    ASSERT_STR_EQ(it[0].name, "钥匙");
    ASSERT_EQ(it[1].count, 0);
    ASSERT_EQ(rpt_items_find(it, 2, "对讲机"), 1);
    ASSERT_EQ(rpt_items_find(it, 2, "radio"), -1);
    ASSERT_EQ(parse("", it, err), 0);
    refused("radio", "has no count");
    refused("radio=x", "not a whole number");
    refused("radio=-1", "not a whole number");
    refused("radio=10000", "not a whole number");
    refused("=3", "has no name");
    refused("a=1;;b=2", "empty item");
    refused("a=1;a=2", "given twice");
    char big[2048] = "";
    for (int i = 0; i <= RPT_ITEMS_MAX; i++)
        sprintf(big + strlen(big), "k%d=1;", i);
    refused(big, "more than");
    char longname[RPT_ITEM_NAME_MAX + 8];
    memset(longname, 'n', RPT_ITEM_NAME_MAX + 1);
    strcpy(longname + RPT_ITEM_NAME_MAX + 1, "=1");
    refused(longname, "longer than");
}

static void staff(void)
{
    char **keys = malloc(3 * sizeof *keys); /* rpt_staff_free frees it */
    ASSERT(keys != NULL);
    keys[0] = strdup("guard-chen");
    keys[1] = strdup("guard-li");
    keys[2] = strdup("tech-wang");
    rpt_staff s = {keys, 3};
    ASSERT_EQ(rpt_staff_listed(&s, "guard-li", 8), 1);
    ASSERT_EQ(rpt_staff_listed(&s, "guard-l", 7), 0);
    ASSERT_EQ(rpt_staff_listed(&s, "guard-lii", 9), 0);
    ASSERT_EQ(rpt_staff_listed(&s, "ghost-person", 12), 0);
    ASSERT_STR_EQ(rpt_staff_nearest(&s, "tech-wnag", 9), "tech-wang");
    ASSERT_STR_EQ(rpt_staff_nearest(&s, "guard-lee", 9), "guard-li");
    ASSERT(rpt_staff_nearest(&s, "ghost-person", 12) == NULL);
    rpt_staff_free(&s);
    rpt_staff none = {NULL, 0};
    ASSERT_EQ(rpt_staff_listed(&none, "anyone", 6), -1);
}

static void prc_id(void)
{
    ASSERT(rpt_prc_id_valid("11010519491231002X", 18));
    ASSERT(rpt_prc_id_valid("11010519491231002x", 18));
    ASSERT(rpt_prc_id_valid("110105 19491231 002X", 20));
    ASSERT(rpt_prc_id_valid("110101199001011237", 18));
    ASSERT(!rpt_prc_id_valid("110101199001011234", 18)); /* check digit */
    ASSERT(!rpt_prc_id_valid("11010119900101123", 17));
    ASSERT(!rpt_prc_id_valid("1101011990010112377", 19));
    ASSERT(!rpt_prc_id_valid("1101011990A1011237", 18));
}

int main(void)
{
    items();
    staff();
    prc_id();
    return 0;
}
