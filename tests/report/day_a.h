/* day_a.h: the known day the patrol, inside, handover and shift report
 * tests share (day_a.c builds it through the real write path: office ops
 * with store_append_local, handheld records with hh_record under pinned
 * clocks, and ingest between stores as a sync would).
 *
 * Site S1, local offset +08:00, the day 2026-03-10. Times below are local.
 * The office (the site store's writer) adds checkpoints CP-01..CP-07,
 * route R1 (every 120 min, window 15 min, CP-01..CP-05), route R2 (every
 * 240 min, window 30 min, CP-06,CP-07), a blacklisted person "Wang Wu"
 * and a blacklisted plate EF789.
 *
 * Handheld h1 (user g1, honest clock):
 *   02:00 visit "Old Guest" 1-1-100 (stays inside)
 *   05:30 visit "Li Lei" 1-1-101, party 2, pass P-7, gate A (inside)
 *   06:00 vehicle EF789 (blacklisted plate), 06:30 it leaves
 *   06:05 CP-01, 06:10 CP-02 (anomaly "broken lamp", work order
 *         electrical), 06:14 CP-04, 06:20 CP-03, 06:31 CP-05, 06:33 CP-05
 *   07:00 visit "Han Mei" 1-1-102, 09:00 she leaves
 *   07:45 handover to g2 (acknowledged by h2 at 08:00)
 *   08:03 CP-01, 08:20 CP-02
 *   08:30 refused "Zhang San" (no host answer), gate A
 *   09:15 vehicle AB123 van 2-1-202 gate B (inside)
 *   10:00 visit "Wang Wu" 3-1-301 (blacklisted, inside)
 *   10:05 CP-01, 10:20 CP-99 (route R1: not one of its checkpoints)
 *   10:30 handover to g3 (pending)
 * Handheld h2 (user g2, honest clock), scans with --route:
 *   04:20 R2 CP-06 (anomaly "door ajar"), 08:10 R2 CP-07,
 *   08:40 R1 CP-03, 08:41 R1 CP-01; 08:00 acknowledges h1's handover
 * Handheld h3 (user g3, clock 2 hours SLOW):
 *   true 07:30 (device 05:30) vehicle CD456 (inside)
 *   true 09:30 (device 07:30) visit "Zhao Liu" 1-2-201 gate B (inside)
 * Everything is synced into the site store and into h1. "Now" is 11:00;
 * the reports' window is [04:00, 12:00).
 */
#ifndef RND_TEST_DAY_A_H
#define RND_TEST_DAY_A_H

#include "../../handheld/handheld.h"
#include "../../handheld/hh_internal.h" /* hh_store */
#include "../../report/report.h"
#include "../../storage/store.h"

#define DAY_M 1773072000000LL /* 2026-03-10T00:00+08:00 */
#define AT(h, m) (DAY_M + ((h)*60LL + (m)) * 60000LL)
#define DAY_TZ 480

typedef struct day_a {
    char *dir;
    store *site; /* the site store: the office's ops and every handheld's */
    hh *h1, *h2, *h3;
    uint64_t h1_id;
    char wo[33];           /* the work order of the 06:10 anomaly */
    char ho1[33], ho2[33]; /* handovers of 07:45 and 10:30 */
    char v_old[33], v_li[33], v_wang[33], v_zhao[33];
    char c_ab[33], c_cd[33]; /* vehicles inside */
} day_a;

void day_a_build(day_a *d);
void day_a_free(day_a *d);

/* Window [04:00, 12:00), now 11:00, +08:00, site S1. */
rpt_params day_a_params(void);

/* Cell assertions: want NULL (or a negative time) means a null cell. */
void cell_s(const rpt_section *s, uint32_t row, uint32_t col, const char *want);
void cell_i(const rpt_section *s, uint32_t row, uint32_t col, int64_t want);
void cell_t(const rpt_section *s, uint32_t row, uint32_t col, int64_t want);
void cell_b(const rpt_section *s, uint32_t row, uint32_t col, int want);
void cell_r(const rpt_section *s, uint32_t row, uint32_t col, double want);
void cell_null(const rpt_section *s, uint32_t row, uint32_t col);
/* A summary figure. */
const rpt_cell *summary(const rpt_doc *d, const char *key);
void sum_i(const rpt_doc *d, const char *key, int64_t want);

/* rpt_emit into a malloc'd string. */
char *emit(const rpt_doc *d, rpt_format fmt);

#endif
