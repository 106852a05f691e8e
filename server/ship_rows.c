/* ship_rows.c: the shipper's rows in COPY text format and its ordered
 * list of migrations (ship_rows.h). */
#include "ship_rows.h"

#include "../proto/utf8.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void ship_buf_init(ship_buf *b, size_t max)
{
    b->p = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

void ship_buf_free(ship_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

int ship_buf_put(ship_buf *b, const void *s, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return RND_ENOSPACE;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        if (cap > b->max)
            cap = b->max;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            return RND_ENOMEM;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return 0;
}

static int puts_(ship_buf *b, const char *s)
{
    return ship_buf_put(b, s, strlen(s));
}

int ship_buf_put_esc(ship_buf *b, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *e = NULL;
        switch (s[i]) {
        case '\\':
            e = "\\\\";
            break;
        case '\t':
            e = "\\t";
            break;
        case '\n':
            e = "\\n";
            break;
        case '\r':
            e = "\\r";
            break;
        default:
            continue;
        }
        int rc = ship_buf_put(b, s + run, i - run);
        if (rc == 0)
            rc = puts_(b, e);
        if (rc)
            return rc;
        run = i + 1;
    }
    return ship_buf_put(b, s + run, n - run);
}

static int put_fmt(ship_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int put_fmt(ship_buf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return RND_EINVAL;
    return ship_buf_put(b, tmp, (size_t)n);
}

/* bytea in COPY text: "\\x" then hex (COPY turns "\\" into "\"). */
static int put_bytea(ship_buf *b, const uint8_t *p, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    int rc = puts_(b, "\\\\x");
    char chunk[256];
    size_t k = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        chunk[k++] = hx[p[i] >> 4];
        chunk[k++] = hx[p[i] & 15];
        if (k == sizeof chunk) {
            rc = ship_buf_put(b, chunk, k);
            k = 0;
        }
    }
    return rc ? rc : ship_buf_put(b, chunk, k);
}

static int put_hex(ship_buf *b, const uint8_t *p, size_t n)
{
    char hex[2 * 32 + 1];
    if (n > 32)
        return RND_EINVAL;
    proto_hex(p, n, hex);
    return ship_buf_put(b, hex, 2 * n);
}

/* A JSON string of s[0..n), COPY-escaped; ill-formed UTF-8 and U+0000
 * become U+FFFD. */
static int put_json_str(ship_buf *b, const char *s, size_t n)
{
    int rc = ship_buf_put(b, "\"", 1);
    size_t i = 0;
    while (i < n && rc == 0) {
        uint32_t cp;
        size_t l = proto_utf8_next(s + i, n - i, &cp);
        if (l == 0 || cp == 0) {
            rc = ship_buf_put(b, "\xef\xbf\xbd", 3);
            i += l ? l : 1;
            continue;
        }
        if (cp == '"')
            rc = puts_(b, "\\\\\"");
        else if (cp == '\\')
            rc = puts_(b, "\\\\\\\\");
        else if (cp < 0x20)
            rc = put_fmt(b, "\\\\u%04x", (unsigned)cp);
        else
            rc = ship_buf_put(b, s + i, l);
        i += l;
    }
    return rc ? rc : ship_buf_put(b, "\"", 1);
}

static int put_json_value(ship_buf *b, const proto_field *f)
{
    switch (f->type) {
    case PROTO_BOOL:
        return puts_(b, f->i ? "true" : "false");
    case PROTO_INT:
        return put_fmt(b, "%" PRId64, f->i);
    case PROTO_STR:
        return put_json_str(b, f->str, f->str_len);
    default:
        return puts_(b, "null");
    }
}

int ship_json_fields(ship_buf *b, const proto_field *f, uint32_t n)
{
    int rc = ship_buf_put(b, "{", 1);
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        if (i)
            rc = ship_buf_put(b, ",", 1);
        if (rc == 0)
            rc = put_json_str(b, f[i].name, f[i].name_len);
        if (rc == 0)
            rc = ship_buf_put(b, ":", 1);
        if (rc == 0)
            rc = put_json_value(b, &f[i]);
    }
    return rc ? rc : ship_buf_put(b, "}", 1);
}

