/*
 * contact.c - the address rules of contact import: email validation and
 * normalisation, the domain of an address or a domain column, and the
 * free-mail list.  Pure.  Company names are in contact_company.c, CSV
 * header names in contact_fields.c.
 */
#include "contact.h"

#include <stdlib.h>
#include <string.h>

#include "contact_int.h"
#include "util.h"

#include "banned.h"

#define EMAIL_MAX 254
#define LOCAL_MAX 64
#define DOMAIN_MAX 253
#define LABEL_MAX 63

/* RFC 5322 atext, the characters of a dot-atom besides '.'. */
static bool is_atext(unsigned char c)
{
    return is_alpha(c) || is_digit(c) ||
           (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/*
 * Checks a lower-cased domain; returns NULL when it is plausible, else a
 * static reason.  Shared by emails and domain columns so both agree.
 */
static const char *domain_check(const char *d)
{
    size_t total = strlen(d);
    const char *label = d, *last = d;
    bool dot = false;

    if (total == 0)
        return "empty domain";
    if (total > DOMAIN_MAX)
        return "domain longer than 253 characters";
    for (;;) {
        const char *p = label;
        size_t len;

        while (*p && *p != '.') {
            unsigned char c = (unsigned char)*p;

            if (!(is_alpha(c) || is_digit(c) || c == '-'))
                return "invalid character in domain";
            p++;
        }
        len = (size_t)(p - label);
        if (len == 0)
            return "empty label in domain";
        if (len > LABEL_MAX)
            return "domain label longer than 63 characters";
        if (label[0] == '-' || label[len - 1] == '-')
            return "domain label starts or ends with a hyphen";
        last = label;
        if (!*p)
            break;
        dot = true;
        label = p + 1;
    }
    if (!dot)
        return "domain has no dot";
    {
        size_t len = strlen(last);
        bool letters = len >= 2;

        for (size_t i = 0; i < len && letters; i++)
            letters = is_alpha((unsigned char)last[i]);
        if (!letters && !(len > 4 && memcmp(last, "xn--", 4) == 0))
            return "invalid top-level domain";
    }
    return NULL;
}

static const char *local_check(const char *local, size_t len)
{
    if (len == 0)
        return "empty local part";
    if (len > LOCAL_MAX)
        return "local part longer than 64 characters";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)local[i];

        if (c == '.') {
            if (i + 1 < len && local[i + 1] == '.')
                return "consecutive dots in local part";
            continue;
        }
        if (!is_atext(c))
            return "invalid character in local part";
    }
    if (local[0] == '.' || local[len - 1] == '.')
        return "local part starts or ends with a dot";
    /*
     * "=?...?=" is dot-atom text, but some parsers decode it as an RFC 2047
     * encoded word (Python's, which aiosmtpd uses, turns
     * =?UTF-8?B?...?=@x into another address), and RFC 2047 5 forbids it
     * in an address anyway.
     */
    if (has_encoded_word(local, len))
        return "encoded word ('=?...?=') in local part";
    return NULL;
}

char *contact_email_normalize(const char *in, const char **reason)
{
    char *s = NULL, *at;
    const char *why = NULL;
    size_t len;

    if (!in) {
        why = "empty email";
        goto fail;
    }
    s = str_trim(xstrdup(in));
    len = strlen(s);
    if (len == 0) {
        why = "empty email";
        goto fail;
    }
    if (len > EMAIL_MAX) {
        why = "email longer than 254 characters";
        goto fail;
    }
    at = strchr(s, '@');
    if (!at) {
        why = "missing '@'";
        goto fail;
    }
    if (strchr(at + 1, '@')) {
        why = "more than one '@'";
        goto fail;
    }
    why = local_check(s, (size_t)(at - s));
    if (why)
        goto fail;
    str_lower(at + 1);
    why = domain_check(at + 1);
    if (why)
        goto fail;
    return s;

fail:
    free(s);
    if (reason)
        *reason = why;
    return NULL;
}

const char *contact_email_domain(const char *email)
{
    const char *at = email ? strrchr(email, '@') : NULL;

    return at ? at + 1 : NULL;
}

/*
 * Free-mail providers, sorted by strcmp for bsearch (a unit test checks a
 * sample of them, which an unsorted table would miss).
 */
