/* handheld.c: the handheld library: validates a verb's fields against the
 * verb table, checks the entity's current status, and appends the op(s) in
 * one durable write transaction. See handheld.h for the contract.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../proto/clock.h"
#include "../proto/pii.h"
#include "../storage/store.h"
#include "handheld.h"
#include "hh_internal.h"

/* ---- small helpers shared with sync.c (hh_internal.h) ------------------- */

int hh__fail(hh *h, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->err, sizeof h->err, fmt, ap);
    va_end(ap);
    return rc;
}

int hh__store_fail(hh *h, int rc)
{
    if (rc == RND_ESTORE || rc == RND_EIO)
        return hh__fail(h, rc, "%s: %s", rnd_strerror(rc),
                        store_last_raw_text(h->s));
    if (rc == RND_EDISKFULL)
        return hh__fail(h, rc,
                        "disk full: the store in %s cannot grow; nothing of "
                        "this record was written (free space, then retry)",
                        h->dir[0] ? h->dir : "?");
    return hh__fail(h, rc, "%s", rnd_strerror(rc));
}

int64_t hh__now_ms(hh *h)
{
    return h->now_ms ? h->now_ms(h->now_ctx)
                     : rnd_clock_now_ms(RND_CLOCK_ENV_HANDHELD);
}

int64_t hh_now_ms(hh *h)
{
    return hh__now_ms(h);
}

#define fail hh__fail
#define store_fail hh__store_fail

static int field_eq(const proto_field *f, const char *s)
{
    size_t n = strlen(s);
    return f && f->type == PROTO_STR && f->str_len == n &&
           memcmp(f->str, s, n) == 0;
}

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

/* ---- the clock offset --------------------------------------------------- */

int hh__clock_offset(store_txn *t, int64_t *out)
{
    uint64_t v;
    int rc = store_meta_get_u64(t, HH_META_CLOCK_OFFSET, &v);
    *out = rc == 0 ? (int64_t)v : 0;
    return rc == RND_ENOTFOUND ? 0 : rc;
}

static int offset_put_fn(store_txn *t, void *arg)
{
    return store_meta_put_u64(t, HH_META_CLOCK_OFFSET, *(uint64_t *)arg);
}

int hh__clock_offset_note(hh *h, int64_t server_ms)
{
    if (server_ms <= 0)
        return 0; /* a server that sent no time */
    int64_t now = hh__now_ms(h);
    int64_t off = server_ms - now, old = 0;
    store_txn *t;
    int rc = store_read_begin(h->s, &t);
    if (rc)
        return rc;
    uint64_t v;
    int have = store_meta_get_u64(t, HH_META_CLOCK_OFFSET, &v);
    store_read_end(t);
    if (have != 0 && have != RND_ENOTFOUND)
        return have;
    old = have == 0 ? (int64_t)v : 0;
    /* A durable write only when the offset moved by a second or more:
     * the round trip makes smaller changes noise. */
    int64_t d = off - old;
    if (have != 0 || d >= HH_CLK_MIN_MS || d <= -HH_CLK_MIN_MS) {
        v = (uint64_t)off;
        rc = store_write(h->s, offset_put_fn, &v);
        if (rc)
            return rc;
    } else {
        off = old;
    }
    store_set_clock_bound(h->s, STORE_MAX_OFFSET_DEFAULT_MS, off);
    return 0;
}

/* ---- open / init / close ------------------------------------------------ */

int hh_open(const char *dir, hh **out)
{
    hh *h = calloc(1, sizeof *h);
    store_txn *t;
    store_identity id;
    int rc;

    *out = NULL;
    if (h == NULL)
        return RND_ENOMEM;
    snprintf(h->dir, sizeof h->dir, "%s", dir);
    rc = store_open(dir, 0, &h->s);
    if (rc == 0)
        rc = store_read_begin(h->s, &t);
    if (rc == 0) {
        int64_t off = 0;
        rc = store_identity_get(t, &id);
        if (rc == 0)
            rc = hh__clock_offset(t, &off);
        store_read_end(t);
        /* Pulled stamps are bounded by the corrected clock. */
        store_set_clock_bound(h->s, STORE_MAX_OFFSET_DEFAULT_MS, off);
    }
    if (rc) {
        hh_close(h);
        return rc;
    }
    *out = h;
    return 0;
}

