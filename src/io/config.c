/*
 * config.c - mailrota.yaml → struct config with libyaml's document API.
 *
 * The file is read through one open fd (fstat gives both the size bound and
 * the permission bits for insecure_secret_source), parsed into a libyaml
 * document, and walked against a table of known keys.  The load works on a
 * deep copy of the caller's config, which replaces the caller's only when
 * everything validated: a failed load leaves c exactly as it was.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "secret.h"
#include "tz.h"
#include "unsub.h"
#include "util.h"

#include "banned.h"

#define DEFAULT_DATABASE "./mailrota.db"
#define DEFAULT_KEY_FILE "./mailrota.key"
#define DEFAULT_TOKEN_URL \
    "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"

/* A config file is a few KiB; the bound keeps a stray huge file out. */
#define CONFIG_MAX_BYTES (1024 * 1024)
#define CONFIG_MAX_NESTING 32 /* '[' and '{' open at once; mailrota needs 1 */
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

static const struct key_def keys[] = {
    {"database", K_PATH, OFF(database), 0, 0, 0},
    {"timezone", K_TZ, OFF(timezone), 0, 0, 0},
    {"key_file", K_PATH, OFF(key_file), 0, 0, 0},
    {"secret_cmd_timeout_seconds", K_INT, OFF(secret_cmd_timeout_seconds), 1,
     3600, 0},
    {"tls", K_SECTION, 0, 0, 0, 0},
    {"tls.verify_peer", K_BOOL, OFF(tls.verify_peer), 0, 0, 0},
    {"tls.ca_file", K_PATH, OFF(tls.ca_file), 0, 0, KF_NULL},
    {"smtp", K_SECTION, 0, 0, 0, 0},
    {"smtp.host", K_HOST, OFF(smtp.host), 0, 0, 0},
    {"smtp.port", K_INT, OFF(smtp.port), 1, 65535, 0},
    {"smtp.security", K_SECURITY, OFF(smtp.security), 0, 0, 0},
    {"smtp.allow_plaintext_auth", K_BOOL, OFF(smtp.allow_plaintext_auth), 0,
     0, 0},
    {"smtp.helo_name", K_HELO, OFF(smtp.helo_name), 0, 0, KF_NULL},
    {"smtp.timeout_seconds", K_INT, OFF(smtp.timeout_seconds), 1, 3600, 0},
    {"oauth", K_SECTION, 0, 0, 0, 0},
    {"oauth.tenant_id", K_TENANT, OFF(oauth.tenant_id), 0, 0, KF_EMPTY},
    {"oauth.client_id", K_TOKEN, OFF(oauth.client_id), 0, 0, KF_EMPTY},
    {"oauth.client_secret_env", K_ENV, OFF(oauth.client_secret_env), 0, 0,
     KF_NULL},
    {"oauth.client_secret_cmd", K_TEXT, OFF(oauth.client_secret_cmd), 0, 0,
     KF_NULL},
    {"oauth.token_url", K_URL, OFF(oauth.token_url), 0, 0, 0},
    {"oauth.scope", K_TEXT, OFF(oauth.scope), 0, 0, 0},
    {"graph", K_SECTION, 0, 0, 0, 0},
    {"graph.base_url", K_URL, OFF(graph.base_url), 0, 0, 0},
    {"graph.scope", K_TEXT, OFF(graph.scope), 0, 0, 0},
    {"rules", K_SECTION, 0, 0, 0, 0},
    {"rules.daily_cap", K_INT, OFF(rules.daily_cap), 0, CONFIG_DAILY_CAP_MAX,
     0},
    {"rules.cooldown_days", K_INT, OFF(rules.cooldown_days), 0, 3650, 0},
    {"rules.max_contacts_per_company", K_INT,
     OFF(rules.max_contacts_per_company), 1, 1000, 0},
    {"rules.max_attempts", K_INT, OFF(rules.max_attempts), 1, 100, 0},
    {"rules.min_gap_seconds", K_INT, OFF(rules.min_gap_seconds), 0, 86400, 0},
    {"rules.gap_jitter_seconds", K_INT, OFF(rules.gap_jitter_seconds), 0,
     86400, 0},
    {"rules.max_per_minute", K_INT, OFF(rules.max_per_minute), 1, 10000, 0},
    {"rules.max_run_minutes", K_INT, OFF(rules.max_run_minutes), 0, 1440, 0},
    {"rules.stop_company_on_reply", K_BOOL, OFF(rules.stop_company_on_reply),
     0, 0, 0},
    {"free_mail_domains", K_DOMAINS, 0, 0, 0, 0},
    {"unsubscribe", K_SECTION, 0, 0, 0, 0},
    {"unsubscribe.mailto", K_MAILTO, OFF(unsubscribe.mailto), 0, 0, KF_NULL},
    {"unsubscribe.url", K_URL, OFF(unsubscribe.url), 0, 0, KF_NULL},
    {"inbound", K_SECTION, 0, 0, 0, 0},
    {"inbound.enabled", K_BOOL, OFF(inbound.enabled), 0, 0, 0},
    {"inbound.imap", K_SECTION, 0, 0, 0, 0},
    {"inbound.imap.host", K_HOST, OFF(inbound.imap_host), 0, 0, 0},
    {"inbound.imap.port", K_INT, OFF(inbound.imap_port), 1, 65535, 0},
    {"inbound.imap.security", K_SECURITY, OFF(inbound.imap_security), 0, 0,
     0},
    {"inbound.folder", K_TEXT, OFF(inbound.folder), 0, 0, 0},
    {"inbound.lookback_days", K_INT, OFF(inbound.lookback_days), 1, 3650, 0},
    {"inbound.unsubscribe_words", K_WORDS, 0, 0, 0, 0},
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

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

#define FIELD(c, off, type) ((type *)(void *)((char *)(c) + (off)))

struct load_ctx {
    const char *file;      /* as given, for messages */
    struct config *c;      /* the copy being filled */
    yaml_document_t *doc;
    int line[N_KEYS];      /* 1-based line where the file set each key */
};

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
    c->insecure_secret_source = false;
}

