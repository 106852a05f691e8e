/* qr.h: QR codes as roundsd draws them, shared by the checkpoint tag
 * sheets (tags_sheet.c) and the enrollment code (enroll_qr.c): the matrix
 * from libqrencode (8-bit mode, error correction M) and its dark modules
 * as the path data of one SVG <path>.
 */
#ifndef RND_SRV_QR_H
#define RND_SRV_QR_H

#include <stdio.h>

#include <qrencode.h>

/* The QR code of the NUL-terminated text, or NULL (errno ENOMEM, or
 * EINVAL/ERANGE when the text cannot be one). Free with QRcode_free(). */
QRcode *srv_qr_encode(const char *text);

/* Writes the "d" of a path drawing qr's dark modules, one unit per module
 * and quiet modules of margin on the left and top: "Mx yhNv1h-Nz" per
 * horizontal run of dark modules (tests decode exactly this form). */
void srv_qr_svg_path(FILE *out, const QRcode *qr, int quiet);

#endif
