/* rounds_sync.c: the `rounds` commands about the device and its server:
 * status, enroll (what the office gave), sync (one session with the
 * server), dump (every merged record and the digest `roundsd dump`
 * computes the same way, to compare replicas) and report shift (this
 * device's shift so far, offline). Each goes through handheld.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../i18n/i18n.h"
#include "../proto/clock.h"
#include "../report/report.h"
#include "handheld.h"
#include "rounds_cli.h"

int cmd_status(void)
{
    hh_status_info st;
    char ts[40] = "never", server[300];
    hh *h;
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    rc = hh_status(h, &st);
    if (rc) {
        int ex = report_error(h, rc, "status");
        hh_close(h);
        return ex;
    }
    if (st.last_sync_ms)
        fmt_time(st.last_sync_ms, ts, sizeof ts, !!o.json);
    /* "" when not enrolled (or on any failure: status still prints). */
    hh_server_addr(h, server, sizeof server);
    if (o.json) {
        printf("{\"device_id\":\"%016" PRIx64 "\",\"site\":", st.device_id);
        json_cstr(stdout, st.site);
        printf(",\"name\":");
        json_cstr(stdout, st.name);
        printf(",\"user\":");
        json_cstr(stdout, st.user);
        printf(",\"ops_total\":%" PRIu64 ",\"own_ops\":%" PRIu64
               ",\"acked_seq\":%" PRIu64 ",\"unsynced\":%" PRIu64
               ",\"last_sync\":",
               st.ops_total, st.own_ops, st.acked_seq, st.unsynced);
        if (st.last_sync_ms)
            json_cstr(stdout, ts);
        else
            printf("null");
        printf(",\"server\":");
        if (server[0])
            json_cstr(stdout, server);
        else
            printf("null");
        printf(",\"visitors_inside\":%" PRIu64 ",\"vehicles_inside\":%" PRIu64
               ",\"workorders_open\":%" PRIu64 "}\n",
               st.open_visits, st.open_vehicles, st.open_workorders);
    } else {
        printf("device     %016" PRIx64 " '%s', site %s\n", st.device_id,
               st.name, st.site);
        printf("user       %s\n", st.user[0] ? st.user : "(none)");
        printf("ops        %" PRIu64 " in store, %" PRIu64
               " written here, %" PRIu64 " not yet synced\n",
               st.ops_total, st.own_ops, st.unsynced);
        printf("server     %s\n",
               server[0] ? server : "(not enrolled: run 'rounds enroll')");
        printf("last sync  %s, server holds own ops up to seq %" PRIu64 "\n",
               ts, st.acked_seq);
        printf("inside     %" PRIu64 " visitors, %" PRIu64 " vehicles; %" PRIu64
               " open work orders\n",
               st.open_visits, st.open_vehicles, st.open_workorders);
    }
    hh_close(h);
    return RND_EXIT_OK;
}

/* ---- sync --------------------------------------------------------------- */

/* rounds enroll --payload TEXT: a device that is not there yet is made
 * with the payload's site and name first. */
