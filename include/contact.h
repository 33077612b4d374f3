/*
 * contact.h - pure helpers for importing contacts: email validation and
 * normalisation, the company-name key used to match companies, the
 * free-mail domain list, and CSV header mapping.  Everything here is pure
 * (no file, network, database, clock, environment or randomness).
 *
 * Inputs are NUL-terminated strings, expected to be UTF-8 (the CSV reader
 * guarantees it).  Returned char * strings are new and owned by the caller,
 * who frees them; allocation failure aborts (xmalloc).
 */
#ifndef MAILROTA_CONTACT_H
#define MAILROTA_CONTACT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Trims ASCII whitespace, validates and normalises an email address.
 *
 * Accepted: exactly one '@'; a local part of 1-64 characters from the
 * RFC 5322 dot-atom set (A-Z a-z 0-9 and !#$%&'*+-/=?^_`{|}~ plus '.', with
 * no leading, trailing or consecutive dots; quoted local parts, non-ASCII
 * and a "=?" later followed by "?=", which some parsers decode as an
 * RFC 2047 encoded word into another address, are refused); a domain of
 * labels of 1-63 characters [A-Za-z0-9-], none starting or ending with '-',
 * at least two labels, and a top-level label of two or more letters or an
 * "xn--" label (IDNs must be in punycode); at most 254 characters in all.
 *
 * Returns the address with the domain lower-cased and the local part kept as
 * written, or NULL when invalid; then *reason (when reason is not NULL) is
 * set to a static lower-case phrase:
 *   "empty email", "email longer than 254 characters", "missing '@'",
 *   "more than one '@'", "empty local part",
 *   "local part longer than 64 characters",
 *   "invalid character in local part",
 *   "local part starts or ends with a dot", "consecutive dots in local part",
 *   "encoded word ('=?...?=') in local part",
 *   "empty domain", "domain has no dot", "empty label in domain",
 *   "domain label longer than 63 characters",
 *   "invalid character in domain",
 *   "domain label starts or ends with a hyphen", "invalid top-level domain".
 * *reason is left untouched on success.  Pure.
 */
char *contact_email_normalize(const char *in, const char **reason);

/*
 * The domain of an email: a pointer just after its last '@', borrowed from
 * email and valid as long as it is; NULL when there is no '@'.  Pure.
 */
const char *contact_email_domain(const char *email);

/*
 * The key under which company names are matched ("Acme Inc." == "ACME" ==
 * "acme, inc" == "  Acme   LLC"; "Acme Holdings" stays distinct).
 *
 *   - ASCII letters and Latin-1 capitals (U+00C0-U+00DE) are lower-cased;
 *     other non-ASCII text is kept as is.
 *   - '&' is the word "and" ("Johnson & Johnson" == "Johnson and Johnson").
 *   - '.', '/', apostrophes (' and U+2019) are removed, so "L.L.C." is
 *     "llc", "A/S" is "as" and "McDonald's" is "mcdonalds"; every other ASCII
 *     punctuation character, ASCII whitespace and U+00A0 separate words
 *     ("Coca-Cola" == "Coca Cola"), and runs of separators become one space.
 *   - A leading "the" is dropped, then legal-form suffixes are dropped from
 *     the end repeatedly ("Foo GmbH & Co. KG" -> "foo"), with an "and" left
 *     dangling by that ("Smith & Co." -> "smith"): inc incorporated corp
 *     corporation co company cos llc llp lllp lp pllc ltd ltda limited plc
 *     gmbh mbh ag kg kgaa ug se sa sas sarl sl spa srl bv nv oy oyj ab as asa
 *     aps pty pte pvt kk bhd sdn.
 *   - The last remaining word is never dropped: "The Company" -> "company",
 *     "Inc." -> "inc".  A name should not vanish into another company's key
 *     or into none.
 *
 * Returns a new string, or NULL when the name has no word at all: NULL,
 * empty, or only whitespace and punctuation ("", "-", "..."; but "N/A" is
 * the word "na").  Pure.
 */
char *contact_company_key(const char *name);

/*
 * True when a company value is a placeholder that names no company (after
 * trimming ASCII whitespace, any case): N/A, -, none, self-employed,
 * freelance, freelancer, independent, retired, student, unemployed,
 * confidential, stealth.  Such a value is no company value.  NULL and empty
 * are not placeholders (they are no value already).  Pure.
 */
bool contact_company_placeholder(const char *value);

/*
 * True when domain (any case) is a free-mail provider: one of the built-in
 * list (gmail.com, outlook.com, hotmail.*, yahoo.*, icloud.com, proton.me,
 * gmx.*, web.de, qq.com, mail.ru, ... 117 domains) or one of
 * extra[0..n_extra) (compared case-insensitively; extra may be NULL when
 * n_extra is 0).  Subdomains do not match.  Pure.
 */
bool contact_is_freemail(const char *domain, char *const *extra,
                         size_t n_extra);

enum contact_field {
    CONTACT_FIELD_EXTRA = 0, /* not a known column: goes to fields_json */
    CONTACT_FIELD_EMAIL,
    CONTACT_FIELD_FIRST_NAME,
    CONTACT_FIELD_LAST_NAME,
    CONTACT_FIELD_TITLE,
    CONTACT_FIELD_COMPANY,
    CONTACT_FIELD_DOMAIN,
    CONTACT_FIELD_TIMEZONE,  /* an IANA zone (schedule.zone: recipient) */
};
#define CONTACT_FIELD_LAST CONTACT_FIELD_TIMEZONE

/*
 * Maps a CSV header to a known field, case-insensitively and ignoring ASCII
 * whitespace, '_', '-' and '.' ("E-mail", "email_address", "First Name",
 * "Job Title" ...).  Aliases:
 *   email:      email, e-mail, email address, mail, work email,
 *               business email, email addr
 *   first name: first name, firstname, given name, first, forename
 *   last name:  last name, lastname, surname, family name, last
 *   title:      title, job title, position, role, job role
 *   company:    company, company name, organization, organisation,
 *               organization name, organisation name, org, account name,
 *               account, employer, business name
 *   domain:     domain, company domain, email domain, website,
 *               company website, web site, url, web
 *   timezone:   timezone, time zone, tz, zone
 * Anything else (and NULL) is CONTACT_FIELD_EXTRA.  Pure.
 */
enum contact_field contact_header_field(const char *header);

/*
 * The key of an extra column in fields_json and templates: ASCII whitespace
 * trimmed, lower-cased, each run of whitespace, '-' and '_' made one '_',
 * every other character outside [a-z0-9] dropped, leading and trailing '_'
 * removed.  "Job Title" -> "job_title", " Favourite  Colour " ->
 * "favourite_colour", "Price ($)" -> "price".  Returns a new string, or NULL
 * when nothing is left.  Pure.
 */
char *contact_field_key(const char *header);

/*
 * Normalises a value from a CSV domain/website column: trims, lower-cases,
 * and removes a scheme ("https://"), user info ("bob@"), everything from the
 * first '/', '?', '#' or ':' (path, query, port), a trailing dot, and a
 * leading "www." when a dot remains: "https://www.Acme.com/about" ->
 * "acme.com".  Returns a new string, or NULL when what is left is not a
 * plausible domain (same rules as the domain of an email).  Pure.
 */
char *contact_domain_normalize(const char *in);

#endif
