/* tags.c: the office's tag-signing keys and their publication. See
 * tags.h. The key files and the publishing ops are pii.c's too
 * (keyfile.c). */
#include "tags.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../proto/pii.h"
#include "../storage/fold.h"
#include "admin.h"
#include "keyfile.h"

#define KEY_MAGIC "rounds-tag-key 1"

static int key_dir(const char *data_dir, const char *site, char *out,
                   size_t cap)
{
    int n = snprintf(out, cap, "%s/tags/%s", data_dir, site);
    return n > 0 && (size_t)n < cap ? 0 : RND_ETOOBIG;
}

static int read_key(const char *path, srv_tag_key *k)
{
    srv_keyfile f;
    memset(k, 0, sizeof *k);
    int rc = srv_keyfile_read(path, KEY_MAGIC, &f);
    if (rc == 0 && proto_tag_pub_of(f.priv, k->pub) != 0)
        rc = RND_ECORRUPT;
    if (rc == 0) {
        memcpy(k->priv, f.priv, sizeof k->priv);
        k->created_ms = f.created_ms;
        k->retired_ms = f.retired_ms;
        proto_tag_key_id(k->pub, k->id, k->hex);
    }
    memset(&f, 0, sizeof f);
    return rc;
}

static int write_key(const char *data_dir, const char *site,
                     const srv_tag_key *k)
{
    srv_keyfile f = {k->created_ms, k->retired_ms, {0}};
    memcpy(f.priv, k->priv, sizeof f.priv);
    int rc = srv_keyfile_write(data_dir, "tags", site, k->hex, KEY_MAGIC, &f);
    memset(&f, 0, sizeof f);
    return rc;
}

int srv_tag_each(const char *data_dir, const char *site, srv_tag_key_cb cb,
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
    while (rc == 0 && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n != PROTO_TAG_KEYID_HEX + 4 ||
            strcmp(e->d_name + PROTO_TAG_KEYID_HEX, ".key") != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        srv_tag_key k;
        int r = read_key(path, &k);
        if (r == 0 && strncmp(k.hex, e->d_name, PROTO_TAG_KEYID_HEX) != 0)
            r = RND_ECORRUPT; /* a file renamed by hand */
        rc = r ? r : cb(&k, ctx);
        memset(&k, 0, sizeof k);
    }
    closedir(d);
    return rc == 1 ? 0 : rc;
}

typedef struct newest_ctx {
    int found, active;
    srv_tag_key k;
} newest_ctx;

static int newest_cb(const srv_tag_key *k, void *arg)
{
    newest_ctx *c = arg;
    if (k->retired_ms != 0)
        return 0;
    c->active++;
    if (!c->found || k->created_ms > c->k.created_ms ||
        (k->created_ms == c->k.created_ms &&
         memcmp(k->id, c->k.id, sizeof k->id) > 0)) {
        c->found = 1;
        c->k = *k;
    }
    return 0;
}

static int make_key(const char *data_dir, const char *site, int64_t now_ms,
                    srv_tag_key *out)
{
    memset(out, 0, sizeof *out);
    int rc = proto_tag_keygen(out->priv, out->pub);
    if (rc)
        return rc;
    proto_tag_key_id(out->pub, out->id, out->hex);
    out->created_ms = now_ms;
    return write_key(data_dir, site, out);
}

int srv_tag_current(const char *data_dir, const char *site, int create,
                    int64_t now_ms, srv_tag_key *out, int *made)
{
    newest_ctx c;
    memset(&c, 0, sizeof c);
    if (made)
        *made = 0;
    int rc = srv_tag_each(data_dir, site, newest_cb, &c);
    if (rc)
        return rc;
    if (c.found) {
        *out = c.k;
        memset(&c, 0, sizeof c);
        return 0;
    }
    if (!create)
        return RND_ENOTFOUND;
    rc = make_key(data_dir, site, now_ms, out);
    if (rc == 0 && made)
        *made = 1;
    return rc;
}

static int latest_cb(const srv_tag_key *k, void *arg)
{
    int64_t *latest = arg;
    if (k->created_ms > *latest)
        *latest = k->created_ms;
    return 0;
}

int srv_tag_rotate(const char *data_dir, const char *site, int64_t now_ms,
                   srv_tag_key *out)
{
    /* Newer than every key, even under a clock set back or pinned: the
     * current key is the newest. */
    int64_t latest = 0;
    int rc = srv_tag_each(data_dir, site, latest_cb, &latest);
    if (rc)
        return rc;
    return make_key(data_dir, site, now_ms > latest ? now_ms : latest + 1, out);
}

