/* cmd_report.c: see cmd_report.h. */
#include "cmd_report.h"

const cli_command cli_report_commands[] = {{NULL, NULL, NULL, NULL, NULL, 0}};
