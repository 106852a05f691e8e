/* cmd_nodes.c: several roundsd nodes and one directory (docs/NODES.md):
 * `roundsd node add|list`, `roundsd site assign|move|accept`.
 *
 * A site moves from node A (where `site move` runs) to node B (where
 * `site accept` runs, or the same `site move` with --target-config when
 * both data directories are reachable from one machine) in these steps,
 * each safe to run again after a failure:
 *   1. directory: the site's row becomes 'moving' to B (dir_move_begin);
 *   2. stop: the site's store on A gets the MOVING mark (site_move.h):
 *      from its commit on, A commits no batch and no office write of the
 *      site, and a HELLO is told EBUSY;
 *   3. final ship: the ops of the site not shipped to PostgreSQL yet are
 *      shipped by serve's shipper, and this waits until they are
 *      (final_ship() below; nothing when no pg_dsn is set);
 *   4. copy: the store (a compacting copy taken after the mark: it holds
 *      every op acknowledged), its attachments, its personal-data keys
 *      and its devices' registry records go into VIA/SITE-eEPOCH/, with a
 *      MOVE manifest written last;
 *   5. restore on B: the store gets a new incarnation (handhelds pull it
 *      again from 0, and offer their attachments again), its mark is
 *      cleared, its digest and op count are checked against the
 *      manifest, the devices are imported with their credentials and
 *      device ids;
 *   6. directory: (A, epoch, moving) becomes (B, epoch + 1, active) in one
 *      PostgreSQL transaction (dir_move_finish);
 *   7. redirect: A's mark becomes MOVED naming B: a HELLO for the site is
 *      answered REDIRECT (protocol 5) and the handheld syncs with B.
 * The bytes travel through VIA, a folder both nodes reach (a shared or
 * copied folder; the test uses one on the same machine).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../proto/enrollpay.h"
#include "../proto/proto.h"
#include "cert.h"
#include "cli.h"
#include "cmd_nodes.h"
#include "datadir.h"
#include "directory.h"
#include "dump.h"
#include "site.h"
#include "ship.h"
#include "site_move.h"

#define PATH_CAP 4096

#define MOVE_FILE "MOVE"

static int need_directory(const srv_config *c)
{
    if (c->pg_dsn[0] && c->node_name[0])
        return 0;
    return cli_usage(_("no node directory: set pg_dsn and node_name in the "
                       "configuration file (docs/NODES.md)"));
}

static int open_dir(const srv_config *c, dir_conn **dc)
{
    char err[512];
    int rc = dir_connect(c->pg_dsn, dc, err, sizeof err);
    if (rc)
        return cli_fail(rc, _("cannot reach the node directory: %s"), err);
    return 0;
}

/* ---- roundsd node add|list ---------------------------------------------- */

static int read_pem(const char *path, char **out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return RND_ENOTFOUND;
    char *buf = malloc(PROTO_CERT_MAX + 1);
    size_t n = buf ? fread(buf, 1, PROTO_CERT_MAX + 1, f) : 0;
    fclose(f);
    if (buf == NULL)
        return RND_ENOMEM;
    if (n > PROTO_CERT_MAX) {
        free(buf);
        return RND_ETOOBIG;
    }
    buf[n] = '\0';
    *out = buf;
    return 0;
}

static int node_add(const srv_config *c)
{
    const char *name = cli_flag("name"), *addr = cli_flag("address");
    if (name == NULL || !srv_name_valid(name, strlen(name)))
        return cli_usage(_("node add: give --name NAME (1 to 63 letters, "
                           "digits, '_', '.' or '-')"));
    if (addr == NULL || !proto_enroll_addr_ok(addr, strlen(addr)))
        return cli_usage(_("node add: give --address HOST:PORT, the address "
                           "handhelds reach the node at"));
    char crt[SRV_CONFIG_PATH_MAX], cerr[512];
    if (cli_flag("cert"))
        snprintf(crt, sizeof crt, "%s", cli_flag("cert"));
    else
        srv_config_cert_path(c, crt, sizeof crt);
    srv_cert_info ci;
    int rc = srv_cert_info_read(crt, &ci, cerr, sizeof cerr);
    if (rc)
        return cli_fail(rc, _("node add: %s"),
                        rc == RND_ENOTFOUND ? crt : cerr);
    char *pem;
    rc = read_pem(crt, &pem);
    if (rc)
        return cli_fail(rc, _("node add: cannot read %s: %s"), crt,
                        i18n_tr(rnd_strerror(rc)));
    /* The certificate alone, from its BEGIN line: what REDIRECT carries. */
    const char *begin = strstr(pem, "-----BEGIN CERTIFICATE-----");
    dir_conn *dc;
    int ex = begin ? open_dir(c, &dc) : cli_fail(RND_ECERT, "%s", crt);
    if (ex) {
        free(pem);
        return ex;
    }
    rc = dir_node_put(dc, name, addr, begin, ci.sha256);
    free(pem);
    if (rc) {
        ex = cli_fail(rc, _("node add: %s"), dir_error(dc));
        dir_close(dc);
        return ex;
    }
    dir_close(dc);
    printf(_("node %s: %s, certificate %s\n"), name, addr, ci.sha256);
    return RND_EXIT_OK;
}

