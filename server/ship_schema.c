/* ship_schema.c: the schema's migrations (ship_schema.h): the SQL files of
 * server/pg/, embedded at build time as ship_assets[] (ship_int.h), put in
 * order by ship_migrations_order() (ship_rows.c) and applied here. */
#include "ship_schema.h"

#include "../proto/errors.h"
#include "log.h"
#include "ship_int.h"
#include "ship_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#define MIGRATIONS_MAX 64
/* pg_advisory_xact_lock's key while migrating: several roundsd nodes may
 * share one database. "RNDS" */
#define MIGRATE_LOCK 0x524e4453

/* "what: PostgreSQL's message", without libpq's trailing newline. */
static void say(char *err, size_t errlen, const char *what, const char *detail)
{
    /* (the result used: a message cut at errlen is fine) */
    int n = snprintf(err, errlen, "%s%s%s", what, detail ? ": " : "",
                     detail ? detail : "");
    size_t len = n < 0 ? 0 : strlen(err);
    while (len && (err[len - 1] == '\n' || err[len - 1] == ' '))
        err[--len] = '\0';
}

int ship_pg_connect(const char *dsn, int timeout_s, char *err, size_t errlen,
                    struct pg_conn **out)
{
    *out = NULL;
    char timeout[16];
    snprintf(timeout, sizeof timeout, "%d", timeout_s > 0 ? timeout_s : 1);
    /* dbname last, expanded (the 1): the dsn's own values come after ours
     * and win. */
    const char *const keys[] = {"connect_timeout", "application_name", "dbname",
                                NULL};
    const char *const vals[] = {timeout, "roundsd", dsn ? dsn : "", NULL};
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    if (conn == NULL) {
        snprintf(err, errlen, "out of memory");
        return RND_ENOMEM;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        ship_pg_message(dsn, PQerrorMessage(conn), err, errlen);
        PQfinish(conn);
        return RND_ECONNECT;
    }
    *out = conn;
    return 0;
}

/* Runs sql; 0 when it gives want. */
static int run(PGconn *conn, const char *sql, ExecStatusType want,
               const char *what, char *err, size_t errlen)
{
    PGresult *r = PQexec(conn, sql);
    int ok = PQresultStatus(r) == want;
    if (!ok)
        say(err, errlen, what,
            r ? PQresultErrorMessage(r) : PQerrorMessage(conn));
    PQclear(r);
    return ok ? 0 : RND_EIO;
}

/* One migration in its own transaction, unless it is applied already. */
static int apply_one(PGconn *conn, const ship_migration *m, int *applied,
                     char *err, size_t errlen)
{
    char sql[256];
    *applied = 0;
    snprintf(sql, sizeof sql,
             "BEGIN; SELECT pg_advisory_xact_lock(%d); "
             "SELECT 1 FROM rounds_schema WHERE version = %d",
             MIGRATE_LOCK, m->version);
    PGresult *r = PQexec(conn, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        say(err, errlen, "migration", PQresultErrorMessage(r));
        PQclear(r);
        return RND_EIO;
    }
    int have = PQntuples(r) > 0;
    PQclear(r);
    if (have)
        return run(conn, "COMMIT", PGRES_COMMAND_OK, "migration", err, errlen);
    char *text = malloc(m->sql_len + 1);
    if (text == NULL)
        return RND_ENOMEM;
    memcpy(text, m->sql, m->sql_len);
    text[m->sql_len] = '\0';
    r = PQexec(conn, text);
    free(text);
    if (PQresultStatus(r) != PGRES_COMMAND_OK &&
        PQresultStatus(r) != PGRES_TUPLES_OK) {
        char what[160];
        snprintf(what, sizeof what, "migration %s", m->name);
        say(err, errlen, what, PQresultErrorMessage(r));
        PQclear(r);
        char ignored[64];
        (void)run(conn, "ROLLBACK", PGRES_COMMAND_OK, "rollback", ignored,
                  sizeof ignored);
        return RND_EIO;
    }
    PQclear(r);
    char *name = PQescapeLiteral(conn, m->name, strlen(m->name));
    if (name == NULL)
        return RND_ENOMEM;
    snprintf(sql, sizeof sql,
             "INSERT INTO rounds_schema (version, name) VALUES (%d, %s); "
             "COMMIT",
             m->version, name);
    PQfreemem(name);
    int rc = run(conn, sql, PGRES_COMMAND_OK, "migration", err, errlen);
    if (rc == 0)
        *applied = 1;
    return rc;
}

