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
 * This file holds what every command shares (rounds_cli.h), the help, the
 * listings (list, show, conflicts: they print records read through
 * hh_list and hh_get; the entity's fields are read from fold.h's struct,
 * which hh_entity is) and main(). The recording commands are in
 * rounds_records.c, status, enroll, sync, dump and report shift in
 * rounds_sync.c. No store_* call: the store is reached through handheld.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cli/args.h"
#include "../report/render.h"
#include "handheld.h"
#include "hh_jw.h"
#include "../i18n/i18n.h"
#include "rounds_cli.h"

/* Exit codes: enum rnd_exit in proto/errors.h. */
int exit_for(int rc)
{
    return rnd_exit_code(rc);
}

/* The parsed command line (rounds_cli.h). */
opts o;

/* ---- output helpers ----------------------------------------------------- */

void json_str(FILE *f, const char *s, size_t n)
{
    rpt_json_str(f, s, n);
}

void json_cstr(FILE *f, const char *s)
{
    json_str(f, s, strlen(s));
}

/* Times: UTC ISO 8601 in JSON, local "YYYY-MM-DD HH:MM" in text, the
 * forms `roundsd` prints too (report/render.h). */
void fmt_time(int64_t ms, char *out, size_t cap, int utc)
{
    if (utc)
        rpt_time_utc(ms, out, cap);
    else
        rpt_time_local(ms, out, cap);
}

