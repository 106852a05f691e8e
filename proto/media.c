/* media.c: what an attachment's bytes are, and its location taken out
 * (media.h). Owns the structural checks of JPEG, PNG, WebP and PDF files
 * and the one routine that takes the GPS IFD out of an EXIF (TIFF) block,
 * shared by the three image types.
 *
 * Every walk advances through its input on each step, so each loop is
 * bounded by the input's length; every read is checked against what is
 * left before it is made. Nothing allocates.
 */
#include <string.h>

#include "errors.h"
#include "media.h"

/* ------------------------------------------------------------------ */
/* Small readers and the output sink                                   */

static uint32_t be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 |
           p[0];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Where a walk writes: nothing (out == NULL: sniffing only) or a bounded
 * buffer. Stripping walks the input a second time, after sniffing it
 * whole, so a walk in writing mode meets only well-formed structure. */
typedef struct sink {
    uint8_t *out;
    size_t cap, len;
    int removed;
} sink;

static int emit(sink *s, const uint8_t *p, size_t n)
{
    if (s == NULL || s->out == NULL)
        return 0;
    if (n > s->cap - s->len)
        return RND_ENOSPACE;
    memcpy(s->out + s->len, p, n);
    s->len += n;
    return 0;
}

static int starts(const uint8_t *p, size_t n, const char *lit, size_t litn)
{
    return n >= litn && memcmp(p, lit, litn) == 0;
}

/* ------------------------------------------------------------------ */
/* EXIF: the TIFF structure inside a JPEG APP1, a PNG eXIf or a WebP EXIF */

typedef struct tiff {
    uint8_t *p;
    size_t n;
    int le;
} tiff;

static uint32_t t16(const tiff *t, size_t at)
{
    const uint8_t *q = t->p + at;
    return t->le ? (uint32_t)q[1] << 8 | q[0] : be16(q);
}

static uint32_t t32(const tiff *t, size_t at)
{
    return t->le ? le32(t->p + at) : be32(t->p + at);
}

static void t16_put(const tiff *t, size_t at, uint32_t v)
{
    uint8_t *q = t->p + at;
    q[t->le ? 0 : 1] = (uint8_t)v;
    q[t->le ? 1 : 0] = (uint8_t)(v >> 8);
}

/* Bytes per value of a TIFF field type; 0 for an unknown type (its
 * values cannot be found, so a GPS IFD holding one cannot be cleared). */
static uint32_t type_size(uint32_t type)
{
    static const uint8_t sz[14] = {0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4};
    return type < 14 ? sz[type] : 0;
}

/* An IFD at off with its count of entries and its next-IFD offset fits in
 * the block: *end gets the offset just past it. */
static int ifd_fits(const tiff *t, uint32_t off, size_t *end)
{
    if (off < 8 || off > t->n || t->n - off < 2)
        return 0;
    size_t c = t16(t, off);
    if ((t->n - off - 2) / 12 < c || t->n - off - 2 - 12 * c < 4)
        return 0;
    *end = off + 2 + 12 * c + 4;
    return 1;
}

static int overlap(size_t a, size_t a_end, size_t b, size_t b_end)
{
    return a < b_end && b < a_end;
}

#define GPS_INFO 0x8825u

/* Takes the GPS IFD out of the TIFF block p[0..n), in place and without
 * changing its length: IFD0's GPSInfo entry is removed (the entries after
 * it and the next-IFD offset move up 12 bytes, the 12 freed bytes are
 * zeroed) and the GPS IFD and every value it points to are zeroed.
 * Returns 0 when there is no GPSInfo in IFD0 (nothing changed), 1 when it
 * was taken out, -1 when the block cannot be read or its GPS part is not
 * laid out as TIFF says (IFD0 cut short, two GPSInfo entries, a pointer
 * out of the block, a value of unknown type, values overlapping an IFD):
 * the caller then drops the whole block, since location must not survive
 * a structure this routine cannot follow. Nothing is written before
 * everything has been checked, and the regions zeroed are disjoint from
 * IFD0 and the header, so the result has no GPSInfo and reads back as 0
 * (stripping is a fixed point). Work is linear in n: IFD0 and the GPS IFD
 * are walked once each, and the values zeroed add up to at most n. */
