#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#include "banned.h"

static void add_row(struct table *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->cells = xrealloc(t->cells, t->cap * t->ncols * sizeof(char *));
    }
    for (size_t i = 0; i < t->ncols; i++)
        t->cells[t->nrows * t->ncols + i] =
            sanitize(xstrdup(cells[i] ? cells[i] : "-"));
    t->nrows++;
}

void table_init(struct table *t, size_t ncols, const char *const *headers)
{
    memset(t, 0, sizeof(*t));
    t->ncols = ncols;
    add_row(t, headers);
}

void table_add(struct table *t, const char *const *cells)
{
    add_row(t, cells);
}

/* Display width: UTF-8 code points (no wide-character tables). */
static size_t width(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

void table_print(const struct table *t, FILE *out)
{
    size_t *w = xcalloc(t->ncols, sizeof(*w));

    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t x = width(t->cells[r * t->ncols + c]);
            if (x > w[c])
                w[c] = x;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = t->cells[r * t->ncols + c];
            fputs(s, out);
            if (c + 1 < t->ncols)
                for (size_t k = width(s); k < w[c] + 2; k++)
                    fputc(' ', out);
        }
        fputc('\n', out);
    }
    free(w);
}

void table_release(struct table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof(*t));
}

/* ---- a table whose rows wait in a temporary file ---- */

static void spool_row(struct table_spool *t, const char *const *cells)
{
    for (size_t i = 0; i < t->ncols; i++) {
        char *s = sanitize(xstrdup(cells[i] ? cells[i] : "-"));
        size_t x = width(s);

        if (x > t->w[i])
            t->w[i] = x;
        fputs(s, t->f);
        fputc('\0', t->f);
        free(s);
    }
    t->nrows++;
}

int table_spool_init(struct table_spool *t, size_t ncols,
                     const char *const *headers)
{
    memset(t, 0, sizeof(*t));
    t->f = tmpfile();
    if (!t->f)
        return -1;
    t->ncols = ncols;
    t->w = xcalloc(ncols, sizeof(*t->w));
    spool_row(t, headers);
    return 0;
}

void table_spool_add(struct table_spool *t, const char *const *cells)
{
    spool_row(t, cells);
}

int table_spool_print(struct table_spool *t, FILE *out)
{
    char *cell = NULL;
    size_t len = 0;

    if (fflush(t->f) != 0 || fseek(t->f, 0, SEEK_SET) != 0)
        return -1;
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            if (getdelim(&cell, &len, '\0', t->f) < 0) {
                free(cell);
                return -1;
            }
            fputs(cell, out);
            if (c + 1 < t->ncols)
                for (size_t k = width(cell); k < t->w[c] + 2; k++)
                    fputc(' ', out);
        }
        fputc('\n', out);
    }
    free(cell);
    return ferror(t->f) ? -1 : 0;
}

void table_spool_release(struct table_spool *t)
{
    if (t->f)
        fclose(t->f);
    free(t->w);
    memset(t, 0, sizeof(*t));
}
