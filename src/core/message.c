/*
 * message.c - RFC 5322 / MIME assembly of one outgoing message.  See
 * message.h.  Pure.
 *
 * Here: the checks on the input, the body (7bit or quoted-printable) and
 * message_build(), which puts the pieces in order.  The header fields and
 * their folding and RFC 2047 encodings are in message_hdr.c.
 */
#include "message.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "message_int.h"
#include "util.h"

#include "banned.h"

#define QP_LINE 76     /* RFC 2045 */

#define LOCAL_MAX 64
#define DOMAIN_MAX 253
#define LABEL_MAX 63
#define UUID_MAX 64

/* ------------------------------------------------------------------ */
/* Checks                                                              */

static bool is_atext(unsigned char c)
{
    return is_alnum(c) ||
           (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/*
 * A dot-atom local part and a host name: strict on purpose, since the
 * address is copied into headers verbatim.  No quoted local parts, address
 * literals, non-ASCII (SMTPUTF8) addresses or "=?...?=" in the local part.
 */
static bool addr_ok(const char *s)
{
    const char *at = strchr(s, '@');
    const char *p, *label;
    size_t local, domain;

    if (!at || strchr(at + 1, '@'))
        return false;
    local = (size_t)(at - s);
    domain = strlen(at + 1);
    if (local == 0 || local > LOCAL_MAX || domain == 0 || domain > DOMAIN_MAX)
        return false;
    if (s[0] == '.' || at[-1] == '.')
        return false;
    for (p = s; p < at; p++) {
        if (*p == '.' ? p[1] == '.' : !is_atext((unsigned char)*p))
            return false;
    }
    /* an encoded-word lookalike, which some parsers decode (contact.h) */
    if (has_encoded_word(s, local))
        return false;
    for (label = p = at + 1;; p++) {
        if (*p == '.' || *p == '\0') {
            size_t n = (size_t)(p - label);
            if (n == 0 || n > LABEL_MAX || label[0] == '-' || p[-1] == '-')
                return false;
            if (*p == '\0')
                return true;
            label = p + 1;
        } else if (!is_alnum((unsigned char)*p) && *p != '-') {
            return false;
        }
    }
}

static bool uuid_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > UUID_MAX)
        return false;
    for (; *s; s++)
        if (!is_alnum((unsigned char)*s) && *s != '-')
            return false;
    return true;
}

/* "<left@right>" of printable ASCII without spaces or angle brackets
 * inside: a Message-ID from the database, copied into a header. */
static bool msgid_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (n < 5 || n > 250 || s[0] != '<' || s[n - 1] != '>' ||
        !memchr(s + 1, '@', n - 2))
        return false;
    for (size_t i = 1; i + 1 < n; i++)
        if (s[i] <= ' ' || s[i] > '~' || s[i] == '<' || s[i] == '>')
            return false;
    return true;
}

/* https://..., printable ASCII that cannot close the <...> around it. */
static bool url_ok(const char *s)
{
    if (strncmp(s, "https://", 8) != 0 || !s[8])
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"' ||
            c == '\\')
            return false;
    }
    return true;
}

/*
 * A copy of valid UTF-8 with every control character (C0 such as CR, LF
 * and TAB, DEL, and C1 such as U+0085 NEXT LINE) and U+2028 LINE SEPARATOR
 * and U+2029 PARAGRAPH SEPARATOR made a space: a reader's client could show
 * any of them as a line break inside a header.
 */
static char *clean_text(const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    char *c = xmalloc(strlen((const char *)p) + 1), *q = c;

    while (*p) {
        size_t n = 0;

        if (*p < 0x20 || *p == 0x7f)
            n = 1;
        else if (utf8_is_c1((const char *)p))
            n = 2;
        else if (utf8_is_line_sep((const char *)p))
            n = 3;
        if (n) {
            *q++ = ' ';
            p += n;
        } else {
            *q++ = (char)*p++;
        }
    }
    *q = '\0';
    return c;
}

