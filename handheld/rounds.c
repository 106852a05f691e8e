/* rounds.c: the `rounds` command line, a thin shell over handheld.h.
 *
 * Every recording command maps onto one verb of the verb table: flags
 * (--name value) become the verb's fields, a bare word after the sub-command
 * names the target (an id, a pass number or a plate). Validation, the
 * status checks and the durable write all happen in the library, so the
 * CLI and an app linking the library behave the same.
 *
 * Exit codes (scripts rely on them; docs/OPERATIONS.md lists them too):
 *   0 done, 1 other failure, 2 usage or bad field, 3 not found, not
 *   initialised or not enrolled, 4 refused by the record's state (illegal
 *   transition, pass already out), 5 storage or I/O error, 6 network: cannot
 *   connect, TLS failure, timeout, connection closed or a protocol violation,
 *   7 refused by the server (wrong credential, revoked, unknown device,
 *   another site, foreign or broken op chain, protocol version, busy: any
 *   ERROR the server sends) or a server certificate that is not the
 *   enrolled one.
 *
 * Sync commands: `enroll` stores what the office gave, `sync` runs one
 * session with the server, `dump` prints every merged record and a digest
 * that `roundsd dump` computes the same way (to compare replicas).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../proto/clock.h"
#include "../report/render.h"
#include "../storage/store.h"
#include "handheld.h"

#define MAX_KV 64

/* Exit codes: enum rnd_exit in proto/errors.h. */
static int exit_for(int rc)
{
    return rnd_exit_code(rc);
}

typedef struct opts {
    const char *data;
    int json;
    int all;
    long limit;
    const char *positional[4];
    int npos;
    hh_kv kv[MAX_KV];
    size_t nkv;
    char names[MAX_KV][64]; /* flag names with '-' turned into '_' */
} opts;

static opts o;

/* ---- output helpers ----------------------------------------------------- */

static void json_str(FILE *f, const char *s, size_t n)
{
    rpt_json_str(f, s, n);
}

static void json_cstr(FILE *f, const char *s)
{
    json_str(f, s, strlen(s));
}

/* Times: UTC ISO 8601 in JSON, local "YYYY-MM-DD HH:MM" in text, the
 * forms `roundsd` prints too (report/render.h). */
static void fmt_time(int64_t ms, char *out, size_t cap, int utc)
{
    if (utc)
        rpt_time_utc(ms, out, cap);
    else
        rpt_time_local(ms, out, cap);
}

static int report_error(hh *h, int rc, const char *what)
{
    const char *msg = h ? hh_last_error(h) : rnd_strerror(rc);
    if (h && strcmp(msg, "no error") == 0)
        msg = rnd_strerror(rc);
    /* Library messages already start with the verb they are about. */
    if (strncmp(msg, what, strlen(what)) == 0)
        fprintf(stderr, "rounds: %s\n", msg);
    else
        fprintf(stderr, "rounds: %s: %s\n", what, msg);
    if (o.json) {
        printf("{\"ok\":false,\"error\":");
        json_cstr(stdout, rnd_errname(rc));
        printf(",\"message\":");
        json_cstr(stdout, msg);
        printf("}\n");
    }
    return exit_for(rc);
}

/* ---- argument parsing --------------------------------------------------- */

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "rounds: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'rounds --help'.\n");
    return RND_EXIT_USAGE;
}

/* Parses argv from index i: global flags, --field value pairs and bare
 * words. Returns 0 or an exit code. */
static int parse_args(int argc, char **argv, int i)
{
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            continue; /* handled in main */
        } else if (strcmp(a, "--json") == 0) {
            o.json = 1;
        } else if (strcmp(a, "--all") == 0) {
            o.all = 1;
        } else if (strcmp(a, "--data") == 0 || strcmp(a, "--limit") == 0) {
            if (i + 1 >= argc)
                return usage_error("%s needs a value", a);
            if (a[2] == 'd')
                o.data = argv[++i];
            else
                o.limit = strtol(argv[++i], NULL, 10);
        } else if (strncmp(a, "--", 2) == 0 && a[2] != '\0') {
            if (o.nkv == MAX_KV)
                return usage_error("too many fields%s", "");
            const char *name = a + 2, *val = NULL;
            const char *eq = strchr(name, '=');
            size_t n = eq ? (size_t)(eq - name) : strlen(name);
            if (n >= sizeof o.names[0])
                return usage_error("flag too long: %s", a);
            for (size_t k = 0; k < n; k++)
                o.names[o.nkv][k] = name[k] == '-' ? '_' : name[k];
            o.names[o.nkv][n] = '\0';
            if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else
                return usage_error("%s needs a value", a);
            o.kv[o.nkv].name = o.names[o.nkv];
            o.kv[o.nkv].value = val;
            o.nkv++;
        } else {
            if (o.npos == 4)
                return usage_error("unexpected argument '%s'", a);
            o.positional[o.npos++] = a;
        }
    }
    return 0;
}

static const char *kv_take(const char *name)
{
    for (size_t i = 0; i < o.nkv; i++) {
        if (strcmp(o.kv[i].name, name) == 0) {
            const char *v = o.kv[i].value;
            memmove(&o.kv[i], &o.kv[i + 1], (o.nkv - i - 1) * sizeof o.kv[0]);
            memmove(o.names[i], o.names[i + 1],
                    (o.nkv - i - 1) * sizeof o.names[0]);
            for (size_t k = i; k + 1 < o.nkv; k++)
                o.kv[k].name = o.names[k];
            o.nkv--;
            return v;
        }
    }
    return NULL;
}

static const char *data_dir(void)
{
    if (o.data)
        return o.data;
    const char *e = getenv(HH_DATA_ENV);
    return e && *e ? e : "./rounds-data";
}

