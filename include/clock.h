/*
 * clock.h - the program's clock.  MAILROTA_NOW=2026-11-22T02:00:00Z sets the
 * clock at program start; from there it advances in real time.  Also local
 * calendar days in an IANA time zone.  Not pure (reads the environment, the
 * system clock and the time zone database).
 */
#ifndef MAILROTA_CLOCK_H
#define MAILROTA_CLOCK_H

#include <stdint.h>

#include "err.h"

/* Reads MAILROTA_NOW once.  Errors: ERR_USAGE for an unparsable value. */
int clock_init(struct errinfo *ei);
/* Seconds since the epoch (UTC), honouring MAILROTA_NOW. */
int64_t clock_now(void);
/* Milliseconds since the epoch, honouring MAILROTA_NOW. */
int64_t clock_now_ms(void);
/* The current time as ISO-8601 UTC text. */
void clock_now_iso(char out[21]);

/* "YYYY-MM-DD" of instant t in zone tz (IANA name). */
int clock_local_day(int64_t t, const char *tz, char out[11],
                    struct errinfo *ei);

#endif
