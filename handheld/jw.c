/* jw.c: a record's field as JSON for the project's front ends (hh_jw.h). */
#include "hh_jw.h"

void hh__jw_value(rpt_jw *j, const hh_value *v)
{
    char masked[HH_VALUE_MAX + 1];
    const char *str;
    size_t len;
    switch (v->type) {
    case HH_VAL_STR:
        hh_value_shown(v, masked, sizeof masked, &str, &len);
        rpt_jw_strn(j, str, len);
        break;
    case HH_VAL_INT:
        rpt_jw_int(j, v->i);
        break;
    case HH_VAL_BOOL:
        rpt_jw_bool(j, (int)v->i);
        break;
    default:
        rpt_jw_null(j);
    }
}
