/* cmd_tags.c: `roundsd tags ...`, see cmd_tags.h, tags.h and
 * proto/tagsig.h.
 *
 *   tags init --site S          make the site's tag key and publish it
 *   tags keys [--site S]        the keys, current, active and retired
 *   tags rotate --site S        a new current key (the old stays active)
 *   tags retire KEY --site S    stop a key verifying, on every handheld
 *   tags payload --site S [--tag T]   the signed payloads, for NFC tags
 *   tags print --site S [--format svg|pdf] [--out FILE] [--tag T,...]
 *                               sheets of QR codes to print
 * payload and print make the key at first use. Every command that changes
 * keys publishes the site's active keys (tag_key master data) at once.
 */
#include "../i18n/i18n.h"
#include "cmd_tags.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../storage/fold.h"
#include "site.h"
#include "tags.h"
#include "tags_sheet.h"

static const char *site_flag(void)
{
    return cli_flag("site");
}

/* The site's store, which must exist (create: one for master data to come,
 * in an initialised data directory). */
static int open_site(int create, store **st)
{
    const char *site = site_flag();
    if (create)
        return cli_open_site_write(site, st);
    int rc = srv_site_open(cli_data_dir(), site, 0, st, NULL);
    if (rc == RND_ENOTFOUND)
        return cli_fail(rc, _("no site %s in %s"), site, cli_data_dir());
    if (rc)
        return cli_fail(rc, _("cannot open site %s: %s"), site,
                        i18n_tr(rnd_strerror(rc)));
    return 0;
}

/* Publishes the site's active keys on st; prints why on failure. */
static int publish(store *st, int *ops)
{
    int rc =
        srv_tag_publish(st, cli_data_dir(), site_flag(), cli_now_ms(), ops);
    if (rc)
        return cli_fail(rc, _("cannot publish the tag keys to site %s: %s"),
                        site_flag(), i18n_tr(rnd_strerror(rc)));
    return 0;
}

/* The current key, made (and published) at first use. */
static int current_key(store *st, int create, srv_tag_key *k)
{
    int made = 0, ops = 0;
    int rc = srv_tag_current(cli_data_dir(), site_flag(), create, cli_now_ms(),
                             k, &made);
    if (rc == RND_ENOTFOUND)
        return cli_fail(rc,
                        _("site %s has no tag key yet: 'roundsd tags init "
                          "--site %s' makes one"),
                        site_flag(), site_flag());
    if (rc)
        return cli_fail(rc, _("cannot read the tag keys of site %s: %s"),
                        site_flag(), i18n_tr(rnd_strerror(rc)));
    int ex = publish(st, &ops);
    if (ex == 0 && made)
        fprintf(stderr,
                "roundsd tags: made tag key %s for site %s (first use); "
                "handhelds get it at their next sync\n",
                k->hex, site_flag());
    return ex;
}

/* ---- init, keys, rotate, retire ----------------------------------------- */

static int tags_init(void)
{
    store *st;
    srv_tag_key k;
    int made = 0, ops = 0, ex;
    if ((ex = open_site(1, &st)) != 0)
        return ex;
    int rc = srv_tag_current(cli_data_dir(), site_flag(), 1, cli_now_ms(), &k,
                             &made);
    if (rc) {
        store_close(st);
        return cli_fail(rc, _("cannot make the tag key of site %s: %s"),
                        site_flag(), i18n_tr(rnd_strerror(rc)));
    }
    ex = publish(st, &ops);
    store_close(st);
    memset(k.priv, 0, sizeof k.priv);
    if (ex)
        return ex;
    if (!made)
        return cli_fail(RND_EEXIST,
                        _("site %s already has tag key %s ('roundsd tags "
                          "rotate --site %s' makes a new one)"),
                        site_flag(), k.hex, site_flag());
    if (cli_flag("json")) {
        printf("{\"site\":");
        cli_json_str(site_flag());
        printf(",\"key_id\":\"%s\",\"ops\":%d}\n", k.hex, ops);
    } else {
        printf("site %s: tag key %s made (%s/tags/%s/%s.key, mode 0600) and "
               "published\n",
               site_flag(), k.hex, cli_data_dir(), site_flag(), k.hex);
    }
    return RND_EXIT_OK;
}

