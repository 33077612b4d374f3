/*
 * test_window.c - send windows across DST changes (window.c): Monday to
 * Friday, 08:30 to 17:00, in America/Chicago, Europe/Berlin,
 * Australia/Sydney, Asia/Kolkata (+05:30) and Australia/Lord_Howe (a
 * 30-minute DST shift), by their TZif footers' POSIX rules (tz.h); wall
 * times skipped or repeated by a change; the parsers of days and times.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "tz.h"
#include "util.h"
#include "window.h"

static int64_t at(const char *iso)
{
    int64_t t = 0;

    if (time_parse_iso(iso, &t) < 0)
        printf("# bad time %s\n", iso);
    return t;
}

static struct tz *zone(const char *posix)
{
    struct tz *z = NULL;
    struct errinfo ei = { ERR_OK, "" };

    if (tz_parse_posix(posix, &z, &ei) < 0)
        printf("# %s: %s\n", posix, ei.msg);
    return z;
}

#define CHICAGO "CST6CDT,M3.2.0,M11.1.0"
#define BERLIN "CET-1CEST,M3.5.0,M10.5.0/3"
#define SYDNEY "AEST-10AEDT,M10.1.0,M4.1.0/3"
#define KOLKATA "<+0530>-5:30"
#define LORD_HOWE "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"

static const struct {
    const char *what, *zone, *now;
    bool open;
    const char *opens, *closes;
} cases[] = {
    { "Chicago, a winter Monday before 08:30 CST", CHICAGO,
      "2026-03-02T14:00:00Z", false, "2026-03-02T14:30:00Z",
      "2026-03-02T23:00:00Z" },
    { "Chicago, open at 08:30 exactly", CHICAGO, "2026-03-02T14:30:00Z",
      true, "2026-03-02T14:30:00Z", "2026-03-02T23:00:00Z" },
    { "Chicago, closed at 17:00 exactly: the next day's", CHICAGO,
      "2026-03-02T23:00:00Z", false, "2026-03-03T14:30:00Z",
      "2026-03-03T23:00:00Z" },
    { "Chicago, Friday evening: Monday, across the spring change",
      CHICAGO, "2026-03-06T23:30:00Z", false, "2026-03-09T13:30:00Z",
      "2026-03-09T22:00:00Z" },
    { "Chicago, the Monday after the change, 08:45 CDT", CHICAGO,
      "2026-03-09T13:45:00Z", true, "2026-03-09T13:30:00Z",
      "2026-03-09T22:00:00Z" },
    { "Chicago, Friday before the autumn change: Monday in CST", CHICAGO,
      "2026-10-30T22:30:00Z", false, "2026-11-02T14:30:00Z",
      "2026-11-02T23:00:00Z" },
    { "Chicago, the change's Sunday: Monday", CHICAGO,
      "2026-11-01T07:30:00Z", false, "2026-11-02T14:30:00Z",
      "2026-11-02T23:00:00Z" },
    { "Berlin, Friday 27 March, open in CET", BERLIN,
      "2026-03-27T08:00:00Z", true, "2026-03-27T07:30:00Z",
      "2026-03-27T16:00:00Z" },
    { "Berlin, after the spring change: Monday in CEST", BERLIN,
      "2026-03-28T12:00:00Z", false, "2026-03-30T06:30:00Z",
      "2026-03-30T15:00:00Z" },
    { "Berlin, autumn: Monday 26 October in CET", BERLIN,
      "2026-10-24T12:00:00Z", false, "2026-10-26T07:30:00Z",
      "2026-10-26T16:00:00Z" },
    { "Sydney, April: Monday after DST ends (AEST)", SYDNEY,
      "2026-04-04T00:00:00Z", false, "2026-04-05T22:30:00Z",
      "2026-04-06T07:00:00Z" },
    { "Sydney, October: Monday after DST starts (AEDT)", SYDNEY,
      "2026-10-03T00:00:00Z", false, "2026-10-04T21:30:00Z",
      "2026-10-05T06:00:00Z" },
    { "Kolkata, +05:30 all year", KOLKATA, "2026-06-10T04:00:00Z", true,
      "2026-06-10T03:00:00Z", "2026-06-10T11:30:00Z" },
    { "Lord Howe, +10:30 in winter, Wednesday 10:30", LORD_HOWE,
      "2026-07-01T00:00:00Z", true, "2026-06-30T22:00:00Z",
      "2026-07-01T06:30:00Z" },
    { "Lord Howe, +11 in summer, Tuesday 11:00", LORD_HOWE,
      "2026-12-01T00:00:00Z", true, "2026-11-30T21:30:00Z",
      "2026-12-01T06:00:00Z" },
    { "Lord Howe, the Monday after the 30-minute spring change", LORD_HOWE,
      "2026-10-03T12:00:00Z", false, "2026-10-04T21:30:00Z",
      "2026-10-05T06:00:00Z" },
};

static void test_cases(void)
{
    struct window w = { 0x1f, 8 * 60 + 30, 17 * 60 };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct tz *z = zone(cases[i].zone);
        struct window_at a;
        char o[ISO_TIME_LEN], c[ISO_TIME_LEN];

        t_current = cases[i].what;
        window_at(&w, z, at(cases[i].now), &a);
        time_iso(a.opens, o);
        time_iso(a.closes, c);
        T_INT(a.open, cases[i].open);
        T_STR(o, cases[i].opens);
        T_STR(c, cases[i].closes);
        tz_free(z);
    }
}

/* Wall times a change skips or repeats. */
static void test_local_to_utc(void)
{
    struct tz *chi = zone(CHICAGO), *syd = zone(SYDNEY);
    char s[ISO_TIME_LEN];

    t_current = "Chicago 2026-03-08 02:30 does not exist: 03:00 CDT";
    time_iso(window_local_to_utc(chi, at("2026-03-08T02:30:00Z")), s);
    T_STR(s, "2026-03-08T08:00:00Z");
    t_current = "Chicago 2026-11-01 01:30 happens twice: the first (CDT)";
    time_iso(window_local_to_utc(chi, at("2026-11-01T01:30:00Z")), s);
    T_STR(s, "2026-11-01T06:30:00Z");
    t_current = "Chicago, an ordinary winter time";
    time_iso(window_local_to_utc(chi, at("2026-01-15T08:30:00Z")), s);
    T_STR(s, "2026-01-15T14:30:00Z");
    t_current = "Sydney 2026-10-04 02:30 does not exist: 03:00 AEDT";
    time_iso(window_local_to_utc(syd, at("2026-10-04T02:30:00Z")), s);
    T_STR(s, "2026-10-03T16:00:00Z");
    t_current = "Sydney 2026-04-05 02:30 twice: the first (AEDT)";
    time_iso(window_local_to_utc(syd, at("2026-04-05T02:30:00Z")), s);
    T_STR(s, "2026-04-04T15:30:00Z");
    tz_free(chi);
    tz_free(syd);
}