static int cmd_node(void)
{
    const char *verb = cli_args.npos ? cli_args.pos[0] : NULL;
    static const char *const names[] = {"add", NULL};
    if (verb == NULL)
        return cli_usage(_("give add"));
    const srv_config *c = cli_config();
    int ex = need_directory(c);
    if (ex)
        return ex;
    if (strcmp(verb, "add") == 0)
        return node_add(c);
    return cli_unknown_sub(verb, names);
}

/* ---- files ----------------------------------------------------------------
 */

static int fsync_path(const char *path, int dir)
{
    int fd = open(path, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Copies one file (mode kept), fsynced. */
static int copy_file(const char *src, const char *dst)
{
    struct stat st;
    int in = open(src, O_RDONLY);
    if (in < 0 || fstat(in, &st) != 0) {
        if (in >= 0)
            close(in);
        return RND_EIO;
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL, st.st_mode & 0777);
    if (out < 0) {
        close(in);
        return errno == EEXIST ? RND_EEXIST : RND_EIO;
    }
    char buf[65536];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            rc = RND_EIO;
            break;
        }
    if (n < 0 || fsync(out) != 0)
        rc = RND_EIO;
    close(in);
    if (close(out) != 0)
        rc = RND_EIO;
    return rc;
}

/* Copies the files of src into dst (made, mode 0700), down to depth
 * levels of folders; "partial" and "tmp" (uploads under way, files being
 * written: attachments/) are left out. A missing src copies nothing. */
static int copy_tree(const char *src, const char *dst, int depth)
{
    DIR *d = opendir(src);
    if (d == NULL)
        return errno == ENOENT ? 0 : RND_EIO;
    if (mkdir(dst, 0700) != 0 && errno != EEXIST) {
        closedir(d);
        return RND_EIO;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "partial") == 0 ||
            strcmp(e->d_name, "tmp") == 0)
            continue;
        char s[PATH_CAP], t[PATH_CAP];
        struct stat st;
        if ((size_t)cli_fmt(s, sizeof s, "%s/%s", src, e->d_name) >= sizeof s ||
            (size_t)cli_fmt(t, sizeof t, "%s/%s", dst, e->d_name) >= sizeof t ||
            lstat(s, &st) != 0) {
            rc = RND_EIO;
            break;
        }
        if (S_ISDIR(st.st_mode) && depth > 0)
            rc = copy_tree(s, t, depth - 1);
        else if (S_ISREG(st.st_mode))
            rc = copy_file(s, t);
    }
    closedir(d);
    if (rc == 0 && fsync_path(dst, 1) != 0)
        rc = RND_EIO;
    return rc;
}

/* Removes path and what it holds, down to depth levels of folders; a
 * missing path is fine. */
static int rm_tree(const char *path, int depth)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    DIR *d = opendir(path);
    if (d == NULL)
        return -1;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[PATH_CAP];
        if ((size_t)cli_fmt(p, sizeof p, "%s/%s", path, e->d_name) >=
                sizeof p ||
            depth < 0)
            rc = -1;
        else
            rc = rm_tree(p, depth - 1);
    }
    closedir(d);
    return rc ? rc : rmdir(path);
}

static int write_file(const char *path, const void *p, size_t n)
{
    char tmp[PATH_CAP];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return RND_EIO;
    int bad = write(fd, p, n) != (ssize_t)n || fsync(fd) != 0;
    if (close(fd) != 0 || bad || rename(tmp, path) != 0)
        return RND_EIO;
    return 0;
}

