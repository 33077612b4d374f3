/*
 * fuzz_message.c - message_build() (message.h) with arbitrary names,
 * addresses, subject, body, Message-ID uuid, date and unsubscribe values.
 *
 * Input: one byte of options (use a fixed valid sender address, recipient
 * address, uuid or date; no recipient name; no unsubscribe mailto; no
 * unsubscribe URL), four bytes for the date unless fixed, then the
 * NUL-separated strings in message_in order, each one left out when the
 * options fix or drop it.
 *
 * The security property (message.h: "No value can add a header line or a
 * recipient"), checked on every message built, aborting on a violation:
 *   - only CRLF line ends: no bare CR, no bare LF, no NUL, ends in CRLF;
 *   - no line longer than 998 octets;
 *   - the header block is printable ASCII and holds exactly the expected
 *     fields, in order, each once: From, To, Subject, Date, Message-ID,
 *     MIME-Version, Content-Type, Content-Transfer-Encoding, and
 *     List-Unsubscribe(-Post) only when asked for; no continuation line is
 *     blank;
 *   - From and To each hold exactly one mailbox: the given address, bare or
 *     in <...> after one display name that is a single quoted-string or a
 *     run of RFC 2047 encoded words (Q words only of RFC 2047 5(3)
 *     characters), at most 75 bytes each;
 * and that nothing is lost or altered on the way: the display names and the
 * subject decode back to the input with controls made spaces, the body
 * (7bit or quoted-printable, lines within their limits) decodes back to
 * the input with its line breaks made CRLF, and Date, Message-ID and
 * List-Unsubscribe are exactly what the input asks for.
 */
#include "message.h"

#include <stdbool.h>
#include <time.h>

#include "util.h"

#include "fuzz.h"

#include "banned.h"

#define FIXED_FROM "brian@exzelon.example"
#define FIXED_TO "ann@acme.example"
#define FIXED_UUID "0b0f6f5e-3c1a-4c7e-9a52-1d2f3e4a5b6c"
#define FIXED_DATE ((int64_t)1795312805) /* 2026-11-22T02:00:05Z */

enum {
    OPT_FROM = 1 << 0,
    OPT_TO = 1 << 1,
    OPT_UUID = 1 << 2,
    OPT_NO_TO_NAME = 1 << 3,
    OPT_DATE = 1 << 4,
    OPT_NO_MAILTO = 1 << 5,
    OPT_NO_URL = 1 << 6,
};

/* ---- helpers --------------------------------------------------------- */

/* s with every control character (C0, DEL, C1) and U+2028/U+2029 one
 * space each: message.c's rule, written out again from its header. */
static char *cleaned(const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    struct strbuf b;
    char *out;

    sb_init(&b, 0);
    while (*p) {
        if (*p < 0x20 || *p == 0x7f) {
            sb_addch(&b, ' ');
            p++;
        } else if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
            sb_addch(&b, ' ');
            p += 2;
        } else if (p[0] == 0xE2 && p[1] == 0x80 &&
                   (p[2] == 0xA8 || p[2] == 0xA9)) {
            sb_addch(&b, ' ');
            p += 3;
        } else {
            sb_addch(&b, (char)*p++);
        }
    }
    out = sb_detach(&b, NULL);
    sb_release(&b);   /* sb_detach leaves b ready for reuse */
    return out;
}

static bool only_spaces(const char *s)
{
    return s[strspn(s, " ")] == '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1; /* RFC 2045/2047 encoders use upper case: so does ours */
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

/* Appends the RFC 2047 encoded text s[0..n) (Q or B) decoded to out. */
static void decode_ew_text(struct strbuf *out, char enc, const char *s,
                           size_t n)
{
    if (enc == 'Q') {
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];

            if (c == '_') {
                sb_addch(out, ' ');
            } else if (c == '=') {
                int hi, lo;

                FUZZ_ASSERT(i + 2 < n);
                hi = hexval(s[i + 1]);
                lo = hexval(s[i + 2]);
                FUZZ_ASSERT(hi >= 0 && lo >= 0);
                sb_addch(out, (char)(hi * 16 + lo));
                i += 2;
            } else {
                /* RFC 2047 5(3): a Q word in a phrase */
                FUZZ_ASSERT((c >= 'a' && c <= 'z') ||
                            (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '!' ||
                            c == '*' || c == '+' || c == '-' || c == '/');
                sb_addch(out, (char)c);
            }
        }
        return;
    }
    FUZZ_ASSERT(n % 4 == 0);
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        unsigned long bits = 0;
        int pad = 0;

        for (int k = 0; k < 4; k++) {
            if (s[i + k] == '=') {
                FUZZ_ASSERT(i + 4 == n && k >= 2);
                pad++;
                v[k] = 0;
            } else {
                FUZZ_ASSERT(pad == 0);
                v[k] = b64val(s[i + k]);
                FUZZ_ASSERT(v[k] >= 0);
            }
            bits = bits << 6 | (unsigned long)v[k];
        }
        sb_addch(out, (char)(bits >> 16));
        if (pad < 2)
            sb_addch(out, (char)(bits >> 8 & 0xff));
        if (pad < 1)
            sb_addch(out, (char)(bits & 0xff));
    }
}