/* A window over every day but Sunday, to 24:00; and one never open. */
static void test_edges(void)
{
    struct tz *utc = tz_utc();
    struct window w = { WINDOW_ALL_DAYS & ~WINDOW_DAY(6), 22 * 60, 1440 };
    struct window never = { 0, 0, 1440 };
    struct window_at a;
    char s[ISO_TIME_LEN];

    t_current = "Saturday 23:00: open until midnight";
    window_at(&w, utc, at("2026-12-05T23:00:00Z"), &a);
    T_INT(a.open, 1);
    time_iso(a.closes, s);
    T_STR(s, "2026-12-06T00:00:00Z");
    t_current = "Sunday: Monday 22:00";
    window_at(&w, utc, at("2026-12-06T12:00:00Z"), &a);
    T_INT(a.open, 0);
    time_iso(a.opens, s);
    T_STR(s, "2026-12-07T22:00:00Z");
    t_current = "no day: never";
    window_at(&never, utc, at("2026-12-06T12:00:00Z"), &a);
    T_INT(a.open, 0);
    T_OK(a.opens == INT64_MAX);
    tz_free(utc);
}

static void test_parse(void)
{
    T_INT(window_day_parse("mon"), 0);
    T_INT(window_day_parse("Sun"), 6);
    T_INT(window_day_parse("FRI"), 4);
    T_INT(window_day_parse("monday"), -1);
    T_INT(window_day_parse(""), -1);
    T_INT(window_time_parse("08:30"), 510);
    T_INT(window_time_parse("00:00"), 0);
    T_INT(window_time_parse("24:00"), 1440);
    T_INT(window_time_parse("24:01"), -1);
    T_INT(window_time_parse("8:30"), -1);
    T_INT(window_time_parse("08:60"), -1);
    T_INT(window_time_parse("08-30"), -1);
    T_INT(window_time_parse("25:00"), -1);
    T_INT(window_time_parse(NULL), -1);
}

int main(void)
{
    T_RUN(test_cases);
    T_RUN(test_local_to_utc);
    T_RUN(test_edges);
    T_RUN(test_parse);
    return t_done();
}
