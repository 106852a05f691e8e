/* rpttest.h: helpers for the report tests. A known day is written into a
 * real store through store_append_local (tests/merge/mergetest.h), and a
 * report's doc is checked against an expected table of typed cells, both
 * through the rpt_doc API and in its three printed forms.
 *
 * An expected cell is a string: "s:text", "i:42", "t:<ms since the
 * epoch>", "b:1" / "b:0", "r:0.5", or "-" (null). */
#ifndef RND_RPTTEST_H
#define RND_RPTTEST_H

#include "../../report/report.h"

/* A printf'd string (at most 255 bytes) that lives until the process ends
 * (expected cells with ids in them): 128 KiB of them in all. */
const char *rt_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

typedef struct rt_section {
    const char *name;
    const char *const *cols;  /* column names, then NULL */
    const char *const *cells; /* rows * ncols cells, then NULL */
} rt_section;

typedef struct rt_expect {
    const char *const *summary; /* key, cell, key, cell, ..., NULL */
    const rt_section *sections; /* every section of the doc, in order */
    int nsections;
} rt_expect;

/* Asserts that d holds exactly e (every summary figure, every section,
 * row and cell, in order), then that rpt_emit prints it so: CSV and JSON
 * compared to the exact text e implies, text parsed back line by line.
 * Aborts with the first difference. */
void rt_verify(const rpt_doc *d, const rt_expect *e);

#endif
