/* test_hh_api.c: the parts of handheld.h the rounds CLI uses instead of
 * the store: a record read back through the opaque hh_entity's accessors,
 * the enrolled server address, ids typed as prefixes (hh_resolve_id,
 * hh_id_width), hh_dump (its lines and its digest are hh_digest's) and
 * the shift report. Uses handheld.h only, as an app
 * would (and roundsd's certificate generator to enroll). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../handheld/handheld.h"
#include "../../server/cert.h"
#include "test.h"

static int64_t clock_fn(void *ctx)
{
    (void)ctx;
    return 1795860000000; /* 2026-11-28T10:00:00Z */
}

typedef struct seen {
    int n;
    char id[33];
    uint64_t me; /* this device's id: the scan's creator */
} seen;

static int scan_cb(const hh_entity *e, void *ctx)
{
    seen *s = ctx;
    hh_value v;
    hh_event ev;
    ASSERT_EQ(hh_entity_kind(e), HH_KIND_SCAN);
    ASSERT_STR_EQ(hh_kind_name(hh_entity_kind(e)), "scan");
    hh_entity_id(e, s->id);
    ASSERT_EQ((int)strlen(s->id), 32);
    ASSERT_OK(hh_entity_field(e, "tag", &v));
    ASSERT_EQ(v.type, HH_VAL_STR);
    ASSERT_EQ((int)v.str_len, 5);
    ASSERT(memcmp(v.str, "CP-07", 5) == 0);
    ASSERT_ERR(hh_entity_field(e, "no_such_field", &v), RND_ENOTFOUND);
    ASSERT_EQ(v.str == NULL, 1);
    ASSERT_GE((int)hh_entity_nfields(e), 2);
    ASSERT_OK(hh_entity_field_at(e, 0, &v));
    ASSERT_GT((int)v.name_len, 0);
    ASSERT_ERR(hh_entity_field_at(e, hh_entity_nfields(e), &v), RND_ENOTFOUND);
    ASSERT_EQ((int)hh_entity_nevents(e), 1);
    ASSERT_OK(hh_entity_event(e, 0, &ev));
    ASSERT_STR_EQ(hh_action_name(ev.action), "create");
    ASSERT_EQ(ev.seq, 1);
    ASSERT_ERR(hh_entity_event(e, 1, &ev), RND_ENOTFOUND);
    ASSERT_EQ(hh_entity_created_ms(e), clock_fn(NULL));
    ASSERT_EQ(hh_entity_updated_ms(e), clock_fn(NULL));
    ASSERT_STR_EQ(hh_entity_status(e), "");
    ASSERT_EQ((int)hh_entity_nconflicts(e), 0);
    hh_conflict cf;
    ASSERT_ERR(hh_entity_conflict(e, 0, &cf), RND_ENOTFOUND);
    ASSERT_EQ((int)cf.ncand, 0);
    ASSERT_OK(hh_entity_event(e, 0, &ev));
    ASSERT_EQ(hh_hlc_ms(ev.hlc), clock_fn(NULL));
    ASSERT_U64_EQ(hh_entity_creator(e), s->me);
    ASSERT_EQ((int)hh_entity_reopen_count(e), 0);
    s->n++;
    return 0;
}

static int get_cb(const hh_entity *e, void *ctx)
{
    char id[33];
    hh_entity_id(e, id);
    ASSERT_STR_EQ(id, (const char *)ctx);
    return 0;
}

/* hh_dump into a memory file: what it printed (malloc'd). */
static char *printed(hh *h, int json, uint8_t digest[32], uint64_t *n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ASSERT(f != NULL);
    ASSERT_OK(hh_dump(h, f, json, digest, n));
    fclose(f);
    return buf;
}

