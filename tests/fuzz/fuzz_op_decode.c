/* fuzz_op_decode.c: libFuzzer target for proto_op_decode, the decoder of
 * ops pushed by handhelds (untrusted bytes).
 *
 * Besides "no crash, no out-of-bounds read" (ASan), it checks the codec's
 * own promises on every input the decoder accepts: decoded names and strings
 * lie inside the input, the op re-encodes, the re-encoding is no longer than
 * the input (it uses minimal forms), decodes to the same op, and encodes
 * again to the same bytes (the form is canonical). A broken promise aborts,
 * which libFuzzer reports as a crash. The strict decoder (roundsd's) must
 * admit text only as the text rules allow (proto/utf8.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "utf8.h"

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_op_decode: %s\n", what);
    abort();
}

static int inside(const void *p, size_t n, const uint8_t *buf, size_t len)
{
    const uint8_t *q = p;
    if (n == 0)
        return 1;
    return q >= buf && q <= buf + len && n <= (size_t)(buf + len - q);
}

static int same_op(const proto_op *a, const proto_op *b)
{
    if (a->version != b->version || a->device_id != b->device_id ||
        a->seq != b->seq || a->hlc != b->hlc || a->wall_ms != b->wall_ms ||
        a->kind != b->kind || a->action != b->action ||
        a->nfields != b->nfields ||
        memcmp(a->entity, b->entity, PROTO_ENTITY_LEN) != 0 ||
        memcmp(a->prev_hash, b->prev_hash, PROTO_HASH_LEN) != 0)
        return 0;
    for (uint32_t k = 0; k < a->nfields; k++) {
        const proto_field *x = &a->fields[k], *y = &b->fields[k];
        if (x->name_len != y->name_len || x->type != y->type || x->i != y->i ||
            x->str_len != y->str_len ||
            memcmp(x->name, y->name, x->name_len) != 0 ||
            (x->str_len > 0 && memcmp(x->str, y->str, x->str_len) != 0))
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Static: two ops and two 64 KiB buffers are too much for the stack of
     * a fuzzing thread, and the target is never re-entered. */
    static proto_op op, again;
    static uint8_t enc[PROTO_OP_MAX_BYTES], enc2[PROTO_OP_MAX_BYTES];

    /* The strict decoder admits text only as well-formed UTF-8 without
     * control characters other than LF and TAB (proto/utf8.h). */
    if (proto_op_decode_strict(data, size, &op) == 0)
        for (uint32_t k = 0; k < op.nfields; k++) {
            const proto_field *f = &op.fields[k];
            if (proto_utf8_check(f->name, f->name_len, PROTO_TEXT_LINE, NULL,
                                 NULL) != 0 ||
                (f->type == PROTO_STR &&
                 proto_utf8_check(f->str, f->str_len, PROTO_TEXT_MULTILINE,
                                  NULL, NULL) != 0))
                fail("strict decode admitted bad text");
        }
    if (proto_op_decode(data, size, &op) != 0)
        return 0;
    if (op.nfields > PROTO_OP_MAX_FIELDS)
        fail("too many fields");
    for (uint32_t k = 0; k < op.nfields; k++) {
        const proto_field *f = &op.fields[k];
        if (!inside(f->name, f->name_len, data, size) ||
            !inside(f->str, f->str_len, data, size))
            fail("decoded pointer outside the input");
        if (f->type == PROTO_BOOL && f->i != 0 && f->i != 1)
            fail("bool not 0/1");
    }

    size_t len, len2;
    if (proto_op_encode(&op, enc, sizeof enc, &len) != 0)
        fail("a decoded op does not encode");
    if (len > size)
        fail("re-encoding longer than the input");
    if (proto_op_decode(enc, len, &again) != 0)
        fail("re-encoding does not decode");
    if (!same_op(&op, &again))
        fail("decode(encode(op)) differs from op");
    if (proto_op_encode(&again, enc2, sizeof enc2, &len2) != 0 || len2 != len ||
        memcmp(enc, enc2, len) != 0)
        fail("encoding is not canonical");
    return 0;
}
