/*
 * table.h - aligned plain-text tables for people (stdout).  Cells are
 * copied; NULL prints as "-".  Control characters are replaced.
 */
#ifndef MAILROTA_TABLE_H
#define MAILROTA_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct table {
    size_t ncols;
    char **cells;      /* row-major, header row first */
    size_t nrows;      /* including the header */
    size_t cap;
};

void table_init(struct table *t, size_t ncols, const char *const *headers);
/* Adds a row of t->ncols cells. */
void table_add(struct table *t, const char *const *cells);
void table_print(const struct table *t, FILE *out);
void table_release(struct table *t);

/*
 * The same table with its rows kept in a temporary file (tmpfile(3)), not
 * in memory: for output of any length (plan -v).  init returns -1 when no
 * temporary file can be made (errno), print -1 when it cannot be read
 * back.
 */
struct table_spool {
    size_t ncols;
    size_t *w;         /* widest cell of each column so far */
    FILE *f;
    size_t nrows;      /* including the header */
};

int table_spool_init(struct table_spool *t, size_t ncols,
                     const char *const *headers);
void table_spool_add(struct table_spool *t, const char *const *cells);
int table_spool_print(struct table_spool *t, FILE *out);
void table_spool_release(struct table_spool *t);

#endif