int main(void)
{
    char *dir = test_tmpdir("hhapi");
    char path[4200], addr[64], hex[33];
    uint8_t id[HH_ID_LEN], d1[32], d2[32];
    uint64_t n1 = 0, n2 = 0;
    hh *h;
    snprintf(path, sizeof path, "%s/store", dir);
    ASSERT_OK(hh_init(path, "S1", "HH-01", &h));
    hh_set_clock(h, clock_fn, NULL);

    hh_kv kv[] = {{"tag", "CP-07"}, {"route", "R1"}, {"by", "guard-li"}};
    ASSERT_OK(hh_record(h, "scan.record", NULL, kv, 3, id, NULL));
    hh_id_hex(id, hex);
    seen s = {0, "", 0};
    hh_status_info si;
    ASSERT_OK(hh_status(h, &si));
    s.me = si.device_id;
    ASSERT_OK(hh_list(h, HH_KIND_SCAN, 0, scan_cb, &s));

    /* Master data's columns, key first; none for the handheld's kinds. */
    const char *const *cols = hh_kind_columns(HH_KIND_UNIT);
    ASSERT(cols != NULL);
    ASSERT_STR_EQ(cols[0], "unit");
    cols = hh_kind_columns(HH_KIND_BLACKLIST);
    ASSERT(cols != NULL);
    ASSERT_STR_EQ(cols[2], "id_no");
    ASSERT(hh_kind_columns(HH_KIND_SCAN) == NULL);
    ASSERT(hh_kind_columns(0) == NULL);
    ASSERT_EQ(s.n, 1);
    ASSERT_STR_EQ(s.id, hex);
    ASSERT_OK(hh_get(h, hex, get_cb, hex));

    /* Not enrolled: no address; enrolled: the one given. */
    ASSERT_OK(hh_server_addr(h, addr, sizeof addr));
    ASSERT_STR_EQ(addr, "");
    /* A real certificate, made now by roundsd's generator. */
    char pem[4300], key[4300], err[256];
    snprintf(pem, sizeof pem, "%s/server.crt", dir);
    snprintf(key, sizeof key, "%s/server.key", dir);
    ASSERT_OK(srv_cert_generate(key, pem, err, sizeof err));
    ASSERT_OK(hh_enroll(h, "127.0.0.1:7443", pem, "cred"));
    ASSERT_OK(hh_server_addr(h, addr, sizeof addr));
    ASSERT_STR_EQ(addr, "127.0.0.1:7443");
    ASSERT_ERR(hh_server_addr(h, addr, 5), RND_ENOSPACE);
    ASSERT_STR_EQ(addr, "");

    /* The dump's lines and digest are the digest's. */
    ASSERT_OK(hh_digest(h, d1, &n1));
    char *text = printed(h, 0, d2, &n2);
    ASSERT_MEM_EQ(d1, d2, 32);
    ASSERT_U64_EQ(n1, n2);
    ASSERT_U64_EQ(n1, 1);
    ASSERT(strncmp(text, hex, 32) == 0);
    ASSERT(strstr(text, " scan ") != NULL);
    free(text);
    text = printed(h, 1, d2, &n2);
    ASSERT(text[0] == '{' && strstr(text, hex) != NULL);
    ASSERT_MEM_EQ(d1, d2, 32);
    free(text);

    /* Ids typed as a person types them (hh_resolve_id): the full id or a
     * unique prefix of 8+ hex digits, any case. */
    char full[33], up[33];
    ASSERT_OK(hh_resolve_id(h, hex, full));
    ASSERT_STR_EQ(full, hex);
    ASSERT_EQ(hh_id_width(h, HH_KIND_SCAN), 8);
    uint8_t id2[HH_ID_LEN];
    char hex2[33];
    ASSERT_OK(hh_record(h, "scan.record", NULL, kv, 3, id2, NULL));
    hh_id_hex(id2, hex2);
    /* Both made at the same pinned ms: their first 12 digits agree. */
    ASSERT(strncmp(hex, hex2, 12) == 0);
    ASSERT_ERR(hh_resolve_id(h, (char[9]){0}, full), RND_EINVAL);
    snprintf(up, sizeof up, "%.8s", hex);
    ASSERT_ERR(hh_resolve_id(h, up, full), RND_EINVAL);
    ASSERT(strstr(hh_last_error(h), "ambiguous") != NULL);
    ASSERT(strstr(hh_last_error(h), hex) != NULL);
    ASSERT(strstr(hh_last_error(h), hex2) != NULL);
    int w = hh_id_width(h, HH_KIND_SCAN);
    ASSERT_GT(w, 12);
    snprintf(up, sizeof up, "%.*s", w, hex);
    for (char *c = up; *c; c++)
        if (*c >= 'a' && *c <= 'f')
            *c = (char)(*c - 'a' + 'A');
    ASSERT_OK(hh_resolve_id(h, up, full));
    ASSERT_STR_EQ(full, hex);
    ASSERT_ERR(hh_resolve_id(h, "ffffffff", full), RND_ENOTFOUND);
    ASSERT_ERR(hh_resolve_id(h, "0123456", full), RND_EINVAL);
    ASSERT_ERR(hh_resolve_id(h, "0123456g", full), RND_EINVAL);

    /* The shift report: a format it does not know is refused. */
    hh_shift_options o = {clock_fn(NULL) + 1000, 0, NULL, 0};
    ASSERT_ERR(hh_report_shift(h, &o, "xml", stdout), RND_EINVAL);
    FILE *f = open_memstream(&text, &(size_t){0});
    ASSERT_OK(hh_report_shift(h, &o, "json", f));
    fclose(f);
    ASSERT(strstr(text, "CP-07") != NULL);
    free(text);
    /* One table as a spreadsheet's CSV file: BOM, header, CRLF. */
    f = open_memstream(&text, &(size_t){0});
    ASSERT_OK(hh_report_shift(h, &o, "csv:my_scans", f));
    fclose(f);
    ASSERT(strncmp(text, "\xef\xbb\xbf", 3) == 0);
    ASSERT(strstr(text, "\r\n") != NULL && strstr(text, "CP-07") != NULL);
    ASSERT(strstr(text, "summary") == NULL);
    free(text);
    ASSERT_ERR(hh_report_shift(h, &o, "csv:nosuch", stdout), RND_EINVAL);

    /* Text fields: UTF-8 without control characters (LF and TAB in free
     * text); refused with the field and the byte named. */
    hh_kv bad[] = {{"text", "bad \xff"}, {"by", "guard-li"}};
    ASSERT_ERR(hh_record(h, "log.note", NULL, bad, 2, id, NULL), RND_EFIELD);
    ASSERT(strstr(hh_last_error(h),
                  "field 'text': not valid UTF-8 at byte 4") != NULL);
    hh_kv cut[] = {{"to", "guard-\xc3"}, {"by", "guard-li"}};
    ASSERT_ERR(hh_record(h, "handover.create", NULL, cut, 2, id, NULL),
               RND_EFIELD);
    ASSERT(strstr(hh_last_error(h), "field 'to': not valid UTF-8 at byte 6") !=
           NULL);
    hh_kv nl[] = {{"to", "guard\nli"}, {"by", "guard-li"}};
    ASSERT_ERR(hh_record(h, "handover.create", NULL, nl, 2, id, NULL),
               RND_EFIELD);
    hh_kv ok[] = {{"text", "line 1\n\tline 2 王"}, {"by", "guard-li"}};
    ASSERT_OK(hh_record(h, "log.note", NULL, ok, 2, id, NULL));
    ASSERT_ERR(hh_set_user(h, "guard\x1b[2J"), RND_EFIELD);
    /* Masks count characters. */
    char m[64];
    hh_mask_id("港澳台通行证号", strlen("港澳台通行证号"), m, sizeof m);
    ASSERT_STR_EQ(m, "港澳台**证号");

    hh_close(h);
    test_rmtree(dir);
    free(dir);
    return 0;
}
