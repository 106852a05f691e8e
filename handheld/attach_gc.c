/* attach_gc.c: collecting the handheld's orphan attachment files
 * (handheld.h, "attachments", hh_attachment_gc): files in attachments/
 * that no attach op names. attach.c writes the bytes before it commits
 * their op, so a crash (or a refused op) in between leaves a file nobody
 * refers to; nothing else ever removes it.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../storage/blob.h"
#include "../storage/store.h"
#include "handheld.h"
#include "hh_internal.h"

typedef struct old_file {
    uint8_t hash[BLOB_HASH_LEN];
    uint64_t size;
    int young; /* newer than the grace period */
} old_file;

typedef struct gc_walk {
    int64_t now_s, min_age_s;
    old_file *v;
    size_t n, cap;
    uint64_t young; /* orphans newer than the grace period */
} gc_walk;

static int gc_cb(const uint8_t hash[BLOB_HASH_LEN], uint64_t size,
                 int64_t mtime_s, void *arg)
{
    gc_walk *w = arg;
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 64;
        old_file *v = realloc(w->v, cap * sizeof *v);
        if (v == NULL)
            return RND_ENOMEM;
        w->v = v;
        w->cap = cap;
    }
    memcpy(w->v[w->n].hash, hash, BLOB_HASH_LEN);
    w->v[w->n].young = w->min_age_s > 0 && w->now_s - mtime_s < w->min_age_s;
    w->v[w->n++].size = size;
    return 0;
}

int hh_attachment_gc(hh *h, int64_t min_age_s, int dry_run,
                     hh_attachment_gc_cb cb, void *ctx, hh_gc_result *out)
{
    blob_store *bs;
    memset(out, 0, sizeof *out);
    if (min_age_s < 0)
        return hh__fail(h, RND_EINVAL, "attachment gc: a negative age");
    int rc = hh__blobs(h, &bs);
    if (rc)
        return rc;
    /* The files first, then the store (see handheld.h). The files' times
     * are the file system's, so the age is against the file system's
     * clock (blob_now), not the handle's (hh_set_clock) nor the
     * process's. */
    gc_walk w = {0, min_age_s, NULL, 0, 0, 0};
    rc = blob_now(bs, &w.now_s);
    if (rc == 0)
        rc = blob_each(bs, gc_cb, &w);
    if (rc) {
        free(w.v);
        return hh__fail(h, rc, "attachment gc: cannot list the files: %s",
                        rnd_strerror(rc));
    }
    store_txn *t;
    size_t norph = 0;
    if ((rc = store_read_begin(h->s, &t)) == 0) {
        for (size_t i = 0; rc == 0 && i < w.n; i++) {
            store_att a;
            int g = store_att_get(t, w.v[i].hash, &a);
            if (g == RND_ENOTFOUND && w.v[i].young)
                w.young++; /* an orphan, or an attach under way: kept */
            else if (g == RND_ENOTFOUND)
                w.v[norph++] = w.v[i]; /* keep the orphans only */
            else if (g)
                rc = g;
        }
        store_read_end(t);
    }
    if (rc) {
        free(w.v);
        return hh__store_fail(h, rc);
    }
    out->kept_young = w.young;
    for (size_t i = 0; i < norph; i++) {
        int r = dry_run ? 0 : blob_remove(bs, w.v[i].hash);
        if (r == RND_ENOTFOUND)
            continue;
        if (r) {
            free(w.v);
            return hh__fail(h, r, "attachment gc: cannot remove a file: %s",
                            rnd_strerror(r));
        }
        out->files++;
        out->bytes += w.v[i].size;
        if (cb) {
            char hex[BLOB_HEX_LEN + 1];
            blob_hex(w.v[i].hash, hex);
            if ((r = cb(hex, w.v[i].size, ctx)) != 0) {
                free(w.v);
                return r;
            }
        }
    }
    free(w.v);
    return 0;
}