int report_error(hh *h, int rc, const char *what)
{
    char buf[1024];
    const char *msg = h ? hh_last_error(h) : i18n_tr(rnd_strerror(rc));
    if (h && strcmp(msg, "no error") == 0)
        msg = i18n_tr(rnd_strerror(rc));
    /* Messages may quote what was typed: keep them readable text. The
     * library names a verb as its table does ("visit.enter: ..."): say
     * it as the command is typed ("visit enter: ..."). */
    size_t vl = o.cmd && o.cmd->verb ? strlen(o.cmd->verb) : 0;
    if (vl && strncmp(msg, o.cmd->verb, vl) == 0 && msg[vl] == ':') {
        snprintf(buf, sizeof buf, "%s%s", o.cmd->name, msg + vl);
        what = o.cmd->name;
    } else {
        snprintf(buf, sizeof buf, "%s", msg);
    }
    args_clean(buf);
    msg = buf;
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

/* ---- the parsed command line ------------------------------------------ */

const char *kv_take(const char *name)
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

const char *data_dir(void)
{
    if (o.data)
        return o.data;
    const char *e = getenv(HH_DATA_ENV);
    return e && *e ? e : "./rounds-data";
}

int open_handheld(hh **h)
{
    int rc = hh_open(data_dir(), h);
    if (rc) {
        if (rc == RND_ENOTFOUND || rc == RND_ENOTINIT)
            fprintf(stderr,
                    _("rounds: no device in %s: run 'rounds init --site S "
                      "--name N' (or set --data / ROUNDS_DATA)\n"),
                    data_dir());
        else
            fprintf(stderr, _("rounds: cannot open %s: %s\n"), data_dir(),
                    i18n_tr(rnd_strerror(rc)));
        return exit_for(rc);
    }
    return 0;
}

/* ---- help --------------------------------------------------------------- */

void rounds_print_help(void)
{
    puts(_(
        "rounds: the Rounds handheld: record patrols, visitors, vehicles,\n"
        "work orders, inspections and handovers offline.\n"
        "\n"
        "Usage: rounds [--data DIR] [--json] [--tz ZONE] COMMAND [ARGS] "
        "[--field VALUE]...\n"
        "       rounds --version | --help | COMMAND --help\n"
        "\n"
        "Set-up:\n"
        "  init --site SITE --name NAME [--user PERSON]  make this device\n"
        "  user PERSON                  who carries the device now\n"
        "  signin --staff ID            sign in with your PIN (signout,\n"
        "                               whoami)\n"
        "  status                       device, op counts, unsynced work\n"
        "  app [--port N]               the app for the device's browser\n"
        "                               (127.0.0.1 only; prints its link)\n"
        "Sync:\n"
        "  enroll --server HOST:PORT --cert FILE --credential CRED\n"
        "                               store what the office gave: the\n"
        "                               server, its certificate, the secret\n"
        "  enroll --payload TEXT        the same from the office's QR code\n"
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
        "  workorder feedback|escalate|reply|assess ID  a complaint's steps\n"
        "  inspect --unit U [...]       vacant-unit inspection\n"
        "  handover create --to P [...] hand the shift over\n"
        "  handover ack ID              acknowledge a handover\n"
        "  log --text T                 duty log entry\n"
        "Registers:\n"
        "  incident report|escalate|close  incident reports\n"
        "  key out|back                 owners' keys held by the office\n"
        "  lost found|return|dispose    lost and found\n"
        "  exitslip check               large items leaving: the exit slip\n"
        "  task done --plan KEY         a recurring task of the office's\n"
        "                               plan is done\n"
        "Reading:\n"
        "  list visitors|vehicles|workorders|scans|inspections|handovers|log\n"
        "       [--all] [--limit N]     open ones by default where it applies\n"
        "  list units|vacant|routes|checkpoints|staff|plates|blacklist|\n"
        "       holidays|roster|sites   the office's master data (active\n"
        "       [--all]                 ones unless --all), as last synced\n"
        "  list incidents|keys|lostfound|exitslips|tasks|taskplans\n"
        "       [--all] [--limit N]     the registers (open ones unless\n"
        "                               --all: incidents, keys, lost)\n"
        "  list pii_access|pii_keys     the office's openings of sealed\n"
        "                               personal data, and its keys\n"
        "  conflicts                    records with concurrent different\n"
        "                               writes to a field (office resolves)\n"
        "  show ID                      one record with its history\n"
        "  now [--at T]                 what is due for me now\n"
        "  help VERB                    fields of a command, e.g. "
        "'help visit enter'\n"
        "  verbs                        every command and its fields\n"
        "  completion bash              the bash completion script\n"
        "  report shift [--since T] [--route R] [--format text|csv|json]\n"
        "                               my shift so far, offline: my scans,\n"
        "                               missed checkpoints, visitors I let in\n"
        "                               still inside ('rounds report --help')\n"
        "\n"
        "Options: --data DIR (default $ROUNDS_DATA or ./rounds-data), --json "
        "for\n"
        "machine-readable output (errors too), --tz ZONE (Z, +HH:MM or\n"
        "Asia/Shanghai) for times typed and shown, --by PERSON on any\n"
        "record. An ID is its 32 hex digits or any unique prefix of 8+.\n"
        "Times: YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM] or ms since the epoch.\n"
        "Gate checks (offline, from the synced master data): a visitor or\n"
        "plate on the blacklist is recorded with a WARNING on stderr\n"
        "(blacklist_hit in --json); a resident plate is refused (exit 4):\n"
        "it needs no registration.\n"
        "Exit codes: 0 ok, 1 failure, 2 usage or bad field, 3 not found\n"
        "(or not initialised / not enrolled), 4 refused by the record's\n"
        "state, 5 storage error, 6 network, TLS or timeout, 7 refused by\n"
        "the server (credential, revoked, site, certificate, busy, ...)."));
}

/* ---- commands ----------------------------------------------------------- */

/* ---- listings ----------------------------------------------------------- */

typedef struct print_ctx {
    int kind;
    long count;
    long limit;
    long skip;
} print_ctx;

/* An ID document number: shown masked (hh_mask_id) wherever it prints. */
static int is_id_no(const hh_value *v)
{
    return v->name_len == 5 && memcmp(v->name, "id_no", 5) == 0;
}

/* A drawn signature (signature_strokes, callback_signature_strokes):
 * shown as "yes (N strokes)", not as its points. */
static int is_strokes(const hh_value *v)
{
    static const char sfx[] = "signature_strokes";
    size_t n = sizeof sfx - 1;
    return v->name_len >= n && memcmp(v->name + v->name_len - n, sfx, n) == 0;
}

/* A field in text, the form of report/render.h's rpt_field_text (NULL "-",
 * booleans yes/no, ID numbers masked), as `roundsd list` prints it. */
static void value_text(const hh_value *v, char *out, size_t cap)
{
    switch (v ? v->type : HH_VAL_NIL) {
    case HH_VAL_STR:
        if (is_strokes(v) && v->str_len > 0) {
            size_t k = 1; /* stored in normal form: one ';' between two */
            for (size_t i = 0; i < v->str_len; i++)
                k += v->str[i] == ';';
            snprintf(out, cap, "yes (%zu stroke%s)", k, k == 1 ? "" : "s");
        } else if (is_id_no(v))
            hh_mask_id(v->str, v->str_len, out, cap);
        else
            snprintf(out, cap, "%.*s", (int)v->str_len, v->str);
        break;
    case HH_VAL_INT:
        snprintf(out, cap, "%" PRId64, v->i);
        break;
    case HH_VAL_BOOL:
        snprintf(out, cap, "%s", rpt_bool_text((int)v->i));
        break;
    default:
        snprintf(out, cap, "-");
    }
}

/* The field called name of e, or NULL when it has none (into *buf). */
static const hh_value *field_of(const hh_entity *e, const char *name,
                                hh_value *buf)
{
    return hh_entity_field(e, name, buf) == 0 ? buf : NULL;
}

/* A record's status as text: "-" for kinds without one. */
static const char *status_text(const hh_entity *e)
{
    const char *s = hh_entity_status(e);
    return s[0] ? s : "-";
}

/* `rounds list vacant`: each vacant unit's last inspection (device time
 * of the newest inspection of the unit in this store) and its due date,
 * 30 days later (RPT_VACANT_DEFAULT_DAYS; "now" when never inspected),
 * the figures of roundsd report vacant (docs/REPORTS.md, "vacant"). */
typedef struct vac_last {
    char unit[160];
    int64_t last;
} vac_last;
static struct {
    vac_last *v;
    size_t n, cap;
    int64_t now;
    const vac_last *cur; /* the unit print_json_entity is printing */
    int on;
} vac;

static void vac_json(rpt_jw *j, const vac_last *u)
{
    char ts[40];
    int64_t due =
        u && u->last ? u->last + RPT_VACANT_DEFAULT_DAYS * 86400000LL : 0;
    if (u && u->last) {
        fmt_time(u->last, ts, sizeof ts, 1);
        rpt_jw_kstr(j, "last_inspected", ts);
        fmt_time(due, ts, sizeof ts, 1);
        rpt_jw_kstr(j, "due", ts);
        rpt_jw_kint(j, "due_ms", due);
    } else {
        rpt_jw_key(j, "last_inspected");
        rpt_jw_null(j);
        rpt_jw_kstr(j, "due", "now");
        rpt_jw_kint(j, "due_ms", vac.now);
    }
    rpt_jw_key(j, "overdue");
    rpt_jw_bool(j, due == 0 || due < vac.now);
}

/* The handle `rounds show` reads with: its JSON and text list the
 * record's attachments too. */
static hh *show_h;

static void print_json_entity(const hh_entity *st, int with_events)
{
    char hex[33], ts[40];
    hh_value v;
    hh_event e;
    rpt_jw j;
    rpt_jw_init(&j, stdout);
    hh_entity_id(st, hex);
    rpt_jw_obj(&j);
    rpt_jw_kstr(&j, "id", hex);
    rpt_jw_kstr(&j, "kind", hh_kind_name(hh_entity_kind(st)));
    rpt_jw_kstr(&j, "status", hh_entity_status(st));
    fmt_time(hh_entity_created_ms(st), ts, sizeof ts, 1);
    rpt_jw_kstr(&j, "created", ts);
    rpt_jw_kint(&j, "created_ms", hh_entity_created_ms(st));
    fmt_time(hh_entity_updated_ms(st), ts, sizeof ts, 1);
    rpt_jw_kstr(&j, "updated", ts);
    rpt_jw_key(&j, "creator");
    rpt_jw_hex64(&j, hh_entity_creator(st));
    if (hh_entity_kind(st) == HH_KIND_WORKORDER)
        rpt_jw_kuint(&j, "reopen_count", hh_entity_reopen_count(st));
    rpt_jw_key(&j, "fields");
    rpt_jw_obj(&j);
    for (size_t i = 0; hh_entity_field_at(st, i, &v) == 0; i++) {
        rpt_jw_keyn(&j, v.name, v.name_len);
        hh__jw_value(&j, &v);
    }
    rpt_jw_end(&j);
    if (with_events) {
        rpt_jw_key(&j, "events");
        rpt_jw_arr(&j);
        for (size_t i = 0; hh_entity_event(st, i, &e) == 0; i++) {
            fmt_time(hh_hlc_ms(e.hlc), ts, sizeof ts, 1);
            rpt_jw_obj(&j);
            rpt_jw_kstr(&j, "action", hh_action_name(e.action));
            rpt_jw_kstr(&j, "at", ts);
            rpt_jw_kuint(&j, "hlc", e.hlc);
            rpt_jw_kint(&j, "device_time_ms", e.wall_ms);
            rpt_jw_key(&j, "device");
            rpt_jw_hex64(&j, e.device_id);
            rpt_jw_kuint(&j, "seq", e.seq);
            rpt_jw_end(&j);
        }
        rpt_jw_end(&j);
    }
    if (vac.on)
        vac_json(&j, vac.cur);
    if (with_events && show_h)
        rounds_show_attachments(show_h, hex, &j);
    rpt_jw_end(&j);
}

/* The width of the ids a text listing shows (short_id_width). */
static int id_width = 32;

/* One line per record, the fields a guard scans for first. */
static void print_line(const hh_entity *st)
{
    static const char *const cols[][4] = {
        [HH_KIND_SCAN] = {"tag", "route", "by", "note"},
        [HH_KIND_VISIT] = {"name", "id_no", "unit", "gate"},
        [HH_KIND_VEHICLE] = {"plate", "type", "unit", "gate"},
        [HH_KIND_WORKORDER] = {"place", "category", "priority", "assignee"},
        [HH_KIND_INSPECTION] = {"unit", "by", "workorder", "note"},
        [HH_KIND_HANDOVER] = {"by", "to", "workorders_open", "visits_inside"},
        [HH_KIND_DUTYLOG] = {"by", "text", NULL, NULL},
        [HH_KIND_INCIDENT] = {"type", "place", "escalated_to", "by"},
        [HH_KIND_OWNERKEY] = {"unit", "key_label", "to", "by"},
        [HH_KIND_LOSTFOUND] = {"item", "place", "claimant", "by"},
        [HH_KIND_EXITSLIP] = {"slip", "unit", "items", "reason"},
        [HH_KIND_TASK] = {"plan", "by", "note", NULL},
    };
    char hex[33], ts[40], val[HH_VALUE_MAX + 1];
    size_t kind = (size_t)hh_entity_kind(st);
    hh_value v;
    hh_entity_id(st, hex);
    fmt_time(hh_entity_created_ms(st), ts, sizeof ts, 0);
    /* Text shows the short id (its first 8 hex: any command takes it);
     * JSON the full one. */
    printf("%-*.*s  %s  %-11s", id_width, id_width, hex, ts, status_text(st));
    if (kind < sizeof cols / sizeof cols[0]) {
        for (int i = 0; i < 4 && cols[kind][i]; i++) {
            value_text(field_of(st, cols[kind][i], &v), val, sizeof val);
            fputs("  ", stdout);
            rpt_text_cell(stdout, val, 0, 40);
        }
    }
    putchar('\n');
}

static int print_cb(const hh_entity *st, void *arg)
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

static int count_only_cb(const hh_entity *st, void *arg)
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
static void md_key(const hh_entity *st, char *out, size_t cap)
{
    const char *const *cols = hh_kind_columns(hh_entity_kind(st));
    const char *name = cols ? cols[0] : "";
    hh_value v;
    if (hh_entity_kind(st) == HH_KIND_BLACKLIST)
        name = field_of(st, "plate", &v) ? "plate" : "name";
    const hh_value *f = field_of(st, name, &v);
    if (f && f->type == HH_VAL_STR)
        snprintf(out, cap, "%.*s", (int)f->str_len, f->str);
    else
        out[0] = '\0';
}

static int md_collect_cb(const hh_entity *st, void *arg)
{
    md_collect *c = arg;
    if (c->vacant_only) {
        hh_value buf;
        const hh_value *v = field_of(st, "vacant", &buf);
        if (v == NULL || v->type != HH_VAL_BOOL || !v->i)
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
    hh_entity_id(st, c->items[c->n].id);
    c->n++;
    return 0;
}

static int md_item_cmp(const void *a, const void *b)
{
    const md_item *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->id, y->id);
}

static const vac_last *vac_find(const char *unit)
{
    for (size_t i = 0; i < vac.n; i++)
        if (strcmp(vac.v[i].unit, unit) == 0)
            return &vac.v[i];
    return NULL;
}

static int md_print_cb(const hh_entity *st, void *arg)
{
    print_ctx *c = arg;
    const char *const *cols = hh_kind_columns(hh_entity_kind(st));
    char hex[33], val[HH_VALUE_MAX + 1];
    hh_value v;
    if (vac.on) {
        value_text(field_of(st, "unit", &v), val, sizeof val);
        vac.cur = vac_find(val);
    }
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
        if (vac.on)
            printf("%-16s %-16s ", "last_inspected", "due");
        printf("%sID\n", o.all ? "STATUS   " : "");
    }
    for (int i = 0; cols[i]; i++) {
        value_text(field_of(st, cols[i], &v), val, sizeof val);
        /* Display columns, cut at a character (CJK takes two). */
        rpt_text_cell(stdout, val, i == 0 ? 18 : 14, 40);
        putchar(' ');
    }
    if (vac.on) {
        char last[40] = "never", due[48] = "now (overdue)";
        if (vac.cur && vac.cur->last) {
            int64_t d = vac.cur->last + RPT_VACANT_DEFAULT_DAYS * 86400000LL;
            fmt_time(vac.cur->last, last, sizeof last, 0);
            fmt_time(d, due, 17, 0);
            if (d < vac.now)
                strcat(due, " OVERDUE");
        }
        printf("%-16s %-16s ", last, due);
    }
    if (o.all)
        printf("%-8s ", hh_entity_status(st));
    hh_entity_id(st, hex);
    printf("%.*s\n", id_width, hex);
    c->count++;
    return 0;
}

