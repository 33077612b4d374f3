/*
 * message.h - RFC 5322 / MIME assembly of one outgoing message.  Pure: the
 * Message-ID's uuid and the date are passed in.
 */
#ifndef MAILROTA_MESSAGE_H
#define MAILROTA_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define MESSAGE_MAX (1024 * 1024)

struct message_in {
    const char *from_name;    /* display name, UTF-8 ("Brian from Exzelon") */
    const char *from_email;   /* validated address */
    const char *to_name;      /* may be NULL or empty */
    const char *to_email;     /* validated address */
    const char *subject;      /* rendered, UTF-8, one line */
    const char *body;         /* rendered, UTF-8, LF line ends */
    const char *uuid;         /* "0b0f...": Message-ID <uuid@from-domain> */
    int64_t date;             /* seconds since the epoch, UTC */
    int32_t utc_offset;       /* seconds east of UTC of the sender's zone
                               * at `date` (clock_utc_offset()) */
    const char *unsubscribe_mailto; /* NULL/"": no mailto */
    const char *unsubscribe_url;    /* NULL/"": no URL, no List-Unsubscribe-Post */
    /* A follow-up in a thread (SPEC "Sequences"): the Message-IDs of the
     * earlier emails, "<id@host>", oldest first.  In-Reply-To names the
     * last, References all of them. */
    const char *const *thread;
    size_t n_thread;
};

/*
 * Builds the message with CRLF line ends: From (display name, RFC 2047 when
 * not ASCII), To, Subject (RFC 2047 when not ASCII, folded), Date (RFC 5322,
 * the local time at utc_offset and that offset in whole minutes towards
 * zero: "Fri, 04 Dec 2026 02:00:05 -0600"), Message-ID, MIME-Version, Content-Type text/plain UTF-8,
 * Content-Transfer-Encoding 7bit or quoted-printable (non-ASCII or lines
 * over 998 bytes), List-Unsubscribe (+ List-Unsubscribe-Post with a URL).
 * No value can add a header line or a recipient: CR, LF and other control
 * characters (C0, DEL, C1 such as U+0085) and U+2028/U+2029 in names and
 * the subject become spaces; addresses with them, or with an RFC 2047
 * lookalike ("=?...?=") in the local part, are refused.  *out (and *len)
 * are set on success only; free(*out).
 * Errors: ERR_DATA (bad address, invalid UTF-8, over MESSAGE_MAX, a local
 * date outside the years 1900-9999, an offset beyond -24:59:59..25:59:59).
 */
int message_build(const struct message_in *in, char **out, size_t *len,
                  struct errinfo *ei);

/* "<uuid@domain>" of from_email into a new string. */
char *message_id(const char *uuid, const char *from_email);

#endif
