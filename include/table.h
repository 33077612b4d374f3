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

#endif
