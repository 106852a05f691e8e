/* cmd_pii.c: `roundsd pii ...`, see cmd_pii.h and pii.h.
 *
 *   pii keys                      the key pairs, current and retired
 *   pii rotate                    a new current key, published to every site
 *   pii show ID --site S --reason R   open a record's sealed ID number and
 *                                 phone; the access is an op first
 *   pii log --site S              who opened what, when and why
 *   pii purge [--retention-days N] [--rotate-days N]
 *                                 rotate a key older than N days, delete
 *                                 keys retired more than the retention ago,
 *                                 and the attachment files of the records
 *                                 sealed to them (cmd_attach.h)
 */
#include "../i18n/i18n.h"
#include "cmd_pii.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "../storage/fold.h"
#include "cmd_attach.h"
#include "pii.h"
#include "site.h"

#define DAY_MS (86400 * 1000LL)

/* Calls fn for every site of the data directory (or only --site), in
 * directory order; stops at the first failure. */
typedef int (*site_fn)(const char *site, void *ctx);
static int for_sites(site_fn fn, void *ctx)
{
    const char *only = cli_flag("site");
    if (only)
        return fn(only, ctx);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/sites", cli_data_dir());
    DIR *d = opendir(dir);
    if (d == NULL)
        return errno == ENOENT ? 0 : RND_EIO;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL)
        if (srv_name_valid(e->d_name, strlen(e->d_name)))
            rc = fn(e->d_name, ctx);
    closedir(d);
    return rc;
}

/* Publishes k on site's store: see srv_pii_publish. */
static int publish(const char *site, const srv_pii_key *k, int64_t now,
                   int *ops)
{
    store *st;
    int rc = srv_site_open(cli_data_dir(), site, 0, &st, NULL);
    if (rc)
        return rc;
    rc = srv_pii_publish(st, site, k, now, ops);
    store_close(st);
    return rc;
}

static int64_t retention_ms(const char *site)
{
    return (int64_t)srv_config_retention_for(cli_config(), site) * DAY_MS;
}

static int need_data_dir(void)
{
    srv_registry *r;
    int ex;
    if (cli_flag("site") && (ex = cli_need_name("site")) != 0)
        return ex;
    ex = cli_open_registry(&r);
    if (ex == 0)
        srv_registry_close(r);
    return ex;
}

/* ---- keys --------------------------------------------------------------- */

typedef struct keys_ctx {
    int json, n;
    const char *site;
} keys_ctx;

static int keys_cb(const srv_pii_key *k, void *arg)
{
    keys_ctx *c = arg;
    char id[17], created[32], retired[32], purge[32];
    proto_hex(k->id, PROTO_PII_KEYID_LEN, id);
    cli_fmt_time(k->created_ms, created, sizeof created);
    cli_fmt_time(k->retired_ms, retired, sizeof retired);
    cli_fmt_time(k->retired_ms ? k->retired_ms + retention_ms(c->site) : 0,
                 purge, sizeof purge);
    if (c->json) {
        printf("%s{\"site\":", c->n ? "," : "");
        cli_json_str(c->site);
        printf(",\"key_id\":\"%s\",\"created_ms\":%" PRId64
               ",\"retired_ms\":%" PRId64 ",\"status\":\"%s\"}",
               id, k->created_ms, k->retired_ms,
               k->retired_ms ? "retired" : "current");
    } else {
        if (c->n == 0)
            printf("%-12s  %-16s  %-8s  %-20s  %-20s  %s\n", "SITE", "KEY",
                   "STATUS", "CREATED", "RETIRED", "PURGE AFTER");
        printf("%-12s  %-16s  %-8s  %-20s  %-20s  %s\n", c->site, id,
               k->retired_ms ? "retired" : "current", created, retired, purge);
    }
    c->n++;
    return 0;
}

static int keys_site(const char *site, void *arg)
{
    keys_ctx *c = arg;
    c->site = site;
    return srv_pii_each(cli_data_dir(), site, keys_cb, c);
}

static int pii_keys(void)
{
    keys_ctx c = {cli_flag("json") != NULL, 0, NULL};
    int ex = need_data_dir();
    if (ex)
        return ex;
    if (c.json)
        printf("[");
    int rc = for_sites(keys_site, &c);
    if (c.json)
        printf("]\n");
    else if (rc == 0 && c.n == 0)
        printf("no keys yet: a site's first is made at its first 'roundsd "
               "enroll'\n");
    return rc ? cli_fail(rc, _("cannot read the keys: %s"),
                         i18n_tr(rnd_strerror(rc)))
              : RND_EXIT_OK;
}