/*
 * Decodes a run of encoded words "=?UTF-8?Q?...?=" separated by single
 * spaces at *pp, advancing *pp past the last one.  Returns false when *pp
 * does not start with an encoded word.
 */
static bool decode_ew_run(const char **pp, struct strbuf *out)
{
    const char *p = *pp;
    bool any = false;

    for (;;) {
        const char *t, *end;
        char enc;

        if (strncmp(p, "=?UTF-8?", 8) != 0)
            break;
        enc = p[8];
        FUZZ_ASSERT((enc == 'Q' || enc == 'B') && p[9] == '?');
        t = p + 10;
        end = strstr(t, "?=");
        FUZZ_ASSERT(end != NULL);
        FUZZ_ASSERT((size_t)(end + 2 - p) <= 75); /* RFC 2047 2 */
        decode_ew_text(out, enc, t, (size_t)(end - t));
        any = true;
        p = end + 2;
        /* the space between two encoded words is not text (6.2) */
        if (p[0] == ' ' && strncmp(p + 1, "=?UTF-8?", 8) == 0)
            p++;
        else
            break;
    }
    *pp = p;
    return any;
}

/* ---- the header block ------------------------------------------------- */

#define MAX_FIELDS 16

struct field {
    char name[32];
    struct strbuf value; /* unfolded, without the space after the colon */
};

/* Splits the header block hdr[0..len) (CRLF-terminated lines) into fields. */
static size_t split_fields(const char *hdr, size_t len, struct field *f)
{
    size_t nf = 0, i = 0;

    while (i < len) {
        const char *line = hdr + i;
        const char *crlf = strstr(line, "\r\n");
        size_t n;

        FUZZ_ASSERT(crlf && (size_t)(crlf - hdr) < len);
        n = (size_t)(crlf - line);
        i += n + 2;
        if (line[0] == ' ' || line[0] == '\t') {
            /* a continuation: folded text, never only white space */
            FUZZ_ASSERT(nf > 0);
            FUZZ_ASSERT(strspn(line, " \t") < n);
            sb_add(&f[nf - 1].value, line, n);
            continue;
        }
        {
            const char *colon = memchr(line, ':', n);
            size_t nl;

            FUZZ_ASSERT(colon != NULL && colon > line);
            nl = (size_t)(colon - line);
            FUZZ_ASSERT(nl < sizeof(f[0].name));
            for (size_t k = 0; k < nl; k++)
                FUZZ_ASSERT(line[k] > 32 && line[k] < 127);
            FUZZ_ASSERT(nf < MAX_FIELDS);
            memcpy(f[nf].name, line, nl);
            f[nf].name[nl] = '\0';
            sb_init(&f[nf].value, 0);
            /* every field the builder writes has a space after the colon */
            FUZZ_ASSERT(colon[1] == ' ');
            sb_add(&f[nf].value, colon + 2, n - nl - 2);
            nf++;
        }
    }
    return nf;
}

/*
 * A From or To value: the address alone when the display name is blank,
 * else one phrase (a quoted-string or encoded words) and " <addr>".  The
 * phrase must decode to the cleaned name.
 */
static void check_mailbox(const char *value, const char *name,
                          const char *addr)
{
    char *want = cleaned(name);
    struct strbuf got;
    const char *p = value;

    if (only_spaces(want)) {
        FUZZ_ASSERT(strcmp(value, addr) == 0);
        free(want);
        return;
    }
    sb_init(&got, 0);
    if (*p == '"') {
        for (p++; *p != '"'; p++) {
            FUZZ_ASSERT(*p != '\0');
            if (*p == '\\') {
                p++;
                /* only a quote or a backslash needs escaping */
                FUZZ_ASSERT(*p == '"' || *p == '\\');
            }
            sb_addch(&got, *p);
        }
        p++;
    } else {
        FUZZ_ASSERT(decode_ew_run(&p, &got));
    }
    FUZZ_ASSERT(strcmp(got.buf, want) == 0);
    FUZZ_ASSERT(p[0] == ' ' && p[1] == '<');
    p += 2;
    FUZZ_ASSERT(strncmp(p, addr, strlen(addr)) == 0);
    p += strlen(addr);
    FUZZ_ASSERT(strcmp(p, ">") == 0);
    sb_release(&got);
    free(want);
}

