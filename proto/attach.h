/* attach.h: the attach op, which puts an attachment on a record.
 *
 * An attachment (a photo, a drawn signature, a PDF) is named by the
 * SHA-256 of its bytes; its bytes travel and are kept apart from ops
 * (storage/blob.h, docs/PROTOCOL.md), and the op that refers to it is what
 * the chain covers: its hash, size and media type are in the op, so the
 * bytes a replica holds under that hash are the ones the writer meant.
 *
 * An attach op (PROTO_ACTION_ATTACH, on any record kind: scan .. task)
 * carries exactly these fields, besides the metadata ones starting with
 * '_' (docs/DATA-MODEL.md, "Attachments"):
 *   att_by    str   who attached it (a staff name, as `by` elsewhere)
 *   att_hash  str   the SHA-256 of the bytes, 64 lower-case hex digits
 *   att_of    str   optional: the attachment this one is a thumbnail of
 *                   (its att_hash); only with role thumb, which needs it
 *   att_role  str   photo | signature | document | thumb
 *   att_size  int   the size in bytes, 1 .. PROTO_ATTACH_SIZE_MAX
 *   att_type  str   image/jpeg | image/png | image/webp | application/pdf
 * The fold keeps attach ops as events and never merges their fields (one
 * record holds many attachments; two guards attaching photos offline do
 * not conflict); the store indexes them by record and by hash instead.
 */
#ifndef RND_ATTACH_H
#define RND_ATTACH_H

#include <stdint.h>

#include "media.h"
#include "proto.h"

/* The format's bound on one attachment's size (a configured maximum,
 * 8 MiB by default, is the policy; this is what an op may say). */
#define PROTO_ATTACH_SIZE_MAX ((int64_t)1 << 30)
#define PROTO_ATTACH_HEX 64

typedef enum proto_att_role {
    PROTO_ATT_PHOTO = 1,
    PROTO_ATT_SIGNATURE = 2,
    PROTO_ATT_DOCUMENT = 3,
    PROTO_ATT_THUMB = 4,
} proto_att_role;

/* An attach op's content. by points into the op's fields (not
 * NUL-terminated, by_len bytes). */
typedef struct proto_attach {
    uint8_t hash[PROTO_HASH_LEN];
    uint64_t size;
    proto_media media;
    proto_att_role role;
    int has_of;
    uint8_t of[PROTO_HASH_LEN];
    const char *by;
    uint32_t by_len;
} proto_attach;

/* "photo", "signature", "document", "thumb"; NULL for anything else. */
const char *proto_att_role_name(int role);
/* The role named, or 0. */
int proto_att_role_from_name(const char *name, size_t len);

/* Reads an attach op's fields into *out: 0, or RND_EFIELD when a field is
 * missing, malformed or unknown (the op decoder's strict mode refuses such
 * an op with it), RND_EINVAL when op is not an attach op. */
int proto_attach_read(const proto_op *op, proto_attach *out);

/* Adds a's fields to op (an attach op being built). hexbuf is where the
 * hex of the hashes is written (2 x 65 bytes); it must outlive op, as the
 * op's values point into it. RND_EFIELD for a value out of range. */
int proto_attach_fields(const proto_attach *a, proto_op *op,
                        char hexbuf[2][PROTO_ATTACH_HEX + 1]);

/* 64 lower-case hex digits of hash, and a NUL. */
void proto_hash_hex(const uint8_t hash[PROTO_HASH_LEN],
                    char out[PROTO_ATTACH_HEX + 1]);
/* Exactly 64 hex digits (either case) into hash: 0, or RND_EINVAL with
 * hash untouched. */
int proto_hash_unhex(const char *hex, size_t len,
                     uint8_t hash[PROTO_HASH_LEN]);

#endif
