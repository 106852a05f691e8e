/* ship.c: the PostgreSQL shipper (ship.h): its thread, its connection
 * (libpq: the only file that speaks to PostgreSQL), the migrations, the
 * batches and the positions. The rows themselves are ship_rows.c's.
 */
#include "ship.h"

#include "../proto/clock.h"
#include "log.h"
#include "ship_int.h"
#include "ship_rows.h"
#include "ship_schema.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libpq-fe.h>

/* A site store that did not open is asked for again after this. */
#define SHIP_SITE_RETRY_MS 60000
#define ENT_SLOTS 65536 /* > 2 * SHIP_BATCH_OPS, a power of 2 */

/* A device's position: every op up to seq is in PostgreSQL. */
typedef struct ship_pos {
    uint64_t device_id;
    uint64_t seq;
} ship_pos;

/* One batch: what one PostgreSQL transaction ships of a site. Read by
 * read_batch() (on the shipper's thread, or on the reader thread while
 * the shipper's thread sends the previous batch), sent by send_batch(). */
typedef struct batch {
    /* Its rows: its ops; the records it creates (an entity whose only op
     * is in the batch cannot have a row yet: COPY straight into
     * records); the others (COPY into ship_stage, then upsert). */
    ship_buf ops, recs_new, recs;
    proto_op op;
    fold_state st;
    uint8_t (*ents)[PROTO_ENTITY_LEN + 1]; /* entity set: byte 16 = used */
    ship_pos *moved; /* its new positions, by device (ascending) */
    size_t nmoved, capmoved;
    uint32_t nops, nrecs, nnew;
    uint32_t max_ops; /* SHIP_BATCH_OPS, or a test's bound */
    int full;         /* it stopped at a bound: more to read */
    int rc;           /* read_batch's */
    uint64_t ns;      /* read_batch's time */
} batch;

/* A site the shipper knows: found in DATA/sites or in ship_position. */
typedef struct ship_site {
    struct ship_site *next;
    char name[SRV_NAME_MAX + 1];
    /* Under sp->mu: the store, once the loop opened it; whether the loop
     * has been asked to open it. */
    store *st;
    /* present: found in DATA/sites (a site known only from
     * ship_position is not opened: that would create its store). */
    int present, opening;
    int64_t retry_ms;   /* a failed open: not asked again before this */
    srv_site_wait wait; /* the loop's */
    struct ship *sp;
    /* The thread's: positions by device (sorted), from PostgreSQL. */
    ship_pos *pos;
    size_t npos, cappos;
} ship_site;

struct ship {
    char *dsn;
    char *data_dir;
    srv_sites *ss;
    uv_thread_t thread;
    int started;
    uv_async_t async;
    int async_on; /* the loop may be woken (ship_detach clears it) */
    uv_mutex_t mu;
    uv_cond_t cv;
    /* Under mu: */
    int kicked, quit, done;
    int64_t deadline_ms; /* monotonic, once quit */
    ship_site *sites;
    PGcancel *cancel; /* of the connection in use */
    ship_stats stats;
    /* The thread's: */
    PGconn *conn;
    int positions_known;
    /* When this pass began to yield to the pushes (-1: not yet). */
    int64_t defer_since_ms;
    /* 0 after PostgreSQL refused a batch: the next one upserts every
     * record (a site restored behind PostgreSQL may hold a record whose
     * row is there already). */
    int fast_ok;
    /* Two batches: the one PostgreSQL takes, the next one read meanwhile
     * (ship_site_all). */
    batch bat[2];
};

static int64_t mono_ms(void)
{
    return (int64_t)(uv_hrtime() / 1000000u);
}

static int64_t wall_ms(void)
{
    return rnd_clock_now_ms(RND_CLOCK_ENV_OFFICE);
}