typedef struct keys_ctx {
    int json, n;
    char current[PROTO_TAG_KEYID_HEX + 1];
} keys_ctx;

static int keys_cb(const srv_tag_key *k, void *arg)
{
    keys_ctx *c = arg;
    char created[32], retired[32];
    const char *status = k->retired_ms                 ? "retired"
                         : !strcmp(k->hex, c->current) ? "current"
                                                       : "active";
    cli_fmt_time(k->created_ms, created, sizeof created);
    cli_fmt_time(k->retired_ms, retired, sizeof retired);
    if (c->json) {
        printf("%s{\"site\":", c->n ? "," : "");
        cli_json_str(site_flag());
        printf(",\"key_id\":\"%s\",\"created_ms\":%" PRId64
               ",\"retired_ms\":%" PRId64 ",\"status\":\"%s\"}",
               k->hex, k->created_ms, k->retired_ms, status);
    } else {
        if (c->n == 0)
            printf("%-12s  %-8s  %-8s  %-20s  %s\n", "SITE", "KEY", "STATUS",
                   "CREATED", "RETIRED");
        printf("%-12s  %-8s  %-8s  %-20s  %s\n", site_flag(), k->hex, status,
               created, retired);
    }
    c->n++;
    return 0;
}

static int tags_keys(void)
{
    keys_ctx c = {cli_flag("json") != NULL, 0, ""};
    srv_tag_key cur;
    if (srv_tag_current(cli_data_dir(), site_flag(), 0, 0, &cur, NULL) == 0)
        snprintf(c.current, sizeof c.current, "%s", cur.hex);
    memset(&cur, 0, sizeof cur);
    if (c.json)
        printf("[");
    int rc = srv_tag_each(cli_data_dir(), site_flag(), keys_cb, &c);
    if (c.json)
        printf("]\n");
    else if (rc == 0 && c.n == 0)
        printf("site %s has no tag key yet: 'roundsd tags init --site %s'\n",
               site_flag(), site_flag());
    return rc ? cli_fail(rc, _("cannot read the tag keys: %s"),
                         i18n_tr(rnd_strerror(rc)))
              : RND_EXIT_OK;
}

static int tags_rotate(void)
{
    store *st;
    srv_tag_key k, old;
    int ops = 0, ex;
    if ((ex = open_site(0, &st)) != 0)
        return ex;
    int had = srv_tag_current(cli_data_dir(), site_flag(), 0, 0, &old, NULL);
    int rc = srv_tag_rotate(cli_data_dir(), site_flag(), cli_now_ms(), &k);
    memset(k.priv, 0, sizeof k.priv);
    memset(old.priv, 0, sizeof old.priv);
    if (rc) {
        store_close(st);
        return cli_fail(rc, _("cannot make a new tag key for site %s: %s"),
                        site_flag(), i18n_tr(rnd_strerror(rc)));
    }
    ex = publish(st, &ops);
    store_close(st);
    if (ex)
        return ex;
    if (cli_flag("json")) {
        printf("{\"site\":");
        cli_json_str(site_flag());
        printf(",\"current\":\"%s\",\"previous\":", k.hex);
        if (had == 0)
            printf("\"%s\"", old.hex);
        else
            printf("null");
        printf(",\"ops\":%d}\n", ops);
    } else {
        printf("site %s: new current tag key %s, published\n", site_flag(),
               k.hex);
        if (had == 0)
            printf("key %s still verifies: print and put up the new tags, "
                   "then 'roundsd tags retire %s --site %s'\n",
                   old.hex, old.hex, site_flag());
    }
    return RND_EXIT_OK;
}

