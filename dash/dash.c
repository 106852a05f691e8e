/* dash.c: the dashboard's state, sessions, login and logout, CSRF, the
 * routing of a request to its handler, the security headers and the
 * embedded assets; the access to the stores (dash_int.h) and the core
 * endpoints (/api/session, /api/login, /api/logout, /api/events,
 * /api/accounts). Bytes in, bytes out: no socket here (dash.h).
 *
 * Every request: the method; then for /api/: its route, for a POST the
 * Origin (when sent: https://<Host>), a JSON content type, the body's size
 * and JSON, the session (cookie DASH_COOKIE, idle and absolute expiry,
 * the account re-read: disabled or gone ends it), for a POST but
 * /api/login the session's CSRF token in X-Rounds-CSRF, and the role the
 * route wants (on the request's site for a per-site route).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../proto/clock.h"
#include "../report/report.h"
#include "../server/log.h"
#include "../web/web.h"
#include "dash_core.h"

typedef struct dash_session {
    char token[WEB_TOKEN_HEX + 1];
    char csrf[WEB_TOKEN_HEX + 1];
    char account[SRV_ACCT_NAME_MAX + 1];
    int64_t created_ms, used_ms;
    int fixed; /* dash_session_fixed: never expires */
} dash_session;

struct dash {
    char data_dir[4096];
    int64_t idle_ms;
    pthread_mutex_t reg_mu; /* reg: dash_registry_lock */
    srv_registry *reg;
    pthread_mutex_t sites_mu; /* srv_sites_get */
    srv_sites *sites;
    dash_events *events;
    pthread_mutex_t ses_mu; /* ses, nses */
    dash_session *ses;
    size_t nses;
};