/* Keeps the last error for the stats (and logs it). */
static void set_error(ship *sp, const char *what, const char *detail)
{
    char line[SHIP_ERR_MAX];
    snprintf(line, sizeof line, "%s%s%s", what, detail ? ": " : "",
             detail ? detail : "");
    /* libpq's messages end with a newline. */
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
        line[--n] = '\0';
    for (char *p = line; *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
    uv_mutex_lock(&sp->mu);
    int same = strcmp(sp->stats.last_error, line) == 0;
    snprintf(sp->stats.last_error, sizeof sp->stats.last_error, "%s", line);
    sp->stats.last_error_ms = wall_ms();
    sp->stats.errors++;
    uv_mutex_unlock(&sp->mu);
    /* The same error again (PostgreSQL down for a while): not a line a
     * retry. */
    srv_log(same ? SRV_LOG_DEBUG : SRV_LOG_WARN, "ship: %s", line);
}

/* ---- sites ----------------------------------------------------------------
 */

static ship_site *find_site(ship *sp, const char *name)
{
    for (ship_site *s = sp->sites; s; s = s->next)
        if (strcmp(s->name, name) == 0)
            return s;
    return NULL;
}

/* The head of the list, for a walk without mu: sites are only ever
 * prepended (under mu), and a site's next never changes once it is in
 * the list. */
static ship_site *first_site(ship *sp)
{
    uv_mutex_lock(&sp->mu);
    ship_site *s = sp->sites;
    uv_mutex_unlock(&sp->mu);
    return s;
}

/* The site name, made when new. Under mu. */
static ship_site *get_site(ship *sp, const char *name)
{
    ship_site *s = find_site(sp, name);
    if (s || !srv_name_valid(name, strlen(name)))
        return s;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    snprintf(s->name, sizeof s->name, "%s", name);
    s->sp = sp;
    s->wait.owner = s;
    s->next = sp->sites;
    sp->sites = s;
    return s;
}

/* The loop: a site's store is open (or not). */
static void site_ready(srv_site_wait *w, int rc, srv_site *site)
{
    ship_site *s = w->owner;
    ship *sp = s->sp;
    uv_mutex_lock(&sp->mu);
    s->opening = 0;
    if (rc == 0)
        s->st = srv_site_store(site);
    else
        s->retry_ms = mono_ms() + SHIP_SITE_RETRY_MS;
    sp->kicked = 1;
    uv_cond_signal(&sp->cv);
    uv_mutex_unlock(&sp->mu);
    if (rc)
        srv_log(SRV_LOG_WARN, "ship: cannot open site %s: %s", s->name,
                rnd_strerror(rc));
}

/* The loop, woken by the thread every SHIP_POLL_MS: the sites of
 * DATA/sites that have a store become known (a readdir, and a stat of
 * each name not known yet), and those not open yet are opened as a
 * session's first HELLO opens them. On the loop thread, whose
 * descriptors these are. */
static void on_async(uv_async_t *h)
{
    ship *sp = h->data;
    char path[4200];
    snprintf(path, sizeof path, "%s/sites", sp->data_dir);
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (!srv_name_valid(e->d_name, strlen(e->d_name)))
            continue;
        uv_mutex_lock(&sp->mu);
        ship_site *s = find_site(sp, e->d_name);
        int known = s && s->present;
        uv_mutex_unlock(&sp->mu);
        if (known)
            continue;
        char mdb[4600];
        struct stat sb;
        snprintf(mdb, sizeof mdb, "%s/%s/data.mdb", path, e->d_name);
        if (stat(mdb, &sb) != 0)
            continue;
        uv_mutex_lock(&sp->mu);
        s = get_site(sp, e->d_name);
        if (s)
            s->present = 1;
        uv_mutex_unlock(&sp->mu);
    }
    if (d)
        closedir(d);
    for (;;) {
        ship_site *s;
        int64_t now = mono_ms();
        uv_mutex_lock(&sp->mu);
        for (s = sp->sites; s; s = s->next)
            if (s->present && s->st == NULL && !s->opening &&
                now >= s->retry_ms)
                break;
        if (s)
            s->opening = 1;
        uv_mutex_unlock(&sp->mu);
        if (s == NULL)
            return;
        s->wait.ready = site_ready;
        srv_site *site = NULL;
        int rc =
            srv_sites_open(sp->ss, s->name, strlen(s->name), &s->wait, &site);
        if (rc != RND_EAGAIN)
            site_ready(&s->wait, rc, site);
    }
}

/* The thread: asks the loop to look for sites (on_async). */
static void scan_sites(ship *sp)
{
    uv_mutex_lock(&sp->mu);
    if (sp->async_on)
        uv_async_send(&sp->async);
    uv_mutex_unlock(&sp->mu);
}

/* ---- positions ------------------------------------------------------------
 */

static size_t pos_find(const ship_site *s, uint64_t dev)
{
    size_t lo = 0, hi = s->npos;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->pos[mid].device_id < dev)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static uint64_t pos_get(const ship_site *s, uint64_t dev)
{
    size_t i = pos_find(s, dev);
    return i < s->npos && s->pos[i].device_id == dev ? s->pos[i].seq : 0;
}

static int pos_set(ship_site *s, uint64_t dev, uint64_t seq)
{
    size_t i = pos_find(s, dev);
    if (i < s->npos && s->pos[i].device_id == dev) {
        s->pos[i].seq = seq;
        return 0;
    }
    if (s->npos == s->cappos) {
        size_t cap = s->cappos ? 2 * s->cappos : 16;
        ship_pos *p = realloc(s->pos, cap * sizeof *p);
        if (p == NULL)
            return RND_ENOMEM;
        s->pos = p;
        s->cappos = cap;
    }
    memmove(&s->pos[i + 1], &s->pos[i], (s->npos - i) * sizeof *s->pos);
    s->pos[i] = (ship_pos){dev, seq};
    s->npos++;
    return 0;
}

/* ---- the connection --------------------------------------------------------
 */

