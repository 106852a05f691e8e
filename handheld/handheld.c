/* handheld.c: the handle of the handheld library and the device's identity:
 * opening and creating a store (hh_open, hh_init, the device id, site and
 * name), errors and warnings, the clock and the clock offset measured at
 * sync, the user carrying the device, and hh_status. Recording is in
 * records.c, reading in read.c, sync in sync.c. See handheld.h for the
 * contract.
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
#include "../proto/utf8.h"
#include "../storage/blob.h"
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
    h->path = strdup(dir);
    if (h->path == NULL) {
        free(h);
        return RND_ENOMEM;
    }
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
        name == NULL || *name == '\0' || strlen(name) >= STORE_NAME_MAX ||
        proto_utf8_check(site, strlen(site), PROTO_TEXT_LINE, NULL, NULL) ||
        proto_utf8_check(name, strlen(name), PROTO_TEXT_LINE, NULL, NULL))
        return RND_EFIELD;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return RND_EIO;
    h = calloc(1, sizeof *h);
    if (h == NULL)
        return RND_ENOMEM;
    snprintf(h->dir, sizeof h->dir, "%s", dir);
    h->path = strdup(dir);
    if (h->path == NULL) {
        free(h);
        return RND_ENOMEM;
    }
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
    blob_close(h->blobs);
    store_close(h->s);
    free(h->path);
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

int hh_prefault(hh *h)
{
    return store_prefault(h->s); /* not h's error text: another thread's */
}

typedef struct meta_ctx {
    const char *key;
    const char *val;
    hh *h;
} meta_ctx;

/* A new carrier: nobody is PIN-verified any more, and a person with a PIN
 * signs in (signin.c) rather than being named. */
static int user_fn(store_txn *t, void *arg)
{
    meta_ctx *c = arg;
    int rc = hh__user_check(c->h, c->val, t);
    if (rc == 0)
        rc = store_meta_put(t, "signed_in", "", 0);
    return rc ? rc : store_meta_put(t, c->key, c->val, strlen(c->val));
}

int hh_set_user(hh *h, const char *user)
{
    meta_ctx c = {"user", user ? user : "", h};
    if (strlen(c.val) >= STORE_NAME_MAX)
        return fail(h, RND_EFIELD, "user: at most %d bytes",
                    STORE_NAME_MAX - 1);
    size_t at;
    const char *why;
    if (proto_utf8_check(c.val, strlen(c.val), PROTO_TEXT_LINE, &at, &why))
        return fail(h, RND_EFIELD, "field 'user': %s at byte %zu", why, at);
    h->err[0] = '\0';
    int rc = store_write(h->s, user_fn, &c);
    return rc && h->err[0] == '\0' ? store_fail(h, rc) : rc;
}

void hh__meta_str(store_txn *t, const char *key, char *out, size_t cap)
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

/* ---- the device's status ---------------------------------------------- */

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
        hh__meta_str(t, "user", out->user, sizeof out->user);
        out->own_ops = id.next_seq - 1;
        if (store_meta_get_u64(t, "acked_seq", &v) == 0)
            out->acked_seq = v;
        if (store_meta_get_u64(t, "last_sync_ms", &v) == 0)
            out->last_sync_ms = (int64_t)v;
        out->unsynced = out->own_ops - out->acked_seq;
        rc = store_entities_count(t, PROTO_KIND_VISIT, 1, &out->open_visits);
    }
    if (rc == 0)
        rc =
            store_entities_count(t, PROTO_KIND_VEHICLE, 1, &out->open_vehicles);
    if (rc == 0)
        rc = store_entities_count(t, PROTO_KIND_WORKORDER, 1,
                                  &out->open_workorders);
    store_read_end(t);
    return rc;
}

void hh_mask_id(const char *in, size_t len, char *out, size_t cap)
{
    proto_mask_id(in, len, out, cap);
}

int hh_value_shown(const hh_value *v, char *buf, size_t cap, const char **s,
                   size_t *len)
{
    if (v->type != HH_VAL_STR)
        return RND_EINVAL;
    if (v->name_len == 5 && memcmp(v->name, "id_no", 5) == 0) {
        hh_mask_id(v->str, v->str_len, buf, cap);
        *s = buf;
        *len = strlen(buf);
    } else if (v->name_len == 8 && memcmp(v->name, "pin_hash", 8) == 0) {
        *s = "set"; /* that a PIN is set, never its hash */
        *len = 3;
    } else {
        *s = v->str;
        *len = v->str_len;
    }
    return 0;
}
