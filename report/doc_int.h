/* doc_int.h: the inside of a report section, shared by doc.c (which
 * builds documents) and render.c (which prints them). Not for callers:
 * report.h keeps rpt_section opaque. */
#ifndef RND_REPORT_DOC_INT_H
#define RND_REPORT_DOC_INT_H

#include "report.h"

struct rpt_section {
    char name[40];
    char title[96];
    uint32_t ncols;
    char *cols[RPT_MAX_COLS];
    uint32_t nrows, cap;
    rpt_cell *cells; /* nrows * ncols */
    /* rpt_section_nest: in JSON, under each row of parent, as key nest. */
    const rpt_section *parent;
    uint32_t nkeys;
    char nest[40];
};

/* Whether row r of child belongs to row pr of child->parent: their first
 * child->nkeys cells are equal. */
int rpt__nested_in(const rpt_section *child, uint32_t r, uint32_t pr);

#endif