static int open_handheld(hh **h)
{
    int rc = hh_open(data_dir(), h);
    if (rc) {
        if (rc == RND_ENOTFOUND || rc == RND_ENOTINIT)
            fprintf(stderr,
                    "rounds: no device in %s: run 'rounds init --site S "
                    "--name N' (or set --data / " HH_DATA_ENV ")\n",
                    data_dir());
        else
            fprintf(stderr, "rounds: cannot open %s: %s\n", data_dir(),
                    rnd_strerror(rc));
        return exit_for(rc);
    }
    return 0;
}

/* ---- help --------------------------------------------------------------- */

static void print_help(void)
{
    puts(
        "rounds: the Rounds handheld: record patrols, visitors, vehicles,\n"
        "work orders, inspections and handovers offline.\n"
        "\n"
        "Usage: rounds [--data DIR] [--json] COMMAND [ARGS] [--field "
        "VALUE]...\n"
        "\n"
        "Set-up:\n"
        "  init --site SITE --name NAME [--user PERSON]  make this device\n"
        "  user PERSON                  who carries the device now\n"
        "  status                       device, op counts, unsynced work\n"
        "Sync:\n"
        "  enroll --server HOST:PORT --cert FILE --credential CRED\n"
        "                               store what the office gave: the\n"
        "                               server, its certificate, the secret\n"
        "  sync [--server HOST:PORT] [--timeout SEC]\n"
        "                               push own records, pull the site's\n"
        "  dump                         every merged record and their digest\n"
        "Recording (each returns after a durable commit):\n"
        "  scan --tag T [...]           patrol checkpoint scan\n"
        "  visit enter|refuse [...]     visitor in / refused entry\n"
        "  visit exit ID|PASS [...]     visitor out\n"
        "  vehicle enter [...]          unfamiliar vehicle in\n"
        "  vehicle exit ID|PLATE        vehicle out\n"
        "  workorder create [...]       repair or complaint\n"
        "  workorder dispatch|arrive|complete|callback|close|cancel|reopen ID\n"
        "  inspect --unit U [...]       vacant-unit inspection\n"
        "  handover create --to P [...] hand the shift over\n"
        "  handover ack ID              acknowledge a handover\n"
        "  log --text T                 duty log entry\n"
        "Reading:\n"
        "  list visitors|vehicles|workorders|scans|inspections|handovers|log\n"
        "       [--all] [--limit N]     open ones by default where it applies\n"
        "  list units|vacant|routes|checkpoints|staff|plates|blacklist|sites\n"
        "       [--all]                 the office's master data (active\n"
        "                               ones unless --all), as last synced\n"
        "  list pii_access|pii_keys     the office's openings of sealed\n"
        "                               personal data, and its keys\n"
        "  conflicts                    records with concurrent different\n"
        "                               writes to a field (office resolves)\n"
        "  show ID                      one record with its history\n"
        "  help VERB                    fields of a command, e.g. "
        "'help visit enter'\n"
        "  verbs                        every command and its fields\n"
        "  report shift [--since T] [--route R] [--format text|csv|json]\n"
        "                               my shift so far, offline: my scans,\n"
        "                               missed checkpoints, visitors I let in\n"
        "                               still inside ('rounds report --help')\n"
        "\n"
        "Options: --data DIR (default $" HH_DATA_ENV
        " or ./rounds-data), --json for\n"
        "machine-readable output, --by PERSON on any record.\n"
        "Gate checks (offline, from the synced master data): a visitor or\n"
        "plate on the blacklist is recorded with a WARNING on stderr\n"
        "(blacklist_hit in --json); a resident plate is refused (exit 4):\n"
        "it needs no registration.\n"
        "Exit codes: 0 ok, 1 failure, 2 usage or bad field, 3 not found\n"
        "(or not initialised / not enrolled), 4 refused by the record's\n"
        "state, 5 storage error, 6 network, TLS or timeout, 7 refused by\n"
        "the server (credential, revoked, site, certificate, busy, ...).");
}

static void print_verb(const hh_verb_spec *v)
{
    printf("%s: %s\n", v->verb, v->help);
    if (v->from)
        printf("  allowed when the %s is: %s\n", proto_kind_name(v->kind),
               v->from);
    for (const hh_field_spec *f = v->fields; f->name; f++) {
        char flag[64];
        size_t i;
        for (i = 0; f->name[i] && i + 1 < sizeof flag; i++)
            flag[i] = f->name[i] == '_' ? '-' : f->name[i];
        flag[i] = '\0';
        printf("  --%-14s %s%s", flag, f->required ? "(required) " : "",
               f->help);
        if (f->choices) {
            printf(" [");
            for (const char *const *c = f->choices; *c; c++)
                printf("%s%s", c == f->choices ? "" : "|", *c);
            printf("]");
        }
        if (f->dflt)
            printf(" (default %s)", f->dflt);
        if (f->op_name)
            printf(" (field %s)", f->op_name);
        putchar('\n');
    }
}

/* Maps "visit enter" / "scan" / "wo dispatch" onto a verb name. */
static int verb_name(const char *cmd, const char *sub, char *out, size_t cap,
                     int *used_sub)
{
    *used_sub = 0;
    if (strcmp(cmd, "scan") == 0)
        snprintf(out, cap, "scan.record");
    else if (strcmp(cmd, "inspect") == 0)
        snprintf(out, cap, "inspection.record");
    else if (strcmp(cmd, "log") == 0)
        snprintf(out, cap, "log.note");
    else if (strcmp(cmd, "visit") == 0 || strcmp(cmd, "vehicle") == 0 ||
             strcmp(cmd, "workorder") == 0 || strcmp(cmd, "wo") == 0 ||
             strcmp(cmd, "handover") == 0) {
        if (sub == NULL)
            return -1;
        snprintf(out, cap, "%s.%s", strcmp(cmd, "wo") == 0 ? "workorder" : cmd,
                 sub);
        *used_sub = 1;
    } else {
        return -1;
    }
    return hh_verb_find(out) ? 0 : -1;
}