static const dash_header sec_headers[] = {
    {"Strict-Transport-Security", "max-age=31536000"},
    {"Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self'; "
     "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
     "base-uri 'none'; form-action 'self'"},
    {"X-Frame-Options", "DENY"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    /* No page of another origin embeds anything of ours (a resident's
     * photo least of all). */
    {"Cross-Origin-Resource-Policy", "same-origin"},
    {NULL, NULL}};

const dash_header *dash_security_headers(void)
{
    return sec_headers;
}

dash_events *dash_events_of(dash *d)
{
    return d->events;
}

/* ---- state --------------------------------------------------------------- */

static int64_t office_clock(void *ctx)
{
    (void)ctx;
    return rnd_clock_now_ms(RND_CLOCK_ENV_OFFICE);
}

void dash_free(dash *d)
{
    if (d == NULL)
        return;
    srv_sites_free(d->sites);
    srv_registry_close(d->reg);
    dash_events_free(d->events);
    if (d->ses)
        memset(d->ses, 0, DASH_SESSIONS_MAX * sizeof *d->ses);
    free(d->ses);
    pthread_mutex_destroy(&d->reg_mu);
    pthread_mutex_destroy(&d->sites_mu);
    pthread_mutex_destroy(&d->ses_mu);
    free(d);
}

int dash_new(const dash_config *cfg, dash **out)
{
    *out = NULL;
    dash *d = calloc(1, sizeof *d);
    if (d == NULL)
        return RND_ENOMEM;
    pthread_mutex_init(&d->reg_mu, NULL);
    pthread_mutex_init(&d->sites_mu, NULL);
    pthread_mutex_init(&d->ses_mu, NULL);
    snprintf(d->data_dir, sizeof d->data_dir, "%s", cfg->data_dir);
    uint32_t idle = cfg->session_idle_min ? cfg->session_idle_min : 30;
    d->idle_ms = (int64_t)idle * 60000;
    d->ses = calloc(DASH_SESSIONS_MAX, sizeof *d->ses);
    int rc = d->ses ? dash_events_new(&d->events) : RND_ENOMEM;
    if (rc == 0)
        rc = srv_registry_open(d->data_dir, 0, &d->reg);
    if (rc == 0)
        rc = srv_sites_new(d->data_dir, office_clock, NULL, &d->sites);
    if (rc) {
        dash_free(d);
        return rc;
    }
    *out = d;
    return 0;
}

/* ---- stores (dash_int.h) --------------------------------------------------
 */

int dash_store(dash_ctx *c, store **out)
{
    *out = NULL;
    if (c->site[0] == '\0') {
        dash_fail(c, RND_EFIELD, "site", "field 'site' is required");
        return RND_EFIELD;
    }
    srv_site *s = NULL;
    pthread_mutex_lock(&c->d->sites_mu);
    int rc = srv_sites_get(c->d->sites, c->site, strlen(c->site), 0, &s);
    pthread_mutex_unlock(&c->d->sites_mu);
    if (rc == RND_ENOTFOUND) {
        char msg[128];
        snprintf(msg, sizeof msg, "no site %s", c->site);
        dash_fail(c, rc, "site", msg);
    } else if (rc) {
        dash_fail(c, rc, NULL, NULL);
    } else {
        *out = srv_site_store(s);
    }
    return rc;
}

int dash_blobs(dash_ctx *c, struct blob_store **out)
{
    char path[4200];
    struct stat sb;
    *out = NULL;
    if (c->site[0] == '\0')
        return RND_EFIELD;
    /* Only a folder the sync session made: reading must not create it. */
    snprintf(path, sizeof path, "%s/sites/%s/attachments", c->d->data_dir,
             c->site);
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return RND_ENOTFOUND;
    srv_site *s = NULL;
    pthread_mutex_lock(&c->d->sites_mu);
    int rc = srv_sites_get(c->d->sites, c->site, strlen(c->site), 0, &s);
    if (rc == 0)
        rc = srv_site_blobs(s, out); /* opened once, under sites_mu */
    pthread_mutex_unlock(&c->d->sites_mu);
    return rc;
}

const char *dash_data_dir(const dash *d)
{
    return d->data_dir;
}

srv_registry *dash_registry_lock(dash *d)
{
    pthread_mutex_lock(&d->reg_mu);
    return d->reg;
}

void dash_registry_unlock(dash *d)
{
    pthread_mutex_unlock(&d->reg_mu);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int dash_sites_each(dash_ctx *c, int (*cb)(const char *site, void *ctx),
                    void *ctx)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/sites", c->d->data_dir);
    DIR *dir = opendir(path);
    if (dir == NULL)
        return 0; /* no site yet */
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(dir)) != NULL) {
        size_t len = strlen(e->d_name);
        if (!srv_name_valid(e->d_name, len) ||
            (c->who && srv_acct_role(c->who, e->d_name) == SRV_ROLE_NONE))
            continue;
        char sub[sizeof path + 260];
        struct stat st;
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if (stat(sub, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            char **p = realloc(names, cap * sizeof *p);
            if (p == NULL) {
                rc = RND_ENOMEM;
                break;
            }
            names = p;
        }
        if ((names[n] = strdup(e->d_name)) == NULL)
            rc = RND_ENOMEM;
        else
            n++;
    }
    closedir(dir);
    if (names)
        qsort(names, n, sizeof *names, cmp_name);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = cb(names[i], ctx);
        free(names[i]);
    }
    free(names);
    return rc;
}

/* ---- sessions --------------------------------------------------------- */

static int expired(const dash *d, const dash_session *s, int64_t now)
{
    if (s->fixed)
        return 0;
    return now - s->used_ms >= d->idle_ms ||
           now - s->created_ms >= DASH_SESSION_MAX_MS || now < s->created_ms;
}

/* The index of the session of token (ses_mu held), dropping it when
 * expired; -1 when none. */
static long ses_find(dash *d, const char *token, size_t len, int64_t now)
{
    for (size_t i = 0; i < d->nses; i++) {
        if (!web_token_eq(token, len, d->ses[i].token))
            continue;
        if (!expired(d, &d->ses[i], now))
            return (long)i;
        d->ses[i] = d->ses[--d->nses];
        memset(&d->ses[d->nses], 0, sizeof *d->ses);
        return -1;
    }
    return -1;
}

static void ses_drop(dash *d, const char *token)
{
    pthread_mutex_lock(&d->ses_mu);
    for (size_t i = 0; i < d->nses; i++)
        if (web_token_eq(token, strlen(token), d->ses[i].token)) {
            d->ses[i] = d->ses[--d->nses];
            memset(&d->ses[d->nses], 0, sizeof *d->ses);
            break;
        }
    pthread_mutex_unlock(&d->ses_mu);
}

/* Adds s; a full table loses its session idle longest (and the expired
 * ones go first). */
