/* cmd_attach.h: `roundsd attachment list|get|verify|gc`, the office's
 * view of a site's attachment files (DATA/sites/SITE/attachments/,
 * storage/blob.h), and the removal of the files of purged personal data
 * that `roundsd pii purge` runs. The table ends with a NULL name;
 * roundsd.c looks commands up in it. */
#ifndef RND_SERVER_CMD_ATTACH_H
#define RND_SERVER_CMD_ATTACH_H

#include <stdint.h>

#include "cli.h"

extern const cli_command cli_attach_commands[];

/* Removes, from site's attachment files in data_dir, those of records
 * whose personal data was purged: a record whose sealed envelope names a
 * key that is gone from DATA/pii/ and that the site's store shows
 * retired more than retention_ms before now_ms (srv_pii_purge's rule; a
 * key merely missing is not a purge). A file that a record not purged
 * also names is kept. Reads the site's store read-only, so it runs
 * beside `roundsd serve`. *files and *bytes get what was removed. 0 or
 * an RND_E* code. */
int srv_att_purge_sealed(const char *data_dir, const char *site,
                         int64_t retention_ms, int64_t now_ms, uint64_t *files,
                         uint64_t *bytes);

#endif
