/* attach.c: an attach op's fields, read and written (attach.h). The one
 * place that knows them: the strict op decoder, the store's index and the
 * handheld all come here. */
#include <string.h>

#include "attach.h"
#include "errors.h"

static const char *const role_names[] = {
    [PROTO_ATT_PHOTO] = "photo",
    [PROTO_ATT_SIGNATURE] = "signature",
    [PROTO_ATT_DOCUMENT] = "document",
    [PROTO_ATT_THUMB] = "thumb",
};
#define NROLES (sizeof role_names / sizeof *role_names)

const char *proto_att_role_name(int role)
{
    return role > 0 && (size_t)role < NROLES ? role_names[role] : NULL;
}

int proto_att_role_from_name(const char *name, size_t len)
{
    for (size_t i = 1; i < NROLES; i++)
        if (strlen(role_names[i]) == len &&
            memcmp(role_names[i], name, len) == 0)
            return (int)i;
    return 0;
}

void proto_hash_hex(const uint8_t hash[PROTO_HASH_LEN],
                    char out[PROTO_ATTACH_HEX + 1])
{
    proto_hex(hash, PROTO_HASH_LEN, out);
}

int proto_hash_unhex(const char *hex, size_t len, uint8_t hash[PROTO_HASH_LEN])
{
    char low[PROTO_ATTACH_HEX];
    if (hex == NULL || len != PROTO_ATTACH_HEX)
        return RND_EINVAL;
    for (size_t i = 0; i < len; i++)
        low[i] = hex[i] >= 'A' && hex[i] <= 'F' ? (char)(hex[i] + 32) : hex[i];
    /* hash is left as it was when hex is refused. */
    uint8_t out[PROTO_HASH_LEN];
    if (proto_unhex(low, PROTO_HASH_LEN, out) != 0)
        return RND_EINVAL;
    memcpy(hash, out, PROTO_HASH_LEN);
    return 0;
}

/* A hash as an op holds it: exactly 64 lower-case hex digits (one
 * spelling per hash, as the op's encoding is canonical). */
static int op_hash(const proto_field *f, uint8_t hash[PROTO_HASH_LEN])
{
    if (f->type != PROTO_STR || f->str_len != PROTO_ATTACH_HEX)
        return RND_EFIELD;
    return proto_unhex(f->str, PROTO_HASH_LEN, hash) ? RND_EFIELD : 0;
}

static int name_is(const proto_field *f, const char *name)
{
    return f->name_len == strlen(name) &&
           memcmp(f->name, name, f->name_len) == 0;
}

int proto_attach_read(const proto_op *op, proto_attach *out)
{
    if (op == NULL || out == NULL || op->action != PROTO_ACTION_ATTACH)
        return RND_EINVAL;
    memset(out, 0, sizeof *out);
    int have_hash = 0, have_size = 0;
    for (uint32_t i = 0; i < op->nfields; i++) {
        const proto_field *f = &op->fields[i];
        if (f->name_len > 0 && f->name[0] == '_')
            continue; /* metadata: _seen, _clk */
        if (name_is(f, "att_by")) {
            if (f->type != PROTO_STR || f->str_len == 0)
                return RND_EFIELD;
            out->by = f->str;
            out->by_len = f->str_len;
        } else if (name_is(f, "att_hash")) {
            if (op_hash(f, out->hash))
                return RND_EFIELD;
            have_hash = 1;
        } else if (name_is(f, "att_of")) {
            if (op_hash(f, out->of))
                return RND_EFIELD;
            out->has_of = 1;
        } else if (name_is(f, "att_role")) {
            if (f->type != PROTO_STR)
                return RND_EFIELD;
            out->role =
                (proto_att_role)proto_att_role_from_name(f->str, f->str_len);
            if (out->role == 0)
                return RND_EFIELD;
        } else if (name_is(f, "att_size")) {
            if (f->type != PROTO_INT || f->i < 1 ||
                f->i > PROTO_ATTACH_SIZE_MAX)
                return RND_EFIELD;
            out->size = (uint64_t)f->i;
            have_size = 1;
        } else if (name_is(f, "att_type")) {
            char t[32];
            if (f->type != PROTO_STR || f->str_len >= sizeof t)
                return RND_EFIELD;
            memcpy(t, f->str, f->str_len);
            t[f->str_len] = '\0';
            out->media = proto_media_from_type(t);
            if (out->media == PROTO_MEDIA_NONE)
                return RND_EFIELD;
        } else {
            return RND_EFIELD; /* no other field on an attach op */
        }
    }
    if (!have_hash || !have_size || out->by == NULL || out->role == 0 ||
        out->media == PROTO_MEDIA_NONE)
        return RND_EFIELD;
    /* A thumbnail says what of; nothing else is a thumbnail of anything. */
    if ((out->role == PROTO_ATT_THUMB) != (out->has_of != 0))
        return RND_EFIELD;
    return 0;
}

int proto_attach_fields(const proto_attach *a, proto_op *op,
                        char hexbuf[2][PROTO_ATTACH_HEX + 1])
{
    const char *role = proto_att_role_name((int)a->role);
    const char *type = proto_media_type(a->media);
    if (role == NULL || type == NULL || a->size < 1 ||
        a->size > (uint64_t)PROTO_ATTACH_SIZE_MAX || a->by == NULL ||
        a->by_len == 0 || (a->role == PROTO_ATT_THUMB) != (a->has_of != 0))
        return RND_EFIELD;
    proto_hash_hex(a->hash, hexbuf[0]);
    int rc;
    if ((rc = proto_op_add_str(op, "att_by", a->by, a->by_len)) ||
        (rc = proto_op_add_str(op, "att_hash", hexbuf[0], PROTO_ATTACH_HEX)) ||
        (rc = proto_op_add_str(op, "att_role", role, strlen(role))) ||
        (rc = proto_op_add_int(op, "att_size", (int64_t)a->size)) ||
        (rc = proto_op_add_str(op, "att_type", type, strlen(type))))
        return rc;
    if (a->has_of) {
        proto_hash_hex(a->of, hexbuf[1]);
        rc = proto_op_add_str(op, "att_of", hexbuf[1], PROTO_ATTACH_HEX);
    }
    return rc;
}