static int tiff_strip(uint8_t *p, size_t n)
{
    tiff t = {p, n, 0};
    if (n < 8)
        return -1;
    if (p[0] == 'I' && p[1] == 'I')
        t.le = 1;
    else if (!(p[0] == 'M' && p[1] == 'M'))
        return -1;
    if (t16(&t, 2) != 42)
        return -1;
    uint32_t ifd0 = t32(&t, 4);
    size_t ifd0_end;
    if (!ifd_fits(&t, ifd0, &ifd0_end))
        return -1;
    size_t count = t16(&t, ifd0), gps_at = 0;
    int found = 0;
    for (size_t k = 0; k < count; k++) {
        size_t e = ifd0 + 2 + 12 * k;
        if (t16(&t, e) != GPS_INFO)
            continue;
        if (found++)
            return -1;
        gps_at = e;
    }
    if (!found)
        return 0;
    uint32_t type = t16(&t, gps_at + 2);
    if ((type != 4 && type != 13) || t32(&t, gps_at + 4) != 1)
        return -1;
    uint32_t gps = t32(&t, gps_at + 8);
    size_t gps_end;
    if (!ifd_fits(&t, gps, &gps_end) || overlap(gps, gps_end, ifd0, ifd0_end))
        return -1;
    /* Check every value of the GPS IFD before writing anything. */
    size_t gcount = t16(&t, gps), total = 0;
    for (size_t k = 0; k < gcount; k++) {
        size_t e = gps + 2 + 12 * k;
        uint32_t ts = type_size(t16(&t, e + 2));
        uint64_t size = (uint64_t)ts * t32(&t, e + 4);
        if (ts == 0)
            return -1;
        if (size <= 4)
            continue;
        uint32_t v = t32(&t, e + 8);
        if (v < 8 || v > n || size > n - v || size > n - total)
            return -1;
        total += (size_t)size;
        if (overlap(v, v + (size_t)size, ifd0, ifd0_end) ||
            overlap(v, v + (size_t)size, gps, gps_end))
            return -1;
    }
    for (size_t k = 0; k < gcount; k++) {
        size_t e = gps + 2 + 12 * k;
        uint64_t size = (uint64_t)type_size(t16(&t, e + 2)) * t32(&t, e + 4);
        if (size > 4)
            memset(p + t32(&t, e + 8), 0, (size_t)size);
    }
    memset(p + gps, 0, gps_end - gps);
    /* IFD0 without the entry: the rest and the next-IFD offset move up. */
    memmove(p + gps_at, p + gps_at + 12, ifd0_end - gps_at - 12);
    memset(p + ifd0_end - 12, 0, 12);
    t16_put(&t, ifd0, (uint32_t)count - 1);
    return 1;
}

/* An EXIF block in a PNG eXIf or WebP EXIF chunk: the TIFF header, or
 * (as some writers do) "Exif\0\0" and the TIFF header. */
static int exif_chunk_strip(uint8_t *p, size_t n)
{
    if (starts(p, n, "Exif\0\0", 6))
        return tiff_strip(p + 6, n - 6);
    return tiff_strip(p, n);
}

/* ------------------------------------------------------------------ */
/* JPEG                                                                 */

#define XMP_NS "http://ns.adobe.com/xap/1.0/"
#define XMP_EXT_NS "http://ns.adobe.com/xmp/extension/"

