/*
 * config_yaml.c - reading mailrota.yaml with libyaml's document API.
 *
 * The file is read through one open fd (fstat gives both the size bound and
 * the permission bits for insecure_secret_source), parsed into a libyaml
 * document, and walked against the table of known keys (config_keys.c).
 * The load works on a deep copy of the caller's config, which replaces the
 * caller's only when everything validated: a failed load leaves c exactly as
 * it was.  The "FILE:LINE: ..." messages of the whole loader are made here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "config_int.h"
#include "util.h"

#include "banned.h"

/* A config file is a few KiB; the bound keeps a stray huge file out. */
#define CONFIG_MAX_BYTES (1024 * 1024)
#define CONFIG_MAX_NESTING 32 /* '[' and '{' open at once; mailrota needs 1 */

/* ------------------------------------------------------------------ */
/* Messages                                                            */

int cfg_ferr(struct load_ctx *lc, int line, struct errinfo *ei,
             const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    err_vset_at(ei, ERR_CONFIG, lc->file, line, fmt, ap);
    va_end(ap);
    return -1;
}

int cfg_kerr(struct load_ctx *lc, int line, const char *key,
             struct errinfo *ei, const char *fmt, ...)
{
    char msg[ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return cfg_ferr(lc, line, ei, "key '%s': %s", key, msg);
}

/* A bounded, control-free copy of untrusted text for a message. */
void cfg_show(const char *s, size_t n, char out[SHOW_MAX + 4])
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

int cfg_node_line(const yaml_node_t *n)
{
    return (int)n->start_mark.line + 1;
}

const char *cfg_node_what(const yaml_node_t *n)
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

/* ------------------------------------------------------------------ */
/* Walking the document                                                */

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
    int idx, line = cfg_node_line(kn), ret = -1;
    size_t len;

    if (kn->type != YAML_SCALAR_NODE)
        return cfg_ferr(lc, line, ei, "expected a key name%s%s, got %s",
                        section ? " in " : "", section ? section : "",
                        cfg_node_what(kn));
    name = (const char *)kn->data.scalar.value;
    len = kn->data.scalar.length;
    cfg_show(name, len, shown);
    dotted = section ? xasprintf("%s.%s", section, shown) : xstrdup(shown);
    if (memchr(name, '.', len)) {
        /* "smtp.port: 25" must not reach smtp.port: YAML nests by indent. */
        cfg_ferr(lc, line, ei,
                 "unknown key '%s' (write nested keys on their own "
                 "indented lines: '%.*s:' then '  %s:')",
                 dotted, (int)strcspn(shown, "."), shown, cfg_leaf(shown));
        goto out;
    }
    idx =
        memchr(name, '\0', len) || len > SHOW_MAX ? -1 : cfg_key_index(dotted);
    if (idx < 0) {
        hint = cfg_suggest_key(dotted);
        if (hint)
            cfg_ferr(lc, line, ei, "unknown key '%s'; did you mean '%s'?",
                     dotted, hint);
        else
            cfg_ferr(lc, line, ei, "unknown key '%s'", dotted);
        goto out;
    }
    if (lc->line[idx]) {
        cfg_ferr(lc, line, ei, "duplicate key '%s' (first set on line %d)",
                 dotted, lc->line[idx]);
        goto out;
    }
    lc->line[idx] = line;
    k = &cfg_keys[idx];
    if (k->kind == K_SECTION) {
        if (vn->type == YAML_MAPPING_NODE) {
            ret = walk_mapping(lc, vn, k->name, ei);
            goto out;
        }
        if (vn->type == YAML_SCALAR_NODE &&
            vn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
            cfg_is_null_word((const char *)vn->data.scalar.value,
                             vn->data.scalar.length)) {
            ret = 0; /* "smtp:" with every sub-key commented out */
            goto out;
        }
        if (vn->type == YAML_SCALAR_NODE) {
            cfg_show((const char *)vn->data.scalar.value,
                     vn->data.scalar.length, shown);
            cfg_kerr(lc, line, k->name, ei,
                     "expected a mapping of '%s.*' keys "
                     "(indented 'key: value' lines), got '%s'",
                     k->name, shown);
        } else {
            cfg_kerr(lc, line, k->name, ei,
                     "expected a mapping of '%s.*' keys, "
                     "got %s",
                     k->name, cfg_node_what(vn));
        }
        goto out;
    }
    ret = cfg_set_value(lc, k, line, vn, ei);
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
            return cfg_ferr(lc, cfg_node_line(map), ei, "malformed mapping");
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
        int line = lc->line[cfg_key_index("smtp.security")];
        return cfg_kerr(lc, line, "smtp.security", ei,
                        "'none' would send "
                        "passwords without TLS; set "
                        "smtp.allow_plaintext_auth: "
                        "true to allow it, or use starttls or implicit");
    }
    return cfg_check_schedule(lc, ei);
}

/* Default paths the file did not override follow the file's directory. */
static void rebase_default(struct load_ctx *lc, const char *key,
                           char **field, const char *def)
{
    if (lc->line[cfg_key_index(key)] || !*field || strcmp(*field, def) != 0)
        return;
    free(*field);
    *field = cfg_path_join(lc->c->dir, def);
}

