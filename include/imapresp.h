/*
 * imapresp.h - reading an IMAP server's responses (RFC 9051) as the inbox
 * reader (io/imap.c) receives them: the raw bytes of one command's
 * exchange, untagged lines and literals included.  Pure: text in, values
 * out; nothing here trusts a count the server gives beyond the bytes
 * actually there.
 */
#ifndef MAILROTA_IMAPRESP_H
#define MAILROTA_IMAPRESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "[UIDVALIDITY n]" in the response; 0 when absent. */
long long imapresp_uidvalidity(const char *buf, size_t len);
/* "[UIDNEXT n]" in the response; 0 when absent. */
long long imapresp_uidnext(const char *buf, size_t len);

/*
 * The UIDs of the "* SEARCH" lines, ascending, each greater than `above`,
 * into out (at most cap; *more set when some were dropped).  Returns how
 * many.
 */
size_t imapresp_search(const char *buf, size_t len, long long above,
                       long long *out, size_t cap, bool *more);

/* One message of a "* n FETCH (UID u RFC822.SIZE s INTERNALDATE d)". */
struct imapresp_meta {
    long long uid;
    long long size;           /* -1: not given */
    int64_t internaldate;     /* Unix time; 0: not given or unreadable */
};

/* The FETCH lines of buf, in order, into out (at most cap); how many. */
size_t imapresp_meta(const char *buf, size_t len, struct imapresp_meta *out,
                     size_t cap);

/* A FETCH response's literal, as imapresp_body() finds it. */
struct imapresp_lit {
    const char *p;            /* into buf */
    size_t len;               /* the bytes there */
    bool cut;                 /* fewer than announced: the response ended
                                 inside the literal */
    bool unclosed;            /* nothing after it (the FETCH's closing
                                 parenthesis never came) */
};

/*
 * The literal of the BODY[...] item of the FETCH response for uid (its
 * UID item on the FETCH line, or on the line closing the literal); other
 * FETCH lines are passed over.  False when there is none.  A response cut
 * or unclosed where the server sent more means that the exchange ended
 * early: libcurl ends a command at the first line that starts with its
 * tag, and a message's line can (imap.c).
 */
bool imapresp_body(const char *buf, size_t len, long long uid,
                   struct imapresp_lit *out);

/* "04-Dec-2026 06:01:02 +0100" as Unix time; -1 when unreadable. */
int64_t imapresp_date(const char *s, size_t len);

/*
 * The tagged completion line of buf ("A003 NO [AUTHENTICATIONFAILED]
 * ..."), or failing that the last line, into out without the tag and
 * control characters.
 */
void imapresp_last(const char *buf, size_t len, char *out, size_t cap);

#endif
