/*
 * inbound_text.c - the text side of inbound classification: Message-ID
 * normalisation, the quoted-original cut, word search, and the status
 * code and address an NDR without a delivery-status part gives in its
 * text.  See inbound_class.h.  Pure.
 */
#include "inbound_class.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "contact.h"
#include "util.h"

#include "banned.h"

#define LINE_CAP 1024

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* s into dst (cap bytes), cut to fit. */
static void copy_cut(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(s);

    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

bool inbound_msgid_norm(const char *s, size_t len, char *out, size_t cap)
{
    size_t a = 0, b, at = 0;

    while (a < len && (is_ws(s[a]) || s[a] == '<'))
        a++;
    b = a;
    while (b < len && s[b] != '>' && !is_ws(s[b]) && s[b] != '<' && s[b])
        b++;
    if (b == a || b - a >= cap)
        return false;
    memcpy(out, s + a, b - a);
    out[b - a] = '\0';
    for (size_t i = 0; out[i]; i++)
        if (out[i] == '@')
            at = i + 1;
    if (at)
        str_lower(out + at);
    return true;
}

/* One line of text (from p, at most LINE_CAP - 1 bytes) into buf,
 * trimmed; returns the length of the line in the input (without its
 * line break). */
static size_t line_at(const char *p, size_t left, char buf[LINE_CAP])
{
    const char *nl = memchr(p, '\n', left);
    size_t n = nl ? (size_t)(nl - p) : left;
    size_t k = n < LINE_CAP - 1 ? n : LINE_CAP - 1;

    memcpy(buf, p, k);
    buf[k] = '\0';
    for (size_t i = 0; i < k; i++)
        if (!buf[i])
            buf[i] = ' ';
    str_trim(buf);
    return n;
}

static bool starts_i(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);

    return strlen(s) >= n && strncasecmp(s, prefix, n) == 0;
}

static bool ends_i(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* "On Mon, 1 Jan 2024, Ann <a@b> wrote:", "Am ... schrieb Ann <a@b>:"
 * and the like: a known start, its verb, a colon at the end; also when
 * the line wraps onto the next one (given as next). */
static bool attribution(const char *line, const char *next)
{
    static const struct { const char *start, *verb; } forms[] = {
        {"On ", "wrote"}, {"Am ", "schrieb"}, {"Le ", "a \xc3\xa9" "crit"},
        {"El ", "escribi\xc3\xb3"}, {"Il ", "ha scritto"},
        {"Op ", "geschreven"},
    };

    for (size_t i = 0; i < sizeof(forms) / sizeof(*forms); i++) {
        if (!starts_i(line, forms[i].start))
            continue;
        if ((str_icontains(line, forms[i].verb) && ends_i(line, ":")) ||
            (next && str_icontains(next, forms[i].verb) && ends_i(next, ":")
             && strlen(next) < 80))
            return true;
    }
    return false;
}

static bool separator(const char *line)
{
    static const char *const names[] = {
        "Original Message", "Ursp\xc3\xbcngliche Nachricht",
        "Urspr\xc3\xbcngliche Nachricht", "Message d'origine",
        "Mensaje original", "Messaggio originale", "Forwarded message",
    };
    size_t n = strspn(line, "_");

    if (n >= 20 && line[n] == '\0')
        return true;  /* Outlook's rule above "From: ... Sent:" */
    if (line[0] != '-')
        return false;
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
        if (str_icontains(line, names[i]))
            return true;
    return false;
}

/* "From: ..." with "Sent: ..." (or "Date:") in the next few lines. */
static bool outlook_header(const char *body, size_t pos, size_t len,
                           const char *line)
{
    static const struct { const char *from, *sent; } forms[] = {
        {"From:", "Sent:"}, {"From:", "Date:"}, {"Von:", "Gesendet:"},
        {"De :", "Envoy\xc3\xa9 :"}, {"De:", "Enviado:"}, {"Da:", "Inviato:"},
    };
    char buf[LINE_CAP];

    for (size_t i = 0; i < sizeof(forms) / sizeof(*forms); i++) {
        size_t p = pos;

        if (!starts_i(line, forms[i].from))
            continue;
        for (int k = 0; k < 5 && p < len; k++) {
            p += line_at(body + p, len - p, buf) + 1;
            if (p < len)
                line_at(body + p, len - p, buf);
            else
                buf[0] = '\0';
            if (starts_i(buf, forms[i].sent))
                return true;
        }
    }
    return false;
}

size_t inbound_new_text_len(const char *body, size_t len)
{
    char line[LINE_CAP], next[LINE_CAP];
    size_t pos = 0;

    while (body && pos < len) {
        size_t n = line_at(body + pos, len - pos, line);
        size_t after = pos + n + 1;

        if (after < len)
            line_at(body + after, len - after, next);
        else
            next[0] = '\0';
        if (line[0] == '>' || separator(line) ||
            attribution(line, next) || outlook_header(body, pos, len, line))
            return pos;
        pos = after;
    }
    return len;
}

/* Lower-cases ASCII and Latin-1 capitals (C3 80..C3 9E but for the
 * multiplication sign C3 97) in place. */
static void fold(char *s)
{
    for (unsigned char *p = (unsigned char *)s; *p; p++) {
        if (*p >= 'A' && *p <= 'Z')
            *p = (unsigned char)(*p + 32);
        else if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0x9E && p[1] != 0x97)
            p[1] = (unsigned char)(p[1] + 0x20), p++;
    }
}

