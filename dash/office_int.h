/* office_int.h: what office.c and office_wo.c share: the TABLE writer
 * (docs/WEB-API.md) and the error setter. Internal to dash/. */
#ifndef RND_DASH_OFFICE_INT_H
#define RND_DASH_OFFICE_INT_H

#include <stddef.h>

#include "office.h"

/* A TABLE column: key, title (English, translated when written), type
 * ("text", "int", "time", "bool", "real", "duration"). */
typedef struct office_col {
    const char *key, *title, *type;
} office_col;

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
