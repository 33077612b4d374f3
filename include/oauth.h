/*
 * oauth.h - OAuth 2.0 client-credentials tokens for Microsoft 365 (SPEC
 * "Credentials and Microsoft 365"): one app registration (oauth.tenant_id,
 * oauth.client_id, a client secret from the environment or a command)
 * asks oauth.token_url over HTTPS for a token per scope (SMTP's
 * oauth.scope, Graph's graph.scope).
 *
 * A token is shared by every mailbox of the tenant and kept until less
 * than 5 minutes, or a tenth of its lifetime if that is shorter, remain:
 * in memory for the run, and in the database table oauth_tokens encrypted
 * with the key file (AES-256-GCM, the tenant, client and scope as
 * associated data), so the next run need not ask again.  One cache serves
 * all of a run's threads; while one thread fetches, the others wait for
 * its token instead of asking too.
 *
 * No token, client secret or request body is ever logged or put in an
 * error message.  Not pure: network, database, clock, environment.
 */
#ifndef MAILROTA_OAUTH_H
#define MAILROTA_OAUTH_H

#include <stdbool.h>

#include "bounce.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "secret.h"

struct oauth_cache;

/*
 * A cache for cfg's app registration.  db (may be NULL: no stored tokens)
 * is used only by the cache, under its lock, and stays the caller's; key
 * (NULL: tokens are kept in memory only) is copied.
 */
struct oauth_cache *oauth_cache_new(const struct config *cfg, struct db *db,
                                    const unsigned char *key);
/* Wipes every token and the client secret.  NULL is a no-op. */
void oauth_cache_free(struct oauth_cache *c);

/*
 * Checks that the configuration names a tenant, a client and a client
 * secret source, and reads the client secret (once per cache).
 * Errors: ERR_CONFIG naming the key to set (the secret's value is never
 * shown).
 */
int oauth_cache_ready(struct oauth_cache *c, struct errinfo *ei);

/*
 * A token for `scope` valid for now: from memory, else the database, else
 * the token endpoint.  `refetch` skips memory and database (a server
 * refused the token they gave).  *out is new (release with secret_free());
 * *fetched (may be NULL) tells whether this cache got it from the endpoint
 * (rather than from the database, where it may have been revoked since:
 * asking again with `refetch` can then help).  Returns 0, or -1 with *reply filled as a try at STAGE_TOKEN: the
 * HTTP status (0 when the endpoint was not reached) and the text
 * "error: description" of Entra ID's answer (AADSTS code included).
 */
int oauth_token(struct oauth_cache *c, const char *scope, bool refetch,
                char **out, bool *fetched, struct smtp_reply *reply);

/*
 * Whether the token is a JWT whose payload lists `role` in its "roles"
 * (an application permission such as SMTP.SendAsApp or Mail.Send):
 * 1 yes, 0 no, -1 not a JWT (nothing can be said).
 */
int oauth_token_has_role(const char *token, const char *role);

#endif
