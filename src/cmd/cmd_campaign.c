/* cmd_campaign.c - `campaign add | list | pause | resume`. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "clock.h"
#include "compose.h"
#include "table.h"
#include "template.h"
#include "tplvars.h"
#include "util.h"

#include "banned.h"

#define CAMPAIGN_NAME_MAX 200

static const char campaign_usage[] =
    "usage: mailrota campaign add NAME --template PATH [--subject TEXT]\n"
    "   or: mailrota campaign list\n"
    "   or: mailrota campaign pause NAME\n"
    "   or: mailrota campaign resume NAME\n"
    "\n"
    "A campaign is one offer or job opening, with one template: a\n"
    "'Subject:' line, a blank line, then the body, with variables such as\n"
    "{{first_name|there}}, {{company}}, {{sender_name}} and any CSV column.\n"
    "--subject overrides the template's Subject: line.  Contacts join a\n"
    "campaign with 'import contacts FILE --campaign NAME'.  A paused\n"
    "campaign sends nothing until resumed.\n";

static int check_name(const char *name, struct errinfo *ei)
{
    if (!*name || str_blank(name))
        return err_set(ei, ERR_USAGE, "campaign: empty name");
    if (strlen(name) > CAMPAIGN_NAME_MAX)
        return err_set(ei, ERR_USAGE, "campaign: name longer than %d bytes",
                       CAMPAIGN_NAME_MAX);
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return err_set(ei, ERR_USAGE, "campaign: name contains control "
                           "characters");
    if (!utf8_valid(name, strlen(name)))
        return err_set(ei, ERR_USAGE, "campaign: name is not UTF-8");
    return 0;
}

/* The variables a contact can have: built in, or a key of any fields_json. */
struct avail {
    const char **names;
    char **owned;
    size_t n, nowned;
};

static void avail_release(struct avail *a)
{
    for (size_t i = 0; i < a->nowned; i++)
        free(a->owned[i]);
    free(a->owned);
    free(a->names);
}

static int avail_load(struct db *db, struct avail *a, struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;
    size_t nb = compose_builtin_vars(NULL, 0), cap = nb + 16;
    int rc;

    a->names = xcalloc(cap, sizeof(*a->names));
    a->owned = xcalloc(cap, sizeof(*a->owned));
    a->n = compose_builtin_vars(a->names, cap);
    if (db_prepare(db,
                   "SELECT DISTINCT lower(j.key) FROM contacts c,"
                   " json_each(c.fields_json) j"
                   " WHERE json_valid(c.fields_json)",
                   &st, ei) < 0)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (a->n == cap) {
            cap *= 2;
            a->names = xrealloc(a->names, cap * sizeof(*a->names));
            a->owned = xrealloc(a->owned, cap * sizeof(*a->owned));
        }
        a->owned[a->nowned] = db_column_strdup(st, 0);
        a->names[a->n++] = a->owned[a->nowned++];
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read the contacts' columns");
    return 0;
}

/* Every variable without a default must be one some contact can have. */
static int check_vars(struct db *db, const char *tpath,
                      const struct template *t, const char *subject,
                      struct errinfo *ei)
{
    struct avail a = { NULL, NULL, 0, 0 };
    int ret = -1;

    if (avail_load(db, &a, ei) < 0)
        goto out;
    if (subject ? tplvars_check(subject, "--subject", 1, a.names, a.n,
                                ei) < 0
                : tplvars_check(t->subject, tpath, 1, a.names, a.n, ei) < 0)
        goto out;
    if (tplvars_check(t->body, tpath, TEMPLATE_BODY_LINE, a.names, a.n,
                      ei) < 0)
        goto out;
    ret = 0;
out:
    avail_release(&a);
    return ret;
}

static int campaign_add(struct app *app, int argc, char **argv,
                        struct errinfo *ei)
{
    static const struct option opts[] = {
        { "template", required_argument, NULL, 't' },
        { "subject", required_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct template t = { NULL, NULL };
    const char *tpath = NULL, *subject = NULL, *name;
    struct db *db = NULL;
    sqlite3_stmt *st = NULL;
    char *abs = NULL;
    char now[21];
    long long exists;
    int c, rc, ret = -1;

    while ((c = app_getopt(argc, argv, "campaign add", ":t:s:h", opts,
                           campaign_usage, ei)) != -1) {
        switch (c) {
        case -2: return 0;
        case 't': tpath = optarg; break;
        case 's': subject = optarg; break;
        default: return -1;
        }
    }
    if (optind >= argc)
        return err_set(ei, ERR_USAGE, "campaign add: missing NAME");
    if (optind + 1 < argc)
        return err_set(ei, ERR_USAGE, "campaign add: unexpected argument "
                       "'%s'", argv[optind + 1]);
    name = argv[optind];
    if (!tpath)
        return err_set(ei, ERR_USAGE, "campaign add: missing --template "
                       "PATH (e.g. templates/intro.txt)");
    if (check_name(name, ei) < 0)
        return -1;
    if (subject) {
        if (str_blank(subject) || strpbrk(subject, "\r\n") ||
            !utf8_valid(subject, strlen(subject)))
            return err_set(ei, ERR_USAGE, "campaign add: --subject must be "
                           "one non-empty line of UTF-8");
        if (template_check(subject, "--subject", 1, ei) < 0)
            return -1;
    }
    if (app_open_db(app, 0, &db, ei) < 0)
        return -1;
    if (app_load_template(tpath, &t, ei) < 0 ||
        check_vars(db, tpath, &t, subject, ei) < 0)
        goto out;
    /* Runs start from cron in another directory: keep an absolute path. */
    abs = realpath(tpath, NULL);
    if (!abs) {
        err_set(ei, ERR_NOINPUT, "template '%s': cannot resolve path", tpath);
        goto out;
    }
    if (db_query_int(db, "SELECT COUNT(*) FROM campaigns WHERE name = ?1",
                     name, &exists, ei) < 0)
        goto out;
    if (exists) {
        err_set(ei, ERR_DATA, "campaign '%s' already exists (see 'campaign "
                "list')", name);
        goto out;
    }
    clock_now_iso(now);
    if (db_prepare(db,
                   "INSERT INTO campaigns(name, template_path, subject, "
                   "status, created_at) VALUES (?1, ?2, ?3, 'active', ?4)",
                   &st, ei) < 0)
        goto out;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, abs, -1, SQLITE_STATIC);
    db_bind_text_or_null(st, 3, subject);
    sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        db_fail(db, ei, "cannot add campaign");
        goto out;
    }
    if (app_store_settings(app, db, ei) < 0)
        goto out;
    if (!app->quiet)
        printf("campaign %s added (template %s)\n", name, abs);
    ret = 0;
out:
    sqlite3_finalize(st);
    template_release(&t);
    free(abs);
    db_close(db);
    return ret;
}

