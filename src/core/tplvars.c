/* tplvars.c - template variables against the available ones.  Pure. */
#include "tplvars.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"
#include "util.h"

#include "banned.h"

struct unknown {
    const char *const *avail;
    size_t n;
    char name[TEMPLATE_NAME_MAX + 1]; /* first unknown, or "" */
    int line;
};

static void note(void *ctx, const char *name, bool has_default, int line)
{
    struct unknown *u = ctx;

    if (has_default || u->name[0])
        return;
    for (size_t i = 0; i < u->n; i++)
        if (strcmp(u->avail[i], name) == 0)
            return;
    snprintf(u->name, sizeof(u->name), "%s", name);
    u->line = line;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int tplvars_check(const char *tmpl, const char *origin, int first_line,
                  const char *const *avail, size_t n, struct errinfo *ei)
{
    struct unknown u = { avail, n, "", 0 };
    struct strbuf sb;
    const char **sorted;
    int ret;

    if (template_check(tmpl, origin, first_line, ei) < 0 ||
        template_each_var(tmpl, first_line, note, &u, ei) < 0)
        return -1;
    if (!u.name[0])
        return 0;
    sorted = xcalloc(n ? n : 1, sizeof(*sorted));
    memcpy(sorted, avail, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), cmp_str);
    sb_init(&sb, ERR_MSG_MAX);
    for (size_t i = 0; i < n; i++)
        if ((i == 0 || strcmp(sorted[i], sorted[i - 1]) != 0) &&
            sb_addf(&sb, "%s%s", sb.len ? ", " : "", sorted[i]) < 0)
            break;
    ret = err_set(ei, ERR_DATA, "%s:%d: unknown variable {{%s}}: no contact "
                  "has it and it has no default; fix the name, give it a "
                  "default as in {{%s|text}} or import contacts with that "
                  "column first (available: %s)",
                  origin ? origin : "template", u.line, u.name, u.name,
                  sb.len ? sb.buf : "none");
    sb_release(&sb);
    free(sorted);
    return ret;
}
