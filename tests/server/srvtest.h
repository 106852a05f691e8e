/* srvtest.h: an in-memory harness for the server's session logic: a temp
 * data directory with a registry and site stores, sessions driven through
 * byte queues (no sockets), and devices that write real chained ops. */
#ifndef RND_SRVTEST_H
#define RND_SRVTEST_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "../test.h"
#include "bufq.h"
#include "registry.h"
#include "session.h"
#include "site.h"

#define H_LOG_MAX 256

typedef struct harness {
    char *dir;
    srv_registry *reg;
    srv_sites *sites;
    srv_ctx ctx;
    int64_t now;
    char log[H_LOG_MAX][400];
    int nlog;
} harness;

/* max_frame 0 = the default. */
void h_init(harness *h, const char *tag, uint32_t max_frame);
void h_free(harness *h);
/* Enrolls site/name and returns the credential (static buffer per call
 * site: copy it). */
void h_enroll(harness *h, const char *site, const char *name,
              char cred[SRV_CRED_LEN + 1]);
/* Commits queued batches, as the server's loop does once per iteration. */
void h_flush(harness *h);

/* One client connection, seen from the server: in is what the client
 * sent, out what the server answered. */
typedef struct peer {
    harness *h;
    srv_session *s;
    srv_bufq in, out;
    int wakes;
    uint8_t *frame; /* copy of the last frame received */
    proto_bytes ops[PROTO_BATCH_MAX_OPS];
} peer;

void peer_open(peer *p, harness *h);
void peer_close(peer *p);
/* Encodes msg into the server's input and runs the session. */
void peer_send(peer *p, const proto_msg *msg);
/* Raw bytes into the server's input, then run the session. */
void peer_send_raw(peer *p, const void *bytes, size_t n);
/* Runs the session on what is buffered (after a flush or a drain). */
void peer_run(peer *p);
/* Takes the next frame the server sent: 0, or RND_EAGAIN when none. The
 * message points into p->frame until the next peer_recv. */
int peer_recv(peer *p, proto_msg *m);
/* Asserts the next frame is of type want and returns it. */
void peer_expect(peer *p, int want, proto_msg *m);
/* Asserts the next frame is ERROR name. */
void peer_expect_error(peer *p, const char *name);

void peer_hello(peer *p, uint64_t device_id, const char *site, const char *name,
                const char *cred);

/* A handheld: its own store and writer identity. */
typedef struct device {
    store *st;
    uint64_t id;
    char *dir;
} device;

/* HELLO as device d of site, then asserts WELCOME; returns its have_seq. */
uint64_t peer_welcome(peer *p, const device *d, const char *site,
                      const char *name, const char *cred);
/* Asserts the next frame is PUSH_ACK of batch, saying acked is durable. */
void peer_expect_ack(peer *p, uint32_t batch, uint64_t acked);

void device_open(device *d, harness *h, const char *name, uint64_t id);
void device_close(device *d);
/* Appends n dutylog ops with a text field of text_len bytes. */
void device_append(device *d, int n, size_t text_len);
/* Copies the encoding of op seq into a malloc'd buffer. */
uint8_t *device_op(device *d, uint64_t seq, size_t *len);
/* Sends ops from..to (inclusive) of d as one PUSH numbered batch. */
void peer_push(peer *p, uint32_t batch, device *d, uint64_t from, uint64_t to);

/* Number of ops in the site's store. */
uint64_t site_op_count(harness *h, const char *site);
uint64_t site_max_seq(harness *h, const char *site, uint64_t device_id);

/* A store's write lock, held by a thread of the test until released:
 * whoever commits to that store meanwhile waits for it. */
typedef struct blocker {
    store *st;
    pthread_t t;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int inside, release;
} blocker;

/* Returns once the blocker's thread is inside store_write(st). */
void block(blocker *b, store *st);
void unblock(blocker *b);

#endif
