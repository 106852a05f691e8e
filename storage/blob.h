/* blob.h: attachment bytes, content-addressed, in files beside a store.
 *
 * An attachment is named by the SHA-256 of its bytes. A blob store is a
 * folder (the store's `attachments/`, created on open) holding
 *   ab/cdef...   one file per attachment: 2 hex digits of the hash, then
 *                the other 62 (lower case); the file's bytes hash to its
 *                name, and it is whole: it appears by an atomic rename
 *                after its bytes and its folder were fsynced
 *   partial/H    an upload under way (64 hex digits): bytes received so
 *                far, from offset 0, to be resumed where they end
 *   tmp/         files being written by blob_put, named PID-N-RANDOM
 * Folders are made 0700 and files 0600: the bytes are residents' photos
 * and signatures.
 * Bytes are never in LMDB and never in an op; the op that refers to an
 * attachment commits only after blob_put() or blob_partial_finish() has
 * returned 0 (docs/DATA-MODEL.md, "Attachments").
 *
 * Thread safety: a blob_store may be used from several threads at once
 * (its only mutable state is atomic), and several blob_stores, in one
 * process or several, may share a folder; two writers of the same hash
 * race harmlessly (same bytes, one rename wins). Two uploads of the same
 * partial at once are the caller's to prevent. Functions return 0 or a
 * negative RND_E* code (proto/errors.h): RND_EIO for a file system failure
 * (a folder missing, not a folder, or not ours to write included),
 * RND_EDISKFULL for ENOSPC, EDQUOT and EFBIG (a file-size limit),
 * RND_EHASH for bytes that do not match their name, RND_ENOTFOUND,
 * RND_ENOMEM, RND_EINVAL for a NULL or malformed argument.
 */
#ifndef RND_BLOB_H
#define RND_BLOB_H

#include <stddef.h>
#include <stdint.h>

#define BLOB_HASH_LEN 32
#define BLOB_HEX_LEN 64

typedef struct blob_store blob_store;

/* Opens (creating if needed, with its subfolders) the blob store in dir.
 * Only dir's last component is made: a missing folder above it is RND_EIO;
 * a dir longer than about 4,000 bytes is RND_EINVAL. *out is the caller's
 * (NULL on failure); blob_close() frees it. Leftovers in tmp/ from a crash
 * are removed here: files whose name holds no pid or the pid of no running
 * process (a live writer's stays; no clock is asked). Removal is best
 * effort, so a folder that may only be read still opens, for reading.
 * Uploads under way in partial/ are kept. */
int blob_open(blob_store **out, const char *dir);
void blob_close(blob_store *bs);

/* Writes data[0..len) as the attachment of its hash (stored to hash_out,
 * may be NULL; it is stored on failure too): hash, tmp file, write, fsync,
 * rename, fsync of the hex folder (and of dir first, when the hex folder
 * is new to this blob_store). An attachment already present is left as it
 * is (0). On failure nothing is left, in tmp/ or at the final name. */
int blob_put(blob_store *bs, const uint8_t *data, size_t len,
             uint8_t hash_out[BLOB_HASH_LEN]);

/* 0 and *size (may be NULL) when the attachment is present, RND_ENOTFOUND
 * when not. Does not read the bytes. */
int blob_has(blob_store *bs, const uint8_t hash[BLOB_HASH_LEN], uint64_t *size);

/* Reads len bytes at offset of a present attachment into buf; *got is how
 * many (fewer only at its end). */
int blob_read(blob_store *bs, const uint8_t hash[BLOB_HASH_LEN],
              uint64_t offset, uint8_t *buf, size_t len, size_t *got);

/* Reads the whole attachment, rehashing it: 0 when its bytes still hash
 * to its name, RND_EHASH when not (a damaged disk), RND_ENOTFOUND. For
 * backups and `rounds attachment verify`. */
int blob_verify(blob_store *bs, const uint8_t hash[BLOB_HASH_LEN]);

/* Copies a present attachment to the file path (created 0600, or
 * replaced), verifying the hash while copying: through a temp file beside
 * path (path.tmp-PID-N-RANDOM), fsynced, renamed to path, then path's
 * folder fsynced. On any failure (RND_EHASH included) the temp file is
 * removed and path is as it was: no file when there was none. */
int blob_export(blob_store *bs, const uint8_t hash[BLOB_HASH_LEN],
                const char *path);

/* Resumable uploads. *have is how many bytes of hash's upload are held
 * (0 when none, the size when the attachment is already whole). */
int blob_partial_size(blob_store *bs, const uint8_t hash[BLOB_HASH_LEN],
                      uint64_t *have);
/* Appends data at offset, which must be the size held (else RND_EINVAL:
 * the caller asks again where to resume). RND_EEXIST when the attachment
 * is already whole (another upload of the same bytes finished). Written
 * but not fsynced: a crash may lose or damage the tail, and a full disk
 * may leave part of data written (then *have says how much);
 * blob_partial_finish's rehash finds anything wrong. */
int blob_partial_write(blob_store *bs, const uint8_t hash[BLOB_HASH_LEN],
                       uint64_t offset, const uint8_t *data, size_t len);
/* Ends an upload of total bytes: rehashes the partial file from disk;
 * when it matches, fsyncs it and renames it into place (and fsyncs the
 * folder), and returns 0; when it does not, removes it and returns
 * RND_EHASH (the upload starts again from 0). RND_EINVAL when fewer than
 * total bytes are held (kept, to be resumed), and when more are held
 * (removed: it cannot be right). 0 when nothing is held and the attachment
 * is already whole with total bytes; an empty attachment needs no write
 * before its finish with total 0. */
int blob_partial_finish(blob_store *bs, const uint8_t hash[BLOB_HASH_LEN],
                        uint64_t total);
/* Drops an upload under way (no error when there is none). */
int blob_partial_drop(blob_store *bs, const uint8_t hash[BLOB_HASH_LEN]);

/* Removes a present attachment (purge, orphan collection) and fsyncs its
 * folder, so a purge stays done after a crash; RND_ENOTFOUND when
 * absent. */
int blob_remove(blob_store *bs, const uint8_t hash[BLOB_HASH_LEN]);

/* Calls fn for every present attachment, in no set order, with its hash,
 * size and modification time (s since the epoch); fn returns 0 to go on,
 * anything else stops the walk and is returned. Only regular files with
 * 62 lower-case hex digits in the 256 lower-case hex folders are
 * attachments: tmp/, partial/ and anything else are never walked. */
typedef int (*blob_each_fn)(const uint8_t hash[BLOB_HASH_LEN], uint64_t size,
                            int64_t mtime_s, void *arg);
int blob_each(blob_store *bs, blob_each_fn fn, void *arg);

/* The file system's "now" in seconds since the epoch, as the mtime of a
 * file it writes in tmp/ (and removes): what the mtimes blob_each gives
 * are compared with. A process clock can disagree with the file system
 * (a clock moved, faketime in tests, a network file system). */
int blob_now(blob_store *bs, int64_t *now_s);

/* Hex helpers: 64 lower-case hex digits and a NUL; parse accepts upper
 * case too and refuses anything but exactly 64 hex digits (RND_EINVAL). */
void blob_hex(const uint8_t hash[BLOB_HASH_LEN], char out[BLOB_HEX_LEN + 1]);
int blob_unhex(const char *hex, uint8_t hash[BLOB_HASH_LEN]);

#endif
