/* dash_http.c: libmicrohttpd with TLS: the only file of dash/ that speaks HTTP;
 * the event stream.
 *
 * SKELETON (lead): its helper fills it.
 */
#include "dash_int.h"
