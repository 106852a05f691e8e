/* admin.c: the office's writes on a site store (admin.h): master data and
 * conflict resolution. Validation follows the field tables of
 * admin_kinds.c; listings are admin_list.c's. Every write is one durable
 * store_write() that reads the entity's current state and appends the
 * office's op in the same transaction. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/utf8.h"
#include "../i18n/i18n.h"
#include "../report/schedule.h"
#include "admin.h"
#include "site_move.h"

/* ---- keys and ids ------------------------------------------------------- */

void srv_md_entity_id(int kind, const char *site, const char *key, size_t len,
                      uint8_t out[PROTO_ENTITY_LEN])
{
    proto_md_entity_id(kind, site, key, len, out);
}

/* A key: 1..SRV_MD_KEY_MAX bytes, no control characters, no comma (keys
 * go into comma-separated lists), no space at either end. */
static const char *key_problem(const char *s, size_t n)
{
    if (n == 0)
        return "is empty";
    if (n > SRV_MD_KEY_MAX)
        return "is longer than 128 bytes";
    if (s[0] == ' ' || s[n - 1] == ' ')
        return "starts or ends with a space";
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return "has a control character";
        if (s[i] == ',')
            return "has a comma";
    }
    return NULL;
}

/* ---- validation --------------------------------------------------------- */

int srv_admin_flag_ok(const srv_md_kind *k, int mode, const char *flag)
{
    if (strcmp(flag, "by") == 0)
        return 1;
    if (mode == SRV_ADMIN_RETIRE && strcmp(flag, "reason") == 0)
        return 1;
    for (const srv_md_field *f = k->fields; f->flag; f++)
        if (strcmp(f->flag, flag) == 0)
            return mode != SRV_ADMIN_RETIRE || f->key;
    return 0;
}

#define LIST_MAX 256

/* Everything an admin write needs, validated before the transaction. */
typedef struct write_ctx {
    const srv_md_kind *k;
    const char *site;
    int mode;
    int64_t now;
    srv_admin_out *out;
    const char *by;
    const char *reason;
    /* The fields given (or defaulted), in table order. */
    const srv_md_field *spec[PROTO_OP_MAX_FIELDS];
    proto_field f[PROTO_OP_MAX_FIELDS];
    uint32_t n;
    int has_target;
    /* Owned copies of derived values. */
    char plate[PROTO_FIELD_STR_MAX + 1];
    char idno[PROTO_FIELD_STR_MAX + 1];
    char list[PROTO_FIELD_STR_MAX + 1];
    int64_t list_count;
    char building[PROTO_FIELD_STR_MAX + 1];
    char seen[FOLD_SEEN_MAX];
    /* Canonical forms of schedule fields (one buffer per field). */
    char sched[PROTO_OP_MAX_FIELDS][PROTO_FIELD_STR_MAX + 1];
} write_ctx;

static int bad(srv_admin_out *o, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(srv_admin_out *o, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->msg, sizeof o->msg, fmt, ap);
    va_end(ap);
    return rc;
}

static int parse_bool(const char *v, int64_t *out)
{
    if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
        *out = 1;
    else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
        *out = 0;
    else
        return -1;
    return 0;
}

static int parse_int(const char *v, int64_t *out)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno)
        return -1;
    *out = x;
    return 0;
}

/* A holiday's key: a real day, YYYY-MM-DD. */
static int is_date(const char *v)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(v) != 10 || v[4] != '-' || v[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (v[i] < '0' || v[i] > '9'))
            return 0;
    int y = atoi(v), m = atoi(v + 5), d = atoi(v + 8);
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return y >= 1970 && m >= 1 && m <= 12 && d >= 1 && d <= mdays[m - 1] &&
           (m != 2 || d <= 28 + leap);
}

/* Splits a comma-separated list of keys into c->list ("A,B,C", trimmed). */
static int parse_list(write_ctx *c, const srv_md_field *sp, const char *v)
{
    char items[LIST_MAX][SRV_MD_KEY_MAX + 1];
    size_t n = 0, used = 0;
    const char *p = v;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t')) {
            p++;
            len--;
        }
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        const char *why = key_problem(p, len);
        if (why)
            return bad(c->out, RND_EFIELD,
                       "--%s: item %zu of '%s' %s (give tags in order: "
                       "CP-01,CP-02,...)",
                       sp->flag, n + 1, v, why);
        if (n == (size_t)sp->hi)
            return bad(c->out, RND_EFIELD, "--%s: more than %lld items",
                       sp->flag, (long long)sp->hi);
        memcpy(items[n], p, len);
        items[n][len] = '\0';
        for (size_t i = 0; i < n; i++)
            if (strcmp(items[i], items[n]) == 0)
                return bad(c->out, RND_EFIELD, "--%s: '%s' is listed twice",
                           sp->flag, items[n]);
        if (used + len + 2 > sizeof c->list)
            return bad(c->out, RND_EFIELD, "--%s: the list is too long",
                       sp->flag);
        if (n)
            c->list[used++] = ',';
        memcpy(c->list + used, p, len);
        used += len;
        c->list[used] = '\0';
        n++;
        if (!comma)
            break;
        p = comma + 1;
    }
    c->list_count = (int64_t)n;
    return 0;
}

