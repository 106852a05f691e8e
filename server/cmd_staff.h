/* cmd_staff.h: `roundsd staff pin`: the office sets or clears a staff
 * member's handheld PIN (staff_pin.h). roundsd.c runs it for "staff pin"
 * beside the generic "staff add|set|retire" of the master data. */
#ifndef RND_SERVER_CMD_STAFF_H
#define RND_SERVER_CMD_STAFF_H

#include "cli.h"

extern const cli_command cli_staff_pin_command;

#endif
