/* fold.c: an entity's merged state as a deterministic fold over its ops.
 *
 * The store gives us every op of one entity sorted by (hlc, device_id, seq);
 * the fold walks them in that order and writes a canonical MessagePack map.
 * Because the input order is a total order on the op set, and every rule
 * below depends only on that order, replicas holding the same ops produce
 * byte-identical states (DESIGN.md, principle 2).
 *
 * Rules (docs/DATA-MODEL.md has the full table):
 *  - fields: last-writer-wins by (hlc, device_id, seq) among the field's
 *    heads (causality before clocks: a write that saw another wins over it
 *    whatever their stamps); when every write of a field has one value,
 *    that is simply the last op in fold order that names it;
 *  - events: every op is kept (a union), in fold order;
 *  - status: per kind. Visits and vehicles take the highest rank seen, so an
 *    exit that sorts before its entry (clock skew between gates) still
 *    leaves the visit "left". Work orders only move forward along their life
 *    cycle; a stale backward transition is ignored, and only an explicit
 *    reopen (or a callback with satisfaction "unsatisfied") moves a
 *    completed, called-back or closed order back to "reopened"; a
 *    complaint's feedback, escalate, reply and assess ops move no status;
 *  - conflicts: a field whose latest writes (the "heads": writes no other
 *    write of the field has seen, by the writers' _seen vectors) hold two
 *    or more different values is listed under "x" with every head, so the
 *    office sees what last-writer-wins picked among. Only fields written
 *    twice with different values can be in conflict, which keeps this off
 *    the common path.
 *
 * This file: the per-kind status rules, the field merge and the fold
 * itself (store_fold). The conflicts are fold_conflict.c's, the encoding
 * of a state fold_pack.c's, reading one back fold_state.c's (fold_int.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "fold.h"
#include "fold_int.h"
#include "fold_pack.h"

/* ---- status rules per kind --------------------------------------------- */

/* Work order life cycle ranks: a transition applies only if it moves the
 * order strictly forward. */
enum wo_rank {
    WO_NONE = 0,
    WO_REPORTED = 1,
    WO_DISPATCHED = 2,
    WO_ARRIVED = 3,
    WO_COMPLETED = 4,
    WO_CALLED_BACK = 5,
    WO_CLOSED = 6,
    WO_CANCELLED = 7,
};

/* Marked for the catalogue: the dashboard shows a status in words
 * (i18n_tr_lang), the CLIs print it as it is. */
static const char *const wo_status_names[] = {
    "",
    N_("reported"),
    N_("dispatched"),
    N_("arrived"),
    N_("completed"),
    N_("called_back"),
    N_("closed"),
    N_("cancelled"),
};

/* Every status finish_status() gives an order, in life-cycle order. */
static const char *const wo_statuses[] = {
    N_("reported"), N_("reopened"),  N_("dispatched"),
    N_("arrived"),  N_("completed"), N_("called_back"),
    N_("closed"),   N_("cancelled"), NULL};

const char *const *fold_wo_statuses(void)
{
    return wo_statuses;
}

static int field_is(const proto_op *op, const char *name, const char *val)
{
    const proto_field *f = proto_op_field(op, name);
    size_t n = strlen(val);
    return f && f->type == PROTO_STR && f->str_len == n &&
           memcmp(f->str, val, n) == 0;
}

typedef struct fold_acc {
    int rank;     /* kind-specific status rank */
    int reopened; /* work order: last backward move was a reopen */
    uint32_t reopen_count;
} fold_acc;

static void wo_apply(fold_acc *a, const proto_op *op)
{
    int target = WO_NONE;
    switch (op->action) {
    case PROTO_ACTION_CREATE:
        target = WO_REPORTED;
        break;
    case PROTO_ACTION_DISPATCH:
        target = WO_DISPATCHED;
        break;
    case PROTO_ACTION_ARRIVE:
        target = WO_ARRIVED;
        break;
    case PROTO_ACTION_COMPLETE:
        target = WO_COMPLETED;
        break;
    case PROTO_ACTION_CALLBACK:
        if (field_is(op, "satisfaction", "unsatisfied")) {
            if (a->rank >= WO_COMPLETED && a->rank <= WO_CLOSED) {
                a->rank = WO_REPORTED;
                a->reopened = 1;
                a->reopen_count++;
            }
            return;
        }
        target = WO_CALLED_BACK;
        break;
    case PROTO_ACTION_CLOSE:
        target = WO_CLOSED;
        break;
    case PROTO_ACTION_CANCEL:
        if (a->rank != WO_CLOSED)
            a->rank = WO_CANCELLED;
        return;
    case PROTO_ACTION_REOPEN:
        if (a->rank >= WO_COMPLETED && a->rank <= WO_CLOSED) {
            a->rank = WO_REPORTED;
            a->reopened = 1;
            a->reopen_count++;
        }
        return;
    default:
        return;
    }
    if (a->rank == WO_CANCELLED)
        return;
    if (target > a->rank) {
        a->rank = target;
        if (target > WO_REPORTED)
            a->reopened = 0;
    }
}