/* The schedule and roster fields in their canonical text (DATA-MODEL.md,
 * "route", "roster"); f->str is replaced by it. Other fields: nothing. */
static int schedule_form(write_ctx *c, const srv_md_field *sp, proto_field *f)
{
    const char *n = sp->name;
    char *out = c->sched[c->n];
    size_t cap = sizeof c->sched[c->n];
    int min;
    if (!strcmp(n, "active_from") || !strcmp(n, "active_to") ||
        !strcmp(n, "start") || !strcmp(n, "end")) {
        if (rpt_hhmm_parse(f->str, f->str_len, &min) != 0)
            return bad(c->out, RND_EFIELD,
                       "--%s %.*s: expected a time of day HH:MM, 00:00..23:59",
                       sp->flag, (int)f->str_len, f->str);
        snprintf(out, cap, "%02d:%02d", min / 60, min % 60);
    } else if (!strcmp(n, "active_days")) {
        unsigned mask;
        if (rpt_days_parse(f->str, f->str_len, &mask) != 0)
            return bad(c->out, RND_EFIELD,
                       "--%s %.*s: expected daily or weekdays mon..sun, "
                       "comma-separated, ranges like mon-fri",
                       sp->flag, (int)f->str_len, f->str);
        rpt_days_text(mask, out, cap);
    } else if (!strcmp(n, "offsets") || !strcmp(n, "tolerances")) {
        int64_t v[LIST_MAX];
        uint32_t k;
        int rc = rpt_minutes_parse(f->str, f->str_len, 131040, v, LIST_MAX, &k);
        if (rc)
            return bad(c->out, RND_EFIELD,
                       "--%s: item %d of '%.*s' is not a whole number of "
                       "minutes (0..131040)",
                       sp->flag, -rc, (int)f->str_len, f->str);
        size_t used = 0;
        out[0] = '\0';
        for (uint32_t i = 0; i < k && used + 12 < cap; i++)
            used += (size_t)snprintf(out + used, cap - used, "%s%lld",
                                     i ? "," : "", (long long)v[i]);
    } else if (!strcmp(n, "day") && c->k->kind == PROTO_KIND_ROSTER) {
        int type;
        int64_t day;
        if (rpt_roster_day_parse(f->str, f->str_len, &type, &day) != 0)
            return bad(c->out, RND_EFIELD,
                       "--%s %.*s: expected a date YYYY-MM-DD, a weekday "
                       "mon..sun or daily",
                       sp->flag, (int)f->str_len, f->str);
        snprintf(out, cap, "%.*s", (int)f->str_len, f->str);
        for (char *p = out; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
    } else if (!strcmp(n, "shift") && c->k->kind == PROTO_KIND_ROSTER &&
               memchr(f->str, '/', f->str_len)) {
        return bad(c->out, RND_EFIELD, "--%s '%.*s' has a '/'", sp->flag,
                   (int)f->str_len, f->str);
    } else {
        return 0;
    }
    f->str = out;
    f->str_len = (uint32_t)strlen(out);
    return 0;
}

/* Converts one given value into c->f[c->n]. */
static int convert(write_ctx *c, const srv_md_field *sp, const char *v)
{
    proto_field *f = &c->f[c->n];
    char buf[256];
    memset(f, 0, sizeof *f);
    f->name = sp->name;
    f->name_len = (uint32_t)strlen(sp->name);
    switch (sp->type) {
    case SRV_MD_STR: {
        size_t len = strlen(v);
        if (len == 0)
            return bad(c->out, RND_EFIELD, "--%s is empty", sp->flag);
        if (len > PROTO_FIELD_STR_MAX)
            return bad(c->out, RND_EFIELD, "--%s is longer than %d bytes",
                       sp->flag, PROTO_FIELD_STR_MAX);
        /* Text rules (docs/DATA-MODEL.md): a reason is free text. */
        size_t at;
        const char *bad_text;
        if (proto_utf8_check(v, len,
                             strcmp(sp->name, "reason") == 0
                                 ? PROTO_TEXT_MULTILINE
                                 : PROTO_TEXT_LINE,
                             &at, &bad_text) != 0)
            return bad(c->out, RND_EFIELD, "field '%s': %s at byte %zu",
                       sp->name, bad_text, at);
        if (sp->key) {
            const char *why = key_problem(v, len);
            if (why)
                return bad(c->out, RND_EFIELD, "--%s '%s' %s", sp->flag, v,
                           why);
        }
        if (c->k->kind == PROTO_KIND_HOLIDAY && strcmp(sp->name, "date") == 0 &&
            !is_date(v))
            return bad(c->out, RND_EFIELD,
                       "--%s %s: expected a day, YYYY-MM-DD", sp->flag, v);
        f->type = PROTO_STR;
        f->str = v;
        f->str_len = (uint32_t)len;
        if (strcmp(sp->name, "plate") == 0) {
            proto_norm_plate(v, strlen(v), c->plate, sizeof c->plate);
            if (c->plate[0] == '\0')
                return bad(c->out, RND_EFIELD, "--%s '%s' has no letter",
                           sp->flag, v);
            f->str = c->plate;
            f->str_len = (uint32_t)strlen(c->plate);
        } else if (strcmp(sp->name, "id_no") == 0) {
            proto_norm_id_no(v, strlen(v), c->idno, sizeof c->idno);
            if (c->idno[0] == '\0')
                return bad(c->out, RND_EFIELD, "--%s is empty", sp->flag);
            f->str = c->idno;
            f->str_len = (uint32_t)strlen(c->idno);
        } else {
            int rc = schedule_form(c, sp, f);
            if (rc)
                return rc;
        }
        break;
    }
    case SRV_MD_INT:
        if (parse_int(v, &f->i) || f->i < sp->lo || f->i > sp->hi)
            return bad(c->out, RND_EFIELD,
                       "--%s %s: expected a whole number from %lld to %lld",
                       sp->flag, v, (long long)sp->lo, (long long)sp->hi);
        f->type = PROTO_INT;
        break;
    case SRV_MD_BOOL:
        if (parse_bool(v, &f->i))
            return bad(c->out, RND_EFIELD, "--%s %s: expected true or false",
                       sp->flag, v);
        f->type = PROTO_BOOL;
        break;
    case SRV_MD_ENUM: {
        size_t n = 0;
        buf[0] = '\0';
        for (const char *const *ch = sp->choices; *ch; ch++) {
            if (strcmp(*ch, v) == 0) {
                f->type = PROTO_STR;
                f->str = *ch;
                f->str_len = (uint32_t)strlen(*ch);
                goto done;
            }
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", n ? "|" : "",
                                  *ch);
        }
        return bad(c->out, RND_EFIELD, "--%s %s: expected one of %s", sp->flag,
                   v, buf);
    }
    case SRV_MD_LIST: {
        int rc = parse_list(c, sp, v);
        if (rc)
            return rc;
        f->type = PROTO_STR;
        f->str = c->list;
        f->str_len = (uint32_t)strlen(c->list);
        break;
    }
    }
done:
    c->spec[c->n++] = sp;
    return 0;
}

