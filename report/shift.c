/* shift.c: not built yet (issue 5 is in progress); see report.h. */
#include "report.h"

int rpt_shift(store_txn *txn, const rpt_params *p, rpt_doc *d)
{
    (void)txn;
    rpt_doc_init(d, "shift", "shift", p->site, p->from, p->to, p->now,
                 p->tz_min);
    return RND_EINVAL;
}
