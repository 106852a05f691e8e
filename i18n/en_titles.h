/* en_titles.h: the English titles of the report and register keys: the
 * key-shaped msgids of po/rounds.pot ("last_sync", "left_ms"), which the
 * CLIs print as they are (scripts read them) and the dashboard shows in
 * words ("Last sync", "Time left"). i18n_tr_lang() reads them for English
 * (i18n.h); tests/i18n/test_i18n_en.c holds them to the catalogue.
 *
 * Lifetime: the strings are static.
 */
#ifndef RND_I18N_EN_TITLES_H
#define RND_I18N_EN_TITLES_H

#include <stddef.h>

/* The English title of key, or NULL when it has none (a sentence, a
 * title already in words, a key not in the table). */
const char *i18n_en_title(const char *key);

/* The i-th key of the table in its order, with its title in *title, or
 * NULL past the end: for the test that the table is sorted and complete. */
const char *i18n_en_title_at(size_t i, const char **title);

#endif