static int tags_retire(void)
{
    if (cli_args.npos != 2)
        return cli_usage(_("give the key id: roundsd tags retire KEY --site "
                           "S (see 'roundsd tags keys')"));
    const char *hex = cli_args.pos[1];
    store *st;
    srv_tag_key k;
    int ops = 0, ex;
    if ((ex = open_site(0, &st)) != 0)
        return ex;
    int rc = srv_tag_retire(cli_data_dir(), site_flag(), hex, cli_now_ms(), &k);
    memset(k.priv, 0, sizeof k.priv);
    if (rc) {
        store_close(st);
        if (rc == RND_ENOTFOUND)
            return cli_fail(rc,
                            _("site %s has no tag key %s (see 'roundsd "
                              "tags keys --site %s')"),
                            site_flag(), hex, site_flag());
        if (rc == RND_EEXIST)
            return cli_fail(rc, _("tag key %s of site %s is already retired"),
                            hex, site_flag());
        if (rc == RND_ETRANSITION)
            return cli_fail(rc,
                            _("tag key %s is the only active key of site %s: "
                              "rotate first ('roundsd tags rotate --site %s')"),
                            hex, site_flag(), site_flag());
        return cli_fail(rc, _("cannot retire tag key %s: %s"), hex,
                        i18n_tr(rnd_strerror(rc)));
    }
    ex = publish(st, &ops);
    store_close(st);
    if (ex)
        return ex;
    if (cli_flag("json")) {
        printf("{\"site\":");
        cli_json_str(site_flag());
        printf(",\"retired\":\"%s\",\"ops\":%d}\n", hex, ops);
    } else {
        printf("site %s: tag key %s retired; handhelds refuse its payloads "
               "after their next sync\n",
               site_flag(), hex);
    }
    return RND_EXIT_OK;
}

/* ---- the site's checkpoints and their payloads -------------------------- */

typedef srv_tag_cp cp;

typedef struct cps_ctx {
    cp *v;
    size_t n;
} cps_ctx;

/* The site's active checkpoints (only --tag's when given), sorted by tag,
 * each with its payload signed by k (srv_tag_cps). Returns 0 or an exit
 * code. */
static int load_cps(store *st, const srv_tag_key *k, cps_ctx *c)
{
    int stage;
    const char *bad;
    size_t bad_len;
    int rc = srv_tag_cps(st, site_flag(), k->priv, cli_flag("tag"), &c->v,
                         &c->n, &stage, &bad, &bad_len);
    if (rc == 0)
        return 0;
    switch (stage) {
    case SRV_TAG_CPS_NONE:
        return cli_fail(RND_ENOTFOUND,
                        _("site %s has no checkpoints: add them first "
                          "('roundsd checkpoint add --site %s --tag T --name "
                          "N --place P')"),
                        site_flag(), site_flag());
    case SRV_TAG_CPS_UNKNOWN:
        return cli_fail(RND_ENOTFOUND,
                        _("--tag: %.*s is not a checkpoint of site %s "
                          "(see 'roundsd list checkpoints --site %s')"),
                        (int)bad_len, bad, site_flag(), site_flag());
    case SRV_TAG_CPS_SIGN:
        if (rc == RND_EFIELD)
            return cli_fail(RND_EFIELD,
                            _("checkpoint %s: a tag id for a payload is 1..%d "
                              "bytes without control characters"),
                            bad, PROTO_TAG_NAME_MAX);
        return cli_fail(rc, _("cannot sign the payload of %s: %s"), bad,
                        i18n_tr(rnd_strerror(rc)));
    default:
        return cli_fail(rc, _("cannot read the checkpoints of site %s: %s"),
                        site_flag(), i18n_tr(rnd_strerror(rc)));
    }
}

