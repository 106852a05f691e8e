/* keyfile.c: the office's key files and the ops that publish and retire
 * a key. See keyfile.h. */
#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../storage/fold.h"

int srv_keyfile_read(const char *path, const char *magic, srv_keyfile *k)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return errno == ENOENT ? RND_ENOTFOUND : RND_EIO;
    char line[160], privhex[80] = "";
    int rc = 0, have = 0;
    memset(k, 0, sizeof *k);
    if (fgets(line, sizeof line, f) == NULL ||
        strncmp(line, magic, strlen(magic)) != 0)
        rc = RND_ECORRUPT;
    while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
        long long v;
        if (sscanf(line, "created_ms %lld", &v) == 1)
            k->created_ms = v;
        else if (sscanf(line, "retired_ms %lld", &v) == 1)
            k->retired_ms = v;
        else if (sscanf(line, "priv %64s", privhex) == 1)
            have = 1;
    }
    fclose(f);
    if (rc == 0 && (!have || strlen(privhex) != 2 * SRV_KEYFILE_PRIV_LEN ||
                    proto_unhex(privhex, SRV_KEYFILE_PRIV_LEN, k->priv) != 0))
        rc = RND_ECORRUPT;
    memset(privhex, 0, sizeof privhex);
    memset(line, 0, sizeof line);
    return rc;
}

static void fsync_dir(const char *dir)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
}

int srv_keyfile_write(const char *data_dir, const char *dir, const char *site,
                      const char *name, const char *magic, const srv_keyfile *k)
{
    char folder[4096], path[4200], tmp[4300];
    char privhex[2 * SRV_KEYFILE_PRIV_LEN + 1], buf[256];
    int n = snprintf(folder, sizeof folder, "%s/%s", data_dir, dir);
    if (n <= 0 || (size_t)n >= sizeof folder)
        return RND_ETOOBIG;
    if (mkdir(folder, 0700) != 0 && errno != EEXIST)
        return RND_EIO;
    n = snprintf(folder, sizeof folder, "%s/%s/%s", data_dir, dir, site);
    if (n <= 0 || (size_t)n >= sizeof folder)
        return RND_ETOOBIG;
    if (mkdir(folder, 0700) != 0 && errno != EEXIST)
        return RND_EIO;
    n = snprintf(path, sizeof path, "%s/%s.key", folder, name);
    if (n <= 0 || (size_t)n >= sizeof path)
        return RND_ETOOBIG;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return RND_EIO;
    proto_hex(k->priv, SRV_KEYFILE_PRIV_LEN, privhex);
    n = snprintf(buf, sizeof buf,
                 "%s\ncreated_ms %" PRId64 "\nretired_ms %" PRId64
                 "\npriv %s\n",
                 magic, k->created_ms, k->retired_ms, privhex);
    memset(privhex, 0, sizeof privhex);
    int ok = n > 0 && (size_t)n < sizeof buf &&
             write(fd, buf, (size_t)n) == (ssize_t)n && fsync(fd) == 0;
    memset(buf, 0, sizeof buf);
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return RND_EIO;
    }
    fsync_dir(folder);
    return 0;
}

int srv_keyrec_publish(store_txn *t, int kind,
                       const uint8_t entity[PROTO_ENTITY_LEN],
                       const char *key_id, size_t id_len, const char *pub,
                       int64_t created_ms, int64_t now)
{
    static _Thread_local proto_op op;
    int rc;
    proto_op_init(&op);
    op.kind = (uint8_t)kind;
    op.action = PROTO_ACTION_CREATE;
    memcpy(op.entity, entity, PROTO_ENTITY_LEN);
    if ((rc = proto_op_add_str(&op, "key_id", key_id, id_len)) ||
        (rc = proto_op_add_str(&op, "pub", pub, strlen(pub))) ||
        (rc = proto_op_add_int(&op, "created", created_ms)) ||
        (rc = proto_op_add_str(&op, "by", "office", 6)))
        return rc;
    return store_append_local(t, &op, now, NULL);
}

int srv_keyrec_retire(store_txn *t, int kind,
                      const uint8_t entity[PROTO_ENTITY_LEN],
                      const char *reason, int64_t now)
{
    static _Thread_local proto_op op;
    static _Thread_local fold_state st;
    char seen[FOLD_SEEN_MAX];
    const uint8_t *state;
    size_t len, slen;
    int k, rc;
    if ((rc = store_entity_get(t, entity, &k, &state, &len)) ||
        (rc = fold_state_parse(state, len, &st)) ||
        (rc = fold_seen_encode(&st, seen, sizeof seen, &slen)))
        return rc;
    proto_op_init(&op);
    op.kind = (uint8_t)kind;
    op.action = PROTO_ACTION_RETIRE;
    memcpy(op.entity, entity, PROTO_ENTITY_LEN);
    if ((rc = proto_op_add_str(&op, "retire_by", "office", 6)) ||
        (rc = proto_op_add_str(&op, "retire_reason", reason, strlen(reason))) ||
        (rc = proto_op_add_str(&op, FOLD_SEEN_FIELD, seen, slen)))
        return rc;
    return store_append_local(t, &op, now, NULL);
}
