/* cmd_suppress.c - `suppress add | list | remove`: never write to these. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "clock.h"
#include "contact.h"
#include "table.h"
#include "util.h"

#include "banned.h"

static const char suppress_usage[] =
    "usage: mailrota suppress add EMAIL|@DOMAIN [--reason R]\n"
    "   or: mailrota suppress list\n"
    "   or: mailrota suppress remove EMAIL|@DOMAIN\n"
    "\n"
    "Addresses and domains mailrota never writes to.  '@acme.com' covers\n"
    "acme.com and its subdomains.  Matching ignores case.\n";

/* "x@y.com" or "@y.com", normalised; NULL (with ei) when neither. */
static char *normalize_value(const char *arg, struct errinfo *ei)
{
    const char *reason = NULL;
    char *v;

    if (arg[0] == '@') {
        char *d = contact_domain_normalize(arg + 1);
        if (!d || !strchr(d, '.')) {
            free(d);
            err_set(ei, ERR_USAGE, "suppress: '%s' is not a domain like "
                    "@acme.com", arg);
            return NULL;
        }
        v = xasprintf("@%s", d);
        free(d);
        return v;
    }
    v = contact_email_normalize(arg, &reason);
    if (!v)
        err_set(ei, ERR_USAGE, "suppress: '%s' is not an address or "
                "@domain: %s", arg, reason);
    return v;
}

static int suppress_add(struct app *app, int argc, char **argv,
                        struct errinfo *ei)
{
    static const struct option opts[] = {
        { "reason", required_argument, NULL, 'r' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *reason = NULL;
    struct db *db = NULL;
    sqlite3_stmt *st = NULL;
    char *v = NULL, now[ISO_TIME_LEN];
    int c, ret = -1;

    while ((c = app_getopt(argc, argv, "suppress add", ":r:h", opts,
                           suppress_usage, ei)) != -1) {
        switch (c) {
        case -2: return 0;
        case 'r': reason = optarg; break;
        default: return -1;
        }
    }
    if (optind + 1 != argc)
        return err_set(ei, ERR_USAGE, "suppress add: give one EMAIL or "
                       "@DOMAIN");
    if (reason && strpbrk(reason, "\r\n"))
        return err_set(ei, ERR_USAGE, "suppress add: --reason must be one "
                       "line");
    v = normalize_value(argv[optind], ei);
    if (!v)
        return -1;
    if (app_open_db(app, 0, &db, ei) < 0)
        goto out;
    clock_now_iso(now);
    if (db_prepare(db, "INSERT INTO suppressions(value, reason, created_at)"
                       " VALUES (?1, ?2, ?3) ON CONFLICT(value) DO UPDATE"
                       " SET reason = COALESCE(excluded.reason, reason)",
                   &st, ei) < 0)
        goto out;
    sqlite3_bind_text(st, 1, v, -1, SQLITE_STATIC);
    db_bind_text_or_null(st, 2, reason);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        db_fail(db, ei, "cannot add suppression");
        goto out;
    }
    if (!app->quiet)
        printf("suppressed %s\n", v);
    ret = 0;
out:
    sqlite3_finalize(st);
    db_close(db);
    free(v);
    return ret;
}

static int suppress_remove(struct app *app, int argc, char **argv,
                           struct errinfo *ei)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct db *db = NULL;
    sqlite3_stmt *st = NULL;
    char *v = NULL;
    int c, ret = -1;

    while ((c = app_getopt(argc, argv, "suppress remove", ":h", opts,
                           suppress_usage, ei)) != -1)
        return c == -2 ? 0 : -1;
    if (optind + 1 != argc)
        return err_set(ei, ERR_USAGE, "suppress remove: give one EMAIL or "
                       "@DOMAIN");
    v = normalize_value(argv[optind], ei);
    if (!v)
        return -1;
    if (app_open_db(app, 0, &db, ei) < 0)
        goto out;
    if (db_prepare(db, "DELETE FROM suppressions WHERE value = ?1", &st,
                   ei) < 0)
        goto out;
    sqlite3_bind_text(st, 1, v, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        db_fail(db, ei, "cannot remove suppression");
        goto out;
    }
    if (sqlite3_changes(db->h) == 0) {
        err_set(ei, ERR_DATA, "'%s' is not suppressed (see 'suppress list')",
                v);
        goto out;
    }
    if (!app->quiet)
        printf("removed %s\n", v);
    ret = 0;
out:
    sqlite3_finalize(st);
    db_close(db);
    free(v);
    return ret;
}

static int suppress_list(struct app *app, int argc, char **argv,
                         struct errinfo *ei)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static const char *const hdr[] = { "VALUE", "REASON", "ADDED" };
    struct db *db = NULL;
    sqlite3_stmt *st = NULL;
    struct table t;
    int c, rc, ret = -1;

    while ((c = app_getopt(argc, argv, "suppress list", ":h", opts,
                           suppress_usage, ei)) != -1)
        return c == -2 ? 0 : -1;
    if (optind < argc)
        return err_set(ei, ERR_USAGE, "suppress list: unexpected argument "
                       "'%s'", argv[optind]);
    if (app_open_db(app, 0, &db, ei) < 0)
        return -1;
    if (db_prepare(db, "SELECT value, reason, created_at FROM suppressions"
                       " ORDER BY value", &st, ei) < 0)
        goto out;
    table_init(&t, 3, hdr);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *cell[3];
        for (int i = 0; i < 3; i++)
            cell[i] = (const char *)sqlite3_column_text(st, i);
        table_add(&t, cell);
    }
    if (rc == SQLITE_DONE) {
        table_print(&t, stdout);
        ret = 0;
    } else {
        db_fail(db, ei, "suppress list");
    }
    table_release(&t);
out:
    sqlite3_finalize(st);
    db_close(db);
    return ret;
}

const struct subcommand suppress_subs[] = {
    { "add", suppress_add, "never write to an address or @domain" },
    { "list", suppress_list, "the suppressed addresses and domains" },
    { "remove", suppress_remove, "take an address or @domain off the list" },
    { NULL, NULL, NULL },
};

int cmd_suppress(struct app *app, int argc, char **argv, struct errinfo *ei)
{
    return app_dispatch(app, "suppress", suppress_usage, suppress_subs,
                        sizeof(suppress_subs) / sizeof(suppress_subs[0]),
                        argc, argv, ei);
}