static int read_all(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return errno == ENOENT ? RND_ENOTFOUND : RND_EIO;
    size_t cap = 65536, n = 0;
    uint8_t *b = malloc(cap);
    size_t r;
    while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            uint8_t *bigger = realloc(b, cap * 2);
            if (bigger == NULL) {
                free(b);
                b = NULL;
                break;
            }
            b = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (b == NULL)
        return RND_ENOMEM;
    *out = b;
    *len = n;
    return 0;
}

/* ---- the MOVE manifest ----------------------------------------------------
 */

typedef struct move_info {
    char site[SRV_NAME_MAX + 1];
    char from[PROTO_NODE_MAX + 1], to[PROTO_NODE_MAX + 1];
    uint64_t epoch; /* the epoch the move gives the site */
    uint64_t ops, entities, devices;
    char digest[65];
} move_info;

static int move_write(const char *dir, const move_info *m)
{
    char path[PATH_CAP], text[1024];
    int n = snprintf(text, sizeof text,
                     "site %s\nfrom %s\nto %s\nepoch %" PRIu64 "\nops %" PRIu64
                     "\nentities %" PRIu64 "\ndevices %" PRIu64 "\ndigest %s\n",
                     m->site, m->from, m->to, m->epoch, m->ops, m->entities,
                     m->devices, m->digest);
    cli_fmt(path, sizeof path, "%s/%s", dir, MOVE_FILE);
    int rc = write_file(path, text, (size_t)n);
    if (rc == 0 && fsync_path(dir, 1) != 0)
        rc = RND_EIO;
    return rc;
}

/* A name of the manifest into out (cap bytes); 0 when it is one. */
static int set_name(char *out, size_t cap, const char *v)
{
    size_t n = strlen(v);
    if (n >= cap || !srv_name_valid(v, n))
        return 0;
    memcpy(out, v, n + 1);
    return 1;
}

static int move_read(const char *dir, move_info *m)
{
    char path[PATH_CAP], line[256];
    cli_fmt(path, sizeof path, "%s/%s", dir, MOVE_FILE);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return RND_ENOTFOUND;
    memset(m, 0, sizeof *m);
    int seen = 0;
    while (fgets(line, sizeof line, f)) {
        char k[16], v[200];
        if (sscanf(line, "%15s %199s", k, v) != 2)
            continue;
        if (strcmp(k, "site") == 0 && set_name(m->site, sizeof m->site, v))
            seen |= 1;
        else if (strcmp(k, "from") == 0 && set_name(m->from, sizeof m->from, v))
            seen |= 2;
        else if (strcmp(k, "to") == 0 && set_name(m->to, sizeof m->to, v))
            seen |= 4;
        else if (strcmp(k, "epoch") == 0)
            m->epoch = strtoull(v, NULL, 10), seen |= 8;
        else if (strcmp(k, "ops") == 0)
            m->ops = strtoull(v, NULL, 10), seen |= 16;
        else if (strcmp(k, "entities") == 0)
            m->entities = strtoull(v, NULL, 10);
        else if (strcmp(k, "devices") == 0)
            m->devices = strtoull(v, NULL, 10);
        else if (strcmp(k, "digest") == 0 && strlen(v) == 64) {
            memcpy(m->digest, v, 65);
            seen |= 32;
        }
    }
    fclose(f);
    return seen == 63 && m->epoch >= 2 ? 0 : RND_ECORRUPT;
}

/* The digest and counts of the store at dir (as `roundsd dump`). */
static int sum_store(const char *dir, move_info *m)
{
    store *st;
    uint8_t d[32];
    int rc = store_open(dir, STORE_RDONLY, &st);
    if (rc)
        return rc;
    rc = srv_dump(st, NULL, NULL, d, &m->entities, &m->ops);
    store_close(st);
    if (rc == 0)
        proto_hex(d, 32, m->digest);
    return rc;
}

/* ---- the steps ------------------------------------------------------------
 */

typedef struct mark_ctx {
    int state;
    const srv_node_ref *to;
} mark_ctx;

static int mark_fn(store_txn *t, void *arg)
{
    mark_ctx *c = arg;
    return srv_site_mark_put(t, c->state, c->to);
}

static int mark_site(const char *data, const char *site, int state,
                     const srv_node_ref *to)
{
    store *st;
    int rc = srv_site_open(data, site, 0, &st, NULL);
    if (rc)
        return rc;
    mark_ctx c = {state, to};
    rc = store_write(st, mark_fn, &c);
    store_close(st);
    return rc;
}

