/*
 * imapresp.c - IMAP responses read (see imapresp.h).
 */
#include "imapresp.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#include "banned.h"

/* The next line of buf from *pos: its start and length (no CRLF). */
static bool next_line(const char *buf, size_t len, size_t *pos,
                      const char **line, size_t *n)
{
    size_t i = *pos;

    if (i >= len)
        return false;
    *line = buf + i;
    while (i < len && buf[i] != '\n')
        i++;
    *n = (size_t)(buf + i - *line);
    if (*n && (*line)[*n - 1] == '\r')
        (*n)--;
    *pos = i < len ? i + 1 : i;
    return true;
}

static const char *find(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);

    for (size_t i = 0; i + k <= n; i++)
        if (strncasecmp(s + i, needle, k) == 0)
            return s + i;
    return NULL;
}

/* The decimal number at *p (< end), advancing *p; -1 when none. */
static long long number(const char **p, const char *end)
{
    long long v = -1;

    while (*p < end && **p >= '0' && **p <= '9') {
        if (v < 0)
            v = 0;
        if (v > (long long)1e15)
            return -1;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    return v;
}

static long long code_value(const char *buf, size_t len, const char *code)
{
    const char *p = find(buf, len, code);
    long long v;

    if (!p)
        return 0;
    p += strlen(code);
    v = number(&p, buf + len);
    return v > 0 ? v : 0;
}

long long imapresp_uidvalidity(const char *buf, size_t len)
{
    return code_value(buf, len, "[UIDVALIDITY ");
}

long long imapresp_uidnext(const char *buf, size_t len)
{
    return code_value(buf, len, "[UIDNEXT ");
}

static int cmp_ll(long long a, long long b)
{
    return a < b ? -1 : a > b;
}

/* Inserts v into the sorted out[0..n) unless there; returns the new n. */
static size_t insert_sorted(long long *out, size_t n, size_t cap,
                            long long v, bool *more)
{
    size_t i = n;

    while (i > 0 && cmp_ll(out[i - 1], v) > 0)
        i--;
    if (i > 0 && out[i - 1] == v)
        return n;
    if (n == cap) {
        *more = true;
        if (i == n)
            return n;
        n--;   /* the highest goes */
    }
    memmove(out + i + 1, out + i, (n - i) * sizeof(*out));
    out[i] = v;
    return n + 1;
}

size_t imapresp_search(const char *buf, size_t len, long long above,
                       long long *out, size_t cap, bool *more)
{
    size_t pos = 0, n = 0, ln;
    const char *line;

    *more = false;
    while (next_line(buf, len, &pos, &line, &ln)) {
        const char *p, *end = line + ln;

        if (ln < 8 || strncasecmp(line, "* SEARCH", 8) != 0)
            continue;
        p = line + 8;
        while (p < end) {
            long long v;

            while (p < end && *p == ' ')
                p++;
            v = number(&p, end);
            if (v < 0)
                break;
            if (v > above)
                n = insert_sorted(out, n, cap, v, more);
        }
    }
    return n;
}

/* The value after `key ` in line; -1 when absent. */
static long long item(const char *line, size_t n, const char *key)
{
    const char *p = find(line, n, key);

    if (!p)
        return -1;
    p += strlen(key);
    return number(&p, line + n);
}

size_t imapresp_meta(const char *buf, size_t len, struct imapresp_meta *out,
                     size_t cap)
{
    size_t pos = 0, n = 0, ln;
    const char *line;

    while (n < cap && next_line(buf, len, &pos, &line, &ln)) {
        const char *d;

        if (ln < 2 || line[0] != '*' || !find(line, ln, " FETCH ("))
            continue;
        out[n].uid = item(line, ln, "UID ");
        if (out[n].uid <= 0)
            continue;
        out[n].size = item(line, ln, "RFC822.SIZE ");
        out[n].internaldate = 0;
        d = find(line, ln, "INTERNALDATE \"");
        if (d) {
            const char *s = d + strlen("INTERNALDATE \"");
            const char *e = memchr(s, '"', (size_t)(line + ln - s));
            int64_t t = e ? imapresp_date(s, (size_t)(e - s)) : -1;

            out[n].internaldate = t > 0 ? t : 0;
        }
        n++;
    }
    return n;
}

/* Whether the first line from p (< end) names uid in a UID item. */
static bool names_uid(const char *p, const char *end, long long uid)
{
    const char *lf = memchr(p, '\n', (size_t)(end - p));

    return item(p, (size_t)((lf ? lf : end) - p), "UID ") == uid;
}

bool imapresp_body(const char *buf, size_t len, long long uid,
                   struct imapresp_lit *out)
{
    size_t pos = 0, ln;
    const char *line;

    memset(out, 0, sizeof(*out));
    while (next_line(buf, len, &pos, &line, &ln)) {
        const char *b, *p, *end = line + ln;
        long long n, uid_here;
        size_t avail;

        if (ln < 2 || line[0] != '*' || !find(line, ln, " FETCH ("))
            continue;
        b = find(line, ln, "BODY[");
        if (!b || !(p = memchr(b, '{', (size_t)(end - b))))
            continue;
        uid_here = item(line, (size_t)(p - line), "UID ");
        p++;
        n = number(&p, end);
        if (n < 0 || p >= end || *p != '}')
            continue;
        avail = len - pos < (size_t)n ? len - pos : (size_t)n;
        /* RFC 3501 lets the UID item follow the literal. */
        if (uid_here != uid &&
            (uid_here >= 0 || avail < (size_t)n ||
             !names_uid(buf + pos + avail, buf + len, uid)))
            continue;
        out->p = buf + pos;   /* the literal starts after the line's LF */
        out->len = avail;
        out->cut = avail < (size_t)n;
        out->unclosed = pos + avail >= len;
        return true;
    }
    return false;
}

static int month(const char *m)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

    for (int i = 0; i < 12; i++)
        if (strncasecmp(m, names + 3 * i, 3) == 0)
            return i + 1;
    return 0;
}

