/* test_media.c: proto/media.c on images built here, byte by byte: a JPEG
 * with an EXIF APP1 (Orientation, Make, a GPS IFD with latitude and
 * longitude, an IFD1) and XMP, in both byte orders; a PNG with eXIf, an
 * XMP iTXt and a plain tEXt; a WebP (VP8X) with EXIF and XMP chunks; a
 * PDF. Each must sniff as its type and stop sniffing when cut short, when
 * followed by a byte, when a CRC or a size is wrong; stripping must take
 * out GPSInfo, the GPS values and XMP, keep Orientation and the rest, give
 * a file of the same type, and be a fixed point.
 *
 * When exiftool is installed (scripts/deps.sh installs it), it reads the
 * images before and after: GPS and XMP before, neither after, Orientation
 * 6 both times. Without it that part is skipped, with a line saying so.
 *
 * Usage: test_media [DIR]. With DIR, also writes the images there (the
 * seed corpus of tests/fuzz/fuzz_media.c: tests/fuzz/corpus/media).
 */
#define _GNU_SOURCE /* mkdtemp, popen */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../proto/errors.h"
#include "../../proto/media.h"
#include "test.h"

/* ------------------------------------------------------------------ */
/* Building bytes                                                       */

typedef struct bytes {
    uint8_t d[4096];
    size_t n;
} bytes;

static void put(bytes *b, const void *p, size_t n)
{
    ASSERT(n <= sizeof b->d - b->n);
    memcpy(b->d + b->n, p, n);
    b->n += n;
}

static void put_str(bytes *b, const char *s)
{
    put(b, s, strlen(s));
}

static void put_u8(bytes *b, unsigned v)
{
    uint8_t c = (uint8_t)v;
    put(b, &c, 1);
}

static void put_be(bytes *b, uint32_t v, int width)
{
    for (int k = width - 1; k >= 0; k--)
        put_u8(b, (v >> (8 * k)) & 0xFF);
}

static void put_le(bytes *b, uint32_t v, int width)
{
    for (int k = 0; k < width; k++)
        put_u8(b, (v >> (8 * k)) & 0xFF);
}

static void put_at_le(uint8_t *p, uint32_t v, int width)
{
    for (int k = 0; k < width; k++)
        p[k] = (uint8_t)(v >> (8 * k));
}

