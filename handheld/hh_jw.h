/* hh_jw.h: a record's field and a verb of the verb table as JSON through
 * report/'s writer (rpt_jw), the one form the project's own front ends
 * print them in: `rounds list --json` and `rounds show --json` (rounds.c),
 * rounds app's API (app/app_api.c: records, GET /api/verbs) and the office
 * dashboard's work-order forms (dash/office_wo.c). Not installed: an app
 * outside the project reads fields through handheld.h and writes its own
 * JSON. */
#ifndef RND_HH_JW_H
#define RND_HH_JW_H

#include "../report/render.h"
#include "handheld.h"

/* v's value into j: a string as hh_value_shown gives it (an ID number
 * masked), an int, a bool; any other type as null. */
void hh__jw_value(rpt_jw *j, const hh_value *v);

/* Called inside each field's object of hh__jw_verb, to add the caller's
 * own members about f. */
typedef void (*hh_jw_field_fn)(rpt_jw *j, const hh_verb_spec *v,
                               const hh_field_spec *f, void *arg);

/* The members of v into the object the caller has open: "verb", "kind",
 * "creates", "from" (the statuses it acts on, "a|b", or null), "title",
 * "help" and "fields", each field an object {"name" (what a form sends),
 * "op" (its name in the stored record), "type" (hh_field_type_name),
 * "required", "choices" (or null), "labels" ({choice: words}, or null),
 * "default", "title", "help"}, then extra's members when extra is not NULL.
 * Words (title, help, labels) in lang as i18n_tr_lang gives them (NULL:
 * English as written); a title or label verb_words.c has no words for is
 * the help, or the value; a field's help is hh__field_help's. */
void hh__jw_verb(rpt_jw *j, const hh_verb_spec *v, const char *lang,
                 hh_jw_field_fn extra, void *arg);

/* The words of verb_words.c, English, for i18n_tr_lang; NULL when it has
 * none (static): a verb's short title ("Dispatch"), a field's under verb v
 * ("Technician"), a choice's ("door / window"). */
const char *hh__verb_title(const hh_verb_spec *v);
const char *hh__field_title(const hh_verb_spec *v, const hh_field_spec *f);
const char *hh__choice_words(const hh_field_spec *f, const char *value);

/* f's help for a form: verb_words.c's where the table's speaks the
 * command line ("required with --method door"), else the table's. */
const char *hh__field_help(const hh_verb_spec *v, const hh_field_spec *f);

#endif
