/* records.c: recording: hh_record and hh_record_many. Parses and
 * validates a verb's fields against the verb table (verbs.c), resolves the
 * target and checks its current status, runs the gate checks and seals
 * personal data (gate.c), then appends the op(s) in one durable write
 * transaction. See handheld.h for the contract.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../proto/pii.h"
#include "../proto/utf8.h"
#include "../report/report.h"
#include "../storage/store.h"
#include "handheld.h"
#include "hh_internal.h"
#include "hh_onstore.h"

#define fail hh__fail
#define store_fail hh__store_fail

/* Is status one of the '|'-separated names in list? */
static int status_in(const char *status, const char *list)
{
    size_t n = strlen(status);
    const char *p = list;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && memcmp(p, status, n) == 0)
            return 1;
        if (!bar)
            break;
        p = bar + 1;
    }
    return 0;
}

int hh__verb_allows(const hh_verb_spec *v, const char *status)
{
    return v->from == NULL || status_in(status, v->from);
}

/* ---- parsing field values ----------------------------------------------- */

static int parse_i64(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* Digits (ms since the epoch) or YYYY-MM-DD[THH:MM[:SS]] with an optional
 * Z or +HH:MM / -HH:MM; without a zone, local time ($TZ: the CLI's --tz).
 * report/time.c's parser, the one both command lines use. */
static int parse_time(const char *s, int64_t *out)
{
    return rpt_time_parse(s, RPT_TZ_LOCAL, out);
}

static void choices_text(const char *const *c, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (; *c && n + 1 < cap; c++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? "|" : "", *c);
}

/* Validated input of one hh_record call. */
typedef struct record_in {
    const hh_verb_spec *verb;
    proto_field f[PROTO_OP_MAX_FIELDS];
    uint32_t n;
    const char *by;
    const char *wo_category; /* scan.record: open a work order */
    int force;               /* scan.record: record an unknown tag */
} record_in;

static const hh_field_spec *spec_find(const hh_verb_spec *v, const char *name)
{
    for (const hh_field_spec *s = v->fields; s->name; s++)
        if (strcmp(s->name, name) == 0)
            return s;
    return NULL;
}

static int convert(hh *h, const hh_verb_spec *v, const hh_field_spec *sp,
                   const char *val, proto_field *f)
{
    char buf[256];
    memset(f, 0, sizeof *f);
    f->name = sp->op_name ? sp->op_name : sp->name;
    f->name_len = (uint32_t)strlen(f->name);
    switch (sp->type) {
    case HH_STR:
    case HH_TEXT: {
        size_t at;
        const char *why;
        if (proto_utf8_check(val, strlen(val),
                             sp->type == HH_TEXT ? PROTO_TEXT_MULTILINE
                                                 : PROTO_TEXT_LINE,
                             &at, &why) != 0)
            return fail(h, RND_EFIELD, "%s: field '%s': %s at byte %zu",
                        v->verb, sp->name, why, at);
        if (*val == '\0' && sp->required)
            return fail(h, RND_EFIELD, "%s: field '%s' is empty", v->verb,
                        sp->name);
        if (strlen(val) > PROTO_FIELD_STR_MAX)
            return fail(h, RND_EFIELD, "%s: field '%s' is longer than %d bytes",
                        v->verb, sp->name, PROTO_FIELD_STR_MAX);
        f->type = PROTO_STR;
        f->str = val;
        f->str_len = (uint32_t)strlen(val);
        return 0;
    }
    case HH_INT:
        if (parse_i64(val, &f->i) || f->i < 0 || f->i > 1000000)
            return fail(h, RND_EFIELD,
                        "%s: field '%s' must be a whole number 0..1000000, "
                        "got '%s'",
                        v->verb, sp->name, val);
        f->type = PROTO_INT;
        return 0;
    case HH_TIME:
        if (parse_time(val, &f->i))
            return fail(h, RND_EFIELD,
                        "%s: field '%s' must be a time "
                        "(YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM] or ms), got '%s'",
                        v->verb, sp->name, val);
        f->type = PROTO_INT;
        return 0;
    case HH_BOOL:
    case HH_SWITCH:
        /* A switch given bare on the command line is "". */
        if (strcmp(val, "true") == 0 || strcmp(val, "1") == 0 ||
            strcmp(val, "yes") == 0 || (*val == '\0' && sp->type == HH_SWITCH))
            f->i = 1;
        else if (strcmp(val, "false") == 0 || strcmp(val, "0") == 0 ||
                 strcmp(val, "no") == 0)
            f->i = 0;
        else
            return fail(h, RND_EFIELD,
                        "%s: field '%s' must be true or false, got '%s'",
                        v->verb, sp->name, val);
        f->type = PROTO_BOOL;
        return 0;
    case HH_ENUM:
        for (const char *const *c = sp->choices; *c; c++) {
            if (strcmp(*c, val) == 0) {
                f->type = PROTO_STR;
                f->str = *c; /* static: outlives the op */
                f->str_len = (uint32_t)strlen(*c);
                return 0;
            }
        }
        choices_text(sp->choices, buf, sizeof buf);
        return fail(h, RND_EFIELD, "%s: field '%s' must be one of %s, got '%s'",
                    v->verb, sp->name, buf, val);
    }
    return RND_EINVAL;
}

static const proto_field *in_field(const record_in *in, const char *name)
{
    return proto_fields_find(in->f, in->n, name);
}

static int validate(hh *h, const hh_verb_spec *v, const hh_kv *kv, size_t nkv,
                    const char *user, record_in *in)
{
    const char *given[PROTO_OP_MAX_FIELDS] = {0};
    int rc;

    in->verb = v;
    in->n = 0;
    in->by = NULL;
    in->wo_category = NULL;
    in->force = 0;
    for (size_t i = 0; i < nkv; i++) {
        const hh_field_spec *sp = spec_find(v, kv[i].name);
        if (sp == NULL)
            return fail(h, RND_EFIELD, "%s: unknown field '%s'", v->verb,
                        kv[i].name);
        if (kv[i].value == NULL)
            return fail(h, RND_EFIELD, "%s: field '%s' needs a value", v->verb,
                        kv[i].name);
        size_t idx = (size_t)(sp - v->fields);
        if (given[idx])
            return fail(h, RND_EFIELD, "%s: field '%s' given twice", v->verb,
                        kv[i].name);
        given[idx] = kv[i].value;
    }
    for (const hh_field_spec *sp = v->fields; sp->name; sp++) {
        const char *val = given[sp - v->fields];
        if (strcmp(sp->name, "by") == 0) {
            in->by = val ? val : user;
            if (in->by == NULL || *in->by == '\0')
                return fail(h, RND_EFIELD,
                            "%s: field 'by' is required: give --by NAME or "
                            "set the device user with 'rounds user NAME'",
                            v->verb);
            val = in->by;
        }
        if (val == NULL)
            val = sp->dflt;
        if (val == NULL) {
            if (sp->required)
                return fail(h, RND_EFIELD, "%s: field '%s' is required",
                            v->verb, sp->name);
            continue;
        }
        if (v->kind == PROTO_KIND_SCAN && strcmp(sp->name, "workorder") == 0) {
            proto_field tmp;
            rc = convert(h, v, sp, val, &tmp);
            if (rc)
                return rc;
            in->wo_category = tmp.str; /* not stored on the scan itself */
            continue;
        }
        if (v->kind == PROTO_KIND_SCAN && strcmp(sp->name, "force") == 0) {
            proto_field tmp;
            rc = convert(h, v, sp, val, &tmp);
            if (rc)
                return rc;
            in->force = (int)tmp.i; /* shows as unknown_tag when used */
            continue;
        }
        rc = convert(h, v, sp, val, &in->f[in->n]);
        if (rc)
            return rc;
        in->n++;
    }
    /* Rules across fields. */
    if (v->kind == PROTO_KIND_SCAN) {
        rc = hh__scan_fields(h, v->verb, in->f, &in->n, PROTO_OP_MAX_FIELDS);
        if (rc)
            return rc;
    }
    if (v->kind == PROTO_KIND_WORKORDER && v->action == PROTO_ACTION_CREATE) {
        const proto_field *pr = in_field(in, "priority");
        const proto_field *ur = in_field(in, "urgent_reason");
        int given_priority = given[spec_find(v, "priority") - v->fields] != 0;
        if (ur && proto_field_is(pr, "normal")) {
            if (given_priority)
                return fail(h, RND_EFIELD,
                            "%s: field 'priority' is normal but "
                            "'urgent_reason' is given",
                            v->verb);
            /* An urgent category makes the order urgent. */
            for (uint32_t i = 0; i < in->n; i++)
                if (&in->f[i] == pr) {
                    in->f[i].str = "urgent";
                    in->f[i].str_len = 6;
                }
        } else if (!ur && proto_field_is(pr, "urgent")) {
            return fail(h, RND_EFIELD,
                        "%s: field 'urgent_reason' is required when "
                        "priority is urgent",
                        v->verb);
        }
    }
    /* Complaints and callbacks (DOMAIN.md): an anonymous complaint has no
     * contact; a door-to-door callback carries the resident's
     * signature. */
    if (v->kind == PROTO_KIND_WORKORDER && v->action == PROTO_ACTION_CREATE) {
        const proto_field *an = in_field(in, "anonymous");
        if (an && an->i && in_field(in, "contact"))
            return fail(h, RND_EFIELD,
                        "%s: field 'contact' cannot go with 'anonymous' "
                        "true (an anonymous complaint has no contact)",
                        v->verb);
    }
    if (v->kind == PROTO_KIND_WORKORDER && v->action == PROTO_ACTION_CALLBACK &&
        proto_field_is(in_field(in, "callback_method"), "door") &&
        in_field(in, "callback_signature") == NULL)
        return fail(h, RND_EFIELD,
                    "%s: field 'signature' is required for a door-to-door "
                    "callback (method door): the resident signs it",
                    v->verb);
    if (v->kind == PROTO_KIND_VISIT && v->action == PROTO_ACTION_CREATE) {
        const proto_field *p = in_field(in, "party");
        if (p && p->i < 1)
            return fail(h, RND_EFIELD, "%s: field 'party' must be at least 1",
                        v->verb);
    }
    if (v->kind == PROTO_KIND_EXITSLIP) {
        /* Stopped says why; moving out passes only on the office's
         * release (DOMAIN.md, "Other registers"). */
        const proto_field *mo = in_field(in, "moving_out");
        if (proto_field_is(in_field(in, "result"), "stopped") &&
            in_field(in, "reason") == NULL)
            return fail(h, RND_EFIELD,
                        "%s: field 'reason' is required when the result "
                        "is stopped",
                        v->verb);
        if (proto_field_is(in_field(in, "result"), "passed") && mo && mo->i &&
            in_field(in, "release") == NULL)
            return fail(h, RND_EFIELD,
                        "%s: field 'release' is required to pass a moving "
                        "out (the office's release); else --result stopped",
                        v->verb);
    }
    if ((rc = hh__sig_validate(h, v, in->f, in->n)) != 0)
        return rc;
    if ((rc = hh__strokes_fields(h, v, in->f, &in->n)) != 0)
        return rc;
    if (in->wo_category) {
        const proto_field *an = in_field(in, "anomaly");
        if (an == NULL || an->i == 0)
            return fail(h, RND_EFIELD,
                        "%s: field 'workorder' needs --anomaly true", v->verb);
    }
    return 0;
}

/* A call cannot come from the future: a called_at later than the record's
 * own wall clock plus PROTO_CALLED_AT_AHEAD_MS (proto.h) is a typing or
 * clock error, refused here and flagged by the workorders report. */
static int check_called_at(hh *h, const record_in *in, int64_t now)
{
    /* The same for when an incident happened or an item was found. */
    static const char *const names[] = {"called_at", "occurred_at", "found_at"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const proto_field *ca = in_field(in, names[i]);
        if (ca == NULL || ca->i <= now + PROTO_CALLED_AT_AHEAD_MS)
            continue;
        return fail(h, RND_EFIELD,
                    "%s: field '%s' is %lld min after this device's "
                    "clock (at most %lld min ahead is taken)",
                    in->verb->verb, names[i],
                    (long long)((ca->i - now + 59999) / 60000),
                    (long long)(PROTO_CALLED_AT_AHEAD_MS / 60000));
    }
    return 0;
}

/* ---- the write transaction --------------------------------------------- */

#define SNAP_MAX 1024

typedef struct record_ctx {
    hh *h;
    const record_in *in;
    const char *target;
    int64_t now;
    uint8_t id[PROTO_ENTITY_LEN];    /* the entity written */
    uint8_t extra[PROTO_ENTITY_LEN]; /* second entity (work order), or 0 */
    int has_extra;
    char extra_hex[33];
    char seen[FOLD_SEEN_MAX]; /* _seen of the target, for non-create verbs */
    char snap[4][SNAP_MAX];   /* handover lists */
    int64_t snap_n[4];
    char bl_reason[PROTO_FIELD_STR_MAX + 1]; /* blacklist hit */
    char bl_id[33];
} record_ctx;

typedef struct find_ctx {
    const char *field;
    const char *value;
    uint8_t id[PROTO_ENTITY_LEN];
    int found;
} find_ctx;

static int find_open_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                        const uint8_t *state, size_t len, void *arg)
{
    static _Thread_local fold_state st;
    find_ctx *c = arg;
    if (fold_state_parse(state, len, &st) != 0)
        return 0;
    if (proto_field_is(fold_state_field(&st, c->field), c->value)) {
        memcpy(c->id, id, PROTO_ENTITY_LEN);
        c->found++;
        return 1;
    }
    return 0;
}

static int count_open_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                         const uint8_t *state, size_t len, void *arg)
{
    find_open_cb(id, kind, state, len, arg);
    return 0; /* counts every match */
}

