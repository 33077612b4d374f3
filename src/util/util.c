#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "banned.h"

static void die_oom(size_t n)
{
    fprintf(stderr, "mailrota: fatal: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die_oom(n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        die_oom(n * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die_oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p;
    size_t len = strnlen(s, n);

    p = xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap, ap2;
    int n;
    char *p;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    p = xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

void sb_init(struct strbuf *sb, size_t max)
{
    sb->cap = 64;
    sb->buf = xmalloc(sb->cap);
    sb->buf[0] = '\0';
    sb->len = 0;
    sb->max = max;
}

void sb_release(struct strbuf *sb)
{
    free(sb->buf);
    sb->buf = NULL;
    sb->len = sb->cap = 0;
}

void sb_reset(struct strbuf *sb)
{
    sb->len = 0;
    sb->buf[0] = '\0';
}

static int sb_grow(struct strbuf *sb, size_t extra)
{
    size_t need;

    if (extra > SIZE_MAX - sb->len - 1)
        return -1;
    need = sb->len + extra + 1;
    if (sb->max && need - 1 > sb->max)
        return -1;
    if (need > sb->cap) {
        size_t cap = sb->cap ? sb->cap : 64;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        sb->buf = xrealloc(sb->buf, cap);
        sb->cap = cap;
    }
    return 0;
}

int sb_add(struct strbuf *sb, const void *data, size_t n)
{
    if (sb_grow(sb, n) < 0)
        return -1;
    memcpy(sb->buf + sb->len, data, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
    return 0;
}

int sb_adds(struct strbuf *sb, const char *s)
{
    return sb_add(sb, s, strlen(s));
}

int sb_addch(struct strbuf *sb, char c)
{
    if (sb->len + 1 < sb->cap) {
        if (sb->max && sb->len + 1 > sb->max)
            return -1;
        sb->buf[sb->len++] = c;
        sb->buf[sb->len] = '\0';
        return 0;
    }
    return sb_add(sb, &c, 1);
}

int sb_addf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap, ap2;
    int n;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || sb_grow(sb, (size_t)n) < 0) {
        va_end(ap2);
        return -1;
    }
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    sb->len += (size_t)n;
    return 0;
}

char *sb_detach(struct strbuf *sb, size_t *len)
{
    char *p = sb->buf;
    size_t max = sb->max;

    if (len)
        *len = sb->len;
    sb_init(sb, max);
    return p;
}

/* Bytes of the valid UTF-8 character at p (NUL-terminated), 0 if none. */
static size_t utf8_char_len(const unsigned char *p)
{
    size_t n = *p < 0xC0 ? 0 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;

    return n && utf8_valid((const char *)p, n) ? n : 0;
}

int sb_add_json_str(struct strbuf *sb, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t start = sb->len;

    if (!s)
        return sb_adds(sb, "null");
    if (sb_addch(sb, '"') < 0)
        goto fail;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int r;

        if (*p >= 0x80) {
            /* valid UTF-8 as it is; each other byte becomes U+FFFD */
            size_t n = utf8_char_len(p);

            if (n) {
                r = sb_add(sb, p, n);
                p += n - 1;
            } else {
                r = sb_add(sb, "\xEF\xBF\xBD", 3);
            }
            if (r < 0)
                goto fail;
            continue;
        }
        switch (*p) {
        case '"':  r = sb_add(sb, "\\\"", 2); break;
        case '\\': r = sb_add(sb, "\\\\", 2); break;
        case '\n': r = sb_add(sb, "\\n", 2); break;
        case '\r': r = sb_add(sb, "\\r", 2); break;
        case '\t': r = sb_add(sb, "\\t", 2); break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                char u[6] = { '\\', 'u', '0', '0', hex[*p >> 4],
                              hex[*p & 15] };
                r = sb_add(sb, u, 6);
            } else {
                r = sb_addch(sb, (char)*p);
            }
        }
        if (r < 0)
            goto fail;
    }
    if (sb_addch(sb, '"') < 0)
        goto fail;
    return 0;
fail:
    sb->len = start;
    sb->buf[start] = '\0';
    return -1;
}

bool str_icontains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] &&
               tolower((unsigned char)hay[i]) ==
                   tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return n == 0;
}

bool str_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

bool str_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

void str_lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
           c == '\f';
}

char *str_trim(char *s)
{
    size_t len = strlen(s), start = 0;

    while (len && is_ws(s[len - 1]))
        len--;
    while (start < len && is_ws(s[start]))
        start++;
    memmove(s, s + start, len - start);
    s[len - start] = '\0';
    return s;
}

bool str_blank(const char *s)
{
    for (; *s; s++)
        if (!is_ws(*s))
            return false;
    return true;
}

bool utf8_is_c1(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;

    return u[0] == 0xC2 && u[1] >= 0x80 && u[1] <= 0x9F;
}

bool utf8_is_line_sep(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;

    return u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0xA8 || u[2] == 0xA9);
}

bool utf16_bom(const char *buf, size_t len)
{
    return len >= 2 && (memcmp(buf, "\xFF\xFE", 2) == 0 ||
                        memcmp(buf, "\xFE\xFF", 2) == 0);
}

bool has_encoded_word(const char *s, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++)
        if (s[i] == '=' && s[i + 1] == '?') {
            for (size_t j = i + 2; j + 1 < len; j++)
                if (s[j] == '?' && s[j + 1] == '=')
                    return true;
            return false;
        }
    return false;
}

bool utf8_valid(const char *buf, size_t len)
{
    const unsigned char *s = (const unsigned char *)buf;
    size_t i = 0;

    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t cp;

        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (size_t k = 1; k <= n; k++) {
            if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        /* overlong forms, surrogates, out of range */
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
            (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

int parse_int(const char *s, long long min, long long max, long long *out)
{
    char *end;
    long long v;

    if (!s || !*s || is_ws(*s))
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Howard Hinnant's days_from_civil. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int64_t time_from_civil(int y, int mo, int d, int h, int mi, int s)
{
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

void time_civil(int64_t t, int *y, int *mo, int *d)
{
    int64_t days = t / 86400;

    if (t % 86400 < 0)
        days--;
    civil_from_days(days, y, mo, d);
}

void time_iso(int64_t t, char out[ISO_TIME_LEN])
{
    int64_t days = t / 86400, rem = t % 86400;
    int y, m, d;

    if (rem < 0) {
        rem += 86400;
        days--;
    }
    civil_from_days(days, &y, &m, &d);
    snprintf(out, ISO_TIME_LEN, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
             (int)(rem / 3600), (int)(rem % 3600 / 60), (int)(rem % 60));
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int time_parse_iso(const char *s, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (strlen(s) < 10 || digits(s, 4, &y) || s[4] != '-' ||
        digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d))
        return -1;
    s += 10;
    if (*s == 'T' || *s == ' ') {
        if (strlen(s) < 9 || digits(s + 1, 2, &h) || s[3] != ':' ||
            digits(s + 4, 2, &mi) || s[6] != ':' || digits(s + 7, 2, &sec))
            return -1;
        s += 9;
        if (*s == 'Z')
            s++;
    }
    if (*s || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
        mi > 59 || sec > 60)
        return -1;
    *out = time_from_civil(y, mo, d, h, mi, sec);
    return 0;
}

void secure_wipe(void *p, size_t n)
{
    if (p && n)
        OPENSSL_cleanse(p, n);
}

char *sanitize(char *s)
{
    for (char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return s;
}
