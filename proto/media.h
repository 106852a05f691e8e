/* media.h: what an attachment's bytes are, and its location taken out.
 *
 * An attachment (docs/DATA-MODEL.md, "Attachments") is a JPEG or PNG or
 * WebP photo, a PNG drawn signature, or a PDF. Its type is decided by its
 * bytes, never by a file name or what a client claims: the magic bytes and
 * enough of the structure to know the file is whole (a JPEG's markers up to
 * its image data and its EOI, a PNG's chunk lengths and CRCs up to IEND, a
 * WebP's RIFF size and chunk lengths, a PDF's header and its %%EOF).
 *
 * Photos carry their place in EXIF (GPS) and XMP: personal data of whoever
 * is in the photo and of the guard who took it. Attached photos lose it by
 * default; orientation and the rest of EXIF stay (a photo must not turn
 * sideways).
 *
 * Bytes in, bytes out: nothing here touches a file or a socket, nothing
 * allocates. Every function is safe on any input (fuzzed by
 * tests/fuzz/fuzz_media.c) and never reads outside it.
 */
#ifndef RND_MEDIA_H
#define RND_MEDIA_H

#include <stddef.h>
#include <stdint.h>

typedef enum proto_media {
    PROTO_MEDIA_NONE = 0,
    PROTO_MEDIA_JPEG = 1,
    PROTO_MEDIA_PNG = 2,
    PROTO_MEDIA_WEBP = 3,
    PROTO_MEDIA_PDF = 4,
} proto_media;

/* The media type of m ("image/jpeg", "image/png", "image/webp",
 * "application/pdf"); NULL for PROTO_MEDIA_NONE or an unknown value.
 * Static storage. */
const char *proto_media_type(proto_media m);

/* The media named by a media type as proto_media_type() writes it
 * (exactly, lower case); PROTO_MEDIA_NONE for anything else. */
proto_media proto_media_from_type(const char *type);

/* What buf[0..len) is: a proto_media (> 0) when its magic bytes and its
 * structure say it is one whole file of that type, or RND_EMEDIA (unknown
 * magic, cut short, a broken chunk or segment). Trailing bytes after a
 * JPEG's EOI or a PNG's IEND are refused too (RND_EMEDIA): an attachment
 * is one file. Likewise a WebP's RIFF size must be its length less 8 and
 * its chunks fill it exactly; a PDF may end in white space after its
 * %%EOF, nothing else. The image data itself is not decoded. */
int proto_media_sniff(const uint8_t *buf, size_t len);

/* Copies buf[0..len) to out without location: a JPEG's or WebP's or PNG's
 * EXIF keeps every tag but the GPS ones (the GPS IFD is removed and its
 * pointer with it), XMP packets are dropped (they repeat the GPS; in a
 * PNG, so are ImageMagick's "Raw profile type" EXIF and XMP text chunks),
 * and nothing else changes. An EXIF block whose GPS part cannot be
 * followed (IFD0 cut short, a pointer out of the block, overlapping IFDs)
 * goes whole: location must not survive a structure this code cannot
 * read. A PDF, or an image without location, is copied as it is. out may
 * not overlap buf; cap >= len is always enough (the output is never
 * longer than the input). *out_len gets the output's length, *removed
 * (may be NULL) 1 when something was taken out. Returns 0, RND_EMEDIA
 * when buf is not a whole file of a type above (as proto_media_sniff), or
 * RND_ENOSPACE when cap is too small. The output sniffs as the same type
 * as the input, and stripping it again changes nothing. */
int proto_media_strip_location(const uint8_t *buf, size_t len, uint8_t *out,
                               size_t cap, size_t *out_len, int *removed);

#endif
