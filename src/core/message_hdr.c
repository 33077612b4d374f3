/*
 * message_hdr.c - the header fields of an outgoing message (From, To,
 * Subject, Date, List-Unsubscribe) and their encodings.  Pure.
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

#include "message_int.h"
#include "util.h"

#include "banned.h"

#define EW_MAX 75      /* RFC 2047: one encoded word */
#define EW_OVERHEAD 12 /* "=?UTF-8?Q?" + "?=" */
/* Fold before an encoded word rather than start one in fewer bytes. */
#define EW_MIN_ROOM 30

struct hdr {
    struct out *o;
    size_t col;    /* bytes on the current line */
    bool has_word; /* the current line holds a word to fold after */
};

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

void msg_put_mailbox(struct out *o, const char *field, const char *name,
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

void msg_put_subject(struct out *o, const char *subject)
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
void msg_put_date(struct out *o, int64_t utc, int32_t off)
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

void msg_put_thread(struct out *o, const char *const *ids, size_t n)
{
    struct hdr h;

    if (n == 0)
        return;
    put_str(o, "In-Reply-To: ");
    put_str(o, ids[n - 1]);
    put(o, "\r\n", 2);
    hdr_begin(&h, o, "References");
    for (size_t i = 0; i < n; i++)
        hdr_word(&h, ids[i], strlen(ids[i]));
    hdr_end(&h);
}

void msg_put_unsubscribe(struct out *o, const char *mailto,
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
