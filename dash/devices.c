/* devices.c: handhelds for the office's pages, without HTTP: the devices
 * table, the enrollment payload and its QR code (devices.h).
 */
#include "devices.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "../proto/errors.h"
#include "../report/report.h"
#include "../server/enroll_qr.h"

/* server/cli.h's, referenced weakly: linked into roundsd (whose serve
 * forks the dashboard, which so holds serve's effective configuration),
 * absent from test programs that link dash/ without the command line. */
extern const srv_config *cli_config(void) __attribute__((weak));

static const srv_config *config_override;

void dash_dev_set_config(const srv_config *cfg)
{
    config_override = cfg;
}

const srv_config *dash_dev_config(void)
{
    static srv_config defaults;
    static int ready;
    if (config_override)
        return config_override;
    if (cli_config)
        return cli_config();
    if (!ready) {
        srv_config_init(&defaults);
        ready = 1;
    }
    return &defaults;
}

/* The table's columns: key, type, English and Chinese titles. */
static const struct {
    const char *key, *type, *en, *zh;
} cols[] = {
    {"device", "text", "Handheld", "手持终端"},
    {"device_id", "text", "Device ID", "设备号"},
    {"enrolled", "time", "Enrolled", "登记时间"},
    {"last_sync", "time", "Last sync", "最后同步"},
    {"held", "int", "Ops held", "已收记录"},
    {"ops_in", "int", "In (last sync)", "上次上传"},
    {"ops_out", "int", "Out (last sync)", "上次下载"},
    {"clock", "text", "Clock", "时钟"},
    {"revoked", "bool", "Revoked", "已吊销"},
};
#define NCOLS (sizeof cols / sizeof cols[0])

typedef struct table_ctx {
    rpt_jw *j;
    store_txn *st;
    int tz_min;
    int64_t skew_limit_ms;
} table_ctx;

static void time_cell(rpt_jw *j, int64_t ms, int tz_min)
{
    if (ms <= 0) {
        rpt_jw_null(j);
        return;
    }
    char t[40];
    rpt_time_iso(ms, tz_min, t, sizeof t);
    rpt_jw_str(j, t);
}

static int row_cb(const srv_device *d, void *vctx)
{
    table_ctx *c = vctx;
    rpt_jw *j = c->j;
    uint64_t held = d->held_seq, v;
    if (c->st && d->device_id &&
        store_device_max_seq(c->st, d->device_id, &v) == 0)
        held = v;
    char clock[48];
    const char *flag;
    srv_clock_verdict(d, c->skew_limit_ms, clock, sizeof clock, &flag);
    int flagged = strcmp(flag, "ok") != 0 && strcmp(flag, "unknown") != 0;
    rpt_jw_obj(j);
    rpt_jw_knull(j, "id");
    rpt_jw_key(j, "cells");
    rpt_jw_arr(j);
    rpt_jw_str(j, d->name);
    if (d->device_id)
        rpt_jw_hex64(j, d->device_id);
    else
        rpt_jw_null(j);
    time_cell(j, d->enrolled_ms, c->tz_min);
    time_cell(j, d->last_sync_ms, c->tz_min);
    rpt_jw_uint(j, held);
    rpt_jw_uint(j, d->last_ops_in);
    rpt_jw_uint(j, d->last_ops_out);
    rpt_jw_str(j, clock);
    rpt_jw_bool(j, d->revoked);
    rpt_jw_end(j);
    /* Red: a clock that misdates records; amber: enrolled, never synced. */
    rpt_jw_kstr(j, "state",
                !d->revoked && flagged                ? "bad"
                : !d->revoked && d->last_sync_ms == 0 ? "warn"
                                                      : "ok");
    rpt_jw_end(j);
    return 0;
}

