/*
 * message.c - RFC 5322 / MIME assembly of one outgoing message.  See
 * message.h.  Pure.
 *
 * Header values are written as words through a small folding writer
 * (struct hdr): a word goes after " " or, when the line would pass 78
 * bytes, after "\r\n " (RFC 5322 2.2.3).  Text that is not plain ASCII
 * becomes RFC 2047 encoded words, cut at character boundaries so that each
 * is at most 75 bytes and fits its line.  Nothing from the input is copied
 * into a header without passing through that writer, and the writer only
 * ever emits CRLF followed by a space, so no value can start a header.
 */
#include "message.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#include "banned.h"

#define LINE_SOFT 78   /* RFC 5322 SHOULD */
#define LINE_HARD 998  /* RFC 5322 MUST */
#define EW_MAX 75      /* RFC 2047: one encoded word */
#define EW_OVERHEAD 12 /* "=?UTF-8?Q?" + "?=" */
/* Fold before an encoded word rather than start one in fewer bytes. */
#define EW_MIN_ROOM 30
#define QP_LINE 76     /* RFC 2045 */

#define LOCAL_MAX 64
#define DOMAIN_MAX 253
#define LABEL_MAX 63
#define UUID_MAX 64

/* The message being built; `full` once MESSAGE_MAX would be passed. */
struct out {
    struct strbuf sb;
    bool full;
};

struct hdr {
    struct out *o;
    size_t col;    /* bytes on the current line */
    bool has_word; /* the current line holds a word to fold after */
};

static void put(struct out *o, const char *s, size_t n)
{
    if (!o->full && sb_add(&o->sb, s, n) < 0)
        o->full = true;
}

static void put_str(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void put_ch(struct out *o, char c)
{
    if (!o->full && sb_addch(&o->sb, c) < 0)
        o->full = true;
}

static const char hexdigits[] = "0123456789ABCDEF";

static void put_hex(struct out *o, unsigned char c)
{
    char b[3] = {'=', hexdigits[c >> 4], hexdigits[c & 15]};

    put(o, b, 3);
}

/* ------------------------------------------------------------------ */
/* Checks                                                              */

static bool is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
}

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

static bool is_set(const char *s)
{
    return s && *s;
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

static bool is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

static size_t longest_word(const char *s)
{
    size_t best = 0, n = 0;

    for (; *s; s++) {
        n = *s == ' ' ? 0 : n + 1;
        if (n > best)
            best = n;
    }
    return best;
}

/*
 * Plain text is kept for ASCII whose words all fit a folded line.  "=?"
 * is encoded too, so text that looks like an encoded word is not decoded
 * into something else by the reader's client.
 */
static bool needs_encoding(const char *s, size_t room)
{
    return !is_ascii(s) || strstr(s, "=?") || longest_word(s) > room;
}

/* ------------------------------------------------------------------ */
/* The folding header writer                                           */

static void hdr_begin(struct hdr *h, struct out *o, const char *name)
{
    h->o = o;
    put_str(o, name);
    put_ch(o, ':');
    h->col = strlen(name) + 1;
    h->has_word = false;
}

static void hdr_fold(struct hdr *h)
{
    put(h->o, "\r\n", 2);
    h->col = 0;
    h->has_word = false;
}

/* " word", folded before when the line would pass LINE_SOFT. */
static void hdr_word(struct hdr *h, const char *w, size_t n)
{
    if (n && h->has_word && h->col + 1 + n > LINE_SOFT)
        hdr_fold(h);
    put_ch(h->o, ' ');
    put(h->o, w, n);
    h->col += 1 + n;
    if (n)
        h->has_word = true;
}

/* Each space-separated piece of s as a word; the spaces are kept. */
static void hdr_words(struct hdr *h, const char *s)
{
    for (;;) {
        const char *sp = strchr(s, ' ');
        size_t n = sp ? (size_t)(sp - s) : strlen(s);

        hdr_word(h, s, n);
        if (!sp)
            return;
        s = sp + 1;
    }
}

static void hdr_end(struct hdr *h)
{
    put(h->o, "\r\n", 2);
}

/* Bytes of the UTF-8 sequence led by c (the input is valid UTF-8). */
static size_t utf8_len(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0)
        return 2;
    if ((c & 0xF0) == 0xE0)
        return 3;
    return 4;
}

