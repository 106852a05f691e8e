/* qr.c: QR matrices and their SVG path. See qr.h. */
#include "qr.h"

#include <string.h>

QRcode *srv_qr_encode(const char *text)
{
    return QRcode_encodeData((int)strlen(text), (const unsigned char *)text, 0,
                             QR_ECLEVEL_M);
}

void srv_qr_svg_path(FILE *out, const QRcode *qr, int quiet)
{
    int w = qr->width;
    /* One subpath per horizontal run of dark modules. */
    for (int r = 0; r < w; r++) {
        for (int c = 0; c < w;) {
            if (!(qr->data[r * w + c] & 1)) {
                c++;
                continue;
            }
            int run = 1;
            while (c + run < w && (qr->data[r * w + c + run] & 1))
                run++;
            fprintf(out, "M%d %dh%dv1h-%dz", c + quiet, r + quiet, run, run);
            c += run;
        }
    }
}