static int enroll_payload(const char *payload, const char *timeout)
{
    int timeout_ms = 0, made = 0;
    if (timeout) {
        char *end;
        double sec = strtod(timeout, &end);
        if (end == timeout || *end != '\0' || !(sec > 0) || sec > 86400)
            return usage_error(_("enroll: --timeout takes seconds (0 < SEC "
                                 "<= 86400), got '%s'"),
                               timeout);
        timeout_ms = sec * 1000 < 1 ? 1 : (int)(sec * 1000);
    }
    char site[64], name[64];
    if (hh_payload_names(payload, site, name) != 0)
        return usage_error(_("enroll: --payload is not an enrollment payload "
                             "(the text of the office's QR code, "
                             "rounds-enroll:1?...)%s"),
                           "");
    hh *h;
    int rc = hh_open(data_dir(), &h);
    if (rc == RND_ENOTFOUND || rc == RND_ENOTINIT) {
        rc = hh_init(data_dir(), site, name, &h);
        made = rc == 0;
    }
    if (rc) {
        fprintf(stderr, "rounds: enroll: %s: %s\n", data_dir(),
                i18n_tr(rnd_strerror(rc)));
        return exit_for(rc);
    }
    rc = hh_enroll_payload(h, payload, timeout_ms);
    if (rc) {
        int ex = report_error(h, rc, "enroll");
        hh_close(h);
        return ex;
    }
    char server[300] = "";
    hh_server_addr(h, server, sizeof server);
    if (o.json) {
        printf("{\"ok\":true,\"server\":");
        json_cstr(stdout, server);
        printf(",\"site\":");
        json_cstr(stdout, site);
        printf(",\"name\":");
        json_cstr(stdout, name);
        printf(",\"initialised\":%s}\n", made ? "true" : "false");
    } else {
        if (made)
            printf("device '%s' of site %s initialised in %s\n", name, site,
                   data_dir());
        printf("enrolled with %s (its certificate matched the code's "
               "fingerprint and is now the only one trusted); run 'rounds "
               "sync'\n",
               server);
    }
    hh_close(h);
    return RND_EXIT_OK;
}

int cmd_enroll(void)
{
    const char *server = kv_take("server"), *cert = kv_take("cert");
    const char *cred = kv_take("credential");
    const char *payload = kv_take("payload"), *timeout = kv_take("timeout");
    hh *h;
    int rc;

    if (o.nkv)
        return usage_error(_("enroll: unknown flag --%s"), o.kv[0].name);
    if (o.npos > 1)
        return usage_error(_("enroll: unexpected argument '%s'"),
                           o.positional[1]);
    if (payload && (server || cert || cred))
        return usage_error(_("enroll: --payload holds the server, its "
                             "certificate and the credential: give it "
                             "alone%s"),
                           "");
    if (payload)
        return enroll_payload(payload, timeout);
    if (timeout)
        return usage_error(_("enroll: --timeout goes with --payload%s"), "");
    if (server == NULL || cert == NULL || cred == NULL)
        return usage_error(_("enroll: give --server HOST:PORT --cert FILE "
                             "--credential CRED (from 'roundsd enroll'), or "
                             "--payload TEXT (its QR code's text)%s"),
                           "");
    if ((rc = open_handheld(&h)) != 0)
        return rc;
    rc = hh_enroll(h, server, cert, cred);
    if (rc) {
        int ex = report_error(h, rc, "enroll");
        hh_close(h);
        return ex;
    }
    if (o.json) {
        printf("{\"ok\":true,\"server\":");
        json_cstr(stdout, server);
        printf(",\"cert\":");
        json_cstr(stdout, cert);
        printf("}\n");
    } else {
        printf("enrolled with %s (trusting only the certificate in %s); "
               "run 'rounds sync'\n",
               server, cert);
    }
    hh_close(h);
    return RND_EXIT_OK;
}

static int progress_shown;

static void show_progress(const char *phase, uint64_t done, uint64_t total,
                          void *ctx)
{
    const char *unit = strcmp(phase, "attach") == 0 ? "attachments" : "ops";
    if (total)
        fprintf(stderr, "\r%s %" PRIu64 "/%" PRIu64 " %s   ", phase, done,
                total, unit);
    else
        fprintf(stderr, "\r%s %" PRIu64 " %s   ", phase, done, unit);
    progress_shown = 1;
}

/* "355 bytes", "12.3 kB", "4.1 MB". */
static void size_words(uint64_t n, char *out, size_t cap)
{
    if (n < 1000)
        snprintf(out, cap, "%" PRIu64 " bytes", n);
    else if (n < 1000000)
        snprintf(out, cap, "%.1f kB", (double)n / 1e3);
    else
        snprintf(out, cap, "%.1f MB", (double)n / 1e6);
}

