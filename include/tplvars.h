/*
 * tplvars.h - does a template use a variable no contact can have?
 *
 * `campaign add` checks its template and --subject against the variables
 * available (compose_builtin_vars() and every fields_json key of any
 * contact), so a typo like {{frist_name}} is caught once, at add time,
 * instead of failing every send.  A variable with a default is always fine.
 * Pure.
 */
#ifndef MAILROTA_TPLVARS_H
#define MAILROTA_TPLVARS_H

#include <stddef.h>

#include "err.h"

/*
 * Fails on the first variable of tmpl that has no default and is not one
 * of avail[0..n) (lower-case names, any order, duplicates allowed).
 * `origin` and `first_line` name the place as in template_check().
 * Errors: ERR_DATA "ORIGIN:LINE: unknown variable {{name}}: ...
 *   (available: a, b, c)" listing avail sorted, or a syntax error.
 */
int tplvars_check(const char *tmpl, const char *origin, int first_line,
                  const char *const *avail, size_t n, struct errinfo *ei);

#endif
