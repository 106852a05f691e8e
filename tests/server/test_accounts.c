/* test_accounts.c: the dashboard's office accounts (accounts.h): names,
 * passwords and grants checked; roles per site and "*"; a login counted
 * durably, locked at the 5th failure in a row even for the right password,
 * open again once the lock's time has passed or after passwd; disabled
 * and unknown accounts refused alike; the listing sorted; records and
 * counts surviving a reopen; a damaged record reported, not crashed on. */
#include <stdio.h>
#include <string.h>

#include "accounts.h"
#include "srvtest.h"

#define PW "correct horse battery"

typedef struct names {
    char got[8][SRV_ACCT_NAME_MAX + 1];
    int n;
} names;

static int collect(const srv_account *a, void *ctx)
{
    names *c = ctx;
    snprintf(c->got[c->n++], sizeof c->got[0], "%s", a->name);
    return 0;
}

/* Writes a record whose grants are a number, not an array. */
static int damage(store_txn *txn, void *ctx)
{
    (void)ctx;
    return store_meta_put(txn, "acct/zoe", "\x81\xa1g\x01", 4);
}

static void grants(srv_grant *g, const char *a, const char *b, int *n)
{
    char msg[160];
    *n = 0;
    ASSERT_OK(srv_grant_parse(a, &g[(*n)++], msg, sizeof msg));
    if (b)
        ASSERT_OK(srv_grant_parse(b, &g[(*n)++], msg, sizeof msg));
}

