/*
 * template.c - template files and the {{var}} scanner.  See template.h for
 * the format and the rules.  Pure.  Rendering is in template_render.c.
 *
 * One scanner (tpl_scan_next) splits a template string into literal text runs
 * and variables; check, render and each_var are loops over it, so the three
 * can never disagree about what a variable is.
 */
#include "template.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "template_int.h"
#include "util.h"

#include "banned.h"

int tpl_loc_err(struct errinfo *ei, const char *origin, int line,
                const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    err_vset_at(ei, ERR_DATA, origin, line, fmt, ap);
    va_end(ap);
    return -1; /* spelled out so analyzers see tpl_scan_next() fail */
}

static bool is_blank_ch(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_name_ch(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_';
}

static bool at_open(const char *p)
{
    return p[0] == '{' && p[1] == '{';
}

static bool at_close(const char *p)
{
    return p[0] == '}' && p[1] == '}';
}

static int ctl_err(struct errinfo *ei, const char *origin, int line,
                   unsigned char c)
{
    if (c == '\r')
        return tpl_loc_err(ei, origin, line, "bare carriage return");
    return tpl_loc_err(ei, origin, line, "control character 0x%02x", c);
}

static int c1_err(struct errinfo *ei, const char *origin, int line,
                  const char *p)
{
    return tpl_loc_err(ei, origin, line, "control character U+%04X",
                       (unsigned)(unsigned char)p[1]);
}

static bool is_ident(const char *s, const char *e)
{
    if (s == e || (*s >= '0' && *s <= '9'))
        return false;
    for (; s < e; s++)
        if (!is_name_ch(*s))
            return false;
    return true;
}

/*
 * True when the default [s, e) reads as a filter of another template
 * language rather than text: "upper|x" (a chain), "default("there")"
 * (Jinja) or "default: "there"" (Liquid).  Sent as text it would greet a
 * prospect with "Hi default("there"),".
 */
static bool looks_like_filter(const char *s, const char *e)
{
    const char *p = s;

    if (memchr(s, '|', (size_t)(e - s)))
        return true;
    while (p < e && is_name_ch(*p))
        p++;
    if (!is_ident(s, p) || p == e)
        return false;
    if (*p == '(')
        return e[-1] == ')';
    if (*p != ':')
        return false;
    for (p++; p < e && is_blank_ch(*p); p++)
        ;
    return p < e && (*p == '"' || *p == '\'');
}

/*
 * Checks buf[0..len) line by line for NUL bytes and invalid UTF-8, so the
 * message can name the line.  No UTF-8 sequence contains a '\n' byte, so
 * checking per line is the same as checking the whole.
 */
static int check_bytes(const char *buf, size_t len, const char *origin,
                       int first_line, struct errinfo *ei)
{
    const char *p = buf, *end = buf + len;
    int line = first_line;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

        if (memchr(p, '\0', n))
            return tpl_loc_err(ei, origin, line, "NUL byte");
        if (!utf8_valid(p, n))
            return tpl_loc_err(ei, origin, line, "not valid UTF-8");
        p += n + (nl ? 1 : 0);
        line++;
    }
    return 0;
}

void tpl_scanner_init(struct scanner *sc, const char *tmpl,
                      const char *origin, int first_line)
{
    sc->p = tmpl;
    sc->origin = origin;
    sc->line = first_line;
}

/* Trims spaces and tabs from both ends of [*s, *e). */
static void trim_range(const char **s, const char **e)
{
    while (*s < *e && is_blank_ch(**s))
        (*s)++;
    while (*e > *s && is_blank_ch((*e)[-1]))
        (*e)--;
}

/* sc->p is at "{{". */
static int scan_var(struct scanner *sc, struct token *tok,
                    struct errinfo *ei)
{
    const char *open = sc->p, *q = open + 2, *close, *bar = NULL;
    const char *ns, *ne, *ds, *de;
    size_t nlen;

    for (;; q++) {
        if (at_close(q))
            break;
        if (*q == '\0' || *q == '\n')
            return tpl_loc_err(ei, sc->origin, sc->line,
                               "unclosed '{{' (no '}}' on the same line)");
        if (at_open(q))
            return tpl_loc_err(ei, sc->origin, sc->line,
                               "'{{' inside a variable");
        if (*q != '\t' && is_ctl((unsigned char)*q))
            return ctl_err(ei, sc->origin, sc->line, (unsigned char)*q);
        if (utf8_is_c1(q))
            return c1_err(ei, sc->origin, sc->line, q);
        if (*q == '|' && !bar)
            bar = q;
    }
    close = q;

