/* dash_run.c: the dashboard process roundsd serve forks: stores, TLS keys, the
 * server.
 *
 * SKELETON (lead): its helper fills it.
 */
#include "dash_int.h"
