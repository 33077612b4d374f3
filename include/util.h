/*
 * util.h - allocation that aborts on OOM, a bounded growable string buffer,
 * and small pure string/time helpers.  Everything here is pure (no file,
 * network, clock, environment or randomness), so pure modules may use it.
 */
#ifndef MAILROTA_UTIL_H
#define MAILROTA_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A growable NUL-terminated byte buffer (git strbuf, curl dynbuf).  `max`
 * bounds its length (0: no bound); sb_add* return -1 once it would be
 * exceeded and leave the contents unchanged.
 */
struct strbuf {
    char *buf;   /* always NUL-terminated after sb_init */
    size_t len;
    size_t cap;
    size_t max;
};

void sb_init(struct strbuf *sb, size_t max);
void sb_release(struct strbuf *sb);
void sb_reset(struct strbuf *sb);
int sb_add(struct strbuf *sb, const void *data, size_t n);
int sb_adds(struct strbuf *sb, const char *s);
int sb_addch(struct strbuf *sb, char c);
int sb_addf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hands the buffer to the caller (who frees it) and re-initialises sb. */
char *sb_detach(struct strbuf *sb, size_t *len);

/*
 * Appends s as a JSON string literal (quotes included), escaping quotes,
 * backslashes and control characters.  Each byte of s that is not part of
 * valid UTF-8 (a value from sqlite3, a server's reply) becomes U+FFFD, so
 * the output is always valid JSON.  NULL gives null.
 */
int sb_add_json_str(struct strbuf *sb, const char *s);

/* ASCII helpers. */
bool str_ieq(const char *a, const char *b);
bool str_starts_with(const char *s, const char *prefix);
/* Case-insensitive (ASCII) substring test. */
bool str_icontains(const char *hay, const char *needle);
void str_lower(char *s);
/* Trims ASCII whitespace in place; returns s. */
char *str_trim(char *s);
/* True when the string is empty or only ASCII whitespace. */
bool str_blank(const char *s);

/* True when buf[0..len) is well-formed UTF-8 without NUL bytes. */
bool utf8_valid(const char *buf, size_t len);
/*
 * The characters a mail reader may show as a line break, at p (a
 * NUL-terminated string): a C1 control, U+0080..U+009F such as U+0085 NEXT
 * LINE (two bytes, C2 80..C2 9F), and U+2028 LINE SEPARATOR or U+2029
 * PARAGRAPH SEPARATOR (three bytes, E2 80 A8/A9).
 */
bool utf8_is_c1(const char *p);
bool utf8_is_line_sep(const char *p);
/* True when buf[0..len) starts with a UTF-16 byte order mark (FF FE or
 * FE FF): the file was saved as UTF-16, not UTF-8. */
bool utf16_bom(const char *buf, size_t len);
/* True when s[0..len) holds "=?" and, after it, "?=": text that RFC 2047
 * decoders (Python's email package among them) take for an encoded word. */
bool has_encoded_word(const char *s, size_t len);

/*
 * Parses a decimal integer in [min, max]; the whole string must be a number.
 * Returns 0 on success, -1 otherwise (out untouched).
 */
int parse_int(const char *s, long long min, long long max, long long *out);

/* Seconds since the epoch, UTC <-> "YYYY-MM-DDTHH:MM:SSZ". */
#define ISO_TIME_LEN 21 /* including the NUL */
void time_iso(int64_t t, char out[ISO_TIME_LEN]);
int time_parse_iso(const char *s, int64_t *out);
/* Days-from-civil helpers (proleptic Gregorian, UTC). */
int64_t time_from_civil(int y, int mo, int d, int h, int mi, int s);
/* The civil date (UTC) of instant t: *y, *mo (1-12), *d (1-31). */
void time_civil(int64_t t, int *y, int *mo, int *d);

/* Wipes secret memory so the compiler cannot elide it. */
void secure_wipe(void *p, size_t n);

/* Replaces control characters (and DEL) with '?', in place; returns s. */
char *sanitize(char *s);

#endif