/* Step 3, the final ship: every op of the site durable here (nothing new
 * can come since step 2) is in PostgreSQL before the copy, so the new
 * node's shipper starts from a complete table. `serve`'s shipper (this
 * node's pg_dsn) ships them; this waits until ship_position covers each
 * device's last op in the store, for at most FINAL_SHIP_WAIT_MS. */
#define FINAL_SHIP_WAIT_MS 120000
static int final_ship(const srv_config *c, const char *site)
{
    if (c->pg_dsn[0] == '\0') {
        fprintf(stderr,
                _("roundsd site move: step 3, no pg_dsn: nothing to ship\n"));
        return 0;
    }
    store *st;
    int rc = srv_site_open(c->data, site, STORE_RDONLY, &st, NULL);
    if (rc)
        return cli_fail(rc, _("cannot open the store of %s: %s"), site,
                        i18n_tr(rnd_strerror(rc)));
    ship_head *heads = NULL;
    size_t n = 0, cap = 0;
    store_txn *t = NULL;
    rc = store_read_begin(st, &t);
    uint64_t dev = 0;
    while (rc == 0 && store_ops_next_device(t, dev, &dev) == 0) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            ship_head *h = realloc(heads, cap * sizeof *h);
            if (h == NULL) {
                rc = RND_ENOMEM;
                break;
            }
            heads = h;
        }
        heads[n].device_id = dev;
        rc = store_device_max_seq(t, dev, &heads[n].seq);
        n++;
        if (dev == UINT64_MAX)
            break;
        dev++;
    }
    if (t)
        store_read_end(t);
    store_close(st);
    char err[256] = "";
    uint64_t behind = 0, said = UINT64_MAX;
    for (int waited = 0; rc == 0; waited += 200) {
        rc = ship_site_shipped(c->pg_dsn, site, heads, n, &behind, err,
                               sizeof err);
        if (rc || behind == 0)
            break;
        if (behind != said)
            fprintf(stderr,
                    _("roundsd site move: step 3, %" PRIu64 " ops of %s "
                      "not in PostgreSQL yet: waiting for serve's shipper\n"),
                    behind, site);
        said = behind;
        if (waited >= FINAL_SHIP_WAIT_MS) {
            rc = RND_ETIMEOUT;
            snprintf(err, sizeof err,
                     "%" PRIu64 " ops still not shipped: is serve running "
                     "with pg_dsn? (roundsd stats says)",
                     behind);
            break;
        }
        usleep(200000);
    }
    free(heads);
    if (rc)
        return cli_fail(rc, _("site move: the final ship of %s: %s"), site,
                        err);
    fprintf(stderr,
            _("roundsd site move: step 3, every op of %s is in PostgreSQL\n"),
            site);
    return 0;
}

/* Step 4: the copy into out (a new folder). */
static int export_site(const srv_config *c, const char *site, const char *out,
                       move_info *m)
{
    char src[PATH_CAP], dst[PATH_CAP];
    if (mkdir(out, 0700) != 0 && errno != EEXIST)
        return cli_fail(RND_EIO, _("cannot make %s: %s"), out, strerror(errno));
    store *st;
    int rc = srv_site_open(c->data, site, STORE_RDONLY, &st, NULL);
    cli_fmt(dst, sizeof dst, "%s/store", out);
    if (rc == 0) {
        rc = store_copy(st, dst);
        store_close(st);
    }
    if (rc == 0)
        rc = sum_store(dst, m);
    if (rc)
        return cli_fail(rc, _("cannot copy the store of %s into %s: %s"), site,
                        dst, i18n_tr(rnd_strerror(rc)));
    cli_fmt(src, sizeof src, "%s/sites/%s/attachments", c->data, site);
    cli_fmt(dst, sizeof dst, "%s/attachments", out);
    if ((rc = copy_tree(src, dst, 2)) != 0)
        return cli_fail(rc, _("cannot copy %s into %s: %s"), src, dst,
                        strerror(errno));
    cli_fmt(src, sizeof src, "%s/pii/%s", c->data, site);
    cli_fmt(dst, sizeof dst, "%s/pii", out);
    if ((rc = copy_tree(src, dst, 0)) != 0)
        return cli_fail(rc, _("cannot copy %s into %s: %s"), src, dst,
                        strerror(errno));
    srv_registry *r;
    int ex = cli_open_registry(&r);
    if (ex)
        return ex;
    uint8_t *devs;
    size_t len, n;
    rc = srv_registry_export_site(r, site, &devs, &len, &n);
    srv_registry_close(r);
    if (rc)
        return cli_fail(rc, _("cannot read the devices of %s: %s"), site,
                        i18n_tr(rnd_strerror(rc)));
    cli_fmt(dst, sizeof dst, "%s/devices.mp", out);
    rc = write_file(dst, devs, len);
    free(devs);
    if (rc)
        return cli_fail(rc, _("cannot write %s: %s"), dst, strerror(errno));
    m->devices = n;
    rc = move_write(out, m);
    if (rc)
        return cli_fail(rc, _("cannot write %s/%s: %s"), out, MOVE_FILE,
                        strerror(errno));
    return 0;
}

