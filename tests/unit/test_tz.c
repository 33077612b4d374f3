/*
 * test_tz.c - UTC offsets from the system's TZif files at DST changes, the
 * footer's POSIX rules alone, hand-made TZif data (version 1, a footer
 * only, malformed), and a sweep against the C library as an oracle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "tz.h"
#include "util.h"

#define ZONEINFO "/usr/share/zoneinfo/"

static struct tz *load(const char *name)
{
    char path[256];
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0, n;
    struct errinfo ei = { ERR_OK, "" };
    struct tz *z = NULL;
    FILE *f;

    snprintf(path, sizeof(path), ZONEINFO "%s", name);
    f = fopen(path, "rb");
    if (!f) {
        printf("# cannot open %s\n", path);
        return NULL;
    }
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            buf = xrealloc(buf, cap);
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    fclose(f);
    if (tz_parse(buf, len, &z, &ei) < 0)
        printf("# %s: %s\n", name, ei.msg);
    free(buf);
    return z;
}

static int64_t at(const char *iso)
{
    int64_t t = 0;

    if (time_parse_iso(iso, &t) < 0)
        printf("# bad time %s\n", iso);
    return t;
}

/* The brief's four zones, a negative-DST one, either side of each change
 * of 2026, and far from the transition table both ways. */
static const struct {
    const char *zone;
    const char *utc;
    int off;
} file_cases[] = {
    { "America/Chicago", "2026-03-08T07:59:59Z", -21600 },
    { "America/Chicago", "2026-03-08T08:00:00Z", -18000 },
    { "America/Chicago", "2026-11-01T06:59:59Z", -18000 },
    { "America/Chicago", "2026-11-01T07:00:00Z", -21600 },
    { "America/Chicago", "2026-12-04T08:00:05Z", -21600 },
    { "America/Chicago", "2026-07-10T14:00:05Z", -18000 },
    { "America/Chicago", "1970-01-01T00:00:00Z", -21600 },
    { "America/Chicago", "1800-01-01T00:00:00Z", -21036 },   /* LMT */
    { "America/Chicago", "2100-07-01T00:00:00Z", -18000 },
    { "America/Chicago", "2100-01-01T00:00:00Z", -21600 },
    { "Europe/Berlin", "2026-03-29T00:59:59Z", 3600 },
    { "Europe/Berlin", "2026-03-29T01:00:00Z", 7200 },
    { "Europe/Berlin", "2026-10-25T00:59:59Z", 7200 },
    { "Europe/Berlin", "2026-10-25T01:00:00Z", 3600 },
    { "Europe/Berlin", "2200-07-01T00:00:00Z", 7200 },
    { "Australia/Sydney", "2026-04-04T15:59:59Z", 39600 },
    { "Australia/Sydney", "2026-04-04T16:00:00Z", 36000 },
    { "Australia/Sydney", "2026-10-03T15:59:59Z", 36000 },
    { "Australia/Sydney", "2026-10-03T16:00:00Z", 39600 },
    { "Australia/Sydney", "2026-12-31T23:30:00Z", 39600 },   /* new year */
    { "Australia/Sydney", "2100-01-01T00:00:00Z", 39600 },
    { "Asia/Kolkata", "2026-12-04T00:00:00Z", 19800 },
    { "Asia/Kolkata", "2026-07-01T00:00:00Z", 19800 },
    { "Asia/Kolkata", "2100-07-01T00:00:00Z", 19800 },
    { "Europe/Dublin", "2026-03-29T00:59:59Z", 0 },
    { "Europe/Dublin", "2026-03-29T01:00:00Z", 3600 },
    { "Europe/Dublin", "2026-10-25T01:00:00Z", 0 },
    { "UTC", "2026-07-01T00:00:00Z", 0 },
};

static void test_files(void)
{
    for (size_t i = 0; i < sizeof(file_cases) / sizeof(file_cases[0]); i++) {
        struct tz *z = load(file_cases[i].zone);

        printf("# %s at %s\n", file_cases[i].zone, file_cases[i].utc);
        T_OK(z != NULL);
        if (z)
            T_INT(tz_offset(z, at(file_cases[i].utc)), file_cases[i].off);
        tz_free(z);
    }
}

