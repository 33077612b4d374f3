/*
 * test_message.c - message_build(): exact headers, RFC 2047 words decoded
 * back, quoted-printable round trips, header injection, List-Unsubscribe,
 * dates and the wire format (CRLF only, line lengths).
 */
#include "message.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "util.h"

#include "banned.h"

#define LEN(a) (sizeof(a) / sizeof(*(a)))

#define UUID "0b0f6f5e-3c1a-4c7e-9a52-1d2f3e4a5b6c"
#define FROM "brian@exzelon.example"
#define TO "ann@acme.example"

/* 2026-11-22T02:00:05Z */
#define DATE1 ((int64_t)1795312805)

static struct message_in base_in(void)
{
    struct message_in in = {
        .from_name = "Brian from Exzelon",
        .from_email = FROM,
        .to_name = "Ann Lee",
        .to_email = TO,
        .subject = "Quick question, Ann",
        .body = "Hi Ann,\n\nShort note.\n",
        .uuid = UUID,
        .date = DATE1,
        .unsubscribe_mailto = NULL,
        .unsubscribe_url = NULL,
    };
    return in;
}

/* ------------------------------------------------------------------ */
/* Helpers: reading the message back                                   */

/* sb_detach re-initialises the buffer: release that one too. */
static char *detach(struct strbuf *sb)
{
    char *p = sb_detach(sb, NULL);

    sb_release(sb);
    return p;
}

static size_t header_end(const char *msg)
{
    const char *e = strstr(msg, "\r\n\r\n");

    return e ? (size_t)(e - msg) + 2 : strlen(msg);
}

/*
 * The unfolded value of header `name` (without the space after the
 * colon), or NULL; *count is how many such headers there are.
 */
static char *header(const char *msg, const char *name, int *count)
{
    size_t hend = header_end(msg), nlen = strlen(name);
    char *found = NULL;
    int n = 0;

    for (size_t i = 0; i < hend;) {
        size_t j = i;

        /* the whole field: up to a CRLF not followed by SP or TAB */
        while (j < hend && !(msg[j] == '\r' && msg[j + 1] == '\n' &&
                             msg[j + 2] != ' ' && msg[j + 2] != '\t'))
            j++;
        if (j - i > nlen && strncmp(msg + i, name, nlen) == 0 &&
            msg[i + nlen] == ':') {
            struct strbuf sb;

            sb_init(&sb, 0);
            for (size_t k = i + nlen + 1; k < j; k++) {
                if (msg[k] == '\r' && msg[k + 1] == '\n') {
                    k++;
                    continue;
                }
                sb_addch(&sb, msg[k]);
            }
            n++;
            if (!found) {
                char *v = sb_detach(&sb, NULL);
                found = xstrdup(v[0] == ' ' ? v + 1 : v);
                free(v);
            }
            sb_release(&sb);
        }
        i = j + 2;
    }
    if (count)
        *count = n;
    return found;
}

/* Lines of the header block; *longest is the longest, CRLF excluded. */
static int header_lines(const char *msg, size_t *longest)
{
    size_t hend = header_end(msg), start = 0;
    int n = 0;

    *longest = 0;
    for (size_t i = 0; i + 1 < hend; i++) {
        if (msg[i] == '\r' && msg[i + 1] == '\n') {
            if (i - start > *longest)
                *longest = i - start;
            start = i + 2;
            n++;
        }
    }
    return n;
}

/* Fields (lines not starting with white space) in the header block. */
static int header_fields(const char *msg)
{
    size_t hend = header_end(msg);
    int n = 0;

    for (size_t i = 0; i < hend; i++)
        if ((i == 0 || msg[i - 1] == '\n') && msg[i] != ' ' && msg[i] != '\t')
            n++;
    return n;
}

/* The wire format: len is right, CR and LF only as CRLF, lines <= 998,
 * the message ends with CRLF. */
static void check_wire(const char *msg, size_t len)
{
    bool bare = false;
    size_t start = 0, longest = 0;

    T_INT(strlen(msg), len);
    for (size_t i = 0; i < len; i++) {
        if (msg[i] == '\r' && (i + 1 >= len || msg[i + 1] != '\n'))
            bare = true;
        if (msg[i] == '\n') {
            if (i == 0 || msg[i - 1] != '\r')
                bare = true;
            if (i - 1 - start > longest)
                longest = i - 1 - start;
            start = i + 1;
        }
    }
    T_OK(!bare);
    T_OK(longest <= 998);
    T_OK(len >= 2 && msg[len - 2] == '\r' && msg[len - 1] == '\n');
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static int b64val(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

struct ew_stats {
    int words;
    size_t longest;  /* the longest encoded word */
    bool bad;        /* a word did not decode, or held a partial character */
    bool b, q;       /* encodings seen */
    int splits;      /* adjacent words that cut the text inside a word */
};

/* Decodes one encoded word's text into sb; false when it is malformed. */
static bool ew_decode(char enc, const char *t, size_t n, struct strbuf *sb)
{
    if (enc == 'Q' || enc == 'q') {
        for (size_t i = 0; i < n; i++) {
            if (t[i] == '_') {
                sb_addch(sb, ' ');
            } else if (t[i] == '=') {
                if (i + 2 >= n)
                    return false;
                if (hexval(t[i + 1]) < 0 || hexval(t[i + 2]) < 0)
                    return false;
                sb_addch(sb, (char)(hexval(t[i + 1]) * 16 + hexval(t[i + 2])));
                i += 2;
            } else {
                sb_addch(sb, t[i]);
            }
        }
        return true;
    }
    if (n % 4)
        return false;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        for (int k = 0; k < 4; k++)
            v[k] = t[i + k] == '=' ? 0 : b64val(t[i + k]);
        if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0)
            return false;
        sb_addch(sb, (char)((v[0] << 2) | (v[1] >> 4)));
        if (t[i + 2] != '=')
            sb_addch(sb, (char)(((v[1] & 15) << 4) | (v[2] >> 2)));
        if (t[i + 3] != '=')
            sb_addch(sb, (char)(((v[2] & 3) << 6) | v[3]));
    }
    return true;
}

