/* cmd_pii.h: `roundsd pii keys|rotate|show|log|purge`: the office's keys
 * for visitors' personal data, opening it on an explicit request with a
 * reason (logged as an op), and purging after the retention period. The
 * table ends with a NULL name; roundsd.c looks commands up in it. */
#ifndef RND_SERVER_CMD_PII_H
#define RND_SERVER_CMD_PII_H

#include "cli.h"

extern const cli_command cli_pii_commands[];

#endif
