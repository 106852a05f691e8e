/* verbs.c: the handheld's verb table: every record a guard or butler makes,
 * with its fields, which are required, their types and allowed values.
 *
 * The table is the single source of truth for validation (C API and CLI)
 * and for the CLI's --help. Field names are the op's field names unless
 * op_name says otherwise (an exit's gate is stored as "exit_gate" so that it
 * does not overwrite the entry's gate in the merged visit).
 * docs/DATA-MODEL.md lists the same table for readers.
 */
#include <stddef.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "../proto/proto.h"
#include "handheld.h"

static const char *const methods[] = {"nfc", "qr", "manual", NULL};
static const char *const id_types[] = {"id_card",
                                       "passport",
                                       "hk_macau_permit",
                                       "taiwan_permit",
                                       "driving_license",
                                       "other",
                                       "none",
                                       NULL};
static const char *const vehicle_types[] = {
    "car", "van", "truck", "motorcycle", "bus", "other", NULL};
static const char *const categories[] = {"plumbing",
                                         "electrical",
                                         "elevator",
                                         "structure",
                                         "door_window",
                                         "heating",
                                         "public_facility",
                                         "public_lighting",
                                         "complaint",
                                         "other",
                                         NULL};
static const char *const priorities[] = {"normal", "urgent", NULL};
/* The urgent (急修) categories of the estates' repair rules. */
static const char *const urgent_reasons[] = {
    "elevator_trapped", "structural_danger",  "wiring_fault",
    "pump_pipe_leak",   "heating_riser_leak", "stairs_railings",
    "falling_parts",    "other_danger",       NULL};
static const char *const severities[] = {
    "general", "difficult", "major", "serious", "simple", "complex", NULL};
static const char *const satisfactions[] = {"satisfied", "unsatisfied", NULL};
static const char *const checks[] = {"ok", "fail", NULL};

#define BY(opname)                                                             \
    {                                                                          \
        "by", HH_STR, 0, NULL, NULL, opname,                                   \
            "person recording (default: the device's current user)"            \
    }
#define END                                                                    \
    {                                                                          \
        NULL, 0, 0, NULL, NULL, NULL, NULL                                     \
    }

static const hh_field_spec scan_fields[] = {
    {"tag", HH_STR, 1, NULL, NULL, NULL, N_("checkpoint tag id")},
    {"route", HH_STR, 0, NULL, NULL, NULL, N_("route id")},
    {"method", HH_ENUM, 0, methods, "nfc", NULL, N_("how it was scanned")},
    {"note", HH_TEXT, 0, NULL, NULL, NULL, N_("observation")},
    {"anomaly", HH_BOOL, 0, NULL, "false", NULL, N_("something is wrong here")},
    {"workorder", HH_ENUM, 0, categories, NULL, NULL,
     N_("open a work order of this category for the observation")},
    BY(NULL),
    END};

static const hh_field_spec visit_enter_fields[] = {
    {"name", HH_STR, 1, NULL, NULL, NULL, N_("visitor's name")},
    {"id_type", HH_ENUM, 1, id_types, NULL, NULL, N_("ID document type")},
    {"id_no", HH_STR, 1, NULL, NULL, NULL, N_("ID document number (masked)")},
    {"phone", HH_STR, 0, NULL, NULL, NULL, N_("visitor's phone")},
    {"unit", HH_STR, 1, NULL, NULL, NULL, N_("host unit, building-unit-room")},
    {"purpose", HH_STR, 1, NULL, NULL, NULL, N_("purpose of the visit")},
    {"party", HH_INT, 0, NULL, "1", NULL, N_("number of people")},
    {"gate", HH_STR, 0, NULL, NULL, NULL, N_("gate of entry")},
    {"pass", HH_STR, 0, NULL, NULL, NULL, N_("temporary pass number issued")},
    {"plate", HH_STR, 0, NULL, NULL, NULL, N_("vehicle plate")},
    BY(NULL),
    END};

static const hh_field_spec visit_exit_fields[] = {
    {"gate", HH_STR, 0, NULL, NULL, "exit_gate", N_("gate of exit")},
    BY("exit_by"),
    END};

static const hh_field_spec visit_refuse_fields[] = {
    {"name", HH_STR, 1, NULL, NULL, NULL, N_("person's name")},
    {"reason", HH_TEXT, 1, NULL, NULL, NULL, N_("why entry was refused")},
    {"id_type", HH_ENUM, 0, id_types, "none", NULL, N_("ID document type")},
    {"id_no", HH_STR, 0, NULL, NULL, NULL, N_("ID document number (masked)")},
    {"phone", HH_STR, 0, NULL, NULL, NULL, N_("phone")},
    {"unit", HH_STR, 0, NULL, NULL, NULL, N_("unit they asked for")},
    {"purpose", HH_STR, 0, NULL, NULL, NULL, N_("stated purpose")},
    {"gate", HH_STR, 0, NULL, NULL, NULL, N_("gate")},
    {"plate", HH_STR, 0, NULL, NULL, NULL, N_("vehicle plate")},
    BY(NULL),
    END};

