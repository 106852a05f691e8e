/* report_run.h: the office's reports by name, one table and one function
 * for every caller that builds them (`roundsd report KIND` and the
 * dashboard's /api/report): the name and its params give the same
 * document whoever asks, so the CSV of one is the CSV of the other.
 */
#ifndef RND_SERVER_REPORT_RUN_H
#define RND_SERVER_REPORT_RUN_H

#include "../report/report.h"
#include "registry.h"

typedef struct srv_report_kind {
    const char *name;  /* "patrol" */
    const char *title; /* its heading, English (N_(): translate to show) */
    const char *help;  /* one line for `roundsd report --help` */
    /* The report reads the store only; NULL: devices, which reads the
     * registry too. */
    int (*fn)(store_txn *, const rpt_params *, rpt_doc *);
} srv_report_kind;

/* Every report, in the order the CLI lists them; ends with a NULL name.
 * Static. */
const srv_report_kind *srv_report_kinds(void);

/* The report called name, or NULL. */
const srv_report_kind *srv_report_find(const char *name);

/* Builds report k of p->site into d (initialising it; the caller frees it
 * even on error): one read transaction on st; reg is read by the devices
 * report only (may be NULL for the others; NULL for devices:
 * RND_EINVAL). Returns 0 or an RND_E* code. */
int srv_report_build(const srv_report_kind *k, store *st, srv_registry *reg,
                     const rpt_params *p, rpt_doc *d);

#endif