static int unmark_fn(store_txn *t, void *arg)
{
    (void)arg;
    return srv_site_mark_put(t, SRV_SITE_HERE, NULL);
}

/* Steps 5 and 6, on the node the site moves to (cfg is its
 * configuration). */
static int accept_site(const srv_config *tc, const char *via, move_info *m,
                       int *already)
{
    char src[PATH_CAP], dst[PATH_CAP], inc[PATH_CAP];
    *already = 0;
    int rc = move_read(via, m);
    if (rc)
        return cli_fail(rc,
                        _("%s/%s is missing or incomplete: run 'roundsd "
                          "site move' again"),
                        via, MOVE_FILE);
    if (strcmp(m->to, tc->node_name) != 0)
        return cli_fail(RND_EINVAL,
                        _("%s moves site %s to node %s, and this is node %s"),
                        via, m->site, m->to, tc->node_name);
    dir_conn *dc;
    int ex = open_dir(tc, &dc);
    if (ex)
        return ex;
    dir_site row;
    rc = dir_site_get(dc, m->site, &row);
    if (rc == 0 && strcmp(row.node, m->to) == 0 && row.epoch == m->epoch) {
        *already = 1; /* finished by an earlier run */
        dir_close(dc);
        return 0;
    }
    if (rc == 0 &&
        (strcmp(row.node, m->from) != 0 || !row.moving ||
         strcmp(row.move_to, m->to) != 0 || row.epoch + 1 != m->epoch))
        rc = RND_ETRANSITION;
    if (rc) {
        ex = cli_fail(rc,
                      _("the directory does not show site %s moving from %s "
                        "to %s at epoch %" PRIu64 ": %s"),
                      m->site, m->from, m->to, m->epoch - 1,
                      rc == RND_ETRANSITION ? row.node : dir_error(dc));
        dir_close(dc);
        return ex;
    }
    srv_datadir_owner owner;
    srv_datadir_owner_note(&owner, tc->data);
    /* The store, built beside sites/ and renamed into it whole, so that a
     * serve never opens half of it (nor lists a half one as a site). */
    cli_fmt(dst, sizeof dst, "%s/sites", tc->data);
    (void)mkdir(dst, 0700);
    cli_fmt(dst, sizeof dst, "%s/sites/%s", tc->data, m->site);
    snprintf(inc, sizeof inc, "%s/.incoming-%s", tc->data, m->site);
    (void)rm_tree(inc, 3); /* what an earlier run left half made */
    struct stat sst;
    if (stat(dst, &sst) == 0) {
        move_info here;
        rc = sum_store(dst, &here);
        if (rc || strcmp(here.digest, m->digest) != 0) {
            dir_close(dc);
            return cli_fail(RND_EEXIST,
                            _("this node holds a store of site %s already "
                              "(%s), not the one moving: move it aside first"),
                            m->site, dst);
        }
    } else {
        store *st;
        cli_fmt(src, sizeof src, "%s/store", via);
        rc = store_open(src, STORE_RDONLY, &st);
        if (rc == 0) {
            rc = store_copy(st, inc);
            store_close(st);
        }
        /* A new incarnation: every handheld pulls the site again from 0
         * and offers its attachments again, as after a restore; the mark
         * the copy carries is cleared. */
        uint64_t newinc = 0;
        if (rc == 0)
            rc = store_open(inc, 0, &st);
        if (rc == 0) {
            rc = store_write(st, unmark_fn, NULL);
            if (rc == 0)
                rc = srv_store_new_incarnation(st, &newinc);
            store_close(st);
        }
        move_info got;
        if (rc == 0)
            rc = sum_store(inc, &got);
        if (rc == 0 &&
            (got.ops != m->ops || strcmp(got.digest, m->digest) != 0))
            rc = RND_ECORRUPT;
        char a[PATH_CAP + 64], b[PATH_CAP + 64];
        snprintf(a, sizeof a, "%s/attachments", via);
        snprintf(b, sizeof b, "%s/attachments", inc);
        if (rc == 0)
            rc = copy_tree(a, b, 2);
        if (rc == 0 && rename(inc, dst) != 0)
            rc = RND_EIO;
        snprintf(a, sizeof a, "%s/sites", tc->data);
        if (rc == 0 && fsync_path(a, 1) != 0)
            rc = RND_EIO;
        if (rc) {
            dir_close(dc);
            return cli_fail(rc,
                            _("cannot restore the store of %s from %s into "
                              "%s: %s"),
                            m->site, via, dst, i18n_tr(rnd_strerror(rc)));
        }
    }
    /* The personal-data keys. */
    char a[PATH_CAP + 64], b[PATH_CAP + 64];
    snprintf(a, sizeof a, "%s/pii", via);
    snprintf(b, sizeof b, "%s/pii", tc->data);
    if (mkdir(b, 0700) != 0 && errno != EEXIST)
        rc = RND_EIO;
    snprintf(b, sizeof b, "%s/pii/%s", tc->data, m->site);
    if (rc == 0)
        rc = copy_tree(a, b, 0);
    /* The devices, with their credentials and ids. */
    uint8_t *devs = NULL;
    size_t len = 0, n = 0;
    char why[256] = "";
    snprintf(a, sizeof a, "%s/devices.mp", via);
    if (rc == 0)
        rc = read_all(a, &devs, &len);
    srv_registry *r = NULL;
    if (rc == 0)
        rc = srv_registry_open(tc->data, 0, &r);
    if (rc == 0)
        rc = srv_registry_import(r, devs, len, &n, why, sizeof why);
    srv_registry_close(r);
    free(devs);
    (void)srv_datadir_owner_fix(&owner, "site accept");
    if (rc) {
        dir_close(dc);
        return cli_fail(rc, _("cannot take the devices of %s: %s"), m->site,
                        why[0] ? why : i18n_tr(rnd_strerror(rc)));
    }
    /* Step 6: the flip, one transaction. */
    rc = dir_move_finish(dc, m->site, m->from, m->to, m->epoch - 1, m->ops,
                         m->digest);
    if (rc) {
        ex = cli_fail(rc, _("the directory did not take the move: %s"),
                      dir_error(dc));
        dir_close(dc);
        return ex;
    }
    dir_close(dc);
    return 0;
}