static void free_words(struct config *c)
{
    for (size_t i = 0; i < c->inbound.n_unsubscribe_words; i++)
        free(c->inbound.unsubscribe_words[i]);
    free(c->inbound.unsubscribe_words);
    c->inbound.unsubscribe_words = NULL;
    c->inbound.n_unsubscribe_words = 0;
    c->inbound.has_unsubscribe_words = false;
}

static void free_domains(struct config *c)
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
    free_domains(c);
    free_words(c);
}

static void config_copy(struct config *dst, const struct config *src)
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
static char *path_join(const char *dir, const char *p)
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
static char *path_dir(const char *path)
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
    c->database = *path ? path_join(".", path) : xstrdup(path);
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
        cand = path_join(home, ".config/mailrota/config.yaml");
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

/* ------------------------------------------------------------------ */
/* Messages                                                            */

static int ferr(struct load_ctx *lc, int line, struct errinfo *ei,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int kerr(struct load_ctx *lc, int line, const char *key,
                struct errinfo *ei, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int ferr(struct load_ctx *lc, int line, struct errinfo *ei,
                const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    err_vset_at(ei, ERR_CONFIG, lc->file, line, fmt, ap);
    va_end(ap);
    return -1;
}

static int kerr(struct load_ctx *lc, int line, const char *key,
                struct errinfo *ei, const char *fmt, ...)
{
    char msg[ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return ferr(lc, line, ei, "key '%s': %s", key, msg);
}

/* A bounded, control-free copy of untrusted text for a message. */
static void show(const char *s, size_t n, char out[SHOW_MAX + 4])
{
    size_t i;

    for (i = 0; i < n && i < SHOW_MAX; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[i] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    if (i < n) {
        memcpy(out + i, "...", 3);
        i += 3;
    }
    out[i] = '\0';
}

static int node_line(const yaml_node_t *n)
{
    return (int)n->start_mark.line + 1;
}

static const char *node_what(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a list";
    default:
        return "a value";
    }
}

/* Optimal-string-alignment distance (Levenshtein plus transpositions). */
#define DIST_MAX 64
static int edit_distance(const char *a, const char *b)
{
    int d[DIST_MAX + 1][DIST_MAX + 1];
    size_t la = strlen(a), lb = strlen(b);

    if (la > DIST_MAX || lb > DIST_MAX)
        return INT_MAX;
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

static const char *leaf(const char *dotted)
{
    const char *dot = strrchr(dotted, '.');
    return dot ? dot + 1 : dotted;
}

/* The known key closest to an unknown one, or NULL when none is close.
 * A key put in the wrong section ("daily_cap" at the top) counts as one
 * edit away from its real place. */
static const char *suggest_key(const char *dotted)
{
    const char *best = NULL;
    int bestd = INT_MAX;

    for (size_t i = 0; i < N_KEYS; i++) {
        int d = edit_distance(dotted, keys[i].name);
        if (d > 1 && strcmp(leaf(dotted), leaf(keys[i].name)) == 0)
            d = 1;
        if (d < bestd) {
            bestd = d;
            best = keys[i].name;
        }
    }
    if (best && bestd <= 2 && (size_t)bestd * 3 <= strlen(best))
        return best;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Value checks                                                        */

static bool is_null_word(const char *s, size_t n)
{
    return n == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
           strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

static bool is_alnum(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9');
}

/* RFC 1123 host name: dot-separated labels of letters, digits and '-'. */
static bool is_hostname(const char *s)
{
    size_t len = strlen(s), label = 0;

    if (len == 0 || len > 253)
        return false;
    for (size_t i = 0; i <= len; i++) {
        char ch = s[i];
        if (ch == '.' || ch == '\0') {
            if (label == 0 || label > 63 || s[i - 1] == '-')
                return false;
            label = 0;
        } else if (is_alnum(ch) || ch == '-') {
            if (label == 0 && ch == '-')
                return false;
            label++;
        } else {
            return false;
        }
    }
    return true;
}

static bool is_ipv6(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET6, s, buf) == 1;
}

static bool is_env_name(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++)
        if (!is_alnum(*s) && *s != '_')
            return false;
    return true;
}

static bool all_chars(const char *s, const char *extra)
{
    for (; *s; s++)
        if (!is_alnum(*s) && !strchr(extra, *s))
            return false;
    return true;
}

/* Printable ASCII or UTF-8, no spaces when !spaces. */
static bool is_printable(const char *s, bool spaces)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch < 0x20 || ch == 0x7f || (ch == ' ' && !spaces))
            return false;
    }
    return true;
}

static bool is_https_url(const char *s)
{
    char scheme[9];
    const char *host;

    if (strlen(s) < 9)
        return false;
    memcpy(scheme, s, 8);
    scheme[8] = '\0';
    str_lower(scheme);
    if (strcmp(scheme, "https://") != 0)
        return false;
    host = s + 8;
    if (*host == '/' || *host == '?' || *host == '#' || *host == ':')
        return false;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch <= 0x20 || ch == 0x7f || ch == '"' || ch == '<' || ch == '>' ||
            ch == '\\')
            return false;
    }
    return true;
}

