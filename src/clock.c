#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

#include "banned.h"

static int64_t offset_ms;   /* MAILROTA_NOW - real time at start */
static int clock_ready;

static int64_t real_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int clock_init(struct errinfo *ei)
{
    const char *s = getenv("MAILROTA_NOW");
    int64_t t;

    clock_ready = 1;
    offset_ms = 0;
    if (!s || !*s)
        return 0;
    if (time_parse_iso(s, &t) < 0)
        return err_set(ei, ERR_USAGE,
                       "MAILROTA_NOW='%s' is not a UTC time like "
                       "2026-11-22T02:00:00Z",
                       s);
    offset_ms = t * 1000 - real_ms();
    return 0;
}

int64_t clock_now_ms(void)
{
    if (!clock_ready)
        clock_init(NULL);
    return real_ms() + offset_ms;
}

int64_t clock_now(void)
{
    int64_t ms = clock_now_ms();
    return ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
}

void clock_now_iso(char out[21])
{
    time_iso(clock_now(), out);
}

int clock_local_day(int64_t t, const char *tz, char out[11],
                    struct errinfo *ei)
{
    char *saved = NULL;
    const char *old = getenv("TZ");
    time_t tt = (time_t)t;
    struct tm tm;
    int ok;

    if (!tz || !*tz || strcmp(tz, "UTC") == 0) {
        ok = gmtime_r(&tt, &tm) != NULL;
    } else {
        if (old)
            saved = xstrdup(old);
        setenv("TZ", tz, 1);
        tzset();
        ok = localtime_r(&tt, &tm) != NULL;
        if (saved)
            setenv("TZ", saved, 1);
        else
            unsetenv("TZ");
        tzset();
        free(saved);
    }
    if (!ok)
        return err_set(ei, ERR_SOFTWARE, "cannot convert time to zone '%s'",
                       tz);
    {
        char iso[ISO_TIME_LEN];
        time_iso(time_from_civil(tm.tm_year + 1900, tm.tm_mon + 1,
                                 tm.tm_mday, 0, 0, 0), iso);
        memcpy(out, iso, 10);
        out[10] = '\0';
    }
    return 0;
}
