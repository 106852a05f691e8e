/* app_sync.c: POST /api/sync and GET /api/sync. A sync runs hh_sync() on
 * its own thread, holding the hh mutex for the session (every other call
 * on the handle waits); its progress callback writes into the progress
 * struct under a small mutex of its own, which GET /api/sync reads without
 * waiting for the handle. One sync at a time.
 */
#include <stdlib.h>
#include <string.h>

#include "app_int.h"

void app_sync_note_status(app *a)
{
    hh_status_info st;
    if (hh_status(a->h, &st) != 0)
        return;
    a->ident_known = 1;
    a->device_id = st.device_id;
    snprintf(a->site, sizeof a->site, "%s", st.site);
    snprintf(a->name, sizeof a->name, "%s", st.name);
    pthread_mutex_lock(&a->sync_mu);
    a->prog.last_sync_ms = st.last_sync_ms;
    a->prog.unsynced = st.unsynced;
    a->prog_known = 1;
    pthread_mutex_unlock(&a->sync_mu);
}

static void on_progress(const char *phase, uint64_t done, uint64_t total,
                        void *ctx)
{
    app *a = ctx;
    pthread_mutex_lock(&a->sync_mu);
    snprintf(a->prog.phase, sizeof a->prog.phase, "%s", phase ? phase : "");
    a->prog.done = done;
    a->prog.total = total;
    pthread_mutex_unlock(&a->sync_mu);
}

static void *sync_main(void *arg)
{
    app *a = arg;
    hh_sync_options opt = {0};
    hh_sync_result r;
    char msg[sizeof a->prog.err_msg];
    memset(&r, 0, sizeof r);
    opt.progress = on_progress;
    opt.progress_ctx = a;
    pthread_mutex_lock(&a->hh_mu);
    int rc = hh_sync(a->h, &opt, &r);
    snprintf(msg, sizeof msg, "%s", rc ? hh_last_error(a->h) : "");
    app_sync_note_status(a);
    pthread_mutex_unlock(&a->hh_mu);
    app_boot_stale(a); /* what the first screen's data says may be old */
    pthread_mutex_lock(&a->sync_mu);
    a->prog.state = rc ? APP_SYNC_FAILED : APP_SYNC_DONE;
    a->prog.err = rc;
    snprintf(a->prog.err_msg, sizeof a->prog.err_msg, "%s", msg);
    a->prog.pushed = r.pushed;
    a->prog.pulled = r.pulled;
    a->prog.ms = r.ms;
    snprintf(a->prog.phase, sizeof a->prog.phase, "%s", "");
    pthread_mutex_unlock(&a->sync_mu);
    return NULL;
}

void app_sync_join(app *a)
{
    pthread_mutex_lock(&a->sync_mu);
    int live = a->sync_live;
    a->sync_live = 0;
    pthread_mutex_unlock(&a->sync_mu);
    if (live)
        pthread_join(a->sync_thr, NULL);
}

void app_sync_start(app *a, app_response *rs)
{
    app_out o;
    pthread_mutex_lock(&a->sync_mu);
    if (a->prog.state == APP_SYNC_RUNNING) {
        pthread_mutex_unlock(&a->sync_mu);
        app_fail_status(rs, 409, "EBUSY", NULL, "a sync is already running",
                        NULL, 0);
        return;
    }
    /* The previous sync's thread has ended (its state is not running). */
    if (a->sync_live) {
        pthread_join(a->sync_thr, NULL);
        a->sync_live = 0;
    }
    app_progress keep = a->prog;
    memset(&a->prog, 0, sizeof a->prog);
    a->prog.state = APP_SYNC_RUNNING;
    a->prog.last_sync_ms = keep.last_sync_ms;
    a->prog.unsynced = keep.unsynced;
    if (pthread_create(&a->sync_thr, NULL, sync_main, a) != 0) {
        a->prog = keep;
        pthread_mutex_unlock(&a->sync_mu);
        app_fail(rs, RND_ENOMEM, NULL, "cannot start the sync");
        return;
    }
    a->sync_live = 1;
    pthread_mutex_unlock(&a->sync_mu);
    if (app_out_begin(&o) != 0) {
        app_fail(rs, RND_ENOMEM, NULL, NULL);
        return;
    }
    rpt_jw_kbool(&o.jw, "started", 1);
    app_out_end(&o, rs, 202);
}

void app_sync_get(app *a, app_response *rs)
{
    static const char *const states[] = {"idle", "running", "done", "failed"};
    app_out o;
    pthread_mutex_lock(&a->sync_mu);
    int known = a->prog_known;
    pthread_mutex_unlock(&a->sync_mu);
    /* The counts were not noted at launch (app_new): noted here, unless
     * the handle is busy (a sync notes them when it ends; GET /api/sync
     * never waits for the handle). */
    if (!known && pthread_mutex_trylock(&a->hh_mu) == 0) {
        app_sync_note_status(a);
        pthread_mutex_unlock(&a->hh_mu);
    }
    pthread_mutex_lock(&a->sync_mu);
    app_progress p = a->prog;
    pthread_mutex_unlock(&a->sync_mu);
    if (app_out_begin(&o) != 0) {
        app_fail(rs, RND_ENOMEM, NULL, NULL);
        return;
    }
    rpt_jw *j = &o.jw;
    rpt_jw_kstr(j, "state", states[p.state]);
    rpt_jw_kstr(j, "phase", p.phase);
    rpt_jw_kuint(j, "done", p.done);
    rpt_jw_kuint(j, "total", p.total);
    rpt_jw_key(j, "result");
    if (p.state == APP_SYNC_DONE) {
        rpt_jw_obj(j);
        rpt_jw_kuint(j, "pushed", p.pushed);
        rpt_jw_kuint(j, "pulled", p.pulled);
        rpt_jw_kint(j, "ms", p.ms);
        rpt_jw_end(j);
    } else {
        rpt_jw_null(j);
    }
    rpt_jw_key(j, "error");
    if (p.state == APP_SYNC_FAILED) {
        char field[64];
        rpt_jw_obj(j);
        rpt_jw_kstr(j, "code", rnd_errname(p.err));
        if (web_field_of(p.err_msg, field, sizeof field) == 0)
            rpt_jw_kstr(j, "field", field);
        rpt_jw_kstr(j, "message", p.err_msg);
        rpt_jw_end(j);
    } else {
        rpt_jw_null(j);
    }
    rpt_jw_kint(j, "last_sync_ms", p.last_sync_ms);
    rpt_jw_kuint(j, "unsynced", p.unsynced);
    app_out_end(&o, rs, 200);
}
