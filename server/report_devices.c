/* report_devices.c: not built yet (issue 5 is in progress). */
#include "report_devices.h"

int srv_report_devices(srv_registry *r, store_txn *txn, const rpt_params *p,
                       rpt_doc *d)
{
    (void)r;
    (void)txn;
    rpt_doc_init(d, "devices", "Devices", p->site, p->from, p->to, p->now,
                 p->tz_min);
    return RND_EINVAL;
}
