/* pii.c: the office's personal-data keys. See pii.h. */
#include "pii.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../storage/fold.h"
#include "admin.h"
#include "keyfile.h"

#define KEY_MAGIC "rounds-pii-key 1"

static int key_dir(const char *data_dir, const char *site, char *out,
                   size_t cap)
{
    int n = snprintf(out, cap, "%s/pii/%s", data_dir, site);
    return n > 0 && (size_t)n < cap ? 0 : RND_ETOOBIG;
}

static int key_path(const char *data_dir, const char *site, const uint8_t id[8],
                    char *out, size_t cap)
{
    char hex[17];
    proto_hex(id, 8, hex);
    int n = snprintf(out, cap, "%s/pii/%s/%s.key", data_dir, site, hex);
    return n > 0 && (size_t)n < cap ? 0 : RND_ETOOBIG;
}

static int read_key(const char *path, srv_pii_key *k)
{
    srv_keyfile f;
    memset(k, 0, sizeof *k);
    int rc = srv_keyfile_read(path, KEY_MAGIC, &f);
    if (rc == 0 && proto_pii_pub_of(f.priv, k->pub) != 0)
        rc = RND_ECORRUPT;
    if (rc == 0) {
        memcpy(k->priv, f.priv, sizeof k->priv);
        k->created_ms = f.created_ms;
        k->retired_ms = f.retired_ms;
        proto_pii_key_id(k->pub, k->id);
    }
    memset(&f, 0, sizeof f);
    return rc;
}

static int write_key(const char *data_dir, const char *site,
                     const srv_pii_key *k)
{
    char hex[17];
    srv_keyfile f = {k->created_ms, k->retired_ms, {0}};
    memcpy(f.priv, k->priv, sizeof f.priv);
    proto_hex(k->id, 8, hex);
    int rc = srv_keyfile_write(data_dir, "pii", site, hex, KEY_MAGIC, &f);
    memset(&f, 0, sizeof f);
    return rc;
}

int srv_pii_each(const char *data_dir, const char *site, srv_pii_key_cb cb,
                 void *ctx)
{
    char dir[4096], path[4400];
    int rc = key_dir(data_dir, site, dir, sizeof dir);
    if (rc)
        return rc;
    DIR *d = opendir(dir);
    if (d == NULL)
        return errno == ENOENT ? 0 : RND_EIO;
    struct dirent *e;
    rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n != 20 || strcmp(e->d_name + 16, ".key") != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        srv_pii_key k;
        int r = read_key(path, &k);
        if (r == RND_ENOTFOUND)
            continue; /* purged meanwhile */
        rc = r ? r : cb(&k, ctx);
        memset(&k, 0, sizeof k);
    }
    closedir(d);
    return rc == 1 ? 0 : rc;
}

typedef struct newest_ctx {
    int found;
    srv_pii_key k;
} newest_ctx;

static int newest_cb(const srv_pii_key *k, void *arg)
{
    newest_ctx *c = arg;
    if (k->retired_ms != 0)
        return 0;
    if (!c->found || k->created_ms > c->k.created_ms ||
        (k->created_ms == c->k.created_ms &&
         memcmp(k->id, c->k.id, sizeof k->id) > 0)) {
        c->found = 1;
        c->k = *k;
    }
    return 0;
}

static int make_key(const char *data_dir, const char *site, int64_t now_ms,
                    srv_pii_key *out)
{
    memset(out, 0, sizeof *out);
    int rc = proto_pii_keygen(out->priv, out->pub);
    if (rc)
        return rc;
    proto_pii_key_id(out->pub, out->id);
    out->created_ms = now_ms;
    return write_key(data_dir, site, out);
}

int srv_pii_current(const char *data_dir, const char *site, int create,
                    int64_t now_ms, srv_pii_key *out)
{
    newest_ctx c;
    memset(&c, 0, sizeof c);
    int rc = srv_pii_each(data_dir, site, newest_cb, &c);
    if (rc)
        return rc;
    if (c.found) {
        *out = c.k;
        memset(&c, 0, sizeof c);
        return 0;
    }
    return create ? make_key(data_dir, site, now_ms, out) : RND_ENOTFOUND;
}

