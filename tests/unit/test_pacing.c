/* Pacing: the wait before a mailbox's next send (pacing.h). */
#include <stdint.h>

#include "harness.h"
#include "pacing.h"

/* Sends at the given times (ms; -1 ends), then the wait asked at `at`. */
static const struct {
    const char *what;
    struct pacing_rules ru;
    int64_t sends[8];
    int64_t at;
    int64_t want;
} wait_cases[] = {
    { "first send: no wait", { 5, 0, 0 }, { -1 }, 1000, 0 },
    { "within the gap: the rest of it", { 5, 0, 0 }, { 1000, -1 }, 3000,
      3000 },
    { "gap over: no wait", { 5, 0, 0 }, { 1000, -1 }, 7000, 0 },
    { "exactly at the gap: no wait", { 5, 0, 0 }, { 1000, -1 }, 6000, 0 },
    { "no gap, no limit", { 0, 0, 0 }, { 1000, 1000, -1 }, 1000, 0 },
    { "per minute not reached", { 0, 0, 3 }, { 0, 10, -1 }, 20, 0 },
    { "per minute reached: until the oldest is a minute old",
      { 0, 0, 2 }, { 1000, 2000, -1 }, 2500, 58500 },
    { "per minute: the oldest of the window, a ring",
      { 0, 0, 2 }, { 0, 30000, 61000, -1 }, 62000, 28000 },
    { "per minute longer than the gap", { 1, 0, 1 }, { 1000, -1 }, 1500,
      59500 },
    { "gap longer than per minute", { 90, 0, 1 }, { 1000, -1 }, 1500,
      89500 },
};

static void test_wait(void)
{
    for (size_t i = 0; i < sizeof(wait_cases) / sizeof(wait_cases[0]); i++) {
        int64_t win[8] = { 0 };
        struct pacing p;

        pacing_init(&p, 42, win);
        for (size_t k = 0; wait_cases[i].sends[k] >= 0; k++) {
            pacing_wait(&wait_cases[i].ru, &p, wait_cases[i].sends[k]);
            pacing_mark(&wait_cases[i].ru, &p, wait_cases[i].sends[k]);
        }
        t_current = wait_cases[i].what;
        T_INT(pacing_wait(&wait_cases[i].ru, &p, wait_cases[i].at),
              wait_cases[i].want);
    }
}

/* The jitter: within 0..jitter, drawn once per send, from the seed. */
static void test_jitter(void)
{
    struct pacing_rules ru = { 2, 3, 0 };
    struct pacing a, b;
    int64_t w1, w2, seen_min = INT64_MAX, seen_max = 0;

    pacing_init(&a, 7, NULL);
    pacing_init(&b, 7, NULL);
    pacing_mark(&ru, &a, 1000);
    pacing_mark(&ru, &b, 1000);
    w1 = pacing_wait(&ru, &a, 1000);
    w2 = pacing_wait(&ru, &a, 1000);
    T_INT(w1, w2);                           /* asked twice: one answer */
    T_INT(pacing_wait(&ru, &b, 1000), w1);   /* same seed: same jitter */
    for (int k = 0; k < 200; k++) {
        int64_t w;

        pacing_mark(&ru, &a, 1000);
        w = pacing_wait(&ru, &a, 1000);
        seen_min = w < seen_min ? w : seen_min;
        seen_max = w > seen_max ? w : seen_max;
    }
    T_OK(seen_min >= 2000);
    T_OK(seen_max <= 5000);
    T_OK(seen_max > seen_min);               /* it does vary */
}

static void test_rng(void)
{
    uint64_t s = 0;

    /* splitmix64's published first output for seed 0 */
    T_OK(pacing_rng_next(&s) == 0xE220A8397B1DCDAFULL);
}

/* schedule.spread: what is left of the window over what is left under
 * the cap, since the last send. */
static void test_spread(void)
{
    const int64_t now = 1800000000, closes = now + 8 * 3600;

    t_current = "never sent: now";
    T_INT(pacing_spread_next(0, now, closes, 30), now);
    t_current = "8 h left for 16: every 30 minutes after the last";
    T_INT(pacing_spread_next(now - 600, now, closes, 16), now - 600 + 1800);
    t_current = "nothing left under the cap: never";
    T_OK(pacing_spread_next(now - 600, now, closes, 0) == INT64_MAX);
    t_current = "more left than seconds: no gap";
    T_INT(pacing_spread_next(now - 1, now, now + 10, 100), now - 1);
    t_current = "the window closed: no gap";
    T_INT(pacing_spread_next(now - 5, now, now - 1, 3), now - 5);
}

int main(void)
{
    T_RUN(test_spread);
    T_RUN(test_wait);
    T_RUN(test_jitter);
    T_RUN(test_rng);
    return t_done();
}
