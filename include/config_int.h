/*
 * config_int.h - private to the config loader (src/io/config*.c), not a
 * contract for anyone else: the table of known keys, the load context and
 * the helpers the pieces share.
 *
 *   config.c        defaults, copy, release, paths, finding the file
 *   config_yaml.c   reading the file, libyaml, walking the document, messages
 *   config_keys.c   the key table, key suggestions, typed setters
 *   config_values.c the value checks (host, URL, address, time zone, domains)
 */
#ifndef MAILROTA_CONFIG_INT_H
#define MAILROTA_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "config.h"
#include "err.h"

#define DEFAULT_DATABASE "./mailrota.db"
#define DEFAULT_KEY_FILE "./mailrota.key"
#define DEFAULT_TOKEN_URL \
    "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"

/* How much of a bad value an error message quotes. */
#define SHOW_MAX 60

enum key_kind {
    K_SECTION,  /* a mapping of "section.*" keys */
    K_PATH,     /* a file path, resolved against the config's directory */
    K_TZ,       /* an IANA time zone name present in the zoneinfo database */
    K_BOOL,
    K_INT,      /* decimal, in [min, max] */
    K_SECURITY, /* starttls | implicit | none */
    K_HOST,     /* host name, IPv4 or IPv6 literal */
    K_HELO,     /* host name only */
    K_TENANT,   /* a GUID or domain: goes into the token URL */
    K_TOKEN,    /* printable, no spaces */
    K_ENV,      /* an environment variable name */
    K_TEXT,     /* any single-line string */
    K_URL,      /* https:// only */
    K_MAILTO,   /* an email address */
    K_DOMAINS,  /* a list of domain names */
    K_WORDS,    /* a list of words or phrases (inbound.unsubscribe_words) */
    K_RATE,     /* a decimal fraction from 0 to 1 */
    K_RAMP,     /* "START:STEP" (caps.h), or null */
    K_WEEKDAYS, /* a list of mon..sun */
    K_HHMM,     /* "HH:MM", 00:00 to 24:00 */
    K_ZONEMODE, /* sender | recipient */
};

enum key_flags {
    KF_NULL = 1 << 0,  /* null, ~ or "" mean unset: stored as NULL */
    KF_EMPTY = 1 << 1, /* null, ~ or "" mean the empty string */
};

struct key_def {
    const char *name; /* dotted */
    enum key_kind kind;
    size_t off;       /* into struct config; unused for K_SECTION */
    int min, max;     /* K_INT */
    unsigned flags;
};

#define OFF(m) offsetof(struct config, m)
#define FIELD(c, off, type) ((type *)(void *)((char *)(c) + (off)))

/* Every known key (config_keys.c); a static assertion there keeps the
 * count true. */
#define CFG_N_KEYS 57
extern const struct key_def cfg_keys[];
/* What each kind of key expects, for messages. */
extern const char *const cfg_expect[];

struct load_ctx {
    const char *file;      /* as given, for messages */
    struct config *c;      /* the copy being filled */
    yaml_document_t *doc;
    int line[CFG_N_KEYS];  /* 1-based line where the file set each key */
};

/* config.c */
void config_copy(struct config *dst, const struct config *src);
void config_free_domains(struct config *c);
void config_free_words(struct config *c);
/* "dir/p", with p's leading "./" folded away; absolute p is kept. */
char *cfg_path_join(const char *dir, const char *p);
/* The directory part of a file path: "." when there is none. */
char *cfg_path_dir(const char *path);

/* config_yaml.c: "FILE:LINE: ..." and "FILE:LINE: key 'k': ..."; both
 * return -1. */
int cfg_ferr(struct load_ctx *lc, int line, struct errinfo *ei,
             const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int cfg_kerr(struct load_ctx *lc, int line, const char *key,
             struct errinfo *ei, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* A bounded, control-free copy of untrusted text for a message. */
void cfg_show(const char *s, size_t n, char out[SHOW_MAX + 4]);
int cfg_node_line(const yaml_node_t *n);
const char *cfg_node_what(const yaml_node_t *n);

/* config_keys.c */
int cfg_key_index(const char *name);
/* The part after the last dot. */
const char *cfg_leaf(const char *dotted);
/* The known key closest to an unknown one, or NULL when none is close. */
const char *cfg_suggest_key(const char *dotted);
/* Checks v against k and stores it in lc->c. */
int cfg_set_value(struct load_ctx *lc, const struct key_def *k, int line,
                  const yaml_node_t *v, struct errinfo *ei);

/* config_values.c */
bool cfg_is_null_word(const char *s, size_t n);
/* RFC 1123 host name: dot-separated labels of letters, digits and '-'. */
bool cfg_is_hostname(const char *s);
/* The K_PATH, K_TZ and other string kinds. */
int cfg_set_string(struct load_ctx *lc, const struct key_def *k, int line,
                   const yaml_node_t *v, struct errinfo *ei);
/* free_mail_domains: a list, lowered, repeats dropped. */
int cfg_set_domains(struct load_ctx *lc, const struct key_def *k, int line,
                    const yaml_node_t *v, struct errinfo *ei);
/* inbound.unsubscribe_words: single-line words or phrases; [] is none. */
int cfg_set_words(struct load_ctx *lc, const struct key_def *k, int line,
                  const yaml_node_t *v, struct errinfo *ei);

/* config_schedule.c: the K_WEEKDAYS, K_HHMM and K_ZONEMODE values of
 * schedule.*, and the rule across them (end after start). */
int cfg_set_schedule(struct load_ctx *lc, const struct key_def *k, int line,
                     const yaml_node_t *v, struct errinfo *ei);
int cfg_check_schedule(struct load_ctx *lc, struct errinfo *ei);

#endif