int cmd_sync(void)
{
    const char *server = kv_take("server"), *timeout = kv_take("timeout");
    hh_sync_options opt = {0};
    hh_sync_result r;
    hh *h;
    int rc;

    if (o.nkv)
        return usage_error(_("sync: unknown flag --%s"), o.kv[0].name);
    if (o.npos > 1)
        return usage_error(_("sync: unexpected argument '%s'"),
                           o.positional[1]);
    if (timeout) {
        char *end;
        double sec = strtod(timeout, &end);
        if (end == timeout || *end != '\0' || !(sec > 0) || sec > 86400)
            return usage_error(_("sync: --timeout takes seconds (0 < SEC <= "
                                 "86400), got '%s'"),
                               timeout);
        opt.timeout_ms = (int)(sec * 1000);
        if (opt.timeout_ms < 1)
            opt.timeout_ms = 1;
    }
    opt.server_addr = server;
    if (isatty(STDERR_FILENO))
        opt.progress = show_progress;
    if ((rc = open_handheld(&h)) != 0)
        return rc;
    rc = hh_sync(h, &opt, &r);
    if (progress_shown)
        fputc('\n', stderr);
    if (rc) {
        int ex = report_error(h, rc, "sync");
        /* Whatever the server refused with (even its own storage error or
         * idle timeout), it is the server's refusal. */
        if (r.server_error[0])
            ex = RND_EXIT_SERVER_REFUSED;
        hh_close(h);
        return ex;
    }
    if (o.json) {
        printf("{\"ok\":true,\"pushed\":%" PRIu64 ",\"pulled\":%" PRIu64
               ",\"acked_seq\":%" PRIu64 ",\"cursor\":%" PRIu64
               ",\"ms\":%" PRId64 ",\"tls_resumed\":%s"
               ",\"cursor_reset\":%s,\"cert_learned\":%s"
               ",\"cert_promoted\":%s,\"recovered\":%" PRIu64
               ",\"renumbered\":%" PRIu64 ",\"attachments\":{\"up\":%" PRIu32
               ",\"up_bytes\":%" PRIu64 ",\"down\":%" PRIu32
               ",\"down_bytes\":%" PRIu64 ",\"refused\":%" PRIu32 ",\"error\":",
               r.pushed, r.pulled, r.acked_seq, r.cursor, r.ms,
               r.tls_resumed ? "true" : "false",
               r.cursor_reset ? "true" : "false",
               r.cert_learned ? "true" : "false",
               r.cert_promoted ? "true" : "false", r.recovered, r.renumbered,
               r.att_up, r.att_up_bytes, r.att_down, r.att_down_bytes,
               r.att_refused);
        json_cstr(stdout, r.att_error);
        printf("},\"redirected\":%d,\"node\":", r.redirected);
        json_cstr(stdout, r.node);
        printf("}\n");
    } else {
        printf("synced: pushed %" PRIu64 ", pulled %" PRIu64
               ", acked seq %" PRIu64 ", %" PRId64 " ms%s\n",
               r.pushed, r.pulled, r.acked_seq, r.ms,
               r.tls_resumed ? ", TLS resumed" : "");
        /* Operator-visible events of a rotation or a server restore. */
        if (r.cursor_reset)
            printf("the server's store was restored from a backup: pulled "
                   "the site again from the start\n");
        if (r.redirected) {
            char addr[300];
            if (hh_server_addr(h, addr, sizeof addr) != 0)
                addr[0] = '\0';
            printf(_("the site moved to node %s (%s): synced there, and "
                     "this handheld syncs there from now on\n"),
                   r.node, addr);
        }
        if (r.cert_learned)
            printf("learned the server's next certificate (rotation)\n");
        if (r.cert_promoted)
            printf("the server switched to its new certificate: now the "
                   "pinned one\n");
        if (r.att_up || r.att_down) {
            char up[32], down[32];
            size_words(r.att_up_bytes, up, sizeof up);
            size_words(r.att_down_bytes, down, sizeof down);
            printf("attachments: %" PRIu32 " sent (%s), %" PRIu32
                   " fetched (%s)\n",
                   r.att_up, up, r.att_down, down);
        }
        if (r.att_refused)
            printf("%" PRIu32 " attachments stayed behind (the records "
                   "synced); last: %s\n",
                   r.att_refused, r.att_error);
        if (r.recovered || r.renumbered)
            printf("this store was restored from an older copy: took back "
                   "%" PRIu64 " ops of this handheld from the server and "
                   "renumbered the %" PRIu64 " records made since after "
                   "them\n",
                   r.recovered, r.renumbered);
    }
    hh_close(h);
    return RND_EXIT_OK;
}