typedef struct init_ctx {
    uint64_t device_id;
    const char *site, *name;
} init_ctx;

static int init_fn(store_txn *t, void *arg)
{
    init_ctx *c = arg;
    return store_identity_init(t, c->device_id, c->site, c->name);
}

int hh_init(const char *dir, const char *site, const char *name, hh **out)
{
    init_ctx c = {0, site, name};
    hh *h;
    int rc;

    *out = NULL;
    if (site == NULL || *site == '\0' || strlen(site) >= STORE_NAME_MAX ||
        name == NULL || *name == '\0' || strlen(name) >= STORE_NAME_MAX)
        return RND_EFIELD;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return RND_EIO;
    h = calloc(1, sizeof *h);
    if (h == NULL)
        return RND_ENOMEM;
    snprintf(h->dir, sizeof h->dir, "%s", dir);
    rc = store_open(dir, STORE_CREATE, &h->s);
    if (rc == 0)
        rc = proto_random(&c.device_id, sizeof c.device_id);
    if (rc == 0)
        rc = store_write(h->s, init_fn, &c);
    if (rc) {
        hh_close(h);
        return rc;
    }
    *out = h;
    return 0;
}

void hh_close(hh *h)
{
    if (h == NULL)
        return;
    store_close(h->s);
    free(h);
}

const char *hh_last_error(const hh *h)
{
    return h && h->err[0] ? h->err : "no error";
}

int hh_blacklist_hits(const hh *h)
{
    return h ? h->bl_hits : 0;
}

const char *hh_last_warning(const hh *h)
{
    return h ? h->warn : "";
}

void hh_set_clock(hh *h, int64_t (*fn)(void *ctx), void *ctx)
{
    h->now_ms = fn;
    h->now_ctx = ctx;
}

struct store *hh_store(hh *h)
{
    return h->s;
}

typedef struct meta_ctx {
    const char *key;
    const char *val;
} meta_ctx;

static int meta_fn(store_txn *t, void *arg)
{
    meta_ctx *c = arg;
    return store_meta_put(t, c->key, c->val, strlen(c->val));
}

int hh_set_user(hh *h, const char *user)
{
    meta_ctx c = {"user", user ? user : ""};
    if (strlen(c.val) >= STORE_NAME_MAX)
        return fail(h, RND_EFIELD, "user: at most %d bytes",
                    STORE_NAME_MAX - 1);
    int rc = store_write(h->s, meta_fn, &c);
    return rc ? store_fail(h, rc) : 0;
}