static const hh_field_spec vehicle_enter_fields[] = {
    {"plate", HH_STR, 1, NULL, NULL, NULL, N_("plate")},
    {"type", HH_ENUM, 0, vehicle_types, "car", NULL, N_("vehicle type")},
    {"unit", HH_STR, 0, NULL, NULL, NULL, N_("unit visited")},
    {"phone", HH_STR, 0, NULL, NULL, NULL, N_("driver's phone")},
    {"gate", HH_STR, 0, NULL, NULL, NULL, N_("gate of entry")},
    BY(NULL),
    END};

static const hh_field_spec wo_create_fields[] = {
    {"place", HH_STR, 1, NULL, NULL, NULL,
     N_("unit (building-unit-room) or public place")},
    {"category", HH_ENUM, 1, categories, NULL, NULL, N_("kind of fault")},
    {"description", HH_TEXT, 1, NULL, NULL, NULL, N_("what is wrong")},
    {"contact", HH_STR, 0, NULL, NULL, NULL, N_("reporter's name and phone")},
    {"appointment", HH_TIME, 0, NULL, NULL, NULL, N_("agreed visit time")},
    {"priority", HH_ENUM, 0, priorities, "normal", NULL,
     N_("normal or urgent")},
    {"urgent_reason", HH_ENUM, 0, urgent_reasons, NULL, NULL,
     N_("urgent category (makes the order urgent)")},
    {"severity", HH_ENUM, 0, severities, "general", NULL,
     N_("general/difficult/major (repairs), general/serious (complaints), "
        "simple/complex (public lighting)")},
    {"called_at", HH_TIME, 0, NULL, NULL, NULL,
     N_("when the resident called (default: now)")},
    BY(NULL),
    END};

static const hh_field_spec wo_dispatch_fields[] = {
    {"assignee", HH_STR, 1, NULL, NULL, NULL, N_("technician")},
    {"appointment", HH_TIME, 0, NULL, NULL, NULL,
     N_("visit time agreed with the resident")},
    BY("dispatch_by"),
    END};
static const hh_field_spec wo_arrive_fields[] = {BY("arrive_by"), END};
static const hh_field_spec wo_complete_fields[] = {
    {"signature", HH_STR, 1, NULL, NULL, NULL,
     N_("resident's signature (name)")},
    {"labour_min", HH_INT, 1, NULL, NULL, NULL, N_("labour in minutes")},
    {"materials", HH_TEXT, 0, NULL, NULL, NULL, N_("materials used")},
    {"note", HH_TEXT, 0, NULL, NULL, "complete_note", N_("what was done")},
    BY("complete_by"),
    END};
static const hh_field_spec wo_callback_fields[] = {
    {"satisfaction", HH_ENUM, 1, satisfactions, NULL, NULL,
     N_("resident's verdict (unsatisfied reopens the order)")},
    {"note", HH_TEXT, 0, NULL, NULL, "callback_note", N_("callback notes")},
    BY("callback_by"),
    END};
static const hh_field_spec wo_close_fields[] = {
    {"note", HH_TEXT, 0, NULL, NULL, "close_note", N_("closing note")},
    BY("close_by"),
    END};
static const hh_field_spec wo_cancel_fields[] = {
    {"reason", HH_TEXT, 1, NULL, NULL, "cancel_reason", N_("why")},
    BY("cancel_by"),
    END};
static const hh_field_spec wo_reopen_fields[] = {
    {"reason", HH_TEXT, 1, NULL, NULL, "reopen_reason", N_("why")},
    BY("reopen_by"),
    END};

static const hh_field_spec inspection_fields[] = {
    {"unit", HH_STR, 1, NULL, NULL, NULL, N_("vacant unit")},
    {"doors_windows", HH_ENUM, 0, checks, "ok", NULL,
     N_("doors, windows shut")},
    {"water", HH_ENUM, 0, checks, "ok", NULL, N_("water switched off")},
    {"power", HH_ENUM, 0, checks, "ok", NULL, N_("electricity switched off")},
    {"gas", HH_ENUM, 0, checks, "ok", NULL, N_("gas switched off")},
    {"leaks", HH_ENUM, 0, checks, "ok", NULL, N_("no leaks")},
    {"cracks", HH_ENUM, 0, checks, "ok", NULL, N_("no cracks in walls/floors")},
    {"note", HH_TEXT, 0, NULL, NULL, NULL, N_("free note")},
    BY(NULL),
    END};

