/*
 * creds.h - how a roster mailbox authenticates, shared by `run` and
 * `mailbox test`: its password (environment, command, or the stored
 * ciphertext) and its SMTP session options.  Not pure (environment,
 * commands).
 */
#ifndef MAILROTA_CREDS_H
#define MAILROTA_CREDS_H

#include <stdbool.h>

#include "config.h"
#include "db.h"
#include "diagnose.h"
#include "err.h"
#include "runplan.h"
#include "secret.h"
#include "smtp.h"

/*
 * The password of a plain/login mailbox, spaces removed.  key is NULL when
 * there is no key file; a password command has cmd_timeout seconds (see
 * secret_from_cmd).  The result is new (release with secret_free()).
 * Errors: ERR_CONFIG naming what to set (never a value), ERR_DATA (stored
 * secret unreadable).
 */
char *creds_password(const struct rp_mailbox *m, const unsigned char *key,
                     int cmd_timeout, struct errinfo *ei);

/*
 * Names every secret variable mailrota knows of to secret_env_protect():
 * cfg's oauth.client_secret_env and the password_env of every mailbox on
 * the roster in db, so that no password or client-secret command sees
 * another's secret.  Errors: ERR_DB.
 */
int creds_protect_env(struct db *db, const struct config *cfg,
                      struct errinfo *ei);

/* Whether the mailbox authenticates with an OAuth token. */
bool creds_uses_oauth(const struct rp_mailbox *m);

/*
 * SMTP options for m from cfg; password and bearer are borrowed (bearer:
 * any placeholder for an xoauth2 mailbox whose token is set later).
 */
void creds_smtp_opts(const struct config *cfg, const struct rp_mailbox *m,
                     const char *password, const char *bearer,
                     struct smtp_opts *o);

/*
 * What a diagnosis of m's replies needs to name its fix: the address, where
 * its password comes from, and cfg's SMTP server.  Borrows from both.
 */
void creds_diagnose_who(const struct config *cfg, const struct rp_mailbox *m,
                        struct diagnose_who *who);

#endif
