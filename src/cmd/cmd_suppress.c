/* cmd_suppress.c - `suppress add | list | remove`: never write to these. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "clock.h"
#include "erase.h"
#include "log.h"
#include "store.h"
#include "suppress.h"
#include "table.h"
#include "util.h"

#include "banned.h"

static const char suppress_usage[] =
    "usage: mailrota suppress add EMAIL|@DOMAIN [--reason R]\n"
    "   or: mailrota suppress list\n"
    "   or: mailrota suppress remove EMAIL|@DOMAIN|sha256:HEX\n"
    "\n"
    "Addresses and domains mailrota never writes to.  '@acme.com' covers\n"
    "acme.com and its subdomains; 'acme.com' and '*@acme.com' are read as\n"
    "'@acme.com'.  Matching ignores case.  A sha256:HEX row stands for an\n"
    "address erased with 'contact forget'; removing it lets the address be\n"
    "imported again.\n";

/* The argument as a value (suppress.h), or NULL with ei (exit 65). */
static char *arg_value(const char *cmd, const char *arg, struct errinfo *ei)
{
    const char *reason = "";
    bool respelled = false;
    char *v = suppress_value(arg, &respelled, &reason);
    char *shown = sanitize(xstrdup(arg));

    if (v && respelled)
        log_warnx("%s: '%s' is read as '%s': the domain and its "
                  "subdomains", cmd, shown, v);
    else if (!v)
        err_set(ei, ERR_DATA, "%s: '%s' is neither an address "
                "(name@acme.com) nor a domain (@acme.com): %s", cmd, shown,
                reason);
    free(shown);
    return v;
}

/* delete_spellings' search: the rows to delete. */
struct spellings {
    const char *v;
    bool exact;
    char **reason;
    long long *ids;
    size_t n, cap;
};

static int match_spelling(void *arg, const struct store_suppression *s)
{
    struct spellings *sp = arg;
    char *w = s->value ? suppress_value(s->value, NULL, NULL) : NULL;
    bool same = w && str_ieq(w, sp->v) &&
                (sp->exact || !str_ieq(s->value, sp->v));

    /* an erasure's sha256: row has one spelling, itself */
    if (!w && sp->exact && s->value && str_ieq(s->value, sp->v))
        same = true;

    free(w);
    if (!same)
        return 0;
    if (sp->reason && !*sp->reason && s->reason)
        *sp->reason = xstrdup(s->reason);
    if (sp->n == sp->cap) {
        sp->cap = sp->cap ? sp->cap * 2 : 4;
        sp->ids = xrealloc(sp->ids, sp->cap * sizeof(*sp->ids));
    }
    sp->ids[sp->n++] = s->rowid;
    return 0;
}

/*
 * Deletes every row that means v in another spelling ("*@acme.com" stored
 * by an older mailrota for "@acme.com"), and with `exact` the row v itself.
 * *n counts the rows deleted; *reason (when not NULL and still NULL) takes
 * the first reason found on them.  Run inside a transaction.
 */
static int delete_spellings(struct db *db, const char *v, bool exact,
                            int *n, char **reason, struct errinfo *ei)
{
    struct spellings sp = { v, exact, reason, NULL, 0, 0 };
    int ret = -1;

    *n = 0;
    if (store_suppressions(db, false, match_spelling, &sp, ei) < 0)
        goto out;
    for (size_t i = 0; i < sp.n; i++)
        if (store_suppression_delete(db, sp.ids[i], ei) < 0)
            goto out;
    *n = (int)sp.n;
    ret = 0;
out:
    free(sp.ids);
    return ret;
}

/* Stores v with reason (NULL: keep the stored one), replacing its other
 * spellings; one transaction. */
static int store_value(struct db *db, const char *v, const char *reason,
                       struct errinfo *ei)
{
    char *old_reason = NULL, now[ISO_TIME_LEN];
    int n, ret = -1;

    if (db_begin(db, true, ei) < 0)
        return -1;
    if (delete_spellings(db, v, false, &n, &old_reason, ei) < 0)
        goto out;
    clock_now_iso(now);
    if (store_suppression_put(db, v, reason ? reason : old_reason, now,
                              ei) < 0)
        goto out;
    ret = db_commit(db, ei);
out:
    if (ret < 0)
        db_rollback(db);
    free(old_reason);
    return ret;
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
    char *v = NULL;
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
    v = arg_value("suppress add", argv[optind], ei);
    if (!v)
        return -1;
    if (app_open_db(app, 0, &db, ei) < 0 ||
        store_value(db, v, reason, ei) < 0)
        goto out;
    if (!app->quiet)
        printf("suppressed %s\n", v);
    ret = 0;
out:
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
    char *v = NULL;
    int c, n = 0, ret = -1;

    while ((c = app_getopt(argc, argv, "suppress remove", ":h", opts,
                           suppress_usage, ei)) != -1)
        return c == -2 ? 0 : -1;
    if (optind + 1 != argc)
        return err_set(ei, ERR_USAGE, "suppress remove: give one EMAIL or "
                       "@DOMAIN");
    /* An erasure's row (`contact forget`), as `suppress list` shows it:
     * removing it lets the address be imported again. */
    v = erase_is_value(argv[optind]) ? sanitize(xstrdup(argv[optind]))
                                     : arg_value("suppress remove",
                                                 argv[optind], ei);
    if (!v)
        return -1;
    if (app_open_db(app, 0, &db, ei) < 0 || db_begin(db, true, ei) < 0)
        goto out;
    if (delete_spellings(db, v, true, &n, NULL, ei) < 0 ||
        db_commit(db, ei) < 0) {
        db_rollback(db);
        goto out;
    }
    if (n == 0) {
        err_set(ei, ERR_DATA, "'%s' is not suppressed (see 'suppress list')",
                v);
        goto out;
    }
    if (!app->quiet)
        printf("removed %s\n", v);
    ret = 0;
out:
    db_close(db);
    free(v);
    return ret;
}

static int list_row(void *arg, const struct store_suppression *s)
{
    /* As the planner reads it: an old "*@acme.com" is "@acme.com". */
    char *v = s->value ? suppress_value(s->value, NULL, NULL) : NULL;
    const char *cell[3] = { v ? v : s->value, s->reason, s->created_at };

    table_add(arg, cell);
    free(v);
    return 0;
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
    struct table t;
    int c, ret = -1;

    while ((c = app_getopt(argc, argv, "suppress list", ":h", opts,
                           suppress_usage, ei)) != -1)
        return c == -2 ? 0 : -1;
    if (optind < argc)
        return err_set(ei, ERR_USAGE, "suppress list: unexpected argument "
                       "'%s'", argv[optind]);
    if (app_open_db(app, 0, &db, ei) < 0)
        return -1;
    table_init(&t, 3, hdr);
    if (store_suppressions(db, true, list_row, &t, ei) == 0) {
        table_print(&t, stdout);
        ret = 0;
    }
    table_release(&t);
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
