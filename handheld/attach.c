/* attach.c: attachments on the handheld (handheld.h, "attachments"):
 * putting a photo, a drawn signature or a PDF on a record, listing a
 * record's attachments, and copying one out.
 *
 * The order of an attach is what makes it safe: the bytes are checked
 * (proto/media.h) and stripped of location, written and fsynced under
 * their hash (storage/blob.h), and only then is the attach op committed.
 * A crash between the two leaves a file no op names (an orphan, collected
 * later), never an op naming bytes that are not there.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../proto/attach.h"
#include "../proto/media.h"
#include "../proto/sha256.h"
#include "../storage/blob.h"
#include "../storage/store.h"
#include "handheld.h"
#include "hh_internal.h"

#define fail hh__fail

int hh__blobs(hh *h, blob_store **out)
{
    if (h->blobs == NULL) {
        char dir[4096];
        int n = snprintf(dir, sizeof dir, "%s/attachments", h->path);
        if (n < 0 || (size_t)n >= sizeof dir)
            return fail(h, RND_EINVAL, "store path too long");
        int rc = blob_open(&h->blobs, dir);
        if (rc)
            return fail(h, rc, "attachments folder %s: %s", dir,
                        rnd_strerror(rc));
    }
    *out = h->blobs;
    return 0;
}

/* Sizes in words: "9.1 MB". */
static void mb(uint64_t bytes, char *out, size_t cap)
{
    snprintf(out, cap, "%.1f MB", (double)bytes / 1e6);
}

typedef struct usage {
    uint64_t self, total;
} usage;

static int usage_cb(const store_att_ref *r, const store_att *a, void *ctx)
{
    usage *u = ctx;
    if (r->device_id == u->self)
        u->total += a->size;
    return 0;
}

typedef struct attach_ctx {
    hh *h;
    const uint8_t *entity;
    int kind;
    proto_attach a;
    const char *by;
    int64_t now;
} attach_ctx;

static int attach_fn(store_txn *t, void *arg)
{
    static _Thread_local proto_op op;
    attach_ctx *c = arg;
    char user[STORE_NAME_MAX], hex[2][PROTO_ATTACH_HEX + 1];
    int rc;

    const char *by = c->by;
    if (by == NULL || *by == '\0') {
        hh__meta_str(t, "user", user, sizeof user);
        by = user;
    }
    if (*by == '\0')
        return fail(c->h, RND_EFIELD,
                    "attach: field 'by': nobody is signed in on this "
                    "handheld; sign in or give --by");
    if (strlen(by) >= STORE_NAME_MAX)
        return fail(c->h, RND_EFIELD, "attach: field 'by' is too long");
    if ((rc = hh__by_check(c->h, "attach", by, t)) != 0)
        return rc;
    c->a.by = by;
    c->a.by_len = (uint32_t)strlen(by);
    proto_op_init(&op);
    op.kind = (uint8_t)c->kind;
    op.action = PROTO_ACTION_ATTACH;
    memcpy(op.entity, c->entity, PROTO_ENTITY_LEN);
    if ((rc = proto_attach_fields(&c->a, &op, hex)) != 0 ||
        (rc = hh__add_clk(t, &op)) != 0)
        return fail(c->h, rc, "attach: %s", rnd_strerror(rc));
    rc = store_append_local(t, &op, c->now, NULL);
    return rc ? hh__store_fail(c->h, rc) : 0;
}

typedef struct find_ref {
    const uint8_t *hash;
    int found;
} find_ref;

static int find_cb(const store_att_ref *r, const store_att *a, void *ctx)
{
    (void)a;
    find_ref *f = ctx;
    if (memcmp(r->hash, f->hash, PROTO_HASH_LEN) == 0) {
        f->found = 1;
        return 1;
    }
    return 0;
}

/* What the record is and the limits; with hash, also the device's use
 * and whether the record has the attachment (hash) or the original (of)
 * already: one read transaction. */
