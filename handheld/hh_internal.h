/* hh_internal.h: what handheld.c shares with the rest of the handheld
 * library (sync.c). Not installed; apps use handheld.h only. */
#ifndef RND_HH_INTERNAL_H
#define RND_HH_INTERNAL_H

#include <stdint.h>

#include "../storage/store.h"
#include "handheld.h"

struct hh {
    store *s;
    int64_t (*now_ms)(void *ctx);
    void *now_ctx;
    char err[512]; /* hh_last_error() */
    /* The last successful hh_record*(): blacklist hits and their warning
     * (hh_blacklist_hits(), hh_last_warning()). */
    int bl_hits;
    char warn[512];
    char dir[256]; /* the store's directory, for messages (cut if longer) */
};

/* Sets h's last-error text from fmt and returns rc. */
int hh__fail(hh *h, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets the last-error text for a storage error rc and returns rc. */
int hh__store_fail(hh *h, int rc);
/* The handle's clock (hh_set_clock) in ms since the epoch. */
int64_t hh__now_ms(hh *h);

/* The device's clock offset (docs/DATA-MODEL.md, "Clocks"): server time
 * minus device time as measured from the last WELCOME, ms, in meta
 * HH_META_CLOCK_OFFSET (an i64 as u64). Every op the device writes
 * carries it as FOLD_CLK_FIELD when it is HH_CLK_MIN_MS or more either
 * way, and device time plus it is the wall the store bounds pulled
 * stamps by (store_set_clock_bound). */
#define HH_META_CLOCK_OFFSET "clock_offset"
#define HH_CLK_MIN_MS 1000
/* The stored offset into *out (0 when never measured). */
int hh__clock_offset(store_txn *t, int64_t *out);
/* Records the offset the WELCOME's server_ms gives against the handle's
 * clock (a durable write when it moved by HH_CLK_MIN_MS or more) and bounds
 * the store's clock with it. server_ms <= 0 (none) changes nothing. */
int hh__clock_offset_note(hh *h, int64_t server_ms);

#endif
