/* admin_kinds.c: the master-data kinds the office writes and their field
 * tables (admin.h: srv_md_kinds, srv_md_find, srv_md_of_kind). The tables
 * drive validation (admin.c), the commands' flags and help (roundsd.c)
 * and docs/DATA-MODEL.md's "Kinds, keys and fields". */
#include <stddef.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "admin.h"

/* ---- the field tables --------------------------------------------------- */

static const char *const roles[] = {"guard", "butler", "technician", "office",
                                    NULL};
static const char *const recurrences[] = {"daily", "weekly", "monthly",
                                          "quarterly", NULL};

#define END                                                                    \
    {                                                                          \
        NULL, NULL, 0, 0, 0, NULL, NULL, 0, 0, NULL, NULL                      \
    }

static const srv_md_field site_fields[] = {
    {"name", "name", SRV_MD_STR, 0, 1, NULL, NULL, 0, 0, "NAME",
     "the estate's full name (required by add)"},
    {"address", "address", SRV_MD_STR, 0, 0, NULL, NULL, 0, 0, "ADDRESS",
     "postal address"},
    END};

static const srv_md_field unit_fields[] = {
    {"unit", "unit", SRV_MD_STR, SRV_MD_KEY, 1, NULL, NULL, 0, 0, "B-U-R",
     "the unit, building-unit-room (the key)"},
    {"building", "building", SRV_MD_STR, 0, 0, NULL, NULL, 0, 0, "B",
     "building (add's default: the unit up to its first '-')"},
    {"cluster", "cluster", SRV_MD_STR, 0, 0, NULL, NULL, 0, 0, "C",
     "the butler's cluster of buildings"},
    {"vacant", "vacant", SRV_MD_BOOL, 0, 0, NULL, "false", 0, 0, "true|false",
     "on the vacant-unit list (add's default: false)"},
    {"resident", "resident", SRV_MD_STR, 0, 0, NULL, NULL, 0, 0, "NAME",
     "resident's name"},
    END};

static const srv_md_field route_fields[] = {
    {"route", "route", SRV_MD_STR, SRV_MD_KEY, 1, NULL, NULL, 0, 0, "R",
     "route id (the key)"},
    {"name", "name", SRV_MD_STR, 0, 1, NULL, NULL, 0, 0, "NAME",
     "route name (required by add)"},
    {"interval-min", "interval_min", SRV_MD_INT, 0, 1, NULL, NULL, 1, 1440,
     "MIN", "a round every MIN minutes, 1..1440 (required by add)"},
    {"checkpoints", "checkpoints", SRV_MD_LIST, 0, 1, NULL, NULL, 1, 256,
     "CP,CP,...", "checkpoint tags in walking order (required by add)"},
    {"window-min", "window_min", SRV_MD_INT, 0, 0, NULL, "15", 0, 1440, "MIN",
     "time window per checkpoint, 0..1440 (add's default: 15)"},
    {"active-from", "active_from", SRV_MD_STR, 0, 0, NULL, NULL, 0, 0, "HH:MM",
     "rounds start at this local time (default: all day, from 00:00)"},
    {"active-to", "active_to", SRV_MD_STR, 0, 0, NULL, NULL, 0, 0, "HH:MM",
     "end of the active hours; at or before --active-from: the next day"},
    {"active-days", "active_days", SRV_MD_STR, 0, 0, NULL, NULL, 0, 0, "DAYS",
     "weekdays walked: daily, mon-fri, sat,sun (default: daily)"},
    {"recurrence", "recurrence", SRV_MD_ENUM, 0, 0, recurrences, NULL, 0, 0,
     "daily|weekly|monthly|quarterly",
     "rounds every interval (daily, default) or one per week, month, quarter"},
    {"offsets", "offsets", SRV_MD_STR, 0, 0, NULL, NULL, 0, 0, "MIN,MIN,...",
     "per checkpoint: minutes from the round's start it is due (default: 0)"},
    {"tolerance-min", "tolerance_min", SRV_MD_INT, 0, 0, NULL, NULL, 0, 1440,
     "MIN",
     "minutes a checkpoint may be scanned past its offset (default: "
     "--window-min)"},
    {"tolerances", "tolerances", SRV_MD_STR, 0, 0, NULL, NULL, 0, 0,
     "MIN,MIN,...", "per checkpoint tolerance, one per checkpoint"},
    END};