/* The newest inspection of each unit (vac.v), by the device time of its
 * create (the time the office's vacant report counts). */
static int vac_insp_cb(const hh_entity *st, void *arg)
{
    (void)arg;
    hh_value buf;
    hh_event e;
    char unit[160];
    value_text(field_of(st, "unit", &buf), unit, sizeof unit);
    if (unit[0] == '\0' || hh_entity_event(st, 0, &e) != 0)
        return 0;
    vac_last *u = (vac_last *)vac_find(unit);
    if (u == NULL) {
        if (vac.n == vac.cap) {
            size_t cap = vac.cap ? 2 * vac.cap : 64;
            vac_last *p = realloc(vac.v, cap * sizeof *p);
            if (p == NULL)
                return RND_ENOMEM;
            vac.v = p;
            vac.cap = cap;
        }
        u = &vac.v[vac.n++];
        snprintf(u->unit, sizeof u->unit, "%s", unit);
        u->last = 0;
    }
    if (e.wall_ms > u->last)
        u->last = e.wall_ms;
    return 0;
}

/* Lists a master-data kind sorted by its key (ids of master data are
 * hashes, so id order means nothing to a reader). */
static int list_master(hh *h, int kind, int open_only, int vacant_only)
{
    md_collect mc = {NULL, 0, 0, vacant_only, 0};
    print_ctx c = {kind, 0, o.limit, 0};
    int rc = 0;
    if (vacant_only) {
        vac.on = 1;
        vac.now = hh_now_ms(h);
        rc = hh_list(h, HH_KIND_INSPECTION, 0, vac_insp_cb, NULL);
    }
    if (rc == 0)
        rc = hh_list(h, kind, open_only, md_collect_cb, &mc);
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
    free(vac.v);
    memset(&vac, 0, sizeof vac);
    return rc;
}

