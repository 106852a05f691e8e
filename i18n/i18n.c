/* i18n.c: binds a program's text domain to its gettext catalogues
 * (i18n.h), and answers a request's language: Chinese from the catalogue,
 * English titles of keys from en_titles.c. glibc carries gettext, so
 * nothing more is linked. */
#include "i18n.h"
#include "en_titles.h"

#include <locale.h>
#include <pthread.h>
#include <string.h>
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

static locale_t zh_loc;
static pthread_once_t zh_once = PTHREAD_ONCE_INIT;

static void zh_init(void)
{
    zh_loc =
        newlocale(LC_MESSAGES_MASK | LC_CTYPE_MASK, "zh_CN.UTF-8", (locale_t)0);
}

/* s in English: a key's title in words, else s as written (a sentence or
 * a title is its own English). */
static const char *tr_en(const char *s)
{
    const char *t = i18n_en_title(s);
    return t ? t : s;
}

const char *i18n_tr_lang(const char *lang, const char *s)
{
    if (s == NULL || *s == '\0')
        return s;
    if (lang == NULL || strncmp(lang, "zh", 2) != 0)
        return tr_en(s);
    pthread_once(&zh_once, zh_init);
    if (zh_loc == (locale_t)0)
        return tr_en(s);
    locale_t old = uselocale(zh_loc);
    const char *t = gettext(s);
    uselocale(old);
    /* gettext hands back s itself when it has no translation: a key is
     * then better read in English words than as a key. */
    return t == s ? tr_en(s) : t;
}