/*
 * RFC 2047 decoding of an unfolded value: encoded words decoded, white
 * space between two adjacent encoded words dropped, other text kept.
 */
static char *decode_2047(const char *v, struct ew_stats *st)
{
    struct strbuf sb;
    size_t pending = 0; /* spaces not yet written */
    bool prev_ew = false;

    memset(st, 0, sizeof(*st));
    sb_init(&sb, 0);
    for (const char *p = v; *p;) {
        if (p[0] == '=' && p[1] == '?') {
            const char *cs = p + 2, *q1 = strchr(cs, '?');
            const char *text = q1 && q1[1] && q1[2] == '?' ? q1 + 3 : NULL;
            const char *end = text ? strstr(text, "?=") : NULL;

            if (end && (size_t)(q1 - cs) == 5 &&
                strncmp(cs, "UTF-8", 5) == 0 && !memchr(text, ' ',
                                                        (size_t)(end - text))) {
                struct strbuf w;
                size_t wlen = (size_t)(end + 2 - p);

                sb_init(&w, 0);
                if (!ew_decode(q1[1], text, (size_t)(end - text), &w) ||
                    !utf8_valid(w.buf, w.len))
                    st->bad = true;
                if (q1[1] == 'B')
                    st->b = true;
                else
                    st->q = true;
                if (prev_ew && sb.len && sb.buf[sb.len - 1] != ' ' &&
                    w.len && w.buf[0] != ' ')
                    st->splits++;
                for (; pending; pending--)
                    if (!prev_ew)
                        sb_addch(&sb, ' ');
                sb_add(&sb, w.buf, w.len);
                sb_release(&w);
                st->words++;
                if (wlen > st->longest)
                    st->longest = wlen;
                prev_ew = true;
                p = end + 2;
                continue;
            }
        }
        if (*p == ' ') {
            pending++;
            p++;
            continue;
        }
        while (pending) {
            sb_addch(&sb, ' ');
            pending--;
        }
        sb_addch(&sb, *p++);
        prev_ew = false;
    }
    for (; pending; pending--)
        sb_addch(&sb, ' ');
    return detach(&sb);
}

/* Quoted-printable decoding; *longest is the longest encoded line. */
static char *qp_decode(const char *s, size_t *longest)
{
    struct strbuf sb;
    size_t start = 0;

    *longest = 0;
    sb_init(&sb, 0);
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '\r' && s[i + 1] == '\n') {
            if (i - start > *longest)
                *longest = i - start;
            start = i + 2;
        }
        if (s[i] == '=' && s[i + 1] == '\r' && s[i + 2] == '\n') {
            if (i + 1 - start > *longest)
                *longest = i + 1 - start;
            start = i + 3;
            i += 2;
        } else if (s[i] == '=' && hexval(s[i + 1]) >= 0 &&
                   hexval(s[i + 2]) >= 0) {
            sb_addch(&sb, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
            i += 2;
        } else {
            sb_addch(&sb, s[i]);
        }
    }
    return detach(&sb);
}

/* LF -> CRLF, plus a final CRLF when missing: what the body must read. */
static char *crlf(const char *s)
{
    struct strbuf sb;
    size_t n = strlen(s);

    sb_init(&sb, 0);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
            sb_addch(&sb, '\r');
        sb_addch(&sb, s[i]);
    }
    if (n && s[n - 1] != '\n')
        sb_adds(&sb, "\r\n");
    return detach(&sb);
}

static char *build(const struct message_in *in)
{
    struct errinfo ei = {ERR_OK, ""};
    char *msg = NULL;
    size_t len = 0;

    if (message_build(in, &msg, &len, &ei) < 0) {
        printf("#   error: %s\n", ei.msg);
        T_OK(!"message_build failed");
        return NULL;
    }
    check_wire(msg, len);
    return msg;
}

static void check_header(const char *msg, const char *name, const char *want)
{
    int n = 0;
    char *v = header(msg, name, &n);

    T_STR(v, want);
    if (want)
        T_INT(n, 1);
    free(v);
}

/* ------------------------------------------------------------------ */

static void test_exact(void)
{
    struct message_in in = base_in();
    char *msg;

    in.unsubscribe_mailto = "unsubscribe@exzelon.example";
    in.unsubscribe_url = "https://exzelon.example/u/abc";
    msg = build(&in);
    T_STR(msg,
          "From: \"Brian from Exzelon\" <brian@exzelon.example>\r\n"
          "To: \"Ann Lee\" <ann@acme.example>\r\n"
          "Subject: Quick question, Ann\r\n"
          "Date: Sun, 22 Nov 2026 02:00:05 +0000\r\n"
          "Message-ID: <" UUID "@exzelon.example>\r\n"
          "MIME-Version: 1.0\r\n"
          "Content-Type: text/plain; charset=UTF-8\r\n"
          "Content-Transfer-Encoding: 7bit\r\n"
          "List-Unsubscribe: <https://exzelon.example/u/abc>,\r\n"
          " <mailto:unsubscribe@exzelon.example>\r\n"
          "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
          "\r\n"
          "Hi Ann,\r\n"
          "\r\n"
          "Short note.\r\n");
    free(msg);
}

/* A follow-up: In-Reply-To the previous step, References all, folded;
 * a Message-ID that could add a header is refused. */
