/* rounds_signin.c: who holds the device, proven by a PIN: `rounds signin
 * --staff ID --pin-stdin`, `rounds signout`, `rounds whoami`, each one
 * call of handheld.h (hh_signin, hh_signout, hh_signed_in). The PIN is
 * read from standard input or typed without echo on a terminal, never
 * taken from the command line (where `ps` shows it). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../cli/args.h"
#include "../i18n/i18n.h"
#include "handheld.h"
#include "rounds_cli.h"

int cmd_signin(void)
{
    const char *staff = kv_take("staff");
    int from_stdin = kv_take("pin_stdin") != NULL;
    char pin[64];
    hh *h;

    if (staff == NULL || *staff == '\0')
        return usage_error(_("signin: field 'staff' is required (--staff "
                             "ID)%s"),
                           "");
    if (!from_stdin && !isatty(STDIN_FILENO))
        return usage_error(_("signin: give --pin-stdin (the PIN on standard "
                             "input) or run it on a terminal%s"),
                           "");
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    if (args_read_secret(_("PIN: "), pin, sizeof pin) != 0)
        pin[0] = '\0';
    rc = hh_signin(h, staff, pin);
    memset(pin, 0, sizeof pin);
    int ex = rc ? report_error(h, rc, "signin") : RND_EXIT_OK;
    if (rc == RND_EAUTH) /* the person was refused, not the device */
        ex = RND_EXIT_REFUSED;
    if (rc == 0) {
        if (o.json) {
            printf("{\"ok\":true,\"user\":");
            json_cstr(stdout, staff);
            printf("}\n");
        } else {
            printf(_("signed in: %s\n"), staff);
        }
    }
    hh_close(h);
    return ex;
}

int cmd_signout(void)
{
    hh *h;
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    rc = hh_signout(h);
    int ex = rc ? report_error(h, rc, "signout") : RND_EXIT_OK;
    if (rc == 0)
        printf(o.json ? "{\"ok\":true}\n" : _("signed out\n"));
    hh_close(h);
    return ex;
}

int cmd_whoami(void)
{
    char who[128];
    hh_status_info st;
    hh *h;
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    if ((rc = hh_signed_in(h, who, sizeof who)) == 0)
        rc = hh_status(h, &st);
    int ex = rc ? report_error(h, rc, "whoami") : RND_EXIT_OK;
    if (rc == 0 && o.json) {
        printf("{\"signed_in\":");
        if (who[0])
            json_cstr(stdout, who);
        else
            printf("null");
        printf(",\"user\":");
        json_cstr(stdout, st.user);
        printf("}\n");
    } else if (rc == 0) {
        if (who[0])
            printf(_("%s (signed in with a PIN)\n"), who);
        else if (st.user[0])
            printf(_("%s (named with 'rounds user', no PIN)\n"), st.user);
        else
            printf(_("nobody\n"));
    }
    hh_close(h);
    return ex;
}
