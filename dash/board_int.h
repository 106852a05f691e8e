/* board_int.h: what board.c (the board) and board_reg.c (reports,
 * registers, personal data, the TABLE JSON) share: small helpers over a
 * report document's cells. Internal to dash/. */
#ifndef RND_DASH_BOARD_INT_H
#define RND_DASH_BOARD_INT_H

#include <string.h>

#include "board.h"

#define MIN_MS 60000LL
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS (24 * HOUR_MS)

static inline rpt_params params_of(const dash_src *s, int64_t from, int64_t to)
{
    rpt_params p;
    memset(&p, 0, sizeof p);
    p.site = s->site;
    p.from = from;
    p.to = to;
    p.now = s->now;
    p.tz_min = s->tz_min;
    p.overstay_ms = s->overstay_ms;
    p.skew_limit_ms = s->skew_limit_ms;
    p.vacant_days = RPT_VACANT_DEFAULT_DAYS;
    return p;
}

static inline const char *cstr(const rpt_cell *c)
{
    return c && c->type == RPT_STR ? c->s : NULL;
}

static inline int64_t cint(const rpt_cell *c)
{
    return c && c->type != RPT_NULL ? c->i : 0;
}

/* The index of column name in sec, or -1. */
static inline int col_of(const rpt_section *sec, const char *name)
{
    for (uint32_t i = 0; i < rpt_section_ncols(sec); i++)
        if (strcmp(rpt_section_col(sec, i), name) == 0)
            return (int)i;
    return -1;
}

static inline const rpt_cell *cell_at(const rpt_section *sec, uint32_t r,
                                      const char *col)
{
    int c = col_of(sec, col);
    return c < 0 ? NULL : rpt_section_cell(sec, r, (uint32_t)c);
}

static inline int is_hex32(const char *s)
{
    if (s == NULL || strlen(s) != 32)
        return 0;
    for (int i = 0; i < 32; i++)
        if (!strchr("0123456789abcdef", s[i]))
            return 0;
    return 1;
}

#endif
