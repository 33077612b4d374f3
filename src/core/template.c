/*
 * template.c - template files and {{var}} rendering.  See template.h for the
 * format and the rules.  Pure.
 *
 * One scanner (scan_next) splits a template string into literal text runs
 * and variables; check, render and each_var are loops over it, so the three
 * can never disagree about what a variable is.
 */
#include "template.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#include "banned.h"

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

static int loc_err(struct errinfo *ei, const char *origin, int line,
                   const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int loc_err(struct errinfo *ei, const char *origin, int line,
                   const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    err_vset_at(ei, ERR_DATA, origin, line, fmt, ap);
    va_end(ap);
    return -1; /* spelled out so analyzers see scan_next() fail */
}

static bool is_blank_ch(char c)
{
    return c == ' ' || c == '\t';
}

/* C0 controls and DEL; TAB and LF are handled by the callers. */
static bool is_ctl(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
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
        return loc_err(ei, origin, line, "bare carriage return");
    return loc_err(ei, origin, line, "control character 0x%02x", c);
}

static int c1_err(struct errinfo *ei, const char *origin, int line,
                  const char *p)
{
    return loc_err(ei, origin, line, "control character U+%04X",
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
            return loc_err(ei, origin, line, "NUL byte");
        if (!utf8_valid(p, n))
            return loc_err(ei, origin, line, "not valid UTF-8");
        p += n + (nl ? 1 : 0);
        line++;
    }
    return 0;
}

static void scanner_init(struct scanner *sc, const char *tmpl,
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
            return loc_err(ei, sc->origin, sc->line,
                           "unclosed '{{' (no '}}' on the same line)");
        if (at_open(q))
            return loc_err(ei, sc->origin, sc->line,
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
        return loc_err(ei, sc->origin, sc->line, "empty variable name");
    for (const char *c = ns; c < ne; c++) {
        if (is_name_ch(*c))
            continue;
        if ((unsigned char)*c < 0x80)
            return loc_err(ei, sc->origin, sc->line,
                           "bad character '%c' in variable name '%.*s'", *c,
                           (int)(nlen > 80 ? 80 : nlen), ns);
        return loc_err(ei, sc->origin, sc->line,
                       "bad character 0x%02x in variable name '%.*s'",
                       (unsigned char)*c, (int)(nlen > 80 ? 80 : nlen), ns);
    }
    if (nlen > TEMPLATE_NAME_MAX)
        return loc_err(ei, sc->origin, sc->line,
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
            return loc_err(ei, sc->origin, sc->line,
                           "'{{%s|%.*s}}' looks like a filter: there are no "
                           "filters, only a default text after one '|', "
                           "as in {{%s|there}}",
                           tok->name, (int)(de - ds > 60 ? 60 : de - ds), ds,
                           tok->name);
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
static int scan_next(struct scanner *sc, struct token *tok,
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
        return loc_err(ei, sc->origin, sc->line,
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
    scanner_init(&sc, tmpl, origin, first_line);
    do {
        if (scan_next(&sc, &tok, ei) < 0)
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
    scanner_init(&sc, tmpl, NULL, first_line);
    for (;;) {
        if (scan_next(&sc, &tok, ei) < 0)
            return -1;
        if (tok.kind == TOK_END)
            return 0;
        if (tok.kind == TOK_VAR)
            fn(ctx, tok.name, tok.has_default, tok.line);
    }
}

static int too_long(struct errinfo *ei)
{
    return err_set(ei, ERR_DATA, "rendered text longer than %d bytes",
                   TEMPLATE_MAX_OUTPUT);
}

/*
 * Appends template text (a literal run or a default).  In one-line mode a
 * TAB, U+2028 and U+2029 become a space and a line break is an error.
 */
static int add_text(struct strbuf *sb, const char *s, size_t n, bool oneline,
                    int line, struct errinfo *ei)
{
    if (!oneline) {
        if (sb_add(sb, s, n) < 0)
            return too_long(ei);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (c == '\n')
            return loc_err(ei, NULL, line,
                           "line break in a one-line template");
        if (i + 2 < n && utf8_is_line_sep(s + i)) {
            c = ' ';
            i += 2;
        }
        if (sb_addch(sb, c == '\t' ? ' ' : c) < 0)
            return too_long(ei);
    }
    return 0;
}

/*
 * Appends the cleaned value v (valid UTF-8) to the empty buffer val; see
 * template.h for the rules.  C1 controls (U+0080..U+009F) are the two-byte
 * sequences C2 80..C2 9F; in one-line mode U+2028 and U+2029 count as
 * white space too.
 */
static int clean_value(struct strbuf *val, const char *v, bool oneline,
                       struct errinfo *ei)
{
    const unsigned char *p = (const unsigned char *)v;
    bool pending = false; /* one-line: a space is owed before the next char */

    while (*p) {
        size_t n = 1;
        bool ctl = is_ctl(*p);

        if (utf8_is_c1((const char *)p)) {
            ctl = true;
            n = 2;
        }
        if (oneline) {
            if (utf8_is_line_sep((const char *)p))
                n = 3;
            if (ctl || *p == ' ' || n == 3) {
                pending = true;
                p += n;
                continue;
            }
            if (pending && val->len > 0 && sb_addch(val, ' ') < 0)
                return too_long(ei);
            pending = false;
        } else if (ctl && *p != '\n' && *p != '\t') {
            p += n; /* CR, other C0, DEL, C1: dropped */
            continue;
        }
        if (sb_add(val, p, n) < 0)
            return too_long(ei);
        p += n;
    }
    if (!oneline) {
        str_trim(val->buf);
        val->len = strlen(val->buf);
    }
    return 0;
}

/* True when the output from max(at - 1, 0) on contains "{{". */
static bool forms_open(const struct strbuf *sb, size_t at)
{
    return strstr(sb->buf + (at ? at - 1 : 0), "{{") != NULL;
}

int template_render(const char *tmpl, bool oneline, template_lookup_fn lookup,
                    void *ctx, char **out, struct errinfo *ei)
{
    struct scanner sc;
    struct token tok = {.kind = TOK_END};
    struct strbuf sb, val;
    /* the variable whose value ends the output so far, or "" */
    char prev[TEMPLATE_NAME_MAX + 1] = "";
    int ret = -1;

    /*
     * Check the whole template first, so a malformed template fails the
     * same way for every contact instead of behind a missing value.
     */
    if (template_check(tmpl, NULL, 1, ei) < 0)
        return -1;
    sb_init(&sb, TEMPLATE_MAX_OUTPUT);
    sb_init(&val, TEMPLATE_MAX_OUTPUT);
    scanner_init(&sc, tmpl, NULL, 1);
    for (;;) {
        size_t at = sb.len;
        const char *v;

        if (scan_next(&sc, &tok, ei) < 0)
            goto out;
        if (tok.kind == TOK_END)
            break;
        if (tok.kind == TOK_TEXT) {
            if (add_text(&sb, tok.text, tok.len, oneline, tok.line, ei) < 0)
                goto out;
            /* template text has no "{{"; only a value's '{' can join it */
            if (forms_open(&sb, at)) {
                err_set(ei, ERR_DATA,
                        "value of {{%s}} forms '{{' with the text next to it",
                        prev[0] ? prev : "?");
                goto out;
            }
            prev[0] = '\0';
            continue;
        }

        sb_reset(&val);
        v = lookup(ctx, tok.name);
        if (v) {
            if (!utf8_valid(v, strlen(v))) {
                err_set(ei, ERR_DATA, "value of {{%s}} is not valid UTF-8",
                        tok.name);
                goto out;
            }
            if (clean_value(&val, v, oneline, ei) < 0)
                goto out;
        }
        if (val.len == 0) {
            if (!tok.has_default) {
                err_set(ei, ERR_DATA, "no value for {{%s}}", tok.name);
                goto out;
            }
            if (add_text(&val, tok.text, tok.len, oneline, tok.line, ei) < 0)
                goto out;
        } else if (strstr(val.buf, "{{")) {
            err_set(ei, ERR_DATA, "value of {{%s}} contains '{{'", tok.name);
            goto out;
        }
        if (sb_add(&sb, val.buf, val.len) < 0) {
            too_long(ei);
            goto out;
        }
        if (forms_open(&sb, at)) {
            err_set(ei, ERR_DATA,
                    "value of {{%s}} forms '{{' with the text next to it",
                    tok.name);
            goto out;
        }
        memcpy(prev, tok.name, strlen(tok.name) + 1);
    }
    *out = sb_detach(&sb, NULL);
    ret = 0;
out:
    sb_release(&sb);
    sb_release(&val);
    return ret;
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

int template_parse(const char *text, size_t len, const char *origin,
                   struct template *out, struct errinfo *ei)
{
    char *norm = NULL, *subject = NULL, *body = NULL;
    const char *eol, *line2, *eol2, *vs, *ve, *bs;
    size_t n = 0, blen;
    int ret = -1;

    if (!origin)
        origin = "template";
    if (len > TEMPLATE_MAX_FILE)
        return err_set(ei, ERR_DATA, "%s: larger than %d bytes", origin,
                       TEMPLATE_MAX_FILE);
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    /* named, rather than reported as its first NUL byte */
    if (utf16_bom(text, len))
        return loc_err(ei, origin, 1, "UTF-16 text (a UTF-16 byte order "
                       "mark): save the file as UTF-8");
    if (check_bytes(text, len, origin, 1, ei) < 0)
        return -1;

    /* CRLF -> LF; a bare CR stays and template_check() reports it */
    norm = xmalloc(len + 1);
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
            continue;
        norm[n++] = text[i];
    }
    norm[n] = '\0';

    eol = strchr(norm, '\n');
    if (!subject_line(norm, eol ? (size_t)(eol - norm) : n, &vs, &ve)) {
        loc_err(ei, origin, 1, "missing 'Subject:' line");
        goto out;
    }
    if (vs == ve) {
        loc_err(ei, origin, 1, "empty subject");
        goto out;
    }
    subject = xstrndup(vs, (size_t)(ve - vs));
    if (!eol) {
        loc_err(ei, origin, 2, "missing blank line after 'Subject:'");
        goto out;
    }
    line2 = eol + 1;
    eol2 = strchr(line2, '\n');
    if (!blank_line(line2, eol2 ? (size_t)(eol2 - line2) : strlen(line2))) {
        loc_err(ei, origin, 2, "missing blank line after 'Subject:'");
        goto out;
    }

    /* body: drop trailing blank lines and whitespace, end with one LF */
    bs = eol2 ? eol2 + 1 : line2 + strlen(line2);
    blen = strlen(bs);
    while (blen && (is_blank_ch(bs[blen - 1]) || bs[blen - 1] == '\n'))
        blen--;
    if (blen == 0) {
        loc_err(ei, origin, TEMPLATE_BODY_LINE, "empty body");
        goto out;
    }
    body = xmalloc(blen + 2);
    memcpy(body, bs, blen);
    body[blen] = '\n';
    body[blen + 1] = '\0';

    if (template_check(subject, origin, 1, ei) < 0 ||
        template_check(body, origin, TEMPLATE_BODY_LINE, ei) < 0)
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

void template_release(struct template *t)
{
    if (!t)
        return;
    free(t->subject);
    free(t->body);
    t->subject = NULL;
    t->body = NULL;
}