static const proto_field *given_field(const write_ctx *c, const char *name)
{
    for (uint32_t i = 0; i < c->n; i++)
        if (strcmp(c->spec[i]->name, name) == 0)
            return &c->f[i];
    return NULL;
}

/* The natural key from the key fields given (blacklist: person or plate).
 */
static int make_key(write_ctx *c)
{
    srv_admin_out *o = c->out;
    const proto_field *f;
    char tmp[SRV_MD_KEY_MAX * 2 + 16];
    if (c->k->kind == PROTO_KIND_SITE) {
        snprintf(o->key, sizeof o->key, "%s", c->site);
        return 0;
    }
    if (c->k->kind == PROTO_KIND_BLACKLIST) {
        const proto_field *person = given_field(c, "name");
        const proto_field *idno = given_field(c, "id_no");
        const proto_field *plate = given_field(c, "plate");
        if (person && plate)
            return bad(o, RND_EFIELD,
                       "--person and --plate cannot go together: one entry "
                       "bans a person or a plate");
        if (!person && !plate)
            return bad(o, RND_EFIELD,
                       "give --person NAME [--id-no N] or "
                       "--plate P");
        if (idno && !person)
            return bad(o, RND_EFIELD, "--id-no goes with --person");
        if (person && key_problem(person->str, person->str_len))
            return bad(o, RND_EFIELD, "--person '%.*s' %s",
                       (int)person->str_len, person->str,
                       key_problem(person->str, person->str_len));
        if (plate)
            snprintf(tmp, sizeof tmp, "plate:%.*s", (int)plate->str_len,
                     plate->str);
        else if (idno)
            snprintf(tmp, sizeof tmp, "person:%.*s", (int)idno->str_len,
                     idno->str);
        else {
            char nm[SRV_MD_KEY_MAX + 1], raw[SRV_MD_KEY_MAX + 1];
            snprintf(raw, sizeof raw, "%.*s", (int)person->str_len,
                     person->str);
            proto_norm_name(raw, strlen(raw), nm, sizeof nm);
            snprintf(tmp, sizeof tmp, "person:%s", nm);
        }
        size_t n = strlen(tmp);
        if (n > SRV_MD_KEY_MAX)
            return bad(o, RND_EFIELD, "the blacklist key is too long");
        memcpy(o->key, tmp, n + 1); /* fits: checked just above */
        return 0;
    }
    if (c->k->kind == PROTO_KIND_ROSTER) {
        const proto_field *day = given_field(c, "day");
        const proto_field *shift = given_field(c, "shift");
        const proto_field *route = given_field(c, "route");
        const proto_field *post = given_field(c, "post");
        if (!day || !shift)
            return bad(o, RND_EFIELD, "--%s is required",
                       day ? "shift NAME" : "day DAY");
        if (!!route == !!post)
            return bad(o, RND_EFIELD,
                       "give --route R or --post P: an entry holds one");
        const proto_field *w = route ? route : post;
        snprintf(tmp, sizeof tmp, "%.*s/%.*s/%s:%.*s", (int)day->str_len,
                 day->str, (int)shift->str_len, shift->str,
                 route ? "route" : "post", (int)w->str_len, w->str);
        size_t n = strlen(tmp);
        if (n > SRV_MD_KEY_MAX)
            return bad(o, RND_EFIELD, "the roster key %s is too long", tmp);
        memcpy(o->key, tmp, n + 1);
        return 0;
    }
    for (const srv_md_field *sp = c->k->fields; sp->flag; sp++) {
        if (!sp->key)
            continue;
        f = given_field(c, sp->name);
        if (f == NULL)
            return bad(o, RND_EFIELD, "--%s %s is required", sp->flag,
                       sp->meta);
        if (f->str_len > SRV_MD_KEY_MAX)
            return bad(o, RND_EFIELD, "--%s is longer than %d bytes", sp->flag,
                       SRV_MD_KEY_MAX);
        snprintf(o->key, sizeof o->key, "%.*s", (int)f->str_len, f->str);
        return 0;
    }
    return bad(o, RND_EINVAL, "kind %s has no key", c->k->noun);
}