/* ---- commands ----------------------------------------------------------- */

static int cmd_init(void)
{
    const char *site = kv_take("site"), *name = kv_take("name");
    const char *user = kv_take("user");
    hh *h;
    hh_status_info st;
    int rc;

    if (o.nkv)
        return usage_error("init: unknown flag --%s", o.kv[0].name);
    if (site == NULL || *site == '\0')
        return usage_error("init: field 'site' is required (--site SITE)%s",
                           "");
    if (name == NULL || *name == '\0')
        return usage_error("init: field 'name' is required (--name NAME)%s",
                           "");
    rc = hh_init(data_dir(), site, name, &h);
    if (rc == RND_EEXIST) {
        fprintf(stderr, "rounds: init: %s already holds a device\n",
                data_dir());
        return RND_EXIT_REFUSED;
    }
    if (rc == RND_EFIELD)
        return usage_error("init: site and name must be 1..63 bytes%s", "");
    if (rc) {
        fprintf(stderr, "rounds: init: %s: %s\n", data_dir(), rnd_strerror(rc));
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

static int cmd_user(void)
{
    hh *h;
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    if (o.npos < 2) {
        hh_close(h);
        return usage_error("user: give the person's name%s", "");
    }
    rc = hh_set_user(h, o.positional[1]);
    int ex = rc ? report_error(h, rc, "user") : RND_EXIT_OK;
    if (!rc)
        printf(o.json ? "{\"ok\":true}\n" : "user set\n");
    hh_close(h);
    return ex;
}

static int cmd_record(const char *verb, const char *target)
{
    uint8_t id[PROTO_ENTITY_LEN], extra[PROTO_ENTITY_LEN];
    static const uint8_t zero[PROTO_ENTITY_LEN];
    char hex[33], xhex[33];
    hh *h;
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    rc = hh_record(h, verb, target, o.kv, o.nkv, id, extra);
    if (rc) {
        int ex = report_error(h, rc, verb);
        hh_close(h);
        return ex;
    }
    proto_entity_hex(id, hex);
    proto_entity_hex(extra, xhex);
    int has_extra = memcmp(extra, zero, sizeof zero) != 0;
    /* The guard must see a blacklist hit (or personal data kept masked
     * only) even when a script reads stdout. */
    int hit = hh_blacklist_hits(h) > 0;
    const char *warning = hh_last_warning(h);
    if (warning[0])
        fprintf(stderr, "rounds: WARNING: %s\n", warning);
    const hh_verb_spec *vs = hh_verb_find(verb);
    int gate = vs && vs->creates &&
               (vs->kind == PROTO_KIND_VISIT || vs->kind == PROTO_KIND_VEHICLE);
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

/* ---- listings ----------------------------------------------------------- */

typedef struct print_ctx {
    int kind;
    long count;
    long limit;
    long skip;
} print_ctx;

/* A field in text: the one form of report/render.h (booleans yes/no, ID
 * numbers masked), as `roundsd list` prints it. */
static void value_text(const proto_field *f, char *out, size_t cap)
{
    rpt_field_text(f, out, cap);
}

static void print_json_entity(const fold_state *st, int with_events)
{
    char hex[33], ts[40];
    rpt_jw j;
    rpt_jw_init(&j, stdout);
    proto_entity_hex(st->entity, hex);
    rpt_jw_obj(&j);
    rpt_jw_kstr(&j, "id", hex);
    rpt_jw_kstr(&j, "kind", proto_kind_name(st->kind));
    rpt_jw_kstr(&j, "status", st->status);
    fmt_time(PROTO_HLC_MS(st->created_hlc), ts, sizeof ts, 1);
    rpt_jw_kstr(&j, "created", ts);
    rpt_jw_kint(&j, "created_ms", PROTO_HLC_MS(st->created_hlc));
    fmt_time(PROTO_HLC_MS(st->updated_hlc), ts, sizeof ts, 1);
    rpt_jw_kstr(&j, "updated", ts);
    rpt_jw_key(&j, "creator");
    rpt_jw_hex64(&j, st->creator);
    if (st->kind == PROTO_KIND_WORKORDER)
        rpt_jw_kuint(&j, "reopen_count", st->reopen_count);
    rpt_jw_key(&j, "fields");
    rpt_jw_fields(&j, st);
    if (with_events) {
        rpt_jw_key(&j, "events");
        rpt_jw_arr(&j);
        for (uint32_t i = 0; i < st->nevents; i++) {
            const fold_event *e = &st->events[i];
            fmt_time(PROTO_HLC_MS(e->hlc), ts, sizeof ts, 1);
            rpt_jw_obj(&j);
            rpt_jw_kstr(&j, "action", proto_action_name(e->action));
            rpt_jw_kstr(&j, "at", ts);
            rpt_jw_kuint(&j, "hlc", e->hlc);
            rpt_jw_kint(&j, "device_time_ms", e->wall_ms);
            rpt_jw_key(&j, "device");
            rpt_jw_hex64(&j, e->device_id);
            rpt_jw_kuint(&j, "seq", e->seq);
            rpt_jw_end(&j);
        }
        rpt_jw_end(&j);
    }
    rpt_jw_end(&j);
}

/* One line per record, the fields a guard scans for first. */
static void print_line(const fold_state *st)
{
    static const char *const cols[][4] = {
        [PROTO_KIND_SCAN] = {"tag", "route", "by", "note"},
        [PROTO_KIND_VISIT] = {"name", "id_no", "unit", "gate"},
        [PROTO_KIND_VEHICLE] = {"plate", "type", "unit", "gate"},
        [PROTO_KIND_WORKORDER] = {"place", "category", "priority", "assignee"},
        [PROTO_KIND_INSPECTION] = {"unit", "by", "workorder", "note"},
        [PROTO_KIND_HANDOVER] = {"by", "to", "workorders_open",
                                 "visits_inside"},
        [PROTO_KIND_DUTYLOG] = {"by", "text", NULL, NULL},
    };
    char hex[33], ts[40], val[PROTO_FIELD_STR_MAX + 1];
    proto_entity_hex(st->entity, hex);
    fmt_time(PROTO_HLC_MS(st->created_hlc), ts, sizeof ts, 0);
    printf("%s  %s  %-11s", hex, ts, st->status[0] ? st->status : "-");
    if (st->kind < sizeof cols / sizeof cols[0]) {
        for (int i = 0; i < 4 && cols[st->kind][i]; i++) {
            value_text(fold_state_field(st, cols[st->kind][i]), val,
                       sizeof val);
            if (strlen(val) > 40)
                strcpy(val + 37, "...");
            printf("  %s", val);
        }
    }
    putchar('\n');
}

static int print_cb(const fold_state *st, void *arg)
{
    print_ctx *c = arg;
    if (c->skip > 0) {
        c->skip--;
        return 0;
    }
    if (o.json) {
        if (c->count)
            putchar(',');
        print_json_entity(st, 0);
    } else {
        print_line(st);
    }
    c->count++;
    return 0;
}

static int count_only_cb(const fold_state *st, void *arg)
{
    (*(long *)arg)++;
    return 0;
}

/* ---- master data (written by the office, synced down) ------------------ */

typedef struct md_item {
    char key[160];
    char id[33];
} md_item;

typedef struct md_collect {
    md_item *items;
    size_t n, cap;
    int vacant_only;
    int rc;
} md_collect;

/* The sort key of a master-data record: its key field; the blacklist by
 * plate, then by name. */
static void md_key(const fold_state *st, char *out, size_t cap)
{
    const char *const *cols = proto_kind_columns(st->kind);
    const char *name = cols ? cols[0] : "";
    if (st->kind == PROTO_KIND_BLACKLIST)
        name = fold_state_field(st, "plate") ? "plate" : "name";
    const proto_field *f = fold_state_field(st, name);
    if (f && f->type == PROTO_STR)
        snprintf(out, cap, "%.*s", (int)f->str_len, f->str);
    else
        out[0] = '\0';
}

static int md_collect_cb(const fold_state *st, void *arg)
{
    md_collect *c = arg;
    if (c->vacant_only) {
        const proto_field *v = fold_state_field(st, "vacant");
        if (v == NULL || v->type != PROTO_BOOL || !v->i)
            return 0;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        md_item *p = realloc(c->items, cap * sizeof *p);
        if (p == NULL) {
            c->rc = RND_ENOMEM;
            return RND_ENOMEM;
        }
        c->items = p;
        c->cap = cap;
    }
    md_key(st, c->items[c->n].key, sizeof c->items[c->n].key);
    proto_entity_hex(st->entity, c->items[c->n].id);
    c->n++;
    return 0;
}

static int md_item_cmp(const void *a, const void *b)
{
    const md_item *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->id, y->id);
}

static int md_print_cb(const fold_state *st, void *arg)
{
    print_ctx *c = arg;
    const char *const *cols = proto_kind_columns(st->kind);
    char hex[33], val[PROTO_FIELD_STR_MAX + 1];
    if (o.json) {
        if (c->count)
            putchar(',');
        print_json_entity(st, 0);
        c->count++;
        return 0;
    }
    if (c->count == 0) {
        for (int i = 0; cols[i]; i++)
            printf("%-*s ", i == 0 ? 18 : 14, cols[i]);
        printf("%sID\n", o.all ? "STATUS   " : "");
    }
    for (int i = 0; cols[i]; i++) {
        const proto_field *f = fold_state_field(st, cols[i]);
        value_text(f, val, sizeof val);
        if (strlen(val) > 40)
            strcpy(val + 37, "...");
        printf("%-*s ", i == 0 ? 18 : 14, val);
    }
    if (o.all)
        printf("%-8s ", st->status);
    proto_entity_hex(st->entity, hex);
    printf("%s\n", hex);
    c->count++;
    return 0;
}

/* Lists a master-data kind sorted by its key (ids of master data are
 * hashes, so id order means nothing to a reader). */
static int list_master(hh *h, int kind, int open_only, int vacant_only)
{
    md_collect mc = {NULL, 0, 0, vacant_only, 0};
    print_ctx c = {kind, 0, o.limit, 0};
    int rc = hh_list(h, kind, open_only, md_collect_cb, &mc);
    if (rc == 0 && mc.rc)
        rc = mc.rc;
    if (rc == 0 && mc.n > 1)
        qsort(mc.items, mc.n, sizeof *mc.items, md_item_cmp);
    size_t from =
        o.limit > 0 && mc.n > (size_t)o.limit ? mc.n - (size_t)o.limit : 0;
    if (o.json)
        printf("[");
    for (size_t i = from; rc == 0 && i < mc.n; i++)
        rc = hh_get(h, mc.items[i].id, md_print_cb, &c);
    if (o.json)
        printf("]\n");
    else if (rc == 0 && c.count == 0)
        printf("(none)\n");
    free(mc.items);
    return rc;
}

/* ---- conflicts ---------------------------------------------------------- */

typedef struct conflicts_ctx {
    long n;
    uint64_t me;
    rpt_jw j; /* --json: the output */
} conflicts_ctx;

static int conflict_print_cb(const fold_state *st, void *arg)
{
    conflicts_ctx *c = arg;
    char hex[33], ts[40], val[PROTO_FIELD_STR_MAX + 1];
    proto_entity_hex(st->entity, hex);
    for (uint32_t i = 0; i < st->nconflicts; i++) {
        const fold_conflict *cf = &st->conflicts[i];
        if (o.json) {
            rpt_jw_obj(&c->j);
            rpt_jw_kstr(&c->j, "id", hex);
            rpt_jw_kstr(&c->j, "kind", proto_kind_name(st->kind));
            rpt_jw_kstr(&c->j, "status", st->status);
            rpt_jw_key(&c->j, "field");
            rpt_jw_strn(&c->j, cf->field, cf->field_len);
            rpt_jw_key(&c->j, "candidates");
            rpt_jw_arr(&c->j);
        } else {
            printf("%s %s  %s  field %.*s: %u candidates\n",
                   proto_kind_name(st->kind), hex,
                   st->status[0] ? st->status : "-", (int)cf->field_len,
                   cf->field, cf->ncand);
        }
        for (uint32_t j = 0; j < cf->ncand; j++) {
            const fold_candidate *cd = &cf->cand[j];
            fmt_time(PROTO_HLC_MS(cd->hlc), ts, sizeof ts, !!o.json);
            if (o.json) {
                rpt_jw *w = &c->j;
                rpt_jw_obj(w);
                rpt_jw_key(w, "value");
                rpt_jw_field(w, &cd->value);
                rpt_jw_key(w, "device");
                rpt_jw_hex64(w, cd->device_id);
                rpt_jw_kbool(w, "this_device", cd->device_id == c->me);
                rpt_jw_kuint(w, "seq", cd->seq);
                rpt_jw_kuint(w, "hlc", cd->hlc);
                rpt_jw_kstr(w, "time", ts);
                rpt_jw_kint(w, "time_ms", PROTO_HLC_MS(cd->hlc));
                rpt_jw_kint(w, "device_time_ms",
                            fold_candidate_wall_ms(st, cd));
                rpt_jw_end(w);
            } else {
                value_text(&cd->value, val, sizeof val);
                printf("  %-24s device %016" PRIx64 "%s seq %" PRIu64 "  %s\n",
                       val, cd->device_id,
                       cd->device_id == c->me ? " (this one)" : "", cd->seq,
                       ts);
            }
        }
        if (o.json) {
            rpt_jw_end(&c->j);
            rpt_jw_end(&c->j);
        }
        c->n++;
    }
    return 0;
}

static int cmd_conflicts(void)
{
    hh_status_info si;
    hh *h;
    if (o.nkv)
        return usage_error("conflicts: unknown flag --%s", o.kv[0].name);
    if (o.npos > 1)
        return usage_error("conflicts: unexpected argument '%s'",
                           o.positional[1]);
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    conflicts_ctx c = {0};
    rpt_jw_init(&c.j, stdout);
    if (hh_status(h, &si) == 0)
        c.me = si.device_id;
    if (o.json)
        rpt_jw_arr(&c.j);
    rc = hh_conflicts(h, conflict_print_cb, &c);
    if (o.json) {
        rpt_jw_end(&c.j);
        putchar('\n');
    } else if (rc == 0 && c.n == 0)
        printf("no conflicts\n");
    else if (rc == 0)
        printf("%ld conflict%s: the office settles them (roundsd resolve); "
               "the result arrives with a sync\n",
               c.n, c.n == 1 ? "" : "s");
    int ex = rc ? report_error(h, rc, "conflicts") : RND_EXIT_OK;
    hh_close(h);
    return ex;
}

static int cmd_list(void)
{
    static const struct {
        const char *name;
        int kind;
        int open_default;
    } lists[] = {
        {"visitors", PROTO_KIND_VISIT, 1},
        {"vehicles", PROTO_KIND_VEHICLE, 1},
        {"workorders", PROTO_KIND_WORKORDER, 1},
        {"scans", PROTO_KIND_SCAN, 0},
        {"inspections", PROTO_KIND_INSPECTION, 0},
        {"handovers", PROTO_KIND_HANDOVER, 0},
        {"log", PROTO_KIND_DUTYLOG, 0},
        /* Master data from the office: active entries unless --all. */
        {"units", PROTO_KIND_UNIT, 1},
        {"vacant", PROTO_KIND_UNIT, 1},
        {"routes", PROTO_KIND_ROUTE, 1},
        {"checkpoints", PROTO_KIND_CHECKPOINT, 1},
        {"staff", PROTO_KIND_STAFF, 1},
        {"plates", PROTO_KIND_PLATE, 1},
        {"blacklist", PROTO_KIND_BLACKLIST, 1},
        {"sites", PROTO_KIND_SITE, 1},
        /* The office's openings of sealed personal data, and its keys. */
        {"pii_access", PROTO_KIND_PII_ACCESS, 0},
        {"pii_keys", PROTO_KIND_PII_KEY, 1},
    };
    const char *what = o.npos > 1 ? o.positional[1] : NULL;
    int kind = 0, open_only = 0;
    hh *h;

    for (size_t i = 0; what && i < sizeof lists / sizeof *lists; i++) {
        if (strcmp(lists[i].name, what) == 0) {
            kind = lists[i].kind;
            open_only = lists[i].open_default && !o.all;
        }
    }
    if (kind == 0)
        return usage_error(
            "list: give one of visitors, vehicles, workorders, scans, "
            "inspections, handovers, log, units, vacant, routes, "
            "checkpoints, staff, plates, blacklist, sites%s",
            "");
    if (o.nkv)
        return usage_error("list: unknown flag --%s", o.kv[0].name);
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    if (proto_kind_columns(kind)) {
        rc = list_master(h, kind, open_only, strcmp(what, "vacant") == 0);
        int ex = rc ? report_error(h, rc, "list") : RND_EXIT_OK;
        hh_close(h);
        return ex;
    }
    /* Newest last; --limit N keeps the N newest. */
    long total = 0;
    print_ctx c = {kind, 0, o.limit, 0};
    if (o.limit > 0) {
        rc = hh_list(h, kind, open_only, count_only_cb, &total);
        c.skip = total > o.limit ? total - o.limit : 0;
    }
    if (o.json)
        printf("[");
    if (rc == 0)
        rc = hh_list(h, kind, open_only, print_cb, &c);
    if (o.json)
        printf("]\n");
    else if (rc == 0 && c.count == 0)
        printf("(none)\n");
    int ex = rc ? report_error(h, rc, "list") : RND_EXIT_OK;
    hh_close(h);
    return ex;
}

static int show_cb(const fold_state *st, void *arg)
{
    char hex[33], ts[40], val[PROTO_FIELD_STR_MAX + 1];
    if (o.json) {
        print_json_entity(st, 1);
        putchar('\n');
        return 0;
    }
    proto_entity_hex(st->entity, hex);
    printf("%s %s  status: %s\n", proto_kind_name(st->kind), hex,
           st->status[0] ? st->status : "-");
    for (uint32_t i = 0; i < st->nfields; i++) {
        const proto_field *f = &st->fields[i];
        value_text(f, val, sizeof val);
        printf("  %-16.*s %s\n", (int)f->name_len, f->name, val);
    }
    printf("history:\n");
    for (uint32_t i = 0; i < st->nevents; i++) {
        fmt_time(st->events[i].wall_ms, ts, sizeof ts, 0);
        printf("  %s  %-9s device %016" PRIx64 " seq %" PRIu64 "\n", ts,
               proto_action_name(st->events[i].action), st->events[i].device_id,
               st->events[i].seq);
    }
    return 0;
}

static int cmd_show(void)
{
    hh *h;
    if (o.npos < 2)
        return usage_error("show: give a record id%s", "");
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    rc = hh_get(h, o.positional[1], show_cb, NULL);
    int ex = rc ? report_error(h, rc, "show") : RND_EXIT_OK;
    hh_close(h);
    return ex;
}

/* The enrolled server address from the store's meta, "" when none. */
static void enrolled_server(hh *h, char *out, size_t cap)
{
    store_txn *t;
    const void *v;
    size_t len;
    out[0] = '\0';
    if (store_read_begin(hh_store(h), &t) != 0)
        return;
    if (store_meta_get(t, "server", &v, &len) == 0 && len < cap) {
        memcpy(out, v, len);
        out[len] = '\0';
    }
    store_read_end(t);
}

static int cmd_status(void)
{
    hh_status_info st;
    char ts[40] = "never", server[300];
    hh *h;
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    rc = hh_status(h, &st);
    if (rc) {
        int ex = report_error(h, rc, "status");
        hh_close(h);
        return ex;
    }
    if (st.last_sync_ms)
        fmt_time(st.last_sync_ms, ts, sizeof ts, !!o.json);
    enrolled_server(h, server, sizeof server);
    if (o.json) {
        printf("{\"device_id\":\"%016" PRIx64 "\",\"site\":", st.device_id);
        json_cstr(stdout, st.site);
        printf(",\"name\":");
        json_cstr(stdout, st.name);
        printf(",\"user\":");
        json_cstr(stdout, st.user);
        printf(",\"ops_total\":%" PRIu64 ",\"own_ops\":%" PRIu64
               ",\"acked_seq\":%" PRIu64 ",\"unsynced\":%" PRIu64
               ",\"last_sync\":",
               st.ops_total, st.own_ops, st.acked_seq, st.unsynced);
        if (st.last_sync_ms)
            json_cstr(stdout, ts);
        else
            printf("null");
        printf(",\"server\":");
        if (server[0])
            json_cstr(stdout, server);
        else
            printf("null");
        printf(",\"visitors_inside\":%" PRIu64 ",\"vehicles_inside\":%" PRIu64
               ",\"workorders_open\":%" PRIu64 "}\n",
               st.open_visits, st.open_vehicles, st.open_workorders);
    } else {
        printf("device     %016" PRIx64 " '%s', site %s\n", st.device_id,
               st.name, st.site);
        printf("user       %s\n", st.user[0] ? st.user : "(none)");
        printf("ops        %" PRIu64 " in store, %" PRIu64
               " written here, %" PRIu64 " not yet synced\n",
               st.ops_total, st.own_ops, st.unsynced);
        printf("server     %s\n",
               server[0] ? server : "(not enrolled: run 'rounds enroll')");
        printf("last sync  %s, server holds own ops up to seq %" PRIu64 "\n",
               ts, st.acked_seq);
        printf("inside     %" PRIu64 " visitors, %" PRIu64 " vehicles; %" PRIu64
               " open work orders\n",
               st.open_visits, st.open_vehicles, st.open_workorders);
    }
    hh_close(h);
    return RND_EXIT_OK;
}

/* ---- sync --------------------------------------------------------------- */

static int cmd_enroll(void)
{
    const char *server = kv_take("server"), *cert = kv_take("cert");
    const char *cred = kv_take("credential");
    hh *h;
    int rc;

    if (o.nkv)
        return usage_error("enroll: unknown flag --%s", o.kv[0].name);
    if (o.npos > 1)
        return usage_error("enroll: unexpected argument '%s'", o.positional[1]);
    if (server == NULL || cert == NULL || cred == NULL)
        return usage_error("enroll: give --server HOST:PORT --cert FILE "
                           "--credential CRED (from 'roundsd enroll')%s",
                           "");
    if ((rc = open_handheld(&h)) != 0)
        return rc;
    rc = hh_enroll(h, server, cert, cred);
    if (rc) {
        int ex = report_error(h, rc, "enroll");
        hh_close(h);
        return ex;
    }
    if (o.json) {
        printf("{\"ok\":true,\"server\":");
        json_cstr(stdout, server);
        printf(",\"cert\":");
        json_cstr(stdout, cert);
        printf("}\n");
    } else {
        printf("enrolled with %s (trusting only the certificate in %s); "
               "run 'rounds sync'\n",
               server, cert);
    }
    hh_close(h);
    return RND_EXIT_OK;
}

static int progress_shown;

static void show_progress(const char *phase, uint64_t done, uint64_t total,
                          void *ctx)
{
    if (total)
        fprintf(stderr, "\r%s %" PRIu64 "/%" PRIu64 " ops   ", phase, done,
                total);
    else
        fprintf(stderr, "\r%s %" PRIu64 " ops   ", phase, done);
    progress_shown = 1;
}

static int cmd_sync(void)
{
    const char *server = kv_take("server"), *timeout = kv_take("timeout");
    hh_sync_options opt = {0};
    hh_sync_result r;
    hh *h;
    int rc;

    if (o.nkv)
        return usage_error("sync: unknown flag --%s", o.kv[0].name);
    if (o.npos > 1)
        return usage_error("sync: unexpected argument '%s'", o.positional[1]);
    if (timeout) {
        char *end;
        double sec = strtod(timeout, &end);
        if (end == timeout || *end != '\0' || !(sec > 0) || sec > 86400)
            return usage_error("sync: --timeout takes seconds (0 < SEC <= "
                               "86400), got '%s'",
                               timeout);
        opt.timeout_ms = (int)(sec * 1000);
        if (opt.timeout_ms < 1)
            opt.timeout_ms = 1;
    }
    opt.server_addr = server;
    if (isatty(STDERR_FILENO))
        opt.progress = show_progress;
    if ((rc = open_handheld(&h)) != 0)
        return rc;
    rc = hh_sync(h, &opt, &r);
    if (progress_shown)
        fputc('\n', stderr);
    if (rc) {
        int ex = report_error(h, rc, "sync");
        /* Whatever the server refused with (even its own storage error or
         * idle timeout), it is the server's refusal. */
        if (r.server_error[0])
            ex = RND_EXIT_SERVER_REFUSED;
        hh_close(h);
        return ex;
    }
    if (o.json) {
        printf("{\"ok\":true,\"pushed\":%" PRIu64 ",\"pulled\":%" PRIu64
               ",\"acked_seq\":%" PRIu64 ",\"cursor\":%" PRIu64
               ",\"ms\":%" PRId64 ",\"tls_resumed\":%s"
               ",\"cursor_reset\":%s,\"cert_learned\":%s"
               ",\"cert_promoted\":%s,\"recovered\":%" PRIu64
               ",\"renumbered\":%" PRIu64 "}\n",
               r.pushed, r.pulled, r.acked_seq, r.cursor, r.ms,
               r.tls_resumed ? "true" : "false",
               r.cursor_reset ? "true" : "false",
               r.cert_learned ? "true" : "false",
               r.cert_promoted ? "true" : "false", r.recovered, r.renumbered);
    } else {
        printf("synced: pushed %" PRIu64 ", pulled %" PRIu64
               ", acked seq %" PRIu64 ", %" PRId64 " ms%s\n",
               r.pushed, r.pulled, r.acked_seq, r.ms,
               r.tls_resumed ? ", TLS resumed" : "");
        /* Operator-visible events of a rotation or a server restore. */
        if (r.cursor_reset)
            printf("the server's store was restored from a backup: pulled "
                   "the site again from the start\n");
        if (r.cert_learned)
            printf("learned the server's next certificate (rotation)\n");
        if (r.cert_promoted)
            printf("the server switched to its new certificate: now the "
                   "pinned one\n");
        if (r.recovered || r.renumbered)
            printf("this store was restored from an older copy: took back "
                   "%" PRIu64 " ops of this handheld from the server and "
                   "renumbered the %" PRIu64 " records made since after "
                   "them\n",
                   r.recovered, r.renumbered);
    }
    hh_close(h);
    return RND_EXIT_OK;
}

typedef struct dump_ctx {
    uint64_t n;
} dump_ctx;

static int dump_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                   const uint8_t *state, size_t len, void *arg)
{
    dump_ctx *c = arg;
    return store_dump_entry(stdout, o.json, c->n++ == 0, id, kind, state, len);
}

static int cmd_dump(void)
{
    dump_ctx c = {0};
    uint8_t digest[32];
    char hex[65];
    uint64_t n = 0;
    store_txn *t;
    hh *h;
    int rc;

    if (o.nkv)
        return usage_error("dump: unknown flag --%s", o.kv[0].name);
    if ((rc = open_handheld(&h)) != 0)
        return rc;
    if (o.json)
        printf("{\"entities\":[");
    /* One read transaction: the lines and the digest are of one state. */
    rc = store_read_begin(hh_store(h), &t);
    if (rc == 0) {
        rc = store_digest(t, dump_cb, &c, digest, &n);
        store_read_end(t);
    }
    if (o.json)
        printf("]");
    if (rc) {
        if (o.json)
            printf("}\n");
        int ex = report_error(h, rc, "dump");
        hh_close(h);
        return ex;
    }
    proto_hex(digest, sizeof digest, hex);
    if (o.json)
        printf(",\"count\":%" PRIu64 ",\"digest\":\"%s\"}\n", n, hex);
    else
        printf("digest %s\n", hex);
    hh_close(h);
    return RND_EXIT_OK;
}

/* ---- report shift ------------------------------------------------------- */

static void print_report_help(void)
{
    puts("rounds report shift: my shift so far, offline, from this device's\n"
         "own store (the site's master data as last synced).\n"
         "\n"
         "Usage: rounds [--data DIR] report shift [--since TIME] [--route R]\n"
         "              [--tz +HH:MM] [--format text|csv|json] [--json]\n"
         "\n"
         "  --since TIME   window start (default: the later of 12 hours ago\n"
         "                 and this device's last handover)\n"
         "  --route R      missed checkpoints of this route (default: every\n"
         "                 route this device scanned in the window)\n"
         "  --tz +HH:MM    local offset for round boundaries and display\n"
         "                 (default: the machine's)\n"
         "  --format FMT   text (default), csv or json; --json = json\n"
         "\n"
         "TIME: YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM] or ms since the epoch.\n"
         "The window ends now.\n"
         "Sections: my_scans (each scan: on_time, late or duplicate in its\n"
         "round), missed_so_far (checkpoints of ended rounds nobody scanned:\n"
         "missed; of the running round whose window has passed: overdue),\n"
         "my_visitors_inside. docs/REPORTS.md defines every figure.\n"
         "Exit codes: 0 printed, 2 usage, 3 not initialised, 5 storage.");
}

static int cmd_report(void)
{
    if (o.npos < 2)
        return usage_error("report: which report? %s", "shift");
    if (strcmp(o.positional[1], "shift") != 0)
        return usage_error("report: unknown report '%s': shift",
                           o.positional[1]);
    if (o.npos > 2)
        return usage_error("report: unexpected argument '%s'", o.positional[2]);
    const char *since = kv_take("since"), *route = kv_take("route");
    const char *format = kv_take("format"), *tz = kv_take("tz");
    if (o.nkv > 0)
        return usage_error("report shift: unknown flag --%s", o.kv[0].name);

    int64_t now = rnd_clock_now_ms(RND_CLOCK_ENV_HANDHELD);
    rpt_params p;
    memset(&p, 0, sizeof p);
    p.now = now;
    p.to = now;
    p.route = route;
    p.overstay_ms = RPT_OVERSTAY_DEFAULT_MS;
    p.tz_min = rpt_tz_local(now);
    if (tz && rpt_tz_parse(tz, &p.tz_min) != 0)
        return usage_error("report shift: --tz %s: expected +HH:MM, -HH:MM "
                           "or Z",
                           tz);
    if (since && (rpt_time_parse(since, p.tz_min, &p.from) != 0 ||
                  p.from <= 0 || p.from >= now))
        return usage_error("report shift: --since %s: expected a time "
                           "before now: YYYY-MM-DDTHH:MM[:SS] with Z or "
                           "+HH:MM, or ms since the epoch",
                           since);
    rpt_format fmt = RPT_FMT_TEXT;
    if (format && rpt_format_parse(format, &fmt) != 0)
        return usage_error("report shift: --format %s: expected text, csv "
                           "or json",
                           format);
    if (o.json)
        fmt = RPT_FMT_JSON;

    hh *h;
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    store_txn *t;
    rc = store_read_begin(hh_store(h), &t);
    if (rc) {
        hh_close(h);
        return report_error(NULL, rc, "report shift");
    }
    store_identity me;
    rc = store_identity_get(t, &me);
    rpt_doc d;
    memset(&d, 0, sizeof d);
    if (rc == 0) {
        p.site = me.site;
        p.device_id = me.device_id;
        rc = rpt_shift(t, &p, &d);
    }
    store_read_end(t);
    if (rc == 0)
        rc = rpt_emit(&d, fmt, stdout);
    rpt_doc_free(&d);
    hh_close(h);
    if (rc)
        return report_error(NULL, rc, "report shift");
    return RND_EXIT_OK;
}

int main(int argc, char **argv)
{
    char verb[64];
    int used_sub, rc;

    rc = parse_args(argc, argv, 1);
    if (rc)
        return rc;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            if (o.npos >= 1 && strcmp(o.positional[0], "report") == 0) {
                print_report_help();
                return RND_EXIT_OK;
            }
            /* "rounds visit enter --help" shows that verb's fields. */
            if (o.npos >= 1 &&
                verb_name(o.positional[0], o.npos > 1 ? o.positional[1] : NULL,
                          verb, sizeof verb, &used_sub) == 0) {
                print_verb(hh_verb_find(verb));
                return RND_EXIT_OK;
            }
            print_help();
            return RND_EXIT_OK;
        }
    }
    if (o.npos == 0) {
        print_help();
        return RND_EXIT_USAGE;
    }
    const char *cmd = o.positional[0];
    if (strcmp(cmd, "help") == 0) {
        if (o.npos > 1 &&
            verb_name(o.positional[1], o.npos > 2 ? o.positional[2] : NULL,
                      verb, sizeof verb, &used_sub) == 0) {
            print_verb(hh_verb_find(verb));
            return RND_EXIT_OK;
        }
        print_help();
        return RND_EXIT_OK;
    }
    if (strcmp(cmd, "verbs") == 0) {
        for (const hh_verb_spec *v = hh_verbs(); v->verb; v++) {
            print_verb(v);
            putchar('\n');
        }
        return RND_EXIT_OK;
    }
    if (strcmp(cmd, "init") == 0)
        return cmd_init();
    if (strcmp(cmd, "user") == 0)
        return cmd_user();
    if (strcmp(cmd, "list") == 0)
        return cmd_list();
    if (strcmp(cmd, "conflicts") == 0)
        return cmd_conflicts();
    if (strcmp(cmd, "show") == 0)
        return cmd_show();
    if (strcmp(cmd, "status") == 0)
        return cmd_status();
    if (strcmp(cmd, "enroll") == 0)
        return cmd_enroll();
    if (strcmp(cmd, "sync") == 0)
        return cmd_sync();
    if (strcmp(cmd, "dump") == 0)
        return cmd_dump();
    if (strcmp(cmd, "report") == 0)
        return cmd_report();
    if (verb_name(cmd, o.npos > 1 ? o.positional[1] : NULL, verb, sizeof verb,
                  &used_sub) == 0) {
        int first = 1 + used_sub;
        if (o.npos > first + 1)
            return usage_error("unexpected argument '%s'",
                               o.positional[first + 1]);
        return cmd_record(verb, o.npos > first ? o.positional[first] : NULL);
    }
    if (o.npos > 1)
        return usage_error("unknown command '%s'", cmd);
    return usage_error("unknown command '%s'", cmd);
}