static void test_thread(void)
{
    static const char *const ids[] = {
        "<11111111-1111-4111-8111-111111111111@exzelon.example>",
        "<22222222-2222-4222-8222-222222222222@exzelon.example>",
    };
    static const char *const bad[] = { "<a@b>\r\nBcc: x@y.example" };
    static const char *const nobr[] = { "a@b.example" };
    struct message_in in = base_in();
    struct errinfo ei = { ERR_OK, "" };
    char *msg, *out = NULL;
    size_t len;

    in.thread = ids;
    in.n_thread = 2;
    msg = build(&in);
    T_OK(strstr(msg, "Message-ID: <" UUID "@exzelon.example>\r\n"
                     "In-Reply-To: <22222222-2222-4222-8222-222222222222"
                     "@exzelon.example>\r\n"
                     "References: <11111111-1111-4111-8111-111111111111"
                     "@exzelon.example>\r\n"
                     " <22222222-2222-4222-8222-222222222222"
                     "@exzelon.example>\r\n"
                     "MIME-Version: 1.0\r\n") != NULL);
    free(msg);
    in.n_thread = 1;
    msg = build(&in);
    T_OK(strstr(msg, "\r\nReferences: <11111111-1111-4111-8111-"
                     "111111111111@exzelon.example>\r\nMIME") != NULL);
    free(msg);
    in.thread = bad;
    T_INT(message_build(&in, &out, &len, &ei), -1);
    T_OK(out == NULL);
    in.thread = nobr;
    T_INT(message_build(&in, &out, &len, &ei), -1);
    in.n_thread = 0;
    msg = build(&in);
    T_OK(strstr(msg, "In-Reply-To") == NULL && strstr(msg, "References") == NULL);
    free(msg);
}

static void test_message_id(void)
{
    char *id = message_id(UUID, FROM);

    T_STR(id, "<" UUID "@exzelon.example>");
    free(id);
    id = message_id("u-1", "a@mail.sub.example.org");
    T_STR(id, "<u-1@mail.sub.example.org>");
    free(id);
}

static void test_dates(void)
{
    static const struct {
        const char *iso, *want;
    } cases[] = {
        {"2026-11-22T02:00:05Z", "Sun, 22 Nov 2026 02:00:05 +0000"},
        {"2024-02-29T23:59:59Z", "Thu, 29 Feb 2024 23:59:59 +0000"},
        {"2024-02-29T00:00:00Z", "Thu, 29 Feb 2024 00:00:00 +0000"},
        {"1999-12-31T00:00:00Z", "Fri, 31 Dec 1999 00:00:00 +0000"},
        {"1999-12-31T23:59:59Z", "Fri, 31 Dec 1999 23:59:59 +0000"},
        {"2000-03-01T12:00:00Z", "Wed, 01 Mar 2000 12:00:00 +0000"},
        {"1970-01-01T00:00:00Z", "Thu, 01 Jan 1970 00:00:00 +0000"},
        {"1969-12-31T23:59:59Z", "Wed, 31 Dec 1969 23:59:59 +0000"},
        {"2038-01-19T03:14:08Z", "Tue, 19 Jan 2038 03:14:08 +0000"},
        {"1900-01-01T00:00:00Z", "Mon, 01 Jan 1900 00:00:00 +0000"},
        {"9999-12-31T23:59:59Z", "Fri, 31 Dec 9999 23:59:59 +0000"},
    };

    for (size_t i = 0; i < LEN(cases); i++) {
        struct message_in in = base_in();
        char *msg;

        T_INT(time_parse_iso(cases[i].iso, &in.date), 0);
        printf("# %s\n", cases[i].iso);
        msg = build(&in);
        if (msg)
            check_header(msg, "Date", cases[i].want);
        free(msg);
    }
    T_INT(DATE1, time_from_civil(2026, 11, 22, 2, 0, 5));
}

/* The Date header in the sender's zone: its local time and its offset. */
static void test_date_offsets(void)
{
    static const struct {
        const char *iso;
        int32_t off;
        const char *want;
    } cases[] = {
        /* America/Chicago: CST in winter, CDT in summer */
        {"2026-12-04T08:00:05Z", -21600, "Fri, 04 Dec 2026 02:00:05 -0600"},
        {"2026-07-10T14:00:05Z", -18000, "Fri, 10 Jul 2026 09:00:05 -0500"},
        /* the local day and weekday, not UTC's */
        {"2026-12-04T03:00:05Z", -21600, "Thu, 03 Dec 2026 21:00:05 -0600"},
        {"2026-01-01T05:59:59Z", -21600, "Wed, 31 Dec 2025 23:59:59 -0600"},
        {"2026-12-04T20:00:00Z", 19800, "Sat, 05 Dec 2026 01:30:00 +0530"},
        {"2026-12-04T20:00:00Z", 20700, "Sat, 05 Dec 2026 01:45:00 +0545"},
        {"2026-12-31T20:00:00Z", 45900, "Fri, 01 Jan 2027 08:45:00 +1245"},
        {"2026-01-01T00:00:00Z", -34200, "Wed, 31 Dec 2025 14:30:00 -0930"},
        {"2024-02-28T23:00:00Z", 7200, "Thu, 29 Feb 2024 01:00:00 +0200"},
        {"2026-12-04T08:00:05Z", 0, "Fri, 04 Dec 2026 08:00:05 +0000"},
        /* seconds in an offset (LMT): whole minutes, towards zero */
        {"2026-11-22T12:00:00Z", -21036, "Sun, 22 Nov 2026 06:10:00 -0550"},
        {"2026-11-22T12:00:00Z", -59, "Sun, 22 Nov 2026 12:00:00 +0000"},
        {"2026-11-22T12:00:00Z", 93599, "Mon, 23 Nov 2026 13:59:00 +2559"},
        {"2026-11-22T12:00:00Z", -89999, "Sat, 21 Nov 2026 11:01:00 -2459"},
        {"1900-01-01T01:00:00Z", -3600, "Mon, 01 Jan 1900 00:00:00 -0100"},
        {"9999-12-31T22:00:00Z", 3600, "Fri, 31 Dec 9999 23:00:00 +0100"},
    };

    for (size_t i = 0; i < LEN(cases); i++) {
        struct message_in in = base_in();
        char *msg;

        T_INT(time_parse_iso(cases[i].iso, &in.date), 0);
        in.utc_offset = cases[i].off;
        printf("# %s %+d\n", cases[i].iso, (int)cases[i].off);
        msg = build(&in);
        if (msg)
            check_header(msg, "Date", cases[i].want);
        free(msg);
    }
}