/* Copies meta key into out as a NUL-terminated string ("" when absent). */
static void meta_str(store_txn *t, const char *key, char *out, size_t cap)
{
    const void *v;
    size_t len;
    out[0] = '\0';
    if (store_meta_get(t, key, &v, &len) == 0) {
        if (len >= cap)
            len = cap - 1;
        memcpy(out, v, len);
        out[len] = '\0';
    }
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

/* Digits (ms since the epoch) or ISO 8601 YYYY-MM-DDTHH:MM[:SS] with an
 * optional Z or +HH:MM / -HH:MM; without a zone, local time. */
static int parse_time(const char *s, int64_t *out)
{
    struct tm tm;
    int y, mo, d, hh_, mi, sec = 0, n = 0, zh, zm;
    char sign;

    if (parse_i64(s, out) == 0)
        return 0;
    memset(&tm, 0, sizeof tm);
    if (sscanf(s, "%4d-%2d-%2d%*1[T ]%2d:%2d%n", &y, &mo, &d, &hh_, &mi, &n) !=
        5)
        return -1;
    s += n;
    if (*s == ':') {
        if (sscanf(s, ":%2d%n", &sec, &n) != 1)
            return -1;
        s += n;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh_ > 23 || mi > 59 || sec > 60)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = hh_;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    if (*s == '\0') {
        tm.tm_isdst = -1;
        time_t t = mktime(&tm);
        if (t == (time_t)-1)
            return -1;
        *out = (int64_t)t * 1000;
        return 0;
    }
    time_t t = timegm(&tm);
    if (strcmp(s, "Z") == 0) {
        *out = (int64_t)t * 1000;
        return 0;
    }
    if (sscanf(s, "%c%2d:%2d%n", &sign, &zh, &zm, &n) == 3 && s[n] == '\0' &&
        (sign == '+' || sign == '-') && zh < 24 && zm < 60) {
        int64_t off = (int64_t)(zh * 60 + zm) * 60;
        *out = ((int64_t)t - (sign == '+' ? off : -off)) * 1000;
        return 0;
    }
    return -1;
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
        if (strcmp(val, "true") == 0 || strcmp(val, "1") == 0 ||
            strcmp(val, "yes") == 0)
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
    for (uint32_t i = 0; i < in->n; i++)
        if (in->f[i].name_len == strlen(name) &&
            memcmp(in->f[i].name, name, in->f[i].name_len) == 0)
            return &in->f[i];
    return NULL;
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
        rc = convert(h, v, sp, val, &in->f[in->n]);
        if (rc)
            return rc;
        in->n++;
    }
    /* Rules across fields. */
    if (v->kind == PROTO_KIND_WORKORDER && v->action == PROTO_ACTION_CREATE) {
        const proto_field *pr = in_field(in, "priority");
        const proto_field *ur = in_field(in, "urgent_reason");
        int given_priority = given[spec_find(v, "priority") - v->fields] != 0;
        if (ur && field_eq(pr, "normal")) {
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
        } else if (!ur && field_eq(pr, "urgent")) {
            return fail(h, RND_EFIELD,
                        "%s: field 'urgent_reason' is required when "
                        "priority is urgent",
                        v->verb);
        }
    }
    if (v->kind == PROTO_KIND_VISIT && v->action == PROTO_ACTION_CREATE) {
        const proto_field *p = in_field(in, "party");
        if (p && p->i < 1)
            return fail(h, RND_EFIELD, "%s: field 'party' must be at least 1",
                        v->verb);
    }
    if (in->wo_category) {
        const proto_field *an = in_field(in, "anomaly");
        if (an == NULL || an->i == 0)
            return fail(h, RND_EFIELD,
                        "%s: field 'workorder' needs --anomaly true", v->verb);
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
    if (field_eq(fold_state_field(&st, c->field), c->value)) {
        memcpy(c->id, id, PROTO_ENTITY_LEN);
        c->found++;
        return 1;
    }
    return 0;
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
        if (f.field == NULL)
            return fail(c->h, RND_EFIELD, "%s: '%s' is not a 32-hex id",
                        v->verb, c->target);
        rc = store_entities_each(t, v->kind, 1, find_open_cb, &f);
        if (rc)
            return store_fail(c->h, rc);
        if (!f.found)
            return fail(c->h, RND_ENOTFOUND, "%s: no %s inside with %s '%s'",
                        v->verb, proto_kind_name(v->kind), f.field, c->target);
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
    if (v->from && !status_in(st.status, v->from))
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

/* Adds FOLD_CLK_FIELD to op: the device's last measured clock offset
 * (meta "clock_offset", hh__clock_offset_note), when it is 1 s or more. */
static int add_clk(store_txn *t, proto_op *op)
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
        (rc = add_clk(t, &op)))
        return fail(c->h, rc, "work order: %s", rnd_strerror(rc));
    rc = store_append_local(t, &op, c->now, NULL);
    return rc ? store_fail(c->h, rc) : 0;
}

/* ---- gate checks: blacklist and resident plates ------------------------ */

/* Plates, names and ID numbers are compared in the canonical forms the
 * office stores keys in (proto_norm_*). */
#define NORM_MAX 256

/* What is looked for, in canonical form ("" = not given). */
typedef struct gate_ctx {
    char name[NORM_MAX], id_no[NORM_MAX], plate[NORM_MAX];
    int found;
    uint8_t id[PROTO_ENTITY_LEN];
    char what[NORM_MAX + 32];           /* "person 'X' (ID number)" */
    char text[PROTO_FIELD_STR_MAX + 1]; /* reason, or the resident's unit */
} gate_ctx;

static int field_norm(const fold_state *st, const char *name,
                      void (*norm)(const char *, size_t, char *, size_t),
                      char *out)
{
    const proto_field *f = fold_state_field(st, name);
    out[0] = '\0';
    if (f == NULL || f->type != PROTO_STR || f->str_len == 0)
        return 0;
    norm(f->str, f->str_len, out, NORM_MAX);
    return out[0] != '\0';
}