static void disconnect(ship *sp)
{
    if (sp->conn == NULL)
        return;
    uv_mutex_lock(&sp->mu);
    PGcancel *c = sp->cancel;
    sp->cancel = NULL;
    sp->stats.connected = 0;
    uv_mutex_unlock(&sp->mu);
    if (c)
        PQfreeCancel(c);
    PQfinish(sp->conn);
    sp->conn = NULL;
}

/* Runs sql; 0 when it gives want, else the error kept. */
static int exec_(ship *sp, const char *sql, ExecStatusType want,
                 const char *what)
{
    PGresult *r = PQexec(sp->conn, sql);
    int ok = PQresultStatus(r) == want;
    if (!ok)
        set_error(sp, what,
                  r ? PQresultErrorMessage(r) : PQerrorMessage(sp->conn));
    PQclear(r);
    return ok ? 0 : RND_EIO;
}

/* Brings the database's schema up to this roundsd's (ship_schema.c). */
static int migrate(ship *sp)
{
    char err[SHIP_ERR_MAX];
    int rc = ship_schema_apply(sp->conn, err, sizeof err);
    if (rc)
        set_error(sp, "schema", err);
    return rc;
}

/* Reads every position from ship_position into the sites. */
static int load_positions(ship *sp)
{
    PGresult *r = PQexec(sp->conn, "SELECT site, device_id, seq FROM "
                                   "ship_position");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        set_error(sp, "positions", PQresultErrorMessage(r));
        PQclear(r);
        return RND_EIO;
    }
    uv_mutex_lock(&sp->mu);
    for (ship_site *s = sp->sites; s; s = s->next)
        s->npos = 0;
    int rc = 0;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        ship_site *s = get_site(sp, PQgetvalue(r, i, 0));
        if (s == NULL)
            continue; /* not a name of ours */
        uint64_t dev = (uint64_t)strtoll(PQgetvalue(r, i, 1), NULL, 10);
        uint64_t seq = (uint64_t)strtoll(PQgetvalue(r, i, 2), NULL, 10);
        rc = pos_set(s, dev, seq);
    }
    uv_mutex_unlock(&sp->mu);
    PQclear(r);
    return rc;
}

static int connect_pg(ship *sp)
{
    char err[SHIP_CONNECT_ERR_MAX];
    int rc = ship_pg_connect(sp->dsn, SHIP_CONNECT_TIMEOUT_S, err, sizeof err,
                             &sp->conn);
    if (rc) {
        set_error(sp, "cannot connect", err);
        return rc;
    }
    PGcancel *c = PQgetCancel(sp->conn);
    uv_mutex_lock(&sp->mu);
    sp->cancel = c;
    uv_mutex_unlock(&sp->mu);
    rc = migrate(sp);
    if (rc == 0)
        rc = exec_(sp,
                   "CREATE TEMP TABLE ship_stage (LIKE records INCLUDING "
                   "DEFAULTS) ON COMMIT DELETE ROWS",
                   PGRES_COMMAND_OK, "staging table");
    if (rc == 0)
        rc = load_positions(sp);
    if (rc) {
        disconnect(sp);
        return rc;
    }
    sp->positions_known = 1;
    uv_mutex_lock(&sp->mu);
    sp->stats.connected = 1;
    sp->stats.positions_known = 1;
    uv_mutex_unlock(&sp->mu);
    srv_log(SRV_LOG_INFO, "ship: connected to PostgreSQL");
    return 0;
}

/* ---- a batch --------------------------------------------------------------
 */

static int batch_init(batch *b)
{
    memset(b, 0, sizeof *b);
    ship_buf_init(&b->ops, SHIP_BATCH_BYTES + (4u << 20));
    ship_buf_init(&b->recs, SHIP_BATCH_BYTES + (4u << 20));
    ship_buf_init(&b->recs_new, SHIP_BATCH_BYTES + (4u << 20));
    b->ents = calloc(ENT_SLOTS, sizeof *b->ents);
    /* Test builds only (-DROUNDS_TEST_CLOCK=ON): $ROUNDSD_TEST_SHIP_BATCH
     * makes batches that small, so a test's few ops take several
     * batches and the next one is read while one is in PostgreSQL. */
    const char *v =
        rnd_clock_pinnable() ? getenv("ROUNDSD_TEST_SHIP_BATCH") : NULL;
    unsigned long n = v ? strtoul(v, NULL, 10) : 0;
    b->max_ops = n > 0 && n < SHIP_BATCH_OPS ? (uint32_t)n : SHIP_BATCH_OPS;
    return b->ents ? 0 : RND_ENOMEM;
}

static void batch_free(batch *b)
{
    ship_buf_free(&b->ops);
    ship_buf_free(&b->recs);
    ship_buf_free(&b->recs_new);
    free(b->moved);
    free(b->ents);
}