/* ---- rotate, purge ------------------------------------------------------ */

typedef struct rot_ctx {
    int64_t now;
    int64_t rotate_ms; /* purge: rotate a current key this old; 0: always */
    int purge;
    int n;
} rot_ctx;

static int rotate_site(const char *site, void *arg)
{
    rot_ctx *c = arg;
    srv_pii_key k;
    int rotated = 0, ops = 0, deleted = -1;
    uint64_t att_files = 0, att_bytes = 0;
    int rc = srv_pii_current(cli_data_dir(), site, 0, c->now, &k);
    if (rc == RND_ENOTFOUND && c->purge)
        return 0; /* no key yet: nothing sealed, nothing to purge */
    if (rc == RND_ENOTFOUND ||
        (rc == 0 && c->now - k.created_ms >= c->rotate_ms)) {
        /* Records are sealed to the current key until it retires, so a
         * key must retire for its records to ever be purged. */
        rc = srv_pii_rotate(cli_data_dir(), site, c->now, &k);
        rotated = rc == 0;
    }
    if (rc == 0)
        rc = publish(site, &k, c->now, &ops);
    if (rc == 0 && c->purge)
        rc = srv_pii_purge(cli_data_dir(), site, retention_ms(site), c->now,
                           &deleted);
    /* Every purge, not only one that deleted a key: a handheld may have
     * uploaded a purged record's photo again since (docs/OPERATIONS.md). */
    if (rc == 0 && c->purge)
        rc = srv_att_purge_sealed(cli_data_dir(), site, retention_ms(site),
                                  c->now, &att_files, &att_bytes);
    if (rc) {
        memset(&k, 0, sizeof k);
        fprintf(stderr, "roundsd pii: site %s: %s\n", site,
                i18n_tr(rnd_strerror(rc)));
        return rc;
    }
    char id[17];
    proto_hex(k.id, PROTO_PII_KEYID_LEN, id);
    memset(&k, 0, sizeof k);
    if (cli_flag("json")) {
        printf("%s{\"site\":", c->n ? "," : "");
        cli_json_str(site);
        printf(",\"current\":\"%s\",\"rotated\":%s,\"ops\":%d", id,
               rotated ? "true" : "false", ops);
        if (deleted >= 0)
            printf(",\"deleted\":%d,\"attachments\":%" PRIu64
                   ",\"attachment_bytes\":%" PRIu64,
                   deleted, att_files, att_bytes);
        printf("}");
    } else {
        printf("site %s: %s key %s", site, rotated ? "new current" : "current",
               id);
        if (deleted >= 0)
            printf(", %d retired key(s) deleted after %u days", deleted,
                   srv_config_retention_for(cli_config(), site));
        if (c->purge && att_files)
            printf(", %" PRIu64 " attachment file(s) of purged records "
                   "removed (%" PRIu64 " bytes)",
                   att_files, att_bytes);
        printf("\n");
    }
    c->n++;
    return 0;
}

static int run_rotation(rot_ctx *c)
{
    int ex = need_data_dir();
    if (ex)
        return ex;
    if (cli_flag("json"))
        printf("[");
    int rc = for_sites(rotate_site, c);
    if (cli_flag("json"))
        printf("]\n");
    return rc ? cli_fail(rc, _("stopped: %s"), i18n_tr(rnd_strerror(rc)))
              : RND_EXIT_OK;
}

static int pii_rotate(void)
{
    rot_ctx c = {cli_now_ms(), 0, 0, 0};
    return run_rotation(&c);
}

static int pii_purge(void)
{
    uint32_t rotate_days = 30;
    int ex = cli_parse_u32("rotate-days", 1, 36500, &rotate_days);
    if (ex)
        return ex;
    rot_ctx c = {cli_now_ms(), (int64_t)rotate_days * DAY_MS, 1, 0};
    return run_rotation(&c);
}

/* ---- show --------------------------------------------------------------- */

