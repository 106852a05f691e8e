/* jw.c: a record's field and a verb of the verb table as JSON for the
 * project's front ends (hh_jw.h). */
#include "hh_jw.h"

#include "../i18n/i18n.h"

void hh__jw_value(rpt_jw *j, const hh_value *v)
{
    char masked[HH_VALUE_MAX + 1];
    const char *str;
    size_t len;
    switch (v->type) {
    case HH_VAL_STR:
        hh_value_shown(v, masked, sizeof masked, &str, &len);
        rpt_jw_strn(j, str, len);
        break;
    case HH_VAL_INT:
        rpt_jw_int(j, v->i);
        break;
    case HH_VAL_BOOL:
        rpt_jw_bool(j, (int)v->i);
        break;
    default:
        rpt_jw_null(j);
    }
}

static void field(rpt_jw *j, const hh_verb_spec *v, const hh_field_spec *f,
                  const char *lang)
{
    const char *title = hh__field_title(v, f);
    rpt_jw_kstr(j, "name", f->name);
    rpt_jw_kstr(j, "op", f->op_name ? f->op_name : f->name);
    rpt_jw_kstr(j, "type", hh_field_type_name(f->type));
    rpt_jw_kbool(j, "required", f->required);
    rpt_jw_kstrv(j, "choices", f->choices);
    rpt_jw_key(j, "labels");
    if (f->choices) {
        rpt_jw_obj(j);
        for (const char *const *c = f->choices; *c; c++) {
            const char *w = hh__choice_words(f, *c);
            rpt_jw_kstr(j, *c, i18n_tr_lang(lang, w ? w : *c));
        }
        rpt_jw_end(j);
    } else {
        rpt_jw_null(j);
    }
    rpt_jw_kstr(j, "default", f->dflt);
    const char *help = hh__field_help(v, f);
    rpt_jw_kstr(j, "title", i18n_tr_lang(lang, title ? title : help));
    rpt_jw_kstr(j, "help", i18n_tr_lang(lang, help));
}

void hh__jw_verb(rpt_jw *j, const hh_verb_spec *v, const char *lang,
                 hh_jw_field_fn extra, void *arg)
{
    const char *title = hh__verb_title(v);
    rpt_jw_kstr(j, "verb", v->verb);
    rpt_jw_kstr(j, "kind", hh_kind_name(v->kind));
    rpt_jw_kbool(j, "creates", v->creates);
    rpt_jw_kstr(j, "from", v->from);
    rpt_jw_kstr(j, "title", i18n_tr_lang(lang, title ? title : v->help));
    rpt_jw_kstr(j, "help", i18n_tr_lang(lang, v->help));
    rpt_jw_key(j, "fields");
    rpt_jw_arr(j);
    for (const hh_field_spec *f = v->fields; f->name; f++) {
        rpt_jw_obj(j);
        field(j, v, f, lang);
        if (extra)
            extra(j, v, f, arg);
        rpt_jw_end(j);
    }
    rpt_jw_end(j);
}