/* 1 when id was not in the batch's set yet (it is now). */
static int ent_add(batch *bt, const uint8_t id[PROTO_ENTITY_LEN])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < PROTO_ENTITY_LEN; i++)
        h = (h ^ id[i]) * 16777619u;
    for (uint32_t k = h & (ENT_SLOTS - 1);; k = (k + 1) & (ENT_SLOTS - 1)) {
        uint8_t *slot = bt->ents[k];
        if (!slot[PROTO_ENTITY_LEN]) {
            memcpy(slot, id, PROTO_ENTITY_LEN);
            slot[PROTO_ENTITY_LEN] = 1;
            return 1;
        }
        if (memcmp(slot, id, PROTO_ENTITY_LEN) == 0)
            return 0;
    }
}

typedef struct batch_ctx {
    batch *bt;
    const char *site;
    store_txn *txn;
    int fast; /* records made by the batch go straight into records */
    uint64_t last_seq;
    int rc;
} batch_ctx;

static int batch_full(const batch *bt)
{
    return bt->nops >= bt->max_ops || bt->ops.len >= SHIP_BATCH_BYTES ||
           bt->recs.len + bt->recs_new.len >= SHIP_BATCH_BYTES;
}

/* One op into the batch, with its record when it is the first op of it. */
static int batch_op(const uint8_t *enc, size_t len, int64_t recv_ms, void *vb)
{
    batch_ctx *b = vb;
    batch *bt = b->bt;
    int rc = proto_op_decode(enc, len, &bt->op);
    if (rc == 0)
        rc = ship_row_op(&bt->ops, b->site, &bt->op, enc, len, recv_ms);
    if (rc == 0 && ent_add(bt, bt->op.entity)) {
        int kind;
        const uint8_t *state;
        size_t slen;
        rc = store_entity_get(b->txn, bt->op.entity, &kind, &state, &slen);
        if (rc == 0)
            rc = fold_state_parse(state, slen, &bt->st);
        if (rc == 0) {
            int fresh = b->fast && bt->st.nevents == 1;
            rc = ship_row_record(fresh ? &bt->recs_new : &bt->recs, b->site,
                                 &bt->st, state, slen);
            bt->nnew += fresh && rc == 0;
        }
        if (rc == 0)
            bt->nrecs++;
    }
    if (rc) {
        b->rc = rc;
        return rc;
    }
    bt->nops++;
    b->last_seq = bt->op.seq;
    if (batch_full(bt)) {
        bt->full = 1;
        return 1;
    }
    return 0;
}

static int moved_add(batch *bt, uint64_t dev, uint64_t seq)
{
    if (bt->nmoved == bt->capmoved) {
        size_t cap = bt->capmoved ? 2 * bt->capmoved : 64;
        ship_pos *p = realloc(bt->moved, cap * sizeof *p);
        if (p == NULL)
            return RND_ENOMEM;
        bt->moved = p;
        bt->capmoved = cap;
    }
    bt->moved[bt->nmoved++] = (ship_pos){dev, seq};
    return 0;
}

/* dev's position once prev (NULL: none) commits: prev's new position
 * when it moved dev, else the site's. prev->moved ascends by device. */
static uint64_t pos_after(const ship_site *site, const batch *prev,
                          uint64_t dev)
{
    if (prev) {
        size_t lo = 0, hi = prev->nmoved;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (prev->moved[mid].device_id < dev)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < prev->nmoved && prev->moved[lo].device_id == dev)
            return prev->moved[lo].seq;
    }
    return pos_get(site, dev);
}

/* Reads the next batch of site (store st) into bt: the ops past each
 * device's position once prev commits (prev NULL: the positions now), in
 * seq order, and the records they touch, read in one read transaction.
 * fast: a record with one event goes into recs_new. Reads site's
 * positions and prev only (neither changes while it runs). bt->rc gets
 * the result. */
static void read_batch(ship_site *site, store *st, const batch *prev, int fast,
                       batch *bt)
{
    uint64_t t0 = uv_hrtime();
    bt->ops.len = bt->recs.len = bt->recs_new.len = 0;
    bt->nmoved = 0;
    bt->nops = bt->nrecs = bt->nnew = 0;
    bt->full = 0;
    memset(bt->ents, 0, (size_t)ENT_SLOTS * sizeof *bt->ents);
    store_txn *txn;
    int rc = store_read_begin(st, &txn);
    if (rc) {
        bt->rc = rc;
        return;
    }
    batch_ctx b = {.bt = bt, .site = site->name, .txn = txn, .fast = fast};
    uint64_t from = 0, dev;
    while (rc == 0 && !bt->full &&
           (rc = store_ops_next_device(txn, from, &dev)) == 0) {
        uint64_t max, have = pos_after(site, prev, dev);
        rc = store_device_max_seq(txn, dev, &max);
        if (rc == 0 && max > have) {
            b.last_seq = 0;
            rc = store_ops_each_device(txn, dev, have + 1, batch_op, &b);
            if (rc == 0 && b.rc)
                rc = b.rc;
            if (rc == 0 && b.last_seq)
                rc = moved_add(bt, dev, b.last_seq);
        }
        if (dev == UINT64_MAX)
            break;
        from = dev + 1;
    }
    if (rc == RND_ENOTFOUND)
        rc = 0;
    store_read_end(txn);
    bt->rc = rc;
    bt->ns = uv_hrtime() - t0;
}

