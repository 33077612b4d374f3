/*
 * import_cols.h - the shape of a contacts CSV: columns, delimiter, blank
 * lines (see SPEC "CSV import").
 */
#ifndef MAILROTA_IMPORT_COLS_H
#define MAILROTA_IMPORT_COLS_H

#include <stdbool.h>
#include <stddef.h>

#include "contact.h"
#include "csv.h"
#include "err.h"

struct import_column {
    enum contact_field field;
    char *key; /* fields_json key, else NULL */
};

struct import_cols {
    struct import_column *cols;
    size_t ncols;
    long col_of[CONTACT_FIELD_LAST + 1]; /* column index or -1 */
};

/*
 * Maps the header row hdr of the file called name: each known column fills
 * its field, and is also kept in fields_json under its folded header name
 * when that differs from the field's name ("Company Name" ->
 * company_name) or the field has no contacts column (domain).  No column is dropped: a second column for a field
 * already taken ("Role" beside "Title") is kept under its own folded name
 * only, with one warning; a repeated key gets "_2", "_3" ...  Release
 * with import_cols_free().
 * Errors: ERR_DATA "NAME:1: no email column: ...".
 */
int import_cols_setup(struct import_cols *c, const char *name,
                      const struct csv_record *hdr, struct errinfo *ei);

void import_cols_free(struct import_cols *c);

/* The contacts-table name of a known field ("first_name").  Pure. */
const char *import_field_name(enum contact_field f);

/*
 * True when a record is a blank line, ignored like an empty one: only
 * whitespace (one blank field, or with a tab or space delimiter only blank
 * fields).  A line of commas is a row.  Pure.
 */
bool import_blank_line(char delim, const struct csv_record *rec);

/*
 * Parses --delimiter: one character other than '"', CR and LF, or "tab" /
 * "\\t" for a tab.  Errors: ERR_USAGE.  Pure.
 */
int import_parse_delimiter(const char *arg, char *delim, struct errinfo *ei);

#endif
