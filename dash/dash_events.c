/* dash_events.c: sync notifications from serve (the pipe) and each site's event
 * counter.
 *
 * SKELETON (lead): its helper fills it.
 */
#include "dash_int.h"
