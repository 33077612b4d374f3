/*
 * config.c - mailrota.yaml → struct config: the defaults, copying and
 * releasing a config, path arithmetic, and finding the file.
 *
 * The loader is split by concern (config_int.h lists the pieces): reading
 * and walking the YAML in config_yaml.c, the key table and typed setters in
 * config_keys.c, the value checks in config_values.c.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_int.h"
#include "secret.h"
#include "util.h"

#include "banned.h"

/* Every char * of struct config except the domain list: copied and freed
 * generically so a new string field is one line here. */
static const size_t string_fields[] = {
    OFF(path),
    OFF(dir),
    OFF(database),
    OFF(timezone),
    OFF(key_file),
    OFF(tls.ca_file),
    OFF(smtp.host),
    OFF(smtp.helo_name),
    OFF(oauth.tenant_id),
    OFF(oauth.client_id),
    OFF(oauth.client_secret_env),
    OFF(oauth.client_secret_cmd),
    OFF(oauth.token_url),
    OFF(oauth.scope),
    OFF(graph.base_url),
    OFF(graph.scope),
    OFF(unsubscribe.mailto),
    OFF(unsubscribe.url),
    OFF(inbound.imap_host),
    OFF(inbound.folder),
};

#define N_STRING_FIELDS (sizeof(string_fields) / sizeof(string_fields[0]))

/* ------------------------------------------------------------------ */
/* Defaults, copy, release                                             */

void config_set_defaults(struct config *c)
{
    memset(c, 0, sizeof(*c));
    c->path = NULL;
    c->dir = xstrdup(".");
    c->database = xstrdup(DEFAULT_DATABASE);
    c->timezone = xstrdup("UTC");
    c->key_file = xstrdup(DEFAULT_KEY_FILE);
    c->tls.verify_peer = true;
    c->tls.ca_file = NULL;
    c->smtp.host = xstrdup("smtp.office365.com");
    c->smtp.port = 587;
    c->smtp.security = SMTP_SECURITY_STARTTLS;
    c->smtp.allow_plaintext_auth = false;
    c->smtp.helo_name = NULL;
    c->smtp.timeout_seconds = 30;
    c->secret_cmd_timeout_seconds = SECRET_CMD_TIMEOUT;
    c->oauth.tenant_id = xstrdup("");
    c->oauth.client_id = xstrdup("");
    c->oauth.client_secret_env = xstrdup("MAILROTA_CLIENT_SECRET");
    c->oauth.client_secret_cmd = NULL;
    c->oauth.token_url = xstrdup(DEFAULT_TOKEN_URL);
    c->oauth.scope = xstrdup("https://outlook.office365.com/.default");
    c->graph.base_url = xstrdup("https://graph.microsoft.com/v1.0");
    c->graph.scope = xstrdup("https://graph.microsoft.com/.default");
    c->rules.daily_cap = 30;
    c->rules.cooldown_days = 10;
    c->rules.max_contacts_per_company = 4;
    c->rules.max_attempts = 3;
    c->rules.min_gap_seconds = 0;
    c->rules.gap_jitter_seconds = 0;
    c->rules.max_per_minute = 30;
    c->rules.max_run_minutes = 0;
    c->free_mail_domains = NULL;
    c->n_free_mail_domains = 0;
    c->unsubscribe.mailto = NULL;
    c->unsubscribe.url = NULL;
    c->rules.stop_company_on_reply = true;
    c->rules.bounce_window = 50;
    c->rules.bounce_min_sends = 20;
    c->rules.max_bounce_rate = 0.03;
    c->inbound.enabled = true;
    c->inbound.imap_host = xstrdup("outlook.office365.com");
    c->inbound.imap_port = 993;
    c->inbound.imap_security = SMTP_SECURITY_IMPLICIT;
    c->inbound.folder = xstrdup("INBOX");
    c->inbound.lookback_days = 14;
    c->schedule.win.days = WINDOW_ALL_DAYS & ~(WINDOW_DAY(5) | WINDOW_DAY(6));
    c->schedule.win.start_min = 8 * 60 + 30;
    c->schedule.win.end_min = 17 * 60;
    c->insecure_secret_source = false;
}

void config_free_words(struct config *c)
{
    for (size_t i = 0; i < c->inbound.n_unsubscribe_words; i++)
        free(c->inbound.unsubscribe_words[i]);
    free(c->inbound.unsubscribe_words);
    c->inbound.unsubscribe_words = NULL;
    c->inbound.n_unsubscribe_words = 0;
    c->inbound.has_unsubscribe_words = false;
}

