#include "contact.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#include "banned.h"

#define EMAIL_MAX 254
#define LOCAL_MAX 64
#define DOMAIN_MAX 253
#define LABEL_MAX 63

static bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
           c == '\f';
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

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

/* Legal-form words dropped from the end of a company name. */
static const char *const legal_suffixes[] = {
    "ab",   "ag",    "as",     "asa",          "aps",         "bhd",
    "bv",   "co",    "company", "corp",        "corporation", "cos",
    "gmbh", "inc",   "incorporated", "kg",     "kgaa",        "kk",
    "limited", "llc", "lllp",  "llp",          "lp",          "ltd",
    "ltda", "mbh",   "nv",     "oy",           "oyj",         "plc",
    "pllc", "pte",   "pty",    "pvt",          "sa",          "sarl",
    "sas",  "sdn",   "se",     "sl",           "spa",         "srl",
    "ug",
};

static bool is_legal_suffix(const char *w)
{
    for (size_t i = 0; i < sizeof(legal_suffixes) / sizeof(*legal_suffixes);
         i++)
        if (strcmp(w, legal_suffixes[i]) == 0)
            return true;
    return false;
}

/* Appends a byte, first a single space if a word break is pending. */
static void key_emit(char *out, size_t *len, bool *brk, char c)
{
    if (*brk && *len > 0)
        out[(*len)++] = ' ';
    *brk = false;
    out[(*len)++] = c;
}