typedef struct pre_read {
    int kind;
    uint64_t max, quota, used;
    int has_it, has_of;
} pre_read;

static int meta_u64_or(store_txn *t, const char *key, uint64_t dflt,
                       uint64_t *out)
{
    int rc = store_meta_get_u64(t, key, out);
    if (rc == RND_ENOTFOUND) {
        *out = dflt;
        rc = 0;
    }
    return rc;
}

static int pre_check(hh *h, const uint8_t entity[PROTO_ENTITY_LEN],
                     const uint8_t *hash, const uint8_t *of, pre_read *p)
{
    store_txn *t;
    store_identity id;
    const uint8_t *state;
    size_t len;
    int rc = store_read_begin(h->s, &t);
    if (rc)
        return hh__store_fail(h, rc);
    rc = store_entity_get(t, entity, &p->kind, &state, &len);
    if (rc == 0)
        rc = meta_u64_or(t, HH_META_ATT_MAX, HH_ATTACH_MAX_DEFAULT, &p->max);
    if (rc == 0)
        rc = meta_u64_or(t, HH_META_ATT_QUOTA, HH_ATTACH_QUOTA_DEFAULT,
                         &p->quota);
    if (rc == 0)
        rc = store_identity_get(t, &id);
    usage u = {id.device_id, 0};
    if (rc == 0 && hash) /* the quota is checked once the bytes are known */
        rc = store_att_each_of(t, NULL, usage_cb, &u);
    p->used = u.total;
    find_ref f = {hash, 0}, g = {of, 0};
    if (rc == 0 && hash)
        rc = store_att_each_of(t, entity, find_cb, &f);
    if (rc == 0 && of)
        rc = store_att_each_of(t, entity, find_cb, &g);
    p->has_it = f.found;
    p->has_of = g.found;
    store_read_end(t);
    return rc ? hh__store_fail(h, rc) : 0;
}

static int role_of(hh *h, const hh_attach_opts *o, proto_media m, int *role)
{
    if (o == NULL || o->role == NULL || *o->role == '\0') {
        *role = m == PROTO_MEDIA_PDF ? PROTO_ATT_DOCUMENT : PROTO_ATT_PHOTO;
    } else {
        *role = proto_att_role_from_name(o->role, strlen(o->role));
        if (*role == 0)
            return fail(h, RND_EFIELD,
                        "attach: field 'role': '%s' is not one of photo, "
                        "signature, document, thumb",
                        o->role);
    }
    if (*role == PROTO_ATT_SIGNATURE && m != PROTO_MEDIA_PNG)
        return fail(h, RND_EFIELD,
                    "attach: field 'role': a signature is a PNG drawing, "
                    "this file is %s",
                    proto_media_type(m));
    if (*role == PROTO_ATT_DOCUMENT && m != PROTO_MEDIA_PDF)
        return fail(h, RND_EFIELD,
                    "attach: field 'role': a document is a PDF, this file "
                    "is %s",
                    proto_media_type(m));
    if ((*role == PROTO_ATT_PHOTO || *role == PROTO_ATT_THUMB) &&
        m == PROTO_MEDIA_PDF)
        return fail(h, RND_EFIELD,
                    "attach: field 'role': a PDF is a document, not a %s",
                    proto_att_role_name(*role));
    int has_of = o && o->of && *o->of;
    if ((*role == PROTO_ATT_THUMB) != has_of)
        return fail(h, RND_EFIELD,
                    has_of ? "attach: field 'of': only a thumb is a "
                             "thumbnail of another attachment"
                           : "attach: field 'of': a thumb needs the "
                             "attachment it is a thumbnail of");
    return 0;
}

