/* qr_y4m.c: the fake camera's film for test_app_browser. Writes a
 * YUV4MPEG2 file (640x480, 10 frames a second, 4:2:0) that Chromium plays
 * as its camera (--use-file-for-fake-video-capture): first LEAD frames of
 * a QR code with its right part cut away (a camera still aiming: nothing
 * to read), then 10 frames of the whole QR code of PAYLOAD (libqrencode,
 * level M, a quiet zone of 4 modules, scaled up, black on white).
 *
 *     qr_y4m OUT.y4m PAYLOAD [LEAD]
 *
 * Exit 0, or 1 with a message on stderr. */
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { W = 640, H = 480, QUIET = 4, BLACK = 16, WHITE = 235, GREY = 128 };

/* One frame's Y plane: the QR code centred, columns from `cut` on white. */
static void draw(unsigned char *y, const QRcode *qr, int cut)
{
    int mods = qr->width + 2 * QUIET;
    int scale = (H - 40) / mods;
    int side = mods * scale;
    int x0 = (W - side) / 2, y0 = (H - side) / 2;

    memset(y, GREY, (size_t)W * H);
    for (int r = 0; r < side; r++) {
        for (int c = 0; c < side; c++) {
            int mr = r / scale - QUIET, mc = c / scale - QUIET;
            int dark = mr >= 0 && mc >= 0 && mr < qr->width && mc < qr->width &&
                       c < cut && (qr->data[mr * qr->width + mc] & 1);
            y[(size_t)(y0 + r) * W + (size_t)(x0 + c)] = dark ? BLACK : WHITE;
        }
    }
}

static int frames(FILE *f, const unsigned char *y, const unsigned char *uv,
                  int n)
{
    for (int i = 0; i < n; i++) {
        if (fputs("FRAME\n", f) == EOF ||
            fwrite(y, 1, (size_t)W * H, f) != (size_t)W * H ||
            fwrite(uv, 1, (size_t)W * H / 2, f) != (size_t)W * H / 2)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: qr_y4m OUT.y4m PAYLOAD [LEAD]\n");
        return 1;
    }
    int lead = argc == 4 ? atoi(argv[3]) : 30;
    QRcode *qr = QRcode_encodeString(argv[2], 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr) {
        perror("qr_y4m: QRcode_encodeString");
        return 1;
    }
    if ((qr->width + 2 * QUIET) > H - 40) {
        fprintf(stderr, "qr_y4m: payload too long for %dx%d\n", W, H);
        QRcode_free(qr);
        return 1;
    }
    unsigned char *y = malloc((size_t)W * H);
    unsigned char *uv = malloc((size_t)W * H / 2);
    FILE *f = fopen(argv[1], "wb");
    int rc = 1;
    if (!y || !uv || !f) {
        perror("qr_y4m");
        goto out;
    }
    memset(uv, 128, (size_t)W * H / 2); /* U and V: no colour */
    if (fputs("YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n", f) == EOF)
        goto out;
    int mods = qr->width + 2 * QUIET, scale = (H - 40) / mods;
    draw(y, qr, (QUIET + qr->width * 2 / 5) * scale);
    if (frames(f, y, uv, lead) != 0)
        goto out;
    draw(y, qr, W);
    if (frames(f, y, uv, 10) != 0)
        goto out;
    rc = 0;
out:
    if (f && fclose(f) != 0)
        rc = 1;
    if (rc)
        fprintf(stderr, "qr_y4m: could not write %s\n", argv[1]);
    free(y);
    free(uv);
    QRcode_free(qr);
    return rc;
}
