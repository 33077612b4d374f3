/* cmd_campaign.c - `campaign add | list | pause | resume` (and the
 * sub-command table; `step add` and `steps` are cmd_campaign_step.c). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "campaign_cmd.h"
#include "clock.h"
#include "compose.h"
#include "store.h"
#include "table.h"
#include "template.h"
#include "tplvars.h"
#include "util.h"

#include "banned.h"

#define CAMPAIGN_NAME_MAX 200

const char campaign_usage[] =
    "usage: mailrota campaign add NAME --template PATH [--subject TEXT]\n"
    "   or: mailrota campaign list\n"
    "   or: mailrota campaign pause NAME\n"
    "   or: mailrota campaign resume NAME\n"
    "   or: mailrota campaign set NAME [--template PATH] [--subject TEXT]\n"
    "   or: mailrota campaign enroll NAME (EMAIL... | --file CSV |\n"
    "                                      --all-active)\n"
    "   or: mailrota campaign step add NAME --template PATH [--subject TEXT]\n"
    "                                  [--after-days N]\n"
    "   or: mailrota campaign steps NAME\n"
    "\n"
    "A campaign is one offer or job opening, with one template: a\n"
    "'Subject:' line, a blank line, then the body, with variables such as\n"
    "{{first_name|there}}, {{company}}, {{sender_name}} and any CSV column.\n"
    "--subject overrides the template's Subject: line.  Contacts join a\n"
    "campaign with 'import contacts FILE --campaign NAME'.  A paused\n"
    "campaign sends nothing until resumed.  'set' changes a campaign's\n"
    "template or --subject, checked as at 'add'; later sends use them.\n"
    "'enroll' enrols contacts already imported: the addresses given, the\n"
    "'email' column of a CSV ('-': stdin), or every active contact; it\n"
    "prints how many were enrolled, already enrolled and unknown (each\n"
    "unknown address is reported; exit 65 when none was known).\n"
    "\n"
    "A sequence: 'step add' appends a follow-up (step 2, 3, ...), sent\n"
    "--after-days N (default rules.cooldown_days) after the step before,\n"
    "from the same mailbox, in the same thread (In-Reply-To, References,\n"
    "subject 'Re: ' and step 1's unless its template has a Subject: line),\n"
    "only while the step before was delivered; a reply, bounce or\n"
    "unsubscribe ends it.  'steps' lists each step with its counts.\n";

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
    size_t n, nowned, cap;
};

static void avail_release(struct avail *a)
{
    for (size_t i = 0; i < a->nowned; i++)
        free(a->owned[i]);
    free(a->owned);
    free(a->names);
}

static void avail_add(void *arg, const char *name)
{
    struct avail *a = arg;

    if (a->n == a->cap) {
        a->cap *= 2;
        a->names = xrealloc(a->names, a->cap * sizeof(*a->names));
        a->owned = xrealloc(a->owned, a->cap * sizeof(*a->owned));
    }
    a->owned[a->nowned] = name ? xstrdup(name) : NULL;
    a->names[a->n++] = a->owned[a->nowned++];
}

static int avail_load(struct db *db, struct avail *a, struct errinfo *ei)
{
    size_t nb = compose_builtin_vars(NULL, 0);

    a->cap = nb + 16;
    a->names = xcalloc(a->cap, sizeof(*a->names));
    a->owned = xcalloc(a->cap, sizeof(*a->owned));
    a->n = compose_builtin_vars(a->names, a->cap);
    return store_contact_field_names(db, avail_add, a, ei);
}

int campaign_check_vars(struct db *db, const char *tpath,
                        const struct template *t, const char *subject,
                        struct errinfo *ei)
{
    struct avail a = { NULL, NULL, 0, 0, 0 };
    int ret = -1;

    if (avail_load(db, &a, ei) < 0)
        goto out;
    if (subject ? tplvars_check(subject, "--subject", 1, a.names, a.n,
                                ei) < 0
                : t->subject &&
                      tplvars_check(t->subject, tpath, 1, a.names, a.n,
                                    ei) < 0)
        goto out;
    if (tplvars_check(t->body, tpath, t->subject ? TEMPLATE_BODY_LINE : 1,
                      a.names, a.n, ei) < 0)
        goto out;
    ret = 0;
out:
    avail_release(&a);
    return ret;
}

int campaign_check_subject(const char *cmd, const char *subject,
                           struct errinfo *ei)
{
    if (str_blank(subject) || strpbrk(subject, "\r\n") ||
        !utf8_valid(subject, strlen(subject)))
        return err_set(ei, ERR_USAGE, "%s: --subject must be one non-empty "
                       "line of UTF-8", cmd);
    return template_check(subject, "--subject", 1, ei);
}

int campaign_find(struct db *db, const char *cmd, const char *name,
                  long long *id, struct errinfo *ei)
{
    if (store_campaign_id(db, name, id, ei) < 0)
        return -1;
    if (!*id)
        return err_set(ei, ERR_DATA, "%s: unknown campaign '%s' (see "
                       "'mailrota campaign list')", cmd, name);
    return 0;
}

static int campaign_add(struct app *app, int argc, char **argv,
                        struct errinfo *ei)
{
    struct campaign_args a;
    struct template t = { NULL, NULL };
    struct db *db = NULL;
    char *abs = NULL;
    char now[21];
    long long exists;
    int r, ret = -1;

    r = campaign_parse("campaign add", argc, argv, CAMPAIGN_ARGS_TEMPLATE,
                       &a, ei);
    if (r)
        return r > 0 ? 0 : -1;
    if (check_name(a.name, ei) < 0 || app_open_db(app, 0, &db, ei) < 0)
        return -1;
    if (app_load_template(a.tpath, &t, ei) < 0 ||
        campaign_check_vars(db, a.tpath, &t, a.subject, ei) < 0 ||
        campaign_abs_template(a.tpath, &abs, ei) < 0)
        goto out;
    if (store_campaign_id(db, a.name, &exists, ei) < 0)
        goto out;
    if (exists) {
        err_set(ei, ERR_DATA, "campaign '%s' already exists (see 'campaign "
                "list')", a.name);
        goto out;
    }
    clock_now_iso(now);
    if (store_campaign_add(db, a.name, abs, a.subject, now, ei) < 0)
        goto out;
    if (!app->quiet)
        printf("campaign %s added (template %s)\n", a.name, abs);
    ret = 0;
out:
    template_release(&t);
    free(abs);
    db_close(db);
    return ret;
}

static void list_row(void *arg, const struct store_campaign_row *r)
{
    struct template tpl = { NULL, NULL };
    struct errinfo tei;
    char enrolled[24], sent[24];
    const char *cell[6] = { r->name, r->status, enrolled, sent,
                            r->template_path, r->subject };

    snprintf(enrolled, sizeof(enrolled), "%lld", r->enrolled);
    snprintf(sent, sizeof(sent), "%lld", r->sent);
    if (!cell[5]) {
        if (app_load_template(r->template_path, &tpl, &tei) == 0)
            cell[5] = tpl.subject;
        else
            cell[5] = "(template unreadable)";
    }
    table_add(arg, cell);
    template_release(&tpl);
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
    struct table t;
    int c, ret = -1;

    while ((c = app_getopt(argc, argv, "campaign list", ":h", opts,
                           campaign_usage, ei)) != -1)
        return c == -2 ? 0 : -1;
    if (optind < argc)
        return err_set(ei, ERR_USAGE, "campaign list: unexpected argument "
                       "'%s'", argv[optind]);
    if (app_open_db(app, 0, &db, ei) < 0)
        return -1;
    table_init(&t, 6, hdr);
    if (store_campaign_list(db, list_row, &t, ei) == 0) {
        table_print(&t, stdout);
        ret = 0;
    }
    table_release(&t);
    db_close(db);
    return ret;
}

static int campaign_set_status(struct app *app, int argc, char **argv,
                               bool pause, struct errinfo *ei)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *cmd = pause ? "campaign pause" : "campaign resume";
    struct db *db = NULL;
    bool found;
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
    if (store_campaign_set_paused(db, argv[optind], pause, &found, ei) < 0)
        goto out;
    if (!found) {
        err_set(ei, ERR_DATA, "unknown campaign '%s' (see 'campaign list')",
                argv[optind]);
        goto out;
    }
    if (!app->quiet)
        printf("campaign %s %s\n", argv[optind], pause ? "paused" : "resumed");
    ret = 0;
out:
    db_close(db);
    return ret;
}

static int campaign_pause(struct app *app, int argc, char **argv,
                          struct errinfo *ei)
{
    return campaign_set_status(app, argc, argv, true, ei);
}

static int campaign_resume(struct app *app, int argc, char **argv,
                           struct errinfo *ei)
{
    return campaign_set_status(app, argc, argv, false, ei);
}

const struct subcommand campaign_subs[] = {
    { "add", campaign_add, "add a campaign and its template" },
    { "list", campaign_list, "the campaigns" },
    { "pause", campaign_pause, "stop sending a campaign's messages" },
    { "resume", campaign_resume, "send a paused campaign's messages again" },
    { "set", campaign_set, "change a campaign's template or subject" },
    { "enroll", campaign_enroll, "enrol contacts already in the database" },
    { "step", campaign_step, "add a follow-up step: step add NAME ..." },
    { "steps", campaign_steps, "a campaign's steps and their counts" },
    { NULL, NULL, NULL },
};

int cmd_campaign(struct app *app, int argc, char **argv, struct errinfo *ei)
{
    return app_dispatch(app, "campaign", campaign_usage, campaign_subs,
                        sizeof(campaign_subs) / sizeof(campaign_subs[0]),
                        argc, argv, ei);
}