/* Resolves target (hex id, or pass/plate of one still inside) to an id and
 * checks the entity's status against the verb's "from" list. */
static int resolve_target(record_ctx *c, store_txn *t)
{
    static _Thread_local fold_state st;
    const hh_verb_spec *v = c->in->verb;
    const uint8_t *state;
    size_t len;
    int kind, rc;

    if (c->target == NULL || *c->target == '\0')
        return fail(c->h, RND_EFIELD, "%s: needs the id of the %s", v->verb,
                    proto_kind_name(v->kind));
    if (proto_entity_parse(c->target, c->id) != 0) {
        find_ctx f = {NULL, c->target, {0}, 0};
        if (v->kind == PROTO_KIND_VISIT)
            f.field = "pass";
        else if (v->kind == PROTO_KIND_VEHICLE)
            f.field = "plate";
        else if (v->kind == PROTO_KIND_OWNERKEY)
            f.field = "unit"; /* the key of that unit still out */
        if (f.field == NULL)
            return fail(c->h, RND_EFIELD, "%s: '%s' is not a 32-hex id",
                        v->verb, c->target);
        rc = store_entities_each(t, v->kind, 1, find_open_cb, &f);
        if (rc)
            return store_fail(c->h, rc);
        if (!f.found)
            return fail(c->h, RND_ENOTFOUND, "%s: no %s %s with %s '%s'",
                        v->verb, proto_kind_name(v->kind),
                        v->kind == PROTO_KIND_OWNERKEY ? "out" : "inside",
                        f.field, c->target);
        if (v->kind == PROTO_KIND_OWNERKEY) {
            /* Several keys of one unit out: the unit does not say which. */
            find_ctx all = {"unit", c->target, {0}, 0};
            rc = store_entities_each(t, v->kind, 1, count_open_cb, &all);
            if (rc)
                return store_fail(c->h, rc);
            if (all.found > 1)
                return fail(c->h, RND_EFIELD,
                            "%s: %d keys of unit '%s' are out: give the "
                            "key's id ('rounds list keys')",
                            v->verb, all.found, c->target);
        }
        memcpy(c->id, f.id, PROTO_ENTITY_LEN);
    }
    rc = store_entity_get(t, c->id, &kind, &state, &len);
    if (rc == RND_ENOTFOUND || (rc == 0 && kind != v->kind))
        return fail(c->h, RND_ENOTFOUND, "%s: no %s with id %s", v->verb,
                    proto_kind_name(v->kind), c->target);
    if (rc)
        return store_fail(c->h, rc);
    rc = fold_state_parse(state, len, &st);
    if (rc)
        return fail(c->h, rc, "%s: cannot read %s: %s", v->verb, c->target,
                    rnd_strerror(rc));
    {
        size_t n;
        /* What this writer has seen of the entity: how the fold tells a
         * later write from a concurrent one (fold.h, FOLD_SEEN_FIELD). */
        rc = fold_seen_encode(&st, c->seen, sizeof c->seen, &n);
        if (rc)
            return fail(c->h, rc, "%s: too many writers on %s", v->verb,
                        c->target);
    }
    if (!hh__verb_allows(v, st.status))
        return fail(c->h, RND_ETRANSITION,
                    "%s: the %s is %s; %s needs it to be %s", v->verb,
                    proto_kind_name(v->kind), st.status[0] ? st.status : "-",
                    v->verb, v->from);
    return 0;
}