/* u64 values go into bigint with their 64 bits (docs/POSTGRES.md). */
static int put_u64(ship_buf *b, uint64_t v)
{
    return put_fmt(b, "%" PRId64, (int64_t)v);
}

int ship_row_op(ship_buf *b, const char *site, const proto_op *op,
                const uint8_t *enc, size_t len, int64_t recv_ms)
{
    size_t mark = b->len;
    int rc = ship_buf_put_esc(b, site, strlen(site));
    if (rc == 0)
        rc = ship_buf_put(b, "\t", 1);
    if (rc == 0)
        rc = put_u64(b, op->device_id);
    if (rc == 0)
        rc = ship_buf_put(b, "\t", 1);
    if (rc == 0)
        rc = put_u64(b, op->seq);
    if (rc == 0)
        rc = ship_buf_put(b, "\t", 1);
    if (rc == 0)
        rc = put_u64(b, op->hlc);
    if (rc == 0)
        rc = put_fmt(b, "\t%" PRId64 "\t%" PRId64 "\t%u\t%u\t", op->wall_ms,
                     recv_ms, (unsigned)op->kind, (unsigned)op->action);
    if (rc == 0)
        rc = put_hex(b, op->entity, PROTO_ENTITY_LEN);
    if (rc == 0)
        rc = ship_buf_put(b, "\t", 1);
    if (rc == 0)
        rc = ship_json_fields(b, op->fields, op->nfields);
    if (rc == 0)
        rc = ship_buf_put(b, "\t", 1);
    if (rc == 0)
        rc = put_bytea(b, op->prev_hash, PROTO_HASH_LEN);
    if (rc == 0)
        rc = ship_buf_put(b, "\t", 1);
    if (rc == 0)
        rc = put_bytea(b, enc, len);
    if (rc == 0)
        rc = ship_buf_put(b, "\n", 1);
    if (rc)
        b->len = mark;
    return rc;
}

/* A timestamptz from ms since the epoch, UTC: "2026-12-03 23:35:28.123Z".
 */
static int put_time(ship_buf *b, int64_t ms)
{
    int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int frac = (int)(ms - s * 1000);
    time_t t = (time_t)s;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL)
        return RND_EINVAL;
    return put_fmt(b, "%04d-%02d-%02d %02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                   frac);
}

/* The fields in conflict: [{"field":F,"candidates":[{"hlc":H,
 * "device_id":"16 hex","seq":S,"value":V},...]},...], or \N. */
static int put_conflicts(ship_buf *b, const fold_state *st)
{
    if (st->nconflicts == 0)
        return puts_(b, "\\N");
    int rc = ship_buf_put(b, "[", 1);
    for (uint32_t i = 0; i < st->nconflicts && rc == 0; i++) {
        const fold_conflict *c = &st->conflicts[i];
        rc = puts_(b, i ? ",{\"field\":" : "{\"field\":");
        if (rc == 0)
            rc = put_json_str(b, c->field, c->field_len);
        if (rc == 0)
            rc = puts_(b, ",\"candidates\":[");
        for (uint32_t k = 0; k < c->ncand && rc == 0; k++) {
            const fold_candidate *cd = &c->cand[k];
            rc = put_fmt(b,
                         "%s{\"hlc\":%" PRIu64 ",\"device_id\":\"%016" PRIx64
                         "\",\"seq\":%" PRIu64 ",\"value\":",
                         k ? "," : "", cd->hlc, cd->device_id, cd->seq);
            if (rc == 0)
                rc = put_json_value(b, &cd->value);
            if (rc == 0)
                rc = ship_buf_put(b, "}", 1);
        }
        if (rc == 0)
            rc = puts_(b, "]}");
    }
    return rc ? rc : ship_buf_put(b, "]", 1);
}

