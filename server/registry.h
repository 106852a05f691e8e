/* registry.h: the devices the office enrolled, and their credentials.
 *
 * One store (storage/store.h) at DATA/registry, used through its meta
 * table only:
 *   "dev/<site>/<name>"   -> a device record (MessagePack map, below)
 *   "id/<device_id hex>"  -> "<site>/<name>"  (set when a device binds)
 *   "index"               -> MessagePack array of every "<site>/<name>"
 *                            ever enrolled, sorted (meta has no iteration)
 * A record is a map with short str keys, readers ignore unknown keys:
 *   v: 1 (format), id: device_id (0 until the first hello binds it),
 *   salt: bin 16, hash: bin 32 = SHA-256(salt || credential),
 *   rev: bool revoked, enr: enrolled_ms, sync: last_sync_ms,
 *   in / out: ops received / sent by the last sync, skew: last_skew_ms,
 *   held: highest seq of the device the site store holds,
 *   pull: the site log position the device's next pull starts at (the
 *   cursor after the last OPS the server sent it; absent until then),
 *   ahead / behind: clock_ahead_ms / clock_behind_ms (absent until a sync
 *   pushed new ops),
 *   far: beyond_ops, ops of the device the server received stamped past
 *   its time plus the maximum clock offset, over every sync (absent = 0).
 * Credentials are "rdc1-" and 32 lowercase hex characters of OS randomness;
 * only the salted hash is stored.
 *
 * Used from one thread, the loop's, but for the commits of the sync notes,
 * which srv_registry_start() moves to a worker thread (the store's own
 * writer lock orders them with the loop's writes). One registry per
 * process (LMDB allows one environment per directory per process). Admin
 * commands open it beside a running server: LMDB's lock arbitrates.
 */
#ifndef RND_SRV_REGISTRY_H
#define RND_SRV_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "site.h"

#define SRV_CRED_PREFIX "rdc1-"
#define SRV_CRED_LEN 37 /* prefix + 32 hex, without the NUL */
#define SRV_SALT_LEN 16

typedef struct srv_device {
    char site[SRV_NAME_MAX + 1]; /* NUL-terminated */
    char name[SRV_NAME_MAX + 1];
    uint64_t device_id; /* 0 = not bound yet */
    uint8_t salt[SRV_SALT_LEN];
    uint8_t hash[32];
    int revoked;
    int64_t enrolled_ms;
    int64_t last_sync_ms; /* 0 = never */
    uint64_t last_ops_in, last_ops_out;
    int64_t last_skew_ms;
    uint64_t held_seq;
    /* Clock check of the last sync that pushed new ops (site.h,
     * srv_batch): how far the device clock was ahead of the server's, and
     * behind what the device had seen. have_clock 0: never measured. */
    int have_clock;
    int64_t clock_ahead_ms, clock_behind_ms;
    /* Ops received stamped past the server's time plus the site's maximum
     * clock offset (srv_batch.beyond), added up over every sync: such ops
     * are kept for good, so the device stays flagged while this is > 0. */
    uint64_t beyond_ops;
    /* Where the device's next pull starts in the site's arrival log (the
     * cursor of the last OPS answered): the ops at and after it are what
     * the device has not pulled yet. have_pull 0: never recorded. */
    int have_pull;
    uint64_t pull_cursor;
} srv_device;

typedef struct srv_registry srv_registry; /* opaque */

/* Opens (with create: creating) DATA/registry. RND_ENOTFOUND when absent
 * and create is 0, or a store error. Close with srv_registry_close(). */
int srv_registry_open(const char *data_dir, int create, srv_registry **out);

/* Flushes nothing (call srv_registry_flush() first); NULL allowed. */
void srv_registry_close(srv_registry *r);

/* The raw store behind the registry, for error texts. */
store *srv_registry_store(srv_registry *r);

/* Enrolls site/name: a fresh record (unbound, not revoked) and a new
 * credential written to cred (SRV_CRED_LEN + 1 bytes, NUL-terminated),
 * durably. RND_EINVAL for an invalid name, RND_EEXIST when the name is
 * enrolled and not revoked (a revoked one is replaced). */
