/* office.h: what the office does in the dashboard, without HTTP (the
 * handlers of api_office.c are thin wrappers): master-data kinds, listings
 * and writes (srv_admin_write, exactly the CLI's path), staff PINs
 * (srv_staff_pin), the QR sheet of checkpoint tags (srv_tag_cps and
 * srv_sheet_svg/pdf, what `roundsd tags print` runs), conflicts and their
 * resolution (srv_admin_conflicts/resolve), and work orders read with
 * report/'s clocks (wo_fill, wo_clocks: the numbers `roundsd report
 * workorders` shows).
 *
 * Answers are written as members of the JSON object the caller has open
 * (rpt_jw); a TABLE is docs/WEB-API.md's: {"name","title","columns",
 * "rows"}. Titles are translated for lang ("zh-CN" or "en") through the
 * roundsd catalogue when one is bound (else as written).
 *
 * Every function may run on several threads at once (each its own store
 * read transaction; writes go through store_write). Errors: 0 or a
 * negative RND_E* code; e (when given) gets the field at fault (a flag of
 * the kind, "pin", "id"...: "" when none) and a sentence.
 */
#ifndef RND_DASH_OFFICE_H
#define RND_DASH_OFFICE_H

#include <stddef.h>
#include <stdint.h>

#include "../report/jsonread.h"
#include "../report/render.h"
#include "../server/admin.h"
#include "../storage/store.h"

typedef struct office_err {
    char field[64];
    char msg[512];
} office_err;

/* Member "kinds": every master-data kind of srv_md_kinds() with its
 * fields (flag, name, type, key, required, choices, default, min, max,
 * help). */
void office_md_kinds(rpt_jw *j, const char *lang);

/* Member "table": the entries of kind k on st (srv_admin_list), row id the
 * entity id. Staff: "PIN set" and its time, never the hash. */
int office_md_table(rpt_jw *j, store *st, const srv_md_kind *k, int all,
                    int vacant, int tz_min, const char *lang);

/* srv_admin_write on st for kind (noun or plural) and mode ("add", "set",
 * "retire") with values, a JSON object {flag: string|number|bool}; target
 * a 32-hex id (set, retire) or NULL; reason (retire) or NULL; by the
 * office account ("web:NAME"). out as srv_admin_write's. */
int office_md_write(store *st, const char *site, const char *kind,
                    const char *mode, const char *target, const rpt_jv *values,
                    const char *reason, const char *by, int64_t now_ms,
                    srv_admin_out *out, office_err *e);

/* Sets staff's PIN (pin: PROTO_PIN_MIN..PROTO_PIN_MAX digits, hashed here
 * with Argon2id; never kept) or clears it (pin NULL): srv_staff_pin. */
int office_staff_pin(store *st, const char *site, const char *staff,
                     const char *pin, const char *by, int64_t now_ms,
                     office_err *e);

/* The sheet of QR codes of the site's active checkpoints (only route's,
 * when route is not NULL) in format "svg" or "pdf", signed with the
 * site's current tag key (made and published at first use, as `roundsd
 * tags print` does): *buf malloc'd, *len bytes. */
int office_tags_sheet(store *st, const char *data_dir, const char *site,
                      const char *route, const char *format, int64_t now_ms,
                      char **buf, size_t *len, office_err *e);

/* Member "table": one row per field in conflict (row id the record's
 * id), its candidates as text. */
int office_conflicts_table(rpt_jw *j, store *st, int tz_min, const char *lang);

/* srv_admin_resolve, by = the account. */
int office_resolve(store *st, const char *id_hex, const char *field,
                   const char *value, const char *reason, const char *by,
                   int64_t now_ms, office_err *e);

/* Member "table": work orders (open ones, or every one when all: the
 * newest limit), those whose place or description contains q (NULL: all),
 * each with its next clock (left_ms, "bad" when breached, "warn" within
 * the hour) as of now. *more: rows were left off. */
int office_wo_table(rpt_jw *j, store *st, int all, const char *q,
                    int64_t now_ms, int tz_min, const char *lang, size_t limit,
                    int *more);

/* Members "id", "status", "steps" (the office's steps it can take in its
 * status: names of office_wo_forms' steps), "fields", "history" (every
 * op: at, at_ms, by, device, action, fields) and "cycles" (a TABLE: every
 * clock of every cycle) of order id_hex. RND_ENOTFOUND when there is no
 * such work order. */
/* Member "steps": every work-order verb of the handheld's verb table
 * (hh_verbs(), walked here: never a second list) as a form, in its order:
 * "name" (the step: "create", "dispatch"...; POST /api/workorder's
 * action), "office" (the office records it; arrive and complete are the
 * technician's) and hh__jw_verb's members (handheld/hh_jw.h), words in
 * lang; each field also says whether the office's form "asked" it (not
 * "by": the account). docs/WEB-API.md, GET /api/workorder/forms. */
void office_wo_forms(rpt_jw *j, const char *lang);

int office_wo_detail(rpt_jw *j, store *st, const char *id_hex, int64_t now_ms,
                     int tz_min, const char *lang, office_err *e);

/* The words (English, a msgid for i18n_tr_lang) of value in a report's
 * or the board's column key when it is a work order's: a "category",
 * "priority", "severity" or "channel" among the verb table's choices
 * (verb_words.c's words), a "status" of an order (fold_wo_statuses) or of
 * a clock (met, breached...), a "clock" or "next_clock" name. NULL for
 * any other value (a device's clock verdict, a register's status...). */
const char *office_wo_words(const char *key, const char *value);

/* The office's step on a work order, recorded on st (the site store,
 * under its office writer) by the handheld's own rules (hh_onstore.h:
 * the verb table, field checks, status transitions, the staff list):
 * action is create (a phone call, letter or walk-in: channel), dispatch,
 * callback, feedback, reply, assess, escalate, close, cancel or reopen;
 * id the order (not for create); fields a JSON object whose members other
 * than site, action and id are the verb's fields (strings, numbers,
 * bools; a time in the office's offset tz_min, or ms). by is the
 * account, never a field. id_out gets the order's id. */
int office_wo_write(store *st, const char *action, const char *id_hex,
                    const rpt_jv *fields, const char *by, int64_t now_ms,
                    int tz_min, uint8_t id_out[PROTO_ENTITY_LEN],
                    office_err *e);

#endif
