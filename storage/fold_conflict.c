/* fold_conflict.c: the conflicts of a fold (fold.h, fold_state.conflicts).
 *
 * A field whose latest writes (its "heads": writes no other write of the
 * field has seen, by the writers' _seen vectors) hold two or more
 * different values is in conflict: the state lists it under "x" with every
 * head, so the office sees what last-writer-wins picked among. The fold
 * (fold.c) calls fold__find_conflicts() only for an entity with a field
 * written twice with different values, which keeps this off the common
 * path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "fold_int.h"

/* ---- concurrent writes: conflicts ---------------------------------------- */

/* One entry of a _seen value: the writer held device's ops of the entity up
 * to seq. The shortest entry ("<16 hex>:<1 digit>,") takes 19 bytes, so a
 * FOLD_SEEN_MAX value holds at most 54 of them. */
#define SEEN_PAIRS_MAX 64
typedef struct seen_pair {
    uint64_t dev, seq;
} seen_pair;

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Parses op's _seen into out, devices ascending; returns the number of
 * pairs. The value comes from another device, so anything off the contract
 * in fold.h (not a str, longer than FOLD_SEEN_MAX, a bad entry, devices not
 * strictly ascending, or a claim to have seen the op itself or a later op of
 * its own writer) reads as "seen nothing": 0 pairs. */
static uint32_t parse_seen(const proto_op *op, seen_pair *out)
{
    const proto_field *f = proto_op_field(op, FOLD_SEEN_FIELD);
    if (f == NULL || f->type != PROTO_STR || f->str_len > FOLD_SEEN_MAX)
        return 0;
    const char *p = f->str, *end = f->str + f->str_len;
    uint32_t n = 0;
    while (p < end) {
        uint64_t dev = 0, seq = 0;
        if (n == SEEN_PAIRS_MAX || end - p < 18)
            return 0;
        for (int i = 0; i < 16; i++) {
            int h = hexval(*p++);
            if (h < 0)
                return 0;
            dev = dev << 4 | (uint64_t)h;
        }
        if (*p++ != ':')
            return 0;
        const char *digits = p;
        while (p < end && *p >= '0' && *p <= '9') {
            uint64_t d = (uint64_t)(*p++ - '0');
            if (seq > (UINT64_MAX - d) / 10)
                return 0;
            seq = seq * 10 + d;
        }
        if (p == digits || (p < end && *p != ','))
            return 0;
        if (p < end && ++p == end)
            return 0; /* a trailing comma */
        if ((n > 0 && dev <= out[n - 1].dev) ||
            (dev == op->device_id && seq >= op->seq))
            return 0;
        out[n].dev = dev;
        out[n].seq = seq;
        n++;
    }
    return n;
}

/* A write of a field that may be in conflict. */
typedef struct cwrite {
    uint32_t slot; /* index into the list of fields that may conflict */
    uint64_t hlc, dev, seq;
    proto_field value;         /* points into the op's encoding */
    uint32_t seen_off, seen_n; /* the writer's _seen, in scratch.pairs */
} cwrite;

/* How far the writes of one field have seen one of its writers: up to
 * seq cov, when has is set (seq 0 can be claimed too). */
typedef struct devcov {
    uint64_t dev, cov;
    int has;
} devcov;

/* Heap scratch for the conflict pass: only entities with a field written
 * with two different values get here, so the common fold allocates
 * nothing. */
typedef struct scratch {
    cwrite *w;
    size_t nw, capw;
    seen_pair *pairs;
    size_t np, capp;
    devcov *dc;
    size_t capdc;
} scratch;

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (q == NULL)
        return RND_ENOMEM;
    *p = q;
    *cap = c;
    return 0;
}

/* The entry of dev in dc[0..n), ascending by dev, or NULL. */
static devcov *devcov_find(devcov *dc, size_t n, uint64_t dev)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (dc[mid].dev == dev)
            return &dc[mid];
        if (dc[mid].dev < dev)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int covered(devcov *dc, size_t n, const cwrite *w)
{
    const devcov *d = devcov_find(dc, n, w->dev);
    return d->has && d->cov >= w->seq;
}

/* The heads pass of one field (slot; its writes in cs, in fold order; mf
 * its merged value, from plain last-writer-wins). Write x has seen write w
 * when x's cover of w's device reaches w.seq: x's _seen entry for it, or
 * x.seq - 1 when they share a device. The heads are the writes no write
 * covers; only the last write of each device can be one.
 *
 * Causality before clocks: the merged value becomes the last head in fold
 * order, so a write that saw another wins over it whatever their stamps
 * (a write stamped 2^64-1 loses to one that saw it). When every write is
 * covered (only lies in _seen make such a cycle) the plain pick stays.
 * Then, with report set and room left, a field whose heads disagree is
 * appended to st->conflicts. */