/* Footers alone: the rules every slim file relies on after 2007. */
static const struct {
    const char *tz;
    const char *utc;
    int off;
} posix_cases[] = {
    { "CST6CDT,M3.2.0,M11.1.0", "2026-03-08T07:59:59Z", -21600 },
    { "CST6CDT,M3.2.0,M11.1.0", "2026-03-08T08:00:00Z", -18000 },
    { "CST6CDT,M3.2.0,M11.1.0", "2026-11-01T06:59:59Z", -18000 },
    { "CST6CDT,M3.2.0,M11.1.0", "2026-11-01T07:00:00Z", -21600 },
    /* 2027: second Sunday of March is the 14th, first of November the 7th */
    { "CST6CDT,M3.2.0,M11.1.0", "2027-03-14T07:59:59Z", -21600 },
    { "CST6CDT,M3.2.0,M11.1.0", "2027-03-14T08:00:00Z", -18000 },
    { "CST6CDT,M3.2.0,M11.1.0", "2027-11-07T07:00:00Z", -21600 },
    { "CST6CDT", "2026-07-01T00:00:00Z", -18000 },   /* US rules */
    { "CET-1CEST,M3.5.0,M10.5.0/3", "2026-03-29T00:59:59Z", 3600 },
    { "CET-1CEST,M3.5.0,M10.5.0/3", "2026-03-29T01:00:00Z", 7200 },
    { "CET-1CEST,M3.5.0,M10.5.0/3", "2026-10-25T00:59:59Z", 7200 },
    { "CET-1CEST,M3.5.0,M10.5.0/3", "2026-10-25T01:00:00Z", 3600 },
    /* March 2027 has 31 days, its last Sunday the 28th */
    { "CET-1CEST,M3.5.0,M10.5.0/3", "2027-03-28T01:00:00Z", 7200 },
    { "AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-04-04T15:59:59Z", 39600 },
    { "AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-04-04T16:00:00Z", 36000 },
    { "AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-10-03T15:59:59Z", 36000 },
    { "AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-10-03T16:00:00Z", 39600 },
    { "AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-12-31T14:00:00Z", 39600 },
    { "AEST-10AEDT,M10.1.0,M4.1.0/3", "2027-01-01T00:00:00Z", 39600 },
    { "IST-5:30", "2026-12-04T00:00:00Z", 19800 },
    { "<+0530>-5:30", "2026-12-04T00:00:00Z", 19800 },
    { "<+0545>-5:45", "2026-12-04T00:00:00Z", 20700 },
    { "<-03>3", "2026-12-04T00:00:00Z", -10800 },
    { "<-0930>9:30", "2026-12-04T00:00:00Z", -34200 },
    { "UTC0", "2026-12-04T00:00:00Z", 0 },
    /* Dublin: "standard" is summer, DST (GMT) is winter, offset -1 h */
    { "IST-1GMT0,M10.5.0,M3.5.0/1", "2026-01-15T00:00:00Z", 0 },
    { "IST-1GMT0,M10.5.0,M3.5.0/1", "2026-07-15T00:00:00Z", 3600 },
    { "IST-1GMT0,M10.5.0,M3.5.0/1", "2026-03-29T01:00:00Z", 3600 },
    /* DST all year (RFC 8536's example) */
    { "EST5EDT,0/0,J365/25", "2026-01-01T05:00:00Z", -14400 },
    { "EST5EDT,0/0,J365/25", "2026-07-01T00:00:00Z", -14400 },
    { "EST5EDT,0/0,J365/25", "2026-12-31T23:59:59Z", -14400 },
    /* Julian days: J60 is March 1 in every year; 59 (zero-based) is
     * March 1 only in a common year, Feb 29 in a leap year. */
    { "AAA5BBB,J60/0,J300/0", "2028-03-01T04:59:59Z", -18000 },
    { "AAA5BBB,J60/0,J300/0", "2028-03-01T05:00:00Z", -14400 },
    { "AAA5BBB,59/0,J300/0", "2028-02-29T05:00:00Z", -14400 },
    { "AAA5BBB,59/0,J300/0", "2028-02-29T04:59:59Z", -18000 },
    /* times of day past 24 h and below 0 (version 3) */
    { "AAA5BBB,M3.2.0/26,M11.1.0/-1", "2026-03-09T06:59:59Z", -18000 },
    { "AAA5BBB,M3.2.0/26,M11.1.0/-1", "2026-03-09T07:00:00Z", -14400 },
    { "AAA5BBB,M3.2.0/26,M11.1.0/-1", "2026-10-31T23:59:59Z", -14400 },
    { "AAA5BBB,M3.2.0/26,M11.1.0/-1", "2026-11-01T04:00:00Z", -18000 },
    /* a DST offset given outright */
    { "AAA5BBB3,M3.2.0,M11.1.0", "2026-07-01T00:00:00Z", -10800 },
};