/* The reader thread's job: the batch after prev. */
typedef struct read_job {
    ship_site *site;
    store *st;
    const batch *prev;
    batch *bt;
} read_job;

static void read_thread(void *arg)
{
    read_job *j = arg;
    read_batch(j->site, j->st, j->prev, 1, j->bt);
}

static int copy_in(ship *sp, const char *sql, const ship_buf *buf)
{
    PGresult *r = PQexec(sp->conn, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        set_error(sp, "copy", PQresultErrorMessage(r));
        PQclear(r);
        return RND_EIO;
    }
    PQclear(r);
    int ok = PQputCopyData(sp->conn, buf->p, (int)buf->len) == 1 &&
             PQputCopyEnd(sp->conn, NULL) == 1;
    r = PQgetResult(sp->conn);
    if (!ok || PQresultStatus(r) != PGRES_COMMAND_OK) {
        set_error(sp, "copy",
                  r ? PQresultErrorMessage(r) : PQerrorMessage(sp->conn));
        ok = 0;
    }
    PQclear(r);
    while ((r = PQgetResult(sp->conn)) != NULL)
        PQclear(r);
    return ok ? 0 : RND_EIO;
}

/* Test builds only (-DROUNDS_TEST_CLOCK=ON): $ROUNDSD_TEST_SHIP_MS holds
 * each transaction that long before its COMMIT, so a test can kill
 * roundsd in the middle of one. 1 when it did. */
static int test_pause(void)
{
    const char *v =
        rnd_clock_pinnable() ? getenv("ROUNDSD_TEST_SHIP_MS") : NULL;
    if (v)
        uv_sleep((unsigned)strtoul(v, NULL, 10));
    return v != NULL;
}

/* What follows the COPYs, as one statement list (one round trip): the
 * staged records upserted (when stage), the new positions, and COMMIT
 * (when commit). */
static int finish_sql(ship *sp, const char *site, const batch *bt, int stage,
                      int commit, ship_buf *q)
{
    static const char upsert[] =
        "INSERT INTO records SELECT * FROM ship_stage ON CONFLICT "
        "(site, kind, id) DO UPDATE SET status = EXCLUDED.status, "
        "created_hlc = EXCLUDED.created_hlc, updated_hlc = "
        "EXCLUDED.updated_hlc, created_at = EXCLUDED.created_at, "
        "updated_at = EXCLUDED.updated_at, creator = "
        "EXCLUDED.creator, reopen_count = EXCLUDED.reopen_count, "
        "events = EXCLUDED.events, fields = EXCLUDED.fields, "
        "conflicts = EXCLUDED.conflicts, state = EXCLUDED.state; ";
    static const char head[] = "INSERT INTO ship_position (site, device_id, "
                               "seq) VALUES ";
    static const char tail[] = " ON CONFLICT (site, device_id) DO UPDATE SET "
                               "seq = EXCLUDED.seq, shipped_at = now()";
    char *lit = PQescapeLiteral(sp->conn, site, strlen(site));
    if (lit == NULL)
        return RND_ENOMEM;
    int rc = stage ? ship_buf_put(q, upsert, sizeof upsert - 1) : 0;
    if (rc == 0)
        rc = ship_buf_put(q, head, sizeof head - 1);
    for (size_t i = 0; i < bt->nmoved && rc == 0; i++) {
        char row[200];
        int n = snprintf(row, sizeof row, "%s(%s, %" PRId64 ", %" PRId64 ")",
                         i ? ", " : "", lit, (int64_t)bt->moved[i].device_id,
                         (int64_t)bt->moved[i].seq);
        rc = n > 0 && (size_t)n < sizeof row ? ship_buf_put(q, row, (size_t)n)
                                             : RND_EINVAL;
    }
    PQfreemem(lit);
    if (rc == 0)
        rc = ship_buf_put(q, tail, sizeof tail - 1);
    if (rc == 0 && commit)
        rc = ship_buf_put(q, "; COMMIT", 8);
    if (rc == 0)
        rc = ship_buf_put(q, "", 1);
    return rc;
}

/* Ships bt, a batch of site, in one transaction: BEGIN and the COPY of
 * its ops, the COPY of the records it made, the COPY of the others into
 * ship_stage, then one statement list: their upsert, the positions,
 * COMMIT. On an error the connection is closed (a lost COMMIT is read
 * back with the positions at the next connection). */
