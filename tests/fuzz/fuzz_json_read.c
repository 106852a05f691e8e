/* fuzz_json_read.c: libFuzzer target for the project's one JSON reader
 * (report/jsonread.h), which reads DATA/stats.json and a backup's
 * MANIFEST.json back: files that a disk, a copy or a hand may have
 * changed. Input: the bytes of such a file.
 *
 * Besides ASan's "no crash, no read out of bounds", it checks what the
 * reader promises: on failure the error position lies within the input;
 * on success the tree written back by the JSON writer (report/render.h)
 * reads again into the same tree (writer and reader agree).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonread.h"
#include "render.h"

/* 0 when v can be written back (negative numbers past int64 cannot). */
static int emit(rpt_jw *j, const rpt_jv *v)
{
    switch (v->type) {
    case RPT_JV_NULL:
        rpt_jw_null(j);
        return 0;
    case RPT_JV_BOOL:
        rpt_jw_bool(j, (int)v->num);
        return 0;
    case RPT_JV_NUM:
        if (!v->neg) {
            rpt_jw_uint(j, v->num);
            return 0;
        }
        if (v->num > (uint64_t)INT64_MAX)
            return -1;
        rpt_jw_int(j, -(int64_t)v->num);
        return 0;
    case RPT_JV_STR:
        rpt_jw_strn(j, v->str, v->len);
        return 0;
    default:
        break;
    }
    if (v->type == RPT_JV_OBJ)
        rpt_jw_obj(j);
    else
        rpt_jw_arr(j);
    for (size_t i = 0; i < v->n; i++) {
        if (v->type == RPT_JV_OBJ)
            rpt_jw_key(j, v->keys[i]);
        if (emit(j, &v->kids[i]) != 0)
            return -1;
    }
    rpt_jw_end(j);
    return 0;
}

static int same(const rpt_jv *a, const rpt_jv *b)
{
    if (a->type != b->type || a->n != b->n || a->num != b->num ||
        a->neg != b->neg || a->len != b->len)
        return 0;
    if (a->type == RPT_JV_STR && memcmp(a->str, b->str, a->len) != 0)
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        if (a->type == RPT_JV_OBJ && strcmp(a->keys[i], b->keys[i]) != 0)
            return 0;
        if (!same(&a->kids[i], &b->kids[i]))
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rpt_jv root, again;
    size_t where = 0;
    int rc = rpt_jv_parse((const char *)data, size, &root, &where);
    if (rc != 0) {
        if (where > size)
            abort();
        rpt_jv_free(&root);
        return 0;
    }
    char *out = NULL;
    size_t outlen = 0;
    FILE *f = open_memstream(&out, &outlen);
    if (f == NULL)
        abort();
    rpt_jw j;
    rpt_jw_init(&j, f);
    int ok = emit(&j, &root) == 0;
    fclose(f);
    if (ok) {
        /* A JSON string of n bytes writes back in at most 6n + 2 (\u00XX),
         * within the reader's limits when the input was. */
        if (rpt_jv_parse(out, outlen, &again, NULL) != 0 ||
            !same(&root, &again))
            abort();
        rpt_jv_free(&again);
    }
    free(out);
    rpt_jv_free(&root);
    return 0;
}
