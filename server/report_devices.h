/* report_devices.h: `roundsd report devices`: every enrolled handheld of a
 * site with its last sync, ops behind, clock verdict, chain check and
 * revocation, from the registry and the site's store. */
#ifndef RND_SERVER_REPORT_DEVICES_H
#define RND_SERVER_REPORT_DEVICES_H

#include "../report/report.h"
#include "registry.h"

/* Fills d (initialising it) for site p->site; txn is a read transaction
 * on the site's store. Returns 0 or an RND_E* code. */
int srv_report_devices(srv_registry *r, store_txn *txn, const rpt_params *p,
                       rpt_doc *d);

#endif