/* Offsets no zone has, and local dates outside RFC 5322's years. */
static void test_date_offset_refused(void)
{
    static const struct {
        const char *iso;
        int32_t off;
    } cases[] = {
        {"2026-11-22T12:00:00Z", 93600},
        {"2026-11-22T12:00:00Z", -90000},
        {"2026-11-22T12:00:00Z", INT32_MIN},
        {"1900-01-01T00:00:00Z", -60},
        {"9999-12-31T23:59:59Z", 60},
    };

    for (size_t i = 0; i < LEN(cases); i++) {
        struct message_in in = base_in();
        struct errinfo ei = {ERR_OK, ""};
        char *out = NULL;
        size_t len = 0;

        T_INT(time_parse_iso(cases[i].iso, &in.date), 0);
        in.utc_offset = cases[i].off;
        printf("# %s %+ld\n", cases[i].iso, (long)cases[i].off);
        T_INT(message_build(&in, &out, &len, &ei), -1);
        T_INT(ei.code, ERR_DATA);
        T_OK(out == NULL);
    }
}

/* Builds with the given names and subject and checks each decodes back. */
static void check_encoded(const char *from_name, const char *to_name,
                          const char *subject, bool want_b)
{
    struct message_in in = base_in();
    struct ew_stats st;
    char *msg, *v, *d;
    size_t longest;
    const char *suffix = " <brian@exzelon.example>";

    in.from_name = from_name;
    in.to_name = to_name;
    in.subject = subject;
    msg = build(&in);
    if (!msg)
        return;

    v = header(msg, "From", NULL);
    T_OK(v && strlen(v) > strlen(suffix) &&
         strcmp(v + strlen(v) - strlen(suffix), suffix) == 0);
    if (v)
        v[strlen(v) - strlen(suffix)] = '\0';
    d = decode_2047(v ? v : "", &st);
    T_STR(d, from_name);
    T_OK(st.words >= 1);
    T_OK(st.longest <= 75);
    T_OK(!st.bad);
    free(v);
    free(d);

    v = header(msg, "To", NULL);
    suffix = " <ann@acme.example>";
    T_OK(v && strlen(v) > strlen(suffix) &&
         strcmp(v + strlen(v) - strlen(suffix), suffix) == 0);
    if (v)
        v[strlen(v) - strlen(suffix)] = '\0';
    d = decode_2047(v ? v : "", &st);
    T_STR(d, to_name);
    T_OK(st.longest <= 75);
    T_OK(!st.bad);
    free(v);
    free(d);

    v = header(msg, "Subject", NULL);
    d = decode_2047(v ? v : "", &st);
    T_STR(d, subject);
    T_OK(st.words >= 1);
    T_OK(st.longest <= 75);
    T_OK(!st.bad);
    T_OK(want_b ? st.b && !st.q : st.q && !st.b);
    free(v);
    free(d);

    header_lines(msg, &longest);
    T_OK(longest <= 78);
    if (longest > 78)
        printf("#   longest header line %zu\n%s", longest, msg);
    free(msg);
}

static void test_rfc2047(void)
{
    static const char long_subject[] =
        "Gr\xC3\xBC\xC3\x9F" "e aus K\xC3\xB6ln \xE2\x80\x94 eine kurze "
        "Frage zu Ihrer Lieferkette, den n\xC3\xA4" "chsten Schritten und "
        "dem Termin im M\xC3\xA4rz \xF0\x9F\x9A\x80 \xE2\x80\x94 "
        "\xC3\x9C" "berraschung f\xC3\xBCr Zo\xC3\xAB und J\xC3\xBCrgen "
        "\xE2\x80\x94 \xC3\xA9\xC3\xA8\xC3\xAA\xC3\xAB \xC3\xA0\xC3\xA2"
        "\xC3\xA4 \xC3\xB4\xC3\xB6 \xC3\xB9\xC3\xBB\xC3\xBC \xC3\xA7";
    /* mostly non-ASCII: Cyrillic and CJK take B */
    static const char cyrillic[] =
        "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82, "
        "\xD0\x90\xD0\xBD\xD0\xBD\xD0\xB0! "
        "\xD0\x9A\xD0\xBE\xD1\x80\xD0\xBE\xD1\x82\xD0\xBA\xD0\xB8\xD0\xB9 "
        "\xD0\xB2\xD0\xBE\xD0\xBF\xD1\x80\xD0\xBE\xD1\x81 \xD0\xBE "
        "\xD0\xBF\xD0\xBE\xD1\x81\xD1\x82\xD0\xB0\xD0\xB2\xD0\xBA\xD0\xB0"
        "\xD1\x85 \xD0\xB8 \xD1\x81\xD1\x80\xD0\xBE\xD0\xBA\xD0\xB0\xD1\x85 "
        "\xD0\xB4\xD0\xBE\xD1\x81\xD1\x82\xD0\xB0\xD0\xB2\xD0\xBA\xD0\xB8";
    static const char cjk[] =
        "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE4\xBB\xB6\xE5"
        "\x90\x8D\xE3\x81\xA7\xE3\x81\x99\xE3\x80\x82\xE3\x81\x8A\xE5\xBF"
        "\x99\xE3\x81\x97\xE3\x81\x84\xE3\x81\xA8\xE3\x81\x93\xE3\x82\x8D"
        "\xE6\x81\x90\xE3\x82\x8C\xE5\x85\xA5\xE3\x82\x8A\xE3\x81\xBE\xE3"
        "\x81\x99\xE3\x81\x8C\xE3\x80\x81\xE3\x81\x94\xE7\xA2\xBA\xE8\xAA"
        "\x8D\xE3\x81\x8F\xE3\x81\xA0\xE3\x81\x95\xE3\x81\x84\xE3\x80\x82";
    /* emoji are four bytes: never split */
    static const char emoji[] =
        "\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80"
        "\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80"
        "\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80"
        "\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80"
        "\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80";

    /* many accented letters: B is the shorter */
    check_encoded("Gr\xC3\xBC\xC3\x9F" "e from Zo\xC3\xAB",
                  "Zo\xC3\xAB \xC3\x9Cnal-\xC3\x98ster", long_subject, true);
    /* a few: Q */
    check_encoded("J\xC3\xBCrgen M\xC3\xBCller", "Zo\xC3\xAB",
                  "Gr\xC3\xBC\xC3\x9F" "e aus K\xC3\xB6ln: eine kurze "
                  "Frage zu Ihrer Lieferkette und den n\xC3\xA4" "chsten "
                  "Schritten f\xC3\xBCr das Projekt im kommenden Quartal",
                  false);
    check_encoded("Gr\xC3\xBC\xC3\x9F" "e from Zo\xC3\xAB", cyrillic, cjk,
                  true);
    check_encoded(cjk, emoji, emoji, true);
    /* with spaces to cut at, words end after a space */
    {
        struct message_in in = base_in();
        struct ew_stats st;
        char *msg, *v, *d;

        in.to_name = cyrillic;
        in.subject = long_subject;
        msg = build(&in);
        v = header(msg, "To", NULL);
        d = decode_2047(v, &st);
        T_OK(st.words >= 3);
        T_INT(st.splits, 0);
        free(v);
        free(d);
        v = header(msg, "Subject", NULL);
        d = decode_2047(v, &st);
        T_STR(d, long_subject);
        T_OK(st.words >= 3);
        T_INT(st.splits, 0);
        free(v);
        free(d);
        free(msg);
    }
    check_encoded("Zo\xC3\xAB \"Z\" O'Brien_Smith=?x?= (CEO)",
                  "Ren\xC3\xA9\\e", "Re: a=?UTF-8?Q?x?=b caf\xC3\xA9 tomorrow "
                  "at noon - please let me know what works for you", false);

    /* the short case exactly */
    {
        struct message_in in = base_in();
        char *msg;

        in.from_name = "Gr\xC3\xBC\xC3\x9F" "e from Zo\xC3\xAB";
        in.subject = "Gr\xC3\xBC\xC3\x9F" "e";
        msg = build(&in);
        /* B is shorter here; Q below, where it is */
        check_header(msg, "From", "=?UTF-8?B?R3LDvMOfZSBmcm9tIFpvw6s=?= "
                                  "<brian@exzelon.example>");
        check_header(msg, "Subject", "=?UTF-8?B?R3LDvMOfZQ==?=");
        free(msg);
        in.from_name = "Zo\xC3\xAB Miller, Sales";
        in.subject = "Caf\xC3\xA9 next week?";
        msg = build(&in);
        check_header(msg, "From", "=?UTF-8?Q?Zo=C3=AB_Miller=2C_Sales?= "
                                  "<brian@exzelon.example>");
        check_header(msg, "Subject", "=?UTF-8?Q?Caf=C3=A9_next_week=3F?=");
        free(msg);
    }
}

