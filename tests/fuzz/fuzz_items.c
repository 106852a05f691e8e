/* fuzz_items.c: libFuzzer target for the counted handover items
 * (report/signatures.h, rpt_items_parse): a handover's "items" and an
 * ack's "confirm" are str fields pushed by any handheld, parsed again by
 * the office's handover report and by the recipient's handheld.
 *
 * Promises checked on every input (a broken one aborts):
 *  - it returns 0 or RND_EINVAL, and then writes a NUL-terminated reason;
 *  - on 0: at most RPT_ITEMS_MAX items, each name 1..RPT_ITEM_NAME_MAX
 *    bytes without '=' or ';', no leading or trailing space, each once,
 *    counts 0..RPT_ITEM_COUNT_MAX; and printing them back as
 *    "name=count;..." parses to the same items;
 *  - rpt_prc_id_valid answers for any bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/errors.h"
#include "../../report/signatures.h"

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_items: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rpt_item a[RPT_ITEMS_MAX], b[RPT_ITEMS_MAX];
    static char back[RPT_ITEMS_MAX * (RPT_ITEM_NAME_MAX + 8) + 1];
    char err[160];
    size_t n = 0, m = 0;
    (void)rpt_prc_id_valid((const char *)data, size);
    memset(err, 'x', sizeof err);
    int rc = rpt_items_parse((const char *)data, size, a, &n, err, sizeof err);
    if (rc != 0) {
        if (rc != RND_EINVAL || memchr(err, '\0', sizeof err) == NULL)
            fail("error without a reason");
        return 0;
    }
    if (n > RPT_ITEMS_MAX)
        fail("too many items");
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(a[i].name);
        if (len == 0 || len > RPT_ITEM_NAME_MAX || strpbrk(a[i].name, "=;"))
            fail("bad name");
        if (a[i].name[0] == ' ' || a[i].name[len - 1] == ' ' ||
            a[i].name[0] == '\t' || a[i].name[len - 1] == '\t')
            fail("name not trimmed");
        if (a[i].count < 0 || a[i].count > RPT_ITEM_COUNT_MAX)
            fail("bad count");
        if (rpt_items_find(a, i, a[i].name) >= 0)
            fail("name twice");
        used += (size_t)snprintf(back + used, sizeof back - used, "%s=%lld;",
                                 a[i].name, (long long)a[i].count);
    }
    if (rpt_items_parse(back, used, b, &m, err, sizeof err) != 0 || m != n)
        fail("printed items do not parse back");
    for (size_t i = 0; i < n; i++)
        if (strcmp(a[i].name, b[i].name) != 0 || a[i].count != b[i].count)
            fail("printed items parse to others");
    return 0;
}