int srv_pii_rotate(const char *data_dir, const char *site, int64_t now_ms,
                   srv_pii_key *out)
{
    newest_ctx c;
    memset(&c, 0, sizeof c);
    int rc = srv_pii_each(data_dir, site, newest_cb, &c);
    if (rc)
        return rc;
    /* The new key first: a crash in between leaves two current keys, and
     * the newest wins, rather than none. */
    if ((rc = make_key(data_dir, site, now_ms, out)) != 0)
        return rc;
    if (c.found) {
        c.k.retired_ms = now_ms;
        rc = write_key(data_dir, site, &c.k);
    }
    memset(&c, 0, sizeof c);
    return rc;
}

int srv_pii_load(const char *data_dir, const char *site,
                 const uint8_t id[PROTO_PII_KEYID_LEN], srv_pii_key *out)
{
    char path[4200];
    int rc = key_path(data_dir, site, id, path, sizeof path);
    if (rc)
        return rc;
    rc = read_key(path, out);
    if (rc == 0 && memcmp(out->id, id, PROTO_PII_KEYID_LEN) != 0)
        rc = RND_ECORRUPT; /* a file renamed by hand */
    return rc;
}

typedef struct purge_ctx {
    const char *data_dir, *site;
    int64_t before;
    int deleted;
    int rc;
} purge_ctx;

static int purge_cb(const srv_pii_key *k, void *arg)
{
    purge_ctx *c = arg;
    char path[4200];
    if (k->retired_ms == 0 || k->retired_ms >= c->before)
        return 0;
    if (key_path(c->data_dir, c->site, k->id, path, sizeof path) != 0 ||
        unlink(path) != 0) {
        c->rc = RND_EIO;
        return 1;
    }
    c->deleted++;
    return 0;
}

int srv_pii_purge(const char *data_dir, const char *site, int64_t retention_ms,
                  int64_t now_ms, int *deleted)
{
    purge_ctx c = {data_dir, site, now_ms - retention_ms, 0, 0};
    int rc = srv_pii_each(data_dir, site, purge_cb, &c);
    *deleted = c.deleted;
    if (rc == 0 && c.deleted > 0) {
        char dir[4096];
        key_dir(data_dir, site, dir, sizeof dir);
        int dfd = open(dir, O_RDONLY | O_DIRECTORY);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    return rc ? rc : c.rc;
}

/* ---- publishing --------------------------------------------------------- */

typedef struct publish_ctx {
    const char *site;
    const srv_pii_key *k;
    int64_t now;
    int written;
    uint8_t id[PROTO_ENTITY_LEN];
    uint8_t others[16][PROTO_ENTITY_LEN];
    int nothers;
    int have_mine;
} publish_ctx;

static int active_cb(const fold_state *st, void *arg)
{
    publish_ctx *c = arg;
    if (memcmp(st->entity, c->id, PROTO_ENTITY_LEN) == 0)
        c->have_mine = 1;
    else if (c->nothers < 16)
        memcpy(c->others[c->nothers++], st->entity, PROTO_ENTITY_LEN);
    return 0;
}

static int publish_fn(store_txn *t, void *arg)
{
    publish_ctx *c = arg;
    char hex[17], pub[100];
    int rc;

    c->written = 0;
    c->nothers = 0;
    c->have_mine = 0;
    if ((rc = store_states_each(t, PROTO_KIND_PII_KEY, 1, 0, active_cb, c)))
        return rc;
    if (!c->have_mine) {
        proto_hex(c->k->id, 8, hex);
        proto_pii_pub_text(c->k->pub, pub, sizeof pub);
        if ((rc = srv_keyrec_publish(t, PROTO_KIND_PII_KEY, c->id, hex, 16, pub,
                                     c->k->created_ms, c->now)))
            return rc;
        c->written++;
    }
    for (int i = 0; i < c->nothers; i++) {
        if ((rc = srv_keyrec_retire(t, PROTO_KIND_PII_KEY, c->others[i],
                                    "rotated", c->now)))
            return rc;
        c->written++;
    }
    return 0;
}

int srv_pii_publish(store *st, const char *site, const srv_pii_key *k,
                    int64_t now_ms, int *written)
{
    publish_ctx c;
    char hex[17];
    memset(&c, 0, sizeof c);
    c.site = site;
    c.k = k;
    c.now = now_ms;
    proto_hex(k->id, 8, hex);
    srv_md_entity_id(PROTO_KIND_PII_KEY, site, hex, 16, c.id);
    int rc = store_write(st, publish_fn, &c);
    *written = rc ? 0 : c.written;
    return rc;
}