/* Parses kv for mode; fills c (fields, by, reason). */
static int validate(write_ctx *c, const srv_admin_kv *kv, size_t nkv)
{
    const srv_md_kind *k = c->k;
    const char *given[PROTO_OP_MAX_FIELDS] = {0};
    int rc;

    c->by = NULL;
    c->reason = NULL;
    c->n = 0;
    for (size_t i = 0; i < nkv; i++) {
        const char *fl = kv[i].flag, *v = kv[i].value ? kv[i].value : "";
        if (!srv_admin_flag_ok(k, c->mode, fl))
            return bad(c->out, RND_EFIELD, "unknown flag --%s for %s %s", fl,
                       k->noun,
                       c->mode == SRV_ADMIN_ADD   ? "add"
                       : c->mode == SRV_ADMIN_SET ? "set"
                                                  : "retire");
        if (strcmp(fl, "by") == 0 ||
            (c->mode == SRV_ADMIN_RETIRE && strcmp(fl, "reason") == 0)) {
            const char **dst = fl[0] == 'b' ? &c->by : &c->reason;
            if (*dst)
                return bad(c->out, RND_EFIELD, "--%s given twice", fl);
            if (*v == '\0' || strlen(v) > PROTO_FIELD_STR_MAX)
                return bad(c->out, RND_EFIELD, "--%s must be 1..%d bytes", fl,
                           PROTO_FIELD_STR_MAX);
            *dst = v;
            continue;
        }
        size_t idx = 0;
        for (const srv_md_field *sp = k->fields; sp->flag; sp++, idx++) {
            if (strcmp(sp->flag, fl) != 0)
                continue;
            if (given[idx])
                return bad(c->out, RND_EFIELD, "--%s given twice", fl);
            given[idx] = v;
        }
    }
    if (c->has_target) {
        for (const srv_md_field *sp = k->fields; sp->flag; sp++)
            if (sp->key && given[sp - k->fields])
                return bad(c->out, RND_EFIELD,
                           "give the entry's id or --%s, not both", sp->flag);
    }
    size_t idx = 0;
    for (const srv_md_field *sp = k->fields; sp->flag; sp++, idx++) {
        const char *v = given[idx];
        if (v == NULL && c->mode == SRV_ADMIN_ADD && sp->dflt)
            v = sp->dflt;
        /* A weekly, monthly or quarterly route needs no interval. */
        if (v == NULL && sp->required && !strcmp(sp->name, "interval_min")) {
            size_t ri = 0;
            for (const srv_md_field *q = k->fields; q->flag; q++, ri++)
                if (!strcmp(q->name, "recurrence") && given[ri] &&
                    strcmp(given[ri], "daily") != 0)
                    goto next_field;
        }
        if (v == NULL) {
            if (c->mode == SRV_ADMIN_ADD && sp->required)
                return bad(c->out, RND_EFIELD, "--%s %s is required", sp->flag,
                           sp->meta);
            continue;
        }
        if ((rc = convert(c, sp, v)) != 0)
            return rc;
    next_field:;
    }
    if (c->has_target == 0 && (rc = make_key(c)) != 0)
        return rc;
    /* Rules across fields. */
    const proto_field *iv = given_field(c, "interval_min");
    const proto_field *win = given_field(c, "window_min");
    if (iv && win && win->i > iv->i)
        return bad(c->out, RND_EFIELD,
                   "--window-min %lld is longer than --interval-min %lld",
                   (long long)win->i, (long long)iv->i);
    if (c->mode == SRV_ADMIN_SET) {
        int any = 0;
        for (uint32_t i = 0; i < c->n; i++)
            any |= !c->spec[i]->key;
        if (!any)
            return bad(c->out, RND_EFIELD,
                       "%s set: nothing to change: give at least one field "
                       "(see 'roundsd %s set --help')",
                       k->noun, k->noun);
    }
    return 0;
}

