/* dash_run.c: the dashboard process roundsd serve forks (dash.h,
 * server/child.h): its stores (dash_new), its TLS keys, the HTTPS server,
 * the reader of serve's pipe, and the signals that stop it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../server/log.h"
#include "dash_core.h"

/* A PEM file larger than this is not a certificate chain or a key. */
#define PEM_MAX (1 << 20)

/* The whole of path, NUL-terminated, malloc'd into *out. */
static int read_pem(const char *path, char **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return RND_ENOTFOUND;
    char *buf = malloc(PEM_MAX + 1);
    size_t n = buf ? fread(buf, 1, PEM_MAX + 1, f) : 0;
    int bad = buf == NULL || ferror(f) || n == 0 || n > PEM_MAX;
    fclose(f);
    if (bad) {
        free(buf);
        return RND_EIO;
    }
    buf[n] = '\0';
    *out = buf;
    return 0;
}

typedef struct reader {
    dash *d;
    int fd;
    int stop[2]; /* a byte in stop[1]: the reader ends */
    pthread_t main;
} reader;

/* serve's pipe: a "SITE\n" line per landed sync; EOF when serve is gone,
 * which stops the process as SIGTERM does. */
static void *read_pipe(void *arg)
{
    reader *r = arg;
    char buf[4096], line[SRV_NAME_MAX + 2];
    size_t ll = 0;
    int over = 0;
    for (;;) {
        struct pollfd p[2] = {{r->fd, POLLIN, 0}, {r->stop[0], POLLIN, 0}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents)
            return NULL; /* dash_run is stopping */
        ssize_t n = read(r->fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] != '\n') {
                if (ll + 1 < sizeof line)
                    line[ll++] = buf[i];
                else
                    over = 1;
                continue;
            }
            line[ll] = '\0';
            if (!over)
                dash_events_notify(r->d, line);
            ll = 0;
            over = 0;
        }
    }
    pthread_kill(r->main, SIGTERM);
    return NULL;
}

int dash_run(const dash_config *cfg)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    /* Before any thread: they all inherit the mask; sigwait takes them. */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    char *cert = NULL, *key = NULL, url[300], err[600];
    dash *d = NULL;
    dash_http *h = NULL;
    int rc = read_pem(cfg->cert, &cert);
    if (rc) {
        srv_log(SRV_LOG_ERROR, "web: cannot read the certificate %s: %s",
                cfg->cert, rnd_strerror(rc));
        goto out;
    }
    rc = read_pem(cfg->key, &key);
    if (rc) {
        srv_log(SRV_LOG_ERROR, "web: cannot read the key %s: %s", cfg->key,
                rnd_strerror(rc));
        goto out;
    }
    rc = dash_new(cfg, &d);
    if (rc) {
        srv_log(SRV_LOG_ERROR,
                "web: cannot open the registry and sites in "
                "%s: %s",
                cfg->data_dir, rnd_strerror(rc));
        goto out;
    }
    rc = dash_http_start(d, cfg->listen, cert, key, &h, url, sizeof url, err,
                         sizeof err);
    if (rc) {
        srv_log(SRV_LOG_ERROR, "web: %s", err);
        goto out;
    }
    srv_log(SRV_LOG_INFO, "web: listening on %s", url);

    reader rd = {d, cfg->notify_fd, {-1, -1}, pthread_self()};
    pthread_t thr;
    int have_reader = cfg->notify_fd >= 0 && pipe2(rd.stop, O_CLOEXEC) == 0 &&
                      pthread_create(&thr, NULL, read_pipe, &rd) == 0;
    for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig != SIGHUP)
            break;
        if (srv_log_reopen() != 0)
            srv_log(SRV_LOG_ERROR, "web: SIGHUP: cannot reopen the log: %s",
                    strerror(errno));
    }
    srv_log(SRV_LOG_INFO, "web: stopping");
    dash_events_stop(d); /* the event streams end */
    dash_http_stop(h);
    h = NULL;
    if (have_reader) {
        ssize_t w = write(rd.stop[1], "x", 1);
        (void)w;
        pthread_join(thr, NULL);
    }
    if (rd.stop[0] >= 0) {
        close(rd.stop[0]);
        close(rd.stop[1]);
    }
    rc = 0;
out:
    dash_http_stop(h);
    dash_free(d);
    free(cert);
    if (key)
        memset(key, 0, strlen(key));
    free(key);
    return rc;
}