    ns = open + 2;
    ne = bar ? bar : close;
    trim_range(&ns, &ne);
    nlen = (size_t)(ne - ns);
    if (nlen == 0)
        return tpl_loc_err(ei, sc->origin, sc->line, "empty variable name");
    for (const char *c = ns; c < ne; c++) {
        if (is_name_ch(*c))
            continue;
        if ((unsigned char)*c < 0x80)
            return tpl_loc_err(ei, sc->origin, sc->line,
                               "bad character '%c' in variable name '%.*s'",
                               *c, (int)(nlen > 80 ? 80 : nlen), ns);
        return tpl_loc_err(ei, sc->origin, sc->line,
                           "bad character 0x%02x in variable name '%.*s'",
                           (unsigned char)*c, (int)(nlen > 80 ? 80 : nlen),
                           ns);
    }
    if (nlen > TEMPLATE_NAME_MAX)
        return tpl_loc_err(ei, sc->origin, sc->line,
                           "variable name longer than %d characters",
                           TEMPLATE_NAME_MAX);

    memcpy(tok->name, ns, nlen);
    tok->name[nlen] = '\0';
    str_lower(tok->name);
    tok->has_default = bar != NULL;
    if (bar) {
        ds = bar + 1;
        de = close;
        trim_range(&ds, &de);
        if (looks_like_filter(ds, de))
            return tpl_loc_err(ei, sc->origin, sc->line,
                               "'{{%s|%.*s}}' looks like a filter: there are "
                               "no filters, only a default text after one "
                               "'|', as in {{%s|there}}",
                               tok->name, (int)(de - ds > 60 ? 60 : de - ds),
                               ds, tok->name);
        tok->text = ds;
        tok->len = (size_t)(de - ds);
    } else {
        tok->text = close;
        tok->len = 0;
    }
    tok->kind = TOK_VAR;
    tok->line = sc->line;
    sc->p = close + 2;
    return 0;
}

/*
 * Fills tok with the next literal run or variable.  Control characters other
 * than TAB and LF are errors.  The caller has checked UTF-8.
 */
int tpl_scan_next(struct scanner *sc, struct token *tok,
                  struct errinfo *ei)
{
    const char *p = sc->p;

    tok->line = sc->line;
    if (*p == '\0') {
        tok->kind = TOK_END;
        return 0;
    }
    if (at_open(p))
        return scan_var(sc, tok, ei);
    if (at_close(p))
        return tpl_loc_err(ei, sc->origin, sc->line,
                           "'}}' without an opening '{{'");

    tok->text = p;
    while (*p && !at_open(p) && !at_close(p)) {
        unsigned char c = (unsigned char)*p;

        if (c == '\n')
            sc->line++;
        else if (c != '\t' && is_ctl(c))
            return ctl_err(ei, sc->origin, sc->line, c);
        else if (utf8_is_c1(p))
            return c1_err(ei, sc->origin, sc->line, p);
        p++;
    }
    tok->kind = TOK_TEXT;
    tok->len = (size_t)(p - tok->text);
    sc->p = p;
    return 0;
}

int template_check(const char *tmpl, const char *origin, int first_line,
                   struct errinfo *ei)
{
    struct scanner sc;
    struct token tok = {.kind = TOK_END};

    if (check_bytes(tmpl, strlen(tmpl), origin, first_line, ei) < 0)
        return -1;
    tpl_scanner_init(&sc, tmpl, origin, first_line);
    do {
        if (tpl_scan_next(&sc, &tok, ei) < 0)
            return -1;
    } while (tok.kind != TOK_END);
    return 0;
}

int template_each_var(const char *tmpl, int first_line,
                      template_var_fn fn, void *ctx, struct errinfo *ei)
{
    struct scanner sc;
    struct token tok = {.kind = TOK_END};

    if (template_check(tmpl, NULL, first_line, ei) < 0)
        return -1;
    tpl_scanner_init(&sc, tmpl, NULL, first_line);
    for (;;) {
        if (tpl_scan_next(&sc, &tok, ei) < 0)
            return -1;
        if (tok.kind == TOK_END)
            return 0;
        if (tok.kind == TOK_VAR)
            fn(ctx, tok.name, tok.has_default, tok.line);
    }
}

/*
 * Matches "[ \t]*subject[ \t]*:[ \t]*VALUE[ \t]*" on line[0..len) and sets
 * [*vs, *ve) to VALUE.  Returns false when the line is not a Subject line.
 */
static bool subject_line(const char *line, size_t len, const char **vs,
                         const char **ve)
{
    static const char word[] = "subject";
    const char *p = line, *end = line + len;

    while (p < end && is_blank_ch(*p))
        p++;
    for (size_t i = 0; i < sizeof(word) - 1; i++, p++) {
        char c = p < end ? *p : '\0';

        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return false;
    }
    while (p < end && is_blank_ch(*p))
        p++;
    if (p >= end || *p != ':')
        return false;
    p++;
    *vs = p;
    *ve = end;
    trim_range(vs, ve);
    return true;
}