static void test_posix(void)
{
    for (size_t i = 0; i < sizeof(posix_cases) / sizeof(posix_cases[0]);
         i++) {
        struct errinfo ei = { ERR_OK, "" };
        struct tz *z = NULL;

        printf("# %s at %s\n", posix_cases[i].tz, posix_cases[i].utc);
        T_INT(tz_parse_posix(posix_cases[i].tz, &z, &ei), 0);
        if (z)
            T_INT(tz_offset(z, at(posix_cases[i].utc)), posix_cases[i].off);
        tz_free(z);
    }
}

static void test_posix_refused(void)
{
    static const char *const bad[] = {
        "", "6", "CST", "CST+", "CST6CDT,", "CST6CDT,M3.2.0",
        "CST6CDT,M3.2.0,", "CST6CDT,M13.2.0,M11.1.0",
        "CST6CDT,M3.6.0,M11.1.0", "CST6CDT,M3.2.7,M11.1.0",
        "CST6CDT,M0.2.0,M11.1.0", "CST6CDT,J0,J365", "CST6CDT,366,J365",
        "CST25", "CST6:60", "<+05", "<>5", "CST6CDT,M3.2.0,M11.1.0x",
        "CST6CDT,M3.2.0/168,M11.1.0", "CST6CDT,M3.2.0,M11.1.0/",
        "CST 6", "CST6CDT5x",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct errinfo ei = { ERR_OK, "" };
        struct tz *z = (struct tz *)&ei;   /* must stay untouched */

        printf("# '%s'\n", bad[i]);
        T_INT(tz_parse_posix(bad[i], &z, &ei), -1);
        T_INT(ei.code, ERR_DATA);
        T_OK(z == (struct tz *)&ei);
    }
}

/* ---- hand-made TZif data ---- */

struct bytes {
    unsigned char b[1024];
    size_t n;
};

static void put32(struct bytes *o, uint32_t v)
{
    for (int s = 24; s >= 0; s -= 8)
        o->b[o->n++] = (unsigned char)(v >> s);
}

static void put64(struct bytes *o, int64_t v)
{
    put32(o, (uint32_t)((uint64_t)v >> 32));
    put32(o, (uint32_t)v);
}

static void put_str(struct bytes *o, const char *s, size_t n)
{
    memcpy(o->b + o->n, s, n);
    o->n += n;
}

/* A header with no leap, isstd or isut records. */
static void header(struct bytes *o, char version, uint32_t timecnt,
                   uint32_t typecnt, uint32_t charcnt)
{
    put_str(o, "TZif", 4);
    o->b[o->n++] = (unsigned char)version;
    memset(o->b + o->n, 0, 15);
    o->n += 15;
    put32(o, 0);
    put32(o, 0);
    put32(o, 0);
    put32(o, timecnt);
    put32(o, typecnt);
    put32(o, charcnt);
}

/* Zone "T": -5 h (type 0) until 2026-01-01, then +1 h (type 1) until
 * 2026-07-01, then -5 h again; 4-byte or 8-byte times. */
static const int64_t t_times[] = { 1767225600, 1782864000 };
static const unsigned char t_idx[] = { 1, 0 };

static void block(struct bytes *o, bool wide, const unsigned char *idx)
{
    for (size_t i = 0; i < 2; i++) {
        if (wide)
            put64(o, t_times[i]);
        else
            put32(o, (uint32_t)t_times[i]);
    }
    o->b[o->n++] = idx[0];
    o->b[o->n++] = idx[1];
    put32(o, (uint32_t)-18000);
    o->b[o->n++] = 0;
    o->b[o->n++] = 0;
    put32(o, 3600);
    o->b[o->n++] = 1;
    o->b[o->n++] = 4;
    put_str(o, "AAA\0BBB\0", 8);
}

static void make_v1(struct bytes *o)
{
    o->n = 0;
    header(o, 0, 2, 2, 8);
    block(o, false, t_idx);
}

static void make_v2(struct bytes *o, const char *footer)
{
    o->n = 0;
    header(o, '2', 2, 2, 8);
    block(o, false, t_idx);
    header(o, '2', 2, 2, 8);
    block(o, true, t_idx);
    put_str(o, footer, strlen(footer));
}

