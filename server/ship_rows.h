/* ship_rows.h: what the PostgreSQL shipper (ship.h) sends, as bytes:
 * the rows of COPY's text format for the ops and records tables
 * (docs/POSTGRES.md), the JSON of an op's or a record's fields, and the
 * list of embedded migrations in the order they apply. No libpq, no
 * store, no threads: bytes in, bytes out, so a unit test drives it.
 */
#ifndef RND_SRV_SHIP_ROWS_H
#define RND_SRV_SHIP_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "../proto/proto.h"
#include "../storage/fold.h"

/* A growing byte buffer with a ceiling: a put past max bytes fails with
 * RND_ENOSPACE and leaves the buffer as it was before that put's row
 * (callers mark with len and cut back). Initialise with
 * ship_buf_init(); ship_buf_free() is safe on an initialised one. */
typedef struct ship_buf {
    char *p;
    size_t len, cap, max;
} ship_buf;

void ship_buf_init(ship_buf *b, size_t max);
void ship_buf_free(ship_buf *b);
/* Appends n bytes as they are. 0, RND_ENOSPACE or RND_ENOMEM. */
int ship_buf_put(ship_buf *b, const void *s, size_t n);

/* Appends n bytes of s as COPY's text format wants a column:
 * backslash, tab, newline and carriage return escaped (a JSON value's own
 * backslashes are doubled too). 0, RND_ENOSPACE or RND_ENOMEM. */
int ship_buf_put_esc(ship_buf *b, const char *s, size_t n);

/* One line of COPY ... FROM STDIN (text format) for table ops, columns
 * (site, device_id, seq, hlc, wall_ms, recv_ms, kind, action, entity,
 * fields, prev_hash, op): op is the decoded enc[0..len) (every field,
 * '_' metadata such as the sealed "_pii" included, as the store holds
 * it). On an error b is cut back to where it was. */
int ship_row_op(ship_buf *b, const char *site, const proto_op *op,
                const uint8_t *enc, size_t len, int64_t recv_ms);

/* One line for table records (its staging copy), columns (site, kind, id,
 * status, created_hlc, updated_hlc, created_at, updated_at, creator,
 * reopen_count, events, fields, conflicts, state): st is state[0..len)
 * parsed (fold_state_parse). On an error b is cut back. */
int ship_row_record(ship_buf *b, const char *site, const fold_state *st,
                    const uint8_t *state, size_t len);

/* The columns the two functions above write, in their order, for the
 * COPY statements. */
#define SHIP_OPS_COLUMNS                                                       \
    "site, device_id, seq, hlc, wall_ms, recv_ms, kind, action, entity, "      \
    "fields, prev_hash, op"
#define SHIP_RECORDS_COLUMNS                                                   \
    "site, kind, id, status, created_hlc, updated_hlc, created_at, "           \
    "updated_at, creator, reopen_count, events, fields, conflicts, state"

/* n fields as one JSON object (names as keys; nil null, bool, int as a
 * number, str as a string), written as COPY text (escaped). Text that is
 * not well-formed UTF-8, and U+0000, become U+FFFD: PostgreSQL's jsonb
 * takes neither (the op's exact bytes are in its op column). */
int ship_json_fields(ship_buf *b, const proto_field *f, uint32_t n);

/* The dsn with any password replaced by "***", for logs and
 * `roundsd config` (out: cap bytes). */
void ship_dsn_redact(const char *dsn, char *out, size_t cap);

/* libpq's message msg (about a connection to dsn) into out (cap bytes)
 * with every password of dsn in it replaced by "***" (libpq quotes parts
 * of a dsn it cannot parse, a password among them) and the trailing
 * newline cut. NULL msg or dsn are "". */
void ship_pg_message(const char *dsn, const char *msg, char *out, size_t cap);

/* ---- migrations ---------------------------------------------------------- */

/* One SQL file of server/pg/, embedded at build time (ship_int.h). */
typedef struct ship_migration {
    int version;      /* NNN of NNN_name.sql */
    const char *name; /* the file's name, "001_ops.sql" */
    const char *sql;  /* its text, sql_len bytes (not NUL-terminated) */
    size_t sql_len;
} ship_migration;

/* The migrations among n files (paths "/NNN_name.sql" and their bytes),
 * ascending by version, into out (cap entries), *count set. A path that
 * is not /NNN_name.sql ([a-z0-9_] name, NNN from 001) is ignored (a
 * README); two files of one version are RND_EEXIST; more than cap
 * RND_ENOSPACE. */
int ship_migrations_order(const char *const *paths,
                          const unsigned char *const *data, const size_t *lens,
                          size_t n, ship_migration *out, size_t cap,
                          size_t *count);

#endif