int ship_schema_apply(struct pg_conn *conn, char *err, size_t errlen)
{
    const char *paths[MIGRATIONS_MAX];
    const unsigned char *data[MIGRATIONS_MAX];
    size_t lens[MIGRATIONS_MAX], n = 0;
    for (const ship_asset *a = ship_assets; a->path && n < MIGRATIONS_MAX;
         a++, n++) {
        paths[n] = a->path;
        data[n] = a->data;
        lens[n] = a->len;
    }
    ship_migration m[MIGRATIONS_MAX];
    size_t nm;
    int rc =
        ship_migrations_order(paths, data, lens, n, m, MIGRATIONS_MAX, &nm);
    if (rc) {
        say(err, errlen, "migrations", "two SQL files of one version");
        return rc;
    }
    char sql[256];
    snprintf(sql, sizeof sql,
             "BEGIN; SELECT pg_advisory_xact_lock(%d); "
             "CREATE TABLE IF NOT EXISTS rounds_schema (version integer "
             "PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT "
             "NULL DEFAULT now()); COMMIT",
             MIGRATE_LOCK);
    rc = run(conn, sql, PGRES_COMMAND_OK, "migration", err, errlen);
    if (rc)
        return rc;
    PGresult *r = PQexec(conn, "SELECT max(version) FROM rounds_schema");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        say(err, errlen, "migration", PQresultErrorMessage(r));
        PQclear(r);
        return RND_EIO;
    }
    int have = PQgetisnull(r, 0, 0) ? 0 : atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    int mine = nm ? m[nm - 1].version : 0;
    if (have > mine) {
        char detail[120];
        snprintf(detail, sizeof detail,
                 "the database's schema is version %d, this roundsd knows "
                 "up to %d",
                 have, mine);
        say(err, errlen, "refused", detail);
        return RND_ESTOREVER;
    }
    for (size_t i = 0; i < nm; i++) {
        int applied;
        rc = apply_one(conn, &m[i], &applied, err, errlen);
        if (rc)
            return rc;
        if (applied)
            srv_log(SRV_LOG_INFO, "postgresql: applied migration %s",
                    m[i].name);
    }
    return 0;
}

int ship_schema_check(const char *dsn, int *have, int *mine, char *err,
                      size_t errlen)
{
    *have = *mine = 0;
    for (const ship_asset *a = ship_assets; a->path; a++) {
        /* server/pg/NNN_name.sql: the number after the last '/' */
        const char *b = strrchr(a->path, '/');
        int v = atoi(b ? b + 1 : a->path);
        if (v > *mine)
            *mine = v;
    }
    PGconn *conn;
    char why[SHIP_CONNECT_ERR_MAX];
    int rc =
        ship_pg_connect(dsn, SHIP_CONNECT_TIMEOUT_S, why, sizeof why, &conn);
    if (rc) {
        say(err, errlen, "cannot connect", why);
        return rc;
    }
    PGresult *r = PQexec(conn, "SELECT to_regclass('rounds_schema') IS NULL");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        say(err, errlen, "schema", PQresultErrorMessage(r));
        rc = RND_EIO;
    } else if (strcmp(PQgetvalue(r, 0, 0), "f") == 0) {
        PQclear(r);
        r = PQexec(conn, "SELECT coalesce(max(version), 0) FROM "
                         "rounds_schema");
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            say(err, errlen, "schema", PQresultErrorMessage(r));
            rc = RND_EIO;
        } else {
            *have = atoi(PQgetvalue(r, 0, 0));
        }
    }
    PQclear(r);
    PQfinish(conn);
    return rc;
}
