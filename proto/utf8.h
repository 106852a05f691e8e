/* utf8.h: UTF-8 text as the project takes it in and gives it out: the
 * validator every text field passes (docs/DATA-MODEL.md, "Text"), the
 * decoder the JSON writer, the masks and the table widths use, and the
 * full-width fold of the canonical forms.
 *
 * Everything here is pure: bytes in, bytes or numbers out, no locale, no
 * state. Validation follows RFC 3629 (no overlong forms, no surrogates,
 * nothing above U+10FFFF) by table, not by mbrtowc: mbrtowc depends on the
 * process's locale (a daemon started with LANG=C would take every byte above
 * 0x7f as invalid, or as Latin-1) and glibc's UTF-8 decoder accepts nothing
 * the table does not, so the table is both smaller and the same everywhere.
 */
#ifndef RND_PROTO_UTF8_H
#define RND_PROTO_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Rules for proto_utf8_check. */
enum proto_text_rule {
    /* One line (names, numbers, places): no control character at all. */
    PROTO_TEXT_LINE = 0,
    /* Free text (notes, descriptions, reasons): LF and TAB allowed. */
    PROTO_TEXT_MULTILINE = 1
};

/* Decodes the code point at s[0..len), len >= 1. Returns its length in
 * bytes (1..4) and sets *cp, or returns 0 when s does not start with a
 * well-formed UTF-8 sequence (RFC 3629); *cp is then undefined. */
size_t proto_utf8_next(const char *s, size_t len, uint32_t *cp);

/* 1 when cp is a control character (Unicode category Cc: U+0000..U+001F,
 * U+007F..U+009F). */
int proto_utf8_is_control(uint32_t cp);

/* Checks that s[0..len) is well-formed UTF-8 without control characters
 * (rule: enum proto_text_rule). Returns 0, or RND_EFIELD with *at set to
 * the byte offset of the first offending byte and *why to "not valid
 * UTF-8" or "control character" (static strings). at and why may be NULL. */
int proto_utf8_check(const char *s, size_t len, int rule, size_t *at,
                     const char **why);

/* Number of characters (code points) in s[0..len); a byte that starts no
 * well-formed sequence counts as one character. */
size_t proto_utf8_count(const char *s, size_t len);

/* Byte offset of character k of s[0..len) (len when k is past the end),
 * counting as proto_utf8_count does. */
size_t proto_utf8_offset(const char *s, size_t len, size_t k);

/* Copies s[0..len) to out[cap] with full-width ASCII folded to ASCII
 * (U+FF01..U+FF5E -> U+0021..U+007E, the ideographic space U+3000 -> ' '),
 * NUL-terminated; bytes that do not fit are dropped (folding only
 * shortens, so cap > len always fits). Returns the bytes written, without
 * the NUL. cap must be >= 1. */
size_t proto_utf8_fold_width(const char *s, size_t len, char *out, size_t cap);

#endif
