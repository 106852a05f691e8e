/* fuzz_registry_import.c: libFuzzer target for the decoder of a site's
 * devices moving between nodes (server/registry.h:
 * srv_registry_import_each): the devices.mp of a move folder, which
 * `roundsd site accept` reads from whatever folder it is given (copied
 * over the network, on a USB stick...) and writes into the registry.
 *
 * Promises checked on every input (a broken one aborts):
 *  - the decoder never reads past the input and gives 0, RND_ECORRUPT or
 *    RND_ESTOREVER (a record of a newer format; RND_ENOMEM aside);
 *  - every device it hands over has a valid site and name (srv_name_valid,
 *    NUL-terminated within their arrays);
 *  - what it accepts survives the way back: the devices packed again
 *    (srv_registry_export_devices, the export's own packer) decode to the
 *    same devices, field by field;
 *  - a callback's refusal stops it at once and is returned as it is.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/errors.h"
#include "../../server/registry.h"

#define MAX_DEVICES 4096

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_registry_import: %s\n", what);
    abort();
}

typedef struct got {
    srv_device *d;
    size_t n, stop_at; /* stop_at: refuse the entry of that index */
} got;

static int keep(const srv_device *d, void *arg)
{
    got *g = arg;
    size_t nl = strnlen(d->site, sizeof d->site);
    size_t ml = strnlen(d->name, sizeof d->name);
    if (nl == sizeof d->site || ml == sizeof d->name)
        fail("a name without its NUL");
    if (!srv_name_valid(d->site, nl) || !srv_name_valid(d->name, ml))
        fail("an invalid site or device name handed over");
    if (g->n == g->stop_at)
        return RND_EEXIST;
    if (g->n < MAX_DEVICES)
        g->d[g->n] = *d;
    g->n++;
    return 0;
}

static int same(const srv_device *a, const srv_device *b)
{
    return strcmp(a->site, b->site) == 0 && strcmp(a->name, b->name) == 0 &&
           a->device_id == b->device_id &&
           memcmp(a->salt, b->salt, sizeof a->salt) == 0 &&
           memcmp(a->hash, b->hash, sizeof a->hash) == 0 &&
           a->revoked == b->revoked && a->enrolled_ms == b->enrolled_ms &&
           a->last_sync_ms == b->last_sync_ms &&
           a->last_ops_in == b->last_ops_in &&
           a->last_ops_out == b->last_ops_out &&
           a->last_skew_ms == b->last_skew_ms && a->held_seq == b->held_seq &&
           a->have_clock == b->have_clock &&
           (!a->have_clock || (a->clock_ahead_ms == b->clock_ahead_ms &&
                               a->clock_behind_ms == b->clock_behind_ms)) &&
           a->beyond_ops == b->beyond_ops && a->have_pull == b->have_pull &&
           (!a->have_pull || a->pull_cursor == b->pull_cursor);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static srv_device first[MAX_DEVICES], again[MAX_DEVICES];
    /* An exact-size copy, so ASan catches any read past the end. */
    uint8_t *buf = malloc(size ? size : 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    got g = {first, 0, SIZE_MAX};
    int rc = srv_registry_import_each(buf, size, keep, &g);
    if (rc != 0 && rc != RND_ECORRUPT && rc != RND_ESTOREVER &&
        rc != RND_ENOMEM)
        fail("unexpected code");
    if (rc == 0 && g.n <= MAX_DEVICES) {
        uint8_t *out;
        size_t len;
        if (srv_registry_export_devices(first, g.n, &out, &len) == 0) {
            got h = {again, 0, SIZE_MAX};
            if (srv_registry_import_each(out, len, keep, &h) != 0)
                fail("the devices packed again do not decode");
            if (h.n != g.n)
                fail("the way back changed the number of devices");
            for (size_t i = 0; i < g.n; i++)
                if (!same(&first[i], &again[i]))
                    fail("the way back changed a device");
            free(out);
        }
    }
    /* A refusal by the callback stops the decoder there. */
    if (g.n > 0 && rc != RND_ENOMEM) {
        got s = {again, 0, g.n / 2};
        if (srv_registry_import_each(buf, size, keep, &s) != RND_EEXIST)
            fail("the callback's refusal was not returned");
        if (s.n != g.n / 2)
            fail("the decoder went on past a refusal");
    }
    free(buf);
    return 0;
}