/* A start-of-frame marker: SOF0..SOF15 but DHT (C4), JPG (C8), DAC (CC). */
static int jpeg_sof(uint8_t m)
{
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

/* An APP1 segment's fate while stripping: its bytes seg[0..n) are the
 * whole segment (marker, length, payload), pay the payload's offset. */
static int jpeg_app1(sink *s, const uint8_t *seg, size_t n, size_t pay)
{
    const uint8_t *p = seg + pay;
    size_t pn = n - pay;
    if (starts(p, pn, XMP_NS, sizeof XMP_NS) ||
        starts(p, pn, XMP_EXT_NS, sizeof XMP_EXT_NS)) {
        s->removed = 1;
        return 0;
    }
    size_t at = s->len;
    int rc = emit(s, seg, n);
    if (rc != 0 || !starts(p, pn, "Exif\0\0", 6))
        return rc;
    int r = tiff_strip(s->out + at + pay + 6, pn - 6);
    if (r != 0)
        s->removed = 1;
    if (r < 0)
        s->len = at;
    return 0;
}

/* The JPEG walk: SOI, marker segments with their lengths, after each SOS
 * the entropy-coded data (FF00 stuffing and RSTn pass, any other marker
 * ends it), until EOI, which must be the last two bytes. A frame header
 * (SOFn) must come before the first scan. With a sink, the bytes are
 * copied as they are but for APP1 segments (jpeg_app1). */
static int jpeg_walk(const uint8_t *b, size_t n, sink *s)
{
    if (n < 4 || b[0] != 0xFF || b[1] != 0xD8)
        return RND_EMEDIA;
    int rc = emit(s, b, 2), sof = 0, sos = 0;
    size_t i = 2;
    while (rc == 0) {
        size_t m0 = i;
        if (i >= n || b[i] != 0xFF)
            return RND_EMEDIA;
        while (i < n && b[i] == 0xFF) /* fill bytes */
            i++;
        if (i >= n)
            return RND_EMEDIA;
        uint8_t m = b[i++];
        if (m == 0xD9) {
            if (!sos || i != n)
                return RND_EMEDIA;
            return emit(s, b + m0, i - m0);
        }
        if (m == 0x00 || m == 0xD8 || (m >= 0xD0 && m <= 0xD7))
            return RND_EMEDIA;
        if (m == 0x01) { /* TEM: no length */
            rc = emit(s, b + m0, i - m0);
            continue;
        }
        if (n - i < 2)
            return RND_EMEDIA;
        size_t seglen = be16(b + i);
        if (seglen < 2 || seglen > n - i)
            return RND_EMEDIA;
        size_t end = i + seglen;
        if (jpeg_sof(m))
            sof = 1;
        if (m == 0xE1 && s != NULL && s->out != NULL)
            rc = jpeg_app1(s, b + m0, end - m0, i + 2 - m0);
        else
            rc = emit(s, b + m0, end - m0);
        i = end;
        if (m != 0xDA || rc != 0)
            continue;
        if (!sof)
            return RND_EMEDIA;
        sos = 1;
        size_t start = i;
        for (;;) {
            const uint8_t *ff = i < n ? memchr(b + i, 0xFF, n - i) : NULL;
            if (ff == NULL || ff + 1 >= b + n)
                return RND_EMEDIA;
            i = (size_t)(ff - b);
            uint8_t c = b[i + 1];
            if (c == 0x00 || (c >= 0xD0 && c <= 0xD7))
                i += 2;
            else if (c == 0xFF)
                i++;
            else
                break;
        }
        rc = emit(s, b + start, i - start);
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* PNG                                                                  */

static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

/* CRC-32 (ISO-HDLC, as PNG uses it), four bits at a time. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    static const uint32_t tab[16] = {
        0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
        0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
        0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c};
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ tab[crc & 15];
        crc = (crc >> 4) ^ tab[crc & 15];
    }
    return ~crc;
}

static int png_letter(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* A text chunk (tEXt, zTXt, iTXt) whose keyword names a metadata packet
 * that carries location: XMP, and the hex EXIF/XMP profiles ImageMagick
 * writes. */
static int png_location_text(const uint8_t *type, const uint8_t *d, size_t n)
{
    static const char *const keys[] = {
        "XML:com.adobe.xmp", "Raw profile type exif", "Raw profile type APP1",
        "Raw profile type xmp"};
    if (memcmp(type, "tEXt", 4) != 0 && memcmp(type, "zTXt", 4) != 0 &&
        memcmp(type, "iTXt", 4) != 0)
        return 0;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (starts(d, n, keys[k], strlen(keys[k]) + 1))
            return 1;
    return 0;
}

/* One PNG chunk while stripping: c[0..n) is the whole chunk (length,
 * type, data, CRC). */
static int png_chunk(sink *s, const uint8_t *c, size_t n)
{
    if (png_location_text(c + 4, c + 8, n - 12)) {
        s->removed = 1;
        return 0;
    }
    size_t at = s->len;
    int rc = emit(s, c, n);
    if (rc != 0 || memcmp(c + 4, "eXIf", 4) != 0)
        return rc;
    uint8_t *o = s->out + at;
    int r = exif_chunk_strip(o + 8, n - 12);
    if (r < 0)
        s->len = at;
    if (r > 0)
        put_be32(o + n - 4, crc32_update(0, o + 4, n - 8));
    if (r != 0)
        s->removed = 1;
    return 0;
}

/* The PNG walk: the signature, then chunks (length < 2^31, a type of four
 * letters, data, CRC-32 of type and data) from IHDR (first, 13 bytes) to
 * IEND (empty), which must end the input. */
static int png_walk(const uint8_t *b, size_t n, sink *s)
{
    if (n < 8 || memcmp(b, png_sig, 8) != 0)
        return RND_EMEDIA;
    int rc = emit(s, b, 8);
    size_t i = 8;
    for (int first = 1; rc == 0; first = 0) {
        if (n - i < 12)
            return RND_EMEDIA;
        uint32_t dlen = be32(b + i);
        const uint8_t *type = b + i + 4;
        if (dlen > 0x7FFFFFFFu || dlen > n - i - 12)
            return RND_EMEDIA;
        for (int k = 0; k < 4; k++)
            if (!png_letter(type[k]))
                return RND_EMEDIA;
        if (crc32_update(0, type, 4 + (size_t)dlen) != be32(type + 4 + dlen))
            return RND_EMEDIA;
        int ihdr = memcmp(type, "IHDR", 4) == 0;
        int iend = memcmp(type, "IEND", 4) == 0;
        if (ihdr != first || (ihdr && dlen != 13) || (iend && dlen != 0))
            return RND_EMEDIA;
        size_t end = i + 12 + dlen;
        if (s != NULL && s->out != NULL)
            rc = png_chunk(s, b + i, end - i);
        i = end;
        if (iend)
            return i == n ? rc : RND_EMEDIA;
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* WebP                                                                 */

#define VP8X_EXIF 0x08u
#define VP8X_XMP 0x04u

/* The WebP walk: "RIFF", its size (the input's length less 8), "WEBP",
 * then chunks (a FourCC, a length, the data and a pad byte when the
 * length is odd) that fill the rest exactly; the first is VP8, VP8L or
 * VP8X (at least its 10 bytes). While stripping, "XMP " chunks are
 * dropped and EXIF chunks lose their GPS IFD; the RIFF size and the VP8X
 * flags of what was dropped are fixed at the end. */
static int webp_walk(const uint8_t *b, size_t n, sink *s)
{
    if (n < 20 || memcmp(b, "RIFF", 4) != 0 || memcmp(b + 8, "WEBP", 4) != 0)
        return RND_EMEDIA;
    if (n - 8 > 0xFFFFFFFFu || le32(b + 4) != n - 8)
        return RND_EMEDIA;
    int writing = s != NULL && s->out != NULL;
    int rc = emit(s, b, 12), dropped_xmp = 0, dropped_exif = 0, kept_exif = 0;
    size_t i = 12, vp8x = 0;
    for (int first = 1; i < n && rc == 0; first = 0) {
        if (n - i < 8)
            return RND_EMEDIA;
        const uint8_t *c = b + i;
        uint64_t dlen = le32(c + 4), padded = dlen + (dlen & 1);
        if (padded > n - i - 8)
            return RND_EMEDIA;
        if (first) {
            if (memcmp(c, "VP8X", 4) == 0) {
                if (dlen < 10)
                    return RND_EMEDIA;
                vp8x = 1;
            } else if (memcmp(c, "VP8 ", 4) != 0 && memcmp(c, "VP8L", 4) != 0) {
                return RND_EMEDIA;
            }
        }
        i += 8 + (size_t)padded;
        if (!writing)
            continue;
        if (memcmp(c, "XMP ", 4) == 0) {
            dropped_xmp = 1;
            continue;
        }
        size_t at = s->len;
        rc = emit(s, c, 8 + (size_t)padded);
        if (rc != 0 || memcmp(c, "EXIF", 4) != 0)
            continue;
        int r = exif_chunk_strip(s->out + at + 8, (size_t)dlen);
        if (r != 0)
            s->removed = 1;
        if (r < 0) {
            s->len = at;
            dropped_exif = 1;
        } else {
            kept_exif = 1;
        }
    }
    if (rc != 0 || !writing)
        return rc;
    if (dropped_xmp)
        s->removed = 1;
    put_le32(s->out + 4, (uint32_t)(s->len - 8));
    /* The VP8X chunk is the first, right after the 12-byte header. */
    if (vp8x && dropped_xmp)
        s->out[20] &= (uint8_t)~VP8X_XMP;
    if (vp8x && dropped_exif && !kept_exif)
        s->out[20] &= (uint8_t)~VP8X_EXIF;
    return 0;
}

/* ------------------------------------------------------------------ */
/* PDF                                                                  */

static int pdf_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
           c == '\0';
}

/* A PDF: "%PDF-1." or "%PDF-2." and a digit, and "%%EOF" at the end, then
 * only white space (PDF's six characters). The objects are not parsed:
 * the file is stored and served as it came. */
static int pdf_check(const uint8_t *b, size_t n)
{
    if (n < 8 ||
        (memcmp(b, "%PDF-1.", 7) != 0 && memcmp(b, "%PDF-2.", 7) != 0) ||
        b[7] < '0' || b[7] > '9')
        return RND_EMEDIA;
    size_t e = n;
    while (e > 8 && pdf_space(b[e - 1]))
        e--;
    if (e < 8 + 5 || memcmp(b + e - 5, "%%EOF", 5) != 0)
        return RND_EMEDIA;
    return 0;
}

/* ------------------------------------------------------------------ */
/* The interface                                                        */

static const char *const media_types[] = {NULL, "image/jpeg", "image/png",
                                          "image/webp", "application/pdf"};

const char *proto_media_type(proto_media m)
{
    if (m <= PROTO_MEDIA_NONE || m > PROTO_MEDIA_PDF)
        return NULL;
    return media_types[m];
}

proto_media proto_media_from_type(const char *type)
{
    if (type == NULL)
        return PROTO_MEDIA_NONE;
    for (int m = PROTO_MEDIA_JPEG; m <= PROTO_MEDIA_PDF; m++)
        if (strcmp(type, media_types[m]) == 0)
            return (proto_media)m;
    return PROTO_MEDIA_NONE;
}

/* The magic bytes decide which walk runs; the walk decides the rest. */
static int media_walk(const uint8_t *b, size_t n, sink *s)
{
    int m, rc;
    if (b == NULL || n < 4)
        return RND_EMEDIA;
    if (b[0] == 0xFF && b[1] == 0xD8) {
        m = PROTO_MEDIA_JPEG;
        rc = jpeg_walk(b, n, s);
    } else if (b[0] == 0x89 && b[1] == 'P') {
        m = PROTO_MEDIA_PNG;
        rc = png_walk(b, n, s);
    } else if (memcmp(b, "RIFF", 4) == 0) {
        m = PROTO_MEDIA_WEBP;
        rc = webp_walk(b, n, s);
    } else if (b[0] == '%') {
        m = PROTO_MEDIA_PDF;
        rc = pdf_check(b, n);
    } else {
        return RND_EMEDIA;
    }
    return rc < 0 ? rc : m;
}

int proto_media_sniff(const uint8_t *buf, size_t len)
{
    return media_walk(buf, len, NULL);
}

int proto_media_strip_location(const uint8_t *buf, size_t len, uint8_t *out,
                               size_t cap, size_t *out_len, int *removed)
{
    if (out_len)
        *out_len = 0;
    if (removed)
        *removed = 0;
    int m = media_walk(buf, len, NULL);
    if (m < 0)
        return m;
    if (out == NULL && len > 0)
        return RND_ENOSPACE;
    sink s = {out, cap, 0, 0};
    int rc;
    if (m == PROTO_MEDIA_PDF)
        rc = emit(&s, buf, len);
    else
        rc = media_walk(buf, len, &s);
    if (rc < 0)
        return rc;
    if (out_len)
        *out_len = s.len;
    if (removed)
        *removed = s.removed;
    return 0;
}