static int pii_show(void)
{
    int ex = cli_need_name("site");
    if (ex)
        return ex;
    if (cli_args.npos != 2)
        return cli_usage(_("give the record's id: roundsd pii show ID --site "
                           "S --reason R"));
    const char *reason = cli_flag("reason"), *by = cli_flag("by");
    if (reason == NULL || *reason == '\0')
        return cli_usage(_("--reason R is required: why the office needs the "
                           "visitor's personal data (it is recorded)"));
    if (strlen(reason) > 512)
        return cli_usage(_("--reason: at most 512 characters"));
    if (by == NULL || *by == '\0')
        by = "office";
    uint8_t id[PROTO_ENTITY_LEN];
    const char *site = cli_flag("site");
    store *st;
    int rc = srv_site_open(cli_data_dir(), site, 0, &st, NULL);
    if (rc == RND_ENOTFOUND)
        return cli_fail(rc, _("no site %s in %s"), site, cli_data_dir());
    if (rc)
        return cli_fail(rc, _("cannot open site %s: %s"), site,
                        i18n_tr(rnd_strerror(rc)));
    /* The id as typed: 32 hex digits or a unique prefix of 8+. */
    static char full[33];
    ex = cli_resolve_id(st, cli_args.pos[1], id);
    if (ex) {
        store_close(st);
        return ex;
    }
    proto_entity_hex(id, full);
    cli_args.pos[1] = full;

    static srv_pii_shown sh; /* 2 KiB of plain text: not on the stack */
    rc = srv_pii_show(st, cli_data_dir(), site, id, reason, by, cli_now_ms(),
                      &sh);
    store_close(st);
    switch (rc ? sh.why : SRV_PII_OK) {
    case SRV_PII_OK:
        break;
    case SRV_PII_WRONG_KIND:
        return cli_fail(RND_ENOTFOUND,
                        _("%s is a %s: only visits, vehicles and the "
                          "registers (incidents, owners' keys, lost and "
                          "found, exit slips) hold sealed personal data"),
                        cli_args.pos[1], proto_kind_name(sh.kind));
    case SRV_PII_NO_RECORD:
        return cli_fail(rc, _("no record %s in site %s"), cli_args.pos[1],
                        site);
    case SRV_PII_NONE:
        return cli_fail(rc,
                        _("record %s holds no sealed personal data (none was "
                          "given, or the handheld had no office key yet and "
                          "kept only the masked form)"),
                        cli_args.pos[1]);
    case SRV_PII_READ:
        return cli_fail(rc, _("cannot read record %s: %s"), cli_args.pos[1],
                        i18n_tr(rnd_strerror(rc)));
    case SRV_PII_PURGED:
        return cli_fail(rc,
                        _("the personal data of %s was purged: key %s was "
                          "deleted after the retention period"),
                        cli_args.pos[1], sh.key_hex);
    case SRV_PII_OPEN:
        return cli_fail(rc, _("cannot open the personal data of %s: %s"),
                        cli_args.pos[1], i18n_tr(rnd_strerror(rc)));
    default:
        return cli_fail(rc,
                        _("cannot record the access, so nothing is shown: "
                          "%s"),
                        i18n_tr(rnd_strerror(rc)));
    }
    size_t n = sh.n;
    const proto_pii_item *items = sh.items;
    char ahex[33];
    proto_entity_hex(sh.access, ahex);
    if (cli_flag("json")) {
        printf("{\"id\":\"%s\",\"access\":\"%s\",\"fields\":{", cli_args.pos[1],
               ahex);
        for (size_t i = 0; i < n; i++) {
            if (i)
                putchar(',');
            cli_json_strn(items[i].name, items[i].name_len);
            putchar(':');
            cli_json_strn(items[i].value, items[i].value_len);
        }
        printf("}}\n");
    } else {
        for (size_t i = 0; i < n; i++)
            printf("%.*s: %.*s\n", (int)items[i].name_len, items[i].name,
                   (int)items[i].value_len, items[i].value);
        fprintf(stderr, "roundsd pii show: access recorded as %s\n", ahex);
    }
    srv_pii_shown_wipe(&sh);
    return RND_EXIT_OK;
}

/* ---- log ---------------------------------------------------------------- */

typedef struct log_ctx {
    int json, n;
} log_ctx;

static void field_text(const fold_state *st, const char *name, char *out,
                       size_t cap)
{
    const proto_field *f = fold_state_field(st, name);
    if (f && f->type == PROTO_STR)
        snprintf(out, cap, "%.*s", (int)f->str_len, f->str);
    else
        snprintf(out, cap, "-");
}