static void ses_add(dash *d, const dash_session *s, int64_t now)
{
    pthread_mutex_lock(&d->ses_mu);
    for (size_t i = 0; i < d->nses;) {
        if (expired(d, &d->ses[i], now))
            d->ses[i] = d->ses[--d->nses];
        else
            i++;
    }
    size_t at = d->nses;
    if (at == DASH_SESSIONS_MAX) {
        at = 0;
        for (size_t i = 1; i < d->nses; i++)
            if (d->ses[i].used_ms < d->ses[at].used_ms)
                at = i;
    } else {
        d->nses++;
    }
    d->ses[at] = *s;
    pthread_mutex_unlock(&d->ses_mu);
}

int dash_session_fixed(dash *d, const char *account, const char *token,
                       const char *csrf)
{
    dash_session s;
    memset(&s, 0, sizeof s);
    if (web_token_new(token, s.token) || web_token_new(csrf, s.csrf) ||
        strlen(account) > SRV_ACCT_NAME_MAX)
        return RND_EINVAL;
    snprintf(s.account, sizeof s.account, "%s", account);
    s.fixed = 1; /* the fuzzer's clock may stand still or jump */
    s.created_ms = s.used_ms = rnd_clock_now_ms(RND_CLOCK_ENV_OFFICE);
    ses_add(d, &s, s.created_ms);
    return 0;
}

int dash_session_alive(dash *d, const char *token)
{
    int64_t now = rnd_clock_now_ms(RND_CLOCK_ENV_OFFICE);
    pthread_mutex_lock(&d->ses_mu);
    long i = ses_find(d, token, strlen(token), now);
    pthread_mutex_unlock(&d->ses_mu);
    return i >= 0;
}

/* ---- answers ------------------------------------------------------------ */

/* An error object with one whole-number member more (tries_left,
 * until_ms); key NULL: none. */
static void fail_extra(dash_ctx *c, int status, const char *code,
                       const char *message, const char *key, int64_t v)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL) {
        dash_fail(c, RND_ENOMEM, NULL, "out of memory");
        return;
    }
    web_error_json(f, code, NULL, message, key, v);
    fclose(f);
    dash_send(c, status, "application/json", buf, len, NULL);
}

static void page(dash_response *rs, int status, const char *text)
{
    rs->status = status;
    rs->content_type = "text/plain; charset=utf-8";
    rs->no_store = 1;
    rs->body = strdup(text);
    rs->body_len = rs->body ? strlen(rs->body) : 0;
}

static void asset(const dash_request *rq, dash_response *rs)
{
    const char *path = strcmp(rq->path, "/") == 0 ? "/index.html" : rq->path;
    for (const dash_asset *f = dash_assets; f->path; f++) {
        if (strcmp(f->path, path) != 0)
            continue;
        rs->status = 200;
        rs->content_type = web_mime_type(path);
        rs->static_body = f->data;
        rs->body_len = f->len;
        return;
    }
    page(rs, 404, "not found\n");
}

/* ---- core endpoints -------------------------------------------------------
 */

typedef struct sites_out {
    dash_ctx *c;
    rpt_jw *j;
} sites_out;

static int site_cb(const char *site, void *ctx)
{
    sites_out *o = ctx;
    rpt_jw_obj(o->j);
    rpt_jw_kstr(o->j, "name", site);
    rpt_jw_kstr(o->j, "role", srv_role_name(srv_acct_role(o->c->who, site)));
    rpt_jw_end(o->j);
    return 0;
}

/* {"ok":true,"signed_in":...} for the session of csrf (NULL: none). */
static void answer_session(dash_ctx *c, const char *csrf)
{
    rpt_jw *j = dash_out_begin(c);
    if (j == NULL)
        return;
    rpt_jw_kbool(j, "signed_in", c->who != NULL);
    if (c->who) {
        rpt_jw_key(j, "user");
        rpt_jw_obj(j);
        rpt_jw_kstr(j, "name", c->who->name);
        rpt_jw_kstr(j, "role", srv_role_name(srv_acct_top_role(c->who)));
        rpt_jw_end(j);
        rpt_jw_kstr(j, "csrf", csrf);
        rpt_jw_key(j, "sites");
        rpt_jw_arr(j);
        sites_out o = {c, j};
        dash_sites_each(c, site_cb, &o);
        rpt_jw_end(j);
        rpt_jw_kint(j, "idle_min", c->d->idle_ms / 60000);
    }
    dash_out_end(c, 200);
}

/* The session of the request being answered (dash_handle's), for the
 * handlers below. */
static _Thread_local const dash_session *tl_ses;

static void api_session(dash_ctx *c)
{
    answer_session(c, tl_ses ? tl_ses->csrf : NULL);
}