int ship_row_record(ship_buf *b, const char *site, const fold_state *st,
                    const uint8_t *state, size_t len)
{
    size_t mark = b->len;
    int rc = ship_buf_put_esc(b, site, strlen(site));
    if (rc == 0)
        rc = put_fmt(b, "\t%u\t", (unsigned)st->kind);
    if (rc == 0)
        rc = put_hex(b, st->entity, PROTO_ENTITY_LEN);
    if (rc == 0)
        rc = ship_buf_put(b, "\t", 1);
    if (rc == 0)
        rc = st->status[0] ? ship_buf_put_esc(b, st->status, strlen(st->status))
                           : puts_(b, "\\N");
    if (rc == 0)
        rc = ship_buf_put(b, "\t", 1);
    if (rc == 0)
        rc = put_u64(b, st->created_hlc);
    if (rc == 0)
        rc = ship_buf_put(b, "\t", 1);
    if (rc == 0)
        rc = put_u64(b, st->updated_hlc);
    if (rc == 0)
        rc = ship_buf_put(b, "\t", 1);
    if (rc == 0)
        rc = put_time(b, PROTO_HLC_MS(st->created_hlc));
    if (rc == 0)
        rc = ship_buf_put(b, "\t", 1);
    if (rc == 0)
        rc = put_time(b, PROTO_HLC_MS(st->updated_hlc));
    if (rc == 0)
        rc = ship_buf_put(b, "\t", 1);
    if (rc == 0)
        rc = put_u64(b, st->creator);
    if (rc == 0)
        rc = put_fmt(b, "\t%" PRIu32 "\t%" PRIu32 "\t", st->reopen_count,
                     st->nevents);
    if (rc == 0)
        rc = ship_json_fields(b, st->fields, st->nfields);
    if (rc == 0)
        rc = ship_buf_put(b, "\t", 1);
    if (rc == 0)
        rc = put_conflicts(b, st);
    if (rc == 0)
        rc = ship_buf_put(b, "\t", 1);
    if (rc == 0)
        rc = put_bytea(b, state, len);
    if (rc == 0)
        rc = ship_buf_put(b, "\n", 1);
    if (rc)
        b->len = mark;
    return rc;
}

/* ---- the dsn in logs ---------------------------------------------------- */

/* A password's bytes in a dsn: [start, start + len). */
typedef struct span {
    const char *start;
    size_t len;
} span;
#define SPANS_MAX 8

/* Where dsn holds passwords: a URI's user:PASSWORD@ and its
 * ?password=... parameters; a key=value string's password=value (quoted
 * or not). Up to SPANS_MAX, in order; their number. */
static size_t password_spans(const char *dsn, span *out)
{
    size_t n = 0;
    const char *scheme = strstr(dsn, "://");
    if (scheme) {
        const char *auth = scheme + 3;
        size_t alen = strcspn(auth, "/?");
        const char *at = NULL, *colon = NULL;
        for (const char *q = auth; q < auth + alen; q++)
            if (*q == '@')
                at = q;
        for (const char *q = auth; at && q < at; q++)
            if (*q == ':') {
                colon = q;
                break;
            }
        if (colon)
            out[n++] = (span){colon + 1, (size_t)(at - colon - 1)};
        const char *qs = strchr(auth, '?');
        for (const char *p = qs; p && *p && n < SPANS_MAX;) {
            p++; /* past '?' or '&' */
            if (strncmp(p, "password=", 9) == 0)
                out[n++] = (span){p + 9, strcspn(p + 9, "&")};
            p = strchr(p, '&');
        }
        return n;
    }
    for (const char *p = dsn; *p && n < SPANS_MAX; p++) {
        if (strncmp(p, "password", 8) != 0 || (p != dsn && p[-1] != ' '))
            continue;
        const char *v = p + 8;
        while (*v == ' ')
            v++;
        if (*v != '=')
            continue;
        v++;
        while (*v == ' ')
            v++;
        const char *e = v;
        if (*v == '\'') {
            e++;
            while (*e && *e != '\'')
                e += e[0] == '\\' && e[1] ? 2 : 1;
            if (*e)
                e++;
        } else {
            while (*e && *e != ' ')
                e++;
        }
        out[n++] = (span){v, (size_t)(e - v)};
        p = e > p ? e - 1 : p;
    }
    return n;
}