typedef struct find_ctx {
    const char *hex;
    int found;
    srv_tag_key k;
} find_ctx;

static int find_cb(const srv_tag_key *k, void *arg)
{
    find_ctx *c = arg;
    if (strcmp(k->hex, c->hex) != 0)
        return 0;
    c->found = 1;
    c->k = *k;
    return 1;
}

int srv_tag_retire(const char *data_dir, const char *site, const char *hex,
                   int64_t now_ms, srv_tag_key *out)
{
    find_ctx f = {hex, 0, {{0}}};
    newest_ctx c;
    memset(&c, 0, sizeof c);
    int rc = srv_tag_each(data_dir, site, find_cb, &f);
    if (rc == 0)
        rc = srv_tag_each(data_dir, site, newest_cb, &c);
    memset(&c.k, 0, sizeof c.k);
    if (rc)
        return rc;
    if (!f.found)
        return RND_ENOTFOUND;
    *out = f.k;
    memset(&f.k, 0, sizeof f.k);
    if (out->retired_ms != 0)
        return RND_EEXIST;
    if (c.active <= 1)
        return RND_ETRANSITION;
    out->retired_ms = now_ms;
    return write_key(data_dir, site, out);
}

/* ---- publishing --------------------------------------------------------- */

#define PUB_MAX 32

typedef struct publish_ctx {
    const char *site;
    int64_t now;
    int written;
    int nkeys; /* active keys of the data directory */
    srv_tag_key keys[PUB_MAX];
    int mine[PUB_MAX]; /* already published and active on the site */
    uint8_t stale[PUB_MAX][PROTO_ENTITY_LEN];
    int nstale;
} publish_ctx;

static int collect_cb(const srv_tag_key *k, void *arg)
{
    publish_ctx *c = arg;
    if (k->retired_ms != 0)
        return 0;
    if (c->nkeys == PUB_MAX)
        return RND_ETOOBIG;
    c->keys[c->nkeys++] = *k;
    return 0;
}

static int active_cb(const fold_state *st, void *arg)
{
    publish_ctx *c = arg;
    uint8_t id[PROTO_ENTITY_LEN];
    for (int i = 0; i < c->nkeys; i++) {
        srv_md_entity_id(PROTO_KIND_TAG_KEY, c->site, c->keys[i].hex,
                         PROTO_TAG_KEYID_HEX, id);
        if (memcmp(st->entity, id, PROTO_ENTITY_LEN) == 0) {
            c->mine[i] = 1;
            return 0;
        }
    }
    if (c->nstale < PUB_MAX)
        memcpy(c->stale[c->nstale++], st->entity, PROTO_ENTITY_LEN);
    return 0;
}

static int publish_fn(store_txn *t, void *arg)
{
    publish_ctx *c = arg;
    uint8_t id[PROTO_ENTITY_LEN];
    char pub[100];
    int rc;

    c->written = 0;
    c->nstale = 0;
    memset(c->mine, 0, sizeof c->mine);
    if ((rc = store_states_each(t, PROTO_KIND_TAG_KEY, 1, 0, active_cb, c)))
        return rc;
    for (int i = 0; i < c->nkeys; i++) {
        const srv_tag_key *k = &c->keys[i];
        if (c->mine[i])
            continue;
        proto_pii_pub_text(k->pub, pub, sizeof pub);
        srv_md_entity_id(PROTO_KIND_TAG_KEY, c->site, k->hex,
                         PROTO_TAG_KEYID_HEX, id);
        if ((rc = srv_keyrec_publish(t, PROTO_KIND_TAG_KEY, id, k->hex,
                                     PROTO_TAG_KEYID_HEX, pub, k->created_ms,
                                     c->now)))
            return rc;
        c->written++;
    }
    for (int i = 0; i < c->nstale; i++) {
        if ((rc = srv_keyrec_retire(t, PROTO_KIND_TAG_KEY, c->stale[i],
                                    "retired", c->now)))
            return rc;
        c->written++;
    }
    return 0;
}

int srv_tag_publish(store *st, const char *data_dir, const char *site,
                    int64_t now_ms, int *written)
{
    static _Thread_local publish_ctx c;
    memset(&c, 0, sizeof c);
    c.site = site;
    c.now = now_ms;
    *written = 0;
    int rc = srv_tag_each(data_dir, site, collect_cb, &c);
    if (rc == 0)
        rc = store_write(st, publish_fn, &c);
    if (rc == 0)
        *written = c.written;
    memset(c.keys, 0, sizeof c.keys);
    return rc;
}
