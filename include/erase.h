/*
 * erase.h - what `contact forget` leaves of a person (SPEC "Contacts and
 * erasure"): the suppression value that stands for an erased address, and
 * texts with the address taken out.  Pure (OpenSSL's SHA-256 only).
 */
#ifndef MAILROTA_ERASE_H
#define MAILROTA_ERASE_H

#include "digest.h"
#include <stdbool.h>

/* "sha256:" and 64 lower-case hex digits, and the NUL. */
#define ERASE_VALUE_LEN (7 + DIGEST_HEX_LEN + 1)
/* The reason of an erasure's suppression row. */
#define ERASE_REASON "erased"
/* What stands in a text where the address was. */
#define ERASE_TOKEN "[erased]"

/*
 * out: "sha256:" + hex of SHA-256(email lower-cased, ASCII), the value of
 * the suppression that keeps an erased address from coming back.  The
 * caller passes the address normalised (contact_email_normalize), so that
 * every spelling of it gives one value.  Returns false only if OpenSSL
 * fails.
 */
bool erase_value(const char *email, char out[ERASE_VALUE_LEN]);

/* Whether a suppression value is an erasure's ("sha256:..."). */
bool erase_is_value(const char *value);

/*
 * text with every occurrence of addr, in any ASCII case, replaced by
 * ERASE_TOKEN: a new string (free()), or NULL when text does not name
 * addr (nothing to change).  Only the address on its own counts: not
 * inside a longer one ("jimbob@x.com", "bob@x.com.au" for "bob@x.com").
 * NULL text or an empty addr: NULL.
 */
char *erase_text(const char *text, const char *addr);

#endif
