/* Local days in a non-UTC zone across both DST changes, and MAILROTA_NOW. */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "harness.h"
#include "util.h"

static const struct {
    const char *tz;
    const char *utc;
    const char *day;
} day_cases[] = {
    { "UTC", "2026-11-22T02:00:00Z", "2026-11-22" },
    { "America/Chicago", "2026-11-22T02:00:00Z", "2026-11-21" },
    { "America/Chicago", "2026-11-22T05:59:59Z", "2026-11-21" },
    { "America/Chicago", "2026-11-22T06:00:00Z", "2026-11-22" },
    /* DST ends 2026-11-01 02:00 CDT: midnight is 05:00Z before, 06:00Z
     * after. */
    { "America/Chicago", "2026-11-01T04:59:59Z", "2026-10-31" },
    { "America/Chicago", "2026-11-01T05:00:00Z", "2026-11-01" },
    { "America/Chicago", "2026-11-02T05:59:59Z", "2026-11-01" },
    { "America/Chicago", "2026-11-02T06:00:00Z", "2026-11-02" },
    /* DST starts 2026-03-08 02:00 CST: a 23-hour day. */
    { "America/Chicago", "2026-03-08T05:59:59Z", "2026-03-07" },
    { "America/Chicago", "2026-03-08T06:00:00Z", "2026-03-08" },
    { "America/Chicago", "2026-03-09T04:59:59Z", "2026-03-08" },
    { "America/Chicago", "2026-03-09T05:00:00Z", "2026-03-09" },
    { "Europe/Berlin", "2026-03-28T23:00:00Z", "2026-03-29" },
    { "Asia/Kolkata", "2026-11-21T18:29:59Z", "2026-11-21" },
    { "Asia/Kolkata", "2026-11-21T18:30:00Z", "2026-11-22" },
    { "Pacific/Auckland", "2026-11-21T11:00:00Z", "2026-11-22" },
};

static void test_local_day(void)
{
    for (size_t i = 0; i < sizeof(day_cases) / sizeof(day_cases[0]); i++) {
        int64_t t;
        char day[11] = "";
        struct errinfo ei = { ERR_OK, "" };

        T_INT(time_parse_iso(day_cases[i].utc, &t), 0);
        T_INT(clock_local_day(t, day_cases[i].tz, day, &ei), 0);
        T_STR(day, day_cases[i].day);
    }
}

static void test_tz_restored(void)
{
    char day[11];
    struct errinfo ei = { ERR_OK, "" };

    setenv("TZ", "Asia/Tokyo", 1);
    T_INT(clock_local_day(0, "America/Chicago", day, &ei), 0);
    T_STR(getenv("TZ"), "Asia/Tokyo");
    unsetenv("TZ");
    T_INT(clock_local_day(0, "America/Chicago", day, &ei), 0);
    T_OK(getenv("TZ") == NULL);
}

static void test_now(void)
{
    struct errinfo ei = { ERR_OK, "" };
    int64_t t;

    setenv("MAILROTA_NOW", "2026-11-22T02:00:00Z", 1);
    T_INT(clock_init(&ei), 0);
    t = clock_now();
    /* It advances in real time from there: within a minute here. */
    T_OK(t >= 1795312800 && t < 1795312800 + 60);
    setenv("MAILROTA_NOW", "yesterday", 1);
    T_INT(clock_init(&ei), -1);
    T_INT(ei.code, ERR_USAGE);
    T_OK(strstr(ei.msg, "MAILROTA_NOW") != NULL);
    unsetenv("MAILROTA_NOW");
    T_INT(clock_init(&ei), 0);
    T_OK(clock_now() > 1795312800 - 86400 * 365 * 10);
}

int main(void)
{
    T_RUN(test_local_day);
    T_RUN(test_tz_restored);
    T_RUN(test_now);
    return t_done();
}
