/* rounds_records.c: the recording commands of `rounds`: init (a new
 * device), user (who carries it) and every verb of the verb table ("rounds
 * visit enter --name ...", "rounds workorder dispatch ID ..."), each one
 * call of handheld.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "handheld.h"
#include "rounds_cli.h"

int cmd_init(void)
{
    const char *site = kv_take("site"), *name = kv_take("name");
    const char *user = kv_take("user");
    hh *h;
    hh_status_info st;
    int rc;

    if (o.nkv)
        return usage_error(_("init: unknown flag --%s"), o.kv[0].name);
    if (site == NULL || *site == '\0')
        return usage_error(_("init: field 'site' is required (--site SITE)%s"),
                           "");
    if (name == NULL || *name == '\0')
        return usage_error(_("init: field 'name' is required (--name NAME)%s"),
                           "");
    rc = hh_init(data_dir(), site, name, &h);
    if (rc == RND_EEXIST) {
        fprintf(stderr, "rounds: init: %s already holds a device\n",
                data_dir());
        return RND_EXIT_REFUSED;
    }
    if (rc == RND_EFIELD)
        return usage_error(_("init: site and name must be 1..63 bytes%s"), "");
    if (rc) {
        fprintf(stderr, "rounds: init: %s: %s\n", data_dir(),
                i18n_tr(rnd_strerror(rc)));
        return exit_for(rc);
    }
    if (user && (rc = hh_set_user(h, user)) != 0) {
        int ex = report_error(h, rc, "init");
        hh_close(h);
        return ex;
    }
    hh_status(h, &st);
    if (o.json)
        printf("{\"ok\":true,\"device_id\":\"%016" PRIx64 "\",\"site\":",
               st.device_id);
    if (o.json) {
        json_cstr(stdout, st.site);
        printf(",\"name\":");
        json_cstr(stdout, st.name);
        printf(",\"data\":");
        json_cstr(stdout, data_dir());
        printf("}\n");
    } else {
        printf("device %016" PRIx64 " '%s' of site %s initialised in %s\n",
               st.device_id, st.name, st.site, data_dir());
    }
    hh_close(h);
    return RND_EXIT_OK;
}

int cmd_user(void)
{
    hh *h;
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    if (o.npos < 2) {
        hh_close(h);
        return usage_error(_("user: give the person's name%s"), "");
    }
    rc = hh_set_user(h, o.positional[1]);
    int ex = rc ? report_error(h, rc, "user") : RND_EXIT_OK;
    if (!rc)
        printf(o.json ? "{\"ok\":true}\n" : "user set\n");
    hh_close(h);
    return ex;
}

int cmd_record(const char *verb, const char *target)
{
    uint8_t id[HH_ID_LEN], extra[HH_ID_LEN];
    static const uint8_t zero[HH_ID_LEN];
    char hex[33], xhex[33], thex[33];
    hh *h;
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    const hh_verb_spec *spec = hh_verb_find(verb);
    /* `key back --unit U` names the key by its unit, as `key back U`. */
    if (spec && spec->kind == HH_KIND_OWNERKEY && !spec->creates) {
        for (size_t i = 0; i < o.nkv; i++) {
            if (strcmp(o.kv[i].name, "unit") != 0)
                continue;
            if (target) {
                hh_close(h);
                return usage_error(_("key back: give the key's id or "
                                     "--unit, not both%s"),
                                   "");
            }
            target = o.kv[i].value;
            o.kv[i] = o.kv[--o.nkv];
            break;
        }
    }
    int other_ok =
        spec && (spec->kind == HH_KIND_VISIT || spec->kind == HH_KIND_VEHICLE ||
                 spec->kind == HH_KIND_OWNERKEY);
    if (target && (rc = resolve_id(h, target, other_ok, thex, &target,
                                   o.cmd ? o.cmd->name : verb)) != 0) {
        hh_close(h);
        return rc;
    }
    rc = hh_record(h, verb, target, o.kv, o.nkv, id, extra);
    if (rc) {
        int ex = report_error(h, rc, verb);
        hh_close(h);
        return ex;
    }
    hh_id_hex(id, hex);
    hh_id_hex(extra, xhex);
    int has_extra = memcmp(extra, zero, sizeof zero) != 0;
    /* The guard must see a blacklist hit (or personal data kept masked
     * only) even when a script reads stdout. */
    int hit = hh_blacklist_hits(h) > 0;
    const char *warning = hh_last_warning(h);
    if (warning[0])
        fprintf(stderr, "rounds: WARNING: %s\n", warning);
    const hh_verb_spec *vs = hh_verb_find(verb);
    int gate = vs && vs->creates &&
               (vs->kind == HH_KIND_VISIT || vs->kind == HH_KIND_VEHICLE);
    if (o.json) {
        printf("{\"ok\":true,\"verb\":\"%s\",\"id\":\"%s\"", verb, hex);
        if (has_extra)
            printf(",\"workorder\":\"%s\"", xhex);
        if (gate)
            printf(",\"blacklist_hit\":%s", hit ? "true" : "false");
        if (warning[0]) {
            printf(",\"warning\":");
            json_cstr(stdout, warning);
        }
        printf("}\n");
    } else {
        printf("%s %s\n", verb, hex);
        if (has_extra)
            printf("opened work order %s\n", xhex);
    }
    hh_close(h);
    return RND_EXIT_OK;
}
