/* test_i18n_en.c: the English titles of the report keys (i18n/en_titles.c)
 * against the catalogue's template, po/rounds.pot (argv[1]): every
 * key-shaped msgid ("last_sync", "left_ms") has a title, so a new report
 * column without English words fails here; the table is sorted with no
 * duplicates (bsearch needs it) and holds no key the catalogue lost; each
 * title is short, in sentence case, and not the key itself. Then what
 * i18n_tr_lang() answers for English, and that i18n_tr(), the CLIs',
 * still prints a key as a key. */
#include "en_titles.h"
#include "i18n.h"
#include "test.h"

#include <ctype.h>
#include <locale.h>

#define MAX_KEYS 4096
#define MAX_TITLE 32

static char *keys[MAX_KEYS];
static size_t nkeys;

static int key_shaped(const char *s)
{
    if (!islower((unsigned char)*s))
        return 0;
    for (const char *p = s; *p; p++)
        if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
            *p != '_')
            return 0;
    return 1;
}

/* The key-shaped msgids of the template: lines `msgid "KEY"` (a msgid
 * continued on the next lines starts `msgid ""`, which is not one). */
static void read_pot(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        TEST_FAIL_("cannot open %s", path);
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\r\n");
        line[n] = '\0';
        if (strncmp(line, "msgid \"", 7) != 0 || n < 9 || line[n - 1] != '"')
            continue;
        line[n - 1] = '\0';
        const char *k = line + 7;
        if (!key_shaped(k))
            continue;
        ASSERT_LT(nkeys, MAX_KEYS);
        keys[nkeys] = strdup(k);
        ASSERT(keys[nkeys] != NULL);
        nkeys++;
    }
    fclose(f);
}

static int in_pot(const char *k)
{
    for (size_t i = 0; i < nkeys; i++)
        if (strcmp(keys[i], k) == 0)
            return 1;
    return 0;
}

static void test_complete(void)
{
    size_t missing = 0;
    for (size_t i = 0; i < nkeys; i++)
        if (i18n_en_title(keys[i]) == NULL) {
            fprintf(stderr, "no English title for \"%s\"\n", keys[i]);
            missing++;
        }
    if (missing)
        TEST_FAIL_("%zu key-shaped msgids of po/rounds.pot have no English "
                   "title: add them to i18n/en_titles.c",
                   missing);
}

static void test_table(void)
{
    const char *prev = NULL, *title;
    size_t n = 0;
    for (const char *k; (k = i18n_en_title_at(n, &title)) != NULL; n++) {
        if (prev && strcmp(prev, k) >= 0)
            TEST_FAIL_("en_titles.c: \"%s\" after \"%s\": the table must be "
                       "sorted (strcmp) with no duplicates",
                       k, prev);
        if (!key_shaped(k))
            TEST_FAIL_("en_titles.c: \"%s\" is not a key", k);
        if (!in_pot(k))
            TEST_FAIL_("en_titles.c: \"%s\" is not a msgid of po/rounds.pot "
                       "(a column gone, or the template not refreshed)",
                       k);
        size_t len = strlen(title);
        if (len == 0 || len > MAX_TITLE || !isupper((unsigned char)*title) ||
            isspace((unsigned char)title[len - 1]) || strcmp(title, k) == 0)
            TEST_FAIL_("en_titles.c: \"%s\" -> \"%s\": a title is 1 to %d "
                       "bytes, starts with a capital, is not the key",
                       k, title, MAX_TITLE);
        for (const char *p = title; *p; p++)
            if (!isprint((unsigned char)*p))
                TEST_FAIL_("en_titles.c: \"%s\": not printable ASCII", k);
        /* bsearch finds every entry where it stands. */
        ASSERT(i18n_en_title(k) == title);
        prev = k;
    }
    ASSERT_EQ(n, nkeys);
}

static void test_tr_lang(void)
{
    ASSERT_STR_EQ(i18n_tr_lang("en", "left_ms"), "Time left");
    ASSERT_STR_EQ(i18n_tr_lang("en", "inside_min"), "Inside (min)");
    ASSERT_STR_EQ(i18n_tr_lang(NULL, "last_sync"), "Last sync");
    ASSERT_STR_EQ(i18n_tr_lang("fr", "ops_behind"), "Ops behind");
    /* A title already in words, and a key not in the table, as written. */
    const char *s = "Inside now";
    ASSERT(i18n_tr_lang("en", s) == s);
    s = "no_such_column";
    ASSERT(i18n_tr_lang("en", s) == s);
    ASSERT(i18n_tr_lang("en", "") != NULL);
    ASSERT(i18n_tr_lang("en", NULL) == NULL);
    ASSERT(i18n_en_title("") == NULL && i18n_en_title(NULL) == NULL);
    ASSERT(i18n_en_title("left_m") == NULL);
    ASSERT(i18n_en_title("left_mss") == NULL);
    /* The CLIs' translation is untouched: a key prints as a key. */
    s = "left_ms";
    ASSERT(i18n_tr(s) == s);
    /* Chinese still comes from the catalogue, when the build's catalogue
     * ($ROUNDS_LOCALEDIR) and the zh_CN.UTF-8 locale are there. */
    locale_t zh =
        newlocale(LC_MESSAGES_MASK | LC_CTYPE_MASK, "zh_CN.UTF-8", (locale_t)0);
    if (zh != (locale_t)0 && getenv("ROUNDS_LOCALEDIR")) {
        ASSERT_STR_EQ(i18n_tr_lang("zh-CN", "left_ms"), "剩余时间");
        freelocale(zh);
    } else {
        printf("zh_CN: no locale or catalogue, not checked\n");
        if (zh != (locale_t)0)
            freelocale(zh);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_i18n_en PATH/po/rounds.pot\n");
        return 2;
    }
    i18n_init("roundsd");
    read_pot(argv[1]);
    /* A template that read as nothing would pass every check vacuously. */
    ASSERT_GT(nkeys, 100);
    test_complete();
    test_table();
    test_tr_lang();
    for (size_t i = 0; i < nkeys; i++)
        free(keys[i]);
    printf("test_i18n_en: %zu keys, all with English titles\n", nkeys);
    return 0;
}