static void check_subject(const char *value, const char *subject)
{
    char *want = cleaned(subject);
    struct strbuf got;
    const char *p = value;

    if (!strstr(value, "=?")) {
        /* plain text: "=?" is always encoded, so it cannot be plain */
        FUZZ_ASSERT(strcmp(value, want) == 0);
        free(want);
        return;
    }
    sb_init(&got, 0);
    FUZZ_ASSERT(decode_ew_run(&p, &got));
    FUZZ_ASSERT(*p == '\0');
    FUZZ_ASSERT(strcmp(got.buf, want) == 0);
    sb_release(&got);
    free(want);
}

static void check_date(const char *value, int64_t date)
{
    time_t t = (time_t)date;
    struct tm tm;
    char want[64];

    FUZZ_ASSERT(gmtime_r(&t, &tm) != NULL);
    FUZZ_ASSERT(strftime(want, sizeof(want), "%a, %d %b %Y %H:%M:%S +0000",
                         &tm) > 0);
    FUZZ_ASSERT(strcmp(value, want) == 0);
}

/* ---- the body ---------------------------------------------------------- */

/* The body as the message must carry it: every LF, CRLF or CR a CRLF,
 * and a last line without a break given one. */
static void expected_body(const char *in, struct strbuf *out)
{
    for (const char *p = in; *p; p++) {
        if (*p == '\r') {
            sb_add(out, "\r\n", 2);
            if (p[1] == '\n')
                p++;
        } else if (*p == '\n') {
            sb_add(out, "\r\n", 2);
        } else {
            sb_addch(out, *p);
        }
    }
    if (out->len && (out->len < 2 || memcmp(out->buf + out->len - 2,
                                            "\r\n", 2) != 0))
        sb_add(out, "\r\n", 2);
}

static void check_body(const char *body, size_t n, bool qp, const char *in)
{
    struct strbuf want, got;

    sb_init(&want, 0);
    sb_init(&got, 0);
    expected_body(in, &want);
    if (!qp) {
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)body[i];
            FUZZ_ASSERT(c < 0x7f);
            FUZZ_ASSERT(c >= 0x20 || c == '\t' || c == '\r' || c == '\n');
        }
        sb_add(&got, body, n);
    } else {
        size_t col = 0;

        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)body[i];

            if (c == '\r') {
                /* RFC 2045 6.7 (3): no white space before a line break */
                FUZZ_ASSERT(i == 0 || (body[i - 1] != ' ' &&
                                       body[i - 1] != '\t'));
                sb_add(&got, "\r\n", 2);
                i++;
                col = 0;
                continue;
            }
            FUZZ_ASSERT(++col <= 76);
            if (c == '=') {
                if (body[i + 1] == '\r') {
                    i += 2; /* a soft line break */
                    col = 0;
                    continue;
                }
                FUZZ_ASSERT(i + 2 < n);
                FUZZ_ASSERT(hexval(body[i + 1]) >= 0 &&
                            hexval(body[i + 2]) >= 0);
                sb_addch(&got, (char)(hexval(body[i + 1]) * 16 +
                                      hexval(body[i + 2])));
                i += 2;
                col += 2;
                FUZZ_ASSERT(col <= 76);
                continue;
            }
            FUZZ_ASSERT((c >= 33 && c <= 126) || c == ' ' || c == '\t');
            sb_addch(&got, (char)c);
        }
    }
    FUZZ_ASSERT(got.len == want.len &&
                memcmp(got.buf, want.buf, got.len) == 0);
    sb_release(&want);
    sb_release(&got);
}

/* ---- the whole message -------------------------------------------------- */

