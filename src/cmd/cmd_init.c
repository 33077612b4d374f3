/* cmd_init.c - `init` and `migrate`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "app.h"
#include "clock.h"
#include "log.h"
#include "runlock.h"
#include "secret.h"
#include "store.h"

#include "banned.h"

static const char init_usage[] =
    "usage: mailrota init\n"
    "\n"
    "Creates the database (database: in the config, or --db) and applies\n"
    "every migration, and creates the key file (key_file:, mode 0600, 32\n"
    "random bytes) when it is missing.  An existing key file is never\n"
    "rewritten.  Safe to run again.\n";

static const char migrate_usage[] =
    "usage: mailrota migrate\n"
    "\n"
    "Applies pending migrations to the database, in order, each once and in\n"
    "its own transaction, recorded in schema_migrations.\n";

static int no_args(int argc, char **argv, const char *usage,
                   struct errinfo *ei)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c = app_getopt(argc, argv, argv[0], ":h", opts, usage, ei);

    if (c == -2)
        return 1;
    if (c != -1)
        return -1;
    if (optind < argc)
        return err_set(ei, ERR_USAGE, "%s: unexpected argument '%s'",
                       argv[0], argv[optind]);
    return 0;
}

static int migrate(struct app *app, bool create, struct errinfo *ei)
{
    struct db *db = NULL;
    struct stat st;
    char now[21];
    int applied = 0;
    bool fresh;

    if (app_load_config(app, ei) < 0)
        return -1;
    fresh = create && stat(app->cfg.database, &st) < 0;
    if (app_open_db(app, DB_NO_SCHEMA_CHECK | (create ? DB_CREATE : 0), &db,
                    ei) < 0)
        return -1;
    if (fresh)
        runlock_forget(app->cfg.database);
    clock_now_iso(now);
    if (db_migrate(db, now, &applied, ei) < 0 ||
        app_store_settings(app, db, ei) < 0) {
        db_close(db);
        return -1;
    }
    db_close(db);
    if (!app->quiet)
        printf("database %s: %d migration%s applied\n", app->cfg.database,
               applied, applied == 1 ? "" : "s");
    return 0;
}

/* "a@x, b@y" (shortened with ", ..."), and how many. */
struct names {
    char buf[120];
    size_t len;
    int n;
};

static void add_name(void *arg, const char *email)
{
    struct names *nm = arg;
    size_t size = sizeof(nm->buf);

    if (nm->len + strlen(email) + 8 < size)
        nm->len += (size_t)snprintf(nm->buf + nm->len, size - nm->len,
                                    "%s%s", nm->n ? ", " : "", email);
    else if (nm->len + 6 < size && !strstr(nm->buf, ", ..."))
        nm->len += (size_t)snprintf(nm->buf + nm->len, size - nm->len,
                                    ", ...");
    nm->n++;
}

/*
 * The key file is missing but the database exists: a new key would orphan
 * every password stored with the lost one, so init refuses while any is
 * stored (SPEC).  Cached OAuth tokens are sealed with it too, but they are
 * only a cache: they are dropped (*dropped) and fetched again.
 */
static int check_lost_key(struct app *app, int *dropped, struct errinfo *ei)
{
    const char *key = app->cfg.key_file, *path = app->cfg.database;
    struct db *db = NULL;
    struct stat st;
    struct names nm = { "", 0, 0 };
    int ret = -1;

    *dropped = 0;
    if (lstat(key, &st) == 0 || errno != ENOENT || stat(path, &st) != 0)
        return 0;
    if (db_open(path, DB_NO_SCHEMA_CHECK, &db, ei) < 0)
        return -1;
    if (store_sealed_mailboxes(db, add_name, &nm, ei) < 0)
        goto out;
    if (nm.n) {
        err_set(ei, ERR_CONFIG, "key file '%s' is missing but database "
                "'%s' holds passwords stored with it (%d mailbox%s: %s): a "
                "new key could not read them, so none is made: restore "
                "the key file from a backup, or clear them (sqlite3 '%s' "
                "\"update mailboxes set secret = null\"), run init again "
                "and re-enter each: mailrota mailbox set EMAIL "
                "--password-stdin", key, path, nm.n, nm.n == 1 ? "" : "es",
                nm.buf, path);
        goto out;
    }
    if (store_drop_oauth_tokens(db, dropped, ei) < 0)
        goto out;
    ret = 0;
out:
    db_close(db);
    return ret;
}

int cmd_init(struct app *app, int argc, char **argv, struct errinfo *ei)
{
    bool created = false;
    int dropped = 0;
    int r = no_args(argc, argv, init_usage, ei);

    if (r)
        return r > 0 ? 0 : -1;
    if (app_load_config(app, ei) < 0)
        return -1;
    /* The key file first: an insecure one stops init before the database
     * is touched. */
    if (app->cfg.key_file) {
        if (check_lost_key(app, &dropped, ei) < 0 ||
            secret_key_create(app->cfg.key_file, &created, ei) < 0)
            return -1;
        if (created && !app->quiet)
            printf("key file %s: created (mode 0600); back it up: stored "
                   "passwords cannot be read without it\n",
                   app->cfg.key_file);
        if (dropped && !app->quiet)
            printf("dropped %d cached OAuth token%s stored with the lost "
                   "key file (new ones are fetched when needed)\n",
                   dropped, dropped == 1 ? "" : "s");
    }
    return migrate(app, true, ei);
}

int cmd_migrate(struct app *app, int argc, char **argv, struct errinfo *ei)
{
    int r = no_args(argc, argv, migrate_usage, ei);

    if (r)
        return r > 0 ? 0 : -1;
    return migrate(app, false, ei);
}
