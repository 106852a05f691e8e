/* meta_index.c: a sorted list of names kept in one key of a store's meta
 * table (meta has no iteration), shared by the registry's devices and the
 * office's accounts (meta_index.h). */
#include "meta_index.h"

#include <msgpack.h>
#include <string.h>

#include "mpobj.h"

int srv_index_each(store_txn *txn, const char *key,
                   int (*cb)(const char *, size_t, void *), void *ctx)
{
    const void *v;
    size_t len;
    int rc = store_meta_get(txn, key, &v, &len);
    if (rc == RND_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    rc = RND_ECORRUPT;
    if (srv_mp_bounded(v, len) &&
        msgpack_unpack_next(&u, v, len, &off) == MSGPACK_UNPACK_SUCCESS &&
        u.data.type == MSGPACK_OBJECT_ARRAY) {
        rc = 0;
        const msgpack_object_array *a = &u.data.via.array;
        for (uint32_t i = 0; i < a->size && rc == 0; i++) {
            if (a->ptr[i].type != MSGPACK_OBJECT_STR) {
                rc = RND_ECORRUPT;
                break;
            }
            rc = cb(a->ptr[i].via.str.ptr, a->ptr[i].via.str.size, ctx);
        }
    }
    msgpack_unpacked_destroy(&u);
    return rc;
}

int srv_index_bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

typedef struct index_add {
    const char *entry;
    size_t len;
    srv_index_cmp cmp;
    int placed, present;
    uint32_t n;
    msgpack_packer *pk;
} index_add;

static void pack_str(msgpack_packer *pk, const char *s, size_t n)
{
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

static int count_cb(const char *s, size_t n, void *ctx)
{
    index_add *a = ctx;
    if (srv_index_bytes_cmp(s, n, a->entry, a->len) == 0)
        a->present = 1;
    a->n++;
    return 0;
}

static int copy_cb(const char *s, size_t n, void *ctx)
{
    index_add *a = ctx;
    if (!a->placed && a->cmp(a->entry, a->len, s, n) < 0) {
        pack_str(a->pk, a->entry, a->len);
        a->placed = 1;
    }
    pack_str(a->pk, s, n);
    return 0;
}

int srv_index_add(store_txn *txn, const char *key, const char *entry,
                  srv_index_cmp cmp)
{
    index_add a = {.entry = entry, .len = strlen(entry), .cmp = cmp};
    int rc = srv_index_each(txn, key, count_cb, &a);
    if (rc || a.present)
        return rc;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, a.n + 1);
    a.pk = &pk;
    rc = srv_index_each(txn, key, copy_cb, &a);
    if (rc == 0 && !a.placed)
        pack_str(&pk, a.entry, a.len);
    if (rc == 0)
        rc = sb.data ? store_meta_put(txn, key, sb.data, sb.size) : RND_ENOMEM;
    msgpack_sbuffer_destroy(&sb);
    return rc;
}
