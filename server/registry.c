/* registry.c: enrolled devices and their credentials in the registry
 * store's meta table (registry.h has the layout): the record codec, the
 * index of names, enroll, revoke, the HELLO's checks and binding. The
 * sync notes are registry_notes.c's. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>
#include <msgpack.h>

#include "../proto/mp.h"
#include "registry.h"
#include "registry_int.h"
#include "meta_index.h"
#include "mpobj.h"

#define RECORD_VERSION 1
#define KEY_MAX (4 + 2 * SRV_NAME_MAX + 2)
#define INDEX_KEY "index"

void srv_hex64(uint64_t v, char out[17])
{
    snprintf(out, 17, "%016" PRIx64, v);
}

/* "6h2m", "12m", "0m" */
static void fmt_span(int64_t ms, char *out, size_t cap)
{
    int64_t min = ms / 60000;
    if (min >= 60)
        snprintf(out, cap, "%" PRId64 "h%" PRId64 "m", min / 60, min % 60);
    else
        snprintf(out, cap, "%" PRId64 "m", min);
}

void srv_clock_verdict(const srv_device *d, int64_t limit, char *text,
                       size_t cap, const char **flag_out)
{
    char span[32];
    if (!d->have_clock && d->beyond_ops == 0) {
        snprintf(text, cap, "-");
        *flag_out = "unknown";
        return;
    }
    int ahead = d->clock_ahead_ms > limit, behind = d->clock_behind_ms > limit;
    if (!ahead && !behind && d->beyond_ops > 0) {
        snprintf(text, cap, "beyond: %" PRIu64 " ops", d->beyond_ops);
        *flag_out = "beyond";
        return;
    }
    if (ahead && (!behind || d->clock_ahead_ms >= d->clock_behind_ms)) {
        fmt_span(d->clock_ahead_ms, span, sizeof span);
        snprintf(text, cap, "ahead %s", span);
        *flag_out = "ahead";
    } else if (behind) {
        fmt_span(d->clock_behind_ms, span, sizeof span);
        snprintf(text, cap, "behind %s", span);
        *flag_out = "behind";
    } else {
        snprintf(text, cap, "ok");
        *flag_out = "ok";
    }
}

static void dev_key(char key[KEY_MAX], const char *site, const char *name)
{
    /* Names are at most SRV_NAME_MAX bytes (checked by callers); the
     * precision says so to the compiler too. */
    snprintf(key, KEY_MAX, "dev/%.*s/%.*s", SRV_NAME_MAX, site, SRV_NAME_MAX,
             name);
}

static void id_key(char key[KEY_MAX], uint64_t id)
{
    char hex[17];
    srv_hex64(id, hex);
    snprintf(key, KEY_MAX, "id/%s", hex);
}

static void cred_hash(const uint8_t salt[SRV_SALT_LEN], const uint8_t *cred,
                      size_t len, uint8_t out[32])
{
    mbedtls_sha256_context c;
    mbedtls_sha256_init(&c);
    mbedtls_sha256_starts_ret(&c, 0);
    mbedtls_sha256_update_ret(&c, salt, SRV_SALT_LEN);
    mbedtls_sha256_update_ret(&c, cred, len);
    mbedtls_sha256_finish_ret(&c, out);
    mbedtls_sha256_free(&c);
}

/* Compares without an early exit, so timing does not tell how many leading
 * bytes of a guessed credential's hash were right. */
static int ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    volatile uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= a[i] ^ b[i];
    return d == 0;
}

/* ---- record codec ------------------------------------------------------- */

static void pack_bin(msgpack_packer *pk, const void *p, size_t n)
{
    msgpack_pack_bin(pk, n);
    msgpack_pack_bin_body(pk, p, n);
}

