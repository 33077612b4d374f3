/* test_bouncerate.c - when the bounce rate pauses a mailbox. */
#include "harness.h"

#include <string.h>

#include "bouncerate.h"

static void test_exceeded(void)
{
    static const struct {
        int n, bounced;
        bool want;
    } cases[] = {
        {0, 0, false},
        {19, 19, false},    /* fewer than min_sends: never */
        {20, 0, false},
        {20, 1, true},      /* 5% > 3% */
        {50, 1, false},     /* 2% */
        {50, 2, true},      /* 4% > 3%: more than, not at */
        {100, 3, false},    /* exactly 3%: not more than */
        {100, 4, true},
    };
    struct bouncerate_rule r = { 50, 20, 0.03 };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        T_INT(bouncerate_exceeded(&r, cases[i].n, cases[i].bounced),
                  cases[i].want);
}

static void test_text(void)
{
    struct bouncerate_rule r = { 50, 20, 0.03 };
    char buf[256];

    bouncerate_text(&r, "a@b.example", 40, 3, buf, sizeof(buf));
    T_OK(strstr(buf, "3 of its last 40") != NULL);
    T_OK(strstr(buf, "7.5%") != NULL);
    T_OK(strstr(buf, "mailbox set a@b.example --status cold-ready") != NULL);
}

int main(void)
{
    T_RUN(test_exceeded);
    T_RUN(test_text);
    return t_done();
}
