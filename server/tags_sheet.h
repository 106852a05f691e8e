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
#include <stdio.h>

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

#endif