/* A slim file as zic writes it for a zone with only today's rules. */
static void make_footer_only(struct bytes *o, const char *footer)
{
    o->n = 0;
    header(o, '3', 0, 1, 4);
    put32(o, (uint32_t)-21600);
    o->b[o->n++] = 0;
    o->b[o->n++] = 0;
    put_str(o, "CST\0", 4);
    header(o, '3', 0, 1, 4);
    put32(o, (uint32_t)-21600);
    o->b[o->n++] = 0;
    o->b[o->n++] = 0;
    put_str(o, "CST\0", 4);
    put_str(o, footer, strlen(footer));
}

static int32_t off_at(const struct bytes *o, const char *iso, int *rc)
{
    struct errinfo ei = { ERR_OK, "" };
    struct tz *z = NULL;
    int32_t off = 0;

    *rc = tz_parse(o->b, o->n, &z, &ei);
    if (*rc == 0)
        off = tz_offset(z, at(iso));
    else
        printf("#   %s\n", ei.msg);
    tz_free(z);
    return off;
}

static void test_tzif(void)
{
    struct bytes o;
    int rc;

    make_v1(&o);
    T_INT(off_at(&o, "2025-06-01T00:00:00Z", &rc), -18000);
    T_INT(rc, 0);
    T_INT(off_at(&o, "2026-01-01T00:00:00Z", &rc), 3600);
    T_INT(off_at(&o, "2026-06-30T23:59:59Z", &rc), 3600);
    T_INT(off_at(&o, "2026-07-01T00:00:00Z", &rc), -18000);
    T_INT(off_at(&o, "2090-07-01T00:00:00Z", &rc), -18000);

    /* Version 2: the 64-bit block; after the last transition the footer
     * rules, not the last type. */
    make_v2(&o, "\nAAA5BBB,M3.2.0,M11.1.0\n");
    T_INT(off_at(&o, "2026-03-01T00:00:00Z", &rc), 3600);
    T_INT(rc, 0);
    T_INT(off_at(&o, "2026-08-01T00:00:00Z", &rc), -14400);
    T_INT(off_at(&o, "2026-12-01T00:00:00Z", &rc), -18000);
    make_v2(&o, "\n\n");   /* empty footer: the last type */
    T_INT(off_at(&o, "2026-08-01T00:00:00Z", &rc), -18000);
    T_INT(rc, 0);

    make_footer_only(&o, "\nCST6CDT,M3.2.0,M11.1.0\n");
    T_INT(off_at(&o, "1990-07-01T00:00:00Z", &rc), -18000);
    T_INT(rc, 0);
    T_INT(off_at(&o, "2026-12-04T08:00:05Z", &rc), -21600);
    make_footer_only(&o, "\n\n");
    T_INT(off_at(&o, "2026-07-01T00:00:00Z", &rc), -21600);
    T_INT(rc, 0);
}

