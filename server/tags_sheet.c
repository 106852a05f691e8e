/* tags_sheet.c: the printed sheets of checkpoint QR codes. See
 * tags_sheet.h. Both formats share one layout, in millimetres. */
#include "tags_sheet.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <qrencode.h>

#include "../proto/errors.h"
#include "../storage/fold.h"
#include "qr.h"

/* A4, 3 columns by 4 rows of labels inside 10 mm margins. */
#define PAGE_W 210.0
#define PAGE_H 297.0
#define MARGIN 10.0
#define COLS 3
#define ROWS 4
#define CELL_W ((PAGE_W - 2 * MARGIN) / COLS)
#define CELL_H ((PAGE_H - 2 * MARGIN - 8) / ROWS)
#define QR_MM 44.0 /* the code with its quiet zone */
#define QUIET 4    /* modules of quiet zone each side */

int srv_sheet_pages(size_t n)
{
    return n == 0 ? 1
                  : (int)((n + SRV_SHEET_PER_PAGE - 1) / SRV_SHEET_PER_PAGE);
}

/* Top-left corner of label i (pages stacked for SVG). */
static void cell_at(size_t i, int stacked, double *x, double *y)
{
    size_t page = i / SRV_SHEET_PER_PAGE, k = i % SRV_SHEET_PER_PAGE;
    *x = MARGIN + (double)(k % COLS) * CELL_W;
    *y = MARGIN + (double)(k / COLS) * CELL_H +
         (stacked ? (double)page * PAGE_H : 0);
}

static QRcode *encode(const char *payload)
{
    return srv_qr_encode(payload);
}

/* ---- SVG ---------------------------------------------------------------- */

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&apos;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

static void svg_text(FILE *f, double x, double y, double size, int bold,
                     const char *s)
{
    if (s == NULL || *s == '\0')
        return;
    fprintf(f,
            "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%.1f\"%s "
            "text-anchor=\"middle\">",
            x, y, size, bold ? " font-weight=\"bold\"" : "");
    xml_text(f, s);
    fputs("</text>\n", f);
}

int srv_sheet_svg(FILE *out, const char *site, const char *key_hex,
                  const srv_tag_label *labels, size_t n)
{
    int pages = srv_sheet_pages(n);
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0fmm\" "
            "height=\"%.0fmm\" viewBox=\"0 0 %.0f %.0f\" "
            "font-family=\"sans-serif\">\n<title>",
            PAGE_W, PAGE_H * pages, PAGE_W, PAGE_H * pages);
    xml_text(out, site);
    fputs(": checkpoint tags</title>\n", out);
    for (size_t i = 0; i < n; i++) {
        const srv_tag_label *l = &labels[i];
        QRcode *qr = encode(l->payload);
        if (qr == NULL)
            return errno == ENOMEM ? RND_ENOMEM : RND_EINVAL;
        double x, y, cx;
        cell_at(i, 1, &x, &y);
        cx = x + CELL_W / 2;
        int w = qr->width, full = w + 2 * QUIET;
        double m = QR_MM / full;
        fputs("<g class=\"tag\" data-tag=\"", out);
        xml_text(out, l->tag);
        fputs("\" data-payload=\"", out);
        xml_text(out, l->payload);
        fputs("\">\n", out);
        fprintf(out,
                "<rect x=\"%.3f\" y=\"%.3f\" width=\"%.3f\" height=\"%.3f\" "
                "fill=\"#fff\"/>\n",
                cx - QR_MM / 2, y, QR_MM, QR_MM);
        fprintf(out,
                "<path transform=\"translate(%.3f %.3f) scale(%.5f)\" "
                "fill=\"#000\" shape-rendering=\"crispEdges\" d=\"",
                cx - QR_MM / 2, y, m);
        srv_qr_svg_path(out, qr, QUIET);
        fputs("\"/>\n", out);
        QRcode_free(qr);
        svg_text(out, cx, y + QR_MM + 6, 5, 1, l->tag);
        svg_text(out, cx, y + QR_MM + 11, 3.5, 0, l->name);
        svg_text(out, cx, y + QR_MM + 15.5, 3.5, 0, l->place);
        fputs("</g>\n", out);
    }
    for (int p = 0; p < pages; p++) {
        char foot[256];
        snprintf(foot, sizeof foot,
                 "%s \xc2\xb7 tag key %s \xc2\xb7 page %d/%d", site, key_hex,
                 p + 1, pages);
        svg_text(out, PAGE_W / 2, PAGE_H * (p + 1) - 6, 3, 0, foot);
    }
    fputs("</svg>\n", out);
    fflush(out);
    return ferror(out) ? RND_EIO : 0;
}