static void test_ascii_headers(void)
{
    struct message_in in = base_in();
    char *msg, *v;
    size_t longest;
    struct ew_stats st;
    char word[201];
    static const char long_subject[] =
        "Following up on our conversation about your supply chain, the "
        "pilot we discussed in March, and the next steps for the quarterly "
        "review with your operations team";

    /* quoted-string specials */
    in.from_name = "Brian \"The Closer\" O\\Brien";
    in.to_name = "O'Brien, Ann (CEO)";
    in.subject = long_subject;
    msg = build(&in);
    check_header(msg, "From", "\"Brian \\\"The Closer\\\" O\\\\Brien\" "
                              "<brian@exzelon.example>");
    check_header(msg, "To", "\"O'Brien, Ann (CEO)\" <ann@acme.example>");
    /* folded at spaces, unfolds to the input */
    check_header(msg, "Subject", long_subject);
    T_OK(strstr(msg, "\r\n ") != NULL);
    header_lines(msg, &longest);
    T_OK(longest <= 78);
    free(msg);

    /* a word too long for a line goes as encoded words */
    memset(word, 'x', 200);
    word[200] = '\0';
    in = base_in();
    in.subject = word;
    msg = build(&in);
    v = header(msg, "Subject", NULL);
    T_OK(str_starts_with(v, "=?UTF-8?"));
    free(v);
    v = header(msg, "Subject", NULL);
    {
        char *d = decode_2047(v, &st);
        T_STR(d, word);
        T_OK(st.longest <= 75);
        free(d);
    }
    free(v);
    header_lines(msg, &longest);
    T_OK(longest <= 78);
    free(msg);

    /* no name, NULL name, blank name: just the address */
    {
        const char *names[] = {"", NULL, "   ", "\r\n"};
        for (size_t i = 0; i < LEN(names); i++) {
            in = base_in();
            in.to_name = names[i];
            msg = build(&in);
            check_header(msg, "To", TO);
            free(msg);
        }
    }

    /* an empty subject */
    in = base_in();
    in.subject = "";
    msg = build(&in);
    check_header(msg, "Subject", "");
    free(msg);
}

static void test_injection(void)
{
    struct message_in in = base_in();
    char *msg;
    int n;
    char *v;

    in.from_name = "Evil\r\nBcc: x@y.example";
    in.to_name = "Evil\nBcc: x@y.example\r";
    in.subject = "Hi\r\nBcc: x@y.example\nX-Evil: 1\tend\x01\x7f";
    in.body = "Body\r\nBcc: z@y.example\n";
    msg = build(&in);
    T_INT(header_fields(msg), 8);
    v = header(msg, "Bcc", &n);
    T_OK(v == NULL);
    T_INT(n, 0);
    free(v);
    v = header(msg, "X-Evil", &n);
    T_INT(n, 0);
    free(v);
    check_header(msg, "From", "\"Evil  Bcc: x@y.example\" "
                              "<brian@exzelon.example>");
    check_header(msg, "To", "\"Evil Bcc: x@y.example \" <ann@acme.example>");
    check_header(msg, "Subject", "Hi  Bcc: x@y.example X-Evil: 1 end  ");
    free(msg);

    /* non-ASCII with CR/LF: still one encoded header */
    in = base_in();
    in.subject = "Gr\xC3\xBC\xC3\x9F" "e\r\nBcc: x@y.example";
    msg = build(&in);
    T_INT(header_fields(msg), 8);
    v = header(msg, "Subject", NULL);
    {
        struct ew_stats st;
        char *d = decode_2047(v, &st);
        T_STR(d, "Gr\xC3\xBC\xC3\x9F" "e  Bcc: x@y.example");
        free(d);
    }
    free(v);
    free(msg);
}

