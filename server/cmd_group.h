/* cmd_group.h: the group reports across estates (docs/POSTGRES.md,
 * "Group reports"): `roundsd group refresh`, which writes each site's
 * report facts into PostgreSQL, and `roundsd report KIND --group`, which
 * reads them back as one document. */
#ifndef RND_SERVER_CMD_GROUP_H
#define RND_SERVER_CMD_GROUP_H

#include "../report/report.h"
#include "cli.h"

extern const cli_command cli_group_commands[];

/* `roundsd report KIND --group`: the report called name (patrol,
 * workorders, callbacks or month) across estates from PostgreSQL into d
 * (initialised here; the caller frees it, even on error), for the period
 * of --month or --day (default: the local month of now), the sites of
 * --site (a comma-separated list; default all), with the configuration's
 * pg_dsn (or --pg-dsn). Returns 0, or an exit code after printing why: 2
 * usage, 5 PostgreSQL unreachable or refusing. */
int cmd_group_report(const char *name, int64_t now, int tz_min, rpt_doc *d);

#endif