/* ------------------------------------------------------------------ */
/* Body                                                                */

/*
 * 7bit carries ASCII lines of at most 998 bytes (RFC 5322 2.1.1, RFC 2045
 * 2.7).  Anything else, and control characters besides TAB, go
 * quoted-printable.
 */
static bool body_needs_qp(const char *body)
{
    size_t col = 0;

    for (const unsigned char *p = (const unsigned char *)body; *p; p++) {
        if (*p == '\r' || *p == '\n') {
            col = 0;
            continue;
        }
        if (*p >= 0x7f || (*p < 0x20 && *p != '\t') || ++col > LINE_HARD)
            return true;
    }
    return false;
}

/* The length of the line at s, and of the break after it (0 at the end):
 * LF, CRLF, or a bare CR. */
static size_t line_at(const char *s, size_t *brk)
{
    size_t n = strcspn(s, "\r\n");

    if (s[n] == '\r' && s[n + 1] == '\n')
        *brk = 2;
    else
        *brk = s[n] ? 1 : 0;
    return n;
}

static void put_body_7bit(struct out *o, const char *s)
{
    while (*s) {
        size_t brk, n = line_at(s, &brk);

        put(o, s, n);
        put(o, "\r\n", 2);
        s += n + brk;
    }
}

/*
 * RFC 2045 6.7: lines of at most 76 bytes, "=" soft breaks, "=XX" for
 * '=', control characters, non-ASCII, and a space or TAB that would end a
 * line.  The body's line breaks stay hard CRLF breaks.
 */
static void put_body_qp(struct out *o, const char *s)
{
    while (*s) {
        size_t brk, n = line_at(s, &brk), col = 0;

        for (size_t k = 0; k < n; k++) {
            unsigned char c = (unsigned char)s[k];
            bool last = k + 1 == n;
            bool plain = (c >= 33 && c <= 126 && c != '=') ||
                         ((c == ' ' || c == '\t') && !last);
            size_t t = plain ? 1 : 3;

            /* room for a trailing '=' unless this ends the line */
            if (col + t > (last ? QP_LINE : QP_LINE - 1)) {
                put(o, "=\r\n", 3);
                col = 0;
            }
            if (plain)
                put_ch(o, (char)c);
            else
                put_hex(o, c);
            col += t;
        }
        put(o, "\r\n", 2);
        s += n + brk;
    }
}

/* ------------------------------------------------------------------ */

char *message_id(const char *uuid, const char *from_email)
{
    const char *at = strrchr(from_email, '@');

    return xasprintf("<%s@%s>", uuid, at ? at + 1 : from_email);
}

/* The longest line of buf, without its CRLF. */
static size_t longest_line(const char *buf, size_t len)
{
    size_t best = 0, start = 0;

    for (size_t i = 0; i <= len; i++) {
        if (i == len || buf[i] == '\n') {
            size_t n = i - start;
            if (n && buf[i - 1] == '\r')
                n--;
            if (n > best)
                best = n;
            start = i + 1;
        }
    }
    return best;
}

/* "bad recipient address 'x'", the value shortened and made printable. */
static int bad_value(struct errinfo *ei, const char *what, const char *v)
{
    char shown[81];
    size_t n = strlen(v);

    if (n >= sizeof(shown))
        n = sizeof(shown) - 1;
    memcpy(shown, v, n);
    shown[n] = '\0';
    return err_set(ei, ERR_DATA, "bad %s '%s'", what, sanitize(shown));
}

