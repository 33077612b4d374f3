/*
 * contact_fields.c - CSV header names: which contact field a column holds
 * ("E-mail Address" → email) and the template variable key of any other
 * column ("Deal Stage" → deal_stage).  Pure.
 */
#include "contact.h"

#include <stdlib.h>
#include <string.h>

#include "contact_int.h"
#include "util.h"

#include "banned.h"

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
    { "timezone", CONTACT_FIELD_TIMEZONE },
    { "tz", CONTACT_FIELD_TIMEZONE },
    { "zone", CONTACT_FIELD_TIMEZONE },
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
