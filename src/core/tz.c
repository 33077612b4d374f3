/*
 * tz.c - TZif data and POSIX TZ strings (RFC 8536).  See tz.h.  Pure.
 *
 * A TZif file lists transitions (instants) and the time type (UTC offset)
 * each starts; a footer gives the rule for every instant after the last
 * transition, so a "slim" file (tzdata's default since 2020) may hold only
 * the footer for today's rules.  Both are needed.
 */
#include "tz.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#include "banned.h"

#define HEADER_LEN 44
#define DATA_MAX (16 * 1024 * 1024)
/* RFC 8536: a time type's offset is in -89999..93599 (-24:59:59..25:59:59). */
#define UTOFF_MIN (-89999)
#define UTOFF_MAX 93599
/* TZ string offsets are 0..24 hours, rule times -167..167 (version 3). */
#define OFFSET_HOURS_MAX 24
#define RULE_HOURS_MAX 167
/* Instants beyond about +-34,000 years are clamped before calendar
 * arithmetic, so that a year always fits an int. */
#define CIVIL_T_MAX ((int64_t)1 << 40)

enum rule_kind { RULE_JULIAN1, RULE_JULIAN0, RULE_MONTH };

/* One end of DST: a day of the year and a local time on it. */
struct rule {
    enum rule_kind kind;
    int n;          /* Jn: 1..365 (no Feb 29); n: 0..365 */
    int m, w, d;    /* Mm.w.d: month, week 1..5 (5: last), weekday 0..6 */
    int32_t secs;   /* local time of the change, may be < 0 or > 24 h */
};

struct posix_tz {
    int32_t std_off, dst_off;   /* seconds east of UTC */
    bool has_dst;
    struct rule start, end;     /* start in standard time, end in DST */
};

struct tz {
    int64_t *trans;             /* ascending */
    unsigned char *idx;         /* time type of each transition */
    size_t n_trans;
    int32_t *type_off;
    size_t n_types;
    bool has_footer;
    struct posix_tz footer;
};

bool tz_name_ok(const char *name)
{
    size_t len = name ? strlen(name) : 0;

    if (len == 0 || len > 200 || name[0] == '/' || name[len - 1] == '/' ||
        strstr(name, ".."))
        return false;
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || strchr("_+-/", c)))
            return false;
    }
    return true;
}

/* ---- POSIX TZ strings ---------------------------------------------------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A zone abbreviation: "CST" or "<+0530>". */
static bool parse_name(const char **p)
{
    const char *s = *p;

    if (*s == '<') {
        for (s++; is_alpha(*s) || is_digit(*s) || *s == '+' || *s == '-';)
            s++;
        if (*s != '>' || s == *p + 1)
            return false;
        *p = s + 1;
        return true;
    }
    while (is_alpha(*s))
        s++;
    if (s == *p)
        return false;
    *p = s;
    return true;
}

/* Up to max_digits digits, at most max; -1 when there are none. */
static int parse_num(const char **p, int max_digits, int max)
{
    int v = 0, n = 0;

    while (is_digit(**p) && n < max_digits) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    return n == 0 || v > max ? -1 : v;
}

/* [+-]hh[:mm[:ss]] with hh <= max_hours, into seconds. */
static bool parse_hms(const char **p, int max_hours, int32_t *out)
{
    int sign = 1, h, m = 0, s = 0;

    if (**p == '+' || **p == '-')
        sign = *(*p)++ == '-' ? -1 : 1;
    h = parse_num(p, 3, max_hours);
    if (h < 0)
        return false;
    if (**p == ':') {
        (*p)++;
        if ((m = parse_num(p, 2, 59)) < 0)
            return false;
        if (**p == ':') {
            (*p)++;
            if ((s = parse_num(p, 2, 59)) < 0)
                return false;
        }
    }
    *out = sign * (h * 3600 + m * 60 + s);
    return true;
}

/* Jn | n | Mm.w.d, then an optional /time (default 02:00). */
static bool parse_rule(const char **p, struct rule *r)
{
    memset(r, 0, sizeof(*r));
    r->secs = 2 * 3600;
    if (**p == 'J') {
        (*p)++;
        r->kind = RULE_JULIAN1;
        if ((r->n = parse_num(p, 3, 365)) < 1)
            return false;
    } else if (**p == 'M') {
        (*p)++;
        r->kind = RULE_MONTH;
        if ((r->m = parse_num(p, 2, 12)) < 1 || *(*p)++ != '.' ||
            (r->w = parse_num(p, 1, 5)) < 1 || *(*p)++ != '.' ||
            (r->d = parse_num(p, 1, 6)) < 0)
            return false;
    } else {
        r->kind = RULE_JULIAN0;
        if ((r->n = parse_num(p, 3, 365)) < 0)
            return false;
    }
    if (**p == '/') {
        (*p)++;
        return parse_hms(p, RULE_HOURS_MAX, &r->secs);
    }
    return true;
}

