/* now.c: hh_report_now, the Now document of handheld.h (what is due for
 * the person carrying the device right now), made offline from the store
 * by report/now.c in one read transaction. docs/REPORTS.md, "now".
 */
#include <string.h>

#include "../report/now.h"
#include "hh_internal.h"

int hh_report_now(hh *h, const hh_now_options *opt, const char *format,
                  FILE *out)
{
    rpt_format fmt = RPT_FMT_TEXT;
    if (format && strcmp(format, "json") == 0)
        fmt = RPT_FMT_JSON;
    else if (format && strcmp(format, "text") != 0)
        return hh__fail(h, RND_EINVAL, "now: format '%s': text or json",
                        format);
    /* One read transaction; the status figures Now shows without
     * hh_status, whose counts of open records walk their index. */
    char user[64];
    uint64_t acked = 0, last = 0;
    store_identity id;
    rpt_now_params p;
    rpt_now n;
    store_txn *t;
    memset(&n, 0, sizeof n);
    int rc = store_read_begin(h->s, &t);
    if (rc)
        return hh__store_fail(h, rc);
    rc = store_identity_get(t, &id);
    if (rc == 0) {
        hh__meta_str(t, "user", user, sizeof user);
        store_meta_get_u64(t, "acked_seq", &acked);
        store_meta_get_u64(t, "last_sync_ms", &last);
        memset(&p, 0, sizeof p);
        p.now = opt && opt->now > 0 ? opt->now : hh__now_ms(h);
        p.user = opt && opt->user ? opt->user : user;
        p.tz_min = opt ? opt->tz_min : 0;
        p.unsynced = id.next_seq - 1 - acked;
        p.last_sync_ms = (int64_t)last;
        rc = rpt_now_build(t, &p, &n);
    }
    store_read_end(t);
    if (rc == 0)
        rc = rpt_now_emit(&n, fmt, out);
    else
        rc = hh__store_fail(h, rc);
    rpt_now_free(&n);
    return rc;
}