static const char *const freemail_domains[] = {
    "126.com",
    "139.com",
    "163.com",
    "aim.com",
    "aol.com",
    "att.net",
    "bigpond.com",
    "bk.ru",
    "bol.com.br",
    "btinternet.com",
    "charter.net",
    "comcast.net",
    "cox.net",
    "daum.net",
    "earthlink.net",
    "email.com",
    "fastmail.com",
    "fastmail.fm",
    "foxmail.com",
    "free.fr",
    "freenet.de",
    "gmail.com",
    "gmx.at",
    "gmx.ch",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "googlemail.com",
    "hanmail.net",
    "hey.com",
    "hotmail.be",
    "hotmail.ca",
    "hotmail.co.uk",
    "hotmail.com",
    "hotmail.com.au",
    "hotmail.de",
    "hotmail.es",
    "hotmail.fr",
    "hotmail.it",
    "hotmail.nl",
    "hushmail.com",
    "icloud.com",
    "inbox.com",
    "inbox.ru",
    "interia.pl",
    "laposte.net",
    "libero.it",
    "list.ru",
    "live.ca",
    "live.co.uk",
    "live.com",
    "live.com.au",
    "live.de",
    "live.fr",
    "live.it",
    "live.nl",
    "mac.com",
    "mail.com",
    "mail.ru",
    "mailbox.org",
    "me.com",
    "msn.com",
    "naver.com",
    "o2.pl",
    "onet.pl",
    "optonline.net",
    "orange.fr",
    "outlook.com",
    "outlook.de",
    "outlook.es",
    "outlook.fr",
    "outlook.it",
    "pm.me",
    "posteo.de",
    "proton.me",
    "protonmail.ch",
    "protonmail.com",
    "qq.com",
    "rambler.ru",
    "rediffmail.com",
    "rocketmail.com",
    "sbcglobal.net",
    "seznam.cz",
    "sfr.fr",
    "sina.com",
    "sky.com",
    "t-online.de",
    "tuta.com",
    "tuta.io",
    "tutanota.com",
    "tutanota.de",
    "uol.com.br",
    "verizon.net",
    "virgilio.it",
    "virginmedia.com",
    "wanadoo.fr",
    "web.de",
    "windowslive.com",
    "wp.pl",
    "ya.ru",
    "yahoo.ca",
    "yahoo.co.in",
    "yahoo.co.jp",
    "yahoo.co.uk",
    "yahoo.com",
    "yahoo.com.au",
    "yahoo.com.br",
    "yahoo.de",
    "yahoo.es",
    "yahoo.fr",
    "yahoo.in",
    "yahoo.it",
    "yandex.com",
    "yandex.ru",
    "ymail.com",
    "zoho.com",
    "zohomail.com",
};

static int cmp_domain(const void *key, const void *elem)
{
    return strcmp((const char *)key, *(const char *const *)elem);
}

bool contact_is_freemail(const char *domain, char *const *extra,
                         size_t n_extra)
{
    char buf[DOMAIN_MAX + 1];
    size_t len;

    if (!domain)
        return false;
    len = strlen(domain);
    if (len <= DOMAIN_MAX) {
        for (size_t i = 0; i <= len; i++)
            buf[i] = (char)lower((unsigned char)domain[i]);
        if (bsearch(buf, freemail_domains,
                    sizeof(freemail_domains) / sizeof(*freemail_domains),
                    sizeof(*freemail_domains), cmp_domain))
            return true;
    }
    for (size_t i = 0; i < n_extra; i++)
        if (extra[i] && str_ieq(domain, extra[i]))
            return true;
    return false;
}
char *contact_domain_normalize(const char *in)
{
    char *s, *p, *q, *res = NULL;
    size_t len;

    if (!in)
        return NULL;
    s = str_trim(xstrdup(in));
    str_lower(s);
    p = s;

    /* scheme: letters, then letters, digits, '+', '-', '.', then "://" */
    q = strstr(p, "://");
    if (q && q > p && is_alpha((unsigned char)*p)) {
        const char *c = p;

        while (c < q && (is_alpha((unsigned char)*c) ||
                         is_digit((unsigned char)*c) || *c == '+' ||
                         *c == '-' || *c == '.'))
            c++;
        if (c == q)
            p = q + 3;
    } else if (p[0] == '/' && p[1] == '/') {
        p += 2; /* scheme-relative "//acme.com" */
    }
    /* path, query, fragment */
    p[strcspn(p, "/?#")] = '\0';
    /* user info */
    q = strrchr(p, '@');
    if (q)
        p = q + 1;
    /* port */
    p[strcspn(p, ":")] = '\0';
    len = strlen(p);
    if (len && p[len - 1] == '.')
        p[--len] = '\0';
    if (strncmp(p, "www.", 4) == 0 && strchr(p + 4, '.'))
        p += 4;
    if (!domain_check(p))
        res = xstrdup(p);
    free(s);
    return res;
}
