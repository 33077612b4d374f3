/*
 * unsub.h - the per-recipient unsubscribe.url.
 *
 * The configured URL may hold two variables, rendered for each recipient:
 *   {{email}}  the contact's address, percent-encoded (every byte but
 *              A-Z a-z 0-9 - . _ ~ as %XX, upper-case hex);
 *   {{token}}  lower-case hex of HMAC-SHA256(K, lower-cased address), where
 *              K = HMAC-SHA256(key file's 32 bytes, "mailrota-unsubscribe"),
 *              so an endpoint holding K can check a link was ours without
 *              the key file's key itself.
 * Any other variable, or a default, is a configuration error.
 * Pure (OpenSSL's HMAC only).
 */
#ifndef MAILROTA_UNSUB_H
#define MAILROTA_UNSUB_H

#include <stdbool.h>

#include "err.h"
#include "key_len.h"

#define UNSUB_KEY_LABEL "mailrota-unsubscribe"

/*
 * Checks the variables of url; *needs_key (may be NULL) tells whether it
 * uses {{token}}.  Errors: ERR_DATA naming the bad variable, without a
 * place (the caller adds the key and line).
 */
int unsub_url_check(const char *url, bool *needs_key, struct errinfo *ei);

/*
 * Renders url for the address `email`; key is the key file's key, NULL
 * when there is none (then {{token}} is an error).  *out is new.
 * Errors: ERR_DATA; ERR_CONFIG for {{token}} without a key.
 */
int unsub_url_render(const char *url, const char *email,
                     const unsigned char *key, char **out,
                     struct errinfo *ei);

#endif