/* Opens the site, its current key (made at first use) and checkpoints. */
static int prepare(store **st, srv_tag_key *k, cps_ctx *c)
{
    int ex = open_site(0, st);
    if (ex)
        return ex;
    c->v = NULL;
    c->n = 0;
    ex = current_key(*st, 1, k);
    if (ex == 0)
        ex = load_cps(*st, k, c);
    memset(k->priv, 0, sizeof k->priv);
    store_close(*st);
    if (ex) {
        free(c->v);
        c->v = NULL;
    }
    return ex;
}

static int tags_payload(void)
{
    store *st;
    srv_tag_key k;
    cps_ctx c = {0};
    int ex = prepare(&st, &k, &c);
    if (ex)
        return ex;
    int json = cli_flag("json") != NULL;
    if (json)
        printf("[");
    for (size_t i = 0; i < c.n; i++) {
        cp *p = &c.v[i];
        size_t len = strlen(p->payload);
        if (json) {
            printf("%s{\"site\":", i ? "," : "");
            cli_json_str(site_flag());
            printf(",\"tag\":");
            cli_json_str(p->tag);
            printf(",\"name\":");
            cli_json_str(p->name);
            printf(",\"place\":");
            cli_json_str(p->place);
            printf(",\"key_id\":\"%s\",\"payload\":", k.hex);
            cli_json_str(p->payload);
            printf(",\"bytes\":%zu,\"fits_ntag213\":%s}", len,
                   len <= PROTO_TAG_NTAG213_MAX ? "true" : "false");
        } else if (c.n == 1 && cli_flag("tag")) {
            printf("%s\n", p->payload); /* for a tag writer, as is */
        } else {
            printf("%-16s  %s\n", p->tag, p->payload);
        }
        if (len > PROTO_TAG_NTAG213_MAX)
            fprintf(stderr,
                    "roundsd tags: %s: %zu bytes do not fit an NTAG213 (%d); "
                    "use an NTAG215 or shorter site and tag names\n",
                    p->tag, len, PROTO_TAG_NTAG213_MAX);
    }
    if (json)
        printf("]\n");
    free(c.v);
    return RND_EXIT_OK;
}

static int tags_print(void)
{
    const char *fmt = cli_flag("format"), *out = cli_flag("out");
    if (fmt == NULL) {
        size_t n = out ? strlen(out) : 0;
        fmt = n > 4 && strcmp(out + n - 4, ".pdf") == 0 ? "pdf" : "svg";
    }
    if (out && *out == '\0')
        return cli_usage(_("--out: give a file name"));
    if (out == NULL && strcmp(fmt, "pdf") == 0 && isatty(STDOUT_FILENO))
        return cli_usage(_("a PDF is not for a terminal: give --out FILE"));
    store *st;
    srv_tag_key k;
    cps_ctx c = {0};
    int ex = prepare(&st, &k, &c);
    if (ex)
        return ex;
    srv_tag_label *labels = calloc(c.n, sizeof *labels);
    if (labels == NULL) {
        free(c.v);
        return cli_fail(RND_ENOMEM, "%s", i18n_tr(rnd_strerror(RND_ENOMEM)));
    }
    FILE *f = out ? fopen(out, "wb") : stdout;
    if (f == NULL) {
        int e = errno;
        free(labels);
        free(c.v);
        return cli_fail(RND_EIO, _("cannot write %s: %s"), out, strerror(e));
    }
    for (size_t i = 0; i < c.n; i++)
        labels[i] = (srv_tag_label){c.v[i].tag, c.v[i].name, c.v[i].place,
                                    c.v[i].payload};
    int rc = strcmp(fmt, "pdf") == 0
                 ? srv_sheet_pdf(f, site_flag(), k.hex, labels, c.n)
                 : srv_sheet_svg(f, site_flag(), k.hex, labels, c.n);
    if (out && fclose(f) != 0 && rc == 0)
        rc = RND_EIO;
    free(labels);
    size_t n = c.n;
    free(c.v);
    if (rc)
        return cli_fail(rc, _("cannot write the sheet to %s: %s"),
                        out ? out : "stdout", i18n_tr(rnd_strerror(rc)));
    if (out == NULL)
        return RND_EXIT_OK;
    if (cli_flag("json")) {
        printf("{\"site\":");
        cli_json_str(site_flag());
        printf(",\"file\":");
        cli_json_str(out);
        printf(",\"format\":\"%s\",\"codes\":%zu,\"pages\":%d,\"key_id\":"
               "\"%s\"}\n",
               fmt, n, srv_sheet_pages(n), k.hex);
    } else {
        printf("%s: %zu QR code(s) of site %s on %d page(s) (%s, key %s)\n",
               out, n, site_flag(), srv_sheet_pages(n), fmt, k.hex);
    }
    return RND_EXIT_OK;
}