static int send_batch(ship *sp, ship_site *site, const batch *bt)
{
    uint64_t t1 = uv_hrtime();
    int rc = copy_in(sp, "BEGIN; COPY ops (" SHIP_OPS_COLUMNS ") FROM STDIN",
                     &bt->ops);
    uint64_t t2 = uv_hrtime();
    if (rc == 0 && bt->nnew)
        rc = copy_in(sp, "COPY records (" SHIP_RECORDS_COLUMNS ") FROM STDIN",
                     &bt->recs_new);
    uint64_t t3 = uv_hrtime();
    int stage = bt->nrecs > bt->nnew;
    if (rc == 0 && stage)
        rc =
            copy_in(sp, "COPY ship_stage (" SHIP_RECORDS_COLUMNS ") FROM STDIN",
                    &bt->recs);
    ship_buf q;
    ship_buf_init(&q, 64u << 20);
    /* The test pause sits before a COMMIT of its own. */
    int pause = rnd_clock_pinnable() && getenv("ROUNDSD_TEST_SHIP_MS");
    if (rc == 0)
        rc = finish_sql(sp, site->name, bt, stage, !pause, &q);
    if (rc == 0)
        rc = exec_(sp, q.p, PGRES_COMMAND_OK, "positions");
    ship_buf_free(&q);
    if (rc == 0 && test_pause())
        rc = exec_(sp, "COMMIT", PGRES_COMMAND_OK, "commit");
    if (rc) {
        sp->fast_ok = 0;
        disconnect(sp);
        return rc;
    }
    sp->fast_ok = 1;
    srv_log(SRV_LOG_DEBUG,
            "ship: site %s: %" PRIu32 " ops, %" PRIu32 " records (%" PRIu32
            " new): read %.1f ms, PostgreSQL %.1f ms (ops %.1f, new records "
            "%.1f, the rest %.1f)",
            site->name, bt->nops, bt->nrecs, bt->nnew, bt->ns / 1e6,
            (uv_hrtime() - t1) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6,
            (uv_hrtime() - t3) / 1e6);
    return 0;
}

/* bt committed: the site's positions move (once no reader runs: it reads
 * them) and the stats count it. */
static int batch_done(ship *sp, ship_site *site, const batch *bt)
{
    int rc = 0;
    uv_mutex_lock(&sp->mu);
    for (size_t i = 0; i < bt->nmoved && rc == 0; i++)
        rc = pos_set(site, bt->moved[i].device_id, bt->moved[i].seq);
    sp->stats.ops_shipped += bt->nops;
    sp->stats.records_shipped += bt->nrecs;
    sp->stats.txns++;
    uv_mutex_unlock(&sp->mu);
    return rc;
}

static void read_failed(ship *sp, ship_site *site, int rc)
{
    char detail[200];
    snprintf(detail, sizeof detail, "site %s: %s", site->name,
             rnd_strerror(rc));
    set_error(sp, "cannot read the store", detail);
}

/* Waits while handhelds are pushing (srv_sites_yield_ms): until
 * SHIP_SETTLE_MS passed without a commit, the stop began, or this pass
 * has waited SHIP_DEFER_MAX_MS (then it ships all there is before it
 * yields again). A commit's kick ends a wait early, to measure again. */
static void yield_to_pushes(ship *sp)
{
    (void)srv_sites_yield_wait(sp->ss, SHIP_SETTLE_MS, SHIP_DEFER_MAX_MS,
                               &sp->defer_since_ms, &sp->mu, &sp->cv,
                               &sp->quit);
}

/* Ships site until it is caught up (0), PostgreSQL fails, or the stop's
 * deadline passes. While PostgreSQL takes batch N, a reader thread reads
 * batch N+1 from the positions N leaves (pos_after): N+1 is only sent
 * once N committed, and thrown away when N failed (the next connection
 * reads the positions again and the next read starts from them). */
static int ship_site_all(ship *sp, ship_site *site, store *st)
{
    batch *cur = &sp->bat[0], *next = &sp->bat[1];
    yield_to_pushes(sp);
    read_batch(site, st, NULL, sp->fast_ok, cur);
    if (cur->rc) {
        read_failed(sp, site, cur->rc);
        return cur->rc;
    }
    while (cur->nops) {
        read_job job = {site, st, cur, next};
        uv_thread_t th;
        /* No thread (out of resources): the next batch is read after. */
        yield_to_pushes(sp); /* before N+1 is read, too */
        int ahead = cur->full && uv_thread_create(&th, read_thread, &job) == 0;
        int rc = send_batch(sp, site, cur);
        if (ahead)
            uv_thread_join(&th);
        if (rc == 0)
            rc = batch_done(sp, site, cur);
        if (rc)
            return rc;
        if (!cur->full)
            return 0;
        uv_mutex_lock(&sp->mu);
        int late = sp->quit && mono_ms() >= sp->deadline_ms;
        uv_mutex_unlock(&sp->mu);
        if (late)
            return RND_ETIMEOUT;
        if (!ahead)
            read_batch(site, st, NULL, sp->fast_ok, next);
        if (next->rc) {
            read_failed(sp, site, next->rc);
            return next->rc;
        }
        batch *t = cur;
        cur = next;
        next = t;
    }
    return 0;
}

/* ---- how far behind -------------------------------------------------------
 */

