/* cmd_nodes.h: `roundsd node` and `roundsd site` (cmd_nodes.c): several
 * nodes and one directory in PostgreSQL (docs/NODES.md). */
#ifndef RND_SRV_CMD_NODES_H
#define RND_SRV_CMD_NODES_H

#include "cli.h"

extern const cli_command cli_nodes_commands[];
/* `roundsd site assign|move|accept` (the verb is its first bare
 * argument); `site add|set|retire` stay the office's master data. */
extern const cli_command cli_nodes_site_command;

#endif
