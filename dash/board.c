/* board.c: the board's data and the reports and registers as tables, without HTTP.
 *
 * SKELETON (lead): its helper fills it.
 */
#include "dash_int.h"