static int campaign_list(struct app *app, int argc, char **argv,
                         struct errinfo *ei)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static const char *const hdr[] = {
        "NAME", "STATUS", "ENROLLED", "SENT", "TEMPLATE", "SUBJECT",
    };
    struct db *db = NULL;
    sqlite3_stmt *st = NULL;
    struct table t;
    int c, rc, ret = -1;

    while ((c = app_getopt(argc, argv, "campaign list", ":h", opts,
                           campaign_usage, ei)) != -1)
        return c == -2 ? 0 : -1;
    if (optind < argc)
        return err_set(ei, ERR_USAGE, "campaign list: unexpected argument "
                       "'%s'", argv[optind]);
    if (app_open_db(app, 0, &db, ei) < 0)
        return -1;
    if (db_prepare(db,
                   "SELECT c.name, c.status,"
                   " (SELECT COUNT(*) FROM enrollments e"
                   "   WHERE e.campaign_id = c.id),"
                   " (SELECT COUNT(*) FROM sends s WHERE s.campaign_id = c.id"
                   "   AND s.status = 'sent'),"
                   " c.template_path, c.subject"
                   " FROM campaigns c ORDER BY c.id",
                   &st, ei) < 0)
        goto out;
    table_init(&t, 6, hdr);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *cell[6];
        struct template tpl = { NULL, NULL };
        struct errinfo tei;

        for (int i = 0; i < 6; i++)
            cell[i] = (const char *)sqlite3_column_text(st, i);
        if (!cell[5]) {
            if (app_load_template(cell[4], &tpl, &tei) == 0)
                cell[5] = tpl.subject;
            else
                cell[5] = "(template unreadable)";
        }
        table_add(&t, cell);
        template_release(&tpl);
    }
    if (rc != SQLITE_DONE) {
        db_fail(db, ei, "campaign list");
    } else {
        table_print(&t, stdout);
        ret = 0;
    }
    table_release(&t);
out:
    sqlite3_finalize(st);
    db_close(db);
    return ret;
}

static int campaign_set_status(struct app *app, int argc, char **argv,
                               const char *status, struct errinfo *ei)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *cmd = strcmp(status, "paused") == 0 ? "campaign pause"
                                                   : "campaign resume";
    struct db *db = NULL;
    sqlite3_stmt *st = NULL;
    int c, ret = -1;

    while ((c = app_getopt(argc, argv, cmd, ":h", opts, campaign_usage,
                           ei)) != -1)
        return c == -2 ? 0 : -1;
    if (optind >= argc)
        return err_set(ei, ERR_USAGE, "%s: missing NAME", cmd);
    if (optind + 1 < argc)
        return err_set(ei, ERR_USAGE, "%s: unexpected argument '%s'", cmd,
                       argv[optind + 1]);
    if (app_open_db(app, 0, &db, ei) < 0)
        return -1;
    if (db_prepare(db, "UPDATE campaigns SET status = ?2 WHERE name = ?1",
                   &st, ei) < 0)
        goto out;
    sqlite3_bind_text(st, 1, argv[optind], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        db_fail(db, ei, "cannot change campaign");
        goto out;
    }
    if (sqlite3_changes(db->h) == 0) {
        err_set(ei, ERR_DATA, "unknown campaign '%s' (see 'campaign list')",
                argv[optind]);
        goto out;
    }
    if (!app->quiet)
        printf("campaign %s %s\n", argv[optind],
               strcmp(status, "paused") == 0 ? "paused" : "resumed");
    ret = 0;
out:
    sqlite3_finalize(st);
    db_close(db);
    return ret;
}

static int campaign_pause(struct app *app, int argc, char **argv,
                          struct errinfo *ei)
{
    return campaign_set_status(app, argc, argv, "paused", ei);
}

static int campaign_resume(struct app *app, int argc, char **argv,
                           struct errinfo *ei)
{
    return campaign_set_status(app, argc, argv, "active", ei);
}

const struct subcommand campaign_subs[] = {
    { "add", campaign_add, "add a campaign and its template" },
    { "list", campaign_list, "the campaigns" },
    { "pause", campaign_pause, "stop sending a campaign's messages" },
    { "resume", campaign_resume, "send a paused campaign's messages again" },
    { NULL, NULL, NULL },
};

int cmd_campaign(struct app *app, int argc, char **argv, struct errinfo *ei)
{
    return app_dispatch(app, "campaign", campaign_usage, campaign_subs,
                        sizeof(campaign_subs) / sizeof(campaign_subs[0]),
                        argc, argv, ei);
}
