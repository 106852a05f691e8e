/* testlib.c: helpers shared by the test executables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

char *test_tmpdir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    char templ[4096];
    snprintf(templ, sizeof templ, "%s/rounds-%s-XXXXXX",
             base && *base ? base : "/tmp", tag);
    char *p = mkdtemp(templ);
    if (p == NULL)
        TEST_FAIL_("mkdtemp %s failed", templ);
    return strdup(p);
}

void test_rmtree(const char *path)
{
    char cmd[4200];
    if (path == NULL || strstr(path, "rounds-") == NULL)
        return; /* only ever remove what test_tmpdir made */
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", path);
}