static int field_heads(scratch *cs, uint32_t slot, proto_field *mf, int report,
                       fold_state *st)
{
    size_t ndc = 0, nheads = 0;
    const cwrite *first = NULL, *last = NULL;
    int differ = 0;
    int rc;

    for (size_t i = 0; i < cs->nw; i++) {
        const cwrite *w = &cs->w[i];
        if (w->slot != slot || devcov_find(cs->dc, ndc, w->dev))
            continue;
        if ((rc = grow((void **)&cs->dc, &cs->capdc, ndc + 1,
                       sizeof *cs->dc)) != 0)
            return rc;
        size_t j = ndc++;
        while (j > 0 && cs->dc[j - 1].dev > w->dev) {
            cs->dc[j] = cs->dc[j - 1];
            j--;
        }
        cs->dc[j].dev = w->dev;
        cs->dc[j].cov = 0;
        cs->dc[j].has = 0;
    }
    for (size_t i = 0; i < cs->nw; i++) {
        const cwrite *w = &cs->w[i];
        if (w->slot != slot)
            continue;
        for (uint32_t k = 0; k < w->seen_n; k++) {
            const seen_pair *sp = &cs->pairs[w->seen_off + k];
            devcov *d = devcov_find(cs->dc, ndc, sp->dev);
            if (d && (!d->has || sp->seq > d->cov)) {
                d->cov = sp->seq;
                d->has = 1;
            }
        }
        /* seq 0 is never issued; from a peer it must not wrap to "has
         * seen everything". */
        devcov *own = devcov_find(cs->dc, ndc, w->dev);
        if (w->seq > 0 && (!own->has || w->seq - 1 > own->cov)) {
            own->cov = w->seq - 1;
            own->has = 1;
        }
    }
    for (size_t i = 0; i < cs->nw; i++) {
        const cwrite *w = &cs->w[i];
        if (w->slot != slot || covered(cs->dc, ndc, w))
            continue;
        nheads++;
        last = w;
        if (first == NULL)
            first = w;
        else if (!value_eq(&first->value, &w->value))
            differ = 1;
    }
    if (last != NULL) {
        const char *name = mf->name;
        uint32_t name_len = mf->name_len;
        *mf = last->value;
        mf->name = name;
        mf->name_len = name_len;
    }
    if (!differ || !report || st->nconflicts == FOLD_MAX_CONFLICTS)
        return 0;

    /* The latest FOLD_MAX_CANDIDATES heads, in fold order. */
    fold_conflict *c = &st->conflicts[st->nconflicts++];
    size_t skip =
        nheads > FOLD_MAX_CANDIDATES ? nheads - FOLD_MAX_CANDIDATES : 0;
    c->field = mf->name;
    c->field_len = mf->name_len;
    c->ncand = 0;
    for (size_t i = 0; i < cs->nw; i++) {
        const cwrite *w = &cs->w[i];
        if (w->slot != slot || covered(cs->dc, ndc, w))
            continue;
        if (skip) {
            skip--;
            continue;
        }
        fold_candidate *cand = &c->cand[c->ncand++];
        cand->hlc = w->hlc;
        cand->device_id = w->dev;
        cand->seq = w->seq;
        cand->value = w->value;
        cand->value.name = mf->name;
        cand->value.name_len = mf->name_len;
    }
    return 0;
}

/* Picks the merged value of every field written with different values
 * among its heads, and fills st->conflicts, given the merged fields and
 * which of them were so written. A second decoding pass: it runs only for
 * entities with such a field, and saves every fold from keeping each op's
 * writes. */
int fold__find_conflicts(const uint8_t *const *encs, const size_t *lens,
                         size_t n, proto_op *op, fold_state *st,
                         const uint8_t *differs)
{
    uint32_t flagged[PROTO_OP_MAX_FIELDS], nflag = 0;
    seen_pair vec[SEEN_PAIRS_MAX];
    scratch cs = {0};
    int rc = 0;

    for (uint32_t i = 0; i < st->nfields; i++)
        if (differs[i])
            flagged[nflag++] = i;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if ((rc = proto_op_decode(encs[i], lens[i], op)) != 0)
            break;
        if (op->action == PROTO_ACTION_ATTACH)
            continue; /* its fields are never merged (fold.c, not_merged) */
        uint32_t a = 0, b = 0, nv = 0;
        size_t off = 0;
        int parsed = 0;
        /* Both lists are ascending by name: one merge walk. */
        while (a < op->nfields && b < nflag && rc == 0) {
            const proto_field *of = &op->fields[a];
            int c = name_cmp(of, &st->fields[flagged[b]]);
            if (c < 0) {
                a++;
                continue;
            }
            if (c > 0) {
                b++;
                continue;
            }
            if (!parsed) {
                parsed = 1;
                nv = parse_seen(op, vec);
                off = cs.np;
                rc = grow((void **)&cs.pairs, &cs.capp, cs.np + nv,
                          sizeof *cs.pairs);
                if (rc)
                    break;
                if (nv)
                    memcpy(cs.pairs + cs.np, vec, nv * sizeof *vec);
                cs.np += nv;
            }
            rc = grow((void **)&cs.w, &cs.capw, cs.nw + 1, sizeof *cs.w);
            if (rc)
                break;
            cwrite *w = &cs.w[cs.nw++];
            w->slot = b;
            w->hlc = op->hlc;
            w->dev = op->device_id;
            w->seq = op->seq;
            w->value = *of;
            w->seen_off = (uint32_t)off;
            w->seen_n = nv;
            a++;
            b++;
        }
    }
    for (uint32_t b = 0; b < nflag && rc == 0; b++)
        rc = field_heads(&cs, b, &st->fields[flagged[b]],
                         differs[flagged[b]] == DIFFERS_VALUE, st);
    free(cs.w);
    free(cs.pairs);
    free(cs.dc);
    return rc;
}
