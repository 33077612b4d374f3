/* The rotation rule: which mailbox takes the next message (dispatch.h). */
#include <stdint.h>

#include "dispatch.h"
#include "harness.h"

#define MAXMB 4
#define NONE DISPATCH_NONE

/* One mailbox of a case: eligible, cap, load, last_used, seq. */
struct mb {
    int eligible, cap;
    long long load;
    int64_t last_used;
    size_t seq;
};

static const struct {
    const char *what;
    size_t n;
    struct mb mb[MAXMB];
    size_t want;
} pick_cases[] = {
    { "no mailbox", 0, { { 0, 0, 0, 0, 0 } }, NONE },
    { "the only one with room", 1, { { 1, 30, 0, 0, 0 } }, 0 },
    { "full at its cap", 1, { { 1, 30, 30, 0, 0 } }, NONE },
    { "over its cap", 1, { { 1, 5, 8, 0, 0 } }, NONE },
    { "cap 0 never sends", 1, { { 1, 0, 0, 0, 0 } }, NONE },
    { "not eligible", 1, { { 0, 30, 0, 0, 0 } }, NONE },
    { "fewest sends today wins", 3,
      { { 1, 30, 5, 0, 0 }, { 1, 30, 2, 0, 0 }, { 1, 30, 4, 0, 0 } }, 1 },
    { "fewest sends, not most room (caps differ)", 2,
      { { 1, 50, 10, 0, 0 }, { 1, 12, 3, 0, 0 } }, 1 },
    { "fewest sends among those with room", 2,
      { { 1, 2, 2, 0, 0 }, { 1, 30, 9, 0, 0 } }, 1 },
    { "fewest sends among the eligible", 2,
      { { 0, 30, 0, 0, 0 }, { 1, 30, 9, 0, 0 } }, 1 },
    { "tie: least recently used", 3,
      { { 1, 30, 1, 300, 0 }, { 1, 30, 1, 100, 0 }, { 1, 30, 1, 200, 0 } },
      1 },
    { "tie: never used before used", 2,
      { { 1, 30, 0, 100, 0 }, { 1, 30, 0, 0, 0 } }, 1 },
    { "tie, same recency: roster order", 3,
      { { 1, 30, 1, 100, 0 }, { 1, 30, 1, 100, 0 }, { 1, 30, 1, 100, 0 } },
      0 },
    { "tie: given nothing here before given something", 2,
      { { 1, 30, 1, 0, 1 }, { 1, 30, 1, 999, 0 } }, 1 },
    { "tie, both given: the earlier given", 3,
      { { 1, 30, 2, 0, 3 }, { 1, 30, 2, 0, 2 }, { 1, 30, 2, 0, 4 } }, 1 },
};

static void load(struct dispatch_mailbox *out, const struct mb *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[i].eligible = in[i].eligible != 0;
        out[i].cap = in[i].cap;
        out[i].load = in[i].load;
        out[i].last_used = in[i].last_used;
        out[i].seq = in[i].seq;
    }
}

static void test_pick(void)
{
    for (size_t i = 0; i < sizeof(pick_cases) / sizeof(pick_cases[0]); i++) {
        struct dispatch_mailbox m[MAXMB];

        load(m, pick_cases[i].mb, pick_cases[i].n);
        t_current = pick_cases[i].what;
        T_INT(dispatch_pick(m, pick_cases[i].n), pick_cases[i].want);
    }
}

/* Messages given one after another: the mailboxes fill evenly, each in
 * turn, until every one is at its cap. */
static const struct {
    const char *what;
    size_t n;
    struct mb mb[MAXMB];
    const char *want;   /* the mailbox of each message, '-' for none */
} seq_cases[] = {
    { "three equal mailboxes take turns", 3,
      { { 1, 2, 0, 0, 0 }, { 1, 2, 0, 0, 0 }, { 1, 2, 0, 0, 0 } },
      "012012--" },
    { "the least used first, then turns", 2,
      { { 1, 3, 2, 0, 0 }, { 1, 3, 0, 0, 0 } }, "1101--" },
    { "least recently used starts", 2,
      { { 1, 2, 0, 50, 0 }, { 1, 2, 0, 10, 0 } }, "1010-" },
    { "a failed mailbox takes nothing", 3,
      { { 1, 2, 0, 0, 0 }, { 0, 9, 0, 0, 0 }, { 1, 1, 0, 0, 0 } }, "020-" },
};

static void test_sequence(void)
{
    for (size_t i = 0; i < sizeof(seq_cases) / sizeof(seq_cases[0]); i++) {
        struct dispatch_mailbox m[MAXMB];
        char got[16];
        size_t seq = 0, k;

        load(m, seq_cases[i].mb, seq_cases[i].n);
        for (k = 0; seq_cases[i].want[k] && k + 1 < sizeof(got); k++) {
            size_t p = dispatch_pick(m, seq_cases[i].n);

            got[k] = p == NONE ? '-' : (char)('0' + p);
            if (p != NONE)
                dispatch_give(&m[p], &seq);
        }
        got[k] = '\0';
        t_current = seq_cases[i].what;
        T_STR(got, seq_cases[i].want);
    }
}

int main(void)
{
    T_RUN(test_pick);
    T_RUN(test_sequence);
    return t_done();
}
