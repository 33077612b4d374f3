/*
 * config_keys.c - the table of every key mailrota.yaml knows, the "did you
 * mean" suggestion for an unknown one, and the setters that check a scalar
 * against its key's kind (integers, booleans, the SMTP security word) and
 * store it into struct config.  String kinds go on to config_values.c.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "config_int.h"
#include "util.h"

#include "banned.h"

const struct key_def cfg_keys[] = {
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
    {"rules.bounce_window", K_INT, OFF(rules.bounce_window), 1, 100000, 0},
    {"rules.bounce_min_sends", K_INT, OFF(rules.bounce_min_sends), 1, 100000,
     0},
    {"rules.max_bounce_rate", K_RATE, OFF(rules.max_bounce_rate), 0, 0, 0},
    {"rules.ramp", K_RAMP, OFF(rules.ramp_start), 0, CONFIG_DAILY_CAP_MAX,
     KF_NULL},
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
    {"schedule", K_SECTION, 0, 0, 0, 0},
    {"schedule.days", K_WEEKDAYS, OFF(schedule.win.days), 0, 0, 0},
    {"schedule.start", K_HHMM, OFF(schedule.win.start_min), 0, 0, 0},
    {"schedule.end", K_HHMM, OFF(schedule.win.end_min), 0, 0, 0},
    {"schedule.zone", K_ZONEMODE, OFF(schedule.zone_recipient), 0, 0, 0},
    {"schedule.spread", K_BOOL, OFF(schedule.spread), 0, 0, 0},
};

_Static_assert(sizeof(cfg_keys) / sizeof(cfg_keys[0]) == CFG_N_KEYS,
               "CFG_N_KEYS in config_int.h counts cfg_keys");

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

const char *cfg_leaf(const char *dotted)
{
    const char *dot = strrchr(dotted, '.');
    return dot ? dot + 1 : dotted;
}

/* The known key closest to an unknown one, or NULL when none is close.
 * A key put in the wrong section ("daily_cap" at the top) counts as one
 * edit away from its real place. */