/* ---- dispatch ----------------------------------------------------------- */

static int run_tags(void)
{
    static const struct {
        const char *name;
        int (*fn)(void);
    } subs[] = {{"init", tags_init},
                {"keys", tags_keys},
                {"rotate", tags_rotate},
                {"retire", tags_retire},
                {"payload", tags_payload},
                {"print", tags_print},
                {NULL, NULL}};
    if (cli_args.npos < 1)
        return cli_usage(
            _("give init, keys, rotate, retire, payload or print"));
    for (int i = 0; subs[i].name; i++) {
        if (strcmp(subs[i].name, cli_args.pos[0]) != 0)
            continue;
        if (cli_args.npos > 1 && subs[i].fn != tags_retire)
            return cli_usage(_("unexpected argument '%s'"), cli_args.pos[1]);
        int ex = cli_need_name("site");
        if (ex)
            return ex;
        return subs[i].fn();
    }
    static const char *const names[] = {"init",    "keys",  "rotate", "retire",
                                        "payload", "print", NULL};
    return cli_unknown_sub(cli_args.pos[0], names);
}

static const char *const formats[] = {"svg", "pdf", NULL};

static const cli_flag_spec tags_flags[] = {
    CLI_DATA_FLAG,
    {"site", "NAME", N_("the site (required)")},
    {"tag", "T[,T...]",
     N_("payload, print: only these checkpoints (default: every active "
        "one)")},
    {"format", "svg|pdf",
     N_("print: the sheet's format (default: pdf for an --out ending in "
        ".pdf, else svg)"),
     ARGS_ENUM, 0, 0, formats},
    {"out", "FILE", N_("print: write the sheet to FILE (default: stdout)")},
    {"json", NULL, N_("print JSON")},
    CLI_HELP_FLAG,
    {NULL, NULL, NULL}};

/* clang-format off */
const cli_command cli_tags_commands[] = {
    {"tags", N_("checkpoint tags: signing key, payloads for NFC, QR sheets "
             "(SVG/PDF)"),
     "roundsd tags init --site S [--json] [--data DIR]\n"
     "       roundsd tags keys --site S [--json] [--data DIR]\n"
     "       roundsd tags rotate --site S [--json] [--data DIR]\n"
     "       roundsd tags retire KEY --site S [--json] [--data DIR]\n"
     "       roundsd tags payload --site S [--tag T[,T...]] [--json] "
     "[--data DIR]\n"
     "       roundsd tags print --site S [--format svg|pdf] [--out FILE] "
     "[--tag T[,T...]]\n"
     "                          [--json] [--data DIR]\n\n"
     "Each checkpoint's tag carries a payload signed with the site's tag "
     "key\n(RT1.SITE.TAG.KEY.SIGNATURE); handhelds verify it offline "
     "against the key\npublished to the site, so a scan proves the guard "
     "read the tag. 'payload'\nprints it for writing NFC tags (one line with "
     "a single --tag), 'print' makes\nA4 sheets of QR codes, 12 a page. "
     "'rotate' makes a new current key and keeps\nthe old one verifying "
     "until 'retire': put up the new tags in between.",
     tags_flags, run_tags, 2},
    {NULL, NULL, NULL, NULL, NULL, 0}};
/* clang-format on */
