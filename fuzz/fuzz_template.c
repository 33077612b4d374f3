/*
 * fuzz_template.c - template files and {{var}} rendering (template.h).
 *
 * Input: one byte of options, then the template up to the first NUL, then
 * NUL-separated variable values handed out in turn to each lookup (a value
 * "\xff" alone stands for "no value").  The options choose between
 * template_parse() on the template as a file (subject and body are then
 * rendered) and template_render() on it as a string (one-line or body
 * rules); with bit 2 the whole input after the options byte, NULs
 * included, goes to template_parse().
 *
 * Checked, as template.h promises: the rendered text never contains "{{"
 * (SPEC: a raw {{...}} is never sent), is valid UTF-8 within
 * TEMPLATE_MAX_OUTPUT; one-line text holds no control character and body
 * text none but TAB and LF; a parsed subject is one trimmed line and a
 * parsed body ends in exactly one LF; and template_check(),
 * template_each_var() and template_render() agree on what the variables
 * are (render looks up exactly the names each_var reports, in order).
 */
#include "template.h"

#include <stdbool.h>

#include "util.h"

#include "fuzz.h"

#include "banned.h"

#define MAX_VALUES 16
#define MAX_VARS 4096

struct vals {
    char *v[MAX_VALUES];
    size_t n;
    size_t next;
    /* the names each_var reported, to compare with render's lookups */
    char *names[MAX_VARS];
    size_t nnames;
    size_t looked_up;
    bool truncated;
};

static const char *lookup(void *ctx, const char *name)
{
    struct vals *vs = ctx;
    const char *v;

    /* render asks for the variables each_var lists, in that order */
    if (!vs->truncated) {
        FUZZ_ASSERT(vs->looked_up < vs->nnames);
        FUZZ_ASSERT(strcmp(vs->names[vs->looked_up], name) == 0);
    }
    vs->looked_up++;
    if (vs->n == 0)
        return NULL;
    v = vs->v[vs->next++ % vs->n];
    return strcmp(v, "\xff") == 0 ? NULL : v;
}

static void collect(void *ctx, const char *name, bool has_default,
                    int line)
{
    struct vals *vs = ctx;
    size_t len = strlen(name);

    (void)has_default;
    FUZZ_ASSERT(line >= 1);
    FUZZ_ASSERT(len >= 1 && len <= TEMPLATE_NAME_MAX);
    for (const char *p = name; *p; p++)
        FUZZ_ASSERT((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                    *p == '_');
    if (vs->nnames == MAX_VARS) {
        vs->truncated = true;
        return;
    }
    vs->names[vs->nnames++] = xstrdup(name);
}

static void clear_names(struct vals *vs)
{
    for (size_t i = 0; i < vs->nnames; i++)
        free(vs->names[i]);
    vs->nnames = 0;
    vs->looked_up = 0;
    vs->truncated = false;
}

static void check_output(const char *out, bool oneline)
{
    size_t len = strlen(out);

    FUZZ_ASSERT(len <= TEMPLATE_MAX_OUTPUT);
    FUZZ_ASSERT(strstr(out, "{{") == NULL);
    FUZZ_ASSERT(utf8_valid(out, len));
    for (const unsigned char *p = (const unsigned char *)out; *p; p++) {
        if (oneline)
            FUZZ_ASSERT(*p >= 0x20 && *p != 0x7f);
        else
            FUZZ_ASSERT(*p >= 0x20 || *p == '\t' || *p == '\n');
        FUZZ_ASSERT(*p != 0x7f);
    }
}

/* Checks, lists the variables of and renders tmpl. */
static void render(const char *tmpl, bool oneline, struct vals *vs)
{
    struct errinfo ei;
    char *out = NULL;
    int checked, listed;

    checked = template_check(tmpl, "fuzz", 1, &ei);
    clear_names(vs);
    listed = template_each_var(tmpl, 1, collect, vs, &ei);
    FUZZ_ASSERT(checked == listed);
    if (checked < 0)
        FUZZ_ASSERT(vs->nnames == 0); /* no callback on a syntax error */

    vs->next = 0;
    if (template_render(tmpl, oneline, lookup, vs, &out, &ei) == 0) {
        FUZZ_ASSERT(checked == 0);
        FUZZ_ASSERT(out != NULL);
        FUZZ_ASSERT(vs->truncated || vs->looked_up == vs->nnames);
        check_output(out, oneline);
        free(out);
    } else {
        FUZZ_ASSERT(out == NULL);
        FUZZ_ASSERT(ei.code == ERR_DATA && ei.msg[0]);
        /* a syntax error is found before any lookup */
        if (checked < 0)
            FUZZ_ASSERT(vs->looked_up == 0);
    }
}

static void parse(const char *text, size_t len, struct vals *vs)
{
    struct template t = {NULL, NULL};
    struct errinfo ei;
    size_t blen;

    if (template_parse(text, len, "fuzz.txt", &t, &ei) < 0) {
        FUZZ_ASSERT(t.subject == NULL && t.body == NULL);
        FUZZ_ASSERT(ei.code == ERR_DATA && ei.msg[0]);
        return;
    }
    FUZZ_ASSERT(t.subject && t.subject[0]);
    FUZZ_ASSERT(strchr(t.subject, '\n') == NULL);
    FUZZ_ASSERT(t.subject[0] != ' ' && t.subject[0] != '\t');
    FUZZ_ASSERT(t.subject[strlen(t.subject) - 1] != ' ' &&
                t.subject[strlen(t.subject) - 1] != '\t');
    FUZZ_ASSERT(template_check(t.subject, NULL, 1, NULL) == 0);
    blen = strlen(t.body);
    FUZZ_ASSERT(blen >= 2 && t.body[blen - 1] == '\n' &&
                t.body[blen - 2] != '\n');
    FUZZ_ASSERT(strchr(t.body, '\r') == NULL);
    FUZZ_ASSERT(template_check(t.body, NULL, 3, NULL) == 0);
    render(t.subject, true, vs);
    render(t.body, false, vs);
    template_release(&t);
    FUZZ_ASSERT(t.subject == NULL && t.body == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};
    uint8_t opt = fuzz_byte(&in);
    struct vals vs;
    char *tmpl;
    size_t tlen;

    memset(&vs, 0, sizeof(vs));
    if (opt & 4) {
        /* the raw file, NUL bytes and all; lookups find no value */
        parse((const char *)in.p, in.n, &vs);
        clear_names(&vs);
        return 0;
    }
    tmpl = fuzz_str(&in, &tlen);
    while (in.n && vs.n < MAX_VALUES)
        vs.v[vs.n++] = fuzz_str(&in, NULL);
    if (opt & 1)
        parse(tmpl, tlen, &vs);
    else
        render(tmpl, (opt & 2) != 0, &vs);
    clear_names(&vs);
    for (size_t i = 0; i < vs.n; i++)
        free(vs.v[i]);
    free(tmpl);
    return 0;
}