static bool file_sets(struct load_ctx *lc, const char *key, const char *val)
{
    return lc->line[cfg_key_index(key)] && val && *val;
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
        return cfg_ferr(lc, 0, ei, "out of memory while parsing");
    case YAML_READER_ERROR:
        for (size_t i = 0; i < parser->problem_offset && i < len; i++)
            if (buf[i] == '\n')
                line++;
        return cfg_ferr(lc, line, ei, "cannot read the file as YAML: %s",
                        parser->problem ? parser->problem : "unknown error");
    default:
        line = (int)parser->problem_mark.line + 1;
        hint = tab_indent(buf, len, parser->problem_mark.index)
                   ? " (indent with spaces: YAML does not allow tabs)" : "";
        if (parser->context)
            return cfg_ferr(
                lc, line, ei,
                "YAML syntax error: %s (%s, from line "
                "%d)%s",
                parser->problem ? parser->problem : "unknown error",
                parser->context, (int)parser->context_mark.line + 1, hint);
        return cfg_ferr(lc, line, ei, "YAML syntax error: %s%s",
                        parser->problem ? parser->problem : "unknown error",
                        hint);
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
                return cfg_ferr(lc, line, ei,
                                "'[' and '{' nested more than %d "
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
        cfg_ferr(lc, 0, ei, "not a regular file");
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
            cfg_ferr(lc, 0, ei, "file too large (more than %d bytes)",
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

/* Parses buf into *doc, which must be the file's only document.  *doc_ok
 * says whether *doc was loaded (and needs yaml_document_delete()). */
static int parse_document(struct load_ctx *lc, const char *buf, size_t len,
                          yaml_document_t *doc, bool *doc_ok,
                          struct errinfo *ei)
{
    yaml_parser_t parser;
    yaml_document_t extra;
    yaml_node_t *root;
    int ret = -1;

    if (!yaml_parser_initialize(&parser))
        return err_set(ei, ERR_CONFIG, "cannot initialise the YAML parser");
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    if (!yaml_parser_load(&parser, doc)) {
        syntax_error(lc, &parser, buf, len, ei);
        goto out;
    }
    *doc_ok = true;
    if (!yaml_parser_load(&parser, &extra)) {
        syntax_error(lc, &parser, buf, len, ei);
        goto out;
    }
    root = yaml_document_get_root_node(&extra);
    if (root)
        cfg_ferr(lc, cfg_node_line(root), ei,
                 "a second YAML document; the file must hold exactly one");
    else
        ret = 0;
    yaml_document_delete(&extra);
out:
    yaml_parser_delete(&parser);
    return ret;
}

/* The top level: a mapping of keys, or nothing at all. */
static int walk_root(struct load_ctx *lc, struct errinfo *ei)
{
    yaml_node_t *root = yaml_document_get_root_node(lc->doc);

    if (root && root->type == YAML_MAPPING_NODE)
        return walk_mapping(lc, root, NULL, ei);
    if (root &&
        !(root->type == YAML_SCALAR_NODE &&
          root->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
          cfg_is_null_word((const char *)root->data.scalar.value,
                           root->data.scalar.length)))
        return cfg_ferr(lc, cfg_node_line(root), ei,
                        "expected a mapping of 'key: value' "
                        "lines at the top level, got %s",
                        cfg_node_what(root));
    return 0;
}

/* Once every key is in: the cross-key rules, the default paths, and the
 * permission check on a file that names a secret source. */
static int finish(struct load_ctx *lc, mode_t mode, struct errinfo *ei)
{
    struct config *tmp = lc->c;

    if (check_config(lc, ei) < 0)
        return -1;
    rebase_default(lc, "database", &tmp->database, DEFAULT_DATABASE);
    rebase_default(lc, "key_file", &tmp->key_file, DEFAULT_KEY_FILE);
    tmp->insecure_secret_source =
        (mode & (S_IRGRP | S_IROTH)) &&
        (file_sets(lc, "oauth.client_secret_env",
                   tmp->oauth.client_secret_env) ||
         file_sets(lc, "oauth.client_secret_cmd",
                   tmp->oauth.client_secret_cmd));
    return 0;
}

int config_load(struct config *c, const char *path, struct errinfo *ei)
{
    struct load_ctx lc;
    struct config tmp;
    yaml_document_t doc;
    bool doc_ok = false;
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
    tmp.dir = cfg_path_dir(path);

    if (check_nesting(&lc, buf, len, ei) < 0 ||
        parse_document(&lc, buf, len, &doc, &doc_ok, ei) < 0 ||
        walk_root(&lc, ei) < 0 || finish(&lc, mode, ei) < 0)
        goto out;

    config_release(c);
    *c = tmp;
    memset(&tmp, 0, sizeof(tmp));
    ret = 0;
out:
    if (ret < 0)
        config_release(&tmp);
    if (doc_ok)
        yaml_document_delete(&doc);
    free(buf);
    return ret;
}
