/* gen_msg_corpus.c: writes seed frames for fuzz_msg_decode: one valid
 * frame of each message type and a session's worth of frames in one file.
 *   gen_msg_corpus DIR */
#include <stdio.h>
#include <string.h>

#include "msg.h"
#include "proto.h"

static void put(const char *dir, const char *name, const uint8_t *b, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(b, 1, n, f) != n) {
        perror(path);
        return;
    }
    fclose(f);
}

static proto_bytes T(const char *s)
{
    return (proto_bytes){(const uint8_t *)s, (uint32_t)strlen(s)};
}

int main(int argc, char **argv)
{
    static uint8_t frame[1 << 16], session[1 << 18];
    size_t n, total = 0;
    uint8_t enc[3][256];
    proto_bytes ops[3];
    if (argc != 2)
        return 2;
    for (int i = 0; i < 3; i++) {
        proto_op op;
        size_t len;
        proto_op_init(&op);
        op.device_id = 0x1234;
        op.seq = (uint64_t)i + 1;
        op.hlc = PROTO_HLC_MAKE(1795860000000 + i, 0);
        op.kind = PROTO_KIND_VISIT;
        op.action = i ? PROTO_ACTION_EXIT : PROTO_ACTION_CREATE;
        proto_op_add_str(&op, "name", "Wang", 4);
        proto_op_encode(&op, enc[i], sizeof enc[i], &len);
        ops[i] = (proto_bytes){enc[i], (uint32_t)len};
    }
    proto_msg m[8];
    memset(m, 0, sizeof m);
    m[0].type = PROTO_MSG_HELLO;
    m[0].u.hello.version = 1;
    m[0].u.hello.device_id = 0x1234;
    m[0].u.hello.site = T("S1");
    m[0].u.hello.device = T("HH-01");
    m[0].u.hello.credential = T("rdc1-00112233445566778899aabbccddeeff");
    m[1].type = PROTO_MSG_WELCOME;
    m[1].u.welcome = (__typeof__(m[1].u.welcome)){
        1, 0, 1795860000000, 1 << 20, 8, 0, {NULL, 0}, {NULL, 0}};
    m[2].type = PROTO_MSG_PUSH;
    m[2].u.push.batch = 1;
    m[2].u.push.nops = 3;
    m[2].u.push.ops = ops;
    m[3].type = PROTO_MSG_PUSH_ACK;
    m[3].u.push_ack.batch = 1;
    m[3].u.push_ack.acked_seq = 3;
    m[4].type = PROTO_MSG_PULL;
    m[4].u.pull.cursor = 17;
    m[5].type = PROTO_MSG_OPS;
    m[5].u.ops.nops = 2;
    m[5].u.ops.ops = ops;
    m[5].u.ops.next_cursor = 19;
    m[5].u.ops.more = 1;
    m[6].type = PROTO_MSG_BYE;
    m[6].u.bye.ops_in = 3;
    m[6].u.bye.ops_out = 2;
    m[7].type = PROTO_MSG_ERROR;
    m[7].u.error.name = T("ECHAIN");
    m[7].u.error.message = T("op 5 does not link to op 4");
    static const char *const names[8] = {"hello", "welcome", "push", "push_ack",
                                         "pull",  "ops",     "bye",  "error"};
    for (int i = 0; i < 8; i++) {
        if (proto_msg_encode(&m[i], frame, sizeof frame, &n) != 0)
            return 1;
        put(argv[1], names[i], frame, n);
        memcpy(session + total, frame, n);
        total += n;
    }
    put(argv[1], "session", session, total);

    /* Version 4: its WELCOME and the attachment messages. */
    static uint8_t chunk[300];
    for (size_t i = 0; i < sizeof chunk; i++)
        chunk[i] = (uint8_t)(i * 13);
    proto_msg a[6];
    memset(a, 0, sizeof a);
    a[0].type = PROTO_MSG_WELCOME;
    a[0].u.welcome.version = 4;
    a[0].u.welcome.server_ms = 1795860000000;
    a[0].u.welcome.max_frame = 1 << 20;
    a[0].u.welcome.window = 8;
    a[0].u.welcome.incarnation = 5;
    a[0].u.welcome.att_max = 8u << 20;
    a[0].u.welcome.att_quota = 1u << 30;
    a[0].u.welcome.att_chunk = 262144;
    for (int i = 1; i < 6; i++)
        for (int k = 0; k < PROTO_HASH_LEN; k++)
            a[i].u.att.hash[k] = (uint8_t)(k * 3 + i);
    a[1].type = PROTO_MSG_ATT_OFFER;
    a[2].type = PROTO_MSG_ATT_STATE;
    a[2].u.att.state = PROTO_ATT_SEND;
    a[2].u.att.offset = 262144;
    a[3].type = PROTO_MSG_ATT_CHUNK;
    a[3].u.att.offset = 262144;
    a[3].u.att.total = 262144 + sizeof chunk;
    a[3].u.att.data = (proto_bytes){chunk, sizeof chunk};
    a[4].type = PROTO_MSG_ATT_DONE;
    a[4].u.att.error = T("EHASH");
    a[5].type = PROTO_MSG_ATT_WANT;
    a[5].u.att.offset = 0;
    static const char *const anames[6] = {"welcome4",  "att_offer", "att_state",
                                          "att_chunk", "att_done",  "att_want"};
    for (int i = 0; i < 6; i++) {
        if (proto_msg_encode(&a[i], frame, sizeof frame, &n) != 0)
            return 1;
        put(argv[1], anames[i], frame, n);
    }

    /* Version 5: REDIRECT. */
    proto_msg r;
    memset(&r, 0, sizeof r);
    r.type = PROTO_MSG_REDIRECT;
    r.u.redirect.node = T("node-b");
    r.u.redirect.addr = T("[::1]:7443");
    r.u.redirect.cert = T("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n"
                          "-----END CERTIFICATE-----\n");
    r.u.redirect.epoch = 2;
    if (proto_msg_encode(&r, frame, sizeof frame, &n) != 0)
        return 1;
    put(argv[1], "redirect", frame, n);
    return 0;
}
