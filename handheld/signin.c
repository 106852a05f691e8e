/* signin.c: who is holding the handheld, proven by a PIN (handheld.h,
 * "People"; docs/DATA-MODEL.md, "PINs"). The office's staff records
 * carry each person's Argon2id PIN hash; sign-in verifies a typed PIN
 * against it offline, counts wrong PINs durably per person on this device
 * and locks after HH_PIN_TRIES in a row, until the office sets a new PIN
 * (a new hash resets the count). records.c asks hh__by_check whether a
 * record's "by" may be written: a person with a PIN only by themselves,
 * signed in.
 *
 * Meta keys (the device's own, never synced):
 *   "signed_in"       the PIN-verified staff id, "" when nobody;
 *   "pin_fail/<id>"   4 bytes: wrong PINs in a row (little-endian), then
 *                     8 bytes: the first bytes of SHA-256 of the hash
 *                     they were counted against.
 */
#include <stdio.h>
#include <string.h>

#include "../proto/pin.h"
#include "../proto/utf8.h"
#include "../proto/sha256.h"
#include "hh_internal.h"

#define fail hh__fail
#define store_fail hh__store_fail

#define META_SIGNED_IN "signed_in"
#define FAIL_PREFIX "pin_fail/"

/* A staff member's record as the handheld holds it. */
typedef struct staff_rec {
    int found; /* an active staff record */
    int has_pin;
    char hash[PROTO_PIN_HASH_MAX + 1];
    size_t hash_len;
    uint8_t tag[8]; /* SHA-256(hash)[0..8) */
} staff_rec;

static int staff_get(store_txn *t, const char *staff, staff_rec *out)
{
    static _Thread_local fold_state st;
    char site[STORE_NAME_MAX];
    uint8_t id[PROTO_ENTITY_LEN], sha[PROTO_SHA256_LEN];
    const uint8_t *state;
    size_t len;
    int kind;

    memset(out, 0, sizeof *out);
    hh__meta_str(t, "site", site, sizeof site);
    proto_md_entity_id(PROTO_KIND_STAFF, site, staff, strlen(staff), id);
    int rc = store_entity_get(t, id, &kind, &state, &len);
    if (rc == RND_ENOTFOUND)
        return 0;
    if (rc || (rc = fold_state_parse(state, len, &st)) != 0)
        return rc;
    if (kind != PROTO_KIND_STAFF || strcmp(st.status, "active") != 0)
        return 0;
    out->found = 1;
    const proto_field *f = fold_state_field(&st, "pin_hash");
    if (f && f->type == PROTO_STR && f->str_len > 0 &&
        f->str_len <= PROTO_PIN_HASH_MAX) {
        out->has_pin = 1;
        memcpy(out->hash, f->str, f->str_len);
        out->hash[f->str_len] = '\0';
        out->hash_len = f->str_len;
        proto_sha256(f->str, f->str_len, sha);
        memcpy(out->tag, sha, sizeof out->tag);
    } else if (f && f->type == PROTO_STR && f->str_len > 0) {
        out->has_pin = 1; /* too long: verification refuses it */
        out->hash_len = f->str_len;
    }
    return 0;
}

static void fail_key(const char *staff, char *key, size_t cap)
{
    snprintf(key, cap, FAIL_PREFIX "%s", staff);
}

/* Wrong PINs in a row against the staff record's current hash. */
static uint32_t fails_get(store_txn *t, const char *staff, const staff_rec *r)
{
    char key[STORE_NAME_MAX + 16];
    const void *v;
    size_t len;
    fail_key(staff, key, sizeof key);
    if (store_meta_get(t, key, &v, &len) != 0 || len != 12)
        return 0;
    const uint8_t *b = v;
    if (memcmp(b + 4, r->tag, 8) != 0)
        return 0; /* counted against an older PIN */
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
           (uint32_t)b[3] << 24;
}

