/* dash_events.c: sync notifications from serve (read off its pipe by
 * dash_run.c) and each site's event counter, on which the event streams
 * (dash_http.c) wait: one mutex, one condition variable on the monotonic
 * clock, a counter and the last sync's time per site.
 */
#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../proto/clock.h"
#include "dash_core.h"

typedef struct ev_site {
    char name[SRV_NAME_MAX + 1];
    uint64_t count;
    int64_t at_ms;
} ev_site;

struct dash_events {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int halted;
    ev_site *v;
    size_t n;
};

int dash_events_new(dash_events **out)
{
    *out = NULL;
    dash_events *e = calloc(1, sizeof *e);
    if (e == NULL)
        return RND_ENOMEM;
    e->v = calloc(DASH_EVENT_SITES, sizeof *e->v);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (e->v == NULL || pthread_cond_init(&e->cv, &ca) != 0) {
        pthread_condattr_destroy(&ca);
        free(e->v);
        free(e);
        return RND_ENOMEM;
    }
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&e->mu, NULL);
    *out = e;
    return 0;
}

void dash_events_free(dash_events *e)
{
    if (e == NULL)
        return;
    pthread_cond_destroy(&e->cv);
    pthread_mutex_destroy(&e->mu);
    free(e->v);
    free(e);
}

/* The slot of site (mu held), made when make; NULL when absent. A full
 * table reuses the slot quiet longest. */
static ev_site *find(dash_events *e, const char *site, int make)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->v[i].name, site) == 0)
            return &e->v[i];
    if (!make)
        return NULL;
    ev_site *s;
    if (e->n < DASH_EVENT_SITES) {
        s = &e->v[e->n++];
    } else {
        s = &e->v[0];
        for (size_t i = 1; i < e->n; i++)
            if (e->v[i].at_ms < s->at_ms)
                s = &e->v[i];
    }
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", site);
    return s;
}

void dash_events_note(dash_events *e, const char *site, int64_t at_ms)
{
    pthread_mutex_lock(&e->mu);
    ev_site *s = find(e, site, 1);
    s->count++;
    s->at_ms = at_ms;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
}

uint64_t dash_events_count(dash_events *e, const char *site)
{
    pthread_mutex_lock(&e->mu);
    ev_site *s = find(e, site, 0);
    uint64_t n = s ? s->count : 0;
    pthread_mutex_unlock(&e->mu);
    return n;
}

int dash_events_wait(dash_events *e, const char *site, uint64_t *seen,
                     int64_t *at_ms, int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    int got = 0;
    pthread_mutex_lock(&e->mu);
    for (;;) {
        if (e->halted) {
            got = -1;
            break;
        }
        ev_site *s = find(e, site, 0);
        if (s && s->count != *seen) {
            *seen = s->count;
            *at_ms = s->at_ms;
            got = 1;
            break;
        }
        if (pthread_cond_timedwait(&e->cv, &e->mu, &until) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&e->mu);
    return got;
}

void dash_events_halt(dash_events *e)
{
    pthread_mutex_lock(&e->mu);
    e->halted = 1;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
}

/* ---- dash_int.h, dash.h ------------------------------------------------ */

void dash_events_notify(dash *d, const char *site)
{
    if (srv_name_valid(site, strlen(site)))
        dash_events_note(dash_events_of(d), site,
                         rnd_clock_now_ms(RND_CLOCK_ENV_OFFICE));
}

void dash_events_stop(dash *d)
{
    dash_events_halt(dash_events_of(d));
}