static const hh_field_spec handover_fields[] = {
    {"to", HH_STR, 1, NULL, NULL, NULL, N_("incoming staff")},
    {"notes", HH_TEXT, 0, NULL, NULL, NULL, N_("open issues, major events")},
    {"keys", HH_TEXT, 0, NULL, NULL, NULL,
     N_("keys and tools as free text (older records; prefer --items)")},
    {"items", HH_STR, 0, NULL, NULL, NULL,
     N_("keys and tools counted: NAME=COUNT;NAME=COUNT (e.g. 'master "
        "key=3;radio=2')")},
    BY(NULL),
    END};
static const hh_field_spec handover_ack_fields[] = {
    {"confirm", HH_STR, 0, NULL, NULL, NULL,
     N_("the recipient's own count of every item: NAME=COUNT;... (required "
        "when the handover has items)")},
    BY("ack_by"),
    END};

static const hh_field_spec log_fields[] = {
    {"text", HH_TEXT, 1, NULL, NULL, NULL, N_("what happened")}, BY(NULL), END};

#define K(x) PROTO_KIND_##x
#define A(x) PROTO_ACTION_##x
static const hh_verb_spec verbs[] = {
    {"scan.record", K(SCAN), A(CREATE), 1, NULL,
     N_("record a patrol checkpoint scan"), scan_fields},
    {"visit.enter", K(VISIT), A(CREATE), 1, NULL, N_("register a visitor in"),
     visit_enter_fields},
    {"visit.exit", K(VISIT), A(EXIT), 0, "inside",
     N_("a visitor leaves (target: visit id or pass number)"),
     visit_exit_fields},
    {"visit.refuse", K(VISIT), A(REFUSE), 1, NULL, N_("record a refused entry"),
     visit_refuse_fields},
    {"vehicle.enter", K(VEHICLE), A(CREATE), 1, NULL,
     N_("register an unfamiliar vehicle in"), vehicle_enter_fields},
    {"vehicle.exit", K(VEHICLE), A(EXIT), 0, "inside",
     N_("a vehicle leaves (target: vehicle id or plate)"), visit_exit_fields},
    {"workorder.create", K(WORKORDER), A(CREATE), 1, NULL,
     N_("file a repair or complaint"), wo_create_fields},
    {"workorder.dispatch", K(WORKORDER), A(DISPATCH), 0,
     "reported|reopened|dispatched", N_("assign a technician"),
     wo_dispatch_fields},
    {"workorder.arrive", K(WORKORDER), A(ARRIVE), 0, "dispatched",
     N_("technician on site"), wo_arrive_fields},
    {"workorder.complete", K(WORKORDER), A(COMPLETE), 0, "arrived",
     N_("fixed; resident tested and signed"), wo_complete_fields},
    {"workorder.callback", K(WORKORDER), A(CALLBACK), 0, "completed",
     N_("resident called back"), wo_callback_fields},
    {"workorder.close", K(WORKORDER), A(CLOSE), 0, "called_back",
     N_("close after the callback"), wo_close_fields},
    {"workorder.cancel", K(WORKORDER), A(CANCEL), 0,
     "reported|reopened|dispatched|arrived", N_("cancel the order"),
     wo_cancel_fields},
    {"workorder.reopen", K(WORKORDER), A(REOPEN), 0,
     "completed|called_back|closed", N_("reopen (fault came back)"),
     wo_reopen_fields},
    {"inspection.record", K(INSPECTION), A(CREATE), 1, NULL,
     N_("vacant-unit inspection; a failed item opens a work order"),
     inspection_fields},
    {"handover.create", K(HANDOVER), A(CREATE), 1, NULL,
     N_("hand the shift over (open items are listed automatically)"),
     handover_fields},
    {"handover.ack", K(HANDOVER), A(ACK), 0, "pending|acknowledged",
     N_("the named recipient acknowledges a handover"), handover_ack_fields},
    {"log.note", K(DUTYLOG), A(CREATE), 1, NULL, N_("duty log entry"),
     log_fields},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

const hh_verb_spec *hh_verbs(void)
{
    return verbs;
}

const hh_verb_spec *hh_verb_find(const char *verb)
{
    for (const hh_verb_spec *v = verbs; v->verb; v++)
        if (strcmp(v->verb, verb) == 0)
            return v;
    return NULL;
}
