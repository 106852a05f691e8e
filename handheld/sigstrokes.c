/* sigstrokes.c: the drawn signature of a work order's completion or of a
 * door-to-door callback (field signature_strokes; docs/DATA-MODEL.md,
 * "Drawn signatures"), checked and normalised by proto/strokes.c with the
 * field checks (validate in records.c), before anything is written.
 */
#include <string.h>

#include "../proto/strokes.h"
#include "hh_internal.h"

static int is_strokes(const proto_field *f)
{
    static const char *const names[] = {"signature_strokes",
                                        "callback_signature_strokes"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++)
        if (f->name_len == strlen(names[k]) &&
            memcmp(f->name, names[k], f->name_len) == 0)
            return 1;
    return 0;
}

int hh__strokes_fields(hh *h, const hh_verb_spec *v, proto_field *f,
                       uint32_t *n)
{
    /* Valid until the next record's checks: records.c writes each record
     * before it checks the next. */
    static _Thread_local char buf[PROTO_STROKES_MAX + 1];
    for (uint32_t i = 0; i < *n; i++) {
        if (!is_strokes(&f[i]) || f[i].type != PROTO_STR)
            continue;
        proto_strokes_info info;
        size_t len, at = 0;
        const char *why = "";
        /* buf holds any input the checks take (at most the maximum). */
        int rc = proto_strokes_norm(f[i].str, f[i].str_len, buf, sizeof buf,
                                    &len, &info, &at, &why);
        if (rc)
            return hh__fail(h, RND_EFIELD,
                            "%s: field 'signature_strokes': %s at byte %zu",
                            v->verb, why, at);
        if (info.strokes == 0) { /* nothing drawn: no signature */
            memmove(&f[i], &f[i + 1], (*n - i - 1) * sizeof *f);
            (*n)--;
            i--;
            continue;
        }
        if (v->action == PROTO_ACTION_CALLBACK &&
            !proto_field_is(proto_fields_find(f, *n, "callback_method"),
                            "door"))
            return hh__fail(h, RND_EFIELD,
                            "%s: field 'signature_strokes' is for a "
                            "door-to-door callback (method door): the "
                            "resident signs on the screen",
                            v->verb);
        f[i].str = buf;
        f[i].str_len = (uint32_t)len;
    }
    return 0;
}
