/* api_devices.c: the dashboard's JSON API for handhelds: the list, enrollment
 * with its QR code, revocation (docs/WEB-API.md).
 *
 * SKELETON (lead): its helper fills it.
 */
#include "dash_int.h"

const dash_route dash_device_routes[] = {{NULL, NULL, 0, 0, NULL}};
