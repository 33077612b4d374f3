/*
 * message_int.h - private to message.c and message_hdr.c: the output buffer
 * both write into and the header writers message_build() calls.  Pure.
 */
#ifndef MAILROTA_MESSAGE_INT_H
#define MAILROTA_MESSAGE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util.h"

#define LINE_SOFT 78   /* RFC 5322 SHOULD */
#define LINE_HARD 998  /* RFC 5322 MUST */

/* The message being built; `full` once MESSAGE_MAX would be passed. */
struct out {
    struct strbuf sb;
    bool full;
};

static inline void put(struct out *o, const char *s, size_t n)
{
    if (!o->full && sb_add(&o->sb, s, n) < 0)
        o->full = true;
}

static inline void put_str(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static inline void put_ch(struct out *o, char c)
{
    if (!o->full && sb_addch(&o->sb, c) < 0)
        o->full = true;
}

/* "=XX", as quoted-printable and RFC 2047 Q both write a byte. */
static inline void put_hex(struct out *o, unsigned char c)
{
    static const char hexdigits[] = "0123456789ABCDEF";
    char b[3] = {'=', hexdigits[c >> 4], hexdigits[c & 15]};

    put(o, b, 3);
}

static inline bool is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
}

static inline bool is_set(const char *s)
{
    return s && *s;
}

/* message_hdr.c: one header each, folded and encoded, ending in CRLF. */
/* "Name: phrase <addr>", or "Name: addr" when the name is blank. */
void msg_put_mailbox(struct out *o, const char *field, const char *name,
                     const char *addr);
void msg_put_subject(struct out *o, const char *subject);
/* "Date: Fri, 04 Dec 2026 02:00:05 -0600" at `off` seconds east of UTC. */
void msg_put_date(struct out *o, int64_t utc, int32_t off);
/* In-Reply-To (the last of ids) and References (all); nothing for none. */
void msg_put_thread(struct out *o, const char *const *ids, size_t n);
/* List-Unsubscribe (and -Post for a URL); nothing when both are unset. */
void msg_put_unsubscribe(struct out *o, const char *mailto, const char *url);

#endif
