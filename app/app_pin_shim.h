/* app_pin_shim.h: TEMPORARY: the sign-in API of issue 16's contract
 * (section 1), declared here until branch `pin` is merged. */
#ifndef RND_APP_PIN_SHIM_H
#define RND_APP_PIN_SHIM_H
#include "../handheld/handheld.h"
int hh_signin(hh *h, const char *staff, const char *pin);
int hh_signout(hh *h);
int hh_signed_in(hh *h, char *out, size_t cap);
typedef struct hh_pin_state {
    int has_pin, tries_left, locked;
} hh_pin_state;
int hh_pin_state_get(hh *h, const char *staff, hh_pin_state *out);
#endif
