/* cmd_staff.c: `roundsd staff pin --site S --staff ID (--pin-stdin |
 * --clear)`, see cmd_staff.h. The PIN is read from standard input (the
 * first line) or, on a terminal, typed twice without echo; it never
 * appears on a command line, where `ps` would show it. */
#include "../i18n/i18n.h"
#include "cmd_staff.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../proto/pin.h"
#include "staff_pin.h"

static int cmd_staff_pin(void)
{
    char pin[64] = "", again[64] = "", hash[PROTO_PIN_HASH_MAX + 1] = "";
    char msg[256];
    int ex;
    if ((ex = cli_need_name("site")) != 0 || (ex = cli_need_name("staff")))
        return ex;
    int clear = cli_flag("clear") != NULL;
    int from_stdin = cli_flag("pin-stdin") != NULL;
    if (clear && from_stdin)
        return cli_usage(_("staff pin: --clear and --pin-stdin cannot go "
                           "together"));
    if (!clear) {
        if (!from_stdin && !isatty(STDIN_FILENO))
            return cli_usage(_("staff pin: give --pin-stdin (the PIN on "
                               "standard input) or run it on a terminal"));
        if (args_read_secret(_("PIN: "), pin, sizeof pin) != 0 ||
            proto_pin_format_ok(pin) != 0) {
            memset(pin, 0, sizeof pin);
            return cli_usage(_("staff pin: field 'pin': a PIN is %d to %d "
                               "digits"),
                             PROTO_PIN_MIN, PROTO_PIN_MAX);
        }
        if (!from_stdin) {
            int same =
                args_read_secret(_("again: "), again, sizeof again) == 0 &&
                strcmp(pin, again) == 0;
            memset(again, 0, sizeof again);
            if (!same) {
                memset(pin, 0, sizeof pin);
                return cli_usage(_("staff pin: the two PINs differ"));
            }
        }
        int rc = proto_pin_hash(pin, hash, sizeof hash);
        memset(pin, 0, sizeof pin);
        if (rc)
            return cli_fail(rc, _("staff pin: cannot hash the PIN: %s"),
                            i18n_tr(rnd_strerror(rc)));
    }
    const char *site = cli_flag("site"), *staff = cli_flag("staff");
    const char *by = cli_flag("by") ? cli_flag("by") : "office";
    store *st;
    if ((ex = cli_open_site_write(site, &st)) != 0)
        return ex;
    int rc =
        srv_staff_pin(st, site, staff, hash, by, cli_now_ms(), msg, sizeof msg);
    store_close(st);
    if (rc)
        return cli_fail(rc, "%s", msg);
    if (cli_flag("json")) {
        printf("{\"ok\":true,\"staff\":");
        cli_json_str(staff);
        printf(",\"pin\":\"%s\"}\n", clear ? "cleared" : "set");
    } else {
        printf(clear ? _("PIN of %s cleared; handhelds get it at their next "
                         "sync\n")
                     : _("PIN of %s set; handhelds get it at their next sync "
                         "(a locked handheld unlocks then)\n"),
               staff);
    }
    return RND_EXIT_OK;
}

static const cli_flag_spec pin_flags[] = {
    CLI_DATA_FLAG,
    {"site", "NAME", N_("the site (required)")},
    {"staff", "ID", N_("the staff member (required)")},
    {"pin-stdin", NULL,
     N_("read the PIN (4 to 8 digits) from the first line of standard "
        "input")},
    {"clear", NULL, N_("remove the PIN: the person can no longer sign in")},
    {"by", "NAME", N_("who in the office (default: office)")},
    {"json", NULL, N_("print the result as JSON")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};

/* clang-format off */
const cli_command cli_staff_pin_command = {
    "staff pin",
    N_("set a staff member's handheld PIN (its hash syncs down)"),
    "roundsd staff pin --site S --staff ID (--pin-stdin | --clear) "
    "[--by NAME]\n"
    "                  [--json] [--data DIR]\n\n"
    "Without --pin-stdin on a terminal, the PIN is asked twice without "
    "echo. Only its\nArgon2id hash is stored; handhelds verify it offline "
    "and lock a person after\n5 wrong PINs in a row until a new PIN "
    "arrives.",
    pin_flags, cmd_staff_pin, 0};
/* clang-format on */
