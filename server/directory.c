/* directory.c: the node directory in PostgreSQL through libpq
 * (directory.h; the schema is server/pg/010_directory.sql). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <uv.h>

#include "directory.h"
#include "ship_schema.h"

struct dir_conn {
    PGconn *pg;
    char err[512];
};

static void seterr(dir_conn *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    /* libpq's messages end with a newline. */
    size_t n = strlen(c->err);
    while (n > 0 && (c->err[n - 1] == '\n' || c->err[n - 1] == ' '))
        c->err[--n] = '\0';
}

int dir_connect(const char *dsn, dir_conn **out, char *err, size_t errlen)
{
    *out = NULL;
    dir_conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return RND_ENOMEM;
    /* The connect timeout keeps a node whose PostgreSQL host does not
     * answer from holding the cache's thread, and so serve's stop. */
    int rc = ship_pg_connect(dsn, SHIP_CONNECT_TIMEOUT_S, err, errlen, &c->pg);
    if (rc) {
        free(c);
        return rc;
    }
    /* Notices (a table that exists already...) are not the user's. */
    PQsetNoticeProcessor(c->pg, NULL, NULL);
    /* The directory's tables are migration 010 of the one schema: a new
     * database gets them (and the shipper's) from whichever command or
     * node connects first. */
    rc = ship_schema_apply(c->pg, err, errlen);
    if (rc) {
        PQfinish(c->pg);
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void dir_close(dir_conn *c)
{
    if (c == NULL)
        return;
    PQfinish(c->pg);
    free(c);
}

const char *dir_error(const dir_conn *c)
{
    return c ? c->err : "";
}

/* Runs sql with n text parameters. Returns the result when its status is
 * want, else NULL with the error kept (and *rc set). */
static PGresult *run(dir_conn *c, int *rc, ExecStatusType want, const char *sql,
                     int n, const char *const *params)
{
    PGresult *r = PQexecParams(c->pg, sql, n, NULL, params, NULL, NULL, 0);
    if (r != NULL && PQresultStatus(r) == want)
        return r;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    seterr(c, "%s", r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
    /* 23xxx: a constraint refused the row (a bad name, an unknown node). */
    if (state != NULL && strncmp(state, "23", 2) == 0)
        *rc = strcmp(state, "23503") == 0 ? RND_ENOTFOUND : RND_EINVAL;
    else
        *rc = PQstatus(c->pg) == CONNECTION_OK ? RND_EIO : RND_ECONNECT;
    PQclear(r);
    return NULL;
}

static int command(dir_conn *c, const char *sql, int n,
                   const char *const *params, long *rows)
{
    int rc = 0;
    PGresult *r = run(c, &rc, PGRES_COMMAND_OK, sql, n, params);
    if (r == NULL)
        return rc;
    if (rows)
        *rows = strtol(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return 0;
}

int dir_node_put(dir_conn *c, const char *name, const char *addr,
                 const char *pem, const char *fp_hex)
{
    const char *p[4] = {name, addr, pem, fp_hex};
    return command(c,
                   "INSERT INTO dir_nodes (name, address, cert_pem, "
                   "cert_sha256) VALUES ($1, $2, $3, $4) "
                   "ON CONFLICT (name) DO UPDATE SET address = $2, "
                   "cert_pem = $3, cert_sha256 = $4, updated_at = now()",
                   4, p, NULL);
}

static void copy_field(char *out, size_t cap, const char *v)
{
    snprintf(out, cap, "%s", v ? v : "");
}

int dir_node_get(dir_conn *c, const char *name, srv_node_ref *out, char *fp)
{
    int rc = 0;
    const char *p[1] = {name};
    PGresult *r = run(c, &rc, PGRES_TUPLES_OK,
                      "SELECT address, cert_pem, cert_sha256 FROM dir_nodes "
                      "WHERE name = $1",
                      1, p);
    if (r == NULL)
        return rc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        seterr(c, "no node %s in the directory", name);
        return RND_ENOTFOUND;
    }
    memset(out, 0, sizeof *out);
    copy_field(out->node, sizeof out->node, name);
    copy_field(out->addr, sizeof out->addr, PQgetvalue(r, 0, 0));
    copy_field(out->cert, sizeof out->cert, PQgetvalue(r, 0, 1));
    out->cert_len = strlen(out->cert);
    if (fp)
        copy_field(fp, 65, PQgetvalue(r, 0, 2));
    PQclear(r);
    return 0;
}

static void site_from(PGresult *r, int row, int col, dir_site *out)
{
    memset(out, 0, sizeof *out);
    copy_field(out->node, sizeof out->node, PQgetvalue(r, row, col));
    out->epoch = strtoull(PQgetvalue(r, row, col + 1), NULL, 10);
    out->moving = strcmp(PQgetvalue(r, row, col + 2), "moving") == 0;
    copy_field(out->move_to, sizeof out->move_to, PQgetvalue(r, row, col + 3));
}

int dir_site_get(dir_conn *c, const char *site, dir_site *out)
{
    int rc = 0;
    const char *p[1] = {site};
    PGresult *r = run(c, &rc, PGRES_TUPLES_OK,
                      "SELECT node, epoch, state, coalesce(move_to, '') "
                      "FROM dir_sites WHERE site = $1",
                      1, p);
    if (r == NULL)
        return rc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        seterr(c, "site %s is not in the directory", site);
        return RND_ENOTFOUND;
    }
    site_from(r, 0, 0, out);
    PQclear(r);
    return 0;
}

int dir_site_assign(dir_conn *c, const char *site, const char *node,
                    dir_site *out)
{
    const char *p[2] = {site, node};
    long rows = 0;
    int rc = command(c,
                     "INSERT INTO dir_sites (site, node) VALUES ($1, $2) "
                     "ON CONFLICT (site) DO NOTHING",
                     2, p, &rows);
    if (rc)
        return rc;
    dir_site cur;
    rc = dir_site_get(c, site, &cur);
    if (rc)
        return rc;
    if (out)
        *out = cur;
    if (strcmp(cur.node, node) != 0) {
        seterr(c, "site %s is on node %s (epoch %" PRIu64 ")", site, cur.node,
               cur.epoch);
        return RND_EEXIST;
    }
    return 0;
}

int dir_move_begin(dir_conn *c, const char *site, const char *from,
                   const char *to, uint64_t *epoch)
{
    const char *p[3] = {site, from, to};
    long rows = 0;
    int rc = command(c,
                     "UPDATE dir_sites SET state = 'moving', move_to = $3, "
                     "updated_at = now() WHERE site = $1 AND node = $2 AND "
                     "state = 'active'",
                     3, p, &rows);
    if (rc)
        return rc;
    dir_site cur;
    rc = dir_site_get(c, site, &cur);
    if (rc)
        return rc;
    if (strcmp(cur.node, from) != 0 || !cur.moving ||
        strcmp(cur.move_to, to) != 0) {
        seterr(c,
               "site %s is on node %s (epoch %" PRIu64 ", %s%s%s), not on "
               "node %s",
               site, cur.node, cur.epoch, cur.moving ? "moving to " : "active",
               cur.moving ? cur.move_to : "", "", from);
        return RND_ETRANSITION;
    }
    *epoch = cur.epoch;
    return 0;
}

int dir_move_finish(dir_conn *c, const char *site, const char *from,
                    const char *to, uint64_t epoch, uint64_t ops,
                    const char *digest)
{
    char ep[24], ep1[24], nops[24];
    snprintf(ep, sizeof ep, "%" PRIu64, epoch);
    snprintf(ep1, sizeof ep1, "%" PRIu64, epoch + 1);
    snprintf(nops, sizeof nops, "%" PRIu64, ops);
    int rc = command(c, "BEGIN", 0, NULL, NULL);
    if (rc)
        return rc;
    const char *p[4] = {site, from, to, ep};
    long rows = 0;
    rc = command(c,
                 "UPDATE dir_sites SET node = $3, epoch = epoch + 1, "
                 "state = 'active', move_to = NULL, updated_at = now() "
                 "WHERE site = $1 AND node = $2 AND epoch = $4 AND "
                 "state = 'moving' AND move_to = $3",
                 4, p, &rows);
    if (rc == 0 && rows == 1) {
        const char *q[6] = {site, ep1, from, to, nops, digest};
        rc = command(c,
                     "INSERT INTO dir_moves (site, epoch, from_node, "
                     "to_node, ops, digest) VALUES ($1, $2, $3, $4, $5, $6)",
                     6, q, NULL);
        if (rc == 0)
            rc = command(c, "COMMIT", 0, NULL, NULL);
        if (rc)
            (void)command(c, "ROLLBACK", 0, NULL, NULL);
        return rc;
    }
    (void)command(c, "ROLLBACK", 0, NULL, NULL);
    if (rc)
        return rc;
    /* Not the row expected: finished already by an earlier run? */
    dir_site cur;
    rc = dir_site_get(c, site, &cur);
    if (rc)
        return rc;
    if (strcmp(cur.node, to) == 0 && cur.epoch == epoch + 1)
        return 0;
    seterr(c,
           "site %s is on node %s (epoch %" PRIu64 "%s%s): not the move "
           "from %s to %s at epoch %" PRIu64,
           site, cur.node, cur.epoch, cur.moving ? ", moving to " : "",
           cur.moving ? cur.move_to : "", from, to, epoch);
    return RND_ETRANSITION;
}

int dir_move_abort(dir_conn *c, const char *site, const char *from)
{
    const char *p[2] = {site, from};
    return command(c,
                   "UPDATE dir_sites SET state = 'active', move_to = NULL, "
                   "updated_at = now() WHERE site = $1 AND node = $2 AND "
                   "state = 'moving'",
                   2, p, NULL);
}

/* ---- the cache ---------------------------------------------------------- */

typedef struct cache_site {
    char site[PROTO_NODE_MAX + 1];
    uint64_t epoch;
    int active;
    size_t node; /* index in nodes */
} cache_site;

typedef struct cache_table {
    cache_site *sites; /* sorted by site */
    size_t nsites;
    srv_node_ref *nodes;
    size_t nnodes;
} cache_table;

struct dir_cache {
    char *dsn;
    char self[PROTO_NODE_MAX + 1];
    int refresh_ms;
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
    uv_thread_t thread;
    uv_mutex_t mu; /* guards table, stop, reads */
    uv_cond_t cv;
    cache_table table;
    int stop;
    uint64_t reads;
};

static void table_free(cache_table *t)
{
    free(t->sites);
    free(t->nodes);
    memset(t, 0, sizeof *t);
}

static int site_cmp(const void *a, const void *b)
{
    return strcmp(((const cache_site *)a)->site, ((const cache_site *)b)->site);
}

/* Reads the whole assignment into *t (one query; its rows are few: one
 * per site of the group). */
static int read_table(dir_conn *c, cache_table *t)
{
    int rc = 0;
    memset(t, 0, sizeof *t);
    PGresult *n = run(c, &rc, PGRES_TUPLES_OK,
                      "SELECT name, address, cert_pem FROM dir_nodes "
                      "ORDER BY name",
                      0, NULL);
    if (n == NULL)
        return rc;
    PGresult *s = run(c, &rc, PGRES_TUPLES_OK,
                      "SELECT site, node, epoch, state FROM dir_sites "
                      "ORDER BY site",
                      0, NULL);
    if (s == NULL) {
        PQclear(n);
        return rc;
    }
    size_t nn = (size_t)PQntuples(n), ns = (size_t)PQntuples(s);
    t->nodes = calloc(nn ? nn : 1, sizeof *t->nodes);
    t->sites = calloc(ns ? ns : 1, sizeof *t->sites);
    if (t->nodes == NULL || t->sites == NULL) {
        PQclear(n);
        PQclear(s);
        table_free(t);
        return RND_ENOMEM;
    }
    for (size_t i = 0; i < nn; i++) {
        srv_node_ref *r = &t->nodes[i];
        copy_field(r->node, sizeof r->node, PQgetvalue(n, (int)i, 0));
        copy_field(r->addr, sizeof r->addr, PQgetvalue(n, (int)i, 1));
        copy_field(r->cert, sizeof r->cert, PQgetvalue(n, (int)i, 2));
        r->cert_len = strlen(r->cert);
    }
    t->nnodes = nn;
    for (size_t i = 0; i < ns; i++) {
        cache_site *e = &t->sites[t->nsites];
        const char *node = PQgetvalue(s, (int)i, 1);
        size_t k = 0;
        while (k < nn && strcmp(t->nodes[k].node, node) != 0)
            k++;
        if (k == nn)
            continue; /* the foreign key makes this impossible */
        copy_field(e->site, sizeof e->site, PQgetvalue(s, (int)i, 0));
        e->epoch = strtoull(PQgetvalue(s, (int)i, 2), NULL, 10);
        e->active = strcmp(PQgetvalue(s, (int)i, 3), "active") == 0;
        e->node = k;
        t->nsites++;
    }
    PQclear(n);
    PQclear(s);
    qsort(t->sites, t->nsites, sizeof *t->sites, site_cmp);
    return 0;
}

static void cache_log(dir_cache *dc, const char *fmt, ...)
{
    char line[700];
    va_list ap;
    if (dc->log == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    dc->log(dc->log_ctx, line);
}

static void cache_thread(void *arg)
{
    dir_cache *dc = arg;
    dir_conn *c = NULL;
    int down = 0;
    char err[512];
    uv_mutex_lock(&dc->mu);
    while (!dc->stop) {
        uv_mutex_unlock(&dc->mu);
        int rc = 0;
        cache_table t;
        if (c == NULL)
            rc = dir_connect(dc->dsn, &c, err, sizeof err);
        else
            snprintf(err, sizeof err, "%s", "");
        if (rc == 0) {
            rc = read_table(c, &t);
            if (rc)
                snprintf(err, sizeof err, "%s", dir_error(c));
            if (rc && PQstatus(c->pg) != CONNECTION_OK) {
                dir_close(c);
                c = NULL;
            }
        }
        if (rc && !down)
            cache_log(dc,
                      "directory: cannot read it (%s); syncs go on with the "
                      "assignment read last",
                      err);
        else if (rc == 0 && down)
            cache_log(dc, "directory: read again");
        down = rc != 0;
        uv_mutex_lock(&dc->mu);
        if (rc == 0) {
            table_free(&dc->table);
            dc->table = t;
            dc->reads++;
        }
        if (!dc->stop)
            (void)uv_cond_timedwait(&dc->cv, &dc->mu,
                                    (uint64_t)dc->refresh_ms * 1000000u);
    }
    uv_mutex_unlock(&dc->mu);
    dir_close(c);
}

int dir_cache_start(const char *dsn, const char *self, int refresh_ms,
                    void (*log)(void *ctx, const char *line), void *log_ctx,
                    dir_cache **out)
{
    *out = NULL;
    dir_cache *dc = calloc(1, sizeof *dc);
    if (dc == NULL || (dc->dsn = strdup(dsn ? dsn : "")) == NULL) {
        free(dc);
        return RND_ENOMEM;
    }
    snprintf(dc->self, sizeof dc->self, "%s", self ? self : "");
    dc->refresh_ms = refresh_ms > 0 ? refresh_ms : DIR_REFRESH_MS_DEFAULT;
    dc->log = log;
    dc->log_ctx = log_ctx;
    if (uv_mutex_init(&dc->mu) != 0) {
        free(dc->dsn);
        free(dc);
        return RND_ENOMEM;
    }
    if (uv_cond_init(&dc->cv) != 0) {
        uv_mutex_destroy(&dc->mu);
        free(dc->dsn);
        free(dc);
        return RND_ENOMEM;
    }
    if (uv_thread_create(&dc->thread, cache_thread, dc) != 0) {
        uv_cond_destroy(&dc->cv);
        uv_mutex_destroy(&dc->mu);
        free(dc->dsn);
        free(dc);
        return RND_ENOMEM;
    }
    *out = dc;
    return 0;
}

int dir_cache_where(dir_cache *dc, const char *site, srv_node_ref *to)
{
    if (dc == NULL)
        return RND_ENOTFOUND;
    cache_site key;
    snprintf(key.site, sizeof key.site, "%s", site);
    int rc = RND_ENOTFOUND;
    uv_mutex_lock(&dc->mu);
    const cache_site *e = bsearch(&key, dc->table.sites, dc->table.nsites,
                                  sizeof *dc->table.sites, site_cmp);
    if (e != NULL && e->active &&
        strcmp(dc->table.nodes[e->node].node, dc->self) != 0) {
        *to = dc->table.nodes[e->node];
        to->epoch = e->epoch;
        rc = 0;
    }
    uv_mutex_unlock(&dc->mu);
    return rc;
}

uint64_t dir_cache_reads(dir_cache *dc)
{
    uv_mutex_lock(&dc->mu);
    uint64_t n = dc->reads;
    uv_mutex_unlock(&dc->mu);
    return n;
}

void dir_cache_stop(dir_cache *dc)
{
    if (dc == NULL)
        return;
    uv_mutex_lock(&dc->mu);
    dc->stop = 1;
    uv_cond_signal(&dc->cv);
    uv_mutex_unlock(&dc->mu);
    uv_thread_join(&dc->thread);
    uv_cond_destroy(&dc->cv);
    uv_mutex_destroy(&dc->mu);
    table_free(&dc->table);
    free(dc->dsn);
    free(dc);
}
