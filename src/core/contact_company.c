/*
 * contact_company.c - company names: the key two spellings of one company
 * share ("The Acme Corp." and "ACME corporation" → "acme"), and the values
 * that name no company at all ("n/a", "freelance").  Pure.
 */
#include "contact.h"

#include <stdlib.h>
#include <string.h>

#include "contact_int.h"
#include "util.h"

#include "banned.h"

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

/*
 * Folds name into out (room for 4 bytes per input byte, since '&' becomes
 * " and"): ASCII lower case, U+00C0-U+00DE lowered, '&' as "and", the
 * joiners . / ' and typographic apostrophes dropped, and one space for any
 * run of other ASCII.  Returns the length.
 */
static size_t key_fold(const char *name, char *out)
{
    const unsigned char *p = (const unsigned char *)name;
    size_t len = 0;
    bool brk = false;

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
    return len;
}

/*
 * The words to keep, words[*first .. *first + *count): without a leading
 * "the" and without trailing legal forms (and an "and" just before them),
 * but never fewer than one word.
 */
static void key_trim(char *const *words, size_t nwords, size_t *first,
                     size_t *count)
{
    bool stripped = false;

    *first = 0;
    *count = nwords;
    if (*count > 1 && strcmp(words[0], "the") == 0) {
        (*first)++;
        (*count)--;
    }
    while (*count > 1) {
        const char *w = words[*first + *count - 1];

        if (is_legal_suffix(w)) {
            stripped = true;
            (*count)--;
        } else if (stripped && strcmp(w, "and") == 0) {
            (*count)--;
        } else {
            break;
        }
    }
}

char *contact_company_key(const char *name)
{
    char *out, *res;
    char **words;
    size_t len, nwords = 0, first, count;

    if (!name)
        return NULL;
    /* worst case: every byte is '&', which becomes " and" */
    out = xmalloc(strlen(name) * 4 + 1);
    len = key_fold(name, out);
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
    key_trim(words, nwords, &first, &count);

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
