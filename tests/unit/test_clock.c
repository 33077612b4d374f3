/* Local days in a non-UTC zone across both DST changes, and MAILROTA_NOW. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Offsets for the Date header, from the same zone files as the days. */
static void test_utc_offset(void)
{
    static const struct {
        const char *tz;
        const char *utc;
        int off;
    } cases[] = {
        { "America/Chicago", "2026-12-04T08:00:05Z", -21600 },
        { "America/Chicago", "2026-07-10T14:00:05Z", -18000 },
        { "Asia/Kolkata", "2026-12-04T08:00:05Z", 19800 },
        { "UTC", "2026-07-10T14:00:05Z", 0 },
        { "", "2026-07-10T14:00:05Z", 0 },
        { NULL, "2026-07-10T14:00:05Z", 0 },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t t;
        int32_t off = 12345;
        struct errinfo ei = { ERR_OK, "" };

        T_INT(time_parse_iso(cases[i].utc, &t), 0);
        T_INT(clock_utc_offset(t, cases[i].tz, &off, &ei), 0);
        T_INT(off, cases[i].off);
    }
}

/* A zone is read once; a zone that cannot be read is an error naming it
 * and its file (the C library would silently have used UTC). */
static void test_zone_errors(void)
{
    static const struct {
        const char *tz;
        const char *msg_has;
    } cases[] = {
        { "Mars/Base", "/usr/share/zoneinfo/Mars/Base: no such file" },
        { "America", "not a time zone file" },
        { "../../etc/passwd", "invalid time zone name" },
        { "/etc/localtime", "invalid time zone name" },
        { "Test/Junk", "not a TZif file" },
        { "Test/Short", "truncated" },
    };
    char dir[] = "/tmp/mailrota-tz-XXXXXX";
    char path[128];
    const struct tz *a = NULL, *b = NULL;
    struct errinfo ei = { ERR_OK, "" };
    FILE *f;

    T_INT(clock_zone("Europe/Berlin", &a, &ei), 0);
    T_INT(clock_zone("Europe/Berlin", &b, &ei), 0);
    T_OK(a != NULL && a == b);

    T_OK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/Test", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/Test/Junk", dir);
    f = fopen(path, "w");
    fputs("not a zone\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/Test/Short", dir);
    f = fopen(path, "w");
    /* a header promising one time type, and no data */
    fputs("TZif2", f);
    for (int i = 5; i < 44; i++)
        fputc(i == 39 ? 1 : i == 43 ? 4 : 0, f);
    fclose(f);
    setenv("TZDIR", dir, 1);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char day[11] = "unchanged";
        int32_t off = 1;

        memset(&ei, 0, sizeof(ei));
        printf("# %s\n", cases[i].tz);
        T_INT(clock_local_day(0, cases[i].tz, day, &ei), -1);
        T_INT(ei.code, ERR_CONFIG);
        T_OK(strstr(ei.msg, cases[i].msg_has) != NULL);
        if (!strstr(ei.msg, cases[i].msg_has))
            printf("#   msg: %s\n", ei.msg);
        T_STR(day, "unchanged");
        T_INT(clock_utc_offset(0, cases[i].tz, &off, &ei), -1);
        T_INT(off, 1);
    }
    /* $TZDIR first, the system's files for what it lacks. */
    T_INT(clock_zone("America/Chicago", &a, &ei), 0);
    unsetenv("TZDIR");
    snprintf(path, sizeof(path), "%s/Test/Junk", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/Test/Short", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/Test", dir);
    rmdir(path);
    rmdir(dir);
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
    T_RUN(test_utc_offset);
    T_RUN(test_zone_errors);
    T_RUN(test_now);
    return t_done();
}
