/* api_board.c: the dashboard's JSON API for the board, reports, registers and
 * personal data opened with a reason (docs/WEB-API.md).
 *
 * SKELETON (lead): its helper fills it.
 */
#include "dash_int.h"

const dash_route dash_board_routes[] = {{NULL, NULL, 0, 0, NULL}};