/* Encodes d into sb (the caller destroys sb). */
static int record_encode(const srv_device *d, msgpack_sbuffer *sb)
{
    msgpack_sbuffer_init(sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    /* Keys in bytewise order, like every other map of the project. */
    msgpack_pack_map(&pk, (d->have_clock ? 13 : 11) + (d->have_pull ? 1 : 0) +
                              (d->beyond_ops ? 1 : 0));
    if (d->have_clock) {
        srv_mp_pack_str(&pk, "ahead");
        msgpack_pack_int64(&pk, d->clock_ahead_ms);
        srv_mp_pack_str(&pk, "behind");
        msgpack_pack_int64(&pk, d->clock_behind_ms);
    }
    srv_mp_pack_str(&pk, "enr");
    msgpack_pack_int64(&pk, d->enrolled_ms);
    if (d->beyond_ops) {
        srv_mp_pack_str(&pk, "far");
        msgpack_pack_uint64(&pk, d->beyond_ops);
    }
    srv_mp_pack_str(&pk, "hash");
    pack_bin(&pk, d->hash, sizeof d->hash);
    srv_mp_pack_str(&pk, "held");
    msgpack_pack_uint64(&pk, d->held_seq);
    srv_mp_pack_str(&pk, "id");
    msgpack_pack_uint64(&pk, d->device_id);
    srv_mp_pack_str(&pk, "in");
    msgpack_pack_uint64(&pk, d->last_ops_in);
    srv_mp_pack_str(&pk, "out");
    msgpack_pack_uint64(&pk, d->last_ops_out);
    if (d->have_pull) {
        srv_mp_pack_str(&pk, "pull");
        msgpack_pack_uint64(&pk, d->pull_cursor);
    }
    srv_mp_pack_str(&pk, "rev");
    if (d->revoked)
        msgpack_pack_true(&pk);
    else
        msgpack_pack_false(&pk);
    srv_mp_pack_str(&pk, "salt");
    pack_bin(&pk, d->salt, sizeof d->salt);
    srv_mp_pack_str(&pk, "skew");
    msgpack_pack_int64(&pk, d->last_skew_ms);
    srv_mp_pack_str(&pk, "sync");
    msgpack_pack_int64(&pk, d->last_sync_ms);
    srv_mp_pack_str(&pk, "v");
    msgpack_pack_uint64(&pk, RECORD_VERSION);
    return sb->data ? 0 : RND_ENOMEM;
}

/* One field of a device's record (srv_mp_record). */
static int record_field(const msgpack_object *k, const msgpack_object *v,
                        void *ctx)
{
    srv_device *d = ctx;
    int rc = 0;
    if (srv_mp_key_is(k, "ahead")) {
        rc = srv_mp_i64(v, &d->clock_ahead_ms);
        d->have_clock = 1;
    } else if (srv_mp_key_is(k, "behind")) {
        rc = srv_mp_i64(v, &d->clock_behind_ms);
        d->have_clock = 1;
    } else if (srv_mp_key_is(k, "enr"))
        rc = srv_mp_i64(v, &d->enrolled_ms);
    else if (srv_mp_key_is(k, "far"))
        rc = srv_mp_u64(v, &d->beyond_ops);
    else if (srv_mp_key_is(k, "hash"))
        rc = srv_mp_bin(v, d->hash, sizeof d->hash);
    else if (srv_mp_key_is(k, "held"))
        rc = srv_mp_u64(v, &d->held_seq);
    else if (srv_mp_key_is(k, "id"))
        rc = srv_mp_u64(v, &d->device_id);
    else if (srv_mp_key_is(k, "in"))
        rc = srv_mp_u64(v, &d->last_ops_in);
    else if (srv_mp_key_is(k, "out"))
        rc = srv_mp_u64(v, &d->last_ops_out);
    else if (srv_mp_key_is(k, "pull")) {
        rc = srv_mp_u64(v, &d->pull_cursor);
        d->have_pull = 1;
    } else if (srv_mp_key_is(k, "rev"))
        if (v->type == MSGPACK_OBJECT_BOOLEAN)
            d->revoked = v->via.boolean;
        else
            rc = RND_ECORRUPT;
    else if (srv_mp_key_is(k, "salt"))
        rc = srv_mp_bin(v, d->salt, sizeof d->salt);
    else if (srv_mp_key_is(k, "skew"))
        rc = srv_mp_i64(v, &d->last_skew_ms);
    else if (srv_mp_key_is(k, "sync"))
        rc = srv_mp_i64(v, &d->last_sync_ms);
    return rc;
}

/* Decodes a record (our own bytes, but checked: a damaged store must give
 * RND_ECORRUPT, not a crash). site and name are left alone. */
static int record_decode(const void *buf, size_t len, srv_device *d)
{
    return srv_mp_record(buf, len, RECORD_VERSION, record_field, d);
}

int srv_registry__record_get(store_txn *txn, const char *site, const char *name,
                             srv_device *d)
{
    char key[KEY_MAX];
    dev_key(key, site, name);
    const void *v;
    size_t len;
    int rc = store_meta_get(txn, key, &v, &len);
    if (rc)
        return rc;
    memset(d, 0, sizeof *d);
    snprintf(d->site, sizeof d->site, "%.*s", SRV_NAME_MAX, site);
    snprintf(d->name, sizeof d->name, "%.*s", SRV_NAME_MAX, name);
    return record_decode(v, len, d);
}

int srv_registry__record_put(store_txn *txn, const srv_device *d)
{
    char key[KEY_MAX];
    dev_key(key, d->site, d->name);
    msgpack_sbuffer sb;
    int rc = record_encode(d, &sb);
    if (rc == 0)
        rc = store_meta_put(txn, key, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

/* ---- the index of names ------------------------------------------------- */

static int index_each(store_txn *txn, int (*cb)(const char *, size_t, void *),
                      void *ctx)
{
    return srv_index_each(txn, INDEX_KEY, cb, ctx);
}

/* Orders "<site>/<name>" entries by site, then name (a plain bytewise
 * order would put "a-b/x" before "a/x"). */
static int entry_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    const char *sa = memchr(a, '/', an), *sb = memchr(b, '/', bn);
    size_t la = sa ? (size_t)(sa - a) : an, lb = sb ? (size_t)(sb - b) : bn;
    int c = srv_index_bytes_cmp(a, la, b, lb);
    if (c)
        return c;
    return srv_index_bytes_cmp(a + la, an - la, b + lb, bn - lb);
}

/* Adds "<site>/<name>" to the sorted index unless present. */
static int index_add_name(store_txn *txn, const char *site, const char *name)
{
    char entry[KEY_MAX];
    snprintf(entry, sizeof entry, "%s/%s", site, name);
    return srv_index_add(txn, INDEX_KEY, entry, entry_cmp);
}

/* ---- open and close ----------------------------------------------------- */

int srv_registry_open(const char *data_dir, int create, srv_registry **out)
{
    *out = NULL;
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/registry", data_dir);
    if (n < 0 || (size_t)n >= sizeof path)
        return RND_EINVAL;
    srv_registry *r = calloc(1, sizeof *r);
    if (r == NULL)
        return RND_ENOMEM;
    int rc = store_open(path, create ? STORE_CREATE : 0, &r->st);
    if (rc) {
        free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void srv_registry_close(srv_registry *r)
{
    if (r == NULL)
        return;
    if (r->loop != NULL) {
        uv_cond_destroy(&r->cv);
        uv_mutex_destroy(&r->mu);
    }
    store_close(r->st);
    free(r->notes);
    free(r->inflight);
    free(r);
}

store *srv_registry_store(srv_registry *r)
{
    return r->st;
}

/* ---- enroll and revoke -------------------------------------------------- */

typedef struct enroll_ctx {
    const char *site, *name;
    int64_t now;
    const uint8_t *salt, *hash;
} enroll_ctx;

static int enroll_fn(store_txn *txn, void *vctx)
{
    enroll_ctx *c = vctx;
    srv_device d;
    int rc = srv_registry__record_get(txn, c->site, c->name, &d);
    if (rc == 0 && !d.revoked)
        return RND_EEXIST;
    if (rc != 0 && rc != RND_ENOTFOUND)
        return rc;
    memset(&d, 0, sizeof d);
    snprintf(d.site, sizeof d.site, "%s", c->site);
    snprintf(d.name, sizeof d.name, "%s", c->name);
    memcpy(d.salt, c->salt, SRV_SALT_LEN);
    memcpy(d.hash, c->hash, sizeof d.hash);
    d.enrolled_ms = c->now;
    rc = srv_registry__record_put(txn, &d);
    if (rc == 0)
        rc = index_add_name(txn, c->site, c->name);
    return rc;
}

int srv_registry_enroll(srv_registry *r, const char *site, const char *name,
                        int64_t now_ms, char cred[SRV_CRED_LEN + 1])
{
    cred[0] = '\0';
    if (!srv_name_valid(site, strlen(site)) ||
        !srv_name_valid(name, strlen(name)))
        return RND_EINVAL;
    uint8_t secret[16], salt[SRV_SALT_LEN], hash[32];
    int rc = proto_random(secret, sizeof secret);
    if (rc == 0)
        rc = proto_random(salt, sizeof salt);
    if (rc)
        return rc;
    char text[SRV_CRED_LEN + 1];
    memcpy(text, SRV_CRED_PREFIX, 5);
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        text[5 + 2 * i] = digits[secret[i] >> 4];
        text[6 + 2 * i] = digits[secret[i] & 15];
    }
    text[SRV_CRED_LEN] = '\0';
    cred_hash(salt, (const uint8_t *)text, SRV_CRED_LEN, hash);
    enroll_ctx c = {site, name, now_ms, salt, hash};
    rc = store_write(r->st, enroll_fn, &c);
    if (rc == 0)
        memcpy(cred, text, SRV_CRED_LEN + 1);
    memset(text, 0, sizeof text);
    memset(secret, 0, sizeof secret);
    return rc;
}

typedef struct revoke_ctx {
    const char *site, *name;
    int was;
} revoke_ctx;

static int revoke_fn(store_txn *txn, void *vctx)
{
    revoke_ctx *c = vctx;
    srv_device d;
    int rc = srv_registry__record_get(txn, c->site, c->name, &d);
    if (rc)
        return rc;
    c->was = d.revoked;
    if (d.revoked)
        return 0;
    d.revoked = 1;
    return srv_registry__record_put(txn, &d);
}

int srv_registry_revoke(srv_registry *r, const char *site, const char *name,
                        int *was_revoked)
{
    if (!srv_name_valid(site, strlen(site)) ||
        !srv_name_valid(name, strlen(name)))
        return RND_EINVAL;
    revoke_ctx c = {site, name, 0};
    int rc = store_write(r->st, revoke_fn, &c);
    if (rc == 0 && was_revoked)
        *was_revoked = c.was;
    return rc;
}

int srv_registry_get(srv_registry *r, const char *site, const char *name,
                     srv_device *out)
{
    if (!srv_name_valid(site, strlen(site)) ||
        !srv_name_valid(name, strlen(name)))
        return RND_ENOTFOUND;
    store_txn *txn;
    int rc = store_read_begin(r->st, &txn);
    if (rc)
        return rc;
    rc = srv_registry__record_get(txn, site, name, out);
    store_read_end(txn);
    return rc;
}

typedef struct each_ctx {
    store_txn *txn;
    const char *site;
    srv_device_cb cb;
    void *ctx;
} each_ctx;

static int each_cb(const char *s, size_t n, void *vctx)
{
    each_ctx *c = vctx;
    char entry[KEY_MAX];
    if (n >= sizeof entry)
        return RND_ECORRUPT;
    memcpy(entry, s, n);
    entry[n] = '\0';
    char *slash = strchr(entry, '/');
    if (slash == NULL)
        return RND_ECORRUPT;
    *slash = '\0';
    if (c->site && strcmp(c->site, entry) != 0)
        return 0;
    srv_device d;
    int rc = srv_registry__record_get(c->txn, entry, slash + 1, &d);
    if (rc == RND_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    return c->cb(&d, c->ctx);
}

int srv_registry_each(srv_registry *r, const char *site, srv_device_cb cb,
                      void *ctx)
{
    store_txn *txn;
    int rc = store_read_begin(r->st, &txn);
    if (rc)
        return rc;
    each_ctx c = {txn, site, cb, ctx};
    rc = index_each(txn, each_cb, &c);
    store_read_end(txn);
    return rc;
}

/* ---- hello -------------------------------------------------------------- */

typedef struct bind_ctx {
    srv_device *d;
    uint64_t id, reserved;
    int rc_refused;
    const char *why;
} bind_ctx;

/* Reads the binding of id: "<site>/<name>" into site and name. */
static int id_get(store_txn *txn, uint64_t id, char site[SRV_NAME_MAX + 1],
                  char name[SRV_NAME_MAX + 1])
{
    char key[KEY_MAX];
    id_key(key, id);
    const void *v;
    size_t len;
    int rc = store_meta_get(txn, key, &v, &len);
    if (rc)
        return rc;
    const char *p = v, *slash = memchr(p, '/', len);
    if (slash == NULL || slash == p || (size_t)(slash - p) > SRV_NAME_MAX ||
        len - (size_t)(slash - p) - 1 > SRV_NAME_MAX)
        return RND_ECORRUPT;
    size_t sl = (size_t)(slash - p);
    memcpy(site, p, sl);
    site[sl] = '\0';
    memcpy(name, slash + 1, len - sl - 1);
    name[len - sl - 1] = '\0';
    return 0;
}

/* 1 when id is bound to a live record other than site/name. */
static int id_taken(store_txn *txn, uint64_t id, const char *site,
                    const char *name, int *taken)
{
    char s2[SRV_NAME_MAX + 1], n2[SRV_NAME_MAX + 1];
    *taken = 0;
    int rc = id_get(txn, id, s2, n2);
    if (rc == RND_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    if (strcmp(s2, site) == 0 && strcmp(n2, name) == 0)
        return 0;
    srv_device other;
    rc = srv_registry__record_get(txn, s2, n2, &other);
    if (rc == RND_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    *taken = !other.revoked && other.device_id == id;
    return 0;
}

/* The checks of a HELLO that need no write, against the record cur of
 * the device (read in txn): its credential matched already. 0 when id
 * may be (or is) bound to cur, else the refusal and its sentence. */
static int check_bound(store_txn *txn, const srv_device *cur, uint64_t id,
                       uint64_t reserved_id, const char **why)
{
    if (cur->revoked) {
        *why = "device revoked by the office";
        return RND_EREVOKED;
    }
    if (id == 0 || id == reserved_id) {
        *why = "device id not allowed";
        return RND_EAUTH;
    }
    if (cur->device_id == id)
        return 0;
    if (cur->device_id != 0) {
        *why = "credential belongs to another device";
        return RND_EAUTH;
    }
    int taken;
    int rc = id_taken(txn, id, cur->site, cur->name, &taken);
    if (rc)
        return rc;
    if (taken) {
        *why = "device id already belongs to another enrolled device";
        return RND_EAUTH;
    }
    return 0;
}

static int bind_fn(store_txn *txn, void *vctx)
{
    bind_ctx *c = vctx;
    c->rc_refused = 0;
    srv_device cur;
    int rc = srv_registry__record_get(txn, c->d->site, c->d->name, &cur);
    if (rc == RND_ENOTFOUND) {
        c->rc_refused = RND_EAUTH;
        c->why = SRV_AUTH_WRONG;
        return c->rc_refused;
    }
    if (rc)
        return rc;
    /* Re-checked inside the write: an enroll, revoke or another hello may
     * have come between the check and this write. */
    if (memcmp(cur.hash, c->d->hash, sizeof cur.hash) != 0) {
        c->rc_refused = RND_EAUTH;
        c->why = SRV_AUTH_WRONG;
        return c->rc_refused;
    }
    rc = check_bound(txn, &cur, c->id, c->reserved, &c->why);
    if (rc) {
        if (!rnd_is_storage_error(rc))
            c->rc_refused = rc;
        return rc;
    }
    if (cur.device_id == c->id) {
        *c->d = cur;
        return 0;
    }
    cur.device_id = c->id;
    rc = srv_registry__record_put(txn, &cur);
    if (rc == 0) {
        char key[KEY_MAX], val[KEY_MAX];
        id_key(key, c->id);
        int n = snprintf(val, sizeof val, "%s/%s", cur.site, cur.name);
        rc = store_meta_put(txn, key, val, (size_t)n);
    }
    if (rc == 0)
        *c->d = cur;
    return rc;
}

/* 1 when cred is the credential of record d (constant time in the
 * hash). */
static int cred_matches(const srv_device *d, const uint8_t *cred,
                        size_t cred_len)
{
    uint8_t h[32];
    cred_hash(d->salt, cred, cred_len, h);
    return ct_equal(h, d->hash, sizeof h);
}

/* The refusal of a HELLO whose site/name has no record that the
 * credential opens: ESITE when device_id is bound to a live device of
 * another site and cred is that device's credential (only its holder
 * learns where it belongs), else the one answer to a wrong credential. */
static int refuse_unproved(store_txn *txn, const char *site, uint64_t device_id,
                           const uint8_t *cred, size_t cred_len,
                           const char **why)
{
    char s2[SRV_NAME_MAX + 1], n2[SRV_NAME_MAX + 1];
    srv_device other;
    int rc = device_id ? id_get(txn, device_id, s2, n2) : RND_ENOTFOUND;
    if (rc == 0 && strcmp(s2, site) != 0) {
        rc = srv_registry__record_get(txn, s2, n2, &other);
        if (rc == 0 && other.device_id == device_id &&
            cred_matches(&other, cred, cred_len)) {
            *why = "device is enrolled for another site";
            return RND_ESITE;
        }
    }
    if (rc != 0 && rc != RND_ENOTFOUND)
        return rc;
    *why = SRV_AUTH_WRONG;
    return RND_EAUTH;
}

int srv_registry_check(srv_registry *r, const char *site, size_t site_len,
                       const char *name, size_t name_len, const uint8_t *cred,
                       size_t cred_len, uint64_t device_id,
                       uint64_t reserved_id, srv_device *out, int *need_bind,
                       const char **why)
{
    *why = "";
    *need_bind = 0;
    memset(out, 0, sizeof *out);
    /* Names that could never be enrolled find no record; a bad site is
     * compared as "-" (no site has that name). */
    char s[SRV_NAME_MAX + 1] = "-", n[SRV_NAME_MAX + 1] = "";
    int site_ok = srv_name_valid(site, site_len);
    int valid = site_ok && srv_name_valid(name, name_len);
    if (site_ok) {
        memcpy(s, site, site_len);
        s[site_len] = '\0';
    }
    if (valid) {
        memcpy(n, name, name_len);
        n[name_len] = '\0';
    }
    store_txn *txn;
    int rc = store_read_begin(r->st, &txn);
    if (rc)
        return rc;
    rc = valid ? srv_registry__record_get(txn, s, n, out) : RND_ENOTFOUND;
    if (rc == RND_ENOTFOUND) {
        /* The same work as a wrong credential, so the time taken does not
         * tell an unknown name from a known one. */
        uint8_t salt[SRV_SALT_LEN] = {0}, h[32];
        cred_hash(salt, cred, cred_len, h);
        rc = refuse_unproved(txn, s, device_id, cred, cred_len, why);
    } else if (rc == 0 && !cred_matches(out, cred, cred_len)) {
        rc = refuse_unproved(txn, s, device_id, cred, cred_len, why);
    } else if (rc == 0) {
        rc = check_bound(txn, out, device_id, reserved_id, why);
        *need_bind = rc == 0 && out->device_id != device_id;
    }
    store_read_end(txn);
    if (rc)
        memset(out, 0, sizeof *out);
    return rc;
}

int srv_registry_bind(srv_registry *r, srv_device *d, uint64_t device_id,
                      uint64_t reserved_id, const char **why)
{
    *why = "";
    bind_ctx c = {.d = d, .id = device_id, .reserved = reserved_id};
    int rc = store_write(r->st, bind_fn, &c);
    if (rc && c.rc_refused == rc)
        *why = c.why;
    return rc;
}

int srv_registry_auth(srv_registry *r, const char *site, size_t site_len,
                      const char *name, size_t name_len, const uint8_t *cred,
                      size_t cred_len, uint64_t device_id, uint64_t reserved_id,
                      srv_device *out, const char **why)
{
    int need_bind;
    int rc =
        srv_registry_check(r, site, site_len, name, name_len, cred, cred_len,
                           device_id, reserved_id, out, &need_bind, why);
    if (rc == 0 && need_bind)
        rc = srv_registry_bind(r, out, device_id, reserved_id, why);
    return rc;
}

int srv_registry_name_of(srv_registry *r, uint64_t device_id, char *site,
                         char *name)
{
    store_txn *txn;
    int rc = store_read_begin(r->st, &txn);
    if (rc)
        return rc;
    rc = id_get(txn, device_id, site, name);
    store_read_end(txn);
    return rc;
}

/* ---- a site's devices moving to another node ---------------------------- */

typedef struct export_ctx {
    msgpack_packer *pk;
    size_t n;
    int pass; /* 0: count, 1: pack */
} export_ctx;

/* One entry of an export: [site, name, record bin]. */
static int entry_pack(msgpack_packer *pk, const srv_device *d)
{
    msgpack_sbuffer rec;
    int rc = record_encode(d, &rec);
    if (rc == 0 && rec.data == NULL)
        rc = RND_ENOMEM;
    if (rc == 0) {
        msgpack_pack_array(pk, 3);
        srv_mp_pack_str(pk, d->site);
        srv_mp_pack_str(pk, d->name);
        pack_bin(pk, rec.data, rec.size);
    }
    msgpack_sbuffer_destroy(&rec);
    return rc;
}

static int export_cb(const srv_device *d, void *vctx)
{
    export_ctx *c = vctx;
    c->n++;
    if (c->pass == 0)
        return 0;
    return entry_pack(c->pk, d);
}

int srv_registry_export_devices(const srv_device *d, size_t n, uint8_t **out,
                                size_t *len)
{
    *out = NULL;
    *len = 0;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, n);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = entry_pack(&pk, &d[i]);
    if (rc == 0 && sb.data == NULL)
        rc = RND_ENOMEM;
    if (rc) {
        msgpack_sbuffer_destroy(&sb);
        return rc;
    }
    *len = sb.size; /* release() zeroes it */
    *out = (uint8_t *)msgpack_sbuffer_release(&sb);
    return 0;
}

int srv_registry_export_site(srv_registry *r, const char *site, uint8_t **out,
                             size_t *len, size_t *count)
{
    *out = NULL;
    *len = 0;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    /* Two reads: the array's length comes first. An enroll between them
     * would make them disagree: then the export is refused (run again). */
    export_ctx c = {&pk, 0, 0};
    int rc = srv_registry_each(r, site, export_cb, &c);
    size_t n = c.n;
    if (rc == 0) {
        msgpack_pack_array(&pk, n);
        c.n = 0;
        c.pass = 1;
        rc = srv_registry_each(r, site, export_cb, &c);
    }
    if (rc == 0 && c.n != n)
        rc = RND_EAGAIN;
    if (rc == 0 && sb.data == NULL)
        rc = RND_ENOMEM;
    if (rc) {
        msgpack_sbuffer_destroy(&sb);
        return rc;
    }
    *len = sb.size; /* release() zeroes it */
    *out = (uint8_t *)msgpack_sbuffer_release(&sb);
    if (count)
        *count = n;
    return 0;
}

static int read_name(mp_cur *c, char out[SRV_NAME_MAX + 1])
{
    const char *s;
    uint32_t n;
    if (mp_read_str(c, SRV_NAME_MAX, &s, &n) || !srv_name_valid(s, n))
        return RND_ECORRUPT;
    memcpy(out, s, n);
    out[n] = '\0';
    return 0;
}

int srv_registry_import_each(const uint8_t *buf, size_t len, srv_device_cb cb,
                             void *arg)
{
    mp_cur cur;
    uint64_t n, k;
    mp_cur_init(&cur, buf, len);
    if (mp_read_array(&cur, &n))
        return RND_ECORRUPT;
    for (uint64_t i = 0; i < n; i++) {
        srv_device d;
        const uint8_t *rec;
        uint32_t rlen;
        memset(&d, 0, sizeof d);
        if (mp_read_array(&cur, &k) || k != 3 || read_name(&cur, d.site) ||
            read_name(&cur, d.name) ||
            mp_read_bin_ref(&cur, 65536, &rec, &rlen))
            return RND_ECORRUPT;
        int rc = record_decode(rec, rlen, &d);
        if (rc == 0)
            rc = cb(&d, arg);
        if (rc)
            return rc;
    }
    return cur.p == cur.end ? 0 : RND_ECORRUPT;
}

typedef struct import_ctx {
    store_txn *txn;
    size_t n;
    char why[200];
} import_ctx;

/* One device of an import into the registry (import_fn's transaction). */
static int import_one(const srv_device *d, void *vctx)
{
    import_ctx *c = vctx;
    srv_device old;
    const char *site = d->site, *name = d->name;
    int rc = srv_registry__record_get(c->txn, site, name, &old);
    if (rc == 0) {
        snprintf(c->why, sizeof c->why,
                 "device %s/%s is enrolled on this node already", site, name);
        return RND_EEXIST;
    }
    if (rc != RND_ENOTFOUND)
        return rc;
    if (d->device_id != 0) {
        int taken;
        rc = id_taken(c->txn, d->device_id, site, name, &taken);
        if (rc)
            return rc;
        if (taken) {
            char hex[17];
            srv_hex64(d->device_id, hex);
            snprintf(c->why, sizeof c->why,
                     "device id %s of %s/%s is bound to another device on "
                     "this node",
                     hex, site, name);
            return RND_EEXIST;
        }
    }
    if ((rc = srv_registry__record_put(c->txn, d)) ||
        (rc = index_add_name(c->txn, site, name)))
        return rc;
    if (d->device_id != 0) {
        char key[KEY_MAX], val[KEY_MAX];
        id_key(key, d->device_id);
        int vn = snprintf(val, sizeof val, "%s/%s", site, name);
        if ((rc = store_meta_put(c->txn, key, val, (size_t)vn)))
            return rc;
    }
    c->n++;
    return 0;
}

typedef struct import_arg {
    const uint8_t *buf;
    size_t len;
    import_ctx c;
} import_arg;

static int import_fn(store_txn *txn, void *varg)
{
    import_arg *a = varg;
    a->c.txn = txn;
    a->c.n = 0;
    return srv_registry_import_each(a->buf, a->len, import_one, &a->c);
}

int srv_registry_import(srv_registry *r, const uint8_t *buf, size_t len,
                        size_t *count, char *why, size_t whylen)
{
    import_arg a = {buf, len, {NULL, 0, ""}};
    int rc = store_write(r->st, import_fn, &a);
    if (count)
        *count = rc ? 0 : a.c.n;
    if (why)
        snprintf(why, whylen, "%s",
                 a.c.why[0] ? a.c.why
                 : rc       ? rnd_strerror(rc)
                            : "");
    return rc;
}