int64_t imapresp_date(const char *s, size_t len)
{
    char b[40], mon[4] = "", sign;
    int d, y, hh, mm, ss, zone, mo;

    if (len >= sizeof(b))
        return -1;
    memcpy(b, s, len);
    b[len] = '\0';
    if (sscanf(b, " %d-%3s-%d %d:%d:%d %c%4d", &d, mon, &y, &hh, &mm, &ss,
               &sign, &zone) != 8 || (sign != '+' && sign != '-'))
        return -1;
    mo = month(mon);
    if (!mo || d < 1 || d > 31 || y < 1970 || y > 9999 || hh > 23 ||
        mm > 59 || ss > 60 || hh < 0 || mm < 0 || ss < 0)
        return -1;
    zone = (zone / 100) * 3600 + (zone % 100) * 60;
    return time_from_civil(y, mo, d, hh, mm, ss) -
           (sign == '+' ? zone : -zone);
}

void imapresp_last(const char *buf, size_t len, char *out, size_t cap)
{
    size_t pos = 0, ln, k = 0;
    const char *line, *best = NULL;
    size_t best_n = 0;

    while (next_line(buf, len, &pos, &line, &ln)) {
        if (!ln)
            continue;
        if (line[0] != '*' && line[0] != '+') {
            best = line;   /* a tagged line: the command's outcome */
            best_n = ln;
        } else if (!best) {
            best = line;
            best_n = ln;
        }
    }
    if (cap == 0)
        return;
    if (best && best[0] != '*' && best[0] != '+') {
        const char *sp = memchr(best, ' ', best_n);

        if (sp) {
            best_n -= (size_t)(sp + 1 - best);
            best = sp + 1;
        }
    }
    for (size_t i = 0; best && i < best_n && k + 1 < cap; i++)
        out[k++] = (unsigned char)best[i] < 0x20 || best[i] == 0x7f ? ' '
                                                                 : best[i];
    out[k] = '\0';
}