/* Visits and vehicles: the highest rank wins, whatever the order. */
enum visit_rank { V_NONE = 0, V_INSIDE = 1, V_LEFT = 2, V_REFUSED = 3 };
static const char *const visit_status_names[] = {"", "inside", "left",
                                                 "refused"};

static void visit_apply(fold_acc *a, const proto_op *op)
{
    int target = V_NONE;
    if (op->action == PROTO_ACTION_CREATE)
        target = V_INSIDE;
    else if (op->action == PROTO_ACTION_EXIT)
        target = V_LEFT;
    else if (op->action == PROTO_ACTION_REFUSE)
        target = V_REFUSED;
    if (target > a->rank)
        a->rank = target;
}

static int is_master_kind(int kind)
{
    /* The office's PII public keys (proto/pii.h) are master data too:
     * active until a newer key retires them. */
    return (kind >= PROTO_KIND_SITE && kind <= PROTO_KIND_BLACKLIST) ||
           kind == PROTO_KIND_PII_KEY || kind == PROTO_KIND_TASKPLAN ||
           kind == PROTO_KIND_TAG_KEY || /* tag keys: server/tags.h */
           kind == PROTO_KIND_HOLIDAY || /* the office's holiday calendar */
           kind == PROTO_KIND_ROSTER;
}

/* The registers (incidents, owners' keys, lost and found, exit slips,
 * done tasks): like visits, the highest rank seen wins whatever the order
 * of the ops, so a close or a return that sorts before its create (clock
 * skew between devices) still leaves the record closed or returned.
 * docs/DATA-MODEL.md, "Registers". */
static int register_rank(int kind, const proto_op *op)
{
    switch (kind) {
    case PROTO_KIND_INCIDENT: /* open 1, escalated 2, closed 3 */
        return op->action == PROTO_ACTION_CREATE     ? 1
               : op->action == PROTO_ACTION_ESCALATE ? 2
               : op->action == PROTO_ACTION_CLOSE    ? 3
                                                     : 0;
    case PROTO_KIND_OWNERKEY: /* out 1, back 2 */
        return op->action == PROTO_ACTION_CREATE   ? 1
               : op->action == PROTO_ACTION_RETURN ? 2
                                                   : 0;
    case PROTO_KIND_LOSTFOUND: /* found 1, disposed 2, returned 3 */
        return op->action == PROTO_ACTION_CREATE    ? 1
               : op->action == PROTO_ACTION_DISPOSE ? 2
               : op->action == PROTO_ACTION_RETURN  ? 3
                                                    : 0;
    case PROTO_KIND_EXITSLIP: /* the gate's verdict, on the create */
        if (op->action != PROTO_ACTION_CREATE)
            return 0;
        return field_is(op, "result", "stopped") ? 2 : 1;
    case PROTO_KIND_TASK:
        return op->action == PROTO_ACTION_CREATE ? 1 : 0;
    default:
        return 0;
    }
}

static const char *register_status(int kind, int rank, int *open)
{
    static const char *const incident[] = {"", "open", "escalated", "closed"};
    static const char *const key[] = {"", "out", "back"};
    static const char *const lost[] = {"", "found", "disposed", "returned"};
    static const char *const slip[] = {"", "passed", "stopped"};
    static const char *const task[] = {"", "done"};
    switch (kind) {
    case PROTO_KIND_INCIDENT:
        *open = rank == 1 || rank == 2;
        return incident[rank];
    case PROTO_KIND_OWNERKEY:
        *open = rank == 1;
        return key[rank];
    case PROTO_KIND_LOSTFOUND:
        *open = rank == 1;
        return lost[rank];
    case PROTO_KIND_EXITSLIP:
        return slip[rank];
    case PROTO_KIND_TASK:
        return task[rank];
    default:
        return "";
    }
}