/* ---- the write ---------------------------------------------------------- */

static int add_op_field(proto_op *op, const proto_field *f)
{
    switch (f->type) {
    case PROTO_STR:
        return proto_op_add_str(op, f->name, f->str, f->str_len);
    case PROTO_INT:
        return proto_op_add_int(op, f->name, f->i);
    case PROTO_BOOL:
        return proto_op_add_bool(op, f->name, (int)f->i);
    default:
        return proto_op_add_nil(op, f->name);
    }
}

/* Fields derived from a given one, on any write that gives it. */
static int derived_fields(write_ctx *c, proto_op *op)
{
    if (given_field(c, "checkpoints"))
        return proto_op_add_int(op, "checkpoint_count", c->list_count);
    return 0;
}

/* The fields of a create (or of the add that revives a retired entry):
 * every given field, and what is derived from them. */
static int full_fields(write_ctx *c, proto_op *op)
{
    int rc = 0;
    for (uint32_t i = 0; i < c->n && rc == 0; i++)
        rc = add_op_field(op, &c->f[i]);
    if (rc == 0)
        rc = derived_fields(c, op);
    if (rc)
        return rc;
    switch (c->k->kind) {
    case PROTO_KIND_SITE:
        rc = proto_op_add_str(op, "site", c->site, strlen(c->site));
        break;
    case PROTO_KIND_UNIT:
        if (given_field(c, "building") == NULL) {
            const char *dash = strchr(c->out->key, '-');
            if (dash && dash != c->out->key) {
                snprintf(c->building, sizeof c->building, "%.*s",
                         (int)(dash - c->out->key), c->out->key);
                rc = proto_op_add_str(op, "building", c->building,
                                      strlen(c->building));
            }
        }
        break;
    case PROTO_KIND_BLACKLIST: {
        const char *type = given_field(c, "plate") ? "plate" : "person";
        rc = proto_op_add_str(op, "type", type, strlen(type));
        break;
    }
    case PROTO_KIND_ROSTER:
        rc = proto_op_add_str(op, "roster", c->out->key, strlen(c->out->key));
        break;
    default:
        break;
    }
    return rc;
}

/* The value of a route field after this write: given, else stored (st,
 * a set's current state), else NULL. */
