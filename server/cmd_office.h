/* cmd_office.h: the office's reading commands, `roundsd list`,
 * `roundsd conflicts` and `roundsd resolve`. The table ends with a NULL
 * name; roundsd.c looks commands up in it. */
#ifndef RND_SERVER_CMD_OFFICE_H
#define RND_SERVER_CMD_OFFICE_H

#include "cli.h"

extern const cli_command cli_office_commands[];

#endif
