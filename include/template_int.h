/*
 * template_int.h - private to template.c and template_render.c: the one
 * scanner that splits a template into literal runs and {{variables}}, so
 * that checking, rendering and listing the variables cannot disagree about
 * what a variable is.  Pure.
 */
#ifndef MAILROTA_TEMPLATE_INT_H
#define MAILROTA_TEMPLATE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "template.h"

enum tok_kind {
    TOK_END,
    TOK_TEXT,
    TOK_VAR,
};

struct token {
    enum tok_kind kind;
    const char *text; /* TOK_TEXT: the run; TOK_VAR: the default */
    size_t len;
    char name[TEMPLATE_NAME_MAX + 1]; /* TOK_VAR: lower-cased */
    bool has_default;
    int line; /* where the token starts */
};

struct scanner {
    const char *p;
    const char *origin; /* NULL: messages say "line N" */
    int line;
};

/* C0 controls and DEL; TAB and LF are handled by the callers. */
static inline bool is_ctl(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

/* "ORIGIN:LINE: ..." (or "line LINE: ...") as ERR_DATA; returns -1. */
int tpl_loc_err(struct errinfo *ei, const char *origin, int line,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

void tpl_scanner_init(struct scanner *sc, const char *tmpl,
                      const char *origin, int first_line);
/*
 * Fills tok with the next literal run or variable.  Control characters other
 * than TAB and LF are errors.  The caller has checked UTF-8.
 */
int tpl_scan_next(struct scanner *sc, struct token *tok, struct errinfo *ei);

#endif