int main(void)
{
    harness h;
    h_init(&h, "accounts", 0);
    store *reg = srv_registry_store(h.reg);
    srv_grant g[4];
    int ng;
    char msg[256];
    int64_t now = h.now;

    /* What is refused, and named. */
    grants(g, "east=clerk", NULL, &ng);
    ASSERT_EQ(srv_acct_add(reg, "Alice", PW, g, ng, "t", now, msg, sizeof msg),
              RND_EFIELD);
    ASSERT(strstr(msg, "field 'name'") != NULL);
    ASSERT_EQ(
        srv_acct_add(reg, "alice", "short", g, ng, "t", now, msg, sizeof msg),
        RND_EFIELD);
    ASSERT(strstr(msg, "field 'password'") != NULL);
    ASSERT_EQ(srv_grant_parse("east=boss", g, msg, sizeof msg), RND_EINVAL);
    ASSERT_EQ(srv_grant_parse("../x=admin", g, msg, sizeof msg), RND_EINVAL);
    ASSERT_EQ(srv_grant_parse("east", g, msg, sizeof msg), RND_EINVAL);
    srv_grant dup[2];
    grants(dup, "east=clerk", "east=admin", &ng);
    ASSERT_EQ(srv_acct_add(reg, "alice", PW, dup, 2, "t", now, msg, sizeof msg),
              RND_EFIELD);
    ASSERT(strstr(msg, "field 'grant'") != NULL);

    /* Two accounts; roles per site, "*" for all. */
    grants(g, "east=clerk", "*=manager", &ng);
    ASSERT_OK(srv_acct_add(reg, "zoe", PW, g, ng, "t", now, msg, sizeof msg));
    grants(g, "east=admin", NULL, &ng);
    ASSERT_OK(srv_acct_add(reg, "alice", PW, g, ng, "t", now, msg, sizeof msg));
    ASSERT_EQ(srv_acct_add(reg, "alice", PW, g, ng, "t", now, msg, sizeof msg),
              RND_EEXIST);
    names c = {0};
    ASSERT_OK(srv_acct_each(reg, collect, &c));
    ASSERT_EQ(c.n, 2);
    ASSERT_STR_EQ(c.got[0], "alice");
    ASSERT_STR_EQ(c.got[1], "zoe");
    srv_account a;
    ASSERT_OK(srv_acct_get(reg, "zoe", &a));
    ASSERT_EQ(srv_acct_role(&a, "east"), SRV_ROLE_MANAGER);
    ASSERT_EQ(srv_acct_role(&a, "west"), SRV_ROLE_MANAGER);
    ASSERT_OK(srv_acct_get(reg, "alice", &a));
    ASSERT_EQ(srv_acct_role(&a, "east"), SRV_ROLE_ADMIN);
    ASSERT_EQ(srv_acct_role(&a, "west"), SRV_ROLE_NONE);
    ASSERT_EQ(srv_acct_top_role(&a), SRV_ROLE_ADMIN);

    /* Logins: right, then four wrong ones counted down, the fifth locks,
     * and the right password is refused while locked. */
    int left = 99;
    ASSERT_OK(srv_acct_login(reg, "alice", PW, now, &a, &left));
    ASSERT_EQ(a.last_login_ms, now);
    for (int i = 1; i < SRV_ACCT_TRIES; i++) {
        ASSERT_EQ(
            srv_acct_login(reg, "alice", "wrong password!", now + i, &a, &left),
            RND_EAUTH);
        ASSERT_EQ(left, SRV_ACCT_TRIES - i);
    }
    ASSERT_EQ(
        srv_acct_login(reg, "alice", "wrong password!", now + 10, &a, &left),
        RND_ELOCKOUT);
    ASSERT_EQ(a.locked_until_ms, now + 10 + SRV_ACCT_LOCK_MS);
    ASSERT_EQ(srv_acct_login(reg, "alice", PW, now + 20, &a, &left),
              RND_ELOCKOUT);
    /* The count is durable: a reopened registry still has the lock. */
    srv_registry_close(h.reg);
    ASSERT_OK(srv_registry_open(h.dir, 0, &h.reg));
    reg = srv_registry_store(h.reg);
    ASSERT_EQ(srv_acct_login(reg, "alice", PW, now + 30, &a, &left),
              RND_ELOCKOUT);
    /* Once the lock's time has passed, the right password opens. */
    ASSERT_OK(srv_acct_login(reg, "alice", PW, now + 10 + SRV_ACCT_LOCK_MS, &a,
                             &left));
    ASSERT_EQ(a.fails, 0);
    /* passwd clears a lock at once. */
    for (int i = 0; i < SRV_ACCT_TRIES; i++)
        srv_acct_login(reg, "zoe", "wrong password!", now, &a, &left);
    ASSERT_EQ(srv_acct_login(reg, "zoe", PW, now, &a, &left), RND_ELOCKOUT);
    ASSERT_OK(srv_acct_passwd(reg, "zoe", "a new long password", now, msg,
                              sizeof msg));
    ASSERT_EQ(srv_acct_login(reg, "zoe", PW, now, &a, &left), RND_EAUTH);
    ASSERT_OK(
        srv_acct_login(reg, "zoe", "a new long password", now, &a, &left));
    /* unlock, too. */
    for (int i = 0; i < SRV_ACCT_TRIES; i++)
        srv_acct_login(reg, "zoe", "wrong password!", now, &a, &left);
    ASSERT_OK(srv_acct_unlock(reg, "zoe"));
    ASSERT_OK(
        srv_acct_login(reg, "zoe", "a new long password", now, &a, &left));

    /* Unknown and disabled accounts: EAUTH, no count to show. */
    ASSERT_EQ(srv_acct_login(reg, "nobody", PW, now, &a, &left), RND_EAUTH);
    ASSERT_EQ(left, -1);
    ASSERT_EQ(srv_acct_login(reg, "../x", PW, now, &a, &left), RND_EAUTH);
    ASSERT_OK(srv_acct_set_disabled(reg, "alice", 1));
    ASSERT_EQ(
        srv_acct_login(reg, "alice", PW, now + SRV_ACCT_LOCK_MS * 2, &a, &left),
        RND_EAUTH);
    ASSERT_OK(srv_acct_get(reg, "alice", &a));
    ASSERT_EQ(srv_acct_role(&a, "east"), SRV_ROLE_NONE);
    ASSERT_OK(srv_acct_set_disabled(reg, "alice", 0));
    ASSERT_OK(srv_acct_login(reg, "alice", PW, now + SRV_ACCT_LOCK_MS * 2, &a,
                             &left));

    /* Grants replaced. */
    grants(g, "west=clerk", NULL, &ng);
    ASSERT_OK(srv_acct_set_grants(reg, "alice", g, ng, msg, sizeof msg));
    ASSERT_OK(srv_acct_get(reg, "alice", &a));
    ASSERT_EQ(srv_acct_role(&a, "east"), SRV_ROLE_NONE);
    ASSERT_EQ(srv_acct_role(&a, "west"), SRV_ROLE_CLERK);
    ASSERT_EQ(srv_acct_unlock(reg, "nobody"), RND_ENOTFOUND);

    /* A damaged record is reported. */
    ASSERT_OK(store_write(reg, damage, NULL));
    ASSERT_EQ(srv_acct_get(reg, "zoe", &a), RND_ECORRUPT);
    ASSERT_EQ(srv_acct_login(reg, "zoe", PW, now, &a, &left), RND_ECORRUPT);

    h_free(&h);
    printf("test_accounts: ok\n");
    return 0;
}