int dash_dev_table(rpt_jw *j, srv_registry *r, store_txn *st, const char *site,
                   const char *lang, int tz_min, int64_t skew_limit_ms)
{
    int en = lang && strcmp(lang, "en") == 0;
    rpt_jw_obj(j);
    rpt_jw_kstr(j, "name", "devices");
    rpt_jw_kstr(j, "title", en ? "Handhelds" : "手持终端");
    rpt_jw_key(j, "columns");
    rpt_jw_arr(j);
    for (size_t i = 0; i < NCOLS; i++) {
        rpt_jw_obj(j);
        rpt_jw_kstr(j, "key", cols[i].key);
        rpt_jw_kstr(j, "title", en ? cols[i].en : cols[i].zh);
        rpt_jw_kstr(j, "type", cols[i].type);
        rpt_jw_end(j);
    }
    rpt_jw_end(j);
    rpt_jw_key(j, "rows");
    rpt_jw_arr(j);
    table_ctx c = {j, st, tz_min, skew_limit_ms};
    int rc = srv_registry_each(r, site, row_cb, &c);
    rpt_jw_end(j);
    rpt_jw_end(j);
    return rc;
}

char *dash_dev_data_url(const char *svg, size_t len)
{
    static const char head[] = "data:image/svg+xml;base64,";
    size_t need = 0;
    mbedtls_base64_encode(NULL, 0, &need, (const unsigned char *)svg, len);
    char *out = malloc(sizeof head + need);
    if (out == NULL)
        return NULL;
    memcpy(out, head, sizeof head - 1);
    size_t n = 0;
    if (mbedtls_base64_encode((unsigned char *)out + sizeof head - 1, need + 1,
                              &n, (const unsigned char *)svg, len) != 0) {
        free(out);
        return NULL;
    }
    out[sizeof head - 1 + n] = '\0';
    return out;
}

void dash_dev_enrollment_free(dash_dev_enrollment *e)
{
    free(e->qr_url);
    e->qr_url = NULL;
    memset(e->credential, 0, sizeof e->credential);
    memset(e->payload, 0, sizeof e->payload);
}

int dash_dev_enroll(srv_registry *r, store *st, const srv_config *cfg,
                    const char *data_dir, const char *site, const char *name,
                    int64_t now_ms, dash_dev_enrollment *out, char *err,
                    size_t errlen)
{
    memset(out, 0, sizeof *out);
    /* A payload must be possible before anything is enrolled. */
    const char *fake = SRV_CRED_PREFIX "00000000000000000000000000000000";
    int rc = srv_enroll_payload(cfg, site, name, fake, out->payload,
                                sizeof out->payload, err, errlen);
    if (rc)
        return rc;
    rc = srv_registry_enroll(r, site, name, now_ms, out->credential);
    if (rc == RND_EEXIST) {
        snprintf(err, errlen,
                 "%s/%s is already enrolled and not revoked; revoke it "
                 "first to enroll it again",
                 site, name);
        return rc;
    }
    if (rc) {
        snprintf(err, errlen, "cannot enroll %s/%s: %s", site, name,
                 rnd_strerror(rc));
        return rc;
    }
    rc = srv_enroll_publish(st, data_dir, site, now_ms);
    if (rc) {
        snprintf(err, errlen,
                 "enrolled, but cannot publish the personal-data key to "
                 "site %s: %s",
                 site, rnd_strerror(rc));
        return rc;
    }
    rc = srv_enroll_payload(cfg, site, name, out->credential, out->payload,
                            sizeof out->payload, err, errlen);
    char *svg = NULL;
    size_t len = 0;
    if (rc == 0 &&
        (rc = srv_enroll_qr_svg(out->payload, site, name, &svg, &len)) != 0)
        snprintf(err, errlen, "enrolled, but cannot draw the QR code: %s",
                 rnd_strerror(rc));
    if (rc == 0 && (out->qr_url = dash_dev_data_url(svg, len)) == NULL) {
        rc = RND_ENOMEM;
        snprintf(err, errlen, "out of memory");
    }
    free(svg);
    return rc;
}