/* A name as the log may show it: only [a-z0-9._-], else "(invalid)". */
static const char *loggable(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > SRV_ACCT_NAME_MAX ||
        strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n)
        return "(invalid)";
    return name;
}

static void api_login(dash_ctx *c)
{
    char name[SRV_ACCT_NAME_MAX + 1], pw[SRV_ACCT_PW_MAX + 1];
    if (dash_param_req(c, "name", name, sizeof name) ||
        dash_param_req(c, "password", pw, sizeof pw))
        return;
    const char *peer = c->rq->peer ? c->rq->peer : "-";
    srv_account a;
    int tries = -1;
    memset(&a, 0, sizeof a);
    srv_registry *r = dash_registry_lock(c->d);
    int rc =
        srv_acct_login(srv_registry_store(r), name, pw, c->now_ms, &a, &tries);
    dash_registry_unlock(c->d);
    memset(pw, 0, sizeof pw);
    if (rc == RND_EAUTH) {
        srv_log(SRV_LOG_WARN, "web: login of %s from %s refused: %s",
                loggable(name), peer,
                "wrong password, unknown name or disabled account");
        fail_extra(c, 401, "EAUTH", "wrong name or password",
                   tries >= 0 ? "tries_left" : NULL, tries);
        return;
    }
    if (rc == RND_ELOCKOUT) {
        srv_log(SRV_LOG_WARN,
                "web: login of %s from %s refused: locked after %d failed "
                "logins",
                loggable(name), peer, SRV_ACCT_TRIES);
        fail_extra(c, 423, "ELOCKOUT",
                   "too many failed logins: this account is locked for a "
                   "while",
                   "until_ms", a.locked_until_ms);
        return;
    }
    if (rc) {
        dash_fail(c, rc, NULL, NULL);
        return;
    }
    dash_session s;
    memset(&s, 0, sizeof s);
    if (web_token_new(NULL, s.token) || web_token_new(NULL, s.csrf)) {
        dash_fail(c, RND_ECRYPTO, NULL, "no randomness for a session");
        return;
    }
    snprintf(s.account, sizeof s.account, "%s", a.name);
    s.created_ms = s.used_ms = c->now_ms;
    if (tl_ses) /* signed in already: that session ends */
        ses_drop(c->d, tl_ses->token);
    ses_add(c->d, &s, c->now_ms);
    srv_log(SRV_LOG_INFO, "web: %s signed in from %s", a.name, peer);
    c->who = &a;
    snprintf(c->by, sizeof c->by, "web:%s", a.name);
    answer_session(c, s.csrf);
    snprintf(c->rs->set_cookie, sizeof c->rs->set_cookie,
             "%s=%s; Path=/; Secure; HttpOnly; SameSite=Strict", DASH_COOKIE,
             s.token);
    memset(&s, 0, sizeof s);
}

static void api_logout(dash_ctx *c)
{
    if (tl_ses)
        ses_drop(c->d, tl_ses->token);
    snprintf(c->rs->set_cookie, sizeof c->rs->set_cookie,
             "%s=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0",
             DASH_COOKIE);
    if (dash_out_begin(c))
        dash_out_end(c, 200);
}

static void api_events(dash_ctx *c)
{
    store *st;
    if (dash_store(c, &st) != 0)
        return; /* no such site */
    dash_response *rs = c->rs;
    rs->status = 200;
    rs->content_type = "text/event-stream";
    rs->no_store = 1;
    rs->event_stream = 1;
    snprintf(rs->stream_site, sizeof rs->stream_site, "%s", c->site);
    snprintf(rs->stream_token, sizeof rs->stream_token, "%s", tl_ses->token);
}

typedef struct acct_out {
    dash_ctx *c;
    rpt_jw *j;
} acct_out;

static int acct_cb(const srv_account *a, void *ctx)
{
    acct_out *o = ctx;
    int role = SRV_ROLE_NONE; /* its grants there, disabled or not */
    for (int i = 0; i < a->ngrants; i++)
        if ((!strcmp(a->grants[i].site, o->c->site) ||
             !strcmp(a->grants[i].site, "*")) &&
            a->grants[i].role > role)
            role = a->grants[i].role;
    if (role == SRV_ROLE_NONE)
        return 0;
    rpt_jw *j = o->j;
    rpt_jw_obj(j);
    rpt_jw_kstr(j, "name", a->name);
    rpt_jw_kstr(j, "role", srv_role_name(role));
    rpt_jw_kbool(j, "disabled", a->disabled);
    rpt_jw_kint(j, "locked_until_ms",
                a->locked_until_ms > o->c->now_ms ? a->locked_until_ms : 0);
    rpt_jw_kint(j, "last_login_ms", a->last_login_ms);
    rpt_jw_end(j);
    return 0;
}