/* ---- conflicts ---------------------------------------------------------- */

typedef struct conflicts_ctx {
    long n;
    uint64_t me;
    rpt_jw j; /* --json: the output */
} conflicts_ctx;

/* The head of one conflict, the form of report/render.h's
 * rpt_conflict_head (`roundsd conflicts` prints it too): with json, opens
 * its object (id, kind, status, field) and its "candidates" array, which
 * the caller fills and closes with the object; otherwise its text line. */
static void conflict_head(rpt_jw *j, const char *hex, const hh_entity *st,
                          const hh_conflict *cf)
{
    const char *kind = hh_kind_name(hh_entity_kind(st));
    if (!o.json) {
        printf("%s %s  %s  field %.*s: %zu candidates\n", kind, hex,
               status_text(st), (int)cf->field_len, cf->field, cf->ncand);
        return;
    }
    rpt_jw_obj(j);
    rpt_jw_kstr(j, "id", hex);
    rpt_jw_kstr(j, "kind", kind);
    rpt_jw_kstr(j, "status", hh_entity_status(st));
    rpt_jw_key(j, "field");
    rpt_jw_strn(j, cf->field, cf->field_len);
    rpt_jw_key(j, "candidates");
    rpt_jw_arr(j);
}

static int conflict_print_cb(const hh_entity *st, void *arg)
{
    conflicts_ctx *c = arg;
    char hex[33], ts[40], val[HH_VALUE_MAX + 1];
    hh_conflict cf;
    hh_candidate cd;
    hh_entity_id(st, hex);
    for (size_t i = 0; hh_entity_conflict(st, i, &cf) == 0; i++) {
        conflict_head(&c->j, hex, st, &cf);
        for (size_t j = 0; hh_entity_candidate(st, i, j, &cd) == 0; j++) {
            fmt_time(cd.time_ms, ts, sizeof ts, !!o.json);
            if (o.json) {
                rpt_jw *w = &c->j;
                rpt_jw_obj(w);
                rpt_jw_key(w, "value");
                hh__jw_value(w, &cd.value);
                rpt_jw_key(w, "device");
                rpt_jw_hex64(w, cd.device_id);
                rpt_jw_kbool(w, "this_device", cd.device_id == c->me);
                rpt_jw_kuint(w, "seq", cd.seq);
                rpt_jw_kuint(w, "hlc", cd.hlc);
                rpt_jw_kstr(w, "time", ts);
                rpt_jw_kint(w, "time_ms", cd.time_ms);
                rpt_jw_kint(w, "device_time_ms", cd.wall_ms);
                rpt_jw_end(w);
            } else {
                value_text(&cd.value, val, sizeof val);
                printf("  %-24s device %016" PRIx64 "%s seq %" PRIu64 "  %s\n",
                       val, cd.device_id,
                       cd.device_id == c->me ? " (this one)" : "", cd.seq, ts);
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

int cmd_conflicts(void)
{
    hh_status_info si;
    hh *h;
    if (o.nkv)
        return usage_error(_("conflicts: unknown flag --%s"), o.kv[0].name);
    if (o.npos > 1)
        return usage_error(_("conflicts: unexpected argument '%s'"),
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

int cmd_list(void)
{
    static const struct {
        const char *name;
        int kind;
        int open_default;
    } lists[] = {
        {"visitors", HH_KIND_VISIT, 1},
        {"vehicles", HH_KIND_VEHICLE, 1},
        {"workorders", HH_KIND_WORKORDER, 1},
        {"scans", HH_KIND_SCAN, 0},
        {"inspections", HH_KIND_INSPECTION, 0},
        {"handovers", HH_KIND_HANDOVER, 0},
        {"log", HH_KIND_DUTYLOG, 0},
        {"incidents", HH_KIND_INCIDENT, 1},
        {"keys", HH_KIND_OWNERKEY, 1},
        {"lostfound", HH_KIND_LOSTFOUND, 1},
        {"exitslips", HH_KIND_EXITSLIP, 0},
        {"tasks", HH_KIND_TASK, 0},
        {"taskplans", HH_KIND_TASKPLAN, 1},
        /* Master data from the office: active entries unless --all. */
        {"units", HH_KIND_UNIT, 1},
        {"vacant", HH_KIND_UNIT, 1},
        {"routes", HH_KIND_ROUTE, 1},
        {"checkpoints", HH_KIND_CHECKPOINT, 1},
        {"staff", HH_KIND_STAFF, 1},
        {"plates", HH_KIND_PLATE, 1},
        {"blacklist", HH_KIND_BLACKLIST, 1},
        {"sites", HH_KIND_SITE, 1},
        {"holidays", HH_KIND_HOLIDAY, 1},
        /* The office's openings of sealed personal data, and its keys. */
        {"pii_access", HH_KIND_PII_ACCESS, 0},
        {"pii_keys", HH_KIND_PII_KEY, 1},
        {"tag_keys", HH_KIND_TAG_KEY, 1},
        {"roster", HH_KIND_ROSTER, 1},
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
            _("list: give one of visitors, vehicles, workorders, scans, "
              "inspections, handovers, log, units, vacant, routes, "
              "checkpoints, staff, plates, blacklist, holidays, roster, "
              "sites, incidents, keys, lostfound, exitslips, tasks, "
              "taskplans, pii_access, pii_keys, tag_keys%s"),
            "");
    if (o.nkv)
        return usage_error(_("list: unknown flag --%s"), o.kv[0].name);
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    id_width = short_id_width(h, kind);
    if (hh_kind_columns(kind)) {
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

static int show_cb(const hh_entity *st, void *arg)
{
    char hex[33], ts[40], val[HH_VALUE_MAX + 1];
    hh_value v;
    hh_event e;
    if (o.json) {
        print_json_entity(st, 1);
        putchar('\n');
        return 0;
    }
    hh_entity_id(st, hex);
    printf("%s %s  status: %s\n", hh_kind_name(hh_entity_kind(st)), hex,
           status_text(st));
    for (size_t i = 0; hh_entity_field_at(st, i, &v) == 0; i++) {
        value_text(&v, val, sizeof val);
        printf("  %-16.*s %s\n", (int)v.name_len, v.name, val);
    }
    printf("history:\n");
    for (size_t i = 0; hh_entity_event(st, i, &e) == 0; i++) {
        fmt_time(e.wall_ms, ts, sizeof ts, 0);
        printf("  %s  %-9s device %016" PRIx64 " seq %" PRIu64 "\n", ts,
               hh_action_name(e.action), e.device_id, e.seq);
    }
    return show_h ? rounds_show_attachments(show_h, hex, NULL) : 0;
}

int cmd_show(void)
{
    hh *h;
    if (o.npos < 2)
        return usage_error(_("show: give a record id%s"), "");
    const char *id;
    char hex[33];
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    if ((rc = resolve_id(h, o.positional[1], 0, hex, &id, "show")) != 0) {
        hh_close(h);
        return rc;
    }
    show_h = h;
    rc = hh_get(h, id, show_cb, NULL);
    show_h = NULL;
    int ex = rc ? report_error(h, rc, "show") : RND_EXIT_OK;
    hh_close(h);
    return ex;
}

int main(int argc, char **argv)
{
    i18n_init("rounds");
    return rounds_main(argc, argv);
}
