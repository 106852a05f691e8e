/* cmd_backup.h: the operator's data commands: backup, restore and
 * certificate rotation. The table ends with a NULL name; roundsd.c looks
 * commands up in it. */
#ifndef RND_SERVER_CMD_BACKUP_H
#define RND_SERVER_CMD_BACKUP_H

#include "cli.h"

extern const cli_command cli_backup_commands[];

#endif
