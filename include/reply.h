/*
 * reply.h - an SMTP reply (RFC 5321 section 4.2) read from the bytes a
 * server sends, of any size, in bounded memory: its code, the text of its
 * lines joined by a space (cut to fit, and then marked), and whether the
 * server kept to the protocol.  A reply whose text is a megabyte still
 * gives its code and enhanced code; a line that is not a reply line is a
 * protocol error.  Pure.
 *
 *   struct reply rp;
 *   reply_init(&rp);
 *   while (rp.state == REPLY_MORE) { n = read(...); used = reply_feed(&rp, buf, n); }
 */
#ifndef MAILROTA_REPLY_H
#define MAILROTA_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "bounce.h"

/* The text kept: what struct smtp_reply holds. */
#define REPLY_TEXT_MAX SMTP_TEXT_MAX
/* Put at the end of a text that was cut. */
#define REPLY_CUT_MARK " ...[truncated]"
/*
 * RFC 5321 4.5.3.1.5 allows 512 octets per reply line; longer ones are
 * read (their code counts) but the server broke the protocol: the
 * connection is not used again.  Past REPLY_TOTAL_MAX the reply is not
 * read to its end at all.
 */
#define REPLY_LINE_MAX 4096
#define REPLY_TOTAL_MAX (16u * 1024 * 1024)

enum reply_state {
    REPLY_MORE = 0,    /* feed more bytes */
    REPLY_DONE,        /* the last line arrived */
    REPLY_BAD,         /* not an SMTP reply; `why` says how */
};

struct reply {
    enum reply_state state;
    int code;                      /* 0 until the first line's code */
    char text[REPLY_TEXT_MAX];     /* the lines' texts, NUL-terminated */
    bool cut;                      /* text ends with REPLY_CUT_MARK */
    bool overlong;                 /* a line over REPLY_LINE_MAX */
    const char *why;               /* REPLY_BAD: a static explanation */
    /* the reader's place */
    size_t len, total, col;
    char head[4];
    bool last, gap;
};

void reply_init(struct reply *r);

/*
 * Reads up to n bytes of buf; returns how many belong to this reply (it
 * stops after the last line's LF, or at the byte that made it REPLY_BAD).
 * Bytes left over after REPLY_DONE were sent before the client asked: the
 * caller treats them as a protocol error.
 */
size_t reply_feed(struct reply *r, const char *buf, size_t n);

/* Whether the reply was read whole and the connection is still in step
 * (done, no line over REPLY_LINE_MAX). */
bool reply_clean(const struct reply *r);

#endif
