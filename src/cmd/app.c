#include "app.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "creds.h"
#include "log.h"
#include "store.h"
#include "template.h"
#include "util.h"

#include "banned.h"

int app_load_config(struct app *app, struct errinfo *ei)
{
    char *path = NULL;

    if (app->cfg_loaded)
        return 0;
    config_set_defaults(&app->cfg);
    app->cfg_loaded = true;
    if (config_find(app->config_opt, &path, ei) < 0)
        return -1;
    if (path) {
        int r = config_load(&app->cfg, path, ei);
        free(path);
        if (r < 0)
            return -1;
        if (app->cfg.insecure_secret_source)
            log_warnx("config '%s' is readable by other users and names a "
                      "secret source: run chmod 600 '%s'",
                      app->cfg.path, app->cfg.path);
    }
    if (app->db_opt)
        config_set_database(&app->cfg, app->db_opt);
    log_debug("config: %s, database: %s",
              app->cfg.path ? app->cfg.path : "(none, defaults)",
              app->cfg.database);
    return 0;
}

int app_load_key(struct app *app, unsigned char key[SECRET_KEY_LEN],
                 bool *have, struct errinfo *ei)
{
    struct stat st;

    *have = false;
    /* lstat: a link to a missing key (a secret not mounted) is an error
     * that secret_key_load() explains, not "no key". */
    if (!app->cfg.key_file || lstat(app->cfg.key_file, &st) != 0)
        return 0;
    if (secret_key_load(app->cfg.key_file, key, ei) < 0)
        return -1;
    *have = true;
    return 0;
}

int app_store_settings(struct app *app, struct db *db, struct errinfo *ei)
{
    return store_settings_write(db, app->cfg.rules.daily_cap,
                                app->cfg.timezone, ei);
}

/*
 * Brings the settings rows up to the loaded config, so that a config
 * change shows in the views (mailbox_today's cap) at the next command,
 * whichever it is.  Writes only when a value changed; a command that only
 * reads (plan, status) goes on without it when the database cannot be
 * written now.
 */
static void refresh_settings(struct app *app, struct db *db)
{
    struct errinfo ei = { ERR_OK, "" };
    bool same = false;

    if (store_settings_current(db, app->cfg.rules.daily_cap,
                               app->cfg.timezone, &same, &ei) == 0 && same)
        return;
    if (app_store_settings(app, db, &ei) < 0)
        log_debug("settings not refreshed: %s", ei.msg);
}

int app_open_db(struct app *app, unsigned flags, struct db **db,
                struct errinfo *ei)
{
    if (app_load_config(app, ei) < 0)
        return -1;
    if (db_open(app->cfg.database, flags, db, ei) < 0)
        return -1;
    /* Before any password or client-secret command can run (SPEC: they
     * get no other secret variable).  Without the schema check the roster
     * may not exist yet: such callers (init) run no command. */
    if (!(flags & DB_NO_SCHEMA_CHECK)) {
        if (creds_protect_env(*db, &app->cfg, ei) < 0) {
            db_close(*db);
            *db = NULL;
            return -1;
        }
        /* Without a current schema there may be no settings table yet. */
        refresh_settings(app, *db);
    }
    return 0;
}

void app_usage(const char *usage)
{
    fputs(usage, stdout);
}

/* app_accept_globals' app: where app_getopt puts the global options. */
static struct app *globals_app;

static const struct option global_opts[] = {
    APP_GLOBAL_LONGOPTS,
    { NULL, 0, NULL, 0 },
};

int app_global_option(struct app *app, int c, const char *arg)
{
    switch (c) {
    case 'c': app->config_opt = arg; break;
    case APP_OPT_DB: app->db_opt = arg; break;
    case 'v': app->log_level++; break;
    case 'q': app->quiet = true; app->log_level = LOG_LEVEL_ERROR; break;
    default: return -1;
    }
    log_set_level(app->log_level);
    return 0;
}

void app_accept_globals(struct app *app)
{
    globals_app = app;
}

/* A command's options followed by the global ones it does not shadow. */
struct optset {
    struct option *longopts;
    size_t n_cmd;             /* longopts[0..n_cmd) are the command's */
    char *shortopts;
};

static bool has_long(const struct option *opts, const char *name)
{
    for (const struct option *o = opts; o && o->name; o++)
        if (strcmp(o->name, name) == 0)
            return true;
    return false;
}

static void optset_init(struct optset *os, const char *shortopts,
                        const struct option *longopts)
{
    const size_t n_glob = sizeof(global_opts) / sizeof(global_opts[0]);
    size_t n = 0, len = strlen(shortopts);

    while (longopts && longopts[n].name)
        n++;
    os->n_cmd = n;
    os->longopts = xcalloc(n + n_glob, sizeof(*os->longopts));
    for (size_t i = 0; i < n; i++)
        os->longopts[i] = longopts[i];
    os->shortopts = xmalloc(len + sizeof(APP_GLOBAL_SHORTOPTS));
    memcpy(os->shortopts, shortopts, len + 1);
    if (!globals_app)
        return;
    for (const struct option *g = global_opts; g->name; g++)
        if (!has_long(longopts, g->name))
            os->longopts[n++] = *g;
    for (const char *p = APP_GLOBAL_SHORTOPTS; *p; p++) {
        size_t k = 1;

        while (p[k] == ':')
            k++;
        if (!strchr(shortopts, *p)) {
            memcpy(os->shortopts + len, p, k);
            len += k;
            os->shortopts[len] = '\0';
        }
        p += k - 1;
    }
}