void config_free_domains(struct config *c)
{
    for (size_t i = 0; i < c->n_free_mail_domains; i++)
        free(c->free_mail_domains[i]);
    free(c->free_mail_domains);
    c->free_mail_domains = NULL;
    c->n_free_mail_domains = 0;
}

void config_release(struct config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < N_STRING_FIELDS; i++) {
        char **p = FIELD(c, string_fields[i], char *);
        free(*p);
        *p = NULL;
    }
    config_free_domains(c);
    config_free_words(c);
}

void config_copy(struct config *dst, const struct config *src)
{
    *dst = *src;
    for (size_t i = 0; i < N_STRING_FIELDS; i++) {
        char **p = FIELD(dst, string_fields[i], char *);
        if (*p)
            *p = xstrdup(*p);
    }
    if (src->n_free_mail_domains) {
        dst->free_mail_domains =
            xcalloc(src->n_free_mail_domains, sizeof(char *));
        for (size_t i = 0; i < src->n_free_mail_domains; i++)
            dst->free_mail_domains[i] = xstrdup(src->free_mail_domains[i]);
    } else {
        dst->free_mail_domains = NULL;
    }
    dst->inbound.unsubscribe_words = NULL;
    if (src->inbound.n_unsubscribe_words) {
        dst->inbound.unsubscribe_words =
            xcalloc(src->inbound.n_unsubscribe_words, sizeof(char *));
        for (size_t i = 0; i < src->inbound.n_unsubscribe_words; i++)
            dst->inbound.unsubscribe_words[i] =
                xstrdup(src->inbound.unsubscribe_words[i]);
    }
}

/* ------------------------------------------------------------------ */
/* Paths                                                               */

/* "dir/p", with p's leading "./" folded away; absolute p is kept. */
char *cfg_path_join(const char *dir, const char *p)
{
    size_t dl = strlen(dir);

    if (p[0] == '/')
        return xstrdup(p);
    while (p[0] == '.' && p[1] == '/') {
        p += 2;
        while (*p == '/')
            p++;
    }
    if (strcmp(p, ".") == 0)
        p = "";
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    if (!*p)
        return xstrndup(dir, dl);
    if (dl == 1 && dir[0] == '/')
        return xasprintf("/%s", p);
    return xasprintf("%.*s/%s", (int)dl, dir, p);
}

/* The directory part of a file path: "." when there is none. */
char *cfg_path_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t end;

    if (!slash)
        return xstrdup(".");
    end = (size_t)(slash - path);
    while (end > 0 && path[end - 1] == '/')
        end--;
    if (end == 0)
        return xstrdup("/");
    return xstrndup(path, end);
}

void config_set_database(struct config *c, const char *path)
{
    free(c->database);
    c->database = *path ? cfg_path_join(".", path) : xstrdup(path);
}

/* ------------------------------------------------------------------ */
/* Finding the file                                                    */

int config_find(const char *explicit, char **out, struct errinfo *ei)
{
    struct stat st;
    const char *env, *home;
    char *cand = NULL;

    if (explicit) {
        if (stat(explicit, &st) < 0)
            return err_set(ei, ERR_CONFIG, "cannot use config file '%s' "
                           "(from -c): %s", explicit, strerror(errno));
        *out = xstrdup(explicit);
        return 0;
    }
    env = getenv("MAILROTA_CONFIG");
    if (env && *env) {
        if (stat(env, &st) < 0)
            return err_set(ei, ERR_CONFIG, "cannot use config file '%s' "
                           "(from MAILROTA_CONFIG): %s", env,
                           strerror(errno));
        *out = xstrdup(env);
        return 0;
    }
    if (stat("./config.yaml", &st) == 0) {
        *out = xstrdup("./config.yaml");
        return 0;
    }
    home = getenv("HOME");
    if (home && *home) {
        cand = cfg_path_join(home, ".config/mailrota/config.yaml");
        if (stat(cand, &st) == 0) {
            *out = cand;
            return 0;
        }
        free(cand);
    }
    if (stat("/etc/mailrota/config.yaml", &st) == 0) {
        *out = xstrdup("/etc/mailrota/config.yaml");
        return 0;
    }
    *out = NULL;
    return 0;
}