/* local@domain.tld: what a List-Unsubscribe mailto needs, nothing that
 * could break out of <mailto:...> in a header. */
static bool is_mail_address(const char *s)
{
    const char *at = strchr(s, '@');
    const char *domain;

    if (!at || at == s || strchr(at + 1, '@'))
        return false;
    for (const char *p = s; p < at; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch <= 0x20 || ch >= 0x7f || strchr("<>()[],;:\"\\", ch))
            return false;
    }
    domain = at + 1;
    return strchr(domain, '.') && is_hostname(domain);
}

/*
 * An IANA name such as America/Chicago (tz_name_ok(), which keeps it from
 * reaching outside the zone directories) that exists as a TZif file under
 * $TZDIR or /usr/share/zoneinfo.
 */
static bool tz_file_ok(const char *dir, const char *name)
{
    char *path = path_join(dir, name);
    char magic[4];
    struct stat st;
    bool ok = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

    free(path);
    if (fd < 0)
        return false;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) &&
        memcmp(magic, "TZif", 4) == 0)
        ok = true;
    close(fd);
    return ok;
}

static bool tz_exists(const char *name)
{
    const char *tzdir = getenv("TZDIR");

    if (strcmp(name, "UTC") == 0)
        return true;
    if (tzdir && *tzdir && tz_file_ok(tzdir, name))
        return true;
    return tz_file_ok("/usr/share/zoneinfo", name);
}

/* ------------------------------------------------------------------ */
/* Setting values                                                      */

