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
/* Complaints and callbacks (DOMAIN.md, "Complaints and callbacks"). */
static const char *const channels[] = {"phone",  "letter", "visit",
                                       "online", "desk",   NULL};
static const char *const cb_methods[] = {"door", "phone", "letter", NULL};
static const char *const fb_methods[] = {"phone", "visit", "letter", "online",
                                         NULL};
static const char *const reply_methods[] = {"spot", "phone", "letter", "visit",
                                            NULL};
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
    {"tag", HH_STR, 0, NULL, NULL, NULL,
     N_("checkpoint tag id, typed by hand (recorded as manual)")},
    {"payload", HH_STR, 0, NULL, NULL, NULL,
     N_("the signed text a QR code or NFC tag holds (verified offline)")},
    {"route", HH_STR, 0, NULL, NULL, NULL, N_("route id")},
    {"method", HH_ENUM, 0, methods, NULL, NULL,
     N_("how it was read: nfc or qr with --payload (default nfc), else "
        "manual")},
    {"note", HH_TEXT, 0, NULL, NULL, NULL, N_("observation")},
    {"anomaly", HH_BOOL, 0, NULL, "false", NULL, N_("something is wrong here")},
    {"workorder", HH_ENUM, 0, categories, NULL, NULL,
     N_("open a work order of this category for the observation")},
    {"force", HH_SWITCH, 0, NULL, NULL, NULL,
     N_("record a tag that is not a checkpoint of the site (flagged "
        "unknown_tag)")},
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
    {"channel", HH_ENUM, 0, channels, NULL, NULL,
     N_("how it came in: phone, letter, visit, online or desk")},
    {"anonymous", HH_BOOL, 0, NULL, NULL, NULL,
     N_("no name or contact: recorded, needs no callback")},
    {"valid", HH_BOOL, 0, NULL, NULL, NULL,
     N_("complaint: the desk found it valid (or later: workorder assess)")},
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
    {"signature_strokes", HH_TEXT, 0, NULL, NULL, NULL,
     N_("the resident's signature drawn on the screen: x,y x,y;x,y ... "
        "(1000x400 pad)")},
    BY("complete_by"),
    END};
static const hh_field_spec wo_callback_fields[] = {
    {"satisfaction", HH_ENUM, 1, satisfactions, NULL, NULL,
     N_("resident's verdict (unsatisfied reopens the order)")},
    {"method", HH_ENUM, 0, cb_methods, NULL, "callback_method",
     N_("door (door-to-door, signed), phone or letter")},
    {"result", HH_TEXT, 0, NULL, NULL, "callback_result",
     N_("what the resident said")},
    {"signature_strokes", HH_TEXT, 0, NULL, NULL, "callback_signature_strokes",
     N_("the resident's signature drawn on the screen (method door): x,y "
        "x,y;x,y ... (1000x400 pad)")},
    {"signature", HH_STR, 0, NULL, NULL, "callback_signature",
     N_("resident's signature (name): required with --method door")},
    {"note", HH_TEXT, 0, NULL, NULL, "callback_note", N_("callback notes")},
    BY("callback_by"),
    END};
static const hh_field_spec wo_feedback_fields[] = {
    {"method", HH_ENUM, 0, fb_methods, NULL, "feedback_method",
     N_("phone, visit, letter or online")},
    {"note", HH_TEXT, 0, NULL, NULL, "feedback_note",
     N_("what the resident was told")},
    BY("feedback_by"),
    END};
static const hh_field_spec wo_escalate_fields[] = {
    {"to", HH_STR, 1, NULL, NULL, "escalate_to", N_("the manager it goes to")},
    {"note", HH_TEXT, 0, NULL, NULL, "escalate_note", N_("why")},
    BY("escalate_by"),
    END};
static const hh_field_spec wo_reply_fields[] = {
    {"text", HH_TEXT, 1, NULL, NULL, "reply_text",
     N_("the answer, or what was agreed")},
    {"method", HH_ENUM, 0, reply_methods, NULL, "reply_method",
     N_("spot, phone, letter or visit")},
    {"answer_by", HH_TIME, 0, NULL, NULL, NULL,
     N_("cannot answer now: the answer agreed by this time (at most 3 days)")},
    BY("reply_by"),
    END};
