/* accounts.c: the office's dashboard accounts (accounts.h): their records
 * in the registry store's meta table, passwords through proto/pin.c's
 * Argon2id, roles per site, and the failed logins that lock an account.
 *
 * A record "acct/<name>" is a MessagePack map with short keys (readers
 * ignore unknown ones): v 1, h the encoded hash (str), d disabled (bool),
 * g grants (array of [site, role] pairs), f failures in a row, l locked
 * until (ms), c created (ms), cb created by, p password set (ms), ll last
 * login (ms). "acct-index" is the sorted array of names (meta_index.h:
 * the meta table has no iteration).
 *
 * Every change reads and writes the record inside one store_write, so two
 * processes (the dashboard and `roundsd user`) cannot lose each other's
 * changes; the callbacks only fill their ctx, so a replay is harmless.
 */
#include "accounts.h"

#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/pin.h"
#include "meta_index.h"
#include "mpobj.h"

#define RECORD_VERSION 1
#define INDEX_KEY "acct-index"
#define KEY_MAX (5 + SRV_ACCT_NAME_MAX + 1)

/* One account as stored: the public part and the hash. */
typedef struct rec {
    srv_account a;
    char hash[PROTO_PIN_HASH_MAX + 1];
} rec;

static const char *const role_names[] = {"none", "clerk", "manager", "admin"};

const char *srv_role_name(int role)
{
    return role >= 0 && role <= SRV_ROLE_ADMIN ? role_names[role] : "none";
}

int srv_role_parse(const char *name, int *role)
{
    for (int r = SRV_ROLE_CLERK; r <= SRV_ROLE_ADMIN; r++)
        if (name && strcmp(name, role_names[r]) == 0) {
            *role = r;
            return 0;
        }
    return RND_EINVAL;
}

