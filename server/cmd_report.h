/* cmd_report.h: the office's reports (roundsd report KIND): patrol, inside,
 * workorders, vacant, handover, devices, integrity. The table ends with a NULL
 * name; roundsd.c looks commands up in it. */
#ifndef RND_SERVER_CMD_REPORT_H
#define RND_SERVER_CMD_REPORT_H

#include "cli.h"

extern const cli_command cli_report_commands[];

#endif
