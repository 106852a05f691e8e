/* app_boot.c: the first screen's data inside the page. GET /open (and
 * GET /) answer index.html with a <script type="application/json"
 * id="boot"> block where its marker is: the answers of GET /api/session,
 * /api/now and /api/staff, made by app_api.c exactly as the API makes
 * them, so the page draws without asking for them (docs/PERFORMANCE.md,
 * "Session 13: first screen"). The server sends the page's head first
 * (app_mhd.c), so app.css and app.js load while the data is made.
 *
 * `rounds app` begins the block on a thread as soon as it listens
 * (app_boot_begin): the browser's request comes a few ms later, and the
 * block is then ready or half made. That block is taken once, and only
 * while fresh: nothing was posted and no sync ran since it was begun, and
 * it is at most APP_BOOT_FRESH_MS old; any other page load makes its own.
 * The page's language and theme come in the same block, from the
 * request's rounds_prefs cookie (put_prefs). Rules stay in C: the page
 * only shows the answers.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app_int.h"

#define APP_BOOT_FRESH_MS 5000

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "name":{"status":N,"body":BODY} into f, '<' as \u003c (the block is
 * HTML: "</script>" or "<!--" in a value must not end or change it; '<'
 * only occurs inside JSON strings, where \u003c is the same character). */
static void put_answer(FILE *f, const char *name, const app_response *rs)
{
    fprintf(f, "\"%s\":{\"status\":%d,\"body\":", name, rs->status);
    const char *b = rs->body;
    size_t n = rs->body_len;
    while (n && (b[n - 1] == '\n' || b[n - 1] == ' '))
        n--;
    if (b == NULL || n == 0) {
        fputs("null", f);
    } else {
        for (size_t i = 0; i < n; i++) {
            if (b[i] == '<')
                fputs("\\u003c", f);
            else
                fputc(b[i], f);
        }
    }
    fputc('}', f);
}

/* Makes the block now (takes hh_mu for each answer). */
static int make_block(app *a, char **out, size_t *len)
{
    app_response rs;
    app_request rq = {.method = "GET", .path = "/api/now"};
    char *buf = NULL;
    size_t n = 0;
    *out = NULL;
    *len = 0;
    FILE *f = open_memstream(&buf, &n);
    if (f == NULL)
        return RND_ENOMEM;
    fputs("<script type=\"application/json\" id=\"boot\">{", f);
    memset(&rs, 0, sizeof rs);
    /* The device's counts would cost the launch what app_new no longer
     * spends: the page asks for the session again after its first
     * screen when "device" is null. */
    app_get_session(a, &rs, 1);
    put_answer(f, "session", &rs);
    app_response_free(&rs);
    app_get_now(a, &rq, &rs);
    fputc(',', f);
    put_answer(f, "now", &rs);
    app_response_free(&rs);
    app_get_staff(a, &rs);
    fputc(',', f);
    put_answer(f, "staff", &rs);
    app_response_free(&rs);
    fputs("}</script>", f); /* app_boot_block puts the prefs in */
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(buf);
        return RND_ENOMEM;
    }
    *out = buf;
    *len = n;
    return 0;
}

static void *boot_main(void *arg)
{
    app *a = arg;
    char *b = NULL;
    size_t n = 0;
    make_block(a, &b, &n);
    pthread_mutex_lock(&a->boot_mu);
    a->boot = b;
    a->boot_len = n;
    a->boot_made = mono_ms();
    a->boot_state = b ? 2 : 0;
    pthread_cond_broadcast(&a->boot_cv);
    pthread_mutex_unlock(&a->boot_mu);
    return NULL;
}

int app_boot_begin(app *a)
{
    pthread_mutex_lock(&a->boot_mu);
    if (a->boot_live || a->boot_state != 0) {
        pthread_mutex_unlock(&a->boot_mu);
        return 0;
    }
    a->boot_state = 1;
    a->boot_gen = a->gen;
    if (pthread_create(&a->boot_thr, NULL, boot_main, a) != 0) {
        a->boot_state = 0;
        pthread_mutex_unlock(&a->boot_mu);
        return RND_ENOMEM;
    }
    a->boot_live = 1;
    pthread_mutex_unlock(&a->boot_mu);
    return 0;
}

