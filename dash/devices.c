/* devices.c: handhelds for the office's pages: the list, the enrollment payload
 * and its QR code.
 *
 * SKELETON (lead): its helper fills it.
 */
#include "dash_int.h"
