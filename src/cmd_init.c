/* cmd_init.c - `init` and `migrate`. */
#include <stdio.h>

#include "app.h"
#include "clock.h"
#include "log.h"
#include "secret.h"

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
    char now[21];
    int applied = 0;

    if (app_open_db(app, DB_NO_SCHEMA_CHECK | (create ? DB_CREATE : 0), &db,
                    ei) < 0)
        return -1;
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

int cmd_init(struct app *app, int argc, char **argv, struct errinfo *ei)
{
    bool created = false;
    int r = no_args(argc, argv, init_usage, ei);

    if (r)
        return r > 0 ? 0 : -1;
    if (app_load_config(app, ei) < 0)
        return -1;
    /* The key file first: an insecure one stops init before the database
     * is touched. */
    if (app->cfg.key_file) {
        if (secret_key_create(app->cfg.key_file, &created, ei) < 0)
            return -1;
        if (created && !app->quiet)
            printf("key file %s: created (mode 0600); back it up: stored "
                   "passwords cannot be read without it\n",
                   app->cfg.key_file);
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
