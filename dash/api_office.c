/* api_office.c: the dashboard's JSON API for master data, staff PINs, tag
 * sheets and work orders (docs/WEB-API.md).
 *
 * SKELETON (lead): its helper fills it.
 */
#include "dash_int.h"

const dash_route dash_office_routes[] = {{NULL, NULL, 0, 0, NULL}};
