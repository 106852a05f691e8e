/* cmd_ops.c: see cmd_ops.h. */
#include "cmd_ops.h"

const cli_command cli_ops_commands[] = {{NULL, NULL, NULL, NULL, NULL, 0}};
