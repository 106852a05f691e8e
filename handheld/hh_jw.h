/* hh_jw.h: a record's field as JSON through report/'s writer (rpt_jw), the
 * one form the project's own front ends print it in: `rounds list --json`
 * and `rounds show --json` (rounds.c) and the records of rounds app's API
 * (app/app_api.c). Not installed: an app outside the project reads fields
 * through handheld.h and writes its own JSON. */
#ifndef RND_HH_JW_H
#define RND_HH_JW_H

#include "../report/render.h"
#include "handheld.h"

/* v's value into j: a string as hh_value_shown gives it (an ID number
 * masked), an int, a bool; any other type as null. */
void hh__jw_value(rpt_jw *j, const hh_value *v);

#endif