/* Handover: appends "a, b, c" style entries to a bounded list. */
typedef struct snap_ctx {
    char *buf;
    int64_t *count;
    uint64_t since_hlc; /* anomalies: only those recorded after this */
    uint64_t device_id; /* handovers: the last one by this device */
} snap_ctx;

static void snap_add(snap_ctx *c, const char *text, size_t len)
{
    size_t used = strlen(c->buf);
    (*c->count)++;
    if (used + len + 3 >= SNAP_MAX) {
        if (used + 5 < SNAP_MAX && strstr(c->buf, "...") == NULL)
            strcat(c->buf, ", ...");
        return;
    }
    if (used)
        strcat(c->buf, ", ");
    strncat(c->buf, text, len);
}

static int snap_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                   const uint8_t *state, size_t len, void *arg)
{
    static _Thread_local fold_state st;
    snap_ctx *c = arg;
    char line[256], hex[33];
    const proto_field *a, *b;

    if (fold_state_parse(state, len, &st) != 0)
        return 0;
    proto_entity_hex(id, hex);
    switch (kind) {
    case PROTO_KIND_VISIT:
        a = fold_state_field(&st, "name");
        b = fold_state_field(&st, "unit");
        snprintf(line, sizeof line, "%.*s@%.*s", a ? (int)a->str_len : 0,
                 a ? a->str : "", b ? (int)b->str_len : 0, b ? b->str : "");
        break;
    case PROTO_KIND_VEHICLE:
        a = fold_state_field(&st, "plate");
        snprintf(line, sizeof line, "%.*s", a ? (int)a->str_len : 0,
                 a ? a->str : "");
        break;
    case PROTO_KIND_WORKORDER:
        a = fold_state_field(&st, "place");
        snprintf(line, sizeof line, "%s %.*s %s", hex, a ? (int)a->str_len : 0,
                 a ? a->str : "", st.status);
        break;
    case PROTO_KIND_SCAN:
        a = fold_state_field(&st, "anomaly");
        if (a == NULL || !a->i || st.created_hlc <= c->since_hlc)
            return 0;
        b = fold_state_field(&st, "tag");
        a = fold_state_field(&st, "note");
        snprintf(line, sizeof line, "%.*s: %.*s", b ? (int)b->str_len : 0,
                 b ? b->str : "", a ? (int)a->str_len : 0, a ? a->str : "");
        break;
    default:
        return 0;
    }
    snap_add(c, line, strlen(line));
    return 0;
}