static bool parse_posix(const char *s, struct posix_tz *pt)
{
    const char *p = s;
    int32_t off;

    memset(pt, 0, sizeof(*pt));
    if (!parse_name(&p) || !parse_hms(&p, OFFSET_HOURS_MAX, &off))
        return false;
    pt->std_off = -off;   /* POSIX counts west of Greenwich */
    if (!*p)
        return true;
    if (!parse_name(&p))
        return false;
    pt->has_dst = true;
    pt->dst_off = pt->std_off + 3600;
    if (*p && *p != ',') {
        if (!parse_hms(&p, OFFSET_HOURS_MAX, &off))
            return false;
        pt->dst_off = -off;
    }
    if (!*p) {
        /* No rules: POSIX leaves it open; tzcode uses the US rules. */
        p = ",M3.2.0,M11.1.0";
    }
    if (*p++ != ',' || !parse_rule(&p, &pt->start) || *p++ != ',' ||
        !parse_rule(&p, &pt->end))
        return false;
    return *p == '\0';
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The local time (seconds since the epoch as if local were UTC) at which
 * rule r falls in year y. */
static int64_t rule_local(const struct rule *r, int y)
{
    static const int mdays[] = { 31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31 };
    int64_t jan1 = time_from_civil(y, 1, 1, 0, 0, 0) / 86400, day;

    if (r->kind == RULE_JULIAN1) {
        day = jan1 + r->n - 1 + (is_leap(y) && r->n >= 60);
    } else if (r->kind == RULE_JULIAN0) {
        day = jan1 + r->n;
    } else {
        int64_t first = time_from_civil(y, r->m, 1, 0, 0, 0) / 86400;
        int len = mdays[r->m - 1] + (r->m == 2 && is_leap(y));
        int wd1 = (int)(((first % 7) + 7 + 4) % 7); /* 1970-01-01: Thu */
        int mday = 1 + (r->d - wd1 + 7) % 7 + (r->w - 1) * 7;

        while (mday > len)
            mday -= 7;
        day = first + mday - 1;
    }
    return day * 86400 + r->secs;
}

static int32_t posix_offset(const struct posix_tz *pt, int64_t t)
{
    int64_t start, end;
    int y, mo, d;
    bool dst;

    if (!pt->has_dst)
        return pt->std_off;
    if (t > CIVIL_T_MAX)
        t = CIVIL_T_MAX;
    if (t < -CIVIL_T_MAX)
        t = -CIVIL_T_MAX;
    /* The year as standard time counts it; both changes of that year. */
    time_civil(t + pt->std_off, &y, &mo, &d);
    start = rule_local(&pt->start, y) - pt->std_off;
    end = rule_local(&pt->end, y) - pt->dst_off;
    if (start <= end)
        dst = start <= t && t < end;       /* northern: DST mid-year */
    else
        dst = !(end <= t && t < start);    /* southern: DST over new year */
    return dst ? pt->dst_off : pt->std_off;
}

int tz_parse_posix(const char *s, struct tz **out, struct errinfo *ei)
{
    struct posix_tz pt;
    struct tz *z;

    if (!s || !parse_posix(s, &pt))
        return err_set(ei, ERR_DATA, "bad TZ string '%s'", s ? s : "");
    z = tz_utc();
    z->has_footer = true;
    z->footer = pt;
    z->type_off[0] = pt.std_off;
    *out = z;
    return 0;
}

/* ---- TZif ---------------------------------------------------------------- */

struct counts {
    size_t isut, isstd, leap, time, type, chr;
};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* The header at d[pos]; *size is the length of the data block after it
 * with times of tsize bytes. */
static int read_header(const unsigned char *d, size_t len, size_t pos,
                       size_t tsize, struct counts *c, size_t *size,
                       struct errinfo *ei)
{
    const unsigned char *h = d + pos;

    if (len - pos < HEADER_LEN || memcmp(h, "TZif", 4) != 0)
        return err_set(ei, ERR_DATA, pos ? "truncated (no second header)"
                                         : "not a TZif file");
    c->isut = be32(h + 20);
    c->isstd = be32(h + 24);
    c->leap = be32(h + 28);
    c->time = be32(h + 32);
    c->type = be32(h + 36);
    c->chr = be32(h + 40);
    if (c->type == 0 || c->type > 256)
        return err_set(ei, ERR_DATA, "%zu time types", c->type);
    /* Each count is below DATA_MAX here, so nothing below overflows. */
    if (c->isut > len || c->isstd > len || c->leap > len || c->time > len ||
        c->chr > len)
        return err_set(ei, ERR_DATA, "truncated");
    *size = c->time * tsize + c->time + c->type * 6 + c->chr +
            c->leap * (tsize + 4) + c->isstd + c->isut;
    if (len - pos - HEADER_LEN < *size)
        return err_set(ei, ERR_DATA, "truncated");
    return 0;
}

/* The transitions and time types of the data block at b. */
static int read_block(const unsigned char *b, const struct counts *c,
                      size_t tsize, struct tz *z, struct errinfo *ei)
{
    const unsigned char *idx = b + c->time * tsize;
    const unsigned char *types = idx + c->time;

    z->n_trans = c->time;
    z->n_types = c->type;
    z->trans = xcalloc(c->time ? c->time : 1, sizeof(*z->trans));
    z->idx = xcalloc(c->time ? c->time : 1, 1);
    z->type_off = xcalloc(c->type, sizeof(*z->type_off));
    for (size_t i = 0; i < c->time; i++) {
        z->trans[i] = tsize == 8 ? be64(b + 8 * i)
                                 : (int64_t)(int32_t)be32(b + 4 * i);
        z->idx[i] = idx[i];
        if (idx[i] >= c->type)
            return err_set(ei, ERR_DATA, "transition %zu has no time type",
                           i);
        if (i && z->trans[i] <= z->trans[i - 1])
            return err_set(ei, ERR_DATA, "transition times out of order");
    }
    for (size_t i = 0; i < c->type; i++) {
        int32_t off = (int32_t)be32(types + 6 * i);
        if (off < UTOFF_MIN || off > UTOFF_MAX)
            return err_set(ei, ERR_DATA, "UTC offset %ld out of range",
                           (long)off);
        z->type_off[i] = off;
    }
    return 0;
}

/* The footer "\nTZ\n" at d[pos]. */
static int read_footer(const unsigned char *d, size_t len, size_t pos,
                       struct tz *z, struct errinfo *ei)
{
    const unsigned char *nl;
    char *s;
    bool ok;

    if (pos >= len || d[pos] != '\n')
        return err_set(ei, ERR_DATA, "no footer");
    nl = memchr(d + pos + 1, '\n', len - pos - 1);
    if (!nl)
        return err_set(ei, ERR_DATA, "footer without its newline");
    if (nl == d + pos + 1)
        return 0;   /* empty: no rule after the last transition */
    len = (size_t)(nl - d) - pos - 1;
    s = xstrndup((const char *)d + pos + 1, len);
    /* A NUL inside would end the string early, and pass for its end. */
    ok = strlen(s) == len && parse_posix(s, &z->footer);
    if (!ok)
        err_set(ei, ERR_DATA, "bad TZ string in footer");
    free(s);
    z->has_footer = ok;
    return ok ? 0 : -1;
}

int tz_parse(const unsigned char *data, size_t len, struct tz **out,
             struct errinfo *ei)
{
    struct counts c;
    struct tz *z;
    size_t size, pos = 0, tsize = 4;
    int version;

    if (!data || len > DATA_MAX)
        return err_set(ei, ERR_DATA, "not a TZif file");
    if (read_header(data, len, 0, 4, &c, &size, ei) < 0)
        return -1;
    version = data[4];
    if (version != 0 && version < '2')
        return err_set(ei, ERR_DATA, "unknown TZif version");
    if (version >= '2') {
        /* Skip the 32-bit data; the 64-bit block follows its header. */
        pos = HEADER_LEN + size;
        tsize = 8;
        if (read_header(data, len, pos, 8, &c, &size, ei) < 0)
            return -1;
    }
    z = xcalloc(1, sizeof(*z));
    if (read_block(data + pos + HEADER_LEN, &c, tsize, z, ei) < 0 ||
        (tsize == 8 &&
         read_footer(data, len, pos + HEADER_LEN + size, z, ei) < 0)) {
        tz_free(z);
        return -1;
    }
    *out = z;
    return 0;
}

struct tz *tz_utc(void)
{
    struct tz *z = xcalloc(1, sizeof(*z));

    z->n_types = 1;
    z->type_off = xcalloc(1, sizeof(*z->type_off));
    return z;
}

void tz_free(struct tz *z)
{
    if (!z)
        return;
    free(z->trans);
    free(z->idx);
    free(z->type_off);
    free(z);
}

int32_t tz_offset(const struct tz *z, int64_t t)
{
    size_t lo = 0, hi;

    if (z->n_trans == 0 || t >= z->trans[z->n_trans - 1]) {
        if (z->has_footer)
            return posix_offset(&z->footer, t);
        return z->type_off[z->n_trans ? z->idx[z->n_trans - 1] : 0];
    }
    if (t < z->trans[0])
        return z->type_off[0];
    /* The last transition at or before t: trans[lo] <= t < trans[hi]. */
    hi = z->n_trans - 1;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return z->type_off[z->idx[lo]];
}
