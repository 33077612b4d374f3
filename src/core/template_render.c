/*
 * template_render.c - {{var}} rendering: each variable replaced by its
 * cleaned value or its default, in multi-line (body) or one-line (subject)
 * mode.  See template.h for the rules.  Pure.
 */
#include "template.h"

#include <stdlib.h>
#include <string.h>

#include "template_int.h"
#include "util.h"

#include "banned.h"

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
            return tpl_loc_err(ei, NULL, line,
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
    tpl_scanner_init(&sc, tmpl, NULL, 1);
    for (;;) {
        size_t at = sb.len;
        const char *v;

        if (tpl_scan_next(&sc, &tok, ei) < 0)
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