/* RFC 2047 5(3): the only characters left as they are in a Q word that
 * may stand in a phrase as well as in unstructured text. */
static bool q_plain(unsigned char c)
{
    return is_alnum(c) || c == '!' || c == '*' || c == '+' || c == '-' ||
           c == '/';
}

static size_t q_cost(const unsigned char *s, size_t n)
{
    size_t cost = 0;

    for (size_t i = 0; i < n; i++)
        cost += (q_plain(s[i]) || s[i] == ' ') ? 1 : 3;
    return cost;
}

static size_t b_cost(size_t n)
{
    return (n + 2) / 3 * 4;
}

static void put_q(struct out *o, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ')
            put_ch(o, '_');
        else if (q_plain(s[i]))
            put_ch(o, (char)s[i]);
        else
            put_hex(o, s[i]);
    }
}

static void put_b64(struct out *o, const unsigned char *s, size_t n)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    for (size_t i = 0; i < n; i += 3) {
        unsigned long v = (unsigned long)s[i] << 16;
        char b[4];

        if (i + 1 < n)
            v |= (unsigned long)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        b[0] = tab[(v >> 18) & 63];
        b[1] = tab[(v >> 12) & 63];
        b[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        b[3] = i + 2 < n ? tab[v & 63] : '=';
        put(o, b, 4);
    }
}

/*
 * s as RFC 2047 encoded words (UTF-8; Q, or B when that is shorter), each
 * holding whole characters, at most EW_MAX bytes and fitting its line.
 * The spaces between the words are not part of the text (RFC 2047 6.2).
 */
static void hdr_encoded(struct hdr *h, const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t len = strlen(text), i = 0;
    bool b = b_cost(len) < q_cost(s, len);

    while (i < len) {
        size_t room, j = i, after_space = i;

        if (h->has_word && h->col + 1 + EW_MIN_ROOM > LINE_SOFT)
            hdr_fold(h);
        room = LINE_SOFT - h->col - 1;
        if (room > EW_MAX)
            room = EW_MAX;
        room -= EW_OVERHEAD;
        for (;;) {
            size_t next = j + utf8_len(s[j]);
            size_t cost = b ? b_cost(next - i) : q_cost(s + i, next - i);

            /* one character always goes, or nothing would progress */
            if (cost > room && j > i)
                break;
            if (s[j] == ' ')
                after_space = next;
            j = next;
            if (j >= len)
                break;
        }
        /*
         * End a word that does not end the text after a space when one is
         * in its second half.  Decoders that wrongly keep the white space
         * between encoded words (Python's address parser does) then show
         * two spaces rather than a space inside a word.
         */
        if (j < len && after_space > i && after_space - i >= (j - i) / 2)
            j = after_space;
        put_ch(h->o, ' ');
        put_str(h->o, b ? "=?UTF-8?B?" : "=?UTF-8?Q?");
        if (b)
            put_b64(h->o, s + i, j - i);
        else
            put_q(h->o, s + i, j - i);
        put(h->o, "?=", 2);
        h->col += 1 + EW_OVERHEAD +
                  (b ? b_cost(j - i) : q_cost(s + i, j - i));
        h->has_word = true;
        i = j;
    }
}

/* A display name: a quoted-string when plain, else encoded words. */
static void hdr_phrase(struct hdr *h, const char *name)
{
    /* a quoted word may need its escapes and quotes: room minus 3 */
    size_t room = LINE_SOFT - h->col - 1 - 3;
    struct strbuf q;

    if (needs_encoding(name, room)) {
        hdr_encoded(h, name);
        return;
    }
    sb_init(&q, 0);
    sb_addch(&q, '"');
    for (const char *p = name; *p; p++) {
        if (*p == '"' || *p == '\\')
            sb_addch(&q, '\\');
        sb_addch(&q, *p);
    }
    sb_addch(&q, '"');
    hdr_words(h, q.buf);
    sb_release(&q);
}