/* The page's preferences, the cookie rounds_prefs=LANG.THEME the page
 * writes (a cookie, not localStorage: a cookie is the host's, every
 * launch's port shares it, and it comes with the request, so the first
 * screen reads no storage): "prefs":{"lang":L,"theme":T} or null, each
 * member only when it is one the page knows. */
static void put_prefs(FILE *f, const char *cookie)
{
    char v[32];
    fputs(",\"prefs\":", f);
    if (web_cookie_get(cookie, "rounds_prefs", v, sizeof v) != 0) {
        fputs("null", f);
        return;
    }
    char *dot = strchr(v, '.');
    const char *theme = dot ? dot + 1 : "";
    if (dot)
        *dot = '\0';
    fputc('{', f);
    if (strcmp(v, "zh-CN") == 0 || strcmp(v, "en") == 0)
        fprintf(f, "\"lang\":\"%s\"%s", v,
                strcmp(theme, "dark") == 0 || strcmp(theme, "light") == 0 ? ","
                                                                          : "");
    if (strcmp(theme, "dark") == 0 || strcmp(theme, "light") == 0)
        fprintf(f, "\"theme\":\"%s\"", theme);
    fputc('}', f);
}

/* b (a block from make_block) with the prefs put before its last "}". */
static int with_prefs(char *b, size_t n, const char *cookie, char **out,
                      size_t *len)
{
    static const char tail[] = "}</script>";
    size_t tl = sizeof tail - 1;
    char *buf = NULL;
    size_t m = 0;
    *out = NULL;
    *len = 0;
    if (n < tl || memcmp(b + n - tl, tail, tl) != 0) {
        free(b);
        return RND_EIO;
    }
    FILE *f = open_memstream(&buf, &m);
    if (f == NULL) {
        free(b);
        return RND_ENOMEM;
    }
    fwrite(b, 1, n - tl, f);
    put_prefs(f, cookie);
    fputs(tail, f);
    free(b);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(buf);
        return RND_ENOMEM;
    }
    *out = buf;
    *len = m;
    return 0;
}

static int take_block(app *a, char **out, size_t *len);

int app_boot_block(app *a, const char *cookie, char **out, size_t *len)
{
    char *b;
    size_t n;
    int rc = take_block(a, &b, &n);
    if (rc)
        return rc;
    return with_prefs(b, n, cookie, out, len);
}

/* The block made at launch when it is fresh, else one made now. */
static int take_block(app *a, char **out, size_t *len)
{
    pthread_mutex_lock(&a->boot_mu);
    while (a->boot_state == 1)
        pthread_cond_wait(&a->boot_cv, &a->boot_mu);
    if (a->boot_state == 2) {
        int fresh = a->boot_gen == a->gen &&
                    mono_ms() - a->boot_made <= APP_BOOT_FRESH_MS;
        char *b = a->boot;
        size_t n = a->boot_len;
        a->boot = NULL;
        a->boot_len = 0;
        a->boot_state = 0;
        if (fresh) {
            pthread_mutex_unlock(&a->boot_mu);
            *out = b;
            *len = n;
            return 0;
        }
        free(b);
    }
    pthread_mutex_unlock(&a->boot_mu);
    return make_block(a, out, len);
}

void app_boot_stale(app *a)
{
    pthread_mutex_lock(&a->boot_mu);
    a->gen++;
    pthread_mutex_unlock(&a->boot_mu);
}

void app_boot_join(app *a)
{
    pthread_mutex_lock(&a->boot_mu);
    int live = a->boot_live;
    a->boot_live = 0;
    pthread_mutex_unlock(&a->boot_mu);
    if (live)
        pthread_join(a->boot_thr, NULL);
    free(a->boot);
    a->boot = NULL;
    a->boot_state = 0;
}
