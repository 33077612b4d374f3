/*
 * tz.h - time zones from TZif data (RFC 8536, the files under
 * /usr/share/zoneinfo): the UTC offset of a zone at an instant, exact
 * across DST changes, without touching TZ or the C library's zone state.
 * Pure: the caller reads the file (clock_zone() in clock.h does).
 */
#ifndef MAILROTA_TZ_H
#define MAILROTA_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct tz;

/*
 * Whether name can be an IANA zone name to look up under a zoneinfo
 * directory: 1-200 characters from A-Z a-z 0-9 and "_+-/", no leading or
 * trailing '/', no "..", so that it cannot reach outside the directory.
 */
bool tz_name_ok(const char *name);

/*
 * Parses TZif data of version 1 to 4.  From version 2 on, the 64-bit block
 * and the footer's POSIX TZ string are used; times after the last
 * transition follow the footer's rule (RFC 8536 section 3.2), times before
 * the first one the first time type.  Leap-second records are ignored.
 * *out (written only on success) is new: release it with tz_free().
 * Errors: ERR_DATA naming what is wrong ("not a TZif file", "truncated",
 * "transition times out of order", "bad TZ string in footer", ...).
 */
int tz_parse(const unsigned char *data, size_t len, struct tz **out,
             struct errinfo *ei);

/*
 * Parses a POSIX TZ string as TZif footers hold it, with RFC 8536's
 * extensions: "CST6CDT,M3.2.0,M11.1.0", "<+0530>-5:30", "AEST-10AEDT,
 * M10.1.0,M4.1.0/3", "EST5EDT,0/0,J365/25" (DST all year).  A DST name
 * without rules means the US rules (",M3.2.0,M11.1.0").
 * *out (written only on success) is new: tz_free() it.
 * Errors: ERR_DATA.
 */
int tz_parse_posix(const char *s, struct tz **out, struct errinfo *ei);

/* A zone that is UTC at every instant: new, tz_free() it. */
struct tz *tz_utc(void);

/* NULL is a no-op. */
void tz_free(struct tz *z);

/* Seconds east of UTC in z at instant t (seconds since the epoch, UTC):
 * -21600 in a Chicago winter, 19800 in Kolkata. */
int32_t tz_offset(const struct tz *z, int64_t t);

#endif
