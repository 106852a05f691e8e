/* site_move.c: the "moved" mark of a site's store (site_move.h). */
#include <msgpack.h>
#include <string.h>

#include "../proto/mp.h"
#include "mpobj.h"
#include "site_move.h"

static int read_text(mp_cur *c, char *out, size_t cap)
{
    const char *s;
    uint32_t n;
    int rc = mp_read_str(c, cap - 1, &s, &n);
    if (rc)
        return rc;
    memcpy(out, s, n);
    out[n] = '\0';
    return 0;
}

static int decode(const void *v, size_t len, int *state, srv_node_ref *to)
{
    mp_cur c;
    uint64_t n, ver, st;
    mp_cur_init(&c, v, len);
    if (mp_read_array(&c, &n) || n != 6 || mp_read_u64(&c, &ver) || ver != 1 ||
        mp_read_u64(&c, &st) || st < SRV_SITE_MOVING || st > SRV_SITE_MOVED)
        return RND_ECORRUPT;
    *state = (int)st;
    if (to == NULL)
        return 0;
    const uint8_t *p;
    uint32_t plen;
    if (mp_read_u64(&c, &to->epoch) ||
        read_text(&c, to->node, sizeof to->node) ||
        read_text(&c, to->addr, sizeof to->addr) ||
        mp_read_bin_ref(&c, PROTO_CERT_MAX, &p, &plen) || c.p != c.end)
        return RND_ECORRUPT;
    memcpy(to->cert, p, plen);
    to->cert[plen] = '\0';
    to->cert_len = plen;
    return 0;
}

int srv_site_mark_get(store_txn *txn, int *state, srv_node_ref *to)
{
    const void *v;
    size_t len;
    *state = SRV_SITE_HERE;
    int rc = store_meta_get(txn, SRV_SITE_MOVED_KEY, &v, &len);
    if (rc == RND_ENOTFOUND || (rc == 0 && len == 0))
        return 0;
    if (rc)
        return rc;
    return decode(v, len, state, to);
}

int srv_site_where(store_txn *txn, int *state)
{
    return srv_site_mark_get(txn, state, NULL);
}

int srv_site_mark_put(store_txn *txn, int state, const srv_node_ref *to)
{
    if (state == SRV_SITE_HERE)
        return store_meta_put(txn, SRV_SITE_MOVED_KEY, "", 0);
    if (to == NULL || to->cert_len > PROTO_CERT_MAX ||
        (state != SRV_SITE_MOVING && state != SRV_SITE_MOVED))
        return RND_EINVAL;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 6);
    msgpack_pack_uint8(&pk, 1);
    msgpack_pack_uint8(&pk, (uint8_t)state);
    msgpack_pack_uint64(&pk, to->epoch);
    srv_mp_pack_str(&pk, to->node);
    srv_mp_pack_str(&pk, to->addr);
    msgpack_pack_bin(&pk, to->cert_len);
    msgpack_pack_bin_body(&pk, to->cert, to->cert_len);
    int rc = sb.data ? store_meta_put(txn, SRV_SITE_MOVED_KEY, sb.data, sb.size)
                     : RND_ENOMEM;
    msgpack_sbuffer_destroy(&sb);
    return rc;
}
