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

static void test_effective(void)
{
    for (size_t i = 0; i < sizeof(cap_cases) / sizeof(cap_cases[0]); i++) {
        struct caps_mailbox m = { cap_cases[i].own_cap,
                                  cap_cases[i].quota_full,
                                  cap_cases[i].counted };

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
    T_RUN(test_remaining);
    return t_done();
}