int hh_attach_bytes(hh *h, const char *target, const uint8_t *data, size_t len,
                    const hh_attach_opts *opts, char hash_out[65])
{
    char hex[33], a_mb[24], b_mb[24];
    uint8_t entity[PROTO_ENTITY_LEN];
    attach_ctx c = {h, entity, 0, {{0}}, opts ? opts->by : NULL, 0};
    pre_read p = {0};
    blob_store *bs;
    uint8_t *clean = NULL;
    int role, rc;

    h->err[0] = '\0';
    if (hash_out)
        hash_out[0] = '\0';
    if (target == NULL || (data == NULL && len > 0))
        return fail(h, RND_EINVAL, "attach: no record given");
    if ((rc = hh_resolve_id(h, target, hex)) != 0)
        return rc;
    if (proto_entity_parse(hex, entity) != 0)
        return fail(h, RND_EINVAL, "attach: bad record id");
    if ((rc = pre_check(h, entity, NULL, NULL, &p)) != 0)
        return rc;
    c.kind = p.kind;
    if (!proto_action_fits(p.kind, PROTO_ACTION_ATTACH))
        return fail(h, RND_EINVAL,
                    "attach: %s is a %s (master data): attachments go on "
                    "records",
                    hex, proto_kind_name(p.kind));
    if (len > p.max) {
        mb(len, a_mb, sizeof a_mb);
        mb(p.max, b_mb, sizeof b_mb);
        return fail(h, RND_ETOOBIG,
                    "attach: the file is %s; an attachment may be at most "
                    "%s (%" PRIu64 " bytes)",
                    a_mb, b_mb, p.max);
    }
    int m = proto_media_sniff(data, len);
    if (m <= 0)
        return fail(h, RND_EMEDIA,
                    "attach: the file is not a JPEG, PNG, WebP or PDF, or it "
                    "is cut short or damaged (its bytes are checked, not its "
                    "name)");
    if ((rc = role_of(h, opts, (proto_media)m, &role)) != 0)
        return rc;
    c.a.media = (proto_media)m;
    c.a.role = (proto_att_role)role;
    if (role == PROTO_ATT_THUMB) {
        if (proto_hash_unhex(opts->of, strlen(opts->of), c.a.of) != 0)
            return fail(h, RND_EFIELD,
                        "attach: field 'of': '%s' is not 64 hex digits",
                        opts->of);
        c.a.has_of = 1;
    }

    /* Location out, unless kept: a PDF is left as it is. */
    const uint8_t *bytes = data;
    size_t n = len;
    if (m != PROTO_MEDIA_PDF && !(opts && opts->keep_location)) {
        clean = malloc(len ? len : 1);
        if (clean == NULL)
            return fail(h, RND_ENOMEM, "attach: out of memory");
        rc = proto_media_strip_location(data, len, clean, len, &n, NULL);
        if (rc) {
            free(clean);
            return fail(h, rc, "attach: the file could not be read: %s",
                        rnd_strerror(rc));
        }
        bytes = clean;
    }
    proto_sha256(bytes, n, c.a.hash);
    c.a.size = n;
    if ((rc = pre_check(h, entity, c.a.hash, c.a.has_of ? c.a.of : NULL, &p)) !=
        0)
        goto out;
    if (c.a.has_of && !p.has_of) {
        rc = fail(h, RND_EFIELD,
                  "attach: field 'of': record %s has no attachment %s", hex,
                  opts->of);
        goto out;
    }
    if (!p.has_it && p.used + n > p.quota) {
        mb(p.used + n, a_mb, sizeof a_mb);
        mb(p.quota, b_mb, sizeof b_mb);
        rc = fail(h, RND_EQUOTA,
                  "attach: this handheld's attachments would take %s, over "
                  "its quota of %s; sync, and ask the office to raise it",
                  a_mb, b_mb);
        goto out;
    }
    /* The bytes, durable, before the op that names them. */
    if ((rc = hh__blobs(h, &bs)) != 0)
        goto out;
    if ((rc = blob_put(bs, bytes, n, NULL)) != 0) {
        rc = fail(h, rc, "attach: the file could not be stored: %s",
                  rnd_strerror(rc));
        goto out;
    }
    if (!p.has_it) {
        c.now = hh__now_ms(h);
        rc = store_write(h->s, attach_fn, &c);
        if (rc && h->err[0] == '\0')
            hh__store_fail(h, rc);
    }
    if (rc == 0 && hash_out)
        proto_hash_hex(c.a.hash, hash_out);
out:
    free(clean);
    return rc;
}