static void check_message(const struct message_in *in, const char *msg,
                          size_t len)
{
    static const char *const base[] = {
        "From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
        "Content-Type", "Content-Transfer-Encoding",
    };
    struct field f[MAX_FIELDS];
    const char *want[MAX_FIELDS];
    const char *hend = strstr(msg, "\r\n\r\n");
    bool mailto = in->unsubscribe_mailto && in->unsubscribe_mailto[0];
    bool url = in->unsubscribe_url && in->unsubscribe_url[0];
    size_t nwant = 0, nf, hlen, line = 0;
    char *mid;
    bool qp;

    /* the wire format: CRLF only, no NUL, lines of at most 998 octets */
    FUZZ_ASSERT(strlen(msg) == len);
    FUZZ_ASSERT(len >= 2 && memcmp(msg + len - 2, "\r\n", 2) == 0);
    for (size_t i = 0; i < len; i++) {
        if (msg[i] == '\r')
            FUZZ_ASSERT(msg[i + 1] == '\n');
        if (msg[i] == '\n') {
            FUZZ_ASSERT(i > 0 && msg[i - 1] == '\r');
            line = 0;
            continue;
        }
        if (msg[i] != '\r')
            FUZZ_ASSERT(++line <= 998);
    }

    /* the header block: printable ASCII, exactly the expected fields */
    FUZZ_ASSERT(hend != NULL);
    hlen = (size_t)(hend - msg) + 2;
    for (size_t i = 0; i < hlen; i++)
        FUZZ_ASSERT((msg[i] >= 0x20 && msg[i] < 0x7f) || msg[i] == '\r' ||
                    msg[i] == '\n');
    for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
        want[nwant++] = base[i];
    if (mailto || url)
        want[nwant++] = "List-Unsubscribe";
    if (url)
        want[nwant++] = "List-Unsubscribe-Post";
    nf = split_fields(msg, hlen, f);
    FUZZ_ASSERT(nf == nwant);
    for (size_t i = 0; i < nf; i++)
        FUZZ_ASSERT(strcmp(f[i].name, want[i]) == 0);

    /* each value is what the input asked for, one mailbox per address */
    check_mailbox(f[0].value.buf, in->from_name, in->from_email);
    check_mailbox(f[1].value.buf, in->to_name, in->to_email);
    check_subject(f[2].value.buf, in->subject);
    check_date(f[3].value.buf, in->date);
    mid = message_id(in->uuid, in->from_email);
    FUZZ_ASSERT(strcmp(f[4].value.buf, mid) == 0);
    free(mid);
    FUZZ_ASSERT(strcmp(f[5].value.buf, "1.0") == 0);
    FUZZ_ASSERT(strcmp(f[6].value.buf, "text/plain; charset=UTF-8") == 0);
    qp = strcmp(f[7].value.buf, "quoted-printable") == 0;
    FUZZ_ASSERT(qp || strcmp(f[7].value.buf, "7bit") == 0);
    if (mailto || url) {
        struct strbuf lu;

        sb_init(&lu, 0);
        if (url)
            sb_addf(&lu, "<%s>%s", in->unsubscribe_url, mailto ? ", " : "");
        if (mailto)
            sb_addf(&lu, "<mailto:%s>", in->unsubscribe_mailto);
        FUZZ_ASSERT(strcmp(f[8].value.buf, lu.buf) == 0);
        sb_release(&lu);
    }
    if (url)
        FUZZ_ASSERT(strcmp(f[9].value.buf, "List-Unsubscribe=One-Click") ==
                    0);
    for (size_t i = 0; i < nf; i++)
        sb_release(&f[i].value);

    check_body(hend + 4, len - hlen - 2, qp, in->body);
}

static const char *next_str(struct fuzz_in *fi, char **keep, size_t *nkeep)
{
    char *s = fuzz_str(fi, NULL);

    keep[(*nkeep)++] = s;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in fi = {data, size};
    struct message_in in;
    struct errinfo ei;
    uint8_t opt = fuzz_byte(&fi);
    char *keep[16], *out = NULL;
    size_t nkeep = 0, len = 0;

    memset(&in, 0, sizeof(in));
    if (opt & OPT_DATE) {
        in.date = FIXED_DATE;
    } else {
        uint32_t u = 0;

        for (int i = 0; i < 4; i++)
            u = u << 8 | fuzz_byte(&fi);
        /* +-5100 years around 1970: both sides of 1900..9999 */
        in.date = (int64_t)(int32_t)u * 75;
    }
    in.from_name = next_str(&fi, keep, &nkeep);
    in.from_email = opt & OPT_FROM ? FIXED_FROM : next_str(&fi, keep, &nkeep);
    in.to_name = opt & OPT_NO_TO_NAME ? NULL : next_str(&fi, keep, &nkeep);
    in.to_email = opt & OPT_TO ? FIXED_TO : next_str(&fi, keep, &nkeep);
    in.subject = next_str(&fi, keep, &nkeep);
    in.body = next_str(&fi, keep, &nkeep);
    in.uuid = opt & OPT_UUID ? FIXED_UUID : next_str(&fi, keep, &nkeep);
    in.unsubscribe_mailto =
        opt & OPT_NO_MAILTO ? NULL : next_str(&fi, keep, &nkeep);
    in.unsubscribe_url = opt & OPT_NO_URL ? NULL : next_str(&fi, keep, &nkeep);

    if (message_build(&in, &out, &len, &ei) == 0) {
        check_message(&in, out, len);
        free(out);
    } else {
        FUZZ_ASSERT(out == NULL);
        FUZZ_ASSERT(ei.code == ERR_DATA);
        /* the message quotes bad values made printable */
        for (const unsigned char *p = (const unsigned char *)ei.msg; *p;
             p++)
            FUZZ_ASSERT(*p >= 0x20 && *p != 0x7f);
    }
    for (size_t i = 0; i < nkeep; i++)
        free(keep[i]);
    return 0;
}
