/* ship_int.h: the SQL files of server/pg/ as app_embed (app/app_embed.c,
 * --prefix ship) compiles them into roundsd: ship_assets[], paths
 * "/NNN_name.sql", ended by a NULL path. Private to ship*.c.
 */
#ifndef RND_SRV_SHIP_INT_H
#define RND_SRV_SHIP_INT_H

#include <stddef.h>

typedef struct ship_asset {
    const char *path;
    const unsigned char *data;
    size_t len;
} ship_asset;
extern const ship_asset ship_assets[];

#endif
