/* i18n.c: binds a program's text domain to its gettext catalogues
 * (i18n.h). glibc carries gettext, so nothing more is linked. */
#include "i18n.h"

#include <locale.h>
#include <stdlib.h>

#ifndef RND_LOCALEDIR
#define RND_LOCALEDIR "/usr/share/locale"
#endif

void i18n_init(const char *domain)
{
    const char *dir = getenv("ROUNDS_LOCALEDIR");

    /* LC_CTYPE too: gettext converts the catalogue's UTF-8 to the
     * terminal's codeset, which LC_CTYPE names. */
    setlocale(LC_CTYPE, "");
    setlocale(LC_MESSAGES, "");
    bindtextdomain(domain, dir && *dir ? dir : RND_LOCALEDIR);
    /* Our output is UTF-8 whatever the codeset (JSON needs it). */
    bind_textdomain_codeset(domain, "UTF-8");
    textdomain(domain);
}

const char *i18n_tr(const char *s)
{
    return s && *s ? gettext(s) : s;
}