static int last_handover_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                            const uint8_t *state, size_t len, void *arg)
{
    static _Thread_local fold_state st;
    snap_ctx *c = arg;
    if (fold_state_parse(state, len, &st) == 0 && st.creator == c->device_id &&
        st.created_hlc > c->since_hlc)
        c->since_hlc = st.created_hlc;
    return 0;
}

/* Lists what is still open at handover time: visitors and vehicles inside,
 * open work orders, and anomalies observed since this device's previous
 * handover. */
static int handover_snapshot(record_ctx *c, store_txn *t, proto_op *op)
{
    static const int kinds[4] = {PROTO_KIND_VISIT, PROTO_KIND_VEHICLE,
                                 PROTO_KIND_WORKORDER, PROTO_KIND_SCAN};
    static const char *const names[4][2] = {
        {"visits_inside", "visits_list"},
        {"vehicles_inside", "vehicles_list"},
        {"workorders_open", "workorders_list"},
        {"anomalies", "anomalies_list"}};
    store_identity me;
    snap_ctx last = {0};
    int rc;

    if ((rc = store_identity_get(t, &me)) != 0)
        return store_fail(c->h, rc);
    last.device_id = me.device_id;
    rc =
        store_entities_each(t, PROTO_KIND_HANDOVER, 0, last_handover_cb, &last);
    if (rc)
        return store_fail(c->h, rc);
    for (int i = 0; i < 4; i++) {
        snap_ctx s = {c->snap[i], &c->snap_n[i], last.since_hlc, 0};
        c->snap[i][0] = '\0';
        c->snap_n[i] = 0;
        rc = store_entities_each(t, kinds[i], i < 3, snap_cb, &s);
        if (rc)
            return store_fail(c->h, rc);
        if ((rc = proto_op_add_int(op, names[i][0], c->snap_n[i])) ||
            (rc = proto_op_add_str(op, names[i][1], c->snap[i],
                                   strlen(c->snap[i]))))
            return fail(c->h, rc, "handover: %s", rnd_strerror(rc));
    }
    return 0;
}

