/* report_run.c: the reports by name (report_run.h), shared by
 * `roundsd report` (cmd_report.c) and the dashboard (dash/board.c). */
#include "report_run.h"

#include <string.h>

#include "../i18n/i18n.h"
#include "report_devices.h"

static const srv_report_kind kinds[] = {
    {"patrol", N_("Patrol report"),
     "per route, round and guard: checkpoints on time, late, missed, out "
     "of order; duplicates; tour quality; anomalies",
     rpt_patrol},
    {"inside", N_("Inside report"),
     "visitors and vehicles still inside, overstays, blacklist hits",
     rpt_inside},
    {"tags", N_("Tags report"),
     "proof of presence per guard: verified tag payloads, manual and "
     "unknown-tag scans",
     rpt_tags},
    {"workorders", N_("Work orders"),
     "open work orders and every SLA clock: met, breached, at risk; "
     "repeats; callbacks",
     rpt_workorders},
    {"complaints", N_("Complaint register"),
     N_("the complaint register: channel, anonymous, valid, every clock, "
        "escalation, reply deadlines"),
     rpt_complaints},
    {"callbacks", N_("Callbacks"),
     N_("callback coverage (100%), door-to-door share signed (40%), per "
        "method; completed orders without one"),
     rpt_callbacks},
    {"vacant", N_("Vacant units"),
     "vacant units not inspected lately; failed checklist items", rpt_vacant},
    {"handover", N_("Handover report"),
     "handovers in the window, their items, and acknowledgements",
     rpt_handover},
    {"dutylog", N_("Duty log"),
     N_("the duty log: every entry in the window, with time, person and "
        "device"),
     rpt_dutylog},
    {"month", N_("Month end"),
     N_("month end (--month YYYY-MM): per person and category, scans on "
        "time/late/missed, work-order clocks, callbacks"),
     rpt_month},
    {"devices", N_("Handhelds"),
     N_("every enrolled handheld: last sync, ops behind, clock, chain, "
        "revoked"),
     NULL},
    {"integrity", N_("Integrity report"),
     "verify every device's op chain end to end: gaps, altered ops",
     rpt_integrity},
    {"registers", N_("Registers report"),
     "incidents, owners' keys, lost and found, exit slips: made in the "
     "window or still open",
     rpt_registers},
    {"tasks", N_("Recurring tasks report"),
     "recurring tasks: last done, due date, overdue (as of --at)", rpt_tasks},
    {NULL, NULL, NULL, NULL}};

const srv_report_kind *srv_report_kinds(void)
{
    return kinds;
}

const srv_report_kind *srv_report_find(const char *name)
{
    for (const srv_report_kind *k = kinds; name && k->name; k++)
        if (strcmp(k->name, name) == 0)
            return k;
    return NULL;
}

int srv_report_build(const srv_report_kind *k, store *st, srv_registry *reg,
                     const rpt_params *p, rpt_doc *d)
{
    memset(d, 0, sizeof *d);
    if (k->fn == NULL && reg == NULL)
        return RND_EINVAL;
    store_txn *txn;
    int rc = store_read_begin(st, &txn);
    if (rc)
        return rc;
    rc = k->fn ? k->fn(txn, p, d) : srv_report_devices(reg, txn, p, d);
    store_read_end(txn);
    return rc;
}