static int fails_put(store_txn *t, const char *staff, const staff_rec *r,
                     uint32_t n)
{
    char key[STORE_NAME_MAX + 16];
    uint8_t b[12] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16),
                     (uint8_t)(n >> 24)};
    memcpy(b + 4, r->tag, 8);
    fail_key(staff, key, sizeof key);
    return store_meta_put(t, key, b, sizeof b);
}

static int staff_ok(hh *h, const char *staff)
{
    size_t n = staff ? strlen(staff) : 0;
    if (n == 0 || n >= STORE_NAME_MAX)
        return fail(h, RND_EFIELD,
                    "field 'staff': give a staff id of 1..%d "
                    "bytes",
                    STORE_NAME_MAX - 1);
    size_t at;
    const char *why;
    if (proto_utf8_check(staff, n, PROTO_TEXT_LINE, &at, &why))
        return fail(h, RND_EFIELD, "field 'staff': %s at byte %zu", why, at);
    return 0;
}

typedef struct signin_ctx {
    hh *h;
    const char *staff, *pin;
    int verdict; /* 0, or the refusal committed with its failure count */
} signin_ctx;

static int signin_fn(store_txn *t, void *arg)
{
    signin_ctx *c = arg;
    staff_rec r;
    const char *why = NULL;
    int rc = staff_get(t, c->staff, &r);

    c->verdict = 0;
    if (rc)
        return store_fail(c->h, rc);
    if (!r.found)
        return fail(c->h, RND_ENOTFOUND,
                    "signin: '%s' is not on this handheld's staff list "
                    "(sync to get the office's changes)",
                    c->staff);
    if (!r.has_pin)
        return fail(c->h, RND_EFIELD,
                    "signin: field 'pin': %s has no PIN yet: ask the office "
                    "to set one ('roundsd staff pin')",
                    c->staff);
    if (r.hash_len > PROTO_PIN_HASH_MAX ||
        proto_pin_hash_check(r.hash, r.hash_len, &why) != 0)
        return fail(c->h, RND_EMALFORMED,
                    "signin: the PIN hash the office sent for %s is not one "
                    "this handheld accepts (%s): ask the office to set the "
                    "PIN again",
                    c->staff, why ? why : "too long");
    uint32_t fails = fails_get(t, c->staff, &r);
    if (fails >= HH_PIN_TRIES)
        return fail(c->h, RND_ELOCKOUT,
                    "signin: %s is locked on this handheld after %d wrong "
                    "PINs: ask the office for a new PIN, then sync",
                    c->staff, HH_PIN_TRIES);
    rc = proto_pin_verify(r.hash, r.hash_len, c->pin);
    if (rc == RND_EAUTH) {
        fails++;
        if ((rc = fails_put(t, c->staff, &r, fails)) != 0)
            return store_fail(c->h, rc);
        c->verdict = fails >= HH_PIN_TRIES ? RND_ELOCKOUT : RND_EAUTH;
        if (fails >= HH_PIN_TRIES)
            fail(c->h, RND_ELOCKOUT,
                 "signin: wrong PIN for %s: locked on this handheld after "
                 "%d wrong PINs: ask the office for a new PIN, then sync",
                 c->staff, HH_PIN_TRIES);
        else
            fail(c->h, RND_EAUTH, "signin: wrong PIN for %s: %u %s left",
                 c->staff, HH_PIN_TRIES - fails,
                 HH_PIN_TRIES - fails == 1 ? "try" : "tries");
        return 0; /* commit the count */
    }
    if (rc)
        return fail(c->h, rc, "signin: %s", rnd_strerror(rc));
    if ((fails && (rc = fails_put(t, c->staff, &r, 0)) != 0) ||
        (rc = store_meta_put(t, META_SIGNED_IN, c->staff, strlen(c->staff))) !=
            0 ||
        (rc = store_meta_put(t, "user", c->staff, strlen(c->staff))) != 0)
        return store_fail(c->h, rc);
    return 0;
}