/* ---- roundsd site assign|move|accept --------------------------------------
 */

static int site_assign(const srv_config *c, const char *site)
{
    const char *node = cli_flag("node") ? cli_flag("node") : c->node_name;
    dir_conn *dc;
    int ex = open_dir(c, &dc);
    if (ex)
        return ex;
    dir_site row;
    int rc = dir_site_assign(dc, site, node, &row);
    if (rc) {
        ex = cli_fail(rc, _("site assign: %s"), dir_error(dc));
        dir_close(dc);
        return ex;
    }
    dir_close(dc);
    printf(_("site %s: node %s, epoch %" PRIu64 "\n"), site, row.node,
           row.epoch);
    return RND_EXIT_OK;
}

static int load_target(const char *path, srv_config *tc)
{
    char err[1200];
    srv_config_init(tc);
    int rc = srv_config_load(tc, path, err, sizeof err);
    if (rc)
        return cli_fail(rc, "%s", err);
    if (!tc->node_name[0])
        return cli_fail(RND_EINVAL, _("%s names no node_name"), path);
    if (!tc->pg_dsn[0])
        snprintf(tc->pg_dsn, sizeof tc->pg_dsn, "%s", cli_config()->pg_dsn);
    return 0;
}

static int site_move(const srv_config *c, const char *site)
{
    const char *to = cli_flag("to"), *via = cli_flag("via");
    const char *tcfg = cli_flag("target-config");
    if (to == NULL || !srv_name_valid(to, strlen(to)) || via == NULL)
        return cli_usage(_("site move: give --to NODE and --via DIR (a folder "
                           "both nodes reach)"));
    if (strcmp(to, c->node_name) == 0)
        return cli_usage(_("site move: site %s would move to this node"), site);
    static srv_config tc;
    int ex = tcfg ? load_target(tcfg, &tc) : 0;
    if (ex)
        return ex;
    if (tcfg && strcmp(tc.node_name, to) != 0)
        return cli_usage(_("site move: %s is the configuration of node %s, "
                           "not %s"),
                         tcfg, tc.node_name, to);
    dir_conn *dc;
    if ((ex = open_dir(c, &dc)) != 0)
        return ex;
    static srv_node_ref ref; /* 16 KiB */
    dir_site row;
    int rc = dir_node_get(dc, to, &ref, NULL);
    if (rc == 0)
        rc = dir_site_get(dc, site, &row);
    if (rc) {
        ex = cli_fail(rc, _("site move: %s"), dir_error(dc));
        dir_close(dc);
        return ex;
    }
    char out[PATH_CAP];
    move_info m;
    memset(&m, 0, sizeof m);
    if (mkdir(via, 0700) != 0 && errno != EEXIST)
        return cli_fail(RND_EIO, _("cannot make %s: %s"), via, strerror(errno));
    int done = strcmp(row.node, to) == 0; /* steps 1-6 ran already */
    uint64_t epoch = done ? row.epoch - 1 : row.epoch;
    if (!done) {
        /* Step 1. */
        rc = dir_move_begin(dc, site, c->node_name, to, &epoch);
        if (rc) {
            ex = cli_fail(rc, _("site move: %s"), dir_error(dc));
            dir_close(dc);
            return ex;
        }
    }
    dir_close(dc);
    ref.epoch = epoch + 1;
    cli_fmt(out, sizeof out, "%s/%s-e%" PRIu64, via, site, epoch + 1);
    if (!done) {
        /* Step 2: committed in the store that takes the site's commits. */
        rc = mark_site(c->data, site, SRV_SITE_MOVING, &ref);
        if (rc)
            return cli_fail(rc, _("site move: cannot stop site %s: %s"), site,
                            i18n_tr(rnd_strerror(rc)));
        fprintf(stderr,
                _("roundsd site move: step 2, site %s takes no more "
                  "syncs here\n"),
                site);
        if ((ex = final_ship(c, site)) != 0)
            return ex;
        /* Step 4 (again when an earlier run stopped before the manifest). */
        move_info have;
        if (move_read(out, &have) != 0) {
            snprintf(m.site, sizeof m.site, "%s", site);
            snprintf(m.from, sizeof m.from, "%s", c->node_name);
            snprintf(m.to, sizeof m.to, "%s", to);
            m.epoch = epoch + 1;
            if (rm_tree(out, 3) != 0) /* a half copy of an earlier run */
                return cli_fail(RND_EIO, _("cannot remove %s: %s"), out,
                                strerror(errno));
            if ((ex = export_site(c, site, out, &m)) != 0)
                return ex;
        }
        fprintf(stderr, _("roundsd site move: step 4, copied into %s\n"), out);
        if (!tcfg) {
            printf(_("site %s is stopped here and copied into %s. On node %s "
                     "run: roundsd site accept --site %s --via %s; then run "
                     "this command again (it marks the site moved here)\n"),
                   site, out, to, site, via);
            return RND_EXIT_OK;
        }
        int already;
        if ((ex = accept_site(&tc, out, &m, &already)) != 0)
            return ex;
    }
    /* Step 7. */
    rc = mark_site(c->data, site, SRV_SITE_MOVED, &ref);
    if (rc)
        return cli_fail(rc,
                        _("site move: site %s is on node %s now, but "
                          "cannot mark it here: %s"),
                        site, to, i18n_tr(rnd_strerror(rc)));
    if (cli_flag("json")) {
        printf("{\"site\":");
        cli_json_str(site);
        printf(",\"from\":");
        cli_json_str(c->node_name);
        printf(",\"to\":");
        cli_json_str(to);
        printf(",\"epoch\":%" PRIu64 ",\"ops\":%" PRIu64 ",\"digest\":",
               epoch + 1, m.ops);
        cli_json_str(m.digest);
        printf("}\n");
    } else {
        printf(_("site %s moved to node %s (%s), epoch %" PRIu64
                 ": its handhelds follow at their next sync\n"),
               site, to, ref.addr, epoch + 1);
    }
    return RND_EXIT_OK;
}