static const char *inspection_category(const char *item)
{
    if (strcmp(item, "doors_windows") == 0)
        return "door_window";
    if (strcmp(item, "water") == 0 || strcmp(item, "leaks") == 0)
        return "plumbing";
    if (strcmp(item, "power") == 0)
        return "electrical";
    if (strcmp(item, "cracks") == 0)
        return "structure";
    return "other";
}

int hh__add_clk(store_txn *t, proto_op *op)
{
    int64_t off = 0;
    int rc = hh__clock_offset(t, &off);
    if (rc == 0 && (off >= HH_CLK_MIN_MS || off <= -HH_CLK_MIN_MS))
        rc = proto_op_add_int(op, FOLD_CLK_FIELD, off);
    return rc;
}

/* The work order a failed inspection item or an anomaly scan opens. */
static int append_followup_wo(record_ctx *c, store_txn *t, const char *place,
                              size_t place_len, const char *category,
                              const char *desc)
{
    static _Thread_local proto_op op;
    int rc;

    proto_op_init(&op);
    op.kind = PROTO_KIND_WORKORDER;
    op.action = PROTO_ACTION_CREATE;
    memcpy(op.entity, c->extra, PROTO_ENTITY_LEN);
    if ((rc = proto_op_add_str(&op, "place", place, place_len)) ||
        (rc = proto_op_add_str(&op, "category", category, strlen(category))) ||
        (rc = proto_op_add_str(&op, "description", desc, strlen(desc))) ||
        (rc = proto_op_add_str(&op, "priority", "normal", 6)) ||
        (rc = proto_op_add_str(&op, "severity", "general", 7)) ||
        (rc = proto_op_add_str(&op, "by", c->in->by, strlen(c->in->by))) ||
        (rc = hh__add_clk(t, &op)))
        return fail(c->h, rc, "work order: %s", rnd_strerror(rc));
    rc = store_append_local(t, &op, c->now, NULL);
    return rc ? store_fail(c->h, rc) : 0;
}