static int set_int(struct load_ctx *lc, const struct key_def *k, int line,
                   const yaml_node_t *v, struct errinfo *ei)
{
    const char *s = (const char *)v->data.scalar.value;
    size_t n = v->data.scalar.length;
    char shown[SHOW_MAX + 4];
    const char *p = s;
    long long val;

    show(s, n, shown);
    if (v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return kerr(lc, line, k->name, ei, "expected a non-negative integer, "
                    "got the quoted string '%s' (write numbers without "
                    "quotes)", shown);
    if (*p == '-')
        p++;
    if (!*p || strspn(p, "0123456789") != strlen(p) || strlen(p) > 18)
        return kerr(lc, line, k->name, ei,
                    "expected a non-negative integer, got '%s'", shown);
    if (p[0] == '0' && p[1])
        return kerr(lc, line, k->name, ei,
                    "expected a decimal integer without leading zeros, "
                    "got '%s'", shown);
    if (parse_int(s, k->min, k->max, &val) < 0)
        return kerr(lc, line, k->name, ei,
                    "expected an integer from %d to %d, got '%s'", k->min,
                    k->max, shown);
    *FIELD(lc->c, k->off, int) = (int)val;
    return 0;
}

static int set_bool(struct load_ctx *lc, const struct key_def *k, int line,
                    const yaml_node_t *v, struct errinfo *ei)
{
    const char *s = (const char *)v->data.scalar.value;
    char shown[SHOW_MAX + 4];
    bool *field = FIELD(lc->c, k->off, bool);

    show(s, v->data.scalar.length, shown);
    if (v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return kerr(lc, line, k->name, ei, "expected true or false, got the "
                    "quoted string '%s' (write booleans without quotes)",
                    shown);
    if (str_ieq(s, "true") || str_ieq(s, "yes"))
        *field = true;
    else if (str_ieq(s, "false") || str_ieq(s, "no"))
        *field = false;
    else
        return kerr(lc, line, k->name, ei,
                    "expected true or false, got '%s'", shown);
    return 0;
}

/* What each kind of key expects, for messages. */
static const char *const expect[] = {
    [K_SECTION] = "a mapping",
    [K_PATH] = "a file path",
    [K_TZ] = "an IANA time zone name such as America/Chicago",
    [K_BOOL] = "true or false",
    [K_INT] = "a non-negative integer",
    [K_SECURITY] = "starttls, implicit or none",
    [K_HOST] = "a host name or IP address",
    [K_HELO] = "a host name such as mail.example.com",
    [K_TENANT] = "a tenant id (a GUID or a domain such as contoso.com)",
    [K_TOKEN] = "a value without spaces or control characters",
    [K_ENV] = "an environment variable name (letters, digits and '_')",
    [K_TEXT] = "text without control characters",
    [K_URL] = "an https:// URL",
    [K_MAILTO] = "an email address such as unsubscribe@example.com",
    [K_DOMAINS] = "a list of domain names such as [gmail.com, yahoo.com]",
    [K_WORDS] = "a list of words such as [unsubscribe, remove me]",
};

static bool string_ok(enum key_kind kind, const char *s)
{
    switch (kind) {
    case K_PATH:
        return *s != '\0';
    case K_HOST:
        return is_hostname(s) || is_ipv6(s);
    case K_HELO:
        return is_hostname(s);
    case K_TENANT:
        return all_chars(s, ".-");
    case K_TOKEN:
        return is_printable(s, false);
    case K_ENV:
        return is_env_name(s);
    case K_TEXT:
        return *s && is_printable(s, true);
    case K_URL:
        return is_https_url(s);
    case K_MAILTO:
        return is_mail_address(s);
    default:
        return false;
    }
}

static int set_string(struct load_ctx *lc, const struct key_def *k, int line,
                      const yaml_node_t *v, struct errinfo *ei)
{
    const char *s = (const char *)v->data.scalar.value;
    size_t n = v->data.scalar.length;
    char **field = FIELD(lc->c, k->off, char *);
    char shown[SHOW_MAX + 4];
    char *val = NULL;

    show(s, n, shown);
    if (k->kind == K_TZ) {
        if (!tz_name_ok(s))
            return kerr(lc, line, k->name, ei, "invalid time zone name '%s'; "
                        "expected %s", shown, expect[K_TZ]);
        if (!tz_exists(s))
            return kerr(lc, line, k->name, ei, "unknown time zone '%s' (not "
                        "in the time zone database; is tzdata installed?)",
                        shown);
        val = xstrdup(s);
    } else if (k->kind == K_HOST && s[0] == '[' && s[n - 1] == ']') {
        /* "[::1]" is how URLs write it; keep the bare address. */
        val = xstrndup(s + 1, n - 2);
        if (!is_ipv6(val)) {
            free(val);
            return kerr(lc, line, k->name, ei, "expected %s, got '%s'",
                        expect[k->kind], shown);
        }
    } else if (!string_ok(k->kind, s)) {
        if (k->kind == K_URL && str_starts_with(s, "http://"))
            return kerr(lc, line, k->name, ei, "expected %s, got '%s' (plain "
                        "http is not allowed)", expect[k->kind], shown);
        return kerr(lc, line, k->name, ei, "expected %s, got '%s'",
                    expect[k->kind], shown);
    } else if (k->kind == K_PATH) {
        val = path_join(lc->c->dir, s);
    } else {
        val = xstrdup(s);
    }
    if (k->off == OFF(unsubscribe.url) &&
        unsub_url_check(val, NULL, ei) < 0) {
        free(val);
        return kerr(lc, line, k->name, ei, "%s", ei->msg);
    }
    /* Legal in a local part, but nothing renders it: sent as written, a
     * raw "{{email}}" would reach every recipient. */
    if (k->off == OFF(unsubscribe.mailto) &&
        (strstr(val, "{{") || strstr(val, "}}"))) {
        free(val);
        return kerr(lc, line, k->name, ei, "'{{' or '}}' in '%s': the "
                    "mailto address is the same for every recipient (only "
                    "unsubscribe.url takes {{email}} and {{token}}); write "
                    "a fixed address such as unsubscribe@example.com",
                    shown);
    }
    if (k->off == OFF(graph.base_url)) {
        /* "{base_url}/users/..." must not become "//users". */
        size_t len = strlen(val);
        while (len > 9 && val[len - 1] == '/')
            val[--len] = '\0';
    }
    free(*field);
    *field = val;
    return 0;
}

static int set_security(struct load_ctx *lc, const struct key_def *k,
                        int line, const yaml_node_t *v, struct errinfo *ei)
{
    const char *s = (const char *)v->data.scalar.value;
    enum smtp_security *field = FIELD(lc->c, k->off, enum smtp_security);
    char shown[SHOW_MAX + 4];

    show(s, v->data.scalar.length, shown);
    if (str_ieq(s, "starttls"))
        *field = SMTP_SECURITY_STARTTLS;
    else if (str_ieq(s, "implicit"))
        *field = SMTP_SECURITY_IMPLICIT;
    else if (str_ieq(s, "none") && k->off == OFF(smtp.security))
        *field = SMTP_SECURITY_NONE;
    else if (k->off != OFF(smtp.security))
        return kerr(lc, line, k->name, ei, "expected implicit or starttls "
                    "(IMAP is never read without TLS), got '%s'", shown);
    else
        return kerr(lc, line, k->name, ei,
                    "expected starttls, implicit or none, got '%s'", shown);
    return 0;
}

/* inbound.unsubscribe_words: single-line words or phrases; [] is none. */
static int set_words(struct load_ctx *lc, const struct key_def *k, int line,
                     const yaml_node_t *v, struct errinfo *ei)
{
    struct config *c = lc->c;
    char **list = NULL;
    size_t n = 0;

    if (v->type != YAML_SEQUENCE_NODE)
        return kerr(lc, line, k->name, ei, "expected a list of words such "
                    "as [unsubscribe, remove me], got %s", node_what(v));
    list = xcalloc((size_t)(v->data.sequence.items.top -
                            v->data.sequence.items.start) + 1,
                   sizeof(*list));
    for (yaml_node_item_t *it = v->data.sequence.items.start;
         it < v->data.sequence.items.top; it++) {
        yaml_node_t *item = yaml_document_get_node(lc->doc, *it);
        const char *s;
        size_t len;

        if (!item || item->type != YAML_SCALAR_NODE ||
            !item->data.scalar.length ||
            memchr(item->data.scalar.value, '\0', item->data.scalar.length)
            || memchr(item->data.scalar.value, '\n',
                      item->data.scalar.length)) {
            for (size_t i = 0; i < n; i++)
                free(list[i]);
            free(list);
            return kerr(lc, item ? node_line(item) : line, k->name, ei,
                        "expected a word or phrase on one line, got %s",
                        item ? node_what(item) : "nothing");
        }
        s = (const char *)item->data.scalar.value;
        len = item->data.scalar.length;
        list[n] = xmalloc(len + 1);
        memcpy(list[n], s, len);
        list[n++][len] = '\0';
    }
    free_words(c);
    c->inbound.unsubscribe_words = list;
    c->inbound.n_unsubscribe_words = n;
    c->inbound.has_unsubscribe_words = true;
    return 0;
}

struct dom_ref {
    char *s;
    size_t i;
};

static int dom_ref_cmp(const void *a, const void *b)
{
    const struct dom_ref *x = a, *y = b;
    int r = strcmp(x->s, y->s);

    if (r)
        return r;
    return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * Frees the later copies of repeated strings in list[0..n) and closes the
 * gaps, keeping the order of first appearance; returns the new count.  By
 * sorting, since a 1 MiB config can list 100000 domains and comparing each
 * with all the others took 20 s.
 */
static size_t drop_duplicates(char **list, size_t n)
{
    struct dom_ref *refs;
    size_t kept = 0;

    if (n < 2)
        return n;
    refs = xmalloc(n * sizeof(*refs));
    for (size_t i = 0; i < n; i++) {
        refs[i].s = list[i];
        refs[i].i = i;
    }
    qsort(refs, n, sizeof(*refs), dom_ref_cmp);
    /* refs keeps every string alive until all comparisons are done */
    for (size_t k = 1; k < n; k++)
        if (strcmp(refs[k].s, refs[k - 1].s) == 0)
            list[refs[k].i] = NULL;
    for (size_t k = 0; k < n; k++)
        if (!list[refs[k].i])
            free(refs[k].s);
    free(refs);
    for (size_t i = 0; i < n; i++)
        if (list[i])
            list[kept++] = list[i];
    return kept;
}

static int set_domains(struct load_ctx *lc, const struct key_def *k,
                       int line, const yaml_node_t *v, struct errinfo *ei)
{
    struct config *c = lc->c;
    char shown[SHOW_MAX + 4];
    char **list = NULL;
    size_t n = 0, cap = 0;

    if (v->type == YAML_SCALAR_NODE) {
        const char *s = (const char *)v->data.scalar.value;
        size_t len = v->data.scalar.length;

        if (v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
            is_null_word(s, len)) {
            free_domains(c);
            return 0;
        }
        show(s, len, shown);
        return kerr(lc, line, k->name, ei, "expected a list of domain names "
                    "such as [gmail.com, yahoo.com], got '%s'", shown);
    }
    if (v->type != YAML_SEQUENCE_NODE)
        return kerr(lc, line, k->name, ei,
                    "expected a list of domain names, got a mapping");

    for (yaml_node_item_t *it = v->data.sequence.items.start;
         it < v->data.sequence.items.top; it++) {
        yaml_node_t *item = yaml_document_get_node(lc->doc, *it);
        const char *s;
        size_t len;
        char *dom;

        if (!item || item->type != YAML_SCALAR_NODE) {
            for (size_t i = 0; i < n; i++)
                free(list[i]);
            free(list);
            return kerr(lc, item ? node_line(item) : line, k->name, ei,
                        "expected a domain name, got %s",
                        item ? node_what(item) : "nothing");
        }
        s = (const char *)item->data.scalar.value;
        len = item->data.scalar.length;
        show(s, len, shown);
        if (memchr(s, '\0', len) || !is_hostname(s) || !strchr(s, '.')) {
            for (size_t i = 0; i < n; i++)
                free(list[i]);
            free(list);
            return kerr(lc, node_line(item), k->name, ei, "expected a domain "
                        "name such as gmail.com, got '%s'", shown);
        }
        dom = xstrdup(s);
        str_lower(dom);
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            list = xrealloc(list, cap * sizeof(*list));
        }
        list[n++] = dom;
    }
    n = drop_duplicates(list, n);
    free_domains(c);
    c->free_mail_domains = list;
    c->n_free_mail_domains = n;
    return 0;
}

static int set_value(struct load_ctx *lc, const struct key_def *k, int line,
                     const yaml_node_t *v, struct errinfo *ei)
{
    const char *s;
    size_t n;

    if (k->kind == K_DOMAINS)
        return set_domains(lc, k, line, v, ei);
    if (k->kind == K_WORDS)
        return set_words(lc, k, line, v, ei);
    if (v->type != YAML_SCALAR_NODE)
        return kerr(lc, line, k->name, ei, "expected %s, got %s",
                    expect[k->kind], node_what(v));
    s = (const char *)v->data.scalar.value;
    n = v->data.scalar.length;
    /* Values end up in SMTP commands, headers and URLs. */
    if (memchr(s, '\0', n) || memchr(s, '\r', n) || memchr(s, '\n', n))
        return kerr(lc, line, k->name, ei,
                    "value must not contain CR, LF or NUL characters");
    if (n == 0 ||
        (v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
         is_null_word(s, n))) {
        char **field = FIELD(lc->c, k->off, char *);

        if (k->flags & (KF_NULL | KF_EMPTY)) {
            free(*field);
            *field = (k->flags & KF_NULL) ? NULL : xstrdup("");
            return 0;
        }
        return kerr(lc, line, k->name, ei, "expected %s, got %s",
                    expect[k->kind], n ? "null" : "an empty value");
    }
    switch (k->kind) {
    case K_INT:
        return set_int(lc, k, line, v, ei);
    case K_BOOL:
        return set_bool(lc, k, line, v, ei);
    case K_SECURITY:
        return set_security(lc, k, line, v, ei);
    default:
        return set_string(lc, k, line, v, ei);
    }
}

/* ------------------------------------------------------------------ */
/* Walking the document                                                */

static int key_index(const char *name)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int walk_mapping(struct load_ctx *lc, const yaml_node_t *map,
                        const char *section, struct errinfo *ei);

static int walk_pair(struct load_ctx *lc, const yaml_node_t *kn,
                     const yaml_node_t *vn, const char *section,
                     struct errinfo *ei)
{
    char shown[SHOW_MAX + 4];
    char *dotted = NULL;
    const char *name, *hint;
    const struct key_def *k;
    int idx, line = node_line(kn), ret = -1;
    size_t len;

    if (kn->type != YAML_SCALAR_NODE)
        return ferr(lc, line, ei, "expected a key name%s%s, got %s",
                    section ? " in " : "", section ? section : "",
                    node_what(kn));
    name = (const char *)kn->data.scalar.value;
    len = kn->data.scalar.length;
    show(name, len, shown);
    dotted = section ? xasprintf("%s.%s", section, shown) : xstrdup(shown);
    if (memchr(name, '.', len)) {
        /* "smtp.port: 25" must not reach smtp.port: YAML nests by indent. */
        ferr(lc, line, ei, "unknown key '%s' (write nested keys on their own "
             "indented lines: '%.*s:' then '  %s:')", dotted,
             (int)strcspn(shown, "."), shown, leaf(shown));
        goto out;
    }
    idx = memchr(name, '\0', len) || len > SHOW_MAX ? -1 : key_index(dotted);
    if (idx < 0) {
        hint = suggest_key(dotted);
        if (hint)
            ferr(lc, line, ei, "unknown key '%s'; did you mean '%s'?",
                 dotted, hint);
        else
            ferr(lc, line, ei, "unknown key '%s'", dotted);
        goto out;
    }
    if (lc->line[idx]) {
        ferr(lc, line, ei, "duplicate key '%s' (first set on line %d)",
             dotted, lc->line[idx]);
        goto out;
    }
    lc->line[idx] = line;
    k = &keys[idx];
    if (k->kind == K_SECTION) {
        if (vn->type == YAML_MAPPING_NODE) {
            ret = walk_mapping(lc, vn, k->name, ei);
            goto out;
        }
        if (vn->type == YAML_SCALAR_NODE &&
            vn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
            is_null_word((const char *)vn->data.scalar.value,
                         vn->data.scalar.length)) {
            ret = 0; /* "smtp:" with every sub-key commented out */
            goto out;
        }
        if (vn->type == YAML_SCALAR_NODE) {
            show((const char *)vn->data.scalar.value, vn->data.scalar.length,
                 shown);
            kerr(lc, line, k->name, ei, "expected a mapping of '%s.*' keys "
                 "(indented 'key: value' lines), got '%s'", k->name, shown);
        } else {
            kerr(lc, line, k->name, ei, "expected a mapping of '%s.*' keys, "
                 "got %s", k->name, node_what(vn));
        }
        goto out;
    }
    ret = set_value(lc, k, line, vn, ei);
out:
    free(dotted);
    return ret;
}

static int walk_mapping(struct load_ctx *lc, const yaml_node_t *map,
                        const char *section, struct errinfo *ei)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
         p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(lc->doc, p->key);
        yaml_node_t *vn = yaml_document_get_node(lc->doc, p->value);

        if (!kn || !vn)
            return ferr(lc, node_line(map), ei, "malformed mapping");
        if (walk_pair(lc, kn, vn, section, ei) < 0)
            return -1;
    }
    return 0;
}