static int is_register_kind(int kind)
{
    return kind >= PROTO_KIND_INCIDENT && kind <= PROTO_KIND_TASK;
}

/* Fills status and the open flag from the accumulated ranks. */
static const char *finish_status(int kind, const fold_acc *a, int *open)
{
    *open = 0;
    switch (kind) {
    case PROTO_KIND_WORKORDER:
        *open = a->rank != WO_CLOSED && a->rank != WO_CANCELLED &&
                a->rank != WO_NONE;
        if (a->reopened && a->rank == WO_REPORTED)
            return "reopened";
        return wo_status_names[a->rank];
    case PROTO_KIND_VISIT:
    case PROTO_KIND_VEHICLE:
        *open = a->rank == V_INSIDE;
        return visit_status_names[a->rank];
    case PROTO_KIND_HANDOVER:
        *open = a->rank == 1;
        return a->rank == 2 ? "acknowledged" : a->rank == 1 ? "pending" : "";
    default:
        if (is_register_kind(kind))
            return register_status(kind, a->rank, open);
        if (is_master_kind(kind)) {
            *open = a->rank == 1;
            return a->rank == 2 ? "retired" : a->rank == 1 ? "active" : "";
        }
        return "";
    }
}

static void simple_apply(int kind, fold_acc *a, const proto_op *op)
{
    if (is_register_kind(kind)) {
        int target = register_rank(kind, op);
        if (target > a->rank)
            a->rank = target;
    } else if (kind == PROTO_KIND_HANDOVER) {
        if (op->action == PROTO_ACTION_ACK)
            a->rank = 2;
        else if (op->action == PROTO_ACTION_CREATE && a->rank < 1)
            a->rank = 1;
    } else if (is_master_kind(kind)) {
        /* Master data is active from its create or set until retired; a
         * later set revives a retired entry (the office changed its mind). */
        if (op->action == PROTO_ACTION_RETIRE)
            a->rank = 2;
        else if (op->action == PROTO_ACTION_CREATE ||
                 op->action == PROTO_ACTION_SET)
            a->rank = 1;
    }
}

/* ---- the fold ------------------------------------------------------------ */

int fold_field_is_attribution(const char *name, size_t len)
{
    return (len == 2 && memcmp(name, "by", 2) == 0) ||
           (len > 3 && memcmp(name + len - 3, "_by", 3) == 0);
}

/* Sets name=value in the merged field list, keeping it sorted by name.
 * differs[i] is set once field i has been written with two different
 * values (see DIFFERS_VALUE). */
static int merge_field(proto_field *fields, uint8_t *differs, uint32_t *n,
                       const proto_field *f)
{
    uint32_t i = 0;
    while (i < *n && name_cmp(&fields[i], f) < 0)
        i++;
    if (i < *n && name_cmp(&fields[i], f) == 0) {
        if (!differs[i] && !value_eq(&fields[i], f))
            differs[i] = fold_field_is_attribution(f->name, f->name_len)
                             ? DIFFERS_ATTRIBUTION
                             : DIFFERS_VALUE;
        fields[i] = *f;
        return 0;
    }
    if (*n == PROTO_OP_MAX_FIELDS)
        return RND_ETOOBIG;
    memmove(&fields[i + 1], &fields[i], (*n - i) * sizeof *fields);
    memmove(&differs[i + 1], &differs[i], *n - i);
    fields[i] = *f;
    differs[i] = 0;
    (*n)++;
    return 0;
}

/* Takes a metadata field's value into *clk when it is FOLD_CLK_FIELD, an
 * int (anything else reads as absent). Met while the fold skips
 * metadata, so the common op costs a length compare. */
static void clk_of(const proto_field *f, int64_t *clk)
{
    if (f->name_len == 4 && memcmp(f->name, FOLD_CLK_FIELD, 4) == 0 &&
        f->type == PROTO_INT)
        *clk = f->i;
}

/* Fields the fold keeps out of the merged ones: metadata (a name starting
 * with '_', such as _seen and _clk), and every field of an attach op: a
 * record holds many attachments, which the store indexes (proto/attach.h),
 * and two guards attaching photos offline must not make a conflict. */
