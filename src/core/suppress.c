/* suppress.c - suppression values.  See suppress.h.  Pure. */
#include "suppress.h"

#include <stdlib.h>
#include <string.h>

#include "contact.h"
#include "util.h"

#include "banned.h"

static const char wildcard_reason[] =
    "'*' is only understood as '*@domain'; '@domain' covers its subdomains";

/*
 * "@domain" for a domain that is valid as the domain of an address: the
 * address rules have one home (contact_email_normalize), so the domain is
 * checked behind a placeholder local part.
 */
static char *domain_value(const char *d, const char **reason)
{
    char *probe = xasprintf("x@%s", d);
    char *norm = contact_email_normalize(probe, reason);
    char *v = norm ? xasprintf("@%s", norm + 2) : NULL;

    free(norm);
    free(probe);
    return v;
}

char *suppress_value(const char *in, bool *respelled, const char **reason)
{
    char *s = str_trim(xstrdup(in ? in : ""));
    const char *domain = NULL;
    bool other = false;
    char *v;

    if (s[0] == '@') {
        domain = s + 1;
    } else if (s[0] == '*' && s[1] == '@') {
        domain = s + 2;
        other = true;
    } else if (*s && !strchr(s, '@')) {
        domain = s;
        other = true;
    }
    if (domain && strchr(domain, '*')) {
        v = NULL;
        if (reason)
            *reason = wildcard_reason;
    } else if (domain) {
        v = domain_value(domain, reason);
    } else {
        v = contact_email_normalize(s, reason);
        /* "*@x" is handled above; a '*' elsewhere in a local part is a
         * legal address character, and an address it stays. */
    }
    if (v && respelled)
        *respelled = other;
    if (!v && !domain && strchr(s, '*') && reason)
        *reason = wildcard_reason;
    free(s);
    return v;
}