/* The accounts with a role on the site (admin): who may do what there. */
static void api_accounts(dash_ctx *c)
{
    rpt_jw *j = dash_out_begin(c);
    if (j == NULL)
        return;
    rpt_jw_kstr(j, "site", c->site);
    rpt_jw_key(j, "accounts");
    rpt_jw_arr(j);
    acct_out o = {c, j};
    srv_registry *r = dash_registry_lock(c->d);
    int rc = srv_acct_each(srv_registry_store(r), acct_cb, &o);
    dash_registry_unlock(c->d);
    rpt_jw_end(j);
    dash_out_end(c, 200);
    if (rc < 0)
        dash_fail(c, rc, NULL, NULL); /* replaces the answer */
}

const dash_route dash_core_routes[] = {
    {"GET", "/api/session", 0, 0, api_session},
    {"POST", "/api/login", 0, 0, api_login},
    {"POST", "/api/logout", 0, 0, api_logout},
    {"GET", "/api/events", 1, SRV_ROLE_CLERK, api_events},
    {"GET", "/api/accounts", 1, SRV_ROLE_ADMIN, api_accounts},
    {NULL, NULL, 0, 0, NULL}};

/* ---- routing ------------------------------------------------------------- */

static const dash_route *const *tables(void)
{
    static const dash_route *const t[] = {
        dash_core_routes,   dash_board_routes,  dash_office_routes,
        dash_device_routes, dash_attach_routes, NULL};
    return t;
}

/* The route of method and path; *path_known says whether the path has a
 * route of another method. */
static const dash_route *find_route(const char *method, const char *path,
                                    int *path_known)
{
    *path_known = 0;
    for (const dash_route *const *t = tables(); *t; t++)
        for (const dash_route *r = *t; r->path; r++) {
            size_t n = strlen(r->path);
            /* "/api/attachment/": the rest of the path is the handler's
             * (a non-empty name without '/'). */
            int prefix = n && r->path[n - 1] == '/';
            if (prefix ? strncmp(r->path, path, n) != 0 || !path[n] ||
                             strchr(path + n, '/')
                       : strcmp(r->path, path) != 0)
                continue;
            if (strcmp(r->method, method) == 0)
                return r;
            *path_known = 1;
        }
    return NULL;
}

/* 1 when origin is exactly "https://" + host. */
static int same_origin(const char *origin, const char *host)
{
    return host && strncmp(origin, "https://", 8) == 0 &&
           strcmp(origin + 8, host) == 0;
}

/* Finds the request's session and re-reads its account into *a: 1 signed
 * in (*s filled), 0 not, or an error with the answer set (-1). */
static int resolve_session(dash_ctx *c, dash_session *s, srv_account *a)
{
    char tok[WEB_TOKEN_HEX + 2];
    if (web_cookie_get(c->rq->cookie, DASH_COOKIE, tok, sizeof tok) != 0)
        return 0;
    dash *d = c->d;
    pthread_mutex_lock(&d->ses_mu);
    long i = ses_find(d, tok, strlen(tok), c->now_ms);
    if (i >= 0) {
        d->ses[i].used_ms = c->now_ms;
        *s = d->ses[i];
    }
    pthread_mutex_unlock(&d->ses_mu);
    if (i < 0)
        return 0;
    srv_registry *r = dash_registry_lock(d);
    int rc = srv_acct_get(srv_registry_store(r), s->account, a);
    dash_registry_unlock(d);
    if (rc == RND_ENOTFOUND || (rc == 0 && a->disabled)) {
        ses_drop(d, s->token);
        return 0;
    }
    if (rc) {
        dash_fail(c, rc, NULL, NULL);
        return -1;
    }
    return 1;
}

