/* Was the night healthy: whom to name, "no mailbox can send", exit 69. */
#include "harness.h"
#include "health.h"

#define R HEALTH_READY
#define S HEALTH_STOPPED
#define AF HEALTH_AUTH_FAILED
#define BL HEALTH_BLOCKED
#define BP HEALTH_BOUNCE_PAUSED

/* Per mailbox: status, changed, failed_run, authed_run. */
#define MB(st, ch, fail, auth) { st, ch, fail, auth }

static const struct {
    const char *what;
    struct health_mailbox mb[3];
    size_t n;
    long waiting, sent;
    const char *report;    /* one 0/1 per mailbox */
    bool no_sender, unavailable;
} cases[] = {
    { "healthy night", { MB(R, 0, 0, 1), MB(R, 0, 0, 1) }, 2, 0, 8,
      "00", false, false },
    { "full caps, contacts wait: healthy",
      { MB(R, 0, 0, 1), MB(R, 0, 0, 0) }, 2, 4, 10, "00", false, false },
    { "full cap, the other paused by the user: healthy",
      { MB(R, 0, 0, 1), MB(S, 0, 0, 0) }, 2, 3, 2, "00", false, false },
    { "night 1: every mailbox refused AUTH",
      { MB(AF, 1, 1, 0), MB(AF, 1, 1, 0) }, 2, 3, 0, "11", true, true },
    { "night 2: the roster is still dead",
      { MB(AF, 0, 0, 0), MB(AF, 0, 0, 0) }, 2, 3, 0, "11", true, true },
    { "one still auth-failed while contacts wait",
      { MB(R, 0, 0, 1), MB(AF, 0, 0, 0) }, 2, 1, 2, "01", false, false },
    { "one still auth-failed, nothing waits: silent",
      { MB(R, 0, 0, 1), MB(AF, 0, 0, 0) }, 2, 0, 2, "00", false, false },
    { "auth-failed in this run, the other sent it all",
      { MB(R, 0, 0, 1), MB(AF, 1, 1, 0) }, 2, 0, 3, "01", false, false },
    { "all paused by the user: one line, exit 0",
      { MB(S, 0, 0, 0), MB(S, 0, 0, 0) }, 2, 2, 0, "00", true, false },
    { "every mailbox failed to connect",
      { MB(R, 0, 1, 0), MB(R, 0, 1, 0) }, 2, 2, 0, "00", true, true },
    { "one failed to connect, the other was full",
      { MB(R, 0, 1, 0), MB(R, 0, 0, 0) }, 2, 1, 0, "00", false, true },
    { "one failed to connect, the other got 451s",
      { MB(R, 0, 1, 0), MB(R, 0, 0, 1) }, 2, 2, 0, "00", false, false },
    { "blocked in this run, the other cold-ready",
      { MB(BL, 1, 0, 1), MB(R, 0, 0, 0) }, 2, 2, 0, "10", false, false },
    { "paused for its bounce rate while contacts wait",
      { MB(BP, 0, 0, 0), MB(R, 0, 0, 1) }, 2, 1, 5, "10", false, false },
    { "no mailbox at all", { MB(R, 0, 0, 0) }, 0, 3, 0, "", true, false },
    { "every mailbox blocked", { MB(BL, 0, 0, 0), MB(BL, 0, 0, 0) }, 2, 2, 0,
      "11", true, true },
    { "auth-failed and paused by the user",
      { MB(AF, 0, 0, 0), MB(S, 0, 0, 0) }, 2, 2, 0, "10", true, true },
    { "auth-failed, nothing waits, nothing sent: no 69",
      { MB(AF, 0, 0, 0) }, 1, 0, 0, "0", false, false },
    { "a failure, but something was sent: no 69",
      { MB(R, 0, 1, 0), MB(R, 0, 0, 1) }, 2, 1, 1, "00", false, false },
};

static void test_check(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct health_in in = { cases[i].mb, cases[i].n, cases[i].waiting,
                                cases[i].sent };
        struct health_verdict v;
        bool report[3] = { true, true, true };
        char got[4] = "";

        t_current = cases[i].what;
        health_check(&in, report, &v);
        for (size_t k = 0; k < cases[i].n; k++)
            got[k] = report[k] ? '1' : '0';
        T_STR(got, cases[i].report);
        T_INT(v.no_sender, cases[i].no_sender);
        T_INT(v.unavailable, cases[i].unavailable);
    }
}

static void test_failing(void)
{
    struct health_mailbox m = MB(R, 0, 0, 1);

    T_OK(!health_failing(&m));
    m.failed_run = true;
    T_OK(health_failing(&m));
    m = (struct health_mailbox)MB(AF, 0, 0, 0);
    T_OK(health_failing(&m));
    m.status = S;
    T_OK(!health_failing(&m));
}

static const struct {
    const char *status, *last_error;
    enum health_status want;
} status_cases[] = {
    { "cold-ready", NULL, HEALTH_READY },
    { "cold-ready", "connect: refused", HEALTH_READY },
    { "auth-failed", NULL, HEALTH_AUTH_FAILED },
    { "blocked", "rcpt: 550 5.7.705", HEALTH_BLOCKED },
    { "admin", NULL, HEALTH_STOPPED },
    { "paused", NULL, HEALTH_STOPPED },
    { "paused", "auth: 535 (then paused by the user)", HEALTH_STOPPED },
    { "paused", "bounce rate 4 of 20 (20%) over 3%", HEALTH_BOUNCE_PAUSED },
    { "paused", "bounce", HEALTH_STOPPED },
    { NULL, NULL, HEALTH_STOPPED },
};

static void test_status_of(void)
{
    for (size_t i = 0; i < sizeof(status_cases) / sizeof(status_cases[0]);
         i++)
        T_INT(health_status_of(status_cases[i].status,
                               status_cases[i].last_error),
              status_cases[i].want);
    T_STR(health_status_str(HEALTH_BOUNCE_PAUSED),
          "paused for its bounce rate");
    T_STR(health_status_str(HEALTH_AUTH_FAILED), "auth-failed");
}

int main(void)
{
    T_RUN(test_check);
    T_RUN(test_failing);
    T_RUN(test_status_of);
    return t_done();
}
