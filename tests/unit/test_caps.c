/* The effective daily cap: own cap or the config's, lowered by a quota hit. */
#include "caps.h"
#include "harness.h"

static const struct {
    const char *what;
    int own_cap;
    bool quota_full;
    int counted;
    int default_cap;
    int want;
} cap_cases[] = {
    { "no own cap: the config's", CAPS_NONE, false, 0, 30, 30 },
    { "no own cap, some sent", CAPS_NONE, false, 12, 30, 30 },
    { "own cap wins over the config's", 25, false, 0, 30, 25 },
    { "own cap above the config's", 40, false, 3, 30, 40 },
    { "own cap 0: never sends", 0, false, 0, 30, 0 },
    { "config cap 0", CAPS_NONE, false, 0, 0, 0 },
    { "quota full, nothing sent: 0", CAPS_NONE, true, 0, 30, 0 },
    { "quota full after 7: 7", CAPS_NONE, true, 7, 30, 7 },
    { "quota full with its own cap", 10, true, 4, 30, 4 },
    { "quota full at the cap: the cap", 10, true, 10, 30, 10 },
    { "quota full past a lowered cap: the cap", 5, true, 8, 30, 5 },
    { "a negative count is nothing sent", CAPS_NONE, true, -1, 30, 0 },
    { "a negative config cap is 0", CAPS_NONE, false, 0, -5, 0 },
};

/* Ramp START:STEP: START + STEP x k, k the earlier sending days, under
 * the cap; a quota hit still lowers it. */
static const struct {
    const char *what;
    int own_cap, start, step, days, counted;
    bool quota_full;
    int want;
} ramp_cases[] = {
    { "first day: START", 30, 5, 2, 0, 0, false, 5 },
    { "after 3 sending days", 30, 5, 2, 3, 0, false, 11 },
    { "up to the cap, not past it", 30, 5, 2, 20, 0, false, 30 },
    { "exactly the cap", 15, 5, 2, 5, 0, false, 15 },
    { "STEP 0: START for ever", 30, 4, 0, 40, 0, false, 4 },
    { "no ramp", 30, 0, 0, 0, 0, false, 30 },
    { "quota full under the ramp: what it sent", 30, 5, 2, 1, 3, true, 3 },
    { "own cap 0 stays 0", 0, 5, 2, 0, 0, false, 0 },
    { "a huge k does not overflow", 30, 5, 10000, 1 << 30, 0, false, 30 },
};

static void test_ramp(void)
{
    for (size_t i = 0; i < sizeof(ramp_cases) / sizeof(ramp_cases[0]); i++) {
        struct caps_mailbox m = { ramp_cases[i].own_cap,
                                  ramp_cases[i].quota_full,
                                  ramp_cases[i].counted,
                                  ramp_cases[i].start, ramp_cases[i].step,
                                  ramp_cases[i].days };

        t_current = ramp_cases[i].what;
        T_INT(caps_effective(&m, 30), ramp_cases[i].want);
    }
}

static void test_ramp_parse(void)
{
    static const struct {
        const char *s;
        bool ok;
        int start, step;
    } cases[] = {
        { "5:2", true, 5, 2 }, { "1:0", true, 1, 0 },
        { "10000:10000", true, 10000, 10000 }, { "0:2", false, 0, 0 },
        { "5", false, 0, 0 }, { "5:", false, 0, 0 }, { ":2", false, 0, 0 },
        { "5:2:1", false, 0, 0 }, { "-5:2", false, 0, 0 },
        { "5:-2", false, 0, 0 }, { " 5:2", false, 0, 0 },
        { "5:2 ", false, 0, 0 }, { "10001:1", false, 0, 0 },
        { "99999999999999999999:1", false, 0, 0 }, { "", false, 0, 0 },
        { "a:b", false, 0, 0 },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int a = -1, b = -1;

        t_current = cases[i].s;
        T_INT(caps_ramp_parse(cases[i].s, 10000, &a, &b), cases[i].ok);
        if (cases[i].ok) {
            T_INT(a, cases[i].start);
            T_INT(b, cases[i].step);
        }
    }
    T_OK(!caps_ramp_parse(NULL, 10000, &(int){0}, &(int){0}));
}

static void test_effective(void)
{
    for (size_t i = 0; i < sizeof(cap_cases) / sizeof(cap_cases[0]); i++) {
        struct caps_mailbox m = { cap_cases[i].own_cap,
                                  cap_cases[i].quota_full,
                                  cap_cases[i].counted, 0, 0, 0 };

        t_current = cap_cases[i].what;
        T_INT(caps_effective(&m, cap_cases[i].default_cap),
              cap_cases[i].want);
    }
}

static const struct {
    int cap, used, want;
} rem_cases[] = {
    { 30, 0, 30 }, { 30, 29, 1 }, { 30, 30, 0 }, { 30, 31, 0 },
    { 0, 0, 0 }, { 0, 3, 0 }, { 5, -1, 6 },
};

static void test_remaining(void)
{
    for (size_t i = 0; i < sizeof(rem_cases) / sizeof(rem_cases[0]); i++)
        T_INT(caps_remaining(rem_cases[i].cap, rem_cases[i].used),
              rem_cases[i].want);
}

int main(void)
{
    T_RUN(test_effective);
    T_RUN(test_ramp);
    T_RUN(test_ramp_parse);
    T_RUN(test_remaining);
    return t_done();
}