int hh_attach_file(hh *h, const char *target, const char *path,
                   const hh_attach_opts *opts, char hash_out[65])
{
    uint64_t max = 0;
    h->err[0] = '\0';
    if (path == NULL)
        return fail(h, RND_EINVAL, "attach: no file given");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(h, errno == ENOENT ? RND_ENOTFOUND : RND_EIO,
                    "attach: %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return fail(h, RND_EINVAL, "attach: %s is not a file", path);
    }
    /* Over the limit: refused on its size, before a byte is read. */
    store_txn *t;
    int rc = store_read_begin(h->s, &t);
    if (rc == 0) {
        rc = meta_u64_or(t, HH_META_ATT_MAX, HH_ATTACH_MAX_DEFAULT, &max);
        store_read_end(t);
    }
    if (rc) {
        close(fd);
        return hh__store_fail(h, rc);
    }
    if ((uint64_t)st.st_size > max) {
        char a_mb[24], b_mb[24];
        mb((uint64_t)st.st_size, a_mb, sizeof a_mb);
        mb(max, b_mb, sizeof b_mb);
        close(fd);
        return fail(h, RND_ETOOBIG,
                    "attach: %s is %s; an attachment may be at most %s "
                    "(%" PRIu64 " bytes)",
                    path, a_mb, b_mb, max);
    }
    size_t want = (size_t)st.st_size;
    uint8_t *buf = malloc(want ? want : 1);
    if (buf == NULL) {
        close(fd);
        return fail(h, RND_ENOMEM, "attach: out of memory");
    }
    size_t got = 0;
    while (got < want) {
        ssize_t r = read(fd, buf + got, want - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got != want) {
        free(buf);
        return fail(h, RND_EIO, "attach: %s: could not read it whole", path);
    }
    rc = hh_attach_bytes(h, target, buf, got, opts, hash_out);
    free(buf);
    return rc;
}

typedef struct list_ctx {
    hh *h;
    blob_store *bs;
    hh_attachment_cb cb;
    void *ctx;
} list_ctx;

static int list_cb(const store_att_ref *r, const store_att *a, void *arg)
{
    list_ctx *l = arg;
    hh_attachment x;
    memset(&x, 0, sizeof x);
    proto_entity_hex(r->entity, x.record);
    proto_hash_hex(r->hash, x.hash);
    x.size = a->size;
    x.type = proto_media_type((proto_media)a->media);
    if (x.type == NULL)
        x.type = "application/octet-stream";
    x.role = proto_att_role_name(r->role);
    if (x.role == NULL)
        x.role = "?";
    if (r->has_of)
        proto_hash_hex(r->of, x.of);
    x.device_id = r->device_id;
    x.seq = r->seq;
    x.wall_ms = r->wall_ms;
    x.present = l->bs && blob_has(l->bs, r->hash, NULL) == 0;
    x.sent = (a->flags & STORE_ATT_SENT) != 0;
    return l->cb(&x, l->ctx);
}

int hh_attachments(hh *h, const char *target, hh_attachment_cb cb, void *ctx)
{
    char hex[33];
    uint8_t entity[PROTO_ENTITY_LEN];
    list_ctx l = {h, NULL, cb, ctx};
    int rc;

    h->err[0] = '\0';
    if (cb == NULL)
        return RND_EINVAL;
    if (target) {
        if ((rc = hh_resolve_id(h, target, hex)) != 0)
            return rc;
        if (proto_entity_parse(hex, entity) != 0)
            return fail(h, RND_EINVAL, "bad record id");
    }
    if ((rc = hh__blobs(h, &l.bs)) != 0)
        return rc;
    store_txn *t;
    if ((rc = store_read_begin(h->s, &t)) != 0)
        return hh__store_fail(h, rc);
    rc = store_att_each_of(t, target ? entity : NULL, list_cb, &l);
    store_read_end(t);
    if (rc < 0 && h->err[0] == '\0' && rnd_is_storage_error(rc))
        hh__store_fail(h, rc);
    return rc;
}

int hh__att_held(hh *h, const char *hex, uint8_t hash[PROTO_HASH_LEN],
                 store_att *a, blob_store **bs, uint64_t *size)
{
    store_txn *t;
    int rc;
    if (hex == NULL || proto_hash_unhex(hex, strlen(hex), hash) != 0)
        return fail(h, RND_EINVAL,
                    "attachment: '%s' is not a hash (64 hex digits)",
                    hex ? hex : "");
    if ((rc = store_read_begin(h->s, &t)) != 0)
        return hh__store_fail(h, rc);
    rc = store_att_get(t, hash, a);
    store_read_end(t);
    if (rc == RND_ENOTFOUND)
        return fail(h, rc, "attachment %.16s...: no record has it", hex);
    if (rc)
        return hh__store_fail(h, rc);
    if ((rc = hh__blobs(h, bs)) != 0)
        return rc;
    rc = blob_has(*bs, hash, size);
    if (rc == RND_ENOTFOUND)
        return fail(h, RND_ENOTHELD,
                    "attachment %.16s...: this handheld does not hold its "
                    "bytes yet (a sync fetches what it needs)",
                    hex);
    if (rc)
        return fail(h, rc, "attachment %.16s...: %s", hex, rnd_strerror(rc));
    return 0;
}

int hh_attachment_get(hh *h, const char *hex, const char *path)
{
    uint8_t hash[PROTO_HASH_LEN];
    blob_store *bs;
    store_att a;
    int rc;

    h->err[0] = '\0';
    if (path == NULL)
        return fail(h, RND_EINVAL, "attachment: no file to write");
    if ((rc = hh__att_held(h, hex, hash, &a, &bs, NULL)) != 0)
        return rc;
    rc = blob_export(bs, hash, path);
    if (rc == RND_EHASH)
        return fail(h, rc,
                    "attachment %.16s...: the bytes held are damaged (they "
                    "no longer match their hash); nothing written",
                    hex);
    if (rc)
        return fail(h, rc, "attachment: %s: %s", path, rnd_strerror(rc));
    return 0;
}

typedef struct want_ctx {
    uint8_t hash[PROTO_HASH_LEN];
} want_ctx;

static int want_fn(store_txn *t, void *arg)
{
    want_ctx *w = arg;
    store_att a;
    int rc = store_att_get(t, w->hash, &a);
    if (rc == 0)
        rc = store_att_set_flags(t, w->hash,
                                 (uint8_t)(a.flags | STORE_ATT_WANTED));
    return rc;
}

int hh_attachment_want(hh *h, const char *hex)
{
    want_ctx w;
    blob_store *bs;
    h->err[0] = '\0';
    if (hex == NULL || proto_hash_unhex(hex, strlen(hex), w.hash) != 0)
        return fail(h, RND_EINVAL,
                    "attachment: '%s' is not a hash (64 hex digits)",
                    hex ? hex : "");
    int rc = hh__blobs(h, &bs);
    if (rc)
        return rc;
    if (blob_has(bs, w.hash, NULL) == 0)
        return 0;
    rc = store_write(h->s, want_fn, &w);
    if (rc == RND_ENOTFOUND)
        return fail(h, rc, "attachment %.16s...: no record has it", hex);
    return rc ? hh__store_fail(h, rc) : 0;
}
