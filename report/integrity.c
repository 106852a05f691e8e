/* integrity.c: every device's op chain verified end to end (chain.h), and
 * `roundsd report integrity` built from it (docs/REPORTS.md, "integrity").
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "chain.h"
#include "report.h"

typedef struct chain_walk {
    rpt_chain *c;
    rpt_chain_problem_fn fn;
    void *ctx;
    uint64_t expect; /* the seq the next op should have */
    int have_prev;   /* prev_hash is the hash of op prev_seq */
    uint64_t prev_seq;
    uint8_t prev_hash[PROTO_HASH_LEN];
    uint64_t flagged; /* last seq counted as altered or undecodable */
    proto_op op;
} chain_walk;

static int problem(chain_walk *w, uint64_t from, uint64_t to, const char *what,
                   const char *detail)
{
    return w->fn ? w->fn(w->c->device_id, from, to, what, detail, w->ctx) : 0;
}

/* Counts op seq as altered once, however many checks point at it. */
static int altered(chain_walk *w, uint64_t seq, const char *detail)
{
    if (w->flagged == seq)
        return 0;
    w->flagged = seq;
    w->c->altered++;
    return problem(w, seq, seq, "altered", detail);
}

static int walk_cb(uint64_t seq, const uint8_t *enc, size_t len,
                   int64_t recv_ms, void *vctx)
{
    (void)recv_ms;
    chain_walk *w = vctx;
    rpt_chain *c = w->c;
    int rc;
    char detail[128];
    c->ops++;
    if (c->first_seq == 0)
        c->first_seq = seq;
    c->last_seq = seq;
    if (seq > w->expect) {
        c->gaps++;
        c->missing += seq - w->expect;
        snprintf(detail, sizeof detail, "%" PRIu64 " op%s missing",
                 seq - w->expect, seq - w->expect == 1 ? "" : "s");
        if ((rc = problem(w, w->expect, seq - 1, "gap", detail)) != 0)
            return rc;
    }
    w->expect = seq + 1;
    uint8_t h[PROTO_HASH_LEN];
    proto_op_hash(enc, len, h);
    if (proto_op_decode(enc, len, &w->op) != 0) {
        c->undecodable++;
        w->flagged = seq;
        if ((rc = problem(w, seq, seq, "undecodable",
                          "the stored bytes are not an op")) != 0)
            return rc;
    } else {
        const proto_op *op = &w->op;
        static const uint8_t zeros[PROTO_HASH_LEN];
        if (op->device_id != c->device_id || op->seq != seq) {
            snprintf(detail, sizeof detail,
                     "stored as seq %" PRIu64 " but says device %016" PRIx64
                     " seq %" PRIu64,
                     seq, op->device_id, op->seq);
            if ((rc = altered(w, seq, detail)) != 0)
                return rc;
        }
        if (seq == 1 && memcmp(op->prev_hash, zeros, sizeof zeros) != 0) {
            if ((rc = altered(w, 1, "op 1's prev_hash is not zeros")) != 0)
                return rc;
        } else if (w->have_prev && w->prev_seq + 1 == seq &&
                   memcmp(op->prev_hash, w->prev_hash, PROTO_HASH_LEN) != 0) {
            snprintf(detail, sizeof detail,
                     "op %" PRIu64 " does not hash to the prev_hash of op "
                     "%" PRIu64,
                     w->prev_seq, seq);
            if ((rc = altered(w, w->prev_seq, detail)) != 0)
                return rc;
        }
    }
    memcpy(w->prev_hash, h, sizeof h);
    w->prev_seq = seq;
    w->have_prev = 1;
    return 0;
}

int rpt_chain_check(store_txn *txn, uint64_t device_id,
                    const uint8_t head[PROTO_HASH_LEN], rpt_chain *out,
                    rpt_chain_problem_fn fn, void *ctx)
{
    static _Thread_local chain_walk w; /* holds a proto_op: not on stack */
    memset(out, 0, sizeof *out);
    memset(&w, 0, sizeof w);
    out->device_id = device_id;
    w.c = out;
    w.fn = fn;
    w.ctx = ctx;
    w.expect = 1;
    int rc = store_ops_each_seq(txn, device_id, 0, walk_cb, &w);
    if (rc == 0 && head && w.have_prev &&
        memcmp(head, w.prev_hash, PROTO_HASH_LEN) != 0)
        rc = altered(&w, w.prev_seq,
                     "the last op does not hash to the store's chain head");
    out->ok = out->gaps == 0 && out->altered == 0 && out->undecodable == 0;
    return rc;
}