static int log_cb(const fold_state *st, void *arg)
{
    log_ctx *c = arg;
    char when[32], by[128], target[40], fields[128], reason[600], id[33];
    int64_t ms = st->nevents ? st->events[0].wall_ms : 0;
    cli_fmt_time(ms, when, sizeof when);
    field_text(st, "by", by, sizeof by);
    field_text(st, "target", target, sizeof target);
    field_text(st, "fields", fields, sizeof fields);
    field_text(st, "reason", reason, sizeof reason);
    proto_entity_hex(st->entity, id);
    if (c->json) {
        printf("%s{\"id\":\"%s\",\"time_ms\":%" PRId64 ",\"by\":",
               c->n ? "," : "", id, ms);
        cli_json_str(by);
        printf(",\"target\":");
        cli_json_str(target); /* stored text: through the JSON writer */
        printf(",\"fields\":");
        cli_json_str(fields);
        printf(",\"reason\":");
        cli_json_str(reason);
        printf("}");
    } else {
        if (c->n == 0)
            printf("%-20s  %-12s  %-32s  %-12s  %s\n", "TIME", "BY", "RECORD",
                   "FIELDS", "REASON");
        printf("%-20s  %-12s  %-32s  %-12s  %s\n", when, by, target, fields,
               reason);
    }
    c->n++;
    return 0;
}

static int pii_log(void)
{
    int ex = cli_need_name("site");
    if (ex)
        return ex;
    store *st;
    if ((ex = cli_open_site_read(cli_flag("site"), &st)) != 0)
        return ex;
    log_ctx c = {cli_flag("json") != NULL, 0};
    store_txn *t;
    int rc = store_read_begin(st, &t);
    if (c.json)
        printf("[");
    if (rc == 0) {
        rc = store_states_each(t, PROTO_KIND_PII_ACCESS, 0, 0, log_cb, &c);
        store_read_end(t);
    }
    store_close(st);
    if (c.json)
        printf("]\n");
    else if (rc == 0 && c.n == 0)
        printf("no access to personal data on record\n");
    return rc ? cli_fail(rc, _("cannot read the log: %s"),
                         i18n_tr(rnd_strerror(rc)))
              : RND_EXIT_OK;
}

/* ---- dispatch ----------------------------------------------------------- */

static int run_pii(void)
{
    static const struct {
        const char *name;
        int (*fn)(void);
    } subs[] = {{"keys", pii_keys}, {"rotate", pii_rotate}, {"show", pii_show},
                {"log", pii_log},   {"purge", pii_purge},   {NULL, NULL}};
    if (cli_args.npos < 1)
        return cli_usage(_("give keys, rotate, show, log or purge"));
    for (int i = 0; subs[i].name; i++) {
        if (strcmp(subs[i].name, cli_args.pos[0]) != 0)
            continue;
        if (cli_args.npos > 1 && subs[i].fn != pii_show)
            return cli_usage(_("unexpected argument '%s'"), cli_args.pos[1]);
        return subs[i].fn();
    }
    static const char *const names[] = {"keys", "rotate", "show",
                                        "log",  "purge",  NULL};
    return cli_unknown_sub(cli_args.pos[0], names);
}

static const cli_flag_spec pii_flags[] = {
    CLI_DATA_FLAG,
    {"site", "NAME", N_("the site (show, log: required; else every site)")},
    {"reason", "R", N_("show: why the office needs it (required; recorded)")},
    {"by", "NAME", N_("show: who in the office (default: office)")},
    {"retention-days", "N[,SITE=N]",
     N_("keys, purge: keep personal data N days (default 180, or the "
        "configuration's retention_days[.SITE])")},
    {"rotate-days", "N",
     N_("purge: retire a current key older than N days (default 30)")},
    {"json", NULL, N_("print JSON")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};

/* clang-format off */
const cli_command cli_pii_commands[] = {
    {"pii", N_("visitors' personal data: keys, rotate, show (logged), log, "
            "purge"),
     "roundsd pii keys [--site S] [--json] [--data DIR]\n"
     "       roundsd pii rotate [--site S] [--json] [--data DIR]\n"
     "       roundsd pii show ID --site S --reason R [--by NAME] [--json] "
     "[--data DIR]\n"
     "       roundsd pii log --site S [--json] [--data DIR]\n"
     "       roundsd pii purge [--site S] [--retention-days N[,SITE=N]] "
     "[--rotate-days N]\n"
     "                         [--json] [--data DIR]\n\n"
     "Handhelds seal visitors' ID numbers and phones to the office's "
     "current key and keep\nonly masked forms. 'show' opens them for an "
     "explicit reason, recorded first as a\npii_access op; 'purge' (run it "
     "daily) retires a key older than --rotate-days and\ndeletes keys "
     "retired more than --retention-days ago: what they sealed can then\n"
     "never be opened again, on any copy.",
     pii_flags, run_pii, 2},
    {NULL, NULL, NULL, NULL, NULL, 0}};
/* clang-format on */