static int record_fn(store_txn *t, void *arg)
{
    static _Thread_local proto_op op;
    record_ctx *c = arg;
    const record_in *in = c->in;
    const hh_verb_spec *v = in->verb;
    char desc[512];
    int rc;

    c->has_extra = 0;
    if (!v->creates) {
        rc = resolve_target(c, t);
        if (rc)
            return rc;
    }
    rc = hh__by_check(c->h, v->verb, in->by, t);
    if (rc == 0)
        rc = hh__sig_checks(c->h, v, in->f, in->n, in->by, t, c->id);
    if (rc)
        return rc;
    proto_op_init(&op);
    op.kind = v->kind;
    op.action = v->action;
    memcpy(op.entity, c->id, PROTO_ENTITY_LEN);
    for (uint32_t i = 0; i < in->n; i++) {
        if (op.nfields == PROTO_OP_MAX_FIELDS)
            return fail(c->h, RND_ETOOBIG, "%s: too many fields", v->verb);
        op.fields[op.nfields++] = in->f[i];
    }

    if (!v->creates) {
        rc = proto_op_add_str(&op, FOLD_SEEN_FIELD, c->seen, strlen(c->seen));
        if (rc)
            return fail(c->h, rc, "%s: %s", v->verb, rnd_strerror(rc));
    }
    if (v->kind == PROTO_KIND_VISIT && v->action == PROTO_ACTION_CREATE) {
        const proto_field *pass = in_field(in, "pass");
        if (pass) {
            char val[PROTO_FIELD_STR_MAX + 1];
            memcpy(val, pass->str, pass->str_len);
            val[pass->str_len] = '\0';
            find_ctx f = {"pass", val, {0}, 0};
            rc = store_entities_each(t, PROTO_KIND_VISIT, 1, find_open_cb, &f);
            if (rc)
                return store_fail(c->h, rc);
            if (f.found) {
                char hex[33];
                proto_entity_hex(f.id, hex);
                return fail(c->h, RND_EEXIST,
                            "%s: pass '%s' is already out with visit %s",
                            v->verb, val, hex);
            }
        }
    }
    if ((v->kind == PROTO_KIND_VISIT || v->kind == PROTO_KIND_VEHICLE) &&
        v->action == PROTO_ACTION_CREATE) {
        rc = hh__gate_checks(c->h, c->in->verb, in_field(c->in, "plate"),
                             in_field(c->in, "name"), in_field(c->in, "id_no"),
                             t, &op, c->bl_id, c->bl_reason,
                             sizeof c->bl_reason);
        if (rc)
            return rc;
    }
    /* After the gate checks, which compare the ID number as typed. */
    if (((v->kind == PROTO_KIND_VISIT || v->kind == PROTO_KIND_VEHICLE) &&
         v->creates) ||
        (v->kind >= PROTO_KIND_INCIDENT && v->kind <= PROTO_KIND_TASK)) {
        rc = hh__pii_seal(c->h, c->in->verb->verb, t, &op);
        if (rc)
            return rc;
    }
    if (v->kind == PROTO_KIND_SCAN) {
        rc = hh__scan_checks(c->h, v->verb, t, &op, in->force);
        if (rc)
            return rc;
    }
    if (v->kind == PROTO_KIND_HANDOVER && v->action == PROTO_ACTION_CREATE) {
        rc = handover_snapshot(c, t, &op);
        if (rc)
            return rc;
    }
    if (v->kind == PROTO_KIND_INSPECTION) {
        static const char *const items[] = {"doors_windows", "water", "power",
                                            "gas",           "leaks", "cracks"};
        const char *first = NULL;
        size_t n = (size_t)snprintf(desc, sizeof desc,
                                    "vacant unit inspection failed:");
        for (size_t i = 0; i < sizeof items / sizeof *items; i++) {
            if (proto_field_is(in_field(in, items[i]), "fail")) {
                if (!first)
                    first = items[i];
                n += (size_t)snprintf(desc + n, sizeof desc - n, " %s",
                                      items[i]);
            }
        }
        if (first) {
            const proto_field *unit = in_field(in, "unit");
            const proto_field *note = in_field(in, "note");
            if (note && n < sizeof desc)
                snprintf(desc + n, sizeof desc - n, " (%.*s)",
                         (int)note->str_len, note->str);
            c->has_extra = 1;
            rc = append_followup_wo(c, t, unit->str, unit->str_len,
                                    inspection_category(first), desc);
            if (rc)
                return rc;
        }
    }
    if (in->wo_category) {
        const proto_field *tag = in_field(in, "tag");
        const proto_field *note = in_field(in, "note");
        char place[128];
        snprintf(place, sizeof place, "checkpoint %.*s",
                 (int)(tag->str_len > 100 ? 100 : tag->str_len), tag->str);
        snprintf(desc, sizeof desc, "patrol observation: %.*s",
                 note ? (int)note->str_len : 7, note ? note->str : "anomaly");
        c->has_extra = 1;
        rc = append_followup_wo(c, t, place, strlen(place), in->wo_category,
                                desc);
        if (rc)
            return rc;
    }
    if (c->has_extra) {
        proto_entity_hex(c->extra, c->extra_hex);
        if ((rc = proto_op_add_str(&op, "workorder", c->extra_hex, 32)))
            return fail(c->h, rc, "%s: %s", v->verb, rnd_strerror(rc));
    }
    if ((rc = hh__add_clk(t, &op)) != 0)
        return fail(c->h, rc, "%s: %s", v->verb, rnd_strerror(rc));
    rc = store_append_local(t, &op, c->now, NULL);
    return rc ? store_fail(c->h, rc) : 0;
}

