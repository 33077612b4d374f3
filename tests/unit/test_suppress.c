/* suppress_value(): the spellings of a suppression value. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "suppress.h"

static const struct {
    const char *in;
    const char *want;      /* NULL: refused */
    bool respelled;
    const char *reason;    /* for refusals: a phrase the reason contains */
} cases[] = {
    /* addresses */
    { "a@b.example", "a@b.example", false, NULL },
    { "  Ann@B.Example \t", "Ann@b.example", false, NULL },
    { "a*b@c.example", "a*b@c.example", false, NULL },
    { "*x@c.example", "*x@c.example", false, NULL },
    /* domains */
    { "@b.example", "@b.example", false, NULL },
    { "@Sub.B.Example", "@sub.b.example", false, NULL },
    { " @b.example ", "@b.example", false, NULL },
    { "xn--bcher-kva.example", "@xn--bcher-kva.example", true, NULL },
    /* SPEC's other spellings of a domain */
    { "b.example", "@b.example", true, NULL },
    { "B.EXAMPLE", "@b.example", true, NULL },
    { "*@b.example", "@b.example", true, NULL },
    { "*@Sub.B.example", "@sub.b.example", true, NULL },
    { " *@b.example", "@b.example", true, NULL },
    /* refusals */
    { "", NULL, false, "empty" },
    { "   ", NULL, false, "empty" },
    { "foo", NULL, false, "no dot" },
    { "@", NULL, false, "empty domain" },
    { "*@", NULL, false, "empty domain" },
    { "@b", NULL, false, "no dot" },
    { "x@y", NULL, false, "no dot" },
    { "@-b.example", NULL, false, "hyphen" },
    { "@b.example.", NULL, false, "empty label" },
    { "@b..example", NULL, false, "empty label" },
    { "@b.123", NULL, false, "top-level" },
    { "a@b@c.example", NULL, false, "more than one" },
    { "@a@b.example", NULL, false, "more than one" },
    { "@b c.example", NULL, false, "invalid character" },
    { "b.example\n@c.example", NULL, false, "" },
    { "@b.example\r\nBcc: x@y.example", NULL, false, "" },
    { "https://b.example", NULL, false, "invalid character" },
    { "*", NULL, false, "'*'" },
    { "*.b.example", NULL, false, "covers its subdomains" },
    { "@*.b.example", NULL, false, "covers its subdomains" },
    { "*@*.b.example", NULL, false, "covers its subdomains" },
    { "a@*.b.example", NULL, false, "covers its subdomains" },
    /* a local part of stars is a legal address, and stays one */
    { "**@b.example", "**@b.example", false, NULL },
};

static void test_values(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *reason = "(untouched)";
        bool respelled = !cases[i].respelled;
        char *v = suppress_value(cases[i].in, &respelled, &reason);

        printf("# case %zu\n", i);
        T_STR(v, cases[i].want);
        if (cases[i].want) {
            T_INT(respelled, cases[i].respelled);
            T_STR(reason, "(untouched)");
        } else {
            T_OK(strstr(reason, cases[i].reason) != NULL);
            if (!strstr(reason, cases[i].reason))
                printf("#   reason \"%s\"\n", reason);
            /* written on success only */
            T_INT(respelled, !cases[i].respelled);
        }
        free(v);
    }
}

static void test_null_outs(void)
{
    char *v = suppress_value("*@b.example", NULL, NULL);

    T_STR(v, "@b.example");
    free(v);
    T_OK(suppress_value("nope", NULL, NULL) == NULL);
    T_OK(suppress_value(NULL, NULL, NULL) == NULL);
}

/* A value read back is itself: stored values are stable. */
static void test_idempotent(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *v = suppress_value(cases[i].in, NULL, NULL), *w;
        bool respelled = true;

        if (!v)
            continue;
        w = suppress_value(v, &respelled, NULL);
        T_STR(w, v);
        T_INT(respelled, false);
        free(w);
        free(v);
    }
}

int main(void)
{
    T_RUN(test_values);
    T_RUN(test_null_outs);
    T_RUN(test_idempotent);
    return t_done();
}
