/*
 * template.h - message templates (templates/NAME.txt) and {{var}} rendering.
 *
 * File format:
 *
 *     Subject: Hiring support for {{company}}
 *     <blank line>
 *     Hi {{first_name|there}},
 *     ...
 *
 * The first line is "Subject:" (case-insensitive, spaces or tabs allowed
 * around the word and after the colon); the second line is blank (spaces and
 * tabs allowed); the body is everything after it.  CRLF and LF line ends are
 * accepted and the body is normalised to LF, without trailing blank lines and
 * ending with exactly one LF.  A leading UTF-8 BOM is skipped; a UTF-16 one
 * is an error that says to save the file as UTF-8.  The file must
 * be valid UTF-8 without NUL bytes, at most TEMPLATE_MAX_FILE bytes, and
 * contain no control characters (C0, DEL, C1 such as U+0085) other than TAB
 * and line ends.
 *
 * Variables:
 *   - {{name}} and {{name|default}}; spaces and tabs around the name and
 *     the default are ignored ({{ first_name | there }}).
 *   - A name is 1..TEMPLATE_NAME_MAX characters of [A-Za-z0-9_] and is
 *     case-insensitive: lookups always use the lower-cased name.
 *   - The default is everything after the '|' up to "}}", trimmed.  It
 *     may be empty ({{title|}} renders nothing when title has no value).
 *     There are no filters: a default that reads as one of another
 *     template language is an error rather than text to send - a second
 *     '|' ({{name|upper|x}}), a call ({{name|default("there")}}) or a
 *     Liquid argument ({{name|default: "there"}}).
 *   - A variable lies on one line: a "{{" with no "}}" later on its line is
 *     an error, as are a "{{" inside a variable, an empty name, a bad
 *     character in a name, and a "}}" outside a variable (it catches the
 *     typo "{first_name}}").  A single '{' or '}' is just text.  There is no
 *     escape for a literal "{{": it can never be sent.
 *
 * Rendering:
 *   - A value is used when lookup returns non-NULL and, after the cleaning
 *     below, is not empty; otherwise the default is used; with no default,
 *     rendering fails: "no value for {{name}}".
 *   - Values must be valid UTF-8.  Leading and trailing whitespace is
 *     trimmed.  One-line mode (the subject): every run of whitespace,
 *     U+2028, U+2029 and control characters (C0 including CR, LF and TAB,
 *     DEL, C1) becomes one space; in the template's own text a TAB, U+2028
 *     or U+2029 becomes a space.  Body mode: CR is removed, LF and TAB are
 *     kept, other control characters (C0, DEL, C1) are dropped.
 *   - The rule for "{{": the rendered text never contains "{{".  If a value
 *     contains "{{", or a value and the text next to it together form "{{"
 *     (a value ending in '{' before a literal '{'), rendering fails naming
 *     the variable.  Template text itself cannot contain "{{" (see above).
 *   - The result is at most TEMPLATE_MAX_OUTPUT bytes.
 *
 * Error messages name the place as "ORIGIN:LINE: ..." when an origin is
 * given and "line LINE: ..." otherwise.
 *
 * Pure: no file, network, database, clock, environment or randomness.
 */
#ifndef MAILROTA_TEMPLATE_H
#define MAILROTA_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define TEMPLATE_MAX_FILE (256 * 1024)    /* bytes of a template file */
#define TEMPLATE_MAX_OUTPUT (1024 * 1024) /* bytes of a rendered string */
#define TEMPLATE_NAME_MAX 64              /* characters of a variable name */

/*
 * Returns the value of variable `name` (always lower-case) or NULL when it
 * has none.  The string is borrowed: it must stay valid until the lookup
 * function is called again or template_render() returns.
 */
typedef const char *(*template_lookup_fn)(void *ctx, const char *name);

/* A parsed template file; both strings are raw (unrendered) and owned. */
struct template {
    char *subject; /* one line, trimmed, non-empty; NULL only from
                      template_parse_step() */
    char *body;    /* LF line ends, ends with exactly one LF, non-empty */
};

/*
 * Parses a template file's contents text[0..len) (need not be
 * NUL-terminated).  `origin` (e.g. "templates/intro.txt"; NULL means
 * "template") prefixes error messages.  On success fills *out, which the
 * caller releases with template_release(); on failure *out is untouched.
 * The syntax of subject and body is checked as by template_check().
 * Errors: ERR_DATA "ORIGIN:LINE: ..." - too large, UTF-16, not UTF-8, NUL
 *   byte, control character, missing 'Subject:' line, empty subject,
 *   missing blank line, empty body, or a malformed variable.
 * Pure.
 */
int template_parse(const char *text, size_t len, const char *origin,
                   struct template *out, struct errinfo *ei);

/*
 * As template_parse(), for a follow-up step of a sequence: the 'Subject:'
 * line is optional (SPEC "Sequences").  Without one, out->subject is NULL
 * and the body starts on line 1.
 */
int template_parse_step(const char *text, size_t len, const char *origin,
                        struct template *out, struct errinfo *ei);

/* Frees the strings of t and sets them to NULL; t may be NULL. */
void template_release(struct template *t);

/*
 * Checks the syntax of the template string tmpl: UTF-8, no control
 * characters other than TAB and LF, well-formed variables.  `origin` (may be
 * NULL) and `first_line` (the line number of tmpl's first character) are
 * only used in messages.
 * Errors: ERR_DATA "ORIGIN:LINE: ...", e.g. "unclosed '{{'".
 * Pure.
 */
int template_check(const char *tmpl, const char *origin, int first_line,
                   struct errinfo *ei);

/*
 * Renders the template string tmpl, asking lookup(ctx, name) for each
 * variable.  `oneline` selects the subject rules (values on one line; a line
 * break in tmpl itself is an error; a TAB in tmpl becomes a space); otherwise
 * the body rules apply (see the top of this file).  On success *out is a new
 * NUL-terminated UTF-8 string the caller frees; on failure *out is untouched.
 * Errors: ERR_DATA - malformed template ("line N: ...", checked before any
 *   lookup, so it fails alike for every contact), "no value for
 *   {{name}}", "value of {{name}} is not valid UTF-8", "value of {{name}}
 *   contains '{{'", "value of {{name}} forms '{{' with the text next to it",
 *   "line break in a one-line template", or the output exceeding
 *   TEMPLATE_MAX_OUTPUT.
 * Pure (apart from what lookup does).
 */
int template_render(const char *tmpl, bool oneline, template_lookup_fn lookup,
                    void *ctx, char **out, struct errinfo *ei);

/* A variable of a template: its lower-cased name and the line it is on. */
typedef void (*template_var_fn)(void *ctx, const char *name,
                                bool has_default, int line);

/*
 * Calls fn(ctx, name, has_default, line) for every variable of tmpl in
 * order of appearance, once per occurrence, with the lower-cased name
 * (borrowed for the duration of the call) and its line, counted from
 * first_line (the line number of tmpl's first character).  For validating
 * a campaign's template against the available columns.  tmpl is checked
 * first: on a syntax error fn is never called.
 * Errors: ERR_DATA "line N: ..." for a malformed template.
 * Pure (apart from what fn does).
 */
int template_each_var(const char *tmpl, int first_line, template_var_fn fn,
                      void *ctx, struct errinfo *ei);

/* The line of the body's first character in a parsed template file. */
#define TEMPLATE_BODY_LINE 3

#endif
