/* accounts.h: the office's accounts for roundsd's dashboard: a name, a
 * password hashed with Argon2id (libargon2, proto/pin.c's parameters),
 * roles per site, a disabled flag, and the failed logins that lock it.
 *
 * Stored in the registry's store (srv_registry_store), meta table:
 *   "acct/<name>" -> a record (MessagePack map, accounts.c says which keys)
 *   "acct-index"  -> MessagePack array of every account name, sorted
 * so backup and restore carry them with the registry. Accounts never
 * reach a handheld.
 *
 * Names: 1..SRV_ACCT_NAME_MAX bytes of [a-z0-9._-], starting with a
 * letter or digit. Passwords: SRV_ACCT_PW_MIN..SRV_ACCT_PW_MAX bytes.
 * Roles: clerk < manager < admin; a grant gives one role on one site, or
 * on every site ("*"). An account's role on a site is its highest grant
 * there.
 *
 * Lockout: SRV_ACCT_TRIES failed logins in a row lock the account for
 * SRV_ACCT_LOCK_MS; each failure is committed before the answer; a good
 * login, `roundsd user passwd` or `roundsd user unlock` clears the count.
 *
 * Every function that writes does one durable store_write. Not
 * thread-safe by itself: the caller serialises (the dashboard holds
 * dash_registry_lock). Errors are 0 or a negative RND_E* code.
 */
#ifndef RND_SRV_ACCOUNTS_H
#define RND_SRV_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "../storage/store.h"
#include "site.h"

#define SRV_ACCT_NAME_MAX 32
#define SRV_ACCT_PW_MIN 10
#define SRV_ACCT_PW_MAX 128
#define SRV_ACCT_GRANTS_MAX 32
#define SRV_ACCT_TRIES 5
#define SRV_ACCT_LOCK_MS (15 * 60 * 1000)

enum srv_role {
    SRV_ROLE_NONE = 0,
    SRV_ROLE_CLERK = 1,
    SRV_ROLE_MANAGER = 2,
    SRV_ROLE_ADMIN = 3,
};

/* "clerk", "manager", "admin" ("none" for 0). Static. */
const char *srv_role_name(int role);
/* The inverse: 0, or RND_EINVAL for an unknown name. */
int srv_role_parse(const char *name, int *role);

typedef struct srv_grant {
    char site[SRV_NAME_MAX + 1]; /* a site name, or "*" for every site */
    int role;                    /* SRV_ROLE_CLERK .. SRV_ROLE_ADMIN */
} srv_grant;

typedef struct srv_account {
    char name[SRV_ACCT_NAME_MAX + 1];
    int disabled;
    srv_grant grants[SRV_ACCT_GRANTS_MAX];
    int ngrants;
    uint32_t fails;          /* failed logins in a row */
    int64_t locked_until_ms; /* 0: not locked */
    int64_t created_ms, pw_set_ms, last_login_ms;
    char created_by[SRV_ACCT_NAME_MAX + 8];
} srv_account;

/* "SITE=ROLE" (or "*=ROLE") into *g: 0, RND_EINVAL naming what is wrong
 * in msg (cap bytes). */
int srv_grant_parse(const char *text, srv_grant *g, char *msg, size_t cap);

/* The account's role on site (its highest grant there, "*" included);
 * SRV_ROLE_NONE when it has none or is disabled. */
int srv_acct_role(const srv_account *a, const char *site);
/* Its highest role on any site. */
int srv_acct_top_role(const srv_account *a);

/* Creates an account. RND_EEXIST when the name is taken, RND_EFIELD
 * (name, password or grants malformed: msg names which), storage errors. */
int srv_acct_add(store *reg, const char *name, const char *password,
                 const srv_grant *g, int ngrants, const char *by,
                 int64_t now_ms, char *msg, size_t cap);
/* A new password; clears failures and lockout. RND_ENOTFOUND. */
int srv_acct_passwd(store *reg, const char *name, const char *password,
                    int64_t now_ms, char *msg, size_t cap);
/* Replaces the grants. */
int srv_acct_set_grants(store *reg, const char *name, const srv_grant *g,
                        int ngrants, char *msg, size_t cap);
/* Disables (1) or enables (0). A disabled account cannot log in and its
 * sessions end at their next request. */
int srv_acct_set_disabled(store *reg, const char *name, int disabled);
/* Clears failures and lockout. */
int srv_acct_unlock(store *reg, const char *name);

/* Reads one account (no secret in it). RND_ENOTFOUND. */
int srv_acct_get(store *reg, const char *name, srv_account *out);
/* Every account, sorted by name; a non-zero return of cb stops (1:
 * success). */
int srv_acct_each(store *reg, int (*cb)(const srv_account *a, void *ctx),
                  void *ctx);

/* Checks a login at now_ms. 0 with *out filled (failures cleared, last
 * login set); RND_EAUTH for an unknown name, a wrong password or a
 * disabled account (the count of a known account is committed first;
 * *tries_left says how many before the lock, -1 when unknown);
 * RND_ELOCKOUT while locked (out->locked_until_ms says until when).
 * Takes about as long for an unknown name as for a known one. */
int srv_acct_login(store *reg, const char *name, const char *password,
                   int64_t now_ms, srv_account *out, int *tries_left);

#endif
