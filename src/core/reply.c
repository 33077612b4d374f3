/*
 * reply.c - an SMTP reply read in bounded memory.  See reply.h.  Pure.
 *
 * A byte at a time: the first four bytes of each line are its code and
 * the separator ('-' more lines follow, ' ' or the line's end: the last
 * line); the rest is text, kept while it fits.  Only the code, the kept
 * text and a few counters live in struct reply, so a reply of any length
 * costs the same memory.
 */
#include "reply.h"

#include <string.h>

#include "banned.h"

void reply_init(struct reply *r)
{
    memset(r, 0, sizeof(*r));
}

static void bad(struct reply *r, const char *why)
{
    r->state = REPLY_BAD;
    r->why = why;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static void add_text(struct reply *r, char c)
{
    if (r->gap) {
        r->gap = false;
        add_text(r, ' ');
    }
    if (r->len + 1 < sizeof(r->text))
        r->text[r->len++] = c == '\0' ? ' ' : c;
    else
        r->cut = true;
}

/* The text as it stays: NUL-terminated, its end marked when it was cut
 * (never inside a UTF-8 sequence). */
static void finish(struct reply *r)
{
    size_t keep = sizeof(r->text) - sizeof(REPLY_CUT_MARK);

    if (r->cut) {
        if (r->len > keep)
            r->len = keep;
        while (r->len > 0 &&
               ((unsigned char)r->text[r->len] & 0xC0) == 0x80)
            r->len--;
        memcpy(r->text + r->len, REPLY_CUT_MARK, sizeof(REPLY_CUT_MARK));
        r->len += sizeof(REPLY_CUT_MARK) - 1;
    }
    r->text[r->len] = '\0';
    r->state = REPLY_DONE;
}

/* One of a line's first four bytes. */
static void head_byte(struct reply *r, char c)
{
    int code;

    r->head[r->col++] = c;
    if (r->col == 3) {
        if (r->head[0] < '1' || r->head[0] > '5' || !is_digit(r->head[1]) ||
            !is_digit(r->head[2])) {
            bad(r, "the server sent a line that is not an SMTP reply");
            return;
        }
        code = (r->head[0] - '0') * 100 + (r->head[1] - '0') * 10 +
               (r->head[2] - '0');
        if (r->code && code != r->code) {
            bad(r, "the lines of one reply have different codes");
            return;
        }
        r->code = code;
    } else if (r->col == 4) {
        if (c == ' ')
            r->last = true;
        else if (c != '-')
            bad(r, "the server sent a line that is not an SMTP reply");
    }
}

static void end_line(struct reply *r)
{
    if (r->col < 3) {
        bad(r, "the server sent a line that is not an SMTP reply");
        return;
    }
    if (r->col == 3)
        r->last = true;         /* "250" alone */
    r->col = 0;
    r->gap = r->len > 0;
    if (r->last)
        finish(r);
}

size_t reply_feed(struct reply *r, const char *buf, size_t n)
{
    size_t i;

    for (i = 0; i < n && r->state == REPLY_MORE; i++) {
        char c = buf[i];

        if (++r->total > REPLY_TOTAL_MAX) {
            bad(r, "the server's reply is over 16 MiB");
            return i;
        }
        if (c == '\n') {
            end_line(r);
        } else if (c == '\r') {
            continue;           /* CRLF ends a line; a lone CR is dropped */
        } else if (r->col < 4) {
            head_byte(r, c);
        } else {
            if (++r->col > REPLY_LINE_MAX)
                r->overlong = true;
            add_text(r, c);
        }
        if (r->state == REPLY_BAD)
            return i;
    }
    return i;
}

bool reply_clean(const struct reply *r)
{
    return r->state == REPLY_DONE && !r->overlong;
}
