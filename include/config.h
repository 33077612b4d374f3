/*
 * config.h - mailrota.yaml loaded with libyaml into a plain struct.
 *
 * All defaults live in config_set_defaults().  Every key of
 * config.example.yaml is known; an unknown key, a wrong type or an impossible
 * value is an ERR_CONFIG naming "FILE:LINE: key 'a.b': ...".  Relative paths
 * (database, key_file, tls.ca_file) are resolved against the directory of the
 * config file (the current directory when no file was found).
 * Not pure: reads files, stats the time zone database.
 */
#ifndef MAILROTA_CONFIG_H
#define MAILROTA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "window.h"
#include "err.h"

enum smtp_security {
    SMTP_SECURITY_STARTTLS = 0,
    SMTP_SECURITY_IMPLICIT,
    SMTP_SECURITY_NONE,
};

struct config_tls {
    bool verify_peer;          /* default true */
    char *ca_file;             /* NULL: system bundle; resolved path */
};

struct config_smtp {
    char *host;                /* default smtp.office365.com */
    int port;                  /* default 587 */
    enum smtp_security security;
    bool allow_plaintext_auth; /* default false */
    char *helo_name;           /* NULL: the sender's domain */
    int timeout_seconds;       /* default 30 */
};

struct config_oauth {
    char *tenant_id;           /* default "" */
    char *client_id;           /* default "" */
    char *client_secret_env;   /* default MAILROTA_CLIENT_SECRET */
    char *client_secret_cmd;   /* default NULL */
    char *token_url;           /* default ...{tenant}/oauth2/v2.0/token */
    char *scope;               /* default https://outlook.office365.com/.default */
};

struct config_graph {
    char *base_url;            /* default https://graph.microsoft.com/v1.0 */
    char *scope;               /* default https://graph.microsoft.com/.default */
};

/* The most sends per mailbox per day: rules.daily_cap and --daily-cap. */
#define CONFIG_DAILY_CAP_MAX 10000

struct config_rules {
    int daily_cap;             /* 30 */
    int cooldown_days;         /* 10 */
    int max_contacts_per_company; /* 4 */
    int max_attempts;          /* 3 */
    int min_gap_seconds;       /* 0 */
    int gap_jitter_seconds;    /* 0 */
    int max_per_minute;        /* 30 */
    int max_run_minutes;       /* 0: no limit */
    bool stop_company_on_reply;/* true: a reply stops its company in that
                                  campaign (company_replied) */
    /* Bounce-rate protection (bouncerate.h); bounce_min_sends above
     * bounce_window turns it off. */
    int bounce_window;         /* 50 */
    int bounce_min_sends;      /* 20 */
    double max_bounce_rate;    /* 0.03 */
    /* rules.ramp: the ramp of a mailbox added without --ramp (caps.h);
     * ramp_start 0: none (the default) */
    int ramp_start;
    int ramp_step;
};

/*
 * inbound.unsubscribe_words when the config names none (SPEC "Inbound"):
 * the words and phrases that make a reply an unsubscribe request.  The
 * classifier (inbound_class.h) takes the list as a parameter.
 */
#define CONFIG_UNSUBSCRIBE_WORDS_DEFAULT                                    \
    "unsubscribe", "remove me", "opt out", "opt-out", "take me off",        \
    "stop emailing", "do not contact", "abmelden",                          \
    "d\xc3\xa9sinscrire", "darse de baja"

struct config_unsubscribe {
    char *mailto;              /* "" or NULL: no mailto */
    char *url;                 /* "" or NULL: no one-click URL */
};

/* SPEC "Inbound": reading each mailbox's inbox (the `inbox` command). */
struct config_inbound {
    bool enabled;              /* true */
    bool configured;           /* the file sets some inbound.* key: `run`
                                  reads inboxes first only then */
    char *imap_host;           /* outlook.office365.com */
    int imap_port;             /* 993 */
    enum smtp_security imap_security; /* implicit or starttls (never none) */
    char *folder;              /* INBOX */
    int lookback_days;         /* 14: the first read looks back this far */
    bool has_unsubscribe_words;/* false: CONFIG_UNSUBSCRIBE_WORDS_DEFAULT */
    char **unsubscribe_words;
    size_t n_unsubscribe_words;
};

/* SPEC "Schedule and ramp-up": when mail may go out. */
struct config_schedule {
    bool configured;           /* the file has schedule.* keys; else any
                                  time */
    struct window win;         /* days mon-fri, 08:30 to 17:00 */
    bool zone_recipient;       /* zone: recipient (the contact's zone) */
    bool spread;               /* false */
};

struct config {
    char *path;                /* the file loaded; NULL when none was found */
    char *dir;                 /* base directory for relative paths */
    char *database;            /* resolved; default ./mailrota.db */
    char *timezone;            /* IANA name; default UTC */
    char *key_file;            /* resolved; default ./mailrota.key */
    int secret_cmd_timeout_seconds;  /* password/client-secret commands */
    struct config_tls tls;
    struct config_smtp smtp;
    struct config_oauth oauth;
    struct config_graph graph;
    struct config_rules rules;
    char **free_mail_domains;  /* lower-cased, added to the built-in list */
    size_t n_free_mail_domains;
    struct config_unsubscribe unsubscribe;
    struct config_inbound inbound;
    struct config_schedule schedule;
    /* Set when the file is readable by group/others and names a secret
     * source (oauth.client_secret_env / client_secret_cmd): the caller warns. */
    bool insecure_secret_source;
};

/* Fills c with every default; dir is "." and path NULL.  Owns its strings. */
void config_set_defaults(struct config *c);

/*
 * Picks the config file: `explicit` (from -c) if not NULL, else
 * $MAILROTA_CONFIG, else ./config.yaml, ~/.config/mailrota/config.yaml,
 * /etc/mailrota/config.yaml, the first that exists.  *out is a new string,
 * or NULL when none exists (defaults apply).
 * Errors: ERR_CONFIG when an explicit or $MAILROTA_CONFIG file is missing.
 */
int config_find(const char *explicit, char **out, struct errinfo *ei);

/*
 * Loads `path` on top of the defaults already in c (call config_set_defaults
 * first) and validates the result.  On error c still holds valid, owned
 * values (safe to config_release).
 * Errors: ERR_CONFIG (syntax, unknown key, wrong type, impossible value,
 * unreadable file), each naming file, line and key.
 */
int config_load(struct config *c, const char *path, struct errinfo *ei);

/* Replaces c->database with `path` resolved against the current directory. */
void config_set_database(struct config *c, const char *path);

void config_release(struct config *c);

#endif