static bool blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_blank_ch(s[i]))
            return false;
    return true;
}

/* The file's text checked and with LF line ends, into *norm (new). */
static int parse_prepare(const char *text, size_t len, const char *origin,
                         char **norm, struct errinfo *ei)
{
    size_t n = 0;
    char *out;

    if (len > TEMPLATE_MAX_FILE)
        return err_set(ei, ERR_DATA, "%s: larger than %d bytes", origin,
                       TEMPLATE_MAX_FILE);
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    /* named, rather than reported as its first NUL byte */
    if (utf16_bom(text, len))
        return tpl_loc_err(ei, origin, 1, "UTF-16 text (a UTF-16 byte order "
                           "mark): save the file as UTF-8");
    if (check_bytes(text, len, origin, 1, ei) < 0)
        return -1;
    /* CRLF -> LF; a bare CR stays and template_check() reports it */
    out = xmalloc(len + 1);
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
            continue;
        out[n++] = text[i];
    }
    out[n] = '\0';
    *norm = out;
    return 0;
}

/*
 * The Subject line and the blank line after it: *subject (new) and where
 * the body starts (*bs, on line *bline).  Without a Subject line: an
 * error, or when optional, no subject and the body from line 1.
 */
static int parse_head(const char *norm, const char *origin, bool optional,
                      char **subject, const char **bs, int *bline,
                      struct errinfo *ei)
{
    const char *eol = strchr(norm, '\n'), *line2, *eol2, *vs, *ve;

    *subject = NULL;
    if (!subject_line(norm, eol ? (size_t)(eol - norm) : strlen(norm), &vs,
                      &ve)) {
        if (!optional)
            return tpl_loc_err(ei, origin, 1, "missing 'Subject:' line");
        *bs = norm;
        *bline = 1;
        return 0;
    }
    if (vs == ve)
        return tpl_loc_err(ei, origin, 1, "empty subject");
    if (!eol)
        return tpl_loc_err(ei, origin, 2,
                           "missing blank line after 'Subject:'");
    line2 = eol + 1;
    eol2 = strchr(line2, '\n');
    if (!blank_line(line2, eol2 ? (size_t)(eol2 - line2) : strlen(line2)))
        return tpl_loc_err(ei, origin, 2,
                           "missing blank line after 'Subject:'");
    *subject = xstrndup(vs, (size_t)(ve - vs));
    *bs = eol2 ? eol2 + 1 : line2 + strlen(line2);
    *bline = TEMPLATE_BODY_LINE;
    return 0;
}

/* The body from bs: trailing blank lines and whitespace dropped, one LF
 * at its end.  *body is new. */
static int parse_body(const char *bs, const char *origin, int bline,
                      char **body, struct errinfo *ei)
{
    size_t blen = strlen(bs);

    while (blen && (is_blank_ch(bs[blen - 1]) || bs[blen - 1] == '\n'))
        blen--;
    if (blen == 0)
        return tpl_loc_err(ei, origin, bline, "empty body");
    *body = xmalloc(blen + 2);
    memcpy(*body, bs, blen);
    (*body)[blen] = '\n';
    (*body)[blen + 1] = '\0';
    return 0;
}

static int parse(const char *text, size_t len, const char *origin,
                 bool subject_optional, struct template *out,
                 struct errinfo *ei)
{
    char *norm = NULL, *subject = NULL, *body = NULL;
    const char *bs = NULL;
    int bline = 1, ret = -1;

    if (!origin)
        origin = "template";
    if (parse_prepare(text, len, origin, &norm, ei) < 0)
        return -1;
    if (parse_head(norm, origin, subject_optional, &subject, &bs, &bline,
                   ei) < 0 ||
        parse_body(bs, origin, bline, &body, ei) < 0)
        goto out;
    if ((subject && template_check(subject, origin, 1, ei) < 0) ||
        template_check(body, origin, bline, ei) < 0)
        goto out;
    out->subject = subject;
    out->body = body;
    subject = body = NULL;
    ret = 0;
out:
    free(norm);
    free(subject);
    free(body);
    return ret;
}

int template_parse(const char *text, size_t len, const char *origin,
                   struct template *out, struct errinfo *ei)
{
    return parse(text, len, origin, false, out, ei);
}

int template_parse_step(const char *text, size_t len, const char *origin,
                        struct template *out, struct errinfo *ei)
{
    return parse(text, len, origin, true, out, ei);
}

void template_release(struct template *t)
{
    if (!t)
        return;
    free(t->subject);
    free(t->body);
    t->subject = NULL;
    t->body = NULL;
}
