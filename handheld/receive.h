/* receive.h: receiving dispatched work orders on the assignee's handheld
 * after a pull (receive.c). Internal to the handheld library. */
#ifndef RND_HH_RECEIVE_H
#define RND_HH_RECEIVE_H

#include <stddef.h>
#include <stdint.h>

#include "hh_internal.h"

/* The store's arrival-log position before a pull, read in t: where
 * hh__receive_dispatches starts on a store that has never received. */
int hh__receive_start(store_txn *t, uint64_t *start);

/* In one durable write: a receive op for every work-order dispatch by
 * another device naming this device's user or name as assignee that
 * arrived since the last call (or since start, the first time), on orders
 * still open; then the new position. *written (may be NULL) gets the
 * number of receive ops. Returns 0 or an RND_E* code (h's last error
 * set); on error nothing is written and the next call tries again. */
int hh__receive_dispatches(hh *h, uint64_t start, size_t *written);

#endif
