/* oldack.c: writes a handover acknowledgement as a handheld from before the
 * recipient check could (by anyone), straight through the storage layer,
 * for test_e2e_signatures.sh: the office's report must not trust it.
 *   oldack STORE_DIR WALL_MS HANDOVER_ID BY */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/proto.h"
#include "../../storage/fold.h"
#include "../../storage/store.h"

typedef struct ctx {
    proto_op op;
    fold_state st;
    char seen[FOLD_SEEN_MAX];
    int64_t wall;
} ctx;

static int write_fn(store_txn *t, void *arg)
{
    ctx *c = arg;
    const uint8_t *state;
    size_t len, n;
    int kind, rc;
    if ((rc = store_entity_get(t, c->op.entity, &kind, &state, &len)) != 0 ||
        (rc = fold_state_parse(state, len, &c->st)) != 0 ||
        (rc = fold_seen_encode(&c->st, c->seen, sizeof c->seen, &n)) != 0 ||
        (rc = proto_op_add_str(&c->op, FOLD_SEEN_FIELD, c->seen, n)) != 0)
        return rc;
    return store_append_local(t, &c->op, c->wall, NULL);
}

int main(int argc, char **argv)
{
    static ctx c;
    store *s;
    if (argc != 5) {
        fprintf(stderr, "usage: oldack STORE_DIR WALL_MS HANDOVER_ID BY\n");
        return 2;
    }
    c.wall = atoll(argv[2]);
    proto_op_init(&c.op);
    c.op.kind = PROTO_KIND_HANDOVER;
    c.op.action = PROTO_ACTION_ACK;
    if (proto_entity_parse(argv[3], c.op.entity) != 0 ||
        proto_op_add_str(&c.op, "ack_by", argv[4], strlen(argv[4])) != 0) {
        fprintf(stderr, "oldack: bad id\n");
        return 2;
    }
    int rc = store_open(argv[1], 0, &s);
    if (rc == 0) {
        rc = store_write(s, write_fn, &c);
        store_close(s);
    }
    if (rc) {
        fprintf(stderr, "oldack: %s\n", rnd_strerror(rc));
        return 1;
    }
    return 0;
}
