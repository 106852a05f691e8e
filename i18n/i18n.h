/* i18n.h: the translation of what the two command lines print for people
 * (messages, help, the headings of text tables) through GNU gettext, with
 * the catalogues in po/ (zh_CN first). English is the source language and
 * stays the default: in the C or POSIX locale, or with no catalogue for
 * the user's language, every string is printed as written.
 *
 * Only what a person reads is translated. JSON keys, CSV headers, op
 * field names, enum values and error codes stay as they are, whatever the
 * language, because scripts and other programs read them. The dashboard
 * asks for each request's language with i18n_tr_lang(), which also gives
 * report keys English words (en_titles.h).
 *
 * Lifetime: i18n_init() is called once by main() before any output; the
 * strings _() returns belong to the catalogue and live until exit.
 */
#ifndef RND_I18N_H
#define RND_I18N_H

#include <libintl.h>

/* Marks a string for translation and translates it now. */
#define _(s) gettext(s)
/* Marks a string for translation where it cannot be translated yet (a
 * table initializer); the printer translates it with _() when it prints. */
#define N_(s) (s)

/* Takes the user's language from the environment (LANGUAGE, LC_ALL,
 * LC_MESSAGES, LANG) and binds the text domain `domain` ("rounds" or
 * "roundsd") to its catalogues: $ROUNDS_LOCALEDIR when set (the build tree
 * and tests), else the install's share/locale. Only LC_MESSAGES and
 * LC_CTYPE follow the environment: numbers and times are printed the same
 * in every language (LC_NUMERIC stays "C", so JSON keeps its '.'). */
void i18n_init(const char *domain);

/* The translation of s when s is not NULL or empty, else s: for table
 * strings that may be missing. */
const char *i18n_tr(const char *s);

/* The translation of s into lang, whatever the process's own language:
 * for a server answering each request in the language it asks for (the
 * dashboard's titles). lang is "zh-CN" (or "zh_CN", "zh") or anything
 * else (NULL too) for English.
 *
 * English: a key-shaped msgid (a report column or summary key such as
 * "last_sync", "left_ms") comes back as its English title ("Last sync",
 * "Time left") from the one table of en_titles.c; anything else (a
 * sentence, a title already in words) as written. No locale is needed.
 * i18n_tr() is not changed by this: the CLIs print keys as keys.
 *
 * Chinese: gettext's zh_CN catalogue. Thread-safe: the language is
 * switched for the calling thread only (uselocale), with the zh_CN.UTF-8
 * locale (scripts/deps.sh makes it); without that locale, or when
 * $LANGUAGE names another language (glibc's gettext puts it first), or
 * for a string the catalogue lacks, s comes back as in English above.
 * The text domain is the one i18n_init() bound. */
const char *i18n_tr_lang(const char *lang, const char *s);

#endif