const char *cfg_suggest_key(const char *dotted)
{
    const char *best = NULL;
    int bestd = INT_MAX;

    for (size_t i = 0; i < CFG_N_KEYS; i++) {
        int d = edit_distance(dotted, cfg_keys[i].name);
        if (d > 1 && strcmp(cfg_leaf(dotted), cfg_leaf(cfg_keys[i].name)) == 0)
            d = 1;
        if (d < bestd) {
            bestd = d;
            best = cfg_keys[i].name;
        }
    }
    if (best && bestd <= 2 && (size_t)bestd * 3 <= strlen(best))
        return best;
    return NULL;
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

    cfg_show(s, n, shown);
    if (v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return cfg_kerr(lc, line, k->name, ei,
                        "expected a non-negative integer, "
                        "got the quoted string '%s' (write numbers without "
                        "quotes)",
                        shown);
    if (*p == '-')
        p++;
    if (!*p || strspn(p, "0123456789") != strlen(p) || strlen(p) > 18)
        return cfg_kerr(lc, line, k->name, ei,
                        "expected a non-negative integer, got '%s'", shown);
    if (p[0] == '0' && p[1])
        return cfg_kerr(lc, line, k->name, ei,
                        "expected a decimal integer without leading zeros, "
                        "got '%s'", shown);
    if (parse_int(s, k->min, k->max, &val) < 0)
        return cfg_kerr(lc, line, k->name, ei,
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

    cfg_show(s, v->data.scalar.length, shown);
    if (v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return cfg_kerr(lc, line, k->name, ei,
                        "expected true or false, got the "
                        "quoted string '%s' (write booleans without quotes)",
                        shown);
    if (str_ieq(s, "true") || str_ieq(s, "yes"))
        *field = true;
    else if (str_ieq(s, "false") || str_ieq(s, "no"))
        *field = false;
    else
        return cfg_kerr(lc, line, k->name, ei,
                        "expected true or false, got '%s'", shown);
    return 0;
}

const char *const cfg_expect[] = {
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
    [K_RATE] = "a fraction from 0 to 1 such as 0.03",
    [K_RAMP] = "a ramp START:STEP such as \"5:2\" (START 1 or more), or null",
    [K_WEEKDAYS] = "a list of days such as [mon, tue, wed, thu, fri]",
    [K_HHMM] = "a time \"HH:MM\" from \"00:00\" to \"24:00\"",
    [K_ZONEMODE] = "sender or recipient",
};

/* rules.ramp: "START:STEP" or null (none).  The field is rules.ramp_start,
 * followed by rules.ramp_step. */
static int set_ramp(struct load_ctx *lc, const struct key_def *k, int line,
                    const yaml_node_t *v, struct errinfo *ei)
{
    const char *s = (const char *)v->data.scalar.value;
    size_t n = v->data.scalar.length;
    int *start = FIELD(lc->c, k->off, int);
    int *step = FIELD(lc->c, OFF(rules.ramp_step), int);
    char shown[SHOW_MAX + 4];

    if (n == 0 || (v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                   cfg_is_null_word(s, n))) {
        *start = *step = 0;
        return 0;
    }
    cfg_show(s, n, shown);
    if (strlen(s) != n || !caps_ramp_parse(s, k->max, start, step))
        return cfg_kerr(lc, line, k->name, ei, "expected %s, got '%s'",
                        cfg_expect[K_RAMP], shown);
    return 0;
}

/* rules.max_bounce_rate: a plain decimal from 0 to 1 ("0.03"). */
static int set_rate(struct load_ctx *lc, const struct key_def *k, int line,
                    const yaml_node_t *v, struct errinfo *ei)
{
    const char *s = (const char *)v->data.scalar.value;
    double *field = FIELD(lc->c, k->off, double);
    char shown[SHOW_MAX + 4], *end = NULL;
    double d;

    cfg_show(s, v->data.scalar.length, shown);
    if (v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
        strspn(s, "0123456789.") != strlen(s) || !*s)
        return cfg_kerr(lc, line, k->name, ei, "expected %s, got '%s'",
                        cfg_expect[K_RATE], shown);
    d = strtod(s, &end);
    if (!end || *end || d < 0 || d > 1)
        return cfg_kerr(lc, line, k->name, ei, "expected %s, got '%s'",
                        cfg_expect[K_RATE], shown);
    *field = d;
    return 0;
}

static int set_security(struct load_ctx *lc, const struct key_def *k,
                        int line, const yaml_node_t *v, struct errinfo *ei)
{
    const char *s = (const char *)v->data.scalar.value;
    enum smtp_security *field = FIELD(lc->c, k->off, enum smtp_security);
    char shown[SHOW_MAX + 4];

    cfg_show(s, v->data.scalar.length, shown);
    if (str_ieq(s, "starttls"))
        *field = SMTP_SECURITY_STARTTLS;
    else if (str_ieq(s, "implicit"))
        *field = SMTP_SECURITY_IMPLICIT;
    else if (str_ieq(s, "none") && k->off == OFF(smtp.security))
        *field = SMTP_SECURITY_NONE;
    else if (k->off != OFF(smtp.security))
        return cfg_kerr(lc, line, k->name, ei, "expected implicit or "
                        "starttls (IMAP is never read without TLS), got '%s'",
                        shown);
    else
        return cfg_kerr(lc, line, k->name, ei,
                        "expected starttls, implicit or none, got '%s'",
                        shown);
    return 0;
}

int cfg_set_value(struct load_ctx *lc, const struct key_def *k, int line,
                  const yaml_node_t *v, struct errinfo *ei)
{
    const char *s;
    size_t n;

    if (strncmp(k->name, "inbound.", 8) == 0)
        lc->c->inbound.configured = true;
    if (strncmp(k->name, "schedule.", 9) == 0) {
        lc->c->schedule.configured = true;
        if (k->kind != K_BOOL)
            return cfg_set_schedule(lc, k, line, v, ei);
    }
    if (k->kind == K_DOMAINS)
        return cfg_set_domains(lc, k, line, v, ei);
    if (k->kind == K_WORDS)
        return cfg_set_words(lc, k, line, v, ei);
    if (v->type != YAML_SCALAR_NODE)
        return cfg_kerr(lc, line, k->name, ei, "expected %s, got %s",
                        cfg_expect[k->kind], cfg_node_what(v));
    if (k->kind == K_RAMP)
        return set_ramp(lc, k, line, v, ei);
    s = (const char *)v->data.scalar.value;
    n = v->data.scalar.length;
    /* Values end up in SMTP commands, headers and URLs. */
    if (memchr(s, '\0', n) || memchr(s, '\r', n) || memchr(s, '\n', n))
        return cfg_kerr(lc, line, k->name, ei,
                        "value must not contain CR, LF or NUL characters");
    if (n == 0 ||
        (v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
         cfg_is_null_word(s, n))) {
        char **field = FIELD(lc->c, k->off, char *);

        if (k->flags & (KF_NULL | KF_EMPTY)) {
            free(*field);
            *field = (k->flags & KF_NULL) ? NULL : xstrdup("");
            return 0;
        }
        return cfg_kerr(lc, line, k->name, ei, "expected %s, got %s",
                        cfg_expect[k->kind], n ? "null" : "an empty value");
    }
    switch (k->kind) {
    case K_INT:
        return set_int(lc, k, line, v, ei);
    case K_BOOL:
        return set_bool(lc, k, line, v, ei);
    case K_RATE:
        return set_rate(lc, k, line, v, ei);
    case K_SECURITY:
        return set_security(lc, k, line, v, ei);
    default:
        return cfg_set_string(lc, k, line, v, ei);
    }
}

int cfg_key_index(const char *name)
{
    for (size_t i = 0; i < CFG_N_KEYS; i++)
        if (strcmp(cfg_keys[i].name, name) == 0)
            return (int)i;
    return -1;
}