static int check_input(const struct message_in *in, struct errinfo *ei)
{
    const char *texts[] = {in->from_name, in->to_name, in->subject,
                           in->body};
    const char *what[] = {"sender name", "recipient name", "subject",
                          "body"};
    /* RFC 5322 years 1900-9999 */
    const int64_t lo = time_from_civil(1900, 1, 1, 0, 0, 0);
    const int64_t hi = time_from_civil(9999, 12, 31, 23, 59, 59);

    if (!in->from_email || !addr_ok(in->from_email))
        return bad_value(ei, "sender address", in->from_email ? in->from_email
                                                               : "");
    if (!in->to_email || !addr_ok(in->to_email))
        return bad_value(ei, "recipient address", in->to_email ? in->to_email
                                                                : "");
    if (is_set(in->unsubscribe_mailto) && !addr_ok(in->unsubscribe_mailto))
        return bad_value(ei, "unsubscribe address", in->unsubscribe_mailto);
    if (is_set(in->unsubscribe_url) && !url_ok(in->unsubscribe_url))
        return bad_value(ei, "unsubscribe URL", in->unsubscribe_url);
    if (!in->uuid || !uuid_ok(in->uuid))
        return bad_value(ei, "message uuid", in->uuid ? in->uuid : "");
    if (!in->subject || !in->body)
        return err_set(ei, ERR_DATA, "no subject or body");
    for (size_t i = 0; i < in->n_thread; i++)
        if (!msgid_ok(in->thread[i]))
            return bad_value(ei, "Message-ID of an earlier step",
                             in->thread[i] ? in->thread[i] : "");
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        if (texts[i] && !utf8_valid(texts[i], strlen(texts[i])))
            return err_set(ei, ERR_DATA, "%s is not valid UTF-8", what[i]);
    if (in->utc_offset < -89999 || in->utc_offset > 93599)
        return err_set(ei, ERR_DATA, "UTC offset out of range");
    if (in->date < lo || in->date > hi || in->date + in->utc_offset < lo ||
        in->date + in->utc_offset > hi)
        return err_set(ei, ERR_DATA, "date out of range");
    return 0;
}

int message_build(const struct message_in *in, char **out, size_t *len,
                  struct errinfo *ei)
{
    struct out o = {{NULL, 0, 0, 0}, false};
    char *from_name = NULL, *to_name = NULL, *subject = NULL, *mid = NULL;
    bool qp;
    int rc = -1;

    if (check_input(in, ei) < 0)
        return -1;
    from_name = clean_text(in->from_name);
    to_name = clean_text(in->to_name);
    subject = clean_text(in->subject);
    mid = message_id(in->uuid, in->from_email);
    qp = body_needs_qp(in->body);

    sb_init(&o.sb, MESSAGE_MAX);
    msg_put_mailbox(&o, "From", from_name, in->from_email);
    msg_put_mailbox(&o, "To", to_name, in->to_email);
    msg_put_subject(&o, subject);
    msg_put_date(&o, in->date, in->utc_offset);
    put_str(&o, "Message-ID: ");
    put_str(&o, mid);
    put(&o, "\r\n", 2);
    msg_put_thread(&o, in->thread, in->n_thread);
    put_str(&o, "MIME-Version: 1.0\r\n"
                "Content-Type: text/plain; charset=UTF-8\r\n"
                "Content-Transfer-Encoding: ");
    put_str(&o, qp ? "quoted-printable\r\n" : "7bit\r\n");
    msg_put_unsubscribe(&o, in->unsubscribe_mailto, in->unsubscribe_url);
    put(&o, "\r\n", 2);
    if (qp)
        put_body_qp(&o, in->body);
    else
        put_body_7bit(&o, in->body);

    if (o.full) {
        err_set(ei, ERR_DATA, "message larger than %d bytes", MESSAGE_MAX);
        goto out;
    }
    /* only a very long URL or address can get here */
    if (longest_line(o.sb.buf, o.sb.len) > LINE_HARD) {
        err_set(ei, ERR_DATA, "header line longer than %d bytes", LINE_HARD);
        goto out;
    }
    *out = sb_detach(&o.sb, len);
    rc = 0;
out:
    sb_release(&o.sb);
    free(from_name);
    free(to_name);
    free(subject);
    free(mid);
    return rc;
}