static int site_accept(const srv_config *c, const char *site)
{
    const char *via = cli_flag("via");
    if (via == NULL)
        return cli_usage(_("site accept: give --via DIR, the folder 'site "
                           "move' named"));
    char dir[PATH_CAP];
    struct stat st;
    /* --via the folder of the move itself, or the folder it is in. */
    snprintf(dir, sizeof dir, "%s/%s", via, MOVE_FILE);
    if (stat(dir, &st) == 0) {
        snprintf(dir, sizeof dir, "%s", via);
    } else {
        dir_conn *dc;
        int ex = open_dir(c, &dc);
        if (ex)
            return ex;
        dir_site row;
        int rc = dir_site_get(dc, site, &row);
        dir_close(dc);
        if (rc)
            return cli_fail(rc,
                            _("site accept: site %s is not in the "
                              "directory"),
                            site);
        snprintf(dir, sizeof dir, "%s/%s-e%" PRIu64, via, site,
                 row.moving ? row.epoch + 1 : row.epoch);
    }
    move_info m;
    int already;
    int ex = accept_site(c, dir, &m, &already);
    if (ex)
        return ex;
    if (strcmp(m.site, site) != 0)
        return cli_fail(RND_EINVAL, _("%s moves site %s, not %s"), dir, m.site,
                        site);
    printf(_("site %s is on this node (%s) from epoch %" PRIu64 ": %" PRIu64
             " ops, %" PRIu64 " devices%s\n"),
           site, c->node_name, m.epoch, m.ops, m.devices,
           already ? _(" (taken earlier)") : "");
    return RND_EXIT_OK;
}

