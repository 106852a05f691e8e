/* cmd_office.c: see cmd_office.h. The office's reading commands: `roundsd
 * list` (master data), `roundsd conflicts` and `roundsd resolve`. Values
 * print through report/render.h, the same forms as `rounds list`. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "../report/render.h"
#include "../storage/fold.h"
#include "admin.h"
#include "cmd_office.h"
#include "registry.h"
#include "site.h"

typedef struct md_list_ctx {
    int json, all;
    int id_width; /* hex digits of each id shown in text (store_id_width) */
    long n;
    rpt_jw j; /* json: the output */
} md_list_ctx;

static int md_list_cb(const fold_state *st, void *arg)
{
    md_list_ctx *c = arg;
    char hex[33], key[SRV_MD_KEY_MAX + 1], val[PROTO_FIELD_STR_MAX + 1];
    const char *const *cols = proto_kind_columns(st->kind);
    proto_entity_hex(st->entity, hex);
    srv_md_state_key(st, key, sizeof key);
    if (c->json) {
        rpt_jw *j = &c->j;
        rpt_jw_obj(j);
        rpt_jw_kstr(j, "id", hex);
        rpt_jw_kstr(j, "kind", proto_kind_name(st->kind));
        rpt_jw_kstr(j, "key", key);
        rpt_jw_kstr(j, "status", st->status);
        rpt_jw_key(j, "fields");
        rpt_jw_fields(j, st);
        rpt_jw_end(j);
    } else {
        if (c->n == 0) {
            for (int i = 0; cols[i]; i++)
                printf("%-*s ", i == 0 ? 18 : 14, cols[i]);
            printf("%s%s\n", c->all ? "STATUS   " : "", "ID");
        }
        for (int i = 0; cols[i]; i++) {
            rpt_field_text(fold_state_field(st, cols[i]), val, sizeof val);
            /* Display columns, cut at a character (CJK takes two). */
            rpt_text_cell(stdout, val, i == 0 ? 18 : 14, 40);
            putchar(' ');
        }
        if (c->all)
            printf("%-8s ", st->status);
        /* The short id: as many digits as make it unique in the store
         * (8 or more): any command takes it. */
        printf("%.*s\n", c->id_width, hex);
    }
    c->n++;
    return 0;
}

static int cmd_list(void)
{
    int ex;
    if (cli_args.npos == 0)
        return cli_usage(_("give what to list: units, vacant, routes, "
                           "checkpoints, staff, plates, blacklist, holidays "
                           "or sites"));
    const char *what = cli_args.pos[0];
    int vacant = strcmp(what, "vacant") == 0;
    const srv_md_kind *k = srv_md_find(vacant ? "units" : what);
    static const char *const names[] = {
        "units",  "vacant",    "routes", "checkpoints", "staff",
        "plates", "blacklist", "sites",  "holidays",    "roster",
        "taskplans", NULL};
    if (k == NULL)
        return cli_unknown_sub(what, names);
    if ((ex = cli_need_name("site")) != 0)
        return ex;
    store *st;
    if ((ex = cli_open_site_read(cli_flag("site"), &st)) != 0)
        return ex;
    md_list_ctx c = {.json = cli_flag("json") != NULL,
                     .all = cli_flag("all") != NULL};
    if (!c.json && store_id_width(st, k->kind, &c.id_width) != 0)
        c.id_width = 32;
    rpt_jw_init(&c.j, stdout);
    if (c.json)
        rpt_jw_arr(&c.j);
    int rc = srv_admin_list(st, k, c.all, vacant, md_list_cb, &c);
    store_close(st);
    if (c.json) {
        rpt_jw_end(&c.j);
        putchar('\n');
    } else if (rc == 0 && c.n == 0)
        printf("(none)\n");
    if (rc)
        return cli_fail(rc, _("cannot read site %s: %s"), cli_flag("site"),
                        i18n_tr(rnd_strerror(rc)));
    return RND_EXIT_OK;
}

