/* report_devices.c: `roundsd report devices` (docs/REPORTS.md,
 * "devices"): the registry's view of each enrolled handheld beside what the
 * site's store holds of it. */
#include "report_devices.h"

#include <string.h>

#include "../i18n/i18n.h"
#include "../report/chain.h"

#define HOUR_MS 3600000.0

/* The clock flag's limit: the caller's, else the default. */
static int64_t skew_ms(const rpt_params *p)
{
    return p->skew_limit_ms > 0 ? p->skew_limit_ms
                                : SRV_SKEW_LIMIT_MIN_DEFAULT * 60000LL;
}

typedef struct dev_ctx {
    store_txn *txn;
    const rpt_params *p;
    rpt_section *s;
    uint64_t total_ops;
    int64_t devices, revoked, never, stale, clock_flags, broken;
    int rc;
} dev_ctx;

/* The writer of an encoded op, read from its first elements (an array of
 * 10, the version, then the device id in any unsigned encoding) without
 * decoding the rest: the log walk below visits many ops. 0 if unreadable
 * (counted as another device's op). */
static uint64_t op_writer(const uint8_t *p, size_t len)
{
    if (len < 3 || p[0] != 0x9a || p[1] != PROTO_OP_VERSION)
        return 0;
    p += 2;
    len -= 2;
    uint8_t t = p[0];
    if (t < 0x80)
        return t;
    size_t n = t == 0xcc   ? 1
               : t == 0xcd ? 2
               : t == 0xce ? 4
               : t == 0xcf ? 8
                           : 0;
    if (n == 0 || len < 1 + n)
        return 0;
    uint64_t v = 0;
    for (size_t i = 1; i <= n; i++)
        v = (v << 8) | p[i];
    return v;
}

typedef struct behind_ctx {
    uint64_t device_id, n;
} behind_ctx;

static int behind_cb(const uint8_t *enc, size_t len, int64_t recv_ms,
                     void *vctx)
{
    (void)recv_ms;
    behind_ctx *b = vctx;
    if (op_writer(enc, len) != b->device_id)
        b->n++;
    return 0;
}

static int device_cb(const srv_device *d, void *vctx)
{
    dev_ctx *x = vctx;
    const rpt_params *p = x->p;
    char hex[17];
    rpt_chain c;
    memset(&c, 0, sizeof c);
    if (d->device_id) {
        srv_hex64(d->device_id, hex);
        if (p->no_chain) {
            uint64_t max = 0;
            if ((x->rc = store_device_max_seq(x->txn, d->device_id, &max)) != 0)
                return x->rc;
            c.ops = max;
        } else if ((x->rc = rpt_chain_check(x->txn, d->device_id, NULL, &c,
                                            NULL, NULL)) != 0) {
            return x->rc;
        }
    }
    /* Ops behind: the site's ops (not the device's own) at or after the
     * log position its next pull starts at. */
    rpt_cell behind = rpt_null();
    if (d->have_pull) {
        behind_ctx b = {d->device_id, 0};
        uint64_t next;
        if ((x->rc = store_log_each(x->txn, d->pull_cursor, behind_cb, &b,
                                    &next)) != 0)
            return x->rc;
        behind = rpt_i((int64_t)b.n);
    } else if (d->last_sync_ms == 0) {
        behind = rpt_i((int64_t)(x->total_ops - c.ops)); /* never pulled */
    }
    char clock[48];
    const char *flag;
    srv_clock_verdict(d, skew_ms(x->p), clock, sizeof clock, &flag);
    int flagged = strcmp(flag, "ok") != 0 && strcmp(flag, "unknown") != 0;
    rpt_cell row[] = {rpt_s(d->name),
                      d->device_id ? rpt_s(hex) : rpt_null(),
                      rpt_t(d->enrolled_ms),
                      rpt_t(d->last_sync_ms),
                      d->last_sync_ms
                          ? rpt_r((double)(p->now - d->last_sync_ms) / HOUR_MS)
                          : rpt_null(),
                      rpt_i((int64_t)c.ops),
                      behind,
                      rpt_s(clock),
                      rpt_s(flag),
                      c.ops && !p->no_chain ? rpt_b(c.ok) : rpt_null(),
                      rpt_b(d->revoked)};
    if ((x->rc = rpt_row(x->s, row)) != 0)
        return x->rc;
    x->devices++;
    x->revoked += d->revoked != 0;
    x->never += d->last_sync_ms == 0;
    x->stale += d->last_sync_ms < p->from;
    x->clock_flags += flagged;
    x->broken += c.ops && !c.ok && !p->no_chain;
    return 0;
}

int srv_report_devices(srv_registry *r, store_txn *txn, const rpt_params *p,
                       rpt_doc *d)
{
    rpt_doc_init(d, "devices", N_("Devices"), p->site, p->from, p->to, p->now,
                 p->tz_min);
    /* Keys marked for the catalogue: the dashboard titles them in words
     * (i18n_tr_lang), the CLIs print them as they are. */
    static const char *const cols[] = {N_("name"),
                                       N_("device_id"),
                                       N_("enrolled"),
                                       N_("last_sync"),
                                       N_("hours_since_sync"),
                                       N_("ops_held"),
                                       N_("ops_behind"),
                                       N_("clock"),
                                       N_("clock_flag"),
                                       N_("chain_verified"),
                                       N_("revoked")};
    dev_ctx x = {.txn = txn, .p = p};
    x.s = rpt_section_add(d, "devices", N_("Handhelds"), cols, 11);
    if (x.s == NULL)
        return RND_ENOMEM;
    int rc = store_op_count(txn, &x.total_ops);
    if (rc)
        return rc;
    rc = srv_registry_each(r, p->site, device_cb, &x);
    if (rc == 0)
        rc = x.rc;
    if (rc)
        return rc;
    if ((rc = rpt_summary(d, N_("devices"), rpt_i(x.devices))) ||
        (rc = rpt_summary(d, N_("revoked"), rpt_i(x.revoked))) ||
        (rc = rpt_summary(d, N_("never_synced"), rpt_i(x.never))) ||
        (rc = rpt_summary(d, N_("not_synced_in_window"), rpt_i(x.stale))) ||
        (rc = rpt_summary(d, N_("clock_flags"), rpt_i(x.clock_flags))) ||
        (rc = rpt_summary(d, N_("chains_broken"), rpt_i(x.broken))) ||
        (rc = rpt_summary(d, N_("skew_limit_min"), rpt_i(skew_ms(p) / 60000))))
        return rc;
    return 0;
}
