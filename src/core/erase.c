/* erase.c - an erased person's suppression value and texts without their
 * address.  See erase.h.  Pure. */
#include "erase.h"

#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "util.h"

#include "banned.h"

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool erase_value(const char *email, char out[ERASE_VALUE_LEN])
{
    char *lower = xstrdup(email);
    bool ok;

    for (char *p = lower; *p; p++)
        *p = ascii_lower(*p);
    memcpy(out, "sha256:", 7);
    ok = digest_sha256_hex(lower, strlen(lower), out + 7) == 0;
    free(lower);
    return ok;
}

bool erase_is_value(const char *value)
{
    return value && strncmp(value, "sha256:", 7) == 0;
}

/* Whether addr (n bytes) starts at p, ignoring ASCII case. */
static bool at(const char *p, const char *addr, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!p[i] || ascii_lower(p[i]) != ascii_lower(addr[i]))
            return false;
    return true;
}

static bool alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
}

/* Whether c, just before the address, makes it part of a longer one:
 * the characters local parts are made of in practice.  Not every RFC 5322
 * atext: "rcpt=bob@x.com" in a server's text is bob, and cutting too much
 * out of a stranger's text is better than leaving the person in. */
static bool local_char(char c)
{
    return alnum(c) || (c && strchr("._+-", c));
}

/*
 * Whether the address at p (n bytes, start of text at `start`) stands on
 * its own: "jimbob@x.com" and "bob@x.com.au" are other people than
 * "bob@x.com"; "<bob@x.com>." is bob.
 */
static bool bounded(const char *start, const char *p, size_t n)
{
    const char *e = p + n;

    if (p > start && local_char(p[-1]))
        return false;
    if (alnum(*e) || *e == '-')
        return false;
    return !(*e == '.' && (alnum(e[1]) || e[1] == '-'));
}

char *erase_text(const char *text, const char *addr)
{
    size_t n = addr ? strlen(addr) : 0;
    struct strbuf sb;
    char *text_out;
    bool found = false;

    if (!text || n == 0)
        return NULL;
    sb_init(&sb, 0);
    for (const char *p = text; *p;) {
        if (at(p, addr, n) && bounded(text, p, n)) {
            sb_adds(&sb, ERASE_TOKEN);
            p += n;
            found = true;
        } else {
            sb_addch(&sb, *p++);
        }
    }
    if (!found) {
        sb_release(&sb);
        return NULL;
    }
    text_out = sb_detach(&sb, NULL);
    sb_release(&sb);   /* sb_detach leaves a fresh buffer behind */
    return text_out;
}
