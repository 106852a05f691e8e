/* migrate.c: on-disk format upgrades (migrate.h, docs/DATA-MODEL.md "Store
 * layout").
 *
 * Format 2 added the heads database, the chain head of every device the
 * store holds ops of, so that checking a new op's prev_hash needs neither a
 * seek for the device's last op nor a read and re-hash of it. Building it
 * from a format-1 store costs one seek and one hash per device, not per op:
 * the last op of a device is found by seeking just past its keys.
 */
#include <errno.h>
#include <string.h>

#include "../proto/proto.h"
#include "../proto/sha256.h"
#include "migrate.h"

/* The layouts of store.h: ops keys are device_id u64be + seq u64be, values
 * recv_ms i64be + the encoded op; heads values seq u64be + hash. */
#define OPS_KEY 16
#define RECV_LEN 8
#define HEAD_VAL (8 + PROTO_HASH_LEN)

int store__migrate_1_to_2(MDB_txn *txn, MDB_dbi ops, MDB_dbi heads,
                          unsigned long *devices)
{
    *devices = 0;
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn, ops, &c);
    if (rc)
        return rc;
    MDB_val k, v;
    rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
    while (rc == 0) {
        if (k.mv_size != OPS_KEY || v.mv_size < RECV_LEN) {
            rc = MDB_CORRUPTED;
            break;
        }
        uint64_t dev = proto_be64_get(k.mv_data);
        /* The device's last op: the key before the next device's first,
         * or the last key of all. */
        uint8_t seek[OPS_KEY];
        if (dev == UINT64_MAX) {
            rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
        } else {
            proto_be64_put(seek, dev + 1);
            memset(seek + 8, 0, 8);
            k.mv_size = sizeof seek;
            k.mv_data = seek;
            rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
            if (rc == 0)
                rc = mdb_cursor_get(c, &k, &v, MDB_PREV);
            else if (rc == MDB_NOTFOUND)
                rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
        }
        if (rc)
            break;
        if (k.mv_size != OPS_KEY || v.mv_size < RECV_LEN ||
            proto_be64_get(k.mv_data) != dev) {
            rc = MDB_CORRUPTED;
            break;
        }
        uint8_t hkey[8], hval[HEAD_VAL];
        proto_be64_put(hkey, dev);
        memcpy(hval, (const uint8_t *)k.mv_data + 8, 8);
        proto_sha256((const uint8_t *)v.mv_data + RECV_LEN,
                     v.mv_size - RECV_LEN, hval + 8);
        MDB_val hk = {sizeof hkey, hkey}, hv = {sizeof hval, hval};
        /* Devices come in ascending order: each head goes at the end. */
        rc = mdb_put(txn, heads, &hk, &hv, MDB_APPEND);
        if (rc)
            break;
        (*devices)++;
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}