static void measure_site(ship *sp, ship_site *site, store *st, uint64_t *behind,
                         int64_t *oldest)
{
    store_txn *txn;
    if (store_read_begin(st, &txn) != 0)
        return;
    uint64_t from = 0, dev;
    while (store_ops_next_device(txn, from, &dev) == 0) {
        uint64_t max, have = pos_get(site, dev);
        if (store_device_max_seq(txn, dev, &max) == 0 && max > have) {
            *behind += max - have;
            const uint8_t *enc;
            size_t len;
            int64_t recv;
            if (store_op_get(txn, dev, have + 1, &enc, &len, &recv) == 0 &&
                (*oldest == 0 || recv < *oldest))
                *oldest = recv;
        }
        if (dev == UINT64_MAX)
            break;
        from = dev + 1;
    }
    store_read_end(txn);
}

static void measure(ship *sp)
{
    uint64_t behind = 0;
    int64_t oldest = 0;
    for (ship_site *s = first_site(sp); s; s = s->next) {
        uv_mutex_lock(&sp->mu);
        store *st = s->st;
        uv_mutex_unlock(&sp->mu);
        if (st)
            measure_site(sp, s, st, &behind, &oldest);
    }
    int64_t now = wall_ms();
    uv_mutex_lock(&sp->mu);
    sp->stats.ops_behind = sp->positions_known ? behind : 0;
    sp->stats.lag_ms =
        sp->positions_known && oldest && now > oldest ? now - oldest : 0;
    uv_mutex_unlock(&sp->mu);
}

/* ---- the thread -----------------------------------------------------------
 */

/* Ships every site until each is caught up (0), PostgreSQL fails, or the
 * stop's deadline passes. */
static int ship_all(ship *sp)
{
    sp->defer_since_ms = -1;
    for (ship_site *s = first_site(sp); s && sp->conn; s = s->next) {
        uv_mutex_lock(&sp->mu);
        store *st = s->st;
        int late = sp->quit && mono_ms() >= sp->deadline_ms;
        uv_mutex_unlock(&sp->mu);
        if (late)
            return RND_ETIMEOUT;
        if (st == NULL)
            continue;
        int rc = ship_site_all(sp, s, st);
        if (rc)
            return rc;
    }
    return 0;
}

static void run(void *arg)
{
    ship *sp = arg;
    int64_t backoff = SHIP_BACKOFF_MIN_MS, next_connect = 0, last_scan = -1;
    int64_t last_measure = -1;
    for (;;) {
        int64_t now = mono_ms();
        uv_mutex_lock(&sp->mu);
        int quit = sp->quit;
        uv_mutex_unlock(&sp->mu);
        if (last_scan < 0 || now - last_scan >= SHIP_POLL_MS) {
            scan_sites(sp);
            last_scan = now;
        }
        if (sp->conn == NULL && (now >= next_connect || quit)) {
            if (connect_pg(sp) == 0) {
                backoff = SHIP_BACKOFF_MIN_MS;
            } else {
                next_connect = mono_ms() + backoff;
                backoff = backoff * 2 > SHIP_BACKOFF_MAX_MS
                              ? SHIP_BACKOFF_MAX_MS
                              : backoff * 2;
            }
        }
        if (sp->conn) {
            (void)ship_all(sp); /* its errors are in the stats */
            /* The connection was lost (not refused): again soon. */
            if (sp->conn == NULL)
                next_connect = mono_ms() + SHIP_BACKOFF_MIN_MS;
        }
        now = mono_ms();
        if (last_measure < 0 || now - last_measure >= SHIP_POLL_MS || quit) {
            measure(sp);
            last_measure = now;
        }
        if (quit)
            break; /* caught up, failed, or out of time */
        uv_mutex_lock(&sp->mu);
        if (!sp->kicked && !sp->quit) {
            int64_t wait = SHIP_POLL_MS;
            if (sp->conn == NULL && next_connect - now < wait)
                wait = next_connect > now ? next_connect - now : 1;
            uv_cond_timedwait(&sp->cv, &sp->mu, (uint64_t)wait * 1000000u);
        }
        sp->kicked = 0;
        uv_mutex_unlock(&sp->mu);
    }
    disconnect(sp);
    uv_mutex_lock(&sp->mu);
    sp->done = 1;
    uv_cond_broadcast(&sp->cv);
    uv_mutex_unlock(&sp->mu);
}

/* ---- the public side ------------------------------------------------------
 */

int ship_new(const char *dsn, const char *data_dir, srv_sites *ss, ship **out)
{
    *out = NULL;
    ship *sp = calloc(1, sizeof *sp);
    if (sp == NULL)
        return RND_ENOMEM;
    sp->dsn = strdup(dsn);
    sp->data_dir = strdup(data_dir);
    int b0 = batch_init(&sp->bat[0]), b1 = batch_init(&sp->bat[1]);
    if (sp->dsn == NULL || sp->data_dir == NULL || b0 || b1 ||
        uv_mutex_init(&sp->mu) != 0) {
        free(sp->dsn);
        free(sp->data_dir);
        batch_free(&sp->bat[0]);
        batch_free(&sp->bat[1]);
        free(sp);
        return RND_ENOMEM;
    }
    if (uv_cond_init(&sp->cv) != 0) {
        uv_mutex_destroy(&sp->mu);
        free(sp->dsn);
        free(sp->data_dir);
        batch_free(&sp->bat[0]);
        batch_free(&sp->bat[1]);
        free(sp);
        return RND_ENOMEM;
    }
    sp->ss = ss;
    sp->stats.enabled = 1;
    sp->fast_ok = 1;
    *out = sp;
    return 0;
}

