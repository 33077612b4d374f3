/* window.c - weekly send windows in a zone (see window.h).  Pure. */
#include "window.h"

#include <string.h>
#include <strings.h>

#include "banned.h"

#define DAY_S 86400

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t window_local_to_utc(const struct tz *z, int64_t local)
{
    /* The offsets just before and after: a wall time lies within a day
     * of its instant, and zones change at most once around it. */
    int32_t early = tz_offset(z, local - DAY_S);
    int32_t late = tz_offset(z, local + DAY_S);
    int64_t a = local - early, b = local - late;

    if (early == late)
        return local - tz_offset(z, local - early);
    /* Repeated (clocks back): both read `local`; the first one. */
    if (a + tz_offset(z, a) == local && b + tz_offset(z, b) == local)
        return a < b ? a : b;
    if (a + tz_offset(z, a) == local)
        return a;
    if (b + tz_offset(z, b) == local)
        return b;
    /* Skipped (clocks forward): the change itself, the first instant
     * whose wall time is later; it lies between b and a. */
    if (b > a) {
        int64_t t = a;

        a = b;
        b = t;
    }
    while (a - b > 1) {
        int64_t mid = b + (a - b) / 2;

        if (tz_offset(z, mid) == tz_offset(z, b))
            b = mid;
        else
            a = mid;
    }
    return a;
}

/* Monday 0 .. Sunday 6 of local day number ld (1970-01-01 a Thursday). */
static int weekday(int64_t ld)
{
    return (int)(((ld + 3) % 7 + 7) % 7);
}

void window_at(const struct window *w, const struct tz *z, int64_t now,
               struct window_at *out)
{
    int64_t ld = floor_div(now + tz_offset(z, now), DAY_S);

    out->open = false;
    out->opens = out->closes = INT64_MAX;
    /* Yesterday's window may still be open where it ends at 24:00 and
     * the offset moved; then a week ahead finds the next one. */
    for (int64_t d = ld - 1; d <= ld + 8; d++) {
        int64_t o, c;

        if (!(w->days & WINDOW_DAY(weekday(d))) ||
            w->end_min <= w->start_min)
            continue;
        o = window_local_to_utc(z, d * DAY_S + (int64_t)w->start_min * 60);
        c = window_local_to_utc(z, d * DAY_S + (int64_t)w->end_min * 60);
        if (now >= c)
            continue;
        out->open = now >= o;
        out->opens = o;
        out->closes = c;
        return;
    }
}

int window_day_parse(const char *s)
{
    static const char *const names[] = {
        "mon", "tue", "wed", "thu", "fri", "sat", "sun",
    };

    for (int i = 0; s && i < 7; i++)
        if (strcasecmp(s, names[i]) == 0)
            return i;
    return -1;
}

int window_time_parse(const char *s)
{
    int h, m;

    if (!s || strlen(s) != 5 || s[2] != ':')
        return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return -1;
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return -1;
    return h * 60 + m;
}