int hh_signin(hh *h, const char *staff, const char *pin)
{
    signin_ctx c = {h, staff, pin, 0};
    h->err[0] = '\0';
    int rc = staff_ok(h, staff);
    if (rc)
        return rc;
    if (proto_pin_format_ok(pin) != 0)
        return fail(h, RND_EFIELD,
                    "signin: field 'pin': a PIN is %d to %d "
                    "digits",
                    PROTO_PIN_MIN, PROTO_PIN_MAX);
    rc = store_write(h->s, signin_fn, &c);
    if (rc)
        return h->err[0] ? rc : store_fail(h, rc);
    return c.verdict;
}

static int signout_fn(store_txn *t, void *arg)
{
    (void)arg;
    int rc = store_meta_put(t, META_SIGNED_IN, "", 0);
    return rc ? rc : store_meta_put(t, "user", "", 0);
}

int hh_signout(hh *h)
{
    int rc = store_write(h->s, signout_fn, NULL);
    return rc ? store_fail(h, rc) : 0;
}

int hh_signed_in(hh *h, char *out, size_t cap)
{
    char who[STORE_NAME_MAX];
    store_txn *t;
    int rc = store_read_begin(h->s, &t);
    if (rc)
        return store_fail(h, rc);
    hh__meta_str(t, META_SIGNED_IN, who, sizeof who);
    store_read_end(t);
    if (cap == 0 || strlen(who) >= cap) {
        if (cap)
            out[0] = '\0';
        return fail(h, RND_ENOSPACE, "signed in: the id does not fit");
    }
    memcpy(out, who, strlen(who) + 1);
    return 0;
}

int hh_pin_state_get(hh *h, const char *staff, hh_pin_state *out)
{
    staff_rec r;
    store_txn *t;
    memset(out, 0, sizeof *out);
    int rc = staff_ok(h, staff);
    if (rc)
        return rc;
    if ((rc = store_read_begin(h->s, &t)) != 0)
        return store_fail(h, rc);
    rc = staff_get(t, staff, &r);
    uint32_t fails = rc == 0 && r.has_pin ? fails_get(t, staff, &r) : 0;
    store_read_end(t);
    if (rc)
        return store_fail(h, rc);
    if (!r.found)
        return fail(h, RND_ENOTFOUND,
                    "'%s' is not on this handheld's staff "
                    "list",
                    staff);
    out->has_pin = r.has_pin;
    out->locked = r.has_pin && fails >= HH_PIN_TRIES;
    out->tries_left = !r.has_pin              ? 0
                      : fails >= HH_PIN_TRIES ? 0
                                              : HH_PIN_TRIES - (int)fails;
    return 0;
}

int hh__by_check(hh *h, const char *verb, const char *by, store_txn *t)
{
    char who[STORE_NAME_MAX];
    staff_rec r;
    if (by == NULL || *by == '\0' || strlen(by) >= STORE_NAME_MAX)
        return 0;
    int rc = staff_get(t, by, &r);
    if (rc)
        return store_fail(h, rc);
    if (!r.has_pin)
        return 0;
    hh__meta_str(t, META_SIGNED_IN, who, sizeof who);
    if (strcmp(who, by) == 0)
        return 0;
    return fail(h, RND_EFIELD,
                "%s: field 'by': %s has a PIN: sign in as %s first "
                "('rounds signin --staff %s')",
                verb, by, by, by);
}

int hh__user_check(hh *h, const char *user, store_txn *t)
{
    staff_rec r;
    if (*user == '\0')
        return 0;
    int rc = staff_get(t, user, &r);
    if (rc)
        return store_fail(h, rc);
    if (r.has_pin)
        return fail(h, RND_EFIELD,
                    "field 'user': %s has a PIN: sign in with 'rounds signin "
                    "--staff %s'",
                    user, user);
    return 0;
}