typedef struct conflict_ctx {
    int json;
    long n;
    rpt_jw j;          /* json: the output */
    srv_registry *reg; /* may be NULL: names then unknown */
    uint64_t office_id;
} conflict_ctx;

static void device_label(const conflict_ctx *c, uint64_t id, char *out,
                         size_t cap)
{
    char site[SRV_NAME_MAX + 1], name[SRV_NAME_MAX + 1];
    if (id == c->office_id)
        snprintf(out, cap, "office");
    else if (c->reg && srv_registry_name_of(c->reg, id, site, name) == 0)
        snprintf(out, cap, "%s", name);
    else
        snprintf(out, cap, "?");
}

static int conflict_cb(const fold_state *st, void *arg)
{
    conflict_ctx *c = arg;
    char hex[33], dev[17], label[SRV_NAME_MAX + 1], ts[32],
        val[PROTO_FIELD_STR_MAX + 1];
    proto_entity_hex(st->entity, hex);
    for (uint32_t i = 0; i < st->nconflicts; i++) {
        const fold_conflict *cf = &st->conflicts[i];
        rpt_conflict_head(&c->j, c->json, hex, st, cf);
        for (uint32_t j = 0; j < cf->ncand; j++) {
            const fold_candidate *cd = &cf->cand[j];
            srv_hex64(cd->device_id, dev);
            device_label(c, cd->device_id, label, sizeof label);
            cli_fmt_time(PROTO_HLC_MS(cd->hlc), ts, sizeof ts);
            if (c->json) {
                rpt_jw *w = &c->j;
                rpt_jw_obj(w);
                rpt_jw_key(w, "value");
                rpt_jw_field(w, &cd->value);
                rpt_jw_kstr(w, "device", dev);
                rpt_jw_kstr(w, "device_name", label);
                rpt_jw_kuint(w, "seq", cd->seq);
                rpt_jw_kuint(w, "hlc", cd->hlc);
                rpt_jw_kstr(w, "time", ts);
                rpt_jw_kint(w, "time_ms", PROTO_HLC_MS(cd->hlc));
                rpt_jw_kint(w, "device_time_ms",
                            fold_candidate_wall_ms(st, cd));
                rpt_jw_end(w);
            } else {
                rpt_field_text(&cd->value, val, sizeof val);
                printf("  %-24s device %s (%s) seq %" PRIu64 "  %s\n", val,
                       label, dev, cd->seq, ts);
            }
        }
        if (c->json) {
            rpt_jw_end(&c->j);
            rpt_jw_end(&c->j);
        }
        c->n++;
    }
    return 0;
}

static int cmd_conflicts(void)
{
    int ex;
    if ((ex = cli_need_name("site")) != 0)
        return ex;
    const char *site = cli_flag("site");
    store *st;
    uint64_t office = 0;
    int rc = srv_site_open(cli_data_dir(), site, STORE_RDONLY, &st, &office);
    if (rc == RND_ENOTFOUND)
        return cli_fail(rc, _("no site %s in %s"), site, cli_data_dir());
    if (rc)
        return cli_fail(rc, _("cannot open site %s: %s"), site,
                        i18n_tr(rnd_strerror(rc)));
    conflict_ctx c = {.json = cli_flag("json") != NULL, .office_id = office};
    rpt_jw_init(&c.j, stdout);
    if (srv_registry_open(cli_data_dir(), 0, &c.reg) != 0)
        c.reg = NULL;
    if (c.json)
        rpt_jw_arr(&c.j);
    rc = srv_admin_conflicts(st, conflict_cb, &c);
    store_close(st);
    srv_registry_close(c.reg);
    if (c.json) {
        rpt_jw_end(&c.j);
        putchar('\n');
    } else if (rc == 0 && c.n == 0)
        printf("no conflicts\n");
    else if (rc == 0)
        printf("%ld conflict%s; settle one with 'roundsd resolve --site %s "
               "ID --field F --value V'\n",
               c.n, c.n == 1 ? "" : "s", site);
    if (rc)
        return cli_fail(rc, _("cannot read site %s: %s"), site,
                        i18n_tr(rnd_strerror(rc)));
    return RND_EXIT_OK;
}

