/* group_int.h: the group reports' SQL of server/group_sql/ as app_embed
 * (app/app_embed.c, --prefix group) compiles it into roundsd:
 * group_assets[], paths "/NAME.sql", ended by a NULL path. The same files
 * are shown in docs/POSTGRES.md, "Group reports" (the test checks they
 * agree). Private to group_*.c and cmd_group.c.
 */
#ifndef RND_SRV_GROUP_INT_H
#define RND_SRV_GROUP_INT_H

#include <stddef.h>

typedef struct group_asset {
    const char *path;
    const unsigned char *data;
    size_t len;
} group_asset;
extern const group_asset group_assets[];

#endif