/* ---- the report --------------------------------------------------------- */

typedef struct integ_ctx {
    rpt_section *problems;
    int rc;
} integ_ctx;

static int add_problem(uint64_t device_id, uint64_t from, uint64_t to,
                       const char *what, const char *detail, void *vctx)
{
    integ_ctx *x = vctx;
    char dev[17];
    snprintf(dev, sizeof dev, "%016" PRIx64, device_id);
    rpt_cell row[] = {rpt_s(dev), rpt_i((int64_t)from), rpt_i((int64_t)to),
                      rpt_s(what), rpt_s(detail)};
    return rpt_row(x->problems, row);
}

int rpt_integrity(store_txn *txn, const rpt_params *p, rpt_doc *d)
{
    rpt_doc_init(d, "integrity", N_("Integrity report"), p->site, p->from,
                 p->to, p->now, p->tz_min);
    static const char *const dcols[] = {
        N_("device_id"),   N_("name"), N_("ops"),     N_("first_seq"),
        N_("last_seq"),    N_("gaps"), N_("missing"), N_("altered"),
        N_("undecodable"), N_("ok")};
    static const char *const pcols[] = {N_("device"), N_("from_seq"),
                                        N_("to_seq"), N_("what"), N_("detail")};
    rpt_section *devs = rpt_section_add(d, "devices", N_("Devices"), dcols, 10);
    rpt_section *probs =
        rpt_section_add(d, "problems", N_("Problems"), pcols, 5);
    if (devs == NULL || probs == NULL)
        return RND_ENOMEM;

    store_identity me;
    int have_me = store_identity_get(txn, &me) == 0;
    integ_ctx x = {probs, 0};
    uint64_t ndev = 0, nops = 0, ngaps = 0, nalt = 0, nbad = 0;
    uint64_t dev = 0, next;
    int rc;
    while ((rc = store_ops_next_device(txn, dev, &next)) == 0) {
        rpt_chain c;
        int own = have_me && me.device_id == next;
        rc = rpt_chain_check(txn, next, own ? me.chain_head : NULL, &c,
                             add_problem, &x);
        if (rc)
            return rc;
        char hex[17];
        snprintf(hex, sizeof hex, "%016" PRIx64, next);
        rpt_cell row[] = {rpt_s(hex),
                          own ? rpt_s(me.name) : rpt_null(),
                          rpt_i((int64_t)c.ops),
                          rpt_i((int64_t)c.first_seq),
                          rpt_i((int64_t)c.last_seq),
                          rpt_i((int64_t)c.gaps),
                          rpt_i((int64_t)c.missing),
                          rpt_i((int64_t)c.altered),
                          rpt_i((int64_t)c.undecodable),
                          rpt_b(c.ok)};
        if ((rc = rpt_row(devs, row)) != 0)
            return rc;
        ndev++;
        nops += c.ops;
        ngaps += c.gaps;
        nalt += c.altered;
        nbad += c.undecodable;
        if (next == UINT64_MAX)
            break;
        dev = next + 1;
    }
    if (rc && rc != RND_ENOTFOUND)
        return rc;
    if ((rc = rpt_summary(d, N_("devices"), rpt_i((int64_t)ndev))) ||
        (rc = rpt_summary(d, N_("ops"), rpt_i((int64_t)nops))) ||
        (rc = rpt_summary(d, N_("gaps"), rpt_i((int64_t)ngaps))) ||
        (rc = rpt_summary(d, N_("altered"), rpt_i((int64_t)nalt))) ||
        (rc = rpt_summary(d, N_("undecodable"), rpt_i((int64_t)nbad))) ||
        (rc = rpt_summary(d, N_("ok"), rpt_b(ngaps + nalt + nbad == 0))))
        return rc;
    return 0;
}
