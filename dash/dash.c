/* dash.c: the dashboard's state, sessions, login and logout, CSRF, the
 * routing of a request to its handler, the security headers and the
 * embedded assets.
 *
 * SKELETON (lead): the web-core helper replaces this file. What is here
 * only lets the other files of dash/ build and be unit-tested.
 */
#include <string.h>

#include "dash_int.h"

const dash_route dash_core_routes[] = {{NULL, NULL, 0, 0, NULL}};

int dash_store(dash_ctx *c, store **out)
{
    *out = NULL;
    dash_fail(c, RND_ENOTFOUND, "site", "no site stores in the skeleton");
    return RND_ENOTFOUND;
}

const char *dash_data_dir(const dash *d)
{
    (void)d;
    return ".";
}

srv_registry *dash_registry_lock(dash *d)
{
    (void)d;
    return NULL;
}

void dash_registry_unlock(dash *d)
{
    (void)d;
}

int dash_sites_each(dash_ctx *c, int (*cb)(const char *site, void *ctx),
                    void *ctx)
{
    (void)c, (void)cb, (void)ctx;
    return 0;
}

void dash_events_notify(dash *d, const char *site)
{
    (void)d, (void)site;
}