/* One active blacklist entry: a plate entry matches the plate; a person
 * entry matches the ID number when it has one, else the name. */
static int blacklist_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                        const uint8_t *state, size_t len, void *arg)
{
    static _Thread_local fold_state st;
    gate_ctx *c = arg;
    char v[NORM_MAX];
    if (fold_state_parse(state, len, &st) != 0)
        return 0;
    if (field_norm(&st, "plate", proto_norm_plate, v)) {
        if (c->plate[0] && strcmp(v, c->plate) == 0)
            snprintf(c->what, sizeof c->what, "plate %s", v);
        else
            return 0;
    } else if (field_norm(&st, "id_no", proto_norm_id_no, v)) {
        if (c->id_no[0] && strcmp(v, c->id_no) == 0)
            snprintf(c->what, sizeof c->what, "person '%s' (ID number)",
                     c->name);
        else
            return 0;
    } else if (field_norm(&st, "name", proto_norm_name, v)) {
        if (c->name[0] && strcmp(v, c->name) == 0)
            snprintf(c->what, sizeof c->what, "person '%s' (name)", c->name);
        else
            return 0;
    } else {
        return 0;
    }
    memcpy(c->id, id, PROTO_ENTITY_LEN);
    fold_state_text(&st, "reason", c->text, sizeof c->text);
    c->found = 1;
    return 1;
}

static int resident_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                       const uint8_t *state, size_t len, void *arg)
{
    static _Thread_local fold_state st;
    gate_ctx *c = arg;
    char v[NORM_MAX];
    if (fold_state_parse(state, len, &st) != 0)
        return 0;
    if (!field_norm(&st, "plate", proto_norm_plate, v) ||
        strcmp(v, c->plate) != 0)
        return 0;
    memcpy(c->id, id, PROTO_ENTITY_LEN);
    fold_state_text(&st, "unit", c->text, sizeof c->text);
    c->found = 1;
    return 1;
}

/* Visitor and vehicle entry: a resident plate needs no registration; a
 * blacklist match is recorded and reported. Both scan the open index of
 * their kind (active entries only) without a dedicated index: an entry
 * costs one state parse, fine for the thousands an estate has. */
static int gate_checks(record_ctx *c, store_txn *t, proto_op *op)
{
    static _Thread_local gate_ctx g;
    const hh_verb_spec *v = c->in->verb;
    const proto_field *f;
    int rc;

    memset(&g, 0, sizeof g);
    if ((f = in_field(c->in, "plate")) != NULL)
        proto_norm_plate(f->str, f->str_len, g.plate, sizeof g.plate);
    if (v->kind == PROTO_KIND_VEHICLE && g.plate[0]) {
        rc = store_entities_each(t, PROTO_KIND_PLATE, 1, resident_cb, &g);
        if (rc)
            return store_fail(c->h, rc);
        if (g.found)
            return fail(c->h, RND_EEXIST,
                        "%s: plate %.*s is a resident vehicle of unit %s: no "
                        "registration needed",
                        v->verb, (int)f->str_len, f->str,
                        g.text[0] ? g.text : "?");
    }
    if ((f = in_field(c->in, "name")) != NULL)
        proto_norm_name(f->str, f->str_len, g.name, sizeof g.name);
    if ((f = in_field(c->in, "id_no")) != NULL)
        proto_norm_id_no(f->str, f->str_len, g.id_no, sizeof g.id_no);
    rc = store_entities_each(t, PROTO_KIND_BLACKLIST, 1, blacklist_cb, &g);
    if (rc)
        return store_fail(c->h, rc);
    if (!g.found)
        return 0;
    proto_entity_hex(g.id, c->bl_id);
    snprintf(c->bl_reason, sizeof c->bl_reason, "%s",
             g.text[0] ? g.text : "blacklisted");
    if ((rc = proto_op_add_bool(op, "blacklist_hit", 1)) ||
        (rc = proto_op_add_str(op, "blacklist_reason", c->bl_reason,
                               strlen(c->bl_reason))) ||
        (rc = proto_op_add_str(op, "blacklist_id", c->bl_id, 32)))
        return fail(c->h, rc, "%s: %s", v->verb, rnd_strerror(rc));
    hh *h = c->h;
    size_t used = strlen(h->warn);
    snprintf(h->warn + used, sizeof h->warn - used,
             "%sblacklist hit: %s: %s (recorded with blacklist_hit; the "
             "guard decides)",
             used ? "; " : "", g.what, c->bl_reason);
    h->bl_hits++;
    return 0;
}

