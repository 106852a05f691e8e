/* cmd_user.h: `roundsd user ...`: the office's dashboard accounts
 * (accounts.h): add, passwd, grant, disable, enable, unlock, list, show.
 * They live in the registry's store, so they work beside a running serve
 * and travel with backup and restore. */
#ifndef RND_SERVER_CMD_USER_H
#define RND_SERVER_CMD_USER_H

#include "cli.h"

extern const cli_command cli_user_commands[];

#endif