int srv_registry_enroll(srv_registry *r, const char *site, const char *name,
                        int64_t now_ms, char cred[SRV_CRED_LEN + 1]);

/* Marks site/name revoked, durably; its credential stops working at the
 * next hello. *was_revoked (may be NULL) says it already was. */
int srv_registry_revoke(srv_registry *r, const char *site, const char *name,
                        int *was_revoked);

/* Reads one record. RND_ENOTFOUND when not enrolled. */
int srv_registry_get(srv_registry *r, const char *site, const char *name,
                     srv_device *out);

/* Calls cb for every enrolled device, sorted by site then name, restricted
 * to one site unless site is NULL. cb returns non-zero to stop. */
typedef int (*srv_device_cb)(const srv_device *d, void *ctx);
int srv_registry_each(srv_registry *r, const char *site, srv_device_cb cb,
                      void *ctx);

/* The one answer to a HELLO whose credential does not open the record of
 * its site and name, whatever the reason (no such device, a bad name, a
 * revoked device, a wrong secret): a stranger learns nothing about which
 * devices exist or are revoked. */
#define SRV_AUTH_WRONG "unknown device or wrong credential"

/* The hello check, read-only: nothing is written whatever the answer.
 * Authenticates the device site/name (untrusted bytes, not
 * NUL-terminated) with credential cred, claiming device_id. Returns 0 and
 * fills *out (*need_bind = 1 when the record is not bound yet and
 * srv_registry_bind() must bind device_id before the session starts), or,
 * in the order checked (docs/PROTOCOL.md, HELLO):
 *   RND_EAUTH   the credential does not open site/name (unknown device,
 *               bad name, revoked or not: *why is SRV_AUTH_WRONG), unless
 *   RND_ESITE   device_id is bound to a device of another site and cred is
 *               that device's credential;
 *   RND_EREVOKED the credential is right and the device revoked;
 *   RND_EAUTH   device_id is 0 or reserved_id (the site's office writer;
 *               0 for none), the record is bound to another id, or (not
 *               bound) device_id is bound to another live device;
 * or a store error. *why gets a sentence for the peer (static storage). */
int srv_registry_check(srv_registry *r, const char *site, size_t site_len,
                       const char *name, size_t name_len, const uint8_t *cred,
                       size_t cred_len, uint64_t device_id,
                       uint64_t reserved_id, srv_device *out, int *need_bind,
                       const char **why);

/* Binds device_id to the record d (filled by srv_registry_check()),
 * durably, before returning; every check of srv_registry_check() is made
 * again inside the write (an enroll, revoke or another hello may have come
 * between), with the same answers. Binding an id the record already has
 * writes nothing. On success *d is the record as written. */
int srv_registry_bind(srv_registry *r, srv_device *d, uint64_t device_id,
                      uint64_t reserved_id, const char **why);

/* srv_registry_check() then, when needed, srv_registry_bind(): for
 * callers that know reserved_id before the check (tools, tests). */
int srv_registry_auth(srv_registry *r, const char *site, size_t site_len,
                      const char *name, size_t name_len, const uint8_t *cred,
                      size_t cred_len, uint64_t device_id, uint64_t reserved_id,
                      srv_device *out, const char **why);

/* What a finished sync changes in a record. */
typedef struct srv_sync_note {
    char site[SRV_NAME_MAX + 1];
    char name[SRV_NAME_MAX + 1];
    uint64_t device_id; /* the note is dropped if the record was rebound */
    int ok;             /* 1: a complete sync (updates last_sync_ms) */
    int64_t sync_ms;
    uint64_t ops_in, ops_out;
    int have_skew; /* the sync pushed new ops: skew and clock are set */
    int64_t skew_ms;
    int64_t ahead_ms, behind_ms;
    uint64_t beyond; /* added to the record's beyond_ops */
    uint64_t held_seq;
    int have_pull; /* the session answered a PULL: pull_cursor is set */
    uint64_t pull_cursor;
} srv_sync_note;

/* Queues a note for the next commit of the notes (group commit: sync
 * statistics are not worth one durable commit each). RND_ENOMEM when the
 * queue cannot grow. */
int srv_registry_note(srv_registry *r, const srv_sync_note *n);

