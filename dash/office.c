/* office.c: master data, PINs, tag sheets and work orders for the office's pages, without HTTP.
 *
 * SKELETON (lead): its helper fills it.
 */
#include "dash_int.h"
