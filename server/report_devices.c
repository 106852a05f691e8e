/* report_devices.c: `roundsd report devices` (docs/REPORTS.md,
 * "devices"): the registry's view of each enrolled handheld beside what the
 * site's store holds of it. */
#include "report_devices.h"

#include <stdlib.h>
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

/* Ops behind, counted for every handheld in one walk of the log: each
 * device's count is the entries at or after its pull cursor less its own
 * among them. A walk per device (from its cursor, reading each op) took
 * 200-800 ms for 100 handhelds on a 20,000-op site: the board of every
 * shift change. */
typedef struct behind_dev {
    uint64_t device_id, cursor;
    uint64_t seen_before; /* log entries walked before its cursor */
    uint64_t own;         /* its own ops at or after its cursor */
} behind_dev;

typedef struct behind_all {
    behind_dev *devs; /* sorted by device id */
    behind_dev **by_cursor;
    size_t n, cap, next; /* next: by_cursor's first not yet reached */
    uint64_t seen;
} behind_all;

static int cmp_id(const void *a, const void *b)
{
    uint64_t x = ((const behind_dev *)a)->device_id;
    uint64_t y = ((const behind_dev *)b)->device_id;
    return x < y ? -1 : x > y;
}

static int cmp_cursor(const void *a, const void *b)
{
    uint64_t x = (*(behind_dev *const *)a)->cursor;
    uint64_t y = (*(behind_dev *const *)b)->cursor;
    return x < y ? -1 : x > y;
}

static int behind_add(const srv_device *d, void *vctx)
{
    behind_all *a = vctx;
    if (!d->have_pull || d->device_id == 0)
        return 0;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        behind_dev *g = realloc(a->devs, cap * sizeof *g);
        if (g == NULL)
            return RND_ENOMEM;
        a->devs = g;
        a->cap = cap;
    }
    a->devs[a->n++] = (behind_dev){d->device_id, d->pull_cursor, 0, 0};
    return 0;
}

static int behind_walk(uint64_t pos, uint64_t device_id, void *vctx)
{
    behind_all *a = vctx;
    while (a->next < a->n && a->by_cursor[a->next]->cursor <= pos)
        a->by_cursor[a->next++]->seen_before = a->seen;
    a->seen++;
    behind_dev key = {.device_id = device_id};
    behind_dev *d = bsearch(&key, a->devs, a->n, sizeof key, cmp_id);
    if (d && d->cursor <= pos)
        d->own++;
    return 0;
}

static void behind_free(behind_all *a)
{
    free(a->devs);
    free(a->by_cursor);
}

/* Fills a with every pulled device of p's site and walks the log once. */
static int behind_count(srv_registry *r, store_txn *txn, const rpt_params *p,
                        behind_all *a)
{
    memset(a, 0, sizeof *a);
    int rc = srv_registry_each(r, p->site, behind_add, a);
    if (rc || a->n == 0)
        return rc;
    a->by_cursor = malloc(a->n * sizeof *a->by_cursor);
    if (a->by_cursor == NULL)
        return RND_ENOMEM;
    qsort(a->devs, a->n, sizeof *a->devs, cmp_id);
    for (size_t i = 0; i < a->n; i++)
        a->by_cursor[i] = &a->devs[i];
    qsort(a->by_cursor, a->n, sizeof *a->by_cursor, cmp_cursor);
    rc = store_log_writers(txn, a->by_cursor[0]->cursor, behind_walk, a);
    while (a->next < a->n) /* cursors past the last entry */
        a->by_cursor[a->next++]->seen_before = a->seen;
    return rc;
}

/* The ops behind of one pulled device (behind_count ran). */
static int64_t behind_of(const behind_all *a, uint64_t device_id)
{
    behind_dev key = {.device_id = device_id};
    const behind_dev *d = bsearch(&key, a->devs, a->n, sizeof key, cmp_id);
    return d ? (int64_t)(a->seen - d->seen_before - d->own) : 0;
}

typedef struct dev_ctx {
    store_txn *txn;
    const rpt_params *p;
    rpt_section *s;
    uint64_t total_ops;
    behind_all behind;
    int64_t devices, revoked, never, stale, clock_flags, broken;
    int rc;
} dev_ctx;

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
    if (d->have_pull && d->device_id) { /* bound: it has pulled */
        behind = rpt_i(behind_of(&x->behind, d->device_id));
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
    rc = behind_count(r, txn, p, &x.behind);
    if (rc == 0)
        rc = srv_registry_each(r, p->site, device_cb, &x);
    if (rc == 0)
        rc = x.rc;
    behind_free(&x.behind);
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
