/* strokes.h: a signature drawn on the screen (docs/DATA-MODEL.md, "Drawn
 * signatures"), as the field signature_strokes carries it: the strokes of
 * a finger on a 1000x400 pad, in text. Bytes in, bytes out: nothing here
 * allocates or touches a store.
 *
 * Form: strokes separated by ';', the points of a stroke by ' ', a point
 * "x,y" in whole pad units, x 0..999 across and y 0..399 down:
 *   "12,40 13,42 20,51;300,200 310,190"
 * Input is at most PROTO_STROKES_MAX bytes. What is taken beyond the
 * normal form, and normalised away: spaces, tabs and line ends around
 * points and separators (runs of them between points are one separator),
 * empty strokes (";;", a leading or trailing ';'), leading zeros ("007").
 * Anything else (another character, a point without its ',y', a number
 * past its range or longer than 4 digits) is refused, at the byte that is
 * wrong.
 */
#ifndef RND_PROTO_STROKES_H
#define RND_PROTO_STROKES_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_STROKES_MAX 4000
#define PROTO_STROKES_W 1000 /* x in 0..PROTO_STROKES_W - 1 */
#define PROTO_STROKES_H 400  /* y in 0..PROTO_STROKES_H - 1 */

typedef struct proto_strokes_info {
    uint32_t strokes; /* non-empty strokes */
    uint32_t points;  /* points in all */
} proto_strokes_info;

/* Checks in[0..n) and writes its normal form to out (cap bytes, NUL-
 * terminated; the normal form is never longer than the input, so cap >=
 * n + 1 always does) with its length in *out_len, and the counts into
 * *info (may be NULL). A text with no point at all (empty, blanks, ";")
 * gives 0 with *out_len 0 and info->strokes 0: the caller decides whether
 * that is "no signature". Errors: RND_EFIELD, with *at (may be NULL) the
 * byte offset in in and *why (may be NULL) a static phrase ("x past 999",
 * "too long: more than 4000 bytes"); RND_ENOSPACE when cap is short. */
int proto_strokes_norm(const char *in, size_t n, char *out, size_t cap,
                       size_t *out_len, proto_strokes_info *info, size_t *at,
                       const char **why);

/* Counts the strokes of a text in normal form (a stored field): the
 * number of non-empty strokes, 0 for "". Never fails; for display. */
uint32_t proto_strokes_count(const char *s, size_t n);

#endif