/* A run of n copies of unit (a static buffer per slot). */
static const char *repeat(int slot, const char *unit, size_t n)
{
    static char bufs[3][8192];
    char *b = bufs[slot];
    size_t ul = strlen(unit), k = 0;

    for (size_t i = 0; i < n && k + ul < sizeof(bufs[0]); i++, k += ul)
        memcpy(b + k, unit, ul);
    b[k] = '\0';
    return b;
}

/*
 * True when v is `phrase <addr>` with phrase one quoted-string (escapes
 * honoured) or only UTF-8 encoded words: nothing in it can end the phrase
 * early and start another address.
 */
static bool one_mailbox(const char *v, const char *addr)
{
    size_t n = strlen(v), a = strlen(addr), plen;
    const char *p = v;

    if (n < a + 3 || v[n - a - 3] != ' ' || v[n - a - 2] != '<' ||
        strncmp(v + n - a - 1, addr, a) != 0 || v[n - 1] != '>')
        return false;
    plen = n - a - 3;
    if (*p == '"') {
        size_t i = 1;

        while (i < plen && v[i] != '"')
            i += v[i] == '\\' ? 2 : 1;
        return i == plen - 1;
    }
    while (p < v + plen) {
        const char *sp = memchr(p, ' ', (size_t)(v + plen - p));
        size_t w = sp ? (size_t)(sp - p) : (size_t)(v + plen - p);

        if (w < 12 || strncmp(p, "=?UTF-8?", 8) != 0 ||
            (p[8] != 'Q' && p[8] != 'B') || p[9] != '?' ||
            strncmp(p + w - 2, "?=", 2) != 0)
            return false;
        for (size_t i = 0; i < w; i++)
            if (strchr("<>\",\\ ", p[i]))
                return false;
        p += w + 1;
    }
    return true;
}

/*
 * True when s holds a byte or character a client could show as a line
 * break or control: C0, DEL, C1 (C2 80..9F), U+2028 and U+2029.
 */
static bool has_break(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    for (; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return true;
        if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
            return true;
        if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9))
            return true;
    }
    return false;
}

/*
 * Every hostile value in every header text (sender name, recipient name,
 * subject): the header block keeps its 8 fields, From and To one address
 * each, and the decoded text holds no line break or control character.
 */
static void test_hostile_headers(void)
{
    const char *values[] = {
        "Evil\r\nBcc: victim@evil.example",
        "Evil\nTo: x@evil.example",
        "Evil\rCc: x@evil.example",
        "x\r\n\r\nfake body\r\n.\r\n",
        "tab\there\tBcc: x@evil.example",
        "\"Doe, John\" <evil@evil.example>",
        "Doe, John <evil@evil.example>, x@evil.example",
        "<victim@evil.example>",
        "victim@evil.example",
        "back\\slash \"quote\\\"",
        "=?UTF-8?B?DQpCY2M6IHZpY3RpbUBldmlsLmV4YW1wbGU=?=",
        "=?UTF-8?Q?=0D=0ABcc:_victim@evil.example?=",
        "a =?ISO-8859-1?Q?=0D=0A?= b",
        "Next\xC2\x85" "Bcc: victim@evil.example",
        "Line\xE2\x80\xA8" "To: x@evil.example",
        "Para\xE2\x80\xA9" "Cc: x@evil.example",
        "C1 \xC2\x80 \xC2\x9F \xC2\x9B" "31m",
        "\x01\x1b[31m red \x7f",
        "Zo\xC3\xAB \xF0\x9F\x98\x80 \"x\" <y@evil.example>\r\nBcc: z",
        repeat(0, "A", 2000),
        repeat(1, "Name ", 400),
        repeat(2, "\xC3\xA9\xE2\x80\xA8", 500),
    };
    static const char *const fields[] = {"From", "To", "Subject"};

    for (size_t i = 0; i < LEN(values); i++) {
        for (size_t f = 0; f < LEN(fields); f++) {
            struct message_in in = base_in();
            struct ew_stats st;
            char *msg, *v, *d;
            int n;

            if (f == 0)
                in.from_name = values[i];
            else if (f == 1)
                in.to_name = values[i];
            else
                in.subject = values[i];
            printf("# hostile value %zu in %s\n", i, fields[f]);
            msg = build(&in);
            if (!msg)
                continue;
            T_INT(header_fields(msg), 8);
            v = header(msg, "Bcc", &n);
            T_INT(n, 0);
            free(v);
            v = header(msg, "Cc", &n);
            T_INT(n, 0);
            free(v);
            v = header(msg, "To", &n);
            T_INT(n, 1);
            T_OK(v && one_mailbox(v, TO));
            free(v);
            v = header(msg, "From", &n);
            T_INT(n, 1);
            T_OK(v && one_mailbox(v, FROM));
            free(v);
            v = header(msg, fields[f], NULL);
            d = decode_2047(v, &st);
            T_OK(!st.bad);
            T_OK(!has_break(d));
            if (has_break(d))
                printf("#   decoded %s: %.80s\n", fields[f], d);
            free(d);
            free(v);
            free(msg);
        }
    }
}

/* Bad UTF-8 in any text is refused, never sent or repaired. */
static void test_bad_utf8(void)
{
    static const char *const bad[] = {
        "\x80" "abc",            /* lone continuation byte */
        "ab\xBF",                /* lone continuation at the end */
        "\xC0\xAF",              /* overlong '/' */
        "\xE0\x80\xAF",          /* overlong, three bytes */
        "\xF0\x80\x80\xAF",      /* overlong, four bytes */
        "\xED\xA0\x80",          /* a UTF-16 surrogate */
        "\xED\xBF\xBF",          /* the last surrogate */
        "cut \xE2\x82",          /* truncated sequence */
        "cut \xE2\x82 more",     /* truncated in the middle */
        "\xF4\x90\x80\x80",      /* above U+10FFFF */
        "\xFE", "\xFF",          /* never in UTF-8 */
        "\xC3\x28",              /* bad continuation */
    };

    for (size_t i = 0; i < LEN(bad); i++) {
        for (int f = 0; f < 4; f++) {
            struct message_in in = base_in();
            struct errinfo ei = {ERR_OK, ""};
            char *out = NULL;
            size_t len = 0;

            if (f == 0)
                in.from_name = bad[i];
            else if (f == 1)
                in.to_name = bad[i];
            else if (f == 2)
                in.subject = bad[i];
            else
                in.body = bad[i];
            printf("# bad UTF-8 %zu in field %d\n", i, f);
            T_INT(message_build(&in, &out, &len, &ei), -1);
            T_INT(ei.code, ERR_DATA);
            T_OK(strstr(ei.msg, "is not valid UTF-8") != NULL);
            T_OK(out == NULL);
        }
    }
}