static const srv_md_field checkpoint_fields[] = {
    {"tag", "tag", SRV_MD_STR, SRV_MD_KEY, 1, NULL, NULL, 0, 0, "T",
     "the checkpoint's NFC/QR tag id (the key)"},
    {"name", "name", SRV_MD_STR, 0, 1, NULL, NULL, 0, 0, "NAME",
     "checkpoint name (required by add)"},
    {"place", "place", SRV_MD_STR, 0, 1, NULL, NULL, 0, 0, "PLACE",
     "where it is (required by add)"},
    END};

static const srv_md_field staff_fields[] = {
    {"staff", "staff", SRV_MD_STR, SRV_MD_KEY, 1, NULL, NULL, 0, 0, "ID",
     "staff id (the key; what handhelds record as --by)"},
    {"name", "name", SRV_MD_STR, 0, 1, NULL, NULL, 0, 0, "NAME",
     "full name (required by add)"},
    {"role", "role", SRV_MD_ENUM, 0, 1, roles, NULL, 0, 0,
     "guard|butler|technician|office", "role (required by add)"},
    {"phone", "phone", SRV_MD_STR, 0, 0, NULL, NULL, 0, 0, "PHONE", "phone"},
    {"cluster", "cluster", SRV_MD_STR, 0, 0, NULL, NULL, 0, 0, "C",
     "a butler's cluster of buildings"},
    END};

static const srv_md_field plate_fields[] = {
    {"plate", "plate", SRV_MD_STR, SRV_MD_KEY, 1, NULL, NULL, 0, 0, "P",
     "resident vehicle's plate (the key; stored in canonical form)"},
    {"unit", "unit", SRV_MD_STR, 0, 1, NULL, NULL, 0, 0, "B-U-R",
     "the resident's unit (required by add)"},
    {"owner", "owner", SRV_MD_STR, 0, 0, NULL, NULL, 0, 0, "NAME",
     "owner's name"},
    END};

static const srv_md_field blacklist_fields[] = {
    {"person", "name", SRV_MD_STR, SRV_MD_KEY, 0, NULL, NULL, 0, 0, "NAME",
     "a banned person's name (or --plate)"},
    {"id-no", "id_no", SRV_MD_STR, SRV_MD_KEY, 0, NULL, NULL, 0, 0, "N",
     "their ID document number (with --person; then the key)"},
    {"plate", "plate", SRV_MD_STR, SRV_MD_KEY, 0, NULL, NULL, 0, 0, "P",
     "a banned plate (or --person)"},
    {"reason", "reason", SRV_MD_STR, 0, 1, NULL, NULL, 0, 0, "R",
     "why (shown to the guard; required by add)"},
    END};

/* The holiday calendar (report/calendar.h): a day off, or a weekend day
 * worked instead (China's adjusted working days, 调休). */
static const char *const holiday_types[] = {"holiday", "workday", NULL};

static const srv_md_field holiday_fields[] = {
    {"date", "date", SRV_MD_STR, SRV_MD_KEY, 1, NULL, NULL, 0, 0, "YYYY-MM-DD",
     "the day (the key)"},
    {"type", "type", SRV_MD_ENUM, 0, 0, holiday_types, "holiday", 0, 0,
     "holiday|workday",
     "holiday: no working day; workday: a weekend day worked instead "
     "(add's default: holiday)"},
    {"name", "name", SRV_MD_STR, 0, 0, NULL, NULL, 0, 0, "NAME",
     "what it is (National Day)"},
    END};

/* A recurring task beyond a day (monthly fire-equipment checks,
 * quarterly tank cleaning): handhelds record it done (task done --plan);
 * `roundsd report tasks` shows which are due or overdue. */
static const char *const plan_recurrences[] = {"weekly", "monthly", "quarterly",
                                               NULL};
