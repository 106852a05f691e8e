/* ship_schema.h: the PostgreSQL schema of server/pg/ (docs/POSTGRES.md,
 * "Schema"), applied by whichever part of roundsd speaks to a database
 * first: the shipper at each connection, the node directory (directory.c)
 * at each of its connections, so `roundsd node add` on a new database
 * and `serve` with pg_dsn agree on one schema. */
#ifndef RND_SRV_SHIP_SCHEMA_H
#define RND_SRV_SHIP_SCHEMA_H

#include <stddef.h>

struct pg_conn; /* libpq's PGconn */

/* How long a connection to PostgreSQL may take to open, in seconds,
 * unless the dsn says otherwise (its connect_timeout wins). */
#define SHIP_CONNECT_TIMEOUT_S 5
/* Room enough for libpq's reason (ship_pg_connect's err). */
#define SHIP_CONNECT_ERR_MAX 512

/* Opens a connection to dsn (a libpq connection string or URI) with a
 * connect timeout of timeout_s seconds unless dsn gives one (a host that
 * does not answer must not keep a thread, and so serve's stop, waiting
 * forever) and application_name "roundsd" unless dsn gives one. Every
 * roundsd connection opens here. *out: the caller's, PQfinish() it.
 * Returns 0; RND_ECONNECT with libpq's reason in err (its trailing
 * newline cut, any password of dsn replaced by "***": see
 * ship_pg_message); RND_ENOMEM. *out is NULL on failure. */
int ship_pg_connect(const char *dsn, int timeout_s, char *err, size_t errlen,
                    struct pg_conn **out);

/* Applies the embedded server/pg/NNN_name.sql files this database does
 * not have yet, in the order of their numbers, each in its own
 * transaction under an advisory lock (several nodes may share the
 * database), and records each in rounds_schema. Returns 0; RND_ESTOREVER
 * when the database has a version this roundsd does not know (a newer
 * roundsd upgraded it: nothing is changed); RND_EIO when PostgreSQL
 * refused a statement; RND_ENOMEM. On failure err gets a sentence. */
int ship_schema_apply(struct pg_conn *conn, char *err, size_t errlen);

/* For `roundsd check-config`: connects to dsn and reads the schema's
 * version without changing anything. *have: the database's (0 when no
 * migration ran yet), *mine: this roundsd's newest. 0, RND_ECONNECT or
 * RND_EIO with a sentence in err. */
int ship_schema_check(const char *dsn, int *have, int *mine, char *err,
                      size_t errlen);

#endif