/* Whether getopt's answer (c, long option index idx) is a global option. */
static bool optset_global(const struct optset *os, const char *shortopts,
                          int c, int idx)
{
    if (!globals_app || c == -1)
        return false;
    if (idx >= 0)
        return (size_t)idx >= os->n_cmd;
    return c != ':' && c != '?' && strchr(APP_GLOBAL_SHORTOPTS, c) &&
           !strchr(shortopts, c);
}

/* The error for getopt's '?' or ':' (a missing value). */
static int getopt_error(int c, int argc, char **argv, const char *cmd,
                        const struct option *longopts, struct errinfo *ei)
{
    const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";

    if (c == ':') {
        for (const struct option *o = longopts; o && o->name; o++)
            if (o->val == optopt && strncmp(arg, "--", 2) == 0)
                return err_set(ei, ERR_USAGE, "%s: option '--%s' needs a "
                               "value", cmd, o->name),
                       '?';
        err_set(ei, ERR_USAGE, "%s: option '-%c' needs a value", cmd,
                optopt);
        return '?';
    }
    if (optopt && strncmp(arg, "--", 2) != 0)
        err_set(ei, ERR_USAGE, "%s: unknown option '-%c' (see 'mailrota %s "
                "--help')", cmd, optopt, cmd);
    else
        err_set(ei, ERR_USAGE, "%s: unknown option '%s' (see 'mailrota %s "
                "--help')", cmd, arg, cmd);
    return '?';
}

int app_getopt(int argc, char **argv, const char *cmd, const char *shortopts,
               const struct option *longopts, const char *usage,
               struct errinfo *ei)
{
    struct optset os;
    int c, idx;

    opterr = 0;
    optset_init(&os, shortopts, longopts);
    /* A leading ':' makes a missing value ':' rather than '?'. */
    do {
        idx = -1;
        c = getopt_long(argc, argv, os.shortopts, os.longopts, &idx);
    } while (optset_global(&os, shortopts, c, idx) &&
             app_global_option(globals_app, c, optarg) == 0);
    if (c == 'h') {
        app_usage(usage);
        c = -2;
    } else if (c == '?' || c == ':') {
        c = getopt_error(c, argc, argv, cmd, os.longopts, ei);
    }
    free(os.longopts);
    free(os.shortopts);
    return c;
}

int app_parse_count(const char *opt, const char *val, long long max,
                    long long *out, struct errinfo *ei)
{
    if (parse_int(val, 0, max, out) < 0)
        return err_set(ei, ERR_USAGE,
                       "%s: expected a whole number from 0 to %lld, got '%s'",
                       opt, max, val);
    return 0;
}

bool app_progress(const struct app *app)
{
    return !app->quiet && isatty(STDERR_FILENO);
}

int app_read_file(const char *path, size_t max, char **out, size_t *len,
                  struct errinfo *ei)
{
    struct stat sb;
    char *buf = NULL;
    size_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return err_set(ei, ERR_NOINPUT, "cannot open '%s': %s", path,
                       strerror(errno));
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return err_set(ei, ERR_NOINPUT, "'%s' is not a regular file", path);
    }
    if ((size_t)sb.st_size > max) {
        close(fd);
        return err_set(ei, ERR_DATA, "'%s' is larger than %zu bytes", path,
                       max);
    }
    buf = xmalloc(max + 1);
    for (;;) {
        ssize_t r = read(fd, buf + n, max + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            err_set(ei, ERR_IO, "cannot read '%s': %s", path,
                    strerror(errno));
            free(buf);
            close(fd);
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > max) {
            free(buf);
            close(fd);
            return err_set(ei, ERR_DATA, "'%s' is larger than %zu bytes",
                           path, max);
        }
    }
    close(fd);
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return 0;
}

long app_csv_read_fd(void *ctx, char *buf, size_t n)
{
    int fd = *(const int *)ctx;
    ssize_t r;

    do {
        r = read(fd, buf, n);
    } while (r < 0 && errno == EINTR);
    return (long)r;
}

static int load_template(const char *path, bool step, struct template *t,
                         struct errinfo *ei)
{
    char *text = NULL;
    size_t len;
    int r;

    if (app_read_file(path, TEMPLATE_MAX_FILE, &text, &len, ei) < 0)
        return err_prefix(ei, "template");
    r = step ? template_parse_step(text, len, path, t, ei)
             : template_parse(text, len, path, t, ei);
    free(text);
    return r;
}

int app_load_template(const char *path, struct template *t,
                      struct errinfo *ei)
{
    return load_template(path, false, t, ei);
}

int app_load_step_template(const char *path, struct template *t,
                           struct errinfo *ei)
{
    return load_template(path, true, t, ei);
}

int app_dispatch(struct app *app, const char *group, const char *usage,
                 const struct subcommand *subs, size_t n, int argc,
                 char **argv, struct errinfo *ei)
{
    const char *sub = argc >= 2 ? argv[1] : NULL;
    char names[128] = "";

    if (sub && (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0)) {
        app_usage(usage);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        if (!subs[i].name)
            n = i;
    for (size_t i = 0; sub && i < n; i++) {
        if (strcmp(sub, subs[i].name) == 0) {
            optind = 0; /* the subcommand parses its own options */
            return subs[i].fn(app, argc - 1, argv + 1, ei);
        }
    }
    for (size_t i = 0; i < n; i++)
        snprintf(names + strlen(names), sizeof(names) - strlen(names),
                 "%s%s", i ? ", " : "", subs[i].name);
    if (!sub)
        return err_set(ei, ERR_USAGE, "%s: missing subcommand (%s; see "
                       "'mailrota %s --help')", group, names, group);
    return err_set(ei, ERR_USAGE, "%s: unknown subcommand '%s' (%s)", group,
                   sub, names);
}