/* "Name: phrase <addr>", or "Name: addr" when the name is blank. */
static void put_mailbox(struct out *o, const char *field, const char *name,
                        const char *addr)
{
    struct hdr h;

    hdr_begin(&h, o, field);
    if (!str_blank(name)) {
        char *a = xasprintf("<%s>", addr);
        hdr_phrase(&h, name);
        hdr_word(&h, a, strlen(a));
        free(a);
    } else {
        hdr_word(&h, addr, strlen(addr));
    }
    hdr_end(&h);
}

static void put_subject(struct out *o, const char *subject)
{
    struct hdr h;

    hdr_begin(&h, o, "Subject");
    if (needs_encoding(subject, LINE_SOFT - h.col - 1))
        hdr_encoded(&h, subject);
    else
        hdr_words(&h, subject);
    hdr_end(&h);
}

/* "Fri, 04 Dec 2026 02:00:05 -0600" (RFC 5322 3.3): the local time at
 * `off` seconds east of UTC, in whole minutes (an LMT offset such as
 * -5:50:36 has seconds the zone field cannot show). */
static void put_date(struct out *o, int64_t utc, int32_t off)
{
    int32_t minutes = off / 60, a = minutes < 0 ? -minutes : minutes;
    int64_t t = utc + (int64_t)minutes * 60;
    char zone[6];
    static const char *const wdays[] = {"Sun", "Mon", "Tue", "Wed",
                                        "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
                                         "May", "Jun", "Jul", "Aug",
                                         "Sep", "Oct", "Nov", "Dec"};
    char iso[ISO_TIME_LEN];
    int64_t days = t / 86400;
    int mon;

    if (t % 86400 < 0)
        days--;
    time_iso(t, iso);
    mon = (iso[5] - '0') * 10 + (iso[6] - '0');
    /* 1970-01-01 was a Thursday */
    put_str(o, "Date: ");
    put_str(o, wdays[((days % 7) + 7 + 4) % 7]);
    put(o, ", ", 2);
    put(o, iso + 8, 2);
    put_ch(o, ' ');
    put_str(o, months[mon - 1]);
    put_ch(o, ' ');
    put(o, iso, 4);
    put_ch(o, ' ');
    put(o, iso + 11, 8);
    /* "+0000" for UTC: RFC 5322 gives "-0000" another meaning. */
    zone[0] = ' ';
    zone[1] = minutes < 0 ? '-' : '+';
    zone[2] = (char)('0' + a / 600);        /* hours < 26 */
    zone[3] = (char)('0' + a / 60 % 10);
    zone[4] = (char)('0' + a % 60 / 10);
    zone[5] = (char)('0' + a % 10);
    put(o, zone, 6);
    put(o, "\r\n", 2);
}

static void put_unsubscribe(struct out *o, const char *mailto,
                            const char *url)
{
    struct hdr h;

    if (!is_set(mailto) && !is_set(url))
        return;
    hdr_begin(&h, o, "List-Unsubscribe");
    if (is_set(url)) {
        char *w = xasprintf("<%s>%s", url, is_set(mailto) ? "," : "");
        hdr_word(&h, w, strlen(w));
        free(w);
    }
    if (is_set(mailto)) {
        char *w = xasprintf("<mailto:%s>", mailto);
        hdr_word(&h, w, strlen(w));
        free(w);
    }
    hdr_end(&h);
    /* RFC 8058: one-click needs the https URI */
    if (is_set(url))
        put_str(o, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
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
    put_mailbox(&o, "From", from_name, in->from_email);
    put_mailbox(&o, "To", to_name, in->to_email);
    put_subject(&o, subject);
    put_date(&o, in->date, in->utc_offset);
    put_str(&o, "Message-ID: ");
    put_str(&o, mid);
    put_str(&o, "\r\nMIME-Version: 1.0\r\n"
                "Content-Type: text/plain; charset=UTF-8\r\n"
                "Content-Transfer-Encoding: ");
    put_str(&o, qp ? "quoted-printable\r\n" : "7bit\r\n");
    put_unsubscribe(&o, in->unsubscribe_mailto, in->unsubscribe_url);
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