static void test_tzif_refused(void)
{
    static const unsigned char bad_idx[] = { 1, 2 };
    struct errinfo ei = { ERR_OK, "" };
    struct tz *z = NULL;
    struct bytes o;
    int rc;

    /* every truncation of a good file */
    make_v2(&o, "\nAAA5BBB,M3.2.0,M11.1.0\n");
    for (size_t n = 0; n < o.n; n++) {
        rc = tz_parse(o.b, n, &z, &ei);
        if (rc != -1) {
            printf("#   accepted %zu of %zu bytes\n", n, o.n);
            T_INT(rc, -1);
            tz_free(z);
            z = NULL;
        }
    }
    T_OK(z == NULL);
    T_INT(tz_parse(o.b, o.n, &z, &ei), 0);
    tz_free(z);

    make_v1(&o);
    o.b[0] = 'X';
    T_INT(tz_parse(o.b, o.n, &z, &ei), -1);
    T_OK(strstr(ei.msg, "not a TZif file") != NULL);
    make_v1(&o);
    o.b[4] = '1';
    T_INT(tz_parse(o.b, o.n, &z, &ei), -1);
    make_v2(&o, "\nAAA5BBB,M3.2.0,M11.1.0");   /* no final newline */
    T_INT(tz_parse(o.b, o.n, &z, &ei), -1);
    make_v2(&o, "\nAAA5BBB,M13.2.0,M11.1.0\n");
    T_INT(tz_parse(o.b, o.n, &z, &ei), -1);
    T_OK(strstr(ei.msg, "footer") != NULL);
    make_v2(&o, "\nAAA5\0BBB\n");   /* a NUL inside the footer */
    o.n += 0;
    T_INT(tz_parse(o.b, o.n, &z, &ei), -1);
    make_v2(&o, "AAA5\n");          /* footer not after a newline */
    T_INT(tz_parse(o.b, o.n, &z, &ei), -1);

    /* a transition to a type that does not exist */
    o.n = 0;
    header(&o, 0, 2, 2, 8);
    block(&o, false, bad_idx);
    T_INT(tz_parse(o.b, o.n, &z, &ei), -1);
    T_OK(strstr(ei.msg, "time type") != NULL);
    /* transitions out of order */
    make_v1(&o);
    memcpy(o.b + 44, o.b + 48, 4);
    T_INT(tz_parse(o.b, o.n, &z, &ei), -1);
    T_OK(strstr(ei.msg, "order") != NULL);
    /* no time type at all */
    o.n = 0;
    header(&o, 0, 0, 0, 0);
    T_INT(tz_parse(o.b, o.n, &z, &ei), -1);
    /* counts far beyond the data */
    o.n = 0;
    header(&o, 0, 0xFFFFFFFFu, 1, 1);
    T_INT(tz_parse(o.b, o.n, &z, &ei), -1);
    /* an offset of more than 26 hours */
    make_v1(&o);
    o.b[44 + 8 + 2 + 3] = 0;   /* type 0's offset: -18000 -> large */
    o.b[44 + 8 + 2] = 0x7f;
    T_INT(tz_parse(o.b, o.n, &z, &ei), -1);
    T_INT(ei.code, ERR_DATA);
    T_INT(tz_parse(NULL, 0, &z, &ei), -1);
}

static void test_names(void)
{
    static const struct {
        const char *name;
        bool ok;
    } cases[] = {
        { "America/Chicago", true }, { "UTC", true }, { "Etc/GMT+5", true },
        { "America/Argentina/Buenos_Aires", true }, { "EST5EDT", true },
        { "", false }, { NULL, false }, { "/etc/localtime", false },
        { "America/", false }, { "../etc/passwd", false },
        { "America/../../etc", false }, { "America/New York", false },
        { "Europe/Berlin\n", false }, { "a.b", false },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        printf("# %s\n", cases[i].name ? cases[i].name : "(null)");
        T_INT(tz_name_ok(cases[i].name), cases[i].ok);
    }
}

/* Every 7 h 13 min from 1900 to 2100 in each zone, against the C
 * library's answer for the same file (setenv in a test only: mailrota
 * itself never changes TZ). */
static void test_against_libc(void)
{
    static const char *const zones[] = {
        "America/Chicago", "Europe/Berlin", "Australia/Sydney",
        "Asia/Kolkata", "Europe/Dublin", "America/Sao_Paulo",
        "Pacific/Chatham", "Asia/Kathmandu", "Africa/Casablanca",
        "Australia/Lord_Howe",
    };
    const int64_t from = at("1900-01-01T00:00:00Z");
    const int64_t to = at("2100-01-01T00:00:00Z");

    for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
        struct tz *z = load(zones[i]);
        long bad = 0, n = 0;

        T_OK(z != NULL);
        if (!z)
            continue;
        setenv("TZ", zones[i], 1);
        tzset();
        for (int64_t t = from; t < to; t += 7 * 3600 + 13 * 60, n++) {
            time_t tt = (time_t)t;
            struct tm tm;

            if (!localtime_r(&tt, &tm) || tm.tm_gmtoff != tz_offset(z, t)) {
                if (bad++ < 3)
                    printf("# %s at %lld: libc %ld, tz %ld\n", zones[i],
                           (long long)t, (long)tm.tm_gmtoff,
                           (long)tz_offset(z, t));
            }
        }
        printf("# %s: %ld instants\n", zones[i], n);
        T_INT(bad, 0);
        tz_free(z);
    }
    unsetenv("TZ");
    tzset();
}

int main(void)
{
    T_RUN(test_files);
    T_RUN(test_posix);
    T_RUN(test_posix_refused);
    T_RUN(test_tzif);
    T_RUN(test_tzif_refused);
    T_RUN(test_names);
    T_RUN(test_against_libc);
    return t_done();
}
