/*
 * window.h - a weekly send window in a time zone (SPEC "Schedule and
 * ramp-up"): the days it is open and the local hours, "08:30" to
 * "17:00"; when an instant falls in it, and when it opens or closes next.
 * Exact across DST changes (the zone is a struct tz, tz.h).  Pure.
 */
#ifndef MAILROTA_WINDOW_H
#define MAILROTA_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "tz.h"

/* Weekdays as bits: WINDOW_DAY(0) Monday ... WINDOW_DAY(6) Sunday. */
#define WINDOW_DAY(d) (1u << (d))
#define WINDOW_ALL_DAYS 0x7fu

struct window {
    unsigned days;     /* WINDOW_DAY bits; 0: never open */
    int start_min;     /* local minutes after midnight, 0..1439 */
    int end_min;       /* after start_min, 1..1440 */
};

/* Where an instant stands in a window. */
struct window_at {
    bool open;         /* the instant is in an open window */
    int64_t opens;     /* open: when this window opened; else when the next
                          one opens (INT64_MAX: never) */
    int64_t closes;    /* when this window (open) or the next one closes */
};

/* The window of w in zone z around instant now. */
void window_at(const struct window *w, const struct tz *z, int64_t now,
               struct window_at *out);

/* The instant at which the wall clock of z reads `local` (seconds since
 * the epoch of the local date and time).  A time skipped by a DST change
 * is the instant of the change; a repeated one, its first occurrence. */
int64_t window_local_to_utc(const struct tz *z, int64_t local);

/* "mon".."sun" (any case) as 0..6; -1 for anything else. */
int window_day_parse(const char *s);

/* "HH:MM" (00:00 to 24:00) as minutes; -1 for anything else. */
int window_time_parse(const char *s);

#endif