static const uint8_t *find(const uint8_t *hay, size_t n, const void *needle,
                           size_t m)
{
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return hay + i;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* EXIF                                                                 */

/* The TIFF block's layout (offsets from its first byte). */
enum {
    IFD0 = 8,   /* 4 entries: Make, Orientation, GPSInfo, Padding */
    MAKE = 62,  /* "RoundsCam\0" */
    IFD1 = 72,  /* 1 entry: Compression */
    GPS = 90,   /* 5 entries: version, lat ref, lat, lon ref, lon */
    LAT = 156,  /* 3 rationals */
    LON = 180,  /* 3 rationals */
    TIFF = 204, /* the whole block */
};

static void tput(bytes *b, int le, uint32_t v, int width)
{
    if (le)
        put_le(b, v, width);
    else
        put_be(b, v, width);
}

static uint32_t tget(const uint8_t *p, int le, int width)
{
    uint32_t v = 0;
    for (int k = 0; k < width; k++)
        v |= (uint32_t)p[le ? k : width - 1 - k] << (8 * k);
    return v;
}

static void tset(uint8_t *p, int le, uint32_t v, int width)
{
    for (int k = 0; k < width; k++)
        p[le ? k : width - 1 - k] = (uint8_t)(v >> (8 * k));
}

static void entry(bytes *b, int le, uint32_t tag, uint32_t type, uint32_t count,
                  uint32_t value)
{
    tput(b, le, tag, 2);
    tput(b, le, type, 2);
    tput(b, le, count, 4);
    if (type == 3 && count == 1) { /* a SHORT sits left-justified */
        tput(b, le, value, 2);
        put_be(b, 0, 2);
    } else {
        tput(b, le, value, 4);
    }
}

static void rationals(bytes *b, int le, const uint32_t *v)
{
    for (int k = 0; k < 6; k++)
        tput(b, le, v[k], 4);
}

static const uint32_t lat[6] = {51, 1, 30, 1, 260417, 10000};
static const uint32_t lon[6] = {0, 1, 7, 1, 395833, 10000};

/* The latitude as its bytes, to look for in a stripped file. */
static void lat_bytes(int le, bytes *b)
{
    b->n = 0;
    rationals(b, le, lat);
}

/* A TIFF block with Orientation 6 and a GPS IFD, in either byte order;
 * gps_ptr is GPSInfo's value (GPS, or something broken). */
static void tiff(bytes *b, int le, uint32_t gps_ptr)
{
    size_t at = b->n;
    put_str(b, le ? "II" : "MM");
    tput(b, le, 42, 2);
    tput(b, le, IFD0, 4);
    tput(b, le, 4, 2);
    entry(b, le, 0x010F, 2, 10, MAKE);
    entry(b, le, 0x0112, 3, 1, 6);
    entry(b, le, 0x8825, 4, 1, gps_ptr);
    entry(b, le, 0xEA1C, 7, 4, 0);
    memcpy(b->d + b->n - 4, "PAD1", 4);
    tput(b, le, IFD1, 4);
    ASSERT_EQ(b->n - at, MAKE);
    put(b, "RoundsCam", 10);
    tput(b, le, 1, 2);
    entry(b, le, 0x0103, 3, 1, 6);
    tput(b, le, 0, 4);
    ASSERT_EQ(b->n - at, GPS);
    tput(b, le, 5, 2);
    entry(b, le, 0x0000, 1, 4, 0);
    memcpy(b->d + b->n - 4, "\2\3\0\0", 4);
    entry(b, le, 0x0001, 2, 2, 0);
    memcpy(b->d + b->n - 4, "N\0\0\0", 4);
    entry(b, le, 0x0002, 5, 3, LAT);
    entry(b, le, 0x0003, 2, 2, 0);
    memcpy(b->d + b->n - 4, "W\0\0\0", 4);
    entry(b, le, 0x0004, 5, 3, LON);
    tput(b, le, 0, 4);
    ASSERT_EQ(b->n - at, LAT);
    rationals(b, le, lat);
    rationals(b, le, lon);
    ASSERT_EQ(b->n - at, TIFF);
}

/* A stripped TIFF block: IFD0 without GPSInfo, the rest as it was, the
 * GPS IFD and its values zeroed. */
static void check_stripped_tiff(const uint8_t *t, size_t n, int le)
{
    ASSERT_EQ(n, TIFF);
    ASSERT(memcmp(t, le ? "II" : "MM", 2) == 0);
    ASSERT_EQ(tget(t + 4, le, 4), IFD0);
    const uint8_t *ifd = t + IFD0;
    ASSERT_EQ(tget(ifd, le, 2), 3);
    ASSERT_EQ(tget(ifd + 2, le, 2), 0x010F);
    ASSERT_EQ(tget(ifd + 2 + 8, le, 4), MAKE);
    ASSERT(memcmp(t + MAKE, "RoundsCam", 10) == 0);
    /* Orientation, with its value. */
    ASSERT_EQ(tget(ifd + 14, le, 2), 0x0112);
    ASSERT_EQ(tget(ifd + 14 + 2, le, 2), 3);
    ASSERT_EQ(tget(ifd + 14 + 4, le, 4), 1);
    ASSERT_EQ(tget(ifd + 14 + 8, le, 2), 6);
    ASSERT_EQ(tget(ifd + 26, le, 2), 0xEA1C);
    ASSERT(memcmp(ifd + 26 + 8, "PAD1", 4) == 0);
    /* The next-IFD offset moved up and still leads to IFD1. */
    ASSERT_EQ(tget(ifd + 38, le, 4), IFD1);
    for (int k = 0; k < 12; k++)
        ASSERT_EQ(ifd[42 + k], 0);
    ASSERT_EQ(tget(t + IFD1, le, 2), 1);
    ASSERT_EQ(tget(t + IFD1 + 2, le, 2), 0x0103);
    for (size_t k = 0; k < 3; k++)
        ASSERT(tget(ifd + 2 + 12 * k, le, 2) != 0x8825);
    for (size_t k = GPS; k < TIFF; k++)
        ASSERT_EQ(t[k], 0);
}

/* ------------------------------------------------------------------ */
/* The images                                                           */

#define XMP_PACKET                                                             \
    "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3."   \
    "org/1999/02/22-rdf-syntax-ns#'><rdf:Description xmlns:exif='http://ns."   \
    "adobe.com/exif/1.0/' exif:GPSLatitude='51,30.26N' exif:GPSLongitude='0,"  \
    "7.66W'/></rdf:RDF></x:xmpmeta>"

static void jpeg_segment(bytes *b, unsigned marker, const bytes *payload)
{
    put_u8(b, 0xFF);
    put_u8(b, marker);
    put_be(b, (uint32_t)payload->n + 2, 2);
    put(b, payload->d, payload->n);
}

/* An 8x8 grey baseline JPEG that decoders accept (one DC and one AC code,
 * each of one bit: the block is flat), with EXIF and XMP when asked. The
 * EXIF's GPSInfo points at gps_ptr. */
static void jpeg(bytes *b, int le, int exif, int xmp, uint32_t gps_ptr)
{
    bytes p;
    b->n = 0;
    put_be(b, 0xFFD8, 2);
    if (exif) {
        p.n = 0;
        put(&p, "Exif\0\0", 6);
        tiff(&p, le, gps_ptr);
        jpeg_segment(b, 0xE1, &p);
    }
    if (xmp) {
        p.n = 0;
        put(&p, "http://ns.adobe.com/xap/1.0/", 29);
        put_str(&p, XMP_PACKET);
        jpeg_segment(b, 0xE1, &p);
        p.n = 0;
        put(&p, "http://ns.adobe.com/xmp/extension/", 35);
        put_str(&p, "0123456789ABCDEF0123456789ABCDEF"); /* GUID */
        put_be(&p, 20, 4);                               /* full length */
        put_be(&p, 0, 4);                                /* offset */
        put_str(&p, "GPSAltitude='12/1' ");
        jpeg_segment(b, 0xE1, &p);
    }
    p.n = 0; /* DQT: table 0, all ones */
    put_u8(&p, 0);
    for (int k = 0; k < 64; k++)
        put_u8(&p, 1);
    jpeg_segment(b, 0xDB, &p);
    p.n = 0; /* SOF0: 8 bits, 8x8, one component */
    put_u8(&p, 8);
    put_be(&p, 8, 2);
    put_be(&p, 8, 2);
    put_u8(&p, 1);
    put_u8(&p, 1);
    put_u8(&p, 0x11);
    put_u8(&p, 0);
    jpeg_segment(b, 0xC0, &p);
    for (unsigned cls = 0; cls < 2; cls++) { /* DHT: one 1-bit code each */
        p.n = 0;
        put_u8(&p, cls << 4);
        put_u8(&p, 1);
        for (int k = 1; k < 16; k++)
            put_u8(&p, 0);
        put_u8(&p, 0);
        jpeg_segment(b, 0xC4, &p);
    }
    p.n = 0; /* SOS: one component, tables 0/0, full spectrum */
    put_u8(&p, 1);
    put_u8(&p, 1);
    put_u8(&p, 0x00);
    put_u8(&p, 0);
    put_u8(&p, 63);
    put_u8(&p, 0);
    jpeg_segment(b, 0xDA, &p);
    put_u8(b, 0x3F); /* DC 0, EOB, padded with ones */
    put_be(b, 0xFFD9, 2);
}

static uint32_t crc32_bits(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

static void png_chunk(bytes *b, const char *type, const void *d, size_t n)
{
    put_be(b, (uint32_t)n, 4);
    size_t at = b->n;
    put(b, type, 4);
    put(b, d, n);
    put_be(b, crc32_bits(b->d + at, n + 4), 4);
}

/* A 1x1 grey PNG with eXIf (GPSInfo at gps_ptr), an XMP iTXt and a
 * comment. */
static void png(bytes *b, int le, int meta, uint32_t gps_ptr)
{
    static const uint8_t ihdr[13] = {0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0};
    /* zlib, one stored block of the row: filter 0, pixel 0. */
    static const uint8_t idat[] = {0x78, 0x01, 0x01, 0x02, 0x00, 0xFD, 0xFF,
                                   0x00, 0x00, 0x00, 0x02, 0x00, 0x01};
    bytes p;
    b->n = 0;
    put(b, "\x89PNG\r\n\x1a\n", 8);
    png_chunk(b, "IHDR", ihdr, sizeof ihdr);
    if (meta) {
        p.n = 0;
        tiff(&p, le, gps_ptr);
        png_chunk(b, "eXIf", p.d, p.n);
        p.n = 0;
        put(&p, "XML:com.adobe.xmp\0\0\0\0\0", 22);
        put_str(&p, XMP_PACKET);
        png_chunk(b, "iTXt", p.d, p.n);
    }
    png_chunk(b, "tEXt", "Comment\0round 3", 15);
    png_chunk(b, "IDAT", idat, sizeof idat);
    png_chunk(b, "IEND", "", 0);
}

static void webp_chunk(bytes *b, const char *fourcc, const void *d, size_t n)
{
    put(b, fourcc, 4);
    put_le(b, (uint32_t)n, 4);
    put(b, d, n);
    if (n & 1)
        put_u8(b, 0);
}

enum { WEBP_PLAIN, WEBP_META, WEBP_EXIF_PREFIX, WEBP_BROKEN };

/* A 1x1 WebP: VP8X (flags EXIF and XMP), a lossless bitstream, EXIF and
 * an XMP chunk of odd length (padded). The EXIF as WEBP_META asks, or
 * after "Exif\0\0" as some writers put it, or with GPSInfo pointing out
 * of the block. */
static void webp(bytes *b, int le, int meta)
{
    static const uint8_t vp8l[13] = {0x2f, 0x00, 0x00, 0x00, 0x10, 0x07, 0x10,
                                     0x11, 0x11, 0x88, 0x88, 0xfe, 0x07};
    uint8_t vp8x[10] = {meta ? 0x0C : 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    bytes p;
    b->n = 0;
    put(b, "RIFF\0\0\0\0WEBP", 12);
    webp_chunk(b, "VP8X", vp8x, sizeof vp8x);
    webp_chunk(b, "VP8L", vp8l, sizeof vp8l);
    if (meta) {
        p.n = 0;
        if (meta == WEBP_EXIF_PREFIX)
            put(&p, "Exif\0\0", 6);
        tiff(&p, le, meta == WEBP_BROKEN ? 0xFFFFFFF0u : GPS);
        webp_chunk(b, "EXIF", p.d, p.n);
        p.n = 0;
        put_str(&p, XMP_PACKET);
        if ((p.n & 1) == 0)
            put_str(&p, " ");
        webp_chunk(b, "XMP ", p.d, p.n);
    }
    put_at_le(b->d + 4, (uint32_t)b->n - 8, 4);
}

static const char pdf_text[] = "%PDF-1.4\n"
                               "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\n"
                               "endobj\n"
                               "2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\n"
                               "endobj\n"
                               "trailer\n<< /Root 1 0 R >>\n"
                               "%%EOF\n";

static void pdf(bytes *b)
{
    b->n = 0;
    put_str(b, pdf_text);
}

/* ------------------------------------------------------------------ */
/* Checks                                                               */

/* Sniffs as want; every prefix is refused (a PDF's only below its %%EOF:
 * a PDF cut in its trailing white space is still whole); one byte more is
 * refused. */
static void check_whole(const bytes *b, int want)
{
    ASSERT_EQ(proto_media_sniff(b->d, b->n), want);
    size_t whole = b->n;
    if (want == PROTO_MEDIA_PDF)
        whole = (size_t)(find(b->d, b->n, "%%EOF", 5) - b->d) + 5;
    for (size_t k = 0; k < whole; k++) {
        /* An exact-size copy: ASan catches a read past its end. */
        uint8_t *cut = malloc(k ? k : 1);
        ASSERT(cut != NULL);
        memcpy(cut, b->d, k);
        if (proto_media_sniff(cut, k) != RND_EMEDIA)
            TEST_FAIL_("type %d cut to %zu of %zu bytes: sniffed %d", want, k,
                       b->n, proto_media_sniff(cut, k));
        free(cut);
    }
    bytes more = *b;
    put_u8(&more, 0);
    if (want == PROTO_MEDIA_PDF)
        more.d[more.n - 1] = 'x';
    ASSERT_ERR(proto_media_sniff(more.d, more.n), RND_EMEDIA);
}

/* Strips b into out: returns 0 and what was removed; the output is never
 * longer, sniffs as the same type, does not fit in one byte less, and
 * stripping it again changes nothing. */
static int strip(const bytes *b, bytes *out)
{
    int type = proto_media_sniff(b->d, b->n), removed = -1, again = -1;
    ASSERT_GT(type, 0);
    ASSERT_OK(proto_media_strip_location(b->d, b->n, out->d, b->n, &out->n,
                                         &removed));
    ASSERT(removed == 0 || removed == 1);
    ASSERT_LE(out->n, b->n);
    ASSERT_EQ(proto_media_sniff(out->d, out->n), type);
    if (!removed)
        ASSERT(out->n == b->n && memcmp(out->d, b->d, b->n) == 0);
    bytes twice;
    size_t n2 = 0;
    ASSERT_OK(proto_media_strip_location(out->d, out->n, twice.d, out->n, &n2,
                                         &again));
    ASSERT_EQ(again, 0);
    ASSERT_EQ(n2, out->n);
    ASSERT(memcmp(twice.d, out->d, n2) == 0);
    if (out->n > 0) {
        size_t n3 = 99;
        ASSERT_ERR(proto_media_strip_location(b->d, b->n, twice.d, out->n - 1,
                                              &n3, NULL),
                   RND_ENOSPACE);
    }
    return removed;
}

/* No XMP left, nor the latitude's bytes. */
static void no_location(const bytes *out, int le)
{
    bytes l;
    lat_bytes(le, &l);
    ASSERT(find(out->d, out->n, l.d, l.n) == NULL);
    ASSERT(find(out->d, out->n, "GPSLatitude", 11) == NULL);
    ASSERT(find(out->d, out->n, "GPSAltitude", 11) == NULL);
    ASSERT(find(out->d, out->n, "ns.adobe.com", 12) == NULL);
}

static void test_types(void)
{
    ASSERT_STR_EQ(proto_media_type(PROTO_MEDIA_JPEG), "image/jpeg");
    ASSERT_STR_EQ(proto_media_type(PROTO_MEDIA_PNG), "image/png");
    ASSERT_STR_EQ(proto_media_type(PROTO_MEDIA_WEBP), "image/webp");
    ASSERT_STR_EQ(proto_media_type(PROTO_MEDIA_PDF), "application/pdf");
    ASSERT(proto_media_type(PROTO_MEDIA_NONE) == NULL);
    ASSERT(proto_media_type((proto_media)5) == NULL);
    ASSERT(proto_media_type((proto_media)-1) == NULL);
    for (int m = 1; m <= 4; m++)
        ASSERT_EQ(proto_media_from_type(proto_media_type((proto_media)m)), m);
    ASSERT_EQ(proto_media_from_type("IMAGE/JPEG"), PROTO_MEDIA_NONE);
    ASSERT_EQ(proto_media_from_type("image/jpg"), PROTO_MEDIA_NONE);
    ASSERT_EQ(proto_media_from_type("image/jpeg "), PROTO_MEDIA_NONE);
    ASSERT_EQ(proto_media_from_type(""), PROTO_MEDIA_NONE);
    ASSERT_EQ(proto_media_from_type(NULL), PROTO_MEDIA_NONE);
    ASSERT_ERR(proto_media_sniff(NULL, 0), RND_EMEDIA);
    ASSERT_ERR(proto_media_sniff((const uint8_t *)"GIF89a", 6), RND_EMEDIA);
    size_t n = 7;
    ASSERT_ERR(proto_media_strip_location((const uint8_t *)"GIF89a..", 8,
                                          (uint8_t[8]){0}, 8, &n, NULL),
               RND_EMEDIA);
    ASSERT_EQ(n, 0);
}

static void test_jpeg(int le)
{
    bytes b, out, plain;
    jpeg(&b, le, 1, 1, GPS);
    check_whole(&b, PROTO_MEDIA_JPEG);
    ASSERT_EQ(strip(&b, &out), 1);
    no_location(&out, le);
    /* SOI, then the EXIF APP1 of the same length, the XMP ones gone. */
    ASSERT_EQ(out.d[3], 0xE1);
    ASSERT_EQ(out.d[4] << 8 | out.d[5], 2 + 6 + TIFF);
    ASSERT(memcmp(out.d + 6, "Exif\0\0", 6) == 0);
    check_stripped_tiff(out.d + 12, TIFF, le);
    jpeg(&plain, le, 1, 0, GPS);
    ASSERT_EQ(out.n, plain.n);
    ASSERT(memcmp(out.d + 12 + TIFF, plain.d + 12 + TIFF, out.n - 12 - TIFF) ==
           0);

    /* No location to take out: copied as it is. */
    jpeg(&plain, le, 0, 0, GPS);
    check_whole(&plain, PROTO_MEDIA_JPEG);
    ASSERT_EQ(strip(&plain, &out), 0);

    /* GPSInfo pointing past the block: the EXIF cannot be trusted to have
     * given up its location, so it goes whole. */
    jpeg(&b, le, 1, 0, 5000);
    ASSERT_EQ(strip(&b, &out), 1);
    ASSERT(find(out.d, out.n, "Exif", 4) == NULL);
    no_location(&out, le);
    jpeg(&b, le, 1, 0, IFD0); /* the GPS IFD would be IFD0 itself */
    ASSERT_EQ(strip(&b, &out), 1);
    ASSERT(find(out.d, out.n, "Exif", 4) == NULL);
    /* Two GPSInfo entries (Padding made a second one). */
    jpeg(&b, le, 1, 0, GPS);
    uint8_t *pad = b.d + 12 + IFD0 + 2 + 36;
    ASSERT_EQ(tget(pad, le, 2), 0xEA1C);
    tset(pad, le, 0x8825, 2);
    tset(pad + 2, le, 4, 2);
    tset(pad + 4, le, 1, 4);
    tset(pad + 8, le, GPS, 4);
    ASSERT_EQ(strip(&b, &out), 1);
    ASSERT(find(out.d, out.n, "Exif", 4) == NULL);
    /* A GPS value of unknown type (its size unknown), or one that
     * overlaps the GPS IFD. */
    jpeg(&b, le, 1, 0, GPS);
    uint8_t *lat_entry = b.d + 12 + GPS + 2 + 24;
    ASSERT_EQ(tget(lat_entry, le, 2), 2);
    tset(lat_entry + 2, le, 14, 2);
    ASSERT_EQ(strip(&b, &out), 1);
    ASSERT(find(out.d, out.n, "Exif", 4) == NULL);
    jpeg(&b, le, 1, 0, GPS);
    tset(lat_entry + 8, le, GPS + 8, 4);
    ASSERT_EQ(strip(&b, &out), 1);
    ASSERT(find(out.d, out.n, "Exif", 4) == NULL);
}

/* The JPEG walk on its own: stuffing, restarts, fill bytes, order. */
static void test_jpeg_walk(void)
{
    bytes b, c;
    jpeg(&b, 1, 0, 0, 0);
    /* Entropy-coded data with FF00 stuffing, RST0..7 and fill bytes
     * before EOI. */
    c = b;
    c.n -= 3;
    put(&c, "\x12\xFF\x00\x34\xFF\xD0\x56\xFF\xD7\xFF\xFF\xFF\xD9", 13);
    ASSERT_EQ(proto_media_sniff(c.d, c.n), PROTO_MEDIA_JPEG);
    check_whole(&c, PROTO_MEDIA_JPEG);
    /* A marker inside the data ends it: a second scan (as a progressive
     * JPEG has) after a DHT, then EOI. */
    c = b;
    c.n -= 2;
    put(&c, "\xFF\xC4\x00\x02\xFF\xDA\x00\x02\x77\xFF\xD9", 11);
    ASSERT_EQ(proto_media_sniff(c.d, c.n), PROTO_MEDIA_JPEG);
    /* EOI inside the data is the end: what follows is trailing. */
    c = b;
    c.n -= 2;
    put(&c, "\xFF\xD9\x00\xFF\xD9", 5);
    ASSERT_ERR(proto_media_sniff(c.d, c.n), RND_EMEDIA);
    /* An FF at the very end of the data, an RST outside a scan, SOI
     * twice, EOI before any scan, a scan before any frame. */
    c = b;
    c.n -= 2;
    put_u8(&c, 0xFF);
    ASSERT_ERR(proto_media_sniff(c.d, c.n), RND_EMEDIA);
    ASSERT_ERR(
        proto_media_sniff((const uint8_t *)"\xFF\xD8\xFF\xD0\xFF\xD9", 6),
        RND_EMEDIA);
    ASSERT_ERR(
        proto_media_sniff((const uint8_t *)"\xFF\xD8\xFF\xD8\xFF\xD9", 6),
        RND_EMEDIA);
    ASSERT_ERR(proto_media_sniff((const uint8_t *)"\xFF\xD8\xFF\xD9", 4),
               RND_EMEDIA);
    ASSERT_ERR(proto_media_sniff((const uint8_t *)"\xFF\xD8\xFF\xDA\x00\x02"
                                                  "\x01\xFF\xD9",
                                 9),
               RND_EMEDIA);
    /* A segment length below 2 or past the end. */
    c = b;
    c.d[4] = 0, c.d[5] = 1;
    ASSERT_ERR(proto_media_sniff(c.d, c.n), RND_EMEDIA);
    c.d[4] = 0x7F, c.d[5] = 0xFF;
    ASSERT_ERR(proto_media_sniff(c.d, c.n), RND_EMEDIA);
}

static void test_png(int le)
{
    bytes b, out, plain;
    png(&b, le, 1, GPS);
    check_whole(&b, PROTO_MEDIA_PNG);
    ASSERT_EQ(strip(&b, &out), 1);
    no_location(&out, le);
    /* Signature, IHDR, then eXIf of the same length with a good CRC (the
     * output sniffed), the iTXt gone, the comment kept. */
    const uint8_t *ex = find(out.d, out.n, "eXIf", 4);
    ASSERT(ex != NULL);
    ASSERT_EQ(ex - out.d, 8 + 25 + 4);
    check_stripped_tiff(ex + 4, TIFF, le);
    ASSERT(find(out.d, out.n, "iTXt", 4) == NULL);
    ASSERT(find(out.d, out.n, "Comment\0round 3", 15) != NULL);
    png(&plain, le, 0, GPS);
    ASSERT_EQ(out.n, plain.n + 12 + TIFF);

    check_whole(&plain, PROTO_MEDIA_PNG);
    ASSERT_EQ(strip(&plain, &out), 0);

    /* A flipped bit in any CRC, or in the data under it. */
    for (size_t k = 8 + 4; k < b.n; k += 7) {
        bytes c = b;
        c.d[k] ^= 0x10;
        ASSERT_ERR(proto_media_sniff(c.d, c.n), RND_EMEDIA);
    }
    bytes c = b;
    c.d[b.n - 1] ^= 1; /* IEND's CRC */
    ASSERT_ERR(proto_media_sniff(c.d, c.n), RND_EMEDIA);
    /* IHDR not first; a chunk after IEND. */
    c.n = 0;
    put(&c, "\x89PNG\r\n\x1a\n", 8);
    png_chunk(&c, "IEND", "", 0);
    ASSERT_ERR(proto_media_sniff(c.d, c.n), RND_EMEDIA);
    c = plain;
    png_chunk(&c, "tEXt", "a\0b", 3);
    ASSERT_ERR(proto_media_sniff(c.d, c.n), RND_EMEDIA);

    /* ImageMagick's hex profiles go too; other text stays. */
    c = plain;
    c.n -= 12; /* IEND */
    png_chunk(&c, "zTXt", "Raw profile type exif\0\0\x78\x9c", 25);
    png_chunk(&c, "tEXt", "Raw profile type iptc\0\n", 23);
    png_chunk(&c, "IEND", "", 0);
    ASSERT_EQ(strip(&c, &out), 1);
    ASSERT(find(out.d, out.n, "type exif", 9) == NULL);
    ASSERT(find(out.d, out.n, "type iptc", 9) != NULL);

    /* A broken GPS pointer: the eXIf goes whole. */
    png(&b, le, 1, 3);
    ASSERT_EQ(strip(&b, &out), 1);
    ASSERT(find(out.d, out.n, "eXIf", 4) == NULL);
    no_location(&out, le);
}

static void test_webp(int le)
{
    bytes b, out, plain;
    webp(&b, le, WEBP_META);
    check_whole(&b, PROTO_MEDIA_WEBP);
    ASSERT_EQ(strip(&b, &out), 1);
    no_location(&out, le);
    ASSERT(find(out.d, out.n, "XMP ", 4) == NULL);
    ASSERT_EQ(out.d[20], 0x08); /* EXIF still flagged, XMP not */
    const uint8_t *ex = find(out.d, out.n, "EXIF", 4);
    ASSERT(ex != NULL);
    check_stripped_tiff(ex + 8, TIFF, le);
    webp(&plain, le, WEBP_PLAIN);
    ASSERT_EQ(out.n, plain.n + 8 + TIFF);

    check_whole(&plain, PROTO_MEDIA_WEBP);
    ASSERT_EQ(strip(&plain, &out), 0);

    /* The RIFF size one off either way; an odd chunk without its pad; a
     * first chunk that is not VP8, VP8L or VP8X. */
    bytes c = b;
    put_at_le(c.d + 4, (uint32_t)c.n - 9, 4);
    ASSERT_ERR(proto_media_sniff(c.d, c.n), RND_EMEDIA);
    put_at_le(c.d + 4, (uint32_t)c.n - 7, 4);
    ASSERT_ERR(proto_media_sniff(c.d, c.n), RND_EMEDIA);
    c = plain;
    c.n--; /* VP8L's pad byte */
    put_at_le(c.d + 4, (uint32_t)c.n - 8, 4);
    ASSERT_ERR(proto_media_sniff(c.d, c.n), RND_EMEDIA);
    c = plain;
    memcpy(c.d + 12, "EXIF", 4);
    ASSERT_ERR(proto_media_sniff(c.d, c.n), RND_EMEDIA);

    /* EXIF after "Exif\0\0": stripped the same way. */
    webp(&b, le, WEBP_EXIF_PREFIX);
    ASSERT_EQ(strip(&b, &out), 1);
    no_location(&out, le);
    ex = find(out.d, out.n, "EXIF", 4);
    ASSERT(ex != NULL && memcmp(ex + 8, "Exif\0\0", 6) == 0);
    check_stripped_tiff(ex + 14, TIFF, le);
    ASSERT_EQ(out.d[20], 0x08);
    /* A broken EXIF goes whole, and its flag with it. */
    webp(&b, le, WEBP_BROKEN);
    ASSERT_EQ(strip(&b, &out), 1);
    ASSERT(find(out.d, out.n, "EXIF", 4) == NULL);
    ASSERT_EQ(out.d[20], 0);
    ASSERT_EQ(out.n, plain.n);
    ASSERT(memcmp(out.d, plain.d, plain.n) == 0);
}

static void test_pdf(void)
{
    bytes b, out;
    pdf(&b);
    check_whole(&b, PROTO_MEDIA_PDF);
    ASSERT_EQ(strip(&b, &out), 0);
    bytes c = b;
    put_str(&c, "\r\n \t\f");
    ASSERT_EQ(proto_media_sniff(c.d, c.n), PROTO_MEDIA_PDF);
    c = b;
    c.d[5] = '3';
    ASSERT_ERR(proto_media_sniff(c.d, c.n), RND_EMEDIA);
    ASSERT_EQ(proto_media_sniff((const uint8_t *)"%PDF-2.0\n%%EOF", 15),
              PROTO_MEDIA_PDF);
    /* The header's own bytes are not its end. */
    ASSERT_ERR(proto_media_sniff((const uint8_t *)"%PDF-1.%%EOF", 12),
               RND_EMEDIA);
}

/* ------------------------------------------------------------------ */

static void write_file(const char *dir, const char *name, const bytes *b);

/* What exiftool -j -G -n says of b (written to dir/name), in out. */
static void exiftool(const char *dir, const char *name, const bytes *b,
                     char *out, size_t cap)
{
    char cmd[4200];
    write_file(dir, name, b);
    snprintf(cmd, sizeof cmd, "exiftool -j -G -n '%s/%s' 2>&1", dir, name);
    FILE *p = popen(cmd, "r");
    ASSERT(p != NULL);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    ASSERT_EQ(pclose(p), 0);
    snprintf(cmd, sizeof cmd, "%s/%s", dir, name);
    ASSERT_EQ(unlink(cmd), 0);
}

/* exiftool, a reader that knows every tag, on the images before and after
 * stripping. */
static void test_exiftool(void)
{
    if (system("exiftool -ver >/dev/null 2>&1") != 0) {
        printf("test_media: exiftool not installed, its check skipped\n");
        return;
    }
    const char *tmp = getenv("TMPDIR");
    char dir[4096], said[16384];
    snprintf(dir, sizeof dir, "%s/test_media.XXXXXX", tmp ? tmp : "/tmp");
    ASSERT(mkdtemp(dir) != NULL);
    static const char *const names[] = {"a.jpg", "a.png", "a.webp"};
    for (int le = 0; le < 2; le++) {
        for (int k = 0; k < 3; k++) {
            bytes b, out;
            if (k == 0)
                jpeg(&b, le, 1, 1, GPS);
            else if (k == 1)
                png(&b, le, 1, GPS);
            else
                webp(&b, le, WEBP_META);
            exiftool(dir, names[k], &b, said, sizeof said);
            ASSERT(strstr(said, "\"EXIF:GPSLatitude\": 51.50") != NULL);
            ASSERT(strstr(said, "\"XMP:GPSLatitude\"") != NULL);
            ASSERT(strstr(said, "\"EXIF:Orientation\": 6,") != NULL);
            ASSERT_EQ(strip(&b, &out), 1);
            exiftool(dir, names[k], &out, said, sizeof said);
            if (strstr(said, "GPS") != NULL || strstr(said, "XMP") != NULL ||
                strstr(said, "Warning") != NULL ||
                strstr(said, "\"EXIF:Orientation\": 6,") == NULL ||
                strstr(said, "\"EXIF:Make\": \"RoundsCam\"") == NULL)
                TEST_FAIL_("exiftool on stripped %s (%s):\n%s", names[k],
                           le ? "II" : "MM", said);
        }
    }
    ASSERT_EQ(rmdir(dir), 0);
}

static void write_file(const char *dir, const char *name, const bytes *b)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ASSERT(f != NULL);
    ASSERT_EQ(fwrite(b->d, 1, b->n, f), b->n);
    ASSERT_EQ(fclose(f), 0);
}

static void write_seeds(const char *dir)
{
    bytes b;
    jpeg(&b, 1, 1, 1, GPS);
    write_file(dir, "gps_ii.jpg", &b);
    jpeg(&b, 0, 1, 1, GPS);
    write_file(dir, "gps_mm.jpg", &b);
    jpeg(&b, 1, 1, 0, 5000);
    write_file(dir, "gps_broken.jpg", &b);
    jpeg(&b, 1, 0, 0, 0);
    write_file(dir, "plain.jpg", &b);
    png(&b, 1, 1, GPS);
    write_file(dir, "gps_ii.png", &b);
    png(&b, 0, 1, GPS);
    write_file(dir, "gps_mm.png", &b);
    /* CRCs of zeros, which fuzz_media puts right: mutations of this one
     * get past the CRC check. */
    for (size_t i = 8; i < b.n;) {
        uint32_t len = (uint32_t)b.d[i] << 24 | (uint32_t)b.d[i + 1] << 16 |
                       (uint32_t)b.d[i + 2] << 8 | b.d[i + 3];
        memset(b.d + i + 8 + len, 0, 4);
        i += 12 + len;
    }
    ASSERT_ERR(proto_media_sniff(b.d, b.n), RND_EMEDIA);
    write_file(dir, "gps_mm_crc0.png", &b);
    webp(&b, 1, WEBP_META);
    write_file(dir, "gps_ii.webp", &b);
    webp(&b, 0, WEBP_EXIF_PREFIX);
    write_file(dir, "gps_mm.webp", &b);
    pdf(&b);
    write_file(dir, "small.pdf", &b);
}

int main(int argc, char **argv)
{
    test_types();
    for (int le = 0; le < 2; le++) {
        test_jpeg(le);
        test_png(le);
        test_webp(le);
    }
    test_jpeg_walk();
    test_pdf();
    test_exiftool();
    if (argc > 1)
        write_seeds(argv[1]);
    return 0;
}
