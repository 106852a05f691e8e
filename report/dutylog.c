/* dutylog.c: the duty log at the office (docs/REPORTS.md, "dutylog"):
 * every duty-log entry (kind 7) made in the window, by device time, with
 * who wrote it, on which handheld, and what.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../i18n/i18n.h"
#include "patrol_int.h"

typedef struct dl_run {
    const rpt_params *p;
    rpt_section *entries;
    fold_state st;
    char by[PROTO_FIELD_STR_MAX + 1], text[PROTO_FIELD_STR_MAX + 1];
    int64_t n;
    int err;
} dl_run;

static int dl_cb(const uint8_t id[PROTO_ENTITY_LEN], int kind,
                 const uint8_t *state, size_t len, void *arg)
{
    dl_run *r = arg;
    const rpt_params *p = r->p;
    (void)kind;
    /* Ids begin with their creation time (ms, 48 bits): a device clock
     * may differ from it, so only a day's slack cuts the walk short. */
    int64_t ms = 0;
    for (int i = 0; i < 6; i++)
        ms = (ms << 8) | id[i];
    if (ms >= p->to + 86400000LL)
        return 1;
    if (fold_state_parse(state, len, &r->st) != 0)
        return 0;
    int64_t t = pat_device_time(&r->st);
    if (t < p->from || t >= p->to)
        return 0;
    if (p->device_id && r->st.creator != p->device_id)
        return 0;
    char hex[33], dev[17];
    proto_entity_hex(id, hex);
    snprintf(dev, sizeof dev, "%016" PRIx64, r->st.creator);
    const char *by = rpt_field_cstr(&r->st, "by", r->by, sizeof r->by);
    const char *text = rpt_field_cstr(&r->st, "text", r->text, sizeof r->text);
    if (p->guard && (by == NULL || strcmp(by, p->guard) != 0))
        return 0;
    rpt_cell row[5] = {rpt_t(t), rpt_s(by), rpt_s(dev), rpt_s(text),
                       rpt_s(hex)};
    r->n++;
    return r->err = rpt_row(r->entries, row);
}

int rpt_dutylog(store_txn *txn, const rpt_params *p, rpt_doc *d)
{
    static const char *const cols[] = {N_("time"), N_("by"), N_("device"),
                                       N_("text"), N_("id")};
    rpt_doc_init(d, "dutylog", N_("Duty log"), p->site, p->from, p->to, p->now,
                 p->tz_min);
    dl_run *r = calloc(1, sizeof *r);
    if (r == NULL)
        return RND_ENOMEM;
    r->p = p;
    int rc = 0;
    r->entries = rpt_section_add(d, "entries", N_("Duty log entries"), cols, 5);
    if (r->entries == NULL)
        rc = RND_ENOMEM;
    if (rc == 0)
        rc = store_entities_each(txn, PROTO_KIND_DUTYLOG, 0, dl_cb, r);
    if (rc == 0 && r->err)
        rc = r->err;
    if (rc == 0) {
        static const uint32_t by_time[] = {0, 4};
        rpt_section_sort(r->entries, by_time, 2);
        rc = rpt_summary(d, N_("entries"), rpt_i(r->n));
    }
    free(r);
    return rc;
}