/* Moves the commits of the notes off the caller's thread: from now on
 * srv_registry_kick() hands them to a worker of loop's thread pool (the
 * serve loop must not wait for an fsync each time sessions end). log gets
 * a line when a commit fails. Call on the loop thread, once; RND_ENOMEM. */
int srv_registry_start(srv_registry *r, uv_loop_t *loop,
                       void (*log)(void *ctx, const char *line), void *log_ctx);

/* Starts the commit of every queued note unless one is in flight (then
 * they go with the next, when it ends). Before srv_registry_start(), it
 * commits them here. Errors go to the log. */
void srv_registry_kick(srv_registry *r);

/* fn(ctx, site) is called once per site of each commit of notes that holds
 * a complete sync (ok), after that commit is durable, on the thread that
 * committed (a worker of the loop's pool, or the caller of
 * srv_registry_flush): roundsd serve tells its dashboard (child.h). Call
 * before srv_registry_start(). */
void srv_registry_set_notify(srv_registry *r,
                             void (*fn)(void *ctx, const char *site),
                             void *ctx);

/* Writes every queued note in one durable transaction, after the commit in
 * flight if any (shutdown). */
int srv_registry_flush(srv_registry *r);

/* The device bound to device_id: its site and name (SRV_NAME_MAX + 1
 * bytes each). RND_ENOTFOUND when no device ever bound that id. */
int srv_registry_name_of(srv_registry *r, uint64_t device_id, char *site,
                         char *name);

/* A site's devices leaving for another node (`roundsd site move`,
 * docs/NODES.md): every record of site (credential hash and salt,
 * binding, revoked, statistics) as one MessagePack array of [site, name,
 * record bin] (the record as this file stores it), malloc'd into *out;
 * *count gets the number of devices. RND_EAGAIN when an enroll came
 * between its two reads (run again). */
int srv_registry_export_site(srv_registry *r, const char *site, uint8_t **out,
                             size_t *len, size_t *count);

/* Their arrival: writes every record of an export (and its device id's
 * binding) in one durable write, so the handhelds' credentials and ids
 * work here as they did on the old node. Nothing is written when one
 * fails: RND_EEXIST when a name is enrolled here already or a device id
 * is bound here to another live device, RND_ECORRUPT when buf does not
 * decode, RND_ESTOREVER when it came from a newer roundsd; why gets a
 * sentence. */
int srv_registry_import(srv_registry *r, const uint8_t *buf, size_t len,
                        size_t *count, char *why, size_t whylen);

/* The decoder of an export, without a registry (srv_registry_import's,
 * and a fuzz target's: tests/fuzz/fuzz_registry_import.c): each entry
 * decoded into a device (zeroed first; site and name valid names) and
 * given to cb, in order, until cb returns non-zero (returned as it is).
 * RND_ECORRUPT when buf is not an export (trailing bytes included, found
 * after the last entry's cb); RND_ESTOREVER when a record is of a newer
 * format than this roundsd's. */
int srv_registry_import_each(const uint8_t *buf, size_t len, srv_device_cb cb,
                             void *arg);

/* n devices in the export's format (as srv_registry_export_site packs a
 * site's), malloc'd into *out. 0 or RND_ENOMEM. */
int srv_registry_export_devices(const srv_device *d, size_t n, uint8_t **out,
                                size_t *len);

/* Formats a device id as 16 lowercase hex digits into out (17 bytes). */
void srv_hex64(uint64_t v, char out[17]);

/* The clock verdict of a device (shared by `roundsd devices` and `roundsd
 * report devices`): "ahead 6h0m", "behind 6h0m" (its last measured sync,
 * the larger of the two past limit_ms), else "beyond: N ops" when the
 * server ever received ops of it stamped past its time plus the maximum
 * offset (for good: the ops stay), else "ok", or "-" when never measured,
 * into text (cap bytes); *flag gets "ok", "ahead", "behind", "beyond" or
 * "unknown" (static). Every flag but "ok" and "unknown" is a clock
 * flag. */
#define SRV_SKEW_LIMIT_MIN_DEFAULT 5
void srv_clock_verdict(const srv_device *d, int64_t limit_ms, char *text,
                       size_t cap, const char **flag);

#endif
