/* attach_app.c: an attachment's bytes read into memory for `rounds app`
 * (handheld.h, "attachments": hh_attachment_read), so that showing a
 * thumbnail writes no file: hh_attachment_get exports to a file (and
 * fsyncs it), which is right for the CLI, not for every image a page
 * shows. The same checks as hh_attachment_get: an attachment some record
 * has, whose bytes this handheld holds, rehashed before they are handed
 * over.
 */
#include <stdlib.h>
#include <string.h>

#include "../proto/attach.h"
#include "../proto/media.h"
#include "../proto/sha256.h"
#include "../storage/blob.h"
#include "../storage/store.h"
#include "handheld.h"
#include "hh_internal.h"

int hh_attachment_read(hh *h, const char *hex, size_t max, uint8_t **out,
                       size_t *len, const char **type)
{
    uint8_t hash[PROTO_HASH_LEN], got[PROTO_SHA256_LEN];
    blob_store *bs;
    store_att a;
    uint64_t size = 0;
    size_t n = 0;
    int rc;

    h->err[0] = '\0';
    if (out == NULL || len == NULL)
        return hh__fail(h, RND_EINVAL, "attachment: nowhere to read to");
    *out = NULL;
    *len = 0;
    if ((rc = hh__att_held(h, hex, hash, &a, &bs, &size)) != 0)
        return rc;
    if (size > max)
        return hh__fail(h, RND_ETOOBIG,
                        "attachment %.16s...: %llu bytes, more than %zu", hex,
                        (unsigned long long)size, max);
    uint8_t *buf = malloc(size ? (size_t)size : 1);
    if (buf == NULL)
        return hh__fail(h, RND_ENOMEM, "attachment: out of memory");
    rc = blob_read(bs, hash, 0, buf, (size_t)size, &n);
    if (rc == 0 && n != size)
        rc = RND_EIO;
    if (rc) {
        free(buf);
        return hh__fail(h, rc, "attachment %.16s...: %s", hex,
                        rnd_strerror(rc));
    }
    proto_sha256(buf, n, got);
    if (memcmp(got, hash, sizeof got) != 0) {
        free(buf);
        return hh__fail(h, RND_EHASH,
                        "attachment %.16s...: the bytes held are damaged "
                        "(they no longer match their hash)",
                        hex);
    }
    if (type)
        *type = proto_media_type((proto_media)a.media);
    *out = buf;
    *len = n;
    return 0;
}
