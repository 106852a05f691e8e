/* verb_words.c: the verb table's words for people (hh_jw.h): a short title
 * for a verb and for a field, a form's help where the table's is the
 * command line's, and the words of a choice, in English and
 * marked for the catalogue (po/), so that a form built from the table
 * (the office dashboard's work-order steps, rounds app's GET /api/verbs)
 * reads as a clerk speaks. The rules stay in verbs.c: this file only names
 * what is there. A verb, field or choice without words here is shown by
 * its help or its value, so a change to verbs.c is never a missing form,
 * only a plainer label until its words are added.
 */
#include <string.h>

#include "../i18n/i18n.h"
#include "hh_jw.h"

/* "workorder" matches every verb of that kind ("workorder.dispatch"); a
 * whole verb name only that verb. */
typedef struct words {
    const char *verb;
    const char *name;
    const char *words;
} words;

static const words verb_titles[] = {
    {"workorder.create", NULL, N_("Filed")},
    {"workorder.dispatch", NULL, N_("Dispatch")},
    {"workorder.arrive", NULL, N_("On site")},
    {"workorder.complete", NULL, N_("Completed")},
    {"workorder.callback", NULL, N_("Callback")},
    {"workorder.feedback", NULL, N_("Feedback")},
    {"workorder.escalate", NULL, N_("Escalate")},
    {"workorder.reply", NULL, N_("Reply")},
    {"workorder.assess", NULL, N_("Assess")},
    {"workorder.close", NULL, N_("Close")},
    {"workorder.cancel", NULL, N_("Cancel order")},
    {"workorder.reopen", NULL, N_("Reopen")},
    {NULL, NULL, NULL}};

static const words field_titles[] = {
    {"workorder", "place", N_("Unit or public place")},
    {"workorder", "category", N_("Kind of fault")},
    {"workorder", "description", N_("What is wrong")},
    {"workorder", "contact", N_("Reporter and phone")},
    {"workorder", "appointment", N_("Appointment")},
    {"workorder", "priority", N_("Priority")},
    {"workorder", "urgent_reason", N_("Urgent because")},
    {"workorder", "severity", N_("Severity")},
    {"workorder", "called_at", N_("Called at")},
    {"workorder", "channel", N_("Came in by")},
    {"workorder", "anonymous", N_("Anonymous")},
    {"workorder", "valid", N_("Valid complaint")},
    {"workorder", "by", N_("Recorded by")},
    {"workorder", "assignee", N_("Technician")},
    {"workorder", "signature", N_("Resident's signature (name)")},
    {"workorder", "signature_strokes", N_("Signature drawn on the handheld")},
    {"workorder", "labour_min", N_("Labour (minutes)")},
    {"workorder", "materials", N_("Materials")},
    {"workorder", "note", N_("Note")},
    {"workorder", "satisfaction", N_("Resident's verdict")},
    {"workorder", "method", N_("How")},
    {"workorder", "result", N_("What the resident said")},
    {"workorder", "text", N_("Answer")},
    {"workorder", "answer_by", N_("Answer agreed by")},
    {"workorder", "reason", N_("Reason")},
    {"workorder.escalate", "to", N_("Escalated to")},
    {NULL, NULL, NULL}};

/* A form's help where the table's speaks the command line or lists raw
 * values (the table's stays the CLI's --help). */
static const words field_help[] = {
    {"workorder.create", "channel", N_("how the request came in")},
    {"workorder.create", "priority",
     N_("an urgent order needs its urgent reason")},
    {"workorder.create", "severity",
     N_("repairs: general, difficult or major; complaints: general or "
        "serious; public lighting: simple or complex")},
    {"workorder.create", "valid",
     N_("complaint: the desk found it valid (or later: Assess)")},
    {"workorder.callback", "method",
     N_("door-to-door needs the resident's signature")},
    {"workorder.callback", "signature",
     N_("required when the callback is door-to-door")},
    {"workorder.feedback", "method", N_("how the resident was told")},
    {"workorder.reply", "method", N_("how the answer was given")},
    {NULL, NULL, NULL}};

/* Here the verb is a field name: "channel" words only that field's
 * value; NULL words the value in any field. */
static const words choice_words[] = {
    {"channel", "visit", N_("walk-in")},
    {NULL, "visit", N_("home visit")},
    {NULL, "phone", N_("phone")},
    {NULL, "letter", N_("letter")},
    {NULL, "online", N_("online")},
    {NULL, "desk", N_("front desk")},
    {NULL, "spot", N_("on the spot")},
    {NULL, "door", N_("door-to-door (signed)")},
    {NULL, "plumbing", N_("plumbing")},
    {NULL, "electrical", N_("electrical")},
    {NULL, "elevator", N_("elevator")},
    {NULL, "structure", N_("structure")},
    {NULL, "door_window", N_("door / window")},
    {NULL, "heating", N_("heating")},
    {NULL, "public_facility", N_("public facility")},
    {NULL, "public_lighting", N_("public lighting")},
    {NULL, "complaint", N_("complaint")},
    {NULL, "other", N_("other")},
    {NULL, "normal", N_("normal")},
    {NULL, "urgent", N_("urgent")},
    {NULL, "elevator_trapped", N_("elevator failure / people trapped")},
    {NULL, "structural_danger", N_("structural danger")},
    {NULL, "wiring_fault", N_("wiring fault, outage or leakage")},
    {NULL, "pump_pipe_leak", N_("pump, burst pipe, severe leak")},
    {NULL, "heating_riser_leak", N_("heating riser leak")},
    {NULL, "stairs_railings", N_("broken stairs or railings")},
    {NULL, "falling_parts", N_("parts about to fall")},
    {NULL, "other_danger", N_("other danger")},
    {NULL, "general", N_("general")},
    {NULL, "difficult", N_("difficult")},
    {NULL, "major", N_("major")},
    {NULL, "serious", N_("serious")},
    {NULL, "simple", N_("simple")},
    {NULL, "complex", N_("complex")},
    {NULL, "satisfied", N_("satisfied")},
    {NULL, "unsatisfied", N_("unsatisfied (reopens the order)")},
    {NULL, NULL, NULL}};

/* Does key (a verb, a kind, a field name or NULL) name verb? */
static int key_is(const char *key, const char *verb)
{
    if (key == NULL || verb == NULL)
        return key == verb;
    size_t n = strlen(key);
    return strncmp(key, verb, n) == 0 && (verb[n] == '\0' || verb[n] == '.');
}

/* The words of name under verb in t: the exact verb's first, else its
 * kind's, else those of no verb. */
static const char *find(const words *t, const char *verb, const char *name)
{
    const char *kind = NULL, *any = NULL;
    for (; t->words; t++) {
        if (name && (t->name == NULL || strcmp(t->name, name) != 0))
            continue;
        if (t->verb && verb && strcmp(t->verb, verb) == 0)
            return t->words;
        if (t->verb && key_is(t->verb, verb) && kind == NULL)
            kind = t->words;
        if (t->verb == NULL && any == NULL)
            any = t->words;
    }
    return kind ? kind : any;
}

const char *hh__verb_title(const hh_verb_spec *v)
{
    return find(verb_titles, v->verb, NULL);
}

const char *hh__field_title(const hh_verb_spec *v, const hh_field_spec *f)
{
    return find(field_titles, v->verb, f->name);
}

const char *hh__field_help(const hh_verb_spec *v, const hh_field_spec *f)
{
    const char *w = find(field_help, v->verb, f->name);
    return w ? w : f->help;
}

const char *hh__choice_words(const hh_field_spec *f, const char *value)
{
    return find(choice_words, f->name, value);
}