static const proto_field *route_value(const write_ctx *c, const fold_state *st,
                                      const char *name)
{
    const proto_field *f = given_field(c, name);
    if (f == NULL && st)
        f = fold_state_field(st, name);
    return f;
}

/* A route's schedule rules across its fields, on the values it will have
 * (a set gives some, the rest are stored): active hours come in pairs;
 * offsets and tolerances have one item per checkpoint; a daily route's
 * offsets fall within its round. */
static int route_rules(write_ctx *c, const fold_state *st)
{
    const proto_field *from = route_value(c, st, "active_from");
    const proto_field *to = route_value(c, st, "active_to");
    if (!!from != !!to)
        return bad(c->out, RND_EFIELD, "--%s is required with --%s",
                   from ? "active-to" : "active-from",
                   from ? "active-from" : "active-to");
    uint32_t ntags = 0;
    const proto_field *cps = route_value(c, st, "checkpoints");
    if (cps && cps->type == PROTO_STR && cps->str_len > 0) {
        ntags = 1;
        for (uint32_t i = 0; i < cps->str_len; i++)
            ntags += cps->str[i] == ',';
    }
    const proto_field *iv = route_value(c, st, "interval_min");
    const proto_field *rec = route_value(c, st, "recurrence");
    int daily = rec == NULL || rec->type != PROTO_STR ||
                (rec->str_len == 5 && memcmp(rec->str, "daily", 5) == 0);
    if (daily && (iv == NULL || iv->type != PROTO_INT))
        return bad(c->out, RND_EFIELD,
                   "--interval-min MIN is required by a daily route");
    static const char *const lists[2][2] = {{"offsets", "offsets"},
                                            {"tolerances", "tolerances"}};
    for (int l = 0; l < 2; l++) {
        const proto_field *f = route_value(c, st, lists[l][0]);
        int64_t v[LIST_MAX];
        uint32_t n = 0;
        if (f == NULL || f->type != PROTO_STR)
            continue;
        if (rpt_minutes_parse(f->str, f->str_len, 131040, v, LIST_MAX, &n))
            return bad(c->out, RND_EFIELD, "--%s: the stored list is unusable",
                       lists[l][1]);
        if (n != ntags)
            return bad(c->out, RND_EFIELD,
                       "--%s: %u value%s for %u checkpoint%s (one per "
                       "checkpoint, in walking order)%s",
                       lists[l][1], n, n == 1 ? "" : "s", ntags,
                       ntags == 1 ? "" : "s",
                       given_field(c, lists[l][0])
                           ? ""
                           : ": give it again with the new --checkpoints");
        for (uint32_t i = 0; l == 0 && daily && iv && i < n; i++)
            if (v[i] >= iv->i)
                return bad(c->out, RND_EFIELD,
                           "--offsets: %lld (checkpoint %u) is not within "
                           "the %lld-minute round",
                           (long long)v[i], i + 1, (long long)iv->i);
    }
    return 0;
}

