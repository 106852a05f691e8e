/* admin.h: the office's own writes on a site store: master data (sites,
 * units, routes, checkpoints, staff, resident plates, the blacklist), the
 * resolution of conflicts, and the listings the office reads.
 *
 * The office is a writer like any handheld (DESIGN.md, principle 5): every
 * change here is an op appended with store_append_local() under the site
 * store's own writer identity (the site's "office", site.h), in one durable
 * store_write(). Those ops are in the store's arrival log, so the next pull
 * of every handheld of the site carries them down. LMDB's lock lets an
 * admin command write while `roundsd serve` runs in another process.
 *
 * Master-data entity ids are deterministic per natural key (the unit
 * "3-2-1201", the plate, the checkpoint tag...), so two office commands on
 * the same unit hit the same entity: bytes 0..5 are zero, bytes 6..15 are
 * the first 10 bytes of SHA-256("<kind>/<site>/<key>"). The key of each
 * kind, and every field, is in docs/DATA-MODEL.md ("Master data").
 *
 * The field tables below are the single source of validation and of
 * `roundsd KIND add|set|retire --help`.
 * Single-threaded; errors are 0 or a negative RND_E* code.
 */
#ifndef RND_SRV_ADMIN_H
#define RND_SRV_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "../storage/fold.h"
#include "../storage/store.h"

/* Longest natural key (after normalisation), NUL excluded. */
#define SRV_MD_KEY_MAX 128

enum srv_md_type {
    SRV_MD_STR,  /* text, 1..PROTO_FIELD_STR_MAX bytes */
    SRV_MD_INT,  /* whole number within [lo, hi] */
    SRV_MD_BOOL, /* true|false (also yes|no, 1|0) */
    SRV_MD_ENUM, /* one of choices */
    SRV_MD_LIST, /* comma-separated keys, order kept (route checkpoints) */
};

/* How a field takes part in the natural key. */
enum srv_md_key_role {
    SRV_MD_NOT_KEY = 0,
    SRV_MD_KEY = 1, /* the key (or, for the blacklist, one way to give it) */
};

typedef struct srv_md_field {
    const char *flag;           /* CLI flag without "--": "interval-min" */
    const char *name;           /* field name in the op: "interval_min" */
    uint8_t type;               /* enum srv_md_type */
    uint8_t key;                /* enum srv_md_key_role */
    uint8_t required;           /* required by "add" */
    const char *const *choices; /* SRV_MD_ENUM: NULL-terminated */
    const char *dflt;           /* "add" uses it when absent, or NULL */
    int64_t lo, hi;             /* SRV_MD_INT range */
    const char *meta;           /* the value's placeholder in --help */
    const char *help;
} srv_md_field;

typedef struct srv_md_kind {
    const char *noun;   /* "unit": the command, `roundsd unit add` */
    const char *plural; /* "units": `roundsd list units` */
    uint8_t kind;       /* enum proto_kind */
    const char *help;
    const srv_md_field *fields; /* terminated by a NULL flag */
} srv_md_kind;

/* The master-data kinds, terminated by a NULL noun. Static. */
const srv_md_kind *srv_md_kinds(void);
/* By noun ("unit") or plural ("units"); NULL when unknown. */
const srv_md_kind *srv_md_find(const char *name);
/* By proto kind; NULL for a kind that is not master data. */
const srv_md_kind *srv_md_of_kind(int kind);

/* The deterministic id of the master-data entity of kind with natural key
 * key[0..len) on site (see the top of this file). */
void srv_md_entity_id(int kind, const char *site, const char *key, size_t len,
                      uint8_t out[PROTO_ENTITY_LEN]);

/* One --flag value given to an admin write. */
typedef struct srv_admin_kv {
    const char *flag; /* without "--" */
    const char *value;
} srv_admin_kv;

enum srv_admin_mode {
    SRV_ADMIN_ADD = 1,    /* create; refused if active; revives if retired */
    SRV_ADMIN_SET = 2,    /* change the given fields of an existing entry */
    SRV_ADMIN_RETIRE = 3, /* retire an active entry */
};

/* Whether flag is accepted by mode on kind k (besides --site): the kind's
 * fields for add and set, its key fields for retire, plus "by" for every
 * mode and "reason" for retire. */
int srv_admin_flag_ok(const srv_md_kind *k, int mode, const char *flag);

/* What an admin write did, or why it did not. */
typedef struct srv_admin_out {
    uint8_t id[PROTO_ENTITY_LEN];
    int action;                   /* PROTO_ACTION_* written */
    int revived;                  /* an add or set of a retired entry */
    char key[SRV_MD_KEY_MAX + 1]; /* the natural key */
    char msg[512];                /* failure: a sentence naming the flag */
} srv_admin_out;

/* Writes one master-data op on the site store st (whose writer is the
 * site's office), durably. mode is an srv_admin_mode. The entry is named
 * by its key flags in kv, or for SET and RETIRE by target, its 32-hex id
 * (then no key flag may be given). kv holds the other flags ("by": who in
 * the office, default "office"; "reason" for retire). Every op after the
 * create carries _seen (fold.h). now_ms is the office's clock.
 * Errors: RND_EFIELD (unknown, missing, repeated or malformed flag: out->msg
 * names it), RND_EEXIST (add of an active entry), RND_ENOTFOUND (set or
 * retire of an entry that does not exist), RND_ETRANSITION (retire of a
 * retired entry), storage errors. */
int srv_admin_write(store *st, const char *site, const srv_md_kind *k, int mode,
                    const char *target, const srv_admin_kv *kv, size_t n,
                    int64_t now_ms, srv_admin_out *out);

/* Resolves the conflict on field of the entity id_hex (any kind): writes
 * an op of the entity's kind, action SET, with fields {field: value,
 * "_seen": the entity's current view (it covers every head, fold.h),
 * "resolve_reason": reason (if not NULL), "resolve_by": by (if not NULL)}.
 * The value takes the type of the candidates (a number for a number).
 * Errors: RND_EFIELD (bad id, empty field, value of the wrong type),
 * RND_ENOTFOUND (no such entity, or no conflict on that field), storage
 * errors; out->msg says which. */
int srv_admin_resolve(store *st, const char *id_hex, const char *field,
                      const char *value, const char *reason, const char *by,
                      int64_t now_ms, srv_admin_out *out);

/* Called with a parsed entity; st is valid during the call only. Non-zero
 * stops (and is returned; 1 stops with success). */
typedef int (*srv_state_cb)(const fold_state *st, void *ctx);

/* Every entity with at least one conflict (st->nconflicts > 0), by kind
 * then id, in one read transaction. */
int srv_admin_conflicts(store *st, srv_state_cb cb, void *ctx);

/* The entities of a master-data kind, sorted by their natural key; active
 * ones only unless all. vacant_only: units whose "vacant" is true. */
int srv_admin_list(store *st, const srv_md_kind *k, int all, int vacant_only,
                   srv_state_cb cb, void *ctx);

/* The natural key of a master-data state (its key field; for the
 * blacklist "person:<id_no or name>" or "plate:<plate>") into out. */
void srv_md_state_key(const fold_state *st, char *out, size_t cap);

#endif