/* A letter or digit for word boundaries (any non-ASCII byte counts). */
static bool wordish(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

const char *inbound_find_word(const char *text, size_t len,
                              const char *const *words, size_t n_words)
{
    char *hay = xstrndup(text ? text : "", text ? len : 0);
    const char *found = NULL;

    fold(hay);
    for (size_t i = 0; i < n_words && !found; i++) {
        char *w = xstrdup(words[i] ? words[i] : "");
        size_t wl;

        str_trim(w);
        fold(w);
        wl = strlen(w);
        for (const char *p = wl ? strstr(hay, w) : NULL; p && !found;
             p = strstr(p + 1, w)) {
            if ((p == hay || !wordish((unsigned char)p[-1])) &&
                !wordish((unsigned char)p[wl]))
                found = words[i];
        }
        free(w);
    }
    free(hay);
    return found;
}

/* "550 5.1.1 ..." at s: the reply code and enhanced code of one line
 * (the enhanced code's class must be the reply code's). */
static bool code_pair(const char *s, int *code, char esc[SMTP_ENHANCED_MAX])
{
    if (*s == '#')
        s++;
    if (s[0] < '2' || s[0] > '5' || s[1] < '0' || s[1] > '9' ||
        s[2] < '0' || s[2] > '9' || (s[3] != ' ' && s[3] != '-'))
        return false;
    if (!bounce_parse_enhanced(s + 4, esc) || esc[0] != s[0])
        return false;
    *code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    return true;
}

/* Finds a reply code + enhanced code in one line; fills r. */
static bool line_status(const char *line, struct inbound_rcpt *r)
{
    const char *q = str_icontains(line, "Remote Server returned")
                        ? strchr(line, '\'') : NULL;

    if (q && code_pair(q + 1, &r->smtp_code, r->status)) {
        copy_cut(r->diagnostic, sizeof(r->diagnostic), q + 1);
        r->diagnostic[strcspn(r->diagnostic, "'")] = '\0';
        return true;
    }
    for (const char *p = line; *p; p++) {
        if (p > line && !is_ws(p[-1]) && p[-1] != '(' && p[-1] != '"' &&
            p[-1] != '\'' && p[-1] != ':')
            continue;
        if (code_pair(p, &r->smtp_code, r->status)) {
            copy_cut(r->diagnostic, sizeof(r->diagnostic), p);
            return true;
        }
    }
    return false;
}

/* The first address in text that is none of the skipped ones and no
 * daemon's; into out, domain lower-cased. */
static bool first_address(const char *text, const char *skip1,
                          const char *skip2, char *out, size_t cap)
{
    static const char local[] = "abcdefghijklmnopqrstuvwxyz"
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_`{|}~-";
    static const char dom[] = "abcdefghijklmnopqrstuvwxyz"
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-";

    for (const char *at = strchr(text, '@'); at; at = strchr(at + 1, '@')) {
        const char *a = at, *b = at + 1;
        char cand[INBOUND_ADDR_MAX];
        char *norm;

        while (a > text && strchr(local, a[-1]) && a[-1])
            a--;
        while (*b && strchr(dom, *b))
            b++;
        while (b > at + 1 && b[-1] == '.')
            b--;
        if (a == at || b == at + 1 || (size_t)(b - a) >= sizeof(cand))
            continue;
        memcpy(cand, a, (size_t)(b - a));
        cand[b - a] = '\0';
        if (strncasecmp(cand, "postmaster@", 11) == 0 ||
            strncasecmp(cand, "mailer-daemon@", 14) == 0 ||
            (skip1 && strcasecmp(cand, skip1) == 0) ||
            (skip2 && strcasecmp(cand, skip2) == 0))
            continue;
        norm = contact_email_normalize(cand, NULL);
        if (!norm)
            continue;
        copy_cut(out, cap, norm);
        free(norm);
        return true;
    }
    return false;
}

bool inbound_ndr_text(const char *body, size_t len, const char *skip1,
                      const char *skip2, struct inbound_rcpt *r)
{
    char *text;
    const char *p;
    char line[LINE_CAP];
    bool ok = false;

    memset(r, 0, sizeof(*r));
    /* the report's own words: above the returned original */
    len = inbound_new_text_len(body, len);
    text = xstrndup(body ? body : "", body ? len : 0);
    /* and above Exchange's "Original message headers:" */
    for (char *q = text; *q; q++)
        if (strncasecmp(q, "Original message headers", 24) == 0) {
            *q = '\0';
            break;
        }
    for (p = text; *p && !ok; ) {
        size_t n = line_at(p, strlen(p), line);
        ok = line_status(line, r);
        p += n + (p[n] ? 1 : 0);
    }
    if (!ok && bounce_parse_enhanced(text, r->status) &&
        (r->status[0] == '4' || r->status[0] == '5'))
        ok = true;
    if (ok)
        first_address(text, skip1, skip2, r->addr, sizeof(r->addr));
    free(text);
    return ok;
}