static void put_str(char *out, size_t cap, size_t *o, const char *s)
{
    while (*s && *o + 1 < cap)
        out[(*o)++] = *s++;
}

void ship_dsn_redact(const char *dsn, char *out, size_t cap)
{
    if (cap == 0)
        return;
    span sp[SPANS_MAX];
    size_t n = password_spans(dsn, sp), k = 0, o = 0;
    for (const char *p = dsn; *p && o + 1 < cap;) {
        if (k < n && p == sp[k].start) {
            put_str(out, cap, &o, "***");
            p += sp[k++].len;
            continue;
        }
        out[o++] = *p++;
    }
    out[o] = '\0';
}

void ship_pg_message(const char *dsn, const char *msg, char *out, size_t cap)
{
    if (cap == 0)
        return;
    span sp[SPANS_MAX + SPANS_MAX];
    size_t n = password_spans(dsn ? dsn : "", sp);
    /* A quoted value also as libpq may quote it back: without its
     * quotes. */
    for (size_t i = 0, m = n; i < m; i++)
        if (sp[i].len >= 2 && sp[i].start[0] == '\'')
            sp[n++] = (span){sp[i].start + 1, sp[i].len - 2};
    size_t o = 0;
    for (const char *p = msg ? msg : ""; *p && o + 1 < cap;) {
        size_t i;
        for (i = 0; i < n; i++)
            if (sp[i].len && strncmp(p, sp[i].start, sp[i].len) == 0)
                break;
        if (i < n) {
            put_str(out, cap, &o, "***");
            p += sp[i].len;
            continue;
        }
        out[o++] = *p++;
    }
    /* libpq's messages end with a newline. */
    while (o && (out[o - 1] == '\n' || out[o - 1] == ' '))
        o--;
    out[o] = '\0';
}

/* ---- migrations ---------------------------------------------------------- */

/* The version of "/NNN_name.sql", or -1 when the path is not one. */
static int migration_version(const char *path, const char **name)
{
    const char *p = strrchr(path, '/');
    p = p ? p + 1 : path;
    size_t n = strlen(p);
    if (n < 9 || strcmp(p + n - 4, ".sql") != 0 || p[3] != '_')
        return -1;
    int v = 0;
    for (int i = 0; i < 3; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    for (size_t i = 4; i < n - 4; i++)
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') ||
              p[i] == '_'))
            return -1;
    *name = p;
    return v >= 1 ? v : -1;
}

static int cmp_migration(const void *a, const void *b)
{
    const ship_migration *x = a, *y = b;
    return (x->version > y->version) - (x->version < y->version);
}

int ship_migrations_order(const char *const *paths,
                          const unsigned char *const *data, const size_t *lens,
                          size_t n, ship_migration *out, size_t cap,
                          size_t *count)
{
    size_t k = 0;
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name;
        int v = migration_version(paths[i], &name);
        if (v < 0)
            continue;
        if (k == cap)
            return RND_ENOSPACE;
        out[k++] = (ship_migration){v, name, (const char *)data[i], lens[i]};
    }
    qsort(out, k, sizeof *out, cmp_migration);
    for (size_t i = 1; i < k; i++)
        if (out[i].version == out[i - 1].version)
            return RND_EEXIST;
    *count = k;
    return 0;
}