typedef struct batch_ctx {
    hh *h;
    hh_batch_item *items;
    size_t n;
    size_t at; /* item being written, for the caller's error report */
    const char *user;
    int64_t now;
} batch_ctx;

static int batch_fn(store_txn *t, void *arg)
{
    static _Thread_local record_in in;
    static _Thread_local record_ctx c;
    batch_ctx *b = arg;
    int rc;

    /* A replay after a map resize starts over: so do the warnings. */
    b->h->bl_hits = 0;
    b->h->warn[0] = '\0';
    for (b->at = 0; b->at < b->n; b->at++) {
        hh_batch_item *it = &b->items[b->at];
        const hh_verb_spec *v = hh_verb_find(it->verb ? it->verb : "");
        if (v == NULL)
            return fail(b->h, RND_EFIELD, "unknown verb '%s'",
                        it->verb ? it->verb : "");
        rc = validate(b->h, v, it->kv, it->nkv, b->user, &in);
        if (rc == 0)
            rc = check_called_at(b->h, &in, b->now);
        if (rc)
            return rc;
        /* Field by field: the handover lists make the context 4 KB, and
         * only a handover uses them (it clears them itself). */
        c.has_extra = 0;
        memset(c.id, 0, sizeof c.id);
        memset(c.extra, 0, sizeof c.extra);
        c.h = b->h;
        c.in = &in;
        c.target = it->target;
        c.now = b->now;
        /* Fresh ids on a replay are harmless: nothing of the aborted try
         * was committed or reported. */
        /* A second id only for the verbs that may open a work order. */
        int may_extra =
            in.wo_category != NULL || v->kind == PROTO_KIND_INSPECTION;
        if ((v->creates && (rc = proto_entity_new(c.id, c.now)) != 0) ||
            (may_extra && (rc = proto_entity_new(c.extra, c.now)) != 0))
            return fail(b->h, rc, "%s", rnd_strerror(rc));
        rc = record_fn(t, &c);
        if (rc)
            return rc;
        memcpy(it->id, c.id, PROTO_ENTITY_LEN);
        if (c.has_extra)
            memcpy(it->extra, c.extra, PROTO_ENTITY_LEN);
        else
            memset(it->extra, 0, PROTO_ENTITY_LEN);
    }
    return 0;
}

