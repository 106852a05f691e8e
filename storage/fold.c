/* fold.c: TEMPORARY skeleton so storage links; the lead replaces it with the
 * real fold. Produces a state holding only the kind byte. */
#include <string.h>

#include "fold.h"

int store_fold(const uint8_t *const *encs, const size_t *lens, size_t n,
               uint8_t *out, size_t cap, size_t *len, fold_info *info)
{
    proto_op op;
    if (n == 0 || cap < 1)
        return RND_EINVAL;
    int rc = proto_op_decode(encs[0], lens[0], &op);
    if (rc)
        return rc;
    out[0] = op.kind;
    *len = 1;
    info->kind = op.kind;
    info->open = 0;
    return 0;
}

int fold_state_parse(const uint8_t *buf, size_t len, fold_state *out)
{
    memset(out, 0, sizeof *out);
    if (len < 1)
        return RND_EMALFORMED;
    out->kind = buf[0];
    return 0;
}

const proto_field *fold_state_field(const fold_state *st, const char *name)
{
    return NULL;
}

const fold_event *fold_state_first(const fold_state *st, int action)
{
    return NULL;
}
