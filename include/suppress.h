/*
 * suppress.h - what a suppression value is: an address ("a@b.com") or a
 * domain ("@b.com", covering b.com and its subdomains), and how the
 * spellings a user types map to one of the two.  Shared by `suppress
 * add|remove|list` and the planner's loader, so a value stored in any
 * spelling means the same everywhere.  Pure.
 */
#ifndef MAILROTA_SUPPRESS_H
#define MAILROTA_SUPPRESS_H

#include <stdbool.h>

/*
 * Reads `in` (surrounding ASCII whitespace ignored) as a suppression value:
 *
 *   "a@B.com"      -> "a@b.com"   an address (contact_email_normalize():
 *                                 domain lower-cased, local part as typed)
 *   "@B.com"       -> "@b.com"    a domain
 *   "B.com"        -> "@b.com"    a bare domain, *respelled = true
 *   "*@B.com"      -> "@b.com"    "everyone at", *respelled = true
 *
 * A domain must be valid as the domain of an address (labels of letters,
 * digits and '-', at least one dot, a real top-level label).  Any other
 * '*' is refused: "@b.com" already covers every subdomain.
 *
 * Returns a new string (free()), or NULL with *reason (when reason is not
 * NULL) set to a static lower-case phrase: the address or domain rule that
 * failed, or "'*' is only understood as '*@domain'; '@domain' covers its
 * subdomains".  *respelled (may be NULL) is written on success only.
 */
char *suppress_value(const char *in, bool *respelled, const char **reason);

#endif
