/*
 * creds.c - a mailbox's password and SMTP options.  See creds.h.
 */
#include "creds.h"

#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "util.h"

#include "banned.h"

int creds_protect_env(struct db *db, const struct config *cfg,
                      struct errinfo *ei)
{
    secret_env_protect(cfg->oauth.client_secret_env);
    return store_password_envs(db, secret_env_protect, ei);
}

char *creds_password(const struct rp_mailbox *m, const unsigned char *key,
                     int cmd_timeout, struct errinfo *ei)
{
    char *pw = NULL, *aad;

    if (m->password_env) {
        if (secret_from_env(m->password_env, &pw, ei) < 0)
            return NULL;
    } else if (m->password_cmd) {
        if (secret_from_cmd(m->password_cmd, cmd_timeout, &pw, ei) < 0)
            return NULL;
    } else if (m->secret) {
        if (!key) {
            err_set(ei, ERR_CONFIG, "no key file to decrypt its password");
            return NULL;
        }
        aad = xstrdup(m->email);
        str_lower(aad);
        if (secret_decrypt(key, m->secret, aad, &pw, NULL, ei) < 0) {
            free(aad);
            return NULL;
        }
        free(aad);
    } else {
        err_set(ei, ERR_CONFIG, "no password: set one with 'mailbox set %s "
                "--password-env VAR' (or --password-cmd, --password-stdin)",
                m->email);
        return NULL;
    }
    if (secret_clean_password(pw, ei) < 0) {
        secret_free(pw);
        return NULL;
    }
    return pw;
}

bool creds_uses_oauth(const struct rp_mailbox *m)
{
    return strcmp(m->auth, "xoauth2") == 0 || strcmp(m->auth, "graph") == 0;
}

void creds_smtp_opts(const struct config *cfg, const struct rp_mailbox *m,
                     const char *password, const char *bearer,
                     struct smtp_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->host = cfg->smtp.host;
    o->port = cfg->smtp.port;
    o->security = cfg->smtp.security;
    o->allow_plaintext_auth = cfg->smtp.allow_plaintext_auth;
    o->helo_name = cfg->smtp.helo_name ? cfg->smtp.helo_name
                                       : strchr(m->email, '@') + 1;
    o->timeout_seconds = cfg->smtp.timeout_seconds;
    o->verify_peer = cfg->tls.verify_peer;
    o->ca_file = cfg->tls.ca_file;
    o->username = m->email;
    o->password = password;
    o->bearer = bearer;
    o->mechanism = strcmp(m->auth, "login") == 0 ? "LOGIN"
                   : strcmp(m->auth, "plain") == 0 ? "PLAIN" : NULL;
}

void creds_diagnose_who(const struct config *cfg, const struct rp_mailbox *m,
                        struct diagnose_who *who)
{
    memset(who, 0, sizeof(*who));
    who->email = m->email;
    who->host = cfg->smtp.host;
    who->port = cfg->smtp.port;
    if (m->password_env) {
        who->pw = DIAGNOSE_PW_ENV;
        who->pw_env = m->password_env;
    } else if (m->password_cmd) {
        who->pw = DIAGNOSE_PW_CMD;
    } else if (m->secret) {
        who->pw = DIAGNOSE_PW_STORED;
    }
}
