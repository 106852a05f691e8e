/* cmd_ops.h: the operator's commands: configuration (check-config),
 * migrate and stats. The table ends with a NULL name; roundsd.c looks
 * commands up in it. */
#ifndef RND_SERVER_CMD_OPS_H
#define RND_SERVER_CMD_OPS_H

#include "cli.h"

extern const cli_command cli_ops_commands[];

#endif