static int cmd_site(void)
{
    const char *verb = cli_args.npos ? cli_args.pos[0] : NULL;
    static const char *const names[] = {"assign", "move", "accept", NULL};
    if (verb == NULL)
        return cli_usage(_("give assign, move or accept"));
    const srv_config *c = cli_config();
    int ex = need_directory(c);
    if (ex == 0)
        ex = cli_need_name("site");
    if (ex)
        return ex;
    const char *site = cli_flag("site");
    if (strcmp(verb, "assign") == 0)
        return site_assign(c, site);
    if (strcmp(verb, "move") == 0)
        return site_move(c, site);
    if (strcmp(verb, "accept") == 0)
        return site_accept(c, site);
    return cli_unknown_sub(verb, names);
}

/* ---- the table --------------------------------------------------------------
 */

static const cli_flag_spec node_flags[] = {
    CLI_DATA_FLAG,
    {"name", "NAME", N_("add: the node's name (its node_name)")},
    {"address", "HOST:PORT", N_("add: where handhelds reach the node")},
    {"cert", "PEM", N_("add: its certificate (default: this node's)")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};

static const cli_flag_spec site_flags[] = {
    CLI_DATA_FLAG,
    {"site", "S", N_("the site")},
    {"node", "NODE", N_("assign: the node (default: this one)")},
    {"to", "NODE", N_("move: the node the site goes to")},
    {"via", "DIR", N_("move, accept: a folder both nodes reach")},
    {"target-config", "FILE",
     N_("move: the configuration of the target node, when its data "
        "directory is reachable from here: accept it too")},
    {"json", NULL, N_("print the result as JSON")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};

const cli_command cli_nodes_commands[] = {
    {"node", N_("the node directory: add (or update) a node"),
     "roundsd node add --name NAME --address HOST:PORT [--cert PEM]\n\n"
     "Needs pg_dsn and node_name in the configuration (docs/NODES.md).",
     node_flags, cmd_node, 1},
    {NULL, NULL, NULL, NULL, NULL, 0}};

/* "site assign|move|accept": verbs of the master-data kind "site" (whose
 * add, set and retire are the office's), dispatched by roundsd.c like
 * "staff pin". */
const cli_command cli_nodes_site_command = {
    "site",
    N_("a site's node: assign, move to another node, accept"),
    "roundsd site assign --site S [--node NODE]\n"
    "roundsd site move --site S --to NODE --via DIR "
    "[--target-config FILE] [--json]\n"
    "roundsd site accept --site S --via DIR\n\n"
    "move: stops the site here, copies it into DIR, and (with\n"
    "--target-config, or after 'site accept' on the target and a second\n"
    "run) flips the directory and redirects its handhelds.",
    site_flags,
    cmd_site,
    1};