/* ---- PDF ---------------------------------------------------------------- */

static cairo_status_t to_file(void *arg, const unsigned char *data,
                              unsigned int len)
{
    return fwrite(data, 1, len, arg) == len ? CAIRO_STATUS_SUCCESS
                                            : CAIRO_STATUS_WRITE_ERROR;
}

static void pdf_text(cairo_t *cr, double cx, double y, double size, int bold,
                     const char *s)
{
    cairo_text_extents_t e;
    if (s == NULL || *s == '\0')
        return;
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD
                                : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
    cairo_text_extents(cr, s, &e);
    cairo_move_to(cr, cx - e.width / 2 - e.x_bearing, y);
    cairo_show_text(cr, s);
}

int srv_sheet_pdf(FILE *out, const char *site, const char *key_hex,
                  const srv_tag_label *labels, size_t n)
{
    const double pt = 72.0 / 25.4;
    int pages = srv_sheet_pages(n), rc = 0;
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(
        to_file, out, PAGE_W * pt, PAGE_H * pt);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, site);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR,
                                   "roundsd tags print");
    cairo_t *cr = cairo_create(s);
    cairo_scale(cr, pt, pt);
    for (int p = 0; p < pages && rc == 0; p++) {
        for (size_t i = (size_t)p * SRV_SHEET_PER_PAGE;
             i < n && i < (size_t)(p + 1) * SRV_SHEET_PER_PAGE; i++) {
            const srv_tag_label *l = &labels[i];
            QRcode *qr = encode(l->payload);
            if (qr == NULL) {
                rc = errno == ENOMEM ? RND_ENOMEM : RND_EINVAL;
                break;
            }
            double x, y, cx;
            cell_at(i, 0, &x, &y);
            cx = x + CELL_W / 2;
            int w = qr->width;
            double m = QR_MM / (w + 2 * QUIET);
            double ox = cx - QR_MM / 2 + QUIET * m, oy = y + QUIET * m;
            cairo_set_source_rgb(cr, 0, 0, 0);
            for (int r = 0; r < w; r++)
                for (int c = 0; c < w;) {
                    if (!(qr->data[r * w + c] & 1)) {
                        c++;
                        continue;
                    }
                    int run = 1;
                    while (c + run < w && (qr->data[r * w + c + run] & 1))
                        run++;
                    cairo_rectangle(cr, ox + c * m, oy + r * m, run * m, m);
                    c += run;
                }
            cairo_fill(cr);
            QRcode_free(qr);
            pdf_text(cr, cx, y + QR_MM + 6, 5, 1, l->tag);
            pdf_text(cr, cx, y + QR_MM + 11, 3.5, 0, l->name);
            pdf_text(cr, cx, y + QR_MM + 15.5, 3.5, 0, l->place);
        }
        char foot[256];
        snprintf(foot, sizeof foot,
                 "%s \xc2\xb7 tag key %s \xc2\xb7 page %d/%d", site, key_hex,
                 p + 1, pages);
        pdf_text(cr, PAGE_W / 2, PAGE_H - 6, 3, 0, foot);
        cairo_show_page(cr);
    }
    if (rc == 0 && cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        rc = RND_EIO;
    cairo_destroy(cr);
    cairo_surface_finish(s);
    if (rc == 0 && cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
        rc = RND_EIO;
    cairo_surface_destroy(s);
    /* The toy font API's caches in cairo and fontconfig: freed, so a
     * leak checker sees what is ours (roundsd exits after one sheet). */
    cairo_debug_reset_static_data();
    FcFini();
    fflush(out);
    return rc == 0 && ferror(out) ? RND_EIO : rc;
}

/* ---- the checkpoints of a sheet (shared by roundsd tags and the
 * dashboard) -------------------------------------------------------------- */

typedef struct cps_ctx {
    srv_tag_cp *v;
    size_t n;
} cps_ctx;

static int cp_cb(const fold_state *st, void *arg)
{
    cps_ctx *c = arg;
    if (c->n == SRV_TAG_CPS_MAX)
        return RND_ETOOBIG;
    srv_tag_cp *p = &c->v[c->n];
    fold_state_text(st, "tag", p->tag, sizeof p->tag);
    fold_state_text(st, "name", p->name, sizeof p->name);
    fold_state_text(st, "place", p->place, sizeof p->place);
    if (p->tag[0])
        c->n++;
    return 0;
}

static int cp_cmp(const void *a, const void *b)
{
    return strcmp(((const srv_tag_cp *)a)->tag, ((const srv_tag_cp *)b)->tag);
}

/* Whether tag is in the comma-separated list. */
static int listed(const char *list, const char *tag)
{
    size_t len = strlen(tag);
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        if (n == len && memcmp(p, tag, n) == 0)
            return 1;
        p += n + (p[n] == ',');
    }
    return 0;
}