static int not_merged(const proto_op *op, const proto_field *f)
{
    return op->action == PROTO_ACTION_ATTACH ||
           (f->name_len > 0 && f->name[0] == '_');
}

int store_fold(const uint8_t *const *encs, const size_t *lens, size_t n,
               uint8_t *out, size_t cap, size_t *len, fold_info *info)
{
    return store_fold_decoded(encs, lens, n, NULL, out, cap, len, info);
}

int store_fold_decoded(const uint8_t *const *encs, const size_t *lens, size_t n,
                       const proto_op *first, uint8_t *out, size_t cap,
                       size_t *len, fold_info *info)
{
    /* Large: kept off the stack so deep call chains stay small. */
    static _Thread_local proto_op op;
    static _Thread_local fold_state st;
    uint8_t differs[PROTO_OP_MAX_FIELDS];
    int any_differs = 0;
    fold_acc acc = {0};
    uint64_t last_hlc = 0;
    int rc;

    if (n == 0)
        return RND_EINVAL;
    /* Only the counts: zeroing the whole 12 KB state for every op was a
     * fifth of a batched record's instructions. */
    st.nfields = st.nevents = st.nconflicts = 0;
    for (size_t i = 0; i < n; i++) {
        /* The op the caller decoded already is not decoded again. */
        const proto_op *cur = &op;
        int64_t clk = 0;
        if (i == 0 && first != NULL) {
            cur = first;
        } else if ((rc = proto_op_decode(encs[i], lens[i], &op)) != 0) {
            return rc;
        }
        if (i == 0) {
            st.kind = cur->kind;
            memcpy(st.entity, cur->entity, PROTO_ENTITY_LEN);
            st.created_hlc = cur->hlc;
            st.creator = cur->device_id;
            /* The decoder guarantees unique names in ascending order, so
             * the first op's fields are already a merged list. */
            for (uint32_t j = 0; j < cur->nfields; j++) {
                if (not_merged(cur, &cur->fields[j])) {
                    clk_of(&cur->fields[j], &clk);
                    continue; /* metadata such as _seen: not a field */
                }
                differs[st.nfields] = 0;
                st.fields[st.nfields++] = cur->fields[j];
            }
        } else if (cur->kind != st.kind ||
                   memcmp(cur->entity, st.entity, PROTO_ENTITY_LEN) != 0 ||
                   cur->hlc < last_hlc) {
            return RND_EMALFORMED;
        } else {
            for (uint32_t j = 0; j < cur->nfields; j++) {
                if (not_merged(cur, &cur->fields[j])) {
                    clk_of(&cur->fields[j], &clk);
                    continue;
                }
                rc = merge_field(st.fields, differs, &st.nfields,
                                 &cur->fields[j]);
                if (rc)
                    return rc;
            }
        }
        last_hlc = cur->hlc;
        if (st.nevents < FOLD_MAX_EVENTS) {
            fold_event *e = &st.events[st.nevents++];
            e->hlc = cur->hlc;
            e->device_id = cur->device_id;
            e->seq = cur->seq;
            e->wall_ms = cur->wall_ms;
            e->action = cur->action;
            e->clk = clk;
        }
        if (cur->kind == PROTO_KIND_WORKORDER)
            wo_apply(&acc, cur);
        else if (cur->kind == PROTO_KIND_VISIT ||
                 cur->kind == PROTO_KIND_VEHICLE)
            visit_apply(&acc, cur);
        else
            simple_apply(cur->kind, &acc, cur);
    }
    st.updated_hlc = last_hlc;
    int open;
    const char *status = finish_status(st.kind, &acc, &open);

    for (uint32_t i = 0; i < st.nfields && !any_differs; i++)
        any_differs = differs[i];
    uint32_t keep = 0;
    if (any_differs) {
        rc = fold__find_conflicts(encs, lens, n, &op, &st, differs);
        if (rc)
            return rc;
    }
    if (st.nconflicts) {
        size_t base =
            fold__pack_state(&st, acc.reopen_count, status, 0, NULL, 0, 0);
        keep = fold__conflicts_that_fit(&st, base);
    }
    size_t olen =
        fold__pack_state(&st, acc.reopen_count, status, keep, out, cap, 0);
    if (olen > cap)
        return RND_ENOSPACE;
    *len = olen;
    info->kind = st.kind;
    info->open = open;
    return 0;
}
