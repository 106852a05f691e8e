/* devices.h: handhelds for the office's pages, without HTTP (devices.c):
 * the devices of a site as a TABLE (docs/WEB-API.md), and an enrollment
 * with its payload and QR code, through the same functions as `roundsd
 * enroll` (srv_registry_enroll, server/enroll_qr.h).
 */
#ifndef RND_DASH_DEVICES_H
#define RND_DASH_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#include "../proto/enrollpay.h"
#include "../report/render.h"
#include "../server/config.h"
#include "../server/registry.h"

/* Writes the TABLE "devices" of site's handhelds as the value of the
 * current key of j: each device's name, id, enrollment, last sync, the
 * ops of the site's store it wrote (st, a read of the site's store, may be
 * NULL: then the registry's copy), the ops in and out of its last sync,
 * its clock verdict (flagged past skew_limit_ms: state "bad"), revoked.
 * Titles in lang ("en", else zh-CN); times ISO 8601 in tz_min. */
int dash_dev_table(rpt_jw *j, srv_registry *r, store_txn *st, const char *site,
                   const char *lang, int tz_min, int64_t skew_limit_ms);

/* What an enrollment gives the office, once. */
typedef struct dash_dev_enrollment {
    char credential[SRV_CRED_LEN + 1];
    char payload[PROTO_ENROLL_MAX + 1];
    char *qr_url; /* "data:image/svg+xml;base64,...", malloc'd */
} dash_dev_enrollment;

/* Enrolls site/name: checks that a payload can be made (cfg: the address
 * handhelds use and the certificate; nothing is enrolled otherwise), then
 * srv_registry_enroll, srv_enroll_publish on the site's store st (open
 * for writing), the payload and its QR code. 0 with *out filled (free
 * out->qr_url with dash_dev_enrollment_free), or an error with a sentence
 * in err: RND_EINVAL (no address for handhelds), RND_EEXIST (enrolled and
 * not revoked), RND_ECERT, store errors. */
int dash_dev_enroll(srv_registry *r, store *st, const srv_config *cfg,
                    const char *data_dir, const char *site, const char *name,
                    int64_t now_ms, dash_dev_enrollment *out, char *err,
                    size_t errlen);
void dash_dev_enrollment_free(dash_dev_enrollment *e);

/* The configuration enrollments take the address for handhelds and the
 * certificate from, and the board and reports their limits (overstay,
 * skew_limit_min): the one set here, else serve's effective one
 * (cli_config() in roundsd: the dashboard is a fork of `roundsd serve`),
 * else the defaults (a program without roundsd's command line). Not
 * thread-safe: set it before requests are served; NULL unsets it. */
void dash_dev_set_config(const srv_config *cfg);
const srv_config *dash_dev_config(void);

/* "data:image/svg+xml;base64,..." of svg[0..len), malloc'd; NULL when out
 * of memory. */
char *dash_dev_data_url(const char *svg, size_t len);

#endif
