/* cmd_backup.c: see cmd_backup.h. */
#include "cmd_backup.h"

const cli_command cli_backup_commands[] = {{NULL, NULL, NULL, NULL, NULL, 0}};