static int cmd_resolve(void)
{
    int ex;
    if ((ex = cli_need_name("site")) != 0)
        return ex;
    if (cli_args.npos == 0)
        return cli_usage(_("give the id of the record in conflict (see "
                           "'roundsd conflicts --site S')"));
    if (cli_flag("field") == NULL || *cli_flag("field") == '\0')
        return cli_usage(_("--field F is required: the field in conflict"));
    if (cli_flag("value") == NULL)
        return cli_usage(_("--value V is required: the value to keep"));
    const char *site = cli_flag("site");
    store *st;
    if ((ex = cli_open_site_read(site, &st)) != 0)
        return ex;
    /* The id as typed: 32 hex digits or a unique prefix of 8+. */
    static char full[33];
    uint8_t id[PROTO_ENTITY_LEN];
    ex = cli_resolve_id(st, cli_args.pos[0], id);
    store_close(st);
    if (ex)
        return ex;
    proto_entity_hex(id, full);
    cli_args.pos[0] = full;
    if ((ex = cli_open_site_write(site, &st)) != 0)
        return ex;
    srv_admin_out out;
    int rc = srv_admin_resolve(st, cli_args.pos[0], cli_flag("field"),
                               cli_flag("value"), cli_flag("reason"),
                               cli_flag("by"), cli_now_ms(), &out);
    store_close(st);
    if (rc)
        return cli_fail(rc, "%s", out.msg);
    if (cli_flag("json")) {
        rpt_jw j;
        rpt_jw_init(&j, stdout);
        rpt_jw_obj(&j);
        rpt_jw_kbool(&j, "ok", 1);
        rpt_jw_kstr(&j, "id", cli_args.pos[0]);
        rpt_jw_kstr(&j, "field", cli_flag("field"));
        rpt_jw_kstr(&j, "value", cli_flag("value"));
        rpt_jw_end(&j);
        putchar('\n');
    } else {
        printf("resolved field %s of %s: '%s' (handhelds get it at their next "
               "sync)\n",
               cli_flag("field"), cli_args.pos[0], cli_flag("value"));
    }
    return RND_EXIT_OK;
}

static const cli_flag_spec list_flags[] = {
    CLI_DATA_FLAG,
    {"site", "NAME", N_("the site (required)")},
    {"all", NULL, N_("retired entries too (with a STATUS column)")},
    {"json", NULL, N_("a JSON array")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};
static const cli_flag_spec conflicts_flags[] = {
    CLI_DATA_FLAG,
    {"site", "NAME", N_("the site (required)")},
    {"json", NULL, N_("a JSON array, one object per field in conflict")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};
static const cli_flag_spec resolve_flags[] = {
    CLI_DATA_FLAG,
    {"site", "NAME", N_("the site (required)")},
    {"field", "F", N_("the field in conflict (required)")},
    {"value", "V", N_("the value to keep (required): a candidate or another")},
    {"reason", "R", N_("why (stored as resolve_reason)")},
    {"by", "NAME", N_("who in the office (stored as resolve_by)")},
    {"json", NULL, N_("print the result as JSON")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};

const cli_command cli_office_commands[] = {
    {"list", N_("list a site's master data (office)"),
     "roundsd list units|vacant|routes|checkpoints|staff|plates|blacklist|"
     "holidays|sites\n"
     "             --site S [--all] [--json] [--data DIR]",
     list_flags, cmd_list, 1},
    {"conflicts",
     N_("list records with concurrent different writes to a field"),
     "roundsd conflicts --site S [--json] [--data DIR]", conflicts_flags,
     cmd_conflicts, 0},
    {"resolve", N_("settle a conflict: the office's op sets the field"),
     "roundsd resolve --site S ID --field F --value V [--reason R] "
     "[--by NAME]\n"
     "                [--json] [--data DIR]",
     resolve_flags, cmd_resolve, 1},
    {NULL, NULL, NULL, NULL, NULL, 0}};