struct bad_case {
    const char *what;
    struct message_in in;
};

static void test_refusals(void)
{
    static const char *const bad_addrs[] = {
        "", "no-at", "a@@b.io", "a@b@c.io", ".a@b.io", "a.@b.io",
        "a..b@b.io", "a b@c.io", "a@b .io", "<a@b.io>", "a@b.io>",
        "\"a\"@b.io", "a@-b.io", "a@b-.io", "a@b..io", "a@", "@b.io",
        "a(b)@c.io", "a@[192.0.2.1]", "\xC3\xA4@b.io", "a@b.io\n",
        "a@b.io\r\nBcc: x@y.example", "ann@acme.example\r\n", "a,b@c.io",
        "a;b@c.io", "a:b@c.io", "a\\b@c.io", "a@b_c.io", "a@.b.io",
        "a@b.io.",
        /* encoded words some parsers decode into another address */
        "=?UTF-8?B?dmljdGltQGV2aWwuZXhhbXBsZQ==?=@b.io",
        "x=?utf-8?q?victim=40evil.example?=y@b.io", "a=?\?=b@c.io",
        /* 65 bytes of local part */
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "@b.io",
    };
    static const char *const good_addrs[] = {
        "a@b.io", "first.last+tag@sub.example.co.uk", "o'brien@example.ie",
        "x@localhost", "!#$%&'*+-/=?^_`{|}~@example.org", "a?=b=?c@d.io",
        "=?a@b.io", "a=@b.io",
        "user@xn--bcher-kva.de", "A.B@EXAMPLE.COM",
    };

    for (size_t i = 0; i < LEN(bad_addrs); i++) {
        for (int field = 0; field < 3; field++) {
            struct message_in in = base_in();
            struct errinfo ei = {ERR_OK, ""};
            char untouched[] = "untouched";
            char *out = untouched;
            size_t len = 12345;

            if (field == 0)
                in.to_email = bad_addrs[i];
            else if (field == 1)
                in.from_email = bad_addrs[i];
            else
                in.unsubscribe_mailto = bad_addrs[i][0] ? bad_addrs[i]
                                                        : "x";
            printf("# bad address %zu/%d\n", i, field);
            T_INT(message_build(&in, &out, &len, &ei), -1);
            T_INT(ei.code, ERR_DATA);
            T_OK(out == untouched);
            T_INT(len, 12345);
        }
    }
    {
        struct message_in in = base_in();
        struct errinfo ei = {ERR_OK, ""};
        char *out = NULL;
        size_t len;

        in.to_email = "ann@acme.example\r\nBcc: x@y.example";
        T_INT(message_build(&in, &out, &len, &ei), -1);
        T_STR(ei.msg, "bad recipient address "
                      "'ann@acme.example??Bcc: x@y.example'");
    }
    for (size_t i = 0; i < LEN(good_addrs); i++) {
        struct message_in in = base_in();
        char *msg;

        in.to_email = good_addrs[i];
        in.from_email = good_addrs[i];
        in.unsubscribe_mailto = good_addrs[i];
        printf("# good address %zu\n", i);
        msg = build(&in);
        free(msg);
    }

    {
        static const char bad_utf8[] = "\xC3\x28";
        struct message_in cases[12];
        size_t n = 0;

        for (size_t i = 0; i < LEN(cases); i++)
            cases[i] = base_in();
        cases[n++].from_name = bad_utf8;
        cases[n++].to_name = bad_utf8;
        cases[n++].subject = bad_utf8;
        cases[n++].body = "ok\n\xED\xA0\x80\n"; /* a surrogate */
        cases[n++].subject = NULL;
        cases[n++].body = NULL;
        cases[n++].uuid = "u\r\nBcc: x@y";
        cases[n++].uuid = "";
        cases[n++].unsubscribe_url = "http://exzelon.example/u";
        cases[n++].unsubscribe_url = "https://exzelon.example/u x";
        cases[n++].unsubscribe_url = "https://exzelon.example/u>\r\nBcc: x";
        cases[n++].date = time_from_civil(1899, 12, 31, 23, 59, 59);
        for (size_t i = 0; i < n; i++) {
            struct errinfo ei = {ERR_OK, ""};
            char *out = NULL;
            size_t len = 0;

            printf("# refusal %zu\n", i);
            T_INT(message_build(&cases[i], &out, &len, &ei), -1);
            T_INT(ei.code, ERR_DATA);
            T_OK(out == NULL);
        }
    }
}