/* The checks of an API request, then its handler. */
static void api(dash_ctx *c, const char *method, int post)
{
    const dash_request *rq = c->rq;
    int known;
    const dash_route *r = find_route(method, rq->path, &known);
    if (r == NULL) {
        if (known)
            dash_fail_status(c, 405, "EMETHOD", NULL, "method not allowed");
        else
            dash_fail(c, RND_ENOTFOUND, NULL, "no such API endpoint");
        return;
    }
    int login = r->fn == api_login;
    rpt_jv body;
    memset(&body, 0, sizeof body);
    if (post) {
        if (rq->origin && !same_origin(rq->origin, rq->host)) {
            dash_fail_status(c, 403, "EORIGIN", NULL,
                             "another origin may not write here");
            return;
        }
        if (!web_is_json_type(rq->content_type)) {
            dash_fail_status(c, 415, "ETYPE", NULL,
                             "the body must be application/json");
            return;
        }
        if (rq->body_cut || rq->body_len > DASH_BODY_MAX) {
            dash_fail(c, RND_ETOOBIG, NULL, "the body is larger than 256 KiB");
            return;
        }
        if (rq->body_len > 0 &&
            (rpt_jv_parse(rq->body, rq->body_len, &body, NULL) != 0 ||
             body.type != RPT_JV_OBJ)) {
            rpt_jv_free(&body);
            dash_fail(c, RND_EINVAL, NULL, "the body is not a JSON object");
            return;
        }
        c->json = rq->body_len > 0 ? &body : NULL;
    }
    dash_session s;
    srv_account a;
    int in = resolve_session(c, &s, &a);
    if (in < 0)
        goto out;
    if (in) {
        c->who = &a;
        tl_ses = &s;
        snprintf(c->by, sizeof c->by, "web:%s", a.name);
    }
    if ((post && !login) || r->min_role > 0) {
        if (!in) {
            dash_fail_status(c, 401, "ESESSION", NULL,
                             "not signed in, or the session has ended: sign "
                             "in again");
            goto out;
        }
    }
    if (post && !login &&
        (rq->csrf == NULL ||
         !web_token_eq(rq->csrf, strlen(rq->csrf), s.csrf))) {
        dash_fail_status(c, 403, "ECSRF", NULL,
                         "missing or wrong X-Rounds-CSRF: reload the page");
        goto out;
    }
    char lang[8];
    if (dash_param(c, "lang", lang, sizeof lang) == 0 && !strcmp(lang, "en"))
        c->lang = "en";
    if (r->per_site) {
        char site[SRV_NAME_MAX + 1];
        if (dash_param_req(c, "site", site, sizeof site) != 0)
            goto out;
        if (!srv_name_valid(site, strlen(site))) {
            dash_fail(c, RND_EFIELD, "site", "field 'site' is not a site name");
            goto out;
        }
        snprintf(c->site, sizeof c->site, "%s", site);
        c->role = c->who ? srv_acct_role(c->who, site) : SRV_ROLE_NONE;
    } else {
        c->role = c->who ? srv_acct_top_role(c->who) : SRV_ROLE_NONE;
    }
    if (c->role < r->min_role) {
        char msg[160];
        snprintf(msg, sizeof msg, "this needs the role %s%s%s",
                 srv_role_name(r->min_role), c->site[0] ? " on site " : "",
                 c->site);
        dash_fail_status(c, 403, "EFORBIDDEN", NULL, msg);
        goto out;
    }
    r->fn(c);
    if (c->rs->status == 0)
        dash_fail(c, RND_EIO, NULL, "the handler gave no answer");
out:
    tl_ses = NULL;
    memset(&s, 0, sizeof s);
    rpt_jv_free(&body);
    c->json = NULL;
}

void dash_handle(dash *d, const dash_request *rq, dash_response *rs)
{
    memset(rs, 0, sizeof *rs);
    const char *m = rq->method ? rq->method : "";
    const char *path = rq->path ? rq->path : "";
    int get = strcmp(m, "GET") == 0, head = strcmp(m, "HEAD") == 0;
    int post = strcmp(m, "POST") == 0;
    if (strncmp(path, "/api/", 5) != 0) {
        if (get || head)
            asset(rq, rs);
        else
            page(rs, 405, "method not allowed\n");
        return;
    }
    dash_request r = *rq;
    r.path = path;
    dash_ctx c;
    memset(&c, 0, sizeof c);
    c.d = d;
    c.rq = &r;
    c.rs = rs;
    c.lang = "zh-CN";
    c.now_ms = rnd_clock_now_ms(RND_CLOCK_ENV_OFFICE);
    c.tz_min = rpt_tz_local(c.now_ms);
    api(&c, head ? "GET" : m, post);
}
