/* cmd_report.h: the office's reports (roundsd report KIND). The table ends
 * with a NULL name; roundsd.c looks commands up in it. */
#ifndef RND_SERVER_CMD_REPORT_H
#define RND_SERVER_CMD_REPORT_H

#include "cli.h"

extern const cli_command cli_report_commands[];

/* The report kinds' names in the table's order, NULL-terminated: one list
 * for the usage message, "did you mean" and the bash completion. Static. */
const char *const *cli_report_names(void);

#endif