static const srv_md_field taskplan_fields[] = {
    {"plan", "plan", SRV_MD_STR, SRV_MD_KEY, 1, NULL, NULL, 0, 0, "KEY",
     "the plan's key, as handhelds give it (FIRE-EXT; the key)"},
    {"name", "name", SRV_MD_STR, 0, 1, NULL, NULL, 0, 0, "NAME",
     "what is to be done (required by add)"},
    {"recurrence", "recurrence", SRV_MD_ENUM, 0, 1, plan_recurrences, NULL, 0,
     0, "weekly|monthly|quarterly", "how often (required by add)"},
    {"place", "place", SRV_MD_STR, 0, 0, NULL, NULL, 0, 0, "PLACE",
     "where (building, plant room...)"},
    END};

static const srv_md_field roster_fields[] = {
    {"day", "day", SRV_MD_STR, SRV_MD_KEY, 1, NULL, NULL, 0, 0, "DAY",
     "the day the shift starts: YYYY-MM-DD, mon..sun or daily (key part)"},
    {"shift", "shift", SRV_MD_STR, SRV_MD_KEY, 1, NULL, NULL, 0, 0, "NAME",
     "the shift: day, night, ... (key part)"},
    {"route", "route", SRV_MD_STR, SRV_MD_KEY, 0, NULL, NULL, 0, 0, "R",
     "the route held (key part; or --post)"},
    {"post", "post", SRV_MD_STR, SRV_MD_KEY, 0, NULL, NULL, 0, 0, "P",
     "the post held, a gate or the desk (key part; or --route)"},
    {"staff", "staff", SRV_MD_STR, 0, 1, NULL, NULL, 0, 0, "ID",
     "who holds it: the staff id handhelds record (required by add)"},
    {"start", "start", SRV_MD_STR, 0, 1, NULL, NULL, 0, 0, "HH:MM",
     "shift start, local time (required by add)"},
    {"end", "end", SRV_MD_STR, 0, 1, NULL, NULL, 0, 0, "HH:MM",
     "shift end; at or before --start: the next day (required by add)"},
    END};

#define K(x) PROTO_KIND_##x
static const srv_md_kind kinds[] = {
    {"site", "sites", K(SITE), N_("the estate itself (its key is --site)"),
     site_fields},
    {"unit", "units", K(UNIT),
     N_("a unit (flat) of a building; the vacant-unit list is its vacant flag"),
     unit_fields},
    {"route", "routes", K(ROUTE),
     N_("a patrol route: ordered checkpoints, round interval, time window"),
     route_fields},
    {"checkpoint", "checkpoints", K(CHECKPOINT), N_("a patrol checkpoint tag"),
     checkpoint_fields},
    {"staff", "staff", K(STAFF),
     N_("a guard, butler, technician or office clerk"), staff_fields},
    {"plate", "plates", K(PLATE),
     N_("a resident's vehicle: needs no registration at the gate"),
     plate_fields},
    {"blacklist", "blacklist", K(BLACKLIST),
     N_("a banned person or plate: handhelds warn at entry, offline"),
     blacklist_fields},
    {"holiday", "holidays", K(HOLIDAY),
     N_("a public holiday, or a weekend day worked instead: the working "
        "days of the complaint clocks"),
     holiday_fields},
    {"taskplan", "taskplans", K(TASKPLAN),
     N_("a recurring task beyond a day: weekly, monthly or quarterly"),
     taskplan_fields},
    {"roster", "roster", K(ROSTER),
     N_("who holds a route or post in a shift, on a date, weekday or daily"),
     roster_fields},
    {NULL, NULL, 0, NULL, NULL},
};
#undef K

const srv_md_kind *srv_md_kinds(void)
{
    return kinds;
}

const srv_md_kind *srv_md_find(const char *name)
{
    for (const srv_md_kind *k = kinds; k->noun; k++)
        if (strcmp(k->noun, name) == 0 || strcmp(k->plural, name) == 0)
            return k;
    return NULL;
}

const srv_md_kind *srv_md_of_kind(int kind)
{
    for (const srv_md_kind *k = kinds; k->noun; k++)
        if (k->kind == kind)
            return k;
    return NULL;
}