static int write_fn(store_txn *t, void *arg)
{
    static _Thread_local proto_op op;
    static _Thread_local fold_state st;
    write_ctx *c = arg;
    srv_admin_out *o = c->out;
    const uint8_t *state;
    size_t len, slen;
    int kind, rc, exists = 0, active = 0;
    /* A site moving to another node takes no office write either: the
     * copy taken after its mark would not hold it (site_move.h). */
    int where;
    if ((rc = srv_site_where(t, &where)) != 0)
        return rc;
    if (where != SRV_SITE_HERE)
        return RND_EMOVED;

    o->revived = 0;
    rc = store_entity_get(t, o->id, &kind, &state, &len);
    if (rc == 0) {
        if (kind != c->k->kind)
            return bad(o, RND_ENOTFOUND, "%s is a %s, not a %s", o->key,
                       proto_kind_name(kind), c->k->noun);
        if ((rc = fold_state_parse(state, len, &st)) != 0)
            return bad(o, rc, "cannot read the %s: %s", c->k->noun,
                       rnd_strerror(rc));
        exists = 1;
        active = strcmp(st.status, "active") == 0;
        if (st.nevents > 0) {
            /* The key as first written, for messages and set by id. */
            srv_md_state_key(&st, o->key, sizeof o->key);
        }
        if ((rc = fold_seen_encode(&st, c->seen, sizeof c->seen, &slen)))
            return bad(o, rc, "too many writers on the %s", c->k->noun);
    } else if (rc != RND_ENOTFOUND) {
        return rc;
    }

    if (c->k->kind == PROTO_KIND_ROUTE && c->mode != SRV_ADMIN_RETIRE &&
        (rc = route_rules(c, exists && c->mode == SRV_ADMIN_SET ? &st : NULL)))
        return rc;
    proto_op_init(&op);
    op.kind = c->k->kind;
    memcpy(op.entity, o->id, PROTO_ENTITY_LEN);
    const char *by = c->by ? c->by : "office";
    switch (c->mode) {
    case SRV_ADMIN_ADD:
        if (exists && active)
            return bad(o, RND_EEXIST,
                       "%s %s already exists (change it with 'roundsd %s "
                       "set')",
                       c->k->noun, o->key, c->k->noun);
        op.action = exists ? PROTO_ACTION_SET : PROTO_ACTION_CREATE;
        o->revived = exists;
        rc = full_fields(c, &op);
        if (rc == 0)
            rc =
                proto_op_add_str(&op, exists ? "set_by" : "by", by, strlen(by));
        break;
    case SRV_ADMIN_SET:
        if (!exists)
            return bad(o, RND_ENOTFOUND,
                       "no %s %s (add it with 'roundsd %s add')", c->k->noun,
                       o->key, c->k->noun);
        o->revived = !active;
        op.action = PROTO_ACTION_SET;
        rc = 0;
        for (uint32_t i = 0; i < c->n && rc == 0; i++)
            if (!c->spec[i]->key)
                rc = add_op_field(&op, &c->f[i]);
        if (rc == 0)
            rc = derived_fields(c, &op);
        if (rc == 0)
            rc = proto_op_add_str(&op, "set_by", by, strlen(by));
        break;
    default:
        if (!exists)
            return bad(o, RND_ENOTFOUND, "no %s %s", c->k->noun, o->key);
        if (!active)
            return bad(o, RND_ETRANSITION, "%s %s is already retired",
                       c->k->noun, o->key);
        op.action = PROTO_ACTION_RETIRE;
        rc = proto_op_add_str(&op, "retire_by", by, strlen(by));
        if (rc == 0 && c->reason)
            rc = proto_op_add_str(&op, "retire_reason", c->reason,
                                  strlen(c->reason));
        break;
    }
    if (rc == 0 && exists)
        rc = proto_op_add_str(&op, FOLD_SEEN_FIELD, c->seen, strlen(c->seen));
    if (rc)
        return bad(o, rc, "cannot build the op: %s", rnd_strerror(rc));
    o->action = op.action;
    return store_append_local(t, &op, c->now, NULL);
}

int srv_admin_write(store *st, const char *site, const srv_md_kind *k, int mode,
                    const char *target, const srv_admin_kv *kv, size_t n,
                    int64_t now_ms, srv_admin_out *out)
{
    static _Thread_local write_ctx c;
    int rc;

    memset(out, 0, sizeof *out);
    memset(&c, 0, sizeof c);
    c.k = k;
    c.site = site;
    c.mode = mode;
    c.now = now_ms;
    c.out = out;
    if (mode != SRV_ADMIN_ADD && mode != SRV_ADMIN_SET &&
        mode != SRV_ADMIN_RETIRE)
        return bad(out, RND_EINVAL, "unknown admin mode %d", mode);
    if (target) {
        if (mode == SRV_ADMIN_ADD)
            return bad(out, RND_EFIELD, "add takes flags, not an id ('%s')",
                       target);
        if (proto_entity_parse(target, out->id) != 0)
            return bad(out, RND_EFIELD, "'%s' is not a 32-hex id", target);
        c.has_target = 1;
        snprintf(out->key, sizeof out->key, "%s", target);
    }
    if ((rc = validate(&c, kv, n)) != 0)
        return rc;
    if (!target)
        srv_md_entity_id(k->kind, site, out->key, strlen(out->key), out->id);
    rc = store_write(st, write_fn, &c);
    if (rc && out->msg[0] == '\0')
        bad(out, rc, "%s: %s", rnd_strerror(rc), store_last_raw_text(st));
    return rc;
}

/* ---- resolve ------------------------------------------------------------ */

typedef struct resolve_ctx {
    const uint8_t *id;
    const char *field, *value, *reason, *by;
    int64_t now;
    srv_admin_out *out;
    char seen[FOLD_SEEN_MAX];
} resolve_ctx;

