/* tags.c: the tags report: proof of presence per guard. Of the scans in the
 * window, how many were verified tag payloads (method nfc or qr, checked
 * against the site's tag key on the handheld) and how many were typed by
 * hand (manual: not verified), and the scans of tags that are none of the
 * site's checkpoints (unknown_tag). docs/REPORTS.md, "tags", defines every
 * figure.
 */
#include <stdlib.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "patrol_int.h"

typedef struct tag_guard {
    char name[PROTO_FIELD_STR_MAX + 1];
    int64_t scans, verified, manual, unknown;
} tag_guard;

typedef struct tags_run {
    const rpt_params *p;
    rpt_section *unverified;
    tag_guard *g;
    size_t ng, cap;
    int64_t scans, verified, unknown;
    fold_state st;
    char buf[4][PROTO_FIELD_STR_MAX + 1];
    int err;
} tags_run;

static int64_t id_ms(const uint8_t id[PROTO_ENTITY_LEN])
{
    int64_t ms = 0;
    for (int i = 0; i < 6; i++)
        ms = (ms << 8) | id[i];
    return ms;
}

static tag_guard *guard_of(tags_run *r, const char *name)
{
    for (size_t i = 0; i < r->ng; i++)
        if (strcmp(r->g[i].name, name) == 0)
            return &r->g[i];
    if (r->ng == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        tag_guard *g = realloc(r->g, cap * sizeof *g);
        if (g == NULL)
            return NULL;
        r->g = g;
        r->cap = cap;
    }
    tag_guard *g = &r->g[r->ng++];
    memset(g, 0, sizeof *g);
    snprintf(g->name, sizeof g->name, "%s", name);
    return g;
}

/* Every scan recorded (device time) in the window. */
static int scan_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                   const uint8_t *state, size_t len, void *arg)
{
    tags_run *r = arg;
    const rpt_params *p = r->p;
    (void)kind;
    int64_t ms = id_ms(id);
    if (ms < p->from)
        return 0;
    if (ms >= p->to)
        return 1; /* ids sort by creation time */
    if (fold_state_parse(state, len, &r->st) != 0)
        return 0;
    int64_t t = pat_device_time(&r->st);
    if (t < p->from || t >= p->to)
        return 0;
    const char *by = rpt_field_cstr(&r->st, "by", r->buf[0], sizeof r->buf[0]);
    if (by == NULL)
        by = "-";
    if (p->guard && strcmp(p->guard, by) != 0)
        return 0;
    tag_guard *g = guard_of(r, by);
    if (g == NULL)
        return r->err = RND_ENOMEM;
    int verified = rpt_field_bool(&r->st, "verified");
    int unknown = rpt_field_bool(&r->st, "unknown_tag");
    g->scans++;
    g->verified += verified;
    g->manual += !verified;
    g->unknown += unknown;
    r->scans++;
    r->verified += verified;
    r->unknown += unknown;
    if (verified && !unknown)
        return 0;
    char hex[33];
    proto_entity_hex(id, hex);
    const char *method =
        rpt_field_cstr(&r->st, "method", r->buf[1], sizeof r->buf[1]);
    rpt_cell row[7] = {
        rpt_t(t),
        rpt_s(by),
        rpt_s(rpt_field_cstr(&r->st, "tag", r->buf[2], sizeof r->buf[2])),
        rpt_s(method ? method : "-"), /* older handhelds wrote none */
        rpt_b(verified),
        rpt_b(unknown),
        rpt_s(hex)};
    return r->err = rpt_row(r->unverified, row);
}

static int guard_cmp(const void *a, const void *b)
{
    return strcmp(((const tag_guard *)a)->name, ((const tag_guard *)b)->name);
}

static int tags_fill(store_txn *txn, tags_run *r, rpt_doc *d)
{
    static const char *const gcols[] = {
        N_("guard"),  N_("scans"),       N_("verified"),
        N_("manual"), N_("unknown_tag"), N_("verified_share")};
    static const char *const ucols[] = {
        N_("time"),     N_("guard"),       N_("tag"), N_("method"),
        N_("verified"), N_("unknown_tag"), N_("id")};
    rpt_section *guards =
        rpt_section_add(d, "guards", N_("Scans per guard"), gcols, 6);
    r->unverified = rpt_section_add(
        d, "unverified", N_("Manual and unknown-tag scans"), ucols, 7);
    if (!guards || !r->unverified)
        return RND_ENOMEM;
    int rc = store_entities_each(txn, PROTO_KIND_SCAN, 0, scan_cb, r);
    if (rc == 0 && r->err)
        rc = r->err;
    if (rc)
        return rc;
    if (r->ng > 1)
        qsort(r->g, r->ng, sizeof *r->g, guard_cmp);
    for (size_t i = 0; i < r->ng; i++) {
        const tag_guard *g = &r->g[i];
        rpt_cell row[6] = {
            rpt_s(g->name),     rpt_i(g->scans),
            rpt_i(g->verified), rpt_i(g->manual),
            rpt_i(g->unknown),  rpt_r((double)g->verified / (double)g->scans)};
        if ((rc = rpt_row(guards, row)) != 0)
            return rc;
    }
    static const uint32_t by_time[] = {0, 1};
    rpt_section_sort(r->unverified, by_time, 2);
    if ((rc = rpt_summary(d, N_("scans"), rpt_i(r->scans))) ||
        (rc = rpt_summary(d, N_("verified"), rpt_i(r->verified))) ||
        (rc = rpt_summary(d, N_("manual"), rpt_i(r->scans - r->verified))) ||
        (rc = rpt_summary(d, N_("unknown_tag"), rpt_i(r->unknown))))
        return rc;
    return 0;
}

int rpt_tags(store_txn *txn, const rpt_params *p, rpt_doc *d)
{
    rpt_doc_init(d, "tags", N_("Tags report"), p->site, p->from, p->to, p->now,
                 p->tz_min);
    tags_run *r = calloc(1, sizeof *r);
    if (r == NULL)
        return RND_ENOMEM;
    r->p = p;
    int rc = tags_fill(txn, r, d);
    free(r->g);
    free(r);
    return rc;
}