static int name_ok(const char *n)
{
    size_t len = n ? strlen(n) : 0;
    if (len == 0 || len > SRV_ACCT_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = n[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return 0;
    }
    return 1;
}

static int say(char *msg, size_t cap, int rc, const char *text)
{
    if (msg && cap)
        snprintf(msg, cap, "%s", text);
    return rc;
}

int srv_grant_parse(const char *text, srv_grant *g, char *msg, size_t cap)
{
    const char *eq = text ? strchr(text, '=') : NULL;
    memset(g, 0, sizeof *g);
    if (eq == NULL)
        return say(msg, cap, RND_EINVAL,
                   "a grant is SITE=ROLE (or *=ROLE), the role clerk, "
                   "manager or admin");
    size_t sl = (size_t)(eq - text);
    if (!((sl == 1 && text[0] == '*') || srv_name_valid(text, sl)))
        return say(msg, cap, RND_EINVAL,
                   "a grant's site is a site name or * for every site");
    if (srv_role_parse(eq + 1, &g->role) != 0)
        return say(msg, cap, RND_EINVAL,
                   "a grant's role is clerk, manager or admin");
    memcpy(g->site, text, sl);
    g->site[sl] = '\0';
    return 0;
}

int srv_acct_role(const srv_account *a, const char *site)
{
    int best = SRV_ROLE_NONE;
    if (a == NULL || a->disabled)
        return SRV_ROLE_NONE;
    for (int i = 0; i < a->ngrants; i++) {
        const srv_grant *g = &a->grants[i];
        if ((strcmp(g->site, "*") == 0 || (site && !strcmp(g->site, site))) &&
            g->role > best)
            best = g->role;
    }
    return best;
}

int srv_acct_top_role(const srv_account *a)
{
    int best = SRV_ROLE_NONE;
    for (int i = 0; a && !a->disabled && i < a->ngrants; i++)
        if (a->grants[i].role > best)
            best = a->grants[i].role;
    return best;
}

static int grants_ok(const srv_grant *g, int n, char *msg, size_t cap)
{
    if (n <= 0 || n > SRV_ACCT_GRANTS_MAX)
        return say(msg, cap, RND_EFIELD,
                   "field 'grant': give 1 to 32 grants (SITE=ROLE)");
    for (int i = 0; i < n; i++) {
        int any = strcmp(g[i].site, "*") == 0;
        if ((!any && !srv_name_valid(g[i].site, strlen(g[i].site))) ||
            g[i].role < SRV_ROLE_CLERK || g[i].role > SRV_ROLE_ADMIN)
            return say(msg, cap, RND_EFIELD,
                       "field 'grant': a grant is SITE=ROLE (or *=ROLE), "
                       "the role clerk, manager or admin");
        for (int j = 0; j < i; j++)
            if (strcmp(g[i].site, g[j].site) == 0)
                return say(msg, cap, RND_EFIELD,
                           "field 'grant': one grant per site");
    }
    return 0;
}

static int password_ok(const char *pw, char *msg, size_t cap)
{
    size_t n = pw ? strlen(pw) : 0;
    if (n < SRV_ACCT_PW_MIN || n > SRV_ACCT_PW_MAX)
        return say(msg, cap, RND_EFIELD,
                   "field 'password': a password is 10 to 128 bytes");
    return 0;
}

/* ---- the record -------------------------------------------------------- */

static int encode(const rec *r, msgpack_sbuffer *sb)
{
    const srv_account *a = &r->a;
    msgpack_sbuffer_init(sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 10);
    srv_mp_pack_str(&pk, "v");
    msgpack_pack_uint64(&pk, RECORD_VERSION);
    srv_mp_pack_str(&pk, "h");
    srv_mp_pack_str(&pk, r->hash);
    srv_mp_pack_str(&pk, "d");
    if (a->disabled)
        msgpack_pack_true(&pk);
    else
        msgpack_pack_false(&pk);
    srv_mp_pack_str(&pk, "g");
    msgpack_pack_array(&pk, (size_t)a->ngrants);
    for (int i = 0; i < a->ngrants; i++) {
        msgpack_pack_array(&pk, 2);
        srv_mp_pack_str(&pk, a->grants[i].site);
        msgpack_pack_uint64(&pk, (uint64_t)a->grants[i].role);
    }
    srv_mp_pack_str(&pk, "f");
    msgpack_pack_uint64(&pk, a->fails);
    srv_mp_pack_str(&pk, "l");
    msgpack_pack_int64(&pk, a->locked_until_ms);
    srv_mp_pack_str(&pk, "c");
    msgpack_pack_int64(&pk, a->created_ms);
    srv_mp_pack_str(&pk, "cb");
    srv_mp_pack_str(&pk, a->created_by);
    srv_mp_pack_str(&pk, "p");
    msgpack_pack_int64(&pk, a->pw_set_ms);
    srv_mp_pack_str(&pk, "ll");
    msgpack_pack_int64(&pk, a->last_login_ms);
    return sb->data ? 0 : RND_ENOMEM;
}

static int decode_grants(const msgpack_object *o, srv_account *a)
{
    if (o->type != MSGPACK_OBJECT_ARRAY ||
        o->via.array.size > SRV_ACCT_GRANTS_MAX)
        return RND_ECORRUPT;
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        const msgpack_object *p = &o->via.array.ptr[i];
        if (p->type != MSGPACK_OBJECT_ARRAY || p->via.array.size != 2 ||
            srv_mp_str(&p->via.array.ptr[0], a->grants[i].site,
                       sizeof a->grants[i].site) != 0 ||
            p->via.array.ptr[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
            p->via.array.ptr[1].via.u64 > SRV_ROLE_ADMIN)
            return RND_ECORRUPT;
        a->grants[i].role = (int)p->via.array.ptr[1].via.u64;
    }
    a->ngrants = (int)o->via.array.size;
    return 0;
}

/* One field of an account's record (srv_mp_record). */
static int decode_field(const msgpack_object *k, const msgpack_object *v,
                        void *ctx)
{
    rec *r = ctx;
    srv_account *a = &r->a;
    int64_t fails = 0;
    int rc = 0;
    if (srv_mp_key_is(k, "h"))
        rc = srv_mp_str(v, r->hash, sizeof r->hash);
    else if (srv_mp_key_is(k, "d")) {
        if (v->type != MSGPACK_OBJECT_BOOLEAN)
            rc = RND_ECORRUPT;
        else
            a->disabled = v->via.boolean;
    } else if (srv_mp_key_is(k, "g"))
        rc = decode_grants(v, a);
    else if (srv_mp_key_is(k, "f")) {
        rc = srv_mp_i64(v, &fails);
        if (rc == 0 && (fails < 0 || fails > UINT32_MAX))
            rc = RND_ECORRUPT;
        a->fails = (uint32_t)fails;
    } else if (srv_mp_key_is(k, "l"))
        rc = srv_mp_i64(v, &a->locked_until_ms);
    else if (srv_mp_key_is(k, "c"))
        rc = srv_mp_i64(v, &a->created_ms);
    else if (srv_mp_key_is(k, "cb"))
        rc = srv_mp_str(v, a->created_by, sizeof a->created_by);
    else if (srv_mp_key_is(k, "p"))
        rc = srv_mp_i64(v, &a->pw_set_ms);
    else if (srv_mp_key_is(k, "ll"))
        rc = srv_mp_i64(v, &a->last_login_ms);
    return rc;
}

/* Our own bytes, but checked: a damaged store gives RND_ECORRUPT. */
static int decode(const void *buf, size_t len, rec *r)
{
    return srv_mp_record(buf, len, RECORD_VERSION, decode_field, r);
}

static void rec_key(char key[KEY_MAX], const char *name)
{
    snprintf(key, KEY_MAX, "acct/%s", name);
}

static int rec_get(store_txn *txn, const char *name, rec *r)
{
    char key[KEY_MAX];
    const void *v;
    size_t len;
    if (!name_ok(name))
        return RND_ENOTFOUND;
    rec_key(key, name);
    int rc = store_meta_get(txn, key, &v, &len);
    if (rc)
        return rc;
    memset(r, 0, sizeof *r);
    snprintf(r->a.name, sizeof r->a.name, "%s", name);
    return decode(v, len, r);
}

static int rec_put(store_txn *txn, const rec *r)
{
    char key[KEY_MAX];
    msgpack_sbuffer sb;
    rec_key(key, r->a.name);
    int rc = encode(r, &sb);
    if (rc == 0)
        rc = store_meta_put(txn, key, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

/* ---- the index of names ------------------------------------------------- */

/* ---- writes ------------------------------------------------------------- */

/* What one write does to a record, inside the transaction. */
enum change {
    CH_ADD,
    CH_PASSWD,
    CH_GRANTS,
    CH_DISABLE,
    CH_ENABLE,
    CH_UNLOCK,
    CH_LOGIN_OK,
    CH_LOGIN_FAIL,
};

typedef struct change_ctx {
    int change;
    const char *name;
    const rec *fresh;        /* CH_ADD: the whole record */
    const char *hash;        /* CH_PASSWD */
    const srv_grant *grants; /* CH_GRANTS */
    int ngrants;
    int64_t now_ms;
    rec after; /* the record as written */
} change_ctx;

static int apply(store_txn *txn, void *arg)
{
    change_ctx *c = arg;
    int rc;
    if (c->change == CH_ADD) {
        rc = rec_get(txn, c->name, &c->after);
        if (rc == 0)
            return RND_EEXIST;
        if (rc != RND_ENOTFOUND)
            return rc;
        c->after = *c->fresh;
        rc = rec_put(txn, &c->after);
        return rc ? rc
                  : srv_index_add(txn, INDEX_KEY, c->name, srv_index_bytes_cmp);
    }
    rc = rec_get(txn, c->name, &c->after);
    if (rc)
        return rc;
    srv_account *a = &c->after.a;
    switch (c->change) {
    case CH_PASSWD:
        snprintf(c->after.hash, sizeof c->after.hash, "%s", c->hash);
        a->pw_set_ms = c->now_ms;
        a->fails = 0;
        a->locked_until_ms = 0;
        break;
    case CH_GRANTS:
        memcpy(a->grants, c->grants, sizeof *c->grants * (size_t)c->ngrants);
        a->ngrants = c->ngrants;
        break;
    case CH_DISABLE:
    case CH_ENABLE:
        a->disabled = c->change == CH_DISABLE;
        break;
    case CH_UNLOCK:
        a->fails = 0;
        a->locked_until_ms = 0;
        break;
    case CH_LOGIN_OK:
        a->fails = 0;
        a->locked_until_ms = 0;
        a->last_login_ms = c->now_ms;
        break;
    case CH_LOGIN_FAIL:
        if (a->locked_until_ms && a->locked_until_ms <= c->now_ms)
            a->locked_until_ms = 0; /* an old lock ended: count afresh */
        a->fails++;
        if (a->fails >= SRV_ACCT_TRIES) {
            a->locked_until_ms = c->now_ms + SRV_ACCT_LOCK_MS;
            a->fails = 0;
        }
        break;
    }
    return rec_put(txn, &c->after);
}

static int change(store *reg, change_ctx *c)
{
    return store_write(reg, apply, c);
}

int srv_acct_add(store *reg, const char *name, const char *password,
                 const srv_grant *g, int ngrants, const char *by,
                 int64_t now_ms, char *msg, size_t cap)
{
    if (!name_ok(name))
        return say(msg, cap, RND_EFIELD,
                   "field 'name': an account name is 1 to 32 of a-z, 0-9, "
                   "'.', '_', '-', starting with a letter or digit");
    int rc = password_ok(password, msg, cap);
    if (rc == 0)
        rc = grants_ok(g, ngrants, msg, cap);
    if (rc)
        return rc;
    rec *r = calloc(1, sizeof *r);
    if (r == NULL)
        return RND_ENOMEM;
    snprintf(r->a.name, sizeof r->a.name, "%s", name);
    memcpy(r->a.grants, g, sizeof *g * (size_t)ngrants);
    r->a.ngrants = ngrants;
    r->a.created_ms = r->a.pw_set_ms = now_ms;
    snprintf(r->a.created_by, sizeof r->a.created_by, "%s", by ? by : "office");
    rc = proto_secret_hash(password, strlen(password), r->hash, sizeof r->hash);
    if (rc == 0) {
        change_ctx c = {.change = CH_ADD, .name = name, .fresh = r};
        rc = change(reg, &c);
    }
    free(r);
    if (rc == RND_EEXIST)
        say(msg, cap, rc, "field 'name': an account of that name exists");
    else if (rc)
        say(msg, cap, rc, rnd_strerror(rc));
    return rc;
}

int srv_acct_passwd(store *reg, const char *name, const char *password,
                    int64_t now_ms, char *msg, size_t cap)
{
    char hash[PROTO_PIN_HASH_MAX + 1];
    int rc = password_ok(password, msg, cap);
    if (rc)
        return rc;
    rc = proto_secret_hash(password, strlen(password), hash, sizeof hash);
    if (rc == 0) {
        change_ctx c = {
            .change = CH_PASSWD, .name = name, .hash = hash, .now_ms = now_ms};
        rc = change(reg, &c);
    }
    if (rc)
        say(msg, cap, rc,
            rc == RND_ENOTFOUND ? "no account of that name" : rnd_strerror(rc));
    return rc;
}

int srv_acct_set_grants(store *reg, const char *name, const srv_grant *g,
                        int ngrants, char *msg, size_t cap)
{
    int rc = grants_ok(g, ngrants, msg, cap);
    if (rc)
        return rc;
    change_ctx c = {
        .change = CH_GRANTS, .name = name, .grants = g, .ngrants = ngrants};
    rc = change(reg, &c);
    if (rc)
        say(msg, cap, rc,
            rc == RND_ENOTFOUND ? "no account of that name" : rnd_strerror(rc));
    return rc;
}

int srv_acct_set_disabled(store *reg, const char *name, int disabled)
{
    change_ctx c = {.change = disabled ? CH_DISABLE : CH_ENABLE, .name = name};
    return change(reg, &c);
}

int srv_acct_unlock(store *reg, const char *name)
{
    change_ctx c = {.change = CH_UNLOCK, .name = name};
    return change(reg, &c);
}

/* ---- reads -------------------------------------------------------------- */

int srv_acct_get(store *reg, const char *name, srv_account *out)
{
    store_txn *txn;
    rec *r = calloc(1, sizeof *r);
    if (r == NULL)
        return RND_ENOMEM;
    int rc = store_read_begin(reg, &txn);
    if (rc == 0) {
        rc = rec_get(txn, name, r);
        store_read_end(txn);
    }
    if (rc == 0)
        *out = r->a;
    free(r);
    return rc;
}

typedef struct each_ctx {
    store_txn *txn;
    rec *r;
    int (*cb)(const srv_account *a, void *ctx);
    void *ctx;
} each_ctx;

static int each_cb(const char *name, size_t len, void *arg)
{
    each_ctx *e = arg;
    char buf[SRV_ACCT_NAME_MAX + 1];
    if (len >= sizeof buf)
        return RND_ECORRUPT;
    memcpy(buf, name, len);
    buf[len] = '\0';
    int rc = rec_get(e->txn, buf, e->r);
    return rc ? rc : e->cb(&e->r->a, e->ctx);
}

int srv_acct_each(store *reg, int (*cb)(const srv_account *a, void *ctx),
                  void *ctx)
{
    store_txn *txn;
    rec *r = calloc(1, sizeof *r);
    if (r == NULL)
        return RND_ENOMEM;
    int rc = store_read_begin(reg, &txn);
    if (rc == 0) {
        each_ctx e = {txn, r, cb, ctx};
        rc = srv_index_each(txn, INDEX_KEY, each_cb, &e);
        store_read_end(txn);
    }
    free(r);
    return rc == 1 ? 0 : rc;
}

/* ---- login -------------------------------------------------------------- */

/* A hash of no password, to spend on an unknown name the time a known
 * one costs. Made once; a race makes it twice, harmlessly. */
static const char *decoy_hash(void)
{
    static char hash[PROTO_PIN_HASH_MAX + 1];
    static int made;
    if (!made &&
        proto_secret_hash("no such account", 15, hash, sizeof hash) == 0)
        made = 1;
    return made ? hash : NULL;
}

int srv_acct_login(store *reg, const char *name, const char *password,
                   int64_t now_ms, srv_account *out, int *tries_left)
{
    size_t pl = password ? strlen(password) : 0;
    rec *r = calloc(1, sizeof *r);
    int left = -1, rc;
    if (r == NULL)
        return RND_ENOMEM;
    memset(out, 0, sizeof *out);
    store_txn *txn;
    rc = store_read_begin(reg, &txn);
    if (rc == 0) {
        rc = name_ok(name) ? rec_get(txn, name, r) : RND_ENOTFOUND;
        store_read_end(txn);
    }
    if (rc == RND_ENOTFOUND) {
        const char *d = decoy_hash();
        if (d && pl > 0 && pl <= SRV_ACCT_PW_MAX)
            (void)proto_secret_verify(d, strlen(d), password, pl);
        rc = RND_EAUTH;
        goto out;
    }
    if (rc)
        goto out;
    if (r->a.locked_until_ms > now_ms) {
        *out = r->a;
        rc = RND_ELOCKOUT;
        goto out;
    }
    int v = pl > 0 && pl <= SRV_ACCT_PW_MAX
                ? proto_secret_verify(r->hash, strlen(r->hash), password, pl)
                : RND_EAUTH;
    if (v != 0 && v != RND_EAUTH) {
        rc = v; /* a damaged hash or no memory: not the person's fault */
        goto out;
    }
    if (r->a.disabled) { /* refused like a wrong password, not counted */
        rc = RND_EAUTH;
        goto out;
    }
    change_ctx c = {.change = v == 0 ? CH_LOGIN_OK : CH_LOGIN_FAIL,
                    .name = name,
                    .now_ms = now_ms};
    rc = change(reg, &c);
    if (rc)
        goto out;
    *out = c.after.a;
    if (v == 0)
        rc = 0;
    else if (c.after.a.locked_until_ms > now_ms)
        rc = RND_ELOCKOUT;
    else {
        left = SRV_ACCT_TRIES - (int)c.after.a.fails;
        rc = RND_EAUTH;
    }
out:
    if (tries_left)
        *tries_left = left;
    memset(r, 0, sizeof *r);
    free(r);
    return rc;
}
