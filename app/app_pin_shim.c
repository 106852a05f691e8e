/* app_pin_shim.c: TEMPORARY stand-ins until branch `pin` is merged: the
 * device user is the signed-in person, no PINs. */
#include <string.h>

#include "app_pin_shim.h"

int hh_signin(hh *h, const char *staff, const char *pin)
{
    (void)pin;
    return hh_set_user(h, staff);
}
int hh_signout(hh *h)
{
    return hh_set_user(h, "");
}
int hh_signed_in(hh *h, char *out, size_t cap)
{
    hh_status_info st;
    int rc = hh_status(h, &st);
    if (rc == 0)
        snprintf(out, cap, "%s", st.user);
    return rc;
}
int hh_pin_state_get(hh *h, const char *staff, hh_pin_state *out)
{
    (void)h;
    (void)staff;
    out->has_pin = 0;
    out->tries_left = 5;
    out->locked = 0;
    return 0;
}