int cmd_dump(void)
{
    uint8_t digest[32];
    char hex[65];
    uint64_t n = 0;
    hh *h;
    int rc;

    if (o.nkv)
        return usage_error(_("dump: unknown flag --%s"), o.kv[0].name);
    if ((rc = open_handheld(&h)) != 0)
        return rc;
    if (o.json)
        printf("{\"entities\":[");
    /* The lines and the digest are of one state (one read). */
    rc = hh_dump(h, stdout, o.json, digest, &n);
    if (o.json)
        printf("]");
    if (rc) {
        if (o.json)
            printf("}\n");
        int ex = report_error(h, rc, "dump");
        hh_close(h);
        return ex;
    }
    for (size_t i = 0; i < sizeof digest; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    if (o.json)
        printf(",\"count\":%" PRIu64 ",\"digest\":\"%s\"}\n", n, hex);
    else
        printf("digest %s\n", hex);
    hh_close(h);
    return RND_EXIT_OK;
}

int cmd_report(void)
{
    if (o.npos < 2)
        return usage_error(_("report: which report? %s"), "shift");
    if (strcmp(o.positional[1], "shift") != 0)
        return usage_error(_("report: unknown report '%s': shift"),
                           o.positional[1]);
    if (o.npos > 2)
        return usage_error(_("report: unexpected argument '%s'"),
                           o.positional[2]);
    const char *since = kv_take("since"), *route = kv_take("route");
    const char *format = kv_take("format");
    if (o.nkv > 0)
        return usage_error(_("report shift: unknown flag --%s"), o.kv[0].name);

    int64_t now = rnd_clock_now_ms(RND_CLOCK_ENV_HANDHELD);
    hh_shift_options p;
    memset(&p, 0, sizeof p);
    p.now = now;
    p.route = route;
    /* --tz is in $TZ already (rounds_args.c): local is its zone. */
    p.tz_min = rpt_tz_local(now);
    if (since && (rpt_time_parse(since, RPT_TZ_LOCAL, &p.since) != 0 ||
                  p.since <= 0 || p.since >= now))
        return usage_error(_("report shift: --since %s: expected a time "
                             "before now: YYYY-MM-DDTHH:MM[:SS] with Z or "
                             "+HH:MM, or ms since the epoch"),
                           since);
    rpt_format fmt = RPT_FMT_TEXT;
    if (format && rpt_format_parse(format, &fmt) != 0)
        return usage_error(_("report shift: --format %s: expected text, csv "
                             "or json"),
                           format);

    hh *h;
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    rc = hh_report_shift(h, &p, o.json ? "json" : format, stdout);
    hh_close(h);
    if (rc)
        return report_error(NULL, rc, "report shift");
    return RND_EXIT_OK;
}

int cmd_now(void)
{
    const char *at = kv_take("at"), *user = kv_take("user");
    if (o.nkv > 0)
        return usage_error(_("now: unknown flag --%s"), o.kv[0].name);
    hh_now_options p;
    memset(&p, 0, sizeof p);
    p.now = rnd_clock_now_ms(RND_CLOCK_ENV_HANDHELD);
    if (at && (rpt_time_parse(at, RPT_TZ_LOCAL, &p.now) != 0 || p.now <= 0))
        return usage_error(_("now: --at %s: expected YYYY-MM-DDTHH:MM[:SS] "
                             "with Z or +HH:MM, or ms since the epoch"),
                           at);
    p.user = user;
    /* --tz is in $TZ already (rounds_args.c): local is its zone. */
    p.tz_min = rpt_tz_local(p.now);
    hh *h;
    int rc = open_handheld(&h);
    if (rc)
        return rc;
    rc = hh_report_now(h, &p, o.json ? "json" : "text", stdout);
    int ex = rc ? report_error(h, rc, "now") : RND_EXIT_OK;
    hh_close(h);
    return ex;
}
