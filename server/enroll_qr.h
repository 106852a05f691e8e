/* enroll_qr.h: enrolling a handheld the way the office does it, shared by
 * `roundsd enroll` and the dashboard (dash/devices.c): what follows
 * srv_registry_enroll (the site's store gets the office's key for personal
 * data), the enrollment payload (proto/enrollpay.h: the server's address
 * for handhelds, its certificate's SHA-256, the site, the device and its
 * credential) and that payload's QR code as an SVG document.
 */
#ifndef RND_SRV_ENROLL_QR_H
#define RND_SRV_ENROLL_QR_H

#include <stddef.h>
#include <stdint.h>

#include "../proto/enrollpay.h"
#include "../storage/store.h"
#include "config.h"

/* The address handhelds sync with, into out (cap bytes): cfg's
 * public_address, else its listen address when that names a host (not a
 * wildcard such as 0.0.0.0 or [::]) and a port (not 0). RND_EINVAL with a
 * sentence in err (telling to set public_address) when neither does. */
int srv_enroll_address(const srv_config *cfg, char *out, size_t cap, char *err,
                       size_t errlen);

/* The payload enrolling site/name with credential cred into out (cap
 * bytes, PROTO_ENROLL_MAX + 1 is enough): the address of
 * srv_enroll_address and the SHA-256 of the certificate serve presents
 * (cfg's cert, else DATA/server.crt). RND_EINVAL (no address), RND_ECERT
 * or RND_ENOTFOUND (the certificate), each with a sentence in err. */
int srv_enroll_payload(const srv_config *cfg, const char *site,
                       const char *name, const char *cred, char *out,
                       size_t cap, char *err, size_t errlen);

/* With a node directory (pg_dsn and node_name configured, docs/NODES.md):
 * assigns site to this node when the directory does not know it yet, and
 * refuses (RND_EEXIST, a sentence in err naming the node) when it lives
 * on another node, whose registry must enroll its handhelds. 0 without a
 * directory. RND_ECONNECT when PostgreSQL cannot be reached. With a
 * directory, srv_enroll_payload() takes the address and the certificate's
 * fingerprint of the site's node from it. */
int srv_enroll_assign(const srv_config *cfg, const char *site, char *err,
                      size_t errlen);

/* The QR code of payload as a standalone SVG document (malloc'd into *out,
 * NUL-terminated, *len bytes without the NUL; the caller frees it): the
 * code with a quiet zone of 4 modules, a title naming site/name, and the
 * payload in a data-payload attribute. RND_EINVAL when payload cannot be a
 * QR code, RND_ENOMEM. */
int srv_enroll_qr_svg(const char *payload, const char *site, const char *name,
                      char **out, size_t *len);

/* After srv_registry_enroll of a device of site: publishes the office's
 * current key for personal data (making the site's first one if needed)
 * on the site's store st, open for writing, so the device's first pull
 * brings it (server/pii.h). 0 or an error. */
int srv_enroll_publish(store *st, const char *data_dir, const char *site,
                       int64_t now_ms);

#endif