static int cps_load(store *st, const char *site, const uint8_t *priv,
                    const char *only, cps_ctx *c, int *stage, const char **bad,
                    size_t *bad_len)
{
    store_txn *t;
    int rc = store_read_begin(st, &t);
    if (rc == 0) {
        rc = store_states_each(t, PROTO_KIND_CHECKPOINT, 1, 0, cp_cb, c);
        store_read_end(t);
    }
    if (rc) {
        *stage = SRV_TAG_CPS_READ;
        return rc;
    }
    if (c->n == 0) {
        *stage = SRV_TAG_CPS_NONE;
        return RND_ENOTFOUND;
    }
    qsort(c->v, c->n, sizeof *c->v, cp_cmp);
    if (only) {
        /* Every tag asked for must be a checkpoint. */
        for (const char *p = only; *p;) {
            size_t n = strcspn(p, ","), i;
            for (i = 0; i < c->n; i++)
                if (strlen(c->v[i].tag) == n && !memcmp(c->v[i].tag, p, n))
                    break;
            if (n == 0 || i == c->n) {
                *stage = SRV_TAG_CPS_UNKNOWN;
                *bad = p;
                *bad_len = n;
                return RND_ENOTFOUND;
            }
            p += n + (p[n] == ',');
        }
        size_t kept = 0;
        for (size_t i = 0; i < c->n; i++)
            if (listed(only, c->v[i].tag))
                c->v[kept++] = c->v[i];
        c->n = kept;
    }
    for (size_t i = 0; i < c->n; i++) {
        size_t len;
        srv_tag_cp *p = &c->v[i];
        rc = proto_tag_sign(priv, site, strlen(site), p->tag, strlen(p->tag),
                            p->payload, sizeof p->payload, &len);
        if (rc) {
            *stage = SRV_TAG_CPS_SIGN;
            *bad = p->tag;
            *bad_len = strlen(p->tag);
            return rc == RND_EINVAL ? RND_EFIELD : rc;
        }
    }
    return 0;
}

int srv_tag_cps(store *st, const char *site, const uint8_t *priv,
                const char *only, srv_tag_cp **out, size_t *n, int *stage,
                const char **bad, size_t *bad_len)
{
    cps_ctx c = {calloc(SRV_TAG_CPS_MAX, sizeof *c.v), 0};
    *out = NULL;
    *n = 0;
    *stage = 0;
    *bad = NULL;
    *bad_len = 0;
    if (c.v == NULL)
        return RND_ENOMEM;
    int rc = cps_load(st, site, priv, only, &c, stage, bad, bad_len);
    if (rc) {
        /* bad may point into c.v: keep the text in only or copy nothing */
        if (*stage == SRV_TAG_CPS_SIGN) {
            static _Thread_local char tag[PROTO_FIELD_STR_MAX + 1];
            snprintf(tag, sizeof tag, "%.*s", (int)*bad_len, *bad);
            *bad = tag;
        }
        free(c.v);
        return rc;
    }
    *out = c.v;
    *n = c.n;
    return 0;
}
