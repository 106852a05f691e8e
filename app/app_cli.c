/* app_cli.c: the `rounds app` command: opens the handheld, starts the web
 * app server on 127.0.0.1 (app_mhd.c), prints the address with its launch
 * secret (and writes it, mode 0600, to --url-file once the socket
 * listens; a thread begins the first screen's data then: app_boot.c),
 * then serves until SIGINT or SIGTERM, after which it stops
 * serving, waits for a running sync, closes the handle and exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../handheld/rounds_cli.h"
#include "../i18n/i18n.h"
#include "app.h"

/* Writes line to path through a temporary file renamed into place, so a
 * reader waiting for the file never sees half of it. Mode 0600: it holds
 * the secret. */
static int write_url_file(const char *path, const char *line)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >=
        (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    size_t n = strlen(line);
    int ok = fchmod(fd, 0600) == 0 && write(fd, line, n) == (ssize_t)n &&
             fsync(fd) == 0;
    if (close(fd) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* A failure of the command (not of a record): on stderr, and with --json
 * as an object on stdout. Returns RND_EXIT_FAIL. */
static int app_error(const char *what, const char *arg, const char *why)
{
    char msg[600];
    snprintf(msg, sizeof msg, "%s %.200s: %s", what, arg, why);
    fprintf(stderr, "rounds: app: %s\n", msg);
    if (o.json) {
        printf("{\"ok\":false,\"error\":\"EIO\",\"message\":");
        json_cstr(stdout, msg);
        printf("}\n");
    }
    return RND_EXIT_FAIL;
}

int cmd_app(void)
{
    const char *port_s = kv_take("port"), *url_file = kv_take("url_file");
    const char *lang = kv_take("lang");
    hh *h;
    app *a;
    app_server *srv;
    unsigned port = 0;
    char url[160], line[170];

    if (o.nkv)
        return usage_error(_("app: unknown flag --%s"), o.kv[0].name);
    if (o.npos > 1)
        return usage_error(_("app: unexpected argument '%s'"), o.positional[1]);
    if (port_s)
        port = (unsigned)strtoul(port_s, NULL, 10); /* checked: 0..65535 */
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    /* SIGINT and SIGTERM are taken by sigwait below: blocked before any
     * thread starts, so every thread inherits the mask. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    app_config cfg = {lang, NULL, NULL, NULL, 1};
    if ((rc = app_new(h, &cfg, &a)) != 0) {
        int ex = report_error(NULL, rc, "app");
        hh_close(h);
        return ex;
    }
    if ((rc = app_server_start(a, port, &srv, &port)) != 0) {
        char where[40];
        snprintf(where, sizeof where, "127.0.0.1:%u", port);
        int ex = app_error("cannot listen on", where, "the port is taken");
        app_free(a);
        hh_close(h);
        return ex;
    }
    /* The first screen's data, begun now: the browser asks for the page
     * a few ms after the address is printed (app_boot.c). Without the
     * thread the page is made when asked. */
    app_boot_begin(a);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/open?k=%s", port,
             app_secret(a));
    snprintf(line, sizeof line, "%s\n", url);
    if (url_file && write_url_file(url_file, line) != 0) {
        int ex = app_error("cannot write", url_file, strerror(errno));
        app_server_stop(srv);
        app_free(a);
        hh_close(h);
        return ex;
    }
    if (o.json)
        printf("{\"ok\":true,\"url\":\"%s\",\"port\":%u}\n", url, port);
    else
        fputs(line, stdout);
    fflush(stdout);
    /* No prefault of the map (hh_prefault) any more: with the refs of
     * store format 4 the first Now reads a few hundred pages, not 6,500,
     * and populating the whole map took CPU from the browser beside it
     * (docs/PERFORMANCE.md, "Where the first screen's time goes"). */
    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    app_server_stop(srv);
    app_free(a);
    hh_close(h);
    return RND_EXIT_OK;
}
