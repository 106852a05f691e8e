/* migrate.h: upgrades of the on-disk store format, internal to storage/.
 *
 * store_open() calls these inside the write transaction that opens a
 * writable store whose meta "format" is older than STORE_FORMAT_VERSION;
 * the transaction also sets the new format, so a store is either wholly
 * migrated or untouched. They work on raw LMDB handles and return 0 or an
 * LMDB/errno code, which store.c translates like any other.
 */
#ifndef RND_STORE_MIGRATE_H
#define RND_STORE_MIGRATE_H

#include <lmdb.h>

/* Format 1 -> 2: fills the (new, empty) heads database from ops: for each
 * device its highest seq and the SHA-256 of that op's encoding. ops values
 * are recv_ms (8 bytes) + encoded op. *devices gets the number of heads
 * written. */
int store__migrate_1_to_2(MDB_txn *txn, MDB_dbi ops, MDB_dbi heads,
                          unsigned long *devices);

/* Format 2 -> 3: the (new, empty) attachment indexes atts and eatts get
 * every attach op ops holds (ops a handheld of format 2 pulled from a
 * newer server: store_attach.c's layout). */
int store__migrate_2_to_3(MDB_txn *txn, MDB_dbi ops, MDB_dbi atts,
                          MDB_dbi eatts);

#endif
