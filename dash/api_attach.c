/* api_attach.c: a record's attachments on the office dashboard
 * (docs/WEB-API.md, "Attachments"): GET /api/attachments?site=S&record=ID
 * (the list, as the work-order detail also carries it) and GET
 * /api/attachment/HASH?site=S (the bytes). The site's index (storage/
 * store.h: store_att_*) says what an attachment is; its bytes are read
 * from the site's blob store (storage/blob.h), never written: the sync
 * session puts them there. Signed-in office accounts with a role on the
 * site only, as every per-site route (dash.c).
 */
#include <stdlib.h>
#include <string.h>

#include "../proto/attach.h"
#include "../proto/media.h"
#include "../proto/sha256.h"
#include "../storage/blob.h"
#include "dash_int.h"

/* The bytes are named by their hash and never change; they are a
 * resident's photo: private to the signed-in browser. */
#define ATT_CACHE "private, max-age=31536000, immutable"
/* More than any attachment a handheld may send (handheld.h: 8 MiB): a
 * larger file is not one of ours. */
#define ATT_READ_MAX ((uint64_t)64 << 20)

typedef struct list_ctx {
    rpt_jw *j;
    blob_store *bs;
} list_ctx;

static int list_cb(const store_att_ref *ref, const store_att *att, void *arg)
{
    list_ctx *l = arg;
    char hex[BLOB_HEX_LEN + 1], of[BLOB_HEX_LEN + 1], rec[33];
    blob_hex(ref->hash, hex);
    proto_entity_hex(ref->entity, rec);
    rpt_jw_obj(l->j);
    rpt_jw_kstr(l->j, "hash", hex);
    rpt_jw_kstr(l->j, "record", rec);
    rpt_jw_kint(l->j, "size", (int64_t)att->size);
    rpt_jw_kstr(l->j, "type", proto_media_type((proto_media)att->media));
    rpt_jw_kstr(l->j, "role", proto_att_role_name(ref->role));
    if (ref->has_of) {
        blob_hex(ref->of, of);
        rpt_jw_kstr(l->j, "of", of);
    } else {
        rpt_jw_kstr(l->j, "of", NULL);
    }
    rpt_jw_kint(l->j, "wall_ms", ref->wall_ms);
    rpt_jw_kbool(l->j, "held", l->bs && blob_has(l->bs, ref->hash, NULL) == 0);
    rpt_jw_end(l->j);
    return 0;
}

int dash_att_list(dash_ctx *c, rpt_jw *j, store *st,
                  const uint8_t id[PROTO_ENTITY_LEN])
{
    store_txn *t;
    blob_store *bs = NULL;
    if (dash_blobs(c, &bs) != 0)
        bs = NULL; /* no folder yet: nothing is held */
    int rc = store_read_begin(st, &t);
    if (rc)
        return rc;
    list_ctx l = {j, bs};
    rpt_jw_key(j, "attachments");
    rpt_jw_arr(j);
    rc = store_att_each_of(t, id, list_cb, &l);
    rpt_jw_end(j);
    store_read_end(t);
    return rc;
}

/* GET /api/attachments?site=S&record=ID */
static void h_attachments(dash_ctx *c)
{
    char rec[40];
    uint8_t id[PROTO_ENTITY_LEN];
    store *st;
    if (dash_param_req(c, "record", rec, sizeof rec))
        return;
    if (proto_entity_parse(rec, id) != 0) {
        dash_fail(c, RND_EFIELD, "record",
                  "field 'record' is a 32-hex record id");
        return;
    }
    if (dash_store(c, &st))
        return;
    rpt_jw *j = dash_out_begin(c);
    if (j == NULL)
        return;
    rpt_jw_kstr(j, "record", rec);
    int rc = dash_att_list(c, j, st, id);
    if (rc) {
        dash_fail(c, rc, NULL, NULL);
        return;
    }
    dash_out_end(c, 200);
}

/* GET /api/attachment/HASH?site=S: the bytes, checked against their name
 * on the way out (a damaged file is never shown as the photo). */
static void h_attachment(dash_ctx *c)
{
    const char *hex = c->rq->path + strlen("/api/attachment/");
    uint8_t hash[BLOB_HASH_LEN], got[PROTO_SHA256_LEN];
    store *st;
    store_txn *t;
    store_att att;
    blob_store *bs = NULL;
    uint64_t size = 0;
    if (blob_unhex(hex, hash) != 0) {
        dash_fail(c, RND_EFIELD, "hash", "field 'hash' is 64 hex digits");
        return;
    }
    if (dash_store(c, &st))
        return;
    int rc = store_read_begin(st, &t);
    if (rc) {
        dash_fail(c, rc, NULL, NULL);
        return;
    }
    rc = store_att_get(t, hash, &att);
    store_read_end(t);
    if (rc == RND_ENOTFOUND) {
        dash_fail(c, rc, "hash", "no record of this site has it");
        return;
    }
    if (rc) {
        dash_fail(c, rc, NULL, NULL);
        return;
    }
    if (dash_blobs(c, &bs) != 0 || blob_has(bs, hash, &size) != 0) {
        dash_fail(c, RND_ENOTFOUND, "hash",
                  "not uploaded yet: it comes with the handheld's next sync");
        return;
    }
    if (size > ATT_READ_MAX) {
        dash_fail(c, RND_ETOOBIG, "hash", "larger than any attachment");
        return;
    }
    char *buf = malloc(size ? (size_t)size : 1);
    size_t n = 0;
    if (buf == NULL) {
        dash_fail(c, RND_ENOMEM, NULL, NULL);
        return;
    }
    rc = blob_read(bs, hash, 0, (uint8_t *)buf, (size_t)size, &n);
    if (rc == 0 && n != size)
        rc = RND_EIO;
    if (rc == 0) {
        proto_sha256(buf, n, got);
        if (memcmp(got, hash, sizeof got) != 0)
            rc = RND_EHASH;
    }
    if (rc) {
        free(buf);
        dash_fail(c, rc, "hash",
                  rc == RND_EHASH ? "the bytes held are damaged" : NULL);
        return;
    }
    dash_send(c, 200, proto_media_type((proto_media)att.media), buf, n, NULL);
    c->rs->cache_control = ATT_CACHE;
}

const dash_route dash_attach_routes[] = {
    {"GET", "/api/attachments", 1, SRV_ROLE_CLERK, h_attachments},
    /* A path ending in '/' takes what follows it (dash.c: find_route). */
    {"GET", "/api/attachment/", 1, SRV_ROLE_CLERK, h_attachment},
    {NULL, NULL, 0, 0, NULL}};