int hh_record_many(hh *h, hh_batch_item *items, size_t n, size_t *failed)
{
    char user[STORE_NAME_MAX];
    batch_ctx b = {h, items, n, 0, user, hh__now_ms(h)};
    store_txn *t;
    int rc;

    h->err[0] = '\0';
    h->warn[0] = '\0';
    h->bl_hits = 0;
    rc = store_read_begin(h->s, &t);
    if (rc)
        return store_fail(h, rc);
    hh__meta_str(t, "user", user, sizeof user);
    store_read_end(t);
    rc = store_write(h->s, batch_fn, &b);
    if (rc) {
        h->warn[0] = '\0';
        h->bl_hits = 0;
        if (failed)
            *failed = b.at;
        if (h->err[0] == '\0')
            store_fail(h, rc);
    }
    return rc;
}

int hh_record(hh *h, const char *verb, const char *target, const hh_kv *kv,
              size_t nkv, uint8_t id_out[PROTO_ENTITY_LEN],
              uint8_t id_extra[PROTO_ENTITY_LEN])
{
    hh_batch_item it = {verb, target, kv, nkv, {0}, {0}};
    int rc = hh_record_many(h, &it, 1, NULL);
    if (rc)
        return rc;
    if (id_out)
        memcpy(id_out, it.id, PROTO_ENTITY_LEN);
    if (id_extra)
        memcpy(id_extra, it.extra, PROTO_ENTITY_LEN);
    return 0;
}

/* ---- on a store that is not a handheld's (hh_onstore.h) ----------------- */

static int64_t fixed_now(void *ctx)
{
    return *(const int64_t *)ctx;
}

int hh__record_on_store(store *st, const char *verb, const char *target,
                        const hh_kv *kv, size_t nkv, int64_t now_ms,
                        uint8_t id_out[PROTO_ENTITY_LEN], char *err, size_t cap)
{
    static _Thread_local hh h;
    memset(&h, 0, sizeof h);
    h.s = st;
    h.now_ms = fixed_now;
    h.now_ctx = &now_ms;
    int rc = hh_record(&h, verb, target, kv, nkv, id_out, NULL);
    if (rc && cap)
        snprintf(err, cap, "%s", h.err[0] ? h.err : rnd_strerror(rc));
    h.s = NULL;
    return rc;
}