/* Rules that span keys, checked once every key is in. */
static int check_config(struct load_ctx *lc, struct errinfo *ei)
{
    struct config *c = lc->c;

    if (c->smtp.security == SMTP_SECURITY_NONE &&
        !c->smtp.allow_plaintext_auth) {
        int line = lc->line[key_index("smtp.security")];
        return kerr(lc, line, "smtp.security", ei, "'none' would send "
                    "passwords without TLS; set smtp.allow_plaintext_auth: "
                    "true to allow it, or use starttls or implicit");
    }
    return 0;
}

/* Default paths the file did not override follow the file's directory. */
static void rebase_default(struct load_ctx *lc, const char *key,
                           char **field, const char *def)
{
    if (lc->line[key_index(key)] || !*field || strcmp(*field, def) != 0)
        return;
    free(*field);
    *field = path_join(lc->c->dir, def);
}

static bool file_sets(struct load_ctx *lc, const char *key, const char *val)
{
    return lc->line[key_index(key)] && val && *val;
}

/* True when the line holding byte `at` is indented with a tab. */
static bool tab_indent(const char *buf, size_t len, size_t at)
{
    size_t start = at < len ? at : len;

    while (start > 0 && buf[start - 1] != '\n')
        start--;
    for (size_t i = start; i < len && buf[i] != '\n'; i++) {
        if (buf[i] == '\t')
            return true;
        if (buf[i] != ' ')
            return false;
    }
    return false;
}