int ship_start(ship *sp, uv_loop_t *loop)
{
    if (uv_async_init(loop, &sp->async, on_async) != 0)
        return RND_EIO;
    sp->async.data = sp;
    sp->async_on = 1;
    if (uv_thread_create(&sp->thread, run, sp) != 0) {
        sp->async_on = 0;
        uv_close((uv_handle_t *)&sp->async, NULL);
        return RND_EIO;
    }
    sp->started = 1;
    return 0;
}

void ship_kick(void *vsp)
{
    ship *sp = vsp;
    if (sp == NULL)
        return;
    uv_mutex_lock(&sp->mu);
    sp->kicked = 1;
    uv_cond_signal(&sp->cv);
    uv_mutex_unlock(&sp->mu);
}

void ship_detach(ship *sp)
{
    if (sp == NULL || !sp->async_on)
        return;
    uv_mutex_lock(&sp->mu);
    sp->async_on = 0;
    for (ship_site *s = sp->sites; s; s = s->next) {
        if (s->opening) {
            srv_sites_open_cancel(&s->wait);
            s->opening = 0;
        }
    }
    uv_mutex_unlock(&sp->mu);
    uv_close((uv_handle_t *)&sp->async, NULL);
}

void ship_stop(ship *sp, int64_t bound_ms)
{
    if (sp == NULL || !sp->started)
        return;
    uv_mutex_lock(&sp->mu);
    sp->quit = 1;
    sp->deadline_ms = mono_ms() + bound_ms;
    uv_cond_signal(&sp->cv);
    /* A statement still running at the deadline (PostgreSQL hung) is
     * cancelled, once; then the thread ends by itself. */
    int cancelled = 0;
    while (!sp->done) {
        int64_t left = sp->deadline_ms - mono_ms();
        if (left <= 0 && !cancelled) {
            char err[256];
            if (sp->cancel)
                (void)PQcancel(sp->cancel, err, sizeof err);
            cancelled = 1;
        }
        uv_cond_timedwait(&sp->cv, &sp->mu,
                          (uint64_t)(left > 0 ? left : 500) * 1000000u);
    }
    uv_mutex_unlock(&sp->mu);
    uv_thread_join(&sp->thread);
    sp->started = 0;
}

void ship_free(ship *sp)
{
    if (sp == NULL)
        return;
    ship_stop(sp, 0);
    disconnect(sp);
    while (sp->sites) {
        ship_site *s = sp->sites;
        sp->sites = s->next;
        free(s->pos);
        free(s);
    }
    batch_free(&sp->bat[0]);
    batch_free(&sp->bat[1]);
    free(sp->dsn);
    free(sp->data_dir);
    uv_cond_destroy(&sp->cv);
    uv_mutex_destroy(&sp->mu);
    free(sp);
}

void ship_get_stats(ship *sp, ship_stats *out)
{
    if (sp == NULL) {
        memset(out, 0, sizeof *out);
        return;
    }
    uv_mutex_lock(&sp->mu);
    *out = sp->stats;
    uv_mutex_unlock(&sp->mu);
}

/* ---- the final ship of a site that moves --------------------------------
 */

int ship_site_shipped(const char *dsn, const char *site, const ship_head *heads,
                      size_t n, uint64_t *behind, char *err, size_t errlen)
{
    *behind = 0;
    PGconn *conn;
    int rc = ship_pg_connect(dsn, SHIP_CONNECT_TIMEOUT_S, err, errlen, &conn);
    if (rc)
        return rc;
    const char *params[1] = {site};
    PGresult *r = PQexecParams(conn,
                               "SELECT device_id, seq FROM ship_position "
                               "WHERE site = $1",
                               1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "%s", PQresultErrorMessage(r));
        rc = RND_EIO;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        uint64_t have = 0;
        for (int row = 0; row < PQntuples(r); row++) {
            /* bigint with the 64 bits of the unsigned value */
            uint64_t dev = (uint64_t)strtoll(PQgetvalue(r, row, 0), NULL, 10);
            if (dev == heads[i].device_id) {
                have = (uint64_t)strtoll(PQgetvalue(r, row, 1), NULL, 10);
                break;
            }
        }
        if (have < heads[i].seq)
            *behind += heads[i].seq - have;
    }
    PQclear(r);
    PQfinish(conn);
    if (rc) {
        size_t len = strlen(err);
        while (len && (err[len - 1] == '\n' || err[len - 1] == ' '))
            err[--len] = '\0';
    }
    return rc;
}
