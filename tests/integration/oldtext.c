/* oldtext.c: writes a record as a store written before text was checked
 * could hold it (bytes that are not UTF-8, control characters), straight
 * through the storage layer, for test_e2e_text.sh: every JSON printed
 * from such a store must still be valid.
 *   oldtext STORE_DIR WALL_MS KIND NAME=VALUE...
 * KIND is an op kind's name (dutylog, handover, ...); the record is a
 * create by the store's own writer at WALL_MS. Prints its 32-hex id.
 * NAME:=VALUE writes a typed value: true or false a bool, digits an int
 * (test_e2e_patrol.sh: a scan's verified and unknown_tag). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/proto.h"
#include "../../storage/store.h"

typedef struct ctx {
    proto_op op;
    int64_t wall;
} ctx;

static int write_fn(store_txn *t, void *arg)
{
    ctx *c = arg;
    return store_append_local(t, &c->op, c->wall, NULL);
}

int main(int argc, char **argv)
{
    static ctx c;
    store *s;
    if (argc < 5) {
        fprintf(stderr,
                "usage: oldtext STORE_DIR WALL_MS KIND NAME=VALUE...\n");
        return 2;
    }
    c.wall = atoll(argv[2]);
    proto_op_init(&c.op);
    c.op.kind = (uint8_t)proto_kind_from_name(argv[3]);
    c.op.action = PROTO_ACTION_CREATE;
    if (c.op.kind == 0 || proto_entity_new(c.op.entity, c.wall) != 0) {
        fprintf(stderr, "oldtext: bad kind or time\n");
        return 2;
    }
    for (int i = 4; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (eq == NULL)
            return 2;
        *eq = '\0';
        size_t nl = strlen(argv[i]);
        int rc2;
        if (nl > 1 && argv[i][nl - 1] == ':') {
            argv[i][nl - 1] = '\0';
            const char *v = eq + 1;
            if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
                rc2 = proto_op_add_bool(&c.op, argv[i], v[0] == 't');
            else
                rc2 = proto_op_add_int(&c.op, argv[i], atoll(v));
        } else {
            rc2 = proto_op_add_str(&c.op, argv[i], eq + 1, strlen(eq + 1));
        }
        if (rc2 != 0)
            return 2;
    }
    int rc = store_open(argv[1], 0, &s);
    if (rc == 0) {
        rc = store_write(s, write_fn, &c);
        store_close(s);
    }
    if (rc) {
        fprintf(stderr, "oldtext: %s\n", rnd_strerror(rc));
        return 1;
    }
    char hex[33];
    proto_entity_hex(c.op.entity, hex);
    printf("%s\n", hex);
    return 0;
}
