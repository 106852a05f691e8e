/* jsonread.h: the one JSON reader of the project, for the files roundsd
 * writes and reads back (DATA/stats.json for `roundsd stats`, a backup's
 * MANIFEST.json for `roundsd restore`). Those files are our own, but a
 * reader meets them after a disk, a copy or a hand has been at them, so
 * it treats them as untrusted bytes: bounded depth and sizes, a clean
 * error for anything else, never a read past the input. It is fuzzed
 * (tests/fuzz/fuzz_json_read.c).
 *
 * What it reads: RFC 8259 JSON with whole numbers only (no fraction or
 * exponent: nothing we write has one) up to 2^64 - 1 in magnitude;
 * strings with every escape, \uXXXX (surrogate pairs too) turned into
 * UTF-8, except \u0000 (a C string cannot hold it); depth up to
 * RPT_JV_DEPTH; a string up to RPT_JV_STR_MAX bytes. Duplicate keys are
 * kept in order; rpt_jv_get finds the first.
 *
 * Ownership: rpt_jv_parse fills a tree the caller frees with
 * rpt_jv_free (also after a failed parse). Strings and keys are
 * NUL-terminated and owned by the tree.
 */
#ifndef RND_REPORT_JSONREAD_H
#define RND_REPORT_JSONREAD_H

#include <stddef.h>
#include <stdint.h>

#define RPT_JV_DEPTH 32
#define RPT_JV_STR_MAX 65536

typedef enum rpt_jv_type {
    RPT_JV_NULL = 0,
    RPT_JV_BOOL,
    RPT_JV_NUM,
    RPT_JV_STR,
    RPT_JV_ARR,
    RPT_JV_OBJ
} rpt_jv_type;

typedef struct rpt_jv {
    rpt_jv_type type;
    int neg;             /* RPT_JV_NUM: negative (num is the magnitude) */
    uint64_t num;        /* RPT_JV_NUM; RPT_JV_BOOL: 0 or 1 */
    char *str;           /* RPT_JV_STR */
    size_t len;          /* RPT_JV_STR: bytes before the NUL */
    size_t at;           /* byte offset of the value in the input */
    size_t n, cap;       /* RPT_JV_ARR, RPT_JV_OBJ: members */
    char **keys;         /* RPT_JV_OBJ: n keys */
    struct rpt_jv *kids; /* n values */
} rpt_jv;

/* Parses text[0..len) (one value, whitespace around it) into *root.
 * Returns 0; RND_EMALFORMED with *where (if where) at the byte that does
 * not parse; RND_ETOOBIG past a limit; RND_ENOMEM. */
int rpt_jv_parse(const char *text, size_t len, rpt_jv *root, size_t *where);

/* Frees what root holds (not root itself) and zeroes it. */
void rpt_jv_free(rpt_jv *root);

/* The member key of object o if it has type, else NULL (o may be NULL or
 * not an object). */
const rpt_jv *rpt_jv_get(const rpt_jv *o, const char *key, rpt_jv_type type);

#endif