static int syntax_error(struct load_ctx *lc, const yaml_parser_t *parser,
                        const char *buf, size_t len, struct errinfo *ei)
{
    const char *hint;
    int line = 1;

    switch (parser->error) {
    case YAML_MEMORY_ERROR:
        return ferr(lc, 0, ei, "out of memory while parsing");
    case YAML_READER_ERROR:
        for (size_t i = 0; i < parser->problem_offset && i < len; i++)
            if (buf[i] == '\n')
                line++;
        return ferr(lc, line, ei, "cannot read the file as YAML: %s",
                    parser->problem ? parser->problem : "unknown error");
    default:
        line = (int)parser->problem_mark.line + 1;
        hint = tab_indent(buf, len, parser->problem_mark.index)
                   ? " (indent with spaces: YAML does not allow tabs)" : "";
        if (parser->context)
            return ferr(lc, line, ei, "YAML syntax error: %s (%s, from line "
                        "%d)%s",
                        parser->problem ? parser->problem : "unknown error",
                        parser->context, (int)parser->context_mark.line + 1,
                        hint);
        return ferr(lc, line, ei, "YAML syntax error: %s%s",
                    parser->problem ? parser->problem : "unknown error", hint);
    }
}

/*
 * libyaml's scanner takes time quadratic in the depth of nested flow
 * collections: "[[[[..." over 1 MiB runs for hours, 100000 levels for
 * most of a minute.  A mailrota config needs one level, so deeper nesting
 * is refused before libyaml sees the text.  '[' and '{' in comments and
 * quoted scalars do not count; elsewhere (inside a plain scalar, say) they
 * do, which only matters past CONFIG_MAX_NESTING.
 */
