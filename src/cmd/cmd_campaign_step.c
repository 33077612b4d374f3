/*
 * cmd_campaign_step.c - `campaign step add NAME --template PATH
 * [--subject TEXT] [--after-days N]` and `campaign steps NAME`: a
 * campaign's sequence of follow-ups (SPEC "Sequences").
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "campaign_cmd.h"
#include "clock.h"
#include "store.h"
#include "table.h"
#include "util.h"

#include "banned.h"

static void say_added(const struct campaign_args *a, int step, const char *abs,
                      int cooldown_days)
{
    if (a->after_days >= 0)
        printf("campaign %s: step %d added (template %s), %d day%s after "
               "step %d\n", a->name, step, abs, a->after_days,
               a->after_days == 1 ? "" : "s", step - 1);
    else
        printf("campaign %s: step %d added (template %s), %d day%s after "
               "step %d (rules.cooldown_days)\n", a->name, step, abs,
               cooldown_days, cooldown_days == 1 ? "" : "s", step - 1);
}

static int step_add(struct app *app, int argc, char **argv,
                    struct errinfo *ei)
{
    struct campaign_args a;
    struct template t = { NULL, NULL };
    struct db *db = NULL;
    long long id;
    char *abs = NULL, now[ISO_TIME_LEN];
    int r, step, ret = -1;

    r = campaign_parse("campaign step add", argc, argv,
                       CAMPAIGN_ARGS_TEMPLATE | CAMPAIGN_ARGS_AFTER_DAYS, &a,
                       ei);
    if (r)
        return r > 0 ? 0 : -1;
    if (app_open_db(app, 0, &db, ei) < 0)
        return -1;
    if (campaign_find(db, "campaign step add", a.name, &id, ei) < 0 ||
        app_load_step_template(a.tpath, &t, ei) < 0 ||
        campaign_check_vars(db, a.tpath, &t, a.subject, ei) < 0)
        goto out;
    if (campaign_abs_template(a.tpath, &abs, ei) < 0)
        goto out;
    clock_now_iso(now);
    if (store_step_add(db, id, abs, a.subject, a.after_days, now, &step,
                       ei) < 0)
        goto out;
    if (!app->quiet)
        say_added(&a, step, abs, app->cfg.rules.cooldown_days);
    ret = 0;
out:
    template_release(&t);
    free(abs);
    db_close(db);
    return ret;
}

int campaign_step(struct app *app, int argc, char **argv,
                  struct errinfo *ei)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
                      strcmp(argv[1], "-h") == 0)) {
        app_usage(campaign_usage);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "add") != 0)
        return err_set(ei, ERR_USAGE, "campaign step: say 'campaign step "
                       "add NAME --template PATH' (and 'campaign steps "
                       "NAME' lists them)");
    return step_add(app, argc - 1, argv + 1, ei);
}

/* ---- campaign steps NAME ---- */

struct steps_out {
    struct table t;
    int cooldown_days;
};

static void steps_row(void *arg, const struct store_step_row *r)
{
    struct steps_out *o = arg;
    char step[16], wait[48], sent[24], bounced[24], replied[24];
    const char *cell[7] = { step, r->template_path, wait, sent, bounced,
                            replied, NULL };

    snprintf(step, sizeof(step), "%d", r->step);
    if (r->step == 1)
        snprintf(wait, sizeof(wait), "-");
    else if (r->after_days >= 0)
        snprintf(wait, sizeof(wait), "%d days", r->after_days);
    else
        snprintf(wait, sizeof(wait), "%d days (cooldown)", o->cooldown_days);
    snprintf(sent, sizeof(sent), "%lld", r->sent);
    snprintf(bounced, sizeof(bounced), "%lld", r->bounced);
    snprintf(replied, sizeof(replied), "%lld", r->replied);
    cell[6] = r->subject ? r->subject
              : r->step == 1 ? "(its template's)" : "(its own, or Re: step 1)";
    table_add(&o->t, cell);
}

int campaign_steps(struct app *app, int argc, char **argv,
                   struct errinfo *ei)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static const char *const hdr[] = {
        "STEP", "TEMPLATE", "WAIT", "SENT", "BOUNCED", "REPLIED", "SUBJECT",
    };
    struct steps_out o;
    struct db *db = NULL;
    long long id;
    int c, ret = -1;

    while ((c = app_getopt(argc, argv, "campaign steps", ":h", opts,
                           campaign_usage, ei)) != -1)
        return c == -2 ? 0 : -1;
    if (optind >= argc)
        return err_set(ei, ERR_USAGE, "campaign steps: missing NAME");
    if (optind + 1 < argc)
        return err_set(ei, ERR_USAGE, "campaign steps: unexpected argument "
                       "'%s'", argv[optind + 1]);
    if (app_open_db(app, 0, &db, ei) < 0)
        return -1;
    o.cooldown_days = app->cfg.rules.cooldown_days;
    table_init(&o.t, 7, hdr);
    if (campaign_find(db, "campaign steps", argv[optind], &id, ei) == 0 &&
        store_step_list(db, id, steps_row, &o, ei) == 0) {
        table_print(&o.t, stdout);
        ret = 0;
    }
    table_release(&o.t);
    db_close(db);
    return ret;
}
