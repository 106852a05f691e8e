/* staff_pin.h: the office sets a staff member's PIN (docs/DATA-MODEL.md,
 * "PINs"): an op on the staff record, written like every master-data
 * change (admin.h), that carries the PIN's Argon2id hash (proto/pin.h) to
 * every handheld of the site at its next sync. The PIN itself is never
 * stored or logged. Single-threaded; 0 or a negative RND_E* code.
 */
#ifndef RND_SRV_STAFF_PIN_H
#define RND_SRV_STAFF_PIN_H

#include <stddef.h>
#include <stdint.h>

#include "../storage/store.h"

/* Writes, durably, a SET op on the active staff record `staff` of site on
 * st with fields pin_hash (hash; "" clears the PIN), pin_set_ms (now_ms)
 * and pin_set_by (by). msg (cap bytes) gets a sentence on failure:
 * RND_ENOTFOUND (no such staff, or retired), RND_EFIELD (hash not one a
 * handheld accepts), storage errors. */
int srv_staff_pin(store *st, const char *site, const char *staff,
                  const char *hash, const char *by, int64_t now_ms, char *msg,
                  size_t cap);

#endif