static int check_nesting(struct load_ctx *lc, const char *buf, size_t len,
                         struct errinfo *ei)
{
    int depth = 0, line = 1;
    char quote = 0;

    for (size_t i = 0; i < len; i++) {
        char c = buf[i], prev = i ? buf[i - 1] : '\n';

        if (c == '\n') {
            line++;
        } else if (quote) {
            if (quote == '"' && c == '\\' && i + 1 < len) {
                if (buf[++i] == '\n')
                    line++;
            } else if (c == quote) {
                if (quote == '\'' && i + 1 < len && buf[i + 1] == '\'')
                    i++;
                else
                    quote = 0;
            }
        } else if (c == '#' && (prev == ' ' || prev == '\t' ||
                                prev == '\n')) {
            while (i + 1 < len && buf[i + 1] != '\n')
                i++;
        } else if ((c == '"' || c == '\'') && strchr(" \t\n[{,:", prev)) {
            quote = c;
        } else if (c == '[' || c == '{') {
            if (++depth > CONFIG_MAX_NESTING)
                return ferr(lc, line, ei, "'[' and '{' nested more than %d "
                            "deep: this is not a mailrota configuration",
                            CONFIG_MAX_NESTING);
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return 0;
}

/* Reads the whole file through one fd; *mode gets its permission bits. */
static int read_file(struct load_ctx *lc, const char *path, char **out,
                     size_t *out_len, mode_t *mode, struct errinfo *ei)
{
    struct stat st;
    struct strbuf sb;
    char chunk[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

    if (fd < 0)
        return err_set(ei, ERR_CONFIG, "cannot open config file '%s': %s",
                       path, strerror(errno));
    sb_init(&sb, CONFIG_MAX_BYTES);
    if (fstat(fd, &st) < 0) {
        err_set(ei, ERR_CONFIG, "cannot stat config file '%s': %s", path,
                strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        ferr(lc, 0, ei, "not a regular file");
        goto fail;
    }
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            err_set(ei, ERR_CONFIG, "cannot read config file '%s': %s", path,
                    strerror(errno));
            goto fail;
        }
        if (r == 0)
            break;
        if (sb_add(&sb, chunk, (size_t)r) < 0) {
            ferr(lc, 0, ei, "file too large (more than %d bytes)",
                 CONFIG_MAX_BYTES);
            goto fail;
        }
    }
    close(fd);
    *out = sb_detach(&sb, out_len);
    sb_release(&sb);
    *mode = st.st_mode;
    return 0;
fail:
    sb_release(&sb);
    close(fd);
    return -1;
}

int config_load(struct config *c, const char *path, struct errinfo *ei)
{
    struct load_ctx lc;
    struct config tmp;
    yaml_parser_t parser;
    yaml_document_t doc, extra;
    bool parser_ok = false, doc_ok = false;
    yaml_node_t *root;
    char *buf = NULL;
    size_t len = 0;
    mode_t mode = 0;
    int ret = -1;

    memset(&lc, 0, sizeof(lc));
    lc.file = path;
    lc.doc = &doc;
    lc.c = &tmp;
    config_copy(&tmp, c);

    if (read_file(&lc, path, &buf, &len, &mode, ei) < 0)
        goto out;
    free(tmp.path);
    free(tmp.dir);
    tmp.path = xstrdup(path);
    tmp.dir = path_dir(path);

    if (check_nesting(&lc, buf, len, ei) < 0)
        goto out;
    if (!yaml_parser_initialize(&parser)) {
        err_set(ei, ERR_CONFIG, "cannot initialise the YAML parser");
        goto out;
    }
    parser_ok = true;
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    if (!yaml_parser_load(&parser, &doc)) {
        syntax_error(&lc, &parser, buf, len, ei);
        goto out;
    }
    doc_ok = true;
    if (!yaml_parser_load(&parser, &extra)) {
        syntax_error(&lc, &parser, buf, len, ei);
        goto out;
    }
    root = yaml_document_get_root_node(&extra);
    if (root) {
        ferr(&lc, node_line(root), ei,
             "a second YAML document; the file must hold exactly one");
        yaml_document_delete(&extra);
        goto out;
    }
    yaml_document_delete(&extra);

    root = yaml_document_get_root_node(&doc);
    if (root && root->type == YAML_MAPPING_NODE) {
        if (walk_mapping(&lc, root, NULL, ei) < 0)
            goto out;
    } else if (root && !(root->type == YAML_SCALAR_NODE &&
                         root->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                         is_null_word((const char *)root->data.scalar.value,
                                      root->data.scalar.length))) {
        ferr(&lc, node_line(root), ei, "expected a mapping of 'key: value' "
             "lines at the top level, got %s", node_what(root));
        goto out;
    }

    if (check_config(&lc, ei) < 0)
        goto out;
    rebase_default(&lc, "database", &tmp.database, DEFAULT_DATABASE);
    rebase_default(&lc, "key_file", &tmp.key_file, DEFAULT_KEY_FILE);
    tmp.insecure_secret_source =
        (mode & (S_IRGRP | S_IROTH)) &&
        (file_sets(&lc, "oauth.client_secret_env",
                   tmp.oauth.client_secret_env) ||
         file_sets(&lc, "oauth.client_secret_cmd",
                   tmp.oauth.client_secret_cmd));

    config_release(c);
    *c = tmp;
    memset(&tmp, 0, sizeof(tmp));
    ret = 0;
out:
    if (ret < 0)
        config_release(&tmp);
    if (doc_ok)
        yaml_document_delete(&doc);
    if (parser_ok)
        yaml_parser_delete(&parser);
    free(buf);
    return ret;
}