/* ---- personal data: sealed to the office, masked here ----------------- */

typedef struct pii_key_ctx {
    int found;
    int64_t created;
    uint8_t pub[PROTO_PII_PUB_LEN];
} pii_key_ctx;

/* The newest active PII key the office published (proto/pii.h). */
static int pii_key_cb(const fold_state *st, void *arg)
{
    pii_key_ctx *k = arg;
    const proto_field *pub = fold_state_field(st, "pub");
    const proto_field *created = fold_state_field(st, "created");
    uint8_t p[PROTO_PII_PUB_LEN];
    if (pub == NULL || pub->type != PROTO_STR ||
        proto_pii_pub_parse(pub->str, pub->str_len, p) != 0)
        return 0; /* not usable: ignore rather than fail a gate entry */
    int64_t when = created && created->type == PROTO_INT ? created->i : 0;
    if (!k->found || when > k->created ||
        (when == k->created && memcmp(p, k->pub, sizeof p) > 0)) {
        k->found = 1;
        k->created = when;
        memcpy(k->pub, p, sizeof p);
    }
    return 0;
}

/* Replaces the personal fields of op (a visitor's ID number and phone, a
 * driver's phone) by their masked forms and seals the originals into the
 * "_pii" field for the office, so that this store never holds them
 * readable. A handheld that has not synced yet has no office key: it
 * keeps the masked forms only, and says so. */