static void test_unsubscribe(void)
{
    static const struct {
        const char *mailto, *url, *want, *post;
    } cases[] = {
        {NULL, NULL, NULL, NULL},
        {"", "", NULL, NULL},
        {"unsubscribe@exzelon.example", NULL,
         "<mailto:unsubscribe@exzelon.example>", NULL},
        {"unsubscribe@exzelon.example", "",
         "<mailto:unsubscribe@exzelon.example>", NULL},
        {NULL, "https://exzelon.example/u/abc",
         "<https://exzelon.example/u/abc>", "List-Unsubscribe=One-Click"},
        {"u@exzelon.example", "https://exzelon.example/u?c=1&t=x",
         "<https://exzelon.example/u?c=1&t=x>, <mailto:u@exzelon.example>",
         "List-Unsubscribe=One-Click"},
    };

    for (size_t i = 0; i < LEN(cases); i++) {
        struct message_in in = base_in();
        char *msg;

        in.unsubscribe_mailto = cases[i].mailto;
        in.unsubscribe_url = cases[i].url;
        printf("# unsubscribe %zu\n", i);
        msg = build(&in);
        check_header(msg, "List-Unsubscribe", cases[i].want);
        check_header(msg, "List-Unsubscribe-Post", cases[i].post);
        free(msg);
    }

    /* a URL too long for a header line */
    {
        struct message_in in = base_in();
        struct errinfo ei = {ERR_OK, ""};
        char url[1100], *out = NULL;
        size_t len;

        memcpy(url, "https://x.example/", 18);
        memset(url + 18, 'a', 1000);
        url[1018] = '\0';
        in.unsubscribe_url = url;
        T_INT(message_build(&in, &out, &len, &ei), -1);
        T_INT(ei.code, ERR_DATA);
        /* ... but a long one that fits is kept whole on its own line */
        url[18 + 300] = '\0';
        in.unsubscribe_mailto = "u@exzelon.example";
        out = build(&in);
        T_OK(out && strstr(out, "List-Unsubscribe:\r\n") == NULL);
        T_OK(out && strstr(out, url) != NULL);
        free(out);
    }
}

/* Body checks: encoding and that it decodes back to crlf(body). */
static void check_body(const char *body, bool want_qp)
{
    struct message_in in = base_in();
    char *msg, *want;
    const char *b;

    in.body = body;
    msg = build(&in);
    if (!msg)
        return;
    check_header(msg, "Content-Transfer-Encoding",
                 want_qp ? "quoted-printable" : "7bit");
    b = msg + header_end(msg) + 2;
    want = crlf(body);
    if (want_qp) {
        size_t longest;
        char *d = qp_decode(b, &longest);

        T_OK(longest <= 76);
        T_INT(strlen(d), strlen(want));
        T_OK(strcmp(d, want) == 0);
        /* nothing but printable ASCII and CRLF on the wire */
        for (const char *p = b; *p; p++)
            if ((*p < 0x20 && *p != '\r' && *p != '\n') ||
                (unsigned char)*p >= 0x7f) {
                T_OK(!"raw byte in a quoted-printable body");
                break;
            }
        free(d);
    } else {
        T_OK(strcmp(b, want) == 0);
    }
    free(want);
    free(msg);
}

static void test_body(void)
{
    char *line;

    check_body("Hi Ann,\n\nShort note.\n", false);
    check_body("no final newline", false);
    check_body("", false);
    check_body("crlf\r\nkept\r\n", false);
    check_body("tab\there\n  indented  \n", false);
    check_body("Gr\xC3\xBC\xC3\x9F" "e,\nZeile mit = Zeichen und Leerzeichen "
               "am Ende \nTab am Ende\t\n\n.leading dot\n=3D literal\n", true);
    check_body("ctl \x01 char\n", true);
    check_body("\xF0\x9F\x9A\x80 rocket", true);

    /* exact quoted-printable */
    {
        struct message_in in = base_in();
        char *msg;

        in.body = "Gr\xC3\xBC\xC3\x9F" "e = x \nend\t";
        msg = build(&in);
        T_OK(msg && strcmp(msg + header_end(msg) + 2,
                           "Gr=C3=BC=C3=9Fe =3D x=20\r\nend=09\r\n") == 0);
        free(msg);
    }

    /* long lines: 998 ASCII bytes is 7bit, 999 and 2000 force QP */
    line = xmalloc(4001);
    memset(line, 'a', 998);
    memcpy(line + 998, "\nnext\n", 7);
    check_body(line, false);
    memset(line, 'a', 999);
    memcpy(line + 999, "\nnext\n", 7);
    check_body(line, true);
    for (int i = 0; i < 2000; i++)
        line[i] = "word "[i % 5];
    memcpy(line + 2000, "\n", 2);
    check_body(line, true);
    /* long non-ASCII line with '=' and spaces at the soft-break columns */
    for (int i = 0; i < 4000; i += 4)
        memcpy(line + i, i % 3 ? "\xC3\xA9= " : "x  =", 4);
    line[4000] = '\0';
    check_body(line, true);
    free(line);
}

static void test_size(void)
{
    struct message_in in = base_in();
    struct errinfo ei = {ERR_OK, ""};
    char *body = xmalloc(MESSAGE_MAX + 1), *out = NULL;
    size_t len = 0;

    /* 1 MiB of ASCII plus headers is too much */
    for (size_t i = 0; i < MESSAGE_MAX; i++)
        body[i] = (i % 70 == 69) ? '\n' : 'a';
    body[MESSAGE_MAX] = '\0';
    in.body = body;
    T_INT(message_build(&in, &out, &len, &ei), -1);
    T_INT(ei.code, ERR_DATA);
    T_OK(out == NULL);

    /* 400 KiB of "é" is 800 KiB of UTF-8 and 2.4 MiB quoted-printable */
    for (size_t i = 0; i + 1 < 800 * 1024; i += 2)
        memcpy(body + i, "\xC3\xA9", 2);
    body[800 * 1024] = '\0';
    T_INT(message_build(&in, &out, &len, &ei), -1);
    T_INT(ei.code, ERR_DATA);

    /* half a MiB is fine */
    body[512 * 1024] = '\0';
    for (size_t i = 0; i < 512 * 1024; i++)
        body[i] = (i % 70 == 69) ? '\n' : 'a';
    T_INT(message_build(&in, &out, &len, &ei), 0);
    T_OK(out && len > 512 * 1024 && len <= MESSAGE_MAX);
    free(out);
    free(body);
}

int main(void)
{
    T_RUN(test_exact);
    T_RUN(test_thread);
    T_RUN(test_message_id);
    T_RUN(test_dates);
    T_RUN(test_date_offsets);
    T_RUN(test_date_offset_refused);
    T_RUN(test_rfc2047);
    T_RUN(test_ascii_headers);
    T_RUN(test_injection);
    T_RUN(test_hostile_headers);
    T_RUN(test_bad_utf8);
    T_RUN(test_refusals);
    T_RUN(test_unsubscribe);
    T_RUN(test_body);
    T_RUN(test_size);
    return t_done();
}