char *contact_company_key(const char *name)
{
    const unsigned char *p = (const unsigned char *)name;
    char *out, *res;
    char **words;
    size_t len = 0, nwords = 0, first, count;
    bool brk = false, stripped = false;

    if (!name)
        return NULL;
    /* worst case: every byte is '&', which becomes " and" */
    out = xmalloc(strlen(name) * 4 + 1);
    while (*p) {
        unsigned char c = *p;

        if (is_alpha(c) || is_digit(c)) {
            key_emit(out, &len, &brk, (char)lower(c));
            p++;
        } else if (c == '&') {
            brk = true;
            key_emit(out, &len, &brk, 'a');
            key_emit(out, &len, &brk, 'n');
            key_emit(out, &len, &brk, 'd');
            brk = true;
            p++;
        } else if (c == '.' || c == '/' || c == '\'') {
            p++; /* joins: "L.L.C." -> "llc", "A/S" -> "as" */
        } else if (c == 0xE2 && p[1] == 0x80 &&
                   (p[2] == 0x98 || p[2] == 0x99)) {
            p += 3; /* U+2018, U+2019: typographic apostrophes join too */
        } else if (c == 0xC2 && p[1] == 0xA0) {
            brk = true; /* U+00A0 no-break space */
            p += 2;
        } else if (c == 0xC3 && p[1] >= 0x80 && p[1] <= 0x9E &&
                   p[1] != 0x97) {
            /* U+00C0-U+00DE capitals (not U+00D7) -> U+00E0-U+00FE */
            key_emit(out, &len, &brk, (char)0xC3);
            key_emit(out, &len, &brk, (char)(p[1] + 0x20));
            p += 2;
        } else if (c < 0x80) {
            brk = true; /* whitespace, other punctuation, controls */
            p++;
        } else {
            key_emit(out, &len, &brk, (char)c);
            p++;
        }
    }
    out[len] = '\0';
    if (len == 0) {
        free(out);
        return NULL;
    }

    /* split into words in place */
    words = xmalloc((len / 2 + 1) * sizeof(*words));
    for (char *w = out; w;) {
        char *sp = strchr(w, ' ');

        words[nwords++] = w;
        if (sp)
            *sp++ = '\0';
        w = sp;
    }
    first = 0;
    count = nwords;
    if (count > 1 && strcmp(words[0], "the") == 0) {
        first++;
        count--;
    }
    while (count > 1) {
        const char *w = words[first + count - 1];

        if (is_legal_suffix(w)) {
            stripped = true;
            count--;
        } else if (stripped && strcmp(w, "and") == 0) {
            count--;
        } else {
            break;
        }
    }

    res = xmalloc(len + 1);
    len = 0;
    for (size_t i = first; i < first + count; i++) {
        size_t wl = strlen(words[i]);

        if (len)
            res[len++] = ' ';
        memcpy(res + len, words[i], wl);
        len += wl;
    }
    res[len] = '\0';
    free(words);
    free(out);
    return res;
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

/* Header aliases, in the folded form header_fold() produces. */
static const struct {
    const char *name;
    enum contact_field field;
} header_aliases[] = {
    { "email", CONTACT_FIELD_EMAIL },
    { "emailaddress", CONTACT_FIELD_EMAIL },
    { "emailaddr", CONTACT_FIELD_EMAIL },
    { "mail", CONTACT_FIELD_EMAIL },
    { "workemail", CONTACT_FIELD_EMAIL },
    { "businessemail", CONTACT_FIELD_EMAIL },
    { "firstname", CONTACT_FIELD_FIRST_NAME },
    { "givenname", CONTACT_FIELD_FIRST_NAME },
    { "first", CONTACT_FIELD_FIRST_NAME },
    { "forename", CONTACT_FIELD_FIRST_NAME },
    { "lastname", CONTACT_FIELD_LAST_NAME },
    { "surname", CONTACT_FIELD_LAST_NAME },
    { "familyname", CONTACT_FIELD_LAST_NAME },
    { "last", CONTACT_FIELD_LAST_NAME },
    { "title", CONTACT_FIELD_TITLE },
    { "jobtitle", CONTACT_FIELD_TITLE },
    { "position", CONTACT_FIELD_TITLE },
    { "role", CONTACT_FIELD_TITLE },
    { "jobrole", CONTACT_FIELD_TITLE },
    { "company", CONTACT_FIELD_COMPANY },
    { "companyname", CONTACT_FIELD_COMPANY },
    { "organization", CONTACT_FIELD_COMPANY },
    { "organisation", CONTACT_FIELD_COMPANY },
    { "organizationname", CONTACT_FIELD_COMPANY },
    { "organisationname", CONTACT_FIELD_COMPANY },
    { "org", CONTACT_FIELD_COMPANY },
    { "accountname", CONTACT_FIELD_COMPANY },
    { "account", CONTACT_FIELD_COMPANY },
    { "employer", CONTACT_FIELD_COMPANY },
    { "businessname", CONTACT_FIELD_COMPANY },
    { "domain", CONTACT_FIELD_DOMAIN },
    { "companydomain", CONTACT_FIELD_DOMAIN },
    { "emaildomain", CONTACT_FIELD_DOMAIN },
    { "website", CONTACT_FIELD_DOMAIN },
    { "companywebsite", CONTACT_FIELD_DOMAIN },
    { "url", CONTACT_FIELD_DOMAIN },
    { "web", CONTACT_FIELD_DOMAIN },
};

enum contact_field contact_header_field(const char *header)
{
    char buf[32];
    size_t len = 0;

    if (!header)
        return CONTACT_FIELD_EXTRA;
    for (const unsigned char *p = (const unsigned char *)header; *p; p++) {
        if (is_space(*p) || *p == '_' || *p == '-' || *p == '.')
            continue;
        if (len + 1 >= sizeof(buf))
            return CONTACT_FIELD_EXTRA; /* longer than any alias */
        buf[len++] = (char)lower(*p);
    }
    buf[len] = '\0';
    for (size_t i = 0; i < sizeof(header_aliases) / sizeof(*header_aliases);
         i++)
        if (strcmp(buf, header_aliases[i].name) == 0)
            return header_aliases[i].field;
    return CONTACT_FIELD_EXTRA;
}

char *contact_field_key(const char *header)
{
    char *out;
    size_t len = 0;
    bool brk = false;

    if (!header)
        return NULL;
    out = xmalloc(strlen(header) + 1);
    for (const unsigned char *p = (const unsigned char *)header; *p; p++) {
        unsigned char c = lower(*p);

        if ((c >= 'a' && c <= 'z') || is_digit(c)) {
            if (brk && len > 0)
                out[len++] = '_';
            brk = false;
            out[len++] = (char)c;
        } else if (is_space(c) || c == '-' || c == '_') {
            brk = true;
        }
        /* anything else is dropped without breaking a word */
    }
    out[len] = '\0';
    if (len == 0) {
        free(out);
        return NULL;
    }
    return out;
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

/* Company values that name no company, lower case. */
static const char *const company_placeholders[] = {
    "-",          "confidential", "freelance", "freelancer", "independent",
    "n/a",        "none",         "retired",   "self-employed", "stealth",
    "student",    "unemployed",
};

bool contact_company_placeholder(const char *value)
{
    const char *e;
    size_t len;

    if (!value)
        return false;
    while (is_space((unsigned char)*value))
        value++;
    e = value + strlen(value);
    while (e > value && is_space((unsigned char)e[-1]))
        e--;
    len = (size_t)(e - value);
    for (size_t i = 0; i < sizeof(company_placeholders) /
                               sizeof(*company_placeholders); i++) {
        const char *p = company_placeholders[i];
        size_t k = 0;

        while (k < len && p[k] == (char)lower((unsigned char)value[k]))
            k++;
        if (k == len && p[k] == '\0')
            return true;
    }
    return false;
}
