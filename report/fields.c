/* fields.c: see fields.h. */
#include "fields.h"

#include <stdlib.h>
#include <string.h>

char *rpt_str_dup(const proto_field *f)
{
    if (f == NULL || f->type != PROTO_STR)
        return NULL;
    char *s = malloc(f->str_len + 1u);
    if (s) {
        memcpy(s, f->str, f->str_len);
        s[f->str_len] = '\0';
    }
    return s;
}

const char *rpt_field_cstr(const fold_state *st, const char *name, char *buf,
                           size_t cap)
{
    const proto_field *f = fold_state_field(st, name);
    if (f == NULL || f->type != PROTO_STR || cap == 0)
        return NULL;
    size_t n = f->str_len < cap - 1 ? f->str_len : cap - 1;
    memcpy(buf, f->str, n);
    buf[n] = '\0';
    return buf;
}

int64_t rpt_field_int(const fold_state *st, const char *name, int64_t dflt)
{
    const proto_field *f = fold_state_field(st, name);
    return f && f->type == PROTO_INT ? f->i : dflt;
}

int rpt_field_bool(const fold_state *st, const char *name)
{
    const proto_field *f = fold_state_field(st, name);
    return f && f->type == PROTO_BOOL && f->i;
}

const char *rpt_clock_flag(const fold_event *e, int64_t limit_ms)
{
    int64_t l = limit_ms > 0 ? limit_ms : RPT_SKEW_LIMIT_DEFAULT_MS;
    int64_t hms = PROTO_HLC_MS(e->hlc);
    /* Differences taken so that no subtraction can overflow: wall_ms is
     * any int64 a peer wrote. */
    if (e->clk > l || e->clk < -l)
        return "offset";
    if (e->wall_ms < hms && hms - l > e->wall_ms)
        return "stamp_ahead";
    if (e->wall_ms > hms && e->wall_ms - l > hms)
        return "wall_ahead";
    return NULL;
}

const fold_event *rpt_record_event(const fold_state *st)
{
    const fold_event *e = fold_state_first(st, PROTO_ACTION_CREATE);
    return e ? e : st->nevents ? &st->events[0] : NULL;
}
