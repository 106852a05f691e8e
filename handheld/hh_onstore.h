/* hh_onstore.h: the handheld's recording (hh_record: the verb table of
 * verbs.c, the field, status and staff checks of records.c, staff.c and
 * signin.c) on a store that is not a handheld's: roundsd's site store,
 * under the site's office writer. roundsd's dashboard records the office's
 * work-order steps through it (dash/office_wo.c), so that the office and
 * the handhelds follow the same rules, never a copy of them.
 *
 * Not installed and not exported by librounds_handheld.so (hh__ names are
 * built hidden): for roundsd, which links the static rnd_handheld.
 */
#ifndef RND_HH_ONSTORE_H
#define RND_HH_ONSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "../storage/store.h"
#include "handheld.h"

/* hh_record(verb, target, kv) on st, written durably under st's own
 * identity, at now_ms. The store has no device user: kv must give "by".
 * On failure err (cap bytes) gets hh_last_error()'s sentence; returns
 * hh_record's code. id_out (may be NULL) gets the entity written. */
int hh__record_on_store(store *st, const char *verb, const char *target,
                        const hh_kv *kv, size_t nkv, int64_t now_ms,
                        uint8_t id_out[PROTO_ENTITY_LEN], char *err,
                        size_t cap);

/* Whether v may act on a record whose status is status: v's "from" list
 * names it, or v has none (hh_record refuses the rest with
 * RND_ETRANSITION). */
int hh__verb_allows(const hh_verb_spec *v, const char *status);

#endif
