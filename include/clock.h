/*
 * clock.h - the program's clock.  MAILROTA_NOW=2026-11-22T02:00:00Z sets the
 * clock at program start; from there it advances in real time, or (tests
 * only, with MAILROTA_NOW) MAILROTA_CLOCK_SCALE=N times faster, so that a
 * simulated day of `run --until-done` takes minutes.  Also UTC
 * offsets and local calendar days in an IANA time zone, from the zone's
 * TZif file (tz.h); the process's TZ is never changed.  Not pure (reads the
 * environment, the system clock and the time zone database).
 */
#ifndef MAILROTA_CLOCK_H
#define MAILROTA_CLOCK_H

#include <stdint.h>

#include "err.h"
#include "tz.h"

/* Reads MAILROTA_NOW (and MAILROTA_CLOCK_SCALE) once.  Errors: ERR_USAGE
 * for an unparsable value. */
int clock_init(struct errinfo *ei);
/* Seconds since the epoch (UTC), honouring MAILROTA_NOW. */
int64_t clock_now(void);
/* Milliseconds since the epoch, honouring MAILROTA_NOW. */
int64_t clock_now_ms(void);
/* The real milliseconds a wait of ms on this clock takes (ms / scale). */
int64_t clock_real_ms(int64_t ms);
/* The current time as ISO-8601 UTC text. */
void clock_now_iso(char out[21]);

/*
 * The zone named `name` (IANA, such as America/Chicago; NULL, "" and "UTC"
 * are UTC), read from $TZDIR/NAME when that file exists, else from
 * /usr/share/zoneinfo/NAME, as the config's `timezone` check looks.  Read
 * once and kept for the life of the process: *out is borrowed and valid
 * until exit.  Thread-safe.
 * Errors: ERR_CONFIG naming the zone and the file (invalid name, missing
 * or unreadable file, not valid TZif data) and what to do.
 */
int clock_zone(const char *name, const struct tz **out, struct errinfo *ei);

/* Seconds east of UTC in zone tz (as clock_zone) at instant t; *off is
 * written only on success.  Errors: those of clock_zone(). */
int clock_utc_offset(int64_t t, const char *tz, int32_t *off,
                     struct errinfo *ei);

/* "YYYY-MM-DD" of instant t in zone tz (as clock_zone).  Errors: those of
 * clock_zone(). */
int clock_local_day(int64_t t, const char *tz, char out[11],
                    struct errinfo *ei);

#endif