static int pii_seal(record_ctx *c, store_txn *t, proto_op *op)
{
    static _Thread_local char masked[PROTO_PII_MAX_FIELDS]
                                    [PROTO_PII_VALUE_MAX + 1];
    static _Thread_local char env[PROTO_PII_ENVELOPE_MAX];
    proto_pii_item items[PROTO_PII_MAX_FIELDS];
    proto_field *personal[PROTO_PII_MAX_FIELDS];
    size_t n = 0, len;
    int rc;

    for (uint32_t i = 0; i < op->nfields; i++) {
        proto_field *f = &op->fields[i];
        if (f->type != PROTO_STR || f->str_len == 0 ||
            !proto_pii_is_personal(op->kind, f->name, f->name_len))
            continue;
        if (n == PROTO_PII_MAX_FIELDS || f->str_len > PROTO_PII_VALUE_MAX)
            return fail(c->h, RND_EFIELD,
                        "%s: '%.*s' is longer than %d characters",
                        c->in->verb->verb, (int)f->name_len, f->name,
                        PROTO_PII_VALUE_MAX);
        items[n] = (proto_pii_item){f->name, f->name_len, f->str, f->str_len};
        personal[n++] = f;
    }
    if (n == 0)
        return 0;
    pii_key_ctx k;
    memset(&k, 0, sizeof k);
    rc = store_states_each(t, PROTO_KIND_PII_KEY, 1, 0, pii_key_cb, &k);
    if (rc)
        return store_fail(c->h, rc);
    if (k.found) {
        rc = proto_pii_seal(k.pub, op->entity, items, n, env, sizeof env, &len);
        if (rc)
            return fail(c->h, rc, "%s: cannot seal personal data: %s",
                        c->in->verb->verb, rnd_strerror(rc));
        if ((rc = proto_op_add_str(op, PROTO_PII_FIELD, env, len)) != 0)
            return fail(c->h, rc, "%s: %s", c->in->verb->verb,
                        rnd_strerror(rc));
    } else {
        hh *h = c->h;
        size_t used = strlen(h->warn);
        snprintf(h->warn + used, sizeof h->warn - used,
                 "%sno office key for personal data yet (sync once after "
                 "enrollment): the ID number and phone are kept masked only",
                 used ? "; " : "");
    }
    for (size_t i = 0; i < n; i++) {
        proto_pii_mask(items[i].name, items[i].name_len, items[i].value,
                       items[i].value_len, masked[i], sizeof masked[i]);
        personal[i]->str = masked[i];
        personal[i]->str_len = (uint32_t)strlen(masked[i]);
    }
    return 0;
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
        rc = gate_checks(c, t, &op);
        if (rc)
            return rc;
    }
    /* After the gate checks, which compare the ID number as typed. */
    if ((v->kind == PROTO_KIND_VISIT || v->kind == PROTO_KIND_VEHICLE) &&
        v->creates) {
        rc = pii_seal(c, t, &op);
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
            if (field_eq(in_field(in, items[i]), "fail")) {
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
    if ((rc = add_clk(t, &op)) != 0)
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
    meta_str(t, "user", user, sizeof user);
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

/* ---- reading ------------------------------------------------------------ */

int hh_list(hh *h, int kind, int open_only, hh_entity_cb cb, void *ctx)
{
    store_txn *t;
    int rc = store_read_begin(h->s, &t);
    if (rc)
        return store_fail(h, rc);
    rc = store_states_each(t, kind, open_only, 0, cb, ctx);
    store_read_end(t);
    return rc;
}

int hh_conflicts(hh *h, hh_entity_cb cb, void *ctx)
{
    store_txn *t;
    int rc = store_read_begin(h->s, &t);
    if (rc)
        return store_fail(h, rc);
    rc = store_states_each(t, 0, 0, 1, cb, ctx);
    store_read_end(t);
    return rc == 1 ? 0 : rc;
}

int hh_get(hh *h, const char *id_hex, hh_entity_cb cb, void *ctx)
{
    uint8_t id[PROTO_ENTITY_LEN];
    const uint8_t *state;
    size_t len;
    store_txn *t;
    int kind, rc;

    if (proto_entity_parse(id_hex, id) != 0)
        return fail(h, RND_EINVAL, "'%s' is not a 32-hex id", id_hex);
    rc = store_read_begin(h->s, &t);
    if (rc)
        return store_fail(h, rc);
    rc = store_entity_get(t, id, &kind, &state, &len);
    if (rc == 0) {
        static _Thread_local fold_state st;
        rc = fold_state_parse(state, len, &st);
        if (rc == 0)
            rc = cb(&st, ctx);
    } else if (rc == RND_ENOTFOUND)
        fail(h, rc, "no record with id %s", id_hex);
    store_read_end(t);
    return rc;
}

static int count_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                    const uint8_t *state, size_t len, void *arg)
{
    (*(uint64_t *)arg)++;
    return 0;
}

int hh_status(hh *h, hh_status_info *out)
{
    store_identity id;
    store_txn *t;
    uint64_t v;
    int rc;

    memset(out, 0, sizeof *out);
    rc = store_read_begin(h->s, &t);
    if (rc)
        return store_fail(h, rc);
    rc = store_identity_get(t, &id);
    if (rc == 0)
        rc = store_op_count(t, &out->ops_total);
    if (rc == 0) {
        out->device_id = id.device_id;
        snprintf(out->site, sizeof out->site, "%s", id.site);
        snprintf(out->name, sizeof out->name, "%s", id.name);
        meta_str(t, "user", out->user, sizeof out->user);
        out->own_ops = id.next_seq - 1;
        if (store_meta_get_u64(t, "acked_seq", &v) == 0)
            out->acked_seq = v;
        if (store_meta_get_u64(t, "last_sync_ms", &v) == 0)
            out->last_sync_ms = (int64_t)v;
        out->unsynced = out->own_ops - out->acked_seq;
        rc = store_entities_each(t, PROTO_KIND_VISIT, 1, count_cb,
                                 &out->open_visits);
    }
    if (rc == 0)
        rc = store_entities_each(t, PROTO_KIND_VEHICLE, 1, count_cb,
                                 &out->open_vehicles);
    if (rc == 0)
        rc = store_entities_each(t, PROTO_KIND_WORKORDER, 1, count_cb,
                                 &out->open_workorders);
    store_read_end(t);
    return rc;
}

void hh_mask_id(const char *in, size_t len, char *out, size_t cap)
{
    proto_mask_id(in, len, out, cap);
}