static int resolve_fn(store_txn *t, void *arg)
{
    static _Thread_local proto_op op;
    static _Thread_local fold_state st;
    resolve_ctx *c = arg;
    srv_admin_out *o = c->out;
    const uint8_t *state;
    size_t len, flen = strlen(c->field);
    int kind, rc;
    /* A site moving to another node takes no office write either: the
     * copy taken after its mark would not hold it (site_move.h). */
    int where;
    if ((rc = srv_site_where(t, &where)) != 0)
        return rc;
    if (where != SRV_SITE_HERE)
        return RND_EMOVED;

    rc = store_entity_get(t, c->id, &kind, &state, &len);
    if (rc == RND_ENOTFOUND)
        return bad(o, rc, "no record with id %s", o->key);
    if (rc)
        return rc;
    if ((rc = fold_state_parse(state, len, &st)) != 0)
        return bad(o, rc, "cannot read %s: %s", o->key, rnd_strerror(rc));
    const fold_conflict *cf = NULL;
    for (uint32_t i = 0; i < st.nconflicts; i++)
        if (st.conflicts[i].field_len == flen &&
            memcmp(st.conflicts[i].field, c->field, flen) == 0)
            cf = &st.conflicts[i];
    if (cf == NULL || cf->ncand == 0)
        return bad(o, RND_ENOTFOUND, "%s %s has no conflict on field '%s'",
                   proto_kind_name(kind), o->key, c->field);
    if ((rc = fold_seen_encode(&st, c->seen, sizeof c->seen, &len)) != 0)
        return bad(o, rc, "too many writers on %s", o->key);

    proto_op_init(&op);
    op.kind = (uint8_t)kind;
    op.action = PROTO_ACTION_SET;
    memcpy(op.entity, c->id, PROTO_ENTITY_LEN);
    int64_t iv;
    switch (cf->cand[0].value.type) {
    case PROTO_INT:
        if (parse_int(c->value, &iv))
            return bad(o, RND_EFIELD,
                       "--value %s: field '%s' holds whole numbers", c->value,
                       c->field);
        rc = proto_op_add_int(&op, c->field, iv);
        break;
    case PROTO_BOOL:
        if (parse_bool(c->value, &iv))
            return bad(o, RND_EFIELD, "--value %s: field '%s' is true or false",
                       c->value, c->field);
        rc = proto_op_add_bool(&op, c->field, (int)iv);
        break;
    default:
        rc = proto_op_add_str(&op, c->field, c->value, strlen(c->value));
        break;
    }
    if (rc == 0)
        rc = proto_op_add_str(&op, FOLD_SEEN_FIELD, c->seen, strlen(c->seen));
    if (rc == 0 && c->reason)
        rc = proto_op_add_str(&op, "resolve_reason", c->reason,
                              strlen(c->reason));
    if (rc == 0 && c->by)
        rc = proto_op_add_str(&op, "resolve_by", c->by, strlen(c->by));
    if (rc)
        return bad(o, rc == RND_EINVAL ? RND_EFIELD : rc,
                   "cannot build the op: %s", rnd_strerror(rc));
    o->action = PROTO_ACTION_SET;
    return store_append_local(t, &op, c->now, NULL);
}

int srv_admin_resolve(store *st, const char *id_hex, const char *field,
                      const char *value, const char *reason, const char *by,
                      int64_t now_ms, srv_admin_out *out)
{
    resolve_ctx c = {out->id, field, value, reason, by, now_ms, out, {0}};
    memset(out, 0, sizeof *out);
    if (id_hex == NULL || proto_entity_parse(id_hex, out->id) != 0)
        return bad(out, RND_EFIELD, "'%s' is not a 32-hex record id",
                   id_hex ? id_hex : "");
    snprintf(out->key, sizeof out->key, "%s", id_hex);
    if (field == NULL || *field == '\0' ||
        strlen(field) > PROTO_FIELD_NAME_MAX || field[0] == '_')
        return bad(out, RND_EFIELD, "--field: give the field in conflict");
    if (value == NULL || strlen(value) > PROTO_FIELD_STR_MAX)
        return bad(out, RND_EFIELD,
                   "--value: give the value to keep (at "
                   "most %d bytes)",
                   PROTO_FIELD_STR_MAX);
    if ((reason && strlen(reason) > PROTO_FIELD_STR_MAX) ||
        (by && strlen(by) > PROTO_FIELD_STR_MAX))
        return bad(out, RND_EFIELD, "--reason or --by is too long");
    int rc = store_write(st, resolve_fn, &c);
    if (rc && out->msg[0] == '\0')
        bad(out, rc, "%s: %s", rnd_strerror(rc), store_last_raw_text(st));
    return rc;
}
