/* tags_sheet.h: sheets of checkpoint QR codes to print and stick up
 * (`roundsd tags print`): A4 pages of 3 x 4 labels, each a QR code of the
 * checkpoint's signed payload (proto/tagsig.h; libqrencode makes the
 * matrix, error correction M) above its tag, name and place. SVG is written
 * as text, the pages one under the other in one drawing; PDF through
 * cairo's PDF surface, one page per 12 labels.
 */
#ifndef RND_SRV_TAGS_SHEET_H
#define RND_SRV_TAGS_SHEET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../proto/tagsig.h"
#include "../storage/store.h"

#define SRV_SHEET_PER_PAGE 12

/* One label: every string NUL-terminated, owned by the caller. */
typedef struct srv_tag_label {
    const char *tag, *name, *place, *payload;
} srv_tag_label;

/* The pages n labels need. */
int srv_sheet_pages(size_t n);

/* Writes the sheet of labels[0..n) to out (footer: site and key id).
 * RND_EINVAL when a payload cannot be a QR code, RND_ENOMEM, RND_EIO
 * when writing fails. */
int srv_sheet_svg(FILE *out, const char *site, const char *key_hex,
                  const srv_tag_label *labels, size_t n);
int srv_sheet_pdf(FILE *out, const char *site, const char *key_hex,
                  const srv_tag_label *labels, size_t n);

/* One checkpoint of a sheet (or of `roundsd tags payload`). */
typedef struct srv_tag_cp {
    char tag[PROTO_FIELD_STR_MAX + 1];
    char name[128], place[128];
    char payload[PROTO_TAG_PAYLOAD_MAX + 1];
} srv_tag_cp;

#define SRV_TAG_CPS_MAX 4096

/* Where srv_tag_cps failed (for the caller's own message). */
enum srv_tag_cps_stage {
    SRV_TAG_CPS_READ = 1, /* reading the store: rc is its error */
    SRV_TAG_CPS_NONE,     /* RND_ENOTFOUND: the site has no checkpoints */
    SRV_TAG_CPS_UNKNOWN,  /* RND_ENOTFOUND: a tag of only is not one */
    SRV_TAG_CPS_SIGN,     /* the payload of a tag cannot be made */
};

/* The site's active checkpoints on st, sorted by tag (only those in the
 * comma-separated list only, every one of which must be a checkpoint,
 * when only is not NULL), each with its payload signed by priv (the
 * site's current tag key, tags.h). *out is malloc'd (the caller frees
 * it), *n its count. On failure *stage says where, and for the two tag
 * stages *bad / *bad_len name the tag (not NUL-terminated): RND_EFIELD
 * from SRV_TAG_CPS_SIGN when the tag cannot go into a payload. */
int srv_tag_cps(store *st, const char *site, const uint8_t *priv,
                const char *only, srv_tag_cp **out, size_t *n, int *stage,
                const char **bad, size_t *bad_len);

#endif