static const hh_field_spec wo_assess_fields[] = {
    {"valid", HH_BOOL, 1, NULL, NULL, NULL,
     N_("the complaint is valid (true) or not (false)")},
    {"severity", HH_ENUM, 0, severities, NULL, NULL,
     N_("general or serious (5 working days; escalate it)")},
    {"note", HH_TEXT, 0, NULL, NULL, "assess_note", N_("why")},
    BY("assess_by"),
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

/* ---- the registers (docs/DATA-MODEL.md, "Registers") ---- */

static const char *const incident_types[] = {
    "fire", "theft", "injury", "dispute", "flood", "intrusion", "other", NULL};
static const char *const slip_results[] = {"passed", "stopped", NULL};

static const hh_field_spec incident_fields[] = {
    {"type", HH_ENUM, 1, incident_types, NULL, NULL, N_("kind of incident")},
    {"place", HH_STR, 1, NULL, NULL, NULL, N_("where it happened")},
    {"description", HH_TEXT, 1, NULL, NULL, NULL, N_("what happened")},
    {"occurred_at", HH_TIME, 0, NULL, NULL, NULL,
     N_("when it happened (default: when recorded; not in the future)")},
    {"people", HH_TEXT, 0, NULL, NULL, NULL, N_("people involved")},
    {"phone", HH_STR, 0, NULL, NULL, NULL,
     N_("a phone of the people involved (sealed)")},
    {"actions", HH_TEXT, 0, NULL, NULL, NULL, N_("actions taken")},
    BY(NULL),
    END};
static const hh_field_spec incident_escalate_fields[] = {
    {"to", HH_STR, 1, NULL, NULL, "escalated_to",
     N_("to whom (manager, police, fire brigade...)")},
    {"note", HH_TEXT, 0, NULL, NULL, "escalate_note", N_("escalation note")},
    BY("escalate_by"),
    END};
static const hh_field_spec incident_close_fields[] = {
    {"note", HH_TEXT, 0, NULL, NULL, "close_note", N_("how it ended")},
    BY("close_by"),
    END};

static const hh_field_spec key_out_fields[] = {
    {"unit", HH_STR, 1, NULL, NULL, NULL,
     N_("the owner's unit, building-unit-room")},
    {"key_label", HH_STR, 1, NULL, NULL, NULL,
     N_("which key (as labelled in the key cabinet)")},
    {"to", HH_STR, 1, NULL, NULL, NULL, N_("who takes the key")},
    {"phone", HH_STR, 0, NULL, NULL, NULL, N_("their phone (sealed)")},
    {"signature", HH_STR, 1, NULL, NULL, NULL,
     N_("signature of who takes it (name)")},
    {"purpose", HH_TEXT, 0, NULL, NULL, NULL, N_("why it goes out")},
    BY(NULL),
    END};
static const hh_field_spec key_back_fields[] = {
    /* The command line's other way to name the key: `rounds key back
     * --unit U` is `rounds key back U` (rounds_records.c); never stored
     * by it. */
    {"unit", HH_STR, 0, NULL, NULL, "back_unit",
     N_("the unit of the key out, instead of its id")},
    {"signature", HH_STR, 1, NULL, NULL, "back_signature",
     N_("signature of who brings it back (name)")},
    {"from", HH_STR, 0, NULL, NULL, "back_from",
     N_("who brings it back (default: who took it)")},
    {"note", HH_TEXT, 0, NULL, NULL, "back_note", N_("note")},
    BY("back_by"),
    END};

static const hh_field_spec lost_found_fields[] = {
    {"item", HH_TEXT, 1, NULL, NULL, NULL, N_("what was found")},
    {"place", HH_STR, 1, NULL, NULL, NULL, N_("where it was found")},
    {"found_at", HH_TIME, 0, NULL, NULL, NULL,
     N_("when it was found (default: when recorded; not in the future)")},
    {"finder", HH_STR, 0, NULL, NULL, NULL, N_("who found it")},
    {"kept_at", HH_STR, 0, NULL, NULL, NULL, N_("where it is kept")},
    {"note", HH_TEXT, 0, NULL, NULL, NULL, N_("free note")},
    BY(NULL),
    END};
static const hh_field_spec lost_return_fields[] = {
    {"claimant", HH_STR, 1, NULL, NULL, NULL, N_("who claimed it")},
    {"id_no", HH_STR, 0, NULL, NULL, NULL,
     N_("claimant's ID document number (sealed)")},
    {"phone", HH_STR, 0, NULL, NULL, NULL, N_("claimant's phone (sealed)")},
    {"signature", HH_STR, 1, NULL, NULL, "return_signature",
     N_("claimant's signature (name)")},
    {"note", HH_TEXT, 0, NULL, NULL, "return_note", N_("note")},
    BY("return_by"),
    END};
static const hh_field_spec lost_dispose_fields[] = {
    {"reason", HH_TEXT, 1, NULL, NULL, "dispose_reason",
     N_("why and how it was disposed of")},
    BY("dispose_by"),
    END};

static const hh_field_spec exitslip_fields[] = {
    {"slip", HH_STR, 1, NULL, NULL, NULL, N_("exit slip number")},
    {"unit", HH_STR, 1, NULL, NULL, NULL, N_("unit the items come from")},
    {"items", HH_TEXT, 1, NULL, NULL, NULL, N_("the large items leaving")},
    {"moving_out", HH_BOOL, 0, NULL, "false", NULL,
     N_("a resident moving out (needs the office's release)")},
    {"release", HH_STR, 0, NULL, NULL, NULL,
     N_("the office's release for moving out: its number or signer")},
    {"result", HH_ENUM, 1, slip_results, NULL, NULL,
     N_("the gate's check: passed or stopped")},
    {"reason", HH_TEXT, 0, NULL, NULL, NULL,
     N_("why stopped (required when stopped)")},
    {"carrier", HH_STR, 0, NULL, NULL, NULL, N_("who carries the items")},
    {"phone", HH_STR, 0, NULL, NULL, NULL, N_("carrier's phone (sealed)")},
    {"plate", HH_STR, 0, NULL, NULL, NULL, N_("vehicle plate")},
    {"gate", HH_STR, 0, NULL, NULL, NULL, N_("gate")},
    BY(NULL),
    END};

static const hh_field_spec task_fields[] = {
    {"plan", HH_STR, 1, NULL, NULL, NULL,
     N_("the office's task plan (FIRE-EXT...)")},
    {"note", HH_TEXT, 0, NULL, NULL, NULL, N_("what was found or done")},
    BY(NULL),
    END};

#define K(x) PROTO_KIND_##x
#define A(x) PROTO_ACTION_##x
/* A complaint's steps beside its life cycle: any status but the end. */
#define WO_LIVE "reported|reopened|dispatched|arrived|completed|called_back"
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
    {"workorder.feedback", K(WORKORDER), A(FEEDBACK), 0, WO_LIVE,
     N_("feedback given to the resident (the 4-hour clock)"),
     wo_feedback_fields},
    {"workorder.escalate", K(WORKORDER), A(ESCALATE), 0, WO_LIVE,
     N_("escalate a serious complaint to the manager"), wo_escalate_fields},
    {"workorder.reply", K(WORKORDER), A(REPLY), 0, WO_LIVE,
     N_("reply to a complaint, or agree when (--answer-by)"), wo_reply_fields},
    {"workorder.assess", K(WORKORDER), A(ASSESS), 0, WO_LIVE,
     N_("mark a complaint valid or not, and its severity"), wo_assess_fields},
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
    {"incident.report", K(INCIDENT), A(CREATE), 1, NULL,
     N_("report an incident (fire, theft, injury...)"), incident_fields},
    {"incident.escalate", K(INCIDENT), A(ESCALATE), 0, "open|escalated",
     N_("escalate an incident"), incident_escalate_fields},
    {"incident.close", K(INCIDENT), A(CLOSE), 0, "open|escalated",
     N_("close an incident"), incident_close_fields},
    {"key.out", K(OWNERKEY), A(CREATE), 1, NULL,
     N_("hand out an owner's key held by the office (signed)"), key_out_fields},
    {"key.back", K(OWNERKEY), A(RETURN), 0, "out",
     N_("an owner's key comes back (target: key id or unit)"), key_back_fields},
    {"lost.found", K(LOSTFOUND), A(CREATE), 1, NULL,
     N_("register a found item"), lost_found_fields},
    {"lost.return", K(LOSTFOUND), A(RETURN), 0, "found",
     N_("a found item is returned to who claimed it"), lost_return_fields},
    {"lost.dispose", K(LOSTFOUND), A(DISPOSE), 0, "found",
     N_("a found item nobody claimed is disposed of"), lost_dispose_fields},
    {"exitslip.check", K(EXITSLIP), A(CREATE), 1, NULL,
     N_("large items leaving: check the exit slip at the gate"),
     exitslip_fields},
    {"task.done", K(TASK), A(CREATE), 1, NULL,
     N_("a recurring task of the office's plan is done"), task_fields},
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

const char *hh_field_type_name(int type)
{
    switch (type) {
    case HH_INT:
        return "int";
    case HH_TIME:
        return "time";
    case HH_BOOL:
        return "bool";
    case HH_SWITCH:
        return "switch";
    case HH_ENUM:
        return "enum";
    case HH_TEXT:
        return "text";
    }
    return "string";
}
