/*
 * config_values.c - what a string value of mailrota.yaml may be: host names,
 * IPv6 literals, environment variable names, https URLs, mail addresses,
 * time zones present in the zoneinfo database, and the free_mail_domains
 * list (lowered, repeats dropped).
 */
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_int.h"
#include "tz.h"
#include "unsub.h"
#include "util.h"

#include "banned.h"

/* ------------------------------------------------------------------ */
/* Value checks                                                        */

bool cfg_is_null_word(const char *s, size_t n)
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
bool cfg_is_hostname(const char *s)
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
    return strchr(domain, '.') && cfg_is_hostname(domain);
}

/*
 * An IANA name such as America/Chicago (tz_name_ok(), which keeps it from
 * reaching outside the zone directories) that exists as a TZif file under
 * $TZDIR or /usr/share/zoneinfo.
 */
static bool tz_file_ok(const char *dir, const char *name)
{
    char *path = cfg_path_join(dir, name);
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

static bool string_ok(enum key_kind kind, const char *s)
{
    switch (kind) {
    case K_PATH:
        return *s != '\0';
    case K_HOST:
        return cfg_is_hostname(s) || is_ipv6(s);
    case K_HELO:
        return cfg_is_hostname(s);
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

int cfg_set_string(struct load_ctx *lc, const struct key_def *k, int line,
                   const yaml_node_t *v, struct errinfo *ei)
{
    const char *s = (const char *)v->data.scalar.value;
    size_t n = v->data.scalar.length;
    char **field = FIELD(lc->c, k->off, char *);
    char shown[SHOW_MAX + 4];
    char *val = NULL;

    cfg_show(s, n, shown);
    if (k->kind == K_TZ) {
        if (!tz_name_ok(s))
            return cfg_kerr(lc, line, k->name, ei,
                            "invalid time zone name '%s'; "
                            "expected %s",
                            shown, cfg_expect[K_TZ]);
        if (!tz_exists(s))
            return cfg_kerr(lc, line, k->name, ei,
                            "unknown time zone '%s' (not "
                            "in the time zone database; is tzdata installed?)",
                            shown);
        val = xstrdup(s);
    } else if (k->kind == K_HOST && s[0] == '[' && s[n - 1] == ']') {
        /* "[::1]" is how URLs write it; keep the bare address. */
        val = xstrndup(s + 1, n - 2);
        if (!is_ipv6(val)) {
            free(val);
            return cfg_kerr(lc, line, k->name, ei, "expected %s, got '%s'",
                            cfg_expect[k->kind], shown);
        }
    } else if (!string_ok(k->kind, s)) {
        if (k->kind == K_URL && str_starts_with(s, "http://"))
            return cfg_kerr(lc, line, k->name, ei,
                            "expected %s, got '%s' (plain "
                            "http is not allowed)",
                            cfg_expect[k->kind], shown);
        return cfg_kerr(lc, line, k->name, ei, "expected %s, got '%s'",
                        cfg_expect[k->kind], shown);
    } else if (k->kind == K_PATH) {
        val = cfg_path_join(lc->c->dir, s);
    } else {
        val = xstrdup(s);
    }
    if (k->off == OFF(unsubscribe.url) &&
        unsub_url_check(val, NULL, ei) < 0) {
        free(val);
        return cfg_kerr(lc, line, k->name, ei, "%s", ei->msg);
    }
    /* Legal in a local part, but nothing renders it: sent as written, a
     * raw "{{email}}" would reach every recipient. */
    if (k->off == OFF(unsubscribe.mailto) &&
        (strstr(val, "{{") || strstr(val, "}}"))) {
        free(val);
        return cfg_kerr(lc, line, k->name, ei,
                        "'{{' or '}}' in '%s': the "
                        "mailto address is the same for every recipient (only "
                        "unsubscribe.url takes {{email}} and {{token}}); "
                        "write "
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

int cfg_set_domains(struct load_ctx *lc, const struct key_def *k,
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
            cfg_is_null_word(s, len)) {
            config_free_domains(c);
            return 0;
        }
        cfg_show(s, len, shown);
        return cfg_kerr(lc, line, k->name, ei,
                        "expected a list of domain names "
                        "such as [gmail.com, yahoo.com], got '%s'",
                        shown);
    }
    if (v->type != YAML_SEQUENCE_NODE)
        return cfg_kerr(lc, line, k->name, ei,
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
            return cfg_kerr(lc, item ? cfg_node_line(item) : line, k->name, ei,
                            "expected a domain name, got %s",
                            item ? cfg_node_what(item) : "nothing");
        }
        s = (const char *)item->data.scalar.value;
        len = item->data.scalar.length;
        cfg_show(s, len, shown);
        if (memchr(s, '\0', len) || !cfg_is_hostname(s) || !strchr(s, '.')) {
            for (size_t i = 0; i < n; i++)
                free(list[i]);
            free(list);
            return cfg_kerr(lc, cfg_node_line(item), k->name, ei,
                            "expected a domain "
                            "name such as gmail.com, got '%s'",
                            shown);
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
    config_free_domains(c);
    c->free_mail_domains = list;
    c->n_free_mail_domains = n;
    return 0;
}

/* One word of inbound.unsubscribe_words, or NULL (after the error). */
static char *word_item(struct load_ctx *lc, const struct key_def *k,
                       int line, const yaml_node_t *item, struct errinfo *ei)
{
    const char *s;
    size_t len;
    char *w;

    if (!item || item->type != YAML_SCALAR_NODE ||
        !item->data.scalar.length ||
        memchr(item->data.scalar.value, '\0', item->data.scalar.length) ||
        memchr(item->data.scalar.value, '\n', item->data.scalar.length)) {
        cfg_kerr(lc, item ? cfg_node_line(item) : line, k->name, ei,
                 "expected a word or phrase on one line, got %s",
                 item ? cfg_node_what(item) : "nothing");
        return NULL;
    }
    s = (const char *)item->data.scalar.value;
    len = item->data.scalar.length;
    w = xmalloc(len + 1);
    memcpy(w, s, len);
    w[len] = '\0';
    return w;
}

int cfg_set_words(struct load_ctx *lc, const struct key_def *k, int line,
                  const yaml_node_t *v, struct errinfo *ei)
{
    struct config *c = lc->c;
    char **list;
    size_t n = 0;

    if (v->type != YAML_SEQUENCE_NODE)
        return cfg_kerr(lc, line, k->name, ei, "expected a list of words "
                        "such as [unsubscribe, remove me], got %s",
                        cfg_node_what(v));
    list = xcalloc((size_t)(v->data.sequence.items.top -
                            v->data.sequence.items.start) + 1,
                   sizeof(*list));
    for (yaml_node_item_t *it = v->data.sequence.items.start;
         it < v->data.sequence.items.top; it++) {
        list[n] = word_item(lc, k, line,
                            yaml_document_get_node(lc->doc, *it), ei);
        if (!list[n]) {
            for (size_t i = 0; i < n; i++)
                free(list[i]);
            free(list);
            return -1;
        }
        n++;
    }
    config_free_words(c);
    c->inbound.unsubscribe_words = list;
    c->inbound.n_unsubscribe_words = n;
    c->inbound.has_unsubscribe_words = true;
    return 0;
}
