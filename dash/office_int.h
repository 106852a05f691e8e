/* office_int.h: what office.c and office_wo.c share: the TABLE writer
 * (docs/WEB-API.md) and the error setter. Internal to dash/. */
#ifndef RND_DASH_OFFICE_INT_H
#define RND_DASH_OFFICE_INT_H

#include <stddef.h>

#include "office.h"

/* Writes a column's "labels" value: {value: words in lang} for every
 * value the column can hold, so that the page shows words and never
 * keeps a list of values (docs/WEB-API.md, TABLE). */
typedef void (*office_labels_fn)(rpt_jw *j, const char *lang);

/* A TABLE column: key, title (English, translated when written), type
 * ("text", "int", "time", "bool", "real", "duration") and the writer of
 * its labels (NULL: its cells are shown as they are). */
typedef struct office_col {
    const char *key, *title, *type;
    office_labels_fn labels;
} office_col;

/* Member value: words, value's words (English, a msgid) in lang, as a
 * table cell shows them: a first letter in upper case ("door / window"
 * is "Door / window"). */
void office_label(rpt_jw *j, const char *value, const char *words,
                  const char *lang);

/* Member "table" and the TABLE's head up to its open "rows" array. */
void office_table_begin(rpt_jw *j, const char *name, const char *title,
                        const office_col *cols, size_t ncols, const char *lang);
/* The same as a value (in an array or after a key of the caller's). */
void office_table_open(rpt_jw *j, const char *name, const char *title,
                       const office_col *cols, size_t ncols, const char *lang);
/* A row: {"id":id_hex (NULL: null),"cells":[ ... */
void office_row_begin(rpt_jw *j, const char *id_hex);
/* ... ],"state":state} */
void office_row_end(rpt_jw *j, const char *state);
/* Closes rows and the table. */
void office_table_end(rpt_jw *j);

void office_err_set(office_err *e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
