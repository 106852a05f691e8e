/* sesstest.h: the harness of test_sync_session.c: a handheld store in a
 * temporary folder with a pinned clock, scripted server frames fed to the
 * client's session, and its output taken back frame by frame. */
#ifndef RND_SESSTEST_H
#define RND_SESSTEST_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../handheld/handheld.h"
#include "../../handheld/hh_internal.h"
#include "../../handheld/sync_session.h"
#include "../../proto/msg.h"
#include "../../storage/store.h"
#include "test.h"

extern const char cert_pem[];
extern int64_t fake_now;
extern char *dir;
extern hh *h;
extern proto_bytes out_ops[PROTO_BATCH_MAX_OPS];
extern size_t out_frame_len;

/* n dutylog ops of a foreign device, chained (make_foreign). */
typedef struct foreign {
    uint8_t enc[64][512];
    size_t len[64];
    uint8_t last_hash[PROTO_HASH_LEN];
} foreign;

int64_t clock_fn(void *ctx);
void record_notes(hh *hd, int n);
int put_fn(store_txn *t, void *arg);
void meta_put(const char *key, const char *val);
void meta_put_u64(const char *key, uint64_t v);
int meta_u64(const char *key, uint64_t *v);
size_t meta_str(const char *key, char *out, size_t cap);
uint64_t op_count(void);
uint64_t device_id(void);
void setup(int n);
void reopen(void);
void teardown(void);
int feed(hh_sess *s, const proto_msg *m);
int feed_welcome(hh_sess *s, uint64_t have, uint32_t max_frame,
                 uint32_t window);
int feed_ack(hh_sess *s, uint32_t batch, uint64_t acked);
int feed_error(hh_sess *s, const char *name, const char *msg);
int feed_bye(hh_sess *s);
int take(hh_sess *s, proto_msg *m);
uint64_t op_seq(const proto_bytes *b, uint64_t *dev);
void make_foreign(foreign *f, uint64_t dev, uint64_t from, int n);
int feed_ops(hh_sess *s, foreign *f, int from, int n, uint64_t next, int more);
void expect_hello(hh_sess *s);

#endif
