/* test_tplvars.c - variables no contact can have (tplvars.c). */
#include <string.h>

#include "harness.h"
#include "tplvars.h"

static const char *const avail[] = {"title", "company", "first_name",
                                    "project", "company"};

static const struct {
    const char *tmpl;
    int first_line;
    int want;
    const char *msg; /* prefix of the message, or NULL */
} cases[] = {
    {"Hi {{first_name}} of {{Company}}\n", 3, 0, NULL},
    {"Hi {{frist_name|there}}\n", 3, 0, NULL}, /* a default: fine */
    {"Hi {{first_name}}\n\n{{frist_name}}\n", 3, -1,
     "t.txt:5: unknown variable {{frist_name}}: "},
    {"{{a}} {{b}}", 1, -1, "t.txt:1: unknown variable {{a}}: "},
    {"{{a", 1, -1, "t.txt:1: unclosed"},
};

static void test_cases(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct errinfo ei = {ERR_OK, ""};

        T_INT(tplvars_check(cases[i].tmpl, "t.txt", cases[i].first_line,
                            avail, 5, &ei),
              cases[i].want);
        if (cases[i].msg)
            T_OK(strncmp(ei.msg, cases[i].msg, strlen(cases[i].msg)) == 0);
    }
}

static void test_list(void)
{
    struct errinfo ei = {ERR_OK, ""};

    T_INT(tplvars_check("{{x}}", NULL, 1, avail, 5, &ei), -1);
    T_INT(ei.code, ERR_DATA);
    T_OK(strstr(ei.msg, "template:1: ") == ei.msg);
    /* sorted, each once */
    T_OK(strstr(ei.msg, "(available: company, first_name, project, title)")
         != NULL);
    T_INT(tplvars_check("{{x}}", NULL, 1, avail, 0, &ei), -1);
    T_OK(strstr(ei.msg, "(available: none)") != NULL);
}

int main(void)
{
    T_RUN(test_cases);
    T_RUN(test_list);
    return t_done();
}
